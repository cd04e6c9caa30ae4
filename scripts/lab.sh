#!/usr/bin/env bash
# scripts/lab.sh: the one shell layer of twtest's scripts and tests: test hosts inside one
# machine made of network namespaces, servers started and waited for, one bounded wait
# (lab_wait_until), and a cleanup stack.
#
# A "cell" is a client and a server: for the veth path two namespaces joined by a veth pair
# (the one address plan: client 198.18.0.1, server 198.18.0.2, from the benchmark range
# 198.18.0.0/15); for the lo path one namespace, server on 127.0.0.1; for the nat path K
# client namespaces behind a router namespace that masquerades them to one address (see
# lab_nat_up for its address plan); for the proxy path a client, a proxy namespace running
# nginx, haproxy or Apache, and a backend namespace (scripts/lab_proxy.sh). The sysctls of a cell are
# set inside its client namespaces (for nat also the router's; for proxy the proxy's) only,
# never the host's. Every resource pushes its own
# undo onto a stack when it is made (lab_defer, in the manner of the kernel selftests'
# net/lib.sh); lab_cleanup, which lab_trap installs for EXIT, INT and TERM, runs the stack
# last-made-first. Names start with LAB_PREFIX (default twl<pid>), so two runs can share a
# machine. Sourced by tests/lib.sh, close-matrix.sh, sweep.sh, bench.sh, bench_stat.sh, demo.sh.
#
# Sourced (`. scripts/lab.sh`), it only defines the lab_* functions; executed, it is a
# small CLI:
#   lab.sh up [--path lo|veth|nat|proxy] [--sysctl KEY=VALUE]... [--port PORT] [NAT-OPTIONS]
#          [PROXY-OPTIONS] [--server-arg ARG]...
#          make a cell with a server in it and leave it running; prints its names as
#          shell assignments (LAB_ID, CLIENT_NS, SERVER_NS, DST, PORT, and TWTEST, the
#          binary's full path; for nat also CLIENT_NSES, the K client namespaces, and
#          ROUTER_NS)
#   lab.sh run [same options] -- CLIENT-ARGS...
#          make a cell, run `twtest client DST CLIENT-ARGS --port PORT` in its client
#          namespace (nat: in each of the K at once), print the client's output (nat: each
#          client's after a `# client I of K (NS)` line, then `# router` and the router's
#          conntrack figures as KEY=VALUE lines), remove the cell
#          NAT-OPTIONS: --nat-clients K (default 2), --nat-ports LO-HI (the masquerade's
#          port range, default 40000-40099), --nat-random-fully (fully-random mapping),
#          --nat-tw-timeout S (the router's nf_conntrack_tcp_timeout_time_wait)
#          PROXY-OPTIONS: --proxy KIND:TEMPLATE (nginx, haproxy or apache, and a config template of
#          scripts/proxy/; default haproxy:haproxy-tcp.cfg), --proxy-set KEY=VALUE (the
#          value of the template's @KEY@, repeatable), --proxy-backends B (default 1),
#          --proxy-sources S (default 0); with --path proxy the --sysctl values go to the
#          proxy namespace, --port is the backends' port, and the client connects to the
#          proxy (DST 198.18.0.2, port 8000); `up` also prints PROXY_NS and PROXY_PORT
#          --server-arg ARG: one more argument of `twtest server` (repeatable)
#   lab.sh down LAB_ID      remove every namespace of that id, and the processes in them
#   lab.sh list             the lab namespaces that exist now
# TWTEST names the twtest binary (default: ./twtest beside scripts/, else `twtest`).

# Sourcing it twice keeps the state of the first time (a test may source it again).
if [ -z "${LAB_LOADED:-}" ]; then
	LAB_LOADED=1
	LAB_PREFIX=${LAB_PREFIX:-twl$$}
	LAB_DEFER=()        # undo commands, shell-quoted, run last-first by lab_cleanup
	LAB_CELLS=0         # cells made so far (numbers the namespace names)
	LAB_CNS="" LAB_SNS="" LAB_DST="" LAB_PATH=""   # the current cell
	LAB_CNSES=() LAB_RNS=""                        # its client namespaces; nat: its router
	LAB_SERVER_PID="" LAB_SERVER_OUT=""
	LAB_TMP=""
fi
LAB_CLIENT_ADDR=198.18.0.1  # the address plan of every veth pair: client .1, server .2
LAB_SERVER_ADDR=198.18.0.2
LAB_NAT_OUTSIDE_ADDR=198.19.0.1  # nat path: the router's outside address (the masquerade's)
LAB_NAT_SERVER_ADDR=198.19.0.2   # and the server behind it; client i is 198.18.i.2
LAB_POLL=${LAB_POLL:-0.02}  # seconds between two checks of lab_wait_until

# lab_err MSG: one line on stderr; returns 1 so callers can `lab_err ... || return`.
lab_err() { echo "lab: $*" >&2; return 1; }

# --- the cleanup stack ----------------------------------------------------------------

# lab_defer CMD ARGS...: run CMD ARGS at cleanup time (after everything deferred later).
lab_defer() { LAB_DEFER+=("$(printf '%q ' "$@")"); }

# lab_defer_drop CMD ARGS...: forget a deferred command (its resource is already undone).
lab_defer_drop() {
	local cmd i
	cmd=$(printf '%q ' "$@")
	for i in "${!LAB_DEFER[@]}"; do
		[ "${LAB_DEFER[$i]}" = "$cmd" ] && unset 'LAB_DEFER[i]'
	done
	return 0
}

# lab_cleanup: undo everything deferred, last first; empties the stack.
lab_cleanup() {
	local i idx=("${!LAB_DEFER[@]}")
	for ((i = ${#idx[@]} - 1; i >= 0; i--)); do
		eval "${LAB_DEFER[${idx[i]}]}"
	done
	LAB_DEFER=()
	return 0
}

# lab_trap: lab_cleanup on exit; on INT/TERM clean up and exit 130/143.
lab_trap() {
	trap lab_cleanup EXIT
	trap 'trap - EXIT; lab_cleanup; exit 130' INT
	trap 'trap - EXIT; lab_cleanup; exit 143' TERM
}

# lab_wait_until TIMEOUT_MS CMD...: run CMD every LAB_POLL seconds until it succeeds (0) or
# TIMEOUT_MS have passed (1). CMD runs in this shell, so it may set variables.
lab_wait_until() {
	local end=$(( ${EPOCHREALTIME//[!0-9]/} / 1000 + $1 ))
	shift
	while true; do
		"$@" && return 0
		[ $(( ${EPOCHREALTIME//[!0-9]/} / 1000 )) -lt "$end" ] || return 1
		# in the background, so that a signal's trap runs without waiting for the sleep
		sleep "$LAB_POLL" & wait $!
	done
}

# --- processes ------------------------------------------------------------------------

# lab_kill SIGNAL PID: signal a process started here and reap it.
lab_kill() { kill "-$1" "$2" 2>/dev/null && wait "$2" 2>/dev/null; return 0; }

# lab_track PID [SIGNAL]: a background process started by the caller, ended (SIGTERM by
# default) at cleanup unless lab_stop ended it first.
lab_track() { lab_defer lab_kill "${2:-TERM}" "$1"; }

# lab_stop PID [SIGNAL]: end a process started here now (SIGTERM by default) and reap it.
lab_stop() {
	lab_kill "${2:-TERM}" "$1"
	lab_defer_drop lab_kill TERM "$1"
	lab_defer_drop lab_kill KILL "$1"
}

# lab_reap PID: wait for a process started here to end by itself and forget it; returns
# its exit status.
lab_reap() {
	local rc=0
	wait "$1" || rc=$?
	lab_defer_drop lab_kill TERM "$1"
	lab_defer_drop lab_kill KILL "$1"
	return $rc
}

# lab_twtest: the twtest binary to run.
lab_twtest() {
	if [ -n "${TWTEST:-}" ]; then echo "$TWTEST"; return; fi
	local here; here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
	if [ -x "$here/twtest" ]; then echo "$here/twtest"; else echo twtest; fi
}

# lab_tmpdir: a private directory LAB_TMP for server logs, removed at cleanup.
lab_tmpdir() {
	[ -n "$LAB_TMP" ] && return 0
	LAB_TMP=$(mktemp -d "${TMPDIR:-/tmp}/${LAB_PREFIX}.XXXXXX") || return 1
	lab_defer lab_tmp_del
}

# lab_tmp_del: remove LAB_TMP; the next lab_tmpdir makes a new one.
lab_tmp_del() { [ -n "$LAB_TMP" ] && rm -rf "$LAB_TMP"; LAB_TMP=""; }

# lab_says_listening: the current server printed its "listening" line (twtest: "twtest
# server: listening on ...", the benchmark's baseline: "listening"; not a bind error that
# says "another socket is listening on").
lab_says_listening() { grep -Eq '(^|: )listening( on|$)' "$LAB_SERVER_OUT" 2>/dev/null; }

# lab_listening: the current server listens, or died (nothing left to wait for).
lab_listening() { lab_says_listening || ! kill -0 "$LAB_SERVER_PID" 2>/dev/null; }

# lab_spawn_server CMD...: start a server command (any prefix: ip netns exec, ssh) in the
# background and wait (LAB_START_MS, default 5000) until it says it listens. Sets
# LAB_SERVER_PID and LAB_SERVER_OUT (stdout and stderr). Returns 1 if it exited or stayed
# silent (a dead one is reaped); lab_server_err then says why.
lab_spawn_server() {
	lab_tmpdir || return 1
	LAB_SERVER_OUT="$LAB_TMP/server.$LAB_CELLS.$RANDOM.out"
	: >"$LAB_SERVER_OUT" # exists before the background job opens it
	"$@" >"$LAB_SERVER_OUT" 2>&1 </dev/null &
	LAB_SERVER_PID=$!
	lab_track "$LAB_SERVER_PID"
	lab_wait_until "${LAB_START_MS:-5000}" lab_listening
	kill -0 "$LAB_SERVER_PID" 2>/dev/null && lab_says_listening && return 0
	kill -0 "$LAB_SERVER_PID" 2>/dev/null || lab_stop "$LAB_SERVER_PID"
	return 1
}

# lab_server_err: the one-line error for a server that did not start.
lab_server_err() { lab_err "server did not start: $(head -c 300 "$LAB_SERVER_OUT" | tr '\n' ' ')"; }

# lab_server_start NS|- PORT [SERVER-ARGS...]: start `twtest server` on LAB_DST:PORT inside
# NS (- for no namespace) and wait until it listens, as lab_spawn_server.
lab_server_start() {
	local ns=$1 port=$2; shift 2
	local prefix=()
	[ "$ns" != - ] && prefix=(ip netns exec "$ns")
	lab_spawn_server "${prefix[@]}" "$(lab_twtest)" server --bind "$LAB_DST" --port "$port" "$@"
}

# --- namespaces -----------------------------------------------------------------------

# lab_ns_add NAME: make namespace LAB_PREFIX-NAME with lo up; sets LAB_NS to its name.
lab_ns_add() {
	LAB_NS="${LAB_PREFIX}-$1"
	ip netns add "$LAB_NS" || { lab_err "ip netns add $LAB_NS failed"; return 1; }
	lab_defer lab_ns_del "$LAB_NS"
	ip -n "$LAB_NS" link set lo up || { lab_err "cannot set lo up in $LAB_NS"; return 1; }
}

# lab_ns_del NS: delete a namespace made here (its veth end goes with it).
lab_ns_del() {
	ip netns del "$1" 2>/dev/null
	lab_defer_drop lab_ns_del "$1"
}

# lab_link NS1 DEV1 ADDR1 NS2 DEV2 ADDR2: a veth pair from DEV1 (ADDR1, with its prefix) in
# NS1 to DEV2 (ADDR2) in NS2, both up. The ends are made directly inside the namespaces, so
# no name is ever taken in the host's.
lab_link() {
	ip link add "$2" netns "$1" type veth peer name "$5" netns "$4" ||
		{ lab_err "cannot make a veth pair between $1 and $4"; return 1; }
	ip -n "$1" addr add "$3" dev "$2" && ip -n "$4" addr add "$6" dev "$5" &&
		ip -n "$1" link set "$2" up && ip -n "$4" link set "$5" up ||
		{ lab_err "cannot configure the veth pair between $1 and $4"; return 1; }
}

# lab_veth CNS SNS: a veth pair from CNS (LAB_CLIENT_ADDR/24) to SNS (LAB_SERVER_ADDR/24).
lab_veth() { lab_link "$1" twc0 "$LAB_CLIENT_ADDR/24" "$2" tws0 "$LAB_SERVER_ADDR/24"; }

# lab_sysctl NS KEY=VALUE...: set sysctls inside namespace NS (never the host's).
lab_sysctl() {
	local ns=$1; shift
	[ -n "$ns" ] || { lab_err "lab_sysctl: no namespace given"; return 1; }
	local kv
	for kv in "$@"; do
		ip netns exec "$ns" sysctl -qw "$kv" >/dev/null 2>&1 ||
			{ lab_err "cannot set $kv in namespace $ns"; return 1; }
	done
}

# lab_cell_up PATH: a fresh cell (lo, veth, nat or proxy); sets LAB_CNS, LAB_SNS, LAB_DST, LAB_PATH
# and LAB_CNSES (every client namespace: one, or K for nat; LAB_CNS is the first).
lab_cell_up() {
	LAB_PATH=$1
	LAB_CELLS=$((LAB_CELLS + 1))
	LAB_CNSES=() LAB_RNS=""
	case $LAB_PATH in
	lo)
		lab_ns_add "c$LAB_CELLS" || return 1
		LAB_CNS=$LAB_NS LAB_SNS=$LAB_NS LAB_DST=127.0.0.1
		;;
	veth)
		lab_ns_add "c$LAB_CELLS" || return 1
		LAB_CNS=$LAB_NS
		lab_ns_add "s$LAB_CELLS" || return 1
		LAB_SNS=$LAB_NS LAB_DST=$LAB_SERVER_ADDR
		lab_veth "$LAB_CNS" "$LAB_SNS" || return 1
		;;
	nat) lab_nat_up; return ;;
	proxy) lab_proxy_up; return ;;
	*) lab_err "invalid path '$LAB_PATH': must be lo, veth, nat or proxy"; return 2 ;;
	esac
	LAB_CNSES=("$LAB_CNS")
}

# lab_cell_sysctl KEY=VALUE...: set sysctls in every client namespace of the current cell.
lab_cell_sysctl() {
	local ns
	for ns in "${LAB_CNSES[@]}"; do lab_sysctl "$ns" "$@" || return 1; done
}

# lab_cell_down: stop the current cell's server and delete its namespaces.
lab_cell_down() {
	[ -n "$LAB_SERVER_PID" ] && lab_stop "$LAB_SERVER_PID"
	LAB_SERVER_PID=""
	local ns
	for ns in "${LAB_CNSES[@]}" "$LAB_CNS" "$LAB_RNS" "$LAB_SNS"; do
		[ -n "$ns" ] && lab_ns_del "$ns"
	done
	LAB_CNS="" LAB_SNS="" LAB_RNS="" LAB_CNSES=()
	return 0
}

# --- CSV, read by column name ------------------------------------------------------
# twtest's CSV (and the scripts' own) starts with a line of column names; a field that holds
# commas (a DSTIP or --port list) is in double quotes. LAB_CSV_AWK is the one reader of such
# files, as awk text that goes in front of a program (awk "$LAB_CSV_AWK"'PROGRAM' FILE...):
# - every line is split, quote-aware, into CSV_F[1..CSV_N] ("" inside quotes is one quote);
# - the first line of each file fills COL[NAME] (its index), CSV_NAME[I] and CSV_COLS (their
#   number), and is not seen by the program (so several files may order their columns
#   differently);
# - csv(NAME) is the current row's field NAME ("" when the file has no such column),
#   has(NAME) whether it has the column, csv_quote(S) S ready to print as a CSV field;
# - CSV_NEED (set with -v, space-separated names): columns the file must have; when one is
#   missing it says so on stderr, sets CSV_BAD and exits 1 (END blocks still run: check it).
# lab_csv_get is the shell's way in for picking columns.
# shellcheck disable=SC2016 # awk text, not shell
LAB_CSV_AWK='
function csv_split(line, f,   n, q, c, i, cur, len) {
	n = 0; q = 0; cur = ""; len = length(line)
	for (i = 1; i <= len; i++) {
		c = substr(line, i, 1)
		if (c == "\"") {
			if (q && substr(line, i + 1, 1) == "\"") { cur = cur c; i++; continue }
			q = !q; continue
		}
		if (c == "," && !q) { f[++n] = cur; cur = ""; continue }
		cur = cur c
	}
	f[++n] = cur
	return n
}
function csv(name) { return (name in COL) ? CSV_F[COL[name]] : "" }
function has(name) { return name in COL }
function csv_quote(s) { if (s ~ /[,"]/) { gsub(/"/, "\"\"", s); return "\"" s "\"" } return s }
function csv_header(   i, n, need) {
	split("", COL); split("", CSV_NAME); CSV_COLS = CSV_N
	for (i = 1; i <= CSV_N; i++) { COL[CSV_F[i]] = i; CSV_NAME[i] = CSV_F[i] }
	n = split(CSV_NEED, need, " ")
	for (i = 1; i <= n; i++)
		if (!(need[i] in COL)) {
			printf "%s: no column %s\n", FILENAME == "" ? "csv" : FILENAME, need[i] > "/dev/stderr"
			CSV_BAD = 1; exit 1
		}
}
{ sub(/\r$/, ""); CSV_N = csv_split($0, CSV_F) }
FNR == 1 { csv_header(); next }
'

# lab_csv_get FILE COLUMNS [KEY=VALUE...]: COLUMNS (a name, or names joined by commas) of
# every row of the CSV FILE (- for stdin) whose fields match each KEY=VALUE, one row a line,
# the columns space-separated. A missing column is an error (status 1, one line on stderr).
lab_csv_get() {
	local file=$1 cols=$2; shift 2
	local need="${cols//,/ }" kv
	for kv in "$@"; do need+=" ${kv%%=*}"; done
	awk -v CSV_NEED="$need" -v cols="$cols" -v where="$*" "$LAB_CSV_AWK"'
	BEGIN { nc = split(cols, want, ","); nw = split(where, w, " ") }
	{
		for (i = 1; i <= nw; i++) { k = w[i]; sub(/=.*/, "", k); v = w[i]; sub(/^[^=]*=/, "", v); if (csv(k) != v) next }
		out = csv(want[1])
		for (i = 2; i <= nc; i++) out = out " " csv(want[i])
		print out
	}' "$file"
}

# --- the nat path --------------------------------------------------------------------
# Settings, read by lab_nat_up: LAB_NAT_CLIENTS (K, default 2), LAB_NAT_PORTS (the
# masquerade's port range LO-HI, default 40000-40099), LAB_NAT_RANDOM_FULLY (1: the
# fully-random flag), LAB_NAT_TW_TIMEOUT (the router's nf_conntrack_tcp_timeout_time_wait in
# seconds; empty: the kernel's, 120).

# lab_nat_up: the nat cell. Namespaces r<cell> (router), s<cell> (server) and c<cell>-1 ..
# c<cell>-K (clients). Address plan, all from 198.18.0.0/15: client i is 198.18.i.2/24 with
# a default route to the router's 198.18.i.1; the router's outside end is
# LAB_NAT_OUTSIDE_ADDR/24 and the server LAB_NAT_SERVER_ADDR/24 beside it. The router
# forwards, and masquerades TCP leaving toward the server to its outside address, ports
# LAB_NAT_PORTS: nftables rules and sysctls inside the router namespace only.
lab_nat_up() {
	local k=${LAB_NAT_CLIENTS:-2} i
	command -v nft >/dev/null || { lab_err "nft not found: the nat path needs nftables (apt-get install nftables)"; return 1; }
	[[ $k =~ ^[1-9][0-9]{0,2}$ ]] && [ "$k" -le 250 ] || { lab_err "invalid nat client count '$k': must be 1-250"; return 2; }
	lab_ns_add "r$LAB_CELLS" || return 1
	LAB_RNS=$LAB_NS
	lab_ns_add "s$LAB_CELLS" || return 1
	LAB_SNS=$LAB_NS LAB_DST=$LAB_NAT_SERVER_ADDR
	lab_link "$LAB_RNS" tro0 "$LAB_NAT_OUTSIDE_ADDR/24" "$LAB_SNS" tws0 "$LAB_NAT_SERVER_ADDR/24" || return 1
	for ((i = 1; i <= k; i++)); do
		lab_ns_add "c$LAB_CELLS-$i" || return 1
		LAB_CNSES+=("$LAB_NS")
		lab_link "$LAB_NS" twc0 "198.18.$i.2/24" "$LAB_RNS" "twr$i" "198.18.$i.1/24" || return 1
		ip -n "$LAB_NS" route add default via "198.18.$i.1" || { lab_err "cannot route $LAB_NS via the router"; return 1; }
	done
	LAB_CNS=${LAB_CNSES[0]}
	lab_sysctl "$LAB_RNS" net.ipv4.ip_forward=1 || return 1
	if [ -n "${LAB_NAT_TW_TIMEOUT:-}" ]; then
		lab_sysctl "$LAB_RNS" "net.netfilter.nf_conntrack_tcp_timeout_time_wait=$LAB_NAT_TW_TIMEOUT" || return 1
	fi
	lab_nat_rules
}

# lab_nat_rules: load the router's masquerade (table ip twtest_nat) into LAB_RNS.
lab_nat_rules() {
	local ports=${LAB_NAT_PORTS:-40000-40099} flags=""
	lab_check_range "$ports" || { lab_err "invalid nat port range '$ports': must be LO-HI within 1-65535"; return 2; }
	[ "${LAB_NAT_RANDOM_FULLY:-0}" = 1 ] && flags=" fully-random"
	ip netns exec "$LAB_RNS" nft -f - <<EOF || { lab_err "nft could not load the masquerade rules in $LAB_RNS"; return 1; }
table ip twtest_nat {
	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		oifname "tro0" meta l4proto tcp masquerade to :$ports$flags
	}
}
EOF
}

# lab_nat_stats PORT: the router's conntrack figures as KEY=VALUE lines, read by `twtest
# ports --nat` inside the router namespace (ctnetlink: no /proc/net/nf_conntrack, which needs
# CONFIG_NF_CONNTRACK_PROCFS): the per-CPU counters summed (clash_resolve, insert_failed,
# drop, early_drop, insert, found, search_restart), entries (the whole table), tw_timeout
# (nf_conntrack_tcp_timeout_time_wait) and time_wait (SNAT entries in TIME_WAIT toward
# LAB_DST:PORT). Read inside the router namespace, so they are its own.
lab_nat_stats() {
	ip netns exec "$LAB_RNS" "$(lab_twtest)" ports --nat --dst "$LAB_DST" --dport "$1" --top 0 --format prom |
		awk '
		/^#/ { next }
		{ v[$1] = $2 }
		index($1, "twtest_nat_entries{") == 1 && index($1, "state=\"time_wait\"") { tw += $2 }
		END {
			split("clash_resolve insert_failed drop early_drop insert found search_restart", k, " ")
			for (i = 1; i <= 7; i++) print k[i] "=" v["twtest_nat_" k[i] "_total"]
			print "entries=" v["twtest_nat_conntrack_entries"]
			print "time_wait=" tw + 0
		}' | sed "/^time_wait=/i tw_timeout=$(ip netns exec "$LAB_RNS" cat /proc/sys/net/netfilter/nf_conntrack_tcp_timeout_time_wait)"
}

# lab_nat_watch_start PORT: sample the router's conntrack (ports --nat, JSON) every 100 ms
# into LAB_TMP/nat.watch until lab_nat_watch_stop; LAB_NAT_T0 is the start, ms since epoch.
lab_nat_watch_start() {
	ip netns exec "$LAB_RNS" "$(lab_twtest)" ports --nat --dst "$LAB_DST" --dport "$1" --top 0 \
		--format json --watch 100 >"$LAB_TMP/nat.watch" 2>&1 &
	LAB_NAT_WATCH=$!
	lab_track $LAB_NAT_WATCH
	LAB_NAT_T0=$(( ${EPOCHREALTIME//[!0-9]/} / 1000 ))
}

# lab_nat_watch_stop: end the sampler; print first_insert_failed_s (seconds from the start
# to the first sample whose insert_failed grew, "none" if it never did) and peak_in_use.
lab_nat_watch_stop() {
	lab_stop "$LAB_NAT_WATCH" INT
	awk -v t0="$LAB_NAT_T0" '
		{ t = f = u = "" }
		match($0, /"time_ms":[0-9]+/) { t = substr($0, RSTART + 10, RLENGTH - 10) }
		match($0, /"insert_failed":[0-9]+/) { f = substr($0, RSTART + 16, RLENGTH - 16) }
		match($0, /"in_use":[0-9]+/) { u = substr($0, RSTART + 9, RLENGTH - 9) }
		t == "" { next }
		n++ == 0 { base = f }
		u + 0 > peak { peak = u + 0 }
		first == "" && f + 0 > base + 0 { first = sprintf("%.1f", (t - t0) / 1000) }
		END { print "first_insert_failed_s=" (first == "" ? "none" : first); print "peak_in_use=" peak + 0 }
	' "$LAB_TMP/nat.watch"
}

# lab_nat_model ARGS...: for a rate run (--rate R --duration S among the client's ARGS),
# the NAT model beside the measurement: with P NAT ports per destination, K clients at R
# new connections a second each and entries held H s (the router's TIME_WAIT timeout) and
# not taken over (live entries on every kernel; closing ones before Linux 6.5), the first
# SYN is dropped at P/(K R) s and P/H a second is sustainable.
lab_nat_model() {
	local rate="" dur="" a prev=""
	for a in "$@"; do
		case $prev in --rate) rate=$a ;; --duration) dur=$a ;; esac
		prev=$a
	done
	[ -n "$rate" ] || return 0
	local ports=${LAB_NAT_PORTS:-40000-40099} k=${#LAB_CNSES[@]} h
	local pool=$(( ${ports#*-} - ${ports%-*} + 1 ))
	h=$(ip netns exec "$LAB_RNS" cat /proc/sys/net/netfilter/nf_conntrack_tcp_timeout_time_wait)
	echo "# nat model: pool $pool, $k x $rate new connections/s for ${dur:-?} s, TIME_WAIT held $h s"
	awk -v p="$pool" -v r="$((k * rate))" -v h="$h" 'BEGIN {
		printf "model_first_drop_s=%.1f\nmodel_sustainable_per_s=%.1f\n", p / r, p / h }'
}

# lab_down ID: remove the namespaces named ID-* and end the processes inside them (they can
# only be ones a lab started there).
lab_down() {
	local id=$1 ns pid n=0
	case $id in twl*|twt*) ;; *) lab_err "invalid LAB_ID '$id': lab ids start with twl or twt"; return 2 ;; esac
	for ns in $(ip netns list | awk '{print $1}' | grep -- "^$id-"); do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -TERM "$pid" 2>/dev/null; done
		ip netns del "$ns" && n=$((n + 1))
	done
	rm -rf "${TMPDIR:-/tmp}/$id".??????
	echo "removed $n namespaces of $id"
}

# --- the proxy path: scripts/lab_proxy.sh ----------------------------------------------
# shellcheck source=scripts/lab_proxy.sh
. "$(dirname "${BASH_SOURCE[0]}")/lab_proxy.sh"

# --- the CLI -------------------------------------------------------------------------

lab_usage() {
	sed -n '/^#   lab.sh/,/^# TWTEST/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

# lab_parse_cell_args ARGS...: --path, --sysctl, --port, --server-arg and the nat settings
# (into LAB_NAT_*) into LAB_ARG_*; the rest (after --) into LAB_ARG_REST.
lab_parse_cell_args() {
	LAB_ARG_PATH=veth LAB_ARG_PORT=4000 LAB_ARG_SYSCTL=() LAB_ARG_SERVER=() LAB_ARG_REST=()
	LAB_ARG_PROXY=haproxy:haproxy-tcp.cfg LAB_ARG_PROXY_SET=()
	while [ $# -gt 0 ]; do
		case $1 in
		--nat-random-fully) LAB_NAT_RANDOM_FULLY=1; shift; continue ;;
		--) shift; LAB_ARG_REST=("$@"); return 0 ;;
		--path|--sysctl|--port|--server-arg|--nat-clients|--nat-ports|--nat-tw-timeout|--proxy|--proxy-set|--proxy-backends|--proxy-sources)
			[ $# -ge 2 ] || { lab_err "$1 needs a value"; return 2; } ;;
		*) lab_err "unexpected argument '$1'"; return 2 ;;
		esac
		lab_parse_cell_arg "$1" "$2" || return
		shift 2
	done
}

# lab_parse_cell_arg OPTION VALUE: one option of lab_parse_cell_args, checked.
lab_parse_cell_arg() {
	local v=$2
	case $1 in
	--path) [[ $v =~ ^(lo|veth|nat|proxy)$ ]] || { lab_err "invalid --path '$v': must be lo, veth, nat or proxy"; return 2; }
		LAB_ARG_PATH=$v ;;
	--sysctl) [[ $v == net.*=* ]] || { lab_err "invalid --sysctl '$v': must be net.KEY=VALUE"; return 2; }
		LAB_ARG_SYSCTL+=("$v") ;;
	--port) [[ $v =~ ^[1-9][0-9]{0,4}$ ]] && [ "$v" -le 65535 ] || { lab_err "invalid --port '$v': must be 1-65535"; return 2; }
		LAB_ARG_PORT=$v ;;
	--server-arg) LAB_ARG_SERVER+=("$v") ;;
	--nat-clients) [[ $v =~ ^[1-9][0-9]{0,2}$ ]] && [ "$v" -le 250 ] || { lab_err "invalid --nat-clients '$v': must be 1-250"; return 2; }
		LAB_NAT_CLIENTS=$v ;;
	--nat-ports) lab_check_range "$v" || { lab_err "invalid --nat-ports '$v': must be LO-HI within 1-65535"; return 2; }
		LAB_NAT_PORTS=$v ;;
	--nat-tw-timeout) [[ $v =~ ^[1-9][0-9]{0,5}$ ]] || { lab_err "invalid --nat-tw-timeout '$v': must be 1-999999 seconds"; return 2; }
		LAB_NAT_TW_TIMEOUT=$v ;;
	--proxy|--proxy-set|--proxy-backends|--proxy-sources) lab_proxy_parse_arg "$1" "$v" ;;
	esac
}

