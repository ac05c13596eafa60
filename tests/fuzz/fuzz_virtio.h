/*
 * fuzz_virtio.h - what the virtio fuzz harnesses (fuzz_virtio_*.c) share
 * to play a hostile driver: register accesses through mmio_emulate(),
 * guest-physical addresses picked from the input, raw writes into RAM.
 * A template header: the includer defines BASE (the device's MMIO base),
 * AREA (the size of the script's RAM window at VM_RAM_BASE, a power of
 * two) and RAM_SIZE first, and includes fuzz_util.h and rhyve's
 * virtio_mmio.h and mem.h before it.
 */
#ifndef RHYVE_FUZZ_VIRTIO_H
#define RHYVE_FUZZ_VIRTIO_H

static uint64_t
mmio(uint64_t off, bool write, int size, uint64_t val, bool *fault)
{
	struct vm_exit e;

	memset(&e, 0, sizeof(e));
	e.exitcode = VM_EXITCODE_MMIO;
	e.u.mmio.gpa = BASE + off;
	e.u.mmio.size = size;
	e.u.mmio.write = write;
	e.u.mmio.data = val;
	mmio_emulate(0, &e);
	if (fault != NULL)
		*fault = e.u.mmio.fault;
	return e.u.mmio.data;
}

static void
wr(uint64_t off, uint32_t v)
{
	mmio(off, true, 4, v, NULL);
}

/* A guest-physical address from 'sel': mostly in the area, sometimes raw. */
static uint64_t
pick_gpa(struct fuzz_in *in)
{
	uint8_t how = (uint8_t)fuzz_take(in, 1);

	switch (how & 3) {
	case 0:
	case 1:
		return VM_RAM_BASE + (fuzz_take(in, 2) & ~UINT64_C(0xf) &
		    (AREA - 1));
	case 2:
		/* near the end of RAM, straddling it */
		return VM_RAM_BASE + RAM_SIZE - (fuzz_take(in, 2) & 0xfff);
	default:
		return fuzz_take(in, 8);
	}
}

static void
ram_write(uint8_t *ram, uint64_t gpa, const void *src, size_t len)
{
	if (gpa < VM_RAM_BASE || gpa - VM_RAM_BASE >= RAM_SIZE)
		return;
	if (len > RAM_SIZE - (gpa - VM_RAM_BASE))
		len = RAM_SIZE - (gpa - VM_RAM_BASE);
	memcpy(ram + (gpa - VM_RAM_BASE), src, len);
}

#endif
