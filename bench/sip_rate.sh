#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Workload 6, SIP: SIPp call rate through the gateway, kernel and bpfalg
# interleaved (kernel, bpfalg, kernel, ...), SIP_ROUNDS rounds each, one
# gateway per fresh topology (bench/sip_rate_one.sh).  Prints a table
# (median [min-max] of the rounds) and writes
# bench/results/sip-<UTC timestamp>.json with every round's raw numbers.
#
#   SIP_ROUNDS=N  rounds per gateway (default 3; QUICK 1)
#   SIP_RATE, SIP_DUR, QUICK: as bench/sip_rate_one.sh (2000 calls/s, 60 s)
#
# The goal (issue 5): the rate held for the whole window with 0 failed
# calls, bpfalg next to the kernel's helper, and the controller's CPU
# share at that rate.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
if [ -n "${QUICK:-}" ] && [ "${QUICK}" != 0 ]; then
	SIP_ROUNDS=${SIP_ROUNDS:-1}
else
	SIP_ROUNDS=${SIP_ROUNDS:-3}
fi
out=$HERE/results/sip-$(date -u +%Y%m%dT%H%M%SZ).json
mkdir -p "$HERE/results"
lines=$(mktemp)
trap 'rm -f "$lines"' EXIT
for r in $(seq "$SIP_ROUNDS"); do
	for gw in kernel bpfalg; do
		echo "# round $r/$SIP_ROUNDS: $gw" >&2
		res=$(BENCH_GW=$gw "$HERE/sip_rate_one.sh" 2>&1 | tail -n 1)
		case $res in
		"{"*) printf '%s\n' "$res" >>"$lines" ;;
		*) echo "# $gw round $r failed: $res" >&2 ;;
		esac
	done
done
python3 - "$lines" "$out" "$(cut -d' ' -f1 /proc/loadavg)" <<-'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
by = {}
for r in rows:
    by.setdefault(r["gw"], []).append(r)
def cell(gw, key):
    v = [r[key] for r in by.get(gw, [])]
    if not v:
        return "-"
    return "%g [%g-%g]" % (statistics.median(v), min(v), max(v))
keys = [("rate_offered", "offered calls/s"), ("calls_per_s", "calls/s completed (per second offered)"),
        ("calls_failed", "failed calls"), ("wall_s", "wall time s"),
        ("daemon_cpu_share", "controller CPU (share of one CPU)"),
        ("softirq_cpu_share", "softirq CPU (share of one CPU)")]
w = max(len(k[1]) for k in keys)
print("%-*s  %-24s %-24s" % (w, "SIP, SIPp uac -> uas", "kernel", "bpfalg"))
for k, label in keys:
    print("%-*s  %-24s %-24s" % (w, label, cell("kernel", k), cell("bpfalg", k)))
json.dump({"rounds": rows, "loadavg_end": sys.argv[3]}, open(sys.argv[2], "w"), indent=1)
print("# raw: %s" % sys.argv[2])
PY
