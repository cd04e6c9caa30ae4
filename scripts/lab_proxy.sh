# shellcheck shell=bash disable=SC2034 # sets the lab.sh state its callers read
# scripts/lab_proxy.sh: the proxy path of scripts/lab.sh (sourced by it; not run alone): a
# client namespace, a proxy namespace running a real nginx, haproxy or Apache, and a backend namespace
# running `twtest server` (issue 21). The proxy namespace is where ports run out, so it gets
# the small ip_local_port_range and the case's sysctls; the client's and backend's stay as
# they are.
#
# Address plan, all from 198.18.0.0/15:
#   client  c<cell>  twc0 198.18.0.1/24
#   proxy   p<cell>  twp0 198.18.0.2/24 (the front, LAB_DST; the proxy listens on
#                    LAB_PROXY_PORT), twp1 198.19.0.1/24 plus the source addresses
#                    198.19.0.101 .. 198.19.0.(100+S) for proxy_bind / haproxy `source`
#   backend s<cell>  tws0 198.19.0.2/24 .. 198.19.0.(1+B)/24: B backend addresses
# Settings, read by lab_proxy_up: LAB_PROXY_BACKENDS (B, default 1), LAB_PROXY_SOURCES (S,
# default 0). The proxy's files (config made from a template of scripts/proxy/, pid file, error
# log, temp dirs) live in LAB_TMP/proxy.<cell>; the proxy runs as an ordinary process in the
# foreground, tracked by PID and ended at cleanup.

LAB_PROXY_FRONT_ADDR=198.18.0.2  # the proxy's address seen by the client (LAB_SERVER_ADDR)
LAB_PROXY_INSIDE_ADDR=198.19.0.1 # the proxy's address toward the backends
LAB_PROXY_PORT=${LAB_PROXY_PORT:-8000}  # the proxy's listening port (outside every range used)
LAB_PROXY_TEMPLATES=${LAB_PROXY_TEMPLATES:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/proxy}
LAB_APACHE_MODULES=${LAB_APACHE_MODULES:-/usr/lib/apache2/modules}  # Debian's apache2 modules
# Sourcing it twice (lab.sh sourced again) keeps the state of the first time.
if [ -z "${LAB_PROXY_LOADED:-}" ]; then
	LAB_PROXY_LOADED=1
	LAB_PNS="" LAB_PROXY_DIR="" LAB_PROXY_PID="" LAB_PROXY_KIND="" LAB_PROXY_LOG=""
	LAB_PROXY_WATCH_PID="" LAB_PROXY_BACKEND_ADDRS=() LAB_PROXY_SOURCE_ADDRS=()
fi

# lab_proxy_up: the proxy cell (namespaces, links, addresses); sets LAB_CNS, LAB_PNS,
# LAB_SNS, LAB_DST, LAB_CNSES, LAB_PROXY_BACKEND_ADDRS, LAB_PROXY_SOURCE_ADDRS.
lab_proxy_up() {
	local b=${LAB_PROXY_BACKENDS:-1} s=${LAB_PROXY_SOURCES:-0} i
	[[ $b =~ ^[1-9]$ ]] || { lab_err "invalid proxy backend count '$b': must be 1-9"; return 2; }
	[[ $s =~ ^[0-9]$ ]] || { lab_err "invalid proxy source count '$s': must be 0-9"; return 2; }
	lab_ns_add "c$LAB_CELLS" || return 1
	LAB_CNS=$LAB_NS LAB_CNSES=("$LAB_NS")
	lab_ns_add "p$LAB_CELLS" || return 1
	LAB_PNS=$LAB_NS
	lab_ns_add "s$LAB_CELLS" || return 1
	LAB_SNS=$LAB_NS LAB_DST=$LAB_PROXY_FRONT_ADDR
	lab_link "$LAB_CNS" twc0 "$LAB_CLIENT_ADDR/24" "$LAB_PNS" twp0 "$LAB_PROXY_FRONT_ADDR/24" || return 1
	LAB_PROXY_BACKEND_ADDRS=(198.19.0.2)
	lab_link "$LAB_PNS" twp1 "$LAB_PROXY_INSIDE_ADDR/24" "$LAB_SNS" tws0 198.19.0.2/24 || return 1
	for ((i = 2; i <= b; i++)); do
		LAB_PROXY_BACKEND_ADDRS+=("198.19.0.$((i + 1))")
		ip -n "$LAB_SNS" addr add "198.19.0.$((i + 1))/24" dev tws0 ||
			{ lab_err "cannot add backend address 198.19.0.$((i + 1))"; return 1; }
	done
	LAB_PROXY_SOURCE_ADDRS=()
	for ((i = 1; i <= s; i++)); do
		LAB_PROXY_SOURCE_ADDRS+=("198.19.0.$((100 + i))")
		ip -n "$LAB_PNS" addr add "198.19.0.$((100 + i))/24" dev twp1 ||
			{ lab_err "cannot add proxy source address 198.19.0.$((100 + i))"; return 1; }
	done
}

# lab_proxy_backend_start PORTS [SERVER-ARGS...]: `twtest server` on every backend address
# (no --bind: it listens on all of them), ports PORTS, in the backend namespace.
lab_proxy_backend_start() {
	local ports=$1; shift
	lab_spawn_server ip netns exec "$LAB_SNS" "$(lab_twtest)" server --port "$ports" "$@"
}

# lab_proxy_render TEMPLATE OUT KEY=VALUE...: copy TEMPLATE to OUT with every @KEY@
# replaced by its VALUE. A placeholder left unreplaced is an error, so a template and its case
# cannot drift apart silently.
lab_proxy_render() {
	local tpl=$1 out=$2 line kv left; shift 2
	[ -r "$tpl" ] || { lab_err "no proxy config template $tpl"; return 1; }
	while IFS= read -r line || [ -n "$line" ]; do
		for kv in "$@"; do line=${line//@${kv%%=*}@/${kv#*=}}; done
		printf '%s\n' "$line"
	done <"$tpl" >"$out"
	left=$(grep -o '@[A-Z0-9_]*@' "$out" | sort -u | tr '\n' ' ')
	[ -z "$left" ] || { lab_err "template $tpl: no value for ${left% }"; return 1; }
}

# lab_proxy_listening NS PORT PID: PID listens on PORT in NS, or died.
lab_proxy_listening() {
	! kill -0 "$3" 2>/dev/null || ip netns exec "$1" ss -Hltn "( sport = :$2 )" | grep -q .
}

# lab_proxy_run NS NAME nginx|haproxy|apache TEMPLATE PORT [KEY=VALUE...]: render TEMPLATE (a
# file name in LAB_PROXY_TEMPLATES) into LAB_TMP/NAME.<cell>/ and run that program there in
# the foreground inside NS, tracked by PID; wait (LAB_START_MS) until it listens on PORT. Every
# template also gets DIR (that directory), Apache's also MODULES (LAB_APACHE_MODULES), and
# Apache's config is checked first (apache2 -t). Sets LAB_RUN_PID, LAB_RUN_DIR and LAB_RUN_LOG
# (nginx's and Apache's error_log, haproxy's log lines on stderr).
lab_proxy_run() {
	local ns=$1 name=$2 kind=$3 tpl=$4 port=$5 cmd=() pid; shift 5
	lab_tmpdir || return 1
	LAB_RUN_DIR="$LAB_TMP/$name.$LAB_CELLS"
	mkdir -p "$LAB_RUN_DIR/tmp" || return 1
	local conf="$LAB_RUN_DIR/$kind.conf" extra=()
	[ "$kind" = apache ] && extra=("MODULES=$LAB_APACHE_MODULES")
	lab_proxy_render "$LAB_PROXY_TEMPLATES/$tpl" "$conf" "DIR=$LAB_RUN_DIR" "$@" "${extra[@]}" || return 1
	LAB_RUN_LOG="$LAB_RUN_DIR/error.log"
	: >"$LAB_RUN_LOG"
	case $kind in
	nginx)
		command -v nginx >/dev/null || { lab_err "nginx not found (apt-get install nginx)"; return 1; }
		# -e: the log of the first moments, before the config's error_log is read
		cmd=(nginx -p "$LAB_RUN_DIR/" -c "$conf" -e "$LAB_RUN_LOG") ;;
	haproxy)
		command -v haproxy >/dev/null || { lab_err "haproxy not found (apt-get install haproxy)"; return 1; }
		cmd=(haproxy -db -f "$conf") ;;
	apache)
		lab_apache_prepare "$conf" || return 1
		# -DFOREGROUND: the parent stays, $! is its PID; -d: no Debian ServerRoot
		cmd=(apache2 -d "$LAB_RUN_DIR" -f "$conf" -DFOREGROUND) ;;
	*) lab_err "invalid proxy '$kind': must be nginx, haproxy or apache"; return 2 ;;
	esac
	# ip netns exec execs the program: $! is its own PID (nginx: its master)
	ip netns exec "$ns" "${cmd[@]}" >"$LAB_RUN_DIR/stdout" 2>>"$LAB_RUN_LOG" </dev/null &
	pid=$!
	LAB_RUN_PID=$pid
	lab_track "$pid"
	# haproxy writes its pidfile only when it daemonizes; in the foreground the lab writes it
	[ "$kind" = haproxy ] && echo "$pid" >"$LAB_RUN_DIR/haproxy.pid"
	lab_wait_until "${LAB_START_MS:-5000}" lab_proxy_listening "$ns" "$port" "$pid"
	if ! kill -0 "$pid" 2>/dev/null || ! lab_proxy_listening "$ns" "$port" "$pid"; then
		lab_stop "$pid"
		lab_err "$kind did not start: $(head -c 300 "$LAB_RUN_LOG" | tr '\n' ' ')"
		return 1
	fi
}

# lab_apache_prepare CONF: Apache can run (apache2 installed, CONF's syntax good, its
# runtime directory made); its children run as www-data, so the lab's directories on the way
# to the run directory become traversable (o+x: no listing, no reading).
lab_apache_prepare() {
	command -v apache2 >/dev/null || { lab_err "apache2 not found (apt-get install apache2)"; return 1; }
	mkdir -p "$LAB_RUN_DIR/run" || return 1
	chmod o+x "$LAB_TMP" "$LAB_RUN_DIR" || return 1
	# a config error is one clear line now, not a wait for a port that never listens
	apache2 -d "$LAB_RUN_DIR" -f "$1" -t >"$LAB_RUN_DIR/configtest" 2>&1 ||
		{ lab_err "apache config $1: $(grep -v '^Syntax OK' "$LAB_RUN_DIR/configtest" | head -n 3 | tr '\n' ' ')"; return 1; }
}

# lab_proxy_start nginx|haproxy|apache TEMPLATE [KEY=VALUE...]: the proxy, from TEMPLATE, in the
# proxy namespace (lab_proxy_run), listening on LAB_PROXY_PORT; the template also gets LISTEN
# (front address:port) and PORT. Sets LAB_PROXY_PID, LAB_PROXY_DIR, LAB_PROXY_LOG,
# LAB_PROXY_KIND.
lab_proxy_start() {
	local kind=$1 tpl=$2; shift 2
	lab_proxy_run "$LAB_PNS" proxy "$kind" "$tpl" "$LAB_PROXY_PORT" \
		"LISTEN=$LAB_PROXY_FRONT_ADDR:$LAB_PROXY_PORT" "PORT=$LAB_PROXY_PORT" "$@" || return
	LAB_PROXY_KIND=$kind LAB_PROXY_PID=$LAB_RUN_PID LAB_PROXY_DIR=$LAB_RUN_DIR LAB_PROXY_LOG=$LAB_RUN_LOG
}

# lab_proxy_stop: end the proxy now (SIGTERM to its PID; nginx's master ends its workers).
lab_proxy_stop() {
	[ -n "$LAB_PROXY_PID" ] && lab_stop "$LAB_PROXY_PID"
	LAB_PROXY_PID=""
	return 0
}

# lab_proxy_log_count REGEX: lines of the proxy's error log matching REGEX (grep -E).
lab_proxy_log_count() { grep -cE -- "$1" "$LAB_PROXY_LOG" 2>/dev/null || true; }

# lab_proxy_tw NS FILTER: TIME_WAIT sockets in NS matching an ss filter.
lab_proxy_tw() { ip netns exec "$1" ss -Htan state time-wait "( $2 )" | wc -l; }

# lab_proxy_watch_start FILE [MS]: sample `twtest ports --format json` inside the proxy
# namespace every MS milliseconds (default 200) into FILE until lab_proxy_watch_stop.
lab_proxy_watch_start() {
	ip netns exec "$LAB_PNS" "$(lab_twtest)" ports --format json --top 0 --watch "${2:-200}" \
		>"$1" 2>"$1.err" </dev/null &
	LAB_PROXY_WATCH_PID=$!
	lab_track "$LAB_PROXY_WATCH_PID" INT
}

# lab_proxy_watch_stop: end the sampler (SIGINT: it finishes its sample and exits 0).
lab_proxy_watch_stop() {
	[ -n "$LAB_PROXY_WATCH_PID" ] || return 0
	lab_kill INT "$LAB_PROXY_WATCH_PID"
	lab_defer_drop lab_kill INT "$LAB_PROXY_WATCH_PID"
	LAB_PROXY_WATCH_PID=""
}

# lab_proxy_watch_peak FILE: the highest in_use of any group toward a backend (198.19.0.0/24)
# over the samples in FILE, and the groups seen, as "PEAK GROUPS".
lab_proxy_watch_peak() {
	# one group per {"src":...} object; every sample is one line
	grep -o '"src":"[^"]*","dst":"198\.19\.0\.[0-9]*","dport":[0-9]*,"range":[0-9]*,"in_use":[0-9]*' "$1" |
		awk -F'[:,"]+' '{ g[$3 ">" $5 ":" $7] = 1; if ($11 > peak) peak = $11 }
			END { n = 0; for (k in g) n++; print peak + 0, n }'
}

# lab_proxy_down: stop the proxy and the backend, delete the three namespaces.
lab_proxy_down() {
	lab_proxy_watch_stop
	lab_proxy_stop
	lab_cell_down
	[ -n "$LAB_PNS" ] && lab_ns_del "$LAB_PNS"
	LAB_PNS=""
	return 0
}

# --- lab.sh's command line: --path proxy ------------------------------------------------

# lab_proxy_parse_arg OPTION VALUE: one proxy option of lab.sh up|run, checked.
lab_proxy_parse_arg() {
	local v=$2
	case $1 in
	--proxy) [[ $v =~ ^(nginx|haproxy|apache):[A-Za-z0-9._-]+$ ]] && [ -r "$LAB_PROXY_TEMPLATES/${v#*:}" ] ||
			{ lab_err "invalid --proxy '$v': must be nginx:TEMPLATE, haproxy:TEMPLATE or apache:TEMPLATE, a file of $LAB_PROXY_TEMPLATES"; return 2; }
		LAB_ARG_PROXY=$v ;;
	--proxy-set) [[ $v =~ ^[A-Z0-9_]+=.*$ ]] || { lab_err "invalid --proxy-set '$v': must be KEY=VALUE, KEY in A-Z0-9_"; return 2; }
		LAB_ARG_PROXY_SET+=("$v") ;;
	--proxy-backends) [[ $v =~ ^[1-9]$ ]] || { lab_err "invalid --proxy-backends '$v': must be 1-9"; return 2; }
		LAB_PROXY_BACKENDS=$v ;;
	--proxy-sources) [[ $v =~ ^[0-9]$ ]] || { lab_err "invalid --proxy-sources '$v': must be 0-9"; return 2; }
		LAB_PROXY_SOURCES=$v ;;
	esac
}

# lab_proxy_cli_start: for lab.sh up|run --path proxy: the --sysctl values in the proxy
# namespace, `twtest server` backends on --port, the --proxy from its template with
# BACKEND1.. (address:port), SOURCE1.. and the --proxy-set values.
lab_proxy_cli_start() {
	local i kv=()
	lab_sysctl "$LAB_PNS" "${LAB_ARG_SYSCTL[@]}" || return 1
	lab_proxy_backend_start "$LAB_ARG_PORT" "${LAB_ARG_SERVER[@]}" || { lab_server_err; return 1; }
	for i in "${!LAB_PROXY_BACKEND_ADDRS[@]}"; do kv+=("BACKEND$((i + 1))=${LAB_PROXY_BACKEND_ADDRS[i]}:$LAB_ARG_PORT"); done
	for i in "${!LAB_PROXY_SOURCE_ADDRS[@]}"; do kv+=("SOURCE$((i + 1))=${LAB_PROXY_SOURCE_ADDRS[i]}"); done
	# the user's values first: they may name @BACKEND1@, @SOURCE1@ ...
	lab_proxy_start "${LAB_ARG_PROXY%%:*}" "${LAB_ARG_PROXY#*:}" "${LAB_ARG_PROXY_SET[@]}" "${kv[@]}"
}
