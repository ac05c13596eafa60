/*
 * jit_fp.c - the common F and D instructions as inline x86-64 SSE2 code
 * (contract in jit_internal.h).  fpu.c and hart_exec.c's exec_fp() are
 * the reference; what is translated here does exactly what they do:
 *
 * - Arithmetic (FADD, FSUB, FMUL, FDIV, FSQRT, .S and .D) only in RNE:
 *   a static rm of RNE, or DYN with frm = RNE checked at run time (a
 *   side exit otherwise: the interpreter does the other modes and the
 *   illegal ones).  fpu.c computes these on the host's SSE unit too, or
 *   on its fast path, which reproduces the host's results and flags; the
 *   host with MXCSR in its C default (RNE, all exceptions masked, FTZ
 *   and DAZ off, which nothing in rhyve changes) detects tininess after
 *   rounding as RISC-V does.  Where they differ is NaNs: RISC-V returns
 *   the canonical NaN and SSE propagates an input NaN or makes its own
 *   (negative) default NaN, so a NaN result is replaced by the canonical
 *   one.  The flags agree even then: SSE raises invalid for a signaling
 *   input and for the invalid operations (inf - inf, 0 * inf, 0 / 0,
 *   inf / inf, sqrt of a negative), never for a quiet input, like fpu.c.
 * - Compares (FEQ quiet, FLT and FLE signaling) map onto UCOMIS and
 *   COMIS, which raise invalid exactly for signaling inputs and for any
 *   NaN respectively.  Sign injection and the moves are bit operations.
 * - A single operand that is not NaN-boxed reads as the canonical NaN in
 *   fpu.c; that is rare enough to leave to it (a side exit).  Singles
 *   are written boxed, with one 64-bit store (a later 64-bit read is then
 *   forwarded from it).
 * - mstatus.FS: every F/D instruction but a store makes FS Dirty, and FS
 *   Off makes them all illegal.  The code here runs only with FS Dirty
 *   (stores: not Off) and leaves otherwise; the interpreter then runs the
 *   instruction, which makes FS Dirty, so this happens once after each
 *   time FS is made Clean (a context switch in Linux).  The check is made
 *   once per straight run of a block (check_fs()).
 * - Operands come from host xmm registers when an earlier instruction of
 *   the block left f[r] in one (write-through: f[] in memory is always
 *   current, jit_internal.h), so that a chain of FP operations does not
 *   wait for each result to go through memory.  Measured on
 *   bench/guests/fp.S: 1.48 s of CPU with every operand from memory,
 *   1.18 s so, 1.00 s with FS checked once per straight run.
 * - Exception flags stay in MXCSR while translated code runs; the run
 *   loop folds them into fflags (jit_fp_fold()) whenever it leaves.
 * - Loads and stores go through the TLB code the integer ones use: a
 *   miss, MMIO, a watchpoint or a fault leaves before the access.
 *
 * FMADD and friends, FMIN/FMAX, conversions, FCLASS and the other
 * rounding modes are called (exec_in_block() in jit_compile.c).
 */
#include <stddef.h>
#include <string.h>

#include "../hart/fpu.h"
#include "jit_internal.h"
#include "x86_emit.h"

/* Displacements from rbx (&h->x[0]) of the F registers. */
#define FOFF(r)		(HOFF(fp.f) + 8 * (int32_t)(r))
#define XMM0		0
#define XMM1		1

/* What an instruction is, for the translator. */
enum {
	FK_NONE, FK_LOAD, FK_STORE, FK_ARITH, FK_SGNJ, FK_CMP, FK_MVXF,
	FK_MVFX,
};

struct fpi {
	int		kind;
	int		rd, rs1, rs2;
	int		f3;		/* FK_SGNJ, FK_CMP: the operation */
	int		op;		/* FK_ARITH: enum xsse */
	bool		dbl;		/* D, else F (loads, stores: 8 or 4 bytes) */
	bool		dyn;		/* FK_ARITH: rm = DYN, check frm */
	int32_t		imm;		/* loads, stores */
};

