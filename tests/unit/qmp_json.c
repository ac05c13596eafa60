/*
 * qmp_json.c - unit tests of QMP's JSON parser and writer
 * (rhyve/qmp/json.c) and of a QMP session without sockets
 * (rhyve/qmp/qmp_session.c): what RFC 8259 accepts and refuses, the
 * depth and member limits, escapes and UTF-8, numbers, the writer's
 * escaping and round trips; framing of a byte stream split anywhere,
 * the overlong-message recovery and the envelope's error replies.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rhyve/qmp/json.h"
#include "rhyve/qmp/qmp_int.h"
#include "vmmapi/vmmapi.h"

static struct json *
parse(const char *s)
{
	char err[128];

	return json_parse(s, strlen(s), err, sizeof(err));
}

static void
refused(const char *s, const char *why)
{
	char err[128];
	struct json *v = json_parse(s, strlen(s), err, sizeof(err));

	cr_expect_null(v, "accepted: %s", s);
	json_free(v);
	if (why != NULL)
		cr_expect(strstr(err, why) != NULL, "%s: got '%s', want '%s'",
		    s, err, why);
}

Test(json, scalars)
{
	struct json *v;

	v = parse(" true ");
	cr_assert(v != NULL && v->type == JSON_BOOL && v->b);
	json_free(v);
	v = parse("false");
	cr_assert(v != NULL && v->type == JSON_BOOL && !v->b);
	json_free(v);
	v = parse("null");
	cr_assert(v != NULL && v->type == JSON_NULL);
	json_free(v);
	v = parse("-9223372036854775808");
	cr_assert(v != NULL && v->type == JSON_NUMBER && v->is_int);
	cr_expect_eq(v->i, INT64_MIN);
	json_free(v);
	v = parse("18446744073709551616");	/* too big for int64 */
	cr_assert(v != NULL && !v->is_int);
	json_free(v);
	v = parse("-0.5e+2");
	cr_assert(v != NULL && !v->is_int);
	cr_expect_eq(v->d, -50.0);
	json_free(v);
	v = parse("0");
	cr_assert(v != NULL && v->is_int && v->i == 0);
	json_free(v);
}

Test(json, refuses_what_rfc8259_does)
{
	refused("", "expecting value");
	refused("   ", "expecting value");
	refused("tru", "invalid literal");
	refused("True", "expecting value");
	refused("NaN", "expecting value");
	refused("Infinity", "expecting value");
	refused("01", "leading zero");
	refused("-", "invalid number");
	refused("1.", "invalid number");
	refused(".5", "expecting value");
	refused("1e", "invalid number");
	refused("+1", "expecting value");
	refused("1e999", "out of range");
	refused("[1,]", "expecting value");
	refused("[1 2]", "expecting ',' or ']'");
	refused("{\"a\":1,}", "expecting object key");
	refused("{\"a\" 1}", "expecting ':'");
	refused("{a:1}", "expecting object key");
	refused("{'a':1}", "expecting object key");
	refused("{\"a\":1 \"b\":2}", "expecting ',' or '}'");
	refused("[", "expecting value");
	refused("{", "expecting object key");
	refused("\"abc", "missing closing quote");
	refused("1 2", "unexpected data");
	refused("{} x", "unexpected data");
	refused("/* c */ 1", "expecting value");
}

