/*
 * csr.S - Zicsr and Zifencei: CSRRW/CSRRS/CSRRC and their immediate
 * forms (old value returned, 5-bit zero-extended immediates, rd == rs1),
 * the x0 rules (CSRRS/CSRRC with rs1 = x0 and the immediate forms with
 * uimm = 0 do not write, so reading a read-only CSR that way is legal,
 * while any write attempt traps), unimplemented CSRs trapping with mtval
 * = the instruction, and self-modifying code made visible by FENCE.I.
 * Spec: RISC-V Unprivileged ISA 20191213, ch. 3 and 9; Privileged 1.12,
 * 2.1 (CSR address space) and 3.1.16 (mtval).
 */
#include "test.h"

/* The instruction at label must trap as illegal with mtval = its bits. */
#define TEST_ILLEGAL(n, label)						\
	TRAP_BEGIN(n);							\
label:	.option push; .option norvc;

#define TEST_ILLEGAL_END(n, label)					\
	.option pop;							\
	TRAP_END(CAUSE_ILLEGAL);					\
	la t0, label;							\
	CHECK_EQ(n, s9, t0);						\
	lwu t1, 0(t0);							\
	CHECK_EQ((n) + 1, s10, t1)

	TEST_BEGIN
	li a1, 0x1234
	csrw mscratch, a1
	li a1, 0xf0f0
	csrrw a0, mscratch, a1
	CHECK(1, a0, 0x1234)
	csrr a0, mscratch
	CHECK(2, a0, 0xf0f0)
	li a1, 0x0f00
	csrrs a0, mscratch, a1
	CHECK(3, a0, 0xf0f0)
	csrr a0, mscratch
	CHECK(4, a0, 0xfff0)
	li a1, 0x00f0
	csrrc a0, mscratch, a1
	CHECK(5, a0, 0xfff0)
	csrr a0, mscratch
	CHECK(6, a0, 0xff00)
	csrrwi a0, mscratch, 31
	CHECK(7, a0, 0xff00)
	csrr a0, mscratch
	CHECK(8, a0, 31)		/* zero-extended, not -1 */
	csrrci a0, mscratch, 0x11
	CHECK(9, a0, 31)
	csrr a0, mscratch
	CHECK(10, a0, 0xe)
	csrrsi a0, mscratch, 0x10
	CHECK(11, a0, 0xe)
	csrr a0, mscratch
	CHECK(12, a0, 0x1e)
	/* rd == rs1: swap */
	li a0, -1
	csrrw a0, mscratch, a0
	CHECK(13, a0, 0x1e)
	csrr a0, mscratch
	CHECK(14, a0, -1)
	/* rd = x0: still writes */
	li a1, 0x55
	csrrw x0, mscratch, a1
	csrr a0, mscratch
	CHECK(15, a0, 0x55)
	/* csrrs/csrrc with rs1 = x0 and immediates 0: no effect */
	csrrs a0, mscratch, x0
	csrrc a0, mscratch, x0
	csrrsi a0, mscratch, 0
	csrrci a0, mscratch, 0
	csrr a0, mscratch
	CHECK(16, a0, 0x55)
	/* csrrs with rs1 != x0 but value 0: a write of the same value */
	li a1, 0
	csrrs a0, mscratch, a1
	CHECK(17, a0, 0x55)

	/* read-only CSRs: reads through csrrs/csrrc/imm 0 are legal */
	csrr a0, mhartid
	CHECK(18, a0, 0)
	csrrc a0, mhartid, x0
	CHECK(19, a0, 0)
	csrrsi a0, mvendorid, 0
	csrrci a0, marchid, 0
	csrrs a0, cycle, x0
	csrrs a0, time, x0
	csrrs a0, instret, x0
	/* ... but any write attempt is illegal, even of 0 */
	TEST_ILLEGAL(20, 1)
	csrw mhartid, a1
	TEST_ILLEGAL_END(21, 1b)
	/*
	 * (csrrs rd, mhartid, rs1 with rs1 != x0 holding 0 must trap too by
	 * the spec, but QEMU 7.2 does not: not checked.)
	 */
	TEST_ILLEGAL(26, 1)
	csrrwi a0, cycle, 0
	TEST_ILLEGAL_END(27, 1b)
	TEST_ILLEGAL(29, 1)
	csrrci a0, time, 1
	TEST_ILLEGAL_END(30, 1b)
	TEST_ILLEGAL(32, 1)
	csrrw x0, mvendorid, x0
	TEST_ILLEGAL_END(33, 1b)
	/* the failed access did not write rd */
	li a0, 0x77
	TEST_ILLEGAL(35, 1)
	csrrw a0, mimpid, a0
	TEST_ILLEGAL_END(36, 1b)
	CHECK(38, a0, 0x77)
	/* unimplemented CSRs: custom and unallocated numbers */
	TEST_ILLEGAL(40, 1)
	csrr a0, 0x8ff
	TEST_ILLEGAL_END(41, 1b)
	TEST_ILLEGAL(43, 1)
	csrw 0x7ff, a0
	TEST_ILLEGAL_END(44, 1b)
	TEST_ILLEGAL(46, 1)
	csrr a0, 0x5ff
	TEST_ILLEGAL_END(47, 1b)
	TEST_ILLEGAL(49, 1)
	csrr a0, 0xfff
	TEST_ILLEGAL_END(50, 1b)

	/* FENCE.I: code patched by stores runs after fence.i */
	call smc_fn
	CHECK(60, a0, 1)
	la a1, smc_insn
	lwu a2, 0(a1)
	CHECK(61, a2, 0x00100513)	/* addi a0, zero, 1 */
	li a2, 0x00200513		/* addi a0, zero, 2 */
	sw a2, 0(a1)
	fence.i
	call smc_fn
	CHECK(62, a0, 2)
	/* patch repeatedly inside a loop: each round must see its value */
	li s2, 3
1:	slli a2, s2, 20
	li t0, 0x00000513
	or a2, a2, t0			/* addi a0, zero, s2 */
	sw a2, 0(a1)
	fence.i
	call smc_fn
	CHECK_EQ(63, a0, s2)
	addi s2, s2, 1
	li t0, 40
	blt s2, t0, 1b
	/* patch a whole new instruction sequence (a different opcode) */
	li a2, 0x02a00593		/* addi a1, zero, 42 */
	la a1, smc_insn
	sw a2, 0(a1)
	li a2, 0x00b50533		/* add a0, a0, a1 */
	sw a2, 4(a1)
	fence.i
	li a0, 100
	call smc_fn
	CHECK(64, a0, 142)

	TEST_OK
	TEST_END

	.data
	.balign 16
smc_fn:
smc_insn:
	.option push
	.option norvc
	addi a0, zero, 1
	nop
	ret
	.option pop
