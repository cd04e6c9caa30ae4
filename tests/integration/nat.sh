# Integration tests of the nat path (issue 14, docs/nat.md): K client namespaces behind a
# router namespace that masquerades them to one address through a small port range. The
# NAT runs out of ports long before any client does; what the clients and the router's
# conntrack counters then show. Every rule and sysctl lives in namespaces made here.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../nat_lib.sh"
SWEEP="$(cd "$(dirname "$0")/../.." && pwd)/scripts/sweep.sh"
LAB="$(cd "$(dirname "$0")/../.." && pwd)/scripts/lab.sh"


# nat_sweep DIR CONNS ARGS...: a small nat sweep into DIR: K=3 clients with 1000 ports each,
# 2 loops of CONNS connections each, through 50 NAT ports (no plots: not under test here).
nat_sweep() {
	local dir=$1 conns=$2; shift 2
	GNUPLOT=/nonexistent LAB_PREFIX="${TW_PREFIX}-ns" bash "$SWEEP" --out "$dir" --twtest "$TWTEST" --paths nat \
		--nat-clients 3 --nat-ports 40000-40049 --reuseport 0 --tw-reuse-delay kernel \
		--port-range 41000-41999 --loops 2 --conns "$conns" "$@" 2>"$dir.err" || die "sweep exit $?: $(cat "$dir.err")"
}

# Rule: churn through a NAT whose ports all sit in conntrack TIME_WAIT: 3 clients, each
# using 120 of its own 1000 ports, push 360 connections through 50 NAT ports. On this kernel
# the NAT takes over TIME_WAIT entries, so every connection finishes, but SYNs the NAT could
# not place are dropped (insert_failed, drop) and sent again after 1 s: connect latency, never
# EADDRNOTAVAIL. tcp_tw_reuse=1 on the clients changes none of it (their ports are not short;
# it only lets a client reuse its own TIME_WAIT ports, once a retransmit-slowed loop took
# longer than the reuse delay).
test_nat_churn_delays_never_eaddrnotavail() {
	need_root; need_nft
	local d; d=$(tmpdir)/s
	nat_sweep "$d" 60 --tw-reuse 0,1 --linger 0 --close client
	# the clients' own TIME_WAIT: 3 x 60 a loop, far below their 3 x 1000 ports
	expect_eq "tw_reuse=0 client TIME_WAIT" "$(results_col "$d" time_wait tw_reuse=0)" "180 360"
	local r
	for r in 0 1; do
		expect_eq "tw_reuse=$r finished" "$(results_col "$d" finished tw_reuse=$r)" "180 180"
		expect_eq "tw_reuse=$r EADDRNOTAVAIL" "$(results_col "$d" eaddrnotavail tw_reuse=$r)" "0 0"
		# every NAT port is held by a conntrack entry in TIME_WAIT when the cell ends
		expect_eq "tw_reuse=$r ct entries" "$(results_col "$d" ct_entries tw_reuse=$r loop=1)" 50
		expect_eq "tw_reuse=$r ct TIME_WAIT" "$(results_col "$d" ct_time_wait tw_reuse=$r loop=1)" 50
		local drop fail max
		drop=$(results_col "$d" ct_drop tw_reuse=$r loop=1)
		fail=$(results_col "$d" ct_insert_failed tw_reuse=$r loop=1)
		[ "$drop" -ge 1 ] && [ "$fail" -ge 1 ] || die "tw_reuse=$r: conntrack drop $drop, insert_failed $fail; want both counting"
		# a dropped SYN is sent again after 1 s: the cell's slowest connect shows it
		max=$(results_col "$d" connect_us_max tw_reuse=$r | tr ' ' '\n' | sort -n | tail -1)
		[ "$max" -ge 900000 ] || die "tw_reuse=$r: slowest connect ${max} us with $drop SYNs dropped; want >= 0.9 s"
	done
	grep -q '^| nat | 0 | 0 | client | 3 | 40000-40049 | 0 | 120 | ' "$d/results.md" || die "results.md: $(grep '^| nat' "$d/results.md")"
}

