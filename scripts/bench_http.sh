#!/usr/bin/env bash
# make bench, HTTP part: the twtest http client side by side with wrk and ab against the
# same nginx, and the twtest http server against that nginx under the same wrk load, on
# loopback in one throwaway network namespace (tcp_tw_reuse=1, ports 10000-65535), the
# same concurrency C for every tool, one run each, the ratios from that one run:
#   connections a second with Connection: close: twtest (--close server), wrk -H
#     'Connection: close', ab (no -k; HTTP/1.0, a connection per request);
#   requests a second over keep-alive: twtest (--requests-per-conn 100), wrk;
#   wrk's requests a second against twtest server --protocol http and against nginx.
# nginx runs as one process (master_process off: one worker) serving a 321-byte file;
# the twtest server answers with a 321-byte body too. A benchmark, not a test: it never fails
# on a speed, only when a tool errs.
#   scripts/bench_http.sh [BUILD_DIR]   (BENCH_HTTP_CONNS=50, BENCH_HTTP_SECONDS=3)
set -u
BUILD=${1:-build/release}
TW=$BUILD/twtest
C=${BENCH_HTTP_CONNS:-50}
SECS=${BENCH_HTTP_SECONDS:-3}
NGINX_PORT=8080 TW_PORT=8081
# shellcheck source=scripts/lab.sh
. "$(dirname "$0")/lab.sh"
LAB_PREFIX="twbenchhttp$$"

[ -x "$TW" ] || { echo "bench_http: $TW is not built (run make bench)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "bench_http: needs root for a network namespace" >&2; exit 1; }
for p in nginx wrk ab; do
	command -v "$p" >/dev/null || { echo "bench_http: $p is not installed (.ci/run installs it); skipped" >&2; exit 0; }
done
lab_trap
lab_tmpdir || exit 1
D=$LAB_TMP
lab_ns_add http || exit 1
NS=$LAB_NS
lab_sysctl "$NS" net.ipv4.tcp_tw_reuse=1 "net.ipv4.ip_local_port_range=10000 65535" || exit 1
x() { ip netns exec "$NS" "$@"; }

mkdir -p "$D/www" "$D/tmp"
head -c 321 /dev/zero | tr '\0' x >"$D/www/index.html"
cat >"$D/nginx.conf" <<EOF
pid $D/nginx.pid;
error_log $D/nginx.err warn;
events { worker_connections 4096; }
http {
	access_log off;
	keepalive_requests 1000000;
	client_body_temp_path $D/tmp; proxy_temp_path $D/tmp; fastcgi_temp_path $D/tmp;
	uwsgi_temp_path $D/tmp; scgi_temp_path $D/tmp;
	server { listen 127.0.0.1:$NGINX_PORT backlog=4096; root $D/www; }
}
EOF
# not through x: $! must be nginx's own PID (ip netns exec execs it), not a subshell's
ip netns exec "$NS" nginx -p "$D" -e "$D/nginx.err" -c "$D/nginx.conf" \
	-g 'daemon off; master_process off;' >"$D/nginx.out" 2>&1 </dev/null &
lab_track $!
lab_spawn_server ip netns exec "$NS" "$TW" server --protocol http --port "$TW_PORT" --bind 127.0.0.1 --payload 321 ||
	{ lab_server_err; exit 1; }
lab_wait_until 5000 bash -c "ip netns exec $NS ss -Hltn '( sport = :$NGINX_PORT )' | grep -q ." ||
	{ echo "bench_http: nginx did not start: $(head -c 300 "$D/nginx.err")" >&2; exit 1; }

fail() { echo "bench_http: $*" >&2; exit 1; }

# twtest_rate ARGS...: the client's rate from its summary: with "req", responses a second
# (http_status total over the loops' time), else finished connections a second (conn/s).
twtest_rate() {
	local what=$1; shift
	x "$TW" client "$@" --no-observe >"$D/tw.out" 2>&1 || fail "twtest client: $(tail -n 2 "$D/tw.out")"
	local s; s=$(grep '^summary: ' "$D/tw.out")
	grep -q 'failed_count: 0,' <<<"$s" || fail "twtest client failed: $s"
	if [ "$what" = req ]; then
		awk '{ t = $0; sub(/.*time\(s\): /, "", t); sub(/,.*/, "", t)
		       n = $0; sub(/.*http_status: 200=/, "", n); sub(/[ ,].*/, "", n)
		       printf "%.0f\n", n / t }' <<<"$s"
	else
		sed 's/.*conn\/s: \([0-9]*\).*/\1/' <<<"$s"
	fi
}

# wrk_rate URL [ARGS...]: wrk's requests a second; an error or a non-2xx fails the bench.
wrk_rate() {
	local url=$1; shift
	x wrk -t1 -c"$C" -d"$SECS" "$@" "$url" >"$D/wrk.out" 2>&1 || fail "wrk: $(cat "$D/wrk.out")"
	grep -Eq 'Socket errors|Non-2xx' "$D/wrk.out" && fail "wrk: $(grep -E 'Socket|Non-2xx' "$D/wrk.out")"
	sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$D/wrk.out" | awk '{printf "%.0f\n", $1}'
}

# ab_rate N: ab's requests (here connections) a second for N requests.
ab_rate() {
	x ab -q -c "$C" -n "$1" "http://127.0.0.1:$NGINX_PORT/" >"$D/ab.out" 2>&1 || fail "ab: $(tail -n 3 "$D/ab.out")"
	grep -Eq '^Failed requests: +0$' "$D/ab.out" || fail "ab: $(grep Failed "$D/ab.out")"
	grep -q 'Non-2xx' "$D/ab.out" && fail "ab: $(grep Non-2xx "$D/ab.out")"
	sed -n 's/^Requests per second: *\([0-9.]*\).*/\1/p' "$D/ab.out" | awk '{printf "%.0f\n", $1}'
}

echo "twtest http benchmark: $(nproc) cores, kernel $(uname -r), nginx $(nginx -v 2>&1 | sed 's/.*\///'),"
echo "one namespace on loopback, concurrency $C, ${SECS} s per wrk run, one run each"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews absolute figures)"
url="http://127.0.0.1:$NGINX_PORT/"
# the client's loops: about as many connections as wrk makes in SECS at its close rate
tw_close=$(twtest_rate conn 127.0.0.1 300 "$C" --protocol http --port "$NGINX_PORT" --close server)
wrk_close=$(wrk_rate "$url" -H 'Connection: close')
ab_close=$(ab_rate 15000)
tw_keep=$(twtest_rate req 127.0.0.1 20 "$C" --protocol http --port "$NGINX_PORT" --requests-per-conn 100)
wrk_keep=$(wrk_rate "$url")
srv_nginx=$wrk_keep # the same wrk load against nginx
srv_tw=$(wrk_rate "http://127.0.0.1:$TW_PORT/")
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
printf "%-60s %10s\n" "run" "per second"
printf "%-60s %10s\n" "Connection: close, twtest client --close server" "$tw_close" \
	"Connection: close, wrk -H 'Connection: close'" "$wrk_close" \
	"Connection: close, ab (no -k)" "$ab_close" \
	"keep-alive, twtest client --requests-per-conn 100" "$tw_keep" \
	"keep-alive, wrk (also: nginx, one worker, under wrk)" "$wrk_keep" \
	"server under wrk keep-alive: twtest server --protocol http" "$srv_tw"
echo
awk -v a="$tw_close" -v b="$wrk_close" -v c="$ab_close" -v d="$tw_keep" -v e="$wrk_keep" \
	-v f="$srv_tw" -v g="$srv_nginx" 'BEGIN {
	printf "twtest client / wrk, Connection: close: %.2fx (goal >= 1.0x); / ab: %.2fx\n", a / b, a / c
	printf "twtest client / wrk, keep-alive K=100:  %.2fx (goal >= 0.9x)\n", d / e
	printf "twtest server / nginx under wrk:         %.2fx\n", f / g
}'
