# Integration tests of the http client's keep-alive closes (docs/http.md, "A server that
# closes a kept-alive connection"): a connection the server closed, with a FIN or an RST,
# before any byte of a response, after it carried one or more, is no failure: the request
# goes again on a new connection, counted in `reconnects`, and `conn_requests` shows what
# each connection carried. A response cut in the middle stays response/short, and a server
# that closes connections unanswered costs at most one retry each, never a loop. Servers:
# tests/helpers/hostile.c's ka-* modes (exact counts), and Apache's event MPM under load
# when apache2 is installed (it closes kept-alive connections by itself). Each runs in the
# test's network namespace and is stopped by PID.
. "$(dirname "$0")/../lib.sh"

HOSTILE="$(dirname "$TWTEST")/hostile"
[ -x "$HOSTILE" ] || { echo "FAIL ${TW_FILE:-keepalive}: $HOSTILE not built"; exit 1; }

# ka_ns: root and a fresh namespace (LAB_NS) with tcp_tw_reuse=0, so that no connect()
# takes over a TIME_WAIT socket, and tcp_rfc1337=1, so that no RST ends one early (the
# late-ACK race of docs/closing.md: a side in LAST_ACK whose last ACK came late resends its
# FIN, and the RST that follows killed 1 of 20 TIME_WAITs here, kernel: TW=20 OutRsts=1):
# the TIME_WAIT counts are exact.
ka_ns() {
	need_root
	ns_create ka
	lab_sysctl "$LAB_NS" net.ipv4.tcp_tw_reuse=0 net.ipv4.tcp_rfc1337=1 ||
		die "cannot set tcp_tw_reuse and tcp_rfc1337 in $LAB_NS"
}

# ka_up MODE N: hostile MODE N in the namespace (MODE: ka-fin, ka-rst, ka-cut, ka-once);
# sets HPORT.
ka_up() {
	local out; out=$(tmpdir)/hostile.$1
	: >"$out"
	# not through a function: $! must be hostile's own PID (ip netns exec execs it)
	ip netns exec "$LAB_NS" "$HOSTILE" "$1" "$2" >"$out" &
	lab_track $! KILL
	lab_wait_until 2000 hostile_port "$out" || die "hostile $1 did not start"
}
hostile_port() { HPORT=$(sed -n 's/^port=//p' "$1"); [ -n "$HPORT" ]; }

# ka_run FILE ARGS...: the http client in the namespace against HPORT, bounded by 20 s;
# its output in FILE, the text summary line (if any) in SUMMARY.
ka_run() {
	local out=$1; shift
	timeout 20 ip netns exec "$LAB_NS" "$TWTEST" client --protocol http 127.0.0.1 --port "$HPORT" \
		"$@" >"$out" 2>&1 || die "client exit $?: $(tail -n 2 "$out")"
	SUMMARY=$(grep '^summary: ' "$out")
}

# expect_tw WHAT ROLE N: ROLE's TIME_WAIT toward/from HPORT reaches N (tests/lib.sh's
# tw_settles).
expect_tw() { tw_settles "$1" "$2" "$HPORT" "$LAB_NS" "$3"; }

