/*
 * hart_rvc.c - the C extension: each 16-bit instruction is expanded to
 * the 32-bit instruction it stands for (unprivileged spec chapter 16,
 * table 16.5-16.7), so one executor serves both.
 */
#include "hart_insn.h"
#include "hart_rvc.h"

#define BITS(c, hi, lo)	(((c) >> (lo)) & ((1u << ((hi) - (lo) + 1)) - 1))
#define BIT(c, n)	(((c) >> (n)) & 1u)

static uint32_t
enc_r(uint32_t f7, uint32_t rs2, uint32_t rs1, uint32_t f3, uint32_t rd, uint32_t op)
{
	return f7 << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | rd << 7 | op;
}

static uint32_t
enc_i(int32_t imm, uint32_t rs1, uint32_t f3, uint32_t rd, uint32_t op)
{
	return ((uint32_t)imm & 0xfff) << 20 | rs1 << 15 | f3 << 12 | rd << 7 | op;
}

static uint32_t
enc_s(int32_t imm, uint32_t rs2, uint32_t rs1, uint32_t f3, uint32_t op)
{
	uint32_t u = (uint32_t)imm;

	return BITS(u, 11, 5) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 |
	    BITS(u, 4, 0) << 7 | op;
}

static uint32_t
enc_b(int32_t imm, uint32_t rs2, uint32_t rs1, uint32_t f3)
{
	uint32_t u = (uint32_t)imm;

	return BIT(u, 12) << 31 | BITS(u, 10, 5) << 25 | rs2 << 20 | rs1 << 15 |
	    f3 << 12 | BITS(u, 4, 1) << 8 | BIT(u, 11) << 7 | 0x63;
}

static uint32_t
enc_j(int32_t imm, uint32_t rd)
{
	uint32_t u = (uint32_t)imm;

	return BIT(u, 20) << 31 | BITS(u, 10, 1) << 21 | BIT(u, 11) << 20 |
	    BITS(u, 19, 12) << 12 | rd << 7 | 0x6f;
}

