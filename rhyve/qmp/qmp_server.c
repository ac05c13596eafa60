/*
 * qmp_server.c - the QMP server's transport: Unix sockets (mode 0600)
 * bound before the sandbox is entered, one thread that sleeps in poll()
 * on them, on its clients and on an eventfd (as rhyve/gdb.c's server
 * does; no busy polling), and the events other threads raise.  Each
 * connection is a qmp_session (qmp_session.c) plus an output queue.
 *
 * Under the sandbox the thread only accepts, reads, writes (send with
 * MSG_NOSIGNAL) and closes descriptors; the socket files are removed at
 * exit with unlink, which sandbox.c allows when a QMP socket exists.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "../../vmmapi/vmmapi.h"
#include "qmp.h"
#include "qmp_int.h"

#define QMP_MAX_LISTEN	2	/* -qmp and -name */
#define QMP_MAX_CLIENTS	8
#define QMP_FLUSH_MS	1000	/* at exit, for clients to read what is queued */

struct qmp_client {
	int			 fd;	/* (s) */
	struct qmp_session	*sess;	/* (s) */
	struct jbuf		 out;	/* (m) queued output */
};

/*
 * The server.  Legend: (i) set by qmp_init() before the thread starts,
 * (s) server thread only, (m) under qsrv.mtx, (a) atomic.  A client slot
 * is filled and emptied by the server thread with mtx held, so other
 * threads (events) may walk the slots under mtx.
 */
static struct qmp_server {
	pthread_mutex_t		 mtx;
	bool			 started;	/* (i) */
	struct vmctx		*ctx;		/* (i) */
	int			 nlisten;	/* (i) */
	int			 lfd[QMP_MAX_LISTEN];	/* (i) */
	char			*path[QMP_MAX_LISTEN];	/* (i) removed at exit */
	int			 evfd;		/* (i) wakes the thread */
	pthread_t		 tid;		/* (i) */
	struct qmp_client	*clients[QMP_MAX_CLIENTS]; /* (m, written by s) */
	bool			 stopping;	/* (m) the thread must end */
	atomic_int		 reason;	/* (a) enum qmp_reason */
	atomic_bool		 ending;	/* (a) qmp_fini() began */
	int			 ncpus;		/* (i) */
	atomic_int		*tids;		/* (i) [ncpus], (a) elements */
} qsrv = {
	.mtx = PTHREAD_MUTEX_INITIALIZER,
	.evfd = -1,
};

/* ---- sockets ------------------------------------------------------------------ */

static void
unlink_sockets(void)
{
	for (int i = 0; i < qsrv.nlisten; i++)
		if (qsrv.path[i] != NULL) {
			unlink(qsrv.path[i]);
			free(qsrv.path[i]);
			qsrv.path[i] = NULL;
		}
}

/*
 * Make 'path' free for bind(): nothing there, or a socket nobody listens
 * on any more (a VM that crashed), which is removed.  A live one is
 * refused, and so is anything that is not a socket.
 */
static int
claim_path(const char *what, const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, error;

	if (lstat(path, &st) != 0)
		return 0;
	if (!S_ISSOCK(st.st_mode)) {
		fprintf(stderr, "rhyve: %s: %s exists and is not a socket\n",
		    what, path);
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	strncpy(sun.sun_path, path, sizeof(sun.sun_path) - 1);
	error = connect(fd, (struct sockaddr *)&sun, sizeof(sun));
	close(fd);
	if (error == 0) {
		fprintf(stderr, "rhyve: %s: %s is in use by a running VM\n",
		    what, path);
		return -1;
	}
	if (errno == ECONNREFUSED)
		unlink(path);	/* stale: its VM is gone */
	return 0;
}

static int
listen_unix(const char *what, const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	mode_t old;
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "rhyve: %s: socket path too long: %s\n", what,
		    path);
		return -1;
	}
	if (claim_path(what, path) != 0)
		return -1;
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		fprintf(stderr, "rhyve: %s: socket: %s\n", what,
		    strerror(errno));
		return -1;
	}
	/* Born 0600: nobody else may connect between bind and chmod. */
	old = umask(0177);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		umask(old);
		fprintf(stderr, "rhyve: %s: cannot bind %s: %s\n", what, path,
		    strerror(errno));
		close(fd);
		return -1;
	}
	umask(old);
	if (chmod(path, 0600) != 0 || listen(fd, 4) != 0) {
		fprintf(stderr, "rhyve: %s: %s: %s\n", what, path,
		    strerror(errno));
		unlink(path);
		close(fd);
		return -1;
	}
	qsrv.path[qsrv.nlisten] = strdup(path);
	qsrv.lfd[qsrv.nlisten++] = fd;
	return 0;
}

/*
 * The directory of a -name socket: created 0700 if missing, and if it
 * exists it must be ours and closed to others (in /tmp anyone could have
 * made /tmp/rhyve-UID first, to see or replace our socket).
 */
static int
make_parent(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)NULL)->sun_path)];
	struct stat st;
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash == NULL || slash == dir)
		return 0;
	*slash = '\0';
	/* /tmp/rhyve-UID's parent exists; XDG_RUNTIME_DIR's should. */
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "rhyve: -name: cannot create %s: %s\n", dir,
		    strerror(errno));
		return -1;
	}
	if (lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode) ||
	    st.st_uid != geteuid() || (st.st_mode & 077) != 0) {
		fprintf(stderr, "rhyve: -name: %s must be a directory of "
		    "ours with mode 0700\n", dir);
		return -1;
	}
	return 0;
}

/* ---- events --------------------------------------------------------------------- */

static void
wake_server(void)
{
	uint64_t one = 1;

	if (qsrv.evfd >= 0)
		(void)!write(qsrv.evfd, &one, sizeof(one));
}

void
qmp_event(const char *name, const char *data)
{
	struct jbuf ev = { .p = NULL };
	struct timeval tv;

	if (!qsrv.started)
		return;
	gettimeofday(&tv, NULL);
	jbuf_puts(&ev, "{\"timestamp\": {\"seconds\": ");
	jbuf_printf(&ev, "%lld, \"microseconds\": %ld}, \"event\": ",
	    (long long)tv.tv_sec, (long)tv.tv_usec);
	jbuf_cstring(&ev, name);
	if (data != NULL)
		jbuf_printf(&ev, ", \"data\": %s", data);
	jbuf_puts(&ev, "}\r\n");
	pthread_mutex_lock(&qsrv.mtx);
	for (int i = 0; i < QMP_MAX_CLIENTS && !ev.oom; i++) {
		struct qmp_client *c = qsrv.clients[i];

		if (c != NULL && atomic_load(&c->sess->negotiated))
			jbuf_put(&c->out, ev.p, ev.len);
	}
	pthread_mutex_unlock(&qsrv.mtx);
	jbuf_free(&ev);
	wake_server();
}

void
qmp_set_reason(enum qmp_reason r)
{
	atomic_store(&qsrv.reason, r);
}

bool
qmp_shutting_down(void)
{
	return atomic_load(&qsrv.ending);
}

void
qmp_vcpu_thread(int vcpu)
{
	if (qsrv.tids != NULL && vcpu >= 0 && vcpu < qsrv.ncpus)
		atomic_store(&qsrv.tids[vcpu], (int)gettid());
}

int
qmp_vcpu_tid(int vcpu)
{
	if (qsrv.tids == NULL || vcpu < 0 || vcpu >= qsrv.ncpus)
		return 0;
	return atomic_load(&qsrv.tids[vcpu]);
}

void
qmp_notify_reset(bool guest)
{
	int r = atomic_exchange(&qsrv.reason, QMP_REASON_NONE);

	if (r == QMP_REASON_RESET)
		qmp_event("RESET", "{\"guest\": false, \"reason\": "
		    "\"host-qmp-system-reset\"}");
	else
		qmp_event("RESET", guest ?
		    "{\"guest\": true, \"reason\": \"guest-reset\"}" :
		    "{\"guest\": false, \"reason\": \"host-ui\"}");
}

/* ---- the thread ---------------------------------------------------------------- */

static void
client_close(int slot)
{
	struct qmp_client *c = qsrv.clients[slot];

	pthread_mutex_lock(&qsrv.mtx);
	qsrv.clients[slot] = NULL;
	pthread_mutex_unlock(&qsrv.mtx);
	close(c->fd);
	jbuf_free(&c->out);
	free(c->sess);
	free(c);
}

static void
client_accept(int lfd)
{
	struct qmp_client *c;
	int fd, slot;

	fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	for (slot = 0; slot < QMP_MAX_CLIENTS; slot++)
		if (qsrv.clients[slot] == NULL)
			break;
	c = slot < QMP_MAX_CLIENTS ? calloc(1, sizeof(*c)) : NULL;
	if (c != NULL)
		c->sess = malloc(sizeof(*c->sess));
	if (c == NULL || c->sess == NULL) {
		/* Full (or no memory): the client sees the connection end. */
		if (c != NULL)
			free(c);
		close(fd);
		return;
	}
	c->fd = fd;
	qmp_session_init(c->sess, qsrv.ctx);
	qmp_session_greeting(&c->out);
	pthread_mutex_lock(&qsrv.mtx);
	qsrv.clients[slot] = c;
	pthread_mutex_unlock(&qsrv.mtx);
}

/* Write what is queued; false if the client is gone or hopeless. */
static bool
client_flush(struct qmp_client *c)
{
	bool ok = true;

	pthread_mutex_lock(&qsrv.mtx);
	if (c->out.oom || c->out.len > QMP_MAX_OUT)
		ok = false;
	while (ok && c->out.len > 0) {
		ssize_t n = send(c->fd, c->out.p, c->out.len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR)
				ok = false;
			break;
		}
		memmove(c->out.p, c->out.p + n, c->out.len - (size_t)n);
		c->out.len -= (size_t)n;
	}
	pthread_mutex_unlock(&qsrv.mtx);
	return ok;
}

/* Read and answer; false if the client hung up or failed. */
static bool
client_read(struct qmp_client *c)
{
	char buf[4096];
	struct jbuf reply = { .p = NULL };
	ssize_t n;

	n = recv(c->fd, buf, sizeof(buf), 0);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ||
		    errno == EINTR;
	if (n == 0)
		return false;
	qmp_session_input(c->sess, buf, (size_t)n, &reply);
	pthread_mutex_lock(&qsrv.mtx);
	if (reply.oom)
		c->out.oom = true;
	else if (reply.len > 0)
		jbuf_put(&c->out, reply.p, reply.len);
	pthread_mutex_unlock(&qsrv.mtx);
	jbuf_free(&reply);
	return true;
}

static bool
has_output(struct qmp_client *c)
{
	bool r;

	pthread_mutex_lock(&qsrv.mtx);
	r = c->out.len > 0;
	pthread_mutex_unlock(&qsrv.mtx);
	return r;
}

/* At exit: give clients QMP_FLUSH_MS to take what is queued (SHUTDOWN). */
static void
flush_all(void)
{
	struct timespec t0, now;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd pfd[QMP_MAX_CLIENTS];
		int n = 0;
		long ms;

		for (int i = 0; i < QMP_MAX_CLIENTS; i++) {
			struct qmp_client *c = qsrv.clients[i];

			if (c == NULL)
				continue;
			if (!client_flush(c)) {
				client_close(i);
				continue;
			}
			if (has_output(c))
				pfd[n++] = (struct pollfd){ c->fd, POLLOUT, 0 };
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		ms = QMP_FLUSH_MS - ((now.tv_sec - t0.tv_sec) * 1000 +
		    (now.tv_nsec - t0.tv_nsec) / 1000000);
		if (n == 0 || ms <= 0)
			break;
		if (poll(pfd, (nfds_t)n, (int)ms) < 0 && errno != EINTR)
			break;
	}
	for (int i = 0; i < QMP_MAX_CLIENTS; i++)
		if (qsrv.clients[i] != NULL)
			client_close(i);
}

static void *
server_thread(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "qmp");
	for (;;) {
		struct pollfd pfd[1 + QMP_MAX_LISTEN + QMP_MAX_CLIENTS];
		int slot[QMP_MAX_CLIENTS];
		int n = 0, nl, base;
		bool stop;

		pfd[n++] = (struct pollfd){ qsrv.evfd, POLLIN, 0 };
		for (int i = 0; i < qsrv.nlisten; i++)
			pfd[n++] = (struct pollfd){ qsrv.lfd[i], POLLIN, 0 };
		nl = n;
		base = n;
		for (int i = 0; i < QMP_MAX_CLIENTS; i++) {
			struct qmp_client *c = qsrv.clients[i];

			if (c == NULL)
				continue;
			slot[n - base] = i;
			pfd[n++] = (struct pollfd){ c->fd,
			    (short)(POLLIN | (has_output(c) ? POLLOUT : 0)), 0 };
		}
		if (poll(pfd, (nfds_t)n, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[0].revents != 0) {
			uint64_t v;

			(void)!read(qsrv.evfd, &v, sizeof(v));
		}
		pthread_mutex_lock(&qsrv.mtx);
		stop = qsrv.stopping;
		pthread_mutex_unlock(&qsrv.mtx);
		if (stop)
			break;
		for (int i = base; i < n; i++) {
			int s = slot[i - base];
			struct qmp_client *c = qsrv.clients[s];
			bool ok = true;

			if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR))
				ok = client_read(c);
			if (ok)
				ok = client_flush(c);
			if (!ok)
				client_close(s);
		}
		for (int i = 1; i < nl; i++)
			if (pfd[i].revents & POLLIN)
				client_accept(pfd[i].fd);
	}
	flush_all();
	return NULL;
}

/* ---- start, stop ------------------------------------------------------------------ */

int
qmp_init(struct vmctx *ctx, const struct qmp_config *cfg)
{
	char path[sizeof(((struct sockaddr_un *)NULL)->sun_path)];

	if (cfg->path == NULL && cfg->name == NULL)
		return 0;
	if (qsrv.started) {
		fprintf(stderr, "rhyve: qmp: already started\n");
		return -1;
	}
	qsrv.ctx = ctx;
	qsrv.ncpus = vm_get_ncpus(ctx);
	qsrv.tids = calloc((size_t)qsrv.ncpus, sizeof(*qsrv.tids));
	if (qsrv.tids == NULL) {
		fprintf(stderr, "rhyve: qmp: out of memory\n");
		return -1;
	}
	atexit(unlink_sockets);
	if (cfg->path != NULL && listen_unix("-qmp", cfg->path) != 0)
		goto fail;
	if (cfg->name != NULL) {
		if (qmp_default_path(cfg->name, path, sizeof(path)) != 0) {
			fprintf(stderr, "rhyve: -name %s: invalid name or path "
			    "too long\n", cfg->name);
			goto fail;
		}
		if (make_parent(path) != 0 || listen_unix("-name", path) != 0)
			goto fail;
	}
	qsrv.evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (qsrv.evfd < 0) {
		perror("rhyve: qmp: eventfd");
		goto fail;
	}
	qsrv.started = true;
	if (pthread_create(&qsrv.tid, NULL, server_thread, NULL) != 0) {
		fprintf(stderr, "rhyve: qmp: cannot start the server thread\n");
		qsrv.started = false;
		goto fail;
	}
	return 0;
fail:
	for (int i = 0; i < qsrv.nlisten; i++)
		close(qsrv.lfd[i]);
	unlink_sockets();
	qsrv.nlisten = 0;
	return -1;
}

void
qmp_fini(bool guest, int status)
{
	int r;

	if (!qsrv.started)
		return;
	atomic_store(&qsrv.ending, true);
	r = atomic_exchange(&qsrv.reason, QMP_REASON_NONE);
	if (r == QMP_REASON_QUIT || r == QMP_REASON_POWERDOWN)
		qmp_event("SHUTDOWN", "{\"guest\": false, \"reason\": "
		    "\"host-qmp-quit\"}");
	else if (r == QMP_REASON_RESET)
		qmp_event("SHUTDOWN", "{\"guest\": false, \"reason\": "
		    "\"host-qmp-system-reset\"}");
	else if (guest)
		qmp_event("SHUTDOWN", status == 0 ?
		    "{\"guest\": true, \"reason\": \"guest-shutdown\"}" :
		    "{\"guest\": true, \"reason\": \"guest-panic\"}");
	else
		qmp_event("SHUTDOWN", status > 128 ?
		    "{\"guest\": false, \"reason\": \"host-signal\"}" :
		    "{\"guest\": false, \"reason\": \"host-ui\"}");
	pthread_mutex_lock(&qsrv.mtx);
	qsrv.stopping = true;
	pthread_mutex_unlock(&qsrv.mtx);
	wake_server();
	pthread_join(qsrv.tid, NULL);
	qsrv.started = false;
	for (int i = 0; i < qsrv.nlisten; i++)
		close(qsrv.lfd[i]);
	unlink_sockets();
	close(qsrv.evfd);
	qsrv.evfd = -1;
}
