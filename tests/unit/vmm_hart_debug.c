/*
 * White-box tests of the hart engine's debug hooks at full speed
 * (DESIGN.md section 3; vmm/hart/hart_dcache.h, hart_fast.c):
 *
 *  - breakpoints are held in the decoded cache: with breakpoints set, a
 *    vCPU runs in the decoded-cache loop and still stops exactly before
 *    the instruction at a breakpoint -- on code decoded before the
 *    breakpoint was set, on the second half of a fused pair, on a
 *    compressed instruction, on an instruction straddling a page, after
 *    the guest rewrote the code under the breakpoint -- and a breakpoint
 *    on one virtual alias of a physical page never stops another alias;
 *  - watchpoints take the TLB slow path: a watched page's accesses stop
 *    exactly (also when the page was in the TLB before the watchpoint
 *    was set), of the watched kind only, while other pages' accesses
 *    stay on the fast path.
 *
 * "Runs at full speed" is measured, not timed: vcpu_info.instret_checked
 * counts the instructions the engine ran one at a time, checked, because
 * of debugging (single steps, the one instruction that passes a reported
 * debug point, a marked slot reached through another alias), so it must
 * grow by exactly one per resume from a debug stop, and stay 0 otherwise.
 *
 * The guest code is hand-encoded RV64 (rv_encode.h); VM_CAP_BPT_EXIT
 * makes the guest's own ebreak end a run (u.bpt.guest set).  Every test
 * runs on both engines, the interpreter and the JIT (vmm_engines.h).
 */
#include <stdint.h>
#include <string.h>

#include <criterion/criterion.h>

#include "vmm/vmm.h"
#include "vmm/vmm_kern.h"

#include "rv_encode.h"
#include "vmm_engines.h"

#define RAM		UINT64_C(0x80000000)
#define DATA		(RAM + 0x3000)	/* a data page of its own */
#define SATP_SV39	(UINT64_C(8) << 60)
#define CSR_SATP	0x180

static struct vm *vm;

static void
setup(void)
{
	vm = engine_create_started(1, 1 << 20, RAM);
}

static void
teardown(void)
{
	vm_destroy(vm);
	vm = NULL;
}

/* Each test twice, on the interpreter and on the JIT (vmm_engines.h). */
#define ENGINE_SETUP	setup
TestSuite(vmm_hart_debug, .fini = teardown, .timeout = 30);

/* Copy bytes into guest RAM from the host (no invalidation needed: fresh). */
static void
poke(uint64_t gpa, const void *src, size_t len)
{
	void *p = vm_gpa2hva(vm, gpa, len);

	cr_assert_not_null(p);
	memcpy(p, src, len);
}

static uint64_t
peek64(uint64_t gpa)
{
	uint64_t v;
	void *p = vm_gpa2hva(vm, gpa, 8);

	cr_assert_not_null(p);
	memcpy(&v, p, 8);
	return v;
}

static uint64_t
reg(int r)
{
	uint64_t v;

	cr_assert_eq(vm_get_register(vm, 0, r, &v), 0);
	return v;
}

static void
set_reg(int r, uint64_t v)
{
	cr_assert_eq(vm_set_register(vm, 0, r, v), 0);
}

static uint64_t
checked(void)
{
	struct vcpu_info info;

	cr_assert_eq(vm_get_vcpu_info(vm, 0, &info), 0);
	return info.instret_checked;
}

/* One vm_run(): the exit (DEBUG / SUSPENDED never happen here). */
static struct vm_exit
run(void)
{
	struct vm_exit vme;

	memset(&vme, 0, sizeof(vme));
	cr_assert_eq(vm_run(vm_vcpu(vm, 0), &vme), 0);
	return vme;
}

static void
expect_bp(uint64_t pc)
{
	struct vm_exit vme = run();

	cr_assert_eq(vme.exitcode, VM_EXITCODE_BPT, "exit %d at %#lx",
	    vme.exitcode, (unsigned long)vme.pc);
	cr_assert_not(vme.u.bpt.guest, "the guest's ebreak at %#lx, not the "
	    "breakpoint at %#lx", (unsigned long)vme.pc, (unsigned long)pc);
	cr_assert_eq(vme.pc, pc, "stopped at %#lx", (unsigned long)vme.pc);
	cr_assert_eq(reg(VM_REG_PC), pc);
}

static void
expect_ebreak(uint64_t pc)
{
	struct vm_exit vme = run();

	cr_assert_eq(vme.exitcode, VM_EXITCODE_BPT, "exit %d", vme.exitcode);
	cr_assert(vme.u.bpt.guest, "debugger stop at %#lx instead of the "
	    "guest's ebreak", (unsigned long)vme.pc);
	cr_assert_eq(vme.pc, pc, "ebreak at %#lx", (unsigned long)vme.pc);
}

static void
expect_watch(uint64_t pc, uint64_t addr, int type)
{
	struct vm_exit vme = run();

	cr_assert_eq(vme.exitcode, VM_EXITCODE_WATCH, "exit %d at %#lx",
	    vme.exitcode, (unsigned long)vme.pc);
	cr_assert_eq(vme.pc, pc, "stopped at %#lx", (unsigned long)vme.pc);
	cr_assert_eq(vme.u.watch.addr, addr);
	cr_assert_eq(vme.u.watch.type, type);
}

/* Start over at pc (a pc write also cancels any pass). */
static void
restart(uint64_t pc)
{
	set_reg(VM_REG_PC, pc);
	set_reg(VM_REG_X(A0), 0);
}

#define PT_ROOT		(RAM + 0x10000)

/* Map the gigapage of 'va' onto RAM (V R W X A D) in the Sv39 root table. */
static void
map_gigapage(uint64_t va)
{
	const uint64_t leaf = (RAM >> 12) << 10 | 0xcf;

	poke(PT_ROOT + ((va >> 30) & 0x1ff) * 8, &leaf, 8);
}

/* Run in S-mode under Sv39 with the root table at PT_ROOT. */
static void
enter_sv39(void)
{
	set_reg(VM_REG_PRIV, PRV_S);
	set_reg(VM_REG_CSR(CSR_SATP), SATP_SV39 | PT_ROOT >> 12);
}

/* ---- breakpoints --------------------------------------------------------- */

/*
 *	0x00 li a0, 0
 *	0x04 li t0, 1000
 *	0x08 addi a0, a0, 1	<- loop
 *	0x0c addi t0, t0, -1
 *	0x10 bnez t0, 0x08
 *	0x14 ebreak
 */
static const uint32_t loop[] = {
	LI(A0, 0), LI(T0, 1000), ADDI(A0, A0, 1), ADDI(T0, T0, -1),
	BNE(T0, X0, -8), EBREAK,
};

ENGINE_TEST(vmm_hart_debug, breakpoint_in_a_hot_loop_stops_every_pass)
{
	poke(RAM, loop, sizeof(loop));
	expect_ebreak(RAM + 0x14);	/* decoded, no breakpoint */
	cr_assert_eq(reg(VM_REG_X(A0)), 1000);

	cr_assert_eq(vm_set_breakpoint(vm, RAM + 0x08, true), 0);
	restart(RAM);
	expect_bp(RAM + 0x08);
	cr_assert_eq(reg(VM_REG_X(A0)), 0);
	cr_assert_eq(checked(), 0);
	for (uint64_t k = 1; k <= 5; k++) {
		/* The pass runs one instruction checked, the rest decoded. */
		expect_bp(RAM + 0x08);
		cr_assert_eq(reg(VM_REG_X(A0)), k);
		cr_assert_eq(checked(), k);
	}
	cr_assert_eq(vm_set_breakpoint(vm, RAM + 0x08, false), 0);
	expect_ebreak(RAM + 0x14);
	cr_assert_eq(reg(VM_REG_X(A0)), 1000);
	cr_assert_eq(checked(), 6);
}

/* Several breakpoints on one decoded page: each stops in turn. */
ENGINE_TEST(vmm_hart_debug, several_breakpoints_on_one_page)
{
	const uint64_t bps[] = { RAM + 0x0c, RAM + 0x10, RAM + 0x14 };

	poke(RAM, loop, sizeof(loop));
	cr_assert_eq(vm_set_breakpoint(vm, RAM + 0x0c, true), 0);
	expect_bp(RAM + 0x0c);
	cr_assert_eq(vm_set_breakpoint(vm, RAM + 0x10, true), 0);
	cr_assert_eq(vm_set_breakpoint(vm, RAM + 0x14, true), 0);
	expect_bp(RAM + 0x10);
	for (int round = 0; round < 3; round++) {
		cr_assert_eq(vm_set_breakpoint(vm, bps[round % 2], false), 0);
		expect_bp(bps[(round + 1) % 2]);
		cr_assert_eq(vm_set_breakpoint(vm, bps[round % 2], true), 0);
		expect_bp(bps[round % 2]);
	}
	cr_assert_eq(reg(VM_REG_X(A0)), 6);
	cr_assert_eq(vm_set_breakpoint(vm, RAM + 0x0c, false), 0);
	cr_assert_eq(vm_set_breakpoint(vm, RAM + 0x10, false), 0);
	expect_bp(RAM + 0x14);
	cr_assert_eq(reg(VM_REG_X(A0)), 1000);
}

/*
 * Thousands of breakpoints (GDB's rbreak sets that many): the one on the
 * loop stops every pass, the others cost nothing, and removing it with
 * more breakpoints left than a page has slots still unmarks it.
 */
ENGINE_TEST(vmm_hart_debug, thousands_of_breakpoints)
{
	poke(RAM, loop, sizeof(loop));
	for (uint64_t i = 0; i < 3000; i++)
		cr_assert_eq(vm_set_breakpoint(vm, RAM + 0x20 + 4 * i, true), 0);
	cr_assert_eq(vm_set_breakpoint(vm, RAM + 0x08, true), 0);
	expect_bp(RAM + 0x08);
	expect_bp(RAM + 0x08);
	cr_assert_eq(reg(VM_REG_X(A0)), 1);
	cr_assert_eq(checked(), 1);
	cr_assert_eq(vm_set_breakpoint(vm, RAM + 0x08, false), 0);
	expect_ebreak(RAM + 0x14);
	cr_assert_eq(reg(VM_REG_X(A0)), 1000);
	cr_assert_eq(checked(), 2, "the loop ran decoded once unmarked");
}

/* Breakpoints elsewhere (another page, or this page but not executed). */
ENGINE_TEST(vmm_hart_debug, breakpoints_not_hit_cost_no_checked_instruction)
{
	poke(RAM, loop, sizeof(loop));
	cr_assert_eq(vm_set_breakpoint(vm, RAM + 0x5000, true), 0);
	cr_assert_eq(vm_set_breakpoint(vm, RAM + 0x40, true), 0);
	cr_assert_eq(vm_set_breakpoint(vm, RAM + 0x0a, true), 0);	/* mid-insn */
	expect_ebreak(RAM + 0x14);
	cr_assert_eq(reg(VM_REG_X(A0)), 1000);
	cr_assert_eq(checked(), 0);
}

/*
 * The second half of a fused pair (addi t0 feeding ld's base) is reached
 * without a dispatch of its own in the decoded loop.
 *	0x00 auipc t0, 0
 *	0x04 addi t0, t0, 0x80	(fused with the ld)
 *	0x08 ld a0, 0(t0)	<- breakpoint
 *	0x0c ebreak
 */
ENGINE_TEST(vmm_hart_debug, breakpoint_on_the_second_half_of_a_fused_pair)
{
	const uint32_t code[] = { AUIPC(T0), ADDI(T0, T0, 0x80), LD(A0, T0, 0), EBREAK };
	const uint64_t val = 0x1234;

	poke(RAM, code, sizeof(code));
	poke(RAM + 0x80, &val, 8);
	expect_ebreak(RAM + 0x0c);
	cr_assert_eq(reg(VM_REG_X(A0)), val);

	cr_assert_eq(vm_set_breakpoint(vm, RAM + 0x08, true), 0);
	restart(RAM);
	expect_bp(RAM + 0x08);
	cr_assert_eq(reg(VM_REG_X(T0)), RAM + 0x80, "the first half ran");
	cr_assert_eq(reg(VM_REG_X(A0)), 0, "the second half did not");
	expect_ebreak(RAM + 0x0c);
	cr_assert_eq(reg(VM_REG_X(A0)), val);
}

/* c.nop; c.addi a0, 1 <- breakpoint at +2; ebreak. */
ENGINE_TEST(vmm_hart_debug, breakpoint_on_a_compressed_instruction)
{
	const uint32_t code[] = { C_NOP | C_ADDI(A0, 1) << 16, EBREAK };

	poke(RAM, code, sizeof(code));
	expect_ebreak(RAM + 4);
	cr_assert_eq(reg(VM_REG_X(A0)), 1);

	cr_assert_eq(vm_set_breakpoint(vm, RAM + 2, true), 0);
	restart(RAM);
	expect_bp(RAM + 2);
	cr_assert_eq(reg(VM_REG_X(A0)), 0);
	expect_ebreak(RAM + 4);
	cr_assert_eq(reg(VM_REG_X(A0)), 1);
}

