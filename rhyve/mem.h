/*
 * mem.h - userland MMIO dispatch (bhyve's usr.sbin/bhyve/mem.h): device
 * models register a guest-physical range and a handler; the vCPU loop
 * hands every VM_EXITCODE_MMIO to mmio_emulate().
 */
#ifndef RHYVE_MEM_H
#define RHYVE_MEM_H

#include <stdbool.h>
#include <stdint.h>

struct vm_exit;

/*
 * Handler for one access at 'off' within the range.  For reads it stores
 * the value in *val; for writes *val holds the value.  Returns 0, or -1
 * to make the guest take an access fault.  Called from vCPU threads,
 * possibly several at once: a device serialises itself.
 */
typedef int (*mmio_handler_t)(void *arg, int vcpu, bool write, uint64_t off,
    int size, uint64_t *val);

struct mmio_range {
	const char	*name;
	uint64_t	 base;
	uint64_t	 size;
	mmio_handler_t	 handler;
	void		*arg;
};

/* Copies *r.  Returns 0, or -1 (errno EEXIST) if it overlaps a range. */
int	mmio_register(const struct mmio_range *r);
void	mmio_unregister_all(void);
/*
 * Emulate the access described by vme->u.mmio, filling data for a read
 * and setting fault where nothing is mapped.
 */
void	mmio_emulate(int vcpu, struct vm_exit *vme);

#endif
