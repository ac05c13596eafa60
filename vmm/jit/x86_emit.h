/*
 * x86_emit.h - a small x86-64 instruction encoder for the JIT: just the
 * forms jit_compile.c uses, each named after its AT&T-free Intel
 * mnemonic (destination first).  Facts: Intel SDM volume 2 (instruction
 * formats, ModR/M and SIB, REX).
 *
 * Contract: every emitter appends to a struct xbuf; when the buffer is
 * full it stops writing and sets 'full' (the caller checks once per
 * block and throws the block away), so no emitter ever writes past 'end'.
 */
#ifndef RHYVE_X86_EMIT_H
#define RHYVE_X86_EMIT_H

#include <stdbool.h>
#include <stdint.h>

enum xreg {
	RAX = 0, RCX, RDX, RBX, RSP, RBP, RSI, RDI,
	R8, R9, R10, R11, R12, R13, R14, R15,
};

/* Condition codes (the low nibble of Jcc/SETcc). */
enum xcc {
	CC_B = 0x2, CC_AE = 0x3, CC_E = 0x4, CC_NE = 0x5, CC_BE = 0x6,
	CC_A = 0x7, CC_P = 0xa, CC_NP = 0xb, CC_L = 0xc, CC_GE = 0xd,
};

/* SSE2 scalar operations (the byte after 0F); the prefix picks the form. */
enum xsse {
	SSE_SQRT = 0x51, SSE_ADD = 0x58, SSE_MUL = 0x59, SSE_SUB = 0x5c,
	SSE_DIV = 0x5e, SSE_UCOMI = 0x2e, SSE_COMI = 0x2f,
	SSE_LOAD = 0x10, SSE_STORE = 0x11,	/* movss/movsd xmm, m / m, xmm */
	SSE_MOVAP = 0x28,			/* movapd (SSE_PD): a register copy */
};
/* Prefixes: SSE_SS (F3: single), SSE_SD (F2: double), SSE_PD (66:
 * ucomisd/comisd); ucomiss/comiss have none (SSE_PS). */
#define SSE_PS	0
#define SSE_PD	0x66
#define SSE_SD	0xf2
#define SSE_SS	0xf3

/* Group-1 ALU operations (the /digit of 0x81 and the opcode base). */
enum xalu { ALU_ADD = 0, ALU_OR = 1, ALU_AND = 4, ALU_SUB = 5, ALU_XOR = 6,
	ALU_CMP = 7 };

/* Group-2 shifts (the /digit of 0xC1 and 0xD3). */
enum xshift { SH_SHL = 4, SH_SHR = 5, SH_SAR = 7 };

struct xbuf {
	uint8_t	*p;	/* next byte */
	uint8_t	*end;
	bool	full;
};

/* Operand widths. */
#define X32	0
#define X64	1

void	x_byte(struct xbuf *b, uint8_t v);
void	x_u32(struct xbuf *b, uint32_t v);

/* mov r, [base + disp]  (w: X32 zero-extends, X64) */
void	x_load(struct xbuf *b, int w, int r, int base, int32_t disp);
/* mov [base + disp], r  (size 1, 2, 4 or 8 bytes) */
void	x_store(struct xbuf *b, int size, int r, int base, int32_t disp);
/* mov qword [base + disp], simm32 */
void	x_store_imm(struct xbuf *b, int base, int32_t disp, int32_t imm);
/* Sign- or zero-extending load of 1, 2, 4 or 8 bytes from [base] into r (64-bit). */
void	x_load_ext(struct xbuf *b, int size, bool sign, int r, int base);
/* op r, [base + disp] */
void	x_alu_rm(struct xbuf *b, int w, enum xalu op, int r, int base, int32_t disp);
/* op dst, src */
void	x_alu_rr(struct xbuf *b, int w, enum xalu op, int dst, int src);
/* op r, simm32 */
void	x_alu_ri(struct xbuf *b, int w, enum xalu op, int r, int32_t imm);
/* op qword [base + disp], simm32 */
void	x_alu_mi(struct xbuf *b, enum xalu op, int base, int32_t disp, int32_t imm);
void	x_shift_ri(struct xbuf *b, int w, enum xshift op, int r, int count);
void	x_shift_rcl(struct xbuf *b, int w, enum xshift op, int r);
/* Atomic read-modify-write of [base] with r: xchg (locked by itself),
 * lock xadd, lock cmpxchg (compares with rax/eax, which takes the old
 * value if it fails). */
enum xatomic { AT_XCHG, AT_XADD, AT_CMPXCHG };
void	x_atomic(struct xbuf *b, int w, enum xatomic op, int r, int base);
/* imul r, [base + disp] */
void	x_imul_rm(struct xbuf *b, int w, int r, int base, int32_t disp);
/* imul dst, src */
void	x_imul_rr(struct xbuf *b, int w, int dst, int src);
/* rdx:rax = rax * [base + disp] (or * src), unsigned (mul) or signed (imul) */
void	x_mul_wide_m(struct xbuf *b, bool sign, int base, int32_t disp);
void	x_mul_wide_r(struct xbuf *b, bool sign, int src);
/* movsxd r64, r32 */
void	x_movsxd(struct xbuf *b, int dst, int src);
void	x_mov_rr(struct xbuf *b, int w, int dst, int src);
void	x_mov_ri64(struct xbuf *b, int r, uint64_t imm);
/* lea r, [base + disp] (64-bit) */
void	x_lea(struct xbuf *b, int r, int base, int32_t disp);
/* setcc r8 (r must be RAX..RBX) */
void	x_setcc(struct xbuf *b, enum xcc cc, int r);
/* jcc/jmp rel32 to be patched: returns the address of the rel32 field. */
uint8_t	*x_jcc(struct xbuf *b, enum xcc cc);
uint8_t	*x_jmp(struct xbuf *b);
/* Point the rel32 field at 'field' (rw address) to 'target' (the same
 * buffer's rw address space). */
void	x_patch(uint8_t *field, const uint8_t *target);
void	x_call_r(struct xbuf *b, int r);
void	x_push(struct xbuf *b, int r);
void	x_pop(struct xbuf *b, int r);
void	x_ret(struct xbuf *b);

/* op xmm, [base + disp] (SSE_STORE: [base + disp] = xmm) */
void	x_sse_rm(struct xbuf *b, int prefix, enum xsse op, int x, int base,
	    int32_t disp);
/* op xmm_dst, xmm_src */
void	x_sse_rr(struct xbuf *b, int prefix, enum xsse op, int dst, int src);
/* movd/movq r, xmm (w: X32 zero-extends, X64) */
void	x_movd_rx(struct xbuf *b, int w, int r, int x);
/* movd/movq xmm, r (the rest of xmm zeroed) */
void	x_movd_xr(struct xbuf *b, int w, int x, int r);
/* op dword [base + disp], simm32 (a 32-bit x_alu_mi) */
void	x_alu_mi32(struct xbuf *b, enum xalu op, int base, int32_t disp,
	    int32_t imm);
/* Forward jcc rel8: x_jcc8() returns its field, x_here8() points it at
 * the next byte emitted (at most 127 bytes on; further marks the buffer
 * full, so the block is thrown away). */
uint8_t	*x_jcc8(struct xbuf *b, enum xcc cc);
void	x_here8(struct xbuf *b, uint8_t *field);

#endif
