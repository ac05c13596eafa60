/*
 * uart_irq.S - a bare-metal M-mode guest (-bios none) that takes the
 * NS16550A's interrupt through the PLIC the way xv6-riscv does: it
 * enables the receive and THR-empty interrupts (IER = 0x03) with THR
 * empty, and its handler claims, reads LSR (and RBR while data is ready),
 * completes, and never reads IIR, so the THR-empty interrupt stays pending
 * in the UART.  On QEMU's virt the PLIC takes that as one request: it is
 * not pended again at completion while the line stays high, only when
 * the UART signals again (a register write, input).  xv6 at -smp 1 needs
 * exactly that, or its one hart takes the same interrupt forever.
 *
 * Prints "uart_irq: ready", enables interrupts and counts them for 1 s
 * of mtime, then waits up to 4 s for an input byte (taken by the
 * handler), and prints "uart_irq: N interrupts, input <c>" and "uart_irq:
 * ok" when N < 100 and a byte arrived, else "uart_irq: FAIL"; powers off
 * (sifive_test PASS either way: the verdict is the text).
 * tests/integration/console.sh drives it (stdin: a pipe with one byte).
 */
#include "virt.h"

#define RBR		0
#define IER		1
#define LSR		5
#define LSR_DR		0x01
#define UART0_IRQ	10
#define PLIC_PRIO(irq)	(PLIC + 4 * (irq))
#define PLIC_ENABLE0	(PLIC + 0x2000)		/* context 0: hart 0, M-mode */
#define PLIC_THRESH0	(PLIC + 0x200000)
#define PLIC_CLAIM0	(PLIC + 0x200004)
#define MIE_MEIE	(1 << 11)
#define MSTATUS_MIE	(1 << 3)
#define SECOND		10000000		/* mtime ticks (10 MHz) */

	.section .text.init
	.globl _start
_start:
	csrr t0, mhartid
	bnez t0, park
	la sp, stack_top
	la t0, trap
	csrw mtvec, t0
	la a0, msg_ready
	jal puts			/* before any interrupt is enabled */

	li t0, PLIC_PRIO(UART0_IRQ)
	li t1, 1
	sw t1, 0(t0)
	li t0, PLIC_ENABLE0
	li t1, 1 << UART0_IRQ
	sw t1, 0(t0)
	li t0, PLIC_THRESH0
	sw zero, 0(t0)
	li t0, UART0
	li t1, 0x03			/* ERBFI | ETBEI, THR empty: pending */
	sb t1, IER(t0)
	li t0, MIE_MEIE
	csrw mie, t0
	csrsi mstatus, MSTATUS_MIE

	/* count for 1 s */
	li s1, CLINT_MTIME
	ld s2, 0(s1)
	li t0, SECOND
	add s2, s2, t0
1:	ld t0, 0(s1)
	bltu t0, s2, 1b
	/* then wait for input, up to 4 s more */
	li t0, 4 * SECOND
	add s2, s2, t0
2:	la t1, got
	lbu t1, 0(t1)
	bnez t1, 3f
	ld t0, 0(s1)
	bltu t0, s2, 2b
3:	csrci mstatus, MSTATUS_MIE	/* printing writes THR: no more counting */

	la a0, msg_count
	jal puts
	la t0, count
	ld a0, 0(t0)
	jal putdec
	la a0, msg_input
	jal puts
	la t0, got
	lbu a0, 0(t0)
	bnez a0, 4f
	li a0, '-'
4:	jal putc
	la a0, msg_nl
	jal puts

	la t0, count
	ld t0, 0(t0)
	li t1, 100
	bgeu t0, t1, fail
	la t0, got
	lbu t0, 0(t0)
	beqz t0, fail
	la a0, msg_ok
	jal puts
	EXIT_PASS
fail:
	la a0, msg_fail
	jal puts
	EXIT_PASS

park:	wfi
	j park

/* The external interrupt, as xv6's devintr() and uartintr() take it. */
	.balign 4
trap:
	csrrw sp, mscratch, sp		/* (sp unused by the main loop) */
	la sp, trap_stack_top
	sd t0, 0(sp)
	sd t1, 8(sp)
	sd t2, 16(sp)
	la t0, count
	ld t1, 0(t0)
	addi t1, t1, 1
	sd t1, 0(t0)
	li t0, PLIC_CLAIM0
	lw t2, 0(t0)			/* claim */
	li t0, UART0
5:	lbu t1, LSR(t0)			/* uartgetc(): data ready? */
	andi t1, t1, LSR_DR
	beqz t1, 6f
	lbu t1, RBR(t0)
	la t0, got
	sb t1, 0(t0)
	li t0, UART0
	j 5b
6:	beqz t2, 7f
	li t0, PLIC_CLAIM0
	sw t2, 0(t0)			/* complete; IIR never read */
7:	ld t0, 0(sp)
	ld t1, 8(sp)
	ld t2, 16(sp)
	csrrw sp, mscratch, sp
	mret

/* Send the byte in a0 once THR is empty.  Clobbers t0, t1. */
putc:
	li t0, UART0
1:	lbu t1, LSR(t0)
	andi t1, t1, 0x20
	beqz t1, 1b
	sb a0, 0(t0)
	ret

/* a0 in decimal.  Clobbers t0-t3, a0-a2. */
putdec:
	mv a2, ra
	la a1, digits_end
	sb zero, 0(a1)
	li t3, 10
1:	remu t2, a0, t3
	addi t2, t2, '0'
	addi a1, a1, -1
	sb t2, 0(a1)
	divu a0, a0, t3
	bnez a0, 1b
	mv a0, a1
	jal puts
	mv ra, a2
	ret

/* puts (virt.h): the string at a0 on UART0.  Clobbers t0-t2, a0. */
UART_PUTS_FUNC

	.section .rodata
msg_ready:	.asciz "uart_irq: ready\r\n"
msg_count:	.asciz "uart_irq: "
msg_input:	.asciz " interrupts, input "
msg_nl:		.asciz "\r\n"
msg_ok:		.asciz "uart_irq: ok\r\n"
msg_fail:	.asciz "uart_irq: FAIL\r\n"

	.data
	.balign 8
count:		.dword 0
got:		.byte 0
digits:		.space 24
digits_end:	.byte 0

	.bss
	.balign 16
	.space 1024
stack_top:
	.space 256
trap_stack_top:
