/*
 * fuzz_virtio_net.c - libFuzzer harness for the virtio network device
 * (rhyve/virtio_net.c) on the virtio-mmio transport, without its slirp
 * backend: the script plays a hostile guest (register accesses of any
 * size and offset through mmio_emulate, raw bytes, descriptors and avail
 * entries for either queue in guest RAM, a bring-up macro, notifies) and
 * the backend thread (virtio_net_tx, virtio_net_rx with frames of any
 * length, 0 to 2000 bytes), and holds or releases the vCPU the way the
 * debug server does (vm_suspend_cpu / vm_resume_cpu).  Spec: VIRTIO 1.2,
 * sections 2.7, 4.2 and 5.1.
 *
 * Asserts: no memory error and no access outside guest RAM (guard
 * regions, PROT_NONE and ASan-poisoned), no hang, the registers still
 * answer after every operation (magic, DeviceID 1), every frame handed
 * to the backend is 1..NET_FRAME_MAX+4 bytes, and while the vCPU is held
 * the device touches nothing (virtio_net_tx says -1, virtio_net_rx 0 or
 * -1, and a checksum of the script's area and both rings is unchanged).
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "rhyve/devices.h"
#include "rhyve/mem.h"
#include "rhyve/net.h"
#include "rhyve/virt.h"
#include "rhyve/virtio_mmio.h"
#include "vmmapi/vmmapi.h"

#include "fuzz_util.h"

#define RAM_SIZE	(UINT64_C(16) << 20)
#define SLOT		4
#define BASE		(VIRT_VIRTIO_BASE + SLOT * VIRT_VIRTIO_SIZE)
#define MAX_OPS		512
#define AREA		UINT64_C(0x10000)	/* script addresses, rings */

#include "fuzz_virtio.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum op {
	OP_WR32,	/* register write, 4 bytes */
	OP_WR_ANY,	/* register access, size 1/2/4/8, any offset */
	OP_RD,		/* register read */
	OP_RAM_BYTES,	/* up to 16 raw bytes into the area */
	OP_DESC,	/* one descriptor of queue 0 or 1 */
	OP_AVAIL,	/* append a head to an avail ring, bump idx */
	OP_BRINGUP,	/* handshake + both queues + DRIVER_OK */
	OP_NOTIFY,	/* QueueNotify */
	OP_TX,		/* the backend takes transmitted frames */
	OP_RX,		/* the backend delivers a frame */
	OP_HOLD,	/* the debugger holds / releases the vCPU */
	OP_RESET,	/* machine reset (virtio_net_reset) */
	OP_MAX
};

static struct {
	uint64_t desc, avail;
	uint32_t num;
	uint16_t idx;
} q[2];
static bool held;
static struct vmctx *ctx;

static void
bring_up(struct fuzz_in *in, bool legacy)
{
	uint64_t feat = fuzz_take(in, 8);

	wr(VIRTIO_MMIO_STATUS, 0);
	wr(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
	wr(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE |
	    VIRTIO_STATUS_DRIVER);
	wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)feat);
	wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(feat >> 32));
	if (!legacy)
		wr(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE |
		    VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
	for (int k = 0; k < 2; k++) {
		uint64_t used;

		q[k].num = (uint32_t)fuzz_take(in, 2);
		if ((q[k].num & 0x8000) == 0)
			q[k].num = 1u << (q[k].num % 9);
		q[k].desc = pick_gpa(in);
		q[k].avail = pick_gpa(in);
		used = pick_gpa(in);
		q[k].idx = 0;
		wr(VIRTIO_MMIO_QUEUE_SEL, (uint32_t)k);
		wr(VIRTIO_MMIO_QUEUE_NUM, q[k].num);
		if (legacy) {
			q[k].desc &= ~UINT64_C(0xfff);
			q[k].avail = q[k].desc + 16 * (uint64_t)q[k].num;
			wr(VIRTIO_MMIO_GUEST_PAGE_SIZE, 4096);
			wr(VIRTIO_MMIO_QUEUE_ALIGN, 4096);
			wr(VIRTIO_MMIO_QUEUE_PFN, (uint32_t)(q[k].desc >> 12));
		} else {
			wr(VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)q[k].desc);
			wr(VIRTIO_MMIO_QUEUE_DESC_HIGH,
			    (uint32_t)(q[k].desc >> 32));
			wr(VIRTIO_MMIO_QUEUE_AVAIL_LOW, (uint32_t)q[k].avail);
			wr(VIRTIO_MMIO_QUEUE_AVAIL_HIGH,
			    (uint32_t)(q[k].avail >> 32));
			wr(VIRTIO_MMIO_QUEUE_USED_LOW, (uint32_t)used);
			wr(VIRTIO_MMIO_QUEUE_USED_HIGH, (uint32_t)(used >> 32));
			wr(VIRTIO_MMIO_QUEUE_READY, 1);
		}
	}
	wr(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE |
	    VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK |
	    VIRTIO_STATUS_DRIVER_OK);
}

static void
emit(const uint8_t *frame, size_t len, void *arg)
{
	volatile uint8_t x = 0;

	(void)arg;
	CHECK(len >= 1 && len <= NET_FRAME_MAX + 4);
	/* Read it all: ASan checks the copy is ours, whole. */
	for (size_t i = 0; i < len; i++)
		x ^= frame[i];
	(void)x;
}

