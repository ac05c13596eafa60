/*
 * virtio_rng.c - the virtio entropy device (rhyve/virtio_rng.c) on the
 * virtio-mmio transport, driven the way a guest driver drives it: register
 * accesses through the real MMIO dispatch (mmio_emulate), rings and
 * buffers in the RAM of a real VM (vm_open_new).  First what a good driver
 * sees (identity, random bytes in every writable buffer, the per-request
 * bound, readable buffers skipped, the legacy transport, reset), then a
 * hostile one: loops, buffers outside RAM, huge lengths, bad indices,
 * notify before DRIVER_OK, garbage rings, access after fini.
 * Spec: VIRTIO 1.2, 2.7, 4.2 and 5.4.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rhyve/devices.h"
#include "rhyve/mem.h"
#include "rhyve/virt.h"
#include "rhyve/virtio_mmio.h"
#include "vmmapi/vmmapi.h"

#define RAM_SIZE	(16u << 20)
#define SLOT		3
#define BASE		(VIRT_VIRTIO_BASE + SLOT * VIRT_VIRTIO_SIZE)

#define G_DESC		(VM_RAM_BASE + 0x1000)
#define G_AVAIL		(VM_RAM_BASE + 0x2000)
#define G_USED		(VM_RAM_BASE + 0x3000)
#define G_INDIRECT	(VM_RAM_BASE + 0x4000)
#define G_IN		(VM_RAM_BASE + 0x5000)	/* a device-readable buffer */
#define G_DATA		(VM_RAM_BASE + 0x10000)
#define QSIZE		8
#define RNG_QUEUE_MAX	64
#define RNG_REQ_MAX	4096		/* virtio_rng.c's bound per request */

static struct vmctx *ctx;
static uint8_t *ram;
static uint16_t avail_idx;

/* ---- plumbing ----------------------------------------------------------- */

#include "virtio_driver.h"

static void
setup_common(bool legacy)
{
	ctx = vm_open_new(1, RAM_SIZE);
	cr_assert_not_null(ctx);
	ram = vm_map_gpa(ctx, VM_RAM_BASE, RAM_SIZE);
	cr_assert_not_null(ram);
	cr_assert_eq(virtio_rng_init(ctx, SLOT, legacy), 0);
	avail_idx = 0;
}

static void
setup(void)
{
	setup_common(false);
}

static void
setup_legacy(void)
{
	setup_common(true);
}

static void
teardown(void)
{
	virtio_rng_fini();
	mmio_unregister_all();
	vm_close(ctx);
}

static void
bring_up(uint64_t extra)
{
	uint32_t st;

	avail_idx = 0;
	st = negotiate((UINT64_C(1) << VIRTIO_F_VERSION_1) | extra);
	cr_assert(st & VIRTIO_STATUS_FEATURES_OK);
	queue_setup(QSIZE);
	cr_assert_eq(rd(VIRTIO_MMIO_QUEUE_READY), 1);
	wr(VIRTIO_MMIO_STATUS, st | VIRTIO_STATUS_DRIVER_OK);
}

/* How many distinct byte values in p[0..n): random data has many. */
static int
distinct(const uint8_t *p, size_t n)
{
	bool seen[256] = { false };
	int k = 0;

	for (size_t i = 0; i < n; i++)
		if (!seen[p[i]]) {
			seen[p[i]] = true;
			k++;
		}
	return k;
}

/* ---- the device as a driver sees it ------------------------------------- */

TestSuite(virtio_rng, .init = setup, .fini = teardown);

