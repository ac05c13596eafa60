/*
 * vm_breakpoint.c - the vmm's breakpoint contract (vmm_kern.h), through
 * vmmapi on a real VM running real guest instructions:
 *
 *  - a breakpoint exits VM_EXITCODE_BPT before the instruction at its pc
 *    executes, and never touches guest memory;
 *  - the next entry at that pc passes it once, so the instruction runs
 *    (how a debugger continues from a breakpoint it reported);
 *  - a pc write cancels that pass: a debugger that never reported the
 *    hit (it removed the breakpoint meanwhile, then put it back) or that
 *    moved the vCPU gets the stop again.  Without this, GDB's software
 *    single-step lost a stop when two harts hit its step breakpoint
 *    together (the second hit is dropped once the breakpoint goes).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "vmmapi/vmmapi.h"

/*
 * At VM_RAM_BASE:
 *	+0  addi a0, a0, 1
 *	+4  addi a1, a1, 1		<- the breakpoint
 *	+8  j .-8
 */
static const uint32_t code[] = { 0x00150513, 0x00158593, 0xff9ff06f };
#define BP	(VM_RAM_BASE + 4)

static struct vmctx *ctx;

static void
setup(void)
{
	void *ram;

	ctx = vm_open_new(1, 16u << 20);
	cr_assert_not_null(ctx, "vm_open_new: %s", strerror(errno));
	ram = vm_map_gpa(ctx, VM_RAM_BASE, sizeof(code));
	cr_assert_not_null(ram);
	memcpy(ram, code, sizeof(code));
	cr_assert_eq(vm_activate_cpu(ctx, 0), 0);
	cr_assert_eq(vm_hart_start(ctx, 0, VM_RAM_BASE, 0, 0, PRV_M), 0);
	cr_assert_eq(vm_set_breakpoint(ctx, BP, true), 0);
}

static void
teardown(void)
{
	vm_close(ctx);
	ctx = NULL;
}

TestSuite(vm_breakpoint, .init = setup, .fini = teardown, .timeout = 20);

static uint64_t
reg(int r)
{
	uint64_t v;

	cr_assert_eq(vm_get_register(ctx, 0, r, &v), 0, "%s", strerror(errno));
	return v;
}

/* Run to the next exit, which must be the breakpoint; returns a1 there. */
static uint64_t
run_to_bp(void)
{
	struct vm_exit vme;

	memset(&vme, 0, sizeof(vme));
	cr_assert_eq(vm_run(ctx, 0, &vme), 0, "%s", strerror(errno));
	cr_assert_eq(vme.exitcode, VM_EXITCODE_BPT, "exit %d", vme.exitcode);
	cr_assert_not(vme.u.bpt.guest);
	cr_assert_eq(vme.pc, BP);
	cr_assert_eq(reg(VM_REG_PC), BP);
	return reg(VM_REG_X(11));
}

Test(vm_breakpoint, stops_before_the_instruction_and_leaves_memory_alone)
{
	uint32_t *ram = vm_map_gpa(ctx, VM_RAM_BASE, sizeof(code));

	cr_assert_eq(run_to_bp(), 0, "the instruction under it ran");
	cr_assert_eq(reg(VM_REG_X(10)), 1);
	cr_assert_eq(memcmp(ram, code, sizeof(code)), 0);
}

Test(vm_breakpoint, the_next_entry_passes_it_once)
{
	cr_assert_eq(run_to_bp(), 0);
	/* once around the loop: the instruction ran, then the stop again */
	cr_assert_eq(run_to_bp(), 1);
	cr_assert_eq(reg(VM_REG_X(10)), 2);
}

Test(vm_breakpoint, a_pc_write_cancels_the_pass)
{
	cr_assert_eq(run_to_bp(), 0);
	/* the debugger drops the hit unreported: it writes the pc back */
	cr_assert_eq(vm_set_register(ctx, 0, VM_REG_PC, BP), 0);
	cr_assert_eq(run_to_bp(), 0, "passed the breakpoint after a pc write");
	cr_assert_eq(reg(VM_REG_X(10)), 1, "ran anything before stopping");
}

Test(vm_breakpoint, removed_and_put_back_without_a_pc_write_still_passes)
{
	/* documents the pass: it follows the exit, not the breakpoint list */
	cr_assert_eq(run_to_bp(), 0);
	cr_assert_eq(vm_set_breakpoint(ctx, BP, false), 0);
	cr_assert_eq(vm_set_breakpoint(ctx, BP, true), 0);
	cr_assert_eq(run_to_bp(), 1);
}
