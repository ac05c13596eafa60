/*
 * cmocka_check.c - the runctl harness's failure hook for cmocka tests
 * (see cmocka_check.h).  Criterion tests and the benchmarks define their
 * own rc_fatal(), so the linker takes this member of the helper archive
 * only where nothing else defines it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>

#include "tests/lib/runctl_harness.h"

void
rc_fatal(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fail_msg("%s", buf);
	abort();	/* not reached */
}
