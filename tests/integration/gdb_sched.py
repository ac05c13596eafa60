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
    counters move between cycles: they really ran);
  - -gdb-sched slice: SCHED_OTHER throughout, with a 100 us slice
    (se.slice in /proc/.../sched); -gdb-sched other: SCHED_OTHER with
    the default slice; a Ctrl-C still stops both; a bad policy is an
    error with a message and a non-zero exit;
  - run as nobody (when root), the default policy falls back to the
    100 us slice: SCHED_OTHER, se.slice 100000, Ctrl-C works.
Exit 0 pass, 77 skip, 1 fail.
"""
import os
import re
import shutil
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


def attach(vm):
    """A raw client on vm, attached as GDB does; (client, server thread)."""
    r = NSClient(vm.port)
    r.cmd("qSupported:swbreak+;hwbreak+;vContSupported+")
    r.noack()
    r.cmd("?")
    return r, server_tid(vm.proc.pid)


def stop_reply(rep):
    m = re.match(rb"T([0-9a-f]{2})thread:([0-9a-f]+);", rep)
    return (int(m.group(1), 16), int(m.group(2), 16)) if m else (None, None)


busy = SCHED_FIFO if fifo_allowed() else SCHED_OTHER
print("SCHED_FIFO %s for this user: expecting policy %d while vCPUs run" %
      ("allowed" if busy == SCHED_FIFO else "refused", busy))

with common.Rhyve() as vm:
    r, tid = attach(vm)
    pid = vm.proc.pid
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


def se_slice(pid, tid):
    """The thread's fair slice in ns (se.slice), or None if not shown."""
    try:
        with open("/proc/%d/task/%d/sched" % (pid, tid)) as f:
            for line in f:
                if line.startswith("se.slice"):
                    return int(line.split(":")[1])
    except (OSError, ValueError):
        pass
    return None


for pol in ("slice", "other"):
    with common.Rhyve(extra=("-gdb-sched", pol)) as vm:
        r, tid = attach(vm)
        pid = vm.proc.pid
        if not ck("-gdb-sched %s: the server thread is there" % pol,
                  tid is not None):
            continue
        r.send("vCont;c")
        time.sleep(0.2)
        ck("-gdb-sched %s, workers busy: SCHED_OTHER" % pol,
           policy(pid, tid) == SCHED_OTHER, "got %d" % policy(pid, tid))
        sl = se_slice(pid, tid)
        if sl is not None:     # the kernel shows it (Linux 6.6+)
            if pol == "slice":
                ck("-gdb-sched slice: a 100 us slice", sl == 100000,
                   "se.slice %d" % sl)
            else:
                ck("-gdb-sched other: the default slice", sl != 100000,
                   "se.slice %d" % sl)
        r.send_raw(b"\x03")
        sig, _ = stop_reply(r.recv())
        ck("-gdb-sched %s: Ctrl-C stops with T02" % pol, sig == 2,
           "got %r" % sig)
        r.send("k")
        r.close()
        ck("-gdb-sched %s: rhyve exits after k" % pol,
           vm.wait_exit(10) is not None, vm.output())

# The default policy without the privilege: as nobody, SCHED_FIFO is
# refused and the short slice is asked for instead.
if os.geteuid() == 0 and shutil.which("setpriv"):
    port = common.free_port()
    log = open("/tmp/rhyve-gdbsched-%d.log" % os.getpid(), "w+")
    p = subprocess.Popen(["setpriv", "--reuid=65534", "--regid=65534",
                          "--clear-groups", common.RHYVE, "-M", "virt",
                          "-nographic", "-m", "128M", "-smp", "5", "-bios",
                          "none", "-kernel", common.GUEST, "-S", "-gdb",
                          "tcp::%d" % port], stdin=subprocess.DEVNULL,
                         stdout=log, stderr=subprocess.STDOUT)
    try:
        r = NSClient(port)
        r.cmd("qSupported:swbreak+;hwbreak+;vContSupported+")
        r.noack()
        r.cmd("?")
        tid = server_tid(p.pid)
        r.send("vCont;c")
        time.sleep(0.2)
        ck("as nobody, workers busy: SCHED_OTHER",
           tid is not None and policy(p.pid, tid) == SCHED_OTHER)
        sl = se_slice(p.pid, tid) if tid is not None else None
        if sl is not None:
            ck("as nobody: the 100 us slice instead", sl == 100000,
               "se.slice %d" % sl)
        r.send_raw(b"\x03")
        sig, _ = stop_reply(r.recv())
        ck("as nobody: Ctrl-C stops with T02", sig == 2, "got %r" % sig)
        r.send("k")
        r.close()
        p.wait(timeout=10)
    except (OSError, TimeoutError, subprocess.TimeoutExpired) as e:
        log.seek(0)
        out = log.read()
        # the tree may not be readable by nobody: say so, do not fail
        if p.poll() is not None and "ermission denied" in out:
            print("note: rhyve cannot run as nobody here (%s)" % out.strip())
        else:
            ck("as nobody: a session", False, "%s: %s %s" % (type(e).__name__, e, out))
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        log.close()
        os.unlink(log.name)
else:
    print("note: not root or no setpriv: the unprivileged case is not run")

bad = subprocess.run([common.RHYVE, "-gdb-sched", "rt", "-M", "virt"],
                     capture_output=True, text=True, timeout=10)
ck("-gdb-sched rt: refused with a message", bad.returncode != 0 and
   "-gdb-sched rt: unknown policy" in bad.stderr,
   "status %d, stderr %r" % (bad.returncode, bad.stderr))

sys.exit(C.result())
