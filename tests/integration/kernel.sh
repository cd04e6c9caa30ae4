# Integration tests of the kernel-side view: `twtest stat`, the client's time_wait and
# kernel columns, --wait-clear and the server's state counts, checked against `ss` and
# the namespace's own /proc/net counters.
. "$(dirname "$0")/../lib.sh"

# ns_counter NS GROUP NAME: the absolute value of a /proc/net/{netstat,snmp} counter in NS.
ns_counter() {
	ip netns exec "$1" cat /proc/net/netstat /proc/net/snmp | awk -v g="$2:" -v n="$3" '
		$1 == g && !have[g]++ { for (i = 2; i <= NF; i++) col[i] = $i; next }
		$1 == g { for (i = 2; i <= NF; i++) if (col[i] == n) print $i }'
}

# ns_nonzero NS: NS's non-zero Tcp and TcpExt counters, "Group:Name=value" on one line (what
# a failed exact count prints, so that a CI log says where the difference came from).
ns_nonzero() {
	ip netns exec "$1" awk '/^(Tcp|TcpExt):/ { if (h[$1]) { for (i = 2; i <= NF; i++) if ($i != 0) printf "%s%s=%s ", $1, n[$1, i], $i }
		else { h[$1] = 1; for (i = 2; i <= NF; i++) n[$1, i] = $i } }' /proc/net/snmp /proc/net/netstat
}

# stat_state OUTPUT STATE: the count of STATE in stat's text output.
stat_state() { awk -v s="$2" '$1 == s { print $2 }' <<<"$1"; }

# ss_state NS STATE PORT: sockets in STATE (ss's name) with PORT at either end.
ss_state() {
	ip netns exec "$1" ss -Htan state "$2" "( sport = :$3 or dport = :$3 )" | wc -l
}

# Rule: stat's per-state counts with --port equal ss's, for both sides of a run, IPv4 and
# IPv6, and its JSON has all 11 states as keys.
test_stat_matches_ss() {
	need_root
	ns_create stat; local ns=$LAB_NS
	# tcp_rfc1337=1: no stray RST may end a TIME_WAIT counted here (docs/closing.md)
	lab_sysctl "$ns" net.ipv4.tcp_rfc1337=1 || die "cannot set tcp_rfc1337 in $ns"
	start_server --netns "$ns" --close=first
	ip netns exec "$ns" "$TWTEST" client 127.0.0.1 1 150 --port "$SERVER_PORT" --close server >/dev/null
	# --close server on both: a client closing right after the echo races the server's close
	# (scenario I), and a simultaneous close leaves TIME_WAIT on both sides now and then
	ip netns exec "$ns" "$TWTEST" client ::1 1 70 --port "$SERVER_PORT" --close server >/dev/null
	# the closes settle first (the 6.1 guest once counted 217 at once: a FIN may be lost)
	tw_settles "server TIME_WAIT" server "$SERVER_PORT" "$ns" 220
	local out; out=$(ip netns exec "$ns" "$TWTEST" stat --port "$SERVER_PORT") || die "stat exit $?"
	expect_eq "stat lines" "$(wc -l <<<"$out")" 11
	expect_eq "TIME_WAIT vs ss" "$(stat_state "$out" TIME_WAIT)" "$(ss_state "$ns" time-wait "$SERVER_PORT")"
	expect_eq "TIME_WAIT" "$(stat_state "$out" TIME_WAIT)" 220
	expect_eq "LISTEN" "$(stat_state "$out" LISTEN)" 1
	expect_eq "ESTABLISHED" "$(stat_state "$out" ESTABLISHED)" 0
	local all; all=$(ip netns exec "$ns" "$TWTEST" stat)
	expect_eq "unfiltered TIME_WAIT vs ss" "$(stat_state "$all" TIME_WAIT)" \
		"$(ip netns exec "$ns" ss -Htan state time-wait | wc -l)"
	local json; json=$(ip netns exec "$ns" "$TWTEST" stat --port "$SERVER_PORT" --format json)
	local s
	for s in ESTABLISHED SYN_SENT SYN_RECV FIN_WAIT1 FIN_WAIT2 TIME_WAIT CLOSE CLOSE_WAIT LAST_ACK LISTEN CLOSING; do
		grep -q "\"$s\":[0-9]" <<<"$json" || die "json lacks $s: $json"
	done
	grep -q '"TIME_WAIT":220,' <<<"$json" || die "json TIME_WAIT: $json"
	expect_eq "other port" "$(stat_state "$(ip netns exec "$ns" "$TWTEST" stat --port $((SERVER_PORT + 1)))" TIME_WAIT)" 0
}

# Rule (N, 2N, ..., P): with P = 3N ephemeral ports, tcp_tw_reuse=0 and loops of N, the
# client's time_wait reads N, 2N, 3N, 3N, as ss counts at the end; the kernel column shows TW
# and ActiveOpens of N while ports last (-v: the full line), and the run's totals equal the namespace's own
# counters. N = 300: a loop's closes settle within the client's bound (1 s) also in a guest
# under software emulation (scripts/kernels.sh), where 1000 at once did not always.
test_time_wait_progression() {
	need_root
	local n=300 p=900
	ns_create prog; local ns=$LAB_NS
	ip netns exec "$ns" sysctl -qw net.ipv4.ip_local_port_range="40000 $((40000 + p - 1))" net.ipv4.tcp_tw_reuse=0 \
		net.ipv4.tcp_rfc1337=1
	# No FIN is sent again here (ns_create's ns_no_resend), yet the 6.1 guest under emulation
	# counts an RST now and then (OutRsts=1 to 8, no retransmission, some DelayedACKs): most
	# likely the server's delayed ACK of the client's FIN, sent from a timer on one CPU,
	# arrives after the FIN its close() sent from the other. The TIME_WAIT answers that stale
	# ACK, and the listener answers with an RST (docs/closing.md). rfc1337=1 keeps the
	# TIME_WAIT; the view must show the RST exactly as the namespace counted it.
	start_server --netns "$ns" --bind 127.0.0.1
	tmpdir >/dev/null
	local out="$TW_TMP/c.out"
	ip netns exec "$ns" "$TWTEST" client 127.0.0.1 4 $n --port "$SERVER_PORT" -v >"$out" || die "client exit $?"
	local i want line
	for i in 0 1 2 3; do
		want=$(( (i + 1) * n )); [ $want -gt $p ] && want=$p
		line=$(grep "^loop: $i," "$out")
		expect_eq "loop $i time_wait" "$(field time_wait "$line")" $want
	done
	line=$(field kernel "$(grep '^loop: 0,' "$out")")
	[[ $line =~ ^TW=$n\ ActiveOpens=$n(\ OutRsts=[0-9]+)?$ ]] ||
		die "loop 0 kernel: got '$line', want 'TW=$n ActiveOpens=$n'; counters: $(ns_nonzero "$ns")"
	expect_eq "loop 3 kernel" "$(field kernel "$(grep '^loop: 3,' "$out")")" ""
	tw_settles "ss TIME_WAIT" client "$SERVER_PORT" "$ns" $p
	local json; json=$(ip netns exec "$ns" "$TWTEST" client 127.0.0.1 1 10 --port "$SERVER_PORT" --format json | grep '"type":"loop"')
	grep -q "\"time_wait\":$p,\"kernel\":{\"TW\":0," <<<"$json" || die "json loop: $json"
	grep -q '"ActiveOpens":0,' <<<"$json" || die "json ActiveOpens: $json"
	# totals: the namespace is fresh, so its counters hold exactly this run's activity
	local total rsts
	total="kernel: TW=$p ActiveOpens=$(ns_counter "$ns" Tcp ActiveOpens)" rsts=$(ns_counter "$ns" Tcp OutRsts)
	[ "$rsts" = 0 ] || total+=" OutRsts=$rsts"
	grep -q "^summary: .*$total\$" "$out" ||
		die "summary vs /proc/net/snmp ($total): $(grep '^summary:' "$out"); counters: $(ns_nonzero "$ns")"
	expect_eq "TcpExt TW" "$(ns_counter "$ns" TcpExt TW)" $p
}

