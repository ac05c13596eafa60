/*
 * F and D standard extensions of the hart engine: the floating-point
 * register file, fcsr, and the execution of every F/D instruction that
 * is not a load or store (RISC-V unprivileged ISA 20191213, chapters
 * 11 "F", 12 "D" and 13 "Q" for the NaN-boxing rules).
 *
 * Contract:
 * - struct fpu_state is owned by the hart's vCPU thread, like the rest of
 *   struct hart (no locking: nothing else touches it while the vCPU runs;
 *   the debugger reads it only while the vCPU is stopped).
 * - f[] holds FLEN = 64 bit registers.  A single is valid only when
 *   NaN-boxed (bits 63..32 all ones); fpu_execute() reads an improperly
 *   boxed single as the canonical NaN 0x7fc00000 and always writes singles
 *   boxed.  FLW (in exec_fp) must box what it loads.
 * - fflags holds the accrued exception flags (FPU_NX..FPU_NV, bits 4..0
 *   of fcsr) and frm the dynamic rounding mode (0..7, bits 7..5 of fcsr);
 *   the CSR code reads and writes them directly, masked to their widths.
 *   fpu_execute() only ever ORs flags into fflags and never changes frm.
 * - fpu_execute(st, insn, rs1_int, xres) executes one instruction whose
 *   major opcode is 0x43/0x47/0x4b/0x4f (FMADD/FMSUB/FNMSUB/FNMADD) or
 *   0x53 (OP-FP).  rs1_int is the value of integer register rs1 (used only
 *   by FCVT.fmt.{W,WU,L,LU} and FMV.{W,D}.X).  It returns
 *     FPU_WROTE_F  the result was written to f[rd];
 *     FPU_WROTE_X  the caller must write *xres to x[rd] (unless rd = 0);
 *     FPU_ILLEGAL  reserved encoding, reserved rm (5, 6) or rm = DYN with
 *                  frm > 4: nothing was changed and the caller raises an
 *                  illegal-instruction exception.
 *   The caller has already checked mstatus.FS != Off and marks FS dirty
 *   on success.  fpu_execute() does not touch memory or other hart state.
 * - It is reentrant.  It expects the calling thread's host FP environment
 *   in its C default state (round to nearest, exceptions masked, FTZ and
 *   DAZ off), which nothing in rhyve changes: the common RNE add, sub and
 *   mul rely on it instead of paying for MXCSR accesses.  It leaves the
 *   host rounding mode as it found it; host exception flags may be left
 *   raised (nothing in rhyve reads them).
 */
#ifndef RHYVE_VMM_HART_FPU_H
#define RHYVE_VMM_HART_FPU_H

#include <stdint.h>

/* fflags bits (fcsr[4:0]). */
#define FPU_NX	0x01u		/* inexact */
#define FPU_UF	0x02u		/* underflow */
#define FPU_OF	0x04u		/* overflow */
#define FPU_DZ	0x08u		/* divide by zero */
#define FPU_NV	0x10u		/* invalid operation */

/* Rounding modes (rm field, frm). */
#define FPU_RNE	0		/* nearest, ties to even */
#define FPU_RTZ	1		/* towards zero */
#define FPU_RDN	2		/* down, towards -inf */
#define FPU_RUP	3		/* up, towards +inf */
#define FPU_RMM	4		/* nearest, ties to max magnitude */
#define FPU_DYN	7		/* use frm (only valid in the rm field) */

/* Canonical NaNs (spec 11.3). */
#define FPU_CNAN_S	UINT32_C(0x7fc00000)
#define FPU_CNAN_D	UINT64_C(0x7ff8000000000000)
/* The NaN box of a single. */
#define FPU_BOX		UINT64_C(0xffffffff00000000)

struct fpu_state {
	uint64_t	f[32];		/* f0..f31, singles NaN-boxed */
	uint32_t	fflags;		/* accrued exceptions, FPU_NX..FPU_NV */
	uint32_t	frm;		/* dynamic rounding mode, 0..7 */
};

enum {
	FPU_ILLEGAL = -1,
	FPU_WROTE_F = 0,
	FPU_WROTE_X = 1
};

int	fpu_execute(struct fpu_state *st, uint32_t insn, uint64_t rs1_int,
	    uint64_t *xres);

#endif /* RHYVE_VMM_HART_FPU_H */
