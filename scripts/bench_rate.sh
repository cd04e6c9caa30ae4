#!/usr/bin/env bash
# The rate mode's accuracy and steadiness (part of make bench; root, one network namespace):
#  1. the loop mode's ceiling here (connections a second, --linger so ports never bound it);
#  2. a rate run at half that ceiling: connections started a second against R, and the
#     start lag (p50, p99, max);
#  3. a rate run at twice the ceiling: the lag grows and is reported, never hidden;
#  4. a soak run (BENCH_SOAK_S seconds, default 600) at a steady rate: the client's RSS and
#     descriptor count at its start and its end.
# A benchmark, not a test: it prints figures and never fails on a speed.
#   scripts/bench_rate.sh [BUILD_DIR]   (BENCH_RATE_S=10, BENCH_SOAK_S=600, BENCH_SOAK_RATE=2000)
set -u
BUILD=${1:-build/release}
TW=$BUILD/twtest
RATE_S=${BENCH_RATE_S:-10}
SOAK_S=${BENCH_SOAK_S:-600}
SOAK_RATE=${BENCH_SOAK_RATE:-2000}
# shellcheck source=scripts/lab.sh
. "$(dirname "$0")/lab.sh"
[ -x "$TW" ] || { echo "bench_rate: $TW is not built" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "bench_rate: needs root for a network namespace" >&2; exit 1; }
export TWTEST=$TW
lab_trap
lab_tmpdir || exit 1
lab_ns_add rate || exit 1
NS=$LAB_NS
PORT=5000
lab_spawn_server ip netns exec "$NS" "$TW" server --port "$PORT" --bind 127.0.0.1 || { lab_server_err; exit 1; }

# jnum KEY FILE: a number from the summary record of a JSON run.
jnum() { grep '"type":"summary"' "$2" | sed -n "s/.*\"$1\":\([0-9.]*\).*/\1/p" | head -1; }
# lag FIELD FILE: p50/p99/max of the summary's lag_ms.
lag() { grep '"type":"summary"' "$2" | sed -n "s/.*\"lag_ms\":{\"p50\":\([0-9.]*\),\"p99\":\([0-9.]*\),\"max\":\([0-9.]*\)[,}].*/p50=\1 p99=\2 max=\3/p"; }

run_rate() { # RATE SECONDS OUT [ARGS]
	local r=$1 s=$2 out=$3; shift 3
	ip netns exec "$NS" "$TW" client --rate "$r" --duration "$s" --linger --no-observe \
		--port "$PORT" --format json "$@" 127.0.0.1 >"$out"
}

echo "== loop-mode ceiling (5 loops of 2000, --linger --no-observe)"
ip netns exec "$NS" "$TW" client 127.0.0.1 5 2000 --linger --no-observe --port "$PORT" \
	--format json >"$LAB_TMP/ceiling.json"
CEIL=$(jnum conn_per_s "$LAB_TMP/ceiling.json")
echo "ceiling: $CEIL connections/s"
HALF=$(awk -v c="$CEIL" 'BEGIN { printf "%d", c / 2 }')
DOUBLE=$(awk -v c="$CEIL" 'BEGIN { printf "%d", c * 2 }')

echo "== half the ceiling: --rate $HALF for $RATE_S s"
run_rate "$HALF" "$RATE_S" "$LAB_TMP/half.json"
STARTED=$(jnum started "$LAB_TMP/half.json")
awk -v s="$STARTED" -v r="$HALF" -v d="$RATE_S" 'BEGIN {
	printf "started %d in %d s: %.1f/s against R = %d (%.2f%% off)\n", s, d, s / d, r, (s / d - r) * 100 / r }'
echo "start lag ms: $(lag x "$LAB_TMP/half.json"), failed: $(jnum failed "$LAB_TMP/half.json")"
echo "per interval (started, lag p99 ms):"
grep '"type":"interval"' "$LAB_TMP/half.json" |
	sed -n 's/.*"interval":\([0-9]*\).*"started":\([0-9]*\).*"lag_ms":{"p50":[0-9.]*,"p99":\([0-9.]*\).*/  \1: \2 \3/p' | tr '\n' ' '
echo

echo "== twice the ceiling: --rate $DOUBLE for 5 s"
run_rate "$DOUBLE" 5 "$LAB_TMP/double.json"
echo "due $(jnum due "$LAB_TMP/double.json"), started $(jnum started "$LAB_TMP/double.json"), start lag ms: $(lag x "$LAB_TMP/double.json")"

echo "== soak: --rate $SOAK_RATE for $SOAK_S s (client RSS and descriptors)"
ip netns exec "$NS" "$TW" client --rate "$SOAK_RATE" --duration "$SOAK_S" --linger --port "$PORT" \
	--format json 127.0.0.1 >"$LAB_TMP/soak.json" &
CPID=$!
lab_track "$CPID"
sample() { echo "$(awk '/VmRSS/ {print $2}' "/proc/$CPID/status") kB, $(ls "/proc/$CPID/fd" | wc -l) fds"; }
sleep 5
START=$(sample)
sleep $((SOAK_S > 10 ? SOAK_S - 7 : 1))
END=$(sample)
lab_reap "$CPID"
echo "client at 5 s: $START; at $((SOAK_S - 2)) s: $END"
echo "finished $(jnum finished "$LAB_TMP/soak.json") of due $(jnum due "$LAB_TMP/soak.json"), start lag ms: $(lag x "$LAB_TMP/soak.json")"
