# Shared helpers of the integration tests, thin names over scripts/lab.sh (the one shell
# layer). A test file defines functions named test_*, sources this file and calls run_tests;
# each test runs in a subshell whose EXIT trap runs the lab's cleanup stack: the servers,
# helpers, namespaces and temporary directory the test made. Exit 0: pass, 77: skip, else
# fail. The runner passes TWTEST (the binary under test).
set -u
: "${TWTEST:?TWTEST must name the twtest binary}"
TW_PREFIX="twt$$"          # unique per run: parallel runs do not collide
LAB_PREFIX=$TW_PREFIX
# shellcheck source=scripts/lab.sh
. "$(dirname "${BASH_SOURCE[0]}")/../scripts/lab.sh"
TW_TMP=""

die() { echo "    $*" >&2; exit 1; }
skip() { echo "    skipped: $*" >&2; exit 77; }
need_root() { [ "$(id -u)" = 0 ] || skip "needs root for network namespaces"; }

# kernel_at_least MAJOR MINOR: the running kernel is Linux MAJOR.MINOR or later (for a
# feature that came with that version and that no probe can show without the tool under test).
kernel_at_least() {
	local v; v=$(uname -r)
	[[ $v =~ ^([0-9]+)\.([0-9]+) ]] || return 1
	[ "${BASH_REMATCH[1]}" -gt "$1" ] || { [ "${BASH_REMATCH[1]}" = "$1" ] && [ "${BASH_REMATCH[2]}" -ge "$2" ]; }
}

# tmpdir: the test's temporary directory (removed when the test ends).
tmpdir() { echo "$TW_TMP"; }

# ns_create NAME: a fresh network namespace with lo up, deleted when the test ends; sets
# LAB_NS to its full name. Not in $(...): the cleanup it registers would die with it. Its
# loopback routes get ns_no_resend: every count a test asserts in its namespace is exact.
ns_create() {
	[ "$BASH_SUBSHELL" = "${TW_LEVEL:-}" ] || die "ns_create $1 in a subshell: call it directly and read LAB_NS"
	lab_ns_add "$1" || die "cannot make namespace $1"
	ns_no_resend "$LAB_NS"
}

# ns_no_resend NS: a 10 s minimum RTO on NS's loopback routes (the metric rto_min, which ip
# locks, so it bounds the tail loss probe too): no FIN is sent again within a test. Without
# it, a last ACK later than the 200 ms RTO (a loaded machine, a guest under emulation) makes
# the side in LAST_ACK resend its FIN, and the TIME_WAIT's ACK to it draws an RST from the
# listener: OutRsts=1 in an otherwise exact kernel view, and with tcp_rfc1337=0 one TIME_WAIT
# fewer and one port more (docs/closing.md, "F's stray RST"). IPv4: 127.0.0.1, and
# 127.0.0.0/8 for the other loopback addresses tests use. IPv6's ::1 route cannot be changed
# in place, so it is made again (none is there when the namespace has IPv6 off). And no tail
# loss probe (tcp_early_retrans=0): tcp_schedule_loss_probe of 6.1's era adds the constant
# TCP_RTO_MIN (200 ms), not the route's rto_min (read in the code, not measured); on 6.18 the
# 10 s held it back (docs/closing.md's capture).
ns_no_resend() {
	lab_sysctl "$1" net.ipv4.tcp_early_retrans=0 || die "cannot set tcp_early_retrans in $1"
	local dst
	for dst in 127.0.0.0/8 127.0.0.1; do
		ip -n "$1" route change local "$dst" dev lo table local proto kernel scope host src 127.0.0.1 \
			rto_min 10s || die "cannot set rto_min on $1's loopback route $dst"
	done
	ip -n "$1" -6 route show table local | grep -q '^local ::1 ' || return 0
	ip -n "$1" -6 route del local ::1 dev lo table local &&
		ip -n "$1" -6 route add local ::1 dev lo table local proto kernel metric 0 rto_min 10s ||
		die "cannot set rto_min on $1's loopback route ::1"
}

# SETTLE_MS: how long a test waits for closes to settle (a TIME_WAIT count to reach its value;
# a wait that is met returns at once). A FIN can be lost: the kernel drops one that arrives
# while close() turns the socket into a FIN_WAIT2 mini socket (its own comment in
# tcp_rcv_state_process: "We could lose such FIN otherwise"; software emulation widens that
# window), and only the peer's retransmission brings it, which ns_no_resend puts 10 s out.
SETTLE_MS=15000

# tw_settles WHAT ROLE PORT NS N: ROLE's TIME_WAIT toward/from PORT in NS ("": here) reaches
# N within SETTLE_MS, or the test fails saying WHAT.
tw_settles() {
	tw_is_n() { [ "$(tw_count "$1" "$2" "$3")" = "$4" ]; }
	lab_wait_until "$SETTLE_MS" tw_is_n "$2" "$3" "$4" "$5" ||
		die "$1: $(tw_count "$2" "$3" "$4"), want $5"
}

# start_server [--netns NS] ARGS...: start `twtest server` on a free port; sets SERVER_PID,
# SERVER_PORT and SERVER_OUT. Without --port in ARGS a port from 20000-32000 is drawn,
# outside the default ephemeral range, and drawn again if it is taken.
start_server() {
	local prefix=()
	if [ "${1:-}" = --netns ]; then prefix=(ip netns exec "$2"); shift 2; fi
	local try port
	for try in 1 2 3 4 5 6 7 8; do
		port=$((20000 + RANDOM % 12000))
		# a port with sockets left (TIME_WAIT of an earlier run) would skew the counts
		"${prefix[@]}" ss -Htan "( sport = :$port or dport = :$port )" | grep -q . && continue
		if lab_spawn_server "${prefix[@]}" "$TWTEST" server --port "$port" "$@"; then
			SERVER_PID=$LAB_SERVER_PID SERVER_OUT=$LAB_SERVER_OUT SERVER_PORT=$port
			return 0
		fi
	done
	cat "$LAB_SERVER_OUT" >&2
	die "server did not start"
}

# stop_server: SIGTERM the server started last and wait for its summary.
stop_server() { lab_stop "$SERVER_PID"; }

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

# need_peer CMD: the peer is installed (.ci/run installs it), else skip.
need_peer() { command -v "$1" >/dev/null || skip "$1 is not installed (.ci/run installs it)"; }

# port_listens PORT: something listens on 127.0.0.1:PORT in the namespace LAB_NS.
port_listens() { ip netns exec "$LAB_NS" ss -Hltn "( sport = :$1 )" | grep -q .; }

# nginx_up [BACKEND_PORT]: nginx (one process, no daemon) in the namespace LAB_NS on
# 127.0.0.1:NGINX_PORT, serving $(tmpdir)/www (index.html of 321 bytes), and with a backend
# port, /up/ proxied to 127.0.0.1:BACKEND_PORT. Sets NGINX_PID.
nginx_up() {
	need_peer nginx
	local d; d=$(tmpdir)
	mkdir -p "$d/www" "$d/nginx-tmp"
	head -c 321 /dev/zero | tr '\0' 'x' >"$d/www/index.html"
	local proxy=""
	[ -n "${1:-}" ] && proxy="location /up/ { proxy_pass http://127.0.0.1:$1/; }"
	cat >"$d/nginx.conf" <<-EOF
	pid $d/nginx.pid;
	error_log $d/nginx.err warn;
	events { worker_connections 4096; }
	http {
		access_log off;
		client_body_temp_path $d/nginx-tmp; proxy_temp_path $d/nginx-tmp;
		fastcgi_temp_path $d/nginx-tmp; uwsgi_temp_path $d/nginx-tmp; scgi_temp_path $d/nginx-tmp;
		keepalive_requests 100000;
		server { listen 127.0.0.1:$NGINX_PORT; root $d/www; $proxy }
	}
	EOF
	# not through a function: $! must be nginx's own PID (ip netns exec execs it), not a subshell's
	ip netns exec "$LAB_NS" nginx -p "$d" -e "$d/nginx.err" -c "$d/nginx.conf" \
		-g 'daemon off; master_process off;' >"$d/nginx.out" 2>&1 </dev/null &
	NGINX_PID=$!
	lab_track "$NGINX_PID"
	lab_wait_until 5000 port_listens "$NGINX_PORT" ||
		die "nginx did not start: $(cat "$d/nginx.err" "$d/nginx.out" 2>/dev/null | head -c 300)"
}

# expect_eq WHAT GOT WANT
expect_eq() { [ "$2" = "$3" ] || die "$1: got '$2', want '$3'"; }

# wait_for_line FILE PATTERN [SECONDS]: wait (at most SECONDS, default 20) until FILE has a
# line matching PATTERN, or fail the test.
wait_for_line() {
	lab_wait_until $((${3:-20} * 1000)) grep -q "$2" "$1" 2>/dev/null || die "no line '$2' in $1"
}

run_tests() {
	local t rc t0 ms
	for t in $(declare -F | awk '{print $3}' | grep '^test_'); do
		if [ -n "${TW_ONLY:-}" ] && [ "$t" != "$TW_ONLY" ]; then continue; fi
		t0=${EPOCHREALTIME/./}
		# the directory is made here, so that $(tmpdir) in a subshell still names it
		( TW_LEVEL=$BASH_SUBSHELL && lab_tmpdir && TW_TMP=$LAB_TMP && trap lab_cleanup EXIT && "$t" )
		rc=$?
		# a test of 10 s or more says so (a comment line): where make test's time goes
		ms=$(( (${EPOCHREALTIME/./} - t0) / 1000 ))
		case $rc in
		0) echo "PASS ${TW_FILE:-?}:$t" ;;
		77) echo "SKIP ${TW_FILE:-?}:$t" ;;
		*) echo "FAIL ${TW_FILE:-?}:$t (exit $rc)" ;;
		esac
		[ "$ms" -lt 10000 ] || printf '# slow test %s:%s %d.%01ds\n' "${TW_FILE:-?}" "$t" $((ms / 1000)) $((ms % 1000 / 100))
	done
}

# results_col DIR COLUMN KEY=VALUE...: COLUMN of the rows of DIR/results.csv (a sweep's) that
# match every KEY=VALUE, space-separated in row order (lab.sh's CSV reader: by name).
results_col() {
	local dir=$1 want=$2; shift 2
	lab_csv_get "$dir/results.csv" "$want" "$@" | paste -sd' '
}

# expect_usage_errors DIR CMDLINE...: each command line (split at spaces, run with bash)
# exits 2, writes nothing on stdout and exactly one line on stderr. The checkout's path
# stays one word in the split, even with a space in it (a clone in "/tmp/my work").
TW_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
expect_usage_errors() {
	local dir=$1 c rc w
	local -a words
	shift
	for c in "$@"; do
		words=()
		# shellcheck disable=SC2086
		for w in ${c//"$TW_ROOT"/@TW_ROOT@}; do words+=("${w//@TW_ROOT@/$TW_ROOT}"); done
		bash "${words[@]}" >"$dir/out" 2>"$dir/err"
		rc=$?
		expect_eq "exit status of '$c'" "$rc" 2
		[ -s "$dir/out" ] && die "'$c' wrote to stdout: $(cat "$dir/out")"
		expect_eq "stderr lines of '$c'" "$(wc -l <"$dir/err")" 1
	done
	return 0
}
