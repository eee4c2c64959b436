#!/bin/bash
# Port-forward: outside server connects to the gateway's public address
# tcp/8080, which is forwarded to the inside client 10.0.1.2:80.  The inside
# service answers with the peer address it saw (must be the real outside
# address: a port-forward does not masquerade the source) and a 2 MB file
# (byte-exact).  Two connections in a row; after the forward is deleted a
# new connection must not get through.
. "$(dirname "$0")/lib.sh"
test_init
topo_setup3
gw_setup
wait_reachable

make_file fwd.bin 2
cx timeout 60 socat TCP4-LISTEN:80,reuseaddr,fork \
	SYSTEM:'echo "hello $SOCAT_PEERADDR"; cat fwd.bin' 2>svc.err &
bg_track $!
wait_listen cx 80

hit0=""
[ "$GW_KIND" = bpfalg ] && hit0=$(stat_get forward_hit)
gw_forward_add tcp 8080 "$CLIENT4" 80
if [ "$GW_KIND" = bpfalg ]; then
	algctl forward -j >fwd.json 2>&1 || fail "algctl forward -j (list) failed: $(head -c 200 fwd.json)"
	python3 -c '
import json, sys
d = json.load(open("fwd.json"))
sys.exit(0 if any(f["proto"] == "tcp" and f["public_port"] == 8080 and
                  f["inside"] == {"addr": "10.0.1.2", "port": 80}
                  for f in d["forwards"]) else 1)' ||
		fail "algctl forward -j does not list tcp 8080 -> $CLIENT4:80: $(head -c 300 fwd.json)"
fi

for n in 1 2; do
	sx timeout 20 socat -u TCP4:"$GW_OUT4":8080 OPEN:resp$n,creat,trunc 2>conn$n.err ||
		fail "connection $n from $SERVER4 to $GW_OUT4:8080 failed: $(head -c 300 conn$n.err)"
	line=$(head -n1 resp$n)
	[ "$line" = "hello $SERVER4" ] ||
		fail "connection $n: inside service greeting '$line', expected 'hello $SERVER4'"
	tail -c +$((${#line} + 2)) resp$n >body$n
	[ "$(sha body$n)" = "$(sha fwd.bin)" ] ||
		fail "connection $n: forwarded body differs ($(stat -c %s body$n) of $(stat -c %s fwd.bin) bytes)"
done
log "two forwarded connections ok, inside saw $SERVER4"

if [ "$GW_KIND" = bpfalg ]; then
	hit1=$(stat_get forward_hit)
	log "forward_hit: $hit0 -> $hit1"
	[ -n "$hit1" ] && [ "$hit1" -ge $(( ${hit0:-0} + 2 )) ] ||
		fail "forward_hit did not rise by 2 ($hit0 -> $hit1)"
fi

# Deleted, the forward no longer admits new connections.
gw_forward_del tcp 8080 "$CLIENT4" 80
if sx timeout 4 socat -u TCP4:"$GW_OUT4":8080,connect-timeout=3 OPEN:/dev/null,wronly 2>/dev/null </dev/null; then
	fail "connection to $GW_OUT4:8080 still forwarded after the forward was deleted"
fi
log "after forward del: no longer forwarded"

# A port that is not forwarded does not reach the inside service.
if sx timeout 3 socat -u TCP4:"$GW_OUT4":8081,connect-timeout=2 OPEN:/dev/null,wronly 2>/dev/null </dev/null; then
	fail "connection to unforwarded port $GW_OUT4:8081 succeeded"
fi
exit 0
