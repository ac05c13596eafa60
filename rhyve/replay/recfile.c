/*
 * recfile.c - saving a recording and reading it back (recfile.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "recfile.h"

uint64_t
recfile_fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * UINT64_C(0x100000001b3);
	return h;
}

struct out {
	int	 fd;
	uint64_t hash;
	int	 error;
};

static void
put(struct out *o, const void *p, size_t n)
{
	const uint8_t *b = p;

	o->hash = recfile_fnv(o->hash, p, n);
	while (n > 0 && o->error == 0) {
		ssize_t w = write(o->fd, b, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			o->error = w < 0 ? errno : EIO;
			return;
		}
		b += w;
		n -= (size_t)w;
	}
}

/*
 * Where a saved recording starts: the newest barrier, if the debugger
 * changed the VM (a replay from before it would not get there), else
 * the oldest snapshot.
 */
static const struct rr_snap *
start_snap(const struct rr_history *h)
{
	for (size_t i = h->nsnaps; i-- > 1;)
		if (h->snaps[i].barrier)
			return &h->snaps[i];
	return &h->snaps[0];
}

int
recfile_save(int fd, struct recfile_hdr *hdr, const struct rr_history *h)
{
	static const uint8_t zero[RR_PAGE_SIZE];
	const struct rr_snap *s;
	struct out o = { fd, RECFILE_FNV0, 0 };
	uint64_t nbytes = 0;
	size_t ci;

	if (h->nsnaps == 0) {
		errno = EINVAL;
		return -1;
	}
	s = start_snap(h);
	memcpy(hdr->magic, RECFILE_MAGIC, 8);
	hdr->version = RECFILE_VERSION;
	hdr->state_len = s->state_len;
	hdr->begin_seg = s->seg;
	hdr->begin_g = s->g;
	hdr->begin_clock = s->clock;
	/* segments from the snapshot's on (those before it are gone) */
	hdr->nsegs = rr_hist_end(h) - s->seg;
	hdr->nins = h->nins - rr_hist_input_at(h, s->seg);
	for (size_t i = rr_hist_input_at(h, s->seg); i < h->nins; i++)
		nbytes += h->ins[i].len;
	hdr->input_bytes = nbytes;
	for (ci = 0; ci < h->nchecks && h->checks[ci].seg < s->seg; ci++)
		;
	hdr->nchecks = h->nchecks - ci;
	/* the body first, to know its hash: write the header over it after */
	if (lseek(fd, sizeof(*hdr), SEEK_SET) < 0)
		return -1;
	put(&o, s->state, s->state_len);
	for (size_t i = 0; i < h->npages; i++) {
		uint8_t there = s->pages[i] != NULL &&
		    memcmp(s->pages[i]->data, zero, RR_PAGE_SIZE) != 0;

		put(&o, &there, 1);
	}
	for (size_t i = 0; i < h->npages; i++)
		if (s->pages[i] != NULL &&
		    memcmp(s->pages[i]->data, zero, RR_PAGE_SIZE) != 0)
			put(&o, s->pages[i]->data, RR_PAGE_SIZE);
	for (uint64_t k = s->seg; k < rr_hist_end(h); k++)
		put(&o, rr_hist_seg(h, k), sizeof(struct rr_seg));
	for (size_t i = rr_hist_input_at(h, s->seg); i < h->nins; i++) {
		struct recfile_input rec = { .seg = h->ins[i].seg,
		    .g = h->ins[i].g, .kind = h->ins[i].kind,
		    .len = h->ins[i].len };

		put(&o, &rec, sizeof(rec));
	}
	for (size_t i = rr_hist_input_at(h, s->seg); i < h->nins; i++)
		put(&o, h->ins[i].data, h->ins[i].len);
	for (size_t i = ci; i < h->nchecks; i++)
		put(&o, &h->checks[i], sizeof(h->checks[i]));
	if (o.error != 0) {
		errno = o.error;
		return -1;
	}
	hdr->body_hash = o.hash;
	hdr->hdr_hash = recfile_fnv(RECFILE_FNV0, hdr,
	    offsetof(struct recfile_hdr, hdr_hash));
	if (pwrite(fd, hdr, sizeof(*hdr), 0) != (ssize_t)sizeof(*hdr) ||
	    fsync(fd) != 0)
		return -1;
	return 0;
}

/* A cursor over the loaded body. */
struct in {
	const uint8_t *p, *end;
};

static const void *
take(struct in *c, uint64_t n)
{
	const void *r = c->p;

	if ((uint64_t)(c->end - c->p) < n)
		return NULL;
	c->p += n;
	return r;
}

int
recfile_load(int fd, struct recfile_hdr *hdr, struct rr_history *h,
    uint8_t *ram, uint64_t ram_size, size_t state_len, char *why,
    size_t whylen)
{
	struct stat st;
	uint8_t *buf = NULL;
	const uint8_t *state, *map;
	struct in c;
	size_t npages = (size_t)(ram_size / RR_PAGE_SIZE), got = 0;
	uint64_t seg_g;
	int rc = -1;

	if (fstat(fd, &st) != 0 || st.st_size < (off_t)sizeof(*hdr)) {
		snprintf(why, whylen, "not a recording (too short)");
		return -1;
	}
	buf = malloc((size_t)st.st_size);
	if (buf == NULL) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	while (got < (size_t)st.st_size) {
		ssize_t r = pread(fd, buf + got, (size_t)st.st_size - got,
		    (off_t)got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			snprintf(why, whylen, "read error: %s", r < 0 ?
			    strerror(errno) : "short file");
			goto out;
		}
		got += (size_t)r;
	}
	memcpy(hdr, buf, sizeof(*hdr));
	if (memcmp(hdr->magic, RECFILE_MAGIC, 8) != 0) {
		snprintf(why, whylen, "not a rhyve recording");
		goto out;
	}
	/* before the checksum: another version's header has another size */
	if (hdr->version != RECFILE_VERSION) {
		snprintf(why, whylen, "recording format version %u, this rhyve "
		    "reads version %u only", hdr->version, RECFILE_VERSION);
		goto out;
	}
	if (hdr->hdr_hash != recfile_fnv(RECFILE_FNV0, hdr,
	    offsetof(struct recfile_hdr, hdr_hash))) {
		snprintf(why, whylen, "corrupt header (checksum)");
		goto out;
	}
	c = (struct in){ buf + sizeof(*hdr), buf + st.st_size };
	if (hdr->body_hash != recfile_fnv(RECFILE_FNV0, c.p,
	    (size_t)(c.end - c.p))) {
		snprintf(why, whylen, "truncated or corrupt (checksum)");
		goto out;
	}
	if (hdr->ram_size != ram_size || hdr->state_len != state_len) {
		snprintf(why, whylen, "recorded with -m %lluM and another "
		    "machine shape (give the same -m and -smp)",
		    (unsigned long long)(hdr->ram_size >> 20));
		goto out;
	}
	state = take(&c, state_len);
	map = take(&c, npages);
	if (state == NULL || map == NULL)
		goto short_file;
	for (size_t i = 0; i < npages; i++) {
		const uint8_t *pg = map[i] ? take(&c, RR_PAGE_SIZE) : NULL;

		if (map[i] && pg == NULL)
			goto short_file;
		if (pg != NULL)
			memcpy(ram + i * RR_PAGE_SIZE, pg, RR_PAGE_SIZE);
		else
			memset(ram + i * RR_PAGE_SIZE, 0, RR_PAGE_SIZE);
	}
	h->seg_base = hdr->begin_seg;
	if (rr_hist_snapshot(h, hdr->begin_seg, hdr->begin_g, hdr->begin_clock,
	    state, state_len, ram, false) != 0) {
		snprintf(why, whylen, "out of memory");
		goto out;
	}
	seg_g = hdr->begin_g;
	for (uint64_t k = 0; k < hdr->nsegs; k++) {
		const struct rr_seg *s = take(&c, sizeof(*s));
		struct rr_seg copy;

		if (s == NULL)
			goto short_file;
		memcpy(&copy, s, sizeof(copy));
		if (copy.g != seg_g || copy.vcpu >= hdr->ncpus) {
			snprintf(why, whylen, "corrupt schedule at segment %llu",
			    (unsigned long long)(hdr->begin_seg + k));
			goto out;
		}
		seg_g += copy.n;
		if (rr_hist_add_seg(h, &copy) != 0) {
			snprintf(why, whylen, "out of memory");
			goto out;
		}
	}
	{
		const size_t rl = sizeof(struct recfile_input);
		const uint8_t *recs = hdr->nins > (uint64_t)(c.end - c.p) / rl ?
		    NULL : take(&c, hdr->nins * rl);
		const uint8_t *data;
		uint64_t last_seg = hdr->begin_seg;

		if (recs == NULL)
			goto short_file;
		for (uint64_t i = 0; i < hdr->nins; i++) {
			struct recfile_input rec;

			memcpy(&rec, recs + i * rl, sizeof(rec));
			data = take(&c, rec.len);
			if (data == NULL || rec.len > RR_INPUT_MAX)
				goto short_file;
			if (rec.seg < last_seg || rec.seg >= hdr->begin_seg +
			    hdr->nsegs + 1 || rec.kind >= RR_IN_KINDS) {
				snprintf(why, whylen, "corrupt input log at "
				    "input %llu", (unsigned long long)i);
				goto out;
			}
			last_seg = rec.seg;
			if (rr_hist_add_input(h, rec.seg, rec.g, (int)rec.kind,
			    data, rec.len) != 0) {
				snprintf(why, whylen, "out of memory");
				goto out;
			}
		}
	}
	for (uint64_t i = 0; i < hdr->nchecks; i++) {
		const struct rr_check *k = take(&c, sizeof(*k));
		struct rr_check copy;

		if (k == NULL)
			goto short_file;
		memcpy(&copy, k, sizeof(copy));
		if (rr_hist_add_check(h, &copy) != 0) {
			snprintf(why, whylen, "corrupt check list at check "
			    "%llu", (unsigned long long)i);
			goto out;
		}
	}
	if (c.p != c.end || seg_g != hdr->end_g)
		goto short_file;
	rc = 0;
	goto out;
short_file:
	snprintf(why, whylen, "corrupt recording (sizes do not add up)");
out:
	free(buf);
	return rc;
}
