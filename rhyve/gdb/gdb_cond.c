/*
 * gdb_cond.c - target-side breakpoint conditions and commands: parse a
 * Z0/Z1 cond_list or cmd_list into verified agent expressions, evaluate
 * or run them.  See gdb_cond.h; the bytecode itself is agent_expr.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gdb_cond.h"
#include "gdb_packet.h"

static struct gdb_cond *
parse_list(const uint8_t *p, size_t len, bool phys, bool cmds, char *err,
    size_t errlen)
{
	const char *what = cmds ? "command" : "condition";
	struct gdb_cursor k = { p, p + len };
	struct gdb_cond_expr items[GDB_COND_MAX];
	size_t total = 0, off;
	struct gdb_cond *c;
	uint8_t *store;
	int n = 0, i;

	if (errlen > 0)
		err[0] = '\0';
	/* First pass: find the items and check their framing. */
	while (k.p < k.end) {
		uint64_t xlen;

		if (n > 0)
			(void)gdb_cur_char(&k, ';');
		if (!gdb_cur_char(&k, 'X') || !gdb_cur_hex(&k, &xlen) ||
		    !gdb_cur_char(&k, ',')) {
			snprintf(err, errlen, "%s %d: expected X len,expr",
			    what, n);
			return NULL;
		}
		if (n == GDB_COND_MAX) {
			snprintf(err, errlen, "more than %d %ss",
			    GDB_COND_MAX, what);
			return NULL;
		}
		if (xlen == 0 || xlen > AX_LEN_MAX ||
		    (size_t)(k.end - k.p) < 2 * xlen) {
			snprintf(err, errlen, "%s %d: bad length", what, n);
			return NULL;
		}
		items[n].code = k.p;		/* hex, decoded below */
		items[n].len = (size_t)xlen;
		k.p += 2 * xlen;
		total += (size_t)xlen;
		n++;
	}
	if (n == 0) {
		snprintf(err, errlen, "empty %s list", what);
		return NULL;
	}
	c = malloc(sizeof(*c) + (size_t)n * sizeof(c->x[0]) + total);
	if (c == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->refs = 1;
	c->phys = phys;
	c->cmds = cmds;
	c->persist = false;
	c->n = n;
	store = (uint8_t *)&c->x[n];
	for (i = 0, off = 0; i < n; i++) {
		char why[96];

		if (!gdb_hex_decode(items[i].code, 2 * items[i].len,
		    store + off, items[i].len)) {
			snprintf(err, errlen, "%s %d: bad hex", what, i);
			free(c);
			return NULL;
		}
		if ((cmds ? ax_verify_cmd : ax_verify)(store + off,
		    items[i].len, why, sizeof(why)) != 0) {
			snprintf(err, errlen, "%s %d: %s", what, i, why);
			free(c);
			return NULL;
		}
		c->x[i].code = store + off;
		c->x[i].len = items[i].len;
		off += items[i].len;
	}
	return c;
}

struct gdb_cond *
gdb_cond_parse(const uint8_t *p, size_t len, bool phys, char *err,
    size_t errlen)
{
	return parse_list(p, len, phys, false, err, errlen);
}

struct gdb_cond *
gdb_cmds_parse(const uint8_t *p, size_t len, bool phys, char *err,
    size_t errlen)
{
	struct gdb_cursor k = { p, p + len };
	struct gdb_cond *c;
	uint64_t persist;

	if (!gdb_cur_hex(&k, &persist) || persist > 1 ||
	    !gdb_cur_char(&k, ',')) {
		if (errlen > 0)
			snprintf(err, errlen, "cmds: expected persist,");
		return NULL;
	}
	c = parse_list(k.p, (size_t)(k.end - k.p), phys, true, err, errlen);
	if (c != NULL)
		c->persist = persist == 1;
	return c;
}

int
gdb_cmds_run(const struct gdb_cond *c, const struct ax_env *env,
    int *failed)
{
	int i, e;

	for (i = 0; i < c->n; i++) {
		e = ax_run_cmd(c->x[i].code, c->x[i].len, env);
		if (e != AX_OK) {
			*failed = i;
			return e;
		}
	}
	return AX_OK;
}

bool
gdb_cond_eval(const struct gdb_cond *c, const struct ax_env *env)
{
	int i;

	for (i = 0; i < c->n; i++) {
		uint64_t v;

		if (ax_eval(c->x[i].code, c->x[i].len, env, &v) != AX_OK ||
		    v != 0)
			return true;
	}
	return false;
}

void
gdb_cond_free(struct gdb_cond *c)
{
	free(c);
}
