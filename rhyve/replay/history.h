/*
 * history.h - what a recording keeps (rhyve --record): the schedule as
 * a list of segments, the outside inputs stamped with their segment and
 * global instruction count, checks (hashes of the VM at some segment
 * starts, so that a replay that diverges is caught near where it does),
 * and snapshots (VM state image plus guest RAM, pages shared between
 * snapshots when unchanged) in a ring bounded in bytes.  Pure data
 * structure: no VM, no threads; the recorder (replay.c) is its only
 * user, tests/unit/replay_history.c tests it.
 *
 * Positions.  A segment is one vCPU running n instructions in a row;
 * segment k starts at global instruction count g(k) (instructions of
 * every vCPU retired in history before it) and virtual clock clock(k).
 * At the start of a segment, its "boundary", the recorder sets mtime
 * from the clock and delivers the inputs logged for it.  A position is
 * (seg, bdone, off): inside segment seg, before (bdone false) or after
 * its boundary, with off of its instructions retired.  Positions order
 * lexicographically; (k, true, n(k)) comes before (k+1, false, 0), which
 * is where snapshots are taken.  The global count of a position is
 * g(seg) + off.
 */
#ifndef RHYVE_REPLAY_HISTORY_H
#define RHYVE_REPLAY_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RR_PAGE_SIZE	4096

struct rr_pos {
	uint64_t seg;
	bool	 bdone;		/* the segment's boundary was applied */
	uint64_t off;		/* its instructions retired */
};

#define RR_SEG_WFI	0x1	/* ended by WFI: the clock moves a quantum */

struct rr_seg {
	uint64_t g;		/* global instruction count at its start */
	uint64_t clock;		/* virtual clock at its start */
	uint32_t n;		/* instructions it retired */
	uint16_t vcpu;
	uint16_t flags;		/* RR_SEG_* */
};

/* Kinds of input (struct rr_input). */
enum rr_in_kind {
	RR_IN_CONSOLE = 0,	/* console bytes for the segment's boundary */
	RR_IN_RNG = 1,		/* bytes virtio-rng gave the guest at g */
	RR_IN_DISK = 2,		/* what a request to a writable disk gave
				   the guest (replay.c's rr_blk()) */
	RR_IN_DISK_UNDO = 3,	/* the image's bytes a write replaced */
	RR_IN_NET = 4,		/* a frame put in the guest's receive queue
				   at the segment's boundary */
	RR_IN_KINDS
};

/*
 * Input from outside.  Console bytes and network frames are delivered at
 * the boundary of segment 'seg' (g is the segment's start); the other
 * kinds come in the middle of a segment, asked for by the instruction
 * that notified the device, and g is the global count of instructions
 * retired before it.  In segment order, and in the order they came
 * within a segment.
 */
/* The longest input (a disk request's data): longer ones are refused. */
#define RR_INPUT_MAX	(UINT32_C(64) << 20)

static inline bool
rr_in_at_boundary(uint32_t kind)
{
	return kind == RR_IN_CONSOLE || kind == RR_IN_NET;
}
struct rr_input {
	uint64_t seg;
	uint64_t g;
	uint32_t len;
	uint32_t kind;		/* enum rr_in_kind */
	uint8_t	*data;
};

/*
 * A check: hashes of the VM at (seg, false, 0), taken while recording
 * live, compared by a replay of a saved recording when it gets there.
 * state_hash covers what the guest sees besides RAM (registers and CSRs
 * of every vCPU, mtime, the devices' state); ram_hash is
 * rr_ram_hash() of guest RAM, or 0 where it was not taken (only at
 * snapshots, where it costs little: see rr_snap.ram_hash).
 */
struct rr_check {
	uint64_t seg;
	uint64_t g;
	uint64_t state_hash;
	uint64_t ram_hash;
};

struct rr_page {
	uint32_t refs;		/* snapshots pointing at it */
	uint64_t hash;		/* rr_page_hash() of data */
	uint8_t	 data[RR_PAGE_SIZE];
};

struct rr_snap {
	uint64_t seg;		/* taken at (seg, false, 0) */
	uint64_t g, clock;
	bool	 barrier;	/* the debugger changed state here: replay
				   reaching seg loads it */
	uint8_t	*state;		/* VM state image and device state */
	size_t	 state_len;
	struct rr_page **pages;	/* [npages]; NULL: an all-zero page */
	size_t	 bytes;		/* what it costs: state + pages it owns */
	uint64_t ram_hash;	/* rr_ram_hash() of its RAM */
};

/*
 * Legend: everything belongs to the recorder's thread (the server
 * thread reads the statistics only while that thread is parked).
 */
struct rr_history {
	uint64_t	 limit;		/* bytes, all included */
	uint64_t	 bytes;		/* in use now */
	size_t		 npages;	/* guest RAM pages */
	/* Segments seg_base .. seg_base + nsegs - 1. */
	struct rr_seg	*segs;
	uint64_t	 seg_base;
	size_t		 nsegs, capsegs;
	/* Inputs, in segment order. */
	struct rr_input	*ins;
	size_t		 nins, capins;
	/* Checks, in segment order, at most one per segment. */
	struct rr_check	*checks;
	size_t		 nchecks, capchecks;
	/* Snapshots, oldest first, in segment order. */
	struct rr_snap	*snaps;
	size_t		 nsnaps, capsnaps;
	/* Statistics. */
	uint64_t	 snaps_taken, snaps_dropped;
	uint64_t	 pages_copied, pages_shared;
};

int	rr_pos_cmp(const struct rr_pos *a, const struct rr_pos *b);

/* 0, or -1 if the limit cannot hold even one snapshot of that RAM. */
int	rr_hist_init(struct rr_history *h, uint64_t limit, uint64_t ram_size,
	    size_t state_len);
void	rr_hist_free(struct rr_history *h);

/* Index one past the last segment: where recording goes on. */
uint64_t rr_hist_end(const struct rr_history *h);
/* Segment k, or NULL if dropped or not recorded yet. */
struct rr_seg *rr_hist_seg(const struct rr_history *h, uint64_t k);
/* Append a segment (index rr_hist_end()); 0 or -1 (ENOMEM). */
int	rr_hist_add_seg(struct rr_history *h, const struct rr_seg *s);
/*
 * Log input of a kind for segment seg (>= every logged one) at global
 * count g.  0 or -1 (ENOMEM).
 */
int	rr_hist_add_input(struct rr_history *h, uint64_t seg, uint64_t g,
	    int kind, const uint8_t *data, size_t len);
/* Index of the first input logged for segment seg or later. */
size_t	rr_hist_input_at(const struct rr_history *h, uint64_t seg);

/* Append a check (its seg above every one's).  0 or -1 (ENOMEM). */
int	rr_hist_add_check(struct rr_history *h, const struct rr_check *c);
/* The check taken at segment seg, or NULL. */
const struct rr_check *rr_hist_check_at(const struct rr_history *h,
	    uint64_t seg);

/*
 * Hash of one page of guest RAM, and of all of it (npages pages): a
 * 64-bit hash that reads 32 bytes per step in four lanes (fast enough
 * to hash hundreds of megabytes per snapshot interval), not a checksum
 * an adversary could not fool: it tells a replay that went astray.
 * rr_ram_hash() folds the page hashes in page order, so a snapshot gets
 * it from the hashes of the pages it shares for free.
 */
uint64_t rr_page_hash(const uint8_t *page);
uint64_t rr_ram_hash(const uint8_t *ram, size_t npages);

/*
 * Take a snapshot at (seg, false, 0) from the state image and RAM;
 * pages equal to the newest snapshot's are shared (its ram_hash is
 * computed on the way, hashing only the pages copied).  Then drop the
 * oldest snapshots (and the segments and inputs before the new oldest)
 * while over the limit, always keeping this one.  0 or -1 (ENOMEM).
 */
int	rr_hist_snapshot(struct rr_history *h, uint64_t seg, uint64_t g,
	    uint64_t clock, const void *state, size_t state_len,
	    const uint8_t *ram, bool barrier);
/* Newest snapshot at or before position p, or NULL (p before history). */
struct rr_snap *rr_hist_snap_before(const struct rr_history *h,
	    const struct rr_pos *p, bool strictly);
/* The barrier snapshot taken at seg, or NULL. */
struct rr_snap *rr_hist_barrier_at(const struct rr_history *h, uint64_t seg);
/*
 * Copy a snapshot's RAM back; changed(gpa_offset, arg) is called for
 * every page that differed.  Returns the number of pages copied.
 */
size_t	rr_hist_restore_ram(const struct rr_snap *s, size_t npages,
	    uint8_t *ram, void (*changed)(uint64_t off, void *arg), void *arg);
/* The position where history begins (the oldest snapshot's). */
struct rr_pos rr_hist_begin(const struct rr_history *h);
/* The position where it ends now (after the last segment). */
struct rr_pos rr_hist_last(const struct rr_history *h);

/*
 * The position just before the last instruction vcpu retired before p,
 * in *out; false if it has none in history.
 */
bool	rr_hist_prev_insn(const struct rr_history *h, const struct rr_pos *p,
	    int vcpu, struct rr_pos *out);
/* Global instruction count at a position. */
uint64_t rr_hist_global(const struct rr_history *h, const struct rr_pos *p);

/*
 * Forget everything after position p (which becomes the end): segment
 * p.seg keeps p.off instructions; later segments, their inputs, checks
 * and snapshots go, and so do the device inputs of p.seg asked for at
 * or after p (the instruction asking has not retired there).
 */
void	rr_hist_truncate(struct rr_history *h, const struct rr_pos *p);

#endif
