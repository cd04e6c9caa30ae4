#!/usr/bin/env bash
# scripts/proxies.sh: the proxy in the middle (issues 21, 28). Each row is a real nginx, haproxy or Apache
# configuration (a template of scripts/proxy/) run in the proxy namespace of scripts/lab.sh's
# proxy path (client -> proxy -> backend namespaces), loaded by `twtest client` from the client
# namespace toward `twtest server` backends, with `twtest ports` sampled inside the proxy
# namespace during the run and the proxy's own error-log lines counted. The proxy namespace
# has P ephemeral ports (--ports, default 200): it is where ports run out, toward the backends.
# Every row's prediction is computed from P (and R, the steady rate, and the loop sizes), the
# measurement is read from the client's CSV, the namespaces' socket tables and the proxy's
# log, and the verdict compares the two. It prints a markdown table; --csv writes every number
# as "row,case,metric,value". scripts/lab_table.sh runs the table; tests/integration/proxies.sh
# calls the row functions. The rows live in scripts/proxies_haproxy.sh, scripts/proxies_nginx.sh
# and scripts/proxies_apache.sh; the rate rows, one shape for nginx and haproxy, here.
set -u -o pipefail
PX_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/lab.sh
. "$PX_HERE/lab.sh"
# shellcheck source=scripts/lab_table.sh
. "$PX_HERE/lab_table.sh"

# --- the rows -------------------------------------------------------------------------------
# id | row function [arguments] | proxy | config template | claim, in the manner of the kernel
# selftests' net/pmtu.sh (and scripts/remedies.sh). A row function runs the configuration,
# fills PX[] with what it measured (PX[CASE.p]: the proxy namespace's P as the kernel there
# reports it), writes those numbers to --csv (px_metrics), then gives the prediction (from P,
# R and the loop sizes), the measurement in words and the verdict through scripts/lab_table.sh's
# lt_predict, lt_result, lt_figure and lt_verdict (or lt_holds), whose status it returns: 0
# when the claim holds as predicted. Rows of one shape share a function (t2, n7: px_row_rate). A new
# row is a function and a line here.
LT_TABLE_TEXT=$(cat <<'ROWS'
t1 | px_row_t1         | haproxy | scripts/proxy/haproxy-tcp.cfg         | mode tcp: one backend connection per client connection, so the proxy's pool toward the backend runs out after P connections (loops)
t2 | px_row_rate haproxy | haproxy | scripts/proxy/haproxy-tcp.cfg       | mode tcp at a steady rate R above P/60 s: the first client failure comes after P/R seconds
t3 | px_row_t3         | haproxy | scripts/proxy/haproxy-tcp-servers.cfg | `source` addresses: one pool per (source, backend); several `server` lines with their own `source` multiply the ports, one source toward two backends keeps a pool per backend
t4 | px_row_t4         | haproxy | scripts/proxy/haproxy-tcp.cfg         | tcp_tw_reuse=1 in the proxy namespace lets the proxy reuse its TIME_WAIT ports toward the backend (timestamps on)
t5 | px_row_t5         | haproxy | scripts/proxy/haproxy-tcp.cfg         | the backend closing first moves TIME_WAIT off the proxy's backend leg: no exhaustion
n1 | px_row_n1         | nginx   | scripts/proxy/nginx-proxy.conf        | `proxy_pass` to an upstream without `keepalive` (nginx's defaults: HTTP/1.0, Connection: close): one backend connection per request, the pool runs out at P, clients get 502
n2 | px_row_n2         | nginx   | scripts/proxy/nginx-proxy.conf        | `proxy_http_version 1.1` and an empty Connection header without `keepalive`: still one connection per request, closed by nginx: out at P
n3 | px_row_n3         | nginx   | scripts/proxy/nginx-proxy.conf        | `upstream { keepalive K; }` with HTTP/1.1 and an empty Connection header: long connections, no exhaustion, (almost) no TIME_WAIT
n4 | px_row_n4         | nginx   | scripts/proxy/nginx-proxy.conf        | a bare `proxy_pass http://IP:port` (no upstream block) behaves as an upstream without keepalive
n5 | px_row_n5         | nginx   | scripts/proxy/nginx-proxy.conf        | `proxy_bind` to one source address: one pool per backend, or one shared (the bind-before-connect trap)?
n6 | px_row_n6         | nginx   | scripts/proxy/nginx-proxy.conf        | two backends: each its own pool
n7 | px_row_rate nginx | nginx   | scripts/proxy/nginx-proxy.conf        | n2's configuration at a steady rate R above P/60 s: the first 502 comes after P/R seconds
n8 | px_row_n8         | nginx   | scripts/proxy/nginx-proxy.conf        | n2's configuration with tcp_tw_reuse=1 in the proxy namespace: the proxy reuses its TIME_WAIT ports, no 502 below P per reuse delay
h1 | px_row_h1         | haproxy | scripts/proxy/haproxy-http.cfg        | mode http, the default `http-reuse safe` against `http-reuse never`: does reuse spare the proxy's ports?
h2 | px_row_h2         | haproxy | scripts/proxy/haproxy-http.cfg        | mode http, `option http-server-close` against `option httpclose`: who holds TIME_WAIT on each leg
a1 | px_row_a1         | apache  | scripts/proxy/apache-proxy.conf       | Apache as the "How to close a socket?" bench set it up (RewriteRule [P]: the default worker, Connection: close to the backend) before a backend that never closes first: one backend connection per request, closed by Apache: out at P, clients get 503
a2 | px_row_a2         | apache  | scripts/proxy/apache-proxy.conf       | that bench's Apache before a backend that closes at once (`twtest server`'s default): who closes first is a race the backend mostly wins
a3 | px_row_a3         | apache  | scripts/proxy/apache-proxy.conf       | `ProxyPass` (a worker of its own, connection reuse on by default): long backend connections, no exhaustion, no TIME_WAIT on the proxy
a4 | px_row_a4         | apache  | scripts/proxy/apache-proxy.conf       | `ProxyPass ... disablereuse=On`: one connection per request again, out at P as a1
a5 | px_row_a5         | apache  | scripts/proxy/apache-proxy.conf       | `ProxyPass ... max=K`: at most K backend connections (per child), the other requests wait for one; `ttl=T`: Apache closes connections idle longer than T itself, so the proxy holds their TIME_WAIT
a6 | px_row_a6         | apache  | scripts/proxy/apache-proxy.conf       | `ProxyPass ... keepalive=On` is TCP keep-alive (SO_KEEPALIVE probes), not HTTP keep-alive: the same connections as a3, with a keepalive timer
ROWS
)
LT_NAME=proxies
LT_COLUMNS=(proxy config claim)
LT_MARKDOWN=("row=id" "proxy=proxy" "claim=claim" "config=\`config" "prediction=prediction" "measured=result" "verdict=verdict")
LT_OPTIONS="--ports --rate --capture"
LT_HOOK_OPTION=px_option LT_HOOK_USAGE=px_usage LT_HOOK_START=px_start LT_HOOK_HEADING=px_heading

px_usage() {
	cat <<'EOF'
usage: scripts/proxies.sh [options]

Measures every row of docs/proxies.md: nginx, haproxy and Apache in a proxy namespace with P
ephemeral ports, loaded by `twtest client` through to `twtest server` backends, and prints
the table with the prediction, the measurement and the verdict of each row.

  --rows LIST     rows to run, comma-separated ids (default all; --list shows them)
  --ports P       ephemeral ports of the proxy namespace (50-5000, default 200)
  --rate R        the steady rate of the rate rows, new connections a second
                  (default 2 x P: the first failure after half a second)
  --out FILE      write the full table (claim, config, prediction, measurement,
                  verdict in words), markdown, to FILE; stdout gets a table that fits
                  a terminal: each row's verdict and the figure that decided it
  --csv FILE      write every number as "row,case,metric,value" to FILE (first line: that
                  header; per row also "ID,verdict,class,...", "ID,verdict,text,...",
                  "ID,result,text,..." and "ID,prediction,text,..."; a field with a comma
                  or a quote is quoted)
  --capture FILE  write the proxy namespace's `twtest ports` (text) once the pool ran
                  out, and the proxy's log line, of rows t1 and n2 to FILE
  --twtest PATH   the twtest binary (default ./twtest beside scripts/, else twtest)
  --list          the rows (id, row function, its arguments, claim) and exit
  -h, --help      this help

Needs root (network namespaces), nginx, haproxy and apache2. Exit status: 0 done, 1 a case could not
run, 2 usage.
EOF
}

PX_P=200               # ports of the proxy namespace: 40000 .. 40000+P-1
PX_RATE=""             # the steady rate (empty: 2 x P)
PX_CAPTURE=""
PX_BPORT=8080          # the backends' port (outside every range used here)
PX_N=0                 # client runs so far (names their output files)
declare -A PX=()       # what the current row measured
PX_PROTO=echo
# the exact lines each proxy logs when connect() toward a backend fails for want of a port
PX_LOG_NGINX='\(99: Cannot assign requested address\) while connecting to upstream'
PX_LOG_HAPROXY='Connect\(\) failed for backend [^:]*: no free ports\.'
PX_LOG_APACHE='\(99\)Cannot assign requested address: AH00957: http: attempt to connect to [0-9.:]+ \([0-9.:]+\) failed'

px_die() { echo "proxies: $*" >&2; exit 1; }
px_note() { echo "proxies: $*" >&2; }

# px_metrics: the row's numbers, PX[CASE.METRIC], to --csv as "ROW,CASE,METRIC,VALUE".
px_metrics() {
	local k
	for k in $(printf '%s\n' "${!PX[@]}" | grep -F . | sort); do lt_metric "${k%%.*}" "${k#*.}" "${PX[$k]}"; done
}

# px_said KIND CASE PREDICTION: the row's prediction, and CASE's measurement and figure in the
# words of px_KIND_meas and px_KIND_fig (KIND: nginx or apache).
px_said() {
	lt_predict "$3"
	lt_result "$("px_$1_meas" "$2")"
	lt_figure "$("px_$1_fig" "$2")"
}

# px_range: the proxy namespace's ip_local_port_range for P ports.
px_range() { echo "40000 $((40000 + PX_P - 1))"; }

# px_rate: the steady rate R of the rate rows.
px_rate() { echo "${PX_RATE:-$((2 * PX_P))}"; }

# px_ns_ports: the ports connect() can draw in the proxy namespace, as the kernel there says:
# its ip_local_port_range less its ip_local_reserved_ports inside it. Every prediction uses
# this P, not the --ports asked for.
px_ns_ports() {
	# shellcheck disable=SC2016 # the program is awk's
	ip netns exec "$LAB_PNS" awk '
		FILENAME ~ /range$/ { lo = $1; hi = $2; next }
		{ n = split($0, r, ","); for (i = 1; i <= n; i++) { if (r[i] == "") continue
			split(r[i], b, "-"); if (b[2] == "") b[2] = b[1]
			for (q = b[1]; q <= b[2]; q++) if (q >= lo && q <= hi) res++ } }
		END { if (hi == "") exit 1; print hi - lo + 1 - res }' \
		/proc/sys/net/ipv4/ip_local_port_range /proc/sys/net/ipv4/ip_local_reserved_ports
}

# px_log_re: the running proxy's log line saying connect() toward a backend found no port.
px_log_re() {
	case $LAB_PROXY_KIND in
	nginx) echo "$PX_LOG_NGINX" ;;
	apache) echo "$PX_LOG_APACHE" ;;
	*) echo "$PX_LOG_HAPROXY" ;;
	esac
}

# px_has_sysctl KEY: does the proxy namespace have this sysctl (this kernel's, not the host's)?
px_has_sysctl() { ip netns exec "$LAB_PNS" test -e "/proc/sys/${1//.//}"; }

# --- one cell: client, proxy, backends ------------------------------------------------------
# Settings read by px_up (each case sets what it needs, px_reset clears them):
# PX_BACKENDS (backend addresses, default 1), PX_SOURCES (proxy source addresses, default 0),
# PX_SYSCTL (sysctls of the proxy namespace beyond the port range), PX_SERVER (arguments of
# the backends' `twtest server`), PX_PROTO (echo, or http: the backends answer HTTP).

# px_reset: forget the last row's settings and numbers.
px_reset() {
	PX=() PX_SYSCTL=() PX_SERVER=() PX_BACKENDS=1 PX_SOURCES=0 PX_PROTO=echo
	LT_PRED="" LT_RESULT="" LT_VERDICT="" LT_FIGURE=""
}

# px_up PROXY TEMPLATE [KEY=VALUE...]: a fresh proxy cell: the proxy namespace gets P ports
# and PX_SYSCTL, the backends listen on PX_BPORT, and the proxy starts from TEMPLATE with
# BACKEND1.. (each backend's address:port), SOURCE1.. (the source addresses) and KEY=VALUE.
px_up() {
	local kind=$1 tpl=$2 i kv=(); shift 2
	LAB_PROXY_BACKENDS=$PX_BACKENDS LAB_PROXY_SOURCES=$PX_SOURCES
	lab_cell_up proxy || px_die "cannot make a proxy cell"
	lab_sysctl "$LAB_PNS" net.ipv4.ip_local_port_range="$(px_range)" "${PX_SYSCTL[@]}" ||
		px_die "cannot set the proxy namespace's sysctls"
	PX[p]=$(px_ns_ports) || px_die "cannot read the proxy namespace's port range"
	for i in "${!LAB_PROXY_BACKEND_ADDRS[@]}"; do kv+=("BACKEND$((i + 1))=${LAB_PROXY_BACKEND_ADDRS[i]}:$PX_BPORT"); done
	for i in "${!LAB_PROXY_SOURCE_ADDRS[@]}"; do kv+=("SOURCE$((i + 1))=${LAB_PROXY_SOURCE_ADDRS[i]}"); done
	local proto=()
	[ "$PX_PROTO" = http ] && proto=(--protocol http)
	lab_proxy_backend_start "$PX_BPORT" "${proto[@]}" "${PX_SERVER[@]}" || { lab_server_err; exit 1; }
	# the case's values first: they may name @BACKEND1@, @SOURCE1@ ...
	lab_proxy_start "$kind" "$tpl" "$@" "${kv[@]}" || exit 1
	lab_proxy_watch_start "$LAB_TMP/ports.$LAB_CELLS.json"
}

# px_client ARGS...: `twtest client LAB_DST ARGS --port LAB_PROXY_PORT --format csv` in the
# client namespace; PX_LAST names its output. A client that cannot run stops the script.
px_client() {
	PX_N=$((PX_N + 1))
	PX_LAST="$LAB_TMP/client.$PX_N.csv"
	ip netns exec "$LAB_CNS" "$(lab_twtest)" client "$LAB_DST" "$@" --port "$LAB_PROXY_PORT" \
		--format csv >"$PX_LAST" 2>"$PX_LAST.err" </dev/null ||
		px_die "client $* failed: $(head -c 300 "$PX_LAST.err")"
}

# px_get COLUMN [LOOP]: a column of the last client run: the summary row, or loop LOOP's row
# (lab.sh's CSV reader: by name, quote-aware).
px_get() {
	if [ $# -gt 1 ]; then lab_csv_get "$PX_LAST" "$1" type=loop loop="$2"
	else lab_csv_get "$PX_LAST" "$1" type=summary; fi
}

# px_netstat NS COUNTER: a TcpExt counter of namespace NS (/proc/net/netstat there).
px_netstat() {
	# shellcheck disable=SC2016 # the program is awk's
	ip netns exec "$1" awk -v want="$2" '
		$1 == "TcpExt:" && !h { for (i = 2; i <= NF; i++) n[i] = $i; h = 1; next }
		$1 == "TcpExt:" { for (i = 2; i <= NF; i++) if (n[i] == want) print $i }' /proc/net/netstat
}

# px_observe: the cell's numbers into PX[]: TIME_WAIT on each side of each leg (client leg:
# client and proxy front; backend leg: proxy toward the backends, backends), the proxy's
# connections to the backends still open, the proxy's
# log lines saying it ran out of ports, the peak of `twtest ports` inside the proxy
# namespace toward the backends, and the proxy namespace's TWRecycled.
px_observe() {
	local re; re=$(px_log_re)
	lab_proxy_watch_stop
	PX[tw_client]=$(lab_proxy_tw "$LAB_CNS" "dport = :$LAB_PROXY_PORT")
	PX[tw_proxy_front]=$(lab_proxy_tw "$LAB_PNS" "sport = :$LAB_PROXY_PORT")
	PX[tw_proxy_back]=$(lab_proxy_tw "$LAB_PNS" "dport = :$PX_BPORT")
	PX[tw_backend]=$(lab_proxy_tw "$LAB_SNS" "sport = :$PX_BPORT")
	PX[estab_proxy_back]=$(ip netns exec "$LAB_PNS" ss -Htan state established "( dport = :$PX_BPORT )" | wc -l)
	PX[log_no_port]=$(lab_proxy_log_count "$re")
	read -r 'PX[ports_peak]' 'PX[ports_groups]' < <(lab_proxy_watch_peak "$LAB_TMP/ports.$LAB_CELLS.json")
	PX[tw_recycled]=$(px_netstat "$LAB_PNS" TWRecycled)
	PX[proxy_rsts]=$(px_snmp "$LAB_PNS" Tcp OutRsts)
	[ "$LAB_PROXY_KIND" = nginx ] && PX[log_no_live]=$(lab_proxy_log_count 'no live upstreams while connecting to upstream')
	# Apache puts a worker that failed to connect in error for its retry time (60 s)
	[ "$LAB_PROXY_KIND" = apache ] && PX[log_disabled]=$(lab_proxy_log_count 'AH00959: ap_proxy_connect_backend disabling worker')
	return 0
}

# px_keep CASE: copy the cell's measured numbers into PX[CASE.*] (several cases per row).
px_keep() {
	local k
	for k in "${!PX[@]}"; do
		[[ $k == *.* ]] || PX[$1.$k]=${PX[$k]}
	done
}

# px_tcp_loops CASE LOOPS N [CLIENT-ARGS...]: LOOPS loops of N echo connections through the
# current cell; PX[CASE.*]: finished, failed, failed_by, per-loop finished (loops), and px_observe.
px_tcp_loops() {
	local c=$1 loops=$2 n=$3 i per=""; shift 3
	px_client "$loops" "$n" "$@"
	PX[nloops]=$loops PX[n]=$n
	PX[finished]=$(px_get finished) PX[failed]=$(px_get failed) PX[failed_by]=$(px_get failed_by)
	for ((i = 0; i < loops; i++)); do per+="${per:+/}$(px_get finished "$i")"; done
	PX[loops]=$per
	sleep 0.3 # the last FINs and their TIME_WAIT, before counting
	px_observe
	px_keep "$c"
}

# px_snmp NS GROUP COUNTER: a counter of /proc/net/snmp in namespace NS (Tcp ActiveOpens:
# the connections the proxy opened, all of them toward the backends).
px_snmp() {
	# shellcheck disable=SC2016 # the program is awk's
	ip netns exec "$1" awk -v g="$2:" -v want="$3" '
		$1 == g && !h { for (i = 2; i <= NF; i++) n[i] = $i; h = 1; next }
		$1 == g { for (i = 2; i <= NF; i++) if (n[i] == want) print $i }' /proc/net/snmp
}

# px_http_loops CASE LOOPS N [CLIENT-ARGS...]: LOOPS loops of N HTTP requests, one connection
# each, through the current cell (`twtest client --protocol http`); PX[CASE.*]: ok (2xx), s502 and s503
# (502 and 503 responses), failed (every failure), per-loop ok (loops), backend_conns (connections the
# proxy opened), and px_observe.
px_http_loops() {
	local c=$1 loops=$2 n=$3 i per=""; shift 3
	px_client "$loops" "$n" --protocol http "$@"
	PX[ok]=$(px_get finished) PX[failed]=$(px_get failed)
	PX[s502]=$(px_get failed_by | grep -o 'status/502=[0-9]*' | cut -d= -f2)
	PX[s502]=${PX[s502]:-0}
	PX[s503]=$(px_get failed_by | grep -o 'status/503=[0-9]*' | cut -d= -f2)
	PX[s503]=${PX[s503]:-0}
	for ((i = 0; i < loops; i++)); do per+="${per:+/}$(px_get finished "$i")"; done
	PX[loops]=$per PX[nloops]=$loops PX[n]=$n
	PX[backend_conns]=$(px_snmp "$LAB_PNS" Tcp ActiveOpens)
	sleep 0.3 # the last FINs and their TIME_WAIT, before counting
	px_observe
	px_keep "$c"
}

# px_loops_pred P N L: what L loops of N connections finish, loop by loop ("a/b/c"), when
# each takes a port for 60 s and P are free: loop i gets min(N, max(0, P - i N)).
px_loops_pred() {
	awk -v p="$1" -v n="$2" -v l="$3" 'BEGIN {
		for (i = 0; i < l; i++) { f = p - i * n; if (f < 0) f = 0; if (f > n) f = n
			printf "%s%d", (i ? "/" : ""), f }
		print "" }'
}

# px_sum_pred P N L: their total, min(P, L N).
px_sum_pred() { echo $(( $1 < $2 * $3 ? $1 : $2 * $3 )); }

# px_pred CASE: CASE's loops against its P: sets the caller's P, n and l (CASE's P, loop size
# and loops), want (px_loops_pred) and tot (px_sum_pred).
px_pred() {
	P=${PX[$1.p]} n=${PX[$1.n]} l=${PX[$1.nloops]}
	want=$(px_loops_pred "$P" "$n" "$l") tot=$(px_sum_pred "$P" "$n" "$l")
}

# px_pools CASE: px_pred for the rows that ask whether a second pool forms (t3, n5); also sets
# the caller's one (what one pool of P finishes: tot) and two (what two pools finish).
px_pools() {
	px_pred "$1"
	one=$tot two=$(px_sum_pred $((2 * P)) "$n" "$l")
}

# --- what rows of both proxies share ---------------------------------------------------

# px_capture WHAT: with --capture, append the proxy namespace's `twtest ports` (text) and the
# proxy's first log line saying it found no port, with their count, to the capture file.
px_capture() {
	[ -n "$PX_CAPTURE" ] || return 0
	local re; re=$(px_log_re)
	{
		echo "# $1, P=$PX_P: twtest ports inside the proxy namespace, after the loops"
		ip netns exec "$LAB_PNS" "$(lab_twtest)" ports
		echo "# $LAB_PROXY_KIND's log: the first line saying it found no port ($(lab_proxy_log_count "$re") such lines)"
		grep -m1 -E "$re" "$LAB_PROXY_LOG"
	} >>"$PX_CAPTURE"
}

# px_row_rate haproxy|nginx: R new connections a second for 2 P/R seconds (rounded up), echo
# through haproxy mode tcp (t2) or HTTP requests through n2's nginx configuration (n7).
px_row_rate() {
	local kind=$1 c=$LT_ROW r proto=()
	px_reset
	r=$(px_rate)
	PX[$c.rate]=$r PX[$c.duration]=$(((2 * PX_P + r - 1) / r))
	if [ "$kind" = nginx ]; then
		PX_PROTO=http proto=(--protocol http)
		px_up nginx nginx-proxy.conf 'UPSTREAM=server @BACKEND1@;' "LOCATION=$PX_NGINX_HTTP11" 'PASS=http://back'
	else
		px_up haproxy haproxy-tcp.cfg
	fi
	px_client --rate "$r" --duration "${PX[$c.duration]}" --report-interval 100 "${proto[@]}"
	PX[$c.finished]=$(px_get finished) PX[$c.failed]=$(px_get failed)
	PX[$c.first_failure_s]=$(px_get first_failure_s) PX[$c.lag_ms_max]=$(px_get lag_ms_max)
	PX[$c.failed_by]=$(px_get failed_by)
	px_observe
	px_keep "$c"
	lab_proxy_down
	px_metrics
	px_judge_rate "$kind" "${PX[$c.p]}" "$r" "${PX[$c.duration]}" "${PX[$c.finished]}" "${PX[$c.failed]}" \
		"${PX[$c.failed_by]}" "${PX[$c.first_failure_s]}" "${PX[$c.lag_ms_max]}" "${PX[$c.log_no_port]}"
}

# px_judge_rate KIND P R DURATION FINISHED FAILED FAILED_BY FIRST LAG_MS LOG_LINES: P
# connections (requests) finish, the first failure (502) comes at P/R s, when connection P+1
# is due: within one report interval (0.1 s) before, or 0.3 s after. The window does not
# widen by the client's own start lag (LAG_MS, its lag_ms_max): a client that starts its
# connections late is the defect this row must catch, not a reason to wait for it.
px_judge_rate() {
	local kind=$1 P=$2 r=$3 dur=$4 fin=$5 failed=$6 by=$7 first=$8 lag=$9 log=${10} want fail=failure log_text
	log_text="haproxy logged \"no free ports\" $log times"
	[ "$kind" = nginx ] && fail=502 log_text="nginx logged the 99 line $log times"
	want=$(awk -v p="$P" -v r="$r" 'BEGIN { printf "%.2f", p / r }')
	lt_predict "P/R = $P/$r = $want s to the first $fail; $P finish"
	lt_result "R=$r/s for $dur s: $fin finished, $failed failed (${by:--}), first failure at ${first:-never} s, start lag up to ${lag:-?} ms; $log_text"
	lt_figure "first $fail at ${first:-never} s (P/R = $want s), $fin of P=$P finished"
	[ "$fin" = "$P" ] && [ -n "$first" ] &&
		awk -v f="$first" -v w="$want" 'BEGIN { exit !(f >= w - 0.1 && f <= w + 0.3) }'
	lt_holds $(($? == 0))
}

# shellcheck source=scripts/proxies_haproxy.sh
. "$PX_HERE/proxies_haproxy.sh"
# shellcheck source=scripts/proxies_nginx.sh
. "$PX_HERE/proxies_nginx.sh"
# shellcheck source=scripts/proxies_apache.sh
. "$PX_HERE/proxies_apache.sh"

# --- main -------------------------------------------------------------------------------------

# px_option OPTION VALUE: proxies.sh's own options (--ports, --rate, --capture).
px_option() {
	case $1 in
	--ports) [[ $2 =~ ^[1-9][0-9]{1,3}$ ]] && [ "$2" -ge 50 ] && [ "$2" -le 5000 ] ||
			lt_usage_error "invalid --ports '$2': must be 50-5000"
		PX_P=$2 ;;
	--rate) [[ $2 =~ ^[1-9][0-9]{0,5}$ ]] || lt_usage_error "invalid --rate '$2': must be 1-999999"
		PX_RATE=$2 ;;
	--capture) PX_CAPTURE=$2 ;;
	esac
}

# px_start: the HTTP rows need client --protocol; --capture starts empty.
px_start() {
	local help; help=$("$(lab_twtest)" client --help 2>&1)
	[[ $help == *--protocol* ]] || px_die "this twtest has no --protocol http (the HTTP rows need it)"
	[ -z "$PX_CAPTURE" ] || : >"$PX_CAPTURE"
}

# px_heading: what ran, for the table's heading.
px_heading() {
	local n h a
	n=$(nginx -v 2>&1 | sed 's/^nginx version: //')
	h=$(haproxy -v 2>/dev/null | head -1 | awk '{print $3}')
	a=$(apache2 -v 2>/dev/null | sed -n 's/^Server version: //p')
	echo "Measured on Linux $(uname -r), ${n:-no nginx}, haproxy ${h:-missing}, ${a:-no Apache}, $("$(lab_twtest)" --version 2>/dev/null | head -1), P=$PX_P ports in the proxy namespace, $(date -u +%Y-%m-%d)."
}

lt_load
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	lt_main "$@"
fi
