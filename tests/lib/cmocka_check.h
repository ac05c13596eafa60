/*
 * cmocka_check.h - what the cmocka concurrency tests (tests/unit/conc_*.c)
 * share: CHECK(cond, fmt, ...) fails the test with the location and a
 * formatted message, and the runctl harness's rc_fatal() hook becomes a
 * cmocka failure (cmocka_check.c).  Include after <cmocka.h>.
 */
#ifndef RHYVE_TESTS_CMOCKA_CHECK_H
#define RHYVE_TESTS_CMOCKA_CHECK_H

#define CHECK(cond, ...) do {					\
	if (!(cond)) {						\
		print_error("%s:%d: ", __FILE__, __LINE__);	\
		print_error(__VA_ARGS__);			\
		fail_msg(" (%s)", #cond);			\
	}							\
} while (0)

#endif
