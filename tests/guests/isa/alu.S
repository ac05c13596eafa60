/*
 * alu.S - RV64I integer computation: every register-register and
 * register-immediate ALU instruction, the *W forms (low word, result
 * sign-extended), shift amounts masked to 6/5 bits, LUI/AUIPC and x0.
 * Spec: RISC-V Unprivileged ISA 20191213, ch. 2 and 5.  Expected values
 * follow the spec's definitions (computed offline, confirmed on QEMU).
 */
#include "test.h"

	TEST_BEGIN
	/* register-register */
	TEST_RR(1, add, 0x123456789abcdef0, 0xffffffffffffffff, 0x123456789abcdeef)
	TEST_RR(2, add, 0x7fffffffffffffff, 0x1, 0x8000000000000000)
	TEST_RR(3, add, 0x8000000000000000, 0xffffffffffffffff, 0x7fffffffffffffff)
	TEST_RR(4, add, 0x80000000, 0x7fffffff, 0xffffffff)
	TEST_RR(5, add, 0xffffffffffffffff, 0x1, 0x0)
	TEST_RR(6, add, 0xfffffffffffff801, 0x800, 0x1)
	TEST_RR(7, sub, 0x123456789abcdef0, 0xffffffffffffffff, 0x123456789abcdef1)
	TEST_RR(8, sub, 0x7fffffffffffffff, 0x1, 0x7ffffffffffffffe)
	TEST_RR(9, sub, 0x8000000000000000, 0xffffffffffffffff, 0x8000000000000001)
	TEST_RR(10, sub, 0x80000000, 0x7fffffff, 0x1)
	TEST_RR(11, sub, 0xffffffffffffffff, 0x1, 0xfffffffffffffffe)
	TEST_RR(12, sub, 0xfffffffffffff801, 0x800, 0xfffffffffffff001)
	TEST_RR(13, slt, 0x123456789abcdef0, 0xffffffffffffffff, 0x0)
	TEST_RR(14, slt, 0x7fffffffffffffff, 0x1, 0x0)
	TEST_RR(15, slt, 0x8000000000000000, 0xffffffffffffffff, 0x1)
	TEST_RR(16, slt, 0x80000000, 0x7fffffff, 0x0)
	TEST_RR(17, slt, 0xffffffffffffffff, 0x1, 0x1)
	TEST_RR(18, slt, 0xfffffffffffff801, 0x800, 0x1)
	TEST_RR(19, sltu, 0x123456789abcdef0, 0xffffffffffffffff, 0x1)
	TEST_RR(20, sltu, 0x7fffffffffffffff, 0x1, 0x0)
	TEST_RR(21, sltu, 0x8000000000000000, 0xffffffffffffffff, 0x1)
	TEST_RR(22, sltu, 0x80000000, 0x7fffffff, 0x0)
	TEST_RR(23, sltu, 0xffffffffffffffff, 0x1, 0x0)
	TEST_RR(24, sltu, 0xfffffffffffff801, 0x800, 0x0)
	TEST_RR(25, xor, 0x123456789abcdef0, 0xffffffffffffffff, 0xedcba9876543210f)
	TEST_RR(26, xor, 0x7fffffffffffffff, 0x1, 0x7ffffffffffffffe)
	TEST_RR(27, xor, 0x8000000000000000, 0xffffffffffffffff, 0x7fffffffffffffff)
	TEST_RR(28, xor, 0x80000000, 0x7fffffff, 0xffffffff)
	TEST_RR(29, xor, 0xffffffffffffffff, 0x1, 0xfffffffffffffffe)
	TEST_RR(30, xor, 0xfffffffffffff801, 0x800, 0xfffffffffffff001)
	TEST_RR(31, or, 0x123456789abcdef0, 0xffffffffffffffff, 0xffffffffffffffff)
	TEST_RR(32, or, 0x7fffffffffffffff, 0x1, 0x7fffffffffffffff)
	TEST_RR(33, or, 0x8000000000000000, 0xffffffffffffffff, 0xffffffffffffffff)
	TEST_RR(34, or, 0x80000000, 0x7fffffff, 0xffffffff)
	TEST_RR(35, or, 0xffffffffffffffff, 0x1, 0xffffffffffffffff)
	TEST_RR(36, or, 0xfffffffffffff801, 0x800, 0xfffffffffffff801)
	TEST_RR(37, and, 0x123456789abcdef0, 0xffffffffffffffff, 0x123456789abcdef0)
	TEST_RR(38, and, 0x7fffffffffffffff, 0x1, 0x1)
	TEST_RR(39, and, 0x8000000000000000, 0xffffffffffffffff, 0x8000000000000000)
	TEST_RR(40, and, 0x80000000, 0x7fffffff, 0x0)
	TEST_RR(41, and, 0xffffffffffffffff, 0x1, 0x1)
	TEST_RR(42, and, 0xfffffffffffff801, 0x800, 0x800)
	TEST_RR(43, sll, 0x123456789abcdef0, 0x4, 0x23456789abcdef00)
	TEST_RR(44, sll, 0x8000000000000000, 0x3f, 0x0)
	TEST_RR(45, sll, 0x8000000000000000, 0x41, 0x0)
	TEST_RR(46, sll, 0x8000000080000000, 0x1f, 0x4000000000000000)
	TEST_RR(47, sll, 0xffffffffffffffff, 0x0, 0xffffffffffffffff)
	TEST_RR(48, sll, 0xf0f0f0f0f0f0f0f0, 0x100000007, 0x7878787878787800)
	TEST_RR(49, srl, 0x123456789abcdef0, 0x4, 0x123456789abcdef)
	TEST_RR(50, srl, 0x8000000000000000, 0x3f, 0x1)
	TEST_RR(51, srl, 0x8000000000000000, 0x41, 0x4000000000000000)
	TEST_RR(52, srl, 0x8000000080000000, 0x1f, 0x100000001)
	TEST_RR(53, srl, 0xffffffffffffffff, 0x0, 0xffffffffffffffff)
	TEST_RR(54, srl, 0xf0f0f0f0f0f0f0f0, 0x100000007, 0x1e1e1e1e1e1e1e1)
	TEST_RR(55, sra, 0x123456789abcdef0, 0x4, 0x123456789abcdef)
	TEST_RR(56, sra, 0x8000000000000000, 0x3f, 0xffffffffffffffff)
	TEST_RR(57, sra, 0x8000000000000000, 0x41, 0xc000000000000000)
	TEST_RR(58, sra, 0x8000000080000000, 0x1f, 0xffffffff00000001)
	TEST_RR(59, sra, 0xffffffffffffffff, 0x0, 0xffffffffffffffff)
	TEST_RR(60, sra, 0xf0f0f0f0f0f0f0f0, 0x100000007, 0xffe1e1e1e1e1e1e1)
	/* 32-bit forms: operate on the low word, sign-extend the result */
	TEST_RR(61, addw, 0x7fffffff, 0x1, 0xffffffff80000000)
	TEST_RR(62, addw, 0xffffffff00000000, 0x0, 0x0)
	TEST_RR(63, addw, 0x80000000, 0xffffffff, 0x7fffffff)
	TEST_RR(64, addw, 0x123456789abcdef0, 0xfedcba987654321, 0x22222211)
	TEST_RR(65, addw, 0x0, 0x1, 0x1)
	TEST_RR(66, subw, 0x7fffffff, 0x1, 0x7ffffffe)
	TEST_RR(67, subw, 0xffffffff00000000, 0x0, 0x0)
	TEST_RR(68, subw, 0x80000000, 0xffffffff, 0xffffffff80000001)
	TEST_RR(69, subw, 0x123456789abcdef0, 0xfedcba987654321, 0x13579bcf)
	TEST_RR(70, subw, 0x0, 0x1, 0xffffffffffffffff)
	TEST_RR(71, sllw, 0x12345678, 0x4, 0x23456780)
	TEST_RR(72, sllw, 0x80000001, 0x1f, 0xffffffff80000000)
	TEST_RR(73, sllw, 0xffffffff80000000, 0x1, 0x0)
	TEST_RR(74, sllw, 0x123456789abcdef0, 0x23, 0xffffffffd5e6f780)
	TEST_RR(75, sllw, 0x180000000, 0x0, 0xffffffff80000000)
	TEST_RR(76, srlw, 0x12345678, 0x4, 0x1234567)
	TEST_RR(77, srlw, 0x80000001, 0x1f, 0x1)
	TEST_RR(78, srlw, 0xffffffff80000000, 0x1, 0x40000000)
	TEST_RR(79, srlw, 0x123456789abcdef0, 0x23, 0x13579bde)
	TEST_RR(80, srlw, 0x180000000, 0x0, 0xffffffff80000000)
	TEST_RR(81, sraw, 0x12345678, 0x4, 0x1234567)
	TEST_RR(82, sraw, 0x80000001, 0x1f, 0xffffffffffffffff)
	TEST_RR(83, sraw, 0xffffffff80000000, 0x1, 0xffffffffc0000000)
	TEST_RR(84, sraw, 0x123456789abcdef0, 0x23, 0xfffffffff3579bde)
	TEST_RR(85, sraw, 0x180000000, 0x0, 0xffffffff80000000)
	/* register-immediate */
	TEST_RI(86, addi, 0x123456789abcdef0, -1, 0x123456789abcdeef)
	TEST_RI(87, addi, 0x123456789abcdef0, 2047, 0x123456789abce6ef)
	TEST_RI(88, addi, 0x7fffffffffffffff, 1, 0x8000000000000000)
	TEST_RI(89, addi, 0x0, -2048, 0xfffffffffffff800)
	TEST_RI(90, addi, 0xfffffffffffff801, -2047, 0xfffffffffffff002)
	TEST_RI(91, addi, 0x555, 682, 0x7ff)
	TEST_RI(92, slti, 0x123456789abcdef0, -1, 0x0)
	TEST_RI(93, slti, 0x123456789abcdef0, 2047, 0x0)
	TEST_RI(94, slti, 0x7fffffffffffffff, 1, 0x0)
	TEST_RI(95, slti, 0x0, -2048, 0x0)
	TEST_RI(96, slti, 0xfffffffffffff801, -2047, 0x0)
	TEST_RI(97, slti, 0x555, 682, 0x0)
	TEST_RI(98, sltiu, 0x123456789abcdef0, -1, 0x1)
	TEST_RI(99, sltiu, 0x123456789abcdef0, 2047, 0x0)
	TEST_RI(100, sltiu, 0x7fffffffffffffff, 1, 0x0)
	TEST_RI(101, sltiu, 0x0, -2048, 0x1)
	TEST_RI(102, sltiu, 0xfffffffffffff801, -2047, 0x0)
	TEST_RI(103, sltiu, 0x555, 682, 0x0)
	TEST_RI(104, xori, 0x123456789abcdef0, -1, 0xedcba9876543210f)
	TEST_RI(105, xori, 0x123456789abcdef0, 2047, 0x123456789abcd90f)
	TEST_RI(106, xori, 0x7fffffffffffffff, 1, 0x7ffffffffffffffe)
	TEST_RI(107, xori, 0x0, -2048, 0xfffffffffffff800)
	TEST_RI(108, xori, 0xfffffffffffff801, -2047, 0x0)
	TEST_RI(109, xori, 0x555, 682, 0x7ff)
	TEST_RI(110, ori, 0x123456789abcdef0, -1, 0xffffffffffffffff)
	TEST_RI(111, ori, 0x123456789abcdef0, 2047, 0x123456789abcdfff)
	TEST_RI(112, ori, 0x7fffffffffffffff, 1, 0x7fffffffffffffff)
	TEST_RI(113, ori, 0x0, -2048, 0xfffffffffffff800)
	TEST_RI(114, ori, 0xfffffffffffff801, -2047, 0xfffffffffffff801)
	TEST_RI(115, ori, 0x555, 682, 0x7ff)
	TEST_RI(116, andi, 0x123456789abcdef0, -1, 0x123456789abcdef0)
	TEST_RI(117, andi, 0x123456789abcdef0, 2047, 0x6f0)
	TEST_RI(118, andi, 0x7fffffffffffffff, 1, 0x1)
	TEST_RI(119, andi, 0x0, -2048, 0x0)
	TEST_RI(120, andi, 0xfffffffffffff801, -2047, 0xfffffffffffff801)
	TEST_RI(121, andi, 0x555, 682, 0x0)
	TEST_RI(122, slli, 0x123456789abcdef0, 4, 0x23456789abcdef00)
	TEST_RI(123, slli, 0x8000000000000000, 63, 0x0)
	TEST_RI(124, slli, 0xffffffffffffffff, 0, 0xffffffffffffffff)
	TEST_RI(125, slli, 0x8000000080000000, 32, 0x8000000000000000)
	TEST_RI(126, slli, 0xf0f0f0f0f0f0f0f0, 1, 0xe1e1e1e1e1e1e1e0)
	TEST_RI(127, srli, 0x123456789abcdef0, 4, 0x123456789abcdef)
	TEST_RI(128, srli, 0x8000000000000000, 63, 0x1)
	TEST_RI(129, srli, 0xffffffffffffffff, 0, 0xffffffffffffffff)
	TEST_RI(130, srli, 0x8000000080000000, 32, 0x80000000)
	TEST_RI(131, srli, 0xf0f0f0f0f0f0f0f0, 1, 0x7878787878787878)
	TEST_RI(132, srai, 0x123456789abcdef0, 4, 0x123456789abcdef)
	TEST_RI(133, srai, 0x8000000000000000, 63, 0xffffffffffffffff)
	TEST_RI(134, srai, 0xffffffffffffffff, 0, 0xffffffffffffffff)
	TEST_RI(135, srai, 0x8000000080000000, 32, 0xffffffff80000000)
	TEST_RI(136, srai, 0xf0f0f0f0f0f0f0f0, 1, 0xf878787878787878)
	TEST_RI(137, addiw, 0x7fffffff, 1, 0xffffffff80000000)
	TEST_RI(138, addiw, 0xffffffff, 1, 0x0)
	TEST_RI(139, addiw, 0x123456789abcdef0, -1, 0xffffffff9abcdeef)
	TEST_RI(140, addiw, 0x80000000, -2048, 0x7ffff800)
	TEST_RI(141, addiw, 0x0, 0, 0x0)
	TEST_RI(142, addiw, 0x7ffff800, 2047, 0x7fffffff)
	TEST_RI(143, slliw, 0x12345678, 4, 0x23456780)
	TEST_RI(144, slliw, 0x80000001, 31, 0xffffffff80000000)
	TEST_RI(145, slliw, 0xffffffff80000000, 1, 0x0)
	TEST_RI(146, slliw, 0x123456789abcdef0, 0, 0xffffffff9abcdef0)
	TEST_RI(147, slliw, 0x17fffffff, 3, 0xfffffffffffffff8)
	TEST_RI(148, srliw, 0x12345678, 4, 0x1234567)
	TEST_RI(149, srliw, 0x80000001, 31, 0x1)
	TEST_RI(150, srliw, 0xffffffff80000000, 1, 0x40000000)
	TEST_RI(151, srliw, 0x123456789abcdef0, 0, 0xffffffff9abcdef0)
	TEST_RI(152, srliw, 0x17fffffff, 3, 0xfffffff)
	TEST_RI(153, sraiw, 0x12345678, 4, 0x1234567)
	TEST_RI(154, sraiw, 0x80000001, 31, 0xffffffffffffffff)
	TEST_RI(155, sraiw, 0xffffffff80000000, 1, 0xffffffffc0000000)
	TEST_RI(156, sraiw, 0x123456789abcdef0, 0, 0xffffffff9abcdef0)
	TEST_RI(157, sraiw, 0x17fffffff, 3, 0xfffffff)

	/* LUI: 20-bit immediate << 12, sign-extended from bit 31 */
	lui a0, 0x7ffff
	CHECK(200, a0, 0x7ffff000)
	lui a0, 0x80000
	CHECK(201, a0, 0xffffffff80000000)
	lui a0, 0xfffff
	CHECK(202, a0, 0xfffffffffffff000)
	lui a0, 0
	CHECK(203, a0, 0)

	/* AUIPC: pc + sign-extended (imm << 12) */
1:	auipc a0, 0
	la a1, 1b
	CHECK_EQ(204, a0, a1)
2:	auipc a0, 0x1
	la a1, 2b
	li a2, 0x1000
	add a1, a1, a2
	CHECK_EQ(205, a0, a1)
3:	auipc a0, 0xfffff
	la a1, 3b
	li a2, -0x1000
	add a1, a1, a2
	CHECK_EQ(206, a0, a1)

	/* x0 reads as zero and ignores writes */
	li a1, 5
	add x0, a1, a1
	CHECK(207, x0, 0)
	addi a0, x0, 7
	CHECK(208, a0, 7)
	lui x0, 0x12345
	mv a0, x0
	CHECK(209, a0, 0)
	/* rd aliasing a source */
	li a0, 3
	add a0, a0, a0
	CHECK(210, a0, 6)
	li a0, 0x10
	sub a0, x0, a0
	CHECK(211, a0, -16)
	li a0, -1
	srli a0, a0, 1
	srai a0, a0, 62
	CHECK(212, a0, 1)

	TEST_OK
	TEST_END
