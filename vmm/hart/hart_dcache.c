/*
 * hart_dcache.c - the decoded-instruction cache (contract in
 * hart_dcache.h): page management, invalidation, and the decoder that
 * turns RV64IMC instruction bits into a struct dinsn for the fast run
 * loop (hart_fast.c).  Everything the fast loop does not implement is
 * decoded as DOP_GENERIC and executed by hart_exec() from its raw bits,
 * which is also where illegal encodings trap.
 * Spec: unprivileged ISA 20191213, chapters 2, 5, 7 (RV64I, M), 16 (C).
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../jit/jit.h"
#include "guest_mem.h"
#include "hart.h"
#include "hart_dcache.h"
#include "hart_insn.h"
#include "hart_rvc.h"

int
dcache_init(struct hart *h)
{
	struct dcache *dc = &h->dc;

	dc->labels = hart_fast_labels();
	dc->npages = h->env.ram_size / 4096;
	dc->pages = calloc(dc->npages, sizeof(*dc->pages));
	dc->live = calloc(DCACHE_MAX_PAGES, sizeof(*dc->live));
	dc->spare = calloc(DCACHE_MAX_PAGES, sizeof(*dc->spare));
	dc->nlive = 0;
	dc->nspare = 0;
	if (dc->pages == NULL || dc->live == NULL || dc->spare == NULL) {
		dcache_destroy(h);
		return -1;
	}
	return 0;
}

void
dcache_destroy(struct hart *h)
{
	struct dcache *dc = &h->dc;

	if (dc->pages != NULL)
		dcache_flush(h);
	while (dc->nspare > 0)
		free(dc->spare[--dc->nspare]);
	free(dc->pages);
	free(dc->live);
	free(dc->spare);
	dc->pages = NULL;
	dc->live = NULL;
	dc->spare = NULL;
}

void
dcache_flush(struct hart *h)
{
	struct dcache *dc = &h->dc;

	/*
	 * Pages go to the spare list, not back to malloc: a kernel's
	 * FENCE.I flushes tens of thousands of times during a Linux boot,
	 * and freeing and re-faulting 32 KiB pages each time was a tenth
	 * of its host time.  Live plus spare pages never exceed
	 * DCACHE_MAX_PAGES.
	 */
	if (h->jit != NULL)
		jit_flush(h);
	for (int i = 0; i < dc->nlive; i++) {
		dc->spare[dc->nspare++] = dc->pages[dc->live[i]];
		dc->pages[dc->live[i]] = NULL;
	}
	dc->nlive = 0;
	dc->npending = 0;
}

void
dcache_sync(struct hart *h)
{
	/*
	 * A Linux boot runs tens of thousands of fence.i, nearly all after
	 * changing pages that hold no decoded code: pages are compared with
	 * RAM when next entered (dcache_page), not all of them now.
	 */
	h->dc.epoch++;
}

/* Drop the decoded page of pidx (its RAM changed). */
static void
page_drop(struct hart *h, uint64_t pidx)
{
	struct dcache *dc = &h->dc;
	struct dpage *p = dc->pages[pidx];
	uint32_t last;

	if (h->jit != NULL)
		jit_page_dropped(h, p);
	last = dc->live[--dc->nlive];
	dc->live[p->live] = last;
	dc->pages[last]->live = p->live;
	dc->pages[pidx] = NULL;
	dc->spare[dc->nspare++] = p;
}

void
dcache_drop_data_pages(struct hart *h)
{
	struct dcache *dc = &h->dc;

	for (int i = 0; i < dc->npending; i++) {
		uint32_t pidx = dc->pending[i];
		struct dpage *p = dc->pages[pidx];

		/* (Entered since, or dropped and made again: it is code.) */
		if (p != NULL && p->data_writes >= DCACHE_DATA_WRITES) {
			page_drop(h, pidx);
			dc->data_drops++;
		}
	}
	dc->npending = 0;
}

/* Slot index of breakpoint 'bp' in its page, or -1 (no pc is odd). */
static int
bp_slot(uint64_t bp)
{
	return (bp & 1) ? -1 : (int)((bp & 0xfff) >> 1);
}

