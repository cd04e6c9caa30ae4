# Bad command lines, table-driven: every option of client and server with a missing,
# empty, malformed, negative, zero, huge and wrong-type value, unknown and repeated options,
# flags given a value, conflicting options and bad positional arguments.
. "$(dirname "$0")/../lib.sh"

# One case a line: "WANT<TAB>ARGS". ARGS is split like a shell command line (quotes work,
# $'..' too); WANT must appear in the one-line error. "D" stands for the valid positional
# arguments "127.0.0.1 1 1".
read -r -d '' CASES <<'EOF'
'--port' needs a value	client D --port
--port ''	client --port '' D
--port '12x'	client --port 12x D
--port '-1'	client --port -1 D
--port '0'	client --port 0 D
--port '65536'	client --port 65536 D
--port '99999999999999999999'	client --port 99999999999999999999 D
--port 'abc'	client -p abc D
'-p' needs a value	client D -p
'--port' given more than once	client -p 1 --port 2 D
--payload ''	client --payload= D
--payload '-1'	client --payload -1 D
--payload '65m'	client --payload 65m D
--payload '99999999999g'	client --payload 99999999999g D
--payload '1.5k'	client --payload 1.5k D
--payload 'lots'	client --payload lots D
'--payload' needs a value	client D --payload
'--payload' given more than once	client --payload 1 --payload 1 D
--timeout '0'	client --timeout 0 D
--timeout '-5'	client --timeout=-5 D
--timeout '3600001'	client --timeout 3600001 D
--timeout '1e3'	client --timeout 1e3 D
--timeout '-5s': must not be negative	client --timeout -5s D
--timeout '0ms': must not be zero (1ms-1h; a bare number is in milliseconds)	client --timeout 0ms D
--timeout ' 5'	client --timeout ' 5' D
'--timeout' needs a value	client D --timeout
'--timeout' given more than once	client --timeout 1 --timeout 1 D
--interval '-1'	client --interval -1 D
--interval '3600001'	client --interval 3600001 D
--interval 'soon'	client --interval soon D
'--interval' needs a value	client D --interval
'--interval' given more than once	client --interval 0 --interval 0 D
--close 'never'	client --close never D
--close 'CLIENT'	client --close CLIENT D
--close ''	client --close '' D
'--close' needs a value	client D --close
'--close' given more than once	client --close client --close server D
--format 'xml'	client --format xml D
--format '1'	client --format 1 D
'--format' needs a value	client D --format
'--format' given more than once	client --format csv --format json D
--bind 'nowhere'	client --bind nowhere D
--bind ''	client --bind '' D
--bind '300.1.1.1'	client --bind 300.1.1.1 D
--bind '127.0.0.1:80'	client --bind 127.0.0.1:80 D
'--bind' needs a value	client D --bind
'--bind' given more than once	client --bind 127.0.0.1 --bind 127.0.0.1 D
--bind '198.18.255.254': this host has no address 198.18.255.254 (ip -br addr lists its own); --freebind binds it anyway	client --bind 198.18.255.254 D
--bind '127.0.0.1,198.18.255.250-198.18.255.254': this host has no address 198.18.255.250	client --bind 127.0.0.1,198.18.255.250-198.18.255.254 D
'--freebind' takes no value	client --freebind=1 D
'--freebind' given more than once	client --bind 127.0.0.1 --freebind --freebind D
--freebind needs --bind ADDR	client --freebind D
--local-port-range '9-1'	client --local-port-range 9-1 D
--local-port-range '0-10'	client --local-port-range 0-10 D
--local-port-range '1-65536'	client --local-port-range 1-65536 D
--local-port-range '5'	client --local-port-range 5 D
--local-port-range 'a-b'	client --local-port-range a-b D
--local-port-range ''	client --local-port-range '' D
'--local-port-range' needs a value	client D --local-port-range
'--local-port-range' given more than once	client --local-port-range 1-2 --local-port-range 1-2 D
--threads '0'	client --threads 0 D
--threads '-2'	client --threads -2 D
--threads '99999999999'	client --threads 99999999999 D
--threads 'x'	client --threads x D
--threads 2 is more than CONNS 1	client --threads 2 D
'--threads' needs a value	client D --threads
'--threads' given more than once	client --threads 1 --threads 1 D
'--reuseport' takes no value	client --reuseport=1 D
'--reuseport' given more than once	client --reuseport --reuseport D
'--linger' takes no value	client --linger=0 D
'--linger' given more than once	client --linger --linger D
'--reuseaddr' takes no value	client --reuseaddr=yes D
'--reuseaddr' given more than once	client --reuseaddr --reuseaddr D
'--bind-no-port' takes no value	client --bind-no-port=1 D
--bind-no-port needs --bind	client --bind-no-port D
'--fail-on-error' takes no value	client --fail-on-error=1 D
'--verbose' takes no value	client --verbose=1 D
'--verbose' given more than once	client -v --verbose D
'--fail-on-error' given more than once	client --fail-on-error --fail-on-error D
'--help' takes no value	client --help=1 D
'--dry-run' takes no value	client --dry-run=1 D
'--dry-run' given more than once	client --dry-run --dry-run D
'--wait-clear' takes no value	client --wait-clear=1 D
'--wait-clear' given more than once	client --wait-clear --wait-clear D
--wait-clear-timeout '-1'	client --wait-clear --wait-clear-timeout -1 D
--wait-clear-timeout '86401'	client --wait-clear --wait-clear-timeout 86401 D
--wait-clear-timeout 'x'	client --wait-clear --wait-clear-timeout x D
'--wait-clear-timeout' needs a value	client --wait-clear D --wait-clear-timeout
--wait-clear-timeout needs --wait-clear	client --wait-clear-timeout 5 D
'--sequential' takes no value	client --sequential=1 D
'--sequential' given more than once	client --sequential --sequential D
--source-port '0'	client --source-port 0 D
--source-port '65536'	client --source-port 65536 D
--source-port 'any'	client --source-port any D
'--source-port' needs a value	client D --source-port
--source-port 5000 conflicts with --local-port-range	client --source-port 5000 --local-port-range 1-2 D
--read-delay '-1'	client --read-delay -1 D
--read-delay '3600001'	client --read-delay 3600001 D
--read-delay '1.5s': unknown unit (ms, s, m or h)	client --read-delay 1.5s D
--read-delay '61m': too large (0-1h; a bare number is in milliseconds)	client --read-delay 61m D
'--read-delay' needs a value	client D --read-delay
--close-after '-1'	client --close-after -1 D
--close-after '3600001'	client --close-after 3600001 D
--close-after 'later'	client --close-after later D
'--close-after' needs a value	client D --close-after
--on-eof 'exit'	client --on-eof exit D
--on-eof ''	client --on-eof '' D
'--on-eof' needs a value	client D --on-eof
'--close-on-data' takes no value	client --close-on-data=1 D
'--close-on-data' given more than once	client --close-on-data --close-on-data D
'--report-conns' takes no value	client --report-conns=1 D
'--no-observe' takes no value	client --no-observe=1 D
'--no-observe' given more than once	client --no-observe --no-observe D
--report-conns needs --format text or json	client --report-conns --format csv D
conflicts with the sequential close-scenario options	client --sequential --threads 2 127.0.0.1 1 2
--linger conflicts with --close=shutdown	client --linger --close shutdown D
--linger conflicts with --close=shutdown	client --close shutdown 127.0.0.1 1 1 0 1
different address families	client --bind ::1 D
'--frobnicate'	client --frobnicate D
'--re'	client --re D
'-x'	client -x D
missing DSTIP	client
--rate '0'	client --rate 0 --duration 1 127.0.0.1
--rate '-1'	client --rate -1 --duration 1 127.0.0.1
--rate '1000001'	client --rate 1000001 --duration 1 127.0.0.1
--rate 'fast'	client --rate fast --duration 1 127.0.0.1
'--rate' needs a value	client 127.0.0.1 --rate
--rate 10 needs --duration S	client --rate 10 127.0.0.1
LOOPS and CONNS are not given with --rate	client --rate 10 --duration 1 D
missing DSTIP	client --rate 10 --duration 1
--payload 0 conflicts with --rate	client --rate 10 --duration 1 --payload 0 127.0.0.1
--interval 5 conflicts with --rate	client --rate 10 --duration 1 --interval 5 127.0.0.1
--close-after 10 conflicts with --rate	client --rate 10 --duration 1 --close-after 10 127.0.0.1
--duration '0'	client --rate 10 --duration 0 127.0.0.1
--duration '3601'	client --rate 10 --duration 3601 127.0.0.1
--duration '61m': too large (1s-1h; a bare number is in seconds)	client --rate 10 --duration 61m 127.0.0.1
--duration '1500ms': not a whole number of seconds	client --rate 10 --duration 1500ms 127.0.0.1
--duration '5sec': unknown unit	client --rate 10 --duration 5sec 127.0.0.1
--duration 5 conflicts with the concurrent loops (it needs --rate or --concurrency)	client --duration 5 D
--duration 3 needs --rate or --concurrency (or give DSTIP LOOPS CONNS without it)	client --duration 3 127.0.0.1
--max-inflight 9 needs --rate (or give DSTIP LOOPS CONNS without it)	client --max-inflight 9 127.0.0.1 1
--requests-per-conn '0'	client --requests-per-conn 0 D
--requests-per-conn '1000001'	client --requests-per-conn 1000001 D
'--requests-per-conn' needs a value	client D --requests-per-conn
--requests-per-conn 2 conflicts with the sequential	client --sequential --requests-per-conn 2 D
--protocol 'gopher'	client --protocol gopher D
'--protocol' needs a value	client D --protocol
--protocol http conflicts with the sequential	client --sequential --protocol http D
--http-path needs --protocol http	client --http-path /x D
--http-path 'x'	client --protocol http --http-path x D
--http-path ''	client --protocol http --http-path '' D
--http-path '/a b'	client --protocol http --http-path '/a b' D
--http-host needs --protocol http	client --http-host h D
--http-host ''	client --protocol http --http-host '' D
--http-host 'a?b'	client --protocol http --http-host $'a\tb' D
--max-response needs --protocol http	client --max-response 1k D
--max-response '0'	client --protocol http --max-response 0 D
--max-response '65m'	client --protocol http --max-response 65m D
--payload conflicts with --protocol http	client --protocol http --payload 10 D
--requests-per-conn conflicts with --protocol connect	client --protocol connect --requests-per-conn 2 D
--concurrency '0'	client --concurrency 0 --duration 1 127.0.0.1
--concurrency '10000001'	client --concurrency 10000001 --duration 1 127.0.0.1
--concurrency 'many'	client --concurrency many --duration 1 127.0.0.1
'--concurrency' needs a value	client 127.0.0.1 --concurrency
--concurrency 5 needs --duration S or --count N	client --concurrency 5 127.0.0.1
--count 5 conflicts with --duration 1	client --concurrency 5 --count 5 --duration 1 127.0.0.1
--count '0'	client --concurrency 5 --count 0 127.0.0.1
--count '1000000001'	client --concurrency 5 --count 1000000001 127.0.0.1
--count 5 conflicts with the concurrent loops (it needs --concurrency)	client --count 5 D
LOOPS and CONNS are not given with --concurrency	client --concurrency 5 --count 5 D
missing DSTIP	client --concurrency 5 --count 5
--threads 3 is more than --concurrency 2	client --concurrency 2 --count 5 --threads 3 127.0.0.1
--concurrency 2 conflicts with --rate	client --rate 10 --duration 1 --concurrency 2 127.0.0.1
--max-inflight 3 conflicts with --concurrency	client --concurrency 2 --count 5 --max-inflight 3 127.0.0.1
--interval 5 conflicts with --concurrency	client --concurrency 2 --count 5 --interval 5 127.0.0.1
--shard 0/2 conflicts with --concurrency	client --concurrency 2 --count 5 --shard 0/2 127.0.0.1
--sequential conflicts with --concurrency	client --concurrency 2 --count 5 --sequential 127.0.0.1
--payload 0 conflicts with --concurrency	client --concurrency 2 --count 5 --payload 0 127.0.0.1
--max-inflight '0'	client --rate 10 --duration 1 --max-inflight 0 127.0.0.1
--max-inflight 'many'	client --rate 10 --duration 1 --max-inflight many 127.0.0.1
--threads 4 is more than --max-inflight 2	client --rate 10 --duration 1 --max-inflight 2 --threads 4 127.0.0.1
--max-inflight 5 conflicts with the concurrent loops	client --max-inflight 5 D
--report-interval '9ms': too small (10ms-1m	client --rate 10 --duration 1 --report-interval 9ms 127.0.0.1
--report-interval '9'	client --rate 10 --duration 1 --report-interval 9 127.0.0.1
--report-interval '60001'	client --rate 10 --duration 1 --report-interval 60001 127.0.0.1
--report-interval 100 conflicts with the concurrent loops	client --report-interval 100 D
--shard '3/3'	client --shard 3/3 D
--shard '0/0'	client --shard 0/0 D
--shard '1'	client --shard 1 D
--shard '-1/2'	client --shard -1/2 D
--shard '0/4097'	client --shard 0/4097 D
--shard '/2'	client --shard /2 D
--shard 2/3 needs CONNS of at least 3	client --shard 2/3 127.0.0.1 1 2
--shard 0/3 needs --rate of at least 3	client --shard 0/3 --rate 2 --duration 1 127.0.0.1
'--shard' given more than once	client --shard 0/2 --shard 1/2 D
--start-at '1000000000': in the past	client --start-at 1000000000 D
--start-at '+90000': more than a day ahead	client --start-at +90000 D
--start-at 'soon'	client --start-at soon D
--start-at '+'	client --start-at + D
--start-at '1.'	client --start-at 1. D
--start-at '+1.0000000001'	client --start-at +1.0000000001 D
--start-at '-5'	client --start-at -5 D
'--start-at' needs a value	client D --start-at
invalid DSTIP '127.0.0.1,nohost'	client 127.0.0.1,nohost 1 1
invalid DSTIP '127.0.0.9-127.0.0.1'	client 127.0.0.9-127.0.0.1 1 1
--port '4003-4000'	client --port 4003-4000 D
--port '4000,'	client --port 4000, D
--port '1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17'	client --port 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17 D
missing LOOPS	client 127.0.0.1
missing CONNS	client 127.0.0.1 1
DSTIP ''	client '' 1 1
DSTIP '300.1.1.1'	client 300.1.1.1 1 1
DSTIP '1.2.3.4.5'	client 1.2.3.4.5 1 1
DSTIP '1.2.3.999': not an IPv4 address	client 1.2.3.999 1 1
DSTIP '::1::2': not an IPv6 address	client ::1::2 1 1
DSTIP '127.0.0.1:4000': an address with a port: give 127.0.0.1 and --port 4000	client 127.0.0.1:4000 1 1
DSTIP '[::1]:8080': an address with a port: give ::1 and --port 8080	client [::1]:8080 1 1
DSTIP 'http://127.0.0.1:8080/': a URL, not an address: give 127.0.0.1 and --port 8080	client http://127.0.0.1:8080/ 1 1
DSTIP 'https://localhost/x': a URL, not an address: give localhost and --port 443	client --rate 5 --duration 1 https://localhost/x
DSTIP 'http://:8080/': a URL without a host, not an address	client http://:8080/ 1 1
LOOPS '0'	client 127.0.0.1 0 1
LOOPS 'x'	client 127.0.0.1 x 1
LOOPS '1000001'	client 127.0.0.1 1000001 1
LOOPS '18446744073709551616'	client 127.0.0.1 18446744073709551616 1
LOOPS '-1': must not be negative	client 127.0.0.1 -1 1
CONNS '-5': must not be negative	client 127.0.0.1 1 -5
CONNS '-5': must not be negative	client -p 4000 127.0.0.1 1 -5
LINGER '-1': must not be negative	client 127.0.0.1 1 1 0 -1
CONNS '0'	client 127.0.0.1 1 0
CONNS '10000001'	client 127.0.0.1 1 10000001
CONNS '1k'	client 127.0.0.1 1 1k
REUSEPORT '2'	client 127.0.0.1 1 1 2
REUSEPORT ''	client 127.0.0.1 1 1 ''
REUSEPORT 'yes'	client 127.0.0.1 1 1 yes
LINGER '2'	client 127.0.0.1 1 1 0 2
unexpected argument 'extra'	client 127.0.0.1 1 1 0 0 extra
--port '1?2'	client --port $'1\n2' D
DSTIP '?[31m'	client $'\e[31m' 1 1
'--port' needs a value	server --port
--port '-1'	server -p -1
--port '65536'	server --port 65536
--port 'http'	server --port http
--port ''	server --port=
'--port' given more than once	server -p 1 -p 2
--port '4000,4000': port 4000 given twice	server --port 4000,4000
--port '4000-4003,4002': port 4002 given twice	server --port 4000-4003,4002
--port '0,4000': port 0 (the kernel's choice) only alone	server --port 0,4000
--port '1-300': 300 ports, at most 256	server --port 1-300
--protocol 'ftp'	server --protocol ftp
--greeting works with --protocol echo only	server --protocol http --greeting hi
--on-eof works with --protocol echo only	server --protocol http --on-eof ignore
--port '4003-4000'	server --port 4003-4000
--port '4000,'	server --port 4000,
--port '4000-'	server --port 4000-
--bind 'any'	server --bind any
--bind ''	server --bind ''
'--bind' needs a value	server --bind
'--bind' given more than once	server --bind ::1 --bind ::1
--close 'client'	server --close client
'--close' needs a value	server --close
'--close' given more than once	server --close wait --close rst
--payload '0'	server --payload 0
--payload '65m'	server --payload 65m
--payload '-1k'	server --payload -1k
'--payload' needs a value	server --payload
'--payload' given more than once	server --payload 1 --payload 2
'--no-reuseaddr' takes no value	server --no-reuseaddr=1
'--no-reuseaddr' given more than once	server --no-reuseaddr --no-reuseaddr
--backlog '0'	server --backlog 0
--backlog '-1'	server --backlog -1
--backlog '1073741825'	server --backlog 1073741825
--backlog 'max'	server --backlog max
'--backlog' needs a value	server --backlog
'--backlog' given more than once	server --backlog 1 --backlog 1
--max-conns '0'	server --max-conns 0
--max-conns '10000001'	server --max-conns 10000001
--max-conns '1e6'	server --max-conns 1e6
'--max-conns' needs a value	server --max-conns
'--max-conns' given more than once	server --max-conns 1 --max-conns 1
--idle-timeout '-1'	server --idle-timeout -1
--idle-timeout '86400001'	server --idle-timeout 86400001
--idle-timeout '5x': unknown unit (ms, s, m or h)	server --idle-timeout 5x
--idle-timeout '25h'	server --idle-timeout 25h
'--idle-timeout' needs a value	server --idle-timeout
'--idle-timeout' given more than once	server --idle-timeout 1 --idle-timeout 1
--threads '0'	server --threads 0
--threads 'all'	server --threads all
'--threads' needs a value	server --threads
'--threads' given more than once	server --threads 1 --threads 1
'--help' takes no value	server --help=x
--close-after '-1'	server --close-after -1
--close-after '86400001'	server --close-after 86400001
--close-after 'x'	server --close-after x
'--close-after' needs a value	server --close-after
--greeting ''	server --greeting ''
'--greeting' needs a value	server --greeting
'--greeting' given more than once	server --greeting a --greeting b
--on-eof 'write:'	server --on-eof write:
--on-eof 'shout'	server --on-eof shout
'--on-eof' needs a value	server --on-eof
--reply-close 'soon': must be now or never	server --reply-close soon
--reply-close '61s'	server --reply-close 61s
'--reply-close' needs a value	server --reply-close
'--frobnicate'	server --frobnicate
unexpected argument 'extra'	server extra
'-q'	server -q
unknown subcommand 'frobnicate'	frobnicate
unknown subcommand ''	''
EOF

# TABLE_JOBS: how many of the table's processes run at once. A sanitizer build's start-up
# and leak check take about 0.1 s of CPU but 0.3 s of wall time (LSan stops the process's
# threads through a tracer and waits for it), so a few at once overlap the waits: the two
# table tests took 107 s of the san lane one at a time.
TABLE_JOBS=4

# run_table DIR [dry-run]: runs each case of CASES (with dry-run: each client case, as
# `client --dry-run ARGS`) as a process of its own, TABLE_JOBS at a time, its output in
# DIR/I.out and DIR/I.err. Sets T_ARGS[I] (D expanded), T_WANT[I] and T_RC[I] (the exit
# status), I counting the cases run in table order. Each case writes its exit status to
# DIR/I.rc: bash forgets the status of a child that ended long before once a later child
# gets the same PID, and `wait -n -p` then named no PID at all (a CI run, with another
# beside it wrapping pid_max; tests/run.sh's lanes met the same).
run_table() {
	local dir=$1 mode=${2:-} want args i=0 j
	local -a argv
	local -A running=() # pid -> I, until DIR/I.rc is written
	T_ARGS=() T_WANT=() T_RC=()
	while IFS=$'\t' read -r want args; do
		[ "$mode" = dry-run ] && [[ $args != client\ * ]] && continue
		args=${args//' D'/' 127.0.0.1 1 1'}
		eval "argv=($args)"
		[ "$mode" = dry-run ] && argv=(client --dry-run "${argv[@]:1}")
		while [ "${#running[@]}" -ge "$TABLE_JOBS" ]; do table_reap "$dir"; done
		{
			"$TWTEST" "${argv[@]}" </dev/null >"$dir/$i.out" 2>"$dir/$i.err"
			echo $? >"$dir/$i.rc"
		} &
		running[$!]=$i T_ARGS[i]=$args T_WANT[i]=$want
		i=$((i + 1))
	done <<<"$CASES"
	wait
	for ((j = 0; j < i; j++)); do read -r "T_RC[j]" <"$dir/$j.rc" || T_RC[j]="no status"; done
}

# table_reap DIR: waits for one of run_table's processes to end (or for none, when bash has
# already reaped them), then drops from running every case whose status file is written.
table_reap() {
	local p
	wait -n || :
	for p in "${!running[@]}"; do [ -e "$1/${running[$p]}.rc" ] && unset "running[$p]"; done
	return 0
}

# Rule: every case exits 2, writes nothing on stdout and exactly one line on stderr, which
# names the argument and its value.
test_bad_input_table() {
	local dir; dir=$(tmpdir)
	local i line err newlines n=0
	run_table "$dir"
	for i in "${!T_ARGS[@]}"; do
		line="'${T_ARGS[i]}'"
		expect_eq "exit status of $line" "${T_RC[i]}" 2
		[ -s "$dir/$i.out" ] && die "$line wrote to stdout: $(head -3 "$dir/$i.out")"
		# read and checked with builtins: the table's cases then cost one process each
		err='' && IFS= read -r -d '' err <"$dir/$i.err"
		newlines=${err//[!$'\n']/}
		expect_eq "stderr lines of $line ($err)" "${#newlines}" 1
		[[ $err == *"${T_WANT[i]}"* ]] || die "$line: error '$err' lacks \"${T_WANT[i]}\""
		[[ $err == twtest* ]] || die "$line: error '$err' does not say who"
		n=$((n + 1))
	done
	[ "$n" -gt 100 ] || die "only $n cases ran"
}

# Rule: the table covers every option each subcommand's --help lists (an option added
# later must bring its bad-input cases here).
test_table_covers_every_option() {
	local sub opt
	for sub in client server; do
		for opt in $("$TWTEST" $sub --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
			grep -qE "^[^	]*	$sub .*$opt([ =]|$)" <<<"$CASES" || die "no bad-input case for $sub $opt"
		done
	done
}

# dry_run ARGS...: `twtest client --dry-run ARGS`'s key=value lines; fails the test unless
# it exits 0 (a combination refused by mistake fails here: --dry-run runs every rule).
dry_run() {
	local out rc
	out=$("$TWTEST" client --dry-run "$@" 2>&1)
	rc=$?
	[ "$rc" = 0 ] || die "client $* refused (exit $rc): $out"
	printf '%s\n' "$out"
}

# expect_keys WHAT OUTPUT KEY=VALUE...: each KEY=VALUE is a line of OUTPUT.
expect_keys() {
	local what=$1 out=$2 kv; shift 2
	for kv in "$@"; do
		grep -qxF -- "$kv" <<<"$out" || die "$what: no line '$kv' in: $(paste -sd' ' <<<"$out")"
	done
}

# Rule: the same values, when valid, are accepted: the table's failures come from the one
# bad value, not from the surrounding arguments ("D" and each valid neighbour). Each
# combination goes through every rule (--dry-run, not --help, which is answered before the
# rules between options run) and the run it would make has the values given.
test_valid_neighbours_accepted() {
	local out
	out=$(dry_run --port 1 --payload 64m --timeout 1 --interval 0 --close server --format json 127.0.0.1 1 1) || exit 1
	expect_keys "echo options" "$out" port=1 payload=67108864 timeout=1 close=server format=json strategy=concurrent
	out=$(dry_run --bind 127.0.0.1 --bind-no-port --local-port-range 1-65535 --reuseport --linger 127.0.0.1 1 1) || exit 1
	expect_keys "socket options" "$out" bind=127.0.0.1 bind-no-port=1 local-port-range=1-65535 reuseport=1 linger=1
	out=$(dry_run --timeout 5s --interval 500ms --wait-clear --wait-clear-timeout 2m 127.0.0.1 1 1) || exit 1
	expect_keys "times with units" "$out" timeout=5000 interval=500 wait-clear-timeout=120
	out=$(dry_run --rate 10 --duration 1h --report-interval 1s 127.0.0.1) || exit 1
	expect_keys "rate times with units" "$out" duration=3600 report-interval=1000
	out=$(dry_run --read-delay 2s --close-after 1m 127.0.0.1 1 1) || exit 1
	expect_keys "scenario times with units" "$out" read-delay=2000 close-after=60000
	out=$(dry_run --bind 198.18.255.254 --freebind 127.0.0.1 1 1) || exit 1
	expect_keys "--freebind" "$out" bind=198.18.255.254 freebind=1
	out=$(dry_run -v 127.0.0.1 1 1) || exit 1
	expect_keys "verbose" "$out" verbose=1
	out=$(dry_run --reuseaddr --fail-on-error --no-observe --threads 1 -p 65535 --timeout 3600000 --interval 3600000 127.0.0.1 1 1) || exit 1
	expect_keys "bounds" "$out" reuseaddr=1 fail-on-error=1 no-observe=1 port=65535 timeout=3600000 interval=3600000
	out=$(dry_run --protocol http --http-path '/a?b=c' --http-host example:80 --max-response 64m 127.0.0.1 1 1) || exit 1
	expect_keys "http options" "$out" protocol=http 'http-path=/a?b=c' http-host=example:80 max-response=67108864
	out=$(dry_run --protocol connect --close shutdown 127.0.0.1 1 1) || exit 1
	expect_keys "connect" "$out" protocol=connect close=shutdown
	out=$(dry_run --wait-clear --wait-clear-timeout 0 --source-port 1 --read-delay 0 \
		--close-after 0 --on-eof ignore --close-on-data --report-conns --sequential 127.0.0.1 1 1) || exit 1
	expect_keys "sequential options" "$out" strategy=sequential wait-clear-timeout=0 source-port=1 close-after=0 on-eof=ignore report-conns=1
	out=$(dry_run --rate 1000000 --duration 3600 --max-inflight 1 --report-interval 60000 \
		--requests-per-conn 1000000 --port 1-3,5 --threads 1 127.0.0.1-127.0.0.2,127.0.0.9) || exit 1
	expect_keys "rate options" "$out" strategy=rate rate=1000000 duration=3600 max-inflight=1 port=1-3,5 destinations=12
	# the server has no --dry-run: it must start and keep running (timeout stops it: 124);
	# the two servers wait out their 2 s side by side
	local echo_pid http_pid rc
	timeout 2 "$TWTEST" server --port 0 --bind ::1 --close rst --payload 1k --no-reuseaddr --backlog 1 \
		--max-conns 10000000 --idle-timeout 86400000 --threads 1 --close-after 0 --greeting hi \
		--on-eof write:bye >/dev/null 2>&1 &
	echo_pid=$!
	timeout 2 "$TWTEST" server --protocol http --payload 1 --close first --port 0 --bind 127.0.0.1 \
		>/dev/null 2>&1 &
	http_pid=$!
	wait "$echo_pid"
	rc=$?
	expect_eq "server options: still running after 2 s" "$rc" 124
	wait "$http_pid"
	rc=$?
	expect_eq "server http options: still running after 2 s" "$rc" 124
}

# Rule: --dry-run refuses what a run refuses: every client case of the table, given with
# --dry-run, still exits 2 with its one line (nothing on stdout).
test_dry_run_refuses_the_table() {
	local dir; dir=$(tmpdir)
	local i line err n=0
	run_table "$dir" dry-run
	for i in "${!T_ARGS[@]}"; do
		line="--dry-run '${T_ARGS[i]}'"
		expect_eq "exit status of $line" "${T_RC[i]}" 2
		[ -s "$dir/$i.out" ] && die "$line wrote to stdout: $(head -3 "$dir/$i.out")"
		err='' && IFS= read -r -d '' err <"$dir/$i.err"
		[[ $err == *"${T_WANT[i]}"* ]] || die "$line: error '$err' lacks \"${T_WANT[i]}\""
		n=$((n + 1))
	done
	[ "$n" -gt 50 ] || die "only $n client cases ran"
}

# Rule: --dry-run prints every option the client has (each name --list-options lists, as
# "name=") and the operands, so nothing it would use goes unseen.
test_dry_run_prints_every_option() {
	local out opt
	out=$(dry_run 127.0.0.1 2 3) || exit 1
	expect_keys "operands" "$out" dstip=127.0.0.1 loops=2 conns=3 strategy=concurrent
	for opt in $("$TWTEST" client --list-options | awk '{ sub(/=$/, "", $1); print substr($1, 3) }'); do
		[ "$opt" = help ] && continue
		grep -q "^$opt=" <<<"$out" || die "--dry-run lacks '$opt=': $(paste -sd' ' <<<"$out")"
	done
}

# Rule: a CONNS the descriptor limits cannot hold is refused before any connection, with
# advice that can work: above fs.nr_open it names fs.nr_open and the CONNS that fits under
# it; above a hard limit this process may not raise (no CAP_SYS_RESOURCE) it names the
# capability and the CONNS that fits under that limit. One line, exit 1 (a host limit).
test_descriptor_advice() {
	local dir; dir=$(tmpdir)
	local nr_open; nr_open=$(cat /proc/sys/fs/nr_open)
	if [ "$nr_open" -lt 9999000 ]; then
		"$TWTEST" client 127.0.0.1 1 9999000 --port 9 >"$dir/out" 2>"$dir/err"
		expect_eq "exit status above fs.nr_open" "$?" 1
		expect_eq "stderr lines" "$(wc -l <"$dir/err")" 1
		grep -qF "CONNS 9999000 needs 9999018 open files, above fs.nr_open=$nr_open" "$dir/err" ||
			die "no fs.nr_open advice: $(cat "$dir/err")"
		grep -qF "CONNS at most $((nr_open - 18))" "$dir/err" || die "no CONNS that fits: $(cat "$dir/err")"
	fi
	command -v setpriv >/dev/null || skip "no setpriv to drop CAP_SYS_RESOURCE"
	# a hard limit of 500 and no CAP_SYS_RESOURCE (dropped from the bounding set if held)
	bash -c 'ulimit -n 500 && exec setpriv --inh-caps=-sys_resource --bounding-set=-sys_resource "$@"' \
		limited "$TWTEST" client 127.0.0.1 1 600 --port 9 >"$dir/out" 2>"$dir/err"
	expect_eq "exit status above the hard limit" "$?" 1
	expect_eq "stderr lines" "$(wc -l <"$dir/err")" 1
	grep -qF "above the hard limit RLIMIT_NOFILE=500, which only a process with CAP_SYS_RESOURCE may raise" "$dir/err" ||
		die "no capability advice: $(cat "$dir/err")"
	grep -qF "CONNS at most 482" "$dir/err" || die "no CONNS that fits: $(cat "$dir/err")"
}

run_tests
