# shellcheck shell=bash disable=SC2154 # RM_RUN and RM_ONCE: associative arrays of remedies.sh
# scripts/remedies_kernel.sh: rows 2-13 of scripts/remedies.sh (sourced by it): the sysctls,
# the client's and server's options, the cost. Each rm_row_* measures and calls its
# rm_judge_*, which takes the numbers as KEY=VALUE arguments and sets the row's result and
# verdict (scripts/lab_table.sh).

# --- row 2: tcp_tw_reuse needs timestamps on both sides --------------------------------

# rm_ts_case CLIENT_TS SERVER_TS: veth, reuse on, fill and refill; RM_RUN[b], [recycled],
# [cause].
rm_ts_case() {
	rm_up veth net.ipv4.ip_local_port_range="$RM_RANGE" net.ipv4.tcp_tw_reuse=1 \
		net.ipv4.tcp_timestamps="$1" "${RM_FAST[@]}"
	lab_sysctl "$LAB_SNS" net.ipv4.tcp_timestamps="$2" || rm_die "cannot set timestamps in the server namespace"
	rm_serve "$RM_PORT"
	rm_client 1 "$RM_P" --port "$RM_PORT"
	sleep "$RM_GAP"
	rm_client 1 "$RM_P" --port "$RM_PORT"
	RM_RUN[b]=$(rm_get finished) RM_RUN[recycled]=$(rm_get kernel_TWRecycled) RM_RUN[cause]=$(rm_cause)
	lab_cell_down
}

rm_row_timestamps() {
	local c s name args=()
	for c in "1 1 both_on" "0 1 client_off" "1 0 server_off"; do
		read -r c s name <<<"$c"
		rm_ts_case "$c" "$s"
		args+=("$name=${RM_RUN[b]}" "$name.recycled=${RM_RUN[recycled]}")
		lt_metric "$name" finished "${RM_RUN[b]}"; lt_metric "$name" recycled "${RM_RUN[recycled]}"
	done
	rm_judge_timestamps p="${RM_RUN[p]}" "${args[@]}"
}

# rm_judge_timestamps p= both_on= client_off= server_off= (and each .recycled=): 2: both on:
# all P reused; either off: nothing finished, nothing recycled.
rm_judge_timestamps() {
	local -A a=(); rm_kv a "$@"
	local p=${a[p]}
	lt_figure "refill: both on ${a[both_on]}/$p, client off ${a[client_off]}/$p, server off ${a[server_off]}/$p"
	lt_result "refill after the range filled: both on ${a[both_on]}/$p (TWRecycled ${a[both_on.recycled]}); client off ${a[client_off]}/$p (TWRecycled ${a[client_off.recycled]}); server off ${a[server_off]}/$p (TWRecycled ${a[server_off.recycled]})"
	[ "${a[both_on]}" = "$p" ] && [ "${a[client_off]}" = 0 ] && [ "${a[server_off]}" = 0 ] &&
		[ "${a[client_off.recycled]}" = 0 ] && [ "${a[server_off.recycled]}" = 0 ]
	lt_holds $(($? == 0)) ": reuse needs timestamps negotiated on the old connection, and nothing says so"
}

# --- row 3: a small tcp_max_tw_buckets ----------------------------------------------------

# rm_buckets_case P LOOPS N [SYSCTL...]: LOOPS loops of N on P ports, reuse off; RM_RUN[fin],
# [ovf] (TCPTimeWaitOverflow), [tw] (time_wait), [p].
rm_buckets_case() {
	local p=$1 loops=$2 n=$3; shift 3
	rm_up lo net.ipv4.ip_local_port_range="$(rm_range "$p")" net.ipv4.tcp_tw_reuse=0 "$@"
	rm_serve "$RM_PORT"
	rm_client "$loops" "$n" --port "$RM_PORT"
	RM_RUN[fin]=$(rm_get finished) RM_RUN[ovf]=$(rm_get kernel_TCPTimeWaitOverflow) RM_RUN[tw]=$(rm_get time_wait)
	lab_cell_down
}