# Rule: server closing first through the NAT: the server holds TCP's TIME_WAIT, the clients
# none, and conntrack still holds every NAT port in TIME_WAIT; with linger (RST) nobody holds
# TIME_WAIT, yet conntrack keeps an entry (state CLOSE) on every NAT port. Nothing fails
# with EADDRNOTAVAIL either way.
test_nat_close_order_and_linger() {
	need_root; need_nft
	local d; d=$(tmpdir)/s
	nat_sweep "$d" 40 --tw-reuse 0 --linger 0 --close server
	expect_eq "server first: finished" "$(results_col "$d" finished close=server)" "120 120"
	expect_eq "server first: client TIME_WAIT" "$(results_col "$d" time_wait close=server)" "0 0"
	local tw; tw=$(results_col "$d" ct_time_wait loop=1)
	[ "$tw" -ge 40 ] && [ "$tw" -le 50 ] || die "server first: ct TIME_WAIT $tw; want 40-50 of 50 ports"
	local l; l=$(tmpdir)/l
	nat_sweep "$l" 40 --tw-reuse 0 --linger 1 --close client
	expect_eq "linger: finished" "$(results_col "$l" finished linger=1)" "120 120"
	expect_eq "linger: client TIME_WAIT" "$(results_col "$l" time_wait linger=1)" "0 0"
	expect_eq "linger: ct TIME_WAIT" "$(results_col "$l" ct_time_wait loop=1)" 0
	expect_eq "linger: ct entries" "$(results_col "$l" ct_entries loop=1)" 50
	expect_eq "EADDRNOTAVAIL" "$(results_col "$d" eaddrnotavail) $(results_col "$l" eaddrnotavail)" "0 0 0 0"
}

# Rule: a NAT whose ports are all held by live connections cannot take any over: new
# connections from another client time out in connect (their SYNs dropped: insert_failed
# and drop count each try), never EADDRNOTAVAIL, while the holders finish.
test_nat_live_ports_fail_new_connections() {
	need_root; need_nft
	LAB_NAT_CLIENTS=2 LAB_NAT_PORTS=40000-40019 lab_cell_up nat || die "nat cell"
	lab_cell_sysctl "net.ipv4.ip_local_port_range=41000 41999" || die "sysctl"
	# the server holds each connection 4 s; the newcomers give up after 2 s (margin: 2 s
	# for the holders to connect and the newcomers to start on a busy machine)
	lab_server_start "$LAB_SNS" 4000 --close-after 4000 || { lab_server_err; die "server"; }
	local out; out=$(tmpdir)
	ip netns exec "${LAB_CNSES[0]}" "$TWTEST" client "$LAB_DST" 1 20 --close server --port 4000 \
		--format csv >"$out/holders" 2>&1 &
	local holders=$!
	lab_track $holders
	lab_wait_until 2000 nat_established 20 || die "the 20 holders did not connect: $(lab_nat_stats 4000 | tr '\n' ' ')"
	ip netns exec "${LAB_CNSES[1]}" "$TWTEST" client "$LAB_DST" 1 10 --close server --port 4000 \
		--timeout 2000 --format csv >"$out/new" 2>&1
	local ct; ct=$(lab_nat_stats 4000 | tr '\n' ' ')
	lab_reap $holders || die "holders exit $?"
	local line; line=$(grep '^summary,' "$out/new")
	expect_eq "newcomers failed_by" "$(csv_field "$out/new" failed_by)" "timeout/connect=10"
	expect_eq "holders finished" "$(csv_field "$out/holders" finished)" 20
	local fail drop
	fail=$(sed -n 's/.*insert_failed=\([0-9]*\).*/\1/p' <<<"$ct")
	drop=$(sed -n 's/.* drop=\([0-9]*\).*/\1/p' <<<"$ct")
	[ "$fail" -ge 10 ] && [ "$drop" -ge 10 ] || die "conntrack: $ct; want insert_failed and drop >= 10 ($line)"
}

# nat_established N: the router tracks at least N established connections.
nat_established() {
	local n; n=$(ip netns exec "$LAB_RNS" "$TWTEST" ports --nat --format prom |
		awk '/^twtest_nat_entries\{.*state="established"/ { n += $2 } END { print n + 0 }')
	[ "$n" -ge "$1" ]
}


# Rule: the NAT holds a port for conntrack's TIME_WAIT timeout, not TCP's: with the router's
# nf_conntrack_tcp_timeout_time_wait at 2 s, the entries go within a few seconds while the
# client's own TIME_WAIT sockets (60 s) remain; a router with the kernel's 120 s, used at
# the same time, still holds every port used.
test_nat_tw_timeout_is_conntracks() {
	need_root; need_nft
	LAB_NAT_CLIENTS=1 LAB_NAT_PORTS=40000-40019 LAB_NAT_TW_TIMEOUT=2 lab_cell_up nat || die "nat cell"
	lab_server_start "$LAB_SNS" 4000 || { lab_server_err; die "server"; }
	local short_rns=$LAB_RNS short_cns=$LAB_CNS
	ip netns exec "$LAB_CNS" "$TWTEST" client "$LAB_DST" 1 20 --port 4000 >/dev/null || die "client"
	LAB_NAT_CLIENTS=1 LAB_NAT_PORTS=40000-40019 LAB_NAT_TW_TIMEOUT= lab_cell_up nat || die "nat cell"
	lab_server_start "$LAB_SNS" 4000 || { lab_server_err; die "server"; }
	ip netns exec "$LAB_CNS" "$TWTEST" client "$LAB_DST" 1 20 --port 4000 >/dev/null || die "client"
	expect_eq "default timeout" "$(lab_nat_stats 4000 | grep '^tw_timeout=')" "tw_timeout=120"
	# 2 s and conntrack's garbage collection: 8 s is a wide margin on a busy machine
	LAB_RNS=$short_rns lab_wait_until 8000 nat_tw_gone ||
		die "2 s timeout: $(LAB_RNS=$short_rns lab_nat_stats 4000 | grep '^time_wait=') left after 8 s"
	expect_eq "client TIME_WAIT" "$(tw_count client 4000 "$short_cns")" 20
	expect_eq "ct TIME_WAIT, 120 s timeout" "$(lab_nat_stats 4000 | grep '^time_wait=')" "time_wait=20"
}

# nat_tw_gone: the router LAB_RNS has no entry in TIME_WAIT toward LAB_DST:4000.
nat_tw_gone() { [ "$(lab_nat_stats 4000 | grep '^time_wait=')" = time_wait=0 ]; }

# Rule: the lab's NAT lives in its router namespace only: the host's ruleset and sysctls are
# the same before and after; the router has the masquerade with the chosen flags; every
# namespace goes away at cleanup.
test_nat_lab_stays_in_its_namespaces() {
	need_root; need_nft
	local before after
	before=$(nft list ruleset 2>&1; sysctl -n net.ipv4.ip_forward net.netfilter.nf_conntrack_tcp_timeout_time_wait 2>&1)
	(
		LAB_PREFIX="${TW_PREFIX}-nl" LAB_DEFER=()
		trap lab_cleanup EXIT
		LAB_NAT_CLIENTS=2 LAB_NAT_PORTS=40000-40009 LAB_NAT_RANDOM_FULLY=1 LAB_NAT_TW_TIMEOUT=5 lab_cell_up nat || exit 1
		ip netns exec "$LAB_RNS" nft list ruleset | grep -q 'masquerade to :40000-40009 fully-random' || exit 2
		[ "$(ip netns exec "$LAB_RNS" sysctl -n net.netfilter.nf_conntrack_tcp_timeout_time_wait)" = 5 ] || exit 3
		[ "$(ip netns list | grep -c -- "^${TW_PREFIX}-nl-")" = 4 ] || exit 4
	)
	expect_eq "lab subshell" "$?" 0
	after=$(nft list ruleset 2>&1; sysctl -n net.ipv4.ip_forward net.netfilter.nf_conntrack_tcp_timeout_time_wait 2>&1)
	expect_eq "host ruleset and sysctls" "$after" "$before"
	expect_eq "namespaces left" "$(ip netns list | grep -c -- "^${TW_PREFIX}-nl-")" 0
}

# Rule: Ctrl-C during a nat run removes the router, server and client namespaces (and so
# the router's rules) and ends the processes in them; lab.sh exits 130.
test_nat_interrupt_cleans_up() {
	need_root; need_nft
	# A background job of a script starts with SIGINT ignored, which bash cannot undo: perl
	# puts the default back, as a terminal's Ctrl-C would find it.
	command -v perl >/dev/null || skip "perl needed to restore SIGINT for a background job"
	local p="${TW_PREFIX}-ni"
	LAB_PREFIX=$p TWTEST=$TWTEST perl -e '$SIG{INT} = "DEFAULT"; exec @ARGV or die' bash "$LAB" run \
		--path nat --nat-clients 2 --nat-ports 40000-40009 -- 1000 5 --interval 50 >/dev/null 2>&1 &
	local pid=$! pids=""
	lab_track "$pid" # stopped at cleanup if the test ends early
	lab_wait_until 10000 nat_run_busy "$p" || { kill -INT "$pid"; wait "$pid"; die "no clients seen in $p's namespaces"; }
	kill -INT "$pid"
	wait "$pid"
	expect_eq "exit status" "$?" 130
	expect_eq "namespaces left" "$(ip netns list | grep -c -- "^$p-")" 0
	local q
	for q in $pids; do kill -0 "$q" 2>/dev/null && die "process $q of the run still runs"; done
	return 0
}

# nat_run_busy PREFIX: both client namespaces of that run have a process; sets pids.
nat_run_busy() {
	local a b
	a=$(ip netns pids "$1-c1-1" 2>/dev/null) && b=$(ip netns pids "$1-c1-2" 2>/dev/null) &&
		[ -n "$a" ] && [ -n "$b" ] && pids="$a $b $(ip netns pids "$1-s1" 2>/dev/null)"
}

# ct_counts NS DPORT: the SNAT entries `conntrack -L` (Debian's conntrack tool) lists in NS
# toward LAB_DST:DPORT, as "ESTABLISHED TIME_WAIT CLOSE OTHER" counts.
ct_counts() {
	ip netns exec "$1" conntrack -L -p tcp --src-nat 2>/dev/null | python3 -c '
import sys
dst, dport = sys.argv[1], sys.argv[2]
n = {"ESTABLISHED": 0, "TIME_WAIT": 0, "CLOSE": 0, "OTHER": 0}
for line in sys.stdin:
    f = line.split()
    srcs = [x[4:] for x in f if x.startswith("src=")]
    sports = [x[6:] for x in f if x.startswith("sport=")]
    if len(srcs) < 2 or len(sports) < 2 or srcs[1] != dst or sports[1] != dport:
        continue
    n[f[3] if f[3] in n else "OTHER"] += 1
print(n["ESTABLISHED"], n["TIME_WAIT"], n["CLOSE"], n["OTHER"])' "$LAB_DST" "$2"
}

