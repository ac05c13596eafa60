/*
 * hart.h - internal state of one software RV64GC hart (the engine behind
 * rv64_hart_ops, vmm/vmm_hart.h).  Only vmm/hart/ includes this.
 *
 * Specs: The RISC-V Instruction Set Manual, Volume I (unprivileged,
 * 20191213) and Volume II (privileged 1.12).
 *
 * Threading: everything here belongs to the thread inside run(), or to a
 * thread that holds the vCPU FROZEN (see vmm/vm.c); only the hart_env
 * atomics are shared.
 *
 * Kick bound: run() looks at *env->kick (and takes pending interrupts)
 * once HART_KICK_BUDGET instructions have retired (or traps were entered)
 * since the last check.  The reference loop (hart.c) checks exactly
 * then; the decoded-cache loop (hart_fast.c) checks at the next taken
 * control transfer, page change or non-inlined instruction, and
 * straight-line code within one page is at most 2048 instructions, so at
 * most HART_KICK_BUDGET + 2048 guest instructions execute between a kick
 * and run() returning HART_KICK (or another exit).  That loop evaluates
 * timer interrupts (which need a clock read) at every HART_TIMER_CHECKS-th
 * check only; everything else that makes an interrupt takeable either
 * kicks or is an instruction after which interrupts are looked at at once.
 */
#ifndef RHYVE_HART_H
#define RHYVE_HART_H

#include <stdbool.h>
#include <stdint.h>

#include "../vmm_hart.h"
#include "fpu.h"
#include "hart_dcache.h"

#define HART_KICK_BUDGET	256
/* The decoded-cache loop reads the clock for timers every this many checks. */
#define HART_TIMER_CHECKS	4
/* Run through the decoded-instruction cache (hart_fast.c) when allowed. */
#define HART_USE_DCACHE		1
#define HART_TLB_SIZE		256	/* entries per access type, direct mapped */

/* Exception causes (mcause without the interrupt bit). */
enum {
	EXC_INSN_MISALIGNED = 0,
	EXC_INSN_ACCESS = 1,
	EXC_ILLEGAL = 2,
	EXC_BREAKPOINT = 3,
	EXC_LOAD_MISALIGNED = 4,
	EXC_LOAD_ACCESS = 5,
	EXC_STORE_MISALIGNED = 6,
	EXC_STORE_ACCESS = 7,
	EXC_ECALL_U = 8,
	EXC_ECALL_S = 9,
	EXC_ECALL_M = 11,
	EXC_INSN_PAGE = 12,
	EXC_LOAD_PAGE = 13,
	EXC_STORE_PAGE = 15,
};

/* Memory access kinds (also the TLB index). */
enum { ACC_FETCH = 0, ACC_LOAD = 1, ACC_STORE = 2 };

/*
 * Result of a memory access inside an instruction: 0 = done, > 0 =
 * exception cause + 1 (tval in hart->fault_tval), MEM_MMIO_EXIT = the
 * access must go to userland, MEM_WATCH = a watchpoint matched.
 */
#define MEM_OK		0
#define MEM_MMIO_EXIT	(-1)
#define MEM_WATCH	(-2)
#define MEM_EXC(cause)	((cause) + 1)

#define TLB_EMPTY	UINT64_MAX
#define TLB_PAGE(va)	((va) & ~UINT64_C(0xfff))
#define TLB_INDEX(va)	(((va) >> 12) % HART_TLB_SIZE)

struct tlb_entry {
	/*
	 * Virtual page address (low 12 bits zero); TLB_EMPTY never matches.
	 * An access of n bytes at va hits if tag == (va + n - 1) & ~0xfff in
	 * the entry indexed by va: one compare also rejects page crossers.
	 */
	uint64_t	tag;
	uintptr_t	addend;	/* host address = guest virtual + addend */
};

/* Why the last run() stopped with an exit still to be completed. */
enum pending_kind { PEND_NONE = 0, PEND_MMIO_LOAD, PEND_MMIO_STORE, PEND_ECALL };

struct jit;

struct hart {
	/*
	 * Architectural state: everything before 'env' is what
	 * hart_ops.state_save() saves, so keep it there.
	 */
	uint64_t	x[33];		/* x[32]: sink for decoded writes to x0 */
	uint64_t	pc;
	int		priv;		/* PRV_U, PRV_S, PRV_M */
	struct fpu_state fp;

	uint64_t	mstatus;
	uint64_t	medeleg, mideleg;
	uint64_t	mie;
	uint64_t	mip;		/* software-writable bits: SSIP, STIP, SEIP */
	uint64_t	mtvec, mscratch, mepc, mcause, mtval;
	uint64_t	stvec, sscratch, sepc, scause, stval;
	uint64_t	satp;
	uint64_t	mcounteren, scounteren, mcountinhibit;
	uint64_t	menvcfg, senvcfg;
	uint64_t	stimecmp;
	uint64_t	pmpcfg[16];
	uint64_t	pmpaddr[64];
	uint64_t	instret;	/* instructions retired, never written */
	/*
	 * mcycle and minstret: base + instret while counting, base itself
	 * while inhibited (mcountinhibit.CY / .IR).  mcycle counts
	 * retired instructions too (one cycle per instruction).
	 */
	uint64_t	mcycle_base, minstret_base;

	/* LR/SC reservation (guest-physical address and loaded value). */
	bool		res_valid;
	uint64_t	res_addr;
	uint64_t	res_val;

	/* Environment (vmm) and translation caches. */
	struct hart_env	env;
	/*
	 * Software TLBs, one set per privilege level (U, S, M), each valid
	 * for the translation context it was filled under (tlb_ctx: the
	 * fetch and data privileges, SUM, MXR), so that trap entry and
	 * return switch sets instead of flushing.  tlb points at the set of
	 * the current privilege: tlb[ACC_*][index].
	 */
	struct tlb_entry tlbs[3][3][HART_TLB_SIZE];
	uint64_t	tlb_ctx[3];
	struct tlb_entry (*tlb)[HART_TLB_SIZE];
	struct dcache	dc;		/* decoded instructions (hart_dcache.h) */
	struct jit	*jit;		/* the translator (vmm/jit/jit.h), or NULL */
	uint64_t	fault_tval;	/* tval of the last memory fault */
	uint32_t	insn_raw;	/* bits of the instruction in hart_exec() */

	/* Completion of the exit returned by the last run(). */
	enum pending_kind pend;
	int		pend_rd;
	int		pend_size;
	bool		pend_signed;
	int		pend_len;	/* instruction length */
	uint64_t	pend_va;	/* virtual address of the MMIO access */

	/*
	 * Debug points (copied from the vmm in debug_changed; bps sorted, so
	 * that a pc or a page finds its breakpoints by binary search, even
	 * with thousands set).  bp_pages has
	 * bit (va >> 12) % 64 set for the page of every breakpoint: the fast
	 * loop marks a decoded page's breakpoint slots when it enters the
	 * page through such a virtual page (hart_dcache.h).
	 */
	int		nbps;
	uint64_t	*bps;
	uint64_t	bp_pages;
	int		nwps;
	struct vmm_watchpoint *wps;
	uint64_t	checked_instret;	/* hart_ops.checked_instret */
	const struct hart_run_ctl *ctl;	/* during run() */
	/*
	 * During run(): the fast loops return HART_KICK once instret has
	 * reached this (UINT64_MAX: never); rv64_run() sets it short of an
	 * instruction-count stop and steps the rest exactly.
	 */
	uint64_t	run_cap;
	bool		watch_skip;	/* skip watch checks for this instruction */
	struct vm_exit	*vme;		/* during run() */
};

/* hart_fast.c: the decoded-cache run loop (everything but single-step). */
int	hart_run_fast(struct hart *h, const struct hart_run_ctl *ctl);

/* hart.c: exits and breakpoints shared by both run loops. */
bool	hart_bp_hit(const struct hart *h, uint64_t pc);
/* Index of the first breakpoint >= va in h->bps (h->nbps if none). */
int	hart_bp_lower_bound(const struct hart *h, uint64_t va);
/* Stop at pc (not executed) with a vmm breakpoint exit; returns HART_EXIT. */
int	hart_bp_exit(struct hart *h, uint64_t pc);
/* After a retired WFI: the WFI exit if ctl asks for it, else HART_WFI. */
int	hart_wfi_exit(struct hart *h, const struct hart_run_ctl *ctl);

/* The fast loops' kick limit: budget instructions on, but not past run_cap. */
static inline uint64_t
hart_limit(const struct hart *h, uint64_t ic, uint64_t budget)
{
	return ic + budget < h->run_cap ? ic + budget : h->run_cap;
}

/* Whether the virtual page of 'va' may hold a breakpoint (bp_pages). */
static inline bool
hart_bp_page(const struct hart *h, uint64_t va)
{
	return (h->bp_pages >> ((va >> 12) & 63)) & 1;
}

/* hart_mmu.c */
void	hart_tlb_flush(struct hart *h);		/* every set (satp, sfence.vma) */
void	hart_tlb_sync(struct hart *h);		/* after priv/mstatus changes */
int	hart_translate(struct hart *h, uint64_t va, int acc, uint64_t *pa,
	    bool side_effects);
int	hart_load(struct hart *h, uint64_t va, int size, uint64_t *val);
int	hart_store(struct hart *h, uint64_t va, int size, uint64_t val);
int	hart_fetch(struct hart *h, uint64_t va, uint32_t *insn);
int	hart_amo_ptr(struct hart *h, uint64_t va, int size, void **host,
	    uint64_t *pa);
void	*hart_ram_ptr(struct hart *h, uint64_t pa, uint64_t len);

/* hart_csr.c */
int	hart_csr_read(struct hart *h, int csr, uint64_t *val, bool debugger);
int	hart_csr_write(struct hart *h, int csr, uint64_t val, bool debugger);
/* The value a CSRRS/CSRRC of csr modifies, given what the read returned. */
uint64_t hart_csr_rmw_base(const struct hart *h, int csr, uint64_t read);
uint64_t hart_mstatus_read(struct hart *h);
void	hart_trap(struct hart *h, uint64_t cause, uint64_t tval, bool intr);
uint64_t hart_pending_irqs(struct hart *h, uint64_t mtime);
bool	hart_take_interrupt(struct hart *h);
void	hart_mret(struct hart *h);
void	hart_sret(struct hart *h);
void	hart_reset(struct hart *h, uint64_t pc);

/* Effective privilege for data accesses (MPRV). */
static inline int
hart_data_priv(const struct hart *h)
{
	if ((h->mstatus >> 17) & 1)
		return (int)((h->mstatus >> 11) & 3);
	return h->priv;
}

#define MSTATUS_SIE	(UINT64_C(1) << 1)
#define MSTATUS_MIE	(UINT64_C(1) << 3)
#define MSTATUS_SPIE	(UINT64_C(1) << 5)
#define MSTATUS_MPIE	(UINT64_C(1) << 7)
#define MSTATUS_SPP	(UINT64_C(1) << 8)
#define MSTATUS_MPP	(UINT64_C(3) << 11)
#define MSTATUS_FS	(UINT64_C(3) << 13)
#define MSTATUS_MPRV	(UINT64_C(1) << 17)
#define MSTATUS_SUM	(UINT64_C(1) << 18)
#define MSTATUS_MXR	(UINT64_C(1) << 19)
#define MSTATUS_TVM	(UINT64_C(1) << 20)
#define MSTATUS_TW	(UINT64_C(1) << 21)
#define MSTATUS_TSR	(UINT64_C(1) << 22)
#define MSTATUS_SD	(UINT64_C(1) << 63)
#define MENVCFG_STCE	(UINT64_C(1) << 63)

#endif
