/*
 * gdb.c - the debug server: GDB's remote serial protocol with exact run
 * control over every vCPU, modelled on FreeBSD bhyve's usr.sbin/bhyve/gdb.c
 * and its "debugged CPUs" seed (vm_suspend_cpu / vm_resume_cpu, see
 * DESIGN.md section 5).  Protocol spec: GDB manual, appendix E.
 *
 * Threads.  One server thread owns the listening socket and the single
 * connection and sleeps in poll() on them and on an eventfd that vCPU
 * threads write whenever they park or report; nothing polls on a timer.
 * vCPU threads call the gdb_cpu_* hooks (gdb.h) from their run loop and
 * park on a condition variable while the debugger holds them.
 *
 * Run control.  Every stop (attach, Ctrl-C, breakpoint, watchpoint,
 * finished step) holds every vCPU (vm_suspend_cpu(-1)); the stop reply is
 * sent only once every vCPU thread has parked.  Events that happen
 * together are queued per vCPU and reported one at a time: a resume that
 * includes a vCPU with a queued, still valid event reports it at once,
 * without running anything (bhyve's model; an event whose breakpoint or
 * watchpoint was removed meanwhile is dropped).  vCont is obeyed exactly:
 * vCPUs not named stay held.  A step arms VM_CAP_MTRAP_EXIT (and by
 * default VM_CAP_MASK_HWINTR) on that vCPU only.
 *
 * Non-stop mode (QNonStop:1, gdb_nonstop.c) changes only whom a stop
 * holds and how it is reported: the vCPU concerned, with an asynchronous
 * notification; packets are then served while other vCPUs run.
 *
 * Breakpoints and watchpoints are the vmm's (VM-wide, never in guest
 * memory, exits before the instruction/access; the vmm lets the resumed
 * vCPU pass the one it stopped at).  A breakpoint with target-side
 * conditions is judged by the vCPU that hits it, in its own thread: a
 * false hit returns to vm_run() and nobody else notices.  Target-side
 * commands (dprintf) run there too, and the hit goes on.
 *
 * Files: this one (transport, run control, vCPU hooks, the server
 * thread), gdb_cmds.c (packet handlers), gdb_nonstop.c (non-stop mode),
 * gdb_server.h (their shared state), gdb_packet.c (framing), gdb_target.c (target description,
 * register and memory access), gdb_cond.c (breakpoint conditions and
 * commands), gdb_dprintf.c (running them in the vCPU, their output),
 * agent_expr.c and ax_printf.c (their bytecode), gdb_reverse.c (record
 * mode: reverse step and continue over the recorder's one thread).
 */
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vmmapi/vmmapi.h"
#include "gdb.h"
#include "gdb_packet.h"
#include "gdb_target.h"
#include "../machine.h"

/*
 * machine.c provides this; weak so that test binaries that link rhyve's
 * objects without a machine still link (kill then just exits).
 */
#pragma weak machine_request_exit

#include "gdb_sched.h"
#include "gdb_server.h"
#include "gdb_reverse.h"

struct gdb_server gdbsrv = {
	.lfd = -1, .evfd = -1, .cfd = -1,
	.mtx = PTHREAD_MUTEX_INITIALIZER,
	.park_cv = PTHREAD_COND_INITIALIZER,
	.exit_cv = PTHREAD_COND_INITIALIZER,
	.step_mask_irq = true,
};

/* ---- vCPU side ---------------------------------------------------------- */

/*
 * Set after every write to the eventfd, cleared by the server before it
 * reads it: the server's short spin (wait_events()) looks at this flag
 * instead of polling the eventfd, one system call fewer per look.
 */
static atomic_bool notified;

void
gdbs_notify_server(void)
{
	uint64_t one = 1;
	ssize_t n;

	n = write(gdbsrv.evfd, &one, sizeof(one));
	(void)n;	/* EAGAIN: the counter is already non-zero */
	/*
	 * After the write: a spin that sees the flag finds the counter set
	 * (or already read, which check_events() does not need).
	 */
	atomic_store(&notified, true);
}

static bool all_parked_locked(void);

/* Wait until the server releases this vCPU.  gdbsrv.mtx held. */
static void
park_locked(int vcpu)
{
	struct gdb_vcpu *v = &gdbsrv.v[vcpu];

	v->parked = true;
	v->cpu = sched_getcpu();
	/*
	 * An all-stop stop is complete when the last vCPU parks, and the
	 * server has nothing to do before (check_events()): waking it for
	 * each park only takes the CPU from the vCPUs still on their way.
	 * The wake-up is outside the lock: the server, SCHED_FIFO
	 * (gdb_sched.h), preempts this thread at the write, and would only
	 * block on the lock until this thread waits below.  Parked is set,
	 * so the server may read the vCPU or release it meanwhile.
	 */
	if (gdbsrv.ns.on || !gdbsrv.stopping || all_parked_locked()) {
		pthread_mutex_unlock(&gdbsrv.mtx);
		gdbs_notify_server();
		pthread_mutex_lock(&gdbsrv.mtx);
	}
	while (v->hold && !gdbsrv.shutdown)
		pthread_cond_wait(&gdbsrv.park_cv, &gdbsrv.mtx);
	v->parked = false;
	if (gdbsrv.shutdown && v->hold) {
		/*
		 * rhyve is exiting: let the thread go back to vm_run(),
		 * which reports SUSPENDED once the machine suspends the VM;
		 * until then it would see DEBUG at once, so pace it.
		 */
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 10 * 1000 * 1000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&gdbsrv.park_cv, &gdbsrv.mtx, &ts);
	}
}

/*
 * Hold every vCPU.  The stop is complete when every present vCPU has
 * parked; the server thread sees that through the eventfd, written by
 * the last one to park (park_locked()), or here if none is left to.
 * gdbsrv.mtx held.
 */
void
gdbs_stop_all_locked(void)
{
	int i;

	if (gdbsrv.stopped || gdbsrv.stopping) {
		/* a partial resume: hold the rest again */
		for (i = 0; i < gdbsrv.ncpus; i++)
			gdbsrv.v[i].hold = true;
		vm_suspend_cpu(gdbsrv.ctx, -1);
		return;
	}
	for (i = 0; i < gdbsrv.ncpus; i++)
		gdbsrv.v[i].hold = true;
	gdbsrv.stopping = true;
	vm_suspend_cpu(gdbsrv.ctx, -1);
	if (all_parked_locked())
		gdbs_notify_server();
}

