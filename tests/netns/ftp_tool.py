#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""FTP test peers for tests/netns/test_ftp_*.sh (run inside a namespace).

Clients (talk to a real vsftpd):
  raw      one control connection, one active transfer, with the PORT sent
           exactly as asked: plain, split over two TCP segments, batched
           behind "TYPE I" in one segment, or with zero-padded numbers
  cycles   ftplib session: N x (PORT+LIST, PORT+RETR), then a big RETR
  shrink   ftplib session: RETR after a zero-padded PORT (the rewrite to the
           public address is shorter), after a normal one (longer), then a
           big RETR
  fixedport  ftplib session: N x (PORT+RETR) with the data listener bound
           to the same local port every time (SO_REUSEADDR), as clients with
           a fixed active port range do: every data connection reuses the
           4-tuple of the previous one (server:20 -> client:P), whose socket
           on the client side is still in TIME_WAIT
  bounce   sends PORT/EPRT commands naming third-party endpoints
  supersede  one control connection: N PORTs naming its own listeners
           (pause), RETR over the last one only, one more PORT left unused
           (pause), QUIT
  hostile  N short control connections, each sending malformed PORT/EPRT
           lines mixed with valid PORTs naming its own address, then QUIT;
           no data connection is ever made
Servers:
  sessions  N control connections opened one after the other and left
           idle, then a PORT + RETR on the first and on the last (and with
           --idle S, after S seconds without a word, on the last again)
  slipstream  what a browser made to POST to port 21 sends (NAT
           slipstreaming): after the server's 220, HTTP request headers,
           then a body line "PORT <own address>,<listener port>" in a TCP
           segment of its own; prints REACHED when something then connects
           to the listener, "not reached" otherwise
  evil-server  an FTP server that honours any PORT/EPRT (what a bounce
           attacker runs): it connects to the endpoint it was given, and to
           the control connection's peer (the gateway's public address) at
           the given port, and logs every attempt
  listen   accept on several ADDR:PORT, log every connection

Exit 0 on success; on failure one line "ftp_tool: reason" on stderr, exit 1.
"""
import argparse
import ftplib
import hashlib
import os
import re
import socket
import sys
import threading
import time


def die(msg):
    sys.stderr.write("ftp_tool: %s\n" % msg)
    sys.stderr.flush()
    sys.exit(1)


def log(msg):
    sys.stdout.write("%s\n" % msg)
    sys.stdout.flush()


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for b in iter(lambda: f.read(1 << 16), b""):
            h.update(b)
    return h.hexdigest()


def port_arg(addr, port, zeros=False):
    """h1,h2,h3,h4,p1,p2 (zero-padded to three digits with zeros=True)."""
    nums = [int(x) for x in addr.split(".")] + [port >> 8, port & 255]
    fmt = "%03d" if zeros else "%d"
    return ",".join(fmt % n for n in nums)


def pause(path, what):
    """Sync point with the test script: PATH.ready, then wait for PATH.go."""
    if not path:
        return
    with open(path + ".ready", "w") as f:
        f.write(what + "\n")
    t0 = time.time()
    while not os.path.exists(path + ".go"):
        if time.time() - t0 > 20:
            die("test script never released the pause at %s (%s)" % (path, what))
        time.sleep(0.05)


class Ctrl:
    """A raw FTP control connection: exact bytes out, replies in."""

    def __init__(self, host, port=21, timeout=8.0):
        fam = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.s = socket.socket(fam, socket.SOCK_STREAM)
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.s.settimeout(timeout)
        try:
            self.s.connect((host, port))
        except OSError as e:
            die("control connection to %s:%d: %s" % (host, port, e))
        self.buf = b""
        self.timeout = timeout
        self.transcript = []
        self.expect("2", "greeting")

    def send(self, data):
        self.transcript.append("> " + data.decode(errors="replace").replace("\r\n", "\\r\\n"))
        self.s.sendall(data)

    def line(self, timeout):
        end = time.time() + timeout
        while b"\n" not in self.buf:
            left = end - time.time()
            if left <= 0:
                raise socket.timeout()
            self.s.settimeout(left)
            d = self.s.recv(4096)
            if not d:
                raise EOFError()
            self.buf += d
        ln, self.buf = self.buf.split(b"\n", 1)
        return ln.decode(errors="replace").rstrip("\r")

    def reply(self, timeout=None):
        """One (possibly multi-line) reply: (code, text)."""
        timeout = self.timeout if timeout is None else timeout
        first = self.line(timeout)
        text = [first]
        if re.match(r"^\d{3}-", first):
            code = first[:3]
            while True:
                ln = self.line(timeout)
                text.append(ln)
                if ln.startswith(code + " "):
                    break
        self.transcript.append("< " + " | ".join(text))
        return first[:3], " | ".join(text)

    def expect(self, prefix, what, timeout=None):
        try:
            code, text = self.reply(timeout)
        except socket.timeout:
            die("no reply to %s within %.0f s (transcript: %s)" % (
                what, self.timeout if timeout is None else timeout, self.trail()))
        except EOFError:
            die("control connection closed waiting for the reply to %s (transcript: %s)" % (
                what, self.trail()))
        if not code.startswith(prefix):
            die("reply to %s: '%s', expected %sxx (transcript: %s)" % (what, text, prefix, self.trail()))
        return text

    def login(self):
        self.send(b"USER anonymous\r\n")
        t = self.expect("", "USER")
        if t.startswith("331"):
            self.send(b"PASS test@\r\n")
            t = self.expect("2", "PASS")
        elif not t.startswith("230"):
            die("login: '%s'" % t)

    def trail(self):
        return " ; ".join(self.transcript[-8:])

    def quit(self, send=True):
        """QUIT (its answer not required) and close."""
        if send:
            self.send(b"QUIT\r\n")
            try:
                self.reply(2)
            except (socket.timeout, EOFError):
                pass
        self.s.close()

    def local_addr(self):
        return self.s.getsockname()[0]


def data_listener(local):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.bind((local, 0))
    ls.listen(1)
    return ls, ls.getsockname()[1]


def accept_all(ls, timeout, what):
    """Accept the server's data connection on ls, read it to EOF."""
    ls.settimeout(timeout)
    try:
        c, peer = ls.accept()
    except socket.timeout:
        return None, None, "the server's data connection for %s did not arrive within %.0f s" % (what, timeout)
    c.settimeout(timeout)
    h = hashlib.sha256()
    n = 0
    try:
        while True:
            d = c.recv(1 << 16)
            if not d:
                break
            h.update(d)
            n += len(d)
    except socket.timeout:
        return None, None, "data connection for %s stalled after %d bytes" % (what, n)
    c.close()
    return h.hexdigest(), (n, peer), None


# ---------------------------------------------------------------- raw

def cmd_raw(a):
    c = Ctrl(a.host, timeout=a.timeout)
    c.login()
    local = c.local_addr()
    ls, p = data_listener(local)
    arg = port_arg(local, p, zeros=(a.mode == "zeros"))
    port_cmd = ("PORT %s\r\n" % arg).encode()
    if a.mode != "batch":
        c.send(b"TYPE I\r\n")
        c.expect("2", "TYPE I")
    if a.mode in ("plain", "zeros"):
        c.send(port_cmd)
    elif a.mode == "split":
        # Split inside the address: "PORT 10,0,1" | ",2,p1,p2\r\n", two
        # segments (TCP_NODELAY, a pause between them).
        cut = port_cmd.index(b",", port_cmd.index(b",", port_cmd.index(b",") + 1) + 1)
        c.send(port_cmd[:cut])
        time.sleep(0.3)
        c.send(port_cmd[cut:])
    elif a.mode == "batch":
        c.send(b"TYPE I\r\n" + port_cmd)
        c.expect("2", "TYPE I (batched with PORT in one segment)")
    c.expect("2", "PORT %s (%s)" % (arg, a.mode))
    pause(a.pause, "PORT %s accepted, listening on %s:%d" % (arg, local, p))
    c.send(("RETR %s\r\n" % a.file).encode())
    c.expect("1", "RETR %s" % a.file)
    digest, info, err = accept_all(ls, a.timeout, "RETR after the %s PORT" % a.mode)
    if err:
        die("%s (transcript: %s)" % (err, c.trail()))
    c.expect("2", "end of RETR (226)")
    if a.sha and digest != a.sha:
        die("RETR after the %s PORT: %d bytes, content differs" % (a.mode, info[0]))
    c.send(b"QUIT\r\n")
    log("raw %s: PORT %s, %d bytes from %s:%d, sha256 ok" % (a.mode, arg, info[0], info[1][0], info[1][1]))


# ---------------------------------------------------------------- ftplib

def ftplib_session(host, timeout):
    try:
        f = ftplib.FTP(timeout=timeout)
        f.connect(host, 21)
        f.login()
    except (OSError, ftplib.Error, EOFError) as e:
        die("login to %s: %s" % (host, e))
    f.set_pasv(False)
    return f


