#!/bin/bash
# ping: ICMP echo over IPv4 through the NAT, and over IPv6 (routed, no NAT).
# The server has no IPv4 route to the inside prefix, so a reply can only
# come back if the gateway translated the request.
. "$(dirname "$0")/lib.sh"
test_init
topo_setup3
gw_setup

cx ping -q -c 3 -i 0.2 -W 2 "$SERVER4" >ping4.out 2>&1 ||
	fail "IPv4 ping $CLIENT4 -> $SERVER4 through the NAT: $(tail -n2 ping4.out | tr '\n' ' ')"
log "IPv4: $(grep -o '[0-9]* received' ping4.out)"

# What the server saw: the echo request must come from the public address.
cap_start sx cap4.out -i eth0 -c 1 'icmp[icmptype] = icmp-echo'
cap=$CAP_PID
cx ping -q -c 2 -i 0.3 -W 2 "$SERVER4" >/dev/null 2>&1
wait $cap
grep -q "IP $GW_OUT4 > $SERVER4: ICMP echo request" cap4.out ||
	fail "server did not see an echo request from $GW_OUT4: $(head -n1 cap4.out)"

cx ping -q -c 3 -i 0.2 -W 2 "$SERVER6" >ping6.out 2>&1 ||
	fail "IPv6 ping $CLIENT6 -> $SERVER6 (routed): $(tail -n2 ping6.out | tr '\n' ' ')"
log "IPv6: $(grep -o '[0-9]* received' ping6.out)"

# Large ICMP (needs the whole echo, not just the header, to be intact).
cx ping -q -c 2 -i 0.2 -W 2 -s 1400 "$SERVER4" >ping4l.out 2>&1 ||
	fail "IPv4 ping with 1400-byte payload failed"
exit 0
