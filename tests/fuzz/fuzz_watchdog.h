/*
 * fuzz_watchdog.h - a watchdog thread that bounds a free-running vCPU 0
 * in the hart fuzzers (fuzz_hart.c, fuzz_jit_diff.c): armed with a VM and
 * a time, it calls vm_suspend_cpu(ctx, 0) once that time has passed, so
 * that the vm_run() in progress returns (VM_EXITCODE_DEBUG or
 * VM_EXITCODE_SUSPENDED) instead of running an endless guest loop.
 *
 * Contract: one watchdog per process, started with fuzz_wd_start() before
 * the first fuzz_wd_arm() (it is idempotent: call it from every
 * LLVMFuzzerTestOneInput).  fuzz_wd_arm(ctx, ns) and fuzz_wd_disarm() are
 * called by the thread that runs the vCPU, always in pairs; ctx must stay
 * open until fuzz_wd_disarm() returns, which guarantees the watchdog no
 * longer uses it.  A kick that came is not undone: the caller resumes the
 * vCPU (vm_resume_cpu) if it reuses the VM.  Static state: include this
 * from one translation unit of a fuzzer only.
 */
#ifndef RHYVE_FUZZ_WATCHDOG_H
#define RHYVE_FUZZ_WATCHDOG_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include "vmmapi/vmmapi.h"

#include "fuzz_util.h"

static pthread_mutex_t fuzz_wd_mtx = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t fuzz_wd_cv = PTHREAD_COND_INITIALIZER;
static struct vmctx *fuzz_wd_ctx;	/* armed while non-NULL */
static struct timespec fuzz_wd_deadline;

static void *
fuzz_wd_thread(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&fuzz_wd_mtx);
	for (;;) {
		struct timespec now;

		while (fuzz_wd_ctx == NULL)
			pthread_cond_wait(&fuzz_wd_cv, &fuzz_wd_mtx);
		pthread_cond_timedwait(&fuzz_wd_cv, &fuzz_wd_mtx,
		    &fuzz_wd_deadline);
		clock_gettime(CLOCK_REALTIME, &now);
		if (fuzz_wd_ctx != NULL &&
		    (now.tv_sec > fuzz_wd_deadline.tv_sec ||
		    (now.tv_sec == fuzz_wd_deadline.tv_sec &&
		    now.tv_nsec >= fuzz_wd_deadline.tv_nsec))) {
			/* ctx stays open: the main thread disarms first */
			vm_suspend_cpu(fuzz_wd_ctx, 0);
			fuzz_wd_ctx = NULL;
		}
	}
	return NULL;
}

/* Start the watchdog thread the first time; later calls do nothing. */
static inline void
fuzz_wd_start(void)
{
	static pthread_t wd;

	if (wd == 0)
		CHECK(pthread_create(&wd, NULL, fuzz_wd_thread, NULL) == 0);
}

/* Kick vCPU 0 of ctx ns nanoseconds (below 1 s) from now. */
static inline void
fuzz_wd_arm(struct vmctx *ctx, long ns)
{
	pthread_mutex_lock(&fuzz_wd_mtx);
	clock_gettime(CLOCK_REALTIME, &fuzz_wd_deadline);
	fuzz_wd_deadline.tv_nsec += ns;
	if (fuzz_wd_deadline.tv_nsec >= 1000000000) {
		fuzz_wd_deadline.tv_sec++;
		fuzz_wd_deadline.tv_nsec -= 1000000000;
	}
	fuzz_wd_ctx = ctx;
	pthread_cond_signal(&fuzz_wd_cv);
	pthread_mutex_unlock(&fuzz_wd_mtx);
}

/* No kick from now on (also when none was armed). */
static inline void
fuzz_wd_disarm(void)
{
	pthread_mutex_lock(&fuzz_wd_mtx);
	fuzz_wd_ctx = NULL;
	pthread_cond_signal(&fuzz_wd_cv);
	pthread_mutex_unlock(&fuzz_wd_mtx);
}

#endif
