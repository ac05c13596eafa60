/*
 * conc_runctl.c - the seed's run-control contract (DESIGN.md section 2),
 * tested through vmmapi with 8 vCPU threads running real RV64 code on the
 * hart engine.  Also runs under TSan (tests/tsan.list), which is why it
 * uses cmocka: Criterion cannot start under ThreadSanitizer (Criterion
 * issue #274), so concurrency tests (conc_*.c) are cmocka tests.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/lib/cmocka_check.h"
#include "tests/lib/runctl_harness.h"


#define NCPU		8
#define STOP_BOUND_MS	2000	/* generous: sanitizers and a loaded 2-core CI */

static void
set_of(cpuset_t *s, int lo, int hi)
{
	cpuset_zero(s);
	for (int i = lo; i < hi; i++)
		cpuset_set(i, s);
}

/*
 * Reading a register of a busy vCPU freezes it: the reader kicks it and
 * waits for it to leave the engine.  The reader must get its turn even
 * though the vCPU's thread would re-enter at once (no starvation).
 */
static void
register_reads_of_busy_vcpus_do_not_starve(void **state)
{
	(void)state;
	struct rc *rc = rc_create_counting(NCPU);
	int64_t worst = 0;

	for (int round = 0; round < 100; round++) {
		for (int i = 0; i < NCPU; i++) {
			int64_t t0 = rc_now_ns(), dt;

			(void)rc_instret(rc, i);
			dt = rc_now_ns() - t0;
			if (dt > worst)
				worst = dt;
		}
	}
	CHECK(worst < (int64_t)STOP_BOUND_MS * 1000000,
	    "a register read of a busy vCPU waited %lld ms", (long long)(worst / 1000000));
	rc_destroy(rc);
}

static void
debugged_vcpu_retires_nothing_then_resumes(void **state)
{
	(void)state;
	struct rc *rc = rc_create_counting(NCPU);
	cpuset_t want;
	uint64_t before, after, slot_before, other[NCPU];

	CHECK((vm_suspend_cpu(rc->ctx, 3)) == (0), "%s", "vm_suspend_cpu(rc->ctx, 3) == 0");
	set_of(&want, 3, 4);
	CHECK(rc_wait_parked(rc, &want, STOP_BOUND_MS), "vCPU 3 did not park");

	for (int i = 0; i < NCPU; i++)
		other[i] = rc_instret(rc, i);
	before = other[3];
	slot_before = rc_slot(rc, 3);
	rc_sleep_ms(50);
	after = rc_instret(rc, 3);
	CHECK((after) == (before), "debugged vCPU retired %lu instructions", (unsigned long)(after - before));
	CHECK((rc_slot(rc, 3)) == (slot_before), "debugged vCPU wrote memory");
	/* The others kept running. */
	for (int i = 0; i < NCPU; i++)
		if (i != 3)
			CHECK(rc_wait_progress(rc, i, other[i], 2000), "vCPU %d stopped though only 3 was suspended", i);

	CHECK((rc_resume(rc, 3)) == (0), "%s", "rc_resume(rc, 3) == 0");
	CHECK(rc_wait_progress(rc, 3, after, 2000), "vCPU 3 did not run after resume");
	rc_destroy(rc);
}

/*
 * A guest that polls with WFI while an interrupt it masks stays pending
 * (OpenSBI's HSM wait with MSIP set) completes every WFI at once; the vmm
 * then pauses such a WFI briefly (vm.c, WFI_SPINS), so that the spinning
 * hart leaves the host's cores to the others.  Counted, not timed: in
 * 300 ms a pausing hart completes at most some 6,000 WFIs (50 us each),
 * a spinning one millions.  The WFIs still complete, and a suspend still
 * stops the hart at once.
 */
#define PROG_WFI_POLL	(VM_RAM_BASE + 0x200)

