/*
 * qmp_session.c - one QMP conversation without its transport (QEMU's
 * docs/interop/qmp-spec.rst): framing of the byte stream into messages,
 * the envelope ({"execute": NAME, "arguments": {...}, "id": ANY}), the
 * capabilities negotiation that must come first, and the reply objects
 * ({"return": ...} or {"error": {"class": ..., "desc": ...}}, echoing
 * "id").  Error wording follows QEMU's so that clients that match on it
 * keep working.
 *
 * Framing: like QEMU's JSON streamer, a message ends where its outermost
 * '{' or '[' closes (braces inside strings do not count); newlines are
 * not needed.  A top-level token that is not a container ends at the
 * next whitespace.  A message longer than QMP_MAX_MSG gets one error
 * reply, then input is skipped up to the next newline and framing starts
 * afresh: a client cannot make rhyve buffer without bound.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../../vmmapi/vmmapi.h"
#include "../version.h"
#include "qmp_int.h"

void
qmp_session_init(struct qmp_session *s, struct vmctx *ctx)
{
	memset(s, 0, sizeof(*s));
	s->ctx = ctx;
	atomic_store(&s->negotiated, false);
}

void
qmp_session_greeting(struct jbuf *out)
{
	jbuf_printf(out, "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": %d, "
	    "\"minor\": %d, \"major\": %d}, \"package\": \"rhyve %s\"}, "
	    "\"capabilities\": []}}\r\n", RHYVE_VERSION_MICRO,
	    RHYVE_VERSION_MINOR, RHYVE_VERSION_MAJOR, RHYVE_VERSION);
}

static void
reply_error(struct jbuf *out, const struct json *id, const char *cls,
    const char *desc)
{
	jbuf_puts(out, "{\"error\": {\"class\": ");
	jbuf_cstring(out, cls);
	jbuf_puts(out, ", \"desc\": ");
	jbuf_cstring(out, desc);
	jbuf_puts(out, "}");
	if (id != NULL) {
		jbuf_puts(out, ", \"id\": ");
		jbuf_value(out, id);
	}
	jbuf_puts(out, "}\r\n");
}

/* Check the arguments against the command's list, as QEMU's visitor does. */
static int
check_args(const struct qmp_command *c, const struct json *args,
    struct qmp_error *err)
{
	for (size_t k = 0; k < args->n; k++) {
		bool known = false;

		for (int a = 0; a < 4 && c->args[a] != NULL; a++)
			if (strcmp(args->keys[k], c->args[a]) == 0)
				known = true;
		if (!known)
			return qmp_fail(err, "GenericError",
			    "Parameter '%s' is unexpected", args->keys[k]);
	}
	return 0;
}

/* One complete message. */
static void
dispatch(struct qmp_session *s, const char *msg, size_t len, struct jbuf *out)
{
	static const struct json empty = { .type = JSON_OBJECT };
	char perr[128], buf[192];
	struct json *req;
	const struct json *id, *exec, *args;
	const struct qmp_command *c;
	struct qmp_error err = { .cls = NULL };
	struct jbuf ret = { .p = NULL };

	req = json_parse(msg, len, perr, sizeof(perr));
	if (req == NULL) {
		snprintf(buf, sizeof(buf), "JSON parse error, %s", perr);
		reply_error(out, NULL, "GenericError", buf);
		return;
	}
	if (req->type != JSON_OBJECT) {
		reply_error(out, NULL, "GenericError",
		    "QMP input must be a JSON object");
		goto done;
	}
	id = json_get(req, "id");
	for (size_t k = 0; k < req->n; k++) {
		const char *key = req->keys[k];

		if (strcmp(key, "execute") != 0 &&
		    strcmp(key, "arguments") != 0 && strcmp(key, "id") != 0) {
			snprintf(buf, sizeof(buf),
			    "QMP input member '%.64s' is unexpected", key);
			reply_error(out, id, "GenericError", buf);
			goto done;
		}
	}
	exec = json_get(req, "execute");
	if (exec == NULL) {
		reply_error(out, id, "GenericError",
		    "QMP input lacks member 'execute'");
		goto done;
	}
	if (exec->type != JSON_STRING) {
		reply_error(out, id, "GenericError",
		    "QMP input member 'execute' must be a string");
		goto done;
	}
	args = json_get(req, "arguments");
	if (args == NULL) {
		args = &empty;
	} else if (args->type != JSON_OBJECT) {
		reply_error(out, id, "GenericError",
		    "QMP input member 'arguments' must be an object");
		goto done;
	}
	c = qmp_command_find(exec->s);
	if (!atomic_load(&s->negotiated) &&
	    (c == NULL || strcmp(c->name, "qmp_capabilities") != 0)) {
		reply_error(out, id, "CommandNotFound",
		    "Expecting capabilities negotiation with 'qmp_capabilities'");
		goto done;
	}
	if (c == NULL) {
		snprintf(buf, sizeof(buf),
		    "The command %.64s has not been found", exec->s);
		reply_error(out, id, "CommandNotFound", buf);
		goto done;
	}
	if (check_args(c, args, &err) != 0 ||
	    c->handler(s, args, &ret, &err) != 0) {
		reply_error(out, id, err.cls, err.desc);
		goto done;
	}
	jbuf_puts(out, "{\"return\": ");
	if (ret.len > 0)
		jbuf_put(out, ret.p, ret.len);
	else
		jbuf_puts(out, "{}");
	if (id != NULL) {
		jbuf_puts(out, ", \"id\": ");
		jbuf_value(out, id);
	}
	jbuf_puts(out, "}\r\n");
done:
	jbuf_free(&ret);
	json_free(req);
}

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

void
qmp_session_input(struct qmp_session *s, const char *buf, size_t n,
    struct jbuf *out)
{
	for (size_t k = 0; k < n; k++) {
		char c = buf[k];
		bool end = false;

		if (s->discarding) {
			if (c == '\n')
				s->discarding = false;
			continue;
		}
		if (s->inlen == 0 && !s->scalar) {
			/* Between messages. */
			if (is_space(c))
				continue;
			if (c != '{' && c != '[')
				s->scalar = true;
		}
		if (s->scalar && is_space(c)) {
			end = true;
		} else {
			if (s->inlen >= sizeof(s->in)) {
				reply_error(out, NULL, "GenericError",
				    "JSON parse error, message too long");
				s->inlen = 0;
				s->depth = 0;
				s->in_string = s->escape = s->scalar = false;
				s->discarding = c != '\n';
				continue;
			}
			s->in[s->inlen++] = c;
			if (s->scalar) {
				/* ends at whitespace */
			} else if (s->in_string) {
				if (s->escape)
					s->escape = false;
				else if (c == '\\')
					s->escape = true;
				else if (c == '"')
					s->in_string = false;
			} else if (c == '"') {
				s->in_string = true;
			} else if (c == '{' || c == '[') {
				s->depth++;
			} else if (c == '}' || c == ']') {
				if (--s->depth == 0)
					end = true;
			}
		}
		if (end) {
			dispatch(s, s->in, s->inlen, out);
			s->inlen = 0;
			s->depth = 0;
			s->scalar = false;
		}
	}
}
