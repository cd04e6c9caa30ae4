#!/usr/bin/env bash
# scripts/remedies.sh: every remedy, trap and claim about TIME_WAIT port exhaustion, measured
# on this kernel (issue 13). Each case runs `twtest client` against `twtest server` in fresh
# network namespaces made by scripts/lab.sh (an empty TIME_WAIT table, sysctls set inside the
# namespaces only, never the host's), with a few hundred ports and connections, so the whole
# run takes well under a minute. It prints a markdown table (claim, source, test, what this
# kernel did, verdict computed from the numbers) and, with --csv, every number it used as
# rows "row,case,metric,value" (tests/integration/remedies.sh checks those). Run --help.
set -u -o pipefail
RM_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/lab.sh
. "$RM_HERE/lab.sh"

rm_usage() {
	cat <<'EOF'
usage: scripts/remedies.sh [options]

Measures every row of docs/remedies.md on this kernel, each case in fresh network
namespaces, and prints the table with this kernel's numbers and the verdicts.

  --rows LIST     rows to run, e.g. 1,3,8 (default all: 1-13)
  --out FILE      also write the markdown to FILE
  --csv FILE      write every number as "row,case,metric,value" to FILE
  --tw N          TIME_WAIT sockets for row 9, the memory row (default 10000; the seed's
                  claim is about 100k and more: --tw 100000 takes about a minute)
  --twtest PATH   the twtest binary (default ./twtest beside scripts/, else twtest)
  -h, --help      this help

Needs root (network namespaces). Exit status: 0 done, 1 a case could not run, 2 usage.
EOF
}

RM_ROWS="1 2 3 4 5 6 7 8 9 10 11 12 13"
RM_OUT="" RM_CSV="" RM_TW=10000
RM_P=200              # ephemeral ports of most cases: 40000-40199
RM_RANGE="40000 40199"
RM_PORT=5000          # the server's first port (outside every range used here)
RM_N=0                # client runs so far (names their output files)
RM_TABLE=()           # markdown rows of the claims table
RM_DETAIL=()          # markdown rows of the bind-mode matrix (row 1)

rm_die() { echo "remedies: $*" >&2; exit 1; }
rm_note() { echo "remedies: $*" >&2; }

# rm_metric ROW CASE METRIC VALUE: one number, for --csv.
rm_metric() { [ -n "$RM_CSV" ] && echo "$1,$2,$3,$4" >>"$RM_CSV"; return 0; }

# rm_row NUM CLAIM SOURCE TEST RESULT VERDICT: one row of the claims table.
rm_row() { RM_TABLE+=("| $1 | $2 | $3 | \`$4\` | $5 | $6 |"); }

# rm_up PATH [KEY=VALUE...]: a fresh cell (lo: one namespace, server on 127.0.0.1; veth: a
# client and a server namespace) with the sysctls set in its client namespace.
rm_up() {
	local path=$1; shift
	lab_cell_up "$path" || rm_die "cannot make a $path cell"
	lab_sysctl "$LAB_CNS" "$@" || rm_die "cannot set $* in the client namespace"
}

# rm_serve PORTS [SERVER-ARGS...]: a server on LAB_DST:PORTS in the cell's server namespace.
rm_serve() {
	local ports=$1; shift
	lab_server_start "$LAB_SNS" "$ports" "$@" || { lab_server_err; exit 1; }
}

# rm_client ARGS...: run `twtest client LAB_DST ARGS --format csv` in the client namespace;
# RM_LAST names its output. A client that cannot run at all stops the script.
rm_client() {
	lab_tmpdir || rm_die "no temporary directory"
	RM_N=$((RM_N + 1))
	RM_LAST="$LAB_TMP/client.$RM_N.csv"
	ip netns exec "$LAB_CNS" "$(lab_twtest)" client "$LAB_DST" "$@" --format csv \
		>"$RM_LAST" 2>"$RM_LAST.err" </dev/null ||
		rm_die "client $* failed: $(head -c 300 "$RM_LAST.err")"
}

# rm_get COLUMN [LOOP]: a column of the last client run, from the loop LOOP's row or (no
# LOOP) the summary row; fields are split as CSV with quotes.
rm_get() {
	awk -v col="$1" -v want="${2:-summary}" '
		function split_csv(line, f,   n, q, c, i, cur) {
			n = 0; q = 0; cur = ""
			for (i = 1; i <= length(line); i++) {
				c = substr(line, i, 1)
				if (c == "\"") { q = !q; continue }
				if (c == "," && !q) { f[++n] = cur; cur = ""; continue }
				cur = cur c
			}
			f[++n] = cur
			return n
		}
		{ n = split_csv($0, f) }
		NR == 1 { for (i = 1; i <= n; i++) idx[f[i]] = i; next }
		want == "summary" && f[1] == "summary" { print f[idx[col]]; exit }
		want != "summary" && f[1] == "loop" && f[2] == want { print f[idx[col]]; exit }
	' "$RM_LAST"
}

# rm_first_failing: the first loop of the last run with a failure, or "none".
rm_first_failing() {
	local i loops; loops=$(rm_get loop)
	for ((i = 0; i < loops; i++)); do
		[ "$(rm_get failed "$i")" != 0 ] && { echo "$i"; return; }
	done
	echo none
}

# rm_cause: the last run's failures in words ("bind/EADDRINUSE=200"), or "-".
rm_cause() { local c; c=$(rm_get failed_by); echo "${c:--}"; }

# rm_ns_tw NS FILTER: TIME_WAIT sockets in NS matching an ss filter.
rm_ns_tw() { ip netns exec "$1" ss -Htan state time-wait "( $2 )" | wc -l; }

# rm_sysctl_exists KEY: does a fresh namespace have this sysctl? (the kernel's, not the host's
# value: a namespace is made, looked at, deleted.)
rm_sysctl_exists() {
	rm_up lo
	local rc=1
	ip netns exec "$LAB_CNS" test -e "/proc/sys/${1//.//}" && rc=0
	lab_cell_down
	return $rc
}

