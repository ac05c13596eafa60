/*
 * fuzz_agent_expr.c - libFuzzer harness for the agent-expression verifier
 * and interpreter (rhyve/gdb/agent_expr.c, ax_printf.c) and the Z0/Z1
 * condition- and command-list parsers (rhyve/gdb/gdb_cond.c): the
 * bytecode a debugger sends with a conditional breakpoint or a dprintf
 * (breakpoint commands, printf 0x34), which rhyve's vCPUs then run.
 * Spec: GDB manual, appendix "The GDB Agent Expression Mechanism".
 *
 * Feeds: the input is the bytecode.  It goes to ax_verify(), then to
 * ax_eval() whatever the verdict (the interpreter must be safe on its
 * own) against a fake machine: registers derived from their number, 256
 * bytes of memory at 0x1000 (from the input), other addresses fail.  The
 * same bytes, hex-encoded as "X len,hex", go to gdb_cond_parse(); the
 * raw input, as text, goes there too.  The same bytes also go through
 * the command path: ax_verify_cmd(), ax_run_cmd() (printf output checked)
 * and gdb_cmds_parse() of "P,X len,hex".
 *
 * Asserts: no memory error or undefined behaviour (ASan/UBSan); a
 * message after every refusal; verified code never fails with a stack,
 * bounds or opcode error (the verifier's promise); no more register or
 * memory reads than AX_STEPS_MAX (evaluation is bounded); reads only of
 * 1, 2, 4 or 8 bytes; the condition parser accepts the hex form exactly
 * when ax_verify() accepts the code, and evaluates it to the same verdict;
 * the same for commands, where verified code never fails with a format
 * error either, a printf prints at most AX_PRINTF_MAX - 1 bytes with no
 * NUL, and %s reads count against the step limit.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rhyve/gdb/agent_expr.h"
#include "rhyve/gdb/gdb_cond.h"

#include "fuzz_util.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct machine {
	uint8_t	 mem[256];
	unsigned reads;
	size_t	 printed;
};

static int
m_reg(void *arg, int regnum, uint64_t *val)
{
	struct machine *m = arg;

	m->reads++;
	if (regnum < 0 || regnum > 4096 + 65 || regnum % 7 == 6)
		return -1;	/* some registers do not exist */
	*val = (uint64_t)regnum * 0x9e3779b97f4a7c15ULL;
	return 0;
}

static int
m_mem(void *arg, uint64_t addr, void *buf, size_t len)
{
	struct machine *m = arg;

	m->reads++;
	CHECK(len == 1 || len == 2 || len == 4 || len == 8);
	if (addr < 0x1000 || addr - 0x1000 > sizeof(m->mem) - len)
		return -1;
	memcpy(buf, m->mem + (addr - 0x1000), len);
	return 0;
}

static void
m_out(void *arg, const char *text, size_t len)
{
	struct machine *m = arg;

	CHECK(len > 0 && len < AX_PRINTF_MAX);
	CHECK(memchr(text, '\0', len) == NULL);
	m->printed += len;
}

/* The command path: verifier, interpreter, "cmds:" parser. */
static void
commands(const uint8_t *data, const uint8_t *code, size_t size,
    struct machine *m)
{
	struct ax_env env = { m, m_reg, m_mem, m_out };
	char err[96];
	int v, e;

