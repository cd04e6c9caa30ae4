# Every script the docs tell users to run can be run: each file that README.md or docs/*.md
# names by its path and that opens with a `#!` line is committed with its run bit (git's
# mode 100755, what a fresh clone checks out) and is executable in this checkout.
. "$(dirname "$0")/../lib.sh"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"

# named_scripts ROOT DOC...: the files under ROOT that the DOCs name by a path (a word with
# a slash, "./" dropped) and that open with "#!", one a line, each once.
named_scripts() {
	local root=$1 p; shift
	grep -ohE '[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)+' "$@" | sed 's|^\./||; s|[.]*$||' | sort -u |
		while IFS= read -r p; do
			[ -f "$root/$p" ] && [ "$(head -c2 "$root/$p")" = '#!' ] && echo "$p"
		done
}

# not_runnable ROOT PATH...: the PATHs (relative to ROOT) without their run bit, in git's
# index when ROOT is a git checkout, and in the work tree, one a line with why.
not_runnable() {
	local root=$1 p mode; shift
	for p in "$@"; do
		if mode=$(git -C "$root" ls-files -s -- "$p" 2>/dev/null) && [ -n "$mode" ]; then
			[ "${mode%% *}" = 100755 ] || echo "$p: committed as ${mode%% *}, not 100755"
		fi
		[ -x "$root/$p" ] || echo "$p: not executable here"
	done
}

# Rule: every script README.md and docs/*.md name (a path to a file with a "#!" line) has
# its run bit, committed and in the checkout; the docs name some (scripts/kernels.sh among
# them), so the check cannot pass by finding none.
test_documented_scripts_are_executable() {
	local scripts bad
	mapfile -t scripts < <(named_scripts "$ROOT" "$ROOT/README.md" "$ROOT"/docs/*.md)
	[ "${#scripts[@]}" -ge 5 ] || die "only ${#scripts[@]} scripts named in the docs: ${scripts[*]}"
	[[ " ${scripts[*]} " == *" scripts/kernels.sh "* ]] || die "scripts/kernels.sh not found among ${scripts[*]}"
	bad=$(not_runnable "$ROOT" "${scripts[@]}")
	[ -z "$bad" ] || die "$bad"
}

# Rule: the check itself finds a documented script without its run bit, in git's index and
# in the work tree (a fixture repository whose doc names one script with it and one without).
test_a_script_without_its_run_bit_is_found() {
	local d; d=$(tmpdir)/repo
	mkdir -p "$d/scripts" "$d/docs"
	printf '#!/bin/sh\necho ok\n' >"$d/scripts/good.sh"
	printf '#!/bin/sh\necho ok\n' >"$d/scripts/bad.sh"
	printf 'not a script\n' >"$d/scripts/data.cfg"
	chmod +x "$d/scripts/good.sh"
	printf 'Run `./scripts/good.sh`, then scripts/bad.sh with scripts/data.cfg.\n' >"$d/docs/use.md"
	git -C "$d" init -q && git -C "$d" add . || die "git init"
	expect_eq "named" "$(named_scripts "$d" "$d/docs/use.md" | paste -sd' ')" "scripts/bad.sh scripts/good.sh"
	expect_eq "not runnable" "$(not_runnable "$d" scripts/bad.sh scripts/good.sh | paste -sd'|')" \
		"scripts/bad.sh: committed as 100644, not 100755|scripts/bad.sh: not executable here"
}

run_tests
