# Integration tests of docs/remedies.md: the deterministic numbers behind scripts/remedies.sh's
# verdicts, each measured by the script's own functions (200 ports, a few hundred connections,
# fresh namespaces), and the server's several listening ports that the "other destination"
# cases use. The verdicts themselves (the judge functions) have their unit cases in
# tests/integration/lab_table.sh.
. "$(dirname "$0")/../lib.sh"
# shellcheck source=scripts/remedies.sh
. "$(dirname "$0")/../../scripts/remedies.sh"

# rm_setup: what remedies.sh's main does before the rows: the binary under test, and the
# 1 ms reuse delay where the kernel has the sysctl (else a 1.2 s pause).
rm_setup() {
	need_root
	rm_reuse_setup
}

# Rule: bind() before connect() shares one port pool over every destination: with the
# range full of TIME_WAIT toward port A, bind(port 0) fails with EADDRINUSE for port B
# too, where a plain connect() (and IP_BIND_ADDRESS_NO_PORT) gets all 200.
test_bind_shares_one_pool() {
	rm_setup
	rm_fill_probe bind0 bind0 2 net.ipv4.tcp_tw_reuse=0
	expect_eq "fill" "${RM_RUN[a]}" 200
	expect_eq "bind() to another destination" "${RM_RUN[b]} ${RM_RUN[cause]}" "0 bind/EADDRINUSE=200"
	rm_fill_probe none none 2 net.ipv4.tcp_tw_reuse=0
	expect_eq "connect() to another destination" "${RM_RUN[b]}" 200
	rm_fill_probe noport noport 2 net.ipv4.tcp_tw_reuse=0
	expect_eq "IP_BIND_ADDRESS_NO_PORT to another destination" "${RM_RUN[b]}" 200
}

# Rule: D destinations in one run (client --port 5000-5003, DSTIP 127.0.0.1-127.0.0.4):
# 800 connections on 200 ports all finish with connect(), only 200 with bind(port 0)
# before connect() (one pool for every destination).
test_destinations_multiply_connect_only() {
	rm_setup
	rm_spread_case 4 none 127.0.0.1 5000-5003
	expect_eq "connect() over 4 ports" "${RM_RUN[fin]}" 800
	rm_spread_case 4 bind0 127.0.0.1-127.0.0.4 5000
	expect_eq "bind() over 4 addresses" "${RM_RUN[fin]} ${RM_RUN[cause]}" "200 bind/EADDRINUSE=600"
}

# Rule: bind() before connect() ignores tcp_tw_reuse: with reuse on (delay 1 ms, passed),
# bind(port 0) still fails with EADDRINUSE; IP_BIND_ADDRESS_NO_PORT reuses, TWRecycled > 0.
test_bind_ignores_tw_reuse() {
	rm_setup
	rm_fill_probe bind0 bind0 1 net.ipv4.tcp_tw_reuse=1 "${RM_FAST[@]}"
	expect_eq "bind() with reuse on" "${RM_RUN[b]} ${RM_RUN[cause]}" "0 bind/EADDRINUSE=200"
	rm_fill_probe noport noport 1 net.ipv4.tcp_tw_reuse=1 "${RM_FAST[@]}"
	expect_eq "IP_BIND_ADDRESS_NO_PORT with reuse on" "${RM_RUN[b]}" 200
	[ "${RM_RUN[recycled]}" -gt 0 ] || die "TWRecycled ${RM_RUN[recycled]}, want > 0"
}

# Rule: ports whose TIME_WAIT came from bind()-before-connect() sockets are skipped by a
# plain connect()'s port search for every destination, reuse on or not: after a bind() fill
# toward port A, connect() to port B gets 0 of 200 (after a connect() fill: 200, above).
test_bind_ports_lost_to_connect() {
	rm_setup
	rm_fill_probe bind0 none 2 net.ipv4.tcp_tw_reuse=1 "${RM_FAST[@]}"
	expect_eq "connect() after a bind() fill" "${RM_RUN[b]} ${RM_RUN[cause]}" "0 connect/EADDRNOTAVAIL=200"
}

# Rule: SO_REUSEADDR helps bind(port 0) only with net.ipv4.ip_autobind_reuse=1, only over
# TIME_WAIT sockets that had SO_REUSEADDR too, and then connect() takes those over even with
# tcp_tw_reuse=0 (TWRecycled > 0); without ip_autobind_reuse, bind() fails as without it.
# A fixed source port held by TIME_WAIT: the same, both sockets must have set it.
test_reuseaddr_needs_autobind_and_both_sockets() {
	rm_setup
	rm_fill_probe reuseaddr reuseaddr 1 net.ipv4.tcp_tw_reuse=0
	expect_eq "SO_REUSEADDR alone" "${RM_RUN[cause]}" "bind/EADDRINUSE=200"
	rm_fill_probe none reuseaddr 1 net.ipv4.tcp_tw_reuse=0 net.ipv4.ip_autobind_reuse=1
	expect_eq "TIME_WAIT without SO_REUSEADDR" "${RM_RUN[cause]}" "bind/EADDRINUSE=200"
	rm_fill_probe reuseaddr reuseaddr 1 net.ipv4.tcp_tw_reuse=0 net.ipv4.ip_autobind_reuse=1
	[ "${RM_RUN[b]}" -gt 0 ] && [ "${RM_RUN[recycled]}" = "${RM_RUN[b]}" ] ||
		die "both with SO_REUSEADDR and ip_autobind_reuse: finished ${RM_RUN[b]}, TWRecycled ${RM_RUN[recycled]}; want > 0 and equal"
	rm_fixed_port_case 0 1
	expect_eq "fixed port, only the new socket" "${RM_RUN[b]} ${RM_RUN[cause]}" "0 bind/EADDRINUSE=1"
	rm_fixed_port_case 1 1
	expect_eq "fixed port, both: finished TWRecycled" "${RM_RUN[b]} ${RM_RUN[recycled]}" "1 1"
}

