#!/usr/bin/env bash
# scripts/sweep.sh: the tcp_tw_reuse study of seed 001 as a reproducible matrix.
#
# Each cell of path x close x tcp_tw_reuse_delay x tcp_tw_reuse x reuseport x linger runs
# `twtest client --format csv` against `twtest server`, by default in fresh network
# namespaces made by scripts/lab.sh (an empty TIME_WAIT table, so no waiting between
# cells; sysctls set inside the client namespace only). Host mode (--host) runs against a
# real server instead: it sets the client's real sysctls, restores them on any exit, and
# waits for TIME_WAIT to drain between cells. Writes results.csv and run.txt into --out
# DIR, then scripts/sweep-report.sh makes results.md and, when gnuplot is installed, the
# plots from results.csv. Run with --help for the options.
set -u -o pipefail
SW_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/lab.sh
. "$SW_HERE/lab.sh"

sw_usage() {
	cat <<'EOF'
usage: scripts/sweep.sh --out DIR [options]
       scripts/sweep.sh --report-only DIR

Runs the matrix path x tcp_tw_reuse x reuseport x linger (x close x tcp_tw_reuse_delay),
each cell in fresh network namespaces, and writes DIR/results.csv (one row per cell and
loop), DIR/results.md (one row per cell) and, with gnuplot, DIR/finished-PATH.png,
DIR/loop-time-PATH.png and DIR/heatmap.png. A progress line per cell goes to stderr.

  --preset NAME          quick (default): 3000 ports (40000-42999), 5 loops of 1000,
                         tcp_tw_reuse_delay 1000 and 1 ms where the kernel has it;
                         seed: the original's scale, 28232 ports (32768-60999),
                         10 loops of 10000, the kernel's reuse delay
  --out DIR              where the results go (made if missing)
  --paths LIST           lo,veth (default both), nat: loopback in one namespace, a veth
                         pair between a client and a server namespace, or K client
                         namespaces behind a masquerading router namespace (docs/nat.md)
  --tw-reuse LIST        net.ipv4.tcp_tw_reuse values (default 0,1,2)
  --tw-reuse-delay LIST  net.ipv4.tcp_tw_reuse_delay values in ms (Linux 6.14+);
                         "kernel" leaves the kernel's value; tw_reuse=0 cells run
                         with the first value only (the delay needs reuse on)
  --reuseport LIST       0,1 (default both)
  --linger LIST          0,1 (default both)
  --close LIST           client,server,shutdown (default client); linger=1 is skipped
                         with shutdown, close=server runs `server --close=first`
  --port-range LO-HI     net.ipv4.ip_local_port_range of the client
  --loops N, --conns N   loops per cell and connections per loop
  --interval MS          pause between loops (default 0); the reuse delay only lets
                         reuse show when loops are spaced by more than it
  --payload BYTES        per connection (default 100)
  --rate LIST            rate cells instead of loops: `twtest client --rate R` for each R
                         (new connections a second, 1-1000000), over the same axes; writes
                         DIR/rate.csv (one row per cell and report interval) and
                         DIR/rate-cells.csv (one row per cell: predicted against measured)
  --duration S           seconds of each rate cell (1-3600; needed with --rate)
  --timestamps 0|1       net.ipv4.tcp_timestamps (default 1)
  --max-tw-buckets N     net.ipv4.tcp_max_tw_buckets (default: the kernel's)
  --rfc1337 0|1          net.ipv4.tcp_rfc1337 (default: the kernel's)
  --twtest PATH          the twtest binary (default ./twtest, else twtest in PATH)

The nat path (each cell gets a fresh router, so its conntrack counters are the cell's own;
the cell's rows are the K clients' loops added up, see docs/nat.md):
  --nat-clients K        client namespaces behind the router (default 2), each running
                         the same client at once; every client sysctl above is set in each
  --nat-ports LO-HI      the masquerade's port range (default 40000-40099)
  --nat-random-fully     the masquerade's fully-random flag (default: the kernel's mapping)
  --nat-tw-timeout S     the router's nf_conntrack_tcp_timeout_time_wait (default: the
                         kernel's, 120 s)

Host mode, for real machines:
  --host DST             run against a server at DST instead of namespaces; the client's
                         real sysctls are set, saved first and restored on any exit, and
                         TIME_WAIT is waited out before each cell (twtest stat --wait-clear)
  --port PORT            the server's port (default 4000)
  --client-prefix CMD    run client-side commands through CMD ("ssh user@client",
                         "ip netns exec NS"); default: on this machine
  --server-prefix CMD    start `twtest server` through CMD for each cell; default: a server
                         is already running at DST:PORT (then only --close client,shutdown)
  --remote-twtest PATH   twtest on the far side of an ssh prefix (default twtest)
  --drain-timeout S      give up waiting for TIME_WAIT to drain after S seconds (default 120)

  --report-only DIR      rewrite DIR/results.md and the plots from DIR/results.csv
                         (the same as scripts/sweep-report.sh DIR)
  -h, --help             this help

Exit status: 0 done, 1 a cell or the setup failed, 2 usage error, 130/143 interrupted.
Environment: GNUPLOT names gnuplot (default gnuplot); LAB_PREFIX the namespace prefix.
EOF
}

# sw_usage_err MSG: the one-line usage error, exit 2.
sw_usage_err() { echo "sweep: $*" >&2; exit 2; }
sw_err() { echo "sweep: $*" >&2; return 1; }
sw_note() { echo "sweep: $*" >&2; }

# sw_check_list NAME VALUE REGEX: each comma-separated item of VALUE must match REGEX.
sw_check_list() {
	local name=$1 value=$2 re=$3 item
	[ -n "$value" ] || sw_usage_err "invalid $name '': must not be empty"
	IFS=, read -ra _items <<<"$value"
	for item in "${_items[@]}"; do
		[[ $item =~ ^($re)$ ]] || sw_usage_err "invalid $name '$value': '$item' is not one of $re"
	done
	[[ $value == *, || $value == ,* || $value == *,,* ]] && sw_usage_err "invalid $name '$value': empty item"
	return 0
}

# sw_check_num NAME VALUE MIN MAX
sw_check_num() {
	[[ $2 =~ ^[0-9]{1,9}$ ]] && [ "$((10#$2))" -ge "$3" ] && [ "$((10#$2))" -le "$4" ] ||
		sw_usage_err "invalid $1 '$2': must be a number from $3 to $4"
}

# --- options -----------------------------------------------------------------------

sw_parse_args() {
	SW_PRESET=quick SW_OUT="" SW_PATHS="" SW_TWR=0,1,2 SW_DELAYS="" SW_RP=0,1 SW_LG=0,1
	SW_CLOSE=client SW_RANGE="" SW_LOOPS="" SW_CONNS="" SW_INTERVAL=0 SW_PAYLOAD=100
	SW_TS=1 SW_MAXTW="" SW_RFC="" SW_HOST="" SW_PORT=4000 SW_CPFX_STR="" SW_SPFX_STR=""
	SW_REMOTE_TWTEST="" SW_DRAIN=120 SW_REPORT_ONLY="" SW_TWTEST="" SW_RATES="" SW_DURATION=""
	SW_NAT_K="" SW_NAT_PORTS="" SW_NAT_RF=0 SW_NAT_TW=""
	local seen=" "
	while [ $# -gt 0 ]; do
		local opt=$1
		case $opt in
		-h|--help) sw_usage; exit 0 ;;
		--nat-random-fully) SW_NAT_RF=1; shift; continue ;;
		--*) ;;
		*) sw_usage_err "unexpected argument '$opt'" ;;
		esac
		[ $# -ge 2 ] || sw_usage_err "option '$opt' needs a value"
		[[ $seen == *" $opt "* ]] && sw_usage_err "option '$opt' given more than once"
		seen+="$opt "
		local v=$2
		case $opt in
		--preset) [[ $v =~ ^(quick|seed)$ ]] || sw_usage_err "invalid --preset '$v': must be quick or seed"
			SW_PRESET=$v ;;
		--out) SW_OUT=$v ;;
		--report-only) SW_REPORT_ONLY=$v ;;
		--paths) sw_check_list --paths "$v" 'lo|veth|nat'; SW_PATHS=$v ;;
		--tw-reuse) sw_check_list --tw-reuse "$v" '0|1|2'; SW_TWR=$v ;;
		--tw-reuse-delay) sw_check_list --tw-reuse-delay "$v" 'kernel|[1-9][0-9]{0,4}'; SW_DELAYS=$v ;;
		--reuseport) sw_check_list --reuseport "$v" '0|1'; SW_RP=$v ;;
		--linger) sw_check_list --linger "$v" '0|1'; SW_LG=$v ;;
		--close) sw_check_list --close "$v" 'client|server|shutdown'; SW_CLOSE=$v ;;
		--port-range)
			[[ $v =~ ^([0-9]{1,5})-([0-9]{1,5})$ ]] && [ "${BASH_REMATCH[1]}" -ge 1 ] &&
				[ "${BASH_REMATCH[2]}" -le 65535 ] && [ "${BASH_REMATCH[1]}" -le "${BASH_REMATCH[2]}" ] ||
				sw_usage_err "invalid --port-range '$v': must be LO-HI within 1-65535"
			SW_RANGE=$v ;;
		--loops) sw_check_num --loops "$v" 1 1000000; SW_LOOPS=$v ;;
		--conns) sw_check_num --conns "$v" 1 10000000; SW_CONNS=$v ;;
		--interval) sw_check_num --interval "$v" 0 3600000; SW_INTERVAL=$v ;;
		--payload) sw_check_num --payload "$v" 1 67108864; SW_PAYLOAD=$v ;;
		--rate) sw_check_list --rate "$v" '[1-9][0-9]{0,6}'
			local r; for r in ${v//,/ }; do sw_check_num --rate "$r" 1 1000000; done
			SW_RATES=$v ;;
		--duration) sw_check_num --duration "$v" 1 3600; SW_DURATION=$v ;;
		--timestamps) sw_check_num --timestamps "$v" 0 1; SW_TS=$v ;;
		--max-tw-buckets) sw_check_num --max-tw-buckets "$v" 0 100000000; SW_MAXTW=$v ;;
		--rfc1337) sw_check_num --rfc1337 "$v" 0 1; SW_RFC=$v ;;
		--twtest) SW_TWTEST=$v ;;
		--host) [[ $v =~ ^[A-Za-z0-9.:_-]+$ ]] || sw_usage_err "invalid --host '$v': must be an address or host name"
			SW_HOST=$v ;;
		--port) sw_check_num --port "$v" 1 65535; SW_PORT=$v ;;
		--client-prefix) SW_CPFX_STR=$v ;;
		--server-prefix) SW_SPFX_STR=$v ;;
		--remote-twtest) SW_REMOTE_TWTEST=$v ;;
		--drain-timeout) sw_check_num --drain-timeout "$v" 1 86400; SW_DRAIN=$v ;;
		--nat-*) sw_parse_nat_arg "$opt" "$v" ;;
		*) sw_usage_err "unknown option '$opt'" ;;
		esac
		shift 2
	done
	[ -n "$SW_REPORT_ONLY" ] && return 0
	[ -n "$SW_OUT" ] || sw_usage_err "missing --out DIR"
	[ -n "$SW_RATES" ] && [ -z "$SW_DURATION" ] && sw_usage_err "--rate needs --duration S"
	[ -z "$SW_RATES" ] && [ -n "$SW_DURATION" ] && sw_usage_err "--duration needs --rate LIST"
	if [ -z "$SW_HOST" ]; then
		[ -n "$SW_CPFX_STR$SW_SPFX_STR" ] && sw_usage_err "--client-prefix and --server-prefix need --host"
		[ -n "$SW_PATHS" ] || SW_PATHS=lo,veth
	else
		[ -n "$SW_PATHS" ] && sw_usage_err "--paths conflicts with --host: the path is the real network"
		SW_PATHS=host
		if [ -z "$SW_SPFX_STR" ] && [[ $SW_CLOSE == *server* ]]; then
			sw_usage_err "--close server needs --server-prefix (the server must close first)"
		fi
	fi
	if [ "$SW_PRESET" = quick ]; then
		: "${SW_RANGE:=40000-42999}" "${SW_LOOPS:=5}" "${SW_CONNS:=1000}"
	else
		: "${SW_RANGE:=32768-60999}" "${SW_LOOPS:=10}" "${SW_CONNS:=10000}"
	fi
	local lo=${SW_RANGE%-*} hi=${SW_RANGE#*-}
	if [ "$SW_PORT" -ge "$lo" ] && [ "$SW_PORT" -le "$hi" ]; then
		sw_usage_err "--port $SW_PORT is inside --port-range $SW_RANGE: client TIME_WAIT could hold it"
	fi
	SW_NPORTS=$((hi - lo + 1))
	sw_check_nat_args
}

