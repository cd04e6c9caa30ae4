# Fault tests: broken servers, broken networks, missing resources and stop signals. Each one
# checks that twtest reports the fault by cause, keeps finished + failed == CONNS, exits with
# the documented status and leaks nothing. Misbehaving peers come from tests/helpers/hostile.c.
. "$(dirname "$0")/../lib.sh"

HOSTILE="$(dirname "$TWTEST")/hostile"
[ -x "$HOSTILE" ] || { echo "FAIL ${TW_FILE:-faults}: $HOSTILE not built"; exit 1; }

# start_hostile MODE: a misbehaving server from tests/helpers/hostile.c; sets HPORT.
start_hostile() {
	local out; out=$(tmpdir)/hostile.$1
	: >"$out" # made here: the background child may open it after the first look for the port
	"$HOSTILE" "$1" >"$out" &
	lab_track $! KILL
	lab_wait_until 2000 hostile_port "$out" || die "hostile $1 did not start"
}

# hostile_port FILE: the port a hostile helper printed, into HPORT; 1 if none yet.
hostile_port() { HPORT=$(sed -n 's/^port=//p' "$1"); [ -n "$HPORT" ]; }

# loop_sums_ok FILE CONNS: every loop line of FILE has finished + failed == CONNS (a line
# without both counts fails too). One awk pass: the leak test has 1000+ lines, and two
# `field` forks a line took a minute and a half of make test on a loaded machine.
loop_sums_ok() {
	local bad
	bad=$(awk -v want="$2" -v file="$1" '
		# count KEY: the number after ", KEY: " on this line, or "" if there is none
		function count(key,   i, rest) {
			i = index($0, ", " key ": ")
			if (i == 0) return ""
			rest = substr($0, i + length(key) + 4)
			return match(rest, /^[0-9]+/) ? substr(rest, 1, RLENGTH) : ""
		}
		/^loop: / {
			n++
			f = count("finished_count"); c = count("failed_count")
			if (f == "" || c == "" || f + c != want) {
				printf "finished+failed in '\''%s'\'': got '\''%s'\'', want '\''%s'\''\n", $0, (f == "" || c == "" ? "?" : f + c), want
				exit 1
			}
		}
		END { if (n == 0) print "no loop lines in " file }' "$1")
	[ -z "$bad" ] || die "$bad"
}

# count_of KEY LINE: the count of failed_by KEY (e.g. timeout/echo) in a text line, or 0.
count_of() { sed -n "s|.*[ :]$1=\([0-9]*\).*|\1|p" <<<"$2" | grep . || echo 0; }

# fd_count PID: open descriptors of a process.
fd_count() { ls "/proc/$1/fd" | wc -l; }

# cpu_ticks PID: user + system time of a process in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# rss_kb PID: resident memory of a process in KiB.
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

# DEADLINE_LATE_S: how late after its --timeout deadline a loop whose connections all time
# out may end. The client sleeps in epoll until the first deadline, rounded up to the next
# millisecond, and fails each connection when it wakes; what is left is the thread's
# wake-up latency. Measured here (30 loops of 5 connections at --timeout 800 against the
# silent helper, load average 19 on 2 cores): 1-88 ms late. 0.25 s is about 3 times that
# worst case; a deadline missed by a timer or a rounding error (a second, or 500 ms) fails.
DEADLINE_LATE_S=0.25

# within_deadline WHAT T DEADLINE_S: T (seconds) is at or after the deadline and at most
# DEADLINE_LATE_S after it, or the test fails naming WHAT.
within_deadline() {
	awk -v t="$2" -v d="$3" -v late="$DEADLINE_LATE_S" 'BEGIN { exit !(t >= d && t < d + late) }' ||
		die "$1: loop time $2 s outside [$3, $3 + $DEADLINE_LATE_S)"
}

# Rule: a server that accepts and never answers fails every connection as timeout/echo at
# the --timeout deadline; the loop ends at the deadline (>= timeout, < timeout +
# DEADLINE_LATE_S).
test_silent_server_times_out() {
	start_hostile silent
	local out; out=$(tmpdir)/c.out
	"$TWTEST" client 127.0.0.1 2 5 --port "$HPORT" --timeout 800 >"$out" || die "client exit $?"
	local line
	while read -r line; do
		expect_eq "failed_by in '$line'" "$(field failed_by "$line")" "timeout/echo=5"
		within_deadline "$line" "$(field 'time(s)' "$line")" 0.8
	done < <(grep '^loop: ' "$out")
	loop_sums_ok "$out" 5
}

# Rule: wrong, short and overlong echoes are told apart (echo/mismatch, echo/short,
# echo/extra), and a peer that resets is read/ECONNRESET; no connection counts as finished.
test_bad_echo_detected() {
	local mode want out; out=$(tmpdir)/c.out
	for mode in garbage:echo/mismatch short:echo/short extra:echo/extra rst:read/ECONNRESET; do
		want=${mode#*:}
		start_hostile "${mode%%:*}"
		"$TWTEST" client 127.0.0.1 1 10 --port "$HPORT" --timeout 5000 >"$out" || die "client exit $?"
		expect_eq "${mode%%:*} failed_by" "$(field failed_by "$(grep '^loop: 0' "$out")")" "$want=10"
	done
}

# Rule: a listener that never accepts (backlog full) drops later SYNs: those connections
# fail as timeout/connect at the deadline, and the run still adds up.
test_full_backlog_times_out_connect() {
	start_hostile backlog
	local out; out=$(tmpdir)/c.out
	"$TWTEST" client 127.0.0.1 1 6 --port "$HPORT" --timeout 600 >"$out" || die "client exit $?"
	local line; line=$(grep '^loop: 0' "$out")
	[ "$(count_of timeout/connect "$line")" -ge 1 ] || die "no timeout/connect: $line"
	expect_eq finished "$(field finished_count "$line")" 0
	loop_sums_ok "$out" 6
}

# Rule: the server killed during a run: the client finishes every loop, each adds up, the
# loops after the kill fail as connect/ECONNREFUSED, and the run exits 0 with a summary.
test_server_killed_mid_run() {
	start_server
	local out; out=$(tmpdir)/c.out
	"$TWTEST" client 127.0.0.1 40 50 --port "$SERVER_PORT" --interval 25 --payload 64k >"$out" &
	local pid=$!
	lab_track "$pid" # stopped at cleanup if the test ends early
	wait_for_line "$out" '^loop: 3,'
	kill -KILL "$SERVER_PID"
	wait "$SERVER_PID" 2>/dev/null
	wait "$pid"
	expect_eq "client exit status" "$?" 0
	expect_eq "loop lines" "$(grep -c '^loop: ' "$out")" 40
	loop_sums_ok "$out" 50
	expect_eq "last loop" "$(field failed_by "$(grep '^loop: 39,' "$out")")" "connect/ECONNREFUSED=50"
	grep -q '^summary: loops: 40, .*connect/ECONNREFUSED=' "$out" || die "summary: $(tail -1 "$out")"
}

# Network fault variants, each in its own namespace (veth 198.18.5.1/24 to an empty peer):
#   blackhole route       -> connect/EINVAL at once
#   unreachable route     -> connect/EHOSTUNREACH at once
#   prohibit route        -> connect/EACCES at once
#   neighbour that never resolves -> timeout/connect before ARP gives up (~3 s), after it
#                            connect/EHOSTUNREACH
#   permanent neighbour with a MAC nobody has: SYNs leave and vanish -> timeout/connect
# Rule: each variant is reported by that cause, and silent drops end at the deadline
# (>= timeout, < timeout + DEADLINE_LATE_S).
test_network_fault_variants() {
	need_root
	local a b
	ns_create nfa; a=$LAB_NS
	ns_create nfb; b=$LAB_NS
	local v="${TW_PREFIX}v"
	ip link add "${v}0" netns "$a" type veth peer name "${v}1" netns "$b" || die "veth"
	ip -n "$a" addr add 198.18.5.1/24 dev "${v}0"
	ip -n "$a" link set "${v}0" up
	ip -n "$b" link set "${v}1" up
	ip -n "$a" route add blackhole 198.18.6.1
	ip -n "$a" route add unreachable 198.18.6.2
	ip -n "$a" route add prohibit 198.18.6.3
	ip -n "$a" neigh add 198.18.5.9 lladdr 02:00:00:00:00:99 dev "${v}0" nud permanent
	local spec dst want line
	for spec in 198.18.6.1:connect/EINVAL=4 198.18.6.2:connect/EHOSTUNREACH=4 \
		198.18.6.3:connect/EACCES=4 198.18.5.5:timeout/connect=4 198.18.5.9:timeout/connect=4; do
		dst=${spec%%:*} want=${spec#*:}
		line=$(ip netns exec "$a" "$TWTEST" client "$dst" 1 4 --timeout 700 | grep '^loop: 0')
		expect_eq "$dst failed_by" "$(field failed_by "$line")" "$want"
		if [[ $want == timeout/* ]]; then
			within_deadline "$dst: $line" "$(field 'time(s)' "$line")" 0.7
		fi
	done
	line=$(ip netns exec "$a" "$TWTEST" client 198.18.5.5 1 2 --timeout 8000 | grep '^loop: 0')
	expect_eq "unresolved neighbour, long timeout" "$(field failed_by "$line")" "connect/EHOSTUNREACH=2"
}

# Rule: a server out of descriptors survives: it backs off (accept_backoffs rises) instead
# of spinning (its CPU time stays under half the wall time), and then serves a client.
test_server_out_of_fds() {
	# 24 descriptors: max_conns falls back to 32, more than fit, so accept() hits EMFILE
	local wrap; wrap=$(tmpdir)/limited
	printf '#!/bin/sh\nulimit -n 24 && exec "%s" "$@"\n' "$TWTEST" >"$wrap"
	chmod +x "$wrap"
	TWTEST=$wrap start_server
	local t0 c0; t0=$(date +%s%N) c0=$(cpu_ticks "$SERVER_PID")
	local r; r=$("$HOSTILE" hold "$SERVER_PORT" 40 1500) || die "hold: $r"
	local t1 c1; t1=$(date +%s%N) c1=$(cpu_ticks "$SERVER_PID")
	local wall_ticks=$(( (t1 - t0) * $(getconf CLK_TCK) / 1000000000 ))
	[ $((c1 - c0)) -lt $((wall_ticks / 2)) ] || die "server used $((c1 - c0)) of $wall_ticks ticks: spinning"
	kill -0 "$SERVER_PID" || die "server died"
	local line
	line=$("$TWTEST" client 127.0.0.1 1 10 --port "$SERVER_PORT" --timeout 5000 | grep '^loop: 0')
	expect_eq "later client finished" "$(field finished_count "$line")" 10
	stop_server
	local b; b=$(sed -n 's/.* accept_backoffs=\([0-9]*\).*/\1/p' "$SERVER_OUT")
	[ "${b:-0}" -ge 1 ] || die "no accept back-off: $(tail -1 "$SERVER_OUT")"
}

# Rule: a client that runs out of descriptors mid-loop counts socket/EMFILE per connection,
# keeps the rest going, and exits 0.
test_client_out_of_fds() {
	local out; out=$(tmpdir)/c.out
	start_server
	# 64 descriptors, 36 of them taken by inherited files: CONNS 40 cannot all open
	(
		ulimit -n 64
		for fd in $(seq 10 45); do eval "exec $fd</dev/null"; done
		exec "$TWTEST" client 127.0.0.1 2 40 --port "$SERVER_PORT" >"$out"
	)
	expect_eq "client exit status" "$?" 0
	loop_sums_ok "$out" 40
	local line; line=$(grep '^loop: 1,' "$out")
	local emfile; emfile=$(count_of socket/EMFILE "$line")
	[ "$emfile" -ge 1 ] || die "no socket/EMFILE: $line"
	expect_eq "finished + EMFILE" "$(( $(field finished_count "$line") + emfile ))" 40
}

# Rule: SIGTERM mid-loop ends the client with the loop counted (open connections as
# interrupted), the summary marked interrupted, exit 143; SIGINT ends the server with its
# summary and exit 0.
test_sigterm_client_sigint_server() {
	start_hostile silent
	local out; out=$(tmpdir)/c.out
	"$TWTEST" client 127.0.0.1 3 7 --port "$HPORT" --timeout 60000 >"$out" &
	local pid=$!
	lab_track "$pid" # stopped at cleanup if the test ends early
	wait_for_line "$out" '^# twtest'
	sleep 0.3
	kill -TERM "$pid"
	wait "$pid"
	expect_eq "client exit status" "$?" 143
	expect_eq "loop 0" "$(field failed_by "$(grep '^loop: 0' "$out")")" "interrupted=7"
	tail -2 "$out" | head -1 | grep -q '^summary: loops: 1 (interrupted), ' || die "summary: $(tail -2 "$out")"
	tail -1 "$out" | grep -q '^# conclusion: ' || die "no conclusion after the summary: $(tail -1 "$out")"
	start_server
	kill -INT "$SERVER_PID"
	wait "$SERVER_PID"
	expect_eq "server exit status" "$?" 0
	grep -q '^twtest server: summary: accepted=0 ' "$SERVER_OUT" || die "server summary: $(cat "$SERVER_OUT")"
}

# Rule: SIGPIPE kills neither side: the client writing to a peer that reset counts
# write/ or read/ errors; the server echoing to peers that reset counts resets and serves on.
test_sigpipe_never_kills() {
	start_hostile rst
	local out; out=$(tmpdir)/c.out
	"$TWTEST" client 127.0.0.1 2 10 --port "$HPORT" --payload 4m >"$out"
	expect_eq "client exit status" "$?" 0
	loop_sums_ok "$out" 10
	expect_eq finished "$(field finished_count "$(grep '^loop: 1,' "$out")")" 0
	start_server
	"$HOSTILE" abort "$SERVER_PORT" 50 >/dev/null || die "abort peers"
	local line
	line=$("$TWTEST" client 127.0.0.1 1 10 --port "$SERVER_PORT" | grep '^loop: 0')
	expect_eq "later client finished" "$(field finished_count "$line")" 10
	stop_server
	grep -q '^twtest server: summary: accepted=60 ' "$SERVER_OUT" || die "server summary: $(tail -1 "$SERVER_OUT")"
}

# Rule: a client whose output is gone (closed pipe) stops after the current loop and exits
# 1 instead of running its remaining loops blind.
test_client_stops_on_closed_output() {
	local port=1 # nothing listens on port 1: every loop is a fast refusal
	local err; err=$(tmpdir)/err
	"$TWTEST" client 127.0.0.1 3000 1 --port "$port" --interval 1 2>"$err" | head -c 1 >/dev/null
	expect_eq "client exit status" "${PIPESTATUS[0]}" 1
	grep -q '^twtest client: cannot write the output; stopped after loop [0-9]*$' "$err" \
		|| die "stderr: $(cat "$err")"
}

# Rule: no descriptor or memory leak across 1000 loops: the client's open descriptors and
# RSS are the same after loop 1 and after loop 1000 (descriptors: see min_fds).
test_client_no_leak_1000_loops() {
	start_server
	local out; out=$(tmpdir)/c.out
	# ASan keeps freed memory in quarantine (RSS grows without a leak): not for this run
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0 \
		"$TWTEST" client 127.0.0.1 100000 5 --port "$SERVER_PORT" --interval 1 >"$out" &
	local pid=$!
	lab_track "$pid" # stopped at cleanup if the test ends early
	wait_for_line "$out" '^loop: 1,'
	local fd1 rss1; fd1=$(min_fds "$pid") rss1=$(rss_kb "$pid")
	wait_for_line "$out" '^loop: 1000,' 120
	local fd2 rss2; fd2=$(min_fds "$pid") rss2=$(rss_kb "$pid")
	kill -INT "$pid"
	wait "$pid"
	expect_eq "client exit status" "$?" 130
	expect_eq "client descriptors after loop 1000 (loop 1: $fd1)" "$fd2" "$fd1"
	[ $((rss2 - rss1)) -lt 1024 ] || die "client RSS grew from $rss1 to $rss2 KiB"
	loop_sums_ok "$out" 5
	# the loop SIGINT cut short counts its open connections as interrupted; no other failure
	expect_eq "loops with failures" \
		"$(grep '^loop: ' "$out" | grep -v 'failed_count: 0,' | grep -vc 'failed_by: interrupted=[0-9]*\(,\|$\)')" 0
}
# min_fds PID: the fewest descriptors seen in 60 samples, i.e. the count between loops
# (a loop's sockets and its kernel-observation descriptors are transient; the count between
# loops shows in about one sample in five).
min_fds() {
	local i n min=999999
	for i in $(seq 1 60); do n=$(fd_count "$1"); [ "$n" -lt "$min" ] && min=$n; sleep 0.001; done
	echo "$min"
}

# Rule: the server leaks nothing across many clients: after 300 client runs its descriptor
# count is back to what it was after the first, and its RSS has not grown.
test_server_no_leak_many_clients() {
	start_server
	"$TWTEST" client 127.0.0.1 1 20 --port "$SERVER_PORT" >/dev/null || die "client"
	local fd1 rss1; fd1=$(fd_count "$SERVER_PID") rss1=$(rss_kb "$SERVER_PID")
	local i
	for i in $(seq 1 30); do
		"$TWTEST" client 127.0.0.1 10 20 --port "$SERVER_PORT" --close shutdown >/dev/null || die "client $i"
	done
	local fd2
	# closes finish a moment after the clients exit: wait (at most 2 s) for the count to settle
	fds_back() { fd2=$(fd_count "$SERVER_PID"); [ "$fd2" = "$fd1" ]; }
	lab_wait_until 2000 fds_back
	expect_eq "server descriptors after 300 clients" "$fd2" "$fd1"
	local rss2; rss2=$(rss_kb "$SERVER_PID")
	[ $((rss2 - rss1)) -lt 2048 ] || die "server RSS grew from $rss1 to $rss2 KiB"
	stop_server
	grep -q 'accepted=6020 .* errors=0 closed_after_eof=6020 ' "$SERVER_OUT" || die "server summary: $(tail -1 "$SERVER_OUT")"
}

# Rule: client and server are clean under valgrind memcheck (no error, nothing leaked) while
# doing their work: every connection of the client's loops finishes (valgrind 3.19 has no
# epoll_pwait2; a client that never read an event, each loop timing out, passed here once);
# only for the plain build (valgrind cannot run the ASan one).
test_valgrind_clean() {
	command -v valgrind >/dev/null || skip "valgrind not installed"
	ldd "$TWTEST" 2>/dev/null | grep -q libasan && skip "sanitizer build"
	local vg=(valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect)
	local dir; dir=$(tmpdir)
	local port=$((20000 + RANDOM % 12000))
	"${vg[@]}" "$TWTEST" server --port "$port" --bind 127.0.0.1 >"$dir/s.out" 2>"$dir/s.err" &
	local spid=$!
	lab_track "$spid"
	wait_for_line "$dir/s.out" "listening on"
	"${vg[@]}" "$TWTEST" client 127.0.0.1 3 20 --port "$port" --payload 200k >"$dir/c.out" 2>"$dir/c.err"
	expect_eq "valgrind client status ($(head -5 "$dir/c.err"))" "$?" 0
	expect_eq "valgrind client: loops with all 20 finished ($(grep '^loop: ' "$dir/c.out" | head -3))" \
		"$(grep -c '^loop: [0-9]*, finished_count: 20, failed_count: 0,' "$dir/c.out")" 3
	"${vg[@]}" "$TWTEST" client 127.0.0.1 2 5 --port "$port" --format json --close shutdown >/dev/null 2>>"$dir/c.err"
	expect_eq "valgrind client json status ($(head -5 "$dir/c.err"))" "$?" 0
	kill -TERM "$spid"
	wait "$spid"
	expect_eq "valgrind server status ($(head -5 "$dir/s.err"))" "$?" 0
	grep -q "accepted=70 " "$dir/s.out" || die "server summary: $(tail -1 "$dir/s.out")"
}

# Rule: a client that connects and sends nothing is closed at --idle-timeout and counted as
# closed_idle.
test_idle_peer_closed() {
	start_server --idle-timeout 200
	local r; r=$("$HOSTILE" hold "$SERVER_PORT" 5 5000)
	expect_eq "hold" "$r" "opened=5 closed_by_peer=5"
	stop_server
	grep -q ' closed_idle=5 ' "$SERVER_OUT" || die "server summary: $(tail -1 "$SERVER_OUT")"
}

# Rule: a client that sends without reading cannot make the server buffer without bound:
# the pending echo is capped at 64 KiB a connection, so 20 flooders leave the server's RSS
# within 20 x 64 KiB plus a margin, whatever they send.
test_flood_without_reading_bounded() {
	start_server
	"$TWTEST" client 127.0.0.1 1 5 --port "$SERVER_PORT" >/dev/null || die "client"
	local rss1; rss1=$(rss_kb "$SERVER_PID")
	local r; r=$("$HOSTILE" flood "$SERVER_PORT" 20 1500) || die "flood: $r"
	local sent=${r##*bytes_sent=}
	[ "$sent" -gt $((20 * 64 * 1024)) ] || die "the flood sent only $sent bytes"
	local rss2; rss2=$(rss_kb "$SERVER_PID")
	[ $((rss2 - rss1)) -lt $((20 * 64 + 4096)) ] || die "server RSS grew from $rss1 to $rss2 KiB ($r)"
	kill -0 "$SERVER_PID" || die "server died"
	local line; line=$("$TWTEST" client 127.0.0.1 1 10 --port "$SERVER_PORT" | grep '^loop: 0')
	expect_eq "later client finished" "$(field finished_count "$line")" 10
}

# Rule: a client opening 1000 connections against --max-conns 100 gets 900 refused (closed
# with RST at once), counted in the server's summary; the server serves on.
test_max_conns_refusals_counted() {
	start_server --max-conns 100
	local r; r=$("$HOSTILE" hold "$SERVER_PORT" 1000 3000) # a bound for a loaded machine
	expect_eq "hold" "$r" "opened=1000 closed_by_peer=900"
	stop_server
	grep -q '^twtest server: summary: accepted=100 refused=900 ' "$SERVER_OUT" || die "server summary: $(tail -1 "$SERVER_OUT")"
	grep -q ' peak_concurrent=100 ' "$SERVER_OUT" || die "peak: $(tail -1 "$SERVER_OUT")"
}

run_tests
