#!/usr/bin/env python3
"""gdb_runctl.py - real gdb-multiarch (batch, Python API) against rhyve -S:
attach holds every vCPU, info threads, break/tbreak/hbreak hit by several
harts, stepi/step/next/finish with scheduler-locking on moving only the
current vCPU, continue resuming all, Ctrl-C, registers (GPR, FP, CSR,
priv) and memory reads and writes, and a guest poweroff reported as an
exit.  The checks live in gdb/runctl_gdb.py (run inside GDB).
Exit 0 pass, 77 skip, 1 fail.
"""
import os
import sys

sys.dont_write_bytecode = True     # no __pycache__ in the tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "gdb"))
import common  # noqa: E402

common.need("gdb-multiarch")
script = os.path.join(common.ROOT, "tests", "integration", "gdb", "runctl_gdb.py")
with common.Rhyve() as vm:
    rc, out = common.run_gdb(script, vm, timeout=150)
    print(out)
    status = vm.wait_exit(10)
    print("rhyve exit status:", status)
    if status is None:
        print(vm.output())
    ok = common.verdict(out) and status == 0
print("PASS" if ok else "FAIL")
sys.exit(0 if ok else 1)
