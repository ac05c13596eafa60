/*
 * suspend_latency.c - how long vm_suspend_cpu(-1) takes to stop N busy
 * vCPUs: from the call until every vCPU thread has parked after its
 * VM_EXITCODE_DEBUG exit (what the debug server waits for before it
 * replies to GDB).  A benchmark, not a test: it prints, it asserts nothing.
 *
 *   suspend_latency [N ...]     default: 1 8 64 256
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "tests/lib/runctl_harness.h"

#define ROUNDS	20

void
rc_fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "suspend_latency: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static void
measure(int n)
{
	struct rc *rc = rc_create(n);
	int64_t lat[ROUNDS];
	cpuset_t all;

	cpuset_zero(&all);
	for (int i = 0; i < n; i++) {
		rc_start_hart(rc, i, PROG_COUNT);
		cpuset_set(i, &all);
	}
	rc_run_threads(rc);
	rc_sleep_ms(50);
	for (int r = 0; r < ROUNDS; r++) {
		int64_t t0 = rc_now_ns();

		if (vm_suspend_cpu(rc->ctx, -1) != 0)
			rc_fatal("vm_suspend_cpu failed");
		if (!rc_wait_parked(rc, &all, 10000))
			rc_fatal("%d vCPUs did not all stop within 10 s", n);
		lat[r] = rc_now_ns() - t0;
		rc_resume(rc, -1);
		rc_sleep_ms(5);
	}
	qsort(lat, ROUNDS, sizeof(lat[0]), cmp_i64);
	printf("suspend-all %4d vCPUs: median %8.1f us  min %8.1f us  max %8.1f us\n",
	    n, lat[ROUNDS / 2] / 1e3, lat[0] / 1e3, lat[ROUNDS - 1] / 1e3);
	fflush(stdout);
	rc_destroy(rc);
}

int
main(int argc, char **argv)
{
	static const int dflt[] = { 1, 8, 64, 256 };

	if (argc > 1) {
		for (int i = 1; i < argc; i++)
			measure(atoi(argv[i]));
	} else {
		for (size_t i = 0; i < sizeof(dflt) / sizeof(dflt[0]); i++)
			measure(dflt[i]);
	}
	return 0;
}
