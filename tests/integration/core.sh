# Integration tests of the core client and echo server on loopback.
. "$(dirname "$0")/../lib.sh"

# loop_lines FILE: the "loop:" lines of a text run.
loop_lines() { grep '^loop: ' "$1"; }

# own_ns: a test that counts TIME_WAIT sockets runs, as root, in a namespace of its own
# (ns_create's: no FIN is sent again) with tcp_rfc1337=1, so that no stray RST ends one
# (docs/closing.md); unprivileged, where it is. Sets NS (empty: here) and IN, the command
# prefix that runs a command there.
own_ns() {
	NS="" IN=()
	[ "$(id -u)" = 0 ] || return 0
	ns_create core; NS=$LAB_NS IN=(ip netns exec "$NS")
	lab_sysctl "$NS" net.ipv4.tcp_rfc1337=1 || die "cannot set tcp_rfc1337 in $NS"
}

# Rule: every loop accounts for each connection exactly once (finished + failed = CONNS),
# and the echo of every connection came back whole.
test_counts_add_up() {
	start_server
	local out; out=$(tmpdir)/c.out
	"$TWTEST" client 127.0.0.1 3 500 --port "$SERVER_PORT" >"$out" || die "client exit $?"
	expect_eq "loop lines" "$(loop_lines "$out" | wc -l)" 3
	local line
	while read -r line; do
		expect_eq "finished in '$line'" "$(field finished_count "$line")" 500
		expect_eq "failed in '$line'" "$(field failed_count "$line")" 0
	done < <(loop_lines "$out")
	grep -q '^summary: loops: 3, finished_count: 1500, failed_count: 0' "$out" || die "summary: $(tail -1 "$out")"
}

# Rule: --threads splits a loop's connections without losing or double-counting any,
# also when CONNS is not a multiple of the thread count.
test_threads_count_every_connection() {
	start_server
	local line
	line=$("$TWTEST" client 127.0.0.1 2 301 --port "$SERVER_PORT" --threads 4 | grep '^loop: 1')
	expect_eq finished "$(field finished_count "$line")" 301
	expect_eq failed "$(field failed_count "$line")" 0
	"$TWTEST" client 127.0.0.1 1 3 --threads 4 2>&1 | grep -q -- "--threads 4 is more than CONNS 3" \
		|| die "threads > CONNS accepted"
}

# Rule: a large payload is echoed byte for byte through partial reads, writes and back-pressure.
test_large_payload_echo() {
	start_server
	local line
	line=$("$TWTEST" client 127.0.0.1 1 20 --port "$SERVER_PORT" --payload 4m | grep '^loop: 0')
	expect_eq finished "$(field finished_count "$line")" 20
	stop_server
	grep -q "bytes_echoed=$((20 * 4 * 1024 * 1024)) " "$SERVER_OUT" || die "server summary: $(tail -1 "$SERVER_OUT")"
}

# Rule: IPv6 destinations work against the default dual-stack listener.
test_ipv6_loopback() {
	start_server
	local line
	line=$("$TWTEST" client ::1 1 50 --port "$SERVER_PORT" | grep '^loop: 0')
	expect_eq finished "$(field finished_count "$line")" 50
}

# Rule: --close=client (the default) leaves TIME_WAIT on the client only.
test_close_client_tw_on_client() {
	own_ns
	start_server ${NS:+--netns "$NS"}
	"${IN[@]}" "$TWTEST" client 127.0.0.1 1 40 --port "$SERVER_PORT" >/dev/null || die "client failed"
	tw_settles "client TIME_WAIT" client "$SERVER_PORT" "$NS" 40
	expect_eq "server TIME_WAIT" "$(tw_count server "$SERVER_PORT" "$NS")" 0
}

# Rule: server --close=first with client --close=server moves TIME_WAIT to the server.
test_close_server_tw_on_server() {
	own_ns
	start_server ${NS:+--netns "$NS"} --close=first
	local line
	line=$("${IN[@]}" "$TWTEST" client 127.0.0.1 1 40 --port "$SERVER_PORT" --close server | grep '^loop: 0')
	expect_eq finished "$(field finished_count "$line")" 40
	tw_settles "server TIME_WAIT" server "$SERVER_PORT" "$NS" 40
	expect_eq "client TIME_WAIT" "$(tw_count client "$SERVER_PORT" "$NS")" 0
}

