#!/usr/bin/env bash
# scripts/sweep-report.sh: the report half of scripts/sweep.sh. From DIR/results.csv alone
# (read by column name) it writes DIR/results.md (one row per cell, then connect latency and
# the nat path's conntrack figures per cell) and, when gnuplot is installed,
# DIR/finished-PATH.png, DIR/loop-time-PATH.png and DIR/heatmap.png; from a rate
# sweep's DIR/rate-cells.csv and DIR/rate.csv, a steady-rate table (predicted against
# measured first failure and sustainable rate) and DIR/rate-N.png per cell. sweep.sh
# runs it at the end of a sweep; run alone, it redoes the report of an existing results dir.
#   scripts/sweep-report.sh DIR      (GNUPLOT names gnuplot, default gnuplot)
# Exit status: 0 done, 2 usage error (no DIR/results.csv).
set -u -o pipefail

sw_note() { echo "sweep: $*" >&2; }
# shellcheck source=scripts/lab.sh
. "$(dirname "${BASH_SOURCE[0]}")/lab.sh"   # LAB_CSV_AWK, the CSV reader

# --- the report: results.md and plots, from results.csv alone ----------------------------

# sw_cells_tsv DIR: one line per cell, in run order: key fields, then finished per loop,
# first failing loop, total failed, conns, time. Reads results.csv by column name.
sw_cells_tsv() {
	awk "$LAB_CSV_AWK"'
	{
		key = csv("path") "\t" csv("tw_reuse") "\t" csv("tw_reuse_delay_ms") "\t" csv("ports") "\t" \
		      csv("reuseport") "\t" csv("linger") "\t" csv("close") "\t" csv("interval_ms")
		if (!(key in seen)) { seen[key] = ++ncell; order[ncell] = key; first[key] = "none" }
		fin[key] = fin[key] (fin[key] == "" ? "" : " ") csv("finished")
		if (csv("failed") > 0 && first[key] == "none") first[key] = csv("loop")
		failed[key] += csv("failed"); conns[key] += csv("conns"); t[key] += csv("time_s")
		times[key] = times[key] (times[key] == "" ? "" : " ") csv("time_s")
		if (csv("time_s") + 0 > slow[key]) slow[key] = csv("time_s") + 0
	}
	END {
		for (c = 1; c <= ncell; c++) {
			k = order[c]
			printf "%s\t%s\t%s\t%d\t%d\t%.1f\t%s\t%.1f\n", k, fin[k], first[k], failed[k], conns[k], t[k],
			       times[k], slow[k]
		}
	}' "$1/results.csv"
}

sw_write_md() {
	local dir=$1 md="$1/results.md"
	{
		echo "# tcp_tw_reuse sweep"
		echo
		if [ -f "$dir/run.txt" ]; then sed 's/^/- /' "$dir/run.txt"; echo; fi
		[ -f "$dir/rate-cells.csv" ] && sw_rate_md "$dir"
		[ "$(wc -l <"$dir/results.csv")" -gt 1 ] || return 0
		echo "One row per cell. \"finished per loop\" lists each loop's finished connections;"
		echo "\"first failing loop\" is the first loop with a failed connection (loops count from 0);"
		echo "\"time s\" adds up the loops' times; \"finished/s\" is the cell's finished connections over it."
		echo
		echo "| path | tw_reuse | reuse delay ms | ports | reuseport | linger | close | interval ms | finished per loop | first failing loop | failed | time s | slowest loop s | finished/s |"
		echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
		sw_cells_tsv "$dir" | awk -F'\t' '{
			printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s of %s | %s | %s | %.0f |\n",
			$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $15,
			($13 > 0 ? ($12 - $11) / $13 : 0) }'
		local p
		for p in "${SW_PLOTS[@]}"; do
			echo
			echo "![$p]($p)"
		done
	} >"$md"
}

# sw_plot_per_loop DIR CELLS TERM PATH COLUMN NAME TITLE YLABEL: writes the data file of one
# line per cell of PATH (per-loop values from the space-separated list in CELLS column COLUMN)
# and prints the gnuplot commands that draw it into DIR/NAME-PATH.png.
sw_plot_per_loop() {
	local dir=$1 cells=$2 term=$3 path=$4 col=$5 name=$6 title=$7 ylabel=$8
	local data="$dir/.$name-$path.dat" ncell
	awk -F'\t' -v p="$path" -v c="$col" '$1 == p {
		printf "\"tw_reuse=%s delay=%s rp=%s linger=%s close=%s\"\n", $2, $3, $5, $6, $7
		n = split($c, f, " "); for (i = 1; i <= n; i++) print i - 1, f[i]
		print ""; print "" }' "$cells" >"$data"
	ncell=$(awk -F'\t' -v p="$path" '$1 == p' "$cells" | wc -l)
	cat <<EOF
