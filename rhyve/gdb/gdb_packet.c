/*
 * gdb_packet.c - GDB remote serial protocol framing: an incremental
 * packet parser and a reply builder.  Spec: GDB manual, appendix E
 * ("Overview", "Packet Acknowledgment", "Binary data").  See
 * gdb_packet.h for the contract.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "gdb_packet.h"

enum {
	PS_IDLE = 0,	/* between packets */
	PS_DATA,	/* inside $...# */
	PS_ESC,		/* after '}' */
	PS_RLE,		/* after '*': the count byte comes next */
	PS_CS1,		/* first checksum digit */
	PS_CS2,		/* second checksum digit */
};

static const char hexdigits[] = "0123456789abcdef";

/* Byte masks for the word-at-a-time framing. */
#define BYTES_1		UINT64_C(0x0101010101010101)
#define BYTES_80	UINT64_C(0x8080808080808080)

/* Byte b as two hex digits: hexpairs[2 * b], hexpairs[2 * b + 1]. */
static const char hexpairs[512] =
	"000102030405060708090a0b0c0d0e0f"
	"101112131415161718191a1b1c1d1e1f"
	"202122232425262728292a2b2c2d2e2f"
	"303132333435363738393a3b3c3d3e3f"
	"404142434445464748494a4b4c4d4e4f"
	"505152535455565758595a5b5c5d5e5f"
	"606162636465666768696a6b6c6d6e6f"
	"707172737475767778797a7b7c7d7e7f"
	"808182838485868788898a8b8c8d8e8f"
	"909192939495969798999a9b9c9d9e9f"
	"a0a1a2a3a4a5a6a7a8a9aaabacadaeaf"
	"b0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
	"c0c1c2c3c4c5c6c7c8c9cacbcccdcecf"
	"d0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
	"e0e1e2e3e4e5e6e7e8e9eaebecedeeef"
	"f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";

int
gdb_parser_init(struct gdb_parser *p, size_t cap)
{
	memset(p, 0, sizeof(*p));
	p->cap = cap != 0 ? cap : GDB_PACKET_SIZE;
	p->data = malloc(p->cap + 1);
	if (p->data == NULL)
		return -1;
	p->data[0] = '\0';
	return 0;
}

void
gdb_parser_reset(struct gdb_parser *p)
{
	p->state = PS_IDLE;
	p->len = 0;
	p->overflow = p->bad = false;
	p->csum = p->rx_csum = 0;
	if (p->data != NULL)
		p->data[0] = '\0';
}

void
gdb_parser_free(struct gdb_parser *p)
{
	free(p->data);
	p->data = NULL;
	p->cap = p->len = 0;
}

/* Append one decoded byte; past the cap only remember the overflow. */
static void
parser_put(struct gdb_parser *p, uint8_t c)
{
	if (p->len >= p->cap) {
		p->overflow = true;
		return;
	}
	p->data[p->len++] = c;
}

static void
parser_start(struct gdb_parser *p)
{
	p->state = PS_DATA;
	p->len = 0;
	p->csum = 0;
	p->overflow = p->bad = false;
}

size_t
gdb_parser_feed(struct gdb_parser *p, const uint8_t *buf, size_t len,
    enum gdb_event *ev)
{
	size_t i;
	int v;

	*ev = GDB_EV_NONE;
	for (i = 0; i < len; i++) {
		uint8_t c = buf[i];

		switch (p->state) {
		case PS_IDLE:
			if (c == '$') {
				parser_start(p);
			} else if (c == 0x03) {
				*ev = GDB_EV_INTERRUPT;
				return i + 1;
			} else if (c == '+') {
				*ev = GDB_EV_ACK;
				return i + 1;
			} else if (c == '-') {
				*ev = GDB_EV_NACK;
				return i + 1;
			}
			/* anything else between packets is noise */
			break;
		case PS_DATA:
			if (c == '#') {
				p->state = PS_CS1;
			} else if (c == '$') {
				/* a truncated packet: resynchronise on the new one */
				parser_start(p);
			} else {
				p->csum += c;
				if (c == '}')
					p->state = PS_ESC;
				else if (c == '*')
					p->state = PS_RLE;
				else
					parser_put(p, c);
			}
			break;
		case PS_ESC:
			p->csum += c;
			parser_put(p, c ^ 0x20);
			p->state = PS_DATA;
			break;
		case PS_RLE:
			if (c == '#' || c == '$') {
				/* no count: malformed, but keep the framing */
				p->bad = true;
				if (c == '#')
					p->state = PS_CS1;
				else
					parser_start(p);
				break;
			}
			p->csum += c;
			if (c < 29 + 3 || c > 126 || p->len == 0 || p->overflow) {
				if (!p->overflow)
					p->bad = true;
			} else {
				uint8_t prev = p->data[p->len - 1];
				int n;

				for (n = c - 29; n > 0; n--)
					parser_put(p, prev);
			}
			p->state = PS_DATA;
			break;
		case PS_CS1:
			v = gdb_hexval(c);
			if (v < 0)
				p->bad = true;
			p->rx_csum = (uint8_t)((v < 0 ? 0 : v) << 4);
			p->state = PS_CS2;
			break;
		case PS_CS2:
			v = gdb_hexval(c);
			p->state = PS_IDLE;
			if (v < 0 || (uint8_t)(p->rx_csum | v) != p->csum)
				*ev = GDB_EV_BAD_CHECKSUM;
			else if (p->overflow)
				*ev = GDB_EV_OVERSIZE;
			else if (p->bad)
				*ev = GDB_EV_BAD_PACKET;
			else
				*ev = GDB_EV_PACKET;
			if (*ev != GDB_EV_PACKET)
				p->len = 0;
			p->data[p->len] = '\0';
			return i + 1;
		}
	}
	return len;
}

/* ---- reply buffers ------------------------------------------------------ */

void
gdb_buf_init(struct gdb_buf *b)
{
	memset(b, 0, sizeof(*b));
}

void
gdb_buf_free(struct gdb_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

void
gdb_buf_reset(struct gdb_buf *b)
{
	b->len = 0;
	b->oom = false;
}

static bool
buf_reserve(struct gdb_buf *b, size_t more)
{
	size_t ncap;
	uint8_t *n;

	if (b->oom)
		return false;
	if (b->len + more <= b->cap)
		return true;
	ncap = b->cap != 0 ? b->cap : 256;
	while (ncap < b->len + more)
		ncap *= 2;
	n = realloc(b->data, ncap);
	if (n == NULL) {
		b->oom = true;
		return false;
	}
	b->data = n;
	b->cap = ncap;
	return true;
}

void
gdb_buf_putc(struct gdb_buf *b, uint8_t c)
{
	if (buf_reserve(b, 1))
		b->data[b->len++] = c;
}

void
gdb_buf_put(struct gdb_buf *b, const void *data, size_t len)
{
	if (len != 0 && buf_reserve(b, len)) {
		memcpy(b->data + b->len, data, len);
		b->len += len;
	}
}

void
gdb_buf_puts(struct gdb_buf *b, const char *s)
{
	gdb_buf_put(b, s, strlen(s));
}

void
gdb_buf_printf(struct gdb_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !buf_reserve(b, (size_t)n + 1))
		return;
	va_start(ap, fmt);
	vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/*
 * The encoders below write through a local pointer and store the length
 * once: b->data is uint8_t, which may alias anything, so writing
 * b->data[b->len++] makes the compiler reload and store b->len for every
 * byte (measured with callgrind: 22 instructions per byte for 'g', 24 in
 * gdb_frame, more than half the server's work for a 'g' or 'm' reply).
 */
#ifdef __SSE2__
/* The nibbles of n (0-15 each) as ASCII hex digits: n + '0', + 39 past 9. */
static inline __m128i
nibbles_to_hex(__m128i n)
{
	__m128i over9 = _mm_cmpgt_epi8(n, _mm_set1_epi8(9));

	return _mm_add_epi8(_mm_add_epi8(n, _mm_set1_epi8('0')),
	    _mm_and_si128(over9, _mm_set1_epi8('a' - '0' - 10)));
}
#endif

void
gdb_buf_hex(struct gdb_buf *b, const void *data, size_t len)
{
	const uint8_t *d = data;
	uint8_t *o;
	size_t i = 0;

	if (len > SIZE_MAX / 2 || !buf_reserve(b, len * 2))
		return;
	o = b->data + b->len;
#ifdef __SSE2__
	/*
	 * Sixteen bytes at a time ('m' of 1 KiB: 64 rounds instead of 1,024
	 * table look-ups; in-process 400 -> about 60 ns): high and low
	 * nibbles to digits, then interleaved high first.
	 */
	for (; len - i >= 16; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(d + i));
		__m128i lo = _mm_and_si128(v, _mm_set1_epi8(0x0f));
		__m128i hi = _mm_and_si128(_mm_srli_epi16(v, 4),
		    _mm_set1_epi8(0x0f));

		hi = nibbles_to_hex(hi);
		lo = nibbles_to_hex(lo);
		_mm_storeu_si128((__m128i *)(o + 2 * i), _mm_unpacklo_epi8(hi, lo));
		_mm_storeu_si128((__m128i *)(o + 2 * i + 16),
		    _mm_unpackhi_epi8(hi, lo));
	}
#endif
	for (; i < len; i++)
		memcpy(o + 2 * i, hexpairs + 2 * d[i], 2);
	b->len += len * 2;
}

void
gdb_buf_hex_le(struct gdb_buf *b, uint64_t val, size_t size)
{
	uint8_t *o;
	size_t i;

	if (size > 8)
		size = 8;
	/* 'g' calls this once per register: straight into the buffer */
	if (!buf_reserve(b, size * 2))
		return;
	o = b->data + b->len;
	for (i = 0; i < size; i++, val >>= 8)
		memcpy(o + 2 * i, hexpairs + 2 * (val & 0xff), 2);
	b->len += size * 2;
}

/*
 * Tests and tools build packets with this; gdb_frame() sums the frame as
 * it copies it (copy_escaped()), and the parser as it reads.
 */
uint8_t
gdb_checksum(const uint8_t *data, size_t len)
{
	uint8_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum += data[i];
	return sum;
}

/*
 * Framing works eight bytes at a time: a reply is mostly hex digits
 * (registers, memory), which never need an escape, so the common case is
 * one test and one copy per word, not a table look-up per byte.
 */
/* Does some byte of w equal c?  (Exact as a yes/no: the classic test.) */
static inline bool
word_has(uint64_t w, uint8_t c)
{
	uint64_t v = w ^ (BYTES_1 * c);

	return ((v - BYTES_1) & ~v & BYTES_80) != 0;
}

/* Is there a byte GDB's framing reserves ('$', '#', '}', '*') in w? */
static inline bool
word_needs_escape(uint64_t w)
{
	return word_has(w, '$') || word_has(w, '#') || word_has(w, '}') ||
	    word_has(w, '*');
}

/*
 * Copy with escapes ('}' then byte ^ 0x20); returns the end of the output
 * and, in *sum, the checksum of what it wrote (the frame's, escapes
 * included), taken in the same pass.
 */
static uint8_t *
copy_escaped(uint8_t *o, const uint8_t *p, size_t len, uint8_t *sum)
{
	size_t i = 0, end;
	uint64_t w;
	uint8_t s = 0;	/* of the bytes the word and byte paths write */
#ifdef __SSE2__
	__m128i acc = _mm_setzero_si128();	/* of the 16-byte path's */
#endif

	while (i < len) {
#ifdef __SSE2__
		if (len - i >= 16) {
			__m128i v = _mm_loadu_si128((const __m128i *)(p + i));
			__m128i hit = _mm_or_si128(
			    _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('$')),
			    _mm_cmpeq_epi8(v, _mm_set1_epi8('#'))),
			    _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('}')),
			    _mm_cmpeq_epi8(v, _mm_set1_epi8('*'))));

			if (_mm_movemask_epi8(hit) == 0) {
				_mm_storeu_si128((__m128i *)o, v);
				acc = _mm_add_epi64(acc,
				    _mm_sad_epu8(v, _mm_setzero_si128()));
				o += 16;
				i += 16;
				continue;
			}
		}
