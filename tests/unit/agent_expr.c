/*
 * agent_expr.c - unit tests of the agent-expression verifier and
 * interpreter (rhyve/gdb/agent_expr.c) and of the Z0/Z1 condition lists
 * built on it (rhyve/gdb/gdb_cond.c): every supported opcode, the edge
 * cases C leaves undefined (INT64_MIN / -1, shifts of 64 and more),
 * verification errors, runaway loops, stack under/overflow, division by
 * zero, failing register and memory reads; the printf of breakpoint
 * commands (dprintf) and the Z0 ";cmds:" lists.  Spec: GDB manual, appendix
 * "The GDB Agent Expression Mechanism", "Bytecode Descriptions".
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "rhyve/gdb/agent_expr.h"
#include "rhyve/gdb/gdb_cond.h"

/* ---- a fake machine: register n holds 0x100 + n; 64 bytes at 0x1000 ---- */

#define MEM_BASE	0x1000
static uint8_t mem[64];
static int nreg_reads, nmem_reads;

static int
fake_reg(void *arg, int regnum, uint64_t *val)
{
	(void)arg;
	nreg_reads++;
	if (regnum < 0 || regnum >= 100)
		return -1;
	*val = 0x100 + (uint64_t)regnum;
	return 0;
}

static int
fake_mem(void *arg, uint64_t addr, void *buf, size_t len)
{
	(void)arg;
	nmem_reads++;
	if (addr < MEM_BASE || addr - MEM_BASE > sizeof(mem) - len)
		return -1;
	memcpy(buf, mem + (addr - MEM_BASE), len);
	return 0;
}

static const struct ax_env env = { NULL, fake_reg, fake_mem, NULL };

static void
setup(void)
{
	for (size_t i = 0; i < sizeof(mem); i++)
		mem[i] = (uint8_t)(0x10 + i);
	nreg_reads = nmem_reads = 0;
}

TestSuite(agent_expr, .init = setup);

/* Verify, then evaluate; the verifier must accept. */
#define EVAL(res, ...) do {						\
	static const uint8_t c_[] = { __VA_ARGS__ };			\
	char e_[128];							\
	cr_assert_eq(ax_verify(c_, sizeof(c_), e_, sizeof(e_)), 0,	\
	    "verify: %s", e_);						\
	cr_assert_eq(ax_eval(c_, sizeof(c_), &env, &(res)), AX_OK);	\
} while (0)

/* The value of a verified expression. */
#define VAL(...) ({ uint64_t r_ = 0xdeadbeef; EVAL(r_, __VA_ARGS__); r_; })

/* Evaluation result code of (possibly unverified) code. */
#define ERR(...) ({							\
	static const uint8_t c_[] = { __VA_ARGS__ };			\
	uint64_t r_ = 0x5a5a;						\
	int e_ = ax_eval(c_, sizeof(c_), &env, &r_);			\
	if (e_ != AX_OK)						\
		cr_assert_eq(r_, 0x5a5a, "result written on error");	\
	e_;								\
})

/* ax_verify() of code: 0 or -1, with the message checked non-empty. */
#define VERIFY(...) ({							\
	static const uint8_t c_[] = { __VA_ARGS__ };			\
	char e_[128] = "x";						\
	int v_ = ax_verify(c_, sizeof(c_), e_, sizeof(e_));		\
	if (v_ != 0)							\
		cr_assert(e_[0] != '\0' && strlen(e_) < sizeof(e_));	\
	v_;								\
})

/* const8 operands, as GDB writes them */
#define K(n)	0x22, (n)
#define K64(v)	0x25, (uint8_t)((uint64_t)(v) >> 56), \
		(uint8_t)((uint64_t)(v) >> 48), (uint8_t)((uint64_t)(v) >> 40), \
		(uint8_t)((uint64_t)(v) >> 32), (uint8_t)((uint64_t)(v) >> 24), \
		(uint8_t)((uint64_t)(v) >> 16), (uint8_t)((uint64_t)(v) >> 8), \
		(uint8_t)(v)
#define END	0x27

Test(agent_expr, constants_big_endian_no_sign_extension)
{
	cr_assert_eq(VAL(K(0xff), END), 0xff);
	cr_assert_eq(VAL(0x23, 0x12, 0x34, END), 0x1234);
	cr_assert_eq(VAL(0x23, 0xff, 0xfe, END), 0xfffe);
	cr_assert_eq(VAL(0x24, 0x89, 0xab, 0xcd, 0xef, END), 0x89abcdef);
	cr_assert_eq(VAL(K64(0x0123456789abcdefULL), END), 0x0123456789abcdefULL);
	cr_assert_eq(VAL(K64(-1), END), UINT64_MAX);
}

Test(agent_expr, arithmetic)
{
	cr_assert_eq(VAL(K(7), K(5), 0x02, END), 12);			/* add */
	cr_assert_eq(VAL(K(5), K(7), 0x03, END), (uint64_t)-2);		/* sub: a-b */
	cr_assert_eq(VAL(K64(-1), K(1), 0x02, END), 0);			/* wraps */
	cr_assert_eq(VAL(K(6), K(7), 0x04, END), 42);			/* mul */
	cr_assert_eq(VAL(K64(-7), K(2), 0x05, END), (uint64_t)-3);	/* div_signed */
	cr_assert_eq(VAL(K64(-7), K(2), 0x06, END), (uint64_t)-7 / 2);	/* div_unsigned */
	cr_assert_eq(VAL(K64(-7), K(2), 0x07, END), (uint64_t)-1);	/* rem_signed */
	cr_assert_eq(VAL(K64(-7), K(2), 0x08, END), ((uint64_t)-7) % 2);/* rem_unsigned */
	cr_assert_eq(VAL(K(7), K(3), 0x08, END), 1);
	/* INT64_MIN / -1 is undefined in C: defined here as wrapping */
	cr_assert_eq(VAL(K64(INT64_MIN), K64(-1), 0x05, END), (uint64_t)INT64_MIN);
	cr_assert_eq(VAL(K64(INT64_MIN), K64(-1), 0x07, END), 0);
	cr_assert_eq(VAL(K(9), K64(-1), 0x05, END), (uint64_t)-9);
}

Test(agent_expr, shifts)
{
	cr_assert_eq(VAL(K(1), K(4), 0x09, END), 16);			/* lsh */
	cr_assert_eq(VAL(K(1), K(63), 0x09, END), 1ULL << 63);
	cr_assert_eq(VAL(K(1), K(64), 0x09, END), 0);			/* all out */
	cr_assert_eq(VAL(K(1), K(200), 0x09, END), 0);
	cr_assert_eq(VAL(K64(-16), K(2), 0x0a, END), (uint64_t)-4);	/* rsh_signed */
	cr_assert_eq(VAL(K64(16), K(2), 0x0a, END), 4);
	cr_assert_eq(VAL(K64(-16), K(64), 0x0a, END), UINT64_MAX);
	cr_assert_eq(VAL(K64(16), K(99), 0x0a, END), 0);
	cr_assert_eq(VAL(K64(-16), K(0), 0x0a, END), (uint64_t)-16);
	cr_assert_eq(VAL(K64(-16), K(2), 0x0b, END), (uint64_t)-16 >> 2);/* rsh_unsigned */
	cr_assert_eq(VAL(K64(-16), K(64), 0x0b, END), 0);
}

Test(agent_expr, logic_and_comparisons)
{
	cr_assert_eq(VAL(K(0), 0x0e, END), 1);				/* log_not */
	cr_assert_eq(VAL(K(9), 0x0e, END), 0);
	cr_assert_eq(VAL(K(0xc), K(0xa), 0x0f, END), 0x8);		/* bit_and */
	cr_assert_eq(VAL(K(0xc), K(0xa), 0x10, END), 0xe);		/* bit_or */
	cr_assert_eq(VAL(K(0xc), K(0xa), 0x11, END), 0x6);		/* bit_xor */
	cr_assert_eq(VAL(K(0), 0x12, END), UINT64_MAX);			/* bit_not */
	cr_assert_eq(VAL(K(3), K(3), 0x13, END), 1);			/* equal */
	cr_assert_eq(VAL(K(3), K(4), 0x13, END), 0);
	cr_assert_eq(VAL(K64(-1), K(1), 0x14, END), 1);			/* less_signed */
	cr_assert_eq(VAL(K(1), K64(-1), 0x14, END), 0);
	cr_assert_eq(VAL(K(2), K(2), 0x14, END), 0);
	cr_assert_eq(VAL(K64(-1), K(1), 0x15, END), 0);			/* less_unsigned */
	cr_assert_eq(VAL(K(1), K64(-1), 0x15, END), 1);
}

Test(agent_expr, ext_and_zero_ext)
{
	cr_assert_eq(VAL(K(0x80), 0x16, 8, END), (uint64_t)-128);	/* ext */
	cr_assert_eq(VAL(K(0x7f), 0x16, 8, END), 0x7f);
	cr_assert_eq(VAL(K(1), 0x16, 1, END), UINT64_MAX);
	cr_assert_eq(VAL(K64(0x180000000ULL), 0x16, 32, END), 0xffffffff80000000ULL);
	cr_assert_eq(VAL(K64(-2), 0x16, 64, END), (uint64_t)-2);
	cr_assert_eq(VAL(K64(-1), 0x2a, 8, END), 0xff);			/* zero_ext */
	cr_assert_eq(VAL(K64(-1), 0x2a, 1, END), 1);
	cr_assert_eq(VAL(K64(-1), 0x2a, 63, END), UINT64_MAX >> 1);
	cr_assert_eq(VAL(K64(-1), 0x2a, 64, END), UINT64_MAX);
}