static bool
bp_exists_locked(uint64_t addr, int ev)
{
	int i;

	for (i = 0; i < gdbsrv.nbps; i++)
		if (gdbsrv.bps[i].addr == addr)
			return ev == EV_SWBREAK ? gdbsrv.bps[i].sw > 0 :
			    gdbsrv.bps[i].hw > 0;
	return false;
}

static bool
wp_exists_locked(uint64_t addr, uint64_t len, int type)
{
	int i;

	for (i = 0; i < gdbsrv.nwps; i++)
		if (gdbsrv.wps[i].addr == addr && gdbsrv.wps[i].len == len &&
		    gdbsrv.wps[i].type == type)
			return true;
	return false;
}

/*
 * A breakpoint hit that waited in the queue is reported under the
 * conditions in force now: GDB may have replaced them (a Z0 with a new
 * condition list, or z0 then Z0 at the same address) since the vCPU
 * evaluated them.  The vCPU is parked at the hit, its registers as they
 * were.  gdbsrv.mtx held.
 */
static bool
queued_hit_holds_locked(struct gdb_vcpu *v)
{
	for (int i = 0; i < gdbsrv.nbps; i++) {
		if (gdbsrv.bps[i].addr != v->ev_pc)
			continue;
		/* commands added meanwhile: they run, nothing stops */
		if (gdbsrv.bps[i].cmds != NULL)
			return false;
		return gdbsrv.bps[i].cond == NULL ||
		    gdbs_cond_holds((int)(v - gdbsrv.v), gdbsrv.bps[i].cond);
	}
	return true;
}

/* Is the queued event of this vCPU still worth reporting?  gdbsrv.mtx held. */
static bool
event_valid_locked(struct gdb_vcpu *v, bool queued)
{
	switch (v->ev) {
	case EV_SWBREAK:
	case EV_HWBREAK:
		/* either kind still there: report it as what remains */
		if (bp_exists_locked(v->ev_pc, EV_SWBREAK))
			v->ev = EV_SWBREAK;
		else if (bp_exists_locked(v->ev_pc, EV_HWBREAK))
			v->ev = EV_HWBREAK;
		else
			return false;
		return !queued || queued_hit_holds_locked(v);
	case EV_WATCH:
		return wp_exists_locked(v->ev_addr, v->ev_len, v->ev_wtype);
	case EV_NONE:
		return false;
	default:
		return true;
	}
}

void
gdbs_disarm_step(int vcpu)
{
	vm_set_capability(gdbsrv.ctx, vcpu, VM_CAP_MTRAP_EXIT, 0);
	vm_set_capability(gdbsrv.ctx, vcpu, VM_CAP_MASK_HWINTR, 0);
}


/*
 * Drop vCPU's event unreported (its breakpoint or watchpoint was removed
 * meanwhile).  The vmm passes a breakpoint or watchpoint once at the pc
 * of the exit that reported it; this one was never reported, so if the
 * debugger puts it back the vCPU must stop there again: writing the pc
 * back cancels the pass-once.  gdbsrv.mtx held; the vCPU is not in vm_run.
 */
static void
drop_event_locked(int vcpu)
{
	struct gdb_vcpu *v = &gdbsrv.v[vcpu];
	uint64_t pc;

	if (v->ev != EV_STEP && v->ev != EV_NONE &&
	    vm_get_register(gdbsrv.ctx, vcpu, VM_REG_PC, &pc) == 0)
		(void)vm_set_register(gdbsrv.ctx, vcpu, VM_REG_PC, pc);
	v->ev = EV_NONE;
}

/*
 * A vCPU reports an event: queue it, stop everything (in non-stop mode
 * this vCPU only), park.
 */
static void
report_event(int vcpu, int ev, uint64_t pc, const struct vm_exit *vme)
{
	struct gdb_vcpu *v;

	if (!gdbsrv.enabled || vcpu < 0 || vcpu >= gdbsrv.ncpus)
		return;
	pthread_mutex_lock(&gdbsrv.mtx);
	v = &gdbsrv.v[vcpu];
	if (gdbsrv.shutdown)
		goto out;
	if (ev == EV_STEP) {
		if (!v->stepping)
			goto out;	/* stale: the step was cancelled */
		v->stepping = false;
		gdbs_disarm_step(vcpu);
	}
	v->ev = ev;
	v->ev_pc = pc;
	if (ev == EV_WATCH) {
		v->ev_addr = vme->u.watch.wp_addr;
		v->ev_wtype = vme->u.watch.wp_type;
		v->ev_len = 0;
		for (int i = 0; i < gdbsrv.nwps; i++)
			if (gdbsrv.wps[i].addr == v->ev_addr &&
			    gdbsrv.wps[i].type == v->ev_wtype) {
				v->ev_len = gdbsrv.wps[i].len;
				break;
			}
	}
	if (!event_valid_locked(v, false)) {
		/* removed before we got here (bhyve drops these too) */
		drop_event_locked(vcpu);
		goto out;
	}
	if (gdbsrv.ns.on)
		gdbns_event_locked(vcpu);
	else
		gdbs_stop_all_locked();
	/* record mode: the recorder's one thread waits in gdbr_schedule() */
	if (!gdbr_on)
		park_locked(vcpu);
out:
	pthread_mutex_unlock(&gdbsrv.mtx);
}

void
gdb_cpu_add(int vcpu)
{
	if (!gdbsrv.enabled || vcpu < 0 || vcpu >= gdbsrv.ncpus)
		return;
	pthread_mutex_lock(&gdbsrv.mtx);
	gdbsrv.v[vcpu].present = true;
	if (gdbsrv.v[vcpu].hold && !gdbsrv.shutdown) {
		/*
		 * Stopped (or wait mode): hold it before its first
		 * instruction.  The vCPU may not be active yet, in which
		 * case parking here is what holds it.
		 */
		vm_suspend_cpu(gdbsrv.ctx, vcpu);
		park_locked(vcpu);
	}
	pthread_mutex_unlock(&gdbsrv.mtx);
}

void
gdb_cpu_suspend(int vcpu)
{
	if (!gdbsrv.enabled || vcpu < 0 || vcpu >= gdbsrv.ncpus) {
		/* nobody debugs: nobody should have suspended it either */
		if (gdbsrv.ctx != NULL)
			vm_resume_cpu(gdbsrv.ctx, vcpu);
		return;
	}
	pthread_mutex_lock(&gdbsrv.mtx);
	if (!gdbsrv.v[vcpu].hold) {
		/* released before it got here: make sure the vmm agrees */
		vm_resume_cpu(gdbsrv.ctx, vcpu);
	} else {
		park_locked(vcpu);
	}
	pthread_mutex_unlock(&gdbsrv.mtx);
}

void
gdb_cpu_mtrap(int vcpu)
{
	uint64_t pc = 0;

	if (!gdbsrv.enabled) {
		if (gdbsrv.ctx != NULL)
			vm_set_capability(gdbsrv.ctx, vcpu, VM_CAP_MTRAP_EXIT,
			    0);
		return;
	}
	vm_get_register(gdbsrv.ctx, vcpu, VM_REG_PC, &pc);
	report_event(vcpu, EV_STEP, pc, NULL);
}

void
gdbs_cond_put_locked(struct gdb_cond *c)
{
	if (--c->refs == 0)
		gdb_cond_free(c);
}

/*
 * Does a hit of breakpoint 'pc' on 'vcpu' stop?  With target-side
 * conditions or commands the vCPU evaluates or runs them here, in its own
 * thread (it is out of vm_run()), without the lock (references keep the
 * sets alive if a Z0 replaces them) and without disturbing the other
 * vCPUs: conditions that hold and commands run the commands (a dprintf)
 * and go on.  *ev becomes the breakpoint's kind.
 */
static bool
bp_hit_stops(int vcpu, uint64_t pc, int *ev)
{
	struct gdb_cond *c = NULL, *cmds = NULL;
	bool stop = true;
	int i;

	pthread_mutex_lock(&gdbsrv.mtx);
	if (!bp_exists_locked(pc, EV_SWBREAK) && bp_exists_locked(pc, EV_HWBREAK))
		*ev = EV_HWBREAK;
	for (i = 0; i < gdbsrv.nbps; i++)
		if (gdbsrv.bps[i].addr == pc) {
			c = gdbsrv.bps[i].cond;
			cmds = gdbsrv.bps[i].cmds;
			break;
		}
	if (c != NULL)
		c->refs++;
	if (cmds != NULL)
		cmds->refs++;
	pthread_mutex_unlock(&gdbsrv.mtx);
	if (c == NULL && cmds == NULL)
		return true;	/* unconditional, or removed: as before */

	if (c != NULL)
		stop = gdbs_cond_holds(vcpu, c);
	if (stop && cmds != NULL) {
		gdbs_run_cmds(vcpu, pc, cmds);
		stop = false;
	}

	pthread_mutex_lock(&gdbsrv.mtx);
	if (c != NULL) {
		gdbsrv.cond_evals++;
		if (!stop)
			gdbsrv.cond_passes++;
		gdbs_cond_put_locked(c);
	}
	if (cmds != NULL)
		gdbs_cond_put_locked(cmds);
	pthread_mutex_unlock(&gdbsrv.mtx);
	return stop;
}

void
gdb_cpu_breakpoint(int vcpu, struct vm_exit *vme)
{
	int ev = EV_SWBREAK;

	if (vme->u.bpt.guest)
		ev = EV_GUESTBREAK;
	else if (gdbsrv.enabled && !bp_hit_stops(vcpu, vme->pc, &ev)) {
		/*
		 * Every condition is false, or the commands ran: go on.
		 * The vmm passes the breakpoint at this pc once when the
		 * vCPU re-enters.
		 */
		return;
	}
	report_event(vcpu, ev, vme->pc, vme);
}

void
gdb_cpu_watchpoint(int vcpu, struct vm_exit *vme)
{
	report_event(vcpu, EV_WATCH, vme->pc, vme);
}

bool
gdb_cpu_exit(int vcpu, struct vm_exit *vme)
{
	switch (vme->exitcode) {
	case VM_EXITCODE_DEBUG:
		gdb_cpu_suspend(vcpu);
		return true;
	case VM_EXITCODE_MTRAP:
		gdb_cpu_mtrap(vcpu);
		return true;
	case VM_EXITCODE_BPT:
		gdb_cpu_breakpoint(vcpu, vme);
		return true;
	case VM_EXITCODE_WATCH:
		gdb_cpu_watchpoint(vcpu, vme);
		return true;
	default:
		return false;
	}
}

void
gdb_vm_exited(int status)
{
	struct timespec ts;

	if (!gdbsrv.enabled)
		return;
	pthread_mutex_lock(&gdbsrv.mtx);
	gdbsrv.exited = true;
	gdbsrv.exit_status = status;
	gdbsrv.shutdown = true;
	pthread_cond_broadcast(&gdbsrv.park_cv);
	gdbs_notify_server();
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 2;
	while (!gdbsrv.exit_done && gdbsrv.connected)
		if (pthread_cond_timedwait(&gdbsrv.exit_cv, &gdbsrv.mtx, &ts) ==
		    ETIMEDOUT)
			break;
	pthread_mutex_unlock(&gdbsrv.mtx);
}

void
gdb_shutdown(void)
{
	if (!gdbsrv.enabled)
		return;
	pthread_mutex_lock(&gdbsrv.mtx);
	gdbsrv.shutdown = true;
	pthread_cond_broadcast(&gdbsrv.park_cv);
	pthread_mutex_unlock(&gdbsrv.mtx);
}

/* ---- replies ------------------------------------------------------------ */

static void
conn_write(const uint8_t *p, size_t len)
{
	while (len > 0 && gdbsrv.cfd >= 0 && !gdbsrv.conn_dead) {
		ssize_t n = send(gdbsrv.cfd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			/* closed by the server loop, outside gdbsrv.mtx */
			shutdown(gdbsrv.cfd, SHUT_RDWR);
			gdbsrv.conn_dead = true;
			return;
		}
		p += n;
		len -= (size_t)n;
	}
}

/* Frame and send gdbsrv.reply. */
void
gdbs_send_reply(void)
{
	if (gdbsrv.cfd < 0)
		return;
	if (gdbsrv.reply.oom) {
		gdb_buf_reset(&gdbsrv.reply);
		gdb_buf_puts(&gdbsrv.reply, "E0c");
	}
	gdb_buf_reset(&gdbsrv.out);
	gdb_frame(&gdbsrv.out, gdbsrv.reply.data, gdbsrv.reply.len);
	conn_write(gdbsrv.out.data, gdbsrv.out.len);
	gdbsrv.replies++;
}

