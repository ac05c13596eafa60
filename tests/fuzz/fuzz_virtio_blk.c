/*
 * fuzz_virtio_blk.c - libFuzzer harness for the virtio-mmio transport and
 * the virtio-blk device (rhyve/virtio_mmio.c, rhyve/virtio_blk.c) driven
 * by a hostile guest: its register writes and everything it puts in RAM
 * (descriptor table, indirect tables, avail ring, request headers) are
 * untrusted.  Spec: VIRTIO 1.2, sections 2.7 (split virtqueues), 4.2
 * (virtio over MMIO, modern and legacy) and 5.2 (block device).
 *
 * Feeds: per input a fresh VM (vm_open_new, 16 MiB) with guard regions
 * around its RAM and a virtio-blk device on slot 0 backed by a 32 KiB
 * image (a memfd); byte 0 picks modern/legacy and read-only; the rest
 * is a script of operations (see enum op): MMIO register reads/writes of
 * any size through the real dispatch (mmio_emulate), writes of raw bytes
 * or of whole descriptors / avail entries into guest RAM, a "bring-up"
 * macro (status handshake, features, queue setup at script-chosen
 * addresses and size) to reach the queue code quickly, and notifies.
 *
 * Asserts: no memory error, no access outside guest RAM (guard regions
 * are PROT_NONE and ASan-poisoned, which also covers buffers handed to
 * preadv/pwritev), no hang (every notify returns; libFuzzer's -timeout
 * catches loops), reads of the register window return and faults only
 * where the spec allows, the image never changes size, and a read-only
 * image never changes content.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rhyve/devices.h"
#include "rhyve/mem.h"
#include "rhyve/virt.h"
#include "rhyve/virtio_mmio.h"
#include "vmmapi/vmmapi.h"

#include "fuzz_util.h"

#define RAM_SIZE	(UINT64_C(16) << 20)
#define IMG_SECTORS	64
#define IMG_SIZE	(IMG_SECTORS * 512)
#define BASE		VIRT_VIRTIO_BASE
#define MAX_OPS		512
/* Script addresses: most land in the first 64 KiB of RAM. */
#define AREA		UINT64_C(0x10000)

#include "fuzz_virtio.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum op {
	OP_WR32,	/* register write, 4 bytes */
	OP_WR_ANY,	/* register write, size 1/2/4/8, any offset */
	OP_RD,		/* register read */
	OP_RAM_BYTES,	/* up to 16 raw bytes into the area */
	OP_RAM_FAR,	/* 8 bytes anywhere in RAM (or just past it) */
	OP_DESC,	/* one descriptor of the queue */
	OP_AVAIL,	/* append a head to the avail ring, bump idx */
	OP_BRINGUP,	/* handshake + queue 0 setup + DRIVER_OK */
	OP_NOTIFY,	/* QueueNotify */
	OP_REQ,		/* a block request header in the area */
	OP_MAX
};

static char img_path[64];
static int img_fd = -1;
static uint8_t img_orig[IMG_SIZE];

/* Where the script placed queue 0, for OP_DESC / OP_AVAIL. */
static uint64_t q_desc, q_avail;
static uint32_t q_num;
static uint16_t q_idx;

/*
 * The image is a memfd, opened by virtio_blk_init() through its
 * /proc/self/fd path: nothing is left behind however the fuzzer exits.
 */
static void
make_image(void)
{
	for (int i = 0; i < IMG_SIZE; i++)
		img_orig[i] = (uint8_t)(i * 7 + i / 512);
	img_fd = memfd_create("rhyve-fuzz-blk", MFD_CLOEXEC);
	CHECK(img_fd >= 0);
	snprintf(img_path, sizeof(img_path), "/proc/self/fd/%d", img_fd);
}

static void
reset_image(void)
{
	CHECK(ftruncate(img_fd, IMG_SIZE) == 0);
	CHECK(pwrite(img_fd, img_orig, IMG_SIZE, 0) == IMG_SIZE);
}

