#!/bin/sh
# fetch-linux.sh - fetch Debian 13 (trixie) packages for the Linux guest
# tests: linux-image-riscv64's kernel, busybox-static and OpenSBI (the
# firmware the Linux tests boot through; see below).  Debian 12
# ships no riscv64 kernel, so this uses a private apt configuration (its
# own sources list naming the mirror this machine already uses, suite
# trixie, arch riscv64, its own state and cache folders): the host's apt
# set-up is left untouched and nothing is installed.  Each .deb's SHA-256
# is checked against apt's records before it is unpacked.
#
# Result, in $RHYVE_LINUX_CACHE (default ~/.cache/rhyve/linux, outside the
# source tree):
#   Image         the kernel (the package's vmlinux-*: a RISC-V Image)
#   busybox       busybox-static's binary
#   modules/*.ko  the virtio modules, decompressed, in load order in
#                 modules/order
#   fw_dynamic.bin  trixie's OpenSBI (1.6) for the generic platform.
#                 Debian 12's OpenSBI 1.1 has a race in its HSM hart start
#                 (fixed upstream in 1.3, commit e8e9ed37 "Set the state of
#                 a hart to START_PENDING after the hart is ready"): a
#                 secondary hart can leave its wait loop before its start
#                 address is written and jump to the kernel's entry as if
#                 it were the boot hart; docs/design-notes.md, "Linux SMP
#                 and OpenSBI 1.1".
#   VERSION       package versions and SHA-256 of each .deb
# Idempotent: quiet and quick once the cache is complete.  Prints the
# cache folder with --print-dir.
set -eu

CACHE=${RHYVE_LINUX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rhyve/linux}
if [ "${1:-}" = "--print-dir" ]; then
	echo "$CACHE"
	exit 0
fi
[ -f "$CACHE/VERSION" ] && [ -f "$CACHE/fw_dynamic.bin" ] && exit 0

# Modules the tests load, dependencies first (modinfo's depends=).
MODULES="drivers/virtio/virtio_mmio drivers/block/virtio_blk
drivers/char/hw_random/virtio-rng net/core/failover drivers/net/net_failover
drivers/net/virtio_net"

die() { echo "rhyve fetch-linux: $*" >&2; exit 1; }

# The mirror this machine's apt already uses (deb822 or one-line form).
mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.sources \
	/etc/apt/sources.list.d/*.list 2>/dev/null | grep -v "^ *#" |
	grep -oE 'https?://[^ ]*/debian/?( |$)' | grep -v security | head -n 1 |
	tr -d ' ')
[ -n "$mirror" ] || mirror=http://deb.debian.org/debian
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[ -f "$keyring" ] || die "no $keyring (install debian-archive-keyring)"
for t in apt-get apt-cache dpkg-deb sha256sum xz; do
	command -v $t >/dev/null 2>&1 || die "$t not found"
done

mkdir -p "$CACHE"
work=$(mktemp -d "$CACHE/.fetch.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
apt="$work/apt"
mkdir -p "$apt/state/lists/partial" "$apt/cache/archives/partial" \
	"$apt/etc/apt.conf.d" "$apt/etc/preferences.d" "$apt/etc/sources.list.d"
: >"$apt/state/status"
echo "deb [arch=riscv64 signed-by=$keyring] $mirror trixie main" \
	>"$apt/etc/sources.list"
cat >"$apt/apt.conf" <<EOF
Dir::State "$apt/state";
Dir::State::status "$apt/state/status";
Dir::Cache "$apt/cache";
Dir::Etc::SourceList "$apt/etc/sources.list";
Dir::Etc::SourceParts "$apt/etc/sources.list.d";
Dir::Etc::Preferences "$apt/etc/preferences";
Dir::Etc::PreferencesParts "$apt/etc/preferences.d";
Dir::Etc::Parts "$apt/etc/apt.conf.d";
APT::Architecture "riscv64";
APT::Architectures "riscv64";
APT::Sandbox::User "root";
EOF
export APT_CONFIG="$apt/apt.conf"

echo "rhyve setup: fetching Debian trixie's riscv64 kernel, busybox and OpenSBI into $CACHE" >&2
apt-get update -qq >"$work/update.log" 2>&1 ||
	{ cat "$work/update.log" >&2; die "apt-get update (trixie, riscv64) failed"; }

# linux-image-riscv64 is a metapackage: its Depends names the kernel.
kpkg=$(apt-cache show --no-all-versions linux-image-riscv64 2>/dev/null |
	sed -n 's/^Depends: .*\(linux-image-[0-9][^ ,]*-riscv64\).*/\1/p' | head -n 1)
[ -n "$kpkg" ] || die "no linux-image-riscv64 in trixie's riscv64 index"

cd "$work"
: >VERSION
for pkg in "$kpkg" busybox-static opensbi; do
	info=$(apt-cache show --no-all-versions "$pkg")
	ver=$(echo "$info" | sed -n 's/^Version: //p')
	want=$(echo "$info" | sed -n 's/^SHA256: //p')
	[ -n "$want" ] || die "$pkg: no SHA256 in apt's records"
	apt-get download -qq "$pkg" >download.log 2>&1 ||
		{ cat download.log >&2; die "apt-get download $pkg failed"; }
	deb=$(ls "${pkg}"_*.deb)
	got=$(sha256sum "$deb" | cut -d' ' -f1)
	[ "$got" = "$want" ] || die "$deb: SHA-256 $got, apt says $want"
	echo "$pkg $ver sha256:$got" >>VERSION
	mkdir -p "x-$pkg"
	dpkg-deb -x "$deb" "x-$pkg"
done

out="$work/out"
mkdir -p "$out/modules"
cp x-"$kpkg"/boot/vmlinux-* "$out/Image"
cp x-busybox-static/usr/bin/busybox "$out/busybox"
cp x-opensbi/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin \
	"$out/fw_dynamic.bin"
: >"$out/modules/order"
for m in $MODULES; do
	f=$(ls x-"$kpkg"/usr/lib/modules/*/kernel/"$m".ko.xz)
	xz -dc "$f" >"$out/modules/$(basename "$m").ko"
	echo "$(basename "$m").ko" >>"$out/modules/order"
done
cp VERSION "$out/VERSION"

# Publish: VERSION last, so a half-finished fetch is never taken as done.
rm -rf "$CACHE/modules"
mv "$out/modules" "$CACHE/modules"
mv "$out/Image" "$out/busybox" "$out/fw_dynamic.bin" "$CACHE/"
mv "$out/VERSION" "$CACHE/VERSION"