/* Decode insn; kind FK_NONE if it is not one translated here. */
static struct fpi
decode(uint32_t insn)
{
	struct fpi f = { .kind = FK_NONE };
	int opc = insn & 0x7f, f3 = (insn >> 12) & 7, fmt = (insn >> 25) & 3;
	int f5 = (int)(insn >> 27);

	f.rd = (insn >> 7) & 31;
	f.rs1 = (insn >> 15) & 31;
	f.rs2 = (insn >> 20) & 31;
	f.f3 = f3;
	switch (opc) {
	case 0x07:	/* FLW, FLD */
	case 0x27:	/* FSW, FSD */
		if (f3 != 2 && f3 != 3)
			return f;
		f.dbl = f3 == 3;
		if (opc == 0x07) {
			f.imm = (int32_t)insn >> 20;
			f.kind = FK_LOAD;
		} else {
			f.imm = ((int32_t)insn >> 25) * 32 + (int32_t)((insn >> 7) & 31);
			f.kind = FK_STORE;
		}
		return f;
	case 0x53:
		break;
	default:
		return f;
	}
	if (fmt > 1)
		return f;
	f.dbl = fmt == 1;
	switch (f5) {
	case 0x00: case 0x01: case 0x02: case 0x03: case 0x0b:
		if ((f3 != FPU_RNE && f3 != FPU_DYN) || (f5 == 0x0b && f.rs2 != 0))
			return f;
		{
			static const uint8_t ops[4] = { SSE_ADD, SSE_SUB, SSE_MUL,
			    SSE_DIV };

			f.op = f5 == 0x0b ? SSE_SQRT : ops[f5];
		}
		f.dyn = f3 == FPU_DYN;
		f.kind = FK_ARITH;
		break;
	case 0x04:	/* FSGNJ, FSGNJN, FSGNJX */
		if (f3 <= 2)
			f.kind = FK_SGNJ;
		break;
	case 0x14:	/* FLE, FLT, FEQ */
		if (f3 <= 2)
			f.kind = FK_CMP;
		break;
	case 0x1c:	/* FMV.X.W, FMV.X.D (FCLASS is f3 = 1: called) */
		if (f.rs2 == 0 && f3 == 0)
			f.kind = FK_MVXF;
		break;
	case 0x1e:	/* FMV.W.X, FMV.D.X */
		if (f.rs2 == 0 && f3 == 0)
			f.kind = FK_MVFX;
		break;
	default:
		break;
	}
	return f;
}

bool
jit_fp_ok(uint32_t insn)
{
	return decode(insn).kind != FK_NONE;
}

void
jit_fp_xregs(uint32_t insn, uint64_t *rd, uint64_t *wr)
{
	struct fpi f = decode(insn);

	switch (f.kind) {
	case FK_LOAD: case FK_STORE: case FK_MVFX:
		*rd |= UINT64_C(1) << f.rs1;
		break;
	case FK_CMP: case FK_MVXF:
		if (f.rd != 0)
			*wr |= UINT64_C(1) << f.rd;
		break;
	default:
		break;
	}
}

/* ---- checks: each leaves the block before the instruction ------------- */

/*
 * FS must be Dirty (dirty) or not Off (!dirty: stores).  Once a check
 * for Dirty has passed, FS stays Dirty until the block leaves: nothing
 * in a block can make it Clean (CSR writes end blocks, traps leave
 * them, FP instructions only make it Dirty), so the check is made again
 * only where jit_fp_forget() says the block's knowledge is lost.
 */
static void
check_fs(struct cstate *c, bool dirty, int slot, int k)
{
	struct xbuf *b = jc_buf(c);
	struct jit_fpcache *fc = jc_fpcache(c);
	const int32_t fs = (int32_t)MSTATUS_FS;

	if (fc->fs_dirty)
		return;
	x_load(b, X32, RAX, RBX, HOFF(mstatus));	/* FS is in bits 13..14 */
	x_alu_ri(b, X32, ALU_AND, RAX, fs);
	if (dirty) {
		x_alu_ri(b, X32, ALU_CMP, RAX, fs);
		jc_exit_generic(c, x_jcc(b, CC_NE), slot, k);
		fc->fs_dirty = true;
	} else {
		jc_exit_generic(c, x_jcc(b, CC_E), slot, k);
	}
}

/* f[r] must hold a NaN-boxed single. */
static void
check_boxed(struct cstate *c, int r, int slot, int k)
{
	struct xbuf *b = jc_buf(c);

	x_alu_mi32(b, ALU_CMP, RBX, FOFF(r) + 4, -1);
	jc_exit_generic(c, x_jcc(b, CC_NE), slot, k);
}

/* The operands of a single's operation: boxed (rs2 too if 'two'). */
static void
check_operands(struct cstate *c, const struct fpi *f, bool two, int slot,
    int k)
{
	if (f->dbl)
		return;
	check_boxed(c, f->rs1, slot, k);
	if (two && f->rs2 != f->rs1)
		check_boxed(c, f->rs2, slot, k);
}

/* ---- the xmm cache (write-through: jit_internal.h) ------------------- */

#define FC_FIRST	2	/* xmm0 and xmm1 are scratch */

void
jit_fp_forget(struct jit_fpcache *fc)
{
	memset(fc->xmm_of, -1, sizeof(fc->xmm_of));
	memset(fc->freg, -1, sizeof(fc->freg));
	fc->locked = 0;
	fc->fs_dirty = false;
}

/* An xmm register for f[r] (not remembered now): a free one, or the
 * least recently used one not locked. */
static int
fc_alloc(struct jit_fpcache *fc, int r)
{
	int v = -1;

	for (int i = FC_FIRST; i < JIT_FP_XMM; i++) {
		if (fc->freg[i] < 0) {
			v = i;
			break;
		}
		if (!((fc->locked >> i) & 1) && (v < 0 || fc->used[i] < fc->used[v]))
			v = i;
	}
	if (fc->freg[v] >= 0)
		fc->xmm_of[(int)fc->freg[v]] = -1;
	fc->freg[v] = (int8_t)r;
	fc->xmm_of[r] = (int8_t)v;
	return v;
}

/* The xmm register holding f[r] (all 64 bits if 'full'), loaded if
 * need be, locked for this instruction. */
static int
fc_get(struct cstate *c, int r, bool full)
{
	struct jit_fpcache *fc = jc_fpcache(c);
	int v = fc->xmm_of[r];

	if (v < 0 || (full && !fc->full[v])) {
		if (v < 0)
			v = fc_alloc(fc, r);
		x_sse_rm(jc_buf(c), SSE_SD, SSE_LOAD, v, RBX, FOFF(r));
		fc->full[v] = true;
	}
	fc->used[v] = ++fc->tick;
	fc->locked |= 1u << v;
	return v;
}

/* Remember that xmm register x holds f[r] (all of it, or its low half). */
static void
fc_set(struct cstate *c, int r, int x, bool full)
{
	struct jit_fpcache *fc = jc_fpcache(c);
	int v = fc->xmm_of[r];

	if (v < 0)
		v = fc_alloc(fc, r);
	x_sse_rr(jc_buf(c), SSE_PD, SSE_MOVAP, v, x);
	fc->full[v] = full;
	fc->used[v] = ++fc->tick;
}

/* f[r] was written in memory only: whatever an xmm register held is stale. */
static void
fc_drop(struct cstate *c, int r)
{
	struct jit_fpcache *fc = jc_fpcache(c);
	int v = fc->xmm_of[r];

	if (v >= 0) {
		fc->freg[v] = -1;
		fc->xmm_of[r] = -1;
	}
}

/* ---- results --------------------------------------------------------- */

/* f[rd] = eax NaN-boxed (rax's high half is zero). */
static void
store_single(struct xbuf *b, int rd)
{
	x_mov_ri64(b, RCX, FPU_BOX);
	x_alu_rr(b, X64, ALU_OR, RAX, RCX);
	x_store(b, 8, RAX, RBX, FOFF(rd));
}

/*
 * f[rd] = xmm0, the canonical NaN instead if it is a NaN (a result is
 * never a signaling NaN: the compare raises nothing); xmm0 is then
 * remembered as f[rd] (a single: its low half).
 */
static void
store_result(struct cstate *c, bool dbl, int rd)
{
	struct xbuf *b = jc_buf(c);
	uint8_t *ok;

	x_sse_rr(b, dbl ? SSE_PD : SSE_PS, SSE_UCOMI, XMM0, XMM0); /* PF: NaN */
	ok = x_jcc8(b, CC_NP);
	x_mov_ri64(b, RAX, dbl ? FPU_CNAN_D : FPU_CNAN_S);
	x_movd_xr(b, X64, XMM0, RAX);
	x_here8(b, ok);
	if (dbl) {
		x_sse_rm(b, SSE_SD, SSE_STORE, XMM0, RBX, FOFF(rd));
	} else {
		x_movd_rx(b, X32, RAX, XMM0);
		store_single(b, rd);
	}
	fc_set(c, rd, XMM0, dbl);
}

