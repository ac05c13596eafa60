/*
 * rsp_client.c - the round trips of bench/gdb_rsp.py from a client in C,
 * so that the client's own cost (Python, about 35-40 us per packet) is
 * out of the figures.  bench/gdb_rsp.py starts rhyve or QEMU with the
 * guest stopped (-S) and runs this against it:
 *
 *   rsp_client PORT BUMP START N
 *
 * BUMP is where the busy guest's harts loop (a breakpoint address), START
 * a readable address, N the repetitions.  It prints one "figure seconds"
 * line per figure (median): step, g, m 1KiB, ctrl-c, bp cycle, and kills
 * the target at the end.  A benchmark tool: a protocol error ends it with
 * a message and status 1, and gdb_rsp.py reports that figure as n/a.
 */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BUF_SIZE	(1 << 20)

static int fd = -1;
static char buf[BUF_SIZE];
static size_t blen;
static int ack = 1;

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "rsp_client: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void
put(const void *p, size_t n)
{
	const char *c = p;

	while (n > 0) {
		ssize_t w = write(fd, c, n);

		if (w <= 0)
			die("write: connection lost");
		c += w;
		n -= (size_t)w;
	}
}

static void
send_pkt(const char *payload)
{
	char frame[512];
	unsigned sum = 0;
	int n;

	for (const char *p = payload; *p != '\0'; p++)
		sum += (unsigned char)*p;
	n = snprintf(frame, sizeof(frame), "$%s#%02x", payload, sum & 0xff);
	if (n < 0 || (size_t)n >= sizeof(frame))
		die("packet too long");
	put(frame, (size_t)n);
}

/* The next packet's payload, NUL-terminated in 'out' (cut to outlen). */
static void
recv_pkt(char *out, size_t outlen)
{
	for (;;) {
		char *d = memchr(buf, '$', blen), *h;

		if (d != NULL && (h = memchr(d, '#', blen - (size_t)(d - buf))) &&
		    (size_t)(h - buf) + 3 <= blen) {
			size_t n = (size_t)(h - d - 1), used = (size_t)(h - buf) + 3;

			if (n >= outlen)
				n = outlen - 1;
			memcpy(out, d + 1, n);
			out[n] = '\0';
			memmove(buf, buf + used, blen - used);
			blen -= used;
			if (ack)
				put("+", 1);
			return;
		}
		if (blen == sizeof(buf))
			die("packet larger than %d bytes", BUF_SIZE);
		ssize_t r = read(fd, buf + blen, sizeof(buf) - blen);

		if (r <= 0)
			die("read: connection closed");
		blen += (size_t)r;
	}
}

static char reply[BUF_SIZE];

static const char *
cmd(const char *payload)
{
	send_pkt(payload);
	recv_pkt(reply, sizeof(reply));
	return reply;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
median(double *t, int n)
{
	qsort(t, (size_t)n, sizeof(*t), cmp_double);
	return t[n / 2];
}

/* The thread a stop reply names ("T05thread:2;..." or QEMU's "p1.2"). */
static void
thread_of(const char *r, char *out, size_t len)
{
	const char *t = strstr(r, "thread:");
	const char *dot;
	size_t n;

	snprintf(out, len, "1");
	if (t == NULL)
		return;
	t += 7;
	n = strcspn(t, ";");
	dot = memchr(t, '.', n);
	if (dot != NULL) {
		n -= (size_t)(dot + 1 - t);
		t = dot + 1;
	}
	if (n < len) {
		memcpy(out, t, n);
		out[n] = '\0';
	}
}

static void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	unsigned long long bump, start;
	char p[128], thr[32];
	double *t, t0;
	int n, one = 1;

	if (argc != 5)
		die("usage: rsp_client PORT BUMP START N");
	sa.sin_port = htons((uint16_t)atoi(argv[1]));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bump = strtoull(argv[2], NULL, 0);
	start = strtoull(argv[3], NULL, 0);
	n = atoi(argv[4]);
	if (n < 4)
		n = 4;
	if ((t = calloc((size_t)n, sizeof(*t))) == NULL)
		die("out of memory");
	for (int tries = 0;; tries++) {
		fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			break;
		if (fd >= 0)
			close(fd);
		if (tries == 200)
			die("cannot connect to port %s", argv[1]);
		sleep_ms(50);
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));

	cmd("qSupported:swbreak+;hwbreak+;vContSupported+");
	cmd("QStartNoAckMode");
	ack = 0;
	cmd("?");
	cmd("Hg1");
	send_pkt("vCont;c");		/* let every hart run first */
	sleep_ms(200);
	put("\x03", 1);
	recv_pkt(reply, sizeof(reply));

	for (int i = 0; i < n; i++) {
		t0 = now();
		cmd("vCont;s:1");
		t[i] = now() - t0;
	}
	printf("step %.9f\n", median(t, n));
	for (int i = 0; i < n; i++) {
		t0 = now();
		cmd("g");
		t[i] = now() - t0;
	}
	printf("g %.9f\n", median(t, n));
	snprintf(p, sizeof(p), "m%llx,400", start);
	for (int i = 0; i < n; i++) {
		t0 = now();
		cmd(p);
		t[i] = now() - t0;
	}
	printf("m 1KiB %.9f\n", median(t, n));
	for (int i = 0; i < n / 10 + 1; i++) {
		send_pkt("vCont;c");
		sleep_ms(20);
		t0 = now();
		put("\x03", 1);
		recv_pkt(reply, sizeof(reply));
		t[i] = now() - t0;
	}
	printf("ctrl-c %.9f\n", median(t, n / 10 + 1));

	/* As GDB does it: step over the hit, put the breakpoint back, go. */
	snprintf(p, sizeof(p), "Z0,%llx,2", bump);
	cmd(p);
	thread_of(cmd("vCont;c"), thr, sizeof(thr));
	for (int i = 0; i < n / 4 + 1; i++) {
		char s[64];

		t0 = now();
		snprintf(p, sizeof(p), "z0,%llx,2", bump);
		cmd(p);
		snprintf(s, sizeof(s), "vCont;s:%s", thr);
		cmd(s);
		snprintf(p, sizeof(p), "Z0,%llx,2", bump);
		cmd(p);
		thread_of(cmd("vCont;c"), thr, sizeof(thr));
		t[i] = now() - t0;
	}
	printf("bp cycle %.9f\n", median(t, n / 4 + 1));
	snprintf(p, sizeof(p), "z0,%llx,2", bump);
	cmd(p);
	send_pkt("k");
	free(t);
	close(fd);
	return 0;
}