static void
wfi_with_a_masked_pending_interrupt_does_not_spin(void **state)
{
	static const uint32_t poll[] = {
		0x00200293,	/*    li    t0, 2 (SSIE) */
		0x30429073,	/*    csrw  mie, t0 (mstatus.MIE stays 0) */
		0x10500073,	/* 1: wfi */
		0x00130313,	/*    addi  t1, t1, 1 */
		0x0065b023,	/*    sd    t1, 0(a1) */
		0xff5ff06f,	/*    j     1b */
	};
	struct rc *rc = rc_create(1);
	void *code = vm_map_gpa(rc->ctx, PROG_WFI_POLL, sizeof(poll));
	cpuset_t one;
	uint64_t n;

	(void)state;
	CHECK(code != NULL, "no RAM for the program");
	memcpy(code, poll, sizeof(poll));
	CHECK(vm_raise_ssip(rc->ctx, 0) == 0, "vm_raise_ssip");
	rc_start_hart(rc, 0, PROG_WFI_POLL);
	rc_run_threads(rc);
	rc_sleep_ms(300);
	n = rc_slot(rc, 0);
	print_message("WFIs completed in 300 ms with SSIP pending: %ju\n",
	    (uintmax_t)n);
	CHECK(n > 0, "no WFI completed though SSIP is pending and enabled");
	CHECK(n < 60000, "%ju WFIs in 300 ms: the hart spins", (uintmax_t)n);
	CHECK(vm_suspend_cpu(rc->ctx, 0) == 0, "vm_suspend_cpu");
	set_of(&one, 0, 1);
	CHECK(rc_wait_parked(rc, &one, STOP_BOUND_MS), "the polling hart did not park");
	rc_destroy(rc);
}

static void
suspend_all_stops_running_and_wfi_vcpus_promptly(void **state)
{
	(void)state;
	struct rc *rc = rc_create(NCPU);
	cpuset_t all, dbg;
	int64_t t0, dt;

	/* Half count, half sleep in WFI with no interrupt enabled. */
	for (int i = 0; i < NCPU; i++)
		rc_start_hart(rc, i, i < NCPU / 2 ? PROG_COUNT : PROG_WFI);
	rc_run_threads(rc);
	for (int i = 0; i < NCPU / 2; i++)
		CHECK(rc_wait_progress(rc, i, 0, 5000), "%s", "rc_wait_progress(rc, i, 0, 5000)");
	rc_sleep_ms(20);	/* let the WFI ones reach their sleep */

	t0 = rc_now_ns();
	CHECK((vm_suspend_cpu(rc->ctx, -1)) == (0), "%s", "vm_suspend_cpu(rc->ctx, -1) == 0");
	set_of(&all, 0, NCPU);
	CHECK(rc_wait_parked(rc, &all, STOP_BOUND_MS), "not every vCPU parked within %d ms", STOP_BOUND_MS);
	dt = rc_now_ns() - t0;
	print_message("suspend-all of %d vCPUs (4 in WFI): %ld us\n", NCPU, (long)(dt / 1000));
	CHECK((vm_debug_cpus(rc->ctx, &dbg)) == (0), "%s", "vm_debug_cpus(rc->ctx, &dbg) == 0");
	for (int i = 0; i < NCPU; i++)
		CHECK(cpuset_isset(i, &dbg), "%s", "cpuset_isset(i, &dbg)");

	/* Everything is frozen: no instret moves, virtual time stands still. */
	uint64_t ir[NCPU], t1, t2;
	for (int i = 0; i < NCPU; i++)
		ir[i] = rc_instret(rc, i);
	CHECK((vm_get_register(rc->ctx, 0, VM_REG_CSR(0xc01), &t1)) == (0), "%s", "vm_get_register(rc->ctx, 0, VM_REG_CSR(0xc01), &t1) == 0");	/* time */
	rc_sleep_ms(30);
	CHECK((vm_get_register(rc->ctx, 0, VM_REG_CSR(0xc01), &t2)) == (0), "%s", "vm_get_register(rc->ctx, 0, VM_REG_CSR(0xc01), &t2) == 0");
	CHECK((t1) == (t2), "virtual time moved while every vCPU was stopped");
	for (int i = 0; i < NCPU; i++)
		CHECK((rc_instret(rc, i)) == (ir[i]), "%s", "rc_instret(rc, i) == ir[i]");

	CHECK((rc_resume(rc, -1)) == (0), "%s", "rc_resume(rc, -1) == 0");
	for (int i = 0; i < NCPU / 2; i++)
		CHECK(rc_wait_progress(rc, i, ir[i], 2000), "%s", "rc_wait_progress(rc, i, ir[i], 2000)");
	rc_destroy(rc);
}

