/*
 * gdb_dprintf.c - what a vCPU runs when it hits a breakpoint with
 * target-side conditions or commands (issue 13), and where the commands'
 * output goes.  Spec: GDB manual, "Packets" (Z0 cond_list and
 * ";cmds:persist,cmd_list"), "General Query Packets" (qSupported
 * ConditionalBreakpoints and BreakpointCommands), "Dynamic Printf"
 * (`set dprintf-style agent`, `set disconnected-dprintf`) and "Bytecode
 * Descriptions" (printf).
 *
 * The vCPU that hits the breakpoint evaluates the conditions and runs the
 * commands itself, in its own thread, outside gdbsrv.mtx, reading its own
 * registers and memory (see gdb_cpu_breakpoint() in gdb.c).  A hit whose
 * conditions hold and that has commands runs them and does not stop: a
 * dprintf prints and the guest goes on.
 *
 * Output.  In all-stop mode, while GDB waits for a stop reply (the only
 * time a vCPU can hit anything), the text goes to GDB as "O" console
 * output packets, which GDB prints as it waits (remote.c accepts 'O'
 * before a stop reply).  The vCPU appends it to gdbsrv.dout under the
 * lock and wakes the server thread, which alone writes to the connection;
 * since the vCPU queues before it can park, the text of every hit goes
 * out before the stop reply that follows it.  Elsewhere an 'O' packet is
 * not clean: in non-stop mode GDB could take it for the reply to a
 * request in flight, and without a debugger (commands with persist:1
 * outlive it) there is nobody to send it to.  There the text goes to
 * rhyve's stderr, as gdbserver prints agent dprintf on its own stdout
 * (rhyve's stdout is the guest's console).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "vmmapi/vmmapi.h"
#include "gdb_server.h"

/* Text queued for GDB at most; a hit beyond it loses its text (counted). */
#define DOUT_MAX	(256 * 1024)
/* Text carried by one 'O' packet at most (hex doubles it). */
#define O_CHUNK		2048

/* The machine as a vCPU's bytecode sees it: that vCPU's state. */
struct vcpu_env {
	int	 vcpu;
	bool	 phys;		/* memory addresses are physical */
	char	 text[AX_PRINTF_MAX * 4];	/* printf output of one hit */
	size_t	 len;
	bool	 cut;		/* text did not fit */
};

static int
env_reg(void *arg, int regnum, uint64_t *val)
{
	const struct vcpu_env *ve = arg;

	/* only what the target description (GDB's numbering) declares */
	if (regnum < 0 || gdb_target_reg_size(&gdbsrv.tdesc, regnum) == 0)
		return -1;
	return vm_get_register(gdbsrv.ctx, ve->vcpu, regnum, val) != 0 ?
	    -1 : 0;
}

static int
env_mem(void *arg, uint64_t addr, void *buf, size_t len)
{
	const struct vcpu_env *ve = arg;

	return gdb_target_mem(gdbsrv.ctx, ve->vcpu, ve->phys, addr, buf, len,
	    false) == len ? 0 : -1;
}

static void
env_out(void *arg, const char *text, size_t len)
{
	struct vcpu_env *ve = arg;

	if (len > sizeof(ve->text) - ve->len) {
		len = sizeof(ve->text) - ve->len;
		ve->cut = true;
	}
	memcpy(ve->text + ve->len, text, len);
	ve->len += len;
}

bool
gdbs_cond_holds(int vcpu, const struct gdb_cond *c)
{
	struct vcpu_env ve = { .vcpu = vcpu, .phys = c->phys };
	struct ax_env env = { &ve, env_reg, env_mem, NULL };

	return gdb_cond_eval(c, &env);
}

/* Hand one hit's text to GDB or to stderr.  Any thread, no lock held. */
static void
emit(const char *text, size_t len)
{
	bool wake;

	if (len == 0)
		return;
	pthread_mutex_lock(&gdbsrv.mtx);
	gdbsrv.cmd_bytes += len;
	if (gdbsrv.connected && !gdbsrv.ns.on && !gdbsrv.exited) {
		if (gdbsrv.dout.len + len > DOUT_MAX) {
			gdbsrv.cmd_dropped += len;
			pthread_mutex_unlock(&gdbsrv.mtx);
			return;
		}
		wake = gdbsrv.dout.len == 0;
		gdb_buf_put(&gdbsrv.dout, text, len);
		pthread_mutex_unlock(&gdbsrv.mtx);
		if (wake)
			gdbs_notify_server();
		return;
	}
	pthread_mutex_unlock(&gdbsrv.mtx);
	fwrite(text, 1, len, stderr);
	fflush(stderr);
}

void
gdbs_run_cmds(int vcpu, uint64_t pc, const struct gdb_cond *cmds)
{
	struct vcpu_env ve = { .vcpu = vcpu, .phys = cmds->phys };
	struct ax_env env = { &ve, env_reg, env_mem, env_out };
	int e, failed = 0;

	e = gdb_cmds_run(cmds, &env, &failed);
	if (e != AX_OK) {
		char msg[160];
		int n;

		n = snprintf(msg, sizeof(msg), "rhyve: breakpoint command %d at "
		    "0x%" PRIx64 " (hart %d): %s\n", failed, pc, vcpu,
		    ax_strerror(e));
		env_out(&ve, msg, (size_t)n < sizeof(msg) ? (size_t)n :
		    sizeof(msg) - 1);
	}
	if (ve.cut) {
		static const char cut[] = "[rhyve: output cut]\n";

		ve.len = ve.len > sizeof(ve.text) - sizeof(cut) + 1 ?
		    sizeof(ve.text) - sizeof(cut) + 1 : ve.len;
		memcpy(ve.text + ve.len, cut, sizeof(cut) - 1);
		ve.len += sizeof(cut) - 1;
	}
	pthread_mutex_lock(&gdbsrv.mtx);
	gdbsrv.cmd_runs++;
	pthread_mutex_unlock(&gdbsrv.mtx);
	emit(ve.text, ve.len);
}

void
gdbs_flush_output_locked(void)
{
	uint64_t replies;
	size_t off;

	if (gdbsrv.dout.len == 0)
		return;
	if (gdbsrv.cfd < 0 || gdbsrv.ns.on || !gdbsrv.reply_owed) {
		/* GDB is not waiting for a stop reply: no 'O' now */
		fwrite(gdbsrv.dout.data, 1, gdbsrv.dout.len, stderr);
		fflush(stderr);
		gdb_buf_reset(&gdbsrv.dout);
		return;
	}
	replies = gdbsrv.replies;
	for (off = 0; off < gdbsrv.dout.len; off += O_CHUNK) {
		size_t n = gdbsrv.dout.len - off;

		if (n > O_CHUNK)
			n = O_CHUNK;
		gdb_buf_reset(&gdbsrv.reply);
		gdb_buf_putc(&gdbsrv.reply, 'O');
		gdb_buf_hex(&gdbsrv.reply, gdbsrv.dout.data + off, n);
		gdbs_send_reply();
	}
	/* GDB answers no 'O': nothing for the server thread to spin for */
	gdbsrv.replies = replies;
	gdb_buf_reset(&gdbsrv.dout);
}
