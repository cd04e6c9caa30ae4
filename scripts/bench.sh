#!/usr/bin/env bash
# make bench: twtest's client and server against a minimal epoll client and echo server of
# our own (bench/baseline.c), for a fixed amount of work, each run in a fresh throwaway
# network namespace (tcp_tw_reuse=1, ports 10000-65535), configurations interleaved
# (A B C A B C ...) so that drifting machine load hits them alike. Prints, per run and
# averaged: connections per second (finished / the client's wall time), user and system CPU
# per connection of client and server, the client's share of user time, peak memory, and
# the ratios against the baseline. Then the closed loop on the echo path against neper's
# tcp_crr (github.com/google/neper, built into BUILD/neper from NEPER_SRC when not there; its
# rows are skipped, saying so, without it): C connections in flight for S seconds, each tool
# with its own server, 100 bytes each way, interleaved A B A B A B (scripts/bench_pairs.sh),
# the median ratio with its spread; twtest's loops (LOOPS x C) as their own row with the
# barrier's cost. A benchmark, not a test: it never fails on a speed.
#   scripts/bench.sh [BUILD_DIR]    (BENCH_ROUNDS=2, BENCH_WORKLOADS="30x1000 10x10000",
#   BENCH_CONFIGS="baseline twtest-1t twtest-2t"; twtest-Nt+obs: with the per-loop kernel view;
#   BENCH_CRR_CONNS=50, BENCH_CRR_SECONDS=3, BENCH_CRR_ROUNDS=3, BENCH_CRR=0 leaves it out)
set -u
BUILD=${1:-build/release}
TW=$BUILD/twtest BASE=$BUILD/baseline RUNSTAT=$BUILD/runstat
ROUNDS=${BENCH_ROUNDS:-2}
WORKLOADS=${BENCH_WORKLOADS:-"30x1000 10x10000"}
CONFIGS=${BENCH_CONFIGS:-"baseline twtest-1t twtest-2t"}
PORT=5000
# shellcheck source=scripts/lab.sh
. "$(dirname "$0")/lab.sh"
# shellcheck source=scripts/bench_pairs.sh
. "$(dirname "$0")/bench_pairs.sh"
LAB_PREFIX="twbench$$"

for b in "$TW" "$BASE" "$RUNSTAT"; do
	[ -x "$b" ] || { echo "bench: $b is not built (run make bench)" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "bench: needs root for a network namespace" >&2; exit 1; }
lab_trap
lab_tmpdir || exit 1
TMP=$LAB_TMP

# cpu_ticks PID: "utime stime" in clock ticks, all threads (fields 14 and 15 of stat).
cpu_ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{print $12, $13}'; }
HZ=$(getconf CLK_TCK)

