/*
 * vmmapi.c - thin wrappers over the vmm's requests (FreeBSD's
 * lib/libvmmapi/vmmapi.c).  Each builds the argument struct, issues the
 * request and maps the errno-valued answer to -1/errno.  No policy.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vmmapi.h"

struct vmctx {
	struct vm	*vm;
	int		 ncpus;
	uint64_t	 ram_size;
};

struct vmctx *
vm_open_new(int ncpus, uint64_t ram_size)
{
	return vm_open_engine(ncpus, ram_size, VM_ENGINE_DEFAULT);
}

const char *
vm_get_engine(struct vmctx *ctx)
{
	return vmmdev_engine(ctx->vm);
}

struct vmctx *
vm_open_engine(int ncpus, uint64_t ram_size, int engine)
{
	struct vmctx *ctx;
	int error;

	ctx = calloc(1, sizeof(*ctx));
	if (ctx == NULL)
		return NULL;
	error = vmmdev_create(ncpus, ram_size, engine, &ctx->vm);
	if (error != 0) {
		free(ctx);
		errno = error;
		return NULL;
	}
	ctx->ncpus = ncpus;
	ctx->ram_size = ram_size;
	return ctx;
}

void
vm_close(struct vmctx *ctx)
{
	if (ctx == NULL)
		return;
	vmmdev_destroy(ctx->vm);
	free(ctx);
}

int
vm_get_ncpus(struct vmctx *ctx)
{
	return ctx->ncpus;
}

uint64_t
vm_get_ram_size(struct vmctx *ctx)
{
	return ctx->ram_size;
}

int
vm_ioctl(struct vmctx *ctx, unsigned long cmd, void *arg)
{
	int error = vmmdev_ioctl(ctx->vm, cmd, arg);

	if (error != 0) {
		errno = error;
		return -1;
	}
	return 0;
}

int
vm_activate_cpu(struct vmctx *ctx, int vcpu)
{
	struct vm_activate_cpu a = { .vcpuid = vcpu };

	return vm_ioctl(ctx, VM_ACTIVATE_CPU, &a);
}

int
vm_run(struct vmctx *ctx, int vcpu, struct vm_exit *vmexit)
{
	struct vm_run r = { .cpuid = vcpu, .vm_exit = vmexit };

	return vm_ioctl(ctx, VM_RUN, &r);
}

int
vm_suspend_cpu(struct vmctx *ctx, int vcpu)
{
	struct vm_activate_cpu a = { .vcpuid = vcpu };

	return vm_ioctl(ctx, VM_SUSPEND_CPU, &a);
}

int
vm_resume_cpu(struct vmctx *ctx, int vcpu)
{
	struct vm_activate_cpu a = { .vcpuid = vcpu };

	return vm_ioctl(ctx, VM_RESUME_CPU, &a);
}

static int
vm_get_cpus(struct vmctx *ctx, int which, cpuset_t *cpus)
{
	struct vm_cpuset c = {
		.which = which, .cpusetsize = sizeof(*cpus), .cpus = cpus };

	return vm_ioctl(ctx, VM_GET_CPUS, &c);
}

int
vm_active_cpus(struct vmctx *ctx, cpuset_t *cpus)
{
	return vm_get_cpus(ctx, VM_ACTIVE_CPUS, cpus);
}

int
vm_debug_cpus(struct vmctx *ctx, cpuset_t *cpus)
{
	return vm_get_cpus(ctx, VM_DEBUG_CPUS, cpus);
}

int
vm_started_cpus(struct vmctx *ctx, cpuset_t *cpus)
{
	return vm_get_cpus(ctx, VM_STARTED_CPUS, cpus);
}

int
vm_paused_cpus(struct vmctx *ctx, cpuset_t *cpus)
{
	return vm_get_cpus(ctx, VM_PAUSED_CPUS, cpus);
}

int
vm_pause_cpu(struct vmctx *ctx, int vcpu)
{
	struct vm_activate_cpu a = { .vcpuid = vcpu };

	return vm_ioctl(ctx, VM_PAUSE_CPU, &a);
}

int
vm_unpause_cpu(struct vmctx *ctx, int vcpu)
{
	struct vm_activate_cpu a = { .vcpuid = vcpu };

	return vm_ioctl(ctx, VM_UNPAUSE_CPU, &a);
}

int
vm_get_stats(struct vmctx *ctx, int vcpu, struct vcpu_stats *st)
{
	struct vm_stats s = { .vcpuid = vcpu };

	if (vm_ioctl(ctx, VM_GET_STATS, &s) != 0)
		return -1;
	*st = s.stats;
	return 0;
}

size_t
vm_state_size(struct vmctx *ctx)
{
	struct vm_state st = { .op = VM_STATE_SIZE };

	return vm_ioctl(ctx, VM_STATE, &st) == 0 ? (size_t)st.len : 0;
}

int
vm_state_save(struct vmctx *ctx, void *buf, size_t len)
{
	struct vm_state st = { .op = VM_STATE_SAVE, .buf = buf, .len = len };

	return vm_ioctl(ctx, VM_STATE, &st);
}

int
vm_state_restore(struct vmctx *ctx, const void *buf, size_t len)
{
	struct vm_state st = { .op = VM_STATE_RESTORE,
	    .buf = (void *)(uintptr_t)buf, .len = len };

	return vm_ioctl(ctx, VM_STATE, &st);
}

int
vm_time(struct vmctx *ctx, int virtual_time, uint64_t set, uint64_t *mtime)
{
	struct vm_time t = { .virtual_time = virtual_time, .set = set };

	if (vm_ioctl(ctx, VM_TIME, &t) != 0)
		return -1;
	if (mtime != NULL)
		*mtime = t.mtime;
	return 0;
}

int
vm_set_insn_stop(struct vmctx *ctx, int vcpu, uint64_t count)
{
	struct vm_insn_stop is = { .vcpuid = vcpu, .count = count };

	return vm_ioctl(ctx, VM_SET_INSN_STOP, &is);
}

int
vm_suspend(struct vmctx *ctx, int how, int source, uint32_t code)
{
	struct vm_suspend s = { .how = how, .source = source, .code = code };

	return vm_ioctl(ctx, VM_SUSPEND, &s);
}

int
vm_reinit(struct vmctx *ctx)
{
	struct vm_reinit ri = { .flags = 0 };

	return vm_ioctl(ctx, VM_REINIT, &ri);
}

int
vm_set_capability(struct vmctx *ctx, int vcpu, int cap, int val)
{
	struct vm_capability c = { .cpuid = vcpu, .captype = cap, .capval = val };

	return vm_ioctl(ctx, VM_SET_CAPABILITY, &c);
}

int
vm_get_capability(struct vmctx *ctx, int vcpu, int cap, int *val)
{
	struct vm_capability c = { .cpuid = vcpu, .captype = cap };

	if (vm_ioctl(ctx, VM_GET_CAPABILITY, &c) != 0)
		return -1;
	*val = c.capval;
	return 0;
}

int
vm_get_register(struct vmctx *ctx, int vcpu, int reg, uint64_t *val)
{
	struct vm_register r = { .cpuid = vcpu, .regnum = reg };

	if (vm_ioctl(ctx, VM_GET_REGISTER, &r) != 0)
		return -1;
	*val = r.regval;
	return 0;
}

int
vm_set_register(struct vmctx *ctx, int vcpu, int reg, uint64_t val)
{
	struct vm_register r = { .cpuid = vcpu, .regnum = reg, .regval = val };

	return vm_ioctl(ctx, VM_SET_REGISTER, &r);
}

int
vm_get_registers(struct vmctx *ctx, int vcpu, int first, int count,
    uint64_t *vals)
{
	struct vm_register_range r = { .cpuid = vcpu, .first = first,
	    .count = count, .regvals = vals };

	return vm_ioctl(ctx, VM_GET_REGISTERS, &r);
}

int
vm_set_registers(struct vmctx *ctx, int vcpu, int first, int count,
    const uint64_t *vals)
{
	/* The request struct is shared with GET, hence not const: SET only reads. */
	struct vm_register_range r = { .cpuid = vcpu, .first = first,
	    .count = count, .regvals = (uint64_t *)(uintptr_t)vals };

	return vm_ioctl(ctx, VM_SET_REGISTERS, &r);
}

