/*
 * White-box tests of the hart engine's decoded-instruction cache
 * (vmm/hart/hart_dcache.h): decoded code must never outlive the bytes
 * it came from once the ISA (fence.i) or the vmm (debugger writes,
 * remote FENCE.I) says so, and stores into code pages must reach the
 * slow path that drops the decoded page.
 *
 * Each test writes a few hand-encoded RV64 instructions into guest RAM,
 * runs a vCPU with VM_CAP_BPT_EXIT until its ebreak, and looks at a0.
 * Whatever ran first has been decoded, so a stale cache would give the
 * old result.  Encodings: unprivileged ISA 20191213, chapter 24.  Every
 * test runs on both engines (vmm_engines.h).
 */
#include <stdint.h>
#include <string.h>

#include <criterion/criterion.h>

#include "vmm/vmm.h"
#include "vmm/vmm_kern.h"

#include "rv_encode.h"
#include "vmm_engines.h"

#define ENGINE_SETUP	engine_no_setup

#define RAM	UINT64_C(0x80000000)

static struct vm *vm;

static void
setup_vm(int ncpus)
{
	vm = engine_create_started(ncpus, 1 << 20, RAM);
}

static void
teardown_vm(void)
{
	vm_destroy(vm);
	vm = NULL;
}

/* Store instruction words at gpa (a host write: no invalidation). */
static void
poke(uint64_t gpa, const uint32_t *w, size_t n)
{
	void *p = vm_gpa2hva(vm, gpa, n * 4);

	cr_assert_not_null(p);
	memcpy(p, w, n * 4);
}

/* Run vCPU 'id' from 'pc' to its ebreak; return a0. */
static uint64_t
run_to_ebreak(int id, uint64_t pc)
{
	struct vm_exit vme;
	uint64_t a0;

	cr_assert_eq(vm_set_register(vm, id, VM_REG_PC, pc), 0);
	memset(&vme, 0, sizeof(vme));
	cr_assert_eq(vm_run(vm_vcpu(vm, id), &vme), 0);
	cr_assert_eq(vme.exitcode, VM_EXITCODE_BPT, "exit %d at %#lx",
	    vme.exitcode, (unsigned long)vme.pc);
	cr_assert(vme.u.bpt.guest);
	cr_assert_eq(vm_get_register(vm, id, VM_REG_X(A0), &a0), 0);
	return a0;
}

/* P: li a0, 1; ret -- the instruction every test replaces. */
#define P_OFF	0x100
static const uint32_t p_code[] = { LI(A0, 1), RET };

TestSuite(vmm_hart_dcache, .init = NULL, .fini = teardown_vm);

/* A debugger (or loader) write followed by vm_invalidate_code. */
ENGINE_TEST(vmm_hart_dcache, debugger_write)
{
	const uint32_t main_code[] = { enc_jal(RA, P_OFF), EBREAK };
	const uint32_t two = LI(A0, 2);

	setup_vm(1);
	poke(RAM, main_code, 2);
	poke(RAM + P_OFF + 4, p_code, 2);	/* jal lands at P_OFF + 4 */
	poke(RAM + P_OFF, (uint32_t[]){ NOP }, 1);
	cr_assert_eq(run_to_ebreak(0, RAM), 1);
	poke(RAM + P_OFF + 4, &two, 1);
	vm_invalidate_code(vm, RAM + P_OFF + 4, 4);
	cr_assert_eq(run_to_ebreak(0, RAM), 2);
	/* The whole-memory form too. */
	poke(RAM + P_OFF + 4, (uint32_t[]){ LI(A0, 3) }, 1);
	vm_invalidate_code(vm, 0, 0);
	cr_assert_eq(run_to_ebreak(0, RAM), 3);
}

/*
 * The guest rewrites P (already decoded) with a store, then runs it
 * again: with fence.i, as the ISA requires, and without (the engine
 * drops decoded code on any store into it).
 */
static void
self_modify(bool fence)
{
	const uint32_t main_code[] = {
		AUIPC(T0),			/* 0x00: t0 = RAM */
		LW(T1, T0, 0x80),		/* 0x04: the new instruction */
		enc_jal(RA, P_OFF - 0x08),	/* 0x08: P once: decoded */
		SW(T1, T0, 0x84),		/* 0x0c: a data store first */
		SW(T1, T0, P_OFF),		/* 0x10: rewrite P */
		fence ? FENCE_I : NOP,		/* 0x14 */
		enc_jal(RA, P_OFF - 0x18),	/* 0x18: P again */
		EBREAK,				/* 0x1c */
	};
	const uint32_t data = LI(A0, 2);

	setup_vm(1);
	poke(RAM, main_code, sizeof(main_code) / 4);
	poke(RAM + 0x80, &data, 1);
	poke(RAM + P_OFF, p_code, 2);
	cr_assert_eq(run_to_ebreak(0, RAM), 2);
	/* And the new code stays: run P alone. */
	cr_assert_eq(run_to_ebreak(0, RAM + 0x18), 2);
}

ENGINE_TEST(vmm_hart_dcache, self_modify_fence_i)
{
	self_modify(true);
}

ENGINE_TEST(vmm_hart_dcache, self_modify_store_only)
{
	self_modify(false);
}

/* A store to the instruction right after it, in a loop on one page. */
ENGINE_TEST(vmm_hart_dcache, modify_next_instruction)
{
	const uint32_t code[] = {
		AUIPC(T0),			/* 0x00 */
		LW(T1, T0, 0x80),		/* 0x04: li a0, 7 */
		LI(A0, 0),			/* 0x08 */
		SW(T1, T0, 0x10),		/* 0x0c: rewrite 0x10 */
		LI(A0, 5),			/* 0x10: decoded before the store */
		EBREAK,				/* 0x14 */
	};
	const uint32_t data = LI(A0, 7);

	setup_vm(1);
	poke(RAM, code, sizeof(code) / 4);
	poke(RAM + 0x80, &data, 1);
	/* Decode everything first: run from 0x10. */
	cr_assert_eq(run_to_ebreak(0, RAM + 0x10), 5);
	cr_assert_eq(run_to_ebreak(0, RAM), 7);
}

/*
 * A page that the store TLB maps (a data store hit it) becomes code: its
 * store entry must go, or the next store into the code would take the
 * TLB fast path and leave the decoded copy stale.
 */
ENGINE_TEST(vmm_hart_dcache, store_tlb_evicted_when_page_becomes_code)
{
	const uint32_t code[] = {
		AUIPC(T0),			/* 0x00: t0 = RAM */
		LUI(T2, 1),			/* 0x04 */
		ADD(T2, T0, T2),		/* 0x08: t2 = RAM + 0x1000 */
		LW(T1, T0, 0x80),		/* 0x0c: li a0, 2 */
		SW(T1, T2, 0x40),		/* 0x10: data store into page 1 */
		JALR(RA, T2, 0),		/* 0x14: Q: page 1 becomes code */
		SW(T1, T2, 0),			/* 0x18: rewrite Q */
		JALR(RA, T2, 0),		/* 0x1c: Q again */
		EBREAK,				/* 0x20 */
	};
	const uint32_t data = LI(A0, 2);

	setup_vm(1);
	poke(RAM, code, sizeof(code) / 4);
	poke(RAM + 0x80, &data, 1);
	poke(RAM + 0x1000, p_code, 2);
	cr_assert_eq(run_to_ebreak(0, RAM), 2);
}

/*
 * Another hart stores into a page this hart has decoded; this hart's
 * fence.i (ISA) or a remote FENCE.I from the vmm (SBI rfence) must make
 * the new code visible.
 */
ENGINE_TEST(vmm_hart_dcache, other_hart_store_then_fence_i)
{
	const uint32_t caller[] = {
		FENCE_I,			/* 0x00 */
		enc_jal(RA, P_OFF - 0x04),	/* 0x04 */
		EBREAK,				/* 0x08 */
	};
	const uint32_t writer[] = {
		AUIPC(T0),			/* 0x40: t0 = RAM + 0x40 */
		LW(T1, T0, 0x40),		/* 0x44: from RAM + 0x80 */
		SW(T1, T0, P_OFF - 0x40),	/* 0x48: rewrite P */
		EBREAK,				/* 0x4c */
	};
	const uint32_t data = LI(A0, 2);

	setup_vm(2);
	poke(RAM, caller, 3);
	poke(RAM + 0x40, writer, 4);
	poke(RAM + 0x80, &data, 1);
	poke(RAM + P_OFF, p_code, 2);
	cr_assert_eq(run_to_ebreak(0, RAM + 0x04), 1);	/* hart 0 decodes P */
	run_to_ebreak(1, RAM + 0x40);			/* hart 1 rewrites it */
	cr_assert_eq(run_to_ebreak(0, RAM), 2);		/* fence.i, P */
}

ENGINE_TEST(vmm_hart_dcache, other_hart_store_then_remote_fence)
{
	const uint32_t caller[] = {
		NOP,
		enc_jal(RA, P_OFF - 0x04),	/* 0x04 */
		EBREAK,				/* 0x08 */
	};
	const uint32_t writer[] = {
		AUIPC(T0),
		LW(T1, T0, 0x40),
		SW(T1, T0, P_OFF - 0x40),
		EBREAK,
	};
	const uint32_t data = LI(A0, 2);

	setup_vm(2);
	poke(RAM, caller, 3);
	poke(RAM + 0x40, writer, 4);
	poke(RAM + 0x80, &data, 1);
	poke(RAM + P_OFF, p_code, 2);
	cr_assert_eq(run_to_ebreak(0, RAM + 0x04), 1);
	run_to_ebreak(1, RAM + 0x40);
	cr_assert_eq(vm_remote_fence(vm, 0, VM_FENCE_I), 0);
	cr_assert_eq(run_to_ebreak(0, RAM + 0x04), 2);
}

/*
 * A 32-bit instruction straddling a page end, rewritten: it is fetched
 * from memory each time, and the pages on both sides stay coherent.
 */
ENGINE_TEST(vmm_hart_dcache, page_straddler)
{
	uint8_t *p;
	uint32_t li1 = LI(A0, 1), li9 = LI(A0, 9), ebreak = EBREAK;
	uint64_t at = RAM + 0x1000 - 2;

	setup_vm(1);
	p = vm_gpa2hva(vm, at, 8);
	cr_assert_not_null(p);
	memcpy(p, &li1, 4);
	memcpy(p + 4, &ebreak, 4);
	cr_assert_eq(run_to_ebreak(0, at), 1);
	memcpy(p, &li9, 4);
	vm_invalidate_code(vm, at, 4);
	cr_assert_eq(run_to_ebreak(0, at), 9);
}

/*
 * A debugger breakpoint on an instruction that is already decoded must
 * stop the vCPU before it executes (the engine leaves the decoded-cache
 * loop while any breakpoint is set), and removing it lets the decoded
 * code run on.
 */
ENGINE_TEST(vmm_hart_dcache, breakpoint_on_decoded_code)
{
	const uint32_t code[] = {
		LI(A0, 1),			/* 0x00 */
		ADDI(A0, A0, 1),		/* 0x04 */
		ADDI(A0, A0, 1),		/* 0x08 */
		EBREAK,				/* 0x0c */
	};
	struct vm_exit vme;
	uint64_t a0;

	setup_vm(1);
	poke(RAM, code, 4);
	cr_assert_eq(run_to_ebreak(0, RAM), 3);		/* all decoded */
	cr_assert_eq(vm_set_breakpoint(vm, RAM + 0x08, true), 0);
	cr_assert_eq(vm_set_register(vm, 0, VM_REG_PC, RAM), 0);
	memset(&vme, 0, sizeof(vme));
	cr_assert_eq(vm_run(vm_vcpu(vm, 0), &vme), 0);
	cr_assert_eq(vme.exitcode, VM_EXITCODE_BPT);
	cr_assert_not(vme.u.bpt.guest);
	cr_assert_eq(vme.pc, RAM + 0x08);
	cr_assert_eq(vm_get_register(vm, 0, VM_REG_X(A0), &a0), 0);
	cr_assert_eq(a0, 2);
	cr_assert_eq(vm_set_breakpoint(vm, RAM + 0x08, false), 0);
	memset(&vme, 0, sizeof(vme));
	cr_assert_eq(vm_run(vm_vcpu(vm, 0), &vme), 0);
	cr_assert_eq(vme.exitcode, VM_EXITCODE_BPT);
	cr_assert(vme.u.bpt.guest);
	cr_assert_eq(vm_get_register(vm, 0, VM_REG_X(A0), &a0), 0);
	cr_assert_eq(a0, 3);
}

/*
 * The second instruction of a fused pair (an ADDI feeding the next load's
 * base) is rewritten: the pair must not run with the old second half,
 * although only the second instruction's bytes changed.
 */