static void
bring_up(struct fuzz_in *in, bool legacy)
{
	uint64_t feat = fuzz_take(in, 8);
	uint64_t used;

	q_num = (uint32_t)fuzz_take(in, 2);
	if ((q_num & 0x8000) == 0)
		q_num = 1u << (q_num % 9);	/* usually a sane power of 2 */
	q_desc = pick_gpa(in);
	q_avail = pick_gpa(in);
	used = pick_gpa(in);
	q_idx = 0;

	wr(VIRTIO_MMIO_STATUS, 0);
	wr(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
	wr(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE |
	    VIRTIO_STATUS_DRIVER);
	wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)feat);
	wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(feat >> 32));
	wr(VIRTIO_MMIO_QUEUE_SEL, 0);
	wr(VIRTIO_MMIO_QUEUE_NUM, q_num);
	if (legacy) {
		/* one page-aligned block: desc, avail, used at QueueAlign */
		q_desc &= ~UINT64_C(0xfff);
		q_avail = q_desc + 16 * (uint64_t)q_num;
		wr(VIRTIO_MMIO_GUEST_PAGE_SIZE, 4096);
		wr(VIRTIO_MMIO_QUEUE_ALIGN, 4096);
		wr(VIRTIO_MMIO_QUEUE_PFN, (uint32_t)(q_desc >> 12));
	} else {
		wr(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE |
		    VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
		wr(VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)q_desc);
		wr(VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(q_desc >> 32));
		wr(VIRTIO_MMIO_QUEUE_AVAIL_LOW, (uint32_t)q_avail);
		wr(VIRTIO_MMIO_QUEUE_AVAIL_HIGH, (uint32_t)(q_avail >> 32));
		wr(VIRTIO_MMIO_QUEUE_USED_LOW, (uint32_t)used);
		wr(VIRTIO_MMIO_QUEUE_USED_HIGH, (uint32_t)(used >> 32));
		wr(VIRTIO_MMIO_QUEUE_READY, 1);
	}
	wr(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE |
	    VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK |
	    VIRTIO_STATUS_DRIVER_OK);
}

