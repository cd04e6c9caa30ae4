# Integration tests of speed and scale features: server threads, several source addresses,
# latency statistics.
. "$(dirname "$0")/../lib.sh"

# Rule: server --threads N runs N SO_REUSEPORT listeners on one port: every listener accepts
# some of the connections, the summary adds every thread's counters up, SIGTERM ends all.
test_server_threads_share_port() {
	start_server --threads 2
	local line
	line=$("$TWTEST" client 127.0.0.1 2 1000 --port "$SERVER_PORT" --threads 2 | grep '^loop: 1')
	expect_eq finished "$(field finished_count "$line")" 1000
	grep -q " threads=2 " "$SERVER_OUT" || die "listening line: $(head -1 "$SERVER_OUT")"
	kill -TERM "$SERVER_PID"
	wait "$SERVER_PID"
	expect_eq "server exit status" "$?" 0
	grep -q "summary: accepted=2000 .* closed_after_eof=2000 .* open_at_exit=0$" "$SERVER_OUT" \
		|| die "summary: $(grep summary "$SERVER_OUT")"
	local per a b
	per=$(sed -n 's/.*accepted_per_thread=//p' "$SERVER_OUT")
	a=${per%,*} b=${per#*,}
	expect_eq "per-thread sum" "$((a + b))" 2000
	[ "$a" -gt 0 ] && [ "$b" -gt 0 ] || die "a listener accepted nothing: $per"
}

run_tests
