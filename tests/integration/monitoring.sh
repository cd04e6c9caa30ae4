# Integration tests of the monitoring path: `twtest ports --listen` (the Prometheus exporter)
# against real HTTP clients and the Prometheus client library's parser, promtool's checks of
# the exposition and of the alert rules (deploy/prometheus/twtest-alerts.yml, with their unit
# tests), and a real Prometheus server that scrapes the exporter and node_exporter's textfile
# collector while a client drives one destination toward exhaustion.
. "$(dirname "$0")/../lib.sh"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
RULES="$ROOT/deploy/prometheus/twtest-alerts.yml"

# PY: a Python 3 with the Prometheus client library (Debian python3-prometheus-client);
# the system's first, which starts faster than a version manager's shim.
PY=""
for p in /usr/bin/python3 python3; do
	"$p" -c 'import prometheus_client.parser' 2>/dev/null && { PY=$p; break; }
done
# yaml_python: a Python 3 with a YAML parser (Debian python3-yaml).
yaml_python() {
	local p
	for p in /usr/bin/python3 python3; do
		"$p" -c 'import yaml' 2>/dev/null && { echo "$p"; return 0; }
	done
	return 1
}
need_py() { [ -n "$PY" ] || die "no python3 with prometheus_client: install python3-prometheus-client (.ci/run does)"; }

# exporter_start NS ARGS...: `twtest ports --listen 127.0.0.1:0 ARGS` inside NS (NS "" for
# this namespace); sets EXP_PID and EXP_PORT (read from its first line on stderr) and EXP_ERR.
exporter_start() {
	local ns=$1; shift
	local prefix=()
	[ -n "$ns" ] && prefix=(ip netns exec "$ns")
	EXP_ERR="$(tmpdir)/exporter.$RANDOM.err"
	: >"$EXP_ERR"
	"${prefix[@]}" "$TWTEST" ports --listen 127.0.0.1:0 "$@" 2>"$EXP_ERR" &
	EXP_PID=$!
	lab_track "$EXP_PID" KILL
	exporter_says() { grep -q 'serving http://' "$EXP_ERR" || ! kill -0 "$EXP_PID" 2>/dev/null; }
	lab_wait_until 5000 exporter_says
	EXP_PORT=$(sed -n 's|.*serving http://127\.0\.0\.1:\([0-9]*\)/metrics$|\1|p' "$EXP_ERR")
	[ -n "$EXP_PORT" ] || die "exporter did not start: $(cat "$EXP_ERR")"
}

# http NS METHOD PORT PATH: one request to 127.0.0.1:PORT inside NS ("": here); prints the
# status, the headers as "name: value" lines (lower-case names), a blank line and the body.
http() {
	local prefix=()
	[ -n "$1" ] && prefix=(ip netns exec "$1")
	"${prefix[@]}" "$PY" -c '
import http.client, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[2]), timeout=10)
c.request(sys.argv[1], sys.argv[3])
r = c.getresponse()
body = r.read().decode()
print(r.status)
for k, v in r.getheaders(): print(k.lower() + ": " + v)
print()
print(body, end="")' "$2" "$3" "$4"
}

# metric TEXT NAME [LABELS]: the value of the sample NAME{LABELS} in exposition text.
metric() {
	local want=$2
	[ -n "${3:-}" ] && want+="{$3}"
	awk -v want="$want" '$1 == want { print $2 }' <<<"$1"
}

