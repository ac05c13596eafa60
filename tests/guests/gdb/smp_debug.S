/*
 * smp_debug.S - an SMP guest made for debugging rhyve's GDB server
 * (tests/integration/gdb_*).  M-mode from reset, -bios none, 5 harts:
 *
 *   harts 0-2  "workers": forever increment counters[hart], call the
 *              shared function shared_fn (so one breakpoint is hit by
 *              several harts) and, hart 1 only, store its counter into
 *              watch_var (write watchpoints), hart 2 only, load it
 *              (read watchpoints).  Hart 0 powers the machine off with
 *              status 0 once poweroff_req is non-zero.
 *   hart 3     "sleeper": sleeps in WFI, woken by its own timer about
 *              every 5 ms (mie.MTIE set, mstatus.MIE clear: no trap),
 *              counting wake-ups in sleeper_wakeups.
 *   hart 4     "parked": WFI with nothing enabled, never wakes.
 *
 * smp: 5
 * Runs unchanged on qemu-system-riscv64 -M virt -bios none.
 */
#include "../virt.h"

#define NHARTS		5
#define STACK_SIZE	4096
#define TICK		50000		/* 5 ms of the 10 MHz mtime */

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
	li t0, 3
	beq a0, t0, sleeper
	li t0, 4
	beq a0, t0, parked

	.globl worker
worker:
	la s0, counters
	slli t0, a0, 3
	add s0, s0, t0			/* s0 = &counters[hart] */
	mv s1, a0			/* s1 = hart */
	.globl worker_loop
worker_loop:
	ld t0, 0(s0)
	addi t0, t0, 1
	sd t0, 0(s0)
	mv a0, s1
	call shared_fn
	li t0, 1
	bne s1, t0, 1f
	ld t0, 0(s0)
	la t1, watch_var
	.globl watch_store
watch_store:
	sd t0, 0(t1)
	.globl watch_store_done
watch_store_done:
	nop
1:	li t0, 2
	bne s1, t0, 2f
	la t1, watch_var
	.globl read_load
read_load:
	ld t2, 0(t1)
	.globl read_load_done
read_load_done:
	nop
2:	bnez s1, worker_loop
	la t0, poweroff_req
	ld t0, 0(t0)
	beqz t0, worker_loop
	EXIT_PASS

	.globl shared_fn
	.type shared_fn, @function
shared_fn:
	.cfi_startproc
	addi sp, sp, -16
	.cfi_def_cfa_offset 16
	sd ra, 8(sp)
	.cfi_offset ra, -8
	la t0, shared_calls
	li t1, 1
	amoadd.d zero, t1, (t0)
	la t0, last_caller
	sd a0, 0(t0)
	ld ra, 8(sp)
	.cfi_restore ra
	addi sp, sp, 16
	.cfi_def_cfa_offset 0
	ret
	.cfi_endproc
	.size shared_fn, .-shared_fn

	.globl sleeper
sleeper:
	li t0, 0x80			/* MTIE: wakes WFI, no trap (MIE=0) */
	csrw mie, t0
	li s2, CLINT_MTIMECMP
	slli t0, a0, 3
	add s2, s2, t0			/* this hart's mtimecmp */
	li s3, CLINT_MTIME
	la s4, sleeper_wakeups
1:	ld t0, 0(s3)
	li t1, TICK
	add t0, t0, t1
	sd t0, 0(s2)
	.globl sleeper_wfi
sleeper_wfi:
	wfi
	ld t0, 0(s4)
	addi t0, t0, 1
	sd t0, 0(s4)
	j 1b

	.globl parked
parked:
	csrw mie, zero
	.globl parked_wfi
parked_wfi:
	wfi
	j parked_wfi

	.data
	.balign 8
	.globl counters, shared_calls, last_caller, watch_var
	.globl sleeper_wakeups, poweroff_req
counters:	.dword 0, 0, 0, 0, 0
shared_calls:	.dword 0
last_caller:	.dword 0
watch_var:	.dword 0
sleeper_wakeups: .dword 0
poweroff_req:	.dword 0

	.bss
	.balign 16
stacks:
	.space STACK_SIZE * NHARTS
stacks_end:
