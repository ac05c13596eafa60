/*
 * iov.h - copying between a flat buffer and a list of iovecs (a virtqueue
 * chain's buffers in guest memory, virtio_mmio.h), from a byte offset
 * into the list.  Each function copies up to len bytes, fewer if the
 * list ends first, and returns how many it copied.
 */
#ifndef RHYVE_IOV_H
#define RHYVE_IOV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/uio.h>

/* iov_to_buf() (into == false) and iov_from_buf() (into == true). */
static inline size_t
iov_copy_at(const struct iovec *iov, int n, size_t off, uint8_t *buf,
    size_t len, bool into)
{
	size_t done = 0;

	for (int i = 0; i < n && done < len; i++) {
		size_t l = iov[i].iov_len;

		if (off >= l) {
			off -= l;
			continue;
		}
		l -= off;
		if (l > len - done)
			l = len - done;
		if (into)
			memcpy((uint8_t *)iov[i].iov_base + off, buf + done, l);
		else
			memcpy(buf + done, (uint8_t *)iov[i].iov_base + off, l);
		done += l;
		off = 0;
	}
	return done;
}

/* Copy from the list's byte off on into buf. */
static inline size_t
iov_to_buf(const struct iovec *iov, int n, size_t off, void *buf, size_t len)
{
	return iov_copy_at(iov, n, off, buf, len, false);
}

/* Copy buf into the list from its byte off on. */
static inline size_t
iov_from_buf(const struct iovec *iov, int n, size_t off, const void *buf,
    size_t len)
{
	return iov_copy_at(iov, n, off, (uint8_t *)(uintptr_t)buf, len, true);
}

#endif
