/*
 * qmp_int.h - what the QMP server's files share: the transport-free
 * session (framing, envelope, dispatch: qmp_session.c), the command
 * table (qmp_cmds.c), the human monitor (qmp_hmp.c) and the server
 * (sockets, thread, events: qmp_server.c).  Fuzzers and unit tests drive
 * a session directly, without sockets or threads.
 */
#ifndef RHYVE_QMP_INT_H
#define RHYVE_QMP_INT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "json.h"

struct vmctx;

/* One QMP message (an object on the wire) is at most this long. */
#define QMP_MAX_MSG		(64 * 1024)
/* Output queued for a client that does not read: beyond it, dropped. */
#define QMP_MAX_OUT		(4 * 1024 * 1024)

/*
 * One client connection's protocol state.  Legend: (s) the thread that
 * feeds it (the server thread, or a test), (a) atomic.
 */
struct qmp_session {
	struct vmctx	*ctx;		/* (s) the VM */
	char		 in[QMP_MAX_MSG]; /* (s) message being framed */
	size_t		 inlen;		/* (s) */
	int		 depth;		/* (s) {/[ nesting outside strings */
	bool		 in_string;	/* (s) */
	bool		 escape;	/* (s) after a backslash in a string */
	bool		 scalar;	/* (s) a top-level non-container token */
	bool		 discarding;	/* (s) overlong: skip to the next newline */
	atomic_bool	 negotiated;	/* (a) qmp_capabilities done: events flow */
	int		 hmp_cpu;	/* (s) the human monitor's current CPU */
};

void	qmp_session_init(struct qmp_session *s, struct vmctx *ctx);
/* The greeting a new connection gets first. */
void	qmp_session_greeting(struct jbuf *out);
/*
 * Feed bytes received from the client; replies (one JSON object and
 * "\r\n" each, as QEMU) are appended to 'out'.  Never fails: malformed
 * input gets an error reply.  Events raised by commands go through
 * qmp_event() (to every negotiated session) before the command's reply.
 */
void	qmp_session_input(struct qmp_session *s, const char *buf, size_t n,
	    struct jbuf *out);

/* ---- commands (qmp_cmds.c) --------------------------------------------- */

/*
 * A command handler: 'args' is the "arguments" object (never NULL: {} if
 * absent).  On success it appends the JSON value of "return" to 'ret' and
 * returns 0; on failure it writes the error's class ("GenericError", ...)
 * and description and returns -1.
 */
struct qmp_error {
	const char	*cls;
	char		 desc[256];
};

typedef int qmp_handler_t(struct qmp_session *s, const struct json *args,
    struct jbuf *ret, struct qmp_error *err);

struct qmp_command {
	const char	*name;
	qmp_handler_t	*handler;
	/* Argument names accepted (NULL-terminated); others are refused. */
	const char	*args[4];
};

const struct qmp_command *qmp_command_find(const char *name);
/* The whole table, for query-commands; *n gets its size. */
const struct qmp_command *qmp_commands(size_t *n);
int	qmp_fail(struct qmp_error *err, const char *cls, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/* ---- the human monitor (qmp_hmp.c) -------------------------------------- */

/* Run one HMP command line; its output (text) goes to 'text'. */
void	qmp_hmp(struct qmp_session *s, const char *line, int cpu,
	    struct jbuf *text);

/* ---- the server (qmp_server.c) ------------------------------------------ */

/*
 * Queue an event for every negotiated session: 'data' is a JSON object
 * text or NULL.  Safe from any thread.
 */
void	qmp_event(const char *name, const char *data);
/* Why the machine is about to end/reset, if a QMP command asked for it. */
enum qmp_reason {
	QMP_REASON_NONE = 0,
	QMP_REASON_QUIT,
	QMP_REASON_RESET,
	QMP_REASON_POWERDOWN,
};
void	qmp_set_reason(enum qmp_reason r);
/* The thread id of a vCPU thread (0 if not known yet). */
int	qmp_vcpu_tid(int vcpu);
/* True once qmp_fini() has begun: query-status says "shutdown". */
bool	qmp_shutting_down(void);

#endif
