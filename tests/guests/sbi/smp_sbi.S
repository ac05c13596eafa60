/*
 * smp_sbi.S - an S-mode guest for rhyve's built-in SBI (no -bios): it is
 * entered in S-mode on hart 0 with a0 = 0 and a1 = the device tree, as an
 * SBI firmware enters a kernel.  It checks the Base extension (spec
 * version, probes of HSM, TIME, IPI, RFENCE, SRST, DBCN), starts harts
 * 1..3 with HSM hart_start (each checks its a0/a1, adds 1 to a shared
 * counter with AMOADD and stops itself with hart_stop), waits until
 * hart_get_status reports them all STOPPED, takes a supervisor timer
 * interrupt armed with set_timer and a supervisor software interrupt
 * sent to itself with send_ipi, prints through DBCN and the legacy
 * console_putchar, and powers off with SRST system_reset.
 *
 * A failing check prints "smp_sbi: FAIL <n>" and exits through
 * sifive_test with code n.  The code is position independent (only
 * PC-relative addressing), so it runs wherever it is loaded.
 * smp: 4
 * Spec: RISC-V SBI v2.0 (github.com/riscv-non-isa/riscv-sbi-doc);
 * RISC-V Privileged ISA 20211203, ch. 4 (S-mode interrupts).
 */
#include "virt.h"

#define NHARTS		4

#define EXT_BASE	0x10
#define EXT_TIME	0x54494D45
#define EXT_IPI		0x735049
#define EXT_RFENCE	0x52464E43
#define EXT_HSM		0x48534D
#define EXT_SRST	0x53525354
#define EXT_DBCN	0x4442434E
#define LEGACY_PUTCHAR	0x01

#define ERR_INVALID_PARAM	(-3)
#define ERR_ALREADY_AVAILABLE	(-6)
#define HSM_STOPPED		1

#define OPAQUE		0x5a17c0de00	/* hart_start's opaque: OPAQUE + hartid */
#define TIMEOUT		100000000	/* 10 s of 10 MHz time */

#define SIE_SSIE	(1 << 1)
#define SIE_STIE	(1 << 5)
#define SSTATUS_SIE	(1 << 1)
#define IRQ_BIT		63

/* An SBI call: a7 = ext, a6 = fid; result in a0 (error), a1 (value). */
#define SBI(ext, fid)	\
	li a7, ext;	\
	li a6, fid;	\
	ecall

/* After a branch that skips it when all is well: fail with n. */
#define OR_FAIL(n)	\
	li a0, n;	\
	j fail

/* Fail with n unless a0 (the SBI error) is 0. */
#define CHECK_OK(n)		\
	beqz a0, 9f;		\
	li a0, n;		\
	j fail;			\
9:

	.section .text.init
	.globl _start
_start:
	bnez a0, boot_not_hart0
	mv s1, a1			/* the device tree */
	lla sp, stack_top
	lla t0, trap
	csrw stvec, t0

	/* The device tree is where a1 says: its magic, big-endian. */
	lwu t0, 0(s1)
	li t1, 0xedfe0dd0
	beq t0, t1, 1f
	OR_FAIL(1)
1:
	/* Base: spec version 2.0. */
	SBI(EXT_BASE, 0)
	CHECK_OK(2)
	li t0, 0x02000000
	beq a1, t0, 1f
	OR_FAIL(3)
1:
	/* Probe every extension we use. */
	lla s2, probe_list
	li s3, 0
2:	ld a0, 0(s2)
	beqz a0, 3f
	SBI(EXT_BASE, 3)
	CHECK_OK(4)
	bnez a1, 1f
	OR_FAIL(5)
1:	addi s2, s2, 8
	addi s3, s3, 1
	j 2b
3:	/* An extension that is not there probes as 0. */
	li a0, 0x504D55			/* PMU */
	SBI(EXT_BASE, 3)
	CHECK_OK(6)
	beqz a1, 1f
	OR_FAIL(7)
1:
	lla a0, msg_probes
	call dbcn_puts

	/* HSM: errors first.  Hart NHARTS does not exist, hart 0 runs. */
	li a0, NHARTS
	lla a1, secondary
	li a2, 0
	SBI(EXT_HSM, 0)
	li t0, ERR_INVALID_PARAM
	beq a0, t0, 1f
	OR_FAIL(8)
