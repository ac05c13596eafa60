/*
 * gdb_packet.c - unit tests of the RSP framing layer (rhyve/gdb/gdb_packet.c):
 * framing and checksums, escapes, run-length decoding, packets split
 * across arbitrary chunks, garbage between packets, bad checksums,
 * oversized and truncated packets, hex helpers and the reply framer;
 * and the generated target description (rhyve/gdb/gdb_target.c).
 * Spec: GDB manual, appendix E "Overview" and "Binary data".
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rhyve/gdb/gdb_packet.h"
#include "rhyve/gdb/gdb_target.h"
#include "vmm/vmm.h"

/* Feed all of s (len bytes) in chunks of 'chunk'; collect events. */
struct collect {
	enum gdb_event	ev[64];
	char		pkt[64][512];
	size_t		pktlen[64];
	int		n;
};

static void
feed(struct gdb_parser *p, const void *s, size_t len, size_t chunk,
    struct collect *c)
{
	const uint8_t *b = s;
	size_t off = 0;

	while (off < len) {
		size_t n = len - off < chunk ? len - off : chunk;
		size_t used = 0;

		while (used < n) {
			enum gdb_event ev;
			size_t k = gdb_parser_feed(p, b + off + used, n - used,
			    &ev);

			cr_assert(k > 0 && k <= n - used);
			used += k;
			if (ev == GDB_EV_NONE)
				continue;
			cr_assert(c->n < 64);
			c->ev[c->n] = ev;
			c->pktlen[c->n] = p->len;
			if (ev == GDB_EV_PACKET) {
				cr_assert(p->len < sizeof(c->pkt[0]));
				memcpy(c->pkt[c->n], p->data, p->len);
				c->pkt[c->n][p->len] = '\0';
				cr_assert_eq(p->data[p->len], '\0');
			}
			c->n++;
		}
		off += n;
	}
}

/* "$payload#xx" with the right checksum. */
static size_t
mkpkt(char *out, const char *payload)
{
	size_t len = strlen(payload);

	return (size_t)sprintf(out, "$%s#%02x", payload,
	    gdb_checksum((const uint8_t *)payload, len));
}

Test(gdb_packet, simple_packet)
{
	struct gdb_parser p;
	struct collect c = { .n = 0 };

	cr_assert_eq(gdb_parser_init(&p, 0), 0);
	cr_assert_eq(p.cap, GDB_PACKET_SIZE);
	feed(&p, "$g#67", 5, 100, &c);
	cr_assert_eq(c.n, 1);
	cr_assert_eq(c.ev[0], GDB_EV_PACKET);
	cr_assert_str_eq(c.pkt[0], "g");
	gdb_parser_free(&p);
}

Test(gdb_packet, checksum_upper_case_hex_accepted)
{
	struct gdb_parser p;
	struct collect c = { .n = 0 };
	char buf[64];

	gdb_parser_init(&p, 0);
	/* "qC" sums to 0xb4 */
	snprintf(buf, sizeof(buf), "$qC#B4");
	feed(&p, buf, strlen(buf), 100, &c);
	cr_assert_eq(c.n, 1);
	cr_assert_eq(c.ev[0], GDB_EV_PACKET);
	cr_assert_str_eq(c.pkt[0], "qC");
	gdb_parser_free(&p);
}

Test(gdb_packet, bad_checksum_dropped_then_next_ok)
{
	struct gdb_parser p;
	struct collect c = { .n = 0 };
	char buf[128];
	size_t n;

	gdb_parser_init(&p, 0);
	n = (size_t)sprintf(buf, "$m0,4#00");		/* wrong sum */
	n += mkpkt(buf + n, "m0,4");
	feed(&p, buf, n, 100, &c);
	cr_assert_eq(c.n, 2);
	cr_assert_eq(c.ev[0], GDB_EV_BAD_CHECKSUM);
	cr_assert_eq(c.ev[1], GDB_EV_PACKET);
	cr_assert_str_eq(c.pkt[1], "m0,4");
	gdb_parser_free(&p);
}

Test(gdb_packet, non_hex_checksum_is_bad)
{
	struct gdb_parser p;
	struct collect c = { .n = 0 };

	gdb_parser_init(&p, 0);
	feed(&p, "$g#zz", 5, 100, &c);
	cr_assert_eq(c.n, 1);
	cr_assert_eq(c.ev[0], GDB_EV_BAD_CHECKSUM);
	gdb_parser_free(&p);
}

Test(gdb_packet, every_split_point)
{
	char buf[256];
	size_t n, chunk;

	n = mkpkt(buf, "vCont;s:1;c");
	n += mkpkt(buf + n, "qSupported:multiprocess+;swbreak+");
	for (chunk = 1; chunk <= n; chunk++) {
		struct gdb_parser p;
		struct collect c = { .n = 0 };

		gdb_parser_init(&p, 0);
		feed(&p, buf, n, chunk, &c);
		cr_assert_eq(c.n, 2, "chunk %zu", chunk);
		cr_assert_str_eq(c.pkt[0], "vCont;s:1;c");
		cr_assert_str_eq(c.pkt[1], "qSupported:multiprocess+;swbreak+");
		gdb_parser_free(&p);
	}
}

Test(gdb_packet, acks_interrupt_and_garbage)
{
	struct gdb_parser p;
	struct collect c = { .n = 0 };
	char buf[128];
	size_t n;

	gdb_parser_init(&p, 0);
	n = (size_t)sprintf(buf, "xx+junk\r\n-");
	buf[n++] = 0x03;
	n += mkpkt(buf + n, "?");
	memcpy(buf + n, "\xff\x00zz", 4);
	n += 4;
	feed(&p, buf, n, 3, &c);
	cr_assert_eq(c.n, 4);
	cr_assert_eq(c.ev[0], GDB_EV_ACK);
	cr_assert_eq(c.ev[1], GDB_EV_NACK);
	cr_assert_eq(c.ev[2], GDB_EV_INTERRUPT);
	cr_assert_eq(c.ev[3], GDB_EV_PACKET);
	cr_assert_str_eq(c.pkt[3], "?");
	gdb_parser_free(&p);
}

Test(gdb_packet, interrupt_inside_packet_is_data)
{
	struct gdb_parser p;
	struct collect c = { .n = 0 };
	char payload[] = "X0,1:\x03";
	char buf[64];
	size_t n;

	gdb_parser_init(&p, 0);
	n = mkpkt(buf, payload);
	feed(&p, buf, n, 100, &c);
	cr_assert_eq(c.n, 1);
	cr_assert_eq(c.ev[0], GDB_EV_PACKET);
	cr_assert_eq(c.pktlen[0], 6);
	cr_assert_eq((uint8_t)c.pkt[0][5], 0x03);
	gdb_parser_free(&p);
}

Test(gdb_packet, escapes_decoded)
{
	struct gdb_parser p;
	struct collect c = { .n = 0 };
	/* X packet carrying bytes '#', '$', '}', '*' escaped */
	char raw[] = "X0,4:}\x03}\x04}]}\x0a";
	char buf[64];
	size_t n;

	gdb_parser_init(&p, 0);
	n = mkpkt(buf, raw);
	feed(&p, buf, n, 2, &c);
	cr_assert_eq(c.n, 1);
	cr_assert_eq(c.ev[0], GDB_EV_PACKET);
	cr_assert_eq(c.pktlen[0], 9);
	cr_assert_eq(memcmp(c.pkt[0], "X0,4:#$}*", 9), 0);
	gdb_parser_free(&p);
}

Test(gdb_packet, run_length_decoded)
{
	struct gdb_parser p;
	struct collect c = { .n = 0 };
	char buf[64];
	size_t n;

	gdb_parser_init(&p, 0);
	/* "0* " = '0' then 32-29 = 3 more: "0000" */
	n = mkpkt(buf, "0* ");
	n += mkpkt(buf + n, "a*\"b");	/* 34-29 = 5 more a's */
	feed(&p, buf, n, 1, &c);
	cr_assert_eq(c.n, 2);
	cr_assert_str_eq(c.pkt[0], "0000");
	cr_assert_str_eq(c.pkt[1], "aaaaaab");
	gdb_parser_free(&p);
}

Test(gdb_packet, run_length_without_previous_is_bad)
{
	struct gdb_parser p;
	struct collect c = { .n = 0 };
	char buf[64];
	size_t n;

	gdb_parser_init(&p, 0);
	n = mkpkt(buf, "* ");
	n += mkpkt(buf + n, "a*");	/* count missing */
	n += mkpkt(buf + n, "ok");
	feed(&p, buf, n, 100, &c);
	cr_assert_eq(c.n, 3);
	cr_assert_eq(c.ev[0], GDB_EV_BAD_PACKET);
	cr_assert_eq(c.ev[1], GDB_EV_BAD_PACKET);
	cr_assert_eq(c.ev[2], GDB_EV_PACKET);
	cr_assert_str_eq(c.pkt[2], "ok");
	gdb_parser_free(&p);
}

Test(gdb_packet, oversize_dropped_then_recovers)
{
	struct gdb_parser p;
	struct collect c = { .n = 0 };
	char *big, buf[64];
	size_t n, i;

	gdb_parser_init(&p, 16);
	big = malloc(200);
	for (i = 0; i < 40; i++)
		big[i] = 'a' + (char)(i % 26);
	big[40] = '\0';
	char *frame = malloc(256);
	n = mkpkt(frame, big);
	feed(&p, frame, n, 7, &c);
	/* exactly at the cap is fine */
	n = mkpkt(buf, "0123456789abcdef");
	feed(&p, buf, n, 100, &c);
	/* run-length past the cap is oversize too */
	n = mkpkt(buf, "0*~");
	feed(&p, buf, n, 100, &c);
	cr_assert_eq(c.n, 3);
	cr_assert_eq(c.ev[0], GDB_EV_OVERSIZE);
	cr_assert_eq(c.pktlen[0], 0);
	cr_assert_eq(c.ev[1], GDB_EV_PACKET);
	cr_assert_str_eq(c.pkt[1], "0123456789abcdef");
	cr_assert_eq(c.ev[2], GDB_EV_OVERSIZE);
	free(big);
	free(frame);
	gdb_parser_free(&p);
}

Test(gdb_packet, oversize_with_bad_checksum_is_bad_checksum)
{
	struct gdb_parser p;
	struct collect c = { .n = 0 };
	const char *s = "$aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa#00";

	gdb_parser_init(&p, 8);
	feed(&p, s, strlen(s), 5, &c);
	cr_assert_eq(c.n, 1);
	cr_assert_eq(c.ev[0], GDB_EV_BAD_CHECKSUM);
	gdb_parser_free(&p);
}

Test(gdb_packet, truncated_packet_resyncs_on_dollar)
{
	struct gdb_parser p;
	struct collect c = { .n = 0 };
	char buf[64];
	size_t n;

	gdb_parser_init(&p, 0);
	n = (size_t)sprintf(buf, "$m8000");	/* never finished */
	n += mkpkt(buf + n, "g");
	feed(&p, buf, n, 4, &c);
	cr_assert_eq(c.n, 1);
	cr_assert_eq(c.ev[0], GDB_EV_PACKET);
	cr_assert_str_eq(c.pkt[0], "g");
	/* and a packet cut after '#' then a new one */
	c.n = 0;
	n = (size_t)sprintf(buf, "$g#6");
	feed(&p, buf, n, 100, &c);
	cr_assert_eq(c.n, 0);
	gdb_parser_reset(&p);
	n = mkpkt(buf, "s");
	feed(&p, buf, n, 100, &c);
	cr_assert_eq(c.n, 1);
	cr_assert_str_eq(c.pkt[0], "s");
	gdb_parser_free(&p);
}

Test(gdb_packet, empty_packet)
{
	struct gdb_parser p;
	struct collect c = { .n = 0 };

	gdb_parser_init(&p, 0);
	feed(&p, "$#00", 4, 1, &c);
	cr_assert_eq(c.n, 1);
	cr_assert_eq(c.ev[0], GDB_EV_PACKET);
	cr_assert_eq(c.pktlen[0], 0);
	gdb_parser_free(&p);
}

Test(gdb_packet, frame_escapes_and_round_trips)
{
	struct gdb_buf b;
	struct gdb_parser p;
	struct collect c = { .n = 0 };
	uint8_t payload[256];
	int i;

	for (i = 0; i < 256; i++)
		payload[i] = (uint8_t)i;
	gdb_buf_init(&b);
	gdb_frame(&b, payload, sizeof(payload));
	cr_assert_eq(b.data[0], '$');
	/* '$', '#', '}', '*' escaped: 4 more bytes; plus "$", "#xx" */
	cr_assert_eq(b.len, 256 + 4 + 4);
	for (i = 1; i < (int)b.len - 3; i++) {
		cr_assert_neq(b.data[i], '$');
		cr_assert_neq(b.data[i], '#');
		cr_assert_neq(b.data[i], '*');
	}
	gdb_parser_init(&p, 0);
	feed(&p, b.data, b.len, 13, &c);
	cr_assert_eq(c.n, 1);
	cr_assert_eq(c.ev[0], GDB_EV_PACKET);
	cr_assert_eq(c.pktlen[0], 256);
	cr_assert_eq(memcmp(c.pkt[0], payload, 256), 0);
	gdb_parser_free(&p);
	gdb_buf_free(&b);
}

Test(gdb_packet, frame_known_checksum)
{
	struct gdb_buf b;

	gdb_buf_init(&b);
	gdb_frame(&b, (const uint8_t *)"OK", 2);
	cr_assert_eq(b.len, 6);
	cr_assert_eq(memcmp(b.data, "$OK#9a", 6), 0);
	gdb_buf_reset(&b);
	gdb_frame(&b, (const uint8_t *)"", 0);
	cr_assert_eq(memcmp(b.data, "$#00", 4), 0);
	gdb_buf_free(&b);
}

Test(gdb_packet, buf_builders)
{
	struct gdb_buf b;
	uint8_t bytes[] = { 0x00, 0xab, 0x7f };

	gdb_buf_init(&b);
	gdb_buf_puts(&b, "T05");
	gdb_buf_printf(&b, "thread:%x;", 12);
	gdb_buf_hex(&b, bytes, 3);
	gdb_buf_hex_le(&b, 0x1122334455667788ULL, 8);
	gdb_buf_hex_le(&b, 0x1234, 4);
	gdb_buf_putc(&b, '\0');
	cr_assert_str_eq((char *)b.data,
	    "T05thread:c;00ab7f887766554433221134120000");
	cr_assert(!b.oom);
	gdb_buf_free(&b);
}

Test(gdb_packet, hex_parsing)
{
	const uint8_t *s = (const uint8_t *)"80000000,1f:", *p = s;
	const uint8_t *e = s + strlen((const char *)s);
	uint64_t v;
	uint8_t out[4];

	cr_assert(gdb_parse_hex(&p, e, &v));
	cr_assert_eq(v, 0x80000000ULL);
	cr_assert_eq(*p, ',');
	p++;
	cr_assert(gdb_parse_hex(&p, e, &v));
	cr_assert_eq(v, 0x1f);
	cr_assert_eq(*p, ':');
	/* no digits */
	cr_assert(!gdb_parse_hex(&p, e, &v));
	/* 17 significant digits overflow; leading zeros do not */
	s = (const uint8_t *)"10000000000000000";
	p = s;
	cr_assert(!gdb_parse_hex(&p, s + 17, &v));
	s = (const uint8_t *)"0000ffffffffffffffff";
	p = s;
	cr_assert(gdb_parse_hex(&p, s + 20, &v));
	cr_assert_eq(v, UINT64_MAX);
	/* bounded by end, not by NUL */
	s = (const uint8_t *)"12345";
	p = s;
	cr_assert(gdb_parse_hex(&p, s + 2, &v));
	cr_assert_eq(v, 0x12);

	cr_assert(gdb_hex_decode((const uint8_t *)"deadBEEF", 8, out, 4));
	cr_assert_eq(out[0], 0xde);
	cr_assert_eq(out[3], 0xef);
	cr_assert(!gdb_hex_decode((const uint8_t *)"dead", 4, out, 4));
	cr_assert(!gdb_hex_decode((const uint8_t *)"dexd", 4, out, 2));
	cr_assert(gdb_hex_le((const uint8_t *)"78563412", 8, 4, &v));
	cr_assert_eq(v, 0x12345678);
	cr_assert(!gdb_hex_le((const uint8_t *)"785634", 6, 4, &v));
	cr_assert_eq(gdb_hexval('g'), -1);
	cr_assert_eq(gdb_hexval('F'), 15);
}

/* Random bytes never crash the parser or overrun its buffer. */
Test(gdb_packet, random_input_is_safe)
{
	struct gdb_parser p;
	uint8_t buf[4096];
	unsigned seed = 12345;
	int round;

	gdb_parser_init(&p, 64);
	for (round = 0; round < 200; round++) {
		size_t i, off = 0;

		for (i = 0; i < sizeof(buf); i++) {
			seed = seed * 1103515245 + 12345;
			buf[i] = (uint8_t)(seed >> 16);
			/* make framing characters common */
			if ((seed >> 8) % 7 == 0)
				buf[i] = "$#}*+-\x03"[(seed >> 4) % 7];
		}
		while (off < sizeof(buf)) {
			enum gdb_event ev;
			size_t k = gdb_parser_feed(&p, buf + off,
			    sizeof(buf) - off, &ev);

			cr_assert(k > 0);
			off += k;
			cr_assert(p.len <= p.cap);
			if (ev == GDB_EV_PACKET)
				cr_assert_eq(p.data[p.len], '\0');
		}
	}
	gdb_parser_free(&p);
}

/*
 * The checksum, the framer and the hex encoder work a word at a time:
 * check them against byte-by-byte references for every length around
 * the word and fold boundaries, with and without bytes to escape, at
 * every alignment of the input.
 */
static uint8_t
ref_checksum(const uint8_t *d, size_t len)
{
	unsigned sum = 0;

	while (len-- > 0)
		sum += *d++;
	return (uint8_t)sum;
}

static size_t
ref_frame(uint8_t *out, const uint8_t *d, size_t len)
{
	size_t n = 0, i;
	unsigned sum = 0;

	out[n++] = '$';
	for (i = 0; i < len; i++) {
		uint8_t c = d[i];

		if (c == '$' || c == '#' || c == '}' || c == '*') {
			out[n++] = '}';
			sum += '}';
			c ^= 0x20;
		}
		out[n++] = c;
		sum += c;
	}
	n += (size_t)sprintf((char *)out + n, "#%02x", sum & 0xff);
	return n;
}

Test(gdb_packet, word_at_a_time_matches_bytewise)
{
	static uint8_t src[2100], want[2 * 2100 + 8];
	static const size_t lens[] = { 0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 65,
	    1023, 1024, 1025, 1031, 1032, 1033, 2040, 2048 };
	struct gdb_buf b;
	unsigned seed = 777;
	size_t li, off, i, n;
	int kind;

	gdb_buf_init(&b);
	for (kind = 0; kind < 4; kind++) {
		for (i = 0; i < sizeof(src); i++) {
			seed = seed * 1103515245 + 12345;
			if (kind == 0)		/* hex digits: nothing to escape */
				src[i] = (uint8_t)"0123456789abcdef"[(seed >> 16) & 15];
			else if (kind == 1)	/* anything, 0xff-heavy sums */
				src[i] = (uint8_t)(seed >> 16) | 0xc0;
			else if (kind == 2)	/* escapes common */
				src[i] = (seed >> 8) % 5 == 0 ?
				    (uint8_t)"$#}*"[(seed >> 4) % 4] :
				    (uint8_t)(seed >> 16);
			else			/* rare: clean and escaped
						   16-byte blocks mixed */
				src[i] = (seed >> 8) % 40 == 0 ?
				    (uint8_t)"$#}*"[(seed >> 4) % 4] :
				    (uint8_t)(seed >> 16);
		}
		for (li = 0; li < sizeof(lens) / sizeof(lens[0]); li++) {
			for (off = 0; off < 8; off++) {
				const uint8_t *d = src + off;

				cr_assert_eq(gdb_checksum(d, lens[li]),
				    ref_checksum(d, lens[li]),
				    "checksum kind %d len %zu off %zu", kind,
				    lens[li], off);
				n = ref_frame(want, d, lens[li]);
				gdb_buf_reset(&b);
				gdb_buf_putc(&b, 'x');	/* frames append */
				gdb_frame(&b, d, lens[li]);
				cr_assert(!b.oom);
				cr_assert_eq(b.len, n + 1);
				cr_assert_eq(memcmp(b.data + 1, want, n), 0,
				    "frame kind %d len %zu off %zu", kind,
				    lens[li], off);
			}
		}
	}
	/* a checksum of 2,100 bytes of 0xff: the sum wraps many times */
	memset(src, 0xff, sizeof(src));
	cr_assert_eq(gdb_checksum(src, sizeof(src)),
	    ref_checksum(src, sizeof(src)));
	/*
	 * hex of every byte value, at an odd offset in the buffer, from
	 * every source alignment and with every length up to 256 (the
	 * 16-byte path and its tail)
	 */
	for (i = 0; i < 256 + 16; i++)
		src[i] = (uint8_t)(i + 0x5a);
	for (off = 0; off < 16; off++) {
		for (n = 0; n <= 256; n++) {
			gdb_buf_reset(&b);
			gdb_buf_putc(&b, 'x');
			gdb_buf_hex(&b, src + off, n);
			cr_assert_eq(b.len, 1 + 2 * n);
			for (i = 0; i < n; i++) {
				char two[3];

				snprintf(two, sizeof(two), "%02x",
				    (unsigned)src[off + i]);
				cr_assert_eq(memcmp(b.data + 1 + 2 * i, two, 2),
				    0, "hex off %zu len %zu byte %zu", off, n, i);
			}
		}
	}
	gdb_buf_free(&b);
}

static struct gdb_cursor
cur(const char *s)
{
	return (struct gdb_cursor){ (const uint8_t *)s,
	    (const uint8_t *)s + strlen(s) };
}

Test(gdb_packet, cursor_arguments)
{
	struct gdb_cursor c = cur("Z0,80000098,2;X1,00");
	uint64_t type, addr, kind;

	cr_assert(gdb_cur_char(&c, 'Z'));
	cr_assert(!gdb_cur_char(&c, 'Z'));
	cr_assert(gdb_cur_hex(&c, &type) && type == 0);
	cr_assert(gdb_cur_char(&c, ','));
	cr_assert(gdb_cur_hex(&c, &addr) && addr == 0x80000098);
	cr_assert(gdb_cur_char(&c, ','));
	cr_assert(gdb_cur_hex(&c, &kind) && kind == 2);
	cr_assert(gdb_cur_prefix(&c, ";X1"));
	cr_assert(!gdb_cur_prefix(&c, ",000"));	/* longer than what is left */
	cr_assert(gdb_cur_prefix(&c, ",00"));
	cr_assert(c.p == c.end);
	cr_assert(!gdb_cur_char(&c, ','));
	cr_assert(!gdb_cur_hex(&c, &kind));
}

Test(gdb_packet, cursor_thread_ids)
{
	struct gdb_cursor c;
	int tid;

	c = cur("-1");
	cr_assert(gdb_cur_tid(&c, 4, &tid) && tid == -1 && c.p == c.end);
	c = cur("0");
	cr_assert(gdb_cur_tid(&c, 4, &tid) && tid == 0);
	c = cur("4");
	cr_assert(gdb_cur_tid(&c, 4, &tid) && tid == 4);
	c = cur("5");
	cr_assert(!gdb_cur_tid(&c, 4, &tid));
	c = cur("p1.3");
	cr_assert(gdb_cur_tid(&c, 4, &tid) && tid == 3);
	c = cur("p1.-1");
	cr_assert(gdb_cur_tid(&c, 4, &tid) && tid == -1);
	c = cur("p-1");
	cr_assert(gdb_cur_tid(&c, 4, &tid) && tid == -1);
	c = cur("pzz");
	cr_assert(!gdb_cur_tid(&c, 4, &tid));
	c = cur("ffffffffffffffffff");
	cr_assert(!gdb_cur_tid(&c, 4, &tid));
	c = cur("");
	cr_assert(!gdb_cur_tid(&c, 4, &tid));
}

/* A fake engine: GPRs, pc, priv, and the CSRs listed; FP if 'fpu'. */
static bool fake_fpu;