static void
resume_one_leaves_the_others_stopped(void **state)
{
	(void)state;
	struct rc *rc = rc_create_counting(NCPU);
	cpuset_t all, rest, dbg;
	uint64_t ir[NCPU];

	CHECK((vm_suspend_cpu(rc->ctx, -1)) == (0), "%s", "vm_suspend_cpu(rc->ctx, -1) == 0");
	set_of(&all, 0, NCPU);
	CHECK(rc_wait_parked(rc, &all, STOP_BOUND_MS), "%s", "rc_wait_parked(rc, &all, STOP_BOUND_MS)");
	for (int i = 0; i < NCPU; i++)
		ir[i] = rc_instret(rc, i);

	CHECK((rc_resume(rc, 5)) == (0), "%s", "rc_resume(rc, 5) == 0");
	CHECK(rc_wait_progress(rc, 5, ir[5], 2000), "resumed vCPU 5 did not run");
	rc_sleep_ms(20);
	for (int i = 0; i < NCPU; i++)
		if (i != 5)
			CHECK((rc_instret(rc, i)) == (ir[i]), "vCPU %d ran while only 5 was resumed", i);
	CHECK((vm_debug_cpus(rc->ctx, &dbg)) == (0), "%s", "vm_debug_cpus(rc->ctx, &dbg) == 0");
	rest = all;
	cpuset_clr(5, &rest);
	for (int i = 0; i < NCPU; i++)
		CHECK((cpuset_isset(i, &dbg)) == (cpuset_isset(i, &rest)), "%s", "cpuset_isset(i, &dbg) == cpuset_isset(i, &rest)");
	rc_destroy(rc);
}

static void
resume_all_never_starts_a_hart_the_guest_did_not_start(void **state)
{
	(void)state;
	struct rc *rc = rc_create(NCPU);
	cpuset_t all, started;
	uint64_t pc;

	for (int i = 0; i < NCPU / 2; i++)
		rc_start_hart(rc, i, PROG_COUNT);
	rc_run_threads(rc);
	for (int i = 0; i < NCPU / 2; i++)
		CHECK(rc_wait_progress(rc, i, 0, 5000), "%s", "rc_wait_progress(rc, i, 0, 5000)");

	/* Suspend-all reaches the stopped harts too (they sleep in vm_run). */
	CHECK((vm_suspend_cpu(rc->ctx, -1)) == (0), "%s", "vm_suspend_cpu(rc->ctx, -1) == 0");
	set_of(&all, 0, NCPU);
	CHECK(rc_wait_parked(rc, &all, STOP_BOUND_MS), "%s", "rc_wait_parked(rc, &all, STOP_BOUND_MS)");
	CHECK((rc_resume(rc, -1)) == (0), "%s", "rc_resume(rc, -1) == 0");
	rc_sleep_ms(50);

	CHECK((vm_started_cpus(rc->ctx, &started)) == (0), "%s", "vm_started_cpus(rc->ctx, &started) == 0");
	for (int i = 0; i < NCPU; i++)
		CHECK((cpuset_isset(i, &started)) == (i < NCPU / 2), "%s", "cpuset_isset(i, &started) == i < NCPU / 2");
	for (int i = NCPU / 2; i < NCPU; i++) {
		CHECK((rc_instret(rc, i)) == (0), "unstarted hart %d ran", i);
		CHECK((vm_get_register(rc->ctx, i, VM_REG_PC, &pc)) == (0), "%s", "vm_get_register(rc->ctx, i, VM_REG_PC, &pc) == 0");
		CHECK((pc) == (VM_RAM_BASE), "unstarted hart %d moved", i);
	}
	/* The guest starts one: now, and only now, it runs. */
	rc_start_hart(rc, 6, PROG_COUNT);
	CHECK(rc_wait_progress(rc, 6, 0, 2000), "%s", "rc_wait_progress(rc, 6, 0, 2000)");
	CHECK((rc_instret(rc, 7)) == (0), "%s", "rc_instret(rc, 7) == 0");
	rc_destroy(rc);
}

