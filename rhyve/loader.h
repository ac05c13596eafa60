/*
 * loader.h - putting guest images into guest RAM: ELF executables at
 * their physical addresses (libelf), raw images and initial ramdisks at
 * a given address.  The functions see RAM as a plain buffer, not a VM,
 * so they are testable on their own (tests/unit/loader.c).
 *
 * Files are untrusted: every offset and size is checked with overflow-safe
 * arithmetic, and nothing is written outside [ram.base, ram.base +
 * ram.size).  On failure err holds "FILE: reason" (one line, no newline)
 * and RAM may hold part of the image (the caller discards the VM).
 */
#ifndef RHYVE_LOADER_H
#define RHYVE_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct guest_ram {
	uint8_t		*host;		/* host address of guest-physical 'base' */
	uint64_t	 base;
	uint64_t	 size;
};

struct load_info {
	uint64_t	 entry;		/* ELF e_entry (as physical), or the load address */
	uint64_t	 start;		/* lowest guest-physical byte written */
	uint64_t	 end;		/* one past the highest */
	bool		 elf;
};

/*
 * An RV64 ELF executable (ELFCLASS64, EM_RISCV, ET_EXEC or ET_DYN) is
 * loaded segment by segment at p_paddr, p_memsz - p_filesz zero-filled;
 * anything else is taken as a raw image and loaded at raw_addr, its entry
 * being raw_addr.  An ELF for another machine or class is an error, not
 * a raw image.
 */
int	loader_load_image(const char *path, const struct guest_ram *ram,
	    uint64_t raw_addr, struct load_info *li, char *err, size_t errlen);
/* The whole file at addr, whatever it holds (firmware blobs, initrds). */
int	loader_load_raw(const char *path, const struct guest_ram *ram,
	    uint64_t addr, struct load_info *li, char *err, size_t errlen);
/* The size of a regular file, or -1 with err set. */
int	loader_file_size(const char *path, uint64_t *size, char *err,
	    size_t errlen);

#endif
