#!/usr/bin/env bash
# make bench: what `twtest ports --listen` costs against `twtest ports --format prom` on the
# same table, and whether its memory stays flat. Root only: in a throwaway network namespace
# the client fills TIME_WAIT toward 4 server ports (100k sockets by default); then
#   - one scrape of /metrics (a fresh sample: --interval 1) against one `ports --format prom`
#     run, each timed inside the namespace, best of 7 (the scrape over a kept-alive
#     connection; the run by bench/runstat, its exec included), and the ratio (goal: 1.1);
#   - the exporter's peak RSS (VmHWM) after 10 scrapes and after 1000 (every tenth on a new
#     connection), each a fresh sample (goal: flat; a leak shows as growth).
# A benchmark, not a test: it never fails on a figure.
#   scripts/bench_exporter.sh [BUILD_DIR] [SOCKETS]    (BENCH_SCRAPES=1000)
set -u
BUILD=${1:-build/release}
TOTAL=${2:-100000}
SCRAPES=${BENCH_SCRAPES:-1000}
TWTEST=$BUILD/twtest RUNSTAT=$BUILD/runstat
PORTS=(21001 21002 21003 21004)
CONNS=5000
PER_PORT=$(( (TOTAL + ${#PORTS[@]} - 1) / ${#PORTS[@]} ))
for b in "$TWTEST" "$RUNSTAT"; do
	[ -x "$b" ] || { echo "bench_exporter: $b is not built (run make bench)" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "bench_exporter: needs root (network namespace)" >&2; exit 1; }
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
# shellcheck source=scripts/lab.sh
. "$(dirname "$0")/lab.sh"
# shellcheck source=scripts/bench_lib.sh
. "$(dirname "$0")/bench_lib.sh"
LAB_PREFIX="twbenchexp$$"
lab_trap
lab_tmpdir || exit 1
lab_ns_add exp || exit 1
NS=$LAB_NS
lab_sysctl "$NS" "net.ipv4.ip_local_port_range=1024 65535" \
	net.ipv4.tcp_max_tw_buckets=1000000 net.ipv4.tcp_tw_reuse=0 || exit 1
run() { ip netns exec "$NS" "$@"; }
bench_fill "$TWTEST" "$PER_PORT" "$CONNS" "${PORTS[@]}" || exit 1
echo "TIME_WAIT sockets: $(run ss -Htan state time-wait | wc -l)"

# started directly (not through run(), whose subshell would get the signal instead)
ip netns exec "$NS" "$TWTEST" ports --listen 127.0.0.1:9877 --interval 1 2>"$LAB_TMP/exporter.err" &
EXP=$!
lab_track "$EXP" TERM
sleep 1
grep -q serving "$LAB_TMP/exporter.err" || { cat "$LAB_TMP/exporter.err" >&2; exit 1; }

# prom: the best wall time of 7 runs of `ports --format prom`, in ms (bench/runstat)
prom_ms=$(for i in 1 2 3 4 5 6 7; do run "$RUNSTAT" "$TWTEST" ports --format prom 2>&1 >/dev/null | grep '^runstat:'; done |
	awk '{ for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		w = v["wall_s"] * 1000; if (NR == 1 || w < b) b = w } END { printf "%.1f", b }')
# scrape: the best of 7 scrapes, in ms; then N scrapes (every tenth on a new connection)
scrape() {
	run "$PY" -c '
import http.client, sys, time
n, best = int(sys.argv[1]), None
c = None
for i in range(n):
    if c is None or i % 10 == 0:
        c = http.client.HTTPConnection("127.0.0.1", 9877, timeout=30)
    t0 = time.monotonic()
    c.request("GET", "/metrics"); r = c.getresponse(); body = r.read()
    dt = (time.monotonic() - t0) * 1000
    assert r.status == 200 and b"twtest_ports_up 1" in body
    best = dt if best is None or dt < best else best
print("%.1f" % best)' "$1"
}
hwm() { awk '/^VmHWM/ { print $2 }' "/proc/$EXP/status"; }
scrape_ms=$(scrape 7)
scrape 3 >/dev/null          # 10 scrapes in all
hwm10=$(hwm)
scrape $((SCRAPES - 10)) >/dev/null
hwm1000=$(hwm)
samples=$(run "$PY" -c 'import urllib.request; print([l for l in urllib.request.urlopen("http://127.0.0.1:9877/metrics").read().decode().splitlines() if l.startswith("twtest_ports_samples_total")][0].split()[1])')
printf '%-52s %8s ms\n' "ports --format prom (one run, best of 7)" "$prom_ms"
printf '%-52s %8s ms\n' "ports --listen: one scrape, a fresh sample (best of 7)" "$scrape_ms"
awk -v s="$scrape_ms" -v p="$prom_ms" 'BEGIN { printf "ratio scrape / prom: %.2f (goal: within 1.1)\n", s / p }'
echo "exporter peak RSS: $hwm10 KiB after 10 scrapes, $hwm1000 KiB after $SCRAPES ($samples samples in all)"
