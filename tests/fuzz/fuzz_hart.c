/*
 * fuzz_hart.c - libFuzzer harness for the hart engine (vmm/hart/: the
 * decoder, the pre-decoded code cache, the software TLB and page-table
 * walker, CSRs, traps and privilege changes), the largest consumer of
 * untrusted input in rhyve: every instruction a guest runs.  Driven
 * through vmmapi only (vm_open_new, vm_set_register, vm_run).  Spec: The
 * RISC-V Instruction Set Manual, Volumes I (unprivileged) and II
 * (privileged: CSRs, traps, Sv39/48/57).
 *
 * Feeds: a header (see struct hdr_* below: flags, privilege level,
 * mstatus, satp, delegation, interrupt enables/pending, trap vectors,
 * arbitrary CSR writes, x registers, page-table entries written into a
 * 16 KiB page-table area so that satp can point at a real, fuzzed page
 * table), then code copied to the start of a 4 MiB guest RAM (guarded on
 * both sides).  The hart runs either one instruction per vm_run()
 * (VM_CAP_MTRAP_EXIT, at most MAX_EXITS exits: deterministic) or freely
 * until a watchdog thread calls vm_suspend_cpu() after about 1 ms (the
 * engine's fast paths), with VM_CAP_BPT_EXIT / WFI_EXIT / SBI_EXIT /
 * MASK_HWINTR chosen by the input.  MMIO exits are answered with an
 * access fault or with zero; ECALL exits with an SBI error.  Afterwards
 * a few addresses go through vm_gla2gpa (the debugger's walker) and
 * every register is read back.
 *
 * Asserts: no memory error or undefined behaviour in the engine, no host
 * access outside guest RAM (PROT_NONE + ASan-poisoned guards), no hang
 * (the run is bounded; libFuzzer's -timeout catches a vm_run() that
 * ignores the kick), vm_run() only reports exit codes it defines, an
 * MMIO exit never names guest RAM, a translated address of vm_gla2gpa
 * that lies in RAM maps, and the privilege level read back is M, S or U.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "vmmapi/vmmapi.h"

#include "fuzz_util.h"
#include "fuzz_watchdog.h"

#define RAM_SIZE	(UINT64_C(4) << 20)
#define CODE_MAX	0x10000			/* code at RAM base */
#define PT_OFF		UINT64_C(0x10000)	/* page-table area */
#define PT_SLOTS	2048			/* 4 tables of 512 PTEs */
#define MAX_EXITS	2000
#define MAX_CSRS	24
#define MAX_PTES	64
#define RUN_NS		1000000			/* free-running: 1 ms */

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Header flags. */
#define F_MTRAP		0x01	/* step: one instruction per vm_run */
#define F_MMIO_FAULT	0x02	/* MMIO exits fault instead of reading 0 */
#define F_BPT		0x04
#define F_WFI		0x08
#define F_SBI		0x10
#define F_MASK		0x20
#define F_VPC		0x40	/* pc is a raw 64-bit (virtual) address */

/* CSRs every input sets (then MAX_CSRS free-form ones). */
static const int fixed_csrs[] = {
	0x300,	/* mstatus */
	0x302,	/* medeleg */
	0x303,	/* mideleg */
	0x304,	/* mie */
	0x344,	/* mip */
	0x305,	/* mtvec */
	0x105,	/* stvec */
	0x341,	/* mepc */
	0x141,	/* sepc */
	0x30a,	/* menvcfg */
	0x306,	/* mcounteren */
	0x14d,	/* stimecmp */
};

/* ---- one input ---------------------------------------------------------- */

static void
run(struct vmctx *ctx, uint8_t flags)
{
	struct vm_exit vme;
	int n;

	if ((flags & F_MTRAP) == 0)
		fuzz_wd_arm(ctx, RUN_NS);
	for (n = 0; n < MAX_EXITS; n++) {
		if (vm_run(ctx, 0, &vme) != 0)
			break;
		CHECK(vme.exitcode >= 0 && vme.exitcode < VM_EXITCODE_MAX);
		switch (vme.exitcode) {
		case VM_EXITCODE_MMIO:
			CHECK(vme.u.mmio.size == 1 || vme.u.mmio.size == 2 ||
			    vme.u.mmio.size == 4 || vme.u.mmio.size == 8);
			/* RAM is never an MMIO access */
			CHECK(vme.u.mmio.gpa < VM_RAM_BASE ||
			    vme.u.mmio.gpa >= VM_RAM_BASE + RAM_SIZE);
			if (flags & F_MMIO_FAULT)
				vme.u.mmio.fault = true;
			else if (!vme.u.mmio.write)
				vme.u.mmio.data = 0;
			break;
		case VM_EXITCODE_ECALL:
			vme.u.ecall.ret[0] = (uint64_t)-2;	/* not supported */
			vme.u.ecall.ret[1] = 0;
			break;
		case VM_EXITCODE_DEBUG:		/* the watchdog's kick */
		case VM_EXITCODE_SUSPENDED:
			goto out;
		default:
			break;
		}
	}
out:
	fuzz_wd_disarm();
}

static void
check_after(struct vmctx *ctx, struct fuzz_in *in, uint8_t *ram)
{
	struct vcpu_info info;
	uint64_t v, gpa;
	int fault, i;

	CHECK(vm_get_register(ctx, 0, VM_REG_PRIV, &v) == 0);
	CHECK(v == PRV_M || v == PRV_S || v == PRV_U);
	for (i = 0; i <= 32; i++)
		CHECK(vm_get_register(ctx, 0, VM_REG_X(i), &v) == 0 || i == 0);
	for (i = 0; i < 4096; i += 7)
		(void)vm_get_register(ctx, 0, VM_REG_CSR(i), &v);
	CHECK(vm_get_vcpu_info(ctx, 0, &info) == 0);
	for (i = 0; i < 4; i++) {
		uint64_t gla = fuzz_take(in, 8);
		int prot = (int)(fuzz_take(in, 1) & 7);

		if (vm_gla2gpa(ctx, 0, gla, prot, &gpa, &fault) == 0 &&
		    !fault && gpa >= VM_RAM_BASE &&
		    gpa - VM_RAM_BASE < RAM_SIZE)
			CHECK(vm_map_gpa(ctx, gpa, 1) ==
			    ram + (gpa - VM_RAM_BASE));
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size }, tail;
	struct fuzz_guard g;
	struct vmctx *ctx;
	uint8_t *ram, flags, mode;
	uint64_t pc, satp, v;
	int priv, i, n;
	size_t code;

	fuzz_wd_start();
	if (size < 4)
		return 0;

	ctx = vm_open_new(1, RAM_SIZE);
	CHECK(ctx != NULL);
	ram = vm_map_gpa(ctx, VM_RAM_BASE, RAM_SIZE);
	CHECK(ram != NULL);
	fuzz_guard_ram(&g, ram, RAM_SIZE);
	CHECK(vm_activate_cpu(ctx, 0) == 0);

	flags = (uint8_t)fuzz_take(&in, 1);
	priv = (int)(fuzz_take(&in, 1) & 3);
	if (priv == 2)
		priv = PRV_S;
	pc = VM_RAM_BASE + (fuzz_take(&in, 2) & (CODE_MAX - 2));
	if (flags & F_VPC)
		pc = fuzz_take(&in, 8);
	CHECK(vm_hart_start(ctx, 0, pc, 0, 0, priv) == 0);
	vm_set_capability(ctx, 0, VM_CAP_MTRAP_EXIT, (flags & F_MTRAP) != 0);
	vm_set_capability(ctx, 0, VM_CAP_BPT_EXIT, (flags & F_BPT) != 0);
	vm_set_capability(ctx, 0, VM_CAP_WFI_EXIT, (flags & F_WFI) != 0);
	vm_set_capability(ctx, 0, VM_CAP_SBI_EXIT, (flags & F_SBI) != 0);
	vm_set_capability(ctx, 0, VM_CAP_MASK_HWINTR, (flags & F_MASK) != 0);

	/* satp: a mode (bare, Sv39, Sv48, Sv57 or raw) over the PT area */
	mode = (uint8_t)fuzz_take(&in, 1);
	satp = ((VM_RAM_BASE + PT_OFF) >> 12) + (mode >> 4 & 3);
	satp |= fuzz_take(&in, 2) << 44;		/* ASID */
	switch (mode & 7) {
	case 0: break;
	case 1: case 2: satp |= UINT64_C(8) << 60; break;
	case 3: case 4: satp |= UINT64_C(9) << 60; break;
	case 5: satp |= UINT64_C(10) << 60; break;
	default: satp = fuzz_take(&in, 8); break;
	}
	(void)vm_set_register(ctx, 0, VM_REG_CSR(0x180), satp);
	for (i = 0; i < (int)(sizeof(fixed_csrs) / sizeof(fixed_csrs[0]));
	    i++)
		(void)vm_set_register(ctx, 0, VM_REG_CSR(fixed_csrs[i]),
		    fuzz_take(&in, 8));
	n = (int)(fuzz_take(&in, 1) % (MAX_CSRS + 1));
	for (i = 0; i < n; i++) {
		int csr = (int)(fuzz_take(&in, 2) & 0xfff);

		(void)vm_set_register(ctx, 0, VM_REG_CSR(csr),
		    fuzz_take(&in, 8));
	}
	n = (int)(fuzz_take(&in, 1) % 32);
	for (i = 0; i < n; i++) {
		int r = (int)(fuzz_take(&in, 1) & 63);

		v = fuzz_take(&in, 8);
		if (r < 32)
			(void)vm_set_register(ctx, 0, VM_REG_X(r), v);
		else
			(void)vm_set_register(ctx, 0, VM_REG_F(r - 32), v);
	}
	n = (int)(fuzz_take(&in, 1) % (MAX_PTES + 1));
	for (i = 0; i < n; i++) {
		uint64_t slot = fuzz_take(&in, 2) % PT_SLOTS;

		v = fuzz_take(&in, 8);
		memcpy(ram + PT_OFF + 8 * slot, &v, 8);
	}
	/* the rest is code; its last 36 bytes double as gla2gpa probes */
	code = in.left < CODE_MAX ? in.left : CODE_MAX;
	memcpy(ram, in.p, code);
	tail = in;
	if (tail.left > 36) {
		tail.p += tail.left - 36;
		tail.left = 36;
	}

	run(ctx, flags);
	check_after(ctx, &tail, ram);

	fuzz_unguard_ram(&g);
	vm_close(ctx);
	return 0;
}