# lab_check_range LO-HI: a port range within 1-65535 with LO <= HI.
lab_check_range() {
	[[ $1 =~ ^([1-9][0-9]{0,4})-([1-9][0-9]{0,4})$ ]] && [ "${BASH_REMATCH[2]}" -le 65535 ] &&
		[ "${BASH_REMATCH[1]}" -le "${BASH_REMATCH[2]}" ]
}

# lab_run_clients ARGS...: `twtest client LAB_DST ARGS` in every client namespace of the
# cell at once; prints their outputs one after another (nat: each after a `# client I of K
# (NS)` line, then `# router` and lab_nat_stats). Returns the first non-zero exit status.
lab_run_clients() {
	local i n=${#LAB_CNSES[@]} rc=0 r
	local -a pids=()
	lab_tmpdir || return 1
	[ "$n" = 1 ] && [ "$LAB_PATH" = nat ] && echo "# client 1 of 1 (${LAB_CNSES[0]})"
	# a rate run through the NAT: the router sampled through the run, for the first drop
	LAB_NAT_WATCH=""
	[ "$LAB_PATH" = nat ] && [[ " $* " == *" --rate "* ]] && lab_nat_watch_start "$LAB_ARG_PORT"
	for ((i = 0; i < n; i++)); do
		# one client streams its records as they come; K are printed one after another
		if [ "$n" = 1 ]; then
			ip netns exec "${LAB_CNSES[i]}" "$(lab_twtest)" client "$LAB_DST" "$@" </dev/null &
		else
			ip netns exec "${LAB_CNSES[i]}" "$(lab_twtest)" client "$LAB_DST" "$@" </dev/null \
				>"$LAB_TMP/client.$i.out" &
		fi
		pids+=($!)
		lab_track $!
	done
	for ((i = 0; i < n; i++)); do
		r=0
		lab_reap "${pids[i]}" || r=$?
		[ $rc -eq 0 ] && rc=$r
		if [ "$n" -gt 1 ]; then
			echo "# client $((i + 1)) of $n (${LAB_CNSES[i]})"
			cat "$LAB_TMP/client.$i.out"
		fi
	done
	if [ "$LAB_PATH" = nat ]; then
		echo "# router ($LAB_RNS)"
		lab_nat_stats "$LAB_ARG_PORT"
		if [ -n "${LAB_NAT_WATCH:-}" ]; then
			lab_nat_model "$@"
			lab_nat_watch_stop
		fi
	fi
	return $rc
}

lab_main() {
	[ $# -gt 0 ] || { lab_err "missing command (up, run, down or list)"; return 2; }
	local cmd=$1; shift
	case $cmd in
	-h|--help) lab_usage; return 0 ;;
	list) ip netns list | awk '{print $1}' | grep '^twl' ; return 0 ;;
	down) [ $# -eq 1 ] || { lab_err "usage: lab.sh down LAB_ID"; return 2; }
		lab_down "$1"; return ;;
	up|run) ;;
	*) lab_err "invalid command '$cmd': must be up, run, down or list"; return 2 ;;
	esac
	lab_parse_cell_args "$@" || return
	[ "$(id -u)" = 0 ] || { lab_err "needs root to make network namespaces"; return 1; }
	if [ "$cmd" = run ] && [ ${#LAB_ARG_REST[@]} -eq 0 ]; then
		lab_err "run needs client arguments after --, e.g. -- 3 1000"; return 2
	fi
	lab_trap
	lab_cell_up "$LAB_ARG_PATH" || return 1
	local cport=$LAB_ARG_PORT
	if [ "$LAB_PATH" = proxy ]; then
		lab_proxy_cli_start || return 1
		cport=$LAB_PROXY_PORT
	else
		lab_cell_sysctl "${LAB_ARG_SYSCTL[@]}" || return 1
		lab_server_start "$LAB_SNS" "$LAB_ARG_PORT" "${LAB_ARG_SERVER[@]}" || { lab_server_err; return 1; }
	fi
	if [ "$cmd" = up ]; then
		# Leave the cell to the user: forget it, so the exit trap keeps it.
		LAB_DEFER=()
		# TWTEST: the binary by its full path, for commands typed in the cell from anywhere
		printf 'LAB_ID=%s\nCLIENT_NS=%s\nSERVER_NS=%s\nDST=%s\nPORT=%s\nTWTEST=%q\n' \
			"$LAB_PREFIX" "$LAB_CNS" "$LAB_SNS" "$LAB_DST" "$LAB_ARG_PORT" \
			"$(realpath -e "$(command -v "$(lab_twtest)")" 2>/dev/null || lab_twtest)"
		[ "$LAB_PATH" = nat ] && printf "CLIENT_NSES='%s'\nROUTER_NS=%s\n" "${LAB_CNSES[*]}" "$LAB_RNS"
		[ "$LAB_PATH" = proxy ] && printf 'PROXY_NS=%s\nPROXY_PORT=%s\n' "$LAB_PNS" "$LAB_PROXY_PORT"
		return 0
	fi
	lab_run_clients "${LAB_ARG_REST[@]}" --port "$cport"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -u
	lab_main "$@"
	exit $?
fi