/* A 32-bit instruction whose halves sit on two pages. */
ENGINE_TEST(vmm_hart_debug, breakpoint_on_an_instruction_straddling_pages)
{
	const uint64_t at = RAM + 0x1ffe;
	const uint32_t jump = enc_jal(X0, 0x1ffe), li = LI(A0, 7), brk = EBREAK;

	poke(RAM, &jump, 4);
	poke(at, &li, 4);
	poke(at + 4, &brk, 4);
	expect_ebreak(at + 4);
	cr_assert_eq(reg(VM_REG_X(A0)), 7);

	cr_assert_eq(vm_set_breakpoint(vm, at, true), 0);
	restart(RAM);
	expect_bp(at);
	cr_assert_eq(reg(VM_REG_X(A0)), 0);
	expect_ebreak(at + 4);
	cr_assert_eq(reg(VM_REG_X(A0)), 7);
}

/*
 * The guest rewrites the instruction under a breakpoint (already decoded
 * and marked), then runs it: the breakpoint still stops it, and the new
 * instruction is what runs after the pass.  With fence.i (the whole
 * cache goes) and without (the store resets the slot in place).
 *	0x00 auipc t0, 0
 *	0x04 lw t1, 0x80(t0)	(li a0, 2)
 *	0x08 jal ra, P		(P: li a0, 1; ret)
 *	0x0c sw t1, P(t0)
 *	0x10 fence.i or nop
 *	0x14 jal ra, P		<- stops at P
 *	0x18 ebreak
 */
static void
rewrite_under_breakpoint(bool fence)
{
	const uint32_t code[] = {
		AUIPC(T0), LW(T1, T0, 0x80), enc_jal(RA, 0x100 - 0x08),
		SW(T1, T0, 0x100), fence ? FENCE_I : NOP,
		enc_jal(RA, 0x100 - 0x14), EBREAK,
	};
	const uint32_t p[] = { LI(A0, 1), RET }, li2 = LI(A0, 2);

	poke(RAM, code, sizeof(code));
	poke(RAM + 0x80, &li2, 4);
	poke(RAM + 0x100, p, sizeof(p));
	set_reg(VM_REG_PC, RAM + 0x14);
	expect_ebreak(RAM + 0x18);	/* P decoded (and the caller's page) */

	cr_assert_eq(vm_set_breakpoint(vm, RAM + 0x100, true), 0);
	restart(RAM + 0x04);		/* skips auipc: t0 is still RAM */
	set_reg(VM_REG_X(T0), RAM);
	expect_bp(RAM + 0x100);		/* the first call */
	cr_assert_eq(reg(VM_REG_X(RA)), RAM + 0x0c);
	expect_bp(RAM + 0x100);		/* the call after the rewrite */
	cr_assert_eq(reg(VM_REG_X(RA)), RAM + 0x18);
	cr_assert_eq(reg(VM_REG_X(A0)), 1);
	expect_ebreak(RAM + 0x18);
	cr_assert_eq(reg(VM_REG_X(A0)), 2, "the rewritten instruction ran");
	cr_assert_eq(checked(), 2);
}

ENGINE_TEST(vmm_hart_debug, breakpoint_on_code_rewritten_with_fence_i)
{
	rewrite_under_breakpoint(true);
}

ENGINE_TEST(vmm_hart_debug, breakpoint_on_code_rewritten_without_fence_i)
{
	rewrite_under_breakpoint(false);
}

/*
 * Sv39 in S-mode, two gigapages onto the same RAM: VA 0x8000_0000 and
 * VA 0xC000_0000 both reach PA 0x8000_0000.  A breakpoint is a virtual
 * address, so one set on the 0xC000_0000 alias stops there only, even
 * once its slot in the shared decoded page has been marked.
 */
ENGINE_TEST(vmm_hart_debug, breakpoint_on_one_alias_never_stops_another)
{
	const uint64_t alias = UINT64_C(0xC0000000);
	const uint32_t code[] = { LI(A0, 0x11), EBREAK };

	map_gigapage(RAM);
	map_gigapage(alias);
	poke(RAM, code, sizeof(code));
	enter_sv39();
	cr_assert_eq(vm_set_breakpoint(vm, alias, true), 0);

	restart(RAM);
	expect_ebreak(RAM + 4);
	cr_assert_eq(reg(VM_REG_X(A0)), 0x11);
	restart(alias);
	expect_bp(alias);
	expect_ebreak(alias + 4);
	restart(RAM);			/* the slot is marked now */
	expect_ebreak(RAM + 4);
	cr_assert_eq(reg(VM_REG_X(A0)), 0x11);
	cr_assert_eq(checked(), 2, "the pass and the marked slot, checked");
}

/*
 * A breakpoint on an instruction that cannot be fetched stops before the
 * fetch fault, as it does in the checked loop: jalr to an unmapped page.
 */
ENGINE_TEST(vmm_hart_debug, breakpoint_before_a_fetch_fault)
{
	const uint64_t nowhere = UINT64_C(0x40000000);	/* not mapped */
	const uint32_t code[] = { JALR(RA, T0, 0), EBREAK };

	map_gigapage(RAM);
	poke(RAM, code, sizeof(code));
	enter_sv39();
	cr_assert_eq(vm_set_breakpoint(vm, nowhere, true), 0);
	restart(RAM);
	set_reg(VM_REG_X(T0), nowhere);
	expect_bp(nowhere);
	cr_assert_eq(reg(VM_REG_PRIV), PRV_S, "no trap was taken");
	cr_assert_eq(checked(), 0);
}

/* ---- watchpoints ------------------------------------------------------- */

/*
 * Stores t1 = 16 .. 1 to DATA + 0, 8, .. 120, then ebreak (t2 = DATA,
 * set by the host):
 *	0x00 nop
 *	0x04 li t1, 16
 *	0x08 sd t1, 0(t2)	<- loop
 *	0x0c addi t2, t2, 8
 *	0x10 addi t1, t1, -1
 *	0x14 bnez t1, 0x08
 *	0x18 ebreak
 */
static const uint32_t fill[] = {
	NOP, LI(T1, 16), SD(T1, T2, 0), ADDI(T2, T2, 8), ADDI(T1, T1, -1),
	BNE(T1, X0, -12), EBREAK,
};

static void
run_fill(void)
{
	set_reg(VM_REG_PC, RAM);
	set_reg(VM_REG_X(T2), DATA);
}

ENGINE_TEST(vmm_hart_debug, write_watchpoint_on_a_page_already_in_the_tlb)
{
	static const uint64_t zero[16];

	poke(RAM, fill, sizeof(fill));
	run_fill();
	expect_ebreak(RAM + 0x18);	/* DATA is in the store TLB now */
	cr_assert_eq(peek64(DATA + 5 * 8), 11);
	poke(DATA, zero, sizeof(zero));

	cr_assert_eq(vm_set_watchpoint(vm, DATA + 5 * 8, 8, VM_WATCH_WRITE, true), 0);
	run_fill();
	expect_watch(RAM + 0x08, DATA + 5 * 8, VM_WATCH_WRITE);
	cr_assert_eq(reg(VM_REG_X(T1)), 11);
	cr_assert_eq(peek64(DATA + 4 * 8), 12, "earlier stores done");
	cr_assert_eq(peek64(DATA + 5 * 8), 0, "stopped before the store");
	cr_assert_eq(checked(), 0);
	expect_ebreak(RAM + 0x18);
	cr_assert_eq(peek64(DATA + 5 * 8), 11);
	cr_assert_eq(peek64(DATA + 15 * 8), 1);
	cr_assert_eq(checked(), 1);
}

/* Any length, any overlap: a 1-byte watchpoint inside one 8-byte store. */
ENGINE_TEST(vmm_hart_debug, watchpoint_of_one_byte_inside_a_wider_store)
{
	poke(RAM, fill, sizeof(fill));
	cr_assert_eq(vm_set_watchpoint(vm, DATA + 9 * 8 + 7, 1, VM_WATCH_ACCESS, true), 0);
	run_fill();
	expect_watch(RAM + 0x08, DATA + 9 * 8, VM_WATCH_WRITE);
	cr_assert_eq(reg(VM_REG_X(T1)), 7);
}

/* A watchpoint on another page: the loop runs without a checked insn. */
ENGINE_TEST(vmm_hart_debug, watchpoint_elsewhere_costs_no_checked_instruction)
{
	poke(RAM, fill, sizeof(fill));
	cr_assert_eq(vm_set_watchpoint(vm, DATA + 0x1000, 8, VM_WATCH_ACCESS, true), 0);
	cr_assert_eq(vm_set_breakpoint(vm, RAM + 0x800, true), 0);
	run_fill();
	expect_ebreak(RAM + 0x18);
	cr_assert_eq(peek64(DATA + 15 * 8), 1);
	cr_assert_eq(checked(), 0);
}

