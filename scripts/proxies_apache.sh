# shellcheck shell=bash disable=SC2034,SC2154 # PX (an associative array) and the PX_ cell settings: proxies.sh's
# scripts/proxies_apache.sh: the Apache httpd rows of scripts/proxies.sh (sourced by it):
# mod_proxy_http as seed 000 configured it (RewriteRule [P]) and with the settings Apache users
# change (a ProxyPass worker's connection reuse, disablereuse, max, ttl, keepalive), a1-a6.
# Apache runs from scripts/proxy/apache-proxy.conf (event MPM, one child: a worker's pool is
# per child). Each px_row_* measures, writes its numbers (px_metrics) and returns its verdict
# (scripts/lab_table.sh).

# The backend that never closes first: it answers `Connection: close` when asked, and waits
# for the proxy's FIN (`twtest server --reply-close never`), so whoever holds the backend
# leg's TIME_WAIT is the proxy.
PX_APACHE_NEVER=(--reply-close never)

# seed 000's proxy lines (its 000-default.conf): every request rewritten to the backend, [P]
# shellcheck disable=SC2016 # $1 is Apache's, not the shell's
PX_APACHE_SEED='RewriteEngine On
RewriteRule ^(.*)$ http://@BACKEND1@$1 [P,L]'

# px_apache_case CASE LOOPS N PROXY [CLIENT-ARGS...]: one Apache cell with PROXY as its proxy
# lines, LOOPS loops of N requests, one a client connection (px_http_loops).
px_apache_case() {
	local c=$1 loops=$2 n=$3 proxy=$4; shift 4
	PX_PROTO=http
	px_up apache apache-proxy.conf "KEEPALIVE=KeepAlive On" "PROXY=$proxy"
	px_http_loops "$c" "$loops" "$n" "$@"
	[ "$c" = a1 ] && px_capture "Apache, seed 000's RewriteRule [P] (row a1)"
	PX[$c.keepalive_timers]=$(ip netns exec "$LAB_PNS" ss -tnoH state established "( dport = :$PX_BPORT )" | grep -c 'timer:(keepalive')
	PX[$c.estab_back_now]=$(ip netns exec "$LAB_PNS" ss -tnH state established "( dport = :$PX_BPORT )" | wc -l)
	lab_proxy_down
}

# px_apache_never CASE LOOPS N PROXY [CLIENT-ARGS...]: px_apache_case before the backend that
# never closes first.
px_apache_never() {
	PX_SERVER=("${PX_APACHE_NEVER[@]}")
	px_apache_case "$@"
}

# px_apache_reused CASE: a3's claim, which a6 keeps: every request of CASE ok over fewer
# backend connections than P, no TIME_WAIT on the proxy toward the backend.
px_apache_reused() {
	local n=$((${PX[$1.nloops]} * ${PX[$1.n]}))
	[ "${PX[$1.ok]}" = "$n" ] && [ "${PX[$1.backend_conns]}" -lt "${PX[$1.p]}" ] && [ "${PX[$1.tw_proxy_back]}" = 0 ]
}

# px_apache_meas CASE: a case's numbers in words.
px_apache_meas() {
	echo "${PX[$1.ok]} ok (${PX[$1.loops]}), ${PX[$1.s503]} x 503, ${PX[$1.backend_conns]} backend connections; TIME_WAIT proxy->backend ${PX[$1.tw_proxy_back]}, backend ${PX[$1.tw_backend]}; \`twtest ports\` peak ${PX[$1.ports_peak]}/${PX[$1.p]}; Apache logged \"(99)Cannot assign requested address: AH00957: http: attempt to connect to ... failed\" ${PX[$1.log_no_port]} times, \"AH00959: ... disabling worker\" ${PX[$1.log_disabled]}"
}

# px_apache_fig CASE: a case's figure for the terminal table: requests ok and 503, and who
# holds the backend leg's TIME_WAIT.
px_apache_fig() {
	echo "P=${PX[$1.p]}: ${PX[$1.ok]} ok (${PX[$1.loops]}), ${PX[$1.s503]} x 503; backend leg's TIME_WAIT: proxy ${PX[$1.tw_proxy_back]}, backend ${PX[$1.tw_backend]}"
}

