#!/usr/bin/env python3
"""linux_record.py - record and replay of a Linux boot: Debian 13's
riscv64 kernel (6.12) under OpenSBI (trixie's, guest.firmware()) on 4 harts with the
busybox initramfs (rhyve.mode=gdb for one second of guest time: no disk,
a writable one is refused in record mode) and a virtio-rng (the kernel's
hw_random thread feeds its pool from it), recorded with --record-file
and powered off, then replayed from the file with --replay: the
recording holds entropy the guest asked for, the replay passes every
check on the way (registers and device state every million
instructions, RAM at snapshots) and finds the same RAM and the same
registers of every hart at the end of the recording (it says "replayed
exactly" with the instruction count), the console output is the same,
and nothing warns (no lockup, stall, oops: virtual time runs at a hart's
pace).
Exit 0 pass, 77 skip (no cached kernel), 1 fail.
"""
import os
import re
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "linux"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import guest  # noqa: E402
import recording  # noqa: E402

TIMEOUT = int(os.environ.get("RHYVE_LINUX_TIMEOUT", "400"))
RHYVE = os.environ.get("RHYVE", os.path.join(guest.ROOT, "build", "rhyve"))
check = guest.Checks()


def main():
    linux = guest.need_linux()
    with tempfile.TemporaryDirectory(prefix="rhyve-linux-rec-") as tmp:
        initrd = os.path.join(tmp, "initrd.gz")
        guest.make_initramfs(initrd, linux)
        rec = os.path.join(tmp, "linux.rec")
        base = [RHYVE, "-bios", guest.firmware("opensbi", linux), "-M", "virt", "-smp", "4", "-m",
                "256M", "-nographic", "-kernel", os.path.join(linux, "Image"),
                "-initrd", initrd, "-append",
                "console=ttyS0 rhyve.mode=gdb rhyve.secs=1",
                "-global", "virtio-mmio.force-legacy=false",
                "-device", "virtio-rng-device"]
        outs = []
        for title, extra in (("record", ["--record=1G", "--record-file=" + rec]),
                             ("replay", ["--replay=" + rec])):
            p = subprocess.run(base + extra, capture_output=True,
                               timeout=TIMEOUT, stdin=subprocess.DEVNULL)
            out = p.stdout.decode(errors="replace")
            err = p.stderr.decode(errors="replace")
            outs.append(out)
            check("%s: powered off with status 0" % title, p.returncode == 0,
                  "status %s: %s" % (p.returncode, err[-500:]))
            check("%s: the guest ran (RHYVE-DONE)" % title,
                  "RHYVE-DONE" in out, out[-500:])
            check.console_clean(title, out)
            if title == "record":
                rng = recording.Recording(rec).rng_inputs()
                check("record: the guest took entropy from virtio-rng "
                      "(%d requests, %d bytes)" % (len(rng), sum(
                          len(i["data"]) for i in rng)), len(rng) > 0)
        m = re.search(r"replayed exactly \((\d+) instructions\)", err)
        check("replay: same RAM and registers at the end (%s instructions)" %
              (m.group(1) if m else "?"), m is not None, err[-500:])
        check("replay: the same console output", outs[0] == outs[1])
    check.finish()


if __name__ == "__main__":
    main()
