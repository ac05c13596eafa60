/*
 * gdb.h - the debug server (GDB remote serial protocol) as the rest of
 * rhyve sees it: bhyve's usr.sbin/bhyve/gdb.h.  The vCPU loop calls the
 * gdb_cpu_* hooks from each vCPU's own thread when vm_run() reports a
 * debug-related exit; the server itself runs in its own thread.
 *
 * With no debug server configured every hook returns at once (after
 * vm_resume_cpu() where a vCPU was somehow debugged), so the vCPU loop
 * needs no conditionals.
 */
#ifndef RHYVE_GDB_H
#define RHYVE_GDB_H

#include <stdbool.h>

struct vmctx;
struct vm_exit;

/*
 * The server thread's scheduling while vCPUs run (-gdb-sched; see
 * gdb/gdb_sched.h): SCHED_FIFO when allowed, else a short fair slice
 * (the default); the short slice only; or nothing asked of the host.
 */
enum gdb_sched_policy {
	GDB_SCHED_FIFO = 0,
	GDB_SCHED_SLICE,
	GDB_SCHED_OTHER,
};

struct gdb_config {
	const char *listen;	/* "[host:]port" for TCP or "unix:PATH" */
	bool	    wait;	/* -S / -G w: run nothing before the debugger resumes */
	int	    sched;	/* enum gdb_sched_policy */
};

/*
 * Start the server (listening socket and thread).  Returns 0, or -1 with
 * a message already printed (e.g. address in use).  Called before vCPU
 * threads start.  In wait mode every vCPU is suspended before it runs.
 */
int	gdb_init(struct vmctx *ctx, const struct gdb_config *cfg);

/* A vCPU thread starts; in wait mode or while attached it is suspended. */
void	gdb_cpu_add(int vcpu);
/* VM_EXITCODE_DEBUG: park this thread until the debugger resumes the vCPU. */
void	gdb_cpu_suspend(int vcpu);
/* VM_EXITCODE_MTRAP: a requested single step finished. */
void	gdb_cpu_mtrap(int vcpu);
/* VM_EXITCODE_BPT (vmm breakpoint or guest ebreak with BPT exit). */
void	gdb_cpu_breakpoint(int vcpu, struct vm_exit *vme);
/* VM_EXITCODE_WATCH. */
void	gdb_cpu_watchpoint(int vcpu, struct vm_exit *vme);
/*
 * The vCPU loop's one call for the debug exits: DEBUG, MTRAP, BPT and
 * WATCH go to the hook above that serves them (which may park the thread);
 * false for any other exit, which the caller handles.
 */
bool	gdb_cpu_exit(int vcpu, struct vm_exit *vme);
/*
 * The guest powered off or failed: report W/X to an attached debugger
 * (waiting briefly for it to read the reply) before rhyve exits.
 */
void	gdb_vm_exited(int status);
/*
 * rhyve is exiting for another reason (kill from the console, a signal):
 * let parked vCPU threads go back to vm_run() so that they see the VM
 * suspended and can be joined.  Nothing is reported to the debugger.
 */
void	gdb_shutdown(void);

#endif