# rm_row_buckets P LOOPS N B: LOOPS loops of N on P ports, with the default buckets and with B.
rm_row_buckets() {
	local p=$1 loops=$2 n=$3 b=$4 default
	rm_buckets_case "$p" "$loops" "$n"
	default=${RM_RUN[fin]}
	lt_metric default finished "$default"
	rm_buckets_case "$p" "$loops" "$n" net.ipv4.tcp_max_tw_buckets="$b"
	lt_metric buckets finished "${RM_RUN[fin]}"
	lt_metric buckets overflow "${RM_RUN[ovf]}"
	lt_metric buckets time_wait "${RM_RUN[tw]}"
	rm_judge_buckets p="${RM_RUN[p]}" all=$((loops * n)) buckets="$b" fin="${RM_RUN[fin]}" ovf="${RM_RUN[ovf]}" \
		tw="${RM_RUN[tw]}" default="$default"
}

# rm_judge_buckets p= all= buckets= fin= ovf= tw= default=: 3: with B buckets all L x N
# finish, L x N - B closes overflow, B stay; the default: P finish.
rm_judge_buckets() {
	local -A a=(); rm_kv a "$@"
	local ovf=$((a[all] - a[buckets]))
	lt_figure "finished ${a[fin]}/${a[all]} with ${a[buckets]} buckets (TCPTimeWaitOverflow ${a[ovf]}), ${a[default]}/${a[all]} with the default (P=${a[p]})"
	lt_result "P=${a[p]}: finished ${a[fin]}/${a[all]} with ${a[buckets]} buckets (TCPTimeWaitOverflow ${a[ovf]}, time_wait ${a[tw]}) vs ${a[default]}/${a[all]} with the default"
	[ "${a[fin]}" = "${a[all]}" ] && [ "${a[ovf]}" = $ovf ] && [ "${a[tw]}" = "${a[buckets]}" ] &&
		[ "${a[default]}" = "${a[p]}" ]
	lt_holds $(($? == 0)) ", by giving TIME_WAIT up: $ovf closes kept no state, silently (only TcpExtTCPTimeWaitOverflow)"
}

# --- row 4: port range width --------------------------------------------------------------

# rm_range_case P LOOPS N: LOOPS loops of N on P ports, reuse off; RM_RUN[fin], [first] (the
# first failing loop), [kc] (kernel counters), [p].
rm_range_case() {
	rm_up lo net.ipv4.ip_local_port_range="$(rm_range "$1")" net.ipv4.tcp_tw_reuse=0
	rm_serve "$RM_PORT"
	rm_client "$2" "$3" --port "$RM_PORT"
	RM_RUN[fin]=$(rm_get finished) RM_RUN[first]=$(rm_first_failing)
	RM_RUN[kc]=$(lab_csv_get "$RM_LAST" kernel_TW,kernel_OutRsts,kernel_EstabResets,kernel_TCPAbortOnClose type=summary)
	lab_cell_down
}

# rm_row_wall P LOOPS N: LOOPS loops of N on P ports, then on 2P.
rm_row_wall() {
	local p args=()
	for p in "$1" $((2 * $1)); do
		rm_range_case "$p" "$2" "$3"
		args+=("p$p=${RM_RUN[p]} ${RM_RUN[first]} ${RM_RUN[fin]}")
		lt_metric "p$p" first_failing "${RM_RUN[first]}"; lt_metric "p$p" finished "${RM_RUN[fin]}"
		lt_metric "p$p" kernel_tw_rsts_resets_abortonclose "${RM_RUN[kc]}"
	done
	rm_judge_wall loops="$2" n="$3" "${args[@]}"
}

# rm_judge_wall loops= n= pWANT="P FIRST FINISHED"...: 4: for each range, the first failing
# loop is floor(P/N) and P finish (P as the kernel held it).
rm_judge_wall() {
	local -A a=(); rm_kv a "$@"
	local k seen first fin ok=1 res=""
	for k in $(printf '%s\n' "${!a[@]}" | grep '^p[0-9]' | sort -k1.2n); do
		read -r seen first fin <<<"${a[$k]}"
		[ "$first" = $((seen / a[n])) ] && [ "$fin" = "$seen" ] || ok=0
		res+="${res:+; }P=$seen: first failing loop $first (floor(P/N) = $((seen / a[n]))), $fin finished"
	done
	lt_result "N=${a[n]}, ${a[loops]} loops; $res"
	lt_figure "N=${a[n]}; $(sed 's/ (floor(P\/N) = [0-9]*)//g' <<<"$res")"
	lt_holds $ok ": a wider range only moves the wall (P/60 s per destination)"
}

