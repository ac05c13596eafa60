/*
 * main.c - the rhyve command: parse the command line (options.c), run the
 * machine (machine.c), exit with its status.  rhyve(8) documents both.
 */
#include <stdio.h>
#include <stdlib.h>

#include "machine.h"
#include "options.h"
#include "version.h"

static void
print_warning(const char *msg)
{
	fprintf(stderr, "rhyve: warning: %s\n", msg);
}

int
main(int argc, char *argv[])
{
	struct rhyve_options o;
	char err[1024];
	int status;

	if (options_parse(argc, argv, &o, err, sizeof(err), print_warning) != 0) {
		fprintf(stderr, "rhyve: %s\n", err);
		options_free(&o);
		return 1;
	}
	if (o.help) {
		options_usage(stdout);
		options_free(&o);
		return 0;
	}
	if (o.version) {
		printf("rhyve %s\n", RHYVE_VERSION);
		options_free(&o);
		return 0;
	}
	status = machine_run(&o);
	options_free(&o);
	fflush(stdout);
	return status;
}
