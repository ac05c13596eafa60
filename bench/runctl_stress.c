/*
 * runctl_stress.c - the long run-control stress job: 1,000,000 random
 * vm_suspend_cpu()/vm_resume_cpu() operations (one vCPU or -1 = all, and
 * now and then an out-of-range vCPU) while 8 vCPU threads run a busy
 * loop on the real hart engine (tests/lib/runctl_harness.h), checking
 * DESIGN.md section 2 (the seed, bhyve's debugged-CPUs contract) as it
 * goes.  The 100,000-operation version runs in `make test` under TSan
 * (tests/unit/conc_runctl.c); this one is for `make bench` and prints
 * operations per second.
 *
 * Checked after every operation:
 *   - VM_DEBUG_CPUS equals a model of what was asked; EINVAL exactly when
 *     the model says so (resume of an undebugged vCPU, out of range);
 *   - a vCPU in the debug set retires nothing once its thread parked:
 *     its counter in guest RAM (stored every loop iteration) does not
 *     move, and every 256 operations neither does its minstret.
 * Every 10,000 operations: suspend-all stops every vCPU within 10 s (no
 * lost kick); at the end every vCPU runs again after resume-all (no lost
 * wakeup).  A watchdog thread aborts with a message if no operation
 * completes for 10 s (a deadlock).
 *
 *   runctl_stress [OPS [NCPU [SEED]]]	defaults 1000000 8 (time-based)
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tests/lib/runctl_harness.h"

#define DEFAULT_OPS		1000000
#define DEFAULT_NCPU		8
#define MAX_NCPU		64
#define WATCHDOG_SEC		10
#define STOP_ALL_EVERY		10000
#define INSTRET_EVERY		256

static _Atomic(const char *) phase = "starting";	/* for the watchdog */
static atomic_long progress;		/* operations completed */
static atomic_bool done;

void
rc_fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "runctl_stress: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

/* No operation completed for WATCHDOG_SEC: something is stuck. */
static void *
watchdog(void *arg)
{
	long last = -1;
	int64_t since = rc_now_ns();

	(void)arg;
	while (!atomic_load(&done)) {
		long now = atomic_load(&progress);

		if (now != last) {
			last = now;
			since = rc_now_ns();
		} else if (rc_now_ns() - since > (int64_t)WATCHDOG_SEC *
		    1000000000) {
			fprintf(stderr, "runctl_stress: watchdog: no progress "
			    "for %d s after %ld operations (%s): deadlock\n",
			    WATCHDOG_SEC, now, atomic_load(&phase));
			abort();
		}
		rc_sleep_ms(100);
	}
	return NULL;
}

struct stress {
	struct rc	*rc;
	int		 ncpus;
	bool		 model[MAX_NCPU];	/* in the debug set */
	bool		 snap[MAX_NCPU];	/* parked while debugged: */
	uint64_t	 slot[MAX_NCPU];	/*   its counter then */
	uint64_t	 instret[MAX_NCPU];	/*   its minstret then */
	long		 frozen_checks;		/* counters compared */
	long		 parks;			/* snapshots taken */
};

/* The debug set must be exactly the model. */
static void
check_debug_set(struct stress *s, long n)
{
	cpuset_t dbg;

	if (vm_debug_cpus(s->rc->ctx, &dbg) != 0)
		rc_fatal("op %ld: vm_debug_cpus: %s", n, strerror(errno));
	for (int i = 0; i < s->ncpus; i++)
		if (cpuset_isset(i, &dbg) != s->model[i])
			rc_fatal("op %ld: vCPU %d debug bit %d, model %d", n,
			    i, cpuset_isset(i, &dbg), s->model[i]);
}

/*
 * A debugged vCPU whose thread has parked retires nothing until resumed.
 * The thread marks itself parked under rc->mtx after vm_run() returned
 * VM_EXITCODE_DEBUG, so what it stored before is visible to us, and only
 * our resume lets it go.
 */
static void
check_frozen(struct stress *s, long n)
{
	int parked[MAX_NCPU];
	bool instret = n % INSTRET_EVERY == 0;

	pthread_mutex_lock(&s->rc->mtx);
	memcpy(parked, s->rc->parked, sizeof(parked[0]) * (size_t)s->ncpus);
	pthread_mutex_unlock(&s->rc->mtx);
	for (int i = 0; i < s->ncpus; i++) {
		if (!s->model[i]) {
			s->snap[i] = false;
			continue;
		}
		if (!s->snap[i]) {
			if (!parked[i])
				continue;
			s->snap[i] = true;
			s->parks++;
			s->slot[i] = rc_slot(s->rc, i);
			s->instret[i] = rc_instret(s->rc, i);
			continue;
		}
		s->frozen_checks++;
		if (rc_slot(s->rc, i) != s->slot[i])
			rc_fatal("op %ld: vCPU %d is debugged and parked but "
			    "its counter moved from %" PRIu64 " to %" PRIu64,
			    n, i, s->slot[i], rc_slot(s->rc, i));
		if (instret && rc_instret(s->rc, i) != s->instret[i])
			rc_fatal("op %ld: vCPU %d is debugged and parked but "
			    "retired %" PRIu64 " instructions", n, i,
			    rc_instret(s->rc, i) - s->instret[i]);
	}
}

static void
one_op(struct stress *s, unsigned *seed, long n)
{
	int r = rand_r(seed) % 100, v = rand_r(seed) % s->ncpus, error;

	if (r < 44) {
		if (vm_suspend_cpu(s->rc->ctx, v) != 0)
			rc_fatal("op %ld: suspend %d: %s", n, v,
			    strerror(errno));
		s->model[v] = true;
	} else if (r < 88) {
		error = rc_resume(s->rc, v);
		if (s->model[v] && error != 0)
			rc_fatal("op %ld: resume %d: %s", n, v,
			    strerror(errno));
		if (!s->model[v] && !(error == -1 && errno == EINVAL))
			rc_fatal("op %ld: resume of undebugged vCPU %d: %d, "
			    "not EINVAL", n, v, error);
		s->model[v] = false;
	} else if (r < 93) {
		if (vm_suspend_cpu(s->rc->ctx, -1) != 0)
			rc_fatal("op %ld: suspend all: %s", n,
			    strerror(errno));
		for (int i = 0; i < s->ncpus; i++)
			s->model[i] = true;
	} else if (r < 98) {
		if (rc_resume(s->rc, -1) != 0)
			rc_fatal("op %ld: resume all: %s", n, strerror(errno));
		for (int i = 0; i < s->ncpus; i++)
			s->model[i] = false;
	} else if (r < 99) {
		/* Out of range: EINVAL, nothing changes. */
		error = vm_suspend_cpu(s->rc->ctx, s->ncpus);
		if (!(error == -1 && errno == EINVAL))
			rc_fatal("op %ld: suspend of vCPU %d (out of range): "
			    "%d, not EINVAL", n, s->ncpus, error);
	} else {
		error = rc_resume(s->rc, s->ncpus);
		if (!(error == -1 && errno == EINVAL))
			rc_fatal("op %ld: resume of vCPU %d (out of range): "
			    "%d, not EINVAL", n, s->ncpus, error);
	}
}

/* Suspend-all must park every vCPU: no lost kick. */
static void
stop_all_round(struct stress *s, long n)
{
	cpuset_t all;

	phase = "suspend-all round";
	cpuset_zero(&all);
	for (int i = 0; i < s->ncpus; i++)
		cpuset_set(i, &all);
	if (vm_suspend_cpu(s->rc->ctx, -1) != 0)
		rc_fatal("op %ld: suspend all: %s", n, strerror(errno));
	for (int i = 0; i < s->ncpus; i++)
		s->model[i] = true;
	if (!rc_wait_parked(s->rc, &all, WATCHDOG_SEC * 1000))
		rc_fatal("op %ld: suspend-all did not stop every vCPU within "
		    "%d s", n, WATCHDOG_SEC);
	check_debug_set(s, n);
	check_frozen(s, n);
	phase = "random operations";
}

