/*
 * virtio_net.c - the virtio network device (rhyve/virtio_net.c) without
 * its slirp backend: the test plays both the guest driver (registers
 * through the real MMIO dispatch, rings and buffers in a real VM's RAM)
 * and the backend thread (virtio_net_tx / virtio_net_rx, a fake kick).
 * What a good driver sees (identity, config space, frames both ways with
 * the 12- and 10-byte headers, notify only kicks), the debugger rule (no
 * ring or buffer is touched while the debug set holds a vCPU; frames
 * wait), then a hostile driver: missing headers, loops, buffers outside
 * RAM, oversize frames, small receive buffers, garbage rings.
 * Spec: VIRTIO 1.2, 2.7, 4.2 and 5.1.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rhyve/devices.h"
#include "rhyve/mem.h"
#include "rhyve/net.h"
#include "rhyve/virt.h"
#include "rhyve/virtio_mmio.h"
#include "vmmapi/vmmapi.h"

#define RAM_SIZE	(16u << 20)
#define SLOT		6
#define BASE		(VIRT_VIRTIO_BASE + SLOT * VIRT_VIRTIO_SIZE)
#define QSIZE		8
#define RXQ		0
#define TXQ		1
#define HDR		12
#define HDR_LEGACY	10

/* Per queue: desc, avail, used pages. */
#define G_RING(q)	(VM_RAM_BASE + 0x10000 + (uint64_t)(q) * 0x4000)
#define G_DESC(q)	(G_RING(q))
#define G_AVAIL(q)	(G_RING(q) + 0x1000)
#define G_USED(q)	(G_RING(q) + 0x2000)
#define G_INDIRECT	(VM_RAM_BASE + 0x20000)
#define G_BUF		(VM_RAM_BASE + 0x40000)

static struct vmctx *ctx;
static uint8_t *ram;
static uint16_t avail_idx[2];
static int kicks;
static uint8_t emitted[8][2048];
static size_t emitted_len[8];
static int nemitted;

/* ---- plumbing ----------------------------------------------------------- */

static uint64_t
mmio(uint64_t gpa, bool write, int size, uint64_t val)
{
	struct vm_exit e;

	memset(&e, 0, sizeof(e));
	e.exitcode = VM_EXITCODE_MMIO;
	e.u.mmio.gpa = gpa;
	e.u.mmio.size = size;
	e.u.mmio.write = write;
	e.u.mmio.data = val;
	mmio_emulate(0, &e);
	cr_assert(!e.u.mmio.fault, "access fault at %#lx", gpa);
	return e.u.mmio.data;
}

static uint32_t
rd(uint64_t off)
{
	return (uint32_t)mmio(BASE + off, false, 4, 0);
}

static void
wr(uint64_t off, uint32_t val)
{
	mmio(BASE + off, true, 4, val);
}

static void *
gp(uint64_t gpa)
{
	return ram + (gpa - VM_RAM_BASE);
}

static void
test_kick(void)
{
	kicks++;
}

static void
emit(const uint8_t *frame, size_t len, void *arg)
{
	(void)arg;
	cr_assert_lt(nemitted, 8);
	cr_assert_leq(len, sizeof(emitted[0]));
	memcpy(emitted[nemitted], frame, len);
	emitted_len[nemitted++] = len;
}

static void
setup_common(bool legacy)
{
	struct net_config nc = {
		.slot = SLOT, .legacy = legacy,
		.mac = { 0x52, 0x54, 0x00, 0xaa, 0xbb, 0xcc },
	};

	ctx = vm_open_new(1, RAM_SIZE);
	cr_assert_not_null(ctx);
	cr_assert_eq(vm_activate_cpu(ctx, 0), 0);
	ram = vm_map_gpa(ctx, VM_RAM_BASE, RAM_SIZE);
	cr_assert_not_null(ram);
	cr_assert_eq(virtio_net_device_init(ctx, &nc), 0);
	virtio_net_set_kick(test_kick);
	avail_idx[0] = avail_idx[1] = 0;
	kicks = 0;
	nemitted = 0;
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
	virtio_net_device_fini();
	mmio_unregister_all();
	vm_close(ctx);
}

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

