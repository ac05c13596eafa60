/*
 * hart_dcache.h - the decoded-instruction cache of one hart (DESIGN.md
 * section 3, "decode once"): for each guest-physical RAM page that the
 * hart executed from, an array of pre-decoded instructions, one slot per
 * halfword offset, filled lazily the first time a slot is executed.
 *
 * Contract:
 * - The cache belongs to the hart (the vCPU thread, or a thread holding
 *   the vCPU FROZEN), like the rest of struct hart.  Harts never share
 *   decoded pages: fence.i is local, as the ISA says; another hart's
 *   stores become visible to this hart's instruction stream after this
 *   hart executes fence.i (or the vmm applies a remote FENCE.I).
 * - Slots are decoded lazily from RAM, when first run.  A decoded page
 *   also keeps a copy of its RAM page's bytes, taken when it was
 *   created, so that fence.i (and a remote FENCE.I) need not drop
 *   everything: dcache_sync() starts a new epoch, and dcache_page()
 *   compares a page of an older epoch with RAM when the run loops next
 *   enter it, dropping it if anything changed since the copy, whoever
 *   wrote it (another hart, a device, the debugger).  (A page whose bytes
 *   changed and changed back between the copy and the fence.i, with a
 *   slot decoded in between, would keep that slot: writers of code fence
 *   in between, as Linux does after each patch.)  Decoding from RAM
 *   rather than from the copy keeps what other harts wrote to
 *   not-yet-run slots visible without a fence.i, as guests such as xv6
 *   (which never executes fence.i) expect; slots already run stay as
 *   decoded until this hart's fence.i, as the ISA allows.
 * - A RAM page "holds code" while its decoded page exists
 *   (dc.pages[pidx] != NULL).  The software TLB never maps such a page
 *   for stores (hart_mmu.c's tlb_fill refuses, and dcache_page() evicts
 *   existing store entries when a page becomes code), so every store into
 *   it takes the slow path, which calls dcache_code_written(): the copy
 *   takes the bytes written and the slots that depend on them (those
 *   starting in them or 2 bytes before) are reset to "not decoded" in
 *   place, so a hart sees its own code writes at once.  Slots are never freed
 *   while run() may hold a pointer into them, except by dcache_flush(),
 *   after which the run loop looks its page up again.
 * - Slot contents depend only on the instruction bits in guest-physical
 *   memory, never on privilege or translation, so no mode change needs a
 *   flush.
 * - Breakpoints live in the cache (DESIGN.md section 3), never in guest
 *   memory.  Breakpoints are virtual addresses and the cache is
 *   physical, so a slot is marked (DOP_BPT) whenever the fast loop enters
 *   its page through a virtual page holding a breakpoint at that offset
 *   (dcache_mark_bps); a marked slot fetches its instruction again and
 *   stops only if its own virtual pc is a breakpoint, so a mark made
 *   through one alias of a page costs another alias a slow instruction,
 *   never a wrong stop.  A mark is lost when its slot is reset (a code
 *   write) and made again at the next entry into the page, which every
 *   path back from a code write goes through.  dcache_unmark_bps() resets
 *   every mark (before the breakpoint list changes).
 */
#ifndef RHYVE_HART_DCACHE_H
#define RHYVE_HART_DCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hart;

/*
 * Pages decoded at once per hart; beyond that the older half goes
 * (those made or checked against RAM least recently: dcache_page()).
 * About 37 KiB each (slots and the copy): up to 37 MiB per hart.  A
 * Linux SMP boot evicted 22,528 pages with 512 (each dropping its JIT
 * blocks), 1,536 with 1,024 and none with 2,048.
 */
#define DCACHE_MAX_PAGES	1024
/* Slots per page: one per halfword, plus the end-of-page sentinel. */
#define DCACHE_SLOTS		(4096 / 2 + 1)
/* Register index that decoded instructions use for writes to x0. */
#define DC_XSINK		32