uint32_t
rvc_expand(uint32_t c)
{
	uint32_t rd = BITS(c, 11, 7), rs2 = BITS(c, 6, 2);
	uint32_t rdp = BITS(c, 4, 2) + 8, rs1p = BITS(c, 9, 7) + 8;
	int32_t imm6 = sext(BIT(c, 12) << 5 | BITS(c, 6, 2), 6);
	uint32_t u;

	switch ((BITS(c, 1, 0) << 3) | BITS(c, 15, 13)) {
	/* Quadrant 0 */
	case 000:	/* c.addi4spn */
		u = BITS(c, 12, 11) << 4 | BITS(c, 10, 7) << 6 | BIT(c, 6) << 2 | BIT(c, 5) << 3;
		return u ? enc_i((int32_t)u, 2, 0, rdp, 0x13) : 0;
	case 001:	/* c.fld */
		u = BITS(c, 12, 10) << 3 | BITS(c, 6, 5) << 6;
		return enc_i((int32_t)u, rs1p, 3, rdp, 0x07);
	case 002:	/* c.lw */
		u = BITS(c, 12, 10) << 3 | BIT(c, 6) << 2 | BIT(c, 5) << 6;
		return enc_i((int32_t)u, rs1p, 2, rdp, 0x03);
	case 003:	/* c.ld */
		u = BITS(c, 12, 10) << 3 | BITS(c, 6, 5) << 6;
		return enc_i((int32_t)u, rs1p, 3, rdp, 0x03);
	case 005:	/* c.fsd */
		u = BITS(c, 12, 10) << 3 | BITS(c, 6, 5) << 6;
		return enc_s((int32_t)u, rdp, rs1p, 3, 0x27);
	case 006:	/* c.sw */
		u = BITS(c, 12, 10) << 3 | BIT(c, 6) << 2 | BIT(c, 5) << 6;
		return enc_s((int32_t)u, rdp, rs1p, 2, 0x23);
	case 007:	/* c.sd */
		u = BITS(c, 12, 10) << 3 | BITS(c, 6, 5) << 6;
		return enc_s((int32_t)u, rdp, rs1p, 3, 0x23);
	/* Quadrant 1 */
	case 010:	/* c.addi, c.nop */
		return enc_i(imm6, rd, 0, rd, 0x13);
	case 011:	/* c.addiw */
		return rd ? enc_i(imm6, rd, 0, rd, 0x1b) : 0;
	case 012:	/* c.li */
		return enc_i(imm6, 0, 0, rd, 0x13);
	case 013:
		if (rd == 2) {	/* c.addi16sp */
			int32_t i = sext(BIT(c, 12) << 9 | BIT(c, 6) << 4 | BIT(c, 5) << 6 |
			    BITS(c, 4, 3) << 7 | BIT(c, 2) << 5, 10);
			return i ? enc_i(i, 2, 0, 2, 0x13) : 0;
		}
		/* c.lui */
		if (imm6 == 0)
			return 0;
		return ((uint32_t)imm6 & 0xfffff) << 12 | rd << 7 | 0x37;
	case 014:
		switch (BITS(c, 11, 10)) {
		case 0:	/* c.srli */
			return enc_i((int32_t)(BIT(c, 12) << 5 | BITS(c, 6, 2)), rs1p, 5, rs1p, 0x13);
		case 1:	/* c.srai */
			return enc_i((int32_t)(0x400 | BIT(c, 12) << 5 | BITS(c, 6, 2)), rs1p, 5, rs1p, 0x13);
		case 2:	/* c.andi */
			return enc_i(imm6, rs1p, 7, rs1p, 0x13);
		default:
			switch (BIT(c, 12) << 2 | BITS(c, 6, 5)) {
			case 0: return enc_r(0x20, rdp, rs1p, 0, rs1p, 0x33);	/* c.sub */
			case 1: return enc_r(0, rdp, rs1p, 4, rs1p, 0x33);	/* c.xor */
			case 2: return enc_r(0, rdp, rs1p, 6, rs1p, 0x33);	/* c.or */
			case 3: return enc_r(0, rdp, rs1p, 7, rs1p, 0x33);	/* c.and */
			case 4: return enc_r(0x20, rdp, rs1p, 0, rs1p, 0x3b);	/* c.subw */
			case 5: return enc_r(0, rdp, rs1p, 0, rs1p, 0x3b);	/* c.addw */
			default: return 0;
			}
		}
	case 015:	/* c.j */
		return enc_j(sext(BIT(c, 12) << 11 | BIT(c, 11) << 4 | BITS(c, 10, 9) << 8 |
		    BIT(c, 8) << 10 | BIT(c, 7) << 6 | BIT(c, 6) << 7 | BITS(c, 5, 3) << 1 |
		    BIT(c, 2) << 5, 12), 0);
	case 016:	/* c.beqz */
	case 017:	/* c.bnez */
		return enc_b(sext(BIT(c, 12) << 8 | BITS(c, 11, 10) << 3 | BITS(c, 6, 5) << 6 |
		    BITS(c, 4, 3) << 1 | BIT(c, 2) << 5, 9), 0, rs1p, BIT(c, 13));
	/* Quadrant 2 */
	case 020:	/* c.slli */
		return enc_i((int32_t)(BIT(c, 12) << 5 | BITS(c, 6, 2)), rd, 1, rd, 0x13);
	case 021:	/* c.fldsp */
		u = BIT(c, 12) << 5 | BITS(c, 6, 5) << 3 | BITS(c, 4, 2) << 6;
		return enc_i((int32_t)u, 2, 3, rd, 0x07);
	case 022:	/* c.lwsp */
		u = BIT(c, 12) << 5 | BITS(c, 6, 4) << 2 | BITS(c, 3, 2) << 6;
		return rd ? enc_i((int32_t)u, 2, 2, rd, 0x03) : 0;
	case 023:	/* c.ldsp */
		u = BIT(c, 12) << 5 | BITS(c, 6, 5) << 3 | BITS(c, 4, 2) << 6;
		return rd ? enc_i((int32_t)u, 2, 3, rd, 0x03) : 0;
	case 024:
		if (!BIT(c, 12)) {
			if (rs2 == 0)	/* c.jr */
				return rd ? enc_i(0, rd, 0, 0, 0x67) : 0;
			return enc_r(0, rs2, 0, 0, rd, 0x33);		/* c.mv */
		}
		if (rd == 0 && rs2 == 0)
			return 0x00100073;				/* c.ebreak */
		if (rs2 == 0)
			return enc_i(0, rd, 0, 1, 0x67);		/* c.jalr */
		return enc_r(0, rs2, rd, 0, rd, 0x33);			/* c.add */
	case 025:	/* c.fsdsp */
		u = BITS(c, 12, 10) << 3 | BITS(c, 9, 7) << 6;
		return enc_s((int32_t)u, rs2, 2, 3, 0x27);
	case 026:	/* c.swsp */
		u = BITS(c, 12, 9) << 2 | BITS(c, 8, 7) << 6;
		return enc_s((int32_t)u, rs2, 2, 2, 0x23);
	case 027:	/* c.sdsp */
		u = BITS(c, 12, 10) << 3 | BITS(c, 9, 7) << 6;
		return enc_s((int32_t)u, rs2, 2, 3, 0x23);
	default:
		return 0;
	}
}