# sw_parse_nat_arg OPTION VALUE: one --nat-* option with a value.
sw_parse_nat_arg() {
	case $1 in
	--nat-clients) sw_check_num --nat-clients "$2" 1 250; SW_NAT_K=$2 ;;
	--nat-ports) lab_check_range "$2" || sw_usage_err "invalid --nat-ports '$2': must be LO-HI within 1-65535"
		SW_NAT_PORTS=$2 ;;
	--nat-tw-timeout) sw_check_num --nat-tw-timeout "$2" 1 999999; SW_NAT_TW=$2 ;;
	*) sw_usage_err "unknown option '$1'" ;;
	esac
}

# sw_check_nat_args: the --nat-* options need the nat path; their defaults.
sw_check_nat_args() {
	if [[ ,$SW_PATHS, != *,nat,* ]]; then
		[ -n "$SW_NAT_K$SW_NAT_PORTS$SW_NAT_TW" ] || [ "$SW_NAT_RF" = 1 ] &&
			sw_usage_err "--nat-* options need --paths with nat"
		return 0
	fi
	# a rate run's records are intervals, which sw_nat_merge does not add up
	[ -n "$SW_RATES" ] && sw_usage_err "--rate is not supported on the nat path yet: run lab.sh run --path nat -- --rate R --duration S"
	: "${SW_NAT_K:=2}" "${SW_NAT_PORTS:=40000-40099}"
}

