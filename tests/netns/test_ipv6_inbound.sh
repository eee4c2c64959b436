#!/bin/bash
# gateways: kernel bpfalg
# IPv6 is routed, not translated, but the gateway's stateful policy still
# applies to what comes from outside.  From the server's namespace, to the
# client's global address (captured on the client's eth0):
#  (a) non-first fragments (offset > 0) of a UDP datagram whose first
#      fragment is never sent: none may reach the client (the kernel's
#      conntrack defrag holds them; nothing unsolicited is forwarded);
#  (b) unsolicited ICMPv6 informational messages that RFC 4890 has a
#      transit firewall drop: node information query/reply (139/140),
#      router renumbering (138), an unallocated type (160), private
#      experimentation (200), and a router advertisement (134) with hop
#      limit 255: none may reach the client;
#  (c) positive controls: a 3000-byte UDP reply (three fragments) to a
#      request the client sent arrives intact, and an ICMPv6 packet too big
#      quoting that flow reaches the client (its route learns mtu 1280).
# The kernel reference (nf_defrag_ipv6, forward policy established/related)
# is what is asserted.  All cases are measured before the verdict.
. "$(dirname "$0")/lib.sh"
STATE_TOOL=$(cd "$(dirname "$0")" && pwd)/state_tool.py
test_init
topo_setup3
gw_setup
wait_reachable
cx ping -q -c1 -W2 "$SERVER6" >/dev/null 2>&1 ||
	fail "client cannot ping $SERVER6 through the gateway ($GW)"

problems=""
problem() { log "PROBLEM: $*"; problems="$problems; $*"; }

# Everything from the server's address: as it leaves the server (proof
# that it was sent) and as it arrives at the client.
CAP_PIDS=""
for side in c s; do
	ip netns exec "$([ $side = c ] && echo "$NS_C" || echo "$NS_S")" timeout 40 \
		tcpdump -l -n -i eth0 --immediate-mode -U -w cap_$side.pcap \
		"ip6 and src host $SERVER6" 2>cap_$side.err &
	CAP_PIDS="$CAP_PIDS $!"
	bg_track $!
done
for side in c s; do
	for i in $(seq 50); do
		grep -q 'listening on' cap_$side.err 2>/dev/null && break
		sleep 0.1
	done
	grep -q 'listening on' cap_$side.err || fail "tcpdump did not start: $(head -c 200 cap_$side.err)"
done

# captured SIDE FILTER: how many packets captured at the client (c) or
# leaving the server (s) match FILTER.
captured() { tcpdump -n -r "cap_$1.pcap" --count "$2" 2>/dev/null | awk '{ print $1 + 0 }'; }

# --- (a) lone non-first fragments, twice
for _ in 1 2; do
	sx timeout 5 python3 "$STATE_TOOL" frag6 "$SERVER6" "$CLIENT6" >>frag.out 2>&1 ||
		fail "frag6 injection: $(tr '\n' ' ' <frag.out)"
done
sed 's/^/# (a) /' frag.out
# --- (b) unsolicited informational ICMPv6
for t in 139 140 138 160 200; do
	sx timeout 5 python3 "$STATE_TOOL" icmp6 "$SERVER6" "$CLIENT6" $t >>icmp.out 2>&1 ||
		fail "icmp6 type $t injection: $(tr '\n' ' ' <icmp.out)"
done
sx timeout 5 python3 "$STATE_TOOL" icmp6 "$SERVER6" "$CLIENT6" 134 255 >>icmp.out 2>&1 ||
	fail "icmp6 router advertisement injection: $(tr '\n' ' ' <icmp.out)"
sed 's/^/# (b) /' icmp.out

