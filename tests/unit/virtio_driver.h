/*
 * virtio_driver.h - a small virtio-mmio driver for the device unit tests
 * (virtio_blk.c, virtio_rng.c): register accesses through mmio_emulate(),
 * feature negotiation, queue 0 set up at fixed guest addresses,
 * descriptors, the avail and used rings.  A template header: the includer
 * defines BASE (the device's MMIO base), G_DESC, G_AVAIL and G_USED (queue
 * 0's rings in guest RAM), QSIZE, and the globals 'ram' (host address of
 * VM_RAM_BASE) and 'avail_idx' before including it.
 */
#ifndef RHYVE_TEST_VIRTIO_DRIVER_H
#define RHYVE_TEST_VIRTIO_DRIVER_H

static uint64_t
mmio(uint64_t gpa, bool write, int size, uint64_t val, bool *fault)
{
	struct vm_exit e;

	memset(&e, 0, sizeof(e));
	e.exitcode = VM_EXITCODE_MMIO;
	e.u.mmio.gpa = gpa;
	e.u.mmio.size = size;
	e.u.mmio.write = write;
	e.u.mmio.data = val;
	mmio_emulate(0, &e);
	if (fault != NULL)
		*fault = e.u.mmio.fault;
	else
		cr_assert(!e.u.mmio.fault, "access fault at %#lx", gpa);
	return e.u.mmio.data;
}

static uint32_t
rd(uint64_t off)
{
	return (uint32_t)mmio(BASE + off, false, 4, 0, NULL);
}

static void
wr(uint64_t off, uint32_t val)
{
	mmio(BASE + off, true, 4, val, NULL);
}

static void *
gp(uint64_t gpa)
{
	return ram + (gpa - VM_RAM_BASE);
}

/* Status handshake and feature negotiation; returns the status read back. */
static uint32_t
negotiate(uint64_t want)
{
	wr(VIRTIO_MMIO_STATUS, 0);
	wr(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
	wr(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE |
	    VIRTIO_STATUS_DRIVER);
	wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)want);
	wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(want >> 32));
	wr(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE |
	    VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
	return rd(VIRTIO_MMIO_STATUS);
}

static uint64_t
device_features(void)
{
	uint64_t f;

	wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	f = rd(VIRTIO_MMIO_DEVICE_FEATURES);
	wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	f |= (uint64_t)rd(VIRTIO_MMIO_DEVICE_FEATURES) << 32;
	return f;
}

static void
queue_setup(uint32_t num)
{
	memset(gp(G_DESC), 0, 0x4000);
	wr(VIRTIO_MMIO_QUEUE_SEL, 0);
	wr(VIRTIO_MMIO_QUEUE_NUM, num);
	wr(VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)G_DESC);
	wr(VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(G_DESC >> 32));
	wr(VIRTIO_MMIO_QUEUE_AVAIL_LOW, (uint32_t)G_AVAIL);
	wr(VIRTIO_MMIO_QUEUE_AVAIL_HIGH, 0);
	wr(VIRTIO_MMIO_QUEUE_USED_LOW, (uint32_t)G_USED);
	wr(VIRTIO_MMIO_QUEUE_USED_HIGH, 0);
	wr(VIRTIO_MMIO_QUEUE_READY, 1);
}

static void
set_desc(struct virtq_desc *table, int i, uint64_t addr, uint32_t len,
    uint16_t flags, uint16_t next)
{
	table[i].addr = addr;
	table[i].len = len;
	table[i].flags = flags;
	table[i].next = next;
}

static struct virtq_desc *
desc(void)
{
	return gp(G_DESC);
}

/* Offer head, notify, and return how many used entries there are. */
static uint16_t
submit(uint16_t head)
{
	uint16_t *avail = gp(G_AVAIL);

	avail[2 + avail_idx % QSIZE] = head;
	avail_idx++;
	__atomic_store_n(&avail[1], avail_idx, __ATOMIC_RELEASE);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	return __atomic_load_n(&((uint16_t *)gp(G_USED))[1], __ATOMIC_ACQUIRE);
}

static struct virtq_used_elem *
used_elem(int i)
{
	return (struct virtq_used_elem *)((uint8_t *)gp(G_USED) + 4 + 8 * i);
}

static bool
needs_reset(void)
{
	return (rd(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET) != 0;
}

#endif
