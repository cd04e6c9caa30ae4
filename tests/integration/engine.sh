# Integration tests of the client engine: what it owns works in every strategy (the
# concurrent team and the sequential close scenarios), and client and server share one
# policy when a worker thread cannot start.
. "$(dirname "$0")/../lib.sh"

# json_num KEY LINE: the number after "KEY": in a JSON record.
json_num() { sed -n "s/.*\"$1\":\([0-9.]*\).*/\1/p" <<<"$2"; }

# Rule: --wait-clear works in the sequential strategy: the loop after a run that left
# TIME_WAIT waits (here until its 1 s bound) and reports the TIME_WAIT it found.
test_sequential_wait_clear() {
	need_root
	ns_create seqwc; local ns=$LAB_NS
	start_server --netns "$ns" --bind 127.0.0.1
	ip netns exec "$ns" "$TWTEST" client 127.0.0.1 1 3 --sequential --port "$SERVER_PORT" \
		>/dev/null || die "first client failed"
	local line
	line=$(ip netns exec "$ns" "$TWTEST" client 127.0.0.1 1 1 --sequential --wait-clear \
		--wait-clear-timeout 1 --format json --port "$SERVER_PORT" | grep '"type":"loop"')
	expect_eq "wait_clear_left" "$(json_num wait_clear_left "$line")" 3
	awk -v s="$(json_num wait_clear_s "$line")" 'BEGIN { exit !(s >= 0.99) }' ||
		die "waited $(json_num wait_clear_s "$line") s, want the 1 s bound: $line"
}

# Rule: --bind-no-port works in the sequential strategy: the port is left to connect(),
# so a full range fails connect() with EADDRNOTAVAIL, where a plain bind fails bind()
# with EADDRINUSE (kernel-facts.md); 4 ports, 6 connections, reuse off.
test_sequential_bind_no_port() {
	need_root
	ns_create seqbnp; local ns=$LAB_NS
	ip netns exec "$ns" sysctl -qw net.ipv4.tcp_tw_reuse=0
	start_server --netns "$ns" --bind 127.0.0.1
	local args=(client 127.0.0.1 1 6 --sequential --port "$SERVER_PORT" --no-observe)
	local line
	line=$(ip netns exec "$ns" "$TWTEST" "${args[@]}" --bind 127.0.0.1 --bind-no-port \
		--local-port-range 40000-40003 | grep '^loop: 0')
	expect_eq "finished, no-port" "$(field finished_count "$line")" 4
	expect_eq "failed_by, no-port" "$(field failed_by "$line")" "connect/EADDRNOTAVAIL=2"
	line=$(ip netns exec "$ns" "$TWTEST" "${args[@]}" --bind 127.0.0.1 \
		--local-port-range 40010-40013 | grep '^loop: 0')
	expect_eq "finished, plain bind" "$(field finished_count "$line")" 4
	expect_eq "failed_by, plain bind" "$(field failed_by "$line")" "bind/EADDRINUSE=2"
}

# Rule: the sequential strategy stops when its output is gone (a closed pipe), with a
# message and exit 1, instead of running every loop blind.
test_sequential_stops_on_closed_output() {
	start_server
	local err; err=$(tmpdir)/err
	timeout 60 "$TWTEST" client 127.0.0.1 100000 1 --sequential --no-observe \
		--port "$SERVER_PORT" 2>"$err" | head -n 2 >/dev/null
	local rc=${PIPESTATUS[0]}
	expect_eq "client exit" "$rc" 1
	grep -q "cannot write the output; stopped after loop" "$err" || die "stderr: $(cat "$err")"
}

# thread_limited CMD...: run CMD as an unprivileged user allowed one process, so that
# pthread_create fails with EAGAIN; bounded by timeout.
thread_limited() {
	timeout 20 setpriv --reuid=65534 --regid=65534 --clear-groups \
		bash -c 'ulimit -u 1 && exec "$@"' limited "$@"
}

# Rule: when a client thread cannot start, the client stops the ones that started, says
# why and exits 1 (no hang, no run).
test_client_thread_start_failure() {
	need_root
	start_server
	local out rc
	out=$(thread_limited "$TWTEST" client 127.0.0.1 1 8 --threads 4 --port "$SERVER_PORT" 2>&1)
	rc=$?
	expect_eq "client exit" "$rc" 1
	grep -q "^twtest client: cannot start thread 1 of 4: " <<<"$out" || die "output: $out"
	! grep -q '^loop: ' <<<"$out" || die "ran a loop: $out"
}

# Rule: the server follows the same policy: stop the threads that started, say why, exit 1.
test_server_thread_start_failure() {
	need_root
	local out rc
	out=$(thread_limited "$TWTEST" server --port 0 --bind 127.0.0.1 --threads 4 2>&1)
	rc=$?
	expect_eq "server exit" "$rc" 1
	grep -q "^twtest server: cannot start thread 1 of 4: " <<<"$out" || die "output: $out"
}

run_tests
