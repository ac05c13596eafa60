/*
 * busy.S - every hart busy: increments counters[hart] and calls bump()
 * forever, never sleeping.  For bench/gdb_rsp.py (Ctrl-C latency with
 * every vCPU running, breakpoint round trips) and for tests that need
 * all vCPUs executing.  M-mode from reset, -bios none; up to 8 harts.
 * smp: 4
 * Runs unchanged on qemu-system-riscv64 -M virt -bios none.
 */
#include "../virt.h"

#define MAXHARTS	8

	.section .text.init, "ax"
	.globl _start
_start:
	csrr a0, mhartid
	li t0, MAXHARTS
	bgeu a0, t0, idle
	la s0, counters
	slli t0, a0, 3
	add s0, s0, t0
	.globl busy_loop
busy_loop:
	ld t0, 0(s0)
	addi t0, t0, 1
	sd t0, 0(s0)
	call bump
	j busy_loop

	.globl bump
	.type bump, @function
bump:
	la t1, bumps
	li t2, 1
	amoadd.d zero, t2, (t1)
	ret
	.size bump, .-bump

idle:
	wfi
	j idle

	.data
	.balign 8
	.globl counters, bumps
counters:	.dword 0, 0, 0, 0, 0, 0, 0, 0
bumps:		.dword 0
