/*
 * fuzz_gdb_packet.c - libFuzzer harness for the GDB remote serial
 * protocol's framing layer (rhyve/gdb/gdb_packet.c): the bytes a debugger, or
 * anyone who reaches the debug socket, sends.  Spec: GDB manual, appendix
 * E, "Overview" and "Packet Acknowledgment".
 *
 * Feeds: the input after its first byte is the byte stream; the first
 * byte chooses how it is cut into chunks for gdb_parser_feed().  Two
 * parsers run, one with the default PacketSize and one with a 64-byte
 * cap (so that overflow paths are reached), and each packet payload is
 * also given to the hex helpers.
 *
 * Asserts: no memory error (ASan/UBSan); every feed makes progress and
 * consumes no more than it was given; a packet's payload fits the cap and
 * is NUL-terminated; the event sequence and payloads do not depend on how
 * the stream is chunked (whole vs. cut); gdb_frame() of any payload that
 * fits parses back to exactly that payload with a good checksum.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rhyve/gdb/gdb_packet.h"

#define SMALL_CAP	64
#define MAX_EVENTS	4096

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct evlog {
	int	 n;
	int	 ev[MAX_EVENTS];
	uint32_t hash[MAX_EVENTS];	/* FNV-1a of the payload, with len */
};

#define CHECK(c) do {							\
	if (!(c)) {							\
		fprintf(stderr, "fuzz_gdb_packet: %s:%d: %s\n",		\
		    __FILE__, __LINE__, #c);				\
		abort();						\
	}								\
} while (0)

static uint32_t
fnv(const uint8_t *p, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 16777619u;
	return h ^ (uint32_t)len;
}

/* Hex helpers on a payload held in an exact-size heap copy. */
static void
poke_hex(const uint8_t *pl, size_t len)
{
	uint8_t *copy = malloc(len + 1), out[16];
	const uint8_t *pp, *end;
	uint64_t v;

	CHECK(copy != NULL);
	memcpy(copy, pl, len);
	end = copy + len;
	pp = copy;
	while (pp < end) {
		const uint8_t *before = pp;

		if (gdb_parse_hex(&pp, end, &v))
			CHECK(pp > before && pp <= end);
		else
			pp = before + 1;
	}
	(void)gdb_hex_decode(copy, len, out, len / 2 < sizeof(out) ?
	    len / 2 : sizeof(out));
	for (size_t sz = 1; sz <= 8; sz *= 2)
		(void)gdb_hex_le(copy, len, sz, &v);
	free(copy);
}

/* Parse stream[0..len) cut into chunks of 'chunk' bytes (0: whole). */
static void
run(struct gdb_parser *p, const uint8_t *stream, size_t len, size_t chunk,
    struct evlog *log, bool hex)
{
	size_t off = 0;

	gdb_parser_reset(p);
	log->n = 0;
	while (off < len) {
		size_t avail = len - off, n;
		enum gdb_event ev;

		if (chunk != 0 && avail > chunk)
			avail = chunk;
		/* an exact-size copy so that ASan sees reads past the end */
		uint8_t *buf = malloc(avail);
		CHECK(buf != NULL);
		memcpy(buf, stream + off, avail);
		n = gdb_parser_feed(p, buf, avail, &ev);
		free(buf);
		CHECK(n >= 1 && n <= avail);
		CHECK(ev != GDB_EV_NONE || n == avail);
		off += n;
		if (ev == GDB_EV_NONE)
			continue;
		if (ev == GDB_EV_PACKET) {
			CHECK(p->len <= p->cap);
			CHECK(p->data[p->len] == '\0');
			if (hex)
				poke_hex(p->data, p->len);
		}
		if (log->n < MAX_EVENTS) {
			log->ev[log->n] = ev;
			log->hash[log->n] = ev == GDB_EV_PACKET ?
			    fnv(p->data, p->len) : 0;
			log->n++;
		}
	}
}

static void
same(const struct evlog *a, const struct evlog *b)
{
	CHECK(a->n == b->n);
	for (int i = 0; i < a->n; i++) {
		CHECK(a->ev[i] == b->ev[i]);
		CHECK(a->hash[i] == b->hash[i]);
	}
}

/* gdb_frame() then parse: the payload must come back unchanged. */
static void
roundtrip(struct gdb_parser *p, const uint8_t *pl, size_t len)
{
	struct gdb_buf b;
	enum gdb_event ev = GDB_EV_NONE;
	size_t off = 0;

	gdb_buf_init(&b);
	gdb_frame(&b, pl, len);
	CHECK(!b.oom);
	gdb_parser_reset(p);
	while (off < b.len) {
		off += gdb_parser_feed(p, b.data + off, b.len - off, &ev);
		if (ev != GDB_EV_NONE)
			break;
	}
	if (len <= p->cap) {
		CHECK(ev == GDB_EV_PACKET);
		CHECK(off == b.len);
		CHECK(p->len == len);
		CHECK(memcmp(p->data, pl, len) == 0);
	} else {
		CHECK(ev == GDB_EV_OVERSIZE);
	}
	gdb_buf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct gdb_parser big, small;
	static bool inited;
	static struct evlog whole, cut;
	size_t chunk;

	if (!inited) {
		CHECK(gdb_parser_init(&big, 0) == 0);
		CHECK(gdb_parser_init(&small, SMALL_CAP) == 0);
		inited = true;
	}
	if (size < 1)
		return 0;
	chunk = (size_t)(data[0] % 17) + 1;	/* 1..17 bytes per feed */
	data++;
	size--;

	run(&big, data, size, 0, &whole, true);
	run(&big, data, size, chunk, &cut, false);
	same(&whole, &cut);
	run(&small, data, size, 0, &whole, false);
	run(&small, data, size, chunk, &cut, false);
	same(&whole, &cut);

	roundtrip(&big, data, size);
	roundtrip(&small, data, size);
	return 0;
}
