/*
 * rvc.S - the C extension (RV64C): every compressed form, written with
 * explicit c.* mnemonics so the assembler cannot widen them: stack and
 * register-based loads/stores (incl. c.fld/c.fsd/c.fldsp/c.fsdsp),
 * c.addi4spn, c.addi16sp, c.lui, c.li, c.addi(w), shifts, c.andi, the
 * register-register ops, c.j, c.beqz/c.bnez, c.jr/c.jalr (link = pc+2),
 * c.mv/c.add, c.ebreak through a trap, and a 32-bit instruction that is
 * only 2-byte aligned and straddles a page boundary.
 * Spec: RISC-V Unprivileged ISA 20191213, ch. 16 (RVC, tables 16.5-16.7).
 */
#include "test.h"

	TEST_BEGIN
	.option rvc
	/* sp: a scratch frame in cdata */
	la sp, cframe

	c.li a0, 31
	CHECK(1, a0, 31)
	c.li a0, -32
	CHECK(2, a0, -32)
	c.lui a0, 0x1f
	CHECK(3, a0, 0x1f000)
	c.lui a0, 0xfffe0
	CHECK(4, a0, 0xfffffffffffe0000)
	c.lui a0, 1
	CHECK(5, a0, 0x1000)
	li a0, 10
	c.addi a0, -11
	CHECK(6, a0, -1)
	c.addi a0, 31
	CHECK(7, a0, 30)
	li a0, 0x7fffffff
	c.addiw a0, 1
	CHECK(8, a0, 0xffffffff80000000)
	li a0, 0x100000005
	c.addiw a0, 0		/* c.sext.w */
	CHECK(9, a0, 5)
	c.nop
	mv a1, sp
	c.addi4spn a0, sp, 1020
	sub a0, a0, a1
	CHECK(10, a0, 1020)
	c.addi4spn a0, sp, 4
	sub a0, a0, a1
	CHECK(11, a0, 4)
	c.addi16sp sp, -512
	sub a0, sp, a1
	CHECK(12, a0, -512)
	c.addi16sp sp, 496
	c.addi16sp sp, 16
	CHECK_EQ(13, sp, a1)

	li a0, 0x8000000000000001
	c.srli a0, 4
	CHECK(14, a0, 0x0800000000000000)
	li a0, 0x8000000000000001
	c.srai a0, 4
	CHECK(15, a0, 0xf800000000000000)
	li a0, 0x8000000000000001
	c.srai a0, 63
	CHECK(16, a0, -1)
	li a0, 3
	c.slli a0, 63
	CHECK(17, a0, 0x8000000000000000)
	li a0, 0x123
	c.slli a0, 32
	CHECK(18, a0, 0x12300000000)
	li a0, 0xff
	c.andi a0, -2
	CHECK(19, a0, 0xfe)
	li a0, 0xff
	c.andi a0, 15
	CHECK(20, a0, 0xf)

	li a0, 0x0ff0
	li a1, 0x00ff
	c.sub a0, a1
	CHECK(21, a0, 0x0ef1)
	li a0, 0x0ff0
	c.xor a0, a1
	CHECK(22, a0, 0x0f0f)
	li a0, 0x0ff0
	c.or a0, a1
	CHECK(23, a0, 0x0fff)
	li a0, 0x0ff0
	c.and a0, a1
	CHECK(24, a0, 0x00f0)
	li a0, 0x80000000
	li a1, 1
	c.subw a0, a1
	CHECK(25, a0, 0x7fffffff)
	li a0, 0x7fffffff
	c.addw a0, a1
	CHECK(26, a0, 0xffffffff80000000)
	li a0, 0
	li a1, 1
	c.subw a0, a1
	CHECK(27, a0, -1)
	li s1, 0x1234
	c.mv a0, s1
	CHECK(28, a0, 0x1234)
	li t1, 0x10
	c.add t1, s1
	CHECK(29, t1, 0x1244)

	/* register-based loads/stores (x8-x15) */
	la s0, cdata
	li a1, 0x89abcdef01234567
	c.sd a1, 8(s0)
	c.ld a0, 8(s0)
	CHECK(30, a0, 0x89abcdef01234567)
	c.lw a0, 12(s0)
	CHECK(31, a0, 0xffffffff89abcdef)
	c.lw a0, 8(s0)
	CHECK(32, a0, 0x01234567)
	li a1, 0xfedcba98
	c.sw a1, 124(s0)
	lwu a0, 124(s0)
	CHECK(33, a0, 0xfedcba98)
	c.sd a1, 248(s0)
	ld a0, 248(s0)
	CHECK(34, a0, 0xfedcba98)

	/* stack-pointer based */
	li a1, 0x1122334455667788
	c.sdsp a1, 504(sp)
	ld a0, 504(sp)
	CHECK(35, a0, 0x1122334455667788)
	c.ldsp a2, 504(sp)
	CHECK(36, a2, 0x1122334455667788)
	c.swsp a1, 252(sp)
	c.lwsp a3, 252(sp)
	CHECK(37, a3, 0x55667788)
	li a1, 0x87654321
	c.swsp a1, 0(sp)
	c.lwsp a3, 0(sp)
	CHECK(38, a3, 0xffffffff87654321)

	/* FP loads/stores (FS must be on) */
	li t0, MSTATUS_FS
	csrs mstatus, t0
	li a1, 0x400921fb54442d18
	sd a1, 16(s0)
	c.fld fa0, 16(s0)
	c.fsd fa0, 24(s0)
	ld a0, 24(s0)
	CHECK(39, a0, 0x400921fb54442d18)
	c.fsdsp fa0, 40(sp)
	c.fldsp fa1, 40(sp)
	fmv.x.d a0, fa1
	CHECK(40, a0, 0x400921fb54442d18)

	/* control transfer */
	li a0, 0
	c.j 1f
	li a0, 1
1:	CHECK(41, a0, 0)
	li s1, 0
	li a0, 5
	c.beqz s1, 1f
	li a0, 6
1:	CHECK(42, a0, 5)
	li s1, 1
	c.beqz s1, 1f
	li a0, 7
1:	CHECK(43, a0, 7)
	c.bnez s1, 1f
	li a0, 8
1:	CHECK(44, a0, 7)
	li s1, 0
	c.bnez s1, 1f
	li a0, 9
1:	CHECK(45, a0, 9)
	/* backward c.bnez loop */
	li s1, 5
	li a0, 0
2:	c.addi a0, 2
	c.addi s1, -1
	c.bnez s1, 2b
	CHECK(46, a0, 10)
	la a1, 1f
	c.jr a1
	FAIL(47)
1:	la a1, 2f
	c.jalr a1
3:	FAIL(48)
2:	la a2, 3b
	CHECK_EQ(49, ra, a2)	/* link is pc + 2 */
	/* c.jalr with rs1 == ra: target is the old ra */
	la ra, 2f
	c.jalr ra
3:	FAIL(50)
2:	la a2, 3b
	CHECK_EQ(51, ra, a2)
	/* c.ebreak traps with cause 3 and epc at the instruction */
	TRAP_BEGIN(52)
1:	c.ebreak
	TRAP_END(CAUSE_BREAKPOINT)
	la a2, 1b
	CHECK_EQ(53, s9, a2)
	/* 32-bit ebreak too */
	TRAP_BEGIN(54)
1:	ebreak
	TRAP_END(CAUSE_BREAKPOINT)
	la a2, 1b
	CHECK_EQ(55, s9, a2)

	/* a 32-bit instruction at pc % 4 == 2 that straddles a page */
	call straddle
	CHECK(56, a0, 0x5a5)
	/* x0 hint forms: c.li x0 / c.mv x0 / c.add x0 write nothing */
	c.li x0, 5
	c.mv x0, s1
	CHECK(57, x0, 0)
	/*
	 * An illegal compressed instruction reports its own 16 bits in
	 * mtval, not the 32-bit form it expands to: c.fld with FS = Off.
	 */
	li t0, MSTATUS_FS
	csrc mstatus, t0
	TRAP_BEGIN(58)
	.option rvc
1:	c.fld fa0, 16(s0)
	.option norvc
	TRAP_END(CAUSE_ILLEGAL)
	la a2, 1b
	lhu a3, 0(a2)
	CHECK_EQ(59, s10, a3)
	li t0, MSTATUS_FS
	csrs mstatus, t0

	TEST_OK

	.option rvc
	.balign 4096
	.skip 4096 - 6
straddle:
	c.li a0, 0		/* page offset 4090 */
	c.nop			/* 4092 */
	addi a0, a0, 0x5a5	/* 4094..4097: half in each page */
	ret
	.option norvc
	TEST_END

	.data
	.balign 64
cdata:	.skip 512
	.balign 16
	.skip 1024
cframe:	.skip 1024
