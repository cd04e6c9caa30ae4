#!/usr/bin/env bash
# make demo: the main job on this machine. Starts an echo server on loopback, runs the
# client against it (default close, then LINGER=1), stops the server. Touches no sysctl.
set -u
cd "$(dirname "$0")/.." || exit 2
# shellcheck source=scripts/lab.sh
. scripts/lab.sh
bin=./twtest
lab_trap

# Port 4000 as in the original, or the next free one up to 4099.
started=0
for port in $(seq 4000 4099); do
	LAB_START_MS=1000 lab_spawn_server "$bin" server --bind 127.0.0.1 --port "$port" && { started=1; break; }
done
[ "$started" = 1 ] || { echo "demo: no free port in 4000-4099" >&2; exit 1; }
cat "$LAB_SERVER_OUT"

echo
echo "\$ twtest client 127.0.0.1 3 2000 --port $port        # client closes first: TIME_WAIT on the client"
"$bin" client 127.0.0.1 3 2000 --port "$port"
echo
echo "\$ twtest client 127.0.0.1 3 2000 0 1 --port $port    # LINGER=1: RST, no TIME_WAIT"
echo "# (time_wait counts every TIME_WAIT socket toward the server: the first run's are still there)"
"$bin" client 127.0.0.1 3 2000 0 1 --port "$port"
echo
lab_stop "$LAB_SERVER_PID"
tail -1 "$LAB_SERVER_OUT"
