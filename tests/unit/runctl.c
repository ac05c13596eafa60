/*
 * runctl.c - the seed's run-control contract (DESIGN.md section 2), tested
 * through vmmapi with 8 vCPU threads running real RV64 code on the hart
 * engine.  Also runs under TSan (tests/tsan.list).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "lib/runctl_harness.h"

#define NCPU		8
#define STOP_BOUND_MS	2000	/* generous: sanitizers and a loaded 2-core CI */

static void
set_of(cpuset_t *s, int lo, int hi)
{
	cpuset_zero(s);
	for (int i = lo; i < hi; i++)
		cpuset_set(i, s);
}

/* Wait until vcpu's instret has moved past 'from' (it runs), or time out. */
static bool
wait_progress(struct rc *rc, int vcpu, uint64_t from, int ms)
{
	int64_t deadline = rc_now_ns() + (int64_t)ms * 1000000;

	while (rc_now_ns() < deadline) {
		if (rc_instret(rc, vcpu) > from)
			return true;
		rc_sleep_ms(1);
	}
	return false;
}

static struct rc *
start_all_counting(void)
{
	struct rc *rc = rc_create(NCPU);

	for (int i = 0; i < NCPU; i++)
		rc_start_hart(rc, i, PROG_COUNT);
	rc_run_threads(rc);
	for (int i = 0; i < NCPU; i++)
		cr_assert(wait_progress(rc, i, 0, 5000), "vCPU %d never ran", i);
	return rc;
}

Test(runctl, debugged_vcpu_retires_nothing_then_resumes)
{
	struct rc *rc = start_all_counting();
	cpuset_t want;
	uint64_t before, after, slot_before, other[NCPU];

	cr_assert_eq(vm_suspend_cpu(rc->ctx, 3), 0);
	set_of(&want, 3, 4);
	cr_assert(rc_wait_parked(rc, &want, STOP_BOUND_MS), "vCPU 3 did not park");

	for (int i = 0; i < NCPU; i++)
		other[i] = rc_instret(rc, i);
	before = other[3];
	slot_before = rc_slot(rc, 3);
	rc_sleep_ms(50);
	after = rc_instret(rc, 3);
	cr_assert_eq(after, before, "debugged vCPU retired %lu instructions",
	    (unsigned long)(after - before));
	cr_assert_eq(rc_slot(rc, 3), slot_before, "debugged vCPU wrote memory");
	/* The others kept running. */
	for (int i = 0; i < NCPU; i++)
		if (i != 3)
			cr_assert(wait_progress(rc, i, other[i], 2000),
			    "vCPU %d stopped though only 3 was suspended", i);

	cr_assert_eq(rc_resume(rc, 3), 0);
	cr_assert(wait_progress(rc, 3, after, 2000), "vCPU 3 did not run after resume");
	rc_destroy(rc);
}

Test(runctl, suspend_all_stops_running_and_wfi_vcpus_promptly)
{
	struct rc *rc = rc_create(NCPU);
	cpuset_t all, dbg;
	int64_t t0, dt;

	/* Half count, half sleep in WFI with no interrupt enabled. */
	for (int i = 0; i < NCPU; i++)
		rc_start_hart(rc, i, i < NCPU / 2 ? PROG_COUNT : PROG_WFI);
	rc_run_threads(rc);
	for (int i = 0; i < NCPU / 2; i++)
		cr_assert(wait_progress(rc, i, 0, 5000));
	rc_sleep_ms(20);	/* let the WFI ones reach their sleep */

	t0 = rc_now_ns();
	cr_assert_eq(vm_suspend_cpu(rc->ctx, -1), 0);
	set_of(&all, 0, NCPU);
	cr_assert(rc_wait_parked(rc, &all, STOP_BOUND_MS),
	    "not every vCPU parked within %d ms", STOP_BOUND_MS);
	dt = rc_now_ns() - t0;
	cr_log_info("suspend-all of %d vCPUs (4 in WFI): %ld us", NCPU, (long)(dt / 1000));
	cr_assert_eq(vm_debug_cpus(rc->ctx, &dbg), 0);
	for (int i = 0; i < NCPU; i++)
		cr_assert(cpuset_isset(i, &dbg));

	/* Everything is frozen: no instret moves, virtual time stands still. */
	uint64_t ir[NCPU], t1, t2;
	for (int i = 0; i < NCPU; i++)
		ir[i] = rc_instret(rc, i);
	cr_assert_eq(vm_get_register(rc->ctx, 0, VM_REG_CSR(0xc01), &t1), 0);	/* time */
	rc_sleep_ms(30);
	cr_assert_eq(vm_get_register(rc->ctx, 0, VM_REG_CSR(0xc01), &t2), 0);
	cr_assert_eq(t1, t2, "virtual time moved while every vCPU was stopped");
	for (int i = 0; i < NCPU; i++)
		cr_assert_eq(rc_instret(rc, i), ir[i]);

	cr_assert_eq(rc_resume(rc, -1), 0);
	for (int i = 0; i < NCPU / 2; i++)
		cr_assert(wait_progress(rc, i, ir[i], 2000));
	rc_destroy(rc);
}

