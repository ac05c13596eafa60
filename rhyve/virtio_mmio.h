/*
 * virtio_mmio.h - the virtio-mmio transport and split virtqueues
 * (virtio_mmio.c), as a device model (virtio_blk.c, ...) sees them.
 * Spec: Virtual I/O Device (VIRTIO) Version 1.2, section 2.7 (split
 * virtqueues) and 4.2 (virtio over MMIO, version 2 and legacy version 1).
 *
 * The transport owns the register window, feature negotiation, device
 * status, queue setup and the interrupt line.  The device model supplies
 * a struct virtio_dev_ops and is called back with the transport's mutex
 * held, so a device model needs no lock of its own for anything it only
 * touches from those callbacks.
 *
 * Everything the guest puts in the rings is untrusted: the helpers check
 * every index, length and address (through vm_map_gpa) and bound every
 * descriptor walk.  A ring that breaks the rules makes the device "need
 * reset" (status bit DEVICE_NEEDS_RESET, configuration-change interrupt,
 * queue processing stops until the driver resets the device), as QEMU's
 * virtio_error() does.
 */
#ifndef RHYVE_VIRTIO_MMIO_H
#define RHYVE_VIRTIO_MMIO_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

struct vmctx;

/* Device status bits (2.1). */
#define VIRTIO_STATUS_ACKNOWLEDGE	0x01
#define VIRTIO_STATUS_DRIVER		0x02
#define VIRTIO_STATUS_DRIVER_OK		0x04
#define VIRTIO_STATUS_FEATURES_OK	0x08
#define VIRTIO_STATUS_NEEDS_RESET	0x40
#define VIRTIO_STATUS_FAILED		0x80

/* Transport feature bits (6). */
#define VIRTIO_F_INDIRECT_DESC		28
#define VIRTIO_F_EVENT_IDX		29
#define VIRTIO_F_VERSION_1		32

/* Descriptor flags (2.7.5). */
#define VIRTQ_DESC_F_NEXT		1
#define VIRTQ_DESC_F_WRITE		2
#define VIRTQ_DESC_F_INDIRECT		4
#define VIRTQ_AVAIL_F_NO_INTERRUPT	1
#define VIRTQ_USED_F_NO_NOTIFY		1

/* Interrupt status bits. */
#define VIRTIO_MMIO_INT_VRING		0x1
#define VIRTIO_MMIO_INT_CONFIG		0x2

/* Register offsets (4.2.2). */
#define VIRTIO_MMIO_MAGIC		0x000
#define VIRTIO_MMIO_VERSION		0x004
#define VIRTIO_MMIO_DEVICE_ID		0x008
#define VIRTIO_MMIO_VENDOR_ID		0x00c
#define VIRTIO_MMIO_DEVICE_FEATURES	0x010
#define VIRTIO_MMIO_DEVICE_FEATURES_SEL	0x014
#define VIRTIO_MMIO_DRIVER_FEATURES	0x020
#define VIRTIO_MMIO_DRIVER_FEATURES_SEL	0x024
#define VIRTIO_MMIO_GUEST_PAGE_SIZE	0x028	/* legacy */
#define VIRTIO_MMIO_QUEUE_SEL		0x030
#define VIRTIO_MMIO_QUEUE_NUM_MAX	0x034
#define VIRTIO_MMIO_QUEUE_NUM		0x038
#define VIRTIO_MMIO_QUEUE_ALIGN		0x03c	/* legacy */
#define VIRTIO_MMIO_QUEUE_PFN		0x040	/* legacy */
#define VIRTIO_MMIO_QUEUE_READY		0x044
#define VIRTIO_MMIO_QUEUE_NOTIFY	0x050
#define VIRTIO_MMIO_INTERRUPT_STATUS	0x060
#define VIRTIO_MMIO_INTERRUPT_ACK	0x064
#define VIRTIO_MMIO_STATUS		0x070
#define VIRTIO_MMIO_QUEUE_DESC_LOW	0x080
#define VIRTIO_MMIO_QUEUE_DESC_HIGH	0x084
#define VIRTIO_MMIO_QUEUE_AVAIL_LOW	0x090
#define VIRTIO_MMIO_QUEUE_AVAIL_HIGH	0x094
#define VIRTIO_MMIO_QUEUE_USED_LOW	0x0a0
#define VIRTIO_MMIO_QUEUE_USED_HIGH	0x0a4
#define VIRTIO_MMIO_SHM_SEL		0x0ac
#define VIRTIO_MMIO_SHM_LEN_LOW		0x0b0
#define VIRTIO_MMIO_SHM_LEN_HIGH	0x0b4
#define VIRTIO_MMIO_SHM_BASE_LOW	0x0b8
#define VIRTIO_MMIO_SHM_BASE_HIGH	0x0bc
#define VIRTIO_MMIO_CONFIG_GENERATION	0x0fc
#define VIRTIO_MMIO_CONFIG		0x100

