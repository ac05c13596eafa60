/*
 * replay.c - the recorder: rhyve --record's single thread that runs
 * every vCPU, records the run as history (history.h) and moves in it
 * for the debug server (rhyve/gdb/gdb_reverse.c).
 *
 * Determinism.  One thread runs the vCPUs in turn, each for at most a
 * quantum of instructions (vm_set_insn_stop(), exact on both engines);
 * WFI ends a turn (VM_CAP_WFI_EXIT) instead of sleeping.  mtime is
 * frozen (vm_time) and set at each segment's start from the virtual
 * clock, the sum of the instructions history retired (a turn ended by
 * WFI counts a whole quantum: idle time passes), divided by the number
 * of vCPUs (they would run side by side) and by 10 (clock_to_mtime()).
 * The engines take pending interrupts at vm_run() entry and right after
 * CSR writes, and nothing else changes interrupt lines while this thread
 * runs, so a run is a function of its start state, its schedule and its
 * inputs.  The
 * schedule is recorded as it happens (segments: vCPU, instructions), so
 * debugger stops and single steps that cut turns short are replayed as
 * they were.  Inputs: console bytes are moved from the host's queue to
 * the guest's (console_set_gate()) only at segment starts, and logged
 * with the segment; virtio-rng's bytes are taken from the host, logged
 * with the instruction count of the notify that asked for them and given
 * back from the log by a replay (virtio_rng_set_source()); the RTC reads
 * the virtual clock (wall time at the start of the recording plus
 * mtime).  Read-only disks are read on this thread too, so they need
 * nothing but their transport's state in snapshots; a writable disk's
 * requests are logged and given back (rr_blk()), with the bytes each
 * write replaced for cutting history.  Network frames go into the
 * guest's receive queue at segment boundaries only, logged
 * (net_boundary()); the guest's frames leave at its notify, live only.
 *
 * Checks.  While recording live, a check (history.h: hashes of the VM)
 * is taken at a segment start every RR_CHECK_EVERY instructions and at
 * every snapshot; --replay compares each one it reaches, so a replay
 * that diverges stops with the instruction count of the first check
 * that differs, not at the end of the recording.
 *
 * Going back.  A snapshot (VM image, UART and RTC state, the guest's
 * input queue, RAM pages) is taken every 'interval' instructions at a
 * segment start.  Any position is reached by restoring the newest
 * snapshot before it and replaying the recorded segments up to it
 * (seek()).  bs goes to just before the last instruction the vCPU
 * retired (history.h, rr_hist_prev_insn()); bc replays snapshot
 * intervals from the newest back, noting breakpoint and watchpoint hits,
 * and seeks to the last one before where it started (a write watchpoint:
 * to just after the writing instruction), else to the beginning.
 * Going forward from the past replays the history exactly, whatever the
 * debugger holds (the recorded schedule moves every vCPU), with
 * breakpoints and steps reported as usual; at its end, live recording
 * goes on.  A register or memory write by the debugger cuts history
 * there: what followed is forgotten and a snapshot of the changed state
 * (a barrier) starts the new future.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "vmmapi/vmmapi.h"
#include "../devices.h"
#include "../iov.h"
#include "../mem.h"
#include "../net.h"
#include "../virtio_mmio.h"
#include "../gdb/gdb_reverse.h"
#include "history.h"
#include "recfile.h"
#include "replay.h"

#define RR_IN_LEN	4096	/* the guest's console input queue */
/*
 * Instructions between checks (also taken at every snapshot).  A check
 * without RAM costs some tens of microseconds (a hundred registers per
 * vCPU and the devices' state); every million instructions is well under
 * 1% of a recording and names a divergence within a millisecond or so of
 * guest time.
 */
#define RR_CHECK_EVERY	UINT64_C(1000000)

enum run_mode {
	MODE_FORWARD,		/* events go to the debugger */
	MODE_SEEK,		/* going to a position: events ignored */
	MODE_SEARCH,		/* bc: events noted */
};

enum run_why {
	WHY_DONE,		/* the count asked for retired */
	WHY_WFI,		/* live: the vCPU waits for an interrupt */
	WHY_STOP,		/* the debugger stopped it */
	WHY_END,		/* the VM is suspended: rhyve ends */
};

/* A hit noted while searching backwards. */
struct hit {
	bool		 found;
	struct rr_pos	 at;		/* where bc stops */
	int		 vcpu, ev, wp_type;
	uint64_t	 pc, wp_addr;
};

/*
 * The recorder.  Legend: (i) set by replay_init(); everything else is
 * the recorder thread's, read by the server thread (replay_describe())
 * only while the recorder waits in gdbr_schedule() (gdbsrv.mtx orders
 * the two).
 */
static struct rr {
	struct replay_config cfg;	/* (i) */
	struct rr_history h;
	size_t		 vm_state_len;	/* (i) */
	size_t		 state_len;	/* (i) image + devices + input queue */
	uint8_t		*state_buf;	/* (i) [state_len] */
	uint64_t	 mtime0;	/* (i) mtime when recording began */
	int64_t		 rtc_base;	/* (i) wall time then, ns */
	uint64_t	 mtime;		/* set at the last boundary */
	struct rr_pos	 cur;		/* where the VM is */
	uint64_t	 g;		/* global instruction count at cur */
	uint64_t	 shown_g;	/* the guest's output is shown from here */
	int64_t		 restored_at;	/* barrier just restored there, or -1 */
	int		 live_vcpu;	/* live: whose turn */
	uint64_t	 live_used;	/* ... instructions of it used */
	uint64_t	 last_snap_g;
	bool		*run, *step;	/* (i) [ncpus] for gdbr_schedule() */
	int		 end_how;	/* the VM's suspend */
	uint32_t	 end_code;
	/* the guest's console input: part of every snapshot */
	uint8_t		 in[RR_IN_LEN];
	uint32_t	 in_head, in_count;
	/* statistics */
	uint64_t	 snap_ns, restore_ns, nrestores, replayed;
	uint64_t	 rev_steps, rev_conts;
	struct hit	 hit;
	int		 only;		/* bc: hits of this vCPU only, or -1 */
	int		 rec_fd;	/* (i) --record-file, or -1 */
	bool		 verify;	/* --replay: check the checks and the end */
	uint64_t	 end_ram_hash, end_state_hash;	/* (i) its hashes */
	uint64_t	 check_from;	/* --replay: checks of segments before
					   this one were compared */
	uint64_t	 checked_g;	/* ... the last that matched was here */
	uint64_t	 last_check_g;	/* live: the last check taken */
	int		*regs;		/* (i) register numbers hashed */
	int		 nregs;		/* (i) */
	size_t		 vio_off;	/* (i) virtio state in state_buf */
	/* the vCPU being run, for virtio-rng's requests */
	int		 run_vcpu;
	uint64_t	 run_start;	/* its instret when it started */
	uint64_t	 run_seg;	/* the segment it runs in */
	bool		 run_live;	/* recording (else replaying) */
	size_t		 rng_next;	/* replaying: the next input to look at */
	size_t		 blk_next;	/* ... for writable disks */
} rr = { .restored_at = -1, .only = -1, .rec_fd = -1, .run_vcpu = -1 };

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
fatal(const char *what)
{
	fprintf(stderr, "rhyve: record: %s: %s\r\n", what, strerror(errno));
	exit(1);
}

/* A replay went another way than its recording: one line, status 1. */
static void
diverged(uint64_t g, const char *what)
{
	fprintf(stderr, "rhyve: replay: diverged from the recording at "
	    "instruction %" PRIu64 ": %s\r\n", g, what);
	exit(1);
}

static uint64_t
instret(int vcpu)
{
	struct vcpu_info info;

	if (vm_get_vcpu_info(rr.cfg.ctx, vcpu, &info) != 0)
		fatal("vCPU state");
	return info.instret;
}

/* ---- the guest's console input -------------------------------------------- */

static int
rr_getc(void)
{
	int c;

	if (rr.in_count == 0)
		return -1;
	c = rr.in[rr.in_head];
	rr.in_head = (rr.in_head + 1) % RR_IN_LEN;
	rr.in_count--;
	return c;
}

static void
in_push(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n && rr.in_count < RR_IN_LEN; i++) {
		rr.in[(rr.in_head + rr.in_count) % RR_IN_LEN] = p[i];
		rr.in_count++;
	}
}

/* The RTC's clock: wall time at the start plus virtual time. */
static int64_t
rr_rtc_clock(void)
{
	return rr.rtc_base + (int64_t)(rr.mtime - rr.mtime0) * 100;
}

static uint64_t
seg_clock_adv(const struct rr_seg *s)
{
	if ((s->flags & RR_SEG_WFI) && s->n < rr.cfg.quantum)
		return rr.cfg.quantum;
	return s->n;
}

/* The virtual clock at the start of the segment after the last. */
static uint64_t
next_clock(void)
{
	const struct rr_seg *last = rr_hist_seg(&rr.h, rr_hist_end(&rr.h) - 1);

	if (last != NULL)
		return last->clock + seg_clock_adv(last);
	if (rr.h.nsnaps > 0)
		return rr.h.snaps[rr.h.nsnaps - 1].clock;
	return 0;
}

/*
 * Virtual time.  The clock counts instructions of every vCPU; the vCPUs
 * of a real machine run side by side, so a round of turns is the time
 * one turn takes: mtime (10 MHz) moves one tick per RR_INSNS_PER_TICK
 * instructions of each vCPU, as if the harts ran at 100 MHz.
 */
#define RR_INSNS_PER_TICK	10

static uint64_t
clock_to_mtime(uint64_t clock)
{
	return rr.mtime0 + clock / ((uint64_t)rr.cfg.ncpus * RR_INSNS_PER_TICK);
}

/* ---- snapshots ------------------------------------------------------------ */

static void
state_save(void)
{
	uint8_t *p = rr.state_buf;

	if (vm_state_save(rr.cfg.ctx, p, rr.vm_state_len) != 0)
		fatal("saving the VM state");
	p += rr.vm_state_len;
	uart_state_save(p);
	p += UART_STATE_SIZE;
	goldfish_rtc_state_save(p);
	p += RTC_STATE_SIZE;
	memcpy(p, &rr.in_head, sizeof(rr.in_head));
	memcpy(p + 4, &rr.in_count, sizeof(rr.in_count));
	memcpy(p + 8, rr.in, RR_IN_LEN);
	virtio_mmio_state_save(rr.state_buf + rr.vio_off);
}

static void
snapshot(bool barrier)
{
	uint64_t t0 = now_ns(), seg = rr_hist_end(&rr.h);

	state_save();
	if (rr_hist_snapshot(&rr.h, seg, rr.g, next_clock(), rr.state_buf,
	    rr.state_len, rr.cfg.ram, barrier) != 0)
		fatal("snapshot");
	rr.last_snap_g = rr.g;
	rr.snap_ns += now_ns() - t0;
}

static void
code_changed(uint64_t off, void *arg)
{
	(void)arg;
	(void)vm_invalidate_code(rr.cfg.ctx, VM_RAM_BASE + off, RR_PAGE_SIZE);
}

static void
restore(const struct rr_snap *s)
{
	uint64_t t0 = now_ns();
	const uint8_t *p = s->state + rr.vm_state_len;

	rr_hist_restore_ram(s, rr.h.npages, rr.cfg.ram, code_changed, NULL);
	if (vm_state_restore(rr.cfg.ctx, s->state, rr.vm_state_len) != 0)
		fatal("restoring the VM state");
	uart_state_restore(p);
	p += UART_STATE_SIZE;
	goldfish_rtc_state_restore(p);
	p += RTC_STATE_SIZE;
	memcpy(&rr.in_head, p, sizeof(rr.in_head));
	memcpy(&rr.in_count, p + 4, sizeof(rr.in_count));
	memcpy(rr.in, p + 8, RR_IN_LEN);
	virtio_mmio_state_restore(s->state + rr.vio_off);
	rr.cur = (struct rr_pos){ s->seg, false, 0 };
	rr.rng_next = rr_hist_input_at(&rr.h, s->seg);
	rr.blk_next = rr.rng_next;
	rr.g = s->g;
	rr.mtime = clock_to_mtime(s->clock);
	rr.restored_at = (int64_t)s->seg;
	rr.nrestores++;
	rr.restore_ns += now_ns() - t0;
}

/* ---- boundaries ----------------------------------------------------------- */

/*
 * Networking in record mode: frames for the guest go into its receive
 * queue only here, at segment boundaries.  Live, the backend's waiting
 * frames go in (while the guest has buffers for them) and each is
 * logged (RR_IN_NET: a byte, 1 if the guest got it or 0 if the device
 * dropped it, then the frame); replaying, the logged frames go in again
 * and must meet the same fate.  The guest's own frames leave at its
 * notify (rr_net_tx()) when live and are dropped when replaying: the
 * network saw them the first time.
 */
static void
net_boundary(uint64_t seg, bool live)
{
	static uint8_t rec[1 + NET_FRAME_MAX];
	size_t n;
	int r;

	if (!rr.cfg.net)
		return;
	if (live) {
		while ((n = net_slirp_rx_peek(rec + 1)) > 0) {
			r = virtio_net_rx_recorded(rec + 1, n);
			if (r == 0)
				break;		/* no buffer: later */
			net_slirp_rx_pop();
			rec[0] = r > 0;
			if (rr_hist_add_input(&rr.h, seg, rr.g, RR_IN_NET, rec,
			    n + 1) != 0)
				fatal("input log");
		}
		return;
	}
	for (size_t i = rr_hist_input_at(&rr.h, seg);
	    i < rr.h.nins && rr.h.ins[i].seg == seg; i++) {
		const struct rr_input *in = &rr.h.ins[i];

		if (in->kind != RR_IN_NET || in->len < 2)
			continue;
		r = virtio_net_rx_recorded(in->data + 1, in->len - 1);
		if ((r > 0) != (in->data[0] != 0) || r == 0)
			diverged(rr.g, "virtio-net: the guest does not take a "
			    "frame as it did");
	}
}

/* The guest sent a frame (on this thread, at its notify). */
static void
rr_net_tx(const uint8_t *frame, size_t len)
{
	if (rr.run_live)
		net_slirp_send(frame, len);
}

/* Apply segment 'seg''s boundary: time, inputs, the RTC's alarm. */
static void
boundary(uint64_t seg, uint64_t clock, bool live)
{
	bool fed = false;

	rr.mtime = clock_to_mtime(clock);
	if (vm_time(rr.cfg.ctx, -1, rr.mtime, NULL) != 0)
		fatal("setting mtime");
	if (live) {
		uint8_t buf[256];
		size_t n = 0;
		int c;

		while (n < sizeof(buf) && rr.in_count + n < RR_IN_LEN &&
		    (c = console_host_getc()) >= 0)
			buf[n++] = (uint8_t)c;
		if (n > 0) {
			if (rr_hist_add_input(&rr.h, seg, rr.g, RR_IN_CONSOLE,
			    buf, n) != 0)
				fatal("input log");
			in_push(buf, n);
			fed = true;
		}
	} else {
		for (size_t i = rr_hist_input_at(&rr.h, seg);
		    i < rr.h.nins && rr.h.ins[i].seg == seg; i++) {
			if (rr.h.ins[i].kind != RR_IN_CONSOLE)
				continue;
			in_push(rr.h.ins[i].data, rr.h.ins[i].len);
			fed = true;
		}
	}
	if (fed)
		console_notify_listener();
	net_boundary(seg, live);
	goldfish_rtc_poll();
	rr.restored_at = -1;
}

/* ---- running a vCPU -------------------------------------------------------- */

/* A debug exit while searching backwards: note it if it is the latest. */
static void
note_hit(int vcpu, const struct vm_exit *vme, uint64_t done,
    const struct rr_pos *before)
{
	struct rr_pos at = { rr.cur.seg, true, rr.cur.off + done };
	int ev;

	if (!gdbr_hit_counts(vcpu, vme, &ev))
		return;
	if (vme->exitcode == VM_EXITCODE_WATCH)
		at.off++;	/* just after the access, as GDB wants it */
	if (rr_pos_cmp(&at, before) >= 0)
		return;
	rr.hit = (struct hit){ .found = true, .at = at, .vcpu = vcpu,
	    .ev = ev, .pc = vme->pc };
	if (vme->exitcode == VM_EXITCODE_WATCH) {
		rr.hit.wp_addr = vme->u.watch.wp_addr;
		rr.hit.wp_type = vme->u.watch.wp_type;
	}
}

/*
 * Run vcpu for at most 'cap' instructions.  *done gets how many it
 * retired.  'before' bounds the hits a search notes.
 */
static int
run_vcpu(int vcpu, uint64_t cap, enum run_mode mode, bool live,
    uint64_t *done, const struct rr_pos *before)
{
	struct vm_exit vme;
	uint64_t start = instret(vcpu);
	int why = WHY_DONE;

	*done = 0;
	if (cap == 0)
		return WHY_DONE;
	if (vm_set_insn_stop(rr.cfg.ctx, vcpu, start + cap) != 0)
		fatal("instruction stop");
	rr.run_vcpu = vcpu;
	rr.run_start = start;
	rr.run_live = live;
	memset(&vme, 0, sizeof(vme));
	for (;;) {
		if (vm_run(rr.cfg.ctx, vcpu, &vme) != 0)
			fatal("vm_run");
		switch (vme.exitcode) {
		case VM_EXITCODE_MMIO:
			mmio_emulate(vcpu, &vme);
			continue;
		case VM_EXITCODE_ECALL:
			rr.cfg.ecall(vcpu, &vme);
			continue;
		case VM_EXITCODE_INSN_STOP:
			why = WHY_DONE;
			break;
		case VM_EXITCODE_WFI:
			if (!live)
				continue;	/* the recorded count decides */
			why = WHY_WFI;
			break;
		case VM_EXITCODE_BPT:
		case VM_EXITCODE_WATCH:
			if (mode == MODE_SEARCH && (rr.only < 0 ||
			    rr.only == vcpu))
				note_hit(vcpu, &vme, instret(vcpu) - start,
				    before);
			/*
			 * A vCPU the debugger holds moves only because the
			 * recorded schedule moves it: its hits are not
			 * reported (the debugger believes it stopped).
			 */
			if (mode != MODE_FORWARD || !rr.run[vcpu] ||
			    !gdbr_exit(vcpu, &vme))
				continue;	/* passes it once */
			why = WHY_STOP;
			break;
		case VM_EXITCODE_DEBUG:
			why = WHY_STOP;
			break;
		case VM_EXITCODE_SUSPENDED:
			rr.end_how = vme.u.suspended.how;
			rr.end_code = vme.u.suspended.code;
			why = WHY_END;
			break;
		default:
			continue;	/* BOGUS, a stray MTRAP */
		}
		break;
	}
	*done = instret(vcpu) - start;
	rr.run_vcpu = -1;
	if (why != WHY_DONE)
		(void)vm_set_insn_stop(rr.cfg.ctx, vcpu, UINT64_MAX);
	return why;
}