int
vm_gla2gpa(struct vmctx *ctx, int vcpu, uint64_t gla, int prot, uint64_t *gpa,
    int *fault)
{
	struct vm_gla2gpa g = { .vcpuid = vcpu, .prot = prot, .gla = gla };

	if (vm_ioctl(ctx, VM_GLA2GPA, &g) != 0)
		return -1;
	*gpa = g.gpa;
	*fault = g.fault;
	return 0;
}

int
vm_hart_start(struct vmctx *ctx, int vcpu, uint64_t pc, uint64_t a0,
    uint64_t a1, int priv)
{
	struct vm_hart_start h = {
		.vcpuid = vcpu, .priv = priv, .pc = pc, .a0 = a0, .a1 = a1 };

	return vm_ioctl(ctx, VM_HART_START, &h);
}

int
vm_hart_stop(struct vmctx *ctx, int vcpu)
{
	struct vm_hart_stop h = { .vcpuid = vcpu };

	return vm_ioctl(ctx, VM_HART_STOP, &h);
}

int
vm_irq_set(struct vmctx *ctx, int irq, int level)
{
	struct vm_irq i = { .irq = irq, .level = level };

	return vm_ioctl(ctx, VM_IRQ_SET, &i);
}

int
vm_set_breakpoint(struct vmctx *ctx, uint64_t addr, bool insert)
{
	struct vm_breakpoint b = { .addr = addr, .insert = insert };

	return vm_ioctl(ctx, VM_SET_BREAKPOINT, &b);
}

int
vm_set_watchpoint(struct vmctx *ctx, uint64_t addr, uint64_t len, int type,
    bool insert)
{
	struct vm_watchpoint w = {
		.addr = addr, .len = len, .type = type, .insert = insert };

	return vm_ioctl(ctx, VM_SET_WATCHPOINT, &w);
}

int
vm_get_vcpu_info(struct vmctx *ctx, int vcpu, struct vcpu_info *info)
{
	struct vm_vcpu_info i = { .vcpuid = vcpu };

	if (vm_ioctl(ctx, VM_GET_VCPU_INFO, &i) != 0)
		return -1;
	*info = i.info;
	return 0;
}

int
vm_invalidate_code(struct vmctx *ctx, uint64_t gpa, uint64_t len)
{
	struct vm_code_range c = { .gpa = gpa, .len = len };

	return vm_ioctl(ctx, VM_INVALIDATE_CODE, &c);
}

int
vm_raise_ssip(struct vmctx *ctx, int vcpu)
{
	struct vm_ssip s = { .vcpuid = vcpu };

	return vm_ioctl(ctx, VM_RAISE_SSIP, &s);
}

int
vm_remote_fence(struct vmctx *ctx, int vcpu, int what)
{
	struct vm_remote_fence f = { .vcpuid = vcpu, .what = what };

	return vm_ioctl(ctx, VM_REMOTE_FENCE, &f);
}

void *
vm_map_gpa(struct vmctx *ctx, uint64_t gpa, size_t len)
{
	return vmmdev_map_gpa(ctx->vm, gpa, len);
}
