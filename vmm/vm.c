/*
 * vm.c - VM and vCPU objects and run control: FreeBSD's sys/amd64/vmm/vmm.c
 * reduced to what a software hart needs, around the "debugged CPUs" of
 * the seed (shared/seed/bhyve-debugged-cpus.txt):
 *
 *  - the VM keeps active_cpus, debug_cpus and (guest-level) started_cpus;
 *  - vm_run() on a vCPU in debug_cpus executes no guest instruction and
 *    returns VM_EXITCODE_DEBUG; the check sits before entry, after every
 *    kick the engine honours, and before (and while) sleeping in WFI;
 *  - vm_suspend_cpu()/vm_resume_cpu() add and remove vCPUs, kicking them
 *    so a running one leaves the engine promptly and a sleeping one wakes;
 *  - vm_reinit() takes a suspended VM back to power-on state in place
 *    (bhyve's VM_REINIT), for a guest reset;
 *  - paused_cpus is a second, independent hold for the operator (QMP
 *    stop/cont, rhyvectl --suspend/--resume, through vm_pause_cpu() and
 *    vm_unpause_cpu()).  A vCPU runs guest code only when it is in
 *    neither set.  The two compose instead of fighting: a debugged vCPU
 *    exits VM_EXITCODE_DEBUG whether or not it is paused (the debugger
 *    sees and controls every vCPU), and a paused one that the debugger
 *    resumes does not run, it sleeps inside vm_run() until unpaused.  So
 *    a debugger continue never undoes an operator's stop, and an
 *    operator's cont never undoes a debugger's stop.  Time is frozen
 *    while every active vCPU is in one set or the other.
 *
 * vCPU states follow bhyve: IDLE, FROZEN (another thread is touching its
 * state), RUNNING (inside the engine), SLEEPING (WFI or a stopped hart).
 * Only the owner thread moves a vCPU between IDLE, RUNNING and SLEEPING,
 * and it never does so while the vCPU is FROZEN.  Other threads freeze a
 * vCPU only from IDLE or SLEEPING (kicking it out of RUNNING first).
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "aclint.h"
#include "jit/jit.h"
#include "plic.h"
#include "vmm.h"
#include "vmm_hart.h"
#include "vmm_intr.h"
#include "vmm_kern.h"

#include "vm_impl.h"

static int64_t
host_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ---- time ---------------------------------------------------------------- */

uint64_t
vmm_mtime(struct vm *vm)
{
	uint64_t f = atomic_load(&vm->frozen_mtime);

	if (f != UINT64_MAX)
		return f;
	return (uint64_t)(host_ns() - atomic_load(&vm->time_offset)) / 100;
}

void
vmm_set_mtime(struct vm *vm, uint64_t val)
{
	pthread_mutex_lock(&vm->mtx);
	if (atomic_load(&vm->frozen_mtime) != UINT64_MAX)
		atomic_store(&vm->frozen_mtime, val);
	else
		atomic_store(&vm->time_offset, host_ns() - (int64_t)(val * 100));
	pthread_mutex_unlock(&vm->mtx);
	for (int i = 0; i < vm->ncpus; i++)
		atomic_store(&vm->vcpus[i].kick, 1);
}

static void vm_update_time_locked(struct vm *vm);

uint64_t
vm_get_mtime(struct vm *vm)
{
	return vmm_mtime(vm);
}

int
vm_set_mtime(struct vm *vm, uint64_t val)
{
	if (val == UINT64_MAX)
		return EINVAL;
	vmm_set_mtime(vm, val);
	return 0;
}

int
vm_set_virtual_time(struct vm *vm, bool on)
{
	pthread_mutex_lock(&vm->mtx);
	if (on && !vm->virtual_time) {
		if (atomic_load(&vm->frozen_mtime) == UINT64_MAX)
			atomic_store(&vm->frozen_mtime, vmm_mtime(vm));
		vm->virtual_time = true;
	} else if (!on && vm->virtual_time) {
		vm->virtual_time = false;
		/* Thaw unless the debugger or operator holds everyone. */
		atomic_store(&vm->time_offset, host_ns() -
		    (int64_t)(atomic_load(&vm->frozen_mtime) * 100));
		atomic_store(&vm->frozen_mtime, UINT64_MAX);
		vm_update_time_locked(vm);
	}
	pthread_mutex_unlock(&vm->mtx);
	return 0;
}

/*
 * Freeze time while every active vCPU is debugged or paused, so that a
 * continue does not land in a storm of timer interrupts.  Caller holds
 * vm->mtx.
 */
static void
vm_update_time_locked(struct vm *vm)
{
	cpuset_t held;
	uint64_t f = atomic_load(&vm->frozen_mtime);
	bool all;

	if (vm->virtual_time)
		return;		/* userland moves it */
	/* Held by the debugger or paused by the operator. */
	cpuset_copy(&vm->debug_cpus, &held);
	for (int i = 0; i < CPUSET_WORDS; i++)
		held.bits[i] |= __atomic_load_n(&vm->paused_cpus.bits[i],
		    __ATOMIC_ACQUIRE);
	all = !cpuset_empty(&vm->active_cpus) &&
	    cpuset_subset(&held, &vm->active_cpus);

	if (all && f == UINT64_MAX) {
		atomic_store(&vm->frozen_mtime, vmm_mtime(vm));
	} else if (!all && f != UINT64_MAX) {
		atomic_store(&vm->time_offset, host_ns() - (int64_t)(f * 100));
		atomic_store(&vm->frozen_mtime, UINT64_MAX);
	}
}

/* ---- vCPU state ------------------------------------------------------------ */

/*
 * Make the vCPU leave the engine at its next kick check and wake it if
 * it sleeps.  The store to kick and the load of state are both seq_cst,
 * and the sleeper stores SLEEPING before it loads kick, so one of the
 * two sides always sees the other: no lost wakeup without taking the
 * lock on every kick.
 */
void
vcpu_notify(struct vcpu *v)
{
	atomic_store(&v->kick, 1);
	if (atomic_load(&v->state) != VCPU_RUNNING) {
		pthread_mutex_lock(&v->mtx);
		pthread_cond_broadcast(&v->cv);
		pthread_mutex_unlock(&v->mtx);
	}
}