# Rule: --close=shutdown sends the first FIN from the client, so the client holds TIME_WAIT.
test_close_shutdown_tw_on_client() {
	own_ns
	start_server ${NS:+--netns "$NS"}
	local line
	line=$("${IN[@]}" "$TWTEST" client 127.0.0.1 1 40 --port "$SERVER_PORT" --close shutdown | grep '^loop: 0')
	expect_eq finished "$(field finished_count "$line")" 40
	tw_settles "client TIME_WAIT" client "$SERVER_PORT" "$NS" 40
	expect_eq "server TIME_WAIT" "$(tw_count server "$SERVER_PORT" "$NS")" 0
}

# Rule: LINGER=1 (SO_LINGER {1,0}) closes with RST: no TIME_WAIT on either side.
test_linger_no_time_wait() {
	own_ns
	start_server ${NS:+--netns "$NS"}
	local line
	line=$("${IN[@]}" "$TWTEST" client 127.0.0.1 1 40 1 1 --port "$SERVER_PORT" | grep '^loop: 0')
	expect_eq finished "$(field finished_count "$line")" 40
	expect_eq "client TIME_WAIT" "$(tw_count client "$SERVER_PORT" "$NS")" 0
	expect_eq "server TIME_WAIT" "$(tw_count server "$SERVER_PORT" "$NS")" 0
	stop_server
	grep -q "resets=40 " "$SERVER_OUT" || die "server did not see 40 resets: $(tail -1 "$SERVER_OUT")"
}

# Rule: server --close=rst answers with RST after the echo: no TIME_WAIT anywhere.
test_server_rst_no_time_wait() {
	own_ns
	start_server ${NS:+--netns "$NS"} --close=rst
	"${IN[@]}" "$TWTEST" client 127.0.0.1 1 40 --port "$SERVER_PORT" --close server >/dev/null
	expect_eq "client TIME_WAIT" "$(tw_count client "$SERVER_PORT" "$NS")" 0
	expect_eq "server TIME_WAIT" "$(tw_count server "$SERVER_PORT" "$NS")" 0
	stop_server
	grep -q "closed_rst=40 " "$SERVER_OUT" || die "server summary: $(tail -1 "$SERVER_OUT")"
}

# Rule: with no server, every connection fails as connect/ECONNREFUSED and the run exits 0.
test_refused_counted_exit_0() {
	local out; out=$(tmpdir)/c.out
	# a port from the test range that nothing listens on: draw until ss shows no listener
	local port
	for port in $(seq 33 40); do port=$((20000 + RANDOM % 12000)); ss -Hltn "( sport = :$port )" | grep -q . || break; done
	"$TWTEST" client 127.0.0.1 2 30 --port "$port" >"$out"
	expect_eq "exit status" "$?" 0
	grep -qE '^loop: 1, finished_count: 0, failed_count: 30, time\(s\): [0-9.]*, conn/s: 0, failed_by: connect/ECONNREFUSED=30(, time_wait: .*)?$' "$out" \
		|| die "loop line: $(grep '^loop: 1' "$out")"
	"$TWTEST" client 127.0.0.1 1 5 --port "$port" --fail-on-error >/dev/null
	expect_eq "--fail-on-error exit status" "$?" 3
}

# Rule: bad input gets one line on stderr naming the value, nothing on stdout, exit 2.
test_bad_input_exit_2() {
	local dir; dir=$(tmpdir)
	local -a cases=(
		"client 127.0.0.1 x 10"
		"client 127.0.0.1 1 0"
		"client 127.0.0.1 1 10 2"
		"client 127.0.0.1 1 10 0 7"
		"client 300.1.1.1 1 10"
		"client no.such.host.invalid 1 10"
		"client --port 70000 127.0.0.1 1 1"
		"client --payload 1x 127.0.0.1 1 1"
		"client --bogus 127.0.0.1 1 1"
		"server --port 99999"
		"server --close never"
		"frobnicate"
		""
	)
	local c rc
	for c in "${cases[@]}"; do
		# shellcheck disable=SC2086
		"$TWTEST" $c >"$dir/out" 2>"$dir/err"
		rc=$?
		expect_eq "exit status of '$c'" "$rc" 2
		[ -s "$dir/out" ] && die "'$c' wrote to stdout: $(cat "$dir/out")"
		expect_eq "stderr lines of '$c'" "$(wc -l <"$dir/err")" 1
	done
	"$TWTEST" client 127.0.0.1 x 10 2>&1 | grep -q "LOOPS 'x'" || die "LOOPS not named"
	"$TWTEST" --version | grep -q '^twtest [0-9]' || die "--version"
	for c in --help "client --help" "server --help"; do
		# shellcheck disable=SC2086
		"$TWTEST" $c | grep -q '^usage: twtest' || die "'$c' prints no usage"
	done
}

