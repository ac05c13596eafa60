#!/bin/bash
# gdb_batch.sh - plain gdb-multiarch batch mode (-batch -ex ...) against
# rhyve -S, the way a user scripts it: attach, info threads, a breakpoint
# in code several harts run, a backtrace through the guest's CFI, thread
# apply all, x/i, detach (the guest keeps running), a second session
# that sees the guest moved on, then kill.  Exit 0 pass, 77 skip, 1 fail.
set -u
RHYVE=${RHYVE:-build/rhyve}
BUILD=${BUILD:-build}
ELF=$BUILD/guests/gdb/smp_debug.elf
command -v gdb-multiarch >/dev/null || { echo "skip: no gdb-multiarch"; exit 77; }
[ -x "$RHYVE" ] || { echo "skip: no rhyve at $RHYVE"; exit 77; }
[ -f "$ELF" ] || { echo "skip: no $ELF (make guests)"; exit 77; }

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
log=$(mktemp) out1=$(mktemp) out2=$(mktemp)
timeout -k 5 120 "$RHYVE" -M virt -bios none -nographic -m 128M -smp 5 \
    -kernel "$ELF" -S -gdb tcp::"$port" </dev/null >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -f "$log" "$out1" "$out2"' EXIT

fail=0
check() {	# check NAME FILE REGEX
	if grep -Eq -- "$3" "$2"; then
		echo "ok   $1"
	else
		echo "FAIL $1 (no /$3/)"
		fail=1
	fi
}

timeout 60 gdb-multiarch -nx -batch "$ELF" \
    -ex "target remote 127.0.0.1:$port" \
    -ex 'info threads' \
    -ex 'break shared_fn' \
    -ex 'continue' \
    -ex 'bt' \
    -ex 'thread apply all p/x $pc' \
    -ex 'x/2i $pc' \
    -ex 'p/x $mhartid' \
    -ex 'printf "calls=%d\n", *(long *)&shared_calls' \
    -ex 'delete' \
    -ex 'detach' >"$out1" 2>&1
cat "$out1"
check "info threads: five harts" "$out1" '^  5 +Thread 5 "hart 4"'
check "breakpoint hit by a worker hart" "$out1" 'Thread [123] "hart [012]" hit Breakpoint 1, shared_fn'
check "backtrace through the guest's CFI" "$out1" '^#1 .* worker_loop '
check "thread apply all: every thread" "$out1" '^Thread 5 \(Thread 5 "hart 4"'
check "x/i at the breakpoint" "$out1" '^=> 0x[0-9a-f]+ <shared_fn>:'
check "detach" "$out1" '\(Remote target\) detached'

sleep 0.5
kill -0 $pid 2>/dev/null && echo "ok   rhyve runs on after detach" || { echo "FAIL rhyve gone after detach"; fail=1; }
timeout 60 gdb-multiarch -nx -batch "$ELF" \
    -ex "target remote 127.0.0.1:$port" \
    -ex 'printf "calls=%d\n", *(long *)&shared_calls' \
    -ex 'kill' >"$out2" 2>&1
cat "$out2"
calls1=$(sed -n 's/^calls=\([0-9]*\)$/\1/p' "$out1")
calls2=$(sed -n 's/^calls=\([0-9]*\)$/\1/p' "$out2")
if [ -n "$calls1" ] && [ -n "$calls2" ] && [ "$calls2" -gt "$calls1" ]; then
	echo "ok   the guest ran while detached ($calls1 -> $calls2 calls)"
else
	echo "FAIL the guest did not run while detached ('$calls1' -> '$calls2')"
	fail=1
fi
wait $pid
rc=$?
[ $rc -eq 0 ] && echo "ok   kill ended rhyve" || { echo "FAIL rhyve exit status $rc after kill"; fail=1; }
exit $fail
