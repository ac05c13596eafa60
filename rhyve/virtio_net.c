/*
 * virtio_net.c - virtio network device (Virtual I/O Device (VIRTIO)
 * Version 1.2, section 5.1) over the virtio-mmio transport
 * (virtio_mmio.c).  The frames go to and come from a backend thread
 * (net_slirp.c); see net.h for who runs what.
 *
 * Features: MAC and STATUS (link always up).  No offloads (no CSUM, no
 * GSO, no MRG_RXBUF): every frame is a plain Ethernet frame of at most
 * NET_FRAME_MAX bytes behind a virtio_net_hdr that is all zeros on
 * receive and ignored on transmit.  The header is 12 bytes with
 * VERSION_1 (num_buffers always present, 5.1.6) and 10 without (legacy).
 * Queues: 0 receive, 1 transmit.
 *
 * Guest memory.  vCPU threads never move frames: QueueNotify only kicks
 * the backend thread, which takes transmit chains and fills receive
 * buffers under the transport's mutex.  Before it touches a ring it
 * checks that the debug server holds no vCPU (vm_debug_cpus): a stopped
 * guest sees no used-ring update and no new frame until it runs again.
 *
 * Record mode (virtio_net_set_recorder()) is the exception: the rings
 * move only on the recorder's thread, at points of the guest's own
 * timeline.  A transmit notify takes the chains at once and hands the
 * frames to the recorder; received frames go in at segment boundaries
 * (virtio_net_rx_recorded()).
 */
#include <stdio.h>
#include <string.h>

#include "devices.h"
#include "iov.h"
#include "net.h"
#include "virt.h"
#include "virtio_mmio.h"
#include "vmmapi/vmmapi.h"

#define VIRTIO_ID_NET		1
#define VIRTIO_NET_F_MAC	5
#define VIRTIO_NET_F_STATUS	16
#define VIRTIO_NET_S_LINK_UP	1

#define NET_QUEUE_MAX		256
#define NET_RXQ			0
#define NET_TXQ			1
#define NET_HDR_LEGACY		10
#define NET_HDR_V1		12
#define NET_CFG_SIZE		8	/* mac[6], status (5.1.4) */
/* A transmitted frame past this (header excluded) is dropped. */
#define NET_TX_MAX		(NET_FRAME_MAX + 4)	/* room for a VLAN tag */

/*
 * The one network device.  Locking legend: (i) set at init; (m) under the
 * transport's mutex (vm.mtx).  Static, so that a straggling access after
 * fini finds a dead transport, never freed memory.
 */
static struct net {
	struct virtio_mmio vm;
	bool		 active;		/* (i) */
	uint8_t		 cfg[NET_CFG_SIZE];	/* (i) config space */
	struct vq_chain	 chain;			/* (m) chain being served */
	void		(*kick)(void);		/* (i) the backend's */
	void		(*rr_tx)(const uint8_t *frame, size_t len);	/* (i) */
} net;

static void
net_kick_default(void)
{
	net_slirp_kick();
}

void
virtio_net_set_kick(void (*kick)(void))
{
	net.kick = kick != NULL ? kick : net_kick_default;
}

/* The header the driver and we agreed on.  (m) */
static size_t
net_hdr_len(void)
{
	return virtio_has_feature(&net.vm, VIRTIO_F_VERSION_1) ?
	    NET_HDR_V1 : NET_HDR_LEGACY;
}

static bool
cpuset_any(const cpuset_t *s)
{
	for (int i = 0; i < CPUSET_WORDS; i++)
		if (s->bits[i] != 0)
			return true;
	return false;
}

/* Is the device up (queues set, DRIVER_OK, not broken)?  (m) */
static bool
net_up(void)
{
	return net.vm.queues != NULL && !net.vm.broken &&
	    (net.vm.status & VIRTIO_STATUS_DRIVER_OK);
}

/*
 * May the rings be touched now?  Not while the debug server holds a vCPU
 * (the debug set), nor while the operator has one paused (QMP stop): the
 * guest's memory then stands still for whoever inspects it, and frames
 * wait in the backend, as QEMU keeps them while the VM is stopped.  (m)
 */
static bool
net_usable(void)
{
	cpuset_t set;

	if (!net_up())
		return false;
	if (vm_debug_cpus(net.vm.ctx, &set) == 0 && cpuset_any(&set))
		return false;
	if (vm_paused_cpus(net.vm.ctx, &set) == 0 && cpuset_any(&set))
		return false;
	return true;
}

bool
virtio_net_running(void)
{
	bool r;

	if (!net.active)
		return false;
	pthread_mutex_lock(&net.vm.mtx);
	r = net_up();
	pthread_mutex_unlock(&net.vm.mtx);
	return r;
}

/*
 * Take up to max transmit chains: frame i (lens[i] bytes, 0 for one
 * dropped) into frames[i], each chain completed.  Returns how many.  (m)
 */
static int
tx_take(uint8_t (*frames)[NET_TX_MAX], size_t *lens, int max)
{
	struct vqueue *vq = &net.vm.queues[NET_TXQ];
	size_t hl = net_hdr_len();
	int n = 0;

	while (n < max && vq_getchain(&net.vm, vq, &net.chain) == 1) {
		struct vq_chain *c = &net.chain;

		if (c->read_len < hl) {
			virtio_mmio_error(&net.vm, "transmit without header");
			break;
		}
		lens[n] = (size_t)(c->read_len - hl);
		/* Too big for an MTU of 1500 without offloads: dropped. */
		if (lens[n] <= NET_TX_MAX && lens[n] > 0)
			(void)iov_to_buf(c->iov, c->nread, hl, frames[n], lens[n]);
		else
			lens[n] = 0;
		/* Nothing is written into a transmit buffer. */
		vq_relchain(&net.vm, vq, c->head, 0);
		n++;
	}
	vq_endchains(&net.vm, vq);
	return n;
}

int
virtio_net_tx(net_tx_fn emit, void *arg, int max)
{
	static uint8_t frames[64][NET_TX_MAX];	/* backend thread only */
	size_t lens[64];
	int n;

	if (!net.active)
		return -1;
	if (max > 64)
		max = 64;
	pthread_mutex_lock(&net.vm.mtx);
	if (!net_usable()) {
		pthread_mutex_unlock(&net.vm.mtx);
		return -1;
	}
	n = tx_take(frames, lens, max);
	pthread_mutex_unlock(&net.vm.mtx);
	/* slirp may answer at once (ARP, DHCP): no lock held here. */
	for (int i = 0; i < n; i++)
		if (lens[i] > 0)
			emit(frames[i], lens[i], arg);
	return n;
}

/* One frame into the receive queue (virtio_net_rx()'s results).  (m) */
static int
rx_put(const uint8_t *frame, size_t len)
{
	uint8_t hdr[NET_HDR_V1] = { 0 };
	struct vqueue *vq = &net.vm.queues[NET_RXQ];
	const struct vq_chain *c = &net.chain;
	uint16_t one = 1;
	size_t hl = net_hdr_len();
	int r;

	r = vq_getchain(&net.vm, vq, &net.chain);
	if (r != 1)
		return r == 0 ? 0 : -1;
	if (net.chain.write_len < hl + len) {
		/*
		 * Without MRG_RXBUF every buffer must hold a whole frame; a
		 * driver that gave less gets it back empty and the frame is
		 * dropped (the guest counts a length error).
		 */
		vq_relchain(&net.vm, vq, net.chain.head, 0);
		r = -1;
	} else {
		if (hl == NET_HDR_V1)
			memcpy(hdr + 10, &one, 2);	/* num_buffers */
		(void)iov_from_buf(&c->iov[c->nread], c->nwrite, 0, hdr, hl);
		(void)iov_from_buf(&c->iov[c->nread], c->nwrite, hl, frame, len);
		vq_relchain(&net.vm, vq, net.chain.head, (uint32_t)(hl + len));
		r = 1;
	}
	vq_endchains(&net.vm, vq);
	return r;
}

/* rx_put() under the lock; 'recorded': whoever holds vCPUs (net.h). */
static int
rx_locked(const uint8_t *frame, size_t len, bool recorded)
{
	int r;

	if (!net.active)
		return -1;
	pthread_mutex_lock(&net.vm.mtx);
	if (!net_up())
		r = -1;
	else if (!recorded && !net_usable())
		r = 0;
	else
		r = rx_put(frame, len);
	pthread_mutex_unlock(&net.vm.mtx);
	return r;
}

