/*
 * agent_expr.h - GDB agent expressions: the bytecode GDB sends with
 * target-side breakpoint conditions (Z0/Z1 ";X len,expr").  Spec: GDB
 * manual, appendix "The GDB Agent Expression Mechanism", "Bytecode
 * Descriptions".  Pure code: registers and memory come through a
 * caller-supplied environment, so it is unit-tested and fuzzed on its own.
 *
 * Supported: the integer subset GDB emits for conditions on registers,
 * memory and constants (arithmetic, comparisons, logic, shifts, ext,
 * zero_ext, ref8..64, const8..64, reg, if_goto, goto, dup, pop, swap,
 * rot, pick, end), and in breakpoint commands (Z0 ";cmds:", what GDB
 * sends for `dprintf` with `set dprintf-style agent`) also printf (0x34).
 * Refused: floating point, trace and trace-state variable ops, printf in
 * a condition.  All values are 64-bit; immediates are big-endian as the
 * spec says, memory is read little-endian (RISC-V).
 *
 * printf (0x34) NARGS LEN(2) FORMAT: FORMAT is LEN bytes ending in NUL,
 * written as in C source (escapes such as \n not yet decoded, as GDB
 * sends the dprintf text).  It pops a "function" (top), a "channel" (both
 * ignored: rhyve calls no guest function) and then NARGS values, the first
 * argument first.  Conversions: d i u o x X c s p with the flags - + space
 * # 0, a width and a precision (numbers, not '*'), and the length
 * modifiers hh h l ll z j t; no modifier means a 32-bit int as in C.  %s
 * reads a NUL-terminated string from guest memory (each byte costs one of
 * the evaluation's steps).  Floating point, %n and '*' are refused.
 */
#ifndef RHYVE_GDB_AGENT_EXPR_H
#define RHYVE_GDB_AGENT_EXPR_H

#include <stddef.h>
#include <stdint.h>

#define AX_STACK_MAX	64	/* deepest stack a verified expression uses */
#define AX_STEPS_MAX	10000	/* instructions one evaluation may execute */
#define AX_LEN_MAX	4096	/* longest expression accepted */
#define AX_PRINTF_MAX	1024	/* bytes one printf prints at most (cut) */
#define AX_STR_MAX	512	/* bytes one %s reads at most */
#define AX_WIDTH_MAX	512	/* largest printf width or precision */

/* ax_eval()'s results: 0 or one of these (negative). */
enum ax_err {
	AX_OK = 0,
	AX_E_OPCODE = -1,	/* unknown or unsupported opcode */
	AX_E_STACK = -2,	/* stack underflow or overflow */
	AX_E_BOUNDS = -3,	/* ran off the code or jumped outside it */
	AX_E_STEPS = -4,	/* more than AX_STEPS_MAX instructions */
	AX_E_DIV0 = -5,		/* division or remainder by zero */
	AX_E_REG = -6,		/* the register read failed */
	AX_E_MEM = -7,		/* the memory read failed */
	AX_E_FORMAT = -8,	/* a printf format that is refused */
};

/*
 * Where an expression reads the machine.  reg() reads register 'regnum'
 * (GDB's numbering of the target description) into *val; mem() reads
 * 'len' (1, 2, 4 or 8) bytes at virtual address 'addr' into buf.  Both
 * return 0 or non-zero when not readable.  out() receives what a printf
 * printed (commands only; NULL: discarded).  'arg' is passed through.
 */
struct ax_env {
	void	*arg;
	int	(*reg)(void *arg, int regnum, uint64_t *val);
	int	(*mem)(void *arg, uint64_t addr, void *buf, size_t len);
	void	(*out)(void *arg, const char *text, size_t len);
};

/*
 * Check an expression before it is accepted: length within 1..AX_LEN_MAX,
 * only supported opcodes with their operands inside the code, jump
 * targets on instruction boundaries, the same stack depth on every path
 * into an instruction, no underflow, depth never above AX_STACK_MAX,
 * every path ending in 'end' with at least one value on the stack.
 * Returns 0, or -1 with a one-line reason in err (when errlen > 0).
 * Loops are allowed: ax_eval() bounds them.
 */
int	ax_verify(const uint8_t *code, size_t len, char *err, size_t errlen);

/*
 * The same for a breakpoint command: printf is allowed (its format is
 * checked: known escapes and conversions, exactly NARGS of them), and
 * 'end' may find the stack empty (a command has no value).
 */
int	ax_verify_cmd(const uint8_t *code, size_t len, char *err,
	    size_t errlen);

/*
 * Run an expression and store the value on top of the stack at 'end' in
 * *result.  Every access is checked again, so unverified code cannot
 * make it misbehave, only fail.  Returns AX_OK or an enum ax_err; on
 * error *result is untouched.
 */
int	ax_eval(const uint8_t *code, size_t len, const struct ax_env *env,
	    uint64_t *result);

/*
 * Run a breakpoint command (its printf output goes to env->out).  The
 * same checks as ax_eval(); returns AX_OK or an enum ax_err.
 */
int	ax_run_cmd(const uint8_t *code, size_t len, const struct ax_env *env);

/*
 * Format a printf the way the bytecode does: fmt/flen without its NUL,
 * args[0..nargs) (args NULL: only check that the format is accepted and
 * has nargs conversions).  Output (cut to outcap - 1 bytes, NUL-terminated)
 * goes to out, its length to *outlen; *budget counts down one per byte
 * %s reads.  Returns AX_OK, AX_E_FORMAT (reason in err) or AX_E_STEPS.
 */
int	ax_format(const uint8_t *fmt, size_t flen, const uint64_t *args,
	    unsigned nargs, const struct ax_env *env, unsigned *budget,
	    char *out, size_t outcap, size_t *outlen, char *err, size_t errlen);

/* A short description of an enum ax_err value. */
const char *ax_strerror(int err);

#endif
