#!/bin/bash
# make_qemu.sh - a project whose "make qemu" / "make qemu-gdb" targets
# QEMU's virt machine works with QEMU=rhyve (tests/integration/make_qemu/
# Makefile has the targets in the shape xv6-riscv writes them: -machine
# virt -bios none, -smp, a virtio disk on virtio-mmio-bus.0, -S -gdb
# tcp::PORT).  The kernel is our SMP guest (tests/guests/isa/smp.S), which
# powers off with status 0 once every hart has done its part.
#   1. make qemu QEMU=$RHYVE: the guest runs and rhyve exits 0;
#   2. make qemu-gdb QEMU=$RHYVE, then gdb-multiarch attaches to the port
#      the Makefile names and continues: gdb sees the guest exit normally.
#
# Env: RHYVE, BUILD.  Exit 0 pass, 77 skip, 1 fail.
set -u
RHYVE=$(command -v "${RHYVE:-build/rhyve}") || {
	echo "make_qemu.sh: skip: no rhyve binary" >&2; exit 77; }
case $RHYVE in /*) ;; *) RHYVE=$PWD/$RHYVE ;; esac	# make -C moves
BUILD=${BUILD:-build}
ELF=$PWD/$BUILD/guests/isa/smp.elf
MK=$PWD/tests/integration/make_qemu/Makefile
[ -f "$ELF" ] || { echo "make_qemu.sh: skip: no $ELF" >&2; exit 77; }
command -v gdb-multiarch >/dev/null || {
	echo "make_qemu.sh: skip: no gdb-multiarch" >&2; exit 77; }

dir=$(mktemp -d)
pid=
cleanup() {
	[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
cp "$ELF" "$dir/kernel.elf"
truncate -s 1M "$dir/fs.img"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
failures=0

# 1. make qemu
timeout -k 5 60 make -s -C "$dir" -f "$MK" qemu QEMU="$RHYVE" </dev/null \
    >"$dir/qemu.out" 2>&1
rc=$?
if [ $rc -eq 0 ]; then
	echo "ok   make qemu QEMU=rhyve: the guest ran and powered off"
else
	echo "FAIL make qemu QEMU=rhyve: status $rc"
	tail -n 5 "$dir/qemu.out" | sed 's/^/    | /'
	failures=$((failures + 1))
fi

# 2. make qemu-gdb, then gdb-multiarch on the Makefile's port
make -s -C "$dir" -f "$MK" qemu-gdb QEMU="$RHYVE" GDBPORT="$port" \
    </dev/null >"$dir/gdb-qemu.out" 2>&1 &
pid=$!
for _ in $(seq 100); do
	python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $port), 0.2)" \
	    2>/dev/null && break
	sleep 0.1
done
out=$(timeout -k 5 60 gdb-multiarch -batch -nx "$dir/kernel.elf" \
    -ex "target remote 127.0.0.1:$port" \
    -ex 'info threads' -ex 'continue' 2>&1)
# QEMU (to validate the test) closes the connection at poweroff instead.
ended="exited normally"
case $(basename "$RHYVE") in qemu*) ended="Remote connection closed" ;; esac
if grep -q "$ended" <<<"$out" && [ "$(grep -c 'Thread [0-9]' <<<"$out")" -ge 4 ]; then
	echo "ok   make qemu-gdb QEMU=rhyve: gdb attached to 4 harts and saw the exit"
else
	echo "FAIL make qemu-gdb QEMU=rhyve:"
	tail -n 8 <<<"$out" | sed 's/^/    | /'
	failures=$((failures + 1))
fi
wait "$pid"
rc=$?
pid=
if [ $rc -ne 0 ]; then
	echo "FAIL make qemu-gdb: rhyve status $rc"
	failures=$((failures + 1))
fi
echo "make_qemu: $((3 - failures)) passed, $failures failed"
[ $failures -eq 0 ]
