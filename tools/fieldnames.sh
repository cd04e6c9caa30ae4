#!/usr/bin/env bash
# The output field names of the report writers, and where each is spelled: a field's key is
# written in one place (the call that adds it, or a helper every report calls), so that a
# rename or a new format is one edit. Reads the sources as text (comments left out):
#   - the key of every rec_* call that adds a field (rec_uint(rec, "finished", ...));
#   - a CSV column named apart from its key (f->csv = "tw_reuse");
#   - the keys given to report_add_index (a loop's or interval's index and total);
#   - a key compared by name (strcmp(f->key, "conn_us"), "x" == f->key);
#   - every string of a static list of strings (a list of keys kept beside the calls).
#   - a key named as a constant (static const char loop_key[] = "loop").
# Each part (client, ports, merge) is checked on its own: the same name in two parts names
# two records' fields (ports' "range" counts ports, the client's model writes "lo-hi").
# tools/fieldnames.same lists the names that are two fields of one part, in two records
# ("PART KEY: why" a line): those are not counted; over the default files, a line no longer
# needed fails too.
# merge's reader tables (src/merge/merge_record.c: what it reads back) are not writers.
# Usage: tools/fieldnames.sh [--list] [FILE...]
#   FILEs default to the report writers (src/client/report*.c, src/ports/*report*.c,
#   src/ports/ports_fields.c, src/merge/merge_report.c); a FILE's part is the folder it is in.
#   --list prints "PART KEY FILE:LINE" for every spelling instead.
# Exit 0: each key spelled once in its part; 1: a key spelled twice or more (a line
# "twice: PART KEY at FILE:LINE FILE:LINE ..." each) or a stale line of fieldnames.same
# ("not twice: PART KEY"); 2: usage or an unreadable file.
set -u
same_file="$(cd "$(dirname "$0")" && pwd)/fieldnames.same"
list=0
if [ "${1:-}" = --list ]; then list=1; shift; fi
case "${1:-}" in -*) echo "usage: $0 [--list] [FILE...]" >&2; exit 2 ;; esac
whole=0
if [ $# -eq 0 ]; then
	whole=1
	cd "$(dirname "$0")/.." || exit 2
	set -- src/client/report*.c src/ports/*report*.c src/ports/ports_fields.c src/merge/merge_report.c
fi
for f in "$@"; do
	[ -r "$f" ] || { echo "fieldnames: $f: cannot read" >&2; exit 2; }
done

spellings=$(perl -e '
my $add = qr/rec_(?:uint|int|float|string|bool|null|verbatim|hist|hist_figures|counts|object|list)/;
for my $file (@ARGV) {
	open my $fh, "<", $file or die "$file: $!\n";
	local $/;
	my $s = <$fh>;
	close $fh;
	# comments as blanks, newlines kept for the line numbers
	$s =~ s{/\*.*?\*/}{ (my $c = $&) =~ s/[^\n]/ /g; $c }gse;
	$s =~ s{//[^\n]*}{ " " x length($&) }ge;
	(my $part = $file) =~ s{.*/([^/]+)/[^/]+$}{$1};
	my @at;
	my $arg = qr/[^,;()]+(?:\([^()]*\))?/; # the record: rec, &rec, s->all, ...
	push @at, $-[1] while $s =~ /\b$add\(\s*$arg\s*,\s*"([^"]*)"/g;
	push @at, $-[1] while $s =~ /(?:->|\.)csv\s*=\s*"([^"]*)"/g;
	push @at, $-[1] while $s =~ /\breport_add_index\(\s*$arg\s*,\s*"([^"]*)"/g;
	push @at, $-[1] while $s =~ /\breport_add_index\(\s*$arg\s*,\s*$arg\s*,\s*"([^"]*)"/g;
	push @at, $-[1] while $s =~ /\b\w+\s*\[\]\s*=\s*"([^"]*)"/g;
	push @at, $-[1] while $s =~ /\bstrcmp\(\s*[^,;()]*key\s*,\s*"([^"]*)"/g;
	push @at, $-[1] while $s =~ /\bstrcmp\(\s*"([^"]*)"\s*,\s*[^,;()]*key\s*\)/g;
	while ($s =~ /static\s+const\s+char\s*\*\s*const\s+\w+\s*\[[^\]]*\]\s*=\s*\{([^;]*)\}\s*;/g) {
		my ($body, $from) = ($1, $-[1]);
		push @at, $from + $-[1] while $body =~ /"([^"]*)"/g;
	}
	for my $i (sort { $a <=> $b } @at) {
		my ($key) = substr($s, $i) =~ /^([^"]*)/;
		my $line = 1 + (substr($s, 0, $i) =~ tr/\n//);
		print "$part $key $file:$line\n";
	}
}' "$@") || exit 2

if [ "$list" = 1 ]; then
	printf '%s\n' "$spellings"
	exit 0
fi
[ -r "$same_file" ] || { echo "fieldnames: $same_file: cannot read" >&2; exit 2; }
twice=$( (sed -n 's/^\([a-z]*\) \([^ :]*\):.*/same \1 \2/p' "$same_file"; printf '%s\n' "$spellings") | awk -v whole="$whole" '
$1 == "same" { same[$2 " " $3] = 1; next }
NF == 3 {
	k = $1 " " $2
	n[k]++
	at[k] = at[k] " " $3
	if (n[k] == 1) order[++keys] = k
}
END {
	for (i = 1; i <= keys; i++)
		if (n[order[i]] > 1 && !(order[i] in same))
			print "twice: " order[i] " at" at[order[i]]
	for (k in same)
		if (whole && n[k] < 2)
			print "not twice: " k " (tools/fieldnames.same: a line no longer needed)"
}')
[ -z "$twice" ] && exit 0
printf '%s\n' "$twice"
exit 1