# Rule: tcp_tw_reuse needs timestamps on the old connection: with tcp_timestamps=0 on the
# server only, or on the client only, the refill gets nothing and TWRecycled stays 0.
test_reuse_needs_timestamps() {
	rm_setup
	rm_ts_case 1 0
	expect_eq "server timestamps off: finished TWRecycled" "${RM_RUN[b]} ${RM_RUN[recycled]}" "0 0"
	rm_ts_case 0 1
	expect_eq "client timestamps off: finished TWRecycled" "${RM_RUN[b]} ${RM_RUN[recycled]}" "0 0"
}

# Rule: tcp_max_tw_buckets=100 below a 300-port range: 4 loops of 200 all finish, and
# TCPTimeWaitOverflow counts the 700 closes that skipped TIME_WAIT.
test_small_max_tw_buckets() {
	rm_setup
	rm_buckets_case 300 4 200 net.ipv4.tcp_max_tw_buckets=100
	expect_eq "finished overflow time_wait" "${RM_RUN[fin]} ${RM_RUN[ovf]} ${RM_RUN[tw]}" "800 700 100"
}

# Rule: with P ports and loops of N, reuse off, the first failing loop is floor(P/N) and P
# connections finish in all: P=250 and 2P=500 with N=100 give loops 2 and 5.
test_port_range_moves_the_wall() {
	rm_setup
	rm_range_case 250 7 100
	expect_eq "P=250 first failing, finished" "${RM_RUN[first]} ${RM_RUN[fin]}" "2 250"
	rm_range_case 500 7 100
	expect_eq "P=500 first failing, finished" "${RM_RUN[first]} ${RM_RUN[fin]}" "5 500"
}

# Rule: each source address has its own pool: 2 addresses on 200 ports finish 400, the first
# failing loop of 100 is 4.
test_source_addresses_multiply() {
	rm_setup
	rm_sources_case 127.0.0.1-127.0.0.2 10 100
	expect_eq "first failing, finished" "${RM_RUN[first]} ${RM_RUN[fin]}" "4 400"
}

# Rule: when the server closes first the client holds no TIME_WAIT and never runs out (4
# loops of 100 on 200 ports all finish); the server's namespace holds the TIME_WAIT.
test_server_closes_first() {
	rm_setup
	lt_csv_open "$(tmpdir)/m.csv"
	lt_run_row 6 || : # the numbers decide here, below
	expect_eq "finished" "$(lab_csv_get "$LT_CSV" value case=server_first metric=finished)" 400
	expect_eq "client TIME_WAIT" "$(lab_csv_get "$LT_CSV" value case=server_first metric=client_tw)" 0
	grep -q '^6,server_first,client_tw,0$' "$LT_CSV" || die "client TIME_WAIT: $(cat "$LT_CSV")"
	local stw; stw=$(lab_csv_get "$LT_CSV" value case=server_first metric=server_tw)
	[ "$stw" -gt 0 ] || die "server TIME_WAIT $stw, want > 0"
}

# Rule: 200 requests as 20 connections of 10 requests leave 20 TIME_WAIT sockets, not 200.
test_requests_per_conn_cut_time_wait() {
	rm_setup
	lt_csv_open "$(tmpdir)/m.csv"
	lt_run_row 7 || :
	expect_eq "K=1 TIME_WAIT" "$(lab_csv_get "$LT_CSV" value row=7 case=k1 metric=time_wait)" 200
	expect_eq "K=10 TIME_WAIT" "$(lab_csv_get "$LT_CSV" value row=7 case=k10 metric=time_wait)" 20
}

# Rule: a TIME_WAIT socket that came from an orphaned FIN_WAIT2 (the peer never sent its
# FIN) is not reused even with tcp_tw_reuse=1 past the delay: all 200 client sockets show as
# FIN-WAIT-2 and the refill fails with EADDRNOTAVAIL, TWRecycled 0.
test_orphaned_fin_wait2_not_reused() {
	rm_setup
	rm_orphan_case --on-eof ignore
	expect_eq "FIN-WAIT-2 sockets" "${RM_RUN[fw2]}" 200
	expect_eq "refill" "${RM_RUN[b]} ${RM_RUN[cause]} ${RM_RUN[recycled]}" "0 connect/EADDRNOTAVAIL=200 0"
}

