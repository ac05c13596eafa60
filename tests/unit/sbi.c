/*
 * sbi.c - tests of the built-in SBI (rhyve/sbi.c) through the real vmm:
 * each test makes a VM with vm_open_new(), hands sbi_handle_ecall() the
 * ECALL exits a guest would cause (a0..a7 as the SBI v2.0 calling
 * convention puts them) and reads the effect back through vmmapi:
 * registers and CSRs of the harts, HSM state, a vm_run() that reports
 * the suspension, guest memory, the console.
 */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vmmapi/vmmapi.h"
#include "rhyve/devices.h"
#include "rhyve/sbi.h"
#include "tests/lib/runctl_harness.h"

#define NCPUS		4
#define RAM_SIZE	(16 << 20)
#define BUF_GPA		(VM_RAM_BASE + 0x10000)	/* scratch guest memory */
#define CSR_MIP		0x344
#define CSR_STIMECMP	0x14d
#define MIP_SSIP	(UINT64_C(1) << 1)

static struct vmctx *ctx;

static void
setup(void)
{
	ctx = vm_open_new(NCPUS, RAM_SIZE);
	cr_assert_not_null(ctx, "vm_open_new: %s", strerror(errno));
	cr_assert_eq(sbi_init(ctx), 0);
}

static void
teardown(void)
{
	if (ctx != NULL)
		vm_close(ctx);
	ctx = NULL;
}

TestSuite(sbi, .init = setup, .fini = teardown);
TestSuite(sbi_run, .init = setup, .fini = teardown);

struct sbiret {
	int64_t		error;
	uint64_t	value;
};

/* One ecall from 'vcpu' with a7 = eid, a6 = fid, a0.. = args. */
static struct sbiret
ecall_exit(int vcpu, uint64_t eid, uint64_t fid, uint64_t a0, uint64_t a1,
    uint64_t a2, struct vm_exit *vme)
{
	memset(vme, 0, sizeof(*vme));
	vme->exitcode = VM_EXITCODE_ECALL;
	vme->u.ecall.args[0] = a0;
	vme->u.ecall.args[1] = a1;
	vme->u.ecall.args[2] = a2;
	vme->u.ecall.args[6] = fid;
	vme->u.ecall.args[7] = eid;
	/* Poison: every path must store both results or set no_ret. */
	vme->u.ecall.ret[0] = vme->u.ecall.ret[1] = UINT64_C(0xdeadbeefdeadbeef);
	vme->u.ecall.no_ret = true;
	sbi_handle_ecall(ctx, vcpu, vme);
	return (struct sbiret){ (int64_t)vme->u.ecall.ret[0], vme->u.ecall.ret[1] };
}

static struct sbiret
ecall(int vcpu, uint64_t eid, uint64_t fid, uint64_t a0, uint64_t a1,
    uint64_t a2)
{
	struct vm_exit vme;
	struct sbiret r = ecall_exit(vcpu, eid, fid, a0, a1, a2, &vme);

	cr_assert_not(vme.u.ecall.no_ret, "call %#lx/%lu did not return",
	    (unsigned long)eid, (unsigned long)fid);
	return r;
}

static uint64_t
reg(int vcpu, int r)
{
	uint64_t v;

	cr_assert_eq(vm_get_register(ctx, vcpu, r, &v), 0, "%s", strerror(errno));
	return v;
}

/* Start a hart in S-mode the way the machine starts the boot hart. */
static void
start_hart(int vcpu)
{
	cr_assert_eq(vm_hart_start(ctx, vcpu, VM_RAM_BASE, (uint64_t)vcpu, 0,
	    PRV_S), 0);
	cr_assert_eq(sbi_init(ctx), 0);
}

static bool
ssip(int vcpu)
{
	return (reg(vcpu, VM_REG_CSR(CSR_MIP)) & MIP_SSIP) != 0;
}

/* ---- Base ------------------------------------------------------------------ */

