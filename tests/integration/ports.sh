# Integration tests of `twtest ports`: exact group counts in a namespace in a known state,
# bound-only ports, reuse verdicts (loopback vs veth, timestamps off at the peer), the rate
# and forecast against a paced client, the Prometheus output through a real parser,
# --fail-above exit statuses, an unprivileged run and bad input.
. "$(dirname "$0")/../lib.sh"

# A Python interpreter that has the Prometheus client library (Debian python3-prometheus-client).
prom_python() {
	local p
	for p in python3 /usr/bin/python3; do
		"$p" -c 'import prometheus_client.parser' 2>/dev/null && { echo "$p"; return 0; }
	done
	return 1
}

# hold NS SPEC...: a helper process in NS holding sockets until the test ends. SPEC is
# connect:ADDR:PORT:N (N connections) or bind:ADDR:N (N sockets bound to port 0, never
# connected). Returns once they are all open.
hold() {
	local ns=$1; shift
	local out; out="$(tmpdir)/hold.$RANDOM"
	ip netns exec "$ns" python3 -c '
import socket, sys, time
keep = []
for spec in sys.argv[1:]:
    f = spec.split(":")
    for _ in range(int(f[-1])):
        s = socket.socket()
        if f[0] == "bind":
            s.bind((f[1], 0))
        else:
            s.connect((f[1], int(f[2])))
        keep.append(s)
print("ready", flush=True)
time.sleep(60)' "$@" >"$out" 2>&1 &
	lab_track $! KILL
	hold_ready() { grep -q ready "$out"; }
	lab_wait_until 30000 hold_ready && return 0 # python starts slowly under emulation
	cat "$out" >&2
	die "hold $*: not ready"
}

# group JSON DST DPORT KEYS...: the values of KEYS in the group toward DST:DPORT, space-separated.
group() {
	python3 -c '
import json, sys
d = json.loads(sys.argv[1])
g = [g for g in d["groups"] if g["dst"] == sys.argv[2] and g["dport"] == int(sys.argv[3])]
print(" ".join(str(g[0][k]) for k in sys.argv[4:]) if len(g) == 1 else "no group")' "$@"
}

# bound_dumped: B, the bound-only sockets `twtest ports` can see: 5 where the kernel's
# NETLINK_SOCK_DIAG dump includes bound-only sockets (Linux 6.9+, "tcp: Dump bound-only
# sockets in inet_diag"), 0 on older kernels (Debian 12's 6.1), where they are invisible.
bound_dumped() { if kernel_at_least 6 9; then echo 5; else echo 0; fi; }

# expect_group JSON DST PORT TW EST B: the group's range, in_use, free, used_pct,
# time_wait, established and bound, derived from TW + EST + B used of the 990 ports.
expect_group() {
	local in_use=$(($4 + $5 + $6))
	expect_eq "$2:$3" "$(group "$1" "$2" "$3" range in_use free used_pct time_wait established bound)" \
		"990 $in_use $((990 - in_use)) $(awk -v u=$in_use 'BEGIN { printf "%.2f", u * 100 / 990 }') $4 $5 $6"
}

# Rule: ports tells whether the kernel's dump shows bound-only sockets (inet_diag from Linux
# 6.9): bound_visible is true exactly on such a kernel, and the text says so only where it
# is false, so a user of 6.1 knows the bound and in_use counts leave them out.
test_ports_says_bound_visibility() {
	need_root
	ns_create boundvis; local ns=$LAB_NS
	local want=false note=1
	[ "$(bound_dumped)" -gt 0 ] && want=true note=0
	local json text
	json=$(ip netns exec "$ns" "$TWTEST" ports --format json) || die "json exit $?"
	expect_eq bound_visible "$(python3 -c 'import json, sys; v = json.loads(sys.stdin.read())["bound_visible"]; print(str(v).lower())' <<<"$json")" "$want"
	text=$(ip netns exec "$ns" "$TWTEST" ports) || die "text exit $?"
	expect_eq "note lines" "$(grep -c 'leaves out bound, unconnected sockets' <<<"$text")" "$note"
}

# bound_visible_json NS: bound_visible of `twtest ports --format json` in NS (true, false, null).
bound_visible_json() {
	local json
	json=$(ip netns exec "$1" "$TWTEST" ports --format json) || die "ports json exit $?"
	python3 -c 'import json, sys; print(json.dumps(json.loads(sys.stdin.read())["bound_visible"]))' <<<"$json"
}

# Rule: the bound-visibility probe takes no port from ip_local_port_range (it binds outside
# it), so with every port of the range held it still answers as the kernel does, not null.
test_ports_probe_stays_out_of_the_range() {
	need_root
	local want=false
	[ "$(bound_dumped)" -gt 0 ] && want=true
	ns_create probe; local ns=$LAB_NS
	lab_sysctl "$ns" net.ipv4.ip_local_port_range="40000 40001" || die "sysctl"
	hold "$ns" "bind:127.0.0.1:2" # both ports of the range, bound on the probe's address
	expect_eq "bound_visible with the range held" "$(bound_visible_json "$ns")" "$want"
}

# Rule: `twtest ports` leaves connect()'s ports as it found it. Two connections toward two
# listeners share the range's one port; after a sample, a third connection toward a third
# listener still gets that port. A probe bound to port 0 shared the port's bind bucket, and
# on 6.1 the bucket stayed closed to connect() (EADDRNOTAVAIL) for as long as the
# connections lived; on 6.18 only while the probe was open.
test_ports_sample_leaves_connect_ports() {
	need_root
	ns_create share; local ns=$LAB_NS
	lab_sysctl "$ns" net.ipv4.ip_local_port_range="40000 40000" || die "sysctl"
	local out
	out=$(ip netns exec "$ns" python3 -c '
import socket, subprocess, sys
listeners = []
for port in (8080, 8081, 8082):
    s = socket.socket(); s.bind(("127.0.0.1", port)); s.listen(8); listeners.append(s)
keep = []
def connect(port):
    c = socket.socket()
    c.setsockopt(socket.SOL_IP, 24, 1)  # IP_BIND_ADDRESS_NO_PORT: the port comes with connect()
    c.bind(("127.0.0.2", 0))
    try:
        c.connect(("127.0.0.1", port))
    except OSError as e:
        return e.strerror
    keep.append(c)
    return str(c.getsockname()[1])
first = connect(8080) + " " + connect(8081)
rc = subprocess.run([sys.argv[1], "ports", "--format", "json"], stdout=subprocess.DEVNULL).returncode
print(first, rc, connect(8082))' "$TWTEST") || die "helper exit $?"
	expect_eq "ports of connections 1 and 2, ports exit, port of connection 3" "$out" "40000 40000 0 40000"
}

# Rule: a `ports --watch` sampler takes no port that connect() could have: with it sampling
# every millisecond, each of 500 fills of a 10-port range gets all 10 ports. (A probe bound
# to port 0 at every sample cut 150 of 500 such fills short on 6.18; the 6.1 guest, under
# emulation, saw none, and the two tests above catch it there.)
test_ports_watch_takes_no_port() {
	need_root
	ns_create steal; local ns=$LAB_NS
	lab_sysctl "$ns" net.ipv4.ip_local_port_range="40000 40009" || die "sysctl"
	ip netns exec "$ns" "$TWTEST" ports --watch 1 --format json >/dev/null 2>"$(tmpdir)/watch.err" </dev/null &
	lab_track $! INT
	sleep 0.2
	local out
	out=$(ip netns exec "$ns" python3 -c '
import socket, struct
listener = socket.socket(); listener.bind(("127.0.0.1", 8080)); listener.listen(64)
short = 0
for _ in range(500):
    keep = []
    while True:
        c = socket.socket()
        try:
            c.connect(("127.0.0.1", 8080))
        except OSError:
            c.close()
            break
        keep.append(c)
    short += len(keep) != 10
    for c in keep:  # closed with an RST: no TIME_WAIT, the ports are free at once
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        c.close()
    listener.setblocking(False)
    try:
        while True:
            listener.accept()[0].close()
    except BlockingIOError:
        pass
    listener.setblocking(True)
print(short)') || die "helper exit $?"
	expect_eq "fills short of 10 ports" "$out" 0
}

# Rule: with a 1000-port range less 10 reserved, 120 + 80 TIME_WAIT toward two ports of
# 127.0.0.1, 50 toward 127.0.0.2, 30 toward ::1, 7 ESTABLISHED toward 127.0.0.3 and 5
# bound-only sockets, every group's counts, range, free and used_pct are exact and the 5
# bound ports count as used in every group and on their source (on kernels that dump
# bound-only sockets; before 6.9 they are invisible and every figure is without them).
test_ports_known_state() {
	need_root
	local b; b=$(bound_dumped)
	ns_create known; local ns=$LAB_NS
	# tcp_rfc1337=1: no RST may end a TIME_WAIT early. Under emulation a last ACK later than the
	# server's RTO lets the server resend its FIN, and the listener resets the TIME_WAIT's answer
	# (docs/closing.md). The 6.1 guest once counted 29 of the 30 toward ::1, most likely so
	lab_sysctl "$ns" net.ipv4.ip_local_port_range="40000 40999" \
		net.ipv4.ip_local_reserved_ports="40990-40999" net.ipv4.tcp_tw_reuse=0 net.ipv4.tcp_rfc1337=1 || die "sysctl"
	start_server --netns "$ns"; local p1=$SERVER_PORT
	start_server --netns "$ns"; local p2=$SERVER_PORT
	# the slow helper first: under emulation python took up to 30 s to start, and TIME_WAIT
	# sockets made before it had expired (60 s) by the text check below
	hold "$ns" "connect:127.0.0.3:$p1:7" "bind:127.0.0.1:5"
	ip netns exec "$ns" "$TWTEST" client 127.0.0.1 1 120 --port "$p1" >/dev/null || die "client 1"
	ip netns exec "$ns" "$TWTEST" client 127.0.0.1 1 80 --port "$p2" >/dev/null || die "client 2"
	ip netns exec "$ns" "$TWTEST" client 127.0.0.2 1 50 --port "$p1" >/dev/null || die "client 3"
	ip netns exec "$ns" "$TWTEST" client ::1 1 30 --port "$p2" >/dev/null || die "client 4"
	# the closes settle first: a lost FIN leaves a FIN_WAIT2 for 10 s (SETTLE_MS in tests/lib.sh)
	lab_wait_until "$SETTLE_MS" settled "$ns" "$p1" && lab_wait_until "$SETTLE_MS" settled "$ns" "$p2" ||
		die "the closes did not settle: $(ip netns exec "$ns" ss -Htan | grep -c FIN-WAIT) in FIN_WAIT"
	local json; json=$(ip netns exec "$ns" "$TWTEST" ports --format json) || die "ports exit $?"
	expect_group "$json" 127.0.0.1 "$p1" 120 0 "$b"
	expect_group "$json" 127.0.0.1 "$p2" 80 0 "$b"
	expect_group "$json" 127.0.0.2 "$p1" 50 0 "$b"
	expect_group "$json" 127.0.0.3 "$p1" 0 7 "$b"
	expect_group "$json" ::1 "$p2" 30 0 "$b"
	grep -q '"groups_total":5,' <<<"$json" || die "groups_total: $json"
	if [ "$b" -gt 0 ]; then
		grep -q '"bound_ports":5,"bound":\[{"src":"127.0.0.1","ports":5}\]' <<<"$json" || die "bound: $json"
	fi
	grep -q '"range":990,' <<<"$json" && grep -q '"reserved":10,' <<<"$json" || die "range: $json"
	# text: the fullest group first, the bound line names the source
	local text; text=$(ip netns exec "$ns" "$TWTEST" ports --top 1)
	if [ "$b" -gt 0 ]; then
		grep -q "^bound, not connected: 5 ports, held toward every destination: 127.0.0.1 5$" <<<"$text" \
			|| die "text bound line: $text"
	fi
	local used=$((120 + b))
	expect_eq "top 1 row" "$(awk '$1 == "127.0.0.1" { print $2, $3, $4, $5, $6 }' <<<"$text")" \
		"127.0.0.1 $p1 $(awk -v u=$used 'BEGIN { printf "%.1f", u * 100 / 990 }') $used $((990 - used))"
	grep -q "^5 groups; the 1 fullest shown (--top)$" <<<"$text" || die "text tail: $text"
	expect_eq "--dst --dport" "$(ip netns exec "$ns" "$TWTEST" ports --dst 127.0.0.1 --dport "$p2" --format json |
		grep -o '"groups_total":[0-9]*')" '"groups_total":1'
	[ "$b" -gt 0 ] || skip "the groups hold without bound-only sockets; Linux $(uname -r) does not dump them (6.9+), so their count was not checked"
}

# Rule: --fail-above exits 3 when a group is above PCT used and 0 when none is.
test_ports_fail_above() {
	need_root
	ns_create fail; local ns=$LAB_NS
	lab_sysctl "$ns" net.ipv4.ip_local_port_range="40000 40199" || die "sysctl"
	start_server --netns "$ns"
	ip netns exec "$ns" "$TWTEST" client 127.0.0.1 1 60 --port "$SERVER_PORT" >/dev/null || die "client"
	# 60 of 200 ports: 30%
	ip netns exec "$ns" "$TWTEST" ports --fail-above 29 >/dev/null
	expect_eq "above 29%" $? 3
	ip netns exec "$ns" "$TWTEST" ports --fail-above 30 >/dev/null
	expect_eq "not above 30%" $? 0
}

# Rule: tcp_tw_reuse=2 reads "no" toward a veth destination and not "no" toward loopback;
# with tcp_timestamps=0 at the peer, its ESTABLISHED sockets read timestamps "no" and the
# verdict is "not negotiated", while loopback with timestamps reads "yes".
test_ports_reuse_verdicts() {
	need_root
	ns_create ra; local a=$LAB_NS
	ns_create rb; local b=$LAB_NS
	lab_veth "$a" "$b" || die "veth"
	local peer=$LAB_SERVER_ADDR
	lab_sysctl "$a" net.ipv4.tcp_tw_reuse=2 || die "sysctl"
	start_server --netns "$b"; local pb=$SERVER_PORT
	start_server --netns "$a"; local pa=$SERVER_PORT
	ip netns exec "$a" "$TWTEST" client "$peer" 1 20 --port "$pb" >/dev/null || die "client veth"
	ip netns exec "$a" "$TWTEST" client 127.0.0.1 1 20 --port "$pa" >/dev/null || die "client lo"
	local json; json=$(ip netns exec "$a" "$TWTEST" ports --format json)
	expect_eq "veth, reuse=2" "$(group "$json" "$peer" "$pb" reuse)" no
	grep -q '"reuse_why":"tcp_tw_reuse=2 covers loopback only, and this traffic is not"' <<<"$json" \
		|| die "veth why: $json"
	expect_eq "loopback, reuse=2" "$(group "$json" 127.0.0.1 "$pa" reuse)" likely
	lab_sysctl "$a" net.ipv4.tcp_tw_reuse=1 || die "sysctl"
	lab_sysctl "$b" net.ipv4.tcp_timestamps=0 || die "sysctl"
	hold "$a" "connect:$peer:$pb:3" "connect:127.0.0.1:$pa:3"
	json=$(ip netns exec "$a" "$TWTEST" ports --format json)
	expect_eq "peer without timestamps" "$(group "$json" "$peer" "$pb" reuse timestamps_negotiated)" "no no"
	grep -q '"reuse_why":"timestamps not negotiated with this peer"' <<<"$json" || die "why: $json"
	expect_eq "loopback, reuse=1" "$(group "$json" 127.0.0.1 "$pa" reuse timestamps_negotiated)" "yes yes"
	ip netns exec "$a" "$TWTEST" ports | grep -q "  no: timestamps not negotiated with this peer$" \
		|| die "text verdict: $(ip netns exec "$a" "$TWTEST" ports)"
}

# tw_tuples NS PORT: the 4-tuples (source port) of NS's TIME_WAIT sockets toward PORT, sorted.
tw_tuples() { ip netns exec "$1" ss -Htan state time-wait "( dport = :$2 )" | awk '{ print $3 }' | sort; }

# settled NS PORT: no connection toward PORT is still closing (FIN_WAIT1/2, a TIME_WAIT-to-be).
settled() { ! ip netns exec "$1" ss -Htan "( dport = :$2 )" | grep -q FIN-WAIT; }

# ms_now: the wall clock in ms, the clock of ports' time_ms.
ms_now() { echo $(( ${EPOCHREALTIME//[!0-9]/} / 1000 )); }

# ports_window NS WINDOW: ports --interval WINDOW in NS; AT (its time_ms, taken just after the
# dump), RATE, FULL (forecast) and FREE of the group toward SERVER_PORT.
ports_window() {
	local json
	json=$(ip netns exec "$1" "$TWTEST" ports --interval "$2" --format json) || die "ports exit $?"
	AT=$(grep -o '"time_ms":[0-9]*' <<<"$json" | cut -d: -f2)
	read -r RATE FULL FREE <<<"$(group "$json" 127.0.0.1 "$SERVER_PORT" new_time_wait_per_s full_in_s free)"
}

# expect_rate WHAT N WINDOW: RATE is N new TIME_WAIT sockets in WINDOW ms (as ports rounds it).
expect_rate() {
	local want; want=$(awk -v n="$2" -v w="$3" 'BEGIN { printf "%.1f", n * 1000 / w }')
	[ "$RATE" = "$want" ] || die "$1: rate $RATE/s in a $3 ms window, want $2 new TIME_WAIT sockets in it ($want/s)"
}

# Rule: ports' new TIME_WAIT count is exact: of two bursts of connections 4 s apart, a window
# that starts inside the gap counts every TIME_WAIT 4-tuple of the second burst (counted
# independently: the 4-tuples ss lists after it less those it listed before) and none of the
# first, whether it starts 100 ms after the first burst settled (a socket aged too young by
# more than that would be counted) or 500 ms (more on a slow machine) before the second began
# (one aged too old by more than that would be missed); the rate is that count over the window and the forecast
# free / rate (no TIME_WAIT expires in a fresh namespace). Windows are set from the clock;
# ports' own time_ms checks that each began inside the gap (a ports run slower than its
# margin fails the test, saying so). Two samples compared over "the same seconds" would not
# do: under emulation ss took up to 3 s to list and a steady client was not steady; such a
# comparison read ports at 0.55-0.85 of ss, while ports' ages agreed with the 4-tuples' first
# sightings to 15 ms (docs/ports.md).
test_ports_rate_and_forecast() {
	need_root
	ns_create rate; local ns=$LAB_NS
	# tcp_rfc1337=1: no RST may end a TIME_WAIT between the counts (see test_ports_known_state)
	lab_sysctl "$ns" net.ipv4.ip_local_port_range="40000 40299" net.ipv4.tcp_tw_reuse=0 \
		net.ipv4.tcp_rfc1337=1 || die "sysctl"
	start_server --netns "$ns"
	local gap=4000 dir; dir=$(tmpdir)
	# loops of 10: 150 at once overflowed the listener's queue under emulation
	ip netns exec "$ns" "$TWTEST" client 127.0.0.1 15 10 --no-observe --port "$SERVER_PORT" >/dev/null || die "client 1"
	lab_wait_until 10000 settled "$ns" "$SERVER_PORT" || die "burst 1 did not settle"
	local end1; end1=$(ms_now)
	tw_tuples "$ns" "$SERVER_PORT" >"$dir/before"
	lab_wait_until $((gap + 1000)) eval '[ $(($(ms_now) - end1)) -ge '$gap' ]'
	local start2; start2=$(ms_now)
	ip netns exec "$ns" "$TWTEST" client 127.0.0.1 10 10 --no-observe --port "$SERVER_PORT" >/dev/null || die "client 2"
	lab_wait_until 10000 settled "$ns" "$SERVER_PORT" || die "burst 2 did not settle"
	tw_tuples "$ns" "$SERVER_PORT" >"$dir/after"
	local old new
	old=$(wc -l <"$dir/before") new=$(comm -13 "$dir/before" "$dir/after" | wc -l)
	[ "$old" -ge 75 ] && [ "$new" -ge 50 ] || die "too few TIME_WAIT sockets to count: $old, then $new more"
	expect_eq "burst 1's TIME_WAIT sockets still there" "$(comm -23 "$dir/before" "$dir/after" | wc -l)" 0
	local launch window
	# from 100 ms after burst 1 settled (later by ports' own start-up: still in the gap)
	launch=$(ms_now) window=$((launch - end1 - 100))
	ports_window "$ns" "$window"
	[ $((AT - window)) -lt "$start2" ] ||
		die "ports took $((AT - launch)) ms: its window began after burst 2 did"
	expect_rate "from the gap's start" "$new" "$window"
	expect_eq "free" "$FREE" $((300 - old - new))
	# 300 ports, so that free / rate comes before burst 1's first expiry even under emulation
	# (rates of 4/s there), and the forecast is that quotient
	awk -v r="$RATE" -v f="$FULL" -v free="$FREE" 'BEGIN {
		want = free / r; exit !(f != "None" && f >= want - 0.15 && f <= want + 0.15) }' \
		|| die "forecast $FULL s, free $FREE at $RATE/s"
	# from MARGIN before burst 2 began: 500 ms and twice what ports took to start last time,
	# within the gap. Under emulation ports took 0.1-1.5 s to start from one run to the next:
	# when its window began after burst 2 did, it runs again with the wider margin (no new
	# TIME_WAIT socket comes meanwhile; at most three runs).
	local margin=$((500 + 2 * (AT - launch))) try
	for try in 1 2 3; do
		[ "$margin" -le $((gap - 500)) ] || margin=$((gap - 500))
		launch=$(ms_now) window=$((launch - start2 + margin))
		ports_window "$ns" "$window"
		[ $((AT - window)) -lt "$start2" ] && break
		[ "$try" -lt 3 ] ||
			die "ports took $((AT - launch)) ms, more than the $margin ms margin, three times: its window began after burst 2 did"
		margin=$((500 + 2 * (AT - launch)))
	done
	expect_rate "from $margin ms before burst 2" "$new" "$window"
}

# Rule: --format prom passes the Prometheus client library's parser, and its figures are
# the JSON's: 30 TIME_WAIT and 2 bound-only sockets (those seen only from Linux 6.9 on).
test_ports_prom_parses() {
	need_root
	local b=0; [ "$(bound_dumped)" -gt 0 ] && b=2
	local py; py=$(prom_python) || die "no Prometheus parser: install python3-prometheus-client (.ci/run does)"
	ns_create prom; local ns=$LAB_NS
	start_server --netns "$ns"
	ip netns exec "$ns" "$TWTEST" client 127.0.0.1 1 30 --port "$SERVER_PORT" >/dev/null || die "client"
	hold "$ns" "bind:127.0.0.1:2"
	local prom; prom=$(ip netns exec "$ns" "$TWTEST" ports --format prom) || die "prom exit $?"
	local got; got=$("$py" -c '
import sys
from prometheus_client.parser import text_string_to_metric_families
v = {}
for fam in text_string_to_metric_families(sys.stdin.read()):
    for s in fam.samples:
        if s.labels.get("dport") == sys.argv[1] and s.labels.get("state", "TIME_WAIT") == "TIME_WAIT" \
                and s.labels.get("seconds", "60") == "60" or not s.labels:
            v[s.name] = s.value
print(" ".join("%g" % v.get(k, -1) for k in ("twtest_ports_sockets", "twtest_ports_in_use",
      "twtest_ports_bound", "twtest_ports_free_within", "twtest_ports_range", "twtest_ports_groups")))' \
		"$SERVER_PORT" <<<"$prom") || die "parser rejected: $prom"
	expect_eq "prom figures" "$got" "30 $((30 + b)) $b 30 28232 1"
	expect_eq "HELP lines = TYPE lines" "$(grep -c '^# HELP' <<<"$prom")" "$(grep -c '^# TYPE' <<<"$prom")"
}

# Rule: without privileges the groups are still read and what could not be read is named.
test_ports_unprivileged() {
	need_root
	ns_create unpriv; local ns=$LAB_NS
	start_server --netns "$ns"
	ip netns exec "$ns" "$TWTEST" client 127.0.0.1 1 10 --port "$SERVER_PORT" >/dev/null || die "client"
	# a copy that user 65534 can run, wherever the checkout is (a home directory may be 0700)
	local bin; bin="$(tmpdir)/twtest"
	cp "$TWTEST" "$bin" && chmod 755 "$(tmpdir)" "$bin" || die "copy $TWTEST"
	local out; out=$(ip netns exec "$ns" setpriv --reuid 65534 --regid 65534 --clear-groups \
		"$bin" ports --format json) || die "unprivileged exit $?: $out"
	expect_eq "unprivileged group" "$(group "$out" 127.0.0.1 "$SERVER_PORT" time_wait)" 10
	grep -q '"unreadable":"/proc/slabinfo: Permission denied"' <<<"$out" || die "unreadable: $out"
}

# Rule: --watch prints a sample every MS until SIGINT and exits 0; with --fail-above it
# stops at the first sample above, exit 3.
test_ports_watch() {
	tmpdir >/dev/null # in this shell, so that the trap removes it
	local out="$TW_TMP/watch" n
	: >"$out"
	# one SIGINT by PID (timeout(1) would signal the process group too)
	"$TWTEST" ports --watch 200 --format json >"$out" &
	local pid=$!
	lab_track "$pid" KILL
	two_samples() { [ "$(wc -l <"$out")" -ge 2 ]; }
	lab_wait_until 5000 two_samples # the count below says if it never came
	kill -INT "$pid"
	lab_reap "$pid"
	expect_eq "watch exit" $? 0
	n=$(grep -c '^{"type":"ports",' "$out")
	[ "$n" -ge 2 ] || die "watch: $n samples"
	"$TWTEST" ports --watch 100 --fail-above 0 --dport 1 --format json >/dev/null &
	pid=$!
	lab_track "$pid" KILL
	sleep 0.5
	kill -0 "$pid" 2>/dev/null || die "--fail-above 0 toward port 1 stopped with nothing above"
	kill -INT "$pid"
	lab_reap "$pid"
	expect_eq "watch, never above 0% toward port 1" $? 0
	need_root
	ns_create watch; local ns=$LAB_NS
	start_server --netns "$ns"
	ip netns exec "$ns" "$TWTEST" client 127.0.0.1 1 5 --port "$SERVER_PORT" >/dev/null || die "client"
	out=$(ip netns exec "$ns" timeout 5 "$TWTEST" ports --watch 100 --fail-above 0 --format json)
	expect_eq "watch stops above 0%" $? 3
	expect_eq "samples" "$(wc -l <<<"$out")" 1
}

# Rule: bad input exits 2 with a one-line message naming the value.
test_ports_bad_input() {
	local arg msg
	for arg in "--top x:invalid --top 'x'" "--dst 1.2.3.x:invalid --dst '1.2.3.x'" \
		"--dport 0:invalid --dport '0'" "--format csv:invalid --format 'csv'" \
		"--fail-above 101:invalid --fail-above '101'" "--interval 0:invalid --interval '0'" \
		"extra:unexpected argument 'extra'"; do
		msg=$("$TWTEST" ports ${arg%%:*} 2>&1 >/dev/null)
		expect_eq "exit for ${arg%%:*}" $? 2
		expect_eq "lines for ${arg%%:*}" "$(wc -l <<<"$msg")" 1
		[[ $msg == "twtest ports: ${arg#*:}"* ]] || die "message for ${arg%%:*}: $msg"
	done
}

run_tests
