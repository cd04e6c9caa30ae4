# Integration tests of the rate mode (twtest client --rate R --duration S): the open-loop
# schedule, exhaustion at the second the port model predicts, the remedies that prevent
# it, timeouts, latency counted from the due time, and SIGINT.
. "$(dirname "$0")/../lib.sh"

# jfield KEY LINE: the value after "KEY": in a JSON record (number, null or string).
jfield() { sed -n "s/.*\"$1\":\(\"[^\"]*\"\|[^,}]*\).*/\1/p" <<<"$2" | head -1; }

# rate_ns NAME TW_REUSE: a namespace with a server on 127.0.0.1; sets NS.
rate_ns() {
	ns_create "$1"; NS=$LAB_NS
	ip netns exec "$NS" sysctl -qw net.ipv4.tcp_tw_reuse="$2"
	start_server --netns "$NS" --bind 127.0.0.1
}

# rate_veth TW_REUSE: a veth cell (client and server namespaces) with the server started;
# sets NS (the client's) and DST.
rate_veth() {
	lab_cell_up veth || die "no veth cell"
	NS=$LAB_CNS DST=$LAB_DST
	ip netns exec "$NS" sysctl -qw net.ipv4.tcp_tw_reuse="$1"
	start_server --netns "$LAB_SNS" --bind "$DST"
}

# rate_run ARGS...: run the client in NS against the server (at DST, default 127.0.0.1),
# JSON records in $RATE_OUT.
rate_run() {
	RATE_OUT=$(tmpdir)/rate.$RANDOM.json
	ip netns exec "$NS" timeout 60 "$TWTEST" client --port "$SERVER_PORT" --format json "$@" \
		"${DST:-127.0.0.1}" >"$RATE_OUT" || die "client exit $?: $(tail -2 "$RATE_OUT")"
	SUMMARY=$(grep '"type":"summary"' "$RATE_OUT") || die "no summary: $(tail -2 "$RATE_OUT")"
}

# Rule: over the whole run finished + failed = due = R x S, and every interval record has
# due = started + shed.
test_rate_counts_add_up() {
	need_root
	rate_ns rcount 2
	rate_run --rate 200 --duration 2 --report-interval 500
	local due fin fail
	due=$(jfield due "$SUMMARY") fin=$(jfield finished "$SUMMARY") fail=$(jfield failed "$SUMMARY")
	expect_eq "due" "$due" 400
	expect_eq "finished + failed" "$((fin + fail))" 400
	expect_eq "intervals" "$(grep -c '"type":"interval"' "$RATE_OUT")" "$(jfield intervals "$SUMMARY")"
	local line
	while read -r line; do
		expect_eq "due = started in $line" "$(jfield due "$line")" "$(jfield started "$line")"
	done < <(grep '"type":"interval"' "$RATE_OUT")
}

# Rule (port model): across veth, P = 100 ports, reuse off, R = 50/s (30 x P/60): nothing
# fails before P/R = 2 s, then connect() fails with EADDRNOTAVAIL; the first failure comes
# within 0.25 s of the prediction (margin for scheduling on a loaded 2-core machine).
test_rate_exhaustion_at_P_over_R() {
	need_root
	rate_veth 0
	rate_run --rate 50 --duration 4 --local-port-range 40000-40099
	expect_eq "predicted first failure" "$(jfield predicted_first_failure_s "$SUMMARY")" 2.000
	expect_eq "finished" "$(jfield finished "$SUMMARY")" 100
	expect_eq "failed_by" "$(grep -o '"failed_by":{[^}]*}' <<<"$SUMMARY")" \
		'"failed_by":{"connect/EADDRNOTAVAIL":100}'
	local t; t=$(jfield first_failure_s "$SUMMARY")
	awk -v t="$t" 'BEGIN { exit !(t >= 1.99 && t <= 2.25) }' || die "first failure at $t s, want 2.0"
}

# Rule: with --linger (RST, no TIME_WAIT) the same run never runs out of ports.
test_rate_linger_never_fails() {
	need_root
	rate_ns rlin 0
	rate_run --rate 50 --duration 4 --local-port-range 40000-40099 --linger
	expect_eq "failed" "$(jfield failed "$SUMMARY")" 0
	expect_eq "finished" "$(jfield finished "$SUMMARY")" 200
	expect_eq "predicted rate" "$(jfield predicted_rate "$SUMMARY")" null
}

