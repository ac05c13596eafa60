/*
 * fence.h - a full host memory fence, for every layer (the hart engine's
 * FENCE, virtio's ring protocol).  ThreadSanitizer does not model
 * atomic_thread_fence and warns about it, so under TSan a sequentially
 * consistent read-modify-write stands in: the same ordering for what we
 * need, and something TSan understands.
 */
#ifndef RHYVE_LIB_FENCE_H
#define RHYVE_LIB_FENCE_H

static inline void
host_fence(void)
{
#if defined(__SANITIZE_THREAD__)
	static int host_fence_word;

	__atomic_fetch_add(&host_fence_word, 0, __ATOMIC_SEQ_CST);
#else
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
#endif
}

#endif
