/*
 * hart.c - the RV64GC hart engine behind vmm's ops table (rv64_hart_ops,
 * vmm/vmm_hart.h): creation, the run loop with its kick checks, debug
 * hooks (breakpoints, single step), exit completion and the debugger's
 * register view.
 *
 * Two run loops: the decoded-instruction cache loop (hart_fast.c), which
 * runs everything including breakpoints (held in the decoded cache) and
 * watchpoints (watched pages bypass the TLB), and the reference loop
 * here (breakpoint check, fetch, execute one instruction) for the exact
 * single step and for the one instruction that passes a reported debug
 * point.  Both check *env->kick and pending interrupts as hart.h's kick
 * bound says.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "../jit/jit.h"
#include "hart.h"
#include "hart_exec.h"

static struct hart *
rv64_create(const struct hart_env *env)
{
	struct hart *h = calloc(1, sizeof(*h));

	if (h == NULL)
		return NULL;
	h->env = *env;
	if (dcache_init(h) != 0) {
		free(h);
		return NULL;
	}
	hart_reset(h, env->ram_base);
	return h;
}

/* The same hart with the JIT's run loop (vmm/jit/jit.h). */
static struct hart *
rv64_jit_create(const struct hart_env *env)
{
	struct hart *h = rv64_create(env);

	if (h == NULL)
		return NULL;
	h->jit = jit_create(h);
	if (h->jit == NULL) {
		dcache_destroy(h);
		free(h);
		return NULL;
	}
	return h;
}

static void
rv64_destroy(struct hart *h)
{
	dcache_destroy(h);
	jit_destroy(h->jit);
	free(h->bps);
	free(h->wps);
	free(h);
}

static void
rv64_reset(struct hart *h, uint64_t pc)
{
	hart_reset(h, pc);
}

static int
exit_mtrap(struct hart *h, struct vm_exit *vme)
{
	memset(vme, 0, sizeof(*vme));
	vme->exitcode = VM_EXITCODE_MTRAP;
	vme->pc = h->pc;
	return HART_EXIT;
}

