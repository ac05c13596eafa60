/*
 * x86_emit.c - the x86-64 encoder of x86_emit.h.  Every instruction is
 * built from the same pieces: optional legacy prefix, REX, opcode bytes,
 * ModR/M (+ SIB for RSP/R12 bases) and displacement (none, disp8 or
 * disp32, the shortest that fits; RBP/R13 bases always carry one).
 */
#include <stddef.h>
#include <string.h>

#include "x86_emit.h"

/* Longest instruction we emit: prefix, REX, 2 opcodes, ModR/M, SIB, disp32, imm64. */
#define X_MAXLEN	16

static bool
room(struct xbuf *b)
{
	if (b->full || b->end - b->p < X_MAXLEN) {
		b->full = true;
		return false;
	}
	return true;
}

void
x_byte(struct xbuf *b, uint8_t v)
{
	if (room(b))
		*b->p++ = v;
}

void
x_u32(struct xbuf *b, uint32_t v)
{
	if (room(b)) {
		memcpy(b->p, &v, 4);
		b->p += 4;
	}
}

static void
put32(struct xbuf *b, uint32_t v)
{
	memcpy(b->p, &v, 4);
	b->p += 4;
}

/*
 * One instruction with a register (or /digit) 'reg' and a memory operand
 * [base + disp] (mem) or a register operand 'base' (!mem).  rex_w: REX.W;
 * force_rex: emit REX even if empty (byte registers SPL..DIL).
 */
static void
emit_op(struct xbuf *b, int prefix, bool rex_w, bool force_rex,
    const uint8_t *opc, int nopc, int reg, int base, bool mem, int32_t disp)
{
	uint8_t rex = (uint8_t)(0x40 | (rex_w ? 8 : 0) | ((reg & 8) ? 4 : 0) |
	    ((base & 8) ? 1 : 0));
	int mod;

	if (!room(b))
		return;
	if (prefix)
		*b->p++ = (uint8_t)prefix;
	if (rex != 0x40 || force_rex)
		*b->p++ = rex;
	for (int i = 0; i < nopc; i++)
		*b->p++ = opc[i];
	if (!mem) {
		*b->p++ = (uint8_t)(0xc0 | (reg & 7) << 3 | (base & 7));
		return;
	}
	if (disp == 0 && (base & 7) != RBP)
		mod = 0;
	else if (disp >= -128 && disp <= 127)
		mod = 1;
	else
		mod = 2;
	*b->p++ = (uint8_t)(mod << 6 | (reg & 7) << 3 | (base & 7));
	if ((base & 7) == RSP)
		*b->p++ = 0x24;		/* SIB: no index, base */
	if (mod == 1)
		*b->p++ = (uint8_t)(int8_t)disp;
	else if (mod == 2)
		put32(b, (uint32_t)disp);
}

void
x_load(struct xbuf *b, int w, int r, int base, int32_t disp)
{
	static const uint8_t op[] = { 0x8b };

	emit_op(b, 0, w == X64, false, op, 1, r, base, true, disp);
}

void
x_store(struct xbuf *b, int size, int r, int base, int32_t disp)
{
	static const uint8_t op8[] = { 0x88 }, op[] = { 0x89 };

	switch (size) {
	case 1:
		emit_op(b, 0, false, true, op8, 1, r, base, true, disp);
		break;
	case 2:
		emit_op(b, 0x66, false, false, op, 1, r, base, true, disp);
		break;
	case 4:
		emit_op(b, 0, false, false, op, 1, r, base, true, disp);
		break;
	default:
		emit_op(b, 0, true, false, op, 1, r, base, true, disp);
		break;
	}
}

void
x_store_imm(struct xbuf *b, int base, int32_t disp, int32_t imm)
{
	static const uint8_t op[] = { 0xc7 };

	emit_op(b, 0, true, false, op, 1, 0, base, true, disp);
	if (!b->full)
		put32(b, (uint32_t)imm);
}

void
x_load_ext(struct xbuf *b, int size, bool sign, int r, int base)
{
	static const uint8_t sb[] = { 0x0f, 0xbe }, sw[] = { 0x0f, 0xbf },
	    zb[] = { 0x0f, 0xb6 }, zw[] = { 0x0f, 0xb7 }, sd[] = { 0x63 },
	    mov[] = { 0x8b };

	switch (size) {
	case 1:
		emit_op(b, 0, sign, false, sign ? sb : zb, 2, r, base, true, 0);
		break;
	case 2:
		emit_op(b, 0, sign, false, sign ? sw : zw, 2, r, base, true, 0);
		break;
	case 4:
		/* movsxd r64, m32, or mov r32, m32 (which zero-extends) */
		emit_op(b, 0, sign, false, sign ? sd : mov, 1, r, base, true, 0);
		break;
	default:
		emit_op(b, 0, true, false, mov, 1, r, base, true, 0);
		break;
	}
}