static bool
fake_probe(void *arg, int regnum)
{
	static const unsigned csrs[] = { 0x001, 0x002, 0x003, 0x300, 0x341,
	    0xf14, 0x3b5, 0x7c0 };

	(void)arg;
	if (regnum <= VM_REG_PC || regnum == VM_REG_PRIV)
		return true;
	if (regnum >= VM_REG_F(0) && regnum <= VM_REG_F(31))
		return fake_fpu;
	for (size_t i = 0; i < sizeof(csrs) / sizeof(csrs[0]); i++)
		if (regnum == VM_REG_CSR((int)csrs[i]))
			return csrs[i] > 3 || fake_fpu;
	return false;
}

Test(gdb_target, description_from_probe)
{
	struct gdb_target t;
	const char *x;

	fake_fpu = true;
	cr_assert_eq(gdb_target_init(&t, fake_probe, NULL), 0);
	x = t.xml;
	cr_assert(strstr(x, "<architecture>riscv:rv64</architecture>"));
	cr_assert(strstr(x, "<reg name=\"zero\" bitsize=\"64\" type=\"int\" regnum=\"0\""));
	cr_assert(strstr(x, "<reg name=\"t6\" bitsize=\"64\" type=\"int\" regnum=\"31\""));
	cr_assert(strstr(x, "name=\"pc\" bitsize=\"64\" type=\"code_ptr\" regnum=\"32\" generic=\"pc\""));
	cr_assert(strstr(x, "name=\"ft0\" bitsize=\"64\" type=\"riscv_double\" regnum=\"33\""));
	cr_assert(strstr(x, "name=\"ft11\" bitsize=\"64\" type=\"riscv_double\" regnum=\"64\""));
	cr_assert(strstr(x, "name=\"fflags\" bitsize=\"32\" type=\"int\" regnum=\"66\""));
	cr_assert(strstr(x, "name=\"fcsr\" bitsize=\"32\" type=\"int\" regnum=\"68\""));
	cr_assert(strstr(x, "name=\"mstatus\" bitsize=\"64\" type=\"int\" regnum=\"833\""));
	cr_assert(strstr(x, "name=\"mepc\""));
	cr_assert(strstr(x, "name=\"mhartid\""));
	cr_assert(strstr(x, "name=\"pmpaddr5\""));
	cr_assert(strstr(x, "name=\"csr1984\""));	/* 0x7c0: no standard name */
	cr_assert(strstr(x, "name=\"priv\" bitsize=\"64\" type=\"int\" regnum=\"4161\""));
	/* fflags lives in the fpu feature only */
	cr_assert(strstr(strstr(x, "org.gnu.gdb.riscv.csr"), "fflags") == NULL);
	cr_assert(strstr(x, "name=\"misa\"") == NULL);	/* not implemented */
	cr_assert_eq(t.xml_len, strlen(x));

	cr_assert_eq(gdb_target_reg_size(&t, 0), 8);
	cr_assert_eq(gdb_target_reg_size(&t, VM_REG_PC), 8);
	cr_assert_eq(gdb_target_reg_size(&t, VM_REG_F(31)), 8);
	cr_assert_eq(gdb_target_reg_size(&t, VM_REG_CSR(1)), 4);
	cr_assert_eq(gdb_target_reg_size(&t, VM_REG_CSR(0x300)), 8);
	cr_assert_eq(gdb_target_reg_size(&t, VM_REG_CSR(0x7c0)), 8);
	cr_assert_eq(gdb_target_reg_size(&t, VM_REG_CSR(0x301)), 0);
	cr_assert_eq(gdb_target_reg_size(&t, VM_REG_PRIV), 8);
	cr_assert_eq(gdb_target_reg_size(&t, VM_REG_PRIV + 1), 0);
	gdb_target_free(&t);
}

Test(gdb_target, no_fpu)
{
	struct gdb_target t;

	fake_fpu = false;
	cr_assert_eq(gdb_target_init(&t, fake_probe, NULL), 0);
	cr_assert(!t.has_fpu);
	cr_assert(strstr(t.xml, "org.gnu.gdb.riscv.fpu") == NULL);
	cr_assert(strstr(t.xml, "fflags") == NULL);
	cr_assert_eq(gdb_target_reg_size(&t, VM_REG_F(0)), 0);
	cr_assert_eq(gdb_target_reg_size(&t, VM_REG_CSR(1)), 0);
	gdb_target_free(&t);
}
