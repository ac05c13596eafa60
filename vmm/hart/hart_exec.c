/*
 * hart_exec.c - instruction semantics of RV64 I, M, A, Zicsr, Zifencei,
 * the privileged instructions, and the F/D glue (arithmetic is fpu.c's).
 * Spec: unprivileged 20191213 chapters 2, 5, 7, 8, 9, 11-13; privileged
 * 1.12 section 3.3.
 */
#include <string.h>

#include "lib/fence.h"

#include "hart.h"
#include "hart_exec.h"
#include "hart_insn.h"
#include "hart_rvc.h"

static inline int64_t
sx32(uint64_t v)
{
	return (int64_t)(int32_t)v;
}

/* Turn a memory-access result into the executor's result. */
static int
mem_result(struct hart *h, int r)
{
	if (r == MEM_MMIO_EXIT || r == MEM_WATCH)
		return X_EXIT;
	hart_trap(h, (uint64_t)(r - 1), h->fault_tval, false);
	return X_TRAP;
}

/*
 * Illegal-instruction trap.  tval is the instruction as fetched (a
 * compressed one zero-extended, privileged spec 3.1.16), not the 32-bit
 * form it expands to, so 'insn' is only a fallback.
 */
static int
illegal(struct hart *h, uint32_t insn)
{
	(void)insn;
	hart_trap(h, EXC_ILLEGAL, h->insn_raw, false);
	return X_TRAP;
}

static int
exec_load(struct hart *h, uint32_t insn, int len)
{
	static const int8_t size[8] = { 1, 2, 4, 8, 1, 2, 4, -1 };
	int f3 = (insn >> 12) & 7, rd = (insn >> 7) & 31, r;
	uint64_t va = h->x[(insn >> 15) & 31] + (uint64_t)imm_i(insn), v;

	if (size[f3] < 0)
		return illegal(h, insn);
	r = hart_load(h, va, size[f3], &v);
	if (r != MEM_OK) {
		if (r == MEM_MMIO_EXIT) {
			h->pend = PEND_MMIO_LOAD;
			h->pend_rd = rd;
			h->pend_size = size[f3];
			h->pend_signed = f3 < 4;
			h->pend_len = len;
			h->pend_va = va;
		}
		return mem_result(h, r);
	}
	switch (f3) {
	case 0: v = (uint64_t)(int64_t)(int8_t)v; break;
	case 1: v = (uint64_t)(int64_t)(int16_t)v; break;
	case 2: v = (uint64_t)(int64_t)(int32_t)v; break;
	default: break;
	}
	h->x[rd] = v;
	h->pc += (uint64_t)len;
	return X_OK;
}

static int
exec_store(struct hart *h, uint32_t insn, int len)
{
	int f3 = (insn >> 12) & 7, r;
	uint64_t va = h->x[(insn >> 15) & 31] + (uint64_t)imm_s(insn);

	if (f3 > 3)
		return illegal(h, insn);
	r = hart_store(h, va, 1 << f3, h->x[(insn >> 20) & 31]);
	if (r != MEM_OK) {
		if (r == MEM_MMIO_EXIT) {
			h->pend = PEND_MMIO_STORE;
			h->pend_len = len;
			h->pend_va = va;
		}
		return mem_result(h, r);
	}
	h->pc += (uint64_t)len;
	return X_OK;
}

static uint64_t
alu(uint32_t insn, uint64_t a, uint64_t b, bool imm, bool *bad)
{
	int f3 = (insn >> 12) & 7;
	uint32_t f7 = insn >> 25;

	if (!imm && f7 == 1) {		/* M extension */
		switch (f3) {
		case 0: return a * b;
		case 1: return (uint64_t)(((__int128)(int64_t)a * (int64_t)b) >> 64);
		case 2: return (uint64_t)(((__int128)(int64_t)a * (unsigned __int128)b) >> 64);
		case 3: return (uint64_t)(((unsigned __int128)a * b) >> 64);
		case 4:
			if (b == 0) return UINT64_MAX;
			if ((int64_t)a == INT64_MIN && (int64_t)b == -1) return a;
			return (uint64_t)((int64_t)a / (int64_t)b);
		case 5: return b == 0 ? UINT64_MAX : a / b;
		case 6:
			if (b == 0) return a;
			if ((int64_t)a == INT64_MIN && (int64_t)b == -1) return 0;
			return (uint64_t)((int64_t)a % (int64_t)b);
		default: return b == 0 ? a : a % b;
		}
	}
	switch (f3) {
	case 0:
		if (!imm && f7 == 0x20) return a - b;
		if (!imm && f7 != 0) break;
		return a + b;
	case 1:
		if ((imm ? (insn >> 26) : f7) != 0) break;
		return a << (b & 63);
	case 2: if (!imm && f7) break; return (int64_t)a < (int64_t)b;
	case 3: if (!imm && f7) break; return a < b;
	case 4: if (!imm && f7) break; return a ^ b;
	case 5: {
		uint32_t hi = imm ? (insn >> 26) : f7;
		if (hi == 0) return a >> (b & 63);
		if (hi == (imm ? 0x10u : 0x20u)) return (uint64_t)((int64_t)a >> (b & 63));
		break;
	}
	case 6: if (!imm && f7) break; return a | b;
	default: if (!imm && f7) break; return a & b;
	}
	*bad = true;
	return 0;
}

static uint64_t
alu32(uint32_t insn, uint64_t a, uint64_t b, bool imm, bool *bad)
{
	int f3 = (insn >> 12) & 7;
	uint32_t f7 = insn >> 25, x = (uint32_t)a, y = (uint32_t)b;

	if (!imm && f7 == 1) {
		switch (f3) {
		case 0: return (uint64_t)sx32(x * y);
		case 4:
			if (y == 0) return UINT64_MAX;
			if ((int32_t)x == INT32_MIN && (int32_t)y == -1) return (uint64_t)sx32(x);
			return (uint64_t)(int64_t)((int32_t)x / (int32_t)y);
		case 5: return y == 0 ? UINT64_MAX : (uint64_t)sx32(x / y);
		case 6:
			if (y == 0) return (uint64_t)sx32(x);
			if ((int32_t)x == INT32_MIN && (int32_t)y == -1) return 0;
			return (uint64_t)(int64_t)((int32_t)x % (int32_t)y);
		case 7: return y == 0 ? (uint64_t)sx32(x) : (uint64_t)sx32(x % y);
		default: break;
		}
		*bad = true;
		return 0;
	}
	switch (f3) {
	case 0:
		if (imm) return (uint64_t)sx32(x + y);
		if (f7 == 0) return (uint64_t)sx32(x + y);
		if (f7 == 0x20) return (uint64_t)sx32(x - y);
		break;
	case 1:
		if (f7 != 0) break;
		return (uint64_t)sx32(x << (y & 31));
	case 5:
		if (f7 == 0) return (uint64_t)sx32(x >> (y & 31));
		if (f7 == 0x20) return (uint64_t)(int64_t)((int32_t)x >> (y & 31));
		break;
	default:
		break;
	}
	*bad = true;
	return 0;
}

