/*
 * virtio_blk.c - the virtio-mmio transport and virtio-blk (rhyve/
 * virtio_mmio.c, rhyve/virtio_blk.c), driven the way a guest driver
 * drives them: register accesses go through the real MMIO dispatch
 * (mmio_emulate with VM_EXITCODE_MMIO records), the rings and buffers
 * sit in the RAM of a real VM (vm_open_new), and the disk is a temporary
 * image file whose contents are checked with pread.  Then the hostile
 * cases: loops, buffers outside RAM, huge lengths, bad indices and queue
 * sizes, notify before DRIVER_OK.  Spec: VIRTIO 1.2, 2.7 and 4.2.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rhyve/devices.h"
#include "rhyve/mem.h"
#include "rhyve/virt.h"
#include "rhyve/virtio_mmio.h"
#include "vmmapi/vmmapi.h"

#define RAM_SIZE	(16u << 20)
#define SECTORS		64
#define BASE		VIRT_VIRTIO_BASE	/* slot 0 */

/* Guest-physical layout of the test "driver". */
#define G_DESC		(VM_RAM_BASE + 0x1000)
#define G_AVAIL		(VM_RAM_BASE + 0x2000)
#define G_USED		(VM_RAM_BASE + 0x3000)
#define G_INDIRECT	(VM_RAM_BASE + 0x4000)
#define G_HDR		(VM_RAM_BASE + 0x5000)
#define G_STATUS	(VM_RAM_BASE + 0x5100)
#define G_DATA		(VM_RAM_BASE + 0x10000)
#define QSIZE		8

#define BLK_T_IN	0
#define BLK_T_OUT	1
#define BLK_T_FLUSH	4
#define BLK_T_GET_ID	8
#define BLK_S_OK	0
#define BLK_S_IOERR	1
#define BLK_S_UNSUPP	2
#define BLK_F_RO	5
#define BLK_F_FLUSH	9

static struct vmctx *ctx;
static uint8_t *ram;
static char img[64];
static int imgfd = -1;
static uint16_t avail_idx;

/* ---- plumbing ----------------------------------------------------------- */

#include "virtio_driver.h"

static void
make_image(void)
{
	uint8_t sec[512];

	snprintf(img, sizeof(img), "/tmp/rhyve-blk-test-XXXXXX");
	imgfd = mkstemp(img);
	cr_assert(imgfd >= 0);
	for (int s = 0; s < SECTORS; s++) {
		for (int i = 0; i < 512; i++)
			sec[i] = (uint8_t)(s * 7 + i);
		cr_assert_eq(pwrite(imgfd, sec, 512, s * 512), 512);
	}
}

static void
setup_common(bool readonly, bool legacy)
{
	struct disk_config d = {
		.path = img, .id = "d0", .readonly = readonly,
		.slot = 0, .legacy = legacy,
	};

	make_image();
	ctx = vm_open_new(1, RAM_SIZE);
	cr_assert_not_null(ctx);
	ram = vm_map_gpa(ctx, VM_RAM_BASE, RAM_SIZE);
	cr_assert_not_null(ram);
	cr_assert_eq(virtio_blk_init(ctx, &d), 0);
	avail_idx = 0;
}

static void
setup(void)
{
	setup_common(false, false);
}

static void
setup_ro(void)
{
	setup_common(true, false);
}

static void
setup_legacy(void)
{
	setup_common(false, true);
}

static void
teardown(void)
{
	virtio_blk_fini();
	mmio_unregister_all();
	vm_close(ctx);
	if (imgfd >= 0)
		close(imgfd);
	unlink(img);
}

/* A modern device with one queue of QSIZE, up and running. */
static void
bring_up(uint64_t extra)
{
	uint32_t st;

	st = negotiate((UINT64_C(1) << VIRTIO_F_VERSION_1) | extra);
	cr_assert(st & VIRTIO_STATUS_FEATURES_OK);
	queue_setup(QSIZE);
	cr_assert_eq(rd(VIRTIO_MMIO_QUEUE_READY), 1);
	wr(VIRTIO_MMIO_STATUS, st | VIRTIO_STATUS_DRIVER_OK);
}