# Rule: with tcp_tw_reuse=1 and R well below P per reuse delay (30/s against 100 ports per
# 1 s), nothing fails though 120 connections pass through 100 ports, and the kernel counts
# the reuse (TWRecycled).
test_rate_reuse_sustains() {
	need_root
	rate_ns rreu 1
	rate_run --rate 30 --duration 4 --local-port-range 40000-40099
	expect_eq "failed" "$(jfield failed "$SUMMARY")" 0
	expect_eq "finished" "$(jfield finished "$SUMMARY")" 120
	local recycled; recycled=$(grep -o '"TWRecycled":[0-9]*' <<<"$SUMMARY" | cut -d: -f2)
	[ "${recycled:-0}" -ge 20 ] || die "TWRecycled=$recycled, want at least 20"
}

# Rule: against a server that never answers (stopped), every connection ends at --timeout,
# counted as timeout/echo, and the run ends about --timeout after the schedule.
test_rate_silent_server_times_out() {
	need_root
	rate_ns rsil 2
	lab_defer kill -CONT "$SERVER_PID" # a stopped server would not die at cleanup
	kill -STOP "$SERVER_PID"
	rate_run --rate 20 --duration 1 --timeout 300
	kill -CONT "$SERVER_PID"
	expect_eq "failed_by" "$(grep -o '"failed_by":{[^}]*}' <<<"$SUMMARY")" '"failed_by":{"timeout/echo":20}'
	local t; t=$(jfield t_s "$SUMMARY")
	awk -v t="$t" 'BEGIN { exit !(t >= 1.2 && t < 2.5) }' || die "run took $t s"
}

# Rule: latency counts from the due time: a server that stops for 1 s shows it in the
# conn_us maximum of the intervals after (at least 0.8 s), though each connection only
# started when due.
test_rate_pause_shows_in_latency() {
	need_root
	rate_ns rpau 2
	RATE_OUT=$(tmpdir)/pause.json
	ip netns exec "$NS" timeout 60 "$TWTEST" client --rate 100 --duration 4 --port "$SERVER_PORT" \
		--format json 127.0.0.1 >"$RATE_OUT" &
	local cpid=$!
	lab_track "$cpid" # stopped at cleanup if the test ends early
	sleep 1.2
	lab_defer kill -CONT "$SERVER_PID" # a stopped server would not die at cleanup
	kill -STOP "$SERVER_PID"; sleep 1; kill -CONT "$SERVER_PID"
	wait "$cpid" || die "client exit $?"
	local max
	max=$(grep '"type":"interval"' "$RATE_OUT" | grep -o '"conn_us":{[^}]*}' |
		sed 's/.*"max":\([0-9]*\).*/\1/' | sort -n | tail -1)
	[ "${max:-0}" -ge 800000 ] || die "largest conn_us max $max us, want >= 800000"
	expect_eq "failed" "$(jfield failed "$(grep '"type":"summary"' "$RATE_OUT")")" 0
}

# Rule: SIGINT ends the run with the interval in progress and the summary, exit 130.
test_rate_sigint() {
	start_server
	local out; out=$(tmpdir)/int.out
	"$TWTEST" client --rate 100 --duration 30 --port "$SERVER_PORT" 127.0.0.1 >"$out" &
	local cpid=$!
	lab_track "$cpid" # stopped at cleanup if the test ends early
	sleep 1.5
	kill -INT "$cpid"
	wait "$cpid"
	expect_eq "exit status" "$?" 130
	grep -q '^summary: intervals: [0-9]* (interrupted)' "$out" || die "summary: $(tail -1 "$out")"
	grep -q '^interval: 1, ' "$out" || die "no interval in progress reported: $(cat "$out")"
}

# Rule: --requests-per-conn K makes K echoes per connection (the server sees K x payload
# bytes per connection) in rate and loop mode.
test_requests_per_conn() {
	start_server
	"$TWTEST" client --rate 50 --duration 1 --requests-per-conn 10 --port "$SERVER_PORT" \
		127.0.0.1 >/dev/null || die "rate client failed"
	"$TWTEST" client 127.0.0.1 1 20 --requests-per-conn 5 --port "$SERVER_PORT" >/dev/null ||
		die "loop client failed"
	stop_server
	grep -q "accepted=70 .*bytes_echoed=$((50 * 10 * 100 + 20 * 5 * 100)) " "$SERVER_OUT" ||
		die "server summary: $(grep summary "$SERVER_OUT")"
}

run_tests
