/*
 * virtio_mmio.c - the virtio-mmio transport (Virtual I/O Device (VIRTIO)
 * Version 1.2, section 4.2: version 2, and the legacy version 1 with
 * GuestPageSize/QueuePFN/QueueAlign of section 4.2.4) and the split
 * virtqueue (section 2.7) for rhyve's device models.  Device-independent:
 * a model (virtio_blk.c) plugs in with struct virtio_dev_ops.
 *
 * Register accesses below 0x100 must be 32 bits wide (4.2.2); others read
 * as zero and are ignored, as QEMU does.  The configuration space at
 * 0x100 is the model's.
 *
 * The rings live in guest RAM and the guest may rewrite them at any time,
 * also while we read them: each descriptor is copied once and then only
 * the copy is used, every index is range-checked, every buffer goes
 * through vm_map_gpa() (NULL: not RAM), and walks are bounded by the
 * table size, so a loop ends.  Breaking a rule makes the device need a
 * reset (virtio_mmio_error), as QEMU's virtio_error() does.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/fence.h"
#include "mem.h"
#include "state_image.h"
#include "virt.h"
#include "virtio_mmio.h"
#include "vmmapi/vmmapi.h"

/* Feature bits the transport itself offers. */
#define VIRTIO_TRANSPORT_FEATURES					\
	((UINT64_C(1) << VIRTIO_F_INDIRECT_DESC) |			\
	 (UINT64_C(1) << VIRTIO_F_EVENT_IDX))

#define VIRTIO_MAX_ERROR_REPORTS	10

/*
 * Every transport initialised, by slot, for snapshots in record mode.
 * Written at init and fini (machine set-up and teardown, one thread),
 * read by the recorder's thread in between.
 */
static struct virtio_mmio *all_devs[VIRT_VIRTIO_COUNT];
#define LEGACY_PAGE_SIZE_DEFAULT	4096
#define LEGACY_ALIGN_DEFAULT		4096

static uint64_t
virtio_offered(const struct virtio_mmio *vm)
{
	uint64_t f = vm->ops->features | VIRTIO_TRANSPORT_FEATURES;

	if (!vm->legacy)
		f |= UINT64_C(1) << VIRTIO_F_VERSION_1;
	else
		f &= UINT32_MAX;	/* legacy: one 32-bit feature word */
	return f;
}

bool
virtio_has_feature(const struct virtio_mmio *vm, int bit)
{
	return (vm->drv_features >> bit) & 1;
}

static void
virtio_update_irq(struct virtio_mmio *vm)
{
	int level = vm->isr != 0;

	if (level != vm->irq_level) {
		vm->irq_level = level;
		(void)vm_irq_set(vm->ctx, vm->irq, level);
	}
}

void
virtio_mmio_error(struct virtio_mmio *vm, const char *why)
{
	if (vm->broken)
		return;
	/* A guest looping on break and reset must not flood stderr. */
	if (vm->nerrors < VIRTIO_MAX_ERROR_REPORTS)
		fprintf(stderr, "rhyve: %s at %#jx: %s; device needs reset%s\n",
		    vm->ops->name, (uintmax_t)vm->base, why,
		    ++vm->nerrors == VIRTIO_MAX_ERROR_REPORTS ?
		    " (further errors not reported)" : "");
	vm->broken = true;
	vm->status |= VIRTIO_STATUS_NEEDS_RESET;
	if (vm->status & VIRTIO_STATUS_DRIVER_OK) {
		vm->isr |= VIRTIO_MMIO_INT_CONFIG;
		virtio_update_irq(vm);
	}
}

void
virtio_mmio_config_changed(struct virtio_mmio *vm)
{
	vm->config_gen++;
	if (vm->status & VIRTIO_STATUS_DRIVER_OK) {
		vm->isr |= VIRTIO_MMIO_INT_CONFIG;
		virtio_update_irq(vm);
	}
}

/*
 * A queue after reset: size at its maximum until the driver writes one,
 * as QEMU has it (a legacy driver may never write QueueNum).
 */
static void
vq_reset(struct vqueue *vq, uint16_t max)
{
	memset(vq, 0, sizeof(*vq));
	vq->num = max;
	vq->align = LEGACY_ALIGN_DEFAULT;
}