static int
exec_amo(struct hart *h, uint32_t insn, int len)
{
	int f3 = (insn >> 12) & 7, f5 = (int)(insn >> 27), rd = (insn >> 7) & 31;
	uint64_t va = h->x[(insn >> 15) & 31], src = h->x[(insn >> 20) & 31];
	uint64_t pa, old = 0;
	void *p;
	int size, r;

	if (f3 != 2 && f3 != 3)
		return illegal(h, insn);
	size = f3 == 2 ? 4 : 8;
	if (f5 == 2) {			/* LR */
		if ((insn >> 20) & 31)
			return illegal(h, insn);
		if (va & (uint64_t)(size - 1)) {
			hart_trap(h, EXC_LOAD_MISALIGNED, va, false);
			return X_TRAP;
		}
		r = hart_translate(h, va, ACC_LOAD, &pa, true);
		if (r != MEM_OK)
			return mem_result(h, r);
		p = hart_ram_ptr(h, pa, (uint64_t)size);
		if (p == NULL) {
			hart_trap(h, EXC_LOAD_ACCESS, va, false);
			return X_TRAP;
		}
		old = size == 4 ? (uint64_t)sx32(__atomic_load_n((uint32_t *)p, __ATOMIC_ACQUIRE)) :
		    __atomic_load_n((uint64_t *)p, __ATOMIC_ACQUIRE);
		h->res_valid = true;
		h->res_addr = pa;
		h->res_val = old;
		h->x[rd] = old;
		h->pc += (uint64_t)len;
		return X_OK;
	}
	r = hart_amo_ptr(h, va, size, &p, &pa);
	if (r != MEM_OK)
		return mem_result(h, r);
	if (f5 == 3) {			/* SC */
		bool ok = false;

		if (h->res_valid && h->res_addr == pa) {
			if (size == 4) {
				uint32_t e = (uint32_t)h->res_val;
				ok = __atomic_compare_exchange_n((uint32_t *)p, &e,
				    (uint32_t)src, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
			} else {
				uint64_t e = h->res_val;
				ok = __atomic_compare_exchange_n((uint64_t *)p, &e,
				    src, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
			}
		}
		h->res_valid = false;
		/* After the write: the decoded copy must take the new bytes. */
		if (ok)
			dcache_code_written(h, pa, (uint64_t)size);
		h->x[rd] = ok ? 0 : 1;
		h->pc += (uint64_t)len;
		return X_OK;
	}
	if (size == 4) {
		uint32_t *q = p, v = (uint32_t)src, o;

		switch (f5) {
		case 0x01: o = __atomic_exchange_n(q, v, __ATOMIC_SEQ_CST); break;
		case 0x00: o = __atomic_fetch_add(q, v, __ATOMIC_SEQ_CST); break;
		case 0x04: o = __atomic_fetch_xor(q, v, __ATOMIC_SEQ_CST); break;
		case 0x0c: o = __atomic_fetch_and(q, v, __ATOMIC_SEQ_CST); break;
		case 0x08: o = __atomic_fetch_or(q, v, __ATOMIC_SEQ_CST); break;
		case 0x10: case 0x14: case 0x18: case 0x1c:
			o = __atomic_load_n(q, __ATOMIC_SEQ_CST);
			for (;;) {
				uint32_t n;
				switch (f5) {
				case 0x10: n = (int32_t)o < (int32_t)v ? o : v; break;
				case 0x14: n = (int32_t)o > (int32_t)v ? o : v; break;
				case 0x18: n = o < v ? o : v; break;
				default: n = o > v ? o : v; break;
				}
				if (__atomic_compare_exchange_n(q, &o, n, false,
				    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
					break;
			}
			break;
		default:
			return illegal(h, insn);
		}
		old = (uint64_t)sx32(o);
	} else {
		uint64_t *q = p, v = src, o;

		switch (f5) {
		case 0x01: o = __atomic_exchange_n(q, v, __ATOMIC_SEQ_CST); break;
		case 0x00: o = __atomic_fetch_add(q, v, __ATOMIC_SEQ_CST); break;
		case 0x04: o = __atomic_fetch_xor(q, v, __ATOMIC_SEQ_CST); break;
		case 0x0c: o = __atomic_fetch_and(q, v, __ATOMIC_SEQ_CST); break;
		case 0x08: o = __atomic_fetch_or(q, v, __ATOMIC_SEQ_CST); break;
		case 0x10: case 0x14: case 0x18: case 0x1c:
			o = __atomic_load_n(q, __ATOMIC_SEQ_CST);
			for (;;) {
				uint64_t n;
				switch (f5) {
				case 0x10: n = (int64_t)o < (int64_t)v ? o : v; break;
				case 0x14: n = (int64_t)o > (int64_t)v ? o : v; break;
				case 0x18: n = o < v ? o : v; break;
				default: n = o > v ? o : v; break;
				}
				if (__atomic_compare_exchange_n(q, &o, n, false,
				    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
					break;
			}
			break;
		default:
			return illegal(h, insn);
		}
		old = o;
	}
	dcache_code_written(h, pa, (uint64_t)size);
	h->x[rd] = old;
	h->pc += (uint64_t)len;
	return X_OK;
}

static int
exec_fp(struct hart *h, uint32_t insn, int len)
{
	int op = insn & 0x7f, rd = (insn >> 7) & 31, f3 = (insn >> 12) & 7, r;
	uint64_t v;

	if ((h->mstatus & MSTATUS_FS) == 0)
		return illegal(h, insn);
	if (op == 0x07) {		/* FLW, FLD */
		uint64_t va = h->x[(insn >> 15) & 31] + (uint64_t)imm_i(insn);

		if (f3 != 2 && f3 != 3)
			return illegal(h, insn);
		r = hart_load(h, va, f3 == 2 ? 4 : 8, &v);
		if (r == MEM_MMIO_EXIT)
			r = MEM_EXC(EXC_LOAD_ACCESS), h->fault_tval = va;
		if (r != MEM_OK)
			return mem_result(h, r);
		h->fp.f[rd] = f3 == 2 ? (v | UINT64_C(0xffffffff00000000)) : v;
	} else if (op == 0x27) {	/* FSW, FSD */
		uint64_t va = h->x[(insn >> 15) & 31] + (uint64_t)imm_s(insn);

		if (f3 != 2 && f3 != 3)
			return illegal(h, insn);
		r = hart_store(h, va, f3 == 2 ? 4 : 8, h->fp.f[(insn >> 20) & 31]);
		if (r == MEM_MMIO_EXIT)
			r = MEM_EXC(EXC_STORE_ACCESS), h->fault_tval = va;
		if (r != MEM_OK)
			return mem_result(h, r);
		h->pc += (uint64_t)len;
		return X_OK;		/* FP state unchanged */
	} else {
		r = fpu_execute(&h->fp, insn, h->x[(insn >> 15) & 31], &v);
		if (r == FPU_ILLEGAL)
			return illegal(h, insn);
		if (r == FPU_WROTE_X && rd != 0)
			h->x[rd] = v;
	}
	h->mstatus |= MSTATUS_FS;	/* dirty */
	h->pc += (uint64_t)len;
	return X_OK;
}

static int
exec_csr(struct hart *h, uint32_t insn, int len)
{
	int f3 = (insn >> 12) & 7, rd = (insn >> 7) & 31, rs1 = (insn >> 15) & 31;
	int csr = (int)(insn >> 20), r;
	uint64_t src = (f3 & 4) ? (uint64_t)rs1 : h->x[rs1], old = 0, nv;
	bool write = (f3 & 3) == 1 || rs1 != 0;
	bool read = (f3 & 3) != 1 || rd != 0;

	if (read || !write) {
		r = hart_csr_read(h, csr, &old, false);
		if (r != 0)
			return illegal(h, insn);
	}
	if (write) {
		switch (f3 & 3) {
		case 1: nv = src; break;
		case 2: nv = hart_csr_rmw_base(h, csr, old) | src; break;
		default: nv = hart_csr_rmw_base(h, csr, old) & ~src; break;
		}
		r = hart_csr_write(h, csr, nv, false);
		if (r != 0)
			return illegal(h, insn);
	}
	h->x[rd] = old;
	h->pc += (uint64_t)len;
	return write ? X_OK_IRQ : X_OK;
}

static int
exec_system(struct hart *h, uint32_t insn, int len)
{
	const struct hart_run_ctl *ctl = h->ctl;

	if ((insn >> 12) & 7)
		return ((insn >> 12) & 7) == 4 ? illegal(h, insn) : exec_csr(h, insn, len);
	if ((insn >> 25) == 0x09 && ((insn >> 7) & 31) == 0) {	/* SFENCE.VMA */
		if (h->priv == PRV_U ||
		    (h->priv == PRV_S && (h->mstatus & MSTATUS_TVM)))
			return illegal(h, insn);
		hart_tlb_flush(h);
		h->pc += (uint64_t)len;
		return X_OK;
	}
	switch (insn) {
	case 0x00000073:	/* ECALL */
		if (ctl->sbi_exit && h->priv == PRV_S) {
			struct vm_exit *vme = h->vme;

			memset(vme, 0, sizeof(*vme));
			vme->exitcode = VM_EXITCODE_ECALL;
			vme->pc = h->pc;
			memcpy(vme->u.ecall.args, &h->x[10], sizeof(vme->u.ecall.args));
			h->pend = PEND_ECALL;
			h->pend_len = len;
			return X_EXIT;
		}
		hart_trap(h, h->priv == PRV_U ? EXC_ECALL_U :
		    h->priv == PRV_S ? EXC_ECALL_S : EXC_ECALL_M, 0, false);
		return X_TRAP;
	case 0x00100073:	/* EBREAK */
		if (ctl->bpt_exit) {
			struct vm_exit *vme = h->vme;

			memset(vme, 0, sizeof(*vme));
			vme->exitcode = VM_EXITCODE_BPT;
			vme->pc = h->pc;
			vme->u.bpt.guest = true;
			vme->u.bpt.len = len;
			return X_EXIT;
		}
		hart_trap(h, EXC_BREAKPOINT, h->pc, false);
		return X_TRAP;
	case 0x30200073:	/* MRET */
		if (h->priv != PRV_M)
			return illegal(h, insn);
		hart_mret(h);
		return X_OK_IRQ;
	case 0x10200073:	/* SRET */
		if (h->priv == PRV_U ||
		    (h->priv == PRV_S && (h->mstatus & MSTATUS_TSR)))
			return illegal(h, insn);
		hart_sret(h);
		return X_OK_IRQ;
	case 0x10500073:	/* WFI */
		if (h->priv == PRV_U ||
		    (h->priv == PRV_S && (h->mstatus & MSTATUS_TW)))
			return illegal(h, insn);
		h->pc += (uint64_t)len;
		return X_WFI;
	default:
		return illegal(h, insn);
	}
}

/*
 * Execute one instruction: 'insn' is the raw fetch (a 16-bit one in the
 * low half).  On X_TRAP the trap has been entered; on X_EXIT *vme holds
 * the exit and the pc is still at the instruction.
 */
static int
exec_one(struct hart *h, uint32_t insn)
{
	uint32_t raw = insn;
	int len = 4, rd, rs1;
	uint64_t a, b, res = 0, pc = h->pc;
	bool bad = false, alu_op = false;

	h->insn_raw = insn;
	if ((insn & 3) != 3) {
		raw = insn & 0xffff;
		h->insn_raw = raw;
		len = 2;
		insn = rvc_expand(raw);
		if (insn == 0)
			return illegal(h, raw);
	}
	rd = (insn >> 7) & 31;
	rs1 = (insn >> 15) & 31;
	a = h->x[rs1];
	b = h->x[(insn >> 20) & 31];

	switch (insn & 0x7f) {
	case 0x37:	/* LUI */
		h->x[rd] = (uint64_t)(int64_t)(int32_t)(insn & 0xfffff000);
		break;
	case 0x17:	/* AUIPC */
		h->x[rd] = pc + (uint64_t)(int64_t)(int32_t)(insn & 0xfffff000);
		break;
	case 0x6f:	/* JAL */
		h->x[rd] = pc + (uint64_t)len;
		h->pc = pc + (uint64_t)imm_j(insn);
		h->x[0] = 0;
		return X_JUMP;
	case 0x67:	/* JALR */
		if ((insn >> 12) & 7)
			return illegal(h, raw);
		h->pc = (a + (uint64_t)imm_i(insn)) & ~UINT64_C(1);
		h->x[rd] = pc + (uint64_t)len;
		h->x[0] = 0;
		return X_JUMP;
	case 0x63: {	/* branches */
		bool t;

		switch ((insn >> 12) & 7) {
		case 0: t = a == b; break;
		case 1: t = a != b; break;
		case 4: t = (int64_t)a < (int64_t)b; break;
		case 5: t = (int64_t)a >= (int64_t)b; break;
		case 6: t = a < b; break;
		case 7: t = a >= b; break;
		default: return illegal(h, raw);
		}
		if (t) {
			h->pc = pc + (uint64_t)imm_b(insn);
			return X_JUMP;
		}
		break;
	}
	case 0x03:
		return exec_load(h, insn, len);
	case 0x23:
		return exec_store(h, insn, len);
	case 0x13:
		alu_op = true;
		res = alu(insn, a, (uint64_t)imm_i(insn), true, &bad);
		break;
	case 0x33:
		alu_op = true;
		res = alu(insn, a, b, false, &bad);
		break;
	case 0x1b:
		alu_op = true;
		res = alu32(insn, a, (uint64_t)imm_i(insn), true, &bad);
		break;
	case 0x3b:
		alu_op = true;
		res = alu32(insn, a, b, false, &bad);
		break;
	case 0x0f:	/* FENCE, FENCE.I */
		if (((insn >> 12) & 7) > 1)
			return illegal(h, raw);
		host_fence();
		if ((insn >> 12) & 7)
			dcache_sync(h);
		break;
	case 0x2f:
		return exec_amo(h, insn, len);
	case 0x07: case 0x27: case 0x43: case 0x47: case 0x4b: case 0x4f: case 0x53:
		return exec_fp(h, insn, len);
	case 0x73:
		return exec_system(h, insn, len);
	default:
		return illegal(h, raw);
	}
	if (bad)
		return illegal(h, raw);
	if (alu_op)
		h->x[rd] = res;
	h->x[0] = 0;
	h->pc = pc + (uint64_t)len;
	return X_OK;
}

int
hart_exec(struct hart *h, uint32_t insn)
{
	int r = exec_one(h, insn);

	h->x[0] = 0;	/* writes to x0 (loads, CSRs, AMOs) are discarded */
	return r;
}
