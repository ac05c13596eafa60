/*
 * fuzz_jit_diff.c - libFuzzer harness that runs the same guest code on
 * both hart engines (vm_open_engine: the interpreter, the reference, and
 * the JIT, vmm/jit/jit.h) and aborts if they disagree.  Driven through
 * vmmapi only.
 *
 * Feeds: a flags byte, then either
 *  - (F_RAW clear) the randomness of a generated program
 *    (tests/unit/rv_gen.h: integer, M, compressed, loads/stores, loops,
 *    far jumps, CSRs, FP, AMOs, LR/SC, fences, traps into a handler,
 *    self-modifying stores; it always ends in an ebreak), its initial
 *    registers and data included: the input's bytes are its PRNG's
 *    first draws; or
 *  - (F_RAW set) raw code, copied to RVG_CODE and followed by an ebreak,
 *    with registers and data from a PRNG seeded by the input's length
 *    and first bytes.
 * Each input runs on a fresh interpreter VM and a fresh JIT VM
 * (M-mode, mtvec at rvg_gen.h's handler, VM_CAP_BPT_EXIT), twice:
 *  1. MTRAP-step lockstep (VM_CAP_MTRAP_EXIT, at most MAX_STEPS steps):
 *     the same exit after every step, and x registers, pc and instret
 *     equal after every step; everything (below) at the end;
 *  2. free: the JIT runs freely; a generated program to its ebreak (it
 *     ends, at most a few hundred thousand instructions), raw code until
 *     a watchdog kicks it (vm_suspend_cpu) after RUN_NS; the interpreter
 *     is then stepped to the JIT's instret (at most FREE_CAP
 *     instructions: a JIT that ran further is not compared).
 * MMIO exits are answered with an access fault on both.
 *
 * Asserts: equal exits, and at the compared points every x and f
 * register, pc, privilege, instret, fcsr, mstatus, mcause, mepc, mtval,
 * mscratch, minstret, and all of guest RAM.  (And ASan/UBSan: no memory
 * error in either engine.)
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "vmmapi/vmmapi.h"

#include "fuzz_util.h"
#include "fuzz_watchdog.h"
#include "tests/unit/rv_gen.h"

#define MAX_STEPS	3000
#define FREE_CAP	200000		/* interpreter steps to catch up with the JIT */
#define MAX_EXITS	100000
#define RUN_NS		200000		/* raw code, free: 0.2 ms */
#define RAW_MAX		0x4000

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define F_RAW		0x01
#define F_DEEP		0x02	/* generated: loops nest twice */
#define F_LONG		0x04	/* generated: more items, longer loops */

static const int csrs[] = { RVG_FCSR, RVG_MSTATUS, RVG_MCAUSE, RVG_MEPC,
    RVG_MTVAL, RVG_MSCRATCH, RVG_MINSTRET };
#define NCSRS	((int)(sizeof(csrs) / sizeof(csrs[0])))
#define NREGS	(65 + NCSRS + 2)	/* x, pc, f, csrs, priv, instret */

/* ---- state -------------------------------------------------------------- */

static uint64_t
get(struct vmctx *ctx, int r)
{
	uint64_t v = 0;

	CHECK(vm_get_register(ctx, 0, r, &v) == 0);
	return v;
}

static uint64_t
instret(struct vmctx *ctx)
{
	struct vcpu_info info;

	CHECK(vm_get_vcpu_info(ctx, 0, &info) == 0);
	return info.instret;
}

/* r[0..64]: VM_REG_X(0..31), pc, f0..f31; then csrs[], priv, instret. */
static void
take(struct vmctx *ctx, uint64_t *r, bool full)
{
	memset(r, 0, NREGS * sizeof(*r));
	for (int i = 1; i <= 32; i++)
		r[i] = get(ctx, i);
	r[NREGS - 1] = instret(ctx);
	if (!full)
		return;
	for (int i = 33; i < 65; i++)
		r[i] = get(ctx, i);
	for (int i = 0; i < NCSRS; i++)
		r[65 + i] = get(ctx, VM_REG_CSR(csrs[i]));
	r[NREGS - 2] = get(ctx, VM_REG_PRIV);
}

