/*
 * fp.S - benchmark (not a test): a floating-point kernel in M-mode,
 * physical addresses, on hart 0 (others park).  Exits through
 * sifive_test: 0x5555 if every round's results were the expected ones,
 * else a failure code.  Prints nothing.
 *
 * Each round, with RNE (frm = 0) throughout, as compiled FP code mostly
 * runs:
 * - a Mandelbrot set over a 48x48 grid, at most 64 iterations a point,
 *   in double (fmul.d, fadd.d, fsub.d, flt.d, data-dependent branches);
 *   the total iteration count is checked;
 * - y = a*x + y and the dot product x.y over 1024 doubles (fld, fsd,
 *   fmul.d, fadd.d), y copied afresh from a pristine array first; the
 *   dot product's bits are checked;
 * - 1024 3-vectors of singles normalized (flw, fsw, fmul.s, fadd.s,
 *   fsqrt.s, fdiv.s) and the components summed; the sum's bits are
 *   checked.
 * No fused multiply-adds (written as separate fmul and fadd, the way
 * -ffp-contract=off compiles), no conversions in the rounds (the
 * arrays are made once at start with fcvt and fdiv).
 *
 * The expected values were the same on qemu-system-riscv64 and on both
 * rhyve engines (2026-12-03).
 */
#include "virt.h"

/*
 * Retired instructions (`bench/debug_points.py --count --elf
 * build/bench/guests/fp.elf`, as compute.S's), with ROUNDS 3000:
 */
# insns: 2029487806

#ifndef ROUNDS
#define ROUNDS		3000
#endif
#define MB_N		48
#define MB_ITER		64
#define VEC_N		1024

/* What every round must give (see above). */
#define WANT_MB		47218
#define WANT_DOT	0x4163d431329cbc14
#define WANT_NORM	0x444550d2

	.section .text.init
	.globl _start
_start:
	csrr a0, mhartid
	bnez a0, park
	la sp, stack_end
	li t0, 0x2000		/* mstatus.FS = Initial: FP on */
	csrs mstatus, t0
	fsrm zero		/* RNE */
	call fp_init
	call fp_kernel
	bnez a0, fail
	li t0, SIFIVE_TEST
	li t1, TEST_PASS
	.globl bench_poweroff
bench_poweroff:
	sw t1, 0(t0)
	j park
fail:
	EXIT_FAIL(a0)
park:
	wfi
	j park

	.text
	.balign 4
/* The arrays: x[i] = (i + 1) / 7, y0[i] = i / 2 - 300, v[i] = (i%7 - 3, i%5 + 1, i%3 - 1) / 3. */
fp_init:
	la a0, xs
	la a1, ys0
	la a2, vs
	li t0, 7
	fcvt.d.w ft7, t0
	li t0, 2
	fcvt.d.w ft8, t0
	li t0, 3
	fcvt.s.w ft9, t0
	li a3, 0
1:	addi t0, a3, 1
	fcvt.d.w ft0, t0
	fdiv.d ft0, ft0, ft7
	fsd ft0, 0(a0)
	addi t0, a3, -600
	fcvt.d.w ft0, t0
	fdiv.d ft0, ft0, ft8
	fsd ft0, 0(a1)
	li t1, 7
	remu t0, a3, t1
	addi t0, t0, -3
	fcvt.s.w ft0, t0
	fdiv.s ft0, ft0, ft9
	fsw ft0, 0(a2)
	li t1, 5
	remu t0, a3, t1
	addi t0, t0, 1
	fcvt.s.w ft0, t0
	fdiv.s ft0, ft0, ft9
	fsw ft0, 4(a2)
	li t1, 3
	remu t0, a3, t1
	addi t0, t0, -1
	fcvt.s.w ft0, t0
	fdiv.s ft0, ft0, ft9
	fsw ft0, 8(a2)
	addi a0, a0, 8
	addi a1, a1, 8
	addi a2, a2, 12
	addi a3, a3, 1
	li t0, VEC_N
	bltu a3, t0, 1b
	ret

/* a0 = 0 if every round gave the expected results, else 1..3 (which). */
fp_kernel:
	li s9, ROUNDS
round:
	/* ---- Mandelbrot: a5 = total iterations ---- */
	la t0, consts
	fld fs0, 0(t0)		/* x0 */
	fld fs1, 8(t0)		/* y0 */
	fld fs2, 16(t0)		/* step */
	fld fs4, 24(t0)		/* 4.0 */
	li a5, 0
	li a1, MB_N
	fmv.d fs6, fs1		/* ci */
1:	li a2, MB_N
	fmv.d fs5, fs0		/* cr */
2:	fmv.d.x ft0, zero	/* x */
	fmv.d.x ft1, zero	/* y */
	li a3, MB_ITER
