#!/usr/bin/env python3
"""linux_record.py - record and replay of Linux boots: Debian 13's riscv64
kernel (6.12) under OpenSBI (trixie's, guest.firmware()) with the busybox
initramfs, recorded with --record-file and powered off, then replayed from
the file with --replay.  Each replay passes every check on the way
(registers and device state every million instructions, RAM at
snapshots), finds the same RAM and the same registers of every hart at
the end of the recording ("replayed exactly" with the instruction count)
and prints the same console output, and nothing warns (no lockup, stall,
oops: virtual time runs at a hart's pace).  The boots:
  - rng: 4 harts, rhyve.mode=gdb for one second of guest time, a
    virtio-rng (the kernel's hw_random thread feeds its pool from it):
    the recording holds the entropy the guest asked for;
  - disk: 4 harts, rhyve.mode=smp on a writable virtio-blk disk (a loop
    of 64 KiB writes with fsync beside CPU work on every hart, then 1 MiB
    written and read back past the page cache): the recording logs every
    request and the bytes each write replaced; the replay reads nothing
    from the image (it already holds every write) and leaves it as it is;
  - net: 2 harts, rhyve.mode=net with user networking: DHCP, then wget of
    a file from an HTTP server on the host's loopback (its SHA-256
    printed); the recording logs the frames the guest received; the
    replay runs with the server gone and gets them from the recording.
Exit 0 pass, 77 skip (no cached kernel), 1 fail.
"""
import hashlib
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


def record_replay(tmp, linux, title, smp, append, extra, after_record=None):
    """Record a boot to a file, replay it; return (record output, replay
    output) or None.  after_record(recording) checks the recording."""
    initrd = os.path.join(tmp, "initrd.gz")
    if not os.path.exists(initrd):
        guest.make_initramfs(initrd, linux)
    rec = os.path.join(tmp, title + ".rec")
    base = [RHYVE, "-bios", guest.firmware("opensbi", linux), "-M", "virt",
            "-smp", str(smp), "-m", "256M", "-nographic", "-kernel",
            os.path.join(linux, "Image"), "-initrd", initrd, "-append",
            "console=ttyS0 " + append,
            "-global", "virtio-mmio.force-legacy=false"] + extra
    outs, err = [], ""
    for step, more in (("record", ["--record=1G", "--record-file=" + rec]),
                       ("replay", ["--replay=" + rec])):
        name = "%s: %s" % (title, step)
        p = subprocess.run(base + more, capture_output=True,
                           timeout=TIMEOUT, stdin=subprocess.DEVNULL)
        out = p.stdout.decode(errors="replace")
        err = p.stderr.decode(errors="replace")
        outs.append(out)
        check("%s: powered off with status 0" % name, p.returncode == 0,
              "status %s: %s" % (p.returncode, err[-500:]))
        check("%s: the guest ran (RHYVE-DONE)" % name, "RHYVE-DONE" in out,
              out[-500:])
        check.console_clean(name, out)
        if step == "record" and after_record is not None:
            after_record(recording.Recording(rec))
    m = re.search(r"replayed exactly \((\d+) instructions\)", err)
    check("%s: replay: same RAM and registers at the end (%s instructions)" %
          (title, m.group(1) if m else "?"), m is not None, err[-500:])
    check("%s: replay: the same console output" % title, outs[0] == outs[1])
    return outs


def rng_case(tmp, linux):
    def logged(r):
        rng = r.rng_inputs()
        check("rng: record: the guest took entropy from virtio-rng "
              "(%d requests, %d bytes)" % (len(rng), sum(
                  len(i["data"]) for i in rng)), len(rng) > 0)
    record_replay(tmp, linux, "rng", 4, "rhyve.mode=gdb rhyve.secs=1",
                  ["-device", "virtio-rng-device"], logged)


def disk_case(tmp, linux):
    disk = os.path.join(tmp, "disk.img")
    with open(disk, "wb") as f:
        f.truncate(guest.DISK_SIZE)

    def logged(r):
        reqs = r.inputs_of(recording.KIND_DISK)
        undo = r.inputs_of(recording.KIND_DISK_UNDO)
        check("disk: record: the requests logged (%d), and what the writes "
              "replaced (%d, %d bytes)" % (len(reqs), len(undo), sum(
                  len(i["data"]) for i in undo)),
              len(reqs) > 40 and len(undo) >= 40)
        with open(disk, "rb") as f:
            state.append(f.read())
    state = []
    outs = record_replay(tmp, linux, "disk", 4, "rhyve.mode=smp",
                         ["-drive", "file=%s,format=raw,if=virtio" % disk],
                         logged)
    m = re.search(r"RHYVE-DISK ([0-9a-f]{64}) ([0-9a-f]{64})", outs[0])
    check("disk: record: 1 MiB written and read back the same",
          m is not None and m.group(1) == m.group(2),
          m.group(0) if m else "no RHYVE-DISK")
    with open(disk, "rb") as f:
        check("disk: the replay left the image as the recording did",
              len(state) == 1 and f.read() == state[0])


def net_case(tmp, linux):
    srv = guest.HttpServer()

    def logged(r):
        frames = r.inputs_of(recording.KIND_NET)
        check("net: record: the frames the guest received logged (%d, %d "
              "bytes)" % (len(frames), sum(len(i["data"]) for i in frames)),
              sum(len(i["data"]) for i in frames) > len(srv.data))
        srv.close()     # the replay must not need the network
    outs = record_replay(tmp, linux, "net", 2,
                         "rhyve.mode=net rhyve.url=http://10.0.2.2:%d/blob" %
                         srv.port, ["-nic", "user"], logged)
    m = re.search(r"RHYVE-NET-SHA ([0-9a-f]{64})", outs[0])
    want = hashlib.sha256(srv.data).hexdigest()
    check("net: record: DHCP, then wget from the host, SHA-256 matches",
          m is not None and m.group(1) == want,
          (m.group(1) if m else "no RHYVE-NET-SHA") + " want " + want)


def main():
    linux = guest.need_linux()
    with tempfile.TemporaryDirectory(prefix="rhyve-linux-rec-") as tmp:
        rng_case(tmp, linux)
        disk_case(tmp, linux)
        net_case(tmp, linux)
    check.finish()


if __name__ == "__main__":
    main()