Test(virtio_rng, identity_and_config)
{
	uint64_t f;

	cr_assert_eq(rd(VIRTIO_MMIO_MAGIC), VIRTIO_MMIO_MAGIC_VALUE);
	cr_assert_eq(rd(VIRTIO_MMIO_VERSION), 2);
	cr_assert_eq(rd(VIRTIO_MMIO_DEVICE_ID), 4);	/* entropy source */
	cr_assert_eq(rd(VIRTIO_MMIO_VENDOR_ID), VIRTIO_MMIO_VENDOR);
	f = device_features();
	cr_assert(f & (UINT64_C(1) << VIRTIO_F_VERSION_1));
	/* No device-specific feature bits (5.4.3). */
	cr_assert_eq(f & ((UINT64_C(1) << 24) - 1), 0);
	cr_assert_eq(rd(VIRTIO_MMIO_QUEUE_NUM_MAX), RNG_QUEUE_MAX);
	wr(VIRTIO_MMIO_QUEUE_SEL, 1);			/* one queue only */
	cr_assert_eq(rd(VIRTIO_MMIO_QUEUE_NUM_MAX), 0);
	/* No configuration space: reads as zero, writes ignored. */
	cr_assert_eq(mmio(BASE + 0x100, false, 4, 0, NULL), 0);
	mmio(BASE + 0x100, true, 4, 0x12345678, NULL);
	cr_assert_eq(mmio(BASE + 0x100, false, 4, 0, NULL), 0);
	/* The IRQ of its slot is what the device raises. */
	cr_assert_eq(rd(VIRTIO_MMIO_INTERRUPT_STATUS), 0);
}

Test(virtio_rng, fills_every_writable_buffer)
{
	uint8_t *a = gp(G_DATA), *b = gp(G_DATA + 0x1000);

	bring_up(0);
	memset(a, 0, 0x2000);
	set_desc(desc(), 0, G_DATA, 64, VIRTQ_DESC_F_NEXT |
	    VIRTQ_DESC_F_WRITE, 1);
	set_desc(desc(), 1, G_DATA + 0x1000, 100, VIRTQ_DESC_F_WRITE, 0);
	cr_assert_eq(submit(0), 1);
	cr_assert_eq(used_elem(0)->id, 0);
	cr_assert_eq(used_elem(0)->len, 164);
	cr_assert_geq(distinct(a, 64), 16);
	cr_assert_geq(distinct(b, 100), 20);
	/* Not a byte past what was offered. */
	for (int i = 64; i < 0x1000; i++)
		cr_assert_eq(a[i], 0);
	for (int i = 100; i < 0x1000; i++)
		cr_assert_eq(b[i], 0);
	cr_assert(rd(VIRTIO_MMIO_INTERRUPT_STATUS) & VIRTIO_MMIO_INT_VRING);
}

Test(virtio_rng, two_requests_differ)
{
	uint8_t first[64];

	bring_up(0);
	set_desc(desc(), 0, G_DATA, 64, VIRTQ_DESC_F_WRITE, 0);
	cr_assert_eq(submit(0), 1);
	memcpy(first, gp(G_DATA), 64);
	cr_assert_eq(submit(0), 2);
	cr_assert_eq(used_elem(1)->len, 64);
	cr_assert_arr_neq(first, gp(G_DATA), 64);
}

Test(virtio_rng, request_is_bounded)
{
	uint8_t *p = gp(G_DATA);

	bring_up(0);
	memset(p, 0, 3 * RNG_REQ_MAX);
	set_desc(desc(), 0, G_DATA, 3 * RNG_REQ_MAX, VIRTQ_DESC_F_WRITE, 0);
	cr_assert_eq(submit(0), 1);
	cr_assert_eq(used_elem(0)->len, RNG_REQ_MAX);
	cr_assert_geq(distinct(p + RNG_REQ_MAX - 256, 256), 100);
	for (int i = RNG_REQ_MAX; i < 3 * RNG_REQ_MAX; i++)
		cr_assert_eq(p[i], 0);
}

Test(virtio_rng, readable_buffers_are_skipped)
{
	uint8_t *in = gp(G_IN);

	bring_up(0);
	memset(in, 0xa5, 32);
	set_desc(desc(), 0, G_IN, 32, VIRTQ_DESC_F_NEXT, 1);
	set_desc(desc(), 1, G_DATA, 48, VIRTQ_DESC_F_WRITE, 0);
	cr_assert_eq(submit(0), 1);
	cr_assert_eq(used_elem(0)->len, 48);
	for (int i = 0; i < 32; i++)
		cr_assert_eq(in[i], 0xa5);
	/* Only readable buffers: nothing to fill, a used entry of 0. */
	set_desc(desc(), 2, G_IN, 32, 0, 0);
	cr_assert_eq(submit(2), 2);
	cr_assert_eq(used_elem(1)->len, 0);
	cr_assert_not(needs_reset());
}

