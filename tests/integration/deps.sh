# The dependencies between the program's object files (tools/objdeps.sh builds the graph
# from each object's defined and undefined symbols, nm): no cycle among them, and the
# layering of src/ (lib/ the floor; each part uses only lib/ and itself). Also checks the
# checker itself on objects made to break each rule, so that a pass means something.
. "$(dirname "$0")/../lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OBJDEPS="$ROOT/tools/objdeps.sh"
OBJDIR=$(dirname "$TWTEST")

# objdeps_report: the checker's lines for the objects of the build under test; fails the
# test if it could not run (missing objects, no nm).
objdeps_report() {
	command -v nm >/dev/null || die "nm (binutils) not found"
	local rc
	"$OBJDEPS" "$OBJDIR" >"$(tmpdir)/deps" 2>"$(tmpdir)/deps.err"
	rc=$?
	[ "$rc" -le 1 ] || die "objdeps.sh failed ($rc): $(cat "$(tmpdir)/deps.err")"
	[ -s "$(tmpdir)/deps.err" ] && die "objdeps.sh: $(cat "$(tmpdir)/deps.err")"
	# the graph is not empty: main.o uses the client engine, the client uses lib/
	"$OBJDEPS" --edges "$OBJDIR" >"$(tmpdir)/edges"
	grep -q '^main\.o client/client\.o ' "$(tmpdir)/edges" || die "no edge main.o -> client/client.o: $(head -3 "$(tmpdir)/edges")"
	grep -q '^client/client\.o lib/' "$(tmpdir)/edges" || die "no edge client/client.o -> lib/"
}

# Rule: no cycle among the object files: a file never uses a file that uses it back,
# directly or through others (each cycle is named with a symbol per edge).
test_no_cycle() {
	objdeps_report
	if grep '^cycle:' "$(tmpdir)/deps" >&2; then
		die "cycles among the objects of $OBJDIR (above)"
	fi
	return 0
}

# Rule: the layering of src/: objects under lib/ use no symbol defined under client/,
# server/, ports/, stat/ or merge/; each of those parts uses only lib/ and itself; main.o
# may use every part; every folder under src/ is one of the parts checked.
test_layering() {
	objdeps_report
	if grep '^layering:' "$(tmpdir)/deps" >&2; then
		die "layering broken in $OBJDIR (above)"
	fi
	# every part is there to be checked: each folder under src/ (merge/ among them), read
	# from the tree, not from a list here, so a new part cannot pass unseen
	local part parts=()
	for part in "$ROOT"/src/*/; do parts+=("$(basename "$part")"); done
	[[ " ${parts[*]} " == *" merge "* && " ${parts[*]} " == *" lib "* ]] || die "src/ parts: ${parts[*]}"
	for part in "${parts[@]}"; do
		grep -q "^$part/" "$(tmpdir)/edges" || die "no object of $part/ in the graph"
	done
}

# fixture NAME.c SOURCE: compile SOURCE as object NAME.o under the fixture directory.
fixture() {
	local dir; dir=$(tmpdir)/fixture
	mkdir -p "$dir/$(dirname "$1")"
	printf '%s\n' "$2" >"$dir/$1"
	"${CC:-cc}" -c -o "$dir/${1%.c}.o" "$dir/$1" || die "cannot compile fixture $1"
}

# Rule: the checker names a cycle (two objects using each other, with the symbols; every
# object of a knot of several cycles) and a layering break (lib/ using a part), and passes
# objects that break neither.
test_checker_finds_breaks() {
	local dir; dir=$(tmpdir)/fixture
	fixture a.c 'int b_fn(void); int a_fn(void); int a_fn(void) { return b_fn(); }'
	fixture b.c 'int a_fn(void); int b_fn(void); int b_fn(void) { return a_fn() + 1; }'
	fixture c.c 'int a_fn(void); int c_fn(void); int c_fn(void) { return a_fn(); }'
	fixture lib/x.c 'int y_fn(void); int x_fn(void); int x_fn(void) { return y_fn(); }'
	fixture client/y.c 'int y_fn(void); int y_fn(void) { return 2; }'
	fixture client/z.c 'int x_fn(void); int z_fn(void); int z_fn(void) { return x_fn(); }'
	local out rc
	out=$("$OBJDEPS" "$dir" a.o b.o c.o lib/x.o client/y.o client/z.o)
	rc=$?
	expect_eq "exit status with a cycle and a layering break" "$rc" 1
	expect_eq "what it names" "$out" \
		"layering: lib/x.o uses client/y.o (y_fn): lib/ may use only lib/
cycle: a.o -> b.o (b_fn) -> a.o (a_fn)"
	out=$("$OBJDEPS" "$dir" a.o c.o client/y.o client/z.o lib/x.o 2>&1)
	rc=$?
	expect_eq "exit status of a layering break alone" "$rc" 1
	expect_eq "what it names" "$out" "layering: lib/x.o uses client/y.o (y_fn): lib/ may use only lib/"
	# c.o -> a.o -> c.o as well: one knot of three objects, named whole
	fixture d.c 'int c_fn(void); int b_fn(void); int a_fn(void); int a_fn(void) { return b_fn() + c_fn(); }'
	out=$("$OBJDEPS" "$dir" b.o c.o d.o 2>&1)
	rc=$?
	expect_eq "exit status of a knot" "$rc" 1
	expect_eq "what it names" "$out" \
		"cycle: b.o -> d.o (a_fn) -> b.o (b_fn) (one of the cycles among b.o c.o d.o)"
	# merge/ is a part like the others: it may use lib/ only, and no part may use it
	fixture merge/m.c 'int y_fn(void); int x_fn(void); int m_fn(void); int m_fn(void) { return y_fn() + x_fn(); }'
	fixture stat/s.c 'int m_fn(void); int s_fn(void); int s_fn(void) { return m_fn(); }'
	out=$("$OBJDEPS" "$dir" client/y.o lib/x.o merge/m.o stat/s.o 2>&1)
	rc=$?
	expect_eq "exit status of merge/ breaking the layering" "$rc" 1
	expect_eq "what it names" "$out" \
		"layering: lib/x.o uses client/y.o (y_fn): lib/ may use only lib/
layering: merge/m.o uses client/y.o (y_fn): merge/ may use only lib/ and itself
layering: stat/s.o uses merge/m.o (m_fn): stat/ may use only lib/ and itself"
	out=$("$OBJDEPS" "$dir" a.o c.o client/z.o 2>&1)
	rc=$?
	expect_eq "exit status of a graph that breaks neither rule ($out)" "$rc" 0
	expect_eq "its output" "$out" ""
}

run_tests
