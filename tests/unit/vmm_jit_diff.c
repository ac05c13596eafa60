/*
 * Differential tests of the two hart engines (vmm/jit/jit.h: "the
 * interpreter is the JIT's reference; differential tests keep them
 * equal").  Random RV64GC programs (rv_gen.h: integer, M, compressed,
 * loads/stores of every width incl. misaligned and page-crossing ones,
 * loops, far jumps, CSRs, FP, AMOs, LR/SC, fences, traps into a handler,
 * self-modifying stores) run on two VMs, one per engine, from the same
 * registers and memory to their ebreak (VM_CAP_BPT_EXIT), and must end
 * in the same state: every x and f register, pc, privilege, instret
 * (exactly), fcsr, mstatus, mcause, mepc, mtval, mscratch, minstret,
 * and every byte of the data and code areas.
 *
 * Besides the free runs, some programs run
 *  - with the JIT's vCPU stepped (VM_CAP_MTRAP_EXIT) a few instructions
 *    first, so that blocks are entered in the middle;
 *  - in MTRAP-step lockstep, compared after every step;
 *  - under vmm breakpoints: both stop at the same pc and instret;
 *  - a second time after a host write into their code and
 *    vm_invalidate_code(), compared with a fresh interpreter VM too, so
 *    that running the old code on both engines cannot pass;
 *  - (vmm_jit_diff.kicked) freely on the JIT while another thread kicks
 *    the vCPU (vm_suspend_cpu) at random times: at each stop the
 *    interpreter is stepped to the JIT's instret and must agree.
 *
 * A mismatch prints the seed, the mode, the program (as .word/.half
 * lines for an assembler, at RVG_CODE) and the first register or byte
 * that differs.  Reproduce one seed with JIT_DIFF_SEED=N (decimal or
 * 0x...): every random test then runs that seed only; JIT_DIFF_DUMP=1
 * prints each program run; JIT_DIFF_SCALE=K runs K times as many seeds.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "vmm/vmm.h"
#include "vmm/vmm_kern.h"

#include "rv_gen.h"

#define SEED_BASE	UINT64_C(0x5eed000000)
#define NCHUNKS		8
#define PER_CHUNK	250	/* NCHUNKS * PER_CHUNK programs per run */
#define MAX_EXITS	100000	/* a run that takes more exits is a failure */

/* ---- state snapshots ---------------------------------------------------- */

static const struct { int csr; const char *name; } csrs[] = {
	{ RVG_FCSR, "fcsr" }, { RVG_MSTATUS, "mstatus" },
	{ RVG_MCAUSE, "mcause" }, { RVG_MEPC, "mepc" }, { RVG_MTVAL, "mtval" },
	{ RVG_MSCRATCH, "mscratch" }, { RVG_MINSTRET, "minstret" },
};
#define NCSRS		((int)(sizeof(csrs) / sizeof(csrs[0])))
#define S_PRIV		(65 + NCSRS)
#define S_INSTRET	(S_PRIV + 1)
#define S_N		(S_INSTRET + 1)

/* r[0..64] are VM_REG_X(0..31), VM_REG_PC, VM_REG_F(0..31); then csrs[], priv, instret. */
struct snap {
	uint64_t	r[S_N];
};

static const char *
snap_name(int i, char *buf, size_t n)
{
	if (i < 32)
		snprintf(buf, n, "x%d", i);
	else if (i == 32)
		snprintf(buf, n, "pc");
	else if (i < 65)
		snprintf(buf, n, "f%d", i - 33);
	else if (i < S_PRIV)
		snprintf(buf, n, "%s", csrs[i - 65].name);
	else
		snprintf(buf, n, i == S_PRIV ? "priv" : "instret");
	return buf;
}

/* The two engines' VMs and what they run. */
struct pair {
	struct vm	*vm[2];		/* [0] interpreter, [1] JIT */
	uint64_t	 seed;
	const char	*mode;
	const struct rvg *g;
};

static const char *const eng_name[2] = { "interp", "jit" };

static struct vm *
new_vm(int engine)
{
	struct vm_config cfg = { .ncpus = 1, .ram_size = RVG_RAM_SIZE,
	    .engine = engine };
	struct vm *vm;
	int e = vm_create(&cfg, &vm);

	if (e == ENOTSUP)
		cr_skip_test("engine %d not supported on this host", engine);
	cr_assert_eq(e, 0, "vm_create: %s", strerror(e));
	cr_assert_eq(vm_activate_cpu(vm, 0), 0);
	cr_assert_eq(vm_set_capability(vm, 0, VM_CAP_BPT_EXIT, 1), 0);
	cr_assert_eq(vm_hart_start(vm, 0, RVG_CODE, 0, 0, PRV_M), 0);
	return vm;
}

static uint64_t
reg(struct vm *vm, int r)
{
	uint64_t v = 0;

	cr_assert_eq(vm_get_register(vm, 0, r, &v), 0, "get register %d", r);
	return v;
}

static void
set_reg(struct vm *vm, int r, uint64_t v)
{
	cr_assert_eq(vm_set_register(vm, 0, r, v), 0, "set register %d", r);
}

static uint64_t
instret(struct vm *vm)
{
	struct vcpu_info info;

	cr_assert_eq(vm_get_vcpu_info(vm, 0, &info), 0);
	return info.instret;
}

static void
take(struct vm *vm, struct snap *s, bool full)
{
	memset(s, 0, sizeof(*s));
	for (int i = 1; i <= 32; i++)
		s->r[i] = reg(vm, i);
	s->r[S_INSTRET] = instret(vm);
	if (!full)
		return;
	for (int i = 0; i < 32; i++)
		s->r[33 + i] = reg(vm, VM_REG_F(i));
	for (int i = 0; i < NCSRS; i++)
		s->r[65 + i] = reg(vm, VM_REG_CSR(csrs[i].csr));
	s->r[S_PRIV] = reg(vm, VM_REG_PRIV);
}

/* Print the program as assembler input. */
static void
dump_program(const struct rvg *g)
{
	uint32_t i;

	fprintf(stderr, "program at %#" PRIx64 " (%u bytes):\n", RVG_CODE, g->len);
	for (i = 0; i + 4 <= g->len; i += 4) {
		uint32_t w;

		memcpy(&w, g->code + i, 4);
		fprintf(stderr, "%s.word 0x%08x%s", i % 32 == 0 ? "\t" : "", w,
		    i % 32 == 28 ? "\n" : "; ");
	}
	if (i < g->len) {
		uint16_t h;

		memcpy(&h, g->code + i, 2);
		fprintf(stderr, ".half 0x%04x", h);
	}
	fprintf(stderr, "\n");
}

static void
report(const struct pair *p, const char *what)
{
	fprintf(stderr, "\nJIT MISMATCH: seed %#" PRIx64 " (JIT_DIFF_SEED=%#" PRIx64
	    "), mode %s: %s\n", p->seed, p->seed, p->mode, what);
	if (p->g != NULL)
		dump_program(p->g);
}

#define FAIL(p, ...) do {						\
	char msg_[512];							\
									\
	snprintf(msg_, sizeof(msg_), __VA_ARGS__);			\
	report(p, msg_);						\
	cr_assert_fail("seed %#" PRIx64 " %s: %s", (p)->seed, (p)->mode, msg_); \
} while (0)

/* The first entry that differs (x, pc and instret only unless full), or -1. */
static int
first_diff(const struct snap *a, const struct snap *b, bool full)
{
	for (int i = 1; i < S_N; i++) {
		if (!full && i > 32 && i != S_INSTRET)
			continue;
		if (a->r[i] != b->r[i])
			return i;
	}
	return -1;
}

static void
same(const struct pair *p, const struct snap *a, const struct snap *b,
    bool full, const char *where)
{
	int i = first_diff(a, b, full);
	char name[32];

	if (i >= 0)
		FAIL(p, "%s: %s differs: interp %#" PRIx64 ", jit %#" PRIx64
		    " (interp pc %#" PRIx64 " instret %" PRIu64 ", jit pc %#"
		    PRIx64 " instret %" PRIu64 ")", where,
		    snap_name(i, name, sizeof(name)), a->r[i], b->r[i],
		    a->r[32], a->r[S_INSTRET], b->r[32], b->r[S_INSTRET]);
}

static void
same_mem(const struct pair *p, struct vm *a, struct vm *b, const char *where)
{
	static const struct { uint64_t gpa, len; } area[] = {
		{ RVG_DATA, RVG_DATA_SIZE }, { RVG_CODE, RVG_CODE_MAX },
		{ RVG_HANDLER, 0x1000 },
	};

	for (size_t k = 0; k < sizeof(area) / sizeof(area[0]); k++) {
		const uint8_t *x = vm_gpa2hva(a, area[k].gpa, area[k].len);
		const uint8_t *y = vm_gpa2hva(b, area[k].gpa, area[k].len);

		cr_assert(x != NULL && y != NULL);
		if (memcmp(x, y, area[k].len) == 0)
			continue;
		for (uint64_t i = 0; i < area[k].len; i++)
			if (x[i] != y[i])
				FAIL(p, "%s: memory at %#" PRIx64 " differs: interp %#x,"
				    " jit %#x", where, area[k].gpa + i, x[i], y[i]);
	}
}

/* Full state and memory of both. */
static void
compare(const struct pair *p, const char *where)
{
	struct snap a, b;

	take(p->vm[0], &a, true);
	take(p->vm[1], &b, true);
	same(p, &a, &b, true, where);
	same_mem(p, p->vm[0], p->vm[1], where);
}

/* ---- loading and running ------------------------------------------------ */

static void
set_state(struct vm *vm, const struct rvg_state *st)
{
	for (int i = 1; i < 32; i++)
		set_reg(vm, VM_REG_X(i), st->x[i]);
	for (int i = 0; i < 32; i++)
		set_reg(vm, VM_REG_F(i), st->f[i]);
	set_reg(vm, VM_REG_CSR(RVG_MSTATUS), RVG_MSTATUS_INIT);
	set_reg(vm, VM_REG_CSR(RVG_FCSR), st->fcsr);
	set_reg(vm, VM_REG_CSR(RVG_MTVEC), RVG_HANDLER);
	set_reg(vm, VM_REG_CSR(RVG_MSCRATCH), st->mscratch);
	set_reg(vm, VM_REG_CSR(RVG_MEPC), 0);
	set_reg(vm, VM_REG_CSR(RVG_MCAUSE), 0);
	set_reg(vm, VM_REG_CSR(RVG_MTVAL), 0);
	set_reg(vm, VM_REG_CSR(RVG_MINSTRET), 0);
	set_reg(vm, VM_REG_CSR(0xb00), 0);	/* mcycle */
	set_reg(vm, VM_REG_PC, RVG_CODE);
}

static void
poke(struct vm *vm, uint64_t gpa, const void *src, size_t len)
{
	void *dst = vm_gpa2hva(vm, gpa, len);

	cr_assert_not_null(dst);
	memcpy(dst, src, len);
}

static void
load(struct vm *vm, const struct rvg *g, const struct rvg_state *st)
{
	poke(vm, RVG_HANDLER, rvg_handler, sizeof(rvg_handler));
	poke(vm, RVG_CODE, g->code, g->len);
	poke(vm, RVG_DATA, st->data, RVG_DATA_SIZE);
	vm_invalidate_code(vm, 0, 0);
	set_state(vm, st);
}

/* One vm_run(); MMIO (never expected) faults. */
static struct vm_exit
run1(struct vm *vm)
{
	struct vm_exit vme;

	memset(&vme, 0, sizeof(vme));
	for (;;) {
		cr_assert_eq(vm_run(vm_vcpu(vm, 0), &vme), 0);
		if (vme.exitcode != VM_EXITCODE_BOGUS)
			break;
	}
	if (vme.exitcode == VM_EXITCODE_MMIO)
		vme.u.mmio.fault = true;
	return vme;
}

static bool
is_end(const struct vm_exit *vme)
{
	return vme->exitcode == VM_EXITCODE_BPT && vme->u.bpt.guest;
}

/* Run to the program's ebreak (or a vmm breakpoint); the exit. */
static struct vm_exit
run_stop(const struct pair *p, int e)
{
	for (int n = 0; n < MAX_EXITS; n++) {
		struct vm_exit vme = run1(p->vm[e]);

		if (vme.exitcode == VM_EXITCODE_BPT)
			return vme;
		if (vme.exitcode != VM_EXITCODE_MTRAP &&
		    vme.exitcode != VM_EXITCODE_MMIO)
			FAIL(p, "%s: unexpected exit %d at %#" PRIx64, eng_name[e],
			    vme.exitcode, vme.pc);
	}
	FAIL(p, "%s: no ebreak after %d exits", eng_name[e], MAX_EXITS);
	return (struct vm_exit){ 0 };
}

static void
mtrap(struct vm *vm, bool on)
{
	cr_assert_eq(vm_set_capability(vm, 0, VM_CAP_MTRAP_EXIT, on), 0);
}

/* ---- the modes ---------------------------------------------------------- */

static bool dump_all;
/* Per test process: programs run, seeds without a program, instructions. */
static int nrun, nskip;
static uint64_t ninsns;

static uint64_t
seed_of(int chunk, int i)
{
	return SEED_BASE + (uint64_t)chunk * 100000 + (uint64_t)i;
}

/* Both run freely to the end (the JIT's first 'pre' instructions stepped). */
static void
mode_free(struct pair *p, int pre)
{
	struct vm_exit a, b = { 0 };
	bool ended = false;

	if (pre > 0) {
		p->mode = "free (JIT stepped first)";
		mtrap(p->vm[1], true);
		for (int i = 0; i < pre && !ended; i++) {
			b = run1(p->vm[1]);
			ended = b.exitcode == VM_EXITCODE_BPT;
		}
		mtrap(p->vm[1], false);
	}
	a = run_stop(p, 0);
	if (!ended)
		b = run_stop(p, 1);
	if (a.pc != b.pc || !is_end(&a) || !is_end(&b))
		FAIL(p, "end: interp stops at %#" PRIx64 " (exit %d), jit at %#"
		    PRIx64 " (exit %d)", a.pc, a.exitcode, b.pc, b.exitcode);
	compare(p, "at the end");
}

/* Both stepped (VM_CAP_MTRAP_EXIT), compared after every step. */
static void
mode_lockstep(struct pair *p, int max_steps)
{
	struct snap a, b;
	int n;

	p->mode = "lockstep";
	mtrap(p->vm[0], true);
	mtrap(p->vm[1], true);
	for (n = 0; n < max_steps; n++) {
		struct vm_exit ea = run1(p->vm[0]), eb = run1(p->vm[1]);
		char where[64];

		snprintf(where, sizeof(where), "after step %d", n + 1);
		if (ea.exitcode != eb.exitcode || ea.pc != eb.pc)
			FAIL(p, "%s: exits differ: interp %d at %#" PRIx64 ", jit %d at %#"
			    PRIx64, where, ea.exitcode, ea.pc, eb.exitcode, eb.pc);
		take(p->vm[0], &a, n % 64 == 0);
		take(p->vm[1], &b, n % 64 == 0);
		same(p, &a, &b, n % 64 == 0, where);
		if (is_end(&ea))
			break;
	}
	mtrap(p->vm[0], false);
	mtrap(p->vm[1], false);
	if (n == max_steps) {
		p->mode = "lockstep, then free";
		mode_free(p, 0);
	} else {
		compare(p, "at the end");
	}
}

/* Instruction starts of the program, for breakpoints (patchable ALU ops). */
static void
mode_breakpoints(struct pair *p, const struct rvg *g)
{
	uint64_t bp[3];
	int nbp = 0, hits = 0;

	p->mode = "breakpoints";
	for (int i = 0; i < 3 && g->npatch > 0; i++) {
		uint64_t a = RVG_CODE + g->patch[(g->npatch * (i + 1)) / 4 % g->npatch];
		bool dup = false;

		for (int k = 0; k < nbp; k++)
			dup |= bp[k] == a;
		if (dup)
			continue;
		bp[nbp++] = a;
		cr_assert_eq(vm_set_breakpoint(p->vm[0], a, true), 0);
		cr_assert_eq(vm_set_breakpoint(p->vm[1], a, true), 0);
	}
	for (;;) {
		struct vm_exit a = run_stop(p, 0), b = run_stop(p, 1);
		char where[64];

		snprintf(where, sizeof(where), "breakpoint hit %d", hits);
		if (a.pc != b.pc || a.u.bpt.guest != b.u.bpt.guest)
			FAIL(p, "%s: interp stops at %#" PRIx64 " (%s), jit at %#" PRIx64
			    " (%s)", where, a.pc, a.u.bpt.guest ? "ebreak" : "breakpoint",
			    b.pc, b.u.bpt.guest ? "ebreak" : "breakpoint");
		compare(p, where);
		if (is_end(&a))
			break;
		if (++hits == 100) {
			for (int k = 0; k < nbp; k++) {
				cr_assert_eq(vm_set_breakpoint(p->vm[0], bp[k], false), 0);
				cr_assert_eq(vm_set_breakpoint(p->vm[1], bp[k], false), 0);
			}
			nbp = 0;
		}
	}
}

/*
 * After a first run: the host rewrites one instruction in both VMs and
 * invalidates just that word; both run again from the initial registers.
 * A fresh interpreter VM given the same RAM runs it too: all three agree.
 */
static void
mode_host_write(struct pair *p, const struct rvg *g, const struct rvg_state *st)
{
	struct rvg_rng r = { .s = p->seed ^ UINT64_C(0xabcdef) };
	struct rvg tmp;
	uint32_t off, w;
	struct vm *c;
	struct pair pc;
	struct snap sa, sc;

	mode_free(p, 0);
	p->mode = "host write + vm_invalidate_code";
	if (g->npatch == 0)
		return;
	memset(&tmp, 0, offsetof(struct rvg, code));
	tmp.rng = r;
	off = g->patch[rvg_below(&r, (uint32_t)g->npatch)];
	w = rvg_alu(&tmp);
	for (int e = 0; e < 2; e++) {
		poke(p->vm[e], RVG_CODE + off, &w, 4);
		vm_invalidate_code(p->vm[e], RVG_CODE + off, 4);
		set_state(p->vm[e], st);
	}
	c = new_vm(VM_ENGINE_INTERP);
	poke(c, RVG_RAM, vm_gpa2hva(p->vm[0], RVG_RAM, 0x20000), 0x20000);
	set_state(c, st);
	pc = *p;
	pc.vm[1] = c;
	pc.mode = "host write: the first interpreter against a fresh one";
	mode_free(p, 0);
	/* instret is the count since creation: compare the rest with c */
	take(p->vm[0], &sa, true);
	sa.r[S_INSTRET] = 0;
	(void)run_stop(&pc, 1);
	take(c, &sc, true);
	sc.r[S_INSTRET] = 0;
	same(&pc, &sa, &sc, true, "at the end");
	same_mem(&pc, p->vm[0], c, "at the end");
	vm_destroy(c);
}

static void
one_program(int chunk, int i, uint64_t seed, const struct rvg_params *prm)
{
	static struct rvg g;
	static struct rvg_state st;
	struct pair p = { .seed = seed, .mode = "generate", .g = &g };
	struct rvg_rng pick = { .s = seed * 7 + 1 };

	(void)chunk;
	if (!rvg_generate(&g, &st, prm, seed, NULL, 0)) {
		nskip++;	/* a fix-up out of range: no program */
		return;
	}
	nrun++;
	if (dump_all) {
		fprintf(stderr, "seed %#" PRIx64 ":\n", seed);
		dump_program(&g);
	}
	for (int e = 0; e < 2; e++) {
		p.vm[e] = new_vm(e == 0 ? VM_ENGINE_INTERP : VM_ENGINE_JIT);
		load(p.vm[e], &g, &st);
	}
	p.mode = "free";
	switch (i % 16) {
	case 1:
		mode_lockstep(&p, 3000);
		break;
	case 3: case 11:
		mode_breakpoints(&p, &g);
		break;
	case 5: case 9: case 13:
		mode_host_write(&p, &g, &st);
		break;
	case 7: case 15:
		mode_free(&p, (int)rvg_below(&pick, 300) + 1);
		break;
	default:
		mode_free(&p, 0);
		break;
	}
	ninsns += instret(p.vm[0]);
	vm_destroy(p.vm[0]);
	vm_destroy(p.vm[1]);
}

static bool
env_seed(uint64_t *seed)
{
	const char *s = getenv("JIT_DIFF_SEED");

	if (s == NULL || *s == '\0')
		return false;
	*seed = strtoull(s, NULL, 0);
	return true;
}

static int
env_scale(void)
{
	const char *s = getenv("JIT_DIFF_SCALE");
	int k = s != NULL ? atoi(s) : 1;

	return k > 0 ? k : 1;
}

static const struct rvg_params params = {
	.items = 100, .max_trip = 24, .max_depth = 2,
};

static void
random_chunk(int chunk)
{
	uint64_t seed;
	int n = PER_CHUNK * env_scale();

	dump_all = getenv("JIT_DIFF_DUMP") != NULL;
	if (env_seed(&seed)) {
		if (chunk != 0)
			cr_skip_test("JIT_DIFF_SEED: seed %#" PRIx64 " runs in chunk 0", seed);
		/* the mode is chosen by the seed's index in its chunk */
		one_program(0, (int)((seed - SEED_BASE) % 100000), seed, &params);
		return;
	}
	for (int i = 0; i < n; i++)
		one_program(chunk, i, seed_of(chunk, i), &params);
	cr_log_info("chunk %d: %d programs (%d seeds without one), %" PRIu64
	    " instructions on each engine", chunk, nrun, nskip, ninsns);
}

