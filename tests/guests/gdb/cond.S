/*
 * cond.S - a guest for target-side breakpoint conditions
 * (tests/integration/gdb_cond.py, bench/gdb_cond.py).  M-mode from
 * reset, -bios none, 3 harts, every one a worker:
 *
 *   for i = 1 .. cond_iters:  iters[hart] = i; cond_fn(a0 = hart, a1 = i)
 *
 * cond_fn counts every call in cond_calls (atomically).  When a worker is
 * done it counts itself in cond_done; hart 0 powers the machine off with
 * status 0 once all have.  A debugger sets cond_iters (data, default
 * 20000; read on every iteration), so the same ELF makes a short run
 * for QEMU and a long one for rhyve.
 *
 * smp: 3
 * Runs unchanged on qemu-system-riscv64 -M virt -bios none.
 */
#include "../virt.h"

#define NHARTS		3
#define STACK_SIZE	4096

	.section .text.init, "ax"
	.globl _start
_start:
	csrr a0, mhartid
	la sp, stacks_end
	slli t0, a0, 12
	sub sp, sp, t0
	csrw mie, zero
	li t0, NHARTS
	bgeu a0, t0, parked

	mv s1, a0			/* s1 = hart */
	la s0, iters
	slli t0, a0, 3
	add s0, s0, t0			/* s0 = &iters[hart] */
	la s2, cond_iters
	li s3, 0			/* s3 = i */
	.globl cond_loop
cond_loop:
	ld t0, 0(s2)			/* re-read: a debugger may shorten the run */
	bgeu s3, t0, done
	addi s3, s3, 1
	sd s3, 0(s0)
	mv a0, s1
	mv a1, s3
	call cond_fn
	j cond_loop

done:
	la t0, cond_done
	li t1, 1
	amoadd.d zero, t1, (t0)
	bnez s1, parked
	li t2, NHARTS
1:	ld t1, 0(t0)
	bltu t1, t2, 1b
	.globl cond_exit
cond_exit:
	EXIT_PASS

	.globl cond_fn
	.type cond_fn, @function
cond_fn:
	la t0, cond_calls
	li t1, 1
	amoadd.d zero, t1, (t0)
	ret
	.size cond_fn, .-cond_fn

	.globl parked
parked:
	csrw mie, zero
1:	wfi
	j 1b

	.data
	.balign 8
	.globl cond_iters, cond_calls, cond_done, iters
cond_iters:	.dword 20000
cond_calls:	.dword 0
cond_done:	.dword 0
iters:		.dword 0, 0, 0

	.bss
	.balign 16
stacks:
	.space STACK_SIZE * NHARTS
stacks_end:
