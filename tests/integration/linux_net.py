#!/usr/bin/env python3
"""linux_net.py - Debian 13's riscv64 kernel on rhyve's virtio-net with
user-mode networking (libslirp), spelled as QEMU users spell it, with the
sandbox on (the default):
  - the guest gets 10.0.2.15/24, router 10.0.2.2 and DNS 10.0.2.3 by DHCP
    (busybox udhcpc);
  - it downloads a file with busybox wget from an HTTP server this test
    runs on the host's loopback (127.0.0.1, random port), reached as
    10.0.2.2:PORT; the SHA-256 the guest prints is the file's, and the
    server saw the request come from 127.0.0.1;
  - a host connection to 127.0.0.1:HOSTPORT reaches, through hostfwd, a
    busybox nc listening in the guest: each side gets the other's line;
  - a UDP forward (hostfwd=udp:...) binds and the guest still boots
    (busybox has no UDP listener to check delivery with);
  - with no address in hostfwd the forward listens on loopback only: the
    host's other addresses refuse the port.
Cases: -netdev user + -device virtio-net-device (legacy transport, QEMU's
default), and -nic user on the modern transport.
Exit 0 pass, 77 skip (no cached kernel), 1 fail.
"""
import hashlib
import os
import re
import socket
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "linux"))
import guest  # noqa: E402

TIMEOUT = int(os.environ.get("RHYVE_LINUX_TIMEOUT", "400"))
GPORT = 5555
check = guest.Checks()


def other_host_addrs():
    """The host's non-loopback IPv4 addresses (to show the forward is not there)."""
    addrs = set()
    try:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.connect(("192.0.2.1", 9))       # no packet is sent
        addrs.add(s.getsockname()[0])
        s.close()
    except OSError:
        pass
    return [a for a in addrs if not a.startswith("127.")]


def talk(port, deadline):
    """Connect to the forward, read the guest's line, send ours."""
    while time.monotonic() < deadline:
        try:
            c = socket.create_connection(("127.0.0.1", port), timeout=30)
        except OSError:
            time.sleep(0.5)
            continue
        try:
            c.sendall(b"RHYVE-HOST-HELLO\n")
            c.shutdown(socket.SHUT_WR)
            got = b""
            while True:
                b = c.recv(4096)
                if not b:
                    break
                got += b
            if got:
                return got.decode(errors="replace")
        except OSError:
            pass
        finally:
            c.close()
        time.sleep(0.5)
    return None


def case(title, netargs, hostport, uport, srv):
    print("== %s" % title, flush=True)
    append = "rhyve.url=http://10.0.2.2:%d/blob rhyve.gport=%d" % (srv.port, GPORT)
    srv.clients.clear()
    with guest.Guest(smp=2, mode="net", append=append, secs=120,
                     extra=netargs) as g:
        g.start()
        m = g.wait_for(r"RHYVE-NET-LISTEN", TIMEOUT)
        check("%s: guest listens" % title, m is not None)
        got = talk(hostport, time.monotonic() + 60) if m else None
        check("%s: host reached the guest's listener through hostfwd" % title,
              got is not None and "RHYVE-GUEST-HELLO" in got, repr(got))
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            u.bind(("127.0.0.1", uport))
            taken = False
        except OSError:
            taken = True
        u.close()
        check("%s: the UDP forward holds 127.0.0.1:%d" % (title, uport), taken)
        others = other_host_addrs()
        for a in others:
            s = socket.socket()
            s.settimeout(5)
            try:
                s.connect((a, hostport))
                refused = False
            except OSError:
                refused = True
            s.close()
            check("%s: forward not on %s (loopback only)" % (title, a), refused)
        rc = g.wait(TIMEOUT)
        out = g.console()
        check("%s: powered off with status 0" % title, rc == 0,
              "status %s after %.0fs (None: hung)" % (rc, g.seconds))
        print("   boot to poweroff: %.1fs" % g.seconds)
        m = re.search(r"RHYVE-NET-IP (\S*)", out)
        check("%s: DHCP address" % title, m is not None and m.group(1) == "10.0.2.15/24",
              m.group(0) if m else "no RHYVE-NET-IP")
        m = re.search(r"RHYVE-NET-ROUTE (\S*)", out)
        check("%s: DHCP router" % title, m is not None and m.group(1) == "10.0.2.2",
              m.group(0) if m else "none")
        m = re.search(r"RHYVE-NET-DNS (\S*)", out)
        check("%s: DHCP DNS server" % title, m is not None and m.group(1) == "10.0.2.3",
              m.group(0) if m else "none")
        m = re.search(r"RHYVE-NET-SHA ([0-9a-f]{64})", out)
        want = hashlib.sha256(srv.data).hexdigest()
        check("%s: wget from the host's loopback, SHA-256 matches" % title,
              m is not None and m.group(1) == want,
              (m.group(1) if m else "no RHYVE-NET-SHA") + " want " + want)
        check("%s: the server saw the guest as 127.0.0.1" % title,
              "127.0.0.1" in srv.clients, str(srv.clients))
        m = re.search(r"RHYVE-NET-GOT (.*)", out)
        check("%s: guest got the host's line" % title,
              m is not None and "RHYVE-HOST-HELLO" in m.group(1),
              m.group(0) if m else "no RHYVE-NET-GOT")
        check("%s: init finished" % title, "RHYVE-DONE" in out)
        check.console_clean(title, out, sandbox=True)


srv = guest.HttpServer()
try:
    hp, up = guest.free_port(), guest.free_port()
    case("-netdev user,hostfwd=tcp:127.0.0.1:PORT + virtio-net-device (legacy)",
         ["-netdev", "user,id=n0,hostfwd=tcp:127.0.0.1:%d-:%d,"
          "hostfwd=udp:127.0.0.1:%d-:%d" % (hp, GPORT, up, GPORT),
          "-device", "virtio-net-device,netdev=n0"], hp, up, srv)
    hp, up = guest.free_port(), guest.free_port()
    case("-nic user,hostfwd=tcp::PORT (modern)",
         ["-global", "virtio-mmio.force-legacy=false",
          "-nic", "user,hostfwd=tcp::%d-:%d,hostfwd=udp::%d-:%d"
          % (hp, GPORT, up, GPORT)], hp, up, srv)
finally:
    srv.close()
check.finish()