#define CHUNK(k)							\
	Test(vmm_jit_diff, random_##k, .timeout = 240) { random_chunk(k); }
CHUNK(0)
CHUNK(1)
CHUNK(2)
CHUNK(3)
CHUNK(4)
CHUNK(5)
CHUNK(6)
CHUNK(7)

/* ---- kicked free runs ----------------------------------------------------- */

static int nkicks;

struct kicker {
	pthread_t	 th;
	struct vm	*vm;
	unsigned	 delay_us;
	pthread_mutex_t	 mtx;
	pthread_cond_t	 cv;
	bool		 cancel;
};

static void *
kicker_main(void *arg)
{
	struct kicker *k = arg;
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += (long)k->delay_us * 1000;
	ts.tv_sec += ts.tv_nsec / 1000000000;
	ts.tv_nsec %= 1000000000;
	pthread_mutex_lock(&k->mtx);
	while (!k->cancel)
		if (pthread_cond_timedwait(&k->cv, &k->mtx, &ts) == ETIMEDOUT)
			break;
	if (!k->cancel)
		vm_suspend_cpu(k->vm, 0);
	pthread_mutex_unlock(&k->mtx);
	return NULL;
}

/*
 * The JIT runs freely and is kicked at a random time; wherever it
 * stops, the interpreter (stepped) must agree at the same instret.
 */
static void
kicked_program(uint64_t seed)
{
	static struct rvg g;
	static struct rvg_state st;
	static const struct rvg_params prm = {
		.items = 40, .max_trip = 400, .max_depth = 2,
	};
	struct pair p = { .seed = seed, .mode = "kicked", .g = &g };
	struct rvg_rng r = { .s = seed };
	int stops = 0;

	if (!rvg_generate(&g, &st, &prm, seed, NULL, 0))
		return;
	for (int e = 0; e < 2; e++) {
		p.vm[e] = new_vm(e == 0 ? VM_ENGINE_INTERP : VM_ENGINE_JIT);
		load(p.vm[e], &g, &st);
	}
	mtrap(p.vm[0], true);
	for (;;) {
		struct kicker k = { .vm = p.vm[1],
		    .delay_us = 1 + rvg_below(&r, 80) };
		struct vm_exit b;
		uint64_t n, steps = 0;
		char where[64];

		pthread_mutex_init(&k.mtx, NULL);
		pthread_cond_init(&k.cv, NULL);
		cr_assert_eq(pthread_create(&k.th, NULL, kicker_main, &k), 0);
		b = run1(p.vm[1]);
		pthread_mutex_lock(&k.mtx);
		k.cancel = true;
		pthread_cond_signal(&k.cv);
		pthread_mutex_unlock(&k.mtx);
		pthread_join(k.th, NULL);
		pthread_mutex_destroy(&k.mtx);
		pthread_cond_destroy(&k.cv);
		(void)vm_resume_cpu(p.vm[1], 0);	/* EINVAL if it was not kicked */

		if (b.exitcode != VM_EXITCODE_DEBUG && !is_end(&b))
			FAIL(&p, "jit: unexpected exit %d at %#" PRIx64, b.exitcode, b.pc);
		/* The interpreter, one step at a time, up to the JIT's instret. */
		n = instret(p.vm[1]);
		while (instret(p.vm[0]) < n) {
			struct vm_exit a = run1(p.vm[0]);

			if (is_end(&a))
				FAIL(&p, "interp ends at instret %" PRIu64 ", jit went to %"
				    PRIu64, instret(p.vm[0]), n);
			if (++steps > 10000000)
				FAIL(&p, "interp: no progress");
		}
		/* A stop right after a trap entry: the trap has no instret of its own. */
		for (int t = 0; t < 2 && reg(p.vm[0], VM_REG_PC) !=
		    reg(p.vm[1], VM_REG_PC) && !is_end(&b); t++) {
			uint64_t pc0 = reg(p.vm[0], VM_REG_PC);
			struct vm_exit a = run1(p.vm[0]);

			(void)pc0;
			if (is_end(&a))
				break;
		}
		if (is_end(&b)) {
			struct vm_exit a = run1(p.vm[0]);

			if (!is_end(&a))
				FAIL(&p, "jit ends at %#" PRIx64 " (instret %" PRIu64 "), interp"
				    " does not (exit %d at %#" PRIx64 ")", b.pc, n,
				    a.exitcode, a.pc);
		}
		snprintf(where, sizeof(where), "stop %d (%s)", stops,
		    is_end(&b) ? "the end" : "kicked");
		compare(&p, where);
		if (is_end(&b))
			break;
		stops++;
	}
	nkicks += stops;
	vm_destroy(p.vm[0]);
	vm_destroy(p.vm[1]);
}

Test(vmm_jit_diff, kicked, .timeout = 240)
{
	uint64_t seed;
	int n = 24 * env_scale();

	if (env_seed(&seed)) {
		kicked_program(seed);
		return;
	}
	for (int i = 0; i < n; i++)
		kicked_program(SEED_BASE + 0x900000 + (uint64_t)i);
	cr_log_info("kicked: %d programs, %d stops compared", n, nkicks);
}

/* ---- directed cases ------------------------------------------------------ */

#define W(x)	(uint32_t)(x)

/* Run the same code on both engines to the ebreak; compare; return a0 of each. */
static void
directed(const char *name, const uint32_t *code, size_t n, uint64_t a0_want,
    struct pair *out)
{
	static struct rvg g;
	static struct rvg_state st;
	struct pair p = { .seed = 0, .mode = name, .g = &g };

	memset(&st, 0, sizeof(st));
	memset(&g, 0, offsetof(struct rvg, code));
	memcpy(g.code, code, n * 4);
	g.len = (uint32_t)(n * 4);
	st.x[RVG_X_S0] = RVG_S0;
	for (int e = 0; e < 2; e++) {
		p.vm[e] = new_vm(e == 0 ? VM_ENGINE_INTERP : VM_ENGINE_JIT);
		load(p.vm[e], &g, &st);
	}
	if (out != NULL) {
		*out = p;
		return;
	}
	mode_free(&p, 0);
	for (int e = 0; e < 2; e++)
		cr_expect_eq(reg(p.vm[e], VM_REG_X(10)), a0_want, "%s: %s a0 %#" PRIx64
		    ", want %#" PRIx64, name, eng_name[e], reg(p.vm[e], VM_REG_X(10)),
		    a0_want);
	vm_destroy(p.vm[0]);
	vm_destroy(p.vm[1]);
}

/*
 * A loop whose body rewrites one of its own instructions (already
 * translated) on the first pass, then fence.i: passes 2.. run the new
 * one.  a0 counts: pass 1 adds 1, passes 2..10 add 100.
 *	0x00 li a0, 0
 *	0x04 li s2, 10
 *	0x08 auipc t4, 0		<- loop
 *	0x0c addi a0, a0, 1		(becomes addi a0, a0, 100)
 *	0x10 lw t0, 0x40(t4)		(the new instruction, at 0x48)
 *	0x14 sw t0, 4(t4)
 *	0x18 fence.i
 *	0x1c addi s2, s2, -1
 *	0x20 bnez s2, 0x08
 *	0x24 ebreak
 */
Test(vmm_jit_diff, smc_same_page_fence_i)
{
	const uint32_t code[] = {
		RVG_I(0x13, 0, 10, 0, 0), RVG_I(0x13, 0, 18, 0, 10),
		RVG_U(0x17, 29, 0), RVG_I(0x13, 0, 10, 10, 1),
		RVG_I(0x03, 2, 5, 29, 0x40), RVG_S(0x23, 2, 29, 5, 4),
		RVG_FENCE_I, RVG_I(0x13, 0, 18, 18, -1), rvg_enc_b(1, 18, 0, -0x18),
		RVG_EBREAK, 0, 0, 0, 0, 0, 0, 0, 0, RVG_I(0x13, 0, 10, 10, 100),
	};

	directed("smc_same_page_fence_i", code, sizeof(code) / 4, 1 + 9 * 100, NULL);
}

/* The same without fence.i: a store into decoded code is seen at once (hart_dcache.h). */
Test(vmm_jit_diff, smc_same_page_no_fence)
{
	const uint32_t code[] = {
		RVG_I(0x13, 0, 10, 0, 0), RVG_I(0x13, 0, 18, 0, 10),
		RVG_U(0x17, 29, 0), RVG_I(0x13, 0, 10, 10, 1),
		RVG_I(0x03, 2, 5, 29, 0x40), RVG_S(0x23, 2, 29, 5, 4),
		RVG_I(0x13, 0, 0, 0, 0), RVG_I(0x13, 0, 18, 18, -1),
		rvg_enc_b(1, 18, 0, -0x18), RVG_EBREAK, 0, 0, 0, 0, 0, 0, 0, 0,
		RVG_I(0x13, 0, 10, 10, 100),
	};

	directed("smc_same_page_no_fence", code, sizeof(code) / 4, 1 + 9 * 100, NULL);
}

/* A store that rewrites the very next instruction, inside a translated block. */
Test(vmm_jit_diff, smc_next_instruction)
{
	const uint32_t code[] = {
		RVG_I(0x13, 0, 10, 0, 0), RVG_I(0x13, 0, 18, 0, 3),
		RVG_U(0x17, 29, 0),			/* 0x08 <- loop */
		RVG_I(0x03, 2, 5, 29, 0x40),		/* the new insn at 0x48 */
		RVG_S(0x23, 2, 29, 5, 0x0c),		/* rewrites 0x14 */
		RVG_I(0x13, 0, 10, 10, 1),		/* 0x14 */
		RVG_I(0x13, 0, 18, 18, -1),
		rvg_enc_b(1, 18, 0, -0x14), RVG_EBREAK, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		RVG_I(0x13, 0, 10, 10, 7),
	};

	directed("smc_next_instruction", code, sizeof(code) / 4, 3 * 7, NULL);
}

/*
 * The host rewrites translated code between runs and calls
 * vm_invalidate_code(): both engines run the new code (a0 shows it).
 */
Test(vmm_jit_diff, host_write_then_invalidate)
{
	const uint32_t code[] = {
		RVG_I(0x13, 0, 10, 0, 0), RVG_I(0x13, 0, 18, 0, 50),
		RVG_I(0x13, 0, 10, 10, 1),		/* 0x08 <- loop; rewritten */
		RVG_I(0x13, 0, 18, 18, -1), rvg_enc_b(1, 18, 0, -8), RVG_EBREAK,
	};
	const uint32_t by3 = RVG_I(0x13, 0, 10, 10, 3), by5 = RVG_I(0x13, 0, 10, 10, 5);
	struct pair p;

	directed("host_write_then_invalidate", code, sizeof(code) / 4, 0, &p);
	for (int round = 0; round < 3; round++) {
		const uint32_t *w = round == 0 ? &code[2] : round == 1 ? &by3 : &by5;
		uint64_t want = 50 * (uint64_t)(round == 0 ? 1 : round == 1 ? 3 : 5);

		for (int e = 0; e < 2; e++) {
			poke(p.vm[e], RVG_CODE + 8, w, 4);
			if (round == 2)
				vm_invalidate_code(p.vm[e], 0, 0);	/* the whole-RAM form */
			else
				vm_invalidate_code(p.vm[e], RVG_CODE + 8, 4);
			set_reg(p.vm[e], VM_REG_PC, RVG_CODE);
		}
		mode_free(&p, 0);
		for (int e = 0; e < 2; e++)
			cr_assert_eq(reg(p.vm[e], VM_REG_X(10)), want,
			    "round %d: %s ran the old code (a0 %" PRIu64 ")", round,
			    eng_name[e], reg(p.vm[e], VM_REG_X(10)));
	}
	vm_destroy(p.vm[0]);
	vm_destroy(p.vm[1]);
}

/*
 * A breakpoint in the middle of a hot loop (translated before it was
 * set): both engines stop there on every pass at the same instret, with
 * the same state; removed, both run on to the same end.
 */
Test(vmm_jit_diff, breakpoint_in_hot_loop)
{
	const uint32_t code[] = {
		RVG_I(0x13, 0, 10, 0, 0), RVG_I(0x13, 0, 18, 0, 1000),
		RVG_I(0x13, 0, 10, 10, 1),		/* 0x08 <- loop */
		RVG_R(0x33, 0, 1, 11, 10, 10),		/* 0x0c mul a1, a0, a0 */
		RVG_S(0x23, 3, 8, 11, 0),		/* 0x10 sd a1, 0(s0) <- bp */
		RVG_I(0x13, 0, 18, 18, -1), rvg_enc_b(1, 18, 0, -0x10), RVG_EBREAK,
	};
	struct pair p;

	directed("breakpoint_in_hot_loop", code, sizeof(code) / 4, 0, &p);
	mode_free(&p, 0);		/* translated and run once, no breakpoint */
	for (int e = 0; e < 2; e++) {
		set_reg(p.vm[e], VM_REG_PC, RVG_CODE);
		cr_assert_eq(vm_set_breakpoint(p.vm[e], RVG_CODE + 0x10, true), 0);
	}
	for (int hit = 0; hit < 50; hit++) {
		struct vm_exit a = run_stop(&p, 0), b = run_stop(&p, 1);

		cr_assert(!a.u.bpt.guest && !b.u.bpt.guest, "hit %d: an ebreak", hit);
		cr_assert_eq(a.pc, RVG_CODE + 0x10);
		cr_assert_eq(b.pc, RVG_CODE + 0x10, "jit stopped at %#" PRIx64, b.pc);
		cr_assert_eq(reg(p.vm[1], VM_REG_X(10)), (uint64_t)hit + 1);
		compare(&p, "breakpoint hit");
	}
	for (int e = 0; e < 2; e++)
		cr_assert_eq(vm_set_breakpoint(p.vm[e], RVG_CODE + 0x10, false), 0);
	mode_free(&p, 0);
	cr_assert_eq(reg(p.vm[1], VM_REG_X(10)), 1000);
	vm_destroy(p.vm[0]);
	vm_destroy(p.vm[1]);
}

/*
 * The comparison itself can fail: a planted difference (the JIT's VM is
 * given other data) is found, in a register and in memory.
 */
Test(vmm_jit_diff, comparison_finds_a_planted_difference)
{
	const uint32_t code[] = {
		RVG_I(0x03, 3, 10, 8, 0), RVG_EBREAK,	/* ld a0, 0(s0) */
	};
	const uint64_t one = 1;
	struct snap a, b;
	struct pair p;
	uint8_t *x, *y;

	directed("planted difference", code, sizeof(code) / 4, 0, &p);
	poke(p.vm[1], RVG_S0, &one, 8);
	(void)run_stop(&p, 0);
	(void)run_stop(&p, 1);
	take(p.vm[0], &a, true);
	take(p.vm[1], &b, true);
	cr_assert_eq(first_diff(&a, &b, true), 10, "a0 differs, and first");
	x = vm_gpa2hva(p.vm[0], RVG_DATA, RVG_DATA_SIZE);
	y = vm_gpa2hva(p.vm[1], RVG_DATA, RVG_DATA_SIZE);
	cr_assert(memcmp(x, y, RVG_DATA_SIZE) != 0);
	vm_destroy(p.vm[0]);
	vm_destroy(p.vm[1]);
}

/*
 * Stores that the JIT runs inside a block through hart_exec() (FP
 * stores, AMOs) rewrite the very next instruction: the block must not go
 * on with the old translation of it.  a0 = 3 passes of the new addi 7.
 */
Test(vmm_jit_diff, smc_next_instruction_by_fp_store)
{
	const uint32_t code[] = {
		RVG_I(0x13, 0, 10, 0, 0), RVG_I(0x13, 0, 18, 0, 3),
		RVG_U(0x17, 29, 0),			/* 0x08 <- loop */
		RVG_I(0x07, 2, 0, 29, 0x40),		/* flw ft0, 0x40(t4): 0x48 */
		RVG_S(0x27, 2, 29, 0, 0x0c),		/* fsw ft0, 0x0c(t4): 0x14 */
		RVG_I(0x13, 0, 10, 10, 1),		/* 0x14 */
		RVG_I(0x13, 0, 18, 18, -1),
		rvg_enc_b(1, 18, 0, -0x14), RVG_EBREAK, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		RVG_I(0x13, 0, 10, 10, 7),
	};

	directed("smc_next_instruction_by_fp_store", code, sizeof(code) / 4,
	    3 * 7, NULL);
}

Test(vmm_jit_diff, smc_next_instruction_by_amo)
{
	const uint32_t code[] = {
		RVG_I(0x13, 0, 10, 0, 0), RVG_I(0x13, 0, 18, 0, 3),
		RVG_U(0x17, 29, 0),			/* 0x08 <- loop */
		RVG_I(0x03, 2, 5, 29, 0x40),		/* lw t0, 0x40(t4): 0x48 */
		RVG_I(0x13, 0, 6, 29, 0x10),		/* t1 = 0x18 */
		RVG_R(0x2f, 2, 0x01 << 2, 0, 6, 5),	/* amoswap.w x0, t0, (t1) */
		RVG_I(0x13, 0, 10, 10, 1),		/* 0x18 */
		RVG_I(0x13, 0, 18, 18, -1),
		rvg_enc_b(1, 18, 0, -0x18), RVG_EBREAK, 0, 0, 0, 0, 0, 0, 0, 0,
		RVG_I(0x13, 0, 10, 10, 7),
	};

	directed("smc_next_instruction_by_amo", code, sizeof(code) / 4, 3 * 7,
	    NULL);
}

/*
 * Every translated F/D operation (jit_fp.c) on every pair of a table of
 * special values (signed zeros, infinities, quiet and signaling NaNs,
 * subnormals, extremes, ordinary values; singles boxed and a few not),
 * in both formats and with rm = RNE and DYN: each result and the flags
 * it raised (read and cleared after each operation) are hashed into a0,
 * and both engines must end equal.
 *	li a0, 0; li a1, 0x8e37; li s2, N; mv t0, s0
 * outer:	li s3, N; mv t1, s0
 * inner:	fld f1, 0(t0); fld f2, 0(t1)	(singles: from s0 + 0x400)
 *		op f3, f1, f2; fmv.x.d t2, f3 (or: feq/flt/fle t2, f1, f2)
 *		csrrw t3, fflags, x0
 *		mul a0, a0, a1; add a0, a0, t2; mul a0, a0, a1; add a0, a0, t3
 *		... (each op)
 *		addi t1, t1, 8; addi s3, s3, -1; bnez s3, inner
 *		addi t0, t0, 8; addi s2, s2, -1; bnez s2, outer
 *	ebreak
 */
static size_t
fp_cross_code(uint32_t *c, int fmt, int n)
{
	/* funct7 >> 2, rm (7: DYN), result in x (compares) */
	static const struct { uint8_t f5, rm; bool x; } ops[] = {
		{ 0x00, 0, false }, { 0x01, 0, false }, { 0x02, 0, false },
		{ 0x03, 0, false }, { 0x0b, 0, false }, { 0x00, 7, false },
		{ 0x02, 7, false }, { 0x03, 7, false }, { 0x0b, 7, false },
		{ 0x04, 0, false }, { 0x04, 1, false }, { 0x04, 2, false },
		{ 0x14, 0, true }, { 0x14, 1, true }, { 0x14, 2, true },
	};
	size_t k = 0, inner, outer;
	int32_t base = fmt ? 0 : 0x400;

	c[k++] = RVG_I(0x13, 0, 10, 0, 0);
	c[k++] = RVG_U(0x37, 11, 0x9);
	c[k++] = RVG_I(0x1b, 0, 11, 11, -0x1c9);	/* a1 = 0x8e37 */
	c[k++] = RVG_I(0x13, 0, 18, 0, n);
	c[k++] = RVG_I(0x13, 0, 5, 8, base);
	outer = k;
	c[k++] = RVG_I(0x13, 0, 19, 0, n);
	c[k++] = RVG_I(0x13, 0, 6, 8, base);
	inner = k;
	c[k++] = RVG_I(0x07, 3, 1, 5, 0);
	c[k++] = RVG_I(0x07, 3, 2, 6, 0);
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		int f7 = ops[i].f5 << 2 | fmt;

		if (ops[i].x) {
			c[k++] = RVG_R(0x53, ops[i].rm, f7, 7, 1, 2);
		} else {
			c[k++] = RVG_R(0x53, ops[i].rm, f7, 3, 1,
			    ops[i].f5 == 0x0b ? 0 : 2);
			c[k++] = RVG_R(0x53, 0, 0x71, 7, 3, 0);	/* fmv.x.d t2, f3 */
		}
		c[k++] = RVG_I(0x73, 1, 28, 0, 0x001);	/* csrrw t3, fflags, x0 */
		c[k++] = RVG_R(0x33, 0, 1, 10, 10, 11);
		c[k++] = RVG_R(0x33, 0, 0, 10, 10, 7);
		c[k++] = RVG_R(0x33, 0, 1, 10, 10, 11);
		c[k++] = RVG_R(0x33, 0, 0, 10, 10, 28);
	}
	c[k++] = RVG_I(0x13, 0, 6, 6, 8);
	c[k++] = RVG_I(0x13, 0, 19, 19, -1);
	c[k] = rvg_enc_b(1, 19, 0, (int32_t)(inner - k) * 4);
	k++;
	c[k++] = RVG_I(0x13, 0, 5, 5, 8);
	c[k++] = RVG_I(0x13, 0, 18, 18, -1);
	c[k] = rvg_enc_b(1, 18, 0, (int32_t)(outer - k) * 4);
	k++;
	c[k++] = RVG_EBREAK;
	return k;
}

