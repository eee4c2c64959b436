#!/bin/bash
# Unsolicited inbound is dropped.  For this check only, the server gets a
# route to the inside prefix, so nothing but the gateway's policy stands
# between it and the client's listeners.  Connection attempts (TCP v4/v6,
# UDP v4, ICMP echo v4) from the server to the client must fail, while a flow
# the client opened still works.  bpfalg: the inbound_drop counter rises.
. "$(dirname "$0")/lib.sh"
test_init
topo_setup3
gw_setup
wait_reachable

cx timeout 60 socat TCP4-LISTEN:80,reuseaddr,fork SYSTEM:'echo inside' 2>/dev/null &
bg_track $!
cx timeout 60 socat TCP6-LISTEN:80,reuseaddr,fork,ipv6only=1 SYSTEM:'echo inside6' 2>/dev/null &
bg_track $!
cx timeout 60 socat UDP4-RECVFROM:5355,reuseaddr,fork SYSTEM:'echo inside-udp' 2>/dev/null &
bg_track $!
wait_listen cx 80
wait_listen cx 5355 udp

# The listeners work (so a failure below is the gateway's doing).
[ "$(cx timeout 5 socat -u TCP4:$CLIENT4:80 - 2>/dev/null)" = inside ] ||
	fail "inside TCP listener does not answer locally"
[ "$(cx timeout 5 socat -u "TCP6:[$CLIENT6]:80" - 2>/dev/null)" = inside6 ] ||
	fail "inside TCP6 listener does not answer locally"

ip -n "$NS_S" route add "$INSIDE_PREFIX4" via "$GW_OUT4" || fail "server route to inside"

before=""
if [ "$GW_KIND" = bpfalg ]; then
	before=$(stat_get inbound_drop)
	[ -n "$before" ] || fail "algctl stats -j has no inbound_drop counter: $(algctl stats -j 2>&1 | head -c 300)"
fi

out=$(sx timeout 5 socat -u TCP4:$CLIENT4:80,connect-timeout=3 - 2>&1)
[ "$out" = inside ] && fail "unsolicited TCP $SERVER4 -> $CLIENT4:80 got through"
log "TCP v4 from outside: blocked (${out:0:80})"
out=$(sx timeout 5 socat -u "TCP6:[$CLIENT6]:80,connect-timeout=3" - 2>&1)
[ "$out" = inside6 ] && fail "unsolicited TCP $SERVER6 -> [$CLIENT6]:80 got through"
log "TCP v6 from outside: blocked (${out:0:80})"
out=$(udp_req sx "$CLIENT4" 5355 probe 2>&1)
[ "$out" = inside-udp ] && fail "unsolicited UDP $SERVER4 -> $CLIENT4:5355 got an answer"
log "UDP v4 from outside: blocked"
sx ping -q -c 2 -i 0.3 -W 1 "$CLIENT4" >/dev/null 2>&1 &&
	fail "unsolicited ICMP echo $SERVER4 -> $CLIENT4 answered"
log "ICMP echo v4 from outside: blocked"

# A flow the client opened still works, with the route in place.
sx timeout 20 socat TCP4-LISTEN:5005,reuseaddr SYSTEM:'echo reply-ok' 2>/dev/null &
bg_track $!
wait_listen sx 5005
[ "$(cx timeout 5 socat -u TCP4:$SERVER4:5005 - 2>/dev/null)" = reply-ok ] ||
	fail "client-initiated TCP flow to $SERVER4:5005 failed with the inside route present"
cx ping -q -c 1 -W 2 "$SERVER4" >/dev/null || fail "client ping failed with the inside route present"
log "client-initiated flows still work"

if [ "$GW_KIND" = bpfalg ]; then
	after=$(stat_get inbound_drop)
	log "inbound_drop: $before -> $after"
	[ -n "$after" ] && [ "$after" -gt "$before" ] ||
		fail "inbound_drop did not increase ($before -> $after)"
fi
exit 0
