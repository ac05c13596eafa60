/*
 * test.h - scaffolding for rhyve's instruction-level test guests
 * (the .S files beside it).  Each guest is a list of numbered checks; the
 * first one that fails prints a line on the UART and powers off through
 * sifive_test with its number as the failure code, so
 * "qemu-system-riscv64 -M virt -bios none -kernel X.elf" (or rhyve) exits
 * with that number.  Check numbers are 1..254: QEMU exits with the code
 * modulo 256, and 255 means "unexpected trap before the first check".
 *
 * Register conventions (tests must not keep values in these across a
 * macro or a trap):
 *	gp	number of the current check
 *	t5, t6	scratch of the CHECK macros and the trap handlers
 *	s8..s10	cause, epc and tval of the last expected trap
 *	s11	where the trap handler resumes; 0 = no trap expected
 * and the handlers save xstatus at entry in trap_mstatus / trap_sstatus.
 *
 * The M-mode handler (trap_m) and the S-mode one (trap_s) always resume in
 * their own mode with interrupts off (xPP = their mode, xPIE = 0): a test
 * that wants another mode after a trap says so itself.
 *
 * Specs: RISC-V Unprivileged ISA 20191213, Privileged Architecture 1.12.
 */
#ifndef ISA_TEST_H
#define ISA_TEST_H

#include "virt.h"

#define MSTATUS_SIE	0x2
#define MSTATUS_MIE	0x8
#define MSTATUS_SPIE	0x20
#define MSTATUS_MPIE	0x80
#define MSTATUS_SPP	0x100
#define MSTATUS_MPP	0x1800
#define MSTATUS_FS	0x6000
#define MSTATUS_MPRV	0x20000
#define MSTATUS_SUM	0x40000
#define MSTATUS_MXR	0x80000

#define CAUSE_MISALIGNED_FETCH	0
#define CAUSE_FETCH_ACCESS	1
#define CAUSE_ILLEGAL		2
#define CAUSE_BREAKPOINT	3
#define CAUSE_MISALIGNED_LOAD	4
#define CAUSE_LOAD_ACCESS	5
#define CAUSE_MISALIGNED_STORE	6
#define CAUSE_STORE_ACCESS	7
#define CAUSE_ECALL_U		8
#define CAUSE_ECALL_S		9
#define CAUSE_ECALL_M		11
#define CAUSE_FETCH_PAGE	12
#define CAUSE_LOAD_PAGE		13
#define CAUSE_STORE_PAGE	15
#define INTR			0x8000000000000000

/* Assemble-time guard on check numbers. */
#define TESTNO(n)							\
	.if ((n) < 1) || ((n) > 254);					\
	.error "check numbers are 1..254";				\
	.endif;								\
	li gp, n

/* Fail check n unless register reg == val (any 64-bit constant). */
#define CHECK(n, reg, val)						\
	TESTNO(n);							\
	li t6, val;							\
	mv t5, reg;							\
	beq t5, t6, 9f;							\
	j fail_val;							\
9:

/* Fail check n unless reg1 == reg2. */
#define CHECK_EQ(n, reg1, reg2)						\
	TESTNO(n);							\
	mv t5, reg1;							\
	mv t6, reg2;							\
	beq t5, t6, 9f;							\
	j fail_val;							\
9:

/* Unconditional failure of check n (e.g. a trap that did not happen). */
#define FAIL(n)								\
	TESTNO(n);							\
	j fail

/* rd = insn(rs1, rs2), checked. */
#define TEST_RR(n, insn, v1, v2, expect)				\
	li a1, v1;							\
	li a2, v2;							\
	insn a0, a1, a2;						\
	CHECK(n, a0, expect)

/* rd = insn(rs1, imm), checked. */
#define TEST_RI(n, insn, v1, imm, expect)				\
	li a1, v1;							\
	insn a0, a1, imm;						\
	CHECK(n, a0, expect)

/* rd = insn(rs1), checked. */
#define TEST_R(n, insn, v1, expect)					\
	li a1, v1;							\
	insn a0, a1;							\
	CHECK(n, a0, expect)

/*
 * TRAP_BEGIN(n) <instructions that must trap> TRAP_END(cause): the trap
 * must come, with mcause (or scause) == cause; then s9/s10 hold epc/tval.
 */
#define TRAP_BEGIN(n)							\
	TESTNO(n);							\
	la s11, 8f
