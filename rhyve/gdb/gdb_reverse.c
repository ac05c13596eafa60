/*
 * gdb_reverse.c - the debug server in record mode: reverse step and
 * continue (bs, bc; GDB manual, "Packets" and "Stop Reply Packets" for
 * replaylog:begin), and run control over the recorder's single thread
 * (see gdb_reverse.h).  The recorder (rhyve/replay/replay.c) does the
 * going back; this file tells it what the debugger asked and reports
 * what it found as an ordinary stop.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmmapi/vmmapi.h"
#include "gdb.h"
#include "gdb_reverse.h"
#include "gdb_server.h"
#include "../replay/replay.h"

bool gdbr_on;

/*
 * The pending request and the debugger's writes.  (g) under gdbsrv.mtx.
 */
static struct {
	int	 req;		/* (g) enum gdbr_req, taken by gdbr_schedule() */
	int	 req_vcpu;	/* (g) */
	bool	 req_only;	/* (g) Hc named req_vcpu */
	bool	 dirty;		/* (g) G/P/M/X since the last schedule */
	bool	*begin;		/* (g) [ncpus] stop reply says replaylog:begin */
} rev;

/* ---- server side ---------------------------------------------------------- */

void
gdbr_handle_b(struct gdb_cursor *k)
{
	int vcpu;
	bool step;

	if (!gdbr_on || k->p + 1 != k->end || (*k->p != 's' && *k->p != 'c')) {
		gdbs_reply_str("");
		return;
	}
	if (gdbsrv.ns.on && !gdbns_all_stopped_locked(true)) {
		/* the whole VM moves: every thread stopped and reported */
		gdbs_reply_error(EBUSY);
		return;
	}
	step = *k->p == 's';
	vcpu = gdbsrv.csel > 0 ? gdbsrv.csel - 1 : gdbsrv.last_vcpu;
	for (int i = 0; i < gdbsrv.ncpus; i++) {
		struct gdb_vcpu *v = &gdbsrv.v[i];

		/* queued forward events belong to the present we leave */
		v->ev = EV_NONE;
		if (v->stepping)
			gdbs_disarm_step(i);
		v->stepping = false;
	}
	rev.req = step ? GDBR_BSTEP : GDBR_BCONT;
	rev.req_vcpu = vcpu;
	rev.req_only = gdbsrv.csel > 0;
	if (gdbsrv.ns.on) {
		/* OK now, the stops later as notifications (gdbr_report()) */
		gdbns_reverse_start_locked();
		gdbs_reply_str("OK");
		pthread_cond_broadcast(&gdbsrv.park_cv);
		return;
	}
	gdbsrv.waiting = false;
	gdbsrv.stopped = false;
	gdbsrv.reply_owed = true;
	gdbsrv.step_vcpu = step ? vcpu : -1;
	gdbsrv.stop_sig = GDB_SIGTRAP;
	/* every vCPU stays held; the recorder's thread wakes for the request */
	pthread_cond_broadcast(&gdbsrv.park_cv);
}

void
gdbr_features(struct gdb_buf *b)
{
	if (gdbr_on)
		gdb_buf_puts(b, ";ReverseStep+;ReverseContinue+");
}

void
gdbr_format_stop(struct gdb_buf *b, int vcpu)
{
	if (rev.begin != NULL && vcpu >= 0 && vcpu < gdbsrv.ncpus &&
	    rev.begin[vcpu]) {
		gdb_buf_puts(b, "replaylog:begin;");
		rev.begin[vcpu] = false;
	}
}

void
gdbr_state_written(void)
{
	if (gdbr_on)
		rev.dirty = true;
}

bool
gdbr_monitor(const char *cmd, const char *arg, struct gdb_buf *o)
{
	char text[1024];

	if (strcmp(cmd, "record") != 0)
		return false;
	if (!gdbr_on) {
		gdb_buf_puts(o, "not recording (start rhyve with --record)\n");
		return true;
	}
	if (gdbsrv.ns.on && !gdbns_all_stopped_locked(false)) {
		/* the recorder's thread writes the history while any runs */
		gdb_buf_puts(o, "the VM is running: stop every thread first\n");
		return true;
	}
	if (strcmp(arg, "hash") == 0) {
		uint64_t ram, state;

		replay_hash(&ram, &state);
		gdb_buf_printf(o, "ram %016" PRIx64 " state %016" PRIx64 "\n",
		    ram, state);
		return true;
	}
	replay_describe(text, sizeof(text));
	gdb_buf_puts(o, text);
	return true;
}

