/*
 * mem.S - RV64I loads and stores of every width: sign extension (LB, LH,
 * LW) vs zero extension (LBU, LHU, LWU), store truncation, negative
 * offsets, x0 as destination, and misaligned accesses both within a page
 * and across a page boundary (rhyve, like QEMU, performs misaligned RAM
 * accesses in hardware rather than trapping).
 * Spec: RISC-V Unprivileged ISA 20191213, 2.6 and 5.3.
 */
#include "test.h"

#define TEST_LD(n, insn, off, expect)					\
	la a1, buf;							\
	insn a0, off(a1);						\
	CHECK(n, a0, expect)

	TEST_BEGIN
	/* buf bytes: 87 96 a5 b4 c3 d2 e1 f0 77 66 55 44 33 22 11 00 */
	TEST_LD(1, lb, 0, 0xffffffffffffff87)
	TEST_LD(2, lbu, 0, 0x87)
	TEST_LD(3, lb, 8, 0x77)
	TEST_LD(4, lbu, 7, 0xf0)
	TEST_LD(5, lb, 15, 0)
	TEST_LD(6, lh, 0, 0xffffffffffff9687)
	TEST_LD(7, lhu, 0, 0x9687)
	TEST_LD(8, lh, 8, 0x6677)
	TEST_LD(9, lhu, 6, 0xf0e1)
	TEST_LD(10, lw, 0, 0xffffffffb4a59687)
	TEST_LD(11, lwu, 0, 0xb4a59687)
	TEST_LD(12, lw, 4, 0xfffffffff0e1d2c3)
	TEST_LD(13, lw, 8, 0x44556677)
	TEST_LD(14, lwu, 12, 0x00112233)
	TEST_LD(15, ld, 0, 0xf0e1d2c3b4a59687)
	TEST_LD(16, ld, 8, 0x0011223344556677)
	la a1, buf + 8
	ld a0, -8(a1)
	CHECK(17, a0, 0xf0e1d2c3b4a59687)
	lbu a0, -1(a1)
	CHECK(18, a0, 0xf0)
	/* a load into x0 is performed but writes nothing */
	lw x0, 0(a1)
	CHECK(19, x0, 0)

	/* misaligned loads within a page */
	TEST_LD(20, lh, 1, 0xffffffffffffa596)
	TEST_LD(21, lhu, 7, 0x77f0)
	TEST_LD(22, lw, 3, 0xffffffffe1d2c3b4)
	TEST_LD(23, lwu, 5, 0x77f0e1d2)
	TEST_LD(24, ld, 3, 0x556677f0e1d2c3b4)
	TEST_LD(25, ld, 1, 0x77f0e1d2c3b4a596)

	/* stores: truncation and byte lanes */
	la a1, buf2
	li a2, -1
	sd a2, 0(a1)
	sd zero, 8(a1)
	li a2, 0x12345
	sb a2, 1(a1)
	ld a0, 0(a1)
	CHECK(30, a0, 0xffffffffffff45ff)
	li a2, 0xabcd1234
	sh a2, 2(a1)
	ld a0, 0(a1)
	CHECK(31, a0, 0xffffffff123445ff)
	li a2, 0x89abcdef
	sw a2, 4(a1)
	ld a0, 0(a1)
	CHECK(32, a0, 0x89abcdef123445ff)
	li a2, 0x0102030405060708
	sd a2, 8(a1)
	ld a0, 8(a1)
	CHECK(33, a0, 0x0102030405060708)
	lw a0, 4(a1)
	CHECK(34, a0, 0xffffffff89abcdef)
	/* misaligned stores within a page */
	li a2, 0xdeadbeef
	sw a2, 7(a1)
	ld a0, 0(a1)
	CHECK(35, a0, 0xefabcdef123445ff)
	ld a0, 8(a1)
	CHECK(36, a0, 0x0102030405deadbe)
	li a2, 0xcafe
	sh a2, 3(a1)
	ld a0, 0(a1)
	CHECK(37, a0, 0xefabcdcafe3445ff)
	li a2, 0x1122334455667788
	sd a2, 5(a1)
	ld a0, 0(a1)
	CHECK(38, a0, 0x667788cafe3445ff)
	ld a0, 8(a1)
	CHECK(39, a0, 0x0102031122334455)
	/* negative store offset */
	addi a3, a1, 16
	li a2, 0x5a
	sb a2, -16(a3)
	lbu a0, 0(a1)
	CHECK(40, a0, 0x5a)

	/* misaligned accesses across a page boundary */
	la a1, pages
	li a3, 4096
	add a3, a1, a3		/* a3 = second page */
	sd zero, -8(a3)
	sd zero, 0(a3)
	li a2, 0x8877665544332211
	sd a2, -3(a3)
	ld a0, -8(a3)
	CHECK(50, a0, 0x3322110000000000)
	ld a0, 0(a3)
	CHECK(51, a0, 0x0000008877665544)
	ld a0, -3(a3)
	CHECK(52, a0, 0x8877665544332211)
	lw a0, -2(a3)
	CHECK(53, a0, 0x55443322)
	lh a0, -1(a3)
	CHECK(54, a0, 0x4433)
	lwu a0, -1(a3)
	CHECK(55, a0, 0x66554433)
	li a2, 0xfedcba98
	sw a2, -1(a3)
	ld a0, -8(a3)
	CHECK(56, a0, 0x9822110000000000)
	ld a0, 0(a3)
	CHECK(57, a0, 0x0000008877fedcba)
	li a2, 0xa1b2
	sh a2, -1(a3)
	lbu a0, -1(a3)
	CHECK(58, a0, 0xb2)
	lbu a0, 0(a3)
	CHECK(59, a0, 0xa1)
	lh a0, -1(a3)
	CHECK(60, a0, 0xffffffffffffa1b2)

	TEST_OK
	TEST_END

	.data
	.balign 16
buf:	.dword 0xf0e1d2c3b4a59687
	.dword 0x0011223344556677
buf2:	.skip 32
	.balign 4096
pages:	.skip 8192