/* A three-descriptor request at descriptors 0..2. */
static void
build_req(uint32_t type, uint64_t sector, uint32_t len, bool device_writes)
{
	uint32_t *hdr = gp(G_HDR);

	hdr[0] = type;
	hdr[1] = 0;
	memcpy(&hdr[2], &sector, 8);
	*(uint8_t *)gp(G_STATUS) = 0xff;
	set_desc(desc(), 0, G_HDR, 16, VIRTQ_DESC_F_NEXT, 1);
	set_desc(desc(), 1, G_DATA, len, VIRTQ_DESC_F_NEXT |
	    (device_writes ? VIRTQ_DESC_F_WRITE : 0), 2);
	set_desc(desc(), 2, G_STATUS, 1, VIRTQ_DESC_F_WRITE, 0);
}

static uint8_t
req_status(void)
{
	return *(uint8_t *)gp(G_STATUS);
}

static void
file_sector(int s, uint8_t *buf)
{
	cr_assert_eq(pread(imgfd, buf, 512, s * 512), 512);
}

/* ---- the device as a driver sees it ------------------------------------- */

TestSuite(virtio_blk, .init = setup, .fini = teardown);

Test(virtio_blk, identity_and_config)
{
	uint64_t f;
	bool fault;

	cr_assert_eq(rd(VIRTIO_MMIO_MAGIC), 0x74726976);
	cr_assert_eq(rd(VIRTIO_MMIO_VERSION), 2);
	cr_assert_eq(rd(VIRTIO_MMIO_DEVICE_ID), 2);
	cr_assert_eq(rd(VIRTIO_MMIO_VENDOR_ID), 0x554d4551);
	f = device_features();
	cr_assert(f & (UINT64_C(1) << VIRTIO_F_VERSION_1));
	cr_assert(f & (UINT64_C(1) << BLK_F_FLUSH));
	cr_assert_not(f & (UINT64_C(1) << BLK_F_RO));
	/* capacity (le64 at 0), blk_size (le32 at 20), 8/4/1-byte reads */
	cr_assert_eq(mmio(BASE + 0x100, false, 8, 0, NULL), SECTORS);
	cr_assert_eq(mmio(BASE + 0x100, false, 4, 0, NULL), SECTORS);
	cr_assert_eq(mmio(BASE + 0x100, false, 1, 0, NULL), SECTORS);
	cr_assert_eq(mmio(BASE + 0x100 + 20, false, 4, 0, NULL), 512);
	cr_assert_gt(mmio(BASE + 0x100 + 12, false, 4, 0, NULL), 0);
	cr_assert_eq(rd(VIRTIO_MMIO_QUEUE_NUM_MAX), 256);
	/* A queue that does not exist has no size. */
	wr(VIRTIO_MMIO_QUEUE_SEL, 1);
	cr_assert_eq(rd(VIRTIO_MMIO_QUEUE_NUM_MAX), 0);
	/* Registers are 32-bit: a byte read of the magic reads zero. */
	cr_assert_eq(mmio(BASE, false, 1, 0, &fault), 0);
	cr_assert_not(fault);
	/* The slot's window ends at 0x1000; nothing right after it. */
	mmio(BASE + 8 * VIRT_VIRTIO_SIZE, false, 4, 0, &fault);
	cr_assert(fault);
}

Test(virtio_blk, unoffered_features_are_refused)
{
	/* A driver without VERSION_1 is accepted, as QEMU does (xv6). */
	uint32_t st = negotiate(UINT64_C(1) << BLK_F_FLUSH);

	cr_assert(st & VIRTIO_STATUS_FEATURES_OK);
	/* Features the device never offered are not. */
	st = negotiate((UINT64_C(1) << VIRTIO_F_VERSION_1) |
	    (UINT64_C(1) << 40));
	cr_assert_not(st & VIRTIO_STATUS_FEATURES_OK);
	st = negotiate(UINT64_C(1) << VIRTIO_F_VERSION_1);
	cr_assert(st & VIRTIO_STATUS_FEATURES_OK);
}

Test(virtio_blk, read_sector)
{
	uint8_t want[512];

	bring_up(0);
	build_req(BLK_T_IN, 5, 1024, true);
	memset(gp(G_DATA), 0xaa, 1024);
	cr_assert_eq(submit(0), 1);
	cr_assert_eq(req_status(), BLK_S_OK);
	cr_assert_eq(used_elem(0)->id, 0);
	cr_assert_eq(used_elem(0)->len, 1024 + 1);
	file_sector(5, want);
	cr_assert_arr_eq(gp(G_DATA), want, 512);
	file_sector(6, want);
	cr_assert_arr_eq((uint8_t *)gp(G_DATA) + 512, want, 512);
	/* The used-buffer interrupt is pending; ack clears it. */
	cr_assert_eq(rd(VIRTIO_MMIO_INTERRUPT_STATUS) & 1, 1);
	wr(VIRTIO_MMIO_INTERRUPT_ACK, 1);
	cr_assert_eq(rd(VIRTIO_MMIO_INTERRUPT_STATUS), 0);
}

Test(virtio_blk, write_then_read_back_and_flush)
{
	uint8_t buf[512];

	bring_up(UINT64_C(1) << BLK_F_FLUSH);
	for (int i = 0; i < 512; i++)
		((uint8_t *)gp(G_DATA))[i] = (uint8_t)(i ^ 0x5a);
	build_req(BLK_T_OUT, 9, 512, false);
	cr_assert_eq(submit(0), 1);
	cr_assert_eq(req_status(), BLK_S_OK);
	file_sector(9, buf);
	cr_assert_arr_eq(buf, gp(G_DATA), 512);

	build_req(BLK_T_FLUSH, 0, 0, false);
	/* FLUSH has no data: header then status. */
	set_desc(desc(), 0, G_HDR, 16, VIRTQ_DESC_F_NEXT, 2);
	cr_assert_eq(submit(0), 2);
	cr_assert_eq(req_status(), BLK_S_OK);

	memset(gp(G_DATA), 0, 512);
	build_req(BLK_T_IN, 9, 512, true);
	cr_assert_eq(submit(0), 3);
	cr_assert_eq(req_status(), BLK_S_OK);
	cr_assert_arr_eq(buf, gp(G_DATA), 512);
}

Test(virtio_blk, get_id_and_unsupported)
{
	char id[20];

	bring_up(0);
	build_req(BLK_T_GET_ID, 0, 20, true);
	memset(gp(G_DATA), 0x55, 20);
	cr_assert_eq(submit(0), 1);
	cr_assert_eq(req_status(), BLK_S_OK);
	memset(id, 0, sizeof(id));
	memcpy(id, "d0", 2);
	cr_assert_arr_eq(gp(G_DATA), id, 20);

	build_req(99, 0, 512, true);
	cr_assert_eq(submit(0), 2);
	cr_assert_eq(req_status(), BLK_S_UNSUPP);
}

Test(virtio_blk, out_of_range_and_partial_sectors_fail)
{
	uint8_t before[512], after[512];

	bring_up(0);
	build_req(BLK_T_IN, SECTORS, 512, true);	/* one past the end */
	cr_assert_eq(submit(0), 1);
	cr_assert_eq(req_status(), BLK_S_IOERR);
	build_req(BLK_T_IN, SECTORS - 1, 1024, true);	/* straddles it */
	cr_assert_eq(submit(0), 2);
	cr_assert_eq(req_status(), BLK_S_IOERR);
	build_req(BLK_T_IN, UINT64_MAX / 256, 512, true); /* sector*512 wraps */
	cr_assert_eq(submit(0), 3);
	cr_assert_eq(req_status(), BLK_S_IOERR);
	file_sector(3, before);
	build_req(BLK_T_OUT, 3, 100, false);		/* not whole sectors */
	cr_assert_eq(submit(0), 4);
	cr_assert_eq(req_status(), BLK_S_IOERR);
	file_sector(3, after);
	cr_assert_arr_eq(before, after, 512);
	cr_assert_not(needs_reset());
}

Test(virtio_blk, indirect_descriptors)
{
	struct virtq_desc *ind = gp(G_INDIRECT);
	uint8_t want[512];

	bring_up(UINT64_C(1) << VIRTIO_F_INDIRECT_DESC);
	build_req(BLK_T_IN, 2, 512, true);
	memcpy(ind, desc(), 3 * sizeof(*ind));
	set_desc(desc(), 0, G_INDIRECT, 3 * 16, VIRTQ_DESC_F_INDIRECT, 0);
	cr_assert_eq(submit(0), 1);
	cr_assert_eq(req_status(), BLK_S_OK);
	file_sector(2, want);
	cr_assert_arr_eq(gp(G_DATA), want, 512);
}

