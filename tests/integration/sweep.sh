# Integration tests of scripts/lab.sh and scripts/sweep.sh: the claims of the tcp_tw_reuse
# study (seed 001) on small sizes, in namespaces the sweep makes and removes, plus the lab's
# cleanup, host mode's save-and-restore (aimed only at namespaces made here) and bad input.
. "$(dirname "$0")/../lib.sh"
SWEEP="$(cd "$(dirname "$0")/../.." && pwd)/scripts/sweep.sh"
LAB="$(cd "$(dirname "$0")/../.." && pwd)/scripts/lab.sh"

# sweep DIR ARGS...: run a small sweep into DIR with this run's namespace prefix.
sweep() {
	local dir=$1; shift
	LAB_PREFIX="${TW_PREFIX}-sw" bash "$SWEEP" --out "$dir" --twtest "$TWTEST" "$@" 2>"$dir.err"
}

# no_leftovers PREFIX: no namespace named PREFIX-* exists.
no_leftovers() {
	local left; left=$(ip netns list | awk '{print $1}' | grep -c -- "^$1-")
	expect_eq "namespaces left with prefix $1" "$left" 0
}

# Rule (seed 001): with reuse off on veth, P ports and N connections a loop, loops
# 0..floor(P/N)-1 finish, loop floor(P/N) gets the P mod N ports left, later loops fail with
# EADDRNOTAVAIL; results.csv has the documented columns and results.md the first failing loop.
test_sweep_reuse_off_veth_fails_at_P_div_N() {
	need_root
	local d; d=$(tmpdir)/s
	sweep "$d" --paths veth --tw-reuse 0 --reuseport 0 --linger 0 --port-range 40000-40299 \
		--loops 4 --conns 120 || die "sweep exit $?: $(cat "$d.err")"
	local c
	for c in path tw_reuse tw_reuse_delay_ms port_range reuseport linger close loop conns \
		finished failed time_s time_wait failed_by eaddrnotavail; do
		head -1 "$d/results.csv" | tr , '\n' | grep -qx "$c" || die "results.csv lacks column $c"
	done
	expect_eq "finished per loop" "$(results_col "$d" finished path=veth)" "120 120 60 0"
	expect_eq "TIME_WAIT after each loop" "$(results_col "$d" time_wait path=veth)" "120 240 300 300"
	expect_eq "EADDRNOTAVAIL per loop" "$(results_col "$d" eaddrnotavail path=veth)" "0 0 60 120"
	expect_eq "failed_by of loop 3" "$(results_col "$d" failed_by path=veth loop=3)" "connect/EADDRNOTAVAIL=120"
	grep -q '^| veth | 0 | [0-9]* | 300 | 0 | 0 | client | 0 | 120 120 60 0 | 2 | 180 of 480 |' "$d/results.md" \
		|| die "results.md row: $(grep '^| veth' "$d/results.md")"
	no_leftovers "${TW_PREFIX}-sw"
}

# Rule (seed 001): SO_LINGER {1,0} closes with RST, so no TIME_WAIT is left and the ports
# never run out, on loopback and veth, even with reuse off and more connections than ports.
test_sweep_linger_never_exhausts() {
	need_root
	local d; d=$(tmpdir)/s
	sweep "$d" --tw-reuse 0 --reuseport 0 --linger 1 --port-range 40000-40299 --loops 4 --conns 120 \
		|| die "sweep exit $?: $(cat "$d.err")"
	expect_eq "lo finished per loop" "$(results_col "$d" finished path=lo)" "120 120 120 120"
	expect_eq "veth finished per loop" "$(results_col "$d" finished path=veth)" "120 120 120 120"
	expect_eq "failed" "$(results_col "$d" failed linger=1)" "0 0 0 0 0 0 0 0"
}

# Rule (seed 001): SO_REUSEPORT changes nothing for connect() without bind(): every loop of
# the reuseport=1 cell equals the reuseport=0 cell, on both paths, with exhaustion showing.
test_sweep_reuseport_changes_nothing() {
	need_root
	local d; d=$(tmpdir)/s
	sweep "$d" --tw-reuse 0 --reuseport 0,1 --linger 0 --port-range 40000-40299 --loops 4 --conns 120 \
		|| die "sweep exit $?: $(cat "$d.err")"
	local p
	for p in lo veth; do
		expect_eq "$p reuseport=0" "$(results_col "$d" finished path=$p reuseport=0)" "120 120 60 0"
		expect_eq "$p reuseport=1" "$(results_col "$d" finished path=$p reuseport=1)" "120 120 60 0"
	done
}

