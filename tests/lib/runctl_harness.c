/*
 * runctl_harness.c - see runctl_harness.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "runctl_harness.h"

/* RV64 encodings of the two guest programs. */
static const uint32_t prog_count[] = {
	0x00128293,	/* 1: addi t0, t0, 1 */
	0x0055b023,	/*    sd   t0, 0(a1) */
	0xff9ff06f,	/*    j    1b */
};
static const uint32_t prog_wfi[] = {
	0x10500073,	/* 1: wfi */
	0xffdff06f,	/*    j 1b */
};

void
rc_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

int64_t
rc_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

struct rc *
rc_create(int ncpus)
{
	struct rc *rc = calloc(1, sizeof(*rc));
	void *p;

	RC_REQUIRE(rc != NULL, "%s: out of memory or bad address", __func__);
	RC_REQUIRE(ncpus <= 256, "too many vCPUs");
	rc->ncpus = ncpus;
	rc->ctx = vm_open_new(ncpus, 16 << 20);
	RC_REQUIRE(rc->ctx != NULL, "vm_open_new: %s", strerror(errno));
	pthread_mutex_init(&rc->mtx, NULL);
	pthread_cond_init(&rc->cv, NULL);
	p = vm_map_gpa(rc->ctx, PROG_COUNT, sizeof(prog_count));
	RC_REQUIRE(p != NULL, "%s: out of memory or bad address", __func__);
	memcpy(p, prog_count, sizeof(prog_count));
	p = vm_map_gpa(rc->ctx, PROG_WFI, sizeof(prog_wfi));
	RC_REQUIRE(p != NULL, "%s: out of memory or bad address", __func__);
	memcpy(p, prog_wfi, sizeof(prog_wfi));
	return rc;
}

void
rc_start_hart(struct rc *rc, int i, uint64_t pc)
{
	RC_REQUIRE(vm_hart_start(rc->ctx, i, pc, (uint64_t)i,
	    SLOTS + 8 * (uint64_t)i, PRV_M) == 0,
	    "vm_hart_start(%d): %s", i, strerror(errno));
}

struct rc_thread_arg {
	struct rc	*rc;
	int		 vcpu;
};

static bool
rc_debugged(struct rc *rc, int vcpu)
{
	cpuset_t set;

	if (vm_debug_cpus(rc->ctx, &set) != 0)
		return false;
	return cpuset_isset(vcpu, &set);
}

static void *
rc_vcpu_thread(void *arg)
{
	struct rc_thread_arg *a = arg;
	struct rc *rc = a->rc;
	int vcpu = a->vcpu;
	struct vm_exit vme;

	free(a);
	memset(&vme, 0, sizeof(vme));
	for (;;) {
		if (vm_run(rc->ctx, vcpu, &vme) != 0) {
			pthread_mutex_lock(&rc->mtx);
			rc->exits[vcpu]++;
			pthread_mutex_unlock(&rc->mtx);
			return NULL;
		}
		switch (vme.exitcode) {
		case VM_EXITCODE_SUSPENDED:
			return NULL;
		case VM_EXITCODE_DEBUG:
			/* Park like gdb_cpu_suspend() until resumed. */
			pthread_mutex_lock(&rc->mtx);
			rc->parked[vcpu] = 1;
			rc->nparked++;
			pthread_cond_broadcast(&rc->cv);
			while (!rc->stop && rc_debugged(rc, vcpu))
				pthread_cond_wait(&rc->cv, &rc->mtx);
			rc->parked[vcpu] = 0;
			rc->nparked--;
			pthread_cond_broadcast(&rc->cv);
			pthread_mutex_unlock(&rc->mtx);
			if (rc->stop)
				return NULL;
			break;
		default:
			pthread_mutex_lock(&rc->mtx);
			rc->exits[vcpu]++;
			pthread_mutex_unlock(&rc->mtx);
			break;
		}
	}
}

void
rc_run_threads(struct rc *rc)
{
	for (int i = 0; i < rc->ncpus; i++) {
		struct rc_thread_arg *a = malloc(sizeof(*a));

		RC_REQUIRE(a != NULL, "%s: out of memory or bad address", __func__);
		a->rc = rc;
		a->vcpu = i;
		RC_REQUIRE(vm_activate_cpu(rc->ctx, i) == 0, "activate %d", i);
		RC_REQUIRE(pthread_create(&rc->threads[i], NULL, rc_vcpu_thread,
		    a) == 0, "pthread_create");
	}
}

int
rc_resume(struct rc *rc, int vcpu)
{
	int error;

	pthread_mutex_lock(&rc->mtx);
	error = vm_resume_cpu(rc->ctx, vcpu);
	pthread_cond_broadcast(&rc->cv);
	pthread_mutex_unlock(&rc->mtx);
	return error;
}

bool
rc_is_parked(struct rc *rc, int vcpu)
{
	bool p;

	pthread_mutex_lock(&rc->mtx);
	p = rc->parked[vcpu];
	pthread_mutex_unlock(&rc->mtx);
	return p;
}

bool
rc_wait_parked(struct rc *rc, const cpuset_t *want, int ms)
{
	int64_t deadline = rc_now_ns() + (int64_t)ms * 1000000;
	bool ok = false;

	pthread_mutex_lock(&rc->mtx);
	for (;;) {
		struct timespec ts;
		int64_t left;

		ok = true;
		for (int i = 0; i < rc->ncpus; i++)
			if ((rc->parked[i] != 0) != cpuset_isset(i, want))
				ok = false;
		if (ok)
			break;
		left = deadline - rc_now_ns();
		if (left <= 0)
			break;
		clock_gettime(CLOCK_REALTIME, &ts);
		left = left > 10000000 ? 10000000 : left;
		ts.tv_nsec += left;
		ts.tv_sec += ts.tv_nsec / 1000000000;
		ts.tv_nsec %= 1000000000;
		pthread_cond_timedwait(&rc->cv, &rc->mtx, &ts);
	}
	pthread_mutex_unlock(&rc->mtx);
	return ok;
}

uint64_t
rc_instret(struct rc *rc, int vcpu)
{
	uint64_t v = 0;

	RC_REQUIRE(vm_get_register(rc->ctx, vcpu, VM_REG_CSR(CSR_MINSTRET),
	    &v) == 0, "minstret of vCPU %d: %s", vcpu, strerror(errno));
	return v;
}

uint64_t
rc_slot(struct rc *rc, int vcpu)
{
	volatile uint64_t *p = vm_map_gpa(rc->ctx, SLOTS + 8 * (uint64_t)vcpu, 8);

	RC_REQUIRE(p != NULL, "%s: out of memory or bad address", __func__);
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

void
rc_destroy(struct rc *rc)
{
	vm_suspend(rc->ctx, VM_SUSPEND_POWEROFF, -1, 0);
	pthread_mutex_lock(&rc->mtx);
	rc->stop = true;
	pthread_cond_broadcast(&rc->cv);
	pthread_mutex_unlock(&rc->mtx);
	for (int i = 0; i < rc->ncpus; i++)
		if (rc->threads[i])
			pthread_join(rc->threads[i], NULL);
	vm_close(rc->ctx);
	pthread_mutex_destroy(&rc->mtx);
	pthread_cond_destroy(&rc->cv);
	free(rc);
}

bool
rc_wait_progress(struct rc *rc, int vcpu, uint64_t from, int ms)
{
	int64_t deadline = rc_now_ns() + (int64_t)ms * 1000000;

	while (rc_now_ns() < deadline) {
		if (rc_instret(rc, vcpu) > from)
			return true;
		rc_sleep_ms(1);
	}
	return false;
}

struct rc *
rc_create_counting(int ncpus)
{
	struct rc *rc = rc_create(ncpus);

	for (int i = 0; i < ncpus; i++)
		rc_start_hart(rc, i, PROG_COUNT);
	rc_run_threads(rc);
	for (int i = 0; i < ncpus; i++)
		RC_REQUIRE(rc_wait_progress(rc, i, 0, 5000),
		    "vCPU %d never ran", i);
	return rc;
}
