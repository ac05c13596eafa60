/*
 * virtio_rng.c - virtio entropy device (Virtual I/O Device (VIRTIO)
 * Version 1.2, section 5.4) over the virtio-mmio transport
 * (virtio_mmio.c), fed from the host's getrandom(2).
 *
 * One request queue, no feature bits, no configuration space.  The driver
 * offers device-writable buffers; the device fills them with random bytes
 * and returns how many it wrote.  Device-readable buffers in a chain carry
 * nothing for this device and are skipped (the spec asks drivers not to
 * offer any, 5.4.6.1; QEMU ignores them too).
 *
 * Requests are served synchronously on the vCPU thread that wrote
 * QueueNotify, under the transport's mutex: getrandom() on an initialised
 * pool never blocks (GRND_NONBLOCK makes sure of it even this early in
 * the host's boot), and a request is bounded (RNG_REQ_MAX), so a guest
 * offering huge buffers cannot keep a vCPU thread in the host for long.
 * getrandom is in the sandbox's allow list from the start (sandbox.c).
 *
 * In record mode (rhyve --record) the recorder supplies the bytes
 * (virtio_rng_set_source()): it takes them from getrandom and logs them
 * while recording, and gives the logged ones back while replaying, so
 * that a replay fills the guest's buffers exactly as the recording did.
 * The transport's state goes into its snapshots (virtio_mmio.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "devices.h"
#include "virt.h"
#include "virtio_mmio.h"

#define VIRTIO_ID_RNG		4
#define RNG_QUEUE_MAX		64
/*
 * Most bytes one request gets.  Linux asks for 64 at a time (hw_random's
 * buffer); more than a page per request buys a guest nothing but time
 * spent on its vCPU thread inside the host.
 */
#define RNG_REQ_MAX		4096

/*
 * The one entropy device.  Locking legend: (i) set at init; (m) under the
 * transport's mutex (vm.mtx), which every notify holds.  Static, so that
 * a straggling access after virtio_rng_fini() finds a dead transport
 * (no queues), never freed memory.
 */
static struct rng {
	struct virtio_mmio vm;
	bool		 active;		/* (i) */
	struct vq_chain	 chain;			/* (m) request being served */
} rng;

/* Record mode: where the bytes come from (set before the vCPUs run). */
static size_t (*rng_source)(void *buf, size_t len);

void
virtio_rng_set_source(size_t (*source)(void *buf, size_t len))
{
	rng_source = source;
}

/* Host entropy: up to len bytes, 0 if the host has none now. */
static size_t
host_random(void *buf, size_t len)
{
	ssize_t r;

	do {
		r = getrandom(buf, len, GRND_NONBLOCK);
	} while (r < 0 && errno == EINTR);
	return r > 0 ? (size_t)r : 0;
}

/*
 * Fill the chain's device-writable buffers with up to RNG_REQ_MAX random
 * bytes.  Returns the number written (0 if the host could give none).
 */
static uint32_t
rng_fill(struct vq_chain *c)
{
	size_t (*source)(void *, size_t) = rng_source != NULL ? rng_source :
	    host_random;
	uint32_t total = 0;
	size_t r;

	for (int i = c->nread; i < c->nread + c->nwrite; i++) {
		uint8_t *p = c->iov[i].iov_base;
		size_t left = c->iov[i].iov_len;

		while (left > 0 && total < RNG_REQ_MAX) {
			size_t want = left;

			if (want > RNG_REQ_MAX - total)
				want = RNG_REQ_MAX - total;
			r = source(p, want);
			if (r == 0)
				return total;	/* short: the driver asks again */
			p += r;
			left -= r;
			total += (uint32_t)r;
		}
		if (total == RNG_REQ_MAX)
			break;
	}
	return total;
}

static void
rng_notify(struct virtio_mmio *vm, int q)
{
	struct vqueue *vq = &vm->queues[q];

	/* A malformed ring (-1) has made the device need reset: stop. */
	while (vq_getchain(vm, vq, &rng.chain) == 1)
		vq_relchain(vm, vq, rng.chain.head, rng_fill(&rng.chain));
	vq_endchains(vm, vq);
}

static const struct virtio_dev_ops rng_ops = {
	.name = "virtio-rng",
	.device_id = VIRTIO_ID_RNG,
	.nqueues = 1,
	.queue_max = RNG_QUEUE_MAX,
	.features = 0,
	.notify = rng_notify,
	/* No configuration space: it reads as zero (virtio_mmio.h). */
};

int
virtio_rng_init(struct vmctx *ctx, int slot, bool legacy)
{
	if (slot < 0 || slot >= VIRT_VIRTIO_COUNT) {
		fprintf(stderr, "rhyve: virtio-rng: no virtio-mmio slot %d "
		    "(0..%d)\n", slot, VIRT_VIRTIO_COUNT - 1);
		return -1;
	}
	if (rng.active) {
		fprintf(stderr, "rhyve: virtio-rng: only one device\n");
		return -1;
	}
	memset(&rng, 0, sizeof(rng));
	if (virtio_mmio_init(&rng.vm, ctx,
	    VIRT_VIRTIO_BASE + (uint64_t)slot * VIRT_VIRTIO_SIZE,
	    VIRT_VIRTIO_IRQ + slot, legacy, &rng_ops, &rng) != 0)
		return -1;
	rng.active = true;
	return 0;
}

void
virtio_rng_fini(void)
{
	if (!rng.active)
		return;
	/* The window stays registered until mmio_unregister_all(). */
	virtio_mmio_fini(&rng.vm);
	rng.active = false;
}

void
virtio_rng_reset(void)
{
	if (rng.active)
		virtio_mmio_reset(&rng.vm);
}
