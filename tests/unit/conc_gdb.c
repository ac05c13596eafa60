/*
 * conc_gdb.c - the debug server (rhyve/gdb/gdb.c) under concurrency, in one
 * process: a VM whose vCPU threads run real RV64 code on the hart engine
 * (tests/lib/runctl_harness.h's counting loop, each hart storing only to
 * its own slot so that the guest itself has no data race), the server
 * started with gdb_init() on a Unix socket in a temporary directory, and
 * a minimal GDB remote-protocol client in this file driving it from the
 * test thread: attach, single steps on random vCPUs, continue + Ctrl-C,
 * partial continues, breakpoints set and removed around running vCPUs,
 * target-side conditions evaluated by the vCPUs while they are replaced,
 * non-stop mode (per-vCPU continue and stop, breakpoints hit by some
 * vCPUs while the others run, register reads meanwhile, %Stop
 * notifications drained with vStopped), detach.  After every stop the
 * stopped vCPUs' minstret must not move.
 *
 * The vCPU loop is this file's, doing what rhyve/machine.c's vcpu_thread
 * does with the debug exits (DEBUG, MTRAP, BPT, WATCH -> gdb_cpu_exit()).
 * cmocka, not Criterion, so that it also runs under TSan (tests/tsan.list).
 * gdb_init() starts a server once per process: one test group shares it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "tests/lib/cmocka_check.h"
#include "tests/lib/runctl_harness.h"
#include "rhyve/gdb/gdb.h"


#define NCPU		4
#define REPLY_MS	10000	/* generous: TSan and a loaded 2-core machine */

/* The counting loop's three instructions (runctl_harness.c). */
#define LOOP_ADDI	(PROG_COUNT + 0)
#define LOOP_SD		(PROG_COUNT + 4)
#define LOOP_J		(PROG_COUNT + 8)

/* ---- a minimal RSP client ---------------------------------------------- */

#define NOTES		16

struct client {
	int	 fd;
	bool	 noack;
	uint8_t	 in[8192];
	size_t	 inlen;
	char	 notes[NOTES][128];	/* notifications met while waiting */
	int	 nnotes;
};