Test(sbi, base_versions)
{
	struct sbiret r;

	r = ecall(0, SBI_EXT_BASE, 0, 0, 0, 0);
	cr_assert_eq(r.error, SBI_SUCCESS);
	cr_assert_eq(r.value, UINT64_C(0x02000000), "spec version %#lx",
	    (unsigned long)r.value);
	r = ecall(0, SBI_EXT_BASE, 1, 0, 0, 0);
	cr_assert_eq(r.error, 0);
	cr_assert_eq(r.value, SBI_IMPL_ID_RHYVE);
	r = ecall(0, SBI_EXT_BASE, 2, 0, 0, 0);
	cr_assert_eq(r.error, 0);
	cr_assert_eq(r.value, SBI_IMPL_VERSION_RHYVE);
	for (int fid = 4; fid <= 6; fid++) {
		r = ecall(1, SBI_EXT_BASE, (uint64_t)fid, 0, 0, 0);
		cr_assert_eq(r.error, 0);
		cr_assert_eq(r.value, reg(1, VM_REG_CSR(0xf11 + fid - 4)));
	}
	r = ecall(0, SBI_EXT_BASE, 7, 0, 0, 0);
	cr_assert_eq(r.error, SBI_ERR_NOT_SUPPORTED);
}

Test(sbi, probe)
{
	static const uint64_t present[] = {
		SBI_EXT_BASE, SBI_EXT_TIME, SBI_EXT_IPI, SBI_EXT_RFENCE,
		SBI_EXT_HSM, SBI_EXT_SRST, SBI_EXT_DBCN, 0x00, 0x01, 0x02,
		0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
	};
	static const uint64_t absent[] = {
		0x504D55 /* PMU */, 0x535553 /* SUSP */, 0x43505043 /* CPPC */,
		0x4E41434C /* NACL */, 0x535441 /* STA */, 0x09, 0x0f, 0x11,
		UINT64_MAX,
	};
	struct sbiret r;

	for (size_t i = 0; i < sizeof(present) / sizeof(present[0]); i++) {
		r = ecall(0, SBI_EXT_BASE, 3, present[i], 0, 0);
		cr_assert_eq(r.error, 0);
		cr_assert_eq(r.value, 1, "extension %#lx not found",
		    (unsigned long)present[i]);
	}
	for (size_t i = 0; i < sizeof(absent) / sizeof(absent[0]); i++) {
		r = ecall(0, SBI_EXT_BASE, 3, absent[i], 0, 0);
		cr_assert_eq(r.error, 0);
		cr_assert_eq(r.value, 0, "extension %#lx found",
		    (unsigned long)absent[i]);
	}
}

Test(sbi, unknown_calls)
{
	cr_assert_eq(ecall(0, 0x504D55, 0, 0, 0, 0).error, SBI_ERR_NOT_SUPPORTED);
	cr_assert_eq(ecall(0, 0x0a000000, 0, 0, 0, 0).error, SBI_ERR_NOT_SUPPORTED);
	cr_assert_eq(ecall(0, SBI_EXT_TIME, 1, 0, 0, 0).error, SBI_ERR_NOT_SUPPORTED);
	cr_assert_eq(ecall(0, SBI_EXT_IPI, 1, 0, 0, 0).error, SBI_ERR_NOT_SUPPORTED);
	cr_assert_eq(ecall(0, SBI_EXT_HSM, 4, 0, 0, 0).error, SBI_ERR_NOT_SUPPORTED);
	cr_assert_eq(ecall(0, SBI_EXT_SRST, 1, 0, 0, 0).error, SBI_ERR_NOT_SUPPORTED);
	cr_assert_eq(ecall(0, SBI_EXT_DBCN, 3, 0, 0, 0).error, SBI_ERR_NOT_SUPPORTED);
}

/* ---- firmware state -------------------------------------------------------- */

Test(sbi, init_gives_firmware_state)
{
	for (int i = 0; i < NCPUS; i++) {
		int cap = 0;

		cr_assert_eq(vm_get_capability(ctx, i, VM_CAP_SBI_EXIT, &cap), 0);
		cr_assert_eq(cap, 1);
		cr_assert_eq(reg(i, VM_REG_CSR(0x303)), SBI_MIDELEG);
		cr_assert_eq(reg(i, VM_REG_CSR(0x302)), SBI_MEDELEG);
		cr_assert_eq(reg(i, VM_REG_CSR(0x30a)) & SBI_MENVCFG, SBI_MENVCFG);
		cr_assert_eq(reg(i, VM_REG_CSR(0x306)) & 7, 7);
	}
}

/* ---- TIME ------------------------------------------------------------------ */