static void
queue_setup(int q, uint32_t num)
{
	memset(gp(G_RING(q)), 0, 0x3000);
	wr(VIRTIO_MMIO_QUEUE_SEL, (uint32_t)q);
	wr(VIRTIO_MMIO_QUEUE_NUM, num);
	wr(VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)G_DESC(q));
	wr(VIRTIO_MMIO_QUEUE_DESC_HIGH, 0);
	wr(VIRTIO_MMIO_QUEUE_AVAIL_LOW, (uint32_t)G_AVAIL(q));
	wr(VIRTIO_MMIO_QUEUE_AVAIL_HIGH, 0);
	wr(VIRTIO_MMIO_QUEUE_USED_LOW, (uint32_t)G_USED(q));
	wr(VIRTIO_MMIO_QUEUE_USED_HIGH, 0);
	wr(VIRTIO_MMIO_QUEUE_READY, 1);
}

static void
bring_up(uint64_t extra)
{
	uint32_t st;

	avail_idx[0] = avail_idx[1] = 0;
	st = negotiate((UINT64_C(1) << VIRTIO_F_VERSION_1) | extra);
	cr_assert(st & VIRTIO_STATUS_FEATURES_OK);
	queue_setup(RXQ, QSIZE);
	queue_setup(TXQ, QSIZE);
	wr(VIRTIO_MMIO_STATUS, st | VIRTIO_STATUS_DRIVER_OK);
}

static struct virtq_desc *
desc(int q)
{
	return gp(G_DESC(q));
}

static void
set_desc(struct virtq_desc *t, int i, uint64_t addr, uint32_t len,
    uint16_t flags, uint16_t next)
{
	t[i].addr = addr;
	t[i].len = len;
	t[i].flags = flags;
	t[i].next = next;
}

/* Offer head on queue q and notify (the driver's side only). */
static void
offer(int q, uint16_t head)
{
	uint16_t *avail = gp(G_AVAIL(q));

	avail[2 + avail_idx[q] % QSIZE] = head;
	avail_idx[q]++;
	__atomic_store_n(&avail[1], avail_idx[q], __ATOMIC_RELEASE);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, (uint32_t)q);
}

static uint16_t
used_idx(int q)
{
	return __atomic_load_n(&((uint16_t *)gp(G_USED(q)))[1],
	    __ATOMIC_ACQUIRE);
}

static struct virtq_used_elem *
used_elem(int q, int i)
{
	return (struct virtq_used_elem *)((uint8_t *)gp(G_USED(q)) + 4 +
	    8 * i);
}