/* ---- hashes and checks ---------------------------------------------------- */

/*
 * Hash of the VM's state as the guest sees it, RAM aside: every register
 * and CSR of every vCPU, mtime, the devices' state and the guest's input
 * queue.  Not the VM image itself: it holds engine scratch (and padding)
 * that may differ between the interpreter and the JIT, which replay each
 * other's recordings.
 */
static uint64_t
state_hash(void)
{
	uint64_t h = RECFILE_FNV0, v;

	for (int c = 0; c < rr.cfg.ncpus; c++)
		for (int i = 0; i < rr.nregs; i++) {
			int r = rr.regs[i];

			if (vm_get_register(rr.cfg.ctx, c, r, &v) != 0)
				v = UINT64_C(0xdead0000dead0000);
			h = recfile_fnv(h, &r, sizeof(r));
			h = recfile_fnv(h, &v, sizeof(v));
		}
	if (vm_time(rr.cfg.ctx, -1, UINT64_MAX, &v) == 0)
		h = recfile_fnv(h, &v, sizeof(v));
	state_save();
	return recfile_fnv(h, rr.state_buf + rr.vm_state_len,
	    rr.state_len - rr.vm_state_len);
}

/* Live, at a segment start: take a check if one is due. */
static void
take_check(void)
{
	uint64_t seg = rr_hist_end(&rr.h);
	const struct rr_snap *sn = rr.h.nsnaps > 0 ?
	    &rr.h.snaps[rr.h.nsnaps - 1] : NULL;
	bool at_snap = sn != NULL && sn->seg == seg;
	struct rr_check c;

	if (rr.h.nchecks > 0 && rr.h.checks[rr.h.nchecks - 1].seg >= seg)
		return;		/* taken already (the segment did not run) */
	if (!at_snap && rr.g - rr.last_check_g < RR_CHECK_EVERY)
		return;
	c = (struct rr_check){ .seg = seg, .g = rr.g,
	    .state_hash = state_hash(), .ram_hash = at_snap ? sn->ram_hash : 0 };
	if (rr_hist_add_check(&rr.h, &c) != 0)
		fatal("check log");
	rr.last_check_g = rr.g;
}

/* --replay, at the start of segment seg: compare its check, if any. */
static void
verify_check(uint64_t seg)
{
	const struct rr_check *c;

	if (!rr.verify || seg < rr.check_from)
		return;
	rr.check_from = seg + 1;
	if ((c = rr_hist_check_at(&rr.h, seg)) == NULL)
		return;
	if (c->g != rr.g)
		diverged(rr.g, "the schedule does not add up");
	if (state_hash() != c->state_hash) {
		char what[160];

		snprintf(what, sizeof(what), "registers or device state differ "
		    "(they matched at instruction %" PRIu64 ")", rr.checked_g);
		diverged(rr.g, what);
	}
	if (c->ram_hash != 0 &&
	    rr_ram_hash(rr.cfg.ram, rr.h.npages) != c->ram_hash) {
		char what[160];

		snprintf(what, sizeof(what), "guest RAM differs (it matched at "
		    "instruction %" PRIu64 ")", rr.checked_g);
		diverged(rr.g, what);
	}
	rr.checked_g = rr.g;
}

/*
 * virtio-rng's source in record mode, called while rr.run_vcpu runs (the
 * notify is an MMIO exit on this thread).  Live: host entropy, logged at
 * the global count of the instruction that notified.  Replaying: the
 * logged bytes, which must have been asked for at the same count.
 */
static size_t
rr_rng(void *buf, size_t len)
{
	uint64_t g;
	ssize_t r;

	if (rr.run_vcpu < 0)
		return 0;	/* not from a vCPU this thread runs */
	g = rr.g + instret(rr.run_vcpu) - rr.run_start;
	if (rr.run_live) {
		do {
			r = getrandom(buf, len, GRND_NONBLOCK);
		} while (r < 0 && errno == EINTR);
		if (r < 0)
			r = 0;
		if (rr_hist_add_input(&rr.h, rr.run_seg, g, RR_IN_RNG, buf,
		    (size_t)r) != 0)
			fatal("input log");
		return (size_t)r;
	}
	while (rr.rng_next < rr.h.nins &&
	    rr.h.ins[rr.rng_next].seg <= rr.run_seg) {
		const struct rr_input *in = &rr.h.ins[rr.rng_next++];

		if (in->kind != RR_IN_RNG || in->seg != rr.run_seg)
			continue;
		if (in->g != g || in->len > len)
			break;
		memcpy(buf, in->data, in->len);
		return in->len;
	}
	diverged(g, "virtio-rng asks for bytes the recording did not give "
	    "there");
	return 0;
}

/*
 * Writable disks in record mode (virtio_blk_set_recorder()): the image
 * changes as the guest writes it, so replays cannot read it again.
 * Live, a request is served and logged (RR_IN_DISK) at the global count
 * of the instruction that notified: what serve() returned, the data it
 * put in the device-writable buffers, the status byte.  A write first
 * logs the bytes it replaces (RR_IN_DISK_UNDO), so that cutting history
 * (rewrite_history()) can put the image back as it was there.
 * Replaying, the logged request gives the guest the same bytes and the
 * image is not touched: it stays as the end of history left it, which
 * is where live recording goes on.
 */
struct blk_log {
	int64_t		 n;		/* serve()'s result */
	/* then n - 1 bytes of data and the status byte, if n > 0 */
};
struct blk_undo {
	uint32_t	 disk;
	uint32_t	 pad;
	uint64_t	 off;
	/* then the bytes */
};

/* The status byte: the last byte of the last device-writable buffer. */
static uint8_t *
blk_status(const struct blk_rr_req *q)
{
	const struct iovec *l = &q->wiov[q->nwrite - 1];

	return (uint8_t *)l->iov_base + l->iov_len - 1;
}

/* Bytes the request's device-writable buffers hold. */
static size_t
blk_room(const struct blk_rr_req *q)
{
	size_t room = 0;

	for (int i = 0; i < q->nwrite; i++)
		room += q->wiov[i].iov_len;
	return room;
}