# run_reuse NS: a 200-port range, two loops of 200 connections 300 ms apart; sets REUSE to
# the CSV kernel_TWRecycled column of loop 1 and that loop's finished count. (Not run in
# $(...): the server it starts must stay known to this shell's cleanup.)
run_reuse() {
	tmpdir >/dev/null
	local ns=$1 out="$TW_TMP/reuse.$1"
	start_server --netns "$ns" --bind 127.0.0.1
	ip netns exec "$ns" "$TWTEST" client 127.0.0.1 2 200 --port "$SERVER_PORT" --interval 300 \
		--format csv >"$out" || die "client exit $?"
	REUSE=$(lab_csv_get "$out" kernel_TWRecycled,finished type=loop loop=1)
}

# Rule: TWRecycled rises only when reuse is on: with tcp_tw_reuse=1 and a 50 ms reuse delay
# shorter than --interval, loop 1 reuses all 200 TIME_WAIT 4-tuples; with 0 it reuses none
# and fails instead.
test_tw_recycled_needs_reuse() {
	need_root
	local on off
	ns_create reuse1; on=$LAB_NS
	ip netns exec "$on" sysctl -qw net.ipv4.ip_local_port_range="40000 40199" net.ipv4.tcp_tw_reuse=1
	ip netns exec "$on" sysctl -qw net.ipv4.tcp_tw_reuse_delay=50 2>/dev/null \
		|| skip "no net.ipv4.tcp_tw_reuse_delay (Linux < 6.14)"
	ns_create reuse0; off=$LAB_NS
	ip netns exec "$off" sysctl -qw net.ipv4.ip_local_port_range="40000 40199" net.ipv4.tcp_tw_reuse=0
	run_reuse "$on"
	expect_eq "reuse on: TWRecycled finished" "$REUSE" "200 200"
	expect_eq "reuse on: TWRecycled vs /proc" "$(ns_counter "$on" TcpExt TWRecycled)" 200
	run_reuse "$off"
	expect_eq "reuse off: TWRecycled finished" "$REUSE" "0 0"
}

# Rule: stat --wait-clear exits 0 at once when no TIME_WAIT holds the port, and with
# TIME_WAIT present and --timeout 1 exits 4 with the count on stderr, nothing on stdout.
test_stat_wait_clear() {
	need_root
	ns_create wclear; local ns=$LAB_NS
	start_server --netns "$ns"
	tmpdir >/dev/null
	local dir=$TW_TMP
	ip netns exec "$ns" "$TWTEST" stat --port "$SERVER_PORT" --wait-clear --timeout 1 >"$dir/out" 2>"$dir/err"
	expect_eq "clear: exit" "$?" 0
	[ -s "$dir/out" ] && die "clear: stdout: $(cat "$dir/out")"
	ip netns exec "$ns" "$TWTEST" client 127.0.0.1 1 30 --port "$SERVER_PORT" >/dev/null
	ip netns exec "$ns" "$TWTEST" stat --port "$SERVER_PORT" --wait-clear --timeout 1 >"$dir/out" 2>"$dir/err"
	expect_eq "timeout: exit" "$?" 4
	[ -s "$dir/out" ] && die "timeout: stdout: $(cat "$dir/out")"
	grep -q "^twtest stat: 30 TIME_WAIT sockets with port $SERVER_PORT remain after --timeout 1 s\$" "$dir/err" \
		|| die "timeout message: $(cat "$dir/err")"
}

