#!/usr/bin/env python3
"""gdb_nonstop.py - real gdb-multiarch in non-stop mode (`set non-stop on`)
against rhyve -S on the 5-hart debug guest: attach with every vCPU
stopped, `info threads` with running and stopped vCPUs side by side,
`continue -a &`, `interrupt -a`, `thread N` + `continue &` running only
that vCPU, `interrupt`, a breakpoint (and a target-side hit condition)
stopping only the vCPU that meets it while the others go on counting,
registers and memory of a stopped vCPU read while others run, stepi of
one vCPU among running ones, detach (everything runs), then a reconnect
in all-stop that still stops every vCPU, and a poweroff reported as an
exit.  The checks live in gdb/nonstop_gdb.py, run inside GDB (not in
-batch: non-stop needs GDB's event loop, so GDB keeps an open stdin and
the script ends GDB itself).
Exit 0 pass, 77 skip, 1 fail.
"""
import os
import subprocess
import sys
import threading

sys.dont_write_bytecode = True     # no __pycache__ in the tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "gdb"))
import common  # noqa: E402

common.need("gdb-multiarch")
script = os.path.join(common.ROOT, "tests", "integration", "gdb", "nonstop_gdb.py")
TIMEOUT = 240

with common.Rhyve() as vm:
    env = dict(os.environ, RHYVE_GDB_PORT=str(vm.port),
               RHYVE_GUEST=common.GUEST,
               RHYVE_GDB_LIB=os.path.dirname(common.__file__))
    p = subprocess.Popen(["gdb-multiarch", "-nx", "-q", "-x", script],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, env=env)
    # stdin stays open (EOF would quit GDB); the script exits GDB itself
    chunks = []
    reader = threading.Thread(target=lambda: chunks.append(p.stdout.read()))
    reader.start()
    try:
        p.wait(timeout=TIMEOUT)
        late = ""
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        late = "\nTIMEOUT after %ds" % TIMEOUT
    reader.join()
    p.stdin.close()
    out = b"".join(chunks).decode(errors="replace") + late
    print(out)
    status = vm.wait_exit(10)
    print("rhyve exit status:", status)
    if status is None:
        print(vm.output())
    ok = common.verdict(out) and p.returncode == 0 and status == 0
print("PASS" if ok else "FAIL")
sys.exit(0 if ok else 1)
