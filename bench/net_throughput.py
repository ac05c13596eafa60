#!/usr/bin/env python3
"""net_throughput.py - guest-to-host TCP throughput over user-mode
networking, rhyve beside QEMU with the same Debian kernel, initramfs and
options (-smp N -m 512M -bios default, -netdev user + virtio-net-device).

The guest (tests/integration/linux/init, rhyve.mode=net) gets its address
by DHCP, then pipes MB MiB of zeros from dd into busybox nc connected to
10.0.2.2:PORT, which slirp turns into a connection to 127.0.0.1:PORT on
the host, where this script's sink counts the bytes.  The rate is the
bytes over the time from the sink's first byte to the last; boot time is
not in it.  Each emulator runs RUNS times; the best run counts (the
machine is shared).  Prints MiB/s for each and the ratio rhyve/QEMU.

Not part of make test.  Env: NET_MB (default 32), NET_RUNS (2), NET_SMP
(2), RHYVE (the binary), QEMU (qemu-system-riscv64).
Exit 0, or 77 when the Linux guest or QEMU is missing.
"""
import os
import shutil
import socket
import sys
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "tests", "integration", "linux"))
import guest  # noqa: E402

MB = int(os.environ.get("NET_MB", "32"))
RUNS = int(os.environ.get("NET_RUNS", "2"))
SMP = int(os.environ.get("NET_SMP", "2"))
QEMU = shutil.which(os.environ.get("QEMU", "qemu-system-riscv64")) or "qemu-system-riscv64"
TIMEOUT = 900


class Sink:
    """Accept one connection on 127.0.0.1:random, count MB MiB, close."""

    def __init__(self, want):
        self.want = want
        self.ls = socket.socket()
        self.ls.bind(("127.0.0.1", 0))
        self.ls.listen(1)
        self.port = self.ls.getsockname()[1]
        self.got = 0
        self.t0 = self.t1 = None
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        c, _ = self.ls.accept()
        with c:
            while self.got < self.want:
                b = c.recv(1 << 16)
                if not b:
                    break
                if self.t0 is None:
                    self.t0 = time.monotonic()
                self.got += len(b)
                self.t1 = time.monotonic()
        self.ls.close()

    def rate(self):
        if self.t0 is None or self.t1 <= self.t0:
            return None
        return self.got / (self.t1 - self.t0) / (1 << 20)


def one(emulator):
    sink = Sink(MB << 20)
    append = "rhyve.sink=10.0.2.2:%d rhyve.mb=%d" % (sink.port, MB)
    with guest.Guest(smp=SMP, mode="net", append=append, emulator=emulator,
                     extra=["-netdev", "user,id=n0",
                            "-device", "virtio-net-device,netdev=n0"]) as g:
        rc = g.boot(TIMEOUT)
        sink.thread.join(5)
        if rc != 0 or sink.got < (MB << 20):
            out = g.console()
            print("   run failed: status %s, %d of %d bytes" %
                  (rc, sink.got, MB << 20))
            print("\n".join(out.splitlines()[-15:]))
            return None
        return sink.rate()


def best(name, emulator):
    rates = []
    for i in range(RUNS):
        r = one(emulator)
        print("  %-6s run %d: %s" % (name, i + 1,
              "%.2f MiB/s" % r if r else "failed"), flush=True)
        if r:
            rates.append(r)
    return max(rates) if rates else None


def main():
    guest.need_linux()
    if not os.path.isabs(QEMU):
        print("skip: no %s" % QEMU)
        return 77
    print("guest-to-host TCP, %d MiB, -smp %d, user networking, best of %d"
          % (MB, SMP, RUNS), flush=True)
    r = best("rhyve", None)
    q = best("qemu", QEMU)
    print("rhyve: %s" % ("%.2f MiB/s" % r if r else "failed"))
    print("qemu:  %s" % ("%.2f MiB/s" % q if q else "failed"))
    if r and q:
        print("ratio rhyve/qemu: %.2f" % (r / q))
    return 0 if r and q else 1


if __name__ == "__main__":
    sys.exit(main())
