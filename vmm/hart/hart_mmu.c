/*
 * hart_mmu.c - address translation (Sv39, Sv48, Sv57 with hardware A/D
 * updates), the per-hart software TLB holding host pointers for RAM, and
 * the guest memory accesses of the hart engine.
 * Spec: privileged 1.12, section 4.3-4.5 (virtual memory), 3.1.6.3 (MPRV,
 * SUM, MXR).
 */
#include <string.h>

#include "guest_mem.h"
#include "hart.h"

#define PTE_V	(UINT64_C(1) << 0)
#define PTE_R	(UINT64_C(1) << 1)
#define PTE_W	(UINT64_C(1) << 2)
#define PTE_X	(UINT64_C(1) << 3)
#define PTE_U	(UINT64_C(1) << 4)
#define PTE_A	(UINT64_C(1) << 6)
#define PTE_D	(UINT64_C(1) << 7)
#define PTE_PPN_MASK	((UINT64_C(1) << 44) - 1)

static const int page_fault_cause[3] = { EXC_INSN_PAGE, EXC_LOAD_PAGE, EXC_STORE_PAGE };
static const int access_fault_cause[3] = { EXC_INSN_ACCESS, EXC_LOAD_ACCESS, EXC_STORE_ACCESS };

void
hart_tlb_flush(struct hart *h)
{
	memset(h->tlbs, 0xff, sizeof(h->tlbs));	/* every tag TLB_EMPTY */
}

/*
 * Select the TLB set of the current privilege; empty it if it was filled
 * under another translation context.
 */
void
hart_tlb_sync(struct hart *h)
{
	int set = h->priv == PRV_M ? 2 : h->priv;
	uint64_t ctx = (uint64_t)h->priv | (uint64_t)hart_data_priv(h) << 2 |
	    (h->mstatus & (MSTATUS_SUM | MSTATUS_MXR));

	h->tlb = h->tlbs[set];
	if (h->tlb_ctx[set] != ctx) {
		memset(h->tlbs[set], 0xff, sizeof(h->tlbs[set]));
		h->tlb_ctx[set] = ctx;
	}
}

void *
hart_ram_ptr(struct hart *h, uint64_t pa, uint64_t len)
{
	uint64_t off = pa - h->env.ram_base;

	if (pa < h->env.ram_base || len > h->env.ram_size ||
	    off > h->env.ram_size - len)
		return NULL;
	return h->env.ram + off;
}

/*
 * Translate 'va' for an access of kind 'acc'.  Returns 0 with *pa set, or
 * MEM_EXC(cause) with h->fault_tval = va.  Without side_effects (the
 * debugger's view) the A/D bits are neither checked nor set, and S-mode
 * data accesses reach user pages whatever SUM says.
 */
