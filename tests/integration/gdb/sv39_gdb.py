"""sv39_gdb.py - runs INSIDE gdb-multiarch (gdb -batch -x) against rhyve
started with -S on tests/guests/gdb/sv39.S (2 harts): memory, x/i,
breakpoints and stepi through the vCPU's Sv39 translation, and physical
accesses with 'monitor phys on'.  Started by tests/integration/gdb_sv39.py,
which passes the port and the guest's addresses in the environment.
Prints ok/FAIL lines and a RESULT line.
"""
import os
import sys

import gdb

sys.dont_write_bytecode = True     # no __pycache__ in the tree
sys.path.insert(0, os.environ["RHYVE_GDB_LIB"])
from common import Checker  # noqa: E402
from ingdb import attach, cur, ev, interrupt_after, run, threads  # noqa: E402

C = Checker()
ck = C.check

KVA_BASE = 0xffffffc000000000
DATA_VA = 0x40000000            # -> phys_data
AD_VA = 0x40001000              # -> ad_page, PTE with A/D clear
HOLE_VA = 0x40002000            # invalid PTE
USER_VA = 0x40003000            # -> ad_page, a U page (SUM is clear)
MAGIC = 0x5a5a1234c0de0001
MAGIC2 = 0x0123456789abcdef
AD_MAGIC = 0xad00ad00ad00ad00
ABOVE_MAGIC = 0xfeedfacefeedface
PTE_A, PTE_D = 0x40, 0x80
SLOT_CNT, SLOT_CALLS, SLOT_POKE, SLOT_SEEN, SLOT_OFF, SLOT_M2 = 8, 24, 40, 48, 56, 64

S_FUNC = int(os.environ["SV39_S_FUNC_VA"], 0)
S_FUNC_PA = int(os.environ["SV39_S_FUNC_PA"], 0)
PHYS = int(os.environ["SV39_PHYS_DATA"], 0)
AD_PA = int(os.environ["SV39_AD_PAGE"], 0)
L0 = int(os.environ["SV39_L0"], 0)
ABOVE = int(os.environ["SV39_ABOVE"], 0)


def xg(addr):
    """x/gx addr -> value; raises gdb.error (gdb.MemoryError) on failure."""
    gdb.execute("maint flush dcache")
    out = run("x/gx %#x" % addr)
    return int(out.split()[-1], 16)


def xg_or_none(addr):
    try:
        return xg(addr)
    except gdb.error:
        return None


def phys(on):
    out = run("monitor phys %s" % ("on" if on else "off"))
    gdb.execute("maint flush dcache")
    return out


def counters():
    return [xg(DATA_VA + SLOT_CNT + 8 * h) for h in (0, 1)]


def mnemonics(text):
    """The instruction texts of x/Ni output, addresses and symbols dropped."""
    ins = []
    for line in text.splitlines():
        if ":" in line:
            ins.append(line.split(":", 1)[1].strip())
    return ins


exit_codes = attach()

# ---- let the guest build its tables and enter S ----------------------------
ck("two threads (harts)", [t.num for t in threads()] == [1, 2])
interrupt_after(0.5)
for t in threads():
    t.switch()
    ck("thread %d: $priv is S" % t.num, ev("$priv") == 1, str(ev("$priv")))
    ck("thread %d: satp mode is Sv39" % t.num,
       (ev("$satp") & 0xffffffffffffffff) >> 60 == 8, hex(ev("$satp")))
    ck("thread %d: pc in the high alias" % t.num,
       ev("(unsigned long)$pc") >= KVA_BASE, hex(ev("(unsigned long)$pc")))
threads()[0].switch()

# ---- reads through the translation vs physical ------------------------------
phys(False)
v_magic = xg_or_none(DATA_VA)
ck("x/gx at the data VA reads the known contents", v_magic == MAGIC,
   str(v_magic))
ck("x/gx at VA + 64 reads the second magic", xg_or_none(DATA_VA + SLOT_M2) == MAGIC2)
c = counters()
ck("counters (through the VA) ran on both harts", c[0] > 0 and c[1] > 0, str(c))
ck("the data's PA is no VA (RAM is not identity-mapped): error",
   xg_or_none(PHYS) is None)
out = phys(True)
ck("monitor phys on answers", "physical" in out, out)
p_magic = xg_or_none(PHYS)
ck("phys mode: x/gx at the PA equals x/gx at the VA", p_magic == v_magic,
   "%s vs %s" % (p_magic, v_magic))
