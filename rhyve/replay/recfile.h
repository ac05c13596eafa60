/*
 * recfile.h - a recording saved to a file (rhyve --record-file=FILE) and
 * read back (rhyve --replay=FILE): a snapshot of the history (the oldest,
 * or the newest barrier: what the debugger changed is not replayable
 * from before it), the schedule's segments after it, the inputs, the
 * checks (history.h: hashes of the VM along the way, so that a replay
 * that diverges stops near where it did) and hashes of the VM at the end
 * of the history.
 *
 * Layout, version 3 (host byte order; a file moves between hosts of one
 * byte order only): struct recfile_hdr, then the body: the snapshot's
 * state (state_len bytes), one byte per RAM page (0: all zero, 1:
 * follows), the pages that follow, the segments (struct rr_seg each),
 * the inputs (struct recfile_input each) and their bytes, the checks
 * (struct rr_check each).  hdr.body_hash is FNV-1a 64 of the body,
 * hdr.hdr_hash of the header before it: a truncated or corrupt file is
 * refused, and so is another version (1 had no checks and console input
 * only; 2 no disk inputs).
 */
#ifndef RHYVE_REPLAY_RECFILE_H
#define RHYVE_REPLAY_RECFILE_H

#include <stddef.h>
#include <stdint.h>

#include "history.h"

#define RECFILE_MAGIC	"RHYVEREC"
#define RECFILE_VERSION	3

struct recfile_hdr {
	char	 magic[8];
	uint32_t version;
	uint32_t ncpus;
	uint64_t ram_size;
	uint64_t quantum;
	uint64_t mtime0;
	int64_t	 rtc_base;
	uint64_t state_len;
	uint64_t begin_seg, begin_g, begin_clock;
	uint64_t nsegs, nins, input_bytes;
	uint64_t nchecks;
	uint64_t end_g;
	uint64_t end_ram_hash, end_state_hash;
	uint64_t body_hash;
	uint64_t hdr_hash;	/* of everything above */
};

/* An input's record in the file (its bytes follow all the records). */
struct recfile_input {
	uint64_t seg;
	uint64_t g;
	uint32_t kind;		/* enum rr_in_kind */
	uint32_t len;
};

uint64_t recfile_fnv(uint64_t h, const void *p, size_t n);
#define RECFILE_FNV0	UINT64_C(0xcbf29ce484222325)

/*
 * Write the history (from its oldest snapshot, or its newest barrier) to
 * fd; hdr has the machine's fields and the end hashes filled in.  0 or
 * -1 (errno).
 */
int	recfile_save(int fd, struct recfile_hdr *hdr, const struct rr_history *h);
/*
 * Read a recording from fd into h (initialised, empty) and *hdr; the
 * snapshot's RAM is written into ram (ram_size bytes).  0, or -1 with a
 * one-line reason in why.
 */
int	recfile_load(int fd, struct recfile_hdr *hdr, struct rr_history *h,
	    uint8_t *ram, uint64_t ram_size, size_t state_len, char *why,
	    size_t whylen);

#endif
