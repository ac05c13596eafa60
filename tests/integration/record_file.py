#!/usr/bin/env python3
"""record_file.py - recordings saved and replayed (rhyve --record-file,
--replay), with no debugger:

  - the 4-hart race guest (tests/guests/gdb/race.S, stop_at patched in so
    that it powers off) recorded to a file, then replayed: the replay
    reaches the recording's end with identical RAM and VM state hashes
    (rhyve says so) and the guest's exit status; replayed on the other
    hart engine too (the engines are bit-exact, so a JIT recording
    replays on the interpreter);
  - console input (tests/guests/console/echo.S): typed while recording,
    logged with the schedule, and replayed from the file with stdin
    closed: the same output;
  - a truncated file, a corrupt byte, a file that is not a recording, a
    different -m or -smp, another format version are refused with one
    line; a recording whose end state differs (its end hash changed,
    checksums made right: tests/integration/recording.py) is a
    divergence: one line naming the instruction count, status 1
    (divergences along the way: record_devices.py);
  - combinations record mode does not support are refused with one line.
Exit 0 pass, 77 skip, 1 fail.
"""
import os
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True     # no __pycache__ in the tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "gdb"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
import recording  # noqa: E402

RACE = os.path.join(common.BUILD, "guests", "gdb", "race.elf")
ECHO = os.path.join(common.BUILD, "guests", "console", "echo.elf")
common.need()
for f in (RACE, ECHO):
    if not os.path.isfile(f):
        common.skip("no guest %s (make guests)" % f)
C = common.Checker()
ck = C.check
TMP = tempfile.mkdtemp(prefix="rhyve-recfile-")
BASE = [common.RHYVE, "-M", "virt", "-nographic", "-bios", "none", "-m", "32M"]


def run(args, stdin=None, timeout=120):
    p = subprocess.run(BASE + args, input=stdin, capture_output=True,
                       timeout=timeout)
    return p.returncode, p.stdout.decode(errors="replace"), \
        p.stderr.decode(errors="replace")


def race_with_stop(stop_at):
    return common.elf_with_u64(RACE, "stop_at", stop_at,
                               os.path.join(TMP, "race.elf"))


def one_line(err):
    lines = [l for l in err.splitlines() if l.strip()]
    return len(lines) == 1


def main():
    elf = race_with_stop(300000)
    rec = os.path.join(TMP, "race.rec")
    rc, out, err = run(["-smp", "4", "-kernel", elf, "--record-file=" + rec])
    ck("record the 4-hart race to a file: poweroff status 0", rc == 0, err)
    ck("the file exists", os.path.getsize(rec) > 144)
    rc, out, err = run(["-smp", "4", "-kernel", elf, "--replay=" + rec])
    ck("replay: exact, status 0", rc == 0 and "replayed exactly" in err, err)
    other = "interp" if "jit" in (os.environ.get("RHYVE_ENGINE") or "jit") \
        else "jit"
    rc, out, err = run(["-smp", "4", "-engine", other, "-kernel", elf,
                        "--replay=" + rec])
    ck("replay on the other engine (%s): exact" % other,
       rc == 0 and "replayed exactly" in err, err)

    data = open(rec, "rb").read()
    bad = {
        "truncated": data[:len(data) // 2],
        "corrupt byte": data[:300] + bytes([data[300] ^ 1]) + data[301:],
        "not a recording": b"hello world" * 20,
        "empty": b"",
    }
    for name, content in bad.items():
        path = os.path.join(TMP, "bad.rec")
        open(path, "wb").write(content)
        rc, out, err = run(["-smp", "4", "-kernel", elf, "--replay=" + path])
        ck("%s file refused with one line" % name, rc != 0 and one_line(err),
           err)
    for args, what in ((["-smp", "2"], "-smp"), (["-smp", "4", "-m", "64M"],
                                                  "-m")):
        rc, out, err = run(args + ["-kernel", elf, "--replay=" + rec])
        ck("another %s refused with one line" % what, rc != 0 and
           one_line(err), err)

    # a divergence at the end: the end state hash changed, checksums right
    r = recording.Recording(rec)
    ck("the recording has checks along the way (%d)" % len(r.checks),
       len(r.checks) > 1)
    r.hdr["end_state_hash"] ^= 1
    div = os.path.join(TMP, "div.rec")
    r.save(div)
    end_g = r.hdr["end_g"]
    rc, out, err = run(["-smp", "4", "-kernel", elf, "--replay=" + div])
    ck("a divergence at the end stops with one line naming the instruction "
       "count", rc == 1 and "diverged" in err and str(end_g) in err and
       one_line(err), "rc %s: %s" % (rc, err))
    # another version is refused with one line saying so
    r = recording.Recording(rec)
    old = os.path.join(TMP, "v1.rec")
    r.save(old, version=1)
    rc, out, err = run(["-smp", "4", "-kernel", elf, "--replay=" + old])
    ck("a version 1 recording refused with one line naming its version",
       rc != 0 and one_line(err) and "version 1" in err, err)

    # console input, logged and replayed from the file
    erec = os.path.join(TMP, "echo.rec")
    p = subprocess.Popen(BASE + ["-kernel", ECHO, "--record-file=" + erec],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    import time
    time.sleep(0.5)
    p.stdin.write(b"HAL")
    p.stdin.flush()
    time.sleep(0.3)
    p.stdin.write(b"xyzq")
    p.stdin.flush()
    out1, err1 = p.communicate(timeout=60)
    out1 = out1.decode(errors="replace")
    ck("recorded console input is answered", "<I><B><M>" in out1 and
       "echo: bye" in out1, out1)
    rc, out2, err = run(["-kernel", ECHO, "--replay=" + erec], stdin=b"")
    ck("replayed with stdin closed: the same output",
       rc == 0 and out2 == out1 and "replayed exactly" in err,
       "%r vs %r %s" % (out1, out2, err))

    for args, what in ((["--record=1K"], "a tiny size"),):
        rc, out, err = run(["-kernel", elf, "--record"] + args)
        ck("--record with %s refused with one line" % what, rc != 0 and
           one_line(err), err)
    for f in os.listdir(TMP):
        os.unlink(os.path.join(TMP, f))
    os.rmdir(TMP)
    return C.result()


if __name__ == "__main__":
    sys.exit(main())