Test(virtio_rng, indirect_descriptors)
{
	struct virtq_desc *ind = gp(G_INDIRECT);

	bring_up(UINT64_C(1) << VIRTIO_F_INDIRECT_DESC);
	set_desc(ind, 0, G_DATA, 16, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
	set_desc(ind, 1, G_DATA + 64, 16, VIRTQ_DESC_F_WRITE, 0);
	set_desc(desc(), 0, G_INDIRECT, 32, VIRTQ_DESC_F_INDIRECT, 0);
	cr_assert_eq(submit(0), 1);
	cr_assert_eq(used_elem(0)->len, 32);
}

Test(virtio_rng, reset_stops_and_restarts)
{
	bring_up(0);
	set_desc(desc(), 0, G_DATA, 64, VIRTQ_DESC_F_WRITE, 0);
	cr_assert_eq(submit(0), 1);
	virtio_rng_reset();		/* machine reset */
	cr_assert_eq(rd(VIRTIO_MMIO_STATUS), 0);
	cr_assert_eq(rd(VIRTIO_MMIO_QUEUE_READY), 0);
	cr_assert_eq(rd(VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	bring_up(0);
	set_desc(desc(), 0, G_DATA, 64, VIRTQ_DESC_F_WRITE, 0);
	cr_assert_eq(submit(0), 1);
	cr_assert_eq(used_elem(0)->len, 64);
}

TestSuite(virtio_rng_legacy, .init = setup_legacy, .fini = teardown);

Test(virtio_rng_legacy, legacy_transport)
{
	uint64_t ring = VM_RAM_BASE + 0x20000;	/* page aligned */
	uint16_t *avail = (uint16_t *)((uint8_t *)gp(ring) + 16 * QSIZE);
	uint16_t *used = (uint16_t *)((uint8_t *)gp(ring) + 4096);
	struct virtq_desc *d = gp(ring);

	cr_assert_eq(rd(VIRTIO_MMIO_VERSION), 1);
	cr_assert_eq(rd(VIRTIO_MMIO_DEVICE_ID), 4);
	cr_assert_not(device_features() & (UINT64_C(1) << VIRTIO_F_VERSION_1));
	wr(VIRTIO_MMIO_STATUS, 0);
	wr(VIRTIO_MMIO_STATUS, 3);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, 0);
	wr(VIRTIO_MMIO_GUEST_PAGE_SIZE, 4096);
	wr(VIRTIO_MMIO_QUEUE_SEL, 0);
	wr(VIRTIO_MMIO_QUEUE_NUM, QSIZE);
	wr(VIRTIO_MMIO_QUEUE_ALIGN, 4096);
	wr(VIRTIO_MMIO_QUEUE_PFN, (uint32_t)(ring >> 12));
	wr(VIRTIO_MMIO_STATUS, 7);

	memset(gp(G_DATA), 0, 64);
	set_desc(d, 0, G_DATA, 64, VIRTQ_DESC_F_WRITE, 0);
	avail[2] = 0;
	avail[1] = 1;
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	cr_assert_eq(used[1], 1);
	cr_assert_eq(((uint32_t *)(used + 2))[1], 64);
	cr_assert_geq(distinct(gp(G_DATA), 64), 16);
}

/* ---- a hostile driver ---------------------------------------------------- */

Test(virtio_rng, descriptor_loop_needs_reset)
{
	bring_up(0);
	set_desc(desc(), 0, G_DATA, 16, VIRTQ_DESC_F_WRITE |
	    VIRTQ_DESC_F_NEXT, 1);
	set_desc(desc(), 1, G_DATA, 16, VIRTQ_DESC_F_WRITE |
	    VIRTQ_DESC_F_NEXT, 0);			/* 1 -> 0 */
	cr_assert_eq(submit(0), 0);
	cr_assert(needs_reset());
	cr_assert(rd(VIRTIO_MMIO_INTERRUPT_STATUS) & VIRTIO_MMIO_INT_CONFIG);
	/* Broken until reset; then it works again. */
	cr_assert_eq(submit(0), 0);
	bring_up(0);
	cr_assert_not(needs_reset());
	set_desc(desc(), 0, G_DATA, 16, VIRTQ_DESC_F_WRITE, 0);
	cr_assert_eq(submit(0), 1);
}

Test(virtio_rng, buffers_outside_ram_need_reset)
{
	bring_up(0);
	set_desc(desc(), 0, 0x1000, 64, VIRTQ_DESC_F_WRITE, 0);	/* below */
	cr_assert_eq(submit(0), 0);
	cr_assert(needs_reset());

	bring_up(0);
	set_desc(desc(), 0, VM_RAM_BASE + RAM_SIZE - 16, 64,
	    VIRTQ_DESC_F_WRITE, 0);			/* straddles the end */
	cr_assert_eq(submit(0), 0);
	cr_assert(needs_reset());

	bring_up(0);
	set_desc(desc(), 0, UINT64_MAX - 8, 64, VIRTQ_DESC_F_WRITE, 0);
	cr_assert_eq(submit(0), 0);		/* wraps around 2^64 */
	cr_assert(needs_reset());
}

Test(virtio_rng, huge_length_needs_reset)
{
	bring_up(0);
	set_desc(desc(), 0, G_DATA, 0xffffffffu, VIRTQ_DESC_F_WRITE, 0);
	cr_assert_eq(submit(0), 0);
	cr_assert(needs_reset());
}

Test(virtio_rng, bad_indices_need_reset)
{
	uint16_t *avail = gp(G_AVAIL);

	bring_up(0);
	set_desc(desc(), 0, G_DATA, 16, VIRTQ_DESC_F_WRITE, 0);
	cr_assert_eq(submit(QSIZE + 3), 0);		/* head out of range */
	cr_assert(needs_reset());

	bring_up(0);
	set_desc(desc(), 0, G_DATA, 16, VIRTQ_DESC_F_WRITE |
	    VIRTQ_DESC_F_NEXT, 500);			/* next out of range */
	cr_assert_eq(submit(0), 0);
	cr_assert(needs_reset());

	bring_up(0);
	avail[1] = QSIZE + 1;		/* more than the ring can hold */
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	cr_assert(needs_reset());
	cr_assert_eq(((uint16_t *)gp(G_USED))[1], 0);
}

Test(virtio_rng, notify_before_driver_ok_does_nothing)
{
	uint32_t st;

	st = negotiate(UINT64_C(1) << VIRTIO_F_VERSION_1);
	queue_setup(QSIZE);
	memset(gp(G_DATA), 0, 64);
	set_desc(desc(), 0, G_DATA, 64, VIRTQ_DESC_F_WRITE, 0);
	cr_assert_eq(submit(0), 0);
	for (int i = 0; i < 64; i++)
		cr_assert_eq(((uint8_t *)gp(G_DATA))[i], 0);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 5);	/* no such queue */
	wr(VIRTIO_MMIO_STATUS, st | VIRTIO_STATUS_DRIVER_OK);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	cr_assert_eq(((uint16_t *)gp(G_USED))[1], 1);
	cr_assert_eq(used_elem(0)->len, 64);
}

Test(virtio_rng, queue_size_checks)
{
	negotiate(UINT64_C(1) << VIRTIO_F_VERSION_1);
	queue_setup(RNG_QUEUE_MAX * 2);
	cr_assert_eq(rd(VIRTIO_MMIO_QUEUE_READY), 0);
	cr_assert(needs_reset());
	negotiate(UINT64_C(1) << VIRTIO_F_VERSION_1);
	queue_setup(RNG_QUEUE_MAX);
	cr_assert_eq(rd(VIRTIO_MMIO_QUEUE_READY), 1);
}

Test(virtio_rng, access_after_fini_is_harmless)
{
	bool fault;

	bring_up(0);
	virtio_rng_fini();
	cr_assert_eq(mmio(BASE, false, 4, 0, &fault), 0);
	mmio(BASE + VIRTIO_MMIO_QUEUE_NOTIFY, true, 4, 0, &fault);
	cr_assert_not(fault);
	/* And a second device can come up after the first is gone. */
	mmio_unregister_all();
	cr_assert_eq(virtio_rng_init(ctx, SLOT, false), 0);
}

Test(virtio_rng, only_one_device_and_slots_checked)
{
	cr_assert_eq(virtio_rng_init(ctx, SLOT + 1, false), -1);
	virtio_rng_fini();
	mmio_unregister_all();
	cr_assert_eq(virtio_rng_init(ctx, VIRT_VIRTIO_COUNT, false), -1);
	cr_assert_eq(virtio_rng_init(ctx, -1, false), -1);
	cr_assert_eq(virtio_rng_init(ctx, SLOT, false), 0);
}

/*
 * A driver writing garbage: random descriptor tables, indirect tables
 * and ring indices, notified over and over.  The device must neither
 * crash nor hang nor write outside the buffers offered (the canary area
 * below the rings stays intact), and after a reset it serves again.
 */
static uint64_t seed = 0x9e3779b97f4a7c15;

static uint64_t
rnd(void)
{
	seed ^= seed << 13;
	seed ^= seed >> 7;
	seed ^= seed << 17;
	return seed;
}

static uint64_t
rnd_addr(void)
{
	switch (rnd() % 4) {
	case 0:
		return G_DATA + rnd() % 0x10000;
	case 1:
		return VM_RAM_BASE + RAM_SIZE - rnd() % 0x1000;
	case 2:
		return G_INDIRECT;
	default:
		return rnd();
	}
}

static uint32_t
rnd_len(void)
{
	switch (rnd() % 4) {
	case 0:
		return 1;
	case 1:
		return 0xffffffffu - (uint32_t)(rnd() % 4);
	default:
		return (uint32_t)(rnd() % 8192);
	}
}

Test(virtio_rng, garbage_driver_survives)
{
	struct virtq_desc *ind = gp(G_INDIRECT);
	uint16_t *avail = gp(G_AVAIL);
	uint8_t *canary = gp(VM_RAM_BASE);	/* below G_DESC: never offered */
	int resets = 0, served = 0;

	memset(canary, 0x5a, 0x1000);
	bring_up(UINT64_C(1) << VIRTIO_F_INDIRECT_DESC);
	for (int iter = 0; iter < 3000; iter++) {
		for (int i = 0; i < QSIZE; i++) {
			set_desc(desc(), i, rnd_addr(), rnd_len(),
			    (uint16_t)(rnd() % 8), (uint16_t)(rnd() % 12));
			set_desc(ind, i, rnd_addr(), rnd_len(),
			    (uint16_t)(rnd() % 8), (uint16_t)(rnd() % 10));
		}
		for (int i = 0; i < QSIZE; i++)
			avail[2 + i] = (uint16_t)(rnd() % (QSIZE + 2));
		avail[1] = (uint16_t)(avail[1] + rnd() % (QSIZE + 2));
		wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
		if (((uint16_t *)gp(G_USED))[1] != 0)
			served++;
		if (needs_reset()) {
			resets++;
			bring_up(UINT64_C(1) << VIRTIO_F_INDIRECT_DESC);
		}
	}
	cr_assert_gt(resets, 0);
	cr_assert_gt(served, 0);
	for (int i = 0; i < 0x1000; i++)
		cr_assert_eq(canary[i], 0x5a);
	bring_up(0);
	set_desc(desc(), 0, G_DATA, 64, VIRTQ_DESC_F_WRITE, 0);
	cr_assert_eq(submit(0), 1);
	cr_assert_eq(used_elem(0)->len, 64);
}