int
hart_bp_lower_bound(const struct hart *h, uint64_t va)
{
	int lo = 0, hi = h->nbps;

	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;

		if (h->bps[mid] < va)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

bool
hart_bp_hit(const struct hart *h, uint64_t pc)
{
	int i = hart_bp_lower_bound(h, pc);

	return i < h->nbps && h->bps[i] == pc;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

int
hart_bp_exit(struct hart *h, uint64_t pc)
{
	struct vm_exit *vme = h->vme;

	h->pc = pc;
	memset(vme, 0, sizeof(*vme));
	vme->exitcode = VM_EXITCODE_BPT;
	vme->pc = pc;
	vme->u.bpt.guest = false;
	return HART_EXIT;
}

int
hart_wfi_exit(struct hart *h, const struct hart_run_ctl *ctl)
{
	if (ctl->wfi_exit) {
		struct vm_exit *vme = h->vme;

		memset(vme, 0, sizeof(*vme));
		vme->exitcode = VM_EXITCODE_WFI;
		vme->pc = h->pc;
		return HART_EXIT;
	}
	return HART_WFI;
}

/* run_reference() in 'one' mode: the first instruction is done, go on. */
#define REF_MORE	(-1)

/*
 * The reference loop: check breakpoints, fetch, execute, one instruction
 * at a time, with watchpoints checked on every access.  It serves the
 * exact single step (ctl->mtrap_exit) and the instruction a debug stop
 * was reported at (skip_bp / skip_watch: that instruction passes the
 * debug point once).  With 'one' it returns REF_MORE once that first
 * instruction has retired or trapped without an exit.
 */
static int
run_reference(struct hart *h, const struct hart_run_ctl *ctl, bool skip_bp,
    bool skip_watch, bool one)
{
	struct vm_exit *vme = h->vme;
	int budget = HART_KICK_BUDGET;
	bool first = true;

	for (;;) {
		uint32_t insn;
		int r;

		if (__builtin_expect(--budget <= 0, 0)) {
			budget = HART_KICK_BUDGET;
			if (atomic_load_explicit(h->env.kick, memory_order_relaxed))
				return HART_KICK;
			if (!ctl->mask_hwintr && h->mie != 0 && hart_take_interrupt(h))
				continue;
		}
		if (__builtin_expect(h->nbps != 0, 0) && !(first && skip_bp) &&
		    hart_bp_hit(h, h->pc))
			return hart_bp_exit(h, h->pc);
		h->watch_skip = first && skip_watch;
		first = false;

		r = hart_fetch(h, h->pc, &insn);
		if (__builtin_expect(r != MEM_OK, 0)) {
			hart_trap(h, (uint64_t)(r - 1), h->fault_tval, false);
		} else switch (hart_exec(h, insn)) {
		case X_OK:
			h->instret++;
			break;
		case X_JUMP:
			h->instret++;
			if (atomic_load_explicit(h->env.kick, memory_order_relaxed) &&
			    !ctl->mtrap_exit)
				return HART_KICK;
			break;
		case X_OK_IRQ:
			h->instret++;
			if (ctl->mtrap_exit)
				return exit_mtrap(h, vme);
			if (!ctl->mask_hwintr && h->mie != 0)
				hart_take_interrupt(h);
			break;
		case X_TRAP:
			break;
		case X_EXIT:
			return HART_EXIT;
		case X_WFI:
			h->instret++;
			if (ctl->mtrap_exit)
				return exit_mtrap(h, vme);
			return hart_wfi_exit(h, ctl);
		}
		if (ctl->mtrap_exit)
			return exit_mtrap(h, vme);
		if (one)
			return REF_MORE;
	}
}

static int
exit_insn_stop(struct hart *h, struct vm_exit *vme)
{
	memset(vme, 0, sizeof(*vme));
	vme->exitcode = VM_EXITCODE_INSN_STOP;
	vme->pc = h->pc;
	return HART_EXIT;
}

/*
 * The decoded-cache loop may pass its limit by a page of straight-line
 * code (hart.h); the JIT by less than JIT_STOP_GAP (jit.h).  They stop
 * this far short of an instruction-count stop, and the reference loop
 * steps the rest (which is most of what recording costs: record mode
 * stops every vCPU turn at an exact count).
 */
#define INSN_STOP_GAP	4096

/* run() with ctl->insn_stop set: the fast loop, then exact steps. */
static int
run_to_insn_stop(struct hart *h, const struct hart_run_ctl *ctl)
{
	uint64_t gap = h->jit != NULL ? JIT_STOP_GAP : INSN_STOP_GAP;
	int r;

	if (h->instret >= ctl->insn_stop)
		return exit_insn_stop(h, h->vme);
	if (ctl->insn_stop - h->instret > gap) {
		h->run_cap = ctl->insn_stop - gap;
		r = h->jit != NULL ? jit_run(h, ctl) : hart_run_fast(h, ctl);
		h->run_cap = UINT64_MAX;
		if (r != HART_KICK || h->instret < ctl->insn_stop - gap)
			return r;
	}
	r = REF_MORE;
	{
		uint64_t from = h->instret;

		while (h->instret < ctl->insn_stop) {
			if (atomic_load_explicit(h->env.kick, memory_order_relaxed)) {
				r = HART_KICK;
				break;
			}
			r = run_reference(h, ctl, false, false, true);
			if (r != REF_MORE)
				break;
		}
		h->checked_instret += h->instret - from;
	}
	return r == REF_MORE ? exit_insn_stop(h, h->vme) : r;
}

static int
rv64_run(struct hart *h, const struct hart_run_ctl *ctl, struct vm_exit *vme)
{
	uint64_t entry_pc = h->pc, entry_instret = h->instret;
	bool skip_bp, skip_watch;
	int r;

	h->ctl = ctl;
	h->vme = vme;
	h->pend = PEND_NONE;
	h->run_cap = UINT64_MAX;
	if (ctl->insn_stop != UINT64_MAX && h->instret >= ctl->insn_stop)
		return exit_insn_stop(h, vme);
	if (!ctl->mask_hwintr && h->mie != 0 && hart_take_interrupt(h) &&
	    ctl->mtrap_exit)
		return exit_mtrap(h, vme);
	/*
	 * The pass over a debug point belongs to the instruction that was
	 * stopped, not to an interrupt handler taken first.
	 */
	skip_bp = ctl->skip_bp_once && h->pc == entry_pc;
	skip_watch = ctl->skip_watch_once && h->pc == entry_pc;
	/*
	 * Single-step and the pass run in the reference loop; everything
	 * else, breakpoints and watchpoints included, in the decoded-cache
	 * loop (hart_fast.c).
	 */
	if (!HART_USE_DCACHE || ctl->mtrap_exit || skip_bp || skip_watch) {
		r = run_reference(h, ctl, skip_bp, skip_watch,
		    HART_USE_DCACHE && !ctl->mtrap_exit);
		h->watch_skip = false;
		h->checked_instret += h->instret - entry_instret;
		if (r != REF_MORE)
			return r;
	}
	if (ctl->insn_stop != UINT64_MAX)
		return run_to_insn_stop(h, ctl);
	return h->jit != NULL ? jit_run(h, ctl) : hart_run_fast(h, ctl);
}

static void
rv64_complete(struct hart *h, const struct vm_exit *vme)
{
	enum pending_kind p = h->pend;

	h->pend = PEND_NONE;
	switch (p) {
	case PEND_MMIO_LOAD:
		if (vme->u.mmio.fault) {
			hart_trap(h, EXC_LOAD_ACCESS, h->pend_va, false);
			return;
		}
		if (h->pend_rd != 0) {
			uint64_t v = vme->u.mmio.data;
			int bits = 8 * h->pend_size;

			if (bits < 64) {
				v &= (UINT64_C(1) << bits) - 1;
				if (h->pend_signed)
					v = (uint64_t)((int64_t)(v << (64 - bits)) >> (64 - bits));
			}
			h->x[h->pend_rd] = v;
		}
		break;
	case PEND_MMIO_STORE:
		if (vme->u.mmio.fault) {
			hart_trap(h, EXC_STORE_ACCESS, h->pend_va, false);
			return;
		}
		break;
	case PEND_ECALL:
		if (!vme->u.ecall.no_ret) {
			h->x[10] = vme->u.ecall.ret[0];
			h->x[11] = vme->u.ecall.ret[1];
		}
		break;
	default:
		return;
	}
	h->pc += (uint64_t)h->pend_len;
	h->instret++;
}

static int
rv64_get_reg(struct hart *h, int reg, uint64_t *val)
{
	if (reg >= VM_REG_X(0) && reg <= VM_REG_X(31)) {
		*val = reg == 0 ? 0 : h->x[reg];
		return 0;
	}
	if (reg == VM_REG_PC) {
		*val = h->pc;
		return 0;
	}
	if (reg >= VM_REG_F(0) && reg <= VM_REG_F(31)) {
		*val = h->fp.f[reg - VM_REG_F(0)];
		return 0;
	}
	if (reg >= VM_REG_CSR(0) && reg < VM_REG_CSR(4096))
		return hart_csr_read(h, reg - VM_REG_CSR(0), val, true) == 0 ? 0 : ENOENT;
	if (reg == VM_REG_PRIV) {
		*val = (uint64_t)h->priv;
		return 0;
	}
	return ENOENT;
}

static int
rv64_set_reg(struct hart *h, int reg, uint64_t val)
{
	if (reg >= VM_REG_X(0) && reg <= VM_REG_X(31)) {
		if (reg != 0)
			h->x[reg] = val;
		return 0;
	}
	if (reg == VM_REG_PC) {
		h->pc = val & ~UINT64_C(1);
		return 0;
	}
	if (reg >= VM_REG_F(0) && reg <= VM_REG_F(31)) {
		h->fp.f[reg - VM_REG_F(0)] = val;
		return 0;
	}
	if (reg >= VM_REG_CSR(0) && reg < VM_REG_CSR(4096))
		return hart_csr_write(h, reg - VM_REG_CSR(0), val, true) == 0 ? 0 : ENOENT;
	if (reg == VM_REG_PRIV) {
		if (val != PRV_U && val != PRV_S && val != PRV_M)
			return EINVAL;
		h->priv = (int)val;
		hart_tlb_sync(h);
		return 0;
	}
	return ENOENT;
}

static int
rv64_gla2gpa(struct hart *h, uint64_t gla, int prot, uint64_t *gpa, int *fault)
{
	int acc = (prot & VM_PROT_EXEC) ? ACC_FETCH :
	    (prot & VM_PROT_WRITE) ? ACC_STORE : ACC_LOAD;

	*fault = hart_translate(h, gla, acc, gpa, false) != MEM_OK;
	return 0;
}

static bool
rv64_wfi_wakeup(struct hart *h, uint64_t mtime)
{
	return hart_pending_irqs(h, mtime) != 0;
}

static uint64_t
rv64_next_timer(struct hart *h)
{
	uint64_t t = UINT64_MAX;

	if (h->mie & MIP_MTIP)
		t = atomic_load(h->env.mtimecmp);
	if ((h->mie & MIP_STIP) && (h->menvcfg & MENVCFG_STCE) && h->stimecmp < t)
		t = h->stimecmp;
	return t;
}

static void
rv64_invalidate_code(struct hart *h, uint64_t gpa, size_t len)
{
	if (len == 0)
		dcache_sync(h);
	else
		dcache_code_written(h, gpa, len);
}

static void
rv64_flush_tlb(struct hart *h)
{
	hart_tlb_flush(h);
}

static void
rv64_debug_changed(struct hart *h)
{
	int n = vmm_breakpoints(h->env.vm, NULL, 0);
	int m = vmm_watchpoints(h->env.vm, NULL, 0);

	/* The old breakpoints' marks go first (found through them). */
	dcache_unmark_bps(h);
	free(h->bps);
	free(h->wps);
	h->bps = NULL;
	h->wps = NULL;
	h->nbps = h->nwps = 0;
	h->bp_pages = 0;
	if (n > 0 && (h->bps = calloc((size_t)n, sizeof(*h->bps))) != NULL) {
		int k = vmm_breakpoints(h->env.vm, h->bps, n);
		h->nbps = k < n ? k : n;
	}
	if (h->nbps > 1)
		qsort(h->bps, (size_t)h->nbps, sizeof(*h->bps), cmp_u64);
	for (int i = 0; i < h->nbps; i++)
		h->bp_pages |= UINT64_C(1) << ((h->bps[i] >> 12) & 63);
	if (m > 0 && (h->wps = calloc((size_t)m, sizeof(*h->wps))) != NULL) {
		int k = vmm_watchpoints(h->env.vm, h->wps, m);
		h->nwps = k < m ? k : m;
	}
	/* A newly watched page must leave the TLB (hart_mmu.c's tlb_fill). */
	hart_tlb_flush(h);
}

static uint64_t
rv64_instret(struct hart *h)
{
	return h->instret;
}

static uint64_t
rv64_checked_instret(struct hart *h)
{
	return h->checked_instret;
}

static void
rv64_engine_stats(struct hart *h, struct vcpu_stats *st)
{
	struct jit_stats js;

	st->code_pages_reused = h->dc.data_drops;
	if (h->jit == NULL)
		return;
	jit_get_stats(h->jit, &js);
	st->jit_blocks = js.blocks;
	st->jit_insns = js.insns;
	st->jit_code_bytes = js.code_bytes;
	st->jit_code_size = js.code_size;
	st->jit_flushes = js.flushes;
}

/* The architectural fields come first in struct hart, up to env. */
static size_t
rv64_state_size(void)
{
	return offsetof(struct hart, env);
}

static void
rv64_state_save(struct hart *h, void *buf)
{
	memcpy(buf, h, offsetof(struct hart, env));
}

static void
rv64_state_restore(struct hart *h, const void *buf)
{
	memcpy(h, buf, offsetof(struct hart, env));
	h->pend = PEND_NONE;
	hart_tlb_flush(h);
	hart_tlb_sync(h);
	dcache_sync(h);		/* RAM may be another's now */
}

#define RV64_OPS							\
	.destroy = rv64_destroy,					\
	.reset = rv64_reset,						\
	.run = rv64_run,						\
	.complete = rv64_complete,					\
	.get_reg = rv64_get_reg,					\
	.set_reg = rv64_set_reg,					\
	.gla2gpa = rv64_gla2gpa,					\
	.wfi_wakeup = rv64_wfi_wakeup,					\
	.next_timer = rv64_next_timer,					\
	.invalidate_code = rv64_invalidate_code,			\
	.flush_tlb = rv64_flush_tlb,					\
	.debug_changed = rv64_debug_changed,				\
	.instret = rv64_instret,					\
	.checked_instret = rv64_checked_instret,			\
	.engine_stats = rv64_engine_stats,				\
	.state_size = rv64_state_size,					\
	.state_save = rv64_state_save,					\
	.state_restore = rv64_state_restore

const struct hart_ops rv64_hart_ops = {
	.name = "interp",
	.create = rv64_create,
	RV64_OPS
};

const struct hart_ops rv64_jit_hart_ops = {
	.name = "jit",
	.create = rv64_jit_create,
	RV64_OPS
};
#undef RV64_OPS
