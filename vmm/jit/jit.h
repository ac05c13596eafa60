/*
 * jit.h - the hart engine's second run loop: RV64GC guest code
 * translated to x86-64 host code (DESIGN.md section 7, "Engines").
 *
 * The JIT is not a second hart: it runs on the interpreter's struct hart
 * (vmm/hart/hart.h) and reuses everything but the dispatch.  Decoding,
 * the decoded-instruction cache and its invalidation rules
 * (hart_dcache.h), the MMU and software TLB, CSRs, traps and every
 * instruction the translator does not handle stay the interpreter's:
 * translated blocks are made from the decoded slots of one page, and
 * their side exits hand the instruction at hand to hart_exec(), the
 * reference.  So the two engines differ only in how the common
 * instructions are carried out, which is what the differential tests
 * (tests/unit/vmm_jit_diff.c) compare.
 *
 * Contract (the same as hart_fast.c's, hart.h):
 * - A block is straight-line code within one guest-physical page,
 *   entered at one slot; conditional branches leave it when taken.
 *   Loads and stores that hit the software TLB run inline; a miss, a
 *   watched page, MMIO or a fault leaves the block before the access with
 *   the instruction unexecuted, and the loop runs it through hart_exec().
 * - Kick bound: a block counts what it retired against the budget the
 *   loop gives it at every taken transfer to another block of its page;
 *   straight-line code is at most one page, so a kick is seen after at
 *   most JIT_KICK_BUDGET (1024) + 2048 instructions.
 * - instret is exact at every exit: the loop adds what the block reports.
 * - Breakpoints: a block never runs over a slot marked DOP_BPT: blocks
 *   end before marked slots, and marking a slot drops the page's blocks
 *   (hart_dcache.c calls jit_slots_changed()).  Watchpoints keep their
 *   pages out of the TLB, so their accesses leave the block.
 * - Code memory is never writable and executable at once: one memfd is
 *   mapped twice, read-write for the translator and read-execute for
 *   the hart, both at creation (before the sandbox).
 * - All of it belongs to the hart's thread (or one holding the vCPU
 *   FROZEN), like the rest of struct hart.
 */
#ifndef RHYVE_JIT_H
#define RHYVE_JIT_H

#include <stdbool.h>
#include <stdint.h>

struct hart;
struct dpage;
struct hart_run_ctl;
struct jit;

/* Whether this host can run translated code (x86-64). */
bool	jit_supported(void);
/* The hart's translator (code memory, block tables); NULL with errno. */
struct jit *jit_create(struct hart *h);
void	jit_destroy(struct jit *j);
/* The run loop (everything but the exact single step: hart.c). */
int	jit_run(struct hart *h, const struct hart_run_ctl *ctl);
/*
 * jit_run() passes h->run_cap by fewer instructions than this: a block
 * checks the budget at every transfer and backward jump, and runs at
 * most JIT_MAX_INSNS (jit_internal.h) straight, plus one instruction the
 * loop runs after it.  hart.c stops this far short of an instruction-
 * count stop and steps the rest exactly.
 */
#define JIT_STOP_GAP	1024

/* From the decoded cache (hart_dcache.c), whenever it changes: */
void	jit_flush(struct hart *h);			/* everything */
void	jit_page_dropped(struct hart *h, struct dpage *p);
void	jit_slots_changed(struct hart *h, struct dpage *p, int lo, int hi);

struct jit_stats {
	uint64_t blocks;	/* blocks translated */
	uint64_t insns;		/* guest instructions translated */
	uint64_t code_bytes;	/* host code written */
	uint64_t flushes;	/* code memory full: everything dropped */
	uint64_t page_drops;	/* pages whose blocks were dropped */
	uint64_t code_size;	/* code memory per hart */
};
void	jit_get_stats(const struct jit *j, struct jit_stats *st);

#endif
