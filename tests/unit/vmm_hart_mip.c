/*
 * White-box tests of mip as the hart's CSR instructions see it: a read
 * returns the software-writable bits ORed with the interrupt lines, but
 * CSRRS/CSRRC modify the software bits alone (priv 1.12, 3.1.9).  Getting
 * this wrong latched the PLIC's SEIP line whenever OpenSBI set mip.SSIP
 * for an IPI, and Linux SMP hung (conc_plic.c tests the same under load).
 * Every test runs on both engines (vmm_engines.h).
 */
#include <stdint.h>
#include <string.h>

#include <criterion/criterion.h>

#include "vmm/vmm.h"
#include "vmm/vmm_intr.h"
#include "vmm/vmm_kern.h"

#include "rv_encode.h"
#include "vmm_engines.h"

#define RAM		UINT64_C(0x80000000)
#define CSR_MIP		0x344
#define CSR_SIP		0x144
#define MIP_SSIP	(UINT64_C(1) << 1)
#define MIP_SEIP	(UINT64_C(1) << 9)

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

/* Run 'code' (ending in ebreak) in M-mode with mie = 0; return a0. */
static uint64_t
run(const uint32_t *code, size_t n)
{
	void *p = vm_gpa2hva(vm, RAM, n * 4);
	struct vm_exit vme;
	uint64_t a0;

	cr_assert_not_null(p);
	memcpy(p, code, n * 4);
	vm_invalidate_code(vm, RAM, n * 4);
	cr_assert_eq(vm_set_register(vm, 0, VM_REG_PC, RAM), 0);
	memset(&vme, 0, sizeof(vme));
	cr_assert_eq(vm_run(vm_vcpu(vm, 0), &vme), 0);
	cr_assert_eq(vme.exitcode, VM_EXITCODE_BPT, "exit %d at %#lx",
	    vme.exitcode, (unsigned long)vme.pc);
	cr_assert_eq(vm_get_register(vm, 0, VM_REG_X(A0), &a0), 0);
	return a0;
}

static const uint32_t read_mip[] = { CSRR(A0, CSR_MIP), EBREAK };

/* Each test twice, on the interpreter and on the JIT (vmm_engines.h). */
#define ENGINE_SETUP	setup
TestSuite(vmm_hart_mip, .fini = teardown);

ENGINE_TEST(vmm_hart_mip, read_ors_the_line)
{
	vmm_set_mip_ext(vm, 0, MIP_SEIP, true);
	cr_assert(run(read_mip, 2) & MIP_SEIP);
	cr_assert(run((const uint32_t[]){ CSRR(A0, CSR_SIP), EBREAK }, 2) == 0,
	    "sip shows only delegated interrupts (none here)");
	vmm_set_mip_ext(vm, 0, MIP_SEIP, false);
	cr_assert_eq(run(read_mip, 2) & MIP_SEIP, 0);
}

/* OpenSBI's IPI path: csr_set(mip, SSIP) while a disk interrupt pends. */
ENGINE_TEST(vmm_hart_mip, set_does_not_latch_the_line)
{
	const uint32_t set_ssip[] = { CSRRSI(X0, CSR_MIP, 2), EBREAK };

	vmm_set_mip_ext(vm, 0, MIP_SEIP, true);
	run(set_ssip, 2);
	vmm_set_mip_ext(vm, 0, MIP_SEIP, false);
	cr_assert_eq(run(read_mip, 2) & (MIP_SEIP | MIP_SSIP), MIP_SSIP,
	    "SEIP stays pending after the line fell");
}

ENGINE_TEST(vmm_hart_mip, clear_does_not_latch_the_line)
{
	const uint32_t set_ssip[] = { CSRRSI(X0, CSR_MIP, 2), EBREAK };
	const uint32_t clear_ssip[] = { CSRRCI(X0, CSR_MIP, 2), EBREAK };

	run(set_ssip, 2);
	vmm_set_mip_ext(vm, 0, MIP_SEIP, true);
	run(clear_ssip, 2);
	vmm_set_mip_ext(vm, 0, MIP_SEIP, false);
	cr_assert_eq(run(read_mip, 2) & (MIP_SEIP | MIP_SSIP), 0);
}

/* The software-writable SEIP bit itself still works, beside the line. */
ENGINE_TEST(vmm_hart_mip, software_seip)
{
	const uint32_t set_seip[] = {
		ADDI(T0, X0, 0x200), CSRRS(X0, CSR_MIP, T0), EBREAK
	};
	const uint32_t clear_seip[] = {
		ADDI(T0, X0, 0x200), CSRRC(X0, CSR_MIP, T0), EBREAK
	};

	run(set_seip, 3);
	cr_assert(run(read_mip, 2) & MIP_SEIP);
	vmm_set_mip_ext(vm, 0, MIP_SEIP, true);
	vmm_set_mip_ext(vm, 0, MIP_SEIP, false);
	cr_assert(run(read_mip, 2) & MIP_SEIP, "the line took the bit away");
	run(clear_seip, 3);
	cr_assert_eq(run(read_mip, 2) & MIP_SEIP, 0);
}
