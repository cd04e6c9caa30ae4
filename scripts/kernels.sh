#!/usr/bin/env bash
# scripts/kernels.sh (make test-kernels): the kernel-sensitive part of the suite and
# scripts/remedies.sh on Debian's kernels and on this host's, side by side (issue 20).
#
# For each kernel asked for (6.1: what linux-image-amd64 depends on, Debian 12's kernel;
# 6.12: what linux-image-6.12-amd64 depends on) it fetches the package with `apt-get
# download` into a cache outside the checkout's sources (build/kernels, or --cache), unpacks
# it, runs depmod on it, builds a busybox initramfs holding only the modules the root mount
# needs, and boots it under qemu: KVM when a short probe boot shows it works, else software
# emulation (-accel tcg -cpu max -smp 2 -m 2048). The guest's root is this machine's own /,
# shared read-only over virtio-9p, with a tmpfs overlay on top so the guest can write; the
# kernel's own modules load on demand (its /lib/modules/VERSION points into the unpacked
# package; switch_root, so the kernel's modprobe runs in that root). Inside, the guest runs
# this script with --guest: the runner (tests/run.sh) over the kernel-sensitive test files,
# then scripts/remedies.sh, writing everything to a second, writable 9p share that is the
# kernel's results directory on the host; then it powers off. Every guest runs under a
# timeout and is killed at exit. The host's own run is the same two steps without a guest.
#
# A kernel that cannot be fetched, booted, or that does not finish counts as failed, never as
# passed. The last lines are one summary per kernel (boot time, suite time and the runner's
# last line, remedies time and verdict classes), then "kernels: N passed, N failed".
# --doc FILE rewrites the part of FILE between the markers
# "<!-- kernels.sh: begin -->" and "<!-- kernels.sh: end -->" with a table per kernel made from
# the results of this run (docs/remedies.md). Run --help. Needs root.
set -u -o pipefail
KS_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
KS_ROOT=$(cd "$KS_HERE/.." && pwd)
# shellcheck source=scripts/lab.sh
. "$KS_HERE/lab.sh"