# Rule: without SO_REUSEADDR a restarted listener fails while TIME_WAIT holds its port, and
# says why; with it (the default) the restart works (seed 003).
test_restart_needs_reuseaddr() {
	own_ns
	start_server ${NS:+--netns "$NS"} --close=first
	local port=$SERVER_PORT
	"${IN[@]}" "$TWTEST" client 127.0.0.1 1 20 --port "$port" --close server >/dev/null
	tw_settles "server TIME_WAIT" server "$port" "$NS" 20
	stop_server
	local err; err=$(tmpdir)/err
	"${IN[@]}" "$TWTEST" server --port "$port" --no-reuseaddr >/dev/null 2>"$err"
	expect_eq "exit status" "$?" 1
	grep -q "cannot bind \[::\]:$port: .*(EADDRINUSE).*TIME_WAIT" "$err" || die "message: $(cat "$err")"
	start_server_on_port "$port" "${IN[@]}"
}

# start_server_on_port PORT [PREFIX...]: the default server must start on PORT (run by PREFIX).
start_server_on_port() {
	local port=$1; shift
	lab_spawn_server "$@" "$TWTEST" server --port "$port" ||
		die "restart with SO_REUSEADDR failed: $(cat "$LAB_SERVER_OUT")"
}

# Rule: SIGINT ends the client early: the loop in progress and the summary are printed,
# each loop still adds up, exit 130. SIGTERM ends the server with its summary and exit 0.
test_signals_clean_summary() {
	start_server
	local out; out=$(tmpdir)/c.out
	"$TWTEST" client 127.0.0.1 100000 20 --port "$SERVER_PORT" --interval 20 >"$out" &
	local pid=$!
	lab_track "$pid" # stopped at cleanup if the test ends early
	sleep 0.5
	kill -INT "$pid"
	wait "$pid"
	expect_eq "client exit status" "$?" 130
	tail -2 "$out" | head -1 | grep -q '^summary: loops: [0-9]* (interrupted), ' || die "summary: $(tail -2 "$out")"
	tail -1 "$out" | grep -q '^# conclusion: ' || die "no conclusion after the summary: $(tail -1 "$out")"
	local line
	while read -r line; do
		expect_eq "finished+failed in '$line'" \
			"$(( $(field finished_count "$line") + $(field failed_count "$line") ))" 20
	done < <(loop_lines "$out")
	kill -TERM "$SERVER_PID"
	wait "$SERVER_PID"
	expect_eq "server exit status" "$?" 0
	grep -q '^twtest server: summary: accepted=' "$SERVER_OUT" || die "no server summary"
}

