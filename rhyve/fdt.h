/*
 * fdt.h - the flattened device tree rhyve hands to the guest: the tree
 * QEMU's riscv64 "virt" machine builds (hw/riscv/virt.c), restricted to
 * what rhyve emulates (no PCI, flash, fw_cfg, platform bus or PMU).
 * Format: Devicetree Specification v0.4, RISC-V bindings in Linux's
 * Documentation/devicetree/bindings/riscv/.
 */
#ifndef RHYVE_FDT_H
#define RHYVE_FDT_H

#include <stddef.h>
#include <stdint.h>

struct fdt_config {
	int		 ncpus;		/* 1..VM_MAXCPU */
	uint64_t	 ram_size;	/* bytes at VIRT_DRAM_BASE */
	const char	*bootargs;	/* /chosen/bootargs, or NULL / "" for none */
	uint64_t	 initrd_start, initrd_end;	/* 0,0 = none */
	/*
	 * bit n set: a device on virtio-mmio slot n.  As QEMU does, all
	 * VIRT_VIRTIO_COUNT transports are described whether populated or
	 * not (an empty slot reads DeviceID 0 and the guest skips it), so
	 * this only has to name valid slots.
	 */
	uint32_t	 virtio_slots;
};

/*
 * Build the tree for 'cfg'.  On success *blobp is a malloc'ed blob (the
 * caller frees it) and *sizep its fdt_totalsize(), which includes some
 * free space (FDT_SLACK) so that firmware (OpenSBI, U-Boot) can add
 * nodes in place.  Returns 0, or -1 after printing one line to stderr
 * (bad configuration, out of memory).
 */
#define FDT_SLACK	8192

int	fdt_build(const struct fdt_config *cfg, void **blobp, size_t *sizep);

#endif
