/*
 * fuzz_util.h - helpers shared by the libFuzzer harnesses in tests/fuzz:
 * a CHECK() that aborts (libFuzzer records the input), and guard regions
 * around a VM's guest RAM so that a host access just outside it faults
 * (PROT_NONE) and is reported by ASan's interceptors (poisoned shadow),
 * including buffers handed to preadv/pwritev.
 */
#ifndef RHYVE_FUZZ_UTIL_H
#define RHYVE_FUZZ_UTIL_H

#include <sys/mman.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <sanitizer/asan_interface.h>

#define CHECK(c) do {							\
	if (!(c)) {							\
		fprintf(stderr, "%s:%d: check failed: %s\n",		\
		    __FILE__, __LINE__, #c);				\
		abort();						\
	}								\
} while (0)

#define FUZZ_GUARD	((size_t)64 << 10)

struct fuzz_guard {
	void	*lo, *hi;	/* NULL: that side could not be mapped */
};

/*
 * Map and poison FUZZ_GUARD bytes right below and right above
 * [ram, ram + size).  A side whose address range is taken by another
 * mapping is left alone (the guard is best effort there).
 */
static inline void
fuzz_guard_ram(struct fuzz_guard *g, uint8_t *ram, size_t size)
{
	void *want[2] = { ram - FUZZ_GUARD, ram + size };
	void *got[2];

	for (int i = 0; i < 2; i++) {
		got[i] = mmap(want[i], FUZZ_GUARD, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		if (got[i] == MAP_FAILED || got[i] != want[i]) {
			if (got[i] != MAP_FAILED)
				munmap(got[i], FUZZ_GUARD);
			got[i] = NULL;
			continue;
		}
		ASAN_POISON_MEMORY_REGION(got[i], FUZZ_GUARD);
	}
	g->lo = got[0];
	g->hi = got[1];
}

static inline void
fuzz_unguard_ram(struct fuzz_guard *g)
{
	if (g->lo != NULL) {
		ASAN_UNPOISON_MEMORY_REGION(g->lo, FUZZ_GUARD);
		munmap(g->lo, FUZZ_GUARD);
	}
	if (g->hi != NULL) {
		ASAN_UNPOISON_MEMORY_REGION(g->hi, FUZZ_GUARD);
		munmap(g->hi, FUZZ_GUARD);
	}
	g->lo = g->hi = NULL;
}

/* A little-endian reader over the fuzz input; runs dry as zeros. */
struct fuzz_in {
	const uint8_t	*p;
	size_t		 left;
};

static inline uint64_t
fuzz_take(struct fuzz_in *in, int nbytes)
{
	uint64_t v = 0;

	for (int i = 0; i < nbytes; i++) {
		uint64_t b = 0;

		if (in->left > 0) {
			b = *in->p++;
			in->left--;
		}
		v |= b << (8 * i);
	}
	return v;
}

#endif
