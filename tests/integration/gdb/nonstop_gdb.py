"""nonstop_gdb.py - runs INSIDE gdb-multiarch against rhyve -S with
`set non-stop on`: GDB's non-stop mode as a user drives it.  Started by
tests/integration/gdb_nonstop.py, which passes the port in RHYVE_GDB_PORT
and keeps GDB's stdin open.

Non-stop needs GDB's event loop running to take in the %Stop
notifications, so this script does not run in -batch: it starts a worker
thread and returns, GDB sits in its event loop, and the worker hands every
GDB call to it with gdb.post_event() (the only thread-safe way in), then
waits for the result.  Output goes straight to fd 1 (ok/FAIL lines, a
RESULT line), and the worker ends GDB with os._exit().

Guest (tests/guests/gdb/smp_debug.S): harts 0-2 loop counting in
counters[hart] and calling shared_fn(hart); only hart 1 (thread 2) runs
watch_store; hart 3 sleeps in WFI with timer wake-ups, hart 4 never wakes.
"""
import os
import re
import threading
import time
import traceback

import gdb

PORT = os.environ["RHYVE_GDB_PORT"]
GUEST = os.environ["RHYVE_GUEST"]
NT = 5
WORKERS = (1, 2, 3)             # GDB thread numbers of harts 0-2


class Fail(Exception):
    pass


npass = nfail = 0


def say(text):
    os.write(1, (text + "\n").encode())


def ck(name, cond, detail=""):
    global npass, nfail
    if cond:
        npass += 1
        say("ok   " + name)
    else:
        nfail += 1
        say("FAIL %s %s" % (name, detail))
    return cond


# ---- calls into GDB, from the worker thread -----------------------------------

def call(fn, timeout=60):
    """Run fn() on GDB's own thread, in its event loop; its result."""
    done = threading.Event()
    box = {}

    def run():
        try:
            box["v"] = fn()
        except BaseException as e:      # noqa: B902 - handed back
            box["e"] = e
        finally:
            done.set()

    gdb.post_event(run)
    if not done.wait(timeout):
        raise Fail("GDB did not run %r within %ds" % (fn, timeout))
    if "e" in box:
        raise box["e"]
    return box.get("v")


def run(cmd, timeout=60):
    """A GDB command.  An execution command (continue, stepi) returns
    once it has resumed: the stop comes later, see wait_states()."""
    return call(lambda: gdb.execute(cmd, to_string=True), timeout)


def ev(expr):
    return call(lambda: int(gdb.parse_and_eval(expr)))


def sym(name):
    return ev("(unsigned long)&%s" % name)


def states():
    """GDB thread number -> 'running' / 'stopped' ({} while all-stop GDB
    will not list threads: the target runs)."""
    def get():
        try:
            threads = gdb.selected_inferior().threads()
        except gdb.error:
            return {}
        return {t.num: ("running" if t.is_running() else "stopped")
                for t in threads}
    return call(get)


def wait_states(want, timeout=20):
    """Until states() matches want (num -> state) for the threads named."""
    deadline = time.time() + timeout
    while True:
        s = states()
        if all(s.get(n) == st for n, st in want.items()):
            return s
        if time.time() > deadline:
            return s
        time.sleep(0.05)


def select(n):
    """Make GDB thread n the selected one (as `thread n`, quietly)."""
    def sw():
        for t in gdb.selected_inferior().threads():
            if t.num == n:
                t.switch()
                return
        raise Fail("no thread %d" % n)
    call(sw)


def pc_of(n):
    select(n)
    return ev("$pc")


def counters(via):
    """counters[0..4], read through stopped thread 'via'."""
    select(via)
    run("maint flush dcache")
    return [ev("((long *)&counters)[%d]" % i) for i in range(5)]


def info_threads():
    lines = {}
    for line in run("info threads").splitlines():
        f = line.replace("*", " ").split()
        if f and f[0].isdigit():
            lines[int(f[0])] = line
    return lines


ALL_STOPPED = {n: "stopped" for n in range(1, NT + 1)}
ALL_RUNNING = {n: "running" for n in range(1, NT + 1)}


def connect(non_stop):
    run("set non-stop %s" % ("on" if non_stop else "off"))
    run("target remote 127.0.0.1:%s" % PORT)


# ---- the checks ------------------------------------------------------------------

def nonstop_session(exit_codes):
    connect(True)
    ck("non-stop is on", "on" in run("show non-stop"))
    # the first stop comes with the connection, the others follow it
    s = wait_states(ALL_STOPPED)
    ck("attach: one thread per vCPU", sorted(s) == list(range(1, NT + 1)),
       str(s))
    ck("attach: every vCPU stopped", s == ALL_STOPPED, str(s))
    lines = info_threads()
    ck("info threads names every hart",
       all(("hart %d" % (n - 1)) in lines.get(n, "")
           for n in range(1, NT + 1)), str(lines))
    ck("-S: every pc at _start",
       all(pc_of(n) == sym("_start") for n in range(1, NT + 1)))

    # continue -a &: everything runs; interrupt -a stops everything
    run("continue -a &")
    s = wait_states(ALL_RUNNING)
    ck("continue -a &: every thread running", s == ALL_RUNNING, str(s))
    lines = info_threads()
    ck("info threads: shows running threads",
       all("(running)" in lines.get(n, "") for n in range(1, NT + 1)),
       str(lines))
    time.sleep(0.3)
    run("interrupt -a")
    s = wait_states(ALL_STOPPED)
    ck("interrupt -a: every thread stopped", s == ALL_STOPPED, str(s))
    c0 = counters(1)
    ck("the workers ran", all(c0[n - 1] > 0 for n in WORKERS), str(c0))
    time.sleep(0.2)
    ck("interrupt -a: nothing moves", counters(1) == c0)

    # thread 2 + continue &: it alone runs
    pcs = {n: pc_of(n) for n in (1, 3, 4, 5)}
    pc2 = pc_of(2)
    c0 = counters(1)
    select(2)
    run("continue &")
    s = wait_states({2: "running"})
    time.sleep(0.4)
    s = states()
    ck("thread 2 continue &: only thread 2 runs",
       s == {**ALL_STOPPED, 2: "running"}, str(s))
    lines = info_threads()
    ck("info threads: running and stopped threads side by side",
       "(running)" in lines.get(2, "") and
       all("(running)" not in lines.get(n, "") for n in (1, 3, 4, 5)),
       str(lines))
    c1 = counters(1)
    ck("thread 2 counts while the others stay", c1[1] > c0[1] and
       all(c1[i] == c0[i] for i in (0, 2)), "%s -> %s" % (c0, c1))
    ck("the stopped threads' pcs are unchanged",
       all(pc_of(n) == pcs[n] for n in pcs))
    # registers of a stopped thread while thread 2 runs
    select(3)
    ck("registers of a stopped thread while another runs",
       ev("$mhartid") == 2 and ev("$pc") == pcs[3])
    raised = False
    select(2)
    try:
        ev("$pc")
    except gdb.error:
        raised = True
    ck("GDB refuses the registers of the running thread", raised)
    select(2)
    run("interrupt")
    s = wait_states({2: "stopped"})
    ck("interrupt: thread 2 stopped", s == ALL_STOPPED, str(s))
    pc2a = pc_of(2)
    c2 = counters(1)
    time.sleep(0.2)
    ck("interrupt: thread 2 stays stopped", counters(1) == c2)
    ck("thread 2 stopped where it ran to, the others where they were",
       pc2a != 0 and all(pc_of(n) == pcs[n] for n in pcs), "%x" % pc2)

    # a breakpoint stops only the vCPU that hits it
    run("break watch_store")
    run("continue -a &")
    s = wait_states({2: "stopped"})
    ck("breakpoint: thread 2 (hart 1) stopped at watch_store",
       s.get(2) == "stopped" and pc_of(2) == sym("watch_store"), str(s))
    s = states()
    ck("breakpoint: the other threads keep running",
       all(s[n] == "running" for n in (1, 3, 4, 5)), str(s))
    c0 = counters(2)
    time.sleep(0.3)
    c1 = counters(2)
    ck("breakpoint: hart 0 and hart 2 count on (memory read through the "
       "stopped thread)", c1[0] > c0[0] and c1[2] > c0[2] and c1[1] == c0[1],
       "%s -> %s" % (c0, c1))
    select(2)
    out = run("info registers pc sp")
    ck("breakpoint: registers of the stopped thread",
       "watch_store" in out and ev("$mhartid") == 1, out)
    out = run("x/2gx &counters")
    ck("breakpoint: x/gx through the stopped thread", "0x" in out, out)
    run("delete")

    # stepping one thread leaves the others running
    select(2)
    pc0 = ev("$pc")
    run("stepi")
    wait_states({2: "stopped"})
    s = states()
    ck("stepi: thread 2 moved one instruction",
       pc0 == sym("watch_store") and ev("$pc") == sym("watch_store_done") and
       s[2] == "stopped", "%x -> %x (%x, %x) %s" % (pc0, ev("$pc"),
       sym("watch_store"), sym("watch_store_done"), s))
    ck("stepi: the others still running",
       all(s[n] == "running" for n in (1, 3, 4, 5)), str(s))

    # a target-side hit condition: only hart 2 (a0 == 2) stops
    run("interrupt -a")
    wait_states(ALL_STOPPED)
    run("break shared_fn if $a0 == 2")
    run("continue -a &")
    s = wait_states({3: "stopped"})
    ck("condition: thread 3 (a0 == 2) stopped at shared_fn",
       s.get(3) == "stopped" and pc_of(3) == sym("shared_fn") and
       ev("$a0") == 2, str(s))
    time.sleep(0.2)
    s = states()
    ck("condition: harts 0 and 1 never stopped there",
       s[1] == "running" and s[2] == "running", str(s))
    run("delete")

    # thread 3 continue & with the others running; then all stop again
    select(3)
    run("continue &")
    s = wait_states({3: "running"})
    ck("continue & of a stopped thread among running ones",
       s.get(3) == "running", str(s))
    run("interrupt -a")
    s = wait_states(ALL_STOPPED)
    ck("interrupt -a stops them all again", s == ALL_STOPPED, str(s))

    # detach: everything runs
    c0 = counters(1)
    run("detach")
    return c0


def allstop_session(c_before, exit_codes):
    time.sleep(0.3)
    exit_codes.clear()      # the detach counts as an exit, with no code
    connect(False)
    ck("reconnect: all-stop", "off" in run("show non-stop"))
    s = states()
    ck("reconnect: every thread stopped", s == ALL_STOPPED, str(s))
    c1 = counters(1)
    ck("after the detach every worker ran",
       all(c1[n - 1] > c_before[n - 1] for n in WORKERS),
       "%s -> %s" % (c_before, c1))
    run("break shared_fn")
    run("continue")
    wait_states(ALL_STOPPED)
    n = call(lambda: gdb.selected_thread().num)
    ck("all-stop: a breakpoint stops the VM, reported in a worker",
       n in WORKERS and ev("$pc") == sym("shared_fn"), str(n))
    c0 = counters(n)
    time.sleep(0.2)
    ck("all-stop: every vCPU stopped", counters(n) == c0 and
       states() == ALL_STOPPED)
    run("delete")
    run("set var *(long *)&poweroff_req = 1")
    run("continue")
    deadline = time.time() + 20
    while not exit_codes and time.time() < deadline:
        time.sleep(0.05)
    ck("poweroff is reported as an exit with status 0", exit_codes == [0],
       str(exit_codes))


def worker():
    rc = 1
    try:
        exit_codes = []

        def setup():
            gdb.events.exited.connect(
                lambda e: exit_codes.append(getattr(e, "exit_code", None)))
            for c in ("set pagination off", "set confirm off",
                      "set height 0", "file " + GUEST):
                gdb.execute(c, to_string=True)
            if os.environ.get("RHYVE_GDB_LOG"):
                gdb.execute("set logging file " + os.environ["RHYVE_GDB_LOG"])
                gdb.execute("set logging debugredirect on")
                gdb.execute("set debug remote 1")
                gdb.execute("set logging enabled on")
        call(setup)
        c0 = nonstop_session(exit_codes)
        allstop_session(c0, exit_codes)
        rc = 0 if nfail == 0 else 1
    except Exception:               # noqa: B902 - reported as a failure
        ck("no exception", False, traceback.format_exc())
    say("RESULT pass=%d fail=%d" % (npass, nfail))
    os._exit(rc)


threading.Thread(target=worker, daemon=True).start()
