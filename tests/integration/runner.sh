# Integration test of the test runner itself (tests/run.sh): fed fixture files from a
# temporary directory (TW_TEST_DIR, never tests/integration, so it does not run itself), it
# must count a crash and an early exit as failures and a clean file as passes.
. "$(dirname "$0")/../lib.sh"
RUNNER="$(cd "$(dirname "$0")/.." && pwd)/run.sh"
TESTS_LIB="$(cd "$(dirname "$0")/.." && pwd)/lib.sh"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"

# fixtures DIR: a fake build DIR/fake (a twtest stub and a unit binary that prints one ok,
# then dies by SIGSEGV) and integration files in DIR/it: clean (two passes, one skip),
# early (exits 3 before run_tests), empty (runs no test), selfreport (prints its own FAIL
# line and exits 1: one failure, not two).
fixtures() {
	local dir=$1
	mkdir -p "$dir/fake" "$dir/it"
	printf '#!/bin/sh\nexit 0\n' >"$dir/fake/twtest"
	printf '#!/bin/sh\necho "ok 1 - first"\nkill -SEGV $$\n' >"$dir/fake/unit_tests"
	chmod +x "$dir/fake/twtest" "$dir/fake/unit_tests"
	printf '. %q\ntest_a() { :; }\ntest_b() { :; }\ntest_c() { skip "fixture"; }\nrun_tests\n' \
		"$TESTS_LIB" >"$dir/it/clean.sh"
	printf '. %q\ntest_never() { :; }\nexit 3\nrun_tests\n' "$TESTS_LIB" >"$dir/it/early.sh"
	printf '. %q\nrun_tests\n' "$TESTS_LIB" >"$dir/it/empty.sh"
	printf 'echo "FAIL ${TW_FILE}: a helper is not built"\nexit 1\n' >"$dir/it/selfreport.sh"
}

# Rule: a unit binary killed by a signal after one ok, an integration file that exits
# before run_tests, and one that runs no test each count as one failure, named with the
# exit status (and the signal); a file that printed its own FAIL is not counted twice; a
# clean file counts its passes and skips; the runner exits 1.
test_runner_counts_crash_and_early_exit() {
	local dir; dir=$(tmpdir)
	fixtures "$dir"
	TW_FILES="" TW_TEST_DIR="$dir/it" bash "$RUNNER" "$dir/fake" >"$dir/out" 2>&1
	expect_eq "runner exit status" "$?" 1
	expect_eq "last line" "$(tail -1 "$dir/out")" "3 passed, 4 failed, 1 skipped"
	grep -qx "FAIL $dir/fake/unit_tests (exit 139 / SIGSEGV)" "$dir/out" || die "no crash line: $(cat "$dir/out")"
	grep -qx "FAIL fake/early (exit 3)" "$dir/out" || die "no early-exit line: $(cat "$dir/out")"
	grep -qx "FAIL fake/empty (no test ran)" "$dir/out" || die "no empty-file line: $(cat "$dir/out")"
	expect_eq "selfreport lines" "$(grep -v '^#' "$dir/out" | grep -c 'selfreport')" 1
}

# Rule: TW_FILES limits the run to the files named, and a clean run exits 0.
test_runner_files_filter_clean_passes() {
	local dir; dir=$(tmpdir)
	fixtures "$dir"
	printf '#!/bin/sh\necho "ok 1 - first"\n' >"$dir/fake/unit_tests"
	TW_FILES="clean" TW_TEST_DIR="$dir/it" bash "$RUNNER" "$dir/fake" >"$dir/out" 2>&1
	expect_eq "runner exit status" "$?" 0
	expect_eq "last line" "$(tail -1 "$dir/out")" "3 passed, 0 failed, 1 skipped"
	grep -q 'early\|empty\|selfreport' "$dir/out" && die "filtered files ran: $(cat "$dir/out")"
	# Rule: each file run gets one "# time" comment line (where make test's time goes)
	grep -qx '# time fake/clean [0-9]*\.[0-9]s' "$dir/out" || die "no time line: $(cat "$dir/out")"
	return 0
}

# Rule: with TW_LANES=2 the second build runs beside the first and its lines are counted
# in the total as if run one after the other: a crash in the second lane is a failure, the
# lane's own total line is not counted again, and the runner exits 1.
test_runner_lanes_count_both_builds() {
	local dir; dir=$(tmpdir)
	fixtures "$dir"
	cp -r "$dir/fake" "$dir/good"
	printf '#!/bin/sh\necho "ok 1 - first"\n' >"$dir/good/unit_tests"
	TW_FILES="clean" TW_TEST_DIR="$dir/it" bash "$RUNNER" "$dir/good" "$dir/fake" >"$dir/one" 2>&1
	expect_eq "one after the other: exit status" "$?" 1
	TW_LANES=2 TW_FILES="clean" TW_TEST_DIR="$dir/it" bash "$RUNNER" "$dir/good" "$dir/fake" >"$dir/out" 2>&1
	expect_eq "in lanes: exit status" "$?" 1
	expect_eq "in lanes: last line" "$(tail -1 "$dir/out")" "$(tail -1 "$dir/one")"
	expect_eq "in lanes: last line" "$(tail -1 "$dir/out")" "6 passed, 1 failed, 2 skipped"
	grep -qx "FAIL $dir/fake/unit_tests (exit 139 / SIGSEGV)" "$dir/out" || die "no crash line: $(cat "$dir/out")"
	grep -q "^# lane $dir/fake: 3 passed, 1 failed, 1 skipped$" "$dir/out" || die "no lane total: $(cat "$dir/out")"
}

# Rule: with TW_SHARE=1 the first lane, once done, runs the other lane's files it has not
# reached, from the end: each file runs exactly once and the total is the same as one build
# after the other (here the second lane's unit binary holds it 3 s, so the first takes all
# three of its files).
test_runner_share_runs_each_file_once() {
	local dir f; dir=$(tmpdir)
	fixtures "$dir"
	mkdir -p "$dir/share"
	for f in one two three; do
		printf '. %q\ntest_a() { :; }\nrun_tests\n' "$TESTS_LIB" >"$dir/share/$f.sh"
	done
	cp -r "$dir/fake" "$dir/first" && cp -r "$dir/fake" "$dir/slow"
	printf '#!/bin/sh\necho "ok 1 - first"\n' >"$dir/first/unit_tests"
	printf '#!/bin/sh\nsleep 3\necho "ok 1 - first"\n' >"$dir/slow/unit_tests"
	TW_FILES="" TW_TEST_DIR="$dir/share" bash "$RUNNER" "$dir/first" "$dir/slow" >"$dir/one" 2>&1
	expect_eq "one after the other: exit status" "$?" 0
	TW_LANES=2 TW_SHARE=1 TW_FILES="" TW_TEST_DIR="$dir/share" bash "$RUNNER" "$dir/first" "$dir/slow" \
		>"$dir/out" 2>&1
	expect_eq "shared: exit status" "$?" 0
	expect_eq "shared: last line" "$(tail -1 "$dir/out")" "$(tail -1 "$dir/one")"
	expect_eq "shared: last line" "$(tail -1 "$dir/out")" "8 passed, 0 failed, 0 skipped"
	for f in one two three; do
		expect_eq "runs of slow/$f" "$(grep -c "^PASS slow/$f:test_a$" "$dir/out")" 1
	done
	expect_eq "slow's files the first lane ran" "$(awk -v m="== $dir/slow: the files" \
		'index($0, m) == 1 { on = 1 } /^# lane / { on = 0 } on && /^PASS slow\//' "$dir/out" | wc -l)" 3
}

# Rule: the unit runner (tests/unit/unit_main.c) runs every test registered, however many
# (1000 here: it used to drop those past 512 without a word), each once; a test name asked
# for that does not exist is an error (exit 2, named), not a run of nothing.
test_unit_runner_runs_every_test() {
	command -v "${CC:-cc}" >/dev/null || skip "no C compiler"
	local dir i out rc=0; dir=$(tmpdir)
	{
		echo '#include "unit.h"'
		for i in $(seq 1 1000); do echo "TEST(t$i) { CHECK($i > 0); }"; done
	} >"$dir/many.c"
	"${CC:-cc}" -I"$ROOT/tests/unit" -o "$dir/many" "$dir/many.c" "$ROOT/tests/unit/unit_main.c" ||
		die "cannot build the fixture"
	"$dir/many" >"$dir/out" || die "exit $?"
	expect_eq "ok lines" "$(grep -c '^ok t' "$dir/out")" 1000
	expect_eq "distinct" "$(sort -u "$dir/out" | wc -l)" 1000
	grep -qx 'ok t1000' "$dir/out" || die "t1000 did not run"
	out=$("$dir/many" t7 nosuch 2>&1) || rc=$?
	expect_eq "exit status for an unknown name" "$rc" 2
	expect_eq "its message" "$out" "unit: no test named nosuch"
}

run_tests