#define VIRTIO_MMIO_MAGIC_VALUE		0x74726976	/* "virt" */
#define VIRTIO_MMIO_VENDOR		0x554d4551	/* "QEMU", as QEMU */

/* Longest descriptor chain a request may have (direct or indirect). */
#define VQ_CHAIN_MAX			1024

/* The split virtqueue layout (2.7), little-endian on a RISC-V host too. */
struct virtq_desc {
	uint64_t	addr;
	uint32_t	len;
	uint16_t	flags;
	uint16_t	next;
};

struct virtq_used_elem {
	uint32_t	id;
	uint32_t	len;
};

/*
 * One split virtqueue; every field is under the transport's mutex.  The
 * host pointers are mapped and checked when the queue is made ready.
 */
struct vqueue {
	uint32_t	 num;		/* QueueNum; checked at ready */
	bool		 ready;
	uint64_t	 desc_gpa, avail_gpa, used_gpa;
	uint32_t	 pfn;		/* legacy QueuePFN */
	uint32_t	 align;		/* legacy QueueAlign */
	struct virtq_desc *desc;
	uint16_t	*avail;		/* flags, idx, ring[num], used_event */
	uint16_t	*used;		/* flags, idx, elem[num], avail_event */
	uint16_t	 last_avail;	/* next avail slot the device takes */
	uint16_t	 used_idx;	/* device's copy of used->idx */
	uint16_t	 signalled_used; /* used idx at the last interrupt */
	bool		 signalled_valid;
};

struct virtio_mmio;

/* What a device model plugs into the transport. */
struct virtio_dev_ops {
	const char	*name;		/* for messages: "virtio-blk" */
	uint32_t	 device_id;
	int		 nqueues;
	uint16_t	 queue_max;	/* QueueNumMax, a power of 2 */
	uint64_t	 features;	/* device-specific feature bits */
	/* The driver notified queue q (DRIVER_OK, not broken). */
	void		(*notify)(struct virtio_mmio *vm, int q);
	/* The driver reset the device (optional). */
	void		(*reset)(struct virtio_mmio *vm);
	/*
	 * Configuration space access at 'off' (from 0x100); reads fill
	 * *val.  Return 0, or -1 for an access fault.  Optional: without
	 * it the space reads as zero and ignores writes.
	 */
	int		(*cfg_access)(struct virtio_mmio *vm, bool write,
			    uint64_t off, int size, uint64_t *val);
};

/*
 * One virtio-mmio device.  Locking legend: (i) set at init; (m) under
 * mtx.  The device model's callbacks run with mtx held.
 */
