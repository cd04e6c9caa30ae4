#!/usr/bin/env bash
# scripts/remedies.sh: every remedy, trap and claim about TIME_WAIT port exhaustion, measured
# on this kernel, as a table of rows run by scripts/lab_table.sh: each row names its
# claim, its source and one row function, which measures and returns the verdict. Each
# measurement runs `twtest client` against `twtest server` in fresh network namespaces made by
# scripts/lab.sh (an empty TIME_WAIT table, sysctls set inside the namespaces only, never the
# host's), with a few hundred ports and connections, so the whole run takes about a minute.
# Each verdict is a judge function (rm_judge_*, no I/O: tests/integration/lab_table.sh gives
# it inputs for each verdict class) that derives what it expects from the measurement's
# parameters (P ports as the client reported its range, N connections a loop, L loops), never
# from a written-in count. It prints a table that fits a terminal (row, verdict, the figure
# that decided it), writes the full markdown table (claim, source, test, what this kernel did,
# verdict) to --out and, with --csv, every number it used as rows "row,case,metric,value"
# (tests/integration/remedies.sh checks them; scripts/kernels.sh compares kernels). --help.
# The rows live in scripts/remedies_bind.sh (rows 1a-1f) and scripts/remedies_kernel.sh (2-13).
set -u -o pipefail
RM_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/lab.sh
. "$RM_HERE/lab.sh"
# shellcheck source=scripts/lab_table.sh
. "$RM_HERE/lab_table.sh"

rm_usage() {
	cat <<'USAGE'
usage: scripts/remedies.sh [options]

Measures every row of docs/remedies.md on this kernel, each case in fresh network
namespaces, and prints a table that fits a terminal (120 columns): each row's verdict and
the figure that decided it. The full table (claim, source, test, this kernel's numbers, the
verdict in words) is markdown, written by --out.

  --rows LIST     rows to run, e.g. 1,3,8b or 1a,12b: a number runs every row of that
                  number (1: 1a-1f); default all (--list shows them)
  --list          print the rows (id, row function, its arguments, claim) and exit
  --out FILE      write the full table, markdown, to FILE
  --csv FILE      write every number as "row,case,metric,value" to FILE (first line: that
                  header; per row also "ID,verdict,class,holds|holds only when|does not
                  hold|not measured|does not apply", "ID,verdict,text,..." and "ID,result,text,...";
                  a field with a comma or a quote is quoted)
  --tw N          TIME_WAIT sockets for row 9, the memory row (default 10000; Bernat 2014's
                  claim is about 100k and more: --tw 100000 takes about a minute); its
                  namespace raises net.ipv4.tcp_max_tw_buckets above N (the default is
                  sized from RAM: 8192 in a 2 GiB machine)
  --twtest PATH   the twtest binary (default ./twtest beside scripts/, else twtest)
  -h, --help      this help

Needs root (network namespaces). Exit status: 0 done, 1 a case could not run, 2 usage.
USAGE
}