# Rule: client --wait-clear says, before each loop, whether TIME_WAIT toward the destination
# drained: loop 0 finds none; loop 1 finds loop 0's and gives up after its bound.
test_client_wait_clear() {
	need_root
	ns_create cwclear; local ns=$LAB_NS
	# reuse off: with the default tcp_tw_reuse=2 a later loop may take loop 0's ports over
	ip netns exec "$ns" sysctl -qw net.ipv4.tcp_tw_reuse=0
	start_server --netns "$ns"
	tmpdir >/dev/null
	local dir=$TW_TMP
	ip netns exec "$ns" "$TWTEST" client 127.0.0.1 2 25 --port "$SERVER_PORT" --wait-clear \
		--wait-clear-timeout 1 >"$dir/out" 2>"$dir/err" || die "client exit $?"
	grep -q "^twtest client: loop 0: no TIME_WAIT toward 127.0.0.1:$SERVER_PORT after waiting 0\.[0-9]* s\$" "$dir/err" \
		|| die "loop 0 message: $(cat "$dir/err")"
	grep -q "^twtest client: loop 1: 25 TIME_WAIT toward 127.0.0.1:$SERVER_PORT still there after [0-9.]* s" "$dir/err" \
		|| die "loop 1 message: $(cat "$dir/err")"
	expect_eq "loop 1 time_wait" "$(field time_wait "$(grep '^loop: 1,' "$dir/out")")" 50
	ip netns exec "$ns" "$TWTEST" client 127.0.0.1 1 5 --port "$SERVER_PORT" --wait-clear \
		--wait-clear-timeout 1 --format json >"$dir/json" 2>"$dir/err"
	grep -q '"time_wait":55,.*"wait_clear_s":[0-9.]*,"wait_clear_left":50}' "$dir/json" || die "json: $(cat "$dir/json")"
	[ -s "$dir/err" ] && die "json mode wrote to stderr: $(cat "$dir/err")"
	return 0
}

# Rule: the server's exit summary counts the sockets on its port by state, as ss does:
# with --close=first its side holds the TIME_WAIT.
test_server_states_summary() {
	need_root
	ns_create srvst; local ns=$LAB_NS
	lab_sysctl "$ns" net.ipv4.tcp_rfc1337=1 || die "cannot set tcp_rfc1337 in $ns" # no stray RST ends one
	start_server --netns "$ns" --close=first
	ip netns exec "$ns" "$TWTEST" client 127.0.0.1 1 40 --port "$SERVER_PORT" --close server >/dev/null
	tw_settles "ss server TIME_WAIT" server "$SERVER_PORT" "$ns" 40
	stop_server
	grep -q "^twtest server: states on port $SERVER_PORT: ESTABLISHED=0 .* TIME_WAIT=40 .* LISTEN=1 CLOSING=0\$" "$SERVER_OUT" \
		|| die "server states: $(tail -1 "$SERVER_OUT")"
}

# Rule: stat --watch prints a record every MS until SIGINT, then exits 0.
test_stat_watch_sigint() {
	tmpdir >/dev/null # in this shell, so that the trap removes it
	local out="$TW_TMP/watch"
	: >"$out"
	"$TWTEST" stat --watch 50 --format json --port 9 >"$out" &
	local pid=$!
	lab_track "$pid" # stopped at cleanup if the test ends early
	three_records() { [ "$(wc -l <"$out")" -ge 3 ]; }
	lab_wait_until 5000 three_records
	kill -INT "$pid"
	wait "$pid"
	expect_eq "exit status" "$?" 0
	[ "$(wc -l <"$out")" -ge 3 ] || die "records: $(wc -l <"$out")"
	grep -vq '^{"ESTABLISHED":[0-9]*,.*"CLOSING":[0-9]*}$' "$out" && die "bad record: $(cat "$out")"
	return 0
}

# Rule: bad stat input gets one line on stderr naming the value, nothing on stdout, exit 2.
test_stat_bad_input() {
	tmpdir >/dev/null
	local dir=$TW_TMP c
	for c in "--port 0" "--port x" "--format csv" "--watch 0" "--timeout 3" "--wait-clear --watch 5" "extra"; do
		# shellcheck disable=SC2086
		"$TWTEST" stat $c >"$dir/out" 2>"$dir/err"
		expect_eq "exit status of 'stat $c'" "$?" 2
		[ -s "$dir/out" ] && die "'stat $c' wrote to stdout"
		expect_eq "stderr lines of 'stat $c'" "$(wc -l <"$dir/err")" 1
	done
	"$TWTEST" stat --help | grep -q '^usage: twtest stat' || die "stat --help"
}

run_tests