#define TRAP_END(cause)							\
	j fail_notrap;							\
8:									\
	li t6, cause;							\
	mv t5, s8;							\
	beq t5, t6, 9f;							\
	j fail_val;							\
9:

/* Like TRAP_END, for a test that checks s8 (the cause) itself. */
#define TRAP_END_ANY							\
	j fail_notrap;							\
8:

/* Enter privilege mode 'mode' (0 U, 1 S, 3 M) at label via MRET. */
#define GOTO_MODE(mode, label)						\
	li t6, MSTATUS_MPP;						\
	csrc mstatus, t6;						\
	li t6, (mode) << 11;						\
	csrs mstatus, t6;						\
	la t6, label;							\
	csrw mepc, t6;							\
	mret

/* From any mode: back to M-mode at label (via ECALL and trap_m). */
#define BACK_TO_M(label)						\
	la s11, label;							\
	ecall

/*
 * Entry: every hart starts here in M-mode with a0 = hartid.  Test code
 * is assembled without compressed forms (rvc.S turns them back on) so
 * that each guest tests what it says.  Harts other
 * than 0 park in WFI forever (TEST_BEGIN) or run main too (TEST_BEGIN_SMP,
 * each with its own 4 KiB stack).
 */
#define TEST_BEGIN_COMMON						\
	.section .text.init;						\
	.globl _start;							\
_start:									\
	la t0, trap_m;							\
	csrw mtvec, t0;							\
	li s11, 0;							\
	li gp, 0;							\
	/* one PMP region over everything: S/U may run (QEMU insists) */ \
	li t0, -1;							\
	csrw pmpaddr0, t0;						\
	li t0, 0x1f;							\
	csrw pmpcfg0, t0;						\
	csrr a0, mhartid;						\
	la sp, test_stacks_end;						\
	slli t0, a0, 12;						\
	sub sp, sp, t0

#define TEST_BEGIN							\
	TEST_BEGIN_COMMON;						\
	beqz a0, main;							\
	csrw mie, zero;							\
1:	wfi;								\
	j 1b;								\
	.text;								\
	.option norvc;							\
main:

#define TEST_BEGIN_SMP							\
	TEST_BEGIN_COMMON;						\
	j main;								\
	.text;								\
	.option norvc;							\
main:

/* Power off with success (sifive_test). */
#define TEST_OK								\
	li t0, SIFIVE_TEST;						\
	li t1, 0x5555;							\
	sw t1, 0(t0);							\
1:	j 1b

/* Handlers, failure reporting and stacks: once, at the end of a guest. */
#define TEST_END							\
	.text;								\
	.balign 4;							\
	.globl trap_m;							\
trap_m:									\
	beqz s11, fail_trap_m;						\
	csrr s8, mcause;						\
	csrr s9, mepc;							\
	csrr s10, mtval;						\
	csrr t6, mstatus;						\
	la t5, trap_mstatus;						\
	sd t6, 0(t5);							\
	csrw mepc, s11;							\
	li s11, 0;							\
	li t6, MSTATUS_MPP;						\
	csrs mstatus, t6;						\
	li t6, MSTATUS_MPIE;						\
	csrc mstatus, t6;						\
	mret;								\
	.balign 4;							\
	.globl trap_s;							\
trap_s:									\
	beqz s11, fail_trap_s;						\
	csrr s8, scause;						\
	csrr s9, sepc;							\
	csrr s10, stval;						\
	csrr t6, sstatus;						\
	la t5, trap_sstatus;						\
	sd t6, 0(t5);							\
	csrw sepc, s11;							\
	li s11, 0;							\
	li t6, MSTATUS_SPP;						\
	csrs sstatus, t6;						\
	li t6, MSTATUS_SPIE;						\
	csrc sstatus, t6;						\
	sret;								\
fail_trap_s:								\
	csrr s8, scause;						\
	csrr s9, sepc;							\
	csrr s10, stval;						\
	la a0, test_msg_strap;						\
	j fail_trap_common;						\
fail_trap_m:								\
	csrr s8, mcause;						\
	csrr s9, mepc;							\
	csrr s10, mtval;						\
	la a0, test_msg_mtrap;						\
fail_trap_common:							\
	jal test_report_head;						\
	la a0, test_msg_cause;						\
	mv a1, s8;							\
	jal test_report_hex;						\
	la a0, test_msg_epc;						\
	mv a1, s9;							\
	jal test_report_hex;						\
	la a0, test_msg_tval;						\
	mv a1, s10;							\
	jal test_report_hex;						\
	j test_exit_fail;						\
