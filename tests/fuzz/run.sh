#!/usr/bin/env bash
# Runs the libFuzzer targets of a build directory, each from its seed corpus
# (tests/fuzz/corpus/NAME/, which also holds every crash found so far as a regression
# input) for SECONDS, and prints one PASS/FAIL/SKIP line per target with the executions
# and edge coverage (cov) it reached. A crash saves the input under DIR/crashes/ and fails.
#   run.sh [--keep] DIR SECONDS   --keep: new inputs stay in DIR/corpus/NAME for the next
#                                 run (make fuzz); without it they go to a temporary dir
#   run.sh --probe CC             exit 0 when CC can link a libFuzzer target
set -u
cd "$(dirname "$0")/../.."

if [ "${1:-}" = --probe ]; then
	tmp=$(mktemp -d) || exit 1
	printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n);\n%s\n' \
		'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { (void)d; (void)n; return 0; }' \
		>"$tmp/p.c"
	"${2:-clang}" -fsanitize=fuzzer -o "$tmp/p" "$tmp/p.c" >/dev/null 2>&1
	rc=$?
	rm -rf "$tmp"
	exit $rc
fi

keep=0
[ "${1:-}" = --keep ] && { keep=1; shift; }
dir=${1:?usage: run.sh [--keep] DIR SECONDS}
secs=${2:-60}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$dir/crashes"
rc=0
for src in tests/fuzz/fuzz_*.c; do
	name=$(basename "$src" .c)
	name=${name#fuzz_}
	bin="$dir/fuzz_$name"
	if [ ! -x "$bin" ]; then
		echo "SKIP fuzz/$name: $bin not built (needs clang with libFuzzer; Debian: libclang-rt-N-dev)"
		continue
	fi
	if [ ! -d "tests/fuzz/corpus/$name" ]; then
		echo "FAIL fuzz/$name: no seed corpus tests/fuzz/corpus/$name/"
		rc=1
		continue
	fi
	work="$tmp/$name"
	[ $keep = 1 ] && work="$dir/corpus/$name"
	mkdir -p "$work"
	dict=()
	[ -f "tests/fuzz/$name.dict" ] && dict=(-dict="tests/fuzz/$name.dict")
	log="$tmp/$name.log"
	# new inputs go to the first directory, never to the seeds in the repository
	"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$dir/crashes/$name-" "${dict[@]}" \
		"$work" "tests/fuzz/corpus/$name" >"$log" 2>&1
	status=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
	ft=$(grep -o 'ft: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
	if [ $status -eq 0 ]; then
		echo "PASS fuzz/$name: ${runs:-?} runs in ${secs}s, cov ${cov:-?}, ft ${ft:-?}"
	else
		rc=1
		echo "FAIL fuzz/$name: exit $status after ${runs:-?} runs:"
		# the broken rule or the sanitizer's verdict, our frames of the stack, the input
		grep -E 'FUZZ_CHECK|ERROR: |SUMMARY|Test unit written|^ *#[0-9]+ .*/(src|tests)/' "$log" |
			head -n 12 | sed 's/^/    /'
		echo "    once fixed, add the saved input to tests/fuzz/corpus/$name/ as a regression input"
	fi
done
exit $rc
