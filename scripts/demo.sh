#!/usr/bin/env bash
# make demo: the main job on this machine. Starts an echo server on loopback, runs the
# client against it (default close, then LINGER=1), stops the server. Touches no sysctl.
set -u
cd "$(dirname "$0")/.."
bin=./twtest
server_pid=""
out=$(mktemp)
cleanup() {
	[ -n "$server_pid" ] && kill -TERM "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
	rm -f "$out"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Port 4000 as in the original, or the next free one up to 4099.
for port in $(seq 4000 4099); do
	"$bin" server --bind 127.0.0.1 --port "$port" >"$out" 2>&1 &
	server_pid=$!
	for _ in $(seq 1 50); do
		grep -q "listening on" "$out" && break 2
		kill -0 "$server_pid" 2>/dev/null || break
		sleep 0.02
	done
	wait "$server_pid" 2>/dev/null
	server_pid=""
done
[ -n "$server_pid" ] || { echo "demo: no free port in 4000-4099" >&2; exit 1; }
cat "$out"

echo
echo "\$ twtest client 127.0.0.1 3 2000 --port $port        # client closes first: TIME_WAIT on the client"
"$bin" client 127.0.0.1 3 2000 --port "$port"
echo
echo "\$ twtest client 127.0.0.1 3 2000 0 1 --port $port    # LINGER=1: RST, no TIME_WAIT"
echo "# (time_wait counts every TIME_WAIT socket toward the server: the first run's are still there)"
"$bin" client 127.0.0.1 3 2000 0 1 --port "$port"
echo
kill -TERM "$server_pid"
wait "$server_pid"
server_pid=""
tail -1 "$out"
