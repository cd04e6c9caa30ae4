#!/usr/bin/env bash
# scripts/lab.sh: test hosts inside one machine, made of network namespaces.
#
# A "cell" is a client and a server: for the veth path two namespaces joined by a veth pair
# (client 198.18.0.1, server 198.18.0.2, from the benchmark range 198.18.0.0/15); for the lo
# path one namespace, server on 127.0.0.1. The sysctls of a cell are set inside its client
# namespace only, never the host's. Every namespace and process made here is removed by
# lab_cleanup, which lab_trap installs for EXIT, INT and TERM. Names start with LAB_PREFIX
# (default twl<pid>), so two runs can share a machine.
#
# Sourced (`. scripts/lab.sh`), it only defines the lab_* functions; executed, it is a
# small CLI:
#   lab.sh up [--path lo|veth] [--sysctl KEY=VALUE]... [--port PORT]
#          make a cell with a server in it and leave it running; prints its names as
#          shell assignments (LAB_ID, CLIENT_NS, SERVER_NS, DST, PORT)
#   lab.sh run [--path lo|veth] [--sysctl KEY=VALUE]... [--port PORT] -- CLIENT-ARGS...
#          make a cell, run `twtest client DST CLIENT-ARGS --port PORT` in its client
#          namespace, print the client's output, remove the cell
#   lab.sh down LAB_ID      remove every namespace of that id, and the processes in them
#   lab.sh list             the lab namespaces that exist now
# TWTEST names the twtest binary (default: ./twtest beside scripts/, else `twtest`).

LAB_PREFIX=${LAB_PREFIX:-twl$$}
LAB_NETNS=()        # every namespace made by this shell, for lab_cleanup
LAB_PIDS=()         # every process started by this shell, for lab_cleanup
LAB_CELLS=0         # cells made so far (numbers the namespace names)
LAB_CNS="" LAB_SNS="" LAB_DST="" LAB_PATH=""   # the current cell
LAB_SERVER_PID="" LAB_SERVER_OUT=""
LAB_CLIENT_ADDR=198.18.0.1
LAB_SERVER_ADDR=198.18.0.2
LAB_TMP=""

# lab_err MSG: one line on stderr; returns 1 so callers can `lab_err ... || return`.
lab_err() { echo "lab: $*" >&2; return 1; }

# lab_twtest: the twtest binary to run.
lab_twtest() {
	if [ -n "${TWTEST:-}" ]; then echo "$TWTEST"; return; fi
	local here; here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
	if [ -x "$here/twtest" ]; then echo "$here/twtest"; else echo twtest; fi
}

# lab_tmpdir: a private directory for server logs, removed by lab_cleanup.
lab_tmpdir() {
	[ -n "$LAB_TMP" ] || LAB_TMP=$(mktemp -d "${TMPDIR:-/tmp}/${LAB_PREFIX}.XXXXXX")
}

# lab_ns_add NAME: make namespace LAB_PREFIX-NAME with lo up; sets LAB_NS to its name.
lab_ns_add() {
	LAB_NS="${LAB_PREFIX}-$1"
	ip netns add "$LAB_NS" || { lab_err "ip netns add $LAB_NS failed"; return 1; }
	LAB_NETNS+=("$LAB_NS")
	ip -n "$LAB_NS" link set lo up || { lab_err "cannot set lo up in $LAB_NS"; return 1; }
}

# lab_ns_del NS: delete a namespace made here (its veth end goes with it).
lab_ns_del() {
	local ns=$1 i
	ip netns del "$ns" 2>/dev/null
	for i in "${!LAB_NETNS[@]}"; do
		[ "${LAB_NETNS[$i]}" = "$ns" ] && unset 'LAB_NETNS[i]'
	done
	return 0
}

# lab_veth CNS SNS: a veth pair from CNS (198.18.0.1/24) to SNS (198.18.0.2/24). The ends
# are made directly inside the namespaces, so no name is ever taken in the host's.
lab_veth() {
	local cns=$1 sns=$2
	ip link add twc0 netns "$cns" type veth peer name tws0 netns "$sns" ||
		{ lab_err "cannot make a veth pair between $cns and $sns"; return 1; }
	ip -n "$cns" addr add "$LAB_CLIENT_ADDR/24" dev twc0 &&
		ip -n "$sns" addr add "$LAB_SERVER_ADDR/24" dev tws0 &&
		ip -n "$cns" link set twc0 up && ip -n "$sns" link set tws0 up ||
		{ lab_err "cannot configure the veth pair"; return 1; }
}

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

# lab_cell_up PATH: a fresh cell (lo or veth); sets LAB_CNS, LAB_SNS, LAB_DST, LAB_PATH.
lab_cell_up() {
	LAB_PATH=$1
	LAB_CELLS=$((LAB_CELLS + 1))
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
	*) lab_err "invalid path '$LAB_PATH': must be lo or veth"; return 2 ;;
	esac
}

# lab_server_start NS|- PORT [SERVER-ARGS...]: start `twtest server` on LAB_DST:PORT inside
# NS (- for no namespace) and wait until it listens; sets LAB_SERVER_PID.
lab_server_start() {
	local ns=$1 port=$2; shift 2
	local prefix=()
	[ "$ns" != - ] && prefix=(ip netns exec "$ns")
	lab_spawn_server "${prefix[@]}" "$(lab_twtest)" server --bind "$LAB_DST" --port "$port" "$@"
}

# lab_spawn_server CMD...: start a server command (any prefix: ip netns exec, ssh) in the
# background, wait until it prints "listening on"; sets LAB_SERVER_PID and LAB_SERVER_OUT.
lab_spawn_server() {
	lab_tmpdir
	LAB_SERVER_OUT="$LAB_TMP/server.$LAB_CELLS.$RANDOM.out"
	"$@" >"$LAB_SERVER_OUT" 2>&1 </dev/null &
	LAB_SERVER_PID=$!
	LAB_PIDS+=("$LAB_SERVER_PID")
	local i
	for i in $(seq 1 250); do
		grep -q "listening on" "$LAB_SERVER_OUT" 2>/dev/null && return 0
		kill -0 "$LAB_SERVER_PID" 2>/dev/null || break
		sleep 0.02
	done
	lab_err "server did not start ($*): $(head -c 300 "$LAB_SERVER_OUT")"
}

# lab_stop PID: SIGTERM a process started here and reap it.
lab_stop() {
	local pid=$1 i
	kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	for i in "${!LAB_PIDS[@]}"; do
		[ "${LAB_PIDS[$i]}" = "$pid" ] && unset 'LAB_PIDS[i]'
	done
	return 0
}

# lab_cell_down: stop the current cell's server and delete its namespaces.
lab_cell_down() {
	[ -n "$LAB_SERVER_PID" ] && lab_stop "$LAB_SERVER_PID"
	LAB_SERVER_PID=""
	[ -n "$LAB_CNS" ] && lab_ns_del "$LAB_CNS"
	[ -n "$LAB_SNS" ] && [ "$LAB_SNS" != "$LAB_CNS" ] && lab_ns_del "$LAB_SNS"
	LAB_CNS="" LAB_SNS=""
	return 0
}

# lab_cleanup: stop every process and delete every namespace this shell made.
lab_cleanup() {
	local pid ns
	for pid in "${LAB_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	done
	LAB_PIDS=()
	for ns in "${LAB_NETNS[@]}"; do ip netns del "$ns" 2>/dev/null; done
	LAB_NETNS=()
	[ -n "$LAB_TMP" ] && rm -rf "$LAB_TMP"
	LAB_TMP=""
	return 0
}

# lab_trap [EXTRA-CMD]: run EXTRA-CMD (if any) and lab_cleanup on exit, and on INT/TERM
# exit 130/143 after cleaning up.
lab_trap() {
	local extra=${1:-:}
	# shellcheck disable=SC2064
	trap "$extra; lab_cleanup" EXIT
	# shellcheck disable=SC2064
	trap "trap - EXIT; $extra; lab_cleanup; exit 130" INT
	# shellcheck disable=SC2064
	trap "trap - EXIT; $extra; lab_cleanup; exit 143" TERM
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

# --- the CLI -------------------------------------------------------------------------

lab_usage() {
	sed -n '/^#   lab.sh/,/^# TWTEST/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

# lab_parse_cell_args ARGS...: --path, --sysctl, --port into LAB_ARG_*; the rest (after --)
# into LAB_ARG_REST.
lab_parse_cell_args() {
	LAB_ARG_PATH=veth LAB_ARG_PORT=4000 LAB_ARG_SYSCTL=() LAB_ARG_REST=()
	while [ $# -gt 0 ]; do
		case $1 in
		--path) [ $# -ge 2 ] || { lab_err "--path needs a value"; return 2; }
			case $2 in lo|veth) LAB_ARG_PATH=$2 ;; *) lab_err "invalid --path '$2': must be lo or veth"; return 2 ;; esac
			shift 2 ;;
		--sysctl) [ $# -ge 2 ] || { lab_err "--sysctl needs KEY=VALUE"; return 2; }
			[[ $2 == net.*=* ]] || { lab_err "invalid --sysctl '$2': must be net.KEY=VALUE"; return 2; }
			LAB_ARG_SYSCTL+=("$2"); shift 2 ;;
		--port) [ $# -ge 2 ] || { lab_err "--port needs a value"; return 2; }
			[[ $2 =~ ^[1-9][0-9]{0,4}$ ]] && [ "$2" -le 65535 ] || { lab_err "invalid --port '$2': must be 1-65535"; return 2; }
			LAB_ARG_PORT=$2; shift 2 ;;
		--) shift; LAB_ARG_REST=("$@"); return 0 ;;
		*) lab_err "unexpected argument '$1'"; return 2 ;;
		esac
	done
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
	lab_sysctl "$LAB_CNS" "${LAB_ARG_SYSCTL[@]}" || return 1
	lab_server_start "$LAB_SNS" "$LAB_ARG_PORT" || return 1
	if [ "$cmd" = up ]; then
		# Leave the cell to the user: forget it, so the exit trap keeps it.
		LAB_PIDS=() LAB_NETNS=() LAB_TMP=""
		printf 'LAB_ID=%s\nCLIENT_NS=%s\nSERVER_NS=%s\nDST=%s\nPORT=%s\n' \
			"$LAB_PREFIX" "$LAB_CNS" "$LAB_SNS" "$LAB_DST" "$LAB_ARG_PORT"
		return 0
	fi
	local rc
	ip netns exec "$LAB_CNS" "$(lab_twtest)" client "$LAB_DST" "${LAB_ARG_REST[@]}" \
		--port "$LAB_ARG_PORT" </dev/null &
	LAB_PIDS+=($!)
	wait $!
	rc=$?
	return $rc
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -u
	lab_main "$@"
	exit $?
fi
