/*
 * compute_short.S - benchmark (not a test): compute.S with 1500 rounds
 * instead of 12000, for bench/debug_points.py, which runs it once per
 * debug-point case and emulator under a debugger.
 */

/*
 * Retired instructions (`bench/debug_points.py --count`, see compute.S):
 * 868290 * 1500 + 24.
 */
# insns: 1302435024

#define ROUNDS		1500
#include "compute.S"
