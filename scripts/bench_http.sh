#!/usr/bin/env bash
# make bench, HTTP part: the twtest http client side by side with wrk and ab against the
# same nginx, and the twtest http server against that nginx under the same wrk load, on
# loopback in one throwaway network namespace (tcp_tw_reuse=1, ports 10000-65535), the
# same concurrency C and the same time for every tool, ROUNDS rounds with the tools
# interleaved (A B A B A B, scripts/bench_pairs.sh), the median ratio with its spread:
#   connections a second with Connection: close: twtest's closed loop (--concurrency C
#     --close server: C in flight, each replaced as it ends), wrk -H 'Connection: close',
#     ab (no -k; HTTP/1.0, a connection per request); and twtest's loops (LOOPS x C, each
#     loop waiting for its slowest connection) as their own row, with the barrier's cost:
#     the time per loop against the median connection's;
#   requests a second over keep-alive: twtest (--concurrency C --requests-per-conn 100), wrk;
#   wrk's requests a second against twtest server --protocol http and against nginx.
# nginx runs as one process (master_process off: one worker) serving a 321-byte file;
# the twtest server answers with a 321-byte body too. A benchmark, not a test: it never fails
# on a speed, only when a tool errs.
#   scripts/bench_http.sh [BUILD_DIR]   (BENCH_HTTP_CONNS=50, BENCH_HTTP_SECONDS=3,
#   BENCH_HTTP_ROUNDS=3)
set -u
BUILD=${1:-build/release}
TW=$BUILD/twtest
C=${BENCH_HTTP_CONNS:-50}
SECS=${BENCH_HTTP_SECONDS:-3}
ROUNDS=${BENCH_HTTP_ROUNDS:-3}
NGINX_PORT=8080 TW_PORT=8081
# shellcheck source=scripts/lab.sh
. "$(dirname "$0")/lab.sh"
# shellcheck source=scripts/bench_pairs.sh
. "$(dirname "$0")/bench_pairs.sh"
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

# twtest_closed WHAT ARGS...: the closed-loop client's summary figure: conn (conn/s,
# finished connections over the run's time) or req (req_per_s, responses a second).
twtest_closed() {
	local what=$1; shift
	x "$TW" client --concurrency "$C" --duration "$SECS" "$@" --no-observe 127.0.0.1 >"$D/tw.out" 2>&1 ||
		fail "twtest client: $(tail -n 2 "$D/tw.out")"
	local s; s=$(grep '^summary: ' "$D/tw.out")
	grep -q 'failed_count: 0,' <<<"$s" || fail "twtest client failed: $s"
	if [ "$what" = req ]; then
		sed 's/.*req_per_s: \([0-9]*\).*/\1/' <<<"$s"
	else
		sed 's/.*conn\/s: \([0-9]*\).*/\1/' <<<"$s"
	fi
}

# twtest_loops LOOPS: the loop client (LOOPS loops of C) as "conn/s loop_ms conn_p50_ms":
# its rate, the time a loop took on average and the median connection's time.
twtest_loops() {
	x "$TW" client 127.0.0.1 "$1" "$C" --protocol http --port "$NGINX_PORT" --close server \
		--no-observe >"$D/loop.out" 2>&1 || fail "twtest client: $(tail -n 2 "$D/loop.out")"
	local s; s=$(grep '^summary: ' "$D/loop.out")
	grep -q 'failed_count: 0,' <<<"$s" || fail "twtest client failed: $s"
	awk -v loops="$1" '{ t = $0; sub(/.*time\(s\): /, "", t); sub(/,.*/, "", t)
		r = $0; sub(/.*conn\/s: /, "", r); sub(/[ ,].*/, "", r)
		p = $0; sub(/.*conn_us: [^,]*p50=/, "", p); sub(/[ ,].*/, "", p)
		printf "%d %.3f %.3f\n", r, t * 1000 / loops, p / 1000 }' <<<"$s"
}

# wrk_rate URL [ARGS...]: wrk's requests a second; an error or a non-2xx fails the bench.
wrk_rate() {
	local url=$1; shift
	x wrk -t1 -c"$C" -d"$SECS" "$@" "$url" >"$D/wrk.out" 2>&1 || fail "wrk: $(cat "$D/wrk.out")"
	grep -Eq 'Socket errors|Non-2xx' "$D/wrk.out" && fail "wrk: $(grep -E 'Socket|Non-2xx' "$D/wrk.out")"
	sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$D/wrk.out" | awk '{printf "%.0f\n", $1}'
}

# ab_rate: ab's requests (here connections) a second over SECS seconds.
ab_rate() {
	x ab -q -c "$C" -t "$SECS" -n 10000000 "http://127.0.0.1:$NGINX_PORT/" >"$D/ab.out" 2>&1 ||
		fail "ab: $(tail -n 3 "$D/ab.out")"
	grep -Eq '^Failed requests: +0$' "$D/ab.out" || fail "ab: $(grep Failed "$D/ab.out")"
	grep -q 'Non-2xx' "$D/ab.out" && fail "ab: $(grep Non-2xx "$D/ab.out")"
	sed -n 's/^Requests per second: *\([0-9.]*\).*/\1/p' "$D/ab.out" | awk '{printf "%.0f\n", $1}'
}

echo "twtest http benchmark: $(nproc) cores, kernel $(uname -r), nginx $(nginx -v 2>&1 | sed 's/.*\///'),"
echo "one namespace on loopback, concurrency $C, ${SECS} s per run, $ROUNDS rounds, tools interleaved"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews absolute figures)"
url="http://127.0.0.1:$NGINX_PORT/"
pairs_init "$D/pairs"
for r in $(seq 1 "$ROUNDS"); do
	pairs_add close twtest "$r" "$(twtest_closed conn --protocol http --port "$NGINX_PORT" --close server)"
	pairs_add close wrk "$r" "$(wrk_rate "$url" -H 'Connection: close')"
	pairs_add close ab "$r" "$(ab_rate)"
	# the loops: about as many connections as the closed loop made in SECS
	loops=$(awk -v g=close -v r="$r" '$1 == g && $2 == "twtest" && $3 == r { n = int($4 * '"$SECS"' / '"$C"'); print n < 1 ? 1 : n }' "$D/pairs")
	read -r lrate lms lp50 < <(twtest_loops "$loops")
	pairs_add close loops "$r" "$lrate"
	pairs_add loop loop_ms "$r" "$lms"
	pairs_add loop conn_p50_ms "$r" "$lp50"
done
for r in $(seq 1 "$ROUNDS"); do
	pairs_add keep twtest "$r" "$(twtest_closed req --protocol http --port "$NGINX_PORT" --requests-per-conn 100)"
	pairs_add keep wrk "$r" "$(wrk_rate "$url")"
done
for r in $(seq 1 "$ROUNDS"); do
	pairs_add server twtest "$r" "$(wrk_rate "http://127.0.0.1:$TW_PORT/")"
	pairs_add server nginx "$r" "$(wrk_rate "$url")"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
printf "%-58s %10s %17s\n" "run" "median/s" "min-max"
pairs_figure close twtest "Connection: close, twtest client --concurrency $C --close server"
pairs_figure close wrk "Connection: close, wrk -t1 -c$C -H 'Connection: close'"
pairs_figure close ab "Connection: close, ab -c$C (no -k)"
pairs_figure close loops "Connection: close, twtest client loops of $C (barrier)"
pairs_figure keep twtest "keep-alive, twtest client --concurrency $C --requests-per-conn 100"
pairs_figure keep wrk "keep-alive, wrk -t1 -c$C"
pairs_figure server twtest "server under wrk keep-alive: twtest server --protocol http"
pairs_figure server nginx "server under wrk keep-alive: nginx, one worker"
echo
pairs_ratio close twtest wrk "twtest closed loop / wrk, Connection: close" "(goal >= 1.0x)"
pairs_ratio close twtest ab "twtest closed loop / ab, Connection: close"
pairs_ratio keep twtest wrk "twtest closed loop / wrk, keep-alive K=100" "(goal >= 1.0x)"
pairs_ratio close loops twtest "twtest loops / closed loop, Connection: close" "(the barrier's cost)"
awk '$1 == "loop" { s[$2] = s[$2] " " $4 } END {
	n = split(s["loop_ms"], a, " "); split(s["conn_p50_ms"], b, " ")
	for (i = 1; i <= n; i++) printf "%s%.2f/%.2f", (i > 1 ? ", " : ""), a[i], b[i]
	printf "\n" }' "$D/pairs" | sed 's/^/twtest loops: time per loop \/ median connection, ms, per round: /'
pairs_ratio server twtest nginx "twtest server / nginx under wrk"
