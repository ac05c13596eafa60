/*
 * qmp_options.c - the command line of QMP (rhyve/options.c's -qmp and
 * -name) and the default socket path rule (rhyve/qmp/qmp_path.c) that
 * rhyve and rhyvectl share.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rhyve/options.h"
#include "rhyve/qmp/qmp.h"

static struct rhyve_options o;
static char err[256];

static int
parse2(const char *opt, const char *arg)
{
	char *argv[] = { "rhyve", "-kernel", "k.elf", (char *)opt,
	    (char *)arg, NULL };

	options_free(&o);
	return options_parse(5, argv, &o, err, sizeof(err), NULL);
}

Test(qmp_options, qmp_accepted)
{
	cr_assert_eq(parse2("-qmp", "unix:/tmp/a.sock,server=on,wait=off"), 0, "%s", err);
	cr_expect_str_eq(o.qmp_path, "/tmp/a.sock");
	cr_assert_eq(parse2("-qmp", "unix:/tmp/b.sock,server,nowait"), 0, "%s", err);
	cr_expect_str_eq(o.qmp_path, "/tmp/b.sock");
	cr_assert_eq(parse2("-qmp", "unix:rel,wait=off,server=on"), 0, "%s", err);
	cr_expect_str_eq(o.qmp_path, "rel");
	options_free(&o);
}

Test(qmp_options, qmp_refused)
{
	static const char *const bad[] = {
		"tcp:127.0.0.1:4444,server=on,wait=off",
		"unix:/tmp/a.sock",
		"unix:/tmp/a.sock,server=on",
		"unix:/tmp/a.sock,server=on,wait=on",
		"unix:/tmp/a.sock,server=off,wait=off",
		"unix:,server=on,wait=off",
		"unix:/tmp/a.sock,server=on,wait=off,telnet=on",
		"stdio", "",
	};

	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		cr_expect_eq(parse2("-qmp", bad[k]), -1, "accepted %s", bad[k]);
		cr_expect(strstr(err, "expected unix:PATH,server=on,wait=off")
		    != NULL || strstr(err, "malformed") != NULL, "%s", err);
		cr_expect(strchr(err, '\n') == NULL);
	}
	options_free(&o);
}

Test(qmp_options, name)
{
	static const char *const bad[] = { "", ".x", "a/b", "a b", "a:b",
	    "01234567890123456789012345678901234567890123456789012345678901234" };

	cr_assert_eq(parse2("-name", "vm-1_a.b"), 0, "%s", err);
	cr_expect_str_eq(o.name, "vm-1_a.b");
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		cr_expect_eq(parse2("-name", bad[k]), -1, "accepted '%s'", bad[k]);
		cr_expect(!qmp_valid_name(bad[k]), "'%s'", bad[k]);
	}
	options_free(&o);
}

Test(qmp_options, default_path)
{
	char buf[108];

	setenv("XDG_RUNTIME_DIR", "/run/user/1000", 1);
	cr_assert_eq(qmp_default_path("vm0", buf, sizeof(buf)), 0);
	cr_expect_str_eq(buf, "/run/user/1000/rhyve/vm0.qmp");
	unsetenv("XDG_RUNTIME_DIR");
	cr_assert_eq(qmp_default_path("vm0", buf, sizeof(buf)), 0);
	if (geteuid() == 0)
		cr_expect_str_eq(buf, "/run/rhyve/vm0.qmp");
	else
		cr_expect(strncmp(buf, "/tmp/rhyve-", 11) == 0);
	cr_expect_eq(qmp_default_path("../x", buf, sizeof(buf)), -1);
	cr_expect_eq(qmp_default_path("vm0", buf, 8), -1);
	/* Past sun_path: refused rather than truncated. */
	setenv("XDG_RUNTIME_DIR", "/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 1);
	cr_expect_eq(qmp_default_path("vm0", buf, sizeof(buf)), -1);
	unsetenv("XDG_RUNTIME_DIR");
}
