/*
 * rtc.S - a bare-metal M-mode guest (-bios none) for the goldfish RTC of
 * QEMU's virt machine (0x101000, PLIC source 11).  Register semantics:
 * the Android emulator's GOLDFISH-VIRTUAL-HARDWARE document as QEMU
 * implements it (hw/rtc/goldfish_rtc.c); PLIC: riscv-plic-spec 1.0.0,
 * context 0 = hart 0 M-mode on virt.
 *
 *  1. The time (TIME_LOW, then TIME_HIGH) is after 2023-11-14
 *     (1.7e18 ns since the epoch): the RTC runs on the host's wall clock.
 *  2. Spinning 0.1 s of CLINT mtime (10 MHz) advances it by 0.08..2 s.
 *  3. An alarm 50 ms ahead with IRQ_ENABLED: ALARM_STATUS reads 1 while
 *     armed; the guest sleeps in WFI and takes the PLIC interrupt in M-mode
 *     (mie.MEIE), claims source 11, finds ALARM_STATUS 0 and the time at
 *     or past the alarm, CLEAR_INTERRUPTs and completes.  A machine timer
 *     2 s later is the backstop: if it comes first, the check fails.
 *  4. After CLEAR_INTERRUPT and complete, source 11 is no longer pending.
 * Prints "rtc: PASS" and powers off through sifive_test, or prints
 * "rtc: FAIL" and fails with the number of the step.
 */
#include "virt.h"

#define RTC		0x00101000
#define RTC_TIME_LOW	0x00
#define RTC_TIME_HIGH	0x04
#define RTC_ALARM_LOW	0x08
#define RTC_ALARM_HIGH	0x0c
#define RTC_IRQ_ENABLED	0x10
#define RTC_ALARM_STATUS 0x18
#define RTC_CLEAR_INTR	0x1c
#define RTC_IRQ		11

#define PLIC_PRIO	(PLIC + 4 * RTC_IRQ)
#define PLIC_PENDING	(PLIC + 0x1000)
#define PLIC_ENABLE0	(PLIC + 0x2000)		/* context 0 */
#define PLIC_THRESH0	(PLIC + 0x200000)
#define PLIC_CLAIM0	(PLIC + 0x200004)

#define MIE_MTIE	0x80
#define MIE_MEIE	0x800
#define MSTATUS_MIE	0x8
#define CAUSE_MTI	((1 << 63) | 7)
#define CAUSE_MEI	((1 << 63) | 11)

#define TICKS_100MS	1000000			/* mtime at 10 MHz */
#define TICKS_2S	20000000

/* Fail with code n unless the condition holds. */
#define EXPECT_GEU(n, r, s)	li s2, n; bltu r, s, fail
#define EXPECT_EQ(n, r, s)	li s2, n; bne r, s, fail
#define EXPECT_NZ(n, r)		li s2, n; beqz r, fail

	.section .text.init
	.globl _start
_start:
	csrr t0, mhartid
	bnez t0, park
	la sp, stack_top
	la t0, trap
	csrw mtvec, t0
	li s2, 99			/* an unexpected trap before step 1 */
	li s0, RTC

	/* 1. Wall-clock time, not time since boot. */
	jal rtc_read
	mv s3, a0
	li t1, 1700000000000000000
	EXPECT_GEU(1, s3, t1)

	/* 2. 0.1 s of mtime later it advanced by a plausible amount. */
	li t0, CLINT_MTIME
	ld t1, 0(t0)
	li t2, TICKS_100MS
	add t2, t1, t2
