/*
 * machine.c - assembling and running the virt machine: bhyve's
 * usr.sbin/bhyve/bhyverun.c (VM creation, one thread per vCPU looping on
 * vm_run() and dispatching its exits) with the boot conventions of QEMU's
 * hw/riscv/virt.c and hw/riscv/boot.c (where images, the device tree and
 * OpenSBI's fw_dynamic info go; what each hart finds in a0-a2).
 *
 * Boot modes:
 *	-bios FILE	firmware at 0x80000000 (ELF: its own addresses), every
 *			hart enters it in M-mode with a0 = hartid, a1 = device
 *			tree, a2 = fw_dynamic info; the kernel (if any) at the
 *			firmware's end rounded up to 2 MiB.
 *	-bios none	the kernel in M-mode from reset on every hart (xv6).
 *	builtin		the kernel (raw at 0x80200000) in S-mode on hart 0,
 *			a0 = 0, a1 = device tree; the others wait for SBI HSM
 *			hart_start; ecalls answered by sbi.c.
 *
 * Shutdown: whoever ends the machine (a vCPU seeing VM_EXITCODE_SUSPENDED,
 * machine_request_exit() from any thread) sets 'stop' and wakes the main
 * thread; the main thread makes every vCPU leave vm_run() with
 * vm_suspend(), joins the threads and finalises the devices.
 *
 * Reboot (guest reset: sifive_test 0x7777, SBI SRST), as bhyve does it:
 * the same VM is reset in place with vm_reinit() (VM_REINIT), so the
 * debug server, which holds the VM, keeps working across it.  Each vCPU
 * thread that sees VM_EXITCODE_SUSPENDED with how RESET parks (outside
 * vm_run(), as vm_reinit() requires) instead of ending; once every
 * thread is parked or held by the debugger (also outside vm_run(); it
 * stays held in the new boot) the main thread re-initialises the VM,
 * copies the images back into RAM (firmware, kernel, initrd, device tree
 * and fw_dynamic info, kept in memory since the first boot: after it the
 * sandbox may forbid opening files), resets the devices (disks stay open
 * and locked, the console stays), starts the harts as at first boot and
 * lets the threads go on.  With -no-reboot a reset ends rhyve with
 * status 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <endian.h>

#include "../vmmapi/vmmapi.h"
#include "devices.h"
#include "fdt.h"
#include "gdb/gdb.h"
#include "loader.h"
#include "machine.h"
#include "mem.h"
#include "options.h"
#include "qmp/qmp.h"
#include "replay/replay.h"
#include "sandbox.h"
#include "sbi.h"
#include "virt.h"

#define MiB		(UINT64_C(1) << 20)
#define ALIGN_DOWN(x, a) ((x) & ~((uint64_t)(a) - 1))
/* Where OpenSBI and QEMU put an S-mode kernel (FW_JUMP_ADDR). */
#define BUILTIN_KERNEL_ADDR	(VIRT_DRAM_BASE + 2 * MiB)
/* How long shutdown waits for a vCPU thread held by the debug server. */
#define JOIN_TIMEOUT_SEC	5
/* How often a reboot retries vm_reinit() while a vCPU leaves vm_run(). */
#define REINIT_TRIES		5000	/* of 1 ms */

/*
 * The running machine.  Legend: (m) under mach.mtx, (b) main thread only
 * while booting and tearing down (vCPU threads start after and are joined
 * before it changes), (a) atomic.
 */
static struct machine {
	pthread_mutex_t	 mtx;
	pthread_cond_t	 cv;		/* 'stop' became true */
	struct vmctx	*ctx;		/* (m) the current VM, or NULL */
	bool		 stop;		/* (m) the main thread should end this boot */
	bool		 host_exit;	/* (m) machine_request_exit() was called */
	int		 host_status;	/* (m) its status (the first wins) */
	int		 how;		/* (m) guest's VM_SUSPEND_* that ended it */
	uint32_t	 code;		/* (m) HALT code */
	bool		 sbi;		/* (b) built-in SBI answers ecalls */
	bool		 no_reboot;	/* (b) -no-reboot: a reset ends rhyve */
	/*
	 * Reboots.  generation counts vm_reinit() calls (bumped with the
	 * call, both under mtx, so that a vCPU thread can tell an exit of
	 * the boot it read the count in from a stale one); rebooting is
	 * true from then until the harts are started again.
	 */
	atomic_uint	 generation;	/* (a, written under m) */
	bool		 rebooting;	/* (m) */
	int		 parked;	/* (m) vCPU threads parked for a reboot */
	int		 held;		/* (m) vCPU threads inside a gdb_cpu_* hook */
	bool		 quit;		/* (m) parked vCPU threads must end */
	bool		 gdb_started;	/* (b) gdb_init() done (once per process) */
} mach = {
	.mtx = PTHREAD_MUTEX_INITIALIZER,
	.cv = PTHREAD_COND_INITIALIZER,
};

