# Unit cases of the labs' table runner (scripts/lab_table.sh) and of the verdicts it runs:
# every judge function of scripts/remedies.sh given inputs that must give each of its verdict
# classes, and proxies.sh's rate judge (rows t2 and n7). No root, no namespaces: the judges
# are called directly, as the row functions call them after measuring.
. "$(dirname "$0")/../lib.sh"
# shellcheck source=scripts/remedies.sh
. "$(dirname "$0")/../../scripts/remedies.sh"
# shellcheck source=scripts/proxies.sh
. "$(dirname "$0")/../../scripts/proxies.sh"

# expect_class CLASS JUDGE ARGS...: JUDGE ARGS gives a verdict of CLASS, returns 0 exactly
# when CLASS is a "holds" class, and states a result.
expect_class() {
	local want=$1 rc=0; shift
	LT_RESULT="" LT_VERDICT="" LT_FIGURE=""
	"$@" || rc=$?
	expect_eq "class of $*" "$(lt_class "$LT_VERDICT")" "$want"
	case $want in holds*) expect_eq "status of $*" $rc 0 ;; *) expect_eq "status of $*" $rc 1 ;; esac
	[ -n "$LT_RESULT" ] || die "$1: no result text"
}

# Rule: --csv quotes every field that needs it (RFC 4180): a field with a comma, a double
# quote or a line break is quoted with its quotes doubled, others are left bare; a verdict
# holding a comma and a quote reads back whole through lab.sh's CSV reader.
test_csv_quoting() {
	expect_eq "bare" "$(lt_csv_field 'holds')" 'holds'
	expect_eq "comma" "$(lt_csv_field 'a, b')" '"a, b"'
	expect_eq "quote" "$(lt_csv_field 'say "x"')" '"say ""x"""'
	expect_eq "line break" "$(lt_csv_field $'a\nb')" $'"a\nb"'
	local v='holds, by "aborting": every close, an RST'
	lt_csv_open "$(tmpdir)/q.csv"
	LT_ROW=t2
	lt_metric verdict text "$v"
	lt_metric 'odd,case' metric 7
	expect_eq "fields of the verdict line" "$(sed -n 2p "$LT_CSV")" 't2,verdict,text,"holds, by ""aborting"": every close, an RST"'
	expect_eq "read back" "$(lab_csv_get "$LT_CSV" value row=t2 metric=text)" "$v"
	expect_eq "a quoted case" "$(sed -n 3p "$LT_CSV")" 't2,"odd,case",metric,7'
}

# Rule: one set of verdict classes: a verdict's first words give its class, "holds only when"
# before "holds"; a text that starts with none of them is "not measured".
test_verdict_classes() {
	expect_eq "holds" "$(lt_class 'holds: no help')" "holds"
	expect_eq "holds, by" "$(lt_class 'holds, by aborting')" "holds"
	expect_eq "holds only when" "$(lt_class 'holds only when the TIME_WAIT is old')" "holds only when"
	expect_eq "does not hold" "$(lt_class 'does not hold exactly: a race')" "does not hold"
	expect_eq "does not apply" "$(lt_class 'does not apply: removed in 4.12')" "does not apply"
	expect_eq "not measured" "$(lt_class 'not measured here: it exists')" "not measured"
	expect_eq "unknown" "$(lt_class 'maybe')" "not measured"
	lt_verdict "holds only when: see" || die "holds only when returned non-zero"
	lt_verdict "does not hold here" && die "does not hold returned 0"
	return 0
}

