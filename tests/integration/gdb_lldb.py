#!/usr/bin/env python3
"""gdb_lldb.py - LLDB (lldb --batch, gdb-remote) against rhyve -S: LLDB
reads the generated target.xml (pc/sp/fp found through generic=), lists a
thread per vCPU, stops at a breakpoint hit by a worker hart, reads and
writes registers (GPR, CSR, FP), reads memory, single-steps one vCPU with
vCont;s, and kills rhyve.  Exit 0 pass, 77 skip, 1 fail.
"""
import os
import re
import subprocess
import sys

sys.dont_write_bytecode = True     # no __pycache__ in the tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "gdb"))
import common  # noqa: E402

common.need("lldb")
C = common.Checker()
ck = C.check
S = common.symbols()

with common.Rhyve() as vm:
    cmds = [
        "gdb-remote 127.0.0.1:%d" % vm.port,
        "thread list",
        "register read pc",
        "breakpoint set -a 0x%x" % S["shared_fn"],
        "continue",
        "register read pc mstatus mhartid ft0",
        "register write t3 0x1234abcd",
        "register read t3",
        "memory read --format x --size 8 --count 5 0x%x" % S["counters"],
        "breakpoint delete --force",
        "thread step-inst",
        "register read pc",
        "kill",
    ]
    args = ["lldb", "--no-lldbinit", "--batch", common.GUEST]
    for c in cmds:
        args += ["-o", c]
    try:
        p = subprocess.run(args, capture_output=True, text=True, timeout=90,
                           stdin=subprocess.DEVNULL)
        out = p.stdout + p.stderr
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode(errors="replace") + "\nTIMEOUT"
    print(out)

    def section(cmd, last=False):
        """The output of one -o command (up to the next prompt)."""
        i = (out.rfind if last else out.find)("(lldb) " + cmd + "\n")
        if i < 0:
            return ""
        j = out.find("(lldb) ", i + 7)
        return out[i:j if j >= 0 else len(out)]

    s = section("gdb-remote 127.0.0.1:%d" % vm.port)
    ck("attach: stopped at _start with SIGINT",
       "stop reason = signal SIGINT" in s and "_start" in s, s)
    s = section("thread list")
    ck("thread list: one thread per vCPU",
       all(("thread #%d: tid = 0x%04x" % (i, i)) in s for i in range(1, 6)), s)
    ck("pc read through target.xml (generic=pc)",
       "pc = 0x%016x" % S["_start"] in section("register read pc"))
    s = section("continue")
    m = re.search(r"\* thread #(\d+), stop reason = breakpoint 1\.1", s)
    ck("breakpoint hit by a worker hart", m is not None and int(m.group(1)) in (1, 2, 3), s)
    s = section("register read pc mstatus mhartid ft0")
    ck("registers: pc at the breakpoint, CSRs and FP",
       ("pc = 0x%016x" % S["shared_fn"]) in s and "mstatus =" in s and
       "mhartid =" in s and "ft0 =" in s, s)
    if m is not None:
        ck("mhartid matches the thread",
           ("mhartid = 0x%016x" % (int(m.group(1)) - 1)) in s, s)
    ck("register write", "t3 = 0x000000001234abcd" in section("register read t3"))
    ck("memory read", ("0x%x:" % S["counters"]) in section("memory read --format x --size 8 --count 5 0x%x" % S["counters"]))
    s = section("thread step-inst")
    ck("thread step-inst (vCont;s)", "instruction step into" in s, s)
    s = section("register read pc", last=True)
    ck("step moved pc by one instruction",
       any(("pc = 0x%016x" % (S["shared_fn"] + d)) in s for d in (2, 4)), s)
    st = vm.wait_exit(10)
    ck("kill ends rhyve with status 0", st == 0, st)
sys.exit(C.result())