static void
run_script(struct fuzz_in *in, uint8_t *ram, bool legacy)
{
	for (int n = 0; n < MAX_OPS && in->left > 0; n++) {
		uint8_t op = (uint8_t)fuzz_take(in, 1) % OP_MAX;
		uint64_t off, v, gpa;
		uint8_t buf[16];
		struct virtq_desc d;
		bool fault;
		int size;

		switch (op) {
		case OP_WR32:
			off = (fuzz_take(in, 1) * 4) & 0x1ff;
			wr(off, (uint32_t)fuzz_take(in, 4));
			break;
		case OP_WR_ANY:
		case OP_RD:
			off = fuzz_take(in, 2) & 0xfff;
			size = 1 << (fuzz_take(in, 1) & 3);
			v = op == OP_WR_ANY ? fuzz_take(in, size) : 0;
			v = mmio(off, op == OP_WR_ANY, size, v, &fault);
			/* the registers proper take aligned 32-bit reads */
			if (op == OP_RD && off < VIRTIO_MMIO_CONFIG &&
			    size == 4 && (off & 3) == 0)
				CHECK(!fault);
			if (op == OP_RD && off == VIRTIO_MMIO_MAGIC && !fault &&
			    size == 4)
				CHECK(v == VIRTIO_MMIO_MAGIC_VALUE);
			break;
		case OP_RAM_BYTES:
			gpa = pick_gpa(in);
			size = (int)(fuzz_take(in, 1) % 17);
			for (int i = 0; i < size; i++)
				buf[i] = (uint8_t)fuzz_take(in, 1);
			ram_write(ram, gpa, buf, (size_t)size);
			break;
		case OP_RAM_FAR:
			gpa = VM_RAM_BASE + (fuzz_take(in, 3) << 3) % RAM_SIZE;
			v = fuzz_take(in, 8);
			ram_write(ram, gpa, &v, 8);
			break;
		case OP_DESC:
			off = fuzz_take(in, 2);
			if (q_num != 0)
				off %= q_num;
			d.addr = pick_gpa(in);
			d.len = (uint32_t)fuzz_take(in, 1) << 4;
			if (d.len == 0)
				d.len = (uint32_t)fuzz_take(in, 4);
			d.flags = (uint16_t)(fuzz_take(in, 1) & 7);
			d.next = (uint16_t)fuzz_take(in, 2);
			if (q_num != 0 && (d.next & 0x8000) == 0)
				d.next %= q_num;
			ram_write(ram, q_desc + 16 * off, &d, sizeof(d));
			break;
		case OP_AVAIL:
			v = fuzz_take(in, 2);
			if (q_num != 0 && (v & 0x8000) == 0)
				v %= q_num;
			ram_write(ram, q_avail + 4 + 2 * (q_num != 0 ?
			    q_idx % q_num : 0), &v, 2);
			q_idx++;
			ram_write(ram, q_avail + 2, &q_idx, 2);
			break;
		case OP_BRINGUP:
			bring_up(in, legacy);
			break;
		case OP_NOTIFY:
			wr(VIRTIO_MMIO_QUEUE_NOTIFY,
			    (uint32_t)(fuzz_take(in, 1) & 0x81));
			break;
		case OP_REQ: {
			/* virtio_blk_req header: type, reserved, sector */
			uint32_t type = (uint32_t)fuzz_take(in, 1);
			uint64_t sector = fuzz_take(in, 1) & 0x80 ?
			    fuzz_take(in, 8) : fuzz_take(in, 1);

			gpa = pick_gpa(in);
			memcpy(buf, &type, 4);
			memset(buf + 4, 0, 4);
			memcpy(buf + 8, &sector, 8);
			ram_write(ram, gpa, buf, 16);
			break;
		}
		}
		/* the device must still answer */
		v = mmio(VIRTIO_MMIO_MAGIC, false, 4, 0, &fault);
		CHECK(!fault && v == VIRTIO_MMIO_MAGIC_VALUE);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct disk_config dc;
	struct fuzz_guard g;
	struct vmctx *ctx;
	struct stat st;
	uint8_t *ram, cur[IMG_SIZE];
	uint8_t mode;

	if (img_fd < 0)
		make_image();
	if (size < 1)
		return 0;
	mode = (uint8_t)fuzz_take(&in, 1);
	reset_image();

	ctx = vm_open_new(1, RAM_SIZE);
	CHECK(ctx != NULL);
	ram = vm_map_gpa(ctx, VM_RAM_BASE, RAM_SIZE);
	CHECK(ram != NULL);
	fuzz_guard_ram(&g, ram, RAM_SIZE);
	memset(&dc, 0, sizeof(dc));
	dc.path = img_path;
	dc.id = "fuzz";
	dc.readonly = (mode & 2) != 0;
	dc.legacy = (mode & 1) != 0;
	dc.slot = 0;
	CHECK(virtio_blk_init(ctx, &dc) == 0);
	q_desc = VM_RAM_BASE;
	q_avail = VM_RAM_BASE + 0x1000;
	q_num = 0;
	q_idx = 0;

	run_script(&in, ram, dc.legacy);

	virtio_blk_fini();
	mmio_unregister_all();
	fuzz_unguard_ram(&g);
	vm_close(ctx);

	CHECK(fstat(img_fd, &st) == 0 && st.st_size == IMG_SIZE);
	if (dc.readonly) {
		CHECK(pread(img_fd, cur, IMG_SIZE, 0) == IMG_SIZE);
		CHECK(memcmp(cur, img_orig, IMG_SIZE) == 0);
	}
	return 0;
}
