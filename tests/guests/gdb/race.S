/*
 * race.S - four harts racing on one shared word, for record/replay and
 * reverse execution (tests/integration/gdb_reverse.py,
 * tests/integration/gdb/reverse_gdb.py).  M-mode from reset, -bios none.
 *
 * Every hart loops forever: counters[hart]++, then record_write(hart),
 * a function that takes the next number from write_seq (amoadd), stores
 * (hart << 32 | seq) into writer_log[seq % LOG_N], the guest's own log of
 * who wrote what, then into shared_word with a plain store (at
 * shared_store); then a delay that depends on the hart and the number,
 * so that the harts' turns interleave unevenly.  Hart 0 powers off once
 * counters[0] reaches stop_at, if stop_at is not zero (benchmarks).
 * Harts beyond NHARTS park in WFI.
 *
 * smp: 4
 * Runs unchanged on qemu-system-riscv64 -M virt -bios none.
 */
#include "../virt.h"

#define NHARTS		4
#define STACK_SIZE	4096
#define LOG_N		1024

	.section .text.init, "ax"
	.globl _start
_start:
	csrr a0, mhartid
	la sp, stacks_end
	slli t0, a0, 12
	sub sp, sp, t0
	csrw mie, zero
	li t0, NHARTS
	bgeu a0, t0, park
	j race_worker

/*
 * The hart's loop, a function of its own for the debugger (sized and
 * with CFI, so that GDB knows the labels inside it belong to it: next
 * and reverse-next step over the call in it).
 */
	.globl race_worker
	.type race_worker, @function
race_worker:
	.cfi_startproc
	.cfi_undefined ra		/* the outermost frame */
	mv s1, a0			/* s1 = hart */
	la s0, counters
	slli t0, a0, 3
	add s0, s0, t0			/* s0 = &counters[hart] */

	.globl race_loop
race_loop:
	ld t0, 0(s0)
	addi t0, t0, 1
	sd t0, 0(s0)
	mv a0, s1
	.globl race_call
race_call:
	call record_write
	.globl race_after_call
race_after_call:
	mv s2, a0			/* the number it took */
	addi t1, s1, 1
	li t2, 5
	mul t1, t1, t2
	andi t2, s2, 15
	add t1, t1, t2			/* delay: 5 (hart + 1) + seq % 16 */
1:	addi t1, t1, -1
	bnez t1, 1b
	bnez s1, race_loop
	la t0, stop_at
	ld t0, 0(t0)
	beqz t0, race_loop
	ld t1, 0(s0)
	bltu t1, t0, race_loop
	EXIT_PASS
	.cfi_endproc
	.size race_worker, .-race_worker

/* record_write(a0 = hart): returns the number taken from write_seq. */
	.globl record_write
	.type record_write, @function
record_write:
	.cfi_startproc
	addi sp, sp, -16
	.cfi_def_cfa_offset 16
	sd ra, 8(sp)
	sd s0, 0(sp)
	.cfi_offset ra, -8
	.cfi_offset s0, -16
	la t0, write_seq
	li t1, 1
	amoadd.d s0, t1, (t0)		/* s0 = seq */
	slli t1, a0, 32
	or t1, t1, s0			/* t1 = hart << 32 | seq */
	la t0, writer_log
	andi t2, s0, LOG_N - 1
	slli t2, t2, 3
	add t0, t0, t2
	sd t1, 0(t0)			/* the log first: it names the writer */
	la t0, shared_word
	.globl shared_store
shared_store:
	sd t1, 0(t0)
	mv a0, s0
	ld s0, 0(sp)
	ld ra, 8(sp)
	.cfi_restore ra
	.cfi_restore s0
	addi sp, sp, 16
	.cfi_def_cfa_offset 0
	ret
	.cfi_endproc
	.size record_write, .-record_write

	.globl park
park:
	wfi
	j park

	.section .data
	.balign 4096			/* not on a code page: no code invalidation */
	.globl stop_at
stop_at:	.dword 0
	.globl write_seq
write_seq:	.dword 0
	.globl shared_word
shared_word:	.dword 0
	.globl counters
counters:	.dword 0, 0, 0, 0
	.globl writer_log
writer_log:	.zero 8 * LOG_N

	.section .bss
	.balign 16
stacks:		.zero STACK_SIZE * NHARTS
	.globl stacks_end
stacks_end:
