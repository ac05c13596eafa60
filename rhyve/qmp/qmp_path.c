/*
 * qmp_path.c - where -name NAME puts its QMP socket, shared by rhyve and
 * rhyvectl(8) so that both agree (qmp.h gives the rule).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include "qmp.h"

bool
qmp_valid_name(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > QMP_NAME_MAX || name[0] == '.')
		return false;
	for (size_t k = 0; k < n; k++) {
		char c = name[k];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.'))
			return false;
	}
	return true;
}

int
qmp_default_path(const char *name, char *buf, size_t len)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	int n;

	if (!qmp_valid_name(name))
		return -1;
	if (xdg != NULL && xdg[0] == '/')
		n = snprintf(buf, len, "%s/rhyve/%s.qmp", xdg, name);
	else if (geteuid() == 0)
		n = snprintf(buf, len, "/run/rhyve/%s.qmp", name);
	else
		n = snprintf(buf, len, "/tmp/rhyve-%u/%s.qmp",
		    (unsigned)geteuid(), name);
	if (n < 0 || (size_t)n >= len || (size_t)n >= sizeof(
	    ((struct sockaddr_un *)NULL)->sun_path))
		return -1;
	return 0;
}

