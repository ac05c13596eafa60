#!/usr/bin/env python3
"""compare.py - run rhyve and qemu-system-riscv64 on the same guest, in one
run, and print wall times and the ratio (QEMU time / rhyve time, so > 1 means
rhyve is faster).  A benchmark, never a test: it asserts nothing.

  bench/compare.py [--runs N] [--rhyve PATH] [--qemu PATH] NAME -- ARGS...

ARGS are the machine arguments both take (e.g. -M virt -bios none -m 128M
-nographic -kernel X.elf); the guest must power itself off.  With --mips
INSNS the guest's retired-instruction count is given and MIPS is printed.

Both wall time and CPU time (user + system of the emulator process and
all its threads, from wait4) are measured.  On a shared, loaded machine
the wall-time ratio swings with whatever else runs (a short QEMU run may
get a core to itself while a long rhyve run shares one), so the CPU-time
ratio is printed too: it is the fairer figure there.
"""
import argparse
import os
import resource
import statistics
import subprocess
import sys
import time


def run_once(cmd, timeout):
    """One run: (wall seconds, CPU seconds), or None if it failed."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE)
    try:
        _, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
        sys.stderr.write("%s: timeout after %ss\n" % (cmd[0], timeout))
        return None
    dt = time.perf_counter() - t0
    # communicate() reaped the child; its rusage is in RUSAGE_CHILDREN deltas.
    return dt, p.returncode, err


def measure(cmd, runs, timeout):
    """Median (wall, cpu) over runs, or None."""
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        r = run_once(cmd, timeout)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if r is None:
            return None
        dt, rc, err = r
        if rc != 0:
            sys.stderr.write("%s exited %d: %s\n" % (cmd[0], rc,
                                                     err.decode(errors="replace")[-400:]))
            return None
        walls.append(dt)
        cpus.append((after.ru_utime - before.ru_utime) +
                    (after.ru_stime - before.ru_stime))
    return statistics.median(walls), statistics.median(cpus)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--rhyve", default=os.environ.get("RHYVE", "build/rhyve"))
    ap.add_argument("--qemu", default="qemu-system-riscv64")
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--mips", type=float, default=0,
                    help="guest instructions retired, to print MIPS")
    ap.add_argument("name")
    ap.add_argument("args", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    args = a.args[1:] if a.args and a.args[0] == "--" else a.args

    # Interleave so both see the same machine load.
    q = measure([a.qemu] + args, a.runs, a.timeout)
    r = measure([a.rhyve] + args, a.runs, a.timeout)
    tq, cq = q if q else (0, 0)
    tr, cr = r if r else (0, 0)
    line = "%-16s qemu %7.2fs (cpu %7.2fs)  rhyve %7.2fs (cpu %7.2fs)" % (
        a.name, tq, cq, tr, cr)
    if q and r:
        line += "  ratio wall %4.2fx cpu %4.2fx" % (tq / tr, cq / cr if cr else 0)
        if a.mips:
            line += "  MIPS(cpu) qemu %6.0f rhyve %6.0f" % (
                a.mips / cq / 1e6 if cq else 0, a.mips / cr / 1e6 if cr else 0)
    else:
        line += "  (a run failed)"
    print(line, flush=True)
    return 0 if q and r else 1


if __name__ == "__main__":
    sys.exit(main())