static bool
needs_reset(void)
{
	return (rd(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET) != 0;
}

static void
make_frame(uint8_t *p, size_t len, uint8_t seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(seed + i * 13);
}

/* ---- the device as a driver sees it ------------------------------------- */

TestSuite(virtio_net, .init = setup, .fini = teardown);

Test(virtio_net, identity_and_config)
{
	uint64_t f;

	cr_assert_eq(rd(VIRTIO_MMIO_DEVICE_ID), 1);
	wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	f = rd(VIRTIO_MMIO_DEVICE_FEATURES);
	cr_assert(f & (1u << 5), "MAC");
	cr_assert(f & (1u << 16), "STATUS");
	/* No offloads: CSUM, GUEST_CSUM, GSO, MRG_RXBUF are not offered. */
	cr_assert_eq(f & ((1u << 0) | (1u << 1) | (1u << 7) | (1u << 11) |
	    (1u << 15)), 0);
	cr_assert_eq(mmio(BASE + 0x100, false, 4, 0), 0xaa005452);
	cr_assert_eq(mmio(BASE + 0x105, false, 1, 0), 0xcc);
	cr_assert_eq(mmio(BASE + 0x106, false, 2, 0), 1, "link up");
	cr_assert_eq(mmio(BASE + 0x108, false, 4, 0), 0);
	wr(VIRTIO_MMIO_QUEUE_SEL, 1);
	cr_assert_eq(rd(VIRTIO_MMIO_QUEUE_NUM_MAX), 256);
	wr(VIRTIO_MMIO_QUEUE_SEL, 2);
	cr_assert_eq(rd(VIRTIO_MMIO_QUEUE_NUM_MAX), 0);
	/* The MAC is read-only. */
	mmio(BASE + 0x100, true, 4, 0);
	cr_assert_eq(mmio(BASE + 0x100, false, 4, 0), 0xaa005452);
}

Test(virtio_net, transmit_goes_through_the_backend_thread)
{
	uint8_t *h = gp(G_BUF), *fr = gp(G_BUF + 0x100);

	bring_up(0);
	memset(h, 0, HDR);
	make_frame(fr, 60, 1);
	set_desc(desc(TXQ), 0, G_BUF, HDR, VIRTQ_DESC_F_NEXT, 1);
	set_desc(desc(TXQ), 1, G_BUF + 0x100, 60, 0, 0);
	offer(TXQ, 0);
	/* The vCPU only kicked: nothing taken, nothing completed. */
	cr_assert_eq(kicks, 1);
	cr_assert_eq(used_idx(TXQ), 0);
	cr_assert_eq(virtio_net_tx(emit, NULL, 64), 1);
	cr_assert_eq(nemitted, 1);
	cr_assert_eq(emitted_len[0], 60);
	cr_assert_arr_eq(emitted[0], fr, 60);
	cr_assert_eq(used_idx(TXQ), 1);
	cr_assert_eq(used_elem(TXQ, 0)->len, 0);
	cr_assert(rd(VIRTIO_MMIO_INTERRUPT_STATUS) & VIRTIO_MMIO_INT_VRING);
	/* Header and frame in one buffer, as Linux sends them. */
	memset(h, 0, HDR);
	make_frame(h + HDR, 100, 7);
	set_desc(desc(TXQ), 2, G_BUF, HDR + 100, 0, 0);
	offer(TXQ, 2);
	cr_assert_eq(virtio_net_tx(emit, NULL, 64), 1);
	cr_assert_eq(emitted_len[1], 100);
	cr_assert_arr_eq(emitted[1], h + HDR, 100);
	cr_assert_eq(virtio_net_tx(emit, NULL, 64), 0);
}

Test(virtio_net, receive_fills_a_buffer)
{
	uint8_t frame[200], *b = gp(G_BUF);

	bring_up(0);
	make_frame(frame, sizeof(frame), 3);
	cr_assert_eq(virtio_net_rx(frame, sizeof(frame)), 0, "no buffer yet");
	memset(b, 0xee, 2048);
	set_desc(desc(RXQ), 0, G_BUF, 1526, VIRTQ_DESC_F_WRITE, 0);
	offer(RXQ, 0);
	cr_assert_eq(kicks, 1);
	cr_assert_eq(virtio_net_rx(frame, sizeof(frame)), 1);
	cr_assert_eq(used_idx(RXQ), 1);
	cr_assert_eq(used_elem(RXQ, 0)->len, HDR + sizeof(frame));
	for (int i = 0; i < 10; i++)
		cr_assert_eq(b[i], 0, "header byte %d", i);
	cr_assert_eq(b[10], 1, "num_buffers");
	cr_assert_eq(b[11], 0);
	cr_assert_arr_eq(b + HDR, frame, sizeof(frame));
	cr_assert_eq(b[HDR + sizeof(frame)], 0xee, "nothing past the frame");
	cr_assert(rd(VIRTIO_MMIO_INTERRUPT_STATUS) & VIRTIO_MMIO_INT_VRING);
}

Test(virtio_net, receive_across_buffers)
{
	uint8_t frame[1514];

	bring_up(0);
	make_frame(frame, sizeof(frame), 9);
	/* Header alone, then the frame split in two. */
	set_desc(desc(RXQ), 0, G_BUF, HDR, VIRTQ_DESC_F_WRITE |
	    VIRTQ_DESC_F_NEXT, 1);
	set_desc(desc(RXQ), 1, G_BUF + 0x1000, 700, VIRTQ_DESC_F_WRITE |
	    VIRTQ_DESC_F_NEXT, 2);
	set_desc(desc(RXQ), 2, G_BUF + 0x2000, 1000, VIRTQ_DESC_F_WRITE, 0);
	offer(RXQ, 0);
	cr_assert_eq(virtio_net_rx(frame, sizeof(frame)), 1);
	cr_assert_eq(used_elem(RXQ, 0)->len, HDR + sizeof(frame));
	cr_assert_arr_eq(gp(G_BUF + 0x1000), frame, 700);
	cr_assert_arr_eq(gp(G_BUF + 0x2000), frame + 700, sizeof(frame) - 700);
}

Test(virtio_net, not_running_drops)
{
	uint8_t frame[64] = { 0 };

	cr_assert_eq(virtio_net_rx(frame, sizeof(frame)), -1);
	cr_assert_eq(virtio_net_tx(emit, NULL, 64), -1);
	cr_assert_not(virtio_net_running());
	bring_up(0);
	cr_assert(virtio_net_running());
	virtio_net_reset();
	cr_assert_not(virtio_net_running());
	cr_assert_eq(rd(VIRTIO_MMIO_STATUS), 0);
	cr_assert_eq(virtio_net_rx(frame, sizeof(frame)), -1);
}

/*
 * While the debug server holds a vCPU the guest's memory stands still:
 * no frame is written, no transmit chain is taken or completed, no
 * interrupt.  Both go through once the vCPU is released.
 */
Test(virtio_net, nothing_moves_while_the_debugger_holds_vcpus)
{
	uint8_t frame[80], *b = gp(G_BUF), *tx = gp(G_BUF + 0x4000);
	uint8_t before[2048];

	bring_up(0);
	make_frame(frame, sizeof(frame), 5);
	memset(b, 0xee, 2048);
	set_desc(desc(RXQ), 0, G_BUF, 1526, VIRTQ_DESC_F_WRITE, 0);
	offer(RXQ, 0);
	memset(tx, 0, HDR);
	make_frame(tx + HDR, 60, 2);
	set_desc(desc(TXQ), 0, G_BUF + 0x4000, HDR + 60, 0, 0);
	offer(TXQ, 0);
	wr(VIRTIO_MMIO_INTERRUPT_ACK, rd(VIRTIO_MMIO_INTERRUPT_STATUS));
	memcpy(before, b, sizeof(before));

	cr_assert_eq(vm_suspend_cpu(ctx, 0), 0);	/* as gdb.c stops */
	cr_assert_eq(virtio_net_rx(frame, sizeof(frame)), 0, "must wait");
	cr_assert_eq(virtio_net_tx(emit, NULL, 64), -1);
	cr_assert_arr_eq(b, before, sizeof(before));
	cr_assert_eq(used_idx(RXQ), 0);
	cr_assert_eq(used_idx(TXQ), 0);
	cr_assert_eq(nemitted, 0);
	cr_assert_eq(rd(VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	cr_assert(virtio_net_running(), "held, not stopped");

	cr_assert_eq(vm_resume_cpu(ctx, 0), 0);
	cr_assert_eq(virtio_net_rx(frame, sizeof(frame)), 1);
	cr_assert_arr_eq(b + HDR, frame, sizeof(frame));
	cr_assert_eq(virtio_net_tx(emit, NULL, 64), 1);
	cr_assert_eq(nemitted, 1);
	cr_assert_eq(used_idx(RXQ), 1);
	cr_assert_eq(used_idx(TXQ), 1);
}

/* The operator's pause (QMP stop) holds the frames the same way. */
Test(virtio_net, nothing_moves_while_the_vm_is_paused)
{
	uint8_t frame[80];

	bring_up(0);
	make_frame(frame, sizeof(frame), 6);
	set_desc(desc(RXQ), 0, G_BUF, 1526, VIRTQ_DESC_F_WRITE, 0);
	offer(RXQ, 0);
	cr_assert_eq(vm_pause_cpu(ctx, -1), 0);
	cr_assert_eq(virtio_net_rx(frame, sizeof(frame)), 0, "must wait");
	cr_assert_eq(used_idx(RXQ), 0);
	cr_assert_eq(vm_unpause_cpu(ctx, -1), 0);
	cr_assert_eq(virtio_net_rx(frame, sizeof(frame)), 1);
	cr_assert_eq(used_idx(RXQ), 1);
}

TestSuite(virtio_net_legacy, .init = setup_legacy, .fini = teardown);

Test(virtio_net_legacy, ten_byte_header)
{
	uint64_t ring = VM_RAM_BASE + 0x80000;
	uint16_t *avail = (uint16_t *)((uint8_t *)gp(ring) + 16 * QSIZE);
	uint16_t *used = (uint16_t *)((uint8_t *)gp(ring) + 4096);
	struct virtq_desc *d = gp(ring);
	uint8_t frame[90], *b = gp(G_BUF);

	cr_assert_eq(rd(VIRTIO_MMIO_VERSION), 1);
	wr(VIRTIO_MMIO_STATUS, 0);
	wr(VIRTIO_MMIO_STATUS, 3);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, 1u << 5);
	wr(VIRTIO_MMIO_GUEST_PAGE_SIZE, 4096);
	wr(VIRTIO_MMIO_QUEUE_SEL, RXQ);
	wr(VIRTIO_MMIO_QUEUE_NUM, QSIZE);
	wr(VIRTIO_MMIO_QUEUE_ALIGN, 4096);
	wr(VIRTIO_MMIO_QUEUE_PFN, (uint32_t)(ring >> 12));
	wr(VIRTIO_MMIO_STATUS, 7);

	make_frame(frame, sizeof(frame), 4);
	memset(b, 0xee, 256);
	set_desc(d, 0, G_BUF, 1524, VIRTQ_DESC_F_WRITE, 0);
	avail[2] = 0;
	avail[1] = 1;
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, RXQ);
	cr_assert_eq(virtio_net_rx(frame, sizeof(frame)), 1);
	cr_assert_eq(used[1], 1);
	cr_assert_eq(((uint32_t *)(used + 2))[1], HDR_LEGACY + sizeof(frame));
	cr_assert_arr_eq(b + HDR_LEGACY, frame, sizeof(frame));
}

/* ---- a hostile driver ---------------------------------------------------- */

Test(virtio_net, transmit_without_header_needs_reset)
{
	bring_up(0);
	set_desc(desc(TXQ), 0, G_BUF, HDR - 1, 0, 0);
	offer(TXQ, 0);
	virtio_net_tx(emit, NULL, 64);
	cr_assert(needs_reset());
	cr_assert_eq(nemitted, 0);
	cr_assert_eq(virtio_net_tx(emit, NULL, 64), -1);
	bring_up(0);
	cr_assert_not(needs_reset());
}

Test(virtio_net, oversize_and_empty_frames_are_dropped)
{
	bring_up(0);
	set_desc(desc(TXQ), 0, G_BUF, HDR + 9000, 0, 0);	/* jumbo */
	set_desc(desc(TXQ), 1, G_BUF, HDR, 0, 0);		/* empty */
	offer(TXQ, 0);
	offer(TXQ, 1);
	cr_assert_eq(virtio_net_tx(emit, NULL, 64), 2);
	cr_assert_eq(nemitted, 0);
	cr_assert_eq(used_idx(TXQ), 2, "both completed");
	cr_assert_not(needs_reset());
}

Test(virtio_net, small_receive_buffer_loses_the_frame_only)
{
	uint8_t frame[600];

	bring_up(0);
	make_frame(frame, sizeof(frame), 1);
	set_desc(desc(RXQ), 0, G_BUF, HDR + 100, VIRTQ_DESC_F_WRITE, 0);
	set_desc(desc(RXQ), 1, G_BUF + 0x1000, 1526, VIRTQ_DESC_F_WRITE, 0);
	offer(RXQ, 0);
	offer(RXQ, 1);
	cr_assert_eq(virtio_net_rx(frame, sizeof(frame)), -1);
	cr_assert_eq(used_elem(RXQ, 0)->len, 0);
	cr_assert_eq(virtio_net_rx(frame, sizeof(frame)), 1);
	cr_assert_eq(used_elem(RXQ, 1)->len, HDR + sizeof(frame));
	cr_assert_not(needs_reset());
}

Test(virtio_net, readonly_receive_buffer_is_refused)
{
	uint8_t frame[60] = { 1 };

	bring_up(0);
	memset(gp(G_BUF), 0x11, 2048);
	set_desc(desc(RXQ), 0, G_BUF, 2048, 0, 0);	/* device-readable */
	offer(RXQ, 0);
	cr_assert_eq(virtio_net_rx(frame, sizeof(frame)), -1);
	for (int i = 0; i < 2048; i++)
		cr_assert_eq(((uint8_t *)gp(G_BUF))[i], 0x11);
}

Test(virtio_net, loops_and_wild_buffers_need_reset)
{
	uint8_t frame[60] = { 1 };

	bring_up(0);
	set_desc(desc(RXQ), 0, G_BUF, 16, VIRTQ_DESC_F_WRITE |
	    VIRTQ_DESC_F_NEXT, 1);
	set_desc(desc(RXQ), 1, G_BUF, 16, VIRTQ_DESC_F_WRITE |
	    VIRTQ_DESC_F_NEXT, 0);
	offer(RXQ, 0);
	cr_assert_eq(virtio_net_rx(frame, sizeof(frame)), -1);
	cr_assert(needs_reset());

	bring_up(0);
	set_desc(desc(TXQ), 0, VM_RAM_BASE + RAM_SIZE - 8, 64, 0, 0);
	offer(TXQ, 0);
	virtio_net_tx(emit, NULL, 64);
	cr_assert(needs_reset());

	bring_up(0);
	set_desc(desc(RXQ), 0, UINT64_MAX - 4, 2048, VIRTQ_DESC_F_WRITE, 0);
	offer(RXQ, 0);
	cr_assert_eq(virtio_net_rx(frame, sizeof(frame)), -1);
	cr_assert(needs_reset());

	bring_up(0);
	offer(TXQ, QSIZE + 1);				/* head out of range */
	virtio_net_tx(emit, NULL, 64);
	cr_assert(needs_reset());
	cr_assert_eq(nemitted, 0);
}

Test(virtio_net, access_after_fini_is_harmless)
{
	uint8_t frame[60] = { 0 };

	bring_up(0);
	virtio_net_device_fini();
	cr_assert_eq(mmio(BASE, false, 4, 0), 0);
	mmio(BASE + VIRTIO_MMIO_QUEUE_NOTIFY, true, 4, 0);
	cr_assert_eq(virtio_net_rx(frame, sizeof(frame)), -1);
	cr_assert_eq(virtio_net_tx(emit, NULL, 64), -1);
}

static uint64_t seed = 0x2545f4914f6cdd1d;

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
		return G_BUF + rnd() % 0x10000;
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
		return (uint32_t)(rnd() % 16);
	case 1:
		return 0xffffffffu - (uint32_t)(rnd() % 4);
	default:
		return (uint32_t)(rnd() % 4096);
	}
}

/*
 * Garbage in both rings, the backend's calls interleaved with notifies.
 * Nothing may crash or hang, RAM below the rings (never offered) stays
 * as it was, every emitted frame is within bounds, and after a reset a
 * good frame goes through.
 */
Test(virtio_net, garbage_driver_survives)
{
	struct virtq_desc *ind = gp(G_INDIRECT);
	uint8_t *canary = gp(VM_RAM_BASE), frame[1514];
	int resets = 0;

	memset(canary, 0x5a, 0x10000);
	make_frame(frame, sizeof(frame), 0);
	bring_up(UINT64_C(1) << VIRTIO_F_INDIRECT_DESC);
	for (int iter = 0; iter < 3000; iter++) {
		for (int q = 0; q < 2; q++) {
			uint16_t *avail = gp(G_AVAIL(q));

			for (int i = 0; i < QSIZE; i++) {
				set_desc(desc(q), i, rnd_addr(), rnd_len(),
				    (uint16_t)(rnd() % 8),
				    (uint16_t)(rnd() % 12));
				set_desc(ind, i, rnd_addr(), rnd_len(),
				    (uint16_t)(rnd() % 8),
				    (uint16_t)(rnd() % 10));
				avail[2 + i] = (uint16_t)(rnd() % (QSIZE + 2));
			}
			avail[1] = (uint16_t)(avail[1] + rnd() % (QSIZE + 2));
			wr(VIRTIO_MMIO_QUEUE_NOTIFY, (uint32_t)q);
		}
		nemitted = 0;
		virtio_net_tx(emit, NULL, 8);
		virtio_net_rx(frame, 1 + rnd() % sizeof(frame));
		if (needs_reset()) {
			resets++;
			bring_up(UINT64_C(1) << VIRTIO_F_INDIRECT_DESC);
		}
	}
	cr_assert_gt(resets, 0);
	for (int i = 0; i < 0x10000; i++)
		cr_assert_eq(canary[i], 0x5a, "byte %d", i);
	bring_up(0);
	set_desc(desc(RXQ), 0, G_BUF, 1526, VIRTQ_DESC_F_WRITE, 0);
	offer(RXQ, 0);
	cr_assert_eq(virtio_net_rx(frame, 100), 1);
	cr_assert_arr_eq(gp(G_BUF + HDR), frame, 100);
}
