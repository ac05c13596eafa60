#!/usr/bin/env python3
"""gdb_dprintf_rsp.py - target-side breakpoint commands (BreakpointCommands,
what GDB sends for dprintf with "set dprintf-style agent") driven by a raw
GDB remote protocol client with hand-assembled printf bytecode, on the
3-hart guest tests/guests/gdb/cond.S (every hart calls cond_fn(hart, i)
for i = 1..cond_iters):

  - qSupported offers BreakpointCommands+;
  - Z0 ";cmds:0,X..." prints without stopping: 'O' packets (ack mode and
    no-ack mode) carry one line per hit with the right values, all before
    the stop reply of a later ordinary breakpoint, and the guest goes on;
  - with a condition (";X...;cmds:..."), only the hits where it holds print;
  - a command that fails (unreadable memory) prints a message, no stop;
  - a Z0 without commands at that address makes it an ordinary breakpoint;
  - bad commands (printf in a condition, arguments and conversions that
    disagree, %f, %n, '*', an unknown escape, no NUL, stack underflow, bad
    persist, an empty list, commands on a watchpoint) get an E reply;
  - persist: after a detach, "cmds:1" commands go on printing (on rhyve's
    stderr, nobody to send 'O' to) and "cmds:0" ones are gone.
Exit 0 pass, 77 skip, 1 fail.
"""
import os
import struct
import sys
import time

sys.dont_write_bytecode = True     # no __pycache__ in the tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "gdb"))
import common  # noqa: E402
from common import REG_A0, REG_A1, RSP, rcmd  # noqa: E402
from common import ax_c8 as c8, ax_c16 as c16, ax_reg as reg  # noqa: E402
from common import ax_list as X  # noqa: E402

ELF, S, C = common.rsp_test("cond")
ck = C.check


def printf(fmt, *args):
    """GDB's form: args last-first, channel, function, printf, end."""
    code = b"".join(reversed(args)) + c8(0) + c8(0)
    f = fmt.encode() + b"\0"
    return code + bytes([0x34, len(args)]) + struct.pack(">H", len(f)) + f + b"\x27"


def a1_le(n):           # $a1 <= n  ==  !(n < $a1)
    return c16(n) + reg(REG_A1) + b"\x14\x0e\x27"


def set_iters(r, n):
    r.cmd("M%x,8:%s" % (S["cond_iters"], n.to_bytes(8, "little").hex()))


def until_stop(r, timeout=60):
    """The text of the 'O' packets before the next other packet, and it."""
    text = b""
    while True:
        p = r.recv(timeout)
        if p.startswith(b"O") and p != b"OK":
            text += bytes.fromhex(p[1:].decode())
        else:
            return text.decode(errors="replace"), p


HI = printf("h%d i%d\\n", reg(REG_A0), reg(REG_A1))
fn = S["cond_fn"]

# ---- ack mode: dprintf on every call, then an ordinary stop at the end ------
with common.Rhyve(elf=ELF, smp=3) as vm:
    r = RSP(vm.port)
    sup = r.cmd("qSupported:multiprocess+;swbreak+;hwbreak+")
    ck("qSupported: BreakpointCommands+", b"BreakpointCommands+" in sup, sup)
    r.cmd("?")
    bad = {
        "printf in a condition": "%s" % X(printf("x")),
        "two arguments, one conversion":
            "cmds:0,%s" % X(printf("%d", reg(1), reg(2))),
        "one argument, two conversions":
            "cmds:0,%s" % X(printf("%d", reg(1)).replace(b"%d", b"%d%d").replace(
                b"\x00\x03%d%d", b"\x00\x05%d%d")),
        "%f": "cmds:0,%s" % X(printf("%f", reg(1))),
        "%n": "cmds:0,%s" % X(printf("%n", reg(1))),
        "star width": "cmds:0,%s" % X(printf("%*d", reg(1))),
        "unknown escape": "cmds:0,%s" % X(printf("\\q")),
        "no NUL": "cmds:0,%s" % X(printf("ab")[:-2] + b"\x27"),
        "stack underflow": "cmds:0,%s" % X(b"\x22\x00\x34\x00\x00\x01\x00\x27"),
        "persist 2": "cmds:2,%s" % X(printf("x")),
        "no persist": "cmds:%s" % X(printf("x")),
        "empty list": "cmds:0,",
        "unknown opcode": "cmds:0,%s" % X(b"\x01\x27"),
        "junk before cmds": "X1,27cmds:0,%s" % X(printf("x")),
    }
    for name, tail in bad.items():
        rep = r.cmd("Z0,%x,4;%s" % (fn, tail))
        ck("refused: %s" % name, rep.startswith(b"E"), rep)
    ck("refused: commands on a watchpoint",
       r.cmd("Z2,%x,8;cmds:0,%s" % (S["cond_calls"], X(printf("x")))).startswith(b"E"))
    ck("nothing inserted by the refusals", "0 breakpoint(s)" in rcmd(r, "info"))

    set_iters(r, 40)
    ck("Z0 with commands: OK", r.cmd("Z0,%x,4;cmds:0,%s" % (fn, X(HI))) == b"OK")
    ck("Z0 at cond_exit: OK", r.cmd("Z0,%x,4" % S["cond_exit"]) == b"OK")
    r.send("vCont;c")
    text, stop = until_stop(r)
    ck("the first stop is the ordinary breakpoint at cond_exit",
       stop.startswith(b"T05") and b"swbreak" in stop, stop)
    want = sorted("h%d i%d" % (h, i) for h in range(3) for i in range(1, 41))
    got = text.splitlines()
    ck("one line per call, values right, all before the stop reply (ack mode)",
       sorted(got) == want, "%d lines %r" % (len(got), got[:3]))
    info = rcmd(r, "info")
    ck("monitor info counts 120 hits that ran commands",
       "target-side commands: 120 hits" in info, info)
    ck("the guest made every call", r.read_u64(S["cond_calls"]) == 120)
    r.cmd("D")
    r.close()
    ck("the guest then powers off (exit 0)", vm.wait_exit(20) == 0)

# ---- no-ack mode: a condition, a failing command, replacement, persist ------
with common.Rhyve(elf=ELF, smp=3) as vm:
    r = RSP(vm.port)
    r.cmd("qSupported:swbreak+;hwbreak+")
    r.noack()
    r.cmd("?")
    set_iters(r, 10 ** 9)
    # condition $a1 <= 30, and a command that reads unmapped memory
    badref = c16(0x10) + b"\x1a" + b"\x29" + b"\x27"   # ref64 of 0x10, pop
    ck("Z0 with a condition and two commands: OK",
       r.cmd("Z0,%x,4;%s;cmds:0,%s%s" % (fn, X(a1_le(30)), X(HI), X(badref)))
       == b"OK")
    ck("Z0 at cond_loop with commands and persist: OK",
       r.cmd("Z0,%x,4;cmds:1,%s" % (S["cond_loop"], X(printf("loop\\n")))) == b"OK")
    r.send("vCont;c")
    time.sleep(1.0)
    r.send_raw(b"\x03")
    text, stop = until_stop(r)
    ck("only the Ctrl-C stopped the guest", stop.startswith(b"T02"), stop)
    lines = text.splitlines()
    hi = sorted(l for l in lines if l.startswith("h"))
    ck("condition: only the 90 hits with $a1 <= 30 printed",
       hi == sorted("h%d i%d" % (h, i) for h in range(3) for i in range(1, 31)),
       "%d lines" % len(hi))
    errs = [l for l in lines if "breakpoint command 1" in l]
    ck("the failing command printed its error 90 times, no stop",
       len(errs) == 90 and "memory not readable" in errs[0], str(errs[:1]))
    ck("the persistent command printed too", lines.count("loop") > 90,
       str(lines.count("loop")))
    # a Z0 without commands replaces them: an ordinary breakpoint again
    ck("Z0 without commands: OK", r.cmd("Z0,%x,4" % fn) == b"OK")
    r.cmd("z0,%x,4" % S["cond_loop"])
    r.cmd("Z0,%x,4;cmds:1,%s" % (S["cond_loop"], X(printf("loop\\n"))))
    r.send("vCont;c")
    text, stop = until_stop(r)
    ck("the replaced breakpoint stops at cond_fn",
       stop.startswith(b"T05") and b"swbreak" in stop, stop)
    # persist: detach; cond_loop's commands go on, on rhyve's stderr
    r.cmd("z0,%x,4" % fn)
    r.cmd("Z0,%x,4;cmds:0,%s" % (fn, X(printf("gone\\n"))))
    set_iters(r, max(r.read_u64(S["iters"] + 8 * h) for h in range(3)) + 25)
    r.cmd("D")
    r.close()
    status = vm.wait_exit(20)
    out = vm.output()
    ck("after the detach the guest powers off (exit 0)", status == 0, str(status))
    ck("persist:1 commands printed on rhyve's stderr after the detach",
       out.count("loop\n") >= 25, "%d loop lines" % out.count("loop\n"))
    ck("persist:0 commands went with the debugger", "gone" not in out)

sys.exit(C.result())
