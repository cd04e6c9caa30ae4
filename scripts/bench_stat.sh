#!/usr/bin/env bash
# How long `twtest stat` takes to count TIME_WAIT sockets at scale, against `ss`.
# Root only: in a throwaway network namespace (wide ephemeral range, large
# tcp_max_tw_buckets) the client fills TIME_WAIT toward several server ports, then each
# counter runs a few times and the best wall time is printed. Usage:
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
LAB_PREFIX="twbench$$"
lab_trap
lab_ns_add stat || exit 1
NS=$LAB_NS
lab_sysctl "$NS" "net.ipv4.ip_local_port_range=1024 65535" \
	net.ipv4.tcp_max_tw_buckets=1000000 net.ipv4.tcp_tw_reuse=0 || exit 1
run() { ip netns exec "$NS" "$@"; }

for p in "${PORTS[@]}"; do
	lab_spawn_server ip netns exec "$NS" "$TWTEST" server --port "$p" --bind 127.0.0.1 || { lab_server_err; exit 1; }
done
for p in "${PORTS[@]}"; do
	run "$TWTEST" client 127.0.0.1 $(( (PER_PORT + CONNS - 1) / CONNS )) $CONNS --port "$p" \
		--format csv >/dev/null || { echo "bench_stat: client failed" >&2; exit 1; }
done

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
