/*
 * F and D standard extensions: execution of the floating-point compute,
 * compare, convert, move and classify instructions (RISC-V unprivileged
 * ISA 20191213, chapter 11 "F" and chapter 12 "D"; NaN boxing as in
 * section 12.2).  Loads and stores live in exec_fp() (hart_exec.c).
 *
 * How results are made bit-exact:
 * - Every NaN input is screened before the host sees it: RISC-V always
 *   returns the canonical NaN and raises NV only for signaling inputs
 *   (or inf*0 in a fused multiply-add, whatever the addend), which is not
 *   what every host does.
 * - RNE add, sub and mul, most of all FP work, take a fast path that
 *   derives NX from the exact rounding error (TwoSum, fma) and leaves the
 *   rare cases (overflow, results near the subnormal range) to the host.
 * - The rest of the arithmetic (add, sub, mul, div, sqrt, fma) in RNE,
 *   RTZ, RDN and RUP runs on the host's IEEE 754 unit in the requested rounding
 *   mode, and the host's sticky flags become fflags.  On x86-64 that is
 *   SSE through MXCSR, which like RISC-V detects tininess after rounding
 *   and raises underflow only when the tiny result is also inexact.
 * - RMM (ties to max magnitude) has no host mode.  The operation is done
 *   exactly enough in a wider format (single in double, double in long
 *   double, both with >= p + 2 bits) rounded toward zero, the inexact flag
 *   is folded into the last bit (round to odd), and round_pack() rounds
 *   that to the target in software.  Round-to-odd with two extra bits
 *   makes the second rounding correct for every mode.  Square roots never
 *   land exactly half-way between two floats, so RMM sqrt equals RNE.
 * - Conversions, comparisons, min/max, sign injection and classification
 *   are done on the bit patterns, independent of the host environment.
 *
 * The host rounding mode is restored after every instruction (see the
 * contract in fpu.h), and the compiler is kept from moving FP operations
 * across the mode switches by passing operands and results through empty
 * asm statements (and by building this file with -frounding-math, see the
 * Makefile).  The results were cross-checked against an exact rational
 * model of IEEE 754 on a few hundred thousand random operations.
 */
#include <fenv.h>
#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__) && defined(__SSE2__)
#define FPU_HOST_MXCSR	1
#endif

#include "vmm/hart/fpu.h"

/* The RMM path of D needs p + 2 = 55 bits of long double. */
_Static_assert(LDBL_MANT_DIG >= 55, "long double too narrow for RMM");
_Static_assert(DBL_MANT_DIG == 53 && FLT_MANT_DIG == 24, "binary32/64");
#if FLT_EVAL_METHOD != 0
#error "fast_rne() needs float and double arithmetic in their own precision"
#endif

/*
 * Ordering: GCC does not model the FP environment, so operands and
 * results pass through empty volatile asm statements that clobber memory;
 * the MXCSR accesses are volatile asm with memory clobbers too (the
 * _mm_getcsr() intrinsic alone was seen hoisted above the operation), and
 * volatile asm statements with memory clobbers keep their order.
 */
#ifdef FPU_HOST_MXCSR
#define FP_BARRIER(v)	__asm__ __volatile__("" : "+x"(v) : : "memory")
#else
#define FP_BARRIER(v)	__asm__ __volatile__("" : "+m"(v) : : "memory")
#endif
#define LD_BARRIER(v)	__asm__ __volatile__("" : "+m"(v) : : "memory")

#define SIGN_S	UINT32_C(0x80000000)
#define INF_S	UINT32_C(0x7f800000)
#define QBIT_S	UINT32_C(0x00400000)
#define SIGN_D	UINT64_C(0x8000000000000000)
#define INF_D	UINT64_C(0x7ff0000000000000)
#define QBIT_D	UINT64_C(0x0008000000000000)

enum { OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_SQRT, OP_FMA };

/* ---- bit-level helpers; a single lives in the low 32 bits ------------ */

static inline uint64_t
sign_bit(bool dbl)
{
	return dbl ? SIGN_D : SIGN_S;
}

static inline uint64_t
cnan(bool dbl)
{
	return dbl ? FPU_CNAN_D : FPU_CNAN_S;
}

static inline bool
is_neg(bool dbl, uint64_t v)
{
	return (v & sign_bit(dbl)) != 0;
}

static inline bool
is_nan(bool dbl, uint64_t v)
{
	return dbl ? (v & ~SIGN_D) > INF_D : (v & ~SIGN_S & 0xffffffff) > INF_S;
}

static inline bool
is_snan(bool dbl, uint64_t v)
{
	return is_nan(dbl, v) && (v & (dbl ? QBIT_D : QBIT_S)) == 0;
}

static inline bool
is_inf(bool dbl, uint64_t v)
{
	return (v & ~sign_bit(dbl)) == (dbl ? INF_D : INF_S);
}

static inline bool
is_zero(bool dbl, uint64_t v)
{
	return (v & ~sign_bit(dbl)) == 0;
}

/* Operand read: a single that is not NaN-boxed reads as canonical NaN. */
static inline uint64_t
get(const struct fpu_state *st, int r, bool dbl)
{
	uint64_t v = st->f[r];

	if (dbl)
		return v;
	return (v & FPU_BOX) == FPU_BOX ? (uint32_t)v : FPU_CNAN_S;
}

/* ---- host floating-point environment --------------------------------- */

static inline uint32_t
fenv_to_fflags(int ex)
{
	return ((ex & FE_INEXACT) ? FPU_NX : 0) |
	    ((ex & FE_UNDERFLOW) ? FPU_UF : 0) |
	    ((ex & FE_OVERFLOW) ? FPU_OF : 0) |
	    ((ex & FE_DIVBYZERO) ? FPU_DZ : 0) |
	    ((ex & FE_INVALID) ? FPU_NV : 0);
}

/*
 * Running one host operation in a given rounding mode with clear flags.
 * On x86-64 this is one MXCSR write that sets the rounding mode, clears
 * the flags, masks all exceptions and turns FTZ/DAZ off (they would break
 * subnormals); elsewhere it is <fenv.h>.
 */
struct hostfp {
#ifdef FPU_HOST_MXCSR
	unsigned int	saved;
#else
	fenv_t		saved;
#endif
};

#ifdef FPU_HOST_MXCSR
static const unsigned int mxcsr_rc[4] = { 0x0000, 0x6000, 0x2000, 0x4000 };

/*
 * MXCSR writes are what costs here, so they are skipped when they would
 * change nothing.  Leaving puts back the saved control bits with the
 * flags clear, so the next entry usually finds MXCSR as it wants it.
 */
static inline void
hostfp_enter(struct hostfp *h, int rm)
{
	unsigned int want;

	__asm__ __volatile__("stmxcsr %0" : "=m"(h->saved) : : "memory");
	want = (h->saved & ~0xe07fu) | 0x1f80u | mxcsr_rc[rm];
	if (want != h->saved)
		__asm__ __volatile__("ldmxcsr %0" : : "m"(want) : "memory");
}

static inline uint32_t
hostfp_leave(struct hostfp *h)
{
	/* MXCSR IE DE ZE OE UE PE (bits 0..5) -> fflags */
	static const uint8_t map[64] = {
#define M(c)	((((c) & 0x20) ? FPU_NX : 0) | (((c) & 0x10) ? FPU_UF : 0) | \
		 (((c) & 0x08) ? FPU_OF : 0) | (((c) & 0x04) ? FPU_DZ : 0) | \
		 (((c) & 0x01) ? FPU_NV : 0))
#define M4(c)	M(c), M((c) + 1), M((c) + 2), M((c) + 3)
#define M16(c)	M4(c), M4((c) + 4), M4((c) + 8), M4((c) + 12)
		M16(0), M16(16), M16(32), M16(48)
#undef M16
#undef M4
#undef M
	};
	unsigned int c;

	__asm__ __volatile__("stmxcsr %0" : "=m"(c) : : "memory");
	h->saved &= ~0x3fu;
	if (c != h->saved)
		__asm__ __volatile__("ldmxcsr %0" : : "m"(h->saved) : "memory");
	return map[c & 0x3f];
}
#else
static const int fenv_rm[4] = {
	FE_TONEAREST, FE_TOWARDZERO, FE_DOWNWARD, FE_UPWARD
};

