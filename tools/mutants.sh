#!/usr/bin/env bash
# The mutation check (`make mutants`): makes one small change at a time to each pure module
# (tools/mutate.c lists the changes), rebuilds the unit tests with that change, runs them, and
# reports per module how many changes were made, caught (a test failed, crashed, tripped
# ASan/UBSan or ran past MUTANTS_TIMEOUT) and survived, with each survivor's file:line:col
# and change. Changes named in tools/mutants.equivalent (same file, change, source line and
# line before it) are reported as equivalent, with their reason, instead of as survivors.
#
# The tree is never written: each mutant is compiled from a copy in the build directory
# (default build/mutants, -O0), so build/release and the sources stay as they were even when
# the run is stopped. One object is compiled and the unit binary linked once per mutant; the
# unit tests' own objects are compiled once. MUTANTS_SAN=1 adds ASan+UBSan (each run of the
# unit binary then starts ten times slower).
#
#   tools/mutants.sh [-C DIR] [FILE...]     FILE: a source under DIR (default: the five modules)
# Environment: MUTANTS_BUILD (build directory), MUTANTS_TIMEOUT (seconds a unit run may take,
# default 10 x the unmutated run, at least 5), MUTANTS_GOAL (per cent caught, default 90),
# MUTANTS_SAN (0). DIR is a project with this Makefile's variables (BUILD, OPT, WARN, SAN,
# FINAL_CFLAGS, FINAL_LDFLAGS, LIB_OBJS, UNIT_SRCS); the tool's own test runs a fixture one.
# Exit 0 when every module reaches the goal, 1 when one does not, 2 on a setup error.
set -u
TOOLS=$(cd "$(dirname "$0")" && pwd)
ROOT=$TOOLS/..
if [ "${1:-}" = -C ]; then ROOT=$2; shift 2; fi
cd "$ROOT" || exit 2
[ $# -gt 0 ] || set -- src/lib/tw_reuse.c src/client/port_model.c src/lib/histogram.c \
	src/lib/http_parse.c src/lib/parse.c
B=${MUTANTS_BUILD:-build/mutants}
GOAL=${MUTANTS_GOAL:-90}
EQUIV=$TOOLS/mutants.equivalent
[ "$ROOT" = "$TOOLS/.." ] || EQUIV=$ROOT/mutants.equivalent # a fixture project brings its own
MAKEVARS=(BUILD="$B" OPT="-O0 -g" WARN= SAN="${MUTANTS_SAN:-0}")

die() { echo "mutants: $*" >&2; exit 2; }
for f in "$@"; do [ -f "$f" ] || die "no source $f"; done
mkdir -p "$B/unit" "$B/mutant" || die "cannot make $B"

# Stopped early (Ctrl-C, TERM): the tree was never written; drop the half-made mutant.
on_stop() { rm -rf "$B/mutant" "$B/unit_mutant"; echo "mutants: stopped" >&2; exit 130; }
trap on_stop INT TERM

# The objects and flags as the Makefile builds them, in the mutants' build directory.
make -s -j2 "${MAKEVARS[@]}" "$B/unit_tests" >/dev/null || die "the unmutated build failed"
vars=$(make -s --no-print-directory "${MAKEVARS[@]}" \
	--eval 'mutants-vars: ; @printf "%s\n" "$(CC)" "$(FINAL_CFLAGS)" "$(FINAL_LDFLAGS)" "$(LIB_OBJS)" "$(UNIT_SRCS)"' \
	mutants-vars) || die "cannot read the Makefile's variables"
{ read -r CC; read -r CFLAGS; read -r LDFLAGS; read -r LIB_OBJS; read -r UNIT_SRCS; } <<<"$vars"
# shellcheck disable=SC2206 # flags and object lists are words
CFLAGS=(${CFLAGS//-MMD -MP/}) LDFLAGS=($LDFLAGS) LIB_OBJS=($LIB_OBJS) UNIT_OBJS=()
for u in $UNIT_SRCS; do
	o=$B/unit/$(basename "${u%.c}").o
	[ "$o" -nt "$u" ] || "$CC" "${CFLAGS[@]}" -Itests/unit -c -o "$o" "$u" || die "cannot compile $u"
	UNIT_OBJS+=("$o")
done
"$CC" -O2 -o "$B/mutate" "$TOOLS/mutate.c" || die "cannot build the mutation maker"

# link OBJECT_FOR_FILE REPLACEMENT: the unit binary with one library object replaced.
link() {
	local objs=() o
	for o in "${LIB_OBJS[@]}"; do [ "$o" = "$1" ] && objs+=("$2") || objs+=("$o"); done
	"$CC" "${CFLAGS[@]}" -o "$B/unit_mutant" "${UNIT_OBJS[@]}" "${objs[@]}" "${LDFLAGS[@]}"
}

# The unmutated tests must pass (twice: a flaky test would count as a catch); their time
# sets the timeout.
link none none || die "cannot link the unit tests"
t0=$(date +%s%N)
for run in 1 2; do
	"$B/unit_mutant" >"$B/base.out" 2>&1 || { cat "$B/base.out" >&2; die "the unit tests fail unmutated (run $run)"; }
done
base_ms=$(( ($(date +%s%N) - t0) / 2000000 ))
TIMEOUT=${MUTANTS_TIMEOUT:-$(( base_ms / 100 > 5 ? base_ms / 100 : 5 ))}

# line_text FILE N: line N of FILE without its leading and trailing blanks.
line_text() { [ "$2" -ge 1 ] && sed -n "${2}p" "$1" | sed 's/^[[:space:]]*//; s/[[:space:]]*$//'; }

# equivalent FILE CHANGE LINE_TEXT PREVIOUS_LINE_TEXT: the reason, when tools/mutants.equivalent
# names that change there.
equivalent() {
	[ -f "$EQUIV" ] || return 1
	# (through the environment: awk -v would read the backslashes of a line such as '\0')
	EQ_F=$1 EQ_C=$2 EQ_L=$3 EQ_P=$4 awk -F '\t' '$1 == ENVIRON["EQ_F"] && $2 == ENVIRON["EQ_C"] &&
		$3 == ENVIRON["EQ_L"] && $4 == ENVIRON["EQ_P"] { print $5; found = 1; exit } END { exit !found }' "$EQUIV"
}

status=0 summary=() start=$(date +%s)
for f in "$@"; do
	obj=$B/${f#src/}
	obj=${obj%.c}.o
	[[ " ${LIB_OBJS[*]} " == *" $obj "* ]] || die "$f is not one of the unit tests' objects"
	made=0 caught=0 survived=0 equiv=0 stillborn=0 lines=()
	mkdir -p "$B/mutant/$(dirname "$f")"
	while IFS=$'\t' read -r n at change; do
		"$B/mutate" "$f" "$n" "$B/mutant/$f" || die "cannot write mutant $n of $f"
		if ! "$CC" "${CFLAGS[@]}" -w -iquote "$(dirname "$f")" -c -o "$B/mutant.o" "$B/mutant/$f" 2>/dev/null ||
			! link "$obj" "$B/mutant.o" 2>/dev/null; then
			stillborn=$((stillborn + 1))
			continue
		fi
		made=$((made + 1))
		# (the group's stderr is dropped too: bash's "Segmentation fault" notice is a catch)
		{ timeout -k 2 "$TIMEOUT" "$B/unit_mutant" >/dev/null 2>&1; rc=$?; } 2>/dev/null
		if [ "$rc" -ne 0 ]; then
			caught=$((caught + 1))
			continue
		fi
		text=$(line_text "$f" "${at%%:*}")
		if why=$(equivalent "$f" "$change" "$text" "$(line_text "$f" $((${at%%:*} - 1)))"); then
			equiv=$((equiv + 1))
			lines+=("  equivalent $f:$at: $change  ($why)")
		else
			survived=$((survived + 1))
			lines+=("  SURVIVED $f:$at: $change    | $text")
		fi
	done < <("$B/mutate" "$f")
	pct=$(( made ? caught * 1000 / made : 1000 ))
	line="$f: $made made, $caught caught ($((pct / 10)).$((pct % 10))%), $survived survived, $equiv equivalent"
	[ "$stillborn" -eq 0 ] || line+=" ($stillborn more did not compile)"
	echo "$line"
	[ ${#lines[@]} -eq 0 ] || printf '%s\n' "${lines[@]}"
	summary+=("$line")
	[ "$pct" -ge $((GOAL * 10)) ] || status=1
done
rm -rf "$B/mutant" "$B/unit_mutant" "$B/mutant.o"
echo "== mutants ($(( $(date +%s) - start )) s, timeout ${TIMEOUT}s, goal ${GOAL}% caught)"
printf '%s\n' "${summary[@]}"
exit $status
