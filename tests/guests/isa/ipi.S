/*
 * ipi.S - the ACLINT across harts: hart 0 sends a software interrupt to
 * each other hart through its msip register (CLINT + 4 * hartid), each
 * woken hart clears its own msip and then takes a timer interrupt from
 * its own mtimecmp (CLINT_MTIMECMP + 8 * hartid); harts sleeping in WFI
 * must be woken by both.  Hart 0 checks every hart reported, in order.
 * smp: 4
 * Spec: RISC-V ACLINT 1.0 (MSWI, MTIMER); Privileged 1.12, 3.3.3 (WFI).
 */
#include "test.h"

#define NHARTS	4

	TEST_BEGIN_SMP
	csrr a0, mhartid
	li t0, NHARTS
	bgeu a0, t0, park
	beqz a0, hart0

	/* ---- harts 1..3 ---- */
	csrw mie, zero
	la s11, got_ipi
	li t0, 8			/* MSIE */
	csrw mie, t0
	csrsi mstatus, MSTATUS_MIE
	la a1, ready
	li t0, 1
	amoadd.d zero, t0, (a1)
1:	wfi
	j 1b
got_ipi:
	CHECK(10, s8, INTR | 3)
	/* clear our own msip; the line must drop */
	li t0, CLINT
	slli t1, a0, 2
	add t0, t0, t1
	sw zero, 0(t0)
	csrr t1, mip
	andi t1, t1, 8
	CHECK(11, t1, 0)
	la a1, acked
	li t0, 1
	amoadd.d zero, t0, (a1)
	/* our own timer: fire 1 ms from now */
	li t0, CLINT_MTIMECMP
	slli t1, a0, 3
	add a2, t0, t1			/* a2 = &mtimecmp[hartid] */
	li t0, CLINT_MTIME
	ld t1, 0(t0)
	li t0, 10000
	add t1, t1, t0
	sd t1, 0(a2)
	la s11, got_timer
	li t0, 0x80			/* MTIE only */
	csrw mie, t0
	csrsi mstatus, MSTATUS_MIE
1:	wfi
	j 1b
got_timer:
	CHECK(12, s8, INTR | 7)
	li t0, -1
	sd t0, 0(a2)
	la a1, timers
	li t0, 1
	amoadd.d zero, t0, (a1)
park:
	csrw mie, zero
1:	wfi
	j 1b

	/* ---- hart 0 ---- */
hart0:
	/* all timers off first (mtimecmp resets to an unknown value) */
	li t0, CLINT_MTIMECMP
	li t1, -1
	li t2, NHARTS
1:	sd t1, 0(t0)
	addi t0, t0, 8
	addi t2, t2, -1
	bnez t2, 1b
	la a1, ready
	li a3, NHARTS - 1
	li a4, 0x10000000
1:	ld t0, 0(a1)
	beq t0, a3, 2f
	addi a4, a4, -1
	bnez a4, 1b
	FAIL(1)
	/* give the others time to reach WFI, then interrupt them */
2:	li a4, 100000
1:	addi a4, a4, -1
	bnez a4, 1b
	li t0, CLINT
	li t1, 1
	sw t1, 4(t0)
	sw t1, 8(t0)
	sw t1, 12(t0)
	/* our own msip is untouched */
	csrr t0, mip
	andi t0, t0, 8
	CHECK(2, t0, 0)
	la a1, acked
	li a4, 0x10000000
1:	ld t0, 0(a1)
	beq t0, a3, 2f
	addi a4, a4, -1
	bnez a4, 1b
	FAIL(3)
2:	la a1, timers
	li a4, 0x10000000
1:	ld t0, 0(a1)
	beq t0, a3, 2f
	addi a4, a4, -1
	bnez a4, 1b
	FAIL(4)
	/* every msip reads back 0 */
2:	li t0, CLINT
	lw t1, 4(t0)
	lw t2, 8(t0)
	or t1, t1, t2
	lw t2, 12(t0)
	or t1, t1, t2
	CHECK(5, t1, 0)
	TEST_OK

	TEST_END

	.data
	.balign 64
ready:	.dword 0
	.balign 64
acked:	.dword 0
	.balign 64
timers:	.dword 0
