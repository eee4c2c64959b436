#!/bin/bash
# Many concurrent flows: 300 TCP connections held open at once plus 300 UDP
# sockets, all through the NAT, each echoed back to its own socket with the
# right payload; every public port distinct.  Bounded in count and time.
. "$(dirname "$0")/lib.sh"
test_init
topo_setup3
gw_setup
wait_reachable
N=${MANY_FLOWS:-300}

sx timeout 60 python3 -c '
import asyncio, socket
async def tcp(r, w):
    peer = w.get_extra_info("peername")
    line = await r.readline()
    w.write(b"%s:%d %s" % (peer[0].encode(), peer[1], line))
    await w.drain()
    await r.read()            # hold until the client closes
    w.close()
class Udp(asyncio.DatagramProtocol):
    def connection_made(self, t): self.t = t
    def datagram_received(self, d, a):
        print("udp-rx", a[1], d.decode(), flush=True)
        self.t.sendto(b"%s:%d %s" % (a[0].encode(), a[1], d), a)
async def main():
    loop = asyncio.get_running_loop()
    await loop.create_datagram_endpoint(Udp, local_addr=("0.0.0.0", 5008))
    srv = await asyncio.start_server(tcp, "0.0.0.0", 5008, backlog=1024)
    await srv.serve_forever()
asyncio.run(main())
' >srv.out 2>srv.err &
bg_track $!
wait_listen sx 5008
wait_listen sx 5008 udp

cx timeout 55 python3 - "$SERVER4" "$N" "$GW_OUT4" >many.out 2>many.err <<-'PY'
import socket, sys, time, selectors
srv, n, pub = sys.argv[1], int(sys.argv[2]), sys.argv[3]
bad, ports = [], set()
def check(kind, i, data):
    seen, _, msg = data.decode().strip().partition(" ")
    addr, _, port = seen.rpartition(":")
    if msg != "%s-%d" % (kind, i) or addr != pub:
        bad.append("%s %d: %r" % (kind, i, data[:80]))
    else:
        ports.add((kind, port))
deadline = time.time() + 40
def log(*a): print(*a, file=sys.stderr, flush=True)
tcp = []
t0 = time.time()
for i in range(n):
    if time.time() > deadline:
        bad.append("tcp: out of time after %d connections" % i); break
    try:
        s = socket.create_connection((srv, 5008), timeout=3)
        s.sendall(b"tcp-%d\n" % i)
        tcp.append(s)
    except OSError as e:
        bad.append("tcp %d: connect: %s" % (i, e))
        tcp.append(None)
    if time.time() - t0 > 1:
        log("slow connect", i, "%.1fs" % (time.time() - t0))
    t0 = time.time()
log("tcp: %d connects done" % len(tcp))
for i, s in enumerate(tcp):          # all open at once
    if s is None: continue
    try: check("tcp", i, s.recv(200))
    except OSError as e: bad.append("tcp %d: recv: %s" % (i, e))
log("tcp: replies read, %d bad so far" % len(bad))
udp = []
for i in range(n):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.settimeout(3)
    u.sendto(b"udp-%d" % i, (srv, 5008))
    udp.append(u)
    if i % 50 == 49:
        time.sleep(0.05)
pending = dict(enumerate(udp))
for attempt in range(3):
    end = time.time() + 2
    for i, u in list(pending.items()):
        u.settimeout(max(0.01, end - time.time()))
        try:
            check("udp", i, u.recv(200)); del pending[i]
        except socket.timeout:
            pass
    log("udp: after round %d, %d without reply: %s" % (attempt, len(pending), sorted(pending)[:20]))
    if not pending: break
    for i, u in pending.items():
        u.sendto(b"udp-%d" % i, (srv, 5008))   # retransmit
for i in pending:
    bad.append("udp %d: no reply after 3 tries (port %d)" % (i, pending[i].getsockname()[1]))
for s in tcp:
    if s: s.close()
print("ok", len([p for p in ports if p[0] == "tcp"]), len([p for p in ports if p[0] == "udp"]), flush=True)
for b in bad[:10]: print("BAD", b, flush=True)
sys.exit(1 if bad else 0)
PY
rc=$?
sed 's/^/# /' many.out | head -12
sed 's/^/# client: /' many.err | head -20
log "server received $(grep -c '^udp-rx' srv.out) UDP datagrams ($(grep '^udp-rx' srv.out | cut -d' ' -f3 | sort -u | wc -l) distinct)"
log "gateway drops: $(ip -n "$NS_G" -s -j link show | python3 -c 'import json,sys; print(", ".join("%s rx %s tx %s" % (l["ifname"], l["stats64"]["rx"]["dropped"], l["stats64"]["tx"]["dropped"]) for l in json.load(sys.stdin)))')"
[ $rc -eq 0 ] || fail "many flows (client exit $rc): $(grep -c BAD many.out) bad, first: $(grep -m1 BAD many.out)"
read -r _ nt nu < <(grep '^ok' many.out)
[ "$nt" -eq "$N" ] && [ "$nu" -eq "$N" ] ||
	fail "distinct public ports: tcp $nt, udp $nu of $N each"
if [ "$GW_KIND" = bpfalg ]; then
	nflows=$(algctl flows -j | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["flows"]))')
	log "algctl flows lists $nflows flows"
	[ "$nflows" -ge $((2 * N)) ] || fail "algctl flows lists $nflows flows, expected >= $((2 * N))"
fi
exit 0
