"""guest.py - Debian's riscv64 Linux as a test guest: find the kernel and
busybox that scripts/fetch-linux.sh cached, pack an initramfs (newc cpio,
written here) around tests/integration/linux/init, boot it on rhyve (or on
QEMU, for the benchmarks) with a virtio-blk disk, and read what the guest
printed.  Shared by tests/integration/linux_*.py and bench/linux_soak.py.
Python 3 standard library only; not executable.
"""
import gzip
import http.server
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
RHYVE = os.environ.get("RHYVE", os.path.join(ROOT, "build", "rhyve"))
SKIP = 77
DISK_SIZE = 16 << 20
PATTERN_BYTES = 1 << 20         # what rhyve.mode=smp writes at offset 0

# Console lines that mean the kernel is in trouble, whatever else happens.
TROUBLE = re.compile(r"LOCKUP|rcu_sched detected stall|soft lockup|"
                     r"Kernel panic|Oops|BUG:|WARNING:|RHYVE-FAIL|"
                     r"hung_task|nobody cared")


def cache_dir():
    return subprocess.run([os.path.join(ROOT, "scripts", "fetch-linux.sh"),
                           "--print-dir"], capture_output=True, text=True,
                          check=True).stdout.strip()


def need_linux(emulator=None):
    """The cached kernel's folder; exits 77 (skip) with a reason if it or
    the emulator (default: rhyve) is absent."""
    d = cache_dir()
    if not os.path.isfile(os.path.join(d, "VERSION")):
        print("skip: no Linux guest in %s (make setup fetches it: "
              "scripts/fetch-linux.sh)" % d)
        sys.exit(SKIP)
    emulator = emulator or RHYVE
    if not (os.path.isfile(emulator) and os.access(emulator, os.X_OK)):
        print("skip: no emulator binary at %s" % emulator)
        sys.exit(SKIP)
    return d


def firmware(bios, linux_dir):
    """The -bios argument for a Linux boot: "opensbi" is trixie's OpenSBI
    from the cache (fw_dynamic.bin, fetched with the kernel), what the
    Linux tests boot through; "default" is the host's (Debian 12's 1.1,
    whose HSM hart start has a race: a secondary hart can leave its wait
    loop before its start address is written and enter the kernel as if it
    were the boot hart, clearing the BSS under the running kernel; fixed in
    OpenSBI 1.3, docs/design-notes.md "Linux SMP and OpenSBI 1.1"); None
    is rhyve's built-in SBI; anything else a path."""
    if bios != "opensbi":
        return bios
    path = os.path.join(linux_dir, "fw_dynamic.bin")
    if not os.path.isfile(path):
        print("skip: no OpenSBI in %s (make setup fetches it: "
              "scripts/fetch-linux.sh)" % linux_dir)
        sys.exit(SKIP)
    return path


def _newc(out, ino, name, mode, data=b"", rdev=(0, 0)):
    nb = name.encode() + b"\0"
    hdr = "070701" + "".join("%08x" % v for v in (
        ino, mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1],
        len(nb), 0))
    out.write(hdr.encode() + nb)
    out.write(b"\0" * (-(110 + len(nb)) % 4))
    out.write(data)
    out.write(b"\0" * (-len(data) % 4))


def make_initramfs(path, linux_dir):
    """Write a gzip'd newc initramfs: busybox, /init, the virtio modules."""
    mods = os.path.join(linux_dir, "modules")
    order = open(os.path.join(mods, "order")).read().split()

    def read(p):
        with open(p, "rb") as f:
            return f.read()

    entries = [(d, 0o40755, b"", (0, 0)) for d in
               ("bin", "dev", "proc", "sys", "tmp", "lib", "lib/modules")]
    # Without /dev/console init would start with no stdio.
    entries.append(("dev/console", 0o20600, b"", (5, 1)))
    entries.append(("bin/busybox", 0o100755,
                    read(os.path.join(linux_dir, "busybox")), (0, 0)))
    entries.append(("init", 0o100755, read(os.path.join(HERE, "init")), (0, 0)))
    entries += [("lib/modules/" + m, 0o100644, read(os.path.join(mods, m)),
                 (0, 0)) for m in order]
    entries.append(("lib/modules/order", 0o100644,
                    ("\n".join(order) + "\n").encode(), (0, 0)))
    with gzip.open(path, "wb", compresslevel=1) as out:
        for ino, (name, mode, data, rdev) in enumerate(entries, 1):
            _newc(out, ino, name, mode, data, rdev)
        _newc(out, 0, "TRAILER!!!", 0)


def free_port():
    """A TCP port on loopback that nothing listens on right now."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Guest:
    """One boot: a work folder with the initramfs and a fresh disk."""

    def __init__(self, smp=4, bios="opensbi", mem="512M", mode="smp",
                 append="", emulator=None, extra=(), secs=None):
        self.linux = need_linux(emulator)
        bios = firmware(bios, self.linux)
        self.tmp = tempfile.TemporaryDirectory(prefix="rhyve-linux-")
        self.initrd = os.path.join(self.tmp.name, "initrd.gz")
        self.disk = os.path.join(self.tmp.name, "disk.img")
        self.log = os.path.join(self.tmp.name, "console.log")
        make_initramfs(self.initrd, self.linux)
        with open(self.disk, "wb") as f:
            f.truncate(DISK_SIZE)
        cmdline = "console=ttyS0 panic=-1 rhyve.mode=%s" % mode
        if secs is not None:
            cmdline += " rhyve.secs=%d" % secs
        if append:
            cmdline += " " + append
        self.args = [emulator or RHYVE, "-M", "virt", "-smp", str(smp),
                     "-m", mem, "-nographic",
                     "-kernel", os.path.join(self.linux, "Image"),
                     "-initrd", self.initrd, "-append", cmdline,
                     "-drive", "file=%s,format=raw,if=none,id=d0" % self.disk,
                     "-device", "virtio-blk-device,drive=d0"]
        if bios is not None:            # None: rhyve's built-in SBI
            self.args[1:1] = ["-bios", bios]
        self.args += list(extra)
        self.proc = None
        self.seconds = None

    def start(self):
        self._t0 = time.monotonic()
        self._logf = open(self.log, "wb")
        self.proc = subprocess.Popen(self.args, stdin=subprocess.DEVNULL,
                                     stdout=self._logf,
                                     stderr=subprocess.STDOUT)
        return self

    def wait(self, timeout):
        """Exit status, or None after timeout seconds (then killed)."""
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            rc = None
        self.seconds = time.monotonic() - self._t0
        self._logf.close()
        return rc

    def boot(self, timeout):
        return self.start().wait(timeout)

    def console(self):
        with open(self.log, "rb") as f:
            return f.read().decode(errors="replace")

    def wait_for(self, pattern, timeout):
        """The first match of pattern in the console, waiting while it runs."""
        deadline = time.monotonic() + timeout
        rx = re.compile(pattern)
        while True:
            m = rx.search(self.console())
            if m or time.monotonic() > deadline or self.proc.poll() is not None:
                return m
            time.sleep(0.1)

    def disk_bytes(self, n):
        with open(self.disk, "rb") as f:
            return f.read(n)

    def close(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.tmp.cleanup()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Checks:
    """The Linux tests' verdicts: check(name, cond, detail) prints an
    ok/FAIL line and counts failures; finish() prints PASS or FAIL and
    exits 0 or 1."""

    def __init__(self):
        self.fails = 0

    def __call__(self, name, cond, detail=""):
        print("%s %s %s" % ("ok  " if cond else "FAIL", name,
                            detail if not cond else ""), flush=True)
        if not cond:
            self.fails += 1
        return cond

    def console_clean(self, title, out, sandbox=False):
        """No lockup, stall, oops or warning (nor a sandbox trap) on the
        console; after any failure so far, its last lines."""
        bad = [l for l in out.splitlines() if TROUBLE.search(l) or
               (sandbox and "sandbox" in l)]
        self("%s: no lockup, stall, oops or warning%s" %
             (title, " or sandbox trap" if sandbox else ""), not bad,
             "\n".join(bad[:10]))
        if self.fails:
            print("---- console (last 60 lines) ----")
            print("\n".join(out.splitlines()[-60:]))

    def finish(self):
        print("PASS" if self.fails == 0 else "FAIL (%d)" % self.fails)
        sys.exit(0 if self.fails == 0 else 1)


class HttpServer:
    """http.server on 127.0.0.1:random serving one random file, "blob"
    (self.data); self.clients lists the addresses requests came from."""

    def __init__(self):
        self.dir = tempfile.TemporaryDirectory(prefix="rhyve-net-")
        self.data = os.urandom(300 * 1024 + 17)
        with open(os.path.join(self.dir.name, "blob"), "wb") as f:
            f.write(self.data)
        self.clients = []
        outer = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *a, **kw):
                super().__init__(*a, directory=outer.dir.name, **kw)

            def log_message(self, fmt, *args):
                outer.clients.append(self.client_address[0])

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.dir.cleanup()
