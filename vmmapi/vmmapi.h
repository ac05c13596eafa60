/*
 * vmmapi.h - thin userland wrappers over the vmm's requests, named as
 * FreeBSD's libvmmapi names them.  Every function returns 0 on success
 * and -1 with errno set on failure, like the ioctl(2) it wraps.
 * Nothing here holds policy.
 */
#ifndef RHYVE_VMMAPI_H
#define RHYVE_VMMAPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../vmm/vmm.h"
#include "vmm_dev.h"

struct vmctx;

/*
 * Create a VM with 'ncpus' vCPUs and 'ram_size' bytes of RAM at
 * VM_RAM_BASE, run by the default hart engine or by 'engine' (enum
 * vm_engine; ENOTSUP if this host cannot run it).
 */
struct vmctx *vm_open_new(int ncpus, uint64_t ram_size);
struct vmctx *vm_open_engine(int ncpus, uint64_t ram_size, int engine);
/* The engine running the VM: "interp" or "jit". */
const char *vm_get_engine(struct vmctx *ctx);
void	vm_close(struct vmctx *ctx);
int	vm_get_ncpus(struct vmctx *ctx);
uint64_t vm_get_ram_size(struct vmctx *ctx);

/* Generic request entry: vm_ioctl(ctx, VM_RUN, &arg). */
int	vm_ioctl(struct vmctx *ctx, unsigned long cmd, void *arg);

/* Every vCPU must be activated before its first vm_run(). */
int	vm_activate_cpu(struct vmctx *ctx, int vcpu);
int	vm_run(struct vmctx *ctx, int vcpu, struct vm_exit *vmexit);
int	vm_suspend_cpu(struct vmctx *ctx, int vcpu);
int	vm_resume_cpu(struct vmctx *ctx, int vcpu);
int	vm_active_cpus(struct vmctx *ctx, cpuset_t *cpus);
int	vm_debug_cpus(struct vmctx *ctx, cpuset_t *cpus);
int	vm_started_cpus(struct vmctx *ctx, cpuset_t *cpus);
int	vm_suspend(struct vmctx *ctx, int how, int source, uint32_t code);
/*
 * The operator's pause, a second hold beside the debug set (see
 * VM_PAUSE_CPU and vm_pause_cpu in vmm_kern.h for how they compose);
 * vcpu -1 means all.
 */
int	vm_pause_cpu(struct vmctx *ctx, int vcpu);
int	vm_unpause_cpu(struct vmctx *ctx, int vcpu);
int	vm_paused_cpus(struct vmctx *ctx, cpuset_t *cpus);
int	vm_get_stats(struct vmctx *ctx, int vcpu, struct vcpu_stats *st);
/*
 * vm_run() exits VM_EXITCODE_INSN_STOP when the vCPU has retired exactly
 * 'count' instructions in all (its instret), once; UINT64_MAX: none.
 */
int	vm_set_insn_stop(struct vmctx *ctx, int vcpu, uint64_t count);

/*
 * The VM's state but RAM (vCPUs, PLIC, ACLINT lines, mtime) as an opaque
 * image of vm_state_size() bytes; no vCPU may be inside vm_run() or owe
 * an exit completion (EBUSY).  RAM is the caller's, through vm_map_gpa().
 * Restore takes an image of a VM of the same shape only (EINVAL).
 */
size_t	vm_state_size(struct vmctx *ctx);
int	vm_state_save(struct vmctx *ctx, void *buf, size_t len);
int	vm_state_restore(struct vmctx *ctx, const void *buf, size_t len);
/*
 * Time: virtual_time 1 freezes mtime where it is, so that it moves only
 * when set (deterministic time for record/replay), 0 goes back to the
 * host clock, -1 leaves it; set (UINT64_MAX: unchanged) writes mtime;
 * *mtime (if not NULL) gets mtime afterwards.
 */
int	vm_time(struct vmctx *ctx, int virtual_time, uint64_t set, uint64_t *mtime);
/*
 * A suspended VM back to power-on state (guest reset): -1/EBUSY unless
 * it is suspended and no thread is inside vm_run() for it.  Harts are
 * left stopped for vm_hart_start(); RAM, breakpoints, watchpoints and
 * the debugged set are kept.  See VM_REINIT in vmm_dev.h.
 */
int	vm_reinit(struct vmctx *ctx);

int	vm_set_capability(struct vmctx *ctx, int vcpu, int cap, int val);
int	vm_get_capability(struct vmctx *ctx, int vcpu, int cap, int *val);
int	vm_get_register(struct vmctx *ctx, int vcpu, int reg, uint64_t *val);
int	vm_set_register(struct vmctx *ctx, int vcpu, int reg, uint64_t val);
/*
 * Registers first .. first+count-1 (VM_REG_*; vals[i] is register
 * first+i) with one freeze of the vCPU for all, instead of one per
 * vm_get_register() call: a consistent snapshot, and a fraction of the
 * cost for a debugger's 'g' / 'G'.  -1/EINVAL, nothing done, for a bad
 * vcpu or a range that does not lie in 0..VM_REG_LAST; count 0 is a
 * no-op.  The first register that fails (ENOENT: absent) stops the call
 * with -1 and its errno; those before it were read or written.  See
 * vm_get_registers in vmm_kern.h.
 */
int	vm_get_registers(struct vmctx *ctx, int vcpu, int first, int count,
	    uint64_t *vals);
int	vm_set_registers(struct vmctx *ctx, int vcpu, int first, int count,
	    const uint64_t *vals);
int	vm_gla2gpa(struct vmctx *ctx, int vcpu, uint64_t gla, int prot,
	    uint64_t *gpa, int *fault);

int	vm_hart_start(struct vmctx *ctx, int vcpu, uint64_t pc, uint64_t a0,
	    uint64_t a1, int priv);
int	vm_hart_stop(struct vmctx *ctx, int vcpu);
int	vm_irq_set(struct vmctx *ctx, int irq, int level);

int	vm_set_breakpoint(struct vmctx *ctx, uint64_t addr, bool insert);
int	vm_set_watchpoint(struct vmctx *ctx, uint64_t addr, uint64_t len,
	    int type, bool insert);
int	vm_get_vcpu_info(struct vmctx *ctx, int vcpu, struct vcpu_info *info);
int	vm_invalidate_code(struct vmctx *ctx, uint64_t gpa, uint64_t len);
int	vm_raise_ssip(struct vmctx *ctx, int vcpu);
int	vm_remote_fence(struct vmctx *ctx, int vcpu, int what);

/* Host pointer to guest RAM [gpa, gpa+len), or NULL (bhyve's vm_map_gpa). */
void	*vm_map_gpa(struct vmctx *ctx, uint64_t gpa, size_t len);

#endif
