# shellcheck shell=bash disable=SC2034,SC2154 # PX (an associative array) and the PX_ cell settings: proxies.sh's
# scripts/proxies_haproxy.sh: the haproxy rows of scripts/proxies.sh (sourced by it): mode tcp
# (t1, t3-t5; t2 is px_row_rate) and mode http (h1, h2). Each px_row_* measures, writes its
# numbers (px_metrics) and returns its verdict (scripts/lab_table.sh).

# --- t1: haproxy mode tcp ------------------------------------------------------------------

# px_row_t1: 3 loops of P/2 connections (1.5 P) through haproxy mode tcp; with --capture,
# the proxy namespace's `twtest ports` and the log lines while the pool is out.
# Then: loops 0 and 1 all through (P connections), loop 2 none; the proxy holds P
# TIME_WAIT toward the backend; haproxy logs "no free ports"; the ports sampler saw P in use.
px_row_t1() {
	px_reset
	px_up haproxy haproxy-tcp.cfg
	px_tcp_loops t1 3 $((PX_P / 2))
	px_capture "haproxy mode tcp (row t1)"
	lab_proxy_down
	px_metrics
	local P n l want tot
	px_pred t1
	lt_predict "P=$P: $l loops of $n finish $want ($tot connections), the proxy holds $tot TIME_WAIT toward the backend"
	lt_result "loops ${PX[t1.loops]} (failed_by ${PX[t1.failed_by]:--}); TIME_WAIT: proxy->backend ${PX[t1.tw_proxy_back]}, backend ${PX[t1.tw_backend]}, proxy front ${PX[t1.tw_proxy_front]}, client ${PX[t1.tw_client]}; \`twtest ports\` peak ${PX[t1.ports_peak]}/$P in use; haproxy logged \"no free ports\" ${PX[t1.log_no_port]} times"
	lt_figure "P=$P: loops ${PX[t1.loops]} (predicted $want), proxy->backend TIME_WAIT ${PX[t1.tw_proxy_back]}, ports peak ${PX[t1.ports_peak]}/$P"
	[ "${PX[t1.loops]}" = "$want" ] && [ "${PX[t1.tw_proxy_back]}" = "$tot" ] &&
		[ "${PX[t1.ports_peak]}" = "$tot" ] && [ "${PX[t1.log_no_port]}" -ge $((l * n - tot)) ]
	lt_holds $(($? == 0)) ": exactly P, then every client connection fails"
}
# --- t3: haproxy `source` ---------------------------------------------------------------------

# px_servers SPEC...: haproxy `server` lines, one per SPEC "BACKEND[@SOURCE]", for @SERVERS@.
px_servers() {
	local s i=0 out=""
	for s in "$@"; do
		i=$((i + 1))
		out+="${out:+$'\n\t'}server s$i ${s%@*}"
		[[ $s == *@* ]] && out+=" source ${s#*@}"
	done
	echo "$out"
}

# px_row_t3: 3 loops of P connections through haproxy mode tcp (roundrobin), three ways:
# one server line with one source address; two server lines toward the same backend with a
# source address each; one source address toward two backends.
# Then: P, 2P and 2P of 3P finish (a pool per source and per backend: haproxy binds
# its source with IP_BIND_ADDRESS_NO_PORT); P for the last would be the bind() trap.
px_row_t3() {
	px_reset
	PX_SOURCES=2 PX_BACKENDS=2
	px_up haproxy haproxy-tcp-servers.cfg "SERVERS=$(px_servers "198.19.0.2:$PX_BPORT@198.19.0.101")"
	px_tcp_loops one_source 3 "$PX_P"
	lab_proxy_down
	px_up haproxy haproxy-tcp-servers.cfg "SERVERS=$(px_servers "198.19.0.2:$PX_BPORT@198.19.0.101" "198.19.0.2:$PX_BPORT@198.19.0.102")"
	px_tcp_loops two_sources 3 "$PX_P"
	lab_proxy_down
	px_up haproxy haproxy-tcp-servers.cfg "SERVERS=$(px_servers "198.19.0.2:$PX_BPORT@198.19.0.101" "198.19.0.3:$PX_BPORT@198.19.0.101")"
	px_tcp_loops two_backends 3 "$PX_P"
	lab_proxy_down
	px_metrics
	local P n l want tot one two
	px_pools one_source
	lt_predict "P=$P, $l loops of $n: one source $one, two sources $two, one source toward two backends $two ($one if bind() shared one pool)"
	lt_figure "P=$P, finished: one source ${PX[one_source.finished]}, two sources ${PX[two_sources.finished]}, one source toward two backends ${PX[two_backends.finished]} (predicted $one, $two, $two)"
	lt_result "finished: one source ${PX[one_source.finished]} (${PX[one_source.loops]}), two sources ${PX[two_sources.finished]} (${PX[two_sources.loops]}), one source toward two backends ${PX[two_backends.finished]} (${PX[two_backends.loops]}); groups in \`twtest ports\`: ${PX[one_source.ports_groups]}, ${PX[two_sources.ports_groups]}, ${PX[two_backends.ports_groups]}"
	[ "${PX[one_source.finished]}" = "$one" ] && [ "${PX[two_sources.finished]}" = "$two" ] &&
		[ "${PX[two_backends.finished]}" = "$two" ]
	lt_holds $(($? == 0)) ": each (source, backend) has its own P"
}