static void
argument_errors(void **state)
{
	(void)state;
	struct rc *rc = rc_create(2);
	struct vm_activate_cpu a = { .vcpuid = 0 };
	struct vm_exit vme;

	/* Nothing is active yet: suspending vCPU 0 is EINVAL, so is running it. */
	CHECK((vm_suspend_cpu(rc->ctx, 0)) == (-1), "%s", "vm_suspend_cpu(rc->ctx, 0) == -1");
	CHECK((errno) == (EINVAL), "%s", "errno == EINVAL");
	CHECK((vm_run(rc->ctx, 0, &vme)) == (-1), "%s", "vm_run(rc->ctx, 0, &vme) == -1");
	CHECK((errno) == (EINVAL), "%s", "errno == EINVAL");
	CHECK((vm_activate_cpu(rc->ctx, 0)) == (0), "%s", "vm_activate_cpu(rc->ctx, 0) == 0");
	CHECK((vm_activate_cpu(rc->ctx, 0)) == (-1), "%s", "vm_activate_cpu(rc->ctx, 0) == -1");
	CHECK((errno) == (EBUSY), "%s", "errno == EBUSY");
	CHECK((vm_suspend_cpu(rc->ctx, 0)) == (0), "%s", "vm_suspend_cpu(rc->ctx, 0) == 0");
	CHECK((vm_suspend_cpu(rc->ctx, 2)) == (-1), "%s", "vm_suspend_cpu(rc->ctx, 2) == -1");
	CHECK((errno) == (EINVAL), "%s", "errno == EINVAL");
	CHECK((vm_suspend_cpu(rc->ctx, -2)) == (-1), "%s", "vm_suspend_cpu(rc->ctx, -2) == -1");
	CHECK((errno) == (EINVAL), "%s", "errno == EINVAL");
	CHECK((vm_suspend_cpu(rc->ctx, 1)) == (-1), "inactive vCPU 1 accepted");
	CHECK((errno) == (EINVAL), "%s", "errno == EINVAL");
	/* Resuming one that is not debugged is EINVAL. */
	CHECK((vm_resume_cpu(rc->ctx, 1)) == (-1), "%s", "vm_resume_cpu(rc->ctx, 1) == -1");
	CHECK((errno) == (EINVAL), "%s", "errno == EINVAL");
	CHECK((vm_resume_cpu(rc->ctx, 0)) == (0), "%s", "vm_resume_cpu(rc->ctx, 0) == 0");
	CHECK((vm_resume_cpu(rc->ctx, 0)) == (-1), "%s", "vm_resume_cpu(rc->ctx, 0) == -1");
	CHECK((errno) == (EINVAL), "%s", "errno == EINVAL");
	CHECK((vm_resume_cpu(rc->ctx, 99)) == (-1), "%s", "vm_resume_cpu(rc->ctx, 99) == -1");
	CHECK((errno) == (EINVAL), "%s", "errno == EINVAL");

	/* The boundary: unknown request, wrong size, NULL argument. */
	CHECK((vm_ioctl(rc->ctx, VMIOC(IOCNUM_MAX + 5, int), &a)) == (-1), "%s", "vm_ioctl(rc->ctx, VMIOC(IOCNUM_MAX + 5, int), &a) == -1");
	CHECK((errno) == (ENOTTY), "%s", "errno == ENOTTY");
	CHECK((vm_ioctl(rc->ctx, VMIOC(IOCNUM_SUSPEND_CPU, char), &a)) == (-1), "%s", "vm_ioctl(rc->ctx, VMIOC(IOCNUM_SUSPEND_CPU, char), &a) == -1");
	CHECK((errno) == (EINVAL), "%s", "errno == EINVAL");
	CHECK((vm_ioctl(rc->ctx, VM_SUSPEND_CPU, NULL)) == (-1), "%s", "vm_ioctl(rc->ctx, VM_SUSPEND_CPU, NULL) == -1");
	CHECK((errno) == (EFAULT), "%s", "errno == EFAULT");
	CHECK((vm_ioctl(rc->ctx, 0, &a)) == (-1), "%s", "vm_ioctl(rc->ctx, 0, &a) == -1");
	CHECK((errno) == (ENOTTY), "%s", "errno == ENOTTY");
	CHECK((vm_set_capability(rc->ctx, 0, VM_CAP_MAX, 1)) == (-1), "%s", "vm_set_capability(rc->ctx, 0, VM_CAP_MAX, 1) == -1");
	CHECK((errno) == (EINVAL), "%s", "errno == EINVAL");
	CHECK((vm_set_capability(rc->ctx, 5, VM_CAP_MTRAP_EXIT, 1)) == (-1), "%s", "vm_set_capability(rc->ctx, 5, VM_CAP_MTRAP_EXIT, 1) == -1");
	CHECK((errno) == (EINVAL), "%s", "errno == EINVAL");
	CHECK((vm_get_register(rc->ctx, 0, VM_REG_LAST + 1, &(uint64_t){0})) == (-1), "%s", "vm_get_register(rc->ctx, 0, VM_REG_LAST + 1, &(uint64_t){0}) == -1");
	CHECK((errno) == (EINVAL), "%s", "errno == EINVAL");
	CHECK((vm_get_register(rc->ctx, 0, VM_REG_CSR(0x7ff), &(uint64_t){0})) == (-1), "%s", "vm_get_register(rc->ctx, 0, VM_REG_CSR(0x7ff), &(uint64_t){0}) == -1");
	CHECK((errno) == (ENOENT), "a CSR that does not exist must be ENOENT");
	CHECK((vm_irq_set(rc->ctx, 0, 1)) == (-1), "%s", "vm_irq_set(rc->ctx, 0, 1) == -1");
	CHECK((errno) == (EINVAL), "%s", "errno == EINVAL");
	CHECK((vm_hart_start(rc->ctx, 0, PROG_COUNT, 0, 0, 2)) == (-1), "%s", "vm_hart_start(rc->ctx, 0, PROG_COUNT, 0, 0, 2) == -1");
	CHECK((errno) == (EINVAL), "%s", "errno == EINVAL");
	rc_destroy(rc);
}