# --- (c) a flow the client opened: fragmented reply, then packet too big
sx timeout 15 python3 -u "$STATE_TOOL" udp6-server "$SERVER6" 5353 3000 >udp_srv.out 2>&1 &
bg_track $!
wait_listen sx 5353 udp
cx timeout 15 python3 -u "$STATE_TOOL" udp6-client "$SERVER6" 5353 40444 3000 4 >udp_cli.out 2>&1 &
ucli=$!
bg_track $ucli
for i in $(seq 40); do
	grep -q '^reply\|^no reply' udp_cli.out 2>/dev/null && break
	sleep 0.1
done
if grep -q '^reply ok 3000' udp_cli.out; then
	log "(c) fragmented 3000-byte UDP reply to the client's request arrived intact"
else
	problem "(c) the client's fragmented 3000-byte UDP reply did not arrive intact: $(tr '\n' ' ' <udp_cli.out)"
fi
cx ip -6 route flush cache >/dev/null 2>&1
sx timeout 5 python3 "$STATE_TOOL" ptb6 "$SERVER6" "$CLIENT6" "$CLIENT6" 40444 "$SERVER6" 5353 1280 >ptb.out 2>&1 ||
	fail "ptb6 injection: $(tr '\n' ' ' <ptb.out)"
sed 's/^/# (c) /' ptb.out
sleep 1
wait $ucli
# Everything was sent: stop the capture (SIGTERM to the whole tree:
# tcpdump closes its file cleanly, -U wrote each packet at once).
sleep 0.5
for p in $CAP_PIDS; do _kill_tree "$p"; done
for p in $CAP_PIDS; do wait "$p" 2>/dev/null; done

# Sent: 6 lone non-first fragments (two fragment ids), 6 ICMPv6 messages,
# 1 packet too big, and the 3-fragment reply.
ids=$(sed -n 's/.* id \(0x[0-9a-f]*\)$/\1/p' frag.out)
[ "$(echo "$ids" | wc -w)" -eq 2 ] || fail "frag6: no fragment ids: $(tr '\n' ' ' <frag.out)"
LONE=""
for id in $ids; do LONE="${LONE:+$LONE or }ip6[44:4] == $id"; done
LONE="ip6[6] == 44 and ($LONE)"
sent=$(captured s "$LONE")
[ "$sent" -eq 6 ] || fail "the server sent $sent of the 6 lone non-first fragments"
n=$(captured c "$LONE")
log "(a) lone non-first fragments at the client: $n of $sent"
[ "$n" -eq 0 ] || problem "(a) $n of 6 unsolicited non-first IPv6 fragments reached the client"
first=$(captured c "ip6[6] == 44 and ip6[42:2] & 0xfff8 == 0")
rest=$(captured c "ip6[6] == 44 and ip6[42:2] & 0xfff8 != 0 and not ($LONE)")
log "(c) fragments of the client's UDP reply at the client: $first first, $rest non-first"
for t in 139 140 138 160 200 134; do
	[ "$(captured s "ip6[6] == 58 and ip6[40] == $t")" -eq 1 ] ||
		fail "ICMPv6 type $t: not seen leaving the server"
	n=$(captured c "ip6[6] == 58 and ip6[40] == $t")
	if [ "$n" -eq 0 ]; then
		log "(b) ICMPv6 type $t: dropped"
	else
		problem "(b) unsolicited ICMPv6 type $t reached the client ($n)"
	fi
done
n=$(captured c 'ip6[6] == 58 and ip6[40] == 2')
if [ "$n" -ge 1 ]; then
	log "(c) ICMPv6 packet too big quoting the client's flow reached the client"
else
	problem "(c) ICMPv6 packet too big quoting the client's flow did not reach the client"
fi
cx ip -6 route get "$SERVER6" >route6.out 2>&1
if grep -q 'mtu 1280' route6.out; then
	log "(c) client's route learned: $(grep -o 'mtu [0-9]*' route6.out)"
else
	problem "(c) client's route to $SERVER6 did not learn mtu 1280: $(tr '\n' ' ' <route6.out)"
fi
[ -z "$problems" ] || fail "${problems#; }"
exit 0
