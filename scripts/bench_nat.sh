#!/usr/bin/env bash
# What one `twtest ports --nat` sample costs on a large conntrack table, against
# `conntrack -L > /dev/null` on the same table, and whether its memory follows the groups or
# the entries. Root only: in a throwaway network namespace bench/ct_fill.py puts SNAT'd TCP
# entries into conntrack through ctnetlink (8 destinations, 3600 s timeouts); at 20k and at
# 200k entries each command runs 5 times inside the namespace under bench/runstat, and the
# best wall and CPU times and the largest max RSS are printed, with the ratio. Usage:
#   scripts/bench_nat.sh [TWTEST] [ENTRIES (default 200000)]
set -u
TWTEST=${1:-./twtest}
TOTAL=${2:-200000}
SMALL=$((TOTAL / 10))
NDST=8
[ "$(id -u)" = 0 ] || { echo "bench_nat: needs root (network namespace)" >&2; exit 77; }
command -v conntrack >/dev/null || { echo "bench_nat: conntrack not installed (apt-get install conntrack)" >&2; exit 77; }
# shellcheck source=scripts/lab.sh
. "$(dirname "$0")/lab.sh"
# shellcheck source=scripts/bench_lib.sh
. "$(dirname "$0")/bench_lib.sh"
LAB_PREFIX="twbench$$"
lab_trap
lab_ns_add nat || exit 1
NS=$LAB_NS
run() { ip netns exec "$NS" "$@"; }
FILL="$(dirname "$0")/../bench/ct_fill.py"
RUNSTAT=${RUNSTAT:-$(dirname "$TWTEST")/runstat}
bench_runstat || exit 1

# measure N: fill the table up to N entries, then time both readers.
have=0
measure() {
	local n=$1 t0 t1
	t0=$(date +%s%N)
	# entries have..n-1: the numbering goes on from the smaller table
	run python3 "$FILL" "$n" "$NDST" "$have" >/dev/null || { echo "bench_nat: fill failed" >&2; exit 1; }
	t1=$(date +%s%N)
	have=$n
	local count; count=$(run conntrack -C)
	echo "entries: $count (filled $(( n - ${2:-0} )) in $(( (t1 - t0) / 1000000 )) ms), $NDST destinations"
	read -r p_wall p_cpu p_rss <<<"$(bench_cost "$TWTEST" ports --nat)"
	read -r c_wall c_cpu c_rss <<<"$(bench_cost sh -c 'conntrack -L >/dev/null 2>&1')"
	printf '  %-36s %8s %8s %10s\n' "inside the namespace" "wall ms" "CPU ms" "max RSS KiB"
	printf '  %-36s %8s %8s %10s\n' "twtest ports --nat (one sample)" "$p_wall" "$p_cpu" "$p_rss"
	printf '  %-36s %8s %8s %10s\n' "conntrack -L > /dev/null" "$c_wall" "$c_cpu" "$c_rss"
	awk -v pw="$p_wall" -v pc="$p_cpu" -v cw="$c_wall" -v cc="$c_cpu" 'BEGIN {
		printf "  ratio ports --nat / conntrack -L: wall %.2f, CPU %.2f (goal <= 0.5)\n", pw / cw, pc / cc }'
}
measure "$SMALL"
measure "$TOTAL" "$SMALL"
run "$TWTEST" ports --nat --top 3