/* ---- recorder side -------------------------------------------------------- */

int
gdbr_ev_step(void)
{
	return EV_STEP;
}

void
gdbr_attach(void)
{
	if (!gdbsrv.enabled)
		return;
	pthread_mutex_lock(&gdbsrv.mtx);
	if (rev.begin == NULL)
		rev.begin = calloc((size_t)gdbsrv.ncpus, sizeof(*rev.begin));
	for (int i = 0; i < gdbsrv.ncpus; i++) {
		gdbsrv.v[i].present = true;
		gdbsrv.v[i].parked = true;
	}
	gdbs_notify_server();
	pthread_mutex_unlock(&gdbsrv.mtx);
}

void
gdbr_schedule(struct gdbr_sched *s)
{
	int n = gdbsrv.enabled ? gdbsrv.ncpus : 0;

	s->req = GDBR_NONE;
	s->dirty = false;
	s->shutdown = false;
	if (!gdbsrv.enabled)
		return;		/* the caller set run[] to all */
	pthread_mutex_lock(&gdbsrv.mtx);
	for (;;) {
		bool any = false;

		s->dirty |= rev.dirty;
		rev.dirty = false;
		if (gdbsrv.shutdown) {
			s->shutdown = true;
			for (int i = 0; i < n; i++)
				s->run[i] = true;
			break;
		}
		if (rev.req != GDBR_NONE) {
			s->req = rev.req;
			s->req_vcpu = rev.req_vcpu;
			s->req_only = rev.req_only;
			rev.req = GDBR_NONE;
			/* busy: a stop must wait for the request's end */
			gdbsrv.v[0].parked = false;
			break;
		}
		for (int i = 0; i < n; i++) {
			struct gdb_vcpu *v = &gdbsrv.v[i];

			s->run[i] = !v->hold && !gdbsrv.stopping &&
			    !gdbsrv.stopped;
			s->step[i] = s->run[i] && v->stepping;
			/* the recorder steps by instruction count, not MTRAP */
			if (s->step[i])
				gdbs_disarm_step(i);
			any |= s->run[i];
		}
		if (any)
			break;
		pthread_cond_wait(&gdbsrv.park_cv, &gdbsrv.mtx);
	}
	pthread_mutex_unlock(&gdbsrv.mtx);
}

bool
gdbr_enter(int vcpu, bool borrow)
{
	struct gdb_vcpu *v;
	bool ok;

	if (!gdbsrv.enabled)
		return true;
	pthread_mutex_lock(&gdbsrv.mtx);
	v = &gdbsrv.v[vcpu];
	ok = gdbsrv.shutdown || (!gdbsrv.stopping && !gdbsrv.stopped &&
	    rev.req == GDBR_NONE && (!v->hold || borrow));
	if (ok && !gdbsrv.shutdown) {
		if (v->hold)
			(void)vm_resume_cpu(gdbsrv.ctx, vcpu);
		v->parked = false;
	}
	pthread_mutex_unlock(&gdbsrv.mtx);
	return ok;
}

bool
gdbr_borrow(int vcpu)
{
	bool ok;

	if (!gdbsrv.enabled)
		return true;
	pthread_mutex_lock(&gdbsrv.mtx);
	ok = gdbsrv.shutdown || !gdbsrv.stopping;
	if (ok && !gdbsrv.shutdown && gdbsrv.v[vcpu].hold)
		(void)vm_resume_cpu(gdbsrv.ctx, vcpu);
	pthread_mutex_unlock(&gdbsrv.mtx);
	return ok;
}

void
gdbr_leave(int vcpu)
{
	if (!gdbsrv.enabled)
		return;
	pthread_mutex_lock(&gdbsrv.mtx);
	gdbsrv.v[vcpu].parked = true;
	/* a stop waits for this park (non-stop: this vCPU's own) */
	if (gdbsrv.stopping || gdbsrv.v[vcpu].ns_state == NS_STOPPING)
		gdbs_notify_server();
	pthread_mutex_unlock(&gdbsrv.mtx);
}