ks_usage() {
	cat <<'USAGE'
usage: scripts/kernels.sh [options]

Runs the kernel-sensitive tests and scripts/remedies.sh on Debian's 6.1 and 6.12 kernels
(booted under qemu) and on this host's kernel, and prints a summary per kernel.

  --kernels LIST   kernels to boot, from 6.1 and 6.12 (default 6.1,6.12); "none": host only
  --no-host        do not run on this host's kernel
  --files LIST     the test files to run (TW_FILES; default: core rate ports kernel
                   close_matrix remedies demo nat_kernel, those of them that exist)
  --no-remedies    do not run scripts/remedies.sh
  --build DIR      the build whose twtest and unit_tests run (default build/release)
  --cache DIR      where packages, unpacked kernels and initramfs images are kept
                   (default $TW_KERNEL_CACHE, else build/kernels)
  --out DIR        results, a directory per kernel (default build/kernels/results)
  --timeout S      seconds a guest may run, boot to power-off (default 2400)
  --accel MODE     auto (probe KVM briefly, else TCG), kvm or tcg (default auto)
  --doc FILE       rewrite FILE's kernels.sh section from this run (docs/remedies.md)
  --report         run nothing: the summary (and --doc) from the results already in --out
  -h, --help       this help

Needs root (network namespaces; qemu's 9p shares), qemu-system-x86, busybox-static, kmod
and cpio or busybox, and Debian's package registry for the first fetch.
Exit status: 0 every kernel passed, 1 one did not (or could not run), 2 usage.
USAGE
}

KS_KERNELS="6.1 6.12" KS_HOST=1 KS_FILES="" KS_REMEDIES=1 KS_BUILD=build/release
KS_CACHE=${TW_KERNEL_CACHE:-} KS_OUT="" KS_TIMEOUT=2400 KS_ACCEL=auto KS_DOC="" KS_REPORT=0
KS_DEFAULT_FILES="core rate ports kernel close_matrix remedies demo nat_kernel"
# the 9p and overlay modules the initramfs loads (those built in are skipped)
KS_BOOT_MODULES="virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci netfs fscache 9pnet 9pnet_virtio 9p overlay"
declare -A KS_META=([6.1]=linux-image-amd64 [6.12]=linux-image-6.12-amd64)

ks_err() { echo "kernels: $*" >&2; }
ks_usage_err() { ks_err "$*"; exit 2; }

# --- fetching and preparing a kernel -----------------------------------------------------------

# ks_package NAME: the linux-image package a kernel name's metapackage depends on.
ks_package() {
	local meta=${KS_META[$1]} dep
	dep=$(apt-cache depends "$meta" 2>/dev/null | awk '$1 == "Depends:" && $2 ~ /^linux-image-/ { print $2; exit }')
	[ -n "$dep" ] || { KS_WHY="apt-cache knows no $meta (apt-get update?)"; return 1; }
	echo "$dep"
}

# ks_fetch NAME: download and unpack the kernel NAME (once; kept in the cache). Sets KS_VER
# (its uname -r), KS_TREE (the unpacked package), KS_VMLINUZ; or KS_WHY and returns 1.
ks_fetch() {
	local pkg deb
	pkg=$(ks_package "$1") || return 1
	KS_TREE="$KS_CACHE/$pkg"
	if [ ! -d "$KS_TREE/boot" ]; then
		deb=$(cd "$KS_CACHE" && ls "${pkg}"_*.deb 2>/dev/null | tail -1)
		if [ -z "$deb" ]; then
			(cd "$KS_CACHE" && apt-get download "$pkg" >"$KS_CACHE/$pkg.download.log" 2>&1) ||
				{ KS_WHY="apt-get download $pkg failed: $(tail -1 "$KS_CACHE/$pkg.download.log")"; return 1; }
			deb=$(cd "$KS_CACHE" && ls "${pkg}"_*.deb 2>/dev/null | tail -1)
		fi
		[ -n "$deb" ] || { KS_WHY="no .deb of $pkg after apt-get download"; return 1; }
		rm -rf "$KS_TREE.tmp" && mkdir -p "$KS_TREE.tmp" && dpkg-deb -x "$KS_CACHE/$deb" "$KS_TREE.tmp" &&
			mv "$KS_TREE.tmp" "$KS_TREE" || { KS_WHY="cannot unpack $deb"; return 1; }
	fi
	KS_VMLINUZ=$(ls "$KS_TREE"/boot/vmlinuz-* 2>/dev/null | head -1)
	[ -n "$KS_VMLINUZ" ] || { KS_WHY="$pkg holds no boot/vmlinuz-*"; return 1; }
	KS_VER=${KS_VMLINUZ##*/vmlinuz-}
	if [ ! -s "$KS_TREE/lib/modules/$KS_VER/modules.dep" ]; then
		depmod -b "$KS_TREE" "$KS_VER" 2>"$KS_CACHE/$pkg.depmod.log" ||
			{ KS_WHY="depmod -b $KS_TREE $KS_VER failed: $(tail -1 "$KS_CACHE/$pkg.depmod.log")"; return 1; }
	fi
}

# ks_module_order MODDIR NAME...: the module files (paths under MODDIR) to load for NAME...,
# each after the modules it depends on (modules.dep), each once; built-in ones are left out.
ks_module_order() {
	local dir=$1; shift
	local -A seen=()
	local -a out=()
	ks_visit() {
		local file=$1 deps d
		[ -n "${seen[$file]:-}" ] && return 0
		seen[$file]=1
		deps=$(awk -v f="$file:" '$1 == f { $1 = ""; print }' "$dir/modules.dep")
		for d in $deps; do ks_visit "$d"; done
		out+=("$file")
	}
	local name file
	for name in "$@"; do
		file=$(awk -v n="$name" '{ f = $1; sub(/:$/, "", f); b = f; sub(/.*\//, "", b); sub(/\.ko(\.[a-z]+)?$/, "", b); gsub(/-/, "_", b) } b == n { print f; exit }' "$dir/modules.dep")
		[ -n "$file" ] && ks_visit "$file"
	done
	printf '%s\n' "${out[@]}"
}

# ks_initrd: the initramfs of KS_VER (once; kept in the cache): static busybox, the boot
# modules uncompressed (busybox insmod reads only plain .ko), and ks_init as /init. Sets
# KS_INITRD, or KS_WHY and returns 1.
ks_initrd() {
	KS_INITRD="$KS_CACHE/initrd-$KS_VER.img"
	[ -s "$KS_INITRD" ] && [ "$KS_INITRD" -nt "${BASH_SOURCE[0]}" ] && return 0
	local bb dir="$KS_CACHE/initrd-$KS_VER.d" mods="$KS_TREE/lib/modules/$KS_VER" f base
	bb=$(command -v busybox) || { KS_WHY="no busybox (apt-get install busybox-static)"; return 1; }
	ldd "$bb" >/dev/null 2>&1 && { KS_WHY="$bb is not static (apt-get install busybox-static)"; return 1; }
	rm -rf "$dir" && mkdir -p "$dir"/{bin,dev,proc,sys,mods,lower,upper,newroot}
	cp "$bb" "$dir/bin/busybox"
	: >"$dir/mods/order"
	while IFS= read -r f; do
		base=${f##*/}
		case $f in
		*.ko.xz) xz -dc "$mods/$f" >"$dir/mods/${base%.xz}" ;;
		*.ko.zst) zstd -dcq "$mods/$f" >"$dir/mods/${base%.zst}" ;;
		*.ko.gz) gzip -dc "$mods/$f" >"$dir/mods/${base%.gz}" ;;
		*) cp "$mods/$f" "$dir/mods/$base" ;;
		esac || { KS_WHY="cannot unpack module $f"; return 1; }
		echo "${base%.ko*}.ko" >>"$dir/mods/order"
	done < <(IFS=' ' && ks_module_order "$mods" $KS_BOOT_MODULES) # split: a list of names
	grep -q '^9p\.ko$' "$dir/mods/order" || grep -q '/9p\.ko' "$mods/modules.builtin" ||
		{ KS_WHY="$KS_VER has no 9p module"; return 1; }
	ks_init >"$dir/init"
	chmod +x "$dir/init"
	if command -v cpio >/dev/null; then
		(cd "$dir" && find . | cpio -o -H newc --quiet | gzip -1) >"$KS_INITRD.tmp"
	else
		(cd "$dir" && find . | "$bb" cpio -o -H newc | gzip -1) >"$KS_INITRD.tmp"
	fi || { KS_WHY="cannot pack the initramfs"; return 1; }
	mv "$KS_INITRD.tmp" "$KS_INITRD"
	rm -rf "$dir"
}

# ks_init: the initramfs's /init. It loads the boot modules, mounts this machine's / (9p,
# read-only) under a tmpfs overlay, the results share on /tw-results in it, points
# /lib/modules/VERSION at the unpacked package, and switch_roots into the overlay to run
# `kernels.sh --guest`. twtree, twver and twscript come from boot.env in the results share
# (not the kernel command line: a path there cannot hold a space).
ks_init() {
	cat <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
say() { echo "twinit: $*" >/dev/console; }
fail() { say "$*"; echo o >/proc/sysrq-trigger; sleep 10; }
for pass in 1 2; do
	while read -r m; do insmod "/mods/$m" 2>/dev/null; done </mods/order
done
mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose,msize=262144 twroot /lower || fail "cannot mount the 9p root"
mount -t tmpfs -o size=1536m tmpfs /upper || fail "no tmpfs"
mkdir -p /upper/u /upper/w
mount -t overlay overlay -o lowerdir=/lower,upperdir=/upper/u,workdir=/upper/w /newroot || fail "cannot mount the overlay"
mkdir -p /newroot/tw-results
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 twres /newroot/tw-results || fail "cannot mount the results share"
. /newroot/tw-results/boot.env || fail "no boot.env in the results share"
mkdir -p /newroot/lib/modules
rm -rf "/newroot/lib/modules/$twver"
ln -s "$twtree/lib/modules/$twver" "/newroot/lib/modules/$twver"
umount /proc /sys
mount --move /dev /newroot/dev 2>/dev/null || umount /dev
exec switch_root /newroot /bin/bash "$twscript" --guest /tw-results
INIT
}

# --- booting ---------------------------------------------------------------------------------

# ks_sh_quote WORD: WORD quoted for any sh (busybox's too): in single quotes.
ks_sh_quote() { printf "'%s'" "${1//\'/\'\\\'\'}"; }

# ks_qemu ACCEL RESDIR TIMEOUT [EXTRA-APPEND]: boot KS_VMLINUZ with KS_INITRD, / and RESDIR
# shared over 9p, the serial console into RESDIR/console.log; waits for the guest to power
# off, for at most TIMEOUT seconds (then it is killed). Returns timeout's status. The paths
# the guest starts from go in RESDIR/boot.env.
ks_qemu() {
	local accel=$1 res=$2 limit=$3 extra=${4:-} cpu=(-cpu max) rc=0
	[ "$accel" = kvm ] && cpu=(-cpu max)
	printf 'twtree=%s\ntwver=%s\ntwscript=%s\n' "$(ks_sh_quote "$KS_TREE")" "$(ks_sh_quote "$KS_VER")" \
		"$(ks_sh_quote "$KS_HERE/kernels.sh")" >"$res/boot.env"
	timeout --kill-after=10 "$limit" qemu-system-x86_64 -accel "$accel" "${cpu[@]}" -smp 2 -m 2048 \
		-nodefaults -no-reboot -display none -serial "file:$res/console.log" \
		-kernel "$KS_VMLINUZ" -initrd "$KS_INITRD" \
		-append "console=ttyS0 panic=1 quiet $extra" \
		-fsdev local,id=twroot,path=/,security_model=none,readonly=on,multidevs=remap \
		-device virtio-9p-pci,fsdev=twroot,mount_tag=twroot \
		-fsdev "local,id=twres,path=$res,security_model=none" \
		-device virtio-9p-pci,fsdev=twres,mount_tag=twres \
		</dev/null >"$res/qemu.log" 2>&1 &
	local pid=$!
	lab_track "$pid"
	lab_reap "$pid" || rc=$?
	return $rc
}

# ks_pick_accel: KS_ACCEL_USED, kvm if asked or if a probe boot (20 s at most) reaches the
# guest's script, else tcg.
ks_pick_accel() {
	KS_ACCEL_USED=tcg
	case $KS_ACCEL in
	tcg) return 0 ;;
	kvm) KS_ACCEL_USED=kvm; return 0 ;;
	esac
	[ -w /dev/kvm ] || { KS_ACCEL_NOTE="no /dev/kvm"; return 0; }
	local res="$KS_OUT/kvm-probe"
	rm -rf "$res" && mkdir -p "$res"
	echo "KS_JOB=probe" >"$res/job.env"
	ks_qemu kvm "$res" 20 >/dev/null 2>&1
	if [ -s "$res/booted" ]; then
		KS_ACCEL_USED=kvm KS_ACCEL_NOTE="KVM probe booted in $(cut -d' ' -f1 "$res/booted") s"
	else
		KS_ACCEL_NOTE="KVM probe did not boot within 20 s: software emulation (TCG)"
	fi
}