# --- t4: tcp_tw_reuse in the proxy namespace ---------------------------------------------

# px_row_t4: 3 loops of P echo connections through haproxy mode tcp, tcp_tw_reuse=1 in the
# proxy namespace (reuse delay 1 ms where the kernel has the sysctl, else a 1.2 s pause).
# Then: all L N finish; at most P of them found a port never used, so at least
# L N - P took a TIME_WAIT port over (TWRecycled >= 2P; more when a loop reuses its own ports, older
# than the 1 ms delay, while it runs).
px_row_t4() {
	px_reset
	local gap=1200
	PX_SYSCTL=(net.ipv4.tcp_tw_reuse=1)
	px_up haproxy haproxy-tcp.cfg
	if px_has_sysctl net.ipv4.tcp_tw_reuse_delay; then
		lab_sysctl "$LAB_PNS" net.ipv4.tcp_tw_reuse_delay=1 || px_die "cannot set tcp_tw_reuse_delay"
		gap=100
	fi
	PX[t4.gap_ms]=$gap
	px_tcp_loops t4 3 "$PX_P" --interval "$gap"
	lab_proxy_down
	px_metrics
	local P=${PX[t4.p]} n=${PX[t4.n]} l=${PX[t4.nloops]}
	local all=$((l * n)) reused=$((l * n > P ? l * n - P : 0))
	lt_predict "P=$P, $l loops of $n, ${PX[t4.gap_ms]} ms apart: $all finish, TWRecycled >= $reused in the proxy namespace"
	lt_result "finished ${PX[t4.finished]} (${PX[t4.loops]}), TWRecycled ${PX[t4.tw_recycled]}, TIME_WAIT proxy->backend at the end ${PX[t4.tw_proxy_back]}"
	lt_figure "P=$P: finished ${PX[t4.finished]} of $all, TWRecycled ${PX[t4.tw_recycled]} (at least $reused)"
	[ "${PX[t4.finished]}" = "$all" ] && [ "${PX[t4.tw_recycled]}" -ge "$reused" ]
	lt_holds $(($? == 0)) ": the proxy's connect() takes its TIME_WAIT ports over"
}

# --- t5: the backend closes first ---------------------------------------------------------

# px_row_t5: 3 loops of P through haproxy mode tcp, the backend closing first (server
# --close first) and the client waiting for that FIN (client --close server).
# Then: all 3P finish; the proxy holds no TIME_WAIT toward the backend (it holds the
# client leg's instead: it forwarded the backend's FIN first). The backend holds at most P:
# one per proxy port, since a new SYN from a reused port takes its TIME_WAIT 4-tuple over.
px_row_t5() {
	px_reset
	PX_SERVER=(--close first --payload 100)
	px_up haproxy haproxy-tcp.cfg
	px_tcp_loops t5 3 "$PX_P" --close server --payload 100
	lab_proxy_down
	px_metrics
	local P=${PX[t5.p]} n=${PX[t5.n]} l=${PX[t5.nloops]}
	lt_predict "P=$P, $l loops of $n: $((l * n)) finish; TIME_WAIT of the backend leg: proxy 0, backend 1..$P (one per proxy port)"
	lt_figure "P=$P: finished ${PX[t5.finished]} of $((l * n)); backend leg's TIME_WAIT: proxy ${PX[t5.tw_proxy_back]}, backend ${PX[t5.tw_backend]}"
	lt_result "finished ${PX[t5.finished]} (${PX[t5.loops]}); TIME_WAIT: proxy->backend ${PX[t5.tw_proxy_back]}, backend ${PX[t5.tw_backend]}, proxy front ${PX[t5.tw_proxy_front]}, client ${PX[t5.tw_client]}"
	[ "${PX[t5.finished]}" = $((l * n)) ] && [ "${PX[t5.tw_proxy_back]}" = 0 ] &&
		[ "${PX[t5.tw_backend]}" -ge 1 ] && [ "${PX[t5.tw_backend]}" -le "$P" ]
	lt_holds $(($? == 0)) ": the proxy's ports toward the backend never fill"
}

# --- h1, h2: haproxy mode http -------------------------------------------------------------

# px_haproxy_http_case CASE OPTIONS: haproxy mode http with OPTIONS in its backend, 3 loops of
# P/2 requests, one a connection.
px_haproxy_http_case() {
	PX_PROTO=http
	px_up haproxy haproxy-http.cfg "OPTIONS=$2"
	px_http_loops "$1" 3 $((PX_P / 2))
	lab_proxy_down
}

# px_legs CASE: who holds TIME_WAIT on each leg, in words.
px_legs() {
	echo "client leg: client ${PX[$1.tw_client]}, proxy ${PX[$1.tw_proxy_front]}; backend leg: proxy ${PX[$1.tw_proxy_back]}, backend ${PX[$1.tw_backend]} (${PX[$1.estab_proxy_back]} still open)"
}

# px_row_h1: the default `http-reuse safe` against `http-reuse never`.
# Then: with one request per client connection, `safe` sends each first request over
# a connection of its own, as `never` does: both open a backend connection per request, and
# the pool would run out at P if the proxy held their TIME_WAIT (it does not: see the text).
px_row_h1() {
	px_reset
	px_haproxy_http_case safe 'http-reuse safe'
	px_haproxy_http_case never 'http-reuse never'
	px_metrics
	local P=${PX[safe.p]} n=$((${PX[safe.nloops]} * ${PX[safe.n]}))
	lt_predict "one request per client connection ($n): safe and never alike, $n backend connections each; out at P=$P if the proxy holds their TIME_WAIT"
	lt_figure "backend connections for $n requests: safe ${PX[safe.backend_conns]}, never ${PX[never.backend_conns]}; \"no free ports\": ${PX[safe.log_no_port]}, ${PX[never.log_no_port]}"
	lt_result "safe: ${PX[safe.ok]} ok (${PX[safe.loops]}), ${PX[safe.backend_conns]} backend connections, $(px_legs safe), proxy RSTs ${PX[safe.proxy_rsts]}, \"no free ports\" ${PX[safe.log_no_port]}; never: ${PX[never.ok]} ok (${PX[never.loops]}), ${PX[never.backend_conns]} backend connections, $(px_legs never), proxy RSTs ${PX[never.proxy_rsts]}, \"no free ports\" ${PX[never.log_no_port]}"
	[ "${PX[safe.backend_conns]}" = "$n" ] && [ "${PX[never.backend_conns]}" = "$n" ]
	lt_holds $(($? == 0)) ": http-reuse safe spares nothing when each client connection carries one request" || return 1
	[ "${PX[safe.tw_proxy_back]}" = 0 ] && [ "${PX[safe.ok]}" = "$n" ] &&
		LT_VERDICT+="; and haproxy never ran out: when a client leaves it resets that backend connection or keeps it idle (safe: ${PX[safe.proxy_rsts]} RSTs, ${PX[safe.estab_proxy_back]} idle; never: ${PX[never.proxy_rsts]} RSTs), so no side of that leg holds TIME_WAIT"
	return 0
}

# px_holder CASE: who holds the backend leg's TIME_WAIT, in words.
px_holder() {
	local p=${PX[$1.tw_proxy_back]} b=${PX[$1.tw_backend]}
	if [ "$p" = 0 ] && [ "$b" = 0 ]; then echo "nobody (RST)"
	elif [ "$p" = 0 ]; then echo "the backend"
	elif [ "$b" = 0 ]; then echo "the proxy"
	else echo "both"; fi
}

# px_row_h2: `option http-server-close` against `option httpclose`.
# Then: who holds TIME_WAIT on each leg (seed 000's question through a proxy). The
# prediction is haproxy's manual: http-server-close "closes the server-facing connection after
# the end of the response"; httpclose closes both sides after the exchange.
px_row_h2() {
	px_reset
	px_haproxy_http_case server_close 'option http-server-close'
	px_haproxy_http_case httpclose 'option httpclose'
	px_metrics
	local P=${PX[server_close.p]} tot
	tot=$(px_sum_pred "$P" "${PX[server_close.n]}" "${PX[server_close.nloops]}")
	lt_predict "http-server-close: the proxy closes the backend connection after each response, holds its TIME_WAIT and runs out at P=$P ($tot ok of $((${PX[server_close.n]} * ${PX[server_close.nloops]}))); httpclose: both sides told to close"
	lt_result "http-server-close: ${PX[server_close.ok]} ok (${PX[server_close.loops]}), $(px_legs server_close), proxy RSTs ${PX[server_close.proxy_rsts]}; httpclose: ${PX[httpclose.ok]} ok (${PX[httpclose.loops]}), $(px_legs httpclose), proxy RSTs ${PX[httpclose.proxy_rsts]}"
	local a b
	a=$(px_holder server_close) b=$(px_holder httpclose)
	lt_figure "backend leg's TIME_WAIT held by $a with http-server-close (${PX[server_close.ok]} ok of $tot predicted), by $b with httpclose"
	if [ "${PX[server_close.ok]}" = "$tot" ] && [ "$a" = "the proxy" ]; then
		lt_verdict "holds: backend leg held by $a with http-server-close, by $b with httpclose"
		return
	fi
	lt_verdict "does not hold here: the backend leg's TIME_WAIT is held by $a with http-server-close and by $b with httpclose"
	[ "$a" = "the backend" ] && LT_VERDICT+=" (the backend closed first: haproxy asked it to close)"
	[ "${PX[server_close.s502]}${PX[httpclose.s502]}" = 00 ] && [ "${PX[server_close.log_no_port]}${PX[httpclose.log_no_port]}" = 00 ] &&
		LT_VERDICT+="; the proxy never ran out"
	return 1
}
