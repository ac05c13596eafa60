#!/usr/bin/env python3
"""gdb_reverse_gdb.py - reverse execution through real gdb-multiarch
against rhyve --record -S on the 4-hart guest race.elf (the checks are in
gdb/reverse_gdb.py): reverse-stepi/stepi, reverse-finish, reverse-next,
reverse-step, reverse-continue to a write watchpoint's last writer and to
the beginning of the history.
Exit 0 pass, 77 skip, 1 fail.
"""
import os
import sys

sys.dont_write_bytecode = True     # no __pycache__ in the tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "gdb"))
import common  # noqa: E402

common.need("gdb-multiarch")
elf = os.path.join(common.BUILD, "guests", "gdb", "race.elf")
if not os.path.isfile(elf):
    common.skip("no guest %s (make guests)" % elf)
common.GUEST = elf      # run_gdb() hands it to the in-GDB script
script = os.path.join(common.ROOT, "tests", "integration", "gdb", "reverse_gdb.py")
with common.Rhyve(elf=elf, smp=4, extra=["-m", "32M",
                                         "--record=256M,interval=200000"]) as vm:
    rc, out = common.run_gdb(script, vm, timeout=240)
    print(out)
    ok = common.verdict(out) and \
        "No more reverse-execution history" in out
print("PASS" if ok else "FAIL")
sys.exit(0 if ok else 1)
