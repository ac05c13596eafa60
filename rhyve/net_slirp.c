/*
 * net_slirp.c - user-mode networking for the virtio-net device through
 * libslirp (QEMU's "-netdev user"): the guest gets an address by DHCP on
 * 10.0.2.0/24 (or -netdev user,net=), sees the host as 10.0.2.2 (host=),
 * which also reaches the host's loopback, and a DNS forwarder at .3;
 * its TCP and UDP traffic leaves through ordinary host sockets, and
 * hostfwd= rules forward host ports to the guest.  No TCP/IP stack here:
 * this file only runs libslirp.
 *
 * Threads.  Everything slirp does happens on one thread of ours, the
 * poll loop (slirp is not thread-safe): it sleeps in poll() on slirp's
 * sockets (slirp_pollfds_fill/poll), on an eventfd the device kicks when
 * the guest notifies a queue, and on the eventfd that stops it.  Each
 * turn it takes the guest's frames (virtio_net_tx -> slirp_input), lets
 * slirp serve its sockets and timers, and hands the frames slirp sends
 * to the guest (send_packet -> virtio_net_rx).  A frame that cannot go
 * in yet (no receive buffer, or the debugger holds the vCPUs) waits in a
 * bounded queue here; when that is full the frame is dropped, which TCP
 * survives and UDP expects.  While frames wait the loop also wakes on a
 * short timer, so a guest that resumes without notifying still gets
 * them.
 *
 * Record mode (net_slirp_set_recorded(), net.h) takes the rings away
 * from this thread: frames slirp sends wait in the queue, under qmtx,
 * for the recorder to put in at segment boundaries, and the guest's
 * frames come from the recorder through a second queue (txq) that this
 * thread feeds to slirp.
 *
 * Host forwarding sockets are bound at init, before the sandbox; later
 * calls are the socket traffic the sandbox allows when a network device
 * exists (sandbox.c).
 */
#include <errno.h>
#include <poll.h>
#include <stdatomic.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <slirp/libslirp.h>

#include "net.h"

#define RXQ_LEN			256	/* frames slirp sent that wait */
#define TXQ_LEN			64	/* record mode: the guest's, for slirp */
#define TIMERS_MAX		8
#define RETRY_MS		10	/* waiting frames: look again after */
#define TX_BATCH		64	/* frames taken under the lock at once */
#define TX_BATCHES		4	/* batches per turn of the loop */
#define GUEST_ERRORS_MAX	10

struct slirp_timer {
	bool		 used;
	bool		 armed;
	int64_t		 expire_ms;
	SlirpTimerCb	 cb;
	void		*cb_opaque;
};

/*
 * The backend.  Locking legend: (i) set at init, before the thread; (t)
 * the poll-loop thread only (init and fini run when it does not); (q)
 * in record mode, under qmtx (the rx ring, which is (t) otherwise).
 */
static struct {
	bool		 active;		/* (i) */
	Slirp		*slirp;			/* (t) */
	pthread_t	 thread;		/* (i) */
	bool		 started;		/* (i) */
	int		 kickfd, stopfd;	/* (i) */
	struct pollfd	*pfd;			/* (t) */
	int		 npfd, cappfd;		/* (t) */
	uint8_t		(*rxq)[NET_FRAME_MAX];	/* (t)(q) ring of frames */
	uint16_t	 rxlen[RXQ_LEN];	/* (t)(q) */
	unsigned	 rxhead, rxcount;	/* (t)(q) */
	atomic_bool	 recorded;		/* record mode (net.h) */
	pthread_mutex_t	 qmtx;
	uint8_t		(*txq)[NET_FRAME_MAX + 4];	/* (q) the guest's */
	uint16_t	 txlen[TXQ_LEN];	/* (q) */
	unsigned	 txhead, txcount;	/* (q) */
	unsigned	 dropped;		/* (t) frames dropped, for debug */
	unsigned	 guest_errors;		/* (t) */
	struct slirp_timer timers[TIMERS_MAX];	/* (t) */
} ns = { .kickfd = -1, .stopfd = -1, .qmtx = PTHREAD_MUTEX_INITIALIZER };

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
net_slirp_kick(void)
{
	uint64_t one = 1;

	/* A full counter already means "look": EAGAIN is fine. */
	if (ns.kickfd >= 0)
		(void)!write(ns.kickfd, &one, sizeof(one));
}

/* ---- frames to the guest ------------------------------------------------- */

/* Hand waiting frames to the guest, oldest first.  (t) */
static void
rx_flush(void)
{
	while (ns.rxcount > 0) {
		unsigned i = ns.rxhead;
		int r = virtio_net_rx(ns.rxq[i], ns.rxlen[i]);

		if (r == 0)
			return;		/* no buffer yet, or debugger */
		if (r < 0)
			ns.dropped++;
		ns.rxhead = (ns.rxhead + 1) % RXQ_LEN;
		ns.rxcount--;
	}
}

/* Record mode: a frame for the guest waits for the recorder.  (t) */
static void
rx_queue_recorded(const void *buf, size_t len)
{
	pthread_mutex_lock(&ns.qmtx);
	if (ns.rxcount == RXQ_LEN) {
		ns.dropped++;
	} else {
		unsigned tail = (ns.rxhead + ns.rxcount) % RXQ_LEN;

		memcpy(ns.rxq[tail], buf, len);
		ns.rxlen[tail] = (uint16_t)len;
		ns.rxcount++;
	}
	pthread_mutex_unlock(&ns.qmtx);
}

size_t
net_slirp_rx_peek(uint8_t *buf)
{
	size_t len = 0;

	if (!ns.active || ns.rxq == NULL)
		return 0;
	pthread_mutex_lock(&ns.qmtx);
	if (ns.rxcount > 0) {
		len = ns.rxlen[ns.rxhead];
		memcpy(buf, ns.rxq[ns.rxhead], len);
	}
	pthread_mutex_unlock(&ns.qmtx);
	return len;
}

void
net_slirp_rx_pop(void)
{
	pthread_mutex_lock(&ns.qmtx);
	if (ns.rxcount > 0) {
		ns.rxhead = (ns.rxhead + 1) % RXQ_LEN;
		ns.rxcount--;
	}
	pthread_mutex_unlock(&ns.qmtx);
}

void
net_slirp_send(const uint8_t *frame, size_t len)
{
	if (!ns.active || ns.txq == NULL || len > sizeof(ns.txq[0]))
		return;
	pthread_mutex_lock(&ns.qmtx);
	if (ns.txcount < TXQ_LEN) {
		unsigned tail = (ns.txhead + ns.txcount) % TXQ_LEN;

		memcpy(ns.txq[tail], frame, len);
		ns.txlen[tail] = (uint16_t)len;
		ns.txcount++;
	}
	pthread_mutex_unlock(&ns.qmtx);
	net_slirp_kick();
}

/* Record mode: the guest's frames the recorder queued, to slirp.  (t) */
static void
tx_recorded(void)
{
	static uint8_t frame[NET_FRAME_MAX + 4];

	for (;;) {
		size_t len = 0;

		pthread_mutex_lock(&ns.qmtx);
		if (ns.txcount > 0) {
			len = ns.txlen[ns.txhead];
			memcpy(frame, ns.txq[ns.txhead], len);
			ns.txhead = (ns.txhead + 1) % TXQ_LEN;
			ns.txcount--;
		}
		pthread_mutex_unlock(&ns.qmtx);
		if (len == 0)
			return;
		slirp_input(ns.slirp, frame, (int)len);
	}
}

void
net_slirp_set_recorded(void)
{
	if (!ns.active)
		return;
	pthread_mutex_lock(&ns.qmtx);
	if (ns.txq == NULL)
		ns.txq = calloc(TXQ_LEN, sizeof(*ns.txq));
	pthread_mutex_unlock(&ns.qmtx);
	if (ns.txq == NULL)
		return;		/* no memory: frames from the guest dropped */
	atomic_store(&ns.recorded, true);
	net_slirp_kick();
}

static ssize_t
cb_send_packet(const void *buf, size_t len, void *opaque)
{
	unsigned tail;

	(void)opaque;
	if (len > NET_FRAME_MAX) {
		ns.dropped++;
		return (ssize_t)len;
	}
	if (atomic_load(&ns.recorded)) {
		rx_queue_recorded(buf, len);
		return (ssize_t)len;
	}
	/* In order: straight in only when nothing waits before it. */
	if (ns.rxcount == 0) {
		int r = virtio_net_rx(buf, len);

		if (r != 0) {
			if (r < 0)
				ns.dropped++;
			return (ssize_t)len;
		}
	}
	if (ns.rxcount == RXQ_LEN) {
		ns.dropped++;
		return (ssize_t)len;
	}
	tail = (ns.rxhead + ns.rxcount) % RXQ_LEN;
	memcpy(ns.rxq[tail], buf, len);
	ns.rxlen[tail] = (uint16_t)len;
	ns.rxcount++;
	return (ssize_t)len;
}

/* ---- frames from the guest ----------------------------------------------- */

static void
tx_emit(const uint8_t *frame, size_t len, void *arg)
{
	(void)arg;
	slirp_input(ns.slirp, frame, (int)len);
}

/* ---- the rest of slirp's callbacks --------------------------------------- */

static void
cb_guest_error(const char *msg, void *opaque)
{
	(void)opaque;
	/* A guest must not be able to flood stderr. */
	if (ns.guest_errors < GUEST_ERRORS_MAX) {
		ns.guest_errors++;
		fprintf(stderr, "rhyve: user network: guest error: %s\r\n", msg);
	}
}

static int64_t
cb_clock_get_ns(void *opaque)
{
	struct timespec ts;

	(void)opaque;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void *
cb_timer_new(SlirpTimerCb cb, void *cb_opaque, void *opaque)
{
	(void)opaque;
	for (int i = 0; i < TIMERS_MAX; i++) {
		struct slirp_timer *t = &ns.timers[i];

		if (!t->used) {
			memset(t, 0, sizeof(*t));
			t->used = true;
			t->cb = cb;
			t->cb_opaque = cb_opaque;
			return t;
		}
	}
	/* slirp keeps one or two; running out is a bug worth a line. */
	fprintf(stderr, "rhyve: user network: out of timers\r\n");
	return NULL;
}

static void
cb_timer_free(void *timer, void *opaque)
{
	struct slirp_timer *t = timer;

	(void)opaque;
	if (t != NULL)
		t->used = t->armed = false;
}

static void
cb_timer_mod(void *timer, int64_t expire_ms, void *opaque)
{
	struct slirp_timer *t = timer;

	(void)opaque;
	if (t == NULL)
		return;
	t->expire_ms = expire_ms;
	t->armed = true;
}

static void
cb_register_poll_fd(int fd, void *opaque)
{
	(void)fd;
	(void)opaque;	/* slirp_pollfds_fill names its descriptors each turn */
}

static void
cb_notify(void *opaque)
{
	(void)opaque;
	net_slirp_kick();
}

static const SlirpCb slirp_cbs = {
	.send_packet = cb_send_packet,
	.guest_error = cb_guest_error,
	.clock_get_ns = cb_clock_get_ns,
	.timer_new = cb_timer_new,
	.timer_free = cb_timer_free,
	.timer_mod = cb_timer_mod,
	.register_poll_fd = cb_register_poll_fd,
	.unregister_poll_fd = cb_register_poll_fd,
	.notify = cb_notify,
};

/* ---- the poll loop ------------------------------------------------------- */

static int
cb_add_poll(int fd, int events, void *opaque)
{
	struct pollfd *p;

	(void)opaque;
	if (ns.npfd == ns.cappfd) {
		int cap = ns.cappfd * 2;

		p = realloc(ns.pfd, (size_t)cap * sizeof(*p));
		if (p == NULL)
			return -1;	/* slirp then just does not poll it */
		ns.pfd = p;
		ns.cappfd = cap;
	}
	p = &ns.pfd[ns.npfd];
	p->fd = fd;
	p->events = (short)(((events & SLIRP_POLL_IN) ? POLLIN : 0) |
	    ((events & SLIRP_POLL_OUT) ? POLLOUT : 0) |
	    ((events & SLIRP_POLL_PRI) ? POLLPRI : 0));
	p->revents = 0;
	return ns.npfd++;
}

static int
cb_get_revents(int idx, void *opaque)
{
	short r;

	(void)opaque;
	if (idx < 0 || idx >= ns.npfd)
		return 0;
	r = ns.pfd[idx].revents;
	return ((r & POLLIN) ? SLIRP_POLL_IN : 0) |
	    ((r & POLLOUT) ? SLIRP_POLL_OUT : 0) |
	    ((r & POLLPRI) ? SLIRP_POLL_PRI : 0) |
	    ((r & (POLLERR | POLLNVAL)) ? SLIRP_POLL_ERR : 0) |
	    ((r & POLLHUP) ? SLIRP_POLL_HUP : 0);
}

static void
timers_run(void)
{
	int64_t now = now_ms();

	for (int i = 0; i < TIMERS_MAX; i++) {
		struct slirp_timer *t = &ns.timers[i];

		if (t->used && t->armed && t->expire_ms <= now) {
			t->armed = false;
			t->cb(t->cb_opaque);
		}
	}
}

/* Shorten *timeout (ms) to the next armed timer. */
static void
timers_timeout(uint32_t *timeout)
{
	int64_t now = now_ms();

	for (int i = 0; i < TIMERS_MAX; i++) {
		struct slirp_timer *t = &ns.timers[i];
		int64_t d;

		if (!t->used || !t->armed)
			continue;
		d = t->expire_ms - now;
		if (d < 0)
			d = 0;
		if ((uint64_t)d < *timeout)
			*timeout = (uint32_t)d;
	}
}

static void *
net_thread(void *arg)
{
	uint64_t v;

	(void)arg;
	pthread_setname_np(pthread_self(), "net");
	for (;;) {
		uint32_t timeout = UINT32_MAX;
		bool waiting = false, busy = false;
		int n = 0, r, k;

		if (atomic_load(&ns.recorded)) {
			/* record mode: the recorder moves the rings */
			tx_recorded();
		} else {
			/*
			 * The guest's frames first (slirp answers into rxq),
			 * a few batches a turn: a guest that never stops
			 * sending must not starve slirp's sockets and the
			 * receive side.
			 */
			for (k = 0; k < TX_BATCHES && (n = virtio_net_tx(tx_emit,
			    NULL, TX_BATCH)) == TX_BATCH; k++)
				;
			busy = k == TX_BATCHES;
			rx_flush();
			/*
			 * Transmit chains the debugger kept us from taking,
			 * or frames for the guest: look again soon even
			 * without a kick.
			 */
			waiting = ns.rxcount > 0 ||
			    (n < 0 && virtio_net_running());
		}

		ns.npfd = 0;
		(void)cb_add_poll(ns.stopfd, SLIRP_POLL_IN, NULL);
		(void)cb_add_poll(ns.kickfd, SLIRP_POLL_IN, NULL);
		slirp_pollfds_fill(ns.slirp, &timeout, cb_add_poll, NULL);
		timers_timeout(&timeout);
		if (waiting && timeout > RETRY_MS)
			timeout = RETRY_MS;
		if (busy)
			timeout = 0;	/* more to send: just look at sockets */
		r = poll(ns.pfd, (nfds_t)ns.npfd,
		    timeout == UINT32_MAX ? -1 : (int)timeout);
		if (r < 0 && errno != EINTR) {
			fprintf(stderr, "rhyve: user network: poll: %s\r\n",
			    strerror(errno));
			break;
		}
		if (r > 0 && ns.pfd[0].revents != 0)
			break;				/* stop */
		if (r > 0 && ns.pfd[1].revents != 0)
			(void)!read(ns.kickfd, &v, sizeof(v));
		slirp_pollfds_poll(ns.slirp, r < 0, cb_get_revents, NULL);
		timers_run();
	}
	return NULL;
}

/* ---- set-up -------------------------------------------------------------- */

/* The Internet checksum of an IPv4 header (RFC 791, RFC 1071). */
static uint16_t
ip_csum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/*
 * libslirp learns the host's DNS server by reading /etc/resolv.conf the
 * first time the guest asks its forwarder, and afterwards only stat()s
 * the file to see whether it changed.  Under the sandbox that first
 * open would fail (EACCES) and DNS would go to 127.0.0.1 instead: so ask
 * once now, before the sandbox, with a DNS message without questions
 * from the guest's address (the server answers it with an error or not
 * at all, and nothing reaches the guest: its device is not up).
 */
static void
dns_prewarm(const struct net_config *nc)
{
	uint8_t f[14 + 20 + 8 + 12];
	uint8_t *ip = f + 14, *udp = ip + 20, *dns = udp + 8;
	uint32_t src = nc->net | 15, dst = nc->net | 3;
	uint16_t c;

	memset(f, 0, sizeof(f));
	memset(f, 0xff, 6);				/* broadcast */
	memcpy(f + 6, nc->mac, 6);
	f[12] = 0x08;					/* IPv4 */
	ip[0] = 0x45;
	ip[2] = (uint8_t)((20 + 8 + 12) >> 8);
	ip[3] = (uint8_t)(20 + 8 + 12);
	ip[8] = 64;					/* TTL */
	ip[9] = 17;					/* UDP */
	for (int i = 0; i < 4; i++) {
		ip[12 + i] = (uint8_t)(src >> (24 - 8 * i));
		ip[16 + i] = (uint8_t)(dst >> (24 - 8 * i));
	}
	c = ip_csum(ip, 20);
	ip[10] = (uint8_t)(c >> 8);
	ip[11] = (uint8_t)c;
	udp[0] = 0xd1;					/* port 53535 */
	udp[1] = 0x1f;
	udp[3] = 53;
	udp[5] = 8 + 12;				/* no checksum */
	dns[0] = 0x72;					/* id */
	dns[1] = 0x68;
	dns[2] = 0x01;					/* RD, no questions */
	slirp_input(ns.slirp, f, (int)sizeof(f));
}

int
net_slirp_init(const struct net_config *nc)
{
	SlirpConfig cfg;

	if (ns.active) {
		fprintf(stderr, "rhyve: user network: only one\n");
		return -1;
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.version = 3;
	cfg.in_enabled = true;
	cfg.vnetwork.s_addr = htonl(nc->net);
	cfg.vnetmask.s_addr = htonl(nc->mask);
	cfg.vhost.s_addr = htonl(nc->host);
	cfg.vdhcp_start.s_addr = htonl(nc->net | 15);
	cfg.vnameserver.s_addr = htonl(nc->net | 3);
	cfg.in6_enabled = false;
	/* Guests reach the host's loopback through host=, as on QEMU. */
	cfg.disable_host_loopback = false;
	cfg.enable_emu = false;

	ns.kickfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ns.stopfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ns.cappfd = 16;
	ns.pfd = calloc((size_t)ns.cappfd, sizeof(*ns.pfd));
	ns.rxq = calloc(RXQ_LEN, sizeof(*ns.rxq));
	if (ns.kickfd < 0 || ns.stopfd < 0 || ns.pfd == NULL ||
	    ns.rxq == NULL) {
		fprintf(stderr, "rhyve: user network: %s\n", strerror(errno));
		goto fail;
	}
	ns.slirp = slirp_new(&cfg, &slirp_cbs, NULL);
	if (ns.slirp == NULL) {
		fprintf(stderr, "rhyve: user network: libslirp refused the "
		    "configuration\n");
		goto fail;
	}
	dns_prewarm(nc);
	for (int i = 0; i < nc->nfwd; i++) {
		const struct net_hostfwd *f = &nc->fwd[i];
		struct in_addr h = { htonl(f->host_addr) };
		struct in_addr g = { htonl(f->guest_addr != 0 ?
		    f->guest_addr : (nc->net | 15)) };
		char hs[INET_ADDRSTRLEN];

		errno = 0;
		if (slirp_add_hostfwd(ns.slirp, f->udp, h, f->host_port, g,
		    f->guest_port) < 0) {
			inet_ntop(AF_INET, &h, hs, sizeof(hs));
			fprintf(stderr, "rhyve: -netdev user: hostfwd=%s:%s:%u: "
			    "cannot listen there%s%s\n", f->udp ? "udp" : "tcp",
			    hs, f->host_port, errno != 0 ? ": " : "",
			    errno != 0 ? strerror(errno) : "");
			goto fail;
		}
	}
	ns.active = true;
	return 0;
fail:
	ns.active = true;	/* so that fini cleans up */
	net_slirp_fini();
	return -1;
}

int
net_slirp_start(void)
{
	int error;

	error = pthread_create(&ns.thread, NULL, net_thread, NULL);
	if (error != 0) {
		fprintf(stderr, "rhyve: user network: thread: %s\n",
		    strerror(error));
		return -1;
	}
	ns.started = true;
	return 0;
}

void
net_slirp_fini(void)
{
	uint64_t one = 1;

	if (!ns.active)
		return;
	if (ns.started) {
		(void)!write(ns.stopfd, &one, sizeof(one));
		pthread_join(ns.thread, NULL);
		ns.started = false;
	}
	if (ns.slirp != NULL)
		slirp_cleanup(ns.slirp);
	ns.slirp = NULL;
	if (ns.kickfd >= 0)
		close(ns.kickfd);
	if (ns.stopfd >= 0)
		close(ns.stopfd);
	ns.kickfd = ns.stopfd = -1;
	free(ns.pfd);
	free(ns.rxq);
	free(ns.txq);
	ns.pfd = NULL;
	ns.rxq = NULL;
	ns.txq = NULL;
	atomic_store(&ns.recorded, false);
	ns.npfd = ns.cappfd = 0;
	ns.rxhead = ns.rxcount = 0;
	memset(ns.timers, 0, sizeof(ns.timers));
	ns.active = false;
}
