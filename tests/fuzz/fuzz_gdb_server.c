/*
 * fuzz_gdb_server.c - libFuzzer harness for the debug server's packet
 * dispatcher (rhyve/gdb/gdb.c, rhyve/gdb/gdb_cmds.c, rhyve/gdb/gdb_target.c) against
 * a live VM, through its real transport: gdb_init() on a Unix socket, two
 * vCPU threads running a small guest loop and calling the gdb_cpu_*
 * hooks as rhyve's vCPU loop does, and a client in this harness that
 * behaves like GDB (one packet at a time, waits for the reply, sends
 * Ctrl-C when a resume does not come back).  Spec: GDB manual, appendix
 * E; run control per DESIGN.md section 5.
 *
 * Feeds: the input split on '\n' into packet payloads (at most
 * MAX_PACKETS), each framed with gdb_frame() so that checksums and
 * escapes are right and the bytes reach the handlers (raw framing is
 * fuzz_gdb_packet's job).  Each input is one session: connect (the
 * server stops every vCPU), reset the guest (code, pc, a few CSRs) with
 * vmmapi while everything is parked, send the packets, detach, close.
 * "k" and "vKill" are skipped: they end rhyve by design; after "D" the
 * session ends, as GDB disconnects after a detach.
 *
 * Asserts: no memory error or undefined behaviour in the server, the
 * vmm or the target description code; every reply is a well-formed
 * packet (good checksum, decodes, fits 1 MiB); every packet gets a reply,
 * at the latest after a Ctrl-C (else the server hung: abort); the
 * server accepts the next session (it survived this one).
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rhyve/gdb/gdb.h"
#include "rhyve/gdb/gdb_packet.h"
#include "vmmapi/vmmapi.h"

#include "fuzz_util.h"

#define NCPUS		2
#define RAM_SIZE	(UINT64_C(4) << 20)
#define MAX_PACKETS	48
#define REPLY_MS	20	/* then a resume is assumed: send Ctrl-C */
#define HANG_MS		5000	/* no reply even after Ctrl-C: a hang */

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The guest: gp = base; loop { a0++; *(gp + 0x100) = a0; a1 = that; } */
static const uint32_t guest_code[] = {
	0x00000197,	/* auipc gp, 0 */
	0x00150513,	/* addi a0, a0, 1 */
	0x10a1b023,	/* sd a0, 256(gp) */
	0x1001b583,	/* ld a1, 256(gp) */
	0xff5ff06f,	/* j 80000004 */
};

static struct vmctx *ctx;
static uint8_t *ram;
static char sock_path[64];
static struct gdb_parser rx;
static uint8_t rxbuf[65536];
static size_t rxlen, rxoff;

/* ---- the "machine": vCPU threads as rhyve's vCPU loop runs them -------- */

static void *
vcpu_thread(void *arg)
{
	int id = (int)(intptr_t)arg;
	struct vm_exit vme;

	gdb_cpu_add(id);
	for (;;) {
		if (vm_run(ctx, id, &vme) != 0) {
			usleep(1000);
			continue;
		}
		if (gdb_cpu_exit(id, &vme))
			continue;
		switch (vme.exitcode) {
		case VM_EXITCODE_MMIO:
			vme.u.mmio.fault = true;
			break;
		case VM_EXITCODE_ECALL:
			vme.u.ecall.ret[0] = (uint64_t)-2;
			break;
		case VM_EXITCODE_SUSPENDED:
			usleep(1000);
			break;
		default:
			break;
		}
	}
	return NULL;
}

static void
remove_socket(void)
{
	unlink(sock_path);
}

static void
setup(void)
{
	static char listen[128];
	struct gdb_config cfg;
	struct fuzz_guard g;
	pthread_t t;
	int i;

	signal(SIGPIPE, SIG_IGN);
	ctx = vm_open_new(NCPUS, RAM_SIZE);
	CHECK(ctx != NULL);
	ram = vm_map_gpa(ctx, VM_RAM_BASE, RAM_SIZE);
	CHECK(ram != NULL);
	fuzz_guard_ram(&g, ram, RAM_SIZE);	/* for the process lifetime */
	memcpy(ram, guest_code, sizeof(guest_code));
	for (i = 0; i < NCPUS; i++) {
		CHECK(vm_activate_cpu(ctx, i) == 0);
		CHECK(vm_hart_start(ctx, i, VM_RAM_BASE, (uint64_t)i, 0,
		    PRV_M) == 0);
	}
	snprintf(sock_path, sizeof(sock_path), "/tmp/rhyve-fuzz-gdb-%d.sock",
	    (int)getpid());
	unlink(sock_path);
	atexit(remove_socket);
	memset(&cfg, 0, sizeof(cfg));
	snprintf(listen, sizeof(listen), "unix:%s", sock_path);
	cfg.listen = listen;
	cfg.wait = true;
	CHECK(gdb_init(ctx, &cfg) == 0);
	for (i = 0; i < NCPUS; i++) {
		CHECK(pthread_create(&t, NULL, vcpu_thread,
		    (void *)(intptr_t)i) == 0);
		pthread_detach(t);
	}
	CHECK(gdb_parser_init(&rx, 1 << 20) == 0);
}

/* ---- the client --------------------------------------------------------- */

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool
send_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

enum wait_result { W_REPLY, W_TIMEOUT, W_CLOSED };

/* Wait up to ms for the next reply packet; acks are skipped. */
static enum wait_result
wait_reply(int fd, int ms)
{
	int64_t deadline = now_ms() + ms;
	enum gdb_event ev;

	for (;;) {
		while (rxoff < rxlen) {
			rxoff += gdb_parser_feed(&rx, rxbuf + rxoff,
			    rxlen - rxoff, &ev);
			/* the server's output must always be well formed */
			CHECK(ev != GDB_EV_BAD_CHECKSUM &&
			    ev != GDB_EV_BAD_PACKET && ev != GDB_EV_OVERSIZE &&
			    ev != GDB_EV_NACK && ev != GDB_EV_INTERRUPT);
			if (ev == GDB_EV_PACKET)
				return W_REPLY;
		}
		rxoff = rxlen = 0;

		int64_t left = deadline - now_ms();
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		if (left <= 0)
			return W_TIMEOUT;
		if (poll(&pfd, 1, (int)left) <= 0)
			continue;
		ssize_t n = recv(fd, rxbuf, sizeof(rxbuf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return W_CLOSED;
		rxlen = (size_t)n;
	}
}

/* One packet and its reply; false once the connection is gone. */
static bool
transact(int fd, const uint8_t *payload, size_t len)
{
	struct gdb_buf b;
	enum wait_result w;
	bool ok;

	gdb_buf_init(&b);
	gdb_frame(&b, payload, len);
	CHECK(!b.oom);
	ok = send_all(fd, b.data, b.len);
	gdb_buf_free(&b);
	if (!ok)
		return false;
	w = wait_reply(fd, REPLY_MS);
	if (w == W_TIMEOUT) {
		/* a resume (or a slow reply): interrupt, as GDB's Ctrl-C */
		if (!send_all(fd, "\003", 1))
			return false;
		w = wait_reply(fd, HANG_MS);
		if (w == W_TIMEOUT) {
			fprintf(stderr, "fuzz_gdb_server: no reply to '%.*s' "
			    "even after Ctrl-C\n", (int)(len > 64 ? 64 : len),
			    payload);
			abort();
		}
	}
	return w == W_REPLY;
}

/* Connect and wait for the attach stop; retries while the last session
 * is still being torn down (the server takes one debugger at a time). */
static int
open_session(void)
{
	struct sockaddr_un sun;
	int64_t deadline = now_ms() + HANG_MS;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", sock_path);
	while (now_ms() < deadline) {
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

		CHECK(fd >= 0);
		gdb_parser_reset(&rx);
		rxlen = rxoff = 0;
		if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0 &&
		    transact(fd, (const uint8_t *)"?", 1))
			return fd;
		close(fd);
		usleep(200);
	}
	fprintf(stderr, "fuzz_gdb_server: the server takes no new session\n");
	abort();
}

/* Everything is parked: put the guest back to a known state. */
static void
reset_guest(void)
{
	memcpy(ram, guest_code, sizeof(guest_code));
	CHECK(vm_invalidate_code(ctx, VM_RAM_BASE, 4096) == 0);
	for (int i = 0; i < NCPUS; i++) {
		vm_set_register(ctx, i, VM_REG_PC, VM_RAM_BASE);
		vm_set_register(ctx, i, VM_REG_PRIV, PRV_M);
		vm_set_register(ctx, i, VM_REG_CSR(0x180), 0);	/* satp */
		vm_set_register(ctx, i, VM_REG_CSR(0x300), 0);	/* mstatus */
		vm_set_register(ctx, i, VM_REG_CSR(0x304), 0);	/* mie */
		vm_set_register(ctx, i, VM_REG_CSR(0x305), VM_RAM_BASE);
	}
}

static bool
skipped(const uint8_t *p, size_t len)
{
	return (len >= 1 && p[0] == 'k') ||
	    (len >= 5 && memcmp(p, "vKill", 5) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t i, start;
	int fd, npk = 0;
	bool alive = true;

	if (ctx == NULL)
		setup();
	fd = open_session();
	reset_guest();
	for (start = 0, i = 0; i <= size && npk < MAX_PACKETS && alive; i++) {
		if (i < size && data[i] != '\n')
			continue;
		if (!skipped(data + start, i - start)) {
			alive = transact(fd, data + start, i - start);
			npk++;
			/*
			 * After a detach GDB disconnects; a packet sent while
			 * the guest runs would wait for a stop that nothing
			 * asks for (see docs/fuzzing.md).
			 */
			if (i > start && data[start] == 'D')
				alive = false;
		}
		start = i + 1;
	}
	if (alive)
		(void)transact(fd, (const uint8_t *)"D", 1);
	close(fd);
	return 0;
}
