/*
 * vmm_dev.c - the vmm's request dispatcher (bhyve's sys/amd64/vmm/vmm_dev.c).
 * It is the only door into the vmm: it checks the request code, the
 * argument size carried in the code, the argument pointer and the vCPU
 * id before anything in vmm/ sees the request, and answers with an errno
 * value.  It is linked into the sealed vmm object (see Makefile).
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

#include "../vmm/vmm_kern.h"
#include "vmm_dev.h"

/* Size each request's argument must have; 0 = unknown request. */
static const size_t vmmdev_argsize[IOCNUM_MAX] = {
	[IOCNUM_RUN]		 = sizeof(struct vm_run),
	[IOCNUM_ACTIVATE_CPU]	 = sizeof(struct vm_activate_cpu),
	[IOCNUM_SUSPEND_CPU]	 = sizeof(struct vm_activate_cpu),
	[IOCNUM_RESUME_CPU]	 = sizeof(struct vm_activate_cpu),
	[IOCNUM_GET_CPUS]	 = sizeof(struct vm_cpuset),
	[IOCNUM_SET_CAPABILITY]	 = sizeof(struct vm_capability),
	[IOCNUM_GET_CAPABILITY]	 = sizeof(struct vm_capability),
	[IOCNUM_GET_REGISTER]	 = sizeof(struct vm_register),
	[IOCNUM_SET_REGISTER]	 = sizeof(struct vm_register),
	[IOCNUM_GLA2GPA]	 = sizeof(struct vm_gla2gpa),
	[IOCNUM_SUSPEND]	 = sizeof(struct vm_suspend),
	[IOCNUM_HART_START]	 = sizeof(struct vm_hart_start),
	[IOCNUM_HART_STOP]	 = sizeof(struct vm_hart_stop),
	[IOCNUM_IRQ_SET]	 = sizeof(struct vm_irq),
	[IOCNUM_SET_BREAKPOINT]	 = sizeof(struct vm_breakpoint),
	[IOCNUM_SET_WATCHPOINT]	 = sizeof(struct vm_watchpoint),
	[IOCNUM_GET_VCPU_INFO]	 = sizeof(struct vm_vcpu_info),
	[IOCNUM_INVALIDATE_CODE] = sizeof(struct vm_code_range),
	[IOCNUM_RAISE_SSIP]	 = sizeof(struct vm_ssip),
	[IOCNUM_REMOTE_FENCE]	 = sizeof(struct vm_remote_fence),
	[IOCNUM_REINIT]		 = sizeof(struct vm_reinit),
	[IOCNUM_PAUSE_CPU]	 = sizeof(struct vm_activate_cpu),
	[IOCNUM_UNPAUSE_CPU]	 = sizeof(struct vm_activate_cpu),
	[IOCNUM_GET_STATS]	 = sizeof(struct vm_stats),
	[IOCNUM_SET_INSN_STOP]	 = sizeof(struct vm_insn_stop),
	[IOCNUM_STATE]		 = sizeof(struct vm_state),
	[IOCNUM_TIME]		 = sizeof(struct vm_time),
	[IOCNUM_GET_REGISTERS]	 = sizeof(struct vm_register_range),
	[IOCNUM_SET_REGISTERS]	 = sizeof(struct vm_register_range),
};

int
vmmdev_create(int ncpus, uint64_t ram_size, int engine, struct vm **vmp)
{
	struct vm_config cfg = { .ncpus = ncpus, .ram_size = ram_size,
	    .engine = engine };

	if (vmp == NULL)
		return EINVAL;
	return vm_create(&cfg, vmp);
}

const char *
vmmdev_engine(struct vm *vm)
{
	return vm_engine_name(vm);
}

void
vmmdev_destroy(struct vm *vm)
{
	vm_destroy(vm);
}

void *
vmmdev_map_gpa(struct vm *vm, uint64_t gpa, size_t len)
{
	return vm_gpa2hva(vm, gpa, len);
}

static bool
vcpu_ok(struct vm *vm, int vcpuid)
{
	return vcpuid >= 0 && vcpuid < vm_ncpus(vm);
}

/* -1 (all) or a valid id. */
static bool
vcpu_ok_or_all(struct vm *vm, int vcpuid)
{
	return vcpuid == -1 || vcpu_ok(vm, vcpuid);
}

