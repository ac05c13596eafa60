/*
 * jit_internal.h - what the JIT's files share (jit.h has the contract).
 *
 * Generated code's register use (System V callee-saved registers hold
 * the block state, so C helpers can be called without saving anything):
 *   rbx  &h->x[0]            r12  h->tlb (this privilege's TLB set)
 *   rbp  struct jit_ctx *    r13  virtual address of the page
 *   r14  budget (instructions the call may retire before it must return)
 *   r15  instructions retired so far in this call, at block entries
 * Everything else is scratch inside one guest instruction.
 *
 * A call enters through the trampoline at the start of code memory
 * (jit_enter_fn: saves registers, loads the state, jumps to the block)
 * and leaves through its epilogue with the result in rax (JR_*).
 */
#ifndef RHYVE_JIT_INTERNAL_H
#define RHYVE_JIT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../hart/hart.h"
#include "jit.h"

/* Displacement from rbx (&h->x[0]) of a field of struct hart. */
#define HOFF(m)	((int32_t)(offsetof(struct hart, m) - offsetof(struct hart, x)))

/* What generated code reads and writes; offsets are used by the emitter. */
struct jit_ctx {
	uint64_t	*x;		/* 0 */
	void		*tlb;		/* 8 */
	uint64_t	page_va;	/* 16 */
	uint64_t	budget;		/* 24 */
	uint64_t	pc;		/* 32: out, for JX_PC */
	struct hart	*h;		/* 40 */
	int32_t		exec;		/* 48: out, for JX_EXEC */
	uint64_t	ic0;		/* 56: h->instret when the call began */
};
#define CTX_X		0
#define CTX_TLB		8
#define CTX_PAGE_VA	16
#define CTX_BUDGET	24
#define CTX_PC		32
#define CTX_HART	40
#define CTX_EXEC	48
#define CTX_IC0		56

/*
 * Result of a call: retired instructions in the low 32 bits, a slot in
 * bits 32..47, the kind in bits 48..63.
 */
enum {
	JX_SLOT = 0,	/* go on at slot (2048: the next page) */
	JX_PC,		/* go on at ctx.pc */
	JX_GENERIC,	/* run the instruction at slot through hart_exec() */
	JX_EXEC,	/* hart_exec() ran one and said ctx.exec; leave */
};
#define JR(kind, slot)	((uint64_t)(kind) << 48 | (uint64_t)(slot) << 32)
#define JR_RETIRED(r)	((uint32_t)(r))
#define JR_SLOT(r)	((int)(((r) >> 32) & 0xffff))
#define JR_KIND(r)	((int)((r) >> 48))

/* Instructions between kick checks (HART_TIMER_CHECKS interpreter checks). */
#define JIT_KICK_BUDGET	(HART_KICK_BUDGET * HART_TIMER_CHECKS)

/* Longest block (guest instructions) and its worst-case code size. */
#define JIT_MAX_INSNS	512
_Static_assert(JIT_MAX_INSNS + 1 < JIT_STOP_GAP, "jit.h's JIT_STOP_GAP");
#define JIT_BLOCK_ROOM	(JIT_MAX_INSNS * 160 + 4096)

/* A jump in a block to a slot with no block yet, patched when one comes. */
struct jit_site {
	uint32_t	field;		/* code offset of the rel32 */
	uint16_t	target;		/* slot */
};

/* The blocks of one decoded page (struct dpage's jit). */
struct jit_page {
	uint32_t	head[DCACHE_SLOTS];	/* code offset of the block at a slot, 0 none */
	/*
	 * Slots some block translated (one bit per slot, both halves of a
	 * 32-bit instruction): a write elsewhere in the page (data next to
	 * code) leaves the blocks alone (jit_slots_changed()).
	 */
	uint64_t	covered[(DCACHE_SLOTS + 63) / 64];
	struct jit_site	*sites;
	int		nsites, capsites;
	struct jit_page	*next;		/* spare list */
};

/* Mark slots [lo, hi) of the page as translated by a block. */
void	jit_cover(struct jit_page *jp, int lo, int hi);

typedef uint64_t jit_enter_fn(struct jit_ctx *c, const void *body);

struct jit {
	struct hart	*h;
	uint8_t		*rw;		/* code memory, writable view */
	uint8_t		*rx;		/* the same, executable view */
	size_t		size;
	size_t		used;		/* bytes in use (blocks after the trampoline) */
	size_t		base;		/* end of the trampoline */
	uint32_t	exit_off;	/* the trampoline's epilogue */
	jit_enter_fn	*enter;
	struct jit_page	*spare;
	struct jit_stats st;
};

/*
 * The translator's state for one block (jit_compile.c), as the F/D
 * translator sees it: the code buffer, the integer register cache and
 * the side exits.  Host registers rax, rcx, rdx, rsi and xmm0/xmm1 are
 * scratch within one instruction.
 */
struct cstate;
struct xbuf;
struct xbuf *jc_buf(struct cstate *c);
/* The host register holding x[g] (loaded if need be), locked for this
 * instruction; g = 0 reads as zero. */
int	jc_xread(struct cstate *c, int g);
/* x[g] = host register r; g = 0 discards it. */
void	jc_xwrite(struct cstate *c, int g, int r);
/* The jcc/jmp whose rel32 is 'field' leaves the block before the
 * instruction at 'slot' (the k-th of the block): the loop runs it
 * through hart_exec(), so it must have changed nothing yet. */
void	jc_exit_generic(struct cstate *c, uint8_t *field, int slot, int k);
/* rsi = host address of x[rs1] + imm for 'size' bytes if the TLB of
 * 'acc' maps it, else leave as jc_exit_generic() does (clobbers rax, rcx). */
void	jc_tlb(struct cstate *c, int acc, int rs1, int32_t imm, int size,
	    int slot, int k);

/*
 * F registers in host xmm2..xmm15 (jit_fp.c), write-through: f[] in
 * memory is always current, and an xmm register remembers the value of
 * f[r] it last loaded or computed, so that the next instruction that
 * reads f[r] needs no load (no store-to-load forwarding in a chain of
 * FP operations).  Nothing but jit_fp.c's code writes f[] or the xmm
 * registers while a block runs, except calls (C code clobbers every
 * xmm register: jit_fp_forget() when the integer cache is dropped for
 * a call) and a pinned block's inner jumps (jit_fp_forget() at every
 * slot one may land on).  Block heads start with nothing remembered.
 * The same holds for what a block has learnt of mstatus.FS.
 */
#define JIT_FP_XMM	16
struct jit_fpcache {
	int8_t		xmm_of[32];		/* f register -> xmm, -1 */
	int8_t		freg[JIT_FP_XMM];	/* xmm -> f register, -1 */
	bool		full[JIT_FP_XMM];	/* all 64 bits, else the low 32 */
	uint32_t	used[JIT_FP_XMM];	/* LRU tick */
	uint32_t	tick;
	uint32_t	locked;			/* operands of this instruction */
	bool		fs_dirty;		/* FS was seen Dirty (jit_fp.c) */
};
struct jit_fpcache *jc_fpcache(struct cstate *c);
void	jit_fp_forget(struct jit_fpcache *fc);

/*
 * jit_fp.c: F and D instructions in host SSE2 code, bit-exact with
 * fpu.c (the reference).
 * - jit_fp_ok(insn): whether jit_fp_emit() translates this (expanded,
 *   32-bit) instruction; the rest of F/D is called through hart_exec().
 * - jit_fp_xregs(): the integer registers it reads and writes (masks
 *   ORed in, as regs_of() in jit_compile.c).
 * - jit_fp_emit(): its code.  Whatever the code cannot do exactly (FS
 *   not Dirty, frm not RNE for a dynamic rounding mode, a single that is
 *   not NaN-boxed, a TLB miss) leaves through jc_exit_generic() before
 *   any effect.
 * - Exception flags: translated code leaves them in the host's MXCSR
 *   (sticky, as fflags are), and nothing reads fflags while a block
 *   runs (CSR instructions end blocks).  So jit_fp_clear() runs before
 *   every entry into translated code and jit_fp_fold() (MXCSR flags into
 *   h->fp.fflags, then clear) after it, and around every F/D instruction
 *   a block calls hart_exec() for: fpu.c clears the host flags itself and
 *   leaves spurious ones raised.
 */
bool	jit_fp_ok(uint32_t insn);
void	jit_fp_xregs(uint32_t insn, uint64_t *rd, uint64_t *wr);
void	jit_fp_emit(struct cstate *c, uint32_t insn, int slot, int k);
void	jit_fp_clear(void);
void	jit_fp_fold(struct hart *h);

/*
 * jit_amo.c: LR, SC and the AMOs but MIN/MAX as host atomics, exact as
 * hart_exec.c.  jit_amo_ok(insn): whether jit_amo_emit() translates
 * this instruction; jit_amo_xregs(): the x registers it reads and
 * writes (as jit_fp_xregs()); jit_amo_emit(): its code, which leaves
 * through jc_exit_generic() before any effect on a TLB miss, a
 * misaligned address or when watchpoints are set.
 */
bool	jit_amo_ok(uint32_t insn);
void	jit_amo_xregs(uint32_t insn, uint64_t *rd, uint64_t *wr);
void	jit_amo_emit(struct cstate *c, uint32_t insn, int slot, int k);

/* jit_mem.c */
int	jit_mem_init(struct jit *j, size_t size);
void	jit_mem_fini(struct jit *j);

/* jit_compile.c: translate the block at 'slot' of page 'pidx'; 0 if
 * its first instruction cannot be translated, else its code offset. */
uint32_t jit_compile(struct hart *h, uint64_t pidx, int slot);
/* Emit the trampoline (at creation). */
int	jit_emit_trampoline(struct jit *j);
/* The page's block table, made if need be (NULL: out of memory). */
struct jit_page *jit_page_get(struct jit *j, struct dpage *p);

#endif