void
gdbs_reply_str(const char *s)
{
	gdb_buf_reset(&gdbsrv.reply);
	gdb_buf_puts(&gdbsrv.reply, s);
	gdbs_send_reply();
}

void
gdbs_reply_error(int e)
{
	gdb_buf_reset(&gdbsrv.reply);
	gdb_buf_printf(&gdbsrv.reply, "E%02x", e & 0xff);
	gdbs_send_reply();
}

/*
 * Send a notification ("%Name:data#cs", GDB manual "Notification
 * Packets").  GDB does not acknowledge it, so it is not the reply a '-'
 * asks again: that stays in gdbsrv.out.  Server thread.
 */
void
gdbs_send_notification(const uint8_t *payload, size_t len)
{
	if (gdbsrv.cfd < 0)
		return;
	gdb_buf_reset(&gdbsrv.note);
	gdb_frame(&gdbsrv.note, payload, len);
	if (gdbsrv.note.oom || gdbsrv.note.len == 0)
		return;
	gdbsrv.note.data[0] = '%';
	conn_write(gdbsrv.note.data, gdbsrv.note.len);
}

/* Append vCPU 'vcpu''s stop reply (its event or 'sig').  gdbsrv.mtx held. */
void
gdbs_format_stop(struct gdb_buf *b, int vcpu, int sig)
{
	struct gdb_vcpu *v = &gdbsrv.v[vcpu];

	if (v->ev != EV_NONE)
		sig = GDB_SIGTRAP;
	gdb_buf_printf(b, "T%02xthread:%x;", sig, vcpu + 1);
	switch (v->ev) {
	case EV_SWBREAK:
		gdb_buf_puts(b, "swbreak:;");
		break;
	case EV_HWBREAK:
		gdb_buf_puts(b, "hwbreak:;");
		break;
	case EV_WATCH:
		gdb_buf_printf(b, "%s:%llx;",
		    v->ev_wtype == VM_WATCH_WRITE ? "watch" :
		    v->ev_wtype == VM_WATCH_READ ? "rwatch" : "awatch",
		    (unsigned long long)v->ev_addr);
		break;
	default:
		break;
	}
	gdbr_format_stop(b, vcpu);
}

/* Build the stop reply for vCPU 'vcpu' (its event or 'sig'). gdbsrv.mtx held. */
void
gdbs_build_stop_locked(int vcpu, int sig)
{
	struct gdb_vcpu *v = &gdbsrv.v[vcpu];

	gdb_buf_reset(&gdbsrv.reply);
	gdbs_format_stop(&gdbsrv.reply, vcpu, sig);
	v->ev = EV_NONE;
	gdbsrv.last_vcpu = vcpu;
	gdb_buf_reset(&gdbsrv.last_stop);
	gdb_buf_put(&gdbsrv.last_stop, gdbsrv.reply.data, gdbsrv.reply.len);
	/* GDB takes the reported thread as the stub's general thread */
	gdbsrv.gsel = vcpu + 1;
}

/*
 * Pick the next queued event to report among vCPUs in 'among' (NULL:
 * all), dropping stale ones: the stepped vCPU first, then round-robin
 * after the last reported one.  Returns the vCPU or -1.  gdbsrv.mtx held.
 */
int
gdbs_pick_event_locked(const enum gdb_act *among)
{
	int i, n = gdbsrv.ncpus;

	if (gdbsrv.step_vcpu >= 0 && gdbsrv.v[gdbsrv.step_vcpu].ev != EV_NONE &&
	    (among == NULL || among[gdbsrv.step_vcpu] != ACT_NONE)) {
		if (event_valid_locked(&gdbsrv.v[gdbsrv.step_vcpu], true))
			return gdbsrv.step_vcpu;
		drop_event_locked(gdbsrv.step_vcpu);
	}
	for (i = 1; i <= n; i++) {
		int c = (gdbsrv.last_vcpu + i) % n;
		struct gdb_vcpu *v = &gdbsrv.v[c];

		if (v->ev == EV_NONE ||
		    (among != NULL && among[c] == ACT_NONE))
			continue;
		if (event_valid_locked(v, true))
			return c;
		drop_event_locked(c);
	}
	return -1;
}

/* The thread a stop without an event names. */
int
gdbs_default_vcpu(void)
{
	if (gdbsrv.gsel > 0 && gdbsrv.gsel <= gdbsrv.ncpus)
		return gdbsrv.gsel - 1;
	return gdbsrv.last_vcpu;
}

/* Send the stop reply for a completed stop.  gdbsrv.mtx held. */
static void
send_stop_locked(void)
{
	int c = gdbs_pick_event_locked(NULL);

	gdbs_build_stop_locked(c >= 0 ? c : gdbs_default_vcpu(), gdbsrv.stop_sig);
	gdbsrv.stop_sig = GDB_SIGTRAP;
	gdbs_send_reply();
}

/* ---- run control (server side) ------------------------------------------ */

static bool
all_parked_locked(void)
{
	int i;

	for (i = 0; i < gdbsrv.ncpus; i++)
		if (gdbsrv.v[i].present && !gdbsrv.v[i].parked)
			return false;
	return true;
}

/*
 * Release vCPUs according to acts[] ('s' arms a step).  If one of them
 * has a queued, valid event, report it now and run nothing.  gdbsrv.mtx held.
 */
void
gdbs_resume_locked(const enum gdb_act *acts)
{
	int i, c;

	c = gdbs_pick_event_locked(acts);
	if (c >= 0) {
		gdbs_build_stop_locked(c, GDB_SIGTRAP);
		gdbs_send_reply();
		return;
	}
	gdbsrv.waiting = false;
	gdbsrv.stopped = false;
	gdbsrv.reply_owed = true;
	/* before any vCPU thread wakes, so none preempts this one */
	gdbs_sched_urgent(true);
	gdbsrv.step_vcpu = -1;
	gdbsrv.stop_sig = GDB_SIGTRAP;
	for (i = 0; i < gdbsrv.ncpus; i++) {
		struct gdb_vcpu *v = &gdbsrv.v[i];

		if (acts[i] == ACT_NONE || v->user_hold) {
			if (v->stepping)
				gdbs_disarm_step(i);
			v->stepping = false;
			continue;
		}
		if (acts[i] == ACT_STEP) {
			vm_set_capability(gdbsrv.ctx, i, VM_CAP_MASK_HWINTR,
			    gdbsrv.step_mask_irq);
			vm_set_capability(gdbsrv.ctx, i, VM_CAP_MTRAP_EXIT, 1);
			v->stepping = true;
			gdbsrv.step_vcpu = i;
		} else {
			if (v->stepping)
				gdbs_disarm_step(i);
			v->stepping = false;
		}
		v->hold = false;
		vm_resume_cpu(gdbsrv.ctx, i);
	}
	pthread_cond_broadcast(&gdbsrv.park_cv);
}

/*
 * Remove every breakpoint and watchpoint the debugger set, except those
 * with persistent commands (GDB's disconnected-dprintf, "cmds:1,"): they
 * go on printing without a debugger.  gdbsrv.mtx held.
 */
static void
forget_points_locked(void)
{
	int i;

	for (i = 0; i < gdbsrv.nbps;) {
		struct gdb_bp *b = &gdbsrv.bps[i];

		if (b->cmds != NULL && b->cmds->persist) {
			i++;
			continue;
		}
		vm_set_breakpoint(gdbsrv.ctx, b->addr, false);
		if (b->cond != NULL)
			gdbs_cond_put_locked(b->cond);
		if (b->cmds != NULL)
			gdbs_cond_put_locked(b->cmds);
		*b = gdbsrv.bps[--gdbsrv.nbps];
	}
	for (i = 0; i < gdbsrv.nwps; i++)
		vm_set_watchpoint(gdbsrv.ctx, gdbsrv.wps[i].addr, gdbsrv.wps[i].len,
		    gdbsrv.wps[i].type, false);
	gdbsrv.nwps = 0;
}

/* Forget breakpoints, watchpoints, events; let everything run. gdbsrv.mtx held. */
void
gdbs_release_all_locked(void)
{
	int i;

	forget_points_locked();
	gdbns_reset_locked();
	gdbsrv.waiting = false;
	for (i = 0; i < gdbsrv.ncpus; i++) {
		struct gdb_vcpu *v = &gdbsrv.v[i];

		if (v->stepping)
			gdbs_disarm_step(i);
		v->stepping = false;
		v->ev = EV_NONE;
		v->user_hold = false;
		v->hold = false;
	}
	gdbsrv.stopping = gdbsrv.stopped = gdbsrv.reply_owed = false;
	vm_resume_cpu(gdbsrv.ctx, -1);
	pthread_cond_broadcast(&gdbsrv.park_cv);
}

/* ---- connection --------------------------------------------------------- */

static void
close_conn(void)
{
	if (gdbsrv.cfd < 0)
		return;
	close(gdbsrv.cfd);
	gdbsrv.cfd = -1;
	gdbsrv.conn_dead = false;
	gdb_parser_reset(&gdbsrv.parser);
	gdbsrv.inlen = gdbsrv.inoff = gdbsrv.ahead = 0;
	gdbsrv.deferred = false;
	gdbsrv.noack = false;
	pthread_mutex_lock(&gdbsrv.mtx);
	gdbsrv.connected = false;
	if (gdbsrv.ns.on) {
		/* all-stop again, every vCPU held, for what follows */
		gdbns_reset_locked();
		if (!gdbsrv.shutdown)
			gdbs_stop_all_locked();
	}
	/*
	 * Like bhyve, a debugger that goes away lets the guest run, with
	 * its breakpoints gone.  In wait mode (-S) nothing runs before a
	 * debugger has said so: a connection that never resumed anything
	 * (a script probing the port, say) leaves the vCPUs waiting.
	 */
	if (!gdbsrv.detached && !gdbsrv.shutdown) {
		if (gdbsrv.waiting)
			forget_points_locked();
		else
			gdbs_release_all_locked();
	}
	pthread_cond_broadcast(&gdbsrv.exit_cv);
	pthread_mutex_unlock(&gdbsrv.mtx);
}

static void read_conn(void);

/*
 * Has the current debugger hung up?  Its last bytes (an ack, say) and
 * its FIN may still be unread when the next debugger connects: read
 * them now so that a quick reconnect is not taken for a second debugger.
 * Bounded, so that a debugger streaming bytes cannot hold us here.
 */
static bool
conn_gone(void)
{
	int i;

	for (i = 0; i < 64 && gdbsrv.cfd >= 0 && !gdbsrv.conn_dead; i++) {
		struct pollfd p = { .fd = gdbsrv.cfd, .events = POLLIN };

		if (poll(&p, 1, 0) <= 0 ||
		    (p.revents & (POLLIN | POLLHUP | POLLERR)) == 0)
			break;
		read_conn();
	}
	if (gdbsrv.conn_dead)
		close_conn();
	return gdbsrv.cfd < 0;
}