Test(sbi, set_timer_writes_stimecmp)
{
	struct sbiret r;

	r = ecall(2, SBI_EXT_TIME, 0, UINT64_C(0x123456789), 0, 0);
	cr_assert_eq(r.error, 0);
	cr_assert_eq(reg(2, VM_REG_CSR(CSR_STIMECMP)), UINT64_C(0x123456789));
	cr_assert_eq(reg(1, VM_REG_CSR(CSR_STIMECMP)), 0, "wrong hart's timer set");

	/* Legacy set_timer: same effect, a1 left alone. */
	r = ecall(3, 0x00, 0, UINT64_MAX, 77, 0);
	cr_assert_eq(r.error, 0);
	cr_assert_eq(r.value, 77);
	cr_assert_eq(reg(3, VM_REG_CSR(CSR_STIMECMP)), UINT64_MAX);
}

/* With Sstc, a past stimecmp pends STIP and a future one clears it. */
Test(sbi, set_timer_drives_stip)
{
	start_hart(0);
	cr_assert_eq(ecall(0, SBI_EXT_TIME, 0, 0, 0, 0).error, 0);
	cr_assert_neq(reg(0, VM_REG_CSR(CSR_MIP)) & (1 << 5), 0, "STIP not pending");
	cr_assert_eq(ecall(0, SBI_EXT_TIME, 0, UINT64_MAX, 0, 0).error, 0);
	cr_assert_eq(reg(0, VM_REG_CSR(CSR_MIP)) & (1 << 5), 0, "STIP still pending");
}

/* ---- IPI ------------------------------------------------------------------- */

Test(sbi, send_ipi_sets_ssip)
{
	for (int i = 0; i < NCPUS; i++)
		start_hart(i);
	for (int i = 0; i < NCPUS; i++)
		cr_assert_not(ssip(i));

	/* hart_mask 0b101 from base 1: harts 1 and 3. */
	cr_assert_eq(ecall(0, SBI_EXT_IPI, 0, 0x5, 1, 0).error, 0);
	cr_assert_not(ssip(0));
	cr_assert(ssip(1));
	cr_assert_not(ssip(2));
	cr_assert(ssip(3));

	/* base -1: every hart, whatever the mask. */
	cr_assert_eq(ecall(0, SBI_EXT_IPI, 0, 0, UINT64_MAX, 0).error, 0);
	for (int i = 0; i < NCPUS; i++)
		cr_assert(ssip(i), "hart %d", i);
}

Test(sbi, send_ipi_bad_harts)
{
	start_hart(0);
	/* Hart 4 does not exist: nothing is sent at all. */
	cr_assert_eq(ecall(0, SBI_EXT_IPI, 0, 0x3, 3, 0).error, SBI_ERR_INVALID_PARAM);
	cr_assert_eq(ecall(0, SBI_EXT_IPI, 0, 0x1, 4, 0).error, SBI_ERR_INVALID_PARAM);
	cr_assert_eq(ecall(0, SBI_EXT_IPI, 0, UINT64_C(1) << 63, 0, 0).error,
	    SBI_ERR_INVALID_PARAM);
	cr_assert_eq(ecall(0, SBI_EXT_IPI, 0, 0x1, UINT64_MAX - 1, 0).error,
	    SBI_ERR_INVALID_PARAM);
	cr_assert_not(ssip(0));
	/* An empty mask names nobody and is fine. */
	cr_assert_eq(ecall(0, SBI_EXT_IPI, 0, 0, 0, 0).error, 0);
}

/* A hart the guest has not started does not get the IPI. */
Test(sbi, send_ipi_skips_stopped_harts)
{
	start_hart(0);
	cr_assert_eq(ecall(0, SBI_EXT_IPI, 0, 0x3, 0, 0).error, 0);
	cr_assert(ssip(0));
	cr_assert_not(ssip(1));
}

