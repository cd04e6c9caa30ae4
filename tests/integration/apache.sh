# Integration tests of Apache httpd as a peer (issue 28): Debian's apache2 run as a plain
# process inside the test's namespace (scripts/lab_proxy.sh: its own config from
# scripts/proxy/, event MPM, -DFOREGROUND, pid file, logs and runtime dir in the test's
# directory, modules by path, stopped by PID). As a server of a file: exact counts by status
# and who holds TIME_WAIT with KeepAlive on and off, --close server and MaxKeepAliveRequests.
# As a reverse proxy: each deterministic row of scripts/proxies.sh's Apache rows
# (scripts/proxies_apache.sh). And a config error fails at once with Apache's own line.
. "$(dirname "$0")/../lib.sh"
# shellcheck source=scripts/proxies.sh
. "$(dirname "$0")/../../scripts/proxies.sh"

AP_PORT=8080

# ap_setup: root, apache2 installed (.ci/run installs it), a fresh namespace (LAB_NS) with
# tcp_tw_reuse=0 so the TIME_WAIT counts are exact.
ap_setup() {
	need_root
	command -v apache2 >/dev/null || die "apache2 is not installed (.ci/run installs it from Debian's packages)"
	ns_create ap
	lab_sysctl "$LAB_NS" net.ipv4.tcp_tw_reuse=0 || die "cannot set tcp_tw_reuse in $LAB_NS"
}

# ap_server KEEPALIVE-LINES: Apache in LAB_NS on 127.0.0.1:AP_PORT serving a 257-byte
# index.html; sets AP_PID and AP_DIR.
ap_server() {
	local www; www=$(tmpdir)/www
	mkdir -p "$www" && chmod o+rx "$www" || die "cannot make $www"
	head -c 257 /dev/zero | tr '\0' x >"$www/index.html" && chmod o+r "$www/index.html"
	lab_proxy_run "$LAB_NS" apache apache apache-server.conf "$AP_PORT" "LISTEN=127.0.0.1:$AP_PORT" \
		"KEEPALIVE=$1" "DOCROOT=$www" || die "Apache did not start"
	AP_PID=$LAB_RUN_PID AP_DIR=$LAB_RUN_DIR
}

# ap_client ARGS...: the http client in LAB_NS toward Apache; its summary line in SUMMARY.
ap_client() {
	ip netns exec "$LAB_NS" "$TWTEST" client --protocol http --http-path /index.html 127.0.0.1 --port "$AP_PORT" "$@" \
		>"$(tmpdir)/c.out" 2>"$(tmpdir)/c.err" || die "client exit $?: $(cat "$(tmpdir)/c.err")"
	SUMMARY=$(grep '^summary: ' "$(tmpdir)/c.out")
}

# ap_tw WHAT ROLE N: ROLE (client or server) comes to hold N TIME_WAIT on Apache's port
# (tests/lib.sh's tw_settles).
ap_tw() { tw_settles "$1: $2 TIME_WAIT ($SUMMARY)" "$2" "$AP_PORT" "$LAB_NS" "$3"; }

# ap_expect_counts N REQUESTS: N connections finished, none failed, REQUESTS answered 200.
ap_expect_counts() {
	expect_eq "finished" "$(field finished_count "$SUMMARY")" "$1"
	expect_eq "failed" "$(field failed_count "$SUMMARY")" 0
	expect_eq "http_status" "$(field http_status "$SUMMARY")" "200=$2"
}

# ap_ab_k N: ab -k -n N -c 1 toward Apache in LAB_NS: all N complete, none failed (else the
# test fails); AB_KEEPALIVE: its "Keep-Alive requests", AB_OPENS: the connections it opened
# (the namespace's Tcp ActiveOpens: Apache opens none).
ap_ab_k() {
	local d opens0; d=$(tmpdir)
	opens0=$(px_snmp "$LAB_NS" Tcp ActiveOpens)
	ip netns exec "$LAB_NS" ab -k -n "$1" -c 1 "http://127.0.0.1:$AP_PORT/index.html" >"$d/ab" 2>&1 || die "ab: $(tail -n 3 "$d/ab")"
	AB_OPENS=$(($(px_snmp "$LAB_NS" Tcp ActiveOpens) - opens0))
	grep -Eq "^Complete requests: +$1\$" "$d/ab" || die "ab: $(grep Complete "$d/ab")"
	grep -Eq '^Failed requests: +0$' "$d/ab" || die "ab: $(grep Failed "$d/ab")"
	AB_KEEPALIVE=$(sed -n 's/^Keep-Alive requests: *//p' "$d/ab")
}

# ap_gone: Apache stopped by its PID leaves no process and no pid file.
ap_gone() {
	lab_stop "$AP_PID"
	kill -0 "$AP_PID" 2>/dev/null && die "Apache $AP_PID still runs"
	[ -e "$AP_DIR/apache.pid" ] && die "Apache left its pid file"
	ip netns pids "$LAB_NS" | grep -q . && die "processes left in $LAB_NS: $(ip netns pids "$LAB_NS" | tr '\n' ' ')"
	return 0
}

