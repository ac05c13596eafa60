#!/bin/bash
# bench/run.sh - every benchmark, side by side with qemu-system-riscv64 where
# there is a QEMU counterpart.  Prints figures and ratios; asserts nothing.
# Record results with the date in docs/benchmarks.md.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
RHYVE=${RHYVE:-$BUILD/rhyve}
echo "== rhyve benchmarks, $(date -u +%Y-%m-%d), $(nproc) cores, $(uname -m)"
echo "-- run control: suspend-all latency (no QEMU counterpart)"
"$BUILD/bench/suspend_latency"
echo "-- run control: 1,000,000 random suspend/resume ops, 8 busy vCPUs"; "$BUILD/bench/runctl_stress"

echo "-- hart engine: same guest ELF on rhyve and QEMU (TCG)"
for g in "$BUILD"/bench/guests/*.elf; do
	[ -f "$g" ] || continue
	name=$(basename "$g" .elf)
	insns=$(sed -n 's/^# insns: *//p' "bench/guests/$name.S" | head -n 1)
	bench/compare.py --rhyve "$RHYVE" ${insns:+--mips "$insns"} "$name" -- \
		-M virt -bios none -m 128M -nographic -kernel "$g"
done

if [ -x bench/gdb_rsp.py ]; then
	echo "-- debug server: RSP round trips, rhyve vs QEMU's gdbstub"
	bench/gdb_rsp.py --rhyve "$RHYVE"
fi

if [ -x bench/debug_points.py ]; then
	echo "-- debug points: guest speed with a breakpoint / watchpoint set, rhyve vs QEMU"
	bench/debug_points.py --rhyve "$RHYVE"
fi

if [ -x bench/record.py ]; then
	echo "-- record mode: recording slowdown, snapshots, reverse-step/continue latency"
	bench/record.py --rhyve "$RHYVE"
fi

if [ -x bench/linux_soak.py ]; then
	echo "-- Linux SMP: boots in a row with disk load, hangs reported, boot time vs QEMU"
	bench/linux_soak.py --rhyve "$RHYVE" --boots "${LINUX_BOOTS:-10}" --qemu-boots 3
fi

if [ -n "${XV6_DIR:-}" ]; then echo "-- xv6 usertests -q: rhyve jit/interp vs QEMU"; bench/xv6_usertests.py --rhyve "$RHYVE" --xv6-dir "$XV6_DIR"; fi