/*
 * Owner thread, v->mtx held: wait out a freeze, then take 'newstate'.
 * Before going back into the engine it also lets a thread waiting to
 * freeze the vCPU have its turn: a busy vCPU leaving on a kick would
 * otherwise re-take RUNNING before the waiter got the mutex, and a
 * register read could starve for seconds (bench/runctl_stress found it).
 */
static void
vcpu_set_state_locked(struct vcpu *v, int newstate)
{
	while (atomic_load(&v->state) == VCPU_FROZEN ||
	    (newstate == VCPU_RUNNING && v->freezers > 0))
		pthread_cond_wait(&v->cv, &v->mtx);
	atomic_store(&v->state, newstate);
}

/*
 * Another thread wants the vCPU's hart state: wait until the owner is
 * out of the engine (kicking it) and no one else holds it frozen.
 */
void
vcpu_freeze(struct vcpu *v)
{
	pthread_mutex_lock(&v->mtx);
	v->freezers++;
	for (;;) {
		int s = atomic_load(&v->state);
		if (s == VCPU_IDLE || s == VCPU_SLEEPING)
			break;
		if (s == VCPU_RUNNING)
			atomic_store(&v->kick, 1);
		pthread_cond_wait(&v->cv, &v->mtx);
	}
	v->freezers--;
	v->frozen_from = atomic_load(&v->state);
	atomic_store(&v->state, VCPU_FROZEN);
	pthread_mutex_unlock(&v->mtx);
}

void
vcpu_thaw(struct vcpu *v)
{
	pthread_mutex_lock(&v->mtx);
	atomic_store(&v->state, v->frozen_from);
	pthread_cond_broadcast(&v->cv);
	pthread_mutex_unlock(&v->mtx);
}

/* ---- creation ---------------------------------------------------------------- */

/*
 * The JIT where it runs (x86-64), as DESIGN.md says; the interpreter
 * elsewhere.  (The Linux SMP hangs that kept the interpreter the default
 * were Debian 12's OpenSBI 1.1 racing in its HSM hart start, not the JIT:
 * docs/design-notes.md, "Linux SMP and OpenSBI 1.1".)
 */
int
vm_default_engine(void)
{
	return jit_supported() ? VM_ENGINE_JIT : VM_ENGINE_INTERP;
}

const char *
vm_engine_name(struct vm *vm)
{
	return vm->ops->name;
}

static int vm_create_engine(const struct vm_config *cfg, struct vm **vmp);

int
vm_create(const struct vm_config *cfg, struct vm **vmp)
{
	struct vm_config c = *cfg;
	int error;

	if (c.engine != VM_ENGINE_DEFAULT)
		return vm_create_engine(&c, vmp);
	c.engine = vm_default_engine();
	error = vm_create_engine(&c, vmp);
	/*
	 * The default JIT needs executable code memory, which a hardened
	 * host may refuse (noexec shared memory, a policy against
	 * PROT_EXEC): run on the interpreter then rather than not at all.
	 * -engine jit asked for it explicitly fails instead.
	 */
	if (error != 0 && c.engine == VM_ENGINE_JIT) {
		c.engine = VM_ENGINE_INTERP;
		error = vm_create_engine(&c, vmp);
	}
	return error;
}

