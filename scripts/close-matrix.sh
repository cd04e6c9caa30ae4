#!/usr/bin/env bash
# The close-order matrix (docs/closing.md, scenarios A-K of the seed experiments): each
# scenario runs `twtest server` and `twtest client` in two fresh network namespaces joined
# by a veth pair (198.18.0.1 server, 198.18.0.2 client), so every socket state and kernel
# counter belongs to one side; scenario I is also run on loopback. It prints one row per
# scenario: what each side did, the expected and the observed outcome, ok or MISMATCH.
# Observed: TCP states per side from `twtest stat` once the closes have settled, RSTs
# from the namespace's counters (Tcp OutRsts, and which TcpExt TCPAbortOn* rose), bytes
# the server wrote that the client never read, the result of the second connection or
# of the restarted listener. Exit 0 only if every row matches; 1 otherwise; 2 bad usage.
# Needs root (network namespaces). Usage: close-matrix.sh [--twtest PATH] [--repeat N] [ID...]
set -u
TWTEST=${TWTEST:-$(dirname "$0")/../twtest}
REPEAT=100 # connections of the racy scenario I
ONLY=()
while [ $# -gt 0 ]; do
	case $1 in
	--twtest) TWTEST=${2:?--twtest needs a path}; shift 2 ;;
	--repeat)
		[[ ${2:-} =~ ^[1-9][0-9]{0,3}$ ]] || { echo "close-matrix.sh: invalid --repeat '${2:-}' (1-9999)" >&2; exit 2; }
		REPEAT=$2; shift 2 ;;
	-h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "close-matrix.sh: unknown option '$1'" >&2; exit 2 ;;
	*) ONLY+=("$1"); shift ;;
	esac
done
[ -x "$TWTEST" ] && [ -f "$TWTEST" ] || { echo "close-matrix.sh: no twtest binary at '$TWTEST' (make, or --twtest PATH)" >&2; exit 2; }
TWTEST=$(realpath "$TWTEST") # `ip netns exec` would search PATH for a bare name
[ "$(id -u)" = 0 ] || { echo "close-matrix.sh: needs root for network namespaces" >&2; exit 1; }

PFX="cm$$"
PORT=5000
SRV_IP=198.18.0.1
CLI_IP=198.18.0.2
TMP=$(mktemp -d)
NETNS=()
PIDS=()
NSERVERS=0 NCLIENTS=0
cleanup() {
	local p n
	for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	for n in "${NETNS[@]}"; do ip netns del "$n" 2>/dev/null; done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- namespaces ---------------------------------------------------------------------------
# pair ID: fresh namespaces $S (server) and $C (client) joined by veth.
pair() {
	S="$PFX-$1-s" C="$PFX-$1-c"
	ip netns add "$S" && NETNS+=("$S") && ip netns add "$C" && NETNS+=("$C") || return 1
	ip -n "$S" link set lo up && ip -n "$C" link set lo up &&
	ip link add cm0 netns "$S" type veth peer name cm1 netns "$C" &&
	ip -n "$S" addr add "$SRV_IP/30" dev cm0 && ip -n "$C" addr add "$CLI_IP/30" dev cm1 &&
	ip -n "$S" link set cm0 up && ip -n "$C" link set cm1 up
}

# single ID: one fresh namespace (loopback); both sides in it.
single() {
	S="$PFX-$1-lo" C=$S
	ip netns add "$S" && NETNS+=("$S") && ip -n "$S" link set lo up
}

# --- the two sides --------------------------------------------------------------------------
# server_start ARGS...: twtest server in $S on $PORT; SPID and SOUT. Returns 1 (with SERR
# holding stderr) if it did not start.
server_start() {
	local addr=$SRV_IP
	[ "$S" = "$C" ] && addr=127.0.0.1
	SOUT=$TMP/server.$((++NSERVERS)) SERR=$SOUT.err
	: >"$SOUT" # exists before the background job opens it
	ip netns exec "$S" "$TWTEST" server --port "$PORT" --bind "$addr" "$@" >"$SOUT" 2>"$SERR" &
	SPID=$!
	PIDS+=("$SPID")
	local i
	for i in $(seq 1 150); do
		grep -q "listening on" "$SOUT" && return 0
		kill -0 "$SPID" 2>/dev/null || { wait "$SPID"; return 1; }
		sleep 0.02
	done
	return 1
}

# server_stop: SIGTERM, wait for the summary.
server_stop() {
	kill -TERM "$SPID" 2>/dev/null
	wait "$SPID" 2>/dev/null
	return 0
}

# client LOOPS CONNS ARGS...: twtest client in $C, per-connection lines in COUT.
client() {
	local loops=$1 conns=$2 dst=$SRV_IP
	shift 2
	[ "$S" = "$C" ] && dst=127.0.0.1
	COUT=$TMP/client.$((++NCLIENTS))
	ip netns exec "$C" "$TWTEST" client "$dst" "$loops" "$conns" --port "$PORT" --report-conns "$@" >"$COUT" 2>&1
}

# again ARGS...: two connections from --source-port 40000, the second 100 ms after the
# first (LOOPS 2, --interval), once the first has settled in its final state.
again() { client 2 1 --source-port 40000 --interval 100 "$@"; }

# server_field NAME: a key=value of the server's summary.
server_field() { sed -n "s/.*summary:.* $1=\([0-9]*\).*/\1/p" "$SOUT"; }

# result LOOP: the result field of the client's (first) connection in loop LOOP.
result() { sed -n "s/^conn: 0, loop: $1, .* result: \([^,]*\).*/\1/p" "$COUT" | head -1; }

# rcvd_total: bytes the client read over all its connections.
rcvd_total() { sed -n 's/^conn: .* rcvd: \([0-9]*\),.*/\1/p' "$COUT" | awk '{s += $1} END {print s + 0}'; }

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

# settle: wait (at most 2 s) until no socket of either side is in a passing state.
settle() {
	local i ns busy
	for i in $(seq 1 100); do
		busy=0
		for ns in "$S" "$C"; do
			states "$ns" | awk '$2 > 0 && $1 ~ /^(SYN_SENT|SYN_RECV|FIN_WAIT1|CLOSING|LAST_ACK)$/ {f = 1} END {exit !f}' && busy=1
		done
		[ "$busy" = 0 ] && return 0
		sleep 0.02
	done
}

# wait_for NS STATE: wait (at most 3 s) until NS has a socket in STATE.
wait_for() {
	local i
	for i in $(seq 1 150); do
		[ "$(count "$1" "$2")" -gt 0 ] && return 0
		sleep 0.02
	done
	return 1
}

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

# --- scenarios -----------------------------------------------------------------------------
# Each sets DID_S, DID_C (what each side did), EXPECT and OBSERVED.
GREET=hello # 5 bytes

sc_A() {
	DID_S="greeting, close at once"; DID_C="read, close on EOF; again from the same port"
	EXPECT="srv=TIME_WAIT cli=- rst=0/0 lost=0 conn2=ok"
	server_start --greeting "$GREET" --close-after 0 || return
	again --payload 0
	observe
	OBSERVED="$OBS conn2=$(result 1)"
}

sc_B() {
	DID_S="greeting, close at once"; DID_C="wait 100 ms, close on EOF, greeting unread"
	EXPECT="srv=- cli=- rst=0/1(close) lost=5"
	server_start --greeting "$GREET" --close-after 0 || return
	client 1 1 --payload 0 --read-delay 100 --on-eof close
	observe
	OBSERVED=$OBS
}

sc_C() {
	DID_S="greeting, close at once"; DID_C="shutdown(WR) on EOF, read after 100 ms, close"
	EXPECT="srv=TIME_WAIT cli=- rst=0/0 lost=0"
	server_start --greeting "$GREET" --close-after 0 || return
	client 1 1 --payload 0 --read-delay 100 --on-eof shutdown
	observe
	OBSERVED=$OBS
}

sc_D() {
	DID_S="greeting, close at once"; DID_C="ignore EOF for 1000 ms, then read, close"
	EXPECT="during: srv=FIN_WAIT2 cli=CLOSE_WAIT; after: srv=TIME_WAIT cli=- rst=0/0 lost=0"
	server_start --greeting "$GREET" --close-after 0 || return
	COUT=$TMP/client.D
	ip netns exec "$C" "$TWTEST" client "$SRV_IP" 1 1 --port "$PORT" --report-conns --payload 0 \
		--read-delay 1000 --on-eof ignore >"$COUT" 2>&1 &
	local cpid=$!
	PIDS+=("$cpid")
	# Sample both sides until the pair shows (the client's CLOSE_WAIT comes a moment before
	# its ACK puts the server in FIN_WAIT2) or the client is gone; keep the last sample.
	local during="" i
	for i in $(seq 1 100); do
		during="srv=$(side "$S") cli=$(side "$C")"
		[ "$during" = "srv=FIN_WAIT2 cli=CLOSE_WAIT" ] && break
		kill -0 "$cpid" 2>/dev/null || break
		sleep 0.01
	done
	wait "$cpid"
	observe
	OBSERVED="during: $during; after: $OBS"
}

sc_E() {
	DID_S="greeting, close after 100 ms"; DID_C="read, shutdown(WR) on EOF, close"
	EXPECT="srv=TIME_WAIT cli=- rst=0/0 lost=0"
	server_start --greeting "$GREET" --close-after 100 || return
	client 1 1 --payload 0 --on-eof shutdown
	observe
	OBSERVED=$OBS
}

sc_F() {
	DID_S="close on EOF"; DID_C="close right after connect, from port 40000; again"
	EXPECT="srv=- cli=TIME_WAIT rst=0/0 lost=0 conn2=bind/EADDRINUSE"
	server_start || return
	again --payload 0 --close-after 0
	observe
	OBSERVED="$OBS conn2=$(result 1)"
}

# With SO_REUSEADDR bind() shares the port with the TIME_WAIT socket and connect() takes
# the TIME_WAIT over (timestamps are on). Not while the old socket is still in FIN_WAIT2:
# hence the pause between the two connections.
sc_F2() {
	DID_S="close on EOF"; DID_C="as F, with SO_REUSEADDR"
	EXPECT="srv=- cli=TIME_WAIT rst=0/0 lost=0 conn2=ok"
	server_start || return
	again --payload 0 --close-after 0 --reuseaddr
	observe
	OBSERVED="$OBS conn2=$(result 1)"
}

sc_G() {
	DID_S="never closes (ignores EOF), stopped later"; DID_C="waits, killed (SIGKILL)"
	EXPECT="killed: srv=CLOSE_WAIT cli=FIN_WAIT2; server stopped: srv=- cli=TIME_WAIT rst=0/0"
	server_start --on-eof ignore || return
	# `ip netns exec` execs twtest: $! is the client itself
	ip netns exec "$C" "$TWTEST" client "$SRV_IP" 1 1 --port "$PORT" --payload 0 >/dev/null 2>&1 &
	local cpid=$!
	PIDS+=("$cpid")
	wait_for "$S" ESTABLISHED
	kill -KILL "$cpid"
	wait "$cpid" 2>/dev/null
	wait_for "$S" CLOSE_WAIT
	settle
	local killed="srv=$(side "$S") cli=$(side "$C")"
	server_stop
	settle
	OBSERVED="killed: $killed; server stopped: srv=$(side "$S") cli=$(side "$C") rst=$(rst "$S")/$(rst "$C")"
}

sc_H() {
	DID_S="on EOF writes 'bye', never closes"; DID_C="close right after connect"
	EXPECT="srv=- cli=- rst=0/1 lost=3"
	server_start --on-eof write:bye || return
	client 1 1 --payload 0 --close-after 0
	observe
	# Which counter explains the RST depends on timing: if the data finds the closed client
	# still in FIN_WAIT1 (a full socket) the kernel counts TCPAbortOnData; once it is an
	# orphaned FIN_WAIT2 (a time-wait mini socket) the RST is counted in OutRsts only.
	OBSERVED=${OBS/rst=0\/1(data)/rst=0\/1}
}

# race REPEAT connections; on veth: server-only, client-only and both in TIME_WAIT.
race_args() { server_start --greeting "$GREET" --close-after 0 && client 1 "$REPEAT" --payload 0 --close-on-data; }

sc_I() {
	DID_S="greeting, close at once"; DID_C="close as soon as the greeting is read (x$REPEAT)"
	EXPECT="every conn leaves TIME_WAIT on one side or both; no RST"
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
	DID_S="as I, on loopback"; DID_C="as I"
	EXPECT="every conn leaves TIME_WAIT on one side or both; no RST"
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

sc_J() {
	DID_S="greeting, close at once with SO_LINGER {1,0}"; DID_C="read"
	# the kernel counts an SO_LINGER {1,0} close as TCPAbortOnData, not TCPAbortOnLinger
	EXPECT="srv=- cli=- rst=1(data)/0 lost=0 conn1=read/ECONNRESET"
	server_start --greeting "$GREET" --close-after 0 --close rst || return
	client 1 1 --payload 0
	observe
	OBSERVED="$OBS conn1=$(result 0)"
}

# restart_after ARGS...: TIME_WAIT on the server's port from an old listener started with
# ARGS, then the errno of restarts without and with SO_REUSEADDR; sets OBS.
restart_after() {
	server_start --greeting "$GREET" --close-after 0 "$@" || return 1
	client 1 1 --payload 0
	settle
	local tw; tw=$(count "$S" TIME_WAIT)
	server_stop
	local plain reuse
	if server_start --no-reuseaddr; then plain=ok; server_stop; else plain=$(grep -o '(E[A-Z]*)' "$SERR" | tr -d '()'); fi
	if server_start; then reuse=ok; server_stop; else reuse=$(grep -o '(E[A-Z]*)' "$SERR" | tr -d '()'); fi
	OBS="srv TIME_WAIT=$tw restart=${plain:-?} restart+reuseaddr=${reuse:-?}"
}

sc_K() {
	DID_S="listener with SO_REUSEADDR closes first, restarted"; DID_C="read, close on EOF"
	EXPECT="srv TIME_WAIT=1 restart=EADDRINUSE restart+reuseaddr=ok"
	restart_after && OBSERVED=$OBS
}

sc_K2() {
	DID_S="as K, old listener without SO_REUSEADDR"; DID_C="read, close on EOF"
	EXPECT="srv TIME_WAIT=1 restart=EADDRINUSE restart+reuseaddr=EADDRINUSE"
	restart_after --no-reuseaddr && OBSERVED=$OBS
}

# --- the matrix ----------------------------------------------------------------------------
ALL=(A B C D E F F2 G H I Ilo J K K2)
[ ${#ONLY[@]} -gt 0 ] || ONLY=("${ALL[@]}")
for id in "${ONLY[@]}"; do
	[[ " ${ALL[*]} " == *" $id "* ]] || { echo "close-matrix.sh: unknown scenario '$id' (${ALL[*]})" >&2; exit 2; }
done

echo "# twtest close matrix: kernel $(uname -r); server $SRV_IP:$PORT, client $CLI_IP (veth), Ilo on 127.0.0.1"
printf '%s\n' "id | server does | client does | expected | observed | result"
mismatches=0
FREQS=()
for id in "${ONLY[@]}"; do
	DID_S="" DID_C="" EXPECT="" OBSERVED="" FREQ=""
	if [ "$id" = Ilo ]; then single "$id"; else pair "$id"; fi || { echo "close-matrix.sh: cannot create namespaces for $id" >&2; exit 1; }
	"sc_$id"
	[ -n "$OBSERVED" ] || OBSERVED="(did not run: $(head -c 200 "${SERR:-/dev/null}" 2>/dev/null | tr '\n' ' '))"
	result=ok
	[ "$OBSERVED" = "$EXPECT" ] || { result=MISMATCH; mismatches=$((mismatches + 1)); }
	printf '%s | %s | %s | %s | %s | %s\n' "$id" "$DID_S" "$DID_C" "$EXPECT" "$OBSERVED" "$result"
	[ -n "$FREQ" ] && FREQS+=("$FREQ")
	for n in "${NETNS[@]}"; do ip netns del "$n" 2>/dev/null; done
	NETNS=() PIDS=()
done
for f in "${FREQS[@]}"; do echo "# race: $f"; done
echo "# $(( ${#ONLY[@]} - mismatches )) of ${#ONLY[@]} scenarios match"
[ "$mismatches" -eq 0 ]
