/*
 * options.c - rhyve's command line: the qemu-system-riscv64 options that
 * describe a "virt" machine (QEMU's qemu-options.hx is the reference for
 * their syntax) and bhyve's -c and -G (bhyve(8)).  Everything lands in a
 * struct rhyve_options; nothing global is touched, so the unit tests can
 * drive every path.  Errors are one line for the caller to print.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmm/vmm.h"

#include "gdb/gdb.h"
#include "options.h"
#include "options_net.h"

#define MAX_DRIVES	16		/* -drive options kept before placement */

/* What one -drive or -device said, before disks are placed on slots. */
struct drive_opt {
	char	*file;
	char	*id;
	bool	 readonly;
	bool	 virtio;		/* if=virtio: a device of its own */
	bool	 used;			/* claimed by a -device */
};

struct device_opt {
	char	*drive;
	int	 slot;			/* -1: first free from the top */
	bool	 rng;			/* virtio-rng-device (no drive) */
	bool	 net;			/* virtio-net-device: drive is netdev= */
	int	 nic;			/* -nic: its netdevs[] index, else -1 */
	uint8_t	 mac[6];
	bool	 has_mac;
};

#define MAX_NETDEVS	4

struct parse_state {
	struct rhyve_options *o;
	char		*err;
	size_t		 errlen;
	void		(*warn)(const char *);
	struct drive_opt drives[MAX_DRIVES];
	int		 ndrives;
	struct device_opt devices[MAX_DRIVES];
	int		 ndevices;
	struct netdev_opt netdevs[MAX_NETDEVS];
	int		 nnetdevs;
	bool		 bios_given;
};

/*
 * Messages quote what the user typed; a control character there (a
 * newline in an argument) must not break the one-line promise of
 * options.h, nor put escape sequences on the user's terminal.
 */
static void
one_line(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

static int
fail(struct parse_state *ps, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ps->err, ps->errlen, fmt, ap);
	va_end(ap);
	if (ps->errlen > 0)
		one_line(ps->err);
	return -1;
}

