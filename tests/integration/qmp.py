#!/usr/bin/env python3
"""qmp.py - rhyve's QMP server (rhyve/qmp/) driven by a raw client:

  - -qmp unix:PATH,server=on,wait=off: a socket of mode 0600, removed at
    exit; other -qmp spellings and bad -name values: one line, status 1;
  - the greeting, qmp_capabilities first (QEMU's CommandNotFound reply
    before it, and when repeated), replies echo "id" of any type;
  - malformed JSON (syntax, types, trailing commas, deep nesting, bad
    UTF-8, lone surrogates, duplicate keys), a line past the size limit,
    unknown commands and arguments: QEMU's error replies, and the session
    goes on;
  - clients that hang up mid-message or before reading the reply; many
    clients; events only to negotiated clients;
  - stop/cont with STOP/RESUME (before the reply, as QEMU) and no guest
    instruction retired while stopped; query-status, query-cpus-fast,
    query-version, query-commands, human-monitor-command "info registers";
  - system_reset (RESET), quit and system_powerdown (SHUTDOWN, status 0),
    SIGTERM (SHUTDOWN host-signal), a guest's own resets and poweroff
    (RESET guest-reset, SHUTDOWN guest-shutdown; -S: query-status debug),
    all inside the seccomp sandbox;
  - -name: the default socket under $XDG_RUNTIME_DIR/rhyve, a name in use
    by a live VM refused, a stale socket replaced.
Exit 0 pass, 77 skip, 1 fail.
"""
import json
import os
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "gdb"))
import common  # noqa: E402
import qmpclient  # noqa: E402
from qmpclient import QMP, VM, instret  # noqa: E402

qmpclient.need()
C = common.Checker()
ck = C.check


def err_of(r):
    e = r.get("error", {})
    return e.get("class"), e.get("desc", "")


def alive(q):
    return q.cmd("query-status").get("return", {}).get("status") in (
        "running", "paused", "debug")


def conversation(vm):
    ck("socket appears", vm.wait_socket(), vm.output())
    st = os.stat(vm.qmp)
    ck("socket mode 0600", stat.S_ISSOCK(st.st_mode) and
       (st.st_mode & 0o777) == 0o600, oct(st.st_mode))
    # The socket is made before the process confines itself (the sandbox
    # forbids creating it), so the filter may come a moment later.
    status = ""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with open("/proc/%d/status" % vm.proc.pid) as f:
            status = f.read()
        if "Seccomp:\t2" in status:
            break
        time.sleep(0.02)
    ck("sandbox on", "Seccomp:\t2" in status,
       [l for l in status.splitlines() if l.startswith("Seccomp")])

    q = QMP(vm.qmp)
    g = json.loads(q.line())
    v = g.get("QMP", {}).get("version", {})
    ck("greeting", set(g.get("QMP", {})) == {"version", "capabilities"} and
       g["QMP"]["capabilities"] == [] and
       set(v.get("qemu", {})) == {"major", "minor", "micro"} and
       "package" in v, g)

    r = q.cmd("query-status", id="early")
    ck("command before qmp_capabilities refused",
       err_of(r) == ("CommandNotFound", "Expecting capabilities negotiation "
                     "with 'qmp_capabilities'") and r.get("id") == "early", r)
    r = q.cmd("qmp_capabilities", id={"n": [1, 2.5, None, True]})
    ck("qmp_capabilities", r == {"return": {}, "id": {"n": [1, 2.5, None, True]}}, r)
    r = q.cmd("qmp_capabilities", id=7)
    ck("qmp_capabilities twice", err_of(r) == (
        "CommandNotFound", "Capabilities negotiation is already complete, "
        "command ignored") and r.get("id") == 7, r)

    r = q.cmd("query-status", id=-12)
    ck("query-status running", r == {"return": {"status": "running",
                                                "running": True}, "id": -12}, r)
    r = q.cmd("no-such-command", id="u")
    ck("unknown command", err_of(r) == (
        "CommandNotFound", "The command no-such-command has not been found")
       and r.get("id") == "u", r)
    r = q.cmd("stop", {"bogus": 1})
    ck("unexpected argument", err_of(r) == (
        "GenericError", "Parameter 'bogus' is unexpected"), r)
    r = q.cmd("x-rhyve-query-stats", {"cpu-index": "0"})
    ck("argument of the wrong type", err_of(r)[0] == "GenericError" and
       "expected: integer" in err_of(r)[1], r)
    r = q.cmd("x-rhyve-query-stats", {"cpu-index": 4})
    ck("cpu-index out of range", err_of(r)[0] == "GenericError", r)
    r = q.cmd("human-monitor-command", {})
    ck("missing argument", err_of(r) == (
        "GenericError", "Parameter 'command-line' is missing"), r)

    # Malformed input: QEMU's error replies, then the session goes on.
    bad = [
        (b'{"execute": }\n', "JSON parse error"),
        (b'{"execute": "query-status",}\n', "JSON parse error"),
        (b'{"execute": \'query-status\'}\n', "JSON parse error"),
        (b'{"execute": "query-status"} }\n', None),
        (b'[1, 2]\n', "QMP input must be a JSON object"),
        (b'42\n', "QMP input must be a JSON object"),
        (b'nonsense\n', "JSON parse error"),
        (b'{"execute": 1}\n', "QMP input member 'execute' must be a string"),
        (b'{"arguments": {}}\n', "QMP input lacks member 'execute'"),
        (b'{"execute": "stop", "arguments": []}\n',
         "QMP input member 'arguments' must be an object"),
        (b'{"execute": "query-status", "extra": 1}\n',
         "QMP input member 'extra' is unexpected"),
        (b'{"execute": "query-status", "execute": "stop"}\n', "JSON parse error"),
        (b'{"execute": "query-\xff"}\n', "JSON parse error"),
        (b'{"execute": "a\x01"}\n', "JSON parse error"),
        (b'{"execute": "\\ud800"}\n', "JSON parse error"),
        (b'{"execute": 01}\n', "JSON parse error"),
        (b'{"execute": NaN}\n', "JSON parse error"),
        (b'{"a": ' + b'[' * 100 + b']' * 100 + b'}\n', "JSON parse error"),
    ]
    for raw, want in bad:
        q.send_raw(raw)
        r = q.recv()
        if want is None:    # a valid message, then a stray '}'
            ok = "return" in r and err_of(q.recv())[0] == "GenericError"
        else:
            ok = err_of(r)[0] == "GenericError" and err_of(r)[1].startswith(want)
        ck("malformed %r" % raw[:40], ok, r)
    ck("session alive after malformed input", alive(q))

    # A message past the limit: one error, skipped to the newline.
    q.send_raw(b'{"execute": "' + b"a" * 200000 + b'"}\n')
    r = q.recv()
    ck("huge line refused", err_of(r) == (
        "GenericError", "JSON parse error, message too long"), r)
    ck("session alive after huge line", alive(q))
    # Split across writes, no newline needed between messages.
    q.send_raw(b'{"execute": "query-')
    time.sleep(0.1)
    q.send_raw(b'version", "id": "split"}{"execute": "query-status"}')
    r1, r2 = q.recv(), q.recv()
    ck("framing across writes", r1.get("id") == "split" and
       r1["return"]["package"].startswith("rhyve") and "return" in r2,
       (r1, r2))

    # Clients that hang up mid-message and before reading the reply.
    for raw in (b'{"execute": "query-st', b'{"execute": "x-rhyve-query-vcpus"}\n',
                b'{"execute": "qmp_capabilities"}{"execute": "query-cpus-fast"}'):
        s = socket.socket(socket.AF_UNIX)
        s.connect(vm.qmp)
        s.sendall(raw)
        s.close()
    time.sleep(0.2)
    ck("rhyve alive after hang-ups", vm.proc.poll() is None and alive(q))

    # A second client: events only once it negotiated.
    q2 = QMP(vm.qmp)
    q2.line()
    q3 = QMP(vm.qmp)
    q3.line()
    q3.cmd("qmp_capabilities")

    # stop / cont: STOP before the reply, nothing retired while stopped.
    q.send_raw(b'{"execute": "stop", "id": 1}\n')
    raw = q.line()
    ev = json.loads(raw)
    ts = ev.get("timestamp", {})
    ck("STOP event before the reply", ev.get("event") == "STOP" and
       set(ts) == {"seconds", "microseconds"} and
       isinstance(ts["seconds"], int) and 0 <= ts["microseconds"] < 10**6, raw)
    ck("stop reply", q.recv() == {"return": {}, "id": 1})
    r = q.cmd("query-status")["return"]
    ck("query-status paused", r == {"status": "paused", "running": False}, r)
    a = instret(q)
    time.sleep(0.3)
    b = instret(q)
    ck("no instruction retired while stopped", a == b, (a, b))
    ck("STOP to the other negotiated client", q3.wait_event("STOP", 5) is not None)
    r = q.cmd("stop")
    ck("stop again: no event", r == {"return": {}} and
       q.wait_event("STOP", 0.3) is None, r)
    r = q.cmd("cont")
    ck("cont", r == {"return": {}} and q.wait_event("RESUME", 5) is not None, r)
    time.sleep(0.2)
    c = instret(q)
    ck("every vCPU runs after cont", all(y > x for x, y in zip(b, c)), (b, c))
    ck("not negotiated: no events", q2.wait_event("STOP", 0.3) is None)
    q2.close()
    q3.close()

    r = q.cmd("query-cpus-fast")["return"]
    ck("query-cpus-fast", [c["cpu-index"] for c in r] == [0, 1, 2, 3] and
       all(c["target"] == "riscv64" and c["thread-id"] > 0 and
           c["qom-path"] == "/machine/soc0/harts[%d]" % c["cpu-index"]
           for c in r), r)
    r = q.cmd("query-version")["return"]
    ck("query-version", set(r["qemu"]) == {"major", "minor", "micro"}, r)
    names = {c["name"] for c in q.cmd("query-commands")["return"]}
    ck("query-commands", {"qmp_capabilities", "query-status", "stop", "cont",
                          "query-cpus-fast", "system_reset", "system_powerdown",
                          "quit", "query-version", "query-commands",
                          "human-monitor-command"} <= names, names)
    r = q.cmd("human-monitor-command",
              {"command-line": "info registers", "cpu-index": 3})["return"]
    ck("info registers", "CPU#3" in r and "mhartid  0000000000000003" in r and
       " pc       " in r and "x2/sp" in r and "x31/t6" in r, r)
    r = q.cmd("human-monitor-command", {"command-line": "info registers -a"})
    ck("info registers -a", all("CPU#%d" % i in r["return"] for i in range(4)))
    r = q.cmd("human-monitor-command", {"command-line": "frobnicate"})["return"]
    ck("unknown HMP command", r.startswith("unknown command"), r)
    r = q.cmd("human-monitor-command", {"command-line": "info status"})["return"]
    ck("info status", r == "VM status: running\n", r)

    # system_reset: RESET, the guest starts over and runs.
    r = q.cmd("system_reset")
    e = q.wait_event("RESET", 10)
    ck("system_reset", r == {"return": {}} and e is not None and
       e.get("data") == {"guest": False, "reason": "host-qmp-system-reset"},
       (r, e))
    time.sleep(0.2)
    ck("runs after reset", alive(q) and all(x > 0 for x in instret(q)))
    return q


def guest_events():
    """The guest resets twice, then powers off: RESET, RESET, SHUTDOWN."""
    elf = os.path.join(common.BUILD, "guests", "reboot", "reboot.elf")
    if not os.path.isfile(elf):
        ck("reboot guest built", False, elf)
        return
    d = tempfile.mkdtemp(prefix="rhyve-gdb-")
    gdbsock = os.path.join(d, "gdb.sock")
    vm = VM(kernel=elf, smp=2, gdb="unix:" + gdbsock, wait=True)
    r = None
    try:
        vm.wait_socket()
        q = QMP(vm.qmp)
        q.line()
        q.cmd("qmp_capabilities")
        st = q.cmd("query-status")["return"]
        ck("-S: query-status debug", st == {"status": "debug",
                                            "running": False}, st)
        # Nothing ran yet; the debugger lets it go.
        r = common.RSP(path=gdbsock)
        r.cmd("?")
        r.send("c")
        e1 = q.wait_event("RESET", 20)
        e2 = q.wait_event("RESET", 20)
        e3 = q.wait_event("SHUTDOWN", 20)
        want = {"guest": True, "reason": "guest-reset"}
        ck("guest reset: RESET guest-reset, twice",
           e1 is not None and e2 is not None and e1["data"] == want and
           e2["data"] == want, (e1, e2, vm.output()))
        ck("guest poweroff: SHUTDOWN guest-shutdown", e3 is not None and
           e3["data"] == {"guest": True, "reason": "guest-shutdown"}, e3)
        ck("guest poweroff: status 0", vm.wait_exit(10) == 0, vm.output())
    finally:
        if r is not None:
            r.close()
        vm.stop()
        try:
            os.rmdir(d)
        except OSError:
            pass


def main():
    # Option errors: one line, status 1.
    for args in (["-qmp", "tcp:127.0.0.1:4444,server=on,wait=off"],
                 ["-qmp", "unix:/tmp/x.sock,server=on,wait=on"],
                 ["-qmp", "unix:/tmp/x.sock"],
                 ["-qmp", "unix:,server=on,wait=off"],
                 ["-name", "a/b"], ["-name", ".hidden"], ["-name", ""]):
        p = subprocess.run([common.RHYVE, "-M", "virt", "-bios", "none",
                            "-kernel", qmpclient.BUSY] + args,
                           capture_output=True, text=True, timeout=10)
        ck("refused: %s" % " ".join(args), p.returncode == 1 and
           len(p.stderr.strip().splitlines()) == 1, p.stderr)

    vm = VM()
    try:
        q = conversation(vm)
        r = q.cmd("quit", id="bye")
        e = q.wait_event("SHUTDOWN", 10)
        ck("quit", r == {"return": {}, "id": "bye"} and e is not None and
           e.get("data") == {"guest": False, "reason": "host-qmp-quit"}, (r, e))
        rc = vm.wait_exit(10)
        ck("quit: status 0", rc == 0, "%s %s" % (rc, vm.output()))
        ck("socket removed at exit", not os.path.exists(vm.qmp))
        ck("no sandbox complaint", "sandbox" not in vm.output(), vm.output())
    finally:
        vm.stop()

    vm = VM()
    try:
        vm.wait_socket()
        q = QMP(vm.qmp)
        q.line()
        q.cmd("qmp_capabilities")
        r = q.cmd("system_powerdown")
        p = q.wait_event("POWERDOWN", 10)
        e = q.wait_event("SHUTDOWN", 10)
        ck("system_powerdown", r == {"return": {}} and p is not None and
           e is not None, (r, p, e))
        ck("system_powerdown: status 0", vm.wait_exit(10) == 0, vm.output())
        ck("system_powerdown: socket removed", not os.path.exists(vm.qmp))
    finally:
        vm.stop()

    vm = VM()
    try:
        vm.wait_socket()
        q = QMP(vm.qmp)
        q.line()
        q.cmd("qmp_capabilities")
        vm.proc.send_signal(signal.SIGTERM)
        e = q.wait_event("SHUTDOWN", 10)
        ck("SIGTERM: SHUTDOWN host-signal", e is not None and
           e["data"] == {"guest": False, "reason": "host-signal"}, e)
        ck("SIGTERM: status 143", vm.wait_exit(10) == 143, vm.output())
        ck("SIGTERM: socket removed", not os.path.exists(vm.qmp))
    finally:
        vm.stop()

    guest_events()

    # -name: default path, in use, stale.
    xdg = tempfile.mkdtemp(prefix="rhyve-xdg-")
    env = dict(os.environ, XDG_RUNTIME_DIR=xdg)
    path = os.path.join(xdg, "rhyve", "t1.qmp")
    vm = VM(qmp=False, name="t1", env=env)
    try:
        ck("-name: socket at the default path", vm.wait_socket(path), vm.output())
        ck("-name: directory 0700",
           stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode) == 0o700)
        p = subprocess.run([common.RHYVE, "-M", "virt", "-bios", "none",
                            "-kernel", qmpclient.BUSY, "-name", "t1"],
                           capture_output=True, text=True, timeout=10, env=env)
        ck("-name in use refused", p.returncode == 1 and
           "in use" in p.stderr and len(p.stderr.splitlines()) == 1, p.stderr)
        ck("first VM unharmed", os.path.exists(path) and vm.proc.poll() is None)
        rc2 = subprocess.run([qmpclient.RHYVECTL, "--vm=t1", "--get-vcpus"],
                             capture_output=True, text=True, env=env).returncode
        ck("rhyvectl --vm finds it", rc2 == 0)
        vm.proc.kill()
        vm.proc.wait()
    finally:
        vm.stop()
    ck("stale socket left by SIGKILL", os.path.exists(path))
    p = subprocess.run([qmpclient.RHYVECTL, "--vm=t1", "--get-vcpus"],
                       capture_output=True, text=True, env=env, timeout=10)
    ck("rhyvectl: dead VM", p.returncode != 0 and "not running" in p.stderr and
       len(p.stderr.splitlines()) == 1, p.stderr)
    vm = VM(qmp=False, name="t1", env=env)
    try:
        time.sleep(0.5)
        ok = False
        try:
            q = QMP(path)
            ok = "QMP" in json.loads(q.line())
            q.close()
        except OSError:
            pass
        ck("stale socket replaced", ok and vm.proc.poll() is None, vm.output())
    finally:
        vm.stop()
    # A socket directory others can write to is refused.
    os.chmod(os.path.join(xdg, "rhyve"), 0o777)
    p = subprocess.run([common.RHYVE, "-M", "virt", "-bios", "none",
                        "-kernel", qmpclient.BUSY, "-name", "t2"],
                       capture_output=True, text=True, timeout=10, env=env)
    ck("-name: open socket directory refused", p.returncode == 1 and
       "mode 0700" in p.stderr and len(p.stderr.splitlines()) == 1, p.stderr)
    try:
        for f in os.listdir(os.path.join(xdg, "rhyve")):
            os.unlink(os.path.join(xdg, "rhyve", f))
        os.rmdir(os.path.join(xdg, "rhyve"))
        os.rmdir(xdg)
    except OSError:
        pass
    return C.result()


sys.exit(main())