void
dcache_mark_bps(struct hart *h, uint64_t pidx, uint64_t page_va)
{
	struct dpage *p = h->dc.pages[pidx];
	const uint8_t op = DC_INDEX(DOP_BPT, 1);

	/* h->bps is sorted (hart.h): the page's breakpoints are a run. */
	for (int i = hart_bp_lower_bound(h, page_va); i < h->nbps &&
	    h->bps[i] - page_va < 4096; i++) {
		int s = bp_slot(h->bps[i]);

		if (s < 0 || p->slot[s].op == op)
			continue;
		p->slot[s] = (struct dinsn){ .fn = h->dc.labels[op], .op = op };
		p->marked = true;
		/* Translated code running over the mark would miss it. */
		if (h->jit != NULL)
			jit_slots_changed(h, p, s, s);
	}
}

/*
 * Marks sit only on marked pages, at the page offsets of breakpoints:
 * look at those offsets, or at every slot when there are more
 * breakpoints than slots.
 */
void
dcache_unmark_bps(struct hart *h)
{
	struct dcache *dc = &h->dc;
	const void *fn = dc->labels[DC_INDEX(DOP_DECODE, 1)];
	const uint8_t op = DC_INDEX(DOP_BPT, 1);
	bool every = h->nbps >= DCACHE_SLOTS - 1;

	for (int k = 0; k < dc->nlive; k++) {
		struct dpage *p = dc->pages[dc->live[k]];
		int n = every ? DCACHE_SLOTS - 1 : h->nbps;

		if (!p->marked)
			continue;
		for (int i = 0; i < n; i++) {
			int s = every ? i : bp_slot(h->bps[i]);

			if (s >= 0 && p->slot[s].op == op)
				p->slot[s] = (struct dinsn){ .fn = fn,
				    .op = DC_INDEX(DOP_DECODE, 1) };
		}
		p->marked = false;
	}
}

/* Every slot but the sentinel back to "not decoded". */
static void
slots_reset(const struct dcache *dc, struct dpage *p)
{
	const void *fn = dc->labels[DC_INDEX(DOP_DECODE, 1)];

	for (int i = 0; i < DCACHE_SLOTS - 1; i++) {
		p->slot[i] = (struct dinsn){ .fn = fn, .op = DC_INDEX(DOP_DECODE, 1) };
	}
}

/*
 * Sort n values in place (Shell sort, gaps 3k+1).  Not qsort(): glibc's
 * asks the kernel for the RAM size (sysinfo), which the seccomp sandbox
 * refuses, and the vCPU threads run sandboxed.
 */
static void
sort_u64(uint64_t *v, int n)
{
	int gap = 1;

	while (gap < n / 3)
		gap = 3 * gap + 1;
	for (; gap > 0; gap /= 3) {
		for (int i = gap; i < n; i++) {
			uint64_t x = v[i];
			int j = i;

			for (; j >= gap && v[j - gap] > x; j -= gap)
				v[j] = v[j - gap];
			v[j] = x;
		}
	}
}

/*
 * The cache is full: drop the half of the pages made or checked least
 * recently.  A Linux boot runs far more than DCACHE_MAX_PAGES pages of
 * code; starting over (dropping everything, and with it every block the
 * JIT translated) made it translate the kernel's hot code again and
 * again.  'seen' is a cheap recency: set when a page is made and when it
 * is checked after a fence.i, which Linux runs thousands of times a
 * second, so hot pages keep a recent one.
 */
static void
evict_old_half(struct hart *h)
{
	struct dcache *dc = &h->dc;
	uint64_t seen[DCACHE_MAX_PAGES], median;
	int n = dc->nlive;

	for (int i = 0; i < n; i++)
		seen[i] = dc->pages[dc->live[i]]->seen;
	sort_u64(seen, n);
	median = seen[n / 2];
	/* page_drop() moves the last live page into the hole: walk down */
	for (int i = n - 1; i >= 0; i--) {
		uint32_t pidx = dc->live[i];

		if (dc->pages[pidx]->seen < median)
			page_drop(h, pidx);
	}
}

