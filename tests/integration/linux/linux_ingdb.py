"""linux_ingdb.py - runs INSIDE gdb-multiarch (gdb -batch -x) against
rhyve running Debian's Linux (launched by tests/integration/linux_gdb.py):
attach while the kernel runs, every hart stops and stays stopped; a
breakpoint on ksys_write (address from the guest's own /proc/kallsyms,
in RHYVE_KSYS_WRITE) is hit on several harts; stepi moves only the
current hart; then continue to the guest's poweroff.
"""
import os
import sys
import time

import gdb

sys.path.insert(0, os.environ["RHYVE_GDB_LIB"])
from ingdb import run, threads  # noqa: E402

NCPU = int(os.environ["RHYVE_NCPU"])
KSYS_WRITE = int(os.environ["RHYVE_KSYS_WRITE"], 16)
npass = nfail = 0


def check(name, cond, detail=""):
    global npass, nfail
    if cond:
        npass += 1
        print("ok   %s" % name, flush=True)
    else:
        nfail += 1
        print("FAIL %s %s" % (name, detail), flush=True)


def pcs():
    """Every hart's pc, read afresh from rhyve."""
    run("maintenance flush register-cache")
    cur = gdb.selected_thread()
    out = {}
    for t in threads():
        t.switch()
        out[t.num] = int(gdb.parse_and_eval("$pc"))
    cur.switch()
    return out


exit_codes = []
gdb.events.exited.connect(
    lambda e: exit_codes.append(getattr(e, "exit_code", None)))
run("set pagination off")
run("set confirm off")
run("set architecture riscv:rv64")
t0 = time.monotonic()
run("target remote 127.0.0.1:%s" % os.environ["RHYVE_GDB_PORT"])
print("attach took %.3fs" % (time.monotonic() - t0))

ts = threads()
check("one thread per hart", len(ts) == NCPU, "%d threads" % len(ts))
info = run("monitor info")
harts = [l for l in info.splitlines() if l.startswith("hart ")]
check("every hart stopped on attach",
      len(harts) == NCPU and all(": stopped" in l for l in harts), info)
before = pcs()
time.sleep(0.5)
check("stopped harts stay where they are", pcs() == before)

run("break *%#x" % KSYS_WRITE)
hit_on = set()
for _ in range(60):
    run("continue")
    if exit_codes:
        break
    if int(gdb.parse_and_eval("$pc")) == KSYS_WRITE:
        hit_on.add(gdb.selected_thread().num)
    if len(hit_on) >= min(3, NCPU):
        break
print("ksys_write hit on threads %s" % sorted(hit_on))
check("breakpoint hit at all (the guest ran on to its poweroff)",
      not exit_codes, str(exit_codes))
if exit_codes:
    print("RESULT pass=%d fail=%d" % (npass, nfail))
    raise SystemExit
check("the hit is in the kernel (S-mode)",
      int(gdb.parse_and_eval("$priv")) == 1, run("p $priv"))
check("breakpoint hit on several harts", len(hit_on) >= min(3, NCPU),
      str(sorted(hit_on)))

# At a hit: stepi moves this hart only.
run("set scheduler-locking on")
me = gdb.selected_thread().num
before = pcs()
run("stepi")
after = pcs()
check("stepi left ksys_write's first instruction",
      before[me] == KSYS_WRITE and after[me] != KSYS_WRITE,
      "%#x -> %#x" % (before[me], after[me]))
check("stepi moved no other hart",
      all(after[n] == before[n] for n in before if n != me),
      "%s -> %s" % (before, after))
run("set scheduler-locking off")
run("delete")
if not exit_codes:
    run("continue")
check("continue runs the guest to its poweroff (exit 0)", exit_codes == [0],
      str(exit_codes))
print("RESULT pass=%d fail=%d" % (npass, nfail))
