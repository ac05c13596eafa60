/*
 * White-box tests of the F and D extensions (vmm/hart/fpu.c) against the
 * RISC-V unprivileged ISA 20191213, chapters 11 and 12, and IEEE 754-2008.
 * Expected values are worked out from the specs (see the comment at each
 * case), not taken from the implementation.
 *
 * Register use in every case: rs1 = f1, rs2 = f2, rs3 = f4, rd = f3.
 */
#include <fenv.h>
#include <stdint.h>
#include <string.h>

#include <criterion/criterion.h>

#include "vmm/hart/fpu.h"

#define BOX(x)	(FPU_BOX | (uint32_t)(x))

/* Single-precision constants. */
#define S_ONE	0x3f800000u
#define S_TWO	0x40000000u
#define S_THREE	0x40400000u
#define S_NEG	0x80000000u
#define S_INF	0x7f800000u
#define S_MAX	0x7f7fffffu
#define S_QNAN	0x7fc00001u	/* quiet, with a payload */
#define S_SNAN	0x7f800001u
#define S_CNAN	0x7fc00000u

/* Double-precision constants. */
#define D_ONE	UINT64_C(0x3ff0000000000000)
#define D_TWO	UINT64_C(0x4000000000000000)
#define D_NEG	UINT64_C(0x8000000000000000)
#define D_INF	UINT64_C(0x7ff0000000000000)
#define D_MAX	UINT64_C(0x7fefffffffffffff)
#define D_QNAN	UINT64_C(0x7ff8000000000123)
#define D_SNAN	UINT64_C(0x7ff0000000000001)
#define D_CNAN	UINT64_C(0x7ff8000000000000)

/* OP-FP funct5 values. */
enum {
	ADD = 0x00, SUB = 0x01, MUL = 0x02, DIV = 0x03, SGNJ = 0x04,
	MINMAX = 0x05, CVTFF = 0x08, SQRT = 0x0b, CMP = 0x14, CVTFI = 0x18,
	CVTIF = 0x1a, MVX = 0x1c, MVF = 0x1e
};
enum { RNE = 0, RTZ = 1, RDN = 2, RUP = 3, RMM = 4, DYN = 7 };
enum { FMADD = 0x43, FMSUB = 0x47, FNMSUB = 0x4b, FNMADD = 0x4f };

static struct fpu_state st;
static uint64_t xres;

static void
setup(void)
{
	memset(&st, 0, sizeof(st));
	xres = 0xdeadbeef;
}

TestSuite(fpu, .init = setup);

static uint32_t
opfp(int f5, int fmt, int rs2, int rm)
{
	return (uint32_t)f5 << 27 | (uint32_t)fmt << 25 | (uint32_t)rs2 << 20 |
	    1u << 15 | (uint32_t)rm << 12 | 3u << 7 | 0x53;
}

static uint32_t
r4(int opc, int fmt, int rm)
{
	return 4u << 27 | (uint32_t)fmt << 25 | 2u << 20 | 1u << 15 |
	    (uint32_t)rm << 12 | 3u << 7 | (uint32_t)opc;
}

/* Execute with cleared flags; return the status. */
static int
ex(uint32_t insn, uint64_t rs1_int)
{
	st.fflags = 0;
	return fpu_execute(&st, insn, rs1_int, &xres);
}

/* Run insn on singles a, b, c; the result must be written boxed to f3. */
static uint32_t
run_s(uint32_t insn, uint32_t a, uint32_t b, uint32_t c)
{
	int r;

	st.f[1] = BOX(a), st.f[2] = BOX(b), st.f[4] = BOX(c);
	r = ex(insn, 0);
	cr_assert_eq(r, FPU_WROTE_F, "insn %#x: status %d", insn, r);
	cr_assert_eq(st.f[3] >> 32, 0xffffffff, "result not NaN-boxed: %#llx",
	    (unsigned long long)st.f[3]);
	return (uint32_t)st.f[3];
}

static uint64_t
run_d(uint32_t insn, uint64_t a, uint64_t b, uint64_t c)
{
	int r;

	st.f[1] = a, st.f[2] = b, st.f[4] = c;
	r = ex(insn, 0);
	cr_assert_eq(r, FPU_WROTE_F, "insn %#x: status %d", insn, r);
	return st.f[3];
}

/* Run insn that writes an integer register. */
static uint64_t
run_x(uint32_t insn, uint64_t a, uint64_t b)
{
	int r;

	st.f[1] = a, st.f[2] = b;
	st.f[3] = 0x5555;
	r = ex(insn, 0);
	cr_assert_eq(r, FPU_WROTE_X, "insn %#x: status %d", insn, r);
	cr_assert_eq(st.f[3], 0x5555, "f[rd] written by an x-result insn");
	return xres;
}

#define CHECK(got, want, wfl) do {					\
	unsigned long long g_ = (got), w_ = (want);			\
	cr_expect(g_ == w_ && st.fflags == (uint32_t)(wfl),		\
	    "line %d: got %#llx flags %#x, want %#llx flags %#x",	\
	    __LINE__, g_, st.fflags, w_, (unsigned)(wfl));		\
} while (0)

#define S2(f5, rm, a, b, want, wfl)					\
	CHECK(run_s(opfp(f5, 0, 2, rm), a, b, 0), want, wfl)
#define D2(f5, rm, a, b, want, wfl)					\
	CHECK(run_d(opfp(f5, 1, 2, rm), a, b, 0), want, wfl)
#define S3(opc, rm, a, b, c, want, wfl)					\
	CHECK(run_s(r4(opc, 0, rm), a, b, c), want, wfl)
#define D3(opc, rm, a, b, c, want, wfl)					\
	CHECK(run_d(r4(opc, 1, rm), a, b, c), want, wfl)
#define SQS(rm, a, want, wfl)						\
	CHECK(run_s(opfp(SQRT, 0, 0, rm), a, 0, 0), want, wfl)
#define SQD(rm, a, want, wfl)						\
	CHECK(run_d(opfp(SQRT, 1, 0, rm), a, 0, 0), want, wfl)
/* FCVT.int.fmt: kind 0 W, 1 WU, 2 L, 3 LU */
#define CVT_SX(kind, rm, a, want, wfl)					\
	CHECK(run_x(opfp(CVTFI, 0, kind, rm), BOX(a), 0), want, wfl)
#define CVT_DX(kind, rm, a, want, wfl)					\
	CHECK(run_x(opfp(CVTFI, 1, kind, rm), a, 0), want, wfl)

static uint64_t
cvt_if(int fmt, int kind, int rm, uint64_t x)
{
	int r = ex(opfp(CVTIF, fmt, kind, rm), x);

	cr_assert_eq(r, FPU_WROTE_F);
	if (fmt == 0)
		cr_assert_eq(st.f[3] >> 32, 0xffffffff, "not boxed");
	return fmt == 0 ? (uint32_t)st.f[3] : st.f[3];
}

/* ---- add, sub, mul, div in every rounding mode ----------------------- */

Test(fpu, add_sub_exact)
{
	S2(ADD, RNE, S_ONE, S_TWO, S_THREE, 0);
	S2(SUB, RNE, S_ONE, S_TWO, S_NEG | S_ONE, 0);
	D2(ADD, RNE, D_ONE, D_TWO, UINT64_C(0x4008000000000000), 0);
	D2(SUB, RNE, D_TWO, D_ONE, D_ONE, 0);
	/* x - x is +0 in every mode but RDN, where it is -0 (IEEE 6.3). */
	S2(SUB, RNE, S_ONE, S_ONE, 0, 0);
	S2(SUB, RMM, S_ONE, S_ONE, 0, 0);
	S2(SUB, RDN, S_ONE, S_ONE, S_NEG, 0);
	D2(SUB, RDN, D_ONE, D_ONE, D_NEG, 0);
	D2(SUB, RMM, D_ONE, D_ONE, 0, 0);
	/* -0 + -0 = -0 */
	S2(ADD, RNE, S_NEG, S_NEG, S_NEG, 0);
	D2(ADD, RMM, D_NEG, D_NEG, D_NEG, 0);
}

