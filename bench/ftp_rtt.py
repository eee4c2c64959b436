#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Workload 6 client: FTP control-command round-trip times on ONE control
connection (bench/ftp_latency.sh runs it in the client namespace).

  ftp_rtt.py HOST --noops N --ports M --batch B --pause S --port-addr A.B.C.D

Logs in (anonymous), sends W unrecorded NOOPs (warm-up), then
  noop series: N x "NOOP" back to back (the gateway parses, rewrites nothing)
  port series: M x "PORT A,B,C,D,p1,p2" (a different port each time), in
               batches of B back to back; before each batch S seconds of
               idle (bpfalg: the previous batch's pinholes expire, so that
               every PORT is rewritten and opens a pinhole) followed by one
               unrecorded NOOP (wakes the path up after the idle time).
RTT of a command = time.perf_counter_ns() around sendall(command) and the
reception of its whole one-line reply.  Every reply must be "200 ..."
(vsftpd answers 500 to a PORT whose address is not the control
connection's peer, i.e. one the gateway did not rewrite): others are
counted and make the exit status 2.

Prints one JSON object: per series n, p50/p90/p99/p99.9/min/max/mean in
microseconds, plus the number of commands sent in all (login included).
"""
import argparse
import json
import math
import socket
import sys
import time


class Ctrl:
    def __init__(self, host, port, timeout):
        self.s = socket.create_connection((host, port), timeout=timeout)
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        self.sent = 0

    def line(self):
        while True:
            i = self.buf.find(b"\r\n")
            if i >= 0:
                ln, self.buf = self.buf[:i], self.buf[i + 2:]
                return ln
            d = self.s.recv(4096)
            if not d:
                raise EOFError("control connection closed")
            self.buf += d

    def reply(self):
        """A whole reply (multi-line ones too); returns (code, text)."""
        ln = self.line()
        code = ln[:3]
        if ln[3:4] == b"-":
            while True:
                nl = self.line()
                if nl[:3] == code and nl[3:4] == b" ":
                    break
        return code.decode(errors="replace"), ln.decode(errors="replace")

    def cmd(self, text):
        self.s.sendall(text.encode() + b"\r\n")
        self.sent += 1
        return self.reply()

    def timed(self, text):
        """(rtt_ns, code, line) of one single-line-reply command."""
        data = text.encode() + b"\r\n"
        t0 = time.perf_counter_ns()
        self.s.sendall(data)
        ln = self.line()
        t1 = time.perf_counter_ns()
        self.sent += 1
        if ln[3:4] == b"-":  # not expected for NOOP/PORT; stay in sync
            code = ln[:3]
            while True:
                nl = self.line()
                if nl[:3] == code and nl[3:4] == b" ":
                    break
        return t1 - t0, ln[:3].decode(errors="replace"), ln.decode(errors="replace")


def pct(sorted_v, q):
    """Nearest-rank percentile of an ascending list."""
    if not sorted_v:
        return None
    k = max(1, math.ceil(q * len(sorted_v)))
    return sorted_v[k - 1]


def summary(ns):
    v = sorted(x / 1000.0 for x in ns)
    if not v:
        return {"n": 0}
    return {"n": len(v), "p50_us": round(pct(v, 0.50), 2), "p90_us": round(pct(v, 0.90), 2),
            "p99_us": round(pct(v, 0.99), 2), "p999_us": round(pct(v, 0.999), 2),
            "min_us": round(v[0], 2), "max_us": round(v[-1], 2),
            "mean_us": round(sum(v) / len(v), 2)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("host")
    ap.add_argument("--ctl-port", type=int, default=21)
    ap.add_argument("--noops", type=int, default=1000)
    ap.add_argument("--ports", type=int, default=1000)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--pause", type=float, default=3.2)
    ap.add_argument("--warmup", type=int, default=50)
    ap.add_argument("--port-addr", required=True, help="address in the PORT commands (the client's)")
    ap.add_argument("--first-port", type=int, default=20000)
    ap.add_argument("--timeout", type=float, default=5.0)
    ap.add_argument("--dump", help="write the raw samples (ns) here as JSON")
    a = ap.parse_args()

    c = Ctrl(a.host, a.ctl_port, a.timeout)
    code, text = c.reply()
    if code != "220":
        sys.exit("ftp_rtt: banner: %s" % text)
    code, text = c.cmd("USER anonymous")
    if code == "331":
        code, text = c.cmd("PASS bench@")
    if code != "230":
        sys.exit("ftp_rtt: login: %s" % text)
    bad = {"noop": 0, "port": 0}
    bad_text = []
    for _ in range(a.warmup):
        c.timed("NOOP")

    noop = []
    for _ in range(a.noops):
        dt, code, text = c.timed("NOOP")
        noop.append(dt)
        if code != "200":
            bad["noop"] += 1
            bad_text.append(text)

    port = []
    depth = []  # position of each PORT in its batch (bpfalg: live pinholes before it)
    hh = a.port_addr.replace(".", ",")
    p = a.first_port
    done = 0
    batches = 0
    t_port0 = time.monotonic()
    while done < a.ports:
        if batches:
            time.sleep(a.pause)
        c.timed("NOOP")  # unrecorded: the first command after the idle time
        batches += 1
        for i in range(min(a.batch, a.ports - done)):
            dt, code, text = c.timed("PORT %s,%d,%d" % (hh, p >> 8, p & 255))
            port.append(dt)
            depth.append(i)
            if code != "200":
                bad["port"] += 1
                bad_text.append(text)
            p = p + 1 if p < 60000 else 20000
            done += 1
    t_port = time.monotonic() - t_port0
    try:
        c.cmd("QUIT")
    except (OSError, EOFError):
        pass

    # p50 of the first and the last 8 PORTs of the batches: bpfalg checks
    # every live pinhole of the flow on each punt, so its cost grows with
    # the position in the batch.
    first = [x for x, d in zip(port, depth) if d < 8]
    last = [x for x, d in zip(port, depth) if d >= a.batch - 8]
    out = {"noop": summary(noop), "port": summary(port),
           "port_first8": summary(first), "port_last8": summary(last),
           "port_batches": batches,
           "port_batch": a.batch, "port_pause_s": a.pause, "port_series_s": round(t_port, 2),
           "commands_sent": c.sent, "non_200": bad, "non_200_examples": bad_text[:5]}
    if a.dump:
        with open(a.dump, "w") as f:
            json.dump({"noop_ns": noop, "port_ns": port}, f)
    print(json.dumps(out))
    sys.exit(2 if bad["noop"] or bad["port"] else 0)


if __name__ == "__main__":
    main()