ncell = $ncell
set terminal $term
set output '$dir/$name-$path.png'
set title '$title'
set xlabel 'loop'; set ylabel '$ylabel'
set key outside right top font ',8' noenhanced
set yrange [0:*]; set xtics 1; set grid
# Cells with equal results draw over each other: earlier cells get wider lines to stay visible.
plot for [i=0:ncell-1] '$data' index i using 1:2 with linespoints lw (1 + 3.0 * (ncell - 1 - i) / ncell) title columnheader(1)
unset output
reset
EOF
}

# sw_plot DIR: finished-PATH.png (one line per cell) and heatmap.png, when gnuplot exists.
SW_PLOTS=()
sw_plot() {
	local dir=$1 gp=${GNUPLOT:-gnuplot}
	SW_PLOTS=()
	if ! command -v "$gp" >/dev/null 2>&1; then
		sw_note "gnuplot not found ($gp): no plots made (install gnuplot-nox to get them); results.csv and results.md are complete"
		return 0
	fi
	local term="pngcairo size 1100,700 font ',9'"
	echo 'set terminal pngcairo' | "$gp" >/dev/null 2>&1 || term="png size 1100,700"
	local cells="$dir/.cells.tsv" script="$dir/.plot.gp" path
	sw_cells_tsv "$dir" >"$cells"
	: >"$script"
	for path in $(cut -f1 "$cells" | awk '!s[$0]++'); do
		sw_plot_per_loop "$dir" "$cells" "$term" "$path" 9 finished \
			"finished connections per loop, path $path (one line per cell)" finished >>"$script"
		sw_plot_per_loop "$dir" "$cells" "$term" "$path" 14 loop-time \
			"seconds per loop, path $path (one line per cell)" "time (s)" >>"$script"
		SW_PLOTS+=("finished-$path.png" "loop-time-$path.png")
	done
	local heat="$dir/.heat.dat" ytics
	awk -F'\t' '{ n = split($9, f, " "); per = $12 / n
		for (i = 1; i <= n; i++) print i - 1, NR - 1, (per > 0 ? f[i] / per : 0) }' "$cells" >"$heat"
	ytics=$(awk -F'\t' '{ printf "%s\"%s r=%s d=%s rp=%s lg=%s %s\" %d", (NR > 1 ? ", " : ""), $1, $2, $3, $5, $6, $7, NR - 1 }' "$cells")
	local ncells height hterm nloops
	ncells=$(wc -l <"$cells")
	height=$((200 + 16 * ncells))
	nloops=$(awk -F'\t' '{ n = split($9, f, " "); if (n > m) m = n } END { print m }' "$cells")
	hterm=${term/1100,700/1000,$height}
	cat >>"$script" <<EOF
set terminal $hterm
set output '$dir/heatmap.png'
set title "share of each loop's connections that finished (1 = all)"
set xlabel 'loop'
set ytics ($ytics) font ',8' noenhanced
set yrange [$ncells-0.5:-0.5]
set xrange [-0.5:$nloops-0.5]
set xtics 1
set cbrange [0:1]
set palette defined (0 '#b2182b', 0.5 '#fddbc7', 1 '#2166ac')
plot '$heat' using 1:2:(0.5):(0.5):3 with boxxyerror fill solid noborder fillcolor palette notitle
unset output
EOF
	if "$gp" "$script" 2>"$dir/.plot.err"; then
		SW_PLOTS+=("heatmap.png")
	else
		sw_note "gnuplot failed: $(head -c 300 "$dir/.plot.err")"
		SW_PLOTS=()
	fi
	rm -f "$dir"/.finished-*.dat "$dir"/.loop-time-*.dat "$heat" "$cells" "$script" "$dir/.plot.err"
}

# sw_write_latency_md DIR: appends to DIR/results.md a table of connect latency per cell and,
# for nat cells, the NAT's settings and its router's conntrack figures. Only when
# results.csv has those columns (older results lack them).
sw_write_latency_md() {
	head -1 "$1/results.csv" | tr , '\n' | grep -qx connect_us_p99 || return 0
	{
		echo
		echo "## Connect latency and the NAT"
		echo
		echo "Connect time of finished connections in ms, per loop (p99) and over the cell (the"
		echo "largest loop's p50, p99 and max; on the nat path each loop's figure is already the"
		echo "largest of the K clients'). A SYN dropped on the way is sent again after 1 s, so a"
		echo "p99 near 1000, 2000 ms is a retransmitted SYN. The conntrack columns are the nat"
		echo "router's when the cell ended: entries, entries in TIME_WAIT toward the server,"
		echo "insert_failed, drop, clash_resolve (docs/nat.md)."
		echo
		echo "| path | tw_reuse | linger | close | NAT clients | NAT ports | fully-random | ct TIME_WAIT timeout s | connect p99 per loop ms | p50 ms | p99 ms | max ms | ct entries | ct TIME_WAIT | insert_failed | drop | clash_resolve |"
		echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
		awk "$LAB_CSV_AWK"'
		{
			key = csv("path") "," csv("tw_reuse") "," csv("tw_reuse_delay_ms") "," csv("ports") "," \
			      csv("reuseport") "," csv("linger") "," csv("close") "," csv("interval_ms") "," \
			      csv("nat_clients") "," csv("nat_port_range") "," csv("nat_random_fully") "," csv("nat_tw_timeout_s")
			if (!(key in seen)) {
				seen[key] = ++n; order[n] = key
				split("path tw_reuse linger close nat_clients nat_port_range nat_random_fully nat_tw_timeout_s ct_entries ct_time_wait ct_insert_failed ct_drop ct_clash_resolve", keep, " ")
				for (f in keep) first[key, keep[f]] = csv(keep[f])
			}
			p99[key] = p99[key] (p99[key] == "" ? "" : " ") ms(csv("connect_us_p99"))
			for (f = 1; f <= 3; f++) {
				c = (f == 1 ? "connect_us_p50" : f == 2 ? "connect_us_p99" : "connect_us_max")
				if (csv(c) != "" && csv(c) + 0 > top[key, f]) top[key, f] = csv(c) + 0
			}
		}
		function ms(us) { return us == "" ? "-" : sprintf("%.0f", us / 1000) }
		function or_dash(x) { return x == "" ? "-" : x }
		END {
			for (r = 1; r <= n; r++) {
				k = order[r]
				printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
					first[k, "path"], first[k, "tw_reuse"], first[k, "linger"], first[k, "close"],
					or_dash(first[k, "nat_clients"]), or_dash(first[k, "nat_port_range"]), or_dash(first[k, "nat_random_fully"]),
					or_dash(first[k, "nat_tw_timeout_s"]), p99[k], ms(top[k, 1]), ms(top[k, 2]), ms(top[k, 3]),
					or_dash(first[k, "ct_entries"]), or_dash(first[k, "ct_time_wait"]), or_dash(first[k, "ct_insert_failed"]),
					or_dash(first[k, "ct_drop"]), or_dash(first[k, "ct_clash_resolve"])
			}
		}' "$1/results.csv"
	} >>"$1/results.md"
}

# sw_rate_md DIR: the steady-rate table, one row per rate cell, with its plots.
sw_rate_md() {
	echo "## Steady rate"
	echo
	echo "One row per rate cell: the port model's prediction (from the client's header) beside"
	echo "what happened. \"first failure\" is the time of the first failed connection since the"
	echo "cell began; \"finished/s, last third\" counts finished connections over the last third"
	echo "of the cell; \"sustainable\" is the model's P per hold time (none: ports do not bound it)."
	echo
	echo "| cell | path | tw_reuse | reuse delay ms | ports | linger | close | rate/s | s | finished | failed | first failure s | predicted s | finished/s, last third | sustainable/s | connect p99 us |"
	echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
	awk "$LAB_CSV_AWK"'
	function v(k) { return csv(k) == "" ? "none" : csv(k) }
	{ printf "| %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", NR - 1,
	  v("path"), v("tw_reuse"), v("tw_reuse_delay_ms"), v("ports"), v("linger"), v("close"), v("rate"),
	  v("duration_s"), v("finished"), v("failed"), v("first_failure_s"), v("predicted_first_failure_s"),
	  v("rate_last_third"), v("predicted_rate"), v("connect_us_p99") }' "$1/rate-cells.csv"
	local p
	for p in "${SW_RATE_PLOTS[@]}"; do
		echo
		echo "![$p]($p)"
	done
	echo
}

