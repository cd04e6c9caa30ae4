#!/usr/bin/env bash
# The test runner: for each build directory given (release, sanitizers), runs the unit
# tests and every integration file against that build's binary, then prints
# "N passed, N failed, N skipped" as its last line. Exit 1 if anything failed.
# A unit binary or integration file that exits non-zero, or dies by a signal, without having
# printed a FAIL line counts as one failure, "FAIL FILE (exit N)"; so does a file that ran
# no test. TW_TEST_DIR names the integration directory (default tests/integration), so the
# runner's own test can feed it fixtures; TW_FILES="core sweep" runs only those files.
# TW_LANES=2 runs the second build's suite (and any later one's) beside the first, in a
# runner of its own whose lines are replayed and counted when it ends: the files mostly wait
# on timers, peers and namespaces, so two lanes on two cores take about the longer one's time.
# TW_SHARE=1 with it: the first lane, once through its own files (and the fuzz step), runs
# the other lanes' files from the end of their lists until the lanes meet; each file runs
# once, in whichever lane claimed it first.
# TW_FUZZ=DIR also runs the libFuzzer targets built in DIR (tests/fuzz/run.sh), each for
# FUZZ_SECONDS (default 1), from its seed and regression corpus ("fuzz" in TW_FILES), after
# the first build's files and while the other lanes still run.
set -u
shopt -s lastpipe # the counting end of a pipeline runs in this shell: its tallies stay
SELF=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
cd "$(dirname "$0")/.." || exit 2
[ $# -gt 0 ] || set -- build/release
TEST_DIR=${TW_TEST_DIR:-tests/integration}
FUZZ_DIR=${TW_FUZZ:-}
unset TW_FUZZ # not for the files run below (the runner's own test runs this runner)
passed=0 failed=0 skipped=0
TIMES=() # "SECONDS NAME" per file, for the slowest-files line at the end

# timed NAME: records how long the file just run took (since the last mark) and prints it as
# a comment line, which count() does not tally.
MARK=$(date +%s%N)
timed() {
	local now ms
	now=$(date +%s%N) ms=$(( (now - MARK) / 1000000 )) MARK=$now
	TIMES+=("$ms $1")
	printf '# time %s %d.%01ds\n' "$1" $((ms / 1000)) $((ms % 1000 / 100))
}

# count: echoes PASS/FAIL/SKIP and ok/not ok lines as they come and tallies them; sets
# RESULTS (lines that were results) and FAILS (of them failures) for the file being read.
count() {
	local line
	RESULTS=0 FAILS=0
	while IFS= read -r line; do
		echo "$line"
		case $line in
		"ok "*|PASS*) passed=$((passed + 1)) RESULTS=$((RESULTS + 1)) ;;
		"not ok "*|FAIL*) failed=$((failed + 1)) RESULTS=$((RESULTS + 1)) FAILS=$((FAILS + 1)) ;;
		SKIP*) skipped=$((skipped + 1)) RESULTS=$((RESULTS + 1)) ;;
		esac
	done
}

# verdict NAME STATUS: a non-zero exit status or a file that ran no test is a failure,
# unless the file already reported a failure of its own.
verdict() {
	local name=$1 rc=$2 why
	if [ "$rc" -ne 0 ] && [ "$FAILS" -eq 0 ]; then
		why="exit $rc"
		[ "$rc" -gt 128 ] && why+=" / SIG$(kill -l "$rc" 2>/dev/null || echo "?")"
		echo "FAIL $name ($why)"
		failed=$((failed + 1))
	elif [ "$RESULTS" -eq 0 ]; then
		echo "FAIL $name (no test ran)"
		failed=$((failed + 1))
	fi
}