def cmd_cycles(a):
    f = ftplib_session(a.host, a.timeout)
    want = sha256_file(a.small_local)
    i = 0
    try:
        for i in range(1, a.n + 1):
            lines = []
            f.retrlines("LIST", lines.append)
            if not any(a.small in ln for ln in lines):
                die("cycle %d: LIST does not show %s: %r" % (i, a.small, lines[:5]))
            h = hashlib.sha256()
            f.retrbinary("RETR " + a.small, h.update)
            if h.hexdigest() != want:
                die("cycle %d: RETR %s content differs" % (i, a.small))
        i = "big"
        with open(a.out, "wb") as out:
            f.retrbinary("RETR " + a.big, out.write, blocksize=1 << 16)
        f.quit()
    except (OSError, ftplib.Error, EOFError) as e:
        die("cycle %s of %d: %s: %s" % (i, a.n, type(e).__name__, e))
    log("cycles: %d x (PORT LIST, PORT RETR) and RETR %s done" % (a.n, a.big))


def manual_retr(f, arg_fn, name, sink, timeout, what):
    """PORT (as arg_fn(local, port) renders it) + RETR name, by hand."""
    local = f.sock.getsockname()[0]
    ls, p = data_listener(local)
    arg = arg_fn(local, p)
    resp = f.sendcmd("PORT " + arg)
    if not resp.startswith("2"):
        die("%s: PORT %s: %s" % (what, arg, resp))
    resp = f.sendcmd("RETR " + name)
    if not resp.startswith("1"):
        die("%s: RETR %s: %s" % (what, name, resp))
    ls.settimeout(timeout)
    try:
        c, _ = ls.accept()
    except socket.timeout:
        die("%s: PORT %s: the server's data connection did not arrive within %.0f s" % (what, arg, timeout))
    c.settimeout(timeout)
    while True:
        d = c.recv(1 << 16)
        if not d:
            break
        sink(d)
    c.close()
    ls.close()
    f.voidresp()
    return arg


def cmd_shrink(a):
    f = ftplib_session(a.host, a.timeout)
    want = sha256_file(a.small_local)
    try:
        f.voidcmd("TYPE I")
        for zeros in (True, False):
            h = hashlib.sha256()
            what = "zero-padded PORT" if zeros else "normal PORT"
            arg = manual_retr(f, lambda l, p: port_arg(l, p, zeros), a.small, h.update, a.timeout, what)
            if h.hexdigest() != want:
                die("RETR %s after the %s (%s): content differs" % (a.small, what, arg))
            log("%s %s: RETR %s ok" % (what, arg, a.small))
        with open(a.out, "wb") as out:
            arg = manual_retr(f, lambda l, p: port_arg(l, p), a.big, out.write, a.timeout,
                              "big RETR after both")
        f.quit()
    except (OSError, ftplib.Error, EOFError) as e:
        die("%s: %s" % (type(e).__name__, e))
    log("shrink: RETR %s after both (PORT %s)" % (a.big, arg))


def cmd_fixedport(a):
    """N x (PORT P + RETR) on one control connection, the data listener
    bound to the same local port P every cycle."""
    f = ftplib_session(a.host, a.timeout)
    want = sha256_file(a.small_local)
    local = f.sock.getsockname()[0]
    i = 0
    try:
        f.voidcmd("TYPE I")
        for i in range(1, a.n + 1):
            ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                ls.bind((local, a.port))
            except OSError as e:
                die("cycle %d: bind %s:%d: %s" % (i, local, a.port, e))
            ls.listen(1)
            arg = port_arg(local, a.port)
            resp = f.sendcmd("PORT " + arg)
            if not resp.startswith("2"):
                die("cycle %d: PORT %s: %s" % (i, arg, resp))
            resp = f.sendcmd("RETR " + a.small)
            if not resp.startswith("1"):
                die("cycle %d: RETR %s: %s" % (i, a.small, resp))
            t0 = time.time()
            digest, info, err = accept_all(ls, a.timeout, "cycle %d (PORT %s)" % (i, arg))
            ls.close()
            if err:
                die("cycle %d of %d: %s" % (i, a.n, err))
            f.voidresp()
            if digest != want:
                die("cycle %d: RETR %s: %d bytes, content differs" % (i, a.small, info[0]))
            log("cycle %d: PORT %s, %d bytes from %s:%d in %.0f ms, sha256 ok" % (
                i, arg, info[0], info[1][0], info[1][1], (time.time() - t0) * 1000))
        f.quit()
    except (OSError, ftplib.Error, EOFError) as e:
        die("cycle %s of %d: %s: %s" % (i, a.n, type(e).__name__, e))
    log("fixedport: %d x (PORT %s:%d, RETR %s) done" % (a.n, local, a.port, a.small))


# ---------------------------------------------------------------- bounce

BOUNCE = [
    # (label, command template); {own} is the client's own address
    ("PORT third-party inside host 10.0.1.99:2121", "PORT 10,0,1,99,8,73"),
    ("EPRT third-party inside host 10.0.1.99:2121", "EPRT |1|10.0.1.99|2121|"),
    ("PORT the server's own address 192.0.2.2:2122", "PORT 192,0,2,2,8,74"),
    ("PORT own address, port 80", "PORT {own_c},0,80"),
    ("EPRT own address, port 80", "EPRT |1|{own}|80|"),
]


def cmd_bounce(a):
    c = Ctrl(a.host, timeout=a.timeout)
    c.login()
    own = c.local_addr()
    for label, tmpl in BOUNCE:
        cmd = tmpl.format(own=own, own_c=own.replace(".", ","))
        c.send((cmd + "\r\n").encode())
        text = c.expect("", cmd)
        log("%s: '%s' -> %s" % (label, cmd, text))
    pause(a.pause, "all bounce commands sent")
    c.quit()


def cmd_supersede(a):
    c = Ctrl(a.host, timeout=a.timeout)
    c.login()
    own = c.local_addr()
    c.send(b"TYPE I\r\n")
    c.expect("2", "TYPE I")
    lss = []
    for i in range(a.n):
        ls, p = data_listener(own)
        lss.append((ls, p))
        c.send(("PORT %s\r\n" % port_arg(own, p)).encode())
        c.expect("2", "PORT #%d (%s:%d)" % (i + 1, own, p))
    log("ports %s" % " ".join(str(p) for _, p in lss))
    pause(a.pause and a.pause + "-1", "%d PORTs accepted, the last %s:%d" % (a.n, own, lss[-1][1]))
    c.send(("RETR %s\r\n" % a.file).encode())
    c.expect("1", "RETR %s" % a.file)
    digest, info, err = accept_all(lss[-1][0], a.timeout, "RETR after the last PORT")
    if err:
        die("%s (transcript: %s)" % (err, c.trail()))
    c.expect("2", "end of RETR (226)")
    if a.sha and digest != a.sha:
        die("RETR after the last PORT: %d bytes, content differs" % info[0])
    log("retr %d bytes from %s:%d to the last port %d" % (info[0], info[1][0], info[1][1], lss[-1][1]))
    for ls, p in lss[:-1]:       # the superseded ones: nobody came
        ls.settimeout(0.01)
        try:
            ls.accept()
            die("a data connection reached superseded port %d" % p)
        except socket.timeout:
            pass
    ls, p = data_listener(own)
    c.send(("PORT %s\r\n" % port_arg(own, p)).encode())
    c.expect("2", "the unused PORT (%s:%d)" % (own, p))
    log("unused port %d" % p)
    pause(a.pause and a.pause + "-2", "unused PORT %s:%d accepted" % (own, p))
    c.quit()


# Malformed or refused lines between two PORTs naming the connection's own
# address and a fresh port >= 1024 ("{valid}").  A line the gateway drops
# (the kernel's FTP helper drops a PORT/EPRT it only partly parses: TCP
# then retransmits it in vain) stalls the connection: it is given up after
# --line-timeout and counted.
HOSTILE = [
    "PORT {valid}",
    "PORT 0010,00000000,0,2,4,1",
    "PORT 1,2,3",
    "PORT 999,1,1,1,1,1",
    "PORT {own_c},300,1",
    "PORT {own_c},4,1,9",
    "EPRT |1|{own}|",
    "EPRT |9|{own}|4000|",
    "PORT {own_c},0,80",
    "PORT " + "7," * 40 + "7",
    "EPRT |1|{own}|99999|",
    "PORT -1,0,0,0,4,1",
    "PORT {valid}",
]


