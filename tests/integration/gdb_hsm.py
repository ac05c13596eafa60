#!/usr/bin/env python3
"""gdb_hsm.py - a hart the guest has not started (SBI HSM stopped, built-in
SBI boot) under the debug server: it is listed as a thread ("not
started"), and neither continue nor a step of that very thread starts it
(vm_resume_cpu only takes it out of the debugged set); once the guest
starts it with hart_start it runs and stops like any other.  Raw RSP
client.  Exit 0 pass, 77 skip, 1 fail.
"""
import os
import sys
import time

sys.dont_write_bytecode = True     # no __pycache__ in the tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "gdb"))
import common  # noqa: E402
from common import RSP  # noqa: E402

ELF = os.path.join(common.BUILD, "guests", "gdb", "hsm.elf")
if not os.path.isfile(ELF):
    common.skip("no guest %s (make guests)" % ELF)
common.need()
S = common.symbols(ELF)
C = common.Checker()
ck = C.check
REG_PC = 32
REG_MINSTRET = 65 + 0xb02


def reg(r, vcpu, n):
    r.cmd("Hg%x" % (vcpu + 1))
    return int.from_bytes(bytes.fromhex(r.cmd("p%x" % n).decode()), "little")


def extra(r, tid):
    return bytes.fromhex(r.cmd("qThreadExtraInfo,%x" % tid).decode()).decode()


def counters(r):
    r.cmd("Hg1")
    return [r.read_u64(S["counters"] + 8 * i) for i in range(2)]


def interrupt(r):
    r.send_raw(b"\x03")
    return r.recv()


vm = common.Rhyve(smp=2, elf=ELF, bios=None)
try:
    r = RSP(vm.port)
    r.cmd("?")
    ck("qfThreadInfo lists the stopped hart too", r.cmd("qfThreadInfo") == b"m1,2")
    ck("hart 1 shown as not started", extra(r, 2) == "not started", extra(r, 2))
    pc1, in1 = reg(r, 1, REG_PC), reg(r, 1, REG_MINSTRET)
    r.send("vCont;c")
    time.sleep(0.3)
    ck("Ctrl-C -> T02", interrupt(r).startswith(b"T02"))
    c = counters(r)
    ck("hart 0 ran", c[0] > 0, c)
    ck("continue did not start hart 1", c[1] == 0 and extra(r, 2) == "not started" and
       reg(r, 1, REG_PC) == pc1 and reg(r, 1, REG_MINSTRET) == in1)
    r.send("vCont;s:2")
    time.sleep(0.3)
    rep = interrupt(r)
    ck("a step of the stopped hart does not complete", rep.startswith(b"T02"), rep)
    ck("nor start it", extra(r, 2) == "not started" and reg(r, 1, REG_MINSTRET) == in1)
    ck("hart 0 S-mode", extra(r, 1) == "stopped, S-mode", extra(r, 1))
    r.cmd("Hg1")
    r.cmd("M%x,8:%s" % (S["start_req"], (1).to_bytes(8, "little").hex()))
    r.send("vCont;c")
    time.sleep(0.3)
    interrupt(r)
    c2 = counters(r)
    ck("the guest started hart 1 with HSM: it runs", c2[1] > 0, c2)
    ck("hart 1 now shown stopped, S-mode", extra(r, 2) == "stopped, S-mode", extra(r, 2))
    time.sleep(0.2)
    ck("both frozen while stopped", counters(r) == c2)
    r.send("k")
    ck("k ends rhyve", vm.wait_exit(10) == 0)
except Exception as e:
    import traceback
    traceback.print_exc()
    ck("no exception", False, repr(e))
finally:
    vm.stop()
sys.exit(C.result())
