# Many client hosts, one result (docs/distributed.md): client namespaces at --rate R
# --shard I/K against one server namespace, their JSON merged by twtest merge; merge's
# refusals of inputs that are not the shards of one run; and the fan-out recipe, pdsh over
# ssh to sshd run inside the client namespaces. Each client namespace is a host with its
# own ports: a veth into a bridge in the server namespace (server FLEET_NET.1, client i
# FLEET_NET.(10+i)).
. "$(dirname "$0")/../lib.sh"

FLEET_NET=198.18.60
ROOT=$(cd "$(dirname "$0")/../.." && pwd)

# fleet_python: a Python 3 interpreter (the checks below read JSON and YAML).
fleet_python() {
	local p
	for p in python3 /usr/bin/python3; do
		command -v "$p" >/dev/null && "$p" -c 'import json' 2>/dev/null && { echo "$p"; return 0; }
	done
	return 1
}

# fleet_up K [SERVER-ARGS...]: the server namespace (FLEET_S, with a bridge and `twtest
# server SERVER-ARGS` on FLEET_NET.1, SERVER_PORT) and K client namespaces FLEET_C[0..K-1].
fleet_up() {
	local k=$1 i
	shift
	need_root
	ns_create fleet-s; FLEET_S=$LAB_NS
	ip -n "$FLEET_S" link add br0 type bridge && ip -n "$FLEET_S" addr add "$FLEET_NET.1/24" dev br0 &&
		ip -n "$FLEET_S" link set br0 up || die "cannot make the bridge in $FLEET_S"
	FLEET_C=()
	for ((i = 0; i < k; i++)); do
		ns_create "fleet-c$i"; FLEET_C[i]=$LAB_NS
		ip link add fc0 netns "$LAB_NS" type veth peer name "fb$i" netns "$FLEET_S" &&
			ip -n "$LAB_NS" addr add "$FLEET_NET.$((10 + i))/24" dev fc0 &&
			ip -n "$LAB_NS" link set fc0 up &&
			ip -n "$FLEET_S" link set "fb$i" master br0 up || die "cannot link $LAB_NS to the bridge"
	done
	start_server --netns "$FLEET_S" --bind "$FLEET_NET.1" "$@"
}

# fleet_run_shards OUTDIR R D START [ARGS...]: client i of FLEET_C runs `--rate R --duration D
# --start-at START --shard i/K --format json ARGS` into OUTDIR/cI.json, all at once; waits.
fleet_run_shards() {
	local dir=$1 r=$2 d=$3 at=$4 i k=${#FLEET_C[@]} pids=()
	shift 4
	for ((i = 0; i < k; i++)); do
		ip netns exec "${FLEET_C[i]}" "$TWTEST" client --rate "$r" --duration "$d" --start-at "$at" \
			--shard "$i/$k" --format json --port "$SERVER_PORT" "$@" "$FLEET_NET.1" >"$dir/c$i.json" &
		pids+=($!)
		lab_track $!
	done
	for i in "${pids[@]}"; do lab_reap "$i" || die "a client exited $?"; done
}

# The checks of a merge, independent of twtest: CHECK MERGED.json R D K SAME FILES... reads
# the hosts' records and the merged ones and says what does not add up (nothing: it holds).
# SAME=1: the hosts must share their start; SAME=0: starts whole intervals apart are lined up
# by absolute time (as "+S" rounded to different seconds makes them).
# The percentile rule is the one docs/output.md gives: the middle of the bucket holding the
# ceil(p% * count)-th value, clamped to [min, max]; the max itself for the largest rank.
FLEET_CHECK='
import json, os, sys
merged_path, R, D, K, same = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), sys.argv[5] == "1"
def low(b):
    return b if b < 64 else (b % 32 + 32) << (b // 32 - 1)
def bucket_of(v):
    if v < 32: return v
    shift = v.bit_length() - 1 - 5
    return shift * 32 + (v >> shift)
def pct(h, p):
    n = h["count"]
    if n == 0: return 0
    want = p / 100.0 * n           # as the C code does it, in doubles
    rank = int(want)
    if rank < want: rank += 1
    rank = max(rank, 1)
    if rank >= n: return h["max"]
    seen = 0
    for lo, c in h["buckets"]:
        seen += c
        if seen >= rank:
            b = bucket_of(lo)
            hi = low(b + 1) - 1
            return min(max(lo + (hi - lo) // 2, h["min"]), h["max"])
def add(hs):
    hs = [h for h in hs if h]
    if not hs: return None
    acc = {}
    for h in hs:
        for lo, c in h["buckets"]: acc[lo] = acc.get(lo, 0) + c
    return {"count": sum(h["count"] for h in hs), "min": min(h["min"] for h in hs),
            "max": max(h["max"] for h in hs), "buckets": sorted([lo, c] for lo, c in acc.items())}
bad = []
hosts = {}
for path in sys.argv[6:]:
    for n, line in enumerate(open(path), 1):
        rec = json.loads(line)
        for key in ("shard", "host", "start_s"):
            if key not in rec: bad.append("%s:%d has no %s" % (path, n, key))
        hosts.setdefault(rec["shard"], []).append(rec)
if sorted(hosts) != ["%d/%d" % (i, K) for i in range(K)]:
    bad.append("shards %s" % sorted(hosts))
starts = {r["start_s"] for recs in hosts.values() for r in recs}
if same and len(starts) != 1: bad.append("start times %s" % sorted(starts))
iv = hosts["0/%d" % K][0]["report_interval_ms"] / 1000.0
first = min(starts)
offset = {}  # host interval k is merged interval k + offset
for shard, recs in hosts.items():
    o = (recs[0]["start_s"] - first) / iv
    if abs(o - round(o)) > 1e-6: bad.append("shard %s starts off the interval grid" % shard)
    offset[shard] = round(o)
def host_interval(shard, k):
    return [r for r in hosts[shard] if r["type"] == "interval" and r["interval"] == k - offset[shard]]
merged = [json.loads(l) for l in open(merged_path)]
summary = [m for m in merged if m["type"] == "summary"][0]
total = int(R * D)
# one schedule at R: every connection i < R*D due once, on the host with i mod K = I
for shard, recs in hosts.items():
    i = int(shard.split("/")[0])
    s = [r for r in recs if r["type"] == "summary"][0]
    want = len(range(i, total, K))
    if s["due"] != want: bad.append("shard %s due %d, want %d" % (shard, s["due"], want))
if summary["due"] != total: bad.append("merged due %d, want %d" % (summary["due"], total))
if summary["finished"] + summary["failed"] != summary["due"] or summary["inflight"] != 0:
    bad.append("merged finished %d + failed %d != due %d" % (summary["finished"], summary["failed"], summary["due"]))
# shedding: FLEET_SHED=1 runs at a --max-inflight the schedule overruns, so some due
# connections must be shed and some started; otherwise none may be shed. Either way every
# due connection is started or shed, on each host and merged.
shed = summary["failed_by"].get("shed/inflight", 0)
if os.environ.get("FLEET_SHED") == "1":
    if shed == 0 or summary["started"] == 0:
        bad.append("merged shed %d, started %d: want both > 0" % (shed, summary["started"]))
elif shed != 0:
    bad.append("merged shed %d without --max-inflight" % shed)
if summary["started"] + shed != summary["due"]:
    bad.append("merged started %d + shed %d != due %d" % (summary["started"], shed, summary["due"]))
for shard, recs in hosts.items():
    s = [r for r in recs if r["type"] == "summary"][0]
    if s["started"] + s["failed_by"].get("shed/inflight", 0) != s["due"]:
        bad.append("shard %s started + shed != due" % shard)
# the intervals line up: merged interval k adds the hosts interval k; a full interval of
# the schedule at R holds R * interval connections
for m in merged:
    if m["type"] != "interval": continue
    k = m["interval"]
    parts = [r for shard in hosts for r in host_interval(shard, k)]
    for f in ("due", "started", "finished", "failed"):
        if m[f] != sum(p[f] for p in parts): bad.append("interval %d %s" % (k, f))
    if same and (k + 1) * iv <= D and m["due"] != round(R * iv):
        bad.append("interval %d due %d, want %d" % (k, m["due"], round(R * iv)))
    if m["hosts"] != len(parts): bad.append("interval %d hosts" % k)
# percentiles of the merged rows are those of the summed buckets
for m in merged:
    if m["type"] not in ("interval", "summary"): continue
    if m["type"] == "summary":
        parts = [r for recs in hosts.values() for r in recs if r["type"] == "summary"]
    else:
        parts = [r for shard in hosts for r in host_interval(shard, m["interval"])]
    for name in ("connect_us", "conn_us", "lag_ms", "req_us"):
        want = add([p[name]["hist"] for p in parts if p.get(name)])
        got = m.get(name)
        if want is None:
            if got is not None: bad.append("%s %s: not empty" % (m["type"], name))
            continue
        if got is None or got["hist"] != want:
            bad.append("%s %s: buckets differ from the sum" % (m["type"], name)); continue
        scale = 1000.0 if name.endswith("_ms") else 1
        for p, key in ((50, "p50"), (99, "p99")):
            w = pct(want, p)
            if (round(w / scale, 3) if scale != 1 else w) != got[key]:
                bad.append("%s %s %s %s, want %s" % (m["type"], name, key, got[key], w))
if bad:
    print("; ".join(bad[:6]))
    sys.exit(1)
print("merged %d connections of %d hosts (started %d, shed %d): p50 %s p99 %s (conn_us)" % (
      summary["due"], K, summary["started"], shed, summary["conn_us"]["p50"], summary["conn_us"]["p99"]))
'

# Rule: three hosts at --rate R --shard i/3 with one --start-at make one schedule at R:
# each host is due its share, the merged due, started, finished and failed add up to R*D,
# every full interval of the merge holds R*interval connections and adds the hosts' same
# interval, and the merged p50/p99 are the percentiles of the summed buckets.
test_three_shards_add_up_to_one_schedule() {
	local py dir r=600 d=2
	py=$(fleet_python) || skip "no python3 to check the JSON"
	fleet_up 3
	dir=$(tmpdir)
	fleet_run_shards "$dir" "$r" "$d" "$(($(date +%s) + 2))"
	"$TWTEST" merge --format json "$dir"/c*.json >"$dir/merged.json" || die "merge exited $?"
	"$py" -c "$FLEET_CHECK" "$dir/merged.json" "$r" "$d" 3 1 "$dir"/c*.json || die "the merge does not add up"
	# text: the merged row, then one row per host
	"$TWTEST" merge "$dir"/c*.json >"$dir/merged.txt" || die "text merge exited $?"
	grep -A3 '^interval: 0, hosts: 3,' "$dir/merged.txt" | grep -c '^  host: .*, shard: [012]/3,' |
		grep -qx 3 || die "interval 0 is not followed by the three hosts' rows: $(head -8 "$dir/merged.txt")"
}

# Rule: shards that overrun --max-inflight shed (STAGE_SHED, shed/inflight): the server
# holds each connection 300 ms (--close-after) and each client waits for its FIN (--close
# server), so at R/K = 50 a second a host has about 15 due in flight where --max-inflight 3
# lets 3 be: some are shed, some started, and on each host and merged every due connection
# is started or shed, and finished or failed (the merge check, with FLEET_SHED=1).
test_shards_shed_past_max_inflight() {
	local py dir r=100 d=2 line
	py=$(fleet_python) || skip "no python3 to check the JSON"
	fleet_up 2 --close-after 300
	dir=$(tmpdir)
	fleet_run_shards "$dir" "$r" "$d" "$(($(date +%s) + 2))" --protocol connect --close server \
		--max-inflight 3 --timeout 5000
	"$TWTEST" merge --format json "$dir"/c*.json >"$dir/merged.json" || die "merge exited $?"
	FLEET_SHED=1 "$py" -c "$FLEET_CHECK" "$dir/merged.json" "$r" "$d" 2 1 "$dir"/c*.json ||
		die "the shedding run does not add up"
	# the text summary names the cause too
	line=$("$TWTEST" merge "$dir"/c*.json | grep '^summary') || die "no merged summary"
	[[ $line == *shed/inflight=* ]] || die "no shed/inflight in the summary: $line"
}

# expect_refusal WANT CMD...: CMD exits 2, prints nothing on stdout and one line on stderr
# that holds WANT.
expect_refusal() {
	local want=$1 out err rc
	shift
	out=$("$@" 2>"$(tmpdir)/err")
	rc=$?
	err=$(cat "$(tmpdir)/err")
	expect_eq "exit status of $*" "$rc" 2
	[ -z "$out" ] || die "$* wrote to stdout: $out"
	expect_eq "stderr lines of $*" "$(wc -l <<<"$err")" 1
	[[ $err == *"$want"* ]] || die "$*: '$err' does not say '$want'"
}

# Rule: merge refuses, with exit 2 and one line naming the reason (and FILE:LINE for a bad
# line), inputs that are not the shards of one run: a shard twice, a missing shard (merged
# only with --allow-partial, which says so), different settings, starts that are not a whole
# number of intervals apart, a line that is not JSON or not a twtest record, a record before
# its header, a histogram whose figures its buckets do not give; and merges starts one
# interval apart by absolute time; control characters of the input never reach the text.
test_merge_refuses_what_is_not_one_run() {
	local dir
	fleet_up 2
	dir=$(tmpdir)
	fleet_run_shards "$dir" 100 2 "$(($(date +%s) + 2))"
	local a=$dir/c0.json b=$dir/c1.json
	"$TWTEST" merge "$a" "$b" >/dev/null || die "the two shards do not merge"
	expect_refusal "shard 0/2 twice: $a:1 and $a:1" "$TWTEST" merge "$a" "$a" "$b"
	expect_refusal "missing shard 1/2" "$TWTEST" merge "$a"
	"$TWTEST" merge --allow-partial "$a" | grep -q '^# shard 1/2: missing$' || die "--allow-partial does not name the missing shard"
	sed '1s/"payload":100/"payload":101/' "$b" >"$dir/payload.json"
	expect_refusal "different settings: payload is 101 in $dir/payload.json:1 but 100 in $a:1" \
		"$TWTEST" merge "$a" "$dir/payload.json"
	sed -E 's/"start_s":([0-9]+)\.[0-9]+/"start_s":\1.250000/' "$b" >"$dir/late.json"
	expect_refusal "not a whole number of --report-interval" "$TWTEST" merge "$a" "$dir/late.json"
	# one interval later (as "+S" rounded to the next second can make it): lined up by time
	local s1; s1=$(sed -nE '1s/.*"start_s":([0-9]+)\..*/\1/p' "$b")
	sed -E "s/\"start_s\":$s1\./\"start_s\":$((s1 + 1))./" "$b" >"$dir/next.json"
	"$TWTEST" merge "$a" "$dir/next.json" | grep -q '^interval: 1, hosts: 2,' ||
		die "shards one interval apart are not merged by absolute time"
	{ head -1 "$b"; sed -n '2p' "$b" | cut -c1-40; } >"$dir/cut.json"
	expect_refusal "$dir/cut.json:2: not JSON: at byte 41" "$TWTEST" merge "$a" "$dir/cut.json"
	sed '2s/^/fleet-c1: /' "$b" >"$dir/prefixed.json"
	expect_refusal "$dir/prefixed.json:2: not JSON" "$TWTEST" merge "$a" "$dir/prefixed.json"
	sed -n '2,$p' "$b" >"$dir/headless.json"
	expect_refusal "$dir/headless.json:1: a record of shard 1/2 before its header" "$TWTEST" merge "$a" "$dir/headless.json"
	echo '{"type":"header","version":"0.1.0"}' >"$dir/old.json"
	expect_refusal "$dir/old.json:1: no shard, host or start_s" "$TWTEST" merge "$dir/old.json"
	sed -E '2s/"p50":([0-9]+),"p99"/"p50":9\1,"p99"/' "$b" >"$dir/p50.json"
	expect_refusal "p50 is 9" "$TWTEST" merge "$a" "$dir/p50.json"
	# an escape sequence in a host name is merged, but never printed to a terminal
	sed 's/"host":"\([^"]*\)"/"host":"\1\\u001b[31m"/' "$b" >"$dir/esc.json"
	"$TWTEST" merge "$a" "$dir/esc.json" >"$dir/esc.txt" || die "merge with an escaped host name exited $?"
	grep -q '?\[31m' "$dir/esc.txt" || die "the host name is not in the text output"
	! grep -q $'\e' "$dir/esc.txt" || die "an escape character reached the text output"
	expect_refusal "cannot read '$dir/none.json'" "$TWTEST" merge "$a" "$dir/none.json"
	expect_refusal "invalid --format 'xml'" "$TWTEST" merge --format xml "$a"
}

# Rule: in loop mode the shards split CONNS (host I opens CONNS/N, the first CONNS mod N one
# more), the text header says so, and the merged loops open CONNS each, finished + failed.
test_loop_shards_split_conns() {
	local dir i pids=() at
	fleet_up 2
	dir=$(tmpdir)
	at=$(($(date +%s) + 2))
	for i in 0 1; do
		ip netns exec "${FLEET_C[i]}" "$TWTEST" client --shard "$i/2" --start-at "$at" --format json \
			--port "$SERVER_PORT" "$FLEET_NET.1" 3 5 >"$dir/l$i.json" &
		pids+=($!)
		lab_track $!
	done
	for i in "${pids[@]}"; do lab_reap "$i" || die "a client exited $?"; done
	"$TWTEST" merge --format csv "$dir"/l*.json >"$dir/merged.csv" || die "merge exited $?"
	expect_eq "merged loops (type,index,host,conns,finished+failed)" \
		"$(lab_csv_get "$dir/merged.csv" index,conns,finished,failed shard=all/2 type=loop |
			awk '{ print $1 ":" $2 ":" $3 + $4 }' | paste -sd' ')" \
		"0:5:5 1:5:5 2:5:5"
	expect_eq "host conns" "$(grep -ho '"type":"loop","shard":"[01]/2"[^}]*"conns":[0-9]*' "$dir"/l*.json |
		sed -E 's/.*"shard":"([01])\/2".*"conns":([0-9]+)/\1=\2/' | sort -u | paste -sd' ')" "0=3 1=2"
	ip netns exec "${FLEET_C[1]}" "$TWTEST" client --shard 1/2 --port "$SERVER_PORT" "$FLEET_NET.1" 1 5 >"$dir/text.out" ||
		die "text client exited $?"
	grep -q "^# twtest .* loops=1 conns=5 " "$dir/text.out" || die "the text header does not give CONNS: $(head -1 "$dir/text.out")"
	grep -Eq '^# shard=1/2 host=[^ ]+ start_s=[0-9]+\.[0-9]{6} shard_conns=2$' "$dir/text.out" ||
		die "no shard line in the text header: $(head -3 "$dir/text.out")"
}

# Rule: --start-at comes after the whole preparation, --wait-clear included: with TIME_WAIT
# left toward the server, a run that waits 1 s for it (--wait-clear-timeout 1) and starts 3 s
# ahead still starts its schedule on time (its first connections are not a second late).
test_start_after_wait_clear() {
	local dir out lag
	fleet_up 1
	dir=$(tmpdir)
	ip netns exec "${FLEET_C[0]}" "$TWTEST" client --port "$SERVER_PORT" "$FLEET_NET.1" 1 20 >/dev/null ||
		die "the first run exited $?"
	out=$(ip netns exec "${FLEET_C[0]}" "$TWTEST" client --rate 50 --duration 1 --wait-clear \
		--wait-clear-timeout 1 --start-at "$(($(date +%s) + 3))" --format json --port "$SERVER_PORT" \
		"$FLEET_NET.1" | grep '"type":"interval","shard":"0/1",[^}]*"interval":0,') || die "no interval 0"
	grep -q '"wait_clear_s":[01]\.[0-9]*,"wait_clear_left":20' <<<"$out" || die "no wait for the 20 TIME_WAIT: $out"
	lag=$(sed -n 's/.*"lag_ms":{"p50":[0-9.]*,"p99":[0-9.]*,"max":\([0-9]*\)\..*/\1/p' <<<"$out")
	[ -n "$lag" ] && [ "$lag" -lt 900 ] || die "the schedule started ${lag:-?} ms late: the wait came after --start-at"
}

# fleet_sshd I: sshd inside client namespace FLEET_C[I] on FLEET_NET.(10+I):22, in a UTS
# namespace of its own named fleet-hI (the host name its clients report), with host and
# client keys of the test's temporary directory.
fleet_sshd() {
	local i=$1 dir; dir=$(tmpdir)
	cat >"$dir/sshd$i.conf" <<-EOF
		ListenAddress $FLEET_NET.$((10 + i)):22
		HostKey $dir/host_key
		PidFile $dir/sshd$i.pid
		AuthorizedKeysFile $dir/authorized_keys
		StrictModes no
		UsePAM no
		PasswordAuthentication no
		KbdInteractiveAuthentication no
		PermitRootLogin prohibit-password
		PrintMotd no
		LogLevel ERROR
	EOF
	ip netns exec "${FLEET_C[i]}" unshare --uts sh -c "hostname fleet-h$i && exec $(command -v sshd) -D -e -f $dir/sshd$i.conf" \
		>"$dir/sshd$i.log" 2>&1 &
	lab_track $!
	lab_wait_until 5000 fleet_sshd_listening "$i" ||
		die "sshd $i does not listen: $(head -c 300 "$dir/sshd$i.log")"
}

fleet_early_in_second() { [ "$(date +%N | cut -c1)" = 0 ]; }

fleet_sshd_listening() { ip netns exec "${FLEET_C[$1]}" ss -Htln "sport = :22" | grep -q .; }

# Rule: the fan-out recipe of docs/distributed.md works: pdsh -R ssh starts `twtest client
# --start-at +3 --shard $TWTEST_SHARD/K` on K hosts (sshd in the client namespaces, the
# shard from pdsh's rank %n), collects their JSON Lines on one stream (-N: no host prefix)
# and twtest merge adds them up to R*D connections, intervals lined up by absolute time,
# percentiles those of the summed buckets, each host under its own name.
test_pdsh_ssh_fanout() {
	local py dir k=3 r=300 d=2 i hosts="" bin
	command -v pdsh >/dev/null || skip "no pdsh (Debian pdsh)"
	command -v sshd >/dev/null || [ -x /usr/sbin/sshd ] || skip "no sshd (Debian openssh-server)"
	PATH=$PATH:/usr/sbin
	py=$(fleet_python) || skip "no python3 to check the JSON"
	fleet_up "$k"
	dir=$(tmpdir)
	bin=$(printf %q "$(realpath "$TWTEST")") # one word for the remote shell, even with a space in its path
	ssh-keygen -q -t ed25519 -N '' -f "$dir/host_key" && ssh-keygen -q -t ed25519 -N '' -f "$dir/id" ||
		die "ssh-keygen failed"
	cp "$dir/id.pub" "$dir/authorized_keys"
	# sshd's privilege separation needs its empty directory (openssh-server's own service
	# makes it at boot). Made if absent and left: removing it could pull it from under the
	# sshd of another run of this test on the same machine ("Missing privilege separation
	# directory", seen with two CI runs side by side)
	[ -d /run/sshd ] || mkdir -p -m 755 /run/sshd || die "cannot make /run/sshd"
	for ((i = 0; i < k; i++)); do
		fleet_sshd "$i"
		hosts+=${hosts:+,}$FLEET_NET.$((10 + i))
	done
	# +3 is rounded up to a whole second on each host: launched early in a second, the hosts
	# most likely share it (if not, the check lines their intervals up by absolute time)
	lab_wait_until 1500 fleet_early_in_second
	# %n: the host's rank in -w, exported on the remote side before the command
	ip netns exec "$FLEET_S" env \
		PDSH_SSH_ARGS="-F /dev/null -i $dir/id -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=$dir/known_hosts -o ConnectTimeout=5 -l%u %h export TWTEST_SHARD=%n;" \
		pdsh -R ssh -N -l root -w "$hosts" \
		"$bin client --rate $r --duration $d --start-at +3 --shard \$TWTEST_SHARD/$k --format json --port $SERVER_PORT $FLEET_NET.1" \
		>"$dir/fleet.json" 2>"$dir/pdsh.err" || die "pdsh failed: $(head -c 400 "$dir/pdsh.err")"
	"$TWTEST" merge --format json "$dir/fleet.json" >"$dir/merged.json" || die "merge of pdsh's output exited $?"
	"$py" -c "$FLEET_CHECK" "$dir/merged.json" "$r" "$d" "$k" 0 "$dir/fleet.json" || die "the fan-out does not add up"
	expect_eq "host names" "$("$TWTEST" merge "$dir/fleet.json" | sed -n 's/^# shard [0-9]\/3: host=\([^ ]*\) .*/\1/p' | paste -sd' ')" \
		"fleet-h0 fleet-h1 fleet-h2"
}

# fleet_yaml_python: a Python 3 that has a YAML parser (Debian python3-yaml).
fleet_yaml_python() {
	local p
	for p in python3 /usr/bin/python3; do
		command -v "$p" >/dev/null && "$p" -c 'import yaml' 2>/dev/null && { echo "$p"; return 0; }
	done
	return 1
}

# Prints the twtest command lines of the manifests, one a line ("client ARGS..."), after
# checking how the objects fit together; exits 1 saying what does not.
FLEET_K8S_CHECK='
import glob, shlex, sys, yaml
docs = {}
for path in sorted(glob.glob(sys.argv[1] + "/*.yaml")):
    for d in yaml.safe_load_all(open(path)):
        docs[d["kind"]] = d
bad = []
for kind in ("Deployment", "Service", "Job", "DaemonSet"):
    if kind not in docs: bad.append("no " + kind)
if bad: print("; ".join(bad)); sys.exit(1)
dep, svc, job, ds = docs["Deployment"], docs["Service"], docs["Job"], docs["DaemonSet"]
pod_labels = dep["spec"]["template"]["metadata"]["labels"]
if any(pod_labels.get(k) != v for k, v in svc["spec"]["selector"].items()): bad.append("the Service selects no server pod")
if dep["spec"]["selector"]["matchLabels"] != pod_labels: bad.append("the Deployment selector")
server = dep["spec"]["template"]["spec"]["containers"][0]
port_names = {p["name"]: p["containerPort"] for p in server["ports"]}
sport = svc["spec"]["ports"][0]
if sport["targetPort"] not in port_names: bad.append("the Service targets no container port")
js = job["spec"]
n = js["completions"]
if js.get("completionMode") != "Indexed" or js.get("parallelism") != n: bad.append("the Job is not Indexed with parallelism = completions")
client = js["template"]["spec"]["containers"][0]
line = client["args"][0]
words = shlex.split(line)
if words[:3] != ["exec", "twtest", "client"]: bad.append("the Job does not run twtest client")
if "--shard" not in words or words[words.index("--shard") + 1] != "$JOB_COMPLETION_INDEX/%d" % n: bad.append("the shard is not $JOB_COMPLETION_INDEX/" + str(n))
if words[-1] != svc["metadata"]["name"] or words[words.index("--port") + 1] != str(sport["port"]): bad.append("the clients do not target the Service")
if "--start-at" not in words or not any(e["name"] == "START_AT" for e in client["env"]): bad.append("no common --start-at")
dspec = ds["spec"]["template"]["spec"]
pline = dspec["containers"][0]["args"][0]
mount = dspec["containers"][0]["volumeMounts"][0]
vol = [v for v in dspec["volumes"] if v["name"] == mount["name"]][0]
if not dspec.get("hostNetwork") or "twtest ports --format prom > " + mount["mountPath"] + "/" not in pline or "hostPath" not in vol:
    bad.append("the DaemonSet does not write twtest ports --format prom to a host directory")
if bad: print("; ".join(bad)); sys.exit(1)
print(" ".join(server["args"]))
print(" ".join(w for w in words[2:]))
print("ports --format prom")
'

# Rule: the Kubernetes manifests of deploy/k8s parse as YAML and fit together: the Service
# selects the server pods, the Indexed Job's shard is JOB_COMPLETION_INDEX/N with N its
# completions and parallelism, the clients target the Service with a common --start-at, the
# DaemonSet writes `twtest ports --format prom` into a host directory; and every twtest
# command line in them is one this twtest accepts.
test_k8s_manifests() {
	local py cmds line
	py=$(fleet_yaml_python) || skip "no python3 with a YAML parser (Debian python3-yaml)"
	cmds=$("$py" -c "$FLEET_K8S_CHECK" "$ROOT/deploy/k8s") || die "deploy/k8s: $cmds"
	while IFS= read -r line; do
		line=${line//\$START_AT/$(($(date +%s) + 60))}
		line=${line//\$JOB_COMPLETION_INDEX/0}
		line=${line//\"/}
		# shellcheck disable=SC2086
		"$TWTEST" $line --help >/dev/null 2>"$(tmpdir)/err" || die "twtest $line: $(cat "$(tmpdir)/err")"
	done <<<"$cmds"
	expect_eq "command lines" "$(wc -l <<<"$cmds")" 3
}

run_tests