# px_apache_out_at_p CASE: a1 and a4's prediction (Apache closes every backend connection
# first: L loops of N give min(N, P - i N) each, P in all, the rest 503, P TIME_WAIT on the
# proxy, the AH00957 line logged) set as LT_PRED; 0 when the measurement holds it.
px_apache_out_at_p() {
	local c=$1 P n l want tot
	px_pred "$c"
	px_said apache "$c" "P=$P, $l loops of $n: $want ok ($tot), $((l * n - tot)) x 503, $tot TIME_WAIT on the proxy toward the backend, the AH00957 line logged"
	# the totals decide (at P = 100 a connect() of the second loop found no port once with
	# one still free, and the third loop got it: 50/49/1)
	[ "${PX[$c.ok]}" = "$tot" ] && [ "${PX[$c.s503]}" = $((l * n - tot)) ] &&
		[ "${PX[$c.tw_proxy_back]}" = "$tot" ] && [ "${PX[$c.log_no_port]}" -ge 1 ]
}

# px_apache_row_out_at_p CASE PROXY TEXT: the shape of rows a1 and a4: PROXY before the
# backend that never closes first, 3 loops of P/2; the verdict "holds: TEXT" when Apache runs
# out at P (px_apache_out_at_p), with its status.
px_apache_row_out_at_p() {
	px_reset
	px_apache_never "$1" 3 $((PX_P / 2)) "$2"
	px_metrics
	px_apache_out_at_p "$1"
	lt_holds $(($? == 0)) ": $3"
}

# px_row_a1: seed 000's configuration, a backend that never closes first: 3 loops of P/2.
# Then: Apache closes each backend connection after its response (the default worker keeps
# none), P requests ok, then 503 and the AH00957 line.
px_row_a1() {
	px_apache_row_out_at_p a1 "$PX_APACHE_SEED" "RewriteRule [P] opens and closes one backend connection per request; out at P" ||
		return 1
	[ "${PX[a1.log_disabled]}" -gt 0 ] && LT_VERDICT+=" (and Apache disabled the worker: AH00959)"
	return 0
}

# px_row_a2: seed 000's configuration, a backend that closes at once after its response
# (`twtest server --protocol http`'s default): 3 loops of P/2.
# Then: the backend's FIN comes with its response, so it mostly closes first and holds the
# TIME_WAIT; Apache, closing after reading the response, wins sometimes. Below P of those on the
# proxy nothing fails. A race: the verdict says who won how often.
px_row_a2() {
	px_reset
	px_apache_case a2 3 $((PX_P / 2)) "$PX_APACHE_SEED"
	px_metrics
	local P=${PX[a2.p]} n=$((${PX[a2.nloops]} * ${PX[a2.n]}))
	px_said apache a2 "the backend closes first (mostly): $n ok, fewer than P=$P TIME_WAIT on the proxy, the rest on the backend"
	if [ "${PX[a2.ok]}" = "$n" ] && [ "${PX[a2.tw_proxy_back]}" -lt "$P" ]; then
		lt_verdict "holds only when the backend wins the race: here it closed first $((n - ${PX[a2.tw_proxy_back]})) times of $n, Apache ${PX[a2.tw_proxy_back]}"
	else
		lt_verdict "does not hold here: Apache closed first ${PX[a2.tw_proxy_back]} times of $n"
	fi
}

# px_row_a3: `ProxyPass / http://BACKEND/`, the backend that never closes first: 4 loops of
# P/2 (2P requests).
# Then: the worker keeps its backend connections and reuses them: all 2P ok over fewer backend
# connections than P (about the concurrency), no TIME_WAIT on the proxy.
px_row_a3() {
	px_reset
	px_apache_never a3 4 $((PX_P / 2)) 'ProxyPass / http://@BACKEND1@/'
	px_metrics
	local P=${PX[a3.p]} n=$((${PX[a3.nloops]} * ${PX[a3.n]}))
	px_said apache a3 "P=$P, ${PX[a3.nloops]} loops of ${PX[a3.n]}: all $n ok over fewer than P backend connections, no TIME_WAIT on the proxy"
	px_apache_reused a3
	lt_holds $(($? == 0)) ": a ProxyPass worker reuses its backend connections by default (the RewriteRule [P] of a1 has none)"
}

# px_row_a4: `ProxyPass ... disablereuse=On`, the backend that never closes first: 3 loops
# of P/2.
# Then: as a1: P ok, then 503.
px_row_a4() {
	px_apache_row_out_at_p a4 'ProxyPass / http://@BACKEND1@/ disablereuse=On' \
		"disablereuse=On closes after every request, as the seed's configuration"
}