Test(fpu, directed_rounding)
{
	/* 1 + 2^-30: below half an ulp (2^-23) */
	S2(ADD, RNE, S_ONE, 0x30800000, S_ONE, FPU_NX);
	S2(ADD, RTZ, S_ONE, 0x30800000, S_ONE, FPU_NX);
	S2(ADD, RDN, S_ONE, 0x30800000, S_ONE, FPU_NX);
	S2(ADD, RUP, S_ONE, 0x30800000, 0x3f800001, FPU_NX);
	S2(ADD, RMM, S_ONE, 0x30800000, S_ONE, FPU_NX);
	/* -1 - 2^-30 */
	S2(SUB, RDN, S_NEG | S_ONE, 0x30800000, 0xbf800001, FPU_NX);
	S2(SUB, RUP, S_NEG | S_ONE, 0x30800000, 0xbf800000, FPU_NX);
	S2(SUB, RTZ, S_NEG | S_ONE, 0x30800000, 0xbf800000, FPU_NX);
	/* 1 + 2^-60 in double */
	D2(ADD, RUP, D_ONE, UINT64_C(0x3c30000000000000),
	    UINT64_C(0x3ff0000000000001), FPU_NX);
	D2(ADD, RDN, D_ONE, UINT64_C(0x3c30000000000000), D_ONE, FPU_NX);
	/* 1/3 */
	S2(DIV, RNE, S_ONE, S_THREE, 0x3eaaaaab, FPU_NX);
	S2(DIV, RTZ, S_ONE, S_THREE, 0x3eaaaaaa, FPU_NX);
	S2(DIV, RUP, S_ONE, S_THREE, 0x3eaaaaab, FPU_NX);
	S2(DIV, RDN, S_ONE, S_THREE, 0x3eaaaaaa, FPU_NX);
	S2(DIV, RMM, S_ONE, S_THREE, 0x3eaaaaab, FPU_NX);
	D2(DIV, RNE, D_ONE, UINT64_C(0x4008000000000000),
	    UINT64_C(0x3fd5555555555555), FPU_NX);
	D2(DIV, RUP, D_ONE, UINT64_C(0x4008000000000000),
	    UINT64_C(0x3fd5555555555556), FPU_NX);
	D2(DIV, RMM, D_ONE, UINT64_C(0x4008000000000000),
	    UINT64_C(0x3fd5555555555555), FPU_NX);
}

/* RMM differs from RNE exactly on ties that RNE resolves toward zero. */
Test(fpu, rmm_ties)
{
	/* 1 + 2^-24: half-way between 1 and 1 + 2^-23 */
	S2(ADD, RNE, S_ONE, 0x33800000, S_ONE, FPU_NX);
	S2(ADD, RMM, S_ONE, 0x33800000, 0x3f800001, FPU_NX);
	S2(SUB, RMM, S_NEG | S_ONE, 0x33800000, 0xbf800001, FPU_NX);
	/* 1 + 3 * 2^-24: tie between odd and even; both pick 1 + 2^-22 */
	S2(ADD, RNE, S_ONE, 0x34400000, 0x3f800002, FPU_NX);
	S2(ADD, RMM, S_ONE, 0x34400000, 0x3f800002, FPU_NX);
	/* 1 + 2^-53 */
	D2(ADD, RNE, D_ONE, UINT64_C(0x3ca0000000000000), D_ONE, FPU_NX);
	D2(ADD, RMM, D_ONE, UINT64_C(0x3ca0000000000000),
	    UINT64_C(0x3ff0000000000001), FPU_NX);
	/* (1 + 3 * 2^-52) * 1.5 = 1.5 + 4 * 2^-52 + 2^-53 */
	D2(MUL, RNE, UINT64_C(0x3ff0000000000003), UINT64_C(0x3ff8000000000000),
	    UINT64_C(0x3ff8000000000004), FPU_NX);
	D2(MUL, RMM, UINT64_C(0x3ff0000000000003), UINT64_C(0x3ff8000000000000),
	    UINT64_C(0x3ff8000000000005), FPU_NX);
	/* single: (1 + 3 * 2^-23) * 1.5 = 1.5 + 4 * 2^-23 + 2^-24 */
	S2(MUL, RNE, 0x3f800003, 0x3fc00000, 0x3fc00004, FPU_NX);
	S2(MUL, RMM, 0x3f800003, 0x3fc00000, 0x3fc00005, FPU_NX);
	/* subnormal division: 5 * 2^-149 / 2 = 2.5 * 2^-149, tiny + inexact */
	S2(DIV, RNE, 5, S_TWO, 2, FPU_NX | FPU_UF);
	S2(DIV, RMM, 5, S_TWO, 3, FPU_NX | FPU_UF);
	D2(DIV, RNE, 5, D_TWO, 2, FPU_NX | FPU_UF);
	D2(DIV, RMM, 5, D_TWO, 3, FPU_NX | FPU_UF);
	D2(DIV, RMM, 5 | D_NEG, D_TWO, 3 | D_NEG, FPU_NX | FPU_UF);
}

Test(fpu, dynamic_rounding)
{
	st.frm = RUP;
	S2(ADD, DYN, S_ONE, 0x30800000, 0x3f800001, FPU_NX);
	cr_expect_eq(st.frm, RUP);
	st.frm = RMM;
	S2(ADD, DYN, S_ONE, 0x33800000, 0x3f800001, FPU_NX);
	st.frm = RTZ;
	D2(DIV, DYN, D_ONE, UINT64_C(0x4008000000000000),
	    UINT64_C(0x3fd5555555555555), FPU_NX);
	CVT_SX(0, DYN, 0x3fc00000, 1, FPU_NX);		/* 1.5 -> 1 */
	st.frm = RDN;
	/* -(2^25 - 1) needs 25 bits */
	CHECK(cvt_if(0, 0, DYN, (uint64_t)-33554431), 0xcc000000, FPU_NX);
	st.frm = RUP;
	CHECK(cvt_if(0, 0, DYN, (uint64_t)-33554431), 0xcbffffff, FPU_NX);
	st.frm = RNE;
	S3(FMADD, DYN, S_ONE, S_ONE, 0x30800000, S_ONE, FPU_NX);
}

Test(fpu, illegal_rounding_modes)
{
	int rm, fmt;

	st.f[1] = BOX(S_ONE), st.f[2] = BOX(S_ONE), st.f[3] = 0x1234;
	for (fmt = 0; fmt < 2; fmt++) {
		for (rm = 5; rm <= 6; rm++) {
			cr_expect_eq(ex(opfp(ADD, fmt, 2, rm), 0), FPU_ILLEGAL);
			cr_expect_eq(ex(opfp(SQRT, fmt, 0, rm), 0), FPU_ILLEGAL);
			cr_expect_eq(ex(r4(FMADD, fmt, rm), 0), FPU_ILLEGAL);
			cr_expect_eq(ex(r4(FNMADD, fmt, rm), 0), FPU_ILLEGAL);
			cr_expect_eq(ex(opfp(CVTFI, fmt, 0, rm), 0), FPU_ILLEGAL);
			cr_expect_eq(ex(opfp(CVTIF, fmt, 0, rm), 5), FPU_ILLEGAL);
			cr_expect_eq(ex(opfp(CVTFF, fmt, !fmt, rm), 0),
			    FPU_ILLEGAL);
		}
	}
	/* DYN with frm holding a reserved value (5, 6, 7) */
	for (rm = 5; rm <= 7; rm++) {
		st.frm = (uint32_t)rm;
		cr_expect_eq(ex(opfp(MUL, 1, 2, DYN), 0), FPU_ILLEGAL);
		cr_expect_eq(ex(r4(FMSUB, 0, DYN), 0), FPU_ILLEGAL);
		cr_expect_eq(ex(opfp(CVTIF, 1, 3, DYN), 7), FPU_ILLEGAL);
		/* even exact conversions have an rm field that must be valid */
		cr_expect_eq(ex(opfp(CVTFF, 1, 0, DYN), 0), FPU_ILLEGAL);
		/* instructions without rounding ignore frm */
		cr_expect_eq(ex(opfp(SGNJ, 0, 2, 0), 0), FPU_WROTE_F);
		cr_expect_eq(ex(opfp(CMP, 0, 2, 2), 0), FPU_WROTE_X);
		st.f[3] = 0x1234;
	}
	/* An illegal instruction changes nothing. */
	st.frm = 5;
	st.fflags = 0;
	st.f[1] = BOX(S_SNAN);
	cr_expect_eq(fpu_execute(&st, opfp(ADD, 0, 2, DYN), 0, &xres),
	    FPU_ILLEGAL);
	cr_expect_eq(st.fflags, 0);
	cr_expect_eq(st.f[3], 0x1234);
	cr_expect_eq(st.frm, 5);
}