Test(agent_expr, memory_little_endian)
{
	cr_assert_eq(VAL(0x23, 0x10, 0x00, 0x17, END), 0x10);			/* ref8 */
	cr_assert_eq(VAL(0x23, 0x10, 0x01, 0x18, END), 0x1211);			/* ref16 */
	cr_assert_eq(VAL(0x23, 0x10, 0x02, 0x19, END), 0x15141312);		/* ref32 */
	cr_assert_eq(VAL(0x23, 0x10, 0x08, 0x1a, END), 0x1f1e1d1c1b1a1918ULL);	/* ref64 */
	cr_assert_eq(nmem_reads, 4);
	/* the last readable doubleword, then one byte too far */
	cr_assert_eq(VAL(0x23, 0x10, 0x38, 0x1a, END), 0x4f4e4d4c4b4a4948ULL);
	cr_assert_eq(ERR(0x23, 0x10, 0x39, 0x1a, END), AX_E_MEM);
	cr_assert_eq(ERR(K(0), 0x17, END), AX_E_MEM);
}

Test(agent_expr, registers)
{
	cr_assert_eq(VAL(0x26, 0x00, 0x0a, END), 0x10a);
	cr_assert_eq(VAL(0x26, 0x00, 0x0a, 0x26, 0x00, 0x0b, 0x03, END),
	    (uint64_t)-1);
	cr_assert_eq(nreg_reads, 3);
	cr_assert_eq(ERR(0x26, 0x12, 0x34, END), AX_E_REG);
}

Test(agent_expr, stack_ops)
{
	cr_assert_eq(VAL(K(5), 0x28, 0x02, END), 10);			/* dup */
	cr_assert_eq(VAL(K(5), K(6), 0x29, END), 5);			/* pop */
	cr_assert_eq(VAL(K(5), K(6), 0x2b, END), 5);			/* swap */
	cr_assert_eq(VAL(K(5), K(6), 0x2b, 0x29, END), 6);
	/* rot: a b c => c a b (b on top, a under it, c third) */
	cr_assert_eq(VAL(K(1), K(2), K(3), 0x33, END), 2);
	cr_assert_eq(VAL(K(1), K(2), K(3), 0x33, 0x29, END), 1);
	cr_assert_eq(VAL(K(1), K(2), K(3), 0x33, 0x29, 0x29, END), 3);
	/* pick n copies the item n below the top */
	cr_assert_eq(VAL(K(1), K(2), K(3), 0x32, 0, END), 3);
	cr_assert_eq(VAL(K(1), K(2), K(3), 0x32, 2, END), 1);
	cr_assert_eq(VAL(K(1), K(2), K(3), 0x32, 1, 0x02, END), 5);
}

Test(agent_expr, jumps)
{
	/* if_goto taken / not taken; offsets are absolute */
	cr_assert_eq(VAL(K(1), 0x20, 0, 8, K(10), END, K(20), END), 20);
	cr_assert_eq(VAL(K(0), 0x20, 0, 8, K(10), END, K(20), END), 10);
	cr_assert_eq(VAL(0x21, 0, 6, K(10), END, K(30), END), 30);	/* goto */
	/* a loop: n = 100; do n -= 1 while n; result n + 7 (loops run) */
	cr_assert_eq(VAL(K(100),			/* 0 */
	    K(1), 0x03,					/* 2: n - 1 */
	    0x28, 0x20, 0, 2,				/* 5: dup; 6: if_goto 2 */
	    K(7), 0x02, END), 7);			/* 9 */
}

Test(agent_expr, end_takes_the_top)
{
	cr_assert_eq(VAL(K(1), K(2), END), 2);
}

Test(agent_expr, gdb_style_condition)
{
	/* what GDB sends for "$a0 == 1 && $a1 > 3": reg, const, equal,
	   log_not, if_goto, ..., with a const8 0 / const8 1 result */
	uint64_t r;

	EVAL(r, 0x26, 0, 10, K(0x0a), 0x16, 8, 0x13, 0x0e, 0x20, 0, 23,
	    K(3), 0x26, 0, 11, 0x14, 0x0e, 0x0e, 0x20, 0, 23, K(1), END,
	    K(0), END);
	cr_assert_eq(r, 1);	/* 0x10a ext 8 = 0x0a; 0x10b > 3 */
}

Test(agent_expr, division_by_zero_is_an_error)
{
	cr_assert_eq(VERIFY(K(1), K(0), 0x05, END), 0);
	cr_assert_eq(ERR(K(1), K(0), 0x05, END), AX_E_DIV0);
	cr_assert_eq(ERR(K(1), K(0), 0x06, END), AX_E_DIV0);
	cr_assert_eq(ERR(K(1), K(0), 0x07, END), AX_E_DIV0);
	cr_assert_eq(ERR(K(1), K(0), 0x08, END), AX_E_DIV0);
}

Test(agent_expr, runaway_loops_are_bounded)
{
	cr_assert_eq(VERIFY(0x21, 0, 0), 0);		/* goto self: valid */
	cr_assert_eq(ERR(0x21, 0, 0), AX_E_STEPS);
	cr_assert_eq(VERIFY(K(1), 0x20, 0, 0, K(0), END), 0);
	cr_assert_eq(ERR(K(1), 0x20, 0, 0, K(0), END), AX_E_STEPS);
	/* a loop reading memory: bounded too, and each step counted */
	cr_assert_eq(ERR(0x23, 0x10, 0, 0x17, 0x29, 0x21, 0, 0), AX_E_STEPS);
	cr_assert(nmem_reads <= AX_STEPS_MAX / 3 + 1);
}

Test(agent_expr, eval_checks_unverified_code)
{
	cr_assert_eq(ERR(0x02, END), AX_E_STACK);		/* underflow */
	cr_assert_eq(ERR(END), AX_E_STACK);
	cr_assert_eq(ERR(0x29), AX_E_STACK);
	cr_assert_eq(ERR(K(1), 0x32, 1, END), AX_E_STACK);	/* pick too deep */
	cr_assert_eq(ERR(K(1), 0x28, 0x21, 0, 0), AX_E_STACK);	/* overflow */
	cr_assert_eq(ERR(0x01, END), AX_E_OPCODE);		/* float */
	cr_assert_eq(ERR(0xff), AX_E_OPCODE);
	cr_assert_eq(ERR(K(1)), AX_E_BOUNDS);			/* no end */
	cr_assert_eq(ERR(0x25, 1, 2), AX_E_BOUNDS);		/* operand cut */
	cr_assert_eq(ERR(0x21, 0x10, 0), AX_E_BOUNDS);		/* jump out */
	cr_assert_eq(ERR(K(1), 0x16, 0, END), AX_E_OPCODE);	/* ext 0 */
	cr_assert_eq(ERR(K(1), 0x2a, 65, END), AX_E_OPCODE);
	uint64_t r = 0;
	cr_assert_eq(ax_eval(NULL, 0, &env, &r), AX_E_BOUNDS);
	/* no environment: reads fail, nothing crashes */
	static const uint8_t rd[] = { 0x26, 0, 1, END };
	cr_assert_eq(ax_eval(rd, sizeof(rd), NULL, &r), AX_E_REG);
	static const uint8_t rm[] = { K(0), 0x17, END };
	cr_assert_eq(ax_eval(rm, sizeof(rm), NULL, &r), AX_E_MEM);
	cr_assert_str_neq(ax_strerror(AX_E_DIV0), ax_strerror(AX_E_MEM));
	cr_assert_str_eq(ax_strerror(12345), "unknown error");
}

Test(agent_expr, verify_refusals)
{
	/* unknown, floating point, trace and variable ops */
	cr_assert_eq(VERIFY(0x00, END), -1);
	cr_assert_eq(VERIFY(K(1), 0x01, END), -1);		/* float */
	cr_assert_eq(VERIFY(K(1), 0x1b, END), -1);		/* ref_float */
	cr_assert_eq(VERIFY(K(1), 0x1e, END), -1);		/* l_to_d */
	cr_assert_eq(VERIFY(K(1), 0x0c, END), -1);		/* trace */
	cr_assert_eq(VERIFY(0x2c, 0, 1, END), -1);		/* getv */
	cr_assert_eq(VERIFY(K(1), 0x34, END), -1);		/* printf */
	cr_assert_eq(VERIFY(0xff, END), -1);
	/* stack */
	cr_assert_eq(VERIFY(END), -1);
	cr_assert_eq(VERIFY(K(1), 0x02, END), -1);
	cr_assert_eq(VERIFY(K(1), 0x33, END), -1);		/* rot of 1 */
	cr_assert_eq(VERIFY(K(1), K(2), 0x32, 2, END), -1);	/* pick 2 of 2 */
	cr_assert_eq(VERIFY(K(1), K(2), 0x32, 1, END), 0);
	/* bounds and jumps */
	cr_assert_eq(VERIFY(K(1)), -1);				/* no end */
	cr_assert_eq(VERIFY(0x23, 1), -1);			/* operand cut */
	cr_assert_eq(VERIFY(0x21, 0, 9, K(1), END), -1);	/* beyond */
	cr_assert_eq(VERIFY(0x21, 0, 4, K(1), END), -1);	/* into operand */
	cr_assert_eq(VERIFY(K(1), 0x20, 0, 6, K(1), END), -1);	/* to len */
	/* a path into an instruction with another depth: a growing loop */
	cr_assert_eq(VERIFY(K(1), 0x21, 0, 0), -1);
	cr_assert_eq(VERIFY(K(1), K(1), 0x20, 0, 9, K(5), K(6), END), -1);
	/* ext with 0 or more than 64 bits */
	cr_assert_eq(VERIFY(K(1), 0x16, 0, END), -1);
	cr_assert_eq(VERIFY(K(1), 0x2a, 65, END), -1);
	/* sizes */
	static const uint8_t one[] = { END };
	char err[8];
	cr_assert_eq(ax_verify(one, 0, err, sizeof(err)), -1);
	cr_assert_eq(ax_verify(NULL, 5, err, sizeof(err)), -1);
	cr_assert_eq(ax_verify(one, AX_LEN_MAX + 1, err, sizeof(err)), -1);
	cr_assert_lt(strlen(err), sizeof(err));		/* truncated, terminated */
	cr_assert_eq(ax_verify(one, 1, NULL, 0), -1);	/* no message wanted */
}

