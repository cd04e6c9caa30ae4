#!/usr/bin/env bash
# The close-order matrix (docs/closing.md, scenarios A-K of the seed experiments): each
# scenario runs `twtest server` and `twtest client` in two fresh network namespaces joined
# by a veth pair (scripts/lab.sh's plan: client 198.18.0.1, server 198.18.0.2), so every
# socket state and kernel counter belongs to one side; scenario I is also run on loopback.
# The scenarios are rows of a table (row ...); functions only where one needs its own logic.
# It prints one row per scenario: what each side did, the expected and the observed
# outcome, ok or MISMATCH; then what varies with timing (I's frequencies, H's RST count).
# Observed: TCP states per side from `twtest stat` once the closes have settled, RSTs
# from the namespace's counters (Tcp OutRsts, and which TcpExt TCPAbortOn* rose), bytes
# the server wrote that the client never read, the result of the second connection or
# of the restarted listener. Exit 0 only if every row matches; 1 otherwise; 2 bad usage.
# --capture DIR keeps, per scenario run, a tcpdump of the server's veth (DIR/ID.N.pcap,
# N counting runs, so an ID given several times keeps each) and the non-zero TCP counters
# of both namespaces (DIR/ID.N.counters): what a MISMATCH answered, for docs/closing.md.
# --throttle-client holds back the client's segments past its first 206 bytes (a token
# bucket of 2000 bit/s on the client's veth): the handshake and a FIN pass, the client's
# last ACK comes ~260 ms late, later than the server's 200 ms RTO: the trigger of the stray
# server RST F once saw (docs/closing.md), made to happen every time.
# Needs root (network namespaces), and tcpdump for --capture.
# Usage: close-matrix.sh [--twtest PATH] [--repeat N] [--capture DIR] [--throttle-client] [ID...]
set -u
TWTEST=${TWTEST:-$(dirname "$0")/../twtest}
REPEAT=100 # connections of the racy scenario I
ONLY=()
CAPTURE="" THROTTLE=0 THROTTLED=0
while [ $# -gt 0 ]; do
	case $1 in
	--twtest) TWTEST=${2:?--twtest needs a path}; shift 2 ;;
	--repeat)
		[[ ${2:-} =~ ^[1-9][0-9]{0,3}$ ]] || { echo "close-matrix.sh: invalid --repeat '${2:-}' (1-9999)" >&2; exit 2; }
		REPEAT=$2; shift 2 ;;
	--capture) CAPTURE=${2:?--capture needs a directory}; shift 2 ;;
	--throttle-client) THROTTLE=1; shift ;;
	-h|--help) sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	-*) echo "close-matrix.sh: unknown option '$1'" >&2; exit 2 ;;
	*) ONLY+=("$1"); shift ;;
	esac
done
[ -x "$TWTEST" ] && [ -f "$TWTEST" ] || { echo "close-matrix.sh: no twtest binary at '$TWTEST' (make, or --twtest PATH)" >&2; exit 2; }
TWTEST=$(realpath "$TWTEST") # `ip netns exec` would search PATH for a bare name
[ "$(id -u)" = 0 ] || { echo "close-matrix.sh: needs root for network namespaces" >&2; exit 1; }
if [ -n "$CAPTURE" ]; then
	command -v tcpdump >/dev/null || { echo "close-matrix.sh: --capture needs tcpdump (Debian's tcpdump)" >&2; exit 2; }
	mkdir -p "$CAPTURE" && CAPTURE=$(realpath "$CAPTURE") || { echo "close-matrix.sh: cannot make '$CAPTURE'" >&2; exit 2; }
fi

# shellcheck source=scripts/lab.sh
. "$(dirname "$0")/lab.sh"
LAB_PREFIX="cm$$"
PORT=5000
NCLIENTS=0
lab_trap
lab_tmpdir || exit 1
TMP=$LAB_TMP

# --- the two sides --------------------------------------------------------------------------
# A scenario's cell (lab_cell_up): server namespace $S, client namespace $C (the same one
# on loopback), the server's address $DST.

