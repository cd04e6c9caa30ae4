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

# Rule: as root the demo runs in a private network namespace and shows exhaustion, linger,
# reuse past the delay, the server closing first and the rate model, exit 0.
test_demo_as_root() {
	need_root
	local out; out=$(tmpdir)/demo.out
	TWTEST="$TWTEST" timeout 60 bash "$DEMO" >"$out" 2>&1 || die "demo exit $?: $(tail -3 "$out")"
	grep -q '^# a private network namespace' "$out" || die "not in a private namespace: $(head -2 "$out")"
	demo_check "$out"
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
	! pgrep -u 65534 -f "twtest server" >/dev/null || die "a demo server is still running"
}

run_tests
