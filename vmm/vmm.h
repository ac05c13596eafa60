/*
 * vmm.h - types shared across the vmm/userland boundary (bhyve's
 * <machine/vmm.h>): exit codes and the vm_exit record, capabilities,
 * register numbers, vCPU states.  No functions live here; the kernel side
 * is in vmm_kern.h and userland talks through vmmapi/.
 */
#ifndef RHYVE_VMM_H
#define RHYVE_VMM_H

#include <stdbool.h>
#include <stdint.h>

#include "cpuset.h"

/* Guest-physical layout fixed by the vmm (QEMU virt's). */
#define VM_RAM_BASE		UINT64_C(0x80000000)
#define VM_ACLINT_BASE		UINT64_C(0x02000000)
#define VM_ACLINT_SIZE		UINT64_C(0x00010000)
#define VM_PLIC_BASE		UINT64_C(0x0c000000)
#define VM_PLIC_SIZE		UINT64_C(0x00600000)	/* covers 2 contexts x 1024 harts' worth of windows we use */
#define VM_PLIC_NSOURCES	96			/* QEMU virt: VIRT_IRQCHIP_NUM_SOURCES */
#define VM_MTIME_HZ		10000000		/* 10 MHz, as QEMU virt */
/*
 * Or'ed into vm_irq_set()'s level: the source's PLIC gateway behaves as
 * QEMU's does (plic.h), for devices whose guests rely on it.
 */
#define VM_IRQ_LATCHED		0x100

/*
 * Hart engines (vm_config.engine): the interpreter, the reference, and
 * the JIT (x86-64 hosts).  VM_ENGINE_DEFAULT is vm_default_engine()'s.
 */
enum vm_engine {
	VM_ENGINE_DEFAULT = 0,
	VM_ENGINE_INTERP,
	VM_ENGINE_JIT,
};

enum vm_exitcode {
	VM_EXITCODE_BOGUS = 0,	/* nothing to report; call vm_run() again */
	VM_EXITCODE_DEBUG,	/* vCPU is in debug_cpus: no instruction ran */
	VM_EXITCODE_MTRAP,	/* VM_CAP_MTRAP_EXIT: one instruction retired or one trap entered */
	VM_EXITCODE_BPT,	/* guest ebreak with VM_CAP_BPT_EXIT, or a vmm breakpoint hit */
	VM_EXITCODE_WATCH,	/* a vmm watchpoint matched; the access has NOT been done */
	VM_EXITCODE_MMIO,	/* load/store outside RAM and in-vmm devices */
	VM_EXITCODE_WFI,	/* VM_CAP_WFI_EXIT: the hart executed WFI */
	VM_EXITCODE_SUSPENDED,	/* the VM was suspended (poweroff/reset/halt) */
	VM_EXITCODE_ECALL,	/* VM_CAP_SBI_EXIT: ecall from S-mode, for a built-in SBI */
	VM_EXITCODE_INSN_STOP,	/* vm_set_insn_stop(): instret reached the count */
	VM_EXITCODE_MAX
};

enum vm_suspend_how {
	VM_SUSPEND_NONE = 0,
	VM_SUSPEND_RESET,
	VM_SUSPEND_POWEROFF,
	VM_SUSPEND_HALT,	/* guest reported failure (sifive_test FAIL) */
	VM_SUSPEND_LAST
};

/* Watchpoint access types (also used in the exit record). */
#define VM_WATCH_READ	1
#define VM_WATCH_WRITE	2
#define VM_WATCH_ACCESS	3

