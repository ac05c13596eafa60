/*
 * goldfish_rtc.c - the Goldfish real-time clock of QEMU's virt machine, as
 * QEMU models it (hw/rtc/goldfish_rtc.c; register list in the Android
 * emulator's docs, "GOLDFISH-VIRTUAL-HARDWARE.TXT", goldfish rtc).
 *
 *	0x00 TIME_LOW		read: low 32 bits of ns, latches TIME_HIGH
 *	0x04 TIME_HIGH		read: the latched high half
 *				(writes to either set that half of the time)
 *	0x08 ALARM_LOW		write arms the alarm at ALARM_HIGH:ALARM_LOW
 *	0x0c ALARM_HIGH
 *	0x10 IRQ_ENABLED
 *	0x14 CLEAR_ALARM
 *	0x18 ALARM_STATUS	1 while an alarm is armed
 *	0x1c CLEAR_INTERRUPT
 *
 * Time is nanoseconds since the epoch: host CLOCK_REALTIME plus the offset
 * the guest set.  The alarm is a timerfd (absolute, CLOCK_REALTIME) that a
 * thread sleeps on in poll() beside an eventfd to stop it: no busy wait.
 * The interrupt line is level: pending and enabled.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "devices.h"
#include "fdwait.h"
#include "mem.h"
#include "state_image.h"
#include "virt.h"
#include "vmmapi/vmmapi.h"

#define RTC_TIME_LOW		0x00
#define RTC_TIME_HIGH		0x04
#define RTC_ALARM_LOW		0x08
#define RTC_ALARM_HIGH		0x0c
#define RTC_IRQ_ENABLED		0x10
#define RTC_CLEAR_ALARM		0x14
#define RTC_ALARM_STATUS	0x18
#define RTC_CLEAR_INTERRUPT	0x1c

#define NSEC_PER_SEC		INT64_C(1000000000)

/*
 * The RTC.  Locking legend: (i) set at init; (r) under mtx, taken by
 * vCPU threads and the alarm thread.
 */
static struct {
	pthread_mutex_t	 mtx;
	struct vmctx	*ctx;		/* (i) */
	int		 irq;		/* (i) */
	bool		 running;	/* (i) alarm thread exists */
	pthread_t	 thread;	/* (i) */
	int		 timerfd;	/* (i) */
	int		 stopfd;	/* (i) */
	int64_t		 offset;	/* (r) guest time - host time, ns */
	uint32_t	 time_high;	/* (r) latched by a TIME_LOW read */
	uint64_t	 alarm_next;	/* (r) */
	bool		 alarm_running;	/* (r) */
	bool		 irq_pending;	/* (r) */
	bool		 irq_enabled;	/* (r) */
	int		 irq_level;	/* (r) */
} rtc = {
	.mtx = PTHREAD_MUTEX_INITIALIZER,
	.timerfd = -1,
	.stopfd = -1,
};

/* Record mode: the recorder's clock (virtual time), and no alarm thread. */
static int64_t (*rtc_clock)(void);

static int64_t
rtc_host_ns(void)
{
	struct timespec ts;

	if (rtc_clock != NULL)
		return rtc_clock();
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

static uint64_t
rtc_now(void)
{
	return (uint64_t)rtc_host_ns() + (uint64_t)rtc.offset;
}

static void
rtc_update_irq(void)
{
	int level = rtc.irq_pending && rtc.irq_enabled;

	if (level != rtc.irq_level) {
		rtc.irq_level = level;
		(void)vm_irq_set(rtc.ctx, rtc.irq, level);
	}
}

static void
rtc_timer_set(int64_t host_ns)
{
	struct itimerspec its;

	memset(&its, 0, sizeof(its));
	if (host_ns > 0) {
		its.it_value.tv_sec = host_ns / NSEC_PER_SEC;
		its.it_value.tv_nsec = host_ns % NSEC_PER_SEC;
	}
	if (rtc_clock != NULL)
		return;		/* goldfish_rtc_poll() fires it */
	/* All zero disarms.  An absolute time in the past fires at once. */
	(void)timerfd_settime(rtc.timerfd, TFD_TIMER_ABSTIME, &its, NULL);
}

static void
rtc_clear_alarm(void)
{
	rtc.alarm_running = false;
	rtc_timer_set(0);
}

static void
rtc_fire(void)
{
	rtc_clear_alarm();
	rtc.irq_pending = true;
	rtc_update_irq();
}

/* The guest wrote ALARM_LOW: arm, or fire at once if already due. */
static void
rtc_set_alarm(void)
{
	uint64_t now = rtc_now();
	int64_t host;

	if (rtc.alarm_next <= now) {
		rtc_fire();
		return;
	}
	rtc.alarm_running = true;
	host = (int64_t)(rtc.alarm_next - (uint64_t)rtc.offset);
	/* An alarm past what timespec holds simply never comes. */
	rtc_timer_set(host > 0 ? host : 1);
}

/* Guest set one half of the time: adjust the offset, as QEMU does. */
static void
rtc_set_time(bool high, uint32_t v)
{
	uint64_t cur = rtc_now(), want;

	if (high)
		want = (cur & UINT32_MAX) | (uint64_t)v << 32;
	else
		want = (cur & ~(uint64_t)UINT32_MAX) | v;
	rtc.offset += (int64_t)(want - cur);
	if (rtc.alarm_running)
		rtc_set_alarm();
}

static int
rtc_mmio(void *arg, int vcpu, bool write, uint64_t off, int size,
    uint64_t *val)
{
	uint64_t t;
	uint32_t v = (uint32_t)*val;

	(void)arg;
	(void)vcpu;
	(void)size;
	pthread_mutex_lock(&rtc.mtx);
	if (!write) {
		switch (off) {
		case RTC_TIME_LOW:
			t = rtc_now();
			rtc.time_high = (uint32_t)(t >> 32);
			*val = (uint32_t)t;
			break;
		case RTC_TIME_HIGH:
			*val = rtc.time_high;
			break;
		case RTC_ALARM_LOW:
			*val = (uint32_t)rtc.alarm_next;
			break;
		case RTC_ALARM_HIGH:
			*val = (uint32_t)(rtc.alarm_next >> 32);
			break;
		case RTC_IRQ_ENABLED:
			*val = rtc.irq_enabled;
			break;
		case RTC_ALARM_STATUS:
			*val = rtc.alarm_running;
			break;
		default:
			*val = 0;
			break;
		}
	} else {
		switch (off) {
		case RTC_TIME_LOW:
			rtc_set_time(false, v);
			break;
		case RTC_TIME_HIGH:
			rtc_set_time(true, v);
			break;
		case RTC_ALARM_LOW:
			rtc.alarm_next = (rtc.alarm_next &
			    ~(uint64_t)UINT32_MAX) | v;
			rtc_set_alarm();
			break;
		case RTC_ALARM_HIGH:
			rtc.alarm_next = (rtc.alarm_next & UINT32_MAX) |
			    (uint64_t)v << 32;
			break;
		case RTC_IRQ_ENABLED:
			rtc.irq_enabled = v & 1;
			rtc_update_irq();
			break;
		case RTC_CLEAR_ALARM:
			rtc_clear_alarm();
			break;
		case RTC_CLEAR_INTERRUPT:
			rtc.irq_pending = false;
			rtc_update_irq();
			break;
		default:
			break;
		}
	}
	pthread_mutex_unlock(&rtc.mtx);
	return 0;
}

void
goldfish_rtc_set_clock(int64_t (*clock)(void))
{
	pthread_mutex_lock(&rtc.mtx);
	rtc_clock = clock;
	rtc_timer_set(0);
	pthread_mutex_unlock(&rtc.mtx);
}

void
goldfish_rtc_poll(void)
{
	pthread_mutex_lock(&rtc.mtx);
	if (rtc.alarm_running && rtc.alarm_next <= rtc_now())
		rtc_fire();
	pthread_mutex_unlock(&rtc.mtx);
}

/*
 * The guest-visible state, for record/replay snapshots: the layout of the
 * RTC's snapshot slot (state_image.h; changing it changes recordings).
 */
struct rtc_state {
	int64_t		 offset;
	uint64_t	 alarm_next;
	uint32_t	 time_high;
	uint8_t		 alarm_running, irq_pending, irq_enabled, irq_level;
};
_Static_assert(sizeof(struct rtc_state) <= RTC_STATE_SIZE,
    "RTC_STATE_SIZE too small");

/* Each field to (save) or from (restore) the image; under rtc.mtx. */
static void
rtc_image(uint8_t *img, bool save)
{
#define F(member, field) \
	STATE_IMAGE(save, img, struct rtc_state, member, field)
	F(offset, rtc.offset);
	F(alarm_next, rtc.alarm_next);
	F(time_high, rtc.time_high);
	F(alarm_running, rtc.alarm_running);
	F(irq_pending, rtc.irq_pending);
	F(irq_enabled, rtc.irq_enabled);
	F(irq_level, rtc.irq_level);
#undef F
}

void
goldfish_rtc_state_save(uint8_t *buf)
{
	state_image_save(buf, RTC_STATE_SIZE, &rtc.mtx, rtc_image);
}

void
goldfish_rtc_state_restore(const uint8_t *buf)
{
	state_image_restore(buf, &rtc.mtx, rtc_image);
}

static void *
rtc_thread(void *arg)
{
	uint64_t n;

	(void)arg;
	while (fd_wait_readable(rtc.timerfd, rtc.stopfd)) {
		(void)!read(rtc.timerfd, &n, sizeof(n));
		pthread_mutex_lock(&rtc.mtx);
		/* Re-check: the guest may have moved or cleared it. */
		if (rtc.alarm_running && rtc.alarm_next <= rtc_now())
			rtc_fire();
		pthread_mutex_unlock(&rtc.mtx);
	}
	return NULL;
}

int
goldfish_rtc_init(struct vmctx *ctx, uint64_t base, int irq)
{
	struct mmio_range r;
	uint64_t one = 1;
	int error;

	if (rtc.running)
		return 0;
	rtc.ctx = ctx;
	rtc.irq = irq;
	rtc.offset = 0;
	rtc.time_high = 0;
	rtc.alarm_next = 0;
	rtc.alarm_running = rtc.irq_pending = rtc.irq_enabled = false;
	rtc.irq_level = 0;
	rtc.timerfd = timerfd_create(CLOCK_REALTIME,
	    TFD_CLOEXEC | TFD_NONBLOCK);
	rtc.stopfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (rtc.timerfd < 0 || rtc.stopfd < 0) {
		fprintf(stderr, "rhyve: goldfish-rtc: %s\n", strerror(errno));
		goto fail;
	}
	error = pthread_create(&rtc.thread, NULL, rtc_thread, NULL);
	if (error != 0) {
		fprintf(stderr, "rhyve: goldfish-rtc: cannot start alarm "
		    "thread: %s\n", strerror(error));
		goto fail;
	}
	memset(&r, 0, sizeof(r));
	r.name = "goldfish-rtc";
	r.base = base;
	r.size = VIRT_RTC_SIZE;
	r.handler = rtc_mmio;
	if (mmio_register(&r) != 0) {
		fprintf(stderr, "rhyve: goldfish-rtc: window at %#jx is "
		    "taken\n", (uintmax_t)base);
		(void)!write(rtc.stopfd, &one, sizeof(one));
		pthread_join(rtc.thread, NULL);
		goto fail;
	}
	rtc.running = true;
	return 0;
fail:
	if (rtc.timerfd >= 0)
		close(rtc.timerfd);
	if (rtc.stopfd >= 0)
		close(rtc.stopfd);
	rtc.timerfd = rtc.stopfd = -1;
	return -1;
}

void
goldfish_rtc_fini(void)
{
	uint64_t one = 1;

	if (!rtc.running)
		return;
	(void)!write(rtc.stopfd, &one, sizeof(one));
	pthread_join(rtc.thread, NULL);
	rtc.running = false;
	pthread_mutex_lock(&rtc.mtx);
	close(rtc.timerfd);
	close(rtc.stopfd);
	rtc.timerfd = rtc.stopfd = -1;
	rtc.alarm_running = false;
	pthread_mutex_unlock(&rtc.mtx);
}

/*
 * Machine reset: the alarm is cancelled and the interrupt disabled and
 * cleared (QEMU's goldfish_rtc_reset); the time the guest set is kept,
 * as a battery-backed clock keeps it across a reboot.
 */
void
goldfish_rtc_reset(void)
{
	if (!rtc.running)
		return;
	pthread_mutex_lock(&rtc.mtx);
	rtc_clear_alarm();
	rtc.alarm_next = 0;
	rtc.time_high = 0;
	rtc.irq_pending = rtc.irq_enabled = false;
	rtc_update_irq();
	pthread_mutex_unlock(&rtc.mtx);
}
