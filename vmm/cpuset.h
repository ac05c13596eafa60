/*
 * cpuset.h - fixed-size sets of vCPU ids, as FreeBSD's cpuset_t (the
 * operations are lower-case functions: glibc's <sched.h> owns CPU_SET()).
 *
 * A set holds VM_MAXCPU bits (1024), enough for "hundreds of vCPUs" with
 * room to spare, and small enough (128 bytes) to copy as a snapshot.
 * The *_atomic variants may race with each other and with plain readers of
 * single bits; whole-set snapshots taken without the VM lock are only
 * consistent per 64-bit word.
 */
#ifndef RHYVE_CPUSET_H
#define RHYVE_CPUSET_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define VM_MAXCPU	1024
#define CPUSET_WORDS	(VM_MAXCPU / 64)

typedef struct cpuset {
	uint64_t bits[CPUSET_WORDS];
} cpuset_t;

static inline void
cpuset_zero(cpuset_t *s)
{
	memset(s, 0, sizeof(*s));
}

static inline bool
cpuset_isset(int cpu, const cpuset_t *s)
{
	uint64_t w = __atomic_load_n(&s->bits[cpu / 64], __ATOMIC_ACQUIRE);

	return (w >> (cpu % 64)) & 1;
}

static inline void
cpuset_set(int cpu, cpuset_t *s)
{
	s->bits[cpu / 64] |= UINT64_C(1) << (cpu % 64);
}

static inline void
cpuset_clr(int cpu, cpuset_t *s)
{
	s->bits[cpu / 64] &= ~(UINT64_C(1) << (cpu % 64));
}

/* Returns true if the bit was clear before (this call set it). */
static inline bool
cpuset_set_atomic(int cpu, cpuset_t *s)
{
	uint64_t m = UINT64_C(1) << (cpu % 64);

	return !(__atomic_fetch_or(&s->bits[cpu / 64], m, __ATOMIC_SEQ_CST) & m);
}

/* Returns true if the bit was set before (this call cleared it). */
static inline bool
cpuset_clr_atomic(int cpu, cpuset_t *s)
{
	uint64_t m = UINT64_C(1) << (cpu % 64);

	return __atomic_fetch_and(&s->bits[cpu / 64], ~m, __ATOMIC_SEQ_CST) & m;
}

static inline int
cpuset_count(const cpuset_t *s)
{
	int n = 0;

	for (int i = 0; i < CPUSET_WORDS; i++)
		n += __builtin_popcountll(__atomic_load_n(&s->bits[i], __ATOMIC_ACQUIRE));
	return n;
}

static inline bool
cpuset_empty(const cpuset_t *s)
{
	return cpuset_count(s) == 0;
}

/* True if every member of 'sub' is in 'super'. */
static inline bool
cpuset_subset(const cpuset_t *super, const cpuset_t *sub)
{
	for (int i = 0; i < CPUSET_WORDS; i++) {
		uint64_t a = __atomic_load_n(&super->bits[i], __ATOMIC_ACQUIRE);
		uint64_t b = __atomic_load_n(&sub->bits[i], __ATOMIC_ACQUIRE);
		if ((a & b) != b)
			return false;
	}
	return true;
}

static inline void
cpuset_copy(const cpuset_t *from, cpuset_t *to)
{
	for (int i = 0; i < CPUSET_WORDS; i++)
		to->bits[i] = __atomic_load_n(&from->bits[i], __ATOMIC_ACQUIRE);
}

/* First member at or after 'cpu', or -1. */
static inline int
cpuset_next(int cpu, const cpuset_t *s)
{
	for (; cpu < VM_MAXCPU; cpu++)
		if (cpuset_isset(cpu, s))
			return cpu;
	return -1;
}

#define CPUSET_FOREACH(i, s) \
	for ((i) = cpuset_next(0, (s)); (i) >= 0; (i) = cpuset_next((i) + 1, (s)))

#endif
