# Interleaved comparisons for the benches (scripts/bench.sh, scripts/bench_http.sh): each
# round runs every tool once, in the same order (A B A B A B), so that drifting machine load
# hits them alike; a ratio is taken per round (A/B of that round) and the median of those
# ratios is reported with their spread (min-max), beside each tool's median figure.
# Sourced; writes nothing until asked.

# pairs_init FILE: rows go to FILE, "GROUP TOOL ROUND VALUE" a line.
pairs_init() { PAIRS_FILE=$1; : >"$PAIRS_FILE"; }

# pairs_add GROUP TOOL ROUND VALUE: one measured figure (empty VALUE: the tool failed or is
# missing; the ratios it would make are left out, saying so).
pairs_add() { echo "$1 $2 $3 ${4:-NA}" >>"$PAIRS_FILE"; }

# pairs_figure GROUP TOOL LABEL: "LABEL  median  min-max  (n runs)" of TOOL's figures.
pairs_figure() {
	awk -v g="$1" -v t="$2" -v label="$3" '
	function median(a, n,   i, j, x) {
		for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { x = a[j]; a[j] = a[j - 1]; a[j - 1] = x }
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	$1 == g && $2 == t && $4 != "NA" { v[++n] = $4 + 0; if (n == 1 || $4 + 0 < lo) lo = $4 + 0; if ($4 + 0 > hi) hi = $4 + 0 }
	END {
		if (!n) { printf "%-58s %10s\n", label, "n/a"; exit }
		printf "%-58s %10.0f %8.0f-%-8.0f (%d runs)\n", label, median(v, n), lo, hi, n
	}' "$PAIRS_FILE"
}

# pairs_ratio GROUP A B LABEL [GOAL]: the median over the rounds of A/B (each round's A over
# the same round's B) with the min-max of those ratios; GOAL is printed after it.
pairs_ratio() {
	awk -v g="$1" -v a="$2" -v b="$3" -v label="$4" -v goal="${5:-}" '
	function median(x, n,   i, j, t) {
		for (i = 2; i <= n; i++) for (j = i; j > 1 && x[j - 1] > x[j]; j--) { t = x[j]; x[j] = x[j - 1]; x[j - 1] = t }
		return n % 2 ? x[(n + 1) / 2] : (x[n / 2] + x[n / 2 + 1]) / 2
	}
	$1 == g && $2 == a && $4 != "NA" { va[$3] = $4 }
	$1 == g && $2 == b && $4 != "NA" { vb[$3] = $4 }
	END {
		for (r in va) if ((r in vb) && vb[r] > 0) { q[++n] = va[r] / vb[r]; if (n == 1 || q[n] < lo) lo = q[n]; if (q[n] > hi) hi = q[n] }
		if (!n) { printf "%s: n/a (a tool did not run)\n", label; exit }
		m = median(q, n)
		printf "%s: %.2fx (rounds %.2f-%.2f, %d pairs)%s\n", label, m, lo, hi, n, goal == "" ? "" : " " goal
	}' "$PAIRS_FILE"
}

# neper_tcp_crr BUILD: the path of neper's tcp_crr (github.com/google/neper, not packaged in
# Debian): BUILD/neper/tcp_crr if built, else built there from NEPER_SRC (a checkout, or a
# git directory whose HEAD is taken); nothing (and a line on stderr) when neither works.
neper_tcp_crr() {
	local out=$1/neper bin=$1/neper/tcp_crr src=${NEPER_SRC:-}
	[ -x "$bin" ] && { echo "$bin"; return 0; }
	if [ -z "$src" ] || [ ! -d "$src" ]; then
		echo "bench: neper is not packaged; set NEPER_SRC to a clone of github.com/google/neper to compare with tcp_crr" >&2
		return 1
	fi
	mkdir -p "$out"
	if [ -f "$src/tcp_crr.c" ]; then
		cp -r "$src/." "$out/"
	else
		git -C "$src" archive HEAD | tar -x -C "$out" || { echo "bench: cannot read neper from $src" >&2; return 1; }
	fi
	make -s -C "$out" tcp_crr >"$out/build.log" 2>&1 || { echo "bench: neper did not build: $(tail -n 2 "$out/build.log")" >&2; return 1; }
	echo "$bin"
}