# --- running commands on either side -------------------------------------------------

# sw_argv client|server CMD...: set SW_ARGV to CMD behind that side's prefix. An ssh prefix
# gets the command as one shell-quoted string, so values with spaces survive the remote shell.
sw_argv() {
	local -n _pfx="SW_${1^^}_PFX"
	shift
	if [ "${_pfx[0]:-}" = ssh ]; then
		SW_ARGV=("${_pfx[@]}" "$(printf '%q ' "$@")")
	else
		SW_ARGV=("${_pfx[@]}" "$@")
	fi
}

# sw_side client|server CMD...: run CMD through that side's prefix, in the foreground.
sw_side() {
	local SW_ARGV
	sw_argv "$@"
	"${SW_ARGV[@]}"
}

# sw_sysctl_key NAME: the client's value of net.ipv4.NAME, or nothing if absent.
sw_sysctl_get() { sw_side client sysctl -n "net.ipv4.$1" 2>/dev/null | tr '\t' ' '; }

# sw_cell_sysctls TW_REUSE DELAY: the KEY=VALUE list of one cell.
sw_cell_sysctls() {
	SW_KV=("net.ipv4.tcp_tw_reuse=$1" "net.ipv4.ip_local_port_range=${SW_RANGE%-*} ${SW_RANGE#*-}"
		"net.ipv4.tcp_timestamps=$SW_TS")
	[ "$2" != kernel ] && SW_KV+=("net.ipv4.tcp_tw_reuse_delay=$2")
	[ -n "$SW_MAXTW" ] && SW_KV+=("net.ipv4.tcp_max_tw_buckets=$SW_MAXTW")
	[ -n "$SW_RFC" ] && SW_KV+=("net.ipv4.tcp_rfc1337=$SW_RFC")
	return 0
}

# sw_set_sysctls KEY=VALUE...: set each on the client side.
sw_set_sysctls() {
	local kv
	for kv in "$@"; do
		sw_side client sysctl -qw "$kv" >/dev/null 2>&1 || { sw_err "cannot set $kv on the client side"; return 1; }
	done
}

# Host mode: save every sysctl the sweep may touch, restore them on any exit.
declare -A SW_SAVED=()
sw_save_sysctls() {
	local key val
	lab_defer sw_restore_sysctls
	for key in tcp_tw_reuse ip_local_port_range tcp_timestamps tcp_tw_reuse_delay \
		tcp_max_tw_buckets tcp_rfc1337; do
		val=$(sw_sysctl_get "$key")
		[ -n "$val" ] && SW_SAVED[$key]=$val
	done
	[ -n "${SW_SAVED[tcp_tw_reuse]:-}" ] || { sw_err "cannot read net.ipv4.tcp_tw_reuse on the client side"; return 1; }
}

sw_restore_sysctls() {
	local key
	for key in "${!SW_SAVED[@]}"; do
		if sw_side client sysctl -qw "net.ipv4.$key=${SW_SAVED[$key]}" >/dev/null 2>&1; then
			sw_note "restored net.ipv4.$key=${SW_SAVED[$key]}"
		else
			sw_note "could not restore net.ipv4.$key=${SW_SAVED[$key]}: set it by hand"
		fi
	done
	SW_SAVED=()
}

# sw_tw_left SIDE FILTER: TIME_WAIT sockets on that side matching an ss filter.
sw_tw_left() { sw_side "$1" ss -Htan state time-wait "$2" = ":$SW_PORT" | wc -l; }

