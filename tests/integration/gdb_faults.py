#!/usr/bin/env python3
"""gdb_faults.py - the debug server under debugger faults: rhyve never
crashes and the VM ends up in the state rhyve(8) documents (DEBUGGING):
after a debugger disconnects without D the VM runs and every breakpoint
and watchpoint it set is removed.

  (a) disconnect mid-packet ($g without its checksum);
  (b) disconnect mid-step (vCont;s sent, reply never read);
  (c) disconnect while the vCPUs run (also with a packet queued behind
      the stop, over TCP and a Unix socket);
  (d) disconnect while stopped with breakpoints and watchpoints set;
  (e) 1,000 connect/disconnect cycles: still answers, guest still runs,
      no fd and no thread leak (/proc/PID/fd, /proc/PID/task);
  (f) a second debugger is refused without disturbing the first;
  (g) garbage, bad checksums, oversized and truncated packets, Ctrl-C
      floods while running and while stopped;
  (h) SIGTERM with a debugger attached and the vCPUs stopped: exit
      within seconds with status 128+15, Unix socket removed;
  (i) wait mode (-S): hang-ups of debuggers that resumed nothing (a
      port probe) leave every vCPU waiting, their breakpoints removed;
      after a resume, a hang-up lets the guest run.

Progress of the guest (smp_debug.elf: harts 0-2 count in counters[])
is judged from two attaches separated by a sleep: each attach stops the
guest, each hang-up lets it run again.
Exit 0 pass, 77 skip, 1 fail.
"""
import os
import random
import signal
import socket
import sys
import time

sys.dont_write_bytecode = True     # no __pycache__ in the tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "gdb"))
import common  # noqa: E402
from common import RSP  # noqa: E402

common.need()
S = common.symbols()
C = common.Checker()
ck = C.check
EMSGSIZE = 90


class Target:
    """Where a debugger connects: a TCP port or a Unix socket path."""

    def __init__(self, vm, path=None):
        self.vm = vm
        self.path = path

    def connect(self, timeout=5):
        if self.path is not None:
            return RSP(path=self.path, timeout=timeout, retry=5)
        return RSP(self.vm.port, timeout=timeout, retry=5)

    def raw(self):
        """A bare socket, for connections that say nothing."""
        if self.path is not None:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(self.path)
        else:
            s = socket.create_connection(("127.0.0.1", self.vm.port), timeout=5)
        return s


def attach(t):
    r = t.connect()
    r.cmd("qSupported:swbreak+;hwbreak+")
    return r, r.cmd("?")


def counters(r):
    return [r.read_u64(S["counters"] + 8 * i) for i in range(3)]


def snapshot(t):
    """Counters of harts 0-2, read by a debugger that then hangs up."""
    r, _ = attach(t)
    try:
        return counters(r)
    finally:
        r.close()


def guest_runs(t, name):
    """Does the guest make progress with no debugger attached?"""
    try:
        c0 = snapshot(t)
        time.sleep(0.3)
        c1 = snapshot(t)
    except Exception as e:      # refused, closed or silent: not the state we want
        return ck(name, False, repr(e))
    return ck(name, all(c1[i] > c0[i] for i in range(3)), "%s -> %s" % (c0, c1))


def silent(r, sec):
    """True if nothing but acks arrives for sec seconds."""
    deadline = time.time() + sec
    while time.time() < deadline:
        if b"$" in r.buf:
            return False
        try:
            r.read_more(max(0.01, deadline - time.time()))
        except socket.timeout:
            pass
        except (EOFError, OSError):
            return False
    return b"$" not in r.buf


def closed_soon(sock, sec=3.0):
    sock.settimeout(sec)
    try:
        return sock.recv(16) == b""
    except (socket.timeout, ConnectionError):
        return False


def nacked(r, sec=5):
    """Wait for a '-' (nack) from rhyve; no packet may come instead."""
    deadline = time.time() + sec
    while time.time() < deadline:
        if b"-" in r.buf:
            ok = b"$" not in r.buf
            r.buf = r.buf.replace(b"-", b"")
            return ok
        try:
            r.read_more(max(0.01, deadline - time.time()))
        except socket.timeout:
            pass
    return False


def rcmd(r, text):
    reply = r.cmd("qRcmd," + text.encode().hex())
    try:
        return bytes.fromhex(reply.decode()).decode()
    except ValueError:
        return "<bad reply %r>" % reply


def wait_path(path):
    for _ in range(250):
        if os.path.exists(path):
            return True
        time.sleep(0.02)
    return False


def nfds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def ntasks(pid):
    return len(os.listdir("/proc/%d/task" % pid))


# ---- (a)-(d): a debugger that vanishes ---------------------------------

def disconnects(t, tag):
    vm = t.vm
    guest_runs(t, "%s: guest runs before any debugger" % tag)

    # (a) mid-packet
    r, st = attach(t)
    r.send_raw(b"$g")
    r.close()
    guest_runs(t, "%s (a) hang-up mid-packet: guest runs" % tag)
    r, st = attach(t)
    r.send_raw(b"$m%x,8#" % S["counters"])
    r.close()
    guest_runs(t, "%s (a) hang-up mid-checksum: guest runs" % tag)

    # (b) mid-step
    r, st = attach(t)
    r.send("vCont;s:1")
    r.close()
    guest_runs(t, "%s (b) hang-up mid-step: guest runs" % tag)
    r, st = attach(t)
    ck("%s (b) no stale step event after reattach: ? is T02" % tag,
       st.startswith(b"T02"), st)
    # many steps in flight on several vCPUs, then gone
    for i in range(3):
        r.send("vCont;s:%x" % (i + 1))
        r.recv()
    r.send("vCont;s:2")
    r.close()
    guest_runs(t, "%s (b) hang-up after steps: guest runs" % tag)

    # (c) while running
    r, st = attach(t)
    r.send("vCont;c")
    time.sleep(0.1)
    r.close()
    guest_runs(t, "%s (c) hang-up while running: guest runs" % tag)
    r, st = attach(t)
    r.send("c")
    time.sleep(0.05)
    r.send("g")                 # waits for a stop that never comes
    time.sleep(0.05)
    r.close()
    time.sleep(0.2)
    try:
        r2, st = attach(t)
        ok = st.startswith(b"T02")
        r2.close()
    except Exception as e:
        ok, st = False, repr(e)
    ck("%s (c) hang-up with a packet queued while running: next debugger accepted" % tag,
       ok, st)
    guest_runs(t, "%s (c) ... and the guest runs" % tag)

    # (d) while stopped with breakpoints and watchpoints set, one event queued
    r, st = attach(t)
    ok = all(r.cmd(p) == b"OK" for p in (
        "Z0,%x,2" % S["shared_fn"],
        "Z1,%x,2" % S["worker_loop"],
        "Z2,%x,8" % S["watch_var"],
        "Z3,%x,8" % S["watch_var"],
        "Z4,%x,8" % S["counters"]))
    ck("%s (d) set Z0 Z1 Z2 Z3 Z4" % tag, ok)
    rep = r.cmd("vCont;c", timeout=10)
    ck("%s (d) a breakpoint or watchpoint stops the guest" % tag,
       rep.startswith(b"T05"), rep)
    r.close()
    guest_runs(t, "%s (d) hang-up with breakpoints set: guest runs" % tag)
    r, st = attach(t)
    info = rcmd(r, "info")
    ck("%s (d) breakpoints and watchpoints removed" % tag,
       "0 breakpoint(s), 0 watchpoint(s)" in info, info)
    ck("%s (d) no queued event survives: ? is T02" % tag, st.startswith(b"T02"), st)
    r.send("vCont;c")
    ck("%s (d) nothing stops the guest any more" % tag, silent(r, 0.5))
    r.send_raw(b"\x03")
    rep = r.recv()
    ck("%s (d) Ctrl-C stops it: T02" % tag, rep.startswith(b"T02"), rep)
    ck("%s (d) z0 of a vanished breakpoint is an error" % tag,
       r.cmd("z0,%x,2" % S["shared_fn"]).startswith(b"E"))
    r.close()
    ck("%s: rhyve still alive" % tag, vm.proc.poll() is None, vm.proc.poll())


# ---- (e) many cycles ---------------------------------------------------

def cycles(t, n, tag):
    vm = t.vm
    pid = vm.proc.pid
    # one cycle first so that everything lazily allocated exists
    r, _ = attach(t)
    r.close()
    time.sleep(0.3)
    fd0, task0 = nfds(pid), ntasks(pid)
    rnd = random.Random(8)
    deadline = time.time() + 120
    done = errors = 0
    t0 = time.time()
    for i in range(n):
        if time.time() > deadline:
            break
        try:
            kind = i % 5
            if kind == 0:           # connect and hang up at once
                s = t.raw()
                s.close()
            elif kind == 1:         # hang up mid-packet
                s = t.raw()
                s.sendall(b"$qSupp")
                s.close()
            else:
                r = t.connect()
                sup = r.cmd("qSupported:swbreak+")
                st = r.cmd("?")
                if b"PacketSize" not in sup or not st.startswith(b"T"):
                    errors += 1
                if kind == 4 and rnd.random() < 0.5:
                    r.send("vCont;c")
                r.close()
            done += 1
        except Exception:
            errors += 1
    dt = time.time() - t0
    ck("(e) %s %d connect/disconnect cycles without an error" % (tag, n),
       done == n and errors == 0, "done %d errors %d in %.1fs" % (done, errors, dt))
    # Not a benchmark: a generous bound that a server leaving reconnects
    # waiting for a dropped SYN to be retried (1 s each) cannot meet.
    ck("(e) %s no reconnect waits for a retried SYN" % tag, dt < n * 0.1,
       "%.1fs for %d cycles" % (dt, n))
    ck("(e) %s rhyve alive" % tag, vm.proc.poll() is None)
    time.sleep(0.5)
    guest_runs(t, "(e) %s guest runs after the cycles" % tag)
    time.sleep(0.3)
    fd1, task1 = nfds(pid), ntasks(pid)
    ck("(e) %s no fd leak" % tag, fd1 == fd0, "%d -> %d" % (fd0, fd1))
    ck("(e) %s no thread leak" % tag, task1 == task0, "%d -> %d" % (task0, task1))


# ---- (f) a second debugger ---------------------------------------------

def second(t):
    r, st = attach(t)
    s = t.raw()
    ck("(f) second debugger refused while stopped", closed_soon(s))
    s.close()
    ck("(f) first keeps its session", r.cmd("qAttached") == b"1")
    rep = r.cmd("vCont;s:2")
    ck("(f) first can still step", rep.startswith(b"T05thread:2;"), rep)
    c0 = counters(r)
    r.send("vCont;c")
    time.sleep(0.2)
    s = t.raw()
    ck("(f) second debugger refused while running", closed_soon(s))
    s.close()
    ck("(f) the refusal did not stop the first's run", silent(r, 0.2))
    r.send_raw(b"\x03")
    rep = r.recv()
    ck("(f) first can still interrupt: T02", rep.startswith(b"T02"), rep)
    c1 = counters(r)
    ck("(f) first's continue ran the guest", all(c1[i] > c0[i] for i in range(3)),
       "%s %s" % (c0, c1))
    ck("(f) first detaches: OK", r.cmd("D") == b"OK")
    r.close()
    guest_runs(t, "(f) guest runs after the detach")


# ---- (g) hostile bytes -------------------------------------------------

def hostile(t):
    vm = t.vm
    rnd = random.Random(7)
    r, st = attach(t)
    junk = bytes(b for b in (rnd.randrange(256) for _ in range(20000))
                 if b not in (0x24, 0x03, 0x2d))      # no '$', Ctrl-C, '-'
    r.send_raw(junk)
    rep = r.cmd("?")
    ck("(g) garbage skipped, then ? answered", rep.startswith(b"T"), rep)

    r.send_raw(b"$?#00")
    ck("(g) bad checksum -> '-'", nacked(r))
    ck("(g) ... then the next packet is answered", r.cmd("qAttached") == b"1")
    r.send_raw(b"$qAttached#zz")
    ck("(g) non-hex checksum digits -> '-'", nacked(r))
    ck("(g) ... then the next packet is answered", r.cmd("qAttached") == b"1")

    big = b"m" + b"0" * (common_packet_size(r) + 16)
    r.send_raw(RSP.frame(big))
    rep = r.recv(timeout=10)
    ck("(g) oversized packet -> E%02x" % EMSGSIZE, rep == b"E%02x" % EMSGSIZE, rep[:40])
    ck("(g) after oversize: ? answered", r.cmd("?").startswith(b"T"))

    r.send_raw(b"$m%x,8" % S["counters"])          # truncated ...
    rep = r.cmd("qAttached")                        # ... resynced by the next '$'
    ck("(g) truncated packet dropped, next one answered", rep == b"1", rep)
    r.send_raw(b"$Z0,%x" % S["shared_fn"])
    r.send_raw(b"$" * 1000)
    rep = r.cmd("?")
    ck("(g) truncated Z0 + '$' storm: next one answered", rep.startswith(b"T"), rep)
    info = rcmd(r, "info")
    ck("(g) truncated Z0 set nothing", "0 breakpoint(s)" in info, info)

    r.send_raw(b"\x03" * 5000)
    ck("(g) Ctrl-C flood while stopped: no reply", silent(r, 0.3))
    rep = r.cmd("?")
    ck("(g) ... then ? answered once", rep.startswith(b"T") and silent(r, 0.2), rep)

    # a packet sent while the vCPUs run waits for a stop; Ctrl-C behind it
    # must still make that stop
    r.send("vCont;c")
    time.sleep(0.1)
    r.send("qAttached")
    time.sleep(0.05)
    r.send_raw(b"\x03")
    rep = r.recv()
    ck("(g) Ctrl-C behind a packet sent while running: T02", rep.startswith(b"T02"), rep)
    rep = r.recv()
    ck("(g) ... then the waiting packet is answered", rep == b"1", rep)
    ck("(g) ... and nothing else", silent(r, 0.3))

    for rnd_i in range(3):
        c0 = counters(r)
        r.send("vCont;c")
        time.sleep(0.1)
        r.send_raw(junk[:4000])
        r.send_raw(b"\x03" * 10000)
        rep = r.recv()
        ck("(g) Ctrl-C flood while running #%d: one T02" % rnd_i,
           rep.startswith(b"T02") and silent(r, 0.3), rep)
        c1 = counters(r)
        ck("(g) ... the guest had run #%d" % rnd_i, all(c1[i] > c0[i] for i in range(3)))
        time.sleep(0.1)
        ck("(g) ... and is stopped #%d" % rnd_i, counters(r) == c1)
    r.close()
    ck("(g) rhyve alive", vm.proc.poll() is None)
    guest_runs(t, "(g) guest runs after the hostile debugger left")


def common_packet_size(r):
    sup = r.cmd("qSupported")
    for f in sup.decode().split(";"):
        if f.startswith("PacketSize="):
            return int(f.split("=")[1], 16)
    return 0x20000


# ---- (h) SIGTERM -------------------------------------------------------

def sigterm():
    path = "/tmp/rhyve-gdbfault-%d.sock" % os.getpid()
    vm = common.Rhyve(listen="unix:" + path, wait=True)
    try:
        ck("(h) socket created", wait_path(path))
        r = RSP(path=path, timeout=5)
        r.cmd("qSupported")
        r.cmd("?")
        rep = r.cmd("vCont;s:1")
        ck("(h) attached and stepped", rep.startswith(b"T05"), rep)
        ck("(h) Z0 set", r.cmd("Z0,%x,2" % S["shared_fn"]) == b"OK")
        t0 = time.time()
        vm.proc.send_signal(signal.SIGTERM)
        st = vm.wait_exit(10)
        dt = time.time() - t0
        ck("(h) SIGTERM while stopped: exit within 5 s", st is not None and dt < 5,
           "%s after %.1fs" % (st, dt))
        ck("(h) exit status 128+15", st == 128 + 15, st)
        ck("(h) Unix socket removed", not os.path.exists(path))
        ck("(h) debugger sees the hang-up", closed_soon(r.s))
        r.close()
    finally:
        vm.stop()
        if os.path.exists(path):
            os.unlink(path)

    # the same with the vCPUs running under the debugger
    vm = common.Rhyve(listen="unix:" + path, wait=False)
    try:
        wait_path(path)
        r = RSP(path=path, timeout=5)
        r.cmd("?")
        r.send("vCont;c")
        time.sleep(0.2)
        t0 = time.time()
        vm.proc.send_signal(signal.SIGTERM)
        st = vm.wait_exit(10)
        dt = time.time() - t0
        ck("(h) SIGTERM while running under a debugger: 128+15 within 5 s",
           st == 128 + 15 and dt < 5, "%s after %.1fs" % (st, dt))
        ck("(h) Unix socket removed (running)", not os.path.exists(path))
        r.close()
    finally:
        vm.stop()
        if os.path.exists(path):
            os.unlink(path)


# ---- (i) wait mode: only a resume lets the guest run ----------------------

def wait_mode():
    vm = common.Rhyve(wait=True)
    try:
        t = Target(vm)
        # a port probe (connect, hang up) and a debugger that looks and
        # hangs up without resuming anything
        t.connect().close()
        r, rep = attach(t)
        ck("(i) -S: attach finds everything stopped", rep.startswith(b"T"), rep)
        ck("(i) -S: Z0 set", r.cmd("Z0,%x,2" % S["shared_fn"]) == b"OK")
        r.close()
        time.sleep(0.3)
        r, _ = attach(t)
        c = counters(r)
        ck("(i) -S: nothing ran after hang-ups that resumed nothing",
           c == [0, 0, 0], str(c))
        ck("(i) -S: the vanished debugger's breakpoint is gone",
           r.cmd("z0,%x,2" % S["shared_fn"]).startswith(b"E"))
        rep = r.cmd("vCont;s:1")
        ck("(i) -S: a step runs", rep.startswith(b"T05"), rep)
        r.close()
        # once a debugger has resumed, a hang-up lets the guest run
        guest_runs(t, "(i) -S: after a resume, a hang-up lets the guest run")
    finally:
        vm.stop()


def main():
    wait_mode()
    vm = common.Rhyve(wait=False)
    try:
        t = Target(vm)
        disconnects(t, "tcp")
        # (each cycle of three quick connects used to take a second
        # over TCP: with a listen backlog of 1 the third SYN found the
        # queue full and was retried; (e) checks the time too)
        cycles(t, 200, "tcp")
        second(t)
        hostile(t)
    finally:
        vm.stop()
    path = "/tmp/rhyve-gdbfault-u%d.sock" % os.getpid()
    vm = common.Rhyve(listen="unix:" + path, wait=False)
    try:
        ck("unix socket created", wait_path(path))
        t = Target(vm, path)
        disconnects(t, "unix")
        cycles(t, 1000, "unix")
    finally:
        vm.stop()
        if os.path.exists(path):
            os.unlink(path)
    sigterm()


try:
    main()
except Exception as e:      # a crash or hang of the server shows up here
    import traceback
    traceback.print_exc()
    ck("no exception in the fault tests", False, repr(e))
sys.exit(C.result())
