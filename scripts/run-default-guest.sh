#!/bin/sh
# run-default-guest.sh - "make run": boot the bundled default guest on
# rhyve with the debug server listening on 127.0.0.1:1234.  The guest is
# Debian's OpenSBI (fw_jump, M-mode) and U-Boot for QEMU virt in S-mode,
# exactly as "qemu-system-riscv64 -M virt -bios fw_jump.bin -kernel
# u-boot.bin" boots them; it stops at U-Boot's "=>" prompt.
#
# Env: RHYVE (default build/rhyve), SMP (4), MEM (256M), GDB_PORT (1234).
set -eu
RHYVE=${RHYVE:-build/rhyve}
SMP=${SMP:-4}
MEM=${MEM:-256M}
GDB_PORT=${GDB_PORT:-1234}
FW=/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin
UBOOT=/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin

if [ ! -x "$RHYVE" ]; then
	echo "run-default-guest.sh: no $RHYVE; run make first" >&2
	exit 1
fi
if [ ! -f "$UBOOT" ]; then
	echo "run-default-guest.sh: $UBOOT is missing" \
	    "(apt-get install u-boot-qemu)" >&2
	exit 1
fi
if [ -f "$FW" ]; then
	set -- -bios "$FW"
else
	# Without Debian's OpenSBI, rhyve's built-in SBI runs U-Boot.
	echo "run-default-guest.sh: $FW is missing (apt-get install" \
	    "opensbi); using the built-in SBI" >&2
	set --
fi

cat >&2 <<MSG
rhyve: booting OpenSBI + U-Boot on $SMP vCPUs, $MEM of RAM.
  Debug server on 127.0.0.1:$GDB_PORT; from another terminal:
    gdb-multiarch -ex 'set architecture riscv:rv64' \\
        -ex 'target remote 127.0.0.1:$GDB_PORT'
  (vCPU n is GDB thread n+1; "info threads", Ctrl-C, "continue").
  Quit rhyve with Ctrl-A x, or "poweroff" at U-Boot's => prompt.
MSG
exec "$RHYVE" -M virt -smp "$SMP" -m "$MEM" -nographic "$@" \
    -kernel "$UBOOT" -gdb "tcp:127.0.0.1:$GDB_PORT"
