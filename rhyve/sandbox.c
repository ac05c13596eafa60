/*
 * sandbox.c - the seccomp filter rhyve enters once the machine is set up
 * (Linux Documentation/userspace-api/seccomp_filter.rst; libseccomp's
 * seccomp_init(3), seccomp_rule_add(3), seccomp_attr_set(3)).  The idea
 * is bhyve's: it opens everything it needs, then enters Capsicum
 * capability mode, so a guest that takes over a device model gets a
 * process that can do nothing but what a running VM does.
 *
 * Default action: SECCOMP_RET_TRAP.  The kernel does not run the call and
 * sends SIGSYS to the thread; our handler writes one line naming the call
 * and ends the process with _exit(SANDBOX_EXIT_STATUS).  Safe (nothing
 * forbidden runs; the process ends before it can try another way) and
 * diagnosable (a silent SIGSYS death, as KILL_PROCESS gives, tells the
 * user nothing; ERRNO(EPERM) would let the code limp on with a bogus
 * error).  A thread that blocks SIGSYS when it makes a forbidden call is
 * killed by the kernel with SIGSYS instead (the signal is forced): no
 * message, still nothing run.  --no-sandbox turns the filter off, to
 * debug.
 *
 * What the allow list is made of, and why each member is there:
 *   - memory: brk, mmap, munmap, mremap, madvise, mprotect for malloc and
 *     thread stacks; never PROT_EXEC (no JIT in rhyve, so no code can be
 *     made executable after set-up);
 *   - threads: clone only with CLONE_THREAD (pthread_create; fork is
 *     impossible), clone3 refused with ENOSYS so glibc falls back to
 *     clone (its flags live in memory, where a filter cannot look), futex,
 *     set_robust_list, rseq, exit, prctl(PR_SET_NAME) for thread names,
 *     tgkill on ourselves only (abort()), sched_setattr on the calling
 *     thread only (the debug server's class, gdb/gdb_sched.h);
 *   - time: clock_gettime, clock_nanosleep, nanosleep, gettimeofday,
 *     timerfd_settime/gettime (goldfish RTC);
 *   - I/O on descriptors already open: read/write and vectored forms,
 *     pread/pwrite (virtio-blk), fsync, fdatasync, lseek, fstat, close,
 *     poll, eventfd reads/writes, tty ioctls TCGETS/TCSETS* (console);
 *     fcntl for flags only;
 *   - the debug server: accept/accept4, recvfrom, sendto, setsockopt,
 *     getsockopt, shutdown (no socket, bind, listen or connect);
 *   - signals: rt_sigprocmask, rt_sigtimedwait (the sigwait thread),
 *     rt_sigreturn, restart_syscall;
 *   - getrandom (also virtio-rng's source); exit_group.
 * Conditional members are described in sandbox.h.  Nothing is opened
 * after set-up, not even for a guest reset (machine.c keeps the images in
 * memory and reuses the VM, its disks and descriptors).
 *
 * Sanitizer builds (ASan, UBSan, TSan): their runtimes make calls of their
 * own (LeakSanitizer stops the world at exit with ptrace from a cloned
 * task, reads /proc/self/maps, installs signal handlers and alternate
 * stacks).  Those builds are for testing, so the filter then also allows
 * the runtime's calls (SAN_EXTRA below); everything else is unchanged.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "devices.h"
#include "sandbox.h"

/* Names for the SIGSYS message, resolved before entering (no malloc then). */
#define NAMES_MAX	1024

static const char *names[NAMES_MAX];
static volatile sig_atomic_t entered;

bool
sandbox_active(void)
{
	return entered != 0;
}

/* ---- the SIGSYS handler: async-signal-safe only ------------------------- */

static size_t
fmt_uint(char *p, unsigned long v)
{
	char tmp[24];
	size_t n = 0, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	for (i = 0; i < n; i++)
		p[i] = tmp[n - 1 - i];
	return n;
}

static void
sigsys_handler(int sig, siginfo_t *si, void *uc)
{
	static const char pre[] = "rhyve: sandbox: forbidden system call ";
	char line[sizeof(pre) + 96];
	const char *name = NULL;
	size_t len;
	int nr = si->si_syscall;

	(void)sig;
	(void)uc;
	/* The terminal may be in raw mode: start a fresh line. */
	line[0] = '\r';
	line[1] = '\n';
	len = 2;
	memcpy(line + len, pre, sizeof(pre) - 1);
	len += sizeof(pre) - 1;
	len += fmt_uint(line + len, (unsigned long)(nr < 0 ? 0 : nr));
	if (nr >= 0 && nr < NAMES_MAX)
		name = names[nr];
	line[len++] = ' ';
	line[len++] = '(';
	if (name == NULL)
		name = "unknown";
	for (size_t i = 0; name[i] != '\0' && len < sizeof(line) - 4; i++)
		line[len++] = name[i];
	line[len++] = ')';
	line[len++] = '\r';
	line[len++] = '\n';
	console_restore_tty();
	(void)!write(STDERR_FILENO, line, len);
	_exit(SANDBOX_EXIT_STATUS);
}

/* ---- building the filter ------------------------------------------------ */

struct rules {
	scmp_filter_ctx	 ctx;
	int		 error;		/* first failure, negative errno */
	const char	*what;		/* the call it was about */
};

/*
 * Add one rule.  A call that does not exist on this architecture
 * (libseccomp's pseudo numbers are negative) is skipped: it cannot be
 * made either.
 */
static void
rule(struct rules *r, uint32_t action, const char *name, unsigned n,
    const struct scmp_arg_cmp *cmp)
{
	int nr, error;

	if (r->error != 0)
		return;
	nr = seccomp_syscall_resolve_name(name);
	if (nr == __NR_SCMP_ERROR) {
		r->error = -ENOSYS;
		r->what = name;
		return;
	}
	if (nr < 0)
		return;
	error = seccomp_rule_add_array(r->ctx, action, nr, n, cmp);
	if (error != 0) {
		r->error = error;
		r->what = name;
	}
}

static void
allow(struct rules *r, const char *name)
{
	rule(r, SCMP_ACT_ALLOW, name, 0, NULL);
}

static void
allow_if(struct rules *r, const char *name, struct scmp_arg_cmp c)
{
	rule(r, SCMP_ACT_ALLOW, name, 1, &c);
}

/* Calls allowed with any arguments, in every configuration. */
static const char *const always[] = {
	/* memory (mmap and mprotect are below: no PROT_EXEC) */
	"brk", "munmap", "mremap", "madvise",
	/* threads and synchronisation */
	"futex", "set_robust_list", "get_robust_list", "rseq", "exit",
	"sched_yield", "gettid", "getpid", "sched_getaffinity",
	/* time */
	"clock_gettime", "clock_getres", "clock_nanosleep", "nanosleep",
	"gettimeofday", "time", "timerfd_settime", "timerfd_gettime",
	/* descriptors that are already open */
	"read", "write", "readv", "writev", "pread64", "pwrite64", "preadv",
	"pwritev", "preadv2", "pwritev2", "lseek", "fstat", "close",
	"fsync", "fdatasync", "poll", "ppoll",
	/* the debug server's connection */
	"accept", "accept4", "recvfrom", "recvmsg", "sendto", "sendmsg",
	"setsockopt", "getsockopt", "shutdown",
	/* signals: the sigwait thread, handlers returning */
	"rt_sigprocmask", "rt_sigtimedwait", "rt_sigreturn",
	"restart_syscall",
	"getrandom", "exit_group",
};

/*
 * What sanitizer runtimes need besides (see the top of the file).  The
 * filter stays on so that the sanitizer runs test the same rules.
 */
static const char *const san_extra[] = {
	"ptrace", "wait4", "waitid", "clone", "openat", "open", "getdents",
	"getdents64",
	"readlink", "readlinkat", "sigaltstack", "rt_sigaction", "prctl",
	"tgkill", "kill", "mincore", "sched_getaffinity", "newfstatat",
	"statx", "stat", "lstat", "access", "faccessat", "uname",
	"prlimit64", "getrlimit", "msync", "pipe2", "dup", "dup2", "dup3",
	"getppid", "mmap", "mprotect", "fcntl", "ioctl", "close_range",
	"process_vm_readv", "setrlimit",
};

static void
add_rules(struct rules *r, const struct rhyve_options *o)
{
	const int open_mask = O_ACCMODE | O_CREAT | O_TRUNC | O_EXCL |
	    O_APPEND | O_PATH | __O_TMPFILE;

	for (size_t i = 0; i < sizeof(always) / sizeof(always[0]); i++)
		allow(r, always[i]);

	/* No new code: nothing may be mapped or made executable. */
	allow_if(r, "mmap", SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	allow_if(r, "mprotect", SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));

	/* pthread_create only: clone must share the thread group. */
	allow_if(r, "clone", SCMP_A0(SCMP_CMP_MASKED_EQ,
	    CLONE_THREAD | CLONE_VM | CLONE_SIGHAND | CLONE_FILES,
	    CLONE_THREAD | CLONE_VM | CLONE_SIGHAND | CLONE_FILES));
	rule(r, SCMP_ACT_ERRNO(ENOSYS), "clone3", 0, NULL);
	allow_if(r, "prctl", SCMP_A0(SCMP_CMP_EQ, PR_SET_NAME));
	/* The debug server's own scheduling class (gdb/gdb_sched.h). */
	allow_if(r, "sched_setattr", SCMP_A0(SCMP_CMP_EQ, 0));
	allow_if(r, "prctl", SCMP_A0(SCMP_CMP_EQ, PR_GET_NAME));
	/* abort(): a signal to ourselves, nobody else. */
	allow_if(r, "tgkill", SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)getpid()));

	/* fstat(): glibc's is newfstatat(fd, "", AT_EMPTY_PATH). */
	allow_if(r, "newfstatat", SCMP_A3(SCMP_CMP_MASKED_EQ, AT_EMPTY_PATH,
	    AT_EMPTY_PATH));

	/* The console's terminal (raw mode, restored at exit). */
	allow_if(r, "ioctl", SCMP_A1(SCMP_CMP_EQ, TCGETS));
	allow_if(r, "ioctl", SCMP_A1(SCMP_CMP_EQ, TCSETS));
	allow_if(r, "ioctl", SCMP_A1(SCMP_CMP_EQ, TCSETSW));
	allow_if(r, "ioctl", SCMP_A1(SCMP_CMP_EQ, TCSETSF));
	allow_if(r, "fcntl", SCMP_A1(SCMP_CMP_EQ, F_GETFL));
	allow_if(r, "fcntl", SCMP_A1(SCMP_CMP_EQ, F_SETFL));
	allow_if(r, "fcntl", SCMP_A1(SCMP_CMP_EQ, F_GETFD));
	allow_if(r, "fcntl", SCMP_A1(SCMP_CMP_EQ, F_SETFD));

	/* The debug server's and QMP's Unix sockets, removed at exit. */
	if ((o->gdb_listen != NULL && strncmp(o->gdb_listen, "unix:", 5) == 0) ||
	    o->qmp_path != NULL || o->name != NULL) {
		allow(r, "unlink");
		allow_if(r, "unlinkat", SCMP_A2(SCMP_CMP_EQ, 0));
	}

	/*
	 * User-mode networking (net_slirp.c): libslirp opens IPv4 sockets
	 * for the guest's connections and datagrams (IPv6 is off), accepts
	 * on the host forwards it bound before the sandbox, asks a socket
	 * its addresses and pending bytes, and stat()s /etc/resolv.conf
	 * to see whether its cached DNS server is still current (metadata
	 * only: opening files stays forbidden).  No listen and no bind:
	 * no new listening port after set-up.
	 */
	if (o->net) {
		allow_if(r, "socket", SCMP_A0(SCMP_CMP_EQ, AF_INET));
		allow(r, "connect");
		allow(r, "getsockname");
		allow(r, "getpeername");
		allow_if(r, "ioctl", SCMP_A1(SCMP_CMP_EQ, FIONREAD));
		allow_if(r, "ioctl", SCMP_A1(SCMP_CMP_EQ, FIONBIO));
		allow_if(r, "newfstatat", SCMP_A3(SCMP_CMP_EQ, 0));
		allow(r, "stat");
	}

	if (SANDBOX_SANITIZED) {
		for (size_t i = 0; i < sizeof(san_extra) / sizeof(san_extra[0]);
		    i++)
			allow(r, san_extra[i]);
	} else {
		/*
		 * glibc reads a few files on its own, e.g. malloc
		 * /proc/sys/vm/overcommit_memory the first time it trims a
		 * thread's heap, and copes when it cannot: a read-only open
		 * fails with EACCES instead of ending the process.  Nothing
		 * is opened; opening for writing still traps.
		 */
		rule(r, SCMP_ACT_ERRNO(EACCES), "openat", 1,
		    &SCMP_A2(SCMP_CMP_MASKED_EQ, open_mask, O_RDONLY));
	}
}

/* Resolve the names the SIGSYS handler prints; it cannot call malloc. */
static void
resolve_names(void)
{
	for (int nr = 0; nr < NAMES_MAX; nr++) {
		if (names[nr] == NULL)
			names[nr] = seccomp_syscall_resolve_num_arch(
			    SCMP_ARCH_NATIVE, nr);
	}
}

int
sandbox_enter(const struct rhyve_options *o)
{
	struct rules r = { .ctx = NULL };
	struct sigaction sa;
	int error;

	if (o->no_sandbox || entered)
		return 0;
	resolve_names();
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = sigsys_handler;
	sa.sa_flags = SA_SIGINFO;
	sigfillset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL) != 0) {
		fprintf(stderr, "rhyve: sandbox: SIGSYS handler: %s\n",
		    strerror(errno));
		return -1;
	}

	r.ctx = seccomp_init(SCMP_ACT_TRAP);
	if (r.ctx == NULL) {
		fprintf(stderr, "rhyve: sandbox: cannot create the seccomp "
		    "filter (use --no-sandbox to run without it)\n");
		return -1;
	}
	/*
	 * Every thread, including those started before (console reader,
	 * RTC, signal and debug-server threads); no_new_privs as well,
	 * which seccomp requires of an unprivileged process.
	 */
	error = seccomp_attr_set(r.ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	if (error == 0)
		error = seccomp_attr_set(r.ctx, SCMP_FLTATR_CTL_NNP, 1);
	if (error != 0) {
		r.what = "filter attributes";
		goto fail;
	}
	add_rules(&r, o);
	if ((error = r.error) != 0)
		goto fail;
	r.what = "loading the filter";
	if ((error = seccomp_load(r.ctx)) != 0)
		goto fail;
	seccomp_release(r.ctx);
	entered = 1;
	return 0;
fail:
	fprintf(stderr, "rhyve: sandbox: %s: %s (use --no-sandbox to run "
	    "without it)\n", r.what, strerror(-error));
	seccomp_release(r.ctx);
	return -1;
}
