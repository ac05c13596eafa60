/*
 * jit_amo.c - the A extension in translated code: AMOSWAP, AMOADD,
 * AMOXOR, AMOAND, AMOOR (.W and .D), LR and SC as host atomics, with
 * the same effects as hart_exec.c's exec_amo() (the reference).
 *
 * Why: a kernel's spinlocks are AMO loops (xv6's acquire() is an
 * amoswap.w.aq loop, its release() another amoswap), and a call into
 * hart_exec() per turn was most of the time xv6 spent in them.
 *
 * Facts used (unprivileged ISA 20191213, chapter 8; Intel SDM vol. 2):
 * - An AMO needs write permission and its address naturally aligned;
 *   a misaligned one traps.  A TLB store entry means RAM that is
 *   writable, dirty, not code and not write-watched (hart_mmu.c's
 *   tlb_fill): with it and an aligned address, nothing can fail.
 *   Anything else (a miss, misalignment, a watchpoint of any kind: an
 *   AMO also reads) leaves the block before the instruction, which the
 *   run loop then gives to hart_exec().
 * - x86's locked instructions (XCHG with memory, LOCK XADD, LOCK
 *   CMPXCHG) are full barriers: every .aq/.rl ordering holds.
 * - LR records the reservation as exec_amo() does (res_valid, the
 *   physical address, the value read); SC succeeds if the reservation
 *   is there, for that address, and memory still holds the value (a
 *   compare-and-swap, as exec_amo()); either way the reservation goes.
 *   LR reads through the load TLB: an entry there means RAM, not
 *   read-watched.
 * - The .W forms sign-extend the old value into rd.
 * AMOMIN/AMOMAX and their unsigned forms stay with hart_exec() (rare).
 */
#include <stddef.h>

#include "jit_internal.h"
#include "x86_emit.h"

enum {
	F5_ADD = 0x00, F5_SWAP = 0x01, F5_LR = 0x02, F5_SC = 0x03,
	F5_XOR = 0x04, F5_OR = 0x08, F5_AND = 0x0c,
};

bool
jit_amo_ok(uint32_t insn)
{
	int f3 = (insn >> 12) & 7;

	if ((insn & 0x7f) != 0x2f || (f3 != 2 && f3 != 3))
		return false;
	switch (insn >> 27) {
	case F5_LR:
		return ((insn >> 20) & 31) == 0;	/* else illegal */
	case F5_ADD: case F5_SWAP: case F5_SC: case F5_XOR: case F5_OR:
	case F5_AND:
		return true;
	default:
		return false;
	}
}

void
jit_amo_xregs(uint32_t insn, uint64_t *rd, uint64_t *wr)
{
	int d = (insn >> 7) & 31;

	*rd |= UINT64_C(1) << ((insn >> 15) & 31);
	if ((insn >> 27) != F5_LR)
		*rd |= UINT64_C(1) << ((insn >> 20) & 31);
	if (d != 0)
		*wr |= UINT64_C(1) << d;
}

/* Leave (before any effect) unless rsi, the host address, is aligned. */
static void
check_aligned(struct cstate *c, int size, int slot, int k)
{
	struct xbuf *b = jc_buf(c);

	x_mov_rr(b, X32, RAX, RSI);
	x_alu_ri(b, X32, ALU_AND, RAX, size - 1);
	jc_exit_generic(c, x_jcc(b, CC_NE), slot, k);
}

/* rcx = the guest-physical address of host address rsi. */
static void
host_to_pa(struct xbuf *b)
{
	x_mov_rr(b, X64, RCX, RSI);
	x_alu_rm(b, X64, ALU_SUB, RCX, RBX, HOFF(env.ram));
	x_alu_rm(b, X64, ALU_ADD, RCX, RBX, HOFF(env.ram_base));
}

static void
emit_lr(struct cstate *c, int rd, int rs1, int size, int slot, int k)
{
	struct xbuf *b = jc_buf(c);

	jc_tlb(c, ACC_LOAD, rs1, 0, size, slot, k);
	check_aligned(c, size, slot, k);
	x_load_ext(b, size, true, RAX, RSI);
	host_to_pa(b);
	x_store(b, 8, RCX, RBX, HOFF(res_addr));
	x_store(b, 8, RAX, RBX, HOFF(res_val));
	x_mov_ri64(b, RCX, 1);
	x_store(b, 1, RCX, RBX, HOFF(res_valid));
	jc_xwrite(c, rd, RAX);
}

/* rdx = 0 if the store happened, else 1; the reservation goes either way. */
static void
emit_sc(struct cstate *c, int rd, int v, int size)
{
	struct xbuf *b = jc_buf(c);
	int w = size == 8 ? X64 : X32;
	uint8_t *no_res, *other, *changed;

	host_to_pa(b);
	x_mov_ri64(b, RDX, 1);
	x_mov_rr(b, X64, RAX, RBX);
	x_alu_ri(b, X64, ALU_ADD, RAX, HOFF(res_valid));
	x_load_ext(b, 1, false, RAX, RAX);
	x_alu_rr(b, X32, ALU_OR, RAX, RAX);
	no_res = x_jcc8(b, CC_E);
	x_alu_rm(b, X64, ALU_CMP, RCX, RBX, HOFF(res_addr));
	other = x_jcc8(b, CC_NE);
	x_load(b, X64, RAX, RBX, HOFF(res_val));
	x_atomic(b, w, AT_CMPXCHG, v, RSI);
	changed = x_jcc8(b, CC_NE);
	x_alu_rr(b, X32, ALU_XOR, RDX, RDX);
	x_here8(b, no_res);
	x_here8(b, other);
	x_here8(b, changed);
	x_alu_rr(b, X32, ALU_XOR, RAX, RAX);
	x_store(b, 1, RAX, RBX, HOFF(res_valid));
	jc_xwrite(c, rd, RDX);
}

void
jit_amo_emit(struct cstate *c, uint32_t insn, int slot, int k)
{
	struct xbuf *b = jc_buf(c);
	int f5 = (int)(insn >> 27), rd = (insn >> 7) & 31;
	int rs1 = (insn >> 15) & 31, rs2 = (insn >> 20) & 31;
	int size = ((insn >> 12) & 7) == 2 ? 4 : 8, w = size == 8 ? X64 : X32;
	int v;

	if (f5 == F5_LR) {
		emit_lr(c, rd, rs1, size, slot, k);
		return;
	}
	v = jc_xread(c, rs2);
	jc_tlb(c, ACC_STORE, rs1, 0, size, slot, k);
	check_aligned(c, size, slot, k);
	/* A store entry rules out write watchpoints only; an AMO reads too. */
	x_alu_mi32(b, ALU_CMP, RBX, HOFF(nwps), 0);
	jc_exit_generic(c, x_jcc(b, CC_NE), slot, k);
	switch (f5) {
	case F5_SC:
		emit_sc(c, rd, v, size);
		return;
	case F5_SWAP:
		x_mov_rr(b, X64, RAX, v);
		x_atomic(b, w, AT_XCHG, RAX, RSI);
		break;
	case F5_ADD:
		x_mov_rr(b, X64, RAX, v);
		x_atomic(b, w, AT_XADD, RAX, RSI);
		break;
	default: {	/* XOR, OR, AND: a compare-and-swap loop */
		enum xalu op = f5 == F5_XOR ? ALU_XOR : f5 == F5_OR ? ALU_OR :
		    ALU_AND;
		uint8_t *again;

		x_load(b, w, RAX, RSI, 0);
		again = b->p;
		x_mov_rr(b, X64, RDX, RAX);
		x_alu_rr(b, w, op, RDX, v);
		x_atomic(b, w, AT_CMPXCHG, RDX, RSI);
		x_patch(x_jcc(b, CC_NE), again);
		break;
	}
	}
	if (w == X32)
		x_movsxd(b, RAX, RAX);
	jc_xwrite(c, rd, RAX);
}
