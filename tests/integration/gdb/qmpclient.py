"""qmpclient.py - helpers for the QMP and rhyvectl integration tests
(tests/integration/qmp.py, rhyvectl.py): start rhyve on the busy 4-hart
guest with a QMP socket, and a raw QMP client (Python stdlib only).
Not executable: tests/run.sh runs the launchers, not this file.
"""
import json
import os
import socket
import subprocess
import tempfile
import time

import common

BUSY = os.path.join(common.BUILD, "guests", "gdb", "busy.elf")
RHYVECTL = os.path.join(os.path.dirname(common.RHYVE), "rhyvectl")


def need():
    common.need()
    if not os.path.isfile(BUSY):
        common.skip("no guest %s (make guests)" % BUSY)
    if not os.access(RHYVECTL, os.X_OK):
        common.skip("no rhyvectl at %s" % RHYVECTL)


class VM(common.Process):
    """rhyve running busy.elf on 4 harts with QMP (and optionally gdb)."""

    def __init__(self, qmp=None, name=None, gdb=None, wait=False, extra=(),
                 env=None, smp=4, kernel=BUSY):
        self.dir = tempfile.mkdtemp(prefix="rhyve-qmp-")
        self.qmp = qmp or os.path.join(self.dir, "qmp.sock")
        args = [common.RHYVE, "-M", "virt", "-nographic", "-m", "64M",
                "-smp", str(smp), "-bios", "none", "-kernel", kernel]
        if qmp is not False:
            args += ["-qmp", "unix:%s,server=on,wait=off" % self.qmp]
        if name is not None:
            args += ["-name", name]
        if gdb is not None:
            args += ["-gdb", gdb]
        if wait:
            args.append("-S")
        args += list(extra)
        self.log = open(os.path.join(self.dir, "rhyve.log"), "w+")
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL,
                                     stdout=self.log,
                                     stderr=subprocess.STDOUT, env=env)

    def wait_socket(self, path=None, timeout=10):
        path = path or self.qmp
        deadline = time.time() + timeout
        while time.time() < deadline:
            if os.path.exists(path):
                return True
            if self.proc.poll() is not None:
                return False
            time.sleep(0.02)
        return False

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.log.close()
        for f in os.listdir(self.dir):
            try:
                os.unlink(os.path.join(self.dir, f))
            except OSError:
                pass
        try:
            os.rmdir(self.dir)
        except OSError:
            pass


class QMP:
    """A raw QMP client: one JSON object per CRLF-terminated line."""

    def __init__(self, path, timeout=10):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(timeout)
        self.s.connect(path)
        self.buf = b""
        self.events = []

    def line(self, timeout=10):
        deadline = time.time() + timeout
        while b"\n" not in self.buf:
            left = deadline - time.time()
            if left <= 0:
                raise TimeoutError("no reply")
            self.s.settimeout(left)
            d = self.s.recv(65536)
            if not d:
                raise EOFError("connection closed")
            self.buf += d
        i = self.buf.index(b"\n")
        raw, self.buf = self.buf[:i + 1], self.buf[i + 1:]
        return raw

    def recv(self, timeout=10):
        """Next non-event message; events are kept in self.events."""
        while True:
            raw = self.line(timeout)
            if not raw.endswith(b"\r\n"):
                raise ValueError("not CRLF-terminated: %r" % raw)
            m = json.loads(raw)
            if "event" in m:
                self.events.append(m)
                continue
            return m

    def send_raw(self, data):
        self.s.sendall(data)

    def cmd(self, name, args=None, id=None, timeout=10):
        m = {"execute": name}
        if args is not None:
            m["arguments"] = args
        if id is not None:
            m["id"] = id
        self.s.sendall(json.dumps(m).encode() + b"\n")
        return self.recv(timeout)

    def wait_event(self, name, timeout=10):
        deadline = time.time() + timeout
        while True:
            for e in self.events:
                if e["event"] == name:
                    self.events.remove(e)
                    return e
            left = deadline - time.time()
            if left <= 0:
                return None
            try:
                raw = self.line(left)
            except (TimeoutError, EOFError, OSError):
                return None
            m = json.loads(raw)
            if "event" in m:
                self.events.append(m)

    def close(self):
        try:
            self.s.close()
        except OSError:
            pass


def instret(q):
    r = q.cmd("x-rhyve-query-stats")["return"]
    return [c["instret"] for c in r]


def rhyvectl(*args, timeout=20):
    p = subprocess.run([RHYVECTL] + list(args), capture_output=True,
                       text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def stats(sock, cpu):
    """--get-stats --cpu=N as a dict."""
    rc, out, err = rhyvectl("--socket=" + sock, "--get-stats",
                            "--cpu=%d" % cpu)
    if rc != 0:
        raise RuntimeError("rhyvectl --get-stats: " + err)
    d = {}
    for line in out.splitlines():
        k, v = line.split()
        d[k] = int(v)
    return d
