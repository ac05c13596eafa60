/*
 * hart_fast.c - the fast run loop of the hart engine (DESIGN.md section
 * 3): instructions come from the decoded-instruction cache
 * (hart_dcache.h) and are dispatched with computed goto; the pc, the
 * retired count and the current decoded page live in locals; loads and
 * stores that hit the software TLB are done inline.  Anything else (a
 * TLB miss, MMIO, a CSR, a trap, FP, AMOs, system instructions) goes to
 * hart_exec() with the architectural state written back, then the loop
 * looks its page up again.
 *
 * Used for everything but the exact single step (mtrap_exit) and the
 * one instruction that passes a reported debug point (hart.c's reference
 * loop).  Debug points cost nothing per instruction: a breakpoint is a
 * marked decoded slot (DOP_BPT, hart_dcache.h), checked when the loop
 * enters a page whose virtual page may hold one (hart_bp_page); a
 * watched page never enters the TLB for the watched kind of access
 * (hart_mmu.c), so its accesses take hart_exec()'s slow path, which
 * checks the watchpoints.  With no debug point set, the only trace of
 * debugging is one bit test per page lookup.
 *
 * Kick bound: the retired count is compared with a limit at every taken
 * control transfer, every page change and every instruction that leaves
 * the loop's fast path; straight-line code inside one page runs at most
 * 2048 instructions without one of those, so a kick is seen after at
 * most HART_KICK_BUDGET + 2048 instructions.
 */

#include "guest_mem.h"
#include "hart.h"
#include "hart_dcache.h"
#include "hart_exec.h"

/*
 * Each handler must end in its own indirect jump (threaded code: the
 * host predicts each one separately), so GCC must not merge the tails.
 */
/* Both dispatch entries of an op: compressed (_c) and 32-bit (_n) handlers. */
#define ENT(op, name)	[DC_INDEX(op, 1)] = &&name##_c, [DC_INDEX(op, 2)] = &&name##_n
/* Both entries to one handler that does not care about the length. */
#define ENT1(op, name)	[DC_INDEX(op, 1)] = &&name, [DC_INDEX(op, 2)] = &&name

static _Atomic(const void *const *) fast_labels;

/* Handler addresses for the decoder: hart_run_fast(NULL, NULL) sets them. */
const void *const *
hart_fast_labels(void)
{
	if (atomic_load(&fast_labels) == NULL)
		hart_run_fast(NULL, NULL);
	return atomic_load(&fast_labels);
}