# nat_mixed_cell RANDOM_FULLY: a cell with 20 NAT ports and two destinations (server ports
# 4000 and 4001): 6 live connections held toward 4000, then toward 4001 5 that end in
# TIME_WAIT and 4 ended by RST (CLOSE, held 60 s here).
nat_mixed_cell() {
	LAB_NAT_CLIENTS=2 LAB_NAT_PORTS=40000-40019 LAB_NAT_RANDOM_FULLY=$1 lab_cell_up nat || die "nat cell"
	# CLOSE entries held 60 s instead of 10, so that they outlive the test's reads
	ip netns exec "$LAB_RNS" sysctl -qw net.netfilter.nf_conntrack_tcp_timeout_close=60 || die "sysctl"
	lab_server_start "$LAB_SNS" 4000 --close-after 20000 || { lab_server_err; die "server 4000"; }
	lab_server_start "$LAB_SNS" 4001 || { lab_server_err; die "server 4001"; }
	ip netns exec "${LAB_CNSES[0]}" "$TWTEST" client "$LAB_DST" 1 6 --close server --port 4000 \
		--timeout 30000 >/dev/null 2>&1 &
	lab_track $!
	lab_wait_until 5000 nat_established 6 || die "the 6 holders did not connect"
	ip netns exec "${LAB_CNSES[1]}" "$TWTEST" client "$LAB_DST" 1 5 --port 4001 >/dev/null || die "client tw"
	ip netns exec "${LAB_CNSES[1]}" "$TWTEST" client "$LAB_DST" 1 4 --port 4001 --linger 1 >/dev/null || die "client rst"
}

# Rule: `ports --nat` in the router counts what `conntrack -L` lists, state by state, per
# destination (two destinations: two groups); free = pool - in_use; the pool is said to come
# from --nat-ports; with and without fully-random mapping.
test_nat_ports_matches_conntrack() {
	need_root; need_nft
	command -v conntrack >/dev/null || skip "conntrack not installed (apt-get install conntrack)"
	local rf
	for rf in 0 1; do
		nat_mixed_cell $rf
		local json; json=$(ip netns exec "$LAB_RNS" "$TWTEST" ports --nat --nat-ports 40000-40019 --format json) ||
			die "ports --nat exit $?"
		local c4000 c4001 tw cl
		c4000=$(ct_counts "$LAB_RNS" 4000) c4001=$(ct_counts "$LAB_RNS" 4001)
		# the setup reached every state counted (the 6 holders, TIME_WAIT and CLOSE entries)
		expect_eq "fully-random=$rf conntrack -L toward 4000" "$c4000" "6 0 0 0"
		read -r _ tw cl _ <<<"$c4001"
		[ "$tw" -ge 1 ] && [ "$cl" -ge 1 ] || die "fully-random=$rf: conntrack -L toward 4001: $c4001"
		local n4001; n4001=$(( $(tr ' ' '+' <<<"$c4001") ))
		expect_eq "fully-random=$rf ports --nat toward 4000" "$(nat_group "$json" 4000 established time_wait close other in_use free pool)" "$c4000 6 14 20"
		expect_eq "fully-random=$rf ports --nat toward 4001" "$(nat_group "$json" 4001 established time_wait close other in_use free pool)" "$c4001 $n4001 $((20 - n4001)) 20"
		expect_eq "fully-random=$rf groups" "$(nat_json groups_total "$json")" 2
		expect_eq "fully-random=$rf pool from" "$(nat_json pool_from "$json")" nat-ports
		expect_eq "fully-random=$rf nf_conntrack_max" "$(nat_json max_entries "$json")" \
			"$(ip netns exec "$LAB_RNS" cat /proc/sys/net/netfilter/nf_conntrack_max)"
	done
}

