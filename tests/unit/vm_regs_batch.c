/*
 * vm_regs_batch.c - the batch register calls, vm_get_registers() and
 * vm_set_registers() (vmmapi.h, vmm_kern.h), through vmmapi on real VMs:
 *
 *  - every register a batch reads is the value vm_get_register() gives
 *    for it, over the whole VM_REG_* space, on both hart engines, and a
 *    batch write lands as single writes would (x0 stays zero);
 *  - a bad vCPU or range is EINVAL and touches nothing; an absent
 *    register ends the batch with ENOENT after the ones before it;
 *  - run control is kept: on a running vCPU a batch kicks it out for one
 *    freeze, returns a coherent snapshot and lets it run on; on a
 *    debugged (parked) one, or one asleep in WFI, it reads and writes
 *    without waking or resuming it.
 *
 * The debug server's 'g' and 'G' are these calls (rhyve/gdb/gdb_target.c).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tests/lib/runctl_harness.h"

#define NREGS		(VM_REG_LAST + 1)
#define G_REGS		(VM_REG_F(31) + 1)	/* x0..x31, pc, f0..f31 */
#define SENTINEL	UINT64_C(0x5a5a5a5a5a5a5a5a)
#define CSR_MSCRATCH	0x340

void
rc_fatal(const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cr_assert_fail("%s", msg);
	__builtin_unreachable();
}

TestSuite(vm_regs_batch, .timeout = 60);

/* A value no two registers share, so a value read at the wrong index shows. */
static uint64_t
pattern(int reg)
{
	return UINT64_C(0x9e3779b97f4a7c15) * (uint64_t)(reg + 1) ^
	    UINT64_C(0x0123456789abcdef);
}

/* Fill x1..x31, f0..f31 and mscratch with pattern(), pc with a RAM address. */
static void
fill_singly(struct vmctx *ctx, int vcpu)
{
	for (int r = VM_REG_X(1); r <= VM_REG_X(31); r++)
		cr_assert_eq(vm_set_register(ctx, vcpu, r, pattern(r)), 0);
	for (int r = VM_REG_F(0); r <= VM_REG_F(31); r++)
		cr_assert_eq(vm_set_register(ctx, vcpu, r, pattern(r)), 0);
	cr_assert_eq(vm_set_register(ctx, vcpu, VM_REG_PC, VM_RAM_BASE + 0x40),
	    0);
	cr_assert_eq(vm_set_register(ctx, vcpu, VM_REG_CSR(CSR_MSCRATCH),
	    pattern(VM_REG_CSR(CSR_MSCRATCH))), 0);
}

/*
 * The reference: vm_get_register() for every register; exists[r] says
 * whether it succeeded (ENOENT the only other answer allowed).
 */
static void
read_singly(struct vmctx *ctx, int vcpu, uint64_t *vals, bool *exists)
{
	for (int r = 0; r < NREGS; r++) {
		int rv = vm_get_register(ctx, vcpu, r, &vals[r]);

		cr_assert(rv == 0 || errno == ENOENT,
		    "register %d: %s", r, strerror(errno));
		exists[r] = rv == 0;
	}
}

/*
 * Every maximal run of existing registers, read as one batch, gives the
 * reference values; every absent register read alone is ENOENT.
 */
static void
check_all_runs(struct vmctx *ctx, int vcpu)
{
	static uint64_t ref[NREGS], got[NREGS];
	static bool exists[NREGS];
	int runs = 0;

	read_singly(ctx, vcpu, ref, exists);
	cr_assert(exists[VM_REG_PRIV]);
	for (int r = 0; r < G_REGS; r++)
		cr_assert(exists[r], "register %d of the 'g' layout missing", r);
	for (int r = 0; r < NREGS;) {
		int end = r;

		if (!exists[r]) {
			cr_assert_eq(vm_get_registers(ctx, vcpu, r, 1, got), -1);
			cr_assert_eq(errno, ENOENT, "register %d", r);
			r++;
			continue;
		}
		while (end < NREGS && exists[end])
			end++;
		for (int i = r; i < end; i++)
			got[i] = SENTINEL;
		cr_assert_eq(vm_get_registers(ctx, vcpu, r, end - r, &got[r]), 0,
		    "run %d..%d: %s", r, end - 1, strerror(errno));
		for (int i = r; i < end; i++)
			cr_assert_eq(got[i], ref[i],
			    "register %d: batch %#llx, single %#llx", i,
			    (unsigned long long)got[i], (unsigned long long)ref[i]);
		runs++;
		r = end;
	}
	cr_assert_gt(runs, 1, "expected absent CSRs between runs");
}