Test(fpu, illegal_encodings)
{
	st.f[3] = 0x1234;
	/* fmt H (2) and Q (3) */
	cr_expect_eq(ex(opfp(ADD, 2, 2, RNE), 0), FPU_ILLEGAL);
	cr_expect_eq(ex(opfp(ADD, 3, 2, RNE), 0), FPU_ILLEGAL);
	cr_expect_eq(ex(r4(FMADD, 2, RNE), 0), FPU_ILLEGAL);
	cr_expect_eq(ex(r4(FMADD, 3, RNE), 0), FPU_ILLEGAL);
	/* unassigned funct5 */
	cr_expect_eq(ex(opfp(0x06, 0, 2, RNE), 0), FPU_ILLEGAL);
	cr_expect_eq(ex(opfp(0x1f, 1, 0, RNE), 0), FPU_ILLEGAL);
	/* reserved fields */
	cr_expect_eq(ex(opfp(SQRT, 0, 1, RNE), 0), FPU_ILLEGAL);
	cr_expect_eq(ex(opfp(SGNJ, 0, 2, 3), 0), FPU_ILLEGAL);
	cr_expect_eq(ex(opfp(MINMAX, 1, 2, 2), 0), FPU_ILLEGAL);
	cr_expect_eq(ex(opfp(CMP, 0, 2, 3), 0), FPU_ILLEGAL);
	cr_expect_eq(ex(opfp(CVTFI, 0, 4, RNE), 0), FPU_ILLEGAL);
	cr_expect_eq(ex(opfp(CVTIF, 1, 5, RNE), 0), FPU_ILLEGAL);
	cr_expect_eq(ex(opfp(CVTFF, 0, 0, RNE), 0), FPU_ILLEGAL); /* s.s */
	cr_expect_eq(ex(opfp(CVTFF, 1, 1, RNE), 0), FPU_ILLEGAL); /* d.d */
	cr_expect_eq(ex(opfp(CVTFF, 0, 2, RNE), 0), FPU_ILLEGAL);
	cr_expect_eq(ex(opfp(MVX, 0, 1, 0), 0), FPU_ILLEGAL);
	cr_expect_eq(ex(opfp(MVX, 0, 0, 2), 0), FPU_ILLEGAL);
	cr_expect_eq(ex(opfp(MVF, 0, 0, 1), 0), FPU_ILLEGAL);
	cr_expect_eq(ex(opfp(MVF, 1, 3, 0), 0), FPU_ILLEGAL);
	cr_expect_eq(st.f[3], 0x1234);
}

/* ---- exceptions --------------------------------------------------------- */

Test(fpu, overflow)
{
	/* max * 2: inf or max-finite depending on the direction (IEEE 7.4) */
	S2(MUL, RNE, S_MAX, S_TWO, S_INF, FPU_OF | FPU_NX);
	S2(MUL, RMM, S_MAX, S_TWO, S_INF, FPU_OF | FPU_NX);
	S2(MUL, RTZ, S_MAX, S_TWO, S_MAX, FPU_OF | FPU_NX);
	S2(MUL, RDN, S_MAX, S_TWO, S_MAX, FPU_OF | FPU_NX);
	S2(MUL, RUP, S_MAX, S_TWO, S_INF, FPU_OF | FPU_NX);
	S2(MUL, RDN, S_NEG | S_MAX, S_TWO, S_NEG | S_INF, FPU_OF | FPU_NX);
	S2(MUL, RUP, S_NEG | S_MAX, S_TWO, S_NEG | S_MAX, FPU_OF | FPU_NX);
	S2(MUL, RMM, S_NEG | S_MAX, S_TWO, S_NEG | S_INF, FPU_OF | FPU_NX);
	D2(ADD, RNE, D_MAX, D_MAX, D_INF, FPU_OF | FPU_NX);
	D2(ADD, RTZ, D_MAX, D_MAX, D_MAX, FPU_OF | FPU_NX);
	D2(ADD, RMM, D_MAX, D_MAX, D_INF, FPU_OF | FPU_NX);
	D2(MUL, RMM, D_NEG | D_MAX, D_TWO, D_NEG | D_INF, FPU_OF | FPU_NX);
	/* infinity itself is exact: no flags */
	S2(ADD, RNE, S_INF, S_ONE, S_INF, 0);
	D2(MUL, RMM, D_INF, D_TWO, D_INF, 0);
}

/*
 * Underflow: tininess is detected after rounding (RISC-V 11.2 defers to
 * IEEE 754 with after-rounding detection), and UF needs an inexact result.
 * (1 + 2^-23) * (2^-126 * (1 - 2^-23)) = 2^-126 * (1 - 2^-46): rounded
 * to 24 bits with unbounded exponent that is 2^-126, not tiny; toward zero
 * it stays below 2^-126, tiny.
 */
Test(fpu, underflow_after_rounding)
{
	S2(MUL, RNE, 0x3f800001, 0x007fffff, 0x00800000, FPU_NX);
	S2(MUL, RMM, 0x3f800001, 0x007fffff, 0x00800000, FPU_NX);
	S2(MUL, RUP, 0x3f800001, 0x007fffff, 0x00800000, FPU_NX);
	S2(MUL, RTZ, 0x3f800001, 0x007fffff, 0x007fffff, FPU_NX | FPU_UF);
	S2(MUL, RDN, 0x3f800001, 0x007fffff, 0x007fffff, FPU_NX | FPU_UF);
	D2(MUL, RNE, UINT64_C(0x3ff0000000000001), UINT64_C(0x000fffffffffffff),
	    UINT64_C(0x0010000000000000), FPU_NX);
	D2(MUL, RMM, UINT64_C(0x3ff0000000000001), UINT64_C(0x000fffffffffffff),
	    UINT64_C(0x0010000000000000), FPU_NX);
	D2(MUL, RTZ, UINT64_C(0x3ff0000000000001), UINT64_C(0x000fffffffffffff),
	    UINT64_C(0x000fffffffffffff), FPU_NX | FPU_UF);
	/* exact subnormal result: tiny but exact, no UF */
	S2(MUL, RNE, 0x00800000, 0x3f000000, 0x00400000, 0);
	D2(MUL, RMM, UINT64_C(0x0010000000000000), UINT64_C(0x3fe0000000000000),
	    UINT64_C(0x0008000000000000), 0);
	/* 2^-149 / 4 rounds to 0 (RNE) or to 2^-149 (RUP), UF | NX */
	S2(DIV, RNE, 1, 0x40800000, 0, FPU_UF | FPU_NX);
	S2(DIV, RUP, 1, 0x40800000, 1, FPU_UF | FPU_NX);
	S2(DIV, RMM, 1, 0x40800000, 0, FPU_UF | FPU_NX);
	S2(DIV, RDN, 1 | S_NEG, 0x40800000, 1 | S_NEG, FPU_UF | FPU_NX);
	S2(DIV, RMM, 1 | S_NEG, 0x40800000, S_NEG, FPU_UF | FPU_NX);
}

