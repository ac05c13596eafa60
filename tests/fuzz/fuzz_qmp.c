/*
 * fuzz_qmp.c - libFuzzer harness for the QMP server's input path: the
 * JSON parser (rhyve/qmp/json.c) and a whole session (rhyve/qmp/
 * qmp_session.c, the commands of qmp_cmds.c and the HMP of qmp_hmp.c)
 * on a real 2-vCPU VM with no vCPU threads, as a hostile client drives
 * them.  Spec: QEMU's docs/interop/qmp-spec.rst, RFC 8259.
 *
 * The first byte picks the mode: even, the rest is one JSON text for
 * json_parse(); odd, the rest is a byte stream fed to a session in
 * chunks of (first byte >> 1) + 1 bytes (framing split anywhere).
 *
 * Asserts: no memory error, leak or undefined behaviour; a parsed value
 * re-serialises (jbuf_value) into text that parses again and serialises
 * to the same text (a fixed point); every reply of a session is one
 * line ending in CRLF that parses as an object with exactly one of
 * "return", "error" (with string "class" and "desc") or "event".
 * Between inputs the VM is put back (unpaused, un-suspended) so that
 * each input starts from the same state.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rhyve/qmp/json.h"
#include "rhyve/qmp/qmp_int.h"
#include "vmmapi/vmmapi.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do {							\
	if (!(c)) {							\
		fprintf(stderr, "fuzz_qmp: %s:%d: %s\n",		\
		    __FILE__, __LINE__, #c);				\
		abort();						\
	}								\
} while (0)

static struct vmctx *ctx;
static struct qmp_session sess;

static void
fuzz_json(const uint8_t *data, size_t size)
{
	char err[128];
	struct json *v, *w;
	struct jbuf a = { .p = NULL }, b = { .p = NULL };

	/* Exact-size copy: ASan sees a read past the end. */
	char *buf = malloc(size ? size : 1);

	CHECK(buf != NULL);
	memcpy(buf, data, size);
	v = json_parse(buf, size, err, sizeof(err));
	if (v == NULL) {
		CHECK(err[0] != '\0' && strlen(err) < sizeof(err));
		free(buf);
		return;
	}
	jbuf_value(&a, v);
	CHECK(!a.oom && a.p != NULL);
	w = json_parse(a.p, a.len, err, sizeof(err));
	if (w == NULL)
		fprintf(stderr, "fuzz_qmp: re-parse of '%s': %s\n", a.p, err);
	CHECK(w != NULL);
	CHECK(w->type == v->type && w->n == v->n);
	jbuf_value(&b, w);
	CHECK(b.len == a.len && memcmp(a.p, b.p, a.len) == 0);
	json_free(v);
	json_free(w);
	jbuf_free(&a);
	jbuf_free(&b);
	free(buf);
}

static void
check_replies(const struct jbuf *out)
{
	size_t off = 0;

	while (out->p != NULL && off < out->len) {
		char *nl = memchr(out->p + off, '\n', out->len - off);
		size_t len;
		char err[128];
		struct json *v;
		const struct json *e;
		int kinds;

		CHECK(nl != NULL);
		len = (size_t)(nl - (out->p + off)) + 1;
		CHECK(len >= 2 && nl[-1] == '\r');
		v = json_parse(out->p + off, len, err, sizeof(err));
		CHECK(v != NULL && v->type == JSON_OBJECT);
		kinds = (json_get(v, "return") != NULL) +
		    ((e = json_get(v, "error")) != NULL) +
		    (json_get(v, "event") != NULL);
		CHECK(kinds == 1);
		if (e != NULL) {
			const struct json *cls = json_get(e, "class");
			const struct json *desc = json_get(e, "desc");

			CHECK(cls != NULL && cls->type == JSON_STRING);
			CHECK(desc != NULL && desc->type == JSON_STRING);
		}
		json_free(v);
		off += len;
	}
}

static void
fuzz_session(const uint8_t *data, size_t size, size_t chunk)
{
	struct jbuf out = { .p = NULL };

	if (ctx == NULL) {
		ctx = vm_open_new(2, 4 << 20);
		CHECK(ctx != NULL);
		CHECK(vm_activate_cpu(ctx, 0) == 0);
		CHECK(vm_activate_cpu(ctx, 1) == 0);
	}
	qmp_session_init(&sess, ctx);
	for (size_t off = 0; off < size; off += chunk) {
		size_t n = size - off < chunk ? size - off : chunk;
		char *piece = malloc(n);

		CHECK(piece != NULL);
		memcpy(piece, data + off, n);
		qmp_session_input(&sess, piece, n, &out);
		free(piece);
		CHECK(!out.oom);
	}
	check_replies(&out);
	jbuf_free(&out);
	/* Back to the same state for the next input. */
	CHECK(vm_unpause_cpu(ctx, -1) == 0);
	(void)vm_reinit(ctx);	/* EBUSY unless system_reset/powerdown ran */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	if ((data[0] & 1) == 0)
		fuzz_json(data + 1, size - 1);
	else
		fuzz_session(data + 1, size - 1, (size_t)(data[0] >> 1) + 1);
	return 0;
}
