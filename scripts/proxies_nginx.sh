# shellcheck shell=bash disable=SC2034,SC2154 # PX (an associative array) and the PX_ cell settings: proxies.sh's
# scripts/proxies_nginx.sh: the nginx rows of scripts/proxies.sh (sourced by it): proxy_pass
# with and without keepalive, proxy_bind, two backends, tcp_tw_reuse (n1-n6, n8; n7 is
# px_row_rate). Each px_row_* measures, writes its numbers (px_metrics) and returns its
# verdict (scripts/lab_table.sh).

# --- n1-n8: nginx proxy_pass --------------------------------------------------------------

# nginx's location lines for long-lived upstream connections (HTTP/1.1, no "Connection: close")
PX_NGINX_HTTP11='proxy_http_version 1.1;
			proxy_set_header Connection "";'

# px_nginx_case CASE LOOPS N UPSTREAM LOCATION PASS: one nginx cell with that upstream block,
# location lines and proxy_pass target; LOOPS loops of N requests (px_http_loops).
px_nginx_case() {
	PX_PROTO=http
	px_up nginx nginx-proxy.conf "UPSTREAM=$4" "LOCATION=$5" "PASS=$6"
	px_http_loops "$1" "$2" "$3"
	[ "$1" = n2 ] && px_capture "nginx, HTTP/1.1 without keepalive (row n2)"
	lab_proxy_down
}

# px_nginx_meas CASE: a case's numbers in words.
px_nginx_meas() {
	echo "${PX[$1.ok]} ok (${PX[$1.loops]}), ${PX[$1.s502]} x 502, ${PX[$1.backend_conns]} backend connections; TIME_WAIT proxy->backend ${PX[$1.tw_proxy_back]}, backend ${PX[$1.tw_backend]}; \`twtest ports\` peak ${PX[$1.ports_peak]}/${PX[$1.p]}; nginx logged \"(99: Cannot assign requested address) while connecting to upstream\" ${PX[$1.log_no_port]} times, \"no live upstreams\" ${PX[$1.log_no_live]}"
}

# px_nginx_fig CASE: the figure of a CASE for the terminal table: requests ok and 502, and
# who holds the backend leg's TIME_WAIT.
px_nginx_fig() {
	echo "P=${PX[$1.p]}: ${PX[$1.ok]} ok (${PX[$1.loops]}), ${PX[$1.s502]} x 502; backend leg's TIME_WAIT: proxy ${PX[$1.tw_proxy_back]}, backend ${PX[$1.tw_backend]}"
}

# px_nginx_no_keepalive CASE LOCATION PASS: the shape of rows n1, n2 and n4: nginx with one
# upstream server and no keepalive, LOCATION lines and proxy_pass PASS, 3 loops of P/2, its
# numbers to --csv. Sets the caller's P, n and l (the case's P, loop size and loops), want
# (each loop's predicted count, px_loops_pred) and tot (their sum).
px_nginx_no_keepalive() {
	px_reset
	px_nginx_case "$1" 3 $((PX_P / 2)) 'server @BACKEND1@;' "$2" "$3"
	px_metrics
	px_pred "$1"
}

# px_row_n1: nginx's defaults (HTTP/1.0 and "Connection: close" upstream, no keepalive):
# 3 loops of P/2 requests.
# Then: with the proxy closing first, P requests get through and the last P/2 get
# 502. The backend is told "Connection: close" and closes too: who holds each TIME_WAIT is a
# race, so the verdict says which side won.
px_row_n1() {
	local P n l want tot
	px_nginx_no_keepalive n1 '' 'http://back'
	px_said nginx n1 "if nginx closes first: $l loops of $n give $want ok ($tot), then $((l * n - tot)) x 502; if the backend does, no exhaustion"
	if [ "${PX[n1.loops]}" = "$want" ] && [ "${PX[n1.s502]}" = $((l * n - tot)) ]; then
		lt_verdict "holds: nginx closed first every time"
	elif [ "${PX[n1.tw_proxy_back]}" = 0 ] && [ "${PX[n1.s502]}" = 0 ]; then
		lt_verdict "does not hold here: told \"Connection: close\", the backend closed first every time (its FIN came with the response), so it holds the TIME_WAIT (at most one per proxy port) and the proxy never ran out"
	else
		lt_verdict "does not hold exactly: who closed first was a race (proxy ${PX[n1.tw_proxy_back]}, backend ${PX[n1.tw_backend]} TIME_WAIT)"
	fi
}