/*
 *	0x00 ld a0, 0(t2)
 *	0x04 sd a0, 8(t2)
 *	0x08 ebreak
 * A read watchpoint stops loads only, a write watchpoint stores only.
 */
ENGINE_TEST(vmm_hart_debug, watchpoints_stop_their_kind_of_access_only)
{
	const uint32_t code[] = { LD(A0, T2, 0), SD(A0, T2, 8), EBREAK };
	static const struct {
		uint64_t addr;
		int type;
		uint64_t stop;		/* pc of the stop, 0 for none */
		int access;
	} c[] = {
		{ DATA + 8, VM_WATCH_READ, 0, 0 },
		{ DATA + 0, VM_WATCH_WRITE, 0, 0 },
		{ DATA + 0, VM_WATCH_READ, RAM + 0, VM_WATCH_READ },
		{ DATA + 8, VM_WATCH_WRITE, RAM + 4, VM_WATCH_WRITE },
		{ DATA + 8, VM_WATCH_ACCESS, RAM + 4, VM_WATCH_WRITE },
	};

	poke(RAM, code, sizeof(code));
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		cr_assert_eq(vm_set_watchpoint(vm, c[i].addr, 8, c[i].type, true), 0);
		set_reg(VM_REG_PC, RAM);
		set_reg(VM_REG_X(T2), DATA);
		if (c[i].stop != 0)
			expect_watch(c[i].stop, c[i].addr, c[i].access);
		expect_ebreak(RAM + 8);
		cr_assert_eq(vm_set_watchpoint(vm, c[i].addr, 8, c[i].type, false), 0);
	}
}

/* The load of a fused pair (addi t0 feeding ld) on a watched word. */
ENGINE_TEST(vmm_hart_debug, read_watchpoint_on_a_fused_load)
{
	const uint32_t code[] = { AUIPC(T0), ADDI(T0, T0, 0x80), LD(A0, T0, 0), EBREAK };
	const uint64_t val = 0x5678;

	poke(RAM, code, sizeof(code));
	poke(RAM + 0x80, &val, 8);
	expect_ebreak(RAM + 0x0c);	/* decoded and fused; the page in the TLB */
	cr_assert_eq(vm_set_watchpoint(vm, RAM + 0x84, 2, VM_WATCH_READ, true), 0);
	restart(RAM);
	expect_watch(RAM + 0x08, RAM + 0x80, VM_WATCH_READ);
	cr_assert_eq(reg(VM_REG_X(A0)), 0);
	expect_ebreak(RAM + 0x0c);
	cr_assert_eq(reg(VM_REG_X(A0)), val);
}

/*
 * An AMO reads as well as writes: a read watchpoint stops it every
 * time, also once the pass over the first stop has put its page in the
 * store TLB (a read watchpoint does not keep a page out of it) and the
 * JIT runs the AMO inline.
 *	0x00 li t1, 1
 *	0x04 li t3, 2
 *	0x08 amoadd.w a0, t1, (t2)	<- loop
 *	0x0c addi t3, t3, -1
 *	0x10 bnez t3, 0x08
 *	0x14 ebreak
 */
ENGINE_TEST(vmm_hart_debug, read_watchpoint_on_an_amo)
{
	const uint32_t code[] = { LI(T1, 1), LI(T3, 2), AMOADD_W(A0, T1, T2),
	    ADDI(T3, T3, -1), BNE(T3, X0, -8), EBREAK };

	poke(RAM, code, sizeof(code));
	set_reg(VM_REG_PC, RAM);
	set_reg(VM_REG_X(T2), DATA);
	expect_ebreak(RAM + 0x14);	/* translated; DATA in the store TLB */
	cr_assert_eq(peek64(DATA), 2);
	cr_assert_eq(vm_set_watchpoint(vm, DATA, 4, VM_WATCH_READ, true), 0);
	set_reg(VM_REG_PC, RAM);
	expect_watch(RAM + 0x08, DATA, VM_WATCH_ACCESS);
	cr_assert_eq(peek64(DATA), 2, "stopped before the AMO");
	expect_watch(RAM + 0x08, DATA, VM_WATCH_ACCESS);
	cr_assert_eq(peek64(DATA), 3, "stopped before the second AMO");
	cr_assert_eq(reg(VM_REG_X(A0)), 2);
	expect_ebreak(RAM + 0x14);
	cr_assert_eq(peek64(DATA), 4);
	cr_assert_eq(reg(VM_REG_X(A0)), 3);
}
