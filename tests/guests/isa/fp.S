/*
 * fp.S - the F and D extensions: every operation class (arithmetic,
 * sqrt, fused multiply-add, min/max, sign injection, compares, classify,
 * int<->fp and single<->double conversions, moves, loads/stores), all
 * five rounding modes static and dynamic, invalid rounding modes, the
 * accrued flags (NV DZ OF UF NX), canonical NaNs, NaN boxing of singles,
 * fcvt saturation, and fcsr/frm/fflags.
 * Spec: RISC-V Unprivileged ISA 20191213, ch. 11 and 12 (IEEE 754-2008).
 * Expected bit patterns were computed offline with IEEE doubles/singles
 * and the spec's rules (table 11.4 for conversions), confirmed on QEMU.
 * Each check compares the result, then the flags, under one number.
 */
#include "test.h"

#define LDF(freg, v)	li t0, v; fmv.d.x freg, t0
#define FLAGS(n, f)	frflags a1; CHECK(n, a1, f)

/* double result, two operands, rounding mode rm */
#define TEST_FP2D(n, insn, a, b, r, f, rm)				\
	LDF(fa1, a); LDF(fa2, b); fsflags x0;				\
	insn fa0, fa1, fa2, rm;						\
	fmv.x.d a0, fa0; CHECK(n, a0, r); FLAGS(n, f)
#define TEST_FP2DN(n, insn, a, b, r, f)					\
	LDF(fa1, a); LDF(fa2, b); fsflags x0;				\
	insn fa0, fa1, fa2;						\
	fmv.x.d a0, fa0; CHECK(n, a0, r); FLAGS(n, f)
/* single result: sign-extended by fmv.x.w, and NaN-boxed in the reg */
#define CHECK_S(n, r)							\
	fmv.x.w a0, fa0; CHECK(n, a0, r);				\
	fmv.x.d a2, fa0; srai a2, a2, 32; CHECK(n, a2, -1)
#define TEST_FP2S(n, insn, a, b, r, f, rm)				\
	LDF(fa1, a); LDF(fa2, b); fsflags x0;				\
	insn fa0, fa1, fa2, rm;						\
	CHECK_S(n, r); FLAGS(n, f)
#define TEST_FP2SN(n, insn, a, b, r, f)					\
	LDF(fa1, a); LDF(fa2, b); fsflags x0;				\
	insn fa0, fa1, fa2;						\
	CHECK_S(n, r); FLAGS(n, f)
#define TEST_FP3D(n, insn, a, b, c, r, f)				\
	LDF(fa1, a); LDF(fa2, b); LDF(fa3, c); fsflags x0;		\
	insn fa0, fa1, fa2, fa3;					\
	fmv.x.d a0, fa0; CHECK(n, a0, r); FLAGS(n, f)
#define TEST_FP3S(n, insn, a, b, c, r, f)				\
	LDF(fa1, a); LDF(fa2, b); LDF(fa3, c); fsflags x0;		\
	insn fa0, fa1, fa2, fa3;					\
	CHECK_S(n, r); FLAGS(n, f)
#define TEST_FP1D(n, insn, a, r, f, rm)					\
	LDF(fa1, a); fsflags x0;					\
	insn fa0, fa1, rm;						\
	fmv.x.d a0, fa0; CHECK(n, a0, r); FLAGS(n, f)
#define TEST_FP1DN(n, insn, a, r, f)					\
	LDF(fa1, a); fsflags x0;					\
	insn fa0, fa1;							\
	fmv.x.d a0, fa0; CHECK(n, a0, r); FLAGS(n, f)
#define TEST_FP1S(n, insn, a, r, f, rm)					\
	LDF(fa1, a); fsflags x0;					\
	insn fa0, fa1, rm;						\
	CHECK_S(n, r); FLAGS(n, f)
/* fp -> integer register */
#define TEST_FP2X(n, insn, a, r, f, rm)					\
	LDF(fa1, a); fsflags x0;					\
	insn a0, fa1, rm;						\
	CHECK(n, a0, r); FLAGS(n, f)
#define TEST_FPCMP(n, insn, a, b, r, f)					\
	LDF(fa1, a); LDF(fa2, b); fsflags x0;				\
	insn a0, fa1, fa2;						\
	CHECK(n, a0, r); FLAGS(n, f)
#define TEST_FCLASS(n, insn, a, r)					\
	LDF(fa1, a); fsflags x0;					\
	insn a0, fa1;							\
	CHECK(n, a0, r); FLAGS(n, 0)
/* integer register -> fp */
#define TEST_X2FPD(n, insn, xv, r, f, rm)				\
	li a1, xv; fsflags x0;						\
	insn fa0, a1, rm;						\
	fmv.x.d a0, fa0; CHECK(n, a0, r); FLAGS(n, f)
/* exact int -> double conversions take no rounding mode */
#define TEST_X2FPDN(n, insn, xv, r, f)					\
	li a1, xv; fsflags x0;						\
	insn fa0, a1;							\
	fmv.x.d a0, fa0; CHECK(n, a0, r); FLAGS(n, f)
#define TEST_X2FPS(n, insn, xv, r, f, rm)				\
	li a1, xv; fsflags x0;						\
	insn fa0, a1, rm;						\
	CHECK_S(n, r); FLAGS(n, f)

	TEST_BEGIN
	li t0, MSTATUS_FS
	csrs mstatus, t0
	fscsr x0			/* frm = RNE for "dyn" */
	/* double: arithmetic, exceptions */
	TEST_FP2D(1, fadd.d, 0x3ff8000000000000, 0x4002000000000000, 0x400e000000000000, 0, dyn)
	TEST_FP2D(2, fadd.d, 0x3ff0000000000000, 0x3c30000000000000, 0x3ff0000000000000, 1, dyn)
	TEST_FP2D(3, fadd.d, 0x7ff0000000000000, 0xfff0000000000000, 0x7ff8000000000000, 16, dyn)
	TEST_FP2D(4, fsub.d, 0x3ff0000000000000, 0x3ff0000000000000, 0x0, 0, rne)
	TEST_FP2D(5, fsub.d, 0x3ff0000000000000, 0x3ff0000000000000, 0x8000000000000000, 0, rdn)
	TEST_FP2D(6, fmul.d, 0x4008000000000000, 0xbfe0000000000000, 0xbff8000000000000, 0, dyn)
	TEST_FP2D(7, fmul.d, 0x0, 0x7ff0000000000000, 0x7ff8000000000000, 16, dyn)
	TEST_FP2D(8, fmul.d, 0x7e37e43c8800759c, 0x7e37e43c8800759c, 0x7ff0000000000000, 5, dyn)
	TEST_FP2D(9, fmul.d, 0x7e37e43c8800759c, 0x7e37e43c8800759c, 0x7fefffffffffffff, 5, rtz)
	TEST_FP2D(10, fmul.d, 0x1a56e1fc2f8f359, 0x1a56e1fc2f8f359, 0x0, 3, dyn)
	TEST_FP2D(11, fdiv.d, 0x3ff0000000000000, 0x4008000000000000, 0x3fd5555555555555, 1, dyn)
	TEST_FP2D(12, fdiv.d, 0x3ff0000000000000, 0x4008000000000000, 0x3fd5555555555556, 1, rup)
	TEST_FP2D(13, fdiv.d, 0xbff0000000000000, 0x0, 0xfff0000000000000, 8, dyn)
	TEST_FP2D(14, fdiv.d, 0x0, 0x0, 0x7ff8000000000000, 16, dyn)
	TEST_FP2D(15, fadd.d, 0x7ff0000000000001, 0x3ff0000000000000, 0x7ff8000000000000, 16, dyn)
	TEST_FP2D(16, fadd.d, 0x7ff8000000000123, 0x3ff0000000000000, 0x7ff8000000000000, 0, dyn)
	TEST_FP1D(17, fsqrt.d, 0x4010000000000000, 0x4000000000000000, 0, dyn)
	TEST_FP1D(18, fsqrt.d, 0x4000000000000000, 0x3ff6a09e667f3bcd, 1, dyn)
	TEST_FP1D(19, fsqrt.d, 0xbff0000000000000, 0x7ff8000000000000, 16, dyn)
	TEST_FP1D(20, fsqrt.d, 0x8000000000000000, 0x8000000000000000, 0, dyn)
	/* double: min/max, sign injection, compares, classify */
	TEST_FP2DN(21, fmin.d, 0x3ff0000000000000, 0xbff0000000000000, 0xbff0000000000000, 0)
	TEST_FP2DN(22, fmax.d, 0x3ff0000000000000, 0xbff0000000000000, 0x3ff0000000000000, 0)
	TEST_FP2DN(23, fmin.d, 0x8000000000000000, 0x0, 0x8000000000000000, 0)
	TEST_FP2DN(24, fmax.d, 0x8000000000000000, 0x0, 0x0, 0)
	TEST_FP2DN(25, fmin.d, 0x7ff8000000000000, 0x4000000000000000, 0x4000000000000000, 0)
	TEST_FP2DN(26, fmax.d, 0x4000000000000000, 0x7ff0000000000001, 0x4000000000000000, 16)
	TEST_FP2DN(27, fmax.d, 0x7ff8000000000000, 0x7ff8000000000001, 0x7ff8000000000000, 0)
	TEST_FP2DN(28, fsgnj.d, 0x3ff0000000000000, 0xc000000000000000, 0xbff0000000000000, 0)
	TEST_FP2DN(29, fsgnjn.d, 0x3ff0000000000000, 0xc000000000000000, 0x3ff0000000000000, 0)
	TEST_FP2DN(30, fsgnjx.d, 0xbff0000000000000, 0xc000000000000000, 0x3ff0000000000000, 0)
	TEST_FP2DN(31, fsgnj.d, 0x7ff0000000000001, 0xbff0000000000000, 0xfff0000000000001, 0)
	TEST_FPCMP(32, feq.d, 0x3ff0000000000000, 0x3ff0000000000000, 0x1, 0)
	TEST_FPCMP(33, feq.d, 0x8000000000000000, 0x0, 0x1, 0)
	TEST_FPCMP(34, flt.d, 0x3ff0000000000000, 0x4000000000000000, 0x1, 0)
	TEST_FPCMP(35, flt.d, 0x4000000000000000, 0x3ff0000000000000, 0x0, 0)
	TEST_FPCMP(36, fle.d, 0x4000000000000000, 0x4000000000000000, 0x1, 0)
	TEST_FPCMP(37, fle.d, 0x4000000000000000, 0x3ff0000000000000, 0x0, 0)
	TEST_FPCMP(38, feq.d, 0x7ff8000000000000, 0x3ff0000000000000, 0x0, 0)
	TEST_FPCMP(39, feq.d, 0x7ff0000000000001, 0x3ff0000000000000, 0x0, 16)
	TEST_FPCMP(40, flt.d, 0x7ff8000000000000, 0x3ff0000000000000, 0x0, 16)
	TEST_FPCMP(41, fle.d, 0x3ff0000000000000, 0x7ff8000000000000, 0x0, 16)
	TEST_FCLASS(42, fclass.d, 0xfff0000000000000, 0x1)
	TEST_FCLASS(43, fclass.d, 0xbff0000000000000, 0x2)
	TEST_FCLASS(44, fclass.d, 0x800fffffffffffff, 0x4)
	TEST_FCLASS(45, fclass.d, 0x8000000000000000, 0x8)
	TEST_FCLASS(46, fclass.d, 0x0, 0x10)
	TEST_FCLASS(47, fclass.d, 0x1, 0x20)
	TEST_FCLASS(48, fclass.d, 0x3ff0000000000000, 0x40)
	TEST_FCLASS(49, fclass.d, 0x7ff0000000000000, 0x80)
	TEST_FCLASS(50, fclass.d, 0x7ff0000000000001, 0x100)
	TEST_FCLASS(51, fclass.d, 0x7ff8000000000000, 0x200)
	/* double: fused multiply-add */
	TEST_FP3D(52, fmadd.d, 0x4000000000000000, 0x4008000000000000, 0x4010000000000000, 0x4024000000000000, 0)
	TEST_FP3D(53, fmsub.d, 0x4000000000000000, 0x4008000000000000, 0x4010000000000000, 0x4000000000000000, 0)
	TEST_FP3D(54, fnmadd.d, 0x4000000000000000, 0x4008000000000000, 0x4010000000000000, 0xc024000000000000, 0)
	TEST_FP3D(55, fnmsub.d, 0x4000000000000000, 0x4008000000000000, 0x4010000000000000, 0xc000000000000000, 0)
	TEST_FP3D(56, fmadd.d, 0x3ff0000000400000, 0x3ff0000000400000, 0xbff0000000800000, 0x3c30000000000000, 0)
	TEST_FP3D(57, fmadd.d, 0x7ff0000000000000, 0x0, 0x7ff8000000000000, 0x7ff8000000000000, 16)
	TEST_FP3D(58, fmadd.d, 0x7ff0000000000000, 0x3ff0000000000000, 0xfff0000000000000, 0x7ff8000000000000, 16)
	/* double: conversions, rounding, saturation */
	TEST_FP2X(59, fcvt.w.d, 0x3ff8000000000000, 0x2, 1, rne)
	TEST_FP2X(60, fcvt.w.d, 0xbff8000000000000, 0xfffffffffffffffe, 1, rne)
	TEST_FP2X(61, fcvt.w.d, 0x4004000000000000, 0x2, 1, rne)
	TEST_FP2X(62, fcvt.w.d, 0x400599999999999a, 0x2, 1, rtz)
	TEST_FP2X(63, fcvt.w.d, 0xc000cccccccccccd, 0xfffffffffffffffd, 1, rdn)
	TEST_FP2X(64, fcvt.w.d, 0x4000cccccccccccd, 0x3, 1, rup)
	TEST_FP2X(65, fcvt.w.d, 0x4004000000000000, 0x3, 1, rmm)
	TEST_FP2X(66, fcvt.w.d, 0xc004000000000000, 0xfffffffffffffffd, 1, rmm)
	TEST_FP2X(67, fcvt.w.d, 0xc004000000000000, 0xfffffffffffffffe, 1, rtz)
	TEST_FP2X(68, fcvt.w.d, 0x401c000000000000, 0x7, 0, rne)
	TEST_FP2X(69, fcvt.w.d, 0x41e65a0bc0000000, 0x7fffffff, 16, rtz)
	TEST_FP2X(70, fcvt.w.d, 0xc1e65a0bc0000000, 0xffffffff80000000, 16, rtz)
	TEST_FP2X(71, fcvt.w.d, 0x7ff0000000000000, 0x7fffffff, 16, rtz)
	TEST_FP2X(72, fcvt.w.d, 0xfff0000000000000, 0xffffffff80000000, 16, rtz)
	TEST_FP2X(73, fcvt.w.d, 0x7ff8000000000000, 0x7fffffff, 16, rtz)
	TEST_FP2X(74, fcvt.wu.d, 0xbff0000000000000, 0x0, 16, rtz)
	TEST_FP2X(75, fcvt.wu.d, 0xbfe0000000000000, 0x0, 1, rtz)
	TEST_FP2X(76, fcvt.wu.d, 0x41efffffffe00000, 0xffffffffffffffff, 0, rtz)
	TEST_FP2X(77, fcvt.wu.d, 0x41f2a05f20000000, 0xffffffffffffffff, 16, rtz)
	TEST_FP2X(78, fcvt.wu.d, 0x7ff8000000000000, 0xffffffffffffffff, 16, rtz)
	TEST_FP2X(79, fcvt.l.d, 0x43e158e460913d00, 0x7fffffffffffffff, 16, rtz)
	TEST_FP2X(80, fcvt.l.d, 0xc3e158e460913d00, 0x8000000000000000, 16, rtz)
	TEST_FP2X(81, fcvt.l.d, 0xc3e0000000000000, 0x8000000000000000, 0, rtz)
	TEST_FP2X(82, fcvt.l.d, 0x7ff8000000000000, 0x7fffffffffffffff, 16, rtz)
	TEST_FP2X(83, fcvt.l.d, 0xc00c000000000000, 0xfffffffffffffffc, 1, rne)
	TEST_FP2X(84, fcvt.lu.d, 0xbff0000000000000, 0x0, 16, rtz)
	TEST_FP2X(85, fcvt.lu.d, 0x43f0000000000000, 0xffffffffffffffff, 16, rtz)
	TEST_FP2X(86, fcvt.lu.d, 0x43e0000000000000, 0x8000000000000000, 0, rtz)
	TEST_FP2X(87, fcvt.lu.d, 0xfff0000000000000, 0x0, 16, rtz)
	TEST_X2FPDN(88, fcvt.d.w, 0xfffffffffffffffb, 0xc014000000000000, 0)
	TEST_X2FPDN(89, fcvt.d.w, 0x100000005, 0x4014000000000000, 0)
	TEST_X2FPDN(90, fcvt.d.wu, 0xffffffffffffffff, 0x41efffffffe00000, 0)
	TEST_X2FPD(91, fcvt.d.l, 0x7fffffffffffffff, 0x43e0000000000000, 1, rne)
	TEST_X2FPD(92, fcvt.d.l, 0x7fffffffffffffff, 0x43dfffffffffffff, 1, rtz)
	TEST_X2FPD(93, fcvt.d.lu, 0xffffffffffffffff, 0x43f0000000000000, 1, rne)
	TEST_X2FPD(94, fcvt.d.l, 0x8000000000000000, 0xc3e0000000000000, 0, dyn)
	/* rounding of a tie: 1 + 2^-53 and -(1 + 2^-53), every mode */
	TEST_FP2D(95, fadd.d, 0x3ff0000000000000, 0x3ca0000000000000, 0x3ff0000000000000, 1, rne)
	TEST_FP2D(96, fadd.d, 0x3ff0000000000000, 0x3ca0000000000000, 0x3ff0000000000000, 1, rtz)
	TEST_FP2D(97, fadd.d, 0x3ff0000000000000, 0x3ca0000000000000, 0x3ff0000000000000, 1, rdn)
	TEST_FP2D(98, fadd.d, 0x3ff0000000000000, 0x3ca0000000000000, 0x3ff0000000000001, 1, rup)
	TEST_FP2D(99, fadd.d, 0x3ff0000000000000, 0x3ca0000000000000, 0x3ff0000000000001, 1, rmm)
	TEST_FP2D(100, fsub.d, 0xbff0000000000000, 0x3ca0000000000000, 0xbff0000000000000, 1, rne)
	TEST_FP2D(101, fsub.d, 0xbff0000000000000, 0x3ca0000000000000, 0xbff0000000000000, 1, rtz)
	TEST_FP2D(102, fsub.d, 0xbff0000000000000, 0x3ca0000000000000, 0xbff0000000000001, 1, rdn)
	TEST_FP2D(103, fsub.d, 0xbff0000000000000, 0x3ca0000000000000, 0xbff0000000000000, 1, rup)
	TEST_FP2D(104, fsub.d, 0xbff0000000000000, 0x3ca0000000000000, 0xbff0000000000001, 1, rmm)
	/* single */
	TEST_FP2S(105, fadd.s, 0xffffffff3fc00000, 0xffffffff40100000, 0x40700000, 0, dyn)
	TEST_FP2S(106, fadd.s, 0xffffffff3f800000, 0xffffffff33800000, 0x3f800000, 1, rne)
	TEST_FP2S(107, fadd.s, 0xffffffff3f800000, 0xffffffff33800000, 0x3f800001, 1, rup)
	TEST_FP2S(108, fadd.s, 0xffffffff3f800000, 0xffffffff33800000, 0x3f800001, 1, rmm)
	TEST_FP2S(109, fsub.s, 0xffffffffbf800000, 0xffffffff33800000, 0xffffffffbf800001, 1, rdn)
	TEST_FP2S(110, fsub.s, 0xffffffffbf800000, 0xffffffff33800000, 0xffffffffbf800000, 1, rtz)
	TEST_FP2S(111, fmul.s, 0xffffffff40400000, 0xffffffffbf000000, 0xffffffffbfc00000, 0, dyn)
	TEST_FP2S(112, fmul.s, 0xffffffff7149f2ca, 0xffffffff7149f2ca, 0x7f800000, 5, dyn)
	TEST_FP2S(113, fmul.s, 0xffffffff0da24260, 0xffffffff0da24260, 0x0, 3, dyn)
	TEST_FP2S(114, fdiv.s, 0xffffffff3f800000, 0xffffffff40400000, 0x3eaaaaab, 1, dyn)
	TEST_FP2S(115, fdiv.s, 0xffffffff3f800000, 0xffffffff00000000, 0x7f800000, 8, dyn)
	TEST_FP2S(116, fdiv.s, 0xffffffff00000000, 0xffffffff00000000, 0x7fc00000, 16, dyn)
	TEST_FP2S(117, fadd.s, 0xffffffff7f800001, 0xffffffff3f800000, 0x7fc00000, 16, dyn)
	TEST_FP1S(118, fsqrt.s, 0xffffffff40000000, 0x3fb504f3, 1, dyn)
	TEST_FP1S(119, fsqrt.s, 0xffffffffc0800000, 0x7fc00000, 16, dyn)
	TEST_FP2SN(120, fmin.s, 0xffffffff3f800000, 0xffffffffbf800000, 0xffffffffbf800000, 0)
	TEST_FP2SN(121, fmax.s, 0xffffffff80000000, 0xffffffff00000000, 0x0, 0)
	TEST_FP2SN(122, fmin.s, 0xffffffff80000000, 0xffffffff00000000, 0xffffffff80000000, 0)
	TEST_FP2SN(123, fmin.s, 0xffffffff7fc00000, 0xffffffff40000000, 0x40000000, 0)
	TEST_FP2SN(124, fmin.s, 0xffffffff7f800001, 0xffffffff40000000, 0x40000000, 16)
	TEST_FP2SN(125, fmax.s, 0xffffffff7fc00000, 0xffffffff7fc00001, 0x7fc00000, 0)
	TEST_FP2SN(126, fsgnj.s, 0xffffffff3f800000, 0xffffffffc0000000, 0xffffffffbf800000, 0)
	TEST_FP2SN(127, fsgnjn.s, 0xffffffffbf800000, 0xffffffffc0000000, 0x3f800000, 0)
	TEST_FP2SN(128, fsgnjx.s, 0xffffffffbf800000, 0xffffffffc0000000, 0x3f800000, 0)
	TEST_FP3S(129, fmadd.s, 0xffffffff40000000, 0xffffffff40400000, 0xffffffff40800000, 0x41200000, 0)
	TEST_FP3S(130, fmsub.s, 0xffffffff40000000, 0xffffffff40400000, 0xffffffff40800000, 0x40000000, 0)
	TEST_FP3S(131, fnmadd.s, 0xffffffff40000000, 0xffffffff40400000, 0xffffffff40800000, 0xffffffffc1200000, 0)
	TEST_FP3S(132, fnmsub.s, 0xffffffff40000000, 0xffffffff40400000, 0xffffffff40800000, 0xffffffffc0000000, 0)
	TEST_FP3S(133, fmadd.s, 0xffffffff3f800800, 0xffffffff3f800800, 0xffffffffbf801000, 0x33800000, 0)
	TEST_FPCMP(134, feq.s, 0xffffffff3f800000, 0xffffffff3f800000, 0x1, 0)
	TEST_FPCMP(135, flt.s, 0xffffffffbf800000, 0xffffffff3f800000, 0x1, 0)
	TEST_FPCMP(136, fle.s, 0xffffffff3f800000, 0xffffffffbf800000, 0x0, 0)
	TEST_FPCMP(137, flt.s, 0xffffffff7fc00000, 0xffffffff3f800000, 0x0, 16)
	TEST_FPCMP(138, feq.s, 0xffffffff7f800001, 0xffffffff3f800000, 0x0, 16)
	TEST_FPCMP(139, feq.s, 0xffffffff7fc00000, 0xffffffff3f800000, 0x0, 0)
	TEST_FCLASS(140, fclass.s, 0xffffffffff800000, 0x1)
	TEST_FCLASS(141, fclass.s, 0xffffffffbf800000, 0x2)
	TEST_FCLASS(142, fclass.s, 0xffffffff807fffff, 0x4)
	TEST_FCLASS(143, fclass.s, 0xffffffff80000000, 0x8)
	TEST_FCLASS(144, fclass.s, 0xffffffff00000000, 0x10)
	TEST_FCLASS(145, fclass.s, 0xffffffff00000001, 0x20)
	TEST_FCLASS(146, fclass.s, 0xffffffff3f800000, 0x40)
	TEST_FCLASS(147, fclass.s, 0xffffffff7f800000, 0x80)
	TEST_FCLASS(148, fclass.s, 0xffffffff7f800001, 0x100)
	TEST_FCLASS(149, fclass.s, 0xffffffff7fc00000, 0x200)
	TEST_FP2X(150, fcvt.w.s, 0xffffffffc0200000, 0xfffffffffffffffe, 1, rne)
	TEST_FP2X(151, fcvt.w.s, 0xffffffff4f32d05e, 0x7fffffff, 16, rtz)
	TEST_FP2X(152, fcvt.wu.s, 0xffffffffc0400000, 0x0, 16, rtz)
	TEST_FP2X(153, fcvt.l.s, 0xffffffffd3800000, 0xffffff0000000000, 0, rtz)
	TEST_FP2X(154, fcvt.l.s, 0xffffffff7fc00000, 0x7fffffffffffffff, 16, rtz)
	TEST_FP2X(155, fcvt.lu.s, 0xffffffff60ad78ec, 0xffffffffffffffff, 16, rtz)
	TEST_X2FPS(156, fcvt.s.w, 0xfffffffffffffff9, 0xffffffffc0e00000, 0, dyn)
	TEST_X2FPS(157, fcvt.s.wu, 0xffffffffffffffff, 0x4f800000, 1, rne)
	TEST_X2FPS(158, fcvt.s.l, 0x1000001, 0x4b800000, 1, rne)
	TEST_X2FPS(159, fcvt.s.lu, 0x1000001, 0x4b800001, 1, rup)
	/* single <-> double */
	TEST_FP1S(160, fcvt.s.d, 0x3fd5555555555555, 0x3eaaaaab, 1, dyn)
	TEST_FP1S(161, fcvt.s.d, 0x7e37e43c8800759c, 0x7f800000, 5, dyn)
	TEST_FP1S(162, fcvt.s.d, 0x7ff8000000000123, 0x7fc00000, 0, dyn)
	TEST_FP1DN(163, fcvt.d.s, 0xffffffff3fc00000, 0x3ff8000000000000, 0)
	TEST_FP1DN(164, fcvt.d.s, 0xffffffff7f800001, 0x7ff8000000000000, 16)
	TEST_FP1DN(165, fcvt.d.s, 0xffffffffbf400000, 0xbfe8000000000000, 0)
	/* NaN boxing: a single operand without all-ones upper bits is the canonical NaN */
	TEST_FP2S(166, fadd.s, 0x3f800000, 0xffffffff3f800000, 0x7fc00000, 0, dyn)
	TEST_FP2SN(167, fsgnj.s, 0x3f800000, 0xffffffff3f800000, 0x7fc00000, 0)
	TEST_FP2SN(168, fmin.s, 0xffffffff3f800000, 0x40000000, 0x3f800000, 0)
	TEST_FP1DN(169, fcvt.d.s, 0x3fc00000, 0x7ff8000000000000, 0)
	TEST_FCLASS(170, fclass.s, 0x3f800000, 0x200)

	/* dynamic rounding follows frm */
	fsrmi 3				/* RUP */
	TEST_FP2D(200, fdiv.d, 0x3ff0000000000000, 0x4008000000000000, 0x3fd5555555555556, 1, dyn)
	fsrmi 2				/* RDN */
	TEST_FP2D(201, fadd.d, 0xbff0000000000000, 0xbca0000000000000, 0xbff0000000000001, 1, dyn)
	fsrmi 1				/* RTZ */
	TEST_FP2X(202, fcvt.w.d, 0xc004000000000000, -2, 1, dyn)	/* -2.5 */
	fsrmi 4				/* RMM */
	TEST_FP2X(203, fcvt.w.d, 0x4004000000000000, 3, 1, dyn)		/* 2.5 */
	/* a static mode overrides frm */
	TEST_FP2X(204, fcvt.w.d, 0x4004000000000000, 2, 1, rne)
	/* frm 5..7 with dyn is illegal; so is rm = 5 or 6 in the encoding */
	fsrmi 5
	TRAP_BEGIN(205)
	fadd.d fa0, fa1, fa2, dyn
	TRAP_END(CAUSE_ILLEGAL)
	fsrmi 7
	TRAP_BEGIN(206)
	fcvt.w.d a0, fa1, dyn
	TRAP_END(CAUSE_ILLEGAL)
	fsrmi 0
	TRAP_BEGIN(207)
