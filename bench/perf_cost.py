#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Gateway CPU time per packet from a `perf record -a -g -e cpu-clock` profile.

usage: perf_cost.py PERF.DATA PACKETS [PID,PID...]

This VM exposes no hardware counters (`perf stat -e cycles`: not
supported), so the profile is timer sampling: every sample stands for its
period of CPU time (ns).  A sample counts as the gateway's when its call
chain passes through what the gateway does and nothing else on the path
does:
  nf       nf_hook_slow: netfilter hooks (conntrack, NAT, nft chains); in
           every round this includes the server's one-rule raw chain that
           counts and drops the packets (the ceiling's "nf" is that alone)
  fwd      ip_forward: the kernel's forwarding (FORWARD and POSTROUTING
           hooks, routing, neighbour output, the transmit into the veth)
  bpf      a frame of the gateway's own BPF programs (any JITed program
           but the endpoints' xdp_pass / tc_pass: bpfalg's xdp_alg,
           tc_ingress and tc_egress and their subprograms, the ceiling's
           xdp_ceiling), with the helpers they call
  redirect xdp_do_redirect / xdp_do_flush: XDP's transmit into the veth;
           skb_do_redirect: the TC path's (bpf_redirect from TC ingress,
           the egress device's TC and its transmit)
  gw       the union of the four
Only samples taken in the context of the given processes (the client
namespace's: trafgen, whose sendto() runs the softirq that forwards its
packets) or of ksoftirqd (where that work goes when it runs long) count:
the profile is system-wide, and other work on the host (another session's
tests through its own nftables or bpfalg) must not be charged to ours.
Prints one JSON object: ns per packet for each, the samples behind it, the
share of the gateway samples taken in ksoftirqd, the CPU time per packet
of those contexts and of the whole profile, and the busy samples of other
work (not idle, not ours) with the command that had most of them.
"""
import json
import os
import re
import subprocess
import sys

# JITed programs are "bpf_prog_<tag>_<function>" in kallsyms, subprograms
# too (bpfalg's TC entry points are tc_ingress / tc_egress, its helpers'
# names change with the code): every program but the endpoints' counts
BPF_PROG = re.compile(r"bpf_prog_[0-9a-f]+_(\w+)$")
ENDPOINT_PROGS = {"xdp_pass", "tc_pass"}


def classify(frames):
    cats = set()
    for f in frames:
        if f == "nf_hook_slow":
            cats.add("nf")
        elif f == "ip_forward":
            cats.add("fwd")
        elif f in ("xdp_do_redirect", "xdp_do_flush", "skb_do_redirect"):
            cats.add("redirect")
        else:
            m = BPF_PROG.match(f)
            if m and m.group(1) not in ENDPOINT_PROGS:
                cats.add("bpf")
    return cats


def main():
    data, packets = sys.argv[1], int(sys.argv[2])
    pids = {int(p) for p in sys.argv[3].split(",") if p} if len(sys.argv) > 3 else None
    out = subprocess.run(["perf", "script", "-i", data, "-F", "comm,pid,period,ip,sym"],
                         capture_output=True, text=True)
    if out.returncode:
        sys.exit("perf script: " + out.stderr.strip()[:200])
    ns = {"nf": 0, "fwd": 0, "bpf": 0, "redirect": 0, "gw": 0}
    n = dict.fromkeys(ns, 0)
    total = total_ours = samples = ours = gw_softirqd = 0
    period, frames, mine, softirqd, comm = None, [], False, False, ""
    others = {}  # busy samples outside our contexts, by command

    def flush():
        nonlocal total, total_ours, samples, ours, gw_softirqd
        if period is None:
            return
        samples += 1
        total += period
        if not mine:
            if not comm.startswith("swapper"):
                others[comm] = others.get(comm, 0) + 1
            return
        ours += 1
        total_ours += period
        cats = classify(frames)
        for c in cats:
            ns[c] += period
            n[c] += 1
        if cats:
            ns["gw"] += period
            n["gw"] += 1
            gw_softirqd += softirqd

    for line in out.stdout.splitlines():
        s = line.strip()
        if not s:
            continue
        parts = s.split()
        # a sample's header line: "COMM PID PERIOD" (the command may hold
        # spaces); its frames follow, tab-indented
        if not line.startswith("\t") and len(parts) >= 3 and parts[-1].isdigit() \
                and parts[-2].isdigit():
            flush()
            period, frames = int(parts[-1]), []
            comm, pid = " ".join(parts[:-2]), int(parts[-2])
            softirqd = comm.startswith("ksoftirqd/")
            mine = pids is None or pid in pids or softirqd
        elif len(parts) >= 2:
            # "ffffffff81f80893 nf_hook_slow+0x43"
            frames.append(parts[1].split("+", 1)[0])
    flush()
    if not samples:
        sys.exit("perf script: no samples")
    res = {k + "_ns_per_pkt": round(v / max(1, packets), 1) for k, v in ns.items()}
    res.update({k + "_samples": v for k, v in n.items()})
    res["samples"] = samples
    res["samples_ours"] = ours
    res["gw_softirqd_share"] = round(gw_softirqd / max(1, n["gw"]), 3)
    # everything in those contexts: the sender's own cost (sendto, trafgen)
    # plus the path's; and the whole profile (other work included)
    res["ours_ns_per_pkt"] = round(total_ours / max(1, packets), 1)
    res["all_ns_per_pkt"] = round(total / max(1, packets), 1)
    # other work on the host in the window (not idle, not ours): a sender
    # starved by it shows as few samples_ours and a low rate
    # the sender's contexts in CPUs (1.0: trafgen kept one CPU busy;
    # well below: it stalled, e.g. waiting for its TX ring)
    res["ours_cpus"] = round(ours * (os.cpu_count() or 1) / samples, 2)
    res["samples_others"] = sum(others.values())
    if others:
        top = max(others, key=others.get)
        res["others_top"] = "%s:%d" % (top, others[top])
    print(json.dumps(res))


if __name__ == "__main__":
    main()
