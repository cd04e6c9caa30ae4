# tools/structure_figures.sh, the figures of docs/structure.md, on a fixture repository whose
# files and functions have known lengths: what it prints for a commit is that commit's tree
# (not the work tree), counted the way the page says. No root, no network.
. "$(dirname "$0")/../lib.sh"
SF="$(cd "$(dirname "$0")/../.." && pwd)/tools/structure_figures.sh"

need_ctags() { ctags --version 2>/dev/null | grep -q 'Universal Ctags' || skip "universal-ctags is not installed (.ci/run installs it)"; }

# fixture DIR: a git repository with src/a.c (two functions: 4 and 7 lines, 14 lines in
# all), src/b.h (2 lines) and scripts/x.sh (4 lines), committed; then src/a.c grows in the
# work tree only.
fixture() {
	local d=$1
	mkdir -p "$d/src" "$d/scripts" && cd "$d" || die "cannot make $d"
	git init -q . && git config user.email t@example.invalid && git config user.name t || die "git init"
	printf '%s\n' '/* a */' 'int one(void)' '{' '	return 1;' '}' '' \
		'static int seven(int x)' '{' '	if (x)' '		return 2;' '	x++;' '	return x;' '}' '' >src/a.c
	printf '%s\n' '/* b */' 'int one(void);' >src/b.h
	printf '%s\n' '#!/bin/sh' 'a' 'b' 'c' >scripts/x.sh
	git add . && git commit -q -m fixture || die "git commit"
	printf '%s\n' 'int big(void)' '{' '' '' '' '' '' '' '' '' '' '' '' '' '' '' '' '' '' '	return 0;' '}' >>src/a.c
}

# Rule: a function's length runs from its name's line to its closing brace (seven: 7, one:
# 4), longest first with file:line; a file's is its line count; the median is of every
# function; what the work tree changed since the commit is not counted.
test_figures_of_a_commit() {
	need_ctags
	local d out; d=$(tmpdir)/repo
	fixture "$d"
	out=$("$SF" HEAD) || die "exit $?: $out"
	grep -qx '# commit [0-9a-f]*: 2 C files, 16 lines; 1 shell scripts' <<<"$out" || die "header: $(head -1 <<<"$out")"
	expect_eq "functions, longest first" "$(sed -n '/^## longest/,/^functions/p' <<<"$out" | sed '1d;$d')" \
		"$(printf '    7 seven src/a.c:7\n    4 one src/a.c:2')"
	expect_eq "files" "$(sed -n '/^## largest C/,/^C files over/p' <<<"$out" | sed '1d;$d')" \
		"$(printf '   14 src/a.c\n    2 src/b.h')"
	grep -qx 'functions: 2, median 5.5 lines, over 40 lines: 0' <<<"$out" || die "median: $(grep '^functions' <<<"$out")"
	grep -qx '    4 scripts/x.sh' <<<"$out" || die "scripts: $(tail -2 <<<"$out")"
	git -C "$d" status --short | grep -q 'src/a.c' || die "the work tree was touched"
}

# Rule: a REV that is no commit and a row count that is no number are refused with one line
# naming the value, exit 2, nothing on stdout.
test_bad_input() {
	need_ctags
	local d out rc; d=$(tmpdir)/repo
	fixture "$d"
	for args in "nosuch" "HEAD x"; do
		rc=0
		# shellcheck disable=SC2086 # two words: REV and N
		out=$("$SF" $args 2>"$d/err") || rc=$?
		expect_eq "exit for '$args'" "$rc" 2
		expect_eq "stdout for '$args'" "$out" ""
		expect_eq "stderr lines for '$args'" "$(wc -l <"$d/err")" 1
		grep -q "'${args##* }'" "$d/err" || die "the message does not name '${args##* }': $(cat "$d/err")"
	done
}

run_tests
