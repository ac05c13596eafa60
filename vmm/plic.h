/*
 * plic.h - the RISC-V PLIC as QEMU virt has it at 0x0c00_0000: 96
 * sources (1..95), priorities 0..7, two contexts per hart (2*hart is
 * M-mode and drives MEIP, 2*hart+1 is S-mode and drives SEIP).
 * Spec: riscv-plic-spec 1.0.0.  Level-triggered sources, claim/complete
 * gateways as the spec describes, or as QEMU's for the sources that ask
 * (plic_set_irq()).  Thread-safe.
 */
#ifndef RHYVE_PLIC_H
#define RHYVE_PLIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vm;
struct plic;

struct plic *plic_create(struct vm *vm, int ncpus);
void	plic_destroy(struct plic *p);
/*
 * Device reset (vm_reinit): priorities, enables and thresholds to 0,
 * nothing claimed, MEIP/SEIP driven low.  The input lines keep their
 * level (they belong to the devices, which userland resets and which
 * lower them); a line that is still high stays pending, as its gateway
 * would pend it again, but no source has a priority yet.
 */
void	plic_reset(struct plic *p);
/* One access in the window; VMM_MMIO_DONE or VMM_MMIO_FAULT. */
int	plic_mmio(struct plic *p, uint64_t off, int size, bool write,
	    uint64_t *val);
/*
 * Device line 'irq' (1..VM_PLIC_NSOURCES-1) goes to 'level' (bit 0).
 * With VM_IRQ_LATCHED (vmm.h) or'ed in, the source has QEMU's gateway
 * instead of the spec's: every call with the line high is a request
 * (pended, or remembered while the source is claimed), and completing
 * the source pends it again only if it was requested meanwhile, not
 * because its line is still high.
 */
void	plic_set_irq(struct plic *p, int irq, int level);
/* Its registers and line state as an image (vm_state_save/restore). */
size_t	plic_state_size(const struct plic *p);
void	plic_state_save(struct plic *p, void *buf);
/* Also drives the harts' MEIP/SEIP lines as the image says. */
void	plic_state_restore(struct plic *p, const void *buf);

#endif
