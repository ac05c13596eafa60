/*
 * rv_gen.h - random RV64GC programs that always end, for the
 * differential tests of the two hart engines (the interpreter is the
 * JIT's reference: tests/unit/vmm_jit_diff.c, tests/fuzz/fuzz_jit_diff.c).
 *
 * A program is generated from a seeded PRNG (or from fuzz input bytes,
 * then the PRNG once they run dry) and is a function of that alone.  It
 * mixes what the JIT translates (LUI, AUIPC, JAL, JALR, branches,
 * loads/stores of every width incl. misaligned and page-crossing ones,
 * the integer ALU and M ops with their W forms, compressed forms) with
 * what it hands to the interpreter (CSRs, FP, AMOs, LR/SC, FENCE,
 * FENCE.I, ECALL and illegal instructions that trap into a handler
 * which skips them), bounded loops (backward branches), far jumps over
 * gaps to other pages, and self-modifying stores (forward, and backward
 * into a loop body already run, with or without FENCE.I).  It ends in
 * an ebreak (run it with VM_CAP_BPT_EXIT).
 *
 * Layout (guest-physical, M-mode, bare):
 *   RVG_HANDLER  trap handler: mepc += length of the trapping insn; mret
 *   RVG_CODE     the program (at most RVG_CODE_MAX bytes: several pages)
 *   RVG_DATA     RVG_DATA_SIZE bytes of random data; s0 points into its
 *                middle page, at a page boundary
 * Registers the random code never writes: s0 (x8) and sp (x2) point into
 * the data, s1 (x9) too (moved by the generator only), s2/s3 (x18/x19)
 * count loops, t4 (x29) holds addresses the generator computes, t5/t6
 * (x30/x31) belong to the handler.  Everything else starts random (with
 * 0, -1, INT_MIN and friends mixed in).
 *
 * Encodings: unprivileged ISA 20191213, chapters 2, 5, 7, 8, 11-12, 16
 * and 24; privileged 1.12 for mret and the CSRs.
 */
#ifndef RV_GEN_H
#define RV_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define RVG_RAM		UINT64_C(0x80000000)
#define RVG_RAM_SIZE	(UINT64_C(1) << 20)
#define RVG_HANDLER	RVG_RAM
#define RVG_CODE	(RVG_RAM + 0x1c00)	/* crosses a page soon */
#define RVG_CODE_MAX	0xa000			/* 10 pages */
#define RVG_DATA	(RVG_RAM + 0x10000)
#define RVG_DATA_SIZE	0x3000
#define RVG_S0		(RVG_DATA + 0x1000)	/* s0: a page boundary */

/* CSRs the tests compare and set. */
#define RVG_FCSR	0x003
#define RVG_MSTATUS	0x300
#define RVG_MTVEC	0x305
#define RVG_MSCRATCH	0x340
#define RVG_MEPC	0x341
#define RVG_MCAUSE	0x342
#define RVG_MTVAL	0x343
#define RVG_MINSTRET	0xb02
/* mstatus: MPP = M (mret stays in M), FS = initial. */
#define RVG_MSTATUS_INIT	(UINT64_C(3) << 11 | UINT64_C(1) << 13)

/* ---- PRNG: splitmix64, or bytes of a fuzz input first ------------------ */

struct rvg_rng {
	uint64_t	s;
	const uint8_t	*src;		/* fuzz input, consumed first */
	size_t		left;
};