# Rule: a --nat-ports that disagrees with the rule (10 ports asked, the rule gives 20) is
# shown as given: pool 10, and the entries on ports outside it are counted and named in a
# note, so the user sees the mismatch; free never goes below 0.
test_nat_ports_pool_as_given() {
	need_root; need_nft
	command -v conntrack >/dev/null || skip "conntrack not installed (apt-get install conntrack)"
	nat_mixed_cell 0
	local json text outside
	json=$(ip netns exec "$LAB_RNS" "$TWTEST" ports --nat --nat-ports 40000-40009 --format json) || die "exit $?"
	outside=$(ip netns exec "$LAB_RNS" conntrack -L -p tcp --src-nat 2>/dev/null |
		awk '{ n = 0; for (i = 1; i <= NF; i++) if ($i ~ /^dport=/) { n++; if (n == 2) p = substr($i, 7) } if (p > 40009) c++ } END { print c + 0 }')
	[ "$outside" -gt 0 ] || die "no entry on 40010-40019 to check with"
	local got; got=$(( $(nat_group "$json" 4000 outside_pool | tr -d ' ') + $(nat_group "$json" 4001 outside_pool) ))
	expect_eq "entries outside the given pool" "$got" "$outside"
	local c4001 n; c4001=$(ct_counts "$LAB_RNS" 4001)
	n=$(( $(tr ' ' '+' <<<"$c4001") ))
	local free=$((10 - n)); [ $free -lt 0 ] && free=0
	expect_eq "pool as given" "$(nat_group "$json" 4001 pool in_use free)" "10 $n $free"
	expect_eq "pool 4000" "$(nat_group "$json" 4000 in_use free used_pct)" "6 4 60.0"
	text=$(ip netns exec "$LAB_RNS" "$TWTEST" ports --nat --nat-ports 40000-40009) || die "text exit $?"
	grep -q "^pool 40000-40009: 10 ports per destination (--nat-ports, as given)" <<<"$text" || die "pool line: $text"
	grep -q "^note: $outside entries use NAT ports outside 40000-40009" <<<"$text" || die "note: $text"
	text=$(ip netns exec "$LAB_RNS" "$TWTEST" ports --nat) || die "default exit $?"
	grep -q "^pool 1024-65535: 64512 ports per destination (the kernel's default" <<<"$text" || die "default pool: $text"
}

# Rule: ports --nat without CAP_NET_ADMIN says so in one line and exits 1; bad --nat-ports
# is one line naming the value, exit 2.
test_nat_ports_refusals() {
	need_root
	ns_create natcap; local ns=$LAB_NS
	local bin; bin="$(tmpdir)/twtest"
	cp "$TWTEST" "$bin" && chmod 755 "$(tmpdir)" "$bin" || die "copy $TWTEST"
	local err; err=$(ip netns exec "$ns" setpriv --reuid 65534 --regid 65534 --clear-groups \
		"$bin" ports --nat 2>&1 >/dev/null)
	expect_eq "unprivileged exit" "$?" 1
	expect_eq "unprivileged lines" "$(wc -l <<<"$err")" 1
	grep -q "CAP_NET_ADMIN" <<<"$err" || die "unprivileged: $err"
	local args rc
	for args in "--nat --nat-ports 5000-4000" "--nat --nat-ports 40000" "--nat-ports 1-2" "--nat --nat-ports 0-9"; do
		# shellcheck disable=SC2086 # the words of one case
		err=$("$TWTEST" ports $args 2>&1 >/dev/null)
		rc=$?
		expect_eq "exit status of ports $args" "$rc" 2
		expect_eq "stderr lines of ports $args" "$(wc -l <<<"$err")" 1
	done
	"$TWTEST" ports --nat --nat-ports 5000-4000 2>&1 | grep -q "invalid --nat-ports '5000-4000'" || die "value not named"
}

# Rule: bad nat input gets one line naming the value and exit 2.
test_nat_bad_input_exit_2() {
	local dir; dir=$(tmpdir)
	local -a cases=(
		"$SWEEP --out $dir/x --paths nat --nat-ports 5000-4000"
		"$SWEEP --out $dir/x --paths nat --nat-clients 0"
		"$SWEEP --out $dir/x --paths nat --nat-tw-timeout 1s"
		"$SWEEP --out $dir/x --paths veth --nat-clients 3"
		"$LAB run --path nat --nat-ports 40000 -- 1 1"
		"$LAB run --path nat --nat-clients 251 -- 1 1"
	)
	expect_usage_errors "$dir" "${cases[@]}"
	bash "$SWEEP" --out "$dir/x" --paths nat --nat-ports 5000-4000 2>&1 | grep -q "'5000-4000'" || die "value not named"
	return 0
}

run_tests