int
hart_translate(struct hart *h, uint64_t va, int acc, uint64_t *pa,
    bool side_effects)
{
	int priv = acc == ACC_FETCH ? h->priv : hart_data_priv(h);
	int mode = (int)(h->satp >> 60), levels, i;
	uint64_t a, pte = 0, *ptep = NULL;

	if (priv == PRV_M || mode == 0) {
		*pa = va;
		return MEM_OK;
	}
	levels = mode == 8 ? 3 : mode == 9 ? 4 : 5;
	{
		int vabits = 12 + 9 * levels;
		int64_t sx = (int64_t)(va << (64 - vabits)) >> (64 - vabits);

		if ((uint64_t)sx != va)
			goto page_fault;
	}
walk:
	a = (h->satp & PTE_PPN_MASK) << 12;
	for (i = levels - 1; i >= 0; i--) {
		uint64_t idx = (va >> (12 + 9 * i)) & 0x1ff;

		ptep = hart_ram_ptr(h, a + idx * 8, 8);
		if (ptep == NULL) {
			h->fault_tval = va;
			return MEM_EXC(access_fault_cause[acc]);
		}
		pte = __atomic_load_n(ptep, __ATOMIC_ACQUIRE);
		if (!(pte & PTE_V) || (!(pte & PTE_R) && (pte & PTE_W)))
			goto page_fault;
		if (pte >> 54)		/* reserved, PBMT, N: none implemented */
			goto page_fault;
		if (pte & (PTE_R | PTE_X))
			break;
		if (pte & (PTE_A | PTE_D | PTE_U))
			goto page_fault;
		a = ((pte >> 10) & PTE_PPN_MASK) << 12;
	}
	if (i < 0)
		goto page_fault;

	/* Permissions. */
	if (priv == PRV_U && !(pte & PTE_U))
		goto page_fault;
	/*
	 * The debugger (no side effects) reads and writes user pages from
	 * S-mode as if SUM were set, as QEMU's gdbstub does: a kernel
	 * stopped at a system call must show the user's buffer.
	 */
	if (priv == PRV_S && (pte & PTE_U) && (acc == ACC_FETCH ||
	    (!(h->mstatus & MSTATUS_SUM) && side_effects)))
		goto page_fault;
	switch (acc) {
	case ACC_FETCH:
		if (!(pte & PTE_X))
			goto page_fault;
		break;
	case ACC_LOAD:
		if (!(pte & PTE_R) &&
		    !((h->mstatus & MSTATUS_MXR) && (pte & PTE_X)))
			goto page_fault;
		break;
	default:
		if (!(pte & PTE_W))
			goto page_fault;
		break;
	}
	/* A misaligned superpage. */
	if (i > 0 && (((pte >> 10) & PTE_PPN_MASK) & ((UINT64_C(1) << (9 * i)) - 1)))
		goto page_fault;
	if (side_effects) {
		uint64_t need = PTE_A | (acc == ACC_STORE ? PTE_D : 0);

		if ((pte & need) != need) {
			if (!__atomic_compare_exchange_n(ptep, &pte, pte | need,
			    false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
				goto walk;	/* changed under us: walk again */
		}
	}
	{
		int shift = 12 + 9 * i;
		uint64_t ppn = (pte >> 10) & PTE_PPN_MASK;

		*pa = ((ppn >> (9 * i)) << shift) | (va & ((UINT64_C(1) << shift) - 1));
	}
	return MEM_OK;
page_fault:
	h->fault_tval = va;
	return MEM_EXC(page_fault_cause[acc]);
}

/* Whether [a, a+n) and [b, b+m) overlap (n, m > 0; wraps at 2^64). */
static inline bool
ranges_overlap(uint64_t a, uint64_t n, uint64_t b, uint64_t m)
{
	return a - b < m || b - a < n;
}

/* Whether a watchpoint of a kind in 'type' covers part of va's page. */
static bool
page_watched(const struct hart *h, uint64_t va, int type)
{
	for (int i = 0; i < h->nwps; i++) {
		const struct vmm_watchpoint *w = &h->wps[i];

		if ((w->type & type) && w->len != 0 &&
		    ranges_overlap(TLB_PAGE(va), 4096, w->addr, w->len))
			return true;
	}
	return false;
}

/*
 * Map va's page for 'acc' in the TLB of the current privilege, unless
 * its accesses must take the slow path: stores into decoded code
 * (hart_dcache.h), and loads or stores that a watchpoint of that kind
 * covers (hart_load() and hart_store() check watchpoints on TLB misses
 * only).
 */
static void
tlb_fill(struct hart *h, int acc, uint64_t va, uint64_t pa)
{
	uint8_t *host = hart_ram_ptr(h, pa & ~UINT64_C(0xfff), 4096);
	struct tlb_entry *e;

	if (host == NULL)
		return;
	if (acc == ACC_STORE && h->dc.pages != NULL &&
	    h->dc.pages[(uint64_t)(host - h->env.ram) >> 12] != NULL)
		return;
	if (__builtin_expect(h->nwps != 0, 0) && acc != ACC_FETCH &&
	    page_watched(h, va, acc == ACC_LOAD ? VM_WATCH_READ : VM_WATCH_WRITE))
		return;
	e = &h->tlb[acc][TLB_INDEX(va)];
	e->tag = TLB_PAGE(va);
	e->addend = (uintptr_t)host - (uintptr_t)(va & ~UINT64_C(0xfff));
}

/* Host pointer for [va, va+size) if the TLB maps it within one page. */
static inline void *
tlb_lookup(struct hart *h, int acc, uint64_t va, int size)
{
	struct tlb_entry *e = &h->tlb[acc][TLB_INDEX(va)];

	if (e->tag == TLB_PAGE(va + (uint64_t)size - 1))
		return (void *)(uintptr_t)(va + e->addend);
	return NULL;
}

static int
watch_check(struct hart *h, uint64_t va, int size, int type)
{
	for (int i = 0; i < h->nwps; i++) {
		const struct vmm_watchpoint *w = &h->wps[i];

		if (!(w->type & type) || w->len == 0)
			continue;
		if (ranges_overlap(va, (uint64_t)size, w->addr, w->len)) {
			struct vm_exit *vme = h->vme;

			memset(vme, 0, sizeof(*vme));
			vme->exitcode = VM_EXITCODE_WATCH;
			vme->pc = h->pc;
			vme->u.watch.addr = va;
			vme->u.watch.len = size;
			vme->u.watch.type = type;
			vme->u.watch.wp_addr = w->addr;
			vme->u.watch.wp_type = w->type;
			return MEM_WATCH;
		}
	}
	return MEM_OK;
}

static int
mmio_exit(struct hart *h, uint64_t pa, int size, bool write, uint64_t val)
{
	struct vm_exit *vme = h->vme;

	memset(vme, 0, sizeof(*vme));
	vme->exitcode = VM_EXITCODE_MMIO;
	vme->pc = h->pc;
	vme->u.mmio.gpa = pa;
	vme->u.mmio.size = size;
	vme->u.mmio.write = write;
	vme->u.mmio.data = write ? val : 0;
	return MEM_MMIO_EXIT;
}

/* A load that is not a TLB hit: translate, then RAM or MMIO. */
static int
load_slow(struct hart *h, uint64_t va, int size, uint64_t *val)
{
	uint64_t pa, v = 0;
	void *p;
	int r;

	if ((va & 0xfff) + (uint64_t)size > 4096) {
		/* Crosses a page: byte by byte (misaligned access in "hardware"). */
		for (int i = 0; i < size; i++) {
			uint64_t b;

			r = load_slow(h, va + i, 1, &b);
			if (r != MEM_OK) {
				if (r == MEM_MMIO_EXIT)
					r = MEM_EXC(EXC_LOAD_ACCESS);
				return r;
			}
			v |= b << (8 * i);
		}
		*val = v;
		return MEM_OK;
	}
	r = hart_translate(h, va, ACC_LOAD, &pa, true);
	if (r != MEM_OK)
		return r;
	p = hart_ram_ptr(h, pa, (uint64_t)size);
	if (p != NULL) {
		tlb_fill(h, ACC_LOAD, va, pa);
		gmem_read(&v, p, (size_t)size);
		*val = v;
		return MEM_OK;
	}
	if (pa & (uint64_t)(size - 1)) {
		h->fault_tval = va;
		return MEM_EXC(EXC_LOAD_ACCESS);
	}
	switch (vmm_mmio_read(h->env.vcpu, pa, size, &v)) {
	case VMM_MMIO_DONE:
		*val = size == 8 ? v : v & ((UINT64_C(1) << (8 * size)) - 1);
		return MEM_OK;
	case VMM_MMIO_EXIT:
		return mmio_exit(h, pa, size, false, 0);
	default:
		h->fault_tval = va;
		return MEM_EXC(EXC_LOAD_ACCESS);
	}
}

int
hart_load(struct hart *h, uint64_t va, int size, uint64_t *val)
{
	void *p;

	p = tlb_lookup(h, ACC_LOAD, va, size);
	if (__builtin_expect(p != NULL, 1)) {
		uint64_t v = 0;

		gmem_read(&v, p, (size_t)size);
		*val = v;
		return MEM_OK;
	}
	/* A TLB hit is never watched (tlb_fill); a miss may be. */
	if (__builtin_expect(h->nwps != 0 && !h->watch_skip, 0) &&
	    watch_check(h, va, size, VM_WATCH_READ) != MEM_OK)
		return MEM_WATCH;
	return load_slow(h, va, size, val);
}

static int
store_slow(struct hart *h, uint64_t va, int size, uint64_t val)
{
	uint64_t pa, pa2;
	void *p;
	int r;

	if ((va & 0xfff) + (uint64_t)size > 4096) {
		/* Both pages must be writable before any byte is stored. */
		r = hart_translate(h, va, ACC_STORE, &pa, true);
		if (r == MEM_OK)
			r = hart_translate(h, (va + (uint64_t)size - 1) & ~UINT64_C(0xfff),
			    ACC_STORE, &pa2, true);
		if (r != MEM_OK)
			return r;
		for (int i = 0; i < size; i++) {
			r = store_slow(h, va + i, 1, val >> (8 * i));
			if (r != MEM_OK)
				return r == MEM_MMIO_EXIT ? MEM_EXC(EXC_STORE_ACCESS) : r;
		}
		return MEM_OK;
	}
	r = hart_translate(h, va, ACC_STORE, &pa, true);
	if (r != MEM_OK)
		return r;
	p = hart_ram_ptr(h, pa, (uint64_t)size);
	if (p != NULL) {
		tlb_fill(h, ACC_STORE, va, pa);
		gmem_write(p, &val, (size_t)size);
		dcache_code_written(h, pa, (uint64_t)size);
		return MEM_OK;
	}
	if (pa & (uint64_t)(size - 1)) {
		h->fault_tval = va;
		return MEM_EXC(EXC_STORE_ACCESS);
	}
	if (size < 8)
		val &= (UINT64_C(1) << (8 * size)) - 1;
	switch (vmm_mmio_write(h->env.vcpu, pa, size, val)) {
	case VMM_MMIO_DONE:
		return MEM_OK;
	case VMM_MMIO_EXIT:
		return mmio_exit(h, pa, size, true, val);
	default:
		h->fault_tval = va;
		return MEM_EXC(EXC_STORE_ACCESS);
	}
}

int
hart_store(struct hart *h, uint64_t va, int size, uint64_t val)
{
	void *p;

	p = tlb_lookup(h, ACC_STORE, va, size);
	if (__builtin_expect(p != NULL, 1)) {
		gmem_write(p, &val, (size_t)size);
		return MEM_OK;
	}
	if (__builtin_expect(h->nwps != 0 && !h->watch_skip, 0) &&
	    watch_check(h, va, size, VM_WATCH_WRITE) != MEM_OK)
		return MEM_WATCH;
	return store_slow(h, va, size, val);
}

/* Fetch the (possibly compressed) instruction at va into *insn. */
int
hart_fetch(struct hart *h, uint64_t va, uint32_t *insn)
{
	uint16_t lo, hi;
	uint64_t pa;
	void *p;
	int r;

	p = tlb_lookup(h, ACC_FETCH, va, 4);
	if (__builtin_expect(p != NULL, 1)) {
		gmem_read(insn, p, 4);
		return MEM_OK;
	}
	/* Slow path: two halves, each may sit on its own page. */
	for (int half = 0; half < 2; half++) {
		uint64_t a = va + 2 * (uint64_t)half;

		p = tlb_lookup(h, ACC_FETCH, a, 2);
		if (p == NULL) {
			r = hart_translate(h, a, ACC_FETCH, &pa, true);
			if (r != MEM_OK)
				return r;
			p = hart_ram_ptr(h, pa, 2);
			if (p == NULL) {
				h->fault_tval = a;
				return MEM_EXC(EXC_INSN_ACCESS);
			}
			tlb_fill(h, ACC_FETCH, a, pa);
		}
		gmem_read(half ? &hi : &lo, p, 2);
		if (half == 0 && (lo & 3) != 3) {
			*insn = lo;
			return MEM_OK;
		}
	}
	*insn = (uint32_t)lo | ((uint32_t)hi << 16);
	return MEM_OK;
}

/*
 * Host pointer for an AMO/LR/SC: naturally aligned, in RAM, writable.
 * (AMOs to MMIO are store/AMO access faults in this implementation.)
 * The caller calls dcache_code_written() once it has written.
 */
int
hart_amo_ptr(struct hart *h, uint64_t va, int size, void **host, uint64_t *pa)
{
	int r;

	if (va & (uint64_t)(size - 1)) {
		h->fault_tval = va;
		return MEM_EXC(EXC_STORE_MISALIGNED);
	}
	if (__builtin_expect(h->nwps != 0 && !h->watch_skip, 0) &&
	    watch_check(h, va, size, VM_WATCH_ACCESS) != MEM_OK)
		return MEM_WATCH;
	/*
	 * A store entry in the TLB means RAM, writable, D already set and
	 * not code (tlb_fill): no walk.  Spinlocks are AMO loops, and a
	 * page-table walk per turn was a quarter of xv6's host time.
	 */
	*host = tlb_lookup(h, ACC_STORE, va, size);
	if (*host != NULL) {
		*pa = (uint64_t)((uint8_t *)*host - h->env.ram) +
		    h->env.ram_base;
		return MEM_OK;
	}
	r = hart_translate(h, va, ACC_STORE, pa, true);
	if (r != MEM_OK)
		return r;
	*host = hart_ram_ptr(h, *pa, (uint64_t)size);
	if (*host == NULL) {
		h->fault_tval = va;
		return MEM_EXC(EXC_STORE_ACCESS);
	}
	tlb_fill(h, ACC_STORE, va, *pa);
	/* The caller writes, then calls dcache_code_written(). */
	return MEM_OK;
}
