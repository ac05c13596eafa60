/*
 * gdb_reverse.h - the debug server in record mode (rhyve --record):
 * reverse execution packets (bs, bc: GDB manual, "Packets") and the
 * hand-over between the server and the recorder's one thread, which runs
 * every vCPU (rhyve/replay/replay.c).  gdb.c and gdb_cmds.c call the
 * gdbr_* server hooks with gdbsrv.mtx held; the recorder calls the rest
 * without it.
 *
 * How the recorder's thread fits the server's run control: each vCPU is
 * "present" from the start and "parked" whenever the thread is not
 * running it (a vCPU's state can be read whenever it is not in
 * vm_run()), so a stop completes as soon as the vCPU being run leaves
 * vm_run() (the server's vm_suspend_cpu(-1) makes it).  Events are
 * queued as from any vCPU thread, but the hooks do not park: the thread
 * waits in gdbr_schedule() until the debugger lets something run, or
 * asks for a reverse step or continue, which the thread then performs
 * and reports as a stop.
 */
#ifndef RHYVE_GDB_REVERSE_H
#define RHYVE_GDB_REVERSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct gdb_buf;
struct gdb_cursor;
struct vm_exit;

/* Record mode (set once, before the server serves anything). */
extern bool gdbr_on;

/* ---- server side: gdbsrv.mtx held ---------------------------------------- */

/* "bs" / "bc": ask the recorder's thread to go back. */
void	gdbr_handle_b(struct gdb_cursor *k);
/* qSupported: ";ReverseStep+;ReverseContinue+" in record mode. */
void	gdbr_features(struct gdb_buf *b);
/* Append "replaylog:begin;" to a stop reply that reached the beginning. */
void	gdbr_format_stop(struct gdb_buf *b, int vcpu);
/* G, P, M, X: the debugger is changing the VM's state. */
void	gdbr_state_written(void);
/* "monitor record": true if cmd was one of ours (output into o). */
bool	gdbr_monitor(const char *cmd, const char *arg, struct gdb_buf *o);

/* ---- recorder side ------------------------------------------------------- */

enum gdbr_req {
	GDBR_NONE = 0,
	GDBR_BSTEP,		/* bs: back one instruction of req_vcpu */
	GDBR_BCONT,		/* bc: back to the last breakpoint or watchpoint */
};

/* What the recorder may do next (gdbr_schedule()). */
struct gdbr_sched {
	bool	*run;		/* [ncpus] the debugger lets it run */
	bool	*step;		/* [ncpus] ... for one instruction */
	int	 req;		/* enum gdbr_req */
	int	 req_vcpu;
	bool	 req_only;	/* Hc named it: bc counts its hits only */
	bool	 dirty;		/* the debugger wrote registers or memory */
	bool	 shutdown;	/* rhyve is ending: run anything */
};

/* The recorder's thread starts: every vCPU present and parked. */
void	gdbr_attach(void);
/* Wait until something may run or a reverse request comes. */
void	gdbr_schedule(struct gdbr_sched *s);
/*
 * Around running vcpu (false: a stop came meanwhile, do not run it).
 * borrow: replaying history, run it even if the debugger holds it (the
 * recorded schedule moves every vCPU).
 */
bool	gdbr_enter(int vcpu, bool borrow);
void	gdbr_leave(int vcpu);
/*
 * Going back (a request taken): let vcpu run although the debugger
 * holds it; false if a stop was asked for meanwhile.
 */
bool	gdbr_borrow(int vcpu);
/* A stop was asked for (Ctrl-C, a new connection) or rhyve is ending. */
bool	gdbr_interrupted(void);
/* BPT or WATCH going forward: report it; true if it stops the VM. */
bool	gdbr_exit(int vcpu, struct vm_exit *vme);
/* A step of vcpu finished (one instruction retired): report it. */
void	gdbr_step_done(int vcpu);
/*
 * Going backwards: would this BPT or WATCH exit stop (breakpoint
 * conditions hold, no commands)?  *ev is its enum gdb_ev.
 */
bool	gdbr_hit_counts(int vcpu, const struct vm_exit *vme, int *ev);
/* The reverse request is done: report a stop (begin: replaylog:begin). */
void	gdbr_report(int vcpu, int ev, uint64_t pc, uint64_t wp_addr,
	    int wp_type, bool begin);
/* It ended without an event (interrupted): the stop completes as is. */
void	gdbr_report_none(void);
/* Event kinds for gdbr_report() (enum gdb_ev's). */
int	gdbr_ev_step(void);

#endif
