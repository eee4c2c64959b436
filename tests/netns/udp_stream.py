#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""A sequence-numbered UDP stream through the gateway, to count loss.

  udp_stream.py echo PORT SECONDS
      echo every datagram back to its sender for SECONDS
  udp_stream.py send ADDR PORT SECONDS INTERVAL_MS
      send datagram 0, 1, 2, ... every INTERVAL_MS for SECONDS, collect the
      echoes until one second after the last, print one line:
        sent N echoed M missing K [first missing sequence numbers]
      exit 0 (the caller judges the numbers)
"""
import select
import socket
import struct
import sys
import time


def echo(port, seconds):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", port))
    end = time.monotonic() + seconds
    while True:
        left = end - time.monotonic()
        if left <= 0:
            return
        r, _, _ = select.select([s], [], [], left)
        if r:
            try:
                data, peer = s.recvfrom(2048)
                s.sendto(data, peer)
            except OSError:
                pass  # the namespace is going away


def send(addr, port, seconds, interval_ms):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect((addr, port))
    s.setblocking(False)
    got = set()
    n = 0
    start = time.monotonic()
    end = start + seconds
    pad = b"x" * 64
    while True:
        now = time.monotonic()
        if now >= end + 1.0:
            break
        if now < end and now >= start + n * interval_ms / 1000.0:
            try:
                s.send(struct.pack("!I", n) + pad)
            except OSError:
                pass  # counted as missing
            n += 1
        wait = max(0.0, min(start + n * interval_ms / 1000.0, end + 1.0) - now)
        r, _, _ = select.select([s], [], [], wait if now < end else end + 1.0 - now)
        while r:
            try:
                data = s.recv(2048)
            except (BlockingIOError, ConnectionRefusedError):
                break
            if len(data) >= 4:
                got.add(struct.unpack("!I", data[:4])[0])
    missing = [i for i in range(n) if i not in got]
    print("sent %d echoed %d missing %d %s"
          % (n, len(got), len(missing), ",".join(map(str, missing[:20]))))


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "echo":
        echo(int(sys.argv[2]), float(sys.argv[3]))
    elif len(sys.argv) == 6 and sys.argv[1] == "send":
        send(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]),
             float(sys.argv[5]))
    else:
        sys.stderr.write(__doc__)
        sys.exit(2)


if __name__ == "__main__":
    main()