Test(fpu, divide_by_zero_and_invalid)
{
	S2(DIV, RNE, S_ONE, 0, S_INF, FPU_DZ);
	S2(DIV, RNE, S_ONE, S_NEG, S_NEG | S_INF, FPU_DZ);
	S2(DIV, RMM, S_NEG | S_ONE, 0, S_NEG | S_INF, FPU_DZ);
	D2(DIV, RNE, D_ONE, D_NEG, D_NEG | D_INF, FPU_DZ);
	D2(DIV, RMM, D_ONE, 0, D_INF, FPU_DZ);
	/* inf / 0 is exact inf, no DZ (IEEE 7.3 only for finite dividends) */
	S2(DIV, RNE, S_INF, 0, S_INF, 0);
	/* invalid operations give the canonical NaN */
	S2(DIV, RNE, 0, 0, S_CNAN, FPU_NV);
	S2(DIV, RMM, 0, S_NEG, S_CNAN, FPU_NV);
	S2(DIV, RNE, S_INF, S_INF, S_CNAN, FPU_NV);
	S2(SUB, RNE, S_INF, S_INF, S_CNAN, FPU_NV);
	S2(ADD, RUP, S_INF, S_NEG | S_INF, S_CNAN, FPU_NV);
	S2(MUL, RNE, S_INF, 0, S_CNAN, FPU_NV);
	D2(MUL, RNE, 0, D_NEG | D_INF, D_CNAN, FPU_NV);
	D2(SUB, RMM, D_INF, D_INF, D_CNAN, FPU_NV);
	D2(DIV, RNE, 0, 0, D_CNAN, FPU_NV);
}

Test(fpu, nan_inputs)
{
	/* quiet NaN in: canonical NaN out, no flags (payload not kept) */
	S2(ADD, RNE, S_QNAN, S_ONE, S_CNAN, 0);
	S2(MUL, RNE, S_ONE, 0xffc00000, S_CNAN, 0);
	S2(DIV, RMM, S_QNAN, S_QNAN, S_CNAN, 0);
	D2(ADD, RNE, D_QNAN, D_ONE, D_CNAN, 0);
	D2(SUB, RMM, D_ONE, D_QNAN | D_NEG, D_CNAN, 0);
	/* signaling NaN in: NV */
	S2(ADD, RNE, S_SNAN, S_ONE, S_CNAN, FPU_NV);
	S2(SUB, RNE, S_ONE, S_SNAN | S_NEG, S_CNAN, FPU_NV);
	S2(MUL, RMM, S_QNAN, S_SNAN, S_CNAN, FPU_NV);
	D2(DIV, RNE, D_SNAN, D_ONE, D_CNAN, FPU_NV);
	D2(MUL, RTZ, D_INF, D_SNAN, D_CNAN, FPU_NV);
	/* Improperly boxed single: reads as canonical NaN (quiet, no NV). */
	st.f[1] = S_ONE;			/* upper half zero */
	st.f[2] = BOX(S_ONE);
	cr_expect_eq(ex(opfp(ADD, 0, 2, RNE), 0), FPU_WROTE_F);
	CHECK(st.f[3], BOX(S_CNAN), 0);
	st.f[1] = UINT64_C(0xfffffffe00000000) | S_SNAN;
	cr_expect_eq(ex(opfp(MUL, 0, 2, RNE), 0), FPU_WROTE_F);
	CHECK(st.f[3], BOX(S_CNAN), 0);
	/* a boxed sNaN does signal */
	st.f[1] = BOX(S_SNAN);
	cr_expect_eq(ex(opfp(MUL, 0, 2, RNE), 0), FPU_WROTE_F);
	CHECK(st.f[3], BOX(S_CNAN), FPU_NV);
}

/* ---- square root ------------------------------------------------------- */

Test(fpu, sqrt)
{
	SQS(RNE, 0x40800000, S_TWO, 0);			/* sqrt 4 = 2 */
	/* sqrt 2 = 1.41421356...; 0x3fb504f3 = 1.4142135381, next 1.4142136574 */
	SQS(RNE, S_TWO, 0x3fb504f3, FPU_NX);
	SQS(RTZ, S_TWO, 0x3fb504f3, FPU_NX);
	SQS(RUP, S_TWO, 0x3fb504f4, FPU_NX);
	SQS(RMM, S_TWO, 0x3fb504f3, FPU_NX);
	SQD(RNE, D_TWO, UINT64_C(0x3ff6a09e667f3bcd), FPU_NX);
	SQD(RDN, D_TWO, UINT64_C(0x3ff6a09e667f3bcc), FPU_NX);
	SQD(RMM, D_TWO, UINT64_C(0x3ff6a09e667f3bcd), FPU_NX);
	SQS(RNE, S_NEG, S_NEG, 0);			/* sqrt(-0) = -0 */
	SQD(RNE, D_NEG, D_NEG, 0);
	SQS(RNE, S_INF, S_INF, 0);
	SQS(RNE, S_NEG | S_ONE, S_CNAN, FPU_NV);
	SQD(RMM, D_NEG | D_ONE, D_CNAN, FPU_NV);
	SQD(RNE, D_NEG | D_INF, D_CNAN, FPU_NV);
	SQD(RNE, 1 | D_NEG, D_CNAN, FPU_NV);		/* negative subnormal */
	SQS(RNE, S_QNAN, S_CNAN, 0);
	SQS(RNE, S_SNAN, S_CNAN, FPU_NV);
	SQD(RNE, D_SNAN, D_CNAN, FPU_NV);
	/* rs2 is not an operand: a sNaN in f2 must not signal */
	st.f[2] = BOX(S_SNAN);
	st.f[1] = BOX(0x40800000);
	cr_expect_eq(ex(opfp(SQRT, 0, 0, RNE), 0), FPU_WROTE_F);
	cr_expect_eq(st.fflags, 0);
}

/* ---- fused multiply-add ----------------------------------------------- */

Test(fpu, fma_basic)
{
	/* 2 * 3 + 1 with the four sign variants */
	S3(FMADD, RNE, S_TWO, S_THREE, S_ONE, 0x40e00000, 0);	/* 7 */
	S3(FMSUB, RNE, S_TWO, S_THREE, S_ONE, 0x40a00000, 0);	/* 5 */
	S3(FNMSUB, RNE, S_TWO, S_THREE, S_ONE, 0xc0a00000, 0);	/* -5 */
	S3(FNMADD, RNE, S_TWO, S_THREE, S_ONE, 0xc0e00000, 0);	/* -7 */
	D3(FMADD, RNE, D_TWO, D_TWO, D_ONE, UINT64_C(0x4014000000000000), 0);
	D3(FMSUB, RMM, D_TWO, D_TWO, D_ONE, UINT64_C(0x4008000000000000), 0);
	D3(FNMSUB, RNE, D_TWO, D_TWO, D_ONE, UINT64_C(0xc008000000000000), 0);
	D3(FNMADD, RMM, D_TWO, D_TWO, D_ONE, UINT64_C(0xc014000000000000), 0);
	/* zero signs: -(0 * 1) - 0 = -0; 1 * 1 - 1 = -0 only in RDN */
	S3(FNMADD, RNE, 0, S_ONE, 0, S_NEG, 0);
	S3(FMSUB, RNE, S_ONE, S_ONE, S_ONE, 0, 0);
	S3(FMSUB, RDN, S_ONE, S_ONE, S_ONE, S_NEG, 0);
	D3(FMSUB, RDN, D_ONE, D_ONE, D_ONE, D_NEG, 0);
	D3(FMSUB, RMM, D_ONE, D_ONE, D_ONE, 0, 0);
}

