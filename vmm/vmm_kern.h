/*
 * vmm_kern.h - the vmm ("kernel") interface.  Only vmmapi/ (the ioctl
 * boundary) and vmm/ itself include this.  Arguments are validated by the
 * callers in vmmapi before they get here, except where a function says it
 * returns EINVAL itself (run-control calls check everything, since the
 * invariants live here).
 *
 * Return values are 0 or a positive errno value, as in a kernel.
 */
#ifndef RHYVE_VMM_KERN_H
#define RHYVE_VMM_KERN_H

#include <stddef.h>
#include <stdint.h>

#include "vmm.h"

struct vm;
struct vcpu;

struct vm_config {
	int		ncpus;		/* 1..VM_MAXCPU */
	uint64_t	ram_size;	/* bytes at VM_RAM_BASE, multiple of 4 KiB */
	int		engine;		/* enum vm_engine; ENOTSUP if not on this host */
};

/* The engine VM_ENGINE_DEFAULT stands for on this host. */
int	vm_default_engine(void);
/* "interp" or "jit". */
const char *vm_engine_name(struct vm *vm);

int	vm_create(const struct vm_config *cfg, struct vm **vmp);
/*
 * Exit VM_EXITCODE_INSN_STOP once the vCPU's instret is 'count' (at once
 * if it is there already), then forget it; UINT64_MAX: no stop.  Both
 * engines stop exactly there: the fast loops run to a little short of
 * it and the reference loop steps the rest.
 */
int	vm_set_insn_stop(struct vm *vm, int vcpuid, uint64_t count);

/*
 * Time.  vm_set_virtual_time(vm, true) freezes mtime where it is: from
 * then on it moves only through vm_set_mtime() (deterministic time for
 * record and replay); false goes back to the host clock from there.
 */
uint64_t vm_get_mtime(struct vm *vm);
int	vm_set_mtime(struct vm *vm, uint64_t val);
int	vm_set_virtual_time(struct vm *vm, bool on);

/*
 * The VM's state but RAM (which the caller reaches through
 * vm_map_gpa()): every vCPU's architectural registers, CSRs, instret
 * and LR/SC reservation, whether the guest started it, whether it waits
 * in WFI, its interrupt lines and mtimecmp, the PLIC, and mtime.  No
 * vCPU may be inside vm_run() and none may have an exit awaiting
 * completion (EBUSY).  A restore needs an image of the same VM shape
 * (EINVAL otherwise) and drops TLBs and decoded code whose bytes
 * changed; breakpoints, watchpoints, capabilities and the debug, pause
 * and active sets are not part of it.
 */
size_t	vm_state_size(struct vm *vm);
int	vm_state_save(struct vm *vm, void *buf, size_t len);
int	vm_state_restore(struct vm *vm, const void *buf, size_t len);
void	vm_destroy(struct vm *vm);
int	vm_ncpus(struct vm *vm);
struct vcpu *vm_vcpu(struct vm *vm, int vcpuid);	/* NULL if out of range */
int	vcpu_id(struct vcpu *vcpu);

/*
 * Run the vCPU until something userland must handle.  Executes no guest
 * instruction if the vCPU is (or becomes) debugged: returns with
 * VM_EXITCODE_DEBUG.  Completes a pending MMIO read or ECALL from the
 * previous exit (using the values the caller stored in *vme) first.
 * Only the vCPU's own thread calls this.
 */
int	vm_run(struct vcpu *vcpu, struct vm_exit *vme);

/*
 * A vCPU takes part in run control once activated (bhyve's
 * vm_activate_cpu): userland activates each vCPU before its thread first
 * calls vm_run().  EBUSY if already active.
 */
int	vm_activate_cpu(struct vm *vm, int vcpuid);

/*
 * Run control: the seed.  vcpuid -1 means every active vCPU.
 * vm_suspend_cpu: EINVAL for an inactive or out-of-range vCPU; kicks.
 * vm_resume_cpu: EINVAL for one that is not debugged (or out of range).
 */