# RM_REUSE: the sysctls that make tcp_tw_reuse act at once (1 ms delay, Linux 6.14+); on older
# kernels the delay is a fixed second and RM_GAP waits it out.
rm_reuse_setup() {
	if rm_sysctl_exists net.ipv4.tcp_tw_reuse_delay; then
		RM_HAVE_DELAY=1 RM_FAST=(net.ipv4.tcp_tw_reuse_delay=1) RM_GAP=0.1
	else
		RM_HAVE_DELAY=0 RM_FAST=() RM_GAP=1.2
	fi
}

# --- row 1: bind modes x destinations x tcp_tw_reuse ------------------------------------

declare -A RM_MODE_TEXT=([none]="(plain connect())" [bind0]="--bind 127.0.0.1"
	[reuseaddr]="--bind 127.0.0.1 --reuseaddr" [noport]="--bind 127.0.0.1 --bind-no-port")

declare -A RM_MODE_SHORT=([none]="connect()" [bind0]="bind()" [reuseaddr]="bind()+SO_REUSEADDR"
	[noport]="IP_BIND_ADDRESS_NO_PORT")

# rm_mode_flags MODE: the client options of a bind mode.
rm_mode_flags() {
	case $1 in
	none) ;;
	bind0) echo --bind 127.0.0.1 ;;
	reuseaddr) echo --bind 127.0.0.1 --reuseaddr ;;
	noport) echo --bind 127.0.0.1 --bind-no-port ;;
	esac
}

# rm_fill_probe MODE_A MODE_B DEST_B [SYSCTL...]: fill the 200-port range with TIME_WAIT
# toward port RM_PORT (run A, 200 connections), wait RM_GAP, then run B (200 connections)
# toward the same destination (DEST_B 1) or another port of the same server (2). Sets
# RM_A (A's finished), RM_B (B's finished), RM_B_CAUSE, RM_B_RECYCLED.
rm_fill_probe() {
	local a=$1 b=$2 dest=$3; shift 3
	rm_up lo net.ipv4.ip_local_port_range="$RM_RANGE" "$@"
	rm_serve "$RM_PORT,$((RM_PORT + 1))"
	# shellcheck disable=SC2046
	rm_client 1 "$RM_P" --port "$RM_PORT" $(rm_mode_flags "$a")
	RM_A=$(rm_get finished)
	sleep "$RM_GAP"
	# shellcheck disable=SC2046
	rm_client 1 "$RM_P" --port $((RM_PORT + dest - 1)) $(rm_mode_flags "$b")
	RM_B=$(rm_get finished) RM_B_CAUSE=$(rm_cause) RM_B_RECYCLED=$(rm_get kernel_TWRecycled)
	lab_cell_down
}

rm_row1() {
	local mode reuse dest cells key
	declare -A got
	for mode in none bind0 reuseaddr noport; do
		cells=""
		for reuse in 0 1; do
			for dest in 1 2; do
				rm_fill_probe "$mode" "$mode" "$dest" net.ipv4.tcp_tw_reuse=$reuse "${RM_FAST[@]}"
				key="$mode.r$reuse.d$dest"
				got[$key]=$RM_B
				rm_metric 1 "$key" fill "$RM_A"
				rm_metric 1 "$key" finished "$RM_B"
				rm_metric 1 "$key" cause "$RM_B_CAUSE"
				cells+=" $RM_B/$RM_P ($RM_B_CAUSE) |"
			done
		done
		RM_DETAIL+=("| $mode \`${RM_MODE_TEXT[$mode]}\` |$cells")
	done
	# SO_REUSEADDR with net.ipv4.ip_autobind_reuse=1, both runs and only the second with it
	rm_fill_probe reuseaddr reuseaddr 1 net.ipv4.tcp_tw_reuse=0 net.ipv4.ip_autobind_reuse=1 "${RM_FAST[@]}"
	got[autobind.both]=$RM_B
	local ab_cause=$RM_B_CAUSE ab_recycled=$RM_B_RECYCLED
	rm_metric 1 autobind.both finished "$RM_B"
	rm_metric 1 autobind.both recycled "$RM_B_RECYCLED"
	rm_fill_probe none reuseaddr 1 net.ipv4.tcp_tw_reuse=0 net.ipv4.ip_autobind_reuse=1 "${RM_FAST[@]}"
	got[autobind.second]=$RM_B
	rm_metric 1 autobind.second finished "$RM_B"
	rm_metric 1 autobind.second cause "$RM_B_CAUSE"
	# bound sockets' TIME_WAIT toward port A, then plain connect() to port B, reuse on
	rm_fill_probe bind0 none 2 net.ipv4.tcp_tw_reuse=1 "${RM_FAST[@]}"
	got[poison]=$RM_B
	local poison_cause=$RM_B_CAUSE
	rm_metric 1 poison finished "$RM_B"; rm_metric 1 poison cause "$RM_B_CAUSE"
	# a fixed source port held by TIME_WAIT: SO_REUSEADDR on the second socket, on both
	rm_fixed_port_case 0 1
	got[fixed.second]=$RM_B
	rm_metric 1 fixed.second finished "$RM_B"; rm_metric 1 fixed.second cause "$RM_B_CAUSE"
	rm_fixed_port_case 1 1
	got[fixed.both]=$RM_B
	local fixed_recycled=$RM_B_RECYCLED
	rm_metric 1 fixed.both finished "$RM_B"; rm_metric 1 fixed.both recycled "$RM_B_RECYCLED"
	# plain connect() with SO_REUSEADDR (seed 002 #7), no bind
	rm_fill_probe none none 1 net.ipv4.tcp_tw_reuse=0 "${RM_FAST[@]}"
	local plain=$RM_B
	rm_up lo net.ipv4.ip_local_port_range="$RM_RANGE" net.ipv4.tcp_tw_reuse=0
	rm_serve "$RM_PORT"
	rm_client 1 "$RM_P" --port "$RM_PORT" --reuseaddr
	sleep "$RM_GAP"
	rm_client 1 "$RM_P" --port "$RM_PORT" --reuseaddr
	got[plain_reuseaddr]=$(rm_get finished)
	rm_metric 1 plain_reuseaddr finished "${got[plain_reuseaddr]}"
	lab_cell_down

	local v
	# 1a: one pool over every destination
	if [ "${got[bind0.r0.d2]}" = 0 ] && [ "${got[none.r0.d2]}" = "$RM_P" ]; then v="holds"; else v="does not hold here"; fi
	rm_row 1a "bind() before connect() shares one port pool over every destination" \
		"envoyproxy/envoy#44747, google/neper#87, curl/curl#6295" \
		"remedies.sh --rows 1 (client --bind 127.0.0.1, then a second destination port)" \
		"range full toward port A; to port B: plain connect() ${got[none.r0.d2]}/$RM_P, bind() ${got[bind0.r0.d2]}/$RM_P (bind/EADDRINUSE)" "$v"
	# 1b: ignores tcp_tw_reuse
	if [ "${got[bind0.r1.d1]}" = 0 ] && [ "${got[none.r1.d1]}" = "$RM_P" ]; then v="holds"; else v="does not hold here"; fi
	rm_row 1b "bind() before connect() ignores tcp_tw_reuse" "same issues; kernel-facts.md" \
		"remedies.sh --rows 1 (tcp_tw_reuse=1, delay 1 ms)" \
		"same destination, reuse on: plain connect() ${got[none.r1.d1]}/$RM_P, bind() ${got[bind0.r1.d1]}/$RM_P" "$v"
	# 1c: IP_BIND_ADDRESS_NO_PORT behaves as plain connect()
	local same=1 k
	for k in r0.d1 r0.d2 r1.d1 r1.d2; do [ "${got[noport.$k]}" = "${got[none.$k]}" ] || same=0; done
	if [ $same = 1 ]; then v="holds"; else v="does not hold here"; fi
	rm_row 1c "IP_BIND_ADDRESS_NO_PORT gives bind() back per-destination pools and tcp_tw_reuse" \
		"ip(7); kernel-facts.md" "remedies.sh --rows 1 (--bind-no-port)" \
		"same as plain connect() in all 4 cases: ${got[noport.r0.d1]}, ${got[noport.r0.d2]}, ${got[noport.r1.d1]}, ${got[noport.r1.d2]} of $RM_P" "$v"
	# 1d: SO_REUSEADDR (seed 002 #7)
	if [ "${got[plain_reuseaddr]}" = "$plain" ] && [ "${got[reuseaddr.r0.d1]}" = 0 ]; then
		v="does not hold here: no help to connect(); with bind() only when the TIME_WAIT socket had it too (a fixed port), and for port 0 only with ip_autobind_reuse=1, and then partly"
	else
		v="holds only when: see the numbers"
	fi
	rm_row 1d "SO_REUSEADDR (kernel 3.7+) lets a client reuse ports held by TIME_WAIT" "seed 002 remedy 7" \
		"remedies.sh --rows 1 (--reuseaddr, with and without --bind)" \
		"plain connect(): ${got[plain_reuseaddr]}/$RM_P with it, $plain without; bind(): ${got[reuseaddr.r0.d1]}/$RM_P; with ip_autobind_reuse=1: ${got[autobind.both]}/$RM_P ($ab_cause, TWRecycled $ab_recycled even with tcp_tw_reuse=0), ${got[autobind.second]}/$RM_P if the TIME_WAIT sockets lacked it; a fixed source port (--source-port) held by TIME_WAIT: ${got[fixed.both]}/1 when both sockets set it (TWRecycled $fixed_recycled, tcp_tw_reuse=0), ${got[fixed.second]}/1 when only the new one did" "$v"
	rm_row1_spread
	# 1f: ports that bind() took stay out of connect()'s reach until their TIME_WAIT ends
	if [ "${got[poison]}" = 0 ] && [ "${got[none.r1.d2]}" = "$RM_P" ]; then v="holds"; else v="does not hold here"; fi
	rm_row 1f "ports taken by bind() before connect() are lost to every plain connect() too, for any destination, until their TIME_WAIT ends" \
		"found here (inet_hash_connect skips ports whose bind bucket bind() made)" \
		"remedies.sh --rows 1 (fill with --bind toward port A, then plain connect() to port B, tcp_tw_reuse=1)" \
		"after a bind() fill: ${got[poison]}/$RM_P ($poison_cause); after a connect() fill: ${got[none.r1.d2]}/$RM_P" "$v"
}

# rm_spread_case MODE DSTS PORTS: one client run of 4 x 200 connections, spread round-robin
# over 4 destinations (DSTS and PORTS as the client takes them), 200 ports, reuse off; the
# server listens on every address; sets RM_FIN and RM_B_CAUSE.
rm_spread_case() {
	local mode=$1 dsts=$2 ports=$3
	rm_up lo net.ipv4.ip_local_port_range="$RM_RANGE" net.ipv4.tcp_tw_reuse=0
	lab_spawn_server ip netns exec "$LAB_SNS" "$(lab_twtest)" server --port "$RM_PORT-$((RM_PORT + 3))" ||
		{ lab_server_err; exit 1; }
	local dst=$LAB_DST
	LAB_DST=$dsts
	# shellcheck disable=SC2046
	rm_client 1 $((4 * RM_P)) --port "$ports" $(rm_mode_flags "$mode")
	LAB_DST=$dst
	RM_FIN=$(rm_get finished) RM_B_CAUSE=$(rm_cause)
	lab_cell_down
}

