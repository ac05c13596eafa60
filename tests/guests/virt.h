/*
 * virt.h - addresses and helpers shared by the bare-metal test guests
 * (assembly).  The machine is QEMU virt's: a guest that runs on
 * qemu-system-riscv64 -M virt -bios none runs on rhyve unchanged.
 */
#ifndef GUEST_VIRT_H
#define GUEST_VIRT_H

#define UART0		0x10000000
#define SIFIVE_TEST	0x00100000
#define CLINT		0x02000000
#define CLINT_MTIMECMP	0x02004000
#define CLINT_MTIME	0x0200bff8
#define PLIC		0x0c000000

#define TEST_PASS	0x5555
#define TEST_FAIL	0x3333	/* | (code << 16) */

/* Power off with success. Clobbers t0, t1. */
#define EXIT_PASS		\
	li t0, SIFIVE_TEST;	\
	li t1, TEST_PASS;	\
	sw t1, 0(t0);		\
1:	j 1b

/* Power off with failure code 'reg' (a register). Clobbers t0, t1. */
#define EXIT_FAIL(reg)		\
	slli t1, reg, 16;	\
	li t0, TEST_FAIL;	\
	or t1, t1, t0;		\
	li t0, SIFIVE_TEST;	\
	sw t1, 0(t0);		\
1:	j 1b

/*
 * Defines "puts": print the NUL-terminated string at a0 on the UART,
 * polling LSR.THRE.  Clobbers t0-t2 and a0.  Place it in .text once.
 */
#define UART_PUTS_FUNC				\
puts:						\
	li t0, UART0;				\
1:	lbu t1, 0(a0);				\
	beqz t1, 3f;				\
2:	lbu t2, 5(t0);	/* LSR */		\
	andi t2, t2, 0x20;	/* THRE */	\
	beqz t2, 2b;				\
	sb t1, 0(t0);				\
	addi a0, a0, 1;				\
	j 1b;					\
3:	ret

#endif
