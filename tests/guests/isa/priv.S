/*
 * priv.S - machine/supervisor CSR behaviour: misa, mstatus WARL fields
 * (MPP, FS, SD, UXL/SXL), sstatus as a restricted view of mstatus,
 * mie/sie and mip/sip (SSIP software-writable, sie/sip masked by
 * mideleg), the TW/TSR/TVM traps, and mcounteren /
 * scounteren gating cycle/time/instret from S and U.
 * Spec: RISC-V Privileged Architecture 1.12, 3.1.1, 3.1.6, 3.1.9-3.1.12,
 * 3.1.14, 4.1.1, 4.1.3.
 */
#include "test.h"

	TEST_BEGIN
	/* misa: MXL = 64, and at least I M A F D C S U */
	csrr a0, misa
	srli a1, a0, 62
	CHECK(1, a1, 2)
	li t0, (1 << 0) | (1 << 2) | (1 << 3) | (1 << 5) | (1 << 8) | (1 << 12) | (1 << 18) | (1 << 20)
	and a1, a0, t0
	CHECK_EQ(2, a1, t0)
	/* mstatus: UXL = SXL = 64 */
	csrr a0, mstatus
	srli a0, a0, 32
	andi a0, a0, 0xf
	CHECK(3, a0, 0xa)
	/* MPP takes M, S and U */
	li t0, MSTATUS_MPP
	csrc mstatus, t0
	csrr a0, mstatus
	and a0, a0, t0
	CHECK(4, a0, 0)
	li t1, 1 << 11
	csrs mstatus, t1
	csrr a0, mstatus
	and a0, a0, t0
	CHECK(5, a0, 1 << 11)
	csrs mstatus, t0
	csrr a0, mstatus
	and a0, a0, t0
	CHECK(6, a0, 3 << 11)
	/* FS: Off makes FP instructions illegal */
	li t0, MSTATUS_FS
	csrc mstatus, t0
	TRAP_BEGIN(7)
	fmv.d.x fa0, zero
	TRAP_END(CAUSE_ILLEGAL)
	TRAP_BEGIN(8)
	csrr a0, fcsr
	TRAP_END(CAUSE_ILLEGAL)
	/* FS Initial -> Dirty on an FP register write, and SD follows */
	li t0, 1 << 13
	csrs mstatus, t0
	csrr a0, mstatus
	srli a1, a0, 63
	CHECK(9, a1, 0)
	fmv.d.x fa0, zero
	csrr a0, mstatus
	srli a1, a0, 13
	andi a1, a1, 3
	CHECK(10, a1, 3)
	srli a1, a0, 63
	CHECK(11, a1, 1)
	csrr a0, sstatus
	srli a1, a0, 63
	CHECK(12, a1, 1)
	/* Clean (2): a write to fcsr also dirties */
	li t0, MSTATUS_FS
	csrc mstatus, t0
	li t0, 2 << 13
	csrs mstatus, t0
	csrr a0, mstatus
	srli a1, a0, 63
	CHECK(13, a1, 0)
	csrwi fflags, 1
	csrr a0, mstatus
	srli a1, a0, 13
	andi a1, a1, 3
	CHECK(14, a1, 3)

	/* sstatus is a view: SIE/SPIE/SPP/FS/SUM/MXR only */
	li t0, MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP | MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP
	csrc mstatus, t0
	li t0, MSTATUS_MPIE | MSTATUS_MPP
	csrs mstatus, t0
	csrr a0, sstatus
	li t0, MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP | MSTATUS_MPRV
	and a1, a0, t0
	CHECK(15, a1, 0)
	li t0, MSTATUS_SPIE | MSTATUS_SPP | MSTATUS_SUM | MSTATUS_MXR
	csrs sstatus, t0
	csrr a0, mstatus
	and a1, a0, t0
	CHECK_EQ(16, a1, t0)
	csrc sstatus, t0
	csrr a0, mstatus
	and a1, a0, t0
	CHECK(17, a1, 0)
	/* writing sstatus cannot touch M fields */
	li t0, MSTATUS_MPIE | MSTATUS_MPP | MSTATUS_MPRV
	csrs sstatus, t0
	csrc sstatus, t0
	csrr a0, mstatus
	li t0, MSTATUS_MPIE | MSTATUS_MPP | MSTATUS_MPRV
	and a1, a0, t0
	CHECK(18, a1, MSTATUS_MPIE | MSTATUS_MPP)

	/* mie: the six standard bits are writable */
	li t0, 0xaaa
	csrw mie, t0
	csrr a0, mie
	and a0, a0, t0
	CHECK(19, a0, 0xaaa)
	csrw mie, zero
	csrr a0, mie
	CHECK(20, a0, 0)
	/* sie shows and writes only what mideleg delegates */
	csrw mideleg, zero
	li t0, 0x222
	csrw mie, t0
	csrr a0, sie
	CHECK(21, a0, 0)
	csrw mideleg, t0
	csrr a0, mideleg
	and a0, a0, t0
	CHECK(22, a0, 0x222)
	csrr a0, sie
	CHECK(23, a0, 0x222)
	csrc sie, 2
	csrr a0, mie
	CHECK(24, a0, 0x220)
	li t0, 0x888
	csrs sie, t0		/* M bits cannot be set through sie */
	csrr a0, mie
	CHECK(25, a0, 0x220)
	csrw mie, zero
	/* mip.SSIP is software-writable; sip shows it when delegated */
	csrsi mip, 2
	csrr a0, mip
	andi a0, a0, 2
	CHECK(26, a0, 2)
	csrr a0, sip
	andi a0, a0, 2
	CHECK(27, a0, 2)
	csrci sip, 2
	csrr a0, mip
	andi a0, a0, 2
	CHECK(28, a0, 0)
	csrsi sip, 2
	csrr a0, mip
	andi a0, a0, 2
	CHECK(29, a0, 2)
	csrci mip, 2
	/* not delegated: sip.SSIP reads 0 */
	csrw mideleg, zero
	csrsi mip, 2
	csrr a0, sip
	andi a0, a0, 2
	CHECK(30, a0, 0)
	csrci mip, 2
	/* MSIP/MTIP are read-only in mip (MTIP follows mtimecmp, which is
	   0 from reset, so it may well be set) */
	csrsi mip, 8
	csrr a0, mip
	andi a0, a0, 8
	CHECK(31, a0, 0)
	csrr a1, mip
	li t0, 0x80
	csrc mip, t0
	csrr a0, mip
	and a0, a0, t0
	and a1, a1, t0
	CHECK_EQ(39, a0, a1)

	/*
	 * (mepc/sepc bit 0 always reads 0 by the spec, but QEMU 7.2 keeps
	 * it: not checked.)
	 */
	/* mtvec vectored mode reads back */
	la t0, trap_m
	ori t1, t0, 1
	csrw mtvec, t1
	csrr a0, mtvec
	CHECK_EQ(34, a0, t1)
	csrw mtvec, t0

	/* TW: wfi in S traps; TSR: sret in S traps; TVM: satp/sfence.vma */
	li t0, 1 << 21
	csrs mstatus, t0
	GOTO_MODE(1, 2f)
2:	TRAP_BEGIN(35)
	wfi
	TRAP_END(CAUSE_ILLEGAL)
	li t0, 1 << 21
	csrc mstatus, t0
	li t0, 1 << 22
	csrs mstatus, t0
	GOTO_MODE(1, 2f)
2:	TRAP_BEGIN(36)
	sret
	TRAP_END(CAUSE_ILLEGAL)
	li t0, 1 << 22
	csrc mstatus, t0
	li t0, 1 << 20
	csrs mstatus, t0
	GOTO_MODE(1, 2f)
2:	TRAP_BEGIN(37)
	csrr a0, satp
	TRAP_END(CAUSE_ILLEGAL)
	GOTO_MODE(1, 2f)
2:	TRAP_BEGIN(38)
	sfence.vma
	TRAP_END(CAUSE_ILLEGAL)
	li t0, 1 << 20
	csrc mstatus, t0
	GOTO_MODE(1, 2f)
2:	csrr a0, satp		/* legal again */
	sfence.vma
	BACK_TO_M(2f)
2:
	/* counteren gating: S needs mcounteren, U needs both */
	csrw mcounteren, zero
	csrw scounteren, zero
	GOTO_MODE(1, 2f)
2:	TRAP_BEGIN(40)
	rdcycle a0
	TRAP_END(CAUSE_ILLEGAL)
	GOTO_MODE(1, 2f)
2:	TRAP_BEGIN(41)
	rdtime a0
	TRAP_END(CAUSE_ILLEGAL)
	GOTO_MODE(1, 2f)
2:	TRAP_BEGIN(42)
	rdinstret a0
	TRAP_END(CAUSE_ILLEGAL)
	/* only TM enabled */
	csrwi mcounteren, 2
	GOTO_MODE(1, 2f)
2:	rdtime a0
	TRAP_BEGIN(43)
	rdcycle a0
	TRAP_END(CAUSE_ILLEGAL)
	csrwi mcounteren, 7
	GOTO_MODE(1, 2f)
2:	rdcycle a0
	rdtime a0
	rdinstret a0
	BACK_TO_M(2f)
2:	/* U: scounteren still 0 */
	GOTO_MODE(0, 2f)
2:	TRAP_BEGIN(44)
	rdtime a0
	TRAP_END(CAUSE_ILLEGAL)
	csrwi scounteren, 5
	GOTO_MODE(0, 2f)
2:	rdcycle a0
	rdinstret a0
	TRAP_BEGIN(45)
	rdtime a0
	TRAP_END(CAUSE_ILLEGAL)
	/* scounteren set but mcounteren clear: still illegal in U */
	csrwi scounteren, 7
	csrwi mcounteren, 3
	GOTO_MODE(0, 2f)
2:	rdcycle a0
	rdtime a0
	TRAP_BEGIN(46)
	rdinstret a0
	TRAP_END(CAUSE_ILLEGAL)
	/* M-level CSRs are not reachable from S or U at all */
	GOTO_MODE(1, 2f)
2:	TRAP_BEGIN(47)
	csrr a0, mcycle
	TRAP_END(CAUSE_ILLEGAL)
	GOTO_MODE(0, 2f)
2:	TRAP_BEGIN(48)
	csrr a0, sscratch
	TRAP_END(CAUSE_ILLEGAL)

	TEST_OK
	TEST_END
