#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Aggregate bench/round.sh results: median and spread per gateway, ratios.

usage: report.py ROUNDS.jsonl BPF_TESTS_BENCH.txt META.json OUT.json [CHART.dat]
       report.py --render RESULTS.json [CHART.dat]   (a results file again,
                                                     old ones included)
Prints the aligned table on stdout and writes the same as JSON to OUT.json.
Lines of ROUNDS.jsonl with "set": "w6" (bench/ftp_latency.sh, workload 6:
gateways plain/kernel/bpfalg) go to a second table and to "w6" in the JSON.

Gateways (bench/round.sh): plain (routing only), kernel (nftables
masquerade), bpfalg-tc (the TC path on veth: the headline), bpfalg (XDP
native), ceiling (XDP redirect, no NAT); columns for those present.
Every ratio reads "higher is better": gateway/reference for rates, and
reference/gateway for costs (ns, us, CPU-s per unit; "ref/gw" in the
table's ratio column, "ratio_inverted" in the JSON).  Results written
before the ratios were oriented hold raw quotients under "bpfalg/kernel"
and "bpfalg/ceiling"; those keys are still written (the raw median
quotient, as before) and read, and --render recomputes everything from a
file's rounds.
"""
import json
import re
import statistics
import sys

# Column order.  "bpfalg" is the XDP fast path (lib.sh GW=bpfalg-xdp), as in
# every results file; "bpfalg-tc" is lib.sh GW=bpfalg (TC fast path).
GWS = ("plain", "kernel", "bpfalg-tc", "bpfalg", "ceiling")
# (gateway, reference): the ratios, the headline first
RATIOS = (("bpfalg-tc", "kernel"), ("bpfalg", "kernel"),
          ("bpfalg-tc", "plain"), ("bpfalg", "plain"), ("kernel", "plain"),
          ("bpfalg", "ceiling"))
# raw median quotients, the only ratios of older results files
LEGACY_RATIOS = (("bpfalg", "kernel"), ("bpfalg", "ceiling"))

# (key in the round JSON, workload label, unit, higher is better)
ROWS = [
    ("w1_pps", "1 UDP 64B, one 5-tuple", "pkt/s delivered", True),
    ("w1_perf_gw_ns_per_pkt", "1 gateway CPU per pkt (perf: nf+fwd+bpf+redirect)", "ns/pkt", False),
    ("w1_perf_nf_ns_per_pkt", "1   of it netfilter (incl. server's drop chain)", "ns/pkt", False),
    ("w1_perf_fwd_ns_per_pkt", "1   of it ip_forward (kernel routing, xmit)", "ns/pkt", False),
    ("w1_perf_bpf_ns_per_pkt", "1   of it the gateway's BPF programs", "ns/pkt", False),
    ("w1_perf_redirect_ns_per_pkt", "1   of it redirect (XDP or TC: xmit)", "ns/pkt", False),
    ("w1_softirq_ns_per_pkt", "1 host softirq time per delivered pkt", "ns/pkt", False),
    ("w1_perf_ours_cpus", "1 sender's contexts busy (1 = a CPU; less: it stalled)", "CPUs", None),
    ("w1_tc_redirected", "1 bpfalg tc_redirected (TC path, whole run)", "count", None),
    ("w1_xdp_forwarded", "1 bpfalg xdp_forwarded (XDP path, whole run)", "count", None),
    ("w2_pps", "2 UDP 64B, new flow per pkt (table filling)", "pkt/s delivered", True),
    ("w2_full_pps", "2 same, flow table at its limit", "pkt/s delivered", True),
    ("w2_flow_new_per_s", "2 bpfalg flow_new rate (filling)", "flows/s", True),
    ("w2_flows_in_use", "2 flow table in use at end", "entries", None),
    ("w2_flows_max", "2 flow table limit", "entries", None),
    ("w2_flow_table_full", "2 bpfalg flow_table_full (at limit)", "count", None),
    ("w3_cps", "3 TCP conn/req/resp/close, W3_CONC in flight", "conn/s", True),
    ("w3_conc", "3 transactions in flight", "count", None),
    ("w3_failed", "3 failed transactions", "count", None),
    ("w3_lat_p50_us", "3 transaction latency p50, W3_CONC in flight", "us", False),
    ("w3_lat_p99_us", "3 transaction latency p99, W3_CONC in flight", "us", False),
    ("w3_c1_lat_p50_us", "3 transaction latency p50, one at a time", "us", False),
    ("w3_c1_lat_p99_us", "3 transaction latency p99, one at a time", "us", False),
    ("w3_c1_failed", "3 failed transactions, one at a time", "count", None),
    ("w3_softirq_us_per_conn", "3 host softirq time per connection", "us/conn", False),
    ("w3_flows_in_use", "3 flow table in use after the rate run", "entries", None),
    ("w5_table_max", "5 flow table limit (both sides)", "entries", None),
    ("w5_1000_pps", "5 as 1, with 1,000 flows present", "pkt/s delivered", True),
    ("w5_1000_in_use", "5 flow table in use (1,000)", "entries", None),
    ("w5_1000_daemon_cpu", "5 bpfalg daemon CPU (1,000)", "CPUs", None),
    ("w5_100000_pps", "5 as 1, with 100,000 flows present", "pkt/s delivered", True),
    ("w5_100000_in_use", "5 flow table in use (100,000)", "entries", None),
    ("w5_100000_daemon_cpu", "5 bpfalg daemon CPU (100,000)", "CPUs", None),
    ("w5_1000000_pps", "5 as 1, with 1,000,000 flows present", "pkt/s delivered", True),
    ("w5_1000000_in_use", "5 flow table in use (1,000,000)", "entries", None),
    ("w5_1000000_daemon_cpu", "5 bpfalg daemon CPU (1,000,000)", "CPUs", None),
    ("w5_1000_perf_gw_ns_per_pkt", "5 gateway CPU per pkt (perf), 1,000 flows", "ns/pkt", False),
    ("w5_100000_perf_gw_ns_per_pkt", "5 gateway CPU per pkt (perf), 100,000 flows", "ns/pkt", False),
    ("w5_1000000_perf_gw_ns_per_pkt", "5 gateway CPU per pkt (perf), 1,000,000 flows", "ns/pkt", False),
    ("w5_1000_xdp_ns_per_pkt", "5 XDP prog run time, 1,000 flows", "ns/pkt", False),
    ("w5_1000000_xdp_ns_per_pkt", "5 XDP prog run time, 1,000,000 flows", "ns/pkt", False),
    ("w5_1000_tc_ns_per_pkt", "5 TC ingress prog run time, 1,000 flows", "ns/pkt", False),
    ("w5_1000000_tc_ns_per_pkt", "5 TC ingress prog run time, 1,000,000 flows", "ns/pkt", False),
    ("w5_slab_bytes_per_flow", "5 kernel slab growth per flow", "bytes", None),
    ("w5_ct_objsize", "5 kernel nf_conntrack object size", "bytes", None),
    ("w5_ct_buckets", "5 kernel conntrack hash buckets (host-wide)", "buckets", None),
    ("w5_map_bytes_per_entry", "5 bpfalg flow maps (both pairs) memlock per --flows entry", "bytes", None),
    ("w4_gbps", "4 TCP bulk (iperf3, 1 stream)", "Gbit/s", True),
    ("w4_cpu_s_per_gbit", "4 host CPU per Gbit (all 2 cores)", "CPU-s/Gbit", False),
    ("w4_softirq_share", "4 softirq share of busy CPU", "fraction", None),
    ("w7_xdp_ns_per_pkt", "7 XDP prog run time, live w1 (gin; bpfalg-tc: it passes)", "ns/pkt", False),
    ("w7_tc_ns_per_pkt", "7 TC ingress prog run time, live w1 (gin)", "ns/pkt", False),
    ("daemon_stop_s", "bpfalg daemon exit after SIGTERM, round end", "s", None),
    ("loadavg1", "host 1-min load average at round end", "load", None),
    ("bpf_test_run_udp_ns", "7 bpf_prog_test_run XDP UDP est.", "ns/pkt", False),
    ("bpf_test_run_tcp_ns", "7 bpf_prog_test_run XDP TCP est.", "ns/pkt", False),
]


# The chart's bars: the headline of each workload (the table has the rest).
CHART_METRICS = ("w1_pps", "w1_perf_gw_ns_per_pkt", "w2_pps", "w2_full_pps", "w3_cps",
                 "w3_c1_lat_p50_us", "w4_gbps", "w4_cpu_s_per_gbit", "w5_1000_pps",
                 "w5_1000000_pps", "w7_xdp_ns_per_pkt")


def fmt(v):
    if v is None:
        return "-"
    if isinstance(v, int):
        return f"{v:,}"
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


# Workload 6 (bench/ftp_latency.sh): its own gateways and its own table.
W6_GWS = ("plain", "kernel", "bpfalg")
# (key, label, unit, kind): kind "lat" gets the added latency (gateway -
# plain of the same round), "tput" the ratio bpfalg/kernel, None neither.
W6_ROWS = [
    ("w6_noop_p50_us", "6 NOOP RTT p50 (punted, parsed, not rewritten)", "us", "lat"),
    ("w6_noop_p99_us", "6 NOOP RTT p99", "us", "lat"),
    ("w6_port_p50_us", "6 PORT RTT p50 (each rewritten, a pinhole each)", "us", "lat"),
    ("w6_port_p99_us", "6 PORT RTT p99", "us", "lat"),
    ("w6_port_first8_p50_us", "6 PORT p50, first 8 of each batch", "us", "lat"),
    ("w6_port_last8_p50_us", "6 PORT p50, last 8 of each batch", "us", "lat"),
    ("w6_noop_n", "6 NOOP commands measured", "count", None),
    ("w6_port_n", "6 PORT commands measured", "count", None),
    ("w6_ftp_punted", "6 bpfalg ftp_punted (commands + replies)", "count", None),
    ("w6_ftp_rewritten", "6 bpfalg ftp_rewritten", "count", None),
    ("w6_ftp_active_gbps", "6 active FTP download (data via pinhole)", "Gbit/s", "tput"),
    ("w6_ftp_passive_gbps", "6 passive FTP download (plain NAT flow)", "Gbit/s", "tput"),
    ("w6_iperf3_rev_gbps", "6 iperf3 -R, same size (plain NAT flow)", "Gbit/s", "tput"),
    ("loadavg1", "host 1-min load average at round end", "load", None),
]
# Goals (benchmark targets, not tests): what bpfalg adds per command RTT.
W6_GOALS = {"p50_us": 30.0, "p99_us": 100.0}
# What the kernel's in-line helper adds on this machine, for reading.
W6_KERNEL_REF = {"p50_us": 4.0, "p99_us": 20.0}


def num(r, k):
    v = r.get(k)
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def stats(vals):
    return {"median": statistics.median(vals), "min": min(vals), "max": max(vals),
            "n": len(vals), "values": vals}


def cell(s):
    if not s:
        return "-"
    if s["n"] == 1:
        return fmt(s["median"])
    sep = ".." if s["min"] < 0 else "-"  # [-1.7..3.9], not [-1.7-3.9]
    return f"{fmt(s['median'])} [{fmt(s['min'])}{sep}{fmt(s['max'])}]"


def emit_table(head, lines, left=2):
    widths = [max(len(str(c)) for c in col) for col in zip(head, *lines)]

    def emit(cells):
        print("  ".join(str(c).ljust(w) if i < left else str(c).rjust(w)
                        for i, (c, w) in enumerate(zip(cells, widths))).rstrip())
    emit(head)
    print("  ".join("-" * w for w in widths))
    for cells in lines:
        emit(cells)


def oriented(x, y, higher):
    """The ratio of medians x (gateway) to y (reference), higher is better:
    x/y for rates, y/x for costs; None if not comparable (a cost of 0 on
    either side: that part does not exist there)."""
    if higher is None or not x or not y:
        return None
    a, b = x["median"], y["median"]
    if higher:
        return a / b if b else None
    return b / a if a and b else None


def add_ratios(row):
    """Fill a row's ratios from its per-gateway stats."""
    higher = row.get("higher_is_better")
    row["ratio_inverted"] = None if higher is None else not higher
    row["ratios"] = {f"{a}/{b}": oriented(row.get(a), row.get(b), higher) for a, b in RATIOS}
    # the raw quotient under the keys older results files have (their
    # readers expect median(bpfalg) / median(reference), costs not inverted)
    for a, b in LEGACY_RATIOS:
        x, y = row.get(a), row.get(b)
        row[f"{a}/{b}"] = (x["median"] / y["median"]
                           if higher is not None and x and y and y["median"] else None)
    return row


def main_results(rounds, bpft):
    results = []
    for key, label, unit, higher in ROWS:
        row = {"metric": key, "workload": label, "unit": unit,
               "higher_is_better": higher}
        any_val = False
        for gw in GWS:
            if key.startswith("bpf_test_run"):
                # bpf_prog_test_run of xdp_alg: bpfalg's XDP program
                vals = [bpft[key]] if (gw == "bpfalg" and key in bpft) else []
            else:
                vals = [r[key] for r in rounds if r.get("gw") == gw and num(r, key)]
            if vals:
                any_val = True
                row[gw] = stats(vals)
            else:
                row[gw] = None
        if not any_val:
            continue
        results.append(add_ratios(row))
    return results


def present(results):
    """Gateways and ratio pairs with a value in any row, in column order."""
    gws = [gw for gw in GWS if any(r.get(gw) for r in results)]
    pairs = [f"{a}/{b}" for a, b in RATIOS if a in gws and b in gws and
             any(r["ratios"].get(f"{a}/{b}") is not None for r in results)]
    return gws, pairs


def main_table(results, meta):
    gws, pairs = present(results)
    head = ["workload", "unit", "ratio"] + gws + pairs
    lines = []
    for row in results:
        inv = row.get("ratio_inverted")
        if not any(row["ratios"].get(k) is not None for k in pairs):
            inv = None
        cells = [row["workload"], row["unit"], "" if inv is None else ("ref/gw" if inv else "gw/ref")]
        cells += [cell(row.get(gw)) for gw in gws]
        for k in pairs:
            v = row["ratios"].get(k)
            cells.append("-" if v is None else f"{v:.2f}")
        lines.append(cells)
    emit_table(head, lines, left=3)
    print()
    print("median [min-max] over %s rounds per gateway (interleaved); %s s windows." %
          (meta.get("rounds"), meta.get("dur_s")))
    print("Ratios of medians, higher is better in every column: gateway/reference for rates"
          " (gw/ref), reference/gateway for costs (ref/gw: 2.00 = half the reference's cost).")
    notes = []
    if "bpfalg-tc" in gws:
        notes.append("bpfalg-tc: the TC fast path on veth, what pods and VM guests get: the"
                     " headline")
    if "bpfalg" in gws:
        notes.append("bpfalg: the XDP fast path (--xdp-fast on; on veth it needs an XDP"
                     " program on the peers, xdp_pass here)")
    if "plain" in gws:
        notes.append("plain: routing only (no NAT, no state; workloads 2 and 5 do not apply)")
    if "ceiling" in gws:
        notes.append("ceiling: XDP redirect without NAT or state (workload 5 does not apply)")
    for n in notes:
        print(n + ".")
    print("NOTE: the sender (trafgen/iperf3) and the receiver share the %s CPUs with the gateway;"
          " delivered pkt/s is bounded by the sender (~350 kpps here), so also read the"
          " gateway's CPU per packet and the program run times." % meta.get("cpus"))
    keys = {r["metric"] for r in results}
    if "w1_perf_gw_ns_per_pkt" in keys:
        print("Gateway CPU per pkt: timer-sampled perf profile (cpu-clock; no hardware counters here),"
              " samples whose call chain passes nf_hook_slow, ip_forward, the gateway's BPF"
              " programs or xdp_do_redirect/flush or skb_do_redirect; the server's count-and-drop"
              " nft chain is in every round's netfilter share (all of it for plain, bpfalg's"
              " fast paths and the ceiling).")


def goals(results):
    """The goals of issue 7, each measured: value, limit, met (None: not
    measured in this run).  The rate goals against the kernel hold for the
    TC path (the headline) and, secondary, for XDP."""
    by = {r["metric"]: r for r in results}

    def med(metric, gw):
        row = by.get(metric)
        return row[gw]["median"] if row and row.get(gw) else None

    def ratio(metric, a, b):
        row = by.get(metric)
        return row["ratios"].get(f"{a}/{b}") if row else None

    def goal(value, limit, le=False, role=None):
        g = {"value": value, "limit": limit,
             "met": None if value is None else (value <= limit if le else value >= limit)}
        if role:
            g["role"] = role
        return g

    g = {"w1_bpfalg_tc_over_kernel": goal(ratio("w1_pps", "bpfalg-tc", "kernel"), 1.5,
                                          role="headline"),
         "w2_bpfalg_tc_over_kernel": goal(ratio("w2_pps", "bpfalg-tc", "kernel"), 1.5,
                                          role="headline"),
         "w1_bpfalg_over_kernel": goal(ratio("w1_pps", "bpfalg", "kernel"), 1.5, role="xdp"),
         "w1_bpfalg_over_ceiling": goal(ratio("w1_pps", "bpfalg", "ceiling"), 0.95, role="xdp"),
         "w2_bpfalg_over_kernel": goal(ratio("w2_pps", "bpfalg", "kernel"), 1.5, role="xdp")}
    steps = sorted(int(m.group(1)) for m in
                   (re.match(r"w5_(\d+)_pps$", k) for k in by) if m)
    if len(steps) >= 2:
        lo, hi = steps[0], steps[-1]
        for gw in ("kernel", "bpfalg-tc", "bpfalg"):
            a, b = med(f"w5_{lo}_pps", gw), med(f"w5_{hi}_pps", gw)
            if gw != "kernel" and not (a or b):
                continue
            d = goal(None if not (a and b) else round(100 * (1 - b / a), 1), 10.0, le=True)
            d.update({"from_flows": lo, "to_flows": hi})
            g[f"w5_{gw}_drop_pct"] = d
            # not a goal of the issue: the gateway's own cost per packet,
            # which other load on the host does not dilute
            a, b = med(f"w5_{lo}_perf_gw_ns_per_pkt", gw), med(f"w5_{hi}_perf_gw_ns_per_pkt", gw)
            if a and b:
                g[f"w5_{gw}_cost_rise_pct"] = {"value": round(100 * (b / a - 1), 1), "limit": None,
                                               "met": None, "from_flows": lo, "to_flows": hi}
    g["w7_xdp_test_run_ns"] = goal(med("bpf_test_run_udp_ns", "bpfalg"), 60.0, le=True)
    g["w7_xdp_live_ns"] = goal(med("w7_xdp_ns_per_pkt", "bpfalg"), 60.0, le=True)
    return g


GOAL_TEXT = {
    "w1_bpfalg_tc_over_kernel": "workload 1 bpfalg-tc/kernel pkt/s >= %g (headline: TC path on veth): %s",
    "w2_bpfalg_tc_over_kernel": "workload 2 bpfalg-tc/kernel new-flow pkt/s >= %g (headline: TC path"
                                " on veth): %s",
    "w1_bpfalg_over_kernel": "workload 1 bpfalg/kernel pkt/s >= %g (XDP): %s",
    "w1_bpfalg_over_ceiling": "workload 1 bpfalg/ceiling pkt/s >= %g (XDP): %s",
    "w2_bpfalg_over_kernel": "workload 2 bpfalg/kernel new-flow pkt/s >= %g (XDP): %s",
    "w7_xdp_test_run_ns": "workload 7 XDP established UDP, test_run net <= %g ns: %s",
    "w7_xdp_live_ns": "workload 7 XDP run time on live traffic <= %g ns: %s",
}


def goal_text(k):
    if k in GOAL_TEXT:
        return GOAL_TEXT[k]
    m = re.match(r"w5_(.+)_(drop|cost_rise)_pct$", k)
    if m and m.group(2) == "drop":
        return "workload 5 %s rate drop <= %%g %%%%: %%s" % m.group(1)
    if m:
        return "workload 5 %s gateway CPU per pkt change%%s: %%s" % m.group(1)
    return k + " %s: %s"


def goals_text(g):
    for k, x in g.items():
        if x["value"] is None:
            continue
        v = fmt(x["value"]) + (" %" if k.endswith("_pct") else "")
        extra = ""
        if "from_flows" in x:
            extra = " (%s -> %s flows)" % (f"{x['from_flows']:,}", f"{x['to_flows']:,}")
        if x["limit"] is None:  # measured alongside, not a goal
            print("info: " + goal_text(k) % ("", v + extra))
            continue
        print("goal: " + goal_text(k) % (x["limit"], v + extra +
                                         (": met" if x["met"] else ": NOT met")))


def w6_results(w6_rounds):
    """Per gateway median [min-max] over the rounds; added latency = gateway
    minus plain of the same round (paired), median [min-max]; for
    throughput the ratio of the medians bpfalg/kernel."""
    rows = []
    for key, label, unit, kind in W6_ROWS:
        row = {"metric": key, "workload": label, "unit": unit, "kind": kind}
        any_val = False
        for gw in W6_GWS:
            vals = [r[key] for r in w6_rounds if r.get("gw") == gw and num(r, key)]
            row[gw] = stats(vals) if vals else None
            any_val = any_val or bool(vals)
        if not any_val:
            continue
        plain = {r.get("round"): r[key] for r in w6_rounds
                 if r.get("gw") == "plain" and num(r, key)}
        for gw in ("kernel", "bpfalg"):
            d = None
            if kind == "lat":
                diffs = [round(r[key] - plain[r.get("round")], 2) for r in w6_rounds
                         if r.get("gw") == gw and num(r, key) and r.get("round") in plain]
                d = stats(diffs) if diffs else None
            row[f"{gw}-plain"] = d
        ratio = None
        if kind == "tput" and row["bpfalg"] and row["kernel"] and row["kernel"]["median"]:
            ratio = row["bpfalg"]["median"] / row["kernel"]["median"]
        row["bpfalg/kernel"] = ratio
        rows.append(row)
    by = {r["metric"]: r for r in rows}
    goals = {}
    for series in ("port", "noop"):
        for q, limit in W6_GOALS.items():
            row = by.get(f"w6_{series}_{q}")
            add = row.get("bpfalg-plain") if row else None
            goals[f"bpfalg_{series}_added_{q}"] = {
                "limit": limit,
                "value": add["median"] if add else None,
                "met": (add["median"] <= limit) if add else None}
    return {"rows": rows, "goals": goals, "kernel_reference_added": W6_KERNEL_REF,
            "traced": any(r.get("w6_traced") for r in w6_rounds)}


def w6_table(w6, meta):
    head = ["workload 6: ALG control path", "unit", "plain", "kernel", "bpfalg",
            "added kernel", "added bpfalg", "bpfalg/kernel"]
    lines = []
    for row in w6["rows"]:
        lines.append([row["workload"], row["unit"]] + [cell(row[g]) for g in W6_GWS] +
                     [cell(row["kernel-plain"]), cell(row["bpfalg-plain"]),
                      "-" if row["bpfalg/kernel"] is None else f"{row['bpfalg/kernel']:.2f}"])
    emit_table(head, lines)
    print()
    print("RTT of one command at the client (send until the whole reply is in), one FTP control"
          " connection to vsftpd, client, server and daemon on CPU %s; added = gateway minus"
          " plain routing of the same round; median [min-max] over %s round(s).  bpfalg punts"
          " every command and every reply (2 punted packets per RTT).  PORTs in batches of %s,"
          " the pinholes expired in between: bpfalg checks each live pinhole of the flow on"
          " every punt, hence first vs last 8." %
          (meta.get("w6_pin") or "(any)", meta.get("w6_rounds", "?"), meta.get("w6_batch", "?")))
    parts = []
    for series in ("port", "noop"):
        for q in ("p50_us", "p99_us"):
            x = w6["goals"][f"bpfalg_{series}_added_{q}"]
            if x["value"] is None:
                continue
            parts.append("%s %s %s us (<= %g: %s)" % (series.upper(), q[:3], fmt(x["value"]),
                                                     x["limit"], "met" if x["met"] else "NOT met"))
    if parts:
        print("goal, bpfalg added per command: " + "; ".join(parts) +
              ".  The kernel's in-line helper adds ~%g us p50, ~%g us p99 here." %
              (W6_KERNEL_REF["p50_us"], W6_KERNEL_REF["p99_us"]))
    if w6.get("traced"):
        print("NOTE: W6_TRACE was set: a tracer slowed the daemon, these RTTs are not results.")


def write_chart(path, results):
    """gnuplot data: a header line (the ratio pairs), then one line per
    metric of CHART_METRICS: index, label, the ratios (NaN: none)."""
    chart = [r for r in results if r["metric"] in CHART_METRICS]
    _, pairs = present(chart)
    with open(path, "w") as f:
        if not pairs:
            return
        f.write("n metric %s\n" % " ".join('"%s"' % p for p in pairs))
        for i, row in enumerate(chart):
            label = row["metric"] + (" (ref/gw)" if row.get("ratio_inverted") else "")
            vals = [row["ratios"].get(p) for p in pairs]
            f.write('%d "%s" %s\n' % (i, label, " ".join("NaN" if v is None else f"{v:.3f}"
                                                         for v in vals)))


def report(all_rounds, bpft, meta, out_path, chart_path):
    rounds = [r for r in all_rounds if r.get("set") != "w6"]
    w6_rounds = [r for r in all_rounds if r.get("set") == "w6"]
    results = main_results(rounds, bpft)
    w6 = w6_results(w6_rounds) if w6_rounds else None
    doc = {"meta": meta, "results": results, "rounds": all_rounds,
           "bpf_tests_bench": bpft, "goals": goals(results)}
    if w6:
        doc["w6"] = w6
    if out_path:
        with open(out_path, "w") as f:
            json.dump(doc, f, indent=1)
            f.write("\n")

    if results:
        main_table(results, meta)
        goals_text(doc["goals"])
    if results and w6:
        print()
    if w6:
        w6_table(w6, meta)
    if out_path:
        print("JSON: %s" % out_path)
    if chart_path:
        write_chart(chart_path, results)


def stored_results(doc):
    """A results file without per-round values: its rows as stored (old keys
    read: the gateways it has; ratios computed again, oriented)."""
    out = []
    for row in doc.get("results", []):
        row = dict(row)
        for gw in GWS:
            row.setdefault(gw, None)
        out.append(add_ratios(row))
    return out


def render_sip(doc):
    """bench/sip_rate.sh's results file (results/*sip*.json)."""
    by = {}
    for r in doc.get("rounds", []):
        by.setdefault(r.get("gw"), []).append(r)
    gws = [g for g in GWS if g in by]
    keys = [("rate_offered", "offered calls/s"),
            ("calls_per_s", "calls/s completed (per second offered)"),
            ("calls_failed", "failed calls"), ("daemon_cpu_share", "controller CPU (share of one CPU)"),
            ("softirq_cpu_share", "softirq CPU (share of one CPU)")]
    lines = []
    for k, label in keys:
        cells = []
        for g in gws:
            v = [r[k] for r in by[g] if num(r, k)]
            cells.append(cell(stats(v)) if v else "-")
        lines.append([label, ""] + cells)
    emit_table(["SIP, SIPp uac -> uas", ""] + gws, lines)


def render(path, chart_path):
    doc = json.load(open(path))
    print("== %s" % path)
    if "meta" not in doc and "rounds" in doc:
        render_sip(doc)
        return
    meta = doc.get("meta", {})
    if doc.get("rounds"):
        report(doc["rounds"], doc.get("bpf_tests_bench", {}), meta, None, chart_path)
        return
    results = stored_results(doc)
    if results:
        main_table(results, meta)
        goals_text(goals(results))
    if chart_path:
        write_chart(chart_path, results)


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--render":
        if len(sys.argv) < 3:
            sys.exit(__doc__)
        render(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else None)
        return
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    rounds_path, bpft_path, meta_path, out_path = sys.argv[1:5]
    chart_path = sys.argv[5] if len(sys.argv) > 5 else None
    all_rounds = []
    for line in open(rounds_path):
        line = line.strip()
        if line:
            all_rounds.append(json.loads(line))
    meta = json.load(open(meta_path))
    meta.setdefault("ratios", "higher is better: gateway/reference for rates, reference/gateway"
                              " for costs (rows with ratio_inverted); bpfalg/kernel and"
                              " bpfalg/ceiling at a row's top level: the raw median quotient,"
                              " as in older files")
    report(all_rounds, parse_bpf_tests(bpft_path), meta, out_path, chart_path)


if __name__ == "__main__":
    main()
