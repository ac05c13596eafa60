#!/usr/bin/env python3
"""gdb_rsp.py - debug-server round trips, rhyve against qemu-system-riscv64's
gdbstub, on the same guest (tests/guests/gdb/busy.S: every hart busy) in one
run, with a raw GDB remote protocol client (Python standard library):

  step      vCont;s:1 -> stop reply (one instruction on one vCPU)
  g         read the general registers
  m 1KiB    read 1 KiB of memory
  ctrl-c    0x03 -> stop reply, with every vCPU busy
  bp cycle  breakpoint hit and continue, the way GDB does it:
            z0, vCont;s:T, Z0, vCont;c -> next hit

Prints the median time of each figure for both and the ratio
QEMU/rhyve (> 1: rhyve faster).  A benchmark, not a test: it asserts
nothing and exits 0 even when one side cannot run.

With --client c (the default when build/bench/rsp_client exists) the
packets come from bench/rsp_client.c instead, the same sequence without
the Python client's own ~35-40 us per packet in the figures.

With --pin C:E the client runs on the CPUs in list C and the emulator
(every thread of it) on those in E, e.g. --pin 0:0 (one CPU for both:
wake-ups are context switches) or --pin 0:1 (every wake-up crosses CPUs).
Unpinned, the figures of one run are bimodal on a 2-CPU virtual machine:
the scheduler puts the two ends on one CPU or on two.

With --spin (C client only) the client polls its socket for the reply
instead of sleeping in recv(), so that its own wake-up (25-35 us when the
reply comes from the other CPU) is out of both emulators' figures.

With --runs K both emulators are measured K times, alternating (rhyve,
QEMU, rhyve, ...), and the table shows the median of the K per-run
medians, the ratio of those, and the range of the per-run ratios.  The
engine is rhyve's default or RHYVE_ENGINE's (interp|jit).

With --transport unix both emulators listen on a Unix-domain socket
(rhyve and QEMU: -gdb unix:PATH,server=on,wait=off) instead of TCP on
loopback; GDB connects to one with "target remote PATH".  The round trip
both servers share is then shorter than over TCP.

With --floor (C client) each run also times 'g' and 'm' against a server
that does no work (rsp_client --floor, on the emulator's CPUs): the
loopback round trip itself.  No server answers faster there, so QEMU's
time over the floor is the best ratio any server could reach ("best").
The same server times Ctrl-C too, with four busy threads on those CPUs
that stop as soon as they run (see rsp_client.c): the host's own cost of
stopping four busy threads, which an emulator whose vCPU threads must
each stop themselves (rhyve's and QEMU's) cannot beat.
Use it with --spin: a client that sleeps adds its own wake-up, which
varies more from run to run than the servers' differences.

  bench/gdb_rsp.py [--rhyve PATH] [--qemu PATH] [--smp N] [--elf GUEST]
                   [--client c|python] [--pin CLIENT_CPUS:EMU_CPUS]
                   [--spin] [--runs K] [--floor] [--transport tcp|unix]
"""
import argparse
import os
import socket
import statistics
import subprocess
import sys
import time

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


class RSP:
    def __init__(self, where, retry=10.0):
        """where: a TCP port on loopback, or a Unix-domain socket's path."""
        deadline = time.time() + retry
        while True:
            try:
                if isinstance(where, str):
                    self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                    self.s.settimeout(10)
                    self.s.connect(where)
                else:
                    self.s = socket.create_connection(("127.0.0.1", where), timeout=10)
                    self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.05)
        self.buf = b""
        self.ack = True

    def send(self, p):
        if isinstance(p, str):
            p = p.encode()
        self.s.sendall(b"$" + p + b"#%02x" % (sum(p) & 0xff))

    def recv(self):
        while True:
            i = self.buf.find(b"$")
            if i >= 0:
                j = self.buf.find(b"#", i)
                if j >= 0 and len(self.buf) >= j + 3:
                    pkt = self.buf[i + 1:j]
                    self.buf = self.buf[j + 3:]
                    if self.ack:
                        self.s.sendall(b"+")
                    return pkt
            d = self.s.recv(1 << 20)
            if not d:
                raise EOFError("connection closed")
            self.buf += d

    def cmd(self, p):
        self.send(p)
        return self.recv()

    def noack(self):
        self.cmd("QStartNoAckMode")
        self.ack = False
        self.buf = self.buf.replace(b"+", b"")


def symbols(elf):
    nm = "riscv64-unknown-elf-nm"
    out = subprocess.run([nm, elf], capture_output=True, text=True).stdout
    return {f[2]: int(f[0], 16) for f in (l.split() for l in out.splitlines()) if len(f) == 3}


def timed(fn, n):
    ts = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts)


def cpus(spec):
    """'0,2-3' -> {0, 2, 3}"""
    out = set()
    for part in spec.split(","):
        a, _, b = part.partition("-")
        out.update(range(int(a), int(b or a) + 1))
    return out


def pinner(which, args):
    """A preexec_fn that pins the child (client or emulator), or None."""
    if not args.pin:
        return None
    c, _, e = args.pin.partition(":")
    mask = cpus(c if which == "client" else e)
    return lambda: os.sched_setaffinity(0, mask)


def client_opts(args):
    """rsp_client's options for --spin and --transport."""
    return (["--spin"] if args.spin else []) + \
        (["--unix"] if args.transport == "unix" else [])


def measure_c(name, cmd, where, syms, args):
    """The same figures from bench/rsp_client.c; {figure: seconds}."""
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, preexec_fn=pinner("emu", args))
    res = {}
    try:
        out = subprocess.run([args.client_bin] + client_opts(args) +
                             [str(where), hex(syms["bump"]),
                              hex(syms["_start"]), str(args.n)],
                             capture_output=True, text=True, timeout=300,
                             preexec_fn=pinner("client", args))
        if out.returncode != 0:
            sys.stderr.write("%s: %s" % (name, out.stderr))
        for line in out.stdout.splitlines():
            fig, med, _ = line.split("\t")     # figure, median, minimum
            res[fig] = float(med)
    finally:
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return res


def measure_floor(args):
    """'g' and 'm' against rsp_client's do-nothing server; {figure: seconds}."""
    emu = args.pin.partition(":")[2] if args.pin else "0-%d" % (os.cpu_count() - 1)
    out = subprocess.run([args.client_bin] + client_opts(args) +
                         ["--floor", emu, str(args.n)],
                         capture_output=True, text=True, timeout=300,
                         preexec_fn=pinner("client", args))
    res = {}
    for line in out.stdout.splitlines():
        fig, med, _ = line.split("\t")
        res[fig[len("floor "):]] = float(med)
    return res


def measure(name, cmd, where, syms, args):
    """Start one side, run every figure; returns {figure: seconds}."""
    if args.client == "c":
        return measure_c(name, cmd, where, syms, args)
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, preexec_fn=pinner("emu", args))
    if args.pin:
        os.sched_setaffinity(0, cpus(args.pin.partition(":")[0]))
    res = {}
    try:
        r = RSP(where)
        r.cmd("qSupported:swbreak+;hwbreak+;vContSupported+")
        r.noack()
        r.cmd("?")
        r.cmd("Hg1")
        # let every hart start running first
        r.send("vCont;c")
        time.sleep(0.2)
        r.s.sendall(b"\x03")
        r.recv()
        res["step"] = timed(lambda: r.cmd("vCont;s:1"), args.n)
        res["g"] = timed(lambda: r.cmd("g"), args.n)
        res["m 1KiB"] = timed(lambda: r.cmd("m%x,400" % syms["_start"]), args.n)

        def ctrl_c():
            r.send("vCont;c")
            time.sleep(0.02)
            t0 = time.perf_counter()
            r.s.sendall(b"\x03")
            r.recv()
            return time.perf_counter() - t0
        res["ctrl-c"] = statistics.median(ctrl_c() for _ in range(args.n // 10 or 1))

        bp = syms["bump"]
        r.cmd("Z0,%x,2" % bp)
        rep = r.cmd("vCont;c")

        def cycle():
            t = rep_thread[0]
            r.cmd("z0,%x,2" % bp)
            r.cmd("vCont;s:%s" % t)
            r.cmd("Z0,%x,2" % bp)
            rr = r.cmd("vCont;c")
            rep_thread[0] = thread_of(rr)
        rep_thread = [thread_of(rep)]
        res["bp cycle"] = timed(cycle, args.n // 4 or 1)
        r.cmd("z0,%x,2" % bp)
        r.send("k")
    except Exception as e:      # a benchmark reports, it does not fail
        sys.stderr.write("%s: %s: %s\n" % (name, type(e).__name__, e))
    finally:
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return res


def thread_of(reply):
    for part in reply.decode(errors="replace").split(";"):
        if part.startswith("T") and "thread:" in part:
            part = part[part.index("thread:"):]
        if part.startswith("thread:"):
            t = part[7:]
            if "." in t:        # QEMU with multiprocess: pP.T
                t = t.split(".")[1]
            return t
    return "1"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rhyve", default=os.path.join(ROOT, "build", "rhyve"))
    ap.add_argument("--qemu", default="qemu-system-riscv64")
    ap.add_argument("--build", default=os.environ.get("BUILD", os.path.join(ROOT, "build")))
    ap.add_argument("--elf", default=None)
    ap.add_argument("--smp", type=int, default=4)
    ap.add_argument("-n", type=int, default=200, help="repetitions per figure")
    ap.add_argument("--client", choices=["c", "python"], default=None)
    ap.add_argument("--pin", default=None, metavar="CLIENT_CPUS:EMU_CPUS",
                    help="pin the client and the emulator, e.g. 0:0 or 0:1")
    ap.add_argument("--spin", action="store_true",
                    help="C client: poll the socket for replies (no wake-up)")
    ap.add_argument("--runs", type=int, default=1,
                    help="measure both K times, alternating; median of the runs")
    ap.add_argument("--floor", action="store_true",
                    help="C client: also time g and m against a do-nothing server")
    ap.add_argument("--transport", choices=["tcp", "unix"], default="tcp",
                    help="TCP on loopback (default) or a Unix-domain socket")
    args = ap.parse_args()
    args.client_bin = os.path.join(args.build, "bench", "rsp_client")
    if args.client is None:
        args.client = "c" if os.access(args.client_bin, os.X_OK) else "python"
    if (args.spin or args.floor) and args.client != "c":
        ap.error("--spin and --floor need the C client (build/bench/rsp_client)")
    elf = args.elf or os.path.join(args.build, "guests", "gdb", "busy.elf")
    if not os.path.isfile(elf):
        print("gdb_rsp: no guest %s (make guests)" % elf)
        return 0
    syms = symbols(elf)
    machine = ["-M", "virt", "-bios", "none", "-m", "128M", "-nographic",
               "-smp", str(args.smp), "-kernel", elf, "-S"]
    runs = {"rhyve": [], "qemu": [], "floor": []}
    for _ in range(max(args.runs, 1)):
        if args.floor:
            runs["floor"].append(measure_floor(args))
        for name, binary in (("rhyve", args.rhyve), ("qemu", args.qemu)):
            if args.transport == "unix":
                where = "/tmp/gdb_rsp.%d.%s.sock" % (os.getpid(), name)
                if os.path.exists(where):
                    os.unlink(where)
                cmd = [binary] + machine + ["-gdb", "unix:%s,server=on,wait=off" % where]
            elif name == "rhyve":
                where = free_port()
                cmd = [binary] + machine + ["-gdb", "tcp::%d" % where]
            else:
                where = free_port()
                cmd = [binary] + machine + ["-gdb", "tcp:127.0.0.1:%d" % where]
            runs[name].append(measure(name, cmd, where, syms, args))
            if args.transport == "unix" and os.path.exists(where):
                os.unlink(where)
    print("%-10s %12s %12s %8s   (%d vCPUs busy, median of up to %d, %s client, %s%s%s%s)" %
          ("figure", "rhyve", "qemu", "ratio", args.smp, args.n, args.client, args.transport,
           ", pinned " + args.pin if args.pin else "",
           ", spinning" if args.spin else "",
           ", median of %d runs" % args.runs if args.runs > 1 else ""))
    for fig in ("step", "g", "m 1KiB", "ctrl-c", "bp cycle"):
        ra = [r[fig] for r in runs["rhyve"] if fig in r]
        rb = [r[fig] for r in runs["qemu"] if fig in r]
        a = statistics.median(ra) if ra else None
        b = statistics.median(rb) if rb else None
        fa = "%10.1fus" % (a * 1e6) if a is not None else "%12s" % "n/a"
        fb = "%10.1fus" % (b * 1e6) if b is not None else "%12s" % "n/a"
        ratio = "%8.2f" % (b / a) if a and b else "%8s" % "n/a"
        spread = ""
        # per-run ratios: each rhyve run against the QEMU run after it
        per = [q[fig] / r[fig] for r, q in zip(runs["rhyve"], runs["qemu"])
               if r.get(fig) and q.get(fig)]
        if len(per) > 1:
            spread = "   runs %.2f-%.2f" % (min(per), max(per))
        fl = [r[fig] for r in runs["floor"] if fig in r]
        if fl:
            f = statistics.median(fl)
            spread += "   floor %.1fus best %.2f" % (f * 1e6, b / f if b else 0)
        print("%-10s %12s %12s %s%s" % (fig, fa, fb, ratio, spread))
    return 0


if __name__ == "__main__":
    sys.exit(main())
