# shellcheck shell=bash disable=SC2154 # RM_RUN and RM_ONCE: associative arrays of remedies.sh
# scripts/remedies_bind.sh: rows 1a-1f of scripts/remedies.sh (sourced by it): bind modes x
# destinations x tcp_tw_reuse. Each rm_row_* measures and calls its rm_judge_*, which takes the
# numbers as KEY=VALUE arguments and sets the row's result and verdict (scripts/lab_table.sh).

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
# destination (DEST_B 1) or another port of the same server (2). RM_RUN[a] (A's finished),
# [b] (B's finished), [cause], [recycled] (B's), [p].
rm_fill_probe() {
	local a=$1 b=$2 dest=$3; shift 3
	rm_up lo net.ipv4.ip_local_port_range="$RM_RANGE" "$@"
	rm_serve "$RM_PORT,$((RM_PORT + 1))"
	# shellcheck disable=SC2046
	rm_client 1 "$RM_P" --port "$RM_PORT" $(rm_mode_flags "$a")
	RM_RUN[a]=$(rm_get finished)
	sleep "$RM_GAP"
	# shellcheck disable=SC2046
	rm_client 1 "$RM_P" --port $((RM_PORT + dest - 1)) $(rm_mode_flags "$b")
	RM_RUN[b]=$(rm_get finished) RM_RUN[cause]=$(rm_cause) RM_RUN[recycled]=$(rm_get kernel_TWRecycled)
	lab_cell_down
}

declare -A RM_MATRIX=()  # the bind-mode matrix: finished by MODE.rREUSE.dDEST (.fill: the fill)

# rm_matrix: every bind mode x tcp_tw_reuse 0/1 x same/other destination, into RM_MATRIX and
# the detail table (once: rows 1a-1c and 1f read it).
rm_matrix() {
	local mode reuse dest cells key
	for mode in none bind0 reuseaddr noport; do
		cells=""
		for reuse in 0 1; do
			for dest in 1 2; do
				rm_fill_probe "$mode" "$mode" "$dest" net.ipv4.tcp_tw_reuse=$reuse "${RM_FAST[@]}"
				key="$mode.r$reuse.d$dest"
				RM_MATRIX[$key]=${RM_RUN[b]} RM_MATRIX[$key.fill]=${RM_RUN[a]}
				lt_metric "$key" fill "${RM_RUN[a]}"
				lt_metric "$key" finished "${RM_RUN[b]}"
				lt_metric "$key" cause "${RM_RUN[cause]}"
				cells+=" ${RM_RUN[b]}/$RM_P (${RM_RUN[cause]}) |"
			done
		done
		RM_DETAIL+=("| $mode \`${RM_MODE_TEXT[$mode]}\` |$cells")
	done
	RM_MATRIX[p]=${RM_RUN[p]}
}

rm_row_pools() {
	rm_once matrix rm_matrix
	rm_judge_pools p="${RM_MATRIX[p]}" none="${RM_MATRIX[none.r0.d2]}" bind="${RM_MATRIX[bind0.r0.d2]}" \
		bind_fill="${RM_MATRIX[bind0.r0.d2.fill]}"
}

# rm_judge_pools p= none= bind= bind_fill=: 1a: with the range full toward port A, bind() gets
# nothing toward port B (its fill got all P), connect() all P.
rm_judge_pools() {
	local -A a=(); rm_kv a "$@"
	lt_result "range full toward port A; to port B: plain connect() ${a[none]}/${a[p]}, bind() ${a[bind]}/${a[p]} (bind/EADDRINUSE)"
	lt_figure "to another destination: connect() ${a[none]}/${a[p]}, bind() ${a[bind]}/${a[p]}"
	[ "${a[bind]}" = 0 ] && [ "${a[none]}" = "${a[p]}" ] && [ "${a[bind_fill]}" = "${a[p]}" ]
	lt_holds $(($? == 0))
}

rm_row_bind_reuse() {
	rm_once matrix rm_matrix
	rm_judge_bind_reuse p="${RM_MATRIX[p]}" none="${RM_MATRIX[none.r1.d1]}" bind="${RM_MATRIX[bind0.r1.d1]}"
}

