"""watch_gdb.py - runs INSIDE gdb-multiarch against rhyve -S: watch,
rwatch and awatch fire on the exact access, in the right thread, with
every vCPU stopped; many watchpoints at once; deleting them lets the
guest run free.  Started by tests/integration/gdb_watch.py.
"""
import os
import sys
import time

import gdb

sys.dont_write_bytecode = True     # no __pycache__ in the tree
sys.path.insert(0, os.environ["RHYVE_GDB_LIB"])
from common import Checker  # noqa: E402
from ingdb import attach, cur, ev, interrupt_after, sym  # noqa: E402

C = Checker()
ck = C.check


def counters():
    return [ev("((long *)&counters)[%d]" % i) for i in range(5)]


stops = []
gdb.events.stop.connect(lambda e: stops.append(type(e).__name__))

attach()

# let the workers get going first
interrupt_after(0.3)

# ---- write watchpoint ------------------------------------------------------
gdb.execute("watch *(long *)&watch_var")
for i in range(3):
    del stops[:]
    gdb.execute("continue")
    ck("watch #%d: a watchpoint stop" % i,
       stops == ["BreakpointEvent"], str(stops))
    ck("watch #%d: hart 1 (thread 2) did the store" % i, cur() == 2,
       "thread %d" % cur())
    ck("watch #%d: stopped right after the store" % i,
       ev("$pc") == sym("watch_store_done"), hex(ev("$pc")))
    ck("watch #%d: new value is hart 1's counter" % i,
       ev("*(long *)&watch_var") == counters()[1])
c = counters()
time.sleep(0.2)
ck("watch: every vCPU stopped", counters() == c)
gdb.execute("delete")

# ---- read watchpoint ---------------------------------------------------------
gdb.execute("rwatch *(long *)&watch_var")
del stops[:]
gdb.execute("continue")
ck("rwatch: hart 2 (thread 3) did the load", cur() == 3, "thread %d" % cur())
ck("rwatch: stopped right after the load",
   ev("$pc") == sym("read_load_done"), hex(ev("$pc")))
ck("rwatch: loaded value in t2", ev("$t2") == ev("*(long *)&watch_var"))
gdb.execute("delete")

# ---- access watchpoint ---------------------------------------------------------
gdb.execute("awatch *(long *)&watch_var")
seen = set()
for i in range(6):
    gdb.execute("continue")
    seen.add((cur(), ev("$pc")))
ok = all((t, pc) in ((2, sym("watch_store_done")), (3, sym("read_load_done")))
         for t, pc in seen)
ck("awatch: only the store (hart 1) and the load (hart 2) fire", ok,
   str(seen))
gdb.execute("delete")

# ---- a byte inside the doubleword: overlap matches -------------------------------
gdb.execute("rwatch *((char *)&watch_var + 3)")
gdb.execute("continue")
ck("rwatch on one byte of the loaded doubleword fires",
   cur() == 3 and ev("$pc") == sym("read_load_done"))
gdb.execute("delete")

# ---- many at once ----------------------------------------------------------------
for i in range(5):
    gdb.execute("watch *(long *)((char *)&counters + %d)" % (8 * i))
gdb.execute("rwatch *(long *)&watch_var")
gdb.execute("watch *(long *)&shared_calls")
gdb.execute("watch *(long *)&last_caller")
n = 0
for i in range(8):
    del stops[:]
    gdb.execute("continue")
    if stops == ["BreakpointEvent"]:
        n += 1
ck("eight watchpoints at once all work", n == 8, str(n))
gdb.execute("delete")

# ---- without watchpoints the guest runs free ----------------------------------
c0 = counters()
interrupt_after(0.3)
c1 = counters()
ck("after delete, continue runs every worker",
   all(c1[i] > c0[i] for i in range(3)), "%s -> %s" % (c0, c1))
gdb.execute("kill")
sys.exit(C.result())