Test(virtio_blk, event_idx_publishes_avail_event)
{
	uint16_t *used = gp(G_USED);

	bring_up(UINT64_C(1) << VIRTIO_F_EVENT_IDX);
	build_req(BLK_T_IN, 0, 512, true);
	cr_assert_eq(submit(0), 1);
	cr_assert_eq(used[2 + 4 * QSIZE], 1);	/* avail_event */
	cr_assert_eq(rd(VIRTIO_MMIO_INTERRUPT_STATUS) & 1, 1);
}

Test(virtio_blk, second_user_of_image_is_refused)
{
	struct disk_config d = { .path = img, .slot = 1 };

	/* OFD locks conflict between two opens in one process as well. */
	cr_assert_eq(virtio_blk_init(ctx, &d), -1);
	d.readonly = true;
	cr_assert_eq(virtio_blk_init(ctx, &d), -1);
	/* A bad slot is refused with a message, not a crash. */
	d.slot = 8;
	cr_assert_eq(virtio_blk_init(ctx, &d), -1);
}

Test(virtio_blk, missing_image_fails_cleanly)
{
	struct disk_config d = { .path = "/nonexistent/rhyve.img", .slot = 2 };

	cr_assert_eq(virtio_blk_init(ctx, &d), -1);
}

TestSuite(virtio_blk_ro, .init = setup_ro, .fini = teardown);

Test(virtio_blk_ro, read_only_drive)
{
	uint8_t before[512], after[512];

	cr_assert(device_features() & (UINT64_C(1) << BLK_F_RO));
	bring_up(UINT64_C(1) << BLK_F_RO);
	file_sector(1, before);
	memset(gp(G_DATA), 0x11, 512);
	build_req(BLK_T_OUT, 1, 512, false);
	cr_assert_eq(submit(0), 1);
	cr_assert_eq(req_status(), BLK_S_IOERR);
	file_sector(1, after);
	cr_assert_arr_eq(before, after, 512);
	build_req(BLK_T_IN, 1, 512, true);
	cr_assert_eq(submit(0), 2);
	cr_assert_eq(req_status(), BLK_S_OK);
	cr_assert_arr_eq(gp(G_DATA), before, 512);
}

TestSuite(virtio_blk_legacy, .init = setup_legacy, .fini = teardown);

Test(virtio_blk_legacy, legacy_transport)
{
	uint64_t ring = VM_RAM_BASE + 0x20000;	/* page aligned */
	uint16_t *avail = (uint16_t *)((uint8_t *)gp(ring) + 16 * QSIZE);
	uint16_t *used = (uint16_t *)((uint8_t *)gp(ring) + 4096);
	struct virtq_desc *d = gp(ring);
	uint8_t want[512];

	cr_assert_eq(rd(VIRTIO_MMIO_VERSION), 1);
	cr_assert_not(device_features() & (UINT64_C(1) << VIRTIO_F_VERSION_1));
	wr(VIRTIO_MMIO_STATUS, 0);
	wr(VIRTIO_MMIO_STATUS, 3);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, 0);
	wr(VIRTIO_MMIO_GUEST_PAGE_SIZE, 4096);
	wr(VIRTIO_MMIO_QUEUE_SEL, 0);
	wr(VIRTIO_MMIO_QUEUE_NUM, QSIZE);
	wr(VIRTIO_MMIO_QUEUE_ALIGN, 4096);
	wr(VIRTIO_MMIO_QUEUE_PFN, (uint32_t)(ring >> 12));
	cr_assert_eq(rd(VIRTIO_MMIO_QUEUE_PFN), ring >> 12);
	wr(VIRTIO_MMIO_STATUS, 7);

	build_req(BLK_T_IN, 4, 512, true);
	memcpy(d, desc(), 3 * sizeof(*d));
	avail[2] = 0;
	avail[1] = 1;
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	cr_assert_eq(used[1], 1);
	cr_assert_eq(req_status(), BLK_S_OK);
	file_sector(4, want);
	cr_assert_arr_eq(gp(G_DATA), want, 512);
}

/* ---- a hostile driver ---------------------------------------------------- */

