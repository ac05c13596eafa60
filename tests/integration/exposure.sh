#!/bin/bash
# exposure.sh - who can reach rhyve's debug server (rhyve(8) DEBUGGING,
# rhyve/gdb/gdb.c): a stub that reads and writes guest memory must not be on
# the network unless the user asks for it.
#   -gdb tcp::PORT   listens on 127.0.0.1 only (not 0.0.0.0, not ::)
#   -s               the same on port 1234 (skipped when 1234 is taken)
#   -G PORT          (bhyve's form) the same
#   -gdb tcp:0.0.0.0:PORT   on 0.0.0.0: asked for explicitly
#   -gdb unix:PATH   the socket file is srw------- and removed at exit
# and in a loopback session: a client on 127.0.0.1 gets "+" and a stop
# reply ($T02... or $S..) to "$?#3f", with rhyve's seccomp filter on
# (/proc/PID/status "Seccomp:\t2").  The listening sockets are read
# with ss(8) (iproute2), or from /proc/net/tcp{,6} without it.  The
# guest is a raw image under -S: nothing runs, no toolchain needed.
#
# Env: RHYVE, BUILD.  Exit 0 pass, 77 skip, 1 fail.
set -u
RHYVE=${RHYVE:-build/rhyve}
if ! command -v "$RHYVE" >/dev/null; then
	echo "exposure.sh: skip: no rhyve binary at $RHYVE" >&2
	exit 77
fi
if ! command -v ss >/dev/null && [ ! -r /proc/net/tcp ]; then
	echo "exposure.sh: skip: neither ss nor /proc/net/tcp" >&2
	exit 77
fi
trap '' PIPE
tmp=$(mktemp -d)
pid=
cleanup() {
	[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
fails=0
ok() { echo "PASS $1"; }
bad() { echo "FAIL $1: $2"; fails=$((fails + 1)); }

printf 'kernel' >"$tmp/k.bin"
V=(-M virt -nographic -bios none -kernel "$tmp/k.bin" -S)

# listeners PORT [PID]: the local addresses of the TCP sockets
# listening on PORT (only those of process PID if given), one a line, as
# ADDR:PORT (IPv6 as [ADDR]:PORT, "*" for any; from /proc as hex
# words).  EXPOSURE_PROC=1 reads /proc even with ss.
listeners() {
	if [ -z "${EXPOSURE_PROC-}" ] && command -v ss >/dev/null; then
		ss -ltnpH "sport = :$1" |
		    awk -v pid="${2:+pid=$2,}" 'index($0, pid) { print $4 }'
		return
	fi
	local f sl local st inode rest h
	for f in /proc/net/tcp /proc/net/tcp6; do
		[ -r $f ] || continue
		# sl local_address rem_address st tx:rx tr:when retr uid
		# timeout inode ...; st 0A is LISTEN.
		while read -r sl local _ st _ _ _ _ _ inode rest; do
			[ "$st" = 0A ] || continue
			[ $((16#${local#*:})) -eq "$1" ] || continue
			if [ -n "${2-}" ] && ! find /proc/$2/fd -lname \
			    "socket:\[$inode\]" 2>/dev/null | grep -q .; then
				continue
			fi
			h=${local%:*}
			if [ $f = /proc/net/tcp ]; then
				# One little-endian word.
				printf '%d.%d.%d.%d:%d\n' 0x${h:6:2} \
				    0x${h:4:2} 0x${h:2:2} 0x${h:0:2} "$1"
			else
				echo "[$h]:$1"
			fi
		done < <(tail -n +2 $f)
	done
}

# free_port: a TCP port nothing listens on (from the ephemeral range).
free_port() {
	local p
	for _ in $(seq 50); do
		p=$((20000 + RANDOM % 20000))
		[ -z "$(listeners $p)" ] && { echo $p; return; }
	done
	echo 0
}

# start ARGS...: rhyve in the background, pid in $pid, stderr in err.
start() {
	"$RHYVE" "${V[@]}" "$@" </dev/null >"$tmp/out" 2>"$tmp/err" &
	pid=$!
}

# stop NAME: SIGTERM, expect status 143 within 5 s.
stop() {
	local rc
	kill -TERM "$pid" 2>/dev/null
	for _ in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid"
		wait "$pid"
		bad "$1-exit" "still running 5 s after SIGTERM"
	else
		wait "$pid"
		rc=$?
		if [ $rc -eq 143 ]; then ok "$1-exit"
		else bad "$1-exit" "exit $rc, want 143 ($(cat "$tmp/err"))"; fi
	fi
	pid=
}

# wait_listen PORT: up to 5 s for rhyve to listen on PORT; prints the
# addresses.
wait_listen() {
	local a
	for _ in $(seq 50); do
		a=$(listeners "$1" "$pid")
		[ -n "$a" ] && { echo "$a"; return 0; }
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# expect_bound NAME PORT WANT ARGS...: rhyve started with ARGS listens
# on PORT at exactly WANT (ADDR:PORT) and nowhere else (sockets of other
# programs on PORT do not count).
expect_bound() {
	local name=$1 port=$2 want=$3 got
	shift 3
	start "$@"
	if ! got=$(wait_listen "$port"); then
		if grep -qi 'in use' "$tmp/err"; then
			# Another program took the port first.
			echo "skip $name: port $port is in use"
			wait "$pid"
			pid=
			return
		fi
		bad "$name" "nothing listens on $port ($(cat "$tmp/err"))"
	elif [ "$got" != "$want" ]; then
		bad "$name" "listening on $(echo $got), want only $want"
	else
		ok "$name"
	fi
	[ "$name" = loopback ] && session "$port"
	stop "$name"
}

# session PORT: a client on 127.0.0.1 gets a stop reply; the sandbox is
# on meanwhile.
session() {
	local reply= c
	if ! exec 3<>"/dev/tcp/127.0.0.1/$1"; then
		bad session "cannot connect to 127.0.0.1:$1"
		return
	fi
	printf '$?#3f' >&3
	# Read up to the packet's checksum: "+$T02...#xx".
	while IFS= read -r -t 5 -N 1 c <&3; do
		reply+=$c
		[[ $reply == *'#'?? ]] && break
	done
	if [[ $reply =~ ^\+\$(T02|S[0-9a-f]{2}) ]]; then ok session
	else bad session "reply '$reply' to \$?#3f, want +\$T02... or +\$S.."
	fi
	printf '+' >&3
	exec 3>&-
	if grep -q $'^Seccomp:\t2$' "/proc/$pid/status"; then ok sandbox
	else bad sandbox "$(grep Seccomp: "/proc/$pid/status")"; fi
}

port=$(free_port)
if [ "$port" -eq 0 ]; then
	echo "exposure.sh: skip: no free TCP port found" >&2
	exit 77
fi
expect_bound loopback "$port" "127.0.0.1:$port" -gdb "tcp::$port"
expect_bound explicit-any "$port" "0.0.0.0:$port" -gdb "tcp:0.0.0.0:$port"
expect_bound bhyve-G "$port" "127.0.0.1:$port" -G "$port"
if [ -z "$(listeners 1234)" ]; then
	expect_bound dash-s 1234 "127.0.0.1:1234" -s
else
	echo "skip dash-s: port 1234 is in use"
fi

# A Unix socket: the owner only, and gone after rhyve.
sock=$tmp/gdb.sock
start -gdb "unix:$sock"
for _ in $(seq 50); do
	[ -S "$sock" ] && break
	sleep 0.1
done
mode=$(stat -c %A "$sock" 2>&1)
if [ "$mode" = srw------- ]; then ok unix-mode
else bad unix-mode "mode '$mode', want srw-------"; fi
stop unix
if [ -e "$sock" ]; then bad unix-removed "$sock left behind"
else ok unix-removed; fi

echo "exposure: $fails failed"
[ $fails -eq 0 ]
