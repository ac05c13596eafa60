/*
 * branch.S - RV64I control transfer: every conditional branch taken and
 * not taken (signed vs unsigned compares, equal operands, backwards),
 * JAL/JALR link values, JALR clearing bit 0 of the target, JALR with
 * rd == rs1 (the target uses the old rs1), and x0 as link register.
 * Spec: RISC-V Unprivileged ISA 20191213, 2.5.
 */
#include "test.h"

/* Branch insn(v1, v2) must be taken (taken=1) or not (taken=0). */
#define TEST_BR(n, insn, v1, v2, taken)					\
	li a1, v1;							\
	li a2, v2;							\
	li a0, 0;							\
	insn a1, a2, 7f;						\
	li a0, 1;							\
7:	CHECK(n, a0, (1 - (taken)))

	TEST_BEGIN
	TEST_BR(1, beq, 5, 5, 1)
	TEST_BR(2, beq, 5, 6, 0)
	TEST_BR(3, beq, -1, 0xffffffff, 0)
	TEST_BR(4, bne, 5, 6, 1)
	TEST_BR(5, bne, 5, 5, 0)
	TEST_BR(6, bne, 0x100000000, 0, 1)
	TEST_BR(7, blt, -1, 0, 1)
	TEST_BR(8, blt, 0, -1, 0)
	TEST_BR(9, blt, 3, 3, 0)
	TEST_BR(10, blt, 0x8000000000000000, 0x7fffffffffffffff, 1)
	TEST_BR(11, bge, 0, -1, 1)
	TEST_BR(12, bge, -1, 0, 0)
	TEST_BR(13, bge, 3, 3, 1)
	TEST_BR(14, bge, 0x7fffffffffffffff, 0x8000000000000000, 1)
	TEST_BR(15, bltu, 0, -1, 1)
	TEST_BR(16, bltu, -1, 0, 0)
	TEST_BR(17, bltu, 3, 3, 0)
	TEST_BR(18, bltu, 0x7fffffffffffffff, 0x8000000000000000, 1)
	TEST_BR(19, bgeu, -1, 0, 1)
	TEST_BR(20, bgeu, 0, -1, 0)
	TEST_BR(21, bgeu, 3, 3, 1)
	TEST_BR(22, bgeu, 0x8000000000000000, 0x7fffffffffffffff, 1)

	/* backward branch: a counted loop */
	li a0, 0
	li a1, 10
1:	addi a0, a0, 3
	addi a1, a1, -1
	bnez a1, 1b
	CHECK(23, a0, 30)

	/* JAL links pc+4 and jumps */
	jal a0, 2f
3:	FAIL(24)
2:	la a1, 3b
	CHECK_EQ(25, a0, a1)
	/* JAL with rd = x0 (j) does not link */
	li a0, 0
	j 2f
	li a0, 1
2:	CHECK(26, a0, 0)
	/* backward JAL */
	j 5f
4:	li a0, 77
	j 6f
5:	jal x0, 4b
6:	CHECK(27, a0, 77)

	/* JALR: target = (rs1 + imm) & ~1, link pc+4 */
	la a1, 2f
	addi a1, a1, -3
	jalr a0, 3(a1)
3:	FAIL(28)
2:	la a2, 3b
	CHECK_EQ(29, a0, a2)
	la a1, 2f
	addi a1, a1, 1		/* odd target: bit 0 cleared */
	jalr a0, 0(a1)
	FAIL(30)
2:	CHECK(31, x0, 0)
	la a1, 2f
	addi a1, a1, 16
	jalr a0, -16(a1)	/* negative offset */
	FAIL(32)
2:
	/* rd == rs1: the target is computed from the old value */
	la a0, 2f
	jalr a0, 0(a0)
3:	FAIL(33)
2:	la a1, 3b
	CHECK_EQ(34, a0, a1)
	/* rd = x0 */
	la a1, 2f
	jalr x0, 0(a1)
	FAIL(35)
2:	CHECK(36, x0, 0)
	/* call/ret through ra */
	li a0, 0
	call func
	CHECK(37, a0, 42)
	la a1, 2f
	jalr ra, a1		/* rs1 in an odd register pairing: ra links */
2:	la a2, 2b
	addi a2, a2, 0
	sub a3, ra, a2
	/* ra = address of the jalr + 4 = label 2 (the jalr jumped to 2) */
	CHECK(38, a3, 0)

	TEST_OK

func:
	li a0, 42
	ret

	TEST_END
