/*
 * vmm_dev.h - the ioctl-shaped boundary between userland and the vmm
 * (bhyve's <machine/vmm_dev.h>).  Every request is a code that carries
 * the size of its argument struct, as _IOWR does, so the dispatcher
 * (vmm_dev.c) rejects a wrong size with EINVAL and an unknown code with
 * ENOTTY before looking inside.  All vCPU ids are checked there too.
 *
 * This is the seam where a second backend (KVM with the H extension) or
 * an out-of-process control tool plugs in.
 */
#ifndef RHYVE_VMM_DEV_H
#define RHYVE_VMM_DEV_H

#include <stddef.h>
#include <stdint.h>

#include "../vmm/vmm.h"

struct vm;

struct vm_run {
	int		 cpuid;
	struct vm_exit	*vm_exit;	/* in: completion data; out: the exit */
};

/* VM_ACTIVATE_CPU, VM_SUSPEND_CPU / VM_RESUME_CPU (vcpuid -1 means all). */
struct vm_activate_cpu {
	int	vcpuid;
};

#define VM_ACTIVE_CPUS	0
#define VM_DEBUG_CPUS	1
#define VM_STARTED_CPUS	2
#define VM_PAUSED_CPUS	3
struct vm_cpuset {
	int		 which;
	int		 cpusetsize;	/* must be sizeof(cpuset_t) */
	cpuset_t	*cpus;
};

/* VM_GET_STATS */
struct vm_stats {
	int			vcpuid;
	struct vcpu_stats	stats;	/* out */
};

/* VM_STATE: the size of the VM's state image, or save or restore it. */
enum { VM_STATE_SIZE, VM_STATE_SAVE, VM_STATE_RESTORE };
struct vm_state {
	int		op;		/* VM_STATE_* */
	void		*buf;
	uint64_t	len;		/* in: buf's size; out (SIZE): the image's */
};

/* VM_TIME: read mtime; set it and/or virtual time. */
struct vm_time {
	int		virtual_time;	/* in: 1 on, 0 off, -1 unchanged */
	uint64_t	set;		/* in: new mtime, UINT64_MAX unchanged */
	uint64_t	mtime;		/* out: mtime afterwards */
};

/* VM_SET_INSN_STOP: exit VM_EXITCODE_INSN_STOP at instret 'count'. */
struct vm_insn_stop {
	int		vcpuid;
	uint64_t	count;		/* UINT64_MAX: none */
};

struct vm_capability {
	int	cpuid;
	int	captype;	/* enum vm_cap_type */
	int	capval;
};

struct vm_register {
	int		cpuid;
	int		regnum;	/* VM_REG_* */
	uint64_t	regval;
};

/*
 * VM_GET_REGISTERS / VM_SET_REGISTERS: registers first .. first+count-1
 * under one freeze of the vCPU (vm_get_registers in vmm_kern.h).  A range
 * rather than bhyve's list of numbers (vm_register_set): every batch
 * rhyve makes ('g', 'G') is contiguous in VM_REG_* numbering.
 */
struct vm_register_range {
	int		cpuid;
	int		first;		/* VM_REG_* */
	int		count;		/* 0..VM_REG_LAST+1-first */
	uint64_t	*regvals;	/* count values: out (GET), in (SET); */
					/* NULL with count > 0: EFAULT */
};

struct vm_gla2gpa {
	int		vcpuid;
	int		prot;	/* VM_PROT_* */
	uint64_t	gla;
	uint64_t	gpa;	/* out */
	int		fault;	/* out */
};

struct vm_suspend {
	int		how;	/* enum vm_suspend_how */
	int		source;	/* vCPU that asked, or -1 */
	uint32_t	code;
};

struct vm_hart_start {
	int		vcpuid;
	int		priv;	/* PRV_M or PRV_S */
	uint64_t	pc;
	uint64_t	a0;
	uint64_t	a1;
};

struct vm_hart_stop {
	int	vcpuid;
};

struct vm_irq {
	int	irq;	/* PLIC source 1..VM_PLIC_NSOURCES-1 */
	int	level;
};

struct vm_breakpoint {
	uint64_t	addr;	/* guest-virtual pc */
	int		insert;	/* 1 insert, 0 remove */
};

struct vm_watchpoint {
	uint64_t	addr;
	uint64_t	len;
	int		type;	/* VM_WATCH_* */
	int		insert;
};

struct vm_vcpu_info {
	int			vcpuid;
	struct vcpu_info	info;	/* out; see vmm_kern.h */
};

/* VM_RAISE_SSIP: pend a supervisor software interrupt (SBI IPI). */
struct vm_ssip {
	int	vcpuid;
};

/* VM_REMOTE_FENCE: flush TLB and/or decoded code of vCPUs before they next run. */
struct vm_remote_fence {
	int	vcpuid;
	int	what;	/* VM_FENCE_* bits */
};

struct vm_code_range {
	uint64_t	gpa;
	uint64_t	len;	/* 0: all */
};

/*
 * VM_REINIT: a suspended VM back to power-on state in place, for a guest
 * reset (vm_reinit in vmm_kern.h says what is reset and what is kept).
 * EBUSY unless the VM is suspended and no vCPU thread is inside vm_run().
 */
struct vm_reinit {
	int	flags;	/* none defined: must be 0 */
};