static inline void
hostfp_enter(struct hostfp *h, int rm)
{
	feholdexcept(&h->saved);
	fesetround(fenv_rm[rm]);
}

static inline uint32_t
hostfp_leave(struct hostfp *h)
{
	int ex = fetestexcept(FE_ALL_EXCEPT);

	fesetenv(&h->saved);
	return fenv_to_fflags(ex);
}
#endif

/* ---- software rounding ------------------------------------------------ */

/*
 * Round the magnitude sig (any bits) right by shift >= 1 bits in mode rm
 * for a number of the given sign; *inexact tells whether bits were lost.
 */
static uint64_t
rshift_round(uint64_t sig, int shift, bool neg, int rm, bool *inexact)
{
	uint64_t keep;
	bool half, sticky, up;

	if (shift > 64) {
		keep = 0, half = false, sticky = sig != 0;
	} else if (shift == 64) {
		keep = 0, half = (sig >> 63) != 0, sticky = (sig << 1) != 0;
	} else {
		keep = sig >> shift;
		half = ((sig >> (shift - 1)) & 1) != 0;
		sticky = (sig & ((UINT64_C(1) << (shift - 1)) - 1)) != 0;
	}
	*inexact = half || sticky;
	switch (rm) {
	case FPU_RNE: up = half && (sticky || (keep & 1)); break;
	case FPU_RTZ: up = false; break;
	case FPU_RDN: up = neg && *inexact; break;
	case FPU_RUP: up = !neg && *inexact; break;
	default: up = half; break;			/* RMM */
	}
	return keep + (up ? 1 : 0);
}

/*
 * Round (-1)^neg * sig * 2^e (sig != 0) to single or double in mode rm,
 * with IEEE 754 / RISC-V flags: tininess is detected after rounding (with
 * an unbounded exponent) and underflow needs tiny and inexact.
 */
static uint64_t
round_pack(bool dbl, bool neg, int e, uint64_t sig, int rm, uint32_t *fl)
{
	int p = dbl ? 53 : 24, emin = dbl ? -1022 : -126, emax = dbl ? 1023 : 127;
	int lz = __builtin_clzll(sig), E, shift;
	uint64_t sgn = neg ? sign_bit(dbl) : 0, inf = dbl ? INF_D : INF_S;
	uint64_t k;
	bool inexact, tiny;

	sig <<= lz;
	E = e - lz + 63;		/* |value| in [2^E, 2^(E+1)) */
	k = rshift_round(sig, 64 - p, neg, rm, &inexact);
	tiny = E + (int)(k >> p) < emin;
	if (E >= emin) {
		if (k >> p) {
			k >>= 1;
			E++;
		}
		if (E > emax) {
			*fl |= FPU_OF | FPU_NX;
			if (rm == FPU_RNE || rm == FPU_RMM ||
			    (rm == FPU_RUP && !neg) || (rm == FPU_RDN && neg))
				return sgn | inf;
			return sgn | (inf - 1);
		}
		if (inexact)
			*fl |= FPU_NX;
		return sgn | ((uint64_t)(E - emin + 1) << (p - 1)) |
		    (k & ((UINT64_C(1) << (p - 1)) - 1));
	}
	shift = 64 - p + (emin - E);
	k = rshift_round(sig, shift, neg, rm, &inexact);
	if (inexact)
		*fl |= tiny ? FPU_NX | FPU_UF : FPU_NX;
	return sgn | k;		/* k = 2^(p-1) carries into the exponent */
}

/* Split a finite non-zero double into sig * 2^e. */
static void
split_double(uint64_t v, uint64_t *sig, int *e)
{
	int ex = (int)((v >> 52) & 0x7ff);

	*sig = v & (QBIT_D * 2 - 1);
	if (ex == 0) {
		*e = -1074;
	} else {
		*sig |= UINT64_C(1) << 52;
		*e = ex - 1075;
	}
}

/* ---- per-format host arithmetic --------------------------------------- */

/*
 * The single and double versions of what follows would differ only in
 * the C type, the width of the bit pattern and the libm suffix, so each
 * is written once as a macro and instantiated per format (STYLE.md:
 * width-specific code is instantiated, not copied).  A macro rather than
 * an #include'd template file keeps the F and D code in this one file.
 *
 * DEFINE_FP_CALC(SUF, T) defines fp_calc<SUF>(): one operation in type T,
 * rounding and flags being the caller's business.  fp_calcf (float) and
 * fp_calc (double) serve the host path; rmm_arith() uses the next wider
 * one of each format, fp_calc for singles and fp_calcl (long double) for
 * doubles.
 */
#define DEFINE_FP_CALC(SUF, T)						\
static inline T								\
fp_calc##SUF(int op, T a, T b, T c)					\
{									\
	switch (op) {							\
	case OP_ADD: return a + b;					\
	case OP_SUB: return a - b;					\
	case OP_MUL: return a * b;					\
	case OP_DIV: return a / b;					\
	case OP_SQRT: return sqrt##SUF(a);				\
	default: return fma##SUF(a, b, c);				\
	}								\
}

DEFINE_FP_CALC(f, float)
DEFINE_FP_CALC(, double)
DEFINE_FP_CALC(l, long double)

/*
 * The RNE fast path (fast_rneW below) needs the exact rounding error of a
 * product, and that is found differently per format, so these two are
 * written apart: a single product is exact in double; a double product's
 * error is exact via fma only well above the subnormal range.  Both
 * return false (slow path) for overflow, infinities and small products,
 * whose results are never tiny when they return true.
 */
static inline bool
mul_rne32(float a, float b, float *r, bool *inexact)
{
	double p = (double)a * (double)b;	/* exact */

	*r = (float)p;
	if (!(fabsf(*r) > FLT_MIN && fabsf(*r) <= FLT_MAX))
		return false;
	*inexact = (double)*r != p;
	return true;
}

static inline bool
mul_rne64(double a, double b, double *r, bool *inexact)
{
	*r = a * b;
	if (!(fabs(*r) >= 0x1p-900 && fabs(*r) <= DBL_MAX))
		return false;
	*inexact = fma(a, b, -*r) != 0;
	return true;
}

/*
 * DEFINE_FP_FORMAT(W, T, SUF, MAX) defines, for the W-bit format whose C
 * type is T (libm suffix SUF, largest finite value MAX):
 *
 * fW(v), bitsW(x): the low W bits of v as a T, and x's bits zero-extended.
 *
 * host_arithW(): one operation on the host's IEEE 754 unit in mode rm
 * (not RMM), its flags ORed into *fl.
 *
 * fast_rneW(): RNE add, sub and mul of non-NaN operands, the bulk of FP
 * code, with no MXCSR access at all.  It relies on the thread running in
 * the C default rounding mode (round to nearest), which nothing in rhyve
 * changes and this file always restores.  The flags come from the exact
 * rounding error: TwoSum (Knuth) is exact for any finite sum, and a sum
 * is never inexact and tiny (sums are multiples of the smallest
 * subnormal), so it can only raise NX; products use mul_rneW() above.
 * Overflow, infinities and small products go to the slow path: returns
 * false there.
 */
#define DEFINE_FP_FORMAT(W, T, SUF, MAX)				\
static inline T								\
f##W(uint64_t v)							\
{									\
	uint##W##_t u = (uint##W##_t)v;					\
	T f;								\
									\
	memcpy(&f, &u, sizeof(f));					\
	return f;							\
}									\
									\
static inline uint64_t							\
bits##W(T f)								\
{									\
	uint##W##_t u;							\
									\
	memcpy(&u, &f, sizeof(u));					\
	return u;							\
}									\
									\
static uint64_t								\
host_arith##W(int op, uint64_t av, uint64_t bv, uint64_t cv, int rm,	\
    uint32_t *fl)							\
{									\
	T a = f##W(av), b = f##W(bv), c = f##W(cv), r;			\
	struct hostfp h;						\
									\
	hostfp_enter(&h, rm);						\
	FP_BARRIER(a);							\
	FP_BARRIER(b);							\
	FP_BARRIER(c);							\
	r = fp_calc##SUF(op, a, b, c);					\
	FP_BARRIER(r);							\
	*fl |= hostfp_leave(&h);					\
	return bits##W(r);						\
}									\
									\
static bool								\
fast_rne##W(int op, uint64_t av, uint64_t bv, uint64_t *res,		\
    uint32_t *fl)							\
{									\
	T a = f##W(av), b = f##W(bv), r, t;				\
	bool inexact;							\
									\
	if (op == OP_MUL) {						\
		if (!mul_rne##W(a, b, &r, &inexact))			\
			return false;					\
	} else {							\
		if (op == OP_SUB)					\
			b = -b;						\
		r = a + b;						\
		if (!(fabs##SUF(r) <= MAX))				\
			return false;					\
		t = r - a;						\
		inexact = (a - (r - t)) + (b - t) != 0;			\
	}								\
	if (inexact)							\
		*fl |= FPU_NX;						\
	*res = bits##W(r);						\
	return true;							\
}

DEFINE_FP_FORMAT(32, float, f, FLT_MAX)
DEFINE_FP_FORMAT(64, double, , DBL_MAX)

/* ---- arithmetic ------------------------------------------------------- */

/*
 * RMM: compute in the wider format toward zero, fold inexactness into a
 * sticky bit and round in software.  The wider result can neither
 * overflow nor be subnormal (single results in double, double results in
 * x87/quad long double), and an exact zero has the sign RNE would give.
 * NaN inputs never get here.
 */
static uint64_t
rmm_arith(bool dbl, int op, uint64_t av, uint64_t bv, uint64_t cv,
    uint32_t *fl)
{
	fenv_t env;
	long double a, b, c, r, m;
	uint64_t sig;
	int ex, e;

	if (dbl)
		a = f64(av), b = f64(bv), c = f64(cv);
	else
		a = f32(av), b = f32(bv), c = f32(cv);
	feholdexcept(&env);
	fesetround(FE_TOWARDZERO);
	LD_BARRIER(a);
	LD_BARRIER(b);
	LD_BARRIER(c);
	if (dbl) {
		r = fp_calcl(op, a, b, c);	/* op is not OP_SQRT */
	} else {
		/* In double: 53 >= 24 + 2 bits, and fma rounds only once. */
		double da = (double)a, db = (double)b, dc = (double)c, dr;

		FP_BARRIER(da);
		FP_BARRIER(db);
		FP_BARRIER(dc);
		dr = fp_calc(op, da, db, dc);
		FP_BARRIER(dr);
		r = dr;
	}
	LD_BARRIER(r);
	ex = fetestexcept(FE_ALL_EXCEPT);
	fesetenv(&env);
	*fl |= fenv_to_fflags(ex & (FE_INVALID | FE_DIVBYZERO));
	if (isnan(r))
		return cnan(dbl);
	if (isinf(r) || r == 0)		/* exact */
		return dbl ? bits64((double)r) : bits32((float)r);
	m = frexpl(r, &e);
	sig = (uint64_t)ldexpl(fabsl(m), 64);
	if (ex & FE_INEXACT)
		sig |= 1;
	return round_pack(dbl, signbit(r) != 0, e - 64, sig, FPU_RMM, fl);
}

/* add/sub/mul/div/sqrt/fma: NaN screening, then host or RMM. */
static uint64_t
arith(bool dbl, int op, uint64_t a, uint64_t b, uint64_t c, int rm,
    uint32_t *fl)
{
	uint64_t r;
	bool nan, snan;

	if (op == OP_FMA && ((is_inf(dbl, a) && is_zero(dbl, b)) ||
	    (is_zero(dbl, a) && is_inf(dbl, b)))) {
		/* inf * 0 is invalid even when the addend is a quiet NaN. */
		*fl |= FPU_NV;
		return cnan(dbl);
	}
	nan = is_nan(dbl, a);
	snan = is_snan(dbl, a);
	if (op != OP_SQRT) {
		nan |= is_nan(dbl, b);
		snan |= is_snan(dbl, b);
	}
	if (op == OP_FMA) {
		nan |= is_nan(dbl, c);
		snan |= is_snan(dbl, c);
	}
	if (nan) {
		if (snan)
			*fl |= FPU_NV;
		return cnan(dbl);
	}
	if (rm == FPU_RNE && op <= OP_MUL &&
	    (dbl ? fast_rne64(op, a, b, &r, fl) : fast_rne32(op, a, b, &r, fl)))
		return r;
	if (rm == FPU_RMM && op != OP_SQRT)
		r = rmm_arith(dbl, op, a, b, c, fl);
	else if (dbl)
		r = host_arith64(op, a, b, c, rm == FPU_RMM ? FPU_RNE : rm, fl);
	else
		r = host_arith32(op, a, b, c, rm == FPU_RMM ? FPU_RNE : rm, fl);
	return is_nan(dbl, r) ? cnan(dbl) : r;
}

/* ---- conversions ------------------------------------------------------ */

/* A non-NaN operand as a double (exact for singles). */
static inline double
value(bool dbl, uint64_t v)
{
	return dbl ? f64(v) : (double)f32(v);
}

/* FCVT.{W,WU,L,LU}.fmt; kind is the rs2 field: 0 W, 1 WU, 2 L, 3 LU. */
static uint64_t
cvt_to_int(bool dbl, uint64_t a, int kind, int rm, uint32_t *fl)
{
	static const uint64_t lo[4] = {
		UINT64_C(0xffffffff80000000), 0, SIGN_D, 0
	};
	static const uint64_t hi[4] = {
		0x7fffffff, UINT64_MAX, SIGN_D - 1, UINT64_MAX
	};
	double x, t;
	bool ok;

	if (is_nan(dbl, a)) {
		*fl |= FPU_NV;
		return hi[kind];
	}
	x = value(dbl, a);
	switch (rm) {			/* all exact */
	case FPU_RNE: t = roundeven(x); break;
	case FPU_RTZ: t = trunc(x); break;
	case FPU_RDN: t = floor(x); break;
	case FPU_RUP: t = ceil(x); break;
	default: t = round(x); break;	/* RMM: halfway away from zero */
	}
	switch (kind) {
	case 0: ok = t >= -0x1p31 && t <= 0x1p31 - 1; break;
	case 1: ok = t >= 0 && t <= 0x1p32 - 1; break;	/* -0 is fine */
	case 2: ok = t >= -0x1p63 && t < 0x1p63; break;
	default: ok = t >= 0 && t < 0x1p64; break;
	}
	if (!ok) {
		*fl |= FPU_NV;
		return x < 0 ? lo[kind] : hi[kind];
	}
	if (t != x)
		*fl |= FPU_NX;
	switch (kind) {
	case 0: return (uint64_t)(int64_t)t;
	case 1: return (uint64_t)(int64_t)(int32_t)(uint32_t)t;
	case 2: return (uint64_t)(int64_t)t;
	default: return (uint64_t)t;
	}
}

/* FCVT.fmt.{W,WU,L,LU}: exact integer in, software rounding out. */
static uint64_t
cvt_from_int(bool dbl, uint64_t x, int kind, int rm, uint32_t *fl)
{
	bool neg = false;

	switch (kind) {
	case 0: x = (uint64_t)(int64_t)(int32_t)x; /* FALLTHROUGH */
	case 2:
		neg = (int64_t)x < 0;
		if (neg)
			x = -x;
		break;
	case 1: x = (uint32_t)x; break;
	default: break;
	}
	if (x == 0)
		return 0;
	return round_pack(dbl, neg, 0, x, rm, fl);
}

/* FCVT.S.D (narrowing, rounds) and FCVT.D.S (exact). */
static uint64_t
cvt_float(bool to_dbl, uint64_t a, int rm, uint32_t *fl)
{
	uint64_t sig;
	int e;

	if (is_nan(!to_dbl, a)) {
		if (is_snan(!to_dbl, a))
			*fl |= FPU_NV;
		return cnan(to_dbl);
	}
	if (to_dbl)
		return bits64((double)f32(a));
	if (is_inf(true, a) || is_zero(true, a))
		return (uint32_t)(a >> 32) & (SIGN_S | INF_S);
	split_double(a, &sig, &e);
	return round_pack(false, is_neg(true, a), e, sig, rm, fl);
}

/* ---- non-arithmetic operations --------------------------------------- */

static uint64_t
fclass(bool dbl, uint64_t v)
{
	uint64_t mag = v & ~sign_bit(dbl);
	uint64_t minnorm = dbl ? UINT64_C(1) << 52 : UINT64_C(1) << 23;
	bool neg = is_neg(dbl, v);
	int bit;

	if (is_nan(dbl, v))
		return is_snan(dbl, v) ? 1u << 8 : 1u << 9;
	if (is_inf(dbl, v))
		bit = 7;
	else if (mag >= minnorm)
		bit = 6;
	else if (mag != 0)
		bit = 5;
	else
		bit = 4;
	return UINT64_C(1) << (neg ? 7 - bit : bit);
}

/* FMIN/FMAX (2.2 semantics): -0 < +0, a lone NaN loses, two NaNs give cNaN. */
static uint64_t
minmax(bool dbl, uint64_t a, uint64_t b, bool max, uint32_t *fl)
{
	bool an = is_nan(dbl, a), bn = is_nan(dbl, b);
	double x, y;

	if (is_snan(dbl, a) || is_snan(dbl, b))
		*fl |= FPU_NV;
	if (an && bn)
		return cnan(dbl);
	if (an)
		return b;
	if (bn)
		return a;
	x = value(dbl, a);
	y = value(dbl, b);
	if (x == y)		/* equal, or +0 and -0: pick by sign */
		return (is_neg(dbl, a) != max) ? a : b;
	return ((x < y) != max) ? a : b;
}

/* FEQ (quiet: NV on sNaN only), FLT and FLE (signaling on any NaN). */
static uint64_t
compare(bool dbl, uint64_t a, uint64_t b, int f3, uint32_t *fl)
{
	double x, y;

	if (is_nan(dbl, a) || is_nan(dbl, b)) {
		if (f3 != 2 || is_snan(dbl, a) || is_snan(dbl, b))
			*fl |= FPU_NV;
		return 0;
	}
	x = value(dbl, a);
	y = value(dbl, b);
	switch (f3) {
	case 0: return x <= y;
	case 1: return x < y;
	default: return x == y;
	}
}

/* ---- decode ------------------------------------------------------------ */

/* The effective rounding mode, or -1 if rm (or frm for DYN) is reserved. */
static inline int
rounding(const struct fpu_state *st, int rm)
{
	if (rm == FPU_DYN)
		rm = (int)st->frm;
	return rm <= FPU_RMM ? rm : -1;
}

int
fpu_execute(struct fpu_state *st, uint32_t insn, uint64_t rs1_int,
    uint64_t *xres)
{
	int op = insn & 0x7f, rd = (insn >> 7) & 31, f3 = (insn >> 12) & 7;
	int rs1 = (insn >> 15) & 31, rs2 = (insn >> 20) & 31;
	int fmt = (insn >> 25) & 3, f5 = (int)(insn >> 27), rm;
	bool dbl = fmt == 1, xout = false;
	uint32_t fl = 0;
	uint64_t a, b, c, r;

	if (fmt > 1)			/* H and Q are not implemented */
		return FPU_ILLEGAL;
	rm = rounding(st, f3);
	a = get(st, rs1, dbl);
	b = get(st, rs2, dbl);
	if (op != 0x53) {
		/* R4: FMADD, FMSUB, FNMSUB, FNMADD; rs3 is bits 31..27. */
		if ((op & 0x73) != 0x43 || rm < 0)
			return FPU_ILLEGAL;
		c = get(st, f5, dbl);
		if (op == 0x4b || op == 0x4f)	/* -(rs1 * rs2) */
			a ^= sign_bit(dbl);
		if (op == 0x47 || op == 0x4f)	/* - rs3 */
			c ^= sign_bit(dbl);
		r = arith(dbl, OP_FMA, a, b, c, rm, &fl);
		goto out;
	}
	switch (f5) {
	case 0x00: case 0x01: case 0x02: case 0x03:	/* ADD SUB MUL DIV */
		if (rm < 0)
			return FPU_ILLEGAL;
		r = arith(dbl, f5, a, b, 0, rm, &fl);
		break;
	case 0x0b:					/* SQRT */
		if (rm < 0 || rs2 != 0)
			return FPU_ILLEGAL;
		r = arith(dbl, OP_SQRT, a, 0, 0, rm, &fl);
		break;
	case 0x04:					/* SGNJ, SGNJN, SGNJX */
		if (f3 > 2)
			return FPU_ILLEGAL;
		c = f3 == 0 ? b : f3 == 1 ? ~b : a ^ b;
		r = (a & ~sign_bit(dbl)) | (c & sign_bit(dbl));
		break;
	case 0x05:					/* MIN, MAX */
		if (f3 > 1)
			return FPU_ILLEGAL;
		r = minmax(dbl, a, b, f3 == 1, &fl);
		break;
	case 0x08:					/* CVT.S.D, CVT.D.S */
		if (rm < 0 || rs2 != (dbl ? 0 : 1))
			return FPU_ILLEGAL;
		r = cvt_float(dbl, get(st, rs1, !dbl), rm, &fl);
		break;
	case 0x14:					/* FLE, FLT, FEQ */
		if (f3 > 2)
			return FPU_ILLEGAL;
		r = compare(dbl, a, b, f3, &fl);
		xout = true;
		break;
	case 0x18:					/* CVT.{W,WU,L,LU}.fmt */
		if (rm < 0 || rs2 > 3)
			return FPU_ILLEGAL;
		r = cvt_to_int(dbl, a, rs2, rm, &fl);
		xout = true;
		break;
	case 0x1a:					/* CVT.fmt.{W,WU,L,LU} */
		if (rm < 0 || rs2 > 3)
			return FPU_ILLEGAL;
		r = cvt_from_int(dbl, rs1_int, rs2, rm, &fl);
		break;
	case 0x1c:					/* MV.X.fmt, CLASS */
		if (rs2 != 0 || f3 > 1)
			return FPU_ILLEGAL;
		if (f3 == 1)
			r = fclass(dbl, a);
		else		/* raw low bits, boxed or not (12.2) */
			r = dbl ? st->f[rs1] :
			    (uint64_t)(int64_t)(int32_t)st->f[rs1];
		xout = true;
		break;
	case 0x1e:					/* MV.fmt.X */
		if (rs2 != 0 || f3 != 0)
			return FPU_ILLEGAL;
		r = dbl ? rs1_int : (uint32_t)rs1_int;
		break;
	default:
		return FPU_ILLEGAL;
	}
out:
	st->fflags |= fl;
	if (xout) {
		*xres = r;
		return FPU_WROTE_X;
	}
	st->f[rd] = dbl ? r : FPU_BOX | r;
	return FPU_WROTE_F;
}
