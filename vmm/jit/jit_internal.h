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

#include <stddef.h>
#include <stdint.h>

#include "../hart/hart.h"
#include "jit.h"

/* What generated code reads and writes; offsets are used by the emitter. */
struct jit_ctx {
	uint64_t	*x;		/* 0 */
	void		*tlb;		/* 8 */
	uint64_t	page_va;	/* 16 */
	uint64_t	budget;		/* 24 */
	uint64_t	pc;		/* 32: out, for JX_PC */
	struct hart	*h;		/* 40 */
	int32_t		exec;		/* 48: out, for JX_EXEC */
};
#define CTX_X		0
#define CTX_TLB		8
#define CTX_PAGE_VA	16
#define CTX_BUDGET	24
#define CTX_PC		32
#define CTX_HART	40
#define CTX_EXEC	48

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
