/*
 * gdb_cond.c - target-side breakpoint conditions: parse a Z0/Z1
 * cond_list into verified agent expressions and evaluate them.  See
 * gdb_cond.h; the bytecode itself is agent_expr.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gdb_cond.h"
#include "gdb_packet.h"

struct gdb_cond *
gdb_cond_parse(const uint8_t *p, size_t len, bool phys, char *err,
    size_t errlen)
{
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
			snprintf(err, errlen, "condition %d: expected X len,expr",
			    n);
			return NULL;
		}
		if (n == GDB_COND_MAX) {
			snprintf(err, errlen, "more than %d conditions",
			    GDB_COND_MAX);
			return NULL;
		}
		if (xlen == 0 || xlen > AX_LEN_MAX ||
		    (size_t)(k.end - k.p) < 2 * xlen) {
			snprintf(err, errlen, "condition %d: bad length", n);
			return NULL;
		}
		items[n].code = k.p;		/* hex, decoded below */
		items[n].len = (size_t)xlen;
		k.p += 2 * xlen;
		total += (size_t)xlen;
		n++;
	}
	if (n == 0) {
		snprintf(err, errlen, "empty condition list");
		return NULL;
	}
	c = malloc(sizeof(*c) + (size_t)n * sizeof(c->x[0]) + total);
	if (c == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->refs = 1;
	c->phys = phys;
	c->n = n;
	store = (uint8_t *)&c->x[n];
	for (i = 0, off = 0; i < n; i++) {
		char why[96];

		if (!gdb_hex_decode(items[i].code, 2 * items[i].len,
		    store + off, items[i].len)) {
			snprintf(err, errlen, "condition %d: bad hex", i);
			free(c);
			return NULL;
		}
		if (ax_verify(store + off, items[i].len, why, sizeof(why)) != 0) {
			snprintf(err, errlen, "condition %d: %s", i, why);
			free(c);
			return NULL;
		}
		c->x[i].code = store + off;
		c->x[i].len = items[i].len;
		off += items[i].len;
	}
	return c;
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
