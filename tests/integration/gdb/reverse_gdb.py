"""reverse_gdb.py - runs INSIDE gdb-multiarch against rhyve --record -S on
the 4-hart guest race.elf (tests/guests/gdb/race.S): GDB's own reverse
commands over rhyve's ReverseStep/ReverseContinue.  Checks:
reverse-stepi N times then stepi N times retraces the thread's pcs and
gives back its registers; reverse-finish out of record_write stops at the
call in the caller, on the same thread; next then reverse-next step over
the call both ways; reverse-step from after the call goes into the
function's last instruction; a write watchpoint on shared_word with
reverse-continue stops on the hart that made the last earlier write
(checked against the value, which names its writer, and the guest's own
writer log); reverse-continue with nothing set reaches the beginning of
the history ("No more reverse-execution history").
Started by tests/integration/gdb_reverse_gdb.py.
"""
import os
import sys

import gdb

sys.dont_write_bytecode = True     # no __pycache__ in the tree
sys.path.insert(0, os.environ["RHYVE_GDB_LIB"])
from common import Checker, writer_log_holds  # noqa: E402
from ingdb import attach, cur, ev, interrupt_after, run, sym  # noqa: E402

C = Checker()
ck = C.check
N = 20

stops = []
gdb.events.stop.connect(lambda e: stops.append(e))


def regs():
    return [ev("$x%d" % i) for i in range(1, 32)] + [ev("$pc")]


attach()
gdb.execute("set scheduler-locking step")
interrupt_after(0.5)
ck("recorded run stopped by Ctrl-C", True)

# ---- reverse-stepi / stepi ------------------------------------------------------
gdb.execute("break race_after_call")
gdb.execute("continue")
gdb.execute("delete")
t = cur()
r0 = regs()
pcs = []
for i in range(N):
    pcs.append(ev("$pc"))
    gdb.execute("reverse-stepi")
ck("reverse-stepi %d times stays on thread %d" % (N, t), cur() == t,
   "thread %d" % cur())
back = ev("$pc")
fwd_ok = True
for i in range(N):
    gdb.execute("stepi")
    if ev("$pc") != pcs[N - 1 - i] or cur() != t:
        fwd_ok = ck("stepi %d retraces" % i, False, "pc %#x want %#x thread %d"
                    % (ev("$pc"), pcs[N - 1 - i], cur()))
ck("stepi %d times retraces the pcs of reverse-stepi" % N, fwd_ok)
ck("registers back after reverse-stepi/stepi", regs() == r0)

# ---- reverse-finish, reverse-next, reverse-step ---------------------------------
gdb.execute("break record_write")
gdb.execute("continue")
gdb.execute("delete")
t = cur()
gdb.execute("stepi")
gdb.execute("stepi")
gdb.execute("stepi")
gdb.execute("reverse-finish")
ck("reverse-finish: at the call in the caller, same thread",
   (ev("$pc"), cur()) == (sym("race_call"), t),
   "pc %#x thread %d (want %#x, %d)" % (ev("$pc"), cur(), sym("race_call"), t))
gdb.execute("next")
ck("next steps over the call", (ev("$pc"), cur()) == (sym("race_after_call"), t),
   "pc %#x thread %d" % (ev("$pc"), cur()))
a0 = ev("$a0")
gdb.execute("reverse-next")
ck("reverse-next steps back over the call",
   (ev("$pc"), cur()) == (sym("race_call"), t),
   "pc %#x thread %d" % (ev("$pc"), cur()))
gdb.execute("next")
ck("next again: same return value", ev("$a0") == a0 and cur() == t)
gdb.execute("reverse-step")
ret = int(gdb.parse_and_eval("(unsigned long)record_write")) 
ck("reverse-step from after the call enters the function at its end",
   cur() == t and ev("$pc") > ret and ev("$pc") < sym("park") and
   gdb.selected_frame().name() == "record_write",
   "pc %#x frame %s" % (ev("$pc"), gdb.selected_frame().name()))

# ---- watchpoint + reverse-continue -----------------------------------------------
gdb.execute("watch -l *(unsigned long *)&shared_word")
walked = []
ok = True
for i in range(4):
    # in reverse, GDB steps back over the write it stops at: it shows the
    # hart at the store, about to write what shared_word holds now
    v = ev("*(unsigned long *)&shared_word")
    hart, seq = v >> 32, v & 0xffffffff
    del stops[:]
    gdb.execute("reverse-continue")
    logv = ev("((unsigned long *)&writer_log)[%d]" % (seq % 1024))
    wps = [b for e in stops for b in getattr(e, "breakpoints", [])
           if b.type == gdb.BP_HARDWARE_WATCHPOINT]
    walked.append(v)
    if (cur(), ev("$pc"), ev("$t1")) != (hart + 1, sym("shared_store"), v) \
            or not writer_log_holds(logv, v) or not wps:
        ok = ck("reverse-continue %d: the writer" % i, False,
                "thread %d pc %#x t1 %#x, value %#x log %#x watch stops %d" %
                (cur(), ev("$pc"), ev("$t1"), v, logv, len(wps)))
    ck("reverse-continue %d: shared_word back to the value before" % i,
       ev("*(unsigned long *)&shared_word") != v)
ck("reverse-continue with a write watchpoint stops on each last writer",
   ok, str([hex(v) for v in walked]))
ck("... each an earlier write", len(set(walked)) == len(walked))
gdb.execute("delete")

# ---- the beginning ---------------------------------------------------------------
out = run("reverse-continue")
pos = run("monitor record")
# (GDB's "No more reverse-execution history." is checked by the launcher)
ck("reverse-continue with nothing set: the beginning of history",
   "position: instruction 0 " in pos, out + pos)
ck("... where every hart starts", ev("$pc") == sym("_start"),
   "pc %#x" % ev("$pc"))
gdb.execute("kill")
C.result()