# px_row_n2: HTTP/1.1 without "Connection: close" but no keepalive: the backend keeps each
# connection open, nginx closes it after the response (first): 3 loops of P/2.
# Then: P ok, then P/2 x 502; nginx holds P TIME_WAIT toward the backend and logs the
# 99 line once per 502 (one server: no other to try).
px_row_n2() {
	local P n l want tot
	px_nginx_no_keepalive n2 "$PX_NGINX_HTTP11" 'http://back'
	px_said nginx n2 "P=$P, $l loops of $n: $want ok ($tot), $((l * n - tot)) x 502, $tot TIME_WAIT on the proxy toward the backend, $((l * n - tot)) log lines"
	[ "${PX[n2.loops]}" = "$want" ] && [ "${PX[n2.s502]}" = $((l * n - tot)) ] &&
		[ "${PX[n2.tw_proxy_back]}" = "$tot" ] && [ "${PX[n2.log_no_port]}" = $((l * n - tot)) ]
	lt_holds $(($? == 0)) ": HTTP/1.1 alone does not help; nginx still opens one connection per request and closes it"
}

# px_row_n3: upstream keepalive K with HTTP/1.1 and an empty Connection header: K = C = P/4
# (12 loops of C requests, 3P in all), then K = C/5 (the cache smaller than the concurrency).
# Then: K >= C: every one of the L C requests ok (L C > P) over about C backend
# connections (a few more when a loop starts before nginx has put back the last one), no
# TIME_WAIT toward the backend. (K < C is measured, not predicted: each loop closes what
# the cache cannot keep.)
px_row_n3() {
	px_reset
	local c=$((PX_P / 4))
	PX[n3.c]=$c PX[n3.k]=$c PX[n3.k_small]=$((c / 5))
	px_nginx_case n3 12 "$c" "server @BACKEND1@;
		keepalive $c;" "$PX_NGINX_HTTP11" 'http://back'
	px_nginx_case small 12 "$c" "server @BACKEND1@;
		keepalive $((c / 5));" "$PX_NGINX_HTTP11" 'http://back'
	px_metrics
	local P=${PX[n3.p]} c=${PX[n3.c]} l=${PX[n3.nloops]}
	lt_predict "P=$P, keepalive $c, $l loops of $c: $((l * c)) ok over about $c backend connections (far fewer than P: the pool never fills), no TIME_WAIT on the proxy"
	lt_figure "keepalive $c: ${PX[n3.ok]} ok of $((l * c)) over ${PX[n3.backend_conns]} backend connections (P=$P); keepalive ${PX[n3.k_small]}: ${PX[small.s502]} x 502"
	lt_result "keepalive $c: $(px_nginx_meas n3). keepalive ${PX[n3.k_small]}: ${PX[small.ok]} ok, ${PX[small.s502]} x 502, ${PX[small.backend_conns]} backend connections, TIME_WAIT proxy->backend ${PX[small.tw_proxy_back]}"
	# what decides it: every request ok although L C > P, over fewer backend connections than P
	[ "${PX[n3.ok]}" = $((l * c)) ] && [ "${PX[n3.backend_conns]}" -lt "$P" ]
	lt_holds $(($? == 0)) ": long connections" || return 1
	[ "${PX[small.tw_proxy_back]}" -gt 0 ] &&
		LT_VERDICT+="; with a cache smaller than the concurrency nginx closes the rest after each use: ${PX[small.tw_proxy_back]} TIME_WAIT, ${PX[small.s502]} x 502"
	return 0
}

# px_row_n4: a bare `proxy_pass http://IP:port` (no upstream block), HTTP/1.1: 3 loops of P/2.
# Then: as n2 (an upstream block without keepalive): P ok, then 502.
px_row_n4() {
	local P n l want tot
	px_nginx_no_keepalive n4 "$PX_NGINX_HTTP11" 'http://@BACKEND1@'
	px_said nginx n4 "as an upstream block without keepalive, P=$P, $l loops of $n: $want ok ($tot), $((l * n - tot)) x 502"
	[ "${PX[n4.loops]}" = "$want" ] && [ "${PX[n4.s502]}" = $((l * n - tot)) ]
	lt_holds $(($? == 0)) ": a bare proxy_pass has no keepalive cache; only an upstream block with keepalive (n3) can reuse"
}

# px_row_n5: proxy_bind to one source address, two backends (round-robin), HTTP/1.1, no
# keepalive: 3 loops of P requests.
# Then: 2P ok if nginx binds with IP_BIND_ADDRESS_NO_PORT (a pool per backend), P
# if its bind() shared one pool over both backends.
px_row_n5() {
	px_reset
	PX_BACKENDS=2 PX_SOURCES=1
	px_nginx_case n5 3 "$PX_P" 'server @BACKEND1@;
		server @BACKEND2@;' "$PX_NGINX_HTTP11
			proxy_bind @SOURCE1@;" 'http://back'
	px_metrics
	local P n l want tot one two
	px_pools n5
	lt_predict "P=$P, $l loops of $n over 2 backends: $two ok with a pool per backend (IP_BIND_ADDRESS_NO_PORT), $one if bind() shares one"
	lt_result "$(px_nginx_meas n5); groups in \`twtest ports\` ${PX[n5.ports_groups]}"
	lt_figure "$(px_nginx_fig n5); pools ${PX[n5.ports_groups]}"
	[ "${PX[n5.ok]}" = "$two" ]
	lt_holds $(($? == 0)) ": proxy_bind keeps one pool per backend (nginx sets IP_BIND_ADDRESS_NO_PORT)"
}