/* ---- the instructions -------------------------------------------------- */

static void
emit_load(struct cstate *c, const struct fpi *f, int slot, int k)
{
	struct xbuf *b = jc_buf(c);

	check_fs(c, true, slot, k);
	jc_tlb(c, ACC_LOAD, f->rs1, f->imm, f->dbl ? 8 : 4, slot, k);
	if (f->dbl) {
		x_sse_rm(b, SSE_SD, SSE_LOAD, XMM0, RSI, 0);
		x_sse_rm(b, SSE_SD, SSE_STORE, XMM0, RBX, FOFF(f->rd));
		fc_set(c, f->rd, XMM0, true);
	} else {
		x_load_ext(b, 4, false, RAX, RSI);
		store_single(b, f->rd);
		x_movd_xr(b, X64, XMM0, RAX);
		fc_set(c, f->rd, XMM0, true);
	}
}

static void
emit_store(struct cstate *c, const struct fpi *f, int slot, int k)
{
	struct xbuf *b = jc_buf(c);

	check_fs(c, false, slot, k);
	jc_tlb(c, ACC_STORE, f->rs1, f->imm, f->dbl ? 8 : 4, slot, k);
	/* FSW stores the low half, boxed or not (exec_fp()). */
	x_load(b, f->dbl ? X64 : X32, RAX, RBX, FOFF(f->rs2));
	x_store(b, f->dbl ? 8 : 4, RAX, RSI, 0);
}

static void
emit_arith(struct cstate *c, const struct fpi *f, int slot, int k)
{
	struct xbuf *b = jc_buf(c);
	int pre = f->dbl ? SSE_SD : SSE_SS;

	if (f->dyn) {
		x_alu_mi32(b, ALU_CMP, RBX, HOFF(fp.frm), FPU_RNE);
		jc_exit_generic(c, x_jcc(b, CC_NE), slot, k);
	}
	check_fs(c, true, slot, k);
	check_operands(c, f, f->op != SSE_SQRT, slot, k);
	x_sse_rr(b, SSE_PD, SSE_MOVAP, XMM0, fc_get(c, f->rs1, f->dbl));
	if (f->op == SSE_SQRT)
		x_sse_rr(b, pre, SSE_SQRT, XMM0, XMM0);
	else
		x_sse_rr(b, pre, (enum xsse)f->op, XMM0, fc_get(c, f->rs2, f->dbl));
	store_result(c, f->dbl, f->rd);
}

/*
 * Sign injection on the bit patterns, rax = rs1, rcx = rs2:
 * SGNJ a ^ ((a ^ b) & S), SGNJN a ^ (~(a ^ b) & S), SGNJX a ^ (b & S).
 */
static void
emit_sgnj(struct cstate *c, const struct fpi *f, int slot, int k)
{
	struct xbuf *b = jc_buf(c);
	int w = f->dbl ? X64 : X32, top = f->dbl ? 63 : 31;

	check_fs(c, true, slot, k);
	check_operands(c, f, true, slot, k);
	if (f->dbl && f->f3 == 0 && f->rs1 == f->rs2) {		/* FMV.D */
		int v = fc_get(c, f->rs1, true);

		x_sse_rm(b, SSE_SD, SSE_STORE, v, RBX, FOFF(f->rd));
		fc_set(c, f->rd, v, true);
		return;
	}
	fc_drop(c, f->rd);
	x_load(b, w, RAX, RBX, FOFF(f->rs1));
	if (!(f->f3 == 0 && f->rs1 == f->rs2)) {	/* else FMV.S: a copy */
		x_load(b, w, RCX, RBX, FOFF(f->rs2));
		if (f->f3 != 2)
			x_alu_rr(b, w, ALU_XOR, RCX, RAX);
		x_shift_ri(b, w, SH_SHR, RCX, top);
		if (f->f3 == 1)
			x_alu_ri(b, X32, ALU_XOR, RCX, 1);
		x_shift_ri(b, w, SH_SHL, RCX, top);
		x_alu_rr(b, w, ALU_XOR, RAX, RCX);
	}
	if (f->dbl)
		x_store(b, 8, RAX, RBX, FOFF(f->rd));
	else
		store_single(b, f->rd);
}

/*
 * FEQ: ucomis a, b; equal and ordered (ZF and not PF).  FLT a < b and
 * FLE a <= b as b > a and b >= a on comis: "above" and "above or equal"
 * are false when unordered (CF set).
 */