Test(agent_expr, stack_depth_limit)
{
	uint8_t code[2 * (AX_STACK_MAX + 1) + 1];
	uint64_t r;
	size_t n = 0;
	int i;

	for (i = 0; i < AX_STACK_MAX; i++) {
		code[n++] = 0x22;
		code[n++] = (uint8_t)i;
	}
	code[n++] = END;
	cr_assert_eq(ax_verify(code, n, NULL, 0), 0);
	cr_assert_eq(ax_eval(code, n, &env, &r), AX_OK);
	cr_assert_eq(r, AX_STACK_MAX - 1);
	n--;
	code[n++] = 0x22;
	code[n++] = 0;
	code[n++] = END;
	cr_assert_eq(ax_verify(code, n, NULL, 0), -1);
	cr_assert_eq(ax_eval(code, n, &env, &r), AX_E_STACK);
}

Test(agent_expr, longest_expression)
{
	static uint8_t code[AX_LEN_MAX];
	uint64_t r;

	/* const8 1, then (const8 1; add) to the end, then end */
	size_t n = 0;
	code[n++] = 0x22;
	code[n++] = 1;
	while (n + 3 + 1 <= AX_LEN_MAX) {
		code[n++] = 0x22;
		code[n++] = 1;
		code[n++] = 0x02;
	}
	code[n++] = END;
	cr_assert_eq(ax_verify(code, n, NULL, 0), 0);
	cr_assert_eq(ax_eval(code, n, &env, &r), AX_OK);
	cr_assert_eq(r, 1 + (n - 3) / 3);
}

/* ---- gdb_cond: Z0 cond lists ------------------------------------------- */

static struct gdb_cond *
parse(const char *s, char *err, size_t errlen)
{
	return gdb_cond_parse((const uint8_t *)s, strlen(s), false, err, errlen);
}

Test(gdb_cond, parse_and_or)
{
	char err[128];
	struct gdb_cond *c;

	/* GDB's form: items concatenated; "$a0 == 0x10a" || "0" */
	c = parse("X6,26000a230000" "X2,2200", err, sizeof(err));
	cr_assert_null(c, "no end: refused");
	c = parse("X8,26000a23010a1327X3,220027", err, sizeof(err));
	cr_assert_not_null(c, "%s", err);
	cr_assert_eq(c->n, 2);
	cr_assert_eq(c->refs, 1);
	cr_assert(gdb_cond_eval(c, &env), "first true");
	gdb_cond_free(c);
	/* both false; ';'-separated accepted too */
	c = parse("X3,220027;X8,26000a23010b1327", err, sizeof(err));
	cr_assert_not_null(c, "%s", err);
	cr_assert_not(gdb_cond_eval(c, &env), "both false");
	gdb_cond_free(c);
	/* false then true: OR */
	c = parse("X3,220027X3,220127", err, sizeof(err));
	cr_assert(gdb_cond_eval(c, &env));
	gdb_cond_free(c);
	/* an evaluation error stops (as GDB's own evaluation would) */
	c = parse("X3,220027X4,22001727", err, sizeof(err));
	cr_assert_not_null(c, "%s", err);
	cr_assert(gdb_cond_eval(c, &env));
	gdb_cond_free(c);
	c = gdb_cond_parse((const uint8_t *)"X3,220027", 9, true, err, sizeof(err));
	cr_assert(c->phys);
	gdb_cond_free(c);
}

Test(gdb_cond, parse_errors)
{
	static const char *bad[] = {
		"", "X", "X3", "X3,", "X3,2200", "X3,22002", "X3,zz0027",
		"Y3,220027", "X0,", "X3,220027;", "X3,220027;;X3,220027",
		"X3,220027Z", "X2,0227", "X1001,00", "Xffffffffffffffff,00",
		"X3,220027 ",
	};
	char err[128];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		cr_assert_null(parse(bad[i], err, sizeof(err)), "'%s'", bad[i]);
		cr_assert(err[0] != '\0', "no reason for '%s'", bad[i]);
	}
	cr_assert_null(parse("X", NULL, 0));
}

Test(gdb_cond, at_most_gdb_cond_max)
{
	char buf[16 * (GDB_COND_MAX + 1) + 1];
	struct gdb_cond *c;
	size_t n = 0;
	int i;

	for (i = 0; i < GDB_COND_MAX; i++)
		n += (size_t)sprintf(buf + n, "X3,220027");
	c = parse(buf, NULL, 0);
	cr_assert_not_null(c);
	cr_assert_eq(c->n, GDB_COND_MAX);
	cr_assert_not(gdb_cond_eval(c, &env));
	gdb_cond_free(c);
	sprintf(buf + n, "X3,220027");
	cr_assert_null(parse(buf, NULL, 0));
}

/* ---- breakpoint commands: printf (0x34) ---------------------------------- */

static char outbuf[8192];
static size_t outlen;
static int nouts;

static void
fake_out(void *arg, const char *text, size_t len)
{
	(void)arg;
	cr_assert(outlen + len < sizeof(outbuf));
	memcpy(outbuf + outlen, text, len);
	outlen += len;
	outbuf[outlen] = '\0';
	nouts++;
}

static const struct ax_env penv = { NULL, fake_reg, fake_mem, fake_out };

/*
 * Build GDB's dprintf bytecode: the arguments' code (already in reverse
 * order), channel, function, printf NARGS "fmt", end.
 */
static size_t
mkprintf(uint8_t *code, const uint8_t *args, size_t alen, unsigned nargs,
    const char *fmt)
{
	size_t n = 0, flen = strlen(fmt) + 1;

	if (alen > 0)		/* args may be NULL: memcpy wants a pointer */
		memcpy(code, args, alen);
	n = alen;
	code[n++] = 0x22; code[n++] = 0;		/* channel */
	code[n++] = 0x22; code[n++] = 0;		/* function */
	code[n++] = 0x34;
	code[n++] = (uint8_t)nargs;
	code[n++] = (uint8_t)(flen >> 8);
	code[n++] = (uint8_t)flen;
	memcpy(code + n, fmt, flen);
	n += flen;
	code[n++] = END;
	return n;
}

/* Verify as a command, run, return the text printed. */
static const char *
print1(const char *fmt, unsigned nargs, const uint8_t *args, size_t alen)
{
	uint8_t code[512];
	char e[128];
	size_t n = mkprintf(code, args, alen, nargs, fmt);

	outlen = 0;
	outbuf[0] = '\0';
	cr_assert_eq(ax_verify_cmd(code, n, e, sizeof(e)), 0, "%s: %s", fmt, e);
	cr_assert_eq(ax_run_cmd(code, n, &penv), AX_OK, "%s", fmt);
	return outbuf;
}

#define PRINT(fmt, nargs, ...) ({					\
	static const uint8_t a_[] = { 0x00, __VA_ARGS__ };		\
	print1((fmt), (nargs), a_ + 1, sizeof(a_) - 1);			\
})

/* Verify a command with printf: 0 or -1. */
static int
vprintf_cmd(const char *fmt, unsigned nargs, const uint8_t *args, size_t alen)
{
	uint8_t code[512];
	char e[128] = "x";
	size_t n = mkprintf(code, args, alen, nargs, fmt);
	int v = ax_verify_cmd(code, n, e, sizeof(e));

	if (v != 0)
		cr_assert(e[0] != '\0');
	return v;
}

Test(agent_expr, printf_as_gdb_sends_it, .init = setup)
{
	/* dprintf f,"hit %d %d\n",$a0,$a1: a1 pushed first, escapes raw */
	cr_assert_str_eq(PRINT("hit %d %d\\n", 2, 0x26, 0, 11, 0x26, 0, 10),
	    "hit 266 267\n");
	cr_assert_eq(nouts, 1);
	cr_assert_str_eq(print1("no args\\t\\\\\\\"", 0, NULL, 0),
	    "no args\t\\\"");
}

Test(agent_expr, printf_conversions, .init = setup)
{
	cr_assert_str_eq(PRINT("%d|%i|%u", 3, K64(-1), K64(-1), K64(-1)),
	    "-1|-1|4294967295");	/* 32-bit without a modifier */
	cr_assert_str_eq(PRINT("%ld %lu", 2, K64(-1), K64(-2)),
	    "-2 18446744073709551615");
	cr_assert_str_eq(PRINT("%lld %zx %jX %tu", 4, K(1), K(2), K(0xab), K(9)),
	    "9 ab 2 1");
	cr_assert_str_eq(PRINT("%hhd %hd %hhu", 3, K(0xff), 0x23, 0x12, 0xff,
	    0x23, 0x12, 0xff), "-1 4863 255");
	cr_assert_str_eq(PRINT("%x %#x %#o %o %X", 5, K(0xab), K(8), K(8),
	    K(0xab), K(0xab)), "ab 0xab 010 10 AB");
	cr_assert_str_eq(PRINT("[%5d][%-5d][%05d][%+d][% d][%.3d]", 6, K(7),
	    K(7), K(7), K(7), K(7), K(7)),
	    "[    7][7    ][00007][+7][ 7][007]");
	cr_assert_str_eq(PRINT("%c%c|%3c|%-3c|", 4, K('d'), K('c'), K('b'),
	    K('a')), "ab|  c|d  |");
	cr_assert_str_eq(PRINT("%p %p", 2, K(0), K64(0x80001000)),
	    "0x80001000 0x0");
	cr_assert_str_eq(PRINT("100%% %d", 1, K(5)), "100% 5");
}

Test(agent_expr, printf_strings_from_memory, .init = setup)
{
	memcpy(mem, "hello\0world", 12);
	cr_assert_str_eq(PRINT("<%s>", 1, 0x23, 0x10, 0x00), "<hello>");
	cr_assert_str_eq(PRINT("<%.3s>", 1, 0x23, 0x10, 0x00), "<hel>");
	cr_assert_str_eq(PRINT("<%8s>", 1, 0x23, 0x10, 0x06), "<   world>");
	cr_assert_str_eq(PRINT("<%-6s>", 1, 0x23, 0x10, 0x06), "<world >");
	cr_assert_str_eq(PRINT("<%s>", 1, K(0)), "<(null)>");
	/* unreadable memory: what could be read, here nothing */
	cr_assert_str_eq(PRINT("<%s>", 1, K(8)), "<>");
	/* a string that runs to the end of readable memory stops there */
	memset(mem, 'z', sizeof(mem));
	cr_assert_eq(strlen(PRINT("%s", 1, 0x23, 0x10, 0x00)), sizeof(mem));
}

Test(agent_expr, printf_format_refusals, .init = setup)
{
	static const uint8_t one[] = { K(1) }, two[] = { K(1), K(2) };

	cr_assert_eq(vprintf_cmd("%d", 1, one, sizeof(one)), 0);
	cr_assert_eq(vprintf_cmd("%d", 2, two, sizeof(two)), -1);
	cr_assert_eq(vprintf_cmd("%d %d", 1, one, sizeof(one)), -1);
	cr_assert_eq(vprintf_cmd("%f", 1, one, sizeof(one)), -1);
	cr_assert_eq(vprintf_cmd("%g", 1, one, sizeof(one)), -1);
	cr_assert_eq(vprintf_cmd("%n", 1, one, sizeof(one)), -1);
	cr_assert_eq(vprintf_cmd("%*d", 1, one, sizeof(one)), -1);
	cr_assert_eq(vprintf_cmd("%.*d", 1, one, sizeof(one)), -1);
	cr_assert_eq(vprintf_cmd("%Ld", 1, one, sizeof(one)), -1);
	cr_assert_eq(vprintf_cmd("%ls", 1, one, sizeof(one)), -1);
	cr_assert_eq(vprintf_cmd("%lc", 1, one, sizeof(one)), -1);
	cr_assert_eq(vprintf_cmd("%+s", 1, one, sizeof(one)), -1);
	cr_assert_eq(vprintf_cmd("%05c", 1, one, sizeof(one)), -1);
	cr_assert_eq(vprintf_cmd("%.2p", 1, one, sizeof(one)), -1);
	cr_assert_eq(vprintf_cmd("%513d", 1, one, sizeof(one)), -1);
	cr_assert_eq(vprintf_cmd("%.513d", 1, one, sizeof(one)), -1);
	cr_assert_eq(vprintf_cmd("%512d", 1, one, sizeof(one)), 0);
	cr_assert_eq(vprintf_cmd("%------d", 1, one, sizeof(one)), 0);
	cr_assert_eq(vprintf_cmd("%-------d", 1, one, sizeof(one)), -1);
	cr_assert_eq(vprintf_cmd("%", 0, NULL, 0), -1);
	cr_assert_eq(vprintf_cmd("%l", 1, one, sizeof(one)), -1);
	cr_assert_eq(vprintf_cmd("\\q", 0, NULL, 0), -1);
	cr_assert_eq(vprintf_cmd("end\\", 0, NULL, 0), -1);
	cr_assert_eq(vprintf_cmd("", 0, NULL, 0), 0);
	/* not enough values on the stack for NARGS + function + channel */
	cr_assert_eq(vprintf_cmd("%d", 1, NULL, 0), -1);
}

Test(agent_expr, printf_operand_refusals, .init = setup)
{
	/* printf "ab" with the NUL missing, an inner NUL, a short operand */
	static const uint8_t nonul[] = { K(0), K(0), 0x34, 0, 0, 2, 'a', 'b',
	    END };
	static const uint8_t inner[] = { K(0), K(0), 0x34, 0, 0, 3, 'a', 0, 0,
	    END };
	static const uint8_t empty[] = { K(0), K(0), 0x34, 0, 0, 0, END };
	static const uint8_t shortop[] = { K(0), K(0), 0x34, 0, 0, 9, 'a', 0,
	    END };
	static const uint8_t ok[] = { K(0), K(0), 0x34, 0, 0, 2, 'a', 0, END };
	char e[128];

	cr_assert_eq(ax_verify_cmd(nonul, sizeof(nonul), e, sizeof(e)), -1);
	cr_assert_eq(ax_verify_cmd(inner, sizeof(inner), e, sizeof(e)), -1);
	cr_assert_eq(ax_verify_cmd(empty, sizeof(empty), e, sizeof(e)), -1);
	cr_assert_eq(ax_verify_cmd(shortop, sizeof(shortop), e, sizeof(e)), -1);
	cr_assert_eq(ax_verify_cmd(ok, sizeof(ok), e, sizeof(e)), 0, "%s", e);
	/* the interpreter refuses them on its own */
	cr_assert_eq(ax_run_cmd(nonul, sizeof(nonul), &penv), AX_E_FORMAT);
	cr_assert_eq(ax_run_cmd(empty, sizeof(empty), &penv), AX_E_FORMAT);
	cr_assert_eq(ax_run_cmd(shortop, sizeof(shortop), &penv), AX_E_BOUNDS);
	/* printf is for commands only: refused in a condition */
	cr_assert_eq(ax_verify(ok, sizeof(ok), e, sizeof(e)), -1);
	cr_assert(strstr(e, "condition") != NULL, "%s", e);
	cr_assert_eq(ERR(K(0), K(0), 0x34, 0, 0, 2, 'a', 0, K(1), END),
	    AX_E_OPCODE);
	/* a command's end may find the stack empty; a condition's may not */
	cr_assert_eq(ax_verify_cmd((const uint8_t[]){ END }, 1, e, sizeof(e)), 0);
	cr_assert_eq(ax_verify((const uint8_t[]){ END }, 1, e, sizeof(e)), -1);
	/* and a jump over the printf's string is checked like any other */
	cr_assert_eq(ax_verify_cmd((const uint8_t[]){ K(0), K(0), 0x34, 0, 0,
	    2, 0x27, 0, 0x21, 0, 6, END }, 12, e, sizeof(e)), -1);
}

