#!/usr/bin/env bash
# The dependencies between object files, from their defined and undefined symbols (nm):
# object A depends on object B when A uses a symbol B defines. Checks the two rules of
# src/'s layout and says which edge breaks them:
#   - no cycle: a file never uses a file that uses it back, directly or through others
#     (one line per knot of objects that reach each other: its shortest cycle through the
#     first object by name, with a symbol per edge, and every object of the knot);
#   - layering: lib/ uses only lib/; every other part (client/, server/, ports/, stat/) uses
#     only lib/ and itself; a top-level object (main.o) may use every part.
# Usage: tools/objdeps.sh [--edges] OBJDIR [OBJECT...]
#   OBJDIR: the build directory holding the objects (build/release); OBJECTs are paths
#   relative to it (client/report.o); without them, one per src/**/*.c, so that a stale
#   object of a removed source is not counted. --edges prints the graph instead
#   ("A B SYMBOL" a line). Exit 0: both rules hold; 1: a rule is broken (each cycle and
#   each layering break printed, one a line); 2: usage or a missing object.
set -u
edges_only=0
if [ "${1:-}" = --edges ]; then edges_only=1; shift; fi
[ $# -ge 1 ] || { echo "usage: $0 [--edges] OBJDIR [OBJECT...]" >&2; exit 2; }
dir=${1%/}
shift
if [ $# -eq 0 ]; then
	root=$(cd "$(dirname "$0")/.." && pwd)
	while IFS= read -r src; do
		set -- "$@" "${src%.c}.o"
	done < <(cd "$root/src" && find . -name '*.c' | sed 's|^\./||' | sort)
fi
for o in "$@"; do
	[ -f "$dir/$o" ] || { echo "objdeps: $dir/$o: no such object (build first)" >&2; exit 2; }
done

# "OBJECT TYPE SYMBOL" for every global symbol, defined or not: one nm for all the objects
# (-A names each line's file; a symbol holds no ':', so the file is what comes before the
# last one, whatever the build path holds).
symbols() {
	local paths=() o
	for o in "$@"; do paths+=("$dir/$o"); done
	nm -g -A -- "${paths[@]}" | awk -v skip=$((${#dir} + 2)) '{
		i = match($0, /:[^:]*$/)
		n = split(substr($0, i + 1), f, " ")
		if (n >= 2) print substr($0, skip, i - skip), f[n - 1], f[n]
	}'
}

# The graph: "A B SYMBOL" for each pair of objects, with the first symbol (by name) that
# makes A use B; sorted.
edges() {
	symbols "$@" | awk '
	$2 == "U" || $2 == "w" { use[$1 " " $3] = 1; next }
	{ def[$3] = $1 }
	END {
		for (k in use) {
			split(k, p, " ")
			if (!(p[2] in def) || def[p[2]] == p[1]) continue
			e = p[1] " " def[p[2]]
			if (!(e in sym) || p[2] < sym[e]) sym[e] = p[2]
		}
		for (e in sym) print e, sym[e]
	}' | sort
}

if [ "$edges_only" = 1 ]; then
	edges "$@"
	exit 0
fi

edges "$@" | awk '
function part(o) { return o ~ /\// ? substr(o, 1, index(o, "/") - 1) : "" }
# Tarjan: the strongly connected components; a component of more than one object holds a cycle.
function visit(v,    i, w) {
	index_of[v] = low[v] = ++counter
	stack[++sp] = v; on_stack[v] = 1
	for (i = 1; i <= nout[v]; i++) {
		w = out[v, i]
		if (!(w in index_of)) { visit(w); if (low[w] < low[v]) low[v] = low[w] }
		else if (on_stack[w] && index_of[w] < low[v]) low[v] = index_of[w]
	}
	if (low[v] == index_of[v]) {
		ncomp++; size[ncomp] = 0
		do { w = stack[sp--]; on_stack[w] = 0; comp[w] = ncomp; size[ncomp]++ } while (w != v)
	}
}
# The shortest cycle through s inside its component, as "s -> a (sym) -> ... -> s (sym)";
# sets cycle_len to the number of objects on it.
function cycle(s,    head, tail, q, v, i, w, path, seen, from) {
	cycle_len = 1
	head = tail = 1; q[1] = s
	while (head <= tail) {
		v = q[head++]
		for (i = 1; i <= nout[v]; i++) {
			w = out[v, i]
			if (comp[w] != comp[s]) continue
			if (w == s) {
				path = " -> " s " (" sym[v " " s] ")"
				while (v != s) { path = " -> " v " (" sym[from[v] " " v] ")" path; v = from[v]; cycle_len++ }
				return s path
			}
			if (!(w in seen)) { seen[w] = 1; from[w] = v; q[++tail] = w }
		}
	}
}
{
	sym[$1 " " $2] = $3
	out[$1, ++nout[$1]] = $2
	nodes[$1] = nodes[$2] = 1
	pa = part($1); pb = part($2)
	if (pa != "" && pb != "lib" && pb != pa) {
		printf "layering: %s uses %s (%s): %s/ may use only lib/%s\n", $1, $2, $3, pa,
			pa == "lib" ? "" : " and itself"
		bad = 1
	}
}
END {
	n = 0
	for (v in nodes) sorted[++n] = v
	for (i = 2; i <= n; i++)  # insertion sort: a stable order of the report
		for (j = i; j > 1 && sorted[j - 1] > sorted[j]; j--) { t = sorted[j]; sorted[j] = sorted[j - 1]; sorted[j - 1] = t }
	for (i = 1; i <= n; i++) if (!(sorted[i] in index_of)) visit(sorted[i])
	for (i = 1; i <= n; i++) {
		c = comp[sorted[i]]
		if (size[c] > 1 && !(c in named)) {
			named[c] = 1
			line = "cycle: " cycle(sorted[i])
			if (size[c] > cycle_len) {  # more cycles share these objects: name them all
				line = line " (one of the cycles among"
				for (j = 1; j <= n; j++) if (comp[sorted[j]] == c) line = line " " sorted[j]
				line = line ")"
			}
			print line
			bad = 1
		}
	}
	exit bad
}'