int
hart_run_fast(struct hart *h, const struct hart_run_ctl *ctl)
{
	static const void *const op_label[DOP_COUNT * 2] = {
		ENT1(DOP_DECODE, L_DECODE), ENT1(DOP_GENERIC, L_GENERIC),
		ENT1(DOP_CROSS, L_CROSS), ENT1(DOP_PAGE_END, L_PAGE_END),
		ENT(DOP_LUI, L_LUI), ENT(DOP_AUIPC, L_AUIPC),
		ENT(DOP_JAL, L_JAL), ENT(DOP_JALR, L_JALR),
		ENT(DOP_BEQ, L_BEQ), ENT(DOP_BNE, L_BNE), ENT(DOP_BLT, L_BLT),
		ENT(DOP_BGE, L_BGE), ENT(DOP_BLTU, L_BLTU), ENT(DOP_BGEU, L_BGEU),
		ENT(DOP_LB, L_LB), ENT(DOP_LH, L_LH), ENT(DOP_LW, L_LW),
		ENT(DOP_LD, L_LD), ENT(DOP_LBU, L_LBU), ENT(DOP_LHU, L_LHU),
		ENT(DOP_LWU, L_LWU),
		ENT(DOP_SB, L_SB), ENT(DOP_SH, L_SH), ENT(DOP_SW, L_SW),
		ENT(DOP_SD, L_SD),
		ENT(DOP_ADDI, L_ADDI), ENT(DOP_SLTI, L_SLTI),
		ENT(DOP_SLTIU, L_SLTIU), ENT(DOP_XORI, L_XORI),
		ENT(DOP_ORI, L_ORI), ENT(DOP_ANDI, L_ANDI),
		ENT(DOP_SLLI, L_SLLI), ENT(DOP_SRLI, L_SRLI),
		ENT(DOP_SRAI, L_SRAI),
		ENT(DOP_ADD, L_ADD), ENT(DOP_SUB, L_SUB), ENT(DOP_SLL, L_SLL),
		ENT(DOP_SLT, L_SLT), ENT(DOP_SLTU, L_SLTU), ENT(DOP_XOR, L_XOR),
		ENT(DOP_SRL, L_SRL), ENT(DOP_SRA, L_SRA), ENT(DOP_OR, L_OR),
		ENT(DOP_AND, L_AND),
		ENT(DOP_ADDIW, L_ADDIW), ENT(DOP_SLLIW, L_SLLIW),
		ENT(DOP_SRLIW, L_SRLIW), ENT(DOP_SRAIW, L_SRAIW),
		ENT(DOP_ADDW, L_ADDW), ENT(DOP_SUBW, L_SUBW),
		ENT(DOP_SLLW, L_SLLW), ENT(DOP_SRLW, L_SRLW),
		ENT(DOP_SRAW, L_SRAW),
		ENT(DOP_MUL, L_MUL), ENT(DOP_MULH, L_MULH),
		ENT(DOP_MULHSU, L_MULHSU), ENT(DOP_MULHU, L_MULHU),
		ENT(DOP_DIV, L_DIV), ENT(DOP_DIVU, L_DIVU), ENT(DOP_REM, L_REM),
		ENT(DOP_REMU, L_REMU), ENT(DOP_MULW, L_MULW),
		ENT(DOP_DIVW, L_DIVW), ENT(DOP_DIVUW, L_DIVUW),
		ENT(DOP_REMW, L_REMW), ENT(DOP_REMUW, L_REMUW),
		ENT(DOP_MV, L_MV), ENT(DOP_LI, L_LI),
		ENT(DOP_BFAR, L_BFAR), ENT(DOP_JFAR, L_JFAR),
		ENT(DOP_ADD_F, L_ADD_F), ENT(DOP_ADDI_F, L_ADDI_F),
		ENT1(DOP_BPT, L_BPT),
	};
	/*
	 * Second halves of fused pairs (rs1 comes in fv), by DC_INDEX.  Any
	 * other op (the slot was reset or re-decoded since the pair was
	 * fused) runs its own handler, which reads rs1 from x[]: the first
	 * half has written it there, so that is always correct.
	 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
	static const void *const fused_label[DOP_COUNT * 2] = {
		[0 ... DOP_COUNT * 2 - 1] = &&F_OWN,
		ENT(DOP_BEQ, F_BEQ), ENT(DOP_BNE, F_BNE), ENT(DOP_BLT, F_BLT),
		ENT(DOP_BGE, F_BGE), ENT(DOP_BLTU, F_BLTU), ENT(DOP_BGEU, F_BGEU),
		ENT(DOP_LB, F_LB), ENT(DOP_LH, F_LH), ENT(DOP_LW, F_LW),
		ENT(DOP_LD, F_LD), ENT(DOP_LBU, F_LBU), ENT(DOP_LHU, F_LHU),
		ENT(DOP_LWU, F_LWU),
		ENT(DOP_SB, F_SB), ENT(DOP_SH, F_SH), ENT(DOP_SW, F_SW),
		ENT(DOP_SD, F_SD),
	};
#pragma GCC diagnostic pop
	uint64_t *x;
	uint64_t pc, ic, limit;
	uint64_t page_va = 0, pidx = 0;
	struct dinsn *base = NULL, *d = NULL;
	uint64_t fv = 0;	/* the sum a fused pair hands over */
	unsigned timer_checks = 0;
	/* h->tlb, reloaded wherever the privilege may have changed. */
	struct tlb_entry (*tlb)[HART_TLB_SIZE] = NULL;
	int r;

	if (h == NULL) {
		atomic_store(&fast_labels, op_label);
		return 0;
	}
	x = h->x;
	pc = h->pc;
	ic = h->instret;
	limit = hart_limit(h, ic, HART_KICK_BUDGET);

/* pc of the current instruction. */
#define PC()	(page_va + (uint64_t)((d - base) * 2))
#define DISPATCH()	goto *d->fn
/* Retire the current instruction of n halfwords and run the next. */
#define NEXT(n)	do { ic++; d += (n); DISPATCH(); } while (0)
/* A control transfer to 'target' by the current (retiring) instruction. */
#define JUMP(target) do {						\
	pc = (target);							\
	ic++;								\
	if (__builtin_expect(ic >= limit, 0))				\
		goto check;						\
	if (((pc ^ page_va) >> 12) == 0) {				\
		d = base + ((pc & 0xfff) >> 1);				\
		DISPATCH();						\
	}								\
	goto lookup;							\
} while (0)
/* A taken branch or JAL to a slot on this page (delta in imm). */
#define JUMP_NEAR() do {						\
	ic++;								\
	d += d->imm;							\
	if (__builtin_expect(ic >= limit, 0)) {				\
		pc = PC();						\
		goto check;						\
	}								\
	DISPATCH();							\
} while (0)
#define BRANCH(n, cond) do {						\
	if (cond)							\
		JUMP_NEAR();						\
	NEXT(n);							\
} while (0)
#define LOAD(n, type, utype)	LOAD_B(n, type, utype, x[d->rs1])
#define LOAD_B(n, type, utype, base) do {				\
	uint64_t va = (base) + (uint64_t)(int64_t)d->imm;		\
	const struct tlb_entry *e =					\
	    &tlb[ACC_LOAD][TLB_INDEX(va)];				\
	type v;								\
	if (__builtin_expect(e->tag != TLB_PAGE(va + sizeof(type) - 1), 0)) \
		goto L_GENERIC;						\
	gmem_read(&v, (const void *)(uintptr_t)(va + e->addend), sizeof(v)); \
	x[d->rd] = (uint64_t)(utype)v;					\
	NEXT(n);							\
} while (0)
#define STORE(n, type)	STORE_B(n, type, x[d->rs1])
#define STORE_B(n, type, base) do {					\
	uint64_t va = (base) + (uint64_t)(int64_t)d->imm;		\
	const struct tlb_entry *e =					\
	    &tlb[ACC_STORE][TLB_INDEX(va)];				\
	type v = (type)x[d->rs2];					\
	if (__builtin_expect(e->tag != TLB_PAGE(va + sizeof(type) - 1), 0)) \
		goto L_GENERIC;						\
	gmem_write((void *)(uintptr_t)(va + e->addend), &v, sizeof(v)); \
	NEXT(n);							\
} while (0)
#define ALU(n, expr) do { x[d->rd] = (expr); NEXT(n); } while (0)
/* First half of a fused pair: write rd, keep the value, run the second. */
#define FUSE(n, expr) do {						\
	fv = (expr);							\
	x[d->rd] = fv;							\
	ic++;								\
	d += (n);							\
	goto *fused_label[d->op];					\
} while (0)
#define A	x[d->rs1]
#define B	x[d->rs2]
#define IMM	((uint64_t)(int64_t)d->imm)
#define SX32(v)	((uint64_t)(int64_t)(int32_t)(v))

	goto lookup;

/*
 * The handlers, instantiated for each instruction length n (halfwords):
 * suffix _c for compressed, _n for 32-bit instructions.
 */
#define HANDLERS(S, n)							\
L_LUI##S:	ALU(n, IMM);						\
L_AUIPC##S:	ALU(n, PC() + IMM);					\
L_JAL##S:							\
	x[d->rd] = PC() + 2 * (n);					\
	JUMP_NEAR();							\
L_JFAR##S: {							\
		uint64_t cur = PC();					\
		x[d->rd] = cur + 2 * (n);				\
		JUMP(cur + IMM);					\
	}								\
L_JALR##S: {							\
		uint64_t cur = PC(), t = (A + IMM) & ~UINT64_C(1);	\
		x[d->rd] = cur + 2 * (n);				\
		JUMP(t);						\
	}								\
L_BFAR##S: {							\
		bool t;							\
		switch (d->rd) {	/* funct3 */			\
		case 0: t = A == B; break;				\
		case 1: t = A != B; break;				\
		case 4: t = (int64_t)A < (int64_t)B; break;		\
		case 5: t = (int64_t)A >= (int64_t)B; break;		\
		case 6: t = A < B; break;				\
		default: t = A >= B; break;				\
		}							\
		if (t)							\
			JUMP(PC() + IMM);				\
		NEXT(n);						\
	}								\
