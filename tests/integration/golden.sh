# Golden check of the client's output: fixed runs in a fresh namespace, compared with the
# records in tests/golden/ after the fields that measure time (and the kernel-chosen local
# ports, the drawn server port) are masked, and those that follow the host: the version
# string, tcp_tw_reuse_delay (absent before Linux 6.14), the host name and start time of every
# JSON record (H, S; twtest merge needs them). tcp_max_tw_buckets, sized from RAM,
# is set by the test instead. Everything else (field names and order, counts, failures by cause,
# TIME_WAIT, kernel counter deltas, header settings) must stay byte for byte the same.
# TW_GOLDEN_UPDATE=1 rewrites the records instead (only after a deliberate format change);
# a test that rewrote a record then fails, saying which, so updating never passes: review
# `git diff tests/golden`, then run again without it.
. "$(dirname "$0")/../lib.sh"

GOLDEN_DIR="$(cd "$(dirname "$0")/../golden" && pwd)"

# golden_mask: blank the measured-time fields of text, CSV and JSON records (T), and the
# host's: the version (V), the reuse delay (D: milliseconds, or the next whole second), the
# host name (H) and the start (S). A whole histogram ("hist") goes with its figures (T).
golden_mask() {
	sed -E \
		-e 's/^# twtest [^ ]+ /# twtest V /' \
		-e 's/"version":"[^"]*"/"version":"V"/' \
		-e 's/tcp_tw_reuse_delay=[^ ]+/tcp_tw_reuse_delay=D/' \
		-e 's/"net\.ipv4\.tcp_tw_reuse_delay":[^,}]+/"net.ipv4.tcp_tw_reuse_delay":D/' \
		-e 's/(time\(s\)|conn\/s): [0-9.]+/\1: T/g' \
		-e 's/(connect_us|conn_us): min=[0-9]+ p50=[0-9]+ p99=[0-9]+ max=[0-9]+/\1: T/g' \
		-e 's#p50/p99: [0-9.]+(us|ms|s)/[0-9.]+(us|ms|s)#p50/p99: T#g' \
		-e 's/ TIME_WAIT, free (at [0-9.]+|from [0-9.]+ to [0-9.]+) s\)/ TIME_WAIT, free at T s)/' \
		-e 's/"(time_s|conn_per_s|wait_clear_s)":[0-9.]+/"\1":T/g' \
		-e 's/"(connect_us|conn_us)":\{[^{}]*("hist":\{[^{}]*\})?\}/"\1":T/g' \
		-e 's/"host":"[^"]*","start_s":[0-9.]+/"host":"H","start_s":S/g' \
		-e 's/(local_port)(": |":|: )[0-9]+/\1\2P/g' \
		-e 's/waited [0-9.]+ s/waited T s/g' |
		awk -F, -v OFS=, '
			NR == 1 && $1 == "type" { for (i = 1; i <= NF; i++) { if ($i ~ /^(time_s|conn_per_s|wait_clear_s|connect_us_|conn_us_)/) m[i] = 1; if ($i == "tw_reuse_delay_ms") d = i } }
			$1 == "loop" || $1 == "summary" { for (i in m) if ($i != "") $i = "T"; if (d) $d = "D" }
			{ print }'
}

# golden_case NAME CLIENT-ARGS...: run the client in the namespace against the server
# started there, mask the output and compare it with tests/golden/NAME.out.
golden_case() {
	local name=$1; shift
	local got; got=$(tmpdir)/$name.out
	ip netns exec "$NS" "$TWTEST" client 127.0.0.1 --port "$SERVER_PORT" "$@" 2>&1 | golden_mask |
		sed -E "s/(^|[^0-9])$SERVER_PORT([^0-9]|\$)/\1PORT\2/g" >"$got"
	if [ "${TW_GOLDEN_UPDATE:-0}" = 1 ]; then
		cp "$got" "$GOLDEN_DIR/$name.out" || die "cannot write tests/golden/$name.out"
		GOLDEN_UPDATED+=("$name.out")
		return 0
	fi
	diff -u "$GOLDEN_DIR/$name.out" "$got" >&2 || die "output of '$*' differs from tests/golden/$name.out"
}

# golden_done: the end of a test that ran golden_case: with TW_GOLDEN_UPDATE=1 it fails,
# naming the records it rewrote (nothing was compared: an update is never a pass).
GOLDEN_UPDATED=()
golden_done() {
	[ "${#GOLDEN_UPDATED[@]}" -eq 0 ] ||
		die "TW_GOLDEN_UPDATE=1 rewrote tests/golden/{$(IFS=,; echo "${GOLDEN_UPDATED[*]}")} without comparing: not a pass; check git diff tests/golden and run again without TW_GOLDEN_UPDATE"
}

golden_setup() {
	need_root
	ns_create golden; NS=$LAB_NS
	# a fresh namespace sizes tcp_max_tw_buckets from the machine's RAM: the records hold 131072
	ip netns exec "$NS" sysctl -qw net.ipv4.tcp_tw_reuse=0 net.ipv4.tcp_max_tw_buckets=131072
	start_server --netns "$NS" --bind 127.0.0.1
}

# Rule: the concurrent loop's text (the default lines and -v's full ones), CSV and JSON
# records keep their fields and counts.
test_golden_concurrent_formats() {
	golden_setup
	golden_case text 2 5
	golden_case csv 2 5 --format csv
	golden_case json 2 5 --format json
	golden_case verbose-text 2 5 -v
	golden_done
}

# Rule: failures by cause (a full per-socket range) and linger runs report the same way.
test_golden_exhaustion_and_linger() {
	golden_setup
	golden_case exhaust-text 3 5 --local-port-range 40000-40007
	golden_case exhaust-json 3 5 --local-port-range 40000-40007 --format json
	golden_case linger-csv 2 4 1 1 --format csv
	golden_case exhaust-verbose 3 5 --local-port-range 40010-40017 --verbose
	golden_done
}

# Rule: the sequential path's per-connection and loop records keep their fields.
test_golden_sequential() {
	golden_setup
	golden_case seq-text 1 2 --sequential --report-conns
	golden_case seq-json 1 2 --sequential --report-conns --format json
	golden_done
}

# Rule: the masks make a host's values match the records, and only those: a header from a
# kernel before 6.14 (no tcp_tw_reuse_delay) and another version reads as the record does, in
# text, CSV and JSON; a changed setting beside them still differs.
test_golden_masks_host_values() {
	mask_matches "text header" "$(head -1 "$GOLDEN_DIR/text.out")" \
		-e 's/twtest V /twtest 9.9.9 /' -e 's/tcp_tw_reuse_delay=D/tcp_tw_reuse_delay=next-whole-second(0-1s)/'
	mask_matches "json header" "$(head -1 "$GOLDEN_DIR/json.out")" \
		-e 's/"version":"V"/"version":"0.2.0"/' \
		-e 's/"host":"H","start_s":S/"host":"fleet-7","start_s":1764770400.000125/' \
		-e 's/"net.ipv4.tcp_tw_reuse_delay":D/"net.ipv4.tcp_tw_reuse_delay":null/'
	mask_matches "json record" "$(sed -n 2p "$GOLDEN_DIR/json.out")" \
		-e 's/"connect_us":T/"connect_us":{"min":99,"p50":99,"p99":99,"max":99,"hist":{"count":1,"min":99,"max":99,"buckets":[[98,1]]}}/' \
		-e 's/"host":"H","start_s":S/"host":"b","start_s":1.5/'
	mask_matches "csv row" "$(head -2 "$GOLDEN_DIR/csv.out")" -e '2s/,0,D,/,0,next-whole-second(0-1s),/'
	local want got
	want=$(head -1 "$GOLDEN_DIR/text.out")
	got=$(sed -e 's/tcp_tw_reuse_delay=D/tcp_tw_reuse_delay=unknown/' -e 's/tcp_timestamps=1/tcp_timestamps=0/' \
		<<<"$want" | golden_mask)
	[ "$got" != "$want" ] || die "a changed tcp_timestamps was masked: $got"
}

# Rule: TW_GOLDEN_UPDATE=1 writes the record and fails the test that wrote it, naming it:
# a suite run with it can never go green (here into a scratch copy of tests/golden/).
test_golden_update_never_passes() {
	golden_setup
	local scratch out rc=0; scratch=$(tmpdir)/golden
	mkdir -p "$scratch" && echo stale >"$scratch/text.out"
	out=$(GOLDEN_DIR=$scratch TW_GOLDEN_UPDATE=1; golden_case text 2 5; golden_done 2>&1) || rc=$?
	[ "$rc" != 0 ] || die "an update passed: $out"
	grep -q 'rewrote tests/golden/{text.out} without comparing' <<<"$out" || die "update message: $out"
	cmp -s "$scratch/text.out" "$GOLDEN_DIR/text.out" || die "the update did not write the record: $(diff "$GOLDEN_DIR/text.out" "$scratch/text.out")"
}

# mask_matches WHAT RECORD SED-ARGS...: the record edited by SED-ARGS (as another host would
# print it) must differ from the record, and golden_mask must turn it back into the record.
mask_matches() {
	local what=$1 want=$2; shift 2
	local raw; raw=$(sed "$@" <<<"$want")
	[ "$raw" != "$want" ] || die "$what: the edit changed nothing"
	expect_eq "$what" "$(golden_mask <<<"$raw")" "$want"
}

run_tests
