"""recording.py - read, edit and write rhyve recordings (--record-file),
format version 3 (rhyve/replay/recfile.h), for the tests that need a
recording that is not what rhyve wrote: one that diverges, another
version.  Edits recompute the body's and the header's FNV-1a checksums,
so rhyve reads the file and finds the difference by replaying it.
Python 3 standard library only; not executable.
"""
import struct

VERSION = 3
PAGE = 4096
# struct recfile_hdr: magic, version, ncpus, then 64-bit fields.
HDR = struct.Struct("<8sIIQQQqQQQQQQQQQQQQQ")
FIELDS = ("magic", "version", "ncpus", "ram_size", "quantum", "mtime0",
          "rtc_base", "state_len", "begin_seg", "begin_g", "begin_clock",
          "nsegs", "nins", "input_bytes", "nchecks", "end_g",
          "end_ram_hash", "end_state_hash", "body_hash", "hdr_hash")
SEG = struct.Struct("<QQIHH")           # struct rr_seg
INPUT = struct.Struct("<QQII")          # struct recfile_input
CHECK = struct.Struct("<QQQQ")          # struct rr_check
KIND_CONSOLE, KIND_RNG, KIND_DISK, KIND_DISK_UNDO, KIND_NET = 0, 1, 2, 3, 4


def fnv(data, h=0xcbf29ce484222325):
    for x in data:
        h = ((h ^ x) * 0x100000001b3) & 0xffffffffffffffff
    return h


class Recording:
    """A recording in memory: hdr (a dict of the header's fields),
    segs, inputs (dicts: seg, g, kind, data) and checks (dicts: seg, g,
    state_hash, ram_hash); the snapshot (state and RAM) kept as bytes."""

    def __init__(self, path):
        raw = open(path, "rb").read()
        self.hdr = dict(zip(FIELDS, HDR.unpack_from(raw, 0)))
        if self.hdr["magic"] != b"RHYVEREC" or self.hdr["version"] != VERSION:
            raise ValueError("not a version %d recording" % VERSION)
        body = raw[HDR.size:]
        npages = self.hdr["ram_size"] // PAGE
        o = self.hdr["state_len"]
        pmap = body[o:o + npages]
        o += npages + PAGE * sum(1 for b in pmap if b)
        self.snapshot = body[:o]
        self.segs = []
        for _ in range(self.hdr["nsegs"]):
            g, clock, n, vcpu, flags = SEG.unpack_from(body, o)
            self.segs.append(dict(g=g, clock=clock, n=n, vcpu=vcpu,
                                  flags=flags))
            o += SEG.size
        recs = []
        for _ in range(self.hdr["nins"]):
            recs.append(INPUT.unpack_from(body, o))
            o += INPUT.size
        self.inputs = []
        for seg, g, kind, n in recs:
            self.inputs.append(dict(seg=seg, g=g, kind=kind,
                                    data=bytes(body[o:o + n])))
            o += n
        self.checks = []
        for _ in range(self.hdr["nchecks"]):
            seg, g, sh, rh = CHECK.unpack_from(body, o)
            self.checks.append(dict(seg=seg, g=g, state_hash=sh, ram_hash=rh))
            o += CHECK.size
        if o != len(body):
            raise ValueError("sizes do not add up")

    def rng_inputs(self):
        return self.inputs_of(KIND_RNG)

    def inputs_of(self, kind):
        return [i for i in self.inputs if i["kind"] == kind]

    def body(self):
        out = [self.snapshot]
        out += [SEG.pack(s["g"], s["clock"], s["n"], s["vcpu"], s["flags"])
                for s in self.segs]
        out += [INPUT.pack(i["seg"], i["g"], i["kind"], len(i["data"]))
                for i in self.inputs]
        out += [i["data"] for i in self.inputs]
        out += [CHECK.pack(c["seg"], c["g"], c["state_hash"], c["ram_hash"])
                for c in self.checks]
        return b"".join(out)

    def save(self, path, version=None):
        """Write it with its checksums made right (and, to test refusals,
        another version number in the header)."""
        body = self.body()
        h = dict(self.hdr)
        h["nins"] = len(self.inputs)
        h["input_bytes"] = sum(len(i["data"]) for i in self.inputs)
        h["nchecks"] = len(self.checks)
        if version is not None:
            h["version"] = version
        h["body_hash"] = fnv(body)
        h["hdr_hash"] = 0
        packed = HDR.pack(*[h[f] for f in FIELDS])
        h["hdr_hash"] = fnv(packed[:HDR.size - 8])
        with open(path, "wb") as f:
            f.write(HDR.pack(*[h[f] for f in FIELDS]) + body)
