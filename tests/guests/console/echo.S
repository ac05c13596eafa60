/*
 * echo.S - a bare-metal M-mode guest (-bios none) that answers console
 * input through the NS16550A of QEMU's virt machine (0x10000000), by
 * polling: register layout from the TI PC16550D data sheet (RBR/THR at 0,
 * LSR at 5: bit 0 data ready, bit 5 THR empty).
 *
 * Prints "echo: ready" and then, for each input byte c:
 *	'q'		prints "echo: bye" and powers off (sifive_test PASS)
 *	anything else	prints c + 1 between '<' and '>' ("HAL" comes back
 *			as "<I><B><M>"), so what the guest sends is told
 *			apart from a terminal's echo and from the host's
 *			own messages
 * With no input for 4 s of mtime (10 MHz) it prints "echo: idle" and
 * powers off, so it ends by itself with stdin closed or at EOF.
 * tests/integration/console.sh drives it.
 */
#include "virt.h"

#define RBR		0
#define THR		0
#define LSR		5
#define LSR_DR		0x01
#define LSR_THRE	0x20
#define IDLE_TICKS	40000000	/* 4 s of mtime (short: two tests wait for it) */

	.section .text.init
	.globl _start
_start:
	csrr t0, mhartid
	bnez t0, park
	la sp, stack_top
	li s0, UART0
	li s1, CLINT_MTIME
	la a0, msg_ready
	jal puts

idle_reset:
	ld t0, 0(s1)
	li t1, IDLE_TICKS
	add s2, t0, t1			/* s2: when to give up waiting */
poll:
	lbu t0, LSR(s0)
	andi t0, t0, LSR_DR
	bnez t0, got
	ld t0, 0(s1)
	bltu t0, s2, poll
	la a0, msg_idle
	jal puts
	EXIT_PASS

got:
	lbu a0, RBR(s0)
	li t0, 'q'
	beq a0, t0, quit
	addi s3, a0, 1
	andi s3, s3, 0xff
	li a0, '<'
	jal putc
	mv a0, s3
	jal putc
	li a0, '>'
	jal putc
	j idle_reset

quit:
	la a0, msg_bye
	jal puts
	EXIT_PASS

park:	wfi
	j park

/* Send the byte in a0 once THR is empty.  Clobbers t0. */
putc:
	lbu t0, LSR(s0)
	andi t0, t0, LSR_THRE
	beqz t0, putc
	sb a0, THR(s0)
	ret

/* puts (virt.h): the string at a0 on UART0.  Clobbers t0-t2, a0. */
UART_PUTS_FUNC

	.section .rodata
msg_ready:	.asciz "echo: ready\r\n"
msg_bye:	.asciz "\r\necho: bye\r\n"
msg_idle:	.asciz "\r\necho: idle\r\n"

	.bss
	.balign 16
	.space 1024
stack_top:
