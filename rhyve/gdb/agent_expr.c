/*
 * agent_expr.c - a verifier and interpreter for GDB agent expressions,
 * the bytecode of target-side breakpoint conditions.  Spec: GDB manual,
 * appendix "The GDB Agent Expression Mechanism".  See agent_expr.h.
 *
 * The opcodes are data: one table row per opcode gives its immediate
 * size and its stack effect, which the verifier and the interpreter's
 * bounds checks both read, so the two cannot disagree.  printf, the one
 * opcode with an operand of variable length, is the one exception to the
 * fixed immediate size (insn_len()).
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent_expr.h"

enum {
	OP_ADD = 0x02, OP_SUB = 0x03, OP_MUL = 0x04, OP_DIV_S = 0x05,
	OP_DIV_U = 0x06, OP_REM_S = 0x07, OP_REM_U = 0x08, OP_LSH = 0x09,
	OP_RSH_S = 0x0a, OP_RSH_U = 0x0b, OP_LOG_NOT = 0x0e,
	OP_BIT_AND = 0x0f, OP_BIT_OR = 0x10, OP_BIT_XOR = 0x11,
	OP_BIT_NOT = 0x12, OP_EQUAL = 0x13, OP_LESS_S = 0x14,
	OP_LESS_U = 0x15, OP_EXT = 0x16, OP_REF8 = 0x17, OP_REF16 = 0x18,
	OP_REF32 = 0x19, OP_REF64 = 0x1a, OP_IF_GOTO = 0x20, OP_GOTO = 0x21,
	OP_CONST8 = 0x22, OP_CONST16 = 0x23, OP_CONST32 = 0x24,
	OP_CONST64 = 0x25, OP_REG = 0x26, OP_END = 0x27, OP_DUP = 0x28,
	OP_POP = 0x29, OP_ZERO_EXT = 0x2a, OP_SWAP = 0x2b, OP_PICK = 0x32,
	OP_ROT = 0x33, OP_PRINTF = 0x34,
};

#define F_JUMP	0x1	/* immediate is a jump target */
#define F_NOFALL 0x2	/* never continues with the next instruction */
#define F_PICK	0x4	/* needs imm + 1 values (pick) */
#define F_BITS	0x8	/* immediate is a bit count, 1..64 */
#define F_PRINTF 0x10	/* printf: NARGS, LEN(2), FORMAT; commands only */

struct ax_op {
	uint8_t	imm;		/* immediate bytes */
	uint8_t	pop, push;	/* stack effect (pick: see F_PICK) */
	uint8_t	flags;
	bool	ok;		/* supported */
};

#define OP(o, i, po, pu, f)	[o] = { (i), (po), (pu), (f), true }
static const struct ax_op ops[256] = {
	OP(OP_ADD, 0, 2, 1, 0),		OP(OP_SUB, 0, 2, 1, 0),
	OP(OP_MUL, 0, 2, 1, 0),		OP(OP_DIV_S, 0, 2, 1, 0),
	OP(OP_DIV_U, 0, 2, 1, 0),	OP(OP_REM_S, 0, 2, 1, 0),
	OP(OP_REM_U, 0, 2, 1, 0),	OP(OP_LSH, 0, 2, 1, 0),
	OP(OP_RSH_S, 0, 2, 1, 0),	OP(OP_RSH_U, 0, 2, 1, 0),
	OP(OP_LOG_NOT, 0, 1, 1, 0),	OP(OP_BIT_AND, 0, 2, 1, 0),
	OP(OP_BIT_OR, 0, 2, 1, 0),	OP(OP_BIT_XOR, 0, 2, 1, 0),
	OP(OP_BIT_NOT, 0, 1, 1, 0),	OP(OP_EQUAL, 0, 2, 1, 0),
	OP(OP_LESS_S, 0, 2, 1, 0),	OP(OP_LESS_U, 0, 2, 1, 0),
	OP(OP_EXT, 1, 1, 1, F_BITS),	OP(OP_ZERO_EXT, 1, 1, 1, F_BITS),
	OP(OP_REF8, 0, 1, 1, 0),	OP(OP_REF16, 0, 1, 1, 0),
	OP(OP_REF32, 0, 1, 1, 0),	OP(OP_REF64, 0, 1, 1, 0),
	OP(OP_IF_GOTO, 2, 1, 0, F_JUMP),
	OP(OP_GOTO, 2, 0, 0, F_JUMP | F_NOFALL),
	OP(OP_CONST8, 1, 0, 1, 0),	OP(OP_CONST16, 2, 0, 1, 0),
	OP(OP_CONST32, 4, 0, 1, 0),	OP(OP_CONST64, 8, 0, 1, 0),
	OP(OP_REG, 2, 0, 1, 0),
	OP(OP_END, 0, 1, 1, F_NOFALL),	/* needs the result on the stack */
	OP(OP_DUP, 0, 1, 2, 0),		OP(OP_POP, 0, 1, 0, 0),
	OP(OP_SWAP, 0, 2, 2, 0),	OP(OP_ROT, 0, 3, 3, 0),
	OP(OP_PICK, 1, 0, 0, F_PICK),
	OP(OP_PRINTF, 3, 0, 0, F_PRINTF),	/* + LEN format bytes */
};
#undef OP

/* Big-endian immediate of n bytes at p. */
static uint64_t
imm_be(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	while (n-- > 0)
		v = v << 8 | *p++;
	return v;
}

/*
 * Length of the instruction at code[pc] (a supported opcode), or 0 when
 * its operands run past len.
 */
static size_t
insn_len(const uint8_t *code, size_t len, size_t pc)
{
	const struct ax_op *o = &ops[code[pc]];
	size_t n = 1u + o->imm;

	if (pc + n > len)
		return 0;
	if (o->flags & F_PRINTF)
		n += (size_t)imm_be(&code[pc + 2], 2);
	return pc + n > len ? 0 : n;
}

/*
 * Stack effect of the instruction at code[pc] (operands in range); 'cmd':
 * a command, whose 'end' needs no value.
 */
static void
effect(const uint8_t *code, size_t pc, bool cmd, unsigned *pop,
    unsigned *push)
{
	const struct ax_op *o = &ops[code[pc]];

	if (o->flags & F_PICK) {
		*pop = (unsigned)code[pc + 1] + 1;
		*push = *pop + 1;
	} else if (o->flags & F_PRINTF) {
		*pop = (unsigned)code[pc + 1] + 2;	/* + function, channel */
		*push = 0;
	} else if (cmd && code[pc] == OP_END) {
		*pop = *push = 0;
	} else {
		*pop = o->pop;
		*push = o->push;
	}
}

static int __attribute__((format(printf, 3, 4)))
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* Check printf's operands at code[pc] (in range): its format string. */
static int
verify_printf(const uint8_t *code, size_t pc, size_t n, char *err,
    size_t errlen)
{
	size_t flen = n - 4;
	char why[96];

	if (flen == 0 || code[pc + n - 1] != '\0')
		return fail(err, errlen, "at %zu: printf format not "
		    "NUL-terminated", pc);
	if (memchr(&code[pc + 4], '\0', flen - 1) != NULL)
		return fail(err, errlen, "at %zu: NUL inside the printf "
		    "format", pc);
	if (ax_format(&code[pc + 4], flen - 1, NULL, code[pc + 1], NULL, NULL,
	    NULL, 0, NULL, why, sizeof(why)) != AX_OK)
		return fail(err, errlen, "at %zu: printf: %s", pc, why);
	return 0;
}

static int
verify(const uint8_t *code, size_t len, bool cmd, char *err, size_t errlen)
{
	int16_t depth[AX_LEN_MAX];	/* -1: not reached yet */
	uint16_t work[AX_LEN_MAX];
	bool start[AX_LEN_MAX];
	size_t pc, n, nwork = 0;

	if (errlen > 0)
		err[0] = '\0';
	if (code == NULL || len == 0 || len > AX_LEN_MAX)
		return fail(err, errlen, "length %zu out of range", len);

	/* Decode linearly: instruction starts, known opcodes, operands. */
	memset(start, 0, len);
	for (pc = 0; pc < len; pc += n) {
		const struct ax_op *o = &ops[code[pc]];

		if (!o->ok || ((o->flags & F_PRINTF) && !cmd))
			return fail(err, errlen,
			    "at %zu: opcode 0x%02x not supported%s", pc,
			    code[pc], o->ok ? " in a condition" : "");
		n = insn_len(code, len, pc);
		if (n == 0)
			return fail(err, errlen,
			    "at %zu: operand of 0x%02x runs past the end", pc,
			    code[pc]);
		if ((o->flags & F_BITS) &&
		    (code[pc + 1] == 0 || code[pc + 1] > 64))
			return fail(err, errlen, "at %zu: bit count %u", pc,
			    code[pc + 1]);
		if ((o->flags & F_PRINTF) &&
		    verify_printf(code, pc, n, err, errlen) != 0)
			return -1;
		start[pc] = true;
	}

	/*
	 * Follow every path from the start, recording the stack depth at
	 * each instruction: a depth that differs between two paths into one
	 * instruction (which would let a loop grow the stack) is refused.
	 */
	for (pc = 0; pc < len; pc++)
		depth[pc] = -1;
	depth[0] = 0;
	work[nwork++] = 0;
	while (nwork > 0) {
		const struct ax_op *o;
		unsigned pop, push, d, nd;
		size_t succ[2];
		int nsucc = 0, i;

		pc = work[--nwork];
		o = &ops[code[pc]];
		d = (unsigned)depth[pc];
		n = insn_len(code, len, pc);
		effect(code, pc, cmd, &pop, &push);
		if (pop > d)
			return fail(err, errlen, "at %zu: stack underflow "
			    "(depth %u)", pc, d);
		nd = d - pop + push;
		if (nd > AX_STACK_MAX)
			return fail(err, errlen, "at %zu: stack deeper than %u",
			    pc, AX_STACK_MAX);
		if (!(o->flags & F_NOFALL)) {
			if (pc + n >= len)
				return fail(err, errlen, "at %zu: runs off the "
				    "end without 'end'", pc);
			succ[nsucc++] = pc + n;
		}
		if (o->flags & F_JUMP) {
			size_t t = (size_t)imm_be(&code[pc + 1], 2);

			if (t >= len || !start[t])
				return fail(err, errlen, "at %zu: jump to %u is "
				    "not an instruction", pc, (unsigned)t);
			succ[nsucc++] = t;
		}
		for (i = 0; i < nsucc; i++) {
			if (depth[succ[i]] < 0) {
				depth[succ[i]] = (int16_t)nd;
				work[nwork++] = (uint16_t)succ[i];
			} else if ((unsigned)depth[succ[i]] != nd) {
				return fail(err, errlen, "at %zu: stack depth "
				    "%u differs between paths", succ[i], nd);
			}
		}
	}
	return 0;
}

int
ax_verify(const uint8_t *code, size_t len, char *err, size_t errlen)
{
	return verify(code, len, false, err, errlen);
}

int
ax_verify_cmd(const uint8_t *code, size_t len, char *err, size_t errlen)
{
	return verify(code, len, true, err, errlen);
}

/* Sign-extend v from its low 'bits' bits (1..64). */
static uint64_t
sext(uint64_t v, unsigned bits)
{
	uint64_t m;

	if (bits >= 64)
		return v;
	m = UINT64_C(1) << (bits - 1);
	v &= (m << 1) - 1;
	return (v ^ m) - m;
}

static uint64_t
zext(uint64_t v, unsigned bits)
{
	return bits >= 64 ? v : v & ((UINT64_C(1) << bits) - 1);
}

/*
 * printf at code[at] (n bytes, checked against the code's end) with the
 * stack st[0..sp): format, hand the text to env->out.  *steps is charged
 * for every byte %s reads.
 */