static void
values_on_engine(int engine)
{
	struct vmctx *ctx = vm_open_engine(2, 16u << 20, engine);
	uint64_t g[G_REGS];

	if (ctx == NULL && errno == ENOTSUP)
		return;		/* the JIT on a host without it */
	cr_assert_not_null(ctx, "vm_open_engine: %s", strerror(errno));
	/* Stop mtime, so that time (and what counts with it) reads the same twice. */
	cr_assert_eq(vm_time(ctx, 1, UINT64_MAX, NULL), 0);
	fill_singly(ctx, 1);
	check_all_runs(ctx, 0);
	check_all_runs(ctx, 1);

	/* The 'g' block of vCPU 1 holds exactly what was written. */
	cr_assert_eq(vm_get_registers(ctx, 1, 0, G_REGS, g), 0);
	cr_assert_eq(g[0], 0);
	for (int r = VM_REG_X(1); r <= VM_REG_X(31); r++)
		cr_assert_eq(g[r], pattern(r), "x%d", r);
	cr_assert_eq(g[VM_REG_PC], VM_RAM_BASE + 0x40);
	for (int r = VM_REG_F(0); r <= VM_REG_F(31); r++)
		cr_assert_eq(g[r], pattern(r), "f%d", r - VM_REG_F(0));
	/* vCPU 0 was not written: the batch read the vCPU asked for. */
	cr_assert_eq(vm_get_registers(ctx, 0, VM_REG_X(1), 1, g), 0);
	cr_assert_neq(g[0], pattern(VM_REG_X(1)));
	vm_close(ctx);
}

Test(vm_regs_batch, reads_every_register_as_single_reads_do_interp)
{
	values_on_engine(VM_ENGINE_INTERP);
}

Test(vm_regs_batch, reads_every_register_as_single_reads_do_jit)
{
	values_on_engine(VM_ENGINE_JIT);
}

Test(vm_regs_batch, writes_land_as_single_writes_do)
{
	struct vmctx *ctx = vm_open_new(1, 16u << 20);
	uint64_t in[G_REGS], v;

	cr_assert_not_null(ctx);
	for (int r = 0; r < G_REGS; r++)
		in[r] = pattern(r) + 7;
	in[VM_REG_PC] = VM_RAM_BASE + 0x80;
	/* x0 is in the range: accepted and ignored, as by vm_set_register() */
	cr_assert_eq(vm_set_registers(ctx, 0, 0, G_REGS, in), 0,
	    "%s", strerror(errno));
	for (int r = 0; r < G_REGS; r++) {
		cr_assert_eq(vm_get_register(ctx, 0, r, &v), 0);
		cr_assert_eq(v, r == 0 ? 0 : in[r], "register %d", r);
	}
	/* A range in the CSRs and priv, the other end of the space. */
	in[0] = 0x1234;
	cr_assert_eq(vm_set_registers(ctx, 0, VM_REG_CSR(CSR_MSCRATCH), 1, in),
	    0);
	cr_assert_eq(vm_get_register(ctx, 0, VM_REG_CSR(CSR_MSCRATCH), &v), 0);
	cr_assert_eq(v, 0x1234);
	in[0] = PRV_S;
	cr_assert_eq(vm_set_registers(ctx, 0, VM_REG_PRIV, 1, in), 0);
	cr_assert_eq(vm_get_register(ctx, 0, VM_REG_PRIV, &v), 0);
	cr_assert_eq(v, PRV_S);
	vm_close(ctx);
}

