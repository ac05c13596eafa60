/*
 * gdb_cond.h - target-side breakpoint conditions: the cond_list of a
 * Z0/Z1 packet (GDB manual, "Packets", Z0, and "General Query Packets",
 * ConditionalBreakpoints), parsed into a set of verified agent
 * expressions that the vCPU which hits the breakpoint evaluates itself.
 *
 * The same structure holds a breakpoint's commands (Z0 ";cmds:persist,"
 * then "X len,expr" items, GDB manual "Packets", Z0, and the
 * BreakpointCommands feature): agent expressions run in order when the
 * breakpoint is hit and its conditions hold, for their printf output (a
 * `dprintf` with `set dprintf-style agent`).
 *
 * A set is immutable once built.  Its reference count is under the debug
 * server's lock (gdbsrv.mtx): the breakpoint holds one reference, and a
 * vCPU evaluating it takes another, so that a Z0 replacing the conditions
 * meanwhile never frees a set in use.
 */
#ifndef RHYVE_GDB_COND_H
#define RHYVE_GDB_COND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent_expr.h"

#define GDB_COND_MAX	32	/* conditions on one breakpoint */

struct gdb_cond_expr {
	const uint8_t	*code;		/* points into the set's storage */
	size_t		 len;
};

/* Locking: (c) constant after gdb_cond_parse(); (g) under gdbsrv.mtx. */
struct gdb_cond {
	int		 refs;		/* (g) */
	bool		 phys;		/* (c) addresses are physical */
	bool		 cmds;		/* (c) commands, not conditions */
	bool		 persist;	/* (c) commands: outlive the debugger */
	int		 n;		/* (c) */
	struct gdb_cond_expr x[];	/* (c) [n] */
};

/*
 * Parse a cond_list: one or more "X len,hexbytes" items, concatenated
 * (GDB's form) or separated by ';'.  p/len is the text after the ';' that
 * follows the kind, up to (not including) any ";cmds:" part.  Every
 * expression must pass ax_verify().  Returns a new set with refs = 1, or
 * NULL with a one-line reason in err (errlen > 0): malformed text, more
 * than GDB_COND_MAX items, a refused expression, or ENOMEM.
 */
struct gdb_cond *gdb_cond_parse(const uint8_t *p, size_t len, bool phys,
	    char *err, size_t errlen);

/*
 * Parse a command list: "persist,X len,expr..." (p/len: the text after
 * ";cmds:", up to the end of the packet), persist 0 or 1, every
 * expression passing ax_verify_cmd().  Returns a new set (cmds true)
 * with refs = 1, or NULL with a reason in err, as gdb_cond_parse().
 */
struct gdb_cond *gdb_cmds_parse(const uint8_t *p, size_t len, bool phys,
	    char *err, size_t errlen);

/*
 * Run every command of the set in order; a command that fails stops
 * there.  Returns AX_OK or the failing command's enum ax_err, with its
 * index in *failed.
 */
int	gdb_cmds_run(const struct gdb_cond *c, const struct ax_env *env,
	    int *failed);

/*
 * Evaluate the set (its conditions are OR-ed, as GDB specifies).  Returns
 * true when the breakpoint should stop: a condition is non-zero, or one
 * failed to evaluate (GDB's own evaluation stops on an error too); false
 * when every condition evaluated to zero.
 */
bool	gdb_cond_eval(const struct gdb_cond *c, const struct ax_env *env);

/* Free a set whose last reference is gone (gdbsrv.mtx not needed). */
void	gdb_cond_free(struct gdb_cond *c);

#endif
