# The port model starts from the host as it is (issue 29 item 1): before the first
# connection the client reads the socket table for its pools, counts the ports already held
# and when their TIME_WAIT ends; loop mode states the same model as rate mode, with the loop
# that should fail first; every run ends with a plain "# conclusion:" line (JSON: a
# "conclusion" record) that says what happened, why, and which knob would change it.
. "$(dirname "$0")/../lib.sh"

# jfield KEY LINE: the value after "KEY": in a JSON record (number, null or string).
jfield() { sed -n "s/.*\"$1\":\(\"[^\"]*\"\|[^,}]*\).*/\1/p" <<<"$2" | head -1; }

# host_ns NAME TW_REUSE: a namespace with ip_local_port_range 40000-40299 (300 ports) and
# a server on 127.0.0.1 (its port, drawn from 20000-32000, is outside that range); sets NS.
host_ns() {
	ns_create "$1"; NS=$LAB_NS
	ip netns exec "$NS" sysctl -qw net.ipv4.tcp_tw_reuse="$2" \
		net.ipv4.ip_local_port_range="40000 40299" net.ipv4.tcp_rfc1337=1
	start_server --netns "$NS" --bind 127.0.0.1
}

# client ARGS...: the client in NS toward the server, its output on stdout.
client() { ip netns exec "$NS" timeout 60 "$TWTEST" client --port "$SERVER_PORT" "$@"; }

# Rule (issue 29's example): with 250 of 300 ports in TIME_WAIT from an earlier run and
# tcp_tw_reuse=0, --rate 50 predicts the first failure at 50 free / 50/s = 1.0 s (not the
# range's 6.0 s) and it comes within 0.1 s of that; the header says held=250, free=50; the
# conclusion record names the shortage.
test_rate_counts_ports_held() {
	need_root
	host_ns mhrate 0
	client 127.0.0.1 1 250 >/dev/null || die "the filling run failed"
	local out hdr sum concl first
	out=$(client --rate 50 --duration 3 --format json 127.0.0.1) || die "client exit $?"
	hdr=$(grep '"type":"header"' <<<"$out") sum=$(grep '"type":"summary"' <<<"$out")
	concl=$(grep '"type":"conclusion"' <<<"$out") || die "no conclusion record: $(tail -1 <<<"$out")"
	expect_eq "held" "$(jfield held "$hdr")" 250
	expect_eq "held in TIME_WAIT" "$(jfield held_time_wait "$hdr")" 250
	expect_eq "free" "$(jfield free "$hdr")" 50
	expect_eq "predicted first failure" "$(jfield predicted_first_failure_s "$sum")" 1.000
	first=$(jfield first_failure_s "$sum")
	awk -v f="$first" 'BEGIN { exit !(f >= 0.9 && f <= 1.1) }' ||
		die "first failure at $first s, predicted 1.000 s (more than 0.1 s apart)"
	expect_eq "conclusion" "$(jfield outcome "$concl")" '"ports_ran_out"'
	expect_eq "its cause" "$(jfield cause "$concl")" '"connect/EADDRNOTAVAIL"'
	expect_eq "its prediction" "$(jfield predicted_first_failure_s "$concl")" 1.000
}

# Rule: loop mode prints the "# model:" line too, with the ports already held and the loop
# that should fail first (floor(free / CONNS)); that loop is the first with failures, and
# the last line is the "# conclusion:" saying so, with the knobs.
test_loop_model_and_conclusion() {
	need_root
	host_ns mhloop 0
	client 127.0.0.1 1 60 >/dev/null || die "the filling run failed" # 240 ports left
	local out model first_failed
	out=$(client 127.0.0.1 4 100) || die "client exit $?"
	model=$(grep '^# model: ' <<<"$out") || die "no model line: $(head -3 <<<"$out")"
	grep -qF 'held=60 (60 TIME_WAIT, free ' <<<"$model" || die "held not stated: $model"
	grep -qF ' free=240 ' <<<"$model" || die "free not stated: $model"
	grep -qF 'tw_reuse: no: tcp_tw_reuse=0: off;' <<<"$model" || die "no reuse verdict: $model"
	grep -qE ' first_failing_loop=2$' <<<"$model" || die "not loop 2 (floor(240/100)): $model"
	first_failed=$(grep '^loop: ' <<<"$out" | awk -F'failed_count: ' '{ split($2, a, ","); if (a[1] > 0) { print NR - 1; exit } }')
	expect_eq "first loop with failures" "$first_failed" 2
	tail -1 <<<"$out" | grep -qE '^# conclusion: 160 of 400 connections failed, the first in loop 2 \(the model said loop 2\): no free port \(240 of 300 were free at the start, 60 held already, 60 of them in TIME_WAIT\) .* tcp_tw_reuse=1, --linger, ' ||
		die "conclusion: $(tail -1 <<<"$out")"
}

# Rule: the README's seed command where a fresh namespace's tcp_tw_reuse=2 covers loopback:
# the model line says reuse applies and why, and names no failing loop with loops 1.1 s
# apart; the conclusion says nothing failed because connect() took TIME_WAIT ports over
# (TWRecycled), and what the limit would be without it.
test_loop_reuse_explained() {
	need_root
	host_ns mhreuse 2
	local out model
	out=$(client 127.0.0.1 3 200 --interval 1100) || die "client exit $?"
	model=$(grep '^# model: ' <<<"$out") || die "no model line"
	grep -qF 'tw_reuse: likely: tcp_tw_reuse=2 and loopback' <<<"$model" || die "reuse verdict: $model"
	grep -qE ' first_failing_loop=none$' <<<"$model" || die "a failing loop predicted: $model"
	tail -1 <<<"$out" | grep -qE '^# conclusion: all 600 connections finished: tcp_tw_reuse took [1-9][0-9]* TIME_WAIT ports over \(TWRecycled; likely: tcp_tw_reuse=2 and loopback' ||
		die "conclusion: $(tail -1 <<<"$out")"
}

run_tests
