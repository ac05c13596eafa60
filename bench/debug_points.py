#!/usr/bin/env python3
"""debug_points.py - what a debugger's breakpoints and watchpoints cost the
guest's speed, rhyve side by side with qemu-system-riscv64 (TCG), in one
run.  Both run bench/guests/compute_short.S (compute.S's kernel, 1500
rounds, 1.30e9 instructions) under -S -gdb, driven by a raw GDB
remote-protocol client (gdb_rsp.py's); each case is a fresh process:

  none        no debug point
  break       Z0 on bench_failed, the failure path: never executed, but on
              the kernel's hot text page
  break-cold  Z0 on bench_cold: never executed, alone on its own text page
  watch       Z2 (write, 8 bytes) on watch_word, alone on its own data
              page, which the guest never touches
  both        break + watch

Time is taken from sending vCont;c to the emulator's exit (the guest powers
off through sifive_test; rhyve sends W00 first, QEMU 7.2 only closes the
connection, so process exit is the common end).  Wall and CPU time (user +
system of the whole process, /proc/PID/stat at the continue, wait4 at the
end) are printed; MIPS, the QEMU/rhyve ratio (> 1: rhyve faster) and
rhyve's slowdown against its own "none" case use CPU time, the fairer
figure on a shared machine (see compare.py).  The guest's exit status is
checked; a run that fails, stops, or cannot start is reported on stderr
and left out.  A benchmark, not a test: it asserts nothing and exits 0
even when one side cannot run.

Expected runtime of the default invocation (--runs 3) on this 2-core
machine: QEMU ~0.6 s per case except ~23 s for "break" and "both" (QEMU
translates every block on a page holding a breakpoint one instruction at a
time, unchained: accel/tcg/cpu-exec.c, check_for_breakpoints_slow); rhyve
~2.2 s per case, but ~19 s for each case with a debug point when they force
its slow reference loop (~70 MIPS, before commit 8c112c6): about 3 minutes
in all, 7.5 minutes with the slow loop.  Before the timed runs, one
untimed process per emulator checks that a breakpoint and a watchpoint
that are hit do stop the guest (else a free debug point means nothing).
--cases picks a subset (e.g. --cases none,watch).

  bench/debug_points.py [--rhyve PATH] [--qemu PATH] [--runs N] [--elf PATH]
                        [--insns N] [--cases LIST] [--timeout S]
  bench/debug_points.py --count [--qemu PATH] [--elf PATH]

--count prints the guest's retired-instruction count (the "# insns:" line
of bench/guests/*.S; ~30 s for compute_short, 3 minutes for compute; the
ELF needs only a bench_poweroff symbol): QEMU with -icount shift=0,sleep=off, where
minstret counts retired instructions (sleep=off: no idle time warp, so the
count is exact and repeatable), read through the gdbstub at a breakpoint on
the poweroff store, plus that store.
"""
import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import time

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.join(ROOT, "bench"))
from gdb_rsp import RSP, free_port, symbols     # noqa: E402

CASES = ("none", "break", "break-cold", "watch", "both")
MACHINE = ["-M", "virt", "-bios", "none", "-m", "128M", "-nographic"]


def log(msg):
    sys.stderr.write("debug_points: %s\n" % msg)
    sys.stderr.flush()


def gdb_arg(name, port):
    # QEMU's tcp::PORT listens on every interface; keep it on loopback.
    return "tcp::%d" % port if name == "rhyve" else "tcp:127.0.0.1:%d" % port


def points_for(case, syms, kinds):
    """The Z packets of a case."""
    bp = "Z0,%x,%d" % (syms["bench_failed"], kinds["bench_failed"])
    cold = "Z0,%x,%d" % (syms["bench_cold"], kinds["bench_cold"])
    wp = "Z2,%x,8" % syms["watch_word"]
    return {"none": [], "break": [bp], "break-cold": [cold], "watch": [wp],
            "both": [bp, wp]}[case]


def insn_kinds(elf, syms, names=("bench_failed", "bench_cold")):
    """Breakpoint kind (2: compressed, 4) of each breakpoint target, from
    the ELF's bytes (objdump), the way GDB picks it."""
    kinds = {}
    out = subprocess.run(["riscv64-unknown-elf-objdump", "-d", elf],
                         capture_output=True, text=True).stdout
    for name in names:
        m = re.search(r"^\s*%x:\s+([0-9a-f]+)\s" % syms[name], out, re.M)
        kinds[name] = 2 if m and len(m.group(1)) == 4 else 4
    return kinds


def proc_cpu(pid):
    """CPU seconds (user + system, every thread) of a live process."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def run_case(name, binary, elf, points, timeout):
    """One fresh emulator, one case: (wall s, cpu s) or None."""
    port = free_port()
    cmd = [binary] + MACHINE + ["-kernel", elf, "-gdb", gdb_arg(name, port), "-S"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)
    except OSError as e:
        log("%s: cannot start %s: %s" % (name, binary, e))
        return None
    r = None
    reply = b""
    try:
        r = RSP(port)
        r.cmd("qSupported:swbreak+;hwbreak+;vContSupported+")
        r.noack()
        r.cmd("?")
        for z in points:
            rep = r.cmd(z)
            if rep != b"OK":
                log("%s: %s refused: %r" % (name, z, rep))
                raise RuntimeError("debug point refused")
        r.s.settimeout(timeout)
        cpu0 = proc_cpu(p.pid)
        t0 = time.perf_counter()
        r.send("vCont;c")
        try:
            reply = r.recv()        # rhyve: W00; a stop would be T..
        except EOFError:
            pass                    # QEMU 7.2: closes without W on poweroff
        if reply and reply[:1] not in (b"W", b"X"):
            log("%s: the guest stopped instead of powering off: %r" % (name, reply))
            raise RuntimeError("stopped")
        p.wait(timeout=timeout)
        dt = time.perf_counter() - t0
    except Exception as e:          # a benchmark reports, it does not fail
        if not isinstance(e, RuntimeError):
            log("%s: %s: %s" % (name, type(e).__name__, e))
        p.kill()
        p.wait()
        p.stderr.close()
        return None
    finally:
        if r is not None:
            r.s.close()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    err = p.stderr.read().decode(errors="replace")
    p.stderr.close()
    if p.returncode != 0 or reply not in (b"", b"W00"):
        log("%s exited %d (reply %r): %s" % (name, p.returncode, reply, err[-400:]))
        return None
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime) - cpu0
    return dt, cpu


def close_and_reap(r, p):
    """Close the RSP connection (if any), then wait for (or kill) the emulator."""
    if r is not None:
        r.s.close()
    try:
        p.wait(timeout=5)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


def check_points(name, binary, elf, syms):
    """A figure for a debug point that never fires means something only if
    the point works: one untimed process where a breakpoint on the kernel's
    loop and a write watchpoint on its sieve must stop the guest.  Returns
    None when both did, else what went wrong."""
    port = free_port()
    cmd = [binary] + MACHINE + ["-kernel", elf, "-gdb", gdb_arg(name, port), "-S"]
    try:
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    except OSError as e:
        return "cannot start: %s" % e
    r = None
    try:
        r = RSP(port)
        r.cmd("qSupported:swbreak+;hwbreak+;vContSupported+")
        r.noack()
        r.cmd("?")
        bp = syms["round"]
        z = "0,%x,%d" % (bp, insn_kinds(elf, syms, ("round",))["round"])
        r.cmd("Z" + z)
        rep = r.cmd("vCont;c")
        g = r.cmd("g")      # x0..x31, then pc (QEMU answers p only after the XML)
        pc = int.from_bytes(bytes.fromhex(g[512:528].decode()), "little") \
            if len(g) >= 528 else None
        if not rep.startswith(b"T") or pc != bp:
            return "breakpoint at round (%#x): reply %r, pc %s" % (bp, rep, pc and hex(pc))
        r.cmd("z" + z)
        wa = syms["sieve"]
        r.cmd("Z2,%x,8" % wa)
        rep = r.cmd("vCont;c")
        if not rep.startswith(b"T") or b"watch:" not in rep:
            return "write watchpoint on sieve (%#x): reply %r" % (wa, rep)
        r.send("k")
        return None
    except Exception as e:
        return "%s: %s" % (type(e).__name__, e)
    finally:
        close_and_reap(r, p)


def read_xfer(r, annex):
    data, off = b"", 0
    while True:
        rep = r.cmd("qXfer:features:read:%s:%x,%x" % (annex, off, 0x800))
        if not rep or rep[:1] not in (b"m", b"l"):
            return data
        data += rep[1:]
        off += len(rep) - 1
        if rep[:1] == b"l":
            return data


def count_insns(qemu, elf, syms):
    """Retired instructions up to and including the poweroff store."""
    port = free_port()
    cmd = [qemu] + MACHINE + ["-icount", "shift=0,sleep=off", "-kernel", elf,
                              "-gdb", gdb_arg("qemu", port), "-S"]
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    r = None
    try:
        r = RSP(port)
        r.cmd("qSupported:swbreak+;hwbreak+;vContSupported+;xmlRegisters=riscv")
        regnum = None
        target = read_xfer(r, "target.xml")
        for annex in [b"target.xml"] + re.findall(rb'href="([^"]+)"', target):
            xml = target if annex == b"target.xml" else read_xfer(r, annex.decode())
            m = re.search(rb'<reg name="minstret"[^>]*regnum="(\d+)"', xml)
            if m:
                regnum = int(m.group(1))
        if regnum is None:
            log("no minstret in QEMU's target description")
            return None
        pc = syms["bench_poweroff"]
        r.cmd("Z0,%x,4" % pc)
        r.s.settimeout(600)
        rep = r.cmd("vCont;c")
        if not rep.startswith(b"T05"):
            log("unexpected stop %r" % rep)
            return None
        val = r.cmd("p%x" % regnum)
        n = int.from_bytes(bytes.fromhex(val.decode()), "little")
        r.send("k")
        return n + 1
    finally:
        close_and_reap(r, p)


def insns_of(elf):
    """The '# insns: N' line of the ELF's source, if it can be found."""
    base = os.path.splitext(os.path.basename(elf))[0]
    src = os.path.join(ROOT, "bench", "guests", base + ".S")
    try:
        with open(src) as f:
            for line in f:
                m = re.match(r"#\s*insns:\s*(\d+)", line)
                if m:
                    return int(m.group(1))
    except OSError:
        pass
    return 0


def fmt(v, spec, width):
    return (spec % v).rjust(width) if v else "n/a".rjust(width)


def main():
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0].split(" - ", 1)[1].replace("\n", " "),
        epilog="Expected runtime: about 3 minutes (QEMU's breakpoint cases dominate); "
               "7.5 with rhyve's old slow debug loop.")
    ap.add_argument("--rhyve", default=os.environ.get("RHYVE", os.path.join(ROOT, "build", "rhyve")))
    ap.add_argument("--qemu", default="qemu-system-riscv64")
    ap.add_argument("--build", default=os.environ.get("BUILD", os.path.join(ROOT, "build")))
    ap.add_argument("--elf", default=None, help="guest ELF (default BUILD/bench/guests/compute_short.elf)")
    ap.add_argument("--runs", type=int, default=3, help="runs per case and emulator (median)")
    ap.add_argument("--insns", type=float, default=0,
                    help="guest instructions retired (default: the '# insns:' line of its source)")
    ap.add_argument("--cases", default=",".join(CASES), help="comma-separated subset of " + ",".join(CASES))
    ap.add_argument("--timeout", type=float, default=300, help="seconds per run")
    ap.add_argument("--count", action="store_true",
                    help="print the guest's retired-instruction count (QEMU -icount) and exit")
    args = ap.parse_args()
    elf = args.elf or os.path.join(args.build, "bench", "guests", "compute_short.elf")
    if not os.path.isfile(elf):
        print("debug_points: no guest %s (make %s)" % (elf, os.path.relpath(elf, ROOT)))
        return 0
    syms = symbols(elf)
    need = ("bench_poweroff",) if args.count else \
        ("bench_failed", "bench_cold", "watch_word", "bench_poweroff", "round", "sieve")
    if any(s not in syms for s in need):
        print("debug_points: %s lacks one of the symbols %s" % (elf, ", ".join(need)))
        return 0
    if args.count:
        n = count_insns(args.qemu, elf, syms)
        if n:
            print("# insns: %d" % n)
        return 0
    cases = [c for c in args.cases.split(",") if c]
    bad = [c for c in cases if c not in CASES]
    if bad:
        ap.error("unknown case(s) %s; choose from %s" % (",".join(bad), ",".join(CASES)))
    insns = args.insns or insns_of(elf)
    kinds = insn_kinds(elf, syms)

    sides = [("qemu", args.qemu), ("rhyve", args.rhyve)]
    dead = set()
    checked = {}
    for name, binary in sides:
        why = check_points(name, binary, elf, syms)
        checked[name] = "ok" if why is None else "FAILED"
        if why is not None and why.startswith("cannot start"):
            checked[name] = "n/a"       # run_case says why
        elif why is not None:
            log("%s: debug points do not work, its figures mean little: %s" % (name, why))
    res = {(n, c): [] for n, _ in sides for c in cases}
    for _ in range(max(args.runs, 1)):
        for c in cases:
            for name, binary in sides:      # interleaved: the same load for both
                if name in dead:
                    continue
                t = run_case(name, binary, elf, points_for(c, syms, kinds), args.timeout)
                if t is None and not res[(name, c)] and c == cases[0]:
                    dead.add(name)          # cannot run at all: skip the rest
                    log("%s: skipped from here on" % name)
                if t is not None:
                    res[(name, c)].append(t)

    def med(name, c):
        v = res[(name, c)]
        if not v:
            return None, None
        return statistics.median(x[0] for x in v), statistics.median(x[1] for x in v)

    print("%-10s | %7s %7s %6s | %7s %7s %6s | %6s %6s | %s" % (
        "case", "qemu s", "cpu s", "MIPS", "rhyve s", "cpu s", "MIPS",
        "q/r", "q/r", "rhyve vs none"))
    print("%-10s | %7s %7s %6s | %7s %7s %6s | %6s %6s | %s" % (
        "", "wall", "", "(cpu)", "wall", "", "(cpu)", "wall", "cpu", "(cpu)"))
    rbase = med("rhyve", "none")[1] if "none" in cases else None
    for c in cases:
        qw, qc = med("qemu", c)
        rw, rc = med("rhyve", c)
        qm = insns / qc / 1e6 if insns and qc else None
        rm = insns / rc / 1e6 if insns and rc else None
        ratio_w = qw / rw if qw and rw else None
        ratio_c = qc / rc if qc and rc else None
        slow = rc / rbase if rc and rbase else None
        print("%-10s | %7s %7s %6s | %7s %7s %6s | %6s %6s | %s" % (
            c, fmt(qw, "%.2f", 7), fmt(qc, "%.2f", 7), fmt(qm, "%.0f", 6),
            fmt(rw, "%.2f", 7), fmt(rc, "%.2f", 7), fmt(rm, "%.0f", 6),
            fmt(ratio_w, "%.2f", 6), fmt(ratio_c, "%.2f", 6),
            fmt(slow, "%.2fx", 6)))
    print("(median of %d run(s) per case; %s instructions; q/r > 1: rhyve faster; "
          "points stop the guest when hit: qemu %s, rhyve %s)" % (
              max(args.runs, 1), "%d" % insns if insns else "unknown",
              checked["qemu"], checked["rhyve"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
