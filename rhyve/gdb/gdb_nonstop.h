/*
 * gdb_nonstop.h - GDB's non-stop mode for the debug server.  Spec: GDB
 * manual, appendix E, "Remote Non-Stop", "Notification Packets" and the
 * vCont, vStopped and vCtrlC packets.
 *
 * All-stop stays the default: a connection starts in it, and every
 * function here is a no-op there unless it says otherwise.  After
 * QNonStop:1 a stop holds only the vCPU it concerns (a breakpoint,
 * watchpoint or finished step stops the vCPU that met it, vCont;t and
 * vCtrlC the vCPUs they name); the others go on running while the
 * debugger reads the stopped ones.  vCont is answered OK at once and
 * each stop is reported when its vCPU has parked: the first one of a
 * burst as a "%Stop:T..." notification, the rest, queued, as the replies
 * to GDB's vStopped acknowledgements, one each, then OK.  A vCPU whose
 * stop has not been acknowledged counts as running for vCont (the spec
 * says so): c/s for it and t for a stopped one are ignored.
 *
 * Per vCPU the state is NS_RUN (not held), NS_STOPPING (held, its thread
 * not parked yet) or NS_STOPPED (held and parked, or its thread never
 * started).  A vCPU leaves NS_STOPPED only through a resume, which the
 * server thread alone makes.
 *
 * Included by gdb_server.h (enum gdb_act comes from there).
 *
 * Threads.  Everything is called with gdbsrv.mtx held.  Only
 * gdbns_event_locked() runs on a vCPU thread (the one reporting an event,
 * about to park); the rest run on the server thread, which alone writes
 * to the connection.
 */
#ifndef RHYVE_GDB_NONSTOP_H
#define RHYVE_GDB_NONSTOP_H

#include <stdbool.h>

#include "gdb_packet.h"

enum gdb_ns_state {
	NS_RUN = 0,
	NS_STOPPING,
	NS_STOPPED,
};

/* Locking: (g) under gdbsrv.mtx; (i) set by gdb_init(). */
struct gdb_nonstop {
	bool	 on;		/* (g) QNonStop:1 on this connection */
	int	*q;		/* (i, contents g) [ncpus] stops awaiting vStopped */
	int	 qhead, qlen;	/* (g) head = the stop sent, not yet acked */
	struct gdb_buf text;	/* (g) a stop reply being built */
	int	 first;		/* (g) reported before the others, or -1 */
};

/* Allocate the queue for ncpus vCPUs (gdb_init()).  -1 on ENOMEM. */
int	gdbns_init(int ncpus);

/*
 * QNonStop:0|1.  Entering holds nothing new (in all-stop every vCPU is
 * stopped while a packet is served): they all become NS_STOPPED, to be
 * listed by '?'.  Leaving stops every vCPU (the spec requires it) and
 * keeps the events not yet acknowledged for all-stop to report; the next
 * packet waits for the stop as in all-stop.  Replies OK or E16.
 */
void	gdbns_h_qnonstop(struct gdb_cursor *k);

/*
 * The connection is gone or detached: back to all-stop with no queue.
 * The caller then releases or holds the vCPUs as all-stop does.
 */
void	gdbns_reset_locked(void);

/* A vCPU thread reports an event: hold that vCPU only (it parks next). */
void	gdbns_event_locked(int vcpu);

/*
 * Server thread, after a wake-up: vCPUs that were asked to stop and have
 * parked become NS_STOPPED and their stops are queued; the first stop
 * queued into an empty queue goes out as a %Stop notification.
 */
void	gdbns_poll_locked(void);

/* Ctrl-C (0x03) or vCtrlC: stop every running vCPU, reported as T02. */
void	gdbns_interrupt_locked(void);

/*
 * vCont (and c/s) in non-stop: acts[] per vCPU, ACT_STOP for 't',
 * ACT_NONE for vCPUs no action names (they keep their state).  Replies OK.
 */
void	gdbns_resume_locked(const enum gdb_act *acts);

/* '?': restart the report of every stopped vCPU (first one, or OK). */
void	gdbns_status_locked(void);

/* vStopped: the head is acknowledged; reply the next stop or OK. */
void	gdbns_stopped_locked(void);

/* The guest is gone: %Stop:Wxx, nothing else queued. */
void	gdbns_exit_locked(int status);

/*
 * Record mode (gdb_reverse.c): bs and bc move the whole VM in its
 * history, so they need every vCPU stopped, with no stop awaiting
 * vStopped (gdbns_all_stopped_locked(true)); reading the history
 * (monitor record) needs every vCPU stopped, so that the recorder's
 * thread waits (gdbns_all_stopped_locked(false)).  gdbns_reverse_start_locked()
 * marks them running (still held: the recorder moves them);
 * gdbns_reverse_done_locked(vcpu), on the recorder's thread, asks for
 * every vCPU's stop to be reported once they have parked: vcpu's first
 * (with its event), the others with signal 0, since their registers and
 * memory changed too.  A vCtrlC meanwhile asks to stop the search
 * (gdbns_stop_requested_locked()).
 */
bool	gdbns_all_stopped_locked(bool acked);
void	gdbns_reverse_start_locked(void);
void	gdbns_reverse_done_locked(int vcpu);
bool	gdbns_stop_requested_locked(void);

/* May the debugger read or write vCPU's state now?  (Always in all-stop.) */
bool	gdbns_vcpu_stopped_locked(int vcpu);

/* Lowest-numbered stopped vCPU, or -1: the thread "any" (Hg0) names. */
int	gdbns_first_stopped_locked(void);

#endif
