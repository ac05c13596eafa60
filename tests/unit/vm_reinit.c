/*
 * vm_reinit.c - VM_REINIT (vmmapi's vm_reinit(), bhyve's VM_REINIT):
 * taking a suspended VM back to power-on state in place, as rhyve does
 * for a guest reset.  Through vmmapi only, on a real VM running a few
 * real guest instructions.  The contract under test is vmm_kern.h's:
 *
 *  - EBUSY unless the VM is suspended (a fresh VM, a running one);
 *    EINVAL for flags the request does not define;
 *  - after a POWEROFF or RESET suspend and vm_reinit(), vm_run() runs the
 *    guest again (no SUSPENDED exit);
 *  - no hart is started until vm_hart_start(); active_cpus is kept;
 *  - hart registers are back to power-on values (pc at RAM, M-mode,
 *    GPRs and CSRs such as mscratch cleared);
 *  - a pending MMIO completion of the old boot is dropped;
 *  - breakpoints and the debugged set (debug_cpus) are kept.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "vmmapi/vmmapi.h"

#define NCPUS		2
#define PROBE_GPA	UINT64_C(0x40000000)	/* nothing mapped there */
#define CSR_MSCRATCH	0x340

/*
 * At VM_RAM_BASE:
 *	+0  lui t0, 0x40000		t0 = PROBE_GPA
 *	+4  lw t1, 0(t0)		exits: MMIO read
 *	+8  sw t1, 0(t0)		exits: MMIO write of what was read
 *	+12 j .-12			back to +0
 */
static const uint32_t code[] = {
	0x400002b7, 0x0002a303, 0x0062a023, 0xff5ff06f,
};

static struct vmctx *ctx;

static void
setup(void)
{
	void *ram;

	ctx = vm_open_new(NCPUS, 16u << 20);
	cr_assert_not_null(ctx, "vm_open_new: %s", strerror(errno));
	ram = vm_map_gpa(ctx, VM_RAM_BASE, sizeof(code));
	cr_assert_not_null(ram);
	memcpy(ram, code, sizeof(code));
	for (int i = 0; i < NCPUS; i++)
		cr_assert_eq(vm_activate_cpu(ctx, i), 0);
}

static void
teardown(void)
{
	vm_close(ctx);
	ctx = NULL;
}

TestSuite(vm_reinit, .init = setup, .fini = teardown, .timeout = 20);

static uint64_t
reg(int vcpu, int r)
{
	uint64_t v;

	cr_assert_eq(vm_get_register(ctx, vcpu, r, &v), 0, "%s",
	    strerror(errno));
	return v;
}

static void
start(int vcpu)
{
	cr_assert_eq(vm_hart_start(ctx, vcpu, VM_RAM_BASE, (uint64_t)vcpu, 0,
	    PRV_M), 0, "vm_hart_start: %s", strerror(errno));
}

/* Run vCPU 0 to its next exit, which must be 'exitcode'. */
static void
run_expect(struct vm_exit *vme, int exitcode)
{
	cr_assert_eq(vm_run(ctx, 0, vme), 0, "vm_run: %s", strerror(errno));
	cr_assert_eq(vme->exitcode, exitcode, "exit %d, want %d",
	    vme->exitcode, exitcode);
}

/* Suspend the VM 'how' and see vCPU 0 leave vm_run() for it. */
static void
suspend(int how, struct vm_exit *vme)
{
	cr_assert_eq(vm_suspend(ctx, how, 0, 0), 0);
	run_expect(vme, VM_EXITCODE_SUSPENDED);
	cr_assert_eq(vme->u.suspended.how, how);
}

static void
reinit(void)
{
	cr_assert_eq(vm_reinit(ctx), 0, "vm_reinit: %s", strerror(errno));
}

Test(vm_reinit, ebusy_unless_suspended)
{
	struct vm_exit vme;

	/* A fresh VM. */
	cr_assert_eq(vm_reinit(ctx), -1);
	cr_assert_eq(errno, EBUSY);
	/* A running one. */
	start(0);
	memset(&vme, 0, sizeof(vme));
	run_expect(&vme, VM_EXITCODE_MMIO);
	cr_assert_eq(vm_reinit(ctx), -1);
	cr_assert_eq(errno, EBUSY);
	/* And the refusal changed nothing: the guest goes on. */
	cr_assert_eq(reg(0, VM_REG_PC), VM_RAM_BASE + 4);
	run_expect(&vme, VM_EXITCODE_MMIO);
	cr_assert(vme.u.mmio.write);
}

Test(vm_reinit, unknown_flags_einval)
{
	struct vm_reinit ri = { .flags = 1 };
	struct vm_exit vme;

	start(0);
	memset(&vme, 0, sizeof(vme));
	suspend(VM_SUSPEND_POWEROFF, &vme);
	cr_assert_eq(vm_ioctl(ctx, VM_REINIT, &ri), -1);
	cr_assert_eq(errno, EINVAL);
	/* Still suspended: nothing was done. */
	run_expect(&vme, VM_EXITCODE_SUSPENDED);
}

static void
runs_again_after(int how)
{
	struct vm_exit vme;
	cpuset_t set;

	start(0);
	start(1);
	memset(&vme, 0, sizeof(vme));
	run_expect(&vme, VM_EXITCODE_MMIO);
	suspend(how, &vme);
	reinit();

	cr_assert_eq(vm_started_cpus(ctx, &set), 0);
	cr_assert(cpuset_empty(&set), "harts started before vm_hart_start");
	cr_assert_eq(vm_active_cpus(ctx, &set), 0);
	cr_assert(cpuset_isset(0, &set) && cpuset_isset(1, &set),
	    "active_cpus not kept");

	start(0);
	cr_assert_eq(vm_started_cpus(ctx, &set), 0);
	cr_assert(cpuset_isset(0, &set) && !cpuset_isset(1, &set));
	memset(&vme, 0, sizeof(vme));
	run_expect(&vme, VM_EXITCODE_MMIO);
	cr_assert_eq(vme.pc, VM_RAM_BASE + 4);
	cr_assert_not(vme.u.mmio.write);
	cr_assert_eq(vme.u.mmio.gpa, PROBE_GPA);
	/* A second suspend and reinit works the same. */
	suspend(how, &vme);
	reinit();
	start(0);
	run_expect(&vme, VM_EXITCODE_MMIO);
	cr_assert_eq(vme.pc, VM_RAM_BASE + 4);
}

Test(vm_reinit, runs_again_after_poweroff)
{
	runs_again_after(VM_SUSPEND_POWEROFF);
}

Test(vm_reinit, runs_again_after_reset)
{
	runs_again_after(VM_SUSPEND_RESET);
}

Test(vm_reinit, registers_reset)
{
	struct vm_exit vme;

	start(1);
	cr_assert_eq(vm_set_register(ctx, 1, VM_REG_X(5), 0x1234), 0);
	cr_assert_eq(vm_set_register(ctx, 1, VM_REG_X(31), 0x5678), 0);
	cr_assert_eq(vm_set_register(ctx, 1, VM_REG_CSR(CSR_MSCRATCH), 0xabc),
	    0);
	cr_assert_eq(vm_set_register(ctx, 1, VM_REG_PC, VM_RAM_BASE + 0x100),
	    0);
	cr_assert_eq(vm_set_register(ctx, 1, VM_REG_PRIV, PRV_S), 0);
	memset(&vme, 0, sizeof(vme));
	cr_assert_eq(vm_suspend(ctx, VM_SUSPEND_RESET, 1, 0), 0);
	reinit();

	cr_assert_eq(reg(1, VM_REG_PC), VM_RAM_BASE);
	cr_assert_eq(reg(1, VM_REG_PRIV), PRV_M);
	cr_assert_eq(reg(1, VM_REG_X(5)), 0);
	cr_assert_eq(reg(1, VM_REG_X(31)), 0);
	cr_assert_eq(reg(1, VM_REG_CSR(CSR_MSCRATCH)), 0);
}

/*
 * The old boot left an MMIO read pending (lw t1 at +4).  Its completion
 * must not land in the new boot: were it applied, t1 would be 0xdead and
 * the next exit would be the store at +8.
 */
Test(vm_reinit, pending_mmio_dropped)
{
	struct vm_exit vme;

	start(0);
	memset(&vme, 0, sizeof(vme));
	run_expect(&vme, VM_EXITCODE_MMIO);
	cr_assert_eq(vme.pc, VM_RAM_BASE + 4);
	cr_assert_eq(vm_suspend(ctx, VM_SUSPEND_RESET, 0, 0), 0);
	reinit();
	start(0);
	vme.u.mmio.data = 0xdead;
	run_expect(&vme, VM_EXITCODE_MMIO);
	cr_assert_eq(vme.pc, VM_RAM_BASE + 4, "pc %#lx",
	    (unsigned long)vme.pc);
	cr_assert_not(vme.u.mmio.write);
	cr_assert_neq(reg(0, VM_REG_X(6)), 0xdead);
}

Test(vm_reinit, breakpoints_kept)
{
	struct vm_exit vme;

	cr_assert_eq(vm_set_breakpoint(ctx, VM_RAM_BASE + 8, true), 0);
	start(0);
	memset(&vme, 0, sizeof(vme));
	run_expect(&vme, VM_EXITCODE_MMIO);		/* the lw */
	run_expect(&vme, VM_EXITCODE_BPT);		/* before the sw */
	cr_assert_eq(vme.pc, VM_RAM_BASE + 8);
	suspend(VM_SUSPEND_RESET, &vme);
	reinit();

	/* Still there: inserting it again is a duplicate. */
	cr_assert_eq(vm_set_breakpoint(ctx, VM_RAM_BASE + 8, true), -1);
	cr_assert_eq(errno, EEXIST);
	start(0);
	memset(&vme, 0, sizeof(vme));
	run_expect(&vme, VM_EXITCODE_MMIO);
	run_expect(&vme, VM_EXITCODE_BPT);
	cr_assert_eq(vme.pc, VM_RAM_BASE + 8);
	cr_assert_not(vme.u.bpt.guest);
}

Test(vm_reinit, debug_cpus_kept)
{
	struct vm_exit vme;
	cpuset_t set;

	start(0);
	cr_assert_eq(vm_suspend_cpu(ctx, 0), 0);
	memset(&vme, 0, sizeof(vme));
	run_expect(&vme, VM_EXITCODE_DEBUG);
	/* The suspend is seen before the debugger's hold. */
	suspend(VM_SUSPEND_RESET, &vme);
	reinit();

	cr_assert_eq(vm_debug_cpus(ctx, &set), 0);
	cr_assert(cpuset_isset(0, &set) && !cpuset_isset(1, &set),
	    "debug_cpus not kept");
	start(0);
	run_expect(&vme, VM_EXITCODE_DEBUG);
	cr_assert_eq(reg(0, VM_REG_PC), VM_RAM_BASE, "ran while debugged");
	cr_assert_eq(vm_resume_cpu(ctx, 0), 0);
	run_expect(&vme, VM_EXITCODE_MMIO);
	cr_assert_eq(vme.pc, VM_RAM_BASE + 4);
}