# Rule: a server that closes every kept-alive connection with a FIN after 3 responses, the
# 4th request read: each of 2 x 50 connections of K = 4 carries 3 requests, then the 4th
# goes on a new connection (a reconnect) that carries it; no failure, 400 responses, 100
# reconnects, conn_requests 100 x 3 and 100 x 1; the server holds the TIME_WAIT of each
# connection it closed (100), the client that of each it closed (100). The same counts in
# CSV and JSON (the whole histogram).
test_fin_before_response_is_a_reconnect() {
	ka_ns
	ka_up ka-fin 3
	local d; d=$(tmpdir)
	ka_run "$d/t" 2 50 --requests-per-conn 4
	expect_eq "finished" "$(field finished_count "$SUMMARY")" 100
	expect_eq "failed_by" "$(field failed_by "$SUMMARY")" ""
	expect_eq "http_status" "$(field http_status "$SUMMARY")" "200=400"
	expect_eq "reconnects" "$(field reconnects "$SUMMARY")" 100
	expect_eq "conn_requests" "$(field conn_requests "$SUMMARY")" "min=1 p50=1 p99=3 max=3"
	expect_tw "server TIME_WAIT" server 100
	expect_tw "client TIME_WAIT" client 100
	ka_run "$d/c" 1 10 --requests-per-conn 4 --format csv
	expect_eq "csv reconnects" "$(lab_csv_get "$d/c" reconnects type=summary)" 10
	expect_eq "csv conn_requests_max" "$(lab_csv_get "$d/c" conn_requests_max type=summary)" 3
	ka_run "$d/j" 1 10 --requests-per-conn 4 --format json
	grep -q '"type":"summary".*"failed_by":{}.*"http_status":{"200":40},"reconnects":10,"conn_requests":{"min":1,"p50":1,"p99":3,"max":3,"hist":{"count":20,"min":1,"max":3,"buckets":\[\[1,10\],\[3,10\]\]}}' "$d/j" ||
		die "json: $(tail -n 1 "$d/j")"
}

# Rule: the same with the server's RST instead of its FIN (the request read, then SO_LINGER
# 0): 100 reconnects, no failure; the server holds no TIME_WAIT (an RST leaves none), the
# client 100. In rate mode and in closed-loop mode, a server closing after every response
# (K = 3): each connection reconnects twice, its 3 requests on 3 connections, none fails.
test_rst_before_response_is_a_reconnect() {
	ka_ns
	ka_up ka-rst 3
	ka_run "$(tmpdir)/t" 2 50 --requests-per-conn 4
	expect_eq "finished" "$(field finished_count "$SUMMARY")" 100
	expect_eq "failed_by" "$(field failed_by "$SUMMARY")" ""
	expect_eq "http_status" "$(field http_status "$SUMMARY")" "200=400"
	expect_eq "reconnects" "$(field reconnects "$SUMMARY")" 100
	expect_tw "client TIME_WAIT" client 100
	expect_eq "server TIME_WAIT" "$(tw_count server "$HPORT" "$LAB_NS")" 0
	ka_up ka-fin 1
	ka_run "$(tmpdir)/r" --rate 50 --duration 1 --requests-per-conn 3
	expect_eq "rate finished" "$(field finished_count "$SUMMARY")" 50
	expect_eq "rate failed_by" "$(field failed_by "$SUMMARY")" ""
	expect_eq "rate http_status" "$(field http_status "$SUMMARY")" "200=150"
	expect_eq "rate reconnects" "$(field reconnects "$SUMMARY")" 100
	expect_eq "rate conn_requests" "$(field conn_requests "$SUMMARY")" "min=1 p50=1 p99=1 max=1"
	ka_run "$(tmpdir)/l" --concurrency 10 --count 30 --requests-per-conn 3
	expect_eq "closed-loop finished" "$(field finished_count "$SUMMARY")" 30
	expect_eq "closed-loop failed_by" "$(field failed_by "$SUMMARY")" ""
	expect_eq "closed-loop http_status" "$(field http_status "$SUMMARY")" "200=90"
	expect_eq "closed-loop reconnects" "$(field reconnects "$SUMMARY")" 60
}

# Rule: a response cut in the middle (its head and 2 of 5 body bytes, then the server's FIN)
# stays a failure: 20 x response/short after 3 whole responses each, no reconnect.
test_response_cut_midway_fails() {
	ka_ns
	ka_up ka-cut 3
	ka_run "$(tmpdir)/t" 1 20 --requests-per-conn 4
	expect_eq "finished" "$(field finished_count "$SUMMARY")" 0
	expect_eq "failed_by" "$(field failed_by "$SUMMARY")" "response/short=20"
	expect_eq "http_status" "$(field http_status "$SUMMARY")" "200=60"
	expect_eq "reconnects" "$(field reconnects "$SUMMARY")" ""
}

