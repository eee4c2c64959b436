#!/bin/bash
# UDP request/response through the NAT (IPv4, including a fragmented
# datagram) and routed (IPv6).  The server
# answers with the source address it saw, which must be the gateway's public
# address for IPv4 and the client's own address for IPv6.
. "$(dirname "$0")/lib.sh"
test_init
topo_setup3
gw_setup
wait_reachable

# One child per datagram; reply "<peer address> <request>".
sx timeout 30 socat UDP4-RECVFROM:5353,reuseaddr,fork \
	SYSTEM:'read l; echo "$SOCAT_PEERADDR $l"' 2>udp4.err &
bg_track $!
sx timeout 30 socat UDP6-RECVFROM:5354,reuseaddr,fork \
	SYSTEM:'read l; echo "$SOCAT_PEERADDR $l"' 2>udp6.err &
bg_track $!
wait_listen sx 5353 udp
wait_listen sx 5354 udp

for i in 1 2 3; do
	req="req-$i-$RANDOM"
	rep=$(udp_req cx "$SERVER4" 5353 "$req" 2>&1)
	[ "$rep" = "$GW_OUT4 $req" ] ||
		fail "IPv4 UDP request $i: expected reply '$GW_OUT4 $req', got '$rep'"
done
log "IPv4 UDP: 3 request/response pairs, server saw $GW_OUT4"

req="req6-$RANDOM"
rep=$(udp_req cx "$SERVER6" 5354 "$req" 2>&1)
# socat prints the peer as [fd00:0001:0000:...]: compare normalised.
seen=$(python3 -c 'import ipaddress,sys; print(ipaddress.ip_address(sys.argv[1].strip("[]")))' "${rep%% *}" 2>/dev/null)
[ "$seen" = "$CLIENT6" ] && [ "${rep#* }" = "$req" ] || fail "IPv6 UDP: expected reply '[$CLIENT6] $req', got '$rep'"
log "IPv6 UDP: ok, server saw $CLIENT6"

# A 1400-byte datagram (payload checksum over a larger packet) both ways.
big=$(head -c 1000 /dev/urandom | base64 -w0 | head -c 1400)
rep=$(udp_req cx "$SERVER4" 5353 "$big" 2>&1)
[ "$rep" = "$GW_OUT4 $big" ] || fail "IPv4 UDP 1400-byte request: reply wrong (${#rep} bytes)"

# A datagram without checksum (UDP checksum 0 is legal in IPv4): the
# translation must leave it zero (not "update" it into a wrong value); the
# server's capture shows [no cksum] and the server still answers.
cap_start sx cap0.out -vv -i eth0 -c 1 "udp dst port 5353 and src host $GW_OUT4"
cap=$CAP_PID
rep=$(cx timeout 5 python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, 11, 1)   # SO_NO_CHECK: send checksum 0
s.settimeout(3)
s.sendto(b"nocsum\n", (sys.argv[1], 5353))
print(s.recv(1000).decode().strip())
' "$SERVER4" 2>&1)
wait $cap
[ "$rep" = "$GW_OUT4 nocsum" ] || fail "UDP with checksum 0: expected '$GW_OUT4 nocsum', got '$rep'"
grep -q 'no cksum' cap0.out ||
	fail "UDP checksum 0 was not kept zero through the NAT: $(grep -o 'udp sum [a-z]*\|bad udp cksum [0-9a-fx]*' cap0.out | head -1)"
log "IPv4 UDP checksum 0 stays 0 through the NAT"

# A 4000-byte datagram: IPv4 fragments both ways (MTU 1500), every fragment
# of the NATed flow must be translated.
huge=$(head -c 3000 /dev/urandom | base64 -w0 | head -c 4000)
frag0=""
[ "$GW_KIND" = bpfalg ] && frag0=$(stat_get fragment_translated)
rep=$(udp_req cx "$SERVER4" 5353 "$huge" 2>&1)
[ "$rep" = "$GW_OUT4 $huge" ] ||
	fail "IPv4 UDP 4000-byte (fragmented) request: reply wrong (${#rep} bytes: ${rep:0:60})"
log "IPv4 UDP fragmented 4000-byte request/response ok"
if [ "$GW_KIND" = bpfalg ]; then
	frag1=$(stat_get fragment_translated)
	log "fragment_translated: $frag0 -> $frag1"
	# 3 fragments each way; the first carries the ports, the others follow.
	[ -n "$frag1" ] && [ "$frag1" -ge $(( ${frag0:-0} + 2 )) ] ||
		fail "fragment_translated did not rise by >= 2 ($frag0 -> $frag1)"
fi
exit 0