# --- the rows ------------------------------------------------------------------------------
# id | row function [arguments] | claim | source | test. Rows that share a measurement (1a-1c
# the bind-mode matrix, 11-12 the plain loops) run it once (rm_once).
LT_TABLE_TEXT='
1a | rm_row_pools        | bind() before connect() shares one port pool over every destination | envoyproxy/envoy#44747, google/neper#87, curl/curl#6295 | remedies.sh --rows 1a (client --bind 127.0.0.1, then a second destination port)
1b | rm_row_bind_reuse   | bind() before connect() ignores tcp_tw_reuse | same issues; __inet_hash_connect (net/ipv4/inet_hashtables.c) | remedies.sh --rows 1b (tcp_tw_reuse=1, delay 1 ms)
1c | rm_row_noport       | IP_BIND_ADDRESS_NO_PORT gives bind() back per-destination pools and tcp_tw_reuse | ip(7) | remedies.sh --rows 1c (--bind-no-port)
1d | rm_row_reuseaddr    | SO_REUSEADDR (kernel 3.7+) lets a client reuse ports held by TIME_WAIT | seven-remedies list, no. 7 | remedies.sh --rows 1d (--reuseaddr, with and without --bind)
1e | rm_row_spread 4     | D destinations: D x P connections with connect(), P with bind() | __inet_hash_connect: a port is free per destination, a bound port for all | remedies.sh --rows 1e (one run of D x P over D destination ports, or D destination addresses)
1f | rm_row_poison       | ports taken by bind() before connect() are lost to every plain connect() too, for any destination, until their TIME_WAIT ends | found here (inet_hash_connect skips ports whose bind bucket bind() made) | remedies.sh --rows 1f (fill with --bind toward port A, then plain connect() to port B, tcp_tw_reuse=1)
2  | rm_row_timestamps   | tcp_tw_reuse does nothing when either side has tcp_timestamps=0 | seven-remedies list, no. 5 ("tcp_tw_reuse and tcp_timestamps"); tcp_twsk_unique | remedies.sh --rows 2 (veth, tcp_tw_reuse=1)
3  | rm_row_buckets 300 4 200 100 | a tcp_max_tw_buckets below the port range prevents exhaustion | seven-remedies list, no. 6 | remedies.sh --rows 3 (P=300 ports, 4 loops of 200, 100 buckets)
4  | rm_row_wall 250 7 100 | a wider ip_local_port_range only delays exhaustion: the first failing loop is floor(P/N) | seven-remedies list, no. 2 | remedies.sh --rows 4 (P=250 and 2P, 7 loops of 100)
5  | rm_row_sources 10 100 | each source address adds a pool: exhaustion moves by the number of addresses | envoy'"'"'s source-address pools | remedies.sh --rows 5 (--bind A-B --bind-no-port, 10 loops of 100)
6  | rm_row_server_first 4 100 | when the server closes first the client never runs out; the server holds TIME_WAIT | server-restart exercise; docs/closing.md | remedies.sh --rows 6 (veth, server --close=first, client --close server)
7  | rm_row_requests 200 | long-lived connections: K requests per connection cut TIME_WAIT per request by K | seven-remedies list, no. 1 | remedies.sh --rows 7 (client --requests-per-conn 1 and 10)
8  | rm_row_orphan       | a TIME_WAIT socket that came from an orphaned FIN_WAIT2 is not reused | tcp_twsk_unique (net/ipv4/tcp_ipv4.c) | remedies.sh --rows 8 (server --on-eof ignore: the peer never sends its FIN)
9  | rm_row_memory       | TIME_WAIT costs little memory ("not that much") | Bernat 2014 | remedies.sh --rows 9 --tw N (tcp_max_tw_buckets raised to 2N in its namespace)
10 | rm_row_recycle      | tcp_tw_recycle with timestamps recycles TIME_WAIT fast | seven-remedies list, no. 4 | test -e /proc/sys/net/ipv4/tcp_tw_recycle
11 | rm_row_linger       | SO_LINGER {1,0} avoids TIME_WAIT | client_time_wait_test (helps), seven-remedies list, no. 3 | remedies.sh --rows 11 (client --linger, 4 loops of 100 on 200 ports)
12 | rm_row_reuseport    | SO_REUSEPORT does not help a client | client_time_wait_test | remedies.sh --rows 12 (client --reuseport)
12b | rm_row_reuse_delay | tcp_tw_reuse=1 lets connect() reuse TIME_WAIT ports | client_time_wait_test, seven-remedies list, no. 5 | remedies.sh --rows 12b (tcp_tw_reuse=1, the kernel'"'"'s reuse delay: 1000 ms, or the next whole second before Linux 6.14)
13 | rm_row_rate 400 2 120 3 | one destination sustains P / 60 s new connections a second ("about 500/s") | Bernat 2014 | remedies.sh --rows 13 (client --rate R --duration S, 200 ports)
'
LT_NAME=remedies
LT_COLUMNS=(claim source test)
LT_MARKDOWN=("#=id" "claim=claim" "source=source" "test=\`test" "this kernel=result" "verdict=verdict")
LT_OPTIONS="--tw"
LT_HOOK_OPTION=rm_option LT_HOOK_USAGE=rm_usage LT_HOOK_START=rm_reuse_setup
LT_HOOK_HEADING=rm_heading LT_HOOK_FOOTER=rm_footer

RM_TW=10000           # --tw: row 9's TIME_WAIT sockets
RM_P=200              # ephemeral ports of most cases, from RM_LO
RM_LO=40000
RM_PORT=5000          # the server's first port (outside every range used here)
RM_N=0                # client runs so far (names their output files)
declare -A RM_RUN=()  # what the last measurement read (rm_fill_probe, rm_loops_case, ...)
declare -A RM_ONCE=() # measurements rows share, by key (rm_once)
RM_DETAIL=()          # markdown rows of the bind-mode matrix (rows 1a-1c)

rm_die() { echo "remedies: $*" >&2; exit 1; }

# rm_option OPTION VALUE: remedies.sh's own option (--tw).
rm_option() {
	[[ $2 =~ ^[1-9][0-9]{0,6}$ ]] && [ "$2" -le 200000 ] || lt_usage_error "invalid --tw '$2': must be 1-200000"
	RM_TW=$2
}

# rm_kv ARRAY KEY=VALUE...: the judges' arguments into the associative array ARRAY.
rm_kv() {
	local -n _rm_kv=$1; shift
	local kv
	for kv in "$@"; do _rm_kv[${kv%%=*}]=${kv#*=}; done
}

# rm_range P [LO]: the sysctl value of a P-port range from LO (default RM_LO).
rm_range() { local lo=${2:-$RM_LO}; echo "$lo $((lo + $1 - 1))"; }
RM_RANGE=$(rm_range "$RM_P")

# rm_once KEY FUNCTION [ARGS...]: run FUNCTION ARGS unless a row already did under KEY.
rm_once() {
	[ -n "${RM_ONCE[$1]:-}" ] && return 0
	RM_ONCE[$1]=1
	"${@:2}"
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
# RM_LAST names its output, RM_RUN[p] the number of ports its range has. A client that
# cannot run at all stops the script.
rm_client() {
	lab_tmpdir || rm_die "no temporary directory"
	RM_N=$((RM_N + 1))
	RM_LAST="$LAB_TMP/client.$RM_N.csv"
	ip netns exec "$LAB_CNS" "$(lab_twtest)" client "$LAB_DST" "$@" --format csv \
		>"$RM_LAST" 2>"$RM_LAST.err" </dev/null ||
		rm_die "client $* failed: $(head -c 300 "$RM_LAST.err")"
	RM_RUN[p]=$(rm_ns_ports)
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
# later), so 1.2 s. RM_HAVE_DELAY: 1 where the sysctl exists.
rm_reuse_setup() {
	if rm_sysctl_exists net.ipv4.tcp_tw_reuse_delay; then
		RM_HAVE_DELAY=1 RM_FAST=(net.ipv4.tcp_tw_reuse_delay=1) RM_GAP=0.1
	else
		RM_HAVE_DELAY=0 RM_FAST=() RM_GAP=1.2
	fi
}

# --- the markdown ------------------------------------------------------------------------

rm_heading() {
	echo "Measured on Linux $(uname -r), $(date -u +%Y-%m-%d), $("$(lab_twtest)" --version 2>/dev/null | head -1)."
}

# rm_footer: the bind-mode matrix, when a row measured it.
rm_footer() {
	[ ${#RM_DETAIL[@]} -gt 0 ] || return 0
	echo
	echo "Rows 1a-1c in full: $RM_P ports filled with TIME_WAIT toward port A by one mode, then $RM_P connections"
	echo "by the same mode to port A again (same destination) or to port B (another destination):"
	echo
	echo "| mode | reuse 0, same | reuse 0, other | reuse 1, same | reuse 1, other |"
	echo "| --- | --- | --- | --- | --- |"
	printf '%s\n' "${RM_DETAIL[@]}"
}

# shellcheck source=scripts/remedies_bind.sh
. "$RM_HERE/remedies_bind.sh"
# shellcheck source=scripts/remedies_kernel.sh
. "$RM_HERE/remedies_kernel.sh"

lt_load
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	lt_main "$@"
fi