/* FNV-1a over the first AREA bytes of RAM: the script's world. */
static uint64_t
area_sum(const uint8_t *ram)
{
	uint64_t h = 0xcbf29ce484222325;

	for (uint64_t i = 0; i < AREA; i++)
		h = (h ^ ram[i]) * 0x100000001b3;
	return h;
}

static void
no_kick(void)
{
}

static void
run_script(struct fuzz_in *in, uint8_t *ram, bool legacy)
{
	static uint8_t frame[2000];

	for (int n = 0; n < MAX_OPS && in->left > 0; n++) {
		uint8_t op = (uint8_t)fuzz_take(in, 1) % OP_MAX;
		uint64_t off, v, gpa, sum;
		uint8_t buf[16];
		struct virtq_desc d;
		bool fault;
		int size, k, r;

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
			break;
		case OP_RAM_BYTES:
			gpa = pick_gpa(in);
			size = (int)(fuzz_take(in, 1) % 17);
			for (int i = 0; i < size; i++)
				buf[i] = (uint8_t)fuzz_take(in, 1);
			ram_write(ram, gpa, buf, (size_t)size);
			break;
		case OP_DESC:
			k = (int)(fuzz_take(in, 1) & 1);
			off = fuzz_take(in, 2);
			if (q[k].num != 0)
				off %= q[k].num;
			d.addr = pick_gpa(in);
			d.len = (uint32_t)fuzz_take(in, 1) << 4;
			if (d.len == 0)
				d.len = (uint32_t)fuzz_take(in, 4);
			d.flags = (uint16_t)(fuzz_take(in, 1) & 7);
			d.next = (uint16_t)fuzz_take(in, 2);
			if (q[k].num != 0 && (d.next & 0x8000) == 0)
				d.next %= q[k].num;
			ram_write(ram, q[k].desc + 16 * off, &d, sizeof(d));
			break;
		case OP_AVAIL:
			k = (int)(fuzz_take(in, 1) & 1);
			v = fuzz_take(in, 2);
			if (q[k].num != 0 && (v & 0x8000) == 0)
				v %= q[k].num;
			ram_write(ram, q[k].avail + 4 + 2 * (q[k].num != 0 ?
			    q[k].idx % q[k].num : 0), &v, 2);
			q[k].idx++;
			ram_write(ram, q[k].avail + 2, &q[k].idx, 2);
			break;
		case OP_BRINGUP:
			bring_up(in, legacy);
			break;
		case OP_NOTIFY:
			wr(VIRTIO_MMIO_QUEUE_NOTIFY,
			    (uint32_t)(fuzz_take(in, 1) & 0x81));
			break;
		case OP_TX:
		case OP_RX:
			sum = held ? area_sum(ram) : 0;
			if (op == OP_TX) {
				r = virtio_net_tx(emit, NULL,
				    (int)(fuzz_take(in, 1) % 70));
				if (held)
					CHECK(r == -1);
			} else {
				size = (int)(fuzz_take(in, 2) % sizeof(frame));
				memset(frame, (int)fuzz_take(in, 1),
				    (size_t)size);
				r = virtio_net_rx(frame, (size_t)size);
				CHECK(r >= -1 && r <= 1);
				if (held)
					CHECK(r <= 0);
			}
			if (held)
				CHECK(area_sum(ram) == sum);
			break;
		case OP_HOLD:
			if (held)
				CHECK(vm_resume_cpu(ctx, 0) == 0);
			else
				CHECK(vm_suspend_cpu(ctx, 0) == 0);
			held = !held;
			break;
		case OP_RESET:
			virtio_net_reset();
			CHECK(mmio(VIRTIO_MMIO_STATUS, false, 4, 0, NULL) == 0);
			CHECK(!virtio_net_running());
			break;
		}
		v = mmio(VIRTIO_MMIO_MAGIC, false, 4, 0, &fault);
		CHECK(!fault && v == VIRTIO_MMIO_MAGIC_VALUE);
		v = mmio(VIRTIO_MMIO_DEVICE_ID, false, 4, 0, &fault);
		CHECK(!fault && v == 1);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct net_config nc;
	struct fuzz_guard g;
	uint8_t *ram;

	if (size < 1)
		return 0;
	memset(&nc, 0, sizeof(nc));
	nc.slot = SLOT;
	nc.legacy = (fuzz_take(&in, 1) & 1) != 0;
	memcpy(nc.mac, (uint8_t[6]){ 0x52, 0x54, 0, 0x12, 0x34, 0x56 }, 6);

	ctx = vm_open_new(1, RAM_SIZE);
	CHECK(ctx != NULL);
	CHECK(vm_activate_cpu(ctx, 0) == 0);
	ram = vm_map_gpa(ctx, VM_RAM_BASE, RAM_SIZE);
	CHECK(ram != NULL);
	fuzz_guard_ram(&g, ram, RAM_SIZE);
	CHECK(virtio_net_device_init(ctx, &nc) == 0);
	virtio_net_set_kick(no_kick);
	memset(q, 0, sizeof(q));
	q[1].desc = VM_RAM_BASE + 0x4000;
	q[0].avail = VM_RAM_BASE + 0x1000;
	q[1].avail = VM_RAM_BASE + 0x5000;
	held = false;

	run_script(&in, ram, nc.legacy);

	virtio_net_device_fini();
	mmio_unregister_all();
	fuzz_unguard_ram(&g);
	vm_close(ctx);
	return 0;
}
