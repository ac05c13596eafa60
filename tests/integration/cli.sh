#!/bin/bash
# cli.sh - rhyve's command line and exit statuses, end to end: --help and
# --version, every kind of bad input (status 1, ONE line on stderr naming
# the problem, no core dump, no leftovers, quick), -dumpdtb, and the exit
# status of tiny guests that power off, fail with a code, reset under
# -no-reboot, or get SIGTERM, SIGINT or SIGHUP (the disk lock released
# after each; a block U-Boot wrote to the disk before SIGINT or SIGHUP
# is in the image), and the errors from files the user cannot use: a disk
# image or kernel the user may not read (rhyve run as nobody), a disk
# image that is a directory or is locked by a running rhyve (which goes
# on undisturbed).
#
# Env: RHYVE (the binary), BUILD (build dir).  Exit 0 pass, 77 skip, 1 fail.
set -u
RHYVE=${RHYVE:-build/rhyve}
if ! command -v "$RHYVE" >/dev/null; then
	echo "cli.sh: skip: no rhyve binary at $RHYVE" >&2
	exit 77
fi
# Some cases run it from another directory.
case $RHYVE in */*) RHYVE=$(realpath "$RHYVE") ;; esac
# A guest that died must not take the script with it when we write to it.
trap '' PIPE
tmp=$(mktemp -d)
pub=
trap 'rm -rf "$tmp" $pub' EXIT
fails=0
ok() { echo "PASS $1"; }
bad() { echo "FAIL $1: $2"; fails=$((fails + 1)); }

# run NAME ARGS...: runs rhyve (10 s at most; as "${AS[@]}" rhyve if AS
# is set), sets rc, out, err.
AS=()
run() {
	local name=$1
	shift
	timeout -k 2 10 "${AS[@]}" "$RHYVE" "$@" </dev/null >"$tmp/out" \
	    2>"$tmp/err"
	rc=$?
	out=$(cat "$tmp/out")
	err=$(cat "$tmp/err")
}

# expect_error NAME PATTERN ARGS...: status 1, one stderr line matching
# "rhyve: ...PATTERN".
expect_error() {
	local name=$1 pat=$2
	shift 2
	run "$name" "$@"
	local lines
	lines=$(printf '%s' "$err" | grep -c '')
	if [ "$rc" -ne 1 ]; then
		bad "$name" "exit $rc, want 1 (stderr: $err)"
	elif [ "$lines" -ne 1 ]; then
		bad "$name" "$lines lines on stderr, want 1: $err"
	elif ! printf '%s' "$err" | grep -q -e "^rhyve: .*$pat"; then
		bad "$name" "stderr '$err' does not match '$pat'"
	else
		ok "$name"
	fi
}

# expect_error_clean NAME PATTERN ARGS...: expect_error with a debug
# socket asked for, run in a directory of its own (under $CWD, world-
# writable): no core file, no socket, nothing at all left there.
CWD=$tmp
expect_error_clean() {
	local name=$1 pat=$2
	shift 2
	rm -rf "$CWD/cwd"
	mkdir -m 777 "$CWD/cwd"
	(cd "$CWD/cwd" && expect_error "$name" "$pat" "$@" \
	    -gdb "unix:$CWD/cwd/gdb.sock") >"$tmp/verdict"
	cat "$tmp/verdict"
	if grep -q '^FAIL' "$tmp/verdict"; then
		fails=$((fails + 1))
	elif [ -n "$(ls -A "$CWD/cwd")" ]; then
		bad "$name" "left behind: $(ls -A "$CWD/cwd")"
	fi
	rm -rf "$CWD/cwd"
}

# --help and --version
run help --help
if [ "$rc" -eq 0 ] && grep -q -e '-smp' "$tmp/out"; then ok help
else bad help "exit $rc, output lacks -smp"; fi
run version --version
if [ "$rc" -eq 0 ] && grep -q '^rhyve [0-9]' "$tmp/out"; then ok version
else bad version "exit $rc: $out"; fi

# Bad input.
V=(-M virt -nographic)
printf 'kernel' >"$tmp/k.bin"		# a raw "kernel" that loads anywhere
expect_error missing-kernel "/nonexistent/kernel: No such file" \
    "${V[@]}" -bios none -kernel /nonexistent/kernel
expect_error host-elf "/bin/true: not a 64-bit RISC-V" \
    "${V[@]}" -bios none -kernel /bin/true
truncate -s 17M "$tmp/huge.img"
expect_error image-too-large "huge.img: image too large for RAM" \
    "${V[@]}" -m 16M -bios none -kernel "$tmp/huge.img"
# A kernel for another machine: refused, not run (an arm64 Image header).
head -c 4096 /dev/zero >"$tmp/arm64.img"
printf 'ARM\144' | dd of="$tmp/arm64.img" bs=1 seek=56 conv=notrunc 2>/dev/null
expect_error arm64-kernel "arm64.img: an arm64 Linux image, not RISC-V" \
    "${V[@]}" -kernel "$tmp/arm64.img"
expect_error missing-bios "/nonexistent/fw.bin: No such file" \
    "${V[@]}" -bios /nonexistent/fw.bin
expect_error directory-kernel "not a regular file" \
    "${V[@]}" -bios none -kernel "$tmp"
expect_error bad-drive "format=qcow2" \
    "${V[@]}" -kernel /bin/true -drive file=x.img,format=qcow2
expect_error bad-drive-syntax "not key=value" \
    "${V[@]}" -kernel /bin/true -drive file=x.img,garbage
expect_error bad-device "no -drive with id=d0" \
    "${V[@]}" -kernel /bin/true -device virtio-blk-device,drive=d0
expect_error unknown-option "unknown option '-frobnicate'" \
    "${V[@]}" -frobnicate
expect_error bad-engine "-engine tcg: unknown engine (interp or jit)" \
    "${V[@]}" -engine tcg -kernel /bin/true
RHYVE_ENGINE=quick expect_error bad-engine-env \
    "RHYVE_ENGINE quick: unknown engine" "${V[@]}" -kernel /bin/true
expect_error missing-argument "needs an argument" "${V[@]}" -kernel
expect_error bad-m "-m lots" "${V[@]}" -m lots -kernel /bin/true
expect_error zero-m "-m 0" "${V[@]}" -m 0 -kernel /bin/true
expect_error smp-0 "-smp 0" "${V[@]}" -smp 0 -kernel /bin/true
expect_error bad-machine "only virt" -M sifive_u -kernel /bin/true
expect_error no-kernel "nothing to boot" "${V[@]}"
expect_error missing-disk "/nonexistent/disk.img" \
    "${V[@]}" -kernel "$tmp/k.bin" -drive file=/nonexistent/disk.img
# A failing start leaves no debug socket behind.
expect_error no-socket-left "No such file" "${V[@]}" -bios none \
    -kernel /nonexistent/k -gdb "unix:$tmp/gdb.sock"
if [ -e "$tmp/gdb.sock" ]; then bad no-socket-left "socket file left"; fi

# Tiny guests: M-mode from reset, write to sifive_test, then spin.
RV_CC=${RV_CC:-riscv64-unknown-elf-gcc}
if ! command -v "$RV_CC" >/dev/null; then
	echo "cli.sh: no $RV_CC: guest exit-status cases skipped"
else
	# guest NAME VALUE: an ELF that stores VALUE to 0x100000.
	guest() {
		cat >"$tmp/$1.S" <<-EOF
		.globl _start
		_start:
			li	t0, 0x100000
			li	t1, $2
			sw	t1, 0(t0)
		1:	j	1b
		EOF
		"$RV_CC" -nostdlib -nostartfiles -Wl,-N -Wl,--no-warn-rwx-segments -Wl,-Ttext=0x80000000 \
		    -o "$tmp/$1.elf" "$tmp/$1.S"
	}
	guest pass 0x5555
	guest fail42 0x2a3333
	guest fail0 0x3333
	guest fail256 0x1003333
	guest reset 0x7777
	guest spin 0

	expect_status() {
		local name=$1 want=$2
		shift 2
		run "$name" "${V[@]}" -bios none "$@"
		if [ "$rc" -eq "$want" ]; then ok "$name"
		else bad "$name" "exit $rc, want $want ($err)"; fi
	}
	expect_status poweroff 0 -kernel "$tmp/pass.elf"
	expect_status poweroff-smp4 0 -smp 4 -kernel "$tmp/pass.elf"
	expect_status fail-code 42 -kernel "$tmp/fail42.elf"
	expect_status fail-code-0-is-1 1 -kernel "$tmp/fail0.elf"
	expect_status fail-code-low-8-bits 1 -kernel "$tmp/fail256.elf"
	expect_status reset-no-reboot 0 -no-reboot -kernel "$tmp/reset.elf"

	# A guest that powers off 2 s (of mtime, 10 MHz) after it starts.
	cat >"$tmp/delay.S" <<-EOF
	.globl _start
	_start:
		li	t0, 0x0200bff8
		ld	t1, 0(t0)
		li	t2, 20000000
		add	t1, t1, t2
	1:	ld	t3, 0(t0)
		bltu	t3, t1, 1b
		li	t0, 0x100000
		li	t1, 0x5555
		sw	t1, 0(t0)
	2:	j	2b
	EOF
	"$RV_CC" -nostdlib -nostartfiles -Wl,-N -Wl,--no-warn-rwx-segments \
	    -Wl,-Ttext=0x80000000 -o "$tmp/delay.elf" "$tmp/delay.S"
	truncate -s 1M "$tmp/disk.img"
	DISK=(-drive "file=$tmp/disk.img,format=raw,if=virtio")

	# SIGTERM, SIGINT, SIGHUP: clean shutdown, status 128 + N, promptly,
	# and the image's lock goes with rhyve: another rhyve can take the
	# disk right after (and its guest powers off: status 0).  With
	# SIGTERM no disk, as before; with the others a writable disk.
	for sig in TERM INT HUP; do
		name=sig$(echo $sig | tr A-Z a-z)
		case $sig in
		TERM) want=143; d=() ;;
		INT) want=130; d=("${DISK[@]}") ;;
		HUP) want=129; d=("${DISK[@]}") ;;
		esac
		"$RHYVE" "${V[@]}" -bios none -smp 2 -kernel "$tmp/spin.elf" \
		    "${d[@]}" </dev/null >/dev/null 2>"$tmp/err" &
		pid=$!
		sleep 1
		kill -$sig $pid
		for _ in $(seq 50); do
			kill -0 $pid 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 $pid 2>/dev/null; then
			kill -KILL $pid
			wait $pid
			bad $name "still running 5 s after SIG$sig"
			continue
		fi
		wait $pid
		rc=$?
		if [ $rc -ne $want ]; then
			bad $name "exit $rc, want $want ($(cat "$tmp/err"))"
			continue
		fi
		if [ ${#d[@]} -eq 0 ]; then ok $name; continue; fi
		run $name-unlocked "${V[@]}" -bios none -kernel "$tmp/pass.elf" \
		    "${DISK[@]}"
		if [ $rc -eq 0 ]; then ok $name
		else bad $name "disk not free after SIG$sig: exit $rc ($err)"
		fi
	done

	# A disk image that is a directory.
	expect_error_clean directory-disk "$tmp: Is a directory" \
	    "${V[@]}" -bios none -kernel "$tmp/spin.elf" \
	    -drive "file=$tmp,format=raw,if=virtio"

	# A locked image: a second rhyve on the disk a first one holds says
	# so and fails; the first goes on and its guest powers off (0).
	"$RHYVE" "${V[@]}" -bios none -kernel "$tmp/delay.elf" "${DISK[@]}" \
	    </dev/null >/dev/null 2>"$tmp/err1" &
	pid=$!
	sleep 0.5
	expect_error_clean locked-disk \
	    "disk.img: image is locked by another process" \
	    "${V[@]}" -bios none -kernel "$tmp/pass.elf" "${DISK[@]}"
	if ! kill -0 $pid 2>/dev/null; then
		wait $pid
		bad locked-disk-first "the first rhyve ended early: exit $? \
($(cat "$tmp/err1"))"
	else
		for _ in $(seq 100); do
			kill -0 $pid 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 $pid 2>/dev/null; then
			kill -KILL $pid
			wait $pid
			bad locked-disk-first "its guest did not power off"
		else
			wait $pid
			rc=$?
			if [ $rc -eq 0 ] && [ ! -s "$tmp/err1" ]; then
				ok locked-disk-first
			else
				bad locked-disk-first "exit $rc ($(cat "$tmp/err1"))"
			fi
		fi
	fi
fi

# Files the user may not read.  Root reads anything, so rhyve runs as
# nobody, from a world-readable copy; the file in question has mode 000.
if [ "$(id -u)" -ne 0 ]; then
	asuser=()
elif command -v setpriv >/dev/null; then
	asuser=(setpriv --reuid=nobody --regid=nogroup --clear-groups --)
elif command -v runuser >/dev/null; then
	asuser=(runuser -u nobody --)
else
	asuser=none
fi
if [ "${asuser[*]-}" = none ]; then
	echo "skip unreadable-disk: no runuser or setpriv"
	echo "skip unreadable-kernel: no runuser or setpriv"
else
	pub=$(mktemp -d)
	chmod 755 "$pub"
	cp "$RHYVE" "$pub/rhyve"
	chmod 755 "$pub/rhyve"
	printf 'kernel' >"$pub/k.bin"
	truncate -s 1M "$pub/disk.img"
	chmod 644 "$pub/k.bin"
	chmod 000 "$pub/disk.img"
	saved=$RHYVE
	RHYVE=$pub/rhyve AS=("${asuser[@]}") CWD=$pub
	expect_error_clean unreadable-disk "$pub/disk.img: Permission denied" \
	    "${V[@]}" -kernel "$pub/k.bin" \
	    -drive "file=$pub/disk.img,format=raw,if=virtio"
	chmod 644 "$pub/disk.img"
	chmod 000 "$pub/k.bin"
	expect_error_clean unreadable-kernel "$pub/k.bin: Permission denied" \
	    "${V[@]}" -kernel "$pub/k.bin"
	RHYVE=$saved AS=() CWD=$tmp
fi

# -dumpdtb writes a flattened device tree (magic d00dfeed) and exits 0.
run dumpdtb "${V[@]}" -smp 2 -dumpdtb "$tmp/virt.dtb"
if [ "$rc" -eq 0 ] && [ "$(od -An -tx1 -N4 "$tmp/virt.dtb" | tr -d ' ')" = d00dfeed ]
then ok dumpdtb
else bad dumpdtb "exit $rc ($err)"; fi

# ... with the initrd where QEMU puts it (raw kernel at 0x80200000 under
# the built-in SBI, initrd at its entry + min(RAM / 2, 128M)) and bootargs.
if command -v fdtget >/dev/null; then
	printf 'initrd-data' >"$tmp/rd.img"
	run dumpdtb-chosen "${V[@]}" -m 128M -kernel "$tmp/k.bin" \
	    -initrd "$tmp/rd.img" -append "console=ttyS0 quiet" \
	    -dumpdtb "$tmp/c.dtb"
	got="$(fdtget -t x "$tmp/c.dtb" /chosen linux,initrd-start 2>&1)|"
	got+="$(fdtget -t x "$tmp/c.dtb" /chosen linux,initrd-end 2>&1)|"
	got+="$(fdtget "$tmp/c.dtb" /chosen bootargs 2>&1)"
	want="0 84200000|0 8420000b|console=ttyS0 quiet"
	if [ "$rc" -eq 0 ] && [ "$got" = "$want" ]; then ok dumpdtb-chosen
	else bad dumpdtb-chosen "exit $rc, got '$got', want '$want'"; fi
	expect_error initrd-too-large "huge.img: image too large for RAM" \
	    "${V[@]}" -m 16M -kernel "$tmp/k.bin" -initrd "$tmp/huge.img"
fi

# Boot modes with Debian's firmware: U-Boot (S-mode) reaches its prompt
# under OpenSBI fw_jump, OpenSBI fw_dynamic (-bios default) and the
# built-in SBI, and "poweroff" there ends rhyve with status 0.
FWDIR=/usr/lib/riscv64-linux-gnu/opensbi/generic
UBOOT=/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin
uboot_prompt() {
	local name=$1 pid i
	shift
	rm -f "$tmp/in"
	mkfifo "$tmp/in"
	"$RHYVE" -M virt -smp 2 -m 256M -nographic "$@" -kernel "$UBOOT" \
	    <"$tmp/in" >"$tmp/out" 2>&1 &
	pid=$!
	exec 9>"$tmp/in"
	for i in $(seq 300); do
		grep -q '^=> ' "$tmp/out" 2>/dev/null && break
		kill -0 $pid 2>/dev/null || break
		sleep 0.1
	done
	printf 'poweroff\r' >&9 2>/dev/null
	for i in $(seq 100); do
		kill -0 $pid 2>/dev/null || break
		sleep 0.1
	done
	exec 9>&-
	if kill -0 $pid 2>/dev/null; then
		kill -KILL $pid
		wait $pid
		bad "$name" "no prompt or no poweroff: $(tail -c 300 "$tmp/out")"
		return
	fi
	wait $pid
	rc=$?
	if [ $rc -eq 0 ] && grep -q '^=> poweroff' "$tmp/out"; then ok "$name"
	else bad "$name" "exit $rc: $(tail -c 300 "$tmp/out")"; fi
}
# uboot_write_signal SIG: U-Boot writes a block of 0xa5 to sector 5 of
# a writable virtio disk, then SIGSIG ends rhyve: status 128 + N, and
# the host image has the block (what the guest wrote is not lost).
uboot_write_signal() {
	local name=uboot-write-sig$(echo $1 | tr A-Z a-z) pid rc want got
	want=$(( $(kill -l $1) + 128 ))
	truncate -s 0 "$tmp/w.img"
	truncate -s 1M "$tmp/w.img"
	rm -f "$tmp/in"
	mkfifo "$tmp/in"
	"$RHYVE" -M virt -smp 2 -m 256M -nographic -kernel "$UBOOT" \
	    -drive "file=$tmp/w.img,format=raw,if=virtio" \
	    <"$tmp/in" >"$tmp/out" 2>&1 &
	pid=$!
	exec 9>"$tmp/in"
	for _ in $(seq 300); do
		grep -q '^=> ' "$tmp/out" 2>/dev/null && break
		kill -0 $pid 2>/dev/null || break
		sleep 0.1
	done
	printf 'mw.b 0x84000000 0xa5 0x200\r' >&9 2>/dev/null
	printf 'virtio scan\r' >&9 2>/dev/null
	printf 'virtio write 0x84000000 5 1\r' >&9 2>/dev/null
	for _ in $(seq 100); do
		grep -q 'blocks written' "$tmp/out" 2>/dev/null && break
		kill -0 $pid 2>/dev/null || break
		sleep 0.1
	done
	kill -$1 $pid 2>/dev/null
	for _ in $(seq 50); do
		kill -0 $pid 2>/dev/null || break
		sleep 0.1
	done
	exec 9>&-
	if kill -0 $pid 2>/dev/null; then
		kill -KILL $pid
		wait $pid
		bad "$name" "still running 5 s after SIG$1"
		return
	fi
	wait $pid
	rc=$?
	got=$(od -An -tx1 -v -j 2560 -N 512 "$tmp/w.img" | tr -d ' \n')
	if ! grep -q '1 blocks written: OK' "$tmp/out"; then
		bad "$name" "U-Boot did not write: $(tail -c 300 "$tmp/out")"
	elif [ $rc -ne $want ]; then
		bad "$name" "exit $rc, want $want"
	elif [ "$got" != "$(printf 'a5%.0s' $(seq 512))" ] ||
	    [ "$(stat -c %s "$tmp/w.img")" -ne 1048576 ]; then
		bad "$name" "sector 5 on the host is not the block written"
	else
		ok "$name"
	fi
}
if [ -f "$UBOOT" ]; then
	[ -f $FWDIR/fw_jump.bin ] &&
	    uboot_prompt uboot-fw_jump -bios $FWDIR/fw_jump.bin
	[ -f $FWDIR/fw_dynamic.bin ] && uboot_prompt uboot-fw_dynamic -bios default
	uboot_prompt uboot-builtin-sbi
	for sig in INT HUP; do
		uboot_write_signal $sig
	done
else
	echo "cli.sh: no $UBOOT: boot-mode cases skipped"
fi

echo "cli: $fails failed"
[ $fails -eq 0 ]