static void
accept_conn(void)
{
	int fd, one = 1;
	struct timeval tv = { .tv_sec = 10 };

	fd = accept4(gdbsrv.lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	if (gdbsrv.cfd >= 0 && !conn_gone()) {
		/* one debugger at a time; the first keeps its session */
		close(fd);
		return;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	gdbsrv.cfd = fd;
	gdbsrv.noack = false;
	gdbsrv.detached = false;
	gdbsrv.gsel = gdbsrv.csel = 0;
	gdb_parser_reset(&gdbsrv.parser);
	gdbsrv.inlen = gdbsrv.inoff = gdbsrv.ahead = 0;
	gdbsrv.deferred = false;
	pthread_mutex_lock(&gdbsrv.mtx);
	gdbsrv.connected = true;
	gdbsrv.reply_owed = false;
	if (gdbsrv.exited) {
		pthread_mutex_unlock(&gdbsrv.mtx);
		return;
	}
	if (!gdbsrv.stopped && !gdbsrv.stopping)
		gdbsrv.stop_sig = GDB_SIGINT;	/* "?" answers T02 */
	gdbs_stop_all_locked();
	pthread_mutex_unlock(&gdbsrv.mtx);
}


/* ---- the server thread -------------------------------------------------- */

static void
send_ack(char c)
{
	uint8_t b = (uint8_t)c;

	if (!gdbsrv.noack)
		conn_write(&b, 1);
}

/*
 * Can packets be served now?  In all-stop mode only with every vCPU
 * stopped; in non-stop mode always.  gdbsrv.mtx held.
 */
static bool
can_serve_locked(void)
{
	return gdbsrv.stopped || gdbsrv.exited || gdbsrv.ns.on;
}

/* Bytes read behind a packet that waits for a stop, at most. */
#define GDB_AHEAD_MAX	(1024 * 1024)

/*
 * A packet waits for a stop, and the parser with it: look for Ctrl-C in
 * the bytes behind it, or a debugger that sent a packet while the vCPUs
 * run could never stop them again.  Those bytes are parsed once the
 * packet is served; an interrupt byte seen here is not acted on twice.
 * gdbsrv.mtx held.
 */
static void
look_ahead_locked(void)
{
	size_t i;

	for (i = gdbsrv.ahead > gdbsrv.inoff ? gdbsrv.ahead : gdbsrv.inoff;
	    i < gdbsrv.inlen; i++) {
		if (gdbsrv.in[i] == 0x03 && !gdbsrv.stopped &&
		    !gdbsrv.stopping && !gdbsrv.exited) {
			gdbsrv.stop_sig = GDB_SIGINT;
			gdbs_stop_all_locked();
		}
	}
	gdbsrv.ahead = gdbsrv.inlen;
}

/* Parse and serve what we have, until a packet must wait for a stop. */
static void
process_input(void)
{
	enum gdb_event ev;
	size_t n;

	pthread_mutex_lock(&gdbsrv.mtx);
	if (gdbsrv.deferred) {
		if (!can_serve_locked()) {
			look_ahead_locked();
			goto out;
		}
		gdbsrv.deferred = false;
		gdbs_handle_packet(gdbsrv.parser.data, gdbsrv.parser.len);
	}
	while (gdbsrv.cfd >= 0 && !gdbsrv.conn_dead && gdbsrv.inoff < gdbsrv.inlen) {
		n = gdb_parser_feed(&gdbsrv.parser, gdbsrv.in + gdbsrv.inoff,
		    gdbsrv.inlen - gdbsrv.inoff, &ev);
		gdbsrv.inoff += n;
		switch (ev) {
		case GDB_EV_NONE:
		case GDB_EV_ACK:
			break;
		case GDB_EV_INTERRUPT:
			if (gdbsrv.inoff <= gdbsrv.ahead)
				break;	/* look_ahead_locked() saw it */
			if (gdbsrv.ns.on && !gdbsrv.exited) {
				gdbns_interrupt_locked();
				break;
			}
			if (!gdbsrv.stopped && !gdbsrv.stopping && !gdbsrv.exited) {
				gdbsrv.stop_sig = GDB_SIGINT;
				gdbs_stop_all_locked();
			}
			break;
		case GDB_EV_NACK:
			if (!gdbsrv.noack && gdbsrv.out.len > 0)
				conn_write(gdbsrv.out.data, gdbsrv.out.len);
			break;
		case GDB_EV_BAD_CHECKSUM:
			send_ack('-');
			break;
		case GDB_EV_OVERSIZE:
			send_ack('+');
			gdbs_reply_error(EMSGSIZE);
			break;
		case GDB_EV_BAD_PACKET:
			send_ack('+');
			gdbs_reply_error(EINVAL);
			break;
		case GDB_EV_PACKET:
			send_ack('+');
			if (!can_serve_locked()) {
				gdbsrv.deferred = true;
				look_ahead_locked();
				goto out;
			}
			gdbs_handle_packet(gdbsrv.parser.data, gdbsrv.parser.len);
			break;
		}
	}
out:
	if (gdbsrv.inoff == gdbsrv.inlen)
		gdbsrv.inoff = gdbsrv.inlen = gdbsrv.ahead = 0;
	pthread_mutex_unlock(&gdbsrv.mtx);
}

/*
 * recv() into the input buffer (growing it first when less than 64 KiB
 * is free).  Returns recv()'s result; -1 with errno EAGAIN when out of
 * memory, so that the caller tries again later.
 */
static ssize_t
conn_recv(int flags)
{
	if (gdbsrv.incap - gdbsrv.inlen < 65536) {
		size_t ncap;
		uint8_t *nb;

		if (gdbsrv.inoff > 0) {
			memmove(gdbsrv.in, gdbsrv.in + gdbsrv.inoff,
			    gdbsrv.inlen - gdbsrv.inoff);
			gdbsrv.inlen -= gdbsrv.inoff;
			gdbsrv.ahead = gdbsrv.ahead > gdbsrv.inoff ?
			    gdbsrv.ahead - gdbsrv.inoff : 0;
			gdbsrv.inoff = 0;
		}
		ncap = gdbsrv.inlen + 65536;
		if (ncap > gdbsrv.incap) {
			nb = realloc(gdbsrv.in, ncap);
			if (nb == NULL) {
				errno = EAGAIN;
				return -1;
			}
			gdbsrv.in = nb;
			gdbsrv.incap = ncap;
		}
	}
	return recv(gdbsrv.cfd, gdbsrv.in + gdbsrv.inlen,
	    gdbsrv.incap - gdbsrv.inlen, flags);
}

/* Act on conn_recv()'s result n: serve the new bytes, or close. */
static void
conn_received(ssize_t n)
{
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		close_conn();
		return;
	}
	gdbsrv.inlen += (size_t)n;
	process_input();
}

static void
read_conn(void)
{
	conn_received(conn_recv(0));
}

/* vCPUs parked or the guest exited: finish a stop, send W (or %Stop:W). */
static void
check_events(void)
{
	uint64_t cnt;
	ssize_t n;

	atomic_store(&notified, false);	/* before the read: none is lost */
	n = read(gdbsrv.evfd, &cnt, sizeof(cnt));
	(void)n;
	pthread_mutex_lock(&gdbsrv.mtx);
	gdbs_flush_output_locked();	/* dprintf text before a stop reply */
	if (gdbsrv.stopping && all_parked_locked()) {
		gdbsrv.stopping = false;
		gdbsrv.stopped = true;
		if (gdbsrv.connected && gdbsrv.reply_owed) {
			gdbsrv.reply_owed = false;
			send_stop_locked();
		}
	}
	if (gdbsrv.ns.on && gdbsrv.connected && !gdbsrv.exited)
		gdbns_poll_locked();
	if (gdbsrv.exited && !gdbsrv.exit_done) {
		if (gdbsrv.connected && gdbsrv.ns.on) {
			gdbns_exit_locked(gdbsrv.exit_status);
		} else if (gdbsrv.connected && gdbsrv.reply_owed) {
			gdb_buf_reset(&gdbsrv.reply);
			gdb_buf_printf(&gdbsrv.reply, "W%02x",
			    gdbsrv.exit_status & 0xff);
			gdbs_send_reply();
			gdbsrv.reply_owed = false;
		}
		gdbsrv.exit_done = true;
		pthread_cond_broadcast(&gdbsrv.exit_cv);
	}
	pthread_mutex_unlock(&gdbsrv.mtx);
}

/*
 * How long the server thread keeps looking for its next event before it
 * sleeps in poll(), after it has just served one.  A debugger works in
 * bursts of packets, and a stop follows a step within microseconds: on a
 * virtual machine with few CPUs, the wake-up of a thread asleep on another
 * CPU (an inter-processor interrupt through the hypervisor) costs 25-35 us,
 * more than the packet itself, and the client's next packet usually
 * arrives within that time.  So after an event the thread polls without
 * sleeping, yielding the CPU between looks (a client or vCPU on the same
 * CPU runs at once), for at most GDB_SPIN_NS; then it sleeps.  It never
 * spins while nothing happens: an idle debugger costs one window per
 * packet, a running guest none.  Nor when it would only take the CPU from
 * the thread it waits for: while a vCPU whose thread last parked on this
 * CPU runs, after a resume or on its way to park after a Ctrl-C
 * (measured: a step took 17 us with the two on one CPU, 30 us when the
 * server spun there; see docs/benchmarks.md).  Under SCHED_FIFO
 * (gdb_sched.h) such a spin would even keep the vCPU off the CPU.
 */
#define GDB_SPIN_NS	(60 * 1000)

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * Whether a vCPU may be running: its thread started and is not both held
 * and parked (released, or held and on its way to park).  The server
 * thread is then urgent while it waits (gdb_sched.h).  *here: one of
 * them last parked on the CPU this thread runs on, so a spin would keep
 * it from the CPU it needs (to run a step, or to park after a Ctrl-C).
 */
static bool
vcpus_running(bool *here)
{
	int me = sched_getcpu();
	bool run = false;

	*here = false;
	pthread_mutex_lock(&gdbsrv.mtx);
	/* once the guest is gone nothing runs, whatever the flags say */
	for (int i = 0; i < gdbsrv.ncpus && !gdbsrv.exited; i++) {
		struct gdb_vcpu *v = &gdbsrv.v[i];

		if (v->present && !(v->hold && v->parked)) {
			run = true;
			if (v->cpu == me)
				*here = true;
		}
	}
	pthread_mutex_unlock(&gdbsrv.mtx);
	return run;
}

/*
 * poll() that looks for GDB_SPIN_NS first when 'spin'.  The looks cost
 * one system call each: a recv(MSG_DONTWAIT) on the connection, which
 * reads the next packet when it is there (the poll() + recv() of a
 * sleeping wait would be two), and the 'notified' flag for the vCPUs'
 * eventfd.  The listening socket waits for the end of the spin: one
 * debugger at a time, and one that is busy is not gone.  A recv()
 * that returned something (bytes, end of file, an error) is left in
 * *got for the caller (conn_received()), with pfd[2] marked readable.
 * 'urgent': vCPUs run, and the thread waits as SCHED_FIFO (gdb_sched.h);
 * otherwise it goes back to SCHED_OTHER first.
 */
static int
wait_events(struct pollfd *pfd, nfds_t nfd, bool spin, bool urgent,
    ssize_t *got, int *got_errno)
{
	uint64_t end;

	*got = -2;	/* nothing received here */
	gdbs_sched_urgent(urgent);
	if (spin) {
		end = now_ns() + GDB_SPIN_NS;
		do {
			if (atomic_load(&notified)) {
				pfd[0].revents = pfd[2].revents = 0;
				pfd[1].revents = POLLIN;
				return 1;
			}
			if (nfd == 3 && (pfd[2].events & POLLIN)) {
				ssize_t n = conn_recv(MSG_DONTWAIT);

				if (n >= 0 || (errno != EAGAIN &&
				    errno != EWOULDBLOCK && errno != EINTR)) {
					*got = n;
					*got_errno = errno;
					pfd[0].revents = pfd[1].revents = 0;
					pfd[2].revents = POLLIN;
					return 1;
				}
			}
			sched_yield();
		} while (now_ns() < end);
	}
	return poll(pfd, nfd, -1);
}

static void *
server_thread(void *arg)
{
	bool spin = false, urgent, here;
	uint64_t replies;
	ssize_t got;
	int got_errno = 0;

	(void)arg;
	pthread_setname_np(pthread_self(), "gdb");
	gdbs_sched_start(gdbsrv.sched);
	for (;;) {
		struct pollfd pfd[3];
		int nfd = 2;

		pfd[0] = (struct pollfd){ .fd = gdbsrv.lfd, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = gdbsrv.evfd, .events = POLLIN };
		pfd[2] = (struct pollfd){ .fd = -1 };
		if (gdbsrv.cfd >= 0) {
			/*
			 * With a packet waiting for a stop, keep reading (for
			 * Ctrl-C, see look_ahead_locked()) up to a bound, then
			 * only watch for hang-up: POLLRDHUP, since a TCP
			 * peer's FIN alone raises no POLLHUP.
			 */
			pfd[2] = (struct pollfd){ .fd = gdbsrv.cfd,
			    .events = gdbsrv.deferred &&
			    gdbsrv.inlen - gdbsrv.inoff >= GDB_AHEAD_MAX ?
			    POLLRDHUP : POLLIN };
			nfd = 3;
		}
		urgent = nfd == 3 && vcpus_running(&here);
		if (wait_events(pfd, (nfds_t)nfd, spin && nfd == 3 &&
		    !(urgent && here), urgent, &got, &got_errno) < 0) {
			if (errno == EINTR)
				continue;
			perror("rhyve: gdb: poll");
			return NULL;
		}
		replies = gdbsrv.replies;
		if (pfd[1].revents & POLLIN) {
			check_events();
			if (gdbsrv.cfd >= 0 && !gdbsrv.conn_dead)
				process_input();
		}
		if (got != -2) {
			/* the spin's recv() read it already */
			errno = got_errno;
			conn_received(got);
		} else if (nfd == 3 && gdbsrv.cfd >= 0 && !gdbsrv.conn_dead &&
		    (pfd[2].revents & (POLLIN | POLLRDHUP | POLLHUP | POLLERR))) {
			read_conn();
		}
		/*
		 * GDB spoke (a reply or a stop follows) or we answered (GDB's
		 * next packet follows): look closely for it.
		 */
		spin = gdbsrv.cfd >= 0 &&
		    ((pfd[2].revents & POLLIN) || gdbsrv.replies != replies);
		if (gdbsrv.conn_dead)
			close_conn();
		if (pfd[0].revents & POLLIN)
			accept_conn();
	}
	return NULL;
}

/* ---- set-up ------------------------------------------------------------- */

static void
unlink_socket(void)
{
	if (gdbsrv.unix_path != NULL)
		unlink(gdbsrv.unix_path);
}

static int
listen_unix(const char *path)
{
	struct sockaddr_un sun;
	mode_t old;
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "rhyve: gdb: socket path too long: %s\n", path);
		return -1;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		perror("rhyve: gdb: socket");
		return -1;
	}
	old = umask(0177);	/* the socket is created 0600 */
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		umask(old);
		fprintf(stderr, "rhyve: gdb: cannot bind %s: %s\n", path,
		    strerror(errno));
		close(fd);
		return -1;
	}
	umask(old);
	chmod(path, 0600);
	gdbsrv.unix_path = strdup(path);
	atexit(unlink_socket);
	return fd;
}