Test(virtio_blk, descriptor_loop_needs_reset)
{
	bring_up(0);
	build_req(BLK_T_IN, 0, 512, true);
	set_desc(desc(), 2, G_STATUS, 1, VIRTQ_DESC_F_WRITE |
	    VIRTQ_DESC_F_NEXT, 0);			/* 2 -> 0 */
	cr_assert_eq(submit(0), 0);
	cr_assert(needs_reset());
	cr_assert(rd(VIRTIO_MMIO_INTERRUPT_STATUS) & VIRTIO_MMIO_INT_CONFIG);
	/* Broken until reset; then it works again. */
	build_req(BLK_T_IN, 0, 512, true);
	cr_assert_eq(submit(0), 0);
	avail_idx = 0;
	bring_up(0);
	cr_assert_not(needs_reset());
	build_req(BLK_T_IN, 0, 512, true);
	cr_assert_eq(submit(0), 1);
	cr_assert_eq(req_status(), BLK_S_OK);
}

Test(virtio_blk, self_loop_in_indirect_table_needs_reset)
{
	struct virtq_desc *ind = gp(G_INDIRECT);

	bring_up(UINT64_C(1) << VIRTIO_F_INDIRECT_DESC);
	set_desc(ind, 0, G_HDR, 16, VIRTQ_DESC_F_NEXT, 0);	/* 0 -> 0 */
	set_desc(desc(), 0, G_INDIRECT, 16, VIRTQ_DESC_F_INDIRECT, 0);
	cr_assert_eq(submit(0), 0);
	cr_assert(needs_reset());
}

Test(virtio_blk, nested_indirect_needs_reset)
{
	struct virtq_desc *ind = gp(G_INDIRECT);

	bring_up(UINT64_C(1) << VIRTIO_F_INDIRECT_DESC);
	set_desc(ind, 0, G_INDIRECT, 16, VIRTQ_DESC_F_INDIRECT, 0);
	set_desc(desc(), 0, G_INDIRECT, 16, VIRTQ_DESC_F_INDIRECT, 0);
	cr_assert_eq(submit(0), 0);
	cr_assert(needs_reset());
}

Test(virtio_blk, indirect_without_feature_needs_reset)
{
	bring_up(0);
	build_req(BLK_T_IN, 0, 512, true);
	memcpy(gp(G_INDIRECT), desc(), 3 * sizeof(struct virtq_desc));
	set_desc(desc(), 0, G_INDIRECT, 3 * 16, VIRTQ_DESC_F_INDIRECT, 0);
	cr_assert_eq(submit(0), 0);
	cr_assert(needs_reset());
}

Test(virtio_blk, buffer_outside_ram_needs_reset)
{
	bring_up(0);
	build_req(BLK_T_IN, 0, 512, true);
	desc()[1].addr = 0x1000;		/* below RAM */
	cr_assert_eq(submit(0), 0);
	cr_assert(needs_reset());
}

Test(virtio_blk, buffer_past_end_of_ram_needs_reset)
{
	bring_up(0);
	build_req(BLK_T_IN, 0, 512, true);
	desc()[1].addr = VM_RAM_BASE + RAM_SIZE - 256;	/* straddles the end */
	cr_assert_eq(submit(0), 0);
	cr_assert(needs_reset());
}

Test(virtio_blk, huge_length_needs_reset)
{
	bring_up(0);
	build_req(BLK_T_IN, 0, 0xffffffffu, true);
	cr_assert_eq(submit(0), 0);
	cr_assert(needs_reset());
	/* And an address that wraps around 2^64 with its length. */
	avail_idx = 0;
	bring_up(0);
	build_req(BLK_T_OUT, 0, 512, false);
	desc()[1].addr = UINT64_MAX - 100;
	cr_assert_eq(submit(0), 0);
	cr_assert(needs_reset());
}

Test(virtio_blk, bad_head_and_next_index_need_reset)
{
	bring_up(0);
	build_req(BLK_T_IN, 0, 512, true);
	cr_assert_eq(submit(QSIZE + 3), 0);		/* head out of range */
	cr_assert(needs_reset());

	avail_idx = 0;
	bring_up(0);
	build_req(BLK_T_IN, 0, 512, true);
	desc()[1].next = 500;				/* next out of range */
	cr_assert_eq(submit(0), 0);
	cr_assert(needs_reset());
}

Test(virtio_blk, avail_index_jump_needs_reset)
{
	uint16_t *avail = gp(G_AVAIL);

	bring_up(0);
	build_req(BLK_T_IN, 0, 512, true);
	avail[1] = QSIZE + 1;		/* more than the ring can hold */
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	cr_assert(needs_reset());
	cr_assert_eq(((uint16_t *)gp(G_USED))[1], 0);
}