def cmd_hostile(a):
    sent = valid = stalled = 0
    for n in range(a.conns):
        c = Ctrl(a.host, timeout=a.timeout)
        c.login()
        own = c.local_addr()
        ok = True
        for i, tmpl in enumerate(HOSTILE):
            port = 20000 + (n * len(HOSTILE) + i) % 40000
            line = tmpl.format(own=own, own_c=own.replace(".", ","),
                               valid=port_arg(own, port))
            c.send((line + "\r\n").encode())
            sent += 1
            try:
                code, _ = c.reply(a.line_timeout)
            except (socket.timeout, EOFError):
                stalled += 1
                ok = False
                break
            if "{valid}" in tmpl and code.startswith("2"):
                valid += 1
        c.quit(send=ok)
    log("hostile: %d connections, %d lines, %d valid PORTs accepted, %d stalled" % (
        a.conns, sent, valid, stalled))


def retr_on(c, name, sha, what):
    """PORT (own listener) + RETR name on control connection c."""
    own = c.local_addr()
    ls, p = data_listener(own)
    c.send(("PORT %s\r\n" % port_arg(own, p)).encode())
    c.expect("2", "PORT (%s)" % what)
    c.send(("RETR %s\r\n" % name).encode())
    c.expect("1", "RETR (%s)" % what)
    digest, info, err = accept_all(ls, c.timeout, what)
    if err:
        die("%s (transcript: %s)" % (err, c.trail()))
    c.expect("2", "end of RETR, %s" % what)
    if sha and digest != sha:
        die("%s: %d bytes, content differs" % (what, info[0]))
    log("%s: %d bytes" % (what, info[0]))


def cmd_sessions(a):
    cs = []
    for i in range(a.n):
        c = Ctrl(a.host, timeout=a.timeout)
        c.login()
        cs.append(c)
        time.sleep(0.3)              # an order of last activity
    log("%d control connections open" % a.n)
    retr_on(cs[0], a.file, a.sha, "RETR on the first (oldest) connection")
    retr_on(cs[-1], a.file, a.sha, "RETR on the last connection")
    if a.idle:
        time.sleep(a.idle)
        retr_on(cs[-1], a.file, a.sha, "RETR on the last connection after %.0f s idle" % a.idle)
    for c in cs:
        c.quit()


def cmd_slipstream(a):
    c = Ctrl(a.host, timeout=a.timeout)          # reads the 220
    own = c.local_addr()
    ls, p = data_listener(own)
    body = "PORT %s\r\n" % port_arg(own, p)
    c.send(("POST /upload HTTP/1.1\r\nHost: %s:21\r\n"
            "Content-Type: text/plain\r\nContent-Length: %d\r\n\r\n" % (
                a.host, len(body))).encode())
    time.sleep(0.3)                               # the body: its own segment
    c.send(body.encode())
    ls.settimeout(a.wait)
    try:
        d, peer = ls.accept()
        d.close()
        log("REACHED listener %s:%d from %s:%d" % (own, p, peer[0], peer[1]))
    except socket.timeout:
        log("not reached: listener %s:%d" % (own, p))
    c.s.shutdown(socket.SHUT_WR)                  # a clean close: drain
    try:
        c.s.settimeout(2)
        while c.s.recv(4096):
            pass
    except OSError:
        pass
    c.s.close()


def parse_port_cmd(line):
    m = re.match(r"^PORT\s+(\d+),(\d+),(\d+),(\d+),(\d+),(\d+)\s*$", line, re.I)
    if m:
        n = [int(x) for x in m.groups()]
        return "%d.%d.%d.%d" % tuple(n[:4]), n[4] * 256 + n[5]
    m = re.match(r"^EPRT\s+(.)(\d)\1([^|]+)\1(\d+)\1\s*$", line, re.I)
    if m:
        return m.group(3), int(m.group(4))
    return None


def try_connect(addr, port, timeout):
    try:
        fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.settimeout(timeout)
        s.connect((addr, port))
        s.close()
        return "CONNECTED"
    except socket.timeout:
        return "timeout"
    except OSError as e:
        return e.strerror or str(e)