struct dpage *
dcache_page(struct hart *h, uint64_t pidx)
{
	struct dcache *dc = &h->dc;
	struct dpage *p = dc->pages[pidx];
	uint8_t *host;

	if (p != NULL) {
		if (p->epoch == dc->epoch)
			return p;
		if (gmem_same(h->env.ram + pidx * 4096, p->bytes, 4096)) {
			p->epoch = dc->epoch;
			p->seen = ++dc->clock;
			return p;
		}
		page_drop(h, pidx);
	}
	if (dc->nlive >= DCACHE_MAX_PAGES)
		evict_old_half(h);
	p = dc->nspare > 0 ? dc->spare[--dc->nspare] : malloc(sizeof(*p));
	if (p == NULL)
		return NULL;
	slots_reset(dc, p);
	p->marked = false;
	p->jit = NULL;
	host = h->env.ram + pidx * 4096;
	gmem_copy_out(p->bytes, host, 4096);
	p->slot[DCACHE_SLOTS - 1].op = DC_INDEX(DOP_PAGE_END, 1);
	p->slot[DCACHE_SLOTS - 1].fn = dc->labels[DC_INDEX(DOP_PAGE_END, 1)];
	p->epoch = dc->epoch;
	p->seen = ++dc->clock;
	p->data_writes = 0;
	p->live = (uint32_t)dc->nlive;
	dc->pages[pidx] = p;
	dc->live[dc->nlive++] = (uint32_t)pidx;
	/* The page is code now: stores to it must take the slow path. */
	for (int set = 0; set < 3; set++) {
		for (int i = 0; i < HART_TLB_SIZE; i++) {
			struct tlb_entry *e = &h->tlbs[set][ACC_STORE][i];

			if (e->tag != TLB_EMPTY &&
			    (uintptr_t)e->tag + e->addend == (uintptr_t)host)
				e->tag = TLB_EMPTY;
		}
	}
	return p;
}

/*
 * Reset the slots that can depend on the bytes [pa, pa+len): those that
 * start in it and a 32-bit instruction starting 2 bytes before.  (An
 * ADD/ADDI fused with a reset instruction stays valid: hart_fast.c runs
 * a second half that is no longer fusible through its own handler.)  A
 * slot never depends on another page's bytes (a 32-bit instruction that
 * straddles a page end is not cached), so a data store next to code
 * costs a slow-path store but no re-decoding.
 */
void
dcache_code_written(struct hart *h, uint64_t pa, uint64_t len)
{
	struct dcache *dc = &h->dc;
	uint64_t a, b;

	if (pa < h->env.ram_base || len == 0)
		return;
	if (len > h->env.ram_size) {
		dcache_flush(h);	/* (and no overflow below) */
		return;
	}
	a = pa - h->env.ram_base;
	b = a + len;
	for (uint64_t i = a / 4096; i <= (b - 1) / 4096 && i < dc->npages; i++) {
		struct dpage *p = dc->pages[i];
		uint64_t base = i * 4096, lo, hi;
		const void *fn;

		if (p == NULL)
			continue;
		if (++p->data_writes == DCACHE_DATA_WRITES) {
			if (dc->npending < DCACHE_PENDING)
				dc->pending[dc->npending++] = (uint32_t)i;
			else
				p->data_writes = 0;	/* counted again */
		}
		lo = a >= base + 2 ? a - 2 - base : 0;
		hi = b < base + 4096 ? b - base : 4096;
		/* The bytes written (from lo + 2, or the page start). */
		{
			uint64_t w = a > base ? a - base : 0;

			gmem_read(p->bytes + w, h->env.ram + base + w, hi - w);
		}
		fn = dc->labels[DC_INDEX(DOP_DECODE, 1)];
		/* In place: the run loop may hold a pointer into the page. */
		for (uint64_t k = lo / 2; k <= (hi - 1) / 2; k++)
			p->slot[k] = (struct dinsn){ .fn = fn, .op = DC_INDEX(DOP_DECODE, 1) };
		if (h->jit != NULL)
			jit_slots_changed(h, p, (int)(lo / 2), (int)((hi - 1) / 2));
	}
}