1:	ld t1, 0(t0)
	bltu t1, t2, 1b
	jal rtc_read
	mv s4, a0
	sub t3, s4, s3
	li t1, 80000000			/* >= 80 ms */
	EXPECT_GEU(2, t3, t1)
	li t1, 2000000000		/* <= 2 s */
	EXPECT_GEU(3, t1, t3)

	/* 3. The alarm.  PLIC: source 11 priority 1, enabled, threshold 0. */
	li t0, PLIC_PRIO
	li t1, 1
	sw t1, 0(t0)
	li t0, PLIC_ENABLE0
	li t1, 1 << RTC_IRQ
	sw t1, 0(t0)
	li t0, PLIC_THRESH0
	sw zero, 0(t0)
	li t1, 1
	sw t1, RTC_IRQ_ENABLED(s0)
	lw t2, RTC_IRQ_ENABLED(s0)
	EXPECT_EQ(4, t2, t1)

	/* Backstop: a machine timer interrupt 2 s from now fails step 7. */
	li t0, CLINT_MTIME
	ld t1, 0(t0)
	li t2, TICKS_2S
	add t1, t1, t2
	li t0, CLINT_MTIMECMP
	sd t1, 0(t0)

	la t0, fired
	sw zero, 0(t0)
	jal rtc_read
	li t1, 50000000			/* 50 ms */
	add s5, a0, t1			/* s5: the alarm time */
	srli t1, s5, 32
	sw t1, RTC_ALARM_HIGH(s0)
	sw s5, RTC_ALARM_LOW(s0)	/* arms */
	lw t1, RTC_ALARM_STATUS(s0)
	li t2, 1
	EXPECT_EQ(5, t1, t2)
	la t0, fired			/* not already taken */
	lw t1, 0(t0)
	EXPECT_EQ(6, t1, zero)

	li t0, MIE_MEIE | MIE_MTIE
	csrw mie, t0
	li s2, 7			/* handler: the timer came first */
	csrsi mstatus, MSTATUS_MIE
2:	la t0, fired
	lw t1, 0(t0)
	bnez t1, 3f
	wfi
	j 2b
3:	csrci mstatus, MSTATUS_MIE
	csrw mie, zero
	li s2, 98			/* an unexpected trap from here on */

	/* The handler's findings: */
	la t0, seen_status
	lw t1, 0(t0)
	EXPECT_EQ(8, t1, zero)		/* ALARM_STATUS 0 once fired */
	la t0, seen_time
	ld t1, 0(t0)
	EXPECT_GEU(9, t1, s5)		/* not before the alarm time */
	la t0, seen_claim
	lw t1, 0(t0)
	li t2, RTC_IRQ
	EXPECT_EQ(10, t1, t2)		/* claimed source 11 */

	/* 4. Cleared and completed: no longer pending, nothing to claim. */
	li t0, PLIC_PENDING
	lw t1, 0(t0)
	srli t1, t1, RTC_IRQ
	andi t1, t1, 1
	EXPECT_EQ(11, t1, zero)
	li t0, PLIC_CLAIM0
	lw t1, 0(t0)
	EXPECT_EQ(12, t1, zero)

	la a0, msg_pass
	jal puts
	EXIT_PASS

fail:
	la a0, msg_fail
	jal puts
	EXIT_FAIL(s2)

park:	wfi
	j park

/*
 * M-mode trap handler.  The RTC interrupt records what it sees and
 * returns; anything else (the backstop timer, an exception) fails with
 * the code in s2.  The main loop keeps nothing in t0-t3 and a0 across
 * WFI, so the handler may clobber them.
 */
	.balign 4
trap:
	csrr t0, mcause
	li t1, CAUSE_MEI
	bne t0, t1, fail
	li t0, PLIC_CLAIM0
	lw t2, 0(t0)			/* claim */
	la t1, seen_claim
	sw t2, 0(t1)
	lw t1, RTC_ALARM_STATUS(s0)
	la t3, seen_status
	sw t1, 0(t3)
	mv t3, ra
	jal rtc_read
	mv ra, t3
	la t1, seen_time
	sd a0, 0(t1)
	sw zero, RTC_CLEAR_INTR(s0)	/* lower the line ... */
	li t0, PLIC_CLAIM0
	sw t2, 0(t0)			/* ... then complete */
	la t0, fired
	li t1, 1
	sw t1, 0(t0)
	/*
	 * One interrupt is all we want: should the line stay up after
	 * CLEAR_INTERRUPT, step 11 says so instead of a storm hanging us.
	 */
	li t0, MIE_MEIE
	csrc mie, t0
	mret

/* a0 = the RTC time in ns: TIME_LOW (latches the high half), TIME_HIGH. */
rtc_read:
	lwu a0, RTC_TIME_LOW(s0)
	lwu t1, RTC_TIME_HIGH(s0)
	slli t1, t1, 32
	or a0, a0, t1
	ret

/* puts: print the string at a0 (virt.h). */
UART_PUTS_FUNC

	.section .rodata
msg_pass:	.asciz "rtc: PASS\r\n"
msg_fail:	.asciz "rtc: FAIL\r\n"

	.data
	.balign 8
seen_time:	.dword 0
fired:		.word 0
seen_status:	.word 0
seen_claim:	.word 0

	.bss
	.balign 16
	.space 4096
stack_top:
