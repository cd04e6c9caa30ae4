# The man page (docs/twtest.1) documents every option the program has: each option that
# `twtest SUB --list-options` prints is an entry of the man page's "SUB OPTIONS" section,
# with its fixed values; each subcommand and top-level option is in the SYNOPSIS.
. "$(dirname "$0")/../lib.sh"
MAN="$(cd "$(dirname "$0")/../.." && pwd)/docs/twtest.1"

# plain: man source as text: "\-" is "-", font escapes (\fB, \fR, \fI) and \(en go.
plain() { sed -E 's/\\-/-/g; s/\\f[BIRP]//g; s/\\\(en/-/g'; }

# entries SECTION: the tagged paragraphs (.TP) of the man page section named SECTION
# (its subsections included), one a line: the tag, a tab, the paragraph's text.
entries() {
	plain <"$MAN" | awk -v want="$1" '
		/^\.SH / { insec = ($0 == ".SH " want); if (tag != "") print tag "\t" body; tag = ""; next }
		!insec { next }
		/^\.(TP|PP|SS)/ { if (tag != "") print tag "\t" body; tag = ""; body = ""; istag = ($0 ~ /^\.TP/); next }
		istag { tag = $0; istag = 0; next }
		tag != "" { body = body " " $0 }
		END { if (tag != "") print tag "\t" body }'
}

# synopsis: the man page's SYNOPSIS section as text.
synopsis() {
	plain <"$MAN" | awk '/^\.SH / { insec = ($0 == ".SH SYNOPSIS"); next } insec'
}

# Rule: every option of every subcommand (from `twtest SUB --list-options`) has an entry
# (a .TP tag naming it) in that subcommand's OPTIONS section of docs/twtest.1, and the
# entry names each of its fixed values.
test_every_option_has_an_entry() {
	local sub section opt values v entry n=0 missing=""
	for sub in $("$TWTEST" --list-options | grep -v '^-'); do
		section="$(tr a-z A-Z <<<"$sub") OPTIONS"
		[ -n "$(entries "$section")" ] || die "docs/twtest.1 has no section '$section'"
		while read -r opt values; do
			opt=${opt%=}
			entry=$(entries "$section" | awk -F'\t' -v o="$opt" '
				{ t = $1; gsub(/[^a-z0-9-]+/, " ", t); if ((" " t " ") ~ (" " o " ")) print }')
			[ -n "$entry" ] || missing+=" $sub:$opt"
			for v in $values; do
				grep -qF -- "$v" <<<"$entry" || missing+=" $sub:$opt=$v"
			done
			n=$((n + 1))
		done < <("$TWTEST" "$sub" --list-options)
	done
	[ -z "$missing" ] || die "docs/twtest.1 lacks (SUB:OPTION[=VALUE]):$missing"
	[ "$n" -gt 40 ] || die "only $n options checked"
}

# Rule: the SYNOPSIS names every subcommand and every top-level option, and the man page
# documents --list-options, which every level answers.
test_synopsis_names_everything() {
	local w syn
	syn=$(synopsis)
	for w in $("$TWTEST" --list-options); do
		grep -qE -- "(^|[^a-z-])$w([^a-z-]|$)" <<<"$syn" || die "the SYNOPSIS does not name $w"
	done
	grep -qF -- "--list-options" <<<"$syn" || die "the SYNOPSIS does not name --list-options"
}

# Rule: `twtest help [SUBCOMMAND]` works as git's: alone it prints the usage (what
# `twtest --help` prints), with a subcommand exactly what `twtest SUBCOMMAND --help` prints,
# exit 0; an unknown subcommand or a second argument is a one-line usage error (exit 2).
test_help_subcommand() {
	local sub out
	expect_eq "twtest help" "$("$TWTEST" help)" "$("$TWTEST" --help)"
	for sub in $("$TWTEST" --list-options | grep -v '^-'); do
		out=$("$TWTEST" help "$sub") || die "twtest help $sub exited $?"
		expect_eq "twtest help $sub" "$out" "$("$TWTEST" "$sub" --help)"
	done
	local err rc args
	for args in "nosuch:unknown subcommand 'nosuch'" "client extra:unexpected argument 'extra'"; do
		err=$("$TWTEST" help ${args%%:*} 2>&1 >/dev/null)
		rc=$?
		expect_eq "exit status of twtest help ${args%%:*}" "$rc" 2
		expect_eq "twtest help ${args%%:*}'s error" "$err" "twtest help: ${args#*:}$(
			[ "${args%%:*}" = nosuch ] && echo " (client, server, stat, ports or merge)" ||
			echo " (usage: twtest help [SUBCOMMAND])")"
	done
}

run_tests