static void
virtio_reset(struct virtio_mmio *vm)
{
	vm->status = 0;
	vm->dev_feat_sel = vm->drv_feat_sel = 0;
	vm->drv_features = 0;
	vm->queue_sel = 0;
	vm->isr = 0;
	vm->broken = false;
	for (int i = 0; i < vm->ops->nqueues; i++)
		vq_reset(&vm->queues[i], vm->ops->queue_max);
	if (vm->ops->reset != NULL)
		vm->ops->reset(vm);
	virtio_update_irq(vm);
}

static struct vqueue *
virtio_cur_queue(struct virtio_mmio *vm)
{
	if (vm->queue_sel >= (uint32_t)vm->ops->nqueues)
		return NULL;
	return &vm->queues[vm->queue_sel];
}

/*
 * Check the selected queue's size and ring addresses and map the rings:
 * the driver made it ready (QueueReady = 1, or a legacy QueuePFN).
 * Returns false (and the device needs reset) when they are unusable.
 */
static bool
vq_setup(struct virtio_mmio *vm, struct vqueue *vq)
{
	uint32_t num = vq->num;
	uint64_t avail_end;

	if (num == 0 || num > vm->ops->queue_max || (num & (num - 1)) != 0) {
		virtio_mmio_error(vm, "bad queue size");
		return false;
	}
	if (vm->legacy) {
		if (vq->align == 0 || (vq->align & (vq->align - 1)) != 0 ||
		    vm->guest_page_size == 0) {
			virtio_mmio_error(vm, "bad legacy queue alignment");
			return false;
		}
		/* 32-bit PFN times 32-bit page size: no overflow in 64 bits. */
		vq->desc_gpa = (uint64_t)vq->pfn * vm->guest_page_size;
		vq->avail_gpa = vq->desc_gpa + 16 * (uint64_t)num;
		avail_end = vq->avail_gpa + 6 + 2 * (uint64_t)num;
		vq->used_gpa = (avail_end + vq->align - 1) &
		    ~((uint64_t)vq->align - 1);
	} else if ((vq->desc_gpa & 15) != 0 || (vq->avail_gpa & 1) != 0 ||
	    (vq->used_gpa & 3) != 0) {
		virtio_mmio_error(vm, "misaligned ring");
		return false;
	}
	vq->desc = vm_map_gpa(vm->ctx, vq->desc_gpa, 16 * (size_t)num);
	vq->avail = vm_map_gpa(vm->ctx, vq->avail_gpa, 6 + 2 * (size_t)num);
	vq->used = vm_map_gpa(vm->ctx, vq->used_gpa, 6 + 8 * (size_t)num);
	if (vq->desc == NULL || vq->avail == NULL || vq->used == NULL ||
	    ((uintptr_t)vq->desc & 7) != 0) {
		vq->desc = NULL;
		vq->avail = vq->used = NULL;
		virtio_mmio_error(vm, "ring outside guest RAM");
		return false;
	}
	vq->last_avail = 0;
	vq->used_idx = 0;
	vq->signalled_valid = false;
	vq->ready = true;
	return true;
}

static void
vq_stop(struct vqueue *vq)
{
	vq->ready = false;
	vq->desc = NULL;
	vq->avail = vq->used = NULL;
}

/* ---- split virtqueue ---------------------------------------------------- */

