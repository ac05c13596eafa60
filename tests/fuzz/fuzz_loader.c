/*
 * fuzz_loader.c - libFuzzer harness for guest image loading
 * (rhyve/loader.c): ELF kernels and firmware, raw images and initial
 * ramdisks, files that come from whoever hands rhyve an image.  Spec:
 * System V ABI, "Program Loading"; the contract is rhyve/loader.h.
 *
 * Feeds: byte 0 picks the call (loader_load_image, loader_load_raw as for
 * an initrd, loader_file_size), bytes 1-4 the raw load address (around
 * and inside the window, including just outside it), the rest is the
 * file, written to a memfd and loaded through its /proc/self/fd path.
 * The "RAM" is a 1 MiB window at VM_RAM_BASE carved out of the RAM of a
 * real VM (vm_open_new, 16 MiB, vm_map_gpa) with guard bytes on each
 * side.
 *
 * Asserts: no memory error (ASan/UBSan; libelf itself is not
 * instrumented); the result is 0 or -1; on failure err is one
 * non-empty line; on success start <= end, both inside the window, an
 * ELF's entry is a 64-bit value and a raw image's entry is its address;
 * nothing outside the window is ever written (guard bytes), and a
 * successful load writes nothing outside [start, end).
 */
#include <sys/mman.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rhyve/loader.h"
#include "vmmapi/vmmapi.h"

#define VM_RAM		(UINT64_C(16) << 20)
#define GUARD		UINT64_C(0x10000)
#define WIN		(UINT64_C(1) << 20)
#define FILL		0xa5

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do {							\
	if (!(c)) {							\
		fprintf(stderr, "fuzz_loader: %s:%d: %s\n",		\
		    __FILE__, __LINE__, #c);				\
		abort();						\
	}								\
} while (0)

static struct vmctx *ctx;
static uint8_t *vmram;
static int mfd = -1;
static char path[64];
static uint8_t fillbuf[GUARD];

static void
setup(void)
{
	ctx = vm_open_new(1, VM_RAM);
	CHECK(ctx != NULL);
	vmram = vm_map_gpa(ctx, VM_RAM_BASE, VM_RAM);
	CHECK(vmram != NULL);
	mfd = memfd_create("fuzz-image", MFD_CLOEXEC);
	CHECK(mfd >= 0);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", mfd);
	memset(vmram, FILL, 2 * GUARD + WIN);
	memset(fillbuf, FILL, sizeof(fillbuf));
}

static bool
all_fill(const uint8_t *p, size_t len)
{
	while (len > 0) {
		size_t n = len < sizeof(fillbuf) ? len : sizeof(fillbuf);

		if (memcmp(p, fillbuf, n) != 0)
			return false;
		p += n;
		len -= n;
	}
	return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct guest_ram ram;
	struct load_info li;
	char err[256];
	uint64_t addr, fsize;
	uint32_t a32;
	int mode, r;
	ssize_t n;

	if (ctx == NULL)
		setup();
	if (size < 5)
		return 0;
	mode = data[0] % 3;
	memcpy(&a32, data + 1, 4);
	/* from 64 KiB below the window to 64 KiB past it */
	addr = VM_RAM_BASE - GUARD + a32 % (WIN + 2 * GUARD);
	if (data[0] & 0x80)
		addr = VM_RAM_BASE + WIN - (a32 & 0xfff);	/* the end edge */
	data += 5;
	size -= 5;

	CHECK(ftruncate(mfd, 0) == 0);
	n = pwrite(mfd, data, size, 0);
	CHECK(n == (ssize_t)size);

	ram.host = vmram + GUARD;
	ram.base = VM_RAM_BASE;
	ram.size = WIN;
	memset(&li, 0, sizeof(li));
	memset(err, 0, sizeof(err));

	switch (mode) {
	case 0:
		r = loader_load_image(path, &ram, addr, &li, err, sizeof(err));
		break;
	case 1:
		r = loader_load_raw(path, &ram, addr, &li, err, sizeof(err));
		break;
	default:
		r = loader_file_size(path, &fsize, err, sizeof(err));
		CHECK(r != 0 || fsize == size);
		break;
	}
	CHECK(r == 0 || r == -1);
	if (r != 0) {
		CHECK(err[0] != '\0' && strchr(err, '\n') == NULL);
	} else if (mode != 2) {
		CHECK(li.start <= li.end);
		CHECK(li.start >= ram.base && li.end <= ram.base + ram.size);
		if (!li.elf) {
			CHECK(li.entry == addr && li.start == addr);
			CHECK(li.end - li.start == size);
			CHECK(memcmp(ram.host + (addr - ram.base), data,
			    size) == 0);
		}
		/* nothing written outside what the loader says it wrote */
		CHECK(all_fill(ram.host, li.start - ram.base));
		CHECK(all_fill(ram.host + (li.end - ram.base),
		    ram.base + ram.size - li.end));
	}
	CHECK(all_fill(vmram, GUARD));
	CHECK(all_fill(vmram + GUARD + WIN, GUARD));
	/* back to the fill pattern for the next input */
	if (r == 0 && mode != 2)
		memset(ram.host + (li.start - ram.base), FILL,
		    li.end - li.start);
	else if (r != 0 && mode != 2)
		memset(ram.host, FILL, WIN);	/* a failed load may leave parts */
	return 0;
}
