/*
 * sandbox.h - rhyve confines itself with a seccomp filter once the
 * machine is set up (the model: OpenSSH's and Chromium's seccomp-bpf
 * sandboxes, bhyve's Capsicum mode entered after its devices are
 * opened).  The filter is built with libseccomp (seccomp_init(3)) and
 * documented, with the list of what stays allowed, in rhyve(8) SANDBOX.
 */
#ifndef RHYVE_SANDBOX_H
#define RHYVE_SANDBOX_H

#include "options.h"

/*
 * Sanitizer builds (ASan, TSan: for testing) let the filter allow their
 * runtimes' own calls too (LeakSanitizer's ptrace, /proc reads).
 */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANDBOX_SANITIZED	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SANDBOX_SANITIZED	1
#endif
#endif
#ifndef SANDBOX_SANITIZED
#define SANDBOX_SANITIZED	0
#endif

/* Exit status of a process killed for a forbidden system call. */
#define SANDBOX_EXIT_STATUS	70	/* EX_SOFTWARE */

/*
 * Confine every thread of the process (SCMP_FLTATR_CTL_TSYNC) to the
 * system calls a running session needs.  Call it once set-up is over: the
 * VM created, images loaded, devices, disks (opened and locked), console
 * and debug server (socket listening) set up, and every thread that needs
 * a call outside the list started.  Threads created later must be plain
 * pthreads (clone with CLONE_THREAD).
 *
 * No file can be opened afterwards (a guest reset reuses the VM, its
 * disks and descriptors): a read-only open fails with EACCES (glibc reads
 * /proc files on its own and copes), any other traps.  What depends on
 * 'o': unlink only with a Unix-socket debug server or a QMP socket (their
 * sockets at exit); IPv4 socket, connect, getsockname/getpeername,
 * ioctl FIONREAD/FIONBIO and stat only with user-mode networking
 * (libslirp's outbound connections and its resolv.conf check).
 *
 * A forbidden call ends the process: one line "rhyve: sandbox: forbidden
 * system call N (name)" on stderr, exit status SANDBOX_EXIT_STATUS.
 *
 * Returns 0 (also when o->no_sandbox, or when already confined), or -1 with a message printed if the filter cannot be
 * built or loaded; the caller must then not run the guest.
 */
int	sandbox_enter(const struct rhyve_options *o);

/* True once this process runs under rhyve's filter. */
bool	sandbox_active(void);

#endif
