"""ingdb.py - what the scripts that run INSIDE gdb-multiarch (gdb -batch
-x SCRIPT) share: expression helpers, a continue that Ctrl-C's GDB after
a delay, and the session set-up against rhyve (the guest ELF in
RHYVE_GUEST, the port in RHYVE_GDB_PORT, the remote protocol logged to
RHYVE_GDB_LOG when set, for debugging a failure).
"""
import os
import signal
import threading

import gdb


def ev(expr):
    return int(gdb.parse_and_eval(expr))


def sym(name):
    return ev("(unsigned long)&%s" % name)


def run(cmd):
    return gdb.execute(cmd, to_string=True)


def threads():
    return sorted(gdb.selected_inferior().threads(), key=lambda t: t.num)


def cur():
    return gdb.selected_thread().num


def interrupt_after(sec):
    """continue, and stop everything with Ctrl-C (SIGINT to GDB) later."""
    t = threading.Timer(sec, lambda: os.kill(os.getpid(), signal.SIGINT))
    t.start()
    gdb.execute("continue")
    t.join()


def attach():
    """Load the guest, connect to rhyve; returns the list that collects
    the exit codes GDB reports (a guest poweroff)."""
    exit_codes = []
    gdb.events.exited.connect(
        lambda e: exit_codes.append(getattr(e, "exit_code", None)))
    gdb.execute("set pagination off")
    gdb.execute("set confirm off")
    if os.environ.get("RHYVE_GDB_LOG"):
        gdb.execute("set logging file " + os.environ["RHYVE_GDB_LOG"])
        gdb.execute("set logging debugredirect on")
        gdb.execute("set debug remote 1")
        gdb.execute("set logging enabled on")
    gdb.execute("file " + os.environ["RHYVE_GUEST"])
    gdb.execute("target remote 127.0.0.1:%s" % os.environ["RHYVE_GDB_PORT"])
    return exit_codes
