/*
 * options_net.c - "-netdev user", "-nic user" and their values (see
 * options_net.h).  Only user-mode networking exists (net_slirp.c); every
 * other backend (tap, bridge, socket, ...) and every key we do not
 * implement is refused with one line, never ignored: a user who asked
 * for a forward must not get a VM without it.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "options_net.h"

static int
nfail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	/* One line, whatever the user typed. */
	for (char *s = err; errlen > 0 && *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
	return -1;
}

/* Dotted quad to host order.  Returns 0 or -1. */
static int
parse_ip4(const char *s, uint32_t *out)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return -1;
	*out = ntohl(a.s_addr);
	return 0;
}

/* Port 1..65535, the whole string. */
static int
parse_port(const char *s, uint16_t *out)
{
	char *end;
	long v;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 1 || v > 65535)
		return -1;
	*out = (uint16_t)v;
	return 0;
}

int
net_parse_hostfwd(const char *s, struct net_hostfwd *f)
{
	char buf[128], *p, *hport, *dash, *gaddr, *gport;

	memset(f, 0, sizeof(*f));
	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	/* protocol */
	p = strchr(buf, ':');
	if (p == NULL)
		return -1;
	*p++ = '\0';
	if (strcmp(buf, "udp") == 0)
		f->udp = true;
	else if (buf[0] != '\0' && strcmp(buf, "tcp") != 0)
		return -1;
	/* host address and port */
	hport = strchr(p, ':');
	if (hport == NULL)
		return -1;
	*hport++ = '\0';
	if (*p == '\0')
		f->host_addr = INADDR_LOOPBACK;
	else if (parse_ip4(p, &f->host_addr) != 0)
		return -1;
	dash = strchr(hport, '-');
	if (dash == NULL)
		return -1;
	*dash = '\0';
	if (parse_port(hport, &f->host_port) != 0)
		return -1;
	/* guest address and port */
	gaddr = dash + 1;
	gport = strchr(gaddr, ':');
	if (gport == NULL)
		return -1;
	*gport++ = '\0';
	if (*gaddr != '\0' && parse_ip4(gaddr, &f->guest_addr) != 0)
		return -1;
	return parse_port(gport, &f->guest_port);
}

int
net_parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];
	char end;

	if (strlen(s) != 17 || sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0],
	    &v[1], &v[2], &v[3], &v[4], &v[5], &end) != 6)
		return -1;
	for (int i = 0; i < 6; i++) {
		if (!isxdigit((unsigned char)s[3 * i]) ||
		    !isxdigit((unsigned char)s[3 * i + 1]))
			return -1;
		mac[i] = (uint8_t)v[i];
	}
	return (mac[0] & 1) ? -1 : 0;	/* multicast: not a NIC's */
}

/* net=ADDR[/BITS|/MASK] */
static int
parse_net(const char *s, uint32_t *net, uint32_t *mask)
{
	char buf[64], *slash;
	uint32_t m;
	long bits;
	char *end;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash != NULL)
		*slash++ = '\0';
	if (parse_ip4(buf, net) != 0)
		return -1;
	m = 0xffffff00u;			/* QEMU's /24 */
	if (slash != NULL && strchr(slash, '.') != NULL) {
		if (parse_ip4(slash, &m) != 0 || (~m & (~m + 1)) != 0)
			return -1;		/* not contiguous */
	} else if (slash != NULL) {
		errno = 0;
		bits = strtol(slash, &end, 10);
		if (*slash == '\0' || *end != '\0' || errno != 0 ||
		    bits < 0 || bits > 32)
			return -1;
		m = bits == 0 ? 0 : 0xffffffffu << (32 - bits);
	}
	/* Room for .2 (host), .3 (DNS) and .15 onwards (DHCP). */
	if ((~m) < 31 || m < 0xff000000u)
		return -1;
	*mask = m;
	*net &= m;
	return 0;
}

int
netdev_parse(const char *opt, const char *arg, bool nic,
    struct netdev_opt *n, char *err, size_t errlen)
{
	static const uint8_t defmac[6] = NET_DEFAULT_MAC;
	char *copy, *item, *save = NULL;
	bool first = true, host_given = false;
	int error = 0;

	memset(n, 0, sizeof(*n));
	n->cfg.net = 0x0a000200u;		/* 10.0.2.0/24 */
	n->cfg.mask = 0xffffff00u;
	memcpy(n->cfg.mac, defmac, 6);
	if ((copy = strdup(arg)) == NULL)
		return nfail(err, errlen, "out of memory");
	for (item = strtok_r(copy, ",", &save); item != NULL && error == 0;
	    item = strtok_r(NULL, ",", &save)) {
		char *val = strchr(item, '=');

		if (first) {
			first = false;
			if (strcmp(item, "user") != 0) {
				error = nfail(err, errlen, "%s %s: only user "
				    "networking is supported (-netdev user)",
				    opt, arg);
			}
			continue;
		}
		if (val == NULL) {
			error = nfail(err, errlen, "%s %s: '%s' is not "
			    "key=value", opt, arg, item);
			break;
		}
		*val++ = '\0';
		if (strcmp(item, "id") == 0 && !nic && *val != '\0') {
			free(n->id);
			if ((n->id = strdup(val)) == NULL)
				error = nfail(err, errlen, "out of memory");
		} else if (strcmp(item, "hostfwd") == 0) {
			if (n->cfg.nfwd == NET_HOSTFWD_MAX)
				error = nfail(err, errlen, "%s: at most %d "
				    "hostfwd=", opt, NET_HOSTFWD_MAX);
			else if (net_parse_hostfwd(val,
			    &n->cfg.fwd[n->cfg.nfwd++]) != 0)
				error = nfail(err, errlen, "%s: hostfwd=%s: "
				    "expected [tcp|udp]:[HOSTADDR]:PORT-"
				    "[GUESTADDR]:PORT", opt, val);
		} else if (strcmp(item, "net") == 0) {
			if (parse_net(val, &n->cfg.net, &n->cfg.mask) != 0)
				error = nfail(err, errlen, "%s: net=%s: "
				    "expected ADDR[/BITS] with 8 to 27 bits",
				    opt, val);
		} else if (strcmp(item, "host") == 0) {
			if (parse_ip4(val, &n->cfg.host) != 0)
				error = nfail(err, errlen, "%s: host=%s: "
				    "expected an IPv4 address", opt, val);
			host_given = true;
		} else if (strcmp(item, "mac") == 0 && nic) {
			if (net_parse_mac(val, n->cfg.mac) != 0)
				error = nfail(err, errlen, "%s: mac=%s: "
				    "expected a unicast xx:xx:xx:xx:xx:xx",
				    opt, val);
			n->has_mac = true;
		} else if (strcmp(item, "model") == 0 && nic) {
			if (strcmp(val, "virtio-net-device") != 0 &&
			    strcmp(val, "virtio") != 0)
				error = nfail(err, errlen, "%s: model=%s: only "
				    "virtio-net-device", opt, val);
		} else {
			error = nfail(err, errlen, "%s %s: unsupported key "
			    "'%s'", opt, arg, item);
		}
	}
	free(copy);
	if (error == 0 && first)
		error = nfail(err, errlen, "%s: empty", opt);
	if (error == 0 && !nic && n->id == NULL)
		error = nfail(err, errlen, "%s %s: id= is missing", opt, arg);
	if (error == 0 && !host_given)
		n->cfg.host = n->cfg.net | 2;
	if (error == 0 && ((n->cfg.host & n->cfg.mask) != n->cfg.net ||
	    (n->cfg.host & ~n->cfg.mask) == 0 ||
	    (n->cfg.host | n->cfg.mask) == 0xffffffffu ||
	    (n->cfg.host & ~n->cfg.mask) == 3 ||
	    (n->cfg.host & ~n->cfg.mask) >= 15))
		error = nfail(err, errlen, "%s: host= must be in net= below "
		    "its .15 and not its .3 (the DNS)", opt);
	for (int i = 0; error == 0 && i < n->cfg.nfwd; i++) {
		uint32_t g = n->cfg.fwd[i].guest_addr;

		if (g != 0 && (g & n->cfg.mask) != n->cfg.net)
			error = nfail(err, errlen, "%s: hostfwd guest "
			    "address outside net=", opt);
	}
	if (error != 0)
		netdev_free(n);
	return error;
}

void
netdev_free(struct netdev_opt *n)
{
	free(n->id);
	n->id = NULL;
}
