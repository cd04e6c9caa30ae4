# Helpers the table benches share (sourced after lab.sh and lab_trap, with NS set and a
# run() that executes inside it): filling TIME_WAIT toward several server ports, and timing
# a command under bench/runstat.

# bench_fill TWTEST PER_PORT CONNS PORT...: a `twtest server` per PORT in NS, then the
# client's loops of CONNS toward each until PER_PORT of its connections have closed there
# (each leaves a client-side TIME_WAIT). Returns 1, saying so, if a server or client fails.
bench_fill() {
	local twtest=$1 per_port=$2 conns=$3 p
	shift 3
	for p in "$@"; do
		lab_spawn_server ip netns exec "$NS" "$twtest" server --port "$p" --bind 127.0.0.1 ||
			{ lab_server_err; return 1; }
	done
	for p in "$@"; do
		run "$twtest" client 127.0.0.1 $(( (per_port + conns - 1) / conns )) "$conns" --port "$p" \
			--no-observe --format csv >/dev/null || { echo "bench: client failed" >&2; return 1; }
	done
}

# bench_runstat: RUNSTAT names bench/runstat, built to a temporary file (removed at exit)
# when it is not built already.
bench_runstat() {
	[ -x "${RUNSTAT:-}" ] && return 0
	RUNSTAT=$(mktemp -u /tmp/runstat.XXXXXX)
	cc -O2 -o "$RUNSTAT" "$(dirname "${BASH_SOURCE[0]}")/../bench/runstat.c" || return 1
	lab_defer rm -f "$RUNSTAT"
}

# bench_cost CMD...: "WALL_MS CPU_MS MAXRSS_KB" of CMD run inside NS under runstat, the best
# wall and CPU (user + sys) of 5 runs and the largest RSS.
bench_cost() {
	local i
	for i in 1 2 3 4 5; do
		run "$RUNSTAT" "$@" 2>&1 >/dev/null | grep '^runstat:'
	done | awk '{ for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		w = v["wall_s"] * 1000; c = (v["user_s"] + v["sys_s"]) * 1000; m = v["maxrss_kb"]
		if (NR == 1 || w < bw) bw = w; if (NR == 1 || c < bc) bc = c; if (m > bm) bm = m }
		END { printf "%.1f %.1f %d\n", bw, bc, bm }'
}