/* EINVAL with errno, and vals[] not touched. */
static void
expect_einval(struct vmctx *ctx, int vcpu, int first, int count)
{
	uint64_t vals[4] = { SENTINEL, SENTINEL, SENTINEL, SENTINEL };
	uint64_t pc;

	errno = 0;
	cr_assert_eq(vm_get_registers(ctx, vcpu, first, count, vals), -1,
	    "get vcpu %d first %d count %d", vcpu, first, count);
	cr_assert_eq(errno, EINVAL, "get vcpu %d first %d count %d: %s",
	    vcpu, first, count, strerror(errno));
	for (int i = 0; i < 4; i++)
		cr_assert_eq(vals[i], SENTINEL);
	cr_assert_eq(vm_get_register(ctx, 0, VM_REG_PC, &pc), 0);
	errno = 0;
	cr_assert_eq(vm_set_registers(ctx, vcpu, first, count, vals), -1);
	cr_assert_eq(errno, EINVAL);
	/* Nothing written: vals[] held a pc that would have changed it. */
	cr_assert_eq(vm_get_register(ctx, 0, VM_REG_PC, &vals[0]), 0);
	cr_assert_eq(vals[0], pc);
}

Test(vm_regs_batch, bad_vcpu_or_range_is_einval)
{
	struct vmctx *ctx = vm_open_new(2, 16u << 20);
	uint64_t vals[4];

	cr_assert_not_null(ctx);
	expect_einval(ctx, -1, 0, 1);
	expect_einval(ctx, 2, 0, 1);
	expect_einval(ctx, INT_MAX, 0, 1);
	expect_einval(ctx, 0, -1, 2);
	expect_einval(ctx, 0, INT_MIN, 2);
	expect_einval(ctx, 0, 0, -1);
	expect_einval(ctx, 0, NREGS, 1);
	expect_einval(ctx, 0, NREGS + 1, 0);
	expect_einval(ctx, 0, VM_REG_LAST, 2);		/* one past the end */
	expect_einval(ctx, 0, 0, NREGS + 1);
	expect_einval(ctx, 0, VM_REG_PC, INT_MAX);	/* first + count overflows */
	expect_einval(ctx, 0, INT_MAX, INT_MAX);

	/* count 0: nothing to do, even at the end of the space, vals NULL. */
	cr_assert_eq(vm_get_registers(ctx, 0, NREGS, 0, NULL), 0);
	cr_assert_eq(vm_set_registers(ctx, 1, 0, 0, NULL), 0);
	/* but a bad vCPU is still refused */
	cr_assert_eq(vm_get_registers(ctx, 5, 0, 0, NULL), -1);
	cr_assert_eq(errno, EINVAL);
	/* The last register alone is a valid range. */
	cr_assert_eq(vm_get_registers(ctx, 0, VM_REG_LAST, 1, vals), 0);
	cr_assert_eq(vals[0], PRV_M);
	/* A missing buffer, as a bad ioctl pointer. */
	cr_assert_eq(vm_get_registers(ctx, 0, 0, 1, NULL), -1);
	cr_assert_eq(errno, EFAULT);
	vm_close(ctx);
}

/*
 * An absent register ends the batch with ENOENT: those before it are read
 * (or written), those after it are not written.
 */
