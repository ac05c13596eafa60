/*
 * machine.h - assembling and running the virt machine (machine.c), as
 * main.c, the devices and the debug server see it.
 */
#ifndef RHYVE_MACHINE_H
#define RHYVE_MACHINE_H

#include <stdint.h>

struct rhyve_options;

/*
 * Assemble the machine 'o' describes (VM, images, device tree, devices,
 * debug server), run one thread per vCPU until the guest powers off or
 * fails or machine_request_exit() is called, tear everything down and
 * return the exit status:
 *	0	guest poweroff (sifive_test PASS, SBI SRST shutdown), a reset
 *		with -no-reboot, or -dumpdtb done;
 *	1-255	guest failure (sifive_test FAIL): the code's low 8 bits, or
 *		1 if those are 0;
 *	1	setup error (one line on stderr already printed);
 *	128+N	terminated by signal N (SIGINT, SIGTERM, SIGHUP), disks
 *		flushed;
 *	else	whatever machine_request_exit() asked for.
 * A guest reset reboots: the VM is rebuilt and the images reloaded.
 * Call it from the main thread, once at a time.
 */
int	machine_run(const struct rhyve_options *o);

/*
 * End rhyve with exit status 'status' (the first request wins): every
 * vCPU leaves vm_run(), disks are flushed and closed, the terminal is
 * restored, then the process exits.  Safe from any thread (console
 * Ctrl-A x, the debugger's kill, a signal-handling thread); returns at
 * once, the main thread does the work.
 */
void	machine_request_exit(int status);

/*
 * Boot conventions, exposed for the tests.  The device tree goes at the
 * top of RAM, aligned down to 2 MiB (QEMU's riscv_compute_fdt_addr); a
 * raw kernel after firmware goes at the firmware's end aligned up to 2 MiB
 * (riscv_calc_kernel_start_addr); the initrd at kernel entry + min(RAM/2,
 * 128 MiB) (riscv_load_initrd).
 */
uint64_t machine_fdt_addr(uint64_t ram_size, uint64_t fdt_size);
uint64_t machine_kernel_addr_after(uint64_t firmware_end);
uint64_t machine_initrd_addr(uint64_t kernel_entry, uint64_t ram_size);

/* OpenSBI's struct fw_dynamic_info (include/sbi/fw_dynamic.h), version 2. */
#define FW_DYNAMIC_INFO_MAGIC	UINT64_C(0x4942534f)	/* "OSBI" */
#define FW_DYNAMIC_INFO_VERSION	2
struct fw_dynamic_info {
	uint64_t	magic;
	uint64_t	version;
	uint64_t	next_addr;	/* where the next stage starts */
	uint64_t	next_mode;	/* 1: S-mode */
	uint64_t	options;
	uint64_t	boot_hart;
};

#endif
