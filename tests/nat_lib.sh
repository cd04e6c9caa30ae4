# Helpers shared by the nat test files (tests/integration/nat.sh, nat_kernel.sh): reading
# `twtest ports --nat` JSON and client CSVs. Sourced after tests/lib.sh.

need_nft() { command -v nft >/dev/null || skip "nft not installed (apt-get install nftables)"; }

# csv_field FILE COLUMN: COLUMN of the summary row of a client's CSV.
csv_field() {
	lab_csv_get "$1" "$2" type=summary
}

# nat_group JSON DPORT KEYS...: the values of KEYS in the group toward LAB_DST:DPORT.
nat_group() {
	python3 -c '
import json, sys
d = json.loads(sys.argv[1])
g = [g for g in d["groups"] if g["dst"] == sys.argv[2] and g["dport"] == int(sys.argv[3])]
print(" ".join(str(g[0][k]) for k in sys.argv[4:]) if len(g) == 1 else "no group")' "$1" "$LAB_DST" "${@:2}"
}

# nat_json KEY JSON: a top-level value of a ports --nat JSON sample.
nat_json() { python3 -c 'import json, sys; print(json.loads(sys.argv[2])[sys.argv[1]])' "$1" "$2"; }