# Rule: GET /metrics answers 200 with Content-Type text/plain; version=0.0.4; charset=utf-8,
# a body the Prometheus client library parses in which every family has # HELP and # TYPE,
# whose figures are those of the namespace (40 TIME_WAIT toward one server, up 1) and that
# `promtool check metrics` accepts; / is a page linking to /metrics; HEAD has the headers
# only; another path is 404 and another method 405 with Allow.
test_exporter_answers() {
	need_root
	need_py
	command -v promtool >/dev/null || die "no promtool: install prometheus (.ci/run does)"
	ns_create expans; local ns=$LAB_NS
	start_server --netns "$ns"
	ip netns exec "$ns" "$TWTEST" client 127.0.0.1 1 40 --port "$SERVER_PORT" >/dev/null || die "client"
	exporter_start "$ns"
	local out; out=$(http "$ns" GET "$EXP_PORT" /metrics) || die "GET /metrics failed"
	expect_eq status "$(head -1 <<<"$out")" 200
	grep -qx 'content-type: text/plain; version=0.0.4; charset=utf-8' <<<"$out" || die "content type: $(sed '/^$/q' <<<"$out")"
	local body; body=$(sed '1,/^$/d' <<<"$out")
	"$PY" -c '
import sys
from prometheus_client.parser import text_string_to_metric_families
text = sys.stdin.read()
fams = list(text_string_to_metric_families(text))
helps = {l.split()[2] for l in text.splitlines() if l.startswith("# HELP ")}
types = {l.split()[2] for l in text.splitlines() if l.startswith("# TYPE ")}
names = {f.name for f in fams}
bare = {s.name for f in fams for s in f.samples}
assert helps == types, ("HELP without TYPE or the reverse", helps ^ types)
missing = {n for n in bare if not any(n == h or n == h + "_total" for h in helps)}
assert not missing, ("samples without HELP/TYPE", missing)
print(len(fams))' <<<"$body" >/dev/null || die "families: $body"
	expect_eq "TIME_WAIT toward the server" \
		"$(metric "$body" twtest_ports_sockets "src=\"127.0.0.1\",dst=\"127.0.0.1\",dport=\"$SERVER_PORT\",state=\"TIME_WAIT\"")" 40
	expect_eq up "$(metric "$body" twtest_ports_up)" 1
	local lint; lint=$(promtool check metrics <<<"$body" 2>&1) || die "promtool check metrics: $lint"
	out=$(http "$ns" GET "$EXP_PORT" /)
	expect_eq "/ status" "$(head -1 <<<"$out")" 200
	grep -q '<a href="/metrics">' <<<"$out" || die "/ does not link to /metrics: $out"
	out=$(http "$ns" HEAD "$EXP_PORT" /metrics)
	expect_eq "HEAD status" "$(head -1 <<<"$out")" 200
	expect_eq "HEAD body" "$(sed '1,/^$/d' <<<"$out")" ""
	expect_eq "other path" "$(http "$ns" GET "$EXP_PORT" /metricsx | sed -n 1p)" 404
	out=$(http "$ns" POST "$EXP_PORT" /metrics)
	expect_eq "other method" "$(head -1 <<<"$out")" 405
	grep -qx 'allow: GET, HEAD' <<<"$out" || die "405 without Allow: $out"
	expect_eq "lines on stderr" "$(wc -l <"$EXP_ERR")" 1
}

# Rule: one sample serves every scrape of an --interval: 20 scrapes (5 at once, 4 times)
# within a 10 s interval take no new sample, and one after it takes exactly one; the rate
# window is the time since the previous sample.
test_exporter_samples_once_per_interval() {
	need_py
	exporter_start "" --interval 10000
	local before after
	before=$(metric "$(http "" GET "$EXP_PORT" /metrics)" twtest_ports_samples_total)
	"$PY" -c '
import concurrent.futures, http.client, sys
def get(_):
    c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=10)
    c.request("GET", "/metrics")
    r = c.getresponse(); r.read()
    return r.status
with concurrent.futures.ThreadPoolExecutor(5) as ex:
    s = list(ex.map(get, range(20)))
assert s == [200] * 20, s' "$EXP_PORT" || die "concurrent scrapes failed"
	after=$(metric "$(http "" GET "$EXP_PORT" /metrics)" twtest_ports_samples_total)
	expect_eq "samples within the interval" "$after" "$before"
	sleep 10.2
	local body; body=$(http "" GET "$EXP_PORT" /metrics)
	expect_eq "samples after it" "$(metric "$body" twtest_ports_samples_total)" $((before + 1))
	awk -v w="$(metric "$body" twtest_ports_rate_window_seconds)" 'BEGIN { exit !(w >= 10 && w < 20) }' \
		|| die "rate window $(metric "$body" twtest_ports_rate_window_seconds) s"
}

