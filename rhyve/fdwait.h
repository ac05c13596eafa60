/*
 * fdwait.h - how rhyve's device threads sleep: in poll() on the one
 * descriptor they serve and on an eventfd that asks them to stop, so
 * they never busy-wait and always stop promptly (console.c's stdin
 * reader, goldfish_rtc.c's alarm timer).
 */
#ifndef RHYVE_FDWAIT_H
#define RHYVE_FDWAIT_H

#include <errno.h>
#include <poll.h>
#include <stdbool.h>

/*
 * Sleep until 'fd' is readable (or hung up: the caller's read() says
 * which) or 'stopfd' is signalled.  Returns true for 'fd', false when
 * the thread must stop (stopfd signalled, or poll() failed).
 */
static inline bool
fd_wait_readable(int fd, int stopfd)
{
	struct pollfd pfd[2] = {
		{ .fd = fd, .events = POLLIN },
		{ .fd = stopfd, .events = POLLIN },
	};

	for (;;) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return false;
		}
		if (pfd[1].revents != 0)
			return false;
		if (pfd[0].revents != 0)
			return true;
	}
}

#endif
