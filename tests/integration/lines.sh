# Text lines that fit a terminal (issue 29 item 3): by default a loop's and an interval's
# line fits 120 columns for a run without failures, leads with the seed's four fields as the
# original printed them, then conn/s (rate mode: due), failures by cause, TIME_WAIT, and the
# connections' p50/p99 with units; -v prints every field as before; the summary, CSV and
# JSON keep every field.
. "$(dirname "$0")/../lib.sh"

# Rule: a loop run without failures: each loop line is at most 120 columns, reads
# "loop: N, finished_count: C, failed_count: 0, time(s): T, conn/s: R, time_wait: W,
# p50/p99: Aunit/Bunit" in that order, and drops the microsecond and kernel fields, which
# the summary still carries.
test_loop_lines_fit() {
	start_server
	local out line n=0
	out=$("$TWTEST" client 127.0.0.1 3 1000 --port "$SERVER_PORT") || die "client exit $?"
	while read -r line; do
		[ "${#line}" -le 120 ] || die "${#line} columns: $line"
		[[ $line =~ ^loop:\ [0-2],\ finished_count:\ 1000,\ failed_count:\ 0,\ time\(s\):\ [0-9]+\.[0-9]{3},\ conn/s:\ [0-9]+,\ time_wait:\ [0-9]+,\ p50/p99:\ [0-9.]+(us|ms|s)/[0-9.]+(us|ms|s)$ ]] ||
			die "not the compact line: $line"
		n=$((n + 1))
	done < <(grep '^loop: ' <<<"$out")
	expect_eq "loop lines" "$n" 3
	grep -q '^summary: loops: 3, finished_count: 3000, failed_count: 0, .*, connect_us: min=.*, kernel: ' <<<"$out" ||
		die "the summary lost fields: $(grep '^summary' <<<"$out")"
}

# Rule: a rate run without failures: each interval line is at most 120 columns and reads
# "interval: N, t(s): T, due: D, finished_count: C, failed_count: 0, time_wait: W,
# p50/p99: ..."; -v prints today's full line (started, inflight, lag_ms, connect_us, ...).
test_interval_lines_fit() {
	start_server
	local out line
	out=$("$TWTEST" client --rate 200 --duration 2 --port "$SERVER_PORT" 127.0.0.1) || die "client exit $?"
	[ "$(grep -c '^interval: ' <<<"$out")" -ge 2 ] || die "intervals: $out"
	while read -r line; do
		[ "${#line}" -le 120 ] || die "${#line} columns: $line"
		[[ $line =~ ^interval:\ [0-9]+,\ t\(s\):\ [0-9.]+,\ due:\ [0-9]+,\ finished_count:\ [0-9]+,\ failed_count:\ 0,\ time_wait:\ [0-9]+(,\ p50/p99:\ [0-9.]+(us|ms|s)/[0-9.]+(us|ms|s))?$ ]] ||
			die "not the compact line: $line"
	done < <(grep '^interval: ' <<<"$out")
	out=$("$TWTEST" client --rate 200 --duration 1 -v --port "$SERVER_PORT" 127.0.0.1) || die "client -v exit $?"
	grep -qE '^interval: 0, t\(s\): [0-9.]+, due: 200, started: 200, finished_count: [0-9]+, failed_count: 0, inflight: [0-9]+, lag_ms: .*, connect_us: min=.*, conn_us: min=' <<<"$out" ||
		die "-v is not the full line: $(grep '^interval: 0' <<<"$out")"
}

# Rule: -v (--verbose) prints the loop line as it always was: conn/s, then connect_us and
# conn_us in microseconds (min p50 p99 max), time_wait and the kernel counters; CSV and JSON
# are the same with and without it.
test_verbose_full_loop_line() {
	start_server
	local out dir; dir=$(tmpdir)
	out=$("$TWTEST" client 127.0.0.1 1 100 --verbose --port "$SERVER_PORT") || die "client exit $?"
	grep -qE '^loop: 0, finished_count: 100, failed_count: 0, time\(s\): [0-9.]+, conn/s: [0-9]+, connect_us: min=[0-9]+ p50=[0-9]+ p99=[0-9]+ max=[0-9]+, conn_us: min=[0-9]+ p50=[0-9]+ p99=[0-9]+ max=[0-9]+, time_wait: [0-9]+, kernel: ' <<<"$out" ||
		die "not the full line: $(grep '^loop' <<<"$out")"
	"$TWTEST" client 127.0.0.1 1 10 --port "$SERVER_PORT" --format csv | head -1 >"$dir/a"
	"$TWTEST" client 127.0.0.1 1 10 -v --port "$SERVER_PORT" --format csv | head -1 >"$dir/b"
	cmp -s "$dir/a" "$dir/b" || die "-v changed the CSV columns"
	"$TWTEST" client 127.0.0.1 1 10 -v --port "$SERVER_PORT" --format json | grep '"type":"loop"' |
		grep -q '"connect_us":{"min":' || die "-v changed JSON"
}

run_tests
