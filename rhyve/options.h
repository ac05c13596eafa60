/*
 * options.h - rhyve's command line: the subset of qemu-system-riscv64's
 * options that describes a "virt" machine, plus bhyve's -c and -G.
 * options_parse() fills a struct and touches no global state, so every
 * path (including each error) is unit-testable (tests/unit/options.c).
 */
#ifndef RHYVE_OPTIONS_H
#define RHYVE_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "devices.h"
#include "virt.h"

/* Debian's OpenSBI, what "-bios default" means. */
#define RHYVE_DEFAULT_BIOS \
	"/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin"
/* QEMU virt's limit (VIRT_CPUS_MAX); the PLIC window covers as many. */
#define RHYVE_MAX_CPUS		512
#define RHYVE_DEFAULT_RAM	(UINT64_C(128) << 20)	/* QEMU's default -m */
#define RHYVE_MIN_RAM		(UINT64_C(2) << 20)
#define RHYVE_MAX_RAM		(UINT64_C(1) << 40)	/* the vmm's limit */

enum boot_mode {
	BOOT_BUILTIN = 0,	/* no -bios: the built-in SBI, kernel in S-mode */
	BOOT_NONE,		/* -bios none: kernel in M-mode from reset */
	BOOT_FIRMWARE,		/* -bios FILE: firmware in M-mode from reset */
};

struct rhyve_options {
	int		 ncpus;
	uint64_t	 ram_size;		/* bytes, multiple of 4 KiB */
	enum boot_mode	 boot;
	char		*bios;			/* BOOT_FIRMWARE: the file */
	char		*kernel;		/* NULL: none */
	char		*initrd;
	char		*append;		/* kernel command line */
	/* Virtio block devices; disks[i].slot is set once parsing is done. */
	struct disk_config disks[VIRT_VIRTIO_COUNT];
	int		 ndisks;
	bool		 legacy_virtio;		/* -global virtio-mmio.force-legacy=true */
	char		*gdb_listen;		/* NULL: no debug server */
	bool		 gdb_wait;		/* -S, -G w... */
	char		*dumpdtb;		/* write the device tree there and exit */
	bool		 no_reboot;
	bool		 help;			/* --help: print usage, exit 0 */
	bool		 version;		/* --version */
	bool		 no_sandbox;
	int		 engine;		/* enum vm_engine (-engine) */
	int		 gdb_sched;		/* enum gdb_sched_policy (-gdb-sched) */
	char		*qmp_path;		/* -qmp unix:PATH,server=on,wait=off */
	char		*name;			/* -name NAME: QMP at the default path */
	bool		 rng;			/* -device virtio-rng-device */
	int		 rng_slot;		/* its virtio-mmio slot */
	bool		 net;			/* -netdev user + virtio-net-device, -nic */
	struct net_config netcfg;		/* its slot, MAC, network, forwards */
	/* --record[=SIZE[,quantum=N][,interval=N]] (rhyve/replay/) */
	bool		 record;
	uint64_t	 record_size;		/* bytes of history */
	uint64_t	 record_quantum;	/* instructions per turn */
	uint64_t	 record_interval;	/* instructions between snapshots */
	char		*record_file;		/* --record-file=FILE */
	char		*replay_file;		/* --replay=FILE */
};

/*
 * Parse argv[1..argc-1].  Returns 0, or -1 with a one-line description of
 * the problem (no "rhyve: " prefix, no newline) in err.  Warnings about
 * accepted-but-ignored settings go to 'warn' (stderr in rhyve; may be
 * NULL).  On return, success or not, options_free() releases *o.
 */
int	options_parse(int argc, char *const argv[], struct rhyve_options *o,
	    char *err, size_t errlen, void (*warn)(const char *msg));
void	options_free(struct rhyve_options *o);
void	options_usage(FILE *fp);	/* the --help text */

/*
 * Helpers exposed for the tests.  parse_size: QEMU's -m syntax, a
 * number with an optional K/M/G/T suffix (case-insensitive, optional
 * trailing B), a plain number meaning MiB.  Returns 0 or -1.
 */
int	options_parse_size(const char *s, uint64_t *bytes);

#endif
