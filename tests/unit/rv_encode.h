/*
 * rv_encode.h - encoders for the hand-written RV64 instructions of the
 * white-box hart engine tests (tests/unit/vmm_hart_*.c) and the guests of
 * conc_plic.c.  Macros, so that they make constant initializers.
 * Spec: unprivileged ISA 20191213, chapter 24 (base formats) and 16 (C).
 */
#ifndef RV_ENCODE_H
#define RV_ENCODE_H

#include <stdint.h>

enum { X0 = 0, RA = 1, T0 = 5, T1 = 6, T2 = 7, S0 = 8, S1 = 9, A0 = 10, A1 = 11,
    S2 = 18, S3 = 19, T3 = 28 };

#define enc_i(op, rd, f3, rs1, imm)					\
	(((uint32_t)(imm) & 0xfff) << 20 | (uint32_t)(rs1) << 15 |	\
	    (uint32_t)(f3) << 12 | (uint32_t)(rd) << 7 | (op))
#define enc_s(op, f3, rs1, rs2, imm)					\
	(((uint32_t)(imm) >> 5 & 0x7f) << 25 | (uint32_t)(rs2) << 20 |	\
	    (uint32_t)(rs1) << 15 | (uint32_t)(f3) << 12 |		\
	    ((uint32_t)(imm) & 0x1f) << 7 | (op))
#define enc_b(f3, rs1, rs2, off)					\
	(((uint32_t)(off) >> 12 & 1) << 31 |				\
	    ((uint32_t)(off) >> 5 & 0x3f) << 25 | (uint32_t)(rs2) << 20 | \
	    (uint32_t)(rs1) << 15 | (uint32_t)(f3) << 12 |		\
	    ((uint32_t)(off) >> 1 & 0xf) << 8 |				\
	    ((uint32_t)(off) >> 11 & 1) << 7 | 0x63u)
#define enc_jal(rd, off)						\
	(((uint32_t)(off) >> 20 & 1) << 31 |				\
	    ((uint32_t)(off) >> 1 & 0x3ff) << 21 |			\
	    ((uint32_t)(off) >> 11 & 1) << 20 |				\
	    ((uint32_t)(off) >> 12 & 0xff) << 12 | (uint32_t)(rd) << 7 | 0x6fu)

#define ADDI(rd, rs1, imm)	enc_i(0x13, rd, 0, rs1, imm)
#define LI(rd, imm)		ADDI(rd, X0, imm)
#define LW(rd, rs1, imm)	enc_i(0x03, rd, 2, rs1, imm)
#define LD(rd, rs1, imm)	enc_i(0x03, rd, 3, rs1, imm)
#define SW(rs2, rs1, imm)	enc_s(0x23, 2, rs1, rs2, imm)
#define SD(rs2, rs1, imm)	enc_s(0x23, 3, rs1, rs2, imm)
#define BEQ(rs1, rs2, off)	enc_b(0, rs1, rs2, off)
#define BNE(rs1, rs2, off)	enc_b(1, rs1, rs2, off)
#define J(off)			enc_jal(X0, off)
#define JALR(rd, rs1, imm)	enc_i(0x67, rd, 0, rs1, imm)
#define RET			JALR(X0, RA, 0)
#define AUIPC(rd)		(0x17u | (uint32_t)(rd) << 7)
#define FENCE_I			0x0000100fu
#define EBREAK			0x00100073u
#define WFI			0x10500073u
/* Zicsr: csrrw/csrrs/csrrc and their immediate forms (uimm in rs1). */
#define enc_csr(f3, rd, csr, rs1)	enc_i(0x73, rd, f3, rs1, csr)
#define CSRRW(rd, csr, rs1)	enc_csr(1, rd, csr, rs1)
#define CSRRS(rd, csr, rs1)	enc_csr(2, rd, csr, rs1)
#define CSRRC(rd, csr, rs1)	enc_csr(3, rd, csr, rs1)
#define CSRRSI(rd, csr, uimm)	enc_csr(6, rd, csr, uimm)
#define CSRRCI(rd, csr, uimm)	enc_csr(7, rd, csr, uimm)
#define CSRR(rd, csr)		CSRRS(rd, csr, X0)
#define NOP			LI(X0, 0)
#define LUI(rd, imm20)		((uint32_t)(imm20) << 12 | (uint32_t)(rd) << 7 | 0x37u)
#define ADD(rd, rs1, rs2)	((uint32_t)(rs2) << 20 | (uint32_t)(rs1) << 15 | \
				 (uint32_t)(rd) << 7 | 0x33u)
/* A: amoadd.w (funct5 0, funct3 2), aq and rl clear. */
#define enc_amo(f5, f3, rd, rs1, rs2)	((uint32_t)(f5) << 27 |	\
				 (uint32_t)(rs2) << 20 | (uint32_t)(rs1) << 15 | \
				 (uint32_t)(f3) << 12 | (uint32_t)(rd) << 7 | 0x2fu)
#define AMOADD_W(rd, rs2, rs1)	enc_amo(0, 2, rd, rs1, rs2)
/* Compressed: c.nop and c.addi rd, imm (-32..31, rd != 0). */
#define C_NOP			0x0001u
#define C_ADDI(rd, imm)		((((uint32_t)(imm) >> 5 & 1) << 12) |	\
				 (uint32_t)(rd) << 7 |			\
				 ((uint32_t)(imm) & 0x1f) << 2 | 0x1u)

#endif
