/*
 * ax_printf.c - the formatting of the agent-expression printf bytecode
 * (0x34), which GDB sends as a breakpoint command for `dprintf` with
 * `set dprintf-style agent`.  Spec: GDB manual, "Bytecode Descriptions"
 * (printf) and "Dynamic Printf"; the format is the text between the
 * quotes of the dprintf command, escapes not yet decoded, as GDB's own
 * printf takes it.  See agent_expr.h for what is accepted.
 *
 * One parser serves the verifier (args NULL: count the conversions, check
 * each) and the interpreter, so the two cannot disagree.  Each conversion
 * is printed by the host's snprintf() from a specification rebuilt out of
 * checked characters only, with an argument of the exact type it names.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "agent_expr.h"

struct out {
	char	*p;
	size_t	 cap, len;	/* text in p[0..len), len < cap */
};

static void
put(struct out *o, const char *s, size_t n)
{
	if (o->cap == 0)
		return;
	if (n > o->cap - 1 - o->len)
		n = o->cap - 1 - o->len;
	memcpy(o->p + o->len, s, n);
	o->len += n;
	o->p[o->len] = '\0';
}

static int __attribute__((format(printf, 3, 4)))
bad(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return AX_E_FORMAT;
}

/* C's escapes as GDB's printf knows them; -1 for an unknown one. */
static int
unescape(uint8_t c)
{
	switch (c) {
	case 'a':	return '\a';
	case 'b':	return '\b';
	case 'e':	return 033;
	case 'f':	return '\f';
	case 'n':	return '\n';
	case 'r':	return '\r';
	case 't':	return '\t';
	case 'v':	return '\v';
	case '\\':
	case '"':
	case '\'':	return c;
	default:	return -1;
	}
}

/* A decimal number of at most AX_WIDTH_MAX at fmt[*i]; -1 if too big. */
static int
number(const uint8_t *fmt, size_t flen, size_t *i)
{
	int v = 0;

	while (*i < flen && fmt[*i] >= '0' && fmt[*i] <= '9') {
		v = v * 10 + (fmt[(*i)++] - '0');
		if (v > AX_WIDTH_MAX)
			return -1;
	}
	return v;
}

/* Sign- or zero-extend v from 'bits' (8, 16, 32, 64). */
static uint64_t
extend(uint64_t v, unsigned bits, bool sign)
{
	uint64_t m;

	if (bits >= 64)
		return v;
	m = (UINT64_C(1) << bits) - 1;
	v &= m;
	if (sign && (v >> (bits - 1)))
		v |= ~m;
	return v;
}

/* %s: the guest string at addr into s (NUL-terminated), charging *budget. */
static int
read_str(const struct ax_env *env, uint64_t addr, int prec, unsigned *budget,
    char *s, size_t cap)
{
	size_t max = cap - 1, n = 0;

	if (prec >= 0 && (size_t)prec < max)
		max = (size_t)prec;
	if (addr == 0) {
		snprintf(s, cap, "%.*s", (int)max, "(null)");
		return AX_OK;
	}
	while (n < max) {
		uint8_t b;

		if (*budget == 0)
			return AX_E_STEPS;
		(*budget)--;
		if (env == NULL || env->mem == NULL ||
		    env->mem(env->arg, addr + n, &b, 1) != 0 || b == '\0')
			break;
		s[n++] = (char)b;
	}
	s[n] = '\0';
	return AX_OK;
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"

int
ax_format(const uint8_t *fmt, size_t flen, const uint64_t *args,
    unsigned nargs, const struct ax_env *env, unsigned *budget, char *out,
    size_t outcap, size_t *outlen, char *err, size_t errlen)
{
	struct out o = { out, out != NULL ? outcap : 0, 0 };
	unsigned argi = 0;
	size_t i = 0;

	if (errlen > 0)
		err[0] = '\0';
	if (o.cap > 0)
		out[0] = '\0';
	while (i < flen) {
		char spec[24], text[AX_WIDTH_MAX + AX_STR_MAX + 32];
		char str[AX_STR_MAX + 1];
		size_t sn = 0;
		int width, prec = -1, lbits = 32, c = fmt[i++], e;
		bool minus_only = false;
		uint8_t conv;

		if (c == '\0')
			return bad(err, errlen, "NUL in the format");
		if (c == '\\') {
			if (i == flen || (c = unescape(fmt[i])) < 0)
				return bad(err, errlen, "unknown escape \\%c",
				    i == flen ? ' ' : fmt[i]);
			i++;
			if (args != NULL)
				put(&o, &(char){ (char)c }, 1);
			continue;
		}
		if (c != '%' || (i < flen && fmt[i] == '%')) {
			i += c == '%';
			if (args != NULL)
				put(&o, &(char){ (char)c }, 1);
			continue;
		}
		/* %[flags][width][.precision][length]conversion */
		spec[sn++] = '%';
		while (i < flen && strchr("-+ #0", fmt[i]) != NULL &&
		    fmt[i] != '\0') {
			if (sn > 6)
				return bad(err, errlen, "too many flags");
			spec[sn++] = (char)fmt[i++];
		}
		if ((width = number(fmt, flen, &i)) < 0)
			return bad(err, errlen, "width above %d", AX_WIDTH_MAX);
		if (i < flen && fmt[i] == '.') {
			i++;
			if ((prec = number(fmt, flen, &i)) < 0)
				return bad(err, errlen, "precision above %d",
				    AX_WIDTH_MAX);
		}
		if (i < flen && fmt[i] == 'h') {
			lbits = 16;
			if (++i < flen && fmt[i] == 'h') {
				lbits = 8;
				i++;
			}
		} else if (i < flen && strchr("lzjt", fmt[i]) != NULL &&
		    fmt[i] != '\0') {
			lbits = 64;
			if (fmt[i++] == 'l' && i < flen && fmt[i] == 'l')
				i++;
		}
		if (i == flen)
			return bad(err, errlen, "conversion missing");
		conv = fmt[i++];
		switch (conv) {
		case 'd': case 'i': case 'u': case 'o': case 'x': case 'X':
			break;
		case 'c': case 's': case 'p':
			minus_only = true;
			if (lbits != 32)
				return bad(err, errlen, "length modifier on "
				    "%%%c", conv);
			if (prec >= 0 && conv != 's')
				return bad(err, errlen, "precision on %%%c",
				    conv);
			break;
		case '*':
			return bad(err, errlen, "'*' not supported");
		default:
			return bad(err, errlen, "conversion %%%c not supported",
			    conv >= 0x20 && conv < 0x7f ? conv : '?');
		}
		if (minus_only)
			for (size_t f = 1; f < sn; f++)
				if (spec[f] != '-')
					return bad(err, errlen, "flag %c on %%%c",
					    spec[f], conv);
		if (argi == nargs)
			return bad(err, errlen, "more conversions than the %u "
			    "argument(s)", nargs);
		if (args == NULL) {
			argi++;
			continue;
		}
		/* rebuild: flags, width, precision, our own length */
		sn += (size_t)snprintf(spec + sn, sizeof(spec) - sn, "%d",
		    width);
		if (prec >= 0)
			sn += (size_t)snprintf(spec + sn, sizeof(spec) - sn,
			    ".%d", prec);
		switch (conv) {
		case 'd': case 'i':
			snprintf(spec + sn, sizeof(spec) - sn, "ll%c", conv);
			snprintf(text, sizeof(text), spec, (long long)extend(
			    args[argi], (unsigned)lbits, true));
			break;
		case 'u': case 'o': case 'x': case 'X':
			snprintf(spec + sn, sizeof(spec) - sn, "ll%c", conv);
			snprintf(text, sizeof(text), spec, (unsigned long long)
			    extend(args[argi], (unsigned)lbits, false));
			break;
		case 'c':
			snprintf(spec + sn, sizeof(spec) - sn, "c");
			snprintf(text, sizeof(text), spec,
			    (int)(unsigned char)args[argi]);
			break;
		case 'p':
			snprintf(str, sizeof(str), "0x%llx",
			    (unsigned long long)args[argi]);
			snprintf(spec + sn, sizeof(spec) - sn, "s");
			snprintf(text, sizeof(text), spec, str);
			break;
		case 's':
			e = read_str(env, args[argi], prec, budget, str,
			    sizeof(str));
			if (e != AX_OK)
				return e;
			snprintf(spec + sn, sizeof(spec) - sn, "s");
			snprintf(text, sizeof(text), spec, str);
			break;
		}
		put(&o, text, strlen(text));
		argi++;
	}
	if (argi != nargs)
		return bad(err, errlen, "%u argument(s) for %u conversion(s)",
		    nargs, argi);
	if (outlen != NULL)
		*outlen = o.len;
	return AX_OK;
}

#pragma GCC diagnostic pop
