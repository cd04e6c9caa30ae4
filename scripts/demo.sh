#!/usr/bin/env bash
# make demo: the problem twtest exists for, in under 20 seconds, without root and without
# changing a sysctl of the host's. Everything runs on loopback inside a private network namespace
# (unshare: as root a plain one, else a user namespace where the kernel allows it), so the
# TIME_WAIT sockets the demo makes are gone with it; where no namespace can be made it runs
# on this host's loopback and says so. Each run shows its command, its real output and one
# plain line saying what it showed:
#   1. a 150-port range runs out in back-to-back loops: connect/EADDRNOTAVAIL (tcp_tw_reuse=0
#      in the private namespace, so the counts do not depend on the kernel's reuse rule);
#   2. the same with --linger: nothing fails, no TIME_WAIT;
#   3. loops spaced past the reuse delay: tcp_tw_reuse takes over (TWRecycled);
#   4. the server closing first: the client never runs out;
#   5. a steady rate: the second the ports run out, against the model's prediction.
set -u
cd "$(dirname "$0")/.." || exit 2
bin=${TWTEST:-$PWD/twtest}   # the tests point TWTEST at the build under test
[ -x "$bin" ] || { echo "demo: $bin is not built (run make demo)" >&2; exit 1; }

# Enter a private network namespace once; DEMO_NETNS says which kind we are in.
if [ -z "${DEMO_NETNS:-}" ]; then
	if [ "$(id -u)" = 0 ] && unshare --net true 2>/dev/null; then
		DEMO_NETNS=private exec unshare --net "$0" "$@"
	elif unshare --user --map-root-user --net true 2>/dev/null; then
		DEMO_NETNS=private exec unshare --user --map-root-user --net "$0" "$@"
	fi
	DEMO_NETNS=host
fi
if [ "$DEMO_NETNS" = private ]; then
	ip link set lo up || { echo "demo: cannot bring up lo in the private namespace" >&2; exit 1; }
fi

# shellcheck source=scripts/lab.sh
. scripts/lab.sh
lab_trap

# demo_server ARGS...: a new echo server on 127.0.0.1 (the one before stopped), on the next
# free port from 4000, so that each run's time_wait counts only its own sockets; sets PORT.
PORT=3999
demo_server() {
	[ -n "${LAB_SERVER_PID:-}" ] && lab_stop "$LAB_SERVER_PID"
	local p
	for p in $(seq $((PORT + 1)) 4099); do
		LAB_START_MS=1000 lab_spawn_server "$bin" server --bind 127.0.0.1 --port "$p" "$@" &&
			{ PORT=$p; return 0; }
	done
	echo "demo: no free port in 4000-4099" >&2
	exit 1
}

# run ARGS...: show `twtest client ARGS`, run it, keep its output in OUT.
run() {
	echo
	echo "\$ twtest client $*"
	OUT=$("$bin" client "$@")
	echo "$OUT"
}

# sumf FIELD: a field of the summary line of OUT.
sumf() { sed -n "s/^summary:.* $1: \([^,]*\).*/\1/p" <<<"$OUT"; }
# kern NAME: a kernel counter of the summary line (0 when absent).
kern() { local v; v=$(sed -n "s/^summary:.*kernel:.*[ :]$1=\([0-9]*\).*/\1/p" <<<"$OUT"); echo "${v:-0}"; }
says() { echo "=> $*"; }

if [ "$DEMO_NETNS" = private ]; then
	echo "# a private network namespace: loopback only, this kernel's default sysctls (but tcp_tw_reuse where shown), nothing left behind"
else
	echo "# no private network namespace could be made: running on this host's loopback;"
	echo "# the demo's TIME_WAIT sockets stay in the kernel for up to 60 s after it ends"
fi
reuse=$(cat /proc/sys/net/ipv4/tcp_tw_reuse 2>/dev/null || echo "?")
echo "# net.ipv4.tcp_tw_reuse=$reuse, ip_local_port_range=$(tr '\t' '-' </proc/sys/net/ipv4/ip_local_port_range)"
# set_reuse VALUE: net.ipv4.tcp_tw_reuse in the private namespace (never the host's), shown.
set_reuse() {
	[ "$DEMO_NETNS" = private ] || return 0
	echo
	echo "\$ sysctl -w net.ipv4.tcp_tw_reuse=$1    # in the demo's own namespace"
	sysctl -qw "net.ipv4.tcp_tw_reuse=$1" >/dev/null 2>&1 || echo "demo: could not set tcp_tw_reuse=$1 here" >&2
}

# The first run without reuse: with it, how soon loopback's TIME_WAIT ports come back depends
# on the kernel (1000 ms from 6.14; before, the next whole second, 0-1 s) and on how fast the
# loops run, so the counts would vary from kernel to kernel and run to run.
[ "$reuse" = 0 ] || set_reuse 0
demo_server
run 127.0.0.1 3 100 --port "$PORT" --local-port-range 40000-40149
says "150 ports, 100 connections a loop: $(sumf finished_count) finished, then $(sumf failed_count) failed" \
	"($(sumf failed_by)): every closed connection holds its port in TIME_WAIT for 60 s."
[ "$reuse" = 0 ] || set_reuse "$reuse"

demo_server
run 127.0.0.1 3 100 1 1 --port "$PORT" --local-port-range 40200-40349
says "with LINGER=1 (SO_LINGER {1,0}) close() sends RST: $(sumf finished_count) finished," \
	"$(sumf failed_count) failed, $(sumf time_wait) TIME_WAIT left ($(kern TCPAbortOnData) closes aborted with RST)."

if [ "$reuse" = 1 ] || [ "$reuse" = 2 ]; then
	demo_server
	run 127.0.0.1 3 100 --port "$PORT" --local-port-range 40400-40549 --interval 1100
	says "loops 1.1 s apart, past the reuse delay (1 s; before Linux 6.14, the next whole second): $(sumf finished_count) finished, $(sumf failed_count) failed;" \
		"connect() took over $(kern TWRecycled) TIME_WAIT ports (TWRecycled; tcp_tw_reuse=$reuse applies on loopback)."
else
	echo
	says "skipped the reuse run: tcp_tw_reuse=0 here, so no delay lets connect() take a TIME_WAIT port over."
fi

demo_server --close first
run 127.0.0.1 3 100 --port "$PORT" --close server --local-port-range 40600-40749
says "the server closed first: $(sumf finished_count) finished, $(sumf failed_count) failed; the client holds" \
	"$(sumf time_wait) TIME_WAIT sockets: the server holds them instead, and its ports are not ephemeral."

demo_server
run --rate 200 --duration 3 --port "$PORT" --local-port-range 40800-40899 127.0.0.1
says "200 new connections a second through 100 ports: the model predicted the first failure at" \
	"$(sumf predicted_first_failure_s) s, it came at $(sumf first_failure_s) s; reuse then recycles" \
	"about $(sumf predicted_rate) ports a second, so $(sumf failed_count) of $(sumf due) failed."
lab_stop "$LAB_SERVER_PID"