static void
compare(struct vmctx *c[2], bool full, const char *where)
{
	uint64_t a[NREGS], b[NREGS];
	const uint8_t *x, *y;

	take(c[0], a, full);
	take(c[1], b, full);
	for (int i = 0; i < NREGS; i++) {
		if (a[i] != b[i]) {
			fprintf(stderr, "%s: register %d (0..31 x, 32 pc, 33.. f, 65.. "
			    "fcsr mstatus mcause mepc mtval mscratch minstret, priv, "
			    "instret) differs: interp %#lx, jit %#lx (pc %#lx / %#lx,"
			    " instret %lu / %lu)\n", where, i, (unsigned long)a[i],
			    (unsigned long)b[i], (unsigned long)a[32],
			    (unsigned long)b[32], (unsigned long)a[NREGS - 1],
			    (unsigned long)b[NREGS - 1]);
			CHECK(!"the engines differ");
		}
	}
	if (!full)
		return;
	x = vm_map_gpa(c[0], RVG_RAM, RVG_RAM_SIZE);
	y = vm_map_gpa(c[1], RVG_RAM, RVG_RAM_SIZE);
	CHECK(x != NULL && y != NULL);
	if (memcmp(x, y, RVG_RAM_SIZE) != 0) {
		for (size_t i = 0; i < RVG_RAM_SIZE; i++)
			if (x[i] != y[i]) {
				fprintf(stderr, "%s: RAM at %#lx differs: interp %#x, "
				    "jit %#x\n", where, (unsigned long)(RVG_RAM + i),
				    x[i], y[i]);
				break;
			}
		CHECK(!"the engines' RAM differs");
	}
}

static struct vm_exit
run1(struct vmctx *ctx)
{
	struct vm_exit vme;

	memset(&vme, 0, sizeof(vme));
	do
		CHECK(vm_run(ctx, 0, &vme) == 0);
	while (vme.exitcode == VM_EXITCODE_BOGUS);
	CHECK(vme.exitcode > 0 && vme.exitcode < VM_EXITCODE_MAX);
	if (vme.exitcode == VM_EXITCODE_MMIO)
		vme.u.mmio.fault = true;	/* completes at the next vm_run */
	return vme;
}

static bool
is_end(const struct vm_exit *vme)
{
	return vme->exitcode == VM_EXITCODE_BPT;
}

static struct vmctx *
new_vm(int engine, const uint8_t *code, size_t len, const struct rvg_state *st)
{
	struct vmctx *ctx = vm_open_engine(1, RVG_RAM_SIZE, engine);
	uint8_t *ram;

	CHECK(ctx != NULL);
	ram = vm_map_gpa(ctx, RVG_RAM, RVG_RAM_SIZE);
	CHECK(ram != NULL);
	memcpy(ram + (RVG_HANDLER - RVG_RAM), rvg_handler, sizeof(rvg_handler));
	memcpy(ram + (RVG_CODE - RVG_RAM), code, len);
	memcpy(ram + (RVG_DATA - RVG_RAM), st->data, RVG_DATA_SIZE);
	CHECK(vm_activate_cpu(ctx, 0) == 0);
	CHECK(vm_set_capability(ctx, 0, VM_CAP_BPT_EXIT, 1) == 0);
	CHECK(vm_hart_start(ctx, 0, RVG_CODE, 0, 0, PRV_M) == 0);
	for (int i = 1; i < 32; i++)
		CHECK(vm_set_register(ctx, 0, VM_REG_X(i), st->x[i]) == 0);
	for (int i = 0; i < 32; i++)
		CHECK(vm_set_register(ctx, 0, VM_REG_F(i), st->f[i]) == 0);
	CHECK(vm_set_register(ctx, 0, VM_REG_CSR(RVG_MSTATUS), RVG_MSTATUS_INIT) == 0);
	CHECK(vm_set_register(ctx, 0, VM_REG_CSR(RVG_FCSR), st->fcsr) == 0);
	CHECK(vm_set_register(ctx, 0, VM_REG_CSR(RVG_MTVEC), RVG_HANDLER) == 0);
	CHECK(vm_set_register(ctx, 0, VM_REG_CSR(RVG_MSCRATCH), st->mscratch) == 0);
	return ctx;
}