# rm_fixed_port_case A_REUSEADDR B_REUSEADDR: one connection from source port 41000, then
# another from the same port at once, each with SO_REUSEADDR (1) or not (0), reuse off. Sets
# RM_B, RM_B_CAUSE, RM_B_RECYCLED of the second.
rm_fixed_port_case() {
	local flag=(--source-port 41000) a=() b=()
	[ "$1" = 1 ] && a=(--reuseaddr)
	[ "$2" = 1 ] && b=(--reuseaddr)
	rm_up lo net.ipv4.tcp_tw_reuse=0
	rm_serve "$RM_PORT"
	rm_client 1 1 --port "$RM_PORT" "${flag[@]}" "${a[@]}"
	rm_client 1 1 --port "$RM_PORT" "${flag[@]}" "${b[@]}"
	RM_B=$(rm_get finished) RM_B_CAUSE=$(rm_cause) RM_B_RECYCLED=$(rm_get kernel_TWRecycled)
	lab_cell_down
}

# rm_client_takes DSTS PORTS: does this twtest's client accept these (exit 2 if not)? One
# connection, to nothing, in a namespace of its own.
rm_client_takes() {
	rm_up lo
	local rc=0
	ip netns exec "$LAB_CNS" "$(lab_twtest)" client "$1" 1 1 --port "$2" --timeout 200 \
		>/dev/null 2>&1 </dev/null || rc=$?
	lab_cell_down
	[ $rc != 2 ]
}

# 1e: D destinations in one run (the client's DSTIP and --port lists): D x P connections for
# connect(), P for bind(). Skipped when this twtest's client takes no lists.
rm_row1_spread() {
	local ports="$RM_PORT-$((RM_PORT + 3))" res="" ok=1 mode kind v
	for kind in ports addrs; do
		local dsts=127.0.0.1 p=$ports
		[ $kind = addrs ] && dsts=127.0.0.1-127.0.0.4 p=$RM_PORT
		rm_client_takes "$dsts" "$p" || continue
		res="${res%,}"
		res+="${res:+; }4 destination $kind:"
		for mode in none bind0 noport; do
			rm_spread_case "$mode" "$dsts" "$p"
			rm_metric 1 "spread.$kind.$mode" finished "$RM_FIN"
			res+=" ${RM_MODE_SHORT[$mode]} $RM_FIN,"
			case $mode in
			bind0) [ "$RM_FIN" = "$RM_P" ] || ok=0 ;;
			*) [ "$RM_FIN" = $((4 * RM_P)) ] || ok=0 ;;
			esac
		done
	done
	if [ -z "$res" ]; then
		rm_row 1e "D destinations: D x P connections with connect(), P with bind()" "issue 13" \
			"client DSTIP and --port lists" "not measured: this twtest's client takes one destination" "not measured"
		return
	fi
	if [ $ok = 1 ]; then v="holds"; else v="does not hold here"; fi
	rm_row 1e "D destinations: D x P connections with connect(), P with bind()" "issue 13" \
		"remedies.sh --rows 1 (one run of 800 over --port $ports, or DSTIP 127.0.0.1-127.0.0.4)" \
		"P=$RM_P ports, 800 connections, finished: ${res%,}" "$v"
}

# --- row 2: tcp_tw_reuse needs timestamps on both sides --------------------------------

# rm_ts_case CLIENT_TS SERVER_TS: veth, reuse on, fill and refill; sets RM_B, RM_B_RECYCLED.
rm_ts_case() {
	rm_up veth net.ipv4.ip_local_port_range="$RM_RANGE" net.ipv4.tcp_tw_reuse=1 \
		net.ipv4.tcp_timestamps="$1" "${RM_FAST[@]}"
	lab_sysctl "$LAB_SNS" net.ipv4.tcp_timestamps="$2" || rm_die "cannot set timestamps in the server namespace"
	rm_serve "$RM_PORT"
	rm_client 1 "$RM_P" --port "$RM_PORT"
	sleep "$RM_GAP"
	rm_client 1 "$RM_P" --port "$RM_PORT"
	RM_B=$(rm_get finished) RM_B_RECYCLED=$(rm_get kernel_TWRecycled) RM_B_CAUSE=$(rm_cause)
	lab_cell_down
}

rm_row2() {
	local on on_r coff coff_r soff soff_r v
	rm_ts_case 1 1; on=$RM_B on_r=$RM_B_RECYCLED
	rm_ts_case 0 1; coff=$RM_B coff_r=$RM_B_RECYCLED
	rm_ts_case 1 0; soff=$RM_B soff_r=$RM_B_RECYCLED
	rm_metric 2 both_on finished "$on"; rm_metric 2 both_on recycled "$on_r"
	rm_metric 2 client_off finished "$coff"; rm_metric 2 client_off recycled "$coff_r"
	rm_metric 2 server_off finished "$soff"; rm_metric 2 server_off recycled "$soff_r"
	if [ "$on" = "$RM_P" ] && [ "$coff_r" = 0 ] && [ "$soff_r" = 0 ] && [ "$coff" = 0 ] && [ "$soff" = 0 ]; then
		v="holds: reuse needs timestamps negotiated on the old connection, and nothing says so"
	else
		v="does not hold here"
	fi
	rm_row 2 "tcp_tw_reuse does nothing when either side has tcp_timestamps=0" \
		"seed 002 remedy 5 (\"tcp_tw_reuse and tcp_timestamps\"); tcp_twsk_unique" \
		"remedies.sh --rows 2 (veth, tcp_tw_reuse=1)" \
		"refill after the range filled: both on $on/$RM_P (TWRecycled $on_r); client off $coff/$RM_P (TWRecycled $coff_r); server off $soff/$RM_P (TWRecycled $soff_r)" "$v"
}

# --- row 3: a small tcp_max_tw_buckets ----------------------------------------------------

rm_buckets_case() {
	rm_up lo net.ipv4.ip_local_port_range="40000 40299" net.ipv4.tcp_tw_reuse=0 "$@"
	rm_serve "$RM_PORT"
	rm_client 4 200 --port "$RM_PORT"
	RM_FIN=$(rm_get finished) RM_OVF=$(rm_get kernel_TCPTimeWaitOverflow) RM_TWN=$(rm_get time_wait)
	lab_cell_down
}

rm_row3() {
	local base v
	rm_buckets_case; base=$RM_FIN
	rm_metric 3 default finished "$base"
	rm_buckets_case net.ipv4.tcp_max_tw_buckets=100
	rm_metric 3 buckets100 finished "$RM_FIN"
	rm_metric 3 buckets100 overflow "$RM_OVF"
	rm_metric 3 buckets100 time_wait "$RM_TWN"
	if [ "$RM_FIN" = 800 ] && [ "$RM_OVF" = 700 ] && [ "$base" = 300 ]; then
		v="holds, by giving TIME_WAIT up: 700 closes kept no state, silently (only TcpExtTCPTimeWaitOverflow)"
	else
		v="does not hold here"
	fi
	rm_row 3 "a tcp_max_tw_buckets below the port range prevents exhaustion" "seed 002 remedy 6" \
		"remedies.sh --rows 3 (300 ports, 4 loops of 200)" \
		"finished $RM_FIN/800 with 100 buckets (TCPTimeWaitOverflow $RM_OVF, time_wait $RM_TWN) vs $base/800 with the default" "$v"
}

# --- row 4: port range width --------------------------------------------------------------

rm_range_case() {
	rm_up lo net.ipv4.ip_local_port_range="40000 $((40000 + $1 - 1))" net.ipv4.tcp_tw_reuse=0
	rm_serve "$RM_PORT"
	rm_client 7 100 --port "$RM_PORT"
	RM_FIN=$(rm_get finished) RM_FIRST=$(rm_first_failing)
	lab_cell_down
}

rm_row4() {
	local p f1 t1 v
	rm_range_case 250; f1=$RM_FIRST t1=$RM_FIN
	rm_metric 4 p250 first_failing "$f1"; rm_metric 4 p250 finished "$t1"
	rm_range_case 500
	rm_metric 4 p500 first_failing "$RM_FIRST"; rm_metric 4 p500 finished "$RM_FIN"
	if [ "$f1" = 2 ] && [ "$RM_FIRST" = 5 ] && [ "$t1" = 250 ] && [ "$RM_FIN" = 500 ]; then
		v="holds: a wider range only moves the wall (P/60 s per destination)"
	else
		v="does not hold here"
	fi
	p="P=250: first failing loop $f1, $t1 finished; 2P=500: first failing loop $RM_FIRST, $RM_FIN finished"
	rm_row 4 "a wider ip_local_port_range only delays exhaustion: the first failing loop is floor(P/N)" \
		"seed 002 remedy 2; kernel-facts.md" "remedies.sh --rows 4 (7 loops of 100)" "$p" "$v"
}

# --- row 5: source addresses ----------------------------------------------------------------

rm_sources_case() {
	rm_up lo net.ipv4.ip_local_port_range="$RM_RANGE" net.ipv4.tcp_tw_reuse=0
	rm_serve "$RM_PORT"
	rm_client 10 100 --port "$RM_PORT" --bind "$1" --bind-no-port
	RM_FIN=$(rm_get finished) RM_FIRST=$(rm_first_failing)
	lab_cell_down
}

rm_row5() {
	local s bind res="" ok=1 v
	for s in 1 2 4; do
		bind=127.0.0.1; [ $s -gt 1 ] && bind=127.0.0.1-127.0.0.$s
		rm_sources_case "$bind"
		rm_metric 5 "src$s" finished "$RM_FIN"; rm_metric 5 "src$s" first_failing "$RM_FIRST"
		res+="${res:+; }$s: $RM_FIN finished, first failing loop $RM_FIRST"
		[ "$RM_FIN" = $((s * RM_P)) ] && [ "$RM_FIRST" = $((2 * s)) ] || ok=0
	done
	if [ $ok = 1 ]; then v="holds"; else v="does not hold here"; fi
	rm_row 5 "each source address adds a pool: exhaustion moves by the number of addresses" \
		"issue 13; envoy's source-address pools" "remedies.sh --rows 5 (--bind A-B --bind-no-port, 10 loops of 100)" \
		"sources $res" "$v"
}

# --- row 6: the server closes first ----------------------------------------------------------

rm_row6() {
	local cfin ctw stw base v
	rm_up veth net.ipv4.ip_local_port_range="$RM_RANGE" net.ipv4.tcp_tw_reuse=0
	rm_serve "$RM_PORT" --close=first
	rm_client 4 100 --port "$RM_PORT" --close server
	cfin=$(rm_get finished)
	ctw=$(rm_ns_tw "$LAB_CNS" "dport = :$RM_PORT") stw=$(rm_ns_tw "$LAB_SNS" "sport = :$RM_PORT")
	lab_cell_down
	rm_up veth net.ipv4.ip_local_port_range="$RM_RANGE" net.ipv4.tcp_tw_reuse=0
	rm_serve "$RM_PORT"
	rm_client 4 100 --port "$RM_PORT"
	base=$(rm_get finished)
	lab_cell_down
	rm_metric 6 server_first finished "$cfin"; rm_metric 6 server_first client_tw "$ctw"
	rm_metric 6 server_first server_tw "$stw"; rm_metric 6 client_first finished "$base"
	if [ "$cfin" = 400 ] && [ "$ctw" = 0 ] && [ "$stw" -gt 0 ] && [ "$base" = 200 ]; then
		v="holds: the server holds TIME_WAIT instead (one per 4-tuple; a new SYN with newer timestamps takes it over)"
	else
		v="does not hold here"
	fi
	rm_row 6 "when the server closes first the client never runs out; the server holds TIME_WAIT" \
		"seed 003; docs/closing.md" "remedies.sh --rows 6 (veth, server --close=first, client --close server)" \
		"server first: $cfin/400 finished, client TIME_WAIT $ctw, server TIME_WAIT $stw; client first: $base/400" "$v"
}

# --- row 7: requests per connection ------------------------------------------------------------

rm_row7() {
	local help; help=$("$(lab_twtest)" client --help 2>&1)
	if [[ $help != *--requests-per-conn* ]]; then
		rm_row 7 "long-lived connections: K requests per connection cut TIME_WAIT per request by K" \
			"seed 002 remedy 1; issue 9" "client --requests-per-conn K" \
			"not measured: this twtest has no --requests-per-conn" "not measured"
		return
	fi
	local k res="" tw1="" v
	for k in 1 10; do
		rm_up lo net.ipv4.ip_local_port_range="$RM_RANGE" net.ipv4.tcp_tw_reuse=0
		rm_serve "$RM_PORT"
		rm_client 1 $((200 / k)) --port "$RM_PORT" --requests-per-conn "$k"
		local fin tw; fin=$(rm_get finished) tw=$(rm_get time_wait)
		lab_cell_down
		rm_metric 7 "k$k" finished "$fin"; rm_metric 7 "k$k" time_wait "$tw"
		res+="${res:+; }K=$k: $((200 / k)) connections, $fin finished, TIME_WAIT $tw for 200 requests"
		[ $k = 1 ] && tw1=$tw
	done
	if [ "$tw1" = 200 ] && [ "$tw" = 20 ]; then v="holds"; else v="does not hold here"; fi
	rm_row 7 "long-lived connections: K requests per connection cut TIME_WAIT per request by K" \
		"seed 002 remedy 1; issue 9" "remedies.sh --rows 7 (client --requests-per-conn 1 and 10)" "$res" "$v"
}

# --- row 8: orphaned FIN_WAIT2 -------------------------------------------------------------------

# rm_orphan_case [SERVER-ARGS...]: reuse on; fill the range; refill after the delay. Sets RM_B,
# RM_B_RECYCLED, RM_FW2 (client sockets that ss shows as FIN-WAIT-2 after the fill).
rm_orphan_case() {
	rm_up lo net.ipv4.ip_local_port_range="$RM_RANGE" net.ipv4.tcp_tw_reuse=1 "${RM_FAST[@]}"
	rm_serve "$RM_PORT" "$@"
	rm_client 1 "$RM_P" --port "$RM_PORT"
	RM_FW2=$(ip netns exec "$LAB_CNS" ss -Htan state fin-wait-2 "( dport = :$RM_PORT )" | wc -l)
	sleep "$RM_GAP"
	rm_client 1 "$RM_P" --port "$RM_PORT"
	RM_B=$(rm_get finished) RM_B_RECYCLED=$(rm_get kernel_TWRecycled) RM_B_CAUSE=$(rm_cause)
	lab_cell_down
}

rm_row8() {
	local base base_r v
	rm_orphan_case; base=$RM_B base_r=$RM_B_RECYCLED
	rm_orphan_case --on-eof ignore
	rm_metric 8 control finished "$base"; rm_metric 8 control recycled "$base_r"
	rm_metric 8 orphan fin_wait2 "$RM_FW2"; rm_metric 8 orphan finished "$RM_B"
	rm_metric 8 orphan recycled "$RM_B_RECYCLED"
	if [ "$RM_FW2" = "$RM_P" ] && [ "$RM_B" = 0 ] && [ "$base" = "$RM_P" ]; then
		v="holds on this kernel: tcp_twsk_unique refuses a TIME_WAIT whose substate is FIN_WAIT2 (Linux 6.12 and stable kernels)"
	elif [ "$RM_B" = "$RM_P" ]; then
		v="does not hold here: this kernel reuses them"
	else
		v="does not hold here"
	fi
	rm_row 8 "a TIME_WAIT socket that came from an orphaned FIN_WAIT2 is not reused" \
		"tcp_twsk_unique (net/ipv4/tcp_ipv4.c)" \
		"remedies.sh --rows 8 (server --on-eof ignore: the peer never sends its FIN)" \
		"orphaned: $RM_FW2 client sockets in FIN-WAIT-2, refill $RM_B/$RM_P ($RM_B_CAUSE, TWRecycled $RM_B_RECYCLED); normal close: refill $base/$RM_P (TWRecycled $base_r)" "$v"
}

# --- row 9: memory ---------------------------------------------------------------------------------

# rm_slab NAME: active objects and object size of a slab cache ("N SIZE"), or "0 0".
rm_slab() { awk -v n="$1" '$1 == n { print $2, $4; f = 1 } END { if (!f) print 0, 0 }' /proc/slabinfo 2>/dev/null || echo "0 0"; }

rm_row9() {
	local want=$RM_TW srcs loops before after size tw fin mb v
	# 4 source addresses keep each one's port search under half the range (where it is fast)
	srcs=4 loops=$(( (want + 9999) / 10000 ))
	rm_up lo net.ipv4.ip_local_port_range="1024 65535" net.ipv4.tcp_tw_reuse=0
	rm_serve "$RM_PORT"
	read -r before size < <(rm_slab tw_sock_TCP)
	rm_client "$loops" $((want / loops)) --port "$RM_PORT" --bind "127.0.0.1-127.0.0.$srcs" --bind-no-port
	fin=$(rm_get finished)
	tw=$(ip netns exec "$LAB_CNS" awk '$1 == "TCP:" { for (i = 2; i < NF; i++) if ($i == "tw") print $(i + 1) }' \
		/proc/net/sockstat)
	read -r after size < <(rm_slab tw_sock_TCP)
	lab_cell_down
	mb=$(awk -v n="$tw" -v s="$size" 'BEGIN { printf "%.1f", n * s / 1048576 }')
	rm_metric 9 memory finished "$fin"; rm_metric 9 memory time_wait "$tw"
	rm_metric 9 memory object_size "$size"; rm_metric 9 memory slab_delta $((after - before))
	if [ "$size" = 0 ]; then
		v="not measured: no tw_sock_TCP in /proc/slabinfo"
	elif [ "$tw" -ge $((want * 9 / 10)) ]; then
		v="holds: $(awk -v s="$size" 'BEGIN { printf "%.0f", s * 100000 / 1048576 }') MB per 100k TIME_WAIT sockets (a small tw_sock replaces the socket and its buffers)"
	else
		v="not measured: only $tw TIME_WAIT sockets were made"
	fi
	rm_row 9 "TIME_WAIT costs little memory (\"not that much\")" "seed 004 (vincent.bernat.ch 2014)" \
		"remedies.sh --rows 9 --tw $want" \
		"$fin connections, $tw TIME_WAIT (sockstat) x $size B (a tw_sock_TCP object) = $mb MB; the machine-wide slab grew by $((after - before)) objects meanwhile (others' sockets come and go)" "$v"
}

