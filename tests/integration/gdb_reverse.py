#!/usr/bin/env python3
"""gdb_reverse.py - record mode and reverse execution (rhyve --record)
driven by a raw GDB remote protocol client, on the 4-hart guest
tests/guests/gdb/race.S (every hart logs hart<<32|seq in
writer_log[seq % 1024], then stores it into shared_word, in
record_write()):

  - qSupported offers ReverseStep+ and ReverseContinue+ with --record
    only; without it bs is not supported (empty reply);
  - N reverse steps (bs) of one hart, then N forward steps (vCont;s),
    give back every register of every hart and every byte of RAM and of
    the rest of the VM's state (monitor record hash), and each forward
    step retraces the stepped hart's pcs in reverse order;
  - bc with a write watchpoint on shared_word stops just after the most
    recent earlier write, reported on the hart that wrote it (the value
    says which hart, and the guest's writer log agrees); walking back
    write by write, then forward again with c, sees the same writes in
    the opposite order;
  - bc with a breakpoint stops at its last earlier hit; bc with nothing
    set ends at the beginning with replaylog:begin; going forward from
    there (c, with a breakpoint whose condition, evaluated by the vCPUs,
    holds only just after one store near the end) replays the history
    exactly: the same instruction count, every register of every hart
    and the same RAM and VM state hashes as when bc went there; then it
    goes on live;
  - Ctrl-C interrupts a long bc;
  - non-stop mode (QNonStop:1): bs and bc move the whole VM, so they are
    refused (an error reply) while a thread runs; with every thread
    stopped they answer OK and report every thread stopped again by
    notification, the stepped thread first (T05) and the others with
    T00; a thread's step goes back one instruction of that thread (the
    instruction count drops by at least one), bc with nothing set ends
    at replaylog:begin, and forward execution works after them; monitor
    record answers only with every thread stopped (the recorder writes
    the history while one runs).
Exit 0 pass, 77 skip, 1 fail.  RHYVE_REVERSE_STEPS sets N (default 1000).
"""
import os
import sys
import time

sys.dont_write_bytecode = True     # no __pycache__ in the tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "gdb"))
import common  # noqa: E402
from common import NSClient, RSP  # noqa: E402

ELF = os.path.join(common.BUILD, "guests", "gdb", "race.elf")
common.need()
if not os.path.isfile(ELF):
    common.skip("no guest %s (make guests)" % ELF)
S = common.symbols(ELF)
C = common.Checker()
ck = C.check
NH = 4
N = int(os.environ.get("RHYVE_REVERSE_STEPS", "1000"))
REC = ["-m", "32M", "--record=256M,interval=200000"]


def rcmd(r, text, timeout=60):
    reply = r.cmd("qRcmd," + text.encode().hex(), timeout=timeout)
    return "" if reply == b"OK" else bytes.fromhex(reply.decode()).decode()


def u64(hexstr):
    return int.from_bytes(bytes.fromhex(hexstr.decode()), "little")


def thread_of(rep):
    return int(rep.split(b"thread:")[1].split(b";")[0], 16)


def pc(r, t, select=True):
    if select:
        r.cmd("Hg%x" % t)
    return u64(r.cmd("p20"))


def cond_eq(reg, value):
    """Agent-expression bytecode (GDB manual, "Bytecode Descriptions")
    for the breakpoint condition reg == value, as a Z packet carries it."""
    code = bytes([0x26]) + reg.to_bytes(2, "big") + bytes([0x25]) + \
        value.to_bytes(8, "big") + bytes([0x13, 0x27])     # reg const64 equal end
    return "X%x,%s" % (len(code), code.hex())


def all_regs(r):
    out = []
    for t in range(1, NH + 1):
        r.cmd("Hg%x" % t)
        out.append(r.cmd("g"))
    return out


def hashes(r):
    return rcmd(r, "record hash").strip()


def position(r):
    for line in rcmd(r, "record").splitlines():
        if line.startswith("position:"):
            return int(line.split()[2]), "(replaying)" in line
    return None, None


def run_a_while(r, secs):
    r.send("vCont;c")
    time.sleep(secs)
    r.send_raw(b"\x03")
    return r.recv(30)


def plain_has_no_reverse():
    with common.Rhyve(elf=ELF, smp=NH, extra=["-m", "32M"]) as vm:
        r = RSP(vm.port)
        sup = r.cmd("qSupported:multiprocess+;swbreak+;hwbreak+")
        ck("without --record: no ReverseStep+/ReverseContinue+",
           b"Reverse" not in sup, sup)
        r.noack()
        r.cmd("?")
        ck("without --record: bs not supported", r.cmd("bs") == b"")
        ck("without --record: bc not supported", r.cmd("bc") == b"")
        r.close()


