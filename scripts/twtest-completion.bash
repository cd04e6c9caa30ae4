# bash completion for twtest: the subcommands, their options, and the fixed values of the
# options that have them. `make install` puts it where bash-completion finds it
# ($(PREFIX)/share/bash-completion/completions/twtest); or `source` it.
# The tables below follow the parsers (src/*_cli.c); tests/integration/completion.sh
# proves that they agree with `twtest --help`, `twtest SUB --help` and the parsers' errors.
# A new subcommand is one more line in each of the first two tables.

# _twtest_options SUB: SUB's long options, one a word; a word ending in '=' takes a value.
_twtest_options() {
	case $1 in
	client) echo "--port= --payload= --timeout= --close= --reuseport --linger --reuseaddr
		--bind= --bind-no-port --local-port-range= --interval= --requests-per-conn=
		--threads= --format= --fail-on-error --wait-clear --wait-clear-timeout= --no-observe
		--rate= --duration= --max-inflight= --report-interval= --sequential
		--source-port= --read-delay= --on-eof= --close-after= --close-on-data
		--report-conns --help" ;;
	server) echo "--port= --bind= --close= --payload= --no-reuseaddr --backlog= --max-conns=
		--idle-timeout= --threads= --greeting= --close-after= --on-eof= --help" ;;
	stat) echo "--port= --format= --watch= --wait-clear --timeout= --help" ;;
	ports) echo "--top= --dst= --dport= --interval= --watch= --format= --fail-above= --help" ;;
	esac
}

# _twtest_values SUB OPTION: the values OPTION takes, when they are a fixed set.
_twtest_values() {
	case "$1 $2" in
	"client --close") echo "client server shutdown" ;;
	"client --format") echo "text csv json" ;;
	"client --on-eof") echo "close shutdown ignore" ;;
	"server --close") echo "wait first rst" ;;
	"server --on-eof") echo "close ignore write:" ;;
	"stat --format") echo "text json" ;;
	"ports --format") echo "text json prom" ;;
	esac
}

# The subcommands: those _twtest_options knows.
_twtest_subcommands() {
	echo "client server stat ports"
}

# Does SUB's option OPT (long, or -p) take a value?
_twtest_takes_value() {
	[ "$2" = -p ] && return 0
	[[ " $(_twtest_options "$1") " == *[[:space:]]"$2="[[:space:]]* ]]
}

_twtest() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev="" opt="" val="" i w
	[ "$COMP_CWORD" -gt 0 ] && prev=${COMP_WORDS[COMP_CWORD - 1]}
	COMPREPLY=()
	if [ "$COMP_CWORD" -eq 1 ]; then
		COMPREPLY=($(compgen -W "$(_twtest_subcommands) --help --version" -- "$cur"))
		return 0
	fi
	local sub=${COMP_WORDS[1]}
	# The value of an option: "--opt VAL", "--opt=VAL" in one word, or in three words
	# ("--opt" "=" "VAL") when '=' breaks words (bash's default COMP_WORDBREAKS).
	if [[ $cur == --*=* ]]; then
		opt=${cur%%=*} val=${cur#*=}
	elif [ "$cur" = "=" ]; then
		opt=$prev
	elif [ "$prev" = "=" ] && [ "$COMP_CWORD" -ge 3 ]; then
		opt=${COMP_WORDS[COMP_CWORD - 2]} val=$cur
	elif [[ $prev == -* ]] && _twtest_takes_value "$sub" "$prev"; then
		opt=$prev val=$cur
	fi
	if [ -n "$opt" ]; then
		COMPREPLY=($(compgen -W "$(_twtest_values "$sub" "$opt")" -- "$val"))
		[[ $cur == --*=* ]] && COMPREPLY=("${COMPREPLY[@]/#/$opt=}")
		[[ ${COMPREPLY[0]:-} == *: ]] && compopt -o nospace 2>/dev/null # write:TEXT
		return 0
	fi
	[[ $cur == -* ]] || return 0
	# Options not on the line yet: each may be given once.
	local offer=()
	for w in $(_twtest_options "$sub"); do
		w=${w%=}
		for ((i = 2; i < COMP_CWORD; i++)); do
			[ "${COMP_WORDS[i]}" = "$w" ] || [[ ${COMP_WORDS[i]} == "$w="* ]] && continue 2
		done
		offer+=("$w")
	done
	COMPREPLY=($(compgen -W "${offer[*]}" -- "$cur"))
}

complete -F _twtest twtest
