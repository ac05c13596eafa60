/*
 * sandbox.c - unit tests of rhyve's seccomp sandbox (rhyve/sandbox.c):
 * in a forked child (the filter cannot be undone, and Criterion's own
 * process must stay free), enter the sandbox, then make one call.  A
 * forbidden one must end the child with status 70 and the line "rhyve:
 * sandbox: forbidden system call N (name)", and have no effect; an
 * allowed one must work.  Also: every thread is covered (TSYNC), the
 * conditional rule (Unix socket) and --no-sandbox.
 *
 * Sanitizer builds allow the runtime's extra calls (ptrace, clone, any
 * open, ...); the tests of those calls are skipped there.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <time.h>
#include <unistd.h>

#include "rhyve/sandbox.h"


/* Child exit codes of the bodies; SANDBOX_EXIT_STATUS means trapped. */
#define BODY_OK		0
#define ENTER_FAILED	99

struct outcome {
	int	status;		/* exit status, or 128 + signal */
	char	err[1024];	/* the child's stderr */
};

static char tmpdir[64];

/* Tests see a fresh directory for files they must (not) create. */
static void
mk_tmpdir(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/rhyve-sandbox-XXXXXX");
	cr_assert_not_null(mkdtemp(tmpdir));
}

static void
rm_tmpdir(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	(void)!system(cmd);
}

TestSuite(sandbox, .init = mk_tmpdir, .fini = rm_tmpdir, .timeout = 30);

/* A skipped test does not run the suite's fini: clean up first. */
#define SKIP_IF_SANITIZED() do {					\
	if (SANDBOX_SANITIZED) {						\
		rm_tmpdir();						\
		cr_skip_test("sanitizer builds allow this call");	\
	}								\
} while (0)

/* A session with a TCP debug server. */
static void
strict_opts(struct rhyve_options *o)
{
	memset(o, 0, sizeof(*o));
	o->ncpus = 1;
	o->gdb_listen = "127.0.0.1:1234";
}

/* No debug server: the filter is the same (a reset opens nothing). */
static void
plain_opts(struct rhyve_options *o)
{
	memset(o, 0, sizeof(*o));
	o->ncpus = 1;
}

/*
 * Fork; the child sends its stderr to us, runs 'pre' (set-up before the
 * sandbox), enters the sandbox with 'o' and runs 'body', which _exits
 * with its verdict.
 */
static struct outcome
run_child(const struct rhyve_options *o, void (*pre)(void),
    void (*body)(void))
{
	struct outcome out;
	int p[2], st;
	size_t len = 0;
	ssize_t n;
	pid_t pid;

	memset(&out, 0, sizeof(out));
	cr_assert_eq(pipe(p), 0);
	fflush(NULL);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		close(p[0]);
		dup2(p[1], STDERR_FILENO);
		close(p[1]);
		if (pre != NULL)
			pre();
		if (sandbox_enter(o) != 0)
			_exit(ENTER_FAILED);
		body();
		_exit(BODY_OK);
	}
	close(p[1]);
	while (len < sizeof(out.err) - 1 &&
	    (n = read(p[0], out.err + len, sizeof(out.err) - 1 - len)) > 0)
		len += (size_t)n;
	close(p[0]);
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	out.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	return out;
}

/* The child must have been stopped at 'name' with the one-line message. */
static void
expect_trapped(const struct outcome *r, const char *name)
{
	char want[64];

	snprintf(want, sizeof(want), "(%s)\r\n", name);
	cr_expect_eq(r->status, SANDBOX_EXIT_STATUS, "status %d, stderr: %s",
	    r->status, r->err);
	cr_expect_not_null(strstr(r->err,
	    "rhyve: sandbox: forbidden system call "), "stderr: %s", r->err);
	cr_expect_not_null(strstr(r->err, want), "want %s in: %s", name,
	    r->err);
}

/* A session with a TCP debug server in which 'body' is trapped at 'name'. */
static struct outcome
strict_trapped(void (*pre)(void), void (*body)(void), const char *name)
{
	struct rhyve_options o;
	struct outcome r;

	strict_opts(&o);
	r = run_child(&o, pre, body);
	expect_trapped(&r, name);
	return r;
}