Test(vmm_jit_diff, fp_special_values_cross)
{
	static const uint64_t d[] = {
		0, UINT64_C(0x8000000000000000), UINT64_C(0x7ff0000000000000),
		UINT64_C(0xfff0000000000000), UINT64_C(0x7ff8000000000000),
		UINT64_C(0xfff8000000000123), UINT64_C(0x7ff0000000000001),
		UINT64_C(0xfff4000000000000), UINT64_C(0x0000000000000001),
		UINT64_C(0x800fffffffffffff), UINT64_C(0x0010000000000000),
		UINT64_C(0x8010000000000001), UINT64_C(0x7fefffffffffffff),
		UINT64_C(0xffefffffffffffff), UINT64_C(0x3ff0000000000000),
		UINT64_C(0xbff0000000000001), UINT64_C(0x3cb0000000000000),
		UINT64_C(0x4008000000000000), UINT64_C(0x5fe0000000000001),
		UINT64_C(0x2000000000000003), UINT64_C(0xc00921fb54442d18),
	};
	static const uint64_t s[] = {
		0, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00123,
		0x7f800001, 0xffa00000, 0x00000001, 0x807fffff, 0x00800000,
		0x80800001, 0x7f7fffff, 0xff7fffff, 0x3f800000, 0xbf800001,
		0x33800000, 0x40400000, 0x5f000001, 0x20000003, 0xc0490fdb,
	};
	const int n = (int)(sizeof(d) / sizeof(d[0]));
	uint64_t sb[sizeof(s) / sizeof(s[0])];
	static uint32_t code[256];

	_Static_assert(sizeof(s) == sizeof(d), "tables of the same size");
	for (int i = 0; i < n; i++)	/* boxed, but for two */
		sb[i] = s[i] | (i % 10 == 9 ? 0 : UINT64_C(0xffffffff00000000));
	for (int fmt = 0; fmt < 2; fmt++) {
		struct pair p;
		size_t len = fp_cross_code(code, fmt, n);

		cr_assert_lt(len, sizeof(code) / 4);
		directed(fmt ? "fp cross (D)" : "fp cross (S)", code, len, 0, &p);
		for (int e = 0; e < 2; e++) {
			poke(p.vm[e], RVG_S0, d, sizeof(d));
			poke(p.vm[e], RVG_S0 + 0x400, sb, sizeof(sb));
		}
		mode_free(&p, 0);
		cr_expect_neq(reg(p.vm[0], VM_REG_X(10)), 0);
		vm_destroy(p.vm[0]);
		vm_destroy(p.vm[1]);
	}
}