#endif
		if (len - i >= 8) {
			memcpy(&w, p + i, 8);
			if (!word_needs_escape(w)) {
				memcpy(o, &w, 8);
				for (int k = 0; k < 8; k++)
					s += p[i + k];
				o += 8;
				i += 8;
				continue;
			}
			end = i + 8;
		} else {
			end = len;
		}
		for (; i < end; i++) {
			uint8_t c = p[i];

			if (c == '$' || c == '#' || c == '}' || c == '*') {
				*o++ = '}';
				s += '}';
				c ^= 0x20;
			}
			*o++ = c;
			s += c;
		}
	}
#ifdef __SSE2__
	s += (uint8_t)(_mm_cvtsi128_si64(acc) +
	    _mm_cvtsi128_si64(_mm_unpackhi_epi64(acc, acc)));
#endif
	*sum = s;
	return o;
}

void
gdb_frame(struct gdb_buf *out, const uint8_t *payload, size_t len)
{
	uint8_t sum, *body, *o;

	/* room for the worst case (every byte escaped), reserved once */
	if (len > (SIZE_MAX - 4) / 2 || !buf_reserve(out, 2 * len + 4)) {
		out->oom = true;
		return;
	}
	body = out->data + out->len + 1;
	body[-1] = '$';
	o = copy_escaped(body, payload, len, &sum);
	*o++ = '#';
	*o++ = (uint8_t)hexdigits[sum >> 4];
	*o++ = (uint8_t)hexdigits[sum & 0xf];
	out->len = (size_t)(o - out->data);
}

/* ---- hex ---------------------------------------------------------------- */

int
gdb_hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool
gdb_parse_hex(const uint8_t **pp, const uint8_t *end, uint64_t *val)
{
	const uint8_t *p = *pp;
	uint64_t v = 0;
	int d;

	while (p < end && (d = gdb_hexval(*p)) >= 0) {
		if (v >> 60)
			return false;		/* wider than 64 bits */
		v = v << 4 | (uint64_t)d;
		p++;
	}
	if (p == *pp)
		return false;
	*pp = p;
	*val = v;
	return true;
}

bool
gdb_hex_decode(const uint8_t *hex, size_t hexlen, uint8_t *out, size_t n)
{
	size_t i;

	if (hexlen != n * 2)
		return false;
	for (i = 0; i < n; i++) {
		int hi = gdb_hexval(hex[2 * i]), lo = gdb_hexval(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

bool
gdb_hex_le(const uint8_t *hex, size_t hexlen, size_t size, uint64_t *val)
{
	uint8_t bytes[8];
	uint64_t v = 0;
	size_t i;

	if (size > 8 || !gdb_hex_decode(hex, hexlen, bytes, size))
		return false;
	for (i = size; i > 0; i--)
		v = v << 8 | bytes[i - 1];
	*val = v;
	return true;
}

/* ---- argument cursor ---------------------------------------------------- */

bool
gdb_cur_hex(struct gdb_cursor *c, uint64_t *val)
{
	return gdb_parse_hex(&c->p, c->end, val);
}

bool
gdb_cur_char(struct gdb_cursor *c, uint8_t ch)
{
	if (c->p < c->end && *c->p == ch) {
		c->p++;
		return true;
	}
	return false;
}

bool
gdb_cur_prefix(struct gdb_cursor *c, const char *s)
{
	size_t n = strlen(s);

	if ((size_t)(c->end - c->p) >= n && memcmp(c->p, s, n) == 0) {
		c->p += n;
		return true;
	}
	return false;
}

bool
gdb_cur_tid(struct gdb_cursor *c, int maxtid, int *tid)
{
	uint64_t v;

	if (gdb_cur_prefix(c, "-1")) {
		*tid = -1;
		return true;
	}
	if (gdb_cur_char(c, 'p')) {
		/* pPID or pPID.TID: one process, so PID does not matter */
		if (!gdb_cur_prefix(c, "-1") && !gdb_cur_hex(c, &v))
			return false;
		if (!gdb_cur_char(c, '.') || gdb_cur_prefix(c, "-1")) {
			*tid = -1;
			return true;
		}
	}
	if (!gdb_cur_hex(c, &v) || v > (uint64_t)maxtid)
		return false;
	*tid = (int)v;
	return true;
}
