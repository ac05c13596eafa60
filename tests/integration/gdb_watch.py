#!/usr/bin/env python3
"""gdb_watch.py - watch/rwatch/awatch through real gdb-multiarch against
rhyve -S (the checks are in gdb/watch_gdb.py).  Exit 0 pass, 77 skip,
1 fail.
"""
import os
import sys

sys.dont_write_bytecode = True     # no __pycache__ in the tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "gdb"))
import common  # noqa: E402

common.need("gdb-multiarch")
script = os.path.join(common.ROOT, "tests", "integration", "gdb", "watch_gdb.py")
with common.Rhyve() as vm:
    rc, out = common.run_gdb(script, vm, timeout=120)
    print(out)
    status = vm.wait_exit(10)
    print("rhyve exit status after kill:", status)
    ok = common.verdict(out) and status == 0
print("PASS" if ok else "FAIL")
sys.exit(0 if ok else 1)
