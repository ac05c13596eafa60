/*
 * paging.S - virtual memory: Sv39 identity (gigapage) and non-identity
 * (4 KiB and 2 MiB) mappings, hardware A/D updates, page faults with
 * stval on missing and unpermitted pages for load/store/fetch, reserved
 * W-without-R, misaligned superpages, non-canonical addresses, the U bit
 * with and without SUM (S never executes U pages), MXR, MPRV from M,
 * sfence.vma after a PTE change, code patched through one virtual alias
 * and run through another, satp WARL, Sv48 and Sv57, misaligned accesses
 * that cross into an invalid page (stval = the faulting part, no partial
 * store).
 * Spec: RISC-V Privileged Architecture 1.12, 3.1.6.3, 4.1.11, 4.3-4.5.
 */
#include "test.h"

#define PTE_V	0x01
#define PTE_R	0x02
#define PTE_W	0x04
#define PTE_X	0x08
#define PTE_U	0x10
#define PTE_A	0x40
#define PTE_D	0x80
#define RWXAD	(PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D)

#define VA	0x40000000	/* the non-identity window (root[1]) */

/* table[idx] = PTE for physical address in register pa (clobbers t0-t2) */
#define SET_PTE(table, idx, pa, flags)					\
	srli t0, pa, 12;						\
	slli t0, t0, 10;						\
	ori t0, t0, flags;						\
	la t1, table;							\
	li t2, (idx) * 8;						\
	add t1, t1, t2;							\
	sd t0, 0(t1)
#define SET_PTE_SYM(table, idx, sym, flags)				\
	la a6, sym;							\
	SET_PTE(table, idx, a6, flags)
#define SET_PTE_ABS(table, idx, addr, flags)				\
	li a6, addr;							\
	SET_PTE(table, idx, a6, flags)
#define LD_PTE(r, table, idx)	la t1, table; ld r, (idx) * 8(t1)

#define IN_S		GOTO_MODE(1, 2f); 2:
#define TO_M		BACK_TO_M(2f); 2:

	TEST_BEGIN
	la t0, trap_s
	csrw stvec, t0
	li t0, (1 << CAUSE_FETCH_PAGE) | (1 << CAUSE_LOAD_PAGE) | (1 << CAUSE_STORE_PAGE) | (1 << CAUSE_ECALL_U)
	csrw medeleg, t0

	/* physical contents */
	la a1, data_page
	li a2, 0x1111
	sd a2, 0(a1)
	li a2, 0x3333
	sd a2, 8(a1)
	la a1, ad_page
	li a2, 0x2222
	sd a2, 0(a1)
	li a1, 0x80200000
	li a2, 0x4444
	sd a2, 0x238(a1)

	/* Sv39 tables */
	SET_PTE_ABS(root, 0, 0, RWXAD)			/* devices */
	SET_PTE_ABS(root, 2, 0x80000000, RWXAD)		/* RAM identity */
	SET_PTE_SYM(root, 1, l1, PTE_V)
	SET_PTE_SYM(l1, 0, l0, PTE_V)
	SET_PTE_ABS(l1, 1, 0x80200000, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)
	SET_PTE_ABS(l1, 2, 0x80201000, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)
	SET_PTE_SYM(l0, 0, data_page, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)
	SET_PTE_SYM(l0, 1, ad_page, PTE_V | PTE_R | PTE_W)
	/* l0[2] stays invalid */
	SET_PTE_SYM(l0, 3, data_page, PTE_V | PTE_R | PTE_A | PTE_D)
	SET_PTE_SYM(l0, 4, x_page, PTE_V | PTE_X | PTE_A)
	SET_PTE_SYM(l0, 5, data_page, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)
	SET_PTE_SYM(l0, 6, data_page, PTE_V | PTE_R | PTE_W | PTE_U | PTE_A | PTE_D)
	SET_PTE_SYM(l0, 7, x_page, PTE_V | PTE_R | PTE_X | PTE_U | PTE_A)
	SET_PTE_SYM(l0, 8, data_page, PTE_V | PTE_W | PTE_A | PTE_D)
	SET_PTE_SYM(l0, 9, x_page, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)
	SET_PTE_SYM(l0, 10, x_page, PTE_V | PTE_R | PTE_X | PTE_A)

	/* satp: an unsupported mode is ignored; Sv39 sticks */
	csrw satp, zero
	li t0, 5 << 60
	csrw satp, t0
	csrr a0, satp
	CHECK(1, a0, 0)
	la t0, root
	srli t0, t0, 12
	li t1, 8 << 60
	or s2, t0, t1		/* s2 = Sv39 satp */
	csrw satp, s2
	csrr a0, satp
	CHECK_EQ(2, a0, s2)
	sfence.vma

	IN_S
	/* identity: code keeps running, data reads back */
	la a1, data_page
	ld a0, 0(a1)
	CHECK(3, a0, 0x1111)
	/* 4 KiB non-identity */
	li a1, VA
	ld a0, 0(a1)
	CHECK(4, a0, 0x1111)
	ld a0, 8(a1)
	CHECK(5, a0, 0x3333)
	li a2, 0x5555
	sd a2, 16(a1)
	la a3, data_page
	ld a0, 16(a3)
	CHECK(6, a0, 0x5555)
	/* 2 MiB megapage */
	li a1, VA + 0x200000
	ld a0, 0x238(a1)
	CHECK(7, a0, 0x4444)
	/* misaligned megapage (PPN[0] != 0): page fault */
	li a1, VA + 0x400000
	TRAP_BEGIN(8)
	ld a0, 0(a1)
	TRAP_END(CAUSE_LOAD_PAGE)
	CHECK_EQ(9, s10, a1)
	/*
	 * misaligned accesses that cross from a valid page (VA + 0x1000)
	 * into the invalid one (VA + 0x2000): page fault on the part that
	 * faults, and a store writes neither part
	 */
	li a1, VA + 0x1ffc
	TRAP_BEGIN(58)
	ld a0, 0(a1)
	TRAP_END(CAUSE_LOAD_PAGE)
	li a2, VA + 0x2000
	CHECK_EQ(59, s10, a2)
	li a3, -1
	TRAP_BEGIN(60)
	sd a3, 0(a1)
	TRAP_END(CAUSE_STORE_PAGE)
	CHECK_EQ(61, s10, a2)
	lwu a0, 0(a1)
	CHECK(62, a0, 0)
	/* the store may have set A/D on the first page: clear them again */
	SET_PTE_SYM(l0, 1, ad_page, PTE_V | PTE_R | PTE_W)
	sfence.vma
	/* invalid PTE: load, store, fetch faults with stval = VA */
	li a1, VA + 0x2008
	TRAP_BEGIN(10)
	ld a0, 0(a1)
	TRAP_END(CAUSE_LOAD_PAGE)
	CHECK_EQ(11, s10, a1)
	TRAP_BEGIN(12)
	sd a0, 0(a1)
	TRAP_END(CAUSE_STORE_PAGE)
	CHECK_EQ(13, s10, a1)
	TRAP_BEGIN(14)
	jalr a1
	TRAP_END(CAUSE_FETCH_PAGE)
	CHECK_EQ(15, s10, a1)
	CHECK_EQ(16, s9, a1)
	/* read-only page: load ok, store faults */
	li a1, VA + 0x3000
	ld a0, 0(a1)
	CHECK(17, a0, 0x1111)
	TRAP_BEGIN(18)
	sw a0, 4(a1)
	TRAP_END(CAUSE_STORE_PAGE)
	addi a1, a1, 4
	CHECK_EQ(19, s10, a1)
	/* AMOs need write permission: store page fault */
	addi a1, a1, -4
	TRAP_BEGIN(20)
	amoadd.d a0, a0, (a1)
	TRAP_END(CAUSE_STORE_PAGE)
	/* execute-only page: fetch ok, load faults, MXR allows the load */
	li a1, VA + 0x4000
	jalr a1
	CHECK(21, a0, 0x77)
	TRAP_BEGIN(22)
	lw a0, 0(a1)
	TRAP_END(CAUSE_LOAD_PAGE)
	li t0, MSTATUS_MXR
	csrs sstatus, t0
	lw a0, 0(a1)
	la a2, x_page
	lw a2, 0(a2)
	CHECK_EQ(23, a0, a2)
	li t0, MSTATUS_MXR
	csrc sstatus, t0
	/* no-X page: fetch faults */
	li a1, VA + 0x5000
	TRAP_BEGIN(24)
	jalr a1
	TRAP_END(CAUSE_FETCH_PAGE)
	CHECK_EQ(25, s10, a1)
	/* U page from S: faults without SUM, works with SUM */
	li a1, VA + 0x6000
	TRAP_BEGIN(26)
	ld a0, 0(a1)
	TRAP_END(CAUSE_LOAD_PAGE)
	TRAP_BEGIN(27)
	sd a0, 0(a1)
	TRAP_END(CAUSE_STORE_PAGE)
	li t0, MSTATUS_SUM
	csrs sstatus, t0
	ld a0, 0(a1)
	CHECK(28, a0, 0x1111)
	/* S never executes a U page, SUM or not */
	li a1, VA + 0x7000
	TRAP_BEGIN(29)
	jalr a1
	TRAP_END(CAUSE_FETCH_PAGE)
	li t0, MSTATUS_SUM
	csrc sstatus, t0
	/* W without R is reserved: page fault for load and store */
	li a1, VA + 0x8000
	TRAP_BEGIN(30)
	ld a0, 0(a1)
	TRAP_END(CAUSE_LOAD_PAGE)
	TRAP_BEGIN(31)
	sd a0, 0(a1)
	TRAP_END(CAUSE_STORE_PAGE)
	/* non-canonical address (bit 39 set, bit 38 clear) */
	li a1, 0x0000008000000000
	TRAP_BEGIN(32)
	ld a0, 0(a1)
	TRAP_END(CAUSE_LOAD_PAGE)
	CHECK_EQ(33, s10, a1)

	/* A/D: a load sets A, a store sets D (hardware update) */
	li a1, VA + 0x1000
	ld a0, 0(a1)
	CHECK(34, a0, 0x2222)
	LD_PTE(a0, l0, 1)
	andi a0, a0, PTE_A | PTE_D
	CHECK(35, a0, PTE_A)
	li a2, 0x6666
	sd a2, 8(a1)
	LD_PTE(a0, l0, 1)
	andi a0, a0, PTE_A | PTE_D
	CHECK(36, a0, PTE_A | PTE_D)

	/* U-mode: U page ok, non-U page faults */
	li a1, VA + 0x6000
	li a0, 0
	la t0, 3f
	mv s11, t0
	li t0, MSTATUS_SPP
	csrc sstatus, t0
	li t0, VA + 0x7000 + 8	/* u_routine */
	csrw sepc, t0
	sret
