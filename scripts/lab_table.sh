# shellcheck shell=bash disable=SC2034 # sets TWTEST and the LT_ state its labs read
# scripts/lab_table.sh: the table runner the labs share (scripts/remedies.sh, scripts/proxies.sh;
# sourced after scripts/lab.sh). A lab is a table and one function a row, in the manner of the
# kernel selftests' net/pmtu.sh: each row names its function (and the function's arguments,
# so rows of one shape share one function), the function measures and returns its result,
# and one loop runs the rows asked for. This file loads the table, selects rows (--rows,
# --list), runs them, classes the verdicts, and writes the markdown table and the CSV.
#
# A lab sets, then calls lt_load and lt_main "$@":
#   LT_NAME          its name, for messages ("remedies")
#   LT_TABLE_TEXT    the table: "id | function [args] | column | ..." a line
#   LT_COLUMNS       the names of the columns after the function, one of them "claim"
#   LT_MARKDOWN      the markdown table's columns, "heading=field" each: a column of the table,
#                    or a row's result (prediction, result, verdict); "heading=`field" sets
#                    the field as code
#   LT_OPTIONS       the lab's own options, each with a value ("--tw"), space-separated
#   LT_HOOK_OPTION   NAME: NAME OPTION VALUE takes one of them (exit 2 on a bad value)
#   LT_HOOK_USAGE    NAME: prints the lab's --help
#   LT_HOOK_START    NAME: run once before the rows, after the options (checks, set-up)
#   LT_HOOK_HEADING  NAME: prints the markdown's first line ("Measured on ...")
#   LT_HOOK_FOOTER   NAME (optional): prints what follows the table
#
# A row function measures, records every number with lt_metric CASE METRIC VALUE, and ends
# with lt_verdict TEXT (after lt_result TEXT, the measurement in words, and, where the lab
# predicts, lt_predict TEXT; lt_figure TEXT, optional, the few numbers that decided the
# verdict, for the terminal table: without it the table shows the result). Its status is
# lt_verdict's: 0 when the claim holds (also only when), 1 when not. The verdict's first words
# are its class, one of LT_CLASSES.
#
# Output: on stdout a table for a terminal, at most LT_WIDTH (120) columns: row, verdict
# class, the figure (wrapped at words); the full markdown table (every column, the verdicts'
# whole text) goes to --out FILE, and every number to --csv FILE.
#
# --csv writes "row,case,metric,value" (that header first), every field quoted as RFC 4180
# asks (in double quotes when it holds a comma, a quote or a line break; quotes doubled); per
# row also "ID,verdict,class,CLASS", "ID,verdict,text,...", "ID,result,text,...", where the
# lab predicts "ID,prediction,text,..." and where the row names it "ID,figure,text,...".

# The verdict classes, the longest first: a verdict's text starts with one of them.
LT_CLASSES=("holds only when" "holds" "does not hold" "does not apply" "not measured")

LT_IDS=() LT_FN=()          # the rows: id and function with its arguments, one index a row
declare -A LT_COL=()        # the other columns, by "ID.column"
LT_SELECTED=""              # the row ids to run, space-separated (empty: every row)
LT_OUT="" LT_CSV="" LT_LIST=0
LT_ROW="" LT_RESULT="" LT_PRED="" LT_VERDICT="" LT_FIGURE=""  # the row running and what it returned
LT_LINES=()                 # the markdown rows so far
LT_TERM=()                  # the terminal table's rows so far: "ID<tab>CLASS<tab>FIGURE"
LT_WIDTH=${LT_WIDTH:-120}   # the terminal table's width

lt_die() { echo "$LT_NAME: $*" >&2; exit 1; }
lt_note() { echo "$LT_NAME: $*" >&2; }
lt_usage_error() { echo "$LT_NAME: $*" >&2; exit 2; }

