/*
 * sifive_test.c - SiFive's "test finisher" (compatible "sifive,test1"),
 * as QEMU's virt machine has it (QEMU hw/misc/sifive_test.c): a write
 * whose low 16 bits are PASS (0x5555) powers off, FAIL (0x3333) powers
 * off reporting the failure code in bits 31:16, RESET (0x7777) reboots.
 * Other values are ignored and reads return 0.  Each outcome becomes a
 * vm_suspend() of the VM; the first suspend wins (vmm's rule).
 */
#include <stdio.h>
#include <string.h>

#include "devices.h"
#include "mem.h"
#include "virt.h"
#include "vmmapi/vmmapi.h"

/* Stateless: the only state is the VM it suspends, set once at init. */
static struct vmctx *test_ctx;

static int
sifive_test_mmio(void *arg, int vcpu, bool write, uint64_t off, int size,
    uint64_t *val)
{
	struct vmctx *ctx = arg;
	uint32_t v;

	(void)size;
	if (!write) {
		*val = 0;
		return 0;
	}
	if (off != 0)
		return 0;
	v = (uint32_t)*val;
	switch (v & 0xffff) {
	case SIFIVE_TEST_PASS:
		(void)vm_suspend(ctx, VM_SUSPEND_POWEROFF, vcpu, 0);
		break;
	case SIFIVE_TEST_FAIL:
		(void)vm_suspend(ctx, VM_SUSPEND_HALT, vcpu, v >> 16);
		break;
	case SIFIVE_TEST_RESET:
		(void)vm_suspend(ctx, VM_SUSPEND_RESET, vcpu, 0);
		break;
	default:
		break;
	}
	return 0;
}

int
sifive_test_init(struct vmctx *ctx, uint64_t base)
{
	struct mmio_range r;

	test_ctx = ctx;
	memset(&r, 0, sizeof(r));
	r.name = "sifive_test";
	r.base = base;
	r.size = VIRT_TEST_SIZE;
	r.handler = sifive_test_mmio;
	r.arg = test_ctx;
	if (mmio_register(&r) != 0) {
		fprintf(stderr, "rhyve: sifive_test: window at %#jx is taken\n",
		    (uintmax_t)base);
		return -1;
	}
	return 0;
}
