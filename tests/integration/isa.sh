#!/bin/bash
# isa.sh - run rhyve's instruction-level test guests (tests/guests/isa/*.S,
# built to $BUILD/guests/isa/*.elf) on $RHYVE, -M virt -bios none, in
# M-mode from reset.  A guest passes by writing 0x5555 to sifive_test
# (exit 0); a failing check exits with its number and prints a line on
# the console.  The vCPU count comes from a "smp: N" line in the source.
# With RHYVE=qemu-system-riscv64 the same run validates the guests (a
# "qemu-args: ..." line in the source adds QEMU-only arguments).
#
# Env: RHYVE (the binary), BUILD (build dir), ISA_TIMEOUT (seconds per
# guest, default 30), ISA_ONLY (run only guests whose name contains it).
# Exit 0 all pass, 77 skip, 1 any failure.
set -u
RHYVE=${RHYVE:-build/rhyve}
BUILD=${BUILD:-build}
TMO=${ISA_TIMEOUT:-30}
SRC=tests/guests/isa
DIR=$BUILD/guests/isa

if ! command -v "$RHYVE" >/dev/null; then
	echo "isa.sh: skip: no rhyve binary at $RHYVE" >&2
	exit 77
fi
shopt -s nullglob
elfs=("$DIR"/*.elf)
if [ ${#elfs[@]} -eq 0 ]; then
	echo "isa.sh: skip: no guests in $DIR (make guests BUILD=$BUILD)" >&2
	exit 77
fi

out=$(mktemp)
trap 'rm -f "$out"' EXIT
pass=0
failed=()
for elf in "${elfs[@]}"; do
	name=$(basename "$elf" .elf)
	[ -n "${ISA_ONLY:-}" ] && [[ $name != *"$ISA_ONLY"* ]] && continue
	smp=1
	if [ -f "$SRC/$name.S" ]; then
		n=$(sed -n 's/.*smp: *\([0-9][0-9]*\).*/\1/p' "$SRC/$name.S" | head -n 1)
		[ -n "$n" ] && smp=$n
	fi
	# Extra arguments when $RHYVE is QEMU (to validate the guests):
	# a "qemu-args: ..." line, e.g. -icount for exact instret.
	extra=()
	case $(basename "$RHYVE") in
	qemu*)	[ -f "$SRC/$name.S" ] &&
		    read -r -a extra < <(sed -n 's/.*qemu-args: *//p' "$SRC/$name.S" | head -n 1) ;;
	esac
	timeout -k 5 "$TMO" "$RHYVE" -M virt -bios none -nographic -m 128M \
	    -smp "$smp" "${extra[@]}" -kernel "$elf" </dev/null >"$out" 2>&1
	rc=$?
	if [ $rc -eq 0 ]; then
		echo "PASS $name"
		pass=$((pass + 1))
	else
		case $rc in
		124|137) why="timeout after ${TMO}s" ;;
		*) why="exit $rc (failing check $rc)" ;;
		esac
		echo "FAIL $name: $why"
		# the guest's own report, and a few lines of rhyve's output
		grep -a -m 3 -e FAIL -e rror "$out" | sed 's/^/    /'
		tail -n 3 "$out" | sed 's/^/    | /'
		failed+=("$name")
	fi
done
echo "isa: $pass passed, ${#failed[@]} failed${failed[*]:+: ${failed[*]}}"
[ ${#failed[@]} -eq 0 ] || exit 1
exit 0