static void
cl_write(struct client *c, const void *p, size_t len)
{
	const uint8_t *b = p;

	while (len > 0) {
		ssize_t n = send(c->fd, b, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		CHECK(n > 0, "send: %s\n", strerror(errno));
		b += n;
		len -= (size_t)n;
	}
}

static void
cl_send(struct client *c, const char *payload)
{
	char frame[512];
	unsigned sum = 0;
	int n;

	for (const char *p = payload; *p != '\0'; p++)
		sum += (uint8_t)*p;
	n = snprintf(frame, sizeof(frame), "$%s#%02x", payload, sum & 0xff);
	CHECK(n > 0 && (size_t)n < sizeof(frame), "packet too long\n");
	cl_write(c, frame, (size_t)n);
}

/*
 * The next packet ('$', acked unless no-ack mode is on) or notification
 * ('%', never acked) into out (NUL-terminated, escapes undone); returns
 * '$' or '%', or 0 when nothing came within ms.  Fails the test on a
 * closed connection or a bad checksum.
 */
static int
cl_get(struct client *c, char *out, size_t cap, int ms)
{
	int64_t deadline = rc_now_ns() + (int64_t)ms * 1000000;

	for (;;) {
		uint8_t *s = memchr(c->in, '$', c->inlen), *h = NULL;
		uint8_t *pct = memchr(c->in, '%', c->inlen);

		if (pct != NULL && (s == NULL || pct < s))
			s = pct;

		if (s != NULL)
			h = memchr(s, '#', c->inlen - (size_t)(s - c->in));
		if (h != NULL && (size_t)(h - c->in) + 3 <= c->inlen) {
			unsigned sum = 0, want;
			size_t o = 0, used;
			char cs[3] = { (char)h[1], (char)h[2], '\0' };

			for (uint8_t *p = s + 1; p < h; p++) {
				sum += *p;
				if (*p == '}' && p + 1 < h) {
					p++;
					sum += *p;
					if (o + 1 < cap)
						out[o++] = (char)(*p ^ 0x20);
				} else if (o + 1 < cap) {
					out[o++] = (char)*p;
				}
			}
			out[o] = '\0';
			want = (unsigned)strtoul(cs, NULL, 16);
			CHECK((sum & 0xff) == want, "bad checksum in reply %s\n",
			    out);
			used = (size_t)(h - c->in) + 3;
			int kind = *s;

			memmove(c->in, c->in + used, c->inlen - used);
			c->inlen -= used;
			if (!c->noack && kind == '$')
				cl_write(c, "+", 1);
			return kind;
		}
		CHECK(c->inlen < sizeof(c->in), "reply too long\n");
		int64_t left = deadline - rc_now_ns();
		struct pollfd pfd = { .fd = c->fd, .events = POLLIN };

		if (left <= 0)
			return 0;
		if (poll(&pfd, 1, (int)(left / 1000000) + 1) <= 0)
			continue;
		ssize_t n = recv(c->fd, c->in + c->inlen,
		    sizeof(c->in) - c->inlen, 0);

		if (n < 0 && errno == EINTR)
			continue;
		CHECK(n > 0, "connection closed: %s\n",
		    n == 0 ? "EOF" : strerror(errno));
		c->inlen += (size_t)n;
	}
}

/*
 * The next reply into out; notifications that come first are kept for
 * cl_note().  Fails the test on a timeout.
 */
static void
cl_recv(struct client *c, char *out, size_t cap)
{
	for (;;) {
		int kind = cl_get(c, out, cap, REPLY_MS);

		CHECK(kind != 0, "no reply within %d ms\n", REPLY_MS);
		if (kind == '$')
			return;
		CHECK(c->nnotes < NOTES, "too many notifications\n");
		snprintf(c->notes[c->nnotes++], sizeof(c->notes[0]), "%s", out);
	}
}

/* The next notification within ms into out; false if none came. */
static bool
cl_note(struct client *c, char *out, size_t cap, int ms)
{
	int kind;

	if (c->nnotes > 0) {
		snprintf(out, cap, "%s", c->notes[0]);
		memmove(c->notes[0], c->notes[1],
		    (size_t)--c->nnotes * sizeof(c->notes[0]));
		return true;
	}
	kind = cl_get(c, out, cap, ms);
	CHECK(kind != '$', "a reply where a notification was expected: %s\n",
	    out);
	return kind == '%';
}

/* Is a packet (not just acks) waiting or arriving within ms? */
static bool
cl_pending(struct client *c, int ms)
{
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };

	if (memchr(c->in, '$', c->inlen) != NULL)
		return true;
	while (poll(&pfd, 1, ms) > 0) {
		ssize_t n = recv(c->fd, c->in + c->inlen,
		    sizeof(c->in) - c->inlen, MSG_DONTWAIT);

		if (n <= 0)
			return n == 0;	/* EOF is a reply of sorts: fail */
		c->inlen += (size_t)n;
		if (memchr(c->in, '$', c->inlen) != NULL)
			return true;
	}
	return false;
}

static void
cl_cmd(struct client *c, const char *payload, char *out, size_t cap)
{
	cl_send(c, payload);
	cl_recv(c, out, cap);
}

static void
cl_connect(struct client *c, const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };

	memset(c, 0, sizeof(*c));
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(c->fd >= 0, "socket: %s\n", strerror(errno));
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	CHECK(connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)) == 0,
	    "connect %s: %s\n", path, strerror(errno));
}

/* ---- the VM and its vCPU loop ------------------------------------------ */

static struct {
	struct rc	*rc;
	char		 dir[64];
	char		 path[96];
	pthread_t	 threads[NCPU];
	struct client	 cl;
	uint64_t	 seed;
} T;

static void *
vcpu_loop(void *arg)
{
	int vcpu = (int)(intptr_t)arg;
	struct vmctx *ctx = T.rc->ctx;
	struct vm_exit vme;

	memset(&vme, 0, sizeof(vme));
	gdb_cpu_add(vcpu);
	for (;;) {
		if (vm_run(ctx, vcpu, &vme) != 0)
			return NULL;
		if (vme.exitcode == VM_EXITCODE_SUSPENDED)
			return NULL;
		(void)gdb_cpu_exit(vcpu, &vme);
	}
}

static uint32_t
rnd(void)
{
	/* xorshift64: reproducible from the printed seed */
	T.seed ^= T.seed << 13;
	T.seed ^= T.seed >> 7;
	T.seed ^= T.seed << 17;
	return (uint32_t)(T.seed >> 16);
}

static void
instrets(uint64_t *v)
{
	for (int i = 0; i < NCPU; i++)
		v[i] = rc_instret(T.rc, i);
}

static uint64_t
pc_of(int vcpu)
{
	uint64_t pc = 0;

	CHECK(vm_get_register(T.rc->ctx, vcpu, VM_REG_PC, &pc) == 0,
	    "pc of %d\n", vcpu);
	return pc;
}

/* Every vCPU stopped: minstret stays put across a short wait. */
static void
assert_still(const char *when)
{
	uint64_t a[NCPU], b[NCPU];

	instrets(a);
	rc_sleep_ms(3);
	instrets(b);
	for (int i = 0; i < NCPU; i++)
		CHECK(a[i] == b[i], "%s: vCPU %d moved while stopped "
		    "(%llu -> %llu)\n", when, i, (unsigned long long)a[i],
		    (unsigned long long)b[i]);
}

static bool
wait_progress(int vcpu, uint64_t from, int ms)
{
	int64_t deadline = rc_now_ns() + (int64_t)ms * 1000000;

	while (rc_now_ns() < deadline) {
		if (rc_instret(T.rc, vcpu) > from)
			return true;
		rc_sleep_ms(1);
	}
	return false;
}

/* "T05thread:3;..." -> 3; -1 if not a stop reply of that signal. */
static int
stop_thread(const char *rep, int sig)
{
	unsigned s, tid;

	if (sscanf(rep, "T%2xthread:%x;", &s, &tid) != 2 || (int)s != sig)
		return -1;
	return (int)tid;
}

static int
group_setup(void **state)
{
	struct gdb_config gc = { .listen = T.path, .wait = false };
	char listen[128];
	const char *seed = getenv("CONC_GDB_SEED");

	(void)state;
	T.seed = seed != NULL ? strtoull(seed, NULL, 0) : (uint64_t)rc_now_ns();
	if (T.seed == 0)
		T.seed = 1;
	print_message("conc_gdb: seed %llu (CONC_GDB_SEED)\n",
	    (unsigned long long)T.seed);
	snprintf(T.dir, sizeof(T.dir), "/tmp/conc_gdb.XXXXXX");
	if (mkdtemp(T.dir) == NULL)
		return -1;
	snprintf(T.path, sizeof(T.path), "%s/gdb.sock", T.dir);
	snprintf(listen, sizeof(listen), "unix:%s", T.path);
	gc.listen = listen;
	T.rc = rc_create(NCPU);
	for (int i = 0; i < NCPU; i++)
		rc_start_hart(T.rc, i, PROG_COUNT);
	/* like machine.c: the server first, then the vCPU threads */
	if (gdb_init(T.rc->ctx, &gc) != 0)
		return -1;
	for (int i = 0; i < NCPU; i++) {
		if (vm_activate_cpu(T.rc->ctx, i) != 0)
			return -1;
		if (pthread_create(&T.threads[i], NULL, vcpu_loop,
		    (void *)(intptr_t)i) != 0)
			return -1;
	}
	for (int i = 0; i < NCPU; i++)
		if (!wait_progress(i, 0, 5000))
			return -1;
	T.cl.fd = -1;
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	if (T.cl.fd >= 0)
		close(T.cl.fd);
	/* whatever state a failed test left: end the VM, wake parked vCPUs */
	vm_suspend(T.rc->ctx, VM_SUSPEND_POWEROFF, -1, 0);
	gdb_shutdown();
	for (int i = 0; i < NCPU; i++)
		pthread_join(T.threads[i], NULL);
	/*
	 * The server thread keeps the VM (gdbsrv.ctx) until the process
	 * exits, as in rhyve: it stays allocated and reachable.
	 */
	unlink(T.path);
	rmdir(T.dir);
	return 0;
}

/* ---- the tests ---------------------------------------------------------- */

static void
test_attach(void **state)
{
	char rep[4096];

	(void)state;
	cl_connect(&T.cl, T.path);
	cl_cmd(&T.cl, "qSupported:swbreak+;hwbreak+", rep, sizeof(rep));
	CHECK(strstr(rep, "PacketSize=") != NULL, "qSupported: %s\n", rep);
	cl_cmd(&T.cl, "QStartNoAckMode", rep, sizeof(rep));
	CHECK(strcmp(rep, "OK") == 0, "QStartNoAckMode: %s\n", rep);
	T.cl.noack = true;
	cl_cmd(&T.cl, "?", rep, sizeof(rep));
	CHECK(stop_thread(rep, 2) > 0, "? after attach: %s\n", rep);
	assert_still("after attach");
	cl_cmd(&T.cl, "qfThreadInfo", rep, sizeof(rep));
	CHECK(strcmp(rep, "m1,2,3,4") == 0, "qfThreadInfo: %s\n", rep);
}

/* vCont;s on a random vCPU: exactly one instruction there, none elsewhere. */
static void
test_steps(void **state)
{
	char rep[256], pkt[64];

	(void)state;
	for (int round = 0; round < 300; round++) {
		uint64_t a[NCPU], b[NCPU];
		int v = (int)(rnd() % NCPU);

		instrets(a);
		snprintf(pkt, sizeof(pkt), round % 3 == 0 ? "vCont;s:%x;t" :
		    "vCont;s:%x", v + 1);
		cl_cmd(&T.cl, pkt, rep, sizeof(rep));
		CHECK(stop_thread(rep, 5) == v + 1, "round %d: %s -> %s\n",
		    round, pkt, rep);
		instrets(b);
		for (int i = 0; i < NCPU; i++)
			CHECK(b[i] == a[i] + (i == v), "round %d: step of %d: "
			    "vCPU %d instret %llu -> %llu\n", round, v, i,
			    (unsigned long long)a[i], (unsigned long long)b[i]);
	}
	assert_still("after the steps");
}

/* Continue (all or one vCPU), Ctrl-C: T02, and nothing moves after. */
static void
test_cont_interrupt(void **state)
{
	char rep[256], pkt[64];
	uint64_t start[NCPU], a[NCPU], b[NCPU];

	(void)state;
	instrets(start);
	for (int round = 0; round < 100; round++) {
		int v = -1;

		instrets(a);
		if (round % 4 == 3) {
			v = (int)(rnd() % NCPU);
			snprintf(pkt, sizeof(pkt), "vCont;c:%x", v + 1);
		} else {
			snprintf(pkt, sizeof(pkt), round % 2 ? "c" : "vCont;c");
		}
		cl_send(&T.cl, pkt);
		if (rnd() % 4 != 0)
			rc_sleep_ms((int)(rnd() % 4));
		if (round % 10 == 0)	/* a burst of Ctrl-C: one stop */
			cl_write(&T.cl, "\3\3\3\3\3\3\3\3", 8);
		else
			cl_write(&T.cl, "\3", 1);
		cl_recv(&T.cl, rep, sizeof(rep));
		CHECK(stop_thread(rep, 2) > 0, "round %d: %s, Ctrl-C -> %s\n",
		    round, pkt, rep);
		CHECK(!cl_pending(&T.cl, 0), "round %d: a second stop reply\n",
		    round);
		assert_still("after Ctrl-C");
		instrets(b);
		if (v >= 0)
			for (int i = 0; i < NCPU; i++)
				CHECK(i == v || b[i] == a[i], "round %d: vCont;c:%x "
				    "ran vCPU %d\n", round, v + 1, i);
	}
	/* and something did run: every vCPU had its turn at least once */
	cl_send(&T.cl, "vCont;c");
	for (int i = 0; i < NCPU; i++)
		CHECK(wait_progress(i, b[i], 5000), "vCPU %d never ran\n", i);
	cl_write(&T.cl, "\3", 1);
	cl_recv(&T.cl, rep, sizeof(rep));
	CHECK(stop_thread(rep, 2) > 0, "final Ctrl-C -> %s\n", rep);
	instrets(b);
	for (int i = 0; i < NCPU; i++)
		CHECK(b[i] > start[i], "vCPU %d: no progress over the rounds\n", i);
}

/*
 * Breakpoints around running vCPUs.  In all-stop mode a packet sent
 * while the vCPUs run waits for the next stop: Z0 sent during a continue
 * is served right after the Ctrl-C's stop reply.  The next continue hits
 * it on some vCPU (all of them loop over it); after z0, events other
 * vCPUs queued for it are dropped and a continue runs until Ctrl-C.
 */
