/*
 * vmm_intr.h - what the vmm offers its in-kernel interrupt controllers
 * (aclint.c, plic.c): driving a hart's external interrupt lines and its
 * timer compare value.  Each call wakes the target vCPU (kick) so it
 * re-evaluates interrupts promptly, whether running or sleeping in WFI.
 * Safe from any thread.
 */
#ifndef RHYVE_VMM_INTR_H
#define RHYVE_VMM_INTR_H

#include <stdbool.h>
#include <stdint.h>

struct vm;

/* Set or clear one MIP_* line (MSIP, MEIP, SEIP) of a hart. */
void	vmm_set_mip_ext(struct vm *vm, int vcpuid, uint64_t bit, bool level);
uint64_t vmm_get_mip_ext(struct vm *vm, int vcpuid);

void	vmm_set_mtimecmp(struct vm *vm, int vcpuid, uint64_t val);
uint64_t vmm_get_mtimecmp(struct vm *vm, int vcpuid);

/* mtime as the guest sees it; setting it shifts the VM's time base. */
uint64_t vmm_mtime(struct vm *vm);
void	vmm_set_mtime(struct vm *vm, uint64_t val);

#endif
