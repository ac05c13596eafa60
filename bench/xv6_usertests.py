#!/usr/bin/env python3
"""xv6_usertests.py - time xv6-riscv's `usertests -q` on qemu-system-riscv64,
rhyve -engine jit and rhyve -engine interp, side by side.  A benchmark,
never a test: it asserts nothing, and a failed usertest is reported in the
table, not raised.

  bench/xv6_usertests.py [--xv6-dir DIR] [--runs N] [--smp N]
                         [--only jit|interp|qemu[,...]] [--timeout S]

DIR is a built xv6-riscv tree (kernel/kernel and fs.img; default
$XV6_DIR).  xv6 is not part of rhyve: fetch and build it elsewhere
(docs/benchmarks.md, "xv6 usertests -q").  Each run boots xv6 with the
machine line of xv6's own Makefile (its `make qemu` target) on a fresh
copy of fs.img (usertests writes to it), waits for the shell's "$ " on
the console (pipes), types the command, and reads until "ALL TESTS
PASSED" or a failure ("SOME TESTS FAILED", "FAILED -- lost some free
pages", a kernel panic, the emulator exiting, the timeout).

Figures are from the moment the command is sent to the moment the result
line arrives: wall time, and CPU time (user + system of the emulator
process, all its threads) as the difference of two readings of
/proc/PID/stat; the whole run's CPU time (boot included) comes from
os.wait4.  xv6 has no WFI in its scheduler, so its idle harts spin: the
CPU time of both emulators is about min(smp, host cores) x wall, and on a
machine shared with other work the CPU time is what the host granted,
not the work done.  Ratios are QEMU time / rhyve time (> 1: rhyve is
faster).  With --per-test, each test's wall time (from its "test NAME: "
line to its OK/FAILED) is printed per emulator, slowest first.

The timeouts are wall time: on a heavily loaded machine raise --timeout
(a QEMU run that needs ~130 s on a quiet machine took 360-690 s at load
average 10-25).  --command runs something else at the prompt, e.g.
"usertests NAME" for one test, or "echo hi" (then the next prompt ends
the run) to check that a machine boots to the shell at all.
"""
import argparse
import bisect
import os
import re
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")
PROMPT = b"$ "
PROMPT_RE = re.compile(rb"\n\$ ")
PASS = b"ALL TESTS PASSED"
FAIL_RE = re.compile(rb"SOME TESTS FAILED|FAILED -- lost some free pages|"
                     rb"panic: [^\n]*")
RESULT_RE = re.compile(re.escape(PASS) + rb"|" + FAIL_RE.pattern)
# "test NAME: " and, when it came, its OK/FAILED (with whatever the test
# printed in between, up to the next test's line).
TEST_RE = re.compile(rb"test (\S+): (?:(?:(?!test \S+: ).)*?(OK|FAILED)\n)?",
                     re.S)


def machine_args(xv6, fsimg, smp):
    """xv6's own QEMUOPTS (its Makefile), with our copy of fs.img."""
    return ["-machine", "virt", "-bios", "none",
            "-kernel", os.path.join(xv6, "kernel", "kernel"),
            "-m", "128M", "-smp", str(smp), "-nographic",
            "-global", "virtio-mmio.force-legacy=false",
            "-drive", "file=%s,if=none,format=raw,id=x0" % fsimg,
            "-device", "virtio-blk-device,drive=x0,bus=virtio-mmio-bus.0"]


