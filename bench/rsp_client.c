/*
 * rsp_client.c - the round trips of bench/gdb_rsp.py from a client in C,
 * so that the client's own cost (Python, about 35-40 us per packet) is
 * out of the figures.  bench/gdb_rsp.py starts rhyve or QEMU with the
 * guest stopped (-S) and runs this against it:
 *
 *   rsp_client [--spin[=US]] [--unix] PORT|PATH BUMP START N
 *   rsp_client [--spin[=US]] [--unix] --floor CPUS N
 *
 * BUMP is where the busy guest's harts loop (a breakpoint address), START
 * a readable address, N the repetitions.  It prints one line per figure,
 * "figure<TAB>median<TAB>minimum" in seconds: step, g, m 1KiB, ctrl-c,
 * bp cycle, and kills the target at the end.  A benchmark tool: a
 * protocol error ends it with a message and status 1, and gdb_rsp.py
 * reports that figure as n/a.
 *
 * --spin: wait for a reply by polling the socket (recv with MSG_DONTWAIT,
 * sched_yield() between looks) for up to US microseconds (default 1000)
 * before sleeping in recv().  A client asleep in recv() pays a wake-up
 * per reply: 25-35 us when the server runs on the other CPU of this
 * virtual machine (an inter-processor interrupt through the hypervisor),
 * more than a short packet's whole round trip.  That cost is the
 * client's, the same for every server, and it hides the servers'
 * difference; spinning takes it out of the figures.  The yield lets a
 * server that shares the client's CPU run at once.
 *
 * --floor: the same 'g' and 'm' loops against a server that does no work
 * (a child process pinned to CPUS, e.g. "1" or "0"): it answers each
 * packet with a canned reply of the size of rhyve's ('g': 1040 hex
 * digits, 'm' of 1 KiB: 2048) and waits for packets as rhyve's server
 * does (60 us of recv(MSG_DONTWAIT) and sched_yield(), then recv()).
 * What it measures is the loopback round trip of two processes with
 * these packet sizes, client included: no server can answer faster on
 * that placement, so QEMU's time over it bounds any server's ratio.
 * Prints "floor g" and "floor m 1KiB" lines.
 *
 * The same server also times Ctrl-C ("floor ctrl-c"): it keeps four
 * busy threads on its CPUS, as rhyve and QEMU keep four vCPU threads,
 * released by "vCont;c" and stopped by a 0x03 byte the best way a
 * server could: each looks at a stop flag on every turn of its loop
 * (rhyve's vCPUs look every 1,024 guest instructions) and, seeing it,
 * blocks on a condition variable; the last one to block wakes the
 * server, which replies T02.  While they run the server thread is
 * SCHED_FIFO when it may be, as rhyve's is (rhyve/gdb/gdb_sched.h).
 * What is left is the host's own cost: every busy thread must get the
 * CPU once to stop, and a thread switch and a futex wait cost what they
 * cost here.
 *
 * --unix: connect to the Unix-domain socket PATH instead of TCP port
 * PORT on loopback (both emulators can listen on one: rhyve and QEMU
 * -gdb unix:PATH,server=on,wait=off; GDB: target remote PATH), and run
 * --floor over a Unix-domain socket too.  Such a socket skips the TCP
 * stack, so the round trip the servers share is shorter.
 */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BUF_SIZE	(1 << 20)

static int fd = -1;
static char buf[BUF_SIZE];
static size_t blen;
static int ack = 1;
static int use_unix;		/* --unix: AF_UNIX instead of TCP on loopback */
static double spin_s;		/* --spin: how long to poll before recv() sleeps */

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
		ssize_t w = send(fd, c, n, MSG_NOSIGNAL);

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

