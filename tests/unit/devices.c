/*
 * devices.c - the small platform devices of the virt machine, through the
 * real MMIO dispatch (rhyve/mem.h) of a real VM:
 *
 *  - goldfish RTC (rhyve/goldfish_rtc.c): TIME_LOW/TIME_HIGH latching,
 *    time against the host's CLOCK_REALTIME, setting the time, the alarm
 *    (arming, firing, CLEAR_ALARM, CLEAR_INTERRUPT, IRQ_ENABLED).  The
 *    expected behaviour is the Android emulator's GOLDFISH-VIRTUAL-HARDWARE
 *    document as QEMU implements it (hw/rtc/goldfish_rtc.c): ALARM_STATUS
 *    is 1 while an alarm is armed and drops to 0 when it fires; the line
 *    is level, high while an interrupt is pending and IRQ_ENABLED is 1.
 *  - sifive_test (rhyve/sifive_test.c): QEMU hw/misc/sifive_test.c, a
 *    write at offset 0 whose low 16 bits are 0x5555 powers off, 0x3333
 *    fails with the code in bits 31:16, 0x7777 resets; anything else is
 *    ignored and reads are 0.  The outcome is observed where the machine
 *    sees it: vm_run() of vCPU 0 reports VM_EXITCODE_SUSPENDED.
 *
 * The PLIC sits inside the vmm, so the RTC's interrupt line is observed
 * the way a guest would: a four-instruction M-mode probe on vCPU 0 loads
 * the PLIC pending word and stores it to an unmapped address, and the
 * store comes back to us as an MMIO exit carrying the value.  The PLIC's
 * pending bit follows a level source that has not been claimed, so bit 11
 * is the RTC's line.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "rhyve/devices.h"
#include "rhyve/mem.h"
#include "rhyve/virt.h"
#include "vmmapi/vmmapi.h"

#define RTC_TIME_LOW		0x00
#define RTC_TIME_HIGH		0x04
#define RTC_ALARM_LOW		0x08
#define RTC_ALARM_HIGH		0x0c
#define RTC_IRQ_ENABLED		0x10
#define RTC_CLEAR_ALARM		0x14
#define RTC_ALARM_STATUS	0x18
#define RTC_CLEAR_INTERRUPT	0x1c

#define MS			INT64_C(1000000)	/* ns */
#define PROBE_GPA		UINT64_C(0x40000000)	/* nothing mapped */

static struct vmctx *ctx;
static bool probe_ready;

/*
 * The probe, at VM_RAM_BASE:
 *	lui t0, 0x0c001; lw t1, 0(t0)		PLIC pending word 0
 *	lui t2, 0x40000; sw t1, 0(t2)		exits: MMIO write at PROBE_GPA
 *	j .-16
 */
static const uint32_t probe_code[] = {
	0x0c0012b7, 0x0002a303, 0x400003b7, 0x0063a023, 0xff1ff06f,
};

static void
setup(void)
{
	ctx = vm_open_new(2, 16u << 20);
	cr_assert_not_null(ctx, "vm_open_new: %s", strerror(errno));
	probe_ready = false;
}

static void
teardown(void)
{
	goldfish_rtc_fini();
	mmio_unregister_all();
	if (ctx != NULL)
		vm_close(ctx);
	ctx = NULL;
}

static void
rtc_setup(void)
{
	setup();
	cr_assert_eq(goldfish_rtc_init(ctx, VIRT_RTC_BASE, VIRT_RTC_IRQ), 0);
}

static void
test_setup(void)
{
	setup();
	cr_assert_eq(sifive_test_init(ctx, VIRT_TEST_BASE), 0);
}

TestSuite(rtc, .init = rtc_setup, .fini = teardown, .timeout = 20);
TestSuite(sifive_test, .init = test_setup, .fini = teardown, .timeout = 20);

/* One access through the machine's MMIO dispatch, as a vCPU would make it. */
static uint64_t
mmio(int vcpu, uint64_t gpa, bool write, int size, uint64_t val)
{
	struct vm_exit e;

	memset(&e, 0, sizeof(e));
	e.exitcode = VM_EXITCODE_MMIO;
	e.u.mmio.gpa = gpa;
	e.u.mmio.size = size;
	e.u.mmio.write = write;
	e.u.mmio.data = val;
	mmio_emulate(vcpu, &e);
	cr_assert_not(e.u.mmio.fault, "access fault at %#" PRIx64, gpa);
	return e.u.mmio.data;
}

static uint32_t
rtc_rd(uint64_t off)
{
	return (uint32_t)mmio(0, VIRT_RTC_BASE + off, false, 4, 0);
}

static void
rtc_wr(uint64_t off, uint32_t v)
{
	mmio(0, VIRT_RTC_BASE + off, true, 4, v);
}

/* The way a driver reads the time: TIME_LOW first, then TIME_HIGH. */
static uint64_t
rtc_time(void)
{
	uint64_t lo = rtc_rd(RTC_TIME_LOW);

	return lo | (uint64_t)rtc_rd(RTC_TIME_HIGH) << 32;
}

/* The way Linux sets it (rtc-goldfish.c): TIME_HIGH, then TIME_LOW. */
static void
rtc_set_time(uint64_t t)
{
	rtc_wr(RTC_TIME_HIGH, (uint32_t)(t >> 32));
	rtc_wr(RTC_TIME_LOW, (uint32_t)t);
}

/* ALARM_HIGH, then ALARM_LOW, which arms. */
static void
rtc_set_alarm(uint64_t t)
{
	rtc_wr(RTC_ALARM_HIGH, (uint32_t)(t >> 32));
	rtc_wr(RTC_ALARM_LOW, (uint32_t)t);
}

static int64_t
host_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* Load the probe and start vCPU 0 on it in M-mode (interrupts off). */
static void
probe_start(void)
{
	void *p;

	if (probe_ready)
		return;
	p = vm_map_gpa(ctx, VM_RAM_BASE, sizeof(probe_code));
	cr_assert_not_null(p);
	memcpy(p, probe_code, sizeof(probe_code));
	cr_assert_eq(vm_activate_cpu(ctx, 0), 0);
	cr_assert_eq(vm_hart_start(ctx, 0, VM_RAM_BASE, 0, 0, PRV_M), 0,
	    "vm_hart_start: %s", strerror(errno));
	probe_ready = true;
}

/* PLIC pending word 0, as the guest reads it. */
static uint32_t
plic_pending(void)
{
	struct vm_exit vme;

	probe_start();
	memset(&vme, 0, sizeof(vme));
	cr_assert_eq(vm_run(ctx, 0, &vme), 0, "vm_run: %s", strerror(errno));
	cr_assert_eq(vme.exitcode, VM_EXITCODE_MMIO, "probe: exit %d",
	    vme.exitcode);
	cr_assert(vme.u.mmio.write && vme.u.mmio.gpa == PROBE_GPA,
	    "probe: unexpected access at %#" PRIx64, vme.u.mmio.gpa);
	return (uint32_t)vme.u.mmio.data;
}

static bool
rtc_line(void)
{
	return (plic_pending() >> VIRT_RTC_IRQ) & 1;
}

/*
 * Wait up to 'limit_ms' for the armed alarm to fire (ALARM_STATUS drops
 * to 0).  Returns the milliseconds waited, or -1.
 */
static int64_t
wait_fired(int limit_ms)
{
	int64_t t0 = mono_ns();

	while (rtc_rd(RTC_ALARM_STATUS) != 0) {
		if (mono_ns() - t0 > limit_ms * MS)
			return -1;
		sleep_ms(1);
	}
	return (mono_ns() - t0) / MS;
}

/* ---- goldfish RTC: time ---------------------------------------------------- */

Test(rtc, time_tracks_host_realtime)
{
	int64_t before, after;
	uint64_t t;

	before = host_ns();
	t = rtc_time();
	after = host_ns();
	/* Same clock, nanoseconds since the epoch: bracketed by the host. */
	cr_assert_geq(t, (uint64_t)before - MS, "rtc %" PRIu64 " < host %"
	    PRId64, t, before);
	cr_assert_leq(t, (uint64_t)after + MS, "rtc %" PRIu64 " > host %"
	    PRId64, t, after);
	/* And it is a plausible date: after 2024-01-01. */
	cr_assert_gt(t, UINT64_C(1704067200) * 1000000000);
}

Test(rtc, time_advances_at_host_rate)
{
	uint64_t t0, t1;
	int64_t m0, m1;

	m0 = mono_ns();
	t0 = rtc_time();
	sleep_ms(200);
	t1 = rtc_time();
	m1 = mono_ns();
	cr_assert_geq(t1 - t0, (uint64_t)(200 * MS), "advanced %" PRIu64 " ns",
	    t1 - t0);
	cr_assert_leq(t1 - t0, (uint64_t)(m1 - m0 + 20 * MS),
	    "advanced %" PRIu64 " ns in %" PRId64, t1 - t0, m1 - m0);
}

/* Reading TIME_LOW latches the high half; TIME_HIGH returns the latch. */
Test(rtc, time_high_latched_by_time_low)
{
	uint32_t lo, hi;

	/* Low half 0xf8000000: it wraps into high 0x1235 in ~134 ms. */
	rtc_set_time(UINT64_C(0x00001234f8000000));
	lo = rtc_rd(RTC_TIME_LOW);
	cr_assert_geq(lo, 0xf8000000u, "low %#x", lo);
	sleep_ms(300);
	/* No TIME_LOW read since: still the half latched 300 ms ago. */
	hi = rtc_rd(RTC_TIME_HIGH);
	cr_assert_eq(hi, 0x1234, "TIME_HIGH %#x is not the latched half", hi);
	cr_assert_eq(rtc_rd(RTC_TIME_HIGH), 0x1234, "second read differs");
	/* A new TIME_LOW read latches the half of now. */
	lo = rtc_rd(RTC_TIME_LOW);
	cr_assert_lt(lo, 0x80000000u, "low %#x did not wrap", lo);
	cr_assert_eq(rtc_rd(RTC_TIME_HIGH), 0x1235);
}

Test(rtc, set_time_shifts_reads)
{
	/* 2000-01-01T00:00:00Z */
	const uint64_t y2k = UINT64_C(946684800) * 1000000000;
	uint64_t t, t2;
	int64_t m0, m1;

	m0 = mono_ns();
	rtc_set_time(y2k);
	t = rtc_time();
	cr_assert_geq(t, y2k, "read %" PRIu64 " before the time set", t);
	cr_assert_lt(t - y2k, (uint64_t)(50 * MS), "read %" PRIu64 " ns "
	    "after the time set", t - y2k);
	/* It keeps running from there at the host's rate. */
	sleep_ms(100);
	t2 = rtc_time();
	m1 = mono_ns();
	cr_assert_geq(t2 - y2k, (uint64_t)(100 * MS));
	cr_assert_leq(t2 - y2k, (uint64_t)(m1 - m0 + 20 * MS));
	/* The host's clock is untouched. */
	cr_assert_gt(host_ns(), INT64_C(1704067200) * 1000000000);

	/* Setting the high half alone keeps the low half running. */
	rtc_wr(RTC_TIME_HIGH, 0x7);
	t = rtc_time();
	cr_assert_eq(t >> 32, 7, "high half %#" PRIx64, t >> 32);
}

/* ---- goldfish RTC: alarm --------------------------------------------------- */

Test(rtc, reset_state)
{
	cr_assert_eq(rtc_rd(RTC_ALARM_STATUS), 0);
	cr_assert_eq(rtc_rd(RTC_IRQ_ENABLED), 0);
	cr_assert_not(rtc_line());
}

Test(rtc, alarm_in_future_fires)
{
	uint64_t now, when;
	int64_t waited;

	rtc_wr(RTC_IRQ_ENABLED, 1);
	cr_assert_eq(rtc_rd(RTC_IRQ_ENABLED), 1);
	now = rtc_time();
	when = now + (uint64_t)(300 * MS);
	rtc_set_alarm(when);
	cr_assert_eq(rtc_rd(RTC_ALARM_LOW), (uint32_t)when);
	cr_assert_eq(rtc_rd(RTC_ALARM_HIGH), (uint32_t)(when >> 32));
	/* Armed, and not due yet. */
	cr_assert_eq(rtc_rd(RTC_ALARM_STATUS), 1);
	cr_assert_not(rtc_line(), "line high before the alarm time");

	waited = wait_fired(3000);
	cr_assert_geq(waited, 0, "alarm 300 ms ahead did not fire in 3 s");
	/* Not early: the RTC has reached the alarm time. */
	cr_assert_geq(rtc_time(), when);
	cr_assert(rtc_line(), "alarm fired but the line is low");
	/* Level: it stays up until CLEAR_INTERRUPT. */
	sleep_ms(20);
	cr_assert(rtc_line());
	rtc_wr(RTC_CLEAR_INTERRUPT, 1);
	cr_assert_not(rtc_line(), "CLEAR_INTERRUPT left the line high");
	cr_assert_eq(rtc_rd(RTC_ALARM_STATUS), 0);
}

/* The alarm is in the RTC's time, after the guest moved it. */
Test(rtc, alarm_follows_guest_time)
{
	const uint64_t base = UINT64_C(946684800) * 1000000000;
	uint64_t when;

	rtc_set_time(base);
	rtc_wr(RTC_IRQ_ENABLED, 1);
	when = rtc_time() + (uint64_t)(300 * MS);
	rtc_set_alarm(when);
	/* In host time that is 25 years ago: it must not fire at once. */
	cr_assert_eq(rtc_rd(RTC_ALARM_STATUS), 1);
	cr_assert_not(rtc_line());
	cr_assert_geq(wait_fired(3000), 0, "did not fire in 3 s");
	cr_assert_geq(rtc_time(), when, "fired early");
	cr_assert(rtc_line());
}

Test(rtc, alarm_already_due_fires_at_once)
{
	rtc_wr(RTC_IRQ_ENABLED, 1);
	rtc_set_alarm(rtc_time() - (uint64_t)(1000 * MS));
	cr_assert_eq(rtc_rd(RTC_ALARM_STATUS), 0, "a past alarm stays armed");
	cr_assert(rtc_line(), "a past alarm did not raise the line");

	/* So does time 0, the alarm register's reset value. */
	rtc_wr(RTC_CLEAR_INTERRUPT, 1);
	cr_assert_not(rtc_line());
	rtc_set_alarm(0);
	cr_assert_eq(rtc_rd(RTC_ALARM_STATUS), 0);
	cr_assert(rtc_line());
}

Test(rtc, clear_alarm_disarms)
{
	rtc_wr(RTC_IRQ_ENABLED, 1);
	rtc_set_alarm(rtc_time() + (uint64_t)(100 * MS));
	cr_assert_eq(rtc_rd(RTC_ALARM_STATUS), 1);
	rtc_wr(RTC_CLEAR_ALARM, 1);
	cr_assert_eq(rtc_rd(RTC_ALARM_STATUS), 0);
	sleep_ms(300);
	cr_assert_not(rtc_line(), "a cleared alarm fired");
	cr_assert_eq(rtc_rd(RTC_ALARM_STATUS), 0);

	/* Re-arming after a clear works. */
	rtc_set_alarm(rtc_time() + (uint64_t)(50 * MS));
	cr_assert_eq(rtc_rd(RTC_ALARM_STATUS), 1);
	cr_assert_geq(wait_fired(3000), 0, "re-armed alarm did not fire");
	cr_assert(rtc_line());
}

/* A later ALARM_LOW write re-arms: only the new time counts. */
Test(rtc, rearm_moves_alarm)
{
	rtc_wr(RTC_IRQ_ENABLED, 1);
	rtc_set_alarm(rtc_time() + (uint64_t)(100 * MS));
	rtc_set_alarm(rtc_time() + (uint64_t)(1000 * MS));
	sleep_ms(300);
	cr_assert_eq(rtc_rd(RTC_ALARM_STATUS), 1, "fired at the old time");
	cr_assert_not(rtc_line());
	cr_assert_geq(wait_fired(3000), 0);
	cr_assert(rtc_line());
}

/* The line is pending AND enabled; the pending state survives disabling. */
Test(rtc, irq_enabled_gates_line)
{
	rtc_wr(RTC_IRQ_ENABLED, 0);
	rtc_set_alarm(rtc_time() + (uint64_t)(50 * MS));
	cr_assert_geq(wait_fired(3000), 0, "alarm did not fire");
	cr_assert_not(rtc_line(), "line high with IRQ_ENABLED = 0");
	/* Enabling afterwards shows the interrupt that is pending. */
	rtc_wr(RTC_IRQ_ENABLED, 1);
	cr_assert(rtc_line(), "pending interrupt lost while disabled");
	rtc_wr(RTC_IRQ_ENABLED, 0);
	cr_assert_not(rtc_line());
	rtc_wr(RTC_IRQ_ENABLED, 1);
	cr_assert(rtc_line());
	/* Only bit 0 counts. */
	rtc_wr(RTC_IRQ_ENABLED, 2);
	cr_assert_eq(rtc_rd(RTC_IRQ_ENABLED), 0);
	cr_assert_not(rtc_line());
	/* CLEAR_INTERRUPT while disabled: nothing left to show. */
	rtc_wr(RTC_CLEAR_INTERRUPT, 1);
	rtc_wr(RTC_IRQ_ENABLED, 1);
	cr_assert_not(rtc_line(), "CLEAR_INTERRUPT did not clear the pending "
	    "state");
}

Test(rtc, clear_interrupt_does_not_disarm)
{
	rtc_wr(RTC_IRQ_ENABLED, 1);
	rtc_set_alarm(rtc_time() + (uint64_t)(100 * MS));
	rtc_wr(RTC_CLEAR_INTERRUPT, 1);
	cr_assert_eq(rtc_rd(RTC_ALARM_STATUS), 1);
	cr_assert_geq(wait_fired(3000), 0);
	cr_assert(rtc_line());
}

/* ---- sifive_test ----------------------------------------------------------- */

static void
test_wr(uint64_t off, uint32_t v)
{
	/* From vCPU 1: the suspension names its source. */
	mmio(1, VIRT_TEST_BASE + off, true, 4, v);
}

/* The next vm_run() of vCPU 0 must report this suspension. */
static void
expect_suspended(int how, uint32_t code)
{
	struct vm_exit vme;

	/* With the probe loaded, a VM that is not suspended exits MMIO. */
	probe_start();
	memset(&vme, 0, sizeof(vme));
	cr_assert_eq(vm_run(ctx, 0, &vme), 0, "vm_run: %s", strerror(errno));
	cr_assert_eq(vme.exitcode, VM_EXITCODE_SUSPENDED, "exit %d",
	    vme.exitcode);
	cr_assert_eq(vme.u.suspended.how, how, "how %d, want %d",
	    vme.u.suspended.how, how);
	cr_assert_eq(vme.u.suspended.code, code, "code %u, want %u",
	    vme.u.suspended.code, code);
	cr_assert_eq(vme.u.suspended.source, 1);
}

Test(sifive_test, pass_powers_off)
{
	test_wr(0, SIFIVE_TEST_PASS);
	expect_suspended(VM_SUSPEND_POWEROFF, 0);
}

Test(sifive_test, pass_ignores_upper_bits)
{
	/* QEMU looks at the low 16 bits only for PASS. */
	test_wr(0, 0xabcd0000u | SIFIVE_TEST_PASS);
	expect_suspended(VM_SUSPEND_POWEROFF, 0);
}

Test(sifive_test, fail_halts_with_code)
{
	test_wr(0, SIFIVE_TEST_FAIL | 42u << 16);
	expect_suspended(VM_SUSPEND_HALT, 42);
}

Test(sifive_test, fail_code_is_16_bits)
{
	test_wr(0, SIFIVE_TEST_FAIL | 0xffffu << 16);
	expect_suspended(VM_SUSPEND_HALT, 0xffff);
}

Test(sifive_test, fail_code_zero)
{
	test_wr(0, SIFIVE_TEST_FAIL);
	expect_suspended(VM_SUSPEND_HALT, 0);
}

Test(sifive_test, reset)
{
	test_wr(0, SIFIVE_TEST_RESET);
	expect_suspended(VM_SUSPEND_RESET, 0);
}

/* The first outcome wins: a later PASS does not turn a FAIL into success. */
Test(sifive_test, first_write_wins)
{
	test_wr(0, SIFIVE_TEST_FAIL | 7u << 16);
	test_wr(0, SIFIVE_TEST_PASS);
	test_wr(0, SIFIVE_TEST_RESET);
	expect_suspended(VM_SUSPEND_HALT, 7);
}

Test(sifive_test, other_values_ignored)
{
	static const uint32_t junk[] = {
		0, 1, 0x5554, 0x5556, 0x3334, 0x7776, 0xffff, 0x55550000,
		0x33330000, 0x77770000, 0xffffffff,
	};
	struct vm_exit vme;

	for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++)
		test_wr(0, junk[i]);
	/* PASS at another offset is not the finisher register. */
	test_wr(4, SIFIVE_TEST_PASS);
	test_wr(8, SIFIVE_TEST_FAIL | 1u << 16);
	test_wr(0xffc, SIFIVE_TEST_RESET);

	/* The VM still runs: vCPU 0 gets to the probe's store. */
	probe_start();
	memset(&vme, 0, sizeof(vme));
	cr_assert_eq(vm_run(ctx, 0, &vme), 0);
	cr_assert_eq(vme.exitcode, VM_EXITCODE_MMIO, "exit %d (how %d)",
	    vme.exitcode, vme.u.suspended.how);
	/* And nothing suspended it before: this suspension is the first. */
	cr_assert_eq(vm_suspend(ctx, VM_SUSPEND_POWEROFF, -1, 0), 0,
	    "the VM was already suspended");
}

Test(sifive_test, reads_return_zero)
{
	struct vm_exit vme;

	cr_assert_eq(mmio(0, VIRT_TEST_BASE, false, 4, 0xdead), 0);
	cr_assert_eq(mmio(0, VIRT_TEST_BASE + 4, false, 4, 0xdead), 0);
	test_wr(0, 0x1234);
	cr_assert_eq(mmio(0, VIRT_TEST_BASE, false, 4, 0xdead), 0);
	/* Reading is not a command either. */
	probe_start();
	memset(&vme, 0, sizeof(vme));
	cr_assert_eq(vm_run(ctx, 0, &vme), 0);
	cr_assert_eq(vme.exitcode, VM_EXITCODE_MMIO);
	/* After a PASS, reads are still 0. */
	test_wr(0, SIFIVE_TEST_PASS);
	cr_assert_eq(mmio(0, VIRT_TEST_BASE, false, 4, 0xdead), 0);
	memset(&vme, 0, sizeof(vme));
	cr_assert_eq(vm_run(ctx, 0, &vme), 0);
	cr_assert_eq(vme.exitcode, VM_EXITCODE_SUSPENDED);
	cr_assert_eq(vme.u.suspended.how, VM_SUSPEND_POWEROFF);
}
