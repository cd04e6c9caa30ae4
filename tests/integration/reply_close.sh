# Integration tests of `twtest server --reply-close` (docs/http.md): when the HTTP server
# closes after a closing reply, now, after a delay (seed 000's backend waited 0.2 ms), or
# never (it waits for the client's FIN), measured by who holds TIME_WAIT (ss) in a fresh
# namespace with tcp_tw_reuse=0, and its usage errors.
. "$(dirname "$0")/../lib.sh"

# rc_ns [NAME]: root and a fresh namespace (LAB_NS), lo up, tcp_tw_reuse=0: the counts are
# exact.
rc_ns() {
	need_root
	ns_create "${1:-rc}"
	# tcp_rfc1337=1: no stray RST may end a TIME_WAIT the tests count (docs/closing.md)
	lab_sysctl "$LAB_NS" net.ipv4.tcp_tw_reuse=0 net.ipv4.tcp_rfc1337=1 ||
		die "cannot set tcp_tw_reuse and tcp_rfc1337 in $LAB_NS"
}

# rc_client ARGS...: the http client in the namespace toward the server; its summary line in
# SUMMARY, its run time (ms) in ELAPSED_MS.
rc_client() {
	local t0 t1
	t0=$(date +%s%N)
	ip netns exec "$LAB_NS" "$TWTEST" client --protocol http 127.0.0.1 --port "$SERVER_PORT" "$@" \
		>"$(tmpdir)/c.out" 2>"$(tmpdir)/c.err" || die "client exit $?: $(cat "$(tmpdir)/c.err")"
	t1=$(date +%s%N)
	ELAPSED_MS=$(((t1 - t0) / 1000000))
	SUMMARY=$(grep '^summary: ' "$(tmpdir)/c.out")
}

# rc_tw ROLE N: ROLE's TIME_WAIT on the server's port reaches N (tests/lib.sh's tw_settles).
rc_tw() { tw_settles "$1 TIME_WAIT ($SUMMARY)" "$1" "$SERVER_PORT" "$LAB_NS" "$2"; }

# Rule: --reply-close now (the default) with a closing reply after every response (--close
# first) and a client that waits for the server's FIN: the server holds one TIME_WAIT per
# connection, the client none.
test_reply_close_now_server_holds() {
	rc_ns
	start_server --netns "$LAB_NS" --protocol http --bind 127.0.0.1 --close first
	rc_client 1 100 --close server
	expect_eq "finished" "$(field finished_count "$SUMMARY")" 100
	rc_tw server 100
	expect_eq "client TIME_WAIT" "$(tw_count client "$SERVER_PORT" "$LAB_NS")" 0
}

# Rule: --reply-close never: the server answers `Connection: close` but sends no FIN; a
# client that closes after the response closes first and holds every TIME_WAIT, the server
# none, and the server counts each close as after the client's EOF.
test_reply_close_never_client_holds() {
	rc_ns
	start_server --netns "$LAB_NS" --protocol http --bind 127.0.0.1 --close first --reply-close never
	grep -q ' reply_close=never' "$SERVER_OUT" || die "settings line: $(head -n 1 "$SERVER_OUT")"
	rc_client 1 100
	expect_eq "finished" "$(field finished_count "$SUMMARY")" 100
	rc_tw client 100
	expect_eq "server TIME_WAIT" "$(tw_count server "$SERVER_PORT" "$LAB_NS")" 0
	stop_server
	grep -q ' closed_after_eof=100 closed_first=0 ' "$SERVER_OUT" || die "summary: $(grep summary: "$SERVER_OUT")"
}

# Rule: --reply-close DELAY: the server's FIN comes DELAY after the reply: a client that
# waits for it gets it no sooner (the run takes at least DELAY) and the server holds the
# TIME_WAIT; a client that closes after the response closes first within the delay and
# holds the TIME_WAIT itself.
test_reply_close_delay() {
	rc_ns
	start_server --netns "$LAB_NS" --protocol http --bind 127.0.0.1 --close first --reply-close 400ms
	grep -q ' reply_close=400000us' "$SERVER_OUT" || die "settings line: $(head -n 1 "$SERVER_OUT")"
	rc_client 1 50 --close server
	expect_eq "finished (waiting client)" "$(field finished_count "$SUMMARY")" 50
	[ "$ELAPSED_MS" -ge 400 ] || die "the waiting client finished in $ELAPSED_MS ms, before the 400 ms delay"
	rc_tw server 50
	expect_eq "client TIME_WAIT (waiting client)" "$(tw_count client "$SERVER_PORT" "$LAB_NS")" 0
	stop_server
	rc_ns rc2
	start_server --netns "$LAB_NS" --protocol http --bind 127.0.0.1 --close first --reply-close 400ms
	rc_client 1 50
	expect_eq "finished (closing client)" "$(field finished_count "$SUMMARY")" 50
	rc_tw client 50
	expect_eq "server TIME_WAIT (closing client)" "$(tw_count server "$SERVER_PORT" "$LAB_NS")" 0
}

# Rule: a bad --reply-close exits 2 with one line naming the value; it needs --protocol
# http, and never cannot go with --close rst.
test_reply_close_usage_errors() {
	local d; d=$(tmpdir)
	local v
	for v in 0ms 0.2 2m 61s .5ms 1.ms -1ms nope 1us1; do
		"$TWTEST" server --protocol http --reply-close "$v" >"$d/out" 2>"$d/err"
		expect_eq "exit status of --reply-close $v" "$?" 2
		grep -qF "'$v'" "$d/err" || die "--reply-close $v: the error does not name it: $(cat "$d/err")"
		expect_eq "stderr lines for $v" "$(wc -l <"$d/err")" 1
	done
	"$TWTEST" server --reply-close now >"$d/out" 2>"$d/err"
	expect_eq "--reply-close without http" "$?" 2
	grep -q 'protocol http only' "$d/err" || die "$(cat "$d/err")"
	"$TWTEST" server --protocol http --close rst --reply-close never >"$d/out" 2>"$d/err"
	expect_eq "never with rst" "$?" 2
}

run_tests