struct vm_exit {
	int		exitcode;	/* enum vm_exitcode */
	uint64_t	pc;		/* guest pc at the exit (virtual) */
	union {
		/*
		 * MMIO: the access has not retired yet; it completes on the
		 * next vm_run() on this vCPU.  For a read the caller stores
		 * the loaded value in 'data' (zero-extended from 'size'
		 * bytes; the engine sign-extends as the instruction asks);
		 * for a write 'data' holds the value to store.  If the
		 * caller sets 'fault' (nothing mapped there), the
		 * instruction raises a load/store access fault instead.
		 */
		struct {
			uint64_t gpa;
			uint64_t data;
			int	 size;		/* 1, 2, 4 or 8 */
			bool	 write;
			bool	 fault;		/* in */
		} mmio;
		struct {
			int how;		/* enum vm_suspend_how */
			int source;		/* vcpu that suspended, or -1 */
			uint32_t code;		/* guest failure code (HALT) */
		} suspended;
		/*
		 * ECALL: args[] = a0..a7 at the ecall.  The caller stores
		 * the SBI result in ret[0] (a0, error) and ret[1] (a1,
		 * value); the next vm_run() writes them and retires the
		 * ecall (pc += 4).  Setting 'no_ret' leaves a0/a1 untouched
		 * (legacy SBI calls that return nothing useful still set a0).
		 */
		struct {
			uint64_t args[8];
			uint64_t ret[2];
			bool	 no_ret;
		} ecall;
		struct {
			uint64_t addr;		/* virtual address of the access */
			int	 len;
			int	 type;		/* VM_WATCH_* of the access that matched */
			int	 wp_type;	/* VM_WATCH_* of the watchpoint */
			uint64_t wp_addr;	/* the watchpoint's own address */
		} watch;
		struct {
			bool	 guest;		/* true: guest ebreak; false: vmm breakpoint */
			int	 len;		/* 2 (c.ebreak) or 4 */
		} bpt;
	} u;
};

/* Per-vCPU capabilities (VM_SET_CAPABILITY). */
enum vm_cap_type {
	VM_CAP_MTRAP_EXIT = 0,	/* exit after exactly one instruction or trap entry */
	VM_CAP_BPT_EXIT,	/* guest ebreak/c.ebreak exits instead of trapping */
	VM_CAP_MASK_HWINTR,	/* take no interrupt */
	VM_CAP_WFI_EXIT,	/* WFI exits to userland instead of sleeping in vmm */
	VM_CAP_SBI_EXIT,	/* ecall from S-mode exits VM_EXITCODE_ECALL */
	VM_CAP_MAX
};

/*
 * vCPU states, as bhyve's: IDLE (no thread inside vm_run), FROZEN (held
 * by an ioctl that touches its state), RUNNING (executing guest code),
 * SLEEPING (in vm_run waiting in WFI or as a stopped hart).
 */
enum vcpu_state {
	VCPU_IDLE = 0,
	VCPU_FROZEN,
	VCPU_RUNNING,
	VCPU_SLEEPING,
};

/*
 * Register numbers for VM_GET_REGISTER / VM_SET_REGISTER.  The numbering
 * follows the RISC-V debug convention also used by GDB: x0..x31, pc,
 * f0..f31, then 4096 CSRs, then the privilege level.
 */
#define VM_REG_X(n)		(n)
#define VM_REG_PC		32
#define VM_REG_F(n)		(33 + (n))
#define VM_REG_CSR(c)		(65 + (c))
#define VM_REG_PRIV		(65 + 4096)
#define VM_REG_LAST		VM_REG_PRIV

/* Remote fences (SBI RFENCE): what to flush on a hart before it next runs. */
#define VM_FENCE_TLB	1
#define VM_FENCE_I	2

#define VM_PROT_READ	1
#define VM_PROT_WRITE	2
#define VM_PROT_EXEC	4

struct vcpu_info {
	int	state;		/* enum vcpu_state */
	bool	active;
	bool	started;	/* guest-level: started (not HSM-stopped) */
	bool	debugged;
	bool	paused;		/* in the operator's paused set (QMP stop) */
	bool	in_wfi;		/* sleeping in WFI */
	int	priv;		/* PRV_* */
	uint64_t pc;
	uint64_t instret;
	uint64_t instret_checked;	/* run one at a time for the debugger (steps, passes) */
};
/*
 * Per-vCPU counters (VM_GET_STATS): exits returned by vm_run() by
 * exitcode, sleeps in WFI, retired instructions, and the host's
 * CLOCK_MONOTONIC time of the snapshot (ns) to compute rates from.
 */
struct vcpu_stats {
	uint64_t exits[VM_EXITCODE_MAX];
	uint64_t wfi;
	uint64_t instret;
	uint64_t host_ns;
	/* Decoded pages given up because the guest reused them for data. */
	uint64_t code_pages_reused;
	/* The JIT's, all 0 with the interpreter. */
	uint64_t jit_blocks;		/* blocks translated */
	uint64_t jit_insns;		/* guest instructions translated */
	uint64_t jit_code_bytes;	/* host code written */
	uint64_t jit_code_size;		/* code memory of the vCPU */
	uint64_t jit_flushes;		/* code memory full: all dropped */
};

/* Privilege levels (as mstatus.MPP encodes them). */
#define PRV_U	0
#define PRV_S	1
#define PRV_M	3

#endif
