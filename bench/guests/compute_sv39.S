/*
 * compute_sv39.S - benchmark (not a test): the integer kernel of
 * compute.inc run in S-mode under Sv39 paging.  M-mode builds the
 * tables (devices: one identity gigapage; the first 2 MiB of RAM, where
 * the image lives: 4 KiB pages, so the software TLB sees many pages; the
 * rest of RAM: 2 MiB pages), MRETs to S, and S powers off through
 * sifive_test via its mapping.  Prints nothing.
 * Spec: RISC-V Privileged Architecture 1.12, 4.3-4.4 (Sv39).
 */
#include "virt.h"

/*
 * Retired instructions, for bench/run.sh's MIPS figure:
 * `bench/debug_points.py --count --elf build/bench/guests/compute_sv39.elf`
 * (QEMU -icount shift=0,sleep=off, minstret at the poweroff store, plus
 * the store): compute.S's kernel plus the page-table set-up.
 */
# insns: 10419484158

#define PTE_V	0x01
#define PTE_RW	0x06
#define PTE_X	0x08
#define PTE_AD	0xc0
#define LEAF	(PTE_V | PTE_RW | PTE_X | PTE_AD)

	.section .text.init
	.globl _start
_start:
	csrr a0, mhartid
	bnez a0, park
	la t0, m_trap
	csrw mtvec, t0
	/* PMP: let S reach everything */
	li t0, -1
	csrw pmpaddr0, t0
	li t0, 0x1f
	csrw pmpcfg0, t0

	/* root[0]: devices, identity gigapage */
	la a0, pt_root
	li t0, LEAF
	sd t0, 0(a0)
	/* root[2] -> l1 */
	la a1, pt_l1
	srli t0, a1, 12
	slli t0, t0, 10
	ori t0, t0, PTE_V
	sd t0, 16(a0)
	/* l1[0] -> l0 (4 KiB pages for 0x80000000..0x801fffff) */
	la a2, pt_l0
	srli t0, a2, 12
	slli t0, t0, 10
	ori t0, t0, PTE_V
	sd t0, 0(a1)
	li t1, 0x80000000 >> 12		/* ppn */
	li t2, 512
1:	slli t0, t1, 10
	ori t0, t0, LEAF
	sd t0, 0(a2)
	addi a2, a2, 8
	addi t1, t1, 1
	addi t2, t2, -1
	bnez t2, 1b
	/* l1[1..63]: 2 MiB pages up to 128 MiB */
	li t1, 0x80200000 >> 12
	li t2, 63
	addi a3, a1, 8
2:	slli t0, t1, 10
	ori t0, t0, LEAF
	sd t0, 0(a3)
	addi a3, a3, 8
	li t3, 512
	add t1, t1, t3
	addi t2, t2, -1
	bnez t2, 2b

	srli t0, a0, 12
	li t1, 8 << 60
	or t0, t0, t1
	csrw satp, t0
	sfence.vma
	/* mret to S at s_main */
	li t0, 0x1800
	csrc mstatus, t0
	li t0, 0x0800
	csrs mstatus, t0
	la t0, s_main
	csrw mepc, t0
	mret

s_main:
	la sp, stack_end
	call bench_kernel
	li t0, SIFIVE_TEST	/* through root[0] */
	bnez a0, s_failed
	li t1, 0x5555
	.globl bench_poweroff
bench_poweroff:			/* for bench/debug_points.py --count */
	sw t1, 0(t0)
	j s_main
s_failed:
	EXIT_FAIL(a0)

	/* any trap to M is a failure: code 0xee */
m_trap:
	li t0, SIFIVE_TEST
	li t1, (0xee << 16) | 0x3333
	sw t1, 0(t0)
park:
	wfi
	j park

#include "compute.inc"

	.bss
	.balign 4096
pt_root: .skip 4096
pt_l1:	.skip 4096
pt_l0:	.skip 4096
stack:	.skip 4096
stack_end:
