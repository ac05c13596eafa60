/*
 * vmm_engines.h - run each white-box hart engine test on both engines
 * (vm_config.engine: the interpreter, the reference, and the JIT), so
 * that a JIT regression fails the tests written for the interpreter.
 *
 * ENGINE_TEST(suite, name) { body } makes two Criterion tests,
 * name_interp and name_jit, whose .init sets test_engine and then calls
 * the file's own ENGINE_SETUP (a function, or engine_no_setup), then
 * runs the body; the file's VM setup reads test_engine.  Every test runs
 * in a process of its own, so the static is per test.  On a host
 * without the JIT, vm_create() says ENOTSUP and engine_create() skips.
 *
 * Included by exactly one .c per test binary, hence the statics.
 */
#ifndef VMM_ENGINES_H
#define VMM_ENGINES_H

#include <errno.h>
#include <string.h>

#include <criterion/criterion.h>

#include "vmm/vmm.h"
#include "vmm/vmm_kern.h"

static int test_engine = VM_ENGINE_INTERP;

static inline const char *
test_engine_name(void)
{
	return test_engine == VM_ENGINE_JIT ? "jit" : "interp";
}

/* vm_create() on test_engine; the test is skipped if the host lacks it. */
static inline struct vm *
engine_create(int ncpus, uint64_t ram_size)
{
	struct vm_config cfg = { .ncpus = ncpus, .ram_size = ram_size,
	    .engine = test_engine };
	struct vm *vm = NULL;
	int e = vm_create(&cfg, &vm);

	if (e == ENOTSUP)
		cr_skip_test("no %s engine on this host", test_engine_name());
	cr_assert_eq(e, 0, "vm_create (%s): %s", test_engine_name(), strerror(e));
	return vm;
}

/*
 * engine_create(), then every vCPU active, with VM_CAP_BPT_EXIT (a guest
 * ebreak ends vm_run) and started in M-mode at pc with a0 = its hart id
 * and a1 = 0: the machine the hand-encoded engine tests run their code in.
 */
static inline struct vm *
engine_create_started(int ncpus, uint64_t ram_size, uint64_t pc)
{
	struct vm *vm = engine_create(ncpus, ram_size);

	for (int i = 0; i < ncpus; i++) {
		cr_assert_eq(vm_activate_cpu(vm, i), 0);
		cr_assert_eq(vm_set_capability(vm, i, VM_CAP_BPT_EXIT, 1), 0);
		cr_assert_eq(vm_hart_start(vm, i, pc, (uint64_t)i, 0, PRV_M), 0);
	}
	return vm;
}

static inline void
engine_no_setup(void)
{
}

#define ENGINE_TEST_WITH(setup, suite, name, ...)			\
	static void suite##_##name##_body(void);			\
	static void suite##_##name##_init_interp(void)			\
	{								\
		test_engine = VM_ENGINE_INTERP;				\
		setup();						\
	}								\
	static void suite##_##name##_init_jit(void)			\
	{								\
		test_engine = VM_ENGINE_JIT;				\
		setup();						\
	}								\
	Test(suite, name##_interp,					\
	    .init = suite##_##name##_init_interp, ##__VA_ARGS__)		\
	{								\
		suite##_##name##_body();				\
	}								\
	Test(suite, name##_jit,						\
	    .init = suite##_##name##_init_jit, ##__VA_ARGS__)		\
	{								\
		suite##_##name##_body();				\
	}								\
	static void suite##_##name##_body(void)

#define ENGINE_TEST(suite, name, ...)					\
	ENGINE_TEST_WITH(ENGINE_SETUP, suite, name, ##__VA_ARGS__)

#endif