static int
run_printf(const uint8_t *code, size_t at, size_t n, const uint64_t *st,
    unsigned sp, const struct ax_env *env, unsigned *steps)
{
	uint64_t args[AX_STACK_MAX];
	unsigned nargs = code[at + 1], i, budget;
	char out[AX_PRINTF_MAX];
	size_t outlen, flen = n - 4;
	int e;

	if (flen == 0 || code[at + n - 1] != '\0')
		return AX_E_FORMAT;
	/* top: function, then channel, then the arguments, first first */
	for (i = 0; i < nargs; i++)
		args[i] = st[sp - 3 - i];
	budget = AX_STEPS_MAX - *steps;
	e = ax_format(&code[at + 4], flen - 1, args, nargs, env, &budget, out,
	    sizeof(out), &outlen, NULL, 0);
	*steps = AX_STEPS_MAX - budget;
	if (e != AX_OK)
		return e;
	if (env != NULL && env->out != NULL && outlen > 0)
		env->out(env->arg, out, outlen);
	return AX_OK;
}

/* The interpreter: a condition (cmd false) or a command. */
static int
run(const uint8_t *code, size_t len, const struct ax_env *env, bool cmd,
    uint64_t *result)
{
	uint64_t st[AX_STACK_MAX + 1];
	unsigned sp = 0;		/* values on the stack */
	size_t pc = 0;
	unsigned steps;

	if (code == NULL || len == 0 || len > AX_LEN_MAX)
		return AX_E_BOUNDS;
	for (steps = 0; steps < AX_STEPS_MAX; steps++) {
		const struct ax_op *o;
		unsigned pop, push;
		uint64_t a, b, imm = 0;
		size_t n;
		uint8_t op;
		int e;

		if (pc >= len)
			return AX_E_BOUNDS;
		op = code[pc];
		o = &ops[op];
		if (!o->ok || ((o->flags & F_PRINTF) && !cmd))
			return AX_E_OPCODE;
		n = insn_len(code, len, pc);
		if (n == 0)
			return AX_E_BOUNDS;
		if (o->imm > 0)
			imm = imm_be(&code[pc + 1], o->imm);
		effect(code, pc, cmd, &pop, &push);
		if (pop > sp || sp - pop + push > AX_STACK_MAX)
			return AX_E_STACK;
		pc += n;

		/* b is the top, a the one below, as the spec writes them */
		switch (op) {
		case OP_ADD: case OP_SUB: case OP_MUL: case OP_DIV_S:
		case OP_DIV_U: case OP_REM_S: case OP_REM_U: case OP_LSH:
		case OP_RSH_S: case OP_RSH_U: case OP_BIT_AND: case OP_BIT_OR:
		case OP_BIT_XOR: case OP_EQUAL: case OP_LESS_S: case OP_LESS_U:
			b = st[--sp];
			a = st[--sp];
			switch (op) {
			case OP_ADD:	a += b; break;
			case OP_SUB:	a -= b; break;
			case OP_MUL:	a *= b; break;
			case OP_DIV_S:
			case OP_REM_S:
				if (b == 0)
					return AX_E_DIV0;
				/*
				 * INT64_MIN / -1 overflows in C: -1 divides
				 * everything, so negate (wrapping) instead.
				 */
				if (b == UINT64_MAX)
					a = op == OP_DIV_S ? 0 - a : 0;
				else if (op == OP_DIV_S)
					a = (uint64_t)((int64_t)a / (int64_t)b);
				else
					a = (uint64_t)((int64_t)a % (int64_t)b);
				break;
			case OP_DIV_U:
			case OP_REM_U:
				if (b == 0)
					return AX_E_DIV0;
				a = op == OP_DIV_U ? a / b : a % b;
				break;
			/* shifts by 64 or more: every bit shifted out */
			case OP_LSH:	a = b >= 64 ? 0 : a << b; break;
			case OP_RSH_U:	a = b >= 64 ? 0 : a >> b; break;
			case OP_RSH_S:
				if (b >= 64)
					b = 63;
				/* arithmetic shift without relying on >> of
				   a negative value (implementation-defined) */
				a = (a >> b) | ((a >> 63) ?
				    ~(UINT64_MAX >> b) : 0);
				break;
			case OP_BIT_AND: a &= b; break;
			case OP_BIT_OR:	a |= b; break;
			case OP_BIT_XOR: a ^= b; break;
			case OP_EQUAL:	a = a == b; break;
			case OP_LESS_S:	a = (int64_t)a < (int64_t)b; break;
			case OP_LESS_U:	a = a < b; break;
			}
			st[sp++] = a;
			break;
		case OP_LOG_NOT:
			st[sp - 1] = st[sp - 1] == 0;
			break;
		case OP_BIT_NOT:
			st[sp - 1] = ~st[sp - 1];
			break;
		case OP_EXT:
		case OP_ZERO_EXT:
			if (imm == 0 || imm > 64)
				return AX_E_OPCODE;
			st[sp - 1] = op == OP_EXT ? sext(st[sp - 1],
			    (unsigned)imm) : zext(st[sp - 1], (unsigned)imm);
			break;
		case OP_REF8: case OP_REF16: case OP_REF32: case OP_REF64: {
			size_t nbytes = (size_t)1 << (op - OP_REF8);
			uint8_t buf[8];
			uint64_t v = 0;

			if (env == NULL || env->mem == NULL ||
			    env->mem(env->arg, st[sp - 1], buf, nbytes) != 0)
				return AX_E_MEM;
			while (nbytes-- > 0)	/* little-endian target */
				v = v << 8 | buf[nbytes];
			st[sp - 1] = v;
			break;
		}
		case OP_IF_GOTO:
			if (st[--sp] != 0)
				pc = (size_t)imm;
			break;
		case OP_GOTO:
			pc = (size_t)imm;
			break;
		case OP_CONST8: case OP_CONST16: case OP_CONST32:
		case OP_CONST64:
			st[sp++] = imm;		/* no sign extension */
			break;
		case OP_REG:
			if (env == NULL || env->reg == NULL ||
			    env->reg(env->arg, (int)imm, &a) != 0)
				return AX_E_REG;
			st[sp++] = a;
			break;
		case OP_END:
			if (result != NULL && sp > 0)
				*result = st[sp - 1];
			return AX_OK;
		case OP_PRINTF:
			e = run_printf(code, pc - n, n, st, sp, env, &steps);
			if (e != AX_OK)
				return e;
			sp -= pop;
			break;
		case OP_DUP:
			st[sp] = st[sp - 1];
			sp++;
			break;
		case OP_POP:
			sp--;
			break;
		case OP_SWAP:
			a = st[sp - 1];
			st[sp - 1] = st[sp - 2];
			st[sp - 2] = a;
			break;
		case OP_ROT:
			/* a b c => c a b: the top goes third */
			a = st[sp - 1];
			st[sp - 1] = st[sp - 2];
			st[sp - 2] = st[sp - 3];
			st[sp - 3] = a;
			break;
		case OP_PICK:
			st[sp] = st[sp - 1 - imm];
			sp++;
			break;
		default:
			return AX_E_OPCODE;	/* table and switch disagree */
		}
	}
	return AX_E_STEPS;
}

int
ax_eval(const uint8_t *code, size_t len, const struct ax_env *env,
    uint64_t *result)
{
	return run(code, len, env, false, result);
}

int
ax_run_cmd(const uint8_t *code, size_t len, const struct ax_env *env)
{
	return run(code, len, env, true, NULL);
}

const char *
ax_strerror(int err)
{
	switch (err) {
	case AX_OK:		return "no error";
	case AX_E_OPCODE:	return "unsupported opcode";
	case AX_E_STACK:	return "stack underflow or overflow";
	case AX_E_BOUNDS:	return "outside the expression";
	case AX_E_STEPS:	return "too many instructions";
	case AX_E_DIV0:		return "division by zero";
	case AX_E_REG:		return "register not readable";
	case AX_E_MEM:		return "memory not readable";
	case AX_E_FORMAT:	return "bad printf format";
	default:		return "unknown error";
	}
}