# run_build BUILD: the unit tests and every integration file against BUILD's binary.
run_build() {
	local build=$1 f name
	echo "== $build"
	MARK=$(date +%s%N)
	if [ ! -x "$build/twtest" ] || [ ! -x "$build/unit_tests" ]; then
		echo "FAIL $build: not built"
		failed=$((failed + 1))
		return
	fi
	"$build/unit_tests" 2>&1 | sed -u "s|^ok |ok $build:|; s|^not ok |not ok $build:|" | count
	verdict "$build/unit_tests" "${PIPESTATUS[0]}"
	timed "$build/unit_tests"
	for f in "$TEST_DIR"/*.sh; do
		run_file "$build" "$f"
	done
}

# run_file BUILD FILE: one integration file against BUILD's binary, unless TW_FILES leaves it
# out or (with TW_SHARE) another lane has claimed it first: mkdir in the lanes' shared
# directory is the claim, so a file runs exactly once.
run_file() {
	local build=$1 f=$2 name
	name=$(basename "$f" .sh)
	[ -n "${TW_FILES:-}" ] && [[ " $TW_FILES " != *" $name "* ]] && return
	[ -n "$CLAIMS" ] && ! mkdir "$CLAIMS/$(basename "$build").$name" 2>/dev/null && return
	MARK=$(date +%s%N)
	TWTEST="$build/twtest" TW_FILE="$(basename "$build")/$name" bash "$f" 2>&1 | count
	verdict "$(basename "$build")/$name" "${PIPESTATUS[0]}"
	timed "$(basename "$build")/$name"
}

CLAIMS=${TW_CLAIMS:-} # set in a lane that shares its files (TW_SHARE); not for the files run
unset TW_CLAIMS
lane_builds=() lane_pids=() lane_dir=
if [ "${TW_LANES:-1}" -gt 1 ] && [ $# -gt 1 ]; then
	lane_dir=$(mktemp -d "${TMPDIR:-/tmp}/twlanes.XXXXXX") || exit 2
	trap 'rm -rf "$lane_dir"' EXIT
	[ "${TW_SHARE:-0}" = 1 ] && CLAIMS=$lane_dir/claims && mkdir "$CLAIMS"
	for build in "${@:2}"; do
		# the lane's exit status goes to a file: `wait PID` forgets a child that ended long
		# before, once a later child of this shell gets the same PID (pid_max 32768 wraps
		# in one make test), and then says 127 (a CI run failed "lane build/san (exit 127)"
		# after 397 passed, 0 failed)
		(
			TW_LANES=1 TW_CLAIMS=$CLAIMS bash "$SELF" "$build" >"$lane_dir/${#lane_builds[@]}" 2>&1
			echo $? >"$lane_dir/${#lane_builds[@]}.rc"
		) &
		lane_pids+=($!) lane_builds+=("$build")
		echo "== $build: running beside $1 (its lines follow when it ends)"
	done
	set -- "$1"
fi
for build in "$@"; do
	run_build "$build"
done
# the fuzz step runs in this lane, beside the other lanes' files, not after them: this lane's
# build (release) ends first, and the fuzz targets keep one core busy
if [ -n "$FUZZ_DIR" ] && { [ -z "${TW_FILES:-}" ] || [[ " $TW_FILES " == *" fuzz "* ]]; }; then
	echo "== fuzz ($FUZZ_DIR)"
	MARK=$(date +%s%N)
	tests/fuzz/run.sh "$FUZZ_DIR" "${FUZZ_SECONDS:-1}" 2>&1 | count
	verdict fuzz "${PIPESTATUS[0]}"
	timed fuzz
fi
# TW_SHARE=1: this lane, done, takes the other lanes' files from the end of their lists
# while they work from the start, so the lanes end together instead of one waiting
if [ -n "$CLAIMS" ] && [ ${#lane_builds[@]} -gt 0 ]; then
	for build in "${lane_builds[@]}"; do
		echo "== $build: the files its lane has not reached, from the end"
		files=("$TEST_DIR"/*.sh)
		for ((j = ${#files[@]} - 1; j >= 0; j--)); do
			run_file "$build" "${files[j]}"
		done
	done
fi
for i in "${!lane_pids[@]}"; do
	wait "${lane_pids[$i]}"
	rc=$(cat "$lane_dir/$i.rc" 2>/dev/null) || rc=
	[[ $rc =~ ^[0-9]+$ ]] || rc=125 # the lane left no status: it did not end by itself
	# the lane's own total becomes a comment: its result lines are counted here again
	sed -E 's/^([0-9]+ passed, .*)$/# lane '"${lane_builds[$i]//\//\\/}"': \1/' "$lane_dir/$i" | count
	verdict "lane ${lane_builds[$i]}" "$rc"
done
# Where the time went: the five slowest files (make test is meant to stay near 10 min)
if [ ${#TIMES[@]} -gt 0 ]; then
	printf '# slowest:'; printf '%s\n' "${TIMES[@]}" | sort -rn | head -5 |
		while read -r ms name; do printf ' %s %ds' "$name" $((ms / 1000)); done; echo
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
