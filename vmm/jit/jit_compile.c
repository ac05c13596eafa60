/*
 * jit_compile.c - translation of decoded slots (hart_dcache.h) into
 * x86-64 (register use in jit_internal.h, contract in jit.h).
 *
 * One pass over the slots of a page from the entry slot: each slot's
 * decoded operation becomes a few host instructions on the guest
 * registers in memory (x[], through rbx).  A block ends at an
 * unconditional transfer, at a slot the translator leaves to the run
 * loop (system instructions such as ECALL, SRET, FENCE.I, SFENCE.VMA,
 * WFI), at a marked slot (DOP_BPT), at the page end or after
 * JIT_MAX_INSNS instructions.  The common F and D instructions are
 * translated by jit_fp.c, LR/SC and most AMOs by jit_amo.c (through the
 * jc_* calls below); the rest of F/D, AMOMIN/MAX, FENCE and the CSR
 * instructions are run by calling hart_exec() in place (exec_in_block()).
 * Exits are out-of-line stubs after the body:
 * - a load or store that misses the TLB: JX_GENERIC at its slot, with
 *   the instructions before it retired;
 * - a taken branch or JAL to a slot of the page, and the fall-through
 *   at the end: count what was retired, return if the budget is spent,
 *   else jump straight into the target's block (patched in when it is
 *   translated; until then, return JX_SLOT);
 * - JALR, far branches and jumps: JX_PC with the target in ctx.pc.
 */
#include <stdlib.h>
#include <string.h>

#include "../hart/hart_exec.h"
#include "../hart/hart_rvc.h"
#include "jit_internal.h"
#include "x86_emit.h"

#define XOFF(r)	((int32_t)(r) * 8)	/* displacement of x[r] from rbx */

/* The ACLINT-free parts of the run-time the generated code calls. */
static uint64_t
h_div(uint64_t a, uint64_t b)
{
	int64_t x = (int64_t)a, y = (int64_t)b;

	if (y == 0)
		return UINT64_MAX;
	if (x == INT64_MIN && y == -1)
		return a;
	return (uint64_t)(x / y);
}

static uint64_t
h_divu(uint64_t a, uint64_t b)
{
	return b == 0 ? UINT64_MAX : a / b;
}

static uint64_t
h_rem(uint64_t a, uint64_t b)
{
	int64_t x = (int64_t)a, y = (int64_t)b;

	if (y == 0)
		return a;
	if (x == INT64_MIN && y == -1)
		return 0;
	return (uint64_t)(x % y);
}

static uint64_t
h_remu(uint64_t a, uint64_t b)
{
	return b == 0 ? a : a % b;
}

#define SX32(v)	((uint64_t)(int64_t)(int32_t)(v))

static uint64_t
h_divw(uint64_t a, uint64_t b)
{
	int32_t x = (int32_t)a, y = (int32_t)b;

	if (y == 0)
		return UINT64_MAX;
	if (x == INT32_MIN && y == -1)
		return SX32(x);
	return SX32(x / y);
}

static uint64_t
h_divuw(uint64_t a, uint64_t b)
{
	uint32_t x = (uint32_t)a, y = (uint32_t)b;

	return y == 0 ? UINT64_MAX : SX32(x / y);
}

static uint64_t
h_remw(uint64_t a, uint64_t b)
{
	int32_t x = (int32_t)a, y = (int32_t)b;

	if (y == 0)
		return SX32(x);
	if (x == INT32_MIN && y == -1)
		return 0;
	return SX32(x % y);
}

static uint64_t
h_remuw(uint64_t a, uint64_t b)
{
	uint32_t x = (uint32_t)a, y = (uint32_t)b;

	return y == 0 ? SX32(x) : SX32(x % y);
}

/*
 * The register cache: within a block, guest registers live in host
 * registers of the pool, loaded at first use and written back to x[]
 * when the block leaves (every exit writes back what is dirty at its
 * point).  A call to a C helper writes back and forgets everything
 * first (most of the pool is caller-saved).  rax, rcx, rdx and rsi stay
 * scratch.
 *
 * When every register a block uses fits in the pool and it calls no
 * helper, the block is "pinned": each of them gets its own host register
 * for the whole block, loaded once at entry, and a branch back to the
 * block's own entry (a loop) jumps past those loads without writing
 * anything back; every exit writes back each register the block writes.
 */
static const int pool[] = { RDI, R8, R9, R10, R11, R13, R14 };
#define NPOOL	((int)(sizeof(pool) / sizeof(pool[0])))

struct rcache {
	int8_t		slot_of[DC_XSINK + 1];	/* guest -> pool index, -1 */
	int8_t		guest[NPOOL];		/* pool index -> guest, -1 */
	bool		dirty[NPOOL];
	bool		locked[NPOOL];		/* operands of this instruction */
	uint32_t	used[NPOOL];		/* LRU tick */
	uint32_t	tick;
	bool		pinned;			/* see above */
	uint64_t	written;		/* pinned: guest registers the block writes */
};

/* Jumps to one GENERIC stub besides its first (struct stub). */
#define STUB_MORE	4
/* Stubs are at most STUBS_PER_INSN per instruction (jit_fp.c: its
 * checks, then a TLB miss after a register was spilled). */
#define STUBS_PER_INSN	2
/* Most host code an instruction's exit stub takes (write-backs, return). */
#define STUB_CODE_MAX	160
/* Most host code one instruction's body takes (jit_fp.c's singles). */
#define INSN_CODE_MAX	256

/* Dirty registers to write back at an exit: (guest, host) pairs. */
struct wb {
	int8_t		n;
	int8_t		guest[NPOOL];
	int8_t		host[NPOOL];
};

/* An exit stub still to emit after the body. */
struct stub {
	uint8_t	*field;		/* rel32 of the jcc/jmp that goes to it */
	int	kind;		/* STUB_* */
	int	slot;		/* target or faulting slot */
	int	retired;	/* instructions retired when it is taken */
	struct wb wb;		/* registers to write back first */
	/* More jcc to the same GENERIC exit (an instruction's checks). */
	uint8_t	*more[STUB_MORE];
	int	nmore;
};
enum { STUB_GENERIC, STUB_XFER, STUB_PC, STUB_EXEC };

struct cstate {
	struct jit	*j;
	struct jit_page	*jp;
	struct hart	*h;
	uint64_t	pidx;
	struct dpage	*p;
	struct xbuf	b;
	int		entry;		/* slot the block starts at */
	uint8_t		*body;		/* rw address of the block's first byte */
	struct rcache	rc;
	struct jit_fpcache fc;		/* jit_fp.c's */
	/* Pinned blocks: the code of each slot translated (lgen == gen),
	 * and the slots its branches and JALs go to (tgen == gen). */
	uint32_t	gen;
	uint32_t	lgen[DCACHE_SLOTS];
	uint32_t	tgen[DCACHE_SLOTS];
	uint8_t		*label[DCACHE_SLOTS];
	int16_t		kat[DCACHE_SLOTS];	/* its instruction index */
	struct stub	stubs[JIT_MAX_INSNS * STUBS_PER_INSN + 2];
	int		nstubs;
};

static void
rc_reset(struct rcache *rc)
{
	memset(rc->slot_of, -1, sizeof(rc->slot_of));
	memset(rc->guest, -1, sizeof(rc->guest));
	memset(rc->dirty, 0, sizeof(rc->dirty));
	memset(rc->locked, 0, sizeof(rc->locked));
	rc->tick = 0;
	rc->pinned = false;
	rc->written = 0;
}

static void
rc_unlock(struct rcache *rc)
{
	memset(rc->locked, 0, sizeof(rc->locked));
}

static struct wb
rc_dirty(const struct rcache *rc)
{
	struct wb w = { .n = 0 };

	for (int i = 0; i < NPOOL; i++) {
		if (rc->guest[i] >= 0 && (rc->pinned ?
		    (rc->written >> rc->guest[i]) & 1 : rc->dirty[i])) {
			w.guest[w.n] = rc->guest[i];
			w.host[w.n] = (int8_t)pool[i];
			w.n++;
		}
	}
	return w;
}

static void
emit_wb(struct cstate *c, const struct wb *w)
{
	for (int i = 0; i < w->n; i++)
		x_store(&c->b, 8, w->host[i], RBX, XOFF(w->guest[i]));
}

/* Write every dirty register back (they stay cached and clean). */
static void
rc_flush(struct cstate *c)
{
	struct wb w = rc_dirty(&c->rc);

	emit_wb(c, &w);
	memset(c->rc.dirty, 0, sizeof(c->rc.dirty));
}

/* Write back and forget everything (before a call clobbers the pool
 * and the xmm registers). */
static void
rc_drop(struct cstate *c)
{
	rc_flush(c);
	rc_reset(&c->rc);
	jit_fp_forget(&c->fc);
}

/* A pool register for guest g (not yet mapped), evicting the LRU one. */
static int
rc_alloc(struct cstate *c, int g)
{
	struct rcache *rc = &c->rc;
	int v = -1;

	for (int i = 0; i < NPOOL; i++) {
		if (rc->guest[i] < 0) {
			v = i;
			break;
		}
		if (!rc->locked[i] && (v < 0 || rc->used[i] < rc->used[v]))
			v = i;
	}
	if (rc->guest[v] >= 0) {
		if (rc->dirty[v])
			x_store(&c->b, 8, pool[v], RBX, XOFF(rc->guest[v]));
		rc->slot_of[(int)rc->guest[v]] = -1;
	}
	rc->guest[v] = (int8_t)g;
	rc->slot_of[g] = (int8_t)v;
	rc->dirty[v] = false;
	return v;
}

/* The host register holding guest register g (loaded if need be), locked. */
static int
rd_reg(struct cstate *c, int g)
{
	struct rcache *rc = &c->rc;
	int v = rc->slot_of[g];

	if (v < 0) {
		v = rc_alloc(c, g);
		x_load(&c->b, X64, pool[v], RBX, XOFF(g));
	}
	rc->used[v] = ++rc->tick;
	rc->locked[v] = true;
	return pool[v];
}

/* Guest register g = host register r (the instruction's result). */
static void
set_reg(struct cstate *c, int g, int r)
{
	struct rcache *rc = &c->rc;
	int v;

	if (g == DC_XSINK)
		return;
	v = rc->slot_of[g];
	if (v < 0)
		v = rc_alloc(c, g);
	x_mov_rr(&c->b, X64, pool[v], r);
	rc->dirty[v] = true;
	rc->used[v] = ++rc->tick;
}

/*
 * A side exit through a stub.  A GENERIC exit like the last one (the
 * same instruction, the same registers to write back: the checks of one
 * FP instruction) shares its stub.
 */
static void
add_stub(struct cstate *c, uint8_t *field, int kind, int slot, int retired)
{
	struct wb w = rc_dirty(&c->rc);
	struct stub *l = c->nstubs > 0 ? &c->stubs[c->nstubs - 1] : NULL;

	if (kind == STUB_GENERIC && l != NULL && l->kind == kind &&
	    l->slot == slot && l->retired == retired && l->nmore < STUB_MORE &&
	    memcmp(&l->wb, &w, sizeof(w)) == 0) {
		l->more[l->nmore++] = field;
		return;
	}
	c->stubs[c->nstubs++] = (struct stub){ field, kind, slot, retired, w,
	    { NULL }, 0 };
}

static uint8_t *
exit_addr(const struct cstate *c)
{
	return c->j->rw + c->j->exit_off;
}

/* rax = r15 + retired | JR(kind, slot); jmp exit */
static void
emit_return(struct cstate *c, int kind, int slot, int retired)
{
	x_mov_ri64(&c->b, RCX, JR(kind, slot));
	x_lea(&c->b, RAX, R15, retired);
	x_alu_rr(&c->b, X64, ALU_OR, RAX, RCX);
	x_patch(x_jmp(&c->b), exit_addr(c));
}