3:	CHECK(37, s8, CAUSE_ECALL_U)
	CHECK(38, a0, 0x1111)
	li a1, VA
	la s11, 3f
	li t0, MSTATUS_SPP
	csrc sstatus, t0
	li t0, VA + 0x7000 + 8	/* u_routine */
	csrw sepc, t0
	sret
3:	CHECK(39, s8, CAUSE_LOAD_PAGE)
	CHECK(40, s10, VA)

	/* sfence.vma: remap VA + 0x2000 (was invalid) and see it */
	SET_PTE_SYM(l0, 2, ad_page, PTE_V | PTE_R | PTE_A)
	sfence.vma
	li a1, VA + 0x2000
	ld a0, 0(a1)
	CHECK(41, a0, 0x2222)
	/* and point it elsewhere: the new mapping after sfence.vma a1 */
	SET_PTE_SYM(l0, 2, data_page, PTE_V | PTE_R | PTE_A)
	sfence.vma a1
	ld a0, 0(a1)
	CHECK(42, a0, 0x1111)

	/*
	 * Code patched through one virtual alias (VA + 0x9000, RW) and run
	 * through another (VA + 0xa000, RX) and the identity mapping: caches
	 * of decoded code must follow the physical page.
	 */
	li a1, VA + 0xa000
	jalr a1
	CHECK(60, a0, 0x77)
	li a2, VA + 0x9000
	lwu a3, 0(a2)		/* the original instruction */
	li t0, 0x07800513	/* addi a0, zero, 0x78 */
	sw t0, 0(a2)
	fence.i
	jalr a1
	CHECK(61, a0, 0x78)
	call x_page
	CHECK(62, a0, 0x78)
	sw a3, 0(a2)
	fence.i
	jalr a1
	CHECK(63, a0, 0x77)
	TO_M

	/* MPRV: M-mode loads and stores translated as MPP = S */
	li t0, MSTATUS_MPP
	csrc mstatus, t0
	li t0, (1 << 11) | MSTATUS_MPRV
	csrs mstatus, t0
	li a1, VA
	ld a0, 8(a1)
	li t0, MSTATUS_MPRV
	csrc mstatus, t0
	CHECK(43, a0, 0x3333)
	/* MPRV with a faulting address traps to M (not delegated from M) */
	li t0, MSTATUS_MPRV
	csrs mstatus, t0
	li a1, VA + 0x4000	/* l0[4]: X only: load faults */
	TRAP_BEGIN(44)
	ld a0, 0(a1)
	TRAP_END(CAUSE_LOAD_PAGE)
	li t0, MSTATUS_MPRV
	csrc mstatus, t0
	csrr a0, mcause
	CHECK(45, a0, CAUSE_LOAD_PAGE)
	CHECK_EQ(46, s10, a1)
	/* M-mode itself is never translated */
	la a1, data_page
	ld a0, 0(a1)
	CHECK(47, a0, 0x1111)

	/* Sv48 */
	SET_PTE_SYM(r48, 0, l2a48, PTE_V)
	SET_PTE_SYM(r48, 1, l2b48, PTE_V)
	SET_PTE_ABS(l2a48, 0, 0, RWXAD)
	SET_PTE_ABS(l2a48, 2, 0x80000000, RWXAD)
	SET_PTE_ABS(l2b48, 0, 0x80000000, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)
	la t0, r48
	srli t0, t0, 12
	li t1, 9 << 60
	or s3, t0, t1
	csrw satp, s3
	csrr a0, satp
	CHECK_EQ(50, a0, s3)
	sfence.vma
	IN_S
	la a1, data_page
	li t0, 0x8000000000 - 0x80000000
	add a1, a1, t0		/* VA 2^39 + (data_page - RAM base) */
	ld a0, 0(a1)
	CHECK(51, a0, 0x1111)
	/* a VA that is canonical in Sv48 but unmapped */
	li a1, 0x0000010000000000
	TRAP_BEGIN(52)
	ld a0, 0(a1)
	TRAP_END(CAUSE_LOAD_PAGE)
	CHECK_EQ(53, s10, a1)
	TO_M

	/* Sv57: a new root whose entry 0 points at the Sv48 root */
	SET_PTE_SYM(r57, 0, r48, PTE_V)
	la t0, r57
	srli t0, t0, 12
	li t1, 10 << 60
	or s4, t0, t1
	csrw satp, s4
	csrr a0, satp
	CHECK_EQ(54, a0, s4)
	sfence.vma
	IN_S
	la a1, data_page
	li t0, 0x8000000000 - 0x80000000
	add a1, a1, t0
	ld a0, 0(a1)
	CHECK(55, a0, 0x1111)
	/* bit 48 set: canonical in Sv57, r57[1] invalid */
	li a1, 0x0001000000000000
	TRAP_BEGIN(56)
	ld a0, 0(a1)
	TRAP_END(CAUSE_LOAD_PAGE)
	CHECK_EQ(57, s10, a1)
	TO_M
	csrw satp, zero
	sfence.vma

	TEST_OK

	/* x_page: executable from S (via VA + 0x4000) and U (VA + 0x7000) */
	.balign 4096
x_page:
	li a0, 0x77
	ret
u_routine:			/* x_page + 8 */
	ld a0, 0(a1)
	ecall
	.balign 4096

	TEST_END

	.bss
	.balign 4096
root:	.skip 4096
l1:	.skip 4096
l0:	.skip 4096
r48:	.skip 4096
r57:	.skip 4096
l2a48:	.skip 4096
l2b48:	.skip 4096
data_page: .skip 4096
ad_page: .skip 4096