ENGINE_TEST(vmm_hart_dcache, rewrite_second_of_fused_pair)
{
	const uint32_t code[] = {
		AUIPC(S0),			/* 0x00: s0 = RAM */
		LW(T1, S0, 0x80),		/* 0x04: li a0, 5 */
		enc_jal(RA, 0x40 - 0x08),	/* 0x08: the pair once */
		SW(T1, S0, 0x44),		/* 0x0c: rewrite its load */
		enc_jal(RA, 0x40 - 0x10),	/* 0x10: the pair again */
		EBREAK,				/* 0x14 */
	};
	const uint32_t pair[] = {
		ADDI(T0, S0, 0x80),		/* 0x40: t0 = RAM + 0x80 */
		LW(A0, T0, 4),			/* 0x44: a0 = 0x1234 */
		RET,				/* 0x48 */
	};
	const uint32_t data[] = { LI(A0, 5), 0x1234 };
	uint64_t a0;

	setup_vm(1);
	poke(RAM, code, sizeof(code) / 4);
	poke(RAM + 0x40, pair, 3);
	poke(RAM + 0x80, data, 2);
	/* First the pair alone, so its first run is the fused one. */
	cr_assert_eq(vm_set_register(vm, 0, VM_REG_X(S0), RAM), 0);
	cr_assert_eq(vm_set_register(vm, 0, VM_REG_X(RA), RAM + 0x14), 0);
	cr_assert_eq(run_to_ebreak(0, RAM + 0x40), 0x1234);
	a0 = run_to_ebreak(0, RAM);
	cr_assert_eq(a0, 5);
}

/* A store to the upper half of a decoded 32-bit instruction. */
ENGINE_TEST(vmm_hart_dcache, rewrite_upper_half)
{
	const uint32_t code[] = {
		AUIPC(T0),			/* 0x00 */
		LI(T1, 0x0070),			/* 0x04: upper half of li a0, 7 */
		enc_s(0x23, 1, T0, T1, 0x12),	/* 0x08: sh t1, 0x12(t0) */
		EBREAK,				/* 0x0c */
		LI(A0, 1),			/* 0x10: X */
		EBREAK,				/* 0x14 */
	};

	setup_vm(1);
	poke(RAM, code, sizeof(code) / 4);
	cr_assert_eq(run_to_ebreak(0, RAM + 0x10), 1);	/* X decoded */
	run_to_ebreak(0, RAM);				/* rewrite */
	cr_assert_eq(run_to_ebreak(0, RAM + 0x10), 7);
}

/*
 * Data stores next to code on the same page (not overlapping it) keep
 * the code intact, and a store that does overlap is still seen.
 */
ENGINE_TEST(vmm_hart_dcache, data_next_to_code)
{
	const uint32_t code[] = {
		AUIPC(T0),			/* 0x00 */
		LI(A0, 0),			/* 0x04 */
		LI(T1, 100),			/* 0x08 */
		SW(T1, T0, 0x18),		/* 0x0c: data word right after */
		ADDI(A0, A0, 1),		/* 0x10 */
		EBREAK,				/* 0x14 */
		0,				/* 0x18: data */
	};

	setup_vm(1);
	poke(RAM, code, sizeof(code) / 4);
	cr_assert_eq(run_to_ebreak(0, RAM), 1);
	cr_assert_eq(run_to_ebreak(0, RAM), 1);
	cr_assert_eq(*(uint32_t *)vm_gpa2hva(vm, RAM + 0x18, 4), 100);
}

/*
 * More pages of code than the cache holds (DCACHE_MAX_PAGES, 512): a
 * chain of 700 pages, each adding 1 to a0 and jumping to the next, run
 * 3 times round; the cache evicts its older half whenever it fills, and
 * every round must count every page.  Then one page's code changes (a
 * debugger write) and the next round must see it, whether that page was
 * evicted or not.
 */
#define CHAIN_PAGES	700
#define CHAIN_AT	(RAM + 0x1000)