# --- row 5: source addresses ----------------------------------------------------------------

# rm_sources_case BIND LOOPS N: LOOPS loops of N from the source addresses BIND with
# IP_BIND_ADDRESS_NO_PORT, P ports; RM_RUN[fin], [first], [p].
rm_sources_case() {
	rm_up lo net.ipv4.ip_local_port_range="$RM_RANGE" net.ipv4.tcp_tw_reuse=0
	rm_serve "$RM_PORT"
	rm_client "$2" "$3" --port "$RM_PORT" --bind "$1" --bind-no-port
	RM_RUN[fin]=$(rm_get finished) RM_RUN[first]=$(rm_first_failing)
	lab_cell_down
}

# rm_row_sources LOOPS N: 1, 2 and 4 source addresses.
rm_row_sources() {
	local s bind args=()
	for s in 1 2 4; do
		bind=127.0.0.1; [ "$s" -gt 1 ] && bind=127.0.0.1-127.0.0.$s
		rm_sources_case "$bind" "$1" "$2"
		args+=("src$s=${RM_RUN[fin]} ${RM_RUN[first]}")
		lt_metric "src$s" finished "${RM_RUN[fin]}"; lt_metric "src$s" first_failing "${RM_RUN[first]}"
	done
	rm_judge_sources p="${RM_RUN[p]}" n="$2" "${args[@]}"
}

# rm_judge_sources p= n= srcS="FINISHED FIRST"...: 5: S sources finish S x P, the first
# failing loop is floor(S x P / N).
rm_judge_sources() {
	local -A a=(); rm_kv a "$@"
	local k s fin first ok=1 res="" p=${a[p]}
	for k in $(printf '%s\n' "${!a[@]}" | grep '^src' | sort -k1.4n); do
		s=${k#src}
		read -r fin first <<<"${a[$k]}"
		[ "$fin" = $((s * p)) ] && [ "$first" = $((s * p / a[n])) ] || ok=0
		res+="${res:+; }$s: $fin finished, first failing loop $first"
	done
	lt_result "P=$p, N=${a[n]}; sources $res"
	lt_figure "P=$p, N=${a[n]}; sources $(sed 's/ finished, first failing loop / finished, loop /g' <<<"$res")"
	lt_holds $ok
}

# --- row 6: the server closes first ----------------------------------------------------------

# rm_row_server_first LOOPS N: the server closing first, then the client (a control).
rm_row_server_first() {
	local loops=$1 n=$2 fin ctw stw base
	rm_up veth net.ipv4.ip_local_port_range="$RM_RANGE" net.ipv4.tcp_tw_reuse=0
	rm_serve "$RM_PORT" --close=first
	rm_client "$loops" "$n" --port "$RM_PORT" --close server
	fin=$(rm_get finished)
	ctw=$(rm_ns_tw "$LAB_CNS" "dport = :$RM_PORT") stw=$(rm_ns_tw "$LAB_SNS" "sport = :$RM_PORT")
	lab_cell_down
	rm_up veth net.ipv4.ip_local_port_range="$RM_RANGE" net.ipv4.tcp_tw_reuse=0
	rm_serve "$RM_PORT"
	rm_client "$loops" "$n" --port "$RM_PORT"
	base=$(rm_get finished)
	lab_cell_down
	lt_metric server_first finished "$fin"; lt_metric server_first client_tw "$ctw"
	lt_metric server_first server_tw "$stw"; lt_metric client_first finished "$base"
	rm_judge_server_first p="${RM_RUN[p]}" all=$((loops * n)) fin="$fin" ctw="$ctw" stw="$stw" base="$base"
}

# rm_judge_server_first p= all= fin= ctw= stw= base=: 6: server first: all L x N finish, no
# client TIME_WAIT, some server TIME_WAIT; client first: P.
rm_judge_server_first() {
	local -A a=(); rm_kv a "$@"
	lt_figure "server first: ${a[fin]}/${a[all]} finished, TIME_WAIT client ${a[ctw]}, server ${a[stw]}; client first: ${a[base]}/${a[all]}"
	lt_result "server first: ${a[fin]}/${a[all]} finished, client TIME_WAIT ${a[ctw]}, server TIME_WAIT ${a[stw]}; client first: ${a[base]}/${a[all]} (P=${a[p]})"
	[ "${a[fin]}" = "${a[all]}" ] && [ "${a[ctw]}" = 0 ] && [ "${a[stw]}" -gt 0 ] && [ "${a[base]}" = "${a[p]}" ]
	lt_holds $(($? == 0)) ": the server holds TIME_WAIT instead (one per 4-tuple; a new SYN with newer timestamps takes it over)"
}

# --- row 7: requests per connection ------------------------------------------------------------

# rm_row_requests R: R requests as connections of K = 1 and 10 requests.
rm_row_requests() {
	local r=$1 help k fin tw args=()
	help=$("$(lab_twtest)" client --help 2>&1)
	if [[ $help == *--requests-per-conn* ]]; then
		for k in 1 10; do
			rm_up lo net.ipv4.ip_local_port_range="$RM_RANGE" net.ipv4.tcp_tw_reuse=0
			rm_serve "$RM_PORT"
			rm_client 1 $((r / k)) --port "$RM_PORT" --requests-per-conn "$k"
			fin=$(rm_get finished) tw=$(rm_get time_wait)
			lab_cell_down
			args+=("k$k=$fin $tw")
			lt_metric "k$k" finished "$fin"; lt_metric "k$k" time_wait "$tw"
		done
	fi
	rm_judge_requests requests="$r" "${args[@]}"
}

# rm_judge_requests requests= kK="FINISHED TIME_WAIT"... (none: no --requests-per-conn): 7:
# R requests as connections of K leave R / K TIME_WAIT sockets.
rm_judge_requests() {
	local -A a=(); rm_kv a "$@"
	local k fin tw ok=1 res="" r=${a[requests]}
	if [ ${#a[@]} = 1 ]; then
		lt_result "not measured: this twtest has no --requests-per-conn"
		lt_verdict "not measured"
		return
	fi
	for k in $(printf '%s\n' "${!a[@]}" | grep '^k' | sort -k1.2n); do
		read -r fin tw <<<"${a[$k]}"
		k=${k#k}
		[ "$tw" = $((r / k)) ] && [ "$fin" = $((r / k)) ] || ok=0
		res+="${res:+; }K=$k: $((r / k)) connections, $fin finished, TIME_WAIT $tw for $r requests"
	done
	lt_result "$res"
	lt_figure "$(sed 's/ connections, \([0-9]*\) finished, TIME_WAIT / connections, TIME_WAIT /g' <<<"$res")"
	lt_holds $ok
}

# --- row 8: orphaned FIN_WAIT2 -------------------------------------------------------------------

# rm_orphan_case [SERVER-ARGS...]: reuse on; fill the range; refill after the delay.
# RM_RUN[b], [recycled], [cause], [fw2] (client sockets that ss shows as FIN-WAIT-2 after the
# fill), [p].
rm_orphan_case() {
	rm_up lo net.ipv4.ip_local_port_range="$RM_RANGE" net.ipv4.tcp_tw_reuse=1 "${RM_FAST[@]}"
	rm_serve "$RM_PORT" "$@"
	rm_client 1 "$RM_P" --port "$RM_PORT"
	RM_RUN[fw2]=$(ip netns exec "$LAB_CNS" ss -Htan state fin-wait-2 "( dport = :$RM_PORT )" | wc -l)
	sleep "$RM_GAP"
	rm_client 1 "$RM_P" --port "$RM_PORT"
	RM_RUN[b]=$(rm_get finished) RM_RUN[recycled]=$(rm_get kernel_TWRecycled) RM_RUN[cause]=$(rm_cause)
	lab_cell_down
}

rm_row_orphan() {
	local base base_r
	rm_orphan_case
	base=${RM_RUN[b]} base_r=${RM_RUN[recycled]}
	rm_orphan_case --on-eof ignore
	lt_metric control finished "$base"; lt_metric control recycled "$base_r"
	lt_metric orphan fin_wait2 "${RM_RUN[fw2]}"; lt_metric orphan finished "${RM_RUN[b]}"
	lt_metric orphan recycled "${RM_RUN[recycled]}"
	rm_judge_orphan p="${RM_RUN[p]}" fw2="${RM_RUN[fw2]}" fin="${RM_RUN[b]}" cause="${RM_RUN[cause]}" \
		recycled="${RM_RUN[recycled]}" base="$base" base_r="$base_r"
}

# rm_judge_orphan p= fw2= fin= cause= recycled= base= base_r=: 8: all P orphaned sockets in
# FIN-WAIT-2, none of them reused; a normal close: all P reused.
rm_judge_orphan() {
	local -A a=(); rm_kv a "$@"
	local p=${a[p]}
	lt_figure "refill after orphaned FIN-WAIT-2: ${a[fin]}/$p (TWRecycled ${a[recycled]}); after a normal close: ${a[base]}/$p"
	lt_result "orphaned: ${a[fw2]} client sockets in FIN-WAIT-2, refill ${a[fin]}/$p (${a[cause]}, TWRecycled ${a[recycled]}); normal close: refill ${a[base]}/$p (TWRecycled ${a[base_r]})"
	if [ "${a[fw2]}" = "$p" ] && [ "${a[fin]}" = 0 ] && [ "${a[base]}" = "$p" ]; then
		lt_verdict "holds on this kernel: tcp_twsk_unique refuses a TIME_WAIT whose substate is FIN_WAIT2 (the 2024 fix \"tcp: avoid reusing FIN_WAIT2 when trying to find port in connect() process\", also in stable kernels)"
	elif [ "${a[fin]}" = "$p" ]; then
		lt_verdict "does not hold here: this kernel reuses them"
	else
		lt_verdict "does not hold here"
	fi
}

# --- row 9: memory ---------------------------------------------------------------------------------

# rm_slab NAME: active objects and object size of a slab cache ("N SIZE"), or "0 0".
rm_slab() { awk -v n="$1" '$1 == n { print $2, $4; f = 1 } END { if (!f) print 0, 0 }' /proc/slabinfo 2>/dev/null || echo "0 0"; }

# rm_row_memory: --tw N TIME_WAIT sockets from 4 source addresses (each one's port search
# stays under half the range, where it is fast), tcp_max_tw_buckets 2N in the namespace (its
# default follows the machine's RAM and may be below N).
rm_row_memory() {
	local want=$RM_TW srcs=4 loops before after size fin tw
	loops=$(( (want + 9999) / 10000 ))
	rm_up lo net.ipv4.ip_local_port_range="1024 65535" net.ipv4.tcp_tw_reuse=0 \
		net.ipv4.tcp_max_tw_buckets=$((2 * want))
	rm_serve "$RM_PORT"
	read -r before size < <(rm_slab tw_sock_TCP)
	rm_client "$loops" $((want / loops)) --port "$RM_PORT" --bind "127.0.0.1-127.0.0.$srcs" --bind-no-port
	fin=$(rm_get finished)
	# shellcheck disable=SC2016 # awk's own $1
	tw=$(ip netns exec "$LAB_CNS" awk '$1 == "TCP:" { for (i = 2; i < NF; i++) if ($i == "tw") print $(i + 1) }' \
		/proc/net/sockstat)
	read -r after size < <(rm_slab tw_sock_TCP)
	lab_cell_down
	lt_metric memory finished "$fin"; lt_metric memory time_wait "$tw"
	lt_metric memory object_size "$size"; lt_metric memory slab_delta $((after - before))
	rm_judge_memory want=$((loops * (want / loops))) fin="$fin" tw="$tw" size="$size" delta=$((after - before))
}

# rm_judge_memory want= fin= tw= size= delta=: 9: at least 90% of the connections made stay
# in TIME_WAIT; the cost is their number x size.
rm_judge_memory() {
	local -A a=(); rm_kv a "$@"
	local tw=${a[tw]} size=${a[size]} mb
	mb=$(awk -v n="$tw" -v s="$size" 'BEGIN { printf "%.1f", n * s / 1048576 }')
	lt_figure "$tw TIME_WAIT x $size B = $mb MB"
	lt_result "${a[fin]} connections, $tw TIME_WAIT (sockstat) x $size B (a tw_sock_TCP object) = $mb MB; the machine-wide slab grew by ${a[delta]} objects meanwhile (others' sockets come and go)"
	if [ "$size" = 0 ]; then
		lt_verdict "not measured: no tw_sock_TCP in /proc/slabinfo"
	elif [ "$tw" -ge $((a[want] * 9 / 10)) ]; then
		lt_verdict "holds: $(awk -v s="$size" 'BEGIN { printf "%.0f", s * 100000 / 1048576 }') MB per 100k TIME_WAIT sockets (a small tw_sock replaces the socket and its buffers)"
	else
		lt_verdict "not measured: only $tw TIME_WAIT sockets were made"
	fi
}

# --- row 10: tcp_tw_recycle -------------------------------------------------------------------------

rm_row_recycle() {
	local state=absent
	rm_sysctl_exists net.ipv4.tcp_tw_recycle && state=present
	lt_metric sysctl tcp_tw_recycle "$state"
	rm_judge_recycle sysctl="$state" kernel="$(uname -r)"
}

# rm_judge_recycle sysctl=present|absent kernel=: 10: gone since Linux 4.12.
rm_judge_recycle() {
	local -A a=(); rm_kv a "$@"
	if [ "${a[sysctl]}" = present ]; then
		lt_result "net.ipv4.tcp_tw_recycle exists"
		lt_verdict "not measured here: this kernel still has it (before 4.12)"
	else
		lt_result "no net.ipv4.tcp_tw_recycle on ${a[kernel]}"
		lt_verdict "does not apply: removed in Linux 4.12 (it broke clients behind NAT)"
	fi
}

# --- rows 11-12b: SO_LINGER, SO_REUSEPORT, tcp_tw_reuse and its delay -------------------------

RM_LOOPS=4 RM_LOOP_N=100   # rows 11 and 12: L loops of N on P ports

# rm_loops_case CLIENT-ARGS...: P ports, reuse off, L loops of N; RM_RUN[fin], [tw], [rst], [p].
rm_loops_case() {
	rm_up lo net.ipv4.ip_local_port_range="$RM_RANGE" net.ipv4.tcp_tw_reuse=0
	rm_serve "$RM_PORT"
	rm_client "$RM_LOOPS" "$RM_LOOP_N" --port "$RM_PORT" "$@"
	RM_RUN[fin]=$(rm_get finished) RM_RUN[tw]=$(rm_get time_wait) RM_RUN[rst]=$(rm_get kernel_OutRsts)
	lab_cell_down
}

# rm_loops_base: the same loops without any option, once (rows 11 and 12 compare with it):
# RM_ONCE[base] "FINISHED P".
rm_loops_base() {
	[ -n "${RM_ONCE[base]:-}" ] && return 0
	rm_loops_case
	RM_ONCE[base]="${RM_RUN[fin]} ${RM_RUN[p]}"
	lt_metric none finished "${RM_RUN[fin]}"
}

rm_row_linger() {
	local base p
	rm_loops_base; read -r base p <<<"${RM_ONCE[base]}"
	rm_loops_case --linger
	lt_metric linger finished "${RM_RUN[fin]}"
	lt_metric linger time_wait "${RM_RUN[tw]}"; lt_metric linger out_rsts "${RM_RUN[rst]}"
	rm_judge_linger p="$p" all=$((RM_LOOPS * RM_LOOP_N)) fin="${RM_RUN[fin]}" tw="${RM_RUN[tw]}" \
		rst="${RM_RUN[rst]}" base="$base"
}

# rm_judge_linger p= all= fin= tw= rst= base=: 11: with SO_LINGER {1,0} all L x N finish with
# no TIME_WAIT and an RST each; without, P.
rm_judge_linger() {
	local -A a=(); rm_kv a "$@"
	lt_result "${a[fin]}/${a[all]} finished, time_wait ${a[tw]}, RSTs sent ${a[rst]}; without: ${a[base]}/${a[all]} (P=${a[p]})"
	[ "${a[fin]}" = "${a[all]}" ] && [ "${a[tw]}" = 0 ] && [ "${a[rst]}" -ge "${a[all]}" ] && [ "${a[base]}" = "${a[p]}" ]
	lt_holds $(($? == 0)) ", by aborting: every close is an RST (unsent data dropped, the peer may see ECONNRESET)"
}

rm_row_reuseport() {
	local base p
	rm_loops_base; read -r base p <<<"${RM_ONCE[base]}"
	rm_loops_case --reuseport
	lt_metric reuseport finished "${RM_RUN[fin]}"
	rm_judge_reuseport all=$((RM_LOOPS * RM_LOOP_N)) fin="${RM_RUN[fin]}" base="$base"
}

# rm_judge_reuseport all= fin= base=: 12: SO_REUSEPORT finishes what the plain client does.
rm_judge_reuseport() {
	local -A a=(); rm_kv a "$@"
	lt_result "${a[fin]}/${a[all]} finished with it, ${a[base]}/${a[all]} without"
	[ "${a[fin]}" = "${a[base]}" ]
	lt_holds $(($? == 0)) ": no help"
}

# rm_row_reuse_delay: tcp_tw_reuse=1 with the kernel's delay (1000 ms where the sysctl
# exists, set so; before 6.14 the next whole second): fill, refill at once, refill 1.2 s later.
rm_row_reuse_delay() {
	local fill_s young old
	rm_up lo net.ipv4.ip_local_port_range="$RM_RANGE" net.ipv4.tcp_tw_reuse=1
	[ "$RM_HAVE_DELAY" = 1 ] && lab_sysctl "$LAB_CNS" net.ipv4.tcp_tw_reuse_delay=1000
	rm_serve "$RM_PORT"
	rm_client 1 "$RM_P" --port "$RM_PORT"
	fill_s=$(rm_get time_s)
	rm_client 1 "$RM_P" --port "$RM_PORT"
	young=$(rm_get finished)
	sleep 1.2
	rm_client 1 "$RM_P" --port "$RM_PORT"
	old=$(rm_get finished)
	lab_cell_down
	lt_metric reuse_delay young "$young"; lt_metric reuse_delay old "$old"
	lt_metric reuse_delay fill_s "$fill_s"
	rm_judge_reuse_delay p="${RM_RUN[p]}" have_delay="$RM_HAVE_DELAY" young="$young" old="$old" fill_s="$fill_s"
}

# rm_judge_reuse_delay p= have_delay=0|1 young= old= fill_s=: 12b: past the delay all P are
# reused; at once fewer than half (on 6.14+, with 1000 ms). Before 6.14 the whole-second rule
# may reuse at once: only the refill past a second is decisive.
rm_judge_reuse_delay() {
	local -A a=(); rm_kv a "$@"
	local p=${a[p]} rule ok=0
	if [ "${a[have_delay]}" = 1 ]; then
		rule="older than the reuse delay (net.ipv4.tcp_tw_reuse_delay, 1000 ms)"
		[ "${a[old]}" = "$p" ] && [ "${a[young]}" -lt $((p / 2)) ] && ok=1
	else
		rule="from an earlier second of the clock than now (no tcp_tw_reuse_delay before Linux 6.14: 0 to 1 s)"
		[ "${a[old]}" = "$p" ] && ok=1
	fi
	lt_result "refill at once (the fill took ${a[fill_s]} s): ${a[young]}/$p; 1.2 s later: ${a[old]}/$p"
	if [ $ok = 1 ]; then
		lt_verdict "holds only when the TIME_WAIT is $rule and timestamps were on (row 2)"
	else
		lt_verdict "does not hold here"
	fi
}

# --- row 13: the rate one destination sustains ----------------------------------------------

# rm_rate_case RATE DURATION [SYSCTL...]: client --rate for DURATION s toward one destination;
# RM_RUN[fin], [failed], [first] (first_failure_s), [p].
rm_rate_case() {
	local rate=$1 dur=$2; shift 2
	rm_up lo net.ipv4.ip_local_port_range="$RM_RANGE" "$@"
	rm_serve "$RM_PORT"
	ip netns exec "$LAB_CNS" "$(lab_twtest)" client --rate "$rate" --duration "$dur" "$LAB_DST" \
		--port "$RM_PORT" --format csv >"$LAB_TMP/rate.csv" 2>&1 </dev/null ||
		rm_die "client --rate failed: $(head -c 300 "$LAB_TMP/rate.csv")"
	RM_LAST=$LAB_TMP/rate.csv
	RM_RUN[fin]=$(rm_get finished) RM_RUN[failed]=$(rm_get failed) RM_RUN[first]=$(rm_get first_failure_s)
	RM_RUN[p]=$(rm_ns_ports)
	lab_cell_down
}

# rm_row_rate R S R2 S2: R/s for S s with reuse off, R2/s for S2 s with reuse on.
rm_row_rate() {
	local r=$1 d=$2 r2=$3 d2=$4 help off_fin off_first p
	help=$("$(lab_twtest)" client --help 2>&1)
	if [[ $help != *--rate* ]]; then
		rm_judge_rate rate=none
		return
	fi
	rm_rate_case "$r" "$d" net.ipv4.tcp_tw_reuse=0
	off_fin=${RM_RUN[fin]} off_first=${RM_RUN[first]:-none} p=${RM_RUN[p]}
	rm_rate_case "$r2" "$d2" net.ipv4.tcp_tw_reuse=1
	lt_metric reuse0 finished "$off_fin"; lt_metric reuse0 first_failure_s "$off_first"
	lt_metric reuse1 failed "${RM_RUN[failed]}"; lt_metric reuse1 finished "${RM_RUN[fin]}"
	rm_judge_rate p="$p" rate="$r $d" rate_on="$r2 $d2" off_fin="$off_fin" off_first="$off_first" \
		on_failed="${RM_RUN[failed]}" on_fin="${RM_RUN[fin]}"
}

# rm_judge_rate p= rate="R S" rate_on="R2 S2" off_fin= off_first= on_failed= on_fin= (rate=none:
# no --rate): 13: reuse off at R/s for S s (R x S > P): P finish, the first failure comes at
# P/R (from 0.8 to 1.6 times it: the client's start and a loaded machine); reuse on: nothing
# fails.
rm_judge_rate() {
	local -A a=(); rm_kv a "$@"
	if [ "${a[rate]}" = none ]; then
		lt_result "not measured: this twtest has no --rate"
		lt_verdict "not measured"
		return
	fi
	local r d r2 d2 p=${a[p]} pr
	read -r r d <<<"${a[rate]}"; read -r r2 d2 <<<"${a[rate_on]}"
	pr=$(awk -v p="$p" -v r="$r" 'BEGIN { printf "%.2f", p / r }')
	lt_figure "reuse off: first failure at ${a[off_first]} s (P/R = $pr s), ${a[off_fin]} of P=$p finished; reuse on: ${a[on_failed]} failed"
	lt_result "P=$p; reuse off, $r/s for $d s: ${a[off_fin]} finished, first failure at ${a[off_first]} s (P/R = $pr s); reuse on, $r2/s for $d2 s: ${a[on_failed]} failed of $((a[on_failed] + a[on_fin]))"
	if [ "${a[off_fin]}" = "$p" ] &&
		awk -v f="${a[off_first]}" -v t="$pr" 'BEGIN { exit !(f != "none" && f >= 0.8 * t && f <= 1.6 * t) }'; then
		local v="holds: P connections, then nothing until TIME_WAIT ends (P / 60 s sustained; 470/s for the default 28232 ports)"
		[ "${a[on_failed]}" = 0 ] && v+="; with tcp_tw_reuse (and timestamps) P per reuse delay"
		lt_verdict "$v"
	else
		lt_verdict "does not hold here"
	fi
}
