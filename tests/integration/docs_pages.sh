# Integration test of the docs as pages a newcomer reads in a fresh clone: their links lead
# somewhere, their pictures are shown, and they cite nothing the reader does not have. The
# pages are README.md and every markdown file under docs/ (the sweeps' own reports in
# docs/results/ included). No root, no network.
. "$(dirname "$0")/../lib.sh"
DP_ROOT=$(cd "$(dirname "$0")/../.." && pwd)

# dp_pages: every page, relative to the checkout.
dp_pages() { (cd "$DP_ROOT" && { echo README.md; find docs -name '*.md' | sort; }); }

# dp_links: every relative markdown link and image of every page, one a line: the page, "img"
# or "link", and the target resolved against the page's directory without its #anchor (code
# spans left out: a link inside `...` is an example, not a link). One pass, one realpath.
dp_links() {
	local -a page kind path
	local i=0 p k t d
	# shellcheck disable=SC2016 # the program is awk's
	while IFS=$'\t' read -r p k t; do
		d=${p%/*}; [ "$d" != "$p" ] || d=.
		page+=("$p") kind+=("$k") path+=("$d/$t")
	done < <(
		cd "$DP_ROOT" && awk '{ gsub(/`[^`]*`/, "")
			while (match($0, /!?\[[^]]*\]\([^) ]+\)/)) {
				m = substr($0, RSTART, RLENGTH); $0 = substr($0, RSTART + RLENGTH)
				k = (substr(m, 1, 1) == "!") ? "img" : "link"
				sub(/^.*\]\(/, "", m); sub(/\)$/, "", m); sub(/#.*/, "", m)
				if (m != "" && m !~ /^(https?|mailto):/) print FILENAME "\t" k "\t" m } }' $(dp_pages))
	[ ${#path[@]} -gt 0 ] || return 0
	while read -r t; do
		printf '%s\t%s\t%s\n' "${page[i]}" "${kind[i]}" "$t"
		i=$((i + 1))
	done < <(cd "$DP_ROOT" && realpath -m --relative-to=. "${path[@]}")
}

# Rule: every relative link and image of every page names a file or directory the checkout
# has: a reader who follows it finds it.
test_links_resolve() {
	local p k t bad=""
	while IFS=$'\t' read -r p k t; do [ -e "$DP_ROOT/$t" ] || bad+=" $p->$t"; done < <(dp_links)
	[ -n "$(dp_links)" ] || die "no links found"
	[ -z "$bad" ] || die "links to nothing:$bad"
}

# Rule: every picture under docs/ is shown (as an image, ![..](..)) by a page that a reader
# reaches by following links from the README; a picture no page shows is removed.
test_pictures_shown() {
	local links seen=" README.md " todo=(README.md) p shown=" " img bad=""
	links=$(dp_links)
	while [ ${#todo[@]} -gt 0 ]; do
		p=${todo[0]} todo=("${todo[@]:1}")
		shown+="$(awk -F'\t' -v p="$p" '$1 == p && $2 == "img" { printf "%s ", $3 }' <<<"$links")"
		for t in $(awk -F'\t' -v p="$p" '$1 == p && $3 ~ /\.md$/ { print $3 }' <<<"$links"); do
			[[ $seen != *" $t "* && -f $DP_ROOT/$t ]] || continue
			seen+="$t " todo+=("$t")
		done
	done
	for img in $(cd "$DP_ROOT" && find docs -name '*.png' -o -name '*.svg' -o -name '*.jpg' | sort); do
		[[ $shown == *" $img "* ]] || bad+=" $img"
	done
	[ -z "$bad" ] || die "pictures no page reached from the README shows:$bad"
	[[ $shown == *" docs/results/rate/rate-1.png "* ]] || die "the README's rate plot is not shown"
}

# Rule: no page cites what a reader of the repository does not have: the project's own
# notes (kernel-facts.md), its issue numbers ("issue 13"), the documents it started from by
# number ("seed 002") or their authors' hosts; the history is named once, in the README.
test_no_private_citations() {
	local hits
	hits=$(cd "$DP_ROOT" && grep -nE 'kernel-facts|[Ii]ssue [0-9]|[Ss]eeds? [0-9]{3}|seed author|[Ss]eeds'"'" \
		$(dp_pages) docs/twtest.1 | cut -c1-160)
	[ -z "$hits" ] || die "private citations: $hits"
	expect_eq "README naming the history" "$(grep -c 'huyuguang/client_time_wait_test' "$DP_ROOT/README.md")" 1
}

# dp_layout_paths [first]: the paths the README's layout table names in backquotes (with
# "first", only those of its first column), one a line.
dp_layout_paths() {
	awk -v first="${1:-}" '/^## Layout/ { on = 1; next } on && /^## / { exit }
		on && /^\| `/ { line = $0; if (first != "") { split($0, c, "|"); line = c[2] }
			while (match(line, /`[^`]*`/)) { print substr(line, RSTART + 1, RLENGTH - 2); line = substr(line, RSTART + RLENGTH) } }' \
		"$DP_ROOT/README.md" | grep -E '^[a-z]+/[^ ]*$'
}

# Rule: the README's layout table matches the tree: every path in its first column exists,
# and every file of src/, scripts/, bench/, tools/, tests/ and deploy/ is named in the table,
# by itself or by a directory that holds it.
test_layout_matches_tree() {
	local named f d ok bad=""
	for f in $(dp_layout_paths first); do [ -e "$DP_ROOT/$f" ] || bad+=" $f"; done
	[ -z "$bad" ] || die "the layout table names what the tree lacks:$bad"
	named=" $(dp_layout_paths | tr '\n' ' ') "
	[ ${#named} -gt 100 ] || die "no layout table found"
	for f in $(cd "$DP_ROOT" && { git ls-files src scripts bench tools tests deploy 2>/dev/null ||
		find src scripts bench tools tests deploy -type f; }); do
		ok=0 d=$f
		while :; do
			[[ $named == *" $d "* || $named == *" $d/ "* ]] && { ok=1; break; }
			[[ $d == */* ]] || break
			d=${d%/*}
		done
		[ $ok = 1 ] || bad+=" $f"
	done
	[ -z "$bad" ] || die "files the layout table does not name:$bad"
}

run_tests