# --- the run, in a guest or on the host ----------------------------------------------------------

# ks_files: the kernel-sensitive test files that exist here.
ks_files() {
	local f list=""
	for f in ${KS_FILES:-$KS_DEFAULT_FILES}; do
		[ -f "$KS_ROOT/tests/integration/$f.sh" ] && list+="${list:+ }$f"
	done
	echo "$list"
}

# ks_facts: what this kernel is, as KEY=VALUE lines: its version and memory, and in a fresh
# network namespace the defaults twtest depends on and a probe of IP_LOCAL_PORT_RANGE and of
# connect()'s port choice (the first 100 of 200 ports: how many even).
ks_facts() {
	local ns="twk$$-facts" twtest="$KS_ROOT/$KS_BUILD/twtest" v
	echo "uname=$(uname -r)"
	echo "mem_total_kb=$(awk '$1 == "MemTotal:" { print $2 }' /proc/meminfo)"
	ip netns add "$ns" || { echo "netns=no"; return; }
	lab_defer lab_ns_del "$ns"
	ip -n "$ns" link set lo up
	for v in tcp_max_tw_buckets tcp_tw_reuse tcp_tw_reuse_delay ip_local_port_range tcp_timestamps tcp_fin_timeout; do
		echo "$v=$(ip netns exec "$ns" cat "/proc/sys/net/ipv4/$v" 2>/dev/null | tr '\t' ' ' || echo absent)"
	done | sed 's/=$/=absent/'
	ip netns exec "$ns" sysctl -qw net.ipv4.ip_local_port_range="40000 40199" net.ipv4.tcp_tw_reuse=0 >/dev/null
	ip netns exec "$ns" "$twtest" server --bind 127.0.0.1 --port 5000 >/dev/null 2>&1 </dev/null &
	local spid=$!
	lab_track "$spid"
	sleep 0.5
	ip netns exec "$ns" "$twtest" client 127.0.0.1 1 100 --port 5000 --format csv >/dev/null 2>&1 </dev/null
	local ports even
	ports=$(ip netns exec "$ns" ss -Htan state time-wait "( dport = :5000 )" | awk '{ split($3, a, ":"); print a[2] }')
	even=$(awk '$1 % 2 == 0 { n++ } END { print n + 0 }' <<<"$ports")
	echo "first_100_ports_even=$even"
	echo "first_100_ports_span=$(sort -n <<<"$ports" | sed -n '1p;$p' | paste -sd-)"
	local lpr_rc=0
	ip netns exec "$ns" "$twtest" client 127.0.0.1 1 1 --port 5000 --local-port-range 40150-40199 \
		>/dev/null 2>"$LAB_TMP/lpr.err" </dev/null || lpr_rc=$?
	echo "ip_local_port_range_option=$([ $lpr_rc = 0 ] && echo accepted || echo "refused (exit $lpr_rc: $(head -1 "$LAB_TMP/lpr.err"))")"
	lab_stop "$spid"
	lab_ns_del "$ns"
}

# ks_run_here RESDIR: the suite's kernel-sensitive files and remedies.sh on the running
# kernel, into RESDIR: facts.txt, suite.log/suite.rc/suite.s, remedies.{md,csv,log,rc,s}.
ks_run_here() {
	local res=$1 t0 rc
	lab_tmpdir || return 1
	ks_facts >"$res/facts.txt" 2>"$res/facts.err"
	t0=$SECONDS
	rc=0
	(cd "$KS_ROOT" && TW_FILES="$(ks_files)" tests/run.sh "$KS_BUILD") >"$res/suite.log" 2>&1 || rc=$?
	echo "$rc" >"$res/suite.rc"
	echo $((SECONDS - t0)) >"$res/suite.s"
	if [ "$KS_REMEDIES" = 1 ]; then
		t0=$SECONDS rc=0
		bash "$KS_HERE/remedies.sh" --twtest "$KS_ROOT/$KS_BUILD/twtest" --csv "$res/remedies.csv" \
			--out "$res/remedies.md" >/dev/null 2>"$res/remedies.log" || rc=$?
		echo "$rc" >"$res/remedies.rc"
		echo $((SECONDS - t0)) >"$res/remedies.s"
	fi
	return 0
}

# ks_fresh_tmp PATH...: an empty tmpfs on /tmp for the guest, with each PATH that lives
# under /tmp (a checkout cloned there, the kernel cache inside it) still at its own path:
# bound aside under /run before the tmpfs covers /tmp, then moved back into it. Needs /run.
ks_fresh_tmp() {
	local p i=0 kept=() paths=()
	for p in "$@"; do
		p=$(readlink -f "$p") || continue
		case $p in /tmp/*) ;; *) continue ;; esac
		for i in "${!paths[@]}"; do [[ $p == "${paths[$i]}"/* || $p == "${paths[$i]}" ]] && continue 2; done
		paths+=("$p")
	done
	for i in "${!paths[@]}"; do
		mkdir -p "/run/tw-keep/$i" && mount --bind "${paths[$i]}" "/run/tw-keep/$i" && kept+=("$i")
	done
	mount -t tmpfs tmpfs /tmp
	for i in "${kept[@]}"; do
		mkdir -p "${paths[$i]}" && mount --move "/run/tw-keep/$i" "${paths[$i]}"
	done
}

# ks_guest RESDIR: PID 1 of a guest, after switch_root: the mounts a system needs, the job
# in RESDIR/job.env, then power off.
ks_guest() {
	local res=$1
	export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
	mount -t proc proc /proc
	mount -t sysfs sys /sys
	mountpoint -q /dev || mount -t devtmpfs dev /dev
	mkdir -p /dev/pts /dev/shm
	mount -t devpts devpts /dev/pts
	mount -t tmpfs tmpfs /dev/shm
	# devtmpfs has no /dev/fd: bash's process substitution needs it
	ln -sf /proc/self/fd /dev/fd; ln -sf /proc/self/fd/0 /dev/stdin
	ln -sf /proc/self/fd/1 /dev/stdout; ln -sf /proc/self/fd/2 /dev/stderr
	mount -t tmpfs tmpfs /run
	# shellcheck disable=SC1091 # written by the host for this guest
	. "$res/boot.env"
	# shellcheck disable=SC1091
	. "$res/job.env"
	local build=${KS_JOB_BUILD:-$KS_BUILD}
	[[ $build == /* ]] || build="$KS_ROOT/$build"
	ks_fresh_tmp "$KS_ROOT" "$twtree" "$build"
	mkdir -p /run/netns
	echo 1 >/proc/sys/kernel/sysrq
	ip link set lo up
	cut -d' ' -f1 /proc/uptime >"$res/booted"
	if [ "${KS_JOB:-}" != probe ]; then
		KS_FILES=$KS_JOB_FILES KS_REMEDIES=$KS_JOB_REMEDIES KS_BUILD=$KS_JOB_BUILD
		ks_run_here "$res" >"$res/guest.log" 2>&1
	fi
	lab_cleanup
	echo finished >"$res/finished"
	sync
	echo o >/proc/sysrq-trigger
	sleep 30
}

# ks_boot_run NAME: fetch, prepare and boot kernel NAME with the job, into KS_OUT/NAME.
# Writes RESDIR/status (passed, or why not); returns 0 when it booted and finished.
ks_boot_run() {
	local name=$1 res="$KS_OUT/$1" t0 rc
	rm -rf "$res" && mkdir -p "$res"
	if ! ks_fetch "$name"; then echo "cannot fetch: $KS_WHY" >"$res/status"; return 1; fi
	echo "$KS_VER" >"$res/version"
	if ! ks_initrd; then echo "cannot build its initramfs: $KS_WHY" >"$res/status"; return 1; fi
	[ -n "${KS_ACCEL_USED:-}" ] || ks_pick_accel
	echo "$KS_ACCEL_USED" >"$res/accel"
	{
		echo "KS_JOB=run"
		printf 'KS_JOB_FILES=%q\nKS_JOB_REMEDIES=%q\nKS_JOB_BUILD=%q\n' "$(ks_files)" "$KS_REMEDIES" "$KS_BUILD"
	} >"$res/job.env"
	t0=$SECONDS rc=0
	ks_qemu "$KS_ACCEL_USED" "$res" "$KS_TIMEOUT" || rc=$?
	echo $((SECONDS - t0)) >"$res/wall.s"
	if [ ! -s "$res/booted" ]; then
		echo "did not boot (qemu exit $rc; console: $(tail -c 300 "$res/console.log" 2>/dev/null | tr '\n' ' '))" >"$res/status"
		return 1
	fi
	if [ ! -f "$res/finished" ]; then
		if [ $rc = 124 ] || [ $rc = 137 ]; then
			echo "timed out after $KS_TIMEOUT s" >"$res/status"
		else
			echo "stopped before the end (qemu exit $rc; console: $(tail -c 300 "$res/console.log" | tr '\n' ' '))" >"$res/status"
		fi
		return 1
	fi
	return 0
}

# ks_judge RESDIR: passed when the runner passed and remedies.sh ran; else why not. Appends
# to RESDIR/status unless a status is there already.
ks_judge() {
	local res=$1 last
	[ -s "$res/status" ] && return 1
	last=$(tail -1 "$res/suite.log" 2>/dev/null)
	if [ "$(cat "$res/suite.rc" 2>/dev/null)" != 0 ] || [[ ! $last =~ ^[0-9]+\ passed,\ 0\ failed ]]; then
		echo "suite failed: ${last:-no runner output}" >"$res/status"; return 1
	fi
	if [ "$KS_REMEDIES" = 1 ] && [ "$(cat "$res/remedies.rc" 2>/dev/null)" != 0 ]; then
		echo "remedies.sh failed: $(tail -1 "$res/remedies.log" 2>/dev/null)" >"$res/status"; return 1
	fi
	echo passed >"$res/status"
}

# ks_failures NAME RESDIR: each failed test of the guest's suite with the lines it printed
# just before (its reason), on stderr: CI keeps only this script's output, not RESDIR.
ks_failures() {
	local name=$1 res=$2
	[ -s "$res/suite.log" ] || return 0
	awk -v k="$name" '
		/^(PASS|SKIP|ok |# )/ { n = 0; next }
		/^FAIL/ { for (i = 0; i < n; i++) print "kernels: " k ": " buf[i]; print "kernels: " k ": " $0; n = 0; next }
		{ if (n == 12) { for (i = 1; i < n; i++) buf[i - 1] = buf[i]; n-- } buf[n++] = $0 }
	' "$res/suite.log" >&2
}

# ks_summary NAME RESDIR: one line: the kernel, how it ran, the runner's last line, remedies.
ks_summary() {
	local name=$1 res=$2 line classes
	line="$name"
	if [ -s "$res/facts.txt" ]; then line+=" ($(sed -n 's/^uname=//p' "$res/facts.txt"))"
	elif [ -s "$res/version" ]; then line+=" ($(cat "$res/version"))"; fi
	[ -s "$res/accel" ] && line+=" $(cat "$res/accel")"
	[ -s "$res/booted" ] && line+=", boot $(cat "$res/booted") s"
	[ -s "$res/suite.s" ] && line+=", suite $(cat "$res/suite.s") s: $(tail -1 "$res/suite.log")"
	if [ -s "$res/remedies.csv" ]; then
		classes=$(lab_csv_get "$res/remedies.csv" value case=verdict metric=class | sort | uniq -c |
			awk '{ n = $1; $1 = ""; printf "%s%d%s", (NR > 1 ? ", " : ""), n, $0 }')
		line+="; remedies $(cat "$res/remedies.s") s: $classes"
	fi
	echo "kernels: $line: $(cat "$res/status")"
}

# --- docs/remedies.md --------------------------------------------------------------------------

# KS_WHY_ROW[ROW]: the kernel change behind a row that differs between kernels.
declare -A KS_WHY_ROW=(
	[12b]="Linux 6.14 added net.ipv4.tcp_tw_reuse_delay (ms, default 1000); before it tcp_twsk_unique reuses once the whole-second clock has passed the second of the TIME_WAIT's last timestamp, 0 to 1 s, so a refill at once may already reuse"
	[9]="the tw_sock_TCP slab object (struct tcp_timewait_sock, rounded to its cache's size) is 272 B in Debian's 6.1 build and 256 B in 6.12 and 6.18: the MB per 100k follow it. tcp_max_tw_buckets (8192 in the 2 GiB guests) would stop the row at 8192: it is raised to 2N in its namespace"
	[8]="the FIN_WAIT2-substate check in tcp_twsk_unique (2024, \"tcp: avoid reusing FIN_WAIT2 when trying to find port in connect() process\"), in stable kernels too; a kernel without it reuses"
	[1d]="ip_autobind_reuse=1 hands one port to many sockets at once: how many of a concurrent loop then connect varies run to run, on every kernel"
	[2]="TWRecycled in the both-on case counts only the 4-tuples taken over (some ports are free again by then); it varies run to run"
)

# KS_WHY_FACT[KEY]: the kernel change behind a fact that differs between kernels.
declare -A KS_WHY_FACT=(
	[tcp_max_tw_buckets]="sized from RAM (tcp_sk_init: half the established hash, which alloc_large_system_hash sizes from memory): never a constant"
	[tcp_tw_reuse_delay]="added in Linux 6.14"
	[mem_total_kb]="the guests get 2 GiB (qemu -m 2048)"
	[uname]="the kernel"
	[ip_local_port_range_option]="IP_LOCAL_PORT_RANGE (option 51) came with Linux 6.3 (\"inet: Add IP_LOCAL_PORT_RANGE socket option\")"
	[first_100_ports_even]="connect() searches even ports first (Linux 4.6, __inet_hash_connect); the order of the search changed again since (Linux 6.8)"
	[first_100_ports_span]="where the search starts is random per boot (a hash with a per-boot secret and a perturbation table)"
)

# ks_cell RESDIR ROW: the markdown cell of ROW for one kernel: "**class**: result".
ks_cell() {
	local csv="$1/remedies.csv"
	[ -s "$csv" ] || { echo "not run"; return; }
	echo "**$(lab_csv_get "$csv" value "row=$2" case=verdict metric=class)**: $(lab_csv_get "$csv" value "row=$2" case=result metric=text)"
}

# ks_doc FILE NAME...: FILE's kernels.sh section, rewritten from KS_OUT/NAME for each NAME.
ks_doc() {
	local file=$1; shift
	local names=("$@") n ids id claim differs why key v
	grep -q '^<!-- kernels.sh: begin -->$' "$file" && grep -q '^<!-- kernels.sh: end -->$' "$file" ||
		{ ks_err "$file has no kernels.sh markers"; return 1; }
	local sec="$KS_OUT/doc-section.md"
	{
		echo "<!-- kernels.sh: begin -->"
		echo "<!-- Generated by scripts/kernels.sh --doc from one run on each kernel; do not edit by hand. -->"
		echo
		local head="| fact |" rule="| --- |"
		for n in "${names[@]}"; do head+=" $n ($(ks_version_of "$n")) |"; rule+=" --- |"; done
		echo "What each kernel is, and what a fresh network namespace holds there:"
		echo
		echo "$head why they differ |"
		echo "$rule --- |"
		for key in uname mem_total_kb tcp_max_tw_buckets tcp_tw_reuse tcp_tw_reuse_delay tcp_timestamps ip_local_port_range \
			ip_local_port_range_option first_100_ports_even first_100_ports_span; do
			local row="| $key |" vals=()
			for n in "${names[@]}"; do
				v=$(sed -n "s/^$key=//p" "$KS_OUT/$n/facts.txt" 2>/dev/null); v=${v:-?}
				vals+=("$v"); row+=" $v |"
			done
			why=""
			[ "$(printf '%s\n' "${vals[@]}" | sort -u | wc -l)" -gt 1 ] && why=${KS_WHY_FACT[$key]:-"not explained yet"}
			echo "$row ${why:-same} |"
		done
		echo
		echo "Each row of the table above on each kernel (verdict class, then that kernel's numbers):"
		echo
		head="| # | claim |" rule="| --- | --- |"
		for n in "${names[@]}"; do head+=" $n |"; rule+=" --- |"; done
		echo "$head why they differ |"
		echo "$rule --- |"
		ids=$(for n in "${names[@]}"; do [ -s "$KS_OUT/$n/remedies.csv" ] &&
			lab_csv_get "$KS_OUT/$n/remedies.csv" row case=verdict metric=class; done | awk '!s[$0]++')
		for id in $ids; do
			claim=$(bash "$KS_HERE/remedies.sh" --list | awk -F'\t' -v i="$id" '$1 == i { print $4 }')
			local row="| $id | $claim |" classes=()
			for n in "${names[@]}"; do
				row+=" $(ks_cell "$KS_OUT/$n" "$id") |"
				classes+=("$(lab_csv_get "$KS_OUT/$n/remedies.csv" value "row=$id" case=verdict metric=text 2>/dev/null)")
			done
			differs=$(printf '%s\n' "${classes[@]}" | sort -u | wc -l)
			if [ "$differs" -gt 1 ]; then why="verdict differs: ${KS_WHY_ROW[$id]:-not explained yet}"
			else why="same verdict${KS_WHY_ROW[$id]:+ (numbers: ${KS_WHY_ROW[$id]})}"; fi
			echo "$row $why |"
		done
		echo
		for n in "${names[@]}"; do
			echo "- $n: $(ks_summary "$n" "$KS_OUT/$n" | sed 's/^kernels: //')"
		done
		echo "<!-- kernels.sh: end -->"
	} >"$sec"
	awk -v sec="$sec" '
		$0 == "<!-- kernels.sh: begin -->" { while ((getline l < sec) > 0) print l; skip = 1; next }
		$0 == "<!-- kernels.sh: end -->" { skip = 0; next }
		!skip' "$file" >"$file.tmp" && mv "$file.tmp" "$file"
}

# ks_version_of NAME: the uname of a kernel's run, or "?".
ks_version_of() { sed -n 's/^uname=//p' "$KS_OUT/$1/facts.txt" 2>/dev/null | grep . || echo "?"; }

# --- main ----------------------------------------------------------------------------------------

ks_parse() {
	local k
	while [ $# -gt 0 ]; do
		case $1 in
		-h|--help) ks_usage; exit 0 ;;
		--guest) [ $# -ge 2 ] || ks_usage_err "--guest needs the results directory"
			ks_guest "$2"; exit 0 ;;
		--kernels) [ $# -ge 2 ] || ks_usage_err "--kernels needs a value"
			KS_KERNELS=""
			if [ "$2" != none ]; then
				for k in ${2//,/ }; do
					[ -n "${KS_META[$k]:-}" ] || ks_usage_err "invalid --kernels '$2': '$k' is not one of 6.1, 6.12"
					KS_KERNELS+="${KS_KERNELS:+ }$k"
				done
				[ -n "$KS_KERNELS" ] || ks_usage_err "invalid --kernels '$2': must be 6.1, 6.12 or both"
			fi
			shift 2 ;;
		--no-host) KS_HOST=0; shift ;;
		--no-remedies) KS_REMEDIES=0; shift ;;
		--files) [ $# -ge 2 ] || ks_usage_err "--files needs a value"; KS_FILES=$2; shift 2 ;;
		--build) [ $# -ge 2 ] || ks_usage_err "--build needs a directory"; KS_BUILD=$2; shift 2 ;;
		--cache) [ $# -ge 2 ] || ks_usage_err "--cache needs a directory"; KS_CACHE=$2; shift 2 ;;
		--out) [ $# -ge 2 ] || ks_usage_err "--out needs a directory"; KS_OUT=$2; shift 2 ;;
		--timeout) [ $# -ge 2 ] && [[ $2 =~ ^[1-9][0-9]{1,4}$ ]] ||
				ks_usage_err "invalid --timeout '${2:-}': must be 10-99999 seconds"
			KS_TIMEOUT=$2; shift 2 ;;
		--accel) [ $# -ge 2 ] && [[ $2 =~ ^(auto|kvm|tcg)$ ]] || ks_usage_err "invalid --accel '${2:-}': must be auto, kvm or tcg"
			KS_ACCEL=$2; shift 2 ;;
		--doc) [ $# -ge 2 ] || ks_usage_err "--doc needs a file"; KS_DOC=$2; shift 2 ;;
		--report) KS_REPORT=1; shift ;;
		*) ks_usage_err "unexpected argument '$1'" ;;
		esac
	done
}

ks_main() {
	ks_parse "$@"
	if [ "$KS_REPORT" = 0 ]; then
		[ "$(id -u)" = 0 ] || { ks_err "needs root (network namespaces, qemu's 9p shares)"; exit 1; }
		[ -x "$KS_ROOT/$KS_BUILD/twtest" ] && [ -x "$KS_ROOT/$KS_BUILD/unit_tests" ] ||
			{ ks_err "$KS_BUILD is not built (make $KS_BUILD/twtest $KS_BUILD/unit_tests)"; exit 1; }
	fi
	KS_CACHE=${KS_CACHE:-$KS_ROOT/build/kernels}
	KS_OUT=${KS_OUT:-$KS_CACHE/results}
	mkdir -p "$KS_CACHE" "$KS_OUT" || { ks_err "cannot make $KS_CACHE or $KS_OUT"; exit 1; }
	KS_CACHE=$(cd "$KS_CACHE" && pwd) KS_OUT=$(cd "$KS_OUT" && pwd)
	if [ -n "$KS_KERNELS" ] && [ "$KS_REPORT" = 0 ]; then
		command -v qemu-system-x86_64 >/dev/null || { ks_err "no qemu-system-x86_64 (apt-get install qemu-system-x86)"; exit 1; }
		command -v depmod >/dev/null || { ks_err "no depmod (apt-get install kmod)"; exit 1; }
	fi
	lab_trap
	local name failed=0 passed=0 names=() t0
	for name in $KS_KERNELS; do
		names+=("$name")
		[ "$KS_REPORT" = 1 ] && continue
		t0=$SECONDS
		ks_err "$name: fetching, booting and running (timeout $KS_TIMEOUT s)"
		ks_boot_run "$name"
		ks_judge "$KS_OUT/$name"
		ks_err "$name: $(cat "$KS_OUT/$name/status") after $((SECONDS - t0)) s${KS_ACCEL_NOTE:+ ($KS_ACCEL_NOTE)}"
	done
	[ "$KS_HOST" = 1 ] && names+=(host)
	if [ "$KS_HOST" = 1 ] && [ "$KS_REPORT" = 0 ]; then
		t0=$SECONDS
		rm -rf "$KS_OUT/host" && mkdir -p "$KS_OUT/host"
		ks_err "host: running on $(uname -r)"
		ks_run_here "$KS_OUT/host"
		ks_judge "$KS_OUT/host"
		ks_err "host: $(cat "$KS_OUT/host/status") after $((SECONDS - t0)) s"
	fi
	for name in "${names[@]}"; do
		if [ ! -d "$KS_OUT/$name" ]; then
			mkdir -p "$KS_OUT/$name" && echo "no results (run without --report)" >"$KS_OUT/$name/status"
		elif [ ! -s "$KS_OUT/$name/status" ]; then
			ks_judge "$KS_OUT/$name"
		fi
		ks_summary "$name" "$KS_OUT/$name"
		if [ "$(cat "$KS_OUT/$name/status" 2>/dev/null)" = passed ]; then passed=$((passed + 1))
		else failed=$((failed + 1)) && ks_failures "$name" "$KS_OUT/$name"; fi
	done
	[ -n "$KS_DOC" ] && ks_doc "$KS_DOC" "${names[@]}"
	echo "kernels: $passed passed, $failed failed"
	[ "$failed" = 0 ]
}

# (one line: bash has read it whole before it runs, so the file may change meanwhile)
if [ "${BASH_SOURCE[0]}" = "$0" ]; then ks_main "$@"; exit $?; fi
