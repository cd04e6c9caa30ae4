# Integration test of the docs as pages a newcomer reads in a fresh clone: their links lead
# somewhere, their pictures are shown, and they cite nothing the reader does not have. The
# pages are README.md and every markdown file under docs/ (the sweeps' own reports in
# docs/results/ included). No root, no network.
. "$(dirname "$0")/../lib.sh"
DP_ROOT=$(cd "$(dirname "$0")/../.." && pwd)

# dp_pages: every page, relative to the checkout.
dp_pages() { (cd "$DP_ROOT" && { echo README.md; find docs -name '*.md' | sort; }); }

# dp_links PAGE: the targets of PAGE's relative markdown links and images, one a line,
# resolved against PAGE's directory and without their #anchor (code spans left out: a link
# inside `...` is an example, not a link).
dp_links() {
	sed 's/`[^`]*`//g' "$DP_ROOT/$1" | grep -oE '\]\([^) ]+\)' | sed 's/^](//; s/)$//; s/#.*//' |
		grep -vE '^(https?:|mailto:|$)' | while read -r t; do
			realpath -m --relative-to="$DP_ROOT" "$DP_ROOT/$(dirname "$1")/$t"
		done
}

# Rule: every relative link and image of every page names a file or directory the checkout
# has: a reader who follows it finds it.
test_links_resolve() {
	local p t bad=""
	for p in $(dp_pages); do
		for t in $(dp_links "$p"); do [ -e "$DP_ROOT/$t" ] || bad+=" $p->$t"; done
	done
	[ -z "$bad" ] || die "links to nothing:$bad"
}

# Rule: every picture under docs/ is shown (as an image, ![..](..)) by a page that a reader
# reaches by following links from the README; a picture no page shows is removed.
test_pictures_shown() {
	local seen=" README.md " todo=(README.md) p t shown=" " img bad=""
	while [ ${#todo[@]} -gt 0 ]; do
		p=${todo[0]} todo=("${todo[@]:1}")
		for t in $(sed 's/`[^`]*`//g' "$DP_ROOT/$p" | grep -oE '!\[[^]]*\]\([^) ]+\)' | sed 's/.*](//; s/)$//'); do
			shown+="$(realpath -m --relative-to="$DP_ROOT" "$DP_ROOT/$(dirname "$p")/$t") "
		done
		for t in $(dp_links "$p"); do
			[[ $t == *.md && $seen != *" $t "* && -f $DP_ROOT/$t ]] || continue
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

run_tests
