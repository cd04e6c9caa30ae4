# Integration tests of the closed-loop mode (twtest client --concurrency C, docs/performance.md):
# exact counts against `twtest server` and nginx for every protocol, C never exceeded (the
# client's own inflight_max and the server's peak of concurrent connections), failures
# counted by cause when the ports run out, SIGINT, and bad input. Each runs a few seconds in
# its own network namespace.
. "$(dirname "$0")/../lib.sh"

NGINX_PORT=8080

# jfield KEY LINE: the value after "KEY": in a JSON record (number, null, string or object).
jfield() { sed -n "s/.*\"$1\":\(\"[^\"]*\"\|{[^}]*}\|[^,}]*\).*/\1/p" <<<"$2" | head -1; }

# closed_ns NAME TW_REUSE: root, a fresh namespace (NS) with tcp_tw_reuse set, so that the
# TIME_WAIT and port counts are those of this test alone.
closed_ns() {
	need_root
	ns_create "$1"; NS=$LAB_NS
	lab_sysctl "$NS" net.ipv4.tcp_tw_reuse="$2" || die "cannot set tcp_tw_reuse in $NS"
}

# closed_run ARGS...: the closed-loop client in NS toward 127.0.0.1, JSON records in OUT,
# the summary in SUMMARY; fails the test unless it exits 0.
closed_run() {
	OUT=$(tmpdir)/closed.$RANDOM.json
	ip netns exec "$NS" timeout 60 "$TWTEST" client --format json "$@" 127.0.0.1 >"$OUT" ||
		die "client exit $?: $(tail -2 "$OUT")"
	SUMMARY=$(grep '"type":"summary"' "$OUT") || die "no summary: $(tail -2 "$OUT")"
}

# sum_intervals KEY: KEY summed over the interval records of OUT.
sum_intervals() {
	local line s=0
	while read -r line; do s=$((s + $(jfield "$1" "$line"))); done < <(grep '"type":"interval"' "$OUT")
	echo "$s"
}

# server_stop: stop the server and wait for its summary line.
server_stop() {
	kill -TERM "$SERVER_PID"
	wait "$SERVER_PID"
	grep -q '^twtest server: summary: accepted=' "$SERVER_OUT" || die "no server summary: $(tail -1 "$SERVER_OUT")"
}

# server_summary KEY: KEY=N of the stopped server's summary line.
server_summary() { sed -n "s/^twtest server: summary: .*\b$1=\([0-9]*\).*/\1/p" "$SERVER_OUT"; }

# Rule: against `twtest server`, --count N with C over two threads makes exactly N
# connections, all finished, none failed; the intervals add up to the summary; inflight_max
# is C (the two workers' shares reached at the start); with --close shutdown and two
# exchanges a connection the count is exact too; the server accepted exactly both counts.
test_closed_exact_counts_echo() {
	closed_ns cecho 2
	start_server --netns "$NS" --bind 127.0.0.1
	closed_run --port "$SERVER_PORT" --concurrency 20 --threads 2 --count 3000 --report-interval 100
	expect_eq "started" "$(jfield started "$SUMMARY")" 3000
	expect_eq "finished" "$(jfield finished "$SUMMARY")" 3000
	expect_eq "failed" "$(jfield failed "$SUMMARY")" 0
	expect_eq "finished over the intervals" "$(sum_intervals finished)" 3000
	expect_eq "started over the intervals" "$(sum_intervals started)" 3000
	expect_eq "inflight_max" "$(jfield inflight_max "$SUMMARY")" 20
	expect_eq "inflight at the end" "$(jfield inflight "$SUMMARY")" 0
	closed_run --port "$SERVER_PORT" --concurrency 10 --count 500 --close shutdown --requests-per-conn 2
	expect_eq "--close shutdown finished" "$(jfield finished "$SUMMARY")" 500
	expect_eq "--close shutdown failed" "$(jfield failed "$SUMMARY")" 0
	server_stop
	expect_eq "server accepted" "$(server_summary accepted)" 3500
}

# Rule: C is never exceeded: with the server closing first (--close server), a connection is
# open on the server only while it is in flight on the client, so the server's exact peak of
# concurrent connections is at most C; the client's own count of the most in flight is C.
# --duration mode: every started connection is counted as finished or failed.
test_closed_never_exceeds_c() {
	closed_ns cpeak 2
	start_server --netns "$NS" --bind 127.0.0.1 --close first
	closed_run --port "$SERVER_PORT" --concurrency 8 --duration 1 --close server --report-interval 200
	local started fin fail
	started=$(jfield started "$SUMMARY") fin=$(jfield finished "$SUMMARY") fail=$(jfield failed "$SUMMARY")
	[ "$fin" -gt 100 ] || die "finished $fin in 1 s"
	expect_eq "finished + failed" "$((fin + fail))" "$started"
	expect_eq "failed" "$fail" 0
	expect_eq "client inflight_max" "$(jfield inflight_max "$SUMMARY")" 8
	local line
	while read -r line; do
		[ "$(jfield inflight_max "$line")" -le 8 ] || die "inflight_max above 8: $line"
	done < <(grep '"type":"interval"' "$OUT")
	server_stop
	local peak; peak=$(server_summary peak_concurrent)
	[ -n "$peak" ] && [ "$peak" -le 8 ] || die "server peak_concurrent $peak, want at most 8"
	expect_eq "server accepted" "$(server_summary accepted)" "$started"
}

# Rule: against nginx, every protocol counts exactly: http with Connection: close (nginx
# closes first and holds one TIME_WAIT per connection, the client none), http over
# keep-alive (K requests per connection: N x K responses of 200), and connect.
test_closed_exact_counts_nginx() {
	closed_ns cnginx 0
	# exact TIME_WAIT counts: no stray RST may end one (tcp_rfc1337=1; closed_ns's ns_create
	# sends no FIN again); the 6.1 guest of a fresh-clone CI run saw 484 of 500 here, the
	# count docs/closing.md's late-last-ACK race leaves
	lab_sysctl "$NS" net.ipv4.tcp_rfc1337=1 || die "cannot set tcp_rfc1337 in $NS"
	nginx_up
	closed_run --port "$NGINX_PORT" --protocol http --close server --concurrency 10 --count 500
	expect_eq "http --close server finished" "$(jfield finished "$SUMMARY")" 500
	expect_eq "http --close server status" "$(jfield http_status "$SUMMARY")" '{"200":500}'
	expect_eq "client TIME_WAIT" "$(tw_count client "$NGINX_PORT" "$NS")" 0
	tw_settles "nginx TIME_WAIT" server "$NGINX_PORT" "$NS" 500
	closed_run --port "$NGINX_PORT" --protocol http --requests-per-conn 5 --concurrency 10 --threads 2 --count 200
	expect_eq "keep-alive finished" "$(jfield finished "$SUMMARY")" 200
	expect_eq "keep-alive failed" "$(jfield failed "$SUMMARY")" 0
	expect_eq "keep-alive status" "$(jfield http_status "$SUMMARY")" '{"200":1000}'
	[ "$(jfield req_per_s "$SUMMARY")" != null ] || die "no req_per_s: $SUMMARY"
	tw_settles "client TIME_WAIT" client "$NGINX_PORT" "$NS" 200
	closed_run --port "$NGINX_PORT" --protocol connect --concurrency 10 --count 300
	expect_eq "connect finished" "$(jfield finished "$SUMMARY")" 300
	expect_eq "connect failed" "$(jfield failed "$SUMMARY")" 0
}

# Rule: failures are counted by cause, never fatal: with 50 ephemeral ports and no reuse,
# exactly 50 of --count 200 connections get a port and finish, the other 150 fail as
# connect/EADDRNOTAVAIL; the summary states the first failure and the port model at the rate
# reached (50 ports over a run far faster than 50/60 s: a predicted first failure).
test_closed_failures_by_cause() {
	closed_ns cfail 0
	lab_sysctl "$NS" "net.ipv4.ip_local_port_range=40000 40049" || die "cannot set the port range"
	start_server --netns "$NS" --bind 127.0.0.1
	closed_run --port "$SERVER_PORT" --concurrency 10 --count 200
	expect_eq "started" "$(jfield started "$SUMMARY")" 200
	expect_eq "finished" "$(jfield finished "$SUMMARY")" 50
	expect_eq "failed" "$(jfield failed "$SUMMARY")" 150
	expect_eq "failed_by" "$(jfield failed_by "$SUMMARY")" '{"connect/EADDRNOTAVAIL":150}'
	[ "$(jfield first_failure_s "$SUMMARY")" != null ] || die "no first failure: $SUMMARY"
	[ "$(jfield predicted_first_failure_s "$SUMMARY")" != null ] || die "no prediction: $SUMMARY"
	expect_eq "predicted rate" "$(jfield predicted_rate "$SUMMARY")" 0.8
}

# Rule: SIGINT ends the run with the interval in progress and the summary (exit 130), and
# what it left in flight (C connections waiting on a stopped server) is counted, as
# interrupted: finished + failed = started.
test_closed_sigint() {
	need_root
	ns_create cint; NS=$LAB_NS
	start_server --netns "$NS" --bind 127.0.0.1
	# stopped, the server's kernel still accepts: every connection waits for its echo
	kill -STOP "$SERVER_PID"
	local out; out=$(tmpdir)/int.json
	ip netns exec "$NS" "$TWTEST" client --format json --concurrency 5 --duration 30 \
		--port "$SERVER_PORT" 127.0.0.1 >"$out" &
	local cpid=$!
	lab_track "$cpid"
	sleep 1.3
	kill -INT "$cpid"
	wait "$cpid"
	local rc=$?
	kill -CONT "$SERVER_PID"
	expect_eq "exit status" "$rc" 130
	local s; s=$(grep '"type":"summary"' "$out") || die "no summary: $(tail -1 "$out")"
	grep -q '"interrupted":true' <<<"$s" || die "not interrupted: $s"
	local started fin fail
	started=$(jfield started "$s") fin=$(jfield finished "$s") fail=$(jfield failed "$s")
	expect_eq "finished + failed" "$((fin + fail))" "$started"
	expect_eq "failed_by" "$(jfield failed_by "$s")" '{"interrupted":5}'
}

# Rule: bad closed-loop command lines exit 2 with one line naming the bad value or the
# conflict, and print nothing on stdout.
test_closed_bad_input() {
	local d t; d=$(tmpdir) t=$(tmpdir)/tw # expect_usage_errors runs each line with bash
	printf 'exec %q "$@"\n' "$TWTEST" >"$t"
	expect_usage_errors "$d" \
		"$t client --concurrency 0 --duration 1 127.0.0.1" \
		"$t client --concurrency 5 127.0.0.1" \
		"$t client --concurrency 5 --count 5 --duration 1 127.0.0.1" \
		"$t client --concurrency 2 --count 5 --threads 3 127.0.0.1" \
		"$t client --concurrency 2 --count 5 127.0.0.1 1 1" \
		"$t client --concurrency 2 --rate 5 --duration 1 127.0.0.1" \
		"$t client --count 5 127.0.0.1 1 1"
}

run_tests
