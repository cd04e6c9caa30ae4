#!/usr/bin/env bash
# scripts/seedbench.sh: seed 000's bench at its own scale (issue 28): `ab -n 120000 -c 100`
# straight to one backend and through each proxy and connection mode (haproxy's modes, nginx
# default and with upstream keep-alive, Apache as the seed configured it and with connection
# reuse), against each backend behaviour (`twtest server --protocol http --reply-close`: now,
# the seed's 0.2 ms, never). Each run gets a fresh proxy cell of scripts/lab.sh (client ->
# proxy -> backend namespaces; ab in the client namespace, or in the proxy namespace for the
# direct runs), the system's default port range 32768-60999 in the proxy namespace (ab's own
# namespace 1024-65535: the client leg is not what runs out) and tcp_tw_reuse=0 in both, as
# the seed's host had. Per run: ab's requests a second, complete, failed and non-2xx
# requests, the TIME_WAIT on each hop (the peak of a sample a second, and at the end), the
# proxy's log lines saying it found no port, and once a second the connections ab opened and
# the backend accepted. It writes DIR/runs.csv, DIR/persec.csv, DIR/table.md and, with
# gnuplot, DIR/profile.BACKEND.png (connections the backend accepted each second, every mode:
# the seed's nginx-profile.png). Progress goes to stderr as it runs.
# A benchmark, not a test (never in make test): it fails only when a tool cannot run.
set -u -o pipefail
SB_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/lab.sh
. "$SB_HERE/lab.sh"
LAB_PREFIX="twsb$$"

sb_usage() {
	cat <<'EOF'
usage: scripts/seedbench.sh [options]

Seed 000's bench: ab -n N -c C direct and through haproxy, nginx and Apache, against each
backend behaviour; a row per run with ab's figures, TIME_WAIT per hop and the plot.

  --requests N    ab's -n (default 120000)
  --concurrency C ab's -c (default 100)
  --time-limit S  ab's -t: a run stops after S seconds (default 120)
  --modes LIST    comma-separated modes (default all; --list shows them)
  --backends LIST comma-separated backend behaviours, --reply-close values of
                  `twtest server` (default now,0.2ms,never)
  --short         make bench's form: 3000 requests, backend 0.2ms, every mode
  --out DIR       where the results go (default seedbench-out)
  --list          the modes and exit
  -h, --help      this help

Needs root (network namespaces), ab, haproxy, nginx, apache2; gnuplot for the plot.
Exit status: 0 done, 1 a run could not start, 2 usage.
EOF
}

# mode | proxy | template | KEY=VALUE of the template, separated by " ;; " | what it is
SB_MODES_TEXT=$(cat <<'EOF'
direct | - | - | - | ab straight to the backend (from the proxy namespace: its ports)
hap-kal | haproxy | haproxy-http.cfg | OPTIONS=option http-keep-alive | haproxy's default mode, http-keep-alive (seed: KAL)
hap-scl | haproxy | haproxy-http.cfg | OPTIONS=option http-server-close | haproxy option http-server-close (seed: SCL)
hap-pcl | haproxy | haproxy-http.cfg | OPTIONS=option httpclose | haproxy option httpclose (seed: PCL; its forceclose, FCL, is gone since haproxy 1.9)
ngx-default | nginx | nginx-proxy.conf | UPSTREAM=server @BACKEND1@; ;; LOCATION= ;; PASS=http://back | nginx's defaults: HTTP/1.0 and Connection: close upstream, no keepalive (the seed's)
ngx-keepalive | nginx | nginx-proxy.conf | UPSTREAM=server @BACKEND1@; keepalive 128; ;; LOCATION=proxy_http_version 1.1; proxy_set_header Connection ""; ;; PASS=http://back | nginx upstream keepalive 128, HTTP/1.1
apache-seed | apache | apache-proxy.conf | KEEPALIVE=KeepAlive On ;; PROXY=RewriteEngine On@NL@RewriteRule ^(.*)$ http://@BACKEND1@$1 [P,L] | Apache as the seed configured it: RewriteRule [P] (the default worker, Connection: close to the backend)
apache-reuse | apache | apache-proxy.conf | KEEPALIVE=KeepAlive On ;; PROXY=ProxyPass / http://@BACKEND1@/ keepalive=On | Apache ProxyPass: a worker that reuses its backend connections
EOF
)

SB_N=120000 SB_C=100 SB_T=120 SB_OUT=seedbench-out SB_MODES="" SB_BACKENDS="now,0.2ms,never"
SB_BPORT=8080 SB_PAYLOAD=13 # the seed's document: 13 bytes

sb_die() { echo "seedbench: $*" >&2; exit 1; }
sb_note() { echo "seedbench: $*" >&2; }
sb_usage_error() { echo "seedbench: $*" >&2; exit 2; }

# sb_field MODE COLUMN: a column (2 proxy, 3 template, 4 settings, 5 text) of a mode's line.
sb_field() {
	awk -F' [|] ' -v m="$1" -v c="$2" '$1 == m { print $c }' <<<"$SB_MODES_TEXT"
}

sb_all_modes() { awk -F' [|] ' '{ print $1 }' <<<"$SB_MODES_TEXT" | paste -sd,; }

# sb_snmp NS GROUP COUNTER: a counter of /proc/net/snmp inside NS.
sb_snmp() {
	# shellcheck disable=SC2016 # the program is awk's
	ip netns exec "$1" awk -v g="$2:" -v want="$3" '
		$1 == g && !h { for (i = 2; i <= NF; i++) n[i] = $i; h = 1; next }
		$1 == g { for (i = 2; i <= NF; i++) if (n[i] == want) print $i }' /proc/net/snmp
}

# sb_tw NS FILTER: TIME_WAIT sockets in NS matching an ss filter.
sb_tw() { ip netns exec "$1" ss -Htan state time-wait "( $2 )" | wc -l; }

# sb_netstat NS COUNTER: a TcpExt counter of /proc/net/netstat inside NS.
sb_netstat() {
	# shellcheck disable=SC2016 # the program is awk's
	ip netns exec "$1" awk -v want="$2" '
		$1 == "TcpExt:" && !h { for (i = 2; i <= NF; i++) n[i] = $i; h = 1; next }
		$1 == "TcpExt:" { for (i = 2; i <= NF; i++) if (n[i] == want) print $i }' /proc/net/netstat
}

# sb_nstw NS: TIME_WAIT sockets of namespace NS, as its /proc/net/sockstat counts them (a
# read, not a walk of the socket table: a sample a second stays cheap at 28000 and more).
# shellcheck disable=SC2016 # the program is awk's
sb_nstw() { ip netns exec "$1" awk '$1 == "TCP:" { for (i = 2; i < NF; i++) if ($i == "tw") print $(i + 1) }' /proc/net/sockstat; }

# sb_sample FILE ABPID CPID PPID SPID: every second until killed, one line "t ab_conns
# backend_conns tw_client tw_proxy tw_backend": t the seconds since the start (a sample is
# late when the machine is busy: t says when it was taken), connections ab's namespace opened
# (Tcp ActiveOpens) and the backend accepted (PassiveOpens) as totals (the namespaces are
# fresh: since their start), and
# the TIME_WAIT of the client, proxy and backend namespaces (the proxy's both legs). Each
# namespace is read through /proc/PID/net of a process inside it (ab, the proxy, the
# backend; CPID empty: no client namespace): one awk a sample, no `ip netns exec` (whose
# setup took seconds a sample at 40000 TIME_WAIT on two busy cores). Every tenth second a
# progress line on stderr.
sb_sample() {
	local f=$1 ab=$2 c=$3 p=$4 sv=$5 t0 line next=1 now
	t0=$(date +%s%N)
	while :; do
		now=$(date +%s%N)
		[ $(((now - t0) / 1000000000)) -lt "$next" ] &&
			sleep "$(awk -v n="$next" -v e="$(((now - t0) / 1000000))" 'BEGIN { d = n - e / 1000; printf "%.3f", (d > 0 ? d : 0) }')"
		# shellcheck disable=SC2016 # the program is awk's
		line=$(awk -v t="$((($(date +%s%N) - t0) / 1000000))" -v c="${c:+/proc/$c/net/sockstat}" '
			function col(g, name,   i) { for (i = 2; i <= NF; i++) if (hd[g, i] == name) return $i }
			FNR == 1 { file++ }
			/^Tcp: / && !(file SUBSEP "h" in seen) { seen[file, "h"] = 1; for (i = 2; i <= NF; i++) hd[file, i] = $i; next }
			/^Tcp: / && file == 1 { a = col(1, "ActiveOpens") }
			/^Tcp: / && file == 2 { b = col(2, "PassiveOpens") }
			/^TCP: / { for (i = 2; i < NF; i++) if ($i == "tw") tw[FILENAME] = $(i + 1) }
			END { printf "%.1f %d %d %d %d %d\n", t / 1000, a, b, (c == "" ? 0 : tw[c]), tw[ARGV[ARGC - 2]], tw[ARGV[ARGC - 1]] }' \
			"/proc/$ab/net/snmp" "/proc/$sv/net/snmp" ${c:+"/proc/$c/net/sockstat"} "/proc/$p/net/sockstat" "/proc/$sv/net/sockstat" 2>/dev/null) ||
			return 0 # a process gone: the run is over
		echo "$line" >>"$f"
		next=$((next + 1))
		[ $((next % 10)) = 1 ] && read -r t a b _ pt bt <<<"$line" &&
			sb_note "  ${SB_RUN_NAME}: ${t} s, ab opened $a connections in all, the backend accepted $b; TIME_WAIT proxy namespace $pt, backend $bt"
	done
}

# sb_ab FILE KEY: a figure of ab's report ("Complete requests" ...), 0 when absent.
sb_ab() { local v; v=$(sed -n "s/^$2: *\([0-9.]*\).*/\1/p" "$1" | head -n 1); echo "${v:-0}"; }

# sb_no_port_re PROXY: the proxy's log line saying connect() toward the backend found no port.
sb_no_port_re() {
	case $1 in
	nginx) echo '\(99: Cannot assign requested address\) while connecting to upstream' ;;
	haproxy) echo 'Connect\(\) failed for backend [^:]*: no free ports\.' ;;
	apache) echo '\(99\)Cannot assign requested address: AH00957' ;;
	*) echo 'a line no log has: no proxy' ;;
	esac
}