# Rule: slow and hostile clients do not stall it: while one client sends its request a byte
# a second and 10 others connect and send nothing, a scrape is answered within 2 s; a request
# head over 8 KiB gets 431 and the connection closes; the byte-a-second client is cut off
# 10 s after its first byte without an answer; and with 70 silent connections (more than its
# 64 slots) a new scrape is still answered within 2 s (the least recently active goes).
test_exporter_slow_clients() {
	need_py
	exporter_start ""
	local slow="$(tmpdir)/slow"
	"$PY" -c '
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
t0 = time.time()
def closed():
    try:
        return s.recv(100, socket.MSG_DONTWAIT) == b""
    except BlockingIOError:
        return False
try:
    for b in b"GET /metrics HTTP/1.1\r\nHost: x\r\n" + b"X-Pad: y\r\n" * 20:
        s.send(bytes([b])); time.sleep(1)
        if closed(): raise OSError("closed")
    print("not closed")
except OSError:
    print("closed after %.0f s" % (time.time() - t0))' "$EXP_PORT" >"$slow" 2>&1 &
	lab_track $! KILL
	"$PY" -c '
import socket, sys, time, http.client
port = int(sys.argv[1])
def scrape():
    t0 = time.time()
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    c.request("GET", "/metrics"); r = c.getresponse(); r.read()
    took = time.time() - t0
    assert r.status == 200 and took < 2, (r.status, took)
idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(10)]
time.sleep(1)
scrape()
big = socket.create_connection(("127.0.0.1", port))
big.sendall(b"GET /metrics HTTP/1.1\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n")
big.settimeout(5)
got = b""
while True:
    d = big.recv(4096)
    if not d: break
    got += d
assert got.startswith(b"HTTP/1.1 431 "), got[:80]' "$EXP_PORT" || die "a scrape was held up, or no 431"
	wait_for_line "$slow" "closed after" 20
	grep -Eq '^closed after (9|1[0-2]) s$' "$slow" || die "slow client: $(cat "$slow")"
	"$PY" -c '
import socket, sys, time, http.client
port = int(sys.argv[1])
idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(70)]
time.sleep(0.5)
t0 = time.time()
c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
c.request("GET", "/metrics"); r = c.getresponse(); r.read()
assert r.status == 200 and time.time() - t0 < 2, (r.status, time.time() - t0)' "$EXP_PORT" \
		|| die "a scrape past 64 silent connections was not answered"
}

# Rule: SIGTERM and SIGINT each end it with status 0 (by PID), whatever it is serving.
test_exporter_signals() {
	need_py
	local sig
	for sig in TERM INT; do
		exporter_start ""
		http "" GET "$EXP_PORT" /metrics >/dev/null || die "scrape"
		kill -"$sig" "$EXP_PID"
		lab_reap "$EXP_PID"
		expect_eq "exit on SIG$sig" $? 0
	done
}

# Rule: twtest_ports_up says whether the last sample could read the kernel: 0 (the body still
# served, one line on stderr) while the port range is unreadable (/dev/null bound over it in a
# mount namespace of the exporter's own), 1 again once it is readable, and 1 before.
test_exporter_up_follows_the_kernel() {
	need_root
	need_py
	command -v unshare >/dev/null && command -v nsenter >/dev/null || skip "no unshare/nsenter (util-linux)"
	EXP_ERR="$(tmpdir)/exporter.err"
	unshare -m --propagation private "$TWTEST" ports --listen 127.0.0.1:0 --interval 100 2>"$EXP_ERR" &
	EXP_PID=$!
	lab_track "$EXP_PID" KILL
	wait_for_line "$EXP_ERR" "serving http://" 5
	EXP_PORT=$(sed -n 's|.*127\.0\.0\.1:\([0-9]*\)/metrics$|\1|p' "$EXP_ERR")
	expect_eq "up before" "$(metric "$(http "" GET "$EXP_PORT" /metrics)" twtest_ports_up)" 1
	nsenter -m -t "$EXP_PID" mount --bind /dev/null /proc/sys/net/ipv4/ip_local_port_range || die "bind mount"
	sleep 0.2
	local body; body=$(http "" GET "$EXP_PORT" /metrics)
	expect_eq "up while unreadable" "$(metric "$body" twtest_ports_up)" 0
	expect_eq "groups while unreadable" "$(metric "$body" twtest_ports_groups)" ""
	sleep 0.2
	http "" GET "$EXP_PORT" /metrics >/dev/null
	nsenter -m -t "$EXP_PID" umount /proc/sys/net/ipv4/ip_local_port_range || die "umount"
	sleep 0.2
	expect_eq "up after" "$(metric "$(http "" GET "$EXP_PORT" /metrics)" twtest_ports_up)" 1
	expect_eq "stderr" "$(sed 1d "$EXP_ERR")" \
		"twtest ports: cannot read net.ipv4.ip_local_port_range (twtest_ports_up is 0 until it can)"
}

# Rule: with --nat the same answer carries the conntrack families and twtest_nat_up: 1 with
# CAP_NET_ADMIN (root in the namespace), 0 without it (the sockets' side still up, 1), and
# the answer passes `promtool check metrics` either way.
test_exporter_nat() {
	need_root
	need_py
	command -v promtool >/dev/null || die "no promtool: install prometheus (.ci/run does)"
	ns_create expnat; local ns=$LAB_NS
	exporter_start "$ns" --nat
	local body; body=$(http "$ns" GET "$EXP_PORT" /metrics | sed '1,/^$/d')
	expect_eq "nat up as root" "$(metric "$body" twtest_nat_up) $(metric "$body" twtest_ports_up)" "1 1"
	expect_eq "nat pool" "$(metric "$body" twtest_nat_pool)" 64512
	local lint; lint=$(promtool check metrics <<<"$body" 2>&1) || die "promtool check metrics: $lint"
	lab_stop "$EXP_PID"
	local bin; bin="$(tmpdir)/twtest"
	cp "$TWTEST" "$bin" && chmod 755 "$(tmpdir)" "$bin" || die "copy $TWTEST"
	EXP_ERR="$(tmpdir)/unpriv.err"
	ip netns exec "$ns" setpriv --reuid 65534 --regid 65534 --clear-groups --inh-caps=-all \
		"$bin" ports --listen 127.0.0.1:0 --nat 2>"$EXP_ERR" &
	EXP_PID=$!
	lab_track "$EXP_PID" KILL
	wait_for_line "$EXP_ERR" "serving http://" 5
	EXP_PORT=$(sed -n 's|.*127\.0\.0\.1:\([0-9]*\)/metrics$|\1|p' "$EXP_ERR")
	body=$(http "$ns" GET "$EXP_PORT" /metrics | sed '1,/^$/d')
	expect_eq "nat up without CAP_NET_ADMIN" "$(metric "$body" twtest_nat_up) $(metric "$body" twtest_ports_up)" "0 1"
	lint=$(promtool check metrics <<<"$body" 2>&1) || die "promtool check metrics: $lint"
	grep -q "cannot read the conntrack table" "$EXP_ERR" || die "no line on stderr: $(cat "$EXP_ERR")"
}

