/*
 * vm_state.c - the VM's state but RAM as one image (vmm_kern.h's
 * vm_state_save/restore): what record/replay snapshots and reverse
 * execution need to put a VM back where it was.
 *
 * Image: a header (magic, version, the VM's shape and mtime), then per
 * vCPU its flags, interrupt lines, mtimecmp and the engine's
 * architectural image, then the PLIC's.  Only images of a VM of the same
 * shape (vCPUs, engine image size, PLIC size) are taken back.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "plic.h"
#include "vm_impl.h"
#include "vmm_intr.h"
#include "vmm_kern.h"

#define STATE_MAGIC	0x74537652u	/* "RvSt" */
#define STATE_VERSION	1

struct state_hdr {
	uint32_t	magic;
	uint32_t	version;
	uint32_t	ncpus;
	uint32_t	hart_size;
	uint64_t	plic_size;
	uint64_t	mtime;
};

struct state_vcpu {
	uint64_t	mip_ext;
	uint64_t	mtimecmp;
	uint8_t		started;
	uint8_t		in_wfi;
	uint8_t		pad[6];
};

size_t
vm_state_size(struct vm *vm)
{
	return sizeof(struct state_hdr) + (size_t)vm->ncpus *
	    (sizeof(struct state_vcpu) + vm->ops->state_size()) +
	    plic_state_size(vm->plic);
}

/* Freeze every vCPU; EBUSY (and thawed) if one is in vm_run() or owes an exit. */
static int
freeze_all(struct vm *vm)
{
	int error = 0;

	for (int i = 0; i < vm->ncpus; i++)
		vcpu_freeze(&vm->vcpus[i]);
	for (int i = 0; i < vm->ncpus && error == 0; i++) {
		struct vcpu *v = &vm->vcpus[i];

		pthread_mutex_lock(&v->mtx);
		if (v->in_run || v->pending != 0)
			error = EBUSY;
		pthread_mutex_unlock(&v->mtx);
	}
	if (error != 0)
		for (int i = 0; i < vm->ncpus; i++)
			vcpu_thaw(&vm->vcpus[i]);
	return error;
}

int
vm_state_save(struct vm *vm, void *buf, size_t len)
{
	uint8_t *pos = buf;
	struct state_hdr h;
	int error;

	if (len < vm_state_size(vm))
		return EINVAL;
	error = freeze_all(vm);
	if (error != 0)
		return error;
	h = (struct state_hdr){
		.magic = STATE_MAGIC, .version = STATE_VERSION,
		.ncpus = (uint32_t)vm->ncpus,
		.hart_size = (uint32_t)vm->ops->state_size(),
		.plic_size = plic_state_size(vm->plic),
		.mtime = vmm_mtime(vm),
	};
	memcpy(pos, &h, sizeof(h));
	pos += sizeof(h);
	for (int i = 0; i < vm->ncpus; i++) {
		struct vcpu *v = &vm->vcpus[i];
		struct state_vcpu s = {
			.mip_ext = atomic_load(&v->mip_ext),
			.mtimecmp = atomic_load(&v->mtimecmp),
			.started = cpuset_isset(i, &vm->started_cpus),
		};

		pthread_mutex_lock(&v->mtx);
		s.in_wfi = v->in_wfi;
		pthread_mutex_unlock(&v->mtx);
		memcpy(pos, &s, sizeof(s));
		pos += sizeof(s);
		vm->ops->state_save(v->hart, pos);
		pos += h.hart_size;
	}
	plic_state_save(vm->plic, pos);
	for (int i = 0; i < vm->ncpus; i++)
		vcpu_thaw(&vm->vcpus[i]);
	return 0;
}

int
vm_state_restore(struct vm *vm, const void *buf, size_t len)
{
	const uint8_t *pos = buf;
	struct state_hdr h;
	int error;

	if (len < sizeof(h))
		return EINVAL;
	memcpy(&h, pos, sizeof(h));
	if (h.magic != STATE_MAGIC || h.version != STATE_VERSION ||
	    h.ncpus != (uint32_t)vm->ncpus ||
	    h.hart_size != vm->ops->state_size() ||
	    h.plic_size != plic_state_size(vm->plic) ||
	    len < vm_state_size(vm))
		return EINVAL;
	pos += sizeof(h);
	error = freeze_all(vm);
	if (error != 0)
		return error;
	for (int i = 0; i < vm->ncpus; i++) {
		struct vcpu *v = &vm->vcpus[i];
		struct state_vcpu s;

		memcpy(&s, pos, sizeof(s));
		pos += sizeof(s);
		vm->ops->state_restore(v->hart, pos);
		pos += h.hart_size;
		atomic_store(&v->mip_ext, s.mip_ext);
		atomic_store(&v->mtimecmp, s.mtimecmp);
		if (s.started)
			cpuset_set_atomic(i, &vm->started_cpus);
		else
			cpuset_clr_atomic(i, &vm->started_cpus);
		pthread_mutex_lock(&v->mtx);
		v->in_wfi = s.in_wfi;
		v->wfi_spins = 0;
		pthread_mutex_unlock(&v->mtx);
		/* A pass over a reported debug point belongs to the old timeline. */
		v->skip_bp = v->skip_watch = false;
		atomic_store(&v->insn_stop, UINT64_MAX);
	}
	plic_state_restore(vm->plic, pos);
	vmm_set_mtime(vm, h.mtime);
	for (int i = 0; i < vm->ncpus; i++) {
		vcpu_thaw(&vm->vcpus[i]);
		vcpu_notify(&vm->vcpus[i]);
	}
	return 0;
}
