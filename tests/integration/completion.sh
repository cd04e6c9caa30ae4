# The bash completion (scripts/twtest-completion.bash): what it offers for a few prefixes,
# that it takes its words from the program (`twtest [SUB] --list-options`) and keeps no table
# of its own, that those lists agree with `twtest --help`, `twtest SUB --help` and the
# parsers, and that `make install` / `make uninstall` put it in place and take it away.
. "$(dirname "$0")/../lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
COMPLETION="$ROOT/scripts/twtest-completion.bash"

# on_path: a directory in the test's own temporary directory holding `twtest`, the program
# tested: the completion runs the program being completed, found on PATH.
on_path() {
	local dir
	dir=$(tmpdir)
	[ -d "$dir" ] || die "no temporary directory"
	dir+=/bin
	[ -e "$dir/twtest" ] || { mkdir -p "$dir" &&
		ln -s "$(cd "$(dirname "$TWTEST")" && pwd)/$(basename "$TWTEST")" "$dir/twtest"; } ||
		die "cannot link $TWTEST into $dir"
	echo "$dir"
}

# complete_line WORD...: the completion's answer for the command line WORD... (the last
# word is the one being completed), one reply a line, sorted; in a fresh bash.
complete_line() {
	PATH="$(on_path):$PATH" bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		_twtest; printf "%s\n" "${COMPREPLY[@]}" | sort' _ "$COMPLETION" "$@" | paste -sd' '
}

# table FUNCTION ARGS...: what a function of the completion script answers for the
# program twtest, one word a line, sorted.
table() {
	local fn=$1
	shift
	PATH="$(on_path):$PATH" bash -c '. "$1"; shift; "$@"' _ "$COMPLETION" "$fn" twtest "$@" | tr -s ' \t\n' '\n' | grep . | sort
}

# help_options SUB: the long options that `twtest SUB --help` lists, one a line, sorted,
# with '=' after those that take a value (a METAVAR follows them on any of their lines).
help_options() {
	"$TWTEST" "$1" --help |
		sed -nE 's/^(  -[a-zA-Z], |      )(--[a-z][a-z-]*)( [][A-Z:-]*[A-Z][][A-Z:-]*)?([[:space:]].*)?$/\2\3/p' |
		sed -E 's/ [][A-Z:-]+$/=/' | sort -u |
		awk '{ n = $0; sub(/=$/, "", n); if (n in seen && $0 !~ /=$/) next; seen[n] = 1; line[n] = $0 }
			END { for (n in line) print line[n] }' | sort
}

# Rule: `twtest <TAB>` offers the subcommands; a prefix narrows them; `--cl` offers the
# client options starting with it; the option list drops options already given.
test_prefixes() {
	expect_eq "twtest s" "$(complete_line twtest s)" "server stat"
	expect_eq "twtest client --cl" "$(complete_line twtest client --cl)" \
		"--close --close-after --close-on-data"
	expect_eq "twtest server --no" "$(complete_line twtest server --no)" "--no-reuseaddr"
	expect_eq "twtest stat --w" "$(complete_line twtest stat --port 80 --w)" "--wait-clear --watch"
	expect_eq "stat --w after --watch" "$(complete_line twtest stat --watch 5 --w)" "--wait-clear"
	expect_eq "a client positional" "$(complete_line twtest client 127.0.0.1 '')" ""
}

# Rule: an option's fixed values are offered after it, as "--opt VAL", "--opt=VAL" in one
# word, and "--opt" "=" "VAL" as bash splits it by default; options with free values get none.
test_values() {
	expect_eq "client --close" "$(complete_line twtest client --close '')" "client server shutdown"
	expect_eq "client --close = s" "$(complete_line twtest client --close = s)" "server shutdown"
	expect_eq "client --format=c" "$(complete_line twtest client --format=c)" "--format=csv"
	expect_eq "client --on-eof i" "$(complete_line twtest client --on-eof i)" "ignore"
	expect_eq "server --close" "$(complete_line twtest server --close =)" "first rst wait"
	expect_eq "server --on-eof w" "$(complete_line twtest server --on-eof w)" "write:"
	expect_eq "stat --format" "$(complete_line twtest stat --format '')" "json text"
	expect_eq "client --port" "$(complete_line twtest client --port '')" ""
	expect_eq "client -p" "$(complete_line twtest client -p '')" ""
}

