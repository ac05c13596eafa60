/*
 * fuzz_virtio_rng.c - libFuzzer harness for the virtio entropy device
 * (rhyve/virtio_rng.c) on the virtio-mmio transport, driven by a hostile
 * guest: its register accesses and everything it puts in RAM (descriptor
 * table, indirect tables, avail ring) are untrusted.  Spec: VIRTIO 1.2,
 * sections 2.7, 4.2 and 5.4.
 *
 * Feeds: per input a fresh VM (vm_open_new, 16 MiB) with guard regions
 * around its RAM and a virtio-rng device on slot 5; byte 0 picks modern or
 * legacy; the rest is a script of operations (enum op): register reads
 * and writes of any size and offset through the real dispatch
 * (mmio_emulate), raw bytes, descriptors and avail entries into guest
 * RAM, a bring-up macro (handshake, features, queue 0 at script-chosen
 * addresses and size, DRIVER_OK), notifies and machine resets.
 *
 * Asserts: no memory error and no access outside guest RAM (the guard
 * regions are PROT_NONE and ASan-poisoned, which also covers the buffers
 * handed to getrandom), no hang, the registers still answer after every
 * operation (magic, DeviceID 4), the configuration space reads as zero,
 * and a machine reset always brings Status back to 0.  (Used-ring
 * contents are not checked: the device's own random bytes may land on
 * the used ring when the script makes a buffer overlap it.)
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "rhyve/devices.h"
#include "rhyve/mem.h"
#include "rhyve/virt.h"
#include "rhyve/virtio_mmio.h"
#include "vmmapi/vmmapi.h"

#include "fuzz_util.h"

#define RAM_SIZE	(UINT64_C(16) << 20)
#define SLOT		5
#define BASE		(VIRT_VIRTIO_BASE + SLOT * VIRT_VIRTIO_SIZE)
#define MAX_OPS		512
#define AREA		UINT64_C(0x10000)

#include "fuzz_virtio.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum op {
	OP_WR32,	/* register write, 4 bytes */
	OP_WR_ANY,	/* register access, size 1/2/4/8, any offset */
	OP_RD,		/* register read */
	OP_RAM_BYTES,	/* up to 16 raw bytes into the area */
	OP_DESC,	/* one descriptor of the queue */
	OP_AVAIL,	/* append a head to the avail ring, bump idx */
	OP_BRINGUP,	/* handshake + queue 0 setup + DRIVER_OK */
	OP_NOTIFY,	/* QueueNotify */
	OP_RESET,	/* machine reset (virtio_rng_reset) */
	OP_MAX
};

static uint64_t q_desc, q_avail, q_used;
static uint32_t q_num;
static uint16_t q_idx;

static void
bring_up(struct fuzz_in *in, bool legacy)
{
	uint64_t feat = fuzz_take(in, 8);

	q_num = (uint32_t)fuzz_take(in, 2);
	if ((q_num & 0x8000) == 0)
		q_num = 1u << (q_num % 8);
	q_desc = pick_gpa(in);
	q_avail = pick_gpa(in);
	q_used = pick_gpa(in);
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
		q_desc &= ~UINT64_C(0xfff);
		q_avail = q_desc + 16 * (uint64_t)q_num;
		q_used = (q_avail + 6 + 2 * (uint64_t)q_num + 4095) &
		    ~UINT64_C(4095);
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
		wr(VIRTIO_MMIO_QUEUE_USED_LOW, (uint32_t)q_used);
		wr(VIRTIO_MMIO_QUEUE_USED_HIGH, (uint32_t)(q_used >> 32));
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
			if (op == OP_RD && off < VIRTIO_MMIO_CONFIG &&
			    size == 4 && (off & 3) == 0)
				CHECK(!fault);
			/* No configuration space: it reads as zero. */
			if (op == OP_RD && off >= VIRTIO_MMIO_CONFIG && !fault)
				CHECK(v == 0);
			break;
		case OP_RAM_BYTES:
			gpa = pick_gpa(in);
			size = (int)(fuzz_take(in, 1) % 17);
			for (int i = 0; i < size; i++)
				buf[i] = (uint8_t)fuzz_take(in, 1);
			ram_write(ram, gpa, buf, (size_t)size);
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
		case OP_RESET:
			virtio_rng_reset();
			CHECK(mmio(VIRTIO_MMIO_STATUS, false, 4, 0, NULL) == 0);
			break;
		}
		v = mmio(VIRTIO_MMIO_MAGIC, false, 4, 0, &fault);
		CHECK(!fault && v == VIRTIO_MMIO_MAGIC_VALUE);
		v = mmio(VIRTIO_MMIO_DEVICE_ID, false, 4, 0, &fault);
		CHECK(!fault && v == 4);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct fuzz_guard g;
	struct vmctx *ctx;
	uint8_t *ram;
	bool legacy;

	if (size < 1)
		return 0;
	legacy = (fuzz_take(&in, 1) & 1) != 0;

	ctx = vm_open_new(1, RAM_SIZE);
	CHECK(ctx != NULL);
	ram = vm_map_gpa(ctx, VM_RAM_BASE, RAM_SIZE);
	CHECK(ram != NULL);
	fuzz_guard_ram(&g, ram, RAM_SIZE);
	CHECK(virtio_rng_init(ctx, SLOT, legacy) == 0);
	q_desc = VM_RAM_BASE;
	q_avail = VM_RAM_BASE + 0x1000;
	q_used = VM_RAM_BASE + 0x2000;
	q_num = 0;
	q_idx = 0;

	run_script(&in, ram, legacy);

	virtio_rng_fini();
	mmio_unregister_all();
	fuzz_unguard_ram(&g);
	vm_close(ctx);
	return 0;
}