Test(runctl, resume_one_leaves_the_others_stopped)
{
	struct rc *rc = start_all_counting();
	cpuset_t all, rest, dbg;
	uint64_t ir[NCPU];

	cr_assert_eq(vm_suspend_cpu(rc->ctx, -1), 0);
	set_of(&all, 0, NCPU);
	cr_assert(rc_wait_parked(rc, &all, STOP_BOUND_MS));
	for (int i = 0; i < NCPU; i++)
		ir[i] = rc_instret(rc, i);

	cr_assert_eq(rc_resume(rc, 5), 0);
	cr_assert(wait_progress(rc, 5, ir[5], 2000), "resumed vCPU 5 did not run");
	rc_sleep_ms(20);
	for (int i = 0; i < NCPU; i++)
		if (i != 5)
			cr_assert_eq(rc_instret(rc, i), ir[i],
			    "vCPU %d ran while only 5 was resumed", i);
	cr_assert_eq(vm_debug_cpus(rc->ctx, &dbg), 0);
	rest = all;
	cpuset_clr(5, &rest);
	for (int i = 0; i < NCPU; i++)
		cr_assert_eq(cpuset_isset(i, &dbg), cpuset_isset(i, &rest));
	rc_destroy(rc);
}

Test(runctl, resume_all_never_starts_a_hart_the_guest_did_not_start)
{
	struct rc *rc = rc_create(NCPU);
	cpuset_t all, started;
	uint64_t pc;

	for (int i = 0; i < NCPU / 2; i++)
		rc_start_hart(rc, i, PROG_COUNT);
	rc_run_threads(rc);
	for (int i = 0; i < NCPU / 2; i++)
		cr_assert(wait_progress(rc, i, 0, 5000));

	/* Suspend-all reaches the stopped harts too (they sleep in vm_run). */
	cr_assert_eq(vm_suspend_cpu(rc->ctx, -1), 0);
	set_of(&all, 0, NCPU);
	cr_assert(rc_wait_parked(rc, &all, STOP_BOUND_MS));
	cr_assert_eq(rc_resume(rc, -1), 0);
	rc_sleep_ms(50);

	cr_assert_eq(vm_started_cpus(rc->ctx, &started), 0);
	for (int i = 0; i < NCPU; i++)
		cr_assert_eq(cpuset_isset(i, &started), i < NCPU / 2);
	for (int i = NCPU / 2; i < NCPU; i++) {
		cr_assert_eq(rc_instret(rc, i), 0, "unstarted hart %d ran", i);
		cr_assert_eq(vm_get_register(rc->ctx, i, VM_REG_PC, &pc), 0);
		cr_assert_eq(pc, VM_RAM_BASE, "unstarted hart %d moved", i);
	}
	/* The guest starts one: now, and only now, it runs. */
	rc_start_hart(rc, 6, PROG_COUNT);
	cr_assert(wait_progress(rc, 6, 0, 2000));
	cr_assert_eq(rc_instret(rc, 7), 0);
	rc_destroy(rc);
}