# Rule: retries are bounded. A server that closes every connection before any response:
# each of 20 fails as response/short on its first connection, none retried (the server
# holds exactly 20 TIME_WAIT: 20 connections were made). A server that answers once on the
# first connection and closes every later one unanswered: that connection's 2nd request is
# retried once, the retry fails (response/short=1, reconnects 1, 2 connections in all).
test_server_closing_unanswered_is_bounded() {
	ka_ns
	ka_up ka-fin 0
	ka_run "$(tmpdir)/t" 1 20 --requests-per-conn 4
	expect_eq "finished" "$(field finished_count "$SUMMARY")" 0
	expect_eq "failed_by" "$(field failed_by "$SUMMARY")" "response/short=20"
	expect_eq "reconnects" "$(field reconnects "$SUMMARY")" ""
	expect_tw "server TIME_WAIT" server 20
	ka_up ka-once 1
	ka_run "$(tmpdir)/o" 1 1 --requests-per-conn 4
	expect_eq "once failed_by" "$(field failed_by "$SUMMARY")" "response/short=1"
	expect_eq "once http_status" "$(field http_status "$SUMMARY")" "200=1"
	expect_eq "once reconnects" "$(field reconnects "$SUMMARY")" 1
	expect_tw "once server TIME_WAIT" server 2
}

# apache_up: Apache httpd (event MPM, MaxKeepAliveRequests 4, a 257-byte file) in the
# namespace on 127.0.0.1:HPORT, config, pid file and logs in the test's directory; sets
# HPORT. Stopped by PID (SIGTERM, reaped) at cleanup.
apache_up() {
	local bin mods=/usr/lib/apache2/modules d
	bin=$(command -v apache2 || echo /usr/sbin/apache2)
	[ -x "$bin" ] || skip "apache2 is not installed (.ci/run installs it)"
	d=$(tmpdir)
	chmod 755 "$d" # the workers run as www-data
	mkdir -p "$d/www"
	head -c 257 /dev/zero | tr '\0' x >"$d/www/index.html"
	HPORT=8090
	cat >"$d/httpd.conf" <<-EOF
	ServerRoot $d
	ServerName localhost
	Listen 127.0.0.1:$HPORT
	LoadModule mpm_event_module $mods/mod_mpm_event.so
	LoadModule authz_core_module $mods/mod_authz_core.so
	User www-data
	Group www-data
	PidFile $d/httpd.pid
	ErrorLog $d/error.log
	DefaultRuntimeDir $d
	Mutex file:$d
	DocumentRoot $d/www
	KeepAlive On
	MaxKeepAliveRequests 4
	<Directory $d/www>
		Require all granted
	</Directory>
	EOF
	ip netns exec "$LAB_NS" "$bin" -f "$d/httpd.conf" -DFOREGROUND >"$d/httpd.out" 2>&1 </dev/null &
	lab_track $!
	lab_wait_until 5000 apache_listens ||
		die "apache2 did not start: $(cat "$d/httpd.out" "$d/error.log" 2>/dev/null | head -c 300)"
}
apache_listens() { ip netns exec "$LAB_NS" ss -Hltn "( sport = :$HPORT )" | grep -q .; }

# Rule: Apache's event MPM under load closes kept-alive connections by itself (issue 28:
# 31 of 100 failed as response/short before): 3 x 100 connections of K = 4 all finish,
# 1200 responses of 200 and no failure, whatever number of reconnects it took.
test_apache_closing_kept_alive_is_no_failure() {
	ka_ns
	apache_up
	ka_run "$(tmpdir)/t" 3 100 --requests-per-conn 4 --http-path /index.html
	expect_eq "finished" "$(field finished_count "$SUMMARY")" 300
	expect_eq "failed_by" "$(field failed_by "$SUMMARY")" ""
	expect_eq "http_status" "$(field http_status "$SUMMARY")" "200=1200"
	echo "    apache: reconnects=$(field reconnects "$SUMMARY") conn_requests=$(field conn_requests "$SUMMARY")" >&2
}

run_tests
