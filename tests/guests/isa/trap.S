/*
 * trap.S - synchronous traps and privilege transitions: illegal
 * instructions (32- and 16-bit, mtval = the instruction bits), ECALL from
 * M/S/U (causes 11/9/8, mepc at the ECALL, MPP = the old mode), MRET to
 * M/S/U and SRET to S/U (checked by what each mode may access), MPIE/MIE
 * and SPIE/SIE stacking, medeleg sending U/S exceptions to S-mode (and
 * never M-mode ones), and access faults on unmapped physical addresses.
 * Spec: RISC-V Privileged Architecture 1.12, 3.1.6-3.1.8, 3.1.14-3.1.16,
 * 3.3.2, 4.1.
 */
#include "test.h"

#define MPP_OF(reg)	srli reg, reg, 11; andi reg, reg, 3

	TEST_BEGIN
	/* illegal 32-bit instruction (custom-3 opcode) */
	TRAP_BEGIN(1)
1:	.word 0x1234507b
	TRAP_END(CAUSE_ILLEGAL)
	la t0, 1b
	CHECK_EQ(2, s9, t0)
	CHECK(3, s10, 0x1234507b)
	/* illegal 16-bit instruction (c.lui x5, 0: reserved) */
	TRAP_BEGIN(4)
1:	.half 0x6281
	.half 0x0001
	TRAP_END(CAUSE_ILLEGAL)
	la t0, 1b
	CHECK_EQ(5, s9, t0)
	CHECK(6, s10, 0x6281)
	/* the all-zero halfword is illegal */
	TRAP_BEGIN(7)
1:	.half 0
	.half 0
	TRAP_END(CAUSE_ILLEGAL)
	la t0, 1b
	CHECK_EQ(8, s9, t0)
	CHECK(9, s10, 0)
	/* SRET/MRET-class: mret is legal in M, wfi too */
	/* ecall from M */
	TRAP_BEGIN(10)
1:	ecall
	TRAP_END(CAUSE_ECALL_M)
	la t0, 1b
	CHECK_EQ(11, s9, t0)
	CHECK(12, s10, 0)
	ld t0, trap_mstatus
	MPP_OF(t0)
	CHECK(13, t0, 3)

	/* MRET to S: S may read sstatus but not mscratch */
	GOTO_MODE(1, in_s)
in_s:
	csrr a0, sstatus
	TRAP_BEGIN(14)
1:	csrr a0, mscratch
	TRAP_END(CAUSE_ILLEGAL)
	ld t0, trap_mstatus
	MPP_OF(t0)
	CHECK(15, t0, 1)
	/* ecall from S */
	GOTO_MODE(1, 2f)
2:	TRAP_BEGIN(16)
1:	ecall
	TRAP_END(CAUSE_ECALL_S)
	la t0, 1b
	CHECK_EQ(17, s9, t0)
	ld t0, trap_mstatus
	MPP_OF(t0)
	CHECK(18, t0, 1)
	/* MRET to U: sstatus is not accessible */
	GOTO_MODE(0, in_u)
in_u:
	TRAP_BEGIN(19)
	csrr a0, sstatus
	TRAP_END(CAUSE_ILLEGAL)
	ld t0, trap_mstatus
	MPP_OF(t0)
	CHECK(20, t0, 0)
	/* ecall from U */
	GOTO_MODE(0, 2f)
2:	TRAP_BEGIN(21)
1:	ecall
	TRAP_END(CAUSE_ECALL_U)
	la t0, 1b
	CHECK_EQ(22, s9, t0)
	/* U-mode: mret and sret are illegal, wfi too (TW=0 but U) */
	GOTO_MODE(0, 2f)
2:	TRAP_BEGIN(23)
	mret
	TRAP_END(CAUSE_ILLEGAL)
	GOTO_MODE(0, 2f)
2:	TRAP_BEGIN(24)
	sret
	TRAP_END(CAUSE_ILLEGAL)
	/* S-mode: mret illegal */
	GOTO_MODE(1, 2f)
2:	TRAP_BEGIN(25)
	mret
	TRAP_END(CAUSE_ILLEGAL)
	/* mret stacking: MIE = MPIE, MPIE = 1, MPP = U (least mode) */
	li t0, MSTATUS_MIE | MSTATUS_MPIE
	csrc mstatus, t0
	li t0, MSTATUS_MPIE | MSTATUS_MPP
	csrs mstatus, t0
	csrw mie, zero		/* no interrupt can be taken */
	la t0, 1f
	csrw mepc, t0
	mret