1:	.word 0x02c5d553		/* fadd.d fa0, fa1, fa2 with rm = 5 */
	TRAP_END(CAUSE_ILLEGAL)
	CHECK(208, s10, 0x02c5d553)

	/* fcsr = frm << 5 | fflags, upper bits read as zero */
	li a1, -1
	fscsr a1
	frcsr a0
	CHECK(210, a0, 0xff)
	frrm a0
	CHECK(211, a0, 7)
	frflags a0
	CHECK(212, a0, 0x1f)
	csrr a0, fcsr
	CHECK(213, a0, 0xff)
	fsflagsi 0x3
	frcsr a0
	CHECK(214, a0, 0xe3)
	fsrmi 1
	frcsr a0
	CHECK(215, a0, 0x23)
	/* flags accrue (sticky) */
	fscsr x0
	TEST_FP2D(216, fdiv.d, 0x3ff0000000000000, 0x0, 0x7ff0000000000000, 8, dyn)
	LDF(fa1, 0x3ff0000000000000)
	LDF(fa2, 0x4008000000000000)
	fdiv.d fa0, fa1, fa2
	FLAGS(217, 9)

	/* loads/stores: flw NaN-boxes, fsw stores the low word */
	la a3, fbuf
	li a1, 0x40490fdb
	sw a1, 0(a3)
	flw fa0, 0(a3)
	fmv.x.d a0, fa0
	CHECK(220, a0, 0xffffffff40490fdb)
	LDF(fa1, 0x1234567887654321)
	fsw fa1, 4(a3)
	lwu a0, 4(a3)
	CHECK(221, a0, 0x87654321)
	fsd fa1, 8(a3)
	ld a0, 8(a3)
	CHECK(222, a0, 0x1234567887654321)
	fld fa2, 8(a3)
	fmv.x.d a0, fa2
	CHECK(223, a0, 0x1234567887654321)
	/* fmv.w.x boxes, fmv.x.w sign-extends, no canonicalisation */
	li a1, 0x12345678ff800001
	fmv.w.x fa0, a1
	fmv.x.d a0, fa0
	CHECK(224, a0, 0xffffffffff800001)
	fmv.x.w a0, fa0
	CHECK(225, a0, 0xffffffffff800001)
	/* fsgnj.d = fmv.d keeps a signalling NaN's payload, no flags */
	fsflags x0
	LDF(fa1, 0x7ff0000000000005)
	fmv.d fa0, fa1
	fmv.x.d a0, fa0
	CHECK(226, a0, 0x7ff0000000000005)
	fneg.d fa0, fa1
	fabs.d fa0, fa0
	fmv.x.d a0, fa0
	CHECK(227, a0, 0x7ff0000000000005)
	FLAGS(228, 0)

	TEST_OK
	TEST_END

	.data
	.balign 16
fbuf:	.skip 32
