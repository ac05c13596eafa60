#!/usr/bin/env python3
"""linux_gdb.py - gdb-multiarch on Debian's Linux running on rhyve (4
harts, OpenSBI): attach while it runs (every hart stops), a breakpoint on a
kernel function taken from the guest's own /proc/kallsyms hit on several
harts, stepi on one hart, continue to poweroff.  The checks run inside GDB
(linux/linux_ingdb.py).  Exit 0 pass, 77 skip, 1 fail.
"""
import os
import shutil
import subprocess
import sys

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "linux"))
import guest  # noqa: E402

NCPU = 4
TIMEOUT = int(os.environ.get("RHYVE_LINUX_TIMEOUT", "400"))

if shutil.which("gdb-multiarch") is None:
    print("skip: gdb-multiarch not installed")
    sys.exit(guest.SKIP)
port = guest.free_port()

ok = False
with guest.Guest(smp=NCPU, mode="gdb", secs=5,
                 extra=("-gdb", "tcp:127.0.0.1:%d" % port)) as g:
    g.start()
    # The whole line: the console file may end in the middle of it.
    m = g.wait_for(r"RHYVE-SYM ksys_write (0x[0-9a-f]+)\r?\n", TIMEOUT)
    ready = g.wait_for(r"RHYVE-READY", TIMEOUT)
    if m is None or ready is None:
        print("the guest never got ready:\n" + g.console()[-3000:])
    else:
        print("ksys_write at %s" % m.group(1))
        env = dict(os.environ, RHYVE_GDB_PORT=str(port), RHYVE_NCPU=str(NCPU),
                   RHYVE_KSYS_WRITE=m.group(1),
                   RHYVE_GDB_LIB=os.path.join(HERE, "gdb"))
        try:
            p = subprocess.run(["gdb-multiarch", "-nx", "-batch", "-x",
                                os.path.join(HERE, "linux", "linux_ingdb.py")],
                               capture_output=True, text=True, env=env,
                               timeout=TIMEOUT, stdin=subprocess.DEVNULL)
            out = p.stdout + p.stderr
        except subprocess.TimeoutExpired as ex:
            out = str(ex.stdout or "") + "\nTIMEOUT"
        print(out)
        rc = g.wait(60)
        print("rhyve exit status:", rc)
        lines = out.splitlines()
        ok = (rc == 0 and any(l.startswith("RESULT ") for l in lines) and
              not any(l.startswith("FAIL ") for l in lines))
        bad = [l for l in g.console().splitlines() if guest.TROUBLE.search(l)]
        if bad:
            print("console trouble:\n" + "\n".join(bad[:10]))
            ok = False
        if not ok:
            print("---- console (last 40 lines) ----")
            print("\n".join(g.console().splitlines()[-40:]))
print("PASS" if ok else "FAIL")
sys.exit(0 if ok else 1)
