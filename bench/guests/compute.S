/*
 * compute.S - benchmark (not a test): the integer kernel of compute.inc
 * in M-mode, physical addresses, on hart 0 (others park).  Exits through
 * sifive_test: 0x5555 if the kernel's self-checks held, else a failure
 * code.  Prints nothing.  Spec for the exit device: QEMU virt sifive_test.
 * compute_short.S is the same with fewer rounds (ROUNDS defined first).
 *
 * Symbols for the debugger (bench/debug_points.py):
 *   bench_failed  the failure path, never executed when the kernel
 *                 passes: a breakpoint there costs only what keeping a
 *                 breakpoint costs.  It sits on the kernel's hot text page.
 *   bench_cold    never called, alone on its own text page: the same
 *                 for a breakpoint away from the running code.
 *   watch_word    an 8-byte word alone on its own 4 KiB page, which the
 *                 guest never touches: a write watchpoint on it costs
 *                 only what keeping a watchpoint costs.
 *   bench_poweroff the passing poweroff store (for counting instructions).
 */
#include "virt.h"

/*
 * Retired instructions, for bench/run.sh's MIPS figure:
 * `bench/debug_points.py --count --elf build/bench/guests/compute.elf`
 * (QEMU -icount shift=0,sleep=off, minstret at the poweroff store, plus
 * the store): 868290 a round plus 25.
 */
# insns: 10419480025

	.section .text.init
	.globl _start
_start:
	csrr a0, mhartid
	bnez a0, park
	la sp, stack_end
	call bench_kernel
	li t0, SIFIVE_TEST
	bnez a0, bench_failed
	li t1, 0x5555
	.globl bench_poweroff
bench_poweroff:
	sw t1, 0(t0)
	j park
	.globl bench_failed
bench_failed:
	EXIT_FAIL(a0)
park:
	wfi
	j park

#include "compute.inc"

	/* Never called; a text page of its own, away from the kernel's. */
	.section .text.cold, "ax"
	.balign 4096
	.globl bench_cold
bench_cold:
	li a0, 4
	j bench_failed
	.balign 4096

	/* A page of its own, so a watchpoint's slow path covers nothing else. */
	.data
	.balign 4096
	.globl watch_word
watch_word:
	.dword 0
	.balign 4096

	.bss
	.balign 16
stack:	.skip 4096
stack_end:
