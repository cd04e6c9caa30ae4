# Integration test of the mutation check itself (tools/mutants.sh, tools/mutate.c), on a
# fixture project in a temporary directory: a two-function module whose unit test catches all
# but one change, two of them only by the timeout. `make mutants` runs the real one (long).
. "$(dirname "$0")/../lib.sh"
TOOLS="$(cd "$(dirname "$0")/../../tools" && pwd)"

# fixture DIR: a project with the Makefile variables the tool reads, src/lib/tiny.c and a
# unit test that checks tiny_max and tiny_countdown(3) (an odd count: n -= 2 never ends).
fixture() {
	local dir=$1
	mkdir -p "$dir/src/lib" "$dir/tests/unit"
	cat >"$dir/Makefile" <<'MK'
BUILD ?= build
OPT ?= -O0
FINAL_CFLAGS = -std=gnu11 $(WARN) $(OPT) -MMD -MP
FINAL_LDFLAGS =
LIB_OBJS = $(BUILD)/lib/tiny.o
UNIT_SRCS = tests/unit/test_tiny.c
$(BUILD)/lib/%.o: src/lib/%.c
	@mkdir -p $(@D) && $(CC) $(FINAL_CFLAGS) -c -o $@ $<
$(BUILD)/unit_tests: $(UNIT_SRCS) $(LIB_OBJS)
	$(CC) $(FINAL_CFLAGS) -o $@ $^ $(FINAL_LDFLAGS)
MK
	cat >"$dir/src/lib/tiny.c" <<'C'
/* the fixture module */
int tiny_max(int a, int b);
int tiny_max(int a, int b)
{
	return a > b ? a : b;
}

unsigned tiny_countdown(unsigned n);
unsigned tiny_countdown(unsigned n)
{
	unsigned steps = 0;
	while (n != 0) {
		n -= 1;
		steps++;
	}
	return steps;
}
C
	cat >"$dir/tests/unit/test_tiny.c" <<'C'
int tiny_max(int a, int b);
unsigned tiny_countdown(unsigned n);
int main(void)
{
	return !(tiny_max(2, 5) == 5 && tiny_max(7, 1) == 7 && tiny_countdown(3) == 3);
}
C
}

# Rule: each change the unit test notices counts as caught, a change that makes it loop
# counts as caught at the timeout, the one it cannot notice (> to >= in a max) is reported
# with file:line:col, the change and the line; below the goal the tool exits 1; the source is
# byte for byte what it was.
test_mutants_reports_survivor() {
	local dir; dir=$(tmpdir)
	fixture "$dir"
	local sum; sum=$(cksum <"$dir/src/lib/tiny.c")
	MUTANTS_TIMEOUT=2 "$TOOLS/mutants.sh" -C "$dir" src/lib/tiny.c >"$dir/out" 2>&1
	expect_eq "exit status" "$?" 1
	expect_eq "module line" "$(grep -m1 '^src/lib/tiny.c:' "$dir/out")" \
		"src/lib/tiny.c: 7 made, 6 caught (85.7%), 1 survived, 0 equivalent"
	expect_eq "survivors" "$(grep SURVIVED "$dir/out")" \
		"  SURVIVED src/lib/tiny.c:5:11: > -> >=    | return a > b ? a : b;"
	expect_eq "source after the run" "$(cksum <"$dir/src/lib/tiny.c")" "$sum"
}

# Rule: a change named in the project's mutants.equivalent (file, change, line text, reason)
# is reported as equivalent with its reason, not as a survivor, and every module at the goal
# makes the exit status 0.
test_mutants_equivalent_named() {
	local dir; dir=$(tmpdir)
	fixture "$dir"
	printf 'src/lib/tiny.c\t> -> >=\treturn a > b ? a : b;\t{\tequal a and b give the same\n' >"$dir/mutants.equivalent"
	MUTANTS_TIMEOUT=2 MUTANTS_GOAL=85 "$TOOLS/mutants.sh" -C "$dir" src/lib/tiny.c >"$dir/out" 2>&1
	expect_eq "exit status" "$?" 0
	expect_eq "module line" "$(grep -m1 '^src/lib/tiny.c:' "$dir/out")" \
		"src/lib/tiny.c: 7 made, 6 caught (85.7%), 0 survived, 1 equivalent"
	grep -qxF "  equivalent src/lib/tiny.c:5:11: > -> >=  (equal a and b give the same)" "$dir/out" ||
		die "no equivalent line: $(cat "$dir/out")"
}

# Rule: stopped by SIGTERM in the middle of a mutant (one that loops), the tool exits 130,
# leaves the source as it was and no mutant behind.
test_mutants_stopped_leaves_tree() {
	local dir; dir=$(tmpdir)
	fixture "$dir"
	local sum; sum=$(cksum <"$dir/src/lib/tiny.c")
	MUTANTS_TIMEOUT=3 "$TOOLS/mutants.sh" -C "$dir" src/lib/tiny.c >"$dir/out" 2>&1 &
	local pid=$!
	lab_wait_until 60000 pgrep -P "$pid" -x timeout >/dev/null || die "no mutant ran: $(cat "$dir/out")"
	kill -TERM "$pid"
	wait "$pid"
	expect_eq "exit status" "$?" 130
	expect_eq "source after the stop" "$(cksum <"$dir/src/lib/tiny.c")" "$sum"
	[ -e "$dir/build/mutant" ] && die "a mutant was left: $(ls -R "$dir/build/mutant")"
	return 0
}

# Rule: the changes are the documented kinds, each at its token, in source order, and never
# inside a comment, a string, a character constant or an #include; after a unary minus a
# constant moves toward zero.
test_mutate_lists_kinds() {
	local dir; dir=$(tmpdir)
	cc -O1 -o "$dir/mutate" "$TOOLS/mutate.c" || die "mutate does not build"
	cat >"$dir/kinds.c" <<'C'
/* a == b in a comment is not changed */
#include <stdbool.h>
#define LIMIT 0x10
static bool f(int x, const char *s)
{
	if (!s || x < -1)
		return true;
	return s[0] == '<' && x + LIMIT > 3 && x != 4 ? x >= 2 : "<=" != s;
}
C
	"$dir/mutate" "$dir/kinds.c" >"$dir/list" || die "mutate failed"
	expect_eq "list" "$(cat "$dir/list")" "$(cat <<'L'
1	3:15	0x10 -> 0x11
2	6:2	if (!s || x < -1) -> if (!(!s || x < -1))
3	6:2	if (!s || x < -1) -> if (1)
4	6:6	! -> (dropped)
5	6:9	|| -> &&
6	6:14	< -> <=
7	6:17	1 -> 0
8	7:10	true -> false
9	8:11	0 -> 1
10	8:14	== -> !=
11	8:21	&& -> ||
12	8:26	+ -> -
13	8:34	> -> >=
14	8:36	3 -> 4
15	8:38	&& -> ||
16	8:43	!= -> ==
17	8:46	4 -> 5
18	8:48	? x >= 2 : "<=" != s -> arms swapped
19	8:52	>= -> >
20	8:55	2 -> 3
21	8:64	!= -> ==
L
)"
	"$dir/mutate" "$dir/kinds.c" 18 "$dir/m18.c" || die "mutate 18 failed"
	expect_eq "mutant 18's line" "$(sed -n 8p "$dir/m18.c")" \
		$'\treturn s[0] == \'<\' && x + LIMIT > 3 && x != 4 ? "<=" != s : x >= 2;'
}

run_tests