1:	li a0, 0
	lla a1, secondary
	li a2, 0
	SBI(EXT_HSM, 0)
	li t0, ERR_ALREADY_AVAILABLE
	beq a0, t0, 1f
	OR_FAIL(9)
1:
	/* Hart 0 itself is STARTED. */
	li a0, 0
	SBI(EXT_HSM, 2)
	CHECK_OK(26)
	beqz a1, 1f
	OR_FAIL(27)
1:
	/* Start harts 1..NHARTS-1. */
	li s2, 1
2:	mv a0, s2
	lla a1, secondary
	li a2, OPAQUE
	add a2, a2, s2
	SBI(EXT_HSM, 0)
	CHECK_OK(10)
	addi s2, s2, 1
	li t0, NHARTS
	blt s2, t0, 2b

	/* Wait for their count, then for each to report STOPPED. */
	rdtime s4
	li t0, TIMEOUT
	add s4, s4, t0
	lla s2, counter
2:	ld t0, 0(s2)
	li t1, NHARTS - 1
	beq t0, t1, 3f
	rdtime t0
	bltu t0, s4, 2b
	OR_FAIL(11)
3:	li s2, 1
4:	mv a0, s2
	SBI(EXT_HSM, 2)
	CHECK_OK(12)
	li t0, HSM_STOPPED
	beq a1, t0, 5f
	rdtime t0
	bltu t0, s4, 4b
	OR_FAIL(13)
5:	addi s2, s2, 1
	li t0, NHARTS
	blt s2, t0, 4b

	/* Each got a0 = its hartid and a1 = its opaque. */
	lla t2, bad
	ld t0, 0(t2)
	beqz t0, 1f
	OR_FAIL(14)
1:	lla a0, msg_harts
	call dbcn_puts

	/* TIME: set_timer 1 ms ahead, take STIP. */
	li t0, SIE_STIE
	csrs sie, t0
	rdtime a0
	li t0, 10000
	add a0, a0, t0
	SBI(EXT_TIME, 0)
	CHECK_OK(15)
	lla a0, timer_seen
	li a1, 16
	call wait_flag
	lla a0, msg_timer
	call dbcn_puts

	/* IPI to ourselves: take SSIP.  The timer is a watchdog meanwhile. */
	mv a0, s4
	SBI(EXT_TIME, 0)
	CHECK_OK(28)
	li t0, SIE_SSIE
	csrs sie, t0
	li a0, 1			/* hart_mask: hart 0 */
	li a1, 0			/* hart_mask_base */
	SBI(EXT_IPI, 0)
	CHECK_OK(17)
	lla a0, ipi_seen
	li a1, 18
	call wait_flag
	lla a0, msg_ipi
	call dbcn_puts

	/* A remote fence.i to every hart. */
	li a0, 0
	li a1, -1
	SBI(EXT_RFENCE, 0)
	CHECK_OK(19)

	/* The legacy console. */
	lla s2, msg_legacy
2:	lbu a0, 0(s2)
	beqz a0, 3f
	SBI(LEGACY_PUTCHAR, 0)
	addi s2, s2, 1
	j 2b
3:
	lla a0, msg_done
	call dbcn_puts
	/* SRST: shutdown, no reason.  Does not return. */
	li a0, 0
	li a1, 0
	SBI(EXT_SRST, 0)
	li a0, 20
	j fail

/* Secondary harts: a0 = hartid, a1 = opaque, S-mode, MMU off. */
secondary:
	/* The firmware state is there from the first instruction: time is readable. */
	rdtime t5
	li t0, OPAQUE
	add t0, t0, a0
	beq a1, t0, 1f
	lla t1, bad
	li t0, 1
	amoadd.d zero, t0, (t1)
1:	lla t1, counter
	li t0, 1
	amoadd.d zero, t0, (t1)
	SBI(EXT_HSM, 1)
	/* hart_stop returned: that is a failure. */
	lla t1, bad
	li t0, 1
	amoadd.d zero, t0, (t1)
1:	wfi
	j 1b

/* Any hart but 0 entered at _start: nothing should start it there. */
boot_not_hart0:
	li a0, 21
	j fail

/* S-mode trap handler: the two interrupts we expect, nothing else. */
	.balign 4