/*
 * va = x[rs1] + imm into rsi; look it up in the TLB for 'acc'; on a miss
 * leave through a GENERIC stub; on a hit rsi = host address.
 */
static void
emit_tlb(struct cstate *c, int acc, int rs1, int32_t imm, int size, int slot,
    int k)
{
	struct xbuf *b = &c->b;
	int32_t set = acc * HART_TLB_SIZE * (int32_t)sizeof(struct tlb_entry);

	x_lea(b, RSI, rd_reg(c, rs1), imm);
	/* index * 16 = ((va >> 12) & 255) << 4 = (va >> 8) & 0xff0 */
	x_mov_rr(b, X32, RAX, RSI);
	x_shift_ri(b, X32, SH_SHR, RAX, 8);
	x_alu_ri(b, X32, ALU_AND, RAX, (HART_TLB_SIZE - 1) << 4);
	x_alu_rr(b, X64, ALU_ADD, RAX, R12);
	/* The last byte's page must be the tag: one compare rejects crossers. */
	x_lea(b, RCX, RSI, size - 1);
	x_alu_ri(b, X64, ALU_AND, RCX, -4096);
	x_alu_rm(b, X64, ALU_CMP, RCX, RAX, set);
	add_stub(c, x_jcc(b, CC_NE), STUB_GENERIC, slot, k);
	x_alu_rm(b, X64, ALU_ADD, RSI, RAX, set + 8);
}

/* The jc_* interface jit_fp.c translates through (jit_internal.h). */
struct xbuf *
jc_buf(struct cstate *c)
{
	return &c->b;
}

struct jit_fpcache *
jc_fpcache(struct cstate *c)
{
	return &c->fc;
}

int
jc_xread(struct cstate *c, int g)
{
	return rd_reg(c, g);
}

void
jc_xwrite(struct cstate *c, int g, int r)
{
	set_reg(c, g == 0 ? DC_XSINK : g, r);
}

void
jc_exit_generic(struct cstate *c, uint8_t *field, int slot, int k)
{
	add_stub(c, field, STUB_GENERIC, slot, k);
}

void
jc_tlb(struct cstate *c, int acc, int rs1, int32_t imm, int size, int slot,
    int k)
{
	emit_tlb(c, acc, rs1, imm, size, slot, k);
}

/* rd = sign-extended eax */
static void
set_reg_w(struct cstate *c, int rd)
{
	if (rd == DC_XSINK)
		return;
	x_movsxd(&c->b, RAX, RAX);
	set_reg(c, rd, RAX);
}

static void
emit_call2(struct cstate *c, const struct dinsn *d, uint64_t (*fn)(uint64_t, uint64_t))
{
	rc_drop(c);
	x_load(&c->b, X64, RDI, RBX, XOFF(d->rs1));
	x_load(&c->b, X64, RSI, RBX, XOFF(d->rs2));
	x_mov_ri64(&c->b, RAX, (uint64_t)(uintptr_t)fn);
	x_call_r(&c->b, RAX);
	set_reg(c, d->rd, RAX);
}

/* rax = x[rs1] (64 bits, or the low 32 zero-extended) */
static void
load_a(struct cstate *c, const struct dinsn *d, int w)
{
	x_mov_rr(&c->b, w, RAX, rd_reg(c, d->rs1));
}

static void
emit_alu_imm(struct cstate *c, const struct dinsn *d, enum xalu op, int w)
{
	load_a(c, d, w);
	x_alu_ri(&c->b, w, op, RAX, d->imm);
	if (w == X32)
		set_reg_w(c, d->rd);
	else
		set_reg(c, d->rd, RAX);
}

static void
emit_alu_reg(struct cstate *c, const struct dinsn *d, enum xalu op, int w)
{
	load_a(c, d, w);
	x_alu_rr(&c->b, w, op, RAX, rd_reg(c, d->rs2));
	if (w == X32)
		set_reg_w(c, d->rd);
	else
		set_reg(c, d->rd, RAX);
}

static void
emit_shift_imm(struct cstate *c, const struct dinsn *d, enum xshift op, int w)
{
	load_a(c, d, w);
	if (d->imm != 0)
		x_shift_ri(&c->b, w, op, RAX, d->imm);
	if (w == X32)
		set_reg_w(c, d->rd);
	else
		set_reg(c, d->rd, RAX);
}

static void
emit_shift_reg(struct cstate *c, const struct dinsn *d, enum xshift op, int w)
{
	load_a(c, d, w);
	x_mov_rr(&c->b, X32, RCX, rd_reg(c, d->rs2));
	x_shift_rcl(&c->b, w, op, RAX);	/* the host masks cl as RISC-V does */
	if (w == X32)
		set_reg_w(c, d->rd);
	else
		set_reg(c, d->rd, RAX);
}

static void
emit_set(struct cstate *c, const struct dinsn *d, enum xcc cc, bool imm)
{
	int a = rd_reg(c, d->rs1);

	x_alu_rr(&c->b, X32, ALU_XOR, RCX, RCX);
	if (imm)
		x_alu_ri(&c->b, X64, ALU_CMP, a, d->imm);
	else
		x_alu_rr(&c->b, X64, ALU_CMP, a, rd_reg(c, d->rs2));
	x_setcc(&c->b, cc, RCX);
	set_reg(c, d->rd, RCX);
}

static void
emit_load(struct cstate *c, const struct dinsn *d, int size, bool sign,
    int slot, int k)
{
	emit_tlb(c, ACC_LOAD, d->rs1, d->imm, size, slot, k);
	x_load_ext(&c->b, size, sign, RAX, RSI);
	set_reg(c, d->rd, RAX);
}

static void
emit_store(struct cstate *c, const struct dinsn *d, int size, int slot, int k)
{
	int v = rd_reg(c, d->rs2);

	emit_tlb(c, ACC_STORE, d->rs1, d->imm, size, slot, k);
	x_store(&c->b, size, v, RSI, 0);
}

/* x[rd] = page_va + off (a link or AUIPC value). */
static void
emit_pcrel(struct cstate *c, int rd, int64_t off)
{
	if (rd == DC_XSINK)
		return;
	x_load(&c->b, X64, RAX, RBP, CTX_PAGE_VA);
	x_lea(&c->b, RAX, RAX, (int32_t)off);
	set_reg(c, rd, RAX);
}

/* ctx.pc = page_va + off; JX_PC after 'retired'. */
static void
emit_pc_exit(struct cstate *c, int64_t off, int retired)
{
	x_load(&c->b, X64, RAX, RBP, CTX_PAGE_VA);
	x_lea(&c->b, RAX, RAX, (int32_t)off);
	x_store(&c->b, 8, RAX, RBP, CTX_PC);
	emit_return(c, JX_PC, 0, retired);
}

static enum xcc
branch_cc(int op)
{
	switch (op) {
	case DOP_BEQ: return CC_E;
	case DOP_BNE: return CC_NE;
	case DOP_BLT: return CC_L;
	case DOP_BGE: return CC_GE;
	case DOP_BLTU: return CC_B;
	default: return CC_AE;
	}
}

static enum xcc
funct3_cc(int f3)
{
	static const uint8_t cc[8] = { CC_E, CC_NE, CC_E, CC_E, CC_L, CC_GE,
	    CC_B, CC_AE };

	return (enum xcc)cc[f3 & 7];
}

/* What a block does with a slot: stop before it, translate it (jit_fp.c
 * for K_FP), call hart_exec(). */
enum { K_STOP, K_OP, K_FP, K_AMO, K_EXEC };
static int slot_kind(struct hart *h, uint64_t pidx, struct dinsn *d);

/*
 * Whether a block may start at 'slot' one day: not if it is decoded as
 * something the translator leaves to hart_exec() (a jump there would
 * wait for a patch that never comes, and every translation of the page
 * would look at it again).
 */
static bool
chainable(const struct cstate *c, int slot)
{
	struct dinsn *d = &c->p->slot[slot];

	return d->op == DC_INDEX(DOP_DECODE, 1) ||
	    slot_kind(c->h, c->pidx, d) != K_STOP;
}

/*
 * In a pinned block every instruction starts with the same register
 * state, so a branch to a slot the block itself translated is a jump to
 * that slot's code, forward (an if) or backward (a loop).  r15 is made
 * to count as if the block had run straight from its entry to the
 * target: r15 + k (the target's index) stays the number retired.  A
 * backward jump checks the budget and leaves, writing back, when it is
 * spent.
 */
static void
emit_inner_jump(struct cstate *c, int slot, int retired, const struct wb *w)
{
	struct xbuf *b = &c->b;
	int kt = c->kat[slot];
	uint8_t *slow;

	if (retired != kt)
		x_alu_ri(b, X64, ALU_ADD, R15, retired - kt);
	if (kt >= retired) {
		x_patch(x_jmp(b), c->label[slot]);	/* forward: no loop */
		return;
	}
	x_lea(b, RAX, R15, kt);
	x_alu_rm(b, X64, ALU_CMP, RAX, RBP, CTX_BUDGET);
	slow = x_jcc(b, CC_AE);
	x_patch(x_jmp(b), c->label[slot]);
	x_patch(slow, b->p);
	emit_wb(c, w);
	emit_return(c, JX_SLOT, slot, kt);
}

/*
 * A transfer to 'slot' of this page after 'retired' instructions, the
 * registers in 'w' to be written back: r15 += retired; return if the
 * budget is spent; else on to the slot's block (its jump patched now if
 * it exists, later if not), or within a pinned block (emit_inner_jump).
 */
static void
emit_xfer(struct cstate *c, int slot, int retired, const struct wb *w)
{
	struct xbuf *b = &c->b;
	uint8_t *slow, *chain;

	if (c->rc.pinned && slot < DCACHE_SLOTS - 1 &&
	    c->lgen[slot] == c->gen) {
		emit_inner_jump(c, slot, retired, w);
		return;
	}
	emit_wb(c, w);
	x_alu_ri(b, X64, ALU_ADD, R15, retired);
	x_alu_rm(b, X64, ALU_CMP, R15, RBP, CTX_BUDGET);
	slow = x_jcc(b, CC_AE);
	chain = x_jmp(b);
	x_patch(slow, b->p);
	x_patch(chain, b->p);
	emit_return(c, JX_SLOT, slot, 0);
	if (chain == NULL || b->full)
		return;
	if (slot == c->entry) {
		x_patch(chain, c->body);
	} else if (slot < DCACHE_SLOTS - 1 && c->jp->head[slot] != 0) {
		x_patch(chain, c->j->rw + c->jp->head[slot]);
	} else if (slot < DCACHE_SLOTS - 1 && chainable(c, slot)) {
		struct jit_page *jp = c->jp;

		if (jp->nsites == jp->capsites) {
			int n = jp->capsites ? jp->capsites * 2 : 16;
			struct jit_site *s = realloc(jp->sites, (size_t)n * sizeof(*s));

			if (s == NULL)
				return;		/* stays unchained: correct, slower */
			jp->sites = s;
			jp->capsites = n;
		}
		jp->sites[jp->nsites++] = (struct jit_site){
			.field = (uint32_t)(chain - c->j->rw), .target = (uint16_t)slot };
	}
}

static void
emit_stubs(struct cstate *c)
{
	for (int i = 0; i < c->nstubs; i++) {
		struct stub *s = &c->stubs[i];

		x_patch(s->field, c->b.p);
		for (int m = 0; m < s->nmore; m++)
			x_patch(s->more[m], c->b.p);
		switch (s->kind) {
		case STUB_GENERIC:
			emit_wb(c, &s->wb);
			emit_return(c, JX_GENERIC, s->slot, s->retired);
			break;
		case STUB_XFER:
			emit_xfer(c, s->slot, s->retired, &s->wb);
			break;
		case STUB_EXEC:
			/* ctx.exec is set; nothing is cached. */
			emit_return(c, JX_EXEC, 0, s->retired);
			break;
		default:	/* STUB_PC: slot holds the byte offset */
			emit_wb(c, &s->wb);
			emit_pc_exit(c, s->slot, s->retired);
			break;
		}
	}
}

