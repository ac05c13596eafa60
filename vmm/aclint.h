/*
 * aclint.h - RISC-V ACLINT (MSWI + MTIMER) in SiFive CLINT layout, as
 * QEMU virt places it at 0x0200_0000: msip[hart] at 0x0000 + 4*hart,
 * mtimecmp[hart] at 0x4000 + 8*hart, mtime at 0xbff8.
 * Spec: https://github.com/riscv/riscv-aclint (ACLINT 1.0).
 */
#ifndef RHYVE_ACLINT_H
#define RHYVE_ACLINT_H

#include <stdbool.h>
#include <stdint.h>

struct vm;
struct aclint;

struct aclint *aclint_create(struct vm *vm, int ncpus);
void	aclint_destroy(struct aclint *a);
/*
 * Device reset (vm_reinit): msip and mtimecmp of every hart to 0 and
 * mtime to 0, as ACLINT 1.0 says of an MTIMER reset (mtime cleared;
 * mtimecmp "unknown", 0 here as at creation, masked by mie after a hart
 * reset anyway).  QEMU's aclint mtimer clears mtime on reset too.
 */
void	aclint_reset(struct aclint *a);
/*
 * One access at offset 'off' of the 64 KiB window.  Returns
 * VMM_MMIO_DONE or VMM_MMIO_FAULT (bad size/alignment).  Reads of
 * unmapped offsets return 0; writes to them are ignored.
 */
int	aclint_mmio(struct aclint *a, uint64_t off, int size, bool write,
	    uint64_t *val);

#endif