# server_start ARGS...: twtest server in $S on $PORT; SPID and SOUT. Returns 1 (with SOUT
# holding what it said) if it did not start.
server_start() {
	lab_server_start "$S" "$PORT" "$@"
	local rc=$?
	SPID=$LAB_SERVER_PID SOUT=$LAB_SERVER_OUT
	return $rc
}

# server_stop: SIGTERM, wait for the summary.
server_stop() { lab_stop "$SPID"; }

# client LOOPS CONNS ARGS...: twtest client in $C, per-connection lines in COUT (and COUTS,
# every client output of the scenario).
client() {
	local loops=$1 conns=$2
	shift 2
	COUT=$TMP/client.$((++NCLIENTS))
	COUTS+=("$COUT")
	ip netns exec "$C" "$TWTEST" client "$DST" "$loops" "$conns" --port "$PORT" --report-conns "$@" >"$COUT" 2>&1
}

# client_bg ARGS...: as client, one connection, in the background; CPID.
client_bg() {
	COUT=$TMP/client.$((++NCLIENTS))
	COUTS+=("$COUT")
	# `ip netns exec` execs twtest: $! is the client itself
	ip netns exec "$C" "$TWTEST" client "$DST" 1 1 --port "$PORT" "$@" >"$COUT" 2>&1 &
	CPID=$!
	lab_track "$CPID" KILL
}

# server_field NAME: a key=value of the server's summary.
server_field() { sed -n "s/.*summary:.* $1=\([0-9]*\).*/\1/p" "$SOUT"; }

# result LOOP: the result field of the last client's (first) connection in loop LOOP.
result() { sed -n "s/^conn: 0, loop: $1, .* result: \([^,]*\).*/\1/p" "$COUT" | head -1; }

# rcvd_total: bytes the scenario's clients read over all their connections.
rcvd_total() {
	cat "${COUTS[@]}" 2>/dev/null | sed -n 's/^conn: .* rcvd: \([0-9]*\),.*/\1/p' | awk '{s += $1} END {print s + 0}'
}

# --- what the kernel says ------------------------------------------------------------------
"$TWTEST" stat --help >/dev/null 2>&1 || { echo "close-matrix.sh: '$TWTEST' has no 'stat' subcommand" >&2; exit 2; }

# states NS: "STATE COUNT" lines for the sockets with $PORT at either end (sock_diag).
states() { ip netns exec "$1" "$TWTEST" stat --port "$PORT"; }

# side NS: the non-zero states other than LISTEN, "TIME_WAIT" or "TIME_WAIT*2", or "-".
side() {
	states "$1" | awk '$2 > 0 && $1 != "LISTEN" { printf "%s%s%s", sep, $1, ($2 > 1 ? "*" $2 : ""); sep = "+" }
		END { if (sep == "") printf "-" }'
}

# count NS STATE: sockets in STATE.
count() { states "$1" | awk -v s="$2" '$1 == s { n = $2 } END { print n + 0 }'; }

# passing: a socket of either side is in a passing state, or the client's token bucket
# (throttle_client) still holds a segment that is yet to reach the server.
passing() {
	local ns
	held && return 0
	for ns in "$S" "$C"; do
		states "$ns" | awk '$2 > 0 && $1 ~ /^(SYN_SENT|SYN_RECV|FIN_WAIT1|CLOSING|LAST_ACK)$/ {f = 1} END {exit !f}' && return 0
	done
	return 1
}

# settle: wait (at most 15 s) until no socket of either side is in a passing state. Usually
# that takes milliseconds. 15 s covers a lost FIN: the kernel drops a FIN that arrives while
# close() turns the peer into a FIN_WAIT2 mini socket (tcp_rcv_state_process: "We could lose
# such FIN otherwise"), and only its retransmission, which no_resend puts 10 s out, ends
# the LAST_ACK. The 6.1 guest once saw F stop at srv=LAST_ACK cli=FIN_WAIT2 after 2 s.
settle() { lab_wait_until 15000 eval '! passing'; }

# wait_for NS STATE: wait (at most 3 s) until NS has a socket in STATE.
has_state() { [ "$(count "$1" "$2")" -gt 0 ]; }
wait_for() { lab_wait_until 3000 has_state "$1" "$2"; }

