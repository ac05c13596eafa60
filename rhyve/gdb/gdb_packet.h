/*
 * gdb_packet.h - the GDB remote serial protocol's framing layer, with no
 * sockets and no target knowledge, so that it can be unit-tested and
 * fuzzed on its own.  Spec: GDB manual, appendix E "GDB Remote Serial
 * Protocol", sections "Overview" (framing, checksums, escapes, run-length
 * encoding) and "Packet Acknowledgment".
 *
 * Input: bytes from the debugger are fed in arbitrary chunks to a parser
 * that returns one event at a time (a complete packet, an interrupt
 * byte, an ack or nack, a packet dropped for a bad checksum or for being
 * too large).  Escapes ('}' then byte ^ 0x20) and run-length encoding
 * ('c*N' = c repeated N - 29 more times) are decoded for every packet,
 * as GDB's own reader does, so handlers see raw payload bytes.
 *
 * Output: replies are built in a growable buffer and framed with
 * gdb_frame(), which escapes '$', '#', '}' and '*' so any payload
 * (binary memory for 'x', XML for qXfer) reaches GDB intact.
 */
#ifndef RHYVE_GDB_PACKET_H
#define RHYVE_GDB_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest decoded packet we accept (and advertise as PacketSize). */
#define GDB_PACKET_SIZE		0x20000

enum gdb_event {
	GDB_EV_NONE = 0,	/* input exhausted, nothing complete yet */
	GDB_EV_PACKET,		/* a packet with a good checksum: see p->data/p->len */
	GDB_EV_INTERRUPT,	/* 0x03 outside a packet */
	GDB_EV_ACK,		/* '+' */
	GDB_EV_NACK,		/* '-': resend the last reply */
	GDB_EV_BAD_CHECKSUM,	/* packet dropped: reply '-' (unless no-ack) */
	GDB_EV_OVERSIZE,	/* packet dropped: longer than the buffer */
	GDB_EV_BAD_PACKET,	/* packet dropped: malformed (bad RLE, bad checksum digits) */
};

/* Parser state; p->data holds the decoded payload of the last packet. */
struct gdb_parser {
	int		state;		/* private */
	uint8_t		csum;		/* private: running sum of raw bytes */
	uint8_t		rx_csum;	/* private: checksum digits received */
	bool		overflow;	/* private: payload exceeded cap */
	bool		bad;		/* private: malformed content */
	uint8_t		*data;		/* decoded payload (NUL-terminated) */
	size_t		len;
	size_t		cap;
};

/* cap: largest payload; 0 means GDB_PACKET_SIZE.  Returns -1 on ENOMEM. */
int	gdb_parser_init(struct gdb_parser *p, size_t cap);
void	gdb_parser_reset(struct gdb_parser *p);
void	gdb_parser_free(struct gdb_parser *p);

/*
 * Consume bytes from buf[0..len) up to and including the byte that
 * completes an event, store the event in *ev and return the number of
 * bytes consumed (the caller feeds the rest again).  Returns len with
 * *ev = GDB_EV_NONE when the input ran out first.  Garbage outside a
 * packet is skipped; a '$' inside a packet restarts the packet (a
 * truncated packet is dropped silently, as resynchronisation).
 */
size_t	gdb_parser_feed(struct gdb_parser *p, const uint8_t *buf, size_t len,
	    enum gdb_event *ev);

/* A growable byte buffer for building replies. */
struct gdb_buf {
	uint8_t		*data;
	size_t		len;
	size_t		cap;
	bool		oom;		/* an append failed: contents incomplete */
};

void	gdb_buf_init(struct gdb_buf *b);
void	gdb_buf_free(struct gdb_buf *b);
void	gdb_buf_reset(struct gdb_buf *b);
void	gdb_buf_putc(struct gdb_buf *b, uint8_t c);
void	gdb_buf_put(struct gdb_buf *b, const void *data, size_t len);
void	gdb_buf_puts(struct gdb_buf *b, const char *s);
void	gdb_buf_printf(struct gdb_buf *b, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Bytes as two lower-case hex digits each. */
void	gdb_buf_hex(struct gdb_buf *b, const void *data, size_t len);
/* A value of 'size' bytes as hex in little-endian (target) byte order. */
void	gdb_buf_hex_le(struct gdb_buf *b, uint64_t val, size_t size);
/* "$payload#cs" with '$', '#', '}' and '*' escaped. */
void	gdb_frame(struct gdb_buf *out, const uint8_t *payload, size_t len);

/* Hex helpers.  All return false on bad input and never read past end. */
int	gdb_hexval(uint8_t c);			/* -1 if not a hex digit */
/* Parse a big-endian hex number from [*pp, end); advance *pp past it. */
bool	gdb_parse_hex(const uint8_t **pp, const uint8_t *end, uint64_t *val);
/* Exactly 2*n hex digits into n bytes. */
bool	gdb_hex_decode(const uint8_t *hex, size_t hexlen, uint8_t *out,
	    size_t n);
/* 2*size hex digits in little-endian byte order into *val. */
bool	gdb_hex_le(const uint8_t *hex, size_t hexlen, size_t size,
	    uint64_t *val);
/* Checksum of a payload (sum of bytes mod 256). */
uint8_t	gdb_checksum(const uint8_t *data, size_t len);

/*
 * A cursor over a packet's payload for the handlers' argument parsing.
 * Each function consumes what it matched and returns true, or returns
 * false (consuming nothing useful) on a mismatch; none reads past end.
 */
struct gdb_cursor {
	const uint8_t	*p;
	const uint8_t	*end;
};

bool	gdb_cur_hex(struct gdb_cursor *c, uint64_t *val);
bool	gdb_cur_char(struct gdb_cursor *c, uint8_t ch);
bool	gdb_cur_prefix(struct gdb_cursor *c, const char *s);
/*
 * A thread id: "-1" (all, -1), "0" (any, 0) or 1..maxtid; the
 * multiprocess form "pPID.TID" is accepted too.
 */
bool	gdb_cur_tid(struct gdb_cursor *c, int maxtid, int *tid);

#endif
