#!/bin/bash
# rtc.sh - the goldfish RTC as a bare-metal guest sees it on $RHYVE: wall
# clock time, its rate against the CLINT's mtime, and an alarm taken as a
# PLIC interrupt in M-mode (tests/guests/rtc/rtc.S says what it checks).
# The guest powers off through sifive_test: exit 0 and "rtc: PASS", or a
# failure code naming the step.  With RHYVE=qemu-system-riscv64 the same
# command line validates the guest.
#
# Env: RHYVE, BUILD.  Exit 0 pass, 77 skip, 1 fail.
set -u
RHYVE=${RHYVE:-build/rhyve}
BUILD=${BUILD:-build}
ELF=$BUILD/guests/rtc/rtc.elf
TMO=30

if ! command -v "$RHYVE" >/dev/null; then
	echo "rtc.sh: skip: no rhyve binary at $RHYVE" >&2
	exit 77
fi
if [ ! -f "$ELF" ]; then
	echo "rtc.sh: skip: no $ELF (make guests BUILD=$BUILD)" >&2
	exit 77
fi

out=$(mktemp)
trap 'rm -f "$out"' EXIT

timeout -k 5 $TMO "$RHYVE" -M virt -bios none -nographic -m 128M \
    -kernel "$ELF" </dev/null >"$out" 2>&1
rc=$?
if [ $rc -ne 0 ]; then
	if [ $rc -ge 124 ]; then
		echo "FAIL rtc: no exit within ${TMO}s (status $rc)"
	else
		echo "FAIL rtc: guest failed step $rc of tests/guests/rtc/rtc.S"
	fi
	sed 's/^/    | /' "$out" | tail -n 5
	exit 1
fi
if ! grep -q "rtc: PASS" "$out"; then
	echo "FAIL rtc: no PASS line from the guest"
	sed 's/^/    | /' "$out" | tail -n 5
	exit 1
fi
echo "PASS rtc"
exit 0