Test(vm_regs_batch, absent_register_stops_the_batch)
{
	struct vmctx *ctx = vm_open_new(1, 16u << 20);
	uint64_t vals[3], v;
	int hole = -1, next = -1;

	cr_assert_not_null(ctx);
	/* The first absent CSR after two present ones, and the next present. */
	for (int r = VM_REG_CSR(2); r < VM_REG_PRIV && hole < 0; r++)
		if (vm_get_register(ctx, 0, r - 2, &v) == 0 &&
		    vm_get_register(ctx, 0, r - 1, &v) == 0 &&
		    vm_get_register(ctx, 0, r, &v) != 0)
			hole = r;
	cr_assert_neq(hole, -1, "no absent CSR after present ones");
	for (int r = hole + 1; r <= VM_REG_PRIV && next < 0; r++)
		if (vm_get_register(ctx, 0, r, &v) == 0)
			next = r;
	cr_assert_neq(next, -1);

	vals[0] = vals[1] = SENTINEL;
	cr_assert_eq(vm_get_registers(ctx, 0, hole - 2, 3, vals), -1);
	cr_assert_eq(errno, ENOENT);
	cr_assert_eq(vm_get_register(ctx, 0, hole - 2, &v), 0);
	cr_assert_eq(vals[0], v);
	cr_assert_eq(vm_get_register(ctx, 0, hole - 1, &v), 0);
	cr_assert_eq(vals[1], v);

	/*
	 * Writes: hole-1 is written (it reads back as a single write of the
	 * same value leaves it: CSRs may mask bits), 'next', the first
	 * present register after the hole, is not.
	 */
	{
		static uint64_t w[NREGS];
		uint64_t orig, single, after_hole;
		int n = next - (hole - 1) + 1;

		cr_assert_eq(vm_get_register(ctx, 0, hole - 1, &orig), 0);
		cr_assert_eq(vm_set_register(ctx, 0, hole - 1, ~orig), 0);
		cr_assert_eq(vm_get_register(ctx, 0, hole - 1, &single), 0);
		cr_assert_eq(vm_set_register(ctx, 0, hole - 1, orig), 0);
		cr_assert_eq(vm_get_register(ctx, 0, next, &after_hole), 0);
		for (int i = 0; i < n; i++)
			w[i] = SENTINEL;
		w[0] = ~orig;
		w[n - 1] = ~after_hole;
		cr_assert_eq(vm_set_registers(ctx, 0, hole - 1, n, w), -1);
		cr_assert_eq(errno, ENOENT);
		cr_assert_eq(vm_get_register(ctx, 0, hole - 1, &v), 0);
		cr_assert_eq(v, single, "register before the hole not written");
		cr_assert_eq(vm_get_register(ctx, 0, next, &v), 0);
		cr_assert_eq(v, after_hole, "register after the hole written");
	}

	/* A value the register refuses: EINVAL, and it keeps its value. */
	vals[0] = PRV_M + 1;	/* not a privilege level: EINVAL */
	cr_assert_eq(vm_get_register(ctx, 0, VM_REG_PRIV, &v), 0);
	cr_assert_eq(vm_set_registers(ctx, 0, VM_REG_PRIV, 1, vals), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(vm_get_register(ctx, 0, VM_REG_PRIV, &vals[1]), 0);
	cr_assert_eq(vals[1], v);
	vm_close(ctx);
}

/*
 * The breakpoint pass (vmm_kern.h): a 'G' that writes the pc cancels it
 * as a 'P pc' does, and a 'g' leaves it.  At VM_RAM_BASE:
 *	+0  addi a0, a0, 1
 *	+4  addi a1, a1, 1		<- the breakpoint
 *	+8  j .-8
 */
static void
run_to_bp(struct vmctx *ctx, uint64_t bp)
{
	struct vm_exit vme;

	memset(&vme, 0, sizeof(vme));
	cr_assert_eq(vm_run(ctx, 0, &vme), 0, "%s", strerror(errno));
	cr_assert_eq(vme.exitcode, VM_EXITCODE_BPT, "exit %d", vme.exitcode);
	cr_assert_eq(vme.pc, bp);
}

Test(vm_regs_batch, a_batch_pc_write_cancels_the_breakpoint_pass)
{
	static const uint32_t code[] = { 0x00150513, 0x00158593, 0xff9ff06f };
	const uint64_t bp = VM_RAM_BASE + 4;
	struct vmctx *ctx = vm_open_new(1, 16u << 20);
	uint64_t g[G_REGS];
	void *ram;

	cr_assert_not_null(ctx);
	ram = vm_map_gpa(ctx, VM_RAM_BASE, sizeof(code));
	cr_assert_not_null(ram);
	memcpy(ram, code, sizeof(code));
	cr_assert_eq(vm_activate_cpu(ctx, 0), 0);
	cr_assert_eq(vm_hart_start(ctx, 0, VM_RAM_BASE, 0, 0, PRV_M), 0);
	cr_assert_eq(vm_set_breakpoint(ctx, bp, true), 0);

	/* A read keeps the pass: the next run goes once round the loop. */
	run_to_bp(ctx, bp);
	cr_assert_eq(vm_get_registers(ctx, 0, 0, G_REGS, g), 0);
	cr_assert_eq(g[VM_REG_X(11)], 0);
	run_to_bp(ctx, bp);
	cr_assert_eq(vm_get_registers(ctx, 0, 0, G_REGS, g), 0);
	cr_assert_eq(g[VM_REG_X(11)], 1, "a batch read cancelled the pass");

	/* A 'G' of the same values, pc included: the stop comes again. */
	cr_assert_eq(vm_set_registers(ctx, 0, 1, G_REGS - 1, &g[1]), 0);
	run_to_bp(ctx, bp);
	cr_assert_eq(vm_get_registers(ctx, 0, 0, G_REGS, g), 0);
	cr_assert_eq(g[VM_REG_X(11)], 1, "passed the breakpoint after a batch pc write");
	cr_assert_eq(g[VM_REG_X(10)], 2, "ran anything before stopping");

	/* A batch that stops short of the pc keeps the pass. */
	cr_assert_eq(vm_set_registers(ctx, 0, 1, VM_REG_PC - 1, &g[1]), 0);
	run_to_bp(ctx, bp);
	cr_assert_eq(vm_get_registers(ctx, 0, 0, G_REGS, g), 0);
	cr_assert_eq(g[VM_REG_X(11)], 2);
	vm_close(ctx);
}

/* ---- run control ------------------------------------------------------- */

#define NCPU	2
#define BOUND_MS 5000	/* generous: a loaded 2-core machine */

/* Unexpected exits the harness's vCPU thread counted (it writes under mtx). */
static int
exits(struct rc *rc, int vcpu)
{
	int n;

	pthread_mutex_lock(&rc->mtx);
	n = rc->exits[vcpu];
	pthread_mutex_unlock(&rc->mtx);
	return n;
}

/* x10 = vCPU id, x11 = its slot, pc in PROG_COUNT's three instructions. */
static void
check_counting_snapshot(int vcpu, const uint64_t *g)
{
	cr_assert_eq(g[VM_REG_X(0)], 0);
	cr_assert_eq(g[VM_REG_X(10)], (uint64_t)vcpu);
	cr_assert_eq(g[VM_REG_X(11)], SLOTS + 8 * (uint64_t)vcpu);
	cr_assert(g[VM_REG_PC] == PROG_COUNT || g[VM_REG_PC] == PROG_COUNT + 4 ||
	    g[VM_REG_PC] == PROG_COUNT + 8, "pc %#llx",
	    (unsigned long long)g[VM_REG_PC]);
}

Test(vm_regs_batch, running_vcpu_is_frozen_once_and_runs_on)
{
	struct rc *rc = rc_create_counting(NCPU);
	uint64_t g[G_REGS], t0_prev[NCPU] = { 0 }, big = UINT64_C(1) << 40;

	/* Reads of busy vCPUs: each returns, coherent, and they keep going. */
	for (int round = 0; round < 200; round++) {
		for (int i = 0; i < NCPU; i++) {
			cr_assert_eq(vm_get_registers(rc->ctx, i, 0, G_REGS, g),
			    0, "%s", strerror(errno));
			check_counting_snapshot(i, g);
			cr_assert_geq(g[VM_REG_X(5)], t0_prev[i],
			    "t0 went back");
			t0_prev[i] = g[VM_REG_X(5)];
		}
	}
	for (int i = 0; i < NCPU; i++)
		cr_assert(rc_wait_progress(rc, i, rc_instret(rc, i), BOUND_MS),
		    "vCPU %d stopped after batch reads", i);

	/* A write to a running vCPU lands: its counter jumps to 2^40. */
	g[0] = big;
	cr_assert_eq(vm_set_registers(rc->ctx, 1, VM_REG_X(5), 1, g), 0);
	for (int64_t end = rc_now_ns() + BOUND_MS * INT64_C(1000000);
	    rc_slot(rc, 1) < big && rc_now_ns() < end;)
		rc_sleep_ms(1);
	cr_assert_geq(rc_slot(rc, 1), big, "the written t0 never reached memory");
	cr_assert_lt(rc_slot(rc, 0), big, "vCPU 0 got vCPU 1's write");
	for (int i = 0; i < NCPU; i++)
		cr_assert_eq(exits(rc, i), 0, "vCPU %d: unexpected exits", i);
	rc_destroy(rc);
}

Test(vm_regs_batch, debugged_vcpu_stays_parked)
{
	struct rc *rc = rc_create_counting(NCPU);
	uint64_t g[G_REGS], g2[G_REGS], ref, slot, instret;
	cpuset_t want, dbg;

	cr_assert_eq(vm_suspend_cpu(rc->ctx, 0), 0);
	cpuset_zero(&want);
	cpuset_set(0, &want);
	cr_assert(rc_wait_parked(rc, &want, BOUND_MS), "vCPU 0 did not park");
	instret = rc_instret(rc, 0);

	cr_assert_eq(vm_get_registers(rc->ctx, 0, 0, G_REGS, g), 0);
	check_counting_snapshot(0, g);
	for (int r = 0; r < G_REGS; r++) {
		cr_assert_eq(vm_get_register(rc->ctx, 0, r, &ref), 0);
		cr_assert_eq(g[r], ref, "register %d", r);
	}
	/*
	 * The snapshot agrees with memory: between addi and sd (pc +4) the
	 * slot still has the previous count, elsewhere it has t0.
	 */
	slot = rc_slot(rc, 0);
	cr_assert_eq(slot, g[VM_REG_PC] == PROG_COUNT + 4 ?
	    g[VM_REG_X(5)] - 1 : g[VM_REG_X(5)], "slot %llu t0 %llu pc %#llx",
	    (unsigned long long)slot, (unsigned long long)g[VM_REG_X(5)],
	    (unsigned long long)g[VM_REG_PC]);

	/* Batch write while parked: the same values back, t0 moved on. */
	g[VM_REG_X(5)] = UINT64_C(1) << 41;
	cr_assert_eq(vm_set_registers(rc->ctx, 0, 1, G_REGS - 1, &g[1]), 0);
	rc_sleep_ms(20);
	cr_assert(rc_is_parked(rc, 0), "a batch woke the parked thread");
	cr_assert_eq(vm_debug_cpus(rc->ctx, &dbg), 0);
	cr_assert(cpuset_isset(0, &dbg), "a batch took vCPU 0 out of debug");
	cr_assert_eq(rc_instret(rc, 0), instret, "a parked vCPU ran");
	cr_assert_eq(vm_get_registers(rc->ctx, 0, 0, G_REGS, g2), 0);
	cr_assert_arr_eq(g2, g, sizeof(g));
	/* vCPU 1 was never held. */
	cr_assert(rc_wait_progress(rc, 1, rc_instret(rc, 1), BOUND_MS));

	cr_assert_eq(rc_resume(rc, 0), 0);
	cr_assert(rc_wait_progress(rc, 0, instret, BOUND_MS),
	    "vCPU 0 did not run after resume");
	for (int64_t end = rc_now_ns() + BOUND_MS * INT64_C(1000000);
	    rc_slot(rc, 0) < (UINT64_C(1) << 41) && rc_now_ns() < end;)
		rc_sleep_ms(1);
	cr_assert_geq(rc_slot(rc, 0), UINT64_C(1) << 41);
	rc_destroy(rc);
}

static bool
wait_in_wfi(struct rc *rc, int vcpu)
{
	struct vcpu_info info;

	for (int64_t end = rc_now_ns() + BOUND_MS * INT64_C(1000000);
	    rc_now_ns() < end; rc_sleep_ms(1)) {
		cr_assert_eq(vm_get_vcpu_info(rc->ctx, vcpu, &info), 0);
		if (info.in_wfi)
			return true;
	}
	return false;
}

/*
 * A vCPU asleep in WFI inside vm_run() is read where it sleeps: no exit,
 * no park, and it goes back to its sleep.
 */
Test(vm_regs_batch, sleeping_vcpu_is_read_in_place)
{
	struct rc *rc = rc_create(1);
	uint64_t g[G_REGS];
	cpuset_t none;

	rc_start_hart(rc, 0, PROG_WFI);
	rc_run_threads(rc);
	cr_assert(wait_in_wfi(rc, 0), "the vCPU never slept in WFI");
	for (int i = 0; i < 50; i++) {
		cr_assert_eq(vm_get_registers(rc->ctx, 0, 0, G_REGS, g), 0);
		cr_assert(g[VM_REG_PC] == PROG_WFI ||
		    g[VM_REG_PC] == PROG_WFI + 4,
		    "pc %#llx", (unsigned long long)g[VM_REG_PC]);
		cr_assert_eq(g[VM_REG_X(10)], 0);
		cr_assert_eq(g[VM_REG_X(11)], SLOTS);
	}
	cr_assert(wait_in_wfi(rc, 0), "the vCPU did not sleep again");
	cpuset_zero(&none);
	cr_assert(rc_wait_parked(rc, &none, 10), "a read parked the vCPU");
	cr_assert_eq(exits(rc, 0), 0, "unexpected exits");
	rc_destroy(rc);
}