# px_row_a5: `ProxyPass ... max=8` (4 loops of P/2), then `ttl=1` (3 loops of P/4, 2 s
# apart), the backend that never closes first.
# Then: max=8: all ok over exactly 8 backend connections (the other requests wait for
# one), no TIME_WAIT on the proxy. ttl=1: each loop finds the last loop's connections past
# their ttl; Apache closes them (first: the proxy holds their TIME_WAIT) and opens new ones:
# every backend connection not still open at the end left its TIME_WAIT on the proxy.
px_row_a5() {
	px_reset
	PX[a5.max]=8 PX[a5.ttl]=1
	px_apache_never a5 4 $((PX_P / 2)) "ProxyPass / http://@BACKEND1@/ max=${PX[a5.max]}"
	# loops of P/4: the connections replaced (TIME_WAIT on the proxy) and the open ones stay
	# below P
	px_apache_never ttl 3 $((PX_P / 4)) "ProxyPass / http://@BACKEND1@/ ttl=${PX[a5.ttl]}" --interval 2000
	px_metrics
	local P=${PX[a5.p]} n=$((${PX[a5.nloops]} * ${PX[a5.n]})) m=${PX[a5.max]}
	local tn=$((${PX[ttl.nloops]} * ${PX[ttl.n]})) closed=$((${PX[ttl.backend_conns]} - ${PX[ttl.estab_back_now]}))
	lt_predict "max=$m: all $n ok over $m backend connections, no TIME_WAIT on the proxy; ttl=${PX[a5.ttl]}, ${PX[ttl.nloops]} loops 2 s apart: all $tn ok, Apache replaces the connections past their ttl, so the proxy holds the TIME_WAIT of every backend connection not still open, the backend none"
	lt_figure "max=$m: ${PX[a5.ok]} ok over ${PX[a5.backend_conns]} backend connections; ttl: proxy TIME_WAIT ${PX[ttl.tw_proxy_back]} of $closed closed, backend ${PX[ttl.tw_backend]}"
	lt_result "max=$m: $(px_apache_meas a5). ttl=${PX[a5.ttl]}: ${PX[ttl.ok]} ok, ${PX[ttl.backend_conns]} backend connections, ${PX[ttl.estab_back_now]} still open; TIME_WAIT proxy->backend ${PX[ttl.tw_proxy_back]}, backend ${PX[ttl.tw_backend]}"
	[ "${PX[a5.ok]}" = "$n" ] && [ "${PX[a5.backend_conns]}" = "$m" ] && [ "${PX[a5.tw_proxy_back]}" = 0 ] &&
		[ "${PX[ttl.ok]}" = "$tn" ] && [ "$closed" -gt 0 ] && [ "${PX[ttl.tw_proxy_back]}" = "$closed" ] &&
		[ "${PX[ttl.tw_backend]}" = 0 ]
	lt_holds $(($? == 0)) ": max bounds the pool (and so the ports) per child; ttl turns Apache into the side that closes first"
}

# px_row_a6: `ProxyPass ... keepalive=On`, the backend that never closes first: 4 loops of
# P/2, as a3.
# Then: as a3 (all ok, fewer backend connections than P, no TIME_WAIT on the proxy), and
# every backend connection still open has a TCP keep-alive timer (ss -o), which a3's have not.
px_row_a6() {
	px_reset
	px_apache_never a6 4 $((PX_P / 2)) 'ProxyPass / http://@BACKEND1@/ keepalive=On'
	px_apache_never plain 1 $((PX_P / 2)) 'ProxyPass / http://@BACKEND1@/'
	px_metrics
	local P=${PX[a6.p]} n=$((${PX[a6.nloops]} * ${PX[a6.n]}))
	lt_predict "as a3: all $n ok over fewer than P=$P backend connections, no TIME_WAIT on the proxy; each open backend connection with a keepalive timer (none without keepalive=On)"
	lt_figure "${PX[a6.ok]} ok of $n over ${PX[a6.backend_conns]} backend connections (P=$P); keepalive timers on ${PX[a6.keepalive_timers]} of ${PX[a6.estab_back_now]} open (without keepalive=On: ${PX[plain.keepalive_timers]})"
	lt_result "$(px_apache_meas a6); open backend connections ${PX[a6.estab_back_now]}, with a keepalive timer ${PX[a6.keepalive_timers]}; without keepalive=On ${PX[plain.estab_back_now]} open, ${PX[plain.keepalive_timers]} with a timer"
	px_apache_reused a6 && [ "${PX[a6.estab_back_now]}" -gt 0 ] && [ "${PX[a6.keepalive_timers]}" = "${PX[a6.estab_back_now]}" ] &&
		[ "${PX[plain.estab_back_now]}" -gt 0 ] && [ "${PX[plain.keepalive_timers]}" = 0 ]
	lt_holds $(($? == 0)) ": keepalive=On sets SO_KEEPALIVE on the backend connections; reuse is what spares the ports"
}
