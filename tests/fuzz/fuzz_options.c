/*
 * fuzz_options.c - libFuzzer harness for rhyve's command line parser
 * (rhyve/options.c, options_parse and options_parse_size): whatever a
 * user, a script or a wrapper puts on the command line.  Reference:
 * QEMU's qemu-options.hx for the options rhyve shares with
 * qemu-system-riscv64, bhyve(8) for -c and -G.
 *
 * Feeds: the input split on NUL bytes into argv[1..] (each argument an
 * exact-size heap string, so ASan sees any read past its end), e.g.
 * "-drive\0file=x,if=none,id=d\0-device\0virtio-blk-device,drive=d".
 * The first byte picks the size of the error buffer (0..127 bytes, also
 * exact-size).  tests/fuzz/options.dict lists the option names and keys.
 *
 * Asserts: no memory error or undefined behaviour; the result is 0 or
 * -1; on failure err is NUL-terminated within errlen and one line
 * with no control characters, even when it quotes an argument that
 * holds some (regress/options/err-echoes-newline); on success
 * the struct is consistent (1 <= ncpus <= RHYVE_MAX_CPUS, RAM in range
 * and a multiple of 4 KiB, each disk has a file and a distinct slot in
 * range, BOOT_FIRMWARE has a file); options_free() releases everything
 * (LeakSanitizer); options_parse_size() of each argument returns 0 or -1.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rhyve/options.h"

#define MAX_ARGS	64

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do {							\
	if (!(c)) {							\
		fprintf(stderr, "fuzz_options: %s:%d: %s\n",		\
		    __FILE__, __LINE__, #c);				\
		abort();						\
	}								\
} while (0)

static void
quiet(const char *msg)
{
	CHECK(msg != NULL && msg[0] != '\0');
}

static void
check_ok(const struct rhyve_options *o)
{
	int i, j;

	CHECK(o->ncpus >= 1 && o->ncpus <= RHYVE_MAX_CPUS);
	CHECK(o->ram_size >= RHYVE_MIN_RAM && o->ram_size <= RHYVE_MAX_RAM);
	CHECK(o->ram_size % 4096 == 0);
	CHECK(o->ndisks >= 0 && o->ndisks <= VIRT_VIRTIO_COUNT);
	for (i = 0; i < o->ndisks; i++) {
		CHECK(o->disks[i].path != NULL && o->disks[i].path[0] != '\0');
		CHECK(o->disks[i].slot >= 0 &&
		    o->disks[i].slot < VIRT_VIRTIO_COUNT);
		for (j = 0; j < i; j++)
			CHECK(o->disks[i].slot != o->disks[j].slot);
	}
	CHECK(o->boot != BOOT_FIRMWARE || o->bios != NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[MAX_ARGS + 2], *err;
	struct rhyve_options o;
	size_t errlen, i, start;
	int argc = 1, r;
	uint64_t bytes;

	if (size < 1)
		return 0;
	errlen = data[0] & 127;
	data++;
	size--;

	argv[0] = strdup("rhyve");
	CHECK(argv[0] != NULL);
	for (start = 0, i = 0; i <= size && argc <= MAX_ARGS; i++) {
		if (i < size && data[i] != '\0')
			continue;
		argv[argc] = malloc(i - start + 1);
		CHECK(argv[argc] != NULL);
		memcpy(argv[argc], data + start, i - start);
		argv[argc][i - start] = '\0';
		argc++;
		start = i + 1;
	}
	argv[argc] = NULL;

	err = malloc(errlen > 0 ? errlen : 1);
	CHECK(err != NULL);
	r = options_parse(argc, argv, &o, err, errlen, quiet);
	CHECK(r == 0 || r == -1);
	if (r == -1 && errlen > 0) {
		CHECK(memchr(err, '\0', errlen) != NULL);
		for (i = 0; err[i] != '\0'; i++)
			CHECK((unsigned char)err[i] >= 0x20 && err[i] != 0x7f);
		CHECK(errlen < 2 || err[0] != '\0');
	}
	if (r == 0)
		check_ok(&o);
	options_free(&o);
	free(err);

	for (i = 1; i < (size_t)argc; i++) {
		r = options_parse_size(argv[i], &bytes);
		CHECK(r == 0 || r == -1);
	}
	for (i = 0; i < (size_t)argc; i++)
		free(argv[i]);
	return 0;
}