def cmd_evil_server(a):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((a.addr, 21))
    ls.listen(4)
    logf = open(a.log, "a", buffering=1)
    logf.write("listening on %s:21\n" % a.addr)
    while True:
        c, peer = ls.accept()
        logf.write("control connection from %s:%d\n" % peer)
        f = c.makefile("rwb", buffering=0)
        f.write(b"220 evil server\r\n")
        for raw in f:
            line = raw.decode(errors="replace").rstrip("\r\n")
            logf.write("RECV %s\n" % line)
            ep = parse_port_cmd(line)
            verb = line.split(" ", 1)[0].upper()
            if ep:
                r1 = try_connect(ep[0], ep[1], a.connect_timeout)
                r2 = try_connect(peer[0], ep[1], a.connect_timeout)
                logf.write("ATTEMPT %s:%d (as named) %s; %s:%d (control peer) %s\n" % (
                    ep[0], ep[1], r1, peer[0], ep[1], r2))
                f.write(("200 named %s:%d: %s; via %s:%d: %s\r\n" % (
                    ep[0], ep[1], r1, peer[0], ep[1], r2)).encode())
            elif verb == "USER":
                f.write(b"230 ok\r\n")
            elif verb == "QUIT":
                f.write(b"221 bye\r\n")
                break
            else:
                f.write(b"200 ok\r\n")
        c.close()


def cmd_listen(a):
    logf = open(a.log, "a", buffering=1)
    socks = []
    for ep in a.endpoints:
        addr, port = ep.rsplit(":", 1)
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((addr, int(port)))
        s.listen(8)
        socks.append((ep, s))

    def serve(ep, s):
        while True:
            c, peer = s.accept()
            logf.write("ACCEPT %s from %s:%d\n" % (ep, peer[0], peer[1]))
            c.close()

    for ep, s in socks:
        threading.Thread(target=serve, args=(ep, s), daemon=True).start()
    logf.write("listening %s\n" % " ".join(a.endpoints))
    while True:
        time.sleep(3600)


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("raw")
    p.add_argument("--host", required=True)
    p.add_argument("--file", required=True)
    p.add_argument("--sha", default="")
    p.add_argument("--mode", choices=["plain", "split", "batch", "zeros"], default="plain")
    p.add_argument("--pause", default="")
    p.add_argument("--timeout", type=float, default=8.0)
    p = sub.add_parser("cycles")
    p.add_argument("--host", required=True)
    p.add_argument("--n", type=int, default=20)
    p.add_argument("--small", required=True)
    p.add_argument("--small-local", required=True)
    p.add_argument("--big", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--timeout", type=float, default=8.0)
    p = sub.add_parser("shrink")
    p.add_argument("--host", required=True)
    p.add_argument("--small", required=True)
    p.add_argument("--small-local", required=True)
    p.add_argument("--big", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--timeout", type=float, default=8.0)
    p = sub.add_parser("fixedport")
    p.add_argument("--host", required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--n", type=int, default=20)
    p.add_argument("--small", required=True)
    p.add_argument("--small-local", required=True)
    p.add_argument("--timeout", type=float, default=8.0)
    p = sub.add_parser("bounce")
    p.add_argument("--host", required=True)
    p.add_argument("--pause", default="")
    p.add_argument("--timeout", type=float, default=8.0)
    p = sub.add_parser("supersede")
    p.add_argument("--host", required=True)
    p.add_argument("--n", type=int, default=4)
    p.add_argument("--file", required=True)
    p.add_argument("--sha", default="")
    p.add_argument("--pause", default="")
    p.add_argument("--timeout", type=float, default=8.0)
    p = sub.add_parser("hostile")
    p.add_argument("--host", required=True)
    p.add_argument("--conns", type=int, default=40)
    p.add_argument("--line-timeout", type=float, default=1.0)
    p.add_argument("--timeout", type=float, default=8.0)
    p = sub.add_parser("sessions")
    p.add_argument("--host", required=True)
    p.add_argument("--n", type=int, default=5)
    p.add_argument("--file", required=True)
    p.add_argument("--sha", default="")
    p.add_argument("--idle", type=float, default=0)
    p.add_argument("--timeout", type=float, default=8.0)
    p = sub.add_parser("slipstream")
    p.add_argument("--host", required=True)
    p.add_argument("--wait", type=float, default=4.0)
    p.add_argument("--timeout", type=float, default=8.0)
    p = sub.add_parser("evil-server")
    p.add_argument("--addr", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--connect-timeout", type=float, default=1.0)
    p = sub.add_parser("listen")
    p.add_argument("--log", required=True)
    p.add_argument("endpoints", nargs="+")
    a = ap.parse_args()
    {"raw": cmd_raw, "cycles": cmd_cycles, "shrink": cmd_shrink, "fixedport": cmd_fixedport, "bounce": cmd_bounce,
     "supersede": cmd_supersede, "hostile": cmd_hostile, "slipstream": cmd_slipstream, "sessions": cmd_sessions,
     "evil-server": cmd_evil_server, "listen": cmd_listen}[a.cmd](a)


if __name__ == "__main__":
    main()
