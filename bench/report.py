#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Aggregate bench/round.sh results: median and spread per gateway, ratios.

usage: report.py ROUNDS.jsonl BPF_TESTS_BENCH.txt META.json OUT.json [CHART.dat]
Prints the aligned table on stdout and writes the same as JSON to OUT.json.
"""
import json
import re
import statistics
import sys

GWS = ("kernel", "bpfalg", "ceiling")

# (key in the round JSON, workload label, unit, higher is better)
ROWS = [
    ("w1_pps", "1 UDP 64B, one 5-tuple", "pkt/s delivered", True),
    ("w2_pps", "2 UDP 64B, new flow per pkt (table filling)", "pkt/s delivered", True),
    ("w2_full_pps", "2 same, flow table at its limit", "pkt/s delivered", True),
    ("w2_flow_new_per_s", "2 bpfalg flow_new rate (filling)", "flows/s", True),
    ("w2_flows_in_use", "2 flow table in use at end", "entries", None),
    ("w2_flows_max", "2 flow table limit", "entries", None),
    ("w2_flow_table_full", "2 bpfalg flow_table_full (at limit)", "count", None),
    ("w5_1000_pps", "5 as 1, with 1,000 flows present", "pkt/s delivered", True),
    ("w5_1000_in_use", "5 flow table in use (1,000)", "entries", None),
    ("w5_100000_pps", "5 as 1, with 100,000 flows present", "pkt/s delivered", True),
    ("w5_100000_in_use", "5 flow table in use (100,000)", "entries", None),
    ("w4_gbps", "4 TCP bulk (iperf3, 1 stream)", "Gbit/s", True),
    ("w4_cpu_s_per_gbit", "4 host CPU per Gbit (all 2 cores)", "CPU-s/Gbit", False),
    ("w4_softirq_share", "4 softirq share of busy CPU", "fraction", None),
    ("w7_xdp_ns_per_pkt", "7 XDP prog run time, live w1 (gin)", "ns/pkt", False),
    ("loadavg1", "host 1-min load average at round end", "load", None),
    ("bpf_test_run_udp_ns", "7 bpf_prog_test_run XDP UDP est.", "ns/pkt", False),
    ("bpf_test_run_tcp_ns", "7 bpf_prog_test_run XDP TCP est.", "ns/pkt", False),
]


def fmt(v):
    if v is None:
        return "-"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    if abs(v) >= 10:
        return f"{v:.1f}"
    return f"{v:.3g}"


def parse_bpf_tests(path):
    """Net-of-baseline ns/pkt of the 200000 single runs (bpf_tests --bench)."""
    out = {}
    try:
        text = open(path).read()
    except OSError:
        return out
    for proto in ("udp", "tcp"):
        m = re.search(r"xdp ipv4 %s established reply .*?200000 single runs: ([0-9.]+) ns/pkt "
                      r"kernel-side, ([0-9.]+) ns/pkt net" % proto, text)
        if m:
            out["bpf_test_run_%s_ns" % proto] = float(m.group(2))
            out["bpf_test_run_%s_ns_gross" % proto] = float(m.group(1))
    return out


def main():
    rounds_path, bpft_path, meta_path, out_path = sys.argv[1:5]
    chart_path = sys.argv[5] if len(sys.argv) > 5 else None
    rounds = []
    for line in open(rounds_path):
        line = line.strip()
        if line:
            rounds.append(json.loads(line))
    meta = json.load(open(meta_path))
    bpft = parse_bpf_tests(bpft_path)

    results = []
    for key, label, unit, higher in ROWS:
        row = {"metric": key, "workload": label, "unit": unit,
               "higher_is_better": higher}
        any_val = False
        for gw in GWS:
            if key.startswith("bpf_test_run"):
                vals = [bpft[key]] if (gw == "bpfalg" and key in bpft) else []
            else:
                vals = [r[key] for r in rounds
                        if r.get("gw") == gw and isinstance(r.get(key), (int, float))]
            if vals:
                any_val = True
                row[gw] = {"median": statistics.median(vals), "min": min(vals),
                           "max": max(vals), "n": len(vals), "values": vals}
            else:
                row[gw] = None
        if not any_val:
            continue
        for a, b in (("bpfalg", "kernel"), ("bpfalg", "ceiling")):
            x, y = row.get(a), row.get(b)
            r = None
            if higher is not None and x and y and y["median"]:
                r = x["median"] / y["median"]
            row[f"{a}/{b}"] = r
        results.append(row)

    doc = {"meta": meta, "results": results, "rounds": rounds,
           "bpf_tests_bench": bpft}
    with open(out_path, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")

    # Aligned table
    head = ["workload", "unit", "kernel", "bpfalg", "ceiling", "bpfalg/kernel", "bpfalg/ceiling"]
    lines = []
    for row in results:
        cells = [row["workload"], row["unit"]]
        for gw in GWS:
            s = row[gw]
            if not s:
                cells.append("-")
            elif s["n"] == 1:
                cells.append(fmt(s["median"]))
            else:
                cells.append(f"{fmt(s['median'])} [{fmt(s['min'])}-{fmt(s['max'])}]")
        for k in ("bpfalg/kernel", "bpfalg/ceiling"):
            cells.append("-" if row[k] is None else f"{row[k]:.2f}")
        lines.append(cells)
    widths = [max(len(str(c)) for c in col) for col in zip(head, *lines)]
    def emit(cells):
        print("  ".join(str(c).ljust(w) if i < 2 else str(c).rjust(w)
                        for i, (c, w) in enumerate(zip(cells, widths))).rstrip())
    emit(head)
    print("  ".join("-" * w for w in widths))
    for cells in lines:
        emit(cells)
    print()
    print("median [min-max] over %s rounds per gateway (interleaved); %s s windows." %
          (meta.get("rounds"), meta.get("dur_s")))
    print("NOTE: the sender (trafgen/iperf3) and the receiver share the %s CPUs with the gateway;"
          " delivered pkt/s is bounded by the sender (~350 kpps here), so also read the"
          " per-packet program cost (workload 7)." % meta.get("cpus"))
    print("JSON: %s" % out_path)

    if chart_path:
        with open(chart_path, "w") as f:
            for i, row in enumerate(r for r in results if r["higher_is_better"] is not None):
                bk = row["bpfalg/kernel"]
                bc = row["bpfalg/ceiling"]
                f.write('%d "%s" %s %s\n' % (i, row["metric"],
                                             "NaN" if bk is None else f"{bk:.3f}",
                                             "NaN" if bc is None else f"{bc:.3f}"))


if __name__ == "__main__":
    main()