Test(agent_expr, printf_output_is_bounded, .init = setup)
{
	/* a loop of printf "%512d": output per printf cut to AX_PRINTF_MAX,
	   the loop bounded by the step limit */
	uint8_t code[64];
	size_t n = 0;
	int e;

	memset(mem, 'q', sizeof(mem));
	code[n++] = 0x23; code[n++] = 0x10; code[n++] = 0x00;	/* 0: const16 */
	code[n++] = 0x22; code[n++] = 0;
	code[n++] = 0x22; code[n++] = 0;
	code[n++] = 0x34; code[n++] = 1; code[n++] = 0; code[n++] = 3;
	code[n++] = '%'; code[n++] = 's'; code[n++] = 0;
	code[n++] = 0x21; code[n++] = 0; code[n++] = 0;		/* goto 0 */
	outlen = 0;
	nouts = 0;
	e = ax_run_cmd(code, n, &(struct ax_env){ NULL, fake_reg, fake_mem,
	    NULL });
	cr_assert_eq(e, AX_E_STEPS);
	/* the %s bytes count as steps: far fewer than AX_STEPS_MAX loops */
	cr_assert(nmem_reads <= AX_STEPS_MAX, "%d reads", nmem_reads);
}

Test(gdb_cond, commands_parse_and_run, .init = setup)
{
	/* "cmds:1,": a printf command and an empty one, concatenated */
	uint8_t code[64], hex[200];
	char err[128];
	struct gdb_cond *c;
	size_t n, h = 0;
	int failed = -1;

	n = mkprintf(code, (const uint8_t[]){ K(7) }, 2, 1, "a%d\\n");
	h += (size_t)snprintf((char *)hex, sizeof(hex), "1,X%zx,", n);
	for (size_t i = 0; i < n; i++)
		h += (size_t)snprintf((char *)hex + h, sizeof(hex) - h, "%02x",
		    code[i]);
	h += (size_t)snprintf((char *)hex + h, sizeof(hex) - h, "X1,27");
	c = gdb_cmds_parse(hex, h, false, err, sizeof(err));
	cr_assert_not_null(c, "%s", err);
	cr_assert(c->cmds && c->persist && c->n == 2);
	outlen = 0;
	cr_assert_eq(gdb_cmds_run(c, &penv, &failed), AX_OK);
	cr_assert_str_eq(outbuf, "a7\n");
	gdb_cond_free(c);

	/* persist 0; a failing command reports its index */
	c = gdb_cmds_parse((const uint8_t *)"0,X1,27X4,2208 1a27", 18, false,
	    err, sizeof(err));
	cr_assert_null(c);			/* a space is no hex */
	c = gdb_cmds_parse((const uint8_t *)"0,X1,27X4,22081a27", 18, false,
	    err, sizeof(err));
	cr_assert_not_null(c, "%s", err);
	cr_assert(!c->persist && c->n == 2);
	cr_assert_eq(gdb_cmds_run(c, &penv, &failed), AX_E_MEM);
	cr_assert_eq(failed, 1);
	gdb_cond_free(c);

	/* refusals: persist 2, no comma, empty, printf-free but condition-only
	   rules do not apply (an empty-stack end is fine) */
	cr_assert_null(gdb_cmds_parse((const uint8_t *)"2,X1,27", 7, false,
	    err, sizeof(err)));
	cr_assert_null(gdb_cmds_parse((const uint8_t *)"X1,27", 5, false, err,
	    sizeof(err)));
	cr_assert_null(gdb_cmds_parse((const uint8_t *)"0,", 2, false, err,
	    sizeof(err)));
	cr_assert(err[0] != '\0');
	/* a condition list refuses printf */
	n = mkprintf(code, NULL, 0, 0, "x");
	h = (size_t)snprintf((char *)hex, sizeof(hex), "X%zx,", n);
	for (size_t i = 0; i < n; i++)
		h += (size_t)snprintf((char *)hex + h, sizeof(hex) - h, "%02x",
		    code[i]);
	cr_assert_null(gdb_cond_parse(hex, h, false, err, sizeof(err)));
	c = gdb_cmds_parse((const uint8_t *)"0,X1,27", 7, false, err,
	    sizeof(err));
	cr_assert_not_null(c);
	gdb_cond_free(c);
}
