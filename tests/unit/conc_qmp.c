/*
 * conc_qmp.c - QMP run control against running vCPUs: the operator's
 * pause (vm_pause_cpu, through a QMP session as the server thread runs
 * it) and the debugger's hold (vm_suspend_cpu, as the debug server uses
 * it) on 4 vCPU threads running real RV64 code (tests/lib/runctl_harness).
 * The rules under test are docs/design-notes.md's "Two holds":
 *   - stop returns with every vCPU stopped (nothing retires after it);
 *   - a debugger resume does not run a paused vCPU; a cont does not run
 *     a debugged one; each hold lifts only its own;
 *   - under concurrent stop/cont/suspend/resume/register reads from a
 *     session thread and debugger-style suspend/resume from another, no
 *     deadlock, no lost wakeup, no data race (TSan: tests/tsan.list).
 * cmocka, like every conc_*.c test, so that it also runs under TSan.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rhyve/qmp/qmp_int.h"
#include "tests/lib/cmocka_check.h"
#include "tests/lib/runctl_harness.h"

#define NCPU		4
#define BOUND_MS	3000	/* generous: sanitizers on a loaded 2-core box */

/* Run QMP text through a negotiated session; the replies, malloc'd. */
static char *
qmp(struct qmp_session *s, const char *text)
{
	struct jbuf out = { .p = NULL };

	qmp_session_input(s, text, strlen(text), &out);
	return out.p != NULL ? out.p : strdup("");
}

static void
qmp_ok(struct qmp_session *s, const char *text)
{
	char *r = qmp(s, text);

	CHECK(strncmp(r, "{\"return\"", 9) == 0, "%s -> %s", text, r);
	free(r);
}

static struct qmp_session *
session(struct rc *rc)
{
	struct qmp_session *s = malloc(sizeof(*s));

	CHECK(s != NULL, "out of memory");
	qmp_session_init(s, rc->ctx);
	qmp_ok(s, "{\"execute\": \"qmp_capabilities\"}");
	return s;
}

static void
snapshot(struct rc *rc, uint64_t *v)
{
	for (int i = 0; i < NCPU; i++)
		v[i] = rc_instret(rc, i);
}

static void
stop_is_synchronous_and_cont_resumes(void **state)
{
	struct rc *rc = rc_create_counting(NCPU);
	struct qmp_session *s = session(rc);
	uint64_t a[NCPU], b[NCPU];

	(void)state;
	for (int round = 0; round < 20; round++) {
		qmp_ok(s, "{\"execute\": \"stop\"}");
		snapshot(rc, a);
		rc_sleep_ms(5);
		snapshot(rc, b);
		for (int i = 0; i < NCPU; i++)
			CHECK(a[i] == b[i], "round %d: vCPU %d retired %llu "
			    "instructions after stop returned", round, i,
			    (unsigned long long)(b[i] - a[i]));
		qmp_ok(s, "{\"execute\": \"cont\"}");
		for (int i = 0; i < NCPU; i++)
			CHECK(rc_wait_progress(rc, i, b[i], BOUND_MS),
			    "round %d: vCPU %d did not run after cont", round, i);
	}
	free(s);
	rc_destroy(rc);
}

static void
holds_compose(void **state)
{
	struct rc *rc = rc_create_counting(NCPU);
	struct qmp_session *s = session(rc);
	cpuset_t all, none, one;
	uint64_t a[NCPU], b[NCPU];

	(void)state;
	cpuset_zero(&all);
	cpuset_zero(&none);
	cpuset_zero(&one);
	for (int i = 0; i < NCPU; i++)
		cpuset_set(i, &all);
	cpuset_set(1, &one);

	/* Operator stop, then a debugger stop + resume: still stopped. */
	qmp_ok(s, "{\"execute\": \"stop\"}");
	CHECK(vm_suspend_cpu(rc->ctx, -1) == 0, "vm_suspend_cpu");
	CHECK(rc_wait_parked(rc, &all, BOUND_MS),
	    "paused vCPUs did not report to the debugger");
	CHECK(rc_resume(rc, -1) == 0, "rc_resume");
	CHECK(rc_wait_parked(rc, &none, BOUND_MS), "threads stay parked");
	snapshot(rc, a);
	rc_sleep_ms(30);
	snapshot(rc, b);
	CHECK(memcmp(a, b, sizeof(a)) == 0,
	    "a debugger resume ran an operator-stopped VM");
	/* cont lifts the operator's hold: they run. */
	qmp_ok(s, "{\"execute\": \"cont\"}");
	for (int i = 0; i < NCPU; i++)
		CHECK(rc_wait_progress(rc, i, b[i], BOUND_MS), "vCPU %d after cont", i);

	/* Debugger holds vCPU 1; cont does not release it. */
	CHECK(vm_suspend_cpu(rc->ctx, 1) == 0, "vm_suspend_cpu 1");
	CHECK(rc_wait_parked(rc, &one, BOUND_MS), "vCPU 1 did not park");
	qmp_ok(s, "{\"execute\": \"stop\"}");
	qmp_ok(s, "{\"execute\": \"cont\"}");
	snapshot(rc, a);
	rc_sleep_ms(30);
	CHECK(rc_instret(rc, 1) == a[1] && rc_is_parked(rc, 1),
	    "cont ran a debugger-held vCPU");
	for (int i = 0; i < NCPU; i++)
		if (i != 1)
			CHECK(rc_wait_progress(rc, i, a[i], BOUND_MS), "vCPU %d", i);
	/* Per-vCPU suspend of a debugged vCPU, then both holds lifted. */
	qmp_ok(s, "{\"execute\": \"x-rhyve-suspend-cpu\", \"arguments\": "
	    "{\"cpu-index\": 1}}");
	CHECK(rc_resume(rc, 1) == 0, "rc_resume 1");
	CHECK(rc_wait_parked(rc, &none, BOUND_MS), "vCPU 1 stays parked");
	a[1] = rc_instret(rc, 1);
	rc_sleep_ms(30);
	CHECK(rc_instret(rc, 1) == a[1], "suspended vCPU 1 ran");
	qmp_ok(s, "{\"execute\": \"x-rhyve-resume-cpu\", \"arguments\": "
	    "{\"cpu-index\": 1}}");
	CHECK(rc_wait_progress(rc, 1, a[1], BOUND_MS), "vCPU 1 after resume");
	free(s);
	rc_destroy(rc);
}

