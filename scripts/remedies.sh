#!/usr/bin/env bash
# scripts/remedies.sh: every remedy, trap and claim about TIME_WAIT port exhaustion, measured
# on this kernel (issue 13), as a table of rows in the manner of the kernel selftests'
# net/pmtu.sh: each row names its claim, its source, a case function (the measurement) and a
# verdict function (what the numbers say), and one loop runs the rows asked for. Each case
# runs `twtest client` against `twtest server` in fresh network namespaces made by
# scripts/lab.sh (an empty TIME_WAIT table, sysctls set inside the namespaces only, never the
# host's), with a few hundred ports and connections, so the whole run takes about a minute.
# Each verdict derives what it expects from the case's parameters (P ports as the client
# reported its range, N connections a loop, L loops), never from a written-in count. It
# prints a markdown table (claim, source, test, what this kernel did, verdict) and, with
# --csv, every number it used as rows "row,case,metric,value" under that header
# (tests/integration/remedies.sh checks them; scripts/kernels.sh compares kernels). --help.
set -u -o pipefail
RM_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/lab.sh
. "$RM_HERE/lab.sh"

rm_usage() {
	cat <<'USAGE'
usage: scripts/remedies.sh [options]

Measures every row of docs/remedies.md on this kernel, each case in fresh network
namespaces, and prints the table with this kernel's numbers and the verdicts.

  --rows LIST     rows to run, e.g. 1,3,8b or 1a,12b: a number runs every row of that
                  number (1: 1a-1f); default all (--list shows them)
  --list          print the rows (id, case, verdict, claim) and exit
  --out FILE      also write the markdown to FILE
  --csv FILE      write every number as "row,case,metric,value" to FILE (first line: that
                  header; per row also "ID,verdict,class,holds|holds only when|does not
                  hold|not measured|does not apply", "ID,verdict,text,..." and "ID,result,text,...")
  --tw N          TIME_WAIT sockets for row 9, the memory row (default 10000; the seed's
                  claim is about 100k and more: --tw 100000 takes about a minute); its
                  namespace raises net.ipv4.tcp_max_tw_buckets above N (the default is
                  sized from RAM: 8192 in a 2 GiB machine)
  --twtest PATH   the twtest binary (default ./twtest beside scripts/, else twtest)
  -h, --help      this help

Needs root (network namespaces). Exit status: 0 done, 1 a case could not run, 2 usage.
USAGE
}

# --- the rows ------------------------------------------------------------------------------
# id | case | verdict | claim | source | test. A case that an earlier row already ran is not
# run again (rows 1a-1d and 1f share the bind-mode matrix).
RM_TABLE_TEXT='
1a | rm_case_matrix     | rm_verdict_pools      | bind() before connect() shares one port pool over every destination | envoyproxy/envoy#44747, google/neper#87, curl/curl#6295 | remedies.sh --rows 1a (client --bind 127.0.0.1, then a second destination port)
1b | rm_case_matrix     | rm_verdict_bind_reuse | bind() before connect() ignores tcp_tw_reuse | same issues; kernel-facts.md | remedies.sh --rows 1b (tcp_tw_reuse=1, delay 1 ms)
1c | rm_case_matrix     | rm_verdict_noport     | IP_BIND_ADDRESS_NO_PORT gives bind() back per-destination pools and tcp_tw_reuse | ip(7); kernel-facts.md | remedies.sh --rows 1c (--bind-no-port)
1d | rm_case_reuseaddr  | rm_verdict_reuseaddr  | SO_REUSEADDR (kernel 3.7+) lets a client reuse ports held by TIME_WAIT | seed 002 remedy 7 | remedies.sh --rows 1d (--reuseaddr, with and without --bind)
1e | rm_case_spread     | rm_verdict_spread     | D destinations: D x P connections with connect(), P with bind() | issue 13 | remedies.sh --rows 1e (one run of D x P over D destination ports, or D destination addresses)
1f | rm_case_poison     | rm_verdict_poison     | ports taken by bind() before connect() are lost to every plain connect() too, for any destination, until their TIME_WAIT ends | found here (inet_hash_connect skips ports whose bind bucket bind() made) | remedies.sh --rows 1f (fill with --bind toward port A, then plain connect() to port B, tcp_tw_reuse=1)
2  | rm_case_timestamps | rm_verdict_timestamps | tcp_tw_reuse does nothing when either side has tcp_timestamps=0 | seed 002 remedy 5 ("tcp_tw_reuse and tcp_timestamps"); tcp_twsk_unique | remedies.sh --rows 2 (veth, tcp_tw_reuse=1)
3  | rm_case_buckets    | rm_verdict_buckets    | a tcp_max_tw_buckets below the port range prevents exhaustion | seed 002 remedy 6 | remedies.sh --rows 3 (P=300 ports, 4 loops of 200, 100 buckets)
4  | rm_case_wall       | rm_verdict_wall       | a wider ip_local_port_range only delays exhaustion: the first failing loop is floor(P/N) | seed 002 remedy 2; kernel-facts.md | remedies.sh --rows 4 (P=250 and 2P, 7 loops of 100)
5  | rm_case_sources    | rm_verdict_sources    | each source address adds a pool: exhaustion moves by the number of addresses | issue 13; envoy'"'"'s source-address pools | remedies.sh --rows 5 (--bind A-B --bind-no-port, 10 loops of 100)
6  | rm_case_server_first | rm_verdict_server_first | when the server closes first the client never runs out; the server holds TIME_WAIT | seed 003; docs/closing.md | remedies.sh --rows 6 (veth, server --close=first, client --close server)
7  | rm_case_requests   | rm_verdict_requests   | long-lived connections: K requests per connection cut TIME_WAIT per request by K | seed 002 remedy 1; issue 9 | remedies.sh --rows 7 (client --requests-per-conn 1 and 10)
8  | rm_case_orphan     | rm_verdict_orphan     | a TIME_WAIT socket that came from an orphaned FIN_WAIT2 is not reused | tcp_twsk_unique (net/ipv4/tcp_ipv4.c) | remedies.sh --rows 8 (server --on-eof ignore: the peer never sends its FIN)
9  | rm_case_memory     | rm_verdict_memory     | TIME_WAIT costs little memory ("not that much") | seed 004 (vincent.bernat.ch 2014) | remedies.sh --rows 9 --tw N (tcp_max_tw_buckets raised to 2N in its namespace)
10 | rm_case_recycle    | rm_verdict_recycle    | tcp_tw_recycle with timestamps recycles TIME_WAIT fast | seed 002 remedy 4 | test -e /proc/sys/net/ipv4/tcp_tw_recycle
11 | rm_case_linger     | rm_verdict_linger     | SO_LINGER {1,0} avoids TIME_WAIT | seed 001 (helps), seed 002 remedy 3 | remedies.sh --rows 11 (client --linger, 4 loops of 100 on 200 ports)
12 | rm_case_reuseport  | rm_verdict_reuseport  | SO_REUSEPORT does not help a client | seed 001 | remedies.sh --rows 12 (client --reuseport)
12b | rm_case_reuse_delay | rm_verdict_reuse_delay | tcp_tw_reuse=1 lets connect() reuse TIME_WAIT ports | seed 001, seed 002 remedy 5 | remedies.sh --rows 12b (tcp_tw_reuse=1, the kernel'"'"'s reuse delay: 1000 ms, or the next whole second before Linux 6.14)
13 | rm_case_rate       | rm_verdict_rate       | one destination sustains P / 60 s new connections a second ("about 500/s") | seed 004 (vincent.bernat.ch 2014) | remedies.sh --rows 13 (client --rate R --duration S, 200 ports)
'
RM_IDS=() RM_CASE=() RM_VERDICT_FN=() RM_CLAIM=() RM_SOURCE=() RM_TEST=()

# rm_load_table: RM_TABLE_TEXT into the RM_ID/CASE/... arrays, one index a row.
rm_load_table() {
	local id c v claim src test
	while IFS='|' read -r id c v claim src test; do
		id=$(rm_trim "$id")
		[ -n "$id" ] || continue
		RM_IDS+=("$id") RM_CASE+=("$(rm_trim "$c")") RM_VERDICT_FN+=("$(rm_trim "$v")")
		RM_CLAIM+=("$(rm_trim "$claim")") RM_SOURCE+=("$(rm_trim "$src")") RM_TEST+=("$(rm_trim "$test")")
	done <<<"$RM_TABLE_TEXT"
}

# rm_trim TEXT: TEXT without leading and trailing blanks.
rm_trim() { local s=$1; s=${s#"${s%%[![:space:]]*}"}; echo "${s%"${s##*[![:space:]]}"}"; }

RM_SELECTED=""        # the row ids to run, space-separated (default: every row)
RM_OUT="" RM_CSV="" RM_TW=10000
RM_P=200              # ephemeral ports of most cases, from RM_LO
RM_LO=40000
RM_PORT=5000          # the server's first port (outside every range used here)
RM_N=0                # client runs so far (names their output files)
RM_TABLE=()           # markdown rows of the claims table
RM_DETAIL=()          # markdown rows of the bind-mode matrix (rows 1a-1c)
declare -A RM_DONE=() # case functions already run
declare -A RM_GOT=()  # the bind-mode matrix and row 1's other probes, by key

rm_die() { echo "remedies: $*" >&2; exit 1; }
rm_note() { echo "remedies: $*" >&2; }

# rm_range P [LO]: the sysctl value of a P-port range from LO (default RM_LO).
rm_range() { local lo=${2:-$RM_LO}; echo "$lo $((lo + $1 - 1))"; }
RM_RANGE=$(rm_range "$RM_P")

# rm_csv_field TEXT: TEXT as one CSV field (quoted when it holds a comma or a quote).
rm_csv_field() {
	local s=$1
	if [[ $s == *[,\"]* ]]; then s=${s//\"/\"\"}; echo "\"$s\""; else echo "$s"; fi
}

# rm_metric ROW CASE METRIC VALUE: one number, for --csv.
rm_metric() { [ -n "$RM_CSV" ] && echo "$1,$2,$3,$(rm_csv_field "$4")" >>"$RM_CSV"; return 0; }

# rm_holds OK [TEXT]: the verdict "holds" (TEXT appended after a colon) when OK is 1, else
# "does not hold here".
rm_holds() {
	if [ "$1" = 1 ]; then RM_VERDICT="holds${2:+$2}"; else RM_VERDICT="does not hold here"; fi
}

# rm_verdict_class VERDICT: the verdict's first words, the class --csv records.
rm_verdict_class() {
	case $1 in
	"holds only when"*) echo "holds only when" ;;
	holds*) echo holds ;;
	"does not hold"*) echo "does not hold" ;;
	"does not apply"*) echo "does not apply" ;;
	*) echo "not measured" ;;
	esac
}

# --- the cell and the client ------------------------------------------------------------

# rm_up PATH [KEY=VALUE...]: a fresh cell (lo: one namespace, server on 127.0.0.1; veth: a
# client and a server namespace) with the sysctls set in its client namespace, and
# tcp_rfc1337=1 in each: an RST then cannot end a TIME_WAIT early (TIME_WAIT assassination,
# RFC 1337), so the counts repeat from run to run and kernel to kernel.
rm_up() {
	local path=$1; shift
	lab_cell_up "$path" || rm_die "cannot make a $path cell"
	lab_sysctl "$LAB_CNS" net.ipv4.tcp_rfc1337=1 "$@" || rm_die "cannot set $* in the client namespace"
	[ "$LAB_SNS" = "$LAB_CNS" ] || lab_sysctl "$LAB_SNS" net.ipv4.tcp_rfc1337=1 ||
		rm_die "cannot set tcp_rfc1337 in the server namespace"
}

# rm_serve PORTS [SERVER-ARGS...]: a server on LAB_DST:PORTS in the cell's server namespace.
rm_serve() {
	local ports=$1; shift
	lab_server_start "$LAB_SNS" "$ports" "$@" || { lab_server_err; exit 1; }
}

# rm_client ARGS...: run `twtest client LAB_DST ARGS --format csv` in the client namespace;
# RM_LAST names its output, RM_SEEN_P the number of ports its range has. A client
# that cannot run at all stops the script.
rm_client() {
	lab_tmpdir || rm_die "no temporary directory"
	RM_N=$((RM_N + 1))
	RM_LAST="$LAB_TMP/client.$RM_N.csv"
	ip netns exec "$LAB_CNS" "$(lab_twtest)" client "$LAB_DST" "$@" --format csv \
		>"$RM_LAST" 2>"$RM_LAST.err" </dev/null ||
		rm_die "client $* failed: $(head -c 300 "$RM_LAST.err")"
	RM_SEEN_P=$(rm_ns_ports)
}

# rm_ns_ports: the number of ports in the client namespace's ip_local_port_range, as the
# kernel holds it (0 if it cannot be read).
rm_ns_ports() {
	local lo hi
	read -r lo hi < <(ip netns exec "$LAB_CNS" cat /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null)
	if [[ ${lo:-} =~ ^[0-9]+$ && ${hi:-} =~ ^[0-9]+$ ]]; then echo $((hi - lo + 1)); else echo 0; fi
}

# rm_get COLUMN [LOOP]: a column of the last client run, from the loop LOOP's row or (no
# LOOP) the summary row (lab.sh's CSV reader: by name, quote-aware).
rm_get() {
	if [ $# -gt 1 ]; then lab_csv_get "$RM_LAST" "$1" type=loop loop="$2"
	else lab_csv_get "$RM_LAST" "$1" type=summary; fi
}

# rm_first_failing: the first loop of the last run with a failure, or "none".
rm_first_failing() {
	local loop failed
	while read -r loop failed; do
		[ "$failed" != 0 ] && { echo "$loop"; return; }
	done < <(lab_csv_get "$RM_LAST" loop,failed type=loop)
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

# rm_reuse_setup: RM_FAST, the sysctls that make tcp_tw_reuse act at once (a 1 ms delay,
# Linux 6.14+), and RM_GAP, the pause before a refill: 0.1 s with the sysctl; before 6.14 the
# kernel reuses once the whole-second clock has passed the TIME_WAIT's last timestamp (0-1 s
# later), so 1.2 s.
rm_reuse_setup() {
	if rm_sysctl_exists net.ipv4.tcp_tw_reuse_delay; then
		RM_HAVE_DELAY=1 RM_FAST=(net.ipv4.tcp_tw_reuse_delay=1) RM_GAP=0.1
	else
		RM_HAVE_DELAY=0 RM_FAST=() RM_GAP=1.2
	fi
}

# --- rows 1a-1f: bind modes x destinations x tcp_tw_reuse ---------------------------------

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

# rm_fill_probe MODE_A MODE_B DEST_B [SYSCTL...]: fill the P-port range with TIME_WAIT toward
# port RM_PORT (run A, P connections), wait RM_GAP, then run B (P connections) toward the same
# destination (DEST_B 1) or another port of the same server (2). Sets RM_A (A's finished),
# RM_B (B's finished), RM_B_CAUSE, RM_B_RECYCLED, RM_SEEN_P.
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

# rm_case_matrix: every bind mode x tcp_tw_reuse 0/1 x same/other destination, into
# RM_GOT[MODE.rREUSE.dDEST] and the detail table.
rm_case_matrix() {
	local mode reuse dest cells key
	for mode in none bind0 reuseaddr noport; do
		cells=""
		for reuse in 0 1; do
			for dest in 1 2; do
				rm_fill_probe "$mode" "$mode" "$dest" net.ipv4.tcp_tw_reuse=$reuse "${RM_FAST[@]}"
				key="$mode.r$reuse.d$dest"
				RM_GOT[$key]=$RM_B RM_GOT[$key.fill]=$RM_A
				rm_metric 1 "$key" fill "$RM_A"
				rm_metric 1 "$key" finished "$RM_B"
				rm_metric 1 "$key" cause "$RM_B_CAUSE"
				cells+=" $RM_B/$RM_P ($RM_B_CAUSE) |"
			done
		done
		RM_DETAIL+=("| $mode \`${RM_MODE_TEXT[$mode]}\` |$cells")
	done
	RM_MATRIX_P=$RM_SEEN_P
}

# 1a: with the range full toward port A, bind() gets nothing toward port B, connect() all P.
rm_verdict_pools() {
	local p=$RM_MATRIX_P
	[ "${RM_GOT[bind0.r0.d2]}" = 0 ] && [ "${RM_GOT[none.r0.d2]}" = "$p" ] && [ "${RM_GOT[bind0.r0.d2.fill]}" = "$p" ]
	rm_holds $(($? == 0))
	RM_RESULT="range full toward port A; to port B: plain connect() ${RM_GOT[none.r0.d2]}/$p, bind() ${RM_GOT[bind0.r0.d2]}/$p (bind/EADDRINUSE)"
}

# 1b: reuse on, same destination: connect() reuses all P, bind() none.
rm_verdict_bind_reuse() {
	local p=$RM_MATRIX_P
	[ "${RM_GOT[bind0.r1.d1]}" = 0 ] && [ "${RM_GOT[none.r1.d1]}" = "$p" ]
	rm_holds $(($? == 0))
	RM_RESULT="same destination, reuse on: plain connect() ${RM_GOT[none.r1.d1]}/$p, bind() ${RM_GOT[bind0.r1.d1]}/$p"
}

# 1c: IP_BIND_ADDRESS_NO_PORT gets what plain connect() gets in every cell.
rm_verdict_noport() {
	local same=1 k
	for k in r0.d1 r0.d2 r1.d1 r1.d2; do [ "${RM_GOT[noport.$k]}" = "${RM_GOT[none.$k]}" ] || same=0; done
	rm_holds $same
	RM_RESULT="same as plain connect() in all 4 cases: ${RM_GOT[noport.r0.d1]}, ${RM_GOT[noport.r0.d2]}, ${RM_GOT[noport.r1.d1]}, ${RM_GOT[noport.r1.d2]} of $RM_MATRIX_P"
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

# rm_case_reuseaddr: SO_REUSEADDR with connect() alone, with bind(), with
# net.ipv4.ip_autobind_reuse=1 (both runs with it, and only the second), and on a fixed source
# port (both sockets with it, and only the second).
rm_case_reuseaddr() {
	rm_fill_probe none none 1 net.ipv4.tcp_tw_reuse=0 "${RM_FAST[@]}"
	RM_GOT[plain]=$RM_B
	rm_fill_probe reuseaddr reuseaddr 1 net.ipv4.tcp_tw_reuse=0 "${RM_FAST[@]}"
	RM_GOT[reuseaddr.bind]=$RM_B
	rm_metric 1d bind finished "$RM_B"
	rm_fill_probe reuseaddr reuseaddr 1 net.ipv4.tcp_tw_reuse=0 net.ipv4.ip_autobind_reuse=1 "${RM_FAST[@]}"
	RM_GOT[autobind.both]=$RM_B RM_GOT[autobind.both.cause]=$RM_B_CAUSE RM_GOT[autobind.both.recycled]=$RM_B_RECYCLED
	rm_metric 1d autobind.both finished "$RM_B"
	rm_metric 1d autobind.both recycled "$RM_B_RECYCLED"
	rm_fill_probe none reuseaddr 1 net.ipv4.tcp_tw_reuse=0 net.ipv4.ip_autobind_reuse=1 "${RM_FAST[@]}"
	RM_GOT[autobind.second]=$RM_B
	rm_metric 1d autobind.second finished "$RM_B"
	rm_metric 1d autobind.second cause "$RM_B_CAUSE"
	rm_fixed_port_case 0 1
	RM_GOT[fixed.second]=$RM_B
	rm_metric 1d fixed.second finished "$RM_B"; rm_metric 1d fixed.second cause "$RM_B_CAUSE"
	rm_fixed_port_case 1 1
	RM_GOT[fixed.both]=$RM_B RM_GOT[fixed.both.recycled]=$RM_B_RECYCLED
	rm_metric 1d fixed.both finished "$RM_B"; rm_metric 1d fixed.both recycled "$RM_B_RECYCLED"
	# plain connect() with SO_REUSEADDR (seed 002 #7), no bind
	rm_up lo net.ipv4.ip_local_port_range="$RM_RANGE" net.ipv4.tcp_tw_reuse=0
	rm_serve "$RM_PORT"
	rm_client 1 "$RM_P" --port "$RM_PORT" --reuseaddr
	sleep "$RM_GAP"
	rm_client 1 "$RM_P" --port "$RM_PORT" --reuseaddr
	RM_GOT[plain_reuseaddr]=$(rm_get finished)
	rm_metric 1d plain_reuseaddr finished "${RM_GOT[plain_reuseaddr]}"
	lab_cell_down
	RM_REUSEADDR_P=$RM_SEEN_P
}

# 1d: SO_REUSEADDR changes nothing for connect(), and bind(port 0) with it still fails; what
# it does do (ip_autobind_reuse, a fixed port) is stated with the numbers.
rm_verdict_reuseaddr() {
	local p=$RM_REUSEADDR_P
	if [ "${RM_GOT[plain_reuseaddr]}" = "${RM_GOT[plain]}" ] && [ "${RM_GOT[reuseaddr.bind]}" = 0 ]; then
		RM_VERDICT="does not hold here: no help to connect(); with bind() only when the TIME_WAIT socket had it too (a fixed port), and for port 0 only with ip_autobind_reuse=1, and then partly"
	else
		RM_VERDICT="holds only when: see the numbers"
	fi
	RM_RESULT="plain connect(): ${RM_GOT[plain_reuseaddr]}/$p with it, ${RM_GOT[plain]} without; bind(): ${RM_GOT[reuseaddr.bind]}/$p; with ip_autobind_reuse=1: ${RM_GOT[autobind.both]}/$p (${RM_GOT[autobind.both.cause]}, TWRecycled ${RM_GOT[autobind.both.recycled]} even with tcp_tw_reuse=0), ${RM_GOT[autobind.second]}/$p if the TIME_WAIT sockets lacked it; a fixed source port (--source-port) held by TIME_WAIT: ${RM_GOT[fixed.both]}/1 when both sockets set it (TWRecycled ${RM_GOT[fixed.both.recycled]}, tcp_tw_reuse=0), ${RM_GOT[fixed.second]}/1 when only the new one did"
}

RM_SPREAD_D=4         # row 1e: destinations in one run

# rm_spread_case MODE DSTS PORTS: one client run of D x P connections, spread round-robin
# over D destinations (DSTS and PORTS as the client takes them), P ports, reuse off; the
# server listens on every address; sets RM_FIN and RM_B_CAUSE.
rm_spread_case() {
	local mode=$1 dsts=$2 ports=$3
	rm_up lo net.ipv4.ip_local_port_range="$RM_RANGE" net.ipv4.tcp_tw_reuse=0
	lab_spawn_server ip netns exec "$LAB_SNS" "$(lab_twtest)" server --port "$RM_PORT-$((RM_PORT + RM_SPREAD_D - 1))" ||
		{ lab_server_err; exit 1; }
	local dst=$LAB_DST
	LAB_DST=$dsts
	# shellcheck disable=SC2046
	rm_client 1 $((RM_SPREAD_D * RM_P)) --port "$ports" $(rm_mode_flags "$mode")
	LAB_DST=$dst
	RM_FIN=$(rm_get finished) RM_B_CAUSE=$(rm_cause)
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

# rm_case_spread: D destination ports, then D destination addresses, each with connect(),
# bind() and IP_BIND_ADDRESS_NO_PORT (skipped when this twtest's client takes no lists).
rm_case_spread() {
	local d=$RM_SPREAD_D kind mode dsts p
	RM_SPREAD_KINDS=""
	for kind in ports addrs; do
		dsts=127.0.0.1 p="$RM_PORT-$((RM_PORT + d - 1))"
		[ $kind = addrs ] && dsts=127.0.0.1-127.0.0.$d p=$RM_PORT
		rm_client_takes "$dsts" "$p" || continue
		RM_SPREAD_KINDS+=" $kind"
		for mode in none bind0 noport; do
			rm_spread_case "$mode" "$dsts" "$p"
			RM_GOT[spread.$kind.$mode]=$RM_FIN
			rm_metric 1e "spread.$kind.$mode" finished "$RM_FIN"
		done
	done
	RM_SPREAD_P=${RM_SEEN_P:-$RM_P}
}

# 1e: connect() and IP_BIND_ADDRESS_NO_PORT finish D x P, bind() P.
rm_verdict_spread() {
	local p=$RM_SPREAD_P d=$RM_SPREAD_D ok=1 kind mode res="" want
	if [ -z "$RM_SPREAD_KINDS" ]; then
		RM_RESULT="not measured: this twtest's client takes one destination" RM_VERDICT="not measured"
		return
	fi
	for kind in $RM_SPREAD_KINDS; do
		res+="${res:+; }$d destination $kind:"
		for mode in none bind0 noport; do
			want=$((d * p)); [ $mode = bind0 ] && want=$p
			[ "${RM_GOT[spread.$kind.$mode]}" = "$want" ] || ok=0
			res+=" ${RM_MODE_SHORT[$mode]} ${RM_GOT[spread.$kind.$mode]},"
		done
		res=${res%,}
	done
	rm_holds $ok
	RM_RESULT="P=$p ports, D=$d, $((d * p)) connections, finished: $res"
}

# rm_case_poison: bound sockets' TIME_WAIT toward port A, then plain connect() to port B,
# reuse on; and the same after a connect() fill (RM_GOT[none.r1.d2], as in the matrix).
rm_case_poison() {
	rm_fill_probe bind0 none 2 net.ipv4.tcp_tw_reuse=1 "${RM_FAST[@]}"
	RM_GOT[poison]=$RM_B RM_GOT[poison.cause]=$RM_B_CAUSE
	rm_metric 1f poison finished "$RM_B"; rm_metric 1f poison cause "$RM_B_CAUSE"
	if [ -z "${RM_GOT[none.r1.d2]:-}" ]; then
		rm_fill_probe none none 2 net.ipv4.tcp_tw_reuse=1 "${RM_FAST[@]}"
		RM_GOT[none.r1.d2]=$RM_B
	fi
	rm_metric 1f control finished "${RM_GOT[none.r1.d2]}"
	RM_POISON_P=$RM_SEEN_P
}

# 1f: after a bind() fill connect() gets nothing toward another port; after a connect() fill, P.
rm_verdict_poison() {
	local p=$RM_POISON_P
	[ "${RM_GOT[poison]}" = 0 ] && [ "${RM_GOT[none.r1.d2]}" = "$p" ]
	rm_holds $(($? == 0))
	RM_RESULT="after a bind() fill: ${RM_GOT[poison]}/$p (${RM_GOT[poison.cause]}); after a connect() fill: ${RM_GOT[none.r1.d2]}/$p"
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

rm_case_timestamps() {
	local c s name
	for c in "1 1 both_on" "0 1 client_off" "1 0 server_off"; do
		read -r c s name <<<"$c"
		rm_ts_case "$c" "$s"
		RM_GOT[$name]=$RM_B RM_GOT[$name.recycled]=$RM_B_RECYCLED
		rm_metric 2 "$name" finished "$RM_B"; rm_metric 2 "$name" recycled "$RM_B_RECYCLED"
	done
	RM_TS_P=$RM_SEEN_P
}

# 2: both on: all P reused; either off: nothing finished, nothing recycled.
rm_verdict_timestamps() {
	local p=$RM_TS_P
	[ "${RM_GOT[both_on]}" = "$p" ] && [ "${RM_GOT[client_off]}" = 0 ] && [ "${RM_GOT[server_off]}" = 0 ] &&
		[ "${RM_GOT[client_off.recycled]}" = 0 ] && [ "${RM_GOT[server_off.recycled]}" = 0 ]
	rm_holds $(($? == 0)) ": reuse needs timestamps negotiated on the old connection, and nothing says so"
	RM_RESULT="refill after the range filled: both on ${RM_GOT[both_on]}/$p (TWRecycled ${RM_GOT[both_on.recycled]}); client off ${RM_GOT[client_off]}/$p (TWRecycled ${RM_GOT[client_off.recycled]}); server off ${RM_GOT[server_off]}/$p (TWRecycled ${RM_GOT[server_off.recycled]})"
}

# --- row 3: a small tcp_max_tw_buckets ----------------------------------------------------

RM_BK_P=300 RM_BK_LOOPS=4 RM_BK_N=200 RM_BK=100   # ports, loops of N, buckets

# rm_buckets_case [SYSCTL...]: L loops of N on P ports, reuse off; RM_FIN, RM_OVF, RM_TWN.
rm_buckets_case() {
	rm_up lo net.ipv4.ip_local_port_range="$(rm_range $RM_BK_P)" net.ipv4.tcp_tw_reuse=0 "$@"
	rm_serve "$RM_PORT"
	rm_client "$RM_BK_LOOPS" "$RM_BK_N" --port "$RM_PORT"
	RM_FIN=$(rm_get finished) RM_OVF=$(rm_get kernel_TCPTimeWaitOverflow) RM_TWN=$(rm_get time_wait)
	lab_cell_down
}

rm_case_buckets() {
	rm_buckets_case; RM_GOT[bk.default]=$RM_FIN
	rm_metric 3 default finished "$RM_FIN"
	rm_buckets_case net.ipv4.tcp_max_tw_buckets=$RM_BK
	RM_GOT[bk.fin]=$RM_FIN RM_GOT[bk.ovf]=$RM_OVF RM_GOT[bk.tw]=$RM_TWN RM_BK_SEEN_P=$RM_SEEN_P
	rm_metric 3 buckets finished "$RM_FIN"
	rm_metric 3 buckets overflow "$RM_OVF"
	rm_metric 3 buckets time_wait "$RM_TWN"
}

# 3: with B buckets all L x N finish, L x N - B closes overflow, B stay; the default: P finish.
rm_verdict_buckets() {
	local all=$((RM_BK_LOOPS * RM_BK_N)) p=$RM_BK_SEEN_P
	local ovf=$((all - RM_BK))
	[ "${RM_GOT[bk.fin]}" = $all ] && [ "${RM_GOT[bk.ovf]}" = $ovf ] && [ "${RM_GOT[bk.tw]}" = $RM_BK ] &&
		[ "${RM_GOT[bk.default]}" = "$p" ]
	rm_holds $(($? == 0)) ", by giving TIME_WAIT up: $ovf closes kept no state, silently (only TcpExtTCPTimeWaitOverflow)"
	RM_RESULT="P=$p: finished ${RM_GOT[bk.fin]}/$all with $RM_BK buckets (TCPTimeWaitOverflow ${RM_GOT[bk.ovf]}, time_wait ${RM_GOT[bk.tw]}) vs ${RM_GOT[bk.default]}/$all with the default"
}

# --- row 4: port range width --------------------------------------------------------------

RM_WALL_P=250 RM_WALL_LOOPS=7 RM_WALL_N=100   # P (and 2P) ports, L loops of N

# rm_range_case P: L loops of N on P ports, reuse off; RM_FIN, RM_FIRST.
rm_range_case() {
	rm_up lo net.ipv4.ip_local_port_range="$(rm_range "$1")" net.ipv4.tcp_tw_reuse=0
	rm_serve "$RM_PORT"
	rm_client "$RM_WALL_LOOPS" "$RM_WALL_N" --port "$RM_PORT"
	RM_FIN=$(rm_get finished) RM_FIRST=$(rm_first_failing)
	RM_KC=$(lab_csv_get "$RM_LAST" kernel_TW,kernel_OutRsts,kernel_EstabResets,kernel_TCPAbortOnClose type=summary)
	lab_cell_down
}

rm_case_wall() {
	local p
	for p in "$RM_WALL_P" $((2 * RM_WALL_P)); do
		rm_range_case "$p"
		RM_GOT[wall.$p.first]=$RM_FIRST RM_GOT[wall.$p.fin]=$RM_FIN RM_GOT[wall.$p.seen]=$RM_SEEN_P
		rm_metric 4 "p$p" first_failing "$RM_FIRST"; rm_metric 4 "p$p" finished "$RM_FIN"
		rm_metric 4 "p$p" kernel_tw_rsts_resets_abortonclose "$RM_KC"
	done
}

# 4: for P and 2P, the first failing loop is floor(P/N) and P finish.
rm_verdict_wall() {
	local p seen ok=1 res=""
	for p in "$RM_WALL_P" $((2 * RM_WALL_P)); do
		seen=${RM_GOT[wall.$p.seen]}
		[ "${RM_GOT[wall.$p.first]}" = $((seen / RM_WALL_N)) ] && [ "${RM_GOT[wall.$p.fin]}" = "$seen" ] || ok=0
		res+="${res:+; }P=$seen: first failing loop ${RM_GOT[wall.$p.first]} (floor(P/N) = $((seen / RM_WALL_N))), ${RM_GOT[wall.$p.fin]} finished"
	done
	rm_holds $ok ": a wider range only moves the wall (P/60 s per destination)"
	RM_RESULT="N=$RM_WALL_N, $RM_WALL_LOOPS loops; $res"
}

# --- row 5: source addresses ----------------------------------------------------------------

RM_SRC_LOOPS=10 RM_SRC_N=100 RM_SOURCES="1 2 4"

# rm_sources_case BIND: L loops of N from the source addresses BIND with
# IP_BIND_ADDRESS_NO_PORT, P ports; RM_FIN, RM_FIRST.
rm_sources_case() {
	rm_up lo net.ipv4.ip_local_port_range="$RM_RANGE" net.ipv4.tcp_tw_reuse=0
	rm_serve "$RM_PORT"
	rm_client "$RM_SRC_LOOPS" "$RM_SRC_N" --port "$RM_PORT" --bind "$1" --bind-no-port
	RM_FIN=$(rm_get finished) RM_FIRST=$(rm_first_failing)
	lab_cell_down
}

rm_case_sources() {
	local s bind
	for s in $RM_SOURCES; do
		bind=127.0.0.1; [ "$s" -gt 1 ] && bind=127.0.0.1-127.0.0.$s
		rm_sources_case "$bind"
		RM_GOT[src.$s.fin]=$RM_FIN RM_GOT[src.$s.first]=$RM_FIRST
		rm_metric 5 "src$s" finished "$RM_FIN"; rm_metric 5 "src$s" first_failing "$RM_FIRST"
	done
	RM_SRC_P=$RM_SEEN_P
}

# 5: S sources finish S x P, the first failing loop is floor(S x P / N).
rm_verdict_sources() {
	local s ok=1 res="" p=$RM_SRC_P
	for s in $RM_SOURCES; do
		[ "${RM_GOT[src.$s.fin]}" = $((s * p)) ] && [ "${RM_GOT[src.$s.first]}" = $((s * p / RM_SRC_N)) ] || ok=0
		res+="${res:+; }$s: ${RM_GOT[src.$s.fin]} finished, first failing loop ${RM_GOT[src.$s.first]}"
	done
	rm_holds $ok
	RM_RESULT="P=$p, N=$RM_SRC_N; sources $res"
}

# --- row 6: the server closes first ----------------------------------------------------------

RM_SF_LOOPS=4 RM_SF_N=100

rm_case_server_first() {
	rm_up veth net.ipv4.ip_local_port_range="$RM_RANGE" net.ipv4.tcp_tw_reuse=0
	rm_serve "$RM_PORT" --close=first
	rm_client "$RM_SF_LOOPS" "$RM_SF_N" --port "$RM_PORT" --close server
	RM_GOT[sf.fin]=$(rm_get finished)
	RM_GOT[sf.ctw]=$(rm_ns_tw "$LAB_CNS" "dport = :$RM_PORT") RM_GOT[sf.stw]=$(rm_ns_tw "$LAB_SNS" "sport = :$RM_PORT")
	lab_cell_down
	rm_up veth net.ipv4.ip_local_port_range="$RM_RANGE" net.ipv4.tcp_tw_reuse=0
	rm_serve "$RM_PORT"
	rm_client "$RM_SF_LOOPS" "$RM_SF_N" --port "$RM_PORT"
	RM_GOT[sf.base]=$(rm_get finished) RM_SF_P=$RM_SEEN_P
	lab_cell_down
	rm_metric 6 server_first finished "${RM_GOT[sf.fin]}"; rm_metric 6 server_first client_tw "${RM_GOT[sf.ctw]}"
	rm_metric 6 server_first server_tw "${RM_GOT[sf.stw]}"; rm_metric 6 client_first finished "${RM_GOT[sf.base]}"
}

# 6: server first: all L x N finish, no client TIME_WAIT, some server TIME_WAIT; client first: P.
rm_verdict_server_first() {
	local all=$((RM_SF_LOOPS * RM_SF_N))
	[ "${RM_GOT[sf.fin]}" = $all ] && [ "${RM_GOT[sf.ctw]}" = 0 ] && [ "${RM_GOT[sf.stw]}" -gt 0 ] &&
		[ "${RM_GOT[sf.base]}" = "$RM_SF_P" ]
	rm_holds $(($? == 0)) ": the server holds TIME_WAIT instead (one per 4-tuple; a new SYN with newer timestamps takes it over)"
	RM_RESULT="server first: ${RM_GOT[sf.fin]}/$all finished, client TIME_WAIT ${RM_GOT[sf.ctw]}, server TIME_WAIT ${RM_GOT[sf.stw]}; client first: ${RM_GOT[sf.base]}/$all (P=$RM_SF_P)"
}

# --- row 7: requests per connection ------------------------------------------------------------

RM_REQ=200 RM_REQ_KS="1 10"

rm_case_requests() {
	local help k
	help=$("$(lab_twtest)" client --help 2>&1)
	RM_REQ_OK=0
	[[ $help == *--requests-per-conn* ]] || return 0
	RM_REQ_OK=1
	for k in $RM_REQ_KS; do
		rm_up lo net.ipv4.ip_local_port_range="$RM_RANGE" net.ipv4.tcp_tw_reuse=0
		rm_serve "$RM_PORT"
		rm_client 1 $((RM_REQ / k)) --port "$RM_PORT" --requests-per-conn "$k"
		RM_GOT[req.$k.fin]=$(rm_get finished) RM_GOT[req.$k.tw]=$(rm_get time_wait)
		lab_cell_down
		rm_metric 7 "k$k" finished "${RM_GOT[req.$k.fin]}"; rm_metric 7 "k$k" time_wait "${RM_GOT[req.$k.tw]}"
	done
}

# 7: R requests as connections of K leave R / K TIME_WAIT sockets.
rm_verdict_requests() {
	local k ok=1 res=""
	if [ "$RM_REQ_OK" = 0 ]; then
		RM_RESULT="not measured: this twtest has no --requests-per-conn" RM_VERDICT="not measured"
		return
	fi
	for k in $RM_REQ_KS; do
		[ "${RM_GOT[req.$k.tw]}" = $((RM_REQ / k)) ] && [ "${RM_GOT[req.$k.fin]}" = $((RM_REQ / k)) ] || ok=0
		res+="${res:+; }K=$k: $((RM_REQ / k)) connections, ${RM_GOT[req.$k.fin]} finished, TIME_WAIT ${RM_GOT[req.$k.tw]} for $RM_REQ requests"
	done
	rm_holds $ok
	RM_RESULT=$res
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

rm_case_orphan() {
	rm_orphan_case; RM_GOT[orph.base]=$RM_B RM_GOT[orph.base_r]=$RM_B_RECYCLED
	rm_orphan_case --on-eof ignore
	RM_GOT[orph.fw2]=$RM_FW2 RM_GOT[orph.fin]=$RM_B RM_GOT[orph.r]=$RM_B_RECYCLED RM_GOT[orph.cause]=$RM_B_CAUSE
	RM_ORPH_P=$RM_SEEN_P
	rm_metric 8 control finished "${RM_GOT[orph.base]}"; rm_metric 8 control recycled "${RM_GOT[orph.base_r]}"
	rm_metric 8 orphan fin_wait2 "$RM_FW2"; rm_metric 8 orphan finished "$RM_B"
	rm_metric 8 orphan recycled "$RM_B_RECYCLED"
}

# 8: all P orphaned sockets in FIN-WAIT-2, none of them reused; a normal close: all P reused.
rm_verdict_orphan() {
	local p=$RM_ORPH_P
	if [ "${RM_GOT[orph.fw2]}" = "$p" ] && [ "${RM_GOT[orph.fin]}" = 0 ] && [ "${RM_GOT[orph.base]}" = "$p" ]; then
		RM_VERDICT="holds on this kernel: tcp_twsk_unique refuses a TIME_WAIT whose substate is FIN_WAIT2 (the 2024 fix \"tcp: avoid reusing FIN_WAIT2 when trying to find port in connect() process\", also in stable kernels)"
	elif [ "${RM_GOT[orph.fin]}" = "$p" ]; then
		RM_VERDICT="does not hold here: this kernel reuses them"
	else
		RM_VERDICT="does not hold here"
	fi
	RM_RESULT="orphaned: ${RM_GOT[orph.fw2]} client sockets in FIN-WAIT-2, refill ${RM_GOT[orph.fin]}/$p (${RM_GOT[orph.cause]}, TWRecycled ${RM_GOT[orph.r]}); normal close: refill ${RM_GOT[orph.base]}/$p (TWRecycled ${RM_GOT[orph.base_r]})"
}

# --- row 9: memory ---------------------------------------------------------------------------------

# rm_slab NAME: active objects and object size of a slab cache ("N SIZE"), or "0 0".
rm_slab() { awk -v n="$1" '$1 == n { print $2, $4; f = 1 } END { if (!f) print 0, 0 }' /proc/slabinfo 2>/dev/null || echo "0 0"; }

# rm_case_memory: --tw N TIME_WAIT sockets from 4 source addresses (each one's port search
# stays under half the range, where it is fast), tcp_max_tw_buckets 2N in the namespace (its
# default follows the machine's RAM and may be below N).
rm_case_memory() {
	local want=$RM_TW srcs=4 loops before after size
	loops=$(( (want + 9999) / 10000 ))
	rm_up lo net.ipv4.ip_local_port_range="1024 65535" net.ipv4.tcp_tw_reuse=0 \
		net.ipv4.tcp_max_tw_buckets=$((2 * want))
	rm_serve "$RM_PORT"
	read -r before size < <(rm_slab tw_sock_TCP)
	rm_client "$loops" $((want / loops)) --port "$RM_PORT" --bind "127.0.0.1-127.0.0.$srcs" --bind-no-port
	RM_GOT[mem.fin]=$(rm_get finished) RM_GOT[mem.want]=$((loops * (want / loops)))
	# shellcheck disable=SC2016 # awk's own $1
	RM_GOT[mem.tw]=$(ip netns exec "$LAB_CNS" awk '$1 == "TCP:" { for (i = 2; i < NF; i++) if ($i == "tw") print $(i + 1) }' \
		/proc/net/sockstat)
	read -r after size < <(rm_slab tw_sock_TCP)
	lab_cell_down
	RM_GOT[mem.size]=$size RM_GOT[mem.delta]=$((after - before))
	rm_metric 9 memory finished "${RM_GOT[mem.fin]}"; rm_metric 9 memory time_wait "${RM_GOT[mem.tw]}"
	rm_metric 9 memory object_size "$size"; rm_metric 9 memory slab_delta $((after - before))
}

# 9: at least 90% of the connections made stay in TIME_WAIT; the cost is their number x size.
rm_verdict_memory() {
	local tw=${RM_GOT[mem.tw]} size=${RM_GOT[mem.size]} want=${RM_GOT[mem.want]} mb
	mb=$(awk -v n="$tw" -v s="$size" 'BEGIN { printf "%.1f", n * s / 1048576 }')
	if [ "$size" = 0 ]; then
		RM_VERDICT="not measured: no tw_sock_TCP in /proc/slabinfo"
	elif [ "$tw" -ge $((want * 9 / 10)) ]; then
		RM_VERDICT="holds: $(awk -v s="$size" 'BEGIN { printf "%.0f", s * 100000 / 1048576 }') MB per 100k TIME_WAIT sockets (a small tw_sock replaces the socket and its buffers)"
	else
		RM_VERDICT="not measured: only $tw TIME_WAIT sockets were made"
	fi
	RM_RESULT="${RM_GOT[mem.fin]} connections, $tw TIME_WAIT (sockstat) x $size B (a tw_sock_TCP object) = $mb MB; the machine-wide slab grew by ${RM_GOT[mem.delta]} objects meanwhile (others' sockets come and go)"
}

# --- row 10: tcp_tw_recycle -------------------------------------------------------------------------

rm_case_recycle() {
	RM_GOT[recycle]=absent
	rm_sysctl_exists net.ipv4.tcp_tw_recycle && RM_GOT[recycle]=present
	rm_metric 10 sysctl tcp_tw_recycle "${RM_GOT[recycle]}"
}

rm_verdict_recycle() {
	if [ "${RM_GOT[recycle]}" = present ]; then
		RM_RESULT="net.ipv4.tcp_tw_recycle exists" RM_VERDICT="not measured here: this kernel still has it (before 4.12)"
	else
		RM_RESULT="no net.ipv4.tcp_tw_recycle on $(uname -r)" RM_VERDICT="does not apply: removed in Linux 4.12 (it broke clients behind NAT)"
	fi
}

# --- rows 11-12b: SO_LINGER, SO_REUSEPORT, tcp_tw_reuse and its delay -------------------------

RM_LOOPS=4 RM_LOOP_N=100   # rows 11 and 12: L loops of N on P ports

# rm_loops_case CLIENT-ARGS...: P ports, reuse off, L loops of N; RM_FIN, RM_TWN, RM_RST.
rm_loops_case() {
	rm_up lo net.ipv4.ip_local_port_range="$RM_RANGE" net.ipv4.tcp_tw_reuse=0
	rm_serve "$RM_PORT"
	rm_client "$RM_LOOPS" "$RM_LOOP_N" --port "$RM_PORT" "$@"
	RM_FIN=$(rm_get finished) RM_TWN=$(rm_get time_wait) RM_RST=$(rm_get kernel_OutRsts)
	lab_cell_down
}

# rm_case_loops_base: the same loops without any option (rows 11 and 12 compare with it).
rm_case_loops_base() {
	[ -n "${RM_GOT[loops.base]:-}" ] && return 0
	rm_loops_case; RM_GOT[loops.base]=$RM_FIN RM_LOOPS_P=$RM_SEEN_P
	rm_metric 11 none finished "$RM_FIN"
}

rm_case_linger() {
	rm_case_loops_base
	rm_loops_case --linger
	RM_GOT[linger.fin]=$RM_FIN RM_GOT[linger.tw]=$RM_TWN RM_GOT[linger.rst]=$RM_RST
	rm_metric 11 linger finished "$RM_FIN"
	rm_metric 11 linger time_wait "$RM_TWN"; rm_metric 11 linger out_rsts "$RM_RST"
}

# 11: with SO_LINGER {1,0} all L x N finish with no TIME_WAIT and an RST each; without, P.
rm_verdict_linger() {
	local all=$((RM_LOOPS * RM_LOOP_N))
	[ "${RM_GOT[linger.fin]}" = $all ] && [ "${RM_GOT[linger.tw]}" = 0 ] && [ "${RM_GOT[linger.rst]}" -ge $all ] &&
		[ "${RM_GOT[loops.base]}" = "$RM_LOOPS_P" ]
	rm_holds $(($? == 0)) ", by aborting: every close is an RST (unsent data dropped, the peer may see ECONNRESET)"
	RM_RESULT="${RM_GOT[linger.fin]}/$all finished, time_wait ${RM_GOT[linger.tw]}, RSTs sent ${RM_GOT[linger.rst]}; without: ${RM_GOT[loops.base]}/$all (P=$RM_LOOPS_P)"
}

rm_case_reuseport() {
	rm_case_loops_base
	rm_loops_case --reuseport
	RM_GOT[reuseport.fin]=$RM_FIN
	rm_metric 12 reuseport finished "$RM_FIN"
}

# 12: SO_REUSEPORT finishes what the plain client does.
rm_verdict_reuseport() {
	local all=$((RM_LOOPS * RM_LOOP_N))
	[ "${RM_GOT[reuseport.fin]}" = "${RM_GOT[loops.base]}" ]
	rm_holds $(($? == 0)) ": no help"
	RM_RESULT="${RM_GOT[reuseport.fin]}/$all finished with it, ${RM_GOT[loops.base]}/$all without"
}

# rm_case_reuse_delay: tcp_tw_reuse=1 with the kernel's delay (1000 ms where the sysctl
# exists, set so; before 6.14 the next whole second): fill, refill at once, refill 1.2 s later.
rm_case_reuse_delay() {
	rm_up lo net.ipv4.ip_local_port_range="$RM_RANGE" net.ipv4.tcp_tw_reuse=1
	[ "$RM_HAVE_DELAY" = 1 ] && lab_sysctl "$LAB_CNS" net.ipv4.tcp_tw_reuse_delay=1000
	rm_serve "$RM_PORT"
	rm_client 1 "$RM_P" --port "$RM_PORT"
	RM_GOT[delay.fill_s]=$(rm_get time_s)
	rm_client 1 "$RM_P" --port "$RM_PORT"
	RM_GOT[delay.young]=$(rm_get finished)
	sleep 1.2
	rm_client 1 "$RM_P" --port "$RM_PORT"
	RM_GOT[delay.old]=$(rm_get finished) RM_DELAY_P=$RM_SEEN_P
	lab_cell_down
	rm_metric 12b reuse_delay young "${RM_GOT[delay.young]}"; rm_metric 12b reuse_delay old "${RM_GOT[delay.old]}"
	rm_metric 12b reuse_delay fill_s "${RM_GOT[delay.fill_s]}"
}

# 12b: past the delay all P are reused; at once fewer than half (on 6.14+, with 1000 ms). Before
# 6.14 the whole-second rule may reuse at once: only the refill past a second is decisive.
rm_verdict_reuse_delay() {
	local p=$RM_DELAY_P young=${RM_GOT[delay.young]} old=${RM_GOT[delay.old]} rule ok=0
	if [ "$RM_HAVE_DELAY" = 1 ]; then
		rule="older than the reuse delay (net.ipv4.tcp_tw_reuse_delay, 1000 ms)"
		[ "$old" = "$p" ] && [ "$young" -lt $((p / 2)) ] && ok=1
	else
		rule="from an earlier second of the clock than now (no tcp_tw_reuse_delay before Linux 6.14: 0 to 1 s)"
		[ "$old" = "$p" ] && ok=1
	fi
	if [ $ok = 1 ]; then
		RM_VERDICT="holds only when the TIME_WAIT is $rule and timestamps were on (row 2)"
	else
		RM_VERDICT="does not hold here"
	fi
	RM_RESULT="refill at once (the fill took ${RM_GOT[delay.fill_s]} s): $young/$p; 1.2 s later: $old/$p"
}

# --- row 13: the rate one destination sustains ----------------------------------------------

RM_RATE_OFF="400 2" RM_RATE_ON="120 3"   # rate/s and seconds, reuse off and on

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
	RM_SEEN_P=$(rm_ns_ports)
	lab_cell_down
}

rm_case_rate() {
	local help r d
	help=$("$(lab_twtest)" client --help 2>&1)
	RM_RATE_OK=0
	[[ $help == *--rate* ]] || return 0
	RM_RATE_OK=1
	read -r r d <<<"$RM_RATE_OFF"
	rm_rate_case "$r" "$d" net.ipv4.tcp_tw_reuse=0
	RM_GOT[rate.off.fin]=$RM_FIN RM_GOT[rate.off.first]=${RM_FIRSTF:-none} RM_RATE_P=$RM_SEEN_P
	read -r r d <<<"$RM_RATE_ON"
	rm_rate_case "$r" "$d" net.ipv4.tcp_tw_reuse=1
	RM_GOT[rate.on.failed]=$RM_FAILN RM_GOT[rate.on.fin]=$RM_FIN
	rm_metric 13 reuse0 finished "${RM_GOT[rate.off.fin]}"; rm_metric 13 reuse0 first_failure_s "${RM_GOT[rate.off.first]}"
	rm_metric 13 reuse1 failed "$RM_FAILN"; rm_metric 13 reuse1 finished "$RM_FIN"
}

# 13: reuse off at R/s for S s (R x S > P): P finish, the first failure comes at P/R (from 0.8
# to 1.6 times it: the client's start and a loaded machine); reuse on: nothing fails.
rm_verdict_rate() {
	local r d r2 d2 p=$RM_RATE_P pr on_failed=${RM_GOT[rate.on.failed]} on_fin=${RM_GOT[rate.on.fin]}
	if [ "$RM_RATE_OK" = 0 ]; then
		RM_RESULT="not measured: this twtest has no --rate" RM_VERDICT="not measured"
		return
	fi
	read -r r d <<<"$RM_RATE_OFF"; read -r r2 d2 <<<"$RM_RATE_ON"
	pr=$(awk -v p="$p" -v r="$r" 'BEGIN { printf "%.2f", p / r }')
	if [ "${RM_GOT[rate.off.fin]}" = "$p" ] &&
		awk -v f="${RM_GOT[rate.off.first]}" -v t="$pr" 'BEGIN { exit !(f != "none" && f >= 0.8 * t && f <= 1.6 * t) }'; then
		RM_VERDICT="holds: P connections, then nothing until TIME_WAIT ends (P / 60 s sustained; 470/s for the default 28232 ports)"
		[ "${RM_GOT[rate.on.failed]}" = 0 ] && RM_VERDICT+="; with tcp_tw_reuse (and timestamps) P per reuse delay"
	else
		RM_VERDICT="does not hold here"
	fi
	RM_RESULT="P=$p; reuse off, $r/s for $d s: ${RM_GOT[rate.off.fin]} finished, first failure at ${RM_GOT[rate.off.first]} s (P/R = $pr s); reuse on, $r2/s for $d2 s: $on_failed failed of $((on_failed + on_fin))"
}

# --- the loop ---------------------------------------------------------------------------------

# rm_select LIST: the row ids LIST (comma-separated) names, into RM_SELECTED; a bare number
# names every row of that number (1: 1a-1f; 12: 12 and 12b). Exit 2 on an unknown one.
rm_select() {
	local item id found
	RM_SELECTED=""
	for item in ${1//,/ }; do
		found=0
		for id in "${RM_IDS[@]}"; do
			if [ "$id" = "$item" ] || { [[ $item =~ ^[0-9]+$ ]] && [[ $id =~ ^${item}[a-z]?$ ]]; }; then
				[[ " $RM_SELECTED " == *" $id "* ]] || RM_SELECTED+="${RM_SELECTED:+ }$id"
				found=1
			fi
		done
		[ $found = 1 ] || { echo "remedies: invalid --rows '$1': '$item' is no row (--list shows them)" >&2; exit 2; }
	done
}

rm_parse() {
	while [ $# -gt 0 ]; do
		case $1 in
		-h|--help) rm_usage; exit 0 ;;
		--list) local i; for i in "${!RM_IDS[@]}"; do
				printf '%s\t%s\t%s\t%s\n' "${RM_IDS[i]}" "${RM_CASE[i]}" "${RM_VERDICT_FN[i]}" "${RM_CLAIM[i]}"
			done; exit 0 ;;
		--rows) [ $# -ge 2 ] || { echo "remedies: --rows needs a value" >&2; exit 2; }
			[[ $2 =~ ^[0-9]+[a-z]?(,[0-9]+[a-z]?)*$ ]] ||
				{ echo "remedies: invalid --rows '$2': must be row ids (1, 1a, 12b...), comma-separated" >&2; exit 2; }
			rm_select "$2"; shift 2 ;;
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

# rm_run_row INDEX: the row's case (unless an earlier row ran it), then its verdict; adds
# its markdown row, and its verdict and result to --csv.
rm_run_row() {
	local i=$1 id=${RM_IDS[$1]} c=${RM_CASE[$1]}
	RM_RESULT="" RM_VERDICT=""
	if [ -z "${RM_DONE[$c]:-}" ]; then
		"$c"
		RM_DONE[$c]=1
	fi
	"${RM_VERDICT_FN[i]}"
	RM_TABLE+=("| $id | ${RM_CLAIM[i]} | ${RM_SOURCE[i]} | \`${RM_TEST[i]}\` | $RM_RESULT | $RM_VERDICT |")
	rm_metric "$id" verdict class "$(rm_verdict_class "$RM_VERDICT")"
	rm_metric "$id" verdict text "$RM_VERDICT"
	rm_metric "$id" result text "$RM_RESULT"
}

# rm_print: the claims table, and the bind-mode matrix when it was measured.
rm_print() {
	echo "Measured on Linux $(uname -r), $(date -u +%Y-%m-%d), $("$(lab_twtest)" --version 2>/dev/null | head -1)."
	echo
	echo "| # | claim | source | test | this kernel | verdict |"
	echo "| --- | --- | --- | --- | --- | --- |"
	printf '%s\n' "${RM_TABLE[@]}"
	if [ ${#RM_DETAIL[@]} -gt 0 ]; then
		echo
		echo "Rows 1a-1c in full: $RM_P ports filled with TIME_WAIT toward port A by one mode, then $RM_P connections"
		echo "by the same mode to port A again (same destination) or to port B (another destination):"
		echo
		echo "| mode | reuse 0, same | reuse 0, other | reuse 1, same | reuse 1, other |"
		echo "| --- | --- | --- | --- | --- |"
		printf '%s\n' "${RM_DETAIL[@]}"
	fi
}

rm_main() {
	rm_parse "$@"
	[ -n "$RM_SELECTED" ] || RM_SELECTED="${RM_IDS[*]}"
	[ "$(id -u)" = 0 ] || rm_die "needs root to make network namespaces"
	"$(lab_twtest)" --help >/dev/null 2>&1 || rm_die "no twtest binary (make, or --twtest PATH)"
	[ -n "$RM_CSV" ] && echo "row,case,metric,value" >"$RM_CSV"
	lab_trap
	rm_reuse_setup
	local i t0
	for i in "${!RM_IDS[@]}"; do
		[[ " $RM_SELECTED " == *" ${RM_IDS[i]} "* ]] || continue
		t0=$SECONDS
		rm_run_row "$i"
		rm_note "row ${RM_IDS[i]} done in $((SECONDS - t0)) s"
	done
	if [ -n "$RM_OUT" ]; then rm_print | tee "$RM_OUT"; else rm_print; fi
}

rm_load_table
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	rm_main "$@"
fi
