#!/usr/bin/env python3
"""gdb_cond_rsp.py - target-side breakpoint conditions driven by a raw GDB
remote protocol client with hand-assembled agent-expression bytecode, on
the 3-hart guest tests/guests/gdb/cond.S (every hart calls cond_fn(hart, i)
for i = 1..cond_iters):

  - qSupported offers ConditionalBreakpoints+ (BreakpointCommands+ is
    tested in gdb_dprintf_rsp.py);
  - Z0 ";X len,expr" on registers stops exactly where the condition holds,
    on the hart it names, while the false hits went by unreported
    (monitor info counts them);
  - a condition on memory (ref64), one on Z1 (hwbreak);
  - several conditions are OR-ed; a Z0 with a new list replaces the old
    one and a single z0 removes the breakpoint;
  - an evaluation error (unreadable memory) stops as a true condition;
  - an always-false condition lets the guest finish (W00) with every call
    made and nothing reported;
  - bad expressions (unknown opcode, stack underflow, jump outside, no
    end, bad hex, bad framing, commands) get an E reply and change nothing.
Exit 0 pass, 77 skip, 1 fail.
"""
import os
import sys

sys.dont_write_bytecode = True     # no __pycache__ in the tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "gdb"))
import common  # noqa: E402
from common import REG_A0, REG_A1, RSP, rcmd, u64  # noqa: E402
from common import AX_OP as OP, ax_op as op, ax_reg as reg  # noqa: E402
from common import ax_c16 as c16, ax_c64 as c64, ax_list as cond  # noqa: E402

ELF, S, C = common.rsp_test("cond")
ck = C.check
NH = 3


def eq_reg(r, v):
    return reg(r) + c16(v) + op("equal")


def a0_a1(hart, i):
    """hart == $a0 && $a1 == i"""
    return eq_reg(REG_A0, hart) + eq_reg(REG_A1, i) + op("bit_and", "end")


def cond_counts(r):
    """(evaluated, false) from monitor info."""
    for line in rcmd(r, "info").splitlines():
        if line.startswith("target-side conditions:"):
            w = line.split()
            return int(w[2]), int(w[4])
    return None


def nbps(r):
    for line in rcmd(r, "info").splitlines():
        if "breakpoint(s)" in line:
            return int(line.split()[0])
    return -1


def stop_regs(r, rep):
    """(thread, a0, a1, pc) of a T stop reply."""
    t = int(rep.split(b"thread:")[1].split(b";")[0], 16)
    r.cmd("Hg%x" % t)
    return t, u64(r.cmd("p%x" % REG_A0)), u64(r.cmd("p%x" % REG_A1)), \
        u64(r.cmd("p20"))


def main():
    fn = S["cond_fn"]
    with common.Rhyve(elf=ELF, smp=NH) as vm:
        r = RSP(vm.port)
        sup = r.cmd("qSupported:multiprocess+;swbreak+;hwbreak+")
        ck("qSupported: ConditionalBreakpoints+", b"ConditionalBreakpoints+" in sup, sup)
        ck("qSupported: BreakpointCommands+ (gdb_dprintf_rsp.py)",
           b"BreakpointCommands+" in sup, sup)
        r.noack()
        r.cmd("?")
        # a long run, so that the guest is still going at every stop below
        r.cmd("M%x,8:%s" % (S["cond_iters"], (10 ** 9).to_bytes(8, "little").hex()))

        # -- bad expressions: E reply, no breakpoint ------------------------
        bad = {
            "unknown opcode": cond(bytes([0x01, OP["end"]])),
            "trace opcode": cond(bytes([0x22, 1, 0x0c, 0x27])),
            "stack underflow": cond(op("add", "end")),
            "end on an empty stack": cond(op("end")),
            "jump outside": cond(bytes([0x22, 1, 0x20, 0x00, 0x40, 0x22, 0, 0x27])),
            "jump into an operand": cond(bytes([0x22, 1, 0x20, 0x00, 0x01, 0x22, 0, 0x27])),
            "runs off the end": cond(bytes([0x22, 1])),
            "operand past the end": cond(bytes([0x25, 1, 2])),
            "loop growing the stack": cond(bytes([0x22, 1, 0x21, 0x00, 0x00])),
            "stack overflow": cond(bytes([0x22, 1] * 70 + [0x27])),
            "bad hex": "X2,zz27",
            "short hex": "X4,2227",
            "no X": "2227",
            "zero length": "X0,",
            "bad commands": cond(bytes([0x22, 1, 0x27])) + ";cmds:0,X1,00",
            "empty list": "",
        }
        for name, cl in bad.items():
            rep = r.cmd("Z0,%x,4;%s" % (fn, cl))
            ck("bad expression refused: %s" % name, rep.startswith(b"E"), rep)
        ck("condition on a watchpoint refused",
           r.cmd("Z2,%x,8;%s" % (S["cond_calls"], cond(bytes([0x22, 1, 0x27])))).startswith(b"E"))
        ck("no breakpoint left by the refusals", nbps(r) == 0)
        ck("server still answers", r.cmd("?").startswith(b"T"))

        # -- a register condition --------------------------------------------
        ck("Z0 with a condition: OK",
           r.cmd("Z0,%x,4;%s" % (fn, cond(a0_a1(1, 1000)))) == b"OK")
        calls0 = r.read_u64(S["cond_calls"])
        rep = r.cmd("vCont;c", timeout=60)
        t, a0, a1, pc = stop_regs(r, rep)
        ck("stops on hart 1 at call 1000", (t, a0, a1, pc) == (2, 1, 1000, fn),
           "%r thread %d a0 %d a1 %d pc %#x" % (rep, t, a0, a1, pc))
        ck("stop reply says swbreak", b"swbreak" in rep, rep)
        calls = r.read_u64(S["cond_calls"])
        ck("the false hits went by", calls - calls0 >= 999, "%d calls" % (calls - calls0))
        ev = cond_counts(r)
        ck("monitor info counts evaluations", ev is not None and ev[0] >= 999 and
           ev[1] == ev[0] - 1, ev)

        # -- a memory condition (iters[2] == N && a0 == 2) -------------------
        it2 = r.read_u64(S["iters"] + 16)
        want = it2 + 500
        code = (c64(S["iters"] + 16) + op("ref64") + c64(want) + op("equal") +
                eq_reg(REG_A0, 2) + op("bit_and", "end"))
        ck("Z0 again replaces the condition", r.cmd("Z0,%x,4;%s" % (fn, cond(code))) == b"OK")
        rep = r.cmd("vCont;c", timeout=60)
        t, a0, a1, pc = stop_regs(r, rep)
        ck("memory condition: stops on hart 2 at its call %d" % want,
           (t, a0, a1) == (3, 2, want), "thread %d a0 %d a1 %d" % (t, a0, a1))

        # -- OR of two conditions; one z0 removes a replaced breakpoint ------
        i0 = [r.read_u64(S["iters"] + 8 * h) for h in range(NH)]
        c_a = a0_a1(0, i0[0] + 300)
        c_b = a0_a1(1, i0[1] + 300)
        ck("two conditions: OK", r.cmd("Z0,%x,4;%s%s" % (fn, cond(c_a), cond(c_b))) == b"OK")
        rep = r.cmd("vCont;c", timeout=60)
        t, a0, a1, pc = stop_regs(r, rep)
        ck("either condition stops", (t, a0, a1) in ((1, 0, i0[0] + 300), (2, 1, i0[1] + 300)),
           "thread %d a0 %d a1 %d" % (t, a0, a1))
        ck("z0 once removes it", r.cmd("z0,%x,4" % fn) == b"OK" and nbps(r) == 0)

        # -- Z1 with a condition ---------------------------------------------
        i0 = r.read_u64(S["iters"])
        ck("Z1 with a condition: OK",
           r.cmd("Z1,%x,4;%s" % (fn, cond(a0_a1(0, i0 + 100)))) == b"OK")
        rep = r.cmd("vCont;c", timeout=60)
        t, a0, a1, pc = stop_regs(r, rep)
        ck("Z1: stops where it holds, hwbreak", (t, a0, a1) == (1, 0, i0 + 100) and
           b"hwbreak" in rep, "%r a0 %d a1 %d" % (rep, a0, a1))
        ck("z1 removes it", r.cmd("z1,%x,4" % fn) == b"OK")

        # -- an evaluation error stops (unmapped address) --------------------
        code = c64(0x10) + op("ref64", "end")
        ck("unreadable-memory condition accepted", r.cmd("Z0,%x,4;%s" % (fn, cond(code))) == b"OK")
        ev0 = cond_counts(r)
        rep = r.cmd("vCont;c", timeout=60)
        ck("an evaluation error stops", rep.startswith(b"T05") and b"swbreak" in rep, rep)
        ev1 = cond_counts(r)
        ck("...and is not counted as false", ev1[1] == ev0[1], (ev0, ev1))
        r.cmd("z0,%x,4" % fn)

        # -- a runaway loop is cut short and stops like an error -------------
        ck("endless loop accepted (bounded at run time)",
           r.cmd("Z0,%x,4;%s" % (fn, cond(bytes([0x21, 0, 0])))) == b"OK")
        rep = r.cmd("vCont;c", timeout=60)
        ck("a runaway loop stops", rep.startswith(b"T05"), rep)
        r.cmd("z0,%x,4" % fn)

        # -- always false: the guest finishes, nothing reported ---------------
        left = [r.read_u64(S["iters"] + 8 * h) for h in range(NH)]
        n = max(left) + 20000
        r.cmd("M%x,8:%s" % (S["cond_iters"], n.to_bytes(8, "little").hex()))
        never = eq_reg(REG_A0, 99) + op("end")
        ck("Z0 always false: OK", r.cmd("Z0,%x,4;%s" % (fn, cond(never))) == b"OK")
        rep = r.cmd("vCont;c", timeout=120)
        ck("always false: the guest finishes (W00)", rep == b"W00", rep)
        ck("rhyve exits 0", vm.wait_exit(20) == 0)
        r.close()
    return C.result()


sys.exit(main())
