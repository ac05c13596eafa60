/*
 * sv39.S - a guest for debugging through Sv39 translation
 * (tests/integration/gdb_sv39.py).  M-mode from reset, -bios none.
 *
 * Hart 0 builds Sv39 tables, like a kernel would:
 *
 *   VA 0xffffffc000000000.. -> PA 0x80000000..   gigapage, the "kernel"
 *                                                alias the S code runs at
 *   VA 0x40000000           -> PA phys_data      4 KiB, RW, A/D set
 *   VA 0x40001000           -> PA ad_page        4 KiB, RW, A/D CLEAR: the
 *                                                guest never touches it, so
 *                                                only a debugger read could
 *                                                (wrongly) set A
 *   VA 0x40002000           -  invalid
 *   VA 0x40003000           -> PA ad_page        4 KiB, RW, U (a user page:
 *                                                S reads it only with SUM)
 *   everything else         -  invalid: no identity map of RAM (so a
 *                                                PA is no VA) and no devices
 *
 * Harts 0 and 1 then mret into S-mode at the high alias of s_loop, which
 * forever increments the hart's counter in the data page through its VA
 * and calls s_func (at its high VA).  Hart 0 also copies the "poke" slot
 * into "seen" (so the debugger sees its writes reach the guest) and, once
 * "poweroff" is non-zero, ecalls to M, which powers off with status 0.
 * Any other trap into M (a page fault the debugger caused, say) powers
 * off with failure code mcause + 1.  Harts 2 and up park in WFI.
 *
 * Data page layout (VA 0x40000000 = PA phys_data), 8-byte slots:
 *   0 magic  1 counter[0]  2 counter[1]  3 calls[0]  4 calls[1]
 *   5 poke   6 seen        7 poweroff    8 magic2
 *
 * smp: 2
 * Runs unchanged on qemu-system-riscv64 -M virt -bios none -smp 2.
 * Spec: RISC-V Privileged Architecture 1.12, 4.3-4.4 (Sv39).
 */
#include "../virt.h"

#define PTE_V	0x01
#define PTE_R	0x02
#define PTE_W	0x04
#define PTE_X	0x08
#define PTE_U	0x10
#define PTE_A	0x40
#define PTE_D	0x80

#define KVA_BASE	0xffffffc000000000	/* root[256] */
#define KVA_OFF		(KVA_BASE - 0x80000000)	/* VA = PA + KVA_OFF */
#define DATA_VA		0x40000000		/* root[1] -> l1[0] -> l0 */
#define SATP_SV39	(8 << 60)
#define MPP_S		0x800
#define MPP_MASK	0x1800
#define NSHARTS		2			/* harts that enter S */
#define CAUSE_ECALL_S	9

#define MAGIC		0x5a5a1234c0de0001
#define MAGIC2		0x0123456789abcdef
#define AD_MAGIC	0xad00ad00ad00ad00

/* pte register = leaf/pointer PTE for the physical address in register pa */
#define MK_PTE(pte, pa, flags)	\
	srli pte, pa, 12;	\
	slli pte, pte, 10;	\
	ori pte, pte, flags

	.section .text.init, "ax"
	.globl _start
