/*
 * gdb_nonstop.c - GDB's non-stop mode: per-vCPU stops, the queue of stop
 * reports behind the %Stop notification, and the packets that drive them
 * (QNonStop, vCont in non-stop, '?', vStopped, vCtrlC).  Contracts and
 * threading: gdb_nonstop.h.  Spec: GDB manual, appendix E, "Remote
 * Non-Stop" and "Notification Packets".
 *
 * The queue holds vCPUs whose stop GDB has not acknowledged, in the
 * order they stopped; its head is the one last sent (as the notification
 * or as a reply to '?' or vStopped).  A notification goes out only when
 * a stop enters an empty queue, so at most one is outstanding and GDB's
 * vStopped round trips fetch the rest, as the spec requires.
 *
 * Run control is the seed's, per vCPU: a stop is vm_suspend_cpu(vcpu)
 * plus the vCPU's hold flag (its thread parks in gdb.c's park_locked());
 * a resume is the reverse for the vCPUs named, nothing else.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "vmmapi/vmmapi.h"
#include "gdb_server.h"

#define GDB_SIGNONE	0	/* vCont;t: "stopped with signal 0" */

int
gdbns_init(int ncpus)
{
	gdbsrv.ns.first = -1;
	gdbsrv.ns.q = calloc((size_t)ncpus, sizeof(*gdbsrv.ns.q));
	gdb_buf_init(&gdbsrv.ns.text);
	return gdbsrv.ns.q == NULL ? -1 : 0;
}

/* ---- the queue of stop reports ------------------------------------------ */

static void
q_clear(void)
{
	int i;

	for (i = 0; i < gdbsrv.ncpus; i++)
		gdbsrv.v[i].ns_inq = false;
	gdbsrv.ns.qhead = gdbsrv.ns.qlen = 0;
}

/* Append vcpu; true when the queue was empty (its stop is to be sent). */
static bool
q_push(int vcpu)
{
	struct gdb_nonstop *ns = &gdbsrv.ns;

	if (gdbsrv.v[vcpu].ns_inq)
		return false;
	gdbsrv.v[vcpu].ns_inq = true;
	gdbsrv.v[vcpu].ns_told = true;
	ns->q[(ns->qhead + ns->qlen) % gdbsrv.ncpus] = vcpu;
	return ns->qlen++ == 0;
}

static void
q_pop(void)
{
	struct gdb_nonstop *ns = &gdbsrv.ns;

	if (ns->qlen == 0)
		return;
	gdbsrv.v[ns->q[ns->qhead]].ns_inq = false;
	ns->qhead = (ns->qhead + 1) % gdbsrv.ncpus;
	ns->qlen--;
}

/* The stop reply of the head of the queue, into ns.text. */
static void
format_head(void)
{
	int c = gdbsrv.ns.q[gdbsrv.ns.qhead];

	gdb_buf_reset(&gdbsrv.ns.text);
	gdbs_format_stop(&gdbsrv.ns.text, c, gdbsrv.v[c].ns_sig);
	gdbsrv.last_vcpu = c;
}

/* Reply to '?' or vStopped: the head's stop, or OK with none left. */
static void
reply_head(void)
{
	if (gdbsrv.ns.qlen == 0) {
		gdbs_reply_str("OK");
		return;
	}
	format_head();
	gdb_buf_reset(&gdbsrv.reply);
	gdb_buf_put(&gdbsrv.reply, gdbsrv.ns.text.data, gdbsrv.ns.text.len);
	gdbs_send_reply();
}

static void
notify_head(void)
{
	format_head();
	gdb_buf_reset(&gdbsrv.reply);
	gdb_buf_puts(&gdbsrv.reply, "Stop:");
	gdb_buf_put(&gdbsrv.reply, gdbsrv.ns.text.data, gdbsrv.ns.text.len);
	gdbs_send_notification(gdbsrv.reply.data, gdbsrv.reply.len);
}

/* ---- per-vCPU run control ------------------------------------------------ */

/* Ask a running vCPU to stop; it is reported once it has parked. */
static void
request_stop(int vcpu, int sig)
{
	struct gdb_vcpu *v = &gdbsrv.v[vcpu];

	v->hold = true;
	v->ns_state = NS_STOPPING;
	v->ns_sig = sig;
	/* EINVAL for a vCPU not active yet: gdb_cpu_add() parks it */
	(void)vm_suspend_cpu(gdbsrv.ctx, vcpu);
}

