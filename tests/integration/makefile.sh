# The Makefile's outputs: ./twtest (what `make install` installs) is only ever the release
# build; the sanitizer and fuzzing builds write their own build directory and nothing else
# at the top. Read from `make -n` (what make would run, nothing run) in a scratch copy of
# the tree's Makefile and sources, so the checkout's own ./twtest is never at stake.
. "$(dirname "$0")/../lib.sh"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"

# plan DIR ARGS...: the commands `make -n ARGS` would run in DIR (a copy of the tree).
plan() {
	local dir=$1; shift
	make -s -n -C "$dir" "$@" 2>&1
}

# Rule: `make SAN=1` and `make FUZZ=1` build build/san/twtest and build/fuzz/twtest and
# never write ./twtest (asking them for it is an error, exit 2); plain `make` copies the
# release build there.
test_only_the_release_build_is_twtest() {
	command -v make >/dev/null || skip "no make"
	local d out rc; d=$(tmpdir)/tree
	mkdir -p "$d" && cp -r "$ROOT/Makefile" "$ROOT/src" "$ROOT/include" "$ROOT/tests" "$d/" || die "copy"
	out=$(plan "$d")
	grep -q 'cp "build/release/twtest" "twtest.tmp" && mv -f "twtest.tmp" "twtest"' <<<"$out" ||
		die "make does not copy the release build to ./twtest: $(tail -2 <<<"$out")"
	for mode in SAN=1 "FUZZ=1 CC=clang"; do
		# shellcheck disable=SC2086
		out=$(plan "$d" $mode)
		grep -qE '(^| )-o "?build/(san|fuzz)/twtest' <<<"$out" || die "make $mode builds no build/*/twtest: $(tail -2 <<<"$out")"
		grep -E '(^| )(cp|mv|install)( |.* )"?twtest(\.tmp)?"?( |$)' <<<"$out" && die "make $mode writes ./twtest"
		rc=0
		# shellcheck disable=SC2086
		make -s -C "$d" $mode twtest >/dev/null 2>&1 || rc=$?
		expect_eq "make $mode twtest" "$rc" 2
		[ -e "$d/twtest" ] && die "make $mode twtest wrote ./twtest"
	done
	return 0
}

run_tests