Test(virtio_blk, missing_header_or_status_needs_reset)
{
	bring_up(0);
	/* A single writable descriptor: no readable header at all. */
	set_desc(desc(), 0, G_DATA, 512, VIRTQ_DESC_F_WRITE, 0);
	cr_assert_eq(submit(0), 0);
	cr_assert(needs_reset());
}

Test(virtio_blk, readable_after_writable_needs_reset)
{
	bring_up(0);
	build_req(BLK_T_IN, 0, 512, true);
	desc()[2].flags = VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE;
	desc()[2].next = 3;
	set_desc(desc(), 3, G_HDR, 16, 0, 0);
	cr_assert_eq(submit(0), 0);
	cr_assert(needs_reset());
}

Test(virtio_blk, queue_size_zero_or_too_big_is_refused)
{
	uint32_t st;

	st = negotiate(UINT64_C(1) << VIRTIO_F_VERSION_1);
	cr_assert(st & VIRTIO_STATUS_FEATURES_OK);
	queue_setup(0);
	cr_assert_eq(rd(VIRTIO_MMIO_QUEUE_READY), 0);
	cr_assert(needs_reset());

	st = negotiate(UINT64_C(1) << VIRTIO_F_VERSION_1);
	queue_setup(512);
	cr_assert_eq(rd(VIRTIO_MMIO_QUEUE_READY), 0);
	cr_assert(needs_reset());

	st = negotiate(UINT64_C(1) << VIRTIO_F_VERSION_1);
	queue_setup(6);				/* not a power of 2 */
	cr_assert_eq(rd(VIRTIO_MMIO_QUEUE_READY), 0);
	cr_assert(needs_reset());

	st = negotiate(UINT64_C(1) << VIRTIO_F_VERSION_1);
	cr_assert_not(needs_reset());
	queue_setup(QSIZE);
	cr_assert_eq(rd(VIRTIO_MMIO_QUEUE_READY), 1);
}

Test(virtio_blk, rings_outside_ram_are_refused)
{
	negotiate(UINT64_C(1) << VIRTIO_F_VERSION_1);
	wr(VIRTIO_MMIO_QUEUE_SEL, 0);
	wr(VIRTIO_MMIO_QUEUE_NUM, QSIZE);
	wr(VIRTIO_MMIO_QUEUE_DESC_LOW, 0x1000);
	wr(VIRTIO_MMIO_QUEUE_AVAIL_LOW, (uint32_t)G_AVAIL);
	wr(VIRTIO_MMIO_QUEUE_USED_LOW, (uint32_t)G_USED);
	wr(VIRTIO_MMIO_QUEUE_READY, 1);
	cr_assert_eq(rd(VIRTIO_MMIO_QUEUE_READY), 0);
	cr_assert(needs_reset());
}

Test(virtio_blk, notify_before_driver_ok_does_nothing)
{
	uint32_t st;

	st = negotiate(UINT64_C(1) << VIRTIO_F_VERSION_1);
	queue_setup(QSIZE);
	build_req(BLK_T_IN, 0, 512, true);
	cr_assert_eq(submit(0), 0);
	cr_assert_eq(req_status(), 0xff);
	/* Notifying a queue that does not exist is ignored too. */
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 7);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0xffffffff);
	wr(VIRTIO_MMIO_STATUS, st | VIRTIO_STATUS_DRIVER_OK);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	cr_assert_eq(((uint16_t *)gp(G_USED))[1], 1);
	cr_assert_eq(req_status(), BLK_S_OK);
}

Test(virtio_blk, ring_changes_while_ready_are_ignored)
{
	bring_up(0);
	/* Moving the ring of a live queue is not allowed (4.2.2). */
	wr(VIRTIO_MMIO_QUEUE_DESC_LOW, 0x1000);
	wr(VIRTIO_MMIO_QUEUE_NUM, 4096);
	build_req(BLK_T_IN, 0, 512, true);
	cr_assert_eq(submit(0), 1);
	cr_assert_eq(req_status(), BLK_S_OK);
}

Test(virtio_blk, access_after_fini_is_harmless)
{
	bool fault;

	bring_up(0);
	virtio_blk_fini();
	cr_assert_eq(mmio(BASE, false, 4, 0, &fault), 0);
	mmio(BASE + VIRTIO_MMIO_QUEUE_NOTIFY, true, 4, 0, &fault);
	cr_assert_not(fault);
}

