/*
 * hart_insn.h - instruction-field helpers shared by the executor
 * (hart_exec.c), the decoder of the instruction cache (hart_dcache.c) and
 * the compressed-instruction expander (hart_rvc.c): one definition of
 * each immediate format of the unprivileged spec, section 2.3.
 */
#ifndef RHYVE_HART_INSN_H
#define RHYVE_HART_INSN_H

#include <stdint.h>

/* Sign-extend the low 'bits' bits of u (no shift of a negative value). */
static inline int64_t
sext(uint64_t u, int bits)
{
	return (int64_t)(u << (64 - bits)) >> (64 - bits);
}

static inline int64_t
imm_i(uint32_t insn)
{
	return sext(insn >> 20, 12);
}

static inline int64_t
imm_s(uint32_t insn)
{
	return sext((insn >> 25) << 5 | ((insn >> 7) & 0x1f), 12);
}

static inline int64_t
imm_b(uint32_t insn)
{
	return sext((uint64_t)(insn >> 31) << 12 | ((insn & 0x80) << 4) |
	    ((insn >> 20) & 0x7e0) | ((insn >> 7) & 0x1e), 13);
}

static inline int64_t
imm_j(uint32_t insn)
{
	return sext((uint64_t)(insn >> 31) << 20 | (insn & 0xff000) |
	    ((insn >> 9) & 0x800) | ((insn >> 20) & 0x7fe), 21);
}

#endif
