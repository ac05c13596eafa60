/*
 * White-box tests of the vmm's record/replay footing, on both engines:
 * the exact instruction-count stop (vm_set_insn_stop,
 * VM_EXITCODE_INSN_STOP) lands on exactly the instruction asked for,
 * whatever the block, page or loop structure of the code around it, and
 * the vCPU goes on from there; a state image plus RAM puts the VM back
 * to replay the same instructions; virtual time stands still until set.
 * The guest is a counted loop whose state after N instructions has a
 * closed form, so every stop is checked against arithmetic, not against
 * another run.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "vmm/vmm.h"
#include "vmm/vmm_kern.h"

#include "rv_encode.h"
#include "vmm_engines.h"

#define RAM	UINT64_C(0x80000000)
#define ITERS	0x100000		/* lui t0, 0x100 */
#define PROLOGUE 3
#define BODY	5

/*
 *	auipc s1, 0x10		s1 = RAM + 0x10000, a data word
 *	li s0, 0
 *	lui t0, 0x100
 * loop:
 *	addi s0, s0, 3
 *	sd s0, 0(s1)
 *	ld t1, 0(s1)
 *	addi t0, t0, -1
 *	bne t0, x0, loop
 *	ebreak
 */
static const uint32_t code[] = {
	0x17u | S1 << 7 | 0x10u << 12,
	LI(S0, 0),
	LUI(T0, ITERS >> 12),
	ADDI(S0, S0, 3),
	SD(S0, S1, 0),
	LD(T1, S1, 0),
	ADDI(T0, T0, -1),
	BNE(T0, X0, -16),
	EBREAK,
};

static struct vm *vm;

static void
setup(void)
{
	void *p;

	vm = engine_create_started(1, 1 << 20, RAM);
	p = vm_gpa2hva(vm, RAM, sizeof(code));
	cr_assert_not_null(p);
	memcpy(p, code, sizeof(code));
}

static void
teardown(void)
{
	vm_destroy(vm);
	vm = NULL;
}

static uint64_t
reg(int r)
{
	uint64_t v;

	cr_assert_eq(vm_get_register(vm, 0, r, &v), 0);
	return v;
}

static uint64_t
instret(void)
{
	struct vcpu_stats st;

	cr_assert_eq(vm_get_stats(vm, 0, &st), 0);
	return st.instret;
}

/* Run to instret n: the exit must be the stop, exactly there. */
static void
run_to_stop(uint64_t n, struct vm_exit *vme)
{
	cr_assert_eq(vm_set_insn_stop(vm, 0, n), 0);
	do {
		memset(vme, 0, sizeof(*vme));
		cr_assert_eq(vm_run(vm_vcpu(vm, 0), vme), 0);
	} while (vme->exitcode == VM_EXITCODE_BOGUS);
	cr_assert_eq(vme->exitcode, VM_EXITCODE_INSN_STOP,
	    "%s: exit %d at %#lx, wanted the stop at %lu", test_engine_name(),
	    vme->exitcode, (unsigned long)vme->pc, (unsigned long)n);
	cr_assert_eq(instret(), n, "%s: instret %lu, wanted %lu",
	    test_engine_name(), (unsigned long)instret(), (unsigned long)n);
}

/* Run to instret n; check the exit and the state against the closed form. */
static void
stop_at(uint64_t n)
{
	struct vm_exit vme;
	uint64_t m, i, j, s0, t0, t1;

	run_to_stop(n, &vme);
	cr_assert_geq(n, PROLOGUE);
	m = n - PROLOGUE;
	i = m / BODY;
	j = m % BODY;
	s0 = 3 * i + (j >= 1 ? 3 : 0);
	t0 = ITERS - i - (j >= 4 ? 1 : 0);
	t1 = j >= 3 ? 3 * (i + 1) : 3 * i;
	cr_expect_eq(reg(VM_REG_PC), RAM + 4 * PROLOGUE + 4 * j,
	    "%s at %lu: pc %#lx", test_engine_name(), (unsigned long)n,
	    (unsigned long)reg(VM_REG_PC));
	cr_expect_eq(reg(VM_REG_X(S0)), s0, "%s at %lu: s0", test_engine_name(),
	    (unsigned long)n);
	cr_expect_eq(reg(VM_REG_X(T0)), t0, "%s at %lu: t0", test_engine_name(),
	    (unsigned long)n);
	cr_expect_eq(reg(VM_REG_X(T1)), t1, "%s at %lu: t1", test_engine_name(),
	    (unsigned long)n);
	cr_expect_eq(vme.pc, reg(VM_REG_PC));
}

#define ENGINE_SETUP	setup
TestSuite(vmm_insn_stop, .fini = teardown);

/* Counts near the start, near the stop gap, across many kick budgets. */
ENGINE_TEST(vmm_insn_stop, fixed_counts)
{
	static const uint64_t at[] = { 3, 4, 5, 7, 8, 100, 1023, 1024, 1025,
	    4095, 4096, 4097, 4100, 8191, 8192, 12345, 100000, 100001,
	    1234567, 4000000 };

	for (size_t k = 0; k < sizeof(at) / sizeof(at[0]); k++)
		stop_at(at[k]);
}

ENGINE_TEST(vmm_insn_stop, random_counts)
{
	uint64_t n = PROLOGUE;

	srand(12345);
	for (int k = 0; k < 200; k++) {
		n += 1 + (uint64_t)(rand() % (k % 3 == 0 ? 20000 : 97));
		stop_at(n);
	}
}

