# Integration tests of scripts/kernels.sh without booting anything: its bad input, the
# initramfs's module order from a modules.dep, and the verdict, summary and docs section it
# makes from a results directory (--report). The boots themselves run in `make test-kernels`
# and .ci/run.
. "$(dirname "$0")/../lib.sh"
KS="$(cd "$(dirname "$0")/../.." && pwd)/scripts/kernels.sh"
# shellcheck source=scripts/kernels.sh
. "$KS"

# Rule: bad input to kernels.sh gets one line on stderr naming the value, nothing on stdout,
# exit 2 (a kernel it does not know, a bad timeout or accelerator, a stray argument).
test_kernels_bad_input_exit_2() {
	expect_usage_errors "$(tmpdir)" "$KS --kernels 5.10" "$KS --kernels 6.1,,x" \
		"$KS --timeout 0" "$KS --timeout 1h" "$KS --accel hvf" "$KS --bogus"
}

# Rule: the initramfs loads each module after the modules it depends on (modules.dep), each
# once, and leaves out names the kernel has built in (absent from modules.dep); .ko.xz names
# count as the module's name.
test_kernels_module_order() {
	local d; d=$(tmpdir)/mods
	mkdir -p "$d"
	cat >"$d/modules.dep" <<'EOF'
kernel/fs/9p/9p.ko.xz: kernel/net/9p/9pnet.ko.xz kernel/fs/netfs/netfs.ko.xz
kernel/net/9p/9pnet_virtio.ko.xz: kernel/net/9p/9pnet.ko.xz
kernel/net/9p/9pnet.ko.xz:
kernel/fs/netfs/netfs.ko.xz:
kernel/fs/overlayfs/overlay.ko.xz:
EOF
	expect_eq "order" "$(ks_module_order "$d" virtio 9pnet_virtio 9p overlay | paste -sd' ')" \
		"kernel/net/9p/9pnet.ko.xz kernel/net/9p/9pnet_virtio.ko.xz kernel/fs/netfs/netfs.ko.xz kernel/fs/9p/9p.ko.xz kernel/fs/overlayfs/overlay.ko.xz"
}

# ks_fixture DIR NAME RC LAST: a results directory of kernel NAME whose runner exited RC
# with last line LAST, and a remedies.sh CSV of two rows.
ks_fixture() {
	local r="$1/$2"
	mkdir -p "$r"
	printf 'uname=%s\nmem_total_kb=2000000\ntcp_max_tw_buckets=%s\ntcp_tw_reuse_delay=%s\n' \
		"$2-test" "$5" "$6" >"$r/facts.txt"
	echo 9.5 >"$r/booted"; echo tcg >"$r/accel"; echo 120 >"$r/suite.s"; echo 40 >"$r/remedies.s"
	printf 'ok x\n%s\n' "$4" >"$r/suite.log"; echo "$3" >"$r/suite.rc"; echo 0 >"$r/remedies.rc"
	{
		echo "row,case,metric,value"
		echo "3,verdict,class,holds"; echo '3,verdict,text,"holds, by giving TIME_WAIT up"'
		echo '3,result,text,"P=300: finished 800/800"'
		echo "12b,verdict,class,holds only when"; echo "12b,verdict,text,holds only when $7"
		echo '12b,result,text,"refill at once: 0/200, 1.2 s later: 200/200"'
	} >"$r/remedies.csv"
	touch "$r/finished"
}

# Rule: --report judges each kernel from its results alone: passed only when the runner
# exited 0 with "N passed, 0 failed" and remedies.sh ran; a failed runner, or a kernel with no
# results at all, counts failed and the exit status is 1; the summary carries each kernel's
# boot time, the runner's last line and remedies.sh's verdict classes.
test_kernels_report_counts_failures() {
	local out; out=$(tmpdir)/out
	ks_fixture "$out" 6.1 0 "10 passed, 0 failed, 1 skipped" 8192 absent "old"
	ks_fixture "$out" host 1 "9 passed, 1 failed, 0 skipped" 131072 1000 "new"
	printf '%s\n' "PASS release/x:test_a" "    TIME_WAIT 9, want 10" "FAIL release/x:test_y (exit 1)" \
		"9 passed, 1 failed, 0 skipped" >"$out/host/suite.log"
	local s rc=0
	s=$(bash "$KS" --report --kernels 6.1,6.12 --no-host --out "$out" 2>&1) || rc=$?
	expect_eq "exit status" "$rc" 1
	grep -q '^kernels: 6.1 (6.1-test) tcg, boot 9.5 s, suite 120 s: 10 passed, 0 failed, 1 skipped; remedies 40 s: 1 holds, 1 holds only when: passed$' <<<"$s" ||
		die "6.1 summary: $s"
	grep -q '^kernels: 6.12: no results' <<<"$s" || die "6.12 summary: $s"
	expect_eq "last line" "$(tail -1 <<<"$s")" "kernels: 1 passed, 1 failed"
	rc=0
	s=$(bash "$KS" --report --kernels 6.1 --out "$out" 2>&1) || rc=$?
	expect_eq "6.1 and host: exit status" "$rc" 1
	grep -q '^kernels: host (host-test).*: suite failed: 9 passed, 1 failed, 0 skipped$' <<<"$s" || die "host summary: $s"
	# a failed suite names its failed test and the reason the test printed before it
	grep -q '^kernels: host:     TIME_WAIT 9, want 10$' <<<"$s" || die "host's reason: $s"
	grep -q '^kernels: host: FAIL release/x:test_y (exit 1)$' <<<"$s" || die "host's failed test: $s"
	grep -q 'kernels: 6.1: .*PASS' <<<"$s" && die "a passed kernel's lines were printed: $s"
	true
}

# Rule: --doc rewrites only the part of the page between its markers: a fact table and a row
# table with one column per kernel; a row whose verdict differs names the kernel change
# behind it, a fact that differs (tcp_max_tw_buckets) says why, and one that is the same says so.
test_kernels_doc_section() {
	local out doc; out=$(tmpdir)/out doc=$(tmpdir)/page.md
	ks_fixture "$out" 6.1 0 "10 passed, 0 failed, 1 skipped" 8192 absent "old"
	ks_fixture "$out" host 0 "10 passed, 0 failed, 0 skipped" 131072 1000 "new"
	printf '%s\n' "# page" "before" "<!-- kernels.sh: begin -->" "stale" "<!-- kernels.sh: end -->" "after" >"$doc"
	bash "$KS" --report --kernels 6.1 --out "$out" --doc "$doc" >/dev/null 2>&1 || die "exit $?"
	expect_eq "outside the markers" "$(sed -n '1,2p;$p' "$doc" | paste -sd' ')" "# page before after"
	grep -q stale "$doc" && die "the old section is still there"
	grep -q '^| fact | 6.1 (6.1-test) | host (host-test) | why they differ |$' "$doc" || die "fact header: $(cat "$doc")"
	grep -q '^| tcp_max_tw_buckets | 8192 | 131072 | sized from RAM' "$doc" || die "buckets row: $(cat "$doc")"
	grep -q '^| tcp_timestamps | ? | ? | same |$' "$doc" || die "same fact: $(cat "$doc")"
	grep -q '^| 12b | .* | \*\*holds only when\*\*: refill at once: 0/200, 1.2 s later: 200/200 | .* | verdict differs: Linux 6.14 added' "$doc" ||
		die "row 12b: $(cat "$doc")"
	grep -q '^| 3 | .* | same verdict |$' "$doc" || die "row 3: $(cat "$doc")"
}

# Rule: the guest's fresh /tmp keeps a checkout cloned under /tmp (a path with a space
# too) at its own path, its build inside it, and hides the rest of the host's /tmp (the
# guest's tmpfs on /tmp used to hide the checkout: "cd: /tmp/...: No such file or
# directory"). Run in a private mount namespace, as the guest runs it.
test_kernels_fresh_tmp_keeps_the_checkout() {
	need_root
	command -v unshare >/dev/null || skip "no unshare (util-linux)"
	local d out
	d=$(mktemp -d "/tmp/tw ks.XXXXXX") || die "mktemp"
	lab_defer rm -rf "$d"
	mkdir -p "$d/check out/build/release" && echo here >"$d/check out/build/release/file" && echo x >"$d/other"
	# shellcheck disable=SC2016 # expanded by the inner bash
	out=$(unshare -m --propagation private bash -c '. "$1" && mount -t tmpfs tmpfs /run &&
		ks_fresh_tmp "$2" /etc "$2/build/release" && cat "$2/build/release/file" &&
		ls -A /tmp | wc -l && { [ -e "$3" ] && echo other visible || echo other hidden; }' \
		_ "$KS" "$d/check out" "$d/other" 2>&1) || die "ks_fresh_tmp failed: $out"
	expect_eq "checkout, entries in /tmp, the rest of /tmp" "$(paste -sd' ' <<<"$out")" "here 1 other hidden"
}

run_tests
