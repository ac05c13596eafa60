#!/usr/bin/env python3
"""record.py - benchmark (not a test) of record mode (rhyve --record):

  1. recording slowdown: the same guest run to its poweroff plainly and
     with --record (compute_short.elf, one hart; race.elf with 4 harts
     and a stop_at patched in, where the plain run uses 4 threads);
  2. snapshot cost and memory per second of history: a recording of
     race.elf for a few seconds with -m 32M and -m 256M, read back with
     `monitor record`;
  3. reverse-step and reverse-continue latency: bs on a hart (restore +
     replay), bc with a write watchpoint (a few back), bc with nothing set
     (to the beginning of the whole history).
Prints figures; asserts nothing.  Record results in docs/benchmarks.md.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True
ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration", "gdb"))
import common  # noqa: E402
from common import RSP  # noqa: E402


def timed(args, timeout=600):
    t = time.time()
    p = subprocess.run(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=timeout)
    return time.time() - t, p.returncode


def race_with_stop(elf, stop_at):
    """A copy of race.elf whose hart 0 powers off after stop_at rounds."""
    fd, path = tempfile.mkstemp(suffix=".elf")
    os.close(fd)
    return common.elf_with_u64(elf, "stop_at", stop_at, path)


def rcmd(r, text):
    reply = r.cmd("qRcmd," + text.encode().hex(), timeout=600)
    return "" if reply == b"OK" else bytes.fromhex(reply.decode()).decode()


def stats(text):
    d = {}
    for line in text.splitlines():
        w = line.replace(",", "").replace("(", "").replace(")", "").split()
        if line.startswith("position:"):
            d["g"] = int(w[2])
        elif line.startswith("snapshots:"):
            d["snaps"] = int(w[3])
            d["snap_ms"] = int(w[w.index("ms") - 1])
        elif line.startswith("memory:"):
            d["bytes"] = int(w[1])
    return d


def session(rhyve, elf, mem, secs, interval):
    port = common.free_port()
    args = [rhyve, "-M", "virt", "-nographic", "-bios", "none", "-m", mem,
            "-smp", "4", "-kernel", elf, "-gdb", "tcp::%d" % port, "-S",
            "--record=2G,interval=%d" % interval]
    p = subprocess.Popen(args, stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        r = RSP(port)
        r.cmd("qSupported:swbreak+")
        r.noack()
        r.cmd("?")
        r.send("vCont;c")
        t0 = time.time()
        time.sleep(secs)
        r.send_raw(b"\x03")
        r.recv(60)
        wall = time.time() - t0
        st = stats(rcmd(r, "record"))
        res = {"wall": wall, **st}
        syms = common.symbols(elf)
        # bs latency: 200 steps of hart 1
        r.cmd("vCont;s:2", timeout=60)
        t = time.time()
        for _ in range(200):
            r.cmd("Hc2")
            r.cmd("bs", timeout=60)
        res["bs_ms"] = (time.time() - t) * 1000 / 200
        t = time.time()
        for _ in range(200):
            r.cmd("vCont;s:2", timeout=60)
        res["s_ms"] = (time.time() - t) * 1000 / 200
        r.cmd("Z2,%x,8" % syms["shared_word"])
        t = time.time()
        for _ in range(20):
            r.cmd("Hc0")
            r.cmd("bc", timeout=600)
        res["bc_watch_ms"] = (time.time() - t) * 1000 / 20
        r.cmd("z2,%x,8" % syms["shared_word"])
        t = time.time()
        rep = r.cmd("bc", timeout=600)
        res["bc_begin_ms"] = (time.time() - t) * 1000
        res["begin"] = b"replaylog:begin" in rep
        r.send("k")
        r.close()
        return res
    finally:
        p.kill()
        p.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rhyve", default=os.path.join(ROOT, "build", "rhyve"))
    ap.add_argument("--secs", type=float, default=3.0)
    a = ap.parse_args()
    build = os.path.join(ROOT, "build")
    base = [a.rhyve, "-M", "virt", "-nographic", "-bios", "none"]

    print("-- recording slowdown (wall time to poweroff, best of 3)")
    short = os.path.join(build, "bench", "guests", "compute_short.elf")
    race = race_with_stop(os.path.join(build, "guests", "gdb", "race.elf"),
                          2000000)
    try:
        for name, elf, smp in (("compute_short, 1 hart", short, "1"),
                               ("race, 4 harts", race, "4")):
            plain = min(timed(base + ["-m", "128M", "-smp", smp, "-kernel",
                                      elf])[0] for _ in range(3))
            rec = min(timed(base + ["-m", "128M", "-smp", smp, "-kernel", elf,
                                    "--record"])[0] for _ in range(3))
            print("%-24s plain %6.2f s  --record %6.2f s  slowdown x%.2f" %
                  (name, plain, rec, rec / plain))
    finally:
        os.unlink(race)

    print("-- a %.0f s recording of race.elf (4 harts), then reverse" % a.secs)
    elf = os.path.join(build, "guests", "gdb", "race.elf")
    for mem, interval in (("32M", 20000000), ("256M", 20000000),
                          ("256M", 100000000)):
        r = session(a.rhyve, elf, mem, a.secs, interval)
        snaps = max(r.get("snaps", 1), 1)
        print("-m %-4s snapshot every %3dM insns: %5.0f M insns/s recorded, "
              "%d snapshots, %.1f ms each, %.2f MB of history per second; "
              "bs %.1f ms, s %.2f ms, bc (watch) %.1f ms, bc to the beginning "
              "%.0f ms (%s)" %
              (mem, interval // 1000000, r["g"] / r["wall"] / 1e6, snaps,
               r["snap_ms"] / snaps, r["bytes"] / r["wall"] / 1e6, r["bs_ms"],
               r["s_ms"], r["bc_watch_ms"], r["bc_begin_ms"],
               "replaylog:begin" if r["begin"] else "interrupted?"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