void
x_alu_rm(struct xbuf *b, int w, enum xalu op, int r, int base, int32_t disp)
{
	uint8_t opc[] = { (uint8_t)(op << 3 | 3) };

	emit_op(b, 0, w == X64, false, opc, 1, r, base, true, disp);
}

void
x_alu_rr(struct xbuf *b, int w, enum xalu op, int dst, int src)
{
	uint8_t opc[] = { (uint8_t)(op << 3 | 1) };

	emit_op(b, 0, w == X64, false, opc, 1, src, dst, false, 0);
}

/*
 * Group 1 with an immediate (0x83 /op ib, or 0x81 /op id): op on
 * register r, or on [r + disp] when mem.
 */
static void
alu_imm(struct xbuf *b, bool rex_w, enum xalu op, int r, bool mem,
    int32_t disp, int32_t imm)
{
	static const uint8_t op8[] = { 0x83 }, op32[] = { 0x81 };
	bool small = imm >= -128 && imm <= 127;

	emit_op(b, 0, rex_w, false, small ? op8 : op32, 1, op, r, mem, disp);
	if (b->full)
		return;
	if (small)
		*b->p++ = (uint8_t)(int8_t)imm;
	else
		put32(b, (uint32_t)imm);
}

void
x_alu_ri(struct xbuf *b, int w, enum xalu op, int r, int32_t imm)
{
	alu_imm(b, w == X64, op, r, false, 0, imm);
}

void
x_alu_mi(struct xbuf *b, enum xalu op, int base, int32_t disp, int32_t imm)
{
	alu_imm(b, true, op, base, true, disp, imm);
}

void
x_shift_ri(struct xbuf *b, int w, enum xshift op, int r, int count)
{
	static const uint8_t opc[] = { 0xc1 };

	emit_op(b, 0, w == X64, false, opc, 1, op, r, false, 0);
	if (!b->full)
		*b->p++ = (uint8_t)count;
}

void
x_shift_rcl(struct xbuf *b, int w, enum xshift op, int r)
{
	static const uint8_t opc[] = { 0xd3 };

	emit_op(b, 0, w == X64, false, opc, 1, op, r, false, 0);
}

void
x_imul_rm(struct xbuf *b, int w, int r, int base, int32_t disp)
{
	static const uint8_t opc[] = { 0x0f, 0xaf };

	emit_op(b, 0, w == X64, false, opc, 2, r, base, true, disp);
}

void
x_imul_rr(struct xbuf *b, int w, int dst, int src)
{
	static const uint8_t opc[] = { 0x0f, 0xaf };

	emit_op(b, 0, w == X64, false, opc, 2, dst, src, false, 0);
}

void
x_mul_wide_r(struct xbuf *b, bool sign, int src)
{
	static const uint8_t opc[] = { 0xf7 };

	emit_op(b, 0, true, false, opc, 1, sign ? 5 : 4, src, false, 0);
}

void
x_mul_wide_m(struct xbuf *b, bool sign, int base, int32_t disp)
{
	static const uint8_t opc[] = { 0xf7 };

	emit_op(b, 0, true, false, opc, 1, sign ? 5 : 4, base, true, disp);
}

void
x_movsxd(struct xbuf *b, int dst, int src)
{
	static const uint8_t opc[] = { 0x63 };

	emit_op(b, 0, true, false, opc, 1, dst, src, false, 0);
}

void
x_mov_rr(struct xbuf *b, int w, int dst, int src)
{
	static const uint8_t opc[] = { 0x89 };

	emit_op(b, 0, w == X64, false, opc, 1, src, dst, false, 0);
}

void
x_mov_ri64(struct xbuf *b, int r, uint64_t imm)
{
	if (!room(b))
		return;
	if (imm <= UINT32_MAX) {
		/* mov r32, imm32 zero-extends */
		if (r & 8)
			*b->p++ = 0x41;
		*b->p++ = (uint8_t)(0xb8 | (r & 7));
		put32(b, (uint32_t)imm);
		return;
	}
	if ((int64_t)imm >= INT32_MIN && (int64_t)imm <= INT32_MAX) {
		/* mov r64, simm32 */
		*b->p++ = (uint8_t)(0x48 | ((r & 8) ? 1 : 0));
		*b->p++ = 0xc7;
		*b->p++ = (uint8_t)(0xc0 | (r & 7));
		put32(b, (uint32_t)imm);
		return;
	}
	*b->p++ = (uint8_t)(0x48 | ((r & 8) ? 1 : 0));
	*b->p++ = (uint8_t)(0xb8 | (r & 7));
	memcpy(b->p, &imm, 8);
	b->p += 8;
}

void
x_lea(struct xbuf *b, int r, int base, int32_t disp)
{
	static const uint8_t opc[] = { 0x8d };

	emit_op(b, 0, true, false, opc, 1, r, base, true, disp);
}

void
x_setcc(struct xbuf *b, enum xcc cc, int r)
{
	uint8_t opc[] = { 0x0f, (uint8_t)(0x90 | cc) };

	emit_op(b, 0, false, false, opc, 2, 0, r, false, 0);
}

uint8_t *
x_jcc(struct xbuf *b, enum xcc cc)
{
	uint8_t *f;

	if (!room(b))
		return NULL;
	*b->p++ = 0x0f;
	*b->p++ = (uint8_t)(0x80 | cc);
	f = b->p;
	put32(b, 0);
	return f;
}

uint8_t *
x_jmp(struct xbuf *b)
{
	uint8_t *f;

	if (!room(b))
		return NULL;
	*b->p++ = 0xe9;
	f = b->p;
	put32(b, 0);
	return f;
}

void
x_patch(uint8_t *field, const uint8_t *target)
{
	int32_t rel;

	if (field == NULL)
		return;
	rel = (int32_t)(target - (field + 4));
	memcpy(field, &rel, 4);
}

void
x_atomic(struct xbuf *b, int w, enum xatomic op, int r, int base)
{
	static const uint8_t xchg[] = { 0x87 }, xadd[] = { 0x0f, 0xc1 },
	    cmpxchg[] = { 0x0f, 0xb1 };

	switch (op) {
	case AT_XCHG:
		emit_op(b, 0, w == X64, false, xchg, 1, r, base, true, 0);
		break;
	case AT_XADD:
		emit_op(b, 0xf0, w == X64, false, xadd, 2, r, base, true, 0);
		break;
	default:
		emit_op(b, 0xf0, w == X64, false, cmpxchg, 2, r, base, true, 0);
		break;
	}
}

void
x_call_r(struct xbuf *b, int r)
{
	static const uint8_t opc[] = { 0xff };

	emit_op(b, 0, false, false, opc, 1, 2, r, false, 0);
}

void
x_push(struct xbuf *b, int r)
{
	if (!room(b))
		return;
	if (r & 8)
		*b->p++ = 0x41;
	*b->p++ = (uint8_t)(0x50 | (r & 7));
}

void
x_pop(struct xbuf *b, int r)
{
	if (!room(b))
		return;
	if (r & 8)
		*b->p++ = 0x41;
	*b->p++ = (uint8_t)(0x58 | (r & 7));
}

void
x_ret(struct xbuf *b)
{
	x_byte(b, 0xc3);
}

void
x_sse_rm(struct xbuf *b, int prefix, enum xsse op, int x, int base,
    int32_t disp)
{
	uint8_t opc[] = { 0x0f, (uint8_t)op };

	emit_op(b, prefix, false, false, opc, 2, x, base, true, disp);
}

void
x_sse_rr(struct xbuf *b, int prefix, enum xsse op, int dst, int src)
{
	uint8_t opc[] = { 0x0f, (uint8_t)op };

	emit_op(b, prefix, false, false, opc, 2, dst, src, false, 0);
}

void
x_movd_rx(struct xbuf *b, int w, int r, int x)
{
	static const uint8_t opc[] = { 0x0f, 0x7e };

	/* 66 REX 0F 7E /r: ModR/M reg is the xmm register, r/m the GPR */
	emit_op(b, 0x66, w == X64, false, opc, 2, x, r, false, 0);
}

void
x_movd_xr(struct xbuf *b, int w, int x, int r)
{
	static const uint8_t opc[] = { 0x0f, 0x6e };

	emit_op(b, 0x66, w == X64, false, opc, 2, x, r, false, 0);
}

void
x_alu_mi32(struct xbuf *b, enum xalu op, int base, int32_t disp, int32_t imm)
{
	alu_imm(b, false, op, base, true, disp, imm);
}

uint8_t *
x_jcc8(struct xbuf *b, enum xcc cc)
{
	if (!room(b))
		return NULL;
	*b->p++ = (uint8_t)(0x70 | cc);
	*b->p++ = 0;
	return b->p - 1;
}

void
x_here8(struct xbuf *b, uint8_t *field)
{
	ptrdiff_t rel;

	if (field == NULL || b->full)
		return;
	rel = b->p - (field + 1);
	if (rel > 127)
		b->full = true;		/* a caller's bug: the block is dropped */
	else
		*field = (uint8_t)rel;
}