L_ADD_F##S:	FUSE(n, A + B);						\
L_ADDI_F##S:	FUSE(n, A + IMM);					\
F_BEQ##S:	BRANCH(n, fv == B);					\
F_BNE##S:	BRANCH(n, fv != B);					\
F_BLT##S:	BRANCH(n, (int64_t)fv < (int64_t)B);			\
F_BGE##S:	BRANCH(n, (int64_t)fv >= (int64_t)B);			\
F_BLTU##S:	BRANCH(n, fv < B);					\
F_BGEU##S:	BRANCH(n, fv >= B);					\
F_LB##S:	LOAD_B(n, int8_t, int64_t, fv);				\
F_LH##S:	LOAD_B(n, int16_t, int64_t, fv);			\
F_LW##S:	LOAD_B(n, int32_t, int64_t, fv);			\
F_LD##S:	LOAD_B(n, uint64_t, uint64_t, fv);			\
F_LBU##S:	LOAD_B(n, uint8_t, uint64_t, fv);			\
F_LHU##S:	LOAD_B(n, uint16_t, uint64_t, fv);			\
F_LWU##S:	LOAD_B(n, uint32_t, uint64_t, fv);			\
F_SB##S:	STORE_B(n, uint8_t, fv);				\
F_SH##S:	STORE_B(n, uint16_t, fv);				\
F_SW##S:	STORE_B(n, uint32_t, fv);				\
F_SD##S:	STORE_B(n, uint64_t, fv);				\
L_BEQ##S:	BRANCH(n, A == B);					\
L_BNE##S:	BRANCH(n, A != B);					\
L_BLT##S:	BRANCH(n, (int64_t)A < (int64_t)B);			\
L_BGE##S:	BRANCH(n, (int64_t)A >= (int64_t)B);			\
L_BLTU##S:	BRANCH(n, A < B);					\
L_BGEU##S:	BRANCH(n, A >= B);					\
L_LB##S:	LOAD(n, int8_t, int64_t);				\
L_LH##S:	LOAD(n, int16_t, int64_t);				\
L_LW##S:	LOAD(n, int32_t, int64_t);				\
L_LD##S:	LOAD(n, uint64_t, uint64_t);				\
L_LBU##S:	LOAD(n, uint8_t, uint64_t);				\
L_LHU##S:	LOAD(n, uint16_t, uint64_t);				\
L_LWU##S:	LOAD(n, uint32_t, uint64_t);				\
L_SB##S:	STORE(n, uint8_t);					\
L_SH##S:	STORE(n, uint16_t);					\
L_SW##S:	STORE(n, uint32_t);					\
L_SD##S:	STORE(n, uint64_t);					\
L_ADDI##S:	ALU(n, A + IMM);					\
L_MV##S:	ALU(n, A);						\
L_LI##S:	ALU(n, IMM);						\
L_SLTI##S:	ALU(n, (int64_t)A < (int64_t)IMM);			\
L_SLTIU##S:	ALU(n, A < IMM);					\
L_XORI##S:	ALU(n, A ^ IMM);					\
L_ORI##S:	ALU(n, A | IMM);					\
L_ANDI##S:	ALU(n, A & IMM);					\
L_SLLI##S:	ALU(n, A << d->imm);					\
L_SRLI##S:	ALU(n, A >> d->imm);					\
L_SRAI##S:	ALU(n, (uint64_t)((int64_t)A >> d->imm));		\
L_ADD##S:	ALU(n, A + B);						\
L_SUB##S:	ALU(n, A - B);						\
L_SLL##S:	ALU(n, A << (B & 63));					\
L_SLT##S:	ALU(n, (int64_t)A < (int64_t)B);			\
L_SLTU##S:	ALU(n, A < B);						\
L_XOR##S:	ALU(n, A ^ B);						\
L_SRL##S:	ALU(n, A >> (B & 63));					\
L_SRA##S:	ALU(n, (uint64_t)((int64_t)A >> (B & 63)));		\
L_OR##S:	ALU(n, A | B);						\
L_AND##S:	ALU(n, A & B);						\
L_ADDIW##S:	ALU(n, SX32(A + IMM));					\
L_SLLIW##S:	ALU(n, SX32((uint32_t)A << d->imm));			\
L_SRLIW##S:	ALU(n, SX32((uint32_t)A >> d->imm));			\
L_SRAIW##S:	ALU(n, SX32((int32_t)A >> d->imm));			\
L_ADDW##S:	ALU(n, SX32(A + B));					\
L_SUBW##S:	ALU(n, SX32(A - B));					\
L_SLLW##S:	ALU(n, SX32((uint32_t)A << (B & 31)));			\
L_SRLW##S:	ALU(n, SX32((uint32_t)A >> (B & 31)));			\
L_SRAW##S:	ALU(n, SX32((int32_t)A >> (B & 31)));			\
L_MUL##S:	ALU(n, A * B);						\
L_MULH##S:	ALU(n, (uint64_t)(((__int128)(int64_t)A * (int64_t)B) >> 64)); \
L_MULHSU##S:	ALU(n, (uint64_t)(((__int128)(int64_t)A *		\
		    (unsigned __int128)B) >> 64));			\