/*
 * Instructions a block runs by calling hart_exec() in place, as QEMU
 * calls its helpers: the F and D instructions jit_fp.c does not
 * translate (the interpreter's exact FP code), AMOs, LR/SC, FENCE and
 * the CSR instructions.  None of the first ones changes the privilege,
 * the TLB set or the decoded cache; any of them may trap or (a
 * watchpoint) exit, which hart_exec() reports and the block leaves on.
 * A CSR instruction may also change the translation (satp) or make an
 * interrupt takeable: exec_csr_helper() leaves the block then.  FENCE.I
 * and SFENCE.VMA are not among them: after them the page must be looked
 * up again (hart_dcache.h).
 */
/* Whether the (expanded) instruction is CSRRW/S/C or CSRRWI/SI/CI. */
static bool
is_csr(uint32_t insn)
{
	return (insn & 0x7f) == 0x73 && ((insn >> 12) & 3) != 0;
}

static bool
exec_in_block(uint32_t raw)
{
	uint32_t insn = (raw & 3) == 3 ? raw : rvc_expand(raw);

	switch (insn & 0x7f) {
	case 0x07: case 0x27:				/* FLW/FLD, FSW/FSD */
	case 0x43: case 0x47: case 0x4b: case 0x4f:	/* fused multiply-add */
	case 0x53:					/* OP-FP */
	case 0x2f:					/* AMO, LR, SC */
		return insn != 0;
	case 0x0f:
		return ((insn >> 12) & 7) == 0;		/* FENCE */
	case 0x73:
		return is_csr(insn);
	default:
		return false;
	}
}

/*
 * Run one instruction through hart_exec() from inside a block.  Returns
 * 0 to go on with the block, else 1 with ctx.exec set: it did not simply
 * retire (a trap, an exit), or it wrote code (an FP store or AMO into a
 * page with blocks, maybe this one: the block may be stale now).
 */
static int
exec_helper(struct jit_ctx *cx, uint64_t off, uint32_t raw)
{
	struct hart *h = cx->h;
	uint64_t drops = h->jit->st.page_drops;
	int r;

	h->pc = cx->page_va + off;
	r = hart_exec(h, raw);
	if (r == X_OK && h->jit->st.page_drops == drops)
		return 0;
	cx->exec = r;
	return 1;
}

/*
 * exec_helper() for a CSR instruction, the k-th of its block: the
 * counters read instret, so it is made exact first (retired = r15 + k).
 * The block goes on after it unless it changed the translation (satp,
 * or the TLB set) or made an interrupt takeable, which is taken here as
 * the run loop would after X_OK_IRQ (the loop then sees a jump).
 */
static int
exec_csr_helper(struct jit_ctx *cx, uint64_t off, uint32_t raw,
    uint64_t retired)
{
	struct hart *h = cx->h;
	uint64_t satp = h->satp;
	bool fp_csr = (raw >> 20) <= 3;
	int r;

	h->pc = cx->page_va + off;
	h->instret = cx->ic0 + retired;
	if (fp_csr) {
		/* fflags, frm, fcsr: as exec_fp_helper() */
		jit_fp_fold(h);
		r = hart_exec(h, raw);
		jit_fp_clear();
	} else {
		r = hart_exec(h, raw);
	}
	if (r == X_OK_IRQ) {
		if (!h->ctl->mask_hwintr && h->mie != 0 &&
		    hart_take_interrupt(h)) {
			cx->exec = X_JUMP;
			return 1;
		}
		r = X_OK;
	}
	if (r == X_OK && h->satp == satp && h->tlb == cx->tlb)
		return 0;
	cx->exec = r;
	return 1;
}

/*
 * exec_helper() for an F/D instruction: the flags translated code has
 * left in MXCSR go to fflags first (fpu.c clears them), and what fpu.c
 * leaves raised is dropped after (jit_internal.h, jit_fp.c).
 */
static int
exec_fp_helper(struct jit_ctx *cx, uint64_t off, uint32_t raw)
{
	int r;

	jit_fp_fold(cx->h);
	r = exec_helper(cx, off, raw);
	jit_fp_clear();
	return r;
}

/* Whether raw, one of exec_in_block()'s, is F/D (not an AMO or FENCE). */
static bool
is_fp(uint32_t raw)
{
	uint32_t insn = (raw & 3) == 3 ? raw : rvc_expand(raw);

	return (insn & 0x7f) != 0x2f && (insn & 0x7f) != 0x0f &&
	    (insn & 0x7f) != 0x73;
}

/* exec_helper(ctx, off, raw) or one of its kind; leave if it says so. */
static void
emit_exec(struct cstate *c, int64_t off, uint32_t raw, int k)
{
	struct xbuf *b = &c->b;
	uint32_t insn = (raw & 3) == 3 ? raw : rvc_expand(raw);
	uintptr_t fn = is_csr(insn) ? (uintptr_t)exec_csr_helper :
	    is_fp(raw) ? (uintptr_t)exec_fp_helper : (uintptr_t)exec_helper;

	rc_drop(c);	/* it reads and writes x[] */
	x_mov_rr(b, X64, RDI, RBP);
	x_mov_ri64(b, RSI, (uint64_t)off);
	x_mov_ri64(b, RDX, raw);
	x_lea(b, RCX, R15, k);		/* exec_csr_helper()'s 'retired' */
	x_mov_ri64(b, RAX, (uint64_t)fn);
	x_call_r(b, RAX);
	x_alu_rr(b, X32, ALU_OR, RAX, RAX);
	add_stub(c, x_jcc(b, CC_NE), STUB_EXEC, 0, k);
}

/*
 * One instruction.  Returns false if the block ends after it (it was an
 * unconditional transfer).
 */