p_va = xg_or_none(DATA_VA)
ck("phys mode: the VA as a PA is not the data (error or other contents)",
   p_va != MAGIC, str(p_va))
ck("phys mode: counters at the PA match the VA's",
   [xg_or_none(PHYS + SLOT_CNT), xg_or_none(PHYS + SLOT_CNT + 8)] == c)
# before any debugger access through VA 0x40001000: the guest's PTE
pte0 = xg_or_none(L0 + 8)
ck("ad_page's PTE has A and D clear (the guest never touched it)",
   pte0 is not None and pte0 & (PTE_A | PTE_D) == 0 and
   (pte0 >> 10) << 12 == AD_PA, str(pte0))
out = phys(False)
ck("monitor phys off answers", "virtual" in out, out)
ck("virtual again: the VA reads the data", xg_or_none(DATA_VA) == MAGIC)

# a read across VA 0x40001000, whose two pages are not physically adjacent
try:
    mem = bytes(gdb.selected_inferior().read_memory(AD_VA - 8, 16))
    got = (int.from_bytes(mem[:8], "little"), int.from_bytes(mem[8:], "little"))
except gdb.error as e:
    got = str(e)
phys(True)
want = (xg_or_none(PHYS + 0xff8), xg_or_none(AD_PA))
above = xg_or_none(PHYS + 0x1000)
phys(False)
ck("a read across VA 0x40001000 joins phys_data's end and ad_page",
   got == want and above == ABOVE_MAGIC and want[1] == AD_MAGIC,
   "%s want %s" % (got, want))
# a read running from a mapped page into an invalid one
try:
    part = bytes(gdb.selected_inferior().read_memory(HOLE_VA - 8, 8))
except gdb.error as e:
    part = str(e)
raised = False
try:
    gdb.selected_inferior().read_memory(HOLE_VA - 8, 16)
except gdb.error:
    raised = True
ck("a read into an invalid page is an error; its mapped part reads",
   raised and isinstance(part, bytes) and len(part) == 8, str(part))

# ---- writes through the VA and physically ----------------------------------
POKE = 0x1122334455667788
gdb.execute("set {long}%#x = %#x" % (DATA_VA + SLOT_POKE, POKE))
phys(True)
ck("a write through the VA is seen at the PA in phys mode",
   xg_or_none(PHYS + SLOT_POKE) == POKE)
M3 = 0x7766554433221100
gdb.execute("set {long}%#x = %#x" % (PHYS + SLOT_M2, M3))
phys(False)
ck("a physical write is seen through the VA", xg_or_none(DATA_VA + SLOT_M2) == M3)
c0 = counters()
interrupt_after(0.3)
c1 = counters()
ck("the guest saw the write through the VA (seen = poke)",
   xg_or_none(DATA_VA + SLOT_SEEN) == POKE)
ck("counters keep advancing", c1[0] > c0[0] and c1[1] > c0[1],
   "%s -> %s" % (c0, c1))

# ---- breakpoint on a virtual address ------------------------------------------
gdb.execute("break *%#x" % S_FUNC)
hitters = set()
at_va = True
for i in range(12):
    gdb.execute("continue")
    hitters.add(cur())
    pc = ev("(unsigned long)$pc")
    at_va = at_va and pc == S_FUNC and ev("$priv") == 1
ck("break *VA of s_func: every stop has pc == that VA, in S", at_va)
ck("break *VA of s_func: hit (%s)" % sorted(hitters), len(hitters) >= 1)
# which hart wins the race is timing; resume each alone to see both hit it
gdb.execute("set scheduler-locking on")
for t in reversed(threads()):
    t.switch()
    gdb.execute("continue")
    ck("locked continue: thread %d hits s_func at its VA" % t.num,
       cur() == t.num and ev("(unsigned long)$pc") == S_FUNC,
       "thread %d pc %#x" % (cur(), ev("(unsigned long)$pc")))
gdb.execute("delete")
gdb.execute("hbreak *%#x" % S_FUNC)
me = gdb.selected_thread().num
gdb.execute("continue")
ck("hbreak *VA of s_func stops there",
   cur() == me and ev("(unsigned long)$pc") == S_FUNC,
   "thread %d pc %#x" % (cur(), ev("(unsigned long)$pc")))
gdb.execute("delete")

# ---- stepi and x/i at virtual addresses ----------------------------------------
other = 2 if cur() == 1 else 1
t_other = [t for t in threads() if t.num == other][0]
me = gdb.selected_thread()
t_other.switch()
pc_other = ev("(unsigned long)$pc")
me.switch()
c0 = counters()
gdb.execute("stepi")
pc1 = ev("(unsigned long)$pc")
gdb.execute("stepi")
pc2 = ev("(unsigned long)$pc")
ck("stepi advances one instruction at VAs", pc1 == S_FUNC + 4 and
   pc2 == S_FUNC + 8, "%#x %#x" % (pc1, pc2))
ck("stepi stays in S", ev("$priv") == 1)
t_other.switch()
ck("stepi moved only the current hart",
   ev("(unsigned long)$pc") == pc_other and counters() == c0)
me.switch()
vdis = run("x/2i $pc")
ck("x/2i $pc disassembles at the VA", "=> %#x" % pc2 in vdis and
   "ld" in vdis, vdis)
phys(True)
pdis = run("x/2i %#x" % (S_FUNC_PA + 8))
phys(False)
ck("x/2i through the mapping matches the physical code",
   mnemonics(vdis) == mnemonics(pdis) and len(mnemonics(vdis)) == 2,
   "%s vs %s" % (mnemonics(vdis), mnemonics(pdis)))
gdb.execute("set scheduler-locking off")

# ---- breakpoints are virtual: the physical alias of s_func is never run --------
bp_stops = []
gdb.events.stop.connect(
    lambda e: bp_stops.append(isinstance(e, gdb.BreakpointEvent)))
gdb.execute("break *%#x" % S_FUNC_PA)
calls0 = xg(DATA_VA + SLOT_CALLS)
interrupt_after(0.3)
calls1 = xg(DATA_VA + SLOT_CALLS)
ck("break at s_func's PA is not hit while the guest calls it at the VA",
   bp_stops == [False] and calls1 > calls0 and
   ev("(unsigned long)$pc") != S_FUNC_PA,
   "stops %s calls %d -> %d" % (bp_stops, calls0, calls1))
gdb.execute("delete")

# ---- unmapped VAs: errors, not guest faults ----------------------------------
for name, a in (("invalid PTE", HOLE_VA), ("empty root slot", 0x1000),
                ("non-canonical", 0x0000004000000000)):
    raised = False
    try:
        xg(a)
    except gdb.error:
        raised = True
    ck("x/gx at an unmapped VA (%s) is an error" % name, raised)
raised = False
try:
    gdb.execute("set {long}%#x = 1" % HOLE_VA)
except gdb.error:
    raised = True
ck("a write to an unmapped VA is an error", raised)
raised = False
try:
    gdb.execute("x/2i %#x" % HOLE_VA)
except gdb.error:
    raised = True
ck("x/i at an unmapped VA is an error", raised)
c0 = counters()
interrupt_after(0.3)
c1 = counters()
ck("after the errors the guest runs on (no fault, counters advance)",
   not exit_codes and c1[0] > c0[0] and c1[1] > c0[1] and ev("$priv") == 1,
   "%s -> %s exits %s" % (c0, c1, exit_codes))

# ---- A/D bits: debugger accesses leave the guest's PTEs alone ---------------
ck("x/gx through the A-clear mapping reads ad_page",
   xg_or_none(AD_VA) == AD_MAGIC)
gdb.execute("set {long}%#x = %#x" % (AD_VA + 8, 0xd1d1))
phys(True)
pte1 = xg_or_none(L0 + 8)
w = xg_or_none(AD_PA + 8)
phys(False)
ck("a debugger write through it lands at the PA", w == 0xd1d1, str(w))
ck("debugger reads and writes through it left the PTE (A/D) unchanged",
   pte1 == pte0, "%s -> %s" % (pte0, pte1))

# ---- a U page while stopped in S with SUM clear ---------------------------------
# A kernel debugger looks at user buffers: the debugger's view ignores SUM
# for S-mode data accesses (as QEMU's gdbstub does); the guest's does not.
phys(True)
up = xg_or_none(AD_PA + 8)
phys(False)
u = xg_or_none(USER_VA + 8)
ck("a U page reads from S with SUM clear, as the PA holds",
   u is not None and u == up, "%s vs %s" % (u, up))

# ---- the guest powers off --------------------------------------------------------
gdb.execute("set {long}%#x = 1" % (DATA_VA + SLOT_OFF))
gdb.execute("continue")
ck("poweroff is reported as an exit with status 0", exit_codes == [0],
   str(exit_codes))
sys.exit(C.result())
