#!/bin/bash
# sandbox.sh - full sessions run inside rhyve's seccomp sandbox
# (rhyve/sandbox.c, rhyve(8) SANDBOX) and end cleanly:
#   1. U-Boot (OpenSBI fw_jump, -smp 2) with a TCP debug server: the filter
#      is on in every thread (/proc/PID/task/*/status "Seccomp: 2"); a
#      gdb-multiarch batch session (info threads, x/4i $pc, stepi, a
#      breakpoint hit, detach), a second debugger reconnects, then
#      "poweroff" typed at the U-Boot prompt: exit status 0, no "sandbox"
#      message;
#   2. a busy 4-hart guest (tests/guests/gdb/busy.S) under -S with a Unix
#      socket debug server: gdb attaches, steps, continues, detaches;
#      SIGTERM ends rhyve (status 143) and the socket is removed at exit
#      (unlink, allowed for a Unix socket only);
#   3. a guest reset at the U-Boot prompt reboots under the filter (no
#      file reopened; the writable virtio disk stays open and locked),
#      U-Boot finds the disk again, then poweroff: status 0;
#   4. --no-sandbox: "Seccomp: 0".
# That forbidden calls are refused is tests/unit/sandbox.c.
#
# Env: RHYVE, BUILD.  Exit 0 pass, 77 skip, 1 fail.
set -u
RHYVE=${RHYVE:-build/rhyve}
BUILD=${BUILD:-build}
FW=/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin
UBOOT=/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin
BUSY=$BUILD/guests/gdb/busy.elf
GDB=$(command -v gdb-multiarch)

skip() { echo "sandbox.sh: skip: $*" >&2; exit 77; }
[ -x "$RHYVE" ] || skip "no rhyve binary at $RHYVE"
[ -n "$GDB" ] || skip "no gdb-multiarch"
[ -f "$FW" ] && [ -f "$UBOOT" ] || skip "no OpenSBI/U-Boot (opensbi, u-boot-qemu)"
[ -f "$BUSY" ] || skip "no $BUSY (make guests BUILD=$BUILD)"
[ -r /proc/self/status ] || skip "no /proc"

dir=$(mktemp -d)
pid=
cleanup() {
	[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
	exec 3>&- 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
failures=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; failures=$((failures + 1)); }

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_for FILE REGEX SECONDS: until FILE matches or rhyve ($pid) is gone.
wait_for() {
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		grep -qE "$2" "$1" 2>/dev/null && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# wait_count FILE REGEX N SECONDS: until N lines of FILE match.
wait_count() {
	local i
	for ((i = 0; i < $4 * 10; i++)); do
		[ "$(grep -cE "$2" "$1" 2>/dev/null)" -ge "$3" ] && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# Every thread of $pid runs under a filter ("Seccomp: 2", mode filter).
check_filtered() {
	local t n=0 off=0
	for t in /proc/"$pid"/task/*/status; do
		n=$((n + 1))
		grep -qE '^Seccomp:[[:space:]]+2$' "$t" || off=$((off + 1))
	done
	if [ "$n" -gt 1 ] && [ "$off" -eq 0 ]; then
		ok "$1: all $n threads have Seccomp: 2"
	else
		bad "$1: $off of $n threads without the filter"
		grep -H '^Seccomp' /proc/"$pid"/task/*/status
	fi
}

# gdb_batch LOG TARGET CMDS...: one gdb-multiarch batch session (symbols
# from $ELF if set).
gdb_batch() {
	local log=$1 target=$2 args=() c
	shift 2
	for c in "$@"; do args+=(-ex "$c"); done
	timeout 120 "$GDB" -nx -batch ${ELF:+-ex "file $ELF"} \
	    -ex 'set architecture riscv:rv64' -ex 'set pagination off' \
	    -ex "target remote $target" "${args[@]}" >"$log" 2>&1
}

# ---- 1. U-Boot, TCP debug server, reconnect, poweroff ----------------------
port=$(free_port)
out=$dir/uboot.log
mkfifo "$dir/in"
exec 3<>"$dir/in"	# read-write: opening never blocks, no EOF meanwhile
"$RHYVE" -M virt -smp 2 -m 256M -nographic -bios "$FW" -kernel "$UBOOT" \
    -gdb tcp::"$port" <"$dir/in" >"$out" 2>&1 &
pid=$!
if ! wait_for "$out" '^=> ' 120; then
	bad "U-Boot prompt not reached"
	tail -n 20 "$out"
	exit 1
fi
ok "U-Boot prompt reached under the sandbox"
check_filtered "U-Boot session"

g1=$dir/gdb1.log
gdb_batch "$g1" "127.0.0.1:$port" 'info threads' 'x/4i $pc' 'stepi' \
    'p/x $pc' 'break *$pc' 'continue' 'p/x $pc' 'delete' 'detach'
rc=$?
if [ $rc -eq 0 ] && grep -q 'Thread 2 "hart 1"' "$g1" &&
    grep -qE '^=> 0x[0-9a-f]+:' "$g1" &&
    grep -q 'hit Breakpoint 1' "$g1" &&
    grep -q 'detached' "$g1"; then
	ok "gdb session 1: threads, x/4i, stepi, breakpoint hit, detach"
else
	bad "gdb session 1 (status $rc)"
	cat "$g1"
fi
g2=$dir/gdb2.log
gdb_batch "$g2" "127.0.0.1:$port" 'info threads' 'stepi' 'x/4i $pc' 'detach'
rc=$?
if [ $rc -eq 0 ] && grep -q 'Thread 1 "hart 0"' "$g2" &&
    grep -q 'detached' "$g2"; then
	ok "gdb session 2 (reconnect): threads, stepi, x/4i, detach"
else
	bad "gdb session 2 (status $rc)"
	cat "$g2"
fi
kill -0 "$pid" 2>/dev/null && check_filtered "after the debuggers left"

# The guest runs again after detach: type at its prompt.
echo poweroff >&3
for ((i = 0; i < 600; i++)); do
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
wait "$pid"
rc=$?
pid=
exec 3>&-
if [ $rc -eq 0 ] && grep -q 'poweroff' "$out"; then
	ok "U-Boot poweroff: rhyve exited 0"
else
	bad "U-Boot session ended with status $rc"
	tail -n 20 "$out"
fi
if grep -qi 'sandbox' "$out"; then
	bad "sandbox message in the U-Boot session"
	grep -i sandbox "$out"
else
	ok "no sandbox message in the U-Boot session"
fi

# ---- 2. Unix socket debug server, -S, SIGTERM --------------------------
sock=$dir/gdb.sock
out=$dir/busy.log
"$RHYVE" -M virt -smp 4 -m 128M -nographic -bios none -kernel "$BUSY" \
    -gdb unix:"$sock" -S </dev/null >"$out" 2>&1 &
pid=$!
for ((i = 0; i < 100; i++)); do
	[ -S "$sock" ] && break
	sleep 0.1
done
check_filtered "busy guest"
g3=$dir/gdb3.log
ELF=$BUSY gdb_batch "$g3" "$sock" 'info threads' 'stepi' 'thread 3' 'stepi' \
    'x/2i $pc' 'break bump' 'continue' 'delete' 'detach'
rc=$?
if [ $rc -eq 0 ] && grep -q 'Thread 4 "hart 3"' "$g3" &&
    grep -q 'hit Breakpoint 1.*bump' "$g3" &&
    grep -q 'detached' "$g3"; then
	ok "gdb over a Unix socket: threads, stepi on two harts, breakpoint, detach"
else
	bad "gdb over a Unix socket (status $rc)"
	cat "$g3"
fi
gdb_batch "$g3" "$sock" 'info threads' 'detach'
grep -q 'detached' "$g3" && ok "Unix socket: reconnect" ||
    { bad "Unix socket reconnect"; cat "$g3"; }
kill -TERM "$pid"
wait "$pid"
rc=$?
pid=
[ $rc -eq 143 ] && ok "SIGTERM: status 143" || bad "SIGTERM: status $rc"
[ -e "$sock" ] && bad "Unix socket left behind" ||
    ok "Unix socket removed at exit"
if grep -qi 'sandbox' "$out"; then
	bad "sandbox message in the busy session"
	grep -i sandbox "$out"
fi

# ---- 3. a guest reset reboots inside the sandbox -------------------------
# The reboot reuses the VM and the open disk; the images come from memory.
img=$dir/disk.img
out=$dir/reset.log
truncate -s 1M "$img"
exec 3<>"$dir/in"
"$RHYVE" -M virt -smp 2 -m 256M -nographic -bios "$FW" -kernel "$UBOOT" \
    -drive file="$img",format=raw,if=none,id=d0 \
    -device virtio-blk-device,drive=d0,bus=virtio-mmio-bus.0 \
    <"$dir/in" >"$out" 2>&1 &
pid=$!
if wait_for "$out" '^=> ' 120; then
	check_filtered "before the reset"
	echo reset >&3
	if wait_count "$out" 'Device 0: QEMU VirtIO Block Device' 2 120 &&
	    wait_count "$out" '^=> ' 2 120; then
		ok "reset: U-Boot booted again and found the disk again"
		check_filtered "after the reset"
	else
		bad "reset: no second boot with the disk"
		tail -n 20 "$out"
	fi
else
	bad "U-Boot prompt not reached (reset run)"
fi
echo poweroff >&3
for ((i = 0; i < 600; i++)); do
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
wait "$pid"
rc=$?
pid=
exec 3>&-
[ $rc -eq 0 ] && ok "reset run: poweroff, status 0" ||
    { bad "reset run ended with status $rc"; tail -n 5 "$out"; }
if grep -qi 'sandbox' "$out"; then
	bad "sandbox message in the reset run"
	grep -i sandbox "$out"
fi

# ---- 4. --no-sandbox -------------------------------------------------------
out=$dir/nosb.log
"$RHYVE" -M virt -smp 1 -m 128M -nographic -bios none -kernel "$BUSY" \
    --no-sandbox </dev/null >"$out" 2>&1 &
pid=$!
sleep 1
if grep -qE '^Seccomp:[[:space:]]+0$' /proc/"$pid"/status 2>/dev/null; then
	ok "--no-sandbox: Seccomp: 0"
else
	bad "--no-sandbox: $(grep '^Seccomp:' /proc/"$pid"/status 2>&1)"
fi
kill -TERM "$pid"
wait "$pid"
pid=

if [ $failures -ne 0 ]; then
	echo "sandbox.sh: $failures failure(s)"
	exit 1
fi
echo "sandbox.sh: all passed"
exit 0
