/*
 * vmm_hart_run.h - a minimal white-box "machine" for the hart engine
 * tests: a VM from vmm/vm.c, an ELF loader, one thread per vCPU looping
 * on vm_run(), and just enough devices for bare-metal test guests
 * (QEMU virt's NS16550A transmit side at 0x1000_0000 and sifive_test at
 * 0x10_0000).  It stands in for rhyve's userland so that the engine can
 * be tested with the raw vmm objects (tests/unit/vmm_hart_*.c).
 *
 * Included by exactly one .c per test binary (the Makefile links one
 * test source with the vmm objects), hence the static functions.
 *
 * run_guest() runs the guest on the engine it is given (enum vm_engine:
 * the tests run every guest on the interpreter and on the JIT).
 *
 * Results: run_guest() returns 0 when the guest wrote 0x5555 to
 * sifive_test, its failure code for 0x3333 | code << 16, a riscv-tests
 * style tohost value (code = value >> 1) if a 'tohost' symbol exists and
 * becomes non-zero, or -1 on a timeout / host error.
 */
#ifndef VMM_HART_RUN_H
#define VMM_HART_RUN_H

#include <elf.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vmm/vmm.h"
#include "vmm/vmm_kern.h"

#define RUN_UART	UINT64_C(0x10000000)
#define RUN_TEST	UINT64_C(0x00100000)

struct run_machine {
	struct vm	*vm;
	int		 ncpus;
	uint64_t	 entry;
	uint64_t	 tohost;	/* gpa of 'tohost', or 0 */
	atomic_int	 result;	/* -1 while running */
	pthread_mutex_t	 out_mtx;
	char		 out[4096];	/* UART output (truncated) */
	size_t		 nout;
};

struct run_vcpu {
	struct run_machine *m;
	int		 id;
};

static void
run_finish(struct run_machine *m, int code)
{
	int none = -1;

	if (atomic_compare_exchange_strong(&m->result, &none, code))
		vm_suspend(m->vm, VM_SUSPEND_POWEROFF, -1, (uint32_t)code);
}

static void
run_mmio(struct run_machine *m, struct vm_exit *vme)
{
	uint64_t gpa = vme->u.mmio.gpa;

	if (gpa >= RUN_UART && gpa < RUN_UART + 0x100) {
		if (!vme->u.mmio.write) {
			/* LSR: transmitter empty; everything else reads 0. */
			vme->u.mmio.data = (gpa - RUN_UART) == 5 ? 0x60 : 0;
		} else if (gpa == RUN_UART) {
			pthread_mutex_lock(&m->out_mtx);
			if (m->nout < sizeof(m->out) - 1)
				m->out[m->nout++] = (char)vme->u.mmio.data;
			pthread_mutex_unlock(&m->out_mtx);
		}
		return;
	}
	if (gpa == RUN_TEST && vme->u.mmio.write) {
		uint32_t v = (uint32_t)vme->u.mmio.data;

		if ((v & 0xffff) == 0x5555)
			run_finish(m, 0);
		else if ((v & 0xffff) == 0x3333)
			run_finish(m, (int)(v >> 16));
		return;
	}
	vme->u.mmio.fault = true;
}

static void *
run_vcpu_thread(void *arg)
{
	struct run_vcpu *rv = arg;
	struct run_machine *m = rv->m;
	struct vcpu *v = vm_vcpu(m->vm, rv->id);
	struct vm_exit vme;

	memset(&vme, 0, sizeof(vme));
	for (;;) {
		if (vm_run(v, &vme) != 0)
			break;
		if (vme.exitcode == VM_EXITCODE_SUSPENDED)
			break;
		if (vme.exitcode == VM_EXITCODE_MMIO)
			run_mmio(m, &vme);
		else if (vme.exitcode != VM_EXITCODE_DEBUG) {
			fprintf(stderr, "vcpu %d: unexpected exit %d at %#lx\n",
			    rv->id, vme.exitcode, (unsigned long)vme.pc);
			run_finish(m, -1);
		}
	}
	return NULL;
}

/* Load an ELF's PT_LOAD segments into guest RAM; find 'tohost'. */
static int
run_load_elf(struct run_machine *m, const char *path)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	long size;
	Elf64_Ehdr *eh;
	int error = -1;

	if (f == NULL)
		return -1;
	if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < (long)sizeof(*eh))
		goto out;
	rewind(f);
	buf = malloc((size_t)size);
	if (buf == NULL || fread(buf, 1, (size_t)size, f) != (size_t)size)
		goto out;
	eh = (Elf64_Ehdr *)buf;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_machine != EM_RISCV)
		goto out;
	m->entry = eh->e_entry;
	for (int i = 0; i < eh->e_phnum; i++) {
		Elf64_Phdr *ph = (Elf64_Phdr *)(buf + eh->e_phoff +
		    (size_t)i * eh->e_phentsize);
		void *dst;

		if (ph->p_type != PT_LOAD || ph->p_memsz == 0)
			continue;
		dst = vm_gpa2hva(m->vm, ph->p_paddr, ph->p_memsz);
		if (dst == NULL || ph->p_offset + ph->p_filesz > (uint64_t)size)
			goto out;
		memcpy(dst, buf + ph->p_offset, ph->p_filesz);
		memset((char *)dst + ph->p_filesz, 0, ph->p_memsz - ph->p_filesz);
	}
	for (int i = 0; i < eh->e_shnum; i++) {
		Elf64_Shdr *sh = (Elf64_Shdr *)(buf + eh->e_shoff +
		    (size_t)i * eh->e_shentsize);
		Elf64_Shdr *strh;

		if (sh->sh_type != SHT_SYMTAB)
			continue;
		strh = (Elf64_Shdr *)(buf + eh->e_shoff +
		    (size_t)sh->sh_link * eh->e_shentsize);
		for (uint64_t k = 0; k < sh->sh_size / sizeof(Elf64_Sym); k++) {
			Elf64_Sym *s = (Elf64_Sym *)(buf + sh->sh_offset) + k;

			if (strcmp((char *)buf + strh->sh_offset + s->st_name,
			    "tohost") == 0)
				m->tohost = s->st_value;
		}
	}
	error = 0;
out:
	free(buf);
	fclose(f);
	return error;
}

/*
 * Boot 'path' on 'ncpus' harts (all start at the entry in M-mode, like
 * QEMU -bios none) run by 'engine' (enum vm_engine) and wait up to
 * 'timeout_s' for a result.  The UART output is left in *out (caller
 * frees) if out is not NULL.  -2 if the host has no such engine.
 */
static int
run_guest(const char *path, int ncpus, int engine, int timeout_s, char **out)
{
	struct run_machine *m = calloc(1, sizeof(*m));
	struct vm_config cfg = { .ncpus = ncpus, .ram_size = 128 << 20,
	    .engine = engine };
	int e;
	pthread_t th[VM_MAXCPU];
	struct run_vcpu rv[VM_MAXCPU];
	struct timespec t0, t;
	int result;

	if (m == NULL)
		return -1;
	atomic_store(&m->result, -1);
	pthread_mutex_init(&m->out_mtx, NULL);
	m->ncpus = ncpus;
	if ((e = vm_create(&cfg, &m->vm)) != 0) {
		free(m);
		return e == ENOTSUP ? -2 : -1;
	}
	if (run_load_elf(m, path) != 0) {
		fprintf(stderr, "%s: cannot load\n", path);
		vm_destroy(m->vm);
		free(m);
		return -1;
	}
	for (int i = 0; i < ncpus; i++) {
		vm_activate_cpu(m->vm, i);
		vm_hart_start(m->vm, i, m->entry, (uint64_t)i, 0, PRV_M);
	}
	for (int i = 0; i < ncpus; i++) {
		rv[i] = (struct run_vcpu){ .m = m, .id = i };
		pthread_create(&th[i], NULL, run_vcpu_thread, &rv[i]);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (atomic_load(&m->result) == -1) {
		struct timespec ts = { 0, 1000000 };

		if (m->tohost != 0) {
			volatile uint64_t *p = vm_gpa2hva(m->vm, m->tohost, 8);
			uint64_t v = p != NULL ? __atomic_load_n(p, __ATOMIC_RELAXED) : 0;

			if (v != 0)
				run_finish(m, (int)(v >> 1));
		}
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec >= timeout_s) {
			run_finish(m, -1);
			break;
		}
		nanosleep(&ts, NULL);
	}
	for (int i = 0; i < ncpus; i++)
		pthread_join(th[i], NULL);
	result = atomic_load(&m->result);
	if (out != NULL) {
		m->out[m->nout] = '\0';
		*out = strdup(m->out);
	}
	vm_destroy(m->vm);
	pthread_mutex_destroy(&m->out_mtx);
	free(m);
	return result;
}

#endif
