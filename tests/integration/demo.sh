# Integration test of make demo (scripts/demo.sh): the newcomer's first minute shows the
# problem and each remedy, with or without root, and leaves nothing behind.
. "$(dirname "$0")/../lib.sh"
DEMO="$(cd "$(dirname "$0")/../.." && pwd)/scripts/demo.sh"

# demo_check OUT: the five runs said what they must.
demo_check() {
	local out=$1
	expect_eq "plain lines" "$(grep -c '^=> ' "$out")" 5
	grep -q '^=> 150 ports, 100 connections a loop: 150 finished, then 150 failed (connect/EADDRNOTAVAIL=150)' "$out" ||
		die "exhaustion run: $(grep -m1 '^=> ' "$out")"
	grep -q '^=> with LINGER=1 .*: 300 finished, 0 failed, 0 TIME_WAIT left' "$out" || die "linger run"
	grep -Eq '^=> loops 1.1 s apart.*: 300 finished, 0 failed; connect\(\) took over [1-9][0-9]* TIME_WAIT ports' "$out" ||
		die "reuse run: $(grep '^=> loops' "$out")"
	grep -q '^=> the server closed first: 300 finished, 0 failed; the client holds 0 TIME_WAIT' "$out" || die "server-first run"
	grep -q '^=> 200 new connections a second through 100 ports: the model predicted the first failure at 0.500 s' "$out" ||
		die "rate run: $(grep '^=> 200' "$out")"
}

# demo_lines FILE: the command lines ($ ...) and plain conclusions (=> ...) of the demo's
# output in FILE, every number masked (counts such as TWRecycled vary from run to run).
demo_lines() { grep -E '^(\$|=>) ' "$1" | sed -E 's/[0-9]+(\.[0-9]+)?/N/g'; }

# Rule: as root the demo runs in a private network namespace and shows exhaustion, linger,
# reuse past the delay, the server closing first and the rate model, exit 0; and the README
# shows its current output: its commands and plain conclusions are those the demo prints
# now, numbers aside (a change to the demo's text changes the README's copy).
test_demo_as_root() {
	need_root
	local out readme; out=$(tmpdir)/demo.out readme=$(tmpdir)/readme.out
	TWTEST="$TWTEST" timeout 60 bash "$DEMO" >"$out" 2>&1 || die "demo exit $?: $(tail -3 "$out")"
	grep -q '^# a private network namespace' "$out" || die "not in a private namespace: $(head -2 "$out")"
	demo_check "$out"
	awk '/^## Try it: `make demo`/ { on = 1 } on && /^```$/ { if (inside) exit; inside = 1; next } inside' \
		"$(dirname "$DEMO")/../README.md" >"$readme"
	[ -s "$readme" ] || die "no demo output in the README"
	[ "$(demo_lines "$out")" = "$(demo_lines "$readme")" ] ||
		die "the README's demo output is not the demo's: $(diff <(demo_lines "$readme") <(demo_lines "$out") | head -6)"
}

# Rule: without root (a user namespace where the kernel allows it) the demo tells the same
# story, and no process it started is left afterwards.
test_demo_unprivileged() {
	need_root # to become an unprivileged user
	unshare --user --map-root-user --net true 2>/dev/null || skip "no unprivileged user namespaces here"
	# a copy the unprivileged user can reach, wherever the checkout lives
	local dir; dir=$(mktemp -d /tmp/twdemo.XXXXXX); lab_defer rm -rf "$dir"
	mkdir "$dir/scripts" && cp "$DEMO" "$(dirname "$DEMO")/lab.sh" "$dir/scripts/" &&
		cp "$TWTEST" "$dir/twtest" && chmod -R a+rX "$dir" || die "cannot copy the demo"
	local out; out=$(tmpdir)/demo.out
	timeout 60 setpriv --reuid=65534 --regid=65534 --clear-groups env TWTEST="$dir/twtest" \
		bash "$dir/scripts/demo.sh" >"$out" 2>&1 || die "demo exit $?: $(tail -3 "$out")"
	demo_check "$out"
	# this test's own copy of twtest only: another run's demo may be running as 65534 too
	! pgrep -u 65534 -f "$dir/twtest server" >/dev/null || die "a demo server is still running"
}

run_tests