static void
test_breakpoints(void **state)
{
	static const uint64_t addrs[] = { LOOP_ADDI, LOOP_SD, LOOP_J };
	char rep[256], pkt[64];

	(void)state;
	for (int round = 0; round < 40; round++) {
		uint64_t addr = addrs[rnd() % 3];
		int tid;

		cl_send(&T.cl, "vCont;c");
		rc_sleep_ms((int)(rnd() % 3));
		snprintf(pkt, sizeof(pkt), "Z0,%llx,4", (unsigned long long)addr);
		cl_send(&T.cl, pkt);		/* waits for the stop */
		rc_sleep_ms((int)(rnd() % 2));
		cl_write(&T.cl, "\3", 1);
		cl_recv(&T.cl, rep, sizeof(rep));
		CHECK(stop_thread(rep, 2) > 0, "round %d: Ctrl-C -> %s\n",
		    round, rep);
		cl_recv(&T.cl, rep, sizeof(rep));
		CHECK(strcmp(rep, "OK") == 0, "round %d: %s -> %s\n", round,
		    pkt, rep);

		for (int hits = 0; hits < 3; hits++) {
			cl_cmd(&T.cl, "vCont;c", rep, sizeof(rep));
			tid = stop_thread(rep, 5);
			CHECK(tid >= 1 && tid <= NCPU && strstr(rep, "swbreak:;"),
			    "round %d: continue over Z0 %llx -> %s\n", round,
			    (unsigned long long)addr, rep);
			CHECK(pc_of(tid - 1) == addr, "round %d: vCPU %d stopped "
			    "at %llx, not at the breakpoint %llx\n", round,
			    tid - 1, (unsigned long long)pc_of(tid - 1),
			    (unsigned long long)addr);
			assert_still("at a breakpoint");
		}
		pkt[0] = 'z';
		cl_cmd(&T.cl, pkt, rep, sizeof(rep));
		CHECK(strcmp(rep, "OK") == 0, "round %d: %s -> %s\n", round,
		    pkt, rep);
		cl_send(&T.cl, "vCont;c");
		CHECK(!cl_pending(&T.cl, (int)(rnd() % 4)),
		    "round %d: stopped after z0\n", round);
		cl_write(&T.cl, "\3", 1);
		cl_recv(&T.cl, rep, sizeof(rep));
		CHECK(stop_thread(rep, 2) > 0, "round %d: Ctrl-C after z0 -> "
		    "%s\n", round, rep);
		assert_still("after z0 and Ctrl-C");
	}
}

/*
 * Target-side conditions ("a0 == N": each hart runs with a0 = its index):
 * the vCPUs evaluate them concurrently in their own threads while the
 * debugger replaces the list (Z0 again, also sent while they run, served
 * at the stop).  Only vCPU N may stop; with an always-false list every
 * vCPU runs and nothing is reported.
 */
static void
test_conditions(void **state)
{
	char rep[256], pkt[96];
	uint64_t a[NCPU];

	(void)state;
	for (int round = 0; round < 30; round++) {
		int want = (int)(rnd() % NCPU), tid;

		/* reg a0 (x10); const8 want; equal; end */
		snprintf(pkt, sizeof(pkt), "Z0,%llx,4;X7,26000a22%02x1327",
		    (unsigned long long)LOOP_ADDI, want);
		if (rnd() % 2) {
			cl_cmd(&T.cl, pkt, rep, sizeof(rep));
		} else {
			/* sent while running: served once Ctrl-C stops all */
			cl_send(&T.cl, "vCont;c");
			rc_sleep_ms((int)(rnd() % 3));
			cl_send(&T.cl, pkt);
			cl_write(&T.cl, "\3", 1);
			cl_recv(&T.cl, rep, sizeof(rep));
			CHECK(stop_thread(rep, 2) > 0 || stop_thread(rep, 5) ==
			    want + 1, "round %d: Ctrl-C -> %s\n", round, rep);
			cl_recv(&T.cl, rep, sizeof(rep));
		}
		CHECK(strcmp(rep, "OK") == 0, "round %d: %s -> %s\n", round,
		    pkt, rep);
		for (int hits = 0; hits < 2; hits++) {
			cl_cmd(&T.cl, "vCont;c", rep, sizeof(rep));
			tid = stop_thread(rep, 5);
			CHECK(tid == want + 1 && pc_of(want) == LOOP_ADDI,
			    "round %d: condition a0 == %d -> %s\n", round,
			    want, rep);
			assert_still("at a conditional breakpoint");
		}
		/* replace with an always-false list: nobody stops */
		snprintf(pkt, sizeof(pkt), "Z0,%llx,4;X3,220027X3,220027",
		    (unsigned long long)LOOP_ADDI);
		cl_cmd(&T.cl, pkt, rep, sizeof(rep));
		CHECK(strcmp(rep, "OK") == 0, "round %d: %s -> %s\n", round,
		    pkt, rep);
		instrets(a);
		cl_send(&T.cl, "vCont;c");
		for (int i = 0; i < NCPU; i++)
			CHECK(wait_progress(i, a[i], 5000), "round %d: vCPU %d "
			    "held by a false condition\n", round, i);
		CHECK(!cl_pending(&T.cl, (int)(rnd() % 3)),
		    "round %d: a false condition stopped\n", round);
		cl_write(&T.cl, "\3", 1);
		cl_recv(&T.cl, rep, sizeof(rep));
		CHECK(stop_thread(rep, 2) > 0, "round %d: Ctrl-C -> %s\n",
		    round, rep);
		assert_still("after Ctrl-C over a false condition");
		snprintf(pkt, sizeof(pkt), "z0,%llx,4",
		    (unsigned long long)LOOP_ADDI);
		cl_cmd(&T.cl, pkt, rep, sizeof(rep));
		CHECK(strcmp(rep, "OK") == 0, "round %d: %s -> %s\n", round,
		    pkt, rep);
	}
}

