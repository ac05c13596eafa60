#!/bin/bash
# virtio_blk.sh - a bare-metal guest drives virtio-blk (modern virtio-mmio
# on slot 0) on $RHYVE: reads a pattern this script wrote, writes a
# sector, FLUSHes and powers off; the image must then hold what it wrote.
# The durability variant kills rhyve with SIGKILL right after the guest
# reported its FLUSH done: the written sector must be in the image.  A
# third run checks that a second rhyve on an image in use is refused.
# The guest is tests/guests/virtio/blk.S.  With RHYVE=qemu-system-riscv64
# the same command lines validate the guest (the lock check is rhyve's).
#
# Env: RHYVE, BUILD.  Exit 0 pass, 77 skip, 1 fail.
set -u
RHYVE=${RHYVE:-build/rhyve}
BUILD=${BUILD:-build}
ELF=$BUILD/guests/virtio/blk.elf
TMO=30

if ! command -v "$RHYVE" >/dev/null; then
	echo "virtio_blk.sh: skip: no rhyve binary at $RHYVE" >&2
	exit 77
fi
if [ ! -f "$ELF" ]; then
	echo "virtio_blk.sh: skip: no $ELF (make guests BUILD=$BUILD)" >&2
	exit 77
fi

dir=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
	rm -rf "$dir"
}
trap cleanup EXIT
img=$dir/disk.img
failures=0

# Byte strings as octal escapes for printf.
pattern() {	# sector 0: i & 0xff for i < 511, then the mode byte
	local i s=
	for ((i = 0; i < 511; i++)); do s+=$(printf '\\%03o' $((i & 255))); done
	printf "$s%s" "$1"
}
expected1() {	# sector 1 as the guest writes it
	local i s=
	for ((i = 0; i < 512; i++)); do s+=$(printf '\\%03o' $((255 - (i & 255)))); done
	printf "$s"
}
make_image() {	# mode
	rm -f "$img"
	pattern "$1" >"$img"
	head -c $((63 * 512)) /dev/zero >>"$img"	# 64 sectors in all
}
sector1_ok() {
	cmp -s <(dd if="$img" bs=512 skip=1 count=1 2>/dev/null) "$dir/want1"
}
fail() {
	echo "FAIL $*"
	failures=$((failures + 1))
}

expected1 >"$dir/want1"
args=(-M virt -bios none -m 128M -nographic
    -drive "file=$img,format=raw,if=none,id=d0"
    -device virtio-blk-device,drive=d0,bus=virtio-mmio-bus.0
    -global virtio-mmio.force-legacy=false -kernel "$ELF")

# 1. Read, write, flush, power off.
make_image P
timeout -k 5 $TMO "$RHYVE" "${args[@]}" </dev/null >"$dir/out" 2>&1
rc=$?
if [ $rc -ne 0 ]; then
	fail "virtio_blk: guest exit $rc"
	sed 's/^/    | /' "$dir/out" | tail -n 5
elif ! grep -q "blk: PASS" "$dir/out"; then
	fail "virtio_blk: no PASS line from the guest"
elif ! sector1_ok; then
	fail "virtio_blk: sector 1 of the image is not what the guest wrote"
elif ! cmp -s <(head -c 512 "$img") <(pattern P); then
	fail "virtio_blk: sector 0 changed"
else
	echo "PASS virtio_blk"
fi

# 2. SIGKILL right after the FLUSH completed: the data must be there.
make_image K
: >"$dir/out2"
"$RHYVE" "${args[@]}" </dev/null >>"$dir/out2" 2>&1 &
pid=$!
pids+=("$pid")
seen=
for ((i = 0; i < TMO * 10; i++)); do
	if grep -q "blk: flushed" "$dir/out2"; then
		seen=1
		break
	fi
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
if [ -z "$seen" ]; then
	fail "virtio_blk_kill: the guest never reported its flush"
	sed 's/^/    | /' "$dir/out2" | tail -n 5
else
	kill -9 "$pid"
	wait "$pid" 2>/dev/null
	if sector1_ok; then
		echo "PASS virtio_blk_kill"
	else
		fail "virtio_blk_kill: flushed data missing after SIGKILL"
	fi
fi

# 3. A second rhyve on an image in use is refused (rhyve only: QEMU says
# it differently).
case $(basename "$RHYVE") in
qemu*)	;;
*)
	make_image K
	: >"$dir/out3"
	"$RHYVE" "${args[@]}" </dev/null >>"$dir/out3" 2>&1 &
	pid=$!
	pids+=("$pid")
	for ((i = 0; i < TMO * 10; i++)); do
		grep -q "blk: flushed" "$dir/out3" && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	timeout -k 5 $TMO "$RHYVE" "${args[@]}" </dev/null >"$dir/out4" 2>&1
	rc=$?
	if [ $rc -eq 0 ] || [ $rc -ge 124 ]; then
		fail "virtio_blk_lock: second rhyve on the image: exit $rc"
	elif ! grep -q "image is locked by another process" "$dir/out4"; then
		fail "virtio_blk_lock: no lock message"
		sed 's/^/    | /' "$dir/out4" | tail -n 3
	else
		echo "PASS virtio_blk_lock"
	fi
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	;;
esac

[ $failures -eq 0 ] || exit 1
exit 0