# --- row 10: tcp_tw_recycle -------------------------------------------------------------------------

rm_row10() {
	local v res
	if rm_sysctl_exists net.ipv4.tcp_tw_recycle; then
		res="net.ipv4.tcp_tw_recycle exists" v="not measured here: this kernel still has it (before 4.12)"
	else
		res="no net.ipv4.tcp_tw_recycle on $(uname -r)" v="does not apply: removed in Linux 4.12 (it broke clients behind NAT)"
	fi
	rm_metric 10 sysctl tcp_tw_recycle "$( [ "${v#not}" != "$v" ] && echo present || echo absent)"
	rm_row 10 "tcp_tw_recycle with timestamps recycles TIME_WAIT fast" "seed 002 remedy 4" \
		"test -e /proc/sys/net/ipv4/tcp_tw_recycle" "$res" "$v"
}

# --- rows 11-12: SO_LINGER, SO_REUSEPORT; row 2's timing twin: the reuse delay -------------------

# rm_loops_case CLIENT-ARGS...: 200 ports, reuse off, 4 loops of 100; RM_FIN, RM_TWN.
rm_loops_case() {
	rm_up lo net.ipv4.ip_local_port_range="$RM_RANGE" net.ipv4.tcp_tw_reuse=0
	rm_serve "$RM_PORT"
	rm_client 4 100 --port "$RM_PORT" "$@"
	RM_FIN=$(rm_get finished) RM_TWN=$(rm_get time_wait) RM_RST=$(rm_get kernel_OutRsts)
	lab_cell_down
}

rm_row11() {
	local base v
	rm_loops_case; base=$RM_FIN
	rm_loops_case --linger
	rm_metric 11 none finished "$base"; rm_metric 11 linger finished "$RM_FIN"
	rm_metric 11 linger time_wait "$RM_TWN"; rm_metric 11 linger out_rsts "$RM_RST"
	if [ "$RM_FIN" = 400 ] && [ "$RM_TWN" = 0 ] && [ "$base" = 200 ]; then
		v="holds, by aborting: every close is an RST (unsent data dropped, the peer may see ECONNRESET)"
	else
		v="does not hold here"
	fi
	rm_row 11 "SO_LINGER {1,0} avoids TIME_WAIT" "seed 001 (helps), seed 002 remedy 3" \
		"remedies.sh --rows 11 (client --linger, 4 loops of 100 on 200 ports)" \
		"$RM_FIN/400 finished, time_wait $RM_TWN, RSTs sent $RM_RST; without: $base/400" "$v"
}

rm_row12() {
	local base v
	rm_loops_case; base=$RM_FIN
	rm_loops_case --reuseport
	rm_metric 12 none finished "$base"; rm_metric 12 reuseport finished "$RM_FIN"
	if [ "$RM_FIN" = "$base" ]; then v="holds: no help"; else v="does not hold here"; fi
	rm_row 12 "SO_REUSEPORT does not help a client" "seed 001" \
		"remedies.sh --rows 12 (client --reuseport)" "$RM_FIN/400 finished with it, $base/400 without" "$v"
	# tcp_tw_reuse itself (seed 001: helps) and the delay that decides when
	local young old
	rm_up lo net.ipv4.ip_local_port_range="$RM_RANGE" net.ipv4.tcp_tw_reuse=1
	[ "$RM_HAVE_DELAY" = 1 ] && lab_sysctl "$LAB_CNS" net.ipv4.tcp_tw_reuse_delay=1000
	rm_serve "$RM_PORT"
	rm_client 1 "$RM_P" --port "$RM_PORT"
	rm_client 1 "$RM_P" --port "$RM_PORT"
	young=$(rm_get finished)
	sleep 1.2
	rm_client 1 "$RM_P" --port "$RM_PORT"
	old=$(rm_get finished)
	lab_cell_down
	rm_metric 12 reuse_delay young "$young"; rm_metric 12 reuse_delay old "$old"
	if [ "$old" = "$RM_P" ] && [ "$young" -lt $((RM_P / 2)) ]; then
		v="holds only when the TIME_WAIT is older than the reuse delay (1 s) and timestamps were on (row 2)"
	else
		v="does not hold here"
	fi
	rm_row 12b "tcp_tw_reuse=1 lets connect() reuse TIME_WAIT ports" "seed 001, seed 002 remedy 5" \
		"remedies.sh --rows 12 (tcp_tw_reuse=1, delay 1000 ms)" \
		"refill at once: $young/$RM_P; 1.2 s later: $old/$RM_P" "$v"
}

# --- row 13: the rate one destination sustains ----------------------------------------------

# rm_rate_case RATE DURATION [SYSCTL...]: client --rate for DURATION s toward one destination.
rm_rate_case() {
	local rate=$1 dur=$2; shift 2
	rm_up lo net.ipv4.ip_local_port_range="$RM_RANGE" "$@"
	rm_serve "$RM_PORT"
	ip netns exec "$LAB_CNS" "$(lab_twtest)" client --rate "$rate" --duration "$dur" "$LAB_DST" \
		--port "$RM_PORT" --format csv >"$LAB_TMP/rate.csv" 2>&1 </dev/null ||
		rm_die "client --rate failed: $(head -c 300 "$LAB_TMP/rate.csv")"
	RM_LAST=$LAB_TMP/rate.csv
	RM_FIN=$(rm_get finished) RM_FAILN=$(rm_get failed) RM_FIRSTF=$(rm_get first_failure_s)
	lab_cell_down
}

rm_row13() {
	local help v off_fin off_first on_fail
	help=$("$(lab_twtest)" client --help 2>&1)
	if [[ $help != *--rate* ]]; then
		rm_row 13 "one destination sustains P / 60 s new connections a second" "seed 004" \
			"client --rate R --duration S" "not measured: this twtest has no --rate" "not measured"
		return
	fi
	rm_rate_case 400 2 net.ipv4.tcp_tw_reuse=0
	off_fin=$RM_FIN off_first=${RM_FIRSTF:-none}
	rm_rate_case 120 3 net.ipv4.tcp_tw_reuse=1
	on_fail=$RM_FAILN
	rm_metric 13 reuse0 finished "$off_fin"; rm_metric 13 reuse0 first_failure_s "$off_first"
	rm_metric 13 reuse1 failed "$on_fail"; rm_metric 13 reuse1 finished "$RM_FIN"
	if [ "$off_fin" = "$RM_P" ] && awk -v f="$off_first" 'BEGIN { exit !(f >= 0.4 && f <= 0.8) }'; then
		v="holds: P connections, then nothing until TIME_WAIT ends (P / 60 s sustained; 470/s for the default 28232 ports)"
		[ "$on_fail" = 0 ] && v="$v; with tcp_tw_reuse (and timestamps) P per reuse delay"
	else
		v="does not hold here"
	fi
	rm_row 13 "one destination sustains P / 60 s new connections a second (\"about 500/s\")" \
		"seed 004 (vincent.bernat.ch 2014)" "remedies.sh --rows 13 (client --rate R --duration S, 200 ports)" \
		"reuse off, 400/s for 2 s: $off_fin finished, first failure at $off_first s (P/R = 0.5 s); reuse on (1 s delay), 120/s for 3 s: $on_fail failed of $((on_fail + RM_FIN))" "$v"
}

# --- main -----------------------------------------------------------------------------------------

rm_parse() {
	while [ $# -gt 0 ]; do
		case $1 in
		-h|--help) rm_usage; exit 0 ;;
		--rows) [ $# -ge 2 ] || { echo "remedies: --rows needs a value" >&2; exit 2; }
			[[ $2 =~ ^[0-9]+(,[0-9]+)*$ ]] || { echo "remedies: invalid --rows '$2': must be numbers 1-13, comma-separated" >&2; exit 2; }
			local r
			for r in ${2//,/ }; do
				[ "$r" -ge 1 ] && [ "$r" -le 13 ] || { echo "remedies: invalid --rows '$2': must be numbers 1-13, comma-separated" >&2; exit 2; }
			done
			RM_ROWS=${2//,/ }; shift 2 ;;
		--out) [ $# -ge 2 ] || { echo "remedies: --out needs a file" >&2; exit 2; }; RM_OUT=$2; shift 2 ;;
		--csv) [ $# -ge 2 ] || { echo "remedies: --csv needs a file" >&2; exit 2; }; RM_CSV=$2; shift 2 ;;
		--tw) [ $# -ge 2 ] && [[ $2 =~ ^[1-9][0-9]{0,6}$ ]] && [ "$2" -le 200000 ] ||
				{ echo "remedies: invalid --tw '${2:-}': must be 1-200000" >&2; exit 2; }
			RM_TW=$2; shift 2 ;;
		--twtest) [ $# -ge 2 ] || { echo "remedies: --twtest needs a path" >&2; exit 2; }; TWTEST=$2; shift 2 ;;
		*) echo "remedies: unexpected argument '$1'" >&2; exit 2 ;;
		esac
	done
}

# rm_print: the claims table, and row 1's matrix when row 1 ran.
rm_print() {
	echo "Measured on Linux $(uname -r), $(date -u +%Y-%m-%d), $("$(lab_twtest)" --version 2>/dev/null | head -1)."
	echo
	echo "| # | claim | source | test | this kernel | verdict |"
	echo "| --- | --- | --- | --- | --- | --- |"
	printf '%s\n' "${RM_TABLE[@]}"
	if [ ${#RM_DETAIL[@]} -gt 0 ]; then
		echo
		echo "Row 1 in full: 200 ports filled with TIME_WAIT toward port A by one mode, then 200 connections"
		echo "by the same mode to port A again (same destination) or to port B (another destination):"
		echo
		echo "| mode | reuse 0, same | reuse 0, other | reuse 1, same | reuse 1, other |"
		echo "| --- | --- | --- | --- | --- |"
		printf '%s\n' "${RM_DETAIL[@]}"
	fi
}

rm_main() {
	rm_parse "$@"
	[ "$(id -u)" = 0 ] || rm_die "needs root to make network namespaces"
	"$(lab_twtest)" --help >/dev/null 2>&1 || rm_die "no twtest binary (make, or --twtest PATH)"
	[ -n "$RM_CSV" ] && : >"$RM_CSV"
	lab_trap
	rm_reuse_setup
	local r t0
	for r in $RM_ROWS; do
		t0=$SECONDS
		"rm_row$r"
		rm_note "row $r done in $((SECONDS - t0)) s"
	done
	if [ -n "$RM_OUT" ]; then rm_print | tee "$RM_OUT"; else rm_print; fi
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	rm_main "$@"
fi