static void
single_step_retires_exactly_one_instruction(void **state)
{
	(void)state;
	struct rc *rc = rc_create(1);
	struct vm_exit vme;
	uint64_t pc, ir0, ir1;

	rc_start_hart(rc, 0, PROG_COUNT);
	CHECK((vm_activate_cpu(rc->ctx, 0)) == (0), "%s", "vm_activate_cpu(rc->ctx, 0) == 0");
	CHECK((vm_set_capability(rc->ctx, 0, VM_CAP_MTRAP_EXIT, 1)) == (0), "%s", "vm_set_capability(rc->ctx, 0, VM_CAP_MTRAP_EXIT, 1) == 0");
	for (int i = 0; i < 9; i++) {
		ir0 = rc_instret(rc, 0);
		CHECK((vm_run(rc->ctx, 0, &vme)) == (0), "%s", "vm_run(rc->ctx, 0, &vme) == 0");
		CHECK((vme.exitcode) == (VM_EXITCODE_MTRAP), "%s", "vme.exitcode == VM_EXITCODE_MTRAP");
		ir1 = rc_instret(rc, 0);
		CHECK((ir1) == (ir0 + 1), "step %d retired %lu", i, (unsigned long)(ir1 - ir0));
		CHECK((vm_get_register(rc->ctx, 0, VM_REG_PC, &pc)) == (0), "%s", "vm_get_register(rc->ctx, 0, VM_REG_PC, &pc) == 0");
		CHECK((pc) == (PROG_COUNT + 4 * (uint64_t)((i + 1) % 3)), "%s", "pc == PROG_COUNT + 4 * (uint64_t)((i + 1) % 3)");
	}
	/* A debugged vCPU runs nothing, even with MTRAP set. */
	CHECK((vm_suspend_cpu(rc->ctx, 0)) == (0), "%s", "vm_suspend_cpu(rc->ctx, 0) == 0");
	ir0 = rc_instret(rc, 0);
	CHECK((vm_run(rc->ctx, 0, &vme)) == (0), "%s", "vm_run(rc->ctx, 0, &vme) == 0");
	CHECK((vme.exitcode) == (VM_EXITCODE_DEBUG), "%s", "vme.exitcode == VM_EXITCODE_DEBUG");
	CHECK((rc_instret(rc, 0)) == (ir0), "%s", "rc_instret(rc, 0) == ir0");
	CHECK((vm_resume_cpu(rc->ctx, 0)) == (0), "%s", "vm_resume_cpu(rc->ctx, 0) == 0");
	vm_suspend(rc->ctx, VM_SUSPEND_POWEROFF, -1, 0);
	CHECK((vm_run(rc->ctx, 0, &vme)) == (0), "%s", "vm_run(rc->ctx, 0, &vme) == 0");
	CHECK((vme.exitcode) == (VM_EXITCODE_SUSPENDED), "%s", "vme.exitcode == VM_EXITCODE_SUSPENDED");
	CHECK((vme.u.suspended.how) == (VM_SUSPEND_POWEROFF), "%s", "vme.u.suspended.how == VM_SUSPEND_POWEROFF");
	vm_close(rc->ctx);
	free(rc);
}