# sw_rate_plot DIR: rate-N.png per rate cell, finished and failed per second over time.
SW_RATE_PLOTS=()
sw_rate_plot() {
	local dir=$1 gp=${GNUPLOT:-gnuplot}
	SW_RATE_PLOTS=()
	[ -f "$dir/rate.csv" ] && command -v "$gp" >/dev/null 2>&1 || return 0
	local data="$dir/.rate.dat" script="$dir/.rate.gp" n i title mark
	# one gnuplot index per cell: t_s, finished/s, failed/s (counts over the interval's length)
	awk "$LAB_CSV_AWK"'
	{ key = csv("path") "," csv("tw_reuse") "," csv("tw_reuse_delay_ms") "," csv("ports") "," \
	        csv("reuseport") "," csv("linger") "," csv("close") "," csv("rate")
	  if (key != last) { if (NR > 2) { print ""; print "" }; last = key; prev = 0; printf "# %s\n", key }
	  len = csv("t_s") - prev; prev = csv("t_s"); if (len <= 0) len = 1
	  print csv("t_s"), csv("finished") / len, csv("failed") / len }' "$dir/rate.csv" >"$data"
	n=$(($(wc -l <"$dir/rate-cells.csv") - 1))
	: >"$script"
	for ((i = 0; i < n; i++)); do
		title=$(awk -v k=$((i + 2)) "$LAB_CSV_AWK"'NR == k { printf "cell %d: path %s, tw_reuse %s, %s ports, linger %s, close %s, %s/s", k - 1, csv("path"), csv("tw_reuse"), csv("ports"), csv("linger"), csv("close"), csv("rate") }' "$dir/rate-cells.csv")
		# the model's predicted first failure (P/R), a dashed line where the cell predicts one
		mark=$(awk -v k=$((i + 2)) "$LAB_CSV_AWK"'NR == k && csv("predicted_first_failure_s") ~ /^[0-9.]+$/ {
			x = csv("predicted_first_failure_s")
			printf "set arrow 1 from %s, graph 0 to %s, graph 1 nohead dt 2 lw 2 lc rgb \"red\"\n", x, x
			printf "set label 1 \"predicted first failure: P/R = %s/%s = %.1f s\" at %s, graph 0.92 offset 1,0 tc rgb \"red\"\n", csv("ports"), csv("rate"), x, x }' "$dir/rate-cells.csv")
		cat >>"$script" <<EOF
set terminal pngcairo size 900,450 font ',9'
set output '$dir/rate-$((i + 1)).png'
set title '$title' noenhanced
set xlabel 'seconds since the cell began'; set ylabel 'connections a second'
set yrange [0:*]; set grid; set key top right
unset arrow; unset label
$mark
plot '$data' index $i using 1:2 with linespoints title 'finished/s', '' index $i using 1:3 with linespoints title 'failed/s'
unset output
EOF
		SW_RATE_PLOTS+=("rate-$((i + 1)).png")
	done
	"$gp" "$script" 2>"$dir/.rate.err" || { sw_note "gnuplot failed: $(head -c 300 "$dir/.rate.err")"; SW_RATE_PLOTS=(); }
	rm -f "$data" "$script" "$dir/.rate.err"
}

sw_report() {
	sw_rate_plot "$1"
	[ "$(wc -l <"$1/results.csv")" -gt 1 ] && sw_plot "$1"
	sw_write_md "$1"
	sw_write_latency_md "$1"
	sw_note "wrote $1/results.csv, $1/results.md${SW_PLOTS[*]:+ and ${SW_PLOTS[*]}}${SW_RATE_PLOTS[*]:+ ${SW_RATE_PLOTS[*]}}"
}

case ${1:-} in
-h|--help) sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
esac
[ $# -eq 1 ] || { echo "sweep: usage: scripts/sweep-report.sh DIR" >&2; exit 2; }
[ -f "$1/results.csv" ] || { echo "sweep: invalid report directory '$1': no results.csv in it" >&2; exit 2; }
sw_report "$1"
