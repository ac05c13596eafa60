/*
 * qmp.h - the QMP server (QEMU Machine Protocol, QEMU's docs/interop/
 * qmp-spec.rst) as the rest of rhyve sees it: a Unix socket, mode 0600,
 * that rhyvectl(8) and QMP clients use to control the running VM from
 * another process.  The server runs in its own thread (qmp_server.c);
 * the commands (qmp_cmds.c) go through vmmapi like everything else, and
 * stop/cont use the operator's pause (vm_pause_cpu), which composes with
 * the debugger's hold instead of fighting it (docs/design-notes.md,
 * "Two holds").
 */
#ifndef RHYVE_QMP_H
#define RHYVE_QMP_H

#include <stdbool.h>
#include <stddef.h>

struct vmctx;

#define QMP_NAME_MAX	64	/* -name: [A-Za-z0-9_.-], not starting with '.' */

/*
 * Where -name NAME puts its socket (rhyve(8), rhyvectl(8)):
 *	$XDG_RUNTIME_DIR/rhyve/NAME.qmp	if XDG_RUNTIME_DIR is set,
 *	/run/rhyve/NAME.qmp		else for root,
 *	/tmp/rhyve-UID/NAME.qmp		else.
 * Writes the path into buf; -1 if the name is invalid or it does not fit.
 * qmp_valid_name() is the name check alone.
 */
int	qmp_default_path(const char *name, char *buf, size_t len);
bool	qmp_valid_name(const char *name);

struct qmp_config {
	const char	*path;		/* -qmp unix:PATH, or NULL */
	const char	*name;		/* -name NAME (default path), or NULL */
};

/*
 * Bind and listen on the sockets 'cfg' asks for and start the server
 * thread, before the sandbox is entered.  A socket path where a live VM
 * answers is refused ("in use"); a stale one (nobody listening) is
 * replaced.  The sockets are removed by qmp_fini() and, should the
 * process end otherwise, at exit.  Returns 0, or -1 with one line
 * printed on stderr.  Once per process.
 */
int	qmp_init(struct vmctx *ctx, const struct qmp_config *cfg);

/*
 * The machine ends: emit SHUTDOWN (guest: the guest powered off, reset
 * under -no-reboot, or failed; else the host ended it, e.g. a signal or
 * QMP quit), give clients a moment to read what is queued, close them
 * and the sockets and remove the socket files.  Safe without qmp_init().
 */
void	qmp_fini(bool guest, int status);

/* A reset is about to reboot the VM in place: emit RESET. */
void	qmp_notify_reset(bool guest);

/* Called by each vCPU thread once: its thread id for query-cpus-fast. */
void	qmp_vcpu_thread(int vcpu);

#endif
