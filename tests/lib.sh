# Shared helpers of the integration tests. A test file defines functions named test_*,
# sources this file and calls run_tests; each test runs in a subshell whose EXIT trap
# stops the servers and deletes the namespaces it made. Exit 0: pass, 77: skip, else fail.
# The runner passes TWTEST (the binary under test).
set -u
: "${TWTEST:?TWTEST must name the twtest binary}"
TW_PREFIX="twt$$"          # unique per run: parallel runs do not collide
TW_SERVER_PIDS=()
TW_HELPER_PIDS=()           # other processes a test started: killed with SIGKILL
TW_NETNS=()
TW_TMP=""

die() { echo "    $*" >&2; exit 1; }
skip() { echo "    skipped: $*" >&2; exit 77; }
need_root() { [ "$(id -u)" = 0 ] || skip "needs root for network namespaces"; }

tw_cleanup() {
	local pid ns
	for pid in "${TW_HELPER_PIDS[@]}"; do
		kill -KILL "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	done
	for pid in "${TW_SERVER_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	done
	# also those made inside $(ns_create ...), whose subshell could not record them
	for ns in "${TW_NETNS[@]}" $(ip netns list 2>/dev/null | awk -v p="${TW_PREFIX}-" 'index($1, p) == 1 { print $1 }'); do
		ip netns del "$ns" 2>/dev/null
	done
	[ -n "$TW_TMP" ] && rm -rf "$TW_TMP"
	return 0
}

tmpdir() {
	[ -n "$TW_TMP" ] || TW_TMP=$(mktemp -d)
	echo "$TW_TMP"
}

# ns_create NAME: a fresh network namespace with lo up; prints its full name.
ns_create() {
	local ns="${TW_PREFIX}-$1"
	ip netns add "$ns" || die "ip netns add $ns failed"
	TW_NETNS+=("$ns")
	ip -n "$ns" link set lo up
	echo "$ns"
}

# start_server [--netns NS] ARGS...: start `twtest server` on a free port; sets SERVER_PID,
# SERVER_PORT and SERVER_OUT. Without --port in ARGS a port from 20000-32000 is drawn,
# outside the default ephemeral range, and drawn again if it is taken.
start_server() {
	local prefix=()
	if [ "${1:-}" = --netns ]; then prefix=(ip netns exec "$2"); shift 2; fi
	local dir try port
	dir=$(tmpdir)
	for try in 1 2 3 4 5 6 7 8; do
		port=$((20000 + RANDOM % 12000))
		# a port with sockets left (TIME_WAIT of an earlier run) would skew the counts
		"${prefix[@]}" ss -Htan "( sport = :$port or dport = :$port )" | grep -q . && continue
		SERVER_OUT="$dir/server.$port.out"
		"${prefix[@]}" "$TWTEST" server --port "$port" "$@" >"$SERVER_OUT" 2>&1 &
		SERVER_PID=$!
		TW_SERVER_PIDS+=("$SERVER_PID")
		local i
		for i in $(seq 1 100); do
			grep -q "listening on" "$SERVER_OUT" 2>/dev/null && { SERVER_PORT=$port; return 0; }
			kill -0 "$SERVER_PID" 2>/dev/null || break
			sleep 0.02
		done
		wait "$SERVER_PID" 2>/dev/null
	done
	cat "$SERVER_OUT" >&2
	die "server did not start"
}

# stop_server: SIGTERM the server started last and wait for its summary.
stop_server() {
	kill -TERM "$SERVER_PID" 2>/dev/null
	wait "$SERVER_PID" 2>/dev/null
	return 0
}

# tw_count ROLE PORT [NS]: TIME_WAIT sockets of the side ROLE (client: destination port
# PORT; server: source port PORT), as the kernel's own `ss` sees them.
tw_count() {
	local role=$1 port=$2 ns=${3:-} filter
	if [ "$role" = client ]; then filter="dport = :$port"; else filter="sport = :$port"; fi
	if [ -n "$ns" ]; then
		ip netns exec "$ns" ss -Htan state time-wait "( $filter )" | wc -l
	else
		ss -Htan state time-wait "( $filter )" | wc -l
	fi
}

# field NAME LINE: the value of "NAME: value," in a text loop line.
field() { sed -n "s/.*$1: \([^,]*\).*/\1/p" <<<"$2"; }

# expect_eq WHAT GOT WANT
expect_eq() { [ "$2" = "$3" ] || die "$1: got '$2', want '$3'"; }

run_tests() {
	local t rc
	for t in $(declare -F | awk '{print $3}' | grep '^test_'); do
		if [ -n "${TW_ONLY:-}" ] && [ "$t" != "$TW_ONLY" ]; then continue; fi
		# TW_TMP made here, so that $(tmpdir) in a subshell still names the one the trap removes
		( TW_TMP=$(mktemp -d); trap tw_cleanup EXIT; "$t" )
		rc=$?
		case $rc in
		0) echo "PASS ${TW_FILE:-?}:$t" ;;
		77) echo "SKIP ${TW_FILE:-?}:$t" ;;
		*) echo "FAIL ${TW_FILE:-?}:$t (exit $rc)" ;;
		esac
	done
}
