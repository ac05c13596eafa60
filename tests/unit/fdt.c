/*
 * fdt.c - tests of rhyve's device tree (rhyve/fdt.c): trees for 1, 4 and
 * 64 harts, with and without bootargs, initrd and disks, read back with
 * libfdt and checked against QEMU virt's layout (node names, reg values,
 * interrupt wiring, phandle links).
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <criterion/redirect.h>
#include <libfdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rhyve/fdt.h"
#include "rhyve/virt.h"

static void *
build_ok(const struct fdt_config *cfg, size_t *sizep)
{
	void *blob = NULL;
	size_t size = 0;

	cr_assert_eq(fdt_build(cfg, &blob, &size), 0);
	cr_assert_not_null(blob);
	cr_assert_eq(fdt_check_header(blob), 0);
	cr_assert_eq(fdt_totalsize(blob), size);
	cr_assert_eq(fdt_check_full(blob, size), 0);
	if (sizep != NULL)
		*sizep = size;
	return blob;
}

static int
path_ok(const void *fdt, const char *path)
{
	int off = fdt_path_offset(fdt, path);

	cr_assert_geq(off, 0, "%s: %s", path, fdt_strerror(off));
	return off;
}

static uint32_t
get_u32(const void *fdt, int node, const char *name)
{
	const fdt32_t *p;
	int len;

	p = fdt_getprop(fdt, node, name, &len);
	cr_assert_not_null(p, "missing %s", name);
	cr_assert_eq(len, 4, "%s: %d bytes", name, len);
	return fdt32_to_cpu(*p);
}

static uint64_t
get_u64(const void *fdt, int node, const char *name)
{
	const void *p;
	fdt64_t v;
	int len;

	/* Only 4-byte aligned in the blob. */
	p = fdt_getprop(fdt, node, name, &len);
	cr_assert_not_null(p, "missing %s", name);
	cr_assert_eq(len, 8, "%s: %d bytes", name, len);
	memcpy(&v, p, sizeof(v));
	return fdt64_to_cpu(v);
}

static void
check_reg(const void *fdt, int node, uint64_t base, uint64_t size)
{
	const fdt32_t *p;
	int len;

	p = fdt_getprop(fdt, node, "reg", &len);
	cr_assert_not_null(p);
	cr_assert_eq(len, 16);
	cr_assert_eq(((uint64_t)fdt32_to_cpu(p[0]) << 32) | fdt32_to_cpu(p[1]), base);
	cr_assert_eq(((uint64_t)fdt32_to_cpu(p[2]) << 32) | fdt32_to_cpu(p[3]), size);
}

static void
check_str(const void *fdt, int node, const char *name, const char *want)
{
	const char *s = fdt_getprop(fdt, node, name, NULL);

	cr_assert_not_null(s, "missing %s", name);
	cr_assert_str_eq(s, want);
}

/* The node a phandle names, which must exist. */
static int
by_phandle(const void *fdt, uint32_t ph)
{
	int off = fdt_node_offset_by_phandle(fdt, ph);

	cr_assert_geq(off, 0, "phandle %#x dangles", ph);
	return off;
}

/* interrupts-extended = <intc(h) a intc(h) b> for every hart h. */
static void
check_irqs_ext(const void *fdt, int node, int ncpus, uint32_t a, uint32_t b)
{
	const fdt32_t *p;
	char path[64];
	int len;

	p = fdt_getprop(fdt, node, "interrupts-extended", &len);
	cr_assert_not_null(p);
	cr_assert_eq(len, ncpus * 16);
	for (int h = 0; h < ncpus; h++) {
		int intc;

		snprintf(path, sizeof(path), "/cpus/cpu@%x/interrupt-controller", h);
		intc = path_ok(fdt, path);

		cr_assert_eq(by_phandle(fdt, fdt32_to_cpu(p[4 * h])), intc);
		cr_assert_eq(fdt32_to_cpu(p[4 * h + 1]), a);
		cr_assert_eq(by_phandle(fdt, fdt32_to_cpu(p[4 * h + 2])), intc);
		cr_assert_eq(fdt32_to_cpu(p[4 * h + 3]), b);
	}
}

/* A PLIC device: interrupts = <irq>, its parent is the PLIC. */
static void
check_plic_dev(const void *fdt, int node, uint32_t irq)
{
	int plic = path_ok(fdt, "/soc/plic@c000000");

	cr_assert_eq(get_u32(fdt, node, "interrupts"), irq);
	cr_assert_eq(by_phandle(fdt, get_u32(fdt, node, "interrupt-parent")), plic);
}

static void
check_tree(const struct fdt_config *cfg)
{
	const char *s;
	char path[64];
	size_t size;
	void *fdt = build_ok(cfg, &size);
	int node, len, n;

	/* Root. */
	cr_assert_eq(get_u32(fdt, 0, "#address-cells"), 2);
	cr_assert_eq(get_u32(fdt, 0, "#size-cells"), 2);
	check_str(fdt, 0, "compatible", "riscv-virtio");
	cr_assert_not_null(fdt_getprop(fdt, 0, "model", NULL));

	/* Room for firmware to add nodes in place. */
	cr_assert_geq(size, fdt_off_dt_strings(fdt) + fdt_size_dt_strings(fdt) +
	    FDT_SLACK);

	/* Memory. */
	node = path_ok(fdt, "/memory@80000000");
	check_str(fdt, node, "device_type", "memory");
	check_reg(fdt, node, VIRT_DRAM_BASE, cfg->ram_size);

	/* /chosen. */
	node = path_ok(fdt, "/chosen");
	s = fdt_getprop(fdt, node, "stdout-path", NULL);
	cr_assert_not_null(s);
	n = path_ok(fdt, s);
	check_str(fdt, n, "compatible", "ns16550a");
	s = fdt_getprop(fdt, node, "bootargs", &len);
	if (cfg->bootargs != NULL && cfg->bootargs[0] != '\0') {
		cr_assert_not_null(s);
		cr_assert_str_eq(s, cfg->bootargs);
	} else {
		cr_assert_null(s);
	}
	if (cfg->initrd_end != 0) {
		cr_assert_eq(get_u64(fdt, node, "linux,initrd-start"), cfg->initrd_start);
		cr_assert_eq(get_u64(fdt, node, "linux,initrd-end"), cfg->initrd_end);
	} else {
		cr_assert_null(fdt_getprop(fdt, node, "linux,initrd-start", NULL));
		cr_assert_null(fdt_getprop(fdt, node, "linux,initrd-end", NULL));
	}

	/* /cpus. */
	node = path_ok(fdt, "/cpus");
	cr_assert_eq(get_u32(fdt, node, "timebase-frequency"), 10000000);
	cr_assert_eq(get_u32(fdt, node, "#address-cells"), 1);
	cr_assert_eq(get_u32(fdt, node, "#size-cells"), 0);
	n = 0;
	fdt_for_each_subnode(len, fdt, node) {
		if (strncmp(fdt_get_name(fdt, len, NULL), "cpu@", 4) == 0)
			n++;
	}
	cr_assert_eq(n, cfg->ncpus);
	for (int h = 0; h < cfg->ncpus; h++) {
		int cpu, intc, core;

		snprintf(path, sizeof(path), "/cpus/cpu@%x", h);
		cpu = path_ok(fdt, path);
		check_str(fdt, cpu, "device_type", "cpu");
		cr_assert_eq(get_u32(fdt, cpu, "reg"), (uint32_t)h);
		check_str(fdt, cpu, "status", "okay");
		check_str(fdt, cpu, "compatible", "riscv");
		s = fdt_getprop(fdt, cpu, "riscv,isa", NULL);
		cr_assert_not_null(s);
		cr_assert_eq(strncmp(s, "rv64imafdc", 10), 0, "isa %s", s);
		check_str(fdt, cpu, "riscv,isa-base", "rv64i");
		cr_assert_eq(fdt_stringlist_search(fdt, cpu,
		    "riscv,isa-extensions", "sstc") >= 0, 1);
		cr_assert_eq(fdt_stringlist_search(fdt, cpu,
		    "riscv,isa-extensions", "h"), -FDT_ERR_NOTFOUND);
		check_str(fdt, cpu, "mmu-type", "riscv,sv57");
		cr_assert_eq(by_phandle(fdt, get_u32(fdt, cpu, "phandle")), cpu);

		intc = fdt_subnode_offset(fdt, cpu, "interrupt-controller");
		cr_assert_geq(intc, 0);
		check_str(fdt, intc, "compatible", "riscv,cpu-intc");
		cr_assert_eq(get_u32(fdt, intc, "#interrupt-cells"), 1);
		cr_assert_not_null(fdt_getprop(fdt, intc, "interrupt-controller", NULL));

		snprintf(path, sizeof(path), "/cpus/cpu-map/cluster0/core%d", h);
		core = path_ok(fdt, path);
		cr_assert_eq(by_phandle(fdt, get_u32(fdt, core, "cpu")), cpu);
	}
	snprintf(path, sizeof(path), "/cpus/cpu@%x", cfg->ncpus);
	cr_assert_lt(fdt_path_offset(fdt, path), 0);

	/* /soc and its devices. */
	node = path_ok(fdt, "/soc");
	check_str(fdt, node, "compatible", "simple-bus");
	cr_assert_not_null(fdt_getprop(fdt, node, "ranges", &len));
	cr_assert_eq(len, 0);

	node = path_ok(fdt, "/soc/clint@2000000");
	cr_assert_eq(fdt_node_check_compatible(fdt, node, "riscv,clint0"), 0);
	cr_assert_eq(fdt_node_check_compatible(fdt, node, "sifive,clint0"), 0);
	check_reg(fdt, node, 0x2000000, 0x10000);
	check_irqs_ext(fdt, node, cfg->ncpus, 3, 7);

	node = path_ok(fdt, "/soc/plic@c000000");
	cr_assert_eq(fdt_node_check_compatible(fdt, node, "riscv,plic0"), 0);
	cr_assert_eq(fdt_node_check_compatible(fdt, node, "sifive,plic-1.0.0"), 0);
	check_reg(fdt, node, 0xc000000, 0x600000);
	cr_assert_eq(get_u32(fdt, node, "riscv,ndev"), 95);
	cr_assert_eq(get_u32(fdt, node, "#interrupt-cells"), 1);
	cr_assert_not_null(fdt_getprop(fdt, node, "interrupt-controller", NULL));
	check_irqs_ext(fdt, node, cfg->ncpus, 11, 9);

	node = path_ok(fdt, "/soc/serial@10000000");
	check_reg(fdt, node, 0x10000000, 0x100);
	cr_assert_eq(get_u32(fdt, node, "clock-frequency"), 0x384000);
	check_plic_dev(fdt, node, 10);

	node = path_ok(fdt, "/soc/rtc@101000");
	check_str(fdt, node, "compatible", "google,goldfish-rtc");
	check_reg(fdt, node, 0x101000, 0x1000);
	check_plic_dev(fdt, node, 11);

	node = path_ok(fdt, "/soc/test@100000");
	check_reg(fdt, node, 0x100000, 0x1000);
	cr_assert_eq(fdt_node_check_compatible(fdt, node, "syscon"), 0);
	cr_assert_eq(fdt_node_check_compatible(fdt, node, "sifive,test0"), 0);
	n = path_ok(fdt, "/poweroff");
	check_str(fdt, n, "compatible", "syscon-poweroff");
	cr_assert_eq(get_u32(fdt, n, "value"), 0x5555);
	cr_assert_eq(get_u32(fdt, n, "offset"), 0);
	cr_assert_eq(by_phandle(fdt, get_u32(fdt, n, "regmap")), node);
	n = path_ok(fdt, "/reboot");
	check_str(fdt, n, "compatible", "syscon-reboot");
	cr_assert_eq(get_u32(fdt, n, "value"), 0x7777);
	cr_assert_eq(by_phandle(fdt, get_u32(fdt, n, "regmap")), node);

	/* All eight transports, last slot first, as QEMU orders them. */
	n = VIRT_VIRTIO_COUNT - 1;
	fdt_for_each_subnode(node, fdt, path_ok(fdt, "/soc")) {
		uint64_t base;

		if (fdt_node_check_compatible(fdt, node, "virtio,mmio") != 0)
			continue;
		cr_assert_geq(n, 0, "more than 8 virtio-mmio nodes");
		base = VIRT_VIRTIO_BASE + (uint64_t)n * VIRT_VIRTIO_SIZE;
		snprintf(path, sizeof(path), "virtio_mmio@%llx",
		    (unsigned long long)base);
		cr_assert_str_eq(fdt_get_name(fdt, node, NULL), path);
		check_reg(fdt, node, base, 0x1000);
		check_plic_dev(fdt, node, (uint32_t)n + 1);
		n--;
	}
	cr_assert_eq(n, -1, "%d virtio-mmio nodes missing", n + 1);

	/* Nothing rhyve does not emulate. */
	cr_assert_lt(fdt_node_offset_by_compatible(fdt, -1, "pci-host-ecam-generic"), 0);
	cr_assert_lt(fdt_node_offset_by_compatible(fdt, -1, "cfi-flash"), 0);
	cr_assert_lt(fdt_node_offset_by_compatible(fdt, -1, "qemu,fw-cfg-mmio"), 0);
	cr_assert_lt(fdt_node_offset_by_compatible(fdt, -1, "riscv,pmu"), 0);

	free(fdt);
}

/* Parameters are copied into the test's process: no pointers inside. */
struct tree_case {
	int		 ncpus;
	uint64_t	 ram;
	char		 bootargs[64];	/* "-" for none (NULL) */
	uint64_t	 initrd_start, initrd_end;
	uint32_t	 slots;
};

static struct tree_case cases[] = {
	{ 1, 128 << 20, "-", 0, 0, 0 },
	{ 1, 16 << 20, "", 0, 0, 0x01 },
	{ 4, 256 << 20, "console=ttyS0 root=/dev/vda rw", 0x88000000, 0x88123456, 0x80 },
	{ 4, UINT64_C(8) << 30, "-", 0x90000000, 0x90001000, 0xff },
	{ 64, 1 << 30, "earlycon=sbi", 0, 0, 0x03 },
	{ 64, 512 << 20, "quiet", 0x9f000000, 0xa0000000, 0 },
};

ParameterizedTestParameters(fdt, tree)
{
	return cr_make_param_array(struct tree_case, cases,
	    sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct tree_case *tc, fdt, tree)
{
	struct fdt_config cfg = {
		.ncpus = tc->ncpus,
		.ram_size = tc->ram,
		.bootargs = strcmp(tc->bootargs, "-") == 0 ? NULL : tc->bootargs,
		.initrd_start = tc->initrd_start,
		.initrd_end = tc->initrd_end,
		.virtio_slots = tc->slots,
	};

	check_tree(&cfg);
}

Test(fdt, many_harts)
{
	struct fdt_config cfg = { .ncpus = 1024, .ram_size = 1 << 30 };

	check_tree(&cfg);
}

/* A command line far larger than the first buffer guess. */
Test(fdt, long_bootargs)
{
	size_t n = 200000;
	char *args = malloc(n + 1);
	struct fdt_config cfg = { .ncpus = 2, .ram_size = 64 << 20 };

	cr_assert_not_null(args);
	for (size_t i = 0; i < n; i++)
		args[i] = (char)('a' + i % 26);
	args[n] = '\0';
	cfg.bootargs = args;
	check_tree(&cfg);
	free(args);
}

/* QEMU's phandle numbering: cpus from the last, each before its intc. */
Test(fdt, phandles_as_qemu)
{
	struct fdt_config cfg = { .ncpus = 4, .ram_size = 256 << 20 };
	void *fdt = build_ok(&cfg, NULL);

	cr_assert_eq(get_u32(fdt, path_ok(fdt, "/cpus/cpu@3"), "phandle"), 1);
	cr_assert_eq(get_u32(fdt, path_ok(fdt, "/cpus/cpu@3/interrupt-controller"),
	    "phandle"), 2);
	cr_assert_eq(get_u32(fdt, path_ok(fdt, "/cpus/cpu@0"), "phandle"), 7);
	cr_assert_eq(get_u32(fdt, path_ok(fdt, "/soc/plic@c000000"), "phandle"), 9);
	cr_assert_eq(get_u32(fdt, path_ok(fdt, "/soc/test@100000"), "phandle"), 10);
	free(fdt);
}

/* Firmware grows the tree in place: the slack must take a new node. */
Test(fdt, slack_takes_a_node)
{
	struct fdt_config cfg = { .ncpus = 2, .ram_size = 64 << 20 };
	uint32_t size_before;
	void *fdt = build_ok(&cfg, NULL);
	int node;

	size_before = fdt_totalsize(fdt);
	node = fdt_add_subnode(fdt, 0, "reserved-memory");
	cr_assert_geq(node, 0, "%s", fdt_strerror(node));
	cr_assert_eq(fdt_setprop_u32(fdt, node, "#address-cells", 2), 0);
	cr_assert_eq(fdt_totalsize(fdt), size_before);
	cr_assert_eq(fdt_check_full(fdt, size_before), 0);
	free(fdt);
}

static void
build_fails(const struct fdt_config *cfg)
{
	void *blob = (void *)1;
	size_t size = 7;

	cr_assert_eq(fdt_build(cfg, &blob, &size), -1);
	cr_assert_eq(blob, (void *)1, "output touched on failure");
	cr_assert_eq(size, 7);
}

Test(fdt, bad_config, .init = cr_redirect_stderr)
{
	build_fails(&(struct fdt_config){ .ncpus = 0, .ram_size = 1 << 20 });
	build_fails(&(struct fdt_config){ .ncpus = -3, .ram_size = 1 << 20 });
	build_fails(&(struct fdt_config){ .ncpus = VM_MAXCPU + 1, .ram_size = 1 << 20 });
	build_fails(&(struct fdt_config){ .ncpus = 1, .ram_size = 0 });
	build_fails(&(struct fdt_config){ .ncpus = 1, .ram_size = UINT64_MAX });
	/* initrd outside RAM, empty, inverted, or only one end given. */
	build_fails(&(struct fdt_config){ .ncpus = 1, .ram_size = 16 << 20,
	    .initrd_start = 0x80f00000, .initrd_end = 0x81000001 });
	build_fails(&(struct fdt_config){ .ncpus = 1, .ram_size = 16 << 20,
	    .initrd_start = 0x1000, .initrd_end = 0x2000 });
	build_fails(&(struct fdt_config){ .ncpus = 1, .ram_size = 16 << 20,
	    .initrd_start = 0x80200000, .initrd_end = 0x80200000 });
	build_fails(&(struct fdt_config){ .ncpus = 1, .ram_size = 16 << 20,
	    .initrd_start = 0x80300000, .initrd_end = 0x80200000 });
	build_fails(&(struct fdt_config){ .ncpus = 1, .ram_size = 16 << 20,
	    .initrd_start = 0, .initrd_end = 0x80200000 });
	build_fails(&(struct fdt_config){ .ncpus = 1, .ram_size = 16 << 20,
	    .virtio_slots = 0x100 });
	fflush(stderr);
	cr_assert_stderr_neq_str("");
}
