#!/bin/bash
# reboot.sh - guest resets on $RHYVE, rebooted in place (VM_REINIT).  The
# guest is tests/guests/reboot/reboot.S (-bios none, -smp 2): it prints
# "reboot: boot N" at each boot (it counts them in RAM, which a reset does
# not clear), checks that it finds a reset machine (mstatus, mtime, hart 1
# started again), resets itself through sifive_test 0x7777 after boots 1
# and 2 and powers off after boot 3 ("reboot: done").  QEMU 7.2 runs it
# the same way (qemu-system-riscv64 -M virt -bios none -smp 2).
#
#   plain	   three boots, "done", status 0
#   no_reboot	   -no-reboot: the first reset ends rhyve, status 0, one boot
#   gdb_listening  -gdb tcp::PORT with no debugger attached: reboots as
#		   plain does (it used to exit at the first reset)
#   gdb_attached   -S -gdb and gdb-multiarch in batch mode: a breakpoint
#		   at "booted" is hit at every boot (breakpoints survive the
#		   reset), then "continue" reaches the guest's exit, which gdb
#		   reports as "exited normally"; rhyve exits 0 after 3 boots
#   gdb_held	   the debugger holds hart 1 (scheduler-locking on) while
#		   hart 0 steps over the reset store: the reboot must not
#		   wait for hart 1, and hart 1 stays held in the new boot (the
#		   debugged set survives VM_REINIT), so boot 2 finds hart 1
#		   silent and fails its check 3: gdb sees "exited with code
#		   03", rhyve exits 3 after 2 boots (no hang)
#
# Env: RHYVE, BUILD.  Exit 0 pass, 77 skip, 1 fail.
set -u
RHYVE=${RHYVE:-build/rhyve}
BUILD=${BUILD:-build}
ELF=$BUILD/guests/reboot/reboot.elf
TMO=60

if ! command -v "$RHYVE" >/dev/null; then
	echo "reboot.sh: skip: no rhyve binary at $RHYVE" >&2
	exit 77
fi
if [ ! -f "$ELF" ]; then
	echo "reboot.sh: skip: no $ELF (make guests BUILD=$BUILD)" >&2
	exit 77
fi

dir=$(mktemp -d)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
args=(-M virt -bios none -nographic -m 128M -smp 2 -kernel "$ELF")
failures=0

fail() {
	echo "FAIL $*"
	failures=$((failures + 1))
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# check NAME OUT RC WANT_BOOTS WANT_DONE: status 0, exactly the boot
# banners 1..WANT_BOOTS in order, "reboot: done" iff WANT_DONE is 1.
check() {
	local name=$1 out=$2 rc=$3 boots=$4 done=$5 ok=1 got want

	if [ "$rc" -ne 0 ]; then
		case $rc in
		124|137) fail "$name: timeout after ${TMO}s" ;;
		*) fail "$name: exit $rc (guest check $rc failed?)" ;;
		esac
		ok=0
	fi
	got=$(grep -a -o 'reboot: boot [0-9]*' "$out" | tr '\n' ' ')
	want=
	for ((i = 1; i <= boots; i++)); do
		want+="reboot: boot $i "
	done
	if [ "$got" != "$want" ]; then
		fail "$name: boot banners '$got', want '$want'"
		ok=0
	fi
	if [ "$done" -eq 1 ] && ! grep -a -q '^reboot: done' "$out"; then
		fail "$name: no 'reboot: done'"
		ok=0
	fi
	if [ "$done" -eq 0 ] && grep -a -q '^reboot: done' "$out"; then
		fail "$name: the guest ran on after the reset"
		ok=0
	fi
	if grep -a -q 'not supported' "$out"; then
		fail "$name: rhyve refused to reboot"
		ok=0
	fi
	if [ $ok -eq 1 ]; then
		echo "PASS $name"
	else
		sed 's/^/    | /' "$out" | tail -n 20
	fi
}

# plain
timeout -k 5 "$TMO" "$RHYVE" "${args[@]}" </dev/null >"$dir/plain" 2>&1
check plain "$dir/plain" $? 3 1

# -no-reboot
timeout -k 5 "$TMO" "$RHYVE" "${args[@]}" -no-reboot </dev/null \
    >"$dir/noreboot" 2>&1
check no_reboot "$dir/noreboot" $? 1 0

# The debug server listening, nobody attached.
port=$(free_port)
timeout -k 5 "$TMO" "$RHYVE" "${args[@]}" -gdb tcp::"$port" </dev/null \
    >"$dir/listen" 2>&1
check gdb_listening "$dir/listen" $? 3 1

# gdb-multiarch attached.
if ! command -v gdb-multiarch >/dev/null; then
	echo "SKIP gdb_attached: no gdb-multiarch"
else
	port=$(free_port)
	timeout -k 5 "$TMO" "$RHYVE" "${args[@]}" -S -gdb tcp::"$port" \
	    </dev/null >"$dir/attached" 2>&1 &
	pid=$!
	timeout 40 gdb-multiarch -nx -batch "$ELF" \
	    -ex "target remote 127.0.0.1:$port" \
	    -ex 'break booted' \
	    -ex 'continue' -ex 'continue' -ex 'continue' \
	    -ex 'delete' \
	    -ex 'continue' >"$dir/gdb" 2>&1
	grc=$?
	wait "$pid"
	rc=$?
	pid=
	hits=$(grep -c 'hit Breakpoint 1, booted' "$dir/gdb")
	if [ "$hits" -ne 3 ]; then
		fail "gdb_attached: breakpoint hit $hits times, want 3"
		sed 's/^/    | /' "$dir/gdb" | tail -n 20
	fi
	if ! grep -q 'exited normally' "$dir/gdb"; then
		fail "gdb_attached: gdb did not see the guest exit (gdb status $grc)"
		sed 's/^/    | /' "$dir/gdb" | tail -n 20
	fi
	check gdb_attached "$dir/attached" "$rc" 3 1

	port=$(free_port)
	timeout -k 5 "$TMO" "$RHYVE" "${args[@]}" -S -gdb tcp::"$port" \
	    </dev/null >"$dir/held" 2>&1 &
	pid=$!
	timeout 40 gdb-multiarch -nx -batch "$ELF" \
	    -ex "target remote 127.0.0.1:$port" \
	    -ex 'break do_reset' \
	    -ex 'continue' \
	    -ex 'set scheduler-locking on' \
	    -ex 'stepi' >"$dir/gdb_held" 2>&1
	grc=$?
	wait "$pid"
	rc=$?
	pid=
	ok=1
	if ! grep -q 'exited with code 03' "$dir/gdb_held"; then
		fail "gdb_held: gdb did not see the guest fail check 3 (gdb status $grc)"
		ok=0
	fi
	got=$(grep -a -o 'reboot: boot [0-9]*' "$dir/held" | tr '\n' ' ')
	if [ "$rc" -ne 3 ] || [ "$got" != "reboot: boot 1 reboot: boot 2 " ]; then
		fail "gdb_held: rhyve status $rc, banners '$got' (want 3, boots 1-2)"
		ok=0
	fi
	if [ $ok -eq 1 ]; then
		echo "PASS gdb_held"
	else
		sed 's/^/    | /' "$dir/gdb_held" | tail -n 10
		sed 's/^/    | /' "$dir/held" | tail -n 10
	fi
fi

if [ $failures -ne 0 ]; then
	echo "reboot.sh: $failures failure(s)"
	exit 1
fi
exit 0