static int
vm_create_engine(const struct vm_config *cfg, struct vm **vmp)
{
	struct vm *vm;
	void *ram;

	if (cfg->ncpus < 1 || cfg->ncpus > VM_MAXCPU)
		return EINVAL;
	if (cfg->ram_size == 0 || (cfg->ram_size & 0xfff) != 0 ||
	    cfg->ram_size > (UINT64_C(1) << 40))
		return EINVAL;
	ram = mmap(NULL, cfg->ram_size, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (ram == MAP_FAILED)
		return ENOMEM;
	vm = calloc(1, sizeof(*vm));
	if (vm == NULL) {
		munmap(ram, cfg->ram_size);
		return ENOMEM;
	}
	vm->ncpus = cfg->ncpus;
	vm->ram = ram;
	vm->ram_size = cfg->ram_size;
	switch (cfg->engine) {
	case VM_ENGINE_INTERP:
		vm->ops = &rv64_hart_ops;
		break;
	case VM_ENGINE_JIT:
		if (!jit_supported())
			goto unsupported;
		vm->ops = &rv64_jit_hart_ops;
		break;
	default:
	unsupported:
		munmap(ram, cfg->ram_size);
		free(vm);
		return ENOTSUP;
	}
	pthread_mutex_init(&vm->mtx, NULL);
	atomic_store(&vm->time_offset, host_ns());
	atomic_store(&vm->frozen_mtime, UINT64_MAX);
	atomic_store(&vm->suspend_source, -1);
	vm->bps = calloc(VM_MAX_BREAKPOINTS, sizeof(*vm->bps));
	vm->wps = calloc(VM_MAX_WATCHPOINTS, sizeof(*vm->wps));
	vm->vcpus = calloc(vm->ncpus, sizeof(*vm->vcpus));
	if (vm->bps == NULL || vm->wps == NULL || vm->vcpus == NULL)
		goto fail;
	for (int i = 0; i < vm->ncpus; i++) {
		struct vcpu *v = &vm->vcpus[i];
		struct hart_env env;

		v->vm = vm;
		v->vcpuid = i;
		pthread_mutex_init(&v->mtx, NULL);
		pthread_cond_init(&v->cv, NULL);
		atomic_store(&v->mtimecmp, 0);
		atomic_store(&v->insn_stop, UINT64_MAX);
		env = (struct hart_env){
			.vm = vm, .vcpu = v, .hartid = i, .ram = vm->ram,
			.ram_base = VM_RAM_BASE, .ram_size = vm->ram_size,
			.kick = &v->kick, .mip_ext = &v->mip_ext,
			.mtimecmp = &v->mtimecmp,
		};
		v->hart = vm->ops->create(&env);
		if (v->hart == NULL)
			goto fail;
		vm->ops->reset(v->hart, VM_RAM_BASE);
	}
	vm->aclint = aclint_create(vm, vm->ncpus);
	vm->plic = plic_create(vm, vm->ncpus);
	if (vm->aclint == NULL || vm->plic == NULL)
		goto fail;
	*vmp = vm;
	return 0;
fail:
	vm_destroy(vm);
	return ENOMEM;
}

void
vm_destroy(struct vm *vm)
{
	if (vm == NULL)
		return;
	if (vm->aclint != NULL)
		aclint_destroy(vm->aclint);
	if (vm->plic != NULL)
		plic_destroy(vm->plic);
	if (vm->vcpus != NULL) {
		for (int i = 0; i < vm->ncpus; i++) {
			struct vcpu *v = &vm->vcpus[i];
			if (v->hart != NULL)
				vm->ops->destroy(v->hart);
			pthread_mutex_destroy(&v->mtx);
			pthread_cond_destroy(&v->cv);
		}
	}
	free(vm->vcpus);
	free(vm->bps);
	free(vm->wps);
	pthread_mutex_destroy(&vm->mtx);
	munmap(vm->ram, vm->ram_size);
	free(vm);
}

int
vm_ncpus(struct vm *vm)
{
	return vm->ncpus;
}

struct vcpu *
vm_vcpu(struct vm *vm, int vcpuid)
{
	if (vcpuid < 0 || vcpuid >= vm->ncpus)
		return NULL;
	return &vm->vcpus[vcpuid];
}

int
vcpu_id(struct vcpu *vcpu)
{
	return vcpu->vcpuid;
}

uint64_t
vm_ram_size(struct vm *vm)
{
	return vm->ram_size;
}

void *
vm_gpa2hva(struct vm *vm, uint64_t gpa, size_t len)
{
	if (gpa < VM_RAM_BASE || len > vm->ram_size ||
	    gpa - VM_RAM_BASE > vm->ram_size - len)
		return NULL;
	return vm->ram + (gpa - VM_RAM_BASE);
}

/* ---- run control: the seed ------------------------------------------------- */

static bool
vcpu_valid_active(struct vm *vm, int vcpuid)
{
	return vcpuid >= 0 && vcpuid < vm->ncpus &&
	    cpuset_isset(vcpuid, &vm->active_cpus);
}

int
vm_activate_cpu(struct vm *vm, int vcpuid)
{
	if (vcpuid < 0 || vcpuid >= vm->ncpus)
		return EINVAL;
	if (!cpuset_set_atomic(vcpuid, &vm->active_cpus))
		return EBUSY;
	pthread_mutex_lock(&vm->mtx);
	vm_update_time_locked(vm);
	pthread_mutex_unlock(&vm->mtx);
	return 0;
}

int
vm_suspend_cpu(struct vm *vm, int vcpuid)
{
	if (vcpuid != -1 && !vcpu_valid_active(vm, vcpuid))
		return EINVAL;
	pthread_mutex_lock(&vm->mtx);
	if (vcpuid == -1) {
		int i;
		CPUSET_FOREACH(i, &vm->active_cpus)
			cpuset_set_atomic(i, &vm->debug_cpus);
	} else {
		cpuset_set_atomic(vcpuid, &vm->debug_cpus);
	}
	vm_update_time_locked(vm);
	pthread_mutex_unlock(&vm->mtx);
	if (vcpuid == -1) {
		int i;
		CPUSET_FOREACH(i, &vm->active_cpus)
			vcpu_notify(&vm->vcpus[i]);
	} else {
		vcpu_notify(&vm->vcpus[vcpuid]);
	}
	return 0;
}

int
vm_resume_cpu(struct vm *vm, int vcpuid)
{
	int error = 0;

	if (vcpuid != -1 && (vcpuid < 0 || vcpuid >= vm->ncpus))
		return EINVAL;
	pthread_mutex_lock(&vm->mtx);
	if (vcpuid == -1)
		cpuset_zero(&vm->debug_cpus);
	else if (!cpuset_clr_atomic(vcpuid, &vm->debug_cpus))
		error = EINVAL;
	vm_update_time_locked(vm);
	pthread_mutex_unlock(&vm->mtx);
	return error;
}

/* v->mtx held: wait on v->cv for at most ns nanoseconds (a kick wakes it). */
static void
vcpu_wait_ns(struct vcpu *v, int64_t ns)
{
	struct timespec ts;

	if (ns > INT64_C(1000000000) * 3600)
		ns = INT64_C(1000000000) * 3600;
	clock_gettime(CLOCK_REALTIME, &ts);
	ns += ts.tv_nsec;
	ts.tv_sec += ns / 1000000000;
	ts.tv_nsec = ns % 1000000000;
	pthread_cond_timedwait(&v->cv, &v->mtx, &ts);
}

/*
 * Wait until a vCPU that was just paused runs no more guest code: it
 * sleeps paused, or it is outside vm_run() (a vCPU thread not started
 * yet, or parked by the debug server), or it left with DEBUG or
 * SUSPENDED.  So QMP's stop returns with the VM stopped, as QEMU's does.
 * Bounded: the short timed waits cover exits that do not broadcast, and
 * past 'deadline' (host ns, shared by all the vCPUs of one pause) the
 * caller gets on regardless.
 */
static void
vcpu_wait_paused(struct vcpu *v, int64_t deadline)
{
	struct vm *vm = v->vm;

	pthread_mutex_lock(&v->mtx);
	while (host_ns() < deadline) {
		if (!v->in_run || v->in_pause ||
		    !cpuset_isset(v->vcpuid, &vm->paused_cpus) ||
		    cpuset_isset(v->vcpuid, &vm->debug_cpus) ||
		    atomic_load(&vm->suspend) != VM_SUSPEND_NONE)
			break;
		vcpu_wait_ns(v, 1000000);
	}
	pthread_mutex_unlock(&v->mtx);
}

/*
 * The operator's hold (see the top of the file).  Idempotent, unlike the
 * debug set's resume: QMP's stop and cont may be repeated.  Pausing
 * returns once the vCPUs run no more guest code (vcpu_wait_paused).
 */
int
vm_pause_cpu(struct vm *vm, int vcpuid)
{
	int64_t deadline = host_ns() + INT64_C(1000000000);	/* 1 s */
	int i;

	if (vcpuid != -1 && !vcpu_valid_active(vm, vcpuid))
		return EINVAL;
	pthread_mutex_lock(&vm->mtx);
	if (vcpuid == -1) {
		CPUSET_FOREACH(i, &vm->active_cpus)
			cpuset_set_atomic(i, &vm->paused_cpus);
	} else {
		cpuset_set_atomic(vcpuid, &vm->paused_cpus);
	}
	vm_update_time_locked(vm);
	pthread_mutex_unlock(&vm->mtx);
	CPUSET_FOREACH(i, &vm->active_cpus)
		if (vcpuid == -1 || i == vcpuid)
			vcpu_notify(&vm->vcpus[i]);
	CPUSET_FOREACH(i, &vm->active_cpus)
		if (vcpuid == -1 || i == vcpuid)
			vcpu_wait_paused(&vm->vcpus[i], deadline);
	return 0;
}

int
vm_unpause_cpu(struct vm *vm, int vcpuid)
{
	int i;

	if (vcpuid < -1 || vcpuid >= vm->ncpus)
		return EINVAL;
	pthread_mutex_lock(&vm->mtx);
	if (vcpuid == -1)
		cpuset_zero(&vm->paused_cpus);
	else
		cpuset_clr_atomic(vcpuid, &vm->paused_cpus);
	vm_update_time_locked(vm);
	pthread_mutex_unlock(&vm->mtx);
	/* Wake the sleepers (vcpu_sleep() looks at the set under v->mtx). */
	for (i = 0; i < vm->ncpus; i++)
		if (vcpuid == -1 || i == vcpuid)
			vcpu_notify(&vm->vcpus[i]);
	return 0;
}

void
vm_paused_cpus(struct vm *vm, cpuset_t *out)
{
	cpuset_copy(&vm->paused_cpus, out);
}

int
vm_get_stats(struct vm *vm, int vcpuid, struct vcpu_stats *st)
{
	struct vcpu *v = vm_vcpu(vm, vcpuid);

	if (v == NULL)
		return EINVAL;
	memset(st, 0, sizeof(*st));
	for (int i = 0; i < VM_EXITCODE_MAX; i++)
		st->exits[i] = atomic_load_explicit(&v->nexits[i],
		    memory_order_relaxed);
	st->wfi = atomic_load_explicit(&v->nwfi, memory_order_relaxed);
	vcpu_freeze(v);
	st->instret = vm->ops->instret(v->hart);
	vm->ops->engine_stats(v->hart, st);
	vcpu_thaw(v);
	st->host_ns = (uint64_t)host_ns();
	return 0;
}

void
vm_active_cpus(struct vm *vm, cpuset_t *out)
{
	cpuset_copy(&vm->active_cpus, out);
}

void
vm_debug_cpus(struct vm *vm, cpuset_t *out)
{
	cpuset_copy(&vm->debug_cpus, out);
}

void
vm_started_cpus(struct vm *vm, cpuset_t *out)
{
	cpuset_copy(&vm->started_cpus, out);
}

int
vm_suspend(struct vm *vm, int how, int source, uint32_t code)
{
	int none = VM_SUSPEND_NONE;

	if (how <= VM_SUSPEND_NONE || how >= VM_SUSPEND_LAST)
		return EINVAL;
	if (!atomic_compare_exchange_strong(&vm->suspend, &none, how))
		return EALREADY;
	atomic_store(&vm->suspend_source, source);
	atomic_store(&vm->suspend_code, code);
	for (int i = 0; i < vm->ncpus; i++)
		vcpu_notify(&vm->vcpus[i]);
	return 0;
}

/*
 * Back to power-on state, in place (see vmm_kern.h for the contract).
 * Every vCPU is frozen for the whole reset: a freezer (the debug server
 * reading registers) is waited out, and a thread that enters vm_run()
 * meanwhile blocks on the freeze and finds the new state afterwards.
 * Whether a thread is inside vm_run() is looked at only once all are
 * frozen, so the answer cannot change before the reset is done.
 */
int
vm_reinit(struct vm *vm)
{
	int i, error = 0;

	if (atomic_load(&vm->suspend) == VM_SUSPEND_NONE)
		return EBUSY;
	for (i = 0; i < vm->ncpus; i++)
		vcpu_freeze(&vm->vcpus[i]);
	for (i = 0; i < vm->ncpus && error == 0; i++) {
		struct vcpu *v = &vm->vcpus[i];

		pthread_mutex_lock(&v->mtx);
		if (v->in_run)
			error = EBUSY;
		pthread_mutex_unlock(&v->mtx);
	}
	if (error != 0)
		goto thaw;

	for (i = 0; i < vm->ncpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		/*
		 * The owner's (o) fields too: its thread is outside vm_run()
		 * and cannot come back in while the vCPU is frozen.
		 * ops->reset keeps the hart's copy of the breakpoint and
		 * watchpoint lists and flushes its TLB and decoded code.
		 */
		vm->ops->reset(v->hart, VM_RAM_BASE);
		vm->ops->flush_tlb(v->hart);
		vm->ops->invalidate_code(v->hart, 0, 0);
		pthread_mutex_lock(&v->mtx);
		v->pending = 0;
		v->in_wfi = false;
		pthread_mutex_unlock(&v->mtx);
		v->skip_bp = v->skip_watch = false;
		v->skip_pc = 0;
		atomic_store(&v->fence, 0);
		atomic_store(&v->debug_dirty, true);
		cpuset_clr_atomic(i, &vm->started_cpus);
	}
	/* The lines into the harts: MSIP and mtimecmp, then MEIP/SEIP. */
	aclint_reset(vm->aclint);
	plic_reset(vm->plic);
	for (i = 0; i < vm->ncpus; i++)
		atomic_store(&vm->vcpus[i].mip_ext, 0);
	/*
	 * Last, so that any vCPU that looked before the reset still saw
	 * the VM suspended.
	 */
	atomic_store(&vm->suspend_source, -1);
	atomic_store(&vm->suspend_code, 0);
	atomic_store(&vm->suspend, VM_SUSPEND_NONE);
thaw:
	for (i = 0; i < vm->ncpus; i++) {
		vcpu_thaw(&vm->vcpus[i]);
		vcpu_notify(&vm->vcpus[i]);
	}
	return error;
}

/* ---- guest-level hart state ------------------------------------------------ */

int
vm_hart_start(struct vm *vm, int vcpuid, uint64_t pc, uint64_t a0,
    uint64_t a1, int priv)
{
	struct vcpu *v = vm_vcpu(vm, vcpuid);
	int error = 0;

	if (v == NULL || (priv != PRV_M && priv != PRV_S && priv != PRV_U))
		return EINVAL;
	vcpu_freeze(v);
	if (cpuset_isset(vcpuid, &vm->started_cpus)) {
		error = EALREADY;
	} else {
		/*
		 * A hart started below M-mode is started by firmware (SBI
		 * HSM): it keeps the M-level configuration firmware gave it
		 * (delegation, counter enables, Sstc), as a real hart would,
		 * so it does not run its first instructions undelegated.
		 */
		static const int keep[] = { 0x302, 0x303, 0x306, 0x30a };
		uint64_t saved[sizeof(keep) / sizeof(keep[0])];
		size_t k, nkeep = priv == PRV_M ? 0 : sizeof(keep) / sizeof(keep[0]);

		for (k = 0; k < nkeep; k++)
			vm->ops->get_reg(v->hart, VM_REG_CSR(keep[k]), &saved[k]);
		vm->ops->reset(v->hart, pc);
		for (k = 0; k < nkeep; k++)
			vm->ops->set_reg(v->hart, VM_REG_CSR(keep[k]), saved[k]);
		vm->ops->set_reg(v->hart, VM_REG_X(10), a0);
		vm->ops->set_reg(v->hart, VM_REG_X(11), a1);
		vm->ops->set_reg(v->hart, VM_REG_PRIV, (uint64_t)priv);
		pthread_mutex_lock(&v->mtx);
		v->pending = 0;
		pthread_mutex_unlock(&v->mtx);
		cpuset_set_atomic(vcpuid, &vm->started_cpus);
	}
	vcpu_thaw(v);
	vcpu_notify(v);
	return error;
}

int
vm_hart_stop(struct vm *vm, int vcpuid)
{
	struct vcpu *v = vm_vcpu(vm, vcpuid);

	if (v == NULL)
		return EINVAL;
	vcpu_freeze(v);
	/*
	 * An SBI hart_stop does not return: drop the pending completion of
	 * its ecall so a later hart_start's registers are not clobbered.
	 */
	pthread_mutex_lock(&v->mtx);
	v->pending = 0;
	pthread_mutex_unlock(&v->mtx);
	cpuset_clr_atomic(vcpuid, &vm->started_cpus);
	vcpu_thaw(v);
	vcpu_notify(v);
	return 0;
}

/* ---- vm_run ---------------------------------------------------------------------- */

static bool
vcpu_cap(struct vcpu *v, int cap)
{
	return (atomic_load(&v->caps) >> cap) & 1;
}

/* Work queued by other threads that must happen before the engine runs. */
static void
vcpu_apply_pending(struct vcpu *v)
{
	const struct hart_ops *ops = v->vm->ops;
	int fence = atomic_exchange(&v->fence, 0);

	if (fence & VM_FENCE_TLB)
		ops->flush_tlb(v->hart);
	if (fence & VM_FENCE_I)
		ops->invalidate_code(v->hart, 0, 0);
	if (atomic_exchange(&v->debug_dirty, false))
		ops->debug_changed(v->hart);
}

enum vcpu_sleep_why {
	SLEEP_STOPPED,		/* a hart not started (SBI HSM) */
	SLEEP_WFI,
	SLEEP_PAUSED,		/* in paused_cpus */
};

/*
 * A guest may poll memory in a WFI loop while an interrupt it keeps
 * masked stays pending, so that every WFI completes at once: OpenSBI
 * 1.1's HSM wait does, with the boot IPI still in MSIP, until the kernel
 * starts the hart.  Each round trip through here is cheap, but three
 * such harts took most of a 2-core host from the hart they wait for (a
 * Linux boot spent 12 s before its first message).  So after
 * WFI_SPINS such WFIs in a row, each within WFI_SPIN_INSNS instructions
 * of the last, a WFI waits WFI_SPIN_PAUSE_NS first (a kick still wakes
 * it at once): a WFI may take that long on hardware too.
 */
#define WFI_SPINS		16
#define WFI_SPIN_INSNS		256
#define WFI_SPIN_PAUSE_NS	50000

static bool
vcpu_wfi_spinning(struct vcpu *v)
{
	uint64_t now = v->vm->ops->instret(v->hart);

	v->wfi_spins = now - v->wfi_spin_at <= WFI_SPIN_INSNS ?
	    v->wfi_spins + 1 : 0;
	v->wfi_spin_at = now;
	return v->wfi_spins >= WFI_SPINS;
}

/*
 * Sleep in WFI (in_wfi), as a stopped hart or as a paused vCPU until
 * kicked or, for WFI, until an enabled interrupt is pending; a paused
 * one sleeps until unpaused (a kick alone sends it back to the run
 * loop, which sleeps again).  The hart is only looked at with v->mtx
 * held and the vCPU not FROZEN, so no freezer races us.
 */
static void
vcpu_sleep(struct vcpu *v, int why)
{
	struct vm *vm = v->vm;
	const struct hart_ops *ops = vm->ops;
	bool wfi = why == SLEEP_WFI;
	bool waited = false;	/* this WFI has slept (or paused) once */

	pthread_mutex_lock(&v->mtx);
	vcpu_set_state_locked(v, VCPU_SLEEPING);
	v->in_wfi = wfi;
	v->in_pause = why == SLEEP_PAUSED;
	if (v->in_pause)
		pthread_cond_broadcast(&v->cv);	/* vcpu_wait_paused() */
	if (wfi)
		atomic_store_explicit(&v->nwfi, atomic_load_explicit(&v->nwfi,
		    memory_order_relaxed) + 1, memory_order_relaxed);
	for (;;) {
		uint64_t deadline;

		if (atomic_load(&v->state) == VCPU_FROZEN) {
			pthread_cond_wait(&v->cv, &v->mtx);
			continue;
		}
		/* The seed's check before (and while) sleeping. */
		if (atomic_load(&v->kick) ||
		    cpuset_isset(v->vcpuid, &vm->debug_cpus) ||
		    atomic_load(&vm->suspend) != VM_SUSPEND_NONE)
			break;
		if (why == SLEEP_PAUSED) {
			if (!cpuset_isset(v->vcpuid, &vm->paused_cpus))
				break;
			pthread_cond_wait(&v->cv, &v->mtx);
			continue;
		}
		if (!wfi) {
			if (cpuset_isset(v->vcpuid, &vm->started_cpus))
				break;
			pthread_cond_wait(&v->cv, &v->mtx);
			continue;
		}
		if (ops->wfi_wakeup(v->hart, vmm_mtime(vm))) {
			if (waited || !vcpu_wfi_spinning(v))
				break;
			vcpu_wait_ns(v, WFI_SPIN_PAUSE_NS);
			waited = true;
			continue;
		}
		waited = true;
		v->wfi_spins = 0;
		deadline = ops->next_timer(v->hart);
		if (deadline == UINT64_MAX ||
		    atomic_load(&vm->frozen_mtime) != UINT64_MAX) {
			pthread_cond_wait(&v->cv, &v->mtx);
		} else {
			uint64_t now = vmm_mtime(vm);

			vcpu_wait_ns(v, deadline > now ?
			    (int64_t)((deadline - now) * 100) : 0);
		}
	}
	v->in_wfi = false;
	v->in_pause = false;
	vcpu_set_state_locked(v, VCPU_IDLE);
	pthread_mutex_unlock(&v->mtx);
}

static int vcpu_run_loop(struct vcpu *v, struct vm_exit *vme);

int
vm_run(struct vcpu *v, struct vm_exit *vme)
{
	int error;

	if (!cpuset_isset(v->vcpuid, &v->vm->active_cpus))
		return EINVAL;
	/*
	 * in_run is set before a freeze is waited out, so vm_reinit()
	 * (which freezes every vCPU, then looks at in_run) sees a thread
	 * that came in meanwhile.
	 */
	pthread_mutex_lock(&v->mtx);
	v->in_run = true;
	pthread_mutex_unlock(&v->mtx);
	error = vcpu_run_loop(v, vme);
	if (error == 0 && vme->exitcode >= 0 &&
	    vme->exitcode < VM_EXITCODE_MAX)
		atomic_store_explicit(&v->nexits[vme->exitcode],
		    atomic_load_explicit(&v->nexits[vme->exitcode],
		    memory_order_relaxed) + 1, memory_order_relaxed);
	pthread_mutex_lock(&v->mtx);
	v->in_run = false;
	pthread_mutex_unlock(&v->mtx);
	return error;
}

static int
vcpu_run_loop(struct vcpu *v, struct vm_exit *vme)
{
	struct vm *vm = v->vm;
	const struct hart_ops *ops = vm->ops;
	struct hart_run_ctl ctl;
	int pending, r;

	/* Retire the instruction behind the last exit (MMIO, ECALL). */
	pthread_mutex_lock(&v->mtx);
	vcpu_set_state_locked(v, VCPU_IDLE);
	pending = v->pending;
	v->pending = 0;
	pthread_mutex_unlock(&v->mtx);
	if (pending != 0) {
		ops->complete(v->hart, vme);
		if (vcpu_cap(v, VM_CAP_MTRAP_EXIT)) {
			memset(vme, 0, sizeof(*vme));
			vme->exitcode = VM_EXITCODE_MTRAP;
			ops->get_reg(v->hart, VM_REG_PC, &vme->pc);
			return 0;
		}
	}

	for (;;) {
		int how;

		/* Clear before checking, so a later suspend's kick is seen. */
		atomic_store(&v->kick, 0);
		how = atomic_load(&vm->suspend);
		if (how != VM_SUSPEND_NONE) {
			memset(vme, 0, sizeof(*vme));
			vme->exitcode = VM_EXITCODE_SUSPENDED;
			vme->u.suspended.how = how;
			vme->u.suspended.source = atomic_load(&vm->suspend_source);
			vme->u.suspended.code = atomic_load(&vm->suspend_code);
			return 0;
		}
		if (cpuset_isset(v->vcpuid, &vm->debug_cpus)) {
			memset(vme, 0, sizeof(*vme));
			vme->exitcode = VM_EXITCODE_DEBUG;
			return 0;
		}
		/* After the debug check: the debugger sees paused vCPUs too. */
		if (cpuset_isset(v->vcpuid, &vm->paused_cpus)) {
			vcpu_sleep(v, SLEEP_PAUSED);
			continue;
		}
		if (!cpuset_isset(v->vcpuid, &vm->started_cpus)) {
			vcpu_sleep(v, SLEEP_STOPPED);
			continue;
		}

		pthread_mutex_lock(&v->mtx);
		vcpu_set_state_locked(v, VCPU_RUNNING);
		pthread_mutex_unlock(&v->mtx);

		vcpu_apply_pending(v);
		ctl = (struct hart_run_ctl){
			.mtrap_exit = vcpu_cap(v, VM_CAP_MTRAP_EXIT),
			.bpt_exit = vcpu_cap(v, VM_CAP_BPT_EXIT),
			.mask_hwintr = vcpu_cap(v, VM_CAP_MASK_HWINTR),
			.wfi_exit = vcpu_cap(v, VM_CAP_WFI_EXIT),
			.sbi_exit = vcpu_cap(v, VM_CAP_SBI_EXIT),
			.insn_stop = atomic_load(&v->insn_stop),
		};
		if (v->skip_bp || v->skip_watch) {
			uint64_t pc;

			ops->get_reg(v->hart, VM_REG_PC, &pc);
			ctl.skip_bp_once = v->skip_bp && pc == v->skip_pc;
			ctl.skip_watch_once = v->skip_watch && pc == v->skip_pc;
			v->skip_bp = v->skip_watch = false;
		}
		r = ops->run(v->hart, &ctl, vme);

		pthread_mutex_lock(&v->mtx);
		if (r == HART_EXIT && (vme->exitcode == VM_EXITCODE_MMIO ||
		    vme->exitcode == VM_EXITCODE_ECALL))
			v->pending = vme->exitcode;
		if (r == HART_EXIT && vme->exitcode == VM_EXITCODE_BPT &&
		    !vme->u.bpt.guest) {
			v->skip_bp = true;
			v->skip_pc = vme->pc;
		} else if (r == HART_EXIT &&
		    vme->exitcode == VM_EXITCODE_WATCH) {
			v->skip_watch = true;
			v->skip_pc = vme->pc;
		} else if (r == HART_EXIT &&
		    vme->exitcode == VM_EXITCODE_INSN_STOP) {
			/* One-shot, unless userland set another meanwhile. */
			uint64_t cur = ctl.insn_stop;

			atomic_compare_exchange_strong(&v->insn_stop, &cur,
			    UINT64_MAX);
		}
		atomic_store(&v->state, VCPU_IDLE);
		pthread_cond_broadcast(&v->cv);		/* a freezer may wait */
		pthread_mutex_unlock(&v->mtx);

		switch (r) {
		case HART_KICK:
			continue;
		case HART_WFI:
			vcpu_sleep(v, SLEEP_WFI);
			continue;
		default:
			return 0;
		}
	}
}

/* ---- capabilities, registers ------------------------------------------------ */

int
vm_set_insn_stop(struct vm *vm, int vcpuid, uint64_t count)
{
	struct vcpu *v = vm_vcpu(vm, vcpuid);

	if (v == NULL)
		return EINVAL;
	atomic_store(&v->insn_stop, count);
	atomic_store(&v->kick, 1);	/* a running vCPU looks again */
	return 0;
}

int
vm_set_capability(struct vm *vm, int vcpuid, int cap, int val)
{
	struct vcpu *v = vm_vcpu(vm, vcpuid);

	if (v == NULL || cap < 0 || cap >= VM_CAP_MAX)
		return EINVAL;
	if (val)
		atomic_fetch_or(&v->caps, 1 << cap);
	else
		atomic_fetch_and(&v->caps, ~(1 << cap));
	return 0;
}

int
vm_get_capability(struct vm *vm, int vcpuid, int cap, int *val)
{
	struct vcpu *v = vm_vcpu(vm, vcpuid);

	if (v == NULL || cap < 0 || cap >= VM_CAP_MAX)
		return EINVAL;
	*val = vcpu_cap(v, cap);
	return 0;
}

int
vm_get_register(struct vm *vm, int vcpuid, int reg, uint64_t *val)
{
	struct vcpu *v = vm_vcpu(vm, vcpuid);
	int error;

	if (v == NULL || reg < 0 || reg > VM_REG_LAST)
		return EINVAL;
	vcpu_freeze(v);
	error = vm->ops->get_reg(v->hart, reg, val);
	vcpu_thaw(v);
	return error;
}

int
vm_set_register(struct vm *vm, int vcpuid, int reg, uint64_t val)
{
	struct vcpu *v = vm_vcpu(vm, vcpuid);
	int error;

	if (v == NULL || reg < 0 || reg > VM_REG_LAST)
		return EINVAL;
	vcpu_freeze(v);
	error = vm->ops->set_reg(v->hart, reg, val);
	if (error == 0 && reg == VM_REG_PC) {
		pthread_mutex_lock(&v->mtx);
		v->skip_bp = v->skip_watch = false;
		pthread_mutex_unlock(&v->mtx);
	}
	vcpu_thaw(v);
	return error;
}

/*
 * The batch forms exist so a debugger's 'g' / 'G' costs one freeze and
 * thaw (four mutex operations, and a kick plus a wait for a running
 * vCPU) instead of one per register: 65 for a 'g' with an FPU.  The
 * range is checked whole before the vCPU is frozen, so a bad range
 * never disturbs a running vCPU.
 */
static bool
reg_range_ok(int first, int count)
{
	return first >= 0 && count >= 0 && first <= VM_REG_LAST + 1 &&
	    count <= VM_REG_LAST + 1 - first;
}

int
vm_get_registers(struct vm *vm, int vcpuid, int first, int count,
    uint64_t *vals)
{
	struct vcpu *v = vm_vcpu(vm, vcpuid);
	int error = 0;

	if (v == NULL || !reg_range_ok(first, count))
		return EINVAL;
	if (count == 0)
		return 0;
	vcpu_freeze(v);
	for (int i = 0; i < count && error == 0; i++)
		error = vm->ops->get_reg(v->hart, first + i, &vals[i]);
	vcpu_thaw(v);
	return error;
}

int
vm_set_registers(struct vm *vm, int vcpuid, int first, int count,
    const uint64_t *vals)
{
	struct vcpu *v = vm_vcpu(vm, vcpuid);
	bool pc_written = false;
	int error = 0;

	if (v == NULL || !reg_range_ok(first, count))
		return EINVAL;
	if (count == 0)
		return 0;
	vcpu_freeze(v);
	for (int i = 0; i < count && error == 0; i++) {
		error = vm->ops->set_reg(v->hart, first + i, vals[i]);
		if (error == 0 && first + i == VM_REG_PC)
			pc_written = true;
	}
	/*
	 * As vm_set_register(): a written pc cancels the pending pass of a
	 * breakpoint or watchpoint, even if a later register failed (the
	 * pc was changed all the same).
	 */
	if (pc_written) {
		pthread_mutex_lock(&v->mtx);
		v->skip_bp = v->skip_watch = false;
		pthread_mutex_unlock(&v->mtx);
	}
	vcpu_thaw(v);
	return error;
}

int
vm_gla2gpa(struct vm *vm, int vcpuid, uint64_t gla, int prot, uint64_t *gpa,
    int *fault)
{
	struct vcpu *v = vm_vcpu(vm, vcpuid);
	int error;

	if (v == NULL || (prot & ~(VM_PROT_READ | VM_PROT_WRITE | VM_PROT_EXEC)))
		return EINVAL;
	vcpu_freeze(v);
	error = vm->ops->gla2gpa(v->hart, gla, prot, gpa, fault);
	vcpu_thaw(v);
	return error;
}

int
vm_get_vcpu_info(struct vm *vm, int vcpuid, struct vcpu_info *info)
{
	struct vcpu *v = vm_vcpu(vm, vcpuid);
	uint64_t priv = 0;

	if (v == NULL)
		return EINVAL;
	memset(info, 0, sizeof(*info));
	info->active = cpuset_isset(vcpuid, &vm->active_cpus);
	info->started = cpuset_isset(vcpuid, &vm->started_cpus);
	info->debugged = cpuset_isset(vcpuid, &vm->debug_cpus);
	info->paused = cpuset_isset(vcpuid, &vm->paused_cpus);
	vcpu_freeze(v);
	info->state = v->frozen_from;
	info->in_wfi = v->in_wfi;
	vm->ops->get_reg(v->hart, VM_REG_PC, &info->pc);
	vm->ops->get_reg(v->hart, VM_REG_PRIV, &priv);
	info->instret = vm->ops->instret(v->hart);
	info->instret_checked = vm->ops->checked_instret(v->hart);
	vcpu_thaw(v);
	info->priv = (int)priv;
	return 0;
}

/* ---- memory, interrupts, fences ------------------------------------------- */

void
vm_invalidate_code(struct vm *vm, uint64_t gpa, size_t len)
{
	for (int i = 0; i < vm->ncpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		vcpu_freeze(v);
		vm->ops->invalidate_code(v->hart, gpa, len);
		vcpu_thaw(v);
	}
}

int
vm_raise_ssip(struct vm *vm, int vcpuid)
{
	struct vcpu *v = vm_vcpu(vm, vcpuid);

	if (v == NULL)
		return EINVAL;
	atomic_fetch_or(&v->mip_ext, MIP_SSIP);
	vcpu_notify(v);
	return 0;
}

int
vm_remote_fence(struct vm *vm, int vcpuid, int what)
{
	struct vcpu *v = vm_vcpu(vm, vcpuid);

	if (v == NULL || (what & ~(VM_FENCE_TLB | VM_FENCE_I)) != 0)
		return EINVAL;
	atomic_fetch_or(&v->fence, what);
	vcpu_notify(v);
	return 0;
}

int
vm_irq_set(struct vm *vm, int irq, int level)
{
	if (irq < 1 || irq >= VM_PLIC_NSOURCES)
		return EINVAL;
	plic_set_irq(vm->plic, irq, (level & VM_IRQ_LATCHED) | (level & 1));
	return 0;
}

void
vmm_set_mip_ext(struct vm *vm, int vcpuid, uint64_t bit, bool level)
{
	struct vcpu *v = vm_vcpu(vm, vcpuid);
	uint64_t old;

	if (v == NULL)
		return;
	if (level)
		old = atomic_fetch_or(&v->mip_ext, bit);
	else
		old = atomic_fetch_and(&v->mip_ext, ~bit);
	if (((old & bit) != 0) != level)
		vcpu_notify(v);
}

uint64_t
vmm_get_mip_ext(struct vm *vm, int vcpuid)
{
	struct vcpu *v = vm_vcpu(vm, vcpuid);

	return v == NULL ? 0 : atomic_load(&v->mip_ext);
}

void
vmm_set_mtimecmp(struct vm *vm, int vcpuid, uint64_t val)
{
	struct vcpu *v = vm_vcpu(vm, vcpuid);

	if (v == NULL)
		return;
	atomic_store(&v->mtimecmp, val);
	vcpu_notify(v);
}

uint64_t
vmm_get_mtimecmp(struct vm *vm, int vcpuid)
{
	struct vcpu *v = vm_vcpu(vm, vcpuid);

	return v == NULL ? 0 : atomic_load(&v->mtimecmp);
}

int
vmm_mmio_read(struct vcpu *vcpu, uint64_t gpa, int size, uint64_t *val)
{
	struct vm *vm = vcpu->vm;

	if (gpa - VM_ACLINT_BASE < VM_ACLINT_SIZE)
		return aclint_mmio(vm->aclint, gpa - VM_ACLINT_BASE, size, false, val);
	if (gpa - VM_PLIC_BASE < VM_PLIC_SIZE)
		return plic_mmio(vm->plic, gpa - VM_PLIC_BASE, size, false, val);
	return VMM_MMIO_EXIT;
}

int
vmm_mmio_write(struct vcpu *vcpu, uint64_t gpa, int size, uint64_t val)
{
	struct vm *vm = vcpu->vm;

	if (gpa - VM_ACLINT_BASE < VM_ACLINT_SIZE)
		return aclint_mmio(vm->aclint, gpa - VM_ACLINT_BASE, size, true, &val);
	if (gpa - VM_PLIC_BASE < VM_PLIC_SIZE)
		return plic_mmio(vm->plic, gpa - VM_PLIC_BASE, size, true, &val);
	return VMM_MMIO_EXIT;
}

/* ---- breakpoints and watchpoints ------------------------------------------------ */

static void
vm_debug_points_changed(struct vm *vm)
{
	for (int i = 0; i < vm->ncpus; i++) {
		atomic_store(&vm->vcpus[i].debug_dirty, true);
		vcpu_notify(&vm->vcpus[i]);
	}
}

int
vm_set_breakpoint(struct vm *vm, uint64_t addr, bool insert)
{
	int i, error = 0;

	pthread_mutex_lock(&vm->mtx);
	for (i = 0; i < vm->nbps && vm->bps[i] != addr; i++)
		;
	if (insert) {
		if (i < vm->nbps)
			error = EEXIST;
		else if (vm->nbps == VM_MAX_BREAKPOINTS)
			error = ENOSPC;
		else
			vm->bps[vm->nbps++] = addr;
	} else {
		if (i == vm->nbps)
			error = ENOENT;
		else
			vm->bps[i] = vm->bps[--vm->nbps];
	}
	pthread_mutex_unlock(&vm->mtx);
	if (error == 0)
		vm_debug_points_changed(vm);
	return error;
}

int
vm_set_watchpoint(struct vm *vm, uint64_t addr, uint64_t len, int type,
    bool insert)
{
	int i, error = 0;

	if (len == 0 || addr + len < addr ||
	    (type != VM_WATCH_READ && type != VM_WATCH_WRITE &&
	    type != VM_WATCH_ACCESS))
		return EINVAL;
	pthread_mutex_lock(&vm->mtx);
	for (i = 0; i < vm->nwps; i++)
		if (vm->wps[i].addr == addr && vm->wps[i].len == len &&
		    vm->wps[i].type == type)
			break;
	if (insert) {
		if (i < vm->nwps)
			error = EEXIST;
		else if (vm->nwps == VM_MAX_WATCHPOINTS)
			error = ENOSPC;
		else
			vm->wps[vm->nwps++] = (struct vmm_watchpoint){
				.addr = addr, .len = len, .type = type };
	} else {
		if (i == vm->nwps)
			error = ENOENT;
		else
			vm->wps[i] = vm->wps[--vm->nwps];
	}
	pthread_mutex_unlock(&vm->mtx);
	if (error == 0)
		vm_debug_points_changed(vm);
	return error;
}

int
vmm_breakpoints(struct vm *vm, uint64_t *addrs, int max)
{
	int n;

	pthread_mutex_lock(&vm->mtx);
	n = vm->nbps;
	if (n > 0 && max > 0)
		memcpy(addrs, vm->bps, sizeof(*addrs) * (size_t)(n < max ? n : max));
	pthread_mutex_unlock(&vm->mtx);
	return n;
}

int
vmm_watchpoints(struct vm *vm, struct vmm_watchpoint *wps, int max)
{
	int n;

	pthread_mutex_lock(&vm->mtx);
	n = vm->nwps;
	if (n > 0 && max > 0)
		memcpy(wps, vm->wps, sizeof(*wps) * (size_t)(n < max ? n : max));
	pthread_mutex_unlock(&vm->mtx);
	return n;
}