/* Legacy send_ipi and clear_ipi: the mask is behind a guest pointer. */
Test(sbi, legacy_ipi)
{
	uint64_t *mask = vm_map_gpa(ctx, BUF_GPA, 8);
	struct sbiret r;

	for (int i = 0; i < NCPUS; i++)
		start_hart(i);
	cr_assert_not_null(mask);
	*mask = 0x6;			/* harts 1 and 2 */
	r = ecall(0, 0x04, 0, BUF_GPA, 1234, 0);
	cr_assert_eq(r.error, 0);
	cr_assert_eq(r.value, 1234, "legacy call clobbered a1");
	cr_assert_not(ssip(0));
	cr_assert(ssip(1));
	cr_assert(ssip(2));
	cr_assert_not(ssip(3));

	cr_assert_eq(ecall(2, 0x03, 0, 0, 0, 0).error, 0);
	cr_assert_not(ssip(2), "clear_ipi left SSIP");
	cr_assert(ssip(1));

	/* A pointer that maps nowhere, or is misaligned. */
	cr_assert_lt(ecall(0, 0x04, 0, 0x1000, 0, 0).error, 0);
	cr_assert_lt(ecall(0, 0x04, 0, BUF_GPA + 4, 0, 0).error, 0);
	/* NULL: every hart. */
	cr_assert_eq(ecall(0, 0x04, 0, 0, 0, 0).error, 0);
	cr_assert(ssip(0));
	cr_assert(ssip(3));
}

/* ---- RFENCE ---------------------------------------------------------------- */

Test(sbi, rfence)
{
	uint64_t *mask = vm_map_gpa(ctx, BUF_GPA, 8);

	start_hart(0);
	cr_assert_eq(ecall(0, SBI_EXT_RFENCE, 0, 0xf, 0, 0).error, 0);
	cr_assert_eq(ecall(0, SBI_EXT_RFENCE, 1, 0, UINT64_MAX, 0).error, 0);
	cr_assert_eq(ecall(0, SBI_EXT_RFENCE, 2, 0x1, 3, 0).error, 0);
	cr_assert_eq(ecall(0, SBI_EXT_RFENCE, 0, 0x1, 4, 0).error,
	    SBI_ERR_INVALID_PARAM);
	for (int fid = 3; fid <= 6; fid++)
		cr_assert_eq(ecall(0, SBI_EXT_RFENCE, (uint64_t)fid, 0xf, 0, 0).error,
		    SBI_ERR_NOT_SUPPORTED, "hfence fid %d", fid);
	*mask = 0xf;
	for (int eid = 0x05; eid <= 0x07; eid++)
		cr_assert_eq(ecall(0, (uint64_t)eid, 0, BUF_GPA, 0, 0).error, 0);
	cr_assert_lt(ecall(0, 0x05, 0, 0x10, 0, 0).error, 0);
}

/*
 * Remote fences to harts that are running guest code: every call returns
 * (the targets are made to leave the guest and re-enter through the
 * fence) and the targets keep running.
 */
void
rc_fatal(const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cr_assert_fail("%s", msg);
	abort();
}

Test(sbi_run, rfence_running_harts)
{
	struct rc *rc;
	uint64_t before[3];
	int64_t deadline;

	vm_close(ctx);
	rc = rc_create(3);
	ctx = rc->ctx;
	cr_assert_eq(sbi_init(ctx), 0);
	rc_start_hart(rc, 1, PROG_COUNT);
	rc_start_hart(rc, 2, PROG_COUNT);
	rc_run_threads(rc);
	for (deadline = rc_now_ns() + INT64_C(5000000000);
	    (rc_slot(rc, 1) == 0 || rc_slot(rc, 2) == 0) && rc_now_ns() < deadline;)
		rc_sleep_ms(1);
	cr_assert_neq(rc_slot(rc, 1), 0, "hart 1 does not run");
	cr_assert_neq(rc_slot(rc, 2), 0, "hart 2 does not run");

	for (int i = 0; i < 200; i++) {
		cr_assert_eq(ecall(0, SBI_EXT_RFENCE, (uint64_t)(i % 3), 0x6, 0, 0).error, 0);
		cr_assert_eq(ecall(0, SBI_EXT_RFENCE, 0, 0, UINT64_MAX, 0).error, 0);
	}
	before[1] = rc_slot(rc, 1);
	before[2] = rc_slot(rc, 2);
	for (deadline = rc_now_ns() + INT64_C(5000000000);
	    (rc_slot(rc, 1) == before[1] || rc_slot(rc, 2) == before[2]) &&
	    rc_now_ns() < deadline;)
		rc_sleep_ms(1);
	cr_assert_neq(rc_slot(rc, 1), before[1], "hart 1 stuck after the fences");
	cr_assert_neq(rc_slot(rc, 2), before[2], "hart 2 stuck after the fences");
	rc_destroy(rc);
	ctx = NULL;
}

