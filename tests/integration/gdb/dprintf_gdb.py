"""dprintf_gdb.py - runs INSIDE gdb-multiarch against rhyve -S on the
3-hart guest cond.elf (every hart calls cond_fn(hart, i) for i = 1..
cond_iters): with "set dprintf-style agent" GDB sends a dprintf as a
breakpoint command (Z0 ";cmds:", printf bytecode), rhyve's vCPU runs it
when it hits the breakpoint, and the guest never stops for it; the text
reaches GDB as console output ('O' packets) while it waits.  Checks, here:
no stop reported but the Ctrl-C, rhyve counted the hits that printed
(monitor info), a condition on the dprintf is evaluated on the target, the
guest powers off with every call made.  The printed lines themselves are
checked by tests/integration/gdb_dprintf.py, which starts this.
"""
import os
import sys

import gdb

sys.dont_write_bytecode = True     # no __pycache__ in the tree
sys.path.insert(0, os.environ["RHYVE_GDB_LIB"])
from common import Checker  # noqa: E402
from ingdb import attach, ev, interrupt_after, run, sym  # noqa: E402

C = Checker()
ck = C.check


def iters(h):
    return ev("((long *)&iters)[%d]" % h)


def cmd_runs():
    for line in run("monitor info").splitlines():
        if line.startswith("target-side commands:"):
            return int(line.split()[2])
    return -1


stops = []
gdb.events.stop.connect(lambda e: stops.append(type(e).__name__))

exit_codes = attach()
shown = run("show remote breakpoint-commands-packet")
ck("the stub offers BreakpointCommands (GDB can run dprintf there)",
   "currently enabled" in shown, shown)
gdb.execute("set var *(long *)&cond_iters = 1000000000")
gdb.execute("set dprintf-style agent")
gdb.execute("set breakpoint condition-evaluation target")

# ---- phase 1: a dprintf with a condition; the guest runs until Ctrl-C ------------
gdb.execute('dprintf cond_fn,"hit %d %d\\n",$a0,$a1')
gdb.execute("condition 1 $a1 <= 50")
del stops[:]
interrupt_after(1.5)
ck("phase 1: only the Ctrl-C stopped the guest", stops == ["SignalEvent"],
   str(stops))
ck("phase 1: every hart went past call 50",
   min(iters(h) for h in range(3)) > 50, str([iters(h) for h in range(3)]))
n1 = cmd_runs()
ck("phase 1: rhyve ran the commands of the 150 true hits, no more",
   n1 == 150, str(n1))
print("PHASE1-END")

# ---- phase 2: %s %#lx %c and widths, then the guest finishes ----------------------
gdb.execute("delete")
base = max(iters(h) for h in range(3)) + 10
strp = sym("stacks")            # unused bottom of hart 2's stack
gdb.execute('set var *(char (*)[8])%#x = "hello"' % strp)
gdb.execute('dprintf cond_fn,"s=%%s h=%%d x=%%#lx c=%%c w=[%%5d]\\n",'
            '(char *)%#x,$a0,$a1*16,65+$a0,$a0' % strp)
gdb.execute("condition 2 $a1 > %d && $a1 <= %d" % (base, base + 20))
gdb.execute("set var *(long *)&cond_iters = %d" % (base + 1000))
print("PHASE2-BASE %d" % base)
del stops[:]
gdb.execute("continue")
ck("phase 2: the guest powered off (exit 0)", exit_codes == [0],
   str(exit_codes))
ck("phase 2: no stop reported", stops == [], str(stops))

C.result()