static int
listen_tcp(const char *spec)
{
	struct addrinfo hints, *res, *ai;
	char host[256];
	const char *colon = strrchr(spec, ':'), *port;
	int fd = -1, one = 1, err;

	if (colon == NULL) {
		snprintf(host, sizeof(host), "127.0.0.1");
		port = spec;
	} else {
		size_t len = (size_t)(colon - spec);

		if (len >= sizeof(host)) {
			fprintf(stderr, "rhyve: gdb: bad address %s\n", spec);
			return -1;
		}
		memcpy(host, spec, len);
		host[len] = '\0';
		port = colon + 1;
		if (len >= 2 && host[0] == '[' && host[len - 1] == ']') {
			memmove(host, host + 1, len - 2);
			host[len - 2] = '\0';
		}
		if (host[0] == '\0')
			snprintf(host, sizeof(host), "127.0.0.1");
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	err = getaddrinfo(host, port, &hints, &res);
	if (err != 0) {
		fprintf(stderr, "rhyve: gdb: %s: %s\n", spec,
		    gai_strerror(err));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		    ai->ai_protocol);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		err = errno;
		close(fd);
		fd = -1;
		errno = err;
	}
	freeaddrinfo(res);
	if (fd < 0)
		fprintf(stderr, "rhyve: gdb: cannot listen on %s: %s\n", spec,
		    strerror(errno));
	return fd;
}