# counters NS: "OutRsts AbortOnClose AbortOnData AbortOnLinger" of the namespace.
counters() {
	ip netns exec "$1" awk '
		FNR == 1 { hdr = "" }
		/^Tcp: / || /^TcpExt: / {
			if (hdr == $1) { for (i = 2; i <= NF; i++) v[$1 name[i]] = $i; next }
			hdr = $1; for (i = 2; i <= NF; i++) name[i] = $i
		}
		END { print v["Tcp:OutRsts"] + 0, v["TcpExt:TCPAbortOnClose"] + 0, v["TcpExt:TCPAbortOnData"] + 0,
			v["TcpExt:TCPAbortOnLinger"] + 0 }' /proc/net/snmp /proc/net/netstat
}

# estab_resets NS: connections of NS that an RST ended while ESTABLISHED or CLOSE_WAIT
# (Tcp EstabResets): the kernel's own record that a connection was aborted.
estab_resets() { ip netns exec "$1" awk '/^Tcp: / { if (h) { print $col; exit } for (i = 2; i <= NF; i++) if ($i == "EstabResets") col = i; h = 1 }' /proc/net/snmp; }

# rst NS: "0", or the RSTs sent and why ("1(close)": TCPAbortOnClose rose).
rst() {
	local out close data linger why=""
	read -r out close data linger < <(counters "$1")
	[ "$close" -gt 0 ] && why+=",close"
	[ "$data" -gt 0 ] && why+=",data"
	[ "$linger" -gt 0 ] && why+=",linger"
	[ -n "$why" ] && why="(${why#,})"
	echo "$out$why"
}

# observe: OBS="srv=STATES cli=STATES rst=S/C lost=BYTES" once the closes settled; lost is
# what the server wrote and the client never read (the server is stopped for its summary).
observe() {
	settle
	local s c r
	s=$(side "$S") c=$(side "$C") r="$(rst "$S")/$(rst "$C")"
	server_stop
	OBS="srv=$s cli=$c rst=$r lost=$(( $(server_field bytes_sent) - $(rcvd_total) ))"
}

# one_backlog: every segment a device of the cell receives waits in one CPU's backlog (RPS to
# CPU 0), so it arrives in the order it was sent. Without it a device queues a segment on
# the backlog of the CPU that sent it, and when one CPU's softirq runs late (the 6.1 guest
# under emulation) a segment sent later from the other CPU arrives first: a client's ACK sent
# from softirq (of the handshake, or a server's delayed ACK) behind the close() that follows
# it. The late one then finds the server's connection gone and draws the listener's RST: the
# rst=1/0 that F2 saw twice in fresh-clone CI runs (inferred from that signature; docs/closing.md).
one_backlog() {
	local ns dev q
	for ns in "$S" "$C"; do
		if [ "$S" = "$C" ]; then dev=lo; elif [ "$ns" = "$S" ]; then dev=tws0; else dev=twc0; fi
		q=/sys/class/net/$dev/queues/rx-0/rps_cpus
		# a kernel without RPS (CONFIG_RPS off) has no such file: ordering as it comes
		ip netns exec "$ns" sh -c "[ ! -e $q ] || echo 1 >$q" ||
			{ echo "close-matrix.sh: cannot set $dev's rps_cpus in $ns" >&2; exit 1; }
		[ "$S" != "$C" ] || break
	done
}

# --- captures (--capture) -------------------------------------------------------------------
# capture_start NAME: tcpdump on the server's end of the veth (lo for a loopback scenario)
# into $CAPTURE/NAME.pcap; returns once it listens. TDPID.
capture_start() {
	local ifc=tws0 err=$CAPTURE/$1.tcpdump
	[ "$S" != "$C" ] || ifc=lo
	# every frame (ARP too), whole, read from the kernel at once (--immediate-mode: else a short
	# row ends before tcpdump reads its ring and the file is empty) and written as it comes (-U)
	ip netns exec "$S" tcpdump -i "$ifc" --immediate-mode -s 0 -U -w "$CAPTURE/$1.pcap" >/dev/null 2>"$err" &
	TDPID=$!
	lab_track "$TDPID"
	capture_listening() { grep -q "listening on" "$err"; }
	lab_wait_until 5000 capture_listening || echo "close-matrix.sh: tcpdump did not start: $(cat "$err")" >&2
}

# capture_stop NAME: stop tcpdump (it writes what it holds); the non-zero TCP counters of
# both namespaces into $CAPTURE/NAME.counters.
capture_stop() {
	lab_stop "$TDPID" INT
	local ns
	for ns in "$S" "$C"; do
		echo "# $ns"
		ip netns exec "$ns" awk '/^(Tcp|TcpExt):/ { if (h[$1]) { for (i = 2; i <= NF; i++) if ($i != 0) print $1 n[$1, i] "=" $i }
			else { h[$1] = 1; for (i = 2; i <= NF; i++) n[$1, i] = $i } }' /proc/net/snmp /proc/net/netstat
	done >"$CAPTURE/$1.counters"
}

# no_resend: a 10 s minimum RTO on every route of the cell (the route metric rto_min, which ip
# locks; on 6.18 it held the tail loss probe back too, while 6.1's era times the probe from
# the constant TCP_RTO_MIN, so tcp_early_retrans=0 turns the probe off), in both namespaces. The stray RST that F, and
# once Ilo in the 6.1 guest, saw (docs/closing.md, caught with --capture): a side's last ACK
# came later than the peer's 200 ms RTO, the peer sent its FIN again, the late ACK closed the
# peer's socket, and the TIME_WAIT's ACK to the second FIN found only a listener (or nothing),
# which answered with an RST that, with tcp_rfc1337=0, also ended the TIME_WAIT. No
# retransmission within the first 10 s: no race. (A FIN that is lost is sent again at 10 s,
# within settle's 15 s.)
no_resend() {
	local ns dev route
	for ns in "$S" "$C"; do
		# and no tail loss probe (6.1's era times it from TCP_RTO_MIN, not the route's rto_min)
		lab_sysctl "$ns" net.ipv4.tcp_early_retrans=0 ||
			{ echo "close-matrix.sh: cannot set tcp_early_retrans in $ns" >&2; exit 1; }
		if [ "$S" = "$C" ]; then dev=lo route="local 127.0.0.1 table local"
		elif [ "$ns" = "$S" ]; then dev=tws0 route=$(ip -n "$ns" route show dev tws0 | head -1)
		else dev=twc0 route=$(ip -n "$ns" route show dev twc0 | head -1); fi
		# shellcheck disable=SC2086 # the route's words
		ip -n "$ns" route change $route dev "$dev" rto_min 10s ||
			{ echo "close-matrix.sh: cannot set rto_min on $ns's route ($route)" >&2; exit 1; }
		[ "$S" != "$C" ] || break
	done
}

# throttle_client BURST RATE: a token bucket on the client's veth that lets its first BURST
# bytes through and the rest at RATE (--throttle-client: 206 bytes, 2000bit; J: 182, 400bit);
# IPv6 off there first, so that no multicast report spends the bucket before the scenario's
# own segments. THROTTLED=1 makes settle wait until the bucket has let everything out.
throttle_client() {
	[ "$S" != "$C" ] || return 0
	lab_sysctl "$C" net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.twc0.disable_ipv6=1 &&
		tc -n "$C" qdisc replace dev twc0 root tbf rate "$2" burst "$1" limit 10000 ||
		{ echo "close-matrix.sh: cannot throttle the client's veth (tc, sch_tbf)" >&2; exit 1; }
	THROTTLED=1
}

# held: the client's token bucket still holds a segment.
held() { [ "$THROTTLED" = 1 ] && ! tc -n "$C" -s qdisc show dev twc0 | grep -q ' backlog 0b 0p'; }

# --- scenarios -----------------------------------------------------------------------------
GREET=hello # 5 bytes
# The matrix, one row a scenario: id, path (veth: two namespaces; lo: one), what the server
# does, what the client does, the expected observation, and how it runs: "std SERVER-ARGS ;
# LOOPS CONNS CLIENT-ARGS ; CONN" (start the server, run the client, observe, and with CONN
# = connN append that connection's result) or the name of a function for a scenario with
# its own logic. Each run sets OBSERVED. "again": two connections from --source-port 40000,
# each its own client run, the second 100 ms after the first has settled in its final state
# (conn2 is that second connection). Not one run with --interval 100: a FIN lost to the
# close() race (see settle) left the first in FIN_WAIT2 when the second came, and F2's
# second SYN met the server's LAST_ACK (its challenge ACK drew the client's RST: rst=0/1).
AGAIN="again --source-port 40000 --payload 0"
IDS=()
declare -A PATH_OF DID_S_OF DID_C_OF EXPECT_OF RUN_OF
row() {
	IDS+=("$1"); PATH_OF[$1]=$2 DID_S_OF[$1]=$3 DID_C_OF[$1]=$4 EXPECT_OF[$1]=$5 RUN_OF[$1]=$6
}
row A veth "greeting, close at once" "read, close on EOF; again from the same port" \
	"srv=TIME_WAIT cli=- rst=0/0 lost=0 conn2=ok" "std --greeting $GREET --close-after 0 ; $AGAIN ; conn2"
row B veth "greeting, close at once" "wait 100 ms, close on EOF, greeting unread" \
	"srv=- cli=- rst=0/1(close) lost=5" "std --greeting $GREET --close-after 0 ; 1 1 --payload 0 --read-delay 100 --on-eof close ;"
row C veth "greeting, close at once" "shutdown(WR) on EOF, read after 100 ms, close" \
	"srv=TIME_WAIT cli=- rst=0/0 lost=0" "std --greeting $GREET --close-after 0 ; 1 1 --payload 0 --read-delay 100 --on-eof shutdown ;"
row D veth "greeting, close at once" "ignore EOF for 1000 ms (longer on a slow machine), then read, close" \
	"during: srv=FIN_WAIT2 cli=CLOSE_WAIT; after: srv=TIME_WAIT cli=- rst=0/0 lost=0" sc_D
row E veth "greeting, close after 100 ms" "read, shutdown(WR) on EOF, close" \
	"srv=TIME_WAIT cli=- rst=0/0 lost=0" "std --greeting $GREET --close-after 100 ; 1 1 --payload 0 --on-eof shutdown ;"
row F veth "close on EOF" "close right after connect, from port 40000; again" \
	"srv=- cli=TIME_WAIT rst=0/0 lost=0 conn2=bind/EADDRINUSE" "rfc1337 std ; $AGAIN --close-after 0 ; conn2"
# With SO_REUSEADDR bind() shares the port with the TIME_WAIT socket and connect() takes
# the TIME_WAIT over (timestamps are on). Not while the old socket is still in FIN_WAIT2:
# hence the pause between the two connections.
row F2 veth "close on EOF" "as F, with SO_REUSEADDR" \
	"srv=- cli=TIME_WAIT rst=0/0 lost=0 conn2=ok" "rfc1337 std ; $AGAIN --close-after 0 --reuseaddr ; conn2"
row G veth "never closes (ignores EOF), stopped later" "waits, killed (SIGKILL)" \
	"killed: srv=CLOSE_WAIT cli=FIN_WAIT2; server stopped: srv=- cli=TIME_WAIT rst=0/0" sc_G
row H veth "on EOF writes 'bye', never closes" "close right after connect" \
	"srv=- cli=- rst=0/1+ lost=3 aborted=1" sc_H
row I veth "greeting, close at once" "close as soon as the greeting is read (x$REPEAT)" \
	"every conn leaves TIME_WAIT on one side or both; no RST" sc_I
row Ilo lo "as I, on loopback" "as I" \
	"every conn leaves TIME_WAIT on one side or both; no RST" sc_Ilo
row J veth "greeting, close at once with SO_LINGER {1,0}" "read; its ACK of the greeting comes late" \
	"srv=- cli=- rst=2(data)/0 lost=0 conn1=read/ECONNRESET" sc_J
row K veth "listener with SO_REUSEADDR closes first, restarted" "read, close on EOF" \
	"srv TIME_WAIT=1 restart=EADDRINUSE restart+reuseaddr=ok" "restart_after"