int
vmmdev_ioctl(struct vm *vm, unsigned long cmd, void *arg)
{
	unsigned nr = VMIOC_NR(cmd);

	if (vm == NULL)
		return EBADF;
	if (nr == 0 || nr >= IOCNUM_MAX || vmmdev_argsize[nr] == 0 ||
	    (cmd >> 16) > 0xffff)
		return ENOTTY;
	if (VMIOC_SIZE(cmd) != vmmdev_argsize[nr])
		return EINVAL;
	if (arg == NULL)
		return EFAULT;

	switch (nr) {
	case IOCNUM_RUN: {
		struct vm_run *r = arg;
		struct vcpu *v;

		if (!vcpu_ok(vm, r->cpuid))
			return EINVAL;
		if (r->vm_exit == NULL)
			return EFAULT;
		v = vm_vcpu(vm, r->cpuid);
		return vm_run(v, r->vm_exit);
	}
	case IOCNUM_ACTIVATE_CPU: {
		struct vm_activate_cpu *a = arg;

		if (!vcpu_ok(vm, a->vcpuid))
			return EINVAL;
		return vm_activate_cpu(vm, a->vcpuid);
	}
	case IOCNUM_SUSPEND_CPU: {
		struct vm_activate_cpu *a = arg;

		if (!vcpu_ok_or_all(vm, a->vcpuid))
			return EINVAL;
		return vm_suspend_cpu(vm, a->vcpuid);
	}
	case IOCNUM_RESUME_CPU: {
		struct vm_activate_cpu *a = arg;

		if (!vcpu_ok_or_all(vm, a->vcpuid))
			return EINVAL;
		return vm_resume_cpu(vm, a->vcpuid);
	}
	case IOCNUM_GET_CPUS: {
		struct vm_cpuset *c = arg;

		if (c->cpusetsize != (int)sizeof(cpuset_t))
			return ERANGE;
		if (c->cpus == NULL)
			return EFAULT;
		switch (c->which) {
		case VM_ACTIVE_CPUS:
			vm_active_cpus(vm, c->cpus);
			return 0;
		case VM_DEBUG_CPUS:
			vm_debug_cpus(vm, c->cpus);
			return 0;
		case VM_STARTED_CPUS:
			vm_started_cpus(vm, c->cpus);
			return 0;
		case VM_PAUSED_CPUS:
			vm_paused_cpus(vm, c->cpus);
			return 0;
		default:
			return EINVAL;
		}
	}
	case IOCNUM_SET_CAPABILITY:
	case IOCNUM_GET_CAPABILITY: {
		struct vm_capability *c = arg;

		if (!vcpu_ok(vm, c->cpuid) || c->captype < 0 ||
		    c->captype >= VM_CAP_MAX)
			return EINVAL;
		if (nr == IOCNUM_SET_CAPABILITY)
			return vm_set_capability(vm, c->cpuid, c->captype,
			    c->capval);
		return vm_get_capability(vm, c->cpuid, c->captype, &c->capval);
	}
	case IOCNUM_GET_REGISTER:
	case IOCNUM_SET_REGISTER: {
		struct vm_register *r = arg;

		if (!vcpu_ok(vm, r->cpuid) || r->regnum < 0 ||
		    r->regnum > VM_REG_LAST)
			return EINVAL;
		if (nr == IOCNUM_GET_REGISTER)
			return vm_get_register(vm, r->cpuid, r->regnum, &r->regval);
		return vm_set_register(vm, r->cpuid, r->regnum, r->regval);
	}
	case IOCNUM_GET_REGISTERS:
	case IOCNUM_SET_REGISTERS: {
		struct vm_register_range *r = arg;

		/* Written so that first + count cannot overflow. */
		if (!vcpu_ok(vm, r->cpuid) || r->first < 0 || r->count < 0 ||
		    r->first > VM_REG_LAST + 1 ||
		    r->count > VM_REG_LAST + 1 - r->first)
			return EINVAL;
		if (r->count == 0)
			return 0;
		if (r->regvals == NULL)
			return EFAULT;
		if (nr == IOCNUM_GET_REGISTERS)
			return vm_get_registers(vm, r->cpuid, r->first,
			    r->count, r->regvals);
		return vm_set_registers(vm, r->cpuid, r->first, r->count,
		    r->regvals);
	}
	case IOCNUM_GLA2GPA: {
		struct vm_gla2gpa *g = arg;

		if (!vcpu_ok(vm, g->vcpuid) || g->prot == 0 ||
		    (g->prot & ~(VM_PROT_READ | VM_PROT_WRITE | VM_PROT_EXEC)))
			return EINVAL;
		return vm_gla2gpa(vm, g->vcpuid, g->gla, g->prot, &g->gpa,
		    &g->fault);
	}
	case IOCNUM_SUSPEND: {
		struct vm_suspend *s = arg;

		if (s->how <= VM_SUSPEND_NONE || s->how >= VM_SUSPEND_LAST ||
		    !vcpu_ok_or_all(vm, s->source))
			return EINVAL;
		return vm_suspend(vm, s->how, s->source, s->code);
	}
	case IOCNUM_HART_START: {
		struct vm_hart_start *h = arg;

		if (!vcpu_ok(vm, h->vcpuid) || (h->priv != PRV_M &&
		    h->priv != PRV_S && h->priv != PRV_U))
			return EINVAL;
		return vm_hart_start(vm, h->vcpuid, h->pc, h->a0, h->a1, h->priv);
	}
	case IOCNUM_HART_STOP: {
		struct vm_hart_stop *h = arg;

		if (!vcpu_ok(vm, h->vcpuid))
			return EINVAL;
		return vm_hart_stop(vm, h->vcpuid);
	}
	case IOCNUM_IRQ_SET: {
		struct vm_irq *i = arg;

		if (i->irq < 1 || i->irq >= VM_PLIC_NSOURCES)
			return EINVAL;
		return vm_irq_set(vm, i->irq, i->level);
	}
	case IOCNUM_SET_BREAKPOINT: {
		struct vm_breakpoint *b = arg;

		return vm_set_breakpoint(vm, b->addr, b->insert != 0);
	}
	case IOCNUM_SET_WATCHPOINT: {
		struct vm_watchpoint *w = arg;

		return vm_set_watchpoint(vm, w->addr, w->len, w->type,
		    w->insert != 0);
	}
	case IOCNUM_GET_VCPU_INFO: {
		struct vm_vcpu_info *i = arg;

		if (!vcpu_ok(vm, i->vcpuid))
			return EINVAL;
		return vm_get_vcpu_info(vm, i->vcpuid, &i->info);
	}
	case IOCNUM_INVALIDATE_CODE: {
		struct vm_code_range *c = arg;

		if (c->len != 0 && c->gpa + c->len < c->gpa)
			return EINVAL;
		vm_invalidate_code(vm, c->gpa, c->len);
		return 0;
	}
	case IOCNUM_RAISE_SSIP: {
		struct vm_ssip *s = arg;

		if (!vcpu_ok(vm, s->vcpuid))
			return EINVAL;
		return vm_raise_ssip(vm, s->vcpuid);
	}
	case IOCNUM_REMOTE_FENCE: {
		struct vm_remote_fence *f = arg;

		if (!vcpu_ok(vm, f->vcpuid) ||
		    (f->what & ~(VM_FENCE_TLB | VM_FENCE_I)) != 0)
			return EINVAL;
		return vm_remote_fence(vm, f->vcpuid, f->what);
	}
	case IOCNUM_REINIT: {
		struct vm_reinit *ri = arg;

		if (ri->flags != 0)
			return EINVAL;
		return vm_reinit(vm);
	}
	case IOCNUM_PAUSE_CPU: {
		struct vm_activate_cpu *a = arg;

		if (!vcpu_ok_or_all(vm, a->vcpuid))
			return EINVAL;
		return vm_pause_cpu(vm, a->vcpuid);
	}
	case IOCNUM_UNPAUSE_CPU: {
		struct vm_activate_cpu *a = arg;

		if (!vcpu_ok_or_all(vm, a->vcpuid))
			return EINVAL;
		return vm_unpause_cpu(vm, a->vcpuid);
	}
	case IOCNUM_GET_STATS: {
		struct vm_stats *st = arg;

		if (!vcpu_ok(vm, st->vcpuid))
			return EINVAL;
		return vm_get_stats(vm, st->vcpuid, &st->stats);
	}
	case IOCNUM_SET_INSN_STOP: {
		struct vm_insn_stop *is = arg;

		if (!vcpu_ok(vm, is->vcpuid))
			return EINVAL;
		return vm_set_insn_stop(vm, is->vcpuid, is->count);
	}
	case IOCNUM_STATE: {
		struct vm_state *st = arg;

		switch (st->op) {
		case VM_STATE_SIZE:
			st->len = vm_state_size(vm);
			return 0;
		case VM_STATE_SAVE:
			if (st->buf == NULL)
				return EINVAL;
			return vm_state_save(vm, st->buf, st->len);
		case VM_STATE_RESTORE:
			if (st->buf == NULL)
				return EINVAL;
			return vm_state_restore(vm, st->buf, st->len);
		}
		return EINVAL;
	}
	case IOCNUM_TIME: {
		struct vm_time *t = arg;
		int error = 0;

		if (t->virtual_time < -1 || t->virtual_time > 1)
			return EINVAL;
		if (t->virtual_time >= 0)
			error = vm_set_virtual_time(vm, t->virtual_time == 1);
		if (error == 0 && t->set != UINT64_MAX)
			error = vm_set_mtime(vm, t->set);
		t->mtime = vm_get_mtime(vm);
		return error;
	}
	}
	return ENOTTY;
}
