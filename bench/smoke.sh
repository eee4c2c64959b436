#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# make bench-smoke: one tiny benchmark round (workloads 1 and 3, kernel and
# bpfalg, 1 s windows) and a tiny workload 6 (plain, kernel, bpfalg) so that
# `make bench` cannot rot: checks that the tables and the JSON come out and
# hold numbers > 0.  Ends with "N passed, N failed".
HERE=$(cd "$(dirname "$0")" && pwd)
OUTD=$(mktemp -d /tmp/bpfalg-bench-smoke.XXXXXX)
trap 'rm -rf "$OUTD"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "PASS bench-smoke: $1"; }
ko() { fail=$((fail + 1)); echo "FAIL bench-smoke: $1"; }

ROUNDS=1 DUR=1 GWS="kernel bpfalg" WORKLOADS="1 3" BENCH_OUT=$OUTD BENCH_NO_CHART=1 QUICK=0 \
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
row=$(grep -E '^3 TCP conn/req/resp/close, W3_CONC in flight ' "$OUTD/out.txt")
if python3 - "$row" <<'PY'; then ok "table row workload 3: conn/s > 0"; else ko "table row workload 3: '$row'"; fi
import re, sys
cells = re.split(r"\s{2,}", sys.argv[1].strip())
k = float(cells[2].replace(",", "")); b = float(cells[3].replace(",", "")); r = float(cells[5])
sys.exit(0 if k > 0 and b > 0 and r > 0 and cells[4] == "-" else 1)
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
# Workload 3 and the perf cost in the JSON: rate, latencies, failure count,
# every transaction of the tiny round answered (the client's 3 s timeout is
# far above a loaded transaction here), the gateway's CPU per packet.
if [ -n "$json" ] && python3 - "$json" <<'PY'; then ok "JSON workload 3 (conn/s, p50 <= p99, 0 failed) and perf cost > 0"; else ko "JSON workload 3 / perf ($json)"; fi
import json, sys
d = json.load(open(sys.argv[1]))
rows = {r["metric"]: r for r in d["results"]}
for gw in ("kernel", "bpfalg"):
    assert rows["w3_cps"][gw]["median"] > 0, gw
    for run in ("w3_lat", "w3_c1_lat"):
        p50 = rows[run + "_p50_us"][gw]["median"]; p99 = rows[run + "_p99_us"][gw]["median"]
        assert 0 < p50 <= p99, (gw, run, p50, p99)
    assert rows["w3_failed"][gw]["median"] == 0 and rows["w3_c1_failed"][gw]["median"] == 0, gw
    assert rows["w1_perf_gw_ns_per_pkt"][gw]["median"] > 0, gw
assert rows["w1_perf_nf_ns_per_pkt"]["kernel"]["median"] > 0
assert rows["w1_perf_bpf_ns_per_pkt"]["bpfalg"]["median"] > 0
r = [x for x in d["rounds"] if x.get("gw") == "bpfalg"][0]
assert r["w3_flows_in_use"] > 0
assert "w1_bpfalg_over_kernel" in d["goals"]
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
