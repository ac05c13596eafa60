/*
 * gdb_sched.c - the debug server thread's scheduling class; see
 * gdb_sched.h for why.
 */
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* not <sched.h>: its struct sched_param clashes with the kernel's */
#include <linux/sched.h>
#include <linux/sched/types.h>

#include "gdb.h"
#include "gdb_sched.h"

/* A short fair slice: EEVDF's lower bound for sched_runtime. */
#define GDB_SLICE_NS	(100 * 1000)

static enum {
	MODE_TRY_RT,		/* SCHED_FIFO not refused yet */
	MODE_SLICE,		/* a short fair slice was asked for instead */
	MODE_OFF,		/* -gdb-sched other: nothing */
} mode = MODE_TRY_RT;
static bool is_rt;

static int
set_attr(uint32_t policy, uint32_t prio, uint64_t runtime)
{
	struct sched_attr a;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.sched_policy = policy;
	a.sched_priority = prio;
	a.sched_runtime = runtime;
	/* glibc 2.36 has no wrapper; pid 0 is this thread */
	return (int)syscall(SYS_sched_setattr, 0, &a, 0);
}

/* From now on only the short fair slice: -gdb-sched slice, or refused. */
static void
short_slice(void)
{
	mode = MODE_SLICE;
	(void)set_attr(SCHED_NORMAL, 0, GDB_SLICE_NS);
}

void
gdbs_sched_start(int policy)
{
	switch (policy) {
	case GDB_SCHED_SLICE:
		short_slice();
		break;
	case GDB_SCHED_OTHER:
		mode = MODE_OFF;
		break;
	default:
		mode = MODE_TRY_RT;
		break;
	}
}

void
gdbs_sched_urgent(bool urgent)
{
	if (urgent == is_rt || mode != MODE_TRY_RT)
		return;
	if (!urgent) {
		if (set_attr(SCHED_NORMAL, 0, 0) == 0)
			is_rt = false;
		return;
	}
	if (set_attr(SCHED_FIFO, 1, 0) == 0) {
		is_rt = true;
		return;
	}
	/* EPERM (no privilege), or a kernel or sandbox that says no */
	short_slice();
}
