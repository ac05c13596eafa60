/*
 * intr.S - interrupts: ACLINT MTIMER (mtimecmp, MTIP) and MSWI (msip,
 * MSIP), mtvec vectored mode (interrupts to base + 4*cause, exceptions to
 * base), priority (MSI before MTI), M-level
 * interrupts preempting S/U regardless of mstatus.MIE, delegated S-level
 * interrupts (mideleg) taken in S but not in M, WFI waking with MIE = 0,
 * and the Sstc timer (menvcfg.STCE, stimecmp -> STIP).
 * Spec: RISC-V Privileged Architecture 1.12, 3.1.7, 3.1.9, 3.3.3;
 * RISC-V ACLINT 1.0; Sstc 1.0.
 */
#include "test.h"

#define CSR_STIMECMP	0x14d
#define CSR_MENVCFG	0x30a

/* Wait (bounded) for the expected trap; fail check n if none comes. */
#define SPIN_FAIL(n)							\
	li a4, 20000000;						\
7:	addi a4, a4, -1;						\
	bnez a4, 7b;							\
	FAIL(n)

/* a0 = mtime */
#define RD_MTIME(r)	li t0, CLINT_MTIME; ld r, 0(t0)
#define SET_MTIMECMP(r)	li t0, CLINT_MTIMECMP; sd r, 0(t0)
#define TIMER_OFF	li t1, -1; SET_MTIMECMP(t1)
#define MSIP(v)		li t0, CLINT; li t1, v; sw t1, 0(t0)

	TEST_BEGIN
	TIMER_OFF
	csrw mie, zero
	csrr a0, mip
	andi a0, a0, 0x80
	CHECK(1, a0, 0)
	/* mtime advances */
	RD_MTIME(a1)
	li a4, 10000000
1:	RD_MTIME(a2)
	bne a1, a2, 2f
	addi a4, a4, -1
	bnez a4, 1b
	FAIL(2)
2:
	/* MTIP follows mtime >= mtimecmp */
	RD_MTIME(a1)
	addi a1, a1, 1000
	SET_MTIMECMP(a1)
	li a4, 20000000
1:	csrr a0, mip
	andi a0, a0, 0x80
	bnez a0, 2f
	addi a4, a4, -1
	bnez a4, 1b
	FAIL(3)
2:	RD_MTIME(a2)
	bgeu a2, a1, 2f
	FAIL(4)
2:	TIMER_OFF
	csrr a0, mip
	andi a0, a0, 0x80
	CHECK(5, a0, 0)

	/* the timer interrupt */
	li t0, 0x80
	csrw mie, t0
	RD_MTIME(a1)
	addi a1, a1, 500
	SET_MTIMECMP(a1)
	la s11, 1f
	csrsi mstatus, MSTATUS_MIE
	SPIN_FAIL(6)
1:	CHECK(7, s8, INTR | 7)
	csrr a0, mstatus
	andi a0, a0, MSTATUS_MIE
	CHECK(8, a0, 0)
	TIMER_OFF

	/* software interrupt through msip */
	MSIP(1)
	csrr a0, mip
	andi a0, a0, 8
	CHECK(9, a0, 8)
	li t0, 8
	csrw mie, t0
	la s11, 1f
	csrsi mstatus, MSTATUS_MIE
	SPIN_FAIL(10)
1:	CHECK(11, s8, INTR | 3)
	MSIP(0)
	li t0, CLINT
	lw a0, 0(t0)
	CHECK(12, a0, 0)
	csrr a0, mip
	andi a0, a0, 8
	CHECK(13, a0, 0)

	/*
	 * priority: MSI before MTI.  (SSI must come after both, but QEMU 7.2
	 * without AIA takes the lowest-numbered pending interrupt first, so
	 * that order is not checked.)
	 */
	csrw mie, zero
	MSIP(1)
	li a1, 0
	SET_MTIMECMP(a1)
	li t0, 0x88
	csrw mie, t0
	la s11, 1f
	csrsi mstatus, MSTATUS_MIE
	SPIN_FAIL(14)
1:	CHECK(15, s8, INTR | 3)
	MSIP(0)
	la s11, 1f
	csrsi mstatus, MSTATUS_MIE
	SPIN_FAIL(16)
1:	CHECK(17, s8, INTR | 7)
	TIMER_OFF
	/* a pending SSI alone, not delegated, is taken in M */
	csrsi mip, 2
	li t0, 2
	csrw mie, t0
	la s11, 1f
	csrsi mstatus, MSTATUS_MIE
	SPIN_FAIL(18)
1:	CHECK(19, s8, INTR | 1)
	csrci mip, 2
	csrw mie, zero

	/* vectored mtvec */
	la t0, vec_table
	ori t0, t0, 1
	csrw mtvec, t0
	li a5, -1
	TRAP_BEGIN(20)
	ecall			/* exceptions use the base */
	TRAP_END(CAUSE_ECALL_M)
	CHECK(21, a5, 0)
	li t0, 0x80
	csrw mie, t0
	li a1, 0
	SET_MTIMECMP(a1)
	la s11, 1f
	csrsi mstatus, MSTATUS_MIE
	SPIN_FAIL(22)