/*
 * A hart that hart_start starts has the firmware state from its first
 * instruction on: its first instruction reads the time CSR (which traps
 * into M-mode without mcounteren.TM) and its second ecall stops it.  A
 * thread per vCPU answers the ecalls as the machine does.  Starts and
 * stops it many times, so that a window between the start and the
 * firmware state would be hit.
 */
static const uint32_t prog_rdtime_stop[] = {
	0xc01022f3,	/* rdtime t0 */
	0x004858b7,	/* lui a7, 0x485 */
	0x34d88893,	/* addi a7, a7, 0x34d: a7 = HSM */
	0x00100813,	/* li a6, 1: hart_stop */
	0x00000073,	/* ecall */
	0x0000006f,	/* j . */
};
#define PROG_RDTIME	(VM_RAM_BASE + 0x2000)

static void *
sbi_vcpu_loop(void *arg)
{
	int vcpu = (int)(intptr_t)arg;
	struct vm_exit vme;

	memset(&vme, 0, sizeof(vme));
	for (;;) {
		if (vm_run(ctx, vcpu, &vme) != 0)
			return NULL;
		if (vme.exitcode == VM_EXITCODE_SUSPENDED)
			return NULL;
		if (vme.exitcode == VM_EXITCODE_ECALL)
			sbi_handle_ecall(ctx, vcpu, &vme);
	}
}

Test(sbi_run, started_hart_has_firmware_state)
{
	void *p = vm_map_gpa(ctx, PROG_RDTIME, sizeof(prog_rdtime_stop));
	pthread_t thr;

	cr_assert_not_null(p);
	memcpy(p, prog_rdtime_stop, sizeof(prog_rdtime_stop));
	start_hart(0);
	cr_assert_eq(vm_activate_cpu(ctx, 1), 0);
	cr_assert_eq(pthread_create(&thr, NULL, sbi_vcpu_loop, (void *)1), 0);
	for (int i = 0; i < 300; i++) {
		int64_t deadline = rc_now_ns() + INT64_C(2000000000);
		uint64_t st;

		cr_assert_eq(ecall(0, SBI_EXT_HSM, 0, 1, PROG_RDTIME, 0).error, 0);
		while ((st = ecall(0, SBI_EXT_HSM, 2, 1, 0, 0).value) !=
		    SBI_HSM_STOPPED && rc_now_ns() < deadline)
			sched_yield();
		if (st != SBI_HSM_STOPPED) {
			cr_log_error("round %d: hart 1 at pc %#lx priv %lu, mcause %#lx",
			    i, (unsigned long)reg(1, VM_REG_PC),
			    (unsigned long)reg(1, VM_REG_PRIV),
			    (unsigned long)reg(1, VM_REG_CSR(0x342)));
			vm_suspend(ctx, VM_SUSPEND_POWEROFF, -1, 0);
			pthread_join(thr, NULL);
			cr_assert_fail("hart 1 never reached hart_stop: its first "
			    "instruction ran without the firmware state (vm_hart_start "
			    "to S-mode must keep medeleg, mideleg, mcounteren, menvcfg)");
		}
		cr_assert_eq(reg(1, VM_REG_CSR(0x342)), 0, "hart 1 trapped to M");
	}
	vm_suspend(ctx, VM_SUSPEND_POWEROFF, -1, 0);
	pthread_join(thr, NULL);
}

/* ---- HSM ------------------------------------------------------------------- */