/*
 * Operation of a decoded slot.  DOP_DECODE must be 0: a zeroed slot is
 * one to decode.  DOP_GENERIC executes the raw bits through hart_exec()
 * (rare or complex instructions, and every illegal one); DOP_CROSS is a
 * 32-bit instruction that straddles the page end (fetched every time).
 */
enum dc_op {
	DOP_DECODE = 0, DOP_GENERIC, DOP_CROSS, DOP_PAGE_END,
	DOP_LUI, DOP_AUIPC, DOP_JAL, DOP_JALR,
	DOP_BEQ, DOP_BNE, DOP_BLT, DOP_BGE, DOP_BLTU, DOP_BGEU,
	DOP_LB, DOP_LH, DOP_LW, DOP_LD, DOP_LBU, DOP_LHU, DOP_LWU,
	DOP_SB, DOP_SH, DOP_SW, DOP_SD,
	DOP_ADDI, DOP_SLTI, DOP_SLTIU, DOP_XORI, DOP_ORI, DOP_ANDI,
	DOP_SLLI, DOP_SRLI, DOP_SRAI,
	DOP_ADD, DOP_SUB, DOP_SLL, DOP_SLT, DOP_SLTU, DOP_XOR, DOP_SRL,
	DOP_SRA, DOP_OR, DOP_AND,
	DOP_ADDIW, DOP_SLLIW, DOP_SRLIW, DOP_SRAIW,
	DOP_ADDW, DOP_SUBW, DOP_SLLW, DOP_SRLW, DOP_SRAW,
	DOP_MUL, DOP_MULH, DOP_MULHSU, DOP_MULHU, DOP_DIV, DOP_DIVU,
	DOP_REM, DOP_REMU, DOP_MULW, DOP_DIVW, DOP_DIVUW, DOP_REMW,
	DOP_REMUW,
	DOP_MV, DOP_LI,		/* addi rd, rs1, 0 and addi rd, x0, imm */
	DOP_BFAR,		/* a branch whose target is on another page */
	DOP_JFAR,		/* likewise a JAL */
	/*
	 * ADD / ADDI whose result is the rs1 of the next instruction on the
	 * page, a load, store or near branch: the pair runs as one dispatch
	 * with the sum handed over in a host register (hart_fast.c).
	 */
	DOP_ADD_F, DOP_ADDI_F,
	DOP_BPT,		/* marked: may be a breakpoint (see above) */
	DOP_COUNT
};

/*
 * The slot's dispatch index: op * 2 + (len - 1), so that the fast loop
 * has a handler per instruction length and steps to the next slot by a
 * constant.  Near branches and JALs (target on the same page) hold the
 * target as a slot delta in imm; far ones (DOP_BFAR/DOP_JFAR) a byte
 * offset.
 */
#define DC_INDEX(op, len)	((op) * 2 + (len) - 1)

/*
 * One decoded instruction: 16 bytes.  'fn' is the fast loop's handler
 * for 'op' (direct threading: dispatch is one load and one jump); the
 * raw bits are not kept, DOP_GENERIC reads them again from RAM (the page
 * cannot have changed, or the slot would have been reset).
 */
struct dinsn {
	const void	*fn;	/* hart_fast_labels()[op] */
	int32_t		imm;	/* immediate, shift amount or branch offset */
	uint8_t		op;	/* DC_INDEX(enum dc_op, length in halfwords) */
	uint8_t		rd;	/* DC_XSINK for x0; funct3 for DOP_BFAR */
	uint8_t		rs1;
	uint8_t		rs2;
};

/* The fast loop's handler addresses, by DC_INDEX (hart_fast.c). */
const void *const *hart_fast_labels(void);

struct jit_page;

struct dpage {
	struct dinsn	slot[DCACHE_SLOTS];
	/* The page's bytes when it was created, for fence.i (see above). */
	_Alignas(64) uint8_t bytes[4096];
	bool		marked;		/* may hold DOP_BPT slots */
	uint32_t	epoch;		/* dcache epoch it was last checked in */
	uint32_t	live;		/* its index in dcache.live */
	uint64_t	seen;		/* dcache.clock when made or last checked */
	/* Stores into the page since a run loop last entered it. */
	uint32_t	data_writes;
	struct jit_page	*jit;		/* the JIT's blocks on this page, or NULL */
};

/*
 * A page that takes this many stores while no run loop enters it is
 * used as data now (a kernel recycling the page of a dead process's
 * code: xv6's kfree() and kalloc() fill it byte by byte, fork() copies
 * into it): it stops being code (dcache_drop_data_pages()), so that its
 * stores take the TLB's fast path again, as QEMU unprotects a page once
 * its translations are gone.  The run loops clear the count whenever
 * they enter a page, so code that keeps data in its own page (a loop
 * updating a counter next to itself) is never dropped: the interpreter
 * enters its page at least every HART_KICK_BUDGET (256) instructions,
 * the JIT after every store into it that leaves translated code.
 */
#define DCACHE_DATA_WRITES	256
#define DCACHE_PENDING		8

struct dcache {
	const void *const *labels;	/* hart_fast_labels() */
	struct dpage	**pages;	/* [npages] by RAM page index, NULL = no code */
	uint64_t	npages;		/* RAM pages */
	uint32_t	*live;		/* indices of allocated pages */
	int		nlive;
	struct dpage	**spare;	/* flushed pages kept for reuse */
	int		nspare;
	uint32_t	epoch;		/* fence.i count (dcache_sync) */
	uint64_t	clock;		/* ticks at each page made or checked */
	/* Pages that reached DCACHE_DATA_WRITES, dropped at the next
	 * dcache_drop_data_pages(). */
	uint32_t	pending[DCACHE_PENDING];
	int		npending;
	uint64_t	data_drops;	/* pages dropped so (statistics) */
};

int	dcache_init(struct hart *h);
void	dcache_destroy(struct hart *h);
/*
 * Decoded page for RAM page index 'pidx', created (and made code) if need
 * be, and checked against RAM if a fence.i came since it last was.  The
 * run loops call it when pages[pidx] is NULL or of an older epoch.
 */
struct dpage *dcache_page(struct hart *h, uint64_t pidx);

/* The decoded page of pidx if it is current (the run loops' fast check). */
static inline struct dpage *
dcache_current(const struct dcache *dc, uint64_t pidx)
{
	struct dpage *p = dc->pages[pidx];

	return p != NULL && p->epoch == dc->epoch ? p : NULL;
}
/*
 * Decode the slot 'd' of page 'pidx' (the instruction at offset 2 * slot)
 * and return its length in halfwords.
 */
void	dcache_decode(struct hart *h, uint64_t pidx, struct dinsn *d);
/* The instruction bits at offset 'off' of RAM page 'pidx' (as fetched). */
uint32_t dcache_raw(struct hart *h, uint64_t pidx, unsigned off);
/* A store wrote [pa, pa+len) of RAM: drop decoded code that depends on it. */
void	dcache_code_written(struct hart *h, uint64_t pa, uint64_t len);
/* Drop everything (reset, capacity). */
void	dcache_flush(struct hart *h);
/*
 * Drop the pending pages that are still used as data (see
 * DCACHE_DATA_WRITES).  Only where no run loop holds a pointer into a
 * decoded page: the run loops call it before they look up pc's page
 * (when dc.npending != 0).
 */
void	dcache_drop_data_pages(struct hart *h);
/*
 * fence.i: the decoded pages whose RAM changed since they were copied
 * are dropped, the others stay (checked lazily, see above).
 */
void	dcache_sync(struct hart *h);
/*
 * Mark the slots of RAM page 'pidx' (which must exist) that the
 * breakpoints in virtual page 'page_va' fall on.
 */
void	dcache_mark_bps(struct hart *h, uint64_t pidx, uint64_t page_va);
/* Reset every marked slot (before h->bps changes). */
void	dcache_unmark_bps(struct hart *h);

#endif