# Rule: the subcommands the program lists (`twtest --list-options`) are those of
# `twtest --help`, and each one's options (and which of them take a value) are those of
# `twtest SUB --help`.
test_tables_match_help() {
	local help_subs sub
	help_subs=$("$TWTEST" --help | sed -nE 's/^(usage:)? *twtest ([a-z]+) .*/\2/p' | sort -u)
	[ -n "$help_subs" ] || die "no subcommand found in twtest --help"
	expect_eq "subcommands" "$(table _twtest_subcommands | paste -sd' ')" "$(paste -sd' ' <<<"$help_subs")"
	for sub in $help_subs; do
		expect_eq "$sub options" "$(table _twtest_options "$sub" | paste -sd' ')" \
			"$(help_options "$sub" | paste -sd' ')"
	done
}

# Rule: the completion offers exactly what the program lists: after `twtest ` the
# subcommands and top-level options, after `twtest SUB --` every option SUB lists; and the
# script keeps no list of its own (no option name is written in it).
test_offers_what_the_program_lists() {
	local sub opt
	expect_eq "twtest <TAB>" "$(complete_line twtest '')" \
		"$("$TWTEST" --list-options | sort | paste -sd' ')"
	for sub in $(table _twtest_subcommands); do
		expect_eq "twtest $sub --<TAB>" "$(complete_line twtest "$sub" --)" \
			"$("$TWTEST" "$sub" --list-options | awk '{ sub(/=$/, "", $1); print $1 }' | sort | paste -sd' ')"
		for opt in $("$TWTEST" "$sub" --list-options | awk '{ sub(/=$/, "", $1); print $1 }'); do
			[ "$opt" = --help ] && continue
			grep -qe "$opt\b" "$COMPLETION" && die "the completion script names $sub's $opt itself"
		done
	done
	return 0
}

# Rule: each fixed value list is what the parser accepts: every value passes (checked with
# --help after it, so that nothing runs), and the parser's error for a bad value names the
# same set.
test_values_match_parser() {
	local sub opt values v named out
	for sub in $(table _twtest_subcommands); do
		for opt in $(table _twtest_options "$sub" | grep '=$' | tr -d =); do
			values=$(table _twtest_values "$sub" "$opt" | paste -sd' ')
			[ -n "$values" ] || continue
			for v in $values; do
				[ "$v" = write: ] && v=write:x
				"$TWTEST" "$sub" "$opt=$v" --help >/dev/null 2>&1 ||
					die "$sub $opt=$v is offered but refused"
			done
			out=$("$TWTEST" "$sub" "$opt=bogus" 2>&1 >/dev/null)
			# "invalid --close 'bogus': must be a, b or c (...)": the names a, b, c
			named=$(sed -nE 's/.*: must be ([^(]*).*/\1/p' <<<"$out" | sed -E 's/ or /, /; s/:TEXT/:/' |
				tr -d ' ' | tr , '\n' | grep . | sort | paste -sd' ')
			expect_eq "$sub $opt values (parser: $out)" "$values" "$named"
		done
	done
}

# Rule: make install puts the completion under DESTDIR/PREFIX/share/bash-completion/
# completions/twtest, unchanged; make uninstall removes it.
test_install() {
	[ -x "$ROOT/twtest" ] || skip "no ./twtest built (make): install copies it"
	local dest
	dest=$(tmpdir)/dest
	make -s -C "$ROOT" -o twtest install DESTDIR="$dest" PREFIX=/usr >/dev/null || die "make install failed"
	local f="$dest/usr/share/bash-completion/completions/twtest"
	cmp -s "$f" "$COMPLETION" || die "$f missing or not the completion script"
	[ -x "$dest/usr/bin/twtest" ] || die "make install did not install the program"
	make -s -C "$ROOT" uninstall DESTDIR="$dest" PREFIX=/usr >/dev/null || die "make uninstall failed"
	[ ! -e "$f" ] || die "make uninstall left $f"
}

run_tests
