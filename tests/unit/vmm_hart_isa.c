/*
 * White-box acceptance test of the hart engine: every instruction-level
 * test guest (tests/guests/isa/NAME.S, built by `make guests` into
 * $BUILD/guests/isa) runs on the raw vmm objects under the minimal
 * machine of vmm_hart_run.h and must power off with success, as
 * tests/integration/isa.sh checks through build/rhyve.  A guest that is
 * not built skips its test.  Every guest runs on both engines: NAME_interp
 * on the interpreter, NAME_jit on the JIT (skipped on hosts without it).
 */
#include <criterion/criterion.h>

#include "vmm_hart_run.h"

static void
isa_guest(const char *name, int ncpus, int engine)
{
	const char *build = getenv("BUILD");
	char path[512], *out = NULL;
	int r;

	snprintf(path, sizeof(path), "%s/guests/isa/%s.elf",
	    build != NULL && *build != '\0' ? build : "build", name);
	if (access(path, R_OK) != 0) {
		snprintf(path, sizeof(path), "build/guests/isa/%s.elf", name);
		if (access(path, R_OK) != 0)
			cr_skip_test("%s not built (make guests)", path);
	}
	r = run_guest(path, ncpus, engine, 60, &out);
	if (r == -2)
		cr_skip_test("engine %d not on this host", engine);
	cr_expect_eq(r, 0, "%s (%s): failing check %d; console: %s", name,
	    engine == VM_ENGINE_JIT ? "jit" : "interp", r, out != NULL ? out : "");
	free(out);
}

#define ISA_TEST(name, ncpus)						\
	Test(vmm_hart_isa, name##_interp, .timeout = 90) {		\
		isa_guest(#name, ncpus, VM_ENGINE_INTERP);		\
	}								\
	Test(vmm_hart_isa, name##_jit, .timeout = 90) {			\
		isa_guest(#name, ncpus, VM_ENGINE_JIT);			\
	}

ISA_TEST(alu, 1)
ISA_TEST(amo, 1)
ISA_TEST(branch, 1)
ISA_TEST(counters, 1)
ISA_TEST(csr, 1)
ISA_TEST(fp, 1)
ISA_TEST(intr, 1)
ISA_TEST(ipi, 4)
ISA_TEST(mem, 1)
ISA_TEST(muldiv, 1)
ISA_TEST(paging, 1)
ISA_TEST(priv, 1)
ISA_TEST(rvc, 1)
ISA_TEST(smc, 1)
ISA_TEST(smp, 4)
ISA_TEST(trap, 1)