/* Read what has arrived (at least one byte); see --spin above. */
static size_t
get_more(void)
{
	ssize_t r;

	if (spin_s > 0) {
		double end = now() + spin_s;

		do {
			r = recv(fd, buf + blen, sizeof(buf) - blen,
			    MSG_DONTWAIT);
			if (r > 0)
				return (size_t)r;
			if (r == 0 || (errno != EAGAIN && errno != EINTR))
				die("recv: connection closed");
			sched_yield();
		} while (now() < end);
	}
	do
		r = recv(fd, buf + blen, sizeof(buf) - blen, 0);
	while (r < 0 && errno == EINTR);
	if (r <= 0)
		die("recv: connection closed");
	return (size_t)r;
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
		blen += get_more();
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

/* "figure<TAB>median<TAB>minimum" of n samples (sorts them). */
static void
report(const char *figure, double *t, int n)
{
	qsort(t, (size_t)n, sizeof(*t), cmp_double);
	printf("%s\t%.9f\t%.9f\n", figure, t[n / 2], t[0]);
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

/* --floor's busy threads, and how the server stops and releases them. */
#define FLOOR_BUSY	4
static pthread_mutex_t floor_mtx = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t floor_go = PTHREAD_COND_INITIALIZER;	/* to the busy */
static pthread_cond_t floor_all = PTHREAD_COND_INITIALIZER;	/* to the server */
static atomic_int floor_stop = 1;	/* held from the start, as -S */
static int floor_parked;		/* busy threads blocked (floor_mtx) */
static volatile uint64_t floor_work[FLOOR_BUSY * 8];	/* own cache lines */

static void *
floor_busy(void *arg)
{
	volatile uint64_t *w = arg;

	for (;;) {
		while (!atomic_load_explicit(&floor_stop, memory_order_relaxed))
			(*w)++;
		pthread_mutex_lock(&floor_mtx);
		if (++floor_parked == FLOOR_BUSY)
			pthread_cond_signal(&floor_all);
		while (atomic_load(&floor_stop))
			pthread_cond_wait(&floor_go, &floor_mtx);
		floor_parked--;
		pthread_mutex_unlock(&floor_mtx);
	}
	return NULL;
}

/* SCHED_FIFO 1 (rt) or SCHED_OTHER for the calling thread, if allowed. */
static void
floor_rt(int rt)
{
	struct sched_param sp = { .sched_priority = rt ? 1 : 0 };

	(void)pthread_setschedparam(pthread_self(), rt ? SCHED_FIFO : SCHED_OTHER,
	    &sp);
}

/* --floor's server: canned replies on connection c, until 'k' or EOF. */
static void __attribute__((noreturn))
floor_server(int c)
{
	static char in[65536], greply[1040 + 5], mreply[2048 + 5];	/* + "$#xx", NUL */
	size_t inlen = 0;

	/* all zeros: the checksum of "00...0" is 0x30 * n mod 256 */
	memset(greply, '0', sizeof(greply));
	greply[0] = '$';
	snprintf(greply + 1 + 1040, 4, "#%02x", (0x30 * 1040) & 0xff);
	memset(mreply, '0', sizeof(mreply));
	mreply[0] = '$';
	snprintf(mreply + 1 + 2048, 4, "#%02x", (0x30 * 2048) & 0xff);
	for (int i = 0; i < FLOOR_BUSY; i++) {
		pthread_t t;

		if (pthread_create(&t, NULL, floor_busy,
		    (void *)&floor_work[i * 8]) != 0)
			_exit(1);
	}
	for (;;) {
		char *d = memchr(in, '$', inlen), *h;
		ssize_t r = -1;

		if (inlen > 0 && in[0] == 0x03) {
			/* Ctrl-C: stop the busy threads, then T02 */
			pthread_mutex_lock(&floor_mtx);
			atomic_store(&floor_stop, 1);
			while (floor_parked < FLOOR_BUSY)
				pthread_cond_wait(&floor_all, &floor_mtx);
			pthread_mutex_unlock(&floor_mtx);
			memmove(in, in + 1, --inlen);
			if (send(c, "$T02#b6", 7, MSG_NOSIGNAL) != 7)
				_exit(1);
			floor_rt(0);
			continue;
		}
		if (d != NULL && d[1] == 'v' && (h = memchr(d, '#', inlen -
		    (size_t)(d - in))) && (size_t)(h - in) + 3 <= inlen) {
			/* vCont;c: release them; the reply is the next stop */
			size_t used = (size_t)(h - in) + 3;

			memmove(in, in + used, inlen - used);
			inlen -= used;
			floor_rt(1);
			pthread_mutex_lock(&floor_mtx);
			atomic_store(&floor_stop, 0);
			pthread_cond_broadcast(&floor_go);
			pthread_mutex_unlock(&floor_mtx);
			r = recv(c, in + inlen, sizeof(in) - inlen, 0);
			if (r <= 0)
				_exit(0);
			inlen += (size_t)r;
			continue;
		}

		if (d != NULL && (h = memchr(d, '#', inlen - (size_t)(d - in))) &&
		    (size_t)(h - in) + 3 <= inlen) {
			size_t used = (size_t)(h - in) + 3;
			const char *rep = d[1] == 'g' ? greply :
			    d[1] == 'm' ? mreply : "$OK#9a";
			size_t rlen = d[1] == 'g' ? sizeof(greply) - 1 :
			    d[1] == 'm' ? sizeof(mreply) - 1 : 6;

			if (d[1] == 'k')
				_exit(0);
			memmove(in, in + used, inlen - used);
			inlen -= used;
			if (send(c, rep, rlen, MSG_NOSIGNAL) != (ssize_t)rlen)
				_exit(1);
			continue;
		}
		if (inlen == sizeof(in))
			_exit(1);
		/* as rhyve's server waits: a 60 us spin, then sleep */
		for (double end = now() + 60e-6; now() < end; sched_yield()) {
			r = recv(c, in + inlen, sizeof(in) - inlen, MSG_DONTWAIT);
			if (r >= 0 || (errno != EAGAIN && errno != EINTR))
				break;
		}
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			r = recv(c, in + inlen, sizeof(in) - inlen, 0);
		if (r <= 0)
			_exit(0);
		inlen += (size_t)r;
	}
}

/* k Ctrl-C round trips, 20 ms of running each before: 0x03 -> stop reply. */
static void
ctrl_c_loop(double *t, int k)
{
	for (int i = 0; i < k; i++) {
		double t0;

		send_pkt("vCont;c");
		sleep_ms(20);
		t0 = now();
		put("\x03", 1);
		recv_pkt(reply, sizeof(reply));
		t[i] = now() - t0;
	}
}

/* A stream socket connected to 'where': a TCP port on loopback or, with
 * --unix, a Unix-domain socket's path; -1 if nobody listens there yet. */
static int
connect_to(const char *where)
{
	int s, one = 1;

	if (use_unix) {
		struct sockaddr_un sun = { .sun_family = AF_UNIX };

		if (strlen(where) >= sizeof(sun.sun_path))
			die("socket path too long: %s", where);
		strcpy(sun.sun_path, where);
		s = socket(AF_UNIX, SOCK_STREAM, 0);
		if (s >= 0 && connect(s, (struct sockaddr *)&sun, sizeof(sun)) == 0)
			return s;
	} else {
		struct sockaddr_in sa = { .sin_family = AF_INET };

		sa.sin_port = htons((uint16_t)atoi(where));
		sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		s = socket(AF_INET, SOCK_STREAM, 0);
		if (s >= 0 && connect(s, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
			return s;
		}
	}
	if (s >= 0)
		close(s);
	return -1;
}

/* --floor's listening socket, as connect_to() finds it through 'where'. */
static int
listen_floor(char *where, size_t len)
{
	int s;

	if (use_unix) {
		struct sockaddr_un sun = { .sun_family = AF_UNIX };

		snprintf(sun.sun_path, sizeof(sun.sun_path),
		    "/tmp/rsp_client_floor.%d", (int)getpid());
		unlink(sun.sun_path);
		s = socket(AF_UNIX, SOCK_STREAM, 0);
		if (s < 0 || bind(s, (struct sockaddr *)&sun, sizeof(sun)) != 0 ||
		    listen(s, 1) != 0)
			die("--floor: cannot listen on %s", sun.sun_path);
		snprintf(where, len, "%s", sun.sun_path);
	} else {
		struct sockaddr_in sa = { .sin_family = AF_INET };
		socklen_t salen = sizeof(sa);

		sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		s = socket(AF_INET, SOCK_STREAM, 0);
		if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
		    listen(s, 1) != 0 ||
		    getsockname(s, (struct sockaddr *)&sa, &salen) != 0)
			die("--floor: cannot listen");
		snprintf(where, len, "%d", ntohs(sa.sin_port));
	}
	return s;
}

/* --floor CPUS N: 'g' and 'm' against floor_server() in a child. */
static int
floor_main(const char *cpus, int n)
{
	char where[128];
	int lfd, one = 1, status;
	double *t, t0;
	cpu_set_t set;
	pid_t pid;

	CPU_ZERO(&set);
	for (const char *c = cpus; *c != '\0';) {
		char *e;
		long a = strtol(c, &e, 10), b = a;

		if (e == c)
			die("--floor: bad CPU list %s", cpus);
		if (*e == '-')
			b = strtol(e + 1, &e, 10);
		for (; a <= b; a++)
			CPU_SET((int)a, &set);
		c = *e == ',' ? e + 1 : e;
	}
	if ((t = calloc((size_t)n, sizeof(*t))) == NULL)
		die("out of memory");
	lfd = listen_floor(where, sizeof(where));
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		int c;

		if (sched_setaffinity(0, sizeof(set), &set) != 0)
			die("--floor: cannot pin to %s", cpus);
		c = accept(lfd, NULL, NULL);
		if (c < 0)
			_exit(1);
		if (!use_unix)
			setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		floor_server(c);
	}
	close(lfd);
	if ((fd = connect_to(where)) < 0)
		die("--floor: cannot connect");
	if (use_unix)
		unlink(where);
	ack = 0;
	for (int i = 0; i < n; i++) {
		t0 = now();
		cmd("g");
		t[i] = now() - t0;
	}
	report("floor g", t, n);
	for (int i = 0; i < n; i++) {
		t0 = now();
		cmd("m80000000,400");
		t[i] = now() - t0;
	}
	report("floor m 1KiB", t, n);
	ctrl_c_loop(t, n / 10 + 1);
	report("floor ctrl-c", t, n / 10 + 1);
	send_pkt("k");
	close(fd);
	waitpid(pid, &status, 0);
	free(t);
	return 0;
}

int
main(int argc, char **argv)
{
	unsigned long long bump, start;
	char p[128], thr[32];
	double *t, t0;
	int n;

	for (; argc > 1 && strncmp(argv[1], "--", 2) == 0; argc--, argv++) {
		if (strncmp(argv[1], "--spin", 6) == 0)
			spin_s = (argv[1][6] == '=' ? atof(argv[1] + 7) : 1000) * 1e-6;
		else if (strcmp(argv[1], "--unix") == 0)
			use_unix = 1;
		else
			break;
	}
	if (argc == 4 && strcmp(argv[1], "--floor") == 0)
		return floor_main(argv[2], atoi(argv[3]) < 4 ? 4 : atoi(argv[3]));
	if (argc != 5)
		die("usage: rsp_client [--spin[=US]] [--unix] PORT|PATH BUMP START N\n"
		    "       rsp_client [--spin[=US]] [--unix] --floor CPUS N");
	bump = strtoull(argv[2], NULL, 0);
	start = strtoull(argv[3], NULL, 0);
	n = atoi(argv[4]);
	if (n < 4)
		n = 4;
	if ((t = calloc((size_t)n, sizeof(*t))) == NULL)
		die("out of memory");
	for (int tries = 0; (fd = connect_to(argv[1])) < 0; tries++) {
		if (tries == 200)
			die("cannot connect to %s", argv[1]);
		sleep_ms(50);
	}

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
	report("step", t, n);
	for (int i = 0; i < n; i++) {
		t0 = now();
		cmd("g");
		t[i] = now() - t0;
	}
	report("g", t, n);
	snprintf(p, sizeof(p), "m%llx,400", start);
	for (int i = 0; i < n; i++) {
		t0 = now();
		cmd(p);
		t[i] = now() - t0;
	}
	report("m 1KiB", t, n);
	ctrl_c_loop(t, n / 10 + 1);
	report("ctrl-c", t, n / 10 + 1);

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
	report("bp cycle", t, n / 4 + 1);
	snprintf(p, sizeof(p), "z0,%llx,2", bump);
	cmd(p);
	send_pkt("k");
	free(t);
	close(fd);
	return 0;
}