static bool
emit_insn(struct cstate *c, const struct dinsn *d, int op, int len, int slot,
    int k)
{
	struct xbuf *b = &c->b;
	int64_t off = (int64_t)slot * 2;
	int64_t next = off + 2 * len;

	rc_unlock(&c->rc);
	switch (op) {
	case DOP_LUI:
	case DOP_LI:
		if (d->rd != DC_XSINK) {
			x_mov_ri64(b, RAX, (uint64_t)(int64_t)d->imm);
			set_reg(c, d->rd, RAX);
		}
		break;
	case DOP_AUIPC:
		emit_pcrel(c, d->rd, off + d->imm);
		break;
	case DOP_MV:
		if (d->rd != DC_XSINK)
			set_reg(c, d->rd, rd_reg(c, d->rs1));
		break;
	case DOP_JAL: {
		struct wb w;

		emit_pcrel(c, d->rd, next);
		w = rc_dirty(&c->rc);
		emit_xfer(c, slot + d->imm, k + 1, &w);
		return false;
	}
	case DOP_JFAR:
		emit_pcrel(c, d->rd, next);
		rc_flush(c);
		emit_pc_exit(c, off + d->imm, k + 1);
		return false;
	case DOP_JALR:
		x_lea(b, RAX, rd_reg(c, d->rs1), d->imm);
		x_alu_ri(b, X64, ALU_AND, RAX, -2);
		x_store(b, 8, RAX, RBP, CTX_PC);
		emit_pcrel(c, d->rd, next);
		rc_flush(c);
		emit_return(c, JX_PC, 0, k + 1);
		return false;
	case DOP_BEQ: case DOP_BNE: case DOP_BLT: case DOP_BGE:
	case DOP_BLTU: case DOP_BGEU:
		x_alu_rr(b, X64, ALU_CMP, rd_reg(c, d->rs1), rd_reg(c, d->rs2));
		add_stub(c, x_jcc(b, branch_cc(op)), STUB_XFER, slot + d->imm, k + 1);
		break;
	case DOP_BFAR:
		x_alu_rr(b, X64, ALU_CMP, rd_reg(c, d->rs1), rd_reg(c, d->rs2));
		add_stub(c, x_jcc(b, funct3_cc(d->rd)), STUB_PC,
		    (int)(off + d->imm), k + 1);
		break;
	case DOP_LB: emit_load(c, d, 1, true, slot, k); break;
	case DOP_LH: emit_load(c, d, 2, true, slot, k); break;
	case DOP_LW: emit_load(c, d, 4, true, slot, k); break;
	case DOP_LD: emit_load(c, d, 8, false, slot, k); break;
	case DOP_LBU: emit_load(c, d, 1, false, slot, k); break;
	case DOP_LHU: emit_load(c, d, 2, false, slot, k); break;
	case DOP_LWU: emit_load(c, d, 4, false, slot, k); break;
	case DOP_SB: emit_store(c, d, 1, slot, k); break;
	case DOP_SH: emit_store(c, d, 2, slot, k); break;
	case DOP_SW: emit_store(c, d, 4, slot, k); break;
	case DOP_SD: emit_store(c, d, 8, slot, k); break;
	case DOP_ADDI:
	case DOP_ADDI_F:
		emit_alu_imm(c, d, ALU_ADD, X64);
		break;
	case DOP_SLTI: emit_set(c, d, CC_L, true); break;
	case DOP_SLTIU: emit_set(c, d, CC_B, true); break;
	case DOP_XORI: emit_alu_imm(c, d, ALU_XOR, X64); break;
	case DOP_ORI: emit_alu_imm(c, d, ALU_OR, X64); break;
	case DOP_ANDI: emit_alu_imm(c, d, ALU_AND, X64); break;
	case DOP_SLLI: emit_shift_imm(c, d, SH_SHL, X64); break;
	case DOP_SRLI: emit_shift_imm(c, d, SH_SHR, X64); break;
	case DOP_SRAI: emit_shift_imm(c, d, SH_SAR, X64); break;
	case DOP_ADD:
	case DOP_ADD_F:
		emit_alu_reg(c, d, ALU_ADD, X64);
		break;
	case DOP_SUB: emit_alu_reg(c, d, ALU_SUB, X64); break;
	case DOP_XOR: emit_alu_reg(c, d, ALU_XOR, X64); break;
	case DOP_OR: emit_alu_reg(c, d, ALU_OR, X64); break;
	case DOP_AND: emit_alu_reg(c, d, ALU_AND, X64); break;
	case DOP_SLT: emit_set(c, d, CC_L, false); break;
	case DOP_SLTU: emit_set(c, d, CC_B, false); break;
	case DOP_SLL: emit_shift_reg(c, d, SH_SHL, X64); break;
	case DOP_SRL: emit_shift_reg(c, d, SH_SHR, X64); break;
	case DOP_SRA: emit_shift_reg(c, d, SH_SAR, X64); break;
	case DOP_ADDIW: emit_alu_imm(c, d, ALU_ADD, X32); break;
	case DOP_SLLIW: emit_shift_imm(c, d, SH_SHL, X32); break;
	case DOP_SRLIW: emit_shift_imm(c, d, SH_SHR, X32); break;
	case DOP_SRAIW: emit_shift_imm(c, d, SH_SAR, X32); break;
	case DOP_ADDW: emit_alu_reg(c, d, ALU_ADD, X32); break;
	case DOP_SUBW: emit_alu_reg(c, d, ALU_SUB, X32); break;
	case DOP_SLLW: emit_shift_reg(c, d, SH_SHL, X32); break;
	case DOP_SRLW: emit_shift_reg(c, d, SH_SHR, X32); break;
	case DOP_SRAW: emit_shift_reg(c, d, SH_SAR, X32); break;
	case DOP_MUL:
		load_a(c, d, X64);
		x_imul_rr(b, X64, RAX, rd_reg(c, d->rs2));
		set_reg(c, d->rd, RAX);
		break;
	case DOP_MULW:
		load_a(c, d, X32);
		x_imul_rr(b, X32, RAX, rd_reg(c, d->rs2));
		set_reg_w(c, d->rd);
		break;
	case DOP_MULH:
	case DOP_MULHU:
		load_a(c, d, X64);
		x_mul_wide_r(b, op == DOP_MULH, rd_reg(c, d->rs2));
		set_reg(c, d->rd, RDX);
		break;
	case DOP_MULHSU: {
		/* signed a * unsigned b: the unsigned high half, less b if a < 0 */
		int bv;

		load_a(c, d, X64);
		bv = rd_reg(c, d->rs2);
		x_mov_rr(b, X64, RCX, RAX);
		x_mul_wide_r(b, false, bv);
		x_shift_ri(b, X64, SH_SAR, RCX, 63);
		x_alu_rr(b, X64, ALU_AND, RCX, bv);
		x_alu_rr(b, X64, ALU_SUB, RDX, RCX);
		set_reg(c, d->rd, RDX);
		break;
	}
	case DOP_DIV: emit_call2(c, d, h_div); break;
	case DOP_DIVU: emit_call2(c, d, h_divu); break;
	case DOP_REM: emit_call2(c, d, h_rem); break;
	case DOP_REMU: emit_call2(c, d, h_remu); break;
	case DOP_DIVW: emit_call2(c, d, h_divw); break;
	case DOP_DIVUW: emit_call2(c, d, h_divuw); break;
	case DOP_REMW: emit_call2(c, d, h_remw); break;
	case DOP_REMUW: emit_call2(c, d, h_remuw); break;
	}
	return true;
}

