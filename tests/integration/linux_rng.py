#!/usr/bin/env python3
"""linux_rng.py - Debian 13's riscv64 kernel reads entropy from rhyve's
virtio-rng (-device virtio-rng-device, the QEMU spelling), with the
sandbox on (the default): the guest's virtio-rng driver binds, becomes
the hw_random source (/sys/class/misc/hw_random/rng_current names
virtio_rng), and two 64-byte reads of /dev/hwrng return full, different,
non-constant data.  Run on both transports: modern (force-legacy=false)
and legacy (QEMU's default).
Exit 0 pass, 77 skip (no cached kernel), 1 fail.
"""
import os
import re
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "linux"))
import guest  # noqa: E402

TIMEOUT = int(os.environ.get("RHYVE_LINUX_TIMEOUT", "400"))
check = guest.Checks()


def case(title, extra):
    print("== %s" % title, flush=True)
    with guest.Guest(smp=2, mode="rng", extra=extra) as g:
        rc = g.boot(TIMEOUT)
        out = g.console()
        check("%s: powered off with status 0" % title, rc == 0,
              "status %s after %.0fs (None: hung)" % (rc, g.seconds))
        print("   boot to poweroff: %.1fs" % g.seconds)
        reads = re.findall(r"RHYVE-RNG ([0-9a-f]*)\r?$", out, re.M)
        check("%s: two reads of /dev/hwrng" % title, len(reads) == 2,
              str(reads))
        check("%s: 64 bytes each" % title,
              len(reads) == 2 and all(len(r) == 128 for r in reads),
              str([len(r) // 2 for r in reads]))
        check("%s: the reads differ" % title,
              len(reads) == 2 and reads[0] != reads[1], str(reads))
        # 64 random bytes with fewer than 16 distinct values: not random.
        check("%s: the bytes look random" % title,
              all(len(set(r[i:i + 2] for i in range(0, len(r), 2))) >= 16
                  for r in reads), str(reads))
        m = re.search(r"RHYVE-RNG-CURRENT (\S*)", out)
        check("%s: hw_random uses virtio_rng" % title,
              m is not None and m.group(1).startswith("virtio_rng"),
              m.group(0) if m else "no RHYVE-RNG-CURRENT line")
        check("%s: init finished" % title, "RHYVE-DONE" in out)
        check.console_clean(title, out, sandbox=True)


case("virtio-rng, modern transport",
     ["-global", "virtio-mmio.force-legacy=false",
      "-device", "virtio-rng-device"])
case("virtio-rng, legacy transport, bus=virtio-mmio-bus.2",
     ["-device", "virtio-rng-device,bus=virtio-mmio-bus.2"])
check.finish()