# px_row_n6: two backends (round-robin), no proxy_bind, HTTP/1.1, no keepalive: 3 loops of P.
# Then: 2P ok: each backend its own pool of P.
px_row_n6() {
	px_reset
	PX_BACKENDS=2
	px_nginx_case n6 3 "$PX_P" 'server @BACKEND1@;
		server @BACKEND2@;' "$PX_NGINX_HTTP11" 'http://back'
	px_metrics
	local P=${PX[n6.p]} n=${PX[n6.n]} l=${PX[n6.nloops]} two
	two=$(px_sum_pred $((2 * P)) "$n" "$l")
	lt_predict "P=$P, $l loops of $n over 2 backends: $two ok, 2 groups in \`twtest ports\`"
	lt_result "$(px_nginx_meas n6); groups ${PX[n6.ports_groups]}"
	lt_figure "$(px_nginx_fig n6); pools ${PX[n6.ports_groups]}"
	[ "${PX[n6.ok]}" = "$two" ] && [ "${PX[n6.ports_groups]}" = 2 ]
	lt_holds $(($? == 0)) ": each backend has its own P"
}

# px_row_n8: n2's configuration at R = 2P/s for 3 s with tcp_tw_reuse=1 in the proxy
# namespace (reuse delay 1 ms where the kernel has it).
# Then: reuse lets a port serve again once its TIME_WAIT is older than the delay D:
# the pool sustains P/D new connections a second; at R below that nothing fails, and at
# least R x duration - P connections took a TIME_WAIT port over (TWRecycled).
px_row_n8() {
	px_reset
	local r; r=$(px_rate)
	PX[n8.rate]=$r PX[n8.duration]=3 PX[n8.delay_ms]=1000
	PX_PROTO=http PX_SYSCTL=(net.ipv4.tcp_tw_reuse=1)
	px_up nginx nginx-proxy.conf 'UPSTREAM=server @BACKEND1@;' "LOCATION=$PX_NGINX_HTTP11" 'PASS=http://back'
	if px_has_sysctl net.ipv4.tcp_tw_reuse_delay; then
		lab_sysctl "$LAB_PNS" net.ipv4.tcp_tw_reuse_delay=1 || px_die "cannot set tcp_tw_reuse_delay"
		PX[n8.delay_ms]=1
	fi
	px_client --rate "$r" --duration "${PX[n8.duration]}" --protocol http
	PX[n8.finished]=$(px_get finished) PX[n8.failed]=$(px_get failed) PX[n8.failed_by]=$(px_get failed_by)
	px_observe
	px_keep n8
	lab_proxy_down
	px_metrics
	local P=${PX[n8.p]} r=${PX[n8.rate]} d=${PX[n8.delay_ms]}
	local all=$((r * PX[n8.duration])) sustain=$((P * 1000 / d))
	lt_predict "P=$P, reuse delay $d ms: sustains P/D = $sustain/s; R=$r/s for ${PX[n8.duration]} s: $all ok, none failed, TWRecycled >= $((all - P))"
	[ "$r" -lt "$sustain" ] || lt_predict "P=$P, reuse delay $d ms: sustains P/D = $sustain/s, below R=$r/s: failures"
	lt_figure "R=$r/s, P/D = $sustain/s: ${PX[n8.finished]} ok of $all, ${PX[n8.failed]} failed, TWRecycled ${PX[n8.tw_recycled]}"
	lt_result "${PX[n8.finished]} ok, ${PX[n8.failed]} failed (${PX[n8.failed_by]:--}), TWRecycled ${PX[n8.tw_recycled]}, TIME_WAIT proxy->backend at the end ${PX[n8.tw_proxy_back]}; nginx logged the 99 line ${PX[n8.log_no_port]} times"
	[ "$r" -lt "$sustain" ] && [ "${PX[n8.finished]}" = "$all" ] && [ "${PX[n8.failed]}" = 0 ] &&
		[ "${PX[n8.tw_recycled]}" -ge $((all - P)) ]
	lt_holds $(($? == 0)) ": with tcp_tw_reuse=1 (and timestamps) the proxy reuses its own TIME_WAIT ports toward the backend"
}
