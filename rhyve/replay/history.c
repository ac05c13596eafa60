/*
 * history.c - a recording's segments, inputs and snapshots (history.h).
 *
 * Snapshots copy guest RAM a page at a time and share every page equal
 * to the newest snapshot's (a reference count per page) and every
 * all-zero page (NULL), so a snapshot costs the pages the guest wrote
 * since the one before.  The byte limit counts everything: segments,
 * inputs, state images and pages; over it, the oldest snapshot goes,
 * and with it the history before the next one.  Each page keeps its
 * hash, so a snapshot's RAM hash costs the pages copied plus a fold.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "history.h"

int
rr_pos_cmp(const struct rr_pos *a, const struct rr_pos *b)
{
	if (a->seg != b->seg)
		return a->seg < b->seg ? -1 : 1;
	if (a->bdone != b->bdone)
		return a->bdone ? 1 : -1;
	if (a->off != b->off)
		return a->off < b->off ? -1 : 1;
	return 0;
}

int
rr_hist_init(struct rr_history *h, uint64_t limit, uint64_t ram_size,
    size_t state_len)
{
	memset(h, 0, sizeof(*h));
	h->limit = limit;
	h->npages = (size_t)(ram_size / RR_PAGE_SIZE);
	/* One full snapshot, its page table and room to go on. */
	if (limit < ram_size + state_len + h->npages * sizeof(void *) +
	    (UINT64_C(1) << 20)) {
		errno = ENOSPC;
		return -1;
	}
	return 0;
}

static void
page_put(struct rr_history *h, struct rr_page *p)
{
	if (p != NULL && --p->refs == 0) {
		free(p);
		h->bytes -= sizeof(*p);
	}
}

static void
snap_free(struct rr_history *h, struct rr_snap *s)
{
	if (s->pages != NULL)
		for (size_t i = 0; i < h->npages; i++)
			page_put(h, s->pages[i]);
	h->bytes -= s->state_len + h->npages * sizeof(void *);
	free(s->pages);
	free(s->state);
	memset(s, 0, sizeof(*s));
}

void
rr_hist_free(struct rr_history *h)
{
	for (size_t i = 0; i < h->nsnaps; i++)
		snap_free(h, &h->snaps[i]);
	for (size_t i = 0; i < h->nins; i++)
		free(h->ins[i].data);
	free(h->snaps);
	free(h->segs);
	free(h->ins);
	free(h->checks);
	memset(h, 0, sizeof(*h));
}

uint64_t
rr_hist_end(const struct rr_history *h)
{
	return h->seg_base + h->nsegs;
}

struct rr_seg *
rr_hist_seg(const struct rr_history *h, uint64_t k)
{
	if (k < h->seg_base || k - h->seg_base >= h->nsegs)
		return NULL;
	return &h->segs[k - h->seg_base];
}

static int
grow(void **arr, size_t *cap, size_t need, size_t elem, uint64_t *bytes)
{
	size_t ncap;
	void *p;

	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 1024;
	while (ncap < need)
		ncap *= 2;
	p = realloc(*arr, ncap * elem);
	if (p == NULL)
		return -1;
	*bytes += (ncap - *cap) * elem;
	*arr = p;
	*cap = ncap;
	return 0;
}

int
rr_hist_add_seg(struct rr_history *h, const struct rr_seg *s)
{
	if (grow((void **)&h->segs, &h->capsegs, h->nsegs + 1,
	    sizeof(*h->segs), &h->bytes) != 0)
		return -1;
	h->segs[h->nsegs++] = *s;
	return 0;
}

int
rr_hist_add_input(struct rr_history *h, uint64_t seg, uint64_t g, int kind,
    const uint8_t *data, size_t len)
{
	uint8_t *copy;

	if (grow((void **)&h->ins, &h->capins, h->nins + 1, sizeof(*h->ins),
	    &h->bytes) != 0)
		return -1;
	copy = malloc(len > 0 ? len : 1);
	if (copy == NULL)
		return -1;
	memcpy(copy, data, len);
	h->ins[h->nins++] = (struct rr_input){ .seg = seg, .g = g,
	    .len = (uint32_t)len, .kind = (uint32_t)kind, .data = copy };
	h->bytes += len;
	return 0;
}

int
rr_hist_add_check(struct rr_history *h, const struct rr_check *c)
{
	if (h->nchecks > 0 && h->checks[h->nchecks - 1].seg >= c->seg) {
		errno = EINVAL;
		return -1;
	}
	if (grow((void **)&h->checks, &h->capchecks, h->nchecks + 1,
	    sizeof(*h->checks), &h->bytes) != 0)
		return -1;
	h->checks[h->nchecks++] = *c;
	return 0;
}

/*
 * Index of the first of n records (of 'size' bytes, sorted by the
 * uint64_t segment at offset 'off') at segment seg or later: the
 * checks and the inputs are both kept in segment order.
 */
static size_t
first_at_seg(const void *base, size_t n, size_t size, size_t off,
    uint64_t seg)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint64_t s;

		memcpy(&s, (const char *)base + mid * size + off, sizeof(s));
		if (s < seg)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Index of the first check at segment seg or later. */
static size_t
check_index(const struct rr_history *h, uint64_t seg)
{
	return first_at_seg(h->checks, h->nchecks, sizeof(*h->checks),
	    offsetof(struct rr_check, seg), seg);
}

const struct rr_check *
rr_hist_check_at(const struct rr_history *h, uint64_t seg)
{
	size_t i = check_index(h, seg);

	return i < h->nchecks && h->checks[i].seg == seg ? &h->checks[i] : NULL;
}

#define HASH_M	UINT64_C(0x9e3779b97f4a7c15)

/* The last step of a 64-bit hash: every input bit reaches every output bit. */
static uint64_t
mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= UINT64_C(0xff51afd7ed558ccd);
	x ^= x >> 33;
	x *= UINT64_C(0xc4ceb9fe1a85ec53);
	x ^= x >> 33;
	return x;
}

uint64_t
rr_page_hash(const uint8_t *page)
{
	/*
	 * Four independent lanes so that the multiplications overlap.
	 * Each step (lane ^ word) * odd constant is a bijection of the
	 * word, so pages that differ in one word never collide.
	 */
	uint64_t a = 1, b = 2, c = 3, d = 4, w[4];

	for (size_t i = 0; i < RR_PAGE_SIZE; i += sizeof(w)) {
		memcpy(w, page + i, sizeof(w));
		a = (a ^ w[0]) * HASH_M;
		b = (b ^ w[1]) * HASH_M;
		c = (c ^ w[2]) * HASH_M;
		d = (d ^ w[3]) * HASH_M;
		a ^= a >> 31;
		b ^= b >> 31;
		c ^= c >> 31;
		d ^= d >> 31;
	}
	return mix64(a ^ mix64(b ^ mix64(c ^ mix64(d))));
}

static uint64_t
zero_page_hash(void)
{
	static const uint8_t zero[RR_PAGE_SIZE];
	static uint64_t hz;

	/* racy but idempotent; the recorder's thread is the only caller */
	if (hz == 0)
		hz = rr_page_hash(zero);
	return hz;
}

/* Fold one page's hash into a RAM hash. */
static uint64_t
ram_fold(uint64_t h, uint64_t page_hash)
{
	return (h ^ page_hash) * UINT64_C(0x100000001b3) + 1;
}

#define RAM_HASH0	UINT64_C(0xcbf29ce484222325)

uint64_t
rr_ram_hash(const uint8_t *ram, size_t npages)
{
	uint64_t h = RAM_HASH0;

	for (size_t i = 0; i < npages; i++)
		h = ram_fold(h, rr_page_hash(ram + i * RR_PAGE_SIZE));
	return mix64(h) | 1;	/* never 0: 0 means "not taken" */
}

size_t
rr_hist_input_at(const struct rr_history *h, uint64_t seg)
{
	return first_at_seg(h->ins, h->nins, sizeof(*h->ins),
	    offsetof(struct rr_input, seg), seg);
}

static bool
page_is_zero(const uint8_t *p)
{
	static const uint8_t zero[RR_PAGE_SIZE];

	return memcmp(p, zero, RR_PAGE_SIZE) == 0;
}

/* Drop the oldest snapshot and the history before the next one. */
static void
drop_oldest(struct rr_history *h)
{
	uint64_t first;
	size_t k;

	snap_free(h, &h->snaps[0]);
	memmove(&h->snaps[0], &h->snaps[1], (h->nsnaps - 1) * sizeof(*h->snaps));
	h->nsnaps--;
	h->snaps_dropped++;
	first = h->snaps[0].seg;
	if (first > h->seg_base) {
		size_t drop = (size_t)(first - h->seg_base);

		if (drop > h->nsegs)
			drop = h->nsegs;
		memmove(h->segs, h->segs + drop,
		    (h->nsegs - drop) * sizeof(*h->segs));
		h->nsegs -= drop;
		h->seg_base = first;
	}
	k = rr_hist_input_at(h, first);
	for (size_t i = 0; i < k; i++) {
		h->bytes -= h->ins[i].len;
		free(h->ins[i].data);
	}
	memmove(h->ins, h->ins + k, (h->nins - k) * sizeof(*h->ins));
	h->nins -= k;
	k = check_index(h, first);
	if (k > 0) {		/* (no array at all without checks) */
		memmove(h->checks, h->checks + k,
		    (h->nchecks - k) * sizeof(*h->checks));
		h->nchecks -= k;
	}
}

int
rr_hist_snapshot(struct rr_history *h, uint64_t seg, uint64_t g,
    uint64_t clock, const void *state, size_t state_len, const uint8_t *ram,
    bool barrier)
{
	struct rr_snap s = { .seg = seg, .g = g, .clock = clock,
	    .barrier = barrier };
	const struct rr_snap *prev;
	uint64_t rh = RAM_HASH0;

	if (grow((void **)&h->snaps, &h->capsnaps, h->nsnaps + 1,
	    sizeof(*h->snaps), &h->bytes) != 0)
		return -1;
	/* after grow(): it may move the array */
	prev = h->nsnaps > 0 ? &h->snaps[h->nsnaps - 1] : NULL;
	s.state = malloc(state_len);
	s.pages = calloc(h->npages, sizeof(*s.pages));
	if (s.state == NULL || s.pages == NULL) {
		free(s.state);
		free(s.pages);
		return -1;
	}
	memcpy(s.state, state, state_len);
	s.state_len = state_len;
	h->bytes += state_len + h->npages * sizeof(void *);
	s.bytes = state_len + h->npages * sizeof(void *);
	for (size_t i = 0; i < h->npages; i++) {
		const uint8_t *src = ram + i * RR_PAGE_SIZE;
		struct rr_page *old = prev != NULL ? prev->pages[i] : NULL;
		struct rr_page *p;

		if (old != NULL && memcmp(old->data, src, RR_PAGE_SIZE) == 0) {
			old->refs++;
			s.pages[i] = old;
			h->pages_shared++;
			rh = ram_fold(rh, old->hash);
			continue;
		}
		if (page_is_zero(src)) {
			h->pages_shared++;
			rh = ram_fold(rh, zero_page_hash());
			continue;
		}
		p = malloc(sizeof(*p));
		if (p == NULL) {
			h->snaps[h->nsnaps] = s;
			snap_free(h, &h->snaps[h->nsnaps]);
			return -1;
		}
		p->refs = 1;
		memcpy(p->data, src, RR_PAGE_SIZE);
		p->hash = rr_page_hash(p->data);
		rh = ram_fold(rh, p->hash);
		s.pages[i] = p;
		h->bytes += sizeof(*p);
		s.bytes += sizeof(*p);
		h->pages_copied++;
	}
	s.ram_hash = mix64(rh) | 1;
	h->snaps[h->nsnaps++] = s;
	h->snaps_taken++;
	while (h->bytes > h->limit && h->nsnaps > 1)
		drop_oldest(h);
	return 0;
}

struct rr_snap *
rr_hist_snap_before(const struct rr_history *h, const struct rr_pos *p,
    bool strictly)
{
	for (size_t i = h->nsnaps; i-- > 0;) {
		struct rr_pos sp = { h->snaps[i].seg, false, 0 };
		int c = rr_pos_cmp(&sp, p);

		if (c < 0 || (c == 0 && !strictly))
			return &h->snaps[i];
	}
	return NULL;
}

struct rr_snap *
rr_hist_barrier_at(const struct rr_history *h, uint64_t seg)
{
	for (size_t i = h->nsnaps; i-- > 0;) {
		if (h->snaps[i].seg < seg)
			break;
		if (h->snaps[i].seg == seg && h->snaps[i].barrier)
			return &h->snaps[i];
	}
	return NULL;
}