Test(sbi, hsm_start_status_stop)
{
	uint64_t entry = VM_RAM_BASE + 0x200000;
	struct vm_exit vme;
	struct sbiret r;

	for (int i = 0; i < NCPUS; i++) {
		r = ecall(0, SBI_EXT_HSM, 2, (uint64_t)i, 0, 0);
		cr_assert_eq(r.error, 0);
		cr_assert_eq(r.value, SBI_HSM_STOPPED, "hart %d", i);
	}
	start_hart(0);
	cr_assert_eq(ecall(0, SBI_EXT_HSM, 2, 0, 0, 0).value, SBI_HSM_STARTED);

	r = ecall(0, SBI_EXT_HSM, 0, 2, entry, 0xcafe);
	cr_assert_eq(r.error, 0);
	cr_assert_eq(ecall(0, SBI_EXT_HSM, 2, 2, 0, 0).value, SBI_HSM_STARTED);
	cr_assert_eq(ecall(0, SBI_EXT_HSM, 2, 1, 0, 0).value, SBI_HSM_STOPPED);
	/* Entered in S-mode at entry with a0 = hartid, a1 = opaque. */
	cr_assert_eq(reg(2, VM_REG_PC), entry);
	cr_assert_eq(reg(2, VM_REG_X(10)), 2);
	cr_assert_eq(reg(2, VM_REG_X(11)), 0xcafe);
	cr_assert_eq(reg(2, VM_REG_PRIV), PRV_S);
	cr_assert_eq(reg(2, VM_REG_CSR(0x180)), 0, "satp not 0");
	/* ... with the firmware's delegation and Sstc. */
	cr_assert_eq(reg(2, VM_REG_CSR(0x303)), SBI_MIDELEG);
	cr_assert_eq(reg(2, VM_REG_CSR(0x302)), SBI_MEDELEG);
	cr_assert_eq(reg(2, VM_REG_CSR(0x30a)) & SBI_MENVCFG, SBI_MENVCFG);

	r = ecall(0, SBI_EXT_HSM, 0, 2, entry, 0);
	cr_assert_eq(r.error, SBI_ERR_ALREADY_AVAILABLE);

	/* hart_stop does not return and the hart is stopped. */
	ecall_exit(2, SBI_EXT_HSM, 1, 0, 0, 0, &vme);
	cr_assert(vme.u.ecall.no_ret);
	cr_assert_eq(ecall(0, SBI_EXT_HSM, 2, 2, 0, 0).value, SBI_HSM_STOPPED);

	/* And it can be started again. */
	r = ecall(0, SBI_EXT_HSM, 0, 2, entry + 0x100, 7);
	cr_assert_eq(r.error, 0);
	cr_assert_eq(reg(2, VM_REG_PC), entry + 0x100);
	cr_assert_eq(reg(2, VM_REG_X(11)), 7);
}

Test(sbi, hsm_errors)
{
	start_hart(0);
	cr_assert_eq(ecall(0, SBI_EXT_HSM, 0, NCPUS, VM_RAM_BASE, 0).error,
	    SBI_ERR_INVALID_PARAM);
	cr_assert_eq(ecall(0, SBI_EXT_HSM, 0, UINT64_C(1) << 32, VM_RAM_BASE, 0).error,
	    SBI_ERR_INVALID_PARAM);
	cr_assert_eq(ecall(0, SBI_EXT_HSM, 0, UINT64_MAX, VM_RAM_BASE, 0).error,
	    SBI_ERR_INVALID_PARAM);
	/* Not RAM: nothing to execute there. */
	cr_assert_eq(ecall(0, SBI_EXT_HSM, 0, 1, 0x1000, 0).error,
	    SBI_ERR_INVALID_ADDRESS);
	cr_assert_eq(ecall(0, SBI_EXT_HSM, 0, 1, VM_RAM_BASE + RAM_SIZE, 0).error,
	    SBI_ERR_INVALID_ADDRESS);
	cr_assert_eq(ecall(0, SBI_EXT_HSM, 2, 1, 0, 0).value, SBI_HSM_STOPPED);
	cr_assert_eq(ecall(0, SBI_EXT_HSM, 2, NCPUS, 0, 0).error,
	    SBI_ERR_INVALID_PARAM);
	cr_assert_eq(ecall(0, SBI_EXT_HSM, 0, 0, VM_RAM_BASE, 0).error,
	    SBI_ERR_ALREADY_AVAILABLE);
}