_start:
	csrr a0, mhartid
	csrw mie, zero
	la t0, m_trap
	csrw mtvec, t0
	/* one PMP region over everything: QEMU lets S run only then */
	li t0, -1
	csrw pmpaddr0, t0
	li t0, 0x1f			/* NAPOT, RWX */
	csrw pmpcfg0, t0
	li t0, NSHARTS
	bgeu a0, t0, parked
	bnez a0, wait_tables

	/* hart 0: the tables (.data, so already zero and page aligned) */
	la a1, root
	li t0, 0x80000000
	MK_PTE(t1, t0, PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D)
	li t2, 256 * 8
	add t2, a1, t2
	sd t1, 0(t2)				/* the KVA alias */
	la t0, l1
	MK_PTE(t1, t0, PTE_V)
	sd t1, 1 * 8(a1)			/* VA 0x40000000.. */
	la a2, l1
	la t0, l0
	MK_PTE(t1, t0, PTE_V)
	sd t1, 0(a2)
	la a3, l0
	la t0, phys_data
	MK_PTE(t1, t0, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)
	sd t1, 0(a3)				/* VA 0x40000000 */
	la t0, ad_page
	MK_PTE(t1, t0, PTE_V | PTE_R | PTE_W)
	sd t1, 8(a3)				/* VA 0x40001000, A/D clear */
	MK_PTE(t1, t0, PTE_V | PTE_R | PTE_W | PTE_U | PTE_A | PTE_D)
	sd t1, 3 * 8(a3)			/* VA 0x40003000, a U page */
	fence
	la t0, tables_ready
	li t1, 1
	sd t1, 0(t0)
	j enter_s

wait_tables:
	la t0, tables_ready
1:	ld t1, 0(t0)
	beqz t1, 1b
	fence

enter_s:
	la t0, root
	srli t0, t0, 12
	li t1, SATP_SV39
	or t0, t0, t1
	csrw satp, t0
	sfence.vma
	li t0, MPP_MASK
	csrc mstatus, t0
	li t0, MPP_S
	csrs mstatus, t0
	la t0, s_loop
	li t1, KVA_OFF
	add t0, t0, t1
	csrw mepc, t0
	mv s1, a0				/* s1 = hart */
	mret

/*
 * S-mode, running at the KVA alias: every PC-relative address (call) stays
 * in the alias; data goes through DATA_VA only.
 */
	.globl s_loop
s_loop:
	li s0, DATA_VA
	slli t0, s1, 3
	add s2, s0, t0				/* s2 = &slot[hart] */
	.globl s_loop_top
s_loop_top:
	ld t0, 8(s2)
	addi t0, t0, 1
	sd t0, 8(s2)				/* counter[hart]++ */
	mv a0, s1
	call s_func
	bnez s1, s_loop_top
	ld t0, 40(s0)
	sd t0, 48(s0)				/* seen = poke */
	ld t0, 56(s0)
	beqz t0, s_loop_top
	ecall					/* poweroff: M ends it */
	j s_loop_top

/* s_func(hart): calls[hart]++.  Fixed-size instructions for stepi. */
	.option push
	.option norvc
	.globl s_func
	.type s_func, @function
s_func:
	slli t1, a0, 3
	add t1, t1, s0
	ld t2, 24(t1)
	addi t2, t2, 1
	sd t2, 24(t1)
	ret
	.size s_func, .-s_func
	.option pop

/* M-mode traps: an S ecall is the poweroff request, anything else fails. */
	.balign 4
m_trap:
	csrr t2, mcause
	li t0, CAUSE_ECALL_S
	bne t2, t0, m_trap_fail
	EXIT_PASS
m_trap_fail:
	csrr t3, mtval
	csrr t4, mepc
	addi t2, t2, 1
	EXIT_FAIL(t2)

	.globl parked
parked:
	csrw mie, zero
	wfi
	j parked

	.data
	.balign 8
	.globl tables_ready
tables_ready:	.dword 0

	.balign 4096
	.globl root, l1, l0
root:	.zero 4096
l1:	.zero 4096
l0:	.zero 4096

	/*
	 * ad_page sits below phys_data, and a different page above it, so a
	 * debugger read across VA 0x40001000 is physically discontiguous.
	 */
	.globl ad_page
ad_page:
	.dword AD_MAGIC
	.balign 4096

	.globl phys_data
phys_data:
	.dword MAGIC		/* 0 */
	.dword 0, 0		/* counters */
	.dword 0, 0		/* s_func calls */
	.dword 0		/* poke */
	.dword 0		/* seen */
	.dword 0		/* poweroff */
	.dword MAGIC2		/* 64 */
	.balign 4096

	.globl above_data
above_data:
	.dword 0xfeedfacefeedface
	.balign 4096