1:	CHECK(23, s8, INTR | 7)
	CHECK(24, a5, 7)
	TIMER_OFF
	MSIP(1)
	li t0, 0x8
	csrw mie, t0
	la s11, 1f
	csrsi mstatus, MSTATUS_MIE
	SPIN_FAIL(25)
1:	CHECK(26, a5, 3)
	MSIP(0)
	csrw mie, zero
	la t0, trap_m
	csrw mtvec, t0

	/* M interrupts preempt S whatever mstatus.MIE says */
	li t0, 0x80
	csrw mie, t0
	csrci mstatus, MSTATUS_MIE
	li a1, 0
	SET_MTIMECMP(a1)
	la s11, 1f
	GOTO_MODE(1, 2f)
2:	SPIN_FAIL(27)
1:	CHECK(28, s8, INTR | 7)
	ld a0, trap_mstatus
	srli a0, a0, 11
	andi a0, a0, 3
	CHECK(29, a0, 1)
	TIMER_OFF
	csrw mie, zero

	/* delegated SSI: not taken in M, taken in S (with SIE) and U */
	la t0, trap_s
	csrw stvec, t0
	li t0, 0x222
	csrw mideleg, t0
	csrw mie, t0
	csrsi mip, 2
	csrsi mstatus, MSTATUS_MIE | MSTATUS_SIE
	li a4, 100000
1:	addi a4, a4, -1
	bnez a4, 1b		/* M-mode: no trap */
	csrci mstatus, MSTATUS_MIE | MSTATUS_SIE
	la s11, 1f
	GOTO_MODE(1, 2f)
2:	csrsi sstatus, MSTATUS_SIE
	SPIN_FAIL(30)
1:	CHECK(31, s8, INTR | 1)	/* from trap_s: still in S */
	csrr a0, scause
	CHECK(32, a0, INTR | 1)
	csrci sip, 2
	BACK_TO_M(2f)
2:	csrsi mip, 2
	la s11, 1f
	GOTO_MODE(0, 2f)	/* U: SIE does not matter */
2:	SPIN_FAIL(33)
1:	CHECK(34, s8, INTR | 1)
	csrci sip, 2
	/* S with SIE = 0: not taken */
	csrsi sip, 2
	li t0, MSTATUS_SIE
	csrc sstatus, t0
	li a4, 100000
1:	addi a4, a4, -1
	bnez a4, 1b
	csrci sip, 2
	BACK_TO_M(2f)
2:	csrw mie, zero
	csrw mideleg, zero

	/* WFI wakes on a pending enabled interrupt even with MIE = 0 */
	csrci mstatus, MSTATUS_MIE
	li t0, 0x80
	csrw mie, t0
	RD_MTIME(a1)
	li t0, 10000		/* 1 ms */
	add a1, a1, t0
	SET_MTIMECMP(a1)
	wfi
	csrr a0, mip
	andi a0, a0, 0x80
	bnez a0, 1f
	wfi			/* a spurious wakeup is allowed: once more */
	csrr a0, mip
	andi a0, a0, 0x80
1:	CHECK(35, a0, 0x80)
	TIMER_OFF
	csrw mie, zero

	/* Sstc: stimecmp raises STIP when STCE is set */
	li t0, 1
	slli t0, t0, 63
	csrs CSR_MENVCFG, t0
	csrr a0, CSR_MENVCFG
	srli a0, a0, 63
	CHECK(40, a0, 1)
	csrwi mcounteren, 2
	li t0, 0x20
	csrw mideleg, t0
	csrw mie, t0
	li t0, -1
	csrw CSR_STIMECMP, t0
	csrr a0, mip
	andi a0, a0, 0x20
	CHECK(41, a0, 0)
	la s11, 1f
	GOTO_MODE(1, 2f)
2:	csrr a1, time
	addi a1, a1, 500
	csrw CSR_STIMECMP, a1
	csrr a0, CSR_STIMECMP
	CHECK_EQ(42, a0, a1)
	csrsi sstatus, MSTATUS_SIE
	SPIN_FAIL(43)
1:	CHECK(44, s8, INTR | 5)
	csrr a0, sip
	andi a0, a0, 0x20
	CHECK(45, a0, 0x20)
	li t0, -1
	csrw CSR_STIMECMP, t0	/* S may write it: STCE and TM set */
	csrr a0, sip
	andi a0, a0, 0x20
	CHECK(46, a0, 0)
	/* stimecmp in S is illegal without mcounteren.TM */
	BACK_TO_M(2f)
2:	csrwi mcounteren, 0
	GOTO_MODE(1, 2f)
2:	TRAP_BEGIN(47)
	csrr a0, CSR_STIMECMP
	TRAP_END(CAUSE_ILLEGAL)
	csrw mie, zero
	csrw mideleg, zero

	TEST_OK

	/* vectored table: entry i at vec_table + 4*i, each marks a5 = i */
	.balign 256
vec_table:
	j vec0
	.rept 15
	j vec_other
	.endr
	.balign 4
vec0:	li a5, 0
	j trap_m
vec_other:
	csrr a5, mcause
	slli a5, a5, 1
	srli a5, a5, 1
	j trap_m

	TEST_END