# Rule (kernel-facts): tcp_tw_reuse=2 reuses TIME_WAIT ports on loopback only; across veth it
# acts like 0, while 1 reuses there too. The reuse delay (1000 ms by default) is set to 1 ms in
# the cell and loops are spaced by 20 ms, so reuse may show within the test.
test_sweep_tw_reuse_2_helps_loopback_only() {
	need_root
	[ -e /proc/sys/net/ipv4/tcp_tw_reuse_delay ] || skip "kernel lacks tcp_tw_reuse_delay (before 6.14)"
	local d; d=$(tmpdir)/s
	sweep "$d" --tw-reuse 1,2 --tw-reuse-delay 1 --interval 20 --reuseport 0 --linger 0 \
		--port-range 40000-40299 --loops 4 --conns 120 || die "sweep exit $?: $(cat "$d.err")"
	expect_eq "lo tw_reuse=2" "$(results_col "$d" finished path=lo tw_reuse=2)" "120 120 120 120"
	expect_eq "veth tw_reuse=2" "$(results_col "$d" finished path=veth tw_reuse=2)" "120 120 60 0"
	expect_eq "veth tw_reuse=1" "$(results_col "$d" finished path=veth tw_reuse=1)" "120 120 120 120"
	# the kernel counts the reuse: TWRecycled covers loop 2's and 3's missing ports (60 + 120)
	local rec; rec=$(results_col "$d" tw_recycled path=veth tw_reuse=1 | awk '{ s = 0; for (i = 1; i <= NF; i++) s += $i; print s }')
	[ "$rec" -ge 180 ] || die "veth tw_reuse=1: TWRecycled $rec, want at least 180"
	expect_eq "veth tw_reuse=2 TWRecycled" "$(results_col "$d" tw_recycled path=veth tw_reuse=2)" "0 0 0 0"
	expect_eq "reuse delay in the rows" "$(results_col "$d" tw_reuse_delay_ms path=lo tw_reuse=2 loop=0)" 1
}

# Rule (issue 11): rate cells write one rate.csv row per cell and interval and one
# rate-cells.csv row per cell with the model beside the measurement: 100 ports at 50/s with
# reuse off run out at P/R = 2 s (the first failure within 0.25 s of it, a loaded-machine
# margin), with --linger never; results.md gets the steady-rate table.
test_sweep_rate_cells() {
	need_root
	local d; d=$(tmpdir)/rate
	sweep "$d" --paths veth --tw-reuse 0 --reuseport 0 --linger 0,1 --port-range 40000-40099 \
		--rate 50 --duration 3 || die "sweep failed: $(tail -3 "$d.err")"
	local cells="$d/rate-cells.csv"
	expect_eq "rate cells" "$(($(wc -l <"$cells") - 1))" 2
	rcell() { lab_csv_get "$cells" "$1" linger="$2"; }
	expect_eq "finished, reuse off" "$(rcell finished 0)" 100
	expect_eq "predicted first failure" "$(rcell predicted_first_failure_s 0)" 2.000
	awk -v t="$(rcell first_failure_s 0)" 'BEGIN { exit !(t >= 1.99 && t <= 2.25) }' ||
		die "first failure at $(rcell first_failure_s 0) s"
	expect_eq "failed, linger" "$(rcell failed 1)" 0
	expect_eq "interval rows" "$(($(wc -l <"$d/rate.csv") - 1))" 6
	grep -q '^## Steady rate' "$d/results.md" || die "no steady-rate table in results.md"
}

# Rule: the client's CSV is read by column name: a client printing its columns in another
# order, with extra ones, lands in the right results.csv columns (time_wait passed through).
test_sweep_reads_client_columns_by_name() {
	need_root
	local dir; dir=$(tmpdir)
	cat >"$dir/fake-twtest" <<'EOF'
#!/usr/bin/env bash
# A stand-in twtest: a server that only says it listens, a client with shuffled CSV columns.
case $1 in
server) echo "listening on fake"; exec sleep 30 ;;
client)
	echo "extra,time_wait,failed_by,loop,type,finished,conns,failed,time_s,conn_per_s,close,reuseport,linger,tw_reuse,tw_reuse_delay_ms,port_range,timestamps,max_tw_buckets,new_column"
	echo "x,7,,0,loop,9,9,0,0.001,9000,client,0,0,0,1000,40000-40009,1,131072,y"
	echo "x,10,connect/EADDRNOTAVAIL=8,1,loop,1,9,8,0.001,1000,client,0,0,0,1000,40000-40009,1,131072,y"
	echo "x,,connect/EADDRNOTAVAIL=8,2,summary,10,18,8,0.002,5000,client,0,0,0,1000,40000-40009,1,131072,y" ;;
