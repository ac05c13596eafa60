/*
 * gdb_sched.h - the debug server thread's place in the host scheduler:
 * how it gets a CPU at once when it wakes while vCPU threads are busy.
 *
 * The problem.  A Ctrl-C, or a vCPU's stop, wakes the server thread.
 * When every host CPU it may use runs a busy vCPU thread, Linux's fair
 * scheduler (EEVDF) lets the running thread finish its protected slice
 * unless the woken one is "eligible" (has not run more than its share),
 * and the server often is not: it ran while the vCPUs waited.  It then
 * waits for the next tick, 4 ms at HZ=250 (docs/benchmarks.md: Ctrl-C
 * on 0:1 was 3.8 ms for rhyve and QEMU alike; one vCPU's stop waits the
 * same way).
 *
 * What is done.  From the moment it releases a vCPU until every vCPU is
 * stopped again, the thread is SCHED_FIFO priority 1: a wake-up then
 * preempts a vCPU thread at once, and the vCPU threads it wakes do not
 * preempt it (they did, and a server preempted that way waited up to
 * 20 ms for the CPU, its lag spent).  Its work in that time is a packet
 * or a stop at a time, microseconds each.  Its short spin for the next
 * event (gdb.c, GDB_SPIN_NS) is a busy wait under SCHED_FIFO, so gdb.c
 * spins then only if no running vCPU last parked on its CPU.  It goes
 * back to SCHED_OTHER when every vCPU is stopped, before it spins for
 * GDB's next packet.  The kernel's real-time throttling bounds it
 * besides.  The server lock it shares with the vCPU threads has
 * priority inheritance (gdb_init()).  -gdb-sched chooses the policy.
 *
 * Without the privilege (CAP_SYS_NICE or RLIMIT_RTPRIO), the thread asks
 * once for a short fair slice instead (sched_runtime, EEVDF's custom
 * slice, Linux 6.12+), which lets an eligible woken thread preempt; it
 * helps most of the time, not always.  On kernels without either,
 * nothing changes.
 *
 * Server thread only; these calls touch no shared state.
 */
#ifndef RHYVE_GDB_SCHED_H
#define RHYVE_GDB_SCHED_H

#include <stdbool.h>

/*
 * The policy (enum gdb_sched_policy, gdb.h): FIFO as above, SLICE the
 * short fair slice only, OTHER nothing.  Called by the server thread
 * when it starts: the short slice is this thread's.
 */
void	gdbs_sched_start(int policy);

/*
 * Urgent (true): a vCPU is released, running, or on its way to park.
 * Not urgent (false): every vCPU is held and parked.  Cheap when nothing
 * changes (no system call).
 */
void	gdbs_sched_urgent(bool urgent);

#endif
