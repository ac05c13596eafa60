#!/usr/bin/env python3
"""record_devices.py - record and replay with virtio devices, and replays
that diverge, on tests/guests/virtio/rr_rng.S (hart 0 folds 40 answers of
a virtio-rng into a register and reads a read-only virtio-blk disk; hart
1 counts in memory):

  - recorded to a file (--record-file), then replayed (--replay) on both
    hart engines: "replayed exactly", the same output (the same entropy);
    the file logs every entropy request with its instruction count, and
    holds checks (hashes of the VM) every million instructions;
  - a write to the read-only disk fails (IOERR) the same way both times;
  - divergences, each one line and status 1, naming the count where the
    replay left the recording (files edited, checksums recomputed, by
    tests/integration/recording.py):
      entropy bytes changed: the first check after them (registers differ);
      an entropy request moved by one instruction: exactly its count;
      another disk image: a check before the end of the recording;
  - a writable disk is refused in record mode with one line.
Exit 0 pass, 77 skip, 1 fail.
"""
import os
import re
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True     # no __pycache__ in the tree
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "gdb"))
sys.path.insert(0, HERE)
import common  # noqa: E402
import recording  # noqa: E402

ELF = os.path.join(common.BUILD, "guests", "virtio", "rr_rng.elf")
common.need()
if not os.path.isfile(ELF):
    common.skip("no guest %s (make guests)" % ELF)
C = common.Checker()
ck = C.check
TMP = tempfile.mkdtemp(prefix="rhyve-recdev-")
DISK = os.path.join(TMP, "disk.img")
DIV = re.compile(r"diverged from the recording at instruction (\d+)")


def args(disk=DISK, ro="on"):
    return [common.RHYVE, "-M", "virt", "-nographic", "-bios", "none",
            "-m", "32M", "-smp", "2", "-kernel", ELF,
            "-global", "virtio-mmio.force-legacy=false",
            "-device", "virtio-rng-device,bus=virtio-mmio-bus.0",
            "-drive", "file=%s,format=raw,if=none,id=d0,readonly=%s" %
            (disk, ro),
            "-device", "virtio-blk-device,drive=d0,bus=virtio-mmio-bus.1"]


def run(extra, disk=DISK, ro="on"):
    p = subprocess.run(args(disk, ro) + extra, capture_output=True,
                       timeout=120, stdin=subprocess.DEVNULL)
    return p.returncode, p.stdout.decode(errors="replace"), \
        p.stderr.decode(errors="replace")


def one_line(err):
    return len([l for l in err.splitlines() if l.strip()]) == 1


def diverged_at(err):
    m = DIV.search(err)
    return int(m.group(1)) if m else None


def main():
    with open(DISK, "wb") as f:
        f.write(bytes((i * 7) & 0xff for i in range(512)) + bytes(1 << 20))
    rec = os.path.join(TMP, "a.rec")
    rc, out1, err = run(["--record-file=" + rec])
    line = [l for l in out1.splitlines() if l.startswith("rr_rng:")]
    ck("recorded: the guest ran (status 0, one rr_rng line)",
       rc == 0 and len(line) == 1 and "FAIL" not in out1, out1 + err)
    ck("the write to the read-only disk failed (IOERR)",
       len(line) == 1 and line[0].split()[3] == "0000000000000001", line)
    r = recording.Recording(rec)
    rng = r.rng_inputs()
    ck("the recording logs the 40 entropy requests, 16 bytes each",
       len(rng) == 40 and all(len(i["data"]) == 16 for i in rng),
       [len(i["data"]) for i in rng])
    ck("and checks along the way (%d)" % len(r.checks), len(r.checks) >= 10)
    engines = ("jit", "interp")
    for eng in engines:
        rc, out, err = run(["-engine", eng, "--replay=" + rec])
        ck("replay (%s): exact, same output, status 0" % eng,
           rc == 0 and "replayed exactly" in err and out == out1,
           "rc %s %r %s" % (rc, out, err))

    # entropy bytes changed: the guest folds them into s4 at once, so the
    # first check after the request differs (pick a request far enough
    # from the next check that the guest has folded them by then)
    checks = sorted(c["g"] for c in r.checks)
    pick = None
    for k, inp in enumerate(rng[5:], 5):
        nxt = [g for g in checks if g > inp["g"]]
        if nxt and nxt[0] - inp["g"] > 1000:
            pick, want = k, nxt[0]
            break
    ck("an entropy request to change", pick is not None)
    if pick is not None:
        r = recording.Recording(rec)
        inp = r.rng_inputs()[pick]
        inp["data"] = bytes(b ^ 0x5a for b in inp["data"])
        path = os.path.join(TMP, "bytes.rec")
        r.save(path)
        rc, out, err = run(["--replay=" + path])
        ck("other entropy bytes (at %d): diverged at the next check, %d, "
           "one line, status 1" % (inp["g"], want),
           rc == 1 and one_line(err) and diverged_at(err) == want,
           "rc %s: %s" % (rc, err))
        ck("... before the guest printed anything", "rr_rng:" not in out, out)

    # an entropy request logged one instruction later than the guest asks
    r = recording.Recording(rec)
    inp = r.rng_inputs()[20]
    g = inp["g"]
    inp["g"] = g + 1
    path = os.path.join(TMP, "moved.rec")
    r.save(path)
    rc, out, err = run(["--replay=" + path])
    ck("an entropy request moved: diverged exactly at its count, %d" % g,
       rc == 1 and one_line(err) and diverged_at(err) == g and
       "virtio-rng" in err, "rc %s: %s" % (rc, err))

    # another disk image: the guest reads other bytes
    other = os.path.join(TMP, "other.img")
    with open(other, "wb") as f:
        f.write(bytes(512) + bytes(1 << 20))
    rc, out, err = run(["--replay=" + rec], disk=other)
    at = diverged_at(err)
    ck("another disk image: diverged before the end (at %s of %d)" %
       (at, r.hdr["end_g"]), rc == 1 and one_line(err) and at is not None
       and at < r.hdr["end_g"], "rc %s: %s" % (rc, err))

    rc, out, err = run(["--record"], ro="off")
    ck("a writable disk refused in record mode with one line",
       rc != 0 and one_line(err) and "writable disk" in err, err)
    for f in os.listdir(TMP):
        os.unlink(os.path.join(TMP, f))
    os.rmdir(TMP)
    return C.result()


if __name__ == "__main__":
    sys.exit(main())