/*
 * Wait until vCPU v's counter in guest RAM moves, or ms pass.  Read as a
 * device model reads guest memory (the guest stores it without telling
 * TSan), not through vm_get_register(), which must freeze a running vCPU
 * and is not what this job measures.
 */
static bool
runs(struct stress *s, int v, int ms)
{
	uint64_t from = rc_slot(s->rc, v);
	int64_t deadline = rc_now_ns() + (int64_t)ms * 1000000;

	while (rc_now_ns() < deadline) {
		if (rc_slot(s->rc, v) != from)
			return true;
		atomic_fetch_add(&progress, 1);
		rc_sleep_ms(1);
	}
	return false;
}

int
main(int argc, char **argv)
{
	static struct stress s;
	long ops = argc > 1 ? atol(argv[1]) : DEFAULT_OPS;
	unsigned seed0 = argc > 3 ? (unsigned)strtoul(argv[3], NULL, 0) :
	    (unsigned)time(NULL), seed = seed0;
	int64_t t0, t1;
	pthread_t wd;
	int exits = 0;

	s.ncpus = argc > 2 ? atoi(argv[2]) : DEFAULT_NCPU;
	if (ops <= 0 || s.ncpus < 1 || s.ncpus > MAX_NCPU) {
		fprintf(stderr, "usage: runctl_stress [OPS [NCPU(1-%d) "
		    "[SEED]]]\n", MAX_NCPU);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (pthread_create(&wd, NULL, watchdog, NULL) != 0)
		rc_fatal("cannot start the watchdog");

	s.rc = rc_create(s.ncpus);
	for (int i = 0; i < s.ncpus; i++)
		rc_start_hart(s.rc, i, PROG_COUNT);
	rc_run_threads(s.rc);
	phase = "waiting for every vCPU to run";
	for (int i = 0; i < s.ncpus; i++)
		if (!runs(&s, i, 5000))
			rc_fatal("vCPU %d never ran", i);

	phase = "random operations";
	t0 = rc_now_ns();
	for (long n = 1; n <= ops; n++) {
		one_op(&s, &seed, n);
		check_debug_set(&s, n);
		check_frozen(&s, n);
		if (n % STOP_ALL_EVERY == 0)
			stop_all_round(&s, n);
		atomic_fetch_add(&progress, 1);
	}
	t1 = rc_now_ns();

	/* Resume-all lets every vCPU run again: no lost wakeup. */
	phase = "final resume-all";
	if (rc_resume(s.rc, -1) != 0)
		rc_fatal("final resume all: %s", strerror(errno));
	for (int i = 0; i < s.ncpus; i++) {
		s.model[i] = false;
		s.snap[i] = false;
		if (!runs(&s, i, 5000))
			rc_fatal("vCPU %d never ran again after resume-all: "
			    "lost wakeup", i);
	}
	check_debug_set(&s, ops + 1);
	stop_all_round(&s, ops + 1);
	for (int i = 0; i < s.ncpus; i++)
		exits += s.rc->exits[i];
	if (exits != 0)
		rc_fatal("%d unexpected exits from vm_run()", exits);
	phase = "tearing down";
	rc_destroy(s.rc);
	atomic_store(&done, true);
	pthread_join(wd, NULL);

	printf("runctl stress: %ld ops on %d busy vCPUs (seed %u) in %.2f s: "
	    "%.0f ops/s; invariants held (%ld parks, %ld frozen checks)\n",
	    ops, s.ncpus, seed0, (double)(t1 - t0) / 1e9,
	    (double)ops * 1e9 / (double)(t1 - t0), s.parks, s.frozen_checks);
	return 0;
}
