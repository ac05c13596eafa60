/*
 * counters.S - Zicntr and the machine counters: cycle, time and instret
 * advance; instret counts exactly (a CSR read sees the instructions
 * retired before it); minstret/mcycle are writable and the write is what
 * the next read counts from; mcountinhibit.IR stops minstret.
 * QEMU counts instret exactly only with -icount; rhyve must count
 * exactly always.  For isa.sh run on QEMU:
 * qemu-args: -icount shift=0
 * Spec: RISC-V Unprivileged ISA 20191213, ch. 10; Privileged 1.12,
 * 3.1.10-3.1.13.
 */
#include "test.h"

#define CSR_MCOUNTINHIBIT	0x320

	TEST_BEGIN
	/* cycle and instret advance */
	rdcycle a1
	rdinstret a3
	li a4, 100
1:	addi a4, a4, -1
	bnez a4, 1b
	rdcycle a2
	rdinstret a5
	bgtu a2, a1, 2f
	FAIL(1)
2:	bgtu a5, a3, 2f
	FAIL(2)
	/* time advances (bounded wait) */
2:	rdtime a1
	li a4, 50000000
1:	rdtime a2
	bne a1, a2, 2f
	addi a4, a4, -1
	bnez a4, 1b
	FAIL(3)
2:	bgtu a2, a1, 2f
	FAIL(4)
	/* time == mtime (same clock, read close together) */
2:	li t0, CLINT_MTIME
	ld a1, 0(t0)
	rdtime a2
	ld a3, 0(t0)
	bgeu a2, a1, 2f
	FAIL(5)
2:	bgeu a3, a2, 2f
	FAIL(6)

	/* instret exact across a loop: 100 * 2 + the first read itself */
2:	li a4, 100
	rdinstret a1
1:	addi a4, a4, -1
	bnez a4, 1b
	rdinstret a2
	sub a0, a2, a1
	CHECK(7, a0, 201)
	/* straight-line code, loads, stores, a taken branch, a call */
	la a3, scratch
	rdinstret a1
	sd a1, 0(a3)
	ld a4, 0(a3)
	beq a4, a1, 1f
	nop
1:	call leaf
	rdinstret a2
	sub a0, a2, a1
	CHECK(8, a0, 7)		/* rdinstret sd ld beq call li ret */
	/* minstret agrees with instret */
	csrr a1, minstret
	rdinstret a2
	sub a0, a2, a1
	CHECK(9, a0, 1)
	/*
	 * minstret write: counting continues from the written value.  Whether
	 * the writing instruction itself is counted is left open here (QEMU
	 * counts it), so accept 1000 or 1001.
	 */
	li a1, 1000
	csrw minstret, a1
	csrr a0, minstret
	addi a2, a0, -1000
	sltiu a2, a2, 2
	CHECK(10, a2, 1)
	/* and counts on from there */
	li a4, 100
	csrr a0, minstret
1:	addi a4, a4, -1
	bnez a4, 1b
	csrr a1, minstret
	sub a1, a1, a0
	CHECK(11, a1, 201)
	/* mcountinhibit.IR freezes minstret */
	csrwi CSR_MCOUNTINHIBIT, 4
	csrr a1, minstret
	nop
	nop
	nop
	csrr a2, minstret
	csrwi CSR_MCOUNTINHIBIT, 0
	CHECK_EQ(12, a1, a2)
	/* mcycle writable */
	li a1, 0x100000000
	csrw mcycle, a1
	csrr a0, mcycle
	bgeu a0, a1, 1f
	FAIL(13)
1:
	TEST_OK

leaf:
	li a0, 1
	ret

	TEST_END

	.data
	.balign 8
scratch: .dword 0