# rm_judge_bind_reuse p= none= bind=: 1b: reuse on, same destination: connect() reuses all P,
# bind() none.
rm_judge_bind_reuse() {
	local -A a=(); rm_kv a "$@"
	lt_result "same destination, reuse on: plain connect() ${a[none]}/${a[p]}, bind() ${a[bind]}/${a[p]}"
	lt_figure "refill with reuse on: connect() ${a[none]}/${a[p]}, bind() ${a[bind]}/${a[p]}"
	[ "${a[bind]}" = 0 ] && [ "${a[none]}" = "${a[p]}" ]
	lt_holds $(($? == 0))
}

rm_row_noport() {
	rm_once matrix rm_matrix
	local k args=("p=${RM_MATRIX[p]}")
	for k in r0.d1 r0.d2 r1.d1 r1.d2; do args+=("noport.$k=${RM_MATRIX[noport.$k]}" "none.$k=${RM_MATRIX[none.$k]}"); done
	rm_judge_noport "${args[@]}"
}

# rm_judge_noport p= noport.rR.dD= none.rR.dD= (R 0 1, D 1 2): 1c: IP_BIND_ADDRESS_NO_PORT gets
# what plain connect() gets in every cell.
rm_judge_noport() {
	local -A a=(); rm_kv a "$@"
	local same=1 k
	for k in r0.d1 r0.d2 r1.d1 r1.d2; do [ "${a[noport.$k]}" = "${a[none.$k]}" ] || same=0; done
	lt_result "same as plain connect() in all 4 cases: ${a[noport.r0.d1]}, ${a[noport.r0.d2]}, ${a[noport.r1.d1]}, ${a[noport.r1.d2]} of ${a[p]}"
	lt_holds $same
}

# rm_fixed_port_case A_REUSEADDR B_REUSEADDR: one connection from source port 41000, then
# another from the same port at once, each with SO_REUSEADDR (1) or not (0), reuse off.
# RM_RUN[b], [cause], [recycled] of the second.
rm_fixed_port_case() {
	local flag=(--source-port 41000) first=() second=()
	[ "$1" = 1 ] && first=(--reuseaddr)
	[ "$2" = 1 ] && second=(--reuseaddr)
	rm_up lo net.ipv4.tcp_tw_reuse=0
	rm_serve "$RM_PORT"
	rm_client 1 1 --port "$RM_PORT" "${flag[@]}" "${first[@]}"
	rm_client 1 1 --port "$RM_PORT" "${flag[@]}" "${second[@]}"
	RM_RUN[b]=$(rm_get finished) RM_RUN[cause]=$(rm_cause) RM_RUN[recycled]=$(rm_get kernel_TWRecycled)
	lab_cell_down
}

# rm_row_reuseaddr: SO_REUSEADDR with connect() alone, with bind(), with
# net.ipv4.ip_autobind_reuse=1 (both runs with it, and only the second), and on a fixed source
# port (both sockets with it, and only the second).
rm_row_reuseaddr() {
	local -A m=()
	rm_fill_probe none none 1 net.ipv4.tcp_tw_reuse=0 "${RM_FAST[@]}"
	m[plain]=${RM_RUN[b]}
	rm_fill_probe reuseaddr reuseaddr 1 net.ipv4.tcp_tw_reuse=0 "${RM_FAST[@]}"
	m[bind]=${RM_RUN[b]}
	lt_metric bind finished "${m[bind]}"
	rm_fill_probe reuseaddr reuseaddr 1 net.ipv4.tcp_tw_reuse=0 net.ipv4.ip_autobind_reuse=1 "${RM_FAST[@]}"
	m[autobind]=${RM_RUN[b]} m[autobind_cause]=${RM_RUN[cause]} m[autobind_recycled]=${RM_RUN[recycled]}
	lt_metric autobind.both finished "${RM_RUN[b]}"
	lt_metric autobind.both recycled "${RM_RUN[recycled]}"
	rm_fill_probe none reuseaddr 1 net.ipv4.tcp_tw_reuse=0 net.ipv4.ip_autobind_reuse=1 "${RM_FAST[@]}"
	m[autobind_second]=${RM_RUN[b]}
	lt_metric autobind.second finished "${RM_RUN[b]}"
	lt_metric autobind.second cause "${RM_RUN[cause]}"
	rm_fixed_port_case 0 1
	m[fixed_second]=${RM_RUN[b]}
	lt_metric fixed.second finished "${RM_RUN[b]}"; lt_metric fixed.second cause "${RM_RUN[cause]}"
	rm_fixed_port_case 1 1
	m[fixed_both]=${RM_RUN[b]} m[fixed_both_recycled]=${RM_RUN[recycled]}
	lt_metric fixed.both finished "${RM_RUN[b]}"; lt_metric fixed.both recycled "${RM_RUN[recycled]}"
	# plain connect() with SO_REUSEADDR (seed 002 #7), no bind
	rm_up lo net.ipv4.ip_local_port_range="$RM_RANGE" net.ipv4.tcp_tw_reuse=0
	rm_serve "$RM_PORT"
	rm_client 1 "$RM_P" --port "$RM_PORT" --reuseaddr
	sleep "$RM_GAP"
	rm_client 1 "$RM_P" --port "$RM_PORT" --reuseaddr
	m[plain_reuseaddr]=$(rm_get finished)
	lt_metric plain_reuseaddr finished "${m[plain_reuseaddr]}"
	lab_cell_down
	local k args=("p=${RM_RUN[p]}")
	for k in "${!m[@]}"; do args+=("$k=${m[$k]}"); done
	rm_judge_reuseaddr "${args[@]}"
}

# rm_judge_reuseaddr p= plain= plain_reuseaddr= bind= autobind= autobind_cause=
# autobind_recycled= autobind_second= fixed_both= fixed_both_recycled= fixed_second=: 1d:
# SO_REUSEADDR changes nothing for connect(), and bind(port 0) with it still fails; what it
# does do (ip_autobind_reuse, a fixed port) is stated with the numbers.
rm_judge_reuseaddr() {
	local -A a=(); rm_kv a "$@"
	local p=${a[p]}
	lt_figure "connect(): ${a[plain_reuseaddr]}/$p with it, ${a[plain]}/$p without; bind(): ${a[bind]}/$p; ip_autobind_reuse=1: ${a[autobind]}/$p"
	lt_result "plain connect(): ${a[plain_reuseaddr]}/$p with it, ${a[plain]} without; bind(): ${a[bind]}/$p; with ip_autobind_reuse=1: ${a[autobind]}/$p (${a[autobind_cause]}, TWRecycled ${a[autobind_recycled]} even with tcp_tw_reuse=0), ${a[autobind_second]}/$p if the TIME_WAIT sockets lacked it; a fixed source port (--source-port) held by TIME_WAIT: ${a[fixed_both]}/1 when both sockets set it (TWRecycled ${a[fixed_both_recycled]}, tcp_tw_reuse=0), ${a[fixed_second]}/1 when only the new one did"
	if [ "${a[plain_reuseaddr]}" = "${a[plain]}" ] && [ "${a[bind]}" = 0 ]; then
		lt_verdict "does not hold here: no help to connect(); with bind() only when the TIME_WAIT socket had it too (a fixed port), and for port 0 only with ip_autobind_reuse=1, and then partly"
	else
		lt_verdict "holds only when: see the numbers"
	fi
}

# rm_spread_case D MODE DSTS PORTS: one client run of D x P connections, spread round-robin
# over D destinations (DSTS and PORTS as the client takes them), P ports, reuse off; the
# server listens on D ports from RM_PORT on every address; RM_RUN[fin], [cause].
rm_spread_case() {
	local d=$1 mode=$2 dsts=$3 ports=$4
	rm_up lo net.ipv4.ip_local_port_range="$RM_RANGE" net.ipv4.tcp_tw_reuse=0
	lab_spawn_server ip netns exec "$LAB_SNS" "$(lab_twtest)" server --port "$RM_PORT-$((RM_PORT + d - 1))" ||
		{ lab_server_err; exit 1; }
	local dst=$LAB_DST
	LAB_DST=$dsts
	# shellcheck disable=SC2046
	rm_client 1 $((d * RM_P)) --port "$ports" $(rm_mode_flags "$mode")
	LAB_DST=$dst
	RM_RUN[fin]=$(rm_get finished) RM_RUN[cause]=$(rm_cause)
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

# rm_row_spread D: D destination ports, then D destination addresses, each with connect(),
# bind() and IP_BIND_ADDRESS_NO_PORT (skipped when this twtest's client takes no lists).
rm_row_spread() {
	local d=$1 kind mode dsts p kinds="" args=()
	for kind in ports addrs; do
		dsts=127.0.0.1 p="$RM_PORT-$((RM_PORT + d - 1))"
		[ $kind = addrs ] && dsts=127.0.0.1-127.0.0.$d p=$RM_PORT
		rm_client_takes "$dsts" "$p" || continue
		kinds+="${kinds:+ }$kind"
		for mode in none bind0 noport; do
			rm_spread_case "$d" "$mode" "$dsts" "$p"
			args+=("$kind.$mode=${RM_RUN[fin]}")
			lt_metric "spread.$kind.$mode" finished "${RM_RUN[fin]}"
		done
	done
	rm_judge_spread p="${RM_RUN[p]:-$RM_P}" d="$d" kinds="$kinds" "${args[@]}"
}

# rm_judge_spread p= d= kinds= KIND.MODE=... (KIND in kinds, MODE none bind0 noport): 1e:
# connect() and IP_BIND_ADDRESS_NO_PORT finish D x P, bind() P.
rm_judge_spread() {
	local -A a=(); rm_kv a "$@"
	local p=${a[p]} d=${a[d]} ok=1 kind mode res="" want
	if [ -z "${a[kinds]}" ]; then
		lt_result "not measured: this twtest's client takes one destination"
		lt_verdict "not measured"
		return
	fi
	for kind in ${a[kinds]}; do
		res+="${res:+; }$d destination $kind:"
		for mode in none bind0 noport; do
			want=$((d * p)); [ $mode = bind0 ] && want=$p
			[ "${a[$kind.$mode]}" = "$want" ] || ok=0
			res+=" ${RM_MODE_SHORT[$mode]} ${a[$kind.$mode]},"
		done
		res=${res%,}
	done
	lt_result "P=$p ports, D=$d, $((d * p)) connections, finished: $res"
	lt_figure "P=$p, D=$d, finished: $(sed 's/ destination / /g; s/IP_BIND_ADDRESS_NO_PORT/NO_PORT/g' <<<"$res")"
	lt_holds $ok
}

# rm_row_poison: bound sockets' TIME_WAIT toward port A, then plain connect() to port B,
# reuse on; and the same after a connect() fill (the matrix's none.r1.d2 when it ran).
rm_row_poison() {
	local poison cause control
	rm_fill_probe bind0 none 2 net.ipv4.tcp_tw_reuse=1 "${RM_FAST[@]}"
	poison=${RM_RUN[b]} cause=${RM_RUN[cause]}
	lt_metric poison finished "$poison"; lt_metric poison cause "$cause"
	control=${RM_MATRIX[none.r1.d2]:-}
	if [ -z "$control" ]; then
		rm_fill_probe none none 2 net.ipv4.tcp_tw_reuse=1 "${RM_FAST[@]}"
		control=${RM_RUN[b]}
	fi
	lt_metric control finished "$control"
	rm_judge_poison p="${RM_RUN[p]}" poison="$poison" cause="$cause" control="$control"
}

# rm_judge_poison p= poison= cause= control=: 1f: after a bind() fill connect() gets nothing
# toward another port; after a connect() fill, P.
rm_judge_poison() {
	local -A a=(); rm_kv a "$@"
	lt_result "after a bind() fill: ${a[poison]}/${a[p]} (${a[cause]}); after a connect() fill: ${a[control]}/${a[p]}"
	[ "${a[poison]}" = 0 ] && [ "${a[control]}" = "${a[p]}" ]
	lt_holds $(($? == 0))
}
