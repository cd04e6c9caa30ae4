#!/bin/bash
# The structure's figures of one commit, the same way every time: the largest C files of
# src/ and include/ and the longest functions (lines), the median function, and the largest
# shell scripts. Reads the commit with git archive (nothing in the work tree is touched), so
# two commits compare by running it twice. Function lengths come from universal-ctags' end
# line: from the line with the function's name to its closing brace, both counted.
# Usage: tools/structure_figures.sh [REV] [N]   (REV default HEAD, N rows a table, default 10)
set -euo pipefail

rev=${1:-HEAD}
n=${2:-10}
case $n in '' | *[!0-9]*) echo "structure_figures: invalid N '$n' (rows a table)" >&2; exit 2 ;; esac
if ! ctags --version 2>/dev/null | grep -q 'Universal Ctags'; then
	echo "structure_figures: needs universal-ctags (apt-get install universal-ctags)" >&2
	exit 2
fi
git rev-parse --verify -q "$rev^{commit}" >/dev/null || {
	echo "structure_figures: invalid REV '$rev' (not a commit of this repository)" >&2
	exit 2
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
git archive "$rev" | tar -x -C "$tmp"
cd "$tmp"

# (a folder the commit lacks is no error; wc -l's "total" line is dropped)
in_tree() { local d; for d in "$@"; do [ ! -d "$d" ] || echo "$d"; done; }
c_files() { in_tree src include | xargs -r -I{} find {} -name '*.[ch]' | sort; }
sh_files() { in_tree scripts tools tests | xargs -r -I{} find {} -name '*.sh' | sort; }
lines() { xargs -r wc -l | awk '$2 != "total"'; }

echo "# commit $(git -C "$OLDPWD" rev-parse --short "$rev"): $(c_files | wc -l) C files," \
	"$(c_files | xargs -r cat | wc -l) lines; $(sh_files | wc -l) shell scripts"

echo "## largest C files (lines)"
c_files | lines | sort -k1,1nr -k2 | sed -n "1,${n}p" |
	awk '{ printf "%5d %s\n", $1, $2 }'
echo "C files over 500 lines: $(c_files | lines | awk '$1 > 500' | wc -l)"

# One line a function: length, file:line, name.
c_files | { grep '\.c$' || true; } | xargs -r ctags --languages=C --kinds-C=f --fields=+ne -o - |
	awk -F'\t' '{ line = end = 0
		for (i = 4; i <= NF; i++) {
			if ($i ~ /^line:/) line = substr($i, 6) + 0
			if ($i ~ /^end:/) end = substr($i, 5) + 0
		}
		if (line > 0 && end >= line) printf "%d %s:%d %s\n", end - line + 1, $2, line, $1 }' |
	sort -k1,1nr -k2 >"$tmp/functions"

echo "## longest functions (lines, from the name's line to the closing brace)"
sed -n "1,${n}p" "$tmp/functions" | awk '{ printf "%5d %s %s\n", $1, $3, $2 }'
awk '{ print $1 }' "$tmp/functions" | sort -n |
	awk 'BEGIN { over = 0 } { v[NR] = $1 } $1 > 40 { over++ }
		END { printf "functions: %d, median %g lines, over 40 lines: %d\n", NR,
			(NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2, over }'

echo "## largest shell scripts (lines)"
sh_files | lines | sort -k1,1nr -k2 | sed -n "1,${n}p" |
	awk '{ printf "%5d %s\n", $1, $2 }'