Test(json, strings)
{
	struct json *v;

	v = parse("\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"");
	cr_assert(v != NULL && v->type == JSON_STRING);
	cr_expect_str_eq(v->s, "a\"b\\c/d\b\f\n\r\t");
	json_free(v);
	v = parse("\"\\u00e9\\u20ac\\ud83d\\ude00\"");
	cr_assert(v != NULL);
	cr_expect_str_eq(v->s, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
	json_free(v);
	v = parse("\"x\\u0000y\"");	/* NUL kept, len says so */
	cr_assert(v != NULL);
	cr_expect_eq(v->len, 3);
	cr_expect_eq(v->s[1], '\0');
	json_free(v);
	v = parse("\"\xc3\xa9\xf0\x9f\x98\x80\"");	/* raw UTF-8 */
	cr_assert(v != NULL);
	cr_expect_eq(v->len, 6);
	json_free(v);

	refused("\"a\x01\"", "control character");
	refused("\"a\nb\"", "control character");
	refused("\"\\x\"", "invalid escape");
	refused("\"\\u12\"", "invalid \\u escape");
	refused("\"\\u12g4\"", "invalid \\u escape");
	refused("\"\\ud800\"", "lone high surrogate");
	refused("\"\\ud800\\u0041\"", "lone high surrogate");
	refused("\"\\udc00\"", "lone low surrogate");
	refused("\"\xff\"", "invalid UTF-8");
	refused("\"\xc0\xaf\"", "invalid UTF-8");	/* overlong '/' */
	refused("\"\xed\xa0\x80\"", "invalid UTF-8");	/* raw surrogate */
	refused("\"\xf4\x90\x80\x80\"", "invalid UTF-8");	/* > U+10FFFF */
	refused("\"\xe2\x82\"", "invalid UTF-8");	/* truncated */
}

Test(json, containers)
{
	struct json *v = parse("{\"a\": [1, {\"b\": null}], \"c\": \"d\", \"e\": {}}");
	const struct json *a;

	cr_assert(v != NULL && v->type == JSON_OBJECT && v->n == 3);
	a = json_get(v, "a");
	cr_assert(a != NULL && a->type == JSON_ARRAY && a->n == 2);
	cr_expect(json_get(a->items[1], "b")->type == JSON_NULL);
	cr_expect_str_eq(json_get(v, "c")->s, "d");
	cr_expect_null(json_get(v, "zz"));
	cr_expect_null(json_get(a, "b"));	/* not an object */
	json_free(v);
	refused("{\"a\":1,\"a\":2}", "duplicate key");
	refused("{\"a\\u0000\":1}", "NUL in object key");
}

Test(json, limits)
{
	char buf[4096], *p = buf;
	struct json *v;
	int i;

	/* JSON_MAX_DEPTH nested arrays are fine, one more is not. */
	for (i = 0; i < JSON_MAX_DEPTH; i++)
		*p++ = '[';
	for (i = 0; i < JSON_MAX_DEPTH; i++)
		*p++ = ']';
	*p = '\0';
	v = parse(buf);
	cr_expect_not_null(v);
	json_free(v);
	p = buf;
	for (i = 0; i <= JSON_MAX_DEPTH; i++)
		*p++ = '{', p += sprintf(p, "\"k\":");
	*p++ = '1';
	for (i = 0; i <= JSON_MAX_DEPTH; i++)
		*p++ = '}';
	*p = '\0';
	refused(buf, "nesting too deep");

	/* Members of one object are bounded (the duplicate check is quadratic). */
	{
		size_t cap = (JSON_MAX_MEMBERS + 2) * 16;
		char *big = malloc(cap), *w = big;

		*w++ = '{';
		for (i = 0; i <= JSON_MAX_MEMBERS; i++)
			w += sprintf(w, "%s\"k%d\":%d", i ? "," : "", i, i);
		*w++ = '}';
		*w = '\0';
		refused(big, "too many object members");
		free(big);
	}
}

Test(json, never_reads_past_len)
{
	char err[64];
	/* The bound is len, not the NUL: "[1]" cut after "[1". */
	struct json *v = json_parse("[1]", 2, err, sizeof(err));

	cr_expect_null(v);
	v = json_parse("\"ab\"", 3, err, sizeof(err));
	cr_expect_null(v);
	cr_expect(strstr(err, "missing closing quote") != NULL);
}

Test(json, writer)
{
	struct jbuf b = { .p = NULL };
	struct json *v;

	jbuf_cstring(&b, "a\"\\\n\x01\x7f\xc3\xa9");
	cr_expect_str_eq(b.p, "\"a\\\"\\\\\\n\\u0001\\u007f\xc3\xa9\"");
	jbuf_free(&b);

	v = parse("{\"id\": [1.50, -2, \"x\\ty\", true, null, {}]}");
	cr_assert_not_null(v);
	jbuf_value(&b, v);
	/* Numbers as written; strings re-escaped; compact separators. */
	cr_expect_str_eq(b.p, "{\"id\": [1.50, -2, \"x\\ty\", true, null, {}]}");
	json_free(v);
	v = parse(b.p);
	cr_expect_not_null(v);
	json_free(v);
	jbuf_free(&b);
	jbuf_printf(&b, "%d-%s", 42, "x");
	cr_expect_str_eq(b.p, "42-x");
	cr_expect_eq(b.len, 4);
	jbuf_free(&b);
}

/* ---- a session, no sockets ----------------------------------------------- */

static struct vmctx *ctx;

static void
setup(void)
{
	ctx = vm_open_new(2, 16 << 20);
	cr_assert_not_null(ctx);
	for (int i = 0; i < 2; i++)
		cr_assert_eq(vm_activate_cpu(ctx, i), 0);
}

static void
teardown(void)
{
	vm_close(ctx);
}

/* Feed 'in' in chunks of 'chunk' bytes; return the replies. */
static char *
talk(struct qmp_session *s, const char *in, size_t chunk)
{
	struct jbuf out = { .p = NULL };
	size_t len = strlen(in);

	for (size_t off = 0; off < len; off += chunk)
		qmp_session_input(s, in + off, len - off < chunk ?
		    len - off : chunk, &out);
	return out.p != NULL ? out.p : strdup("");
}

Test(session, negotiation_and_errors, .init = setup, .fini = teardown)
{
	static struct qmp_session s;
	char *r;

	qmp_session_init(&s, ctx);
	r = talk(&s, "{\"execute\": \"query-status\", \"id\": 1}", 1000);
	cr_expect_str_eq(r, "{\"error\": {\"class\": \"CommandNotFound\", "
	    "\"desc\": \"Expecting capabilities negotiation with "
	    "'qmp_capabilities'\"}, \"id\": 1}\r\n");
	free(r);
	r = talk(&s, "{\"execute\": \"qmp_capabilities\"}", 1000);
	cr_expect_str_eq(r, "{\"return\": {}}\r\n");
	free(r);
	r = talk(&s, "{\"execute\": \"query-status\"}", 1000);
	cr_expect_str_eq(r, "{\"return\": {\"status\": \"running\", "
	    "\"running\": true}}\r\n");
	free(r);
	r = talk(&s, "{\"execute\": \"stop\"}{\"execute\": \"query-status\"}",
	    1000);
	cr_expect_str_eq(r, "{\"return\": {}}\r\n{\"return\": {\"status\": "
	    "\"paused\", \"running\": false}}\r\n");
	free(r);
	r = talk(&s, "{\"execute\": \"nope\", \"id\": {\"a\": [1]}}", 1000);
	cr_expect_str_eq(r, "{\"error\": {\"class\": \"CommandNotFound\", "
	    "\"desc\": \"The command nope has not been found\"}, "
	    "\"id\": {\"a\": [1]}}\r\n");
	free(r);
	r = talk(&s, "{\"execute\": }", 1000);
	cr_expect_str_eq(r, "{\"error\": {\"class\": \"GenericError\", "
	    "\"desc\": \"JSON parse error, expecting value\"}}\r\n");
	free(r);
	r = talk(&s, "\"str\"\n", 1000);
	cr_expect_str_eq(r, "{\"error\": {\"class\": \"GenericError\", "
	    "\"desc\": \"QMP input must be a JSON object\"}}\r\n");
	free(r);
}

Test(session, framing_split_anywhere, .init = setup, .fini = teardown)
{
	static struct qmp_session s;
	const char *in = "{\"execute\": \"qmp_capabilities\"}\n"
	    "  {\"execute\": \"query-version\", \"id\": \"{[\\\"}\"}"
	    "{\"execute\": \"cont\"}";

	for (size_t chunk = 1; chunk <= 7; chunk++) {
		char *r;

		qmp_session_init(&s, ctx);
		r = talk(&s, in, chunk);
		cr_expect(strstr(r, "\"id\": \"{[\\\"}\"}\r\n") != NULL,
		    "chunk %zu: %s", chunk, r);
		cr_expect(strstr(r, "{\"return\": {}}\r\n{\"return\": {\"qemu\"")
		    == r, "chunk %zu: %s", chunk, r);
		free(r);
	}
}

Test(session, overlong_message, .init = setup, .fini = teardown)
{
	static struct qmp_session s;
	size_t n = QMP_MAX_MSG * 2;
	char *big = malloc(n + 64), *r;

	qmp_session_init(&s, ctx);
	strcpy(big, "{\"execute\": \"");
	memset(big + strlen(big), 'a', n);
	strcpy(big + 13 + n, "\"}\n{\"execute\": \"qmp_capabilities\"}");
	r = talk(&s, big, 4096);
	cr_expect_str_eq(r, "{\"error\": {\"class\": \"GenericError\", "
	    "\"desc\": \"JSON parse error, message too long\"}}\r\n"
	    "{\"return\": {}}\r\n");
	free(r);
	free(big);
}