fail_notrap:								\
	la a0, test_msg_notrap;						\
	jal test_report_head;						\
	j test_exit_fail;						\
fail:									\
	la a0, test_msg_fail;						\
	jal test_report_head;						\
	j test_exit_fail;						\
fail_val:								\
	mv s8, t5;							\
	mv s9, t6;							\
	la a0, test_msg_fail;						\
	jal test_report_head;						\
	la a0, test_msg_got;						\
	mv a1, s8;							\
	jal test_report_hex;						\
	la a0, test_msg_exp;						\
	mv a1, s9;							\
	jal test_report_hex;						\
test_exit_fail:								\
	la a0, test_msg_nl;						\
	jal test_puts;							\
	bnez gp, 1f;							\
	li gp, 255;							\
1:	li t0, SIFIVE_TEST;						\
	slli t1, gp, 16;						\
	li t2, 0x3333;							\
	or t1, t1, t2;							\
	sw t1, 0(t0);							\
1:	j 1b;								\
/* "FAIL file: <a0> N" */						\
test_report_head:							\
	mv s7, ra;							\
	mv s6, a0;							\
	la a0, test_msg_file;						\
	jal test_puts;							\
	mv a0, s6;							\
	jal test_puts;							\
	mv a0, gp;							\
	jal test_putdec;						\
	jr s7;								\
/* " <a0>0x<a1 in hex>" */						\
test_report_hex:							\
	mv s7, ra;							\
	mv s6, a1;							\
	jal test_puts;							\
	li s5, 60;							\
2:	srl a0, s6, s5;							\
	andi a0, a0, 15;						\
	addi a0, a0, '0';						\
	li t0, '9';							\
	ble a0, t0, 3f;							\
	addi a0, a0, 'a' - '0' - 10;					\
3:	jal test_putc;							\
	addi s5, s5, -4;						\
	bgez s5, 2b;							\
	jr s7;								\
test_putdec:								\
	mv s4, ra;							\
	li t1, 100;							\
	divu a1, a0, t1;						\
	remu s3, a0, t1;						\
	beqz a1, 4f;							\
	addi a0, a1, '0';						\
	jal test_putc;							\
4:	li t1, 10;							\
	divu a0, s3, t1;						\
	addi a0, a0, '0';						\
	jal test_putc;							\
	li t1, 10;							\
	remu a0, s3, t1;						\
	addi a0, a0, '0';						\
	jal test_putc;							\
	jr s4;								\
test_puts:								\
	mv s2, ra;							\
	mv s1, a0;							\
5:	lbu a0, 0(s1);							\
	beqz a0, 6f;							\
	jal test_putc;							\
	addi s1, s1, 1;							\
	j 5b;								\
6:	jr s2;								\
/* Polls LSR.THRE, but gives up after a while: never hang on output. */	\
test_putc:								\
	li t0, UART0;							\
	li t2, 100000;							\
7:	lbu t1, 5(t0);							\
	andi t1, t1, 0x20;						\
	bnez t1, 8f;							\
	addi t2, t2, -1;						\
	bnez t2, 7b;							\
8:	sb a0, 0(t0);							\
	ret;								\
	.section .rodata;						\
test_msg_file:	.ascii "FAIL "; .ascii __FILE__; .asciz ": ";				\
test_msg_fail:	.asciz "check ";					\
test_msg_notrap: .asciz "no trap in check ";				\
test_msg_mtrap:	.asciz "unexpected M trap in/after check ";		\
test_msg_strap:	.asciz "unexpected S trap in/after check ";		\
test_msg_cause:	.asciz " cause=0x";					\
test_msg_epc:	.asciz " epc=0x";					\
test_msg_tval:	.asciz " tval=0x";					\
test_msg_got:	.asciz " got=0x";					\
test_msg_exp:	.asciz " expected=0x";					\
test_msg_nl:	.asciz "\r\n";						\
	.bss;								\
	.balign 8;							\
trap_mstatus:	.skip 8;	/* mstatus when trap_m was entered */	\
trap_sstatus:	.skip 8;	/* sstatus when trap_s was entered */	\
	.balign 4096;							\
test_stacks:	.skip 4096 * 8;						\
test_stacks_end:							\

#endif
