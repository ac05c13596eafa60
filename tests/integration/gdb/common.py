"""common.py - helpers for the debug-server integration tests
(tests/integration/gdb_*.py): start rhyve on a free port with -S, run
gdb-multiarch or LLDB against it, and a raw GDB remote protocol client
with what the raw-RSP tests share (their preamble, rcmd, u64, and
agent-expression bytecode).  Python 3 standard library only.  Not executable: tests/run.sh runs the
gdb_*.py launchers beside this directory, not this file.
"""
import os
import shutil
import socket
import struct
import subprocess
import sys
import time

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
RHYVE = os.environ.get("RHYVE", os.path.join(ROOT, "build", "rhyve"))
BUILD = os.environ.get("BUILD", "build")
if not os.path.isabs(BUILD):
    BUILD = os.path.join(ROOT, BUILD)
GUEST = os.path.join(BUILD, "guests", "gdb", "smp_debug.elf")
NHARTS = 5
SKIP = 77
# GDB register numbers (rhyve's target description: x0-x31, then pc).
REG_A0, REG_A1, REG_PC = 10, 11, 32


def skip(why):
    print("skip: " + why)
    sys.exit(SKIP)


def need(tool=None):
    if not (os.path.isfile(RHYVE) and os.access(RHYVE, os.X_OK)):
        skip("no rhyve binary at %s" % RHYVE)
    if not os.path.isfile(GUEST):
        skip("no guest %s (make guests)" % GUEST)
    if tool is not None and shutil.which(tool) is None:
        skip("%s not installed" % tool)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def symbols(elf=GUEST):
    """name -> address from the guest's symbol table (nm)."""
    nm = shutil.which("riscv64-unknown-elf-nm") or shutil.which("nm")
    out = subprocess.run([nm, elf], capture_output=True, text=True,
                         check=True).stdout
    syms = {}
    for line in out.splitlines():
        f = line.split()
        if len(f) == 3:
            syms[f[2]] = int(f[0], 16)
    return syms


def elf_with_u64(elf, name, value, path):
    """Write to path a copy of elf whose .data symbol name holds value
    (a 64-bit little-endian word); return path."""
    addr = off = None
    out = subprocess.run(["readelf", "-SW", elf], capture_output=True,
                         text=True, check=True).stdout
    for line in out.splitlines():
        if " .data " in line:
            f = line.split("]")[1].split()
            addr, off = int(f[2], 16), int(f[3], 16)
    data = bytearray(open(elf, "rb").read())
    o = off + symbols(elf)[name] - addr
    data[o:o + 8] = struct.pack("<Q", value)
    with open(path, "wb") as f:
        f.write(bytes(data))
    return path


class Process:
    """A rhyve process, self.proc, whose output goes to the open file
    self.log: what Rhyve and qmpclient.VM share."""

    def wait_exit(self, timeout):
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def output(self):
        self.log.flush()
        self.log.seek(0)
        return self.log.read()


class Rhyve(Process):
    """rhyve running the debug guest, waiting for a debugger (-S)."""

    def __init__(self, listen=None, smp=NHARTS, wait=True, elf=GUEST,
                 extra=(), bios="none"):
        self.port = free_port()
        self.listen = listen or ("tcp::%d" % self.port)
        args = [RHYVE, "-M", "virt", "-nographic", "-m", "128M",
                "-smp", str(smp), "-kernel", elf, "-gdb", self.listen]
        if bios is not None:        # None: rhyve's built-in SBI
            args += ["-bios", bios]
        if wait:
            args.append("-S")
        args += list(extra)
        self.log = open(os.path.join("/tmp", "rhyve-gdbtest-%d-%d.log" %
                                     (os.getpid(), self.port)), "w+")
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL,
                                     stdout=self.log, stderr=subprocess.STDOUT)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        name = self.log.name
        self.log.close()
        try:
            os.unlink(name)
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def run_gdb(script, rhyve, timeout=120, env=None):
    """gdb-multiarch -batch -x script against rhyve; returns (rc, output)."""
    e = dict(os.environ)
    e["RHYVE_GDB_PORT"] = str(rhyve.port)
    e["RHYVE_GUEST"] = GUEST
    e["RHYVE_GDB_LIB"] = os.path.dirname(os.path.abspath(__file__))
    if env:
        e.update(env)
    try:
        p = subprocess.run(["gdb-multiarch", "-nx", "-batch", "-x", script],
                           capture_output=True, text=True, timeout=timeout,
                           env=e, stdin=subprocess.DEVNULL)
        return p.returncode, p.stdout + p.stderr
    except subprocess.TimeoutExpired as ex:
        out = (ex.stdout or b"")
        if isinstance(out, bytes):
            out = out.decode(errors="replace")
        return None, out + "\nTIMEOUT after %ds" % timeout


def verdict(out):
    """Scan the in-GDB script's report: 'ok'/'FAIL' lines, a RESULT line."""
    fails = [l for l in out.splitlines() if l.startswith("FAIL ")]
    done = any(l.startswith("RESULT ") for l in out.splitlines())
    return done and not fails


def rsp_test(guest="smp_debug"):
    """The preamble of a raw-RSP test on build/guests/gdb/<guest>.elf
    (default: the 5-hart debug guest, GUEST): skip unless rhyve, the debug
    guest and that one are built; returns (its path, its symbols, a
    Checker)."""
    elf = os.path.join(BUILD, "guests", "gdb", guest + ".elf")
    need()
    if not os.path.isfile(elf):
        skip("no guest %s (make guests)" % elf)
    return elf, symbols(elf), Checker()


def u64(hexstr):
    """A register or memory reply (target byte order: little) as a number."""
    return int.from_bytes(bytes.fromhex(hexstr.decode()), "little")


def rcmd(r, text, timeout=10):
    """Monitor command 'text' through RSP client r: its output ("" for an
    OK reply)."""
    reply = r.cmd("qRcmd," + text.encode().hex(), timeout=timeout)
    return "" if reply == b"OK" else bytes.fromhex(reply.decode()).decode()


# Agent-expression bytecode, hand-assembled for target-side breakpoint
# conditions and commands (GDB manual, "Bytecode Descriptions").
AX_OP = dict(add=0x02, bit_and=0x0f, equal=0x13, ref64=0x1a, if_goto=0x20,
             const8=0x22, const16=0x23, const64=0x25, reg=0x26, end=0x27)


def ax_op(*names):
    return bytes(AX_OP[n] for n in names)


def ax_reg(n):
    return ax_op("reg") + struct.pack(">H", n)


def ax_c8(v):
    return ax_op("const8") + struct.pack(">B", v)


def ax_c16(v):
    return ax_op("const16") + struct.pack(">H", v)


def ax_c64(v):
    return ax_op("const64") + struct.pack(">Q", v)


def ax_list(code):
    """An expression as a Z packet carries it (a condition, or after
    'cmds:N,'): X<length>,<hex bytes>."""
    return "X%x,%s" % (len(code), code.hex())


class RSP:
    """A raw GDB remote protocol client."""

    def __init__(self, port=None, path=None, timeout=10, retry=10.0):
        deadline = time.time() + retry
        while True:
            try:
                if path is not None:
                    self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                    self.s.connect(path)
                else:
                    self.s = socket.create_connection(("127.0.0.1", port),
                                                      timeout=timeout)
                    self.s.setsockopt(socket.IPPROTO_TCP,
                                      socket.TCP_NODELAY, 1)
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.05)
        self.s.settimeout(timeout)
        self.buf = b""
        self.ack = True

    @staticmethod
    def frame(payload):
        if isinstance(payload, str):
            payload = payload.encode()
        return b"$" + payload + b"#%02x" % (sum(payload) & 0xff)

    def send_raw(self, data):
        self.s.sendall(data)

    def send(self, payload):
        self.s.sendall(self.frame(payload))

    def read_more(self, timeout=None):
        if timeout is not None:
            self.s.settimeout(timeout)
        d = self.s.recv(65536)
        if not d:
            raise EOFError("connection closed")
        self.buf += d

    def take(self, kinds=b"$"):
        """(kind, payload) of the first complete packet in the buffer that
        starts with a byte of 'kinds' ('$' a reply, '%' a notification),
        escapes undone, or None when there is none yet; a reply is acked in
        ack mode (notifications never are)."""
        starts = [k for k in (self.buf.find(bytes([c])) for c in kinds)
                  if k >= 0]
        if not starts:
            return None
        i = min(starts)
        j = self.buf.find(b"#", i)
        if j < 0 or len(self.buf) < j + 3:
            return None
        kind, raw = self.buf[i:i + 1], self.buf[i + 1:j]
        cs = int(self.buf[j + 1:j + 3], 16)
        self.buf = self.buf[j + 3:]
        if (sum(raw) & 0xff) != cs:
            raise ValueError("bad checksum from server")
        if kind == b"$" and self.ack:
            try:
                self.s.sendall(b"+")
            except OSError:
                pass    # e.g. W00: rhyve may be gone already
        out = bytearray()
        k = 0
        while k < len(raw):
            if raw[k] == 0x7d:
                out.append(raw[k + 1] ^ 0x20)
                k += 2
            else:
                out.append(raw[k])
                k += 1
        return kind, bytes(out)

    def recv(self, timeout=10):
        """Next packet's payload (escapes undone); acks it in ack mode."""
        deadline = time.time() + timeout
        while True:
            p = self.take()
            if p is not None:
                return p[1]
            left = deadline - time.time()
            if left <= 0:
                raise TimeoutError("no reply")
            self.read_more(left)

    def cmd(self, payload, timeout=10):
        self.send(payload)
        return self.recv(timeout)

    def noack(self):
        r = self.cmd("QStartNoAckMode")
        self.ack = False
        self.buf = self.buf.replace(b"+", b"")
        return r

    def read_mem(self, addr, n):
        r = self.cmd("m%x,%x" % (addr, n))
        return bytes.fromhex(r.decode())

    def read_u64(self, addr):
        return int.from_bytes(self.read_mem(addr, 8), "little")

    def close(self):
        try:
            self.s.close()
        except OSError:
            pass


class NSClient(RSP):
    """RSP plus notifications: '%Name:data#cs' packets, which are not acked."""

    def __init__(self, port):
        super().__init__(port)
        self.notes = []

    def recv(self, timeout=10):
        """The next reply; notifications met on the way go to self.notes."""
        deadline = time.time() + timeout
        while True:
            p = self.take(b"$%")
            if p is not None:
                if p[0] == b"%":
                    self.notes.append(p[1])
                    continue
                return p[1]
            left = deadline - time.time()
            if left <= 0:
                raise TimeoutError("no reply")
            self.read_more(left)

    def note(self, timeout=10):
        """The next notification (None if none within timeout)."""
        deadline = time.time() + timeout
        while not self.notes:
            p = self.take(b"$%")
            if p is not None:
                if p[0] == b"$":
                    raise ValueError("unexpected reply %r" % p[1])
                self.notes.append(p[1])
                break
            left = deadline - time.time()
            if left <= 0:
                return None
            try:
                self.read_more(left)
            except socket.timeout:
                return None
        return self.notes.pop(0)

    def drain(self, first):
        """The stops of a sequence begun with 'first' (a reply to '?' or a
        notification): vStopped until OK."""
        if first.startswith(b"Stop:"):
            first = first[5:]
        stops = [first]
        while True:
            rep = self.cmd("vStopped")
            if rep == b"OK":
                return stops
            stops.append(rep)
            if len(stops) > 256:
                raise ValueError("vStopped never says OK")


def writer_log_holds(entry, v):
    """Does the reverse guest's writer_log entry for value v (hart << 32 |
    number) show v's store (tests/guests/gdb/race.S)?  The log keeps
    the last 1,024 numbers: a hart whose turn ended between taking its
    number and its store may store after 1,024 others, whose later number
    then holds its slot."""
    seq, got = v & 0xffffffff, entry & 0xffffffff
    return entry == v or (got > seq and got % 1024 == seq % 1024)


class Checker:
    """ok/FAIL lines and a closing RESULT line, as verdict() expects."""

    def __init__(self):
        self.npass = 0
        self.nfail = 0

    def check(self, name, cond, detail=""):
        if cond:
            self.npass += 1
            print("ok   %s" % name, flush=True)
        else:
            self.nfail += 1
            print("FAIL %s %s" % (name, detail), flush=True)
        return cond

    def result(self):
        print("RESULT pass=%d fail=%d" % (self.npass, self.nfail), flush=True)
        return 0 if self.nfail == 0 else 1
