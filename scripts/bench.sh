#!/usr/bin/env bash
# make bench: twtest's client and server against a minimal epoll client and echo server of
# our own (bench/baseline.c), for a fixed amount of work, each run in a fresh throwaway
# network namespace (tcp_tw_reuse=1, ports 10000-65535), configurations interleaved
# (A B C A B C ...) so that drifting machine load hits them alike. Prints, per run and
# averaged: connections per second (finished / the client's wall time), user and system CPU
# per connection of client and server, the client's share of user time, peak memory, and
# the ratios against the baseline. A benchmark, not a test: it never fails on a speed.
#   scripts/bench.sh [BUILD_DIR]    (BENCH_ROUNDS=2, BENCH_WORKLOADS="30x1000 10x10000",
#   BENCH_CONFIGS="baseline twtest-1t twtest-2t"; twtest-Nt+obs: with the per-loop kernel view)
set -u
BUILD=${1:-build/release}
TW=$BUILD/twtest BASE=$BUILD/baseline RUNSTAT=$BUILD/runstat
ROUNDS=${BENCH_ROUNDS:-2}
WORKLOADS=${BENCH_WORKLOADS:-"30x1000 10x10000"}
CONFIGS=${BENCH_CONFIGS:-"baseline twtest-1t twtest-2t"}
PORT=5000
# shellcheck source=scripts/lab.sh
. "$(dirname "$0")/lab.sh"
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
