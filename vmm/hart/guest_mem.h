/*
 * guest_mem.h - the hart engine's plain loads and stores of guest RAM
 * (AMOs, LR/SC and page-table A/D updates use host atomics themselves).
 *
 * Harts are host threads, and guests share RAM between harts with their
 * own synchronisation (fences, AMOs, LR/SC), which the host's atomics
 * carry out; the plain accesses in between may race at guest level, as
 * on hardware.  An access of 1, 2, 4 or 8 bytes is one host access.
 *
 * Under ThreadSanitizer the accesses are relaxed atomics (byte by byte
 * when misaligned), so that TSan judges rhyve's own synchronisation and
 * not the guest's: an SMP guest racing on purpose is not a host race.
 * Elsewhere they are memcpy(), which the compiler turns into one move.
 */
#ifndef RHYVE_GUEST_MEM_H
#define RHYVE_GUEST_MEM_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__SANITIZE_THREAD__)
static inline void
gmem_read(void *dst, const void *src, size_t n)
{
	uint64_t v = 0;

	if (((uintptr_t)src & (n - 1)) == 0 && (n & (n - 1)) == 0 && n <= 8) {
		switch (n) {
		case 1: v = __atomic_load_n((const uint8_t *)src, __ATOMIC_RELAXED); break;
		case 2: v = __atomic_load_n((const uint16_t *)src, __ATOMIC_RELAXED); break;
		case 4: v = __atomic_load_n((const uint32_t *)src, __ATOMIC_RELAXED); break;
		default: v = __atomic_load_n((const uint64_t *)src, __ATOMIC_RELAXED); break;
		}
		memcpy(dst, &v, n);	/* little-endian host: the low n bytes */
		return;
	}
	for (size_t i = 0; i < n; i++)
		((uint8_t *)dst)[i] = __atomic_load_n((const uint8_t *)src + i,
		    __ATOMIC_RELAXED);
}

static inline void
gmem_write(void *dst, const void *src, size_t n)
{
	uint64_t v = 0;

	if (((uintptr_t)dst & (n - 1)) == 0 && (n & (n - 1)) == 0 && n <= 8) {
		memcpy(&v, src, n);
		switch (n) {
		case 1: __atomic_store_n((uint8_t *)dst, (uint8_t)v, __ATOMIC_RELAXED); break;
		case 2: __atomic_store_n((uint16_t *)dst, (uint16_t)v, __ATOMIC_RELAXED); break;
		case 4: __atomic_store_n((uint32_t *)dst, (uint32_t)v, __ATOMIC_RELAXED); break;
		default: __atomic_store_n((uint64_t *)dst, v, __ATOMIC_RELAXED); break;
		}
		return;
	}
	for (size_t i = 0; i < n; i++)
		__atomic_store_n((uint8_t *)dst + i, ((const uint8_t *)src)[i],
		    __ATOMIC_RELAXED);
}

/* A page (n a multiple of 8, both 8-byte aligned) of guest RAM into private memory. */
static inline void
gmem_copy_out(void *dst, const void *ram, size_t n)
{
	for (size_t i = 0; i < n; i += 8) {
		uint64_t v = __atomic_load_n((const uint64_t *)((const uint8_t *)ram + i),
		    __ATOMIC_RELAXED);
		memcpy((uint8_t *)dst + i, &v, 8);
	}
}

/* Whether guest RAM still holds the private copy (same alignment rules). */
static inline int
gmem_same(const void *ram, const void *copy, size_t n)
{
	for (size_t i = 0; i < n; i += 8) {
		uint64_t v = __atomic_load_n((const uint64_t *)((const uint8_t *)ram + i),
		    __ATOMIC_RELAXED);
		if (memcmp((const uint8_t *)copy + i, &v, 8) != 0)
			return 0;
	}
	return 1;
}
#else
static inline void
gmem_read(void *dst, const void *src, size_t n)
{
	memcpy(dst, src, n);
}

static inline void
gmem_write(void *dst, const void *src, size_t n)
{
	memcpy(dst, src, n);
}

static inline void
gmem_copy_out(void *dst, const void *ram, size_t n)
{
	memcpy(dst, ram, n);
}

static inline int
gmem_same(const void *ram, const void *copy, size_t n)
{
	return memcmp(ram, copy, n) == 0;
}
#endif

#endif
