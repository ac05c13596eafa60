/*
 * options_net.h - the networking part of rhyve's command line (QEMU's
 * spellings, qemu-options.hx): "-netdev user,...", "-nic user,..." and
 * the values of "-device virtio-net-device,...".  Used by options.c;
 * pure functions of their arguments, so the unit tests drive them.
 */
#ifndef RHYVE_OPTIONS_NET_H
#define RHYVE_OPTIONS_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devices.h"

/* QEMU's default MAC for the first NIC. */
#define NET_DEFAULT_MAC		{ 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 }

/* What one -netdev or -nic said. */
struct netdev_opt {
	char		*id;		/* -netdev id=; NULL for -nic */
	struct net_config cfg;		/* addresses, forwards; mac for -nic */
	bool		 has_mac;	/* -nic mac= */
	bool		 used;		/* claimed by a device */
};

/*
 * Parse the argument of -netdev ('nic' false) or -nic ('nic' true) into
 * *n (defaults: 10.0.2.0/24, host 10.0.2.2, QEMU's MAC).  Accepted keys:
 * user (first, the only type), id= (-netdev), hostfwd= (repeatable),
 * net=ADDR[/BITS|/MASK], host=ADDR; for -nic also mac= and
 * model=virtio-net-device|virtio.  Returns 0, or -1 with one line in err
 * (no "rhyve: " prefix).  On failure nothing is left allocated.
 */
int	netdev_parse(const char *opt, const char *arg, bool nic,
	    struct netdev_opt *n, char *err, size_t errlen);
void	netdev_free(struct netdev_opt *n);

/*
 * One hostfwd= value: [tcp|udp]:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT.
 * An empty HOSTADDR is 127.0.0.1 (loopback only; QEMU's default is every
 * address); an empty GUESTADDR is the guest's DHCP address (0 here).
 * Returns 0 or -1.
 */
int	net_parse_hostfwd(const char *s, struct net_hostfwd *f);

/* A MAC address "xx:xx:xx:xx:xx:xx", unicast.  Returns 0 or -1. */
int	net_parse_mac(const char *s, uint8_t mac[6]);

#endif
