#!/usr/bin/env python3
"""gdb_sv39.py - real gdb-multiarch (batch, Python API) against rhyve -S
running tests/guests/gdb/sv39.S: two harts in S-mode under Sv39, code at
a kernel-style high alias (0xffffffc000000000 + offset), data at VA
0x40000000.  Memory reads and writes, x/i, breakpoints and stepi go
through the selected vCPU's translation; 'monitor phys on' makes them
physical; unmapped VAs give errors, not guest faults; debugger reads and
writes leave the guest's A/D bits alone.  The checks live in
gdb/sv39_gdb.py (run inside GDB); the guest's addresses are handed over
numerically (its ELF is linked at physical addresses).
Exit 0 pass, 77 skip, 1 fail.
"""
import os
import sys

sys.dont_write_bytecode = True     # no __pycache__ in the tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "gdb"))
import common  # noqa: E402

ELF = os.path.join(common.BUILD, "guests", "gdb", "sv39.elf")
KVA_OFF = 0xffffffc000000000 - 0x80000000

common.need("gdb-multiarch")
if not os.path.isfile(ELF):
    common.skip("no guest %s (make guests)" % ELF)
syms = common.symbols(ELF)
env = {
    "RHYVE_GUEST": ELF,
    "SV39_S_FUNC_VA": "%#x" % (syms["s_func"] + KVA_OFF),
    "SV39_S_FUNC_PA": "%#x" % syms["s_func"],
    "SV39_PHYS_DATA": "%#x" % syms["phys_data"],
    "SV39_AD_PAGE": "%#x" % syms["ad_page"],
    "SV39_L0": "%#x" % syms["l0"],
    "SV39_ABOVE": "%#x" % syms["above_data"],
}
script = os.path.join(common.ROOT, "tests", "integration", "gdb", "sv39_gdb.py")
with common.Rhyve(elf=ELF, smp=2) as vm:
    rc, out = common.run_gdb(script, vm, timeout=120, env=env)
    print(out)
    status = vm.wait_exit(10)
    print("rhyve exit status:", status)
    if status != 0:
        print(vm.output())
    ok = common.verdict(out) and status == 0
print("PASS" if ok else "FAIL")
sys.exit(0 if ok else 1)
