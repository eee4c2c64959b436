#!/bin/bash
# gateways: kernel bpfalg
# A blind RST does not tear down a NAT binding.  A long-lived TCP
# connection client -> server through the NAT exchanges a line every 0.5 s
# each way.  From the server's namespace an attacker that knows the 4-tuple
# (server:5010 <-> public address:port) but not the sequence numbers injects
# RSTs 2^30 ahead of and behind the server's SND.NXT.  The gateway must
# ignore them: for longer than its TCP close timeout (cut to 2 s) the
# connection keeps exchanging data both ways, then stays idle that long and
# exchanges data again, and the gateway's entry stays ESTABLISHED
# throughout (kernel: conntrack -L; bpfalg: algctl flows -j).  Positive
# control: a RST at exactly SND.NXT (sniffed from the server's next segment)
# moves the entry to CLOSE (or removes it) and resets the inside socket.
. "$(dirname "$0")/lib.sh"
STATE_TOOL=$(cd "$(dirname "$0")" && pwd)/state_tool.py
test_init
CLOSE_TO=2
# bpfalg: the "TCP after RST" timeout, for up and daemon alike
GW_UP_ARGS="$GW_UP_ARGS --timeout-tcp-close $CLOSE_TO"
topo_setup3
gw_setup
wait_reachable
if [ "$GW_KIND" = kernel ]; then
	gx sysctl -qw net.netfilter.nf_conntrack_tcp_timeout_close=$CLOSE_TO ||
		fail "conntrack tcp close timeout sysctl"
fi

PORT=5010 CPORT=40555

# gw_tcp_state: the gateway's state of the client's connection, lower case
# ("established", "close", ...), "gone" when it has no entry.
gw_tcp_state() {
	case $GW_KIND in
	kernel)
		gx conntrack -L -p tcp --orig-src "$CLIENT4" --orig-dst "$SERVER4" \
			--sport "$CPORT" --dport "$PORT" 2>/dev/null |
			awk 'NR == 1 { print tolower($4); f = 1 } END { if (!f) print "gone" }'
		;;
	bpfalg)
		algctl flows -j 2>/dev/null | python3 -c '
import json, sys
c, cp, s, sp = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
def walk(o):
    if isinstance(o, dict):
        if "orig_src" in o and "state" in o: yield o
        for v in o.values(): yield from walk(v)
    elif isinstance(o, list):
        for v in o: yield from walk(v)
try: doc = json.load(sys.stdin)
except ValueError: print("no-json"); sys.exit()
for f in walk(doc):
    if (f.get("proto") == "tcp" and f["orig_src"].get("addr") == c and f["orig_src"].get("port") == cp
            and f["orig_dst"].get("addr") == s and f["orig_dst"].get("port") == sp):
        print(f["state"].lower()); break
else:
    print("gone")
' "$CLIENT4" "$CPORT" "$SERVER4" "$PORT"
		;;
	esac
}

# rx_count FILE: lines received so far by that end.
rx_count() { grep -c '^rx ' "$1" 2>/dev/null; }

sx timeout 50 python3 -u "$STATE_TOOL" chat-server "$PORT" >server.out 2>&1 &
bg_track $!
wait_listen sx "$PORT"
cx timeout 45 python3 -u "$STATE_TOOL" chat-client "$SERVER4" "$PORT" "$CPORT" >client.out 2>&1 &
client=$!
bg_track $client

for i in $(seq 30); do
	grep -q '^peer ' server.out && [ "$(rx_count client.out)" -ge 2 ] && break
	sleep 0.1
done
read -r _ pub_addr pub_port < <(grep '^peer ' server.out)
[ -n "$pub_port" ] || fail "no connection: server: $(tr '\n' ' ' <server.out) client: $(tr '\n' ' ' <client.out)"
[ "$pub_addr" = "$GW_OUT4" ] || fail "server saw $pub_addr:$pub_port, expected the public address $GW_OUT4"
[ "$(rx_count client.out)" -ge 2 ] || fail "client received nothing: $(tr '\n' ' ' <client.out)"
log "connection $CLIENT4:$CPORT -> $SERVER4:$PORT, public $pub_addr:$pub_port"
if [ "$GW_KIND" = bpfalg ]; then
	flows_has "$CLIENT4" "$CPORT" "$SERVER4" "$PORT" "$pub_port" ||
		fail "algctl flows -j has no flow with public port $pub_port"