1:	csrr a0, mstatus
	li t0, MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP
	and a0, a0, t0
	CHECK(26, a0, MSTATUS_MIE | MSTATUS_MPIE)
	/* a trap: MPIE = MIE, MIE = 0 */
	TRAP_BEGIN(27)
	ecall
	TRAP_END(CAUSE_ECALL_M)
	ld a0, trap_mstatus
	li t0, MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP
	and a0, a0, t0
	CHECK(28, a0, MSTATUS_MPIE | MSTATUS_MPP)
	li t0, MSTATUS_MIE
	csrc mstatus, t0

	/* SRET from S to U and to S; sret stacking */
	la t0, trap_s
	csrw stvec, t0
	GOTO_MODE(1, 2f)
2:	li t0, MSTATUS_SPP
	csrc sstatus, t0	/* SPP = U */
	li t0, MSTATUS_SPIE
	csrs sstatus, t0
	la t0, 3f
	csrw sepc, t0
	sret
3:	TRAP_BEGIN(29)		/* now in U: sstatus inaccessible */
	csrr a0, sstatus
	TRAP_END(CAUSE_ILLEGAL)
	csrr a0, mstatus
	andi a0, a0, MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP
	CHECK(30, a0, MSTATUS_SIE | MSTATUS_SPIE)
	li t0, MSTATUS_SIE
	csrc mstatus, t0
	GOTO_MODE(1, 2f)
2:	li t0, MSTATUS_SPP
	csrs sstatus, t0	/* SPP = S */
	la t0, 3f
	csrw sepc, t0
	sret
3:	csrr a0, sstatus	/* legal: still S */
	csrr a0, sstatus
	andi a0, a0, MSTATUS_SPP
	CHECK(31, a0, 0)	/* sret clears SPP */
	BACK_TO_M(2f)
2:
	/* medeleg: U ecall and illegal instructions go to S */
	li t0, (1 << CAUSE_ECALL_U) | (1 << CAUSE_ILLEGAL) | (1 << CAUSE_BREAKPOINT)
	csrw medeleg, t0
	csrr a0, medeleg
	CHECK(32, a0, (1 << CAUSE_ECALL_U) | (1 << CAUSE_ILLEGAL) | (1 << CAUSE_BREAKPOINT))
	csrw scause, zero
	csrw sepc, zero
	csrw mcause, zero
	GOTO_MODE(0, 2f)
2:	TRAP_BEGIN(33)
1:	ecall
	TRAP_END(CAUSE_ECALL_U)	/* s8 from scause: it went to S */
	la t0, 1b
	CHECK_EQ(34, s9, t0)
	csrr a0, sstatus	/* trap_s resumes in S: legal */
	ld a0, trap_sstatus
	andi a0, a0, MSTATUS_SPP
	CHECK(35, a0, 0)	/* came from U */
	/* from S, ECALL is not delegated: goes to M */
	BACK_TO_M(2f)
2:	CHECK(36, s8, CAUSE_ECALL_S)
	csrr a0, mcause
	CHECK(37, a0, CAUSE_ECALL_S)
	/* illegal instruction in S: delegated, stval = bits */
	GOTO_MODE(1, 2f)
2:	TRAP_BEGIN(38)
1:	.word 0x1234507b
	TRAP_END(CAUSE_ILLEGAL)
	CHECK(39, s10, 0x1234507b)
	ld a0, trap_sstatus
	andi a0, a0, MSTATUS_SPP
	CHECK(40, a0, MSTATUS_SPP)	/* came from S */
	csrr a0, scause
	CHECK(41, a0, CAUSE_ILLEGAL)
	BACK_TO_M(2f)
2:	/* in M, a delegated cause still traps to M */
	csrw scause, zero
	TRAP_BEGIN(42)
	.word 0x1234507b
	TRAP_END(CAUSE_ILLEGAL)
	csrr a0, mcause
	CHECK(43, a0, CAUSE_ILLEGAL)
	csrr a0, scause
	CHECK(44, a0, 0)
	/* ebreak from U goes to S too */
	GOTO_MODE(0, 2f)
2:	TRAP_BEGIN(45)
1:	ebreak
	TRAP_END(CAUSE_BREAKPOINT)
	la t0, 1b
	CHECK_EQ(46, s9, t0)
	BACK_TO_M(2f)
2:	csrw medeleg, zero

	/* access faults on an unmapped physical address */
	li a1, 0x05000000
	TRAP_BEGIN(50)
	ld a0, 0(a1)
	TRAP_END(CAUSE_LOAD_ACCESS)
	CHECK_EQ(51, s10, a1)
	TRAP_BEGIN(52)
	sw a0, 0(a1)
	TRAP_END(CAUSE_STORE_ACCESS)
	CHECK_EQ(53, s10, a1)
	TRAP_BEGIN(54)
	jalr a1
	TRAP_END(CAUSE_FETCH_ACCESS)
	CHECK_EQ(55, s9, a1)

	TEST_OK
	TEST_END
