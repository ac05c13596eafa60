#!/usr/bin/env python3
"""gdb_sched.py - the debug server thread's scheduling class
(rhyve/gdb/gdb_sched.h), seen from /proc, with a raw GDB remote protocol
client on the 5-hart debug guest (rhyve -S):

  - the server thread is named "gdb";
  - while every vCPU is stopped it is SCHED_OTHER;
  - all-stop: after vCont;c (the worker harts busy) it is SCHED_FIFO, if the
    host allows this test's user SCHED_FIFO (tried with chrt first);
    otherwise it stays SCHED_OTHER and nothing fails;
  - Ctrl-C stops every vCPU (T02), and the thread is SCHED_OTHER
    again; so after a step (vCont;s) and after a breakpoint hit;
  - non-stop: one vCPU running makes it SCHED_FIFO, vCont;t for it
    brings SCHED_OTHER back;
  - twenty Ctrl-C cycles in a row each stop every vCPU (the workers'
    counters move between cycles: they really ran).
Exit 0 pass, 77 skip, 1 fail.
"""
import os
import re
import subprocess
import sys
import time

sys.dont_write_bytecode = True     # no __pycache__ in the tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "gdb"))
import common  # noqa: E402
from common import NSClient  # noqa: E402

_, S, C = common.rsp_test()
ck = C.check
SCHED_OTHER, SCHED_FIFO = 0, 1


def fifo_allowed():
    """Whether this user may make a thread SCHED_FIFO here, as rhyve is."""
    try:
        return subprocess.run(["chrt", "-f", "1", "true"],
                              capture_output=True).returncode == 0
    except OSError:
        return False


def server_tid(pid):
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/comm" % (pid, tid)) as f:
                if f.read().strip() == "gdb":
                    return int(tid)
        except OSError:
            pass
    return None


def policy(pid, tid):
    """The thread's scheduling policy: field 41 of its stat line."""
    with open("/proc/%d/task/%d/stat" % (pid, tid)) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[41 - 3])


def policy_becomes(pid, tid, want, timeout=5.0):
    """Poll until the policy is 'want' (the server changes it when it
    next waits, just after a reply); return the last one seen."""
    deadline = time.time() + timeout
    while True:
        p = policy(pid, tid)
        if p == want or time.time() > deadline:
            return p
        time.sleep(0.005)


def counters(r):
    """The worker harts' (0-2) loop counts."""
    return [r.read_u64(S["counters"] + 8 * h) for h in range(3)]


def stop_reply(rep):
    m = re.match(rb"T([0-9a-f]{2})thread:([0-9a-f]+);", rep)
    return (int(m.group(1), 16), int(m.group(2), 16)) if m else (None, None)


busy = SCHED_FIFO if fifo_allowed() else SCHED_OTHER
print("SCHED_FIFO %s for this user: expecting policy %d while vCPUs run" %
      ("allowed" if busy == SCHED_FIFO else "refused", busy))

with common.Rhyve() as vm:
    r = NSClient(vm.port)
    r.cmd("qSupported:swbreak+;hwbreak+;vContSupported+")
    r.noack()
    r.cmd("?")
    pid = vm.proc.pid
    tid = server_tid(pid)
    ck("the server thread is named gdb", tid is not None)
    if tid is None:
        sys.exit(C.result())
    ck("stopped at attach: SCHED_OTHER",
       policy_becomes(pid, tid, SCHED_OTHER) == SCHED_OTHER)

    # all-stop: everything runs, then Ctrl-C
    before = counters(r)
    r.send("vCont;c")
    time.sleep(0.2)
    ck("vCont;c, the workers busy: policy %d" % busy,
       policy_becomes(pid, tid, busy) == busy, "got %d" % policy(pid, tid))
    r.send_raw(b"\x03")
    sig, _ = stop_reply(r.recv())
    ck("Ctrl-C stops with T02", sig == 2, "got %r" % sig)
    ck("stopped again: SCHED_OTHER",
       policy_becomes(pid, tid, SCHED_OTHER) == SCHED_OTHER)
    after = counters(r)
    ck("every worker ran", all(a > b for a, b in zip(after, before)),
       "%s -> %s" % (before, after))

    # a step, then a breakpoint hit
    r.cmd("Hc1")
    sig, t = stop_reply(r.cmd("vCont;s:1"))
    ck("step: T05 on thread 1", (sig, t) == (5, 1), "got %r" % ((sig, t),))
    ck("after the step: SCHED_OTHER",
       policy_becomes(pid, tid, SCHED_OTHER) == SCHED_OTHER)
    bp = S["shared_fn"]
    ck("Z0 at shared_fn", r.cmd("Z0,%x,2" % bp) == b"OK")
    sig, t = stop_reply(r.cmd("vCont;c", timeout=20))
    ck("breakpoint hit: T05", sig == 5, "got %r" % sig)
    ck("after the hit: SCHED_OTHER",
       policy_becomes(pid, tid, SCHED_OTHER) == SCHED_OTHER)
    ck("z0", r.cmd("z0,%x,2" % bp) == b"OK")

    # many Ctrl-C cycles: each stops everything; the guest moves on
    ok = True
    last = counters(r)
    for i in range(20):
        r.send("vCont;c")
        time.sleep(0.02)
        r.send_raw(b"\x03")
        sig, _ = stop_reply(r.recv())
        now = counters(r)
        if sig != 2 or not all(a > b for a, b in zip(now, last)):
            ok = False
            print("cycle %d: signal %r, counters %s -> %s" % (i, sig, last, now))
            break
        last = now
    ck("20 Ctrl-C cycles, each stopping every vCPU", ok)
    ck("and SCHED_OTHER at the end",
       policy_becomes(pid, tid, SCHED_OTHER) == SCHED_OTHER)

    # non-stop: one vCPU runs
    ck("QNonStop:1", r.cmd("QNonStop:1") == b"OK")
    # every stop acknowledged, so that each vCPU may resume: '?' gives
    # one, a %Stop notification the others (gdb_nonstop_rsp.py)
    r.drain(r.cmd("?"))
    n = r.note(5)
    if n is not None:
        r.drain(n)
    ck("vCont;c:2 -> OK", r.cmd("vCont;c:2") == b"OK")
    ck("one vCPU running: policy %d" % busy,
       policy_becomes(pid, tid, busy) == busy)
    ck("vCont;t:2 -> OK", r.cmd("vCont;t:2") == b"OK")
    n = r.note(10)
    ck("its stop is notified", n is not None and b"thread:2;" in n, "got %r" % n)
    if n is not None:
        r.drain(n)
    ck("all stopped in non-stop: SCHED_OTHER",
       policy_becomes(pid, tid, SCHED_OTHER) == SCHED_OTHER)
    r.send("k")
    r.close()
    status = vm.wait_exit(10)
    ck("rhyve exits after k", status is not None, vm.output())

sys.exit(C.result())