/* A loaded region, to refuse images that overlap one another. */
struct region {
	const char	*what;
	uint64_t	 start, end;
};
#define MAX_REGIONS	5

/* A loaded region as it was at first boot, copied back at each reboot. */
struct image_copy {
	uint64_t	 gpa;
	size_t		 len;
	void		*data;
};

struct boot {
	struct vmctx	*ctx;
	struct guest_ram ram;
	struct region	 regions[MAX_REGIONS];
	int		 nregions;
	struct image_copy images[MAX_REGIONS];
	int		 nimages;
	uint64_t	 start_pc;	/* where the harts start */
	int		 start_priv;
	uint64_t	 kernel_entry;	/* 0: no kernel */
	uint64_t	 fdt_addr;
	uint64_t	 info_addr;	/* fw_dynamic info, 0: none */
	pthread_t	*threads;
	bool		*joined;
	int		 nthreads;
};

uint64_t
machine_fdt_addr(uint64_t ram_size, uint64_t fdt_size)
{
	return ALIGN_DOWN(VIRT_DRAM_BASE + ram_size - fdt_size, 2 * MiB);
}

uint64_t
machine_kernel_addr_after(uint64_t firmware_end)
{
	return ALIGN_DOWN(firmware_end + 2 * MiB - 1, 2 * MiB);
}

uint64_t
machine_initrd_addr(uint64_t kernel_entry, uint64_t ram_size)
{
	uint64_t off = ram_size / 2 < 128 * MiB ? ram_size / 2 : 128 * MiB;

	return kernel_entry + off;
}

void
machine_request_exit(int status)
{
	pthread_mutex_lock(&mach.mtx);
	if (!mach.host_exit) {
		mach.host_exit = true;
		mach.host_status = status;
	}
	mach.stop = true;
	/* Under the lock: the main thread cannot close ctx meanwhile. */
	if (mach.ctx != NULL)
		(void)vm_suspend(mach.ctx, VM_SUSPEND_POWEROFF, -1, 0);
	pthread_cond_broadcast(&mach.cv);
	pthread_mutex_unlock(&mach.mtx);
}

/*
 * A vCPU saw its VM suspended by the guest (or by us) in a vm_run() it
 * entered after reading the reboot generation 'gen'.  Returns true if
 * the thread is to call vm_run() again: the exit was from before a
 * reboot that happened meanwhile (look again), or this was a guest
 * reset and the reboot is done.  False: the thread ends.
 *
 * For a reset the thread parks here, outside vm_run() as vm_reinit()
 * requires, until the main thread has rebooted the VM or rhyve ends.
 */
static bool
vcpu_suspended(int how, uint32_t code, unsigned gen)
{
	bool go_on;

	pthread_mutex_lock(&mach.mtx);
	if (atomic_load(&mach.generation) != gen) {
		pthread_mutex_unlock(&mach.mtx);
		return true;
	}
	if (!mach.stop) {
		mach.stop = true;
		mach.how = how;
		mach.code = code;
	}
	pthread_cond_broadcast(&mach.cv);
	if (how != VM_SUSPEND_RESET || mach.no_reboot) {
		pthread_mutex_unlock(&mach.mtx);
		return false;
	}
	mach.parked++;
	while ((atomic_load(&mach.generation) == gen || mach.rebooting) &&
	    !mach.quit)
		pthread_cond_wait(&mach.cv, &mach.mtx);
	mach.parked--;
	go_on = !mach.quit;
	pthread_mutex_unlock(&mach.mtx);
	return go_on;
}

/*
 * Around the debug server's hooks, which may park the thread for as long
 * as the debugger holds the vCPU: the thread is outside vm_run() then,
 * which is all a reboot needs of it (see machine_reboot()).
 */
static void
vcpu_held(int delta)
{
	pthread_mutex_lock(&mach.mtx);
	mach.held += delta;
	/*
	 * Only machine_reboot() waits for this count, and only once the
	 * boot has stopped; a broadcast before would wake the main thread
	 * for nothing at every debugger stop and resume.
	 */
	if (mach.stop)
		pthread_cond_broadcast(&mach.cv);
	pthread_mutex_unlock(&mach.mtx);
}

/* ---- signals ------------------------------------------------------------ */

static sigset_t shutdown_sigs;

/*
 * SIGINT, SIGTERM and SIGHUP are blocked in every thread and taken here
 * with sigwait(), so the shutdown runs in ordinary thread context (disks
 * flushed, terminal restored) instead of a signal handler.
 */
static void *
signal_thread(void *arg)
{
	int sig;

	(void)arg;
	for (;;) {
		if (sigwait(&shutdown_sigs, &sig) != 0)
			continue;
		fprintf(stderr, "rhyve: terminating on signal %d\r\n", sig);
		machine_request_exit(128 + sig);
	}
	return NULL;
}

static int
signals_init(void)
{
	static bool started;
	pthread_t tid;
	int error;

	if (started)
		return 0;
	sigemptyset(&shutdown_sigs);
	sigaddset(&shutdown_sigs, SIGINT);
	sigaddset(&shutdown_sigs, SIGTERM);
	sigaddset(&shutdown_sigs, SIGHUP);
	/* Before any thread exists, so that they all inherit the mask. */
	error = pthread_sigmask(SIG_BLOCK, &shutdown_sigs, NULL);
	if (error == 0)
		error = pthread_create(&tid, NULL, signal_thread, NULL);
	if (error != 0) {
		fprintf(stderr, "rhyve: signal thread: %s\n", strerror(error));
		return -1;
	}
	pthread_detach(tid);
	/* A debugger that hangs up must not kill us mid-write. */
	signal(SIGPIPE, SIG_IGN);
	started = true;
	return 0;
}

/* ---- images --------------------------------------------------------------- */

/* Record a loaded region; fails if it overlaps one already loaded. */
static int
add_region(struct boot *b, const char *what, bool is_file, uint64_t start,
    uint64_t end)
{
	for (int i = 0; i < b->nregions; i++) {
		const struct region *r = &b->regions[i];

		if (start < r->end && r->start < end) {
			/* Name the file, whichever of the two it is. */
			if (is_file)
				fprintf(stderr, "rhyve: %s: overlaps %s "
				    "(0x%llx-0x%llx)\n", what, r->what,
				    (unsigned long long)r->start,
				    (unsigned long long)r->end - 1);
			else
				fprintf(stderr, "rhyve: %s: overlaps %s at "
				    "0x%llx (try a larger -m)\n", r->what, what,
				    (unsigned long long)start);
			return -1;
		}
	}
	if (b->nregions < MAX_REGIONS)
		b->regions[b->nregions++] = (struct region){ what, start, end };
	return 0;
}

static int
load_images(const struct rhyve_options *o, struct boot *b)
{
	struct load_info li;
	char err[512];
	uint64_t kaddr = VIRT_DRAM_BASE;

	b->start_priv = PRV_M;
	if (o->boot == BOOT_FIRMWARE) {
		if (loader_load_image(o->bios, &b->ram, VIRT_DRAM_BASE, &li,
		    err, sizeof(err)) != 0)
			goto fail;
		if (add_region(b, o->bios, true, li.start, li.end) != 0)
			return -1;
		b->start_pc = li.entry;
		kaddr = machine_kernel_addr_after(li.end);
	} else if (o->boot == BOOT_BUILTIN) {
		kaddr = BUILTIN_KERNEL_ADDR;
		b->start_priv = PRV_S;
	}
	if (o->kernel != NULL) {
		if (loader_load_image(o->kernel, &b->ram, kaddr, &li, err,
		    sizeof(err)) != 0)
			goto fail;
		if (add_region(b, o->kernel, true, li.start, li.end) != 0)
			return -1;
		b->kernel_entry = li.entry;
		if (o->boot != BOOT_FIRMWARE)
			b->start_pc = li.entry;
	} else if (o->boot != BOOT_FIRMWARE) {
		b->start_pc = VIRT_DRAM_BASE;	/* for a debugger's "load" */
	}
	if (o->initrd != NULL) {
		uint64_t at = machine_initrd_addr(b->kernel_entry,
		    b->ram.size);

		if (loader_load_raw(o->initrd, &b->ram, at, &li, err,
		    sizeof(err)) != 0)
			goto fail;
		if (add_region(b, o->initrd, true, li.start, li.end) != 0)
			return -1;
	}
	return 0;
fail:
	fprintf(stderr, "rhyve: %s\n", err);
	return -1;
}

static int
write_file(const char *path, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		goto fail;
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			close(fd);
			goto fail;
		}
		p += n;
		len -= (size_t)n;
	}
	if (close(fd) != 0)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "rhyve: %s: %s\n", path, strerror(errno));
	return -1;
}

/*
 * Build the device tree, put it at the top of RAM and, for firmware, the
 * fw_dynamic info just below it.  With -dumpdtb, write it out instead
 * (*dumped = true).
 */
static int
place_fdt(const struct rhyve_options *o, struct boot *b, bool *dumped)
{
	struct fdt_config cfg = {
		.ncpus = o->ncpus,
		.ram_size = o->ram_size,
		.bootargs = o->append,
	};
	struct fw_dynamic_info info;
	void *blob;
	size_t size;
	int error;

	for (int i = 0; i < o->ndisks; i++)
		cfg.virtio_slots |= UINT32_C(1) << o->disks[i].slot;
	if (o->rng)
		cfg.virtio_slots |= UINT32_C(1) << o->rng_slot;
	if (o->net)
		cfg.virtio_slots |= UINT32_C(1) << o->netcfg.slot;
	if (o->initrd != NULL) {
		/* load_images recorded it last. */
		cfg.initrd_start = b->regions[b->nregions - 1].start;
		cfg.initrd_end = b->regions[b->nregions - 1].end;
	}
	if (fdt_build(&cfg, &blob, &size) != 0)
		return -1;
	if (o->dumpdtb != NULL) {
		error = write_file(o->dumpdtb, blob, size);
		free(blob);
		*dumped = true;
		return error;
	}
	error = -1;
	if (size > b->ram.size) {
		fprintf(stderr, "rhyve: the device tree does not fit in RAM\n");
		goto out;
	}
	b->fdt_addr = machine_fdt_addr(b->ram.size, size);
	if (b->fdt_addr < VIRT_DRAM_BASE + sizeof(info)) {
		fprintf(stderr, "rhyve: not enough RAM for the device tree "
		    "(try a larger -m)\n");
		goto out;
	}
	if (add_region(b, "the device tree", false, b->fdt_addr,
	    b->fdt_addr + size) != 0)
		goto out;
	memcpy(b->ram.host + (b->fdt_addr - b->ram.base), blob, size);
	/*
	 * QEMU keeps the fw_dynamic info in its reset ROM; rhyve has no ROM,
	 * so it sits in RAM just below the tree, which firmware reads
	 * before anything can reuse that memory.
	 */
	b->info_addr = b->fdt_addr - sizeof(info);
	if (add_region(b, "the firmware boot information", false,
	    b->info_addr, b->fdt_addr) != 0)
		goto out;
	info = (struct fw_dynamic_info){
		.magic = htole64(FW_DYNAMIC_INFO_MAGIC),
		.version = htole64(FW_DYNAMIC_INFO_VERSION),
		.next_addr = htole64(b->kernel_entry),
		.next_mode = htole64(1),
		.options = 0,
		.boot_hart = 0,
	};
	memcpy(b->ram.host + (b->info_addr - b->ram.base), &info, sizeof(info));
	error = 0;
out:
	free(blob);
	return error;
}

/*
 * Keep a copy of every loaded region (images, device tree, fw_dynamic
 * info) as first boot left it, so a reboot needs no file: QEMU reloads
 * its ROM blobs on reset in the same way.
 */
static int
images_save(struct boot *b)
{
	for (int i = 0; i < b->nregions; i++) {
		const struct region *r = &b->regions[i];
		struct image_copy *c = &b->images[b->nimages];

		c->gpa = r->start;
		c->len = (size_t)(r->end - r->start);
		c->data = malloc(c->len > 0 ? c->len : 1);
		if (c->data == NULL) {
			fprintf(stderr, "rhyve: out of memory keeping %s for "
			    "reboots\n", r->what);
			return -1;
		}
		memcpy(c->data, b->ram.host + (c->gpa - b->ram.base), c->len);
		b->nimages++;
	}
	return 0;
}

static void
images_restore(struct boot *b)
{
	for (int i = 0; i < b->nimages; i++) {
		const struct image_copy *c = &b->images[i];

		memcpy(b->ram.host + (c->gpa - b->ram.base), c->data, c->len);
	}
}

static void
images_free(struct boot *b)
{
	for (int i = 0; i < b->nimages; i++)
		free(b->images[i].data);
	b->nimages = 0;
}

/* ---- devices -------------------------------------------------------------- */

/*
 * An unpopulated virtio-mmio slot.  The device tree describes all eight
 * transports, as QEMU's does; QEMU answers an empty one with the magic,
 * the version and DeviceID 0 ("no device"), and guests (Linux, U-Boot)
 * probe every slot and skip those.  Writes are ignored.
 */
static int
virtio_empty_access(void *arg, int vcpu, bool write, uint64_t off, int size,
    uint64_t *val)
{
	bool legacy = arg != NULL;

	(void)vcpu;
	if (write)
		return 0;
	*val = 0;
	if (size != 4)
		return 0;
	switch (off) {
	case 0x000:
		*val = 0x74726976;		/* "virt" */
		break;
	case 0x004:
		*val = legacy ? 1 : 2;
		break;
	case 0x00c:
		*val = 0x554d4551;		/* "QEMU", as QEMU's vendor */
		break;
	}
	return 0;
}

static int
virtio_empty_init(const struct rhyve_options *o)
{
	static int legacy_tag;
	uint32_t used = 0;

	for (int i = 0; i < o->ndisks; i++)
		used |= UINT32_C(1) << o->disks[i].slot;
	if (o->rng)
		used |= UINT32_C(1) << o->rng_slot;
	if (o->net)
		used |= UINT32_C(1) << o->netcfg.slot;
	for (int s = 0; s < VIRT_VIRTIO_COUNT; s++) {
		struct mmio_range r = {
			.name = "virtio-mmio (empty)",
			.base = VIRT_VIRTIO_BASE + (uint64_t)s * VIRT_VIRTIO_SIZE,
			.size = VIRT_VIRTIO_SIZE,
			.handler = virtio_empty_access,
			.arg = o->legacy_virtio ? &legacy_tag : NULL,
		};

		if ((used & (UINT32_C(1) << s)) == 0 && mmio_register(&r) != 0) {
			fprintf(stderr, "rhyve: virtio-mmio slot %d: %s\n", s,
			    strerror(errno));
			return -1;
		}
	}
	return 0;
}

static void
devices_fini(void)
{
	virtio_blk_fini();
	virtio_rng_fini();
	virtio_net_fini();
	goldfish_rtc_fini();
	uart_fini();
	console_fini();
	mmio_unregister_all();
}

/* Guest reset: every device back to its reset state; files stay open. */
static void
devices_reset(void)
{
	uart_device_reset();
	goldfish_rtc_reset();
	virtio_blk_reset();
	virtio_rng_reset();
	virtio_net_reset();
}

static int
devices_init(const struct rhyve_options *o, struct vmctx *ctx)
{
	if (console_init(ctx) != 0 ||
	    uart_init(ctx, VIRT_UART0_BASE, VIRT_UART0_IRQ) != 0 ||
	    sifive_test_init(ctx, VIRT_TEST_BASE) != 0 ||
	    goldfish_rtc_init(ctx, VIRT_RTC_BASE, VIRT_RTC_IRQ) != 0)
		goto fail;
	for (int i = 0; i < o->ndisks; i++)
		if (virtio_blk_init(ctx, &o->disks[i]) != 0)
			goto fail;
	if (o->rng && virtio_rng_init(ctx, o->rng_slot, o->legacy_virtio) != 0)
		goto fail;
	if (o->net && virtio_net_init(ctx, &o->netcfg) != 0)
		goto fail;
	if (virtio_empty_init(o) != 0)
		goto fail;
	return 0;
fail:
	devices_fini();
	return -1;
}

/* ---- harts ------------------------------------------------------------------ */

/*
 * Start the harts as the boot mode wants them; at first boot and after
 * each vm_reinit(), which leaves every hart stopped in reset state.
 */
static int
harts_start(const struct rhyve_options *o, struct boot *b)
{
	int n = o->ncpus;

	for (int i = 0; i < n; i++) {
		/* Built-in SBI: only the boot hart runs; HSM starts the rest. */
		if (o->boot == BOOT_BUILTIN && i != 0)
			continue;
		if (vm_hart_start(b->ctx, i, b->start_pc,
		    o->boot == BOOT_BUILTIN ? 0 : (uint64_t)i, b->fdt_addr,
		    b->start_priv) != 0 ||
		    vm_set_register(b->ctx, i, VM_REG_X(12),
		    o->boot == BOOT_BUILTIN ? 0 : b->info_addr) != 0)
			goto fail;
	}
	if (o->boot == BOOT_BUILTIN && sbi_init(b->ctx) != 0)
		return -1;
	return 0;
fail:
	fprintf(stderr, "rhyve: cannot set up the vCPUs: %s\r\n",
	    strerror(errno));
	return -1;
}

/* Once per VM: every vCPU takes part in run control from the start. */
static int
harts_init(const struct rhyve_options *o, struct boot *b)
{
	for (int i = 0; i < o->ncpus; i++) {
		if (vm_activate_cpu(b->ctx, i) != 0) {
			fprintf(stderr, "rhyve: cannot set up the vCPUs: %s\n",
			    strerror(errno));
			return -1;
		}
	}
	return harts_start(o, b);
}

struct vcpu_arg {
	struct vmctx	*ctx;
	int		 vcpu;
};

/* One per vCPU: bhyve's vm_loop(). */
static void *
vcpu_thread(void *argp)
{
	struct vcpu_arg *arg = argp;
	struct vmctx *ctx = arg->ctx;
	int vcpu = arg->vcpu;
	struct vm_exit vme;
	char name[16];

	free(arg);
	snprintf(name, sizeof(name), "vcpu %d", vcpu);
	pthread_setname_np(pthread_self(), name);
	memset(&vme, 0, sizeof(vme));
	qmp_vcpu_thread(vcpu);
	vcpu_held(1);
	gdb_cpu_add(vcpu);
	vcpu_held(-1);
	for (;;) {
		unsigned gen = atomic_load(&mach.generation);

		if (vm_run(ctx, vcpu, &vme) != 0) {
			fprintf(stderr, "rhyve: vCPU %d: vm_run: %s\r\n", vcpu,
			    strerror(errno));
			machine_request_exit(1);
			break;
		}
		switch (vme.exitcode) {
		case VM_EXITCODE_MMIO:
			mmio_emulate(vcpu, &vme);
			break;
		case VM_EXITCODE_ECALL:
			if (mach.sbi) {
				sbi_handle_ecall(ctx, vcpu, &vme);
			} else {
				/* Not asked for; answer as no SBI would. */
				vme.u.ecall.ret[0] = (uint64_t)(int64_t)-2;
				vme.u.ecall.ret[1] = 0;
			}
			break;
		case VM_EXITCODE_DEBUG:
		case VM_EXITCODE_MTRAP:
		case VM_EXITCODE_BPT:
		case VM_EXITCODE_WATCH:
			vcpu_held(1);
			(void)gdb_cpu_exit(vcpu, &vme);
			vcpu_held(-1);
			break;
		case VM_EXITCODE_SUSPENDED:
			if (!vcpu_suspended(vme.u.suspended.how,
			    vme.u.suspended.code, gen))
				return NULL;
			/* Nothing of an old exit is pending any more. */
			memset(&vme, 0, sizeof(vme));
			break;
		default:
			break;
		}
	}
	return NULL;
}

/* ---- record mode: one thread runs every vCPU (rhyve/replay/) ---------- */

static void
record_ecall(int vcpu, struct vm_exit *vme)
{
	if (mach.sbi) {
		sbi_handle_ecall(mach.ctx, vcpu, vme);
	} else {
		vme->u.ecall.ret[0] = (uint64_t)(int64_t)-2;
		vme->u.ecall.ret[1] = 0;
	}
}

static bool
record_suspended(int how, uint32_t code)
{
	/* Record mode implies -no-reboot: this ends the thread. */
	return vcpu_suspended(how, code, atomic_load(&mach.generation));
}

static int
record_init(const struct rhyve_options *o, struct boot *b)
{
	struct replay_config rc = {
		.ctx = b->ctx,
		.ncpus = o->ncpus,
		.ram = b->ram.host,
		.ram_size = b->ram.size,
		.limit = o->record_size,
		.quantum = o->record_quantum,
		.interval = o->record_interval,
		.ecall = record_ecall,
		.suspended = record_suspended,
		.net = o->net,
		.record_file = o->record_file,
		.replay_file = o->replay_file,
	};

	return replay_init(&rc);
}

static int
record_start(struct boot *b)
{
	b->threads = calloc(1, sizeof(*b->threads));
	b->joined = calloc(1, sizeof(*b->joined));
	if (b->threads == NULL || b->joined == NULL) {
		fprintf(stderr, "rhyve: out of memory\n");
		return -1;
	}
	if (replay_start(&b->threads[0]) != 0)
		return -1;
	b->nthreads = 1;
	return 0;
}

static int
threads_start(struct boot *b, int n)
{
	b->threads = calloc((size_t)n, sizeof(*b->threads));
	b->joined = calloc((size_t)n, sizeof(*b->joined));
	if (b->threads == NULL || b->joined == NULL) {
		fprintf(stderr, "rhyve: out of memory\n");
		return -1;
	}
	for (int i = 0; i < n; i++) {
		struct vcpu_arg *arg = malloc(sizeof(*arg));
		int error;

		if (arg == NULL) {
			fprintf(stderr, "rhyve: out of memory\n");
			return -1;
		}
		*arg = (struct vcpu_arg){ b->ctx, i };
		error = pthread_create(&b->threads[i], NULL, vcpu_thread, arg);
		if (error != 0) {
			free(arg);
			fprintf(stderr, "rhyve: cannot start vCPU %d: %s\n", i,
			    strerror(error));
			return -1;
		}
		b->nthreads++;
	}
	return 0;
}

/*
 * Join the vCPU threads; true if all ended.  A thread the debug server
 * keeps parked may not: after JOIN_TIMEOUT_SEC it is left behind (the
 * process is about to exit) and the VM must not be freed under it.
 */
static bool
threads_join(struct boot *b)
{
	struct timespec deadline;
	bool all = true;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += JOIN_TIMEOUT_SEC;
	for (int i = 0; i < b->nthreads; i++) {
		if (b->joined[i])
			continue;
		if (pthread_timedjoin_np(b->threads[i], NULL, &deadline) == 0)
			b->joined[i] = true;
		else
			all = false;
	}
	if (!all)
		fprintf(stderr, "rhyve: some vCPU threads did not stop\r\n");
	return all;
}

/* ---- running, rebooting ------------------------------------------------------ */

/*
 * Wait until the guest or the host ends the current boot.  Returns the
 * exit status, or sets *reboot for a guest reset to reboot from; *guest
 * says the guest ended it (for the debugger's W/X reply).
 */
static int
wait_for_stop(const struct rhyve_options *o, bool *reboot, bool *guest)
{
	int status = 0;

	pthread_mutex_lock(&mach.mtx);
	while (!mach.stop)
		pthread_cond_wait(&mach.cv, &mach.mtx);
	*reboot = false;
	*guest = false;
	if (mach.host_exit) {
		status = mach.host_status;
	} else {
		*guest = true;
		switch (mach.how) {
		case VM_SUSPEND_HALT:
			status = (int)(mach.code & 0xff);
			if (status == 0)
				status = 1;
			break;
		case VM_SUSPEND_RESET:
			/*
			 * Under -no-reboot a reset ends the guest for good;
			 * record mode implies it.
			 */
			*reboot = !o->no_reboot && !o->record;
			*guest = !*reboot;
			break;
		default:
			status = 0;
			break;
		}
	}
	/*
	 * Whatever ended it, make every vCPU leave vm_run() (for a reset
	 * the guest's suspend already does, and this one is refused).
	 */
	if (mach.ctx != NULL)
		(void)vm_suspend(mach.ctx, VM_SUSPEND_POWEROFF, -1, 0);
	pthread_mutex_unlock(&mach.mtx);
	return status;
}

/*
 * Reboot the VM in place after a guest reset.  Returns 0 when the vCPU
 * threads run the new boot, or -1 when rhyve must end instead, with the
 * status in *status (a host exit request that came meanwhile, or a
 * failure).
 *
 * vm_reinit() wants every vCPU thread out of vm_run().  Each one that
 * saw the reset parks in vcpu_suspended(); one the debugger holds sits
 * in a gdb_cpu_* hook (it must not be waited for: the debugger may be
 * waiting for the parked ones to stop).  A thread that leaves a hook
 * meanwhile may be back in vm_run() for a moment (it sees the suspend
 * and parks, or, after vm_reinit(), a stopped hart): vm_reinit() then
 * says EBUSY and is tried again.
 */
static int
machine_reboot(const struct rhyve_options *o, struct boot *b, int *status)
{
	struct timespec pause = { 0, 1000000 };	/* 1 ms */
	int tries = 0;

	pthread_mutex_lock(&mach.mtx);
	while (mach.parked + mach.held < b->nthreads && !mach.host_exit)
		pthread_cond_wait(&mach.cv, &mach.mtx);
	for (;;) {
		if (mach.host_exit) {
			*status = mach.host_status;
			goto fail_locked;
		}
		/* With mtx held, so generation moves with it (see mach). */
		if (vm_reinit(b->ctx) == 0)
			break;
		if (errno != EBUSY || ++tries > REINIT_TRIES) {
			fprintf(stderr, "rhyve: guest reset: cannot reinitialise "
			    "the VM: %s\r\n", strerror(errno));
			*status = 1;
			goto fail_locked;
		}
		pthread_mutex_unlock(&mach.mtx);
		nanosleep(&pause, NULL);
		pthread_mutex_lock(&mach.mtx);
	}
	atomic_fetch_add(&mach.generation, 1);
	mach.rebooting = true;
	pthread_mutex_unlock(&mach.mtx);

	images_restore(b);
	devices_reset();
	if (harts_start(o, b) != 0) {
		*status = 1;
		pthread_mutex_lock(&mach.mtx);
		goto fail_locked;
	}

	pthread_mutex_lock(&mach.mtx);
	mach.rebooting = false;
	mach.how = VM_SUSPEND_NONE;
	/* A host exit request that vm_reinit() may have undone. */
	if (mach.host_exit)
		(void)vm_suspend(b->ctx, VM_SUSPEND_POWEROFF, -1, 0);
	else
		mach.stop = false;
	pthread_cond_broadcast(&mach.cv);
	pthread_mutex_unlock(&mach.mtx);
	return 0;

fail_locked:
	/* Whatever state it is in, no vCPU may stay in vm_run(). */
	(void)vm_suspend(b->ctx, VM_SUSPEND_POWEROFF, -1, 0);
	pthread_mutex_unlock(&mach.mtx);
	return -1;
}

static int
boot_once(const struct rhyve_options *o)
{
	struct boot b = { .ctx = NULL };
	bool dumped = false, guest = false, devices = false, all_joined = true;
	bool reboot;
	int status = 1;

	b.ctx = vm_open_engine(o->ncpus, o->ram_size, o->engine);
	if (b.ctx == NULL) {
		fprintf(stderr, "rhyve: cannot create the VM (%d vCPUs, "
		    "%llu bytes of RAM): %s\n", o->ncpus,
		    (unsigned long long)o->ram_size, strerror(errno));
		return 1;
	}
	b.ram.base = VIRT_DRAM_BASE;
	b.ram.size = o->ram_size;
	b.ram.host = vm_map_gpa(b.ctx, VIRT_DRAM_BASE, o->ram_size);
	if (b.ram.host == NULL) {
		fprintf(stderr, "rhyve: cannot map guest RAM\n");
		goto out;
	}
	if (load_images(o, &b) != 0 || place_fdt(o, &b, &dumped) != 0)
		goto out;
	if (dumped) {
		status = 0;
		goto out;
	}
	/* Reboots copy the images back from here: no file access then. */
	if (!o->no_reboot && !o->record && images_save(&b) != 0)
		goto out;
	mach.sbi = o->boot == BOOT_BUILTIN;
	mach.no_reboot = o->no_reboot || o->record;
	if (harts_init(o, &b) != 0)
		goto out;
	if (devices_init(o, b.ctx) != 0)
		goto out;
	devices = true;
	if (o->record && record_init(o, &b) != 0)
		goto out;
	/* Last: nothing after it may fail and leave a socket behind. */
	if (o->gdb_listen != NULL && !mach.gdb_started) {
		struct gdb_config gc = {
			.listen = o->gdb_listen,
			.wait = o->gdb_wait,
			.sched = o->gdb_sched,
		};

		if (gdb_init(b.ctx, &gc) != 0)
			goto out;
		mach.gdb_started = true;
	}
	if (o->qmp_path != NULL || o->name != NULL) {
		struct qmp_config qc = { .path = o->qmp_path, .name = o->name };

		if (qmp_init(b.ctx, &qc) != 0)
			goto out;
	}
	/*
	 * Set-up is over (images, devices, disks, console, debug server and
	 * their threads): confine the process.  Reboots happen in place
	 * below and open nothing.
	 */
	if (sandbox_enter(o) != 0)
		goto out;

	pthread_mutex_lock(&mach.mtx);
	mach.ctx = b.ctx;
	mach.how = VM_SUSPEND_NONE;
	/* A request that came while we were booting. */
	if (mach.host_exit)
		(void)vm_suspend(b.ctx, VM_SUSPEND_POWEROFF, -1, 0);
	pthread_mutex_unlock(&mach.mtx);

	if ((o->record ? record_start(&b) : threads_start(&b, o->ncpus)) != 0)
		machine_request_exit(1);
	for (;;) {
		status = wait_for_stop(o, &reboot, &guest);
		if (reboot)
			qmp_notify_reset(true);
		if (!reboot || machine_reboot(o, &b, &status) != 0)
			break;
	}
	/* SHUTDOWN to QMP clients; the sockets go away. */
	qmp_fini(guest, status);
	/* Threads parked for a reboot that will not come end now. */
	pthread_mutex_lock(&mach.mtx);
	mach.quit = true;
	pthread_cond_broadcast(&mach.cv);
	pthread_mutex_unlock(&mach.mtx);
	if (guest)
		gdb_vm_exited(status);
	else if (mach.gdb_started)
		gdb_shutdown();	/* let vCPUs the debugger holds see the end */
	all_joined = threads_join(&b);
	pthread_mutex_lock(&mach.mtx);
	mach.ctx = NULL;
	mach.stop = false;
	pthread_mutex_unlock(&mach.mtx);
out:
	if (devices)
		devices_fini();
	images_free(&b);
	free(b.threads);
	free(b.joined);
	/*
	 * The debug server keeps using the VM until the process exits, so
	 * that one stays; so does one a vCPU thread may still be inside.
	 */
	if (all_joined && !mach.gdb_started)
		vm_close(b.ctx);
	return status;
}

int
machine_run(const struct rhyve_options *o)
{
	if (signals_init() != 0)
		return 1;
	return boot_once(o);
}