bool
gdbr_interrupted(void)
{
	bool r;

	if (!gdbsrv.enabled)
		return false;
	pthread_mutex_lock(&gdbsrv.mtx);
	r = gdbsrv.stopping || gdbsrv.shutdown || gdbns_stop_requested_locked();
	pthread_mutex_unlock(&gdbsrv.mtx);
	return r;
}

bool
gdbr_exit(int vcpu, struct vm_exit *vme)
{
	bool stop;

	if (!gdbsrv.enabled)
		return false;
	(void)gdb_cpu_exit(vcpu, vme);	/* queues and stops; never parks here */
	pthread_mutex_lock(&gdbsrv.mtx);
	stop = gdbsrv.stopping || gdbsrv.stopped;
	pthread_mutex_unlock(&gdbsrv.mtx);
	return stop;
}

void
gdbr_step_done(int vcpu)
{
	if (gdbsrv.enabled)
		gdb_cpu_mtrap(vcpu);
}

bool
gdbr_hit_counts(int vcpu, const struct vm_exit *vme, int *ev)
{
	struct gdb_cond *c = NULL;
	bool stop = true, found = false;

	if (!gdbsrv.enabled)
		return false;
	if (vme->exitcode == VM_EXITCODE_WATCH) {
		*ev = EV_WATCH;
		return true;
	}
	if (vme->exitcode != VM_EXITCODE_BPT || vme->u.bpt.guest)
		return false;
	pthread_mutex_lock(&gdbsrv.mtx);
	for (int i = 0; i < gdbsrv.nbps; i++) {
		struct gdb_bp *b = &gdbsrv.bps[i];

		if (b->addr != vme->pc)
			continue;
		found = true;
		*ev = b->sw > 0 ? EV_SWBREAK : EV_HWBREAK;
		if (b->cmds != NULL)
			stop = false;	/* dprintf: goes on, prints nothing now */
		else if (b->cond != NULL)
			(c = b->cond)->refs++;
		break;
	}
	pthread_mutex_unlock(&gdbsrv.mtx);
	if (!found)
		return false;
	if (c != NULL) {
		stop = gdbs_cond_holds(vcpu, c);
		pthread_mutex_lock(&gdbsrv.mtx);
		gdbs_cond_put_locked(c);
		pthread_mutex_unlock(&gdbsrv.mtx);
	}
	return stop;
}

/* A reverse request ends: every vCPU stops (vcpu reported first). */
static void
stop_all_locked(int vcpu)
{
	if (gdbsrv.ns.on)
		gdbns_reverse_done_locked(vcpu);
	else
		gdbs_stop_all_locked();
}

/* Every vCPU parked again: the stop the server waits for completes. */
static void
park_all_locked(void)
{
	for (int i = 0; i < gdbsrv.ncpus; i++)
		gdbsrv.v[i].parked = true;
	gdbs_notify_server();
}

void
gdbr_report(int vcpu, int ev, uint64_t pc, uint64_t wp_addr, int wp_type,
    bool begin)
{
	struct gdb_vcpu *v;

	if (!gdbsrv.enabled)
		return;
	pthread_mutex_lock(&gdbsrv.mtx);
	v = &gdbsrv.v[vcpu];
	v->ev = ev;
	v->ev_pc = pc;
	if (ev == EV_WATCH) {
		v->ev_addr = wp_addr;
		v->ev_wtype = wp_type;
		v->ev_len = 0;
		for (int i = 0; i < gdbsrv.nwps; i++)
			if (gdbsrv.wps[i].addr == wp_addr &&
			    gdbsrv.wps[i].type == wp_type) {
				v->ev_len = gdbsrv.wps[i].len;
				break;
			}
	}
	if (rev.begin != NULL)
		rev.begin[vcpu] = begin;
	stop_all_locked(vcpu);
	park_all_locked();
	pthread_mutex_unlock(&gdbsrv.mtx);
}

void
gdbr_report_none(void)
{
	if (!gdbsrv.enabled)
		return;
	pthread_mutex_lock(&gdbsrv.mtx);
	stop_all_locked(rev.req_vcpu);
	park_all_locked();
	pthread_mutex_unlock(&gdbsrv.mtx);
}
