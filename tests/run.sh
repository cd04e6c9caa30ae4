#!/usr/bin/env bash
# The test runner: for each build directory given (release, sanitizers), runs the unit
# tests and every tests/integration/*.sh against that build's binary, then prints
# "N passed, N failed, N skipped" as its last line. Exit 1 if anything failed.
set -u
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || set -- build/release
passed=0 failed=0 skipped=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

count() { # reads PASS/FAIL/SKIP and ok/not ok lines, echoes them, tallies
	local line
	while IFS= read -r line; do
		echo "$line"
		case $line in
		"ok "*|PASS*) passed=$((passed + 1)) ;;
		"not ok "*|FAIL*) failed=$((failed + 1)) ;;
		SKIP*) skipped=$((skipped + 1)) ;;
		esac
	done
}

for build in "$@"; do
	echo "== $build"
	if [ ! -x "$build/twtest" ] || [ ! -x "$build/unit_tests" ]; then
		echo "FAIL $build: not built"
		failed=$((failed + 1))
		continue
	fi
	count < <("$build/unit_tests" 2>&1 | sed "s|^ok |ok $build:|; s|^not ok |not ok $build:|")
	for f in tests/integration/*.sh; do
		[ -n "${TW_FILES:-}" ] && [[ " $TW_FILES " != *" $(basename "$f" .sh) "* ]] && continue
		count < <(TWTEST="$build/twtest" TW_FILE="$(basename "$build")/$(basename "$f" .sh)" \
			bash "$f" 2>&1)
	done
done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
