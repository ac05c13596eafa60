/*
 * hsm.S - an S-mode guest for rhyve's built-in SBI (no -bios) with a hart
 * the guest has not started, for tests/integration/gdb_hsm.py: hart 0
 * counts in counters[0] forever and, once start_req is non-zero, starts
 * hart 1 with SBI HSM hart_start; hart 1 then counts in counters[1].
 * Until then hart 1 is HSM-stopped: the debugger shows it as a thread,
 * and resuming it must not start it.
 * smp: 2
 * Spec: RISC-V SBI v2.0, chapter 9 (HSM).
 */
#include "virt.h"

#define EXT_HSM		0x48534D

	.section .text.init, "ax"
	.globl _start
_start:
	la s0, counters
	la s1, start_req
	li s2, 0			/* hart 1 started? */
	.globl hart0_loop
hart0_loop:
	ld t0, 0(s0)
	addi t0, t0, 1
	sd t0, 0(s0)
	bnez s2, hart0_loop
	ld t0, 0(s1)
	beqz t0, hart0_loop
	li a0, 1			/* hartid */
	la a1, secondary		/* start_addr */
	li a2, 0			/* opaque */
	li a7, EXT_HSM
	li a6, 0			/* hart_start */
	ecall
	li s2, 1
	j hart0_loop

	.globl secondary
secondary:
	la s0, counters
	.globl hart1_loop
hart1_loop:
	ld t0, 8(s0)
	addi t0, t0, 1
	sd t0, 8(s0)
	j hart1_loop

	.data
	.balign 8
	.globl counters, start_req
counters:	.dword 0, 0
start_req:	.dword 0