# sb_run MODE BACKEND: one run; appends to runs.csv and persec.csv.
sb_run() {
	local mode=$1 be=$2 kind tpl settings kv=() s srv=() abns target log=/dev/null
	kind=$(sb_field "$mode" 2) tpl=$(sb_field "$mode" 3) settings=$(sb_field "$mode" 4)
	SB_RUN_NAME="$mode/$be"
	LAB_PROXY_BACKENDS=1 LAB_PROXY_SOURCES=0
	lab_cell_up proxy || sb_die "cannot make a proxy cell"
	lab_sysctl "$LAB_PNS" "net.ipv4.ip_local_port_range=32768 60999" net.ipv4.tcp_tw_reuse=0 ||
		sb_die "cannot set the proxy namespace's sysctls"
	lab_sysctl "$LAB_CNS" "net.ipv4.ip_local_port_range=1024 65535" net.ipv4.tcp_tw_reuse=0 ||
		sb_die "cannot set the client namespace's sysctls"
	[ "$be" = now ] || srv=(--reply-close "$be")
	lab_proxy_backend_start "$SB_BPORT" --protocol http --payload "$SB_PAYLOAD" "${srv[@]}" ||
		{ lab_server_err; exit 1; }
	if [ "$kind" = - ]; then
		abns=$LAB_PNS target="http://${LAB_PROXY_BACKEND_ADDRS[0]}:$SB_BPORT/"
	else
		while [ -n "$settings" ]; do
			s=${settings%% ;; *}
			kv+=("${s//@NL@/$'\n'}")
			[ "$s" = "$settings" ] && settings="" || settings=${settings#* ;; }
		done
		lab_proxy_start "$kind" "$tpl" "${kv[@]}" "BACKEND1=${LAB_PROXY_BACKEND_ADDRS[0]}:$SB_BPORT" || exit 1
		abns=$LAB_CNS target="http://$LAB_PROXY_FRONT_ADDR:$LAB_PROXY_PORT/" log=$LAB_PROXY_LOG
	fi
	local samples="$LAB_TMP/samples.$LAB_CELLS" about="$LAB_TMP/ab.$LAB_CELLS" pid
	: >"$samples"
	# -t before -n: ab's -t sets -n to 50000, a later -n sets it back; -r: a receive error
	# is counted, not the end of the run; -s: a response waited for at most 20 s
	ip netns exec "$abns" ab -r -s 20 -t "$SB_T" -n "$SB_N" -c "$SB_C" "$target" >"$about" 2>"$about.err" </dev/null &
	local abpid=$! abrc=0
	lab_track "$abpid"
	if [ "$kind" = - ]; then sb_sample "$samples" "$abpid" "" "$abpid" "$LAB_SERVER_PID" &
	else sb_sample "$samples" "$abpid" "$abpid" "$LAB_PROXY_PID" "$LAB_SERVER_PID" & fi
	pid=$!
	lab_track "$pid"
	wait "$abpid" || abrc=$?
	lab_defer_drop lab_kill TERM "$abpid"
	lab_stop "$pid"
	sleep 1 # the last FINs, before the final count
	local twc=0 twf=0 twb twbe
	if [ "$kind" != - ]; then twc=$(sb_tw "$LAB_CNS" "dport = :$LAB_PROXY_PORT") twf=$(sb_tw "$LAB_PNS" "sport = :$LAB_PROXY_PORT"); fi
	twb=$(sb_tw "$LAB_PNS" "dport = :$SB_BPORT") twbe=$(sb_tw "$LAB_SNS" "sport = :$SB_BPORT")
	local complete failed non2xx rps secs ok okrps peaks noport
	complete=$(sb_ab "$about" 'Complete requests') failed=$(sb_ab "$about" 'Failed requests')
	non2xx=$(sb_ab "$about" 'Non-2xx responses') rps=$(sb_ab "$about" 'Requests per second')
	secs=$(sb_ab "$about" 'Time taken for tests')
	ok=$((complete - non2xx))
	okrps=$(awk -v o="$ok" -v s="$secs" 'BEGIN { printf "%.0f", (s > 0 ? o / s : 0) }')
	# the peak of each namespace over the samples (and at the end: a short run has none)
	# shellcheck disable=SC2016 # the program is awk's
	peaks=$( { cat "$samples"; echo "0 0 0 $twc $((twf + twb)) $twbe"; } |
		awk '{ for (i = 4; i <= 6; i++) if ($i > m[i]) m[i] = $i } END { printf "%d,%d,%d", m[4], m[5], m[6] }')
	noport=$(grep -cE -- "$(sb_no_port_re "$kind")" "$log" 2>/dev/null || true)
	# the proxy namespace's (direct: ab's) connect() side: SYNs sent again, TIME_WAIT taken over
	local synre twrec
	synre=$(sb_netstat "$LAB_PNS" TCPSynRetrans) twrec=$(sb_netstat "$LAB_PNS" TWRecycled)
	[ "$abrc" = 0 ] || sb_note "  ab exit $abrc: $(tail -n 2 "$about.err" | tr '\n' ' ')"
	echo "$mode,$be,$SB_N,$complete,$failed,$non2xx,$ok,$rps,$okrps,$secs,$peaks,$twc,$twf,$twb,$twbe,${noport:-0},$abrc,${synre:-0},${twrec:-0}" >>"$SB_OUT/runs.csv"
	awk -v m="$mode" -v b="$be" '{ print m "," b "," $1 "," $2 "," $3 }' "$samples" >>"$SB_OUT/persec.csv"
	sb_note "  $SB_RUN_NAME: $complete complete in $secs s ($rps r/s), $non2xx non-2xx, $failed failed: $okrps ok/s; TIME_WAIT peak client,proxy,backend $peaks; at the end client $twc, proxy front $twf, proxy->backend $twb, backend $twbe; no-port log lines ${noport:-0}"
	cp "$about" "$SB_OUT/ab.$mode.$be.txt"
	[ "$log" = /dev/null ] || grep -m 3 -E -- "$(sb_no_port_re "$kind")" "$log" >"$SB_OUT/log.$mode.$be.txt"
	lab_proxy_down
}

# sb_table: runs.csv as a markdown table.
sb_table() {
	echo "| mode | backend | complete | non-2xx | failed | r/s | 2xx/s | time s | TIME_WAIT peak: client, proxy, backend namespace | at the end: proxy front, proxy->backend, backend | proxy's no-port lines | proxy's SYN retransmits |"
	echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | ---: | ---: |"
	# shellcheck disable=SC2016 # the program is awk's
	awk -F, 'NR > 1 { printf "| %s | %s | %s | %s | %s | %.0f | %s | %.1f | %s, %s, %s | %s, %s, %s | %s | %s |\n", $1, $2, $4, $6, $5, $8, $9, $10, $11, $12, $13, $15, $16, $17, $18, ($20 == "" ? "-" : $20) }' "$SB_OUT/runs.csv"
}

# sb_plot: for each backend behaviour, the connections the backend accepted a second (between
# two samples), a line per mode: DIR/profile.BACKEND.png.
sb_plot() {
	command -v gnuplot >/dev/null || { sb_note "no gnuplot: no plot"; return 0; }
	local be m plots f
	for be in ${SB_BACKENDS//,/ }; do
		plots=""
		for m in ${SB_MODES//,/ }; do
			f="$SB_OUT/persec.$m.$be.dat"
			# shellcheck disable=SC2016 # the program is awk's
			awk -F, -v m="$m" -v b="$be" '$1 == m && $2 == b && $3 > pt { print $3, ($5 - pb) / ($3 - pt); pt = $3; pb = $5 }' "$SB_OUT/persec.csv" >"$f"
			[ -s "$f" ] && plots+="${plots:+, }'$f' using 1:2 with linespoints pointsize 0.5 title '$m'"
		done
		[ -n "$plots" ] || continue
		gnuplot <<EOF || sb_note "gnuplot failed"
set terminal png size 1000,560
set output '$SB_OUT/profile.$be.png'
set title "backend connections a second: ab -n $SB_N -c $SB_C, backend --reply-close $be, 28232 proxy ports"
set xlabel 'seconds'
set ylabel 'backend connections / s'
set key outside right
set grid
plot $plots
EOF
	done
}

sb_main() {
	local short=0 list=0
	while [ $# -gt 0 ]; do
		case $1 in
		--requests) [[ ${2:-} =~ ^[1-9][0-9]{0,6}$ ]] || sb_usage_error "invalid --requests '${2:-}': must be 1-9999999"
			SB_N=$2; shift ;;
		--concurrency) [[ ${2:-} =~ ^[1-9][0-9]{0,3}$ ]] || sb_usage_error "invalid --concurrency '${2:-}': must be 1-9999"
			SB_C=$2; shift ;;
		--time-limit) [[ ${2:-} =~ ^[1-9][0-9]{0,4}$ ]] || sb_usage_error "invalid --time-limit '${2:-}': must be 1-99999"
			SB_T=$2; shift ;;
		--modes) [ -n "${2:-}" ] || sb_usage_error "--modes needs a list"
			SB_MODES=$2; shift ;;
		--backends) [[ ${2:-} =~ ^[a-z0-9.,]+$ ]] || sb_usage_error "invalid --backends '${2:-}'"
			SB_BACKENDS=$2; shift ;;
		--out) [ -n "${2:-}" ] || sb_usage_error "--out needs a directory"
			SB_OUT=$2; shift ;;
		--short) short=1 ;;
		--list) list=1 ;;
		-h|--help) sb_usage; exit 0 ;;
		*) sb_usage_error "invalid argument '$1' (--help)" ;;
		esac
		shift
	done
	if [ "$list" = 1 ]; then awk -F' [|] ' '{ printf "%s\t%s\n", $1, $5 }' <<<"$SB_MODES_TEXT"; exit 0; fi
	[ "$short" = 1 ] && SB_N=3000 SB_BACKENDS=0.2ms SB_T=60
	SB_MODES=${SB_MODES:-$(sb_all_modes)}
	local m b
	for m in ${SB_MODES//,/ }; do
		[ -n "$(sb_field "$m" 2)" ] || sb_usage_error "invalid mode '$m' (--list shows them)"
	done
	for b in ${SB_BACKENDS//,/ }; do
		"$(lab_twtest)" server --protocol http --reply-close "$b" --help >/dev/null 2>&1 || [ "$b" = now ] ||
			sb_usage_error "invalid backend '$b': must be a --reply-close value of twtest server"
	done
	[ "$(id -u)" = 0 ] || sb_die "needs root (network namespaces)"
	for m in ab haproxy nginx apache2; do
		command -v "$m" >/dev/null || sb_die "$m is not installed (.ci/run installs it)"
	done
	mkdir -p "$SB_OUT" || sb_die "cannot make $SB_OUT"
	echo "mode,backend,requests,complete,failed,non2xx,ok,rps,ok_rps,seconds,tw_client_peak,tw_proxy_peak,tw_backend_peak,tw_client_end,tw_front_end,tw_proxy_back_end,tw_backend_end,no_port_lines,ab_exit,proxy_syn_retrans,proxy_tw_recycled" >"$SB_OUT/runs.csv"
	echo "mode,backend,t,ab_conns,backend_conns" >"$SB_OUT/persec.csv"
	lab_trap
	lab_tmpdir || exit 1
	local runs=() i=0 t0
	for m in ${SB_MODES//,/ }; do
		for b in ${SB_BACKENDS//,/ }; do
			# ab straight to a backend that never closes: both wait (ab reads HTTP/1.0 to
			# the close), every request a timeout: nothing to measure
			[ "$m" = direct ] && [ "$b" = never ] && continue
			runs+=("$m $b")
		done
	done
	t0=$(date +%s)
	for i in "${!runs[@]}"; do
		read -r m b <<<"${runs[i]}"
		sb_note "[$((i + 1))/${#runs[@]}] $m, backend --reply-close $b ($(($(date +%s) - t0)) s so far)"
		sb_run "$m" "$b"
	done
	{
		echo "Measured on Linux $(uname -r), $(nproc) cores, $(nginx -v 2>&1 | sed 's/^nginx version: //'), haproxy $(haproxy -v 2>/dev/null | head -1 | awk '{print $3}'), $(apache2 -v 2>/dev/null | sed -n 's/^Server version: //p'), $(ab -V | head -1 | sed 's/^This is //; s/,.*//'), $(date -u +%Y-%m-%d): ab -n $SB_N -c $SB_C (at most $SB_T s a run), 28232 ports (32768-60999) in the proxy namespace."
		echo
		sb_table
	} >"$SB_OUT/table.md"
	sb_plot
	sb_note "done in $(($(date +%s) - t0)) s: $SB_OUT/table.md, runs.csv, persec.csv, profile.*.png"
	cat "$SB_OUT/table.md"
}

sb_main "$@"