L_MULHU##S:	ALU(n, (uint64_t)(((unsigned __int128)A * B) >> 64));	\
L_DIV##S: {							\
		int64_t a = (int64_t)A, b = (int64_t)B;			\
		ALU(n, b == 0 ? UINT64_MAX : (a == INT64_MIN && b == -1) ? \
		    (uint64_t)a : (uint64_t)(a / b));			\
	}								\
L_DIVU##S:	ALU(n, B == 0 ? UINT64_MAX : A / B);			\
L_REM##S: {							\
		int64_t a = (int64_t)A, b = (int64_t)B;			\
		ALU(n, b == 0 ? (uint64_t)a : (a == INT64_MIN && b == -1) ? \
		    0 : (uint64_t)(a % b));				\
	}								\
L_REMU##S:	ALU(n, B == 0 ? A : A % B);				\
L_MULW##S:	ALU(n, SX32((uint32_t)A * (uint32_t)B));		\
L_DIVW##S: {							\
		int32_t a = (int32_t)A, b = (int32_t)B;			\
		ALU(n, b == 0 ? UINT64_MAX : (a == INT32_MIN && b == -1) ? \
		    SX32(a) : SX32(a / b));				\
	}								\
L_DIVUW##S: {							\
		uint32_t a = (uint32_t)A, b = (uint32_t)B;		\
		ALU(n, b == 0 ? UINT64_MAX : SX32(a / b));		\
	}								\
L_REMW##S: {							\
		int32_t a = (int32_t)A, b = (int32_t)B;			\
		ALU(n, b == 0 ? SX32(a) : (a == INT32_MIN && b == -1) ?	\
		    0 : SX32(a % b));					\
	}								\
L_REMUW##S: {							\
		uint32_t a = (uint32_t)A, b = (uint32_t)B;		\
		ALU(n, b == 0 ? SX32(a) : SX32(a % b));			\
	}

	HANDLERS(_c, 1)
	HANDLERS(_n, 2)

lookup:
	/* Find the decoded slot for pc through the fetch TLB. */
	if (__builtin_expect(h->dc.npending != 0, 0))
		dcache_drop_data_pages(h);	/* no pointer into a page held */
	tlb = h->tlb;
	{
		const struct tlb_entry *e =
		    &tlb[ACC_FETCH][TLB_INDEX(pc)];
		uint32_t insn;
		struct dpage *p;

		if (__builtin_expect(e->tag != TLB_PAGE(pc), 0)) {
			/* Translate (and fill the TLB) or take the fetch fault. */
			h->pc = pc;
			r = hart_fetch(h, pc, &insn);
			if (r != MEM_OK) {
				/* A breakpoint comes before the fetch, as in hart.c. */
				h->instret = ic;
				if (h->nbps != 0 && hart_bp_hit(h, pc))
					return hart_bp_exit(h, pc);
				hart_trap(h, (uint64_t)(r - 1), h->fault_tval, false);
				pc = h->pc;
				goto trapped;
			}
			if (e->tag != TLB_PAGE(pc))
				goto cross;	/* not cacheable: run it directly */
		}
		pidx = ((uintptr_t)(pc & ~UINT64_C(0xfff)) + e->addend -
		    (uintptr_t)h->env.ram) >> 12;
		p = dcache_current(&h->dc, pidx);
		if (__builtin_expect(p == NULL, 0)) {
			p = dcache_page(h, pidx);
			if (p == NULL)
				goto cross;
		}
		p->data_writes = 0;	/* it is code (DCACHE_DATA_WRITES) */
		base = p->slot;
		page_va = pc & ~UINT64_C(0xfff);
		if (__builtin_expect(hart_bp_page(h, page_va), 0))
			dcache_mark_bps(h, pidx, page_va);
		d = base + ((pc & 0xfff) >> 1);
		DISPATCH();
	}