int
virtio_net_rx(const uint8_t *frame, size_t len)
{
	return rx_locked(frame, len, false);
}

int
virtio_net_rx_recorded(const uint8_t *frame, size_t len)
{
	return rx_locked(frame, len, true);
}

void
virtio_net_set_recorder(void (*tx)(const uint8_t *frame, size_t len))
{
	net.rr_tx = tx;
}

/* Record mode: the guest's frames, taken at its notify.  (m) */
static void
tx_recorded(void)
{
	static uint8_t frames[16][NET_TX_MAX];	/* the recorder's thread */
	size_t lens[16];
	int n;

	if (!net_up())
		return;
	do {
		n = tx_take(frames, lens, 16);
		for (int i = 0; i < n; i++)
			if (lens[i] > 0)
				net.rr_tx(frames[i], lens[i]);
	} while (n == 16);
}

/* A vCPU wrote QueueNotify: the backend thread does the work.  (m) */
static void
net_notify(struct virtio_mmio *vm, int q)
{
	(void)vm;
	if (net.rr_tx != NULL) {
		if (q == NET_TXQ)
			tx_recorded();
		return;		/* receive buffers: used at boundaries */
	}
	net.kick();
}

static int
net_cfg_access(struct virtio_mmio *vm, bool write, uint64_t off, int size,
    uint64_t *val)
{
	uint64_t v = 0;

	(void)vm;
	if (write)
		return 0;	/* the MAC is read-only without CTRL_MAC_ADDR */
	if (off < NET_CFG_SIZE)
		memcpy(&v, net.cfg + off, (size_t)size < NET_CFG_SIZE - off ?
		    (size_t)size : NET_CFG_SIZE - off);
	*val = v;
	return 0;
}

static const struct virtio_dev_ops net_ops = {
	.name = "virtio-net",
	.device_id = VIRTIO_ID_NET,
	.nqueues = 2,
	.queue_max = NET_QUEUE_MAX,
	.features = (UINT64_C(1) << VIRTIO_NET_F_MAC) |
	    (UINT64_C(1) << VIRTIO_NET_F_STATUS),
	.notify = net_notify,
	.cfg_access = net_cfg_access,
};

int
virtio_net_device_init(struct vmctx *ctx, const struct net_config *nc)
{
	uint16_t status = VIRTIO_NET_S_LINK_UP;

	if (nc->slot < 0 || nc->slot >= VIRT_VIRTIO_COUNT) {
		fprintf(stderr, "rhyve: virtio-net: no virtio-mmio slot %d "
		    "(0..%d)\n", nc->slot, VIRT_VIRTIO_COUNT - 1);
		return -1;
	}
	if (net.active) {
		fprintf(stderr, "rhyve: virtio-net: only one device\n");
		return -1;
	}
	memset(&net, 0, sizeof(net));
	net.kick = net_kick_default;
	memcpy(net.cfg, nc->mac, 6);
	memcpy(net.cfg + 6, &status, 2);
	if (virtio_mmio_init(&net.vm, ctx,
	    VIRT_VIRTIO_BASE + (uint64_t)nc->slot * VIRT_VIRTIO_SIZE,
	    VIRT_VIRTIO_IRQ + nc->slot, nc->legacy, &net_ops, &net) != 0)
		return -1;
	net.active = true;
	return 0;
}

void
virtio_net_device_fini(void)
{
	if (!net.active)
		return;
	virtio_mmio_fini(&net.vm);
	net.active = false;
}

int
virtio_net_init(struct vmctx *ctx, const struct net_config *nc)
{
	if (virtio_net_device_init(ctx, nc) != 0)
		return -1;
	if (net_slirp_init(nc) != 0 || net_slirp_start() != 0) {
		net_slirp_fini();
		virtio_net_device_fini();
		return -1;
	}
	return 0;
}

void
virtio_net_fini(void)
{
	/* The thread first: it must not find the queues freed. */
	net_slirp_fini();
	virtio_net_device_fini();
}

void
virtio_net_reset(void)
{
	if (net.active)
		virtio_mmio_reset(&net.vm);
}
