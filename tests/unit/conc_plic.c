/*
 * conc_plic.c - the PLIC and the harts' external interrupt lines under
 * concurrent load, through vmmapi with real guest code on the hart
 * engine.  Also runs under TSan (tests/tsan.list), hence cmocka.
 *
 * Device threads each own a source: raise it, wait until the guest has
 * acknowledged it, raise it again.  vCPU threads run a guest that sleeps
 * in WFI, claims, acknowledges the device (an MMIO exit whose handler
 * lowers the line, as virtio's InterruptACK does), and completes; between
 * claim and complete it sets and clears mip.SSIP with CSRRSI/CSRRCI, as
 * OpenSBI does for every IPI.  Glitch threads pulse one more source
 * meanwhile.  Even harts take their machine context (MEIP), odd harts
 * their supervisor context (SEIP).
 *
 * Checks: every raise is claimed exactly once and none is lost; once
 * every line is low, no hart keeps an external interrupt pending and
 * none keeps waking from WFI to claim nothing.  The last two caught the
 * Linux SMP hard lockup: a CSRRS/CSRRC of mip latched the PLIC's SEIP
 * line into the software-writable bit (vmm/hart/hart_csr.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tests/lib/cmocka_check.h"
#include "vmmapi/vmmapi.h"

#include "rv_encode.h"

#define NCPU		4
#define NDEV		4		/* sources 1..NDEV: one device thread each */
#define GLITCH_SRC	(NDEV + 1)	/* pulsed by the glitch threads */
#define NGLITCH		2
#define NSRC_USED	GLITCH_SRC
#define ROUNDS		2000
#define LOST_MS		10000		/* a raise unclaimed this long is lost */

#define PLIC		UINT64_C(0x0c000000)
#define PLIC_ENABLE(c)	(PLIC + 0x2000 + 0x80 * (uint64_t)(c))
#define PLIC_CLAIM(c)	(PLIC + 0x200004 + 0x1000 * (uint64_t)(c))
#define ACK_MMIO	UINT64_C(0x10010000)	/* the devices' ack register */

#define CODE		VM_RAM_BASE
#define PARAMS(i)	(VM_RAM_BASE + 0x1000 + 0x40 * (uint64_t)(i))
#define SLOT(i)		(VM_RAM_BASE + 0x2000 + 0x40 * (uint64_t)(i))

#define CSR_MIE		0x304
#define CSR_MIP		0x344
#define MIP_SSIP	(UINT64_C(1) << 1)
#define MIP_SEIP	(UINT64_C(1) << 9)
#define MIP_MEIP	(UINT64_C(1) << 11)

/*
 * The guest.  a1 points at its parameters: claim/complete register,
 * enable word, ack register, its slot (+0 ready, +8 wake-ups that found
 * nothing to claim), mie value, priority of source 1, source count.
 */
static const uint32_t guest[] = {
	LD(S0, A1, 0), LD(S1, A1, 8), LD(S2, A1, 16), LD(S3, A1, 24),
	LD(T0, A1, 32), CSRRW(X0, CSR_MIE, T0),
	LD(T1, A1, 40), LD(T3, A1, 48), LI(T2, 1),
	/* 9: */ SW(T2, T1, 0), ADDI(T1, T1, 4), ADDI(T3, T3, -1),
	BNE(T3, X0, -12),
	LI(T0, -2), SW(T0, S1, 0),		/* enable sources 1..31 */
	LI(T0, 1), SD(T0, S3, 0),		/* ready */
	/* 17: */ WFI,
	LW(T0, S0, 0),				/* claim */
	BEQ(T0, X0, 24),			/* nothing: to 25 */
	CSRRSI(X0, CSR_MIP, 2), CSRRCI(X0, CSR_MIP, 2),
	SW(T0, S2, 0),				/* acknowledge the device */
	SW(T0, S0, 0),				/* complete */
	J(-28),					/* to 17 */
	/* 25: */ LD(T1, S3, 8), ADDI(T1, T1, 1), SD(T1, S3, 8),
	J(-44),					/* to 17 */
};

static struct vmctx *ctx;
static atomic_uint acked[NSRC_USED + 1];	/* acknowledgements per source */
static atomic_int failed;			/* first error, for the checks */
static char failure[256];
static atomic_bool glitch_stop;

static void
fail_async(const char *fmt, ...)
{
	int none = 0;
	va_list ap;

	if (!atomic_compare_exchange_strong(&failed, &none, 1))
		return;
	va_start(ap, fmt);
	vsnprintf(failure, sizeof(failure), fmt, ap);
	va_end(ap);
}

static void
sleep_us(long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };

	nanosleep(&ts, NULL);
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t
slot(int i, int off)
{
	uint64_t *p = vm_map_gpa(ctx, SLOT(i) + (uint64_t)off, 8);

	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

/* The ack register: lower the device's line first, then count. */
static void
ack(uint32_t src)
{
	if (src == 0 || src > NSRC_USED) {
		fail_async("guest acknowledged source %u", src);
		return;
	}
	if (src <= NDEV)
		(void)vm_irq_set(ctx, (int)src, 0);
	atomic_fetch_add(&acked[src], 1);
}

static void *
vcpu_thread(void *arg)
{
	int vcpu = (int)(intptr_t)arg;
	struct vm_exit vme;

	memset(&vme, 0, sizeof(vme));
	for (;;) {
		if (vm_run(ctx, vcpu, &vme) != 0) {
			fail_async("vm_run(%d): %s", vcpu, strerror(errno));
			return NULL;
		}
		if (vme.exitcode == VM_EXITCODE_SUSPENDED)
			return NULL;
		if (vme.exitcode == VM_EXITCODE_MMIO && vme.u.mmio.write &&
		    vme.u.mmio.gpa == ACK_MMIO) {
			ack((uint32_t)vme.u.mmio.data);
		} else if (vme.exitcode == VM_EXITCODE_MMIO) {
			vme.u.mmio.fault = true;
			fail_async("vCPU %d: stray MMIO at %#jx", vcpu,
			    (uintmax_t)vme.u.mmio.gpa);
		} else {
			fail_async("vCPU %d: exit %d at %#jx", vcpu,
			    vme.exitcode, (uintmax_t)vme.pc);
		}
	}
}

static void *
device_thread(void *arg)
{
	int src = (int)(intptr_t)arg;

	for (unsigned r = 1; r <= ROUNDS && !atomic_load(&failed); r++) {
		int64_t deadline = now_ms() + LOST_MS;
		unsigned n;

		(void)vm_irq_set(ctx, src, 1);
		while ((n = atomic_load(&acked[src])) < r) {
			if (now_ms() > deadline) {
				fail_async("source %d: raise %u never claimed",
				    src, r);
				return NULL;
			}
			sched_yield();
		}
		if (n > r) {
			fail_async("source %d: raise %u claimed %u times",
			    src, r, n - r + 1);
			return NULL;
		}
	}
	return NULL;
}

static void *
glitch_thread(void *arg)
{
	unsigned seed = (unsigned)(intptr_t)arg;

	while (!atomic_load(&glitch_stop)) {
		(void)vm_irq_set(ctx, GLITCH_SRC, 1);
		sleep_us(rand_r(&seed) % 50);
		(void)vm_irq_set(ctx, GLITCH_SRC, 0);
		sleep_us(rand_r(&seed) % 200);
	}
	return NULL;
}

static void
load_guest(void)
{
	void *code = vm_map_gpa(ctx, CODE, sizeof(guest));

	CHECK(code != NULL, "no RAM at %#jx", (uintmax_t)CODE);
	memcpy(code, guest, sizeof(guest));
	for (int i = 0; i < NCPU; i++) {
		int c = 2 * i + (i & 1);	/* odd harts: S context */
		uint64_t *p = vm_map_gpa(ctx, PARAMS(i), 7 * 8);

		CHECK(p != NULL, "no RAM for hart %d's parameters", i);
		p[0] = PLIC_CLAIM(c);
		p[1] = PLIC_ENABLE(c);
		p[2] = ACK_MMIO;
		p[3] = SLOT(i);
		p[4] = (i & 1) ? MIP_SEIP : MIP_MEIP;
		p[5] = PLIC + 4;
		p[6] = NSRC_USED;
	}
}

static void
plic_stress(void **state)
{
	pthread_t vcpus[NCPU], devs[NDEV], glitches[NGLITCH];
	uint64_t quiet[NCPU];

	(void)state;
	ctx = vm_open_new(NCPU, 1 << 20);
	CHECK(ctx != NULL, "vm_open_new: %s", strerror(errno));
	load_guest();
	for (int i = 0; i < NCPU; i++) {
		CHECK(vm_activate_cpu(ctx, i) == 0, "activate %d", i);
		CHECK(vm_hart_start(ctx, i, CODE, (uint64_t)i, PARAMS(i),
		    PRV_M) == 0, "start hart %d: %s", i, strerror(errno));
		pthread_create(&vcpus[i], NULL, vcpu_thread,
		    (void *)(intptr_t)i);
	}
	for (int i = 0; i < NCPU; i++) {
		int64_t deadline = now_ms() + 10000;

		while (slot(i, 0) != 1 && now_ms() < deadline &&
		    !atomic_load(&failed))
			sleep_us(1000);
		CHECK(slot(i, 0) == 1, "hart %d never set up the PLIC", i);
	}

	for (int i = 0; i < NGLITCH; i++)
		pthread_create(&glitches[i], NULL, glitch_thread,
		    (void *)(intptr_t)(i + 1));
	for (int s = 1; s <= NDEV; s++)
		pthread_create(&devs[s - 1], NULL, device_thread,
		    (void *)(intptr_t)s);
	for (int s = 1; s <= NDEV; s++)
		pthread_join(devs[s - 1], NULL);
	atomic_store(&glitch_stop, true);
	for (int i = 0; i < NGLITCH; i++)
		pthread_join(glitches[i], NULL);

	/* Every line is low now: let the harts settle, then watch them. */
	sleep_us(100000);
	for (int i = 0; i < NCPU; i++)
		quiet[i] = slot(i, 8);
	sleep_us(300000);
	for (int i = 0; i < NCPU && !atomic_load(&failed); i++) {
		uint64_t mip = 0;

		CHECK(vm_get_register(ctx, i, VM_REG_CSR(CSR_MIP), &mip) == 0,
		    "read mip of hart %d", i);
		CHECK((mip & (MIP_MEIP | MIP_SEIP)) == 0,
		    "hart %d: external interrupt pending with every line low "
		    "(mip %#jx)", i, (uintmax_t)mip);
		CHECK(slot(i, 8) == quiet[i],
		    "hart %d keeps waking with nothing to claim (%ju -> %ju)",
		    i, (uintmax_t)quiet[i], (uintmax_t)slot(i, 8));
	}

	vm_suspend(ctx, VM_SUSPEND_POWEROFF, -1, 0);
	for (int i = 0; i < NCPU; i++)
		pthread_join(vcpus[i], NULL);
	CHECK(!atomic_load(&failed), "%s", failure);
	for (int s = 1; s <= NDEV; s++)
		CHECK(atomic_load(&acked[s]) == ROUNDS,
		    "source %d: %u acknowledgements for %d raises", s,
		    atomic_load(&acked[s]), ROUNDS);
	vm_close(ctx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(plic_stress),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
