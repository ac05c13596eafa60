#!/bin/bash
# sbi.sh - boot tests/guests/sbi/smp_sbi.S on $RHYVE with the built-in
# SBI (no -bios: the ELF is loaded at its link address and entered in
# S-mode on hart 0 with a0 = 0, a1 = the device tree).  The guest checks
# Base/HSM/TIME/IPI/RFENCE/SRST/DBCN and the legacy console itself and
# powers off with SRST; this script checks the exit status and that every
# step printed its line, in order.
#
# Env: RHYVE (the binary), BUILD (build dir), SBI_TIMEOUT (seconds,
# default 60).  Exit 0 pass, 77 skip, 1 fail.
set -u
RHYVE=${RHYVE:-build/rhyve}
BUILD=${BUILD:-build}
TMO=${SBI_TIMEOUT:-60}
ELF=$BUILD/guests/sbi/smp_sbi.elf

if ! command -v "$RHYVE" >/dev/null; then
	echo "sbi.sh: skip: no rhyve binary at $RHYVE" >&2
	exit 77
fi
if [ ! -f "$ELF" ]; then
	echo "sbi.sh: skip: no $ELF (make guests BUILD=$BUILD)" >&2
	exit 77
fi

out=$(mktemp)
trap 'rm -f "$out"' EXIT

timeout -k 5 "$TMO" "$RHYVE" -M virt -smp 4 -m 128M -nographic \
    -kernel "$ELF" </dev/null >"$out" 2>&1
rc=$?

want=(
	"smp_sbi: spec 2.0, probes ok"
	"smp_sbi: harts 1-3 started and stopped"
	"smp_sbi: timer interrupt"
	"smp_sbi: software interrupt"
	"smp_sbi: legacy putchar"
	"smp_sbi: DBCN ok, shutting down"
)
fail=0
if [ $rc -ne 0 ]; then
	case $rc in
	124|137) echo "FAIL smp_sbi: timeout after ${TMO}s" ;;
	*)	if grep -a -q "smp_sbi: FAIL $rc\$" "$out"; then
			echo "FAIL smp_sbi: exit $rc (the guest's check $rc failed)"
		else
			echo "FAIL smp_sbi: exit $rc"
		fi ;;
	esac
	fail=1
fi
# Every line, each after the one before it.
line=0
for w in "${want[@]}"; do
	n=$(grep -a -n -F -x -- "$w" "$out" | head -n 1 | cut -d: -f1)
	if [ -z "$n" ]; then
		echo "FAIL smp_sbi: missing line: $w"
		fail=1
	elif [ "$n" -le "$line" ]; then
		echo "FAIL smp_sbi: out of order: $w"
		fail=1
	else
		line=$n
	fi
done
if grep -a -q "FAIL" "$out"; then
	fail=1
fi
if [ $fail -ne 0 ]; then
	sed 's/^/    | /' "$out" | tail -n 20
	exit 1
fi
echo "PASS smp_sbi"
exit 0
