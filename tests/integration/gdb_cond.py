#!/usr/bin/env python3
"""gdb_cond.py - target-side breakpoint conditions through real
gdb-multiarch against rhyve -S on the 3-hart guest cond.elf (the checks
are in gdb/cond_gdb.py): GDB sends "break ... if COND" as bytecode, the
vCPUs evaluate it, only the hit where it holds is reported.
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
script = os.path.join(common.ROOT, "tests", "integration", "gdb", "cond_gdb.py")
with common.Rhyve(elf=elf, smp=3) as vm:
    rc, out = common.run_gdb(script, vm, timeout=180)
    print(out)
    status = vm.wait_exit(10)
    print("rhyve exit status:", status)
    if status is None:
        print(vm.output())
    ok = common.verdict(out) and status == 0
print("PASS" if ok else "FAIL")
sys.exit(0 if ok else 1)