trap:
	/* Interrupts come in anywhere in hart 0's code: keep what we use. */
	addi sp, sp, -48
	sd t0, 0(sp)
	sd t1, 8(sp)
	sd a0, 16(sp)
	sd a1, 24(sp)
	sd a6, 32(sp)
	sd a7, 40(sp)
	csrr t0, scause
	bgez t0, trap_exception
	slli t0, t0, 1
	srli t0, t0, 1
	li t1, 5
	beq t0, t1, trap_timer
	li t1, 1
	beq t0, t1, trap_soft
	li a0, 22
	j fail
trap_timer:
	/* Clear STIP by moving the timer far away. */
	li a0, -1
	SBI(EXT_TIME, 0)
	lla t0, timer_seen
	li t1, 1
	sd t1, 0(t0)
	j trap_return
trap_soft:
	csrci sip, SIE_SSIE
	lla t0, ipi_seen
	li t1, 1
	sd t1, 0(t0)
trap_return:
	ld t0, 0(sp)
	ld t1, 8(sp)
	ld a0, 16(sp)
	ld a1, 24(sp)
	ld a6, 32(sp)
	ld a7, 40(sp)
	addi sp, sp, 48
	sret
trap_exception:
	li a0, 23
	j fail

/*
 * wait_flag(a0 = address of a flag, a1 = failure code): sleep until an
 * interrupt handler sets the flag; fail after the deadline s4.  The flag
 * is tested with interrupts off and WFI wakes on a pending enabled
 * interrupt even then, so one taken before the WFI is not slept through.
 */
wait_flag:
	mv t3, a0
	mv t4, a1
1:	csrci sstatus, SSTATUS_SIE
	ld t0, 0(t3)
	bnez t0, 2f
	wfi
	csrsi sstatus, SSTATUS_SIE	/* the pending interrupt is taken here */
	rdtime t0
	bltu t0, s4, 1b
	mv a0, t4
	j fail
2:	ret

/* dbcn_puts(a0 = NUL-terminated string) through DBCN console_write. */
dbcn_puts:
	mv t2, a0
	mv t3, a0
1:	lbu t0, 0(t3)
	beqz t0, 2f
	addi t3, t3, 1
	j 1b
2:	sub t3, t3, t2			/* length */
	mv a0, t3
	mv a1, t2
	li a2, 0
	SBI(EXT_DBCN, 0)
	beqz a0, 3f
	li a0, 24
	j fail
3:	beq a1, t3, 4f
	li a0, 25
	j fail
4:	ret

/* Print "smp_sbi: FAIL <n>" (n in a0, decimal) and exit with code n. */
fail:
	mv s11, a0
	csrci sstatus, SSTATUS_SIE
	lla s2, msg_fail
1:	lbu a0, 0(s2)
	beqz a0, 2f
	SBI(LEGACY_PUTCHAR, 0)
	addi s2, s2, 1
	j 1b
2:	li t0, 10
	divu a0, s11, t0
	beqz a0, 3f
	addi a0, a0, '0'
	SBI(LEGACY_PUTCHAR, 0)
3:	li t0, 10
	remu a0, s11, t0
	addi a0, a0, '0'
	SBI(LEGACY_PUTCHAR, 0)
	li a0, '\n'
	SBI(LEGACY_PUTCHAR, 0)
	/* sifive_test FAIL with the code (virt.h's EXIT_FAIL needs a 12-bit ori). */
	li t0, SIFIVE_TEST
	slli t1, s11, 16
	li t2, TEST_FAIL
	or t1, t1, t2
	sw t1, 0(t0)
1:	j 1b

	.section .rodata
	.balign 8
probe_list:
	.dword EXT_TIME, EXT_IPI, EXT_RFENCE, EXT_HSM, EXT_SRST, EXT_DBCN, 0
msg_probes:	.asciz "smp_sbi: spec 2.0, probes ok\n"
msg_harts:	.asciz "smp_sbi: harts 1-3 started and stopped\n"
msg_timer:	.asciz "smp_sbi: timer interrupt\n"
msg_ipi:	.asciz "smp_sbi: software interrupt\n"
msg_legacy:	.asciz "smp_sbi: legacy putchar\n"
msg_done:	.asciz "smp_sbi: DBCN ok, shutting down\n"
msg_fail:	.asciz "smp_sbi: FAIL "

	.data
	.balign 8
counter:	.dword 0
bad:		.dword 0
timer_seen:	.dword 0
ipi_seen:	.dword 0

	.bss
	.balign 16
stack:		.space 4096
stack_top:
