#!/bin/bash
# Two inside hosts use the same source port towards the same server port:
# the first keeps its port on the public address, the second is remapped to
# another port; each gets its own replies (UDP and TCP).  Then endpoint
# filtering: a datagram to the first binding's public port from a server
# port it never talked to must not reach the inside socket.
. "$(dirname "$0")/lib.sh"
test_init
topo_setup3
gw_setup
wait_reachable

# A second inside host: another address on the client's interface.
CLIENT4B=10.0.1.3
ip -n "$NS_C" addr add "$CLIENT4B/24" dev eth0 || fail "second inside address"

sx timeout 60 socat UDP4-RECVFROM:5353,reuseaddr,fork \
	SYSTEM:'read l; echo "$SOCAT_PEERADDR:$SOCAT_PEERPORT $l"' 2>udp.err &
bg_track $!
sx timeout 60 socat TCP4-LISTEN:5006,reuseaddr,fork \
	SYSTEM:'read l; echo "$SOCAT_PEERADDR:$SOCAT_PEERPORT $l"' 2>tcp.err &
bg_track $!
wait_listen sx 5353 udp
wait_listen sx 5006

# Prints, per inside source, "src public-seen reply-ok"; then the result of
# an unsolicited datagram from the server's port 6000 to the first public
# port ("leak" if the inside socket received it, "none" otherwise).
cx timeout 20 python3 - "$CLIENT4" "$CLIENT4B" "$SERVER4" >collide.out 2>collide.err <<-'PY' &
import socket, sys, time
a, b, srv = sys.argv[1], sys.argv[2], sys.argv[3]
PORT = 40000
res = {}
for proto in ("udp", "tcp"):
    socks = []
    for src in (a, b):
        if proto == "udp":
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((src, PORT))
            s.settimeout(3)
            s.sendto(("hello-from-%s\n" % src).encode(), (srv, 5353))
        else:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((src, PORT + 1))
            s.settimeout(3)
            s.connect((srv, 5006))
            s.sendall(("hello-from-%s\n" % src).encode())
        socks.append((src, s))
    for src, s in socks:
        try:
            data = s.recv(1000).decode().strip()
        except socket.timeout:
            data = "TIMEOUT"
        seen, _, msg = data.partition(" ")
        print(proto, src, seen, "ok" if msg == "hello-from-%s" % src else "WRONG:" + data, flush=True)
    if proto == "udp":
        udp_first = socks[0][1]
    else:
        for _, s in socks: s.close()
# endpoint filtering probe is sent by the shell (from the server); wait here
udp_first.settimeout(4)
print("ready", flush=True)
sys.stdout.flush()
try:
    data = udp_first.recv(1000)
    print("probe leak", data.decode().strip())
except socket.timeout:
    print("probe none")
PY
py=$!
bg_track $py
for i in $(seq 50); do grep -q '^ready' collide.out 2>/dev/null && break; sleep 0.1; done
grep -q '^ready' collide.out || fail "collision client did not finish its exchanges: $(cat collide.out collide.err | head -c 400)"
cat collide.out | grep -v ready | sed 's/^/# /'

check_pair() { # proto
	local p=$1 l1 l2 s1 s2
	l1=$(grep "^$p $CLIENT4 " collide.out) l2=$(grep "^$p $CLIENT4B " collide.out)
	[ "${l1##* }" = ok ] || fail "$p from $CLIENT4: reply wrong or missing: $l1"
	[ "${l2##* }" = ok ] || fail "$p from $CLIENT4B: reply wrong or missing (misdelivered to the other host?): $l2"
	s1=$(echo "$l1" | cut -d' ' -f3) s2=$(echo "$l2" | cut -d' ' -f3)
	[ "${s1%:*}" = "$GW_OUT4" ] && [ "${s2%:*}" = "$GW_OUT4" ] ||
		fail "$p: server saw $s1 and $s2, want both from $GW_OUT4"
	[ "${s1#*:}" != "${s2#*:}" ] || fail "$p: both inside hosts got the same public port ${s1#*:}"
	PAIR_PORT=${s1#*:}
}
check_pair udp
up=$PAIR_PORT
check_pair tcp
[ "$up" = 40000 ] || log "note: first UDP binding was not port-preserving (public port $up)"
log "UDP and TCP: two inside hosts, same source port, distinct public ports, replies to the right host"

# Endpoint filtering: from the server's port 6000 (never contacted) to the
# first binding's public port.
sx timeout 5 python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 6000))
for i in range(3): s.sendto(b"unsolicited\n", (sys.argv[2], int(sys.argv[3])))
' "$SERVER4" "$GW_OUT4" "$up" || fail "probe sender"
wait $py
grep -q '^probe none' collide.out ||
	fail "a datagram from $SERVER4:6000 (never contacted) to public port $up reached the inside socket: $(grep probe collide.out)"
log "datagram from an uncontacted server port to the binding: not delivered inside"
exit 0
