#!/usr/bin/env python3
"""rhyvectl.py - rhyvectl(8) against a running 4-hart busy guest, and how
the operator's pause (QMP stop/cont, rhyvectl --suspend/--resume) and the
debugger's hold compose (docs/design-notes.md, "Two holds"):

  - --get-vcpus, --suspend=N / --resume=N / all: one vCPU of four
    suspended retires nothing (--get-stats instret and
    instructions_per_second) while the other three keep retiring;
    --get-registers, --reset, --poweroff;
  - the same with a debugger attached (raw RSP client on a Unix socket):
    a debugger continue does not resume a suspended vCPU, Ctrl-C still
    stops it and reports;
  - QMP stop, then debugger attach + continue: the VM stays stopped
    (query-status "paused") until QMP cont; a debugger stop is not undone
    by QMP cont;
  - bad arguments, a missing socket, a VM that never answers: one line
    on stderr, non-zero status, no hang.
Exit 0 pass, 77 skip, 1 fail.
"""
import os
import socket
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "gdb"))
import common  # noqa: E402
import qmpclient  # noqa: E402
from common import RSP  # noqa: E402
from qmpclient import QMP, VM, rhyvectl, stats  # noqa: E402

qmpclient.need()
C = common.Checker()
ck = C.check
SETTLE = 0.3


def vcpus(sock):
    rc, out, err = rhyvectl("--socket=" + sock, "--get-vcpus")
    if rc != 0:
        return {"error": err}
    return dict(line.split() for line in out.splitlines())


def all_instret(sock):
    """instret of every vCPU, from one --get-stats."""
    rc, out, err = rhyvectl("--socket=" + sock, "--get-stats",
                            "--interval=0.01")
    if rc != 0:
        raise RuntimeError("rhyvectl --get-stats: " + err)
    d = dict(line.split() for line in out.splitlines())
    return [int(d["vcpu%d.instret" % i]) for i in range(4)]


def advancing(sock):
    """Which vCPUs retire instructions over SETTLE seconds."""
    a = all_instret(sock)
    time.sleep(SETTLE)
    b = all_instret(sock)
    return [y > x for x, y in zip(a, b)]


def one_line_error(args, name, want=None, timeout=20):
    t0 = time.time()
    rc, out, err = rhyvectl(*args, timeout=timeout)
    ck(name, rc != 0 and len(err.strip().splitlines()) == 1 and
       (want is None or want in err), "rc=%d err=%r" % (rc, err))
    return time.time() - t0


def without_debugger():
    vm = VM()
    try:
        ck("socket", vm.wait_socket(), vm.output())
        s = "--socket=" + vm.qmp
        ck("--get-vcpus: all running",
           vcpus(vm.qmp) == {str(i): "running" for i in range(4)},
           vcpus(vm.qmp))
        rc, out, err = rhyvectl(s, "--suspend=1")
        ck("--suspend=1", rc == 0 and out == "", err)
        v = vcpus(vm.qmp)
        ck("--get-vcpus: 1 suspended", v == {"0": "running", "1": "suspended",
                                             "2": "running", "3": "running"}, v)
        adv = advancing(vm.qmp)
        ck("vCPU 1 suspended retires nothing, the others do",
           adv == [True, False, True, True], adv)
        st = stats(vm.qmp, 1)
        ck("--get-stats: names", {"instret", "instructions_per_second",
                                  "wfi_sleeps", "code_pages_reused",
                                  "exits_mmio", "exits_debug",
                                  "exits_total"} <= set(st), st)
        ck("--get-stats: suspended vCPU 1: 0 instructions per second",
           st["instructions_per_second"] == 0, st)
        st0 = stats(vm.qmp, 0)
        ck("--get-stats: running vCPU: instructions per second > 10000",
           st0["instructions_per_second"] > 10000, st0)
        rc, out, err = rhyvectl(s, "--get-stats")
        ck("--get-stats of every vCPU", rc == 0 and all(
            ("vcpu%d.instret " % i) in out for i in range(4)), out)
        rc, out, err = rhyvectl(s, "--resume=1")
        adv = advancing(vm.qmp)
        ck("--resume=1: every vCPU retires", rc == 0 and adv == [True] * 4, adv)
        rc, out, err = rhyvectl(s, "--suspend=all", "--get-vcpus")
        ck("--suspend=all", rc == 0 and out.split() == [
            "0", "suspended", "1", "suspended", "2", "suspended", "3",
            "suspended"], out)
        adv = advancing(vm.qmp)
        ck("--suspend=all: nothing retires", adv == [False] * 4, adv)
        rc, out, err = rhyvectl(s, "--resume=all")
        ck("--resume=all", rc == 0 and advancing(vm.qmp) == [True] * 4)
        rc, out, err = rhyvectl(s, "--get-registers", "--cpu=2")
        ck("--get-registers --cpu=2", rc == 0 and
           "mhartid  0000000000000002" in out and "x10/a0" in out, out + err)

        # Bad arguments and the like: one line, non-zero, no hang.
        one_line_error([s], "nothing to do")
        one_line_error([s, "--get-registers"], "--get-registers without --cpu")
        one_line_error([s, "--get-stats", "--cpu=9"], "--cpu out of range",
                       "out of range")
        one_line_error([s, "--suspend=x"], "--suspend=x")
        one_line_error([s, "--suspend=7"], "--suspend of a vCPU that is not there")
        one_line_error([s, "--frob"], "unknown option")
        one_line_error(["--get-vcpus"], "no --vm or --socket")
        one_line_error([s, "--vm=a", "--get-vcpus"], "both --vm and --socket")
        one_line_error(["--vm=../x", "--get-vcpus"], "bad --vm name")
        one_line_error(["--socket=/nonexistent/sock", "--get-vcpus"],
                       "missing socket", "no such VM")
        rc, out, err = rhyvectl("--help")
        ck("--help", rc == 0 and "--suspend" in out and "--vm" in out)

        # A VM that never answers: the timeout ends it.
        d = tempfile.mkdtemp()
        path = os.path.join(d, "mute.sock")
        mute = socket.socket(socket.AF_UNIX)
        mute.bind(path)
        mute.listen(1)
        dt = one_line_error(["--socket=" + path, "--timeout=1", "--get-vcpus"],
                            "mute VM: timeout", "timed out")
        ck("mute VM: gives up in time", dt < 5, dt)
        mute.close()
        os.unlink(path)
        stale = socket.socket(socket.AF_UNIX)
        stale.bind(path)
        stale.close()
        one_line_error(["--socket=" + path, "--get-vcpus"], "stale socket",
                       "not running")
        os.unlink(path)
        os.rmdir(d)

        # --reset: the guest starts over (its counters restart from 0).
        before = all_instret(vm.qmp)
        rc, out, err = rhyvectl(s, "--reset")
        deadline = time.time() + 10
        while True:
            after = all_instret(vm.qmp)
            if any(y < x for x, y in zip(before, after)) or \
                    time.time() > deadline:
                break
            time.sleep(0.05)
        ck("--reset", rc == 0 and vm.proc.poll() is None and
           any(y < x for x, y in zip(before, after)), (before, after, err))
        rc, out, err = rhyvectl(s, "--poweroff")
        ck("--poweroff", rc == 0 and vm.wait_exit(10) == 0, err + vm.output())
        one_line_error([s, "--get-vcpus"], "after poweroff: no such VM")
    finally:
        vm.stop()


def with_debugger():
    d = tempfile.mkdtemp(prefix="rhyve-gdb-")
    gdbsock = os.path.join(d, "gdb.sock")
    vm = VM(gdb="unix:" + gdbsock)
    r = None
    try:
        ck("dbg: socket", vm.wait_socket(), vm.output())
        s = "--socket=" + vm.qmp
        r = RSP(path=gdbsock)
        stop = r.cmd("?")
        ck("dbg: attach stops the VM", stop.startswith(b"T"), stop)
        v = vcpus(vm.qmp)
        ck("dbg: --get-vcpus: all debugged",
           v == {str(i): "debugged" for i in range(4)}, v)
        ck("dbg: nothing retires while attached and stopped",
           advancing(vm.qmp) == [False] * 4)
        r.send("c")
        time.sleep(0.1)
        rc, out, err = rhyvectl(s, "--suspend=1")
        adv = advancing(vm.qmp)
        ck("dbg: continue, --suspend=1: only vCPU 1 stops",
           rc == 0 and adv == [True, False, True, True], (adv, err))
        r.send_raw(b"\x03")
        rep = r.recv(5)
        ck("dbg: Ctrl-C still stops and reports", rep.startswith(b"T"), rep)
        v = vcpus(vm.qmp)
        ck("dbg: --get-vcpus: suspended and debugged", v == {
            "0": "debugged", "1": "suspended,debugged", "2": "debugged",
            "3": "debugged"}, v)
        ck("dbg: the debugger reads the suspended vCPU",
           len(r.cmd("Hg2") + r.cmd("g")) > 64)
        r.send("c")
        adv = advancing(vm.qmp)
        ck("dbg: a debugger continue does not resume the suspended vCPU",
           adv == [True, False, True, True], adv)
        rc, out, err = rhyvectl(s, "--resume=1")
        adv = advancing(vm.qmp)
        ck("dbg: --resume=1 while the debugger runs the VM",
           rc == 0 and adv == [True] * 4, adv)

        # QMP stop, then debugger stop + continue: stays stopped.
        q = QMP(vm.qmp)
        q.line()
        q.cmd("qmp_capabilities")
        q.cmd("stop")
        ck("rule: stopped by QMP", advancing(vm.qmp) == [False] * 4)
        r.send_raw(b"\x03")
        rep = r.recv(5)
        ck("rule: Ctrl-C on a QMP-stopped VM reports", rep.startswith(b"T"), rep)
        st = q.cmd("query-status")["return"]
        ck("rule: both hold: query-status paused", st["status"] == "paused", st)
        r.send("c")
        adv = advancing(vm.qmp)
        st = q.cmd("query-status")["return"]
        ck("rule: debugger continue does not resume a QMP stop",
           adv == [False] * 4 and st["status"] == "paused", (adv, st))
        q.cmd("cont")
        adv = advancing(vm.qmp)
        st = q.cmd("query-status")["return"]
        ck("rule: QMP cont resumes it", adv == [True] * 4 and
           st == {"status": "running", "running": True}, (adv, st))
        r.send_raw(b"\x03")
        rep = r.recv(5)
        st = q.cmd("query-status")["return"]
        ck("rule: debugger stop: query-status debug",
           rep.startswith(b"T") and st["status"] == "debug", (rep, st))
        q.cmd("cont")
        ck("rule: QMP cont does not undo a debugger stop",
           advancing(vm.qmp) == [False] * 4)
        r.send("D")
        ck("rule: detach", r.recv(5) == b"OK")
        ck("rule: runs after detach", advancing(vm.qmp) == [True] * 4)
        q.cmd("quit")
        ck("dbg: quit", vm.wait_exit(10) == 0, vm.output())
        ck("dbg: both sockets removed", not os.path.exists(vm.qmp) and
           not os.path.exists(gdbsock))
    finally:
        if r is not None:
            r.close()
        vm.stop()
        try:
            os.rmdir(d)
        except OSError:
            pass


without_debugger()
with_debugger()
sys.exit(C.result())