/* Log what a request gave the guest: serve()'s n, data and status. */
static void
blk_log_add(uint64_t g, int64_t n, const struct blk_rr_req *q)
{
	size_t len = sizeof(struct blk_log) + (n > 0 ? (size_t)n : 0);
	struct blk_log lg = { .n = n };
	uint8_t *rec = malloc(len);

	if (rec == NULL)
		fatal("disk log");
	memcpy(rec, &lg, sizeof(lg));
	if (n > 0) {
		(void)iov_to_buf(q->wiov, q->nwrite, 0, rec + sizeof(lg),
		    (size_t)n - 1);
		rec[len - 1] = *blk_status(q);
	}
	if (rr_hist_add_input(&rr.h, rr.run_seg, g, RR_IN_DISK, rec, len) != 0)
		fatal("disk log");
	free(rec);
}

static int64_t
rr_blk_live(const struct blk_rr_req *q, int64_t (*serve)(void *), void *arg,
    uint64_t g)
{
	int64_t n;

	if (q->len > RR_INPUT_MAX - 64 || blk_room(q) > RR_INPUT_MAX - 64) {
		/* more than a log entry holds: failed, and logged so */
		*blk_status(q) = 1;		/* VIRTIO_BLK_S_IOERR */
		blk_log_add(g, 1, q);
		return 1;
	}
	if (q->write) {
		struct blk_undo u = { .disk = (uint32_t)q->disk, .off = q->off };
		uint8_t *rec = malloc(sizeof(u) + q->len);

		if (rec == NULL)
			fatal("disk log");
		memcpy(rec, &u, sizeof(u));
		if (virtio_blk_read_image(q->disk, q->off, rec + sizeof(u),
		    q->len) != 0)
			fatal("reading the disk image");
		if (rr_hist_add_input(&rr.h, rr.run_seg, g, RR_IN_DISK_UNDO,
		    rec, sizeof(u) + q->len) != 0)
			fatal("disk log");
		free(rec);
	}
	n = serve(arg);
	blk_log_add(g, n, q);
	return n;
}

static int64_t
rr_blk(const struct blk_rr_req *q, int64_t (*serve)(void *), void *arg)
{
	uint64_t g;

	if (rr.run_vcpu < 0)
		return serve(arg);	/* not from a vCPU this thread runs */
	g = rr.g + instret(rr.run_vcpu) - rr.run_start;
	if (rr.run_live)
		return rr_blk_live(q, serve, arg, g);
	while (rr.blk_next < rr.h.nins &&
	    rr.h.ins[rr.blk_next].seg <= rr.run_seg) {
		const struct rr_input *in = &rr.h.ins[rr.blk_next++];
		struct blk_log lg;

		if (in->kind != RR_IN_DISK || in->seg != rr.run_seg)
			continue;
		if (in->g != g || in->len < sizeof(lg))
			break;
		memcpy(&lg, in->data, sizeof(lg));
		if (lg.n < 0)
			return serve(arg);	/* no request: no I/O either */
		if (in->len != sizeof(lg) + (size_t)lg.n || lg.n == 0 ||
		    (size_t)lg.n > blk_room(q))
			break;
		(void)iov_from_buf(q->wiov, q->nwrite, 0, in->data + sizeof(lg),
		    (size_t)lg.n - 1);
		*blk_status(q) = in->data[in->len - 1];
		return lg.n;
	}
	diverged(g, "virtio-blk gets a request the recording did not have "
	    "there");
	return -1;
}

/*
 * History after global count g is being forgotten: put back what the
 * disk writes since then replaced, the newest first.
 */
static void
undo_disk_writes(uint64_t g)
{
	for (size_t i = rr.h.nins; i-- > 0 && rr.h.ins[i].g >= g; ) {
		const struct rr_input *in = &rr.h.ins[i];
		struct blk_undo u;

		if (in->kind != RR_IN_DISK_UNDO || in->len < sizeof(u))
			continue;
		memcpy(&u, in->data, sizeof(u));
		if (virtio_blk_write_image((int)u.disk, u.off,
		    in->data + sizeof(u), in->len - sizeof(u)) != 0)
			fatal("putting the disk image back");
	}
}

/* ---- replaying ------------------------------------------------------------- */

/*
 * One step of replay from rr.cur toward 'limit' (NULL: the segment's
 * end): cross into the next segment, or run (part of) the current one.
 * Returns a run_why, or -1 when history has no more (live from here).
 */
static int
replay_step(const struct rr_pos *limit, enum run_mode mode,
    const struct rr_pos *before)
{
	struct rr_seg *s = rr_hist_seg(&rr.h, rr.cur.seg);
	uint64_t cap, done;
	int why, vcpu;

	if (s == NULL)
		return -1;
	if (rr.cur.bdone && rr.cur.off >= s->n) {
		rr.cur = (struct rr_pos){ rr.cur.seg + 1, false, 0 };
		rr.g = s->g + s->n;
		return WHY_DONE;
	}
	if (!rr.cur.bdone) {
		struct rr_snap *b = rr_hist_barrier_at(&rr.h, rr.cur.seg);

		if (b != NULL && rr.restored_at != (int64_t)rr.cur.seg)
			restore(b);
		verify_check(rr.cur.seg);
		boundary(rr.cur.seg, s->clock, false);
		rr.cur.bdone = true;
	}
	vcpu = s->vcpu;
	cap = s->n - rr.cur.off;
	if (limit != NULL && limit->seg == rr.cur.seg && limit->bdone &&
	    limit->off - rr.cur.off < cap)
		cap = limit->off - rr.cur.off;
	if (mode == MODE_FORWARD && rr.step[vcpu] && cap > 1)
		cap = 1;
	if (mode == MODE_FORWARD ? !gdbr_enter(vcpu, true) :
	    !gdbr_borrow(vcpu))
		return WHY_STOP;
	/* what the guest prints again was printed when it was recorded */
	console_set_muted(rr.g < rr.shown_g);
	rr.run_seg = rr.cur.seg;
	why = run_vcpu(vcpu, cap, mode, false, &done, before);
	rr.cur.off += done;
	rr.g += done;
	rr.replayed += done;
	if (rr.g > rr.shown_g)
		rr.shown_g = rr.g;
	if (why == WHY_DONE && mode == MODE_FORWARD && rr.step[vcpu] &&
	    done > 0) {
		rr.step[vcpu] = false;
		gdbr_step_done(vcpu);
		why = WHY_STOP;
	}
	/* last: the server may read the history once every vCPU is parked */
	if (mode == MODE_FORWARD)
		gdbr_leave(vcpu);
	return why;
}