/* The fast-loop operation for a 32-bit instruction, or DOP_GENERIC. */
static int
decode_op(uint32_t insn, int32_t *imm)
{
	static const uint8_t br[8] = { DOP_BEQ, DOP_BNE, DOP_GENERIC, DOP_GENERIC,
	    DOP_BLT, DOP_BGE, DOP_BLTU, DOP_BGEU };
	static const uint8_t ld[8] = { DOP_LB, DOP_LH, DOP_LW, DOP_LD, DOP_LBU,
	    DOP_LHU, DOP_LWU, DOP_GENERIC };
	static const uint8_t st[8] = { DOP_SB, DOP_SH, DOP_SW, DOP_SD,
	    DOP_GENERIC, DOP_GENERIC, DOP_GENERIC, DOP_GENERIC };
	static const uint8_t opi[8] = { DOP_ADDI, DOP_SLLI, DOP_SLTI, DOP_SLTIU,
	    DOP_XORI, DOP_SRLI, DOP_ORI, DOP_ANDI };
	static const uint8_t op[8] = { DOP_ADD, DOP_SLL, DOP_SLT, DOP_SLTU,
	    DOP_XOR, DOP_SRL, DOP_OR, DOP_AND };
	static const uint8_t mul[8] = { DOP_MUL, DOP_MULH, DOP_MULHSU, DOP_MULHU,
	    DOP_DIV, DOP_DIVU, DOP_REM, DOP_REMU };
	static const uint8_t mulw[8] = { DOP_MULW, DOP_GENERIC, DOP_GENERIC,
	    DOP_GENERIC, DOP_DIVW, DOP_DIVUW, DOP_REMW, DOP_REMUW };
	int f3 = (insn >> 12) & 7;
	uint32_t f7 = insn >> 25;

	switch (insn & 0x7f) {
	case 0x37:
		*imm = (int32_t)(insn & 0xfffff000);
		return DOP_LUI;
	case 0x17:
		*imm = (int32_t)(insn & 0xfffff000);
		return DOP_AUIPC;
	case 0x6f:
		*imm = imm_j(insn);
		return DOP_JAL;
	case 0x67:
		*imm = imm_i(insn);
		return f3 == 0 ? DOP_JALR : DOP_GENERIC;
	case 0x63:
		*imm = imm_b(insn);
		return br[f3];
	case 0x03:
		*imm = imm_i(insn);
		return ld[f3];
	case 0x23:
		*imm = imm_s(insn);
		return st[f3];
	case 0x13:
		*imm = imm_i(insn);
		if (f3 == 1) {
			*imm &= 63;
			return (insn >> 26) == 0 ? DOP_SLLI : DOP_GENERIC;
		}
		if (f3 == 5) {
			*imm &= 63;
			if ((insn >> 26) == 0)
				return DOP_SRLI;
			return (insn >> 26) == 0x10 ? DOP_SRAI : DOP_GENERIC;
		}
		return opi[f3];
	case 0x33:
		if (f7 == 1)
			return mul[f3];
		if (f7 == 0)
			return op[f3];
		if (f7 == 0x20 && f3 == 0)
			return DOP_SUB;
		if (f7 == 0x20 && f3 == 5)
			return DOP_SRA;
		return DOP_GENERIC;
	case 0x1b:
		*imm = imm_i(insn);
		if (f3 == 0)
			return DOP_ADDIW;
		*imm &= 31;
		if (f3 == 1 && f7 == 0)
			return DOP_SLLIW;
		if (f3 == 5 && f7 == 0)
			return DOP_SRLIW;
		if (f3 == 5 && f7 == 0x20)
			return DOP_SRAIW;
		return DOP_GENERIC;
	case 0x3b:
		if (f7 == 1)
			return mulw[f3];
		if (f3 == 0 && f7 == 0)
			return DOP_ADDW;
		if (f3 == 0 && f7 == 0x20)
			return DOP_SUBW;
		if (f3 == 1 && f7 == 0)
			return DOP_SLLW;
		if (f3 == 5 && f7 == 0)
			return DOP_SRLW;
		if (f3 == 5 && f7 == 0x20)
			return DOP_SRAW;
		return DOP_GENERIC;
	default:
		return DOP_GENERIC;
	}
}