*) exit 2 ;;
esac
EOF
	chmod +x "$dir/fake-twtest"
	local d="$dir/s"
	LAB_PREFIX="${TW_PREFIX}-sw" bash "$SWEEP" --out "$d" --twtest "$dir/fake-twtest" --paths lo \
		--tw-reuse 0 --reuseport 0 --linger 0 --loops 2 --conns 9 --port-range 40000-40009 2>"$d.err" \
		|| die "sweep exit $?: $(cat "$d.err")"
	expect_eq finished "$(results_col "$d" finished path=lo)" "9 1"
	expect_eq time_wait "$(results_col "$d" time_wait path=lo)" "7 10"
	expect_eq eaddrnotavail "$(results_col "$d" eaddrnotavail path=lo)" "0 8"
	expect_eq ports "$(results_col "$d" ports path=lo loop=0)" 10
	expect_eq "rows" "$(wc -l <"$d/results.csv")" 3
}

# Rule: results.md and the plots are made from results.csv alone (--report-only), reading it
# by column name; without gnuplot the sweep says so plainly and still writes results.md.
test_sweep_report_without_gnuplot() {
	local d; d=$(tmpdir)/r
	mkdir -p "$d"
	{
		echo "loop,finished,path,tw_reuse,tw_reuse_delay_ms,ports,reuseport,linger,close,interval_ms,failed,conns,time_s"
		echo "0,5,veth,0,1000,8,1,0,client,0,0,5,0.1"
		echo "1,3,veth,0,1000,8,1,0,client,0,2,5,0.1"
		echo "2,0,veth,0,1000,8,1,0,client,0,5,5,0.1"
	} >"$d/results.csv"
	GNUPLOT=/nonexistent/gnuplot bash "$SWEEP" --report-only "$d" 2>"$d.err" || die "exit $?: $(cat "$d.err")"
	grep -q "gnuplot not found" "$d.err" || die "no gnuplot message: $(cat "$d.err")"
	ls "$d"/*.png >/dev/null 2>&1 && die "plots made without gnuplot"
	grep -q '^| veth | 0 | 1000 | 8 | 1 | 0 | client | 0 | 5 3 0 | 1 | 7 of 15 |' "$d/results.md" \
		|| die "results.md: $(cat "$d/results.md")"
}

# Rule: with gnuplot installed, the report has one finished-per-loop plot per path and a
# heat map, linked from results.md.
test_sweep_plots_with_gnuplot() {
	command -v gnuplot >/dev/null || skip "gnuplot not installed"
	local d; d=$(tmpdir)/r
	mkdir -p "$d"
	{
		echo "path,tw_reuse,tw_reuse_delay_ms,ports,reuseport,linger,close,interval_ms,loop,conns,finished,failed,time_s"
		echo "lo,0,1000,8,0,0,client,0,0,5,5,0,0.1"
		echo "lo,0,1000,8,0,0,client,0,1,5,3,2,0.1"
		echo "veth,0,1000,8,0,0,client,0,0,5,5,0,0.1"
		echo "veth,0,1000,8,0,0,client,0,1,5,3,2,0.1"
	} >"$d/results.csv"
	bash "$SWEEP" --report-only "$d" 2>"$d.err" || die "exit $?: $(cat "$d.err")"
	local f
	for f in finished-lo.png finished-veth.png heatmap.png; do
		[ -s "$d/$f" ] || die "$f not made: $(cat "$d.err")"
		grep -q "($f)" "$d/results.md" || die "$f not linked from results.md"
	done
}

# Rule: Ctrl-C during a sweep removes every namespace it made and ends the processes in
# them, and the sweep exits 130.
test_sweep_interrupt_cleans_up() {
	need_root
	local d; d=$(tmpdir)/s
	# A background job of a script starts with SIGINT ignored, which bash cannot undo: perl
	# puts the default back before it starts the sweep, as a terminal's Ctrl-C would find it.
	command -v perl >/dev/null || skip "perl needed to restore SIGINT for a background job"
	LAB_PREFIX="${TW_PREFIX}-int" perl -e '$SIG{INT} = "DEFAULT"; exec @ARGV or die' bash "$SWEEP" --out "$d" --twtest "$TWTEST" --paths veth \
		--tw-reuse 0 --reuseport 0 --linger 0 --loops 1000 --conns 10 --interval 50 2>"$d.err" &
	local pid=$! cns sns spids="" cpids=""
	lab_track "$pid" # stopped at cleanup if the test ends early
	lab_wait_until 10000 sweep_cell_busy
	local pids="$spids $cpids"
	[ -n "$spids" ] && [ -n "$cpids" ] || { kill -INT "$pid"; wait "$pid"; die "no server and client seen in the sweep's namespaces"; }
	sleep 0.3
	kill -INT "$pid"
	wait "$pid"
	expect_eq "exit status" "$?" 130
	no_leftovers "${TW_PREFIX}-int"
	local p
	for p in $pids; do kill -0 "$p" 2>/dev/null && die "process $p ($(tr '\0' ' ' </proc/$p/cmdline)) of the sweep still runs"; done
	return 0
}

# sweep_cell_busy: the interrupted sweep's first cell has a server and a client running;
# sets sns, cns, spids, cpids of the caller.
sweep_cell_busy() {
	sns=$(ip netns list 2>/dev/null | awk '{print $1}' | grep -- "^${TW_PREFIX}-int-s" | head -1)
	cns=${sns/-int-s/-int-c}
	[ -n "$sns" ] && spids=$(ip netns pids "$sns") && cpids=$(ip netns pids "$cns") &&
		[ -n "$spids" ] && [ -n "$cpids" ]
}

# host_pair: a client and a server namespace joined by veth, made by the lab functions with
# this run's prefix (host mode must only ever target namespaces made here); sets CNS, SNS.
host_pair() {
	LAB_PREFIX="${TW_PREFIX}-h"
	ns_create c
	CNS=$LAB_NS
	ns_create s
	SNS=$LAB_NS
	lab_veth "$CNS" "$SNS" || die "veth"
}

# Rule: host mode sets the client side's real sysctls through --client-prefix, restores
# every one of them when the sweep ends, and runs the same cells (server via
# --server-prefix). The host's own sysctls are not touched.
test_sweep_host_mode_restores_sysctls() {
	need_root
	host_pair
	local host_before; host_before=$(sysctl -n net.ipv4.tcp_tw_reuse net.ipv4.ip_local_port_range | tr '\n' ' ')
	ip netns exec "$CNS" sysctl -qw net.ipv4.tcp_tw_reuse=2 "net.ipv4.ip_local_port_range=33000 60000"
	local d; d=$(tmpdir)/s
	bash "$SWEEP" --out "$d" --twtest "$TWTEST" --host 198.18.0.2 --port 4100 \
		--client-prefix "ip netns exec $CNS" --server-prefix "ip netns exec $SNS" \
		--tw-reuse 0,1 --tw-reuse-delay kernel --reuseport 0 --linger 1 --loops 3 --conns 100 \
		--port-range 40000-40199 --drain-timeout 5 2>"$d.err" || die "sweep exit $?: $(cat "$d.err")"
	expect_eq "tw_reuse=0 finished" "$(results_col "$d" finished path=host tw_reuse=0)" "100 100 100"
	expect_eq "tw_reuse=1 finished" "$(results_col "$d" finished path=host tw_reuse=1)" "100 100 100"
	expect_eq "tcp_tw_reuse restored" "$(ip netns exec "$CNS" sysctl -n net.ipv4.tcp_tw_reuse)" 2
	expect_eq "port range restored" "$(ip netns exec "$CNS" sysctl -n net.ipv4.ip_local_port_range | tr '\t' ' ')" "33000 60000"
	grep -q "restored net.ipv4.tcp_tw_reuse=2" "$d.err" || die "no restore message: $(cat "$d.err")"
	expect_eq "host sysctls" "$(sysctl -n net.ipv4.tcp_tw_reuse net.ipv4.ip_local_port_range | tr '\n' ' ')" "$host_before"
}

# Rule: host mode waits for TIME_WAIT to drain before each cell, gives up after
# --drain-timeout with a message and exit 1, and still restores the sysctls.
test_sweep_host_mode_drain_timeout() {
	need_root
	host_pair
	local d; d=$(tmpdir)/s
	bash "$SWEEP" --out "$d" --twtest "$TWTEST" --host 198.18.0.2 --port 4100 \
		--client-prefix "ip netns exec $CNS" --server-prefix "ip netns exec $SNS" \
		--tw-reuse 0,1 --tw-reuse-delay kernel --reuseport 0 --linger 0 --loops 1 --conns 50 \
		--port-range 40000-40199 --drain-timeout 1 2>"$d.err"
	expect_eq "exit status" "$?" 1
	grep -q "did not drain within 1s" "$d.err" || die "no drain message: $(cat "$d.err")"
	expect_eq "cells run" "$(results_col "$d" finished path=host)" 50
	expect_eq "tcp_tw_reuse restored" "$(ip netns exec "$CNS" sysctl -n net.ipv4.tcp_tw_reuse)" 2
}

# Rule: lab.sh up leaves a working cell (a client reaches its server), lab.sh down removes it.
test_lab_up_down() {
	need_root
	local out
	out=$(LAB_PREFIX="${TW_PREFIX}-up" TWTEST="$TWTEST" bash "$LAB" up --path veth --port 4200) || die "up failed"
	local LAB_ID CLIENT_NS SERVER_NS DST PORT
	eval "$out"
	lab_defer lab_ns_del "$CLIENT_NS"
	lab_defer lab_ns_del "$SERVER_NS"
	expect_eq "lab id" "$LAB_ID" "${TW_PREFIX}-up"
	local line
	line=$(ip netns exec "$CLIENT_NS" "$TWTEST" client "$DST" 1 20 --port "$PORT" | grep '^loop: 0')
	expect_eq finished "$(field finished_count "$line")" 20
	bash "$LAB" down "$LAB_ID" >/dev/null || die "down failed"
	no_leftovers "$LAB_ID"
}

# Rule: lab.sh has one CSV reader, by column name and quote-aware: a quoted field holding
# commas (a DSTIP or --port list) is one field, "" inside quotes is a quote, rows are picked
# by KEY=VALUE, several columns come space-separated, and a missing column is an error
# naming it (status 1) rather than an empty guess.
test_lab_csv_reader() {
	local f; f=$(tmpdir)/t.csv
	printf '%s\n' 'type,loop,dst,port,finished,note' \
		'loop,0,"127.0.0.1,127.0.0.2","5000,5001",7,"say ""hi"""' \
		'loop,1,127.0.0.1,5000,8,' 'summary,2,127.0.0.1,5000,15,x' >"$f"
	expect_eq "dst of loop 0" "$(lab_csv_get "$f" dst type=loop loop=0)" "127.0.0.1,127.0.0.2"
	expect_eq "finished after a quoted list" "$(lab_csv_get "$f" finished type=loop loop=0)" 7
	expect_eq "doubled quote" "$(lab_csv_get "$f" note loop=0)" 'say "hi"'
	expect_eq "two columns of the summary" "$(lab_csv_get "$f" loop,finished type=summary)" "2 15"
	expect_eq "every loop row" "$(lab_csv_get "$f" finished type=loop | paste -sd' ')" "7 8"
	local err; err=$(lab_csv_get "$f" nonesuch 2>&1 >/dev/null)
	lab_csv_get "$f" nonesuch >/dev/null 2>&1
	expect_eq "missing column status" "$?" 1
	[[ $err == *"no column nonesuch"* ]] || die "missing column message: $err"
}

# Rule: bad input to sweep.sh and lab.sh gets one line on stderr naming the value, nothing
# on stdout, exit 2.
test_sweep_bad_input_exit_2() {
	local dir; dir=$(tmpdir)
	local -a cases=(
		"$SWEEP --preset huge --out $dir/x"
		"$SWEEP --tw-reuse 0,3 --out $dir/x"
		"$SWEEP --paths lo,eth0 --out $dir/x"
		"$SWEEP --loops 0 --out $dir/x"
		"$SWEEP --port-range 5000-4000 --out $dir/x"
		"$SWEEP --port 40001 --port-range 40000-40999 --out $dir/x"
		"$SWEEP --tw-reuse 0"
		"$SWEEP --out $dir/x --bogus 1"
		"$SWEEP --out $dir/x --client-prefix ssh"
		"$SWEEP --out $dir/x --host 198.18.0.2 --close server"
		"$SWEEP --report-only $dir/nothing-here"
		"$SWEEP --out $dir/x --rate 0 --duration 1"
		"$SWEEP --out $dir/x --rate 50,x --duration 1"
		"$SWEEP --out $dir/x --rate 50"
		"$SWEEP --out $dir/x --duration 5"
		"$SWEEP --out $dir/x --rate 50 --duration 3601"
		"$LAB frobnicate"
		"$LAB up --path eth0"
		"$LAB run --port 0 -- 1 1"
	)
	expect_usage_errors "$dir" "${cases[@]}"
	bash "$SWEEP" --tw-reuse 0,3 --out "$dir/x" 2>&1 | grep -q "'0,3'" || die "value not named"
	[ -e "$dir/x" ] && die "bad input made --out"
	return 0
}

run_tests
