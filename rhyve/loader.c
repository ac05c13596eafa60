/*
 * loader.c - guest image loading, as QEMU's hw/riscv/boot.c and
 * hw/core/loader.c do it for the virt machine: ELF program headers
 * (System V ABI, "Program Loading"; PT_LOAD at p_paddr) read with
 * libelf, or a raw image copied whole to a fixed address.
 *
 * The file is hostile until proven otherwise: libelf only parses the
 * headers, the segment bytes are read here with pread() after checking
 * that [p_offset, p_offset + p_filesz) lies inside the file and
 * [p_paddr, p_paddr + p_memsz) inside guest RAM, all without overflow.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loader.h"

#ifndef EM_RISCV
#define EM_RISCV	243
#endif

static int
lfail(char *err, size_t errlen, const char *path, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(err, errlen, "%s: %s", path, msg);
	return -1;
}

/* Open a regular file for reading; its size in *size. */
static int
open_image(const char *path, uint64_t *size, char *err, size_t errlen)
{
	struct stat st;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return lfail(err, errlen, path, "%s", strerror(errno));
	if (fstat(fd, &st) != 0) {
		lfail(err, errlen, path, "%s", strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		lfail(err, errlen, path, "not a regular file");
		close(fd);
		return -1;
	}
	*size = (uint64_t)st.st_size;
	return fd;
}

int
loader_file_size(const char *path, uint64_t *size, char *err, size_t errlen)
{
	int fd = open_image(path, size, err, errlen);

	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

/* Is [addr, addr + len) inside RAM?  len may be 0. */
static bool
in_ram(const struct guest_ram *ram, uint64_t addr, uint64_t len)
{
	return addr >= ram->base && addr - ram->base <= ram->size &&
	    len <= ram->size - (addr - ram->base);
}

/* Read exactly len bytes at off into buf. */
static int
read_full(int fd, void *buf, uint64_t len, uint64_t off)
{
	uint8_t *p = buf;

	while (len > 0) {
		size_t chunk = len > (UINT64_C(1) << 30) ? (size_t)1 << 30 :
		    (size_t)len;
		ssize_t n = pread(fd, p, chunk, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			errno = EIO;	/* the file shrank under us */
			return -1;
		}
		p += n;
		off += (uint64_t)n;
		len -= (uint64_t)n;
	}
	return 0;
}

static int
load_raw_fd(int fd, uint64_t fsize, const char *path,
    const struct guest_ram *ram, uint64_t addr, struct load_info *li,
    char *err, size_t errlen)
{
	if (!in_ram(ram, addr, 0))
		return lfail(err, errlen, path, "load address 0x%llx is "
		    "outside RAM", (unsigned long long)addr);
	if (!in_ram(ram, addr, fsize))
		return lfail(err, errlen, path, "image too large for RAM "
		    "(%llu bytes at 0x%llx, RAM ends at 0x%llx)",
		    (unsigned long long)fsize, (unsigned long long)addr,
		    (unsigned long long)(ram->base + ram->size));
	if (read_full(fd, ram->host + (addr - ram->base), fsize, 0) != 0)
		return lfail(err, errlen, path, "%s", strerror(errno));
	li->entry = addr;
	li->start = addr;
	li->end = addr + fsize;
	li->elf = false;
	return 0;
}

int
loader_load_raw(const char *path, const struct guest_ram *ram, uint64_t addr,
    struct load_info *li, char *err, size_t errlen)
{
	uint64_t fsize;
	int fd, error;

	fd = open_image(path, &fsize, err, errlen);
	if (fd < 0)
		return -1;
	error = load_raw_fd(fd, fsize, path, ram, addr, li, err, errlen);
	close(fd);
	return error;
}

static int
load_elf_fd(int fd, uint64_t fsize, const char *path,
    const struct guest_ram *ram, struct load_info *li, char *err,
    size_t errlen)
{
	Elf *e;
	GElf_Ehdr eh;
	GElf_Phdr ph;
	size_t phnum, i;
	uint64_t lo = UINT64_MAX, hi = 0, entry;
	bool entry_mapped = false;
	int error = -1;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return lfail(err, errlen, path, "libelf: %s", elf_errmsg(-1));
	e = elf_begin(fd, ELF_C_READ, NULL);
	if (e == NULL)
		return lfail(err, errlen, path, "bad ELF file: %s",
		    elf_errmsg(-1));
	if (elf_kind(e) != ELF_K_ELF || gelf_getehdr(e, &eh) == NULL) {
		lfail(err, errlen, path, "bad ELF header");
		goto out;
	}
	if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_machine != EM_RISCV) {
		lfail(err, errlen, path, "not a 64-bit RISC-V ELF file "
		    "(class %d, machine %d)", eh.e_ident[EI_CLASS],
		    eh.e_machine);
		goto out;
	}
	if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN) {
		lfail(err, errlen, path, "not an executable ELF file "
		    "(type %d)", eh.e_type);
		goto out;
	}
	if (elf_getphdrnum(e, &phnum) != 0) {
		lfail(err, errlen, path, "bad program headers: %s",
		    elf_errmsg(-1));
		goto out;
	}
	entry = eh.e_entry;
	/* First pass: check everything, so a bad file writes nothing. */
	for (int pass = 0; pass < 2; pass++) {
		for (i = 0; i < phnum; i++) {
			uint8_t *dst;

			if (gelf_getphdr(e, (int)i, &ph) == NULL) {
				lfail(err, errlen, path, "bad program header "
				    "%zu", i);
				goto out;
			}
			if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
				continue;
			if (ph.p_filesz > ph.p_memsz) {
				lfail(err, errlen, path, "segment %zu: file "
				    "size exceeds memory size", i);
				goto out;
			}
			if (ph.p_offset > fsize ||
			    ph.p_filesz > fsize - ph.p_offset) {
				lfail(err, errlen, path, "segment %zu: "
				    "extends past the end of the file", i);
				goto out;
			}
			if (!in_ram(ram, ph.p_paddr, ph.p_memsz)) {
				lfail(err, errlen, path, "segment %zu "
				    "(0x%llx, %llu bytes) does not fit in RAM "
				    "(0x%llx-0x%llx)", i,
				    (unsigned long long)ph.p_paddr,
				    (unsigned long long)ph.p_memsz,
				    (unsigned long long)ram->base,
				    (unsigned long long)(ram->base +
				    ram->size - 1));
				goto out;
			}
			if (pass == 0) {
				if (ph.p_paddr < lo)
					lo = ph.p_paddr;
				if (ph.p_paddr + ph.p_memsz > hi)
					hi = ph.p_paddr + ph.p_memsz;
				/*
				 * A kernel linked at virtual addresses
				 * (p_vaddr != p_paddr) names its entry
				 * virtually: translate it by its segment.
				 */
				if (!entry_mapped && eh.e_entry >= ph.p_vaddr &&
				    eh.e_entry - ph.p_vaddr < ph.p_memsz) {
					entry = eh.e_entry - ph.p_vaddr +
					    ph.p_paddr;
					entry_mapped = true;
				}
				continue;
			}
			dst = ram->host + (ph.p_paddr - ram->base);
			if (read_full(fd, dst, ph.p_filesz, ph.p_offset) != 0) {
				lfail(err, errlen, path, "%s", strerror(errno));
				goto out;
			}
			memset(dst + ph.p_filesz, 0, ph.p_memsz - ph.p_filesz);
		}
		if (pass == 0 && lo == UINT64_MAX) {
			lfail(err, errlen, path, "no loadable segments");
			goto out;
		}
	}
	li->entry = entry;
	li->start = lo;
	li->end = hi;
	li->elf = true;
	error = 0;
out:
	elf_end(e);
	return error;
}

static uint64_t
le(const unsigned char *p, int n)
{
	uint64_t v = 0;

	while (n-- > 0)
		v = v << 8 | p[n];
	return v;
}

/*
 * A raw image that is a kernel for another machine is refused before it
 * runs garbage; a RISC-V Linux Image must fit with its BSS.  Formats:
 * Linux's Documentation/arch/riscv/boot-image-header.rst and arm64's
 * booting.rst (magic at 56), x86's boot protocol ("HdrS" at 0x202), PE's
 * COFF header (Machine, at the offset in e_lfanew).
 */
static int
check_raw_kernel(int fd, uint64_t fsize, const char *path,
    const struct guest_ram *ram, uint64_t addr, char *err, size_t errlen)
{
	unsigned char h[0x210], pe[6];
	uint64_t lfanew, need;

	memset(h, 0, sizeof(h));
	if (read_full(fd, h, fsize < sizeof(h) ? fsize : sizeof(h), 0) != 0)
		return lfail(err, errlen, path, "%s", strerror(errno));
	if (memcmp(h + 56, "ARM\x64", 4) == 0)
		return lfail(err, errlen, path, "an arm64 Linux image, not "
		    "RISC-V");
	if (memcmp(h + 0x202, "HdrS", 4) == 0)
		return lfail(err, errlen, path, "an x86 Linux kernel, not "
		    "RISC-V");
	if (memcmp(h + 56, "RSC\x05", 4) == 0) {
		need = le(h + 16, 8);		/* image_size, BSS included */
		if (need > fsize && !in_ram(ram, addr, need))
			return lfail(err, errlen, path, "this Linux image "
			    "needs %llu bytes at 0x%llx, RAM ends at 0x%llx "
			    "(try a larger -m)", (unsigned long long)need,
			    (unsigned long long)addr,
			    (unsigned long long)(ram->base + ram->size));
		return 0;
	}
	if (h[0] == 'M' && h[1] == 'Z' && (lfanew = le(h + 0x3c, 4)) + 6 <= fsize &&
	    read_full(fd, pe, 6, lfanew) == 0 && memcmp(pe, "PE\0\0", 4) == 0 &&
	    le(pe + 4, 2) != 0x5064)	/* IMAGE_FILE_MACHINE_RISCV64 */
		return lfail(err, errlen, path, "a PE/EFI image for machine "
		    "0x%04llx, not RISC-V", (unsigned long long)le(pe + 4, 2));
	return 0;
}

int
loader_load_image(const char *path, const struct guest_ram *ram,
    uint64_t raw_addr, struct load_info *li, char *err, size_t errlen)
{
	unsigned char magic[SELFMAG];
	uint64_t fsize;
	int fd, error;

	fd = open_image(path, &fsize, err, errlen);
	if (fd < 0)
		return -1;
	if (fsize >= SELFMAG && read_full(fd, magic, SELFMAG, 0) == 0 &&
	    memcmp(magic, ELFMAG, SELFMAG) == 0)
		error = load_elf_fd(fd, fsize, path, ram, li, err, errlen);
	else if ((error = check_raw_kernel(fd, fsize, path, ram, raw_addr,
	    err, errlen)) == 0)
		error = load_raw_fd(fd, fsize, path, ram, raw_addr, li, err,
		    errlen);
	close(fd);
	return error;
}
