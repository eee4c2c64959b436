#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# make bench-smoke: one tiny benchmark round per gateway (workloads 1 and 3;
# kernel, bpfalg-tc, bpfalg; 1 s windows; plain routing is left to make
# bench, to keep make check short) and a tiny workload 6
# (plain, kernel, bpfalg) so that `make bench` cannot rot: checks that the
# tables and the JSON come out and hold numbers > 0, and that each bpfalg
# gateway took its fast path (tc_redirected, xdp_forwarded).  Ends with
# "N passed, N failed".
HERE=$(cd "$(dirname "$0")" && pwd)
OUTD=$(mktemp -d /tmp/bpfalg-bench-smoke.XXXXXX)
trap 'rm -rf "$OUTD"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "PASS bench-smoke: $1"; }
ko() { fail=$((fail + 1)); echo "FAIL bench-smoke: $1"; }

ROUNDS=1 DUR=1 GWS="kernel bpfalg-tc bpfalg" WORKLOADS="1 3" BENCH_OUT=$OUTD BENCH_NO_CHART=1 QUICK=0 \
	BENCH_ROUND_TIMEOUT=60 timeout 360 "$HERE/run.sh" >"$OUTD/out.txt" 2>&1
rc=$?
[ "$rc" -eq 0 ] && ok "run.sh exit 0" || { ko "run.sh exit $rc"; sed 's/^/# /' "$OUTD/out.txt" | tail -30; }

grep -qE '^workload +unit +ratio +kernel +bpfalg-tc +bpfalg +bpfalg-tc/kernel +bpfalg/kernel$' "$OUTD/out.txt" &&
	ok "table header" || ko "table header missing"
row=$(grep -E '^1 UDP 64B, one 5-tuple ' "$OUTD/out.txt")
if python3 - "$row" <<'PY'; then ok "table row workload 1: numbers > 0"; else ko "table row workload 1: '$row'"; fi
import re, sys
cells = re.split(r"\s{2,}", sys.argv[1].strip())
# workload, unit, ratio (gw/ref), 3 gateways, 2 ratios
assert len(cells) == 8 and cells[2] == "gw/ref", cells
v = [float(c.replace(",", "")) for c in cells[3:]]
sys.exit(0 if all(x > 0 for x in v) else 1)
PY
row=$(grep -E '^3 TCP conn/req/resp/close, W3_CONC in flight ' "$OUTD/out.txt")
if python3 - "$row" <<'PY'; then ok "table row workload 3: conn/s > 0"; else ko "table row workload 3: '$row'"; fi
import re, sys
cells = re.split(r"\s{2,}", sys.argv[1].strip())
assert len(cells) == 8, cells
v = [float(c.replace(",", "")) for c in cells[3:]]
sys.exit(0 if all(x > 0 for x in v) else 1)
PY
json=$(ls "$OUTD"/*.json 2>/dev/null | head -1)
if [ -n "$json" ] && python3 - "$json" <<'PY'; then ok "JSON parses, w1 medians and ratios > 0, the fast paths taken"; else ko "JSON ($json)"; fi
import json, sys
d = json.load(open(sys.argv[1]))
row = next(r for r in d["results"] if r["metric"] == "w1_pps")
for gw in ("kernel", "bpfalg-tc", "bpfalg"):
    assert row[gw]["median"] > 0, gw
for k in ("bpfalg-tc/kernel", "bpfalg/kernel"):
    assert row["ratios"][k] > 0, k
assert row["bpfalg/kernel"] > 0  # the raw quotient older readers know
cost = next(r for r in d["results"] if r["metric"] == "w1_perf_gw_ns_per_pkt")
assert cost["ratio_inverted"] is True
assert abs(cost["ratios"]["bpfalg-tc/kernel"] -
           cost["kernel"]["median"] / cost["bpfalg-tc"]["median"]) < 1e-9
assert d["meta"]["failed_rounds"] == 0
by = {r["gw"]: r for r in d["rounds"]}
assert by["bpfalg-tc"]["w1_tc_redirected"] > 0, "TC fast path not taken"
assert by["bpfalg"]["w1_xdp_forwarded"] > 0, "XDP fast path not taken"
PY
# Workload 3 and the perf cost in the JSON: rate, latencies, failure count,
# every transaction of the tiny round answered (the client's 3 s timeout is
# far above a loaded transaction here), the gateway's CPU per packet.
if [ -n "$json" ] && python3 - "$json" <<'PY'; then ok "JSON workload 3 (conn/s, p50 <= p99, 0 failed) and perf cost > 0"; else ko "JSON workload 3 / perf ($json)"; fi
import json, sys
d = json.load(open(sys.argv[1]))
rows = {r["metric"]: r for r in d["results"]}
for gw in ("kernel", "bpfalg-tc", "bpfalg"):
    assert rows["w3_cps"][gw]["median"] > 0, gw
    for run in ("w3_lat", "w3_c1_lat"):
        p50 = rows[run + "_p50_us"][gw]["median"]; p99 = rows[run + "_p99_us"][gw]["median"]
        assert 0 < p50 <= p99, (gw, run, p50, p99)
    assert rows["w3_failed"][gw]["median"] == 0 and rows["w3_c1_failed"][gw]["median"] == 0, gw
    assert rows["w1_perf_gw_ns_per_pkt"][gw]["median"] > 0, gw
assert rows["w1_perf_nf_ns_per_pkt"]["kernel"]["median"] > 0
assert rows["w1_perf_fwd_ns_per_pkt"]["kernel"]["median"] > 0
for gw in ("bpfalg-tc", "bpfalg"):
    assert rows["w1_perf_bpf_ns_per_pkt"][gw]["median"] > 0, gw
    r = [x for x in d["rounds"] if x.get("gw") == gw][0]
    assert r["w3_flows_in_use"] > 0, gw
for k in ("w1_bpfalg_tc_over_kernel", "w1_bpfalg_over_kernel"):
    assert k in d["goals"], k
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
