/*
 * console.c - host stdio as the guest's console, the way QEMU's
 * "-nographic" stdio multiplexer behaves (QEMU chardev/char-mux.c,
 * chardev/char-stdio.c): stdin in raw mode when it is a terminal, Ctrl-A
 * escapes (x quits, h prints help, Ctrl-A Ctrl-A sends one Ctrl-A), guest
 * output straight to stdout.
 *
 * Input: a reader thread sleeps in poll() on stdin and on an eventfd used
 * only to stop it, and moves bytes into a bounded queue.  When the queue
 * is full it stops reading (the terminal's buffer holds the rest), and it
 * waits on a condition variable that console_getc() signals, so no byte
 * is dropped and nothing spins.  EOF or an error on stdin ends input.
 *
 * Output: console_write() loops over write(2) for partial writes and
 * EINTR; once stdout is gone (EPIPE, EBADF, ...) output is dropped
 * silently.  The machine ignores SIGPIPE, so a closed pipe is EPIPE here.
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
#include <termios.h>
#include <unistd.h>

#include "devices.h"
#include "fdwait.h"
#include "machine.h"

#define CONS_QLEN	4096	/* input bytes queued for the guest */
#define CTRL_A		0x01

/*
 * Console state.  Locking legend:
 *	(i)	set by console_init before the reader thread starts
 *	(q)	under qlock
 *	(o)	under outlock
 *	(r)	reader thread only
 *	(a)	atomic
 */
static struct {
	pthread_mutex_t	 qlock;
	pthread_cond_t	 qspace;		/* (q) the queue has room */
	uint8_t		 q[CONS_QLEN];		/* (q) input ring */
	unsigned	 qhead, qcount;		/* (q) */
	bool		 stopping;		/* (q) console_fini running */
	void		(*listener)(void *);	/* (q) */
	void		*listener_arg;		/* (q) */
	int		(*gate)(void);		/* (q) record mode: the guest's
						   input comes from here */

	pthread_mutex_t	 outlock;
	bool		 out_broken;		/* (o) stdout gone: drop */
	bool		 muted;			/* (o) record mode: replaying */

	bool		 running;		/* (i) reader thread exists */
	pthread_t	 reader;		/* (i) */
	int		 stopfd;		/* (i) eventfd: reader, stop */
	bool		 escape;		/* (r) Ctrl-A seen */
	bool		 input_on;		/* (i) stdin is open */
} cons = {
	.qlock = PTHREAD_MUTEX_INITIALIZER,
	.qspace = PTHREAD_COND_INITIALIZER,
	.outlock = PTHREAD_MUTEX_INITIALIZER,
	.stopfd = -1,
};

/* Terminal state; saved once, restored by console_fini or at exit. */
static struct termios	saved_tio;
static atomic_bool	tio_saved;
static atomic_bool	atexit_done;

void
console_restore_tty(void)
{
	/* The first restorer wins; tcsetattr is async-signal-safe. */
	if (atomic_exchange(&tio_saved, false))
		(void)tcsetattr(STDIN_FILENO, TCSANOW, &saved_tio);
}

/*
 * Raw mode as QEMU's stdio chardev sets it: no echo, no line editing, no
 * signals from the keyboard (Ctrl-C goes to the guest), no CR/NL mapping
 * on input; output processing stays on, as in QEMU.
 */
static void
console_raw_tty(void)
{
	struct termios tio;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_tio) != 0)
		return;
	tio = saved_tio;
	tio.c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR |
	    ICRNL | IXON);
	tio.c_oflag |= OPOST;
	tio.c_lflag &= ~(ECHO | ECHONL | ICANON | IEXTEN | ISIG);
	tio.c_cflag &= ~(CSIZE | PARENB);
	tio.c_cflag |= CS8;
	tio.c_cc[VMIN] = 1;
	tio.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSANOW, &tio) != 0)
		return;
	atomic_store(&tio_saved, true);
	if (!atomic_exchange(&atexit_done, true))
		atexit(console_restore_tty);
}

/* Write all of buf to stdout unless it is gone.  Caller holds outlock. */
static void
console_write_locked(const uint8_t *p, size_t len)
{
	struct pollfd pfd;
	ssize_t n;

	while (len > 0 && !cons.out_broken) {
		n = write(STDOUT_FILENO, p, len);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
		} else if (n < 0 && errno == EINTR) {
			continue;
		} else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			/* Non-blocking stdout (shared with another program). */
			pfd.fd = STDOUT_FILENO;
			pfd.events = POLLOUT;
			if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
				cons.out_broken = true;
		} else {
			cons.out_broken = true;
		}
	}
}

void
console_write(const void *buf, size_t len)
{
	pthread_mutex_lock(&cons.outlock);
	if (!cons.muted)
		console_write_locked(buf, len);
	pthread_mutex_unlock(&cons.outlock);
}

void
console_set_muted(bool on)
{
	pthread_mutex_lock(&cons.outlock);
	cons.muted = on;
	pthread_mutex_unlock(&cons.outlock);
}

static void
console_puts(const char *s)
{
	console_write(s, strlen(s));
}

int
console_getc(void)
{
	int (*gate)(void);

	pthread_mutex_lock(&cons.qlock);
	gate = cons.gate;
	pthread_mutex_unlock(&cons.qlock);
	if (gate != NULL)
		return gate();
	return console_host_getc();
}

int
console_host_getc(void)
{
	int c = -1;

	pthread_mutex_lock(&cons.qlock);
	if (cons.qcount > 0) {
		c = cons.q[cons.qhead];
		cons.qhead = (cons.qhead + 1) % CONS_QLEN;
		if (cons.qcount-- == CONS_QLEN)
			pthread_cond_signal(&cons.qspace);
	}
	pthread_mutex_unlock(&cons.qlock);
	return c;
}

void
console_set_listener(void (*fn)(void *arg), void *arg)
{
	pthread_mutex_lock(&cons.qlock);
	cons.listener = fn;
	cons.listener_arg = arg;
	pthread_mutex_unlock(&cons.qlock);
}

void
console_set_gate(int (*fn)(void))
{
	pthread_mutex_lock(&cons.qlock);
	cons.gate = fn;
	pthread_mutex_unlock(&cons.qlock);
}

void
console_notify_listener(void)
{
	void (*fn)(void *);
	void *arg;

	pthread_mutex_lock(&cons.qlock);
	fn = cons.listener;
	arg = cons.listener_arg;
	pthread_mutex_unlock(&cons.qlock);
	if (fn != NULL)
		fn(arg);
}

/*
 * Tell the listener (the UART) that input is queued.  Called without
 * qlock held: the listener takes its own lock and then calls
 * console_getc(), which takes qlock.  With a gate the recorder tells it,
 * at its schedule's boundaries.
 */
static void
console_notify(void)
{
	bool gated;

	pthread_mutex_lock(&cons.qlock);
	gated = cons.gate != NULL;
	pthread_mutex_unlock(&cons.qlock);
	if (!gated)
		console_notify_listener();
}

/*
 * Queue one byte for the guest, waiting for room.  Returns false when the
 * console is stopping.
 */
static bool
console_enqueue(uint8_t c)
{
	bool ok;

	pthread_mutex_lock(&cons.qlock);
	if (cons.qcount == CONS_QLEN && !cons.stopping) {
		/*
		 * Full: make sure the UART knows what is queued before
		 * waiting for the guest to drain it.
		 */
		pthread_mutex_unlock(&cons.qlock);
		console_notify();
		pthread_mutex_lock(&cons.qlock);
	}
	while (cons.qcount == CONS_QLEN && !cons.stopping)
		pthread_cond_wait(&cons.qspace, &cons.qlock);
	ok = !cons.stopping;
	if (ok) {
		cons.q[(cons.qhead + cons.qcount) % CONS_QLEN] = c;
		cons.qcount++;
	}
	pthread_mutex_unlock(&cons.qlock);
	return ok;
}

static const char console_help[] =
    "\r\n"
    "C-a h    print this help\r\n"
    "C-a x    exit rhyve\r\n"
    "C-a c    (reserved: monitor)\r\n"
    "C-a C-a  send C-a to the guest\r\n";

/*
 * One input byte through the escape state machine.  Returns false when
 * input must end (Ctrl-A x, or the console is stopping).
 */
static bool
console_input(uint8_t c)
{
	if (cons.escape) {
		cons.escape = false;
		switch (c) {
		case 'x':
		case 'X':
			console_puts("\r\nrhyve: terminated\r\n");
			machine_request_exit(0);
			return false;
		case 'h':
		case 'H':
		case '?':
			console_puts(console_help);
			return true;
		case CTRL_A:
			return console_enqueue(c);
		default:
			/* QEMU drops unknown escapes ('c' included here). */
			return true;
		}
	}
	if (c == CTRL_A) {
		cons.escape = true;
		return true;
	}
	return console_enqueue(c);
}

static void *
console_reader(void *arg)
{
	uint8_t buf[256];
	ssize_t n;

	(void)arg;
	for (;;) {
		/* Wait for room before reading, so nothing read is lost. */
		pthread_mutex_lock(&cons.qlock);
		while (cons.qcount == CONS_QLEN && !cons.stopping)
			pthread_cond_wait(&cons.qspace, &cons.qlock);
		if (cons.stopping) {
			pthread_mutex_unlock(&cons.qlock);
			break;
		}
		pthread_mutex_unlock(&cons.qlock);

		if (!fd_wait_readable(STDIN_FILENO, cons.stopfd))
			break;
		n = read(STDIN_FILENO, buf, sizeof(buf));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			break;	/* EOF or error: no more input, ever */
		for (ssize_t i = 0; i < n; i++) {
			if (!console_input(buf[i]))
				goto out;
		}
		console_notify();
	}
out:
	console_notify();
	return NULL;
}

int
console_init(struct vmctx *ctx)
{
	int error;

	(void)ctx;
	if (cons.running)
		return 0;
	pthread_mutex_lock(&cons.qlock);
	cons.qhead = cons.qcount = 0;
	cons.stopping = false;
	pthread_mutex_unlock(&cons.qlock);
	cons.escape = false;

	/* No stdin at all (closed): the guest simply gets no input. */
	cons.input_on = fcntl(STDIN_FILENO, F_GETFL) != -1;
	/*
	 * A closed stdio descriptor would be reused by the next open(), and
	 * guest output written into, say, a disk image.  Park /dev/null
	 * there (open returns the lowest free descriptor).
	 */
	for (int fd = STDIN_FILENO; fd <= STDERR_FILENO; fd++) {
		if (fcntl(fd, F_GETFD) == -1 && errno == EBADF)
			(void)open("/dev/null", O_RDWR);
	}
	if (!cons.input_on)
		return 0;

	cons.stopfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (cons.stopfd < 0) {
		fprintf(stderr, "rhyve: console: eventfd: %s\n",
		    strerror(errno));
		return -1;
	}
	console_raw_tty();
	error = pthread_create(&cons.reader, NULL, console_reader, NULL);
	if (error != 0) {
		fprintf(stderr, "rhyve: console: cannot start reader: %s\n",
		    strerror(error));
		console_restore_tty();
		close(cons.stopfd);
		cons.stopfd = -1;
		return -1;
	}
	cons.running = true;
	return 0;
}

void
console_fini(void)
{
	uint64_t one = 1;

	if (cons.running) {
		pthread_mutex_lock(&cons.qlock);
		cons.stopping = true;
		pthread_cond_broadcast(&cons.qspace);
		pthread_mutex_unlock(&cons.qlock);
		(void)!write(cons.stopfd, &one, sizeof(one));
		pthread_join(cons.reader, NULL);
		cons.running = false;
	}
	if (cons.stopfd >= 0) {
		close(cons.stopfd);
		cons.stopfd = -1;
	}
	console_restore_tty();
}
