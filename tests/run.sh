#!/bin/bash
# tests/run.sh - every test, as `make test` runs it:
#   1. plain build: unit tests (Criterion) and integration tests (real guests,
#      real gdb-multiarch and lldb), on the default hart engine (the JIT on
#      x86-64 hosts); the unit tests of the hart engine run both engines;
#   2. interp: the integration tests again on the interpreter
#      (RHYVE_ENGINE=interp; on x86-64, where stage 1 ran the JIT), but
#      fuzz.sh (engine-independent) and linux_record.py (record_file.py
#      and record_devices.py replay recordings across engines);
#   3. ASan+UBSan build: the suite of stage 1 again (but linux_record.py);
#   4. TSan build: the concurrency tests and the SMP guest and debugger
#      integration tests named in tests/tsan.list (reverse execution with
#      100 steps each way instead of 1,000).
# Prints one line per test and a closing "N passed, M failed[, K skipped]".
# RHYVE_TEST_ONLY=plain|interp|asan|tsan runs one stage; RHYVE_TEST_FILTER=REGEX
# runs only tests whose name matches.
set -u
cd "$(dirname "$0")/.."

JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}
ONLY=${RHYVE_TEST_ONLY:-}
FILTER=${RHYVE_TEST_FILTER:-.}
pass=0 fail=0 skip=0
failed=()
LOGDIR=build/test-logs
mkdir -p "$LOGDIR"

# run_one STAGE NAME TIMEOUT CMD... : run with a time limit, record the verdict.
run_one() {
	local stage=$1 name=$2 limit=$3 rc log
	shift 3
	[[ "$name" =~ $FILTER ]] || return 0
	log="$LOGDIR/$stage-${name//\//_}.log"
	local t0=$SECONDS
	timeout -k 10 "$limit" "$@" >"$log" 2>&1
	rc=$?
	local dt=$((SECONDS - t0))
	if [ $rc -eq 0 ]; then
		pass=$((pass + 1)); echo "PASS [$stage] $name (${dt}s)"
	elif [ $rc -eq 77 ]; then
		skip=$((skip + 1)); echo "SKIP [$stage] $name: $(tail -n 1 "$log")"
	else
		fail=$((fail + 1)); failed+=("[$stage] $name")
		[ $rc -eq 124 ] && echo "TIMEOUT after ${limit}s" >>"$log"
		echo "FAIL [$stage] $name (status $rc, ${dt}s) - last lines of $log:"
		tail -n 25 "$log" | sed 's/^/    /'
	fi
}

build() {
	local dir=$1 san=$2
	shift 2
	if ! make -s -j"$JOBS" BUILD="$dir" SAN="$san" "$@" >"$LOGDIR/build-${dir//\//_}.log" 2>&1; then
		echo "FAIL [build] $dir:"
		tail -n 40 "$LOGDIR/build-${dir//\//_}.log" | sed 's/^/    /'
		fail=$((fail + 1)); failed+=("[build] $dir")
		return 1
	fi
}

# unit STAGE DIR [LIST]: every Criterion binary of DIR (or those named in LIST).
unit() {
	local stage=$1 dir=$2 list=${3:-} t
	for t in "$dir"/tests/*; do
		[ -x "$t" ] || continue
		if [ -n "$list" ] && ! grep -qx "$(basename "$t")" "$list"; then
			continue
		fi
		run_one "$stage" "unit/$(basename "$t")" 600 "$t" --jobs 2 --timeout 120
	done
}

# integration STAGE RHYVE [LIST [EXCLUDE]]: every integration test (or
# those named in LIST), but those whose name matches the regex EXCLUDE.
# (Not "skip": run_one counts skips in the global of that name.)
integration() {
	local stage=$1 rhyve=$2 list=${3:-} exclude=${4:-} t
	for t in tests/integration/*; do
		[ -f "$t" ] && [ -x "$t" ] || continue
		if [ -n "$list" ] && ! grep -qx "$(basename "$t")" "$list"; then
			continue
		fi
		[ -n "$exclude" ] && [[ "$(basename "$t")" =~ $exclude ]] && continue
		RHYVE=$rhyve BUILD=build run_one "$stage" "integration/$(basename "$t")" 600 "$t"
	done
}

# The fuzzers' time each in make test (fuzz.sh): a smoke run of every
# harness and its regression inputs; long runs by hand (docs/fuzzing.md).
export FUZZ_TIME=${FUZZ_TIME:-5}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:halt_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}

if [ -z "$ONLY" ] || [ "$ONLY" = plain ]; then
	if build build "" all unit-bins guests; then
		unit plain build
		integration plain "$PWD/build/rhyve"
	fi
fi
if { [ -z "$ONLY" ] || [ "$ONLY" = interp ]; } && [ "$(uname -m)" = x86_64 ]; then
	if build build "" all guests; then
		RHYVE_ENGINE=interp integration interp "$PWD/build/rhyve" "" \
		    '^(fuzz\.sh|linux_record\.py)$'
	fi
fi
if [ -z "$ONLY" ] || [ "$ONLY" = asan ]; then
	if build build "" guests && build build/asan asan all unit-bins; then
		unit asan build/asan
		# A recorded and replayed Linux boot takes minutes under ASan.
		integration asan "$PWD/build/asan/rhyve" "" '^linux_record\.py$'
	fi
fi
if [ -z "$ONLY" ] || [ "$ONLY" = tsan ]; then
	if build build "" guests && build build/tsan tsan all unit-bins; then
		unit tsan build/tsan tests/tsan.list
		# gdb_reverse.py: 100 reverse and forward steps, not 1,000
		RHYVE_REVERSE_STEPS=100 integration tsan "$PWD/build/tsan/rhyve" \
		    tests/tsan.list
	fi
fi

echo
if [ $fail -ne 0 ]; then
	echo "Failed:"
	printf '  %s\n' "${failed[@]}"
fi
if [ $skip -ne 0 ]; then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
[ $fail -eq 0 ] && [ $pass -gt 0 ]