struct virtio_mmio {
	pthread_mutex_t	 mtx;
	struct vmctx	*ctx;		/* (i) */
	uint64_t	 base;		/* (i) */
	int		 irq;		/* (i) */
	bool		 legacy;	/* (i) version 1 */
	const struct virtio_dev_ops *ops; /* (i) */
	void		*softc;		/* (i) device model's state */
	struct vqueue	*queues;	/* (i) array, contents (m) */
	uint32_t	 status;	/* (m) */
	uint32_t	 dev_feat_sel;	/* (m) */
	uint32_t	 drv_feat_sel;	/* (m) */
	uint64_t	 drv_features;	/* (m) what the driver accepted */
	uint32_t	 queue_sel;	/* (m) */
	uint32_t	 isr;		/* (m) InterruptStatus */
	uint32_t	 config_gen;	/* (m) */
	uint32_t	 guest_page_size; /* (m) legacy */
	bool		 broken;	/* (m) needs reset: ignore the rings */
	unsigned	 nerrors;	/* (m) reported so far (bounded) */
	int		 irq_level;	/* (m) */
};

/*
 * Set vm up (ops, softc, queues) and register its window at 'base' with
 * PLIC source 'irq'.  Returns 0, or -1 after printing one line.
 */
int	virtio_mmio_init(struct virtio_mmio *vm, struct vmctx *ctx,
	    uint64_t base, int irq, bool legacy,
	    const struct virtio_dev_ops *ops, void *softc);
/* Free what init allocated (the window stays registered until the machine
 * unregisters all). */
void	virtio_mmio_fini(struct virtio_mmio *vm);
/* Guest reset: the transport to reset state (its mutex taken). */
void	virtio_mmio_reset(struct virtio_mmio *vm);

/*
 * Record mode (rhyve/replay/): every virtio-mmio device's transport state
 * as bytes for snapshots, the devices in slot order (those initialised so
 * far; the size is fixed once the machine is built): status, features,
 * queue set-up, ring indexes, interrupt status.  The rings themselves are
 * guest RAM; device models whose state is all in the transport and the
 * rings (virtio-rng, virtio-blk) need nothing more.  Restore maps the
 * ready queues' rings again and takes the interrupt level it remembers
 * without touching the PLIC (the VM image holds the line).  Only while no
 * vCPU runs; each device's mutex is taken.
 */
size_t	virtio_mmio_state_size(void);
void	virtio_mmio_state_save(uint8_t *buf);
void	virtio_mmio_state_restore(const uint8_t *buf);

/* Did the driver accept feature 'bit'?  (m) */
bool	virtio_has_feature(const struct virtio_mmio *vm, int bit);

/*
 * The device found the driver misbehaving: print why (once), set
 * DEVICE_NEEDS_RESET and raise the configuration interrupt.  (m)
 */
void	virtio_mmio_error(struct virtio_mmio *vm, const char *why);

/* Raise the configuration-change interrupt (config changed).  (m) */
void	virtio_mmio_config_changed(struct virtio_mmio *vm);

/*
 * One request taken from a queue: its head index and its buffers as host
 * iovecs, the device-readable ones first (nread of them), then the
 * device-writable ones (nwrite).
 */
struct vq_chain {
	uint16_t	head;
	int		nread, nwrite;
	uint64_t	read_len, write_len;	/* bytes in each part */
	struct iovec	iov[VQ_CHAIN_MAX];
};

/*
 * Take the next available request of vq into *c.  Returns 1 when one was
 * taken, 0 when the queue is empty, -1 when the ring is malformed (the
 * device has been marked as needing reset; stop processing).  (m)
 */
int	vq_getchain(struct virtio_mmio *vm, struct vqueue *vq,
	    struct vq_chain *c);
/* Put request 'head' in the used ring, 'len' bytes written.  (m) */
void	vq_relchain(struct virtio_mmio *vm, struct vqueue *vq, uint16_t head,
	    uint32_t len);
/* After a batch of vq_relchain: interrupt the driver if it wants one. (m) */
void	vq_endchains(struct virtio_mmio *vm, struct vqueue *vq);

#endif
