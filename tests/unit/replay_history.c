/*
 * The recorder's history (rhyve/replay/history.c) on its own: position
 * order, the schedule's segments and "the instruction before" of a vCPU,
 * snapshots that share unchanged and zero pages and restore exactly, the
 * byte limit dropping the oldest snapshot with the history before the
 * next one, truncation when the debugger rewrites history.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "rhyve/replay/history.h"

#define NPAGES	16
#define RAM	(NPAGES * RR_PAGE_SIZE)

static uint8_t ram[RAM];
static const uint8_t state[64] = { 1, 2, 3 };

static struct rr_pos
pos(uint64_t seg, bool bdone, uint64_t off)
{
	return (struct rr_pos){ seg, bdone, off };
}

static void
add(struct rr_history *h, int vcpu, uint32_t n)
{
	struct rr_seg last = { 0 }, s;
	uint64_t end = rr_hist_end(h);

	if (end > h->seg_base)
		last = *rr_hist_seg(h, end - 1);
	s = (struct rr_seg){ .g = last.g + last.n, .clock = last.clock + last.n,
	    .n = n, .vcpu = (uint16_t)vcpu };
	cr_assert_eq(rr_hist_add_seg(h, &s), 0);
}

Test(replay_history, positions_order)
{
	struct rr_pos a = pos(3, true, 10), b = pos(4, false, 0),
	    c = pos(4, true, 0), d = pos(4, true, 1);

	cr_expect_lt(rr_pos_cmp(&a, &b), 0);
	cr_expect_lt(rr_pos_cmp(&b, &c), 0);
	cr_expect_lt(rr_pos_cmp(&c, &d), 0);
	cr_expect_eq(rr_pos_cmp(&d, &d), 0);
	cr_expect_gt(rr_pos_cmp(&d, &a), 0);
}

Test(replay_history, limit_must_hold_a_snapshot)
{
	struct rr_history h;

	cr_expect_neq(rr_hist_init(&h, RAM, RAM, sizeof(state)), 0);
	cr_expect_eq(rr_hist_init(&h, 64 << 20, RAM, sizeof(state)), 0);
	rr_hist_free(&h);
}

Test(replay_history, instruction_before)
{
	struct rr_history h;
	struct rr_pos p, out;

	cr_assert_eq(rr_hist_init(&h, 64 << 20, RAM, sizeof(state)), 0);
	cr_assert_eq(rr_hist_snapshot(&h, 0, 0, 0, state, sizeof(state), ram,
	    false), 0);
	add(&h, 0, 5);		/* seg 0: vCPU 0, g 0..4 */
	add(&h, 1, 3);		/* seg 1: vCPU 1, g 5..7 */
	add(&h, 2, 0);		/* seg 2: vCPU 2 ran nothing */
	add(&h, 0, 4);		/* seg 3: vCPU 0, g 8..11 */

	/* at the end, vCPU 0's last instruction is seg 3's fourth */
	p = rr_hist_last(&h);
	cr_expect_eq(rr_pos_cmp(&p, &(struct rr_pos){ 3, true, 4 }), 0);
	cr_expect_eq(rr_hist_global(&h, &p), 12);
	cr_assert(rr_hist_prev_insn(&h, &p, 0, &out));
	cr_expect_eq(rr_pos_cmp(&out, &(struct rr_pos){ 3, true, 3 }), 0);
	cr_expect_eq(rr_hist_global(&h, &out), 11);
	/* vCPU 1: back across seg 3 and the empty seg 2 */
	cr_assert(rr_hist_prev_insn(&h, &p, 1, &out));
	cr_expect_eq(rr_pos_cmp(&out, &(struct rr_pos){ 1, true, 2 }), 0);
	cr_expect_eq(rr_hist_global(&h, &out), 7);
	/* from the start of seg 3, vCPU 0 goes back into seg 0 */
	p = pos(3, true, 0);
	cr_assert(rr_hist_prev_insn(&h, &p, 0, &out));
	cr_expect_eq(rr_pos_cmp(&out, &(struct rr_pos){ 0, true, 4 }), 0);
	/* vCPU 2 never ran; vCPU 0 at its first instruction has none before */
	cr_expect_not(rr_hist_prev_insn(&h, &p, 2, &out));
	p = pos(0, true, 0);
	cr_expect_not(rr_hist_prev_insn(&h, &p, 0, &out));
	rr_hist_free(&h);
}

static int changed_pages;

static void
changed(uint64_t off, void *arg)
{
	(void)off;
	(void)arg;
	changed_pages++;
}

Test(replay_history, snapshots_share_pages_and_restore)
{
	static uint8_t copy[RAM];
	struct rr_history h;
	struct rr_pos p;
	struct rr_snap *s;

	memset(ram, 0, sizeof(ram));
	memset(ram + 2 * RR_PAGE_SIZE, 0xaa, RR_PAGE_SIZE);
	memset(ram + 5 * RR_PAGE_SIZE, 0x55, RR_PAGE_SIZE);
	memcpy(copy, ram, sizeof(ram));
	cr_assert_eq(rr_hist_init(&h, 64 << 20, RAM, sizeof(state)), 0);
	cr_assert_eq(rr_hist_snapshot(&h, 0, 0, 0, state, sizeof(state), ram,
	    false), 0);
	cr_expect_eq(h.pages_copied, 2, "only the two non-zero pages");
	add(&h, 0, 100);
	ram[5 * RR_PAGE_SIZE + 7] = 1;		/* one page written */
	ram[9 * RR_PAGE_SIZE] = 2;		/* one zero page written */
	cr_assert_eq(rr_hist_snapshot(&h, 1, 100, 100, state, sizeof(state),
	    ram, false), 0);
	cr_expect_eq(h.pages_copied, 4, "the two written pages, no more");
	cr_expect_eq(h.snaps[0].pages[2], h.snaps[1].pages[2], "shared");
	cr_expect_eq(h.snaps[0].pages[2]->refs, 2);

	p = pos(0, true, 50);
	s = rr_hist_snap_before(&h, &p, false);
	cr_assert_eq(s, &h.snaps[0]);
	changed_pages = 0;
	cr_expect_eq(rr_hist_restore_ram(s, NPAGES, ram, changed, NULL), 2);
	cr_expect_eq(changed_pages, 2);
	cr_expect_eq(memcmp(ram, copy, sizeof(ram)), 0);
	cr_expect_eq(memcmp(s->state, state, sizeof(state)), 0);
	/* exactly at a snapshot: that one, unless strictly before */
	p = pos(1, false, 0);
	cr_expect_eq(rr_hist_snap_before(&h, &p, false), &h.snaps[1]);
	cr_expect_eq(rr_hist_snap_before(&h, &p, true), &h.snaps[0]);
	rr_hist_free(&h);
}

Test(replay_history, limit_drops_the_oldest)
{
	struct rr_history h;
	uint64_t limit = 20 * RR_PAGE_SIZE + (1 << 20) + 64 * 1024;
	struct rr_pos b;
	uint8_t in = 'x';

	memset(ram, 0, sizeof(ram));
	cr_assert_eq(rr_hist_init(&h, limit, RAM, sizeof(state)), 0);
	for (int k = 0; k < 40; k++) {
		/* every page changes: each snapshot costs the whole RAM */
		memset(ram, k + 1, sizeof(ram));
		cr_assert_eq(rr_hist_snapshot(&h, (uint64_t)k, (uint64_t)k * 10,
		    (uint64_t)k * 10, state, sizeof(state), ram, false), 0);
		cr_assert_eq(rr_hist_add_input(&h, (uint64_t)k,
		    (uint64_t)k * 10, RR_IN_CONSOLE, &in, 1), 0);
		add(&h, k % 3, 10);
		cr_assert_leq(h.bytes, limit + (NPAGES + 1) * RR_PAGE_SIZE +
		    (1 << 16), "%lu", (unsigned long)h.bytes);
	}
	cr_expect_gt(h.snaps_dropped, 0);
	cr_expect_eq(h.nsnaps + h.snaps_dropped, 40);
	b = rr_hist_begin(&h);
	cr_expect_eq(b.seg, h.snaps[0].seg);
	cr_expect_eq(h.seg_base, b.seg, "segments before it are gone");
	cr_expect_eq(h.ins[0].seg, b.seg, "inputs before it are gone");
	cr_expect_null(rr_hist_seg(&h, b.seg - 1));
	cr_expect_not_null(rr_hist_seg(&h, b.seg));
	rr_hist_free(&h);
}

Test(replay_history, truncate_and_barrier)
{
	struct rr_history h;
	struct rr_pos p;
	uint8_t in = 'y';

	memset(ram, 0, sizeof(ram));
	cr_assert_eq(rr_hist_init(&h, 64 << 20, RAM, sizeof(state)), 0);
	cr_assert_eq(rr_hist_snapshot(&h, 0, 0, 0, state, sizeof(state), ram,
	    false), 0);
	for (int k = 0; k < 6; k++) {
		cr_assert_eq(rr_hist_add_input(&h, (uint64_t)k,
		    (uint64_t)k * 10, RR_IN_CONSOLE, &in, 1), 0);
		add(&h, k % 2, 10);
		if (k == 2 || k == 4)
			cr_assert_eq(rr_hist_snapshot(&h, (uint64_t)k + 1,
			    (uint64_t)(k + 1) * 10, 0, state, sizeof(state),
			    ram, false), 0);
	}
	cr_expect_eq(rr_hist_input_at(&h, 3), 3);
	/* the debugger wrote memory in segment 2, after 4 instructions */
	p = pos(2, true, 4);
	rr_hist_truncate(&h, &p);
	cr_expect_eq(rr_hist_end(&h), 3);
	cr_expect_eq(rr_hist_seg(&h, 2)->n, 4);
	cr_expect_eq(h.nins, 3, "inputs of segments 0-2 stay");
	cr_expect_eq(h.nsnaps, 1, "snapshots after segment 2 go");
	p = rr_hist_last(&h);
	cr_expect_eq(rr_hist_global(&h, &p), 24);
	cr_assert_eq(rr_hist_snapshot(&h, 3, 24, 24, state, sizeof(state), ram,
	    true), 0);
	cr_expect_eq(rr_hist_barrier_at(&h, 3), &h.snaps[1]);
	cr_expect_null(rr_hist_barrier_at(&h, 0));
	rr_hist_free(&h);
}

