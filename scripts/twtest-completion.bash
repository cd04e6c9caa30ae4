# bash completion for twtest: the subcommands, their options, and the fixed values of the
# options that have them. `make install` puts it where bash-completion finds it
# ($(PREFIX)/share/bash-completion/completions/twtest); or `source` it.
# It keeps no table: it asks the program being completed. `twtest --list-options` prints the
# subcommands and the top-level options, `twtest SUB --list-options` SUB's options, one a
# line: "--name" (no value), "--name=" (a free value) or "--name V1 V2..." (one of fixed
# values). tests/integration/completion.sh checks it against `--help` and the parsers.

# _twtest_list PROG [SUB]: what PROG [SUB] --list-options prints.
_twtest_list() {
	"$1" ${2:+"$2"} --list-options 2>/dev/null
}

# _twtest_subcommands PROG: the subcommands, one a line.
_twtest_subcommands() {
	_twtest_list "$1" | grep -v '^-'
}

# _twtest_options PROG SUB: SUB's long options, one a line; a name ending in '=' takes a value.
_twtest_options() {
	_twtest_list "$1" "$2" | awk '{ print (NF > 1 && $1 !~ /=$/) ? $1 "=" : $1 }'
}

# _twtest_values PROG SUB OPTION: the values OPTION takes, when they are a fixed set.
_twtest_values() {
	_twtest_list "$1" "$2" | awk -v opt="$3" '{ n = $1; sub(/=$/, "", n) }
		n == opt { for (i = 2; i <= NF; i++) print $i }'
}

# Does PROG SUB's option OPT (long, or -p) take a value?
_twtest_takes_value() {
	[ "$3" = -p ] && return 0
	_twtest_options "$1" "$2" | grep -qxF -- "$3="
}

_twtest() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev="" opt="" val="" i w
	local prog=${COMP_WORDS[0]}
	[ "$COMP_CWORD" -gt 0 ] && prev=${COMP_WORDS[COMP_CWORD - 1]}
	COMPREPLY=()
	if [ "$COMP_CWORD" -eq 1 ]; then
		COMPREPLY=($(compgen -W "$(_twtest_list "$prog")" -- "$cur"))
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
	elif [[ $prev == -* ]] && _twtest_takes_value "$prog" "$sub" "$prev"; then
		opt=$prev val=$cur
	fi
	if [ -n "$opt" ]; then
		COMPREPLY=($(compgen -W "$(_twtest_values "$prog" "$sub" "$opt")" -- "$val"))
		[[ $cur == --*=* ]] && COMPREPLY=("${COMPREPLY[@]/#/$opt=}")
		[[ ${COMPREPLY[0]:-} == *: ]] && compopt -o nospace 2>/dev/null # write:TEXT
		return 0
	fi
	[[ $cur == -* ]] || return 0
	# Options not on the line yet: each may be given once.
	local offer=()
	for w in $(_twtest_options "$prog" "$sub"); do
		w=${w%=}
		for ((i = 2; i < COMP_CWORD; i++)); do
			[ "${COMP_WORDS[i]}" = "$w" ] || [[ ${COMP_WORDS[i]} == "$w="* ]] && continue 2
		done
		offer+=("$w")
	done
	COMPREPLY=($(compgen -W "${offer[*]}" -- "$cur"))
}

complete -F _twtest twtest