/*
 * Long straight runs of the FP instructions whose translation (checks,
 * exit stubs) is largest, singles with rm = DYN and FP loads and stores:
 * blocks must end early enough for their code and stubs to fit.
 */
Test(vmm_jit_diff, fp_long_blocks)
{
	static uint32_t code[3100];
	size_t k = 0;

	code[k++] = RVG_I(0x07, 2, 1, 8, 0);			/* flw f1, 0(s0) */
	for (int i = 0; i < 1500; i++) {
		/* fadd.s f(2+i%8), f1, f(2+(i+3)%8), dyn; fsw / flw */
		code[k++] = RVG_R(0x53, 7, 0x00, 2 + i % 8, 1, 2 + (i + 3) % 8);
		code[k++] = i % 2 ? RVG_S(0x27, 2, 8, 2 + i % 8, (i % 64) * 4) :
		    RVG_I(0x07, 2, 2 + (i + 5) % 8, 8, (i % 64) * 4 - 128);
	}
	code[k++] = RVG_I(0x13, 0, 10, 0, 7);
	code[k++] = RVG_EBREAK;
	directed("fp_long_blocks", code, k, 7, NULL);
}

/*
 * A pinned block's loop whose head is reached with f registers in host
 * xmm registers (jit_fp.c): the back edge arrives with other ones, so
 * nothing may be assumed at the head.  f1 is in xmm at the head on the
 * first pass; the body moves f1 out and reuses its xmm for f4.
 *	lui t0, 6; ld t1, 0(s0)		(the TLB: no exit at the fld)
 *	csrrs x0, mstatus, t0		(FS = Dirty: no exit either)
 *	lui a0, 0x40000; fld f1, 0(s0); li s2, 3
 * loop: fadd.d f3, f3, f1; fmv.d.x f1, a0; fld f4, 8(s0)
 *	fadd.d f5, f4, f4; addi s2, s2, -1; bnez s2, loop
 *	fmv.x.d a0, f3; ebreak
 * f3 = 0 + 0 + d + d, d the double with bits 0x40000000: a0 = 0x80000000.
 */
Test(vmm_jit_diff, fp_xmm_at_loop_head)
{
	const uint32_t code[] = {
		RVG_U(0x37, 5, 6), RVG_I(0x03, 3, 6, 8, 0),
		RVG_I(0x73, 2, 0, 5, RVG_MSTATUS),
		RVG_U(0x37, 10, 0x40000), RVG_I(0x07, 3, 1, 8, 0),
		RVG_I(0x13, 0, 18, 0, 3),
		RVG_R(0x53, 7, 0x01, 3, 3, 1),		/* loop: */
		RVG_R(0x53, 0, 0x79, 1, 10, 0), RVG_I(0x07, 3, 4, 8, 8),
		RVG_R(0x53, 7, 0x01, 5, 4, 4), RVG_I(0x13, 0, 18, 18, -1),
		rvg_enc_b(1, 18, 0, -0x14),
		RVG_R(0x53, 0, 0x71, 10, 3, 0), RVG_EBREAK,
	};

	directed("fp_xmm_at_loop_head", code, sizeof(code) / 4, 0x80000000, NULL);
}
