/*
 * reboot.S - a bare-metal M-mode guest (-bios none, -smp 2) that resets
 * the machine twice through sifive_test (0x7777, QEMU's virt "reset")
 * and then powers off, checking that each reset gives a fresh machine.
 * tests/integration/reboot.sh drives it.
 *
 * It counts its boots in RAM outside its own image (PERSIST, 1 MiB into
 * RAM): a reset does not clear RAM (QEMU does not either), while the
 * image itself is reloaded.  Each boot, hart 0:
 *	- checks the power-on state the privileged spec (3.4) asks for and
 *	  what the last boot left behind: mstatus.MIE = 0 and MPRV = 0
 *	  (it set both before resetting) -> failure code 1;
 *	- checks that mtime restarted (ACLINT 1.0: an MTIMER reset clears
 *	  mtime), i.e. reads less than just before the reset -> code 2;
 *	- prints "reboot: boot N" (N = 1, 2, 3);
 *	- waits (2 s of mtime at most) for hart 1 to show that it was
 *	  started again too, by acknowledging boot N -> code 3;
 *	- resets after boots 1 and 2 (once mtime is past 0.5 s), prints "reboot: done" and powers off
 *	  after boot 3.
 * An unexpected trap powers off with code 4.  QEMU 7.2 (-M virt -bios
 * none -smp 2) runs it to the end too: the test is validated there.
 */
#include "virt.h"

#define PERSIST		0x80100000
#define P_MAGIC		0	/* MAGIC once the area is set up */
#define P_COUNT		8	/* boots so far */
#define P_GO		16	/* boot number hart 1 must acknowledge */
#define P_ACK		24	/* what hart 1 acknowledged */
#define P_MTIME		32	/* mtime just before the last reset */
#define MAGIC		0x746f6f626572	/* "reboot" */
#define SIFIVE_RESET	0x7777
#define ACK_TICKS	20000000	/* 2 s of mtime (10 MHz) */
#define MTIME_MIN	5000000		/* 0.5 s */
#define MSTATUS_MIE	0x8
#define MSTATUS_MPP	0x1800	/* M: MPRV then changes nothing */
#define MSTATUS_MPRV	0x20000
#define LSR		5
#define LSR_THRE	0x20

	.section .text.init
	.globl _start
_start:
	la t0, trap
	csrw mtvec, t0
	li s0, UART0
	li s1, PERSIST
	csrr t0, mhartid
	bnez t0, other_hart
	la sp, stack_top

	/* First boot: set the area up (RAM starts out zeroed). */
	ld t0, P_MAGIC(s1)
	li t1, MAGIC
	beq t0, t1, 1f
	sd zero, P_COUNT(s1)
	sd zero, P_MTIME(s1)
	fence w, w
	sd t1, P_MAGIC(s1)
1:
	ld s2, P_COUNT(s1)
	addi s2, s2, 1
	sd s2, P_COUNT(s1)

	/* What the last boot left must be gone. */
	csrr t0, mstatus
	li t1, MSTATUS_MIE | MSTATUS_MPRV
	and t0, t0, t1
	li a0, 1
	bnez t0, fail
	li t0, 1
	beq s2, t0, 2f
	li t0, CLINT_MTIME
	ld t0, 0(t0)
	ld t1, P_MTIME(s1)
	li a0, 2
	bgeu t0, t1, fail
2:
	.globl booted
booted:
	la a0, msg_boot
	jal puts
	addi a0, s2, '0'
	jal putc
	li a0, '\n'
	jal putc

	/* Hart 1 must come up again and acknowledge this boot. */
	fence w, w
	sd s2, P_GO(s1)
	li t2, CLINT_MTIME
	ld t3, 0(t2)
	li t0, ACK_TICKS
	add t3, t3, t0
3:	ld t0, P_ACK(s1)
	beq t0, s2, 4f
	ld t0, 0(t2)
	bltu t0, t3, 3b
	li a0, 3
	j fail
4:
	li t0, 3
	bgeu s2, t0, done

	/*
	 * Let mtime pass MTIME_MIN first, so that "less than before the
	 * reset" is not down to how fast the next boot gets here.
	 */
	li t1, CLINT_MTIME
	li t2, MTIME_MIN
6:	ld t0, 0(t1)
	bltu t0, t2, 6b
	/* Leave state behind that a reset must clear, then reset. */
	li t0, MSTATUS_MIE | MSTATUS_MPRV | MSTATUS_MPP
	csrs mstatus, t0
	ld t0, 0(t1)
	sd t0, P_MTIME(s1)
	fence w, w
	li t0, SIFIVE_TEST
	li t1, SIFIVE_RESET
	.globl do_reset
do_reset:			/* reboot.sh steps over this store in gdb */
	sw t1, 0(t0)
5:	j 5b

done:
	la a0, msg_done
	jal puts
	EXIT_PASS

fail:
	EXIT_FAIL(a0)

/* Hart 1 (and any other): acknowledge the boot hart 0 announces. */
other_hart:
	li t1, MAGIC
1:	ld t0, P_MAGIC(s1)
	bne t0, t1, 1b
	ld t0, P_GO(s1)
	ld t2, P_ACK(s1)
	beq t0, t2, 1b
	csrr t3, mhartid
	li t4, 1
	bne t3, t4, 2f
	sd t0, P_ACK(s1)
2:	j 2b

trap:
	li a0, 4
	j fail

/* Send the byte in a0 once THR is empty.  Clobbers t0. */
putc:
	lbu t0, LSR(s0)
	andi t0, t0, LSR_THRE
	beqz t0, putc
	sb a0, 0(s0)
	ret

/* puts (virt.h): the string at a0 on UART0.  Clobbers t0-t2, a0. */
UART_PUTS_FUNC

	.section .rodata
msg_boot:	.asciz "reboot: boot "
msg_done:	.asciz "reboot: done\n"

	.bss
	.align 4
	.space 1024
stack_top:
