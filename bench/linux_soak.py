#!/usr/bin/env python3
"""linux_soak.py - N boots of Debian 13's riscv64 Linux in a row on rhyve,
each with SMP work on every hart and disk load (tests/integration/linux/
init, rhyve.mode=smp), reporting every boot that hangs or goes wrong; then
the same kernel, initramfs and options on qemu-system-riscv64 for the boot
time side by side.  A benchmark, never a test: it asserts nothing (its exit
status is 1 only when a boot failed, for scripts).

  bench/linux_soak.py [--boots N] [--smp N] [--bios opensbi|default|builtin]
                      [--qemu-boots K] [--rhyve PATH] [--qemu PATH]

A boot is "ok" when it powers off with status 0 within --timeout, the disk
read back matches, and the console shows no lockup, stall, oops or
warning; "hang" when it is still running at --timeout; "bad" otherwise.
Times: wall from start to poweroff, CPU (user + system of every thread),
and the guest's own timestamp of "Run /init" (boot to user space).
"""
import argparse
import os
import re
import resource
import shutil
import statistics
import sys

sys.dont_write_bytecode = True
ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration", "linux"))
import guest  # noqa: E402


def one_boot(emulator, smp, bios, timeout):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with guest.Guest(smp=smp, bios=bios, emulator=emulator) as g:
        rc = g.boot(timeout)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        out = g.console()
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        m = re.search(r"\[\s*([0-9.]+)\] Run /init as init process", out)
        to_init = float(m.group(1)) if m else None
        d = re.search(r"RHYVE-DISK ([0-9a-f]{64}) ([0-9a-f]{64})", out)
        trouble = [l for l in out.splitlines() if guest.TROUBLE.search(l)]
        if rc is None:
            verdict = "hang"
        elif rc == 0 and d and d.group(1) == d.group(2) and not trouble \
                and "RHYVE-DONE" in out:
            verdict = "ok"
        else:
            verdict = "bad"
        return verdict, g.seconds, cpu, to_init, trouble, out


def series(label, emulator, n, smp, bios, timeout, keep):
    counts = {"ok": 0, "hang": 0, "bad": 0}
    walls, cpus, inits = [], [], []
    for i in range(1, n + 1):
        v, wall, cpu, to_init, trouble, out = one_boot(emulator, smp, bios, timeout)
        counts[v] += 1
        if v == "ok":
            walls.append(wall)
            cpus.append(cpu)
            if to_init is not None:
                inits.append(to_init)
        print("%s boot %3d: %-4s wall %6.1fs cpu %6.1fs init at %s" %
              (label, i, v, wall, cpu,
               "%.1fs" % to_init if to_init is not None else "-"), flush=True)
        if v != "ok":
            for line in trouble[:5]:
                print("    " + line)
            if keep:
                path = os.path.join(keep, "%s-boot-%d.log" % (label, i))
                with open(path, "w") as f:
                    f.write(out)
                print("    console saved in " + path)
    med = (lambda xs: statistics.median(xs) if xs else float("nan"))
    print("%s: %d boots: %d ok, %d hang, %d bad; median wall %.2fs, cpu %.2fs, "
          "init at %.2fs" % (label, n, counts["ok"], counts["hang"], counts["bad"],
                             med(walls), med(cpus), med(inits)), flush=True)
    return counts, med(walls), med(cpus), med(inits)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--boots", type=int, default=20)
    ap.add_argument("--qemu-boots", type=int, default=3)
    ap.add_argument("--smp", type=int, default=4)
    # opensbi: trixie's (the tests' firmware); default: the host's
    # (Debian 12's 1.1, with its hart-start race: guest.firmware())
    ap.add_argument("--bios", default="opensbi",
                    choices=["opensbi", "default", "builtin"])
    ap.add_argument("--timeout", type=int, default=180)
    ap.add_argument("--rhyve", default=guest.RHYVE)
    ap.add_argument("--qemu", default=shutil.which("qemu-system-riscv64"))
    ap.add_argument("--keep", help="folder for the consoles of failed boots")
    a = ap.parse_args()
    guest.need_linux(a.rhyve)
    bios = None if a.bios == "builtin" else a.bios
    print("== Linux soak: %d boots, -smp %d, %s, %s" %
          (a.boots, a.smp, "OpenSBI (%s)" % a.bios if bios else "built-in SBI",
           open(os.path.join(guest.cache_dir(), "VERSION")).read().split("\n")[0]))
    counts, rw, rc_, ri = series("rhyve", a.rhyve, a.boots, a.smp, bios,
                                 a.timeout, a.keep)
    if a.qemu and a.qemu_boots > 0:
        # QEMU has no built-in SBI: it boots through OpenSBI either way
        # (the same firmware file as rhyve, or trixie's).
        _, qw, qc, qi = series("qemu", a.qemu, a.qemu_boots, a.smp,
                               bios or "opensbi",
                               a.timeout, a.keep)
        print("boot to poweroff, QEMU/rhyve: wall %.2fx, cpu %.2fx "
              "(> 1: rhyve faster); to /init: rhyve %.2fs, QEMU %.2fs" %
              (qw / rw, qc / rc_, ri, qi))
    return 0 if counts["hang"] == 0 and counts["bad"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