row K2 veth "as K, old listener without SO_REUSEADDR" "read, close on EOF" \
	"srv TIME_WAIT=1 restart=EADDRINUSE restart+reuseaddr=EADDRINUSE" "restart_after --no-reuseaddr"
# (J: the kernel counts an SO_LINGER {1,0} close as TCPAbortOnData, not TCPAbortOnLinger)

# std SERVER-ARGS... ; LOOPS CONNS CLIENT-ARGS... ; [connN]: the common run.
std() {
	local sargs=() cargs=()
	while [ "$1" != ";" ]; do sargs+=("$1"); shift; done
	shift
	while [ "$1" != ";" ]; do cargs+=("$1"); shift; done
	shift
	server_start "${sargs[@]}" || return
	if [ "${cargs[0]}" = again ]; then
		client 1 1 "${cargs[@]:1}"
		settle
		sleep 0.1
		client 1 1 "${cargs[@]:1}"
	else
		client "${cargs[@]}"
	fi
	observe
	OBSERVED=$OBS
	[ $# -gt 0 ] || return 0
	# connN: loop N-1 of the run; with "again", conn2 is the second run's one connection
	local loop=$((${1#conn} - 1))
	[ "${cargs[0]}" = again ] && loop=0
	OBSERVED+=" $1=$(result "$loop")"
}

# rfc1337 RUN...: RUN with tcp_rfc1337=1 in the client namespace (only there): an RST that
# reaches the client's TIME_WAIT cannot end it early (RFC 1337's TIME_WAIT assassination; a
# slow guest once saw F's TIME_WAIT gone before the second connection, so that bind() worked:
# the RST that no_resend prevents).
rfc1337() { lab_sysctl "$C" net.ipv4.tcp_rfc1337=1 || return; "$@"; }

# D: the client ignores EOF for D_DELAY ms, then reads and closes. What decides the outcome is
# one sample taken while the client is still in its delay: the server first, then the client,
# so a client still in CLOSE_WAIT proves that the server's FIN_WAIT2 was seen before the
# client closed (CLOSE_WAIT only moves on to LAST_ACK). Sampling starts as soon as the client
# runs and goes on until the pair is seen or the client is gone (bounded: the delay + 10 s).
# So that many samples fall inside the delay whatever the machine's speed (under emulation one
# sample took ~10 times longer, and a 1000 ms window starting before the client did could end
# with no sample inside it), the delay is 1000 ms or 10 times one sample measured first,
# whichever is longer (at most 60 s); the client's --timeout is raised past it.
D_DELAY_MIN=1000 D_SAMPLES=10
sc_D() {
	server_start --greeting "$GREET" --close-after 0 || return
	local t0 sample_ms delay during="" samples=0
	t0=${EPOCHREALTIME//[!0-9]/}
	during="srv=$(side "$S") cli=$(side "$C")"
	sample_ms=$(( (${EPOCHREALTIME//[!0-9]/} - t0 + 999) / 1000 ))
	delay=$(( sample_ms * D_SAMPLES > D_DELAY_MIN ? sample_ms * D_SAMPLES : D_DELAY_MIN ))
	[ "$delay" -le 60000 ] || delay=60000
	client_bg --report-conns --payload 0 --read-delay "$delay" --timeout $((delay + 10000)) --on-eof ignore
	LAB_POLL=0.01 lab_wait_until $((delay + 10000)) d_sample
	lab_reap "$CPID"
	observe
	OBSERVED="during: $during; after: $OBS"
	NOTE="D: read delay $delay ms (one sample of both sides took $sample_ms ms), $samples samples until the pair"
}
d_sample() {
	samples=$((samples + 1))
	during="srv=$(side "$S") cli=$(side "$C")"
	[ "$during" = "srv=FIN_WAIT2 cli=CLOSE_WAIT" ] || ! kill -0 "$CPID" 2>/dev/null
}

sc_G() {
	server_start --on-eof ignore || return
	client_bg --payload 0
	wait_for "$S" ESTABLISHED
	lab_stop "$CPID" KILL
	wait_for "$S" CLOSE_WAIT
	settle
	local killed="srv=$(side "$S") cli=$(side "$C")"
	server_stop
	settle
	OBSERVED="killed: $killed; server stopped: srv=$(side "$S") cli=$(side "$C") rst=$(rst "$S")/$(rst "$C")"
}

# H: what decides the outcome is that the connection was aborted (the server, which never
# closes, had it ended by a reset: its namespace's EstabResets), the server's 3 bytes were
# never read, no TIME_WAIT is left on either side, and the RSTs came from the client. How
# many RSTs the client sends, and which counter explains them, depends on timing: data that
# finds the closed client still a full socket (FIN_WAIT1, or FIN_WAIT2 while close() holds
# its lock) is answered by an RST counted as TCPAbortOnData, and the socket is gone at once;
# data that finds an orphaned FIN_WAIT2 mini socket is answered in OutRsts only; any segment
# of the server that arrives once the socket is gone draws one more RST (a fresh-clone CI run
# once counted 2). The row asks for at least one and reports the count.
sc_H() {
	std --on-eof write:bye ";" 1 1 --payload 0 --close-after 0 ";" || return
	local re='rst=([0-9]+)/([0-9]+)(\([a-z,]*\))?' cli_rsts why plural=""
	[[ $OBSERVED =~ $re ]] || return 0
	cli_rsts=${BASH_REMATCH[2]} why=${BASH_REMATCH[3]}
	[ "$cli_rsts" -ge 1 ] && OBSERVED=${OBSERVED/"${BASH_REMATCH[0]}"/"rst=${BASH_REMATCH[1]}/1+"}
	OBSERVED+=" aborted=$(estab_resets "$S")"
	[ "$cli_rsts" -gt 1 ] && plural=s
	NOTE="H: the client sent $cli_rsts RST$plural${why:+ $why}"
}

# J: the server writes its greeting and closes at once with SO_LINGER {1,0}: one RST, which
# the kernel counts as TCPAbortOnData. The client ACKs the greeting as it comes (quick-ACK
# mode, early in a connection). On any link with latency that ACK arrives after the abort,
# finds only the listener, and the listener answers it with a second RST (OutRsts only,
# tcp_rcv_state_process: a LISTEN socket resets a bare ACK). On an idle veth the ACK is
# processed inside the server's write(), before its close(), and the second RST is missing;
# under load it is not (the 6.1 guest once saw rst=2(data)/0 where 1 was expected). So the
# row makes the link's latency: the client's veth lets the ARP request (42 bytes), the SYN
# (74) and the handshake's ACK (66) through, and holds the greeting's ACK (66) 1.3 s.
sc_J() {
	throttle_client 182 400bit
	std --greeting "$GREET" --close-after 0 --close rst ";" 1 1 --payload 0 ";" conn1
}

# race REPEAT connections; on veth: server-only, client-only and both in TIME_WAIT.
race_args() { server_start --greeting "$GREET" --close-after 0 && client 1 "$REPEAT" --payload 0 --close-on-data; }

sc_I() {
	race_args || return
	settle
	local s c r
	s=$(count "$S" TIME_WAIT) c=$(count "$C" TIME_WAIT) r="$(rst "$S")/$(rst "$C")"
	server_stop
	local both=$((s + c - REPEAT))
	if [ "$both" -ge 0 ] && [ "$s" -le "$REPEAT" ] && [ "$c" -le "$REPEAT" ] && [ "$r" = 0/0 ]; then
		OBSERVED=$EXPECT
	else
		OBSERVED="srv TIME_WAIT=$s cli TIME_WAIT=$c of $REPEAT, rst=$r"
	fi
	FREQ="I (veth): server only $((REPEAT - c)), client only $((REPEAT - s)), both $both of $REPEAT"
}

# On loopback both sides are in one namespace: `stat --port` counts them together. A
# connection whose client closed while still ESTABLISHED (--report-conns close_state) sent
# the first FIN or crossed the server's; one that saw CLOSE_WAIT left TIME_WAIT to the server.
sc_Ilo() {
	race_args || return
	settle
	local t r first both
	t=$(count "$S" TIME_WAIT) r=$(rst "$S")
	server_stop
	first=$(grep -c 'close_state: ESTABLISHED' "$COUT")
	both=$((t - REPEAT))
	if [ "$both" -ge 0 ] && [ "$both" -le "$first" ] && [ "$r" = 0 ]; then
		OBSERVED=$EXPECT
	else
		OBSERVED="TIME_WAIT=$t of $REPEAT, client first=$first, rst=$r"
	fi
	FREQ="I (loopback): server only $((REPEAT - first)), client only $((first - both)), both $both of $REPEAT"
}

# restart_after ARGS...: TIME_WAIT on the server's port from an old listener started with
# ARGS, then the errno of restarts without and with SO_REUSEADDR.
restart_after() {
	server_start --greeting "$GREET" --close-after 0 "$@" || return 1
	client 1 1 --payload 0
	settle
	local tw; tw=$(count "$S" TIME_WAIT)
	server_stop
	local plain reuse
	if server_start --no-reuseaddr; then plain=ok; server_stop; else plain=$(grep -o '(E[A-Z]*)' "$SOUT" | tr -d '()'); fi
	if server_start; then reuse=ok; server_stop; else reuse=$(grep -o '(E[A-Z]*)' "$SOUT" | tr -d '()'); fi
	OBSERVED="srv TIME_WAIT=$tw restart=${plain:-?} restart+reuseaddr=${reuse:-?}"
}

# --- the matrix ----------------------------------------------------------------------------
[ ${#ONLY[@]} -gt 0 ] || ONLY=("${IDS[@]}")
for id in "${ONLY[@]}"; do
	[[ " ${IDS[*]} " == *" $id "* ]] || { echo "close-matrix.sh: unknown scenario '$id' (${IDS[*]})" >&2; exit 2; }
done

echo "# twtest close matrix: kernel $(uname -r); server $LAB_SERVER_ADDR:$PORT, client $LAB_CLIENT_ADDR (veth), Ilo on 127.0.0.1"
printf '%s\n' "id | server does | client does | expected | observed | result"
mismatches=0 runs=0
FREQS=() NOTES=()
for id in "${ONLY[@]}"; do
	EXPECT=${EXPECT_OF[$id]} OBSERVED="" FREQ="" NOTE="" SOUT="" COUTS=()
	lab_cell_up "${PATH_OF[$id]}" || { echo "close-matrix.sh: cannot create namespaces for $id" >&2; exit 1; }
	S=$LAB_SNS C=$LAB_CNS DST=$LAB_DST
	runs=$((runs + 1))
	no_resend
	one_backlog
	[ -z "$CAPTURE" ] || capture_start "$id.$runs"
	THROTTLED=0
	[ "$THROTTLE" = 0 ] || throttle_client 206 2000bit
	# shellcheck disable=SC2086 # a row's run is words
	${RUN_OF[$id]}
	[ -z "$CAPTURE" ] || capture_stop "$id.$runs"
	[ -n "$OBSERVED" ] || OBSERVED="(did not run: $(head -c 200 "${SOUT:-/dev/null}" 2>/dev/null | tr '\n' ' '))"
	result=ok
	[ "$OBSERVED" = "$EXPECT" ] || { result=MISMATCH; mismatches=$((mismatches + 1)); }
	printf '%s | %s | %s | %s | %s | %s\n' "$id" "${DID_S_OF[$id]}" "${DID_C_OF[$id]}" "$EXPECT" "$OBSERVED" "$result"
	[ -n "$FREQ" ] && FREQS+=("$FREQ")
	[ -n "$NOTE" ] && NOTES+=("$NOTE")
	lab_cleanup # this scenario's processes and namespaces; the next gets fresh ones
	lab_tmpdir || exit 1
	TMP=$LAB_TMP
done
for f in "${FREQS[@]}"; do echo "# race: $f"; done
for f in "${NOTES[@]}"; do echo "# timing: $f"; done
echo "# $(( ${#ONLY[@]} - mismatches )) of ${#ONLY[@]} scenarios match"
[ "$mismatches" -eq 0 ]
