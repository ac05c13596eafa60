/*
 * compute.S - benchmark (not a test): the integer kernel of compute.inc
 * in M-mode, physical addresses, on hart 0 (others park).  Exits through
 * sifive_test: 0x5555 if the kernel's self-checks held, else a failure
 * code.  Prints nothing.  Spec for the exit device: QEMU virt sifive_test.
 */
#include "virt.h"

/* Retired instructions (QEMU -icount), for bench/run.sh's MIPS figure: */
# insns: 10948221627

	.section .text.init
	.globl _start
_start:
	csrr a0, mhartid
	bnez a0, park
	la sp, stack_end
	call bench_kernel
	li t0, SIFIVE_TEST
	bnez a0, 1f
	li t1, 0x5555
	sw t1, 0(t0)
	j park
1:	slli t1, a0, 16
	li t2, 0x3333
	or t1, t1, t2
	sw t1, 0(t0)
park:
	wfi
	j park

#include "compute.inc"

	.bss
	.balign 16
stack:	.skip 4096
stack_end:
