# Integration tests of --protocol connect|http (docs/http.md): the http client against real
# servers (nginx serving a file, nginx proxying to `twtest server --protocol http`), real
# clients (wrk, ab) against `twtest server --protocol http`, the connect client against
# nginx's port, the echo client through haproxy mode tcp, and every kind of broken or odd
# response from tests/helpers/hostile.c, each counted by its stage and cause. Real peers run
# inside the test's network namespace, with config, pid file and logs in its temporary
# directory, and are stopped by PID at cleanup (.ci/run installs them).
. "$(dirname "$0")/../lib.sh"

HOSTILE="$(dirname "$TWTEST")/hostile"
[ -x "$HOSTILE" ] || { echo "FAIL ${TW_FILE:-http}: $HOSTILE not built"; exit 1; }
NGINX_PORT=8080

# in_ns CMD...: run CMD in the test's namespace.
in_ns() { ip netns exec "$LAB_NS" "$@"; }

# http_ns: root and a fresh namespace (LAB_NS) with loopback up and tcp_tw_reuse=0, so that
# no connect() takes over a TIME_WAIT socket and the TIME_WAIT counts are exact.
http_ns() {
	need_root
	ns_create http
	lab_sysctl "$LAB_NS" net.ipv4.tcp_tw_reuse=0 || die "cannot set tcp_tw_reuse in $LAB_NS"
}

# expect_tw WHAT ROLE PORT N: ROLE's TIME_WAIT toward/from PORT in the namespace reaches N
# (tests/lib.sh's tw_settles).
expect_tw() { tw_settles "$1" "$2" "$3" "$LAB_NS" "$4"; }

# client_run ARGS...: run the client in the namespace; its output in $(tmpdir)/c.out,
# the text summary line (if any) in SUMMARY.
client_run() {
	in_ns "$TWTEST" client "$@" >"$(tmpdir)/c.out" 2>"$(tmpdir)/c.err" ||
		die "client exit $?: $(cat "$(tmpdir)/c.err")"
	SUMMARY=$(grep '^summary: ' "$(tmpdir)/c.out")
}

# server_http_line: the server's "http: requests=N responses: ..." summary line.
server_http_line() { sed -n 's/^twtest server: http: //p' "$SERVER_OUT"; }

# Rule: the http client against nginx serving a file: every response is 200 and counted
# exactly (loops x conns x K), none fails; req_us is reported; with --close server nginx
# closes first, so the client holds no TIME_WAIT and nginx holds one per connection.
test_http_client_against_nginx() {
	http_ns
	# No stray RST may end a TIME_WAIT (tcp_rfc1337=1; ns_create sends no FIN again): a
	# fresh-clone CI run under load saw 285 of 300 client TIME_WAITs here, the count
	# docs/closing.md's late-last-ACK race leaves. (Not in http_ns: the connect test counts an
	# RST as a connection's end, which rfc1337=1 keeps in TIME_WAIT too.)
	lab_sysctl "$LAB_NS" net.ipv4.tcp_rfc1337=1 || die "cannot set tcp_rfc1337 in $LAB_NS"
	nginx_up
	client_run --protocol http 127.0.0.1 1 100 --port "$NGINX_PORT" --close server
	expect_eq "finished with --close server" "$(field finished_count "$SUMMARY")" 100
	expect_eq "client TIME_WAIT with --close server" "$(tw_count client "$NGINX_PORT" "$LAB_NS")" 0
	expect_tw "nginx TIME_WAIT with --close server" server "$NGINX_PORT" 100
	client_run --protocol http 127.0.0.1 3 100 --port "$NGINX_PORT" --requests-per-conn 5
	expect_eq "finished" "$(field finished_count "$SUMMARY")" 300
	expect_eq "failed" "$(field failed_count "$SUMMARY")" 0
	expect_eq "http_status" "$(field http_status "$SUMMARY")" "200=1500"
	[ -n "$(field req_us "$SUMMARY")" ] || die "no req_us: $SUMMARY"
	expect_tw "client TIME_WAIT" client "$NGINX_PORT" 300
	client_run --protocol http 127.0.0.1 1 50 --port "$NGINX_PORT" --format json
	grep -q '"type":"summary".*"finished":50,"failed":0,.*"http_status":{"200":50}' "$(tmpdir)/c.out" ||
		die "json summary: $(tail -n 1 "$(tmpdir)/c.out")"
}

# Rule: through nginx (proxy_pass) to `twtest server --protocol http`: every response 200,
# and the backend answered exactly the requests the client made.
test_http_through_nginx_proxy() {
	http_ns
	start_server --netns "$LAB_NS" --protocol http --bind 127.0.0.1
	nginx_up "$SERVER_PORT"
	client_run --protocol http --http-path /up/x 127.0.0.1 2 50 --port "$NGINX_PORT" --requests-per-conn 4
	expect_eq "finished" "$(field finished_count "$SUMMARY")" 100
	expect_eq "http_status" "$(field http_status "$SUMMARY")" "200=400"
	stop_server
	expect_eq "backend" "$(server_http_line)" "requests=400 responses: 200=400"
}

# Rule: wrk and ab against `twtest server --protocol http` see no error and no non-2xx
# response; ab's request count equals the server's exactly (with and without keep-alive:
# without it the server closes first after each response); wrk's differs from the server's
# only by the requests still in flight when it stopped (at most one per connection).
test_wrk_and_ab_against_server() {
	need_peer wrk
	need_peer ab
	http_ns
	start_server --netns "$LAB_NS" --protocol http --bind 127.0.0.1
	local d; d=$(tmpdir)
	in_ns ab -q -n 2000 -c 10 "http://127.0.0.1:$SERVER_PORT/" >"$d/ab1" 2>&1 || die "ab: $(tail -n 3 "$d/ab1")"
	in_ns ab -q -k -n 2000 -c 10 "http://127.0.0.1:$SERVER_PORT/" >"$d/ab2" 2>&1 || die "ab -k: $(tail -n 3 "$d/ab2")"
	local f
	for f in ab1 ab2; do
		grep -Eq '^Complete requests: +2000$' "$d/$f" || die "$f: $(grep -E 'Complete|Failed' "$d/$f")"
		grep -Eq '^Failed requests: +0$' "$d/$f" || die "$f: $(grep Failed "$d/$f")"
		grep -q 'Non-2xx' "$d/$f" && die "$f: $(grep Non-2xx "$d/$f")"
	done
	grep -Eq '^Keep-Alive requests: +2000$' "$d/ab2" || die "ab -k: $(grep Keep-Alive "$d/ab2")"
	in_ns wrk -t1 -c10 -d1 "http://127.0.0.1:$SERVER_PORT/" >"$d/wrk" 2>&1 || die "wrk: $(cat "$d/wrk")"
	grep -Eq 'Socket errors|Non-2xx' "$d/wrk" && die "wrk: $(grep -E 'Socket|Non-2xx' "$d/wrk")"
	local wrk_n; wrk_n=$(sed -n 's/^ *\([0-9]*\) requests in .*/\1/p' "$d/wrk")
	[ "${wrk_n:-0}" -gt 0 ] || die "wrk made no request: $(cat "$d/wrk")"
	stop_server
	local line; line=$(server_http_line)
	local n; n=$(sed -n 's/^requests=\([0-9]*\) .*/\1/p' <<<"$line")
	expect_eq "server responses" "$line" "requests=$n responses: 200=$n"
	local extra=$((n - 4000 - wrk_n))
	[ "$extra" -ge 0 ] && [ "$extra" -le 10 ] ||
		die "server answered $n, ab 4000 + wrk $wrk_n (in flight at wrk's end: $extra, at most 10)"
	grep -q 'closed_first=2000 ' "$SERVER_OUT" || die "server did not close first after ab's 2000: $(grep summary "$SERVER_OUT")"
}

# out_rsts: the namespace's Tcp OutRsts counter (/proc/net/snmp): RSTs sent by anyone in it.
out_rsts() {
	in_ns awk '$1 == "Tcp:" { if (!n) { for (i = 2; i <= NF; i++) col[$i] = i; n = 1 } else print $col["OutRsts"] }' \
		/proc/net/snmp
}

# closes_settled N RSTS0: the client's TIME_WAIT toward nginx plus the RSTs sent since RSTS0
# come to N: every connection has ended one way or the other.
closes_settled() { [ $(($(tw_count client "$NGINX_PORT" "$LAB_NS") + $(out_rsts) - $2)) = "$1" ]; }

# Rule: the connect client against nginx's port finishes every connection once connect()
# completes and sends nothing; closing first, each connection then ends in the client's
# TIME_WAIT once nginx closes too, or without one when nginx resets it instead (nginx 1.22
# does so for a few in a hundred: counted as the namespace's RSTs, the client sends none);
# no http field appears; with --linger no TIME_WAIT is added.
test_connect_against_nginx() {
	http_ns
	nginx_up
	local r0; r0=$(out_rsts)
	client_run --protocol connect 127.0.0.1 2 100 --port "$NGINX_PORT"
	expect_eq "finished" "$(field finished_count "$SUMMARY")" 200
	expect_eq "failed" "$(field failed_count "$SUMMARY")" 0
	lab_wait_until "$SETTLE_MS" closes_settled 200 "$r0" ||
		die "client TIME_WAIT $(tw_count client "$NGINX_PORT" "$LAB_NS") + RSTs $(($(out_rsts) - r0)), want 200"
	grep -q 'http_status' "$(tmpdir)/c.out" && die "http fields in a connect run"
	grep -q '^# protocol=connect$' "$(tmpdir)/c.out" || die "no protocol line"
	local tw; tw=$(tw_count client "$NGINX_PORT" "$LAB_NS")
	client_run --protocol connect --linger 127.0.0.1 1 100 --port "$NGINX_PORT"
	expect_eq "finished with --linger" "$(field finished_count "$SUMMARY")" 100
	expect_eq "client TIME_WAIT after --linger" "$(tw_count client "$NGINX_PORT" "$LAB_NS")" "$tw"
}

# Rule: the echo client through haproxy mode tcp to a `twtest server` echoes byte for byte:
# every connection finishes.
test_echo_through_haproxy_tcp() {
	need_peer haproxy
	http_ns
	start_server --netns "$LAB_NS" --bind 127.0.0.1
	local d; d=$(tmpdir) front=$((SERVER_PORT + 1))
	cat >"$d/haproxy.cfg" <<-EOF
	global
		maxconn 2000
		pidfile $d/haproxy.pid
	defaults
		mode tcp
		timeout connect 5s
		timeout client 30s
		timeout server 30s
	frontend front
		bind 127.0.0.1:$front
		default_backend back
	backend back
		server s1 127.0.0.1:$SERVER_PORT
	EOF
	ip netns exec "$LAB_NS" haproxy -db -f "$d/haproxy.cfg" >"$d/haproxy.out" 2>&1 </dev/null &
	local pid=$!
	lab_track "$pid"
	# until it listens or exits: under emulation (the 6.1 guest) haproxy took more than 5 s
	# to listen, and said nothing meanwhile
	lab_wait_until 30000 lab_proxy_listening "$LAB_NS" "$front" "$pid"
	port_listens "$front" || die "haproxy did not start ($(kill -0 "$pid" 2>/dev/null &&
		echo running || echo exited)): $(head -c 300 "$d/haproxy.out")"
	client_run 127.0.0.1 2 100 --port "$front" --payload 1000
	expect_eq "finished" "$(field finished_count "$SUMMARY")" 200
	expect_eq "failed" "$(field failed_count "$SUMMARY")" 0
}