Test(fpu, fma_single_rounding)
{
	/*
	 * (1 + 2^-30)^2 - 1 = 2^-29 + 2^-60, exact in a double; a separate
	 * multiply would first round the square to 1 + 2^-29 and lose 2^-60.
	 */
	D3(FMADD, RNE, UINT64_C(0x3ff0000000400000),
	    UINT64_C(0x3ff0000000400000), D_NEG | D_ONE,
	    UINT64_C(0x3e20000000200000), 0);
	/* (1 + 2^-23)^2 - 1 = 2^-22 + 2^-46: tie at 24 bits */
	S3(FMADD, RNE, 0x3f800001, 0x3f800001, S_NEG | S_ONE, 0x34800000,
	    FPU_NX);
	S3(FMADD, RMM, 0x3f800001, 0x3f800001, S_NEG | S_ONE, 0x34800001,
	    FPU_NX);
	S3(FMADD, RUP, 0x3f800001, 0x3f800001, S_NEG | S_ONE, 0x34800001,
	    FPU_NX);
	S3(FMADD, RTZ, 0x3f800001, 0x3f800001, S_NEG | S_ONE, 0x34800000,
	    FPU_NX);
	/* (1 + 2^-52)^2 - 1 = 2^-51 + 2^-104: tie at 53 bits */
	D3(FMADD, RNE, UINT64_C(0x3ff0000000000001),
	    UINT64_C(0x3ff0000000000001), D_NEG | D_ONE,
	    UINT64_C(0x3cc0000000000000), FPU_NX);
	D3(FMADD, RMM, UINT64_C(0x3ff0000000000001),
	    UINT64_C(0x3ff0000000000001), D_NEG | D_ONE,
	    UINT64_C(0x3cc0000000000001), FPU_NX);
	D3(FNMSUB, RMM, UINT64_C(0x3ff0000000000001),
	    UINT64_C(0x3ff0000000000001), D_ONE,
	    UINT64_C(0xbcc0000000000001), FPU_NX);
	/* overflow and underflow */
	S3(FMADD, RNE, S_MAX, S_TWO, 0, S_INF, FPU_OF | FPU_NX);
	S3(FMADD, RTZ, S_MAX, S_TWO, 0, S_MAX, FPU_OF | FPU_NX);
	D3(FMADD, RMM, D_MAX, D_TWO, D_NEG | D_MAX, D_MAX, 0);
	S3(FMADD, RNE, 1, 0x3e800000, 0, 0, FPU_UF | FPU_NX);	/* 2^-151 */
}

Test(fpu, fma_invalid)
{
	/* inf * 0 + qNaN raises NV (spec 11.6), whatever the addend */
	S3(FMADD, RNE, S_INF, 0, S_QNAN, S_CNAN, FPU_NV);
	S3(FMADD, RNE, 0, S_NEG | S_INF, S_QNAN, S_CNAN, FPU_NV);
	D3(FMADD, RNE, D_INF, 0, D_QNAN, D_CNAN, FPU_NV);
	D3(FNMADD, RMM, 0, D_INF, D_ONE, D_CNAN, FPU_NV);
	S3(FMSUB, RNE, S_INF, 0, S_SNAN, S_CNAN, FPU_NV);
	/* inf * 1 - inf */
	S3(FMSUB, RNE, S_INF, S_ONE, S_INF, S_CNAN, FPU_NV);
	D3(FMADD, RNE, D_INF, D_ONE, D_NEG | D_INF, D_CNAN, FPU_NV);
	/* inf * 1 + inf is fine */
	S3(FMADD, RNE, S_INF, S_ONE, S_INF, S_INF, 0);
	/* NaN operands */
	S3(FMADD, RNE, S_QNAN, S_ONE, S_ONE, S_CNAN, 0);
	S3(FMADD, RNE, S_ONE, S_ONE, S_QNAN, S_CNAN, 0);
	S3(FMADD, RNE, S_ONE, S_ONE, S_SNAN, S_CNAN, FPU_NV);
	S3(FNMSUB, RMM, S_ONE, S_SNAN, S_ONE, S_CNAN, FPU_NV);
	D3(FMADD, RNE, D_SNAN, D_ONE, D_QNAN, D_CNAN, FPU_NV);
	D3(FMADD, RNE, D_QNAN, D_INF, 0, D_CNAN, 0);
}

/* ---- sign injection, min/max, compare, classify ------------------------ */

Test(fpu, sign_injection)
{
	S2(SGNJ, 0, S_ONE, S_NEG | S_TWO, S_NEG | S_ONE, 0);
	S2(SGNJ, 1, S_ONE, S_NEG | S_TWO, S_ONE, 0);
	S2(SGNJ, 1, S_ONE, S_TWO, S_NEG | S_ONE, 0);
	S2(SGNJ, 2, S_NEG | S_ONE, S_NEG | S_TWO, S_ONE, 0);
	S2(SGNJ, 2, S_ONE, S_NEG | S_TWO, S_NEG | S_ONE, 0);
	/* no NaN processing: payload and signalling bit kept, no NV */
	S2(SGNJ, 0, S_SNAN, S_NEG, S_NEG | S_SNAN, 0);
	D2(SGNJ, 1, D_SNAN, D_SNAN, D_NEG | D_SNAN, 0);
	D2(SGNJ, 2, D_NEG | D_ONE, D_NEG | D_QNAN, D_ONE, 0);
	D2(SGNJ, 0, D_INF, D_NEG, D_NEG | D_INF, 0);
	/* unboxed rs1 reads as canonical NaN; sign still injected */
	st.f[1] = S_ONE;
	st.f[2] = BOX(S_NEG);
	cr_expect_eq(ex(opfp(SGNJ, 0, 2, 0), 0), FPU_WROTE_F);
	CHECK(st.f[3], BOX(S_NEG | S_CNAN), 0);
	/* unboxed rs2 reads as +cNaN: fsgnjn gives a negative result */
	st.f[1] = BOX(S_TWO);
	st.f[2] = UINT64_C(0x7fffffff00000000) | S_NEG;
	cr_expect_eq(ex(opfp(SGNJ, 0, 2, 1), 0), FPU_WROTE_F);
	CHECK(st.f[3], BOX(S_NEG | S_TWO), 0);
}

Test(fpu, min_max)
{
	S2(MINMAX, 0, S_ONE, S_TWO, S_ONE, 0);
	S2(MINMAX, 1, S_ONE, S_TWO, S_TWO, 0);
	S2(MINMAX, 0, S_NEG | S_INF, S_TWO, S_NEG | S_INF, 0);
	S2(MINMAX, 1, S_NEG | S_INF, S_TWO, S_TWO, 0);
	/* -0 < +0 for fmin/fmax */
	S2(MINMAX, 0, S_NEG, 0, S_NEG, 0);
	S2(MINMAX, 0, 0, S_NEG, S_NEG, 0);
	S2(MINMAX, 1, S_NEG, 0, 0, 0);
	S2(MINMAX, 1, 0, S_NEG, 0, 0);
	D2(MINMAX, 0, 0, D_NEG, D_NEG, 0);
	D2(MINMAX, 1, D_NEG, 0, 0, 0);
	/* one NaN: the other operand; NV only for sNaN */
	S2(MINMAX, 0, S_QNAN, S_ONE, S_ONE, 0);
	S2(MINMAX, 1, S_TWO, S_QNAN, S_TWO, 0);
	S2(MINMAX, 0, S_SNAN, S_ONE, S_ONE, FPU_NV);
	S2(MINMAX, 1, S_ONE, S_SNAN, S_ONE, FPU_NV);
	D2(MINMAX, 0, D_QNAN, D_NEG | D_ONE, D_NEG | D_ONE, 0);
	D2(MINMAX, 1, D_SNAN, D_TWO, D_TWO, FPU_NV);
	/* both NaN: canonical NaN */
	S2(MINMAX, 0, S_QNAN, S_QNAN, S_CNAN, 0);
	S2(MINMAX, 1, S_SNAN, S_QNAN, S_CNAN, FPU_NV);
	D2(MINMAX, 0, D_QNAN, D_SNAN, D_CNAN, FPU_NV);
	D2(MINMAX, 1, D_QNAN | D_NEG, D_QNAN, D_CNAN, 0);
	/* unboxed single is a (quiet) NaN: the other operand wins */
	st.f[1] = S_ONE;
	st.f[2] = BOX(S_TWO);
	cr_expect_eq(ex(opfp(MINMAX, 0, 2, 0), 0), FPU_WROTE_F);
	CHECK(st.f[3], BOX(S_TWO), 0);
}

#define CMP_S(f3, a, b, want, wfl)					\
	CHECK(run_x(opfp(CMP, 0, 2, f3), BOX(a), BOX(b)), want, wfl)
#define CMP_D(f3, a, b, want, wfl)					\
	CHECK(run_x(opfp(CMP, 1, 2, f3), a, b), want, wfl)