struct stress {
	struct rc	*rc;
	atomic_bool	 done;
	unsigned	 seed;
};

/* The QMP server thread's part: every run-control and reading command. */
static void *
qmp_thread(void *arg)
{
	struct stress *st = arg;
	struct qmp_session *s = session(st->rc);
	unsigned seed = st->seed;
	static const char *const cmds[] = {
		"{\"execute\": \"stop\"}",
		"{\"execute\": \"cont\"}",
		"{\"execute\": \"x-rhyve-suspend-cpu\", \"arguments\": {\"cpu-index\": 2}}",
		"{\"execute\": \"x-rhyve-resume-cpu\", \"arguments\": {\"cpu-index\": 2}}",
		"{\"execute\": \"x-rhyve-suspend-cpu\", \"arguments\": {\"cpu-index\": 0}}",
		"{\"execute\": \"x-rhyve-resume-cpu\"}",
		"{\"execute\": \"x-rhyve-query-stats\"}",
		"{\"execute\": \"x-rhyve-query-vcpus\"}",
		"{\"execute\": \"query-status\"}",
		("{\"execute\": \"human-monitor-command\", \"arguments\": "
		    "{\"command-line\": \"info registers\", \"cpu-index\": 3}}"),
	};

	while (!atomic_load(&st->done)) {
		const char *c = cmds[rand_r(&seed) % (sizeof(cmds) / sizeof(cmds[0]))];

		qmp_ok(s, c);
	}
	qmp_ok(s, "{\"execute\": \"cont\"}");
	free(s);
	return NULL;
}

/* The debugger's part: suspend and resume vCPUs (parking threads). */
static void *
debugger_thread(void *arg)
{
	struct stress *st = arg;
	unsigned seed = st->seed * 7 + 1;

	while (!atomic_load(&st->done)) {
		int v = (int)(rand_r(&seed) % (NCPU + 1)) - 1;

		if (rand_r(&seed) & 1)
			(void)vm_suspend_cpu(st->rc->ctx, v);
		else
			(void)rc_resume(st->rc, v);
		rc_sleep_ms(1);
	}
	(void)rc_resume(st->rc, -1);
	return NULL;
}

static void
concurrent_holds_stress(void **state)
{
	struct stress st = { .seed = 12345 };
	pthread_t q, d;
	uint64_t a[NCPU];

	(void)state;
	st.rc = rc_create_counting(NCPU);
	atomic_store(&st.done, false);
	pthread_create(&q, NULL, qmp_thread, &st);
	pthread_create(&d, NULL, debugger_thread, &st);
	rc_sleep_ms(1000);
	atomic_store(&st.done, true);
	pthread_join(q, NULL);
	pthread_join(d, NULL);
	/* Both holds lifted: every vCPU runs again (no lost wakeup). */
	snapshot(st.rc, a);
	for (int i = 0; i < NCPU; i++)
		CHECK(rc_wait_progress(st.rc, i, a[i], BOUND_MS),
		    "vCPU %d stuck after the stress", i);
	rc_destroy(st.rc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(stop_is_synchronous_and_cont_resumes),
		cmocka_unit_test(holds_compose),
		cmocka_unit_test(concurrent_holds_stress),
	};

	return cmocka_run_group_tests_name("qmp", tests, NULL, NULL);
}