# Rule: the table loads one row a line (id, function and its arguments, the lab's columns; the
# last column keeps its bars), --rows takes ids and bare numbers (2: 2a and 2b), anything
# else exits 2; a row runs its function with its arguments and adds its
# markdown line and its verdict to --csv.
test_table_and_rows() {
	local LT_TABLE_TEXT='
2a | t_row one | first | a | b
2b | t_row two  | second | x | y | z
10 | t_row ten |   third | - | -
' LT_COLUMNS=(claim c1 c2) LT_MARKDOWN=("#=id" "claim=claim" "c=\`c2" "v=verdict")
	t_row() { lt_metric n arg "$1"; lt_result "r$1"; lt_verdict "holds: $1"; }
	lt_load
	expect_eq "ids" "${LT_IDS[*]}" "2a 2b 10"
	expect_eq "function" "${LT_FN[1]}" "t_row two"
	expect_eq "last column" "${LT_COL[2b.c2]}" "y | z"
	expect_eq "list" "$(lt_list | sed -n 2p)" $'2b\tt_row\ttwo\tsecond'
	lt_select 10,2
	expect_eq "selected" "$LT_SELECTED" "10 2a 2b"
	( lt_select 3 ) 2>/dev/null
	expect_eq "--rows 3 exit" $? 2
	( lt_select 2a,,2b ) 2>/dev/null
	expect_eq "--rows 2a,,2b exit" $? 2
	lt_csv_open "$(tmpdir)/t.csv"
	lt_run_row 2b || die "row 2b: status $?"
	expect_eq "markdown" "${LT_LINES[0]}" '| 2b | second | `y | z` | holds: two |'
	expect_eq "csv" "$(lab_csv_get "$LT_CSV" row,case,metric,value | paste -sd';')" \
		"2b n arg two;2b verdict class holds;2b verdict text holds: two;2b result text rtwo"
}

# Rule: the table for a terminal fits 120 columns whatever the rows say: each row's id, its
# verdict class and the figure that decided it (the result when the row names no figure),
# wrapped at words with every word kept; --out gets the full markdown instead (every column,
# the verdict's whole text) and the CSV the figure; remedies.sh's own rows, run through their
# judges with their real widest texts, fit too.
test_terminal_table() {
	local long="" i out md w
	for i in $(seq 1 40); do long+="word$i=$((i * 1000)) "; done
	local LT_TABLE_TEXT='
1a  | t_fig fig | a claim | x
12b | t_res     | a claim that is long enough | y
' LT_COLUMNS=(claim c1) LT_MARKDOWN=("#=id" "claim=claim" "this kernel=result" "verdict=verdict")
	LT_HOOK_HEADING=t_heading LT_TERM=() LT_LINES=()
	t_heading() { echo "Measured here."; }
	t_fig() { lt_result "the whole result, $long"; lt_figure "P=200: 0/200"; lt_verdict "holds only when: the TIME_WAIT is older than the reuse delay and timestamps were on"; }
	t_res() { lt_result "$long"; lt_verdict "does not hold here: $long"; }
	lt_load
	lt_csv_open "$(tmpdir)/f.csv"
	lt_run_row 1a
	lt_run_row 12b
	out=$(lt_print_terminal)
	w=$(awk '{ if (length > m) m = length } END { print m + 0 }' <<<"$out")
	[ "$w" -le 120 ] || die "a line of $w columns: $out"
	grep -Eq '^1a +holds only when +P=200: 0/200$' <<<"$out" || die "row 1a: $out"
	grep -Eq '^12b +does not hold +word1=1000 ' <<<"$out" || die "row 12b: $out"
	expect_eq "every word of 12b's result" "$(sed -n '/^12b/,/^$/p' <<<"$out" | grep -o 'word[0-9]*=[0-9]*' | wc -l)" 40
	grep -q 'timestamps were on' <<<"$out" && die "the verdict's words in the terminal table: $out"
	expect_eq "figure in the CSV" "$(lab_csv_get "$LT_CSV" value row=1a case=figure)" "P=200: 0/200"
	md=$(lt_print)
	grep -q '^| 1a | a claim | the whole result, word1=1000 .* | holds only when: the TIME_WAIT is older than the reuse delay and timestamps were on |$' <<<"$md" ||
		die "the full row: $md"
	# remedies.sh's rows, each judge given the inputs of a real run
	LT_TERM=()
	expect_class "does not hold" rm_judge_reuseaddr p=200 plain=0 plain_reuseaddr=0 bind=0 autobind=76 \
		autobind_cause=connect/EADDRNOTAVAIL=124 autobind_recycled=76 autobind_second=0 fixed_both=1 \
		fixed_both_recycled=1 fixed_second=0
	LT_TERM+=("1d"$'\t'"does not hold"$'\t'"${LT_FIGURE:-$LT_RESULT}")
	expect_class holds rm_judge_sources p=200 n=100 "src1=200 2" "src2=400 4" "src4=800 8"
	LT_TERM+=("5"$'\t'"holds"$'\t'"${LT_FIGURE:-$LT_RESULT}")
	out=$(lt_print_terminal)
	w=$(awk '{ if (length > m) m = length } END { print m + 0 }' <<<"$out")
	[ "$w" -le 120 ] || die "a line of $w columns: $out"
	grep -Eq '^1d +does not hold +connect\(\): 0/200 with it' <<<"$out" || die "row 1d: $out"
}

# Rule: every remedies judge gives each verdict class it can give from inputs that must give
# it (rows 1a-1f: the bind-mode matrix, SO_REUSEADDR, D destinations, the poisoned ports).
test_remedies_judges_bind() {
	expect_class holds rm_judge_pools p=200 none=200 bind=0 bind_fill=200
	expect_class "does not hold" rm_judge_pools p=200 none=200 bind=200 bind_fill=200
	expect_class "does not hold" rm_judge_pools p=200 none=200 bind=0 bind_fill=100
	expect_class holds rm_judge_bind_reuse p=200 none=200 bind=0
	expect_class "does not hold" rm_judge_bind_reuse p=200 none=0 bind=0
	local same=(p=200 noport.r0.d1=0 none.r0.d1=0 noport.r0.d2=200 none.r0.d2=200 noport.r1.d1=200
		none.r1.d1=200 noport.r1.d2=200 none.r1.d2=200)
	expect_class holds rm_judge_noport "${same[@]}"
	expect_class "does not hold" rm_judge_noport "${same[@]}" noport.r1.d1=0
	local ra=(p=200 plain=0 plain_reuseaddr=0 bind=0 autobind=76 autobind_cause=x autobind_recycled=76
		autobind_second=0 fixed_both=1 fixed_both_recycled=1 fixed_second=0)
	expect_class "does not hold" rm_judge_reuseaddr "${ra[@]}"
	expect_class "holds only when" rm_judge_reuseaddr "${ra[@]}" plain_reuseaddr=200
	local sp=(p=200 d=4 kinds="ports addrs" ports.none=800 ports.bind0=200 ports.noport=800
		addrs.none=800 addrs.bind0=200 addrs.noport=800)
	expect_class holds rm_judge_spread "${sp[@]}"
	expect_class "does not hold" rm_judge_spread "${sp[@]}" addrs.bind0=800
	expect_class "not measured" rm_judge_spread p=200 d=4 kinds=
	expect_class holds rm_judge_poison p=200 poison=0 cause=x control=200
	expect_class "does not hold" rm_judge_poison p=200 poison=200 cause=- control=200
}

