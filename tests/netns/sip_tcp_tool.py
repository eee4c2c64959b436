#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""SIP-over-TCP test peers for tests/netns/test_sip_tcp.sh.

  client HOST PORT LOCAL   one TCP connection; sends, with TCP_NODELAY and a
                           pause between writes so each write is a segment:
                           (1) two OPTIONS requests in ONE segment,
                           (2) a CRLF keep-alive,
                           (3) an INVITE with SDP split in two segments in
                           the middle of a header line,
                           each naming LOCAL (the inside address) in Via,
                           Contact and (INVITE) o=/c=; then reads the
                           three responses and prints their first lines
  bulk HOST PORT LOCAL COUNT SIZE
                           one TCP connection; COUNT INVITEs one after the
                           other, each with an SDP body padded to SIZE
                           bytes (larger than one segment), each naming
                           LOCAL; waits up to 60 s for each one's 200 OK
  server ADDR PORT LOG [N [BODY]]
                           accepts one connection, frames messages by
                           Content-Length, logs each message whole (repr,
                           one line each) to LOG, answers 200 OK to each
                           request (echoing Via/From/To/Call-ID/CSeq; with
                           an SDP body of BODY bytes when given); stops
                           after N messages (3), or 60 s without a byte
                           when N is given

Exit 0 on success; on failure one line "sip_tcp_tool: reason", exit 1.
"""
import socket
import sys
import time


def die(msg):
    sys.stderr.write("sip_tcp_tool: %s\n" % msg)
    sys.exit(1)


def request(method, local, host, cseq, body=b""):
    head = (
        "%s sip:svc@%s:5060 SIP/2.0\r\n"
        "Via: SIP/2.0/TCP %s:5060;branch=z9hG4bK-tcp-%d\r\n"
        "From: <sip:ua@%s:5060>;tag=tcp%d\r\n"
        "To: <sip:svc@%s:5060>\r\n"
        "Call-ID: tcp-test-%d@call.bpfalg.test\r\n"
        "CSeq: %d %s\r\n"
        "Contact: <sip:ua@%s:5060;transport=tcp>\r\n"
        "Max-Forwards: 70\r\n"
        % (method, host, local, cseq, local, cseq, host, cseq, cseq, method,
           local)
    )
    if body:
        head += "Content-Type: application/sdp\r\n"
    head += "Content-Length: %d\r\n\r\n" % len(body)
    return head.encode() + body


def client(host, port, local):
    sdp = (
        "v=0\r\no=ua 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
        "m=audio 7100 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n" % (local, local)
    ).encode()
    s = socket.create_connection((host, int(port)), timeout=5)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    two = request("OPTIONS", local, host, 1) + request("OPTIONS", local, host, 2)
    s.sendall(two)
    time.sleep(0.2)
    s.sendall(b"\r\n\r\n")
    time.sleep(0.2)
    inv = request("INVITE", local, host, 3, sdp)
    cut = inv.index(b"Contact:") + 12  # inside a header line
    s.sendall(inv[:cut])
    time.sleep(0.3)
    s.sendall(inv[cut:])
    buf = b""
    end = time.time() + 5
    while buf.count(b"SIP/2.0 200") < 3 and time.time() < end:
        try:
            d = s.recv(65536)
        except socket.timeout:
            break
        if not d:
            break
        buf += d
    for line in buf.split(b"\r\n"):
        if line.startswith(b"SIP/2.0"):
            print(line.decode())
    if buf.count(b"SIP/2.0 200") < 3:
        die("got %d of 3 responses: %r" % (buf.count(b"SIP/2.0 200"), buf[:300]))
    s.close()


def bulk(host, port, local, count, size):
    """count INVITEs; size: the SDP's length, or a comma list taken in turn"""
    s = socket.create_connection((host, int(port)), timeout=60)
    buf = b""
    sizes = [int(x) for x in size.split(",")]
    for k in range(1, int(count) + 1):
        sdp = (
            "v=0\r\no=ua %d 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
            "m=audio %d RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
            % (k, local, local, 7000 + 2 * k)
        )
        while len(sdp) < sizes[(k - 1) % len(sizes)]:
            sdp += "a=x-pad:%s\r\n" % ("p" * 60)
        s.sendall(request("INVITE", local, host, 100 + k, sdp.encode()))
        while b"CSeq: %d INVITE" % (100 + k) not in buf:
            try:
                d = s.recv(65536)
            except socket.timeout:
                die("INVITE %d of %s: no answer within 60 s" % (k, count))
            if not d:
                die("INVITE %d of %s: connection closed" % (k, count))
            buf += d
    # every answer whole: framed by its Content-Length
    answers = 0
    while True:
        i = buf.find(b"\r\n\r\n")
        if i >= 0:
            clen = 0
            for h in buf[:i].split(b"\r\n"):
                if h.lower().startswith(b"content-length:"):
                    clen = int(h.split(b":", 1)[1])
            if len(buf) >= i + 4 + clen:
                answers += 1
                buf = buf[i + 4 + clen:]
                continue
        if answers == int(count):
            break
        try:
            d = s.recv(65536)
        except socket.timeout:
            die("%d of %s answers whole within 60 s" % (answers, count))
        if not d:
            die("%d of %s answers whole, then the connection closed" % (answers, count))
        buf += d
    print("%s INVITEs of %d bytes answered" % (count, len(request("INVITE", local, host, 1, sdp.encode()))))
    s.close()


def server(addr, port, logf, want=None, body=0):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, int(port)))
    ls.listen(1)
    ls.settimeout(15)
    c, _ = ls.accept()
    c.settimeout(60 if want else 10)
    buf = b""
    out = open(logf, "w")
    n = 0
    while n < int(want or 3):
        try:
            d = c.recv(65536)
        except socket.timeout:
            break
        if not d:
            break
        buf += d
        while True:
            buf = buf.lstrip(b"\r\n")
            i = buf.find(b"\r\n\r\n")
            if i < 0:
                break
            head = buf[:i].decode(errors="replace")
            clen = 0
            for h in head.split("\r\n"):
                if h.lower().startswith("content-length:"):
                    clen = int(h.split(":", 1)[1])
            if len(buf) < i + 4 + clen:
                break
            msg, buf = buf[: i + 4 + clen], buf[i + 4 + clen :]
            out.write(repr(msg) + "\n")
            out.flush()
            n += 1
            hdrs = [h for h in head.split("\r\n")[1:]
                    if h.split(":")[0].lower() in ("via", "from", "to", "call-id", "cseq")]
            sdp = ""
            if int(body):
                sdp = "v=0\r\no=srv 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n" % (addr, addr)
                while len(sdp) < int(body):
                    sdp += "a=x-pad:%s\r\n" % ("q" * 60)
            c.sendall(("SIP/2.0 200 OK\r\n" + "\r\n".join(hdrs) +
                       ("\r\nContent-Type: application/sdp" if sdp else "") +
                       "\r\nContent-Length: %d\r\n\r\n%s" % (len(sdp), sdp)).encode())
    time.sleep(0.5)
    c.close()


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "client":
        client(*sys.argv[2:])
    elif len(sys.argv) == 7 and sys.argv[1] == "bulk":
        bulk(*sys.argv[2:])
    elif len(sys.argv) in (5, 6, 7) and sys.argv[1] == "server":
        server(*sys.argv[2:])
    else:
        die("usage: client HOST PORT LOCAL | bulk HOST PORT LOCAL COUNT SIZE"
            " | server ADDR PORT LOG [N [BODY]]")