/* Whether the translator carries out 'op' (else the block ends before it). */
static bool
translatable(int op)
{
	return op >= DOP_LUI && op < DOP_BPT;
}

/* The 32-bit form of the raw instruction at a slot. */
static uint32_t
slot_insn(struct hart *h, uint64_t pidx, int slot)
{
	uint32_t raw = dcache_raw(h, pidx, (unsigned)slot * 2);

	return (raw & 3) == 3 ? raw : rvc_expand(raw);
}

/* What a block does with a slot (decoding it first if need be). */
static int
slot_kind(struct hart *h, uint64_t pidx, struct dinsn *d)
{
	struct dpage *p = h->dc.pages[pidx];
	uint32_t raw;

	if (d->op == DC_INDEX(DOP_DECODE, 1))
		dcache_decode(h, pidx, d);
	if (translatable(d->op >> 1))
		return K_OP;
	if ((d->op >> 1) != DOP_GENERIC)
		return K_STOP;
	raw = dcache_raw(h, pidx, (unsigned)(d - p->slot) * 2);
	if (jit_fp_ok((raw & 3) == 3 ? raw : rvc_expand(raw)))
		return K_FP;
	if (jit_amo_ok(raw))
		return K_AMO;
	return exec_in_block(raw) ? K_EXEC : K_STOP;
}

/* Guest registers an operation reads and writes (bit masks), or false for a helper call. */
static bool
regs_of(const struct dinsn *d, int op, uint64_t *rd, uint64_t *wr)
{
	uint64_t r1 = UINT64_C(1) << d->rs1, r2 = UINT64_C(1) << d->rs2;
	uint64_t w = d->rd == DC_XSINK ? 0 : UINT64_C(1) << d->rd;

	switch (op) {
	case DOP_LUI: case DOP_LI: case DOP_AUIPC: case DOP_JAL: case DOP_JFAR:
		*wr |= w;
		return true;
	case DOP_BEQ: case DOP_BNE: case DOP_BLT: case DOP_BGE:
	case DOP_BLTU: case DOP_BGEU: case DOP_BFAR:
	case DOP_SB: case DOP_SH: case DOP_SW: case DOP_SD:
		*rd |= r1 | r2;
		return true;
	case DOP_DIV: case DOP_DIVU: case DOP_REM: case DOP_REMU:
	case DOP_DIVW: case DOP_DIVUW: case DOP_REMW: case DOP_REMUW:
		return false;
	case DOP_MV: case DOP_JALR: case DOP_ADDI: case DOP_ADDI_F:
	case DOP_SLTI: case DOP_SLTIU: case DOP_XORI: case DOP_ORI:
	case DOP_ANDI: case DOP_SLLI: case DOP_SRLI: case DOP_SRAI:
	case DOP_ADDIW: case DOP_SLLIW: case DOP_SRLIW: case DOP_SRAIW:
	case DOP_LB: case DOP_LH: case DOP_LW: case DOP_LD: case DOP_LBU:
	case DOP_LHU: case DOP_LWU:
		*rd |= r1;
		*wr |= w;
		return true;
	default:
		*rd |= r1 | r2;
		*wr |= w;
		return true;
	}
}

/*
 * Scan the block as jit_compile() will translate it; if its registers
 * fit in the pool and it calls nothing, pin them and load them all.
 * regs_of() must name every register emit_insn() touches: a pinned
 * block never evicts.
 */
static void
pin(struct cstate *c, struct hart *h, uint64_t pidx, int entry)
{
	struct dpage *p = h->dc.pages[pidx];
	uint64_t rd = 0, wr = 0, all;
	int slot = entry, n = 0, i = 0;

	for (int k = 0; k < JIT_MAX_INSNS; k++) {
		struct dinsn *d = &p->slot[slot];
		int op, kind = slot_kind(h, pidx, d);

		op = d->op >> 1;
		if (kind == K_STOP)
			break;
		if (op >= DOP_BEQ && op <= DOP_BGEU && slot + d->imm >= 0 &&
		    slot + d->imm < DCACHE_SLOTS)
			c->tgen[slot + d->imm] = c->gen;
		else if (op == DOP_JAL && slot + d->imm >= 0 &&
		    slot + d->imm < DCACHE_SLOTS)
			c->tgen[slot + d->imm] = c->gen;
		if (kind == K_FP)
			jit_fp_xregs(slot_insn(h, pidx, slot), &rd, &wr);
		else if (kind == K_AMO)
			jit_amo_xregs(slot_insn(h, pidx, slot), &rd, &wr);
		else if (kind == K_EXEC || !regs_of(d, op, &rd, &wr))
			return;		/* a call: not pinned */
		if (op == DOP_JAL || op == DOP_JFAR || op == DOP_JALR)
			break;
		slot += (d->op & 1) + 1;
	}
	all = rd | wr;
	for (uint64_t m = all; m != 0; m &= m - 1)
		n++;
	if (n > NPOOL)
		return;
	c->rc.pinned = true;
	c->rc.written = wr;
	for (int g = 0; g < DC_XSINK; g++) {
		if (!((all >> g) & 1))
			continue;
		c->rc.slot_of[g] = (int8_t)i;
		c->rc.guest[i] = (int8_t)g;
		/* Written-only ones too: every exit writes them back. */
		x_load(&c->b, X64, pool[i], RBX, XOFF(g));
		i++;
	}
}