# run CONFIG LOOPS CONNS N: one measured run; appends a result row to $TMP/rows.
run() {
	local cfg=$1 loops=$2 conns=$3 n=$4
	lab_ns_add "$n" || exit 1
	local ns=$LAB_NS
	lab_sysctl "$ns" net.ipv4.tcp_tw_reuse=1 "net.ipv4.ip_local_port_range=10000 65535" || exit 1
	local server client
	case $cfg in
	baseline)
		server=("$BASE" server "$PORT")
		client=("$BASE" client 127.0.0.1 "$PORT" "$loops" "$conns") ;;
	twtest-*t)   # the tool alone: no per-loop socket-table dump
		local t=${cfg#twtest-}; t=${t%t}
		server=("$TW" server --port "$PORT" --bind 127.0.0.1 --threads "$t")
		client=("$TW" client 127.0.0.1 "$loops" "$conns" --port "$PORT" --threads "$t" --no-observe) ;;
	twtest-*t+obs) # the default: with the per-loop kernel view
		local t=${cfg#twtest-}; t=${t%t+obs}
		server=("$TW" server --port "$PORT" --bind 127.0.0.1 --threads "$t")
		client=("$TW" client 127.0.0.1 "$loops" "$conns" --port "$PORT" --threads "$t") ;;
	esac
	lab_spawn_server ip netns exec "$ns" "${server[@]}" || { lab_server_err; exit 1; }
	local spid=$LAB_SERVER_PID s0 s1
	s0=$(cpu_ticks "$spid")
	ip netns exec "$ns" "$RUNSTAT" "${client[@]}" >"$TMP/client.out" 2>"$TMP/client.err"
	s1=$(cpu_ticks "$spid")
	local hwm; hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$spid/status")
	lab_stop "$spid"
	lab_ns_del "$ns"
	local finished
	if [ "$cfg" = baseline ]; then
		finished=$(sed -n 's/^finished=\([0-9]*\).*/\1/p' "$TMP/client.out")
	else
		finished=$(sed -n 's/^summary: .*finished_count: \([0-9]*\),.*/\1/p' "$TMP/client.out")
	fi
	local stat; stat=$(grep '^runstat:' "$TMP/client.err")
	awk -v cfg="$cfg" -v wl="${loops}x$conns" -v n="$n" -v total=$((loops * conns)) \
		-v fin="${finished:-0}" -v s0="$s0" -v s1="$s1" -v hz="$HZ" -v hwm="${hwm:-0}" -v stat="$stat" '
	BEGIN {
		split(stat, kv, /[ =]/)
		for (i = 1; i < length(kv); i++) v[kv[i]] = kv[i + 1]
		split(s0, a, " "); split(s1, b, " ")
		su = (b[1] - a[1]) / hz; ss = (b[2] - a[2]) / hz
		f = fin > 0 ? fin : 1
		printf "%s %s %s %d %d %.0f %.2f %.2f %.1f %.2f %.2f %d %d\n", wl, cfg, n, fin, total - fin,
			fin / v["wall_s"], v["user_s"] * 1e6 / f, v["sys_s"] * 1e6 / f,
			100 * v["user_s"] / (v["user_s"] + v["sys_s"] + 1e-9),
			su * 1e6 / f, ss * 1e6 / f, v["maxrss_kb"], hwm
	}' >>"$TMP/rows"
	tail -1 "$TMP/rows" | awk '{printf "%-9s %-13s %6d %7d %8.0f %8.2f %8.2f %6.1f%% %8.2f %8.2f %8d %8d\n", $1, $2, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13}'
}

echo "twtest benchmark: $(nproc) cores, kernel $(uname -r); each run in a fresh namespace"
echo "(tcp_tw_reuse=1, ip_local_port_range 10000-65535), $ROUNDS rounds, configurations interleaved"
echo "CPU in microseconds per finished connection; memory in KiB (client ru_maxrss, server VmHWM)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews absolute figures)"
echo
printf "%-9s %-13s %6s %7s %8s %8s %8s %7s %8s %8s %8s %8s\n" workload config finish failed conn/s \
	cl_user cl_sys cl_usr% sv_user sv_sys cl_kb sv_kb
: >"$TMP/rows"
n=0
for wl in $WORKLOADS; do
	for r in $(seq 1 "$ROUNDS"); do
		order=$CONFIGS
		# A B C, C B A, ...: a drift in the machine's load hits every configuration alike
		[ $((r % 2)) = 0 ] && order=$(tr ' ' '\n' <<<"$CONFIGS" | tac | tr '\n' ' ')
		for cfg in $order; do
			n=$((n + 1))
			run "$cfg" "${wl%x*}" "${wl#*x}" "$n"
		done
	done
done

echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "medians over the rounds (conn/s also min-max); cpu/conn = client + server CPU per connection:"
awk -v cores="$(nproc)" '
function median(list,   a, n, i, j, t) {
	n = split(list, a, " ")
	for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{ k = $1 " " $2; if (!(k in cnt)) order[++no] = k; cnt[k]++
  rate[k] = rate[k] " " $6; cu[k] = cu[k] " " $7; cs[k] = cs[k] " " $8; su[k] = su[k] " " $10; ss[k] = ss[k] " " $11
  cpu[k] = cpu[k] " " ($7 + $8 + $10 + $11)
  if (!(k in lo) || $6 < lo[k]) lo[k] = $6; if ($6 > hi[k]) hi[k] = $6
  ckb[k] = ($12 > ckb[k] ? $12 : ckb[k]); skb[k] = ($13 > skb[k] ? $13 : skb[k]); fail[k] += $5 }
END {
	printf "%-9s %-13s %8s %13s %8s %8s %7s %8s %8s %8s %7s %7s %7s\n", "workload", "config", "conn/s", "min-max", "cl_user", "cl_sys", "cl_usr%", "sv_user", "sv_sys", "cpu/conn", "failed", "cl_kb", "sv_kb"
	for (i = 1; i <= no; i++) {
		k = order[i]; split(k, p, " ")
		r[k] = median(rate[k]); u = median(cu[k]); y = median(cs[k]); c[k] = median(cpu[k])
		share[k] = 100 * u / (u + y + 1e-9)
		printf "%-9s %-13s %8.0f %6.0f-%-6.0f %8.2f %8.2f %6.1f%% %8.2f %8.2f %8.1f %7d %7d %7d\n", p[1], p[2], r[k], lo[k], hi[k], u, y,
			share[k], median(su[k]), median(ss[k]), c[k], fail[k], ckb[k], skb[k]
	}
	print ""
	for (i = 1; i <= no; i++) {
		split(order[i], p, " ")
		if (p[2] != "baseline") continue
		w = p[1]; b = w " baseline"; t1 = w " twtest-1t"; t2 = w " twtest-2t"
		if (t1 in r) printf "%-9s twtest 1 thread / baseline:   %.2fx conn/s, %.2fx CPU per connection (goal >= 0.95x conn/s)\n", w, r[t1] / r[b], c[t1] / c[b]
		if ((t1 in r) && (t2 in r)) printf "%-9s twtest 2 threads / 1 thread: %.2fx conn/s (goal >= 1.2x)\n", w, r[t2] / r[t1]
		if (t1 in r) printf "%-9s twtest client user CPU share: %.1f%% of its CPU (goal < 3%%)\n", w, share[t1]
		if (t1 in r) printf "%-9s CPU-bound ceiling: %d cores / %.1f us = %.0f conn/s if the machine were idle\n", w, cores, c[t1], cores * 1e6 / c[t1]
	}
}' "$TMP/rows"

[ "${BENCH_CRR:-1}" = 0 ] && exit 0
C=${BENCH_CRR_CONNS:-50} SECS=${BENCH_CRR_SECONDS:-3} CRR_ROUNDS=${BENCH_CRR_ROUNDS:-3}
NEPER=$(neper_tcp_crr "$BUILD") || NEPER=""

# crr_ns N: a fresh namespace for one run (NS), as the runs above.
crr_ns() {
	lab_ns_add "crr$1" || exit 1
	NS=$LAB_NS
	lab_sysctl "$NS" net.ipv4.tcp_tw_reuse=1 "net.ipv4.ip_local_port_range=10000 65535" || exit 1
}

# crr_twtest N [LOOPS]: twtest client and server, 100 bytes echoed: the closed loop's conn/s,
# or with LOOPS the loops' "conn/s loop_ms conn_p50_ms", into CRR (empty when it failed).
# Not in $(...): the namespace's cleanup must stay registered here.
crr_twtest() {
	crr_ns "$1"
	lab_spawn_server ip netns exec "$NS" "$TW" server --port "$PORT" --bind 127.0.0.1 || { lab_server_err; exit 1; }
	local spid=$LAB_SERVER_PID s
	if [ -n "${2:-}" ]; then
		ip netns exec "$NS" "$TW" client 127.0.0.1 "$2" "$C" --port "$PORT" --no-observe >"$TMP/crr.out" 2>&1
	else
		ip netns exec "$NS" "$TW" client --concurrency "$C" --duration "$SECS" --port "$PORT" \
			--no-observe 127.0.0.1 >"$TMP/crr.out" 2>&1
	fi
	lab_stop "$spid"
	lab_ns_del "$NS"
	s=$(grep '^summary: ' "$TMP/crr.out")
	CRR=""
	grep -q 'failed_count: 0,' <<<"$s" || { echo "bench: twtest client failed: $s $(tail -n 1 "$TMP/crr.out")" >&2; return; }
	if [ -n "${2:-}" ]; then
		CRR=$(awk -v loops="$2" '{ t = $0; sub(/.*time\(s\): /, "", t); sub(/,.*/, "", t)
			r = $0; sub(/.*conn\/s: /, "", r); sub(/[ ,].*/, "", r)
			p = $0; sub(/.*conn_us: [^,]*p50=/, "", p); sub(/[ ,].*/, "", p)
			printf "%d %.3f %.3f\n", r, t * 1000 / loops, p / 1000 }' <<<"$s")
	else
		CRR=$(sed 's/.*conn\/s: \([0-9]*\).*/\1/' <<<"$s")
	fi
}

# crr_neper N: neper's tcp_crr client and server, C flows on one thread, 100 bytes each way:
# transactions (each a connection) a second, into CRR (empty when it failed).
crr_neper() {
	CRR=""
	crr_ns "$1"
	ip netns exec "$NS" "$NEPER" --logtostderr -F "$C" -T 1 -Q 100 -R 100 -l "$SECS" >"$TMP/neper_srv.out" 2>&1 &
	local spid=$!
	lab_track "$spid"
	lab_wait_until 5000 bash -c "ip netns exec $NS ss -Hltn '( sport = :12866 )' | grep -q ." ||
		{ echo "bench: neper's server did not start: $(head -c 300 "$TMP/neper_srv.out")" >&2; lab_stop "$spid"; lab_ns_del "$NS"; return; }
	ip netns exec "$NS" "$NEPER" --logtostderr -c -H 127.0.0.1 -F "$C" -T 1 -Q 100 -R 100 -l "$SECS" >"$TMP/neper.out" 2>&1 ||
		{ echo "bench: neper failed: $(tail -n 2 "$TMP/neper.out")" >&2; lab_stop "$spid"; lab_ns_del "$NS"; return; }
	lab_reap "$spid"
	lab_ns_del "$NS"
	CRR=$(sed -n 's/^throughput=\([0-9.]*\).*/\1/p' "$TMP/neper.out" | awk '{printf "%.0f\n", $1}')
}

echo
echo "closed loop on the echo path: concurrency $C, ${SECS} s per run, $CRR_ROUNDS rounds, tools interleaved,"
echo "each run in a fresh namespace with its own server; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
pairs_init "$TMP/pairs"
for r in $(seq 1 "$CRR_ROUNDS"); do
	n=$((n + 1)); crr_twtest "$n"; pairs_add crr twtest "$r" "$CRR"
	if [ -n "$NEPER" ]; then n=$((n + 1)); crr_neper "$n"; pairs_add crr neper "$r" "$CRR"; fi
	loops=$(awk -v r="$r" -v s="$SECS" -v c="$C" '$1 == "crr" && $2 == "twtest" && $3 == r && $4 != "NA" { n = int($4 * s / c); print n < 1 ? 1 : n }' "$TMP/pairs")
	n=$((n + 1)); crr_twtest "$n" "${loops:-100}"; read -r lrate lms lp50 <<<"$CRR"
	pairs_add crr loops "$r" "$lrate"; pairs_add loop loop_ms "$r" "$lms"; pairs_add loop conn_p50_ms "$r" "$lp50"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
printf "%-58s %10s %17s\n" "run" "median/s" "min-max"
pairs_figure crr twtest "echo, twtest client --concurrency $C (twtest server)"
if [ -n "$NEPER" ]; then
	pairs_figure crr neper "echo, neper tcp_crr -F $C -T 1 -Q 100 -R 100 (its server)"
else
	echo "echo, neper tcp_crr: skipped (not built; set NEPER_SRC to a neper clone)"
fi
pairs_figure crr loops "echo, twtest client loops of $C (barrier)"
[ -n "$NEPER" ] && pairs_ratio crr twtest neper "twtest closed loop / neper tcp_crr, echo" "(goal >= 1.0x)"
pairs_ratio crr loops twtest "twtest loops / closed loop, echo" "(the barrier's cost)"
awk '$1 == "loop" { s[$2] = s[$2] " " $4 } END {
	n = split(s["loop_ms"], a, " "); split(s["conn_p50_ms"], b, " ")
	for (i = 1; i <= n; i++) printf "%s%.2f/%.2f", (i > 1 ? ", " : ""), a[i], b[i]
	printf "\n" }' "$TMP/pairs" | sed 's/^/twtest loops: time per loop \/ median connection, ms, per round: /'
