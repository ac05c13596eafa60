/*
 * virt.h - the machine rhyve assembles: QEMU riscv64 "virt"'s memory map,
 * interrupt numbers and boot conventions (QEMU hw/riscv/virt.c), so guests
 * built for qemu-system-riscv64 -M virt run unchanged.  The vmm fixes RAM,
 * the ACLINT and the PLIC (vmm/vmm.h); userland owns everything else here.
 */
#ifndef RHYVE_VIRT_H
#define RHYVE_VIRT_H

#include "../vmm/vmm.h"

#define VIRT_TEST_BASE		UINT64_C(0x00100000)	/* sifive_test: poweroff/reboot */
#define VIRT_TEST_SIZE		UINT64_C(0x1000)
#define VIRT_RTC_BASE		UINT64_C(0x00101000)	/* goldfish RTC */
#define VIRT_RTC_SIZE		UINT64_C(0x1000)
#define VIRT_UART0_BASE		UINT64_C(0x10000000)	/* NS16550A */
#define VIRT_UART0_SIZE		UINT64_C(0x100)
#define VIRT_VIRTIO_BASE	UINT64_C(0x10001000)	/* virtio-mmio slot 0 */
#define VIRT_VIRTIO_SIZE	UINT64_C(0x1000)	/* per slot */
#define VIRT_VIRTIO_COUNT	8

#define VIRT_CLINT_BASE		VM_ACLINT_BASE
#define VIRT_CLINT_SIZE		VM_ACLINT_SIZE
#define VIRT_PLIC_BASE		VM_PLIC_BASE
#define VIRT_PLIC_SIZE		VM_PLIC_SIZE
#define VIRT_DRAM_BASE		VM_RAM_BASE

/* PLIC sources. */
#define VIRT_VIRTIO_IRQ		1	/* slot n uses VIRT_VIRTIO_IRQ + n */
#define VIRT_UART0_IRQ		10
#define VIRT_RTC_IRQ		11

/* sifive_test command codes (low 16 bits of the write). */
#define SIFIVE_TEST_FAIL	0x3333	/* code in bits 31:16 */
#define SIFIVE_TEST_PASS	0x5555
#define SIFIVE_TEST_RESET	0x7777

#endif
