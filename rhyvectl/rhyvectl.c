/*
 * rhyvectl - control a running rhyve VM from another process, in the
 * style of FreeBSD's bhyvectl(8): list vCPUs, suspend and resume them,
 * read counters and registers, reset or power off.  It speaks QMP to the
 * VM's socket (rhyve -qmp or -name; rhyve/qmp/), using rhyve's own
 * x-rhyve-* commands where QEMU has none.  rhyvectl(8) is the manual.
 *
 * Every socket operation has a timeout (--timeout, default 5 s), so a
 * VM that hangs or dies gives one line on stderr and a non-zero status,
 * never a hang.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "../rhyve/qmp/json.h"
#include "../rhyve/qmp/qmp.h"

#define MAX_REPLY	(1024 * 1024)

static const char *progname = "rhyvectl";

/*
 * The connection.  Replies stay in 'replies' until the end, so that
 * whatever die() leaves behind is still reachable (one run makes a
 * handful of requests).
 */
#define MAX_REPLIES	16
static struct {
	int		 fd;
	char		*buf;		/* received, not yet consumed */
	size_t		 len;
	struct json	*replies[MAX_REPLIES];
	int		 nreplies;
} conn = { .fd = -1 };

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void
usage(FILE *fp)
{
	fprintf(fp,
"usage: rhyvectl --vm=NAME | --socket=PATH [--timeout=SEC] ACTION...\n"
"Control a running rhyve VM over its QMP socket.\n"
"\n"
"  --vm=NAME          the VM started with rhyve -name NAME (socket at\n"
"                     $XDG_RUNTIME_DIR/rhyve/NAME.qmp, /run/rhyve/NAME.qmp\n"
"                     for root without it, else /tmp/rhyve-UID/NAME.qmp)\n"
"  --socket=PATH      the socket of rhyve -qmp unix:PATH,...\n"
"  --timeout=SEC      give up on an unresponsive VM after SEC (default 5)\n"
"Actions (done in this order):\n"
"  --suspend=N|all    stop vCPU N (or all) until --resume\n"
"  --resume=N|all     let it run again\n"
"  --get-vcpus        each vCPU: running, suspended, debugged, wfi,\n"
"                     not-started\n"
"  --get-stats        counters, one \"name value\" per line (--cpu=N: of\n"
"                     one vCPU; else each name is prefixed vcpuN.)\n"
"  --get-registers    registers of --cpu=N\n"
"  --reset            reset the machine (system_reset)\n"
"  --poweroff         power it off (system_powerdown)\n"
"  --cpu=N            the vCPU for --get-stats and --get-registers\n"
"  --interval=SEC     --get-stats: instructions_per_second over SEC (0.2)\n"
"  --help             this text\n"
"See rhyvectl(8).\n");
}

/* ---- QMP client ------------------------------------------------------------ */

static void
qmp_connect(const char *path, const char *what, double timeout)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct timeval tv;

	if (strlen(path) >= sizeof(sun.sun_path))
		die("socket path too long: %s", path);
	strcpy(sun.sun_path, path);
	conn.fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (conn.fd < 0)
		die("socket: %s", strerror(errno));
	tv.tv_sec = (time_t)timeout;
	tv.tv_usec = (suseconds_t)((timeout - (double)tv.tv_sec) * 1e6);
	if (setsockopt(conn.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0 ||
	    setsockopt(conn.fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) != 0)
		die("setsockopt: %s", strerror(errno));
	if (connect(conn.fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		if (errno == ENOENT)
			die("%s: no such VM (no socket %s)", what, path);
		if (errno == ECONNREFUSED)
			die("%s: VM is not running (stale socket %s)", what,
			    path);
		die("%s: cannot connect to %s: %s", what, path,
		    strerror(errno));
	}
	conn.buf = malloc(MAX_REPLY);
	if (conn.buf == NULL)
		die("out of memory");
}

/* The next message (one line; QMP ends each with CRLF), parsed. */
static struct json *
qmp_recv(void)
{
	char err[128];

	for (;;) {
		char *nl = memchr(conn.buf, '\n', conn.len);
		ssize_t n;

		if (nl != NULL) {
			size_t linelen = (size_t)(nl - conn.buf) + 1;
			struct json *v = json_parse(conn.buf, linelen, err,
			    sizeof(err));

			memmove(conn.buf, conn.buf + linelen,
			    conn.len - linelen);
			conn.len -= linelen;
			if (v != NULL && v->type != JSON_OBJECT) {
				json_free(v);
				v = NULL;
				snprintf(err, sizeof(err), "not an object");
			}
			if (v == NULL)
				die("malformed reply from the VM (%s)", err);
			if (conn.nreplies == MAX_REPLIES)
				die("too many replies");
			conn.replies[conn.nreplies++] = v;
			return v;
		}
		if (conn.len == MAX_REPLY)
			die("reply from the VM too long");
		n = recv(conn.fd, conn.buf + conn.len, MAX_REPLY - conn.len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			die("timed out waiting for the VM");
		if (n < 0)
			die("reading from the VM: %s", strerror(errno));
		if (n == 0)
			die("the VM closed the connection");
		conn.len += (size_t)n;
	}
}

static void
qmp_send(const char *msg)
{
	size_t len = strlen(msg), off = 0;

	while (off < len) {
		ssize_t n = send(conn.fd, msg + off, len - off, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			die("timed out writing to the VM");
		if (n < 0)
			die("writing to the VM: %s", strerror(errno));
		off += (size_t)n;
	}
}

/*
 * Run a command; returns the reply object (its "return" member is what
 * the caller wants; conn keeps it).  An error reply ends rhyvectl.
 * Events are skipped.
 */
static struct json *
qmp_execute(const char *name, const char *args)
{
	char msg[512];

	snprintf(msg, sizeof(msg), "{\"execute\": \"%s\"%s%s}\n", name,
	    args != NULL ? ", \"arguments\": " : "", args != NULL ? args : "");
	qmp_send(msg);
	for (;;) {
		struct json *v = qmp_recv();
		const struct json *e;

		if (json_get(v, "event") != NULL) {
			conn.replies[--conn.nreplies] = NULL;
			json_free(v);
			continue;
		}
		if ((e = json_get(v, "error")) != NULL) {
			const struct json *d = json_get(e, "desc");

			die("%s: %s", name, d != NULL &&
			    d->type == JSON_STRING ? d->s : "error");
		}
		if (json_get(v, "return") == NULL)
			die("%s: unexpected reply from the VM", name);
		return v;
	}
}

static void
qmp_handshake(void)
{
	struct json *g = qmp_recv();

	if (json_get(g, "QMP") == NULL)
		die("not a QMP socket (no greeting)");
	(void)qmp_execute("qmp_capabilities", NULL);
}

static uint64_t
num(const struct json *obj, const char *key)
{
	const struct json *v = json_get(obj, key);

	if (v == NULL || v->type != JSON_NUMBER)
		die("reply lacks '%s'", key);
	return (uint64_t)strtoull(v->s, NULL, 10);
}

static bool
flag(const struct json *obj, const char *key)
{
	const struct json *v = json_get(obj, key);

	return v != NULL && v->type == JSON_BOOL && v->b;
}

/* ---- actions --------------------------------------------------------------- */

static void
do_run_control(const char *cmd, const char *which)
{
	char args[64];

	if (strcmp(which, "all") == 0) {
		(void)qmp_execute(cmd, NULL);
		return;
	}
	snprintf(args, sizeof(args), "{\"cpu-index\": %s}", which);
	(void)qmp_execute(cmd, args);
}

static void
do_get_vcpus(void)
{
	struct json *r = qmp_execute("x-rhyve-query-vcpus", NULL);
	const struct json *list = json_get(r, "return");

	for (size_t k = 0; list->type == JSON_ARRAY && k < list->n; k++) {
		const struct json *c = list->items[k];
		char states[96] = "";

		if (!flag(c, "started"))
			strcat(states, ",not-started");
		if (flag(c, "paused"))
			strcat(states, ",suspended");
		if (flag(c, "debugged"))
			strcat(states, ",debugged");
		if (flag(c, "wfi"))
			strcat(states, ",wfi");
		if (states[0] == '\0')
			strcat(states, ",running");
		printf("%" PRIu64 " %s\n", num(c, "cpu-index"), states + 1);
	}
}

/* Names as in vmm.h's exit codes, for "exits_NAME" lines. */
static const char *const exit_names[] = {
	"debug", "mtrap", "bpt", "watch", "mmio", "wfi", "suspended", "ecall",
	"insn_stop",
};

static void
do_get_stats(long cpu, double interval)
{
	char args[64];
	struct json *a, *b;
	const struct json *la, *lb;
	struct timespec ts = {
		(time_t)interval,
		(long)((interval - (double)(time_t)interval) * 1e9),
	};

	if (cpu >= 0)
		snprintf(args, sizeof(args), "{\"cpu-index\": %ld}", cpu);
	/* Two samples: the rate is over the interval between them. */
	a = qmp_execute("x-rhyve-query-stats", cpu >= 0 ? args : NULL);
	nanosleep(&ts, NULL);
	b = qmp_execute("x-rhyve-query-stats", cpu >= 0 ? args : NULL);
	la = json_get(a, "return");
	lb = json_get(b, "return");
	if (la->type != JSON_ARRAY || lb->type != JSON_ARRAY || la->n != lb->n)
		die("x-rhyve-query-stats: unexpected reply");
	for (size_t k = 0; k < lb->n; k++) {
		const struct json *s0 = la->items[k], *s1 = lb->items[k];
		const struct json *ex = json_get(s1, "exits");
		uint64_t i0 = num(s0, "instret"), i1 = num(s1, "instret");
		uint64_t t0 = num(s0, "host-ns"), t1 = num(s1, "host-ns");
		uint64_t total = 0;
		char pfx[32] = "";

		if (cpu < 0)
			snprintf(pfx, sizeof(pfx), "vcpu%" PRIu64 ".",
			    num(s1, "cpu-index"));
		printf("%sinstret %" PRIu64 "\n", pfx, i1);
		printf("%sinstructions_per_second %.0f\n", pfx,
		    t1 > t0 && i1 >= i0 ?
		    (double)(i1 - i0) * 1e9 / (double)(t1 - t0) : 0.0);
		printf("%swfi_sleeps %" PRIu64 "\n", pfx, num(s1, "wfi"));
		printf("%scode_pages_reused %" PRIu64 "\n", pfx,
		    num(s1, "code-pages-reused"));
		for (size_t e = 0; e < sizeof(exit_names) /
		    sizeof(exit_names[0]); e++) {
			uint64_t v = num(ex, exit_names[e]);

			printf("%sexits_%s %" PRIu64 "\n", pfx, exit_names[e], v);
			total += v;
		}
		printf("%sexits_total %" PRIu64 "\n", pfx, total);
		{
			const struct json *jt = json_get(s1, "jit");
			static const char *const jn[] = { "blocks", "insns",
			    "code-bytes", "code-size", "flushes" };
			static const char *const jp[] = { "jit_blocks",
			    "jit_insns_translated", "jit_code_bytes",
			    "jit_code_size", "jit_flushes" };

			for (size_t e = 0; e < sizeof(jn) / sizeof(jn[0]); e++)
				printf("%s%s %" PRIu64 "\n", pfx, jp[e],
				    num(jt, jn[e]));
		}
	}
}

static void
do_get_registers(long cpu)
{
	char args[128];
	struct json *r;
	const struct json *text;

	snprintf(args, sizeof(args), "{\"command-line\": \"info registers\", "
	    "\"cpu-index\": %ld}", cpu);
	r = qmp_execute("human-monitor-command", args);
	text = json_get(r, "return");
	if (text->type != JSON_STRING)
		die("human-monitor-command: unexpected reply");
	fputs(text->s, stdout);
}

/* ---- command line ------------------------------------------------------------ */

/* "all" or a vCPU number, as text that goes into JSON as is. */
static const char *
cpu_arg(const char *opt, const char *s)
{
	char *end;
	long v;

	if (strcmp(s, "all") == 0)
		return s;
	errno = 0;
	v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || v < 0 || v > 1023)
		die("%s=%s: expected a vCPU number or all", opt, s);
	return s;
}

int
main(int argc, char *argv[])
{
	enum { O_VM = 256, O_SOCKET, O_TIMEOUT, O_SUSPEND, O_RESUME,
	    O_GET_VCPUS, O_GET_STATS, O_GET_REGS, O_RESET, O_POWEROFF, O_CPU,
	    O_HELP, O_INTERVAL };
	static const struct option longopts[] = {
		{ "vm", required_argument, NULL, O_VM },
		{ "socket", required_argument, NULL, O_SOCKET },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "suspend", required_argument, NULL, O_SUSPEND },
		{ "resume", required_argument, NULL, O_RESUME },
		{ "get-vcpus", no_argument, NULL, O_GET_VCPUS },
		{ "get-stats", no_argument, NULL, O_GET_STATS },
		{ "get-registers", no_argument, NULL, O_GET_REGS },
		{ "reset", no_argument, NULL, O_RESET },
		{ "poweroff", no_argument, NULL, O_POWEROFF },
		{ "cpu", required_argument, NULL, O_CPU },
		{ "interval", required_argument, NULL, O_INTERVAL },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 },
	};
	const char *vm = NULL, *sock = NULL, *suspend = NULL, *resume = NULL;
	bool get_vcpus = false, get_stats = false, get_regs = false;
	bool reset = false, poweroff = false;
	double timeout = 5.0, interval = 0.2;
	long cpu = -1;
	char path[sizeof(((struct sockaddr_un *)NULL)->sun_path)];
	char *end;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case O_VM: vm = optarg; break;
		case O_SOCKET: sock = optarg; break;
		case O_TIMEOUT:
			timeout = strtod(optarg, &end);
			if (*optarg == '\0' || *end != '\0' || !(timeout > 0) ||
			    timeout > 3600)
				die("--timeout=%s: expected seconds (0-3600)",
				    optarg);
			break;
		case O_INTERVAL:
			interval = strtod(optarg, &end);
			if (*optarg == '\0' || *end != '\0' ||
			    !(interval >= 0.01) || interval > 60)
				die("--interval=%s: expected seconds "
				    "(0.01-60)", optarg);
			break;
		case O_SUSPEND: suspend = cpu_arg("--suspend", optarg); break;
		case O_RESUME: resume = cpu_arg("--resume", optarg); break;
		case O_GET_VCPUS: get_vcpus = true; break;
		case O_GET_STATS: get_stats = true; break;
		case O_GET_REGS: get_regs = true; break;
		case O_RESET: reset = true; break;
		case O_POWEROFF: poweroff = true; break;
		case O_CPU:
			errno = 0;
			cpu = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || errno != 0 ||
			    cpu < 0 || cpu > 1023)
				die("--cpu=%s: expected a vCPU number", optarg);
			break;
		case O_HELP:
			usage(stdout);
			return 0;
		default:
			die("bad option '%s' (try --help)", argv[optind - 1]);
		}
	}
	if (optind < argc)
		die("unexpected argument '%s' (try --help)", argv[optind]);
	if ((vm == NULL) == (sock == NULL))
		die("give one of --vm=NAME or --socket=PATH (try --help)");
	if (!suspend && !resume && !get_vcpus && !get_stats && !get_regs &&
	    !reset && !poweroff)
		die("nothing to do (try --help)");
	if (get_regs && cpu < 0)
		die("--get-registers needs --cpu=N");
	if (reset && poweroff)
		die("--reset and --poweroff together make no sense");
	if (vm != NULL) {
		if (qmp_default_path(vm, path, sizeof(path)) != 0)
			die("--vm=%s: invalid VM name", vm);
		sock = path;
	}
	qmp_connect(sock, vm != NULL ? vm : sock, timeout);
	qmp_handshake();
	if (suspend != NULL)
		do_run_control("x-rhyve-suspend-cpu", suspend);
	if (resume != NULL)
		do_run_control("x-rhyve-resume-cpu", resume);
	if (get_vcpus)
		do_get_vcpus();
	if (get_stats)
		do_get_stats(cpu, interval);
	if (get_regs)
		do_get_registers(cpu);
	if (reset)
		(void)qmp_execute("system_reset", NULL);
	if (poweroff)
		(void)qmp_execute("system_powerdown", NULL);
	close(conn.fd);
	free(conn.buf);
	for (int i = 0; i < conn.nreplies; i++)
		json_free(conn.replies[i]);
	if (fflush(stdout) != 0)
		die("writing the output: %s", strerror(errno));
	return 0;
}