# Rule: every remedies judge gives each verdict class it can give from inputs that must give
# it (rows 2-13: sysctls, client and server options, memory, rate).
test_remedies_judges_kernel() {
	local ts=(p=200 both_on=200 both_on.recycled=200 client_off=0 client_off.recycled=0 server_off=0
		server_off.recycled=0)
	expect_class holds rm_judge_timestamps "${ts[@]}"
	expect_class "does not hold" rm_judge_timestamps "${ts[@]}" server_off.recycled=3
	local bk=(p=300 all=800 buckets=100 fin=800 ovf=700 tw=100 default=300)
	expect_class holds rm_judge_buckets "${bk[@]}"
	expect_class "does not hold" rm_judge_buckets "${bk[@]}" ovf=699
	expect_class holds rm_judge_wall loops=7 n=100 "p250=250 2 250" "p500=500 5 500"
	expect_class "does not hold" rm_judge_wall loops=7 n=100 "p250=250 2 250" "p500=500 4 500"
	expect_class holds rm_judge_sources p=200 n=100 "src1=200 2" "src2=400 4" "src4=800 8"
	expect_class "does not hold" rm_judge_sources p=200 n=100 "src1=200 2" "src2=200 2" "src4=800 8"
	local sf=(p=200 all=400 fin=400 ctw=0 stw=100 base=200)
	expect_class holds rm_judge_server_first "${sf[@]}"
	expect_class "does not hold" rm_judge_server_first "${sf[@]}" ctw=1
	expect_class holds rm_judge_requests requests=200 "k1=200 200" "k10=20 20"
	expect_class "does not hold" rm_judge_requests requests=200 "k1=200 200" "k10=20 200"
	expect_class "not measured" rm_judge_requests requests=200
	local or=(p=200 fw2=200 fin=0 cause=x recycled=0 base=200 base_r=199)
	expect_class holds rm_judge_orphan "${or[@]}"
	expect_class "does not hold" rm_judge_orphan "${or[@]}" fin=200
	expect_class "does not hold" rm_judge_orphan "${or[@]}" fw2=0
	expect_class holds rm_judge_memory want=10000 fin=10000 tw=9000 size=256 delta=1
	expect_class "not measured" rm_judge_memory want=10000 fin=10000 tw=8999 size=256 delta=1
	expect_class "not measured" rm_judge_memory want=10000 fin=10000 tw=10000 size=0 delta=1
	expect_class "does not apply" rm_judge_recycle sysctl=absent kernel=6.18
	expect_class "not measured" rm_judge_recycle sysctl=present kernel=4.9
	local li=(p=200 all=400 fin=400 tw=0 rst=400 base=200)
	expect_class holds rm_judge_linger "${li[@]}"
	expect_class "does not hold" rm_judge_linger "${li[@]}" rst=399
	expect_class holds rm_judge_reuseport all=400 fin=200 base=200
	expect_class "does not hold" rm_judge_reuseport all=400 fin=400 base=200
	local rd=(p=200 have_delay=1 young=99 old=200 fill_s=0.05)
	expect_class "holds only when" rm_judge_reuse_delay "${rd[@]}"
	expect_class "does not hold" rm_judge_reuse_delay "${rd[@]}" young=100
	expect_class "holds only when" rm_judge_reuse_delay "${rd[@]}" have_delay=0 young=200
	expect_class "does not hold" rm_judge_reuse_delay "${rd[@]}" have_delay=0 old=199
	local ra=(p=200 rate="400 2" rate_on="120 3" off_fin=200 off_first=0.5 on_failed=0 on_fin=360)
	expect_class holds rm_judge_rate "${ra[@]}"
	expect_class holds rm_judge_rate "${ra[@]}" off_first=0.8
	expect_class "does not hold" rm_judge_rate "${ra[@]}" off_first=0.81
	expect_class "does not hold" rm_judge_rate "${ra[@]}" off_first=none
	expect_class "not measured" rm_judge_rate rate=none
}

# Rule: proxies.sh's rate rows (t2, n7): P finish and the first failure comes at P/R s, from
# 0.1 s before to 0.3 s after, whatever the client's own start lag: a client that starts
# connections late (here 0.4 s late, and saying so in lag_ms_max) fails the row.
test_proxies_rate_judge() {
	# kind P R duration finished failed failed_by first lag_ms_max log_lines
	expect_class holds px_judge_rate haproxy 200 400 1 200 200 "" 0.52 3 200
	expect_class holds px_judge_rate nginx 200 400 1 200 200 status/502=200 0.79 3 200
	expect_class "does not hold" px_judge_rate haproxy 200 400 1 200 200 "" 0.9 450 200
	expect_class "does not hold" px_judge_rate nginx 200 400 1 200 200 status/502=200 0.81 350 200
	expect_class "does not hold" px_judge_rate haproxy 200 400 1 200 200 "" 0.39 3 200
	expect_class "does not hold" px_judge_rate haproxy 200 400 1 199 201 "" 0.5 3 200
	expect_class "does not hold" px_judge_rate haproxy 200 400 1 400 0 "" "" 3 0
}

run_tests