fi
st=$(gw_tcp_state)
[ "$st" = established ] || fail "gateway state before the attack: $st, expected established"
log "gateway state: $st"

# --- the blind attacker
c0=$(rx_count client.out) s0=$(rx_count server.out)
sx timeout 10 python3 "$STATE_TOOL" rst eth0 "$SERVER4" "$PORT" "$GW_OUT4" "$pub_port" blind >blind.out 2>&1 ||
	fail "blind RST injection: $(tr '\n' ' ' <blind.out)"
sed 's/^/# blind: /' blind.out
sleep 0.3
st=$(gw_tcp_state)
log "gateway state right after the blind RSTs: $st"
[ "$st" = established ] ||
	fail "gateway state after out-of-window RSTs: $st, expected established (a blind RST must not close the binding)"
# Longer than the close timeout with traffic flowing, then as long idle
# (an entry in a closing state would expire there), then traffic again.
sleep $((CLOSE_TO * 2 + 1))
c1=$(rx_count client.out) s1=$(rx_count server.out)
log "lines received in $((CLOSE_TO * 2 + 1)) s after the blind RSTs: client $((c1 - c0)), server $((s1 - s0))"
grep -q RESET client.out && fail "the inside socket was reset by the blind RST"
kill -0 "$client" 2>/dev/null || fail "client ended: $(tail -n 2 client.out | tr '\n' ' ')"
[ $((c1 - c0)) -ge $((CLOSE_TO * 2)) ] ||
	fail "client received only $((c1 - c0)) lines in $((CLOSE_TO * 2 + 1)) s after the blind RSTs"
[ $((s1 - s0)) -ge $((CLOSE_TO * 2)) ] ||
	fail "server received only $((s1 - s0)) lines in $((CLOSE_TO * 2 + 1)) s after the blind RSTs"
st=$(gw_tcp_state)
[ "$st" = established ] ||
	fail "gateway state $((CLOSE_TO * 2 + 1)) s after the blind RSTs: $st, expected established"
log "data flows both ways, gateway state $st; now idle for $((CLOSE_TO * 2 + 1)) s"
: >quiet
sleep $((CLOSE_TO * 2 + 1))
st=$(gw_tcp_state)
rm -f quiet
[ "$st" = established ] ||
	fail "gateway state after $((CLOSE_TO * 2 + 1)) s idle following the blind RSTs: $st, expected established"
c2=$(rx_count client.out) s2=$(rx_count server.out)
sleep 2
c3=$(rx_count client.out) s3=$(rx_count server.out)
grep -q RESET client.out && fail "the inside socket was reset after the idle period"
kill -0 "$client" 2>/dev/null || fail "client ended after the idle period: $(tail -n 2 client.out | tr '\n' ' ')"
[ $((c3 - c2)) -ge 2 ] && [ $((s3 - s2)) -ge 2 ] ||
	fail "after the idle period: client received $((c3 - c2)), server $((s3 - s2)) lines in 2 s"
st=$(gw_tcp_state)
[ "$st" = established ] || fail "gateway state after traffic resumed: $st, expected established"
log "blind RSTs ignored: after the idle period data flows again (client +$((c3 - c2)), server +$((s3 - s2)) in 2 s), gateway state $st"

# --- positive control: a RST at exactly the server's SND.NXT
sx timeout 10 python3 "$STATE_TOOL" rst eth0 "$SERVER4" "$PORT" "$GW_OUT4" "$pub_port" exact >exact.out 2>&1 ||
	fail "exact RST injection: $(tr '\n' ' ' <exact.out)"
sed 's/^/# exact: /' exact.out
for i in $(seq 30); do
	kill -0 "$client" 2>/dev/null || break
	sleep 0.1
done
grep -q '^RESET' client.out ||
	fail "the in-window RST did not reset the inside socket (client: $(tail -n 2 client.out | tr '\n' ' '))"
wait $client
# The server keeps sending: its next segment draws the client stack's RST,
# which closes a gateway entry that was left established on a RST it saw
# as merely in-window (conntrack does so when the client spoke last).
for i in $(seq 30); do
	st=$(gw_tcp_state)
	case $st in close | gone) break ;; esac
	sleep 0.1
done
case $st in
close | gone) log "in-window RST: inside socket reset, gateway state $st" ;;
*) fail "gateway state after the in-window RST: $st, expected close (or no entry)" ;;
esac
exit 0