# lt_trim TEXT: TEXT without leading and trailing blanks; lt_trim_to VAR TEXT sets VAR to it
# (no subshell: the table's load forks nothing, a few hundred forks took seconds under load).
lt_trim() { local t; lt_trim_to t "$1"; echo "$t"; }
lt_trim_to() { local _lt_s=$2; _lt_s=${_lt_s#"${_lt_s%%[![:space:]]*}"}; printf -v "$1" '%s' "${_lt_s%"${_lt_s##*[![:space:]]}"}"; }

# lt_load: LT_TABLE_TEXT into LT_IDS, LT_FN and LT_COL. A line is split at its first
# len(LT_COLUMNS) + 1 bars: the last column may hold bars of its own.
lt_load() {
	local line id fn rest name i v
	LT_IDS=() LT_FN=() LT_COL=()
	while IFS= read -r line; do
		lt_trim_to v "$line"
		[ -n "$v" ] || continue
		lt_trim_to id "${line%%|*}"; rest=${line#*|}
		lt_trim_to fn "${rest%%|*}"; rest=${rest#*|}
		LT_IDS+=("$id") LT_FN+=("$fn")
		for i in "${!LT_COLUMNS[@]}"; do
			name=${LT_COLUMNS[i]}
			if [ $((i + 1)) = ${#LT_COLUMNS[@]} ]; then lt_trim_to v "$rest"
			else lt_trim_to v "${rest%%|*}"; rest=${rest#*|}; fi
			LT_COL[$id.$name]=$v
		done
	done <<<"$LT_TABLE_TEXT"
}

# lt_list: one line a row: id, function, its arguments, claim (tab-separated).
lt_list() {
	local i f
	for i in "${!LT_IDS[@]}"; do
		read -r -a f <<<"${LT_FN[i]}"
		printf '%s\t%s\t%s\t%s\n' "${LT_IDS[i]}" "${f[0]}" "${f[*]:1}" "${LT_COL[${LT_IDS[i]}.claim]}"
	done
}

# lt_select LIST: the rows LIST (comma-separated) names, into LT_SELECTED: an id, or a bare
# number for every row of that number with a letter after it (1: 1a-1f; 12: 12 and 12b).
# Exit 2 on anything else.
lt_select() {
	local item id found
	[[ $1 =~ ^[a-z0-9]+(,[a-z0-9]+)*$ ]] ||
		lt_usage_error "invalid --rows '$1': must be row ids, comma-separated (--list shows them)"
	LT_SELECTED=""
	for item in ${1//,/ }; do
		found=0
		for id in "${LT_IDS[@]}"; do
			if [ "$id" = "$item" ] || { [[ $item =~ ^[0-9]+$ ]] && [[ $id =~ ^${item}[a-z]?$ ]]; }; then
				[[ " $LT_SELECTED " == *" $id "* ]] || LT_SELECTED+="${LT_SELECTED:+ }$id"
				found=1
			fi
		done
		[ $found = 1 ] || lt_usage_error "invalid --rows '$1': '$item' is no row (--list shows them)"
	done
}

# lt_parse ARGS...: the options every lab has; the lab's own (LT_OPTIONS) go to
# LT_HOOK_OPTION with their value.
lt_parse() {
	while [ $# -gt 0 ]; do
		case " --rows --out --csv --twtest $LT_OPTIONS -h --help --list " in
		*" $1 "*) ;;
		*) lt_usage_error "unexpected argument '$1'" ;;
		esac
		case $1 in
		-h|--help) "$LT_HOOK_USAGE"; exit 0 ;;
		--list) LT_LIST=1; shift; continue ;;
		esac
		[ $# -ge 2 ] || lt_usage_error "$1 needs a value"
		case $1 in
		--rows) lt_select "$2" ;;
		--out) LT_OUT=$2 ;;
		--csv) LT_CSV=$2 ;;
		--twtest) TWTEST=$2 ;;
		*) "$LT_HOOK_OPTION" "$1" "$2" ;;
		esac
		shift 2
	done
}

# lt_csv_field TEXT: TEXT as one CSV field: in double quotes, its quotes doubled, when it
# holds a comma, a double quote, a carriage return or a line feed (RFC 4180).
lt_csv_field() {
	local s=$1
	if [[ $s == *[,\"$'\r\n']* ]]; then s=${s//\"/\"\"}; printf '"%s"\n' "$s"; else printf '%s\n' "$s"; fi
}

# lt_csv_line FIELD...: one CSV line of these fields.
lt_csv_line() {
	local f line="" sep=""
	for f in "$@"; do line+="$sep$(lt_csv_field "$f")" sep=,; done
	printf '%s\n' "$line"
}

# lt_metric CASE METRIC VALUE: one number of the row running, for --csv.
lt_metric() { [ -z "$LT_CSV" ] || lt_csv_line "$LT_ROW" "$1" "$2" "$3" >>"$LT_CSV"; }

# lt_csv_open FILE: --csv FILE, started with its header.
lt_csv_open() { LT_CSV=$1; echo "row,case,metric,value" >"$LT_CSV"; }

# lt_result TEXT, lt_predict TEXT: the row's measurement and prediction, in words.
lt_result() { LT_RESULT=$1; }
lt_predict() { LT_PRED=$1; }
# lt_figure TEXT: the few numbers that decided the row's verdict (the terminal table's).
lt_figure() { LT_FIGURE=$1; }

# lt_class VERDICT: the verdict's class (its first words; "not measured" if none fits).
lt_class() {
	local c
	for c in "${LT_CLASSES[@]}"; do
		[[ $1 == "$c"* ]] && { echo "$c"; return; }
	done
	echo "not measured"
}

# lt_verdict TEXT: the row's verdict; status 0 when its class is "holds" or "holds only when".
lt_verdict() {
	LT_VERDICT=$1
	case $(lt_class "$1") in holds*) return 0 ;; *) return 1 ;; esac
}

# lt_holds OK [TEXT]: the verdict "holds" (TEXT after it) when OK is 1, else "does not hold
# here".
lt_holds() {
	if [ "$1" = 1 ]; then lt_verdict "holds${2:-}"; else lt_verdict "does not hold here"; fi
}

# lt_index ID: the index of row ID, or status 1.
lt_index() {
	local i
	for i in "${!LT_IDS[@]}"; do [ "${LT_IDS[i]}" = "$1" ] && { echo "$i"; return 0; }; done
	return 1
}

# lt_md_row ID: the row's markdown line from LT_MARKDOWN.
lt_md_row() {
	local spec field v line="|"
	for spec in "${LT_MARKDOWN[@]}"; do
		field=${spec#*=}
		case ${field#\`} in
		id) v=$1 ;;
		prediction) v=$LT_PRED ;;
		result) v=$LT_RESULT ;;
		verdict) v=$LT_VERDICT ;;
		*) v=${LT_COL[$1.${field#\`}]} ;;
		esac
		[[ $field == \`* ]] && v="\`$v\`"
		line+=" $v |"
	done
	echo "$line"
}

# lt_run_row ID: run row ID's function with its arguments; its markdown line, its verdict,
# result and prediction to --csv. Returns the row function's status.
lt_run_row() {
	local i f rc=0
	i=$(lt_index "$1") || lt_die "no row '$1'"
	LT_ROW=$1 LT_RESULT="" LT_PRED="" LT_VERDICT="" LT_FIGURE=""
	read -r -a f <<<"${LT_FN[i]}"
	"${f[@]}" || rc=$?
	LT_LINES+=("$(lt_md_row "$1")")
	LT_TERM+=("$1"$'\t'"$(lt_class "$LT_VERDICT")"$'\t'"${LT_FIGURE:-$LT_RESULT}")
	lt_metric verdict class "$(lt_class "$LT_VERDICT")"
	lt_metric verdict text "$LT_VERDICT"
	lt_metric result text "$LT_RESULT"
	[ -z "$LT_PRED" ] || lt_metric prediction text "$LT_PRED"
	[ -z "$LT_FIGURE" ] || lt_metric figure text "$LT_FIGURE"
	return $rc
}

# lt_print: the markdown: the lab's heading, the table, the lab's footer.
lt_print() {
	local spec head="|" rule="|"
	"$LT_HOOK_HEADING"
	echo
	for spec in "${LT_MARKDOWN[@]}"; do head+=" ${spec%%=*} |" rule+=" --- |"; done
	echo "$head"
	echo "$rule"
	printf '%s\n' "${LT_LINES[@]}"
	[ -z "${LT_HOOK_FOOTER:-}" ] || "$LT_HOOK_FOOTER"
}

# lt_print_terminal: the lab's heading and the table for a terminal: row, verdict class and
# figure, the figure wrapped at words so that no line is wider than LT_WIDTH; then where the
# full table is.
lt_print_terminal() {
	local r id class fig idw=3 head wrap first line
	for r in "${LT_TERM[@]}"; do id=${r%%$'\t'*}; [ ${#id} -le $idw ] || idw=${#id}; done
	"$LT_HOOK_HEADING" | fold -s -w "$LT_WIDTH" | sed 's/ *$//'
	echo
	head=$((idw + 2 + 15 + 2))   # row, two blanks, the longest class ("holds only when"), two
	wrap=$((LT_WIDTH - head))
	printf "%-${idw}s  %-15s  %s\n" row verdict "the figure that decided it"
	for r in "${LT_TERM[@]}"; do
		IFS=$'\t' read -r id class fig <<<"$r"
		first=1
		while IFS= read -r line; do
			line=${line%"${line##*[! ]}"}
			if [ $first = 1 ]; then printf "%-${idw}s  %-15s  %s\n" "$id" "$class" "$line"; first=0
			else printf "%${head}s%s\n" "" "$line"; fi
		done < <(fold -s -w "$wrap" <<<"${fig:--}")
	done
	echo
	if [ -n "$LT_OUT" ]; then echo "The full table (every column, each verdict in words): $LT_OUT"
	else echo "The full table (every column, each verdict in words): --out FILE (markdown); every number: --csv FILE"; fi
}

# lt_main ARGS...: options, then every row selected in the table's order, then the table for
# a terminal on stdout, and the markdown to --out.
lt_main() {
	lt_parse "$@"
	if [ "$LT_LIST" = 1 ]; then lt_list; exit 0; fi
	[ "$(id -u)" = 0 ] || lt_die "needs root to make network namespaces"
	"$(lab_twtest)" --help >/dev/null 2>&1 || lt_die "no twtest binary (make, or --twtest PATH)"
	[ -z "$LT_CSV" ] || lt_csv_open "$LT_CSV"
	lab_trap
	"$LT_HOOK_START"
	local id t0
	for id in "${LT_IDS[@]}"; do
		[ -z "$LT_SELECTED" ] || [[ " $LT_SELECTED " == *" $id "* ]] || continue
		t0=$SECONDS
		lt_run_row "$id"
		lt_note "row $id done in $((SECONDS - t0)) s: $(lt_class "$LT_VERDICT")"
	done
	if [ -n "$LT_OUT" ]; then lt_print >"$LT_OUT" || lt_die "cannot write $LT_OUT"; fi
	lt_print_terminal
}
