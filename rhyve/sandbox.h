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
 * What stays allowed depends on 'o':
 *   - a guest reset rebuilds the machine (no -no-reboot, no debug
 *     server): read-only opens (images), read-write opens when a disk is
 *     writable, and the calls devices_init makes (eventfd2, timerfd,
 *     the OFD lock and BLKGETSIZE64) stay allowed; otherwise no file can
 *     be opened: a read-only open fails with EACCES (glibc reads /proc
 *     files on its own and copes), any other traps;
 *   - unlink only with a Unix-socket debug server (its socket at exit).
 *
 * A forbidden call ends the process: one line "rhyve: sandbox: forbidden
 * system call N (name)" on stderr, exit status SANDBOX_EXIT_STATUS.
 *
 * Returns 0 (also when o->no_sandbox, or when already confined: a reboot
 * calls it again), or -1 with a message printed if the filter cannot be
 * built or loaded; the caller must then not run the guest.
 */
int	sandbox_enter(const struct rhyve_options *o);

/* True once this process runs under rhyve's filter. */
bool	sandbox_active(void);

#endif