# Rule: the shipped rules file passes `promtool check rules`; every alert has a severity, a
# summary, a description and a runbook_url whose anchor is a heading of docs/monitoring.md;
# and the unit tests cover every alert with a case that fires and one that must not.
test_rules_check() {
	command -v promtool >/dev/null || die "no promtool: install prometheus (.ci/run does)"
	local out; out=$(promtool check rules "$RULES" 2>&1) || die "promtool check rules: $out"
	grep -q "SUCCESS: 9 rules found" <<<"$out" || die "promtool check rules: $out"
	local py; py=$(yaml_python) || skip "no python3 with a YAML parser (Debian python3-yaml)"
	out=$("$py" -c '
import re, sys, yaml
rules = [r for g in yaml.safe_load(open(sys.argv[1]))["groups"] for r in g["rules"]]
tests = yaml.safe_load(open(sys.argv[2]))["tests"]
doc = open(sys.argv[3]).read()
anchors = {re.sub(r"[^a-z0-9 -]", "", h.lower()).replace(" ", "-") for h in re.findall(r"^#+ (.*)$", doc, re.M)}
bad = []
for r in rules:
    a, an = r["alert"], r.get("annotations", {})
    if r.get("labels", {}).get("severity") not in ("warning", "critical"): bad.append(a + ": severity")
    for k in ("summary", "description", "runbook_url"):
        if not an.get(k): bad.append(a + ": no " + k)
    url = an.get("runbook_url", "")
    if not url.startswith("docs/monitoring.md#") or url.split("#")[1] not in anchors: bad.append(a + ": runbook " + url)
    cases = [t for g in tests for t in g["alert_rule_test"] if t["alertname"] == a]
    if not any(c["exp_alerts"] for c in cases): bad.append(a + ": no test that fires")
    if not any(c["exp_alerts"] == [] for c in cases): bad.append(a + ": no test that must not fire")
print("; ".join(bad))' "$RULES" "$ROOT/tests/prometheus/twtest-alerts.test.yml" "$ROOT/docs/monitoring.md" 2>&1) \
		|| die "reading the rules: $out"
	expect_eq "rules" "$out" ""
}

# Rule: `promtool test rules` passes on the shipped rules: each alert fires on its series with
# the labels and annotations expected, and stays quiet on the series just short of it.
test_rules_unit() {
	command -v promtool >/dev/null || die "no promtool: install prometheus (.ci/run does)"
	local out; out=$(cd "$ROOT/tests/prometheus" && promtool test rules twtest-alerts.test.yml 2>&1) \
		|| die "promtool test rules: $out"
}

# Rule: the Kubernetes manifests carry the exporter and the rules: the PrometheusRule is
# tools/prometheusrule.sh's output and its groups are the rules file's; each exporter
# DaemonSet is on the host network with its scrape annotations naming the port that --listen
# serves and the container exposes, CAP_NET_ADMIN added exactly to the containers run with
# --nat; the textfile DaemonSet is kept; and every twtest command line there is one this
# twtest accepts.
test_k8s_manifests() {
	local py; py=$(yaml_python) || skip "no python3 with a YAML parser (Debian python3-yaml)"
	local gen; gen=$("$ROOT/tools/prometheusrule.sh" "$RULES") || die "tools/prometheusrule.sh failed"
	expect_eq "PrometheusRule is generated from the rules" \
		"$(diff <(echo "$gen") "$ROOT/deploy/k8s/twtest-alerts-rule.yaml" && echo same)" same
	local cmds line
	cmds=$("$py" -c '
import glob, sys, yaml
docs = [d for p in sorted(glob.glob(sys.argv[1] + "/*.yaml")) for d in yaml.safe_load_all(open(p))]
rules = yaml.safe_load(open(sys.argv[2]))
bad, lines, kinds = [], [], [d["kind"] for d in docs]
pr = [d for d in docs if d["kind"] == "PrometheusRule"]
if len(pr) != 1 or pr[0]["spec"] != rules: bad.append("the PrometheusRule differs from the rules file")
exporters = textfile = 0
for d in (d for d in docs if d["kind"] == "DaemonSet"):
    t = d["spec"]["template"]; spec = t["spec"]; ann = t["metadata"].get("annotations", {})
    for c in spec["containers"]:
        args = c.get("args", [])
        if args[:1] == ["ports"] and "--listen" in args:
            exporters += 1
            port = args[args.index("--listen") + 1].rsplit(":", 1)[-1]
            cports = [str(p["containerPort"]) for p in c.get("ports", [])]
            if not spec.get("hostNetwork"): bad.append(d["metadata"]["name"] + ": not hostNetwork")
            if ann.get("prometheus.io/scrape") != "true" or ann.get("prometheus.io/port") != port or port not in cports:
                bad.append(d["metadata"]["name"] + ": annotations, containerPort and --listen disagree")
            added = c.get("securityContext", {}).get("capabilities", {}).get("add", [])
            if ("NET_ADMIN" in added) != ("--nat" in args): bad.append(d["metadata"]["name"] + ": NET_ADMIN and --nat disagree")
            lines.append(" ".join(args))
        elif "twtest ports --format prom > " in " ".join(c.get("args", [])):
            textfile += 1
if exporters != 2 or textfile != 1: bad.append("%d exporters and %d textfile DaemonSets" % (exporters, textfile))
if bad: print("; ".join(bad)); sys.exit(1)
print("\n".join(lines))' "$ROOT/deploy/k8s" "$RULES" 2>&1) || die "deploy/k8s: $cmds"
	while IFS= read -r line; do
		# shellcheck disable=SC2086
		"$TWTEST" $line --help >/dev/null 2>"$(tmpdir)/err" || die "twtest $line: $(cat "$(tmpdir)/err")"
	done <<<"$cmds"
}

# prom_api NS PORT PATH: GET Prometheus's API inside NS; prints the JSON "data" member.
prom_api() {
	ip netns exec "$1" "$PY" -c '
import json, sys, urllib.request
r = json.load(urllib.request.urlopen("http://127.0.0.1:%s%s" % (sys.argv[1], sys.argv[2]), timeout=10))
assert r["status"] == "success", r
print(json.dumps(r["data"]))' "$2" "$3"
}

# prom_value NS PORT QUERY: the value of an instant query that has one series ("" if none).
prom_value() {
	prom_api "$1" "$2" "/api/v1/query?query=$("$PY" -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$3")" |
		"$PY" -c 'import json, sys; d = json.load(sys.stdin)["result"]; print(d[0]["value"][1] if len(d) == 1 else "")'
}

# Rule: end to end with the real servers. In a namespace with 1000 ephemeral ports and
# tcp_tw_reuse=0, `twtest ports --listen` and node_exporter's textfile collector (fed `twtest
# ports --format prom` every second) are scraped each second by a real Prometheus evaluating
# the shipped rules file unchanged. A client at 40 connections a second toward one server
# port runs out of ports after 25 s; one at 5 a second toward another port never does (140
# ports in use at its end, 300 in its steady state: a rate 3.3 times as high would be needed
# for a forecast, so a late scrape cannot make one). Through
# Prometheus's API: the hot group's series with its labels and values (range 1000, in use up
# to 1000, up 1) from both the exporter and the textfile route, the same families in both;
# TwtestPortsFillingUp firing for the hot destination before the client's first EADDRNOTAVAIL
# (the lead time is printed), TwtestPortsExhausted after it, and no alert of any state for the
# quiet destination.
test_prometheus_end_to_end() {
	need_root
	need_py
	command -v prometheus >/dev/null || die "no prometheus: install it (.ci/run does)"
	command -v prometheus-node-exporter >/dev/null || die "no prometheus-node-exporter: install it (.ci/run does)"
	local dir; dir=$(tmpdir)
	ns_create e2e; local ns=$LAB_NS
	lab_sysctl "$ns" net.ipv4.ip_local_port_range="40000 40999" net.ipv4.tcp_tw_reuse=0 || die "sysctl"
	start_server --netns "$ns"; local hot=$SERVER_PORT
	start_server --netns "$ns"; local quiet=$SERVER_PORT
	exporter_start "$ns"
	mkdir -p "$dir/textfile" "$dir/data"
	ip netns exec "$ns" prometheus-node-exporter --collector.disable-defaults --collector.textfile \
		--collector.textfile.directory="$dir/textfile" --web.listen-address=127.0.0.1:9100 \
		>"$dir/node.log" 2>&1 &
	lab_track $! TERM
	cat >"$dir/prometheus.yml" <<CONF
global: {scrape_interval: 1s, evaluation_interval: 1s}
rule_files: ["$RULES"]
scrape_configs:
  - {job_name: twtest, static_configs: [{targets: ["127.0.0.1:$EXP_PORT"]}]}
  - {job_name: node, static_configs: [{targets: ["127.0.0.1:9100"]}]}
CONF
	ip netns exec "$ns" prometheus --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/data" \
		--web.listen-address=127.0.0.1:9090 >"$dir/prometheus.log" 2>&1 &
	local prom=$!
	lab_track "$prom" TERM
	prom_ready() { ip netns exec "$ns" "$PY" -c 'import urllib.request; urllib.request.urlopen("http://127.0.0.1:9090/-/ready", timeout=2)' 2>/dev/null; }
	lab_wait_until 30000 prom_ready || die "prometheus not ready: $(tail -5 "$dir/prometheus.log")"
	# the textfile route: a sample a second, replaced atomically (bounded: 50 s)
	( for _ in $(seq 50); do
		ip netns exec "$ns" "$TWTEST" ports --format prom >"$dir/textfile/twtest.prom.tmp" &&
			mv "$dir/textfile/twtest.prom.tmp" "$dir/textfile/twtest.prom"
		sleep 1
	done ) &
	lab_track $! TERM
	# both targets up before the clients start
	targets_up() { [ "$(prom_value "$ns" 9090 'count(up == 1)')" = 2 ]; }
	lab_wait_until 20000 targets_up || die "targets not up: $(prom_api "$ns" 9090 /api/v1/targets | head -c 600)"
	# the alerts every 0.25 s, with the wall time each (alert, port, state) was first seen
	ip netns exec "$ns" "$PY" -c '
import json, sys, time, urllib.request
seen = {}
end = time.time() + float(sys.argv[1])
while time.time() < end:
    try:
        d = json.load(urllib.request.urlopen("http://127.0.0.1:9090/api/v1/alerts", timeout=2))
    except OSError:
        continue
    for a in d["data"]["alerts"]:
        k = (a["labels"]["alertname"], a["labels"].get("dport", "-"), a["state"])
        if k not in seen:
            seen[k] = time.time()
            print(json.dumps({"t": seen[k], "alert": k[0], "dport": k[1], "state": k[2],
                              "summary": a["annotations"].get("summary", "")}), flush=True)
    time.sleep(0.25)' 31 >"$dir/alerts.jsonl" 2>"$dir/alerts.err" &
	local poller=$!
	lab_track "$poller" TERM
	ip netns exec "$ns" "$TWTEST" client --rate 5 --duration 28 --format json --port "$quiet" 127.0.0.1 \
		>"$dir/quiet.jsonl" 2>&1 &
	local qc=$!
	lab_track "$qc" TERM
	ip netns exec "$ns" "$TWTEST" client --rate 40 --duration 28 --format json --port "$hot" 127.0.0.1 \
		>"$dir/hot.jsonl" 2>"$dir/hot.err" || die "hot client exit $?: $(cat "$dir/hot.err")"
	lab_reap "$qc" || die "quiet client exit $?"
	lab_reap "$poller"
	# the series, through the API, from both routes
	local job
	for job in twtest node; do
		expect_eq "$job: range" "$(prom_value "$ns" 9090 "twtest_ports_range{job=\"$job\",src=\"127.0.0.1\",dst=\"127.0.0.1\",dport=\"$hot\"}")" 1000
		expect_eq "$job: most in use" "$(prom_value "$ns" 9090 "max_over_time(twtest_ports_in_use{job=\"$job\",dport=\"$hot\"}[1m])")" 1000
		local q; q=$(prom_value "$ns" 9090 "max_over_time(twtest_ports_in_use{job=\"$job\",dport=\"$quiet\"}[1m])")
		awk -v q="$q" 'BEGIN { exit !(q != "" && q >= 100 && q <= 150) }' || die "$job: quiet destination's most in use: '$q', want 100-150"
	done
	expect_eq "exporter up" "$(prom_value "$ns" 9090 'twtest_ports_up{job="twtest"}')" 1
	local fams=()
	for job in twtest node; do
		fams+=("$(prom_api "$ns" 9090 "/api/v1/series?match%5B%5D=%7Bjob%3D%22$job%22%2Cdport%3D%22$hot%22%7D&start=$(($(date +%s) - 120))" |
			"$PY" -c 'import json, sys; print(" ".join(sorted({s["__name__"] for s in json.load(sys.stdin)})))')")
	done
	[ -n "${fams[0]}" ] && expect_eq "families of the exporter and of the textfile route" "${fams[0]}" "${fams[1]}"
	# the client's first EADDRNOTAVAIL against the alert
	local times; times=$("$PY" -c '
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
head = recs[0]; summ = [r for r in recs if r.get("first_failure_s") is not None]
causes = {k for r in recs if r["type"] == "interval" for k in r["failed_by"]}
assert summ and causes == {"connect/EADDRNOTAVAIL"}, (causes, [r for r in recs if r["type"] != "interval"])
first = head["start_s"] + summ[-1]["first_failure_s"]
alerts = [json.loads(l) for l in open(sys.argv[2])]
def when(name, dport, state):
    t = [a["t"] for a in alerts if (a["alert"], a["dport"], a["state"]) == (name, dport, state)]
    return t[0] if t else None
fire = when("TwtestPortsFillingUp", sys.argv[3], "firing")
pend = when("TwtestPortsFillingUp", sys.argv[3], "pending")
exh = when("TwtestPortsExhausted", sys.argv[3], "firing")
quiet = [a for a in alerts if a["dport"] == sys.argv[4]]
rel = lambda t: "%.1f" % (t - head["start_s"]) if t else "none"
print(rel(first), rel(fire), rel(pend), rel(exh), len(quiet))' "$dir/hot.jsonl" "$dir/alerts.jsonl" "$hot" "$quiet" 2>&1) \
		|| die "client or alerts: $times"
	local first fire pend exh nquiet
	read -r first fire pend exh nquiet <<<"$times"
	[ -n "${TW_MONITORING_CAPTURE:-}" ] && cp "$dir/hot.jsonl" "$dir/quiet.jsonl" "$dir/alerts.jsonl" "$TW_MONITORING_CAPTURE/"
	expect_eq "alerts for the quiet destination" "$nquiet" 0
	[ "$fire" != none ] && awk -v f="$fire" -v x="$first" 'BEGIN { exit !(f < x) }' \
		|| die "TwtestPortsFillingUp firing at +$fire s, not before the first EADDRNOTAVAIL at +$first s"
	[ "$exh" != none ] && awk -v e="$exh" -v x="$first" 'BEGIN { exit !(e >= x) }' \
		|| die "TwtestPortsExhausted at $exh, first EADDRNOTAVAIL at +$first s"
	echo "    TwtestPortsFillingUp pending at +$pend s, firing at +$fire s; first EADDRNOTAVAIL at +$first s (lead $(awk -v f="$fire" -v x="$first" 'BEGIN { printf "%.1f", x - f }') s); TwtestPortsExhausted firing at +$exh s"
}

# Rule: bad --listen values and --listen with --format, --fail-above or --watch exit 2 with
# one line naming the value; a port in use exits 1 with one line naming the address.
test_exporter_bad_input() {
	local arg msg
	for arg in "x|invalid --listen 'x'" "70000|invalid --listen '70000'" \
		"127.0.0.1:|invalid --listen '127.0.0.1:'" "[::1:9|invalid --listen '[::1:9'" \
		"1.2.3.x:80|invalid --listen '1.2.3.x:80'" \
		"9 --format prom|--listen cannot be used with --format" \
		"9 --fail-above 50|--listen cannot be used with --fail-above" \
		"9 --watch 100|--listen cannot be used with --watch"; do
		# shellcheck disable=SC2086
		msg=$(timeout 5 "$TWTEST" ports --listen ${arg%%|*} 2>&1 >/dev/null)
		expect_eq "exit for ${arg%%|*}" $? 2
		expect_eq "lines for ${arg%%|*}" "$(wc -l <<<"$msg")" 1
		[[ $msg == "twtest ports: ${arg#*|}"* ]] || die "message for ${arg%%|*}: $msg"
	done
	need_py
	exporter_start ""
	msg=$(timeout 5 "$TWTEST" ports --listen "127.0.0.1:$EXP_PORT" 2>&1 >/dev/null)
	expect_eq "exit for a port in use" $? 1
	expect_eq "message for a port in use" "$msg" "twtest ports: cannot listen on 127.0.0.1:$EXP_PORT: Address already in use"
}

run_tests
