#!/usr/bin/env python3
"""gdb_dprintf.py - dprintf run by the target (issue 13, BreakpointCommands)
through real gdb-multiarch against rhyve -S on the 3-hart guest cond.elf
(the in-GDB checks are in gdb/dprintf_gdb.py): with "set dprintf-style
agent", `dprintf cond_fn,"hit %d %d\\n",$a0,$a1` (plus a condition) goes
to rhyve as printf bytecode, the vCPUs print and go on, the guest never
stops for it.  Here: the lines GDB printed (rhyve's 'O' packets) are
exactly the hits where the condition held, with the right values, in
call order per hart, and %s (guest memory), %#lx,
%c and a width format as in C.
Exit 0 pass, 77 skip, 1 fail.
"""
import os
import sys

sys.dont_write_bytecode = True     # no __pycache__ in the tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "gdb"))
import common  # noqa: E402

common.need("gdb-multiarch")
elf = os.path.join(common.BUILD, "guests", "gdb", "cond.elf")
if not os.path.isfile(elf):
    common.skip("no guest %s (make guests)" % elf)
common.GUEST = elf      # run_gdb() hands it to the in-GDB script
script = os.path.join(common.ROOT, "tests", "integration", "gdb", "dprintf_gdb.py")
C = common.Checker()
ck = C.check
with common.Rhyve(elf=elf, smp=3) as vm:
    rc, out = common.run_gdb(script, vm, timeout=180)
    lines = out.splitlines()
    print("\n".join(l for l in lines if not l.startswith(("hit ", "s="))))
    status = vm.wait_exit(10)
    print("rhyve exit status:", status)
    if status is None:
        print(vm.output())
    ck("in-GDB checks passed", common.verdict(out))
    ck("rhyve exited with status 0", status == 0, str(status))

    # (GDB prints the target's output on stderr, our checks on stdout: no
    # order between the two here; gdb_dprintf_rsp.py checks that the 'O'
    # packets come before the stop reply)
    hits = [l for l in lines if l.startswith("hit ")]
    want = sorted("hit %d %d" % (h, i) for h in range(3) for i in range(1, 51))
    ck("phase 1: one line per true hit (3 harts x calls 1..50), values right",
       sorted(hits) == want, "%d lines, first %r" % (len(hits), hits[:3]))
    for h in range(3):
        mine = [int(l.split()[2]) for l in hits if l.split()[1] == str(h)]
        ck("phase 1: hart %d's lines in call order" % h, mine == sorted(mine))

    base = [int(l.split()[1]) for l in lines if l.startswith("PHASE2-BASE ")]
    got = sorted(l for l in lines if l.startswith("s="))
    want = sorted("s=hello h=%d x=%#x c=%c w=[%5d]" % (h, i * 16, 65 + h, h)
                  for h in range(3) for i in range(base[0] + 1, base[0] + 21)) \
        if base else ["?"]
    ck("phase 2: %s %d %#lx %c %5d lines, one per true hit", got == want,
       "%d lines, first %r, want %r" % (len(got), got[:2], want[:2]))
sys.exit(C.result())