3:	fmul.d ft2, ft0, ft0
	fmul.d ft3, ft1, ft1
	fadd.d ft4, ft2, ft3
	flt.d t1, fs4, ft4	/* escaped: |z|^2 > 4 */
	bnez t1, 4f
	fmul.d ft5, ft0, ft1
	fadd.d ft5, ft5, ft5
	fadd.d ft1, ft5, fs6	/* y = 2xy + ci */
	fsub.d ft2, ft2, ft3
	fadd.d ft0, ft2, fs5	/* x = x^2 - y^2 + cr */
	addi a5, a5, 1
	addi a3, a3, -1
	bnez a3, 3b
4:	fadd.d fs5, fs5, fs2
	addi a2, a2, -1
	bnez a2, 2b
	fadd.d fs6, fs6, fs2
	addi a1, a1, -1
	bnez a1, 1b
	li a0, 1
	li t0, WANT_MB
	bne a5, t0, out

	/* ---- y = y0; y = a*x + y; dot = x.y ---- */
	la a0, xs
	la a1, ys
	la a2, ys0
	la t0, consts
	fld fs0, 32(t0)		/* a */
	fmv.d.x fs1, zero	/* dot */
	li a3, VEC_N
5:	fld ft0, 0(a2)
	fsd ft0, 0(a1)
	addi a1, a1, 8
	addi a2, a2, 8
	addi a3, a3, -1
	bnez a3, 5b
	la a1, ys
	li a3, VEC_N
6:	fld ft0, 0(a0)
	fld ft1, 0(a1)
	fmul.d ft2, ft0, fs0
	fadd.d ft1, ft1, ft2
	fsd ft1, 0(a1)
	fmul.d ft3, ft0, ft1
	fadd.d fs1, fs1, ft3
	addi a0, a0, 8
	addi a1, a1, 8
	addi a3, a3, -1
	bnez a3, 6b
	fmv.x.d a5, fs1
	li a0, 2
	li t0, WANT_DOT
	bne a5, t0, out

	/* ---- normalize the 3-vectors (singles), sum the components ---- */
	la a0, vs
	la a1, vout
	fmv.w.x fs1, zero	/* sum */
	li a3, VEC_N
7:	flw ft0, 0(a0)
	flw ft1, 4(a0)
	flw ft2, 8(a0)
	fmul.s ft3, ft0, ft0
	fmul.s ft4, ft1, ft1
	fadd.s ft3, ft3, ft4
	fmul.s ft4, ft2, ft2
	fadd.s ft3, ft3, ft4
	fsqrt.s ft3, ft3
	fdiv.s ft0, ft0, ft3
	fdiv.s ft1, ft1, ft3
	fdiv.s ft2, ft2, ft3
	fsw ft0, 0(a1)
	fsw ft1, 4(a1)
	fsw ft2, 8(a1)
	fadd.s fs1, fs1, ft0
	fadd.s fs1, fs1, ft1
	fadd.s fs1, fs1, ft2
	addi a0, a0, 12
	addi a1, a1, 12
	addi a3, a3, -1
	bnez a3, 7b
	fmv.x.w a5, fs1
	li a0, 3
	li t0, WANT_NORM
	bne a5, t0, out

	addi s9, s9, -1
	bnez s9, round
	li a0, 0
out:
#ifdef PRINT_RESULTS
	/* For working out the WANT_ values: a0 and a5 in hex on the UART. */
	mv s2, ra
	mv s1, a5
	mv s0, a0
	call hex
	mv s0, s1
	call hex
	mv ra, s2
#endif
	ret

#ifdef PRINT_RESULTS
/* s0 in hex and a newline on the UART (clobbers t0-t3). */
hex:
	li t0, UART0
	li t2, 60
1:	srl t1, s0, t2
	andi t1, t1, 15
	addi t1, t1, '0'
	li t3, '9'
	ble t1, t3, 2f
	addi t1, t1, 'a' - '0' - 10
2:	sb t1, 0(t0)
	addi t2, t2, -4
	bgez t2, 1b
	li t1, '\n'
	sb t1, 0(t0)
	ret
#endif

	.data
	.balign 8
consts:
	.double -2.0		/* x0 */
	.double -1.25		/* y0 */
	.double 0.0520833333333333333	/* step: 2.5 / 48 */
	.double 4.0
	.double 1.0009765625	/* a */

	.bss
	.balign 8
xs:	.space 8 * VEC_N
ys0:	.space 8 * VEC_N
ys:	.space 8 * VEC_N
vs:	.space 12 * VEC_N
vout:	.space 12 * VEC_N
	.balign 16
	.space 4096
stack_end:
