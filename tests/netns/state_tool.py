#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""State-core test peers for tests/netns/test_blind_rst.sh and
test_ipv6_inbound.sh (run inside a namespace).

  chat-server PORT          accept one TCP connection, send "s N" every
                            0.5 s, print "peer ADDR PORT" once and "rx LINE"
                            for every line received; "eof"/"reset" at the end
                            (both chat ends send nothing while a file "quiet"
                            exists in their working directory)
  chat-client HOST PORT SPORT  connect from SPORT, send "c N" every 0.5 s,
                            print "rx LINE" per line; "RESET" (exit 3) when
                            the connection is reset, "eof" (exit 2) on EOF
  rst IFACE SRC SPORT DST DPORT MODE
                            wait for the next segment SRC:SPORT -> DST:DPORT
                            that this host sends on IFACE (AF_PACKET,
                            outgoing), so SND.NXT = its seq + length, and
                            inject RSTs on the same 4-tuple: MODE "blind"
                            sends two with a sequence number 2^30 ahead of
                            and 2^30 behind SND.NXT (outside any window),
                            "exact" one at SND.NXT (what the peer accepts;
                            up to three while the peer keeps sending)
  frag6 SRC DST             non-first IPv6 fragments (offset > 0) of a UDP
                            datagram whose first fragment is never sent
  icmp6 SRC DST TYPE [HLIM] one ICMPv6 message of TYPE (informational types:
                            a plausible body: node information 139/140,
                            router advertisement 134, router renumbering 138)
  ptb6 SRC DST ISRC ISPORT IDST IDPORT MTU
                            ICMPv6 packet too big to DST quoting a UDP
                            datagram ISRC:ISPORT -> IDST:IDPORT
  udp6-server ADDR PORT SIZE  answer the first datagram with SIZE bytes of a
                            known pattern, print "peer ADDR PORT"
  udp6-client DST PORT SPORT SIZE HOLD  send a request from SPORT, expect the
                            SIZE-byte pattern back ("reply ok N"), keep the
                            socket open HOLD seconds (so an ICMPv6 error
                            quoting the flow finds it)

Raw packets are built with struct (checksums computed here) and sent through
IPPROTO_RAW sockets (IP header included) or AF_PACKET.
Exit 0 on success; on failure one line "state_tool: reason", exit 1.
"""
import errno
import os
import select
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4


def die(msg):
    sys.stderr.write("state_tool: %s\n" % msg)
    sys.exit(1)


def out(*a):
    print(*a, flush=True)


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


# ---------------------------------------------------------------- TCP chat

def _lines(sock, buf):
    data = sock.recv(4096)
    if not data:
        return None, buf
    buf += data
    lines = []
    while b"\n" in buf:
        l, buf = buf.split(b"\n", 1)
        lines.append(l.decode(errors="replace"))
    return lines, buf


def _chat(sock, me):
    n = 0
    buf = b""
    nxt = time.monotonic()
    while True:
        now = time.monotonic()
        if now >= nxt:
            # a file "quiet" in the working directory pauses the sender
            if not os.path.exists("quiet"):
                n += 1
                sock.sendall(("%s %d\n" % (me, n)).encode())
            nxt = now + 0.5
        r, _, _ = select.select([sock], [], [], max(0.0, nxt - now))
        if r:
            lines, buf = _lines(sock, buf)
            if lines is None:
                return "eof"
            for l in lines:
                out("rx", l)


def chat_server(port):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("0.0.0.0", int(port)))
    ls.listen(1)
    s, peer = ls.accept()
    out("peer", peer[0], peer[1])
    try:
        out(_chat(s, "s"))
    except ConnectionResetError:
        out("reset")
    except OSError as e:
        out("error", e.strerror)


def chat_client(host, port, sport):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", int(sport)))
    s.settimeout(5)
    s.connect((host, int(port)))
    s.settimeout(None)
    out("connected")
    try:
        r = _chat(s, "c")
    except (ConnectionResetError, BrokenPipeError):
        out("RESET")
        sys.exit(3)
    except OSError as e:
        if e.errno == errno.ECONNRESET:
            out("RESET")
            sys.exit(3)
        out("error", e.strerror)
        sys.exit(1)
    out(r)
    sys.exit(2)


# ---------------------------------------------------------------- RST

def _tcp4(src, dst, sport, dport, seq, ack, flags, win=0):
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF,
                      ack & 0xFFFFFFFF, 5 << 4, flags, win, 0, 0)
    ph = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 6, len(hdr))
    c = csum(ph + hdr)
    hdr = hdr[:16] + struct.pack("!H", c) + hdr[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(hdr), os.getpid() & 0xFFFF,
                     0x4000, 64, 6, 0, socket.inet_aton(src), socket.inet_aton(dst))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return ip + hdr


def _next_seg(ps, want_s, want_d, sport, dport, timeout):
    """The next segment src:sport -> dst:dport leaving on the socket's
    interface: (seq, ack, payload length, flags), or None."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ps.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            frame, addr = ps.recvfrom(65535)
        except socket.timeout:
            break
        if addr[2] != PACKET_OUTGOING or addr[1] != 0x0800:
            continue
        ip = frame[14:]
        if len(ip) < 40 or ip[9] != 6 or ip[12:16] != want_s or ip[16:20] != want_d:
            continue
        ihl = (ip[0] & 15) * 4
        tlen = struct.unpack("!H", ip[2:4])[0]
        th = ip[ihl:]
        sp, dp, seq, ack = struct.unpack("!HHII", th[:12])
        if sp != sport or dp != dport:
            continue
        doff = (th[12] >> 4) * 4
        return seq, ack, tlen - ihl - doff, th[13]
    return None


def rst(iface, src, sport, dst, dport, mode):
    """blind: two RSTs 2^30 ahead of and behind the peer's SND.NXT, sniffed
    from its next segment.  exact: a RST at SND.NXT; the chat keeps
    sending, so a segment may leave between the sniff and the RST (the RST
    is then stale and an RFC 5961 receiver ignores it): up to three, each
    at the SND.NXT of a freshly sniffed segment, until the peer goes quiet
    (the connection was reset)."""
    sport, dport = int(sport), int(dport)
    ps = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    ps.bind((iface, 0))
    want_s, want_d = socket.inet_aton(src), socket.inet_aton(dst)
    rs = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    rounds = 1 if mode == "blind" else 3
    if mode not in ("blind", "exact"):
        die("mode blind|exact")
    for r in range(rounds):
        seg = _next_seg(ps, want_s, want_d, sport, dport, 5 if r == 0 else 1.5)
        if seg is None:
            if r == 0:
                die("no segment %s:%d -> %s:%d seen on %s within 5 s" % (src, sport, dst, dport, iface))
            break
        seq, ack, plen, flags = seg
        if flags & 0x04:
            break                # the peer's own RST: it was reset
        nxt = (seq + plen + (1 if flags & 1 else 0)) & 0xFFFFFFFF
        seqs = [nxt + (1 << 30), nxt - (1 << 30)] if mode == "blind" else [nxt]
        for s in seqs:
            rs.sendto(_tcp4(src, dst, sport, dport, s, 0, 0x04), (dst, 0))
            out("sent RST seq %u (peer's SND.NXT %u, offset %+d)" %
                (s & 0xFFFFFFFF, nxt, ((s - nxt + (1 << 31)) & 0xFFFFFFFF) - (1 << 31)))
    ps.close()


# ---------------------------------------------------------------- IPv6

def _ip6(src, dst, nh, payload, hlim=64):
    return struct.pack("!IHBB16s16s", 6 << 28, len(payload), nh, hlim,
                       socket.inet_pton(socket.AF_INET6, src),
                       socket.inet_pton(socket.AF_INET6, dst)) + payload


def _l4_6(src, dst, nh, l4, cksum_off):
    ph = (socket.inet_pton(socket.AF_INET6, src) + socket.inet_pton(socket.AF_INET6, dst) +
          struct.pack("!IxxxB", len(l4), nh))
    c = csum(ph + l4)
    if nh == 17 and c == 0:
        c = 0xFFFF
    return l4[:cksum_off] + struct.pack("!H", c) + l4[cksum_off + 2:]


def _send6(pkt, dst):
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.sendto(pkt, (dst, 0))
    s.close()


def frag6(src, dst):
    # A 3000-byte UDP datagram would be fragments at 0, 1448, 2896: send
    # only the later ones (and a short one at offset 8), never offset 0.
    ident = struct.unpack("!I", os.urandom(4))[0]
    n = 0
    for off, more, size in ((1448, 1, 1448), (2896, 0, 112), (8, 0, 64)):
        fh = struct.pack("!BBHI", 17, 0, (off & ~7) | more, ident)
        _send6(_ip6(src, dst, 44, fh + os.urandom(size)), dst)
        n += 1
    out("sent %d non-first fragments, id 0x%08x" % (n, ident))


def icmp6(src, dst, typ, hlim=64):
    typ, hlim = int(typ), int(hlim)
    if typ in (139, 140):
        # qtype 2 (node name), flags, nonce, subject (an IPv6 address)
        body = struct.pack("!HH", 2, 0) + os.urandom(8) + socket.inet_pton(socket.AF_INET6, dst)
        code = 0
    elif typ == 134:
        # cur hop limit 64, M/O 0, lifetime 1800, reachable 0, retrans 0,
        # prefix information 2001:db8:99::/64 (autonomous)
        body = struct.pack("!BBHII", 64, 0, 1800, 0, 0)
        body += struct.pack("!BBBBIII16s", 3, 4, 64, 0xC0, 86400, 14400, 0,
                            socket.inet_pton(socket.AF_INET6, "2001:db8:99::"))
        code = 0
    elif typ == 138:
        body = struct.pack("!IBBHI", 1, 0, 0, 0, 0)  # sequence, segment, flags, max delay
        code = 0
    else:
        body = b"bpfalg-test" + os.urandom(21)
        code = 0
    msg = struct.pack("!BBH", typ, code, 0) + body
    msg = _l4_6(src, dst, 58, msg, 2)
    _send6(_ip6(src, dst, 58, msg, hlim), dst)
    out("sent ICMPv6 type %d code %d hop limit %d %s -> %s" % (typ, code, hlim, src, dst))


def ptb6(src, dst, isrc, isport, idst, idport, mtu):
    # the quoted datagram: IPv6 + UDP header of a 1400-byte datagram
    # ISRC -> IDST, cut to what fits into the minimum MTU
    udp_len = 1400
    inner_udp = struct.pack("!HHHH", int(isport), int(idport), udp_len, 0) + b"q" * (udp_len - 8)
    inner = _ip6(isrc, idst, 17, inner_udp)
    inner = inner[:1280 - 40 - 8]
    msg = struct.pack("!BBHI", 2, 0, 0, int(mtu)) + inner
    msg = _l4_6(src, dst, 58, msg, 2)
    _send6(_ip6(src, dst, 58, msg, 64), dst)
    out("sent ICMPv6 packet too big (mtu %s) %s -> %s quoting udp %s.%s > %s.%s" %
        (mtu, src, dst, isrc, isport, idst, idport))


def pattern(n):
    return (b"0123456789abcdef" * (n // 16 + 1))[:n]


def udp6_server(addr, port, size):
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.bind((addr, int(port)))
    data, peer = s.recvfrom(65535)
    out("peer", peer[0], peer[1])
    s.sendto(pattern(int(size)), peer)
    out("sent", size)


def udp6_client(dst, port, sport, size, hold):
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.bind(("::", int(sport)))
    s.settimeout(3)
    s.sendto(b"request\n", (dst, int(port)))
    try:
        data = s.recv(65535)
    except socket.timeout:
        out("no reply")
        sys.exit(1)
    if data != pattern(int(size)):
        out("reply differs: %d bytes, expected %s" % (len(data), size))
        sys.exit(1)
    out("reply ok %d" % len(data))
    time.sleep(float(hold))


def main(argv):
    cmds = {
        "chat-server": (chat_server, 1), "chat-client": (chat_client, 3),
        "rst": (rst, 6), "frag6": (frag6, 2), "icmp6": (icmp6, (3, 4)),
        "ptb6": (ptb6, 7), "udp6-server": (udp6_server, 3),
        "udp6-client": (udp6_client, 5),
    }
    if len(argv) < 2 or argv[1] not in cmds:
        die("usage: %s {%s} ARGS..." % (argv[0], "|".join(cmds)))
    fn, n = cmds[argv[1]]
    args = argv[2:]
    ok = len(args) in n if isinstance(n, tuple) else len(args) == n
    if not ok:
        die("%s: wrong number of arguments" % argv[1])
    fn(*args)


if __name__ == "__main__":
    main(sys.argv)
