#!/usr/bin/env python3
"""linux_smp.py - Debian 13's riscv64 kernel (6.12) boots on rhyve with a
busybox initramfs and a virtio-blk disk, runs work pinned to every hart
while a disk loop writes with fsync, writes 1 MiB to the disk with fsync
and reads it back past the page cache, and powers off with status 0:
  - 4 harts under OpenSBI (trixie's fw_dynamic, fetched with the kernel:
    Debian 12's OpenSBI 1.1 has a hart-start race, guest.firmware());
  - 8 harts on our 2 host cores with rhyve's built-in SBI (the kernel
    starts in S-mode).
No hang (timeout), no lockup, stall, oops or warning on the console; the
host's disk image holds what the guest wrote.
Exit 0 pass, 77 skip (no cached kernel), 1 fail.
"""
import hashlib
import os
import re
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "linux"))
import guest  # noqa: E402

TIMEOUT = int(os.environ.get("RHYVE_LINUX_TIMEOUT", "400"))
check = guest.Checks()


def case(title, smp, bios):
    print("== %s" % title, flush=True)
    with guest.Guest(smp=smp, bios=bios) as g:
        rc = g.boot(TIMEOUT)
        out = g.console()
        check("%s: powered off with status 0" % title, rc == 0,
              "status %s after %.0fs (None: hung)" % (rc, g.seconds))
        print("   boot to poweroff: %.1fs" % g.seconds)
        m = re.search(r"RHYVE-CPUS (\d+) (\S+)", out)
        check("%s: %d CPUs online" % (title, smp),
              m is not None and m.group(1) == str(smp) and
              m.group(2) == "0-%d" % (smp - 1), m.group(0) if m else "none")
        ran = dict(re.findall(r"RHYVE-WORK (\d+) (\d+)", out))
        check("%s: work ran on every hart" % title,
              all(ran.get(str(i)) == str(i) for i in range(smp)), str(ran))
        m = re.search(r"RHYVE-DISK ([0-9a-f]{64}) ([0-9a-f]{64})", out)
        check("%s: disk read back as written" % title,
              m is not None and m.group(1) == m.group(2),
              m.group(0) if m else "no RHYVE-DISK line")
        host = hashlib.sha256(g.disk_bytes(guest.PATTERN_BYTES)).hexdigest()
        check("%s: the host's image holds the guest's write" % title,
              m is not None and host == m.group(1), host)
        check("%s: init finished" % title, "RHYVE-DONE" in out)
        check.console_clean(title, out)


case("-smp 4, OpenSBI", 4, "opensbi")
case("-smp 8, built-in SBI", 8, None)
check.finish()