Test(runctl, argument_errors)
{
	struct rc *rc = rc_create(2);
	struct vm_activate_cpu a = { .vcpuid = 0 };
	struct vm_exit vme;

	/* Nothing is active yet: suspending vCPU 0 is EINVAL, so is running it. */
	cr_assert_eq(vm_suspend_cpu(rc->ctx, 0), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(vm_run(rc->ctx, 0, &vme), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(vm_activate_cpu(rc->ctx, 0), 0);
	cr_assert_eq(vm_activate_cpu(rc->ctx, 0), -1);
	cr_assert_eq(errno, EBUSY);
	cr_assert_eq(vm_suspend_cpu(rc->ctx, 0), 0);
	cr_assert_eq(vm_suspend_cpu(rc->ctx, 2), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(vm_suspend_cpu(rc->ctx, -2), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(vm_suspend_cpu(rc->ctx, 1), -1, "inactive vCPU 1 accepted");
	cr_assert_eq(errno, EINVAL);
	/* Resuming one that is not debugged is EINVAL. */
	cr_assert_eq(vm_resume_cpu(rc->ctx, 1), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(vm_resume_cpu(rc->ctx, 0), 0);
	cr_assert_eq(vm_resume_cpu(rc->ctx, 0), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(vm_resume_cpu(rc->ctx, 99), -1);
	cr_assert_eq(errno, EINVAL);

	/* The boundary: unknown request, wrong size, NULL argument. */
	cr_assert_eq(vm_ioctl(rc->ctx, VMIOC(IOCNUM_MAX + 5, int), &a), -1);
	cr_assert_eq(errno, ENOTTY);
	cr_assert_eq(vm_ioctl(rc->ctx, VMIOC(IOCNUM_SUSPEND_CPU, char), &a), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(vm_ioctl(rc->ctx, VM_SUSPEND_CPU, NULL), -1);
	cr_assert_eq(errno, EFAULT);
	cr_assert_eq(vm_ioctl(rc->ctx, 0, &a), -1);
	cr_assert_eq(errno, ENOTTY);
	cr_assert_eq(vm_set_capability(rc->ctx, 0, VM_CAP_MAX, 1), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(vm_set_capability(rc->ctx, 5, VM_CAP_MTRAP_EXIT, 1), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(vm_get_register(rc->ctx, 0, VM_REG_LAST + 1, &(uint64_t){0}), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(vm_get_register(rc->ctx, 0, VM_REG_CSR(0x7ff), &(uint64_t){0}), -1);
	cr_assert_eq(errno, ENOENT, "a CSR that does not exist must be ENOENT");
	cr_assert_eq(vm_irq_set(rc->ctx, 0, 1), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(vm_hart_start(rc->ctx, 0, PROG_COUNT, 0, 0, 2), -1);
	cr_assert_eq(errno, EINVAL);
	rc_destroy(rc);
}

Test(runctl, single_step_retires_exactly_one_instruction)
{
	struct rc *rc = rc_create(1);
	struct vm_exit vme;
	uint64_t pc, ir0, ir1;

	rc_start_hart(rc, 0, PROG_COUNT);
	cr_assert_eq(vm_activate_cpu(rc->ctx, 0), 0);
	cr_assert_eq(vm_set_capability(rc->ctx, 0, VM_CAP_MTRAP_EXIT, 1), 0);
	for (int i = 0; i < 9; i++) {
		ir0 = rc_instret(rc, 0);
		cr_assert_eq(vm_run(rc->ctx, 0, &vme), 0);
		cr_assert_eq(vme.exitcode, VM_EXITCODE_MTRAP);
		ir1 = rc_instret(rc, 0);
		cr_assert_eq(ir1, ir0 + 1, "step %d retired %lu", i,
		    (unsigned long)(ir1 - ir0));
		cr_assert_eq(vm_get_register(rc->ctx, 0, VM_REG_PC, &pc), 0);
		cr_assert_eq(pc, PROG_COUNT + 4 * (uint64_t)((i + 1) % 3));
	}
	/* A debugged vCPU runs nothing, even with MTRAP set. */
	cr_assert_eq(vm_suspend_cpu(rc->ctx, 0), 0);
	ir0 = rc_instret(rc, 0);
	cr_assert_eq(vm_run(rc->ctx, 0, &vme), 0);
	cr_assert_eq(vme.exitcode, VM_EXITCODE_DEBUG);
	cr_assert_eq(rc_instret(rc, 0), ir0);
	cr_assert_eq(vm_resume_cpu(rc->ctx, 0), 0);
	vm_suspend(rc->ctx, VM_SUSPEND_POWEROFF, -1, 0);
	cr_assert_eq(vm_run(rc->ctx, 0, &vme), 0);
	cr_assert_eq(vme.exitcode, VM_EXITCODE_SUSPENDED);
	cr_assert_eq(vme.u.suspended.how, VM_SUSPEND_POWEROFF);
	vm_close(rc->ctx);
	free(rc);
}

/*
 * 100,000 random operations (suspend/resume one or all) with every vCPU
 * running: the debug set always matches a model, EINVAL exactly when the
 * model says so, and at the end every vCPU runs again (no lost wakeup)
 * and all stop again (no deadlock).
 */
Test(runctl, random_suspend_resume_stress, .timeout = 300)
{
	struct rc *rc = start_all_counting();
	bool model[NCPU] = { false };
	unsigned seed = 12345;
	int ops = getenv("RHYVE_STRESS_OPS") ? atoi(getenv("RHYVE_STRESS_OPS")) : 100000;
	cpuset_t dbg, all;
	uint64_t ir[NCPU];

	for (int n = 0; n < ops; n++) {
		int r = rand_r(&seed) % 100, v = rand_r(&seed) % NCPU, rc2;

		if (r < 45) {
			cr_assert_eq(vm_suspend_cpu(rc->ctx, v), 0);
			model[v] = true;
		} else if (r < 90) {
			rc2 = rc_resume(rc, v);
			if (model[v])
				cr_assert_eq(rc2, 0, "op %d: resume %d failed", n, v);
			else
				cr_assert(rc2 == -1 && errno == EINVAL,
				    "op %d: resume of undebugged %d not EINVAL", n, v);
			model[v] = false;
		} else if (r < 95) {
			cr_assert_eq(vm_suspend_cpu(rc->ctx, -1), 0);
			for (int i = 0; i < NCPU; i++)
				model[i] = true;
		} else {
			cr_assert_eq(rc_resume(rc, -1), 0);
			for (int i = 0; i < NCPU; i++)
				model[i] = false;
		}
		cr_assert_eq(vm_debug_cpus(rc->ctx, &dbg), 0);
		for (int i = 0; i < NCPU; i++)
			cr_assert_eq(cpuset_isset(i, &dbg), model[i],
			    "op %d: vCPU %d debug bit %d, model %d", n, i,
			    cpuset_isset(i, &dbg), model[i]);
	}
	cr_assert_eq(rc_resume(rc, -1), 0);
	for (int i = 0; i < NCPU; i++) {
		ir[i] = rc_instret(rc, i);
		cr_assert(wait_progress(rc, i, ir[i], 5000),
		    "vCPU %d never ran again: lost wakeup", i);
	}
	cr_assert_eq(vm_suspend_cpu(rc->ctx, -1), 0);
	set_of(&all, 0, NCPU);
	cr_assert(rc_wait_parked(rc, &all, 5000), "suspend-all after stress did not stop all");
	cr_assert_eq(rc->exits[0] + rc->exits[1] + rc->exits[2] + rc->exits[3] +
	    rc->exits[4] + rc->exits[5] + rc->exits[6] + rc->exits[7], 0,
	    "unexpected exits during stress");
	rc_destroy(rc);
}
