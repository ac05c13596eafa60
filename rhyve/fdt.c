/*
 * fdt.c - the device tree of rhyve's virt machine, built with libfdt's
 * sequential-write API.  It follows the tree QEMU's riscv64 "virt"
 * builds (hw/riscv/virt.c: node names, order, phandle numbering,
 * compatible strings), restricted to what rhyve emulates: no PCI host,
 * flash, fw_cfg, platform bus or PMU node.  Bindings: Linux's
 * Documentation/devicetree/bindings/{riscv,interrupt-controller,timer,
 * serial,rtc,power/reset,virtio}/, Devicetree Specification v0.4.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <libfdt.h>

#include "fdt.h"
#include "virt.h"

#define FDT_MODEL	"riscv-virtio,rhyve"

/*
 * What the hart engine implements (vmm/hart/): RV64GC with Zicsr,
 * Zifencei, Zicntr, Zihpm (hpmcounters that read zero), Zihintpause
 * (pause is a FENCE hint), Sstc; Sv39/Sv48/Sv57.  Nothing else is
 * advertised: a guest must not find an extension that traps.
 */
#define CPU_ISA		"rv64imafdc_zicntr_zicsr_zifencei_zihintpause_zihpm_sstc"
#define CPU_ISA_BASE	"rv64i"
static const char cpu_isa_exts[] =
    "i\0m\0a\0f\0d\0c\0zicntr\0zicsr\0zifencei\0zihintpause\0zihpm\0sstc";
#define CPU_MMU		"riscv,sv57"
#define UART_CLOCK_HZ	3686400		/* QEMU virt's 0x384000 */

/* Local interrupt numbers on a hart's riscv,cpu-intc. */
#define IRQ_S_SOFT	1
#define IRQ_M_SOFT	3
#define IRQ_S_TIMER	5
#define IRQ_M_TIMER	7
#define IRQ_S_EXT	9
#define IRQ_M_EXT	11

/* The largest buffer we try before giving up (a tree for 1024 harts fits in far less). */
#define FDT_MAX_BUF	(16 << 20)

#define TRY(x) do {				\
	int err_ = (x);				\
	if (err_ < 0)				\
		return err_;			\
} while (0)

/*
 * Phandles as QEMU numbers them: it creates the cpus from the last to the
 * first, each cpu before its interrupt controller, then the PLIC, then the
 * test device.
 */
static uint32_t
ph_cpu(const struct fdt_config *cfg, int n)
{
	return (uint32_t)(2 * (cfg->ncpus - 1 - n) + 1);
}

static uint32_t
ph_intc(const struct fdt_config *cfg, int n)
{
	return ph_cpu(cfg, n) + 1;
}

static uint32_t
ph_plic(const struct fdt_config *cfg)
{
	return (uint32_t)(2 * cfg->ncpus + 1);
}

static uint32_t
ph_test(const struct fdt_config *cfg)
{
	return (uint32_t)(2 * cfg->ncpus + 2);
}

/* reg = <base size> with #address-cells = #size-cells = 2. */
static int
prop_reg(void *fdt, uint64_t base, uint64_t size)
{
	fdt64_t reg[2] = { cpu_to_fdt64(base), cpu_to_fdt64(size) };

	return fdt_property(fdt, "reg", reg, sizeof(reg));
}

/* interrupts-extended = <intc0 a intc0 b intc1 a intc1 b ...>. */
static int
prop_irqs_ext(void *fdt, const struct fdt_config *cfg, uint32_t a, uint32_t b)
{
	fdt32_t *cells;
	int n = cfg->ncpus;

	TRY(fdt_property_placeholder(fdt, "interrupts-extended",
	    n * 4 * (int)sizeof(fdt32_t), (void **)&cells));
	for (int i = 0; i < n; i++) {
		cells[4 * i + 0] = cpu_to_fdt32(ph_intc(cfg, i));
		cells[4 * i + 1] = cpu_to_fdt32(a);
		cells[4 * i + 2] = cpu_to_fdt32(ph_intc(cfg, i));
		cells[4 * i + 3] = cpu_to_fdt32(b);
	}
	return 0;
}

static int
begin_node_at(void *fdt, const char *name, uint64_t addr)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%s@%llx", name, (unsigned long long)addr);
	return fdt_begin_node(fdt, buf);
}

static int
build_chosen(void *fdt, const struct fdt_config *cfg)
{
	uint8_t seed[32];

	TRY(fdt_begin_node(fdt, "chosen"));
	TRY(fdt_property_string(fdt, "stdout-path", "/soc/serial@10000000"));
	if (cfg->bootargs != NULL && cfg->bootargs[0] != '\0')
		TRY(fdt_property_string(fdt, "bootargs", cfg->bootargs));
	if (cfg->initrd_start != 0 || cfg->initrd_end != 0) {
		TRY(fdt_property_u64(fdt, "linux,initrd-start", cfg->initrd_start));
		TRY(fdt_property_u64(fdt, "linux,initrd-end", cfg->initrd_end));
	}
	/* Early entropy for the guest's RNG, as QEMU gives; optional. */
	if (getrandom(seed, sizeof(seed), GRND_NONBLOCK) == (ssize_t)sizeof(seed))
		TRY(fdt_property(fdt, "rng-seed", seed, sizeof(seed)));
	return fdt_end_node(fdt);
}

/* syscon-poweroff / syscon-reboot on the sifive_test device. */
static int
build_syscon(void *fdt, const struct fdt_config *cfg, const char *name,
    const char *compat, uint32_t value)
{
	TRY(fdt_begin_node(fdt, name));
	TRY(fdt_property_u32(fdt, "value", value));
	TRY(fdt_property_u32(fdt, "offset", 0));
	TRY(fdt_property_u32(fdt, "regmap", ph_test(cfg)));
	TRY(fdt_property_string(fdt, "compatible", compat));
	return fdt_end_node(fdt);
}

static int
build_cpus(void *fdt, const struct fdt_config *cfg)
{
	char name[32];

	TRY(fdt_begin_node(fdt, "cpus"));
	TRY(fdt_property_u32(fdt, "#address-cells", 1));
	TRY(fdt_property_u32(fdt, "#size-cells", 0));
	TRY(fdt_property_u32(fdt, "timebase-frequency", VM_MTIME_HZ));
	for (int i = 0; i < cfg->ncpus; i++) {
		snprintf(name, sizeof(name), "cpu@%x", i);
		TRY(fdt_begin_node(fdt, name));
		TRY(fdt_property_u32(fdt, "phandle", ph_cpu(cfg, i)));
		TRY(fdt_property_string(fdt, "device_type", "cpu"));
		TRY(fdt_property_u32(fdt, "reg", (uint32_t)i));
		TRY(fdt_property_string(fdt, "status", "okay"));
		TRY(fdt_property_string(fdt, "compatible", "riscv"));
		TRY(fdt_property_string(fdt, "riscv,isa", CPU_ISA));
		TRY(fdt_property_string(fdt, "riscv,isa-base", CPU_ISA_BASE));
		TRY(fdt_property(fdt, "riscv,isa-extensions", cpu_isa_exts,
		    sizeof(cpu_isa_exts)));
		TRY(fdt_property_string(fdt, "mmu-type", CPU_MMU));

		TRY(fdt_begin_node(fdt, "interrupt-controller"));
		TRY(fdt_property_u32(fdt, "#interrupt-cells", 1));
		TRY(fdt_property(fdt, "interrupt-controller", NULL, 0));
		TRY(fdt_property_string(fdt, "compatible", "riscv,cpu-intc"));
		TRY(fdt_property_u32(fdt, "phandle", ph_intc(cfg, i)));
		TRY(fdt_end_node(fdt));

		TRY(fdt_end_node(fdt));
	}

	/* One cluster, one core per hart (QEMU's single-socket topology). */
	TRY(fdt_begin_node(fdt, "cpu-map"));
	TRY(fdt_begin_node(fdt, "cluster0"));
	for (int i = 0; i < cfg->ncpus; i++) {
		snprintf(name, sizeof(name), "core%d", i);
		TRY(fdt_begin_node(fdt, name));
		TRY(fdt_property_u32(fdt, "cpu", ph_cpu(cfg, i)));
		TRY(fdt_end_node(fdt));
	}
	TRY(fdt_end_node(fdt));
	TRY(fdt_end_node(fdt));

	return fdt_end_node(fdt);
}

/* A device on the PLIC: interrupts = <irq>, interrupt-parent = <plic>. */
static int
prop_plic_irq(void *fdt, const struct fdt_config *cfg, int irq)
{
	TRY(fdt_property_u32(fdt, "interrupts", (uint32_t)irq));
	return fdt_property_u32(fdt, "interrupt-parent", ph_plic(cfg));
}

static int
build_soc(void *fdt, const struct fdt_config *cfg)
{
	static const char test_compat[] = "sifive,test1\0sifive,test0\0syscon";
	static const char plic_compat[] = "sifive,plic-1.0.0\0riscv,plic0";
	static const char clint_compat[] = "sifive,clint0\0riscv,clint0";

	TRY(fdt_begin_node(fdt, "soc"));
	TRY(fdt_property_u32(fdt, "#address-cells", 2));
	TRY(fdt_property_u32(fdt, "#size-cells", 2));
	TRY(fdt_property_string(fdt, "compatible", "simple-bus"));
	TRY(fdt_property(fdt, "ranges", NULL, 0));

	TRY(begin_node_at(fdt, "rtc", VIRT_RTC_BASE));
	TRY(prop_plic_irq(fdt, cfg, VIRT_RTC_IRQ));
	TRY(prop_reg(fdt, VIRT_RTC_BASE, VIRT_RTC_SIZE));
	TRY(fdt_property_string(fdt, "compatible", "google,goldfish-rtc"));
	TRY(fdt_end_node(fdt));

	TRY(begin_node_at(fdt, "serial", VIRT_UART0_BASE));
	TRY(prop_plic_irq(fdt, cfg, VIRT_UART0_IRQ));
	TRY(fdt_property_u32(fdt, "clock-frequency", UART_CLOCK_HZ));
	TRY(prop_reg(fdt, VIRT_UART0_BASE, VIRT_UART0_SIZE));
	TRY(fdt_property_string(fdt, "compatible", "ns16550a"));
	TRY(fdt_end_node(fdt));

	TRY(begin_node_at(fdt, "test", VIRT_TEST_BASE));
	TRY(fdt_property_u32(fdt, "phandle", ph_test(cfg)));
	TRY(prop_reg(fdt, VIRT_TEST_BASE, VIRT_TEST_SIZE));
	TRY(fdt_property(fdt, "compatible", test_compat, sizeof(test_compat)));
	TRY(fdt_end_node(fdt));

	/*
	 * Every transport, populated or not, from the last slot to the
	 * first as QEMU lays them out (a guest probes them in this order).
	 */
	for (int s = VIRT_VIRTIO_COUNT - 1; s >= 0; s--) {
		uint64_t base = VIRT_VIRTIO_BASE + (uint64_t)s * VIRT_VIRTIO_SIZE;

		TRY(begin_node_at(fdt, "virtio_mmio", base));
		TRY(prop_plic_irq(fdt, cfg, VIRT_VIRTIO_IRQ + s));
		TRY(prop_reg(fdt, base, VIRT_VIRTIO_SIZE));
		TRY(fdt_property_string(fdt, "compatible", "virtio,mmio"));
		TRY(fdt_end_node(fdt));
	}

	/* Context 2h is hart h's M-mode external interrupt, 2h+1 its S-mode one. */
	TRY(begin_node_at(fdt, "plic", VIRT_PLIC_BASE));
	TRY(fdt_property_u32(fdt, "phandle", ph_plic(cfg)));
	/* Sources 1..NSOURCES-1 exist; source 0 means "none". */
	TRY(fdt_property_u32(fdt, "riscv,ndev", VM_PLIC_NSOURCES - 1));
	TRY(prop_reg(fdt, VIRT_PLIC_BASE, VIRT_PLIC_SIZE));
	TRY(prop_irqs_ext(fdt, cfg, IRQ_M_EXT, IRQ_S_EXT));
	TRY(fdt_property(fdt, "interrupt-controller", NULL, 0));
	TRY(fdt_property(fdt, "compatible", plic_compat, sizeof(plic_compat)));
	TRY(fdt_property_u32(fdt, "#address-cells", 0));
	TRY(fdt_property_u32(fdt, "#interrupt-cells", 1));
	TRY(fdt_end_node(fdt));

	/* The ACLINT's MSWI and MTIMER at the SiFive CLINT's offsets. */
	TRY(begin_node_at(fdt, "clint", VIRT_CLINT_BASE));
	TRY(prop_irqs_ext(fdt, cfg, IRQ_M_SOFT, IRQ_M_TIMER));
	TRY(prop_reg(fdt, VIRT_CLINT_BASE, VIRT_CLINT_SIZE));
	TRY(fdt_property(fdt, "compatible", clint_compat, sizeof(clint_compat)));
	TRY(fdt_end_node(fdt));

	return fdt_end_node(fdt);
}

static int
build(const struct fdt_config *cfg, void *buf, int bufsize)
{
	TRY(fdt_create(buf, bufsize));
	TRY(fdt_finish_reservemap(buf));
	TRY(fdt_begin_node(buf, ""));
	TRY(fdt_property_u32(buf, "#address-cells", 2));
	TRY(fdt_property_u32(buf, "#size-cells", 2));
	TRY(fdt_property_string(buf, "compatible", "riscv-virtio"));
	TRY(fdt_property_string(buf, "model", FDT_MODEL));

	TRY(build_chosen(buf, cfg));
	TRY(build_syscon(buf, cfg, "poweroff", "syscon-poweroff",
	    SIFIVE_TEST_PASS));
	TRY(build_syscon(buf, cfg, "reboot", "syscon-reboot",
	    SIFIVE_TEST_RESET));

	TRY(begin_node_at(buf, "memory", VIRT_DRAM_BASE));
	TRY(fdt_property_string(buf, "device_type", "memory"));
	TRY(prop_reg(buf, VIRT_DRAM_BASE, cfg->ram_size));
	TRY(fdt_end_node(buf));

	TRY(build_cpus(buf, cfg));
	TRY(build_soc(buf, cfg));

	TRY(fdt_end_node(buf));
	return fdt_finish(buf);
}

static int
check_config(const struct fdt_config *cfg)
{
	uint64_t ram_end;

	if (cfg->ncpus < 1 || cfg->ncpus > VM_MAXCPU) {
		fprintf(stderr, "rhyve: device tree: %d CPUs (1..%d)\n",
		    cfg->ncpus, VM_MAXCPU);
		return -1;
	}
	ram_end = VIRT_DRAM_BASE + cfg->ram_size;
	if (cfg->ram_size == 0 || ram_end < VIRT_DRAM_BASE) {
		fprintf(stderr, "rhyve: device tree: bad RAM size %#llx\n",
		    (unsigned long long)cfg->ram_size);
		return -1;
	}
	if ((cfg->initrd_start != 0 || cfg->initrd_end != 0) &&
	    (cfg->initrd_start >= cfg->initrd_end ||
	    cfg->initrd_start < VIRT_DRAM_BASE || cfg->initrd_end > ram_end)) {
		fprintf(stderr, "rhyve: device tree: initrd [%#llx, %#llx) "
		    "is not inside RAM\n",
		    (unsigned long long)cfg->initrd_start,
		    (unsigned long long)cfg->initrd_end);
		return -1;
	}
	if ((cfg->virtio_slots >> VIRT_VIRTIO_COUNT) != 0) {
		fprintf(stderr, "rhyve: device tree: virtio-mmio slot mask "
		    "%#x names slots past %d\n", cfg->virtio_slots,
		    VIRT_VIRTIO_COUNT - 1);
		return -1;
	}
	return 0;
}

int
fdt_build(const struct fdt_config *cfg, void **blobp, size_t *sizep)
{
	void *buf = NULL, *blob;
	int bufsize, err, total;

	if (check_config(cfg) != 0)
		return -1;
	/* A guess that fits; grow on FDT_ERR_NOSPACE. */
	bufsize = 8192 + cfg->ncpus * 1024;
	for (;;) {
		void *nbuf = realloc(buf, (size_t)bufsize);

		if (nbuf == NULL) {
			free(buf);
			fprintf(stderr, "rhyve: device tree: %s\n", strerror(ENOMEM));
			return -1;
		}
		buf = nbuf;
		err = build(cfg, buf, bufsize);
		if (err != -FDT_ERR_NOSPACE || bufsize >= FDT_MAX_BUF)
			break;
		bufsize *= 2;
	}
	if (err < 0) {
		free(buf);
		fprintf(stderr, "rhyve: device tree: %s\n", fdt_strerror(err));
		return -1;
	}

	/* Repack into a blob with room for firmware to grow the tree in place. */
	total = (int)fdt_totalsize(buf) + FDT_SLACK;
	blob = malloc((size_t)total);
	if (blob == NULL) {
		free(buf);
		fprintf(stderr, "rhyve: device tree: %s\n", strerror(ENOMEM));
		return -1;
	}
	err = fdt_open_into(buf, blob, total);
	free(buf);
	if (err < 0) {
		free(blob);
		fprintf(stderr, "rhyve: device tree: %s\n", fdt_strerror(err));
		return -1;
	}
	*blobp = blob;
	*sizep = (size_t)total;
	return 0;
}
