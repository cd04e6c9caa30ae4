# Integration tests of docs/proxies.md: every deterministic verdict of scripts/proxies.sh, each
# as the script's own row function (a real nginx or haproxy in a proxy namespace
# with 200 ports, `twtest server` backends, a few hundred connections), the proxy lab path of
# scripts/lab.sh, and proxies.sh's usage errors.
. "$(dirname "$0")/../lib.sh"
# shellcheck source=scripts/proxies.sh
. "$(dirname "$0")/../../scripts/proxies.sh"

# px_setup PROXY: root, and the proxy installed (.ci/run installs nginx and haproxy).
px_setup() {
	need_root
	command -v "$1" >/dev/null || die "$1 is not installed (.ci/run installs it from Debian's packages)"
	px_reset
}

# px_expect lt_run_row ID: the row's verdict holds; else fail with the prediction and
# measurement.
px_expect() {
	"$@" || die "$*: $LT_VERDICT; predicted: $LT_PRED; measured: $LT_RESULT"
}

# Rule: the proxy path gives three namespaces, client -> proxy -> backend; the proxy starts
# from a template with every placeholder filled, listens on the front address, keeps its pid
# file and log in the lab's temporary directory, and is gone (by its PID) after lab_proxy_down;
# a template placeholder without a value is an error, and nothing is left running.
test_proxy_path() {
	px_setup haproxy
	PX_BACKENDS=2 PX_SOURCES=1
	px_up haproxy haproxy-tcp.cfg
	local pid=$LAB_PROXY_PID dir=$LAB_PROXY_DIR
	[ "$(ip netns exec "$LAB_PNS" cat /proc/sys/net/ipv4/ip_local_port_range | tr -s '\t ' ' ')" = "$(px_range)" ] ||
		die "the proxy namespace's port range is not $(px_range)"
	[ "$(cat "$dir/haproxy.pid")" = "$pid" ] || die "pid file $(cat "$dir/haproxy.pid"), want $pid"
	grep -q "server s1 198.19.0.2:$PX_BPORT" "$dir/haproxy.conf" || die "backend not filled in"
	ip -n "$LAB_SNS" -4 -o addr show dev tws0 | grep -q 198.19.0.3/ || die "no second backend address"
	ip -n "$LAB_PNS" -4 -o addr show dev twp1 | grep -q 198.19.0.101/ || die "no proxy source address"
	px_client 1 10
	expect_eq "echo through the proxy" "$(px_get finished)" 10
	lab_proxy_down
	kill -0 "$pid" 2>/dev/null && die "haproxy $pid still runs"
	printf 'x @NOPE@\n' >"$(tmpdir)/bad.cfg"
	lab_proxy_render "$(tmpdir)/bad.cfg" "$(tmpdir)/out.cfg" 2>"$(tmpdir)/err" && die "an unfilled placeholder passed"
	grep -q '@NOPE@' "$(tmpdir)/err" || die "the error does not name the placeholder"
}

# Rule: `lab.sh run --path proxy` runs the client through haproxy mode tcp to a backend, with
# --sysctl applied in the proxy namespace: with P ports there, 3 loops of N > P/2 finish as the
# model says (min(N, P - i N) each) and the run leaves no namespace behind; bad proxy options
# exit 2 with one line.
test_lab_cli_proxy_path() {
	need_root
	command -v haproxy >/dev/null || die "haproxy is not installed (.ci/run installs it from Debian's packages)"
	local dir lab p=100 n=60 got want
	dir=$(tmpdir) lab="$(dirname "$0")/../../scripts/lab.sh"
	LAB_PREFIX=${TW_PREFIX}cli TWTEST=$TWTEST bash "$lab" run --path proxy --port 8080 \
		--sysctl "net.ipv4.ip_local_port_range=40000 $((40000 + p - 1))" -- 3 "$n" >"$dir/out" 2>"$dir/err" ||
		die "lab.sh run --path proxy failed: $(cat "$dir/err")"
	got=$(sed -n 's/^loop: [0-9]*, finished_count: \([0-9]*\),.*/\1/p' "$dir/out" | paste -sd/)
	want=$(px_loops_pred "$p" "$n" 3)
	expect_eq "loops through the proxy" "$got" "$want"
	ip netns list | grep -q "^${TW_PREFIX}cli-" && die "namespaces left: $(ip netns list | grep "^${TW_PREFIX}cli-")"
	expect_usage_errors "$dir" "$lab up --path proxy --proxy nginx:nope" "$lab up --path proxy --proxy squid:x" \
		"$lab up --path proxy --proxy-set lower=1" "$lab up --path proxy --proxy-backends 0" \
		"$lab run --path pr0xy -- 1 1"
}

# Rule: haproxy mode tcp gives each client connection its own backend connection: with P
# ports in the proxy namespace, loops of P/2 finish P/2, P/2, 0; the proxy holds P TIME_WAIT
# toward the backend, `twtest ports` inside it saw the group full, haproxy logged "no free ports".
test_haproxy_tcp_runs_out_at_p() {
	px_setup haproxy
	px_expect lt_run_row t1
	expect_eq "the client's failures" "${PX[t1.failed]}" $((PX_P / 2))
}

# Rule: at a steady rate R, P connections finish and the first failure comes at P/R seconds
# (0.1 s before to 0.3 s after, not widened by the client's own start lag).
test_haproxy_tcp_rate_first_failure() {
	px_setup haproxy
	px_expect lt_run_row t2
}

# Rule: haproxy's `source` gives a pool per (source, backend): one source P, two server lines
# with a source each 2P, one source toward two backends 2P (not the bind() trap's P).
test_haproxy_source_pools() {
	px_setup haproxy
	px_expect lt_run_row t3
}

# Rule: tcp_tw_reuse=1 in the proxy namespace: 3 loops of P all finish, TWRecycled >= 2P.
test_haproxy_tw_reuse() {
	px_setup haproxy
	px_expect lt_run_row t4
}

# Rule: the backend closing first: 3P finish, no TIME_WAIT on the proxy toward the backend.
test_haproxy_backend_closes_first() {
	px_setup haproxy
	px_expect lt_run_row t5
}

# Rule: nginx with HTTP/1.1 upstream but no keepalive still opens (and closes first) one backend
# connection per request: P requests ok, then 502 with the 99 line logged once each; a bare
# proxy_pass IP:port does the same.
test_nginx_without_keepalive_runs_out_at_p() {
	px_setup nginx
	px_expect lt_run_row n2
	px_expect lt_run_row n4
}

# Rule: nginx upstream keepalive K >= the concurrency C: 3P requests all ok over fewer backend
# connections than P (about C): the proxy's pool never fills.
test_nginx_keepalive_no_exhaustion() {
	px_setup nginx
	px_expect lt_run_row n3
}

# Rule: proxy_bind to one source keeps a pool per backend (2P ok over two backends), as two
# backends without it do.
test_nginx_proxy_bind_and_two_backends() {
	px_setup nginx
	px_expect lt_run_row n5
	px_expect lt_run_row n6
}

# Rule: nginx at a steady rate R above P/60 s: P requests ok, the first 502 at P/R seconds
# (0.1 s before to 0.3 s after, not widened by the client's own start lag).
test_nginx_rate_first_502() {
	px_setup nginx
	px_expect lt_run_row n7
}

# Rule: tcp_tw_reuse=1 (1 ms delay) in the proxy namespace: nginx without keepalive sustains
# R = 2P/s for 3 s without a 502, taking at least R x 3 - P TIME_WAIT ports over.
test_nginx_tw_reuse_rate() {
	px_setup nginx
	px_expect lt_run_row n8
}

# Rule: haproxy mode http, one request per client connection: http-reuse safe and never both
# open one backend connection per request.
test_haproxy_http_reuse() {
	px_setup haproxy
	px_expect lt_run_row h1
}

# Rule: bad arguments to proxies.sh exit 2 with one line naming the value, before any
# namespace is made.
test_usage_errors() {
	local dir; dir=$(tmpdir)
	local s; s="$(dirname "$0")/../../scripts/proxies.sh"
	expect_usage_errors "$dir" "$s --rows zz" "$s --rows t1,,t2" "$s --ports 10" "$s --ports 99999" \
		"$s --ports x" "$s --rate 0" "$s --rate" "$s --bogus" "$s --csv"
	# (proxies.sh set pipefail here: no pipes from a command that fails on purpose)
	bash "$s" --ports 7 2>"$dir/err"
	grep -q "'7'" "$dir/err" || die "value not named: $(cat "$dir/err")"
	bash "$s" --list >"$dir/out" || die "--list failed"
	grep -q "^t1	px_row_t1	" "$dir/out" || die "--list does not list t1: $(head -1 "$dir/out")"
}

run_tests
