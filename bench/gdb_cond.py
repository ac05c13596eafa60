#!/usr/bin/env python3
"""gdb_cond.py - what a never-true conditional breakpoint costs the guest:
"break cond_fn if $a0 == 99" on a function that 3 harts call in a loop
(tests/guests/gdb/cond.S), driven by real gdb-multiarch, same ELF on
rhyve and on qemu-system-riscv64 (TCG), one fresh process per run:

  rhyve         rhyve offers ConditionalBreakpoints+: GDB sends the
                condition as bytecode and the vCPU that hits the
                breakpoint evaluates it (GDB's default, "auto")
  rhyve-host    rhyve with "set breakpoint condition-evaluation host":
                every hit is a stop, register reads and a resume
  qemu          QEMU's gdbstub has no target-side conditions: GDB
                evaluates every hit host-side
  rhyve-none    for reference: rhyve with no breakpoint at all

The guest makes cond_iters calls per hart (set through GDB before it runs;
more for rhyve, whose runs would otherwise be too short to time) and
powers off; the time is from GDB's continue to the end of the run (W00,
or QEMU closing the connection).  Prints calls/s (median of --runs) and
the ratio to QEMU.  A benchmark, not a test: it asserts nothing and exits
0 even when one side cannot run (not part of make test).

  bench/gdb_cond.py [--rhyve PATH] [--qemu PATH] [--runs N]
                    [--iters-rhyve N] [--iters-qemu N] [--cases LIST]
"""
import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
NHARTS = 3

# Runs INSIDE gdb-multiarch (gdb -batch -x): one timed continue.
INGDB = r'''
import os, time
import gdb
gdb.execute("set pagination off")
gdb.execute("set confirm off")
gdb.execute("file " + os.environ["B_ELF"])
gdb.execute("target remote 127.0.0.1:" + os.environ["B_PORT"])
gdb.execute("set var *(long *)&cond_iters = " + os.environ["B_ITERS"])
gdb.execute("set breakpoint condition-evaluation " + os.environ["B_EVAL"])
if os.environ["B_BREAK"] == "1":
    gdb.execute("break cond_fn if $a0 == 99")
stops = []
gdb.events.stop.connect(lambda e: stops.append(1))
t0 = time.time()
try:
    gdb.execute("continue")
except gdb.error as e:          # QEMU 7.2 closes the connection at exit
    print("note: " + str(e))
t1 = time.time()
print("BENCH secs=%.6f stops=%d" % (t1 - t0, len(stops)))
'''


def log(msg):
    sys.stderr.write("gdb_cond: %s\n" % msg)
    sys.stderr.flush()


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def one_run(case, args, script):
    port = free_port()
    if case.startswith("rhyve"):
        cmd = [args.rhyve, "-M", "virt", "-bios", "none", "-m", "128M",
               "-nographic", "-smp", str(NHARTS), "-kernel", args.elf,
               "-gdb", "tcp::%d" % port, "-S"]
        iters = args.iters_qemu if case == "rhyve-host" else args.iters_rhyve
    else:
        # QEMU's tcp::PORT listens on every interface; keep it on loopback.
        cmd = [args.qemu, "-M", "virt", "-bios", "none", "-m", "128M",
               "-nographic", "-smp", str(NHARTS), "-kernel", args.elf,
               "-gdb", "tcp:127.0.0.1:%d" % port, "-S"]
        iters = args.iters_qemu
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 10
        while True:         # wait for the stub to listen
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.time() > deadline or proc.poll() is not None:
                    log("%s did not start" % case)
                    return None
                time.sleep(0.05)
        env = dict(os.environ, B_ELF=args.elf, B_PORT=str(port),
                   B_ITERS=str(iters),
                   B_BREAK="0" if case == "rhyve-none" else "1",
                   B_EVAL="host" if case != "rhyve" else "auto")
        try:
            p = subprocess.run(["gdb-multiarch", "-nx", "-batch", "-x", script],
                               capture_output=True, text=True, env=env,
                               timeout=args.timeout, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            log("%s: timeout after %d s" % (case, args.timeout))
            return None
        try:
            status = proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            status = None
        line = [l for l in p.stdout.splitlines() if l.startswith("BENCH ")]
        if not line or status != 0:
            log("%s: run failed (exit %s): %s" % (case, status,
                (p.stdout + p.stderr)[-400:]))
            return None
        f = dict(kv.split("=") for kv in line[0].split()[1:])
        if int(f["stops"]) != 0:
            log("%s: the never-true condition stopped" % case)
            return None
        return NHARTS * iters / float(f["secs"])
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rhyve", default=os.path.join(ROOT, "build", "rhyve"))
    ap.add_argument("--qemu", default=shutil.which("qemu-system-riscv64") or
                    "qemu-system-riscv64")
    ap.add_argument("--elf", default=os.path.join(ROOT, "build", "guests", "gdb",
                                                  "cond.elf"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--iters-rhyve", type=int, default=1000000,
                    help="calls per hart on rhyve (default 1000000)")
    ap.add_argument("--iters-qemu", type=int, default=500,
                    help="calls per hart on QEMU and rhyve-host (default 500)")
    ap.add_argument("--cases", default="rhyve,rhyve-host,qemu,rhyve-none")
    ap.add_argument("--timeout", type=int, default=300)
    args = ap.parse_args()

    if shutil.which("gdb-multiarch") is None:
        log("skip: no gdb-multiarch")
        return 0
    if not os.path.isfile(args.elf):
        log("skip: no guest %s (make guests)" % args.elf)
        return 0
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
        f.write(INGDB)
        script = f.name
    rates = {}
    try:
        for case in args.cases.split(","):
            exe = args.rhyve if case.startswith("rhyve") else args.qemu
            if shutil.which(exe) is None and not os.access(exe, os.X_OK):
                log("skip %s: no %s" % (case, exe))
                continue
            r = [x for x in (one_run(case, args, script)
                             for _ in range(args.runs)) if x is not None]
            if r:
                rates[case] = statistics.median(r)
    finally:
        os.unlink(script)

    print("never-true conditional breakpoint on a function %d harts call "
          "(median of %d runs)" % (NHARTS, args.runs))
    print("%-12s %14s %12s" % ("", "calls/s", "x QEMU"))
    for case in ("rhyve", "rhyve-host", "qemu", "rhyve-none"):
        if case in rates:
            ratio = ("%.0f" % (rates[case] / rates["qemu"])
                     if "qemu" in rates else "-")
            print("%-12s %14.0f %12s" % (case, rates[case], ratio))
    return 0


sys.exit(main())