def steps(r):
    # stop just after a step of hart 1 (thread 2): N bs then N s end there
    t = 2
    rep = r.cmd("vCont;s:%x" % t, timeout=30)
    ck("live step of thread 2", rep.startswith(b"T05thread:2;"), rep)
    regs0, h0 = all_regs(r), hashes(r)
    g0, _ = position(r)
    pcs = []
    t0 = time.time()
    bad = 0
    # Hg and Hc stay on thread 2 through the loops (nothing else sets them)
    r.cmd("Hg%x" % t)
    r.cmd("Hc%x" % t)
    for i in range(N):
        pcs.append(pc(r, t, select=False))
        rep = r.cmd("bs", timeout=60)
        if not rep.startswith(b"T05thread:2;") or b"replaylog" in rep:
            bad += 1
            if bad < 3:
                print("  bs %d: %r" % (i, rep))
    tb = time.time() - t0
    ck("%d reverse steps of thread 2 (%.1f ms each)" % (N, 1000 * tb / N),
       bad == 0)
    g1, replaying = position(r)
    ck("reverse steps went back in history", replaying and g1 < g0,
       "%s -> %s" % (g0, g1))
    t0 = time.time()
    bad = 0
    for i in range(N):
        rep = r.cmd("vCont;s:%x" % t, timeout=60)
        want = pcs[N - 1 - i]
        got = pc(r, t, select=False)
        if not rep.startswith(b"T05thread:2;") or got != want:
            bad += 1
            if bad < 3:
                print("  s %d: %r pc %#x want %#x" % (i, rep, got, want))
    tf = time.time() - t0
    ck("%d forward steps retrace thread 2's pcs (%.2f ms each)" %
       (N, 1000 * tf / N), bad == 0)
    regs1, h1 = all_regs(r), hashes(r)
    ck("every register of every hart is back", regs1 == regs0)
    ck("RAM and VM state are back (%s)" % h1, h1 == h0, "%s vs %s" % (h0, h1))
    g2, _ = position(r)
    ck("back at the same instruction count", g2 == g0, "%s vs %s" % (g0, g2))
    return tb / N, tf / N


def writes(r):
    sw, log = S["shared_word"], S["writer_log"]
    ck("Z2 on shared_word", r.cmd("Z2,%x,8" % sw) == b"OK")
    back = []
    ok = True
    t0 = time.time()
    for i in range(8):
        rep = r.cmd("bc", timeout=120)
        if not (rep.startswith(b"T05thread:") and b"watch:" in rep):
            ok = ck("bc %d stops at a write" % i, False, rep)
            break
        t = thread_of(rep)
        v = r.read_u64(sw)
        hart, seq = v >> 32, v & 0xffffffff
        entry = r.read_u64(log + 8 * (seq % 1024))
        if t != hart + 1 or not common.writer_log_holds(entry, v):
            ok = ck("bc %d: writer" % i, False, "thread %d value %#x log %#x"
                    % (t, v, entry))
        back.append(v)
        r.cmd("Hg%x" % t)
        p = u64(r.cmd("p20"))
        t1 = u64(r.cmd("p6"))
        if p != S["shared_store"] + 4 or t1 != v:
            ok = ck("bc %d: just after its store" % i, False,
                    "pc %#x t1 %#x" % (p, t1))
    tc = (time.time() - t0) / 8
    ck("bc with a write watchpoint finds each last writer (%d writes back, "
       "%.1f ms each)" % (len(back), 1000 * tc), ok and len(back) == 8)
    ck("the writes walked back are distinct",
       len(set(back)) == len(back), [hex(v) for v in back])
    # one step back: before the write, the value is the one before it
    fwd = []
    for i in range(7):
        rep = r.cmd("vCont;c", timeout=60)
        if b"watch:" not in rep:
            break
        t = thread_of(rep)
        r.cmd("Hg%x" % t)
        fwd.append(u64(r.cmd("p6")))      # t1: the value being stored
    ck("forward again, the same writes in the opposite order",
       fwd == list(reversed(back[:-1])),
       "%s vs %s" % ([hex(v) for v in fwd], [hex(v) for v in back]))
    ck("z2", r.cmd("z2,%x,8" % sw) == b"OK")
    return tc