/* 1. Both stepped, compared after every step. */
static void
lockstep(struct vmctx *c[2])
{
	for (int e = 0; e < 2; e++)
		CHECK(vm_set_capability(c[e], 0, VM_CAP_MTRAP_EXIT, 1) == 0);
	for (int n = 0; n < MAX_STEPS; n++) {
		struct vm_exit a = run1(c[0]), b = run1(c[1]);

		if (a.exitcode != b.exitcode || a.pc != b.pc) {
			fprintf(stderr, "step %d: interp exit %d at %#lx, jit exit %d"
			    " at %#lx\n", n, a.exitcode, (unsigned long)a.pc,
			    b.exitcode, (unsigned long)b.pc);
			CHECK(!"the engines' exits differ");
		}
		compare(c, n % 256 == 0, "lockstep");
		if (is_end(&a))
			break;
	}
	compare(c, true, "lockstep, at the end");
}

/*
 * 2. The JIT free (to its ebreak, or kicked), the interpreter stepped to
 * the JIT's instret; then the same exit (an ebreak) or state.
 */
static void
free_run(struct vmctx *c[2], bool raw)
{
	struct vm_exit b = { 0 };
	uint64_t n;
	int k;

	CHECK(vm_set_capability(c[0], 0, VM_CAP_MTRAP_EXIT, 1) == 0);
	if (raw)
		fuzz_wd_arm(c[1], RUN_NS);
	for (k = 0; k < MAX_EXITS; k++) {
		b = run1(c[1]);
		if (is_end(&b) || b.exitcode == VM_EXITCODE_DEBUG)
			break;
	}
	fuzz_wd_disarm();
	(void)vm_resume_cpu(c[1], 0);		/* if it was kicked */
	if (k == MAX_EXITS)
		return;		/* only raw code can take that many exits */
	n = instret(c[1]);
	if (n > FREE_CAP)
		return;		/* too far to catch up with, one step at a time */
	while (instret(c[0]) < n) {
		struct vm_exit a = run1(c[0]);

		CHECK(!is_end(&a));
	}
	/* The JIT may stop right after a trap entry (which retires nothing). */
	for (int t = 0; t < 2 && !is_end(&b) &&
	    get(c[0], VM_REG_PC) != get(c[1], VM_REG_PC); t++) {
		struct vm_exit a = run1(c[0]);

		if (is_end(&a))
			break;
	}
	if (is_end(&b)) {
		struct vm_exit a = run1(c[0]);

		if (!is_end(&a)) {
			fprintf(stderr, "the JIT ends at %#lx (instret %lu), the "
			    "interpreter does not (exit %d at %#lx)\n",
			    (unsigned long)b.pc, (unsigned long)n, a.exitcode,
			    (unsigned long)a.pc);
			CHECK(!"the engines end differently");
		}
	}
	compare(c, true, is_end(&b) ? "free, at the end" : "free, kicked");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rvg g;
	static struct rvg_state st;
	struct rvg_params prm = { .items = 20, .max_trip = 8, .max_depth = 1 };
	const uint8_t *code;
	size_t len;
	uint8_t flags;
	bool raw;

	fuzz_wd_start();
	if (size < 2)
		return 0;
	flags = data[0];
	raw = (flags & F_RAW) != 0;
	if (flags & F_DEEP)
		prm.max_depth = 2;
	if (flags & F_LONG) {
		prm.items = 60;
		prm.max_trip = 24;
	}
	if (raw) {
		uint64_t seed = size;
		static uint8_t buf[RAW_MAX + 4];

		for (size_t i = 1; i < size && i < 9; i++)
			seed = seed << 8 ^ data[i];
		/* registers and data from the PRNG; no program from it */
		prm.items = 0;
		CHECK(rvg_generate(&g, &st, &prm, seed, NULL, 0));
		len = size - 1 < RAW_MAX ? size - 1 : RAW_MAX;
		memcpy(buf, data + 1, len);
		len &= ~(size_t)1;
		memcpy(buf + len, &(uint32_t){ RVG_EBREAK }, 4);
		len += 4;
		code = buf;
	} else {
		if (!rvg_generate(&g, &st, &prm, size, data + 1, size - 1))
			return 0;
		code = g.code;
		len = g.len;
	}

	for (int pass = 0; pass < 2; pass++) {
		struct vmctx *c[2];

		for (int e = 0; e < 2; e++)
			c[e] = new_vm(e == 0 ? VM_ENGINE_INTERP : VM_ENGINE_JIT,
			    code, len, &st);
		if (pass == 0)
			lockstep(c);
		else
			free_run(c, raw);
		for (int e = 0; e < 2; e++)
			vm_close(c[e]);
	}
	return 0;
}