/* ---- non-stop mode ------------------------------------------------------ */

/* "Stop:T05thread:3;..." or "T05thread:3;..." -> 3 and *sig; -1 if not. */
static int
ns_thread(const char *rep, int *sig)
{
	unsigned s, tid;

	if (strncmp(rep, "Stop:", 5) == 0)
		rep += 5;
	if (sscanf(rep, "T%2xthread:%x;", &s, &tid) != 2 || tid < 1 ||
	    tid > NCPU)
		return -1;
	*sig = (int)s;
	return (int)tid;
}

/*
 * A sequence of stops begun with 'rep' (a notification or the reply to
 * '?'), drained with vStopped: each vCPU's signal into sigs[], its bit
 * into *seen (once only).
 */
static void
ns_drain(char *rep, size_t cap, unsigned *seen, int *sigs)
{
	for (;;) {
		int sig = -1, t = ns_thread(rep, &sig);

		CHECK(t > 0, "non-stop: not a stop: %s\n", rep);
		CHECK((*seen & (1u << (t - 1))) == 0, "non-stop: vCPU %d "
		    "reported twice\n", t - 1);
		*seen |= 1u << (t - 1);
		sigs[t - 1] = sig;
		cl_cmd(&T.cl, "vStopped", rep, cap);
		if (strcmp(rep, "OK") == 0)
			return;
	}
}

/* Notifications until every vCPU of 'want' has reported its stop. */
static void
ns_collect(unsigned want, unsigned *seen, int *sigs)
{
	char rep[256];
	int64_t deadline = rc_now_ns() + (int64_t)REPLY_MS * 1000000;

	while ((*seen & want) != want) {
		int left = (int)((deadline - rc_now_ns()) / 1000000);

		CHECK(left > 0 && cl_note(&T.cl, rep, sizeof(rep), left),
		    "non-stop: stops missing: want %x, have %x\n", want, *seen);
		ns_drain(rep, sizeof(rep), seen, sigs);
	}
}

/* The vCPUs not in 'running' do not move. */
static void
ns_assert_held(unsigned running, const char *when)
{
	uint64_t a[NCPU], b[NCPU];

	instrets(a);
	rc_sleep_ms(3);
	instrets(b);
	for (int i = 0; i < NCPU; i++)
		CHECK((running & (1u << i)) || a[i] == b[i], "%s: stopped vCPU "
		    "%d moved\n", when, i);
}

/*
 * Non-stop mode: random per-vCPU continues and stops (vCont;c:N,
 * vCont;t:N), register reads of stopped vCPUs while others run (and E10
 * for running ones), breakpoints that stop exactly the running vCPUs,
 * each reported once through %Stop and vStopped.  Then vCtrlC, and back
 * to all-stop for the tests that follow.
 */