def breakpoints(r):
    fn = S["record_write"]
    ck("Z0 record_write", r.cmd("Z0,%x,4" % fn) == b"OK")
    rep = r.cmd("bc", timeout=120)
    t = thread_of(rep) if b"thread:" in rep else 0
    ck("bc stops at the breakpoint's last hit", b"swbreak" in rep and
       t > 0 and pc(r, t) == fn, rep)
    g_hit, _ = position(r)
    rep = r.cmd("bc", timeout=120)
    g_hit2, _ = position(r)
    ck("bc again: the hit before", b"swbreak" in rep and g_hit2 < g_hit,
       "%r %s %s" % (rep, g_hit, g_hit2))
    ck("z0", r.cmd("z0,%x,4" % fn) == b"OK")


def to_the_beginning(r):
    """Stop live at a store, step back (bc, write watchpoint) to just after
    the store before it, note everything there, go back to the beginning,
    then forward again to that very place."""
    st, sw = S["shared_store"], S["shared_word"]
    ck("Z0 shared_store", r.cmd("Z0,%x,4" % st) == b"OK")
    rep = r.cmd("vCont;c", timeout=60)
    ck("z0 shared_store", r.cmd("z0,%x,4" % st) == b"OK")
    ck("live: a store reached", b"swbreak" in rep, rep)
    g_end, replaying = position(r)
    ck("that is the end of history", not replaying, g_end)
    ck("Z2 on shared_word", r.cmd("Z2,%x,8" % sw) == b"OK")
    rep = r.cmd("bc", timeout=120)
    ck("z2", r.cmd("z2,%x,8" % sw) == b"OK")
    t = thread_of(rep) if b"thread:" in rep else 0
    ck("bc: just after the store before it (thread %d)" % t,
       b"watch:" in rep and t > 0 and pc(r, t) == st + 4, rep)
    v = u64(r.cmd("p6"))             # t1: what it stored, hart<<32|seq
    g_here, replaying = position(r)
    h_here = hashes(r)
    regs_here = all_regs(r)
    t0 = time.time()
    rep = r.cmd("bc", timeout=300)
    tb = time.time() - t0
    ck("bc with nothing set: replaylog:begin", b"replaylog:begin" in rep, rep)
    g, replaying = position(r)
    ck("at the beginning of history", g == 0 and replaying, "%s" % g)
    # Forward from the beginning replays history exactly: the first time
    # a hart is just past a store with t1 == v is that store, with every
    # hart where it was then.
    ck("Z0 shared_store+4 if t1 == %#x" % v,
       r.cmd("Z0,%x,4;%s" % (st + 4, cond_eq(6, v))) == b"OK")
    t0 = time.time()
    rep = r.cmd("vCont;c", timeout=120)
    tf = time.time() - t0
    ck("z0 shared_store+4", r.cmd("z0,%x,4" % (st + 4)) == b"OK")
    g, replaying = position(r)
    ck("forward from the beginning stops there (%.0f ms), on thread %d" %
       (1000 * tf, t), b"swbreak" in rep and thread_of(rep) == t, rep)
    ck("at the same instruction count (%s), replaying" % g_here,
       g == g_here and replaying, "%s vs %s" % (g, g_here))
    ck("every register of every hart as before", all_regs(r) == regs_here)
    h = hashes(r)
    ck("RAM and VM state as before", h == h_here, "%s vs %s" % (h, h_here))
    return tb


def ns_stops(r, first):
    """Every stop of a notification sequence ('%Stop:...' then vStopped)."""
    return r.drain(first) if first is not None else []


def ns_threads(stops):
    return {s.split(b"thread:")[1].split(b";")[0] for s in stops
            if b"thread:" in s}


def ns_collect(r, got=(), timeout=10):
    """Drain notifications until every thread has reported a stop."""
    got = set(got)
    while len(got) < NH:
        n = r.note(timeout)
        if n is None:
            break
        got |= ns_threads(ns_stops(r, n))
    return got


def nonstop_reverse():
    """Non-stop mode: bs and bc with every thread stopped, refused while
    one runs; the stops come as notifications, every thread's."""
    with common.Rhyve(elf=ELF, smp=NH, extra=REC) as vm:
        r = NSClient(vm.port)
        r.cmd("qSupported:multiprocess+;swbreak+;hwbreak+")
        r.noack()
        ck("QNonStop:1", r.cmd("QNonStop:1") == b"OK")
        got = ns_collect(r, ns_threads(ns_stops(r, r.cmd("?"))))
        ck("the attach: every thread's stop (%d)" % len(got), len(got) == NH)
        ck("vCont;c: every thread runs", r.cmd("vCont;c") == b"OK")
        time.sleep(0.3)
        ck("vCtrlC", r.cmd("vCtrlC") == b"OK")
        got = ns_collect(r)
        ck("every thread stopped (%d)" % len(got), len(got) == NH)
        g0, _ = position(r)
        ck("Hc2", r.cmd("Hc2") == b"OK")
        rep = r.cmd("bs", timeout=30)
        ck("non-stop bs: OK", rep == b"OK", rep)
        n = r.note(30)
        stops = ns_stops(r, n)
        ck("... then every thread's stop, thread 2 first with T05, the "
           "others T00", len(stops) == NH and
           stops[0].startswith(b"T05thread:2;") and
           all(s.startswith(b"T00") for s in stops[1:]), stops)
        g1, replaying = position(r)
        ck("... one instruction back or more (%s -> %s), replaying" %
           (g0, g1), g1 is not None and g0 is not None and g1 < g0 and
           replaying)
        ck("vCont;c:1: thread 1 runs", r.cmd("vCont;c:1") == b"OK")
        rep = r.cmd("bc", timeout=30)
        ck("non-stop bc while a thread runs: an error reply",
           rep.startswith(b"E"), rep)
        text = rcmd(r, "record")
        ck("monitor record while a thread runs: says so (the history is "
           "being written)", "running" in text and "position" not in text,
           text)
        ck("vCtrlC", r.cmd("vCtrlC") == b"OK")
        ns_collect(r, {b"%x" % t for t in range(2, NH + 1)})
        rep = r.cmd("bc", timeout=120)
        ck("non-stop bc, nothing set: OK", rep == b"OK", rep)
        stops = ns_stops(r, r.note(120))
        ck("... then every thread's stop, thread 2 first, at "
           "replaylog:begin", len(stops) == NH and
           stops[0].startswith(b"T05thread:2;") and
           b"replaylog:begin" in stops[0], stops)
        ck("forward again: vCont;c", r.cmd("vCont;c") == b"OK")
        time.sleep(0.3)
        ck("vCtrlC", r.cmd("vCtrlC") == b"OK")
        got = ns_collect(r)
        g2, _ = position(r)
        ck("... it ran (%s -> %s) and every thread stopped" % (g1, g2),
           len(got) == NH and g2 is not None and g2 > 0, got)
        r.close()


def main():
    plain_has_no_reverse()
    nonstop_reverse()
    with common.Rhyve(elf=ELF, smp=NH, extra=REC) as vm:
        r = RSP(vm.port)
        sup = r.cmd("qSupported:multiprocess+;swbreak+;hwbreak+")
        ck("qSupported: ReverseStep+ ReverseContinue+",
           b"ReverseStep+" in sup and b"ReverseContinue+" in sup, sup)
        r.noack()
        r.cmd("?")
        rep = run_a_while(r, 1.0)
        ck("runs recorded, Ctrl-C stops", rep.startswith(b"T02"), rep)
        g, replaying = position(r)
        # a sanitizer build records slower: run on until there is history
        for _ in range(30):
            if not g or g > 1000000 or not rep.startswith(b"T02"):
                break
            rep = run_a_while(r, 1.0)
            g, replaying = position(r)
        ck("live after a while (%s instructions)" % g, g and g > 1000000 and
           not replaying)
        print(rcmd(r, "record"))
        tstep, tfwd = steps(r)
        tc = writes(r)
        breakpoints(r)
        # go live again: continue to the end of history and beyond
        rep = run_a_while(r, 0.5)
        g, replaying = position(r)
        ck("forward past the end of history goes live", not replaying, g)
        # forward replay from the beginning reaches the same state
        tbeg = to_the_beginning(r)
        rep = run_a_while(r, 0.2)
        g, replaying = position(r)
        ck("then on live", rep.startswith(b"T02") and not replaying, g)
        # Ctrl-C during a long bc: nothing set, far from the beginning
        r.send("bc")
        time.sleep(0.001)
        r.send_raw(b"\x03")
        rep = r.recv(60)
        ck("Ctrl-C ends a bc (or it finished first)", rep.startswith(b"T"), rep)
        print(rcmd(r, "record"))
        print("latency: bs %.2f ms, s %.2f ms, bc (watch, 8 back) %.1f ms, "
              "bc to the beginning %.0f ms" % (1000 * tstep, 1000 * tfwd,
                                               1000 * tc, 1000 * tbeg))
        r.cmd("D")
        r.close()
    return C.result()


if __name__ == "__main__":
    sys.exit(main())
