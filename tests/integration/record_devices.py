#!/usr/bin/env python3
"""record_devices.py - record and replay with virtio devices, and replays
that diverge, on tests/guests/virtio/rr_rng.S (hart 0 folds 40 answers of
a virtio-rng into a register, reads sector 0 of a virtio-blk disk, writes
it back with its first byte plus one and reads it again; hart 1 counts in
memory):

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
  - a writable disk: recorded (the write reaches the image, the read
    after it sees it), the recording logs each request and the bytes the
    write replaced; replays on both engines are exact from the log
    alone (the image already holds the write) and leave the image alone;
  - a writable disk under the debugger: bc back over the write keeps the
    image as it is (replaying); a register write there cuts history when
    the VM next runs, which puts the bytes the write replaced back; going
    on live writes again.
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


SECTOR0 = bytes((i * 7) & 0xff for i in range(512))


def fields(out):
    """The rr_rng line's s4 s5 s6 s7, or None."""
    line = [l for l in out.splitlines() if l.startswith("rr_rng:")]
    if len(line) != 1 or len(line[0].split()) != 5:
        return None
    return [int(v, 16) for v in line[0].split()[1:]]


def first8(plus=0):
    """Sector 0's first 8 bytes as the guest reads them (little-endian),
    with 'plus' added to the first byte."""
    return int.from_bytes(bytes([SECTOR0[0] + plus]) + SECTOR0[1:8],
                          "little")


def image(path, data=SECTOR0):
    with open(path, "wb") as f:
        f.write(data + bytes(1 << 20))


def byte0(path):
    with open(path, "rb") as f:
        return f.read(1)[0]


def one_line(err):
    return len([l for l in err.splitlines() if l.strip()]) == 1


def diverged_at(err):
    m = DIV.search(err)
    return int(m.group(1)) if m else None


def writable(engines):
    w = os.path.join(TMP, "w.img")
    image(w)
    rec = os.path.join(TMP, "w.rec")
    rc, out1, err = run(["--record-file=" + rec], disk=w, ro="off")
    f = fields(out1)
    ck("writable disk recorded: status 0, the write done (s6 0), read "
       "back with its byte changed (s7)",
       rc == 0 and f is not None and f[2] == 0 and f[3] == first8(1),
       "rc %s %r %s" % (rc, out1, err))
    ck("the image took the write", byte0(w) == SECTOR0[0] + 1, byte0(w))
    r = recording.Recording(rec)
    disk = r.inputs_of(recording.KIND_DISK)
    undo = r.inputs_of(recording.KIND_DISK_UNDO)
    ck("logged: three requests (read, write, read), and the sector the "
       "write replaced",
       len(disk) == 3 and len(undo) == 1 and undo[0]["data"][16:] == SECTOR0
       and undo[0]["g"] == disk[1]["g"],
       "%d requests, %d undo" % (len(disk), len(undo)))
    for eng in engines:
        rc, out, err = run(["-engine", eng, "--replay=" + rec], disk=w,
                           ro="off")
        ck("writable disk, replay (%s): exact and the same output, from the "
           "log (the image already holds the write)" % eng,
           rc == 0 and "replayed exactly" in err and out == out1,
           "rc %s %r %s" % (rc, out, err))
    ck("the replays left the image alone", byte0(w) == SECTOR0[0] + 1,
       byte0(w))


def history_cut():
    w = os.path.join(TMP, "cut.img")
    image(w)
    S = common.symbols(ELF)
    extra = ["-m", "32M", "--record", "-global",
             "virtio-mmio.force-legacy=false",
             "-device", "virtio-rng-device,bus=virtio-mmio-bus.0",
             "-drive", "file=%s,format=raw,if=none,id=d0,readonly=off" % w,
             "-device", "virtio-blk-device,drive=d0,bus=virtio-mmio-bus.1"]
    with common.Rhyve(elf=ELF, smp=2, extra=extra) as vm:
        r = common.RSP(vm.port)
        r.cmd("qSupported:multiprocess+;swbreak+;hwbreak+")
        r.noack()
        r.cmd("?")
        wr, done = S["blk_write"], S["blk_written"]
        ck("Z0 blk_written", r.cmd("Z0,%x,4" % done) == b"OK")
        rep = r.cmd("vCont;c", timeout=60)
        ck("live: stopped after the write", b"swbreak" in rep, rep)
        ck("... which reached the image", byte0(w) == SECTOR0[0] + 1,
           byte0(w))
        ck("Z0 blk_write", r.cmd("Z0,%x,4" % wr) == b"OK")
        rep = r.cmd("bc", timeout=60)
        ck("bc: back before the write", b"swbreak" in rep, rep)
        ck("... the image as it is (replaying does not write it)",
           byte0(w) == SECTOR0[0] + 1, byte0(w))
        r.cmd("Hg1")
        ck("a register write there (s8)",
           r.cmd("P18=%s" % (0x1234).to_bytes(8, "little").hex()) == b"OK")
        # the cut happens when the VM next runs: one step
        rep = r.cmd("vCont;s:1", timeout=60)
        ck("a step from there", rep.startswith(b"T05"), rep)
        ck("... history cut: the image has the bytes the write replaced",
           byte0(w) == SECTOR0[0], byte0(w))
        ck("z0 z0", r.cmd("z0,%x,4" % wr) == b"OK" and
           r.cmd("z0,%x,4" % done) == b"OK")
        rep = r.cmd("vCont;c", timeout=60)
        ck("live again to the end (%r)" % rep, rep[:1] in (b"W", b"X"), rep)
        vm.wait_exit(30)
        f = fields(vm.output())
        ck("the guest wrote and read back the sector again",
           f is not None and f[2] == 0 and f[3] == first8(1),
           vm.output()[-300:])
        ck("... and the image holds the write", byte0(w) == SECTOR0[0] + 1,
           byte0(w))
        r.close()


def main():
    image(DISK)
    rec = os.path.join(TMP, "a.rec")
    rc, out1, err = run(["--record-file=" + rec])
    line = [l for l in out1.splitlines() if l.startswith("rr_rng:")]
    ck("recorded: the guest ran (status 0, one rr_rng line)",
       rc == 0 and len(line) == 1 and "FAIL" not in out1, out1 + err)
    f = fields(out1)
    ck("the write to the read-only disk failed (IOERR), the sector unchanged",
       f is not None and f[2] == 1 and f[3] == first8(), line)
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

    writable(engines)
    history_cut()
    for f in os.listdir(TMP):
        os.unlink(os.path.join(TMP, f))
    os.rmdir(TMP)
    return C.result()


if __name__ == "__main__":
    sys.exit(main())