/*
 * 100,000 random operations (suspend/resume one or all) with every vCPU
 * running: the debug set always matches a model, EINVAL exactly when the
 * model says so, and at the end every vCPU runs again (no lost wakeup)
 * and all stop again (no deadlock).
 */
static void
random_suspend_resume_stress(void **state)
{
	(void)state;
	struct rc *rc = rc_create_counting(NCPU);
	bool model[NCPU] = { false };
	unsigned seed = 12345;
	int ops = getenv("RHYVE_STRESS_OPS") ? atoi(getenv("RHYVE_STRESS_OPS")) : 100000;
	cpuset_t dbg, all;
	uint64_t ir[NCPU];

	for (int n = 0; n < ops; n++) {
		int r = rand_r(&seed) % 100, v = rand_r(&seed) % NCPU, rc2;

		if (r < 45) {
			CHECK((vm_suspend_cpu(rc->ctx, v)) == (0), "%s", "vm_suspend_cpu(rc->ctx, v) == 0");
			model[v] = true;
		} else if (r < 90) {
			rc2 = rc_resume(rc, v);
			if (model[v])
				CHECK((rc2) == (0), "op %d: resume %d failed", n, v);
			else
				CHECK(rc2 == -1 && errno == EINVAL, "op %d: resume of undebugged %d not EINVAL", n, v);
			model[v] = false;
		} else if (r < 95) {
			CHECK((vm_suspend_cpu(rc->ctx, -1)) == (0), "%s", "vm_suspend_cpu(rc->ctx, -1) == 0");
			for (int i = 0; i < NCPU; i++)
				model[i] = true;
		} else {
			CHECK((rc_resume(rc, -1)) == (0), "%s", "rc_resume(rc, -1) == 0");
			for (int i = 0; i < NCPU; i++)
				model[i] = false;
		}
		CHECK((vm_debug_cpus(rc->ctx, &dbg)) == (0), "%s", "vm_debug_cpus(rc->ctx, &dbg) == 0");
		for (int i = 0; i < NCPU; i++)
			CHECK((cpuset_isset(i, &dbg)) == (model[i]), "op %d: vCPU %d debug bit %d, model %d", n, i, cpuset_isset(i, &dbg), model[i]);
	}
	CHECK((rc_resume(rc, -1)) == (0), "%s", "rc_resume(rc, -1) == 0");
	for (int i = 0; i < NCPU; i++) {
		ir[i] = rc_instret(rc, i);
		CHECK(rc_wait_progress(rc, i, ir[i], 5000), "vCPU %d never ran again: lost wakeup", i);
	}
	CHECK((vm_suspend_cpu(rc->ctx, -1)) == (0), "%s", "vm_suspend_cpu(rc->ctx, -1) == 0");
	set_of(&all, 0, NCPU);
	CHECK(rc_wait_parked(rc, &all, 5000), "suspend-all after stress did not stop all");
	CHECK((rc->exits[0] + rc->exits[1] + rc->exits[2] + rc->exits[3] +
	    rc->exits[4] + rc->exits[5] + rc->exits[6] + rc->exits[7]) == (0), "unexpected exits during stress");
	rc_destroy(rc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(debugged_vcpu_retires_nothing_then_resumes),
		cmocka_unit_test(register_reads_of_busy_vcpus_do_not_starve),
		cmocka_unit_test(suspend_all_stops_running_and_wfi_vcpus_promptly),
		cmocka_unit_test(wfi_with_a_masked_pending_interrupt_does_not_spin),
		cmocka_unit_test(resume_one_leaves_the_others_stopped),
		cmocka_unit_test(resume_all_never_starts_a_hart_the_guest_did_not_start),
		cmocka_unit_test(argument_errors),
		cmocka_unit_test(single_step_retires_exactly_one_instruction),
		cmocka_unit_test(random_suspend_resume_stress),
	};

	return cmocka_run_group_tests_name("runctl", tests, NULL, NULL);
}
