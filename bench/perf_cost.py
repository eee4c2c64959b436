#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Gateway CPU time per packet from a `perf record -a -g -e cpu-clock` profile.

usage: perf_cost.py PERF.DATA PACKETS

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
  bpf      a frame of the gateway's own BPF programs (bpfalg's xdp_alg /
           tc_alg, the ceiling's xdp_ceiling; not the endpoints' xdp_pass),
           with the helpers they call
  redirect xdp_do_redirect / xdp_do_flush: XDP's transmit into the veth
  gw       the union of the four
Prints one JSON object: ns per packet for each, the samples behind it, and
the whole profile's CPU time per packet.
"""
import json
import re
import subprocess
import sys

GW_PROGS = re.compile(r"bpf_prog_[0-9a-f]+_(xdp_alg|tc_alg|xdp_ceiling)")


def classify(frames):
    cats = set()
    for f in frames:
        if f == "nf_hook_slow":
            cats.add("nf")
        elif f == "ip_forward":
            cats.add("fwd")
        elif f in ("xdp_do_redirect", "xdp_do_flush"):
            cats.add("redirect")
        elif GW_PROGS.match(f):
            cats.add("bpf")
    return cats


def main():
    data, packets = sys.argv[1], int(sys.argv[2])
    out = subprocess.run(["perf", "script", "-i", data, "-F", "period,ip,sym"],
                         capture_output=True, text=True)
    if out.returncode:
        sys.exit("perf script: " + out.stderr.strip()[:200])
    ns = {"nf": 0, "fwd": 0, "bpf": 0, "redirect": 0, "gw": 0}
    n = dict.fromkeys(ns, 0)
    total = samples = 0
    period, frames = None, []

    def flush():
        nonlocal total, samples
        if period is None:
            return
        samples += 1
        total += period
        cats = classify(frames)
        for c in cats:
            ns[c] += period
            n[c] += 1
        if cats:
            ns["gw"] += period
            n["gw"] += 1

    for line in out.stdout.splitlines():
        s = line.strip()
        if not s:
            continue
        parts = s.split()
        # a sample's header line holds its period; its frames follow,
        # tab-indented
        if len(parts) == 1 and parts[0].isdigit() and not line.startswith("\t"):
            flush()
            period, frames = int(parts[0]), []
        elif len(parts) >= 2:
            # "ffffffff81f80893 nf_hook_slow+0x43"
            frames.append(parts[1].split("+", 1)[0])
    flush()
    if not samples:
        sys.exit("perf script: no samples")
    res = {k + "_ns_per_pkt": round(v / max(1, packets), 1) for k, v in ns.items()}
    res.update({k + "_samples": v for k, v in n.items()})
    res["samples"] = samples
    res["all_ns_per_pkt"] = round(total / max(1, packets), 1)
    print(json.dumps(res))


if __name__ == "__main__":
    main()
