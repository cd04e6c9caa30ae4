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

# Rule: --bind with several source addresses (a range, a comma list) goes past one address's
# ports, round-robin: with 100 ports a source address and reuse off, one address gives 100
# connections, a range of two gives 200 (100 TIME_WAIT on each), three listed give all 250.
test_bind_range_beyond_one_address() {
	need_root
	local ns; ns=$(ns_create bind)
	ip netns exec "$ns" sysctl -qw net.ipv4.tcp_tw_reuse=0
	start_server --netns "$ns" --bind 127.0.0.1
	local cl=(ip netns exec "$ns" "$TWTEST" client 127.0.0.1 1 250 --port "$SERVER_PORT"
		--local-port-range 41000-41099)
	local line
	line=$("${cl[@]}" --bind 127.0.0.4 | grep '^loop: 0')
	expect_eq "one address: finished" "$(field finished_count "$line")" 100
	expect_eq "one address: failed_by" "$(field failed_by "$line")" "bind/EADDRINUSE=150"
	line=$("${cl[@]}" --bind 127.0.0.2-127.0.0.3 | grep '^loop: 0')
	expect_eq "range: finished" "$(field finished_count "$line")" 200
	expect_eq "range: failed_by" "$(field failed_by "$line")" "bind/EADDRINUSE=50"
	local a
	for a in 127.0.0.2 127.0.0.3; do
		expect_eq "TIME_WAIT from $a" \
			"$(ip netns exec "$ns" ss -Htan state time-wait "( src $a )" | wc -l)" 100
	done
	# a fresh port range: connect() never picks a port whose bind bucket came from a bind()
	# with port 0 (fastreuse >= 0), on any address, while that bucket lives
	line=$(ip netns exec "$ns" "$TWTEST" client 127.0.0.1 1 250 --port "$SERVER_PORT" \
		--local-port-range 41100-41199 --bind 127.0.0.5,127.0.0.6,127.0.0.7 --bind-no-port \
		--threads 2 | grep '^loop: 0')
	expect_eq "list: finished in '$line'" "$(field finished_count "$line")" 250
	expect_eq "list: failed" "$(field failed_count "$line")" 0
}

run_tests