static void
warnf(struct parse_state *ps, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	if (ps->warn == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	one_line(buf);
	ps->warn(buf);
}

static int
set_str(struct parse_state *ps, char **dst, const char *val)
{
	char *s = strdup(val);

	if (s == NULL)
		return fail(ps, "out of memory");
	free(*dst);
	*dst = s;
	return 0;
}

/* Decimal integer in [min, max], the whole string. */
static int
parse_int(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (*s == '\0' || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int
parse_bool(const char *s, bool *out)
{
	if (strcmp(s, "on") == 0 || strcmp(s, "true") == 0 ||
	    strcmp(s, "yes") == 0) {
		*out = true;
		return 0;
	}
	if (strcmp(s, "off") == 0 || strcmp(s, "false") == 0 ||
	    strcmp(s, "no") == 0) {
		*out = false;
		return 0;
	}
	return -1;
}

int
options_parse_size(const char *s, uint64_t *bytes)
{
	uint64_t v, shift = 20;		/* QEMU: a bare number is MiB */
	char *end;

	if (*s == '\0' || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		return -1;
	switch (toupper((unsigned char)*end)) {
	case '\0':
		break;
	case 'B':
		shift = 0;
		end++;
		break;
	case 'K':
		shift = 10;
		end++;
		break;
	case 'M':
		shift = 20;
		end++;
		break;
	case 'G':
		shift = 30;
		end++;
		break;
	case 'T':
		shift = 40;
		end++;
		break;
	default:
		return -1;
	}
	if (shift != 0 && toupper((unsigned char)*end) == 'B')
		end++;			/* "128MB", as people type it */
	if (*end != '\0' || v > (UINT64_MAX >> shift))
		return -1;
	*bytes = v << shift;
	return 0;
}

/*
 * Split a QEMU option string "a=b,c,d=e" into items, ",," standing for a
 * literal comma (how QEMU escapes commas in file names).  Returns the
 * count, or -1 if there are more than max items or memory ran out.
 */
static int
split_items(const char *s, char **items, int max)
{
	int n = 0;

	for (;;) {
		size_t len = strlen(s);
		char *item = malloc(len + 1), *d = item;

		if (item == NULL || n == max) {
			free(item);
			goto fail;
		}
		while (*s != '\0') {
			if (*s == ',') {
				if (s[1] != ',')
					break;
				s++;
			}
			*d++ = *s++;
		}
		*d = '\0';
		items[n++] = item;
		if (*s == '\0')
			return n;
		s++;			/* the separating comma */
	}
fail:
	while (n > 0)
		free(items[--n]);
	return -1;
}

static void
free_items(char **items, int n)
{
	for (int i = 0; i < n; i++)
		free(items[i]);
}

#define MAX_ITEMS	16

/* -m [size=]SIZE */
static int
opt_memory(struct parse_state *ps, const char *arg)
{
	const char *s = arg;
	uint64_t size;

	if (strncmp(s, "size=", 5) == 0)
		s += 5;
	if (options_parse_size(s, &size) != 0)
		return fail(ps, "-m %s: invalid RAM size (e.g. 512M, 2G)", arg);
	if (size < RHYVE_MIN_RAM || size > RHYVE_MAX_RAM)
		return fail(ps, "-m %s: RAM size must be between 2M and 1T", arg);
	if ((size & 0xfff) != 0)
		return fail(ps, "-m %s: RAM size must be a multiple of 4K", arg);
	ps->o->ram_size = size;
	return 0;
}

/* -smp N / -smp cpus=N[,sockets=..,cores=..,threads=..,maxcpus=..]; -c too. */
static int
opt_smp(struct parse_state *ps, const char *opt, const char *arg)
{
	char *items[MAX_ITEMS];
	int n, error = 0;
	long cpus = -1, v = -1;

	n = split_items(arg, items, MAX_ITEMS);
	if (n < 0)
		return fail(ps, "%s %s: malformed", opt, arg);
	for (int i = 0; i < n && error == 0; i++) {
		char *eq = strchr(items[i], '=');

		if (eq == NULL && i == 0) {
			if (parse_int(items[i], 0, 1L << 30, &v) != 0)
				error = fail(ps, "%s %s: not a vCPU count", opt, arg);
			cpus = v;
			continue;
		}
		if (eq == NULL) {
			error = fail(ps, "%s %s: malformed", opt, arg);
			break;
		}
		*eq = '\0';
		if (parse_int(eq + 1, 0, 1L << 30, &v) != 0) {
			error = fail(ps, "%s %s: %s: not a number", opt, arg,
			    items[i]);
		} else if (strcmp(items[i], "cpus") == 0) {
			cpus = v;
		} else if (strcmp(items[i], "sockets") == 0 ||
		    strcmp(items[i], "cores") == 0 ||
		    strcmp(items[i], "threads") == 0 ||
		    strcmp(items[i], "maxcpus") == 0) {
			/* Topology is invisible to RISC-V guests here. */
			warnf(ps, "%s: %s= ignored", opt, items[i]);
		} else {
			error = fail(ps, "%s %s: unknown key '%s'", opt, arg,
			    items[i]);
		}
	}
	free_items(items, n);
	if (error != 0)
		return error;
	if (cpus < 1 || cpus > RHYVE_MAX_CPUS)
		return fail(ps, "%s %s: the vCPU count must be between 1 and %d",
		    opt, arg, RHYVE_MAX_CPUS);
	ps->o->ncpus = (int)cpus;
	return 0;
}

/* -M / -machine virt[,key=val...] */
static int
opt_machine(struct parse_state *ps, const char *opt, const char *arg)
{
	/* Keys whose QEMU meaning matches what rhyve does anyway. */
	static const char *const harmless[] = {
		"acpi=off", "aia=none", "aclint=off", "iommu-sys=off",
		"usb=off", "graphics=off", "dump-guest-core=off",
	};
	char *items[MAX_ITEMS];
	int n, error = 0;

	n = split_items(arg, items, MAX_ITEMS);
	if (n < 0)
		return fail(ps, "%s %s: malformed", opt, arg);
	if (strcmp(items[0], "virt") != 0 && strcmp(items[0], "type=virt") != 0)
		error = fail(ps, "%s %s: unsupported machine (only virt)", opt,
		    arg);
	for (int i = 1; i < n && error == 0; i++) {
		bool ok = false;

		if (strncmp(items[i], "dumpdtb=", 8) == 0 && items[i][8] != '\0') {
			error = set_str(ps, &ps->o->dumpdtb, items[i] + 8);
			continue;
		}
		for (size_t k = 0; k < sizeof(harmless) / sizeof(harmless[0]); k++)
			if (strcmp(items[i], harmless[k]) == 0)
				ok = true;
		if (ok)
			warnf(ps, "%s: %s ignored", opt, items[i]);
		else
			error = fail(ps, "%s %s: unsupported property '%s'", opt,
			    arg, items[i]);
	}
	free_items(items, n);
	return error;
}

/* -drive file=F,format=raw,if=none|virtio,id=ID,readonly=on|off */
static int
opt_drive(struct parse_state *ps, const char *arg)
{
	struct drive_opt d = { .virtio = true };	/* virt's default if= */
	char *items[MAX_ITEMS];
	int n, error = 0;

	if (ps->ndrives == MAX_DRIVES)
		return fail(ps, "-drive %s: too many drives", arg);
	n = split_items(arg, items, MAX_ITEMS);
	if (n < 0)
		return fail(ps, "-drive %s: malformed", arg);
	for (int i = 0; i < n && error == 0; i++) {
		char *key = items[i], *val = strchr(key, '=');

		if (val == NULL) {
			error = fail(ps, "-drive %s: '%s' is not key=value",
			    arg, key);
			break;
		}
		*val++ = '\0';
		if (strcmp(key, "file") == 0 && *val != '\0') {
			error = set_str(ps, &d.file, val);
		} else if (strcmp(key, "id") == 0 && *val != '\0') {
			error = set_str(ps, &d.id, val);
		} else if (strcmp(key, "format") == 0) {
			if (strcmp(val, "raw") != 0)
				error = fail(ps, "-drive %s: format=%s: only "
				    "format=raw is supported", arg, val);
		} else if (strcmp(key, "if") == 0) {
			if (strcmp(val, "none") == 0)
				d.virtio = false;
			else if (strcmp(val, "virtio") == 0)
				d.virtio = true;
			else
				error = fail(ps, "-drive %s: if=%s: only "
				    "if=none and if=virtio are supported", arg,
				    val);
		} else if (strcmp(key, "readonly") == 0 ||
		    strcmp(key, "read-only") == 0) {
			if (parse_bool(val, &d.readonly) != 0)
				error = fail(ps, "-drive %s: %s=%s: expected "
				    "on or off", arg, key, val);
		} else {
			error = fail(ps, "-drive %s: unsupported key '%s'",
			    arg, key);
		}
	}
	free_items(items, n);
	if (error == 0 && d.file == NULL)
		error = fail(ps, "-drive %s: file= is missing", arg);
	for (int i = 0; error == 0 && d.id != NULL && i < ps->ndrives; i++)
		if (ps->drives[i].id != NULL &&
		    strcmp(ps->drives[i].id, d.id) == 0)
			error = fail(ps, "-drive %s: duplicate id '%s'", arg,
			    d.id);
	if (error != 0) {
		free(d.file);
		free(d.id);
		return error;
	}
	ps->drives[ps->ndrives++] = d;
	return 0;
}

/*
 * -device virtio-blk-device,drive=ID[,bus=virtio-mmio-bus.N]
 * -device virtio-rng-device[,bus=virtio-mmio-bus.N]
 * -device virtio-net-device,netdev=ID[,mac=MAC][,bus=virtio-mmio-bus.N]
 */
static int
opt_device(struct parse_state *ps, const char *arg)
{
	static const char busprefix[] = "virtio-mmio-bus.";
	struct device_opt dev = { .slot = -1, .nic = -1 };
	char *items[MAX_ITEMS];
	int n, error = 0;
	long slot;

	if (ps->ndevices == MAX_DRIVES)
		return fail(ps, "-device %s: too many devices", arg);
	n = split_items(arg, items, MAX_ITEMS);
	if (n < 0)
		return fail(ps, "-device %s: malformed", arg);
	dev.rng = strcmp(items[0], "virtio-rng-device") == 0;
	dev.net = strcmp(items[0], "virtio-net-device") == 0;
	if (strcmp(items[0], "virtio-blk-device") != 0 && !dev.rng && !dev.net)
		error = fail(ps, "-device %s: unsupported device (only "
		    "virtio-blk-device, virtio-rng-device, virtio-net-device)",
		    arg);
	for (int i = 0; i < ps->ndevices && error == 0 && dev.net; i++)
		if (ps->devices[i].net)
			error = fail(ps, "-device %s: only one network device",
			    arg);
	for (int i = 0; i < ps->ndevices && error == 0 && dev.rng; i++)
		if (ps->devices[i].rng)
			error = fail(ps, "-device %s: only one "
			    "virtio-rng-device", arg);
	for (int i = 1; i < n && error == 0; i++) {
		char *key = items[i], *val = strchr(key, '=');

		if (val == NULL) {
			error = fail(ps, "-device %s: '%s' is not key=value",
			    arg, key);
			break;
		}
		*val++ = '\0';
		if (strcmp(key, "drive") == 0 && *val != '\0' && !dev.rng &&
		    !dev.net) {
			error = set_str(ps, &dev.drive, val);
		} else if (strcmp(key, "netdev") == 0 && *val != '\0' &&
		    dev.net) {
			error = set_str(ps, &dev.drive, val);
		} else if (strcmp(key, "mac") == 0 && dev.net) {
			if (net_parse_mac(val, dev.mac) != 0)
				error = fail(ps, "-device %s: mac=%s: expected "
				    "a unicast xx:xx:xx:xx:xx:xx", arg, val);
			dev.has_mac = true;
		} else if (strcmp(key, "bus") == 0) {
			if (strncmp(val, busprefix, sizeof(busprefix) - 1) != 0 ||
			    parse_int(val + sizeof(busprefix) - 1, 0,
			    VIRT_VIRTIO_COUNT - 1, &slot) != 0)
				error = fail(ps, "-device %s: bus=%s: expected "
				    "virtio-mmio-bus.0 to virtio-mmio-bus.%d",
				    arg, val, VIRT_VIRTIO_COUNT - 1);
			else
				dev.slot = (int)slot;
		} else {
			error = fail(ps, "-device %s: unsupported key '%s'",
			    arg, key);
		}
	}
	free_items(items, n);
	if (error == 0 && dev.drive == NULL && !dev.rng)
		error = fail(ps, "-device %s: %s= is missing", arg,
		    dev.net ? "netdev" : "drive");
	if (error != 0) {
		free(dev.drive);
		return error;
	}
	ps->devices[ps->ndevices++] = dev;
	return 0;
}

/*
 * -netdev user,id=ID[,hostfwd=...][,net=...][,host=...] and
 * -nic user[,hostfwd=...][,mac=...]: the latter is a netdev and its
 * virtio-net-device in one (options_net.c parses both).
 */
static int
opt_netdev(struct parse_state *ps, const char *opt, const char *arg,
    bool nic)
{
	struct netdev_opt n;
	char msg[256];

	if (ps->nnetdevs == MAX_NETDEVS)
		return fail(ps, "%s %s: too many network backends", opt, arg);
	if (netdev_parse(opt, arg, nic, &n, msg, sizeof(msg)) != 0)
		return fail(ps, "%s", msg);
	for (int i = 0; n.id != NULL && i < ps->nnetdevs; i++)
		if (ps->netdevs[i].id != NULL &&
		    strcmp(ps->netdevs[i].id, n.id) == 0) {
			netdev_free(&n);
			return fail(ps, "%s %s: duplicate id", opt, arg);
		}
	if (nic) {
		struct device_opt dev = { .slot = -1, .net = true,
		    .nic = ps->nnetdevs };

		for (int i = 0; i < ps->ndevices; i++)
			if (ps->devices[i].net) {
				netdev_free(&n);
				return fail(ps, "%s %s: only one network "
				    "device", opt, arg);
			}
		if (ps->ndevices == MAX_DRIVES) {
			netdev_free(&n);
			return fail(ps, "%s %s: too many devices", opt, arg);
		}
		memcpy(dev.mac, n.cfg.mac, 6);
		dev.has_mac = true;
		n.used = true;
		ps->devices[ps->ndevices++] = dev;
	}
	ps->netdevs[ps->nnetdevs++] = n;
	return 0;
}

/* -global virtio-mmio.force-legacy=BOOL */
static int
opt_global(struct parse_state *ps, const char *arg)
{
	static const char key[] = "virtio-mmio.force-legacy=";

	if (strncmp(arg, key, sizeof(key) - 1) != 0)
		return fail(ps, "-global %s: unsupported (only "
		    "virtio-mmio.force-legacy)", arg);
	if (parse_bool(arg + sizeof(key) - 1, &ps->o->legacy_virtio) != 0)
		return fail(ps, "-global %s: expected true or false", arg);
	return 0;
}

static int
set_listen(struct parse_state *ps, const char *opt, const char *arg,
    const char *host, const char *port)
{
	long p;
	char buf[512];

	if (parse_int(port, 1, 65535, &p) != 0)
		return fail(ps, "%s %s: invalid port '%s'", opt, arg, port);
	if (*host == '\0')
		host = "127.0.0.1";	/* loopback unless asked otherwise */
	if ((size_t)snprintf(buf, sizeof(buf), "%s:%ld", host, p) >= sizeof(buf))
		return fail(ps, "%s: address too long", opt);
	return set_str(ps, &ps->o->gdb_listen, buf);
}

/* "HOST:PORT" or "PORT" (the last colon separates, so [::1]:1234 works). */
static int
set_hostport(struct parse_state *ps, const char *opt, const char *arg,
    const char *hp)
{
	const char *colon = strrchr(hp, ':');
	char host[256];
	size_t len;

	if (colon == NULL)
		return set_listen(ps, opt, arg, "", hp);
	len = (size_t)(colon - hp);
	if (len >= sizeof(host))
		return fail(ps, "%s %s: host name too long", opt, arg);
	memcpy(host, hp, len);
	host[len] = '\0';
	return set_listen(ps, opt, arg, host, colon + 1);
}

/* -gdb tcp::PORT | tcp:HOST:PORT | unix:PATH[,server=on,wait=off...] | none */
static int
opt_gdb(struct parse_state *ps, const char *arg)
{
	char *items[MAX_ITEMS];
	int n, error = 0;

	n = split_items(arg, items, MAX_ITEMS);
	if (n < 0)
		return fail(ps, "-gdb %s: malformed", arg);
	/* Chardev flags such as server,nowait describe what we do anyway. */
	if (strcmp(items[0], "none") == 0) {
		free(ps->o->gdb_listen);
		ps->o->gdb_listen = NULL;
	} else if (strncmp(items[0], "tcp:", 4) == 0) {
		error = set_hostport(ps, "-gdb", arg, items[0] + 4);
	} else if (strncmp(items[0], "unix:", 5) == 0 && items[0][5] != '\0') {
		error = set_str(ps, &ps->o->gdb_listen, items[0]);
	} else {
		error = fail(ps, "-gdb %s: expected tcp::PORT, tcp:HOST:PORT "
		    "or unix:PATH", arg);
	}
	free_items(items, n);
	return error;
}

/*
 * -qmp unix:PATH,server=on,wait=off: QEMU's spelling of the only kind of
 * QMP socket rhyve offers (server=on / wait=off also as "server" and
 * "nowait").  rhyve never waits for a QMP client, so wait=on is refused,
 * as are TCP and client sockets: the socket is the access control.
 */
static int
opt_qmp(struct parse_state *ps, const char *arg)
{
	char *items[MAX_ITEMS];
	bool server = false, nowait = false, ok = true;
	int n, error;

	n = split_items(arg, items, MAX_ITEMS);
	if (n < 0)
		return fail(ps, "-qmp %s: malformed", arg);
	if (strncmp(items[0], "unix:", 5) != 0 || items[0][5] == '\0')
		ok = false;
	for (int k = 1; k < n && ok; k++) {
		if (strcmp(items[k], "server=on") == 0 ||
		    strcmp(items[k], "server") == 0)
			server = true;
		else if (strcmp(items[k], "wait=off") == 0 ||
		    strcmp(items[k], "nowait") == 0)
			nowait = true;
		else
			ok = false;
	}
	if (ok && server && nowait)
		error = set_str(ps, &ps->o->qmp_path, items[0] + 5);
	else
		error = fail(ps, "-qmp %s: expected unix:PATH,server=on,"
		    "wait=off", arg);
	free_items(items, n);
	return error;
}

/* -name NAME (QEMU's guest=NAME,... is not taken: just the name). */
static int
opt_name(struct parse_state *ps, const char *arg)
{
	size_t n = strlen(arg);
	bool ok = n > 0 && n <= 64 && arg[0] != '.';

	for (size_t k = 0; k < n && ok; k++)
		ok = (arg[k] >= 'a' && arg[k] <= 'z') ||
		    (arg[k] >= 'A' && arg[k] <= 'Z') ||
		    (arg[k] >= '0' && arg[k] <= '9') ||
		    arg[k] == '_' || arg[k] == '-' || arg[k] == '.';
	if (!ok)
		return fail(ps, "-name %s: expected 1 to 64 of A-Z a-z 0-9 _ "
		    "- . (not starting with .)", arg);
	return set_str(ps, &ps->o->name, arg);
}

/* bhyve: -G [w][addr:]port */
static int
opt_bhyve_gdb(struct parse_state *ps, const char *arg)
{
	const char *s = arg;

	if (*s == 'w') {
		ps->o->gdb_wait = true;
		s++;
	}
	return set_hostport(ps, "-G", arg, s);
}

static int
opt_bios(struct parse_state *ps, const char *arg)
{
	ps->bios_given = true;
	free(ps->o->bios);
	ps->o->bios = NULL;
	if (*arg == '\0')
		return fail(ps, "-bios: empty file name");
	if (strcmp(arg, "none") == 0) {
		ps->o->boot = BOOT_NONE;
		return 0;
	}
	if (strcmp(arg, "builtin") == 0) {
		ps->o->boot = BOOT_BUILTIN;
		return 0;
	}
	if (strcmp(arg, "default") == 0 && access(RHYVE_DEFAULT_BIOS, R_OK) != 0) {
		/* No Debian OpenSBI here: the firmware we always have. */
		warnf(ps, "-bios default: %s not found, using the built-in "
		    "SBI", RHYVE_DEFAULT_BIOS);
		ps->o->boot = BOOT_BUILTIN;
		return 0;
	}
	ps->o->boot = BOOT_FIRMWARE;
	return set_str(ps, &ps->o->bios,
	    strcmp(arg, "default") == 0 ? RHYVE_DEFAULT_BIOS : arg);
}

/* Accepted QEMU options with a fixed value that is what rhyve does. */
static int
opt_fixed(struct parse_state *ps, const char *opt, const char *arg,
    const char *const *ok)
{
	for (; *ok != NULL; ok++)
		if (strcmp(arg, *ok) == 0)
			return 0;
	return fail(ps, "%s %s: unsupported value", opt, arg);
}

/* -engine interp|jit: the hart engine (enum vm_engine). */
static int
opt_engine(struct parse_state *ps, const char *opt, const char *arg)
{
	if (strcmp(arg, "interp") == 0) {
		ps->o->engine = VM_ENGINE_INTERP;
		return 0;
	}
	if (strcmp(arg, "jit") == 0) {
#if defined(__x86_64__)
		ps->o->engine = VM_ENGINE_JIT;
		return 0;
#else
		return fail(ps, "%s jit: the JIT needs an x86-64 host", opt);
#endif
	}
	return fail(ps, "%s %s: unknown engine (interp or jit)", opt, arg);
}

/*
 * A network device's backend: its -nic's, or the -netdev its netdev=
 * names.  The configuration lands in o->netcfg; the slot comes later.
 */
static int
place_nic(struct parse_state *ps, struct device_opt *dev)
{
	struct netdev_opt *nd = NULL;

	if (dev->nic >= 0) {
		nd = &ps->netdevs[dev->nic];
	} else {
		for (int k = 0; k < ps->nnetdevs; k++)
			if (ps->netdevs[k].id != NULL &&
			    strcmp(ps->netdevs[k].id, dev->drive) == 0)
				nd = &ps->netdevs[k];
		if (nd == NULL)
			return fail(ps, "-device virtio-net-device,netdev=%s: "
			    "no -netdev with id=%s", dev->drive, dev->drive);
		if (nd->used)
			return fail(ps, "-device virtio-net-device,netdev=%s: "
			    "netdev is already in use", dev->drive);
	}
	nd->used = true;
	ps->o->net = true;
	ps->o->netcfg = nd->cfg;
	if (dev->has_mac)
		memcpy(ps->o->netcfg.mac, dev->mac, 6);
	return 0;
}

/*
 * Place the disks on virtio-mmio slots as QEMU virt does: bus=...N takes
 * slot N; the others take the first free slot counting down from the
 * highest, because virt creates its transports so that qbus_find_recursive
 * meets the highest one first.  -device options come before if=virtio
 * drives, as in QEMU (drive_new queues theirs after the command line's).
 */
static int
place_disks(struct parse_state *ps)
{
	struct rhyve_options *o = ps->o;
	struct drive_opt *src[MAX_DRIVES * 2];
	struct device_opt *nondisk[MAX_DRIVES * 2];
	int slot[MAX_DRIVES * 2], n = 0, nnondisk = 0;
	bool taken[VIRT_VIRTIO_COUNT] = { false };

	for (int i = 0; i < ps->ndevices; i++) {
		struct drive_opt *d = NULL;

		if (ps->devices[i].rng || ps->devices[i].net) {
			/* Not a disk: placed like one, NULL marks it. */
			if (ps->devices[i].net && place_nic(ps,
			    &ps->devices[i]) != 0)
				return -1;
			nondisk[n] = &ps->devices[i];
			src[n] = NULL;
			slot[n++] = ps->devices[i].slot;
			continue;
		}
		for (int k = 0; k < ps->ndrives; k++)
			if (ps->drives[k].id != NULL &&
			    strcmp(ps->drives[k].id, ps->devices[i].drive) == 0)
				d = &ps->drives[k];
		if (d == NULL)
			return fail(ps, "-device virtio-blk-device,drive=%s: "
			    "no -drive with id=%s", ps->devices[i].drive,
			    ps->devices[i].drive);
		if (d->used || d->virtio)
			return fail(ps, "-device virtio-blk-device,drive=%s: "
			    "drive is already in use%s", ps->devices[i].drive,
			    d->virtio ? " (give it if=none)" : "");
		d->used = true;
		src[n] = d;
		slot[n++] = ps->devices[i].slot;
	}
	for (int k = 0; k < ps->ndrives; k++) {
		if (ps->drives[k].virtio) {
			src[n] = &ps->drives[k];
			slot[n++] = -1;
		} else if (!ps->drives[k].used) {
			warnf(ps, "-drive %s: no device uses it",
			    ps->drives[k].file);
		}
	}
	if (n > VIRT_VIRTIO_COUNT)
		return fail(ps, "too many disks (at most %d)", VIRT_VIRTIO_COUNT);
	/* Explicit buses first, so a later bus=N cannot find N taken. */
	for (int i = 0; i < n; i++) {
		if (slot[i] < 0)
			continue;
		if (taken[slot[i]])
			return fail(ps, "virtio-mmio-bus.%d is used twice",
			    slot[i]);
		taken[slot[i]] = true;
	}
	for (int i = 0; i < n; i++) {
		int s;

		if (slot[i] >= 0)
			continue;
		for (s = VIRT_VIRTIO_COUNT - 1; s >= 0 && taken[s]; s--)
			;
		if (s < 0)
			return fail(ps, "too many disks (at most %d)",
			    VIRT_VIRTIO_COUNT);
		taken[s] = true;
		slot[i] = s;
	}
	for (int i = 0, nd = 0; i < n; i++) {
		struct disk_config *dc = &o->disks[nd];

		if (src[i] == NULL) {
			nnondisk++;
			if (nondisk[i]->net) {
				o->netcfg.slot = slot[i];
				o->netcfg.legacy = o->legacy_virtio;
				continue;
			}
			o->rng = true;
			o->rng_slot = slot[i];
			continue;
		}
		nd++;
		dc->path = src[i]->file;
		dc->id = src[i]->id;
		dc->readonly = src[i]->readonly;
		dc->slot = slot[i];
		dc->legacy = o->legacy_virtio;
		/* Ownership moves to o->disks. */
		src[i]->file = NULL;
		src[i]->id = NULL;
	}
	o->ndisks = n - nnondisk;
	for (int k = 0; k < ps->nnetdevs; k++)
		if (!ps->netdevs[k].used)
			warnf(ps, "-netdev %s: no device uses it",
			    ps->netdevs[k].id);
	return 0;
}

enum {
	O_MACHINE, O_SMP, O_MEM, O_BIOS, O_KERNEL, O_INITRD, O_APPEND,
	O_NOGRAPHIC, O_SERIAL, O_MONITOR, O_DISPLAY, O_DRIVE, O_DEVICE,
	O_GLOBAL, O_WAIT, O_GDB_DEFAULT, O_GDB, O_DUMPDTB, O_NOREBOOT,
	O_CPUS, O_BHYVE_GDB, O_NOSANDBOX, O_HELP, O_VERSION,
	O_QMP, O_NAME, O_NETDEV, O_NIC, O_ENGINE, O_GDB_SCHED,
};

static const struct {
	const char	*name;
	int		 id;
	bool		 has_arg;
} option_table[] = {
	{ "M", O_MACHINE, true }, { "machine", O_MACHINE, true },
	{ "smp", O_SMP, true }, { "c", O_CPUS, true },
	{ "m", O_MEM, true }, { "bios", O_BIOS, true },
	{ "kernel", O_KERNEL, true }, { "initrd", O_INITRD, true },
	{ "append", O_APPEND, true }, { "nographic", O_NOGRAPHIC, false },
	{ "serial", O_SERIAL, true }, { "monitor", O_MONITOR, true },
	{ "display", O_DISPLAY, true }, { "drive", O_DRIVE, true },
	{ "device", O_DEVICE, true }, { "global", O_GLOBAL, true },
	{ "S", O_WAIT, false }, { "s", O_GDB_DEFAULT, false },
	{ "gdb", O_GDB, true }, { "G", O_BHYVE_GDB, true },
	{ "dumpdtb", O_DUMPDTB, true }, { "no-reboot", O_NOREBOOT, false },
	{ "no-sandbox", O_NOSANDBOX, false }, { "h", O_HELP, false },
	{ "help", O_HELP, false }, { "version", O_VERSION, false },
	{ "qmp", O_QMP, true }, { "name", O_NAME, true },
	{ "netdev", O_NETDEV, true }, { "nic", O_NIC, true },
	{ "engine", O_ENGINE, true }, { "gdb-sched", O_GDB_SCHED, true },
};

static int
parse_one(struct parse_state *ps, int id, const char *opt, const char *arg)
{
	static const char *const serial_ok[] = { "mon:stdio", "stdio", NULL };
	static const char *const monitor_ok[] = { "none", NULL };
	static const char *const display_ok[] = { "none", NULL };
	struct rhyve_options *o = ps->o;

	switch (id) {
	case O_MACHINE:
		return opt_machine(ps, opt, arg);
	case O_SMP:
	case O_CPUS:
		return opt_smp(ps, opt, arg);
	case O_MEM:
		return opt_memory(ps, arg);
	case O_BIOS:
		return opt_bios(ps, arg);
	case O_KERNEL:
		return set_str(ps, &o->kernel, arg);
	case O_INITRD:
		return set_str(ps, &o->initrd, arg);
	case O_APPEND:
		return set_str(ps, &o->append, arg);
	case O_NOGRAPHIC:
		return 0;	/* rhyve has no graphics: always so */
	case O_SERIAL:
		return opt_fixed(ps, opt, arg, serial_ok);
	case O_MONITOR:
		return opt_fixed(ps, opt, arg, monitor_ok);
	case O_DISPLAY:
		return opt_fixed(ps, opt, arg, display_ok);
	case O_DRIVE:
		return opt_drive(ps, arg);
	case O_DEVICE:
		return opt_device(ps, arg);
	case O_GLOBAL:
		return opt_global(ps, arg);
	case O_WAIT:
		o->gdb_wait = true;
		return 0;
	case O_GDB_DEFAULT:
		return set_str(ps, &o->gdb_listen, "127.0.0.1:1234");
	case O_GDB:
		return opt_gdb(ps, arg);
	case O_BHYVE_GDB:
		return opt_bhyve_gdb(ps, arg);
	case O_DUMPDTB:
		return set_str(ps, &o->dumpdtb, arg);
	case O_NOREBOOT:
		o->no_reboot = true;
		return 0;
	case O_NOSANDBOX:
		o->no_sandbox = true;
		return 0;
	case O_HELP:
		o->help = true;
		return 0;
	case O_VERSION:
		o->version = true;
		return 0;
	case O_QMP:
		return opt_qmp(ps, arg);
	case O_NAME:
		return opt_name(ps, arg);
	case O_NETDEV:
	case O_NIC:
		return opt_netdev(ps, opt, arg, id == O_NIC);
	case O_ENGINE:
		return opt_engine(ps, opt, arg);
	case O_GDB_SCHED:
		if (strcmp(arg, "fifo") == 0)
			o->gdb_sched = GDB_SCHED_FIFO;
		else if (strcmp(arg, "slice") == 0)
			o->gdb_sched = GDB_SCHED_SLICE;
		else if (strcmp(arg, "other") == 0)
			o->gdb_sched = GDB_SCHED_OTHER;
		else
			return fail(ps, "%s %s: unknown policy (fifo, slice or "
			    "other)", opt, arg);
		return 0;
	}
	return fail(ps, "internal error: option %s", opt);
}

/* --record[=SIZE][,quantum=N][,interval=N] */
static int
opt_record(struct parse_state *ps, const char *opt, const char *arg)
{
	struct rhyve_options *o = ps->o;
	char *copy, *tok, *save = NULL;
	int error = 0;

	o->record = true;
	if (arg == NULL)
		return 0;
	if (arg[0] == '\0')
		return fail(ps, "%s=: give a size (e.g. 512M) or leave out '='",
		    opt);
	copy = strdup(arg);
	if (copy == NULL)
		return fail(ps, "out of memory");
	for (tok = strtok_r(copy, ",", &save); tok != NULL && error == 0;
	    tok = strtok_r(NULL, ",", &save)) {
		uint64_t *dst = NULL, v;
		char *end;

		if (strncmp(tok, "quantum=", 8) == 0)
			dst = &o->record_quantum;
		else if (strncmp(tok, "interval=", 9) == 0)
			dst = &o->record_interval;
		if (dst == NULL) {
			if (options_parse_size(tok, &o->record_size) != 0 ||
			    o->record_size < (UINT64_C(1) << 20))
				error = fail(ps, "%s: bad size '%s' (e.g. 512M, "
				    "2G)", opt, tok);
			continue;
		}
		errno = 0;
		v = strtoull(strchr(tok, '=') + 1, &end, 0);
		if (errno != 0 || *end != '\0' || v == 0 || v > UINT32_MAX)
			error = fail(ps, "%s: bad count in '%s' (1..%u)", opt, tok,
			    UINT32_MAX);
		else
			*dst = v;
	}
	free(copy);
	return error;
}

static int
check_combination(struct parse_state *ps)
{
	struct rhyve_options *o = ps->o;

	if (o->initrd != NULL && o->kernel == NULL)
		return fail(ps, "-initrd needs -kernel");
	if (o->append != NULL && o->kernel == NULL)
		return fail(ps, "-append needs -kernel");
	if (o->gdb_wait && o->gdb_listen == NULL)
		return fail(ps, "-S needs a debug server (-s, -gdb or -G)");
	if (o->kernel == NULL && o->boot != BOOT_FIRMWARE &&
	    o->gdb_listen == NULL && o->dumpdtb == NULL)
		return fail(ps, "nothing to boot: give -kernel FILE (or "
		    "-bios FILE)");
	return 0;
}

int
options_parse(int argc, char *const argv[], struct rhyve_options *o,
    char *err, size_t errlen, void (*warn)(const char *msg))
{
	struct parse_state ps = {
		.o = o, .err = err, .errlen = errlen, .warn = warn,
	};
	int error = 0, i;

	memset(o, 0, sizeof(*o));
	o->ncpus = 1;
	o->ram_size = RHYVE_DEFAULT_RAM;
	o->boot = BOOT_BUILTIN;
	o->legacy_virtio = true;	/* QEMU's virtio-mmio default */
	o->record_size = UINT64_C(512) << 20;
	o->record_quantum = 100000;
	o->record_interval = 20000000;
	if (errlen > 0)
		err[0] = '\0';
	/* The environment's engine; -engine overrides it. */
	{
		const char *env = getenv("RHYVE_ENGINE");

		if (env != NULL && env[0] != '\0')
			error = opt_engine(&ps, "RHYVE_ENGINE", env);
	}

	for (i = 1; i < argc && error == 0; i++) {
		const char *a = argv[i], *name;
		size_t k, nopts = sizeof(option_table) / sizeof(option_table[0]);

		if (a[0] != '-' || a[1] == '\0') {
			error = fail(&ps, "unexpected argument '%s'", a);
			break;
		}
		name = a + 1;
		if (name[0] == '-' && name[1] != '\0')
			name++;		/* QEMU takes --opt as -opt */
		if (strncmp(name, "record-file=", 12) == 0 ||
		    strncmp(name, "replay=", 7) == 0) {
			bool rec = name[2] == 'c';
			const char *file = strchr(name, '=') + 1;

			o->record = true;
			error = file[0] == '\0' ? fail(&ps, "%s needs a file",
			    a) : set_str(&ps, rec ? &o->record_file :
			    &o->replay_file, file);
			continue;
		}
		if (strncmp(name, "record", 6) == 0 &&
		    (name[6] == '\0' || name[6] == '=')) {
			error = opt_record(&ps, "--record",
			    name[6] == '=' ? name + 7 : NULL);
			continue;
		}
		for (k = 0; k < nopts; k++)
			if (strcmp(name, option_table[k].name) == 0)
				break;
		if (k == nopts) {
			error = fail(&ps, "unknown option '%s' (try --help)", a);
			break;
		}
		if (option_table[k].has_arg && i + 1 >= argc) {
			error = fail(&ps, "option '%s' needs an argument", a);
			break;
		}
		error = parse_one(&ps, option_table[k].id, a,
		    option_table[k].has_arg ? argv[++i] : NULL);
	}
	if (error == 0 && !o->help && !o->version) {
		error = place_disks(&ps);
		if (error == 0)
			error = check_combination(&ps);
	}
	/* Whatever place_disks did not take over. */
	for (i = 0; i < ps.ndrives; i++) {
		free(ps.drives[i].file);
		free(ps.drives[i].id);
	}
	for (i = 0; i < ps.ndevices; i++)
		free(ps.devices[i].drive);
	for (i = 0; i < ps.nnetdevs; i++)
		netdev_free(&ps.netdevs[i]);
	return error;
}

void
options_free(struct rhyve_options *o)
{
	free(o->bios);
	free(o->kernel);
	free(o->initrd);
	free(o->append);
	free(o->gdb_listen);
	free(o->dumpdtb);
	free(o->qmp_path);
	free(o->name);
	free(o->record_file);
	free(o->replay_file);
	for (int i = 0; i < o->ndisks; i++) {
		free((char *)o->disks[i].path);
		free((char *)o->disks[i].id);
	}
	memset(o, 0, sizeof(*o));
}

void
options_usage(FILE *fp)
{
	fputs(
"usage: rhyve [options]\n"
"A bhyve-style hypervisor for RISC-V rv64 guests on a QEMU virt machine.\n"
"\n"
"Machine:\n"
"  -M, -machine virt      the machine (only virt)\n"
"  -smp N, -c N           number of vCPUs (1-512; also cpus=N,...)\n"
"  -m SIZE                RAM size, e.g. 512M or 2G (plain number: MiB)\n"
"  -engine interp|jit     hart engine: the translator to x86-64 (the\n"
"                         default on x86-64 hosts, 3x faster) or the\n"
"                         interpreter (the reference; the default\n"
"                         elsewhere); also RHYVE_ENGINE=interp|jit\n"
"Boot:\n"
"  -bios FILE|none|default|builtin\n"
"                         firmware in M-mode (default: Debian's OpenSBI\n"
"                         fw_dynamic.bin); none: -kernel runs in M-mode;\n"
"                         no -bios: built-in SBI, -kernel runs in S-mode\n"
"  -kernel FILE           ELF or raw image\n"
"  -initrd FILE           initial ramdisk\n"
"  -append CMDLINE        kernel command line\n"
"  -dumpdtb FILE          write the device tree to FILE and exit\n"
"  -no-reboot             exit instead of rebooting\n"
"Disks:\n"
"  -drive file=F,format=raw,if=none|virtio,id=ID,readonly=on|off\n"
"  -device virtio-blk-device,drive=ID[,bus=virtio-mmio-bus.N]\n"
"  -global virtio-mmio.force-legacy=true|false\n"
"Other devices:\n"
"  -device virtio-rng-device[,bus=virtio-mmio-bus.N]\n"
"                         entropy from the host's getrandom()\n"
"Network (user mode: DHCP, DNS, the host's loopback as 10.0.2.2):\n"
"  -netdev user,id=ID[,hostfwd=[tcp|udp]:[ADDR]:PORT-[GADDR]:GPORT]...\n"
"         [,net=ADDR[/BITS]][,host=ADDR]\n"
"                         forwards listen on 127.0.0.1 unless ADDR given\n"
"  -device virtio-net-device,netdev=ID[,mac=MAC][,bus=virtio-mmio-bus.N]\n"
"  -nic user[,hostfwd=...][,mac=MAC]   both in one\n"
"Debugging:\n"
"  -s                     debug server on 127.0.0.1:1234\n"
"  -gdb tcp::PORT | tcp:HOST:PORT | unix:PATH\n"
"  -G [w][ADDR:]PORT      debug server (bhyve); w: wait for the debugger\n"
"  -S                     run nothing until the debugger continues\n"
"  -gdb-sched fifo|slice|other\n"
"                         the debug server thread while vCPUs run:\n"
"                         SCHED_FIFO if allowed, else a short slice\n"
"                         (default); the short slice; or as any thread\n"
"Record and replay (reverse execution in the debugger):\n"
"  --record[=SIZE][,quantum=N][,interval=N]\n"
"                         record the run deterministically (all vCPUs on\n"
"                         one thread, N instructions a turn, default\n"
"                         100000; virtual time) keeping SIZE of history\n"
"                         (default 512M; snapshots every N instructions,\n"
"                         default 20000000); the debug server then does\n"
"                         reverse-step/continue.  A guest reset ends rhyve;\n"
"                         entropy, disks and user networking are recorded\n"
"  --record-file=FILE     record, and save the history to FILE at the end\n"
"  --replay=FILE          replay a saved recording (same -smp, -m), then run\n"
"                         live; a replay that diverges stops with an error\n"
"Control (rhyvectl(8), QMP clients):\n"
"  -qmp unix:PATH,server=on,wait=off\n"
"                         QMP socket (mode 0600)\n"
"  -name NAME             also a QMP socket at $XDG_RUNTIME_DIR/rhyve/NAME.qmp\n"
"                         (root without it: /run/rhyve/NAME.qmp; else\n"
"                         /tmp/rhyve-UID/NAME.qmp): rhyvectl --vm=NAME\n"
"Accepted for QEMU compatibility: -nographic, -serial mon:stdio|stdio,\n"
"  -monitor none, -display none.  Also: --no-sandbox, --help, --version.\n"
"See rhyve(8).\n", fp);
}