enum {
	IOCNUM_RUN = 1,
	IOCNUM_SUSPEND_CPU,
	IOCNUM_RESUME_CPU,
	IOCNUM_GET_CPUS,
	IOCNUM_SET_CAPABILITY,
	IOCNUM_GET_CAPABILITY,
	IOCNUM_GET_REGISTER,
	IOCNUM_SET_REGISTER,
	IOCNUM_GLA2GPA,
	IOCNUM_SUSPEND,
	IOCNUM_HART_START,
	IOCNUM_HART_STOP,
	IOCNUM_IRQ_SET,
	IOCNUM_SET_BREAKPOINT,
	IOCNUM_SET_WATCHPOINT,
	IOCNUM_GET_VCPU_INFO,
	IOCNUM_INVALIDATE_CODE,
	IOCNUM_RAISE_SSIP,
	IOCNUM_ACTIVATE_CPU,
	IOCNUM_REMOTE_FENCE,
	IOCNUM_REINIT,
	IOCNUM_PAUSE_CPU,
	IOCNUM_UNPAUSE_CPU,
	IOCNUM_GET_STATS,
	IOCNUM_SET_INSN_STOP,
	IOCNUM_STATE,
	IOCNUM_TIME,
	IOCNUM_GET_REGISTERS,
	IOCNUM_SET_REGISTERS,
	IOCNUM_MAX
};

#define VMIOC(nr, type)	((unsigned long)(nr) | ((unsigned long)sizeof(type) << 16))
#define VMIOC_NR(cmd)	((unsigned)((cmd) & 0xffff))
#define VMIOC_SIZE(cmd)	((size_t)((cmd) >> 16))

#define VM_RUN			VMIOC(IOCNUM_RUN, struct vm_run)
#define VM_SUSPEND_CPU		VMIOC(IOCNUM_SUSPEND_CPU, struct vm_activate_cpu)
#define VM_RESUME_CPU		VMIOC(IOCNUM_RESUME_CPU, struct vm_activate_cpu)
#define VM_GET_CPUS		VMIOC(IOCNUM_GET_CPUS, struct vm_cpuset)
#define VM_SET_CAPABILITY	VMIOC(IOCNUM_SET_CAPABILITY, struct vm_capability)
#define VM_GET_CAPABILITY	VMIOC(IOCNUM_GET_CAPABILITY, struct vm_capability)
#define VM_GET_REGISTER		VMIOC(IOCNUM_GET_REGISTER, struct vm_register)
#define VM_SET_REGISTER		VMIOC(IOCNUM_SET_REGISTER, struct vm_register)
#define VM_GLA2GPA		VMIOC(IOCNUM_GLA2GPA, struct vm_gla2gpa)
#define VM_SUSPEND		VMIOC(IOCNUM_SUSPEND, struct vm_suspend)
#define VM_HART_START		VMIOC(IOCNUM_HART_START, struct vm_hart_start)
#define VM_HART_STOP		VMIOC(IOCNUM_HART_STOP, struct vm_hart_stop)
#define VM_IRQ_SET		VMIOC(IOCNUM_IRQ_SET, struct vm_irq)
#define VM_SET_BREAKPOINT	VMIOC(IOCNUM_SET_BREAKPOINT, struct vm_breakpoint)
#define VM_SET_WATCHPOINT	VMIOC(IOCNUM_SET_WATCHPOINT, struct vm_watchpoint)
#define VM_GET_VCPU_INFO	VMIOC(IOCNUM_GET_VCPU_INFO, struct vm_vcpu_info)
#define VM_INVALIDATE_CODE	VMIOC(IOCNUM_INVALIDATE_CODE, struct vm_code_range)
#define VM_RAISE_SSIP		VMIOC(IOCNUM_RAISE_SSIP, struct vm_ssip)
#define VM_ACTIVATE_CPU		VMIOC(IOCNUM_ACTIVATE_CPU, struct vm_activate_cpu)
#define VM_REMOTE_FENCE		VMIOC(IOCNUM_REMOTE_FENCE, struct vm_remote_fence)
#define VM_REINIT		VMIOC(IOCNUM_REINIT, struct vm_reinit)
/* The operator's pause (vm_pause_cpu in vmm_kern.h); vcpuid -1 means all. */
#define VM_PAUSE_CPU		VMIOC(IOCNUM_PAUSE_CPU, struct vm_activate_cpu)
#define VM_UNPAUSE_CPU		VMIOC(IOCNUM_UNPAUSE_CPU, struct vm_activate_cpu)
#define VM_GET_STATS		VMIOC(IOCNUM_GET_STATS, struct vm_stats)
#define VM_SET_INSN_STOP	VMIOC(IOCNUM_SET_INSN_STOP, struct vm_insn_stop)
#define VM_STATE		VMIOC(IOCNUM_STATE, struct vm_state)
#define VM_TIME			VMIOC(IOCNUM_TIME, struct vm_time)
#define VM_GET_REGISTERS	VMIOC(IOCNUM_GET_REGISTERS, struct vm_register_range)
#define VM_SET_REGISTERS	VMIOC(IOCNUM_SET_REGISTERS, struct vm_register_range)

/*
 * The "device": the only symbols the vmm exports (everything else in the
 * vmm object is made local at link time, see Makefile).  vmmdev_ioctl
 * returns 0 or an errno value.  vmmdev_map_gpa is the mmap of guest RAM.
 */
#define VMMDEV_EXPORT __attribute__((visibility("default")))

struct vm_config;
VMMDEV_EXPORT int vmmdev_create(int ncpus, uint64_t ram_size, int engine,
    struct vm **vmp);
VMMDEV_EXPORT void vmmdev_destroy(struct vm *vm);
/* The hart engine's name (static storage). */
VMMDEV_EXPORT const char *vmmdev_engine(struct vm *vm);
VMMDEV_EXPORT int vmmdev_ioctl(struct vm *vm, unsigned long cmd, void *arg);
VMMDEV_EXPORT void *vmmdev_map_gpa(struct vm *vm, uint64_t gpa, size_t len);

#endif
