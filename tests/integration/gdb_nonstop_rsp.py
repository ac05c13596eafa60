#!/usr/bin/env python3
"""gdb_nonstop_rsp.py - the non-stop packets with a raw GDB remote
protocol client, on the 5-hart debug guest (tests/guests/gdb/smp_debug.S,
rhyve -S):

  - qSupported offers QNonStop+; QNonStop:1 -> OK, bad values -> E;
  - '?' after the attach: one stop, then the other held vCPUs as a %Stop
    notification drained with vStopped (T00 each, every vCPU once); a
    later '?' lists every stopped vCPU in one vStopped sequence;
  - vCont;c:N -> OK, that vCPU alone runs; registers and memory through
    it are refused (E10) while the stopped ones answer; qXfer:threads
    says which runs;
  - vCont;t:N -> OK, then %Stop:T00thread:N; a 't' for a stopped vCPU
    is ignored (no second stop);
  - vCont;c -> OK, a breakpoint -> %Stop:T05thread:N;swbreak:; for the
    hitting vCPU only while the others count on (memory read through the
    stopped one); a target-side condition stops only the vCPU it names;
  - vCont;s:N among running vCPUs: one instruction there, others go on;
  - vCtrlC and a Ctrl-C byte stop every running vCPU (T02 each);
  - bad packets (vCont with no action, unknown action, thread out of
    range, vStopped with arguments) -> E, nothing changes;
  - QNonStop:0 -> all-stop again (a Ctrl-C stops everything, T02);
  - detach in non-stop: every vCPU runs; reconnect; the guest powers off
    while non-stop: %Stop:W00, acked with vStopped.
Exit 0 pass, 77 skip, 1 fail.
"""
import os
import re
import sys
import time

sys.dont_write_bytecode = True     # no __pycache__ in the tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "gdb"))
import common  # noqa: E402
from common import REG_A0, REG_PC, NSClient, u64  # noqa: E402
from common import ax_c8, ax_list, ax_op, ax_reg  # noqa: E402

_, S, C = common.rsp_test()      # the default guest, common.Rhyve's
ck = C.check
NT = 5


def collect(r, want, timeout=10):
    """Stops reported by notifications (each drained with vStopped) until
    every thread in 'want' has one: vCPUs park one by one, so they may come
    in several sequences."""
    stops = []
    deadline = time.time() + timeout
    while not set(want) <= {tid(x)[1] for x in stops}:
        n = r.note(max(0.1, deadline - time.time()))
        if n is None:
            break
        stops += r.drain(n)
    return stops


def tid(stop):
    m = re.match(rb"T([0-9a-f]{2})thread:([0-9a-f]+);", stop)
    return (int(m.group(1), 16), int(m.group(2), 16)) if m else (None, None)


def counters(r, via):
    r.cmd("Hg%x" % via)
    return [u64(r.cmd("m%x,8" % (S["counters"] + 8 * i))) for i in range(NT)]


def pc_of(r, t):
    r.cmd("Hg%x" % t)
    return u64(r.cmd("p%x" % REG_PC))


def thread_states(r):
    x = r.cmd("qXfer:threads:read::0,fff").decode()
    return {int(m.group(1), 16): m.group(2) for m in
            re.finditer(r'<thread id="([0-9a-f]+)"[^>]*>([^<]*)</thread>', x)}


def running(r):
    return sorted(t for t, s in thread_states(r).items()
                  if s.startswith("running") or s.startswith("WFI"))


def cond_a0(v):
    """Agent expression: $a0 == v."""
    return ax_list(ax_reg(REG_A0) + ax_c8(v) + ax_op("equal", "end"))