static void
emit_cmp(struct cstate *c, const struct fpi *f, int slot, int k)
{
	struct xbuf *b = jc_buf(c);
	int cpre = f->dbl ? SSE_PD : SSE_PS;

	int xa, xb;

	check_fs(c, true, slot, k);
	check_operands(c, f, true, slot, k);
	xa = fc_get(c, f->rs1, f->dbl);
	xb = fc_get(c, f->rs2, f->dbl);
	x_alu_rr(b, X32, ALU_XOR, RAX, RAX);
	if (f->f3 == 2) {
		x_alu_rr(b, X32, ALU_XOR, RCX, RCX);
		x_sse_rr(b, cpre, SSE_UCOMI, xa, xb);
		x_setcc(b, CC_E, RAX);
		x_setcc(b, CC_NP, RCX);
		x_alu_rr(b, X32, ALU_AND, RAX, RCX);
	} else {
		x_sse_rr(b, cpre, SSE_COMI, xb, xa);
		x_setcc(b, f->f3 == 1 ? CC_A : CC_AE, RAX);
	}
	jc_xwrite(c, f->rd, RAX);
}

void
jit_fp_emit(struct cstate *c, uint32_t insn, int slot, int k)
{
	struct fpi f = decode(insn);
	struct xbuf *b = jc_buf(c);

	jc_fpcache(c)->locked = 0;
	switch (f.kind) {
	case FK_LOAD:
		emit_load(c, &f, slot, k);
		break;
	case FK_STORE:
		emit_store(c, &f, slot, k);
		break;
	case FK_ARITH:
		emit_arith(c, &f, slot, k);
		break;
	case FK_SGNJ:
		emit_sgnj(c, &f, slot, k);
		break;
	case FK_CMP:
		emit_cmp(c, &f, slot, k);
		break;
	case FK_MVXF:	/* the raw low bits, boxed or not (fpu.c) */
		check_fs(c, true, slot, k);
		if (f.dbl) {
			x_load(b, X64, RAX, RBX, FOFF(f.rs1));
		} else {
			x_load(b, X32, RAX, RBX, FOFF(f.rs1));
			x_movsxd(b, RAX, RAX);
		}
		jc_xwrite(c, f.rd, RAX);
		break;
	case FK_MVFX: {
		int r;

		check_fs(c, true, slot, k);
		fc_drop(c, f.rd);
		r = jc_xread(c, f.rs1);
		if (f.dbl) {
			x_store(b, 8, r, RBX, FOFF(f.rd));
		} else {
			x_mov_rr(b, X32, RAX, r);
			store_single(b, f.rd);
		}
		break;
	}
	default:
		break;	/* not reached: jit_fp_ok() said no */
	}
}

/* ---- exception flags in MXCSR ------------------------------------------ */

#if defined(__x86_64__)
/* MXCSR flags: IE (bit 0), DE, ZE, OE, UE, PE (bit 5); DE has no RISC-V
 * counterpart (a subnormal operand is not an exception there). */
#define MXCSR_FLAGS	0x3fu

static inline unsigned int
mxcsr_get(void)
{
	unsigned int v;

	__asm__ __volatile__("stmxcsr %0" : "=m"(v) : : "memory");
	return v;
}

static inline void
mxcsr_set(unsigned int v)
{
	__asm__ __volatile__("ldmxcsr %0" : : "m"(v) : "memory");
}

void
jit_fp_clear(void)
{
	unsigned int v = mxcsr_get();

	if (v & MXCSR_FLAGS)
		mxcsr_set(v & ~MXCSR_FLAGS);
}

void
jit_fp_fold(struct hart *h)
{
	unsigned int v = mxcsr_get();

	if ((v & MXCSR_FLAGS) == 0)
		return;
	h->fp.fflags |= ((v & 0x20) ? FPU_NX : 0) | ((v & 0x10) ? FPU_UF : 0) |
	    ((v & 0x08) ? FPU_OF : 0) | ((v & 0x04) ? FPU_DZ : 0) |
	    ((v & 0x01) ? FPU_NV : 0);
	mxcsr_set(v & ~MXCSR_FLAGS);
}
#else
/* No translated code runs on other hosts (jit_supported()). */
void
jit_fp_clear(void)
{
}

void
jit_fp_fold(struct hart *h)
{
	(void)h;
}
#endif