static inline uint64_t
rvg_next(struct rvg_rng *r)
{
	uint64_t z;

	if (r->left >= 8) {
		memcpy(&z, r->src, 8);
		r->src += 8;
		r->left -= 8;
		return z;
	}
	z = (r->s += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* 0..n-1 (n <= 65536: one byte or two of a fuzz input). */
static inline uint32_t
rvg_below(struct rvg_rng *r, uint32_t n)
{
	if (n <= 1)
		return 0;
	if (r->left >= 1 && n <= 256) {
		uint32_t v = *r->src++;

		r->left--;
		return v % n;
	}
	if (r->left >= 2) {
		uint32_t v = (uint32_t)r->src[0] | (uint32_t)r->src[1] << 8;

		r->src += 2;
		r->left -= 2;
		return v % n;
	}
	return (uint32_t)(rvg_next(r) % n);
}

static inline int32_t
rvg_range(struct rvg_rng *r, int32_t lo, int32_t hi)
{
	return lo + (int32_t)rvg_below(r, (uint32_t)(hi - lo + 1));
}

/* A 64-bit value biased towards the edge cases of the ALU and M ops. */
static inline uint64_t
rvg_value(struct rvg_rng *r)
{
	static const uint64_t special[] = {
		0, 1, 2, UINT64_MAX, UINT64_C(0x8000000000000000),
		UINT64_C(0x7fffffffffffffff), UINT64_C(0xffffffff80000000),
		UINT64_C(0x80000000), UINT64_C(0x7fffffff), UINT64_C(0xffffffff),
		UINT64_C(0x100000000), 63, 64, 31, 32, UINT64_C(0xfffffffffffff800),
	};
	uint64_t v = rvg_next(r);

	switch (rvg_below(r, 6)) {
	case 0:
		return special[rvg_below(r, sizeof(special) / sizeof(special[0]))];
	case 1:
		return (uint64_t)(int64_t)(int16_t)v;
	case 2:
		return (uint64_t)(int64_t)(int32_t)v;
	default:
		return v;
	}
}

/*
 * A value for an f register or FP data: a double or a NaN-boxed single
 * (now and then an unboxed one), biased towards what FP code gets wrong:
 * signed zeros, infinities, quiet, signaling and canonical NaNs of
 * either sign, subnormals, the largest and smallest normals, values
 * whose sums and products overflow, underflow or cancel, and ordinary
 * ones near 1 (so that results are mostly inexact).
 */
static inline uint64_t
rvg_fvalue(struct rvg_rng *r)
{
	static const uint64_t sd[] = {
		0, UINT64_C(0x8000000000000000),			/* +-0 */
		UINT64_C(0x7ff0000000000000), UINT64_C(0xfff0000000000000),	/* +-inf */
		UINT64_C(0x7ff8000000000000), UINT64_C(0xfff8000000000000),	/* qNaN */
		UINT64_C(0x7ff0000000000001), UINT64_C(0xfff4000000000000),	/* sNaN */
		UINT64_C(0x7ff8000000000123),
		UINT64_C(0x0000000000000001), UINT64_C(0x800fffffffffffff),	/* subnormal */
		UINT64_C(0x0010000000000000), UINT64_C(0x8010000000000000),	/* min normal */
		UINT64_C(0x7fefffffffffffff), UINT64_C(0xffefffffffffffff),	/* max */
		UINT64_C(0x3ff0000000000000), UINT64_C(0xbff0000000000000),	/* +-1 */
		UINT64_C(0x3ff0000000000001), UINT64_C(0x3fe0000000000000),
		UINT64_C(0x4000000000000000), UINT64_C(0x3cb0000000000000),	/* 2, ulp/2 */
	};
	static const uint32_t ss[] = {
		0, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000,
		0x7f800001, 0xffa00000, 0x7fc00123, 0x00000001, 0x807fffff,
		0x00800000, 0x80800000, 0x7f7fffff, 0xff7fffff, 0x3f800000,
		0xbf800000, 0x3f800001, 0x3f000000, 0x40000000, 0x33800000,
	};
	uint64_t v = rvg_next(r);
	bool dbl = rvg_below(r, 2) != 0;
	uint32_t k = rvg_below(r, 8);

	if (k < 3) {				/* special */
		if (dbl)
			return sd[rvg_below(r, sizeof(sd) / sizeof(sd[0]))];
		v = ss[rvg_below(r, sizeof(ss) / sizeof(ss[0]))];
	} else if (k < 6) {			/* ordinary: exponent near 0 */
		if (dbl)
			return (v & UINT64_C(0x800fffffffffffff)) |
			    (uint64_t)(1023 + rvg_range(r, -8, 8)) << 52;
		v = (v & 0x807fffff) | (uint64_t)(127 + rvg_range(r, -8, 8)) << 23;
	} else if (k < 7) {			/* near overflow or underflow */
		int e = rvg_below(r, 2) ? rvg_range(r, 0, 40) : rvg_range(r, 2000, 2046);

		if (dbl)
			return (v & UINT64_C(0x800fffffffffffff)) | (uint64_t)e << 52;
		e = e < 1000 ? e / 4 : 254 - (e - 2000) / 8;
		v = (v & 0x807fffff) | (uint64_t)e << 23;
	} else if (dbl) {			/* any bits */
		return v;
	}
	v &= 0xffffffff;
	return rvg_below(r, 16) == 0 ? v : v | UINT64_C(0xffffffff00000000);
}

/* ---- encoders ----------------------------------------------------------- */

#define RVG_R(op, f3, f7, rd, rs1, rs2)					\
	((uint32_t)(f7) << 25 | (uint32_t)(rs2) << 20 | (uint32_t)(rs1) << 15 | \
	    (uint32_t)(f3) << 12 | (uint32_t)(rd) << 7 | (uint32_t)(op))
#define RVG_I(op, f3, rd, rs1, imm)					\
	(((uint32_t)(imm) & 0xfff) << 20 | (uint32_t)(rs1) << 15 |	\
	    (uint32_t)(f3) << 12 | (uint32_t)(rd) << 7 | (uint32_t)(op))
#define RVG_S(op, f3, rs1, rs2, imm)					\
	(((uint32_t)(imm) >> 5 & 0x7f) << 25 | (uint32_t)(rs2) << 20 |	\
	    (uint32_t)(rs1) << 15 | (uint32_t)(f3) << 12 |		\
	    ((uint32_t)(imm) & 0x1f) << 7 | (uint32_t)(op))
#define RVG_U(op, rd, imm20)						\
	(((uint32_t)(imm20) & 0xfffff) << 12 | (uint32_t)(rd) << 7 | (uint32_t)(op))

static inline uint32_t
rvg_enc_b(int f3, int rs1, int rs2, int32_t off)
{
	uint32_t o = (uint32_t)off;

	return (o >> 12 & 1) << 31 | (o >> 5 & 0x3f) << 25 | (uint32_t)rs2 << 20 |
	    (uint32_t)rs1 << 15 | (uint32_t)f3 << 12 | (o >> 1 & 0xf) << 8 |
	    (o >> 11 & 1) << 7 | 0x63;
}

static inline uint32_t
rvg_enc_jal(int rd, int32_t off)
{
	uint32_t o = (uint32_t)off;

	return (o >> 20 & 1) << 31 | (o >> 1 & 0x3ff) << 21 | (o >> 11 & 1) << 20 |
	    (o >> 12 & 0xff) << 12 | (uint32_t)rd << 7 | 0x6f;
}

static inline uint16_t
rvg_enc_cj(int32_t off)
{
	uint32_t o = (uint32_t)off;

	return (uint16_t)(0xa001 | (o >> 11 & 1) << 12 | (o >> 4 & 1) << 11 |
	    (o >> 8 & 3) << 9 | (o >> 10 & 1) << 8 | (o >> 6 & 1) << 7 |
	    (o >> 7 & 1) << 6 | (o >> 1 & 7) << 3 | (o >> 5 & 1) << 2);
}

/* c.beqz (bnez = false) / c.bnez, rs1 in x8..x15 */
static inline uint16_t
rvg_enc_cb(bool bnez, int rs1, int32_t off)
{
	uint32_t o = (uint32_t)off;

	return (uint16_t)((bnez ? 0xe001 : 0xc001) | (o >> 8 & 1) << 12 |
	    (o >> 3 & 3) << 10 | (uint32_t)(rs1 - 8) << 7 | (o >> 6 & 3) << 5 |
	    (o >> 1 & 3) << 3 | (o >> 5 & 1) << 2);
}

#define RVG_EBREAK	0x00100073u
#define RVG_ECALL	0x00000073u
#define RVG_MRET	0x30200073u
#define RVG_FENCE	0x0ff0000fu
#define RVG_FENCE_I	0x0000100fu
#define RVG_CSRRS(rd, csr, rs1)	RVG_I(0x73, 2, rd, rs1, csr)
#define RVG_CSRRW(rd, csr, rs1)	RVG_I(0x73, 1, rd, rs1, csr)

/* ---- the generator ------------------------------------------------------ */

#define RVG_MAX_LABELS	1024
#define RVG_MAX_FIX	1024
#define RVG_MAX_PATCH	256

enum {
	RVG_X_SP = 2, RVG_X_S0 = 8, RVG_X_S1 = 9, RVG_X_L0 = 18, RVG_X_L1 = 19,
	RVG_X_TMP = 29, RVG_X_H0 = 30, RVG_X_H1 = 31,
};

/* Fix-ups of forward (or backward) references, resolved at the end. */
enum rvg_fix_kind {
	RVG_FIX_B, RVG_FIX_JAL, RVG_FIX_CJ, RVG_FIX_CB,
	RVG_FIX_I,	/* I-type imm = label - aux (aux: an auipc's offset) + odd */
	RVG_FIX_S,	/* S-type imm = label - aux */
};

struct rvg_fix {
	uint32_t	at;		/* offset of the instruction */
	uint32_t	aux;
	uint16_t	label;
	uint8_t		kind;
	uint8_t		odd;		/* RVG_FIX_I: +1 (jalr clears bit 0) */
};

struct rvg_params {
	int	items;		/* top-level items */
	int	max_trip;	/* loop trip counts 1..max_trip */
	int	max_depth;	/* loop nesting, 0..2 */
};

struct rvg {
	struct rvg_rng	 rng;
	struct rvg_params p;
	uint8_t		 code[RVG_CODE_MAX];
	uint32_t	 len;
	bool		 full;		/* ran out of room: the program was cut */
	uint32_t	 label[RVG_MAX_LABELS];
	int		 nlabels;
	struct rvg_fix	 fix[RVG_MAX_FIX];
	int		 nfix;
	/* 4-byte ALU instructions a host write may replace (offsets). */
	uint32_t	 patch[RVG_MAX_PATCH];
	int		 npatch;
	int		 depth;		/* loop nesting now */
	uint32_t	 body_alu[16];	/* ALU insns of the loop body being made */
	int		 nbody_alu;
	uint8_t		 freg[4];	/* rvg_fp_run(): the f registers it uses */
	int		 fregs;
};

/* The initial architectural state that goes with a program. */
struct rvg_state {
	uint64_t	x[32];
	uint64_t	f[32];
	uint64_t	fcsr, mscratch;
	uint8_t		data[RVG_DATA_SIZE];
};

/* Room left, keeping enough for the ending and the gap-free tail. */
static inline bool
rvg_room(const struct rvg *g, uint32_t n)
{
	return g->len + n + 64 <= RVG_CODE_MAX;
}

static inline void
rvg_emit32(struct rvg *g, uint32_t w)
{
	if (g->len + 4 > RVG_CODE_MAX) {
		g->full = true;
		return;
	}
	memcpy(g->code + g->len, &w, 4);
	g->len += 4;
}

static inline void
rvg_emit16(struct rvg *g, uint16_t w)
{
	if (g->len + 2 > RVG_CODE_MAX) {
		g->full = true;
		return;
	}
	memcpy(g->code + g->len, &w, 2);
	g->len += 2;
}

static inline int
rvg_new_label(struct rvg *g)
{
	if (g->nlabels == RVG_MAX_LABELS) {
		g->full = true;
		return 0;
	}
	g->label[g->nlabels] = UINT32_MAX;
	return g->nlabels++;
}

static inline void
rvg_set_label(struct rvg *g, int l)
{
	g->label[l] = g->len;
}

static inline void
rvg_add_fix(struct rvg *g, int kind, int l, uint32_t aux, int odd)
{
	if (g->nfix == RVG_MAX_FIX) {
		g->full = true;
		return;
	}
	g->fix[g->nfix++] = (struct rvg_fix){ .at = g->len, .aux = aux,
	    .label = (uint16_t)l, .kind = (uint8_t)kind, .odd = (uint8_t)odd };
}

/* A register random code may write (x0 now and then: the write is lost). */
static inline int
rvg_rd(struct rvg *g)
{
	static const uint8_t free_regs[] = { 1, 3, 4, 5, 6, 7, 10, 11, 12, 13,
	    14, 15, 16, 17, 20, 21, 22, 23, 24, 25, 26, 27, 28 };

	if (rvg_below(&g->rng, 32) == 0)
		return 0;
	return free_regs[rvg_below(&g->rng, sizeof(free_regs))];
}

/* Any register as a source. */
static inline int
rvg_rs(struct rvg *g)
{
	return (int)rvg_below(&g->rng, 32);
}

/* A compressed register x10..x15 (x8/x9 are pointers) to write. */
static inline int
rvg_crd(struct rvg *g)
{
	return 10 + (int)rvg_below(&g->rng, 6);
}

/* A data offset from s0 (x8) for an access of 'size': often near the page boundary. */
static inline int32_t
rvg_doff(struct rvg *g, int size)
{
	switch (rvg_below(&g->rng, 4)) {
	case 0:
		return rvg_range(&g->rng, -size - 1, 1);	/* straddles s0's page boundary */
	case 1:
		return rvg_range(&g->rng, -16, 16) * size;	/* aligned */
	default:
		return rvg_range(&g->rng, -2048, 2047);
	}
}

/* One random integer ALU / M instruction (4 bytes), rd free. */
static inline uint32_t
rvg_alu(struct rvg *g)
{
	static const struct { uint8_t f3, f7; } op[] = {
		{0, 0}, {0, 0x20}, {1, 0}, {2, 0}, {3, 0}, {4, 0}, {5, 0},
		{5, 0x20}, {6, 0}, {7, 0}, {0, 1}, {1, 1}, {2, 1}, {3, 1},
		{4, 1}, {5, 1}, {6, 1}, {7, 1},
	};
	static const struct { uint8_t f3, f7; } opw[] = {
		{0, 0}, {0, 0x20}, {1, 0}, {5, 0}, {5, 0x20}, {0, 1}, {4, 1},
		{5, 1}, {6, 1}, {7, 1},
	};
	struct rvg_rng *r = &g->rng;
	int rd = rvg_rd(g), rs1 = rvg_rs(g), rs2 = rvg_rs(g), k;
	int32_t imm = rvg_below(r, 4) == 0 ? rvg_range(r, -4, 4) :
	    rvg_range(r, -2048, 2047);

	switch (rvg_below(r, 9)) {
	case 0: case 1:
		k = (int)rvg_below(r, sizeof(op) / sizeof(op[0]));
		return RVG_R(0x33, op[k].f3, op[k].f7, rd, rs1, rs2);
	case 2:
		k = (int)rvg_below(r, sizeof(opw) / sizeof(opw[0]));
		return RVG_R(0x3b, opw[k].f3, opw[k].f7, rd, rs1, rs2);
	case 3: {
		static const uint8_t f3[] = { 0, 2, 3, 4, 6, 7 };

		k = f3[rvg_below(r, 6)];
		if (k == 0 && rvg_below(r, 4) == 0)
			imm = 0;			/* mv */
		if (k == 0 && rvg_below(r, 4) == 0)
			rs1 = 0;			/* li */
		return RVG_I(0x13, k, rd, rs1, imm);
	}
	case 4: {
		int sh = (int)rvg_below(r, 64);

		switch (rvg_below(r, 3)) {
		case 0: return RVG_I(0x13, 1, rd, rs1, sh);
		case 1: return RVG_I(0x13, 5, rd, rs1, sh);
		default: return RVG_I(0x13, 5, rd, rs1, 0x400 | sh);
		}
	}
	case 5: {
		int sh = (int)rvg_below(r, 32);

		switch (rvg_below(r, 4)) {
		case 0: return RVG_I(0x1b, 0, rd, rs1, imm);
		case 1: return RVG_I(0x1b, 1, rd, rs1, sh);
		case 2: return RVG_I(0x1b, 5, rd, rs1, sh);
		default: return RVG_I(0x1b, 5, rd, rs1, 0x400 | sh);
		}
	}
	case 6:
		return RVG_U(0x37, rd, rvg_next(r));
	case 7:
		return RVG_U(0x17, rd, rvg_below(r, 4) ? rvg_range(r, -4, 4) :
		    (int32_t)rvg_next(r));
	default:
		/* div/rem by zero or INT_MIN / -1: the divisor register is set */
		k = (int)rvg_below(r, 8);
		return rvg_below(r, 2) ? RVG_R(0x33, 4 + (k & 3), 1, rd, rs1, rs2) :
		    RVG_R(0x3b, 4 + (k & 3), 1, rd, rs1, rs2);
	}
}

/* A random compressed integer instruction (no control flow). */
static inline uint16_t
rvg_calu(struct rvg *g)
{
	struct rvg_rng *r = &g->rng;
	int rd = rvg_crd(g), rs2 = rvg_crd(g) - 8, rdp = rd - 8;
	uint32_t imm = (uint32_t)rvg_range(r, -32, 31) & 0x3f;
	int wide = (int)rvg_rd(g);

	if (wide == 0)
		wide = 1;
	if (imm == 0)
		imm = 1;
	switch (rvg_below(r, 12)) {
	case 0:		/* c.addi */
		return (uint16_t)(0x0001 | (imm >> 5) << 12 | wide << 7 | (imm & 0x1f) << 2);
	case 1:		/* c.addiw */
		return (uint16_t)(0x2001 | (imm >> 5) << 12 | wide << 7 | (imm & 0x1f) << 2);
	case 2:		/* c.li */
		return (uint16_t)(0x4001 | (imm >> 5) << 12 | wide << 7 | (imm & 0x1f) << 2);
	case 3:		/* c.lui (rd != 2: sp is a pointer) */
		return (uint16_t)(0x6001 | (imm >> 5) << 12 | wide << 7 | (imm & 0x1f) << 2);
	case 4:		/* c.srli / c.srai / c.andi */
		return (uint16_t)(0x8001 | (imm >> 5) << 12 |
		    rvg_below(r, 3) << 10 | rdp << 7 | (imm & 0x1f) << 2);
	case 5:		/* c.sub c.xor c.or c.and */
		return (uint16_t)(0x8c01 | rdp << 7 | rvg_below(r, 4) << 5 | rs2 << 2);
	case 6:		/* c.subw c.addw */
		return (uint16_t)(0x9c01 | rdp << 7 | rvg_below(r, 2) << 5 | rs2 << 2);
	case 7:		/* c.slli */
		return (uint16_t)(0x0002 | (imm >> 5) << 12 | wide << 7 | (imm & 0x1f) << 2);
	case 8: {	/* c.mv */
		int src = rvg_rs(g);

		return (uint16_t)(0x8002 | wide << 7 | (src == 0 ? 1 : src) << 2);
	}
	case 9: {	/* c.add */
		int src = rvg_rs(g);

		return (uint16_t)(0x9002 | wide << 7 | (src == 0 ? 1 : src) << 2);
	}
	case 10: {	/* c.lw / c.ld from s0 or s1 */
		int base = rvg_below(r, 2), ld = rvg_below(r, 2);
		uint32_t off = ld ? rvg_below(r, 32) * 8 : rvg_below(r, 32) * 4;

		if (ld)
			return (uint16_t)(0x6000 | (off >> 3 & 7) << 10 | base << 7 |
			    (off >> 6 & 3) << 5 | rdp << 2);
		return (uint16_t)(0x4000 | (off >> 3 & 7) << 10 | base << 7 |
		    (off >> 2 & 1) << 6 | (off >> 6 & 1) << 5 | rdp << 2);
	}
	default: {	/* c.sw / c.sd to s0 or s1 */
		int base = rvg_below(r, 2), sd = rvg_below(r, 2);
		uint32_t off = sd ? rvg_below(r, 32) * 8 : rvg_below(r, 32) * 4;

		if (sd)
			return (uint16_t)(0xe000 | (off >> 3 & 7) << 10 | base << 7 |
			    (off >> 6 & 3) << 5 | rs2 << 2);
		return (uint16_t)(0xc000 | (off >> 3 & 7) << 10 | base << 7 |
		    (off >> 2 & 1) << 6 | (off >> 6 & 1) << 5 | rs2 << 2);
	}
	}
}

static inline void
rvg_load_store(struct rvg *g)
{
	struct rvg_rng *r = &g->rng;
	int w = (int)rvg_below(r, 4), size = 1 << w;
	int base = rvg_below(r, 3) == 0 ? RVG_X_S1 : rvg_below(r, 4) == 0 ?
	    RVG_X_SP : RVG_X_S0;
	int32_t off = base == RVG_X_S0 ? rvg_doff(g, size) :
	    rvg_range(r, -1024, 1023);

	if (rvg_below(r, 2)) {
		int f3 = w;

		if (w < 3 && rvg_below(r, 2))
			f3 |= 4;		/* lbu lhu lwu */
		rvg_emit32(g, RVG_I(0x03, f3, rvg_rd(g), base, off));
	} else {
		rvg_emit32(g, RVG_S(0x23, w, base, rvg_rs(g), off));
	}
}

/* rd = the 32-bit x, sign-extended (lui; addiw). */
static inline void
rvg_li32(struct rvg *g, int rd, uint32_t x)
{
	int32_t lo = (int32_t)(x << 20) >> 20;

	rvg_emit32(g, RVG_U(0x37, rd, (x - (uint32_t)lo) >> 12));
	rvg_emit32(g, RVG_I(0x1b, 0, rd, rd, lo));
}

/* rd = v, a value the generator chose (t4 is clobbered). */
static inline void
rvg_li(struct rvg *g, int rd, uint64_t v)
{
	if ((uint64_t)(int64_t)(int32_t)v == v) {
		rvg_li32(g, rd, (uint32_t)v);
		return;
	}
	rvg_li32(g, rd, (uint32_t)(v >> 32));
	rvg_emit32(g, RVG_I(0x13, 1, rd, rd, 32));		/* slli rd, 32 */
	rvg_li32(g, RVG_X_TMP, (uint32_t)v);
	rvg_emit32(g, RVG_I(0x13, 1, RVG_X_TMP, RVG_X_TMP, 32));
	rvg_emit32(g, RVG_I(0x13, 5, RVG_X_TMP, RVG_X_TMP, 32));	/* srli */
	rvg_emit32(g, RVG_R(0x33, 0, 0, rd, rd, RVG_X_TMP));	/* add */
}

static inline void
rvg_fp(struct rvg *g)
{
	struct rvg_rng *r = &g->rng;
	int fd = (int)rvg_below(r, 32), fs1 = (int)rvg_below(r, 32);
	int fs2 = (int)rvg_below(r, 32), fmt = (int)rvg_below(r, 2);
	/* DYN (frm is often RNE: rvg_generate()), RNE, now and then any. */
	int rm = rvg_below(r, 8) == 0 ? (int)rvg_below(r, 8) :
	    rvg_below(r, 2) ? 7 : 0;

	if (g->fregs > 0) {	/* a run: few registers, so results are used */
		fd = g->freg[rvg_below(r, (uint32_t)g->fregs)];
		fs1 = g->freg[rvg_below(r, (uint32_t)g->fregs)];
		fs2 = g->freg[rvg_below(r, (uint32_t)g->fregs)];
	}
	switch (rvg_below(r, 12)) {
	case 0:	/* fadd fsub fmul fdiv */
		rvg_emit32(g, RVG_R(0x53, rm, (int)rvg_below(r, 4) << 2 | fmt, fd, fs1, fs2));
		break;
	case 1:	/* fsqrt */
		rvg_emit32(g, RVG_R(0x53, rm, 0x2c | fmt, fd, fs1, 0));
		break;
	case 2:	/* fsgnj/n/x, fmin/fmax */
		if (rvg_below(r, 2))
			rvg_emit32(g, RVG_R(0x53, rvg_below(r, 3), 0x10 | fmt, fd, fs1, fs2));
		else
			rvg_emit32(g, RVG_R(0x53, rvg_below(r, 2), 0x14 | fmt, fd, fs1, fs2));
		break;
	case 3:	/* feq flt fle */
		rvg_emit32(g, RVG_R(0x53, rvg_below(r, 3), 0x50 | fmt, rvg_rd(g), fs1, fs2));
		break;
	case 4:	/* fcvt.{w,wu,l,lu}.fmt */
		rvg_emit32(g, RVG_R(0x53, rm, 0x60 | fmt, rvg_rd(g), fs1, rvg_below(r, 4)));
		break;
	case 5:	/* fcvt.fmt.{w,wu,l,lu} */
		rvg_emit32(g, RVG_R(0x53, rm, 0x68 | fmt, fd, rvg_rs(g), rvg_below(r, 4)));
		break;
	case 6:	/* fmv.x.{w,d}, fclass, fmv.{w,d}.x */
		if (rvg_below(r, 2))
			rvg_emit32(g, RVG_R(0x53, rvg_below(r, 2), 0x70 | fmt, rvg_rd(g), fs1, 0));
		else
			rvg_emit32(g, RVG_R(0x53, 0, 0x78 | fmt, fd, rvg_rs(g), 0));
		break;
	case 7:	/* fmadd fmsub fnmsub fnmadd */
		rvg_emit32(g, (uint32_t)rvg_below(r, 32) << 27 | (uint32_t)fmt << 25 |
		    (uint32_t)fs2 << 20 | (uint32_t)fs1 << 15 | (uint32_t)rm << 12 |
		    (uint32_t)fd << 7 | (0x43 + 4 * rvg_below(r, 4)));
		break;
	case 8:	/* fcvt.s.d, fcvt.d.s */
		rvg_emit32(g, RVG_R(0x53, rm, 0x20 | fmt, fd, fs1, fmt ^ 1));
		break;
	case 9: {	/* an FP value made in x: fmv.{w,d}.x */
		int x = rvg_crd(g);

		rvg_li(g, x, rvg_fvalue(r));
		rvg_emit32(g, RVG_R(0x53, 0, 0x78 | fmt, fd, x, 0));
		break;
	}
	case 10: {	/* c.fld / c.fsd from s0 or s1 (fd, fs2 in f8..f15) */
		int base = (int)rvg_below(r, 2), fr = 8 + (fd & 7);
		uint32_t off = rvg_below(r, 32) * 8;

		rvg_emit16(g, (uint16_t)((rvg_below(r, 2) ? 0x2000 : 0xa000) |
		    (off >> 3 & 7) << 10 | (uint32_t)base << 7 |
		    (off >> 6 & 3) << 5 | (uint32_t)(fr - 8) << 2));
		break;
	}
	default: {	/* flw fld fsw fsd from s0, s1 or sp */
		int base = rvg_below(r, 4) == 0 ? RVG_X_S1 : rvg_below(r, 4) == 0 ?
		    RVG_X_SP : RVG_X_S0;
		int32_t off = base == RVG_X_S0 ? rvg_doff(g, fmt ? 8 : 4) :
		    rvg_range(r, -1024, 1023);

		if (rvg_below(r, 2))
			rvg_emit32(g, RVG_I(0x07, 2 + fmt, fd, base, off));
		else
			rvg_emit32(g, RVG_S(0x27, 2 + fmt, base, fs2, off));
		break;
	}
	}
}

/* A run of FP instructions on two to four f registers. */
static inline void
rvg_fp_run(struct rvg *g)
{
	struct rvg_rng *r = &g->rng;

	g->fregs = rvg_range(r, 2, 4);
	for (int i = 0; i < g->fregs; i++)
		g->freg[i] = (uint8_t)rvg_below(r, 32);
	for (int n = rvg_range(r, 2, 10); n > 0; n--) {
		if (rvg_below(r, 6) == 0)
			rvg_emit32(g, rvg_alu(g));
		else
			rvg_fp(g);
	}
	g->fregs = 0;
}

/* t4 = s0 + off (an address for an AMO, LR/SC). */
static inline void
rvg_amo(struct rvg *g)
{
	static const uint8_t f5[] = { 0x00, 0x01, 0x04, 0x08, 0x0c, 0x10, 0x14,
	    0x18, 0x1c };
	struct rvg_rng *r = &g->rng;
	int d = (int)rvg_below(r, 2), size = d ? 8 : 4;
	int32_t off = rvg_range(r, -64, 64) * size;
	int aqrl = (int)rvg_below(r, 4);

	if (rvg_below(r, 16) == 0)
		off += rvg_range(r, 1, size - 1);	/* misaligned: traps */
	rvg_emit32(g, RVG_I(0x13, 0, RVG_X_TMP, RVG_X_S0, off));
	if (rvg_below(r, 3)) {
		rvg_emit32(g, RVG_R(0x2f, 2 + d, f5[rvg_below(r, 9)] << 2 | aqrl,
		    rvg_rd(g), RVG_X_TMP, rvg_rs(g)));
		return;
	}
	/* lr; a few ALU ops (or none); sc (sometimes to another address) */
	if (rvg_below(r, 4))
		rvg_emit32(g, RVG_R(0x2f, 2 + d, 0x02 << 2 | aqrl, rvg_rd(g), RVG_X_TMP, 0));
	for (int n = (int)rvg_below(r, 3); n > 0; n--)
		rvg_emit32(g, rvg_alu(g));
	if (rvg_below(r, 4) == 0)
		rvg_emit32(g, RVG_I(0x13, 0, RVG_X_TMP, RVG_X_TMP, size));
	rvg_emit32(g, RVG_R(0x2f, 2 + d, 0x03 << 2 | aqrl, rvg_rd(g), RVG_X_TMP, rvg_rs(g)));
}

static inline void
rvg_system(struct rvg *g)
{
	struct rvg_rng *r = &g->rng;
	static const uint16_t rd_csrs[] = { RVG_MSCRATCH, RVG_MINSTRET, 0xc02,
	    0xb00, 0xc00, RVG_MCAUSE, RVG_MEPC, RVG_MTVAL, RVG_FCSR, 0x001,
	    0x002, RVG_MSTATUS };

	switch (rvg_below(r, 8)) {
	case 0: case 1:	/* csrrw/s/c[i] on mscratch */
		rvg_emit32(g, RVG_I(0x73, 1 + rvg_below(r, 3) + 4 * rvg_below(r, 2),
		    rvg_rd(g), rvg_rs(g), RVG_MSCRATCH));
		break;
	case 2:		/* read a counter, a trap CSR, fcsr */
		rvg_emit32(g, RVG_CSRRS(rvg_rd(g), rd_csrs[rvg_below(r, 12)], 0));
		break;
	case 3:		/* frm (mostly valid, often RNE) / fflags write */
		rvg_emit32(g, RVG_I(0x73, 5, rvg_rd(g), rvg_below(r, 16) == 0 ?
		    rvg_below(r, 8) : rvg_below(r, 2) ? 0 : rvg_below(r, 5),
		    rvg_below(r, 2) ? 0x002 : 0x001));
		break;
	case 4:
		if (rvg_below(r, 3) == 0) {
			/* mstatus.FS = Off, Initial, Clean or Dirty (mostly on) */
			rvg_emit32(g, RVG_U(0x37, RVG_X_TMP, 6));	/* 0x6000 */
			rvg_emit32(g, RVG_I(0x73, 3, 0, RVG_X_TMP, RVG_MSTATUS));
			rvg_emit32(g, RVG_U(0x37, RVG_X_TMP,
			    2 * (rvg_below(r, 8) == 0 ? 0 : rvg_range(r, 1, 3))));
			rvg_emit32(g, RVG_I(0x73, 2, 0, RVG_X_TMP, RVG_MSTATUS));
			break;
		}
		rvg_emit32(g, rvg_below(r, 2) ? RVG_FENCE : RVG_FENCE_I);
		break;
	case 5:
		rvg_emit32(g, RVG_ECALL);
		break;
	case 6:		/* illegal: 32-bit custom-0, c.unimp, a CSR that is not there */
		switch (rvg_below(r, 3)) {
		case 0: rvg_emit32(g, 0x0000000bu | (uint32_t)rvg_next(r) << 7); break;
		case 1: rvg_emit16(g, 0); break;
		default: rvg_emit32(g, RVG_CSRRS(rvg_rd(g), 0x7ff, 0)); break;
		}
		break;
	default:	/* an ALU-major word with random fields (illegal ones trap) */
		{
			static const uint8_t major[] = { 0x13, 0x1b, 0x33, 0x3b, 0x53 };
			uint32_t w = (uint32_t)rvg_next(r) & ~UINT32_C(0xfff);

			w |= major[rvg_below(r, 5)] | (uint32_t)rvg_rd(g) << 7 |
			    rvg_below(r, 8) << 12;
			rvg_emit32(g, w);
		}
		break;
	}
}

/* Set s1 (x9) to somewhere else in the data. */
static inline void
rvg_move_s1(struct rvg *g)
{
	rvg_emit32(g, RVG_I(0x13, 0, RVG_X_S1, RVG_X_S0,
	    rvg_range(&g->rng, -2048, 2047)));
}

/* An ALU instruction that a host write or a guest store may replace. */
static inline void
rvg_patchable(struct rvg *g)
{
	if (g->npatch < RVG_MAX_PATCH)
		g->patch[g->npatch++] = g->len;
	if (g->depth > 0 && g->nbody_alu < 16)
		g->body_alu[g->nbody_alu++] = g->len;
	rvg_emit32(g, rvg_alu(g));
}

/*
 * A guest store that rewrites an instruction: a forward one (on its way)
 * or, in a loop body, one that already ran (seen from the next pass),
 * with or without fence.i.  The new instruction goes into a free
 * register (lui; addiw), the address is auipc t4 plus the store's
 * offset.
 */
static inline void
rvg_smc(struct rvg *g)
{
	struct rvg_rng *r = &g->rng;
	int val = rvg_crd(g), l = rvg_new_label(g);
	uint32_t w = rvg_alu(g), auipc;
	bool back = g->nbody_alu > 0 && rvg_below(r, 2);

	rvg_li(g, val, (uint64_t)(int64_t)(int32_t)w);
	auipc = g->len;
	rvg_emit32(g, RVG_U(0x17, RVG_X_TMP, 0));
	if (back) {
		g->label[l] = g->body_alu[rvg_below(r, (uint32_t)g->nbody_alu)];
		rvg_add_fix(g, RVG_FIX_S, l, auipc, 0);
		rvg_emit32(g, RVG_S(0x23, 2, RVG_X_TMP, val, 0));
		if (rvg_below(r, 2))
			rvg_emit32(g, RVG_FENCE_I);
		return;
	}
	rvg_add_fix(g, RVG_FIX_S, l, auipc, 0);
	rvg_emit32(g, RVG_S(0x23, 2, RVG_X_TMP, val, 0));
	if (rvg_below(r, 2))
		rvg_emit32(g, RVG_FENCE_I);
	for (int n = (int)rvg_below(r, 4); n > 0; n--)
		rvg_emit32(g, rvg_alu(g));
	rvg_set_label(g, l);
	rvg_emit32(g, rvg_alu(g));
}

/*
 * A division or remainder at its edges: by 0, by -1 (of INT_MIN), by 1,
 * of INT_MIN, in 64 and 32 bits (RISC-V defines them all: no trap).
 */
static inline void
rvg_div_edge(struct rvg *g)
{
	static const uint64_t num[] = { UINT64_C(0x8000000000000000),
	    UINT64_C(0xffffffff80000000), UINT64_C(0x80000000), 0, 7,
	    UINT64_MAX, UINT64_C(0x123456789abcdef0) };
	static const uint64_t den[] = { 0, UINT64_MAX, 1,
	    UINT64_C(0xffffffff), UINT64_C(0x100000000), UINT64_C(0xffffffff00000000) };
	struct rvg_rng *r = &g->rng;
	int a = rvg_crd(g), b = rvg_crd(g), rd = rvg_rd(g);
	int f3 = 4 + (int)rvg_below(r, 4);

	if (b == a)
		b = a == 15 ? 10 : a + 1;
	rvg_li(g, a, num[rvg_below(r, sizeof(num) / sizeof(num[0]))]);
	rvg_li(g, b, den[rvg_below(r, sizeof(den) / sizeof(den[0]))]);
	rvg_emit32(g, RVG_R(rvg_below(r, 2) ? 0x33 : 0x3b, f3, 1, rd, a, b));
}

static void rvg_items(struct rvg *g, int n);

/* Straight-line code that a forward transfer may skip. */
static inline void
rvg_simple(struct rvg *g, int n)
{
	while (n-- > 0) {
		switch (rvg_below(&g->rng, 4)) {
		case 0: rvg_emit16(g, rvg_calu(g)); break;
		case 1: rvg_load_store(g); break;
		default: rvg_emit32(g, rvg_alu(g)); break;
		}
	}
}

static inline void
rvg_forward(struct rvg *g)
{
	struct rvg_rng *r = &g->rng;
	int l = rvg_new_label(g), skip = (int)rvg_below(r, 6);
	static const uint8_t bf3[] = { 0, 1, 4, 5, 6, 7 };

	switch (rvg_below(r, 6)) {
	case 0: case 1: {
		int rs1 = rvg_rs(g), rs2 = rvg_below(r, 4) == 0 ? rs1 : rvg_rs(g);

		rvg_add_fix(g, RVG_FIX_B, l, 0, 0);
		rvg_emit32(g, rvg_enc_b(bf3[rvg_below(r, 6)], rs1, rs2, 0));
		break;
	}
	case 2:
		rvg_add_fix(g, RVG_FIX_JAL, l, 0, 0);
		rvg_emit32(g, rvg_enc_jal(rvg_below(r, 2) ? 1 : rvg_rd(g), 0));
		break;
	case 3:
		if (rvg_below(r, 2)) {
			rvg_add_fix(g, RVG_FIX_CJ, l, 0, 0);
			rvg_emit16(g, rvg_enc_cj(0));
		} else {
			rvg_add_fix(g, RVG_FIX_CB, l, 0, 0);
			rvg_emit16(g, rvg_enc_cb(rvg_below(r, 2), rvg_crd(g), 0));
		}
		break;
	default: {	/* auipc t4; [addi t4, t4, k]; jalr rd, imm(t4) or c.jr/c.jalr */
		uint32_t auipc = g->len;
		int odd = (int)rvg_below(r, 2);

		rvg_emit32(g, RVG_U(0x17, RVG_X_TMP, 0));
		if (rvg_below(r, 3) == 0) {
			rvg_add_fix(g, RVG_FIX_I, l, auipc, odd);
			rvg_emit32(g, RVG_I(0x13, 0, RVG_X_TMP, RVG_X_TMP, 0));
			rvg_emit16(g, (uint16_t)((rvg_below(r, 2) ? 0x9002 : 0x8002) |
			    RVG_X_TMP << 7));
		} else {
			rvg_add_fix(g, RVG_FIX_I, l, auipc, odd);
			rvg_emit32(g, RVG_I(0x67, 0, rvg_below(r, 2) ? 1 : rvg_rd(g),
			    RVG_X_TMP, 0));
		}
		break;
	}
	}
	rvg_simple(g, skip);
	rvg_set_label(g, l);
}

/* A counted loop (backward branch), its body random items. */
static inline void
rvg_loop(struct rvg *g)
{
	struct rvg_rng *r = &g->rng;
	int ctr = g->depth == 0 ? RVG_X_L0 : RVG_X_L1;
	int trip = rvg_range(r, 1, g->p.max_trip), l = rvg_new_label(g);
	uint32_t saved[16];
	int nsaved = g->nbody_alu;

	memcpy(saved, g->body_alu, sizeof(saved));
	rvg_emit32(g, RVG_I(0x13, 0, ctr, 0, trip));
	rvg_set_label(g, l);
	g->depth++;
	g->nbody_alu = 0;
	rvg_items(g, rvg_range(r, 1, 8));
	g->depth--;
	memcpy(g->body_alu, saved, sizeof(saved));
	g->nbody_alu = nsaved;
	rvg_emit32(g, RVG_I(0x13, 0, ctr, ctr, -1));
	rvg_add_fix(g, RVG_FIX_B, l, 0, 0);
	switch (rvg_below(r, 3)) {
	case 0: rvg_emit32(g, rvg_enc_b(1, ctr, 0, 0)); break;	/* bne */
	case 1: rvg_emit32(g, rvg_enc_b(4, 0, ctr, 0)); break;	/* blt x0, ctr */
	default: rvg_emit32(g, rvg_enc_b(6, 0, ctr, 0)); break;	/* bltu x0, ctr */
	}
}

/* jal x0 over a gap of junk: the code goes on on another page. */
static inline void
rvg_gap(struct rvg *g)
{
	int l = rvg_new_label(g);
	uint32_t n = (uint32_t)rvg_range(&g->rng, 1, 1200) * 2;

	if (!rvg_room(g, n + 4096))
		return;
	rvg_add_fix(g, RVG_FIX_JAL, l, 0, 0);
	rvg_emit32(g, rvg_enc_jal(0, 0));
	while (n-- > 0)
		rvg_emit16(g, (uint16_t)rvg_next(&g->rng));
	rvg_set_label(g, l);
}

static void
rvg_items(struct rvg *g, int n)
{
	struct rvg_rng *r = &g->rng;

	while (n-- > 0 && rvg_room(g, 2048)) {
		switch (rvg_below(r, 40)) {
		case 0: case 1: case 2: case 3: case 4: case 5: case 6: case 7:
			rvg_simple(g, rvg_range(r, 1, 6));
			break;
		case 8: case 9: case 10:
			rvg_patchable(g);
			break;
		case 11: case 12: case 13: case 14:
			rvg_load_store(g);
			break;
		case 15: case 16: case 17: case 18:
			rvg_forward(g);
			break;
		case 19: case 20: case 21:
			if (g->depth < g->p.max_depth)
				rvg_loop(g);
			break;
		case 22:
			rvg_fp(g);
			break;
		case 23:
			rvg_fp_run(g);
			break;
		case 24: case 25:
			rvg_amo(g);
			break;
		case 26: case 27:
			rvg_system(g);
			break;
		case 28:
			rvg_smc(g);
			break;
		case 29: case 39:
			if (g->depth == 0)
				rvg_gap(g);
			break;
		case 30:
			rvg_move_s1(g);
			break;
		case 31:
			rvg_li(g, rvg_rd(g) == 0 ? 1 : rvg_crd(g), rvg_value(r));
			break;
		case 32:
			rvg_div_edge(g);
			break;
		default:	/* 33..38 */
			rvg_emit16(g, rvg_calu(g));
			break;
		}
	}
}

/* Resolve the fix-ups; false if one is out of range (then drop the program). */
static inline bool
rvg_resolve(struct rvg *g)
{
	for (int i = 0; i < g->nfix; i++) {
		const struct rvg_fix *f = &g->fix[i];
		int32_t off;
		uint32_t w = 0;
		uint16_t h;

		if (g->label[f->label] == UINT32_MAX)
			return false;
		off = (int32_t)g->label[f->label] - (int32_t)f->at;
		if (f->kind != RVG_FIX_CJ && f->kind != RVG_FIX_CB)
			memcpy(&w, g->code + f->at, 4);
		switch (f->kind) {
		case RVG_FIX_B:
			if (off < -4096 || off > 4094)
				return false;
			w = rvg_enc_b((int)(w >> 12 & 7), (int)(w >> 15 & 31),
			    (int)(w >> 20 & 31), off);
			memcpy(g->code + f->at, &w, 4);
			break;
		case RVG_FIX_JAL:
			w = rvg_enc_jal((int)(w >> 7 & 31), off);
			memcpy(g->code + f->at, &w, 4);
			break;
		case RVG_FIX_CJ:
			if (off < -2048 || off > 2046)
				return false;
			h = rvg_enc_cj(off);
			memcpy(g->code + f->at, &h, 2);
			break;
		case RVG_FIX_CB:
			memcpy(&h, g->code + f->at, 2);
			if (off < -256 || off > 254)
				return false;
			h = rvg_enc_cb((h >> 13) == 7, 8 + (h >> 7 & 7), off);
			memcpy(g->code + f->at, &h, 2);
			break;
		case RVG_FIX_I:
		case RVG_FIX_S:
			off = (int32_t)g->label[f->label] - (int32_t)f->aux + f->odd;
			if (off < -2048 || off > 2047)
				return false;
			if (f->kind == RVG_FIX_I)
				w = (w & 0xfffff) | ((uint32_t)off & 0xfff) << 20;
			else
				w = (w & 0x01fff07f) | ((uint32_t)off >> 5 & 0x7f) << 25 |
				    ((uint32_t)off & 0x1f) << 7;
			memcpy(g->code + f->at, &w, 4);
			break;
		}
	}
	return true;
}

/*
 * Make a program and its initial state from 'seed' (and fuzz bytes
 * src/len, NULL for none).  Returns false if it could not be made (a
 * fix-up out of range: rare; take another seed).
 */
static inline bool
rvg_generate(struct rvg *g, struct rvg_state *st, const struct rvg_params *p,
    uint64_t seed, const uint8_t *src, size_t len)
{
	struct rvg_rng *r = &g->rng;

	memset(g, 0, offsetof(struct rvg, code));
	g->len = 0;
	g->nlabels = g->nfix = g->npatch = g->nbody_alu = g->depth = 0;
	g->full = false;
	g->rng = (struct rvg_rng){ .s = seed, .src = src, .left = len };
	g->p = *p;

	/* The program first: a fuzz input's bytes go to the code. */
	rvg_items(g, p->items);
	g->depth = 0;
	/* sc.d x0, x0, (sp): no reservation outlives the program */
	rvg_emit32(g, RVG_R(0x2f, 3, 0x03 << 2, 0, RVG_X_SP, 0));
	rvg_emit32(g, RVG_EBREAK);

	for (int i = 0; i < 32; i++) {
		st->x[i] = i == 0 ? 0 : rvg_value(r);
		st->f[i] = rvg_below(r, 4) == 0 ? rvg_value(r) : rvg_fvalue(r);
	}
	st->x[RVG_X_S0] = RVG_S0;
	st->x[RVG_X_S1] = RVG_S0 + (uint64_t)(int64_t)rvg_range(r, -2048, 2047);
	st->x[RVG_X_SP] = RVG_S0 + (uint64_t)(int64_t)rvg_range(r, -1024, 1024);
	st->fcsr = (rvg_below(r, 2) ? 0 : rvg_below(r, 5)) << 5;	/* frm */
	st->mscratch = rvg_value(r);
	for (size_t i = 0; i < RVG_DATA_SIZE; i += 8) {
		uint64_t v = rvg_below(r, 4) == 0 ? rvg_fvalue(r) : rvg_value(r);

		memcpy(st->data + i, &v, 8);
	}
	if (g->full)
		return false;
	return rvg_resolve(g);
}

/* The trap handler at RVG_HANDLER: skip the trapping instruction. */
static const uint32_t rvg_handler[] = {
	RVG_CSRRS(RVG_X_H1, RVG_MEPC, 0),		/* t6 = mepc */
	RVG_I(0x03, 5, RVG_X_H0, RVG_X_H1, 0),		/* lhu t5, 0(t6) */
	RVG_I(0x13, 7, RVG_X_H0, RVG_X_H0, 3),		/* andi t5, t5, 3 */
	RVG_I(0x13, 0, RVG_X_H1, RVG_X_H1, 2),		/* addi t6, t6, 2 */
	RVG_I(0x13, 0, RVG_X_H0, RVG_X_H0, -3),		/* addi t5, t5, -3 */
	0x000f1463u,	/* bnez t5, +8 */
	RVG_I(0x13, 0, RVG_X_H1, RVG_X_H1, 2),		/* addi t6, t6, 2 */
	RVG_CSRRW(0, RVG_MEPC, RVG_X_H1),		/* csrw mepc, t6 */
	RVG_CSRRS(RVG_X_H0, RVG_MCAUSE, 0),		/* t5 = mcause */
	RVG_MRET,
};

#endif
