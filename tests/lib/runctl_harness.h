/*
 * runctl_harness.h - a small bhyverun for run-control tests: one thread
 * per vCPU looping on vm_run() through vmmapi, parking on DEBUG exits the
 * way the debug server's gdb_cpu_suspend() does, and running real RV64
 * code (hand-encoded below) on the real hart engine.  Shared by the
 * unit tests and the suspend-latency benchmark.
 */
#ifndef RUNCTL_HARNESS_H
#define RUNCTL_HARNESS_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "vmmapi/vmmapi.h"

/*
 * Failure hook, defined by the user of the harness: the tests make it a
 * Criterion failure, the benchmark prints and exits.
 */
void	rc_fatal(const char *fmt, ...)
	    __attribute__((noreturn, format(printf, 1, 2)));
#define RC_REQUIRE(cond, ...) do {			\
	if (!(cond))					\
		rc_fatal(__VA_ARGS__);			\
} while (0)

/* Guest code, placed at fixed addresses in RAM. */
#define PROG_COUNT	(VM_RAM_BASE + 0x000)	/* loop { t0++; sd t0, 0(a1) } */
#define PROG_WFI	(VM_RAM_BASE + 0x100)	/* loop { wfi } */
#define SLOTS		(VM_RAM_BASE + 0x1000)	/* one u64 per hart */

#define CSR_MINSTRET	0xb02

struct rc {
	struct vmctx	*ctx;
	int		 ncpus;
	pthread_t	 threads[256];
	pthread_mutex_t	 mtx;
	pthread_cond_t	 cv;
	int		 parked[256];	/* thread is in its DEBUG wait */
	int		 nparked;
	int		 exits[256];	/* unexpected exits seen */
	bool		 stop;
};

/* Create the VM and load the programs; no thread runs yet. */
struct rc *rc_create(int ncpus);
/* Start hart i (guest-level) at pc with a0 = i, a1 = its slot. */
void	rc_start_hart(struct rc *rc, int i, uint64_t pc);
/* Activate every vCPU and start its thread. */
void	rc_run_threads(struct rc *rc);
/* Resume (vm_resume_cpu) and wake the parked thread(s); -1 = all. */
int	rc_resume(struct rc *rc, int vcpu);
/* Wait until the set of parked threads equals 'want' or 'ms' pass. */
bool	rc_wait_parked(struct rc *rc, const cpuset_t *want, int ms);
bool	rc_is_parked(struct rc *rc, int vcpu);
uint64_t rc_instret(struct rc *rc, int vcpu);
/* Wait until vcpu's instret has moved past 'from' (it runs), or ms pass. */
bool	rc_wait_progress(struct rc *rc, int vcpu, uint64_t from, int ms);
uint64_t rc_slot(struct rc *rc, int vcpu);
/*
 * rc_create(), every hart started on PROG_COUNT, rc_run_threads(); returns
 * once each vCPU has retired an instruction (rc_fatal if one has not
 * within 5 s): a machine that is known to be running.
 */
struct rc *rc_create_counting(int ncpus);
/* Power the VM off, join the threads, free everything. */
void	rc_destroy(struct rc *rc);
void	rc_sleep_ms(int ms);
int64_t	rc_now_ns(void);

#endif