def proc_cpu(pid):
    """CPU seconds (user + system, all threads) of a live process."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            s = f.read()
    except OSError:
        return None
    fields = s[s.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


class Console:
    """The emulator's stdout, read without blocking, kept whole."""

    def __init__(self, proc):
        self.proc = proc
        self.buf = b""
        self.chunks = []         # (end offset, arrival time) of each read
        os.set_blocking(proc.stdout.fileno(), False)

    def wait_for(self, pattern, deadline, start=0):
        """Read until pattern (bytes or compiled regex) appears at or after
        start; returns the match end, or None on EOF/timeout."""
        while True:
            if isinstance(pattern, bytes):
                i = self.buf.find(pattern, start)
                if i >= 0:
                    return i + len(pattern)
            else:
                m = pattern.search(self.buf, start)
                if m:
                    return m.end()
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            r, _, _ = select.select([self.proc.stdout], [], [], min(left, 1.0))
            if not r:
                continue
            chunk = os.read(self.proc.stdout.fileno(), 65536)
            if not chunk:
                return None
            self.buf += chunk
            self.chunks.append((len(self.buf), time.monotonic()))

    def time_of(self, offset):
        """When the byte at offset arrived."""
        i = bisect.bisect_right(self.chunks, (offset, float("inf")))
        return self.chunks[min(i, len(self.chunks) - 1)][1]

    def tests(self, start, t0, t1):
        """[(name, seconds)] of each test whose "test NAME: " line is after
        start: from that line to its OK/FAILED; plus the time before the
        first test and after the last (usertests counts free pages there)."""
        out, last = [], t0
        for m in TEST_RE.finditer(self.buf, start):
            ta = self.time_of(m.start())
            if not out:
                out.append(("(before the first test)", ta - t0))
            tb = self.time_of(m.end(2) - 1) if m.group(2) else t1
            out.append((m.group(1).decode(), tb - ta))
            last = tb
        if out:
            out.append(("(after the last test)", t1 - last))
        return out


def run_once(cmd, xv6, smp, command, timeout, boot_timeout, log):
    """One boot and one command.  Returns a dict of figures."""
    res = {"ok": False, "why": "", "wall": None, "cpu": None,
           "cpu_total": None, "tests": {}}
    tmp = tempfile.mkdtemp(prefix="xv6-usertests-")
    fsimg = os.path.join(tmp, "fs.img")
    shutil.copyfile(os.path.join(xv6, "fs.img"), fsimg)
    full = cmd + machine_args(xv6, fsimg, smp)
    p = subprocess.Popen(full, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)
    con = Console(p)
    t_start = time.monotonic()
    try:
        at = con.wait_for(PROMPT, t_start + boot_timeout)
        if at is None:
            res["why"] = "no shell prompt"
            return res
        cpu0 = proc_cpu(p.pid)
        t0 = time.monotonic()
        try:
            p.stdin.write(command.encode() + b"\n")
            p.stdin.flush()
        except BrokenPipeError:
            res["why"] = "emulator exited"
            return res
        deadline = t0 + timeout
        # A usertests run ends with its verdict; any other command (e.g.
        # "ls", to time a boot) with the next prompt.
        done = RESULT_RE if command.startswith("usertests") else PROMPT_RE
        end = con.wait_for(done, deadline, at)
        t1 = time.monotonic()
        cpu1 = proc_cpu(p.pid)
        m = done.search(con.buf, at) if end is not None else None
        if m and m.group(0) in (PASS, b"\n" + PROMPT):
            res["ok"] = True
        else:
            res["why"] = (m.group(0).decode(errors="replace") if m else
                          "timeout" if t1 >= deadline else "emulator exited")
            names = [n for n, _ in con.tests(at, t0, t1)
                     if not n.startswith("(")]
            if names:
                res["why"] += " (in test %s)" % names[-1]
        res["wall"] = t1 - t0
        if cpu0 is not None and cpu1 is not None:
            res["cpu"] = cpu1 - cpu0
        res["tests"] = dict(con.tests(at, t0, t1))
        return res
    finally:
        # Not p.poll() or p.kill(): they may reap the child, and wait4 is
        # what gives its CPU time.  Killing a zombie is harmless.
        os.kill(p.pid, signal.SIGKILL)
        _, status, ru = os.wait4(p.pid, 0)
        p.returncode = status
        res["cpu_total"] = ru.ru_utime + ru.ru_stime
        try:
            # drain what is left, for the log
            while True:
                chunk = os.read(p.stdout.fileno(), 65536)
                if not chunk:
                    break
                con.buf += chunk
        except OSError:
            pass
        p.stdout.close()
        try:
            p.stdin.close()
        except OSError:
            pass
        res["console"] = con.buf
        if log:
            with open(log, "wb") as f:
                f.write(con.buf)
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--xv6-dir", default=os.environ.get("XV6_DIR"))
    ap.add_argument("--rhyve", default=os.environ.get("RHYVE", "build/rhyve"))
    ap.add_argument("--qemu", default="qemu-system-riscv64")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--smp", type=int, default=3)
    ap.add_argument("--only", default="",
                    help="jit, interp, qemu, or a comma-separated list")
    ap.add_argument("--timeout", type=float, default=900,
                    help="seconds from the command to its result, per run")
    ap.add_argument("--boot-timeout", type=float, default=120)
    ap.add_argument("--command", default="usertests -q",
                    help="what to type at the prompt (e.g. 'usertests NAME')")
    ap.add_argument("--log-dir", help="keep each run's console output here")
    ap.add_argument("--per-test", action="store_true",
                    help="print each test's wall time per emulator")
    a = ap.parse_args()
    if not a.xv6_dir:
        ap.error("--xv6-dir or $XV6_DIR: a built xv6-riscv tree")
    for f in ("kernel/kernel", "fs.img"):
        if not os.path.exists(os.path.join(a.xv6_dir, f)):
            ap.error("%s: no %s (make kernel/kernel fs.img there)" % (a.xv6_dir, f))

    emus = [("qemu", [a.qemu]),
            ("jit", [a.rhyve, "-engine", "jit"]),
            ("interp", [a.rhyve, "-engine", "interp"])]
    if a.only:
        want = a.only.split(",")
        for w in want:
            if w not in ("qemu", "jit", "interp"):
                ap.error("--only: jit, interp or qemu, not %r" % w)
        emus = [e for e in emus if e[0] in want]
    if a.log_dir:
        os.makedirs(a.log_dir, exist_ok=True)

    try:
        load = os.getloadavg()
    except OSError:
        load = (0, 0, 0)
    print("== xv6 %r, -smp %d, %d run(s) each, %d host cores, load average "
          "%.2f %.2f %.2f at start" % (a.command, a.smp, a.runs,
                                         os.cpu_count(), *load), flush=True)

    results = {name: [] for name, _ in emus}
    # Interleave the emulators run by run, so they see similar machine load.
    for i in range(a.runs):
        for name, cmd in emus:
            log = (os.path.join(a.log_dir, "%s-%d.log" % (name, i + 1))
                   if a.log_dir else None)
            r = run_once(cmd, a.xv6_dir, a.smp, a.command, a.timeout,
                         a.boot_timeout, log)
            results[name].append(r)
            print("%-6s run %d: %s  wall %s  cpu %s  (cpu incl. boot %.1f s)"
                  "  load %.2f" % (
                      name, i + 1, "passed" if r["ok"] else "FAILED: " + r["why"],
                      fmt(r["wall"]), fmt(r["cpu"]), r["cpu_total"] or 0,
                      os.getloadavg()[0]), flush=True)
            if not r["ok"]:
                tail = r["console"][-1500:].decode(errors="replace")
                sys.stdout.write("  console tail:\n    " +
                                 tail.replace("\n", "\n    ") + "\n")

    def med(name, key):
        v = [r[key] for r in results[name] if r["ok"] and r[key] is not None]
        return statistics.median(v) if v else None

    print()
    print("| emulator | runs passed | wall (median) | CPU (median) "
          "| QEMU/this wall | QEMU/this CPU |")
    print("|---|---|---|---|---|---|")
    qw, qc = (med("qemu", "wall"), med("qemu", "cpu")) if "qemu" in results \
        else (None, None)
    for name, _ in emus:
        label = {"qemu": "qemu-system-riscv64",
                 "jit": "rhyve -engine jit",
                 "interp": "rhyve -engine interp"}[name]
        w, c = med(name, "wall"), med(name, "cpu")
        npass = sum(r["ok"] for r in results[name])
        print("| %s | %d/%d | %s | %s | %s | %s |" % (
            label, npass, len(results[name]), fmt(w), fmt(c),
            ratio(qw, w), ratio(qc, c)))

    if a.per_test:
        print()
        names = [n for n, _ in emus]
        per = {n: {} for n in names}
        for n in names:
            for r in results[n]:
                for t, s in r["tests"].items():
                    per[n].setdefault(t, []).append(s)
        tests = sorted({t for n in names for t in per[n]},
                       key=lambda t: -max(statistics.median(per[n][t])
                                          for n in names if t in per[n]))
        print("| test | " + " | ".join("%s wall" % n for n in names) + " |")
        print("|---|" + "---|" * len(names))
        for t in tests:
            print("| %s | %s |" % (t, " | ".join(
                fmt(statistics.median(per[n][t])) if t in per[n] else "-"
                for n in names)))
    return 0


def fmt(s):
    return "-" if s is None else "%.1f s" % s


def ratio(q, r):
    return "%.2fx" % (q / r) if q and r else "-"


if __name__ == "__main__":
    sys.exit(main())