Test(sbi, hsm_suspend)
{
	start_hart(0);
	cr_assert_eq(ecall(0, SBI_EXT_HSM, 3, 0, 0, 0).error, 0);
	cr_assert_eq(ecall(0, SBI_EXT_HSM, 3, 0x80000000, VM_RAM_BASE, 0).error,
	    SBI_ERR_NOT_SUPPORTED);
	/* Platform-specific types: this platform has none. */
	cr_assert_eq(ecall(0, SBI_EXT_HSM, 3, 0x10000000, 0, 0).error,
	    SBI_ERR_INVALID_PARAM);
	cr_assert_eq(ecall(0, SBI_EXT_HSM, 3, 0x90000000, 0, 0).error,
	    SBI_ERR_INVALID_PARAM);
	cr_assert_eq(ecall(0, SBI_EXT_HSM, 3, 0x1, 0, 0).error,
	    SBI_ERR_INVALID_PARAM);
	cr_assert_eq(ecall(0, SBI_EXT_HSM, 3, 0x80000001, 0, 0).error,
	    SBI_ERR_INVALID_PARAM);
	/* A uint32_t argument: the upper half of a0 is not looked at. */
	cr_assert_eq(ecall(0, SBI_EXT_HSM, 3, UINT64_C(0xffffffff00000001), 0, 0).error,
	    SBI_ERR_INVALID_PARAM);
	cr_assert_eq(ecall(0, SBI_EXT_HSM, 3, UINT64_C(1) << 32, 0, 0).error, 0);
	cr_assert_eq(ecall(0, SBI_EXT_HSM, 2, 0, 0, 0).value, SBI_HSM_STARTED);
}

/* ---- SRST ------------------------------------------------------------------ */

/* The next vm_run() of vCPU 0 must report this suspension. */
static void
expect_suspended(int how, uint32_t code)
{
	struct vm_exit vme;

	cr_assert_eq(vm_activate_cpu(ctx, 0), 0);
	memset(&vme, 0, sizeof(vme));
	cr_assert_eq(vm_run(ctx, 0, &vme), 0);
	cr_assert_eq(vme.exitcode, VM_EXITCODE_SUSPENDED);
	cr_assert_eq(vme.u.suspended.how, how);
	cr_assert_eq(vme.u.suspended.code, code);
}

/* The VM is not suspended yet: a suspension now is the first one. */
static void
expect_running(void)
{
	cr_assert_eq(vm_suspend(ctx, VM_SUSPEND_POWEROFF, -1, 0), 0,
	    "VM was already suspended");
}

static void
system_reset(uint64_t type, uint64_t reason)
{
	struct vm_exit vme;

	ecall_exit(1, SBI_EXT_SRST, 0, type, reason, 0, &vme);
	cr_assert(vme.u.ecall.no_ret, "system_reset returned %ld",
	    (long)vme.u.ecall.ret[0]);
}

Test(sbi, srst_shutdown)
{
	system_reset(0, 0);
	expect_suspended(VM_SUSPEND_POWEROFF, 0);
}

Test(sbi, srst_cold_reboot)
{
	system_reset(1, 0);
	expect_suspended(VM_SUSPEND_RESET, 0);
}

Test(sbi, srst_warm_reboot)
{
	system_reset(2, 0);
	expect_suspended(VM_SUSPEND_RESET, 0);
}

Test(sbi, srst_failure)
{
	system_reset(0, 1);
	expect_suspended(VM_SUSPEND_HALT, 1);
}

Test(sbi, srst_bad_params)
{
	cr_assert_eq(ecall(1, SBI_EXT_SRST, 0, 3, 0, 0).error, SBI_ERR_INVALID_PARAM);
	cr_assert_eq(ecall(1, SBI_EXT_SRST, 0, 0xf0000000, 0, 0).error,
	    SBI_ERR_INVALID_PARAM);
	cr_assert_eq(ecall(1, SBI_EXT_SRST, 0, 0, 2, 0).error, SBI_ERR_INVALID_PARAM);
	cr_assert_eq(ecall(1, SBI_EXT_SRST, 0, UINT64_C(0xffffffff00000003), 0, 0).error,
	    SBI_ERR_INVALID_PARAM);
	expect_running();
}

/* uint32_t arguments: only the low halves of a0 and a1 count. */
Test(sbi, srst_upper_bits_ignored)
{
	system_reset(UINT64_C(0xabcd00000000), UINT64_C(0x100000001));
	expect_suspended(VM_SUSPEND_HALT, 1);
}

Test(sbi, legacy_shutdown)
{
	struct vm_exit vme;

	ecall_exit(0, 0x08, 0, 0, 0, 0, &vme);
	expect_suspended(VM_SUSPEND_POWEROFF, 0);
}

/* ---- DBCN and the legacy console ------------------------------------------- */