# Rule: CSV and JSON carry the same numbers as text: header, one record per loop, summary.
test_csv_json_records() {
	start_server
	local dir; dir=$(tmpdir)
	"$TWTEST" client 127.0.0.1 2 30 --port "$SERVER_PORT" --format csv >"$dir/csv"
	expect_eq "csv lines" "$(wc -l <"$dir/csv")" 4
	head -1 "$dir/csv" | grep -q '^type,loop,conns,finished,failed,time_s,conn_per_s,failed_by,' || die "csv header"
	grep -q '^loop,1,30,30,0,' "$dir/csv" || die "csv loop row: $(sed -n 3p "$dir/csv")"
	grep -q '^summary,2,60,60,0,' "$dir/csv" || die "csv summary row"
	"$TWTEST" client 127.0.0.1 2 30 --port "$SERVER_PORT" --format json >"$dir/json"
	expect_eq "json lines" "$(wc -l <"$dir/json")" 5 # header, 2 loops, summary, conclusion
	tail -1 "$dir/json" | grep -q '^{"type":"conclusion",.*"outcome":"finished",' || die "json conclusion: $(tail -1 "$dir/json")"
	grep -q '^{"type":"header",.*"sysctl":{"net.ipv4.tcp_tw_reuse":' "$dir/json" || die "json header"
	# every record names its shard, host and start (for twtest merge) right after its type
	local id='"shard":"0/1","host":"[^"]+","start_s":[0-9]+\.[0-9]{6}'
	grep -Eq '^\{"type":"loop",'"$id"',"loop":1,"conns":30,"finished":30,"failed":0,' "$dir/json" || die "json loop"
	grep -Eq '^\{"type":"summary",'"$id"',"loops":2,"interrupted":false,"conns":60,"finished":60,' "$dir/json" ||
		die "json summary"
}

# Rule (seed 001): with P = 3N ephemeral ports, tcp_tw_reuse=0 and N connections a loop,
# loops 0-2 finish all and loop 3 on fails all with connect/EADDRNOTAVAIL. N = 200 (the seed
# had 1000), so the six loops end well within TIME_WAIT's 60 s also in a guest under software
# emulation (scripts/kernels.sh), and tcp_rfc1337=1, so no RST ends a TIME_WAIT early: in the
# 6.1 guest, 1000 a loop with the kernel's tcp_rfc1337=0 let 7 connections of loop 3 through.
test_netns_port_exhaustion() {
	need_root
	local n=200
	ns_create exhaust; local ns=$LAB_NS
	# tcp_rfc1337=1: no RST may end a TIME_WAIT early, so the counts are exact
	ip netns exec "$ns" sysctl -qw net.ipv4.ip_local_port_range="40000 $((40000 + 3 * n - 1))" net.ipv4.tcp_tw_reuse=0 \
		net.ipv4.tcp_rfc1337=1
	start_server --netns "$ns" --bind 127.0.0.1
	local out; out=$(tmpdir)/c.out
	local t0=$SECONDS
	ip netns exec "$ns" "$TWTEST" client 127.0.0.1 6 $n --port "$SERVER_PORT" >"$out" || die "client exit $?"
	[ $((SECONDS - t0)) -lt 60 ] || die "the client took $((SECONDS - t0)) s, past TIME_WAIT's 60 s: nothing to check"
	local i line
	for i in 0 1 2; do
		line=$(grep "^loop: $i," "$out")
		expect_eq "loop $i finished" "$(field finished_count "$line")" $n
	done
	for i in 3 4 5; do
		line=$(grep "^loop: $i," "$out")
		expect_eq "loop $i finished" "$(field finished_count "$line")" 0
		expect_eq "loop $i failed_by" "$(field failed_by "$line")" "connect/EADDRNOTAVAIL=$n"
	done
	tw_settles "client TIME_WAIT" client "$SERVER_PORT" "$ns" $((3 * n))
}

# Rule: --local-port-range narrows the ephemeral range per socket (IP_LOCAL_PORT_RANGE):
# 300 ports give 300 connections, the rest fail with EADDRNOTAVAIL while reuse is off.
test_local_port_range_option() {
	need_root
	ns_create range; local ns=$LAB_NS
	# tcp_rfc1337=1: no RST may end a TIME_WAIT early. Under emulation the connects of one loop
	# outlast its first closes, and the late-ACK RST (docs/closing.md) freed 6 ports in the 6.1
	# guest (306 finished, not 300)
	ip netns exec "$ns" sysctl -qw net.ipv4.tcp_tw_reuse=0 net.ipv4.tcp_rfc1337=1
	start_server --netns "$ns" --bind 127.0.0.1
	local line
	line=$(ip netns exec "$ns" "$TWTEST" client 127.0.0.1 1 500 --port "$SERVER_PORT" \
		--local-port-range 41000-41299 | grep '^loop: 0')
	expect_eq finished "$(field finished_count "$line")" 300
	expect_eq failed_by "$(field failed_by "$line")" "connect/EADDRNOTAVAIL=200"
}

run_tests