Test(fpu, compare)
{
	enum { LE = 0, LT = 1, EQ = 2 };

	CMP_S(EQ, S_ONE, S_ONE, 1, 0);
	CMP_S(EQ, S_ONE, S_TWO, 0, 0);
	CMP_S(LT, S_ONE, S_TWO, 1, 0);
	CMP_S(LT, S_TWO, S_ONE, 0, 0);
	CMP_S(LE, S_TWO, S_TWO, 1, 0);
	CMP_S(LE, S_TWO, S_ONE, 0, 0);
	CMP_S(EQ, S_NEG, 0, 1, 0);		/* -0 == +0 */
	CMP_S(LT, S_NEG, 0, 0, 0);
	CMP_S(LE, 0, S_NEG, 1, 0);
	CMP_S(LT, S_NEG | S_INF, S_NEG | S_MAX, 1, 0);
	CMP_D(LT, D_NEG | D_ONE, 1, 1, 0);
	CMP_D(LE, D_INF, D_INF, 1, 0);
	CMP_D(EQ, D_ONE, D_ONE | 1, 0, 0);
	/* feq is quiet: NV only for sNaN; flt/fle signal on any NaN */
	CMP_S(EQ, S_QNAN, S_ONE, 0, 0);
	CMP_S(EQ, S_QNAN, S_QNAN, 0, 0);
	CMP_S(EQ, S_ONE, S_SNAN, 0, FPU_NV);
	CMP_S(LT, S_QNAN, S_ONE, 0, FPU_NV);
	CMP_S(LE, S_ONE, S_QNAN, 0, FPU_NV);
	CMP_S(LT, S_SNAN, S_ONE, 0, FPU_NV);
	CMP_D(EQ, D_QNAN, D_QNAN, 0, 0);
	CMP_D(EQ, D_SNAN, D_ONE, 0, FPU_NV);
	CMP_D(LT, D_ONE, D_QNAN, 0, FPU_NV);
	CMP_D(LE, D_QNAN, D_QNAN, 0, FPU_NV);
	/* unboxed single compares as a quiet NaN */
	CHECK(run_x(opfp(CMP, 0, 2, EQ), S_ONE, BOX(S_ONE)), 0, 0);
	CHECK(run_x(opfp(CMP, 0, 2, LT), S_ONE, BOX(S_TWO)), 0, FPU_NV);
}

Test(fpu, classify)
{
	static const struct { uint32_t s; uint64_t d; int bit; } c[] = {
		{ S_NEG | S_INF, D_NEG | D_INF, 0 },
		{ S_NEG | S_ONE, D_NEG | D_ONE, 1 },
		{ S_NEG | S_MAX, D_NEG | D_MAX, 1 },
		{ S_NEG | 0x00800000, D_NEG | UINT64_C(0x0010000000000000), 1 },
		{ S_NEG | 0x007fffff, D_NEG | UINT64_C(0x000fffffffffffff), 2 },
		{ S_NEG | 1, D_NEG | 1, 2 },
		{ S_NEG, D_NEG, 3 },
		{ 0, 0, 4 },
		{ 1, 1, 5 },
		{ 0x007fffff, UINT64_C(0x000fffffffffffff), 5 },
		{ 0x00800000, UINT64_C(0x0010000000000000), 6 },
		{ S_TWO, D_TWO, 6 },
		{ S_INF, D_INF, 7 },
		{ S_SNAN, D_SNAN, 8 },
		{ S_NEG | 0x7fbfffff, D_NEG | UINT64_C(0x7ff7ffffffffffff), 8 },
		{ S_QNAN, D_QNAN, 9 },
		{ S_CNAN | S_NEG, D_CNAN | D_NEG, 9 },
	};
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		CHECK(run_x(opfp(MVX, 0, 0, 1), BOX(c[i].s), 0),
		    UINT64_C(1) << c[i].bit, 0);
		CHECK(run_x(opfp(MVX, 1, 0, 1), c[i].d, 0),
		    UINT64_C(1) << c[i].bit, 0);
	}
	/* unboxed single: canonical NaN, a quiet NaN */
	CHECK(run_x(opfp(MVX, 0, 0, 1), S_ONE, 0), 1u << 9, 0);
}

/* ---- moves ------------------------------------------------------------- */

Test(fpu, moves)
{
	/* FMV.X.W: low 32 bits, sign-extended, boxing not checked (12.2) */
	CHECK(run_x(opfp(MVX, 0, 0, 0), BOX(0x87654321), 0),
	    UINT64_C(0xffffffff87654321), 0);
	CHECK(run_x(opfp(MVX, 0, 0, 0), UINT64_C(0x123456787654321f), 0),
	    UINT64_C(0x000000007654321f), 0);
	CHECK(run_x(opfp(MVX, 0, 0, 0), BOX(S_SNAN), 0), S_SNAN, 0);
	/* FMV.X.D */
	CHECK(run_x(opfp(MVX, 1, 0, 0), D_SNAN | D_NEG, 0), D_SNAN | D_NEG, 0);
	/* FMV.W.X boxes the low 32 bits; FMV.D.X moves all 64, sNaN kept */
	cr_expect_eq(ex(opfp(MVF, 0, 0, 0), UINT64_C(0x12345678ff800001)),
	    FPU_WROTE_F);
	CHECK(st.f[3], UINT64_C(0xffffffffff800001), 0);
	cr_expect_eq(ex(opfp(MVF, 1, 0, 0), D_SNAN), FPU_WROTE_F);
	CHECK(st.f[3], D_SNAN, 0);
}

/* ---- conversions ------------------------------------------------------ */

Test(fpu, cvt_w_s)
{
	CVT_SX(0, RNE, 0x3fc00000, 1 + 1, FPU_NX);		/* 1.5 -> 2 */
	CVT_SX(0, RNE, 0x40200000, 2, FPU_NX);			/* 2.5 -> 2 */
	CVT_SX(0, RMM, 0x40200000, 3, FPU_NX);
	CVT_SX(0, RMM, 0xc0200000, (uint64_t)-3, FPU_NX);
	CVT_SX(0, RTZ, 0xc0200000, (uint64_t)-2, FPU_NX);
	CVT_SX(0, RDN, 0xc0200000, (uint64_t)-3, FPU_NX);
	CVT_SX(0, RUP, 0xc0200000, (uint64_t)-2, FPU_NX);
	CVT_SX(0, RUP, 0x3f000000, 1, FPU_NX);			/* 0.5 */
	CVT_SX(0, RNE, S_NEG, 0, 0);				/* -0 */
	CVT_SX(0, RNE, 0xcf000000, UINT64_C(0xffffffff80000000), 0);
	/* out of range: NV only, saturated (spec table 11.4) */
	CVT_SX(0, RNE, 0x4f000000, 0x7fffffff, FPU_NV);		/* 2^31 */
	CVT_SX(0, RNE, S_INF, 0x7fffffff, FPU_NV);
	CVT_SX(0, RNE, S_NEG | S_INF, UINT64_C(0xffffffff80000000), FPU_NV);
	CVT_SX(0, RNE, S_QNAN, 0x7fffffff, FPU_NV);
	CVT_SX(0, RNE, S_SNAN | S_NEG, 0x7fffffff, FPU_NV);
	CVT_SX(0, RNE, S_CNAN | S_NEG, 0x7fffffff, FPU_NV);
	/* unboxed input is NaN */
	CHECK(run_x(opfp(CVTFI, 0, 0, RNE), S_ONE, 0), 0x7fffffff, FPU_NV);
}

Test(fpu, cvt_wu_s)
{
	CVT_SX(1, RTZ, 0xbf000000, 0, FPU_NX);		/* -0.5 -> 0, no NV */
	CVT_SX(1, RNE, 0xbf000000, 0, FPU_NX);		/* rounds to -0 */
	CVT_SX(1, RDN, 0xbf000000, 0, FPU_NV);		/* rounds to -1 */
	CVT_SX(1, RMM, 0xbf000000, 0, FPU_NV);		/* ties away: -1 */
	CVT_SX(1, RTZ, S_NEG | S_ONE, 0, FPU_NV);		/* -1.0 */
	CVT_SX(1, RNE, S_NEG | S_INF, 0, FPU_NV);
	/* 2^32 - 256: 32-bit results are sign-extended on RV64 */
	CVT_SX(1, RNE, 0x4f7fffff, UINT64_C(0xffffffffffffff00), 0);
	CVT_SX(1, RNE, 0x4f000000, UINT64_C(0xffffffff80000000), 0);
	CVT_SX(1, RNE, 0x4f800000, UINT64_MAX, FPU_NV);		/* 2^32 */
	CVT_SX(1, RNE, S_INF, UINT64_MAX, FPU_NV);
	CVT_SX(1, RNE, S_QNAN, UINT64_MAX, FPU_NV);
}

Test(fpu, cvt_w_d)
{
	/* -2^31 - 1 */
	CVT_DX(0, RNE, UINT64_C(0xc1e0000000200000),
	    UINT64_C(0xffffffff80000000), FPU_NV);
	/* -2^31 - 0.5: into range toward zero, out of range downward */
	CVT_DX(0, RTZ, UINT64_C(0xc1e0000000100000),
	    UINT64_C(0xffffffff80000000), FPU_NX);
	CVT_DX(0, RNE, UINT64_C(0xc1e0000000100000),
	    UINT64_C(0xffffffff80000000), FPU_NX);
	CVT_DX(0, RDN, UINT64_C(0xc1e0000000100000),
	    UINT64_C(0xffffffff80000000), FPU_NV);
	CVT_DX(0, RMM, UINT64_C(0xc1e0000000100000),
	    UINT64_C(0xffffffff80000000), FPU_NV);
	/* 2^31 - 0.5 */
	CVT_DX(0, RTZ, UINT64_C(0x41dfffffffe00000), 0x7fffffff, FPU_NX);
	CVT_DX(0, RNE, UINT64_C(0x41dfffffffe00000), 0x7fffffff, FPU_NV);
	CVT_DX(0, RNE, D_SNAN, 0x7fffffff, FPU_NV);
	CVT_DX(1, RNE, UINT64_C(0x41efffffffe00000), UINT64_MAX, 0);
	CVT_DX(1, RTZ, UINT64_C(0xbfeccccccccccccd), 0, FPU_NX); /* -0.9 */
	CVT_DX(1, RNE, UINT64_C(0xbfeccccccccccccd), 0, FPU_NV);
}

Test(fpu, cvt_l_lu)
{
	/* fcvt.l.d */
	CVT_DX(2, RNE, UINT64_C(0x43e0000000000000), INT64_MAX, FPU_NV);
	CVT_DX(2, RNE, UINT64_C(0xc3e0000000000000), (uint64_t)INT64_MIN, 0);
	CVT_DX(2, RNE, UINT64_C(0x43dfffffffffffff), UINT64_C(0x7ffffffffffffc00),
	    0);
	CVT_DX(2, RNE, D_QNAN, INT64_MAX, FPU_NV);
	CVT_DX(2, RNE, D_NEG | D_INF, (uint64_t)INT64_MIN, FPU_NV);
	CVT_DX(2, RNE, D_INF, INT64_MAX, FPU_NV);
	CVT_DX(2, RMM, UINT64_C(0xc004000000000000), (uint64_t)-3, FPU_NX);
	CVT_DX(2, RNE, 1, 0, FPU_NX);				/* subnormal */
	CVT_DX(2, RUP, 1, 1, FPU_NX);
	CVT_DX(2, RDN, 1 | D_NEG, UINT64_MAX, FPU_NX);		/* -1 */
	/* fcvt.lu.d */
	CVT_DX(3, RNE, UINT64_C(0x43f0000000000000), UINT64_MAX, FPU_NV);
	CVT_DX(3, RNE, UINT64_C(0x43efffffffffffff), UINT64_C(0xfffffffffffff800),
	    0);
	CVT_DX(3, RNE, D_NEG | D_ONE, 0, FPU_NV);
	CVT_DX(3, RTZ, UINT64_C(0xbfeccccccccccccd), 0, FPU_NX);
	CVT_DX(3, RNE, D_SNAN, UINT64_MAX, FPU_NV);
	CVT_DX(3, RNE, D_NEG | D_INF, 0, FPU_NV);
	/* fcvt.l.s / fcvt.lu.s */
	CVT_SX(2, RNE, 0x5f000000, INT64_MAX, FPU_NV);		/* 2^63 */
	CVT_SX(2, RNE, 0xdf000000, (uint64_t)INT64_MIN, 0);	/* -2^63 */
	CVT_SX(2, RNE, S_QNAN, INT64_MAX, FPU_NV);
	CVT_SX(3, RNE, 0x5f800000, UINT64_MAX, FPU_NV);		/* 2^64 */
	CVT_SX(3, RNE, 0x5f7fffff, UINT64_C(0xffffff0000000000), 0);
	CVT_SX(3, RNE, S_NEG | S_ONE, 0, FPU_NV);
	CVT_SX(3, RUP, 0xbf000000, 0, FPU_NX);			/* -0.5 */
}

Test(fpu, cvt_from_int)
{
	CHECK(cvt_if(0, 0, RNE, (uint64_t)-1), 0xbf800000, 0);
	CHECK(cvt_if(0, 0, RNE, UINT64_C(0x0000000100000002)), S_TWO, 0);
	CHECK(cvt_if(0, 0, RNE, 0), 0, 0);
	CHECK(cvt_if(0, 0, RNE, UINT64_C(0x80000000)), 0xcf000000, 0);
	/* 2^24 + 1: tie between 2^24 and 2^24 + 2 */
	CHECK(cvt_if(0, 0, RNE, 0x01000001), 0x4b800000, FPU_NX);
	CHECK(cvt_if(0, 0, RMM, 0x01000001), 0x4b800001, FPU_NX);
	CHECK(cvt_if(0, 0, RUP, 0x01000001), 0x4b800001, FPU_NX);
	CHECK(cvt_if(0, 0, RMM, (uint64_t)-0x01000001), 0xcb800001, FPU_NX);
	CHECK(cvt_if(0, 0, RDN, (uint64_t)-0x01000001), 0xcb800001, FPU_NX);
	CHECK(cvt_if(0, 0, RUP, (uint64_t)-0x01000001), 0xcb800000, FPU_NX);
	/* fcvt.s.wu: 0xffffffff = 2^32 - 1 */
	CHECK(cvt_if(0, 1, RNE, UINT64_C(0xffffffffffffffff)), 0x4f800000,
	    FPU_NX);
	CHECK(cvt_if(0, 1, RTZ, UINT64_C(0xffffffff)), 0x4f7fffff, FPU_NX);
	/* fcvt.s.l, fcvt.s.lu */
	CHECK(cvt_if(0, 2, RNE, INT64_MAX), 0x5f000000, FPU_NX);
	CHECK(cvt_if(0, 2, RNE, (uint64_t)INT64_MIN), 0xdf000000, 0);
	CHECK(cvt_if(0, 3, RNE, UINT64_MAX), 0x5f800000, FPU_NX);
	CHECK(cvt_if(0, 3, RTZ, UINT64_MAX), 0x5f7fffff, FPU_NX);
	CHECK(cvt_if(0, 3, RNE, 7), 0x40e00000, 0);
	/* to double */
	CHECK(cvt_if(1, 0, RNE, UINT64_C(0x00000000fffffffb)),
	    UINT64_C(0xc014000000000000), 0);			/* -5 */
	CHECK(cvt_if(1, 1, RNE, UINT64_C(0xffffffff)),
	    UINT64_C(0x41efffffffe00000), 0);
	CHECK(cvt_if(1, 2, RNE, (uint64_t)INT64_MIN),
	    UINT64_C(0xc3e0000000000000), 0);
	CHECK(cvt_if(1, 2, RNE, 0), 0, 0);
	CHECK(cvt_if(1, 3, RNE, UINT64_MAX), UINT64_C(0x43f0000000000000),
	    FPU_NX);
	CHECK(cvt_if(1, 3, RTZ, UINT64_MAX), UINT64_C(0x43efffffffffffff),
	    FPU_NX);
	/* 2^53 + 1: tie */
	CHECK(cvt_if(1, 2, RNE, (UINT64_C(1) << 53) + 1),
	    UINT64_C(0x4340000000000000), FPU_NX);
	CHECK(cvt_if(1, 2, RMM, (UINT64_C(1) << 53) + 1),
	    UINT64_C(0x4340000000000001), FPU_NX);
}

