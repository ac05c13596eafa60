"""cond_gdb.py - runs INSIDE gdb-multiarch against rhyve -S on the 3-hart
guest cond.elf (every hart calls cond_fn(hart, i) for i = 1..cond_iters):
with "set breakpoint condition-evaluation target", GDB sends a
breakpoint's condition as agent-expression bytecode and rhyve's vCPUs
evaluate it, so GDB sees only the hit where it holds.  Checks: a register
condition and a memory condition stop exactly there, with no other stop
reported (GDB's stop events) while rhyve counted thousands of false hits
(monitor info); "condition N ..." re-sends the breakpoint and the new
condition applies; host evaluation for comparison counts nothing on the
target; an always-false condition lets the guest finish.
Started by tests/integration/gdb_cond.py.
"""
import os
import sys
import time

import gdb

sys.dont_write_bytecode = True     # no __pycache__ in the tree
sys.path.insert(0, os.environ["RHYVE_GDB_LIB"])
from common import Checker  # noqa: E402
from ingdb import attach, cur, ev, run, sym  # noqa: E402

C = Checker()
ck = C.check


def iters(h):
    return ev("((long *)&iters)[%d]" % h)


def target_counts():
    """(evaluated, false) from rhyve's monitor info."""
    for line in run("monitor info").splitlines():
        if line.startswith("target-side conditions:"):
            w = line.split()
            return int(w[2]), int(w[4])
    return (-1, -1)


stops = []
gdb.events.stop.connect(lambda e: stops.append(type(e).__name__))

exit_codes = attach()
fn = sym("cond_fn")
gdb.execute("set var *(long *)&cond_iters = 1000000000")
gdb.execute("set breakpoint condition-evaluation target")

# ---- a register condition -------------------------------------------------------
gdb.execute("break cond_fn if $a0 == 1 && $a1 == 5000")
ev0 = target_counts()
del stops[:]
gdb.execute("continue")
ck("register condition: one stop", stops == ["BreakpointEvent"], str(stops))
ck("register condition: on hart 1 (thread 2) at call 5000",
   (cur(), ev("$a0"), ev("$a1"), ev("$pc")) == (2, 1, 5000, fn),
   "thread %d a0 %d a1 %d" % (cur(), ev("$a0"), ev("$a1")))
ev1 = target_counts()
ck("the target evaluated the false hits (GDB sent the condition)",
   ev1[1] - ev0[1] >= 4999, "%r -> %r" % (ev0, ev1))

# ---- a new condition replaces it (GDB re-sends Z0) ----------------------------------
n = iters(0) + 3000
gdb.execute("condition 1 $a0 == 0 && $a1 == %d" % n)
del stops[:]
gdb.execute("continue")
ck("changed condition: one stop, on hart 0 (thread 1) at call %d" % n,
   stops == ["BreakpointEvent"] and (cur(), ev("$a0"), ev("$a1")) == (1, 0, n),
   "%s thread %d a0 %d a1 %d" % (stops, cur(), ev("$a0"), ev("$a1")))
gdb.execute("delete")

# ---- a memory condition -------------------------------------------------------------
n = iters(2) + 4000
# (by address: GDB cannot compile a symbol without debug info to bytecode)
gdb.execute("break cond_fn if *(long *)%#x == %d && $a0 == 2" %
            (sym("iters") + 16, n))
ev0 = target_counts()
del stops[:]
gdb.execute("continue")
ck("memory condition: one stop, on hart 2 (thread 3) at call %d" % n,
   stops == ["BreakpointEvent"] and (cur(), ev("$a0"), ev("$a1")) == (3, 2, n),
   "%s thread %d a0 %d a1 %d" % (stops, cur(), ev("$a0"), ev("$a1")))
ev1 = target_counts()
ck("memory condition evaluated on the target", ev1[1] - ev0[1] >= 3999,
   "%r -> %r" % (ev0, ev1))
gdb.execute("delete")

# ---- host evaluation, for comparison: the target counts nothing -------------------
gdb.execute("set breakpoint condition-evaluation host")
n = iters(1) + 40
gdb.execute("break cond_fn if $a0 == 1 && $a1 == %d" % n)
ev0 = target_counts()
gdb.execute("continue")
ck("host evaluation: same stop", (cur(), ev("$a0"), ev("$a1")) == (2, 1, n),
   "thread %d a0 %d a1 %d" % (cur(), ev("$a0"), ev("$a1")))
ck("host evaluation: nothing evaluated on the target",
   target_counts() == ev0, "%r -> %r" % (ev0, target_counts()))
gdb.execute("delete")
gdb.execute("set breakpoint condition-evaluation target")

# ---- always false: the guest finishes, no stop reported ---------------------------
left = max(iters(h) for h in range(3)) + 50000
gdb.execute("set var *(long *)&cond_iters = %d" % left)
gdb.execute("break cond_fn if $a0 == 99")
ev0 = target_counts()
del stops[:]
t0 = time.time()
gdb.execute("continue")
dt = time.time() - t0
ck("always false: the guest powered off (exit 0)", exit_codes == [0],
   str(exit_codes))
ck("always false: no stop reported", stops == [], str(stops))
print("info: >= 150000 calls under an always-false condition in %.2f s" % dt)

C.result()
