/*
 * vmm_hart.h - the seam between vmm's run control and a hart engine
 * (bhyve's vmm_ops for VMX/SVM).  vmm.c knows nothing of instruction
 * decoding; the engine knows nothing of cpusets, debug state or threads.
 *
 * Threading: every ops call on a hart is made by one thread at a time.
 * run() is called by the vCPU's own thread; the others (get/set register,
 * gla2gpa, ...) are called by any thread while the vCPU is FROZEN (not
 * inside run()).  The only fields another thread touches while run() is
 * executing are the atomics in struct hart_env (kick, mip_ext, mtimecmp)
 *.
 */
#ifndef RHYVE_VMM_HART_H
#define RHYVE_VMM_HART_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm.h"
#include "vmm_intr.h"	/* vmm_mtime() */

struct vm;
struct vcpu;
struct hart;		/* engine-private */

/* mip bits (privileged spec). */
#define MIP_SSIP	(UINT64_C(1) << 1)
#define MIP_MSIP	(UINT64_C(1) << 3)
#define MIP_STIP	(UINT64_C(1) << 5)
#define MIP_MTIP	(UINT64_C(1) << 7)
#define MIP_SEIP	(UINT64_C(1) << 9)
#define MIP_MEIP	(UINT64_C(1) << 11)

/*
 * What the vmm hands each hart at creation.  Pointers stay valid for the
 * hart's lifetime.  Legend: (i) set at init, never changes; (a) atomic,
 * written by any thread.
 */
struct hart_env {
	struct vm	*vm;		/* (i) */
	struct vcpu	*vcpu;		/* (i) */
	int		 hartid;	/* (i) */
	uint8_t		*ram;		/* (i) host address of guest RAM */
	uint64_t	 ram_base;	/* (i) VM_RAM_BASE */
	uint64_t	 ram_size;	/* (i) */
	/*
	 * (a) Non-zero asks run() to return VM_EXITCODE_BOGUS at its next
	 * kick check.  The engine never clears it; vmm does.
	 */
	atomic_uint	*kick;
	/*
	 * (a) Interrupt lines driven from outside the hart: MSIP (ACLINT
	 * MSWI), MEIP and SEIP (PLIC).  Whoever changes a bit also sets
	 * *kick, so the engine need not read this between kick checks.
	 * MIP_SSIP here is not a line but a request (an SBI IPI from the
	 * built-in SBI): the engine atomically takes it out (exchange)
	 * and sets its own software-writable mip.SSIP.
	 */
	_Atomic uint64_t *mip_ext;
	/* (a) ACLINT MTIMER compare value; MTIP = mtime >= *mtimecmp. */
	_Atomic uint64_t *mtimecmp;
};

/*
 * Per-run controls from the vCPU's capabilities, read by run() on entry.
 */
struct hart_run_ctl {
	bool	mtrap_exit;	/* VM_CAP_MTRAP_EXIT */
	bool	bpt_exit;	/* VM_CAP_BPT_EXIT */
	bool	mask_hwintr;	/* VM_CAP_MASK_HWINTR */
	bool	wfi_exit;	/* VM_CAP_WFI_EXIT (else return HART_WFI) */
	bool	sbi_exit;	/* VM_CAP_SBI_EXIT */
	/*
	 * Skip the vmm breakpoint check for the first instruction at entry:
	 * set when resuming from a breakpoint exit at the same pc so the
	 * instruction under the breakpoint can execute.
	 */
	bool	skip_bp_once;
	bool	skip_watch_once;	/* likewise for the watchpoint just reported */
	/*
	 * Return HART_EXIT with VM_EXITCODE_INSN_STOP when instret reaches
	 * this, exactly (no instruction past it runs); UINT64_MAX: never.
	 */
	uint64_t insn_stop;
};

/*
 * run() result.  HART_EXIT: *vme holds an exit for userland (any
 * exitcode but DEBUG/SUSPENDED).  HART_KICK: *kick was seen non-zero.
 * HART_WFI: the hart executed WFI (it retired; pc is past it) and wants
 * to sleep until hart_ops.wfi_wakeup() or a kick.
 */
enum hart_run_result {
	HART_EXIT = 0,
	HART_KICK,
	HART_WFI,
};

struct hart_ops {
	const char *name;
	struct hart *(*create)(const struct hart_env *env);
	void	(*destroy)(struct hart *h);
	/* Power-on reset: M-mode, pc, mstatus etc. as the privileged spec says. */
	void	(*reset)(struct hart *h, uint64_t pc);
	int	(*run)(struct hart *h, const struct hart_run_ctl *ctl,
		    struct vm_exit *vme);
	/* Complete the exit *vme returned by the last run() (MMIO read, ECALL). */
	void	(*complete)(struct hart *h, const struct vm_exit *vme);
	/* VM_REG_* access without side effects; ENOENT if absent. */
	int	(*get_reg)(struct hart *h, int reg, uint64_t *val);
	int	(*set_reg)(struct hart *h, int reg, uint64_t val);
	int	(*gla2gpa)(struct hart *h, uint64_t gla, int prot,
		    uint64_t *gpa, int *fault);
	/* An enabled interrupt is pending: WFI must wake (mip & mie != 0). */
	bool	(*wfi_wakeup)(struct hart *h, uint64_t mtime);
	/*
	 * mtime at which a timer interrupt (MTIP or Sstc STIP) enabled in
	 * mie becomes pending, or UINT64_MAX: how long WFI may sleep.
	 */
	uint64_t (*next_timer)(struct hart *h);
	/*
	 * Drop decoded code overlapping [gpa, gpa+len) (len 0: all decoded
	 * code whose bytes changed in RAM, as fence.i does).
	 * The engine handles its own fence.i and stores; the vmm calls this
	 * when userland (debugger, loader) wrote guest RAM.  Decoded caches
	 * are per hart: fence.i is local, as the ISA says.
	 */
	void	(*invalidate_code)(struct hart *h, uint64_t gpa, size_t len);
	/* Flush the software TLB (remote SFENCE.VMA through SBI RFENCE). */
	void	(*flush_tlb)(struct hart *h);
	/* The VM's breakpoint/watchpoint lists changed: re-read them. */
	void	(*debug_changed)(struct hart *h);
	uint64_t (*instret)(struct hart *h);
	/*
	 * Instructions the engine ran one at a time, checked, because of
	 * debugging: single steps, the pass over a reported debug point,
	 * and decoded slots marked for a breakpoint of another virtual
	 * alias of their page.  The share of a debugged guest that did not
	 * run at full speed.
	 */
	uint64_t (*checked_instret)(struct hart *h);
	/* The engine's own counters (the jit_* fields of vcpu_stats). */
	void	(*engine_stats)(struct hart *h, struct vcpu_stats *st);
	/*
	 * The architectural state (registers, CSRs, privilege, instret,
	 * LR/SC reservation) as an opaque image of state_size() bytes, for
	 * vm_state_save/restore.  Restore drops the TLB and checks decoded
	 * code against RAM again.  Engines sharing struct hart share it.
	 */
	size_t	(*state_size)(void);
	void	(*state_save)(struct hart *h, void *buf);
	void	(*state_restore)(struct hart *h, const void *buf);
};

/* The RV64GC interpreter (vmm/hart/), and the same hart run by the JIT (vmm/jit/). */
extern const struct hart_ops rv64_hart_ops;
extern const struct hart_ops rv64_jit_hart_ops;

/*
 * Services the vmm offers the engine.
 */

/*
 * Loads and stores outside RAM.  Returns VMM_MMIO_DONE if an in-vmm
 * device (ACLINT, PLIC) handled it (*val filled for reads),
 * VMM_MMIO_EXIT if userland must (the engine then returns HART_EXIT with
 * VM_EXITCODE_MMIO), or VMM_MMIO_FAULT for an access fault (misaligned
 * or wrong size for the device).  May set *kick of other vCPUs.
 */
enum { VMM_MMIO_DONE = 0, VMM_MMIO_EXIT, VMM_MMIO_FAULT };
int	vmm_mmio_read(struct vcpu *vcpu, uint64_t gpa, int size, uint64_t *val);
int	vmm_mmio_write(struct vcpu *vcpu, uint64_t gpa, int size, uint64_t val);

/*
 * Debug point lists (VM-wide), for the engine's debug_changed().  The
 * caller copies at most 'max' entries and gets the total count back.
 * Only called while the hart is not in run().
 */
struct vmm_watchpoint {
	uint64_t addr;
	uint64_t len;
	int	 type;	/* VM_WATCH_* */
};
int	vmm_breakpoints(struct vm *vm, uint64_t *addrs, int max);
int	vmm_watchpoints(struct vm *vm, struct vmm_watchpoint *wps, int max);

#endif