/*
 * Whether the block must end before its next instruction: no room for
 * its stubs, or for its code and everyone's stubs within JIT_BLOCK_ROOM
 * (FP instructions take more than JIT_BLOCK_ROOM reckons per instruction).
 */
static bool
block_full(const struct cstate *c)
{
	ptrdiff_t code = c->b.p - c->body;

	return c->nstubs + STUBS_PER_INSN >
	    (int)(sizeof(c->stubs) / sizeof(c->stubs[0])) ||
	    code + INSN_CODE_MAX + (ptrdiff_t)(c->nstubs + STUBS_PER_INSN + 1) *
	    STUB_CODE_MAX > JIT_BLOCK_ROOM;
}

uint32_t
jit_compile(struct hart *h, uint64_t pidx, int entry)
{
	static _Thread_local struct cstate cs;
	struct cstate *c = &cs;
	struct jit *j = h->jit;
	struct dpage *p = h->dc.pages[pidx];
	int slot = entry, k = 0;
	uint32_t off;

	if (slot_kind(h, pidx, &p->slot[slot]) == K_STOP)
		return 0;
	if (j->size - j->used < JIT_BLOCK_ROOM) {
		jit_flush(h);
		j->st.flushes++;
	}
	c->j = j;
	c->jp = jit_page_get(j, p);
	c->p = p;
	c->h = h;
	c->pidx = pidx;
	if (c->jp == NULL)
		return 0;
	c->entry = entry;
	c->nstubs = 0;
	rc_reset(&c->rc);
	jit_fp_forget(&c->fc);
	c->b = (struct xbuf){ .p = j->rw + j->used, .end = j->rw + j->size };
	c->body = c->b.p;
	c->gen++;
	pin(c, h, pidx, entry);

	for (;;) {
		struct dinsn *d = &p->slot[slot];
		int op, len, kind = slot_kind(h, pidx, d);

		op = d->op >> 1;
		len = (d->op & 1) + 1;
		if (kind == K_STOP || k == JIT_MAX_INSNS || block_full(c)) {
			/* Fall through to the slot (the page end: slot 2048). */
			struct wb w = rc_dirty(&c->rc);

			emit_xfer(c, slot, k, &w);
			break;
		}
		if (c->rc.pinned) {
			c->lgen[slot] = c->gen;
			c->label[slot] = c->b.p;
			c->kat[slot] = (int16_t)k;
			if (c->tgen[slot] == c->gen)	/* an inner jump may land here */
				jit_fp_forget(&c->fc);
		}
		if (kind == K_EXEC) {
			emit_exec(c, (int64_t)slot * 2,
			    dcache_raw(h, pidx, (unsigned)slot * 2), k);
		} else if (kind == K_FP) {
			rc_unlock(&c->rc);
			jit_fp_emit(c, slot_insn(h, pidx, slot), slot, k);
		} else if (kind == K_AMO) {
			rc_unlock(&c->rc);
			jit_amo_emit(c, slot_insn(h, pidx, slot), slot, k);
		} else if (!emit_insn(c, d, op, len, slot, k)) {
			slot += len;	/* the jump is translated too */
			break;
		}
		k++;
		slot += len;
	}
	emit_stubs(c);
	if (c->b.full) {
		/* Cannot happen with JIT_BLOCK_ROOM; start over to be safe. */
		jit_flush(h);
		return 0;
	}
	off = (uint32_t)(c->body - j->rw);
	j->used = (size_t)(c->b.p - j->rw);
	j->used = (j->used + 15) & ~(size_t)15;
	c->jp->head[entry] = off;
	/* The block translated the slots from its entry up to 'slot'. */
	jit_cover(c->jp, entry, slot);
	/* Jumps made earlier to this slot now come straight here. */
	for (int i = 0; i < c->jp->nsites; ) {
		struct jit_site *s = &c->jp->sites[i];

		if (s->target == entry) {
			x_patch(j->rw + s->field, c->body);
			*s = c->jp->sites[--c->jp->nsites];
		} else {
			i++;
		}
	}
	j->st.blocks++;
	j->st.insns += (uint64_t)k;
	j->st.code_bytes += (uint64_t)(c->b.p - c->body);
	return off;
}

int
jit_emit_trampoline(struct jit *j)
{
	static const int saved[] = { RBX, RBP, R12, R13, R14, R15 };
	struct xbuf b = { .p = j->rw, .end = j->rw + j->size };

	/* enter(ctx = rdi, body = rsi) */
	for (int i = 0; i < 6; i++)
		x_push(&b, saved[i]);
	x_alu_ri(&b, X64, ALU_SUB, RSP, 8);	/* 16-byte aligned calls */
	x_mov_rr(&b, X64, RBP, RDI);
	x_load(&b, X64, RBX, RBP, CTX_X);
	x_load(&b, X64, R12, RBP, CTX_TLB);
	x_alu_rr(&b, X32, ALU_XOR, R15, R15);
	x_byte(&b, 0xff);			/* jmp rsi */
	x_byte(&b, 0xe6);
	j->exit_off = (uint32_t)(b.p - j->rw);
	x_alu_ri(&b, X64, ALU_ADD, RSP, 8);
	for (int i = 5; i >= 0; i--)
		x_pop(&b, saved[i]);
	x_ret(&b);
	if (b.full)
		return -1;
	j->base = ((size_t)(b.p - j->rw) + 15) & ~(size_t)15;
	j->used = j->base;
	j->enter = (jit_enter_fn *)(void *)j->rx;
	return 0;
}
