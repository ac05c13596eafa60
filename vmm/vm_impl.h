/*
 * vm_impl.h - the VM and vCPU objects, private to vmm/vm.c (run control)
 * and vmm/vm_state.c (saving and restoring them).  Everything else in
 * the vmm and above goes through vmm_kern.h's functions.
 */
#ifndef RHYVE_VM_IMPL_H
#define RHYVE_VM_IMPL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "cpuset.h"
#include "vmm.h"
#include "vmm_hart.h"

struct aclint;
struct plic;

#define VM_MAX_BREAKPOINTS	4096
#define VM_MAX_WATCHPOINTS	1024

/*
 * Legend: (i) set at creation, (o) owner (vCPU) thread only, (a) atomic,
 * (v) under vcpu->mtx, (m) under vm->mtx.
 */
struct vcpu {
	struct vm	*vm;		/* (i) */
	int		 vcpuid;	/* (i) */
	struct hart	*hart;		/* (i) engine state; see the state rules above */
	pthread_mutex_t	 mtx;
	pthread_cond_t	 cv;		/* state changes and wakeups */
	atomic_int	 state;		/* (a, written under v) enum vcpu_state */
	int		 frozen_from;	/* (v) state to restore on thaw */
	int		 freezers;	/* (v) threads waiting in vcpu_freeze() */
	bool		 in_wfi;	/* (v) */
	int		 wfi_spins;	/* (v) WFIs in a row that did not sleep */
	uint64_t	 wfi_spin_at;	/* (v) instret at the last of them */
	bool		 in_run;	/* (v) the owner thread is inside vm_run() */
	atomic_uint	 kick;		/* (a) see struct hart_env */
	_Atomic uint64_t mip_ext;	/* (a) */
	_Atomic uint64_t mtimecmp;	/* (a) */
	atomic_int	 caps;		/* (a) bit per enum vm_cap_type */
	atomic_int	 fence;		/* (a) VM_FENCE_* to apply before next entry */
	atomic_bool	 debug_dirty;	/* (a) breakpoint/watchpoint lists changed */
	int		 pending;	/* (v) exit awaiting completion (MMIO/ECALL) or 0 */
	bool		 in_pause;	/* (v) sleeping because it is paused */
	/* (o, read by others with relaxed loads) VM_GET_STATS counters. */
	_Atomic uint64_t nexits[VM_EXITCODE_MAX];
	/* (a) vm_set_insn_stop()'s count, UINT64_MAX none; one-shot. */
	_Atomic uint64_t insn_stop;
	_Atomic uint64_t nwfi;		/* (o) sleeps in WFI */
	/*
	 * (v) The last exit was a vmm breakpoint / watchpoint at skip_pc:
	 * the next entry at that pc passes it once, so that the instruction
	 * can execute.  A pc write (vm_set_register) cancels it: the vCPU
	 * was moved, or its stop was never reported and must happen again.
	 */
	bool		 skip_bp;
	bool		 skip_watch;
	uint64_t	 skip_pc;
};

struct vm {
	int		 ncpus;		/* (i) */
	uint8_t		*ram;		/* (i) */
	uint64_t	 ram_size;	/* (i) */
	struct vcpu	*vcpus;		/* (i) [ncpus] */
	const struct hart_ops *ops;	/* (i) */
	struct aclint	*aclint;	/* (i) */
	struct plic	*plic;		/* (i) */
	cpuset_t	 active_cpus;	/* (a) */
	cpuset_t	 debug_cpus;	/* (a) */
	cpuset_t	 started_cpus;	/* (a) guest-level (SBI HSM) */
	cpuset_t	 paused_cpus;	/* (a, written under m) operator pause */
	atomic_int	 suspend;	/* (a) enum vm_suspend_how, first writer wins */
	atomic_int	 suspend_source; /* (a) */
	_Atomic uint32_t suspend_code;	/* (a) */
	pthread_mutex_t	 mtx;
	/*
	 * Virtual time.  mtime = (host ns - time_offset) / 100 while
	 * running; frozen_mtime while the debugger holds every vCPU
	 * (UINT64_MAX: not frozen).  Writers hold mtx.
	 */
	_Atomic int64_t	 time_offset;	/* (a, m) */
	_Atomic uint64_t frozen_mtime;	/* (a, m) */
	/*
	 * (m) Virtual time (record/replay): mtime is frozen_mtime and
	 * moves only when userland sets it (vm_set_mtime), never with the
	 * host clock or the debugger's holds.
	 */
	bool		 virtual_time;
	uint64_t	*bps;		/* (m) breakpoints, guest-virtual */
	int		 nbps;		/* (m) */
	struct vmm_watchpoint *wps;	/* (m) */
	int		 nwps;		/* (m) */
};

/*
 * vm.c's vCPU state moves, for vm_state.c: freeze (wait until the vCPU
 * is out of the engine and hold it there), thaw, and wake it to look
 * at its state again.
 */
void	vcpu_freeze(struct vcpu *v);
void	vcpu_thaw(struct vcpu *v);
void	vcpu_notify(struct vcpu *v);

#endif