# Rule: Apache (KeepAlive On) serving a file: every response 200, counted exactly (50
# connections x 4 requests); the client closing first holds every TIME_WAIT; with --close
# server Apache closes first and holds them, the client none; stopped by PID, nothing is left.
test_apache_server_keepalive_on() {
	ap_setup
	ap_server "KeepAlive On
MaxKeepAliveRequests 100"
	ap_client 1 50 --requests-per-conn 4
	ap_expect_counts 50 200
	ap_tw "KeepAlive On, the client closes" client 50
	expect_eq "Apache's TIME_WAIT (the client closed)" "$(tw_count server "$AP_PORT" "$LAB_NS")" 0
	ap_client 1 50 --requests-per-conn 4 --close server
	ap_expect_counts 50 200
	ap_tw "--close server" server 50
	expect_eq "client TIME_WAIT (still the first run's)" "$(tw_count client "$AP_PORT" "$LAB_NS")" 50
	ap_gone
}

# Rule: KeepAlive Off: Apache answers every request `Connection: close` and closes: ab -k
# (one connection at a time) gets no keep-alive response and opens a connection per request;
# the twtest client with --close server leaves Apache one TIME_WAIT per connection, itself none.
test_apache_server_keepalive_off() {
	command -v ab >/dev/null || die "ab is not installed (.ci/run installs apache2-utils)"
	ap_setup
	ap_server "KeepAlive Off"
	ap_client 1 50 --close server
	ap_expect_counts 50 50
	ap_tw "KeepAlive Off" server 50
	expect_eq "client TIME_WAIT" "$(tw_count client "$AP_PORT" "$LAB_NS")" 0
	ap_ab_k 30
	expect_eq "ab -k's keep-alive requests, KeepAlive Off" "$AB_KEEPALIVE" 0
	expect_eq "ab -k's connections for 30 requests, KeepAlive Off" "$AB_OPENS" 30
}

# Rule: MaxKeepAliveRequests K shows as the server closing a connection after K + 1 requests
# (the first, then K kept alive: Apache's count of keep-alives, not of requests): ab -k with
# one connection at a time makes N = 10 (K + 1) requests over exactly 10 connections, N - 10
# answered keep-alive (the last of each says Connection: close), none failed; the twtest
# client's K + 1 requests per connection are all answered 200.
test_apache_server_max_keepalive_requests() {
	command -v ab >/dev/null || die "ab is not installed (.ci/run installs apache2-utils)"
	ap_setup
	ap_server "KeepAlive On
MaxKeepAliveRequests 3"
	ap_client 1 40 --requests-per-conn 4
	ap_expect_counts 40 160
	ap_ab_k 40
	expect_eq "ab -k's keep-alive requests, K = 3" "$AB_KEEPALIVE" 30
	expect_eq "ab -k's connections for 40 requests, K = 3" "$AB_OPENS" 10
}

# px_setup_apache: root and apache2, the proxy lab's rows at P = 100 (the rows scale with P).
px_setup_apache() {
	need_root
	command -v apache2 >/dev/null || die "apache2 is not installed (.ci/run installs it from Debian's packages)"
	px_reset
	PX_P=100
}

# px_expect lt_run_row ID: the row's verdict holds; else fail with the prediction and
# measurement.
px_expect() {
	"$@" || die "$*: $LT_VERDICT; predicted: $LT_PRED; measured: $LT_RESULT"
}

# Rule: seed 000's Apache (RewriteRule [P]) and `ProxyPass disablereuse=On` before a backend
# that never closes first: P requests ok, then 503, P TIME_WAIT on the proxy toward the
# backend, and Apache's AH00957 "(99)Cannot assign requested address" line (rows a1, a4).
test_apache_proxy_out_at_p() {
	px_setup_apache
	px_expect lt_run_row a1
	px_expect lt_run_row a4
}

# Rule: a ProxyPass worker reuses its backend connections: 4P/2 requests all ok over fewer
# than P connections, no TIME_WAIT on the proxy (row a3); keepalive=On only adds TCP
# keep-alive timers (row a6).
test_apache_proxy_reuse() {
	px_setup_apache
	px_expect lt_run_row a3
	px_expect lt_run_row a6
}

# Rule: max=8 bounds the worker's pool to 8 backend connections; ttl=1 makes Apache close its
# idle connections itself, so the proxy holds their TIME_WAIT (row a5).
test_apache_proxy_max_ttl() {
	px_setup_apache
	px_expect lt_run_row a5
}

# Rule: a config error in the proxy template fails at once (no wait for a port that never
# listens) with Apache's own line naming the bad directive, and leaves no process.
test_apache_config_error_fails_clearly() {
	px_setup_apache
	PX_PROTO=http
	lab_cell_up proxy || die "cannot make a proxy cell"
	local t0 t1
	t0=$(date +%s%N)
	lab_proxy_start apache apache-proxy.conf "KEEPALIVE=KeepAlive On" "PROXY=ProxyPas / http://198.19.0.2:$PX_BPORT/" \
		"BACKEND1=198.19.0.2:$PX_BPORT" 2>"$(tmpdir)/err" && die "a bad directive started"
	t1=$(date +%s%N)
	grep -q "apache config .*ProxyPas" "$(tmpdir)/err" || die "the error does not name the directive: $(cat "$(tmpdir)/err")"
	[ $(((t1 - t0) / 1000000)) -lt "${LAB_START_MS:-5000}" ] || die "the error took $(((t1 - t0) / 1000000)) ms: it waited for the port"
	ip netns pids "$LAB_PNS" | grep -q . && die "processes left in the proxy namespace"
	return 0
}

run_tests