# hostile_up MODE: a misbehaving HTTP server from tests/helpers/hostile.c (host loopback);
# sets HPORT.
hostile_up() {
	local out; out=$(tmpdir)/hostile.$1
	: >"$out" # exists before the background job opens it
	"$HOSTILE" "$1" >"$out" &
	lab_track $! KILL
	lab_wait_until 2000 hostile_port "$out" || die "hostile $1 did not start"
}
hostile_port() { HPORT=$(sed -n 's/^port=//p' "$1"); [ -n "$HPORT" ]; }

# hostile_case MODE WANT_FINISHED WANT_FAILED_BY WANT_STATUS ARGS...: 20 connections against
# hostile MODE: finished, failed_by and http_status of the summary are as wanted ("" for
# none), and the run ended before its deadline passed twice.
hostile_case() {
	local mode=$1 fin=$2 by=$3 st=$4; shift 4
	hostile_up "$mode"
	local out; out=$(tmpdir)/c.$mode
	timeout 20 "$TWTEST" client --protocol http 127.0.0.1 1 20 --port "$HPORT" "$@" >"$out" 2>&1 ||
		die "$mode: client exit $?: $(tail -n 2 "$out")"
	local s; s=$(grep '^summary: ' "$out")
	expect_eq "$mode: finished" "$(field finished_count "$s")" "$fin"
	expect_eq "$mode: failed_by" "$(field failed_by "$s")" "$by"
	expect_eq "$mode: http_status" "$(field http_status "$s")" "$st"
}

# Rule: chunked, close-delimited and HTTP/1.0 responses are whole responses (finished,
# counted 200); a 502 fails as status/502; garbage as response/EPROTO; a head over
# --max-response as response/EMSGSIZE; a body cut short by the close as response/short; a
# server that stops mid-body as timeout/response at --timeout. Never a crash or a hang.
test_http_responses_odd_and_broken() {
	hostile_case http-chunked 20 "" "200=60" --requests-per-conn 3
	hostile_case http-close 20 "" "200=20" --requests-per-conn 2
	hostile_case http10 20 "" "200=20" --requests-per-conn 2
	hostile_case http-502 0 "status/502=20" "502=20"
	hostile_case http-garbage 0 "response/EPROTO=20" ""
	hostile_case http-bighead 0 "response/EMSGSIZE=20" "" --max-response 16k
	hostile_case http-truncated 0 "response/short=20" ""
	hostile_case http-stall 0 "timeout/response=20" "" --timeout 300
}

# Rule: the same in rate mode and in JSON and CSV: status/502 counted by cause, the status
# counts as a JSON object and as a CSV column.
test_http_formats() {
	hostile_up http-502
	local d; d=$(tmpdir)
	"$TWTEST" client --protocol http 127.0.0.1 1 10 --port "$HPORT" --format json >"$d/j" || die "json exit $?"
	grep -q '"type":"summary".*"failed_by":{"status/502":10}.*"http_status":{"502":10}' "$d/j" ||
		die "json: $(tail -n 1 "$d/j")"
	"$TWTEST" client --protocol http 127.0.0.1 1 10 --port "$HPORT" --format csv >"$d/c" || die "csv exit $?"
	local col; col=$(lab_csv_get "$d/c" http_status type=summary)
	expect_eq "csv http_status" "$col" "502=10"
	"$TWTEST" client --protocol http --rate 50 --duration 1 127.0.0.1 --port "$HPORT" >"$d/r" || die "rate exit $?"
	local s; s=$(grep '^summary: ' "$d/r")
	expect_eq "rate failed_by" "$(field failed_by "$s")" "status/502=50"
}

# raw PORT REQUEST: send REQUEST to 127.0.0.1:PORT and print what comes back until the
# server closes (at most 3 s).
raw() {
	timeout 3 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"; printf "%b" "$2" >&3; cat <&3' _ "$1" "$2"
}

# Rule: `twtest server --protocol http` answers pipelined requests in order and closes
# after the one that says Connection: close; HTTP/1.0 without keep-alive gets one response
# and a close; a request body is dropped, not taken for a request; a malformed head gets
# 400 and a head over 8 KiB 431, each with a close; the summary counts them all.
test_server_http_rules() {
	start_server --protocol http --payload 5 --bind 127.0.0.1
	local p=$SERVER_PORT out
	out=$(raw "$p" 'GET /a HTTP/1.1\r\nHost: x\r\n\r\nPOST /b HTTP/1.1\r\nContent-Length: 4\r\n\r\nGET GET /c HTTP/1.1\r\nConnection: close\r\n\r\nGET /d HTTP/1.1\r\n\r\n')
	expect_eq "pipelined responses" "$(grep -o 'HTTP/1.1 200 OK' <<<"$out" | wc -l)" 3
	expect_eq "last says close" "$(grep -c '^Connection: close' <<<"$out")" 1
	out=$(raw "$p" 'GET / HTTP/1.0\r\n\r\nGET / HTTP/1.0\r\n\r\n')
	expect_eq "HTTP/1.0 responses" "$(grep -o 'HTTP/1.1 200 OK' <<<"$out" | wc -l)" 1
	out=$(raw "$p" 'GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET / HTTP/1.1\r\nConnection: close\r\n\r\n')
	expect_eq "HTTP/1.0 keep-alive responses" "$(grep -o 'HTTP/1.1 200 OK' <<<"$out" | wc -l)" 2
	out=$(raw "$p" 'GET / HTTP/1.1\r\nBad Header: x\r\n\r\n')
	grep -q '^HTTP/1.1 400 Bad Request' <<<"$out" || die "malformed head: $out"
	out=$(raw "$p" "GET / HTTP/1.1\r\nX: $(head -c 9000 /dev/zero | tr '\0' a)\r\n\r\n")
	grep -q '^HTTP/1.1 431 ' <<<"$out" || die "large head: $out"
	stop_server
	expect_eq "server summary" "$(server_http_line)" "requests=6 responses: 200=6 400=1 431=1"
}

# Rule: the http client with --close server against `twtest server --protocol http`: the
# K-th request says Connection: close, the server closes first and holds every TIME_WAIT,
# the client none; the server answered loops x conns x K requests (two threads on each side,
# their counts added up).
test_http_close_server_order() {
	http_ns
	start_server --netns "$LAB_NS" --protocol http --bind 127.0.0.1 --threads 2
	client_run --protocol http 127.0.0.1 2 50 --port "$SERVER_PORT" --requests-per-conn 3 --close server \
		--threads 2
	expect_eq "finished" "$(field finished_count "$SUMMARY")" 100
	expect_eq "client TIME_WAIT" "$(tw_count client "$SERVER_PORT" "$LAB_NS")" 0
	expect_tw "server TIME_WAIT" server "$SERVER_PORT" 100
	stop_server
	expect_eq "server" "$(server_http_line)" "requests=300 responses: 200=300"
}

# Rule: bad HTTP options are usage errors (exit 2, one line): an option of --protocol http
# without it, a bad path or host, a bad bound, --payload with connect/http, a close scenario
# with --protocol http, an http-only server option with echo's scenario options.
test_http_bad_input() {
	local t; t=$(tmpdir)/tw # expect_usage_errors runs each line with bash
	printf 'exec %q "$@"\n' "$TWTEST" >"$t"
	expect_usage_errors "$(tmpdir)" \
		"$t client --http-path /x 127.0.0.1 1 1" \
		"$t client --protocol http --http-path x 127.0.0.1 1 1" \
		"$t client --http-host h 127.0.0.1 1 1" \
		"$t client --protocol http --max-response 0 127.0.0.1 1 1" \
		"$t client --protocol http --max-response 65m 127.0.0.1 1 1" \
		"$t client --protocol gopher 127.0.0.1 1 1" \
		"$t client --protocol http --payload 10 127.0.0.1 1 1" \
		"$t client --protocol connect --requests-per-conn 2 127.0.0.1 1 1" \
		"$t client --protocol http --sequential 127.0.0.1 1 1" \
		"$t server --protocol http --greeting hi" \
		"$t server --protocol ftp"
}

run_tests
