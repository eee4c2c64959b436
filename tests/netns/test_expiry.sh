#!/bin/bash
# Idle UDP bindings expire: with the UDP timeouts cut to 2 s, a datagram the
# server sends to the old public port 5 s after the last exchange must not
# reach the client (the binding is gone), and bpfalg's `algctl flows` must
# no longer list it (the daemon's expiry pass removed it).  Kernel: the same
# timeouts through nf_conntrack sysctls.
# slow: 30 s or more; started first
. "$(dirname "$0")/lib.sh"
test_init
topo_setup3
gw_setup
wait_reachable

case $GW_KIND in
kernel)
	gx sysctl -qw net.netfilter.nf_conntrack_udp_timeout=2 \
		net.netfilter.nf_conntrack_udp_timeout_stream=2 ||
		fail "conntrack UDP timeout sysctls"
	;;
bpfalg)
	# up again with other timeouts: only the configuration changes
	algctl up --inside gin --outside gout --masquerade \
		${XDP_FAST:+--xdp-fast "$XDP_FAST"} --timeout-udp 2 \
		--timeout-udp-stream 2 >/dev/null || fail "algctl up with short UDP timeouts"
	;;
esac

sport=40123
# The server echoes once and then, 5 s later, sends a late datagram from the
# same port to where the first one came from.
sx timeout 20 python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 5353))
data, peer = s.recvfrom(2048)
s.sendto(b"echo " + data, peer)
print("peer", peer[0], peer[1], flush=True)
time.sleep(5)
s.sendto(b"late", peer)
' >server.out 2>&1 &
bg_track $!
wait_listen sx 5353 udp

cx timeout 15 python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[2])))
s.settimeout(3)
s.sendto(b"hello", (sys.argv[1], 5353))
print(s.recv(2048).decode(), flush=True)
s.settimeout(9)
try:
    print("LEAK", s.recv(2048).decode(), flush=True)
except socket.timeout:
    print("no late datagram", flush=True)
' "$SERVER4" "$sport" >client.out 2>&1 &
client=$!
bg_track $client

sleep 1.5
grep -q "echo hello" client.out || fail "no echo through the NAT: $(cat client.out)"
grep -q "peer $GW_OUT4 $sport" server.out ||
	fail "server did not see $GW_OUT4:$sport: $(cat server.out)"
if [ "$GW_KIND" = bpfalg ]; then
	flows_has "$CLIENT4" "$sport" "$SERVER4" 5353 ||
		fail "the UDP flow is not in algctl flows"
fi

wait $client
cat client.out | sed 's/^/# client: /'
grep -q "^LEAK" client.out && fail "a datagram to the expired binding reached the client"
grep -q "no late datagram" client.out || fail "client: $(cat client.out)"
if [ "$GW_KIND" = bpfalg ]; then
	flows_has "$CLIENT4" "$sport" "$SERVER4" 5353 &&
		fail "the expired UDP flow is still in algctl flows"
	log "expired flow removed from the table"
fi
exit 0