static uint16_t
ring_load(const uint16_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

/*
 * Copy a descriptor out of guest memory once; everything after looks at
 * the copy only.  The table may be unaligned (indirect tables can be
 * anywhere), hence memcpy behind a compiler barrier.
 */
static void
desc_read(const struct virtq_desc *table, uint32_t i, struct virtq_desc *d)
{
	memcpy(d, (const uint8_t *)table + 16 * (size_t)i, sizeof(*d));
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
}

/* Add one buffer to the chain.  Returns false on a rule broken. */
static bool
vq_add_buf(struct virtio_mmio *vm, struct vq_chain *c,
    const struct virtq_desc *d)
{
	void *p;
	int n = c->nread + c->nwrite;

	if (d->len == 0)
		return true;	/* legal and useless: nothing to map */
	if (n >= VQ_CHAIN_MAX) {
		virtio_mmio_error(vm, "descriptor chain too long");
		return false;
	}
	p = vm_map_gpa(vm->ctx, d->addr, d->len);
	if (p == NULL) {
		virtio_mmio_error(vm, "buffer outside guest RAM");
		return false;
	}
	if (d->flags & VIRTQ_DESC_F_WRITE) {
		c->nwrite++;
		c->write_len += d->len;
	} else {
		if (c->nwrite > 0) {
			virtio_mmio_error(vm,
			    "readable descriptor after a writable one");
			return false;
		}
		c->nread++;
		c->read_len += d->len;
	}
	c->iov[n].iov_base = p;
	c->iov[n].iov_len = d->len;
	return true;
}

int
vq_getchain(struct virtio_mmio *vm, struct vqueue *vq, struct vq_chain *c)
{
	const struct virtq_desc *table;
	struct virtq_desc d;
	uint32_t tsize, idx, count;
	uint16_t avail_idx, head;
	bool indirect = false;

	if (!vq->ready || vm->broken)
		return vm->broken ? -1 : 0;
	avail_idx = ring_load(&vq->avail[1]);
	if ((uint16_t)(avail_idx - vq->last_avail) > vq->num) {
		virtio_mmio_error(vm, "available index moved too far");
		return -1;
	}
	if (avail_idx == vq->last_avail)
		return 0;
	head = ring_load(&vq->avail[2 + vq->last_avail % vq->num]);
	if (head >= vq->num) {
		virtio_mmio_error(vm, "available ring entry out of range");
		return -1;
	}

	memset(c, 0, offsetof(struct vq_chain, iov));
	c->head = head;
	table = vq->desc;
	tsize = vq->num;
	idx = head;
	count = 0;
	for (;;) {
		if (idx >= tsize) {
			virtio_mmio_error(vm, "descriptor index out of range");
			return -1;
		}
		/* A chain visits each entry of its table at most once. */
		if (++count > tsize) {
			virtio_mmio_error(vm, "descriptor loop");
			return -1;
		}
		desc_read(table, idx, &d);
		if (d.flags & VIRTQ_DESC_F_INDIRECT) {
			if (!virtio_has_feature(vm, VIRTIO_F_INDIRECT_DESC) ||
			    indirect || count != 1 ||
			    (d.flags & VIRTQ_DESC_F_NEXT)) {
				virtio_mmio_error(vm,
				    "misplaced indirect descriptor");
				return -1;
			}
			if (d.len == 0 || d.len % 16 != 0 ||
			    d.len / 16 > VQ_CHAIN_MAX) {
				virtio_mmio_error(vm,
				    "bad indirect table length");
				return -1;
			}
			table = vm_map_gpa(vm->ctx, d.addr, d.len);
			if (table == NULL) {
				virtio_mmio_error(vm,
				    "indirect table outside guest RAM");
				return -1;
			}
			tsize = d.len / 16;
			idx = 0;
			count = 0;
			indirect = true;
			continue;
		}
		if (!vq_add_buf(vm, c, &d))
			return -1;
		if (!(d.flags & VIRTQ_DESC_F_NEXT))
			break;
		idx = d.next;
	}
	vq->last_avail++;
	if (virtio_has_feature(vm, VIRTIO_F_EVENT_IDX)) {
		/* avail_event: notify us when the driver passes this index. */
		__atomic_store_n(&vq->used[2 + 4 * vq->num], vq->last_avail,
		    __ATOMIC_RELEASE);
		/*
		 * Store avail_event before the next load of avail->idx: a
		 * driver that read the old avail_event skipped its notify,
		 * and we must then see its new index (2.7.10).
		 */
		host_fence();
	}
	return 1;
}

void
vq_relchain(struct virtio_mmio *vm, struct vqueue *vq, uint16_t head,
    uint32_t len)
{
	struct virtq_used_elem e = { .id = head, .len = len };

	(void)vm;
	if (!vq->ready)
		return;
	memcpy((uint8_t *)&vq->used[2] + 8 * (size_t)(vq->used_idx % vq->num),
	    &e, sizeof(e));
	vq->used_idx++;
	/* The element is visible before the index that publishes it. */
	__atomic_store_n(&vq->used[1], vq->used_idx, __ATOMIC_RELEASE);
}

void
vq_endchains(struct virtio_mmio *vm, struct vqueue *vq)
{
	uint16_t old, new, event;
	bool intr;

	if (!vq->ready)
		return;
	/* Our used->idx store before the driver's flags / used_event. */
	host_fence();
	new = vq->used_idx;
	old = vq->signalled_used;
	if (virtio_has_feature(vm, VIRTIO_F_EVENT_IDX)) {
		event = ring_load(&vq->avail[2 + vq->num]);
		/* vring_need_event() of the spec (2.7.10). */
		intr = new != old && (!vq->signalled_valid ||
		    (uint16_t)(new - event - 1) < (uint16_t)(new - old));
	} else {
		intr = new != old &&
		    !(ring_load(&vq->avail[0]) & VIRTQ_AVAIL_F_NO_INTERRUPT);
	}
	vq->signalled_used = new;
	vq->signalled_valid = true;
	if (intr) {
		vm->isr |= VIRTIO_MMIO_INT_VRING;
		virtio_update_irq(vm);
	}
}

/* ---- registers ---------------------------------------------------------- */

static uint32_t
virtio_reg_read(struct virtio_mmio *vm, uint64_t off)
{
	struct vqueue *vq = virtio_cur_queue(vm);
	uint64_t f;

	switch (off) {
	case VIRTIO_MMIO_MAGIC:
		return VIRTIO_MMIO_MAGIC_VALUE;
	case VIRTIO_MMIO_VERSION:
		return vm->legacy ? 1 : 2;
	case VIRTIO_MMIO_DEVICE_ID:
		return vm->ops->device_id;
	case VIRTIO_MMIO_VENDOR_ID:
		return VIRTIO_MMIO_VENDOR;
	case VIRTIO_MMIO_DEVICE_FEATURES:
		f = virtio_offered(vm);
		if (vm->dev_feat_sel == 0)
			return (uint32_t)f;
		if (vm->dev_feat_sel == 1)
			return (uint32_t)(f >> 32);
		return 0;
	case VIRTIO_MMIO_QUEUE_NUM_MAX:
		return vq != NULL ? vm->ops->queue_max : 0;
	case VIRTIO_MMIO_QUEUE_READY:
		return !vm->legacy && vq != NULL && vq->ready;
	case VIRTIO_MMIO_QUEUE_PFN:
		return vm->legacy && vq != NULL ? vq->pfn : 0;
	case VIRTIO_MMIO_INTERRUPT_STATUS:
		return vm->isr;
	case VIRTIO_MMIO_STATUS:
		return vm->status;
	case VIRTIO_MMIO_SHM_LEN_LOW:
	case VIRTIO_MMIO_SHM_LEN_HIGH:
		/* No shared memory regions: length ~0 (4.2.2). */
		return UINT32_MAX;
	case VIRTIO_MMIO_CONFIG_GENERATION:
		return vm->legacy ? 0 : vm->config_gen;
	}
	return 0;
}

/* Driver wrote Status. */
static void
virtio_set_status(struct virtio_mmio *vm, uint32_t val)
{
	uint64_t offered = virtio_offered(vm);

	if (val == 0) {
		virtio_reset(vm);
		return;
	}
	val &= 0xff & ~VIRTIO_STATUS_NEEDS_RESET;
	if (!vm->legacy && (val & VIRTIO_STATUS_FEATURES_OK) &&
	    !(vm->status & VIRTIO_STATUS_FEATURES_OK)) {
		/*
		 * The driver may only accept what we offered.  A driver
		 * that leaves VERSION_1 out is accepted all the same, as
		 * QEMU accepts it: xv6-riscv's driver never writes the
		 * high feature word, yet drives the modern layout.
		 */
		if ((vm->drv_features & ~offered) != 0)
			val &= ~VIRTIO_STATUS_FEATURES_OK;
	}
	if (vm->legacy)
		vm->drv_features &= offered;
	vm->status = val | (vm->broken ? VIRTIO_STATUS_NEEDS_RESET : 0);
}

/* Replace the low or high 32 bits of *p. */
static void
set_half(uint64_t *p, bool high, uint32_t val)
{
	if (high)
		*p = (*p & UINT32_MAX) | (uint64_t)val << 32;
	else
		*p = (*p & ~(uint64_t)UINT32_MAX) | val;
}

static void
virtio_reg_write(struct virtio_mmio *vm, uint64_t off, uint32_t val)
{
	struct vqueue *vq = virtio_cur_queue(vm);

	switch (off) {
	case VIRTIO_MMIO_DEVICE_FEATURES_SEL:
		vm->dev_feat_sel = val;
		return;
	case VIRTIO_MMIO_DRIVER_FEATURES:
		/* Frozen once FEATURES_OK is set (3.1.1). */
		if (vm->status & VIRTIO_STATUS_FEATURES_OK)
			return;
		if (vm->drv_feat_sel <= 1)
			set_half(&vm->drv_features, vm->drv_feat_sel, val);
		return;
	case VIRTIO_MMIO_DRIVER_FEATURES_SEL:
		vm->drv_feat_sel = val;
		return;
	case VIRTIO_MMIO_GUEST_PAGE_SIZE:
		if (vm->legacy)
			vm->guest_page_size = val;
		return;
	case VIRTIO_MMIO_QUEUE_SEL:
		vm->queue_sel = val;
		return;
	case VIRTIO_MMIO_QUEUE_NUM:
		if (vq != NULL && !vq->ready)
			vq->num = val;
		return;
	case VIRTIO_MMIO_QUEUE_ALIGN:
		if (vm->legacy && vq != NULL && !vq->ready)
			vq->align = val;
		return;
	case VIRTIO_MMIO_QUEUE_PFN:
		if (!vm->legacy || vq == NULL)
			return;
		vq_stop(vq);
		vq->pfn = val;
		if (val != 0)
			(void)vq_setup(vm, vq);
		return;
	case VIRTIO_MMIO_QUEUE_READY:
		if (vm->legacy || vq == NULL)
			return;
		if (val == 0) {
			vq_stop(vq);
		} else if (!vq->ready) {
			(void)vq_setup(vm, vq);
		}
		return;
	case VIRTIO_MMIO_QUEUE_NOTIFY:
		if (val < (uint32_t)vm->ops->nqueues && !vm->broken &&
		    (vm->status & VIRTIO_STATUS_DRIVER_OK) &&
		    vm->queues[val].ready)
			vm->ops->notify(vm, (int)val);
		return;
	case VIRTIO_MMIO_INTERRUPT_ACK:
		vm->isr &= ~val;
		virtio_update_irq(vm);
		return;
	case VIRTIO_MMIO_STATUS:
		virtio_set_status(vm, val);
		return;
	}
	if (vm->legacy || vq == NULL || vq->ready)
		return;
	/* Ring addresses: only while the queue is not ready (4.2.2). */
	switch (off) {
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
		set_half(&vq->desc_gpa, off & 4, val);
		break;
	case VIRTIO_MMIO_QUEUE_AVAIL_LOW:
	case VIRTIO_MMIO_QUEUE_AVAIL_HIGH:
		set_half(&vq->avail_gpa, off & 4, val);
		break;
	case VIRTIO_MMIO_QUEUE_USED_LOW:
	case VIRTIO_MMIO_QUEUE_USED_HIGH:
		set_half(&vq->used_gpa, off & 4, val);
		break;
	}
}

static int
virtio_mmio_handler(void *arg, int vcpu, bool write, uint64_t off, int size,
    uint64_t *val)
{
	struct virtio_mmio *vm = arg;
	int error = 0;

	(void)vcpu;
	pthread_mutex_lock(&vm->mtx);
	if (vm->queues == NULL) {
		/* After virtio_mmio_fini: a dead device. */
		if (!write)
			*val = 0;
	} else if (off >= VIRTIO_MMIO_CONFIG) {
		if (vm->ops->cfg_access != NULL) {
			error = vm->ops->cfg_access(vm, write,
			    off - VIRTIO_MMIO_CONFIG, size, val);
		} else if (!write) {
			*val = 0;
		}
	} else if (size != 4 || (off & 3) != 0) {
		/* Registers are 32-bit only; QEMU ignores the rest too. */
		if (!write)
			*val = 0;
	} else if (write) {
		virtio_reg_write(vm, off, (uint32_t)*val);
	} else {
		*val = virtio_reg_read(vm, off);
	}
	pthread_mutex_unlock(&vm->mtx);
	return error;
}

int
virtio_mmio_init(struct virtio_mmio *vm, struct vmctx *ctx, uint64_t base,
    int irq, bool legacy, const struct virtio_dev_ops *ops, void *softc)
{
	struct mmio_range r;

	memset(vm, 0, sizeof(*vm));
	pthread_mutex_init(&vm->mtx, NULL);
	vm->ctx = ctx;
	vm->base = base;
	vm->irq = irq;
	vm->legacy = legacy;
	vm->ops = ops;
	vm->softc = softc;
	vm->guest_page_size = LEGACY_PAGE_SIZE_DEFAULT;
	vm->queues = calloc((size_t)ops->nqueues, sizeof(*vm->queues));
	if (vm->queues == NULL) {
		fprintf(stderr, "rhyve: %s: out of memory\n", ops->name);
		pthread_mutex_destroy(&vm->mtx);
		return -1;
	}
	for (int i = 0; i < ops->nqueues; i++)
		vq_reset(&vm->queues[i], vm->ops->queue_max);

	if (base >= VIRT_VIRTIO_BASE && (base - VIRT_VIRTIO_BASE) /
	    VIRT_VIRTIO_SIZE < VIRT_VIRTIO_COUNT)
		all_devs[(base - VIRT_VIRTIO_BASE) / VIRT_VIRTIO_SIZE] = vm;

	memset(&r, 0, sizeof(r));
	r.name = ops->name;
	r.base = base;
	r.size = VIRT_VIRTIO_SIZE;
	r.handler = virtio_mmio_handler;
	r.arg = vm;
	if (mmio_register(&r) != 0) {
		fprintf(stderr, "rhyve: %s: virtio-mmio window at %#jx is "
		    "taken\n", ops->name, (uintmax_t)base);
		for (int i = 0; i < VIRT_VIRTIO_COUNT; i++)
			if (all_devs[i] == vm)
				all_devs[i] = NULL;
		free(vm->queues);
		vm->queues = NULL;
		pthread_mutex_destroy(&vm->mtx);
		return -1;
	}
	return 0;
}

void
virtio_mmio_fini(struct virtio_mmio *vm)
{
	if (vm->queues == NULL)
		return;
	pthread_mutex_lock(&vm->mtx);
	free(vm->queues);
	vm->queues = NULL;
	pthread_mutex_unlock(&vm->mtx);
	/*
	 * The mutex stays initialised: the window may still be registered
	 * and the machine unregisters every window after the vCPUs stop.
	 */
}

/*
 * Machine reset: the same as the driver writing 0 to Status (queues,
 * features, interrupt status; the device model's reset hook runs).
 */
void
virtio_mmio_reset(struct virtio_mmio *vm)
{
	pthread_mutex_lock(&vm->mtx);
	if (vm->queues != NULL)
		virtio_reset(vm);
	pthread_mutex_unlock(&vm->mtx);
}

/* ---- snapshots (record mode) -------------------------------------------- */

/*
 * The layout of one transport's state: a header, then one entry per
 * queue.  Explicit padding, so that every byte (hashed into a
 * recording's checks) is the state's.
 */
struct vio_state_hdr {
	uint64_t	drv_features;
	uint32_t	status, dev_feat_sel, drv_feat_sel, queue_sel;
	uint32_t	isr, config_gen, guest_page_size;
	uint8_t		broken, irq_level, pad[2];
};

struct vio_state_queue {
	uint64_t	desc_gpa, avail_gpa, used_gpa;
	uint32_t	num, pfn, align;
	uint16_t	last_avail, used_idx, signalled_used;
	uint8_t		ready, signalled_valid;
	uint8_t		pad[4];
};

_Static_assert(sizeof(struct vio_state_hdr) == 40, "no hidden padding");
_Static_assert(sizeof(struct vio_state_queue) == 48, "no hidden padding");

static size_t
dev_state_size(const struct virtio_mmio *vm)
{
	return sizeof(struct vio_state_hdr) +
	    (size_t)vm->ops->nqueues * sizeof(struct vio_state_queue);
}

size_t
virtio_mmio_state_size(void)
{
	size_t n = 0;

	for (int i = 0; i < VIRT_VIRTIO_COUNT; i++)
		if (all_devs[i] != NULL)
			n += dev_state_size(all_devs[i]);
	return n;
}

/* The transport's fields to (save) or from img: its vio_state_hdr. */
static void
hdr_image(struct virtio_mmio *vm, uint8_t *img, bool save)
{
#define F(member, field) \
	STATE_IMAGE(save, img, struct vio_state_hdr, member, field)
	F(drv_features, vm->drv_features);
	F(status, vm->status);
	F(dev_feat_sel, vm->dev_feat_sel);
	F(drv_feat_sel, vm->drv_feat_sel);
	F(queue_sel, vm->queue_sel);
	F(isr, vm->isr);
	F(config_gen, vm->config_gen);
	F(guest_page_size, vm->guest_page_size);
	F(broken, vm->broken);
	F(irq_level, vm->irq_level);
#undef F
}

/* One queue's fields to (save) or from img: its vio_state_queue. */
static void
queue_image(struct vqueue *vq, uint8_t *img, bool save)
{
#define F(member, field) \
	STATE_IMAGE(save, img, struct vio_state_queue, member, field)
	F(desc_gpa, vq->desc_gpa);
	F(avail_gpa, vq->avail_gpa);
	F(used_gpa, vq->used_gpa);
	F(num, vq->num);
	F(pfn, vq->pfn);
	F(align, vq->align);
	F(last_avail, vq->last_avail);
	F(used_idx, vq->used_idx);
	F(signalled_used, vq->signalled_used);
	F(signalled_valid, vq->signalled_valid);
	if (save)
		F(ready, vq->ready);
#undef F
}

static void
dev_state_save(struct virtio_mmio *vm, uint8_t *buf)
{
	memset(buf, 0, dev_state_size(vm));
	pthread_mutex_lock(&vm->mtx);
	if (vm->queues != NULL) {	/* after fini: nothing to keep */
		hdr_image(vm, buf, true);
		buf += sizeof(struct vio_state_hdr);
		for (int i = 0; i < vm->ops->nqueues; i++) {
			queue_image(&vm->queues[i], buf, true);
			buf += sizeof(struct vio_state_queue);
		}
	}
	pthread_mutex_unlock(&vm->mtx);
}

static void
dev_state_restore(struct virtio_mmio *vm, const uint8_t *buf)
{
	uint8_t *img = (uint8_t *)(uintptr_t)buf;	/* only read */

	pthread_mutex_lock(&vm->mtx);
	if (vm->queues == NULL) {
		pthread_mutex_unlock(&vm->mtx);
		return;
	}
	hdr_image(vm, img, false);
	img += sizeof(struct vio_state_hdr);
	for (int i = 0; i < vm->ops->nqueues; i++) {
		struct vqueue *vq = &vm->queues[i];
		uint8_t ready;

		vq_stop(vq);
		queue_image(vq, img, false);
		memcpy(&ready, img + offsetof(struct vio_state_queue, ready), 1);
		img += sizeof(struct vio_state_queue);
		if (!ready)
			continue;
		/* checked by vq_setup() when it was made ready: map again */
		vq->desc = vm_map_gpa(vm->ctx, vq->desc_gpa, 16 * (size_t)vq->num);
		vq->avail = vm_map_gpa(vm->ctx, vq->avail_gpa,
		    6 + 2 * (size_t)vq->num);
		vq->used = vm_map_gpa(vm->ctx, vq->used_gpa,
		    6 + 8 * (size_t)vq->num);
		vq->ready = vq->desc != NULL && vq->avail != NULL &&
		    vq->used != NULL;
		if (!vq->ready)
			vq_stop(vq);
	}
	pthread_mutex_unlock(&vm->mtx);
}

void
virtio_mmio_state_save(uint8_t *buf)
{
	for (int i = 0; i < VIRT_VIRTIO_COUNT; i++)
		if (all_devs[i] != NULL) {
			dev_state_save(all_devs[i], buf);
			buf += dev_state_size(all_devs[i]);
		}
}

void
virtio_mmio_state_restore(const uint8_t *buf)
{
	for (int i = 0; i < VIRT_VIRTIO_COUNT; i++)
		if (all_devs[i] != NULL) {
			dev_state_restore(all_devs[i], buf);
			buf += dev_state_size(all_devs[i]);
		}
}