/* fcvt.s.d: opfp(CVTFF, fmt S, rs2 = 1 (D)) */
static uint32_t
cvt_sd(int rm, uint64_t a)
{
	st.f[1] = a;
	cr_assert_eq(ex(opfp(CVTFF, 0, 1, rm), 0), FPU_WROTE_F);
	cr_assert_eq(st.f[3] >> 32, 0xffffffff, "not boxed");
	return (uint32_t)st.f[3];
}

#define CVT_SD(rm, a, want, wfl)	CHECK(cvt_sd(rm, a), want, wfl)

Test(fpu, cvt_s_d_and_d_s)
{
	CVT_SD(RNE, UINT64_C(0x3fd5555555555555), 0x3eaaaaab, FPU_NX);
	CVT_SD(RTZ, UINT64_C(0x3fd5555555555555), 0x3eaaaaaa, FPU_NX);
	CVT_SD(RNE, D_ONE, S_ONE, 0);
	CVT_SD(RNE, D_NEG, S_NEG, 0);
	CVT_SD(RNE, D_NEG | D_INF, S_NEG | S_INF, 0);
	CVT_SD(RNE, D_MAX, S_INF, FPU_OF | FPU_NX);
	CVT_SD(RTZ, D_MAX, S_MAX, FPU_OF | FPU_NX);
	CVT_SD(RDN, D_NEG | D_MAX, S_NEG | S_INF, FPU_OF | FPU_NX);
	/* 2^-150: half of the smallest subnormal */
	CVT_SD(RNE, UINT64_C(0x3690000000000000), 0, FPU_NX | FPU_UF);
	CVT_SD(RMM, UINT64_C(0x3690000000000000), 1, FPU_NX | FPU_UF);
	CVT_SD(RUP, UINT64_C(0x3690000000000000), 1, FPU_NX | FPU_UF);
	CVT_SD(RNE, UINT64_C(0x36a0000000000000), 1, 0);	/* 2^-149 */
	CVT_SD(RNE, 1, 0, FPU_NX | FPU_UF);			/* 2^-1074 */
	/* 1 + 2^-24 (tie) */
	CVT_SD(RNE, UINT64_C(0x3ff0000010000000), S_ONE, FPU_NX);
	CVT_SD(RMM, UINT64_C(0x3ff0000010000000), 0x3f800001, FPU_NX);
	/* NaNs: canonical result, NV for sNaN */
	CVT_SD(RNE, D_QNAN | D_NEG, S_CNAN, 0);
	CVT_SD(RNE, D_SNAN, S_CNAN, FPU_NV);
	/* fcvt.d.s: exact */
	st.f[1] = BOX(1);
	cr_expect_eq(ex(opfp(CVTFF, 1, 0, RNE), 0), FPU_WROTE_F);
	CHECK(st.f[3], UINT64_C(0x36a0000000000000), 0);
	st.f[1] = BOX(S_NEG | S_INF);
	ex(opfp(CVTFF, 1, 0, RMM), 0);
	CHECK(st.f[3], D_NEG | D_INF, 0);
	st.f[1] = BOX(S_SNAN);
	ex(opfp(CVTFF, 1, 0, RNE), 0);
	CHECK(st.f[3], D_CNAN, FPU_NV);
	st.f[1] = BOX(S_QNAN | S_NEG);
	ex(opfp(CVTFF, 1, 0, RNE), 0);
	CHECK(st.f[3], D_CNAN, 0);
	st.f[1] = S_ONE;				/* unboxed */
	ex(opfp(CVTFF, 1, 0, RNE), 0);
	CHECK(st.f[3], D_CNAN, 0);
}

/* ---- accrual ------------------------------------------------------------ */

Test(fpu, flags_accrue)
{
	st.f[1] = BOX(S_ONE);
	st.f[2] = 0 | FPU_BOX;
	st.fflags = FPU_NX;
	cr_assert_eq(fpu_execute(&st, opfp(DIV, 0, 2, RNE), 0, &xres),
	    FPU_WROTE_F);
	cr_expect_eq(st.fflags, FPU_NX | FPU_DZ);
	/* an exact operation leaves them alone */
	cr_assert_eq(fpu_execute(&st, opfp(ADD, 0, 1, RNE), 0, &xres),
	    FPU_WROTE_F);
	cr_expect_eq(st.fflags, FPU_NX | FPU_DZ);
	cr_expect_eq(st.frm, 0);
}

/*
 * Host exception flags raised before an instruction do not leak into
 * fflags, and the host rounding mode survives the directed and RMM paths
 * (fpu.h contract).
 */
Test(fpu, host_environment)
{
	feraiseexcept(FE_ALL_EXCEPT);
	S2(ADD, RNE, S_ONE, S_ONE, S_TWO, 0);
	feraiseexcept(FE_ALL_EXCEPT);
	S2(DIV, RUP, 0x40800000, S_TWO, S_TWO, 0);
	feraiseexcept(FE_ALL_EXCEPT);
	D2(MUL, RMM, D_TWO, D_TWO, UINT64_C(0x4010000000000000), 0);
	feraiseexcept(FE_ALL_EXCEPT);
	S3(FMADD, RTZ, S_ONE, S_ONE, S_ONE, S_TWO, 0);
	feraiseexcept(FE_ALL_EXCEPT);
	CVT_DX(2, RNE, D_TWO, 2, 0);
	feclearexcept(FE_ALL_EXCEPT);

	fesetround(FE_UPWARD);
	S2(DIV, RDN, S_ONE, S_THREE, 0x3eaaaaaa, FPU_NX);
	cr_expect_eq(fegetround(), FE_UPWARD);
	S2(DIV, RMM, S_ONE, 0, S_INF, FPU_DZ);
	D2(MUL, RMM, UINT64_C(0x3ff0000000000003), UINT64_C(0x3ff8000000000000),
	    UINT64_C(0x3ff8000000000005), FPU_NX);
	cr_expect_eq(fegetround(), FE_UPWARD);
	fesetround(FE_TONEAREST);
}

/* The RNE fast path hands the edges of its range to the host. */
Test(fpu, rne_fast_path_edges)
{
	/* 2^100 + 1: inexact, error found by TwoSum */
	D2(ADD, RNE, UINT64_C(0x4630000000000000), D_ONE,
	    UINT64_C(0x4630000000000000), FPU_NX);
	S2(SUB, RNE, 0x71800000, S_NEG | S_ONE, 0x71800000, FPU_NX);
	/* exact cancellation: +0 */
	D2(SUB, RNE, UINT64_C(0x3ff0000000000003), UINT64_C(0x3ff0000000000003),
	    0, 0);
	/* tiny sums are exact: no UF */
	S2(SUB, RNE, 0x00800001, 0x00800000, 1, 0);
	D2(ADD, RNE, 1 | D_NEG, 3, 2, 0);
	/* a product just above 2^-126: (1 + 2^-23)^2 * 2^-126, normal, NX */
	S2(MUL, RNE, 0x3f800001, 0x00800001, 0x00800002, FPU_NX);
	/* products of 0 and inf */
	S2(MUL, RNE, S_NEG, S_TWO, S_NEG, 0);
	D2(MUL, RNE, D_INF, D_NEG | D_TWO, D_NEG | D_INF, 0);
	/* double product in the subnormal range, inexact: 2^-1074 * 0.75 */
	D2(MUL, RNE, 1, UINT64_C(0x3fe8000000000000), 1, FPU_NX | FPU_UF);
	/* large inexact double product: (1 + 2^-52)^2 */
	D2(MUL, RNE, UINT64_C(0x3ff0000000000001), UINT64_C(0x3ff0000000000001),
	    UINT64_C(0x3ff0000000000002), FPU_NX);
}
