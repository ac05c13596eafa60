#!/bin/sh
# setup.sh - install the Debian packages rhyve needs to build, test and
# benchmark.  (The Linux guest of the tests and benchmarks comes from
# fetch-linux.sh, which make test and make bench run after this.)
# Idempotent; prints nothing when nothing is missing.
set -eu

PKGS="make gcc binutils pkg-config python3
libfdt-dev libelf-dev libseccomp-dev libcriterion-dev libcmocka-dev
gcc-riscv64-unknown-elf binutils-riscv64-unknown-elf
gdb-multiarch lldb qemu-system-misc opensbi u-boot-qemu
device-tree-compiler clang libclang-rt-14-dev xz-utils libslirp-dev"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
		missing="$missing $p"
	fi
done

if [ -n "$missing" ]; then
	echo "rhyve setup: installing:$missing" >&2
	SUDO=""
	if [ "$(id -u)" -ne 0 ]; then
		if command -v sudo >/dev/null 2>&1; then
			SUDO="sudo"
		else
			echo "rhyve setup: not root and no sudo; install these packages:$missing" >&2
			exit 1
		fi
	fi
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get update -qq >/dev/null
	# shellcheck disable=SC2086
	$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