int	vm_suspend_cpu(struct vm *vm, int vcpuid);
int	vm_resume_cpu(struct vm *vm, int vcpuid);
void	vm_active_cpus(struct vm *vm, cpuset_t *out);
void	vm_debug_cpus(struct vm *vm, cpuset_t *out);
void	vm_started_cpus(struct vm *vm, cpuset_t *out);

/*
 * The operator's pause (QMP stop/cont, rhyvectl --suspend/--resume): a
 * second hold, independent of debug_cpus, with which it composes as the
 * comment at the top of vm.c says.  A paused vCPU sleeps inside vm_run()
 * (no exit to userland) until unpaused; a paused and debugged one exits
 * VM_EXITCODE_DEBUG as any debugged one.  vcpuid -1: every active vCPU
 * (pause) or every vCPU (unpause).  Both are idempotent; EINVAL for an
 * out-of-range vCPU, or an inactive one for pause.
 */
int	vm_pause_cpu(struct vm *vm, int vcpuid);
int	vm_unpause_cpu(struct vm *vm, int vcpuid);
void	vm_paused_cpus(struct vm *vm, cpuset_t *out);
/* Counters of one vCPU (struct vcpu_stats in vmm.h); freezes it briefly. */
int	vm_get_stats(struct vm *vm, int vcpuid, struct vcpu_stats *st);

/* Suspend the whole VM (poweroff, reset, halt): every vCPU exits SUSPENDED. */
int	vm_suspend(struct vm *vm, int how, int source, uint32_t code);

/*
 * Take a suspended VM back to power-on state in place (bhyve's
 * vm_reinit, for a guest reset).  The VM must be suspended (EBUSY
 * otherwise) and no vCPU's thread may be inside vm_run(): each has
 * either returned VM_EXITCODE_SUSPENDED or is parked by userland
 * outside vm_run() (e.g. by the debug server); EBUSY otherwise, and
 * nothing is changed.  (bhyve asks the same: every active vCPU has left
 * vm_run() for the suspend.)  Other threads may keep using the VM: each
 * vCPU is frozen during the reset, so a register read waits, and a
 * thread that calls vm_run() meanwhile finds the reset VM.
 *
 * Reset: the suspend is cleared; every hart gets its power-on reset
 * (M-mode, pc = VM_RAM_BASE, TLB and decoded code flushed); no hart is
 * started (started_cpus empty: userland starts them with vm_hart_start
 * as at first boot); pending MMIO/ECALL completions are dropped;
 * interrupt lines (mip_ext) low; ACLINT (msip, mtimecmp, mtime = 0:
 * virtual time restarts from 0 as the ACLINT spec resets MTIME) and
 * PLIC reset.  Kept: active_cpus, debug_cpus (a debugger holding vCPUs
 * keeps holding them: they exit VM_EXITCODE_DEBUG at their next
 * vm_run), capabilities, breakpoints and watchpoints, and guest RAM
 * (not cleared, as QEMU does not; userland reloads its images).
 */
int	vm_reinit(struct vm *vm);

/*
 * Guest-level hart state (SBI HSM, reset).  A hart that is not started
 * sleeps inside vm_run() and is distinct from "debugged".
 * vm_hart_start: the hart must be stopped (EALREADY if started); sets pc,
 * a0, a1 and the privilege level, then starts it.  vm_hart_stop marks a
 * hart stopped; the vCPU's thread may call it for its own vCPU.
 */
int	vm_hart_start(struct vm *vm, int vcpuid, uint64_t pc, uint64_t a0,
	    uint64_t a1, int priv);
int	vm_hart_stop(struct vm *vm, int vcpuid);

int	vm_set_capability(struct vm *vm, int vcpuid, int cap, int val);
int	vm_get_capability(struct vm *vm, int vcpuid, int cap, int *val);

/*
 * Register and memory access for userland.  The vCPU must not be running
 * guest code: the call freezes it (waiting for it to leave the engine; a
 * vCPU that is running is kicked) for the duration.  Returns ENOENT for a
 * register (e.g. CSR) that does not exist.
 */
int	vm_get_register(struct vm *vm, int vcpuid, int reg, uint64_t *val);
int	vm_set_register(struct vm *vm, int vcpuid, int reg, uint64_t val);
/*
 * The same for the registers first .. first+count-1 (vals[i] is register
 * first+i), with a single freeze and thaw of the vCPU for all of them:
 * the values read are one consistent snapshot of the hart, and a write
 * lands whole before the vCPU runs again.  EINVAL (nothing done, the vCPU
 * not touched) for a bad vCPU, first < 0, count < 0 or a range past
 * VM_REG_LAST; count 0 does nothing (vals may then be NULL).  Registers
 * are accessed in ascending order and the first one that fails (ENOENT:
 * it does not exist; EINVAL: a bad priv value) ends the call with its
 * error: the registers before it were read into vals[] (get) or written
 * (set), those after it are not accessed and vals[] from it on is
 * unspecified (get).  A write of VM_REG_PC in the range cancels a
 * pending breakpoint pass as vm_set_register() does.
 */
int	vm_get_registers(struct vm *vm, int vcpuid, int first, int count,
	    uint64_t *vals);
int	vm_set_registers(struct vm *vm, int vcpuid, int first, int count,
	    const uint64_t *vals);

/*
 * Translate a guest-virtual address through the vCPU's current
 * translation (satp, privilege, MPRV) for 'prot' (VM_PROT_* bits) without
 * touching guest state (no A/D update, no trap).  *fault is set if the
 * access would fault.
 */
int	vm_gla2gpa(struct vm *vm, int vcpuid, uint64_t gla, int prot,
	    uint64_t *gpa, int *fault);

/* Host pointer to [gpa, gpa+len) if it lies wholly in RAM, else NULL. */
void	*vm_gpa2hva(struct vm *vm, uint64_t gpa, size_t len);
uint64_t vm_ram_size(struct vm *vm);

/*
 * Userland wrote guest RAM behind the hart engine's back (debugger,
 * loader after start): drop decoded code for the range.
 */
void	vm_invalidate_code(struct vm *vm, uint64_t gpa, size_t len);

/* SBI IPI: pend SSIP on a hart.  Remote fences: flush before it next runs. */
int	vm_raise_ssip(struct vm *vm, int vcpuid);
int	vm_remote_fence(struct vm *vm, int vcpuid, int what);

/* Device interrupt line into the PLIC (source 1..VM_PLIC_NSOURCES-1). */
int	vm_irq_set(struct vm *vm, int irq, int level);

/*
 * Debugger breakpoints and watchpoints, VM-wide (every vCPU).
 * Breakpoints are by guest-virtual pc and never touch guest memory; hitting
 * one exits VM_EXITCODE_BPT before the instruction executes.  The next
 * entry of that vCPU at the same pc passes it (and a watchpoint just
 * reported) once, so the instruction can run; writing the vCPU's pc with
 * vm_set_register() cancels that pass (a hit the debugger never reported
 * happens again).  Watchpoints
 * match guest-virtual data accesses overlapping [addr, addr+len) of the
 * given VM_WATCH_* type and exit VM_EXITCODE_WATCH before the access.
 * EEXIST / ENOENT for a duplicate insert / missing remove.
 */
int	vm_set_breakpoint(struct vm *vm, uint64_t addr, bool insert);
int	vm_set_watchpoint(struct vm *vm, uint64_t addr, uint64_t len, int type,
	    bool insert);

int	vm_get_vcpu_info(struct vm *vm, int vcpuid, struct vcpu_info *info);

#endif