Test(sbi, dbcn_write, .init = cr_redirect_stdout)
{
	static const char msg[] = "hello from DBCN\n";
	char *buf;
	struct sbiret r;

	buf = vm_map_gpa(ctx, BUF_GPA, sizeof(msg));
	cr_assert_not_null(buf);
	memcpy(buf, msg, sizeof(msg) - 1);
	r = ecall(0, SBI_EXT_DBCN, 0, sizeof(msg) - 1, BUF_GPA, 0);
	cr_assert_eq(r.error, 0);
	cr_assert_eq(r.value, sizeof(msg) - 1);
	cr_assert_eq(ecall(0, SBI_EXT_DBCN, 2, 'A', 0, 0).error, 0);
	cr_assert_eq(ecall(0, SBI_EXT_DBCN, 2, 0x100 | 'B', 0, 0).error, 0);
	r = ecall(0, 0x01, 0, 'C', 55, 0);
	cr_assert_eq(r.error, 0);
	cr_assert_eq(r.value, 55);
	r = ecall(0, SBI_EXT_DBCN, 0, 0, 0, 0);
	cr_assert_eq(r.error, 0);
	cr_assert_eq(r.value, 0);
	fflush(stdout);
	cr_assert_stdout_eq_str("hello from DBCN\nABC");
}

Test(sbi, dbcn_bad_address)
{
	/* Not RAM, partly past the end of RAM, above 64 bits. */
	cr_assert_eq(ecall(0, SBI_EXT_DBCN, 0, 16, 0x1000, 0).error,
	    SBI_ERR_INVALID_PARAM);
	cr_assert_eq(ecall(0, SBI_EXT_DBCN, 0, 32, VM_RAM_BASE + RAM_SIZE - 16, 0).error,
	    SBI_ERR_INVALID_PARAM);
	cr_assert_eq(ecall(0, SBI_EXT_DBCN, 0, 16, BUF_GPA, 1).error,
	    SBI_ERR_INVALID_PARAM);
	cr_assert_eq(ecall(0, SBI_EXT_DBCN, 0, UINT64_MAX, BUF_GPA, 0).error,
	    SBI_ERR_INVALID_PARAM);
	cr_assert_eq(ecall(0, SBI_EXT_DBCN, 1, 16, 0x1000, 0).error,
	    SBI_ERR_INVALID_PARAM);
}

static void
sleep_ms(int ms)
{
	struct timespec ts = { 0, (long)ms * 1000000 };

	nanosleep(&ts, NULL);
}

/* Input queued by the console reaches guest memory through console_read. */
Test(sbi, dbcn_read)
{
	static const char in[] = "typed";
	char *buf = vm_map_gpa(ctx, BUF_GPA, 64);
	struct sbiret r;
	size_t got = 0;
	int fds[2];

	cr_assert_not_null(buf);
	memset(buf, 0, 64);
	/* Nothing queued: zero bytes, not an error. */
	r = ecall(0, SBI_EXT_DBCN, 1, 64, BUF_GPA, 0);
	cr_assert_eq(r.error, 0);
	cr_assert_eq(r.value, 0);
	cr_assert_eq(ecall(0, 0x02, 0, 0, 0, 0).error, -1, "getchar without input");

	cr_assert_eq(pipe(fds), 0);
	cr_assert_eq(dup2(fds[0], STDIN_FILENO), STDIN_FILENO);
	close(fds[0]);
	cr_assert_eq(console_init(ctx), 0);
	cr_assert_eq(write(fds[1], in, sizeof(in) - 1), (ssize_t)sizeof(in) - 1);
	cr_assert_eq(write(fds[1], "!", 1), 1);
	/* The reader thread queues the bytes asynchronously. */
	for (int tries = 0; got < sizeof(in) - 1 && tries < 500; tries++) {
		r = ecall(0, SBI_EXT_DBCN, 1, sizeof(in) - 1 - got,
		    BUF_GPA + got, 0);
		cr_assert_eq(r.error, 0);
		got += r.value;
		if (got < sizeof(in) - 1)
			sleep_ms(10);
	}
	cr_assert_eq(got, sizeof(in) - 1);
	cr_assert_str_eq(buf, in);
	/* The byte after them is left for the legacy getchar. */
	for (int tries = 0; tries < 500; tries++) {
		r = ecall(0, 0x02, 0, 0, 99, 0);
		if (r.error != -1)
			break;
		sleep_ms(10);
	}
	cr_assert_eq(r.error, '!');
	cr_assert_eq(r.value, 99);
	close(fds[1]);
	console_fini();
}
