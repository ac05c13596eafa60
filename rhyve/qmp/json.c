/*
 * json.c - strict JSON (RFC 8259) for QMP: a recursive-descent parser
 * over a bounded buffer, with the depth bounded by JSON_MAX_DEPTH, and a
 * compact writer.  See json.h for the contract.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

struct parser {
	const char	*p;
	const char	*end;
	int		 depth;
	char		*err;
	size_t		 errlen;
	bool		 failed;
};

static struct json *parse_value(struct parser *ps);

static void
perr(struct parser *ps, const char *msg)
{
	if (!ps->failed && ps->errlen > 0)
		snprintf(ps->err, ps->errlen, "%s", msg);
	ps->failed = true;
}

static void
skip_ws(struct parser *ps)
{
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' ||
	    *ps->p == '\n' || *ps->p == '\r'))
		ps->p++;
}

static struct json *
new_value(struct parser *ps, enum json_type t)
{
	struct json *v = calloc(1, sizeof(*v));

	if (v == NULL)
		perr(ps, "out of memory");
	else
		v->type = t;
	return v;
}

void
json_free(struct json *v)
{
	if (v == NULL)
		return;
	for (size_t k = 0; k < v->n; k++) {
		json_free(v->items[k]);
		if (v->keys != NULL)
			free(v->keys[k]);
	}
	free(v->items);
	free(v->keys);
	free(v->s);
	free(v);
}

static bool
literal(struct parser *ps, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
		return false;
	ps->p += n;
	return true;
}

/* Append one code point as UTF-8. */
static size_t
put_utf8(char *out, uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

static int
hex4(const char *p, const char *end, uint32_t *out)
{
	uint32_t v = 0;

	if (end - p < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (uint32_t)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

/*
 * Length of the well-formed UTF-8 sequence at p (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF), or 0.
 */
static size_t
utf8_len(const unsigned char *p, const unsigned char *end)
{
	unsigned c = p[0];
	size_t n;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2; cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3; cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4; cp = c & 0x07;
	} else {
		return 0;
	}
	if ((size_t)(end - p) < n)
		return 0;
	for (size_t k = 1; k < n; k++) {
		if ((p[k] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[k] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/* A string literal at ps->p (the opening quote); the result is malloc'd. */
static int
parse_string(struct parser *ps, char **out, size_t *outlen)
{
	const char *p = ps->p + 1, *q;
	char *buf, *w;

	/*
	 * Size the copy by the literal's own length, not by what is left of
	 * the input: many short strings must not cost input-size each.
	 * Escapes only shrink (\uXXXX, 6 bytes, yields at most 4).
	 */
	for (q = p; q < ps->end && *q != '"'; q++)
		if (*q == '\\' && q + 1 < ps->end)
			q++;
	buf = malloc((size_t)(q - p) + 1);
	if (buf == NULL) {
		perr(ps, "out of memory");
		return -1;
	}
	w = buf;
	for (;;) {
		unsigned char c;

		if (p >= ps->end) {
			perr(ps, "missing closing quote");
			goto fail;
		}
		c = (unsigned char)*p;
		if (c == '"') {
			p++;
			break;
		}
		if (c < 0x20) {
			perr(ps, "control character in string");
			goto fail;
		}
		if (c == '\\') {
			uint32_t cp, lo;

			if (p + 1 >= ps->end) {
				perr(ps, "missing closing quote");
				goto fail;
			}
			switch (p[1]) {
			case '"': *w++ = '"'; break;
			case '\\': *w++ = '\\'; break;
			case '/': *w++ = '/'; break;
			case 'b': *w++ = '\b'; break;
			case 'f': *w++ = '\f'; break;
			case 'n': *w++ = '\n'; break;
			case 'r': *w++ = '\r'; break;
			case 't': *w++ = '\t'; break;
			case 'u':
				if (hex4(p + 2, ps->end, &cp) != 0) {
					perr(ps, "invalid \\u escape");
					goto fail;
				}
				p += 6;
				if (cp >= 0xdc00 && cp <= 0xdfff) {
					perr(ps, "lone low surrogate");
					goto fail;
				}
				if (cp >= 0xd800 && cp <= 0xdbff) {
					if (ps->end - p < 6 || p[0] != '\\' ||
					    p[1] != 'u' ||
					    hex4(p + 2, ps->end, &lo) != 0 ||
					    lo < 0xdc00 || lo > 0xdfff) {
						perr(ps, "lone high surrogate");
						goto fail;
					}
					p += 6;
					cp = 0x10000 + ((cp - 0xd800) << 10) +
					    (lo - 0xdc00);
				}
				w += put_utf8(w, cp);
				continue;
			default:
				perr(ps, "invalid escape");
				goto fail;
			}
			p += 2;
			continue;
		}
		{
			size_t n = utf8_len((const unsigned char *)p,
			    (const unsigned char *)ps->end);

			if (n == 0) {
				perr(ps, "invalid UTF-8 in string");
				goto fail;
			}
			memcpy(w, p, n);
			w += n;
			p += n;
		}
	}
	*w = '\0';
	*outlen = (size_t)(w - buf);
	*out = buf;
	ps->p = p;
	return 0;
fail:
	free(buf);
	return -1;
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * A number's fraction or exponent digits: one or more at *pp, which moves
 * past them; none is a parse error (false).
 */
static bool
digits(struct parser *ps, const char **pp)
{
	const char *p = *pp;

	if (p >= ps->end || !is_digit(*p)) {
		perr(ps, "invalid number");
		return false;
	}
	while (p < ps->end && is_digit(*p))
		p++;
	*pp = p;
	return true;
}

static struct json *
parse_number(struct parser *ps)
{
	const char *start = ps->p, *p = ps->p;
	bool integral = true;
	struct json *v;
	char *endp;

	if (p < ps->end && *p == '-')
		p++;
	if (p >= ps->end || !is_digit(*p)) {
		perr(ps, "invalid number");
		return NULL;
	}
	if (*p == '0') {
		p++;
		if (p < ps->end && is_digit(*p)) {
			perr(ps, "leading zero in number");
			return NULL;
		}
	} else {
		while (p < ps->end && is_digit(*p))
			p++;
	}
	if (p < ps->end && *p == '.') {
		integral = false;
		p++;
		if (!digits(ps, &p))
			return NULL;
	}
	if (p < ps->end && (*p == 'e' || *p == 'E')) {
		integral = false;
		p++;
		if (p < ps->end && (*p == '+' || *p == '-'))
			p++;
		if (!digits(ps, &p))
			return NULL;
	}
	if ((v = new_value(ps, JSON_NUMBER)) == NULL)
		return NULL;
	v->len = (size_t)(p - start);
	v->s = strndup(start, v->len);
	if (v->s == NULL) {
		perr(ps, "out of memory");
		free(v);
		return NULL;
	}
	ps->p = p;
	errno = 0;
	v->d = strtod(v->s, &endp);
	if (isinf(v->d)) {
		perr(ps, "number out of range");
		json_free(v);
		return NULL;
	}
	if (integral) {
		errno = 0;
		v->i = strtoll(v->s, &endp, 10);
		v->is_int = errno == 0;
	}
	return v;
}

/* Append child (and key) to an array or object; capacity doubles. */
static int
push(struct parser *ps, struct json *parent, struct json *child, char *key)
{
	size_t n = parent->n + 1;

	if (n > parent->cap) {
		size_t cap = parent->cap ? parent->cap * 2 : 4;
		struct json **items;

		items = realloc(parent->items, cap * sizeof(*items));
		if (items == NULL)
			goto oom;
		parent->items = items;
		if (parent->type == JSON_OBJECT) {
			char **keys = realloc(parent->keys, cap * sizeof(*keys));

			if (keys == NULL)
				goto oom;
			parent->keys = keys;
		}
		parent->cap = cap;
	}
	if (parent->type == JSON_OBJECT)
		parent->keys[n - 1] = key;
	parent->items[n - 1] = child;
	parent->n = n;
	return 0;
oom:
	perr(ps, "out of memory");
	json_free(child);
	free(key);
	return -1;
}

static struct json *
parse_container(struct parser *ps, bool object)
{
	struct json *v = new_value(ps, object ? JSON_OBJECT : JSON_ARRAY);
	char close = object ? '}' : ']';

	if (v == NULL)
		return NULL;
	if (++ps->depth > JSON_MAX_DEPTH) {
		perr(ps, "nesting too deep");
		goto fail;
	}
	ps->p++;
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == close) {
		ps->p++;
		ps->depth--;
		return v;
	}
	for (;;) {
		char *key = NULL;
		size_t keylen;
		struct json *child;

		skip_ws(ps);
		if (object) {
			/* Bounds the duplicate-key check's quadratic cost. */
			if (v->n >= JSON_MAX_MEMBERS) {
				perr(ps, "too many object members");
				goto fail;
			}
			if (ps->p >= ps->end || *ps->p != '"') {
				perr(ps, "expecting object key");
				goto fail;
			}
			if (parse_string(ps, &key, &keylen) != 0)
				goto fail;
			if (strlen(key) != keylen) {
				perr(ps, "NUL in object key");
				free(key);
				goto fail;
			}
			if (json_get(v, key) != NULL) {
				perr(ps, "duplicate key");
				free(key);
				goto fail;
			}
			skip_ws(ps);
			if (ps->p >= ps->end || *ps->p != ':') {
				perr(ps, "expecting ':'");
				free(key);
				goto fail;
			}
			ps->p++;
		}
		child = parse_value(ps);
		if (child == NULL) {
			free(key);
			goto fail;
		}
		if (push(ps, v, child, key) != 0)
			goto fail;
		skip_ws(ps);
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
			continue;
		}
		if (ps->p < ps->end && *ps->p == close) {
			ps->p++;
			break;
		}
		perr(ps, object ? "expecting ',' or '}'" : "expecting ',' or ']'");
		goto fail;
	}
	ps->depth--;
	return v;
fail:
	json_free(v);
	return NULL;
}

static struct json *
parse_value(struct parser *ps)
{
	struct json *v;

	skip_ws(ps);
	if (ps->p >= ps->end) {
		perr(ps, "expecting value");
		return NULL;
	}
	switch (*ps->p) {
	case '{':
		return parse_container(ps, true);
	case '[':
		return parse_container(ps, false);
	case '"':
		if ((v = new_value(ps, JSON_STRING)) == NULL)
			return NULL;
		if (parse_string(ps, &v->s, &v->len) != 0) {
			free(v);
			return NULL;
		}
		return v;
	case 't':
	case 'f':
	case 'n':
		if (literal(ps, "true") || literal(ps, "false")) {
			if ((v = new_value(ps, JSON_BOOL)) != NULL)
				v->b = ps->p[-1] == 'e' && ps->p[-2] == 'u';
			return v;
		}
		if (literal(ps, "null"))
			return new_value(ps, JSON_NULL);
		perr(ps, "invalid literal");
		return NULL;
	default:
		if (*ps->p == '-' || is_digit(*ps->p))
			return parse_number(ps);
		perr(ps, "expecting value");
		return NULL;
	}
}

struct json *
json_parse(const char *buf, size_t len, char *err, size_t errlen)
{
	struct parser ps = {
		.p = buf, .end = buf + len, .err = err, .errlen = errlen,
	};
	struct json *v;

	if (errlen > 0)
		err[0] = '\0';
	v = parse_value(&ps);
	if (v == NULL)
		return NULL;
	skip_ws(&ps);
	if (ps.p != ps.end) {
		perr(&ps, "unexpected data after the value");
		json_free(v);
		return NULL;
	}
	return v;
}

const struct json *
json_get(const struct json *obj, const char *key)
{
	if (obj == NULL || obj->type != JSON_OBJECT)
		return NULL;
	for (size_t k = 0; k < obj->n; k++)
		if (strcmp(obj->keys[k], key) == 0)
			return obj->items[k];
	return NULL;
}

/* ---- writer -------------------------------------------------------------- */

void
jbuf_free(struct jbuf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

static bool
jbuf_reserve(struct jbuf *b, size_t n)
{
	size_t cap;
	char *p;

	if (b->oom)
		return false;
	if (b->len + n + 1 <= b->cap)
		return true;
	cap = b->cap ? b->cap : 256;
	while (cap < b->len + n + 1)
		cap *= 2;
	p = realloc(b->p, cap);
	if (p == NULL) {
		b->oom = true;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

void
jbuf_put(struct jbuf *b, const char *s, size_t n)
{
	if (!jbuf_reserve(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void
jbuf_puts(struct jbuf *b, const char *s)
{
	jbuf_put(b, s, strlen(s));
}

void
jbuf_printf(struct jbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !jbuf_reserve(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void
jbuf_string(struct jbuf *b, const char *s, size_t n)
{
	jbuf_put(b, "\"", 1);
	for (size_t k = 0; k < n; k++) {
		unsigned char c = (unsigned char)s[k];

		switch (c) {
		case '"': jbuf_put(b, "\\\"", 2); break;
		case '\\': jbuf_put(b, "\\\\", 2); break;
		case '\n': jbuf_put(b, "\\n", 2); break;
		case '\r': jbuf_put(b, "\\r", 2); break;
		case '\t': jbuf_put(b, "\\t", 2); break;
		default:
			if (c < 0x20 || c == 0x7f)
				jbuf_printf(b, "\\u%04x", c);
			else
				jbuf_put(b, (const char *)&s[k], 1);
		}
	}
	jbuf_put(b, "\"", 1);
}

void
jbuf_cstring(struct jbuf *b, const char *s)
{
	jbuf_string(b, s, strlen(s));
}

void
jbuf_value(struct jbuf *b, const struct json *v)
{
	switch (v->type) {
	case JSON_NULL:
		jbuf_puts(b, "null");
		break;
	case JSON_BOOL:
		jbuf_puts(b, v->b ? "true" : "false");
		break;
	case JSON_NUMBER:
		jbuf_put(b, v->s, v->len);	/* as the client wrote it */
		break;
	case JSON_STRING:
		jbuf_string(b, v->s, v->len);
		break;
	case JSON_ARRAY:
	case JSON_OBJECT:
		jbuf_puts(b, v->type == JSON_ARRAY ? "[" : "{");
		for (size_t k = 0; k < v->n; k++) {
			if (k > 0)
				jbuf_puts(b, ", ");
			if (v->type == JSON_OBJECT) {
				jbuf_cstring(b, v->keys[k]);
				jbuf_puts(b, ": ");
			}
			jbuf_value(b, v->items[k]);
		}
		jbuf_puts(b, v->type == JSON_ARRAY ? "]" : "}");
		break;
	}
}