check:
	/* The kick check, and interrupts (HART_KICK_BUDGET, hart.h). */
	h->pc = pc;
	h->instret = ic;
	if (atomic_load_explicit(h->env.kick, memory_order_relaxed) ||
	    ic >= h->run_cap)
		return HART_KICK;
	/*
	 * Here only the passing of time can make an interrupt pending and
	 * enabled: lines from outside come with a kick, and every
	 * instruction that enables or lowers privilege returns X_OK_IRQ,
	 * which looks at once.  So read the clock (hart_take_interrupt) on
	 * every HART_TIMER_CHECKS-th check only: timer interrupts are taken
	 * within HART_TIMER_CHECKS kick bounds.
	 */
	if (!ctl->mask_hwintr && h->mie != 0 &&
	    ++timer_checks >= HART_TIMER_CHECKS) {
		timer_checks = 0;
		hart_take_interrupt(h);
	}
	pc = h->pc;
	limit = hart_limit(h, ic, HART_KICK_BUDGET);
	goto lookup;

L_DECODE:
	dcache_decode(h, pidx, d);
	DISPATCH();

F_OWN:
	DISPATCH();

L_BPT:
	/*
	 * A slot marked as a possible breakpoint: stop if its pc is one,
	 * else run it from memory (another alias's breakpoint), checked.
	 */
	pc = PC();
	h->instret = ic;
	if (hart_bp_hit(h, pc))
		return hart_bp_exit(h, pc);
	h->checked_instret++;
	goto fetch_exec;

L_CROSS:
	pc = PC();
cross:
	/* Fetch from memory (page-straddling or uncacheable), then execute. */
	h->instret = ic;
	if (__builtin_expect(h->nbps != 0, 0) && hart_bp_hit(h, pc))
		return hart_bp_exit(h, pc);
fetch_exec:
	{
		uint32_t insn;

		h->pc = pc;
		r = hart_fetch(h, pc, &insn);
		if (r != MEM_OK) {
			hart_trap(h, (uint64_t)(r - 1), h->fault_tval, false);
			pc = h->pc;
			goto trapped;
		}
		h->instret = ic;
		r = hart_exec(h, insn);
		goto generic_done;
	}

L_GENERIC:
	h->pc = PC();
	h->instret = ic;
	r = hart_exec(h, dcache_raw(h, pidx, (unsigned)(d - base) * 2));
generic_done:
	pc = h->pc;
	switch (r) {
	case X_OK:
	case X_JUMP:
		ic++;
		break;
	case X_OK_IRQ:
		ic++;
		h->instret = ic;
		if (!ctl->mask_hwintr && h->mie != 0 && hart_take_interrupt(h))
			pc = h->pc;
		break;
	case X_TRAP:
		goto trapped;
	case X_EXIT:
		h->instret = ic;
		return HART_EXIT;
	case X_WFI:
		h->instret = ic + 1;
		return hart_wfi_exit(h, ctl);
	}
	if (ic >= limit)
		goto check;
	goto lookup;

trapped:
	/*
	 * A trap retires nothing but still uses up budget, so that a trap
	 * loop (e.g. mtvec on an unmapped page) keeps seeing kicks.
	 */
	limit--;
	if (ic >= limit)
		goto check;
	goto lookup;

L_PAGE_END:
	pc = page_va + 4096;
	if (ic >= limit)
		goto check;
	goto lookup;

#undef PC
#undef DISPATCH
#undef NEXT
#undef JUMP
#undef JUMP_NEAR
#undef BRANCH
#undef LOAD
#undef LOAD_B
#undef FUSE
#undef STORE
#undef STORE_B
#undef ALU
#undef A
#undef B
#undef IMM
#undef SX32
#undef HANDLERS
}