/*
 * A loop whose body is LONG straight-line instructions, longer than a
 * JIT block (512) and than the stop gap of a careless engine: a block
 * that ran past its budget by up to its length would overshoot the stop.
 * At RAM + LONG_AT:
 *	li s0, 0
 *	li t0, LONG_ITERS
 * loop:
 *	addi s0, s0, 1		(LONG times)
 *	addi t0, t0, -1
 *	bne t0, x0, loop
 *	ebreak
 */
#define LONG		1000
#define LONG_ITERS	200
#define LONG_AT		0x20000

static void
long_stop_at(uint64_t n)
{
	struct vm_exit vme;
	uint64_t m = n - 2, i = m / (LONG + 2), j = m % (LONG + 2);

	run_to_stop(n, &vme);
	cr_expect_eq(reg(VM_REG_PC), RAM + LONG_AT + 8 + 4 * j,
	    "%s at %lu: pc", test_engine_name(), (unsigned long)n);
	cr_expect_eq(reg(VM_REG_X(S0)), i * LONG + (j < LONG ? j : LONG),
	    "%s at %lu: s0", test_engine_name(), (unsigned long)n);
}

ENGINE_TEST(vmm_insn_stop, longer_than_a_block)
{
	uint32_t *p = vm_gpa2hva(vm, RAM + LONG_AT, 4 * (LONG + 5));
	uint64_t n = 2;

	cr_assert_not_null(p);
	p[0] = LI(S0, 0);
	p[1] = LI(T0, LONG_ITERS);
	for (int k = 0; k < LONG; k++)
		p[2 + k] = ADDI(S0, S0, 1);
	p[2 + LONG] = ADDI(T0, T0, -1);
	p[3 + LONG] = BNE(T0, X0, -4 * (LONG + 1));
	p[4 + LONG] = EBREAK;
	cr_assert_eq(vm_set_register(vm, 0, VM_REG_PC, RAM + LONG_AT), 0);
	srand(777);
	for (int k = 0; k < 150; k++) {
		/* steps that land anywhere in the body, often past 512 */
		n += 1 + (uint64_t)(rand() % (k % 2 ? 1500 : 40));
		long_stop_at(n);
	}
}

/* A stop at the current count exits at once; without one the loop ends. */
ENGINE_TEST(vmm_insn_stop, at_once_then_none)
{
	struct vm_exit vme;

	stop_at(5000);
	stop_at(5000);
	cr_assert_eq(vm_set_insn_stop(vm, 0, UINT64_MAX), 0);
	memset(&vme, 0, sizeof(vme));
	do {
		cr_assert_eq(vm_run(vm_vcpu(vm, 0), &vme), 0);
	} while (vme.exitcode == VM_EXITCODE_BOGUS);
	cr_assert_eq(vme.exitcode, VM_EXITCODE_BPT);
	cr_assert_eq(instret(), PROLOGUE + (uint64_t)BODY * ITERS);
	cr_assert_eq(reg(VM_REG_X(S0)), 3 * (uint64_t)ITERS);
}

/* The stop is one-shot: the next vm_run() goes on. */
ENGINE_TEST(vmm_insn_stop, one_shot)
{
	struct vm_exit vme;

	stop_at(777);
	memset(&vme, 0, sizeof(vme));
	do {
		cr_assert_eq(vm_run(vm_vcpu(vm, 0), &vme), 0);
	} while (vme.exitcode == VM_EXITCODE_BOGUS);
	cr_assert_eq(vme.exitcode, VM_EXITCODE_BPT);
}

/*
 * Snapshots: the state image plus a copy of RAM put the VM back exactly;
 * running on from there retires the same instructions to the same state
 * (record/replay's footing).  A bad image is refused.
 */
ENGINE_TEST(vmm_insn_stop, state_restore_replays)
{
	size_t n = vm_state_size(vm);
	uint8_t *img = malloc(n), *ram = malloc(1 << 20);
	uint8_t *live = vm_gpa2hva(vm, RAM, 1 << 20);
	uint64_t data;

	cr_assert(n > 0 && img != NULL && ram != NULL && live != NULL);
	stop_at(1000);
	cr_assert_eq(vm_state_save(vm, img, n), 0);
	memcpy(ram, live, 1 << 20);
	stop_at(250001);		/* past the sd of its iteration */
	memcpy(&data, live + 0x10000, 8);
	cr_expect_eq(data, reg(VM_REG_X(S0)));

	memcpy(live, ram, 1 << 20);
	cr_assert_eq(vm_state_restore(vm, img, n), 0);
	cr_assert_eq(instret(), 1000);
	stop_at(1000);			/* the closed form holds again */
	stop_at(250001);		/* and the replay lands in the same place */
	stop_at(250002);

	cr_expect_eq(vm_state_restore(vm, img, n - 1), EINVAL);
	img[0] ^= 1;
	cr_expect_eq(vm_state_restore(vm, img, n), EINVAL);
	free(img);
	free(ram);
}

/* Virtual time stands still while the guest runs and moves when set. */
ENGINE_TEST(vmm_insn_stop, virtual_time)
{
	uint64_t t0, t1;

	cr_assert_eq(vm_set_virtual_time(vm, true), 0);
	t0 = vm_get_mtime(vm);
	stop_at(300000);
	t1 = vm_get_mtime(vm);
	cr_expect_eq(t0, t1, "mtime moved from %lu to %lu", (unsigned long)t0,
	    (unsigned long)t1);
	cr_assert_eq(vm_set_mtime(vm, 123456789), 0);
	cr_expect_eq(vm_get_mtime(vm), 123456789);
	cr_assert_eq(vm_set_virtual_time(vm, false), 0);
	cr_expect_geq(vm_get_mtime(vm), 123456789);
}