# Rule: tcp_tw_reuse=1 with the 1000 ms delay (Linux 6.14+): a refill right after the fill
# reuses less than half (the fill takes tens of ms: a 500 ms margin for a loaded machine); on
# every kernel the same refill 1.2 s later (200 ms past the delay, or past the next whole
# second before 6.14) reuses all 200, and SO_REUSEPORT changes nothing. Timing decides:
# inequalities only.
test_reuse_waits_for_the_delay() {
	rm_setup
	lt_csv_open "$(tmpdir)/m.csv"
	lt_run_row 12b || :
	lt_run_row 12 || :
	local young old
	young=$(lab_csv_get "$LT_CSV" value case=reuse_delay metric=young)
	old=$(lab_csv_get "$LT_CSV" value case=reuse_delay metric=old)
	if [ "$RM_HAVE_DELAY" = 1 ]; then
		[ "$young" -lt 100 ] || die "refill at once: $young, want < 100"
	fi
	expect_eq "refill after 1.2 s" "$old" 200
	expect_eq "SO_REUSEPORT should change nothing" "$(lab_csv_get "$LT_CSV" value row=12 case=reuseport)" 200
}

# Rule: SO_LINGER {1,0}: 4 loops of 100 on 200 ports all finish, no TIME_WAIT, an RST each.
test_linger_avoids_time_wait() {
	rm_setup
	rm_loops_case --linger
	expect_eq "finished time_wait" "${RM_RUN[fin]} ${RM_RUN[tw]}" "400 0"
	[ "${RM_RUN[rst]}" -ge 400 ] || die "RSTs sent ${RM_RUN[rst]}, want >= 400"
}

# Rule: the script runs end to end: --rows 10 prints the terminal table (120 columns at most)
# with row 10 from the missing (or present) sysctl, --out has the full markdown row and --csv its number and
# verdict under its header; --rows 14 and an unknown row id exit 2; --list names every row
# with its case and verdict functions.
test_script_table() {
	need_root
	local out csv md; csv=$(tmpdir)/t.csv md=$(tmpdir)/t.md
	out=$(TWTEST=$TWTEST bash "$RM_HERE/remedies.sh" --rows 10 --csv "$csv" --out "$md" 2>/dev/null) || die "exit $?"
	grep -q '^| 10 | tcp_tw_recycle' "$md" || die "no row 10 in --out: $(cat "$md")"
	grep -Eq '^10 +(does not apply|not measured) +.*tcp_tw_recycle' <<<"$out" || die "no row 10 on stdout: $out"
	expect_eq "stdout's widest line fits 120" "$(awk '{ if (length > m) m = length } END { print (m <= 120) }' <<<"$out")" 1
	if [ -e /proc/sys/net/ipv4/tcp_tw_reuse ] && [ ! -e /proc/sys/net/ipv4/tcp_tw_recycle ]; then
		grep -q 'removed in Linux 4.12' "$md" || die "row 10 verdict: $(cat "$md")"
		grep -q '^10,sysctl,tcp_tw_recycle,absent$' "$csv" || die "csv: $(cat "$csv")"
		expect_eq "row 10 verdict class" "$(lab_csv_get "$csv" value row=10 case=verdict metric=class)" "does not apply"
	fi
	expect_eq "csv header" "$(head -1 "$csv")" "row,case,metric,value"
	bash "$RM_HERE/remedies.sh" --rows 14 >/dev/null 2>&1
	expect_eq "--rows 14 exit" "$?" 2
	bash "$RM_HERE/remedies.sh" --rows 1g >/dev/null 2>&1
	expect_eq "--rows 1g exit" "$?" 2
	local list fn; list=$(bash "$RM_HERE/remedies.sh" --list)
	expect_eq "rows listed" "$(wc -l <<<"$list")" "${#LT_IDS[@]}"
	for fn in $(cut -f2 <<<"$list"); do
		declare -F "$fn" >/dev/null || die "row function $fn is not defined"
	done
}

# Rule: server --port LIST listens on every port, with --threads 2 too (a SO_REUSEPORT
# listener per port and thread): the listening line names each port, clients reach each,
# and the summary counts accepted connections per port.
test_server_several_ports() {
	need_root
	RM_RANGE="40000 40199"
	rm_up lo
	rm_serve 5000-5001,5003 --threads 2
	grep -q 'listening on 127.0.0.1:5000,5001,5003 ' "$LAB_SERVER_OUT" || die "$(cat "$LAB_SERVER_OUT")"
	local p
	for p in 5000 5001 5003; do
		rm_client 1 $((p - 4990)) --port "$p"
		expect_eq "port $p finished" "$(rm_get finished)" $((p - 4990))
	done
	lab_stop "$LAB_SERVER_PID"
	grep -q '^twtest server: accepted_per_port=5000:10,5001:11,5003:13$' "$LAB_SERVER_OUT" ||
		die "summary: $(cat "$LAB_SERVER_OUT")"
	expect_eq "states lines" "$(grep -c '^twtest server: states on port 500[013]:' "$LAB_SERVER_OUT")" 3
	lab_cell_down
}

run_tests