static void
expect_ok(const struct outcome *r)
{
	cr_expect_eq(r->status, BODY_OK, "status %d, stderr: %s", r->status,
	    r->err);
	cr_expect_null(strstr(r->err, "sandbox"), "stderr: %s", r->err);
}

/* ---- what a running session does works -------------------------------- */

static int status_fd = -1, data_fd = -1, ev_fd = -1;

static void
pre_open_files(void)
{
	char path[128];

	status_fd = open("/proc/self/status", O_RDONLY);
	snprintf(path, sizeof(path), "%s/disk.img", tmpdir);
	data_fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ev_fd = eventfd(0, EFD_NONBLOCK);
	if (status_fd < 0 || data_fd < 0 || ev_fd < 0)
		_exit(1);
}

static void *
thread_body(void *arg)
{
	char name[16];

	/* What each vCPU thread does first. */
	pthread_setname_np(pthread_self(), "vcpu 0");
	pthread_getname_np(pthread_self(), name, sizeof(name));
	*(int *)arg = strcmp(name, "vcpu 0") == 0 ? 42 : -1;
	return NULL;
}

/* sched_setattr(2)'s argument, version 0 (glibc 2.36 has no wrapper). */
struct test_sched_attr {
	uint32_t size, policy;
	uint64_t flags;
	int32_t	 nice;
	uint32_t priority;
	uint64_t runtime, deadline, period;
};

/* SCHED_OTHER with a 100 us slice, as rhyve/gdb/gdb_sched.c may ask. */
static long
set_own_slice(pid_t pid)
{
	struct test_sched_attr a = { .size = sizeof(a), .policy = 0,
	    .runtime = 100 * 1000 };

	return syscall(SYS_sched_setattr, pid, &a, 0);
}

static void
body_allowed(void)
{
	char buf[4096], blk[512];
	struct timespec ts = { 0, 1000000 };
	pthread_t t;
	uint64_t v = 1;
	void *p;
	int res = 0;
	ssize_t n;

	/* The filter is on: the kernel's view of this process. */
	n = pread(status_fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		_exit(2);
	buf[n] = '\0';
	if (strstr(buf, "Seccomp:\t2") == NULL)
		_exit(3);
	/* malloc, large (mmap) and small (brk) */
	p = malloc(64 << 20);
	if (p == NULL)
		_exit(4);
	memset(p, 1, 1 << 20);
	free(p);
	free(malloc(100));
	/* a new thread, as vCPU threads are started after set-up */
	if (pthread_create(&t, NULL, thread_body, &res) != 0 ||
	    pthread_join(t, NULL) != 0 || res != 42)
		_exit(5);
	/* time */
	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0 ||
	    clock_gettime(CLOCK_REALTIME, &ts) != 0)
		_exit(6);
	ts = (struct timespec){ 0, 1000000 };
	if (nanosleep(&ts, NULL) != 0 ||
	    clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL) != 0)
		_exit(7);
	/* virtio-blk's I/O */
	memset(blk, 0xa5, sizeof(blk));
	if (pwrite(data_fd, blk, sizeof(blk), 512) != (ssize_t)sizeof(blk) ||
	    fdatasync(data_fd) != 0 || fsync(data_fd) != 0 ||
	    pread(data_fd, buf, sizeof(blk), 512) != (ssize_t)sizeof(blk) ||
	    memcmp(buf, blk, sizeof(blk)) != 0)
		_exit(8);
	/* the eventfds the debug server and console wait on */
	if (write(ev_fd, &v, sizeof(v)) != sizeof(v) ||
	    read(ev_fd, &v, sizeof(v)) != sizeof(v) || v != 1)
		_exit(9);
	if (getrandom(&v, sizeof(v), 0) != sizeof(v))
		_exit(10);
	/* the debug server's scheduling class, for the calling thread */
	if (set_own_slice(0) != 0)
		_exit(11);
	close(data_fd);
	/* glibc's stdio to stderr */
	fprintf(stderr, "still here\n");
}

Test(sandbox, allowed_calls_work)
{
	struct rhyve_options o;
	struct outcome r;

	strict_opts(&o);
	r = run_child(&o, pre_open_files, body_allowed);
	expect_ok(&r);
	cr_expect_not_null(strstr(r.err, "still here"), "stderr: %s", r.err);
}

/* ---- forbidden calls end the process, with no effect ------------------ */

static void
body_execve(void)
{
	char *const argv[] = { "true", NULL };

	execve("/bin/true", argv, NULL);
	_exit(1);
}

Test(sandbox, execve_is_forbidden)
{
	struct outcome r;

	r = strict_trapped(NULL, body_execve, "execve");
	/* The number is the real one: 59 on x86-64, 221 on aarch64/riscv. */
	{
		char want[64];

		snprintf(want, sizeof(want), "forbidden system call %d (",
		    (int)SYS_execve);
		cr_expect_not_null(strstr(r.err, want), "%s", r.err);
	}
}

/* Any pid but 0 (this thread) is refused, even the process's own. */
static void
body_sched_other(void)
{
	(void)set_own_slice(getpid());
	_exit(1);
}

Test(sandbox, scheduling_by_pid_is_forbidden)
{
	strict_trapped(NULL, body_sched_other, "sched_setattr");
}

static void
body_socket(void)
{
	(void)socket(AF_INET, SOCK_STREAM, 0);
	_exit(1);
}

Test(sandbox, new_socket_is_forbidden)
{
	strict_trapped(NULL, body_socket, "socket");
}

static int sock_fd = -1;

static void
pre_socket(void)
{
	sock_fd = socket(AF_INET, SOCK_STREAM, 0);
	if (sock_fd < 0)
		_exit(1);
}

static void
body_connect(void)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(9),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};

	(void)connect(sock_fd, (struct sockaddr *)&sin, sizeof(sin));
	_exit(1);
}

Test(sandbox, connect_is_forbidden)
{
	strict_trapped(pre_socket, body_connect, "connect");
}

static void
body_create_file(void)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/new", tmpdir);
	(void)open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	_exit(1);
}

Test(sandbox, creating_a_file_is_forbidden)
{
	struct rhyve_options o;
	struct outcome r;
	char path[128];

	SKIP_IF_SANITIZED();
	/* Even with a writable disk. */
	plain_opts(&o);
	o.ndisks = 1;
	o.disks[0].path = "disk.img";
	r = run_child(&o, NULL, body_create_file);
	expect_trapped(&r, "openat");
	snprintf(path, sizeof(path), "%s/new", tmpdir);
	cr_expect_neq(access(path, F_OK), 0, "the file was created");
}

static void
body_open_rdwr(void)
{
	(void)open("/etc/hostname", O_RDWR);
	_exit(1);
}

Test(sandbox, open_for_writing_is_forbidden_in_a_debug_session)
{
	SKIP_IF_SANITIZED();
	strict_trapped(NULL, body_open_rdwr, "openat");
}

static void
body_open_rdonly_refused(void)
{
	int fd = open("/etc/passwd", O_RDONLY | O_CLOEXEC);

	/* Refused quietly: glibc reads /proc files on its own. */
	_exit(fd < 0 && errno == EACCES ? 0 : 1);
}

Test(sandbox, read_only_open_fails_with_eacces_in_a_debug_session)
{
	struct rhyve_options o;
	struct outcome r;

	SKIP_IF_SANITIZED();
	strict_opts(&o);
	r = run_child(&o, NULL, body_open_rdonly_refused);
	expect_ok(&r);
}

static void
body_reopen_disk(void)
{
	char path[128];

	/* A guest reset reopens nothing: a disk open for writing traps. */
	snprintf(path, sizeof(path), "%s/disk.img", tmpdir);
	(void)open(path, O_RDWR | O_CLOEXEC);
	_exit(1);
}

Test(sandbox, no_file_is_opened_for_writing_without_a_debugger_either)
{
	struct rhyve_options o;
	struct outcome r;
	char path[128];

	SKIP_IF_SANITIZED();
	plain_opts(&o);
	snprintf(path, sizeof(path), "%s/disk.img", tmpdir);
	o.ndisks = 1;
	o.disks[0].path = path;
	close(open(path, O_RDWR | O_CREAT, 0600));
	r = run_child(&o, NULL, body_reopen_disk);
	expect_trapped(&r, "openat");
}

static void
body_fork(void)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	_exit(1);
}

Test(sandbox, fork_is_forbidden)
{
	SKIP_IF_SANITIZED();
	strict_trapped(NULL, body_fork, "clone");
}

static void
body_ptrace(void)
{
	(void)ptrace(PTRACE_TRACEME, 0, NULL, NULL);
	_exit(1);
}

Test(sandbox, ptrace_is_forbidden)
{
	SKIP_IF_SANITIZED();
	strict_trapped(NULL, body_ptrace, "ptrace");
}

static void
body_mmap_exec(void)
{
	(void)mmap(NULL, 4096, PROT_READ | PROT_EXEC,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	_exit(1);
}

Test(sandbox, executable_mapping_is_forbidden)
{
	SKIP_IF_SANITIZED();
	strict_trapped(NULL, body_mmap_exec, "mmap");
}

static void
body_mprotect_exec(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		_exit(2);
	(void)mprotect(p, 4096, PROT_READ | PROT_EXEC);
	_exit(1);
}

Test(sandbox, making_memory_executable_is_forbidden)
{
	SKIP_IF_SANITIZED();
	strict_trapped(NULL, body_mprotect_exec, "mprotect");
}

static void
body_unlink(void)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/sock", tmpdir);
	_exit(unlink(path) == 0 ? 0 : 1);
}

static void
pre_make_sock_file(void)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/sock", tmpdir);
	close(open(path, O_WRONLY | O_CREAT, 0600));
}

Test(sandbox, unlink_only_with_a_unix_socket_debug_server)
{
	struct rhyve_options o;
	struct outcome r;
	char path[128];

	snprintf(path, sizeof(path), "%s/sock", tmpdir);
	strict_opts(&o);
	o.gdb_listen = "unix:/tmp/whatever.sock";
	r = run_child(&o, pre_make_sock_file, body_unlink);
	expect_ok(&r);
	cr_expect_neq(access(path, F_OK), 0);

	strict_opts(&o);	/* TCP */
	r = run_child(&o, pre_make_sock_file, body_unlink);
	expect_trapped(&r, "unlink");
	cr_expect_eq(access(path, F_OK), 0, "unlinked under a TCP server");
}

/* ---- every thread, --no-sandbox, idempotence ------------------------- */

static pthread_t early;
static int go_fd = -1;

static void *
early_thread(void *arg)
{
	uint64_t v;
	char *const argv[] = { "true", NULL };

	(void)arg;
	/* Wait until the main thread has entered the sandbox. */
	while (read(go_fd, &v, sizeof(v)) != sizeof(v))
		;
	execve("/bin/true", argv, NULL);
	_exit(1);
}

static void
pre_early_thread(void)
{
	go_fd = eventfd(0, 0);
	if (go_fd < 0 || pthread_create(&early, NULL, early_thread, NULL) != 0)
		_exit(2);
}

static void
body_release_early(void)
{
	uint64_t one = 1;

	(void)!write(go_fd, &one, sizeof(one));
	pthread_join(early, NULL);
	_exit(3);
}

Test(sandbox, threads_started_before_are_confined_too)
{
	strict_trapped(pre_early_thread, body_release_early, "execve");
}

static int self_status_fd = -1;

static void
pre_status(void)
{
	self_status_fd = open("/proc/self/status", O_RDONLY);
	if (self_status_fd < 0)
		_exit(2);
}

/* _exit with the number of filters and the mode: 10 * filters + mode. */
static void
body_report_seccomp(void)
{
	char buf[4096], *p;
	ssize_t n;
	int mode = -1, filters = 0;

	n = pread(self_status_fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		_exit(90);
	buf[n] = '\0';
	if ((p = strstr(buf, "Seccomp:\t")) != NULL)
		mode = atoi(p + 9);
	if ((p = strstr(buf, "Seccomp_filters:\t")) != NULL)
		filters = atoi(p + 17);
	_exit(10 * filters + mode + (sandbox_active() ? 50 : 0));
}

Test(sandbox, no_sandbox_leaves_the_process_alone)
{
	struct rhyve_options o;
	struct outcome r;

	strict_opts(&o);
	o.no_sandbox = true;
	r = run_child(&o, pre_status, body_report_seccomp);
	cr_expect_eq(r.status, 0, "mode/filters %d, stderr %s", r.status,
	    r.err);
}

static void
body_enter_again(void)
{
	struct rhyve_options o;

	/* Entering again (already confined) loads no second filter. */
	strict_opts(&o);
	if (sandbox_enter(&o) != 0)
		_exit(91);
	body_report_seccomp();
}

Test(sandbox, entering_twice_loads_one_filter)
{
	struct rhyve_options o;
	struct outcome r;

	strict_opts(&o);
	r = run_child(&o, pre_status, body_enter_again);
	/* one filter, mode 2, active */
	cr_expect_eq(r.status, 50 + 10 * 1 + 2, "status %d, stderr %s",
	    r.status, r.err);
}

/* ---- user-mode networking (-netdev user): libslirp's calls only -------- */

static void
net_opts(struct rhyve_options *o)
{
	strict_opts(o);
	o->net = true;
}

/* What libslirp does for a guest connection to 10.0.2.2 (the host). */
static void
body_slirp_outbound(void)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(9),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	struct sockaddr_in me;
	socklen_t len = sizeof(me);
	struct stat st;
	int s, u, n = 0;

	s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0 || fcntl(s, F_SETFL, O_NONBLOCK) != 0)
		_exit(2);
	(void)connect(s, (struct sockaddr *)&sin, sizeof(sin));
	if (getsockname(s, (struct sockaddr *)&me, &len) != 0)
		_exit(3);
	u = socket(AF_INET, SOCK_DGRAM, 0);
	if (u < 0 || sendto(u, "x", 1, 0, (struct sockaddr *)&sin,
	    sizeof(sin)) != 1 || ioctl(u, FIONREAD, &n) != 0)
		_exit(4);
	/* The DNS server check: metadata, not the contents. */
	if (stat("/etc/hostname", &st) != 0 && errno != ENOENT)
		_exit(5);
	close(s);
	close(u);
}

Test(sandbox, user_networking_may_connect_ipv4)
{
	struct rhyve_options o;
	struct outcome r;

	net_opts(&o);
	r = run_child(&o, NULL, body_slirp_outbound);
	expect_ok(&r);
}

static void
body_unix_socket(void)
{
	(void)socket(AF_UNIX, SOCK_STREAM, 0);
	_exit(1);
}

Test(sandbox, user_networking_no_other_socket_family)
{
	struct rhyve_options o;
	struct outcome r;

	net_opts(&o);
	r = run_child(&o, NULL, body_unix_socket);
	expect_trapped(&r, "socket");
}

static void
body_bind(void)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};

	(void)bind(sock_fd, (struct sockaddr *)&sin, sizeof(sin));
	_exit(1);
}

static void
body_listen(void)
{
	(void)listen(sock_fd, 1);
	_exit(1);
}

/* No new listening port after set-up, even with networking. */
Test(sandbox, user_networking_cannot_bind_or_listen)
{
	struct rhyve_options o;
	struct outcome r;

	net_opts(&o);
	r = run_child(&o, pre_socket, body_bind);
	expect_trapped(&r, "bind");
	r = run_child(&o, pre_socket, body_listen);
	expect_trapped(&r, "listen");
}

/* Without networking the same outbound calls stay forbidden. */
Test(sandbox, no_outbound_socket_without_networking)
{
	strict_trapped(NULL, body_slirp_outbound, "socket");
}