ENGINE_TEST(vmm_hart_dcache, more_pages_than_the_cache)
{
	const uint32_t hop[] = { ADDI(A0, A0, 1), J(4096 - 4) };
	const uint32_t last[] = { ADDI(A0, A0, 1), ADDI(T0, T0, -1),
	    BEQ(T0, X0, 8), JALR(X0, S1, 0), EBREAK };
	const uint32_t two = ADDI(A0, A0, 2);

	vm = engine_create_started(1, 4 << 20, RAM);
	for (int k = 0; k < CHAIN_PAGES - 1; k++)
		poke(CHAIN_AT + 4096 * (uint64_t)k, hop, 2);
	poke(CHAIN_AT + 4096 * (uint64_t)(CHAIN_PAGES - 1), last, 5);
	cr_assert_eq(vm_set_register(vm, 0, VM_REG_X(S1), CHAIN_AT), 0);
	cr_assert_eq(vm_set_register(vm, 0, VM_REG_X(T0), 3), 0);
	cr_assert_eq(vm_set_register(vm, 0, VM_REG_X(A0), 0), 0);
	cr_assert_eq(run_to_ebreak(0, CHAIN_AT), 3 * CHAIN_PAGES);

	poke(CHAIN_AT + 4096 * 600, &two, 1);
	vm_invalidate_code(vm, CHAIN_AT + 4096 * 600, 4);
	poke(CHAIN_AT + 4096 * 10, &two, 1);
	vm_invalidate_code(vm, CHAIN_AT + 4096 * 10, 4);
	cr_assert_eq(vm_set_register(vm, 0, VM_REG_X(T0), 2), 0);
	cr_assert_eq(vm_set_register(vm, 0, VM_REG_X(A0), 0), 0);
	cr_assert_eq(run_to_ebreak(0, CHAIN_AT), 2 * (CHAIN_PAGES + 2));
}

/*
 * A page of code that the guest then fills as data (a kernel recycling
 * a dead process's text page): after DCACHE_DATA_WRITES stores with no
 * run loop entering it, it stops being code, so that its stores take
 * the TLB's fast path again; run again, it is decoded afresh.
 */
ENGINE_TEST(vmm_hart_dcache, code_page_reused_for_data)
{
	const uint32_t code[] = {
		AUIPC(T0),			/* 0x00: t0 = RAM */
		LUI(T2, 1),			/* 0x04 */
		ADD(T2, T0, T2),		/* 0x08: t2 = RAM + 0x1000 */
		JALR(RA, T2, 0),		/* 0x0c: Q: page 1 is code */
		LW(T1, T0, 0x80),		/* 0x10: li a0, 3 */
		LI(T3, 1024),			/* 0x14 */
		ADDI(S1, T2, 0),		/* 0x18 */
		SW(T1, S1, 0),			/* 0x1c: fill page 1 */
		ADDI(S1, S1, 4),		/* 0x20 */
		ADDI(T3, T3, -1),		/* 0x24 */
		BNE(T3, X0, -12),		/* 0x28 */
		LW(T1, T0, 0x84),		/* 0x2c: ret */
		SW(T1, T2, 4),			/* 0x30 */
		JALR(RA, T2, 0),		/* 0x34: li a0, 3; ret */
		EBREAK,				/* 0x38 */
	};
	const uint32_t data[] = { LI(A0, 3), RET };
	struct vcpu_stats st;

	setup_vm(1);
	poke(RAM, code, sizeof(code) / 4);
	poke(RAM + 0x80, data, 2);
	poke(RAM + 0x1000, p_code, 2);
	cr_assert_eq(run_to_ebreak(0, RAM), 3);
	cr_assert_eq(vm_get_stats(vm, 0, &st), 0);
	cr_assert_eq(st.code_pages_reused, 1, "%lu pages reused",
	    (unsigned long)st.code_pages_reused);
}

/*
 * Code that keeps its data in its own page (a counter next to a loop)
 * stays code however many stores it takes: its run loop enters it.
 */
ENGINE_TEST(vmm_hart_dcache, data_in_code_page_stays_code)
{
	const uint32_t code[] = {
		AUIPC(T0),			/* 0x00 */
		LI(T3, 1000),			/* 0x04 */
		LI(A0, 0),			/* 0x08 */
		ADDI(A0, A0, 1),		/* 0x0c */
		SW(A0, T0, 0x100),		/* 0x10: the counter */
		ADDI(T3, T3, -1),		/* 0x14 */
		BNE(T3, X0, -12),		/* 0x18 */
		EBREAK,				/* 0x1c */
	};
	struct vcpu_stats st;

	setup_vm(1);
	poke(RAM, code, sizeof(code) / 4);
	cr_assert_eq(run_to_ebreak(0, RAM), 1000);
	cr_assert_eq(*(uint32_t *)vm_gpa2hva(vm, RAM + 0x100, 4), 1000);
	cr_assert_eq(vm_get_stats(vm, 0, &st), 0);
	cr_assert_eq(st.code_pages_reused, 0, "%lu pages reused",
	    (unsigned long)st.code_pages_reused);
}
