/*
 * hart_rvc.h - expansion of compressed (C extension) instructions.
 */
#ifndef RHYVE_HART_RVC_H
#define RHYVE_HART_RVC_H

#include <stdint.h>

/* The 32-bit instruction 'c' (16 bits) stands for, or 0 if illegal. */
uint32_t rvc_expand(uint32_t c);

#endif
