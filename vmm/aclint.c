/*
 * aclint.c - RISC-V ACLINT MSWI + MTIMER in the SiFive CLINT layout QEMU
 * virt uses at 0x0200_0000 (see aclint.h).  The state lives in the vmm
 * (mip_ext lines, mtimecmp, the VM time base); this file only decodes
 * the register window.  Spec: riscv-aclint 1.0.
 */
#include <stdlib.h>

#include "aclint.h"
#include "vmm_hart.h"
#include "vmm_intr.h"

#define ACLINT_MSIP		0x0000
#define ACLINT_MTIMECMP		0x4000
#define ACLINT_MTIME		0xbff8

struct aclint {
	struct vm	*vm;		/* (i) */
	int		 ncpus;		/* (i) */
};

struct aclint *
aclint_create(struct vm *vm, int ncpus)
{
	struct aclint *a = calloc(1, sizeof(*a));

	if (a != NULL) {
		a->vm = vm;
		a->ncpus = ncpus;
	}
	return a;
}

void
aclint_destroy(struct aclint *a)
{
	free(a);
}

void
aclint_reset(struct aclint *a)
{
	for (int h = 0; h < a->ncpus; h++) {
		vmm_set_mip_ext(a->vm, h, MIP_MSIP, false);
		vmm_set_mtimecmp(a->vm, h, 0);
	}
	vmm_set_mtime(a->vm, 0);
}

/* Read-modify-write of a 32-bit half of a 64-bit register. */
static uint64_t
merge(uint64_t old, uint64_t off, int size, uint64_t val)
{
	if (size == 8)
		return val;
	if (off & 4)
		return (old & 0xffffffff) | (val << 32);
	return (old & ~UINT64_C(0xffffffff)) | (val & 0xffffffff);
}

int
aclint_mmio(struct aclint *a, uint64_t off, int size, bool write, uint64_t *val)
{
	if ((size != 4 && size != 8) || (off & (uint64_t)(size - 1)))
		return VMM_MMIO_FAULT;
	if (off < ACLINT_MTIMECMP) {			/* MSWI */
		uint64_t hart = off / 4;

		if (size != 4)
			return VMM_MMIO_FAULT;
		if (hart >= (uint64_t)a->ncpus) {
			if (!write)
				*val = 0;
			return VMM_MMIO_DONE;
		}
		if (write)
			vmm_set_mip_ext(a->vm, (int)hart, MIP_MSIP, *val & 1);
		else
			*val = (vmm_get_mip_ext(a->vm, (int)hart) & MIP_MSIP) ? 1 : 0;
		return VMM_MMIO_DONE;
	}
	if (off >= ACLINT_MTIME) {			/* mtime */
		uint64_t t = vmm_mtime(a->vm);

		if (write)
			vmm_set_mtime(a->vm, merge(t, off, size, *val));
		else
			*val = size == 8 ? t : (uint32_t)(t >> ((off & 4) * 8));
		return VMM_MMIO_DONE;
	}
	{						/* mtimecmp */
		uint64_t hart = (off - ACLINT_MTIMECMP) / 8, cmp;

		if (hart >= (uint64_t)a->ncpus) {
			if (!write)
				*val = 0;
			return VMM_MMIO_DONE;
		}
		cmp = vmm_get_mtimecmp(a->vm, (int)hart);
		if (write)
			vmm_set_mtimecmp(a->vm, (int)hart, merge(cmp, off, size, *val));
		else
			*val = size == 8 ? cmp : (uint32_t)(cmp >> ((off & 4) * 8));
	}
	return VMM_MMIO_DONE;
}
