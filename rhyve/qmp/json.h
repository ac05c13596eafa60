/*
 * json.h - a small, strict JSON (RFC 8259) parser and writer for the QMP
 * server (rhyve/qmp/).  QMP input is untrusted: the parser takes a
 * complete message of bounded length, limits nesting depth, accepts only
 * what RFC 8259 allows (no trailing commas, comments, NaN, leading zeros,
 * single quotes, control characters or invalid UTF-8 in strings; no
 * lone surrogate escapes; no duplicate object keys, which QEMU refuses
 * too) and reports the first problem as a short message.  It never reads
 * past 'len' and never recurses deeper than the depth limit.
 *
 * The writer appends to a growable buffer; an allocation failure sticks
 * (jbuf.oom) so callers check once at the end.
 */
#ifndef RHYVE_QMP_JSON_H
#define RHYVE_QMP_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JSON_MAX_DEPTH	32	/* arrays/objects nested in one another */
#define JSON_MAX_MEMBERS 256	/* members of one object */

enum json_type {
	JSON_NULL,
	JSON_BOOL,
	JSON_NUMBER,
	JSON_STRING,
	JSON_ARRAY,
	JSON_OBJECT,
};

/*
 * One value.  Strings are NUL-terminated UTF-8 of 'len' bytes (an
 * escaped \u0000 may make strlen() shorter than len).  Numbers keep the
 * double and, when the text is an integer that fits, the int64
 * ('is_int').  Arrays and objects hold 'n' children; objects also hold
 * their keys in order.
 */
struct json {
	enum json_type	 type;
	bool		 b;
	bool		 is_int;
	int64_t		 i;
	double		 d;
	char		*s;
	size_t		 len;
	size_t		 n;
	size_t		 cap;	/* room in items/keys (the parser's) */
	struct json	**items;
	char		**keys;
};

/*
 * Parse exactly one value from buf[0..len) (surrounding whitespace
 * allowed, nothing else).  Returns the value (free with json_free), or
 * NULL with a one-line reason in err ("expecting value", "invalid
 * escape", ... no prefix).  'len' is the caller's bound; the parser
 * allocates at most a small multiple of it.
 */
struct json *json_parse(const char *buf, size_t len, char *err, size_t errlen);
void	json_free(struct json *v);

/* Member 'key' of an object, or NULL (also when 'obj' is not an object). */
const struct json *json_get(const struct json *obj, const char *key);

/* ---- writer -------------------------------------------------------------- */

struct jbuf {
	char	*p;
	size_t	 len;
	size_t	 cap;
	bool	 oom;
};

void	jbuf_free(struct jbuf *b);
void	jbuf_put(struct jbuf *b, const char *s, size_t n);
void	jbuf_puts(struct jbuf *b, const char *s);
void	jbuf_printf(struct jbuf *b, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* A JSON string literal (quotes, escapes) for s[0..n). */
void	jbuf_string(struct jbuf *b, const char *s, size_t n);
void	jbuf_cstring(struct jbuf *b, const char *s);
/* Any parsed value, re-serialised compactly (QMP echoes "id" this way). */
void	jbuf_value(struct jbuf *b, const struct json *v);

#endif