/*
 * Whether the ADD/ADDI in 'd' (len halfwords, rd already set) can run
 * fused with the next instruction: that one must be on this page, a
 * load, store or near branch whose rs1 is rd (and, for stores and
 * branches, whose rs2 is not: hart_fast.c hands over only rs1).
 */
static void decode_slot(struct hart *h, uint64_t pidx, struct dinsn *d,
    int depth);

static bool
fusible(struct hart *h, uint64_t pidx, struct dinsn *d, int len, int depth)
{
	struct dinsn *n = d + len;
	int op;

	if (d->rd == DC_XSINK || n - h->dc.pages[pidx]->slot >= DCACHE_SLOTS - 1)
		return false;
	if (n->op == DC_INDEX(DOP_DECODE, 1)) {
		/* A run of ADDs decodes ahead; bound the recursion. */
		if (depth >= 8)
			return false;
		decode_slot(h, pidx, n, depth + 1);
	}
	op = n->op >> 1;
	if (n->rs1 != d->rd)
		return false;
	if (op >= DOP_LB && op <= DOP_LWU)
		return true;
	return ((op >= DOP_SB && op <= DOP_SD) || (op >= DOP_BEQ && op <= DOP_BGEU)) &&
	    n->rs2 != d->rd;
}

void
dcache_decode(struct hart *h, uint64_t pidx, struct dinsn *d)
{
	decode_slot(h, pidx, d, 0);
}

static void
decode_slot(struct hart *h, uint64_t pidx, struct dinsn *d, int depth)
{
	struct dcache *dc = &h->dc;
	struct dpage *p = dc->pages[pidx];
	unsigned off = (unsigned)(d - p->slot) * 2;
	uint32_t insn, raw;
	int32_t imm = 0;
	int op, len;

	raw = dcache_raw(h, pidx, off);
	memset(d, 0, sizeof(*d));
	if ((raw & 3) == 3) {
		if (off == 4096 - 2) {
			/* Straddles the page end: fetched and run each time. */
			d->op = DC_INDEX(DOP_CROSS, 2);
			d->fn = dc->labels[d->op];
			return;
		}
		insn = raw;
		len = 2;
	} else {
		insn = rvc_expand(raw);
		len = 1;
	}
	if (insn == 0) {
		/* illegal: hart_exec traps */
		d->op = (uint8_t)DC_INDEX(DOP_GENERIC, len);
		d->fn = dc->labels[d->op];
		return;
	}
	op = decode_op(insn, &imm);
	d->rd = (insn >> 7) & 31;
	d->rs1 = (insn >> 15) & 31;
	d->rs2 = (insn >> 20) & 31;
	d->imm = imm;
	if (op == DOP_ADDI && imm == 0)
		op = DOP_MV;
	else if (op == DOP_ADDI && d->rs1 == 0)
		op = DOP_LI;
	if (op >= DOP_BEQ && op <= DOP_BGEU) {
		int64_t t = (int64_t)off + imm;

		if (t >= 0 && t < 4096) {
			d->imm = imm / 2;	/* slot delta */
		} else {
			op = DOP_BFAR;
		}
	} else if (op == DOP_JAL) {
		int64_t t = (int64_t)off + imm;

		if (t >= 0 && t < 4096)
			d->imm = imm / 2;
		else
			op = DOP_JFAR;
	}
	/* Writes to x0 go to the sink; branches and stores have no rd. */
	if (d->rd == 0)
		d->rd = DC_XSINK;
	if (op == DOP_BFAR)
		d->rd = (insn >> 12) & 7;
	if ((op == DOP_ADD || op == DOP_ADDI) && fusible(h, pidx, d, len, depth))
		op = op == DOP_ADD ? DOP_ADD_F : DOP_ADDI_F;
	d->op = (uint8_t)DC_INDEX(op, len);
	d->fn = dc->labels[d->op];
}

uint32_t
dcache_raw(struct hart *h, uint64_t pidx, unsigned off)
{
	const uint8_t *host = h->env.ram + pidx * 4096 + off;
	uint16_t lo, hi;

	gmem_read(&lo, host, 2);
	if ((lo & 3) != 3 || off >= 4096 - 2)
		return lo;
	gmem_read(&hi, host + 2, 2);
	return (uint32_t)lo | (uint32_t)hi << 16;
}
