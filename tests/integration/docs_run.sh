# Integration test of the docs as written: every shell block of README.md and docs/*.md
# marked runnable (an HTML comment `<!-- run -->` on the line before its ```sh fence, as the
# README's "Contributing" part says) is run as a reader would paste it into a root shell in a
# fresh clone after `make`: from a directory that looks like the checkout (its top-level
# entries linked, ./twtest the binary under test), inside a network namespace made for it
# (loopback only, so its sysctls and sockets are its own), bounded in time. A marker may say
# what the output must hold: `<!-- run expect="TEXT" -->` (a fixed string; only text that no
# later change of the client's text lines would move). Each block is one test, named by file
# and line. Blocks that need peers, other hosts or long runs are left unmarked. (The
# README's copy of `make demo`'s output is checked by tests/integration/demo.sh.)
. "$(dirname "$0")/../lib.sh"
DR_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DR_TIMEOUT=${DR_TIMEOUT:-30}   # seconds one block may take
DR_BLOCKS=()                   # "FILE:LINE" of each runnable block, LINE its fence's

# dr_pages: the pages whose blocks may be marked.
dr_pages() { (cd "$DR_ROOT" && ls README.md docs/*.md); }

# dr_block FILE LINE: the body of the block whose fence opens at LINE of FILE.
dr_block() { awk -v l="$2" 'NR > l && /^```/ { exit } NR > l' "$DR_ROOT/$1"; }

# dr_expect FILE LINE: the expect="..." text of the marker above the fence at LINE, if any.
dr_expect() { sed -n "$(($2 - 1))p" "$DR_ROOT/$1" | sed -n 's/^<!-- run expect="\(.*\)" -->$/\1/p'; }

# dr_scan: DR_BLOCKS from every page; a marker that is not right above a ```sh fence, or
# that is malformed, fails the scan (it would silently leave its block unrun).
dr_scan() {
	local f bad
	DR_BLOCKS=()
	for f in $(dr_pages); do
		bad=$(awk '/^<!-- run/ { if ($0 !~ /^<!-- run( expect="[^"]+")? -->$/) print NR ": malformed marker"; m = NR; next }
			m && NR == m + 1 && !/^```sh$/ { print m ": marker not right above a ```sh fence" }
			{ m = 0 }' "$DR_ROOT/$f")
		[ -z "$bad" ] || { echo "$f:$bad"; return 1; }
		while read -r line; do DR_BLOCKS+=("$f:$line"); done < <(awk 'prev ~ /^<!-- run/ && /^```sh$/ { print NR } { prev = $0 }' "$DR_ROOT/$f")
	done
}

# dr_clone DIR: DIR as a fresh clone after `make`: the checkout's top-level entries linked
# (the blocks read scripts/ and docs/, never write there) and ./twtest the binary under test.
dr_clone() {
	local e
	mkdir -p "$1" || return 1
	for e in "$DR_ROOT"/*; do
		[ "$(basename "$e")" = twtest ] || ln -s "$e" "$1/$(basename "$e")"
	done
	ln -s "$(cd "$(dirname "$TWTEST")" && pwd)/$(basename "$TWTEST")" "$1/twtest"
}

# dr_down ID: remove what the block left of namespaces with prefix ID (lab.sh down, quietly).
dr_down() { lab_down "$1" >/dev/null; }

# dr_run FILE LINE: run the block as a reader would, in a namespace of its own; fail with
# the block's last lines of output when it exits non-zero, runs past DR_TIMEOUT or lacks
# its expected text. Namespaces the block makes through scripts/lab.sh carry a prefix of
# this test's, so whatever it leaves is removed with its processes.
dr_run() {
	local file=$1 line=$2 dir out rc want id pid
	need_root
	dir=$(tmpdir)/clone out=$(tmpdir)/out id="${TW_PREFIX}d$line"
	dr_clone "$dir" || die "cannot make the clone directory"
	dr_block "$file" "$line" >"$(tmpdir)/block.sh"
	ns_create doc
	lab_defer dr_down "$id"
	rc=0
	(cd "$dir" && LAB_PREFIX=$id timeout -k 5 "$DR_TIMEOUT" ip netns exec "$LAB_NS" \
		bash -e -o pipefail "$(tmpdir)/block.sh" </dev/null >"$out" 2>&1) || rc=$?
	for pid in $(ip netns pids "$LAB_NS" 2>/dev/null); do kill "$pid" 2>/dev/null; done
	[ "$rc" = 0 ] || die "$file:$line: the block exited $rc$([ "$rc" = 124 ] && echo " (timed out after $DR_TIMEOUT s)"); its last lines: $(tail -5 "$out")"
	want=$(dr_expect "$file" "$line")
	[ -z "$want" ] || grep -qF -- "$want" "$out" || die "$file:$line: no '$want' in its output: $(tail -5 "$out")"
}

# Rule: the markers are well formed, each right above a ```sh fence, and the pages have
# runnable blocks (the README's first of all): a marker that silently stopped marking
# anything would leave its block unrun.
test_markers() {
	dr_scan || die "$(dr_scan)"
	[ ${#DR_BLOCKS[@]} -ge 5 ] || die "only ${#DR_BLOCKS[@]} runnable blocks: ${DR_BLOCKS[*]}"
	[[ ${DR_BLOCKS[0]} == README.md:* ]] || die "the README has no runnable block: ${DR_BLOCKS[*]}"
}

# Rule: every runnable block of README.md and docs/*.md runs as written, as root in a fresh
# clone after make: exit 0 within DR_TIMEOUT s, with its expected text (one test a block).
dr_scan >/dev/null || true
for b in "${DR_BLOCKS[@]}"; do
	f=${b%%:*} l=${b##*:}
	n=${f//[^A-Za-z0-9]/_}
	eval "test_block_${n}_$l() { dr_run '$f' '$l'; }"
done
unset b f l n

run_tests
