/*
 * options.c - unit tests of rhyve's command line (rhyve/options.c): the
 * QEMU virt subset, bhyve's -c/-G, every error path, RAM sizes and the
 * placement of virtio disks on virtio-mmio slots as QEMU virt does it.
 */
#include <criterion/criterion.h>

#include "vmm/vmm.h"
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "rhyve/options.h"

static struct rhyve_options opts;
static char errbuf[1024];
static int nwarn;

static void
count_warning(const char *msg)
{
	(void)msg;
	nwarn++;
}

/* Parse the NULL-terminated argument list; returns options_parse's value. */
static int
parse(const char *first, ...)
{
	const char *argv[64];
	int argc = 0;
	va_list ap;

	argv[argc++] = "rhyve";
	va_start(ap, first);
	for (const char *a = first; a != NULL; a = va_arg(ap, const char *))
		argv[argc++] = a;
	va_end(ap);
	argv[argc] = NULL;
	nwarn = 0;
	options_free(&opts);
	return options_parse(argc, (char *const *)argv, &opts, errbuf,
	    sizeof(errbuf), count_warning);
}

static void
teardown(void)
{
	options_free(&opts);
}

/* The error is one line and mentions 'what'. */
static void
expect_error(const char *what)
{
	cr_expect(strchr(errbuf, '\n') == NULL, "multi-line error: %s", errbuf);
	cr_expect(strstr(errbuf, what) != NULL, "error '%s' lacks '%s'",
	    errbuf, what);
}

TestSuite(options, .fini = teardown);

Test(options, defaults)
{
	cr_assert_eq(parse("-kernel", "k.elf", NULL), 0, "%s", errbuf);
	cr_expect_eq(opts.ncpus, 1);
	cr_expect_eq(opts.ram_size, UINT64_C(128) << 20);
	cr_expect_eq(opts.boot, BOOT_BUILTIN);
	cr_expect_str_eq(opts.kernel, "k.elf");
	cr_expect_null(opts.gdb_listen);
	cr_expect_eq(opts.ndisks, 0);
	cr_expect(opts.legacy_virtio, "QEMU's virtio-mmio default is legacy");
}

Test(options, engine)
{
	unsetenv("RHYVE_ENGINE");
	cr_assert_eq(parse("-kernel", "k.elf", NULL), 0, "%s", errbuf);
	cr_expect_eq(opts.engine, VM_ENGINE_DEFAULT);
	options_free(&opts);
	cr_assert_eq(parse("-engine", "interp", "-kernel", "k.elf", NULL), 0,
	    "%s", errbuf);
	cr_expect_eq(opts.engine, VM_ENGINE_INTERP);
	options_free(&opts);
#if defined(__x86_64__)
	cr_assert_eq(parse("--engine", "jit", "-kernel", "k.elf", NULL), 0,
	    "%s", errbuf);
	cr_expect_eq(opts.engine, VM_ENGINE_JIT);
	options_free(&opts);
#endif
	cr_expect_neq(parse("-engine", "tcg", "-kernel", "k.elf", NULL), 0);
	expect_error("-engine tcg: unknown engine");
	options_free(&opts);
	/* The environment sets it; the option wins; a bad value is an error. */
	setenv("RHYVE_ENGINE", "interp", 1);
	cr_assert_eq(parse("-kernel", "k.elf", NULL), 0, "%s", errbuf);
	cr_expect_eq(opts.engine, VM_ENGINE_INTERP);
	options_free(&opts);
#if defined(__x86_64__)
	cr_assert_eq(parse("-engine", "jit", "-kernel", "k.elf", NULL), 0,
	    "%s", errbuf);
	cr_expect_eq(opts.engine, VM_ENGINE_JIT);
	options_free(&opts);
#endif
	setenv("RHYVE_ENGINE", "fast", 1);
	cr_expect_neq(parse("-kernel", "k.elf", NULL), 0);
	expect_error("RHYVE_ENGINE fast: unknown engine");
	unsetenv("RHYVE_ENGINE");
}