/*
 * A driver writing garbage: random descriptor tables, indirect tables,
 * ring indices and headers, notified over and over.  The device must
 * neither crash nor hang nor touch the image outside it (its size stays),
 * and after a reset it must serve a good request again.
 */
static uint64_t rng = 0x9e3779b97f4a7c15;

static uint64_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static uint64_t
rnd_addr(void)
{
	switch (rnd() % 5) {
	case 0:
		return G_DATA + rnd() % 0x10000;
	case 1:
		return G_HDR + rnd() % 0x200;
	case 2:
		return VM_RAM_BASE + RAM_SIZE - rnd() % 0x1000;
	case 3:
		return G_INDIRECT;
	default:
		return rnd();
	}
}

static uint32_t
rnd_len(void)
{
	switch (rnd() % 5) {
	case 0:
		return 16;
	case 1:
		return 1;
	case 2:
		return 0xffffffffu - (uint32_t)(rnd() % 4);
	case 3:
		return (uint32_t)(rnd() % 64) * 16;
	default:
		return (uint32_t)(rnd() % 4096);
	}
}

Test(virtio_blk, garbage_driver_survives)
{
	struct virtq_desc *ind = gp(G_INDIRECT);
	uint16_t *avail = gp(G_AVAIL);
	uint32_t *hdr = gp(G_HDR);
	off_t size = lseek(imgfd, 0, SEEK_END);
	int resets = 0;

	bring_up((UINT64_C(1) << VIRTIO_F_INDIRECT_DESC) |
	    (UINT64_C(1) << VIRTIO_F_EVENT_IDX) | (UINT64_C(1) << BLK_F_FLUSH));
	for (int iter = 0; iter < 3000; iter++) {
		for (int i = 0; i < QSIZE; i++) {
			set_desc(desc(), i, rnd_addr(), rnd_len(),
			    (uint16_t)(rnd() % 8), (uint16_t)(rnd() % 12));
			set_desc(ind, i, rnd_addr(), rnd_len(),
			    (uint16_t)(rnd() % 8), (uint16_t)(rnd() % 10));
		}
		hdr[0] = (uint32_t)(rnd() % 10);
		memcpy(&hdr[2], &(uint64_t){ rnd() % (SECTORS + 4) }, 8);
		for (int i = 0; i < QSIZE; i++)
			avail[2 + i] = (uint16_t)(rnd() % (QSIZE + 2));
		avail[1] = (uint16_t)(avail[1] + rnd() % (QSIZE + 2));
		wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
		if (needs_reset()) {
			resets++;
			avail_idx = 0;
			bring_up((UINT64_C(1) << VIRTIO_F_INDIRECT_DESC) |
			    (UINT64_C(1) << VIRTIO_F_EVENT_IDX));
		}
	}
	cr_assert_gt(resets, 0);
	cr_assert_eq(lseek(imgfd, 0, SEEK_END), size);
	avail_idx = 0;
	bring_up(0);
	build_req(BLK_T_IN, 0, 512, true);
	cr_assert_eq(submit(0), 1);
	cr_assert_eq(req_status(), BLK_S_OK);
}

/* A legacy driver that never writes QueueNum gets QueueNumMax (QEMU). */
Test(virtio_blk_legacy, default_queue_size)
{
	uint64_t ring = VM_RAM_BASE + 0x20000;
	uint32_t max = 256;
	uint16_t *avail = (uint16_t *)((uint8_t *)gp(ring) + 16 * max);
	uint16_t *used = (uint16_t *)((uint8_t *)gp(ring) + 2 * 4096);
	struct virtq_desc *d = gp(ring);

	cr_assert_eq(rd(VIRTIO_MMIO_QUEUE_NUM_MAX), max);
	wr(VIRTIO_MMIO_STATUS, 3);
	wr(VIRTIO_MMIO_GUEST_PAGE_SIZE, 4096);
	wr(VIRTIO_MMIO_QUEUE_PFN, (uint32_t)(ring >> 12));
	wr(VIRTIO_MMIO_STATUS, 7);
	build_req(BLK_T_IN, 4, 512, true);
	memcpy(d, desc(), 3 * sizeof(*d));
	avail[2] = 0;
	avail[1] = 1;
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	cr_assert_eq(used[1], 1);
	cr_assert_eq(req_status(), BLK_S_OK);
	cr_assert_not(needs_reset());
}