static void
run_vcpu(int vcpu, bool step)
{
	struct gdb_vcpu *v = &gdbsrv.v[vcpu];

	if (step) {
		vm_set_capability(gdbsrv.ctx, vcpu, VM_CAP_MASK_HWINTR,
		    gdbsrv.step_mask_irq);
		vm_set_capability(gdbsrv.ctx, vcpu, VM_CAP_MTRAP_EXIT, 1);
	} else if (v->stepping) {
		gdbs_disarm_step(vcpu);
	}
	v->stepping = step;
	v->ev = EV_NONE;	/* reported and acknowledged */
	v->ns_state = NS_RUN;
	v->ns_told = false;
	v->hold = false;
	(void)vm_resume_cpu(gdbsrv.ctx, vcpu);
}

bool
gdbns_vcpu_stopped_locked(int vcpu)
{
	struct gdb_vcpu *v;

	if (!gdbsrv.ns.on)
		return true;
	if (vcpu < 0 || vcpu >= gdbsrv.ncpus)
		return false;
	v = &gdbsrv.v[vcpu];
	return v->ns_state == NS_STOPPED;
}

int
gdbns_first_stopped_locked(void)
{
	int i;

	for (i = 0; i < gdbsrv.ncpus; i++)
		if (gdbsrv.v[i].ns_state == NS_STOPPED)
			return i;
	return -1;
}

void
gdbns_event_locked(int vcpu)
{
	struct gdb_vcpu *v = &gdbsrv.v[vcpu];

	v->hold = true;
	if (v->ns_state == NS_RUN) {
		v->ns_state = NS_STOPPING;
		v->ns_sig = GDB_SIGTRAP;
	}
	(void)vm_suspend_cpu(gdbsrv.ctx, vcpu);
}

/* vcpu has stopped: queue its report (true: it starts the queue). */
static bool
poll_one(int vcpu)
{
	struct gdb_vcpu *v = &gdbsrv.v[vcpu];

	if (v->ns_state != NS_STOPPING || !v->hold ||
	    (v->present && !v->parked))
		return false;
	v->ns_state = NS_STOPPED;
	return q_push(vcpu);
}

void
gdbns_poll_locked(void)
{
	bool send = false;
	int i;

	if (!gdbsrv.ns.on)
		return;
	if (gdbsrv.ns.first >= 0) {
		send = poll_one(gdbsrv.ns.first);
		gdbsrv.ns.first = -1;
	}
	for (i = 0; i < gdbsrv.ncpus; i++)
		if (poll_one(i))
			send = true;
	if (send)
		notify_head();
}

bool
gdbns_all_stopped_locked(bool acked)
{
	for (int i = 0; i < gdbsrv.ncpus; i++)
		if (gdbsrv.v[i].ns_state != NS_STOPPED)
			return false;
	return !acked || gdbsrv.ns.qlen == 0;
}

void
gdbns_reverse_start_locked(void)
{
	for (int i = 0; i < gdbsrv.ncpus; i++) {
		gdbsrv.v[i].hold = true;
		gdbsrv.v[i].ns_state = NS_RUN;
	}
}

void
gdbns_reverse_done_locked(int vcpu)
{
	for (int i = 0; i < gdbsrv.ncpus; i++) {
		struct gdb_vcpu *v = &gdbsrv.v[i];

		v->hold = true;
		if (v->ns_state != NS_STOPPING)	/* (a vCtrlC: keeps SIGINT) */
			v->ns_sig = i == vcpu ? GDB_SIGTRAP : GDB_SIGNONE;
		v->ns_state = NS_STOPPING;
	}
	gdbsrv.ns.first = vcpu;
}

bool
gdbns_stop_requested_locked(void)
{
	if (!gdbsrv.ns.on)
		return false;
	for (int i = 0; i < gdbsrv.ncpus; i++)
		if (gdbsrv.v[i].ns_state == NS_STOPPING)
			return true;
	return false;
}

void
gdbns_interrupt_locked(void)
{
	int i;

	for (i = 0; i < gdbsrv.ncpus; i++)
		if (gdbsrv.v[i].ns_state == NS_RUN)
			request_stop(i, GDB_SIGINT);
	gdbns_poll_locked();
}

void
gdbns_resume_locked(const enum gdb_act *acts)
{
	bool released = false;
	int i;

	for (i = 0; i < gdbsrv.ncpus; i++) {
		struct gdb_vcpu *v = &gdbsrv.v[i];

		switch (acts[i]) {
		case ACT_STOP:
			/* ignored for a vCPU stopped or stopping already */
			if (v->ns_state == NS_RUN)
				request_stop(i, GDB_SIGNONE);
			break;
		case ACT_CONT:
		case ACT_STEP:
			/*
			 * Ignored for a vCPU running (or whose stop GDB has
			 * not heard of or not acknowledged: it counts as
			 * running), and for one held with "monitor suspend".
			 */
			if (v->ns_state != NS_STOPPED || v->ns_inq ||
			    !v->ns_told || v->user_hold)
				break;
			run_vcpu(i, acts[i] == ACT_STEP);
			released = true;
			break;
		default:
			break;
		}
	}
	if (released) {
		gdbsrv.waiting = false;
		pthread_cond_broadcast(&gdbsrv.park_cv);
	}
	gdbs_reply_str("OK");
	/* a vCPU released but not yet out of park_locked() stops at once */
	gdbns_poll_locked();
}

/*
 * '?'.  A new sequence of every stopped vCPU GDB has heard of, reported
 * or not; if it has heard of none (the first '?' of a connection, every
 * vCPU held by the attach), of the first stopped one only: the others
 * follow as notifications once the sequence is over.
 *
 * This departs from the letter of the spec, which lists them all in
 * the sequence, for GDB's sake: GDB (13.1 at least) fails an internal
 * assertion in remote.c when a connection starts with more than one
 * stop queued, before its event loop runs.  After the sequence GDB is
 * asynchronous and takes the rest as ordinary stops.
 */
void
gdbns_status_locked(void)
{
	int i, first = -1;

	q_clear();
	for (i = 0; i < gdbsrv.ncpus; i++) {
		struct gdb_vcpu *v = &gdbsrv.v[i];

		if (v->ns_state != NS_STOPPED)
			continue;
		if (first < 0)
			first = i;
		if (v->ns_told)
			(void)q_push(i);
	}
	if (gdbsrv.ns.qlen == 0 && first >= 0)
		(void)q_push(first);
	reply_head();
}

/* Queue the stopped vCPUs GDB has not heard of; notify if they start it. */
static void
report_untold(void)
{
	bool send = false;
	int i;

	for (i = 0; i < gdbsrv.ncpus; i++)
		if (gdbsrv.v[i].ns_state == NS_STOPPED &&
		    !gdbsrv.v[i].ns_told && q_push(i))
			send = true;
	if (send)
		notify_head();
}

void
gdbns_stopped_locked(void)
{
	q_pop();
	reply_head();
	if (gdbsrv.ns.qlen == 0)
		report_untold();
}

void
gdbns_exit_locked(int status)
{
	char w[16];
	int n;

	q_clear();
	n = snprintf(w, sizeof(w), "Stop:W%02x", status & 0xff);
	gdbs_send_notification((const uint8_t *)w, (size_t)n);
}

/* ---- mode --------------------------------------------------------------- */

void
gdbns_reset_locked(void)
{
	int i;

	gdbsrv.ns.on = false;
	q_clear();
	for (i = 0; i < gdbsrv.ncpus; i++) {
		gdbsrv.v[i].ns_state = NS_RUN;
		gdbsrv.v[i].ns_told = false;
	}
}

static void
enter_locked(void)
{
	int i;

	if (gdbsrv.ns.on)
		return;
	/* all-stop serves packets only with every vCPU stopped */
	gdbsrv.ns.on = true;
	gdbsrv.stopped = gdbsrv.stopping = gdbsrv.reply_owed = false;
	q_clear();
	for (i = 0; i < gdbsrv.ncpus; i++) {
		struct gdb_vcpu *v = &gdbsrv.v[i];

		v->ns_state = v->hold ? NS_STOPPED : NS_RUN;
		v->ns_sig = GDB_SIGNONE;
		v->ns_told = false;
	}
}

static void
leave_locked(void)
{
	int i;

	if (!gdbsrv.ns.on)
		return;
	/* events GDB has seen are not reported again in all-stop */
	for (i = 0; i < gdbsrv.ncpus; i++)
		if (!gdbsrv.v[i].ns_inq)
			gdbsrv.v[i].ev = EV_NONE;
	gdbns_reset_locked();
	gdbsrv.stop_sig = GDB_SIGINT;
	gdbs_stop_all_locked();
}

void
gdbns_h_qnonstop(struct gdb_cursor *k)
{
	uint64_t on;

	if (!gdb_cur_hex(k, &on) || k->p != k->end || on > 1) {
		gdbs_reply_error(EINVAL);
		return;
	}
	if (on)
		enter_locked();
	else
		leave_locked();
	gdbs_reply_str("OK");
}