Test(options, qemu_xv6_line)
{
	cr_assert_eq(parse("-machine", "virt", "-bios", "none", "-kernel",
	    "kernel/kernel", "-m", "128M", "-smp", "3", "-nographic",
	    "-global", "virtio-mmio.force-legacy=false", "-drive",
	    "file=fs.img,if=none,format=raw,id=x0", "-device",
	    "virtio-blk-device,drive=x0,bus=virtio-mmio-bus.0", NULL), 0,
	    "%s", errbuf);
	cr_expect_eq(opts.boot, BOOT_NONE);
	cr_expect_eq(opts.ncpus, 3);
	cr_expect_eq(opts.ndisks, 1);
	cr_expect_eq(opts.disks[0].slot, 0);
	cr_expect_str_eq(opts.disks[0].path, "fs.img");
	cr_expect_str_eq(opts.disks[0].id, "x0");
	cr_expect_not(opts.disks[0].legacy);
	cr_expect_not(opts.disks[0].readonly);
}

Test(options, smp_forms)
{
	cr_assert_eq(parse("-smp", "cpus=4,sockets=1,cores=4", "-kernel", "k",
	    NULL), 0, "%s", errbuf);
	cr_expect_eq(opts.ncpus, 4);
	cr_expect_eq(nwarn, 2, "topology keys warn");
	cr_assert_eq(parse("-smp", "8,maxcpus=8", "-kernel", "k", NULL), 0);
	cr_expect_eq(opts.ncpus, 8);
	cr_assert_eq(parse("-c", "2", "-kernel", "k", NULL), 0);
	cr_expect_eq(opts.ncpus, 2);
	cr_assert_eq(parse("-smp", "512", "-kernel", "k", NULL), 0);
	cr_expect_eq(opts.ncpus, 512);
}

Test(options, smp_errors)
{
	cr_expect_eq(parse("-smp", "0", "-kernel", "k", NULL), -1);
	expect_error("-smp 0");
	cr_expect_eq(parse("-smp", "513", "-kernel", "k", NULL), -1);
	expect_error("between 1 and 512");
	cr_expect_eq(parse("-smp", "two", "-kernel", "k", NULL), -1);
	expect_error("-smp two");
	cr_expect_eq(parse("-smp", "-1", "-kernel", "k", NULL), -1);
	cr_expect_eq(parse("-smp", "cpus=x", "-kernel", "k", NULL), -1);
	expect_error("cpus");
	cr_expect_eq(parse("-smp", "cpus=2,dies=1", "-kernel", "k", NULL), -1);
	expect_error("dies");
	cr_expect_eq(parse("-smp", "2,3", "-kernel", "k", NULL), -1);
	cr_expect_eq(parse("-smp", "99999999999999999999", "-kernel", "k",
	    NULL), -1);
	cr_expect_eq(parse("-c", "0", "-kernel", "k", NULL), -1);
	expect_error("-c 0");
}

Test(options, sizes)
{
	uint64_t v;

	cr_expect_eq(options_parse_size("128M", &v), 0);
	cr_expect_eq(v, UINT64_C(128) << 20);
	cr_expect_eq(options_parse_size("1G", &v), 0);
	cr_expect_eq(v, UINT64_C(1) << 30);
	cr_expect_eq(options_parse_size("1g", &v), 0);
	cr_expect_eq(v, UINT64_C(1) << 30);
	cr_expect_eq(options_parse_size("512", &v), 0, "plain is MiB");
	cr_expect_eq(v, UINT64_C(512) << 20);
	cr_expect_eq(options_parse_size("65536K", &v), 0);
	cr_expect_eq(v, UINT64_C(64) << 20);
	cr_expect_eq(options_parse_size("256MB", &v), 0);
	cr_expect_eq(v, UINT64_C(256) << 20);
	cr_expect_eq(options_parse_size("1T", &v), 0);
	cr_expect_eq(v, UINT64_C(1) << 40);
	cr_expect_eq(options_parse_size("", &v), -1);
	cr_expect_eq(options_parse_size("M", &v), -1);
	cr_expect_eq(options_parse_size("12X", &v), -1);
	cr_expect_eq(options_parse_size("12MM", &v), -1);
	cr_expect_eq(options_parse_size("-5M", &v), -1);
	cr_expect_eq(options_parse_size("99999999999999999999", &v), -1);
	cr_expect_eq(options_parse_size("99999999999T", &v), -1, "overflow");
}

Test(options, memory)
{
	cr_assert_eq(parse("-m", "1G", "-kernel", "k", NULL), 0);
	cr_expect_eq(opts.ram_size, UINT64_C(1) << 30);
	cr_assert_eq(parse("-m", "size=256M", "-kernel", "k", NULL), 0);
	cr_expect_eq(opts.ram_size, UINT64_C(256) << 20);
	cr_expect_eq(parse("-m", "0", "-kernel", "k", NULL), -1);
	expect_error("-m 0");
	cr_expect_eq(parse("-m", "1M", "-kernel", "k", NULL), -1);
	expect_error("between");
	cr_expect_eq(parse("-m", "2T", "-kernel", "k", NULL), -1);
	cr_expect_eq(parse("-m", "4097K", "-kernel", "k", NULL), -1);
	expect_error("multiple of 4K");
	cr_expect_eq(parse("-m", "lots", "-kernel", "k", NULL), -1);
	expect_error("invalid RAM size");
}

Test(options, machine)
{
	cr_expect_eq(parse("-M", "virt", "-kernel", "k", NULL), 0);
	cr_expect_eq(parse("--machine", "virt", "-kernel", "k", NULL), 0);
	cr_expect_eq(parse("-M", "virt,aia=none", "-kernel", "k", NULL), 0);
	cr_expect_eq(nwarn, 1);
	cr_expect_eq(parse("-M", "virt,dumpdtb=x.dtb", NULL), 0, "%s", errbuf);
	cr_expect_str_eq(opts.dumpdtb, "x.dtb");
	cr_expect_eq(parse("-M", "pc", "-kernel", "k", NULL), -1);
	expect_error("only virt");
	cr_expect_eq(parse("-M", "virt,aia=aplic-imsic", "-kernel", "k",
	    NULL), -1);
	expect_error("aia=aplic-imsic");
	cr_expect_eq(parse("-M", "sifive_u", "-kernel", "k", NULL), -1);
}

Test(options, bios)
{
	cr_assert_eq(parse("-bios", "default", "-kernel", "k", NULL), 0);
	if (access(RHYVE_DEFAULT_BIOS, R_OK) == 0) {
		cr_expect_eq(opts.boot, BOOT_FIRMWARE);
		cr_expect_str_eq(opts.bios, RHYVE_DEFAULT_BIOS);
	} else {
		cr_expect_eq(opts.boot, BOOT_BUILTIN, "fallback");
		cr_expect_eq(nwarn, 1);
	}
	cr_assert_eq(parse("-bios", "fw.bin", NULL), 0, "firmware alone");
	cr_expect_eq(opts.boot, BOOT_FIRMWARE);
	cr_expect_str_eq(opts.bios, "fw.bin");
	cr_assert_eq(parse("-bios", "fw.bin", "-bios", "builtin", "-kernel",
	    "k", NULL), 0);
	cr_expect_eq(opts.boot, BOOT_BUILTIN);
	cr_expect_null(opts.bios);
	cr_expect_eq(parse("-bios", "", NULL), -1);
	cr_expect_eq(parse("-bios", "none", NULL), -1, "nothing to boot");
	expect_error("nothing to boot");
	cr_expect_eq(parse(NULL), -1);
	expect_error("-kernel");
}

Test(options, kernel_options)
{
	cr_assert_eq(parse("-kernel", "Image", "-initrd", "rd", "-append",
	    "console=ttyS0", NULL), 0);
	cr_expect_str_eq(opts.initrd, "rd");
	cr_expect_str_eq(opts.append, "console=ttyS0");
	cr_expect_eq(parse("-bios", "fw", "-initrd", "rd", NULL), -1);
	expect_error("-initrd needs -kernel");
	cr_expect_eq(parse("-bios", "fw", "-append", "x", NULL), -1);
	expect_error("-append needs -kernel");
}

Test(options, accepted_qemu_flags)
{
	cr_expect_eq(parse("-kernel", "k", "-nographic", "-serial",
	    "mon:stdio", "-monitor", "none", "-display", "none",
	    "--no-sandbox", NULL), 0, "%s", errbuf);
	cr_expect(opts.no_sandbox);
	cr_expect_eq(parse("-kernel", "k", "-serial", "stdio", NULL), 0);
	cr_expect_eq(parse("-kernel", "k", "-serial", "pty", NULL), -1);
	expect_error("-serial pty");
	cr_expect_eq(parse("-kernel", "k", "-monitor", "stdio", NULL), -1);
	expect_error("-monitor");
}

Test(options, generic_errors)
{
	cr_expect_eq(parse("-kernel", "k", "-frobnicate", NULL), -1);
	expect_error("unknown option '-frobnicate'");
	cr_expect_eq(parse("-kernel", NULL), -1);
	expect_error("needs an argument");
	cr_expect_eq(parse("-kernel", "k", "stray", NULL), -1);
	expect_error("unexpected argument 'stray'");
	cr_expect_eq(parse("-kernel", "k", "-", NULL), -1);
	cr_expect_eq(parse("--help", NULL), 0);
	cr_expect(opts.help);
	cr_expect_eq(parse("-h", NULL), 0);
	cr_expect(opts.help);
	cr_expect_eq(parse("--version", NULL), 0);
	cr_expect(opts.version);
}

Test(options, debug_server)
{
	cr_assert_eq(parse("-kernel", "k", "-s", "-S", NULL), 0);
	cr_expect_str_eq(opts.gdb_listen, "127.0.0.1:1234");
	cr_expect(opts.gdb_wait);
	cr_assert_eq(parse("-kernel", "k", "-gdb", "tcp::4321", NULL), 0);
	cr_expect_str_eq(opts.gdb_listen, "127.0.0.1:4321");
	cr_expect_not(opts.gdb_wait);
	cr_assert_eq(parse("-kernel", "k", "-gdb", "tcp:0.0.0.0:99", NULL), 0);
	cr_expect_str_eq(opts.gdb_listen, "0.0.0.0:99");
	cr_assert_eq(parse("-kernel", "k", "-gdb",
	    "unix:/tmp/g.sock,server,nowait", NULL), 0);
	cr_expect_str_eq(opts.gdb_listen, "unix:/tmp/g.sock");
	cr_assert_eq(parse("-kernel", "k", "-G", "w1234", NULL), 0);
	cr_expect_str_eq(opts.gdb_listen, "127.0.0.1:1234");
	cr_expect(opts.gdb_wait);
	cr_assert_eq(parse("-kernel", "k", "-G", "::1:5000", NULL), 0);
	cr_expect_str_eq(opts.gdb_listen, "::1:5000");
	cr_assert_eq(parse("-kernel", "k", "-s", "-gdb", "none", NULL), 0);
	cr_expect_null(opts.gdb_listen);
	cr_assert_eq(parse("-bios", "none", "-s", "-S", NULL), 0,
	    "an empty machine for a debugger to load");

	cr_expect_eq(parse("-kernel", "k", "-gdb", "tcp::0", NULL), -1);
	expect_error("invalid port");
	cr_expect_eq(parse("-kernel", "k", "-gdb", "tcp::70000", NULL), -1);
	cr_expect_eq(parse("-kernel", "k", "-gdb", "tcp::x", NULL), -1);
	cr_expect_eq(parse("-kernel", "k", "-gdb", "udp::1", NULL), -1);
	expect_error("-gdb udp::1");
	cr_expect_eq(parse("-kernel", "k", "-gdb", "unix:", NULL), -1);
	cr_expect_eq(parse("-kernel", "k", "-G", "w", NULL), -1);
	cr_expect_eq(parse("-kernel", "k", "-S", NULL), -1);
	expect_error("-S needs a debug server");
}

Test(options, drive_errors)
{
	cr_expect_eq(parse("-kernel", "k", "-drive", "format=raw", NULL), -1);
	expect_error("file= is missing");
	cr_expect_eq(parse("-kernel", "k", "-drive", "file=a,format=qcow2",
	    NULL), -1);
	expect_error("only format=raw");
	cr_expect_eq(parse("-kernel", "k", "-drive", "file=a,if=scsi", NULL),
	    -1);
	expect_error("if=scsi");
	cr_expect_eq(parse("-kernel", "k", "-drive", "file=a,readonly=maybe",
	    NULL), -1);
	expect_error("readonly=maybe");
	cr_expect_eq(parse("-kernel", "k", "-drive", "file=a,cache=none",
	    NULL), -1);
	expect_error("cache");
	cr_expect_eq(parse("-kernel", "k", "-drive", "file=a,junk", NULL), -1);
	expect_error("not key=value");
	cr_expect_eq(parse("-kernel", "k", "-drive", "file=a,if=none,id=d",
	    "-drive", "file=b,if=none,id=d", NULL), -1);
	expect_error("duplicate id");
	cr_expect_eq(parse("-kernel", "k", "-drive", "file=", NULL), -1);
}

Test(options, device_errors)
{
	cr_expect_eq(parse("-kernel", "k", "-device", "e1000", NULL), -1);
	expect_error("unsupported device");
	cr_expect_eq(parse("-kernel", "k", "-device", "virtio-blk-device",
	    NULL), -1);
	expect_error("drive= is missing");
	cr_expect_eq(parse("-kernel", "k", "-device",
	    "virtio-blk-device,drive=nope", NULL), -1);
	expect_error("no -drive with id=nope");
	cr_expect_eq(parse("-kernel", "k", "-drive", "file=a,if=none,id=d",
	    "-device", "virtio-blk-device,drive=d,bus=virtio-mmio-bus.8",
	    NULL), -1);
	expect_error("virtio-mmio-bus.8");
	cr_expect_eq(parse("-kernel", "k", "-drive", "file=a,if=none,id=d",
	    "-device", "virtio-blk-device,drive=d,bus=pci.0", NULL), -1);
	cr_expect_eq(parse("-kernel", "k", "-drive", "file=a,if=none,id=d",
	    "-device", "virtio-blk-device,drive=d", "-device",
	    "virtio-blk-device,drive=d", NULL), -1);
	expect_error("already in use");
	cr_expect_eq(parse("-kernel", "k", "-drive", "file=a,id=d",
	    "-device", "virtio-blk-device,drive=d", NULL), -1,
	    "an if=virtio drive already has its device");
	cr_expect_eq(parse("-kernel", "k", "-drive", "file=a,if=none,id=d",
	    "-drive", "file=b,if=none,id=e", "-device",
	    "virtio-blk-device,drive=d,bus=virtio-mmio-bus.3", "-device",
	    "virtio-blk-device,drive=e,bus=virtio-mmio-bus.3", NULL), -1);
	expect_error("virtio-mmio-bus.3 is used twice");
	cr_expect_eq(parse("-kernel", "k", "-device",
	    "virtio-blk-device,drive=d,speed=9", NULL), -1);
	expect_error("speed");
}

Test(options, global)
{
	cr_assert_eq(parse("-kernel", "k", "-global",
	    "virtio-mmio.force-legacy=true", "-drive", "file=a", NULL), 0);
	cr_expect(opts.disks[0].legacy);
	cr_expect_eq(parse("-kernel", "k", "-global",
	    "virtio-mmio.force-legacy=perhaps", NULL), -1);
	cr_expect_eq(parse("-kernel", "k", "-global", "e1000.mac=1", NULL), -1);
	expect_error("-global e1000.mac=1");
}

/* Slot placement, QEMU virt's: bus-less devices from the top down. */
Test(options, slot_placement)
{
	cr_assert_eq(parse("-kernel", "k",
	    "-drive", "file=v1,if=virtio",
	    "-drive", "file=n1,if=none,id=a",
	    "-drive", "file=n2,if=none,id=b,readonly=on",
	    "-drive", "file=n3,if=none,id=c",
	    "-device", "virtio-blk-device,drive=a",
	    "-device", "virtio-blk-device,drive=b,bus=virtio-mmio-bus.7",
	    "-device", "virtio-blk-device,drive=c,bus=virtio-mmio-bus.0",
	    NULL), 0, "%s", errbuf);
	cr_assert_eq(opts.ndisks, 4);
	/* -device options first, in order; then the if=virtio drives. */
	cr_expect_str_eq(opts.disks[0].path, "n1");
	cr_expect_eq(opts.disks[0].slot, 6, "7 was claimed by bus=");
	cr_expect_str_eq(opts.disks[1].path, "n2");
	cr_expect_eq(opts.disks[1].slot, 7);
	cr_expect(opts.disks[1].readonly);
	cr_expect_str_eq(opts.disks[2].path, "n3");
	cr_expect_eq(opts.disks[2].slot, 0);
	cr_expect_str_eq(opts.disks[3].path, "v1");
	cr_expect_eq(opts.disks[3].slot, 5);
}

Test(options, slot_default_is_top)
{
	cr_assert_eq(parse("-kernel", "k", "-drive", "file=d.img,format=raw",
	    NULL), 0);
	cr_expect_eq(opts.disks[0].slot, 7);
	cr_assert_eq(parse("-kernel", "k", "-drive", "file=x,,y.img", NULL),
	    0, "',,' escapes a comma");
	cr_expect_str_eq(opts.disks[0].path, "x,y.img");
}

Test(options, too_many_disks)
{
	cr_expect_eq(parse("-kernel", "k", "-drive", "file=1", "-drive",
	    "file=2", "-drive", "file=3", "-drive", "file=4", "-drive",
	    "file=5", "-drive", "file=6", "-drive", "file=7", "-drive",
	    "file=8", NULL), 0, "eight fit");
	cr_expect_eq(opts.disks[7].slot, 0);
	cr_expect_eq(parse("-kernel", "k", "-drive", "file=1", "-drive",
	    "file=2", "-drive", "file=3", "-drive", "file=4", "-drive",
	    "file=5", "-drive", "file=6", "-drive", "file=7", "-drive",
	    "file=8", "-drive", "file=9", NULL), -1);
	expect_error("too many disks");
}

Test(options, unused_drive_warns)
{
	cr_expect_eq(parse("-kernel", "k", "-drive", "file=a,if=none,id=z",
	    NULL), 0);
	cr_expect_eq(opts.ndisks, 0);
	cr_expect_eq(nwarn, 1);
}

Test(options, misc)
{
	cr_assert_eq(parse("-kernel", "k", "-no-reboot", "-dumpdtb", "o.dtb",
	    NULL), 0);
	cr_expect(opts.no_reboot);
	cr_expect_str_eq(opts.dumpdtb, "o.dtb");
}

/* -device virtio-rng-device: placed among the disks as QEMU places it. */
Test(options, virtio_rng_device)
{
	cr_assert_eq(parse("-kernel", "k", "-device", "virtio-rng-device",
	    NULL), 0, "%s", errbuf);
	cr_expect(opts.rng);
	cr_expect_eq(opts.rng_slot, VIRT_VIRTIO_COUNT - 1);
	cr_expect_eq(opts.ndisks, 0);
	options_free(&opts);

	/* Command-line order: the disk's -device first, then the rng. */
	cr_assert_eq(parse("-kernel", "k", "-drive", "file=a,if=none,id=d",
	    "-device", "virtio-blk-device,drive=d", "-device",
	    "virtio-rng-device", "-drive", "file=b", NULL), 0, "%s", errbuf);
	cr_expect_eq(opts.ndisks, 2);
	cr_expect_eq(opts.disks[0].slot, 7);
	cr_expect_str_eq(opts.disks[0].path, "a");
	cr_expect_eq(opts.rng_slot, 6);
	cr_expect_eq(opts.disks[1].slot, 5);
	cr_expect_str_eq(opts.disks[1].path, "b");
	options_free(&opts);

	cr_assert_eq(parse("-kernel", "k", "-device",
	    "virtio-rng-device,bus=virtio-mmio-bus.2", "-drive", "file=a",
	    NULL), 0, "%s", errbuf);
	cr_expect_eq(opts.rng_slot, 2);
	cr_expect_eq(opts.disks[0].slot, 7);
	options_free(&opts);

	cr_expect_eq(parse("-kernel", "k", "-device", "virtio-rng-device",
	    "-device", "virtio-rng-device", NULL), -1);
	expect_error("only one virtio-rng-device");
	cr_expect_eq(parse("-kernel", "k", "-device",
	    "virtio-rng-device,drive=d", NULL), -1);
	expect_error("unsupported key 'drive'");
	cr_expect_eq(parse("-kernel", "k", "-device",
	    "virtio-rng-device,rng=rng0", NULL), -1);
	expect_error("unsupported key 'rng'");
	cr_expect_eq(parse("-kernel", "k", "-drive", "file=a,if=none,id=d",
	    "-device", "virtio-blk-device,drive=d,bus=virtio-mmio-bus.3",
	    "-device", "virtio-rng-device,bus=virtio-mmio-bus.3", NULL), -1);
	expect_error("virtio-mmio-bus.3 is used twice");
}

/* QEMU's user-networking spellings. */
Test(options, netdev_user_and_virtio_net_device)
{
	cr_assert_eq(parse("-kernel", "k", "-netdev",
	    "user,id=n0,hostfwd=tcp:127.0.0.1:2222-:22,hostfwd=udp::5353-"
	    "10.0.2.15:53", "-device", "virtio-net-device,netdev=n0,"
	    "mac=52:54:00:ab:cd:ef", NULL), 0, "%s", errbuf);
	cr_expect(opts.net);
	cr_expect_eq(opts.netcfg.slot, VIRT_VIRTIO_COUNT - 1);
	cr_expect_eq(opts.netcfg.net, 0x0a000200u);
	cr_expect_eq(opts.netcfg.mask, 0xffffff00u);
	cr_expect_eq(opts.netcfg.host, 0x0a000202u);
	cr_expect_eq(opts.netcfg.mac[3], 0xab);
	cr_expect_eq(opts.netcfg.mac[5], 0xef);
	cr_assert_eq(opts.netcfg.nfwd, 2);
	cr_expect_not(opts.netcfg.fwd[0].udp);
	cr_expect_eq(opts.netcfg.fwd[0].host_addr, 0x7f000001u);
	cr_expect_eq(opts.netcfg.fwd[0].host_port, 2222);
	cr_expect_eq(opts.netcfg.fwd[0].guest_addr, 0);
	cr_expect_eq(opts.netcfg.fwd[0].guest_port, 22);
	cr_expect(opts.netcfg.fwd[1].udp);
	cr_expect_eq(opts.netcfg.fwd[1].host_addr, 0x7f000001u,
	    "no address: loopback only");
	cr_expect_eq(opts.netcfg.fwd[1].guest_addr, 0x0a00020fu);
	options_free(&opts);

	/* -nic: both in one; QEMU's default MAC; an explicit address. */
	cr_assert_eq(parse("-kernel", "k", "-drive", "file=a", "-nic",
	    "user,model=virtio-net-device,hostfwd=tcp:0.0.0.0:8080-:80,"
	    "net=192.168.76.0/24,host=192.168.76.2", NULL), 0, "%s", errbuf);
	cr_expect(opts.net);
	cr_expect_eq(opts.netcfg.slot, 7, "-nic before the if=virtio drive");
	cr_expect_eq(opts.disks[0].slot, 6);
	cr_expect_eq(opts.netcfg.mac[0], 0x52);
	cr_expect_eq(opts.netcfg.mac[5], 0x56);
	cr_expect_eq(opts.netcfg.net, 0xc0a84c00u);
	cr_expect_eq(opts.netcfg.host, 0xc0a84c02u);
	cr_expect_eq(opts.netcfg.fwd[0].host_addr, 0);
	options_free(&opts);

	cr_assert_eq(parse("-kernel", "k", "-netdev", "user,id=n0,net=10.9.0.0/16",
	    "-device", "virtio-net-device,netdev=n0,bus=virtio-mmio-bus.1",
	    NULL), 0, "%s", errbuf);
	cr_expect_eq(opts.netcfg.slot, 1);
	cr_expect_eq(opts.netcfg.mask, 0xffff0000u);
	cr_expect_eq(opts.netcfg.host, 0x0a090002u);
}

Test(options, network_errors)
{
	static const char *const bad[][3] = {
		{ "-netdev", "tap,id=n0", "only user networking" },
		{ "-netdev", "bridge,id=n0,br=br0", "only user networking" },
		{ "-nic", "tap", "only user networking" },
		{ "-netdev", "user", "id= is missing" },
		{ "-netdev", "user,id=n0,restrict=on", "unsupported key 'restrict'" },
		{ "-netdev", "user,id=n0,hostfwd=tcp:2222-:22", "hostfwd=" },
		{ "-netdev", "user,id=n0,hostfwd=sctp::1-:2", "hostfwd=" },
		{ "-netdev", "user,id=n0,hostfwd=tcp::0-:22", "hostfwd=" },
		{ "-netdev", "user,id=n0,hostfwd=tcp::70000-:22", "hostfwd=" },
		{ "-netdev", "user,id=n0,hostfwd=tcp:1.2.3:22-:22", "hostfwd=" },
		{ "-netdev", "user,id=n0,hostfwd=tcp::22-10.0.3.1:22", "outside" },
		{ "-netdev", "user,id=n0,net=10.0.2.0/29", "net=" },
		{ "-netdev", "user,id=n0,net=10.0.2.0/255.0.255.0", "net=" },
		{ "-netdev", "user,id=n0,host=10.0.3.2", "host=" },
		{ "-netdev", "user,id=n0,host=10.0.2.3", "host=" },
		{ "-nic", "user,mac=01:00:00:00:00:01", "mac=" },
		{ "-nic", "user,mac=52:54:00:12:34", "mac=" },
		{ "-nic", "user,model=e1000", "model=" },
		{ "-nic", "user,id=x", "unsupported key 'id'" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_expect_eq(parse("-kernel", "k", bad[i][0], bad[i][1], NULL),
		    -1, "%s %s", bad[i][0], bad[i][1]);
		expect_error(bad[i][2]);
		cr_expect_null(strchr(errbuf, '\n'));
	}
	cr_expect_eq(parse("-kernel", "k", "-device",
	    "virtio-net-device,netdev=nope", NULL), -1);
	expect_error("no -netdev with id=nope");
	cr_expect_eq(parse("-kernel", "k", "-device", "virtio-net-device",
	    NULL), -1);
	expect_error("netdev= is missing");
	cr_expect_eq(parse("-kernel", "k", "-netdev", "user,id=a", "-device",
	    "virtio-net-device,netdev=a", "-device",
	    "virtio-net-device,netdev=a", NULL), -1);
	expect_error("only one network device");
	cr_expect_eq(parse("-kernel", "k", "-nic", "user", "-nic", "user",
	    NULL), -1);
	expect_error("only one network device");
	cr_expect_eq(parse("-kernel", "k", "-netdev", "user,id=a", "-netdev",
	    "user,id=a", NULL), -1);
	expect_error("duplicate id");
	cr_expect_eq(parse("-kernel", "k", "-device",
	    "virtio-net-device,netdev=a,mac=zz", "-netdev", "user,id=a",
	    NULL), -1);
	expect_error("mac=zz");
	cr_expect_eq(parse("-kernel", "k", "-device",
	    "virtio-net-device,netdev=a,drive=d", NULL), -1);
	expect_error("unsupported key 'drive'");
}

/* --record[=SIZE][,quantum=N][,interval=N], --record-file, --replay. */
Test(options, record)
{
	cr_assert_eq(parse("-kernel", "k", NULL), 0, "%s", errbuf);
	cr_expect_not(opts.record);
	cr_assert_eq(parse("--record", "-kernel", "k", NULL), 0, "%s", errbuf);
	cr_expect(opts.record);
	cr_expect_eq(opts.record_size, UINT64_C(512) << 20);
	cr_expect_eq(opts.record_quantum, 100000);
	cr_expect_eq(opts.record_interval, 20000000);
	cr_assert_eq(parse("--record=2G,quantum=5000,interval=1000000",
	    "-kernel", "k", NULL), 0, "%s", errbuf);
	cr_expect_eq(opts.record_size, UINT64_C(2) << 30);
	cr_expect_eq(opts.record_quantum, 5000);
	cr_expect_eq(opts.record_interval, 1000000);
	cr_assert_eq(parse("--record-file=r.rec", "-kernel", "k", NULL), 0);
	cr_expect(opts.record);
	cr_expect_str_eq(opts.record_file, "r.rec");
	cr_assert_eq(parse("--replay=r.rec", "-kernel", "k", NULL), 0);
	cr_expect(opts.record);
	cr_expect_str_eq(opts.replay_file, "r.rec");

	cr_expect_eq(parse("--record=abc", "-kernel", "k", NULL), -1);
	cr_expect_eq(parse("--record=1G,quantum=0", "-kernel", "k", NULL), -1);
	cr_expect_eq(parse("--record=", "-kernel", "k", NULL), -1);
	cr_expect_eq(parse("--replay=", "-kernel", "k", NULL), -1);
	/* virtio-rng, disks and networking are recorded */
	cr_expect_eq(parse("--record", "-kernel", "k", "-device",
	    "virtio-rng-device", NULL), 0, "%s", errbuf);
	cr_expect_eq(parse("--record", "-kernel", "k", "-drive",
	    "file=d.img,format=raw,if=virtio,readonly=on", NULL), 0, "%s",
	    errbuf);
	cr_expect_eq(parse("--record", "-kernel", "k", "-drive",
	    "file=d.img,format=raw,if=virtio", NULL), 0, "%s", errbuf);
	cr_expect_eq(parse("--record", "-kernel", "k", "-nic", "user", NULL),
	    0, "%s", errbuf);
}
