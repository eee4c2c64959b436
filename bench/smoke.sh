#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# make bench-smoke: one tiny benchmark round (workload 1, kernel and bpfalg,
# 1 s window) and a tiny workload 6 (plain, kernel, bpfalg) so that
# `make bench` cannot rot: checks that the tables and the JSON come out and
# hold numbers > 0.  Ends with "N passed, N failed".
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
# Workload 6, tiny: plain, kernel, bpfalg; 100 NOOPs, 16 PORTs, 4 MiB.
mkdir -p "$OUTD/w6"
W6_NOOPS=100 W6_PORTS=16 W6_MIB=4 W6_REPS=1 WORKLOADS=6 BENCH_OUT=$OUTD/w6 BENCH_NO_CHART=1 QUICK=0 \
	W6_ROUND_TIMEOUT=60 timeout 200 "$HERE/run.sh" >"$OUTD/w6.txt" 2>&1
rc=$?
[ "$rc" -eq 0 ] && ok "workload 6: run.sh exit 0" || { ko "workload 6: run.sh exit $rc"; sed 's/^/# /' "$OUTD/w6.txt" | tail -30; }
grep -qE '^workload 6: ALG control path +unit +plain +kernel +bpfalg +added kernel +added bpfalg +bpfalg/kernel$' "$OUTD/w6.txt" &&
	ok "workload 6: table header" || ko "workload 6: table header missing"
json=$(ls "$OUTD"/w6/*.json 2>/dev/null | head -1)
if [ -n "$json" ] && python3 - "$json" <<'PY'; then ok "workload 6: JSON, RTTs and rates > 0, 16 PORTs rewritten"; else ko "workload 6: JSON ($json)"; fi
import json, sys
d = json.load(open(sys.argv[1]))
rows = {r["metric"]: r for r in d["w6"]["rows"]}
for m in ("w6_noop_p50_us", "w6_port_p99_us", "w6_ftp_active_gbps"):
    for gw in ("plain", "kernel", "bpfalg"):
        assert rows[m][gw]["median"] > 0, (m, gw)
assert rows["w6_noop_p50_us"]["bpfalg-plain"] is not None
assert rows["w6_ftp_rewritten"]["bpfalg"]["median"] == 16
assert d["meta"]["failed_rounds"] == 0
PY
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