# sw_drain: host mode, before a cell: wait until no TIME_WAIT toward the server's port is
# left on the client (and on the server, when it runs through --server-prefix).
sw_drain() {
	local side filter
	for side in client server; do
		[ $side = server ] && [ ${#SW_SERVER_PFX[@]} -eq 0 ] && continue
		filter=dport; [ $side = server ] && filter=sport
		if [ $side = client ] && [ "$SW_HAVE_STAT" = 1 ]; then
			sw_argv client "$SW_RTWTEST" stat --port "$SW_PORT" --wait-clear --timeout "$SW_DRAIN"
			"${SW_ARGV[@]}" >/dev/null 2>&1 </dev/null &
			lab_track $!
			lab_reap $! && continue
			sw_err "TIME_WAIT toward port $SW_PORT did not drain within ${SW_DRAIN}s on the client side"
			return 1
		fi
		local n
		LAB_POLL=1 lab_wait_until $((SW_DRAIN * 1000)) sw_drained $side $filter ||
			{ sw_err "$n TIME_WAIT sockets on port $SW_PORT did not drain within ${SW_DRAIN}s on the $side side"; return 1; }
	done
}

# sw_drained SIDE FILTER: no TIME_WAIT left (or ss could not tell); the count in n.
sw_drained() { ! n=$(sw_tw_left "$1" "$2") || [ "$n" -eq 0 ]; }

# --- one cell ------------------------------------------------------------------------

# sw_cell PATH CLOSE DELAY TW_REUSE REUSEPORT LINGER [RATE]: run it, append to results.csv
# (with RATE: a rate cell, appended to rate.csv and rate-cells.csv).
sw_cell() {
	local path=$1 close=$2 delay=$3 twr=$4 rp=$5 lg=$6 rate=${7:-}
	local raw="$SW_OUT/raw/$path-$close-d$delay-r$twr-p$rp-l$lg${rate:+-R$rate}.csv" dst
	if [ "$path" = host ]; then
		sw_drain || return 1
		dst=$SW_HOST
	else
		LAB_NAT_CLIENTS=$SW_NAT_K LAB_NAT_PORTS=$SW_NAT_PORTS LAB_NAT_RANDOM_FULLY=$SW_NAT_RF \
			LAB_NAT_TW_TIMEOUT=$SW_NAT_TW lab_cell_up "$path" || return 1
		SW_SERVER_PFX=(ip netns exec "$LAB_SNS")
		dst=$LAB_DST
	fi
	sw_cell_sysctls "$twr" "$delay"
	if [ "$path" = host ]; then
		sw_set_sysctls "${SW_KV[@]}" || return 1
	else
		lab_cell_sysctl "${SW_KV[@]}" || return 1
		SW_CLIENT_PFX=(ip netns exec "$LAB_CNS")
	fi
	local sclose=wait
	[ "$close" = server ] && sclose=first
	if [ ${#SW_SERVER_PFX[@]} -gt 0 ]; then
		lab_spawn_server "${SW_SERVER_PFX[@]}" "$SW_RTWTEST" server --bind "$dst" --port "$SW_PORT" \
			--close "$sclose" || { lab_server_err; return 1; }
	fi
	local args=(client "$dst" "$SW_LOOPS" "$SW_CONNS" --port "$SW_PORT" --format csv
		--close "$close" --payload "$SW_PAYLOAD" --interval "$SW_INTERVAL")
	[ -n "$rate" ] && args=(client "$dst" --rate "$rate" --duration "$SW_DURATION" --port "$SW_PORT"
		--format csv --close "$close" --payload "$SW_PAYLOAD")
	[ "$rp" = 1 ] && args+=(--reuseport)
	[ "$lg" = 1 ] && args+=(--linger)
	local rc=0
	if [ "$path" = nat ]; then
		sw_nat_clients "$raw" "${args[@]}" || rc=$?
	else
		# A simple command in the background: $! is the client itself (ip netns exec and
		# ssh exec or forward), so a signal to it reaches the client.
		sw_argv client "$SW_RTWTEST" "${args[@]}"
		"${SW_ARGV[@]}" >"$raw" 2>"$raw.err" </dev/null &
		SW_CLIENT_PID=$!
		lab_track "$SW_CLIENT_PID"
		lab_reap "$SW_CLIENT_PID" || rc=$?
	fi
	[ -n "$LAB_SERVER_PID" ] && lab_stop "$LAB_SERVER_PID"
	LAB_SERVER_PID=""
	SW_EXTRA=",,,,,,,,,"
	[ "$path" = nat ] && sw_nat_extra
	[ "$path" != host ] && lab_cell_down
	if [ $rc -ne 0 ]; then
		sw_err "client failed (exit $rc) in cell $path close=$close delay=$delay tw_reuse=$twr reuseport=$rp linger=$lg: $(head -c 300 "$raw.err")"
		return 1
	fi
	if [ -n "$rate" ]; then
		sw_append_rate "$path,$twr,$delay,$SW_NPORTS,$rp,$lg,$close,$rate" "$raw" || return 1
	else
		sw_append "$path" "$raw" || return 1
	fi
}

SW_RATE_COLUMNS="path,tw_reuse,tw_reuse_delay_ms,ports,reuseport,linger,close,rate,interval,t_s,due,started,finished,failed,inflight,lag_ms_p99,connect_us_p50,connect_us_p99,connect_us_max,time_wait,tw_recycled,eaddrnotavail,failed_by"
SW_RATE_CELL_COLUMNS="path,tw_reuse,tw_reuse_delay_ms,ports,reuseport,linger,close,rate,duration_s,due,finished,failed,first_failed_interval,first_failure_s,predicted_first_failure_s,rate_last_third,predicted_rate,connect_us_p99,lag_ms_p99"

# sw_append_rate CELL RAW: the rate client's CSV (read by column name) as rate.csv rows, one
# per interval, and its summary as a rate-cells.csv row; CELL is the cell's leading columns.
sw_append_rate() {
	awk -v OFS=, -v cell="$1" -v dur="$SW_DURATION" -v rows="$SW_OUT/rate.csv" -v cells="$SW_OUT/rate-cells.csv" "$LAB_CSV_AWK"'
	{
		fb = csv("failed_by"); ena = 0
		m = split(fb, causes, " ")
		for (i = 1; i <= m; i++)
			if (causes[i] ~ /\/EADDRNOTAVAIL=/) { sub(/.*=/, "", causes[i]); ena += causes[i] }
	}
	csv("type") == "interval" {
		print cell, csv("interval"), csv("t_s"), csv("due"), csv("started"), csv("finished"),
		      csv("failed"), csv("inflight"), csv("lag_ms_p99"), csv("connect_us_p50"),
		      csv("connect_us_p99"), csv("connect_us_max"), csv("time_wait"),
		      csv("kernel_TWRecycled"), ena, csv_quote(fb) >>rows
		n++
	}
	csv("type") == "summary" {
		print cell, dur, csv("due"), csv("finished"), csv("failed"), csv("first_failed_interval"),
		      csv("first_failure_s"), csv("predicted_first_failure_s"), csv("rate_last_third"),
		      csv("predicted_rate"), csv("connect_us_p99"), csv("lag_ms_p99") >>cells
		s++
	}
	END { if (n == 0 || s != 1) { print "sweep: the rate client CSV has no interval or summary rows" > "/dev/stderr"; exit 1 } }
	' "$2"
}

# sw_nat_clients RAW CLIENT-ARGS...: run `twtest client DST CLIENT-ARGS` in each of the nat
# cell's client namespaces at once, into RAW.cI; RAW gets their rows added up loop by loop
# (sw_nat_merge) and RAW.err their stderr. Returns the first non-zero exit status.
sw_nat_clients() {
	local raw=$1 i rc=0 r; shift
	local -a pids=() files=()
	for i in "${!LAB_CNSES[@]}"; do
		ip netns exec "${LAB_CNSES[i]}" "$SW_RTWTEST" "$@" >"$raw.c$((i + 1))" 2>"$raw.c$((i + 1)).err" </dev/null &
		pids+=($!)
		files+=("$raw.c$((i + 1))")
		lab_track $!
	done
	for i in "${!pids[@]}"; do
		r=0
		lab_reap "${pids[i]}" || r=$?
		[ $rc -eq 0 ] && rc=$r
	done
	cat "${files[@]/%/.err}" >"$raw.err"
	sw_nat_merge "${files[@]}" >"$raw"
	return $rc
}

# sw_nat_merge CSV...: the clients' CSV rows added up per loop, in the client's own columns:
# counts and kernel counters summed, failed_by keys summed, time_s and the latency
# percentiles and maxima the largest of the clients' (a percentile so taken bounds the
# combined one from above), minima the smallest; conn_per_s is finished / time_s again.
sw_nat_merge() {
	awk -v OFS=, "$LAB_CSV_AWK"'
	!nf { nf = CSV_COLS; for (i = 1; i <= nf; i++) name[i] = CSV_NAME[i] }  # columns of the first file
	{
		k = csv("type") SUBSEP csv("loop")
		if (!(k in seen)) { seen[k] = ++n; order[n] = k; for (i = 1; i <= nf; i++) v[k, i] = csv(name[i]); merge_fb(k); next }
		for (i = 1; i <= nf; i++) {
			c = name[i]; x = csv(c)
			if (c ~ /^(conns|finished|failed|time_wait|wait_clear_s)$/ || c ~ /^kernel_/) v[k, i] += x
			else if (c ~ /(_p50|_p99|_max)$/ || c == "time_s" || c == "wait_clear_left") { if (x != "" && (v[k, i] == "" || x + 0 > v[k, i] + 0)) v[k, i] = x }
			else if (c ~ /_min$/) { if (x != "" && (v[k, i] == "" || x + 0 < v[k, i] + 0)) v[k, i] = x }
		}
		merge_fb(k)
	}
	# merge_fb K: add this row'"'"'s failed_by entries (STAGE/DETAIL=COUNT) to those of row K.
	function merge_fb(k,   j, m, e, kv) {
		m = split(csv("failed_by"), e, " ")
		for (j = 1; j <= m; j++) { split(e[j], kv, "="); if (!((k, kv[1]) in cnt)) keys[k] = keys[k] " " kv[1]; cnt[k, kv[1]] += kv[2] }
	}
	END {
		if (nf == 0) exit
		out = name[1]
		for (i = 2; i <= nf; i++) out = out "," name[i]
		print out
		for (i = 1; i <= nf; i++) at[name[i]] = i
		for (r = 1; r <= n; r++) {
			k = order[r]
			m = split(keys[k], e, " "); fb = ""
			for (j = 1; j <= m; j++) fb = fb (fb == "" ? "" : " ") e[j] "=" cnt[k, e[j]]
			v[k, at["failed_by"]] = fb
			ts = v[k, at["time_s"]]
			v[k, at["conn_per_s"]] = (ts > 0 ? sprintf("%.0f", v[k, at["finished"]] / ts) : 0)
			out = csv_quote(v[k, 1])
			for (i = 2; i <= nf; i++) out = out "," csv_quote(v[k, i])
			print out
		}
	}' "$@"
}

# sw_nat_extra: SW_EXTRA, the nat columns of the cell's rows: its settings and the router's
# conntrack figures (lab_nat_stats) after the clients ended.
sw_nat_extra() {
	local -A ct=()
	local kv
	while IFS= read -r kv; do ct[${kv%%=*}]=${kv#*=}; done < <(lab_nat_stats "$SW_PORT")
	local lo=${SW_NAT_PORTS%-*} hi=${SW_NAT_PORTS#*-}
	SW_EXTRA="$SW_NAT_K,$SW_NAT_PORTS,$((hi - lo + 1)),$SW_NAT_RF,${ct[tw_timeout]:-}"
	SW_EXTRA+=",${ct[insert_failed]:-},${ct[drop]:-},${ct[clash_resolve]:-},${ct[entries]:-},${ct[time_wait]:-}"
}

SW_COLUMNS="path,tw_reuse,tw_reuse_delay_ms,port_range,ports,timestamps,max_tw_buckets,rfc1337,reuseport,linger,close,interval_ms,loop,conns,finished,failed,time_s,conn_per_s,time_wait,tw_recycled,eaddrnotavail,failed_by"
# appended for the nat path and connect latency (every path); the nat columns are the same
# on every row of a cell (the router's figures when the cell ended) and empty off the nat path
SW_COLUMNS+=",connect_us_p50,connect_us_p99,connect_us_max,nat_clients,nat_port_range,nat_ports,nat_random_fully,nat_tw_timeout_s,ct_insert_failed,ct_drop,ct_clash_resolve,ct_entries,ct_time_wait"

# sw_append PATH RAW: the client's CSV loop rows, read by column name, as results.csv rows.
sw_append() {
	awk -v OFS=, -v path="$1" -v rfc="${SW_RFC:-kernel}" -v interval="$SW_INTERVAL" -v extra="$SW_EXTRA" \
		-v CSV_NEED="type loop conns finished failed time_s conn_per_s failed_by reuseport linger close tw_reuse tw_reuse_delay_ms port_range timestamps max_tw_buckets" \
		"$LAB_CSV_AWK"'
	CSV_BAD { exit 1 }
	csv("type") != "loop" { next }
	{
		split(csv("port_range"), pr, "-")
		fb = csv("failed_by"); ena = 0
		m = split(fb, causes, " ")
		for (i = 1; i <= m; i++)
			if (causes[i] ~ /\/EADDRNOTAVAIL=/) { sub(/.*=/, "", causes[i]); ena += causes[i] }
		print path, csv("tw_reuse"), csv("tw_reuse_delay_ms"), csv("port_range"), pr[2] - pr[1] + 1,
		      csv("timestamps"), csv("max_tw_buckets"), rfc, csv("reuseport"), csv("linger"),
		      csv("close"), interval, csv("loop"), csv("conns"), csv("finished"), csv("failed"),
		      csv("time_s"), csv("conn_per_s"), csv("time_wait"), csv("kernel_TWRecycled"), ena, csv_quote(fb),
		      csv("connect_us_p50"), csv("connect_us_p99"), csv("connect_us_max") "," extra
		rows++
	}
	END { if (!CSV_BAD && rows == 0) { print "sweep: client CSV has no loop rows" > "/dev/stderr"; exit 1 } }
	' "$2" >>"$SW_OUT/results.csv"
}

# --- the matrix ----------------------------------------------------------------------

sw_fmt_s() { local s=$1; if [ "$s" -ge 60 ]; then printf '%dm%02ds' $((s / 60)) $((s % 60)); else printf '%ds' "$s"; fi; }

sw_main() {
	sw_parse_args "$@"
	if [ -n "$SW_REPORT_ONLY" ]; then
		[ -f "$SW_REPORT_ONLY/results.csv" ] || sw_usage_err "invalid --report-only '$SW_REPORT_ONLY': no results.csv in it"
		bash "$SW_HERE/sweep-report.sh" "$SW_REPORT_ONLY"
		return
	fi
	SW_TWTEST=${SW_TWTEST:-$(lab_twtest)}
	if [[ $SW_TWTEST == */* ]]; then
		[ -x "$SW_TWTEST" ] || sw_usage_err "invalid --twtest '$SW_TWTEST': not an executable file"
		SW_TWTEST=$(cd "$(dirname "$SW_TWTEST")" && pwd)/$(basename "$SW_TWTEST")
	fi
	read -ra SW_CLIENT_PFX <<<"$SW_CPFX_STR"
	read -ra SW_SERVER_PFX <<<"$SW_SPFX_STR"
	SW_RTWTEST=$SW_TWTEST
	[ "${SW_CLIENT_PFX[0]:-}" = ssh ] && SW_RTWTEST=${SW_REMOTE_TWTEST:-twtest}
	[ -z "$SW_HOST" ] && [ "$(id -u)" != 0 ] && { sw_err "needs root to make network namespaces"; return 1; }
	mkdir -p "$SW_OUT/raw" || { sw_err "cannot make --out '$SW_OUT'"; return 1; }

	if [ -z "$SW_DELAYS" ]; then
		SW_DELAYS=kernel
		[ "$SW_PRESET" = quick ] && [ -e /proc/sys/net/ipv4/tcp_tw_reuse_delay ] && SW_DELAYS=1000,1
	fi
	local -a paths closes delays twrs rps lgs rates=("")
	[ -n "$SW_RATES" ] && IFS=, read -ra rates <<<"$SW_RATES"
	IFS=, read -ra paths <<<"$SW_PATHS"; IFS=, read -ra closes <<<"$SW_CLOSE"
	IFS=, read -ra delays <<<"$SW_DELAYS"; IFS=, read -ra twrs <<<"$SW_TWR"
	IFS=, read -ra rps <<<"$SW_RP"; IFS=, read -ra lgs <<<"$SW_LG"

	if [ "$SW_PATHS" = host ]; then
		SW_HAVE_STAT=0
		sw_side client "$SW_RTWTEST" stat --help >/dev/null 2>&1 </dev/null && SW_HAVE_STAT=1
		lab_trap
		sw_save_sysctls || return 1
	else
		lab_trap
	fi

	local -a cells=()
	local p c d r rp lg R
	for p in "${paths[@]}"; do for c in "${closes[@]}"; do for d in "${delays[@]}"; do
	for r in "${twrs[@]}"; do for rp in "${rps[@]}"; do for lg in "${lgs[@]}"; do for R in "${rates[@]}"; do
		if [ "$lg" = 1 ] && [ "$c" = shutdown ]; then continue; fi # twtest refuses the pair
		# The reuse delay means nothing with reuse off: such cells run with the first delay only.
		if [ "$r" = 0 ] && [ "$d" != "${delays[0]}" ]; then continue; fi
		cells+=("$p $c $d $r $rp $lg $R")
	done; done; done; done; done; done; done
	local n=${#cells[@]}

	{
		echo "preset: $SW_PRESET"
		echo "kernel: $(uname -sr)"
		echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
		if [ -n "$SW_RATES" ]; then
			echo "cells: $n, each $SW_DURATION s at one of the rates $SW_RATES a second, ports $SW_RANGE ($SW_NPORTS)"
		else
			echo "cells: $n, each $SW_LOOPS loops of $SW_CONNS connections, ports $SW_RANGE ($SW_NPORTS), interval ${SW_INTERVAL} ms"
		fi
		echo "command: scripts/sweep.sh $*"
		[ -n "$SW_NAT_K" ] && echo "nat: $SW_NAT_K clients, NAT ports $SW_NAT_PORTS, fully-random $SW_NAT_RF, conntrack TIME_WAIT timeout ${SW_NAT_TW:-kernel}"
		echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) CPUs; timings depend on it)"
	} >"$SW_OUT/run.txt"
	echo "$SW_COLUMNS" >"$SW_OUT/results.csv"
	if [ -n "$SW_RATES" ]; then
		echo "$SW_RATE_COLUMNS" >"$SW_OUT/rate.csv"
		echo "$SW_RATE_CELL_COLUMNS" >"$SW_OUT/rate-cells.csv"
	fi

	# A first guess from a per-connection cost, refined from the cells already run.
	# (0.5 s a cell, 0.3 ms a connection: what a 2-core machine took in the quick preset)
	local guess_ms=$(( n * (500 + SW_LOOPS * SW_INTERVAL + SW_LOOPS * SW_CONNS * 3 / 10) ))
	[ -n "$SW_RATES" ] && guess_ms=$(( n * (1500 + ${SW_DURATION:-0} * 1000) ))
	local drain_note=""
	[ "$SW_PATHS" = host ] && drain_note=", plus up to 60 s of TIME_WAIT drain before each cell"
	local what="$SW_LOOPS loops x $SW_CONNS connections"
	[ -n "$SW_RATES" ] && what="$SW_DURATION s at $SW_RATES connections/s"
	sw_note "$n cells of $what, ports $SW_RANGE; estimated total $(sw_fmt_s $((guess_ms / 1000 + 1)))$drain_note"

	local i=0 t0=$SECONDS cell
	for cell in "${cells[@]}"; do
		i=$((i + 1))
		R=""
		read -r p c d r rp lg R <<<"$cell"
		local ct0=$EPOCHREALTIME
		sw_cell "$p" "$c" "$d" "$r" "$rp" "$lg" "$R" || return 1
		local line
		if [ -n "$R" ]; then
			line=$({ head -1 "$SW_OUT/rate-cells.csv"; tail -n 1 "$SW_OUT/rate-cells.csv"; } | awk "$LAB_CSV_AWK"'
				function s(v) { return v == "" ? "none" : v " s" }
				{ printf "rate %s: finished %d/%d, first failure %s (predicted %s)", csv("rate"),
				  csv("finished"), csv("due"), s(csv("first_failure_s")), s(csv("predicted_first_failure_s")) }')
		else
			line=$({ head -1 "$SW_OUT/results.csv"; tail -n "$SW_LOOPS" "$SW_OUT/results.csv"; } | awk "$LAB_CSV_AWK"'
				{ fin += csv("finished"); tot += csv("conns")
				  if (csv("failed") > 0 && first == "") first = csv("loop") }
				END { printf "finished %d/%d, first failing loop %s", fin, tot, (first == "" ? "none" : first) }')
		fi
		local el=$((SECONDS - t0)) left
		left=$(( el * (n - i) / i ))
		sw_note "[$i/$n] path=$p tw_reuse=$r delay=$d reuseport=$rp linger=$lg close=$c: $line ($(awk -v a="$ct0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') s; elapsed $(sw_fmt_s $el), about $(sw_fmt_s $left) left)"
	done
	echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg); sweep took $(sw_fmt_s $((SECONDS - t0)))" >>"$SW_OUT/run.txt"
	bash "$SW_HERE/sweep-report.sh" "$SW_OUT"
}

sw_main "$@"
exit $?