/* Sharing keeps working when the snapshot array grows (it moves). */
Test(replay_history, sharing_across_growth)
{
	struct rr_history h;

	memset(ram, 0x11, sizeof(ram));
	cr_assert_eq(rr_hist_init(&h, UINT64_C(1) << 30, RAM, sizeof(state)),
	    0);
	for (uint64_t k = 0; k < 2100; k++)
		cr_assert_eq(rr_hist_snapshot(&h, k, k, k, state, sizeof(state),
		    ram, false), 0);
	cr_expect_eq(h.nsnaps, 2100);
	cr_expect_eq(h.pages_copied, NPAGES, "%lu",
	    (unsigned long)h.pages_copied);
	cr_expect_eq(h.snaps[2099].pages[3], h.snaps[0].pages[3]);
	cr_expect_eq(h.snaps[0].pages[3]->refs, 2100);
	rr_hist_free(&h);
}

/*
 * Checks and entropy inputs on truncation: the debugger writes at
 * (2, after boundary, 4), i.e. global count 24.  Entropy asked for at
 * 23 stays (its instruction retired), at 24 and 27 goes; the check of
 * segment 2 stays (taken before its boundary), those after go.
 */
Test(replay_history, checks_and_entropy_on_truncate)
{
	struct rr_history h;
	struct rr_pos p;
	uint8_t b = 7;

	memset(ram, 0, sizeof(ram));
	cr_assert_eq(rr_hist_init(&h, 64 << 20, RAM, sizeof(state)), 0);
	cr_assert_eq(rr_hist_snapshot(&h, 0, 0, 0, state, sizeof(state), ram,
	    false), 0);
	for (uint64_t k = 0; k < 5; k++) {
		struct rr_check c = { .seg = k, .g = k * 10, .state_hash = k };

		cr_assert_eq(rr_hist_add_check(&h, &c), 0);
		add(&h, 0, 10);
	}
	cr_expect_neq(rr_hist_add_check(&h, &(struct rr_check){ .seg = 4 }), 0,
	    "checks go in segment order, one per segment");
	cr_assert_eq(rr_hist_add_input(&h, 2, 23, RR_IN_RNG, &b, 1), 0);
	cr_assert_eq(rr_hist_add_input(&h, 2, 24, RR_IN_RNG, &b, 1), 0);
	cr_assert_eq(rr_hist_add_input(&h, 2, 27, RR_IN_RNG, &b, 1), 0);
	cr_assert_eq(rr_hist_add_input(&h, 3, 30, RR_IN_CONSOLE, &b, 1), 0);
	cr_expect_eq(rr_hist_check_at(&h, 3)->state_hash, 3);
	cr_expect_null(rr_hist_check_at(&h, 9));
	p = pos(2, true, 4);
	rr_hist_truncate(&h, &p);
	cr_expect_eq(h.nins, 1, "entropy before the cut stays, after goes");
	cr_expect_eq(h.ins[0].g, 23);
	cr_expect_eq(h.nchecks, 3, "checks of segments 0-2 stay");
	cr_expect_not_null(rr_hist_check_at(&h, 2));
	cr_expect_null(rr_hist_check_at(&h, 3));
	/* at a segment's start its check goes too (state changes there) */
	p = pos(1, false, 0);
	rr_hist_truncate(&h, &p);
	cr_expect_eq(h.nchecks, 1);
	rr_hist_free(&h);
}

/*
 * A snapshot's RAM hash, computed from the pages it copies and the
 * hashes of those it shares, is rr_ram_hash() of the RAM; one changed
 * byte changes it.
 */
Test(replay_history, ram_hash)
{
	struct rr_history h;
	uint64_t h0, h1;

	memset(ram, 0, sizeof(ram));
	memset(ram + 3 * RR_PAGE_SIZE, 0x5a, RR_PAGE_SIZE);
	cr_assert_eq(rr_hist_init(&h, 64 << 20, RAM, sizeof(state)), 0);
	cr_assert_eq(rr_hist_snapshot(&h, 0, 0, 0, state, sizeof(state), ram,
	    false), 0);
	h0 = rr_ram_hash(ram, NPAGES);
	cr_expect_eq(h.snaps[0].ram_hash, h0);
	ram[5 * RR_PAGE_SIZE + 100] = 1;
	cr_assert_eq(rr_hist_snapshot(&h, 1, 1, 1, state, sizeof(state), ram,
	    false), 0);
	h1 = rr_ram_hash(ram, NPAGES);
	cr_expect_neq(h1, h0);
	cr_expect_eq(h.snaps[1].ram_hash, h1, "shared pages keep their hash");
	ram[5 * RR_PAGE_SIZE + 100] = 0;
	cr_expect_eq(rr_ram_hash(ram, NPAGES), h0);
	cr_expect_neq(h0, 0);
	rr_hist_free(&h);
}