static void
test_nonstop(void **state)
{
	char rep[4096], pkt[64];
	unsigned running = 0, seen = 0;
	int sigs[NCPU];

	(void)state;
	cl_cmd(&T.cl, "QNonStop:1", rep, sizeof(rep));
	CHECK(strcmp(rep, "OK") == 0, "QNonStop:1 -> %s\n", rep);
	cl_cmd(&T.cl, "?", rep, sizeof(rep));
	ns_drain(rep, sizeof(rep), &seen, sigs);
	ns_collect((1u << NCPU) - 1, &seen, sigs);
	assert_still("non-stop: after '?'");
	for (int round = 0; round < 200; round++) {
		int v = (int)(rnd() % NCPU), t;
		unsigned bit = 1u << v;

		switch (rnd() % 4) {
		case 0:		/* continue one stopped vCPU */
			if (running & bit)
				break;
			snprintf(pkt, sizeof(pkt), "vCont;c:%x", v + 1);
			cl_cmd(&T.cl, pkt, rep, sizeof(rep));
			CHECK(strcmp(rep, "OK") == 0, "round %d: %s -> %s\n",
			    round, pkt, rep);
			running |= bit;
			CHECK(wait_progress(v, rc_instret(T.rc, v), 5000),
			    "round %d: vCPU %d does not run\n", round, v);
			break;
		case 1:		/* stop one running vCPU */
			if (!(running & bit))
				break;
			snprintf(pkt, sizeof(pkt), "vCont;t:%x", v + 1);
			cl_cmd(&T.cl, pkt, rep, sizeof(rep));
			CHECK(strcmp(rep, "OK") == 0, "round %d: %s -> %s\n",
			    round, pkt, rep);
			seen = 0;
			ns_collect(bit, &seen, sigs);
			CHECK(seen == bit && sigs[v] == 0, "round %d: %s: stops "
			    "%x, signal %d\n", round, pkt, seen, sigs[v]);
			running &= ~bit;
			break;
		case 2:		/* registers while others run */
			snprintf(pkt, sizeof(pkt), "Hg%x", v + 1);
			cl_cmd(&T.cl, pkt, rep, sizeof(rep));
			cl_cmd(&T.cl, "p20", rep, sizeof(rep));
			if (running & bit)
				CHECK(strcmp(rep, "E10") == 0, "round %d: pc of "
				    "running vCPU %d -> %s\n", round, v, rep);
			else
				CHECK(strlen(rep) == 16, "round %d: pc of "
				    "stopped vCPU %d -> %s\n", round, v, rep);
			break;
		default:	/* a breakpoint every running vCPU hits */
			if (running == 0)
				break;
			snprintf(pkt, sizeof(pkt), "Z0,%llx,4",
			    (unsigned long long)LOOP_SD);
			cl_cmd(&T.cl, pkt, rep, sizeof(rep));
			CHECK(strcmp(rep, "OK") == 0, "round %d: %s -> %s\n",
			    round, pkt, rep);
			seen = 0;
			ns_collect(running, &seen, sigs);
			CHECK(seen == running, "round %d: breakpoint: stops %x, "
			    "running %x\n", round, seen, running);
			for (t = 0; t < NCPU; t++)
				CHECK(!(running & (1u << t)) || (sigs[t] == 5 &&
				    pc_of(t) == LOOP_SD), "round %d: vCPU %d: "
				    "signal %d at %llx\n", round, t, sigs[t],
				    (unsigned long long)pc_of(t));
			pkt[0] = 'z';
			cl_cmd(&T.cl, pkt, rep, sizeof(rep));
			CHECK(strcmp(rep, "OK") == 0, "round %d: %s -> %s\n",
			    round, pkt, rep);
			running = 0;
			break;
		}
		ns_assert_held(running, "non-stop round");
	}
	/* vCtrlC stops what runs (T02 each); then all-stop again */
	cl_cmd(&T.cl, "vCtrlC", rep, sizeof(rep));
	CHECK(strcmp(rep, "OK") == 0, "vCtrlC -> %s\n", rep);
	seen = 0;
	ns_collect(running, &seen, sigs);
	for (int i = 0; i < NCPU; i++)
		CHECK(!(running & (1u << i)) || sigs[i] == 2, "vCtrlC: vCPU %d "
		    "signal %d\n", i, sigs[i]);
	CHECK(!cl_note(&T.cl, rep, sizeof(rep), 2), "a stray stop: %s\n", rep);
	assert_still("non-stop: after vCtrlC");
	cl_cmd(&T.cl, "QNonStop:0", rep, sizeof(rep));
	CHECK(strcmp(rep, "OK") == 0, "QNonStop:0 -> %s\n", rep);
	cl_cmd(&T.cl, "?", rep, sizeof(rep));
	CHECK(stop_thread(rep, 2) > 0, "all-stop again: ? -> %s\n", rep);
	assert_still("all-stop again");
}

/* Attach with a fresh connection; every vCPU stops. */
static void
reattach(void)
{
	char rep[256];

	cl_connect(&T.cl, T.path);
	cl_cmd(&T.cl, "?", rep, sizeof(rep));
	CHECK(stop_thread(rep, 2) > 0, "? after attach -> %s\n", rep);
	assert_still("after attach");
}

/*
 * A debugger that hangs up without D in the middle of things: a step in
 * flight, a continue onto a breakpoint every vCPU is about to hit,
 * events queued, a stop under way.  Afterwards every vCPU must run
 * (rhyve(8): after a disconnect the VM runs, breakpoints and watchpoints
 * are removed; one left behind would stop them all with nobody to
 * resume them).
 */
static void
test_hangups(void **state)
{
	char rep[256], pkt[64];
	uint64_t a[NCPU];

	(void)state;
	close(T.cl.fd);
	T.cl.fd = -1;
	for (int round = 0; round < 40; round++) {
		int v = (int)(rnd() % NCPU);

		reattach();
		switch (round % 5) {
		case 0:		/* mid-step */
			snprintf(pkt, sizeof(pkt), "vCont;s:%x", v + 1);
			cl_send(&T.cl, pkt);
			break;
		case 1:		/* continuing onto breakpoints and a watchpoint */
			snprintf(pkt, sizeof(pkt), "Z0,%llx,4",
			    (unsigned long long)LOOP_SD);
			cl_cmd(&T.cl, pkt, rep, sizeof(rep));
			CHECK(strcmp(rep, "OK") == 0, "%s -> %s\n", pkt, rep);
			snprintf(pkt, sizeof(pkt), "Z2,%llx,8",
			    (unsigned long long)(SLOTS + 8 * (uint64_t)v));
			cl_cmd(&T.cl, pkt, rep, sizeof(rep));
			CHECK(strcmp(rep, "OK") == 0, "%s -> %s\n", pkt, rep);
			cl_send(&T.cl, "vCont;c");
			rc_sleep_ms((int)(rnd() % 3));
			break;
		case 2:		/* stopped at a breakpoint, others queued */
			snprintf(pkt, sizeof(pkt), "Z1,%llx,4",
			    (unsigned long long)LOOP_J);
			cl_cmd(&T.cl, pkt, rep, sizeof(rep));
			CHECK(strcmp(rep, "OK") == 0, "%s -> %s\n", pkt, rep);
			cl_cmd(&T.cl, "vCont;c", rep, sizeof(rep));
			CHECK(stop_thread(rep, 5) > 0 && strstr(rep, "hwbreak"),
			    "continue onto Z1 -> %s\n", rep);
			break;
		case 3:		/* running, mid-packet */
			cl_send(&T.cl, "vCont;c");
			cl_write(&T.cl, "$m8000", 6);
			break;
		default:	/* mid-stop: Ctrl-C, gone before the reply */
			cl_send(&T.cl, "vCont;c");
			rc_sleep_ms((int)(rnd() % 2));
			cl_write(&T.cl, "\3", 1);
			break;
		}
		instrets(a);
		close(T.cl.fd);
		T.cl.fd = -1;
		for (int i = 0; i < NCPU; i++)
			CHECK(wait_progress(i, a[i], 5000), "round %d: vCPU %d "
			    "does not run after the hang-up\n", round, i);
	}
	reattach();
	cl_cmd(&T.cl, "QStartNoAckMode", rep, sizeof(rep));
	T.cl.noack = true;
	/* nothing left: z0/z1/z2 of what the vanished debuggers set fail */
	snprintf(pkt, sizeof(pkt), "z0,%llx,4", (unsigned long long)LOOP_SD);
	cl_cmd(&T.cl, pkt, rep, sizeof(rep));
	CHECK(rep[0] == 'E', "%s after the hang-ups -> %s\n", pkt, rep);
	snprintf(pkt, sizeof(pkt), "z1,%llx,4", (unsigned long long)LOOP_J);
	cl_cmd(&T.cl, pkt, rep, sizeof(rep));
	CHECK(rep[0] == 'E', "%s after the hang-ups -> %s\n", pkt, rep);
}

/* D: OK, the VM runs again, nothing stops it. */
static void
test_detach(void **state)
{
	char rep[256];
	uint64_t a[NCPU];

	(void)state;
	instrets(a);
	cl_cmd(&T.cl, "D", rep, sizeof(rep));
	CHECK(strcmp(rep, "OK") == 0, "D -> %s\n", rep);
	close(T.cl.fd);
	T.cl.fd = -1;
	for (int i = 0; i < NCPU; i++)
		CHECK(wait_progress(i, a[i], 5000), "vCPU %d did not run after "
		    "the detach\n", i);
	/* a new debugger gets every vCPU stopped again, then hangs up */
	cl_connect(&T.cl, T.path);
	cl_cmd(&T.cl, "?", rep, sizeof(rep));
	CHECK(stop_thread(rep, 2) > 0, "? after reattach -> %s\n", rep);
	assert_still("after reattach");
	instrets(a);
	close(T.cl.fd);
	T.cl.fd = -1;
	for (int i = 0; i < NCPU; i++)
		CHECK(wait_progress(i, a[i], 5000), "vCPU %d did not run after "
		    "the hang-up\n", i);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_attach),
		cmocka_unit_test(test_steps),
		cmocka_unit_test(test_cont_interrupt),
		cmocka_unit_test(test_breakpoints),
		cmocka_unit_test(test_conditions),
		cmocka_unit_test(test_nonstop),
		cmocka_unit_test(test_hangups),
		cmocka_unit_test(test_detach),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