	v = ax_verify_cmd(code, size, err, sizeof(err));
	CHECK(v == 0 || v == -1);
	CHECK(strlen(err) < sizeof(err));
	CHECK(v == 0 || err[0] != '\0');
	m->reads = 0;
	e = ax_run_cmd(code, size, &env);
	CHECK(e <= 0 && e >= AX_E_FORMAT);
	CHECK(m->reads <= AX_STEPS_MAX);
	if (v == 0)
		CHECK(e != AX_E_STACK && e != AX_E_BOUNDS &&
		    e != AX_E_OPCODE && e != AX_E_FORMAT);
	/* a condition that verifies is a command that verifies */
	if (ax_verify(code, size, err, sizeof(err)) == 0)
		CHECK(v == 0);
	if (size > 0 && size <= AX_LEN_MAX) {
		size_t tl = 32 + 2 * size, n;
		char *text = malloc(tl);
		struct gdb_cond *c;
		int failed = -1;

		CHECK(text != NULL);
		n = (size_t)snprintf(text, tl, "%d,X%zx,", data[0] & 1, size);
		for (size_t i = 0; i < size; i++)
			n += (size_t)snprintf(text + n, tl - n, "%02x", data[i]);
		c = gdb_cmds_parse((const uint8_t *)text, n, false, err,
		    sizeof(err));
		CHECK((c != NULL) == (v == 0));
		if (c != NULL) {
			CHECK(c->cmds && c->persist == (data[0] & 1) && c->n == 1);
			m->reads = 0;
			e = gdb_cmds_run(c, &env, &failed);
			CHECK(e == AX_OK || failed == 0);
			CHECK(m->reads <= AX_STEPS_MAX);
			gdb_cond_free(c);
		}
		free(text);
	}
	/* the raw input as a command list */
	{
		struct gdb_cond *c = gdb_cmds_parse(code, size, false, err,
		    sizeof(err));
		int failed;

		CHECK(c != NULL || err[0] != '\0');
		if (c != NULL) {
			CHECK(c->n >= 1 && c->n <= GDB_COND_MAX);
			(void)gdb_cmds_run(c, &env, &failed);
			gdb_cond_free(c);
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct machine m = { .reads = 0 };
	struct ax_env env = { &m, m_reg, m_mem, NULL };
	char err[96];
	uint64_t res = 0;
	uint8_t *code;
	int v, e;

	if (size > AX_LEN_MAX + 16)
		return 0;
	memcpy(m.mem, data, size < sizeof(m.mem) ? size : sizeof(m.mem));
	/* an exact-size copy, so that ASan sees any read past the end */
	code = malloc(size ? size : 1);
	CHECK(code != NULL);
	memcpy(code, data, size);

	v = ax_verify(code, size, err, sizeof(err));
	CHECK(v == 0 || v == -1);
	CHECK(strlen(err) < sizeof(err));
	CHECK(v == 0 || err[0] != '\0');

	e = ax_eval(code, size, &env, &res);
	CHECK(e <= 0 && e >= AX_E_MEM);
	CHECK(m.reads <= AX_STEPS_MAX);
	if (v == 0)
		CHECK(e != AX_E_STACK && e != AX_E_BOUNDS &&
		    e != AX_E_OPCODE);

	/* the same bytes as a Z0 condition list */
	if (size > 0 && size <= AX_LEN_MAX) {
		size_t tl = 32 + 2 * size, n;
		char *text = malloc(tl);
		struct gdb_cond *c;

		CHECK(text != NULL);
		n = (size_t)snprintf(text, tl, "X%zx,", size);
		for (size_t i = 0; i < size; i++)
			n += (size_t)snprintf(text + n, tl - n, "%02x", data[i]);
		c = gdb_cond_parse((const uint8_t *)text, n, false, err,
		    sizeof(err));
		CHECK((c != NULL) == (v == 0));
		if (c != NULL) {
			m.reads = 0;
			CHECK(c->n == 1 && c->x[0].len == size &&
			    memcmp(c->x[0].code, data, size) == 0);
			CHECK(gdb_cond_eval(c, &env) == (e != AX_OK || res != 0));
			gdb_cond_free(c);
		}
		free(text);
	}
	/* the raw input as a condition list (framing, hex, limits) */
	{
		struct gdb_cond *c = gdb_cond_parse(code, size, false, err,
		    sizeof(err));

		CHECK(c != NULL || err[0] != '\0');
		if (c != NULL) {
			CHECK(c->n >= 1 && c->n <= GDB_COND_MAX);
			(void)gdb_cond_eval(c, &env);
			gdb_cond_free(c);
		}
	}
	commands(data, code, size, &m);
	free(code);
	return 0;
}
