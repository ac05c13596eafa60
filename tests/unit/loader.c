/*
 * loader.c - unit tests of guest image loading (rhyve/loader.c): ELF
 * files written by hand into a temporary directory, good and hostile
 * (wrong machine or class, segments outside RAM or past the end of the
 * file, overflowing sizes, truncated headers), and raw images.  Guest
 * RAM is a plain buffer with guard bytes on both sides, so a write out
 * of bounds is caught.  Also the boot-placement rules of machine.c and
 * the MMIO dispatch table (mem.c) that loaded guests reach first.
 */
#include <criterion/criterion.h>
#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rhyve/loader.h"

#define RAM_BASE	UINT64_C(0x80000000)
#define RAM_SIZE	(UINT64_C(1) << 20)
#define GUARD		4096

static char tmpdir[64];
static uint8_t *buf;		/* GUARD | RAM | GUARD */
static struct guest_ram ram;
static char err[512];
static struct load_info li;

static void
setup(void)
{
	strcpy(tmpdir, "/tmp/rhyve-loader-XXXXXX");
	cr_assert_not_null(mkdtemp(tmpdir));
	buf = malloc(RAM_SIZE + 2 * GUARD);
	cr_assert_not_null(buf);
	memset(buf, 0xaa, RAM_SIZE + 2 * GUARD);
	ram = (struct guest_ram){ buf + GUARD, RAM_BASE, RAM_SIZE };
	memset(&li, 0, sizeof(li));
	err[0] = '\0';
}

static void
teardown(void)
{
	char cmd[128];

	/* Guards intact: nothing was written outside RAM. */
	for (int i = 0; i < GUARD; i++) {
		cr_expect_eq(buf[i], 0xaa, "write below RAM at %d", i);
		cr_expect_eq(buf[GUARD + RAM_SIZE + i], 0xaa,
		    "write above RAM at %d", i);
		if (buf[i] != 0xaa || buf[GUARD + RAM_SIZE + i] != 0xaa)
			break;
	}
	free(buf);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	(void)system(cmd);
}

TestSuite(loader, .init = setup, .fini = teardown);

static char *
write_file(const char *name, const void *data, size_t len)
{
	static char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "wb");
	cr_assert_not_null(f);
	cr_assert_eq(fwrite(data, 1, len, f), len);
	fclose(f);
	return path;
}

/* An ELF image being built: header, program headers, then payload. */
struct elfimg {
	Elf64_Ehdr	eh;
	Elf64_Phdr	ph[4];
	uint8_t		payload[256];
};

static void
elf_init(struct elfimg *e, int nph)
{
	memset(e, 0, sizeof(*e));
	memcpy(e->eh.e_ident, ELFMAG, SELFMAG);
	e->eh.e_ident[EI_CLASS] = ELFCLASS64;
	e->eh.e_ident[EI_DATA] = ELFDATA2LSB;
	e->eh.e_ident[EI_VERSION] = EV_CURRENT;
	e->eh.e_type = ET_EXEC;
	e->eh.e_machine = EM_RISCV;
	e->eh.e_version = EV_CURRENT;
	e->eh.e_entry = RAM_BASE;
	e->eh.e_phoff = offsetof(struct elfimg, ph);
	e->eh.e_ehsize = sizeof(Elf64_Ehdr);
	e->eh.e_phentsize = sizeof(Elf64_Phdr);
	e->eh.e_phnum = (Elf64_Half)nph;
	for (int i = 0; i < 256; i++)
		e->payload[i] = (uint8_t)i;
}

static void
elf_seg(struct elfimg *e, int i, uint64_t paddr, uint64_t off, uint64_t filesz,
    uint64_t memsz)
{
	e->ph[i] = (Elf64_Phdr){
		.p_type = PT_LOAD, .p_flags = PF_R | PF_X,
		.p_offset = offsetof(struct elfimg, payload) + off,
		.p_vaddr = paddr, .p_paddr = paddr,
		.p_filesz = filesz, .p_memsz = memsz, .p_align = 8,
	};
}

static int
load(struct elfimg *e, uint64_t raw_addr)
{
	char *p = write_file("k.elf", e, sizeof(*e));

	return loader_load_image(p, &ram, raw_addr, &li, err, sizeof(err));
}

static void
expect_err(const char *what)
{
	cr_expect(strstr(err, what) != NULL, "error '%s' lacks '%s'", err,
	    what);
	cr_expect(strstr(err, "k.elf: ") != NULL, "error names the file: %s",
	    err);
	cr_expect(strchr(err, '\n') == NULL);
}

Test(loader, elf_two_segments_zero_fill)
{
	struct elfimg e;

	elf_init(&e, 2);
	elf_seg(&e, 0, RAM_BASE, 0, 16, 16);
	elf_seg(&e, 1, RAM_BASE + 0x1000, 16, 8, 64);	/* 56 bytes of .bss */
	e.eh.e_entry = RAM_BASE + 4;
	cr_assert_eq(load(&e, 0), 0, "%s", err);
	cr_expect(li.elf);
	cr_expect_eq(li.entry, RAM_BASE + 4);
	cr_expect_eq(li.start, RAM_BASE);
	cr_expect_eq(li.end, RAM_BASE + 0x1000 + 64);
	for (int i = 0; i < 16; i++)
		cr_expect_eq(ram.host[i], i);
	for (int i = 0; i < 8; i++)
		cr_expect_eq(ram.host[0x1000 + i], 16 + i);
	for (int i = 8; i < 64; i++)
		cr_expect_eq(ram.host[0x1000 + i], 0, "bss byte %d", i);
	cr_expect_eq(ram.host[0x1000 + 64], 0xaa, "nothing past memsz");
	cr_expect_eq(ram.host[16], 0xaa, "nothing between segments");
}

Test(loader, elf_virtual_entry_translated)
{
	struct elfimg e;

	elf_init(&e, 1);
	elf_seg(&e, 0, RAM_BASE + 0x2000, 0, 32, 32);
	e.ph[0].p_vaddr = UINT64_C(0xffffffff80000000);
	e.eh.e_entry = UINT64_C(0xffffffff80000010);
	cr_assert_eq(load(&e, 0), 0, "%s", err);
	cr_expect_eq(li.entry, RAM_BASE + 0x2010);
	cr_expect_eq(ram.host[0x2000 + 5], 5);
}

Test(loader, elf_dyn_accepted_and_non_load_ignored)
{
	struct elfimg e;

	elf_init(&e, 2);
	e.eh.e_type = ET_DYN;
	elf_seg(&e, 0, RAM_BASE, 0, 8, 8);
	e.ph[1] = (Elf64_Phdr){ .p_type = PT_NOTE, .p_paddr = 0x10,
	    .p_offset = 0, .p_filesz = 1 << 30, .p_memsz = 1 << 30 };
	cr_assert_eq(load(&e, 0), 0, "%s", err);
}

Test(loader, elf_wrong_machine)
{
	struct elfimg e;

	elf_init(&e, 1);
	elf_seg(&e, 0, RAM_BASE, 0, 8, 8);
	e.eh.e_machine = EM_X86_64;
	cr_expect_eq(load(&e, RAM_BASE), -1);
	expect_err("not a 64-bit RISC-V ELF");
	cr_expect_eq(ram.host[0], 0xaa, "nothing loaded");
}

Test(loader, host_binary_rejected)
{
	cr_expect_eq(loader_load_image("/bin/true", &ram, RAM_BASE, &li, err,
	    sizeof(err)), -1);
	cr_expect(strstr(err, "/bin/true: not a 64-bit RISC-V") != NULL, "%s",
	    err);
}

Test(loader, elf_wrong_class)
{
	Elf32_Ehdr eh;

	memset(&eh, 0, sizeof(eh));
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS32;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = ET_EXEC;
	eh.e_machine = EM_RISCV;
	eh.e_version = EV_CURRENT;
	eh.e_ehsize = sizeof(eh);
	cr_expect_eq(loader_load_image(write_file("k.elf", &eh, sizeof(eh)),
	    &ram, RAM_BASE, &li, err, sizeof(err)), -1);
	expect_err("not a 64-bit RISC-V ELF");
}

Test(loader, elf_not_executable)
{
	struct elfimg e;

	elf_init(&e, 1);
	elf_seg(&e, 0, RAM_BASE, 0, 8, 8);
	e.eh.e_type = ET_REL;
	cr_expect_eq(load(&e, RAM_BASE), -1);
	expect_err("not an executable");
}

Test(loader, elf_segment_outside_ram)
{
	struct elfimg e;

	elf_init(&e, 2);
	elf_seg(&e, 0, RAM_BASE, 0, 8, 8);
	elf_seg(&e, 1, RAM_BASE + RAM_SIZE - 4, 0, 8, 8);	/* straddles the end */
	cr_expect_eq(load(&e, RAM_BASE), -1);
	expect_err("does not fit in RAM");
	cr_expect_eq(ram.host[0], 0xaa, "checked before anything is written");

	elf_init(&e, 1);
	elf_seg(&e, 0, RAM_BASE - 8, 0, 8, 8);		/* below RAM */
	cr_expect_eq(load(&e, RAM_BASE), -1);
	expect_err("does not fit in RAM");

	elf_init(&e, 1);
	elf_seg(&e, 0, RAM_BASE, 0, 8, RAM_SIZE + 1);	/* .bss too large */
	cr_expect_eq(load(&e, RAM_BASE), -1);
	expect_err("does not fit in RAM");
}

Test(loader, elf_address_overflow)
{
	struct elfimg e;

	elf_init(&e, 1);
	elf_seg(&e, 0, UINT64_C(0xfffffffffffff000), 0, 8, 0x2000);
	cr_expect_eq(load(&e, RAM_BASE), -1);
	expect_err("does not fit in RAM");

	elf_init(&e, 1);
	elf_seg(&e, 0, RAM_BASE, 0, 8, UINT64_MAX);
	cr_expect_eq(load(&e, RAM_BASE), -1);
}

Test(loader, elf_segment_past_end_of_file)
{
	struct elfimg e;

	elf_init(&e, 1);
	elf_seg(&e, 0, RAM_BASE, 200, 100, 100);
	cr_expect_eq(load(&e, RAM_BASE), -1);
	expect_err("past the end of the file");

	elf_init(&e, 1);
	elf_seg(&e, 0, RAM_BASE, 0, 8, 8);
	e.ph[0].p_offset = UINT64_MAX - 2;		/* offset + size wraps */
	cr_expect_eq(load(&e, RAM_BASE), -1);
	expect_err("past the end of the file");
}

Test(loader, elf_filesz_exceeds_memsz)
{
	struct elfimg e;

	elf_init(&e, 1);
	elf_seg(&e, 0, RAM_BASE, 0, 16, 8);
	cr_expect_eq(load(&e, RAM_BASE), -1);
	expect_err("file size exceeds memory size");
}

Test(loader, elf_no_loadable_segment)
{
	struct elfimg e;

	elf_init(&e, 1);
	elf_seg(&e, 0, RAM_BASE, 0, 8, 0);		/* empty: skipped */
	cr_expect_eq(load(&e, RAM_BASE), -1);
	expect_err("no loadable segments");
}

Test(loader, elf_bad_program_header_table)
{
	struct elfimg e;

	elf_init(&e, 1);
	elf_seg(&e, 0, RAM_BASE, 0, 8, 8);
	e.eh.e_phoff = 1 << 20;				/* past the end */
	cr_expect_eq(load(&e, RAM_BASE), -1);
	cr_expect(strstr(err, "k.elf: ") != NULL, "%s", err);

	elf_init(&e, 1);
	elf_seg(&e, 0, RAM_BASE, 0, 8, 8);
	e.eh.e_phnum = 0xffff;				/* far more than the file */
	cr_expect_eq(load(&e, RAM_BASE), -1);
}

Test(loader, elf_truncated)
{
	struct elfimg e;
	char *p;

	elf_init(&e, 1);
	elf_seg(&e, 0, RAM_BASE, 0, 8, 8);
	for (size_t len = 4; len < sizeof(Elf64_Ehdr) + sizeof(Elf64_Phdr);
	    len += 7) {
		p = write_file("k.elf", &e, len);
		cr_expect_eq(loader_load_image(p, &ram, RAM_BASE, &li, err,
		    sizeof(err)), -1, "truncated to %zu bytes", len);
	}
}

Test(loader, raw_image)
{
	uint8_t data[100];
	char *p;

	for (int i = 0; i < 100; i++)
		data[i] = (uint8_t)(i * 3);
	p = write_file("Image", data, sizeof(data));
	cr_assert_eq(loader_load_image(p, &ram, RAM_BASE + 0x200, &li, err,
	    sizeof(err)), 0, "%s", err);
	cr_expect_not(li.elf);
	cr_expect_eq(li.entry, RAM_BASE + 0x200);
	cr_expect_eq(li.start, RAM_BASE + 0x200);
	cr_expect_eq(li.end, RAM_BASE + 0x200 + 100);
	cr_expect_eq(memcmp(ram.host + 0x200, data, 100), 0);
}

Test(loader, raw_exactly_fills_ram)
{
	uint8_t data[64] = { 1 };
	char *p = write_file("tail", data, sizeof(data));

	cr_expect_eq(loader_load_raw(p, &ram, RAM_BASE + RAM_SIZE - 64, &li,
	    err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(loader_load_raw(p, &ram, RAM_BASE + RAM_SIZE - 63, &li,
	    err, sizeof(err)), -1);
	cr_expect(strstr(err, "image too large for RAM") != NULL, "%s", err);
}

Test(loader, raw_too_large)
{
	uint8_t *big = calloc(1, RAM_SIZE + 1);
	char *p;

	cr_assert_not_null(big);
	p = write_file("big.img", big, RAM_SIZE + 1);
	free(big);
	cr_expect_eq(loader_load_image(p, &ram, RAM_BASE, &li, err,
	    sizeof(err)), -1);
	cr_expect(strstr(err, "big.img: image too large for RAM") != NULL,
	    "%s", err);
}

Test(loader, raw_address_outside_ram)
{
	uint8_t data[4] = { 0 };
	char *p = write_file("x", data, sizeof(data));

	cr_expect_eq(loader_load_raw(p, &ram, RAM_BASE - 4, &li, err,
	    sizeof(err)), -1);
	cr_expect(strstr(err, "outside RAM") != NULL, "%s", err);
	cr_expect_eq(loader_load_raw(p, &ram, UINT64_MAX - 1, &li, err,
	    sizeof(err)), -1);
}

/* Kernels for other machines are refused, not run as raw code. */
static void
expect_refused(const uint8_t *img, size_t len, const char *why)
{
	char *p = write_file("kernel", img, len);

	cr_expect_eq(loader_load_image(p, &ram, RAM_BASE, &li, err,
	    sizeof(err)), -1, "loaded an image that is %s", why);
	cr_expect(strstr(err, why) != NULL, "%s", err);
}

Test(loader, foreign_kernels_refused)
{
	uint8_t img[0x400];

	memset(img, 0, sizeof(img));
	memcpy(img + 56, "ARM\x64", 4);
	expect_refused(img, sizeof(img), "an arm64 Linux image, not RISC-V");

	memset(img, 0, sizeof(img));
	memcpy(img + 0x202, "HdrS", 4);
	expect_refused(img, sizeof(img), "an x86 Linux kernel, not RISC-V");

	memset(img, 0, sizeof(img));
	img[0] = 'M';
	img[1] = 'Z';
	img[0x3c] = 0x80;			/* e_lfanew */
	memcpy(img + 0x80, "PE\0\0\x64\x86", 6);	/* x86-64 */
	expect_refused(img, sizeof(img), "a PE/EFI image for machine 0x8664");
	/* A RISC-V EFI stub image (PE, machine 0x5064) is fine. */
	img[0x84] = 0x64;
	img[0x85] = 0x50;
	cr_expect_eq(loader_load_image(write_file("efi", img, sizeof(img)),
	    &ram, RAM_BASE, &li, err, sizeof(err)), 0, "%s", err);
	/* So is a header cut short: a tiny raw blob. */
	cr_expect_eq(loader_load_image(write_file("tiny", "MZ", 2), &ram,
	    RAM_BASE, &li, err, sizeof(err)), 0, "%s", err);
}

/* A RISC-V Linux Image must fit with its BSS (image_size at 16). */
Test(loader, riscv_image_size_checked)
{
	uint8_t img[0x100];
	char *p;

	memset(img, 0, sizeof(img));
	memcpy(img + 48, "RISCV\0\0\0RSC\x05", 12);
	img[16 + 2] = 0x10;			/* image_size 1 MiB */
	p = write_file("Image", img, sizeof(img));
	cr_expect_eq(loader_load_image(p, &ram, RAM_BASE + 0x1000, &li, err,
	    sizeof(err)), -1);
	cr_expect(strstr(err, "needs 1048576 bytes at 0x80001000") != NULL,
	    "%s", err);
	cr_expect_eq(loader_load_image(p, &ram, RAM_BASE, &li, err,
	    sizeof(err)), 0, "%s", err);
	cr_expect_eq(li.end, RAM_BASE + sizeof(img));
}

Test(loader, missing_and_odd_files)
{
	uint64_t size;
	char path[128];

	snprintf(path, sizeof(path), "%s/nope", tmpdir);
	cr_expect_eq(loader_load_image(path, &ram, RAM_BASE, &li, err,
	    sizeof(err)), -1);
	cr_expect(strstr(err, "nope: No such file or directory") != NULL, "%s",
	    err);
	cr_expect_eq(loader_load_image(tmpdir, &ram, RAM_BASE, &li, err,
	    sizeof(err)), -1);
	cr_expect(strstr(err, "not a regular file") != NULL, "%s", err);
	cr_expect_eq(loader_file_size("/dev/null", &size, err, sizeof(err)),
	    -1);
	write_file("five", "12345", 5);
	snprintf(path, sizeof(path), "%s/five", tmpdir);
	cr_expect_eq(loader_file_size(path, &size, err, sizeof(err)), 0);
	cr_expect_eq(size, 5);
}

/* Where machine.c puts things: QEMU virt's boot conventions (hw/riscv/boot.c). */
#include "rhyve/machine.h"

Test(placement, qemu_virt_conventions)
{
	/* riscv_compute_fdt_addr: top of RAM, aligned down to 2 MiB. */
	cr_expect_eq(machine_fdt_addr(UINT64_C(128) << 20, 0x3000),
	    UINT64_C(0x87e00000));
	cr_expect_eq(machine_fdt_addr(UINT64_C(256) << 20, 0x200001),
	    UINT64_C(0x8fc00000));
	/* riscv_calc_kernel_start_addr: firmware end rounded up to 2 MiB. */
	cr_expect_eq(machine_kernel_addr_after(UINT64_C(0x80045000)),
	    UINT64_C(0x80200000));
	cr_expect_eq(machine_kernel_addr_after(UINT64_C(0x80200000)),
	    UINT64_C(0x80200000));
	cr_expect_eq(machine_kernel_addr_after(UINT64_C(0x80200001)),
	    UINT64_C(0x80400000));
	/* riscv_load_initrd: entry + min(RAM / 2, 128 MiB). */
	cr_expect_eq(machine_initrd_addr(UINT64_C(0x80200000),
	    UINT64_C(128) << 20), UINT64_C(0x84200000));
	cr_expect_eq(machine_initrd_addr(UINT64_C(0x80200000),
	    UINT64_C(1) << 30), UINT64_C(0x88200000));
}

/*
 * The MMIO dispatch table (rhyve/mem.c), which the loaded guest reaches
 * first: overlap rules, lookups at range edges, faults.  (Kept here until
 * it has a test file of its own.)
 */
#include "rhyve/mem.h"
#include "vmm/vmm.h"

static int
mmio_echo(void *arg, int vcpu, bool write, uint64_t off, int size,
    uint64_t *val)
{
	uint64_t *last = arg;

	(void)vcpu;
	if (off == 0xbad)
		return -1;
	if (write)
		*last = *val;
	else
		*val = (off << 8) | (uint64_t)size | (UINT64_C(0xff) << 56);
	return 0;
}

static struct vm_exit
mmio_access(uint64_t gpa, int size, bool write, uint64_t data)
{
	struct vm_exit vme = { .exitcode = VM_EXITCODE_MMIO };

	vme.u.mmio.gpa = gpa;
	vme.u.mmio.size = size;
	vme.u.mmio.write = write;
	vme.u.mmio.data = data;
	mmio_emulate(0, &vme);
	return vme;
}

Test(mmio, register_lookup_fault)
{
	static uint64_t last;
	struct mmio_range a = { "a", 0x1000, 0x100, mmio_echo, &last };
	struct mmio_range b = { "b", 0x3000, 0x1000, mmio_echo, &last };
	struct mmio_range r;
	struct vm_exit v;

	mmio_unregister_all();
	cr_assert_eq(mmio_register(&b), 0);
	cr_assert_eq(mmio_register(&a), 0, "out of order is fine");
	r = (struct mmio_range){ "c", 0x10ff, 1, mmio_echo, NULL };
	cr_expect_eq(mmio_register(&r), -1, "overlaps a's last byte");
	r = (struct mmio_range){ "c", 0x2fff, 2, mmio_echo, NULL };
	cr_expect_eq(mmio_register(&r), -1, "overlaps b's first byte");
	r = (struct mmio_range){ "c", 0x1100, 0x1f00, mmio_echo, NULL };
	cr_expect_eq(mmio_register(&r), 0, "exactly fills the gap");
	r = (struct mmio_range){ "d", UINT64_MAX - 0xf, 0x20, mmio_echo, NULL };
	cr_expect_eq(mmio_register(&r), -1, "wraps around");
	r = (struct mmio_range){ "e", 0x9000, 0, mmio_echo, NULL };
	cr_expect_eq(mmio_register(&r), -1, "empty");

	v = mmio_access(0x1010, 4, false, 0);
	cr_expect_not(v.u.mmio.fault);
	cr_expect_eq(v.u.mmio.data, (0x10 << 8) | 4, "read truncated to size");
	v = mmio_access(0x30fc, 8, true, UINT64_C(0x1122334455667788));
	cr_expect_not(v.u.mmio.fault);
	cr_expect_eq(last, UINT64_C(0x1122334455667788));
	v = mmio_access(0x3001, 2, true, UINT64_C(0xffffabcd));
	cr_expect_eq(last, 0xabcd, "write value masked to size");
	v = mmio_access(0x10fe, 4, false, 0);
	cr_expect(v.u.mmio.fault, "straddles the end of a");
	v = mmio_access(0x0fff, 1, false, 0);
	cr_expect(v.u.mmio.fault, "nothing there");
	v = mmio_access(0x4000, 1, false, 0);
	cr_expect(v.u.mmio.fault, "one past b");
	v = mmio_access(0x3bad, 1, false, 0);
	cr_expect(v.u.mmio.fault, "handler said -1");
	v = mmio_access(0x1000, 3, false, 0);
	cr_expect(v.u.mmio.fault, "odd size");
	mmio_unregister_all();
	v = mmio_access(0x1010, 4, false, 0);
	cr_expect(v.u.mmio.fault, "table emptied");
}