def session(r):
    sup = r.cmd("qSupported:swbreak+;hwbreak+")
    ck("qSupported: QNonStop+", b"QNonStop+" in sup, sup)
    r.noack()
    for bad in ("QNonStop:2", "QNonStop:", "QNonStop:1x"):
        rep = r.cmd(bad)
        ck("%s -> E" % bad, rep.startswith(b"E"), rep)
    ck("vStopped in all-stop: not a packet there", r.cmd("vStopped") == b"")
    ck("vCtrlC in all-stop: not a packet there", r.cmd("vCtrlC") == b"")
    ck("QNonStop:1 -> OK", r.cmd("QNonStop:1") == b"OK")

    # -- '?' after the attach: one stop, the rest as a notification ----------
    first = r.cmd("?")
    seq = r.drain(first)
    ck("?: a stop with signal 0, one in the sequence", len(seq) == 1 and
       tid(first)[0] == 0, seq)
    n = r.note(5)
    rest = r.drain(n) if n is not None else []
    got = sorted(tid(s)[1] for s in seq + rest)
    ck("?: then %Stop with the others, every vCPU once (T00)",
       n is not None and n.startswith(b"Stop:T00") and
       got == list(range(1, NT + 1)), "%r %r" % (n, rest))
    first = r.cmd("?")
    seq = r.drain(first)
    ck("? again: every stopped vCPU in one sequence",
       sorted(tid(s)[1] for s in seq) == list(range(1, NT + 1)), seq)
    ck("vStopped with nothing queued -> OK", r.cmd("vStopped") == b"OK")
    ck("registers of a stopped vCPU", pc_of(r, 1) == S["_start"])

    # -- vCont;c:2: that vCPU alone runs -----------------------------------------
    ck("vCont;c:2 -> OK", r.cmd("vCont;c:2") == b"OK")
    ck("no stop while it runs", r.note(0.3) is None)
    c0 = counters(r, 1)
    time.sleep(0.2)
    c1 = counters(r, 1)
    ck("vCPU 1 counts, the others stay", c1[1] > c0[1] and c1[0] == c0[0] and
       c1[2] == c0[2], "%s -> %s" % (c0, c1))
    ck("qXfer:threads: thread 2 running, the rest stopped",
       running(r) == [2], thread_states(r))
    r.cmd("Hg2")
    for pkt in ("g", "p20", "m%x,8" % S["counters"], "P20=0000000080000000",
                "M%x,1:00" % S["poweroff_req"]):
        rep = r.cmd(pkt)
        ck("%s through the running vCPU -> E10" % pkt, rep == b"E10", rep)
    ck("vCont;c:2 again (running): ignored, OK", r.cmd("vCont;c:2") == b"OK")

    # -- vCont;t:2 ---------------------------------------------------------------
    ck("vCont;t:2 -> OK", r.cmd("vCont;t:2") == b"OK")
    n = r.note(5)
    ck("vCont;t:2: %Stop:T00thread:2;", n == b"Stop:T00thread:2;", n)
    ck("vStopped -> OK", r.cmd("vStopped") == b"OK")
    c0 = counters(r, 2)
    time.sleep(0.1)
    ck("thread 2 stopped: nothing moves", counters(r, 2) == c0 and
       running(r) == [])
    ck("vCont;t:2 on a stopped vCPU: OK, no stop",
       r.cmd("vCont;t:2") == b"OK" and r.note(0.3) is None)

    # -- a breakpoint stops only the vCPU that hits it ------------------------------
    ck("Z0 watch_store", r.cmd("Z0,%x,4" % S["watch_store"]) == b"OK")
    ck("vCont;c -> OK", r.cmd("vCont;c") == b"OK")
    n = r.note(10)
    ck("breakpoint: %Stop:T05thread:2;swbreak:;",
       n == b"Stop:T05thread:2;swbreak:;", n)
    ck("vStopped -> OK", r.cmd("vStopped") == b"OK")
    ck("breakpoint: hart 1 at watch_store", pc_of(r, 2) == S["watch_store"])
    c0 = counters(r, 2)
    time.sleep(0.2)
    c1 = counters(r, 2)
    ck("breakpoint: the other workers count on (memory through the "
       "stopped vCPU)", c1[0] > c0[0] and c1[2] > c0[2] and c1[1] == c0[1],
       "%s -> %s" % (c0, c1))
    ck("breakpoint: only thread 2 stopped", running(r) == [1, 3, 4, 5],
       thread_states(r))
    ck("z0 watch_store", r.cmd("z0,%x,4" % S["watch_store"]) == b"OK")

    # -- a target-side condition: only hart 2 stops at shared_fn -------------------
    ck("Z0 shared_fn if a0 == 2",
       r.cmd("Z0,%x,4;%s" % (S["shared_fn"], cond_a0(2))) == b"OK")
    ck("vCont;c:2 -> OK", r.cmd("vCont;c:2") == b"OK")
    n = r.note(10)
    ck("condition: %Stop for thread 3 only",
       n == b"Stop:T05thread:3;swbreak:;", n)
    ck("vStopped -> OK", r.cmd("vStopped") == b"OK")
    r.cmd("Hg3")
    ck("condition: hart 2 at shared_fn with a0 == 2",
       pc_of(r, 3) == S["shared_fn"] and u64(r.cmd("p%x" % REG_A0)) == 2)
    ck("condition: no other stop", r.note(0.3) is None and
       running(r) == [1, 2, 4, 5], thread_states(r))
    ck("z0 shared_fn", r.cmd("z0,%x,4" % S["shared_fn"]) == b"OK")

    # -- a step among running vCPUs -------------------------------------------------
    pc0 = pc_of(r, 3)
    ck("vCont;s:3 -> OK", r.cmd("vCont;s:3") == b"OK")
    n = r.note(10)
    ck("step: %Stop:T05thread:3;", n == b"Stop:T05thread:3;", n)
    ck("vStopped -> OK", r.cmd("vStopped") == b"OK")
    pc1 = pc_of(r, 3)
    ck("step: one instruction", pc1 in (pc0 + 2, pc0 + 4), "%x -> %x" % (pc0, pc1))
    c0 = counters(r, 3)
    time.sleep(0.1)
    c1 = counters(r, 3)
    ck("step: the others still run", c1[0] > c0[0] and c1[1] > c0[1] and
       c1[2] == c0[2], "%s -> %s" % (c0, c1))

    # -- bad packets ---------------------------------------------------------------
    for bad in ("vCont", "vCont;", "vCont;x", "vCont;c:9", "vCont;t:0x",
                "vStopped;1", "vCtrlC;1"):
        rep = r.cmd(bad)
        ck("%s -> E" % bad, rep.startswith(b"E"), rep)
    ck("bad packets changed nothing", running(r) == [1, 2, 4, 5] and
       r.note(0.2) is None, thread_states(r))

    # -- vCtrlC, then Ctrl-C ----------------------------------------------------------
    ck("vCtrlC -> OK", r.cmd("vCtrlC") == b"OK")
    stops = collect(r, [1, 2, 4, 5])
    ck("vCtrlC: T02 for every running vCPU",
       sorted(tid(s)[1] for s in stops) == [1, 2, 4, 5] and
       all(tid(s)[0] == 2 for s in stops), stops)
    ck("vCtrlC: nothing runs", running(r) == [], thread_states(r))
    ck("vCont;c -> OK", r.cmd("vCont;c") == b"OK")
    time.sleep(0.1)
    r.send_raw(b"\x03")
    stops = collect(r, range(1, NT + 1))
    ck("Ctrl-C: T02 for every vCPU", sorted(tid(s)[1] for s in stops) ==
       list(range(1, NT + 1)) and all(tid(s)[0] == 2 for s in stops), stops)

    # -- back to all-stop and again -----------------------------------------------
    ck("QNonStop:0 -> OK", r.cmd("QNonStop:0") == b"OK")
    rep = r.cmd("?")
    ck("all-stop: ? -> a stop reply", rep.startswith(b"T"), rep)
    ck("all-stop: vStopped is not a packet", r.cmd("vStopped") == b"")
    r.send("vCont;c")
    time.sleep(0.1)
    r.send_raw(b"\x03")
    rep = r.recv(10)
    ck("all-stop: Ctrl-C stops all, T02", tid(rep)[0] == 2, rep)
    c0 = counters(r, 1)
    time.sleep(0.1)
    ck("all-stop: nothing moves", counters(r, 1) == c0)
    ck("QNonStop:1 again -> OK", r.cmd("QNonStop:1") == b"OK")
    seq = r.drain(r.cmd("?"))
    n = r.note(2)
    if n is not None:
        seq += r.drain(n)
    ck("non-stop again: every vCPU reported stopped",
       sorted(tid(s)[1] for s in seq) == list(range(1, NT + 1)), seq)

    # -- detach: everything runs ----------------------------------------------------
    c0 = counters(r, 1)
    ck("D -> OK", r.cmd("D") == b"OK")
    r.close()


def main():
    with common.Rhyve() as vm:
        session(NSClient(vm.port))
        time.sleep(0.3)
        r = NSClient(vm.port)
        r.noack()
        rep = r.cmd("?")
        ck("reconnect (all-stop): ? -> T02", tid(rep)[0] == 2, rep)
        c1 = counters(r, 1)
        time.sleep(0.1)
        ck("reconnect: every vCPU held", counters(r, 1) == c1)
        ck("after the detach the workers ran", all(c1[i] > 0 for i in (0, 1, 2)),
           c1)
        ck("QNonStop:1 -> OK", r.cmd("QNonStop:1") == b"OK")
        r.drain(r.cmd("?"))
        n = r.note(2)
        if n is not None:
            r.drain(n)
        r.cmd("Hg1")
        ck("poweroff_req = 1", r.cmd("M%x,8:%s" % (S["poweroff_req"],
                                     (1).to_bytes(8, "little").hex())) == b"OK")
        ck("vCont;c -> OK", r.cmd("vCont;c") == b"OK")
        n = r.note(20)
        ck("poweroff: %Stop:W00", n == b"Stop:W00", n)
        try:
            rep = r.cmd("vStopped", timeout=5)
            ck("vStopped after W -> OK", rep == b"OK", rep)
        except (EOFError, OSError, TimeoutError):
            ck("vStopped after W (rhyve already gone)", True)
        status = vm.wait_exit(10)
        ck("rhyve exits with status 0", status == 0, str(status))
        if status != 0:
            print(vm.output())
    return C.result()


sys.exit(main())
