#!/usr/bin/env python3
"""gdb_session.py - rhyve's debug server driven by a raw GDB remote
protocol client (Python stdlib): what gdb-multiarch cannot show exactly.

  - -S runs nothing (pc at _start, minstret 0 on every hart);
  - vCont;s steps exactly one instruction on one vCPU, the rest stay put;
    vCont;c:N runs only N; Ctrl-C (0x03) stops all;
  - events that happen together are queued and reported one at a time
    without running anything; one whose breakpoint was removed is dropped;
  - Z0/Z1 stop replies say swbreak/hwbreak, Z2 says watch: before the store;
  - memory: m/M/x/X (binary with escapes), MMIO refused, phys mode;
  - monitor commands (help, info, hart, suspend/resume, phys, step-irq);
  - hostile input: bad checksums, oversized, truncated, garbage, bad
    arguments -> error replies or dropped packets, never a crash;
  - one debugger at a time, detach leaves the guest running, reconnect,
    kill ends rhyve;
  - a Unix socket (mode 0600, removed at exit), attach to a running guest
    stops it, a guest poweroff is reported as W00.
Exit 0 pass, 77 skip, 1 fail.
"""
import os
import random
import re
import socket
import stat
import sys
import time

sys.dont_write_bytecode = True     # no __pycache__ in the tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "gdb"))
import common  # noqa: E402
from common import REG_PC, RSP, u64  # noqa: E402

_, S, C = common.rsp_test()      # the default guest, common.Rhyve's
ck = C.check
REG_MINSTRET = 65 + 0xb02
REG_PRIV = 65 + 4096


def reg(r, vcpu, n):
    r.cmd("Hg%x" % (vcpu + 1))
    return u64(r.cmd("p%x" % n))


def counters(r):
    return [r.read_u64(S["counters"] + 8 * i) for i in range(5)]


def stop_all(r):
    r.send_raw(b"\x03")
    return r.recv()


def run_for(r, cmd, sec):
    r.send(cmd)
    time.sleep(sec)
    return stop_all(r)


def rcmd(r, text):
    reply = r.cmd("qRcmd," + text.encode().hex())
    if reply == b"OK":
        return ""
    try:
        return bytes.fromhex(reply.decode()).decode()
    except ValueError:
        return "<bad reply %r>" % reply


def closed_soon(sock, sec=3.0):
    sock.settimeout(sec)
    try:
        return sock.recv(16) == b""
    except (socket.timeout, ConnectionError):
        return False


def session_tcp():
    vm = common.Rhyve()
    try:
        r = RSP(vm.port)
        sup = r.cmd("qSupported:multiprocess+;swbreak+;hwbreak+")
        feats = dict(f.split("=") for f in sup.decode().split(";") if "=" in f)
        ck("qSupported: PacketSize >= 128 KiB",
           int(feats.get("PacketSize", "0"), 16) >= 0x20000, sup)
        ck("qSupported: features", all(f in sup for f in (
            b"swbreak+", b"hwbreak+", b"qXfer:features:read+",
            b"qXfer:threads:read+", b"QStartNoAckMode+", b"vContSupported+")))
        ck("qSupported: no multiprocess", b"multiprocess" not in sup)
        ck("? after attach is T02", r.cmd("?").startswith(b"T02thread:"))
        ck("qfThreadInfo lists every vCPU", r.cmd("qfThreadInfo") == b"m1,2,3,4,5")
        ck("qsThreadInfo ends the list", r.cmd("qsThreadInfo") == b"l")
        ck("qAttached is 1", r.cmd("qAttached") == b"1")
        ck("vMustReplyEmpty is empty", r.cmd("vMustReplyEmpty") == b"")
        ck("vCont? lists c C s S", all(a in r.cmd("vCont?") for a in (b";c", b";C", b";s", b";S")))
        xml = r.cmd("qXfer:features:read:target.xml:0,fffff")
        ck("target.xml complete in one read", xml.startswith(b"l<?xml"))
        ck("target.xml: rv64, cpu/fpu/csr/virtual features", all(x in xml for x in (
            b"riscv:rv64", b"org.gnu.gdb.riscv.cpu", b"org.gnu.gdb.riscv.fpu",
            b"org.gnu.gdb.riscv.csr", b"org.gnu.gdb.riscv.virtual",
            b'name="mstatus"', b'regnum="%d"' % (65 + 0x300), b'name="priv"')))
        part = r.cmd("qXfer:features:read:target.xml:0,20")
        ck("qXfer in pieces: 'm' and 32 bytes", part[:1] == b"m" and len(part) == 33)
        ck("qXfer: unknown annex is an error", r.cmd("qXfer:features:read:foo.xml:0,100").startswith(b"E"))
        thr = r.cmd("qXfer:threads:read::0,fffff")
        ck("qXfer:threads: names and cores",
           thr.startswith(b"l") and b'name="hart 4"' in thr and b'core="4"' in thr)
        extra = bytes.fromhex(r.cmd("qThreadExtraInfo,2").decode())
        ck("qThreadExtraInfo: stopped, M-mode", extra == b"stopped, M-mode", extra)

        # ---- -S: nothing ran ----
        ck("-S: every pc at _start",
           all(reg(r, i, REG_PC) == S["_start"] for i in range(5)))
        ck("-S: minstret 0 on every hart",
           all(reg(r, i, REG_MINSTRET) == 0 for i in range(5)))
        ck("priv register is M", reg(r, 0, REG_PRIV) == 3)
        g = r.cmd("g")
        ck("g: x0..x31, pc, f0..f31", len(g) == 65 * 16, len(g))
        r.cmd("Hg1")
        ck("g: pc at offset 32", u64(g[32 * 16:33 * 16]) == S["_start"])

        # ---- exact stepping: one instruction on one vCPU ----
        before = [reg(r, i, REG_MINSTRET) for i in range(5)]
        pc0 = reg(r, 1, REG_PC)
        rep = r.cmd("vCont;s:2")
        ck("vCont;s:2 -> T05 thread 2", rep.startswith(b"T05thread:2;"), rep)
        after = [reg(r, i, REG_MINSTRET) for i in range(5)]
        ck("vCont;s: exactly one instruction on that vCPU only",
           after == [before[0], before[1] + 1] + before[2:], "%s %s" % (before, after))
        ck("vCont;s: pc moved by one instruction", reg(r, 1, REG_PC) - pc0 in (2, 4))
        r.cmd("Hc3")
        rep = r.cmd("s")
        ck("Hc3 + s steps thread 3", rep.startswith(b"T05thread:3;"), rep)
        after2 = [reg(r, i, REG_MINSTRET) for i in range(5)]
        ck("s: one instruction on hart 2 only",
           after2 == after[:2] + [after[2] + 1] + after[3:], "%s %s" % (after, after2))
        r.cmd("Hc0")
        for i in range(50):
            r.cmd("vCont;s:1")
        ck("50 steps: 50 instructions", reg(r, 0, REG_MINSTRET) == after2[0] + 50)

        # ---- per-thread continue ----
        c0 = counters(r)
        rep = run_for(r, "vCont;c:1", 0.3)
        ck("Ctrl-C -> T02", rep.startswith(b"T02"), rep)
        c1 = counters(r)
        ck("vCont;c:1 runs only hart 0", c1[0] > c0[0] and c1[1:] == c0[1:],
           "%s -> %s" % (c0, c1))
        rep = r.cmd("vCont;s:2;c")
        ck("vCont;s:2;c -> the step reports", rep.startswith(b"T05thread:2;"), rep)
        rep = run_for(r, "vCont;c", 0.3)
        c2 = counters(r)
        ck("vCont;c runs every worker", all(c2[i] > c1[i] for i in range(3)))
        time.sleep(0.2)
        ck("Ctrl-C stopped everything (counters frozen)", counters(r) == c2)

        # ---- queued events: two harts at one breakpoint ----
        # Harts 0 and 2 are put at shared_fn and released together.  When
        # both hit before the stop completes, the second event is queued
        # and the next resume reports it without running anything.  When
        # one is stopped before its hit, the next resume lets it hit then.
        ck("Z0 -> OK", r.cmd("Z0,%x,2" % S["shared_fn"]) == b"OK")
        ck("second Z0 at the same address -> OK", r.cmd("Z0,%x,2" % S["shared_fn"]) == b"OK")
        ck("z0 drops one reference", r.cmd("z0,%x,2" % S["shared_fn"]) == b"OK")
        queued = 0
        always_both = True
        for attempt in range(40):
            for v in (0, 2):
                # step off the breakpoint first: the vmm passes a
                # breakpoint once after reporting it, at that pc
                for _ in range(3):
                    # a hart still at the breakpoint reports it first
                    if b"swbreak" not in r.cmd("vCont;s:%x" % (v + 1)):
                        break
                r.cmd("Hg%x" % (v + 1))
                r.cmd("P%x=%s" % (REG_PC, S["shared_fn"].to_bytes(8, "little").hex()))
            ins = [reg(r, i, REG_MINSTRET) for i in range(5)]
            rep1 = r.cmd("vCont;c:1;c:3")
            ins1 = [reg(r, i, REG_MINSTRET) for i in range(5)]
            rep2 = r.cmd("vCont;c:1;c:3")
            ins2 = [reg(r, i, REG_MINSTRET) for i in range(5)]
            thr1, thr2 = rep1.split(b";")[0], rep2.split(b";")[0]
            names = {b"T05thread:1": 0, b"T05thread:3": 2}
            h1, h2 = names.get(thr1), names.get(thr2)
            # A hart sitting at the breakpoint never gets past it without
            # its hit being reported: either it was reported, or it has
            # not executed anything (it was stopped before its first
            # instruction, which is the breakpoint).
            both = (b"swbreak:" in rep1 and b"swbreak:" in rep2 and
                    h1 is not None and h2 is not None and
                    ins1[h1] == ins[h1] and
                    all(ins2[h] == ins[h] for h in (0, 2) if h != h1))
            always_both = always_both and both
            if os.environ.get("RHYVE_GDB_VERBOSE"):
                print(attempt, rep1, rep2, ins, ins1, ins2)
            if both and h2 != h1 and ins2 == ins1:
                queued += 1
            if queued >= 3:
                break
        ck("no hart got past the breakpoint without its hit reported", always_both)
        ck("a hit queued while another was reported is reported next, running nothing",
           queued >= 1, "queued %d of %d" % (queued, attempt + 1))
        print("queued reports: %d of %d attempts" % (queued, attempt + 1))
        # both again at the breakpoint, this time remove it: dropped
        for v in (0, 2):
            r.cmd("Hg%x" % (v + 1))
            r.cmd("P%x=%s" % (REG_PC, S["shared_fn"].to_bytes(8, "little").hex()))
        r.cmd("vCont;c")
        ck("z0 removes", r.cmd("z0,%x,2" % S["shared_fn"]) == b"OK")
        ck("z0 of a removed breakpoint is an error", r.cmd("z0,%x,2" % S["shared_fn"]).startswith(b"E"))
        rep = run_for(r, "vCont;c", 0.2)
        ck("a queued event whose breakpoint was removed is dropped", rep.startswith(b"T02"), rep)
        ck("Z1 -> OK", r.cmd("Z1,%x,2" % S["worker_loop"]) == b"OK")
        rep = r.cmd("vCont;c")
        ck("Z1 hit -> hwbreak", b"hwbreak:" in rep, rep)
        r.cmd("z1,%x,2" % S["worker_loop"])
        # watchpoint: the stop comes before the store
        wv = S["watch_var"]
        ck("Z2 -> OK", r.cmd("Z2,%x,8" % wv) == b"OK")
        rep = r.cmd("vCont;c")
        ck("Z2 hit -> watch:ADDR in thread 2",
           rep.startswith(b"T05thread:2;") and (b"watch:%x;" % wv) in rep, rep)
        old = r.read_u64(wv)
        ck("watch stop is before the store",
           reg(r, 1, REG_PC) == S["watch_store"] and old != r.read_u64(S["counters"] + 8))
        rep = r.cmd("vCont;s:2")
        ck("resuming executes the store", r.read_u64(wv) == r.read_u64(S["counters"] + 8) and
           reg(r, 1, REG_PC) == S["watch_store_done"], rep)
        r.cmd("z2,%x,8" % wv)
        ck("Z3 -> OK", r.cmd("Z3,%x,8" % wv) == b"OK")
        rep = r.cmd("vCont;c")
        ck("Z3 hit -> rwatch: in thread 3", rep.startswith(b"T05thread:3;") and b"rwatch:" in rep, rep)
        r.cmd("z3,%x,8" % wv)
        ck("Z4 -> OK", r.cmd("Z4,%x,8" % wv) == b"OK")
        rep = r.cmd("vCont;c")
        ck("Z4 hit -> awatch:", b"awatch:" in rep, rep)
        r.cmd("z4,%x,8" % wv)
        many = [r.cmd("Z0,%x,4" % (S["_start"] + 0x400 + 4 * i)) for i in range(100)]
        ck("100 breakpoints accepted", all(m == b"OK" for m in many))
        ck("and removed", all(r.cmd("z0,%x,4" % (S["_start"] + 0x400 + 4 * i)) == b"OK" for i in range(100)))

        # ---- memory ----
        r.cmd("Hg1")
        blk = r.cmd("m%x,400" % S["_start"])
        ck("m of 1 KiB", len(blk) == 2048)
        xb = r.cmd("x%x,400" % S["_start"])
        ck("x returns the same bytes in binary", xb == bytes.fromhex(blk.decode()))
        ck("M writes", r.cmd("M%x,8:%s" % (S["counters"] + 32, (0x1122334455667788).to_bytes(8, "little").hex())) == b"OK")
        ck("... and m reads it back", r.read_u64(S["counters"] + 32) == 0x1122334455667788)
        data = bytes([0x23, 0x24, 0x7d, 0x2a, 0x03, 0x00, 0xff, 0x7d])
        esc = bytearray()
        for b in data:
            if b in (0x23, 0x24, 0x7d, 0x2a):
                esc += bytes([0x7d, b ^ 0x20])
            else:
                esc.append(b)
        r.send(b"X%x,8:" % (S["counters"] + 32) + bytes(esc))
        ck("X binary write with escapes", r.recv() == b"OK")
        ck("... and x reads it back", r.cmd("x%x,8" % (S["counters"] + 32)) == data)
        ck("m of MMIO refused", r.cmd("m10000000,4").startswith(b"E"))
        ck("m outside RAM refused", r.cmd("m0,4").startswith(b"E"))
        ck("M to MMIO refused", r.cmd("M10000000,1:41").startswith(b"E"))
        big = r.cmd("m%x,100000" % S["_start"])
        ck("oversized m clipped to the packet size", 0 < len(big) <= 0x20000)

        # ---- monitor ----
        ck("monitor help", "step-irq" in rcmd(r, "help") and "phys" in rcmd(r, "help"))
        info = rcmd(r, "info")
        ck("monitor info: every hart", all(("hart %d" % i) in info for i in range(5)), info)
        ck("monitor hart 1: CSRs", "mstatus" in rcmd(r, "hart 1"))
        one = re.search(r"\((\d+) run one at a time", rcmd(r, "hart 1"))
        ck("monitor hart 1: its steps ran one at a time",
           one is not None and int(one.group(1)) >= 1, one and one.group(0))
        ck("monitor hart 9: refused", "expected" in rcmd(r, "hart 9"))
        ck("monitor suspend 2", "stay stopped" in rcmd(r, "suspend 2"))
        c0 = counters(r)
        run_for(r, "vCont;c", 0.3)
        c1 = counters(r)
        ck("suspended hart stays stopped on continue", c1[2] == c0[2] and c1[0] > c0[0], "%s %s" % (c0, c1))
        ck("thread shows held", b"held" in bytes.fromhex(r.cmd("qThreadExtraInfo,3").decode()))
        rcmd(r, "resume 2")
        run_for(r, "vCont;c", 0.3)
        ck("resumed hart runs again", counters(r)[2] > c1[2])
        ck("monitor phys on", "physical" in rcmd(r, "phys on"))
        ck("phys read", r.read_u64(S["counters"] + 32) == int.from_bytes(data, "little"))
        rcmd(r, "phys off")
        ck("monitor step-irq on/off", "taken" in rcmd(r, "step-irq on") and "masked" in rcmd(r, "step-irq off"))
        ck("monitor unknown", "unknown" in rcmd(r, "frobnicate"))

        # ---- hostile input ----
        r.send_raw(b"$m0,4#00")
        r.s.settimeout(3)
        nack = r.s.recv(1)
        ck("bad checksum -> '-'", nack == b"-", nack)
        r.send_raw(b"\x00\xffgarbage\r\n##$$}*")
        r.send_raw(b"$" + b"A" * 0x30000 + b"#%02x" % ((0x41 * 0x30000) & 0xff))
        rep = r.recv()
        ck("oversized packet -> error", rep.startswith(b"E"), rep)
        r.send_raw(b"$m0,4")      # truncated, then a new packet
        ck("truncated packet dropped, next one served", r.cmd("qAttached") == b"1")
        for bad in ("mzz,4", "m1", "M0,4:zz", "X0,5:ab", "Z0,zz", "Z9,0,4", "p99999",
                    "pzz", "P1=zz", "Gabc", "Hg99", "Hx1", "vCont;x", "vCont;c:99",
                    "T99", "qRcmd,zz", "qThreadExtraInfo,99", "qXfer:threads:read::zz",
                    "Z2,%x,0" % S["watch_var"], "c zz"):
            rep = r.cmd(bad)
            ck("bad packet %r -> error or empty" % bad, rep == b"" or rep.startswith(b"E"), rep)
        ck("unknown packet -> empty", r.cmd("qFrobnicate") == b"" and r.cmd("Y") == b"")
        rnd = random.Random(7)
        junk = bytes(rnd.choice(b"$#}*+-0123456789abcdefmgpZ,:;x\x03") for _ in range(20000))
        r.send_raw(junk.replace(b"\x03", b""))
        r.send_raw(b"#00")
        time.sleep(0.2)
        r.buf = b""
        try:
            r.s.settimeout(0.3)
            while r.s.recv(65536):
                pass
        except (socket.timeout, BlockingIOError):
            pass
        ck("still answers after a garbage storm", r.cmd("qAttached", timeout=5) == b"1")
        # structured fuzzing: random arguments to every packet that does
        # not resume, detach or kill; each must get a reply
        def rhex(n):
            return "".join(rnd.choice("0123456789abcdefABCDEFxz-,:;") for _ in range(n))
        answered = 0
        for i in range(3000):
            kind = rnd.choice(["m", "x", "p", "P", "g", "G", "Z", "z", "H", "T",
                               "qThreadExtraInfo,", "qXfer:features:read:target.xml:",
                               "qXfer:threads:read::", "qRcmd,", "vCont?", "q", "Q", "v"])
            if kind in ("m", "x"):
                pkt = "%s%x,%x" % (kind, rnd.choice([0, S["counters"], 0x10000000,
                                                     rnd.getrandbits(64)]), rnd.getrandbits(rnd.choice([4, 20, 64])))
            elif kind == "P":
                pkt = "P%x=%s" % (rnd.choice([0, 5, 33, 66, 65 + 0x340, 65 + 0x7c0, 4162, rnd.getrandbits(16)]),
                                  "%016x" % rnd.getrandbits(64) if rnd.random() < 0.7 else rhex(rnd.randrange(20)))
            elif kind == "qRcmd,":
                text = rnd.choice(["info", "hart %d" % rnd.randrange(-2, 9), "phys %s" % rnd.choice(["on", "off", "x"]),
                                   "step-irq maybe", "help", rhex(30)])
                pkt = "qRcmd," + text.encode().hex()
            else:
                pkt = kind + rhex(rnd.randrange(0, 40))
            if pkt.startswith("v") and not pkt.startswith("vCont?"):
                pkt = "vFrob" + pkt[1:]      # never vCont;c / vKill
            rep = r.cmd(pkt, timeout=5)
            answered += 1
        rcmd(r, "phys off")
        ck("3000 fuzzed packets all answered", answered == 3000)
        ck("QStartNoAckMode", r.noack() == b"OK")
        ck("no-ack mode works", r.cmd("qAttached") == b"1")

        # ---- one debugger at a time ----
        second = socket.create_connection(("127.0.0.1", vm.port))
        ck("a second debugger is turned away", closed_soon(second))
        second.close()
        ck("the first one keeps its session", r.cmd("qAttached") == b"1")

        # ---- detach, reconnect, kill ----
        c0 = counters(r)
        ck("D -> OK", r.cmd("D") == b"OK")
        r.close()
        time.sleep(0.4)
        r = RSP(vm.port)
        ck("reconnect: ? -> T02", r.cmd("?").startswith(b"T02"))
        c1 = counters(r)
        ck("detach left the guest running", all(c1[i] > c0[i] for i in range(3)), "%s %s" % (c0, c1))
        time.sleep(0.2)
        ck("reconnect stopped every vCPU", counters(r) == c1)
        ck("breakpoints gone after detach", r.cmd("z0,%x,2" % S["shared_fn"]).startswith(b"E"))
        r.close()
        time.sleep(0.3)
        r = RSP(vm.port)
        r.cmd("?")
        r.send("k")
        st = vm.wait_exit(10)
        ck("k ends rhyve with status 0", st == 0, st)
    finally:
        vm.stop()


def session_unix():
    path = "/tmp/rhyve-gdb-%d.sock" % os.getpid()
    vm = common.Rhyve(listen="unix:" + path, wait=False)
    try:
        for _ in range(200):
            if os.path.exists(path):
                break
            time.sleep(0.02)
        st = os.stat(path)
        ck("unix socket created", stat.S_ISSOCK(st.st_mode))
        ck("unix socket mode 0600", stat.S_IMODE(st.st_mode) == 0o600, oct(st.st_mode))
        time.sleep(0.3)     # the guest runs without a debugger
        r = RSP(path=path)
        ck("attach to a running guest: T02", r.cmd("?").startswith(b"T02"))
        c0 = counters(r)
        ck("the guest had been running", all(c0[i] > 0 for i in range(3)), c0)
        time.sleep(0.2)
        ck("attach stopped every vCPU", counters(r) == c0)
        r.cmd("M%x,8:%s" % (S["poweroff_req"], (1).to_bytes(8, "little").hex()))
        rep = r.cmd("vCont;c", timeout=10)
        ck("guest poweroff -> W00", rep == b"W00", rep)
        status = vm.wait_exit(10)
        ck("rhyve exits 0 after the poweroff", status == 0, status)
        ck("unix socket removed at exit", not os.path.exists(path))
    finally:
        vm.stop()
        if os.path.exists(path):
            os.unlink(path)


try:
    session_tcp()
    session_unix()
except Exception as e:      # a crash of the server shows up here
    import traceback
    traceback.print_exc()
    ck("no exception in the session", False, repr(e))
sys.exit(C.result())
