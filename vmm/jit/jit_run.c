/*
 * jit_run.c - the JIT's run loop (contract in jit.h): find the block for
 * pc, translate it if need be, call it, and do what it returns; anything
 * a block does not do (a TLB miss, a CSR, a trap, a marked slot, what
 * jit_fp.c leaves: F/D in another rounding mode than RNE...) is done here
 * the way hart_fast.c does it, through hart_exec().
 *
 * Kick checks and interrupts as in hart_fast.c: when the retired count
 * reaches the limit, and after instructions that may enable an
 * interrupt (X_OK_IRQ).  The limit is JIT_KICK_BUDGET, larger than the
 * interpreter's: a call into translated code and back costs about what
 * thirty guest instructions do, and timers are looked at on every check
 * instead of every HART_TIMER_CHECKS-th, so they are taken as soon.
 */
#include "../hart/hart_exec.h"
#include "jit_internal.h"

/* What happened to the instruction hart_exec() ran (hart_fast.c's generic_done). */
enum step { STEP_ON, STEP_RETURN };

int
jit_run(struct hart *h, const struct hart_run_ctl *ctl)
{
	struct jit *j = h->jit;
	struct jit_ctx cx = { .x = h->x, .h = h };
	uint64_t pc = h->pc, ic = h->instret;
	uint64_t limit = hart_limit(h, ic, JIT_KICK_BUDGET);
	int r;

	for (;;) {
		const struct tlb_entry *e;
		struct dpage *p;
		uint64_t page_va, pidx;
		uint32_t insn;

		if (ic >= limit) {
			/* The kick check, and timers (as hart_fast.c's check). */
			h->pc = pc;
			h->instret = ic;
			if (atomic_load_explicit(h->env.kick, memory_order_relaxed) ||
			    ic >= h->run_cap)
				return HART_KICK;
			if (!ctl->mask_hwintr && h->mie != 0)
				hart_take_interrupt(h);
			pc = h->pc;
			limit = hart_limit(h, ic, JIT_KICK_BUDGET);
		}

		/* The page of pc, through the fetch TLB. */
		if (__builtin_expect(h->dc.npending != 0, 0))
			dcache_drop_data_pages(h);	/* no page pointer held */
		e = &h->tlb[ACC_FETCH][TLB_INDEX(pc)];
		if (__builtin_expect(e->tag != TLB_PAGE(pc), 0)) {
			h->pc = pc;
			r = hart_fetch(h, pc, &insn);
			if (r != MEM_OK) {
				h->instret = ic;
				if (h->nbps != 0 && hart_bp_hit(h, pc))
					return hart_bp_exit(h, pc);
				hart_trap(h, (uint64_t)(r - 1), h->fault_tval, false);
				pc = h->pc;
				limit--;	/* a trap uses up budget (hart_fast.c) */
				continue;
			}
			if (e->tag != TLB_PAGE(pc))
				goto fetch_exec;	/* not cacheable */
		}
		pidx = ((uintptr_t)(pc & ~UINT64_C(0xfff)) + e->addend -
		    (uintptr_t)h->env.ram) >> 12;
		p = dcache_current(&h->dc, pidx);
		if (__builtin_expect(p == NULL, 0)) {
			p = dcache_page(h, pidx);
			if (p == NULL)
				goto fetch_exec;
		}
		p->data_writes = 0;	/* it is code (DCACHE_DATA_WRITES) */
		page_va = pc & ~UINT64_C(0xfff);
		if (__builtin_expect(hart_bp_page(h, page_va), 0))
			dcache_mark_bps(h, pidx, page_va);
		cx.page_va = page_va;
		cx.tlb = h->tlb;

		/* Blocks of this page, one after another. */
		for (;;) {
			int slot = (int)((pc & 0xfff) >> 1);
			uint32_t off = p->jit != NULL ? p->jit->head[slot] : 0;
			uint64_t res;

			if (off == 0)
				off = jit_compile(h, pidx, slot);
			if (off == 0)
				break;		/* not translatable: below */
			cx.budget = limit - ic;
			cx.ic0 = ic;
			/* FP exception flags: MXCSR holds the block's (jit_internal.h). */
			jit_fp_clear();
			res = j->enter(&cx, j->rx + off);
			jit_fp_fold(h);
			ic += JR_RETIRED(res);
			slot = JR_SLOT(res);
			switch (JR_KIND(res)) {
			case JX_SLOT:
				pc = page_va + (uint64_t)slot * 2;
				break;
			case JX_PC:
				pc = cx.pc;
				break;
			case JX_EXEC:
				/* It trapped, exited or jumped: as generic_done. */
				r = cx.exec;
				goto done;
			default:	/* JX_GENERIC */
				pc = page_va + (uint64_t)slot * 2;
				h->pc = pc;
				h->instret = ic;
				r = hart_exec(h, dcache_raw(h, pidx, (unsigned)slot * 2));
				goto done;
			}
			if (ic >= limit || ((pc ^ page_va) >> 12) != 0)
				goto next;
		}

		/* The slot at pc is not translatable: as hart_fast.c's handlers. */
		{
			struct dinsn *d = &p->slot[(pc & 0xfff) >> 1];

			switch (d->op >> 1) {
			case DOP_PAGE_END:
				pc = page_va + 4096;
				continue;
			case DOP_BPT:
				h->instret = ic;
				if (hart_bp_hit(h, pc))
					return hart_bp_exit(h, pc);
				h->checked_instret++;
				goto fetch_exec_nobp;
			case DOP_CROSS:
				goto fetch_exec;
			default:	/* DOP_GENERIC */
				h->pc = pc;
				h->instret = ic;
				r = hart_exec(h, dcache_raw(h, pidx,
				    (unsigned)(pc & 0xfff)));
				goto done;
			}
		}

fetch_exec:
		/* Fetch from memory (page-straddling or uncacheable), then execute. */
		h->instret = ic;
		if (__builtin_expect(h->nbps != 0, 0) && hart_bp_hit(h, pc))
			return hart_bp_exit(h, pc);
fetch_exec_nobp:
		h->pc = pc;
		r = hart_fetch(h, pc, &insn);
		if (r != MEM_OK) {
			hart_trap(h, (uint64_t)(r - 1), h->fault_tval, false);
			pc = h->pc;
			limit--;
			continue;
		}
		h->instret = ic;
		r = hart_exec(h, insn);
done:
		pc = h->pc;
		switch (r) {
		case X_OK:
		case X_JUMP:
			ic++;
			break;
		case X_OK_IRQ:
			ic++;
			h->instret = ic;
			if (!ctl->mask_hwintr && h->mie != 0 && hart_take_interrupt(h))
				pc = h->pc;
			break;
		case X_TRAP:
			limit--;
			break;
		case X_EXIT:
			h->instret = ic;
			return HART_EXIT;
		case X_WFI:
			h->instret = ic + 1;
			return hart_wfi_exit(h, ctl);
		}
next:
		;
	}
}
