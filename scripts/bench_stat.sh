#!/usr/bin/env bash
# How long `twtest stat` and one `twtest ports` sample take at scale, against `ss`.
# Root only: in a throwaway network namespace (wide ephemeral range, large
# tcp_max_tw_buckets) the client fills TIME_WAIT toward several server ports, then each
# counter runs a few times and the best wall time is printed, with the ratios of `ports`
# to `stat` and to `ss -tan | awk` grouping the same way, and the peak memory. Usage:
#   scripts/bench_stat.sh [TWTEST] [SOCKETS (default 100000)]
set -u
TWTEST=${1:-./twtest}
TOTAL=${2:-100000}
PORTS=(21001 21002 21003 21004)
PER_PORT=$(( (TOTAL + ${#PORTS[@]} - 1) / ${#PORTS[@]} ))
CONNS=5000
[ "$(id -u)" = 0 ] || { echo "bench_stat: needs root (network namespace)" >&2; exit 77; }
# shellcheck source=scripts/lab.sh
. "$(dirname "$0")/lab.sh"
# shellcheck source=scripts/bench_lib.sh
. "$(dirname "$0")/bench_lib.sh"
LAB_PREFIX="twbench$$"
lab_trap
lab_ns_add stat || exit 1
NS=$LAB_NS
lab_sysctl "$NS" "net.ipv4.ip_local_port_range=1024 65535" \
	net.ipv4.tcp_max_tw_buckets=1000000 net.ipv4.tcp_tw_reuse=0 || exit 1
run() { ip netns exec "$NS" "$@"; }

bench_fill "$TWTEST" "$PER_PORT" "$CONNS" "${PORTS[@]}" || exit 1

# best_ms CMD...: the best wall time of 5 runs, in milliseconds
best_ms() {
	local i t0 t1 best=
	for i in 1 2 3 4 5; do
		t0=$(date +%s%N)
		"$@" >/dev/null
		t1=$(date +%s%N)
		local ms=$(( (t1 - t0) / 1000000 ))
		[ -z "$best" ] || [ "$ms" -lt "$best" ] && best=$ms
	done
	echo "$best"
}
tw=$(run "$TWTEST" stat | awk '$1 == "TIME_WAIT" { print $2 }')
echo "TIME_WAIT sockets: $tw (ss: $(run ss -Htan state time-wait | wc -l))"
printf '%-44s %6s ms\n' "twtest stat (all states, no filter)" "$(best_ms run "$TWTEST" stat)"
printf '%-44s %6s ms\n' "twtest stat --port ${PORTS[0]} (kernel filter)" "$(best_ms run "$TWTEST" stat --port "${PORTS[0]}")"
printf '%-44s %6s ms\n' "ss -tan state time-wait | wc -l" "$(best_ms run sh -c 'ss -Htan state time-wait | wc -l')"
printf '%-44s %6s ms\n' "ss -tan state time-wait '( dport = :${PORTS[0]} )'" \
	"$(best_ms run sh -c "ss -Htan state time-wait '( dport = :${PORTS[0]} )' | wc -l")"
printf '%-44s %6s ms\n' "cat /proc/net/tcp /proc/net/tcp6" "$(best_ms run cat /proc/net/tcp /proc/net/tcp6)"

# ports against stat and against the same grouping by awk over ss, timed by bench/runstat
# inside the namespace (no `ip netns exec` start-up in the figures): wall and CPU (user +
# sys) are each the best of 5 runs, max RSS the largest.
RUNSTAT=${RUNSTAT:-$(dirname "$TWTEST")/runstat}
bench_runstat || exit 1
GROUP_AWK='{ src = $4; sub(/:[0-9]+$/, "", src); n[src " " $5 " " $1]++ } END { for (k in n) print k, n[k] }'
read -r s_wall s_cpu s_rss <<<"$(bench_cost "$TWTEST" stat)"
read -r p_wall p_cpu p_rss <<<"$(bench_cost "$TWTEST" ports --top 0)"
read -r a_wall a_cpu a_rss <<<"$(bench_cost sh -c "ss -Htan | awk '$GROUP_AWK'")"
echo
printf '%-40s %8s %8s %10s\n' "inside the namespace" "wall ms" "CPU ms" "max RSS KiB"
printf '%-40s %8s %8s %10s\n' "twtest stat" "$s_wall" "$s_cpu" "$s_rss"
printf '%-40s %8s %8s %10s\n' "twtest ports --top 0 (one sample)" "$p_wall" "$p_cpu" "$p_rss"
printf '%-40s %8s %8s %10s\n' "ss -tan | awk group-by" "$a_wall" "$a_cpu" "$a_rss"
awk -v pw="$p_wall" -v pc="$p_cpu" -v sw="$s_wall" -v sc="$s_cpu" -v aw="$a_wall" -v ac="$a_cpu" 'BEGIN {
	printf "ratios (wall, CPU): ports/stat %.2f, %.2f (goal <= 1.5); ports/(ss|awk) %.2f, %.2f (goal < 1)\n",
		pw / sw, pc / sc, pw / aw, pc / ac }'
run "$TWTEST" ports --top 5