size_t
rr_hist_restore_ram(const struct rr_snap *s, size_t npages, uint8_t *ram,
    void (*changed)(uint64_t off, void *arg), void *arg)
{
	static const uint8_t zero[RR_PAGE_SIZE];
	size_t n = 0;

	for (size_t i = 0; i < npages; i++) {
		uint8_t *dst = ram + i * RR_PAGE_SIZE;
		const uint8_t *src = s->pages[i] != NULL ? s->pages[i]->data :
		    zero;

		if (memcmp(dst, src, RR_PAGE_SIZE) == 0)
			continue;
		memcpy(dst, src, RR_PAGE_SIZE);
		if (changed != NULL)
			changed((uint64_t)i * RR_PAGE_SIZE, arg);
		n++;
	}
	return n;
}

struct rr_pos
rr_hist_begin(const struct rr_history *h)
{
	struct rr_pos p = { h->nsnaps > 0 ? h->snaps[0].seg : h->seg_base,
	    false, 0 };

	return p;
}

struct rr_pos
rr_hist_last(const struct rr_history *h)
{
	struct rr_pos p = { h->seg_base, false, 0 };

	if (h->nsegs > 0) {
		p.seg = rr_hist_end(h) - 1;
		p.bdone = true;
		p.off = h->segs[h->nsegs - 1].n;
	}
	return p;
}

bool
rr_hist_prev_insn(const struct rr_history *h, const struct rr_pos *p,
    int vcpu, struct rr_pos *out)
{
	uint64_t k = p->seg;
	struct rr_pos b = rr_hist_begin(h);

	if (k >= rr_hist_end(h)) {
		if (h->nsegs == 0)
			return false;
		k = rr_hist_end(h) - 1;
		out->off = h->segs[h->nsegs - 1].n;
	} else {
		out->off = p->bdone ? p->off : 0;
	}
	for (;;) {
		const struct rr_seg *s = rr_hist_seg(h, k);

		if (s == NULL)
			return false;
		if (s->vcpu == vcpu && out->off > 0) {
			out->seg = k;
			out->bdone = true;
			out->off--;
			return rr_pos_cmp(out, &b) >= 0;
		}
		if (k == 0 || k == h->seg_base)
			return false;
		k--;
		s = rr_hist_seg(h, k);
		out->off = s != NULL ? s->n : 0;
	}
}

uint64_t
rr_hist_global(const struct rr_history *h, const struct rr_pos *p)
{
	const struct rr_seg *s = rr_hist_seg(h, p->seg);

	if (s != NULL)
		return s->g + (p->bdone ? p->off : 0);
	if (h->nsegs > 0 && p->seg == rr_hist_end(h)) {
		s = &h->segs[h->nsegs - 1];
		return s->g + s->n;
	}
	for (size_t i = 0; i < h->nsnaps; i++)
		if (h->snaps[i].seg == p->seg)
			return h->snaps[i].g;
	return 0;
}

void
rr_hist_truncate(struct rr_history *h, const struct rr_pos *p)
{
	uint64_t keep_segs, first_input_dropped, cut_g;
	size_t k;

	if (p->seg < h->seg_base)
		return;
	if (p->bdone) {
		struct rr_seg *s = rr_hist_seg(h, p->seg);

		if (s != NULL && p->off < s->n)
			s->n = (uint32_t)p->off;
		keep_segs = p->seg + 1;
		first_input_dropped = p->seg + 1;
	} else {
		keep_segs = p->seg;
		first_input_dropped = p->seg;
	}
	cut_g = rr_hist_global(h, p);
	if (keep_segs < rr_hist_end(h))
		h->nsegs = (size_t)(keep_segs - h->seg_base);
	k = rr_hist_input_at(h, first_input_dropped);
	/* device input of p.seg asked for by an instruction not retired at p */
	while (k > 0 && h->ins[k - 1].seg == p->seg &&
	    !rr_in_at_boundary(h->ins[k - 1].kind) && h->ins[k - 1].g >= cut_g)
		k--;
	for (size_t i = k; i < h->nins; i++) {
		h->bytes -= h->ins[i].len;
		free(h->ins[i].data);
	}
	h->nins = k;
	h->nchecks = check_index(h, first_input_dropped);
	while (h->nsnaps > 1 && h->snaps[h->nsnaps - 1].seg > p->seg)
		snap_free(h, &h->snaps[--h->nsnaps]);
}
