/*
 * hart_csr.c - control and status registers, trap entry and return,
 * interrupt selection and reset of the RV64 hart.
 * Spec: privileged 1.12 chapters 2-3 (CSRs, machine level), 4.1
 * (supervisor CSRs), Sstc 1.0 (stimecmp), Zicntr.
 */
#include <errno.h>
#include <string.h>

#include "hart.h"

#define MISA_RV64GC	(UINT64_C(2) << 62 | (1 << 0) | (1 << 2) | (1 << 3) | \
			 (1 << 5) | (1 << 8) | (1 << 12) | (1 << 18) | (1 << 20))

/* Interrupt bits (mip/mie). */
#define IRQ_S_SOFT	1
#define IRQ_M_SOFT	3
#define IRQ_S_TIMER	5
#define IRQ_M_TIMER	7
#define IRQ_S_EXT	9
#define IRQ_M_EXT	11

#define MIE_MASK	(MIP_SSIP | MIP_MSIP | MIP_STIP | MIP_MTIP | MIP_SEIP | MIP_MEIP)
#define S_IRQS		(MIP_SSIP | MIP_STIP | MIP_SEIP)

#define MSTATUS_WMASK	(MSTATUS_SIE | MSTATUS_MIE | MSTATUS_SPIE | MSTATUS_MPIE | \
			 MSTATUS_SPP | MSTATUS_MPP | MSTATUS_FS | MSTATUS_MPRV | \
			 MSTATUS_SUM | MSTATUS_MXR | MSTATUS_TVM | MSTATUS_TW | \
			 MSTATUS_TSR)
#define SSTATUS_MASK	(MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP | MSTATUS_FS | \
			 MSTATUS_SUM | MSTATUS_MXR | (UINT64_C(3) << 32) | MSTATUS_SD)
#define MSTATUS_XL	(UINT64_C(2) << 32 | UINT64_C(2) << 34)	/* UXL = SXL = 64 */

void
hart_reset(struct hart *h, uint64_t pc)
{
	struct hart_env env = h->env;
	uint64_t *bps = h->bps;
	struct vmm_watchpoint *wps = h->wps;
	struct dcache dc = h->dc;
	struct jit *jit = h->jit;
	int nbps = h->nbps, nwps = h->nwps;
	uint64_t bp_pages = h->bp_pages;

	memset(h, 0, sizeof(*h));
	h->env = env;
	h->dc = dc;
	h->jit = jit;
	if (h->dc.pages != NULL)
		dcache_flush(h);

	h->bps = bps;
	h->wps = wps;
	h->nbps = nbps;
	h->bp_pages = bp_pages;
	h->nwps = nwps;
	h->priv = PRV_M;
	h->pc = pc;
	h->run_cap = UINT64_MAX;
	h->mstatus = MSTATUS_XL;
	h->x[10] = (uint64_t)env.hartid;
	hart_tlb_flush(h);	/* an all-zero TLB would map page 0 */
	hart_tlb_sync(h);
}

uint64_t
hart_mstatus_read(struct hart *h)
{
	uint64_t s = h->mstatus | MSTATUS_XL;

	if ((s & MSTATUS_FS) == MSTATUS_FS)
		s |= MSTATUS_SD;
	return s;
}

/* mip as software sees it: its own bits, the lines and the timers. */
static uint64_t
hart_mip(struct hart *h, uint64_t mtime)
{
	uint64_t ext = atomic_load_explicit(h->env.mip_ext, memory_order_acquire);
	uint64_t mip = h->mip;

	if (ext & MIP_SSIP) {
		/* An SBI IPI request: take it into the software bit. */
		atomic_fetch_and(h->env.mip_ext, ~MIP_SSIP);
		h->mip |= MIP_SSIP;
		mip |= MIP_SSIP;
	}
	mip |= ext & (MIP_MSIP | MIP_MEIP | MIP_SEIP);
	if (mtime >= atomic_load_explicit(h->env.mtimecmp, memory_order_relaxed))
		mip |= MIP_MTIP;
	if (h->menvcfg & MENVCFG_STCE) {
		mip &= ~MIP_STIP;
		if (mtime >= h->stimecmp)
			mip |= MIP_STIP;
	}
	return mip;
}

/*
 * What CSRRS/CSRRC modify: the value a read returns, except that mip.SEIP
 * is the software-writable bit alone, without the PLIC's line ORed in
 * (priv 1.12, 3.1.9).  Modifying the read value instead latches the line
 * into the software bit: OpenSBI's csr_set(mip, SSIP) for an IPI, run
 * while a disk interrupt is pending, left SEIP set for good, and Linux
 * took supervisor external interrupts with nothing to claim (a hard
 * lockup of that hart).
 */
uint64_t
hart_csr_rmw_base(const struct hart *h, int csr, uint64_t read)
{
	if (csr == 0x344)
		return (read & ~MIP_SEIP) | (h->mip & MIP_SEIP);
	return read;
}

uint64_t
hart_pending_irqs(struct hart *h, uint64_t mtime)
{
	return hart_mip(h, mtime) & h->mie;
}

static const int irq_order[] = {
	IRQ_M_EXT, IRQ_M_SOFT, IRQ_M_TIMER, IRQ_S_EXT, IRQ_S_SOFT, IRQ_S_TIMER
};

/* Take the highest-priority enabled pending interrupt, if any. */
bool
hart_take_interrupt(struct hart *h)
{
	uint64_t m_ok = (h->priv < PRV_M || (h->mstatus & MSTATUS_MIE)) ?
	    ~h->mideleg : 0;
	uint64_t s_ok = (h->priv < PRV_S ||
	    (h->priv == PRV_S && (h->mstatus & MSTATUS_SIE))) ? h->mideleg : 0;
	uint64_t can = (m_ok | s_ok) & h->mie, pend, take;

	/*
	 * Read the clock only if a timer interrupt could be taken now: this
	 * runs at every kick check and after every CSR write, and a kernel
	 * writes sstatus to mask interrupts far more often than the timer
	 * fires (a clock read per csrc sstatus was 6 % of a Linux boot).
	 */
	if (can == 0)
		return false;
	pend = hart_pending_irqs(h, (can & (MIP_MTIP | MIP_STIP)) ?
	    vmm_mtime(h->env.vm) : 0);
	take = (pend & m_ok) ? pend & m_ok : pend & s_ok;
	if (take == 0)
		return false;
	for (size_t i = 0; i < sizeof(irq_order) / sizeof(irq_order[0]); i++) {
		if (take & (UINT64_C(1) << irq_order[i])) {
			hart_trap(h, (uint64_t)irq_order[i], 0, true);
			return true;
		}
	}
	return false;
}

void
hart_trap(struct hart *h, uint64_t cause, uint64_t tval, bool intr)
{
	uint64_t deleg = intr ? h->mideleg : h->medeleg;
	uint64_t vec;

	h->res_valid = false;
	if (h->priv <= PRV_S && cause < 64 && ((deleg >> cause) & 1)) {
		h->scause = cause | (intr ? UINT64_C(1) << 63 : 0);
		h->sepc = h->pc;
		h->stval = tval;
		h->mstatus &= ~(MSTATUS_SPP | MSTATUS_SPIE);
		if (h->priv == PRV_S)
			h->mstatus |= MSTATUS_SPP;
		if (h->mstatus & MSTATUS_SIE)
			h->mstatus |= MSTATUS_SPIE;
		h->mstatus &= ~MSTATUS_SIE;
		vec = h->stvec;
		h->priv = PRV_S;
	} else {
		h->mcause = cause | (intr ? UINT64_C(1) << 63 : 0);
		h->mepc = h->pc;
		h->mtval = tval;
		h->mstatus &= ~(MSTATUS_MPP | MSTATUS_MPIE);
		h->mstatus |= (uint64_t)h->priv << 11;
		if (h->mstatus & MSTATUS_MIE)
			h->mstatus |= MSTATUS_MPIE;
		h->mstatus &= ~MSTATUS_MIE;
		vec = h->mtvec;
		h->priv = PRV_M;
	}
	h->pc = (vec & ~UINT64_C(3)) + ((intr && (vec & 3) == 1) ? 4 * cause : 0);
	hart_tlb_sync(h);
}

void
hart_mret(struct hart *h)
{
	int mpp = (int)((h->mstatus >> 11) & 3);

	h->mstatus &= ~MSTATUS_MIE;
	if (h->mstatus & MSTATUS_MPIE)
		h->mstatus |= MSTATUS_MIE;
	h->mstatus |= MSTATUS_MPIE;
	h->mstatus &= ~MSTATUS_MPP;	/* MPP := U */
	if (mpp != PRV_M)
		h->mstatus &= ~MSTATUS_MPRV;
	h->priv = mpp;
	h->pc = h->mepc;
	h->res_valid = false;
	hart_tlb_sync(h);
}

void
hart_sret(struct hart *h)
{
	int spp = (h->mstatus & MSTATUS_SPP) ? PRV_S : PRV_U;

	h->mstatus &= ~MSTATUS_SIE;
	if (h->mstatus & MSTATUS_SPIE)
		h->mstatus |= MSTATUS_SIE;
	h->mstatus |= MSTATUS_SPIE;
	h->mstatus &= ~(MSTATUS_SPP | MSTATUS_MPRV);
	h->priv = spp;
	h->pc = h->sepc;
	h->res_valid = false;
	hart_tlb_sync(h);
}

/* mcycle (bit 0) or minstret (bit 2), honouring mcountinhibit. */
static uint64_t
counter_read(const struct hart *h, int bit)
{
	uint64_t base = bit == 0 ? h->mcycle_base : h->minstret_base;

	return ((h->mcountinhibit >> bit) & 1) ? base : base + h->instret;
}

/*
 * 'by_insn': a CSR instruction writes the counter, and the next
 * instruction must read the value written (the writer's own increment is
 * suppressed, privileged spec 3.1.10), so pre-subtract the retirement
 * about to be counted.
 */
static void
counter_write(struct hart *h, int bit, uint64_t val, bool by_insn)
{
	uint64_t *base = bit == 0 ? &h->mcycle_base : &h->minstret_base;

	if ((h->mcountinhibit >> bit) & 1)
		*base = val;
	else
		*base = val - h->instret - (by_insn ? 1 : 0);
}

/* Counter access from S/U (Zicntr): mcounteren, then scounteren for U. */
static bool
counter_ok(struct hart *h, int bit)
{
	if (h->priv == PRV_M)
		return true;
	if (!((h->mcounteren >> bit) & 1))
		return false;
	if (h->priv == PRV_U && !((h->scounteren >> bit) & 1))
		return false;
	return true;
}

static bool
fp_ok(struct hart *h, bool debugger)
{
	return debugger || (h->mstatus & MSTATUS_FS) != 0;
}

/*
 * Read a CSR.  Returns 0, EXC_ILLEGAL + 1 (MEM_EXC) for a guest access
 * that must trap, or ENOENT-style -ENOENT for the debugger when absent.
 * 'debugger' skips privilege checks and side effects.
 */
int
hart_csr_read(struct hart *h, int csr, uint64_t *val, bool debugger)
{
	uint64_t mtime;

	if (!debugger && ((csr >> 8) & 3) > h->priv)
		return MEM_EXC(EXC_ILLEGAL);
	switch (csr) {
	case 0x001: if (!fp_ok(h, debugger)) break; *val = h->fp.fflags; return 0;
	case 0x002: if (!fp_ok(h, debugger)) break; *val = h->fp.frm; return 0;
	case 0x003: if (!fp_ok(h, debugger)) break;
		*val = (uint64_t)(h->fp.frm << 5 | h->fp.fflags); return 0;
	case 0xc00: case 0xb00:		/* cycle, mcycle */
		if (csr == 0xc00 && !debugger && !counter_ok(h, 0)) break;
		*val = counter_read(h, 0); return 0;
	case 0xc01:			/* time */
		if (!debugger && !counter_ok(h, 1)) break;
		*val = vmm_mtime(h->env.vm); return 0;
	case 0xc02: case 0xb02:		/* instret, minstret */
		if (csr == 0xc02 && !debugger && !counter_ok(h, 2)) break;
		*val = counter_read(h, 2); return 0;
	case 0x100: *val = hart_mstatus_read(h) & SSTATUS_MASK; return 0;
	case 0x104: *val = h->mie & h->mideleg; return 0;
	case 0x105: *val = h->stvec; return 0;
	case 0x106: *val = h->scounteren; return 0;
	case 0x10a: *val = h->senvcfg; return 0;
	case 0x140: *val = h->sscratch; return 0;
	case 0x141: *val = h->sepc; return 0;
	case 0x142: *val = h->scause; return 0;
	case 0x143: *val = h->stval; return 0;
	case 0x144:
		mtime = vmm_mtime(h->env.vm);
		*val = hart_mip(h, mtime) & h->mideleg; return 0;
	case 0x14d:			/* stimecmp (Sstc) */
		if (!debugger && h->priv < PRV_M &&
		    (!(h->menvcfg & MENVCFG_STCE) || !((h->mcounteren >> 1) & 1)))
			break;
		*val = h->stimecmp; return 0;
	case 0x180:
		if (!debugger && h->priv == PRV_S && (h->mstatus & MSTATUS_TVM)) break;
		*val = h->satp; return 0;
	case 0xf11: case 0xf12: case 0xf13: case 0xf15: *val = 0; return 0;
	case 0xf14: *val = (uint64_t)h->env.hartid; return 0;
	/*
	 * Sdtrig with no triggers: tselect is hard-wired to 0, tdata1 reads
	 * type 0 ("no trigger") and tinfo says only type 0 exists, so
	 * firmware that probes the trigger module finds none.
	 */
	case 0x7a0: case 0x7a1: case 0x7a2: case 0x7a3: *val = 0; return 0;
	case 0x7a4: *val = 1; return 0;
	case 0x300: *val = hart_mstatus_read(h); return 0;
	case 0x301: *val = MISA_RV64GC; return 0;
	case 0x302: *val = h->medeleg; return 0;
	case 0x303: *val = h->mideleg; return 0;
	case 0x304: *val = h->mie; return 0;
	case 0x305: *val = h->mtvec; return 0;
	case 0x306: *val = h->mcounteren; return 0;
	case 0x30a: *val = h->menvcfg; return 0;
	case 0x320: *val = h->mcountinhibit; return 0;
	case 0x340: *val = h->mscratch; return 0;
	case 0x341: *val = h->mepc; return 0;
	case 0x342: *val = h->mcause; return 0;
	case 0x343: *val = h->mtval; return 0;
	case 0x344: *val = hart_mip(h, vmm_mtime(h->env.vm)); return 0;
	default:
		if (csr >= 0x3a0 && csr <= 0x3af) {		/* pmpcfg, even only */
			if (csr & 1) break;
			*val = h->pmpcfg[csr - 0x3a0]; return 0;
		}
		if (csr >= 0x3b0 && csr <= 0x3ef) {
			*val = h->pmpaddr[csr - 0x3b0]; return 0;
		}
		if ((csr >= 0xb03 && csr <= 0xb1f) || (csr >= 0x323 && csr <= 0x33f)) {
			*val = 0; return 0;			/* WARL zero */
		}
		if (csr >= 0xc03 && csr <= 0xc1f) {
			if (!debugger && !counter_ok(h, csr - 0xc00)) break;
			*val = 0; return 0;
		}
		break;
	}
	return debugger ? -ENOENT : MEM_EXC(EXC_ILLEGAL);
}

int
hart_csr_write(struct hart *h, int csr, uint64_t val, bool debugger)
{
	uint64_t m;

	if (!debugger && (((csr >> 10) & 3) == 3 || ((csr >> 8) & 3) > h->priv))
		return MEM_EXC(EXC_ILLEGAL);
	switch (csr) {
	case 0x001: if (!fp_ok(h, debugger)) break;
		h->fp.fflags = val & 0x1f; h->mstatus |= MSTATUS_FS; return 0;
	case 0x002: if (!fp_ok(h, debugger)) break;
		h->fp.frm = val & 7; h->mstatus |= MSTATUS_FS; return 0;
	case 0x003: if (!fp_ok(h, debugger)) break;
		h->fp.fflags = val & 0x1f; h->fp.frm = (val >> 5) & 7;
		h->mstatus |= MSTATUS_FS; return 0;
	case 0xb00: counter_write(h, 0, val, !debugger); return 0;
	case 0xb02: counter_write(h, 2, val, !debugger); return 0;
	case 0x100:
		m = SSTATUS_MASK & MSTATUS_WMASK;
		h->mstatus = (h->mstatus & ~m) | (val & m);
		hart_tlb_sync(h);
		return 0;
	case 0x104: h->mie = (h->mie & ~h->mideleg) | (val & h->mideleg & MIE_MASK); return 0;
	case 0x105: h->stvec = val & ~UINT64_C(2); return 0;
	case 0x106: h->scounteren = val & 0xffffffff; return 0;
	case 0x10a: h->senvcfg = val & 1; return 0;
	case 0x140: h->sscratch = val; return 0;
	case 0x141: h->sepc = val & ~UINT64_C(1); return 0;
	case 0x142: h->scause = val; return 0;
	case 0x143: h->stval = val; return 0;
	case 0x144:
		m = MIP_SSIP & h->mideleg;
		h->mip = (h->mip & ~m) | (val & m);
		return 0;
	case 0x14d:
		if (!debugger && h->priv < PRV_M &&
		    (!(h->menvcfg & MENVCFG_STCE) || !((h->mcounteren >> 1) & 1)))
			break;
		h->stimecmp = val; return 0;
	case 0x180: {
		uint64_t mode = val >> 60;

		if (!debugger && h->priv == PRV_S && (h->mstatus & MSTATUS_TVM))
			break;
		if (mode == 0 || mode == 8 || mode == 9 || mode == 10) {
			/* ASID is not implemented (ASIDLEN = 0): bits read 0. */
			h->satp = val & ~(UINT64_C(0xffff) << 44);
			hart_tlb_flush(h);
		}
		return 0;
	}
	case 0x300: {
		uint64_t mpp = val & MSTATUS_MPP;

		m = MSTATUS_WMASK;
		if (mpp == (UINT64_C(2) << 11))		/* reserved: keep the old MPP */
			val = (val & ~MSTATUS_MPP) | (h->mstatus & MSTATUS_MPP);
		h->mstatus = (h->mstatus & ~m) | (val & m);
		hart_tlb_sync(h);
		return 0;
	}
	case 0x301: return 0;			/* misa: read-only WARL */
	case 0x7a0: case 0x7a1: case 0x7a2: case 0x7a3: case 0x7a4:
		return 0;			/* no triggers (see the read side) */
	case 0x302: h->medeleg = val & 0xb3ff; return 0;
	case 0x303: h->mideleg = val & S_IRQS; return 0;
	case 0x304: h->mie = val & MIE_MASK; return 0;
	case 0x305: h->mtvec = val & ~UINT64_C(2); return 0;
	case 0x306: h->mcounteren = val & 0xffffffff; return 0;
	case 0x30a: h->menvcfg = val & (MENVCFG_STCE | 1); return 0;
	case 0x320: {
		/* Keep the counters' values across an inhibit change. */
		uint64_t cy = counter_read(h, 0), ir = counter_read(h, 2);

		h->mcountinhibit = val & 0xfffffffd;
		counter_write(h, 0, cy, false);
		counter_write(h, 2, ir, false);
		return 0;
	}
	case 0x340: h->mscratch = val; return 0;
	case 0x341: h->mepc = val & ~UINT64_C(1); return 0;
	case 0x342: h->mcause = val; return 0;
	case 0x343: h->mtval = val; return 0;
	case 0x344:
		m = MIP_SSIP | MIP_SEIP | ((h->menvcfg & MENVCFG_STCE) ? 0 : MIP_STIP);
		h->mip = (h->mip & ~m) | (val & m);
		return 0;
	default:
		if (csr >= 0x3a0 && csr <= 0x3af) {
			if (csr & 1) break;
			h->pmpcfg[csr - 0x3a0] = val; return 0;
		}
		if (csr >= 0x3b0 && csr <= 0x3ef) {
			h->pmpaddr[csr - 0x3b0] = val & ((UINT64_C(1) << 54) - 1); return 0;
		}
		if ((csr >= 0xb03 && csr <= 0xb1f) || (csr >= 0x323 && csr <= 0x33f))
			return 0;
		break;
	}
	return debugger ? -ENOENT : MEM_EXC(EXC_ILLEGAL);
}
