/*
 * hart_exec.h - the instruction executor's contract with the run loop.
 */
#ifndef RHYVE_HART_EXEC_H
#define RHYVE_HART_EXEC_H

#include <stdint.h>

struct hart;

enum {
	X_OK = 0,	/* retired, pc advanced */
	X_JUMP,		/* retired, control transfer (a kick check point) */
	X_OK_IRQ,	/* retired; interrupts may have become enabled/pending */
	X_TRAP,		/* a trap was entered (nothing retired) */
	X_EXIT,		/* exit for the vmm/userland in *vme; nothing retired */
	X_WFI,		/* WFI retired */
};

int	hart_exec(struct hart *h, uint32_t insn);

#endif
