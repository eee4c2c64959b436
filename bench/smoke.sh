#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# make bench-smoke: one tiny benchmark round (workload 1, kernel and bpfalg,
# 1 s window) so that `make bench` cannot rot: checks that the table and the
# JSON come out and hold numbers > 0.  Ends with "N passed, N failed".
HERE=$(cd "$(dirname "$0")" && pwd)
OUTD=$(mktemp -d /tmp/bpfalg-bench-smoke.XXXXXX)
trap 'rm -rf "$OUTD"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "PASS bench-smoke: $1"; }
ko() { fail=$((fail + 1)); echo "FAIL bench-smoke: $1"; }

ROUNDS=1 DUR=1 GWS="kernel bpfalg" WORKLOADS=1 BENCH_OUT=$OUTD BENCH_NO_CHART=1 QUICK=0 \
	BENCH_ROUND_TIMEOUT=60 timeout 180 "$HERE/run.sh" >"$OUTD/out.txt" 2>&1
rc=$?
[ "$rc" -eq 0 ] && ok "run.sh exit 0" || { ko "run.sh exit $rc"; sed 's/^/# /' "$OUTD/out.txt" | tail -30; }

grep -qE '^workload +unit +kernel +bpfalg +ceiling +bpfalg/kernel +bpfalg/ceiling$' "$OUTD/out.txt" &&
	ok "table header" || ko "table header missing"
row=$(grep -E '^1 UDP 64B, one 5-tuple ' "$OUTD/out.txt")
if python3 - "$row" <<'PY'; then ok "table row workload 1: numbers > 0"; else ko "table row workload 1: '$row'"; fi
import re, sys
cells = re.split(r"\s{2,}", sys.argv[1].strip())
# workload, unit, kernel, bpfalg, ceiling(-), bpfalg/kernel, bpfalg/ceiling(-)
k = float(cells[2].replace(",", "")); b = float(cells[3].replace(",", "")); r = float(cells[5])
sys.exit(0 if k > 0 and b > 0 and r > 0 else 1)
PY
json=$(ls "$OUTD"/*.json 2>/dev/null | head -1)
if [ -n "$json" ] && python3 - "$json" <<'PY'; then ok "JSON parses, w1 medians > 0"; else ko "JSON ($json)"; fi
import json, sys
d = json.load(open(sys.argv[1]))
row = next(r for r in d["results"] if r["metric"] == "w1_pps")
assert row["kernel"]["median"] > 0 and row["bpfalg"]["median"] > 0
assert row["bpfalg/kernel"] > 0
assert d["meta"]["failed_rounds"] == 0
PY
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
