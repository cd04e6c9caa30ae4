# Each output field named in one place (issue 25 item 1): tools/fieldnames.sh lists the keys
# the report writers spell (rec_* calls, CSV columns, key lists and constants) and fails on a
# key spelled twice in one part (client, ports, merge). Reads the sources; runs no binary.
. "$(dirname "$0")/../lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
FIELDNAMES="$ROOT/tools/fieldnames.sh"

# Rule: every key the report writers add is spelled once in its part (the names that are two
# fields of one part are listed, with why, in tools/fieldnames.same); the checker sees the
# writers' keys, so a pass is not a pass over nothing.
test_each_field_spelled_once() {
	local out rc
	out=$("$FIELDNAMES" 2>&1)
	rc=$?
	expect_eq "tools/fieldnames.sh's exit status ($out)" "$rc" 0
	expect_eq "its output" "$out" ""
	out=$("$FIELDNAMES" --list) || die "fieldnames.sh --list failed"
	local key
	for key in "client finished src/client/report_parts.c" "client predicted_first_failure_s src/client/report_parts.c" \
		"client latency src/client/report_parts.c" "ports groups_total src/ports/ports_fields.c" \
		"merge hosts src/merge/merge_report.c" "merge type src/merge/merge_report.c"; do
		grep -q "^$key:" <<<"$out" || die "no '$key' among the keys listed: $(head -3 <<<"$out")"
	done
	[ "$(wc -l <<<"$out")" -ge 150 ] || die "only $(wc -l <<<"$out") keys listed"
}

# Rule: the checker names a key spelled twice in one part, in a call, a key list, a CSV
# column, a comparison by name or a constant, with every place; the same key in two parts
# passes.
test_checker_finds_twice() {
	local dir; dir=$(tmpdir)/fields
	mkdir -p "$dir/client" "$dir/ports"
	printf '%s\n' 'static void a(struct record *rec) { rec_uint(rec, "finished", NULL, 1); }' \
		'/* rec_uint(rec, "failed", NULL, 1) in a comment is no spelling */' \
		'static const char *const keep[] = {"loop", "due", NULL};' \
		'static void b(struct record *r) { f->csv = "due"; if (strcmp(f->key, "conn_us") == 0) g(); }' \
		'static const char key_loop[] = "loop";' >"$dir/client/a.c"
	printf '%s\n' 'static void c(struct record *rec)' '{' \
		'	rec_float(rec, "finished",' '		  NULL, 1.0, 3);' \
		'	rec_hist(&rec, "conn_us", NULL, h, 0);' '}' >"$dir/client/b.c"
	printf '%s\n' 'static void d(struct record *r) { rec_uint(r, "finished", NULL, 1); rec_uint(r, "failed", NULL, 1); }' \
		>"$dir/ports/c.c"
	local out rc
	out=$("$FIELDNAMES" "$dir/client/a.c" "$dir/client/b.c" "$dir/ports/c.c")
	rc=$?
	expect_eq "exit status with keys spelled twice" "$rc" 1
	expect_eq "what it names" "$out" \
		"twice: client finished at $dir/client/a.c:1 $dir/client/b.c:3
twice: client loop at $dir/client/a.c:3 $dir/client/a.c:5
twice: client due at $dir/client/a.c:3 $dir/client/a.c:4
twice: client conn_us at $dir/client/a.c:4 $dir/client/b.c:5"
	out=$("$FIELDNAMES" "$dir/client/b.c" "$dir/ports/c.c")
	rc=$?
	expect_eq "exit status of keys spelled once in each part ($out)" "$rc" 0
	"$FIELDNAMES" --bad >/dev/null 2>&1
	expect_eq "exit status of a bad option" "$?" 2
}

run_tests
