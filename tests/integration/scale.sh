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
	ns_create bind; local ns=$LAB_NS
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

# Rule: --no-observe leaves out the per-loop kernel view (time_wait and kernel deltas) and
# nothing else; without it the loop line carries time_wait.
test_no_observe_skips_kernel_view() {
	start_server
	local dir; dir=$(tmpdir)
	"$TWTEST" client 127.0.0.1 1 50 --port "$SERVER_PORT" >"$dir/obs" || die "client"
	grep -q '^loop: 0, finished_count: 50, .*, time_wait: ' "$dir/obs" || die "observed: $(grep '^loop' "$dir/obs")"
	"$TWTEST" client 127.0.0.1 1 50 --port "$SERVER_PORT" --no-observe -v >"$dir/quiet" || die "client"
	grep -q '^loop: 0, finished_count: 50, failed_count: 0, .*, connect_us: ' "$dir/quiet" || die "loop: $(grep '^loop' "$dir/quiet")"
	grep -q 'time_wait\|kernel:' "$dir/quiet" && die "--no-observe still observed: $(grep '^loop' "$dir/quiet")"
	return 0
}

# lat_field NAME STAT LINE: a latency statistic ("connect_us" "p50") of a text loop line.
lat_field() { sed -n "s/.*$1: min=\([0-9]*\) p50=\([0-9]*\) p99=\([0-9]*\) max=\([0-9]*\).*/\\$2/p" <<<"$3"; }

# Rule: with -v every loop line (and always the summary) carries connect and whole-connection
# latency of the finished connections, ordered min <= p50 <= p99 <= max, a connection lasting at least as
# long as its connect; CSV and JSON carry the same statistics; a loop where nothing
# finished has none.
test_latency_statistics() {
	start_server
	local dir; dir=$(tmpdir)
	"$TWTEST" client 127.0.0.1 2 300 --port "$SERVER_PORT" --threads 2 -v >"$dir/text" || die "client"
	local line k
	while read -r line; do
		local c=() t=()
		for k in 1 2 3 4; do
			c+=("$(lat_field connect_us $k "$line")")
			t+=("$(lat_field conn_us $k "$line")")
		done
		[ -n "${c[3]}" ] && [ -n "${t[3]}" ] || die "no latency in '$line'"
		[ "${c[0]}" -le "${c[1]}" ] && [ "${c[1]}" -le "${c[2]}" ] && [ "${c[2]}" -le "${c[3]}" ] \
			|| die "connect_us out of order: '$line'"
		[ "${t[0]}" -le "${t[1]}" ] && [ "${t[1]}" -le "${t[2]}" ] && [ "${t[2]}" -le "${t[3]}" ] \
			|| die "conn_us out of order: '$line'"
		[ "${t[0]}" -ge "${c[0]}" ] && [ "${t[3]}" -ge "${c[3]}" ] || die "conn shorter than connect: '$line'"
	done < <(grep -E '^(loop|summary): ' "$dir/text")
	expect_eq "lines with latency" "$(grep -c 'connect_us: min=' "$dir/text")" 3

	"$TWTEST" client 127.0.0.1 1 50 --port "$SERVER_PORT" --format csv >"$dir/csv"
	head -1 "$dir/csv" | grep -qE ',max_tw_buckets,connect_us_min,connect_us_p50,connect_us_p99,connect_us_max,conn_us_min,conn_us_p50,conn_us_p99,conn_us_max(,|$)' \
		|| die "csv header: $(head -1 "$dir/csv")"
	grep -Eq '^loop,0,50,50,0,([^,]*,){14}[0-9]+(,[0-9]+){7}(,|$)' "$dir/csv" \
		|| die "csv row: $(sed -n 2p "$dir/csv")"
	"$TWTEST" client 127.0.0.1 1 50 --port "$SERVER_PORT" --format json >"$dir/json"
	grep -Eq '^\{"type":"loop",.*,"connect_us":\{"min":[0-9]+,"p50":[0-9]+,"p99":[0-9]+,"max":[0-9]+,"hist":\{[^}]*\}\},"conn_us":\{"min":' "$dir/json" \
		|| die "json loop: $(sed -n 2p "$dir/json")"

	stop_server
	"$TWTEST" client 127.0.0.1 1 20 --port "$SERVER_PORT" --format json >"$dir/refused"
	grep -q '^{"type":"loop",.*"failed":20,.*"connect_us":null,"conn_us":null[,}]' "$dir/refused" \
		|| die "refused loop: $(sed -n 2p "$dir/refused")"
}

run_tests
