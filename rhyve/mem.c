/*
 * mem.c - userland MMIO dispatch, after bhyve's usr.sbin/bhyve/mem.c: a
 * table of guest-physical ranges, each with the device handler behind it.
 * The vCPU loop (machine.c) hands every VM_EXITCODE_MMIO to
 * mmio_emulate(), which finds the range and calls its handler.
 *
 * Locking: the table is written only while the machine is assembled,
 * before any vCPU thread starts, and emptied only after every vCPU thread
 * has been joined (mmio_unregister_all).  pthread_create() and
 * pthread_join() order those writes against the vCPU threads' reads, so
 * lookups take no lock.  A mutex still serialises registrations among
 * themselves, in case two device models register from different threads.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "../vmm/vmm.h"
#include "mem.h"

/*
 * Plenty for the virt machine (UART, RTC, sifive_test, 8 virtio slots);
 * a fixed table keeps lookups free of any allocation.
 */
#define MMIO_MAX_RANGES	64

static pthread_mutex_t	mmio_mtx = PTHREAD_MUTEX_INITIALIZER;
static struct mmio_range mmio_ranges[MMIO_MAX_RANGES];	/* sorted by base */
static int		mmio_nranges;

int
mmio_register(const struct mmio_range *r)
{
	int i, pos;

	if (r == NULL || r->size == 0 || r->handler == NULL ||
	    r->base + r->size - 1 < r->base) {
		errno = EINVAL;
		return -1;
	}
	pthread_mutex_lock(&mmio_mtx);
	if (mmio_nranges == MMIO_MAX_RANGES) {
		pthread_mutex_unlock(&mmio_mtx);
		errno = ENOSPC;
		return -1;
	}
	for (pos = 0; pos < mmio_nranges; pos++)
		if (mmio_ranges[pos].base > r->base)
			break;
	/* Compare last bytes, so a range ending at 2^64 - 1 is fine. */
	if ((pos > 0 && mmio_ranges[pos - 1].base +
	    mmio_ranges[pos - 1].size - 1 >= r->base) ||
	    (pos < mmio_nranges && r->base + r->size - 1 >=
	    mmio_ranges[pos].base)) {
		pthread_mutex_unlock(&mmio_mtx);
		errno = EEXIST;
		return -1;
	}
	for (i = mmio_nranges; i > pos; i--)
		mmio_ranges[i] = mmio_ranges[i - 1];
	mmio_ranges[pos] = *r;
	mmio_nranges++;
	pthread_mutex_unlock(&mmio_mtx);
	return 0;
}

void
mmio_unregister_all(void)
{
	pthread_mutex_lock(&mmio_mtx);
	mmio_nranges = 0;
	memset(mmio_ranges, 0, sizeof(mmio_ranges));
	pthread_mutex_unlock(&mmio_mtx);
}

/* Binary search: the range holding gpa, or NULL. */
static const struct mmio_range *
mmio_lookup(uint64_t gpa)
{
	int lo = 0, hi = mmio_nranges - 1;

	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;
		const struct mmio_range *r = &mmio_ranges[mid];

		if (gpa < r->base)
			hi = mid - 1;
		else if (gpa - r->base >= r->size)
			lo = mid + 1;
		else
			return r;
	}
	return NULL;
}

void
mmio_emulate(int vcpu, struct vm_exit *vme)
{
	const struct mmio_range *r;
	uint64_t gpa = vme->u.mmio.gpa, val, off;
	int size = vme->u.mmio.size;

	vme->u.mmio.fault = false;
	r = mmio_lookup(gpa);
	/* The whole access must sit inside the range. */
	if (r == NULL || (size != 1 && size != 2 && size != 4 && size != 8) ||
	    (uint64_t)size > r->size - (gpa - r->base)) {
		vme->u.mmio.fault = true;
		return;
	}
	off = gpa - r->base;
	if (vme->u.mmio.write) {
		val = vme->u.mmio.data;
		if (size < 8)
			val &= (UINT64_C(1) << (size * 8)) - 1;
		if (r->handler(r->arg, vcpu, true, off, size, &val) != 0)
			vme->u.mmio.fault = true;
	} else {
		val = 0;
		if (r->handler(r->arg, vcpu, false, off, size, &val) != 0) {
			vme->u.mmio.fault = true;
			return;
		}
		if (size < 8)
			val &= (UINT64_C(1) << (size * 8)) - 1;
		vme->u.mmio.data = val;
	}
}