static bool
probe_reg(void *arg, int regnum)
{
	uint64_t val;

	(void)arg;
	return vm_get_register(gdbsrv.ctx, 0, regnum, &val) == 0;
}

int
gdb_init(struct vmctx *ctx, const struct gdb_config *cfg)
{
	pthread_mutexattr_t ma;
	pthread_t tid;
	int fd, i;

	if (cfg == NULL || cfg->listen == NULL)
		return 0;
	gdbsrv.ctx = ctx;
	gdbsrv.ncpus = vm_get_ncpus(ctx);
	gdbsrv.sched = cfg->sched;
	gdbsrv.v = calloc((size_t)gdbsrv.ncpus, sizeof(*gdbsrv.v));
	if (gdbsrv.v == NULL || gdb_parser_init(&gdbsrv.parser, 0) != 0 ||
	    gdb_target_init(&gdbsrv.tdesc, probe_reg, NULL) != 0) {
		fprintf(stderr, "rhyve: gdb: out of memory\n");
		return -1;
	}
	gdb_buf_init(&gdbsrv.reply);
	gdb_buf_init(&gdbsrv.out);
	gdb_buf_init(&gdbsrv.last_stop);
	gdb_buf_init(&gdbsrv.note);
	gdb_buf_init(&gdbsrv.dout);
	if (gdbns_init(gdbsrv.ncpus) != 0) {
		fprintf(stderr, "rhyve: gdb: out of memory\n");
		return -1;
	}
	gdbsrv.step_vcpu = -1;
	gdbsrv.stop_sig = GDB_SIGINT;
	for (i = 0; i < gdbsrv.ncpus; i++)
		gdbsrv.v[i].cpu = -1;
	if (pthread_mutexattr_init(&ma) == 0) {
		/*
		 * Priority inheritance: the server thread is SCHED_FIFO
		 * while vCPUs run (gdb_sched.h).  A vCPU thread holding
		 * the lock when the server wants it runs at the server's
		 * priority until it lets go, instead of waiting for its
		 * turn among the busy vCPU threads (a tick or more).
		 */
		if (pthread_mutexattr_setprotocol(&ma, PTHREAD_PRIO_INHERIT) == 0)
			pthread_mutex_init(&gdbsrv.mtx, &ma);
		pthread_mutexattr_destroy(&ma);
	}
	if (strncmp(cfg->listen, "unix:", 5) == 0)
		fd = listen_unix(cfg->listen + 5);
	else
		fd = listen_tcp(cfg->listen);
	if (fd < 0)
		return -1;
	/*
	 * A backlog of a few: a debugger that reconnects right after hanging
	 * up (or a second one, refused in accept_conn()) must not find the
	 * queue full, or its SYN is dropped and retried a second later.
	 */
	if (listen(fd, 8) != 0) {
		perror("rhyve: gdb: listen");
		close(fd);
		return -1;
	}
	gdbsrv.lfd = fd;
	gdbsrv.evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (gdbsrv.evfd < 0) {
		perror("rhyve: gdb: eventfd");
		return -1;
	}
	if (cfg->wait) {
		/* nothing runs before the debugger says so */
		for (i = 0; i < gdbsrv.ncpus; i++)
			gdbsrv.v[i].hold = true;
		gdbsrv.waiting = true;
		gdbsrv.stopping = true;
		vm_suspend_cpu(ctx, -1);
		gdbs_notify_server();
	}
	gdbsrv.enabled = true;
	if (pthread_create(&tid, NULL, server_thread, NULL) != 0) {
		fprintf(stderr, "rhyve: gdb: cannot start the server thread\n");
		gdbsrv.enabled = false;
		return -1;
	}
	pthread_detach(tid);
	return 0;
}
