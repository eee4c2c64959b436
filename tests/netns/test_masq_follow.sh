#!/bin/bash
# Masquerade follows the outside interface's address: after the gateway's
# public address is replaced, new flows leave with the new one (the daemon
# hears the netlink notification and updates the datapath's config).
. "$(dirname "$0")/lib.sh"
test_init
topo_setup3
gw_setup
wait_reachable

sx timeout 30 socat UDP4-RECVFROM:5353,reuseaddr,fork \
	SYSTEM:'read l; echo "$SOCAT_PEERADDR $l"' 2>udp.err &
bg_track $!
wait_listen sx 5353 udp

rep=$(udp_req cx "$SERVER4" 5353 before 2>&1)
[ "$rep" = "$GW_OUT4 before" ] || fail "before: expected '$GW_OUT4 before', got '$rep'"

new=192.0.2.11
# keep .11 when the primary .1 goes (it is in the same subnet)
gx sysctl -qw net.ipv4.conf.gout.promote_secondaries=1
gx ip addr add "$new/24" dev gout || fail "add $new"
gx ip addr del "$GW_OUT4/24" dev gout || fail "del $GW_OUT4"
log "gout address $GW_OUT4 -> $new"

ok=""
for i in $(seq 20); do
	rep=$(udp_req cx "$SERVER4" 5353 "after-$i" 2>&1)
	if [ "$rep" = "$new after-$i" ]; then
		ok=1
		break
	fi
	sleep 0.25
done
[ -n "$ok" ] || fail "after the address change the server saw '$rep', want '$new after-N'"
log "new flows leave as $new"
if [ "$GW_KIND" = bpfalg ]; then
	a=$(algctl status -j | python3 -c 'import json,sys; print(json.load(sys.stdin)["public_address"])')
	[ "$a" = "$new" ] || fail "algctl status says public address $a"
fi
exit 0
