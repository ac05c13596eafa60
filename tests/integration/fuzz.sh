#!/bin/bash
# fuzz.sh - the libFuzzer harnesses of tests/fuzz (RSP framing and the
# debug server's dispatcher, breakpoint-condition bytecode, image
# loading, the command line, virtio-blk,
# virtio-rng and virtio-net rings, the hart engine, and the JIT against
# the interpreter), built with clang,
# ASan and UBSan by "make fuzz" into build/fuzz.  Each fuzzer first replays its regression inputs
# (tests/fuzz/regress/NAME: every crash ever found), then fuzzes for
# FUZZ_TIME seconds (default 10) from the committed seeds
# (tests/fuzz/corpus/NAME, copied: libFuzzer writes new inputs into its
# first corpus directory).  Any crash, sanitizer report, failed assertion,
# timeout or leak fails the test; the input is left in build/fuzz/artifacts.
# Longer runs by hand: docs/fuzzing.md.
#
# Env: FUZZ_TIME, FUZZ_ONLY=REGEX (fuzzers to run), RHYVE (only used to
# tell the ASan/TSan stages of tests/run.sh, where this skips: the
# fuzzers are sanitizer builds already and ran in the plain stage).
# Exit 0 pass, 77 skip, 1 fail.
set -u
cd "$(dirname "$0")/../.."
TIME=${FUZZ_TIME:-10}
ONLY=${FUZZ_ONLY:-.}
OUT=build/fuzz
ART=$OUT/artifacts

case "${RHYVE:-}" in
*/asan/*|*/tsan/*)
	echo "fuzz.sh: skip: the fuzzers are ASan+UBSan builds; they run in the plain stage"
	exit 77 ;;
esac
if ! command -v clang >/dev/null; then
	echo "fuzz.sh: skip: no clang (apt-get install clang libclang-rt-dev)"
	exit 77
fi

mkdir -p "$OUT" "$ART"
if ! make -s -j2 fuzz >"$OUT/build.log" 2>&1; then
	echo "fuzz.sh: make fuzz failed:"
	tail -n 30 "$OUT/build.log"
	exit 1
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}:abort_on_error=0:halt_on_error=1
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}:halt_on_error=1

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Extra seeds for fuzz_hart when the ISA test guests are built (make
# guests): each one's image after a header that starts it in M-mode with
# every other field zero (see fuzz_hart.c), so that the run starts from
# real, long instruction sequences.
extra_hart=()
if ls build/guests/isa/*.elf >/dev/null 2>&1 &&
    command -v riscv64-unknown-elf-objcopy >/dev/null; then
	mkdir -p "$work/hart_isa"
	for e in build/guests/isa/*.elf; do
		b=$(basename "$e" .elf)
		riscv64-unknown-elf-objcopy -O binary "$e" "$work/isa.bin" ||
		    continue
		{ printf '\000\003'; head -c 104 /dev/zero
		  cat "$work/isa.bin"; } >"$work/hart_isa/$b"
	done
	extra_hart=("$work/hart_isa")
fi
failed=0
for f in $OUT/fuzz_*; do
	[ -x "$f" ] || continue
	name=${f##*/fuzz_}
	[[ "$name" =~ $ONLY ]] || continue
	log=$OUT/$name.log
	dict=()
	[ -f tests/fuzz/$name.dict ] && dict=(-dict=tests/fuzz/$name.dict)
	# libFuzzer's own default exit code for a finding is 77, our "skip"
	opts=(-error_exitcode=1 -timeout_exitcode=1 -timeout=20
	    -rss_limit_mb=2560 -artifact_prefix="$ART/$name-")

	regress=(tests/fuzz/regress/$name/*)
	if [ -e "${regress[0]}" ]; then
		if ! "$f" "${opts[@]}" "${regress[@]}" >"$log" 2>&1; then
			echo "FAIL $name: a regression input crashes again:"
			grep -E 'Running:|ERROR|SUMMARY|check failed' "$log" | tail -n 5
			failed=1
			continue
		fi
		echo "ok   $name: ${#regress[@]} regression input(s)"
	fi

	mkdir -p "$work/$name"
	extra=()
	[ "$name" = hart ] && extra=("${extra_hart[@]}")
	if "$f" "${opts[@]}" "${dict[@]}" -max_total_time="$TIME" \
	    -print_final_stats=1 "$work/$name" tests/fuzz/corpus/$name \
	    "${extra[@]}" >"$log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
		cov=$(grep -Eo 'cov: [0-9]+' "$log" | tail -n 1)
		echo "ok   $name: $runs runs in ${TIME}s, $cov"
	else
		echo "FAIL $name (log $log):"
		grep -E 'ERROR|SUMMARY|check failed|no reply|#[0-9]+ in ' "$log" | head -n 20
		ls "$ART/$name-"* 2>/dev/null | sed 's/^/    input: /'
		failed=1
	fi
done
exit $failed