/* Replay from rr.cur to position t; -1 if interrupted or history ends. */
static int
replay_to(const struct rr_pos *t, enum run_mode mode,
    const struct rr_pos *before)
{
	while (rr_pos_cmp(&rr.cur, t) < 0) {
		int why;

		if (gdbr_interrupted())
			return -1;
		why = replay_step(t, mode, before);
		if (why == WHY_END) {
			fprintf(stderr, "rhyve: record: replay diverged: the VM "
			    "ended at instruction %" PRIu64 "\r\n", rr.g);
			exit(1);
		}
		if (why != WHY_DONE)
			return -1;
	}
	return 0;
}

/* Put the VM at position t of history.  -1 if interrupted. */
static int
seek(const struct rr_pos *t)
{
	struct rr_snap *s = rr_hist_snap_before(&rr.h, t, false);
	struct rr_pos sp;

	if (s == NULL)
		return -1;
	sp = (struct rr_pos){ s->seg, false, 0 };
	if (rr_pos_cmp(&rr.cur, t) > 0 || rr_pos_cmp(&rr.cur, &sp) < 0)
		restore(s);
	return replay_to(t, MODE_SEEK, NULL);
}

static void
report_begin(int vcpu)
{
	struct rr_pos b = rr_hist_begin(&rr.h);
	uint64_t pc = 0;

	if (seek(&b) != 0) {
		gdbr_report_none();
		return;
	}
	(void)vm_get_register(rr.cfg.ctx, vcpu, VM_REG_PC, &pc);
	gdbr_report(vcpu, gdbr_ev_step(), pc, 0, 0, true);
}

/* bs: back one instruction of vcpu. */
static void
reverse_step(int vcpu)
{
	struct rr_pos t;
	uint64_t pc = 0;

	rr.rev_steps++;
	if (!rr_hist_prev_insn(&rr.h, &rr.cur, vcpu, &t)) {
		report_begin(vcpu);
		return;
	}
	if (seek(&t) != 0) {
		gdbr_report_none();
		return;
	}
	(void)vm_get_register(rr.cfg.ctx, vcpu, VM_REG_PC, &pc);
	gdbr_report(vcpu, gdbr_ev_step(), pc, 0, 0, false);
}

/* bc: back to the last breakpoint or watchpoint hit before here. */
static void
reverse_continue(int vcpu)
{
	struct rr_pos p = rr.cur, upper = rr.cur;
	size_t i;

	rr.rev_conts++;
	rr.hit.found = false;
	for (i = rr.h.nsnaps; i-- > 0;) {
		struct rr_snap *s = &rr.h.snaps[i];
		struct rr_pos sp = { s->seg, false, 0 };

		if (rr_pos_cmp(&sp, &p) >= 0)
			continue;
		restore(s);
		rr.hit.found = false;
		if (replay_to(&upper, MODE_SEARCH, &p) != 0) {
			gdbr_report_none();
			return;
		}
		if (rr.hit.found) {
			struct hit h = rr.hit;

			if (seek(&h.at) != 0) {
				gdbr_report_none();
				return;
			}
			gdbr_report(h.vcpu, h.ev, h.pc, h.wp_addr, h.wp_type,
			    false);
			return;
		}
		upper = sp;
	}
	report_begin(vcpu);
}

/* ---- live ------------------------------------------------------------------ */

/* Run the next live segment.  Returns a run_why. */
static int
live_segment(void)
{
	int n = rr.cfg.ncpus, vcpu = -1, why;
	cpuset_t started;
	struct rr_seg s;
	uint64_t cap, done;

	if (vm_started_cpus(rr.cfg.ctx, &started) != 0)
		fatal("started vCPUs");
	if (rr.live_vcpu >= 0 && rr.live_used < rr.cfg.quantum &&
	    rr.run[rr.live_vcpu] && cpuset_isset(rr.live_vcpu, &started))
		vcpu = rr.live_vcpu;
	for (int k = 1; vcpu < 0 && k <= n; k++) {
		int c = (rr.live_vcpu + k + n) % n;

		if (rr.run[c] && cpuset_isset(c, &started)) {
			vcpu = c;
			rr.live_used = 0;	/* a new turn, even its own */
		}
	}
	if (vcpu < 0) {
		/*
		 * Nothing started may run: let one that may sleep in
		 * vm_run() until something (a stop, the end) kicks it.
		 */
		for (int c = 0; c < n && vcpu < 0; c++)
			if (rr.run[c])
				vcpu = c;
		if (vcpu < 0)
			return WHY_STOP;
	}
	if (vcpu != rr.live_vcpu) {
		rr.live_vcpu = vcpu;
		rr.live_used = 0;
	}
	cap = rr.cfg.quantum - rr.live_used;
	if (rr.step[vcpu])
		cap = 1;
	/*
	 * Enter first: until gdbr_leave() the server's all-stop waits for
	 * this vCPU, so it never reads history (monitor record) while the
	 * snapshot or the check below change it (TSan found that race).
	 */
	if (!gdbr_enter(vcpu, false))
		return WHY_STOP;
	if (rr.g - rr.last_snap_g >= rr.cfg.interval)
		snapshot(false);
	take_check();
	s = (struct rr_seg){ .g = rr.g, .clock = next_clock(),
	    .vcpu = (uint16_t)vcpu };
	console_set_muted(false);
	boundary(rr_hist_end(&rr.h), s.clock, true);
	rr.run_seg = rr_hist_end(&rr.h);
	why = run_vcpu(vcpu, cap, MODE_FORWARD, true, &done, NULL);
	s.n = (uint32_t)done;
	if (why == WHY_WFI) {
		s.flags |= RR_SEG_WFI;
		rr.live_used = rr.cfg.quantum;
	} else {
		rr.live_used += done;
	}
	if (rr_hist_add_seg(&rr.h, &s) != 0)
		fatal("schedule log");
	rr.cur = (struct rr_pos){ rr_hist_end(&rr.h) - 1, true, done };
	rr.g += done;
	rr.shown_g = rr.g;
	if (why == WHY_DONE && rr.step[vcpu] && done > 0) {
		rr.step[vcpu] = false;
		gdbr_step_done(vcpu);
		why = WHY_STOP;
	}
	gdbr_leave(vcpu);	/* last, see replay_step() */
	return why;
}

/*
 * The debugger changed registers or memory: history after here is no
 * longer what would happen.  Forget it and keep the changed state as a
 * barrier snapshot that replay loads when it gets there.
 */
static void
rewrite_history(void)
{
	struct rr_pos last = rr_hist_last(&rr.h);

	if (rr.verify) {
		/* the recording's checks no longer apply from here */
		fprintf(stderr, "rhyve: replay: the debugger changed the VM at "
		    "instruction %" PRIu64 ": the rest of the recording is not "
		    "checked\r\n", rr.g);
		rr.verify = false;
	}
	undo_disk_writes(rr_hist_global(&rr.h, &rr.cur));
	if (rr_pos_cmp(&rr.cur, &last) < 0) {
		rr_hist_truncate(&rr.h, &rr.cur);
		if (!rr.cur.bdone) {
			/* at a segment's start: it is gone now */
			rr.cur = rr_hist_last(&rr.h);
		}
	} else {
		/* at the end: a check taken for the next segment is stale */
		rr_hist_truncate(&rr.h, &rr.cur);
	}
	snapshot(true);
	rr.live_used = rr.cfg.quantum;	/* a fresh turn */
}

/* Hashes of the VM for --record-file/--replay: RAM, and state_hash(). */
static void
hashes(uint64_t *ram, uint64_t *state)
{
	*state = state_hash();
	*ram = rr_ram_hash(rr.cfg.ram, rr.h.npages);
}

/* --replay reached the end of the recording: is the VM what it was? */
static void
verify_end(void)
{
	uint64_t ram, state;

	rr.verify = false;
	hashes(&ram, &state);
	if (ram != rr.end_ram_hash || state != rr.end_state_hash) {
		fprintf(stderr, "rhyve: replay: diverged from the recording: at "
		    "its end (instruction %" PRIu64 ") the %s differs\r\n", rr.g,
		    ram != rr.end_ram_hash ? "guest RAM" : "VM state");
		exit(1);
	}
	fprintf(stderr, "rhyve: replay: the recording replayed exactly "
	    "(%" PRIu64 " instructions)\r\n", rr.g);
}

/* --record-file: the history, from its oldest snapshot, to the file. */
static void
save_recording(void)
{
	struct recfile_hdr hdr;
	struct rr_pos last = rr_hist_last(&rr.h);

	memset(&hdr, 0, sizeof(hdr));
	hdr.ncpus = (uint32_t)rr.cfg.ncpus;
	hdr.ram_size = rr.cfg.ram_size;
	hdr.quantum = rr.cfg.quantum;
	hdr.mtime0 = rr.mtime0;
	hdr.rtc_base = rr.rtc_base;
	if (rr_pos_cmp(&rr.cur, &last) < 0) {
		/*
		 * rhyve ends while the debugger is in the past, and the VM
		 * (suspended) cannot replay to the end: the recording saved
		 * ends here.
		 */
		rr_hist_truncate(&rr.h, &rr.cur);
		if (!rr.cur.bdone)
			rr.cur = rr_hist_last(&rr.h);
		last = rr_hist_last(&rr.h);
		fprintf(stderr, "rhyve: record: ending in the past: the saved "
		    "recording ends at instruction %" PRIu64 "\r\n", rr.g);
	}
	hdr.end_g = rr_hist_global(&rr.h, &last);
	hashes(&hdr.end_ram_hash, &hdr.end_state_hash);
	if (recfile_save(rr.rec_fd, &hdr, &rr.h) != 0)
		fprintf(stderr, "rhyve: record: saving the recording: %s\r\n",
		    strerror(errno));
	close(rr.rec_fd);
	rr.rec_fd = -1;
}

static void *
replay_thread(void *arg)
{
	struct gdbr_sched s = { .run = rr.run, .step = rr.step };

	(void)arg;
	gdbr_attach();
	for (;;) {
		struct rr_pos last;
		int why;

		for (int i = 0; i < rr.cfg.ncpus; i++) {
			rr.run[i] = true;
			rr.step[i] = false;
		}
		gdbr_schedule(&s);
		if (s.req == GDBR_BSTEP) {
			reverse_step(s.req_vcpu);
			continue;
		}
		if (s.req == GDBR_BCONT) {
			rr.only = s.req_only ? s.req_vcpu : -1;
			reverse_continue(s.req_vcpu);
			rr.only = -1;
			continue;
		}
		if (s.dirty && !s.shutdown)
			rewrite_history();
		last = rr_hist_last(&rr.h);
		why = -1;
		if (rr_pos_cmp(&rr.cur, &last) < 0 && s.shutdown)
			break;		/* rhyve ends; the VM stays in the past */
		if (rr_pos_cmp(&rr.cur, &last) < 0)
			why = replay_step(NULL, MODE_FORWARD, NULL);
		if (why == -1 && rr.verify)
			verify_end();
		if (why == -1)
			why = live_segment();
		if (why == WHY_END && rr.verify) {
			last = rr_hist_last(&rr.h);
			if (rr_pos_cmp(&rr.cur, &last) >= 0)
				verify_end();
			else
				diverged(rr.g, "the VM ended before the "
				    "recording does");
		}
		if (why == WHY_END && !rr.cfg.suspended(rr.end_how, rr.end_code))
			break;
	}
	if (rr.rec_fd >= 0)
		save_recording();
	return NULL;
}

/* ---- set-up ---------------------------------------------------------------- */

/* --replay: history from the file, the VM at its beginning. */
static int
load_recording(const char *path)
{
	struct recfile_hdr hdr;
	char why[256];
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		fprintf(stderr, "rhyve: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (recfile_load(fd, &hdr, &rr.h, rr.cfg.ram, rr.cfg.ram_size,
	    rr.state_len, why, sizeof(why)) != 0) {
		close(fd);
		fprintf(stderr, "rhyve: %s: %s\n", path, why);
		return -1;
	}
	close(fd);
	if (hdr.ncpus != (uint32_t)rr.cfg.ncpus) {
		fprintf(stderr, "rhyve: %s: recorded with -smp %u\n", path,
		    hdr.ncpus);
		return -1;
	}
	rr.cfg.quantum = hdr.quantum;
	rr.mtime0 = hdr.mtime0;
	rr.rtc_base = hdr.rtc_base;
	rr.end_ram_hash = hdr.end_ram_hash;
	rr.end_state_hash = hdr.end_state_hash;
	rr.verify = true;
	rr.check_from = hdr.begin_seg;
	restore(&rr.h.snaps[0]);
	rr.checked_g = rr.g;
	rr.last_snap_g = rr.shown_g = rr.g;
	return 0;
}

int
replay_init(const struct replay_config *cfg)
{
	struct timespec ts;
	int n = cfg->ncpus;

	rr.cfg = *cfg;
	rr.vm_state_len = vm_state_size(cfg->ctx);
	rr.vio_off = rr.vm_state_len + UART_STATE_SIZE + RTC_STATE_SIZE +
	    8 + RR_IN_LEN;
	rr.state_len = rr.vio_off + virtio_mmio_state_size();
	rr.state_buf = calloc(1, rr.state_len);
	rr.run = calloc((size_t)n, sizeof(*rr.run));
	rr.step = calloc((size_t)n, sizeof(*rr.step));
	rr.regs = calloc(VM_REG_LAST + 1, sizeof(*rr.regs));
	if (rr.state_buf == NULL || rr.run == NULL || rr.step == NULL ||
	    rr.regs == NULL) {
		fprintf(stderr, "rhyve: record: out of memory\n");
		return -1;
	}
	/*
	 * The registers the hashes cover: those the vmm has (a fixed set,
	 * found once, rather than 4,000 CSR numbers tried at every check).
	 */
	for (int r = 1; r <= VM_REG_LAST; r++) {
		uint64_t v;

		if (vm_get_register(cfg->ctx, 0, r, &v) == 0)
			rr.regs[rr.nregs++] = r;
	}
	if (rr_hist_init(&rr.h, cfg->limit, cfg->ram_size, rr.state_len) != 0) {
		fprintf(stderr, "rhyve: --record=%" PRIu64 "M is too small for "
		    "%" PRIu64 "M of guest RAM (give more than the RAM)\n",
		    cfg->limit >> 20, cfg->ram_size >> 20);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		if (vm_set_capability(cfg->ctx, i, VM_CAP_WFI_EXIT, 1) != 0) {
			fprintf(stderr, "rhyve: record: WFI exits: %s\n",
			    strerror(errno));
			return -1;
		}
	}
	if (vm_time(cfg->ctx, 1, UINT64_MAX, &rr.mtime0) != 0) {
		fprintf(stderr, "rhyve: record: virtual time: %s\n",
		    strerror(errno));
		return -1;
	}
	rr.mtime = rr.mtime0;
	clock_gettime(CLOCK_REALTIME, &ts);
	rr.rtc_base = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	if (cfg->record_file != NULL) {
		rr.rec_fd = open(cfg->record_file, O_WRONLY | O_CREAT | O_TRUNC |
		    O_CLOEXEC, 0644);
		if (rr.rec_fd < 0) {
			fprintf(stderr, "rhyve: %s: %s\n", cfg->record_file,
			    strerror(errno));
			return -1;
		}
	}
	goldfish_rtc_set_clock(rr_rtc_clock);
	console_set_gate(rr_getc);
	virtio_rng_set_source(rr_rng);
	virtio_blk_set_recorder(rr_blk);
	if (cfg->net) {
		virtio_net_set_recorder(rr_net_tx);
		net_slirp_set_recorded();
	}
	gdbr_on = true;
	rr.live_vcpu = 0;
	rr.cur = (struct rr_pos){ 0, false, 0 };
	if (cfg->replay_file != NULL)
		return load_recording(cfg->replay_file);
	snapshot(false);
	return 0;
}

int
replay_start(pthread_t *tid)
{
	int error = pthread_create(tid, NULL, replay_thread, NULL);

	if (error != 0) {
		fprintf(stderr, "rhyve: record: cannot start the recorder: %s\n",
		    strerror(error));
		return -1;
	}
	return 0;
}

void
replay_describe(char *buf, size_t len)
{
	struct rr_pos b = rr_hist_begin(&rr.h), e = rr_hist_last(&rr.h);
	uint64_t gb = rr_hist_global(&rr.h, &b), ge = rr_hist_global(&rr.h, &e);

	snprintf(buf, len,
	    "position: instruction %" PRIu64 " (segment %" PRIu64 ", %s, "
	    "offset %" PRIu64 ")%s\n"
	    "history: instructions %" PRIu64 "..%" PRIu64 ", segments %"
	    PRIu64 "..%" PRIu64 ", %zu inputs\n"
	    "snapshots: %zu kept (%" PRIu64 " taken, %" PRIu64 " dropped), "
	    "%" PRIu64 " pages copied, %" PRIu64 " shared; %" PRIu64 " ms "
	    "taking them\n"
	    "memory: %" PRIu64 " of %" PRIu64 " bytes\n"
	    "reverse: %" PRIu64 " steps, %" PRIu64 " continues, %" PRIu64
	    " restores (%" PRIu64 " ms), %" PRIu64 " instructions replayed\n"
	    "quantum %" PRIu64 ", snapshot every %" PRIu64 " instructions\n",
	    rr.g, rr.cur.seg, rr.cur.bdone ? "running" : "at its start",
	    rr.cur.off, rr_pos_cmp(&rr.cur, &e) < 0 ? " (replaying)" : " (live)",
	    gb, ge, b.seg, rr_hist_end(&rr.h), rr.h.nins,
	    rr.h.nsnaps, rr.h.snaps_taken, rr.h.snaps_dropped,
	    rr.h.pages_copied, rr.h.pages_shared, rr.snap_ns / 1000000,
	    rr.h.bytes, rr.h.limit,
	    rr.rev_steps, rr.rev_conts, rr.nrestores, rr.restore_ns / 1000000,
	    rr.replayed, rr.cfg.quantum, rr.cfg.interval);
}

/* FNV-1a, 64 bits. */
static uint64_t
fnv(uint64_t h, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * UINT64_C(0x100000001b3);
	return h;
}

int
replay_hash(uint64_t *ram, uint64_t *state)
{
	state_save();
	*state = fnv(UINT64_C(0xcbf29ce484222325), rr.state_buf, rr.state_len);
	*ram = fnv(UINT64_C(0xcbf29ce484222325), rr.cfg.ram,
	    (size_t)rr.cfg.ram_size);
	return 0;
}
