#!/bin/bash
# --max-flows-per-host: an inside host may hold at most N unreplied flows.
# The gateway runs with --max-flows-per-host 40 and a 4 s timeout for
# unreplied UDP.  The client sends one UDP datagram each to 100 ports of the
# server that never answer (the server's input hook drops them): at most
# 40 become flows, the rest are refused and counted host_limit.  While the
# host sits at its limit a new TCP connection of it is refused too (the
# limit is per host, whatever the protocol).  Once the unreplied flows time
# out and the controller's sweep recounts, the host's TCP connection works
# again.
# Kernel: skipped; conntrack has no per-host limit (an nft `ct count` rule
# would be a different feature of the operator's ruleset, not the
# reference's).
# gateways: kernel bpfalg
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/flood_lib.sh"
[ "$GW_KIND" = bpfalg ] ||
	skip "per-host flow limit is bpfalg's (conntrack has none by default)"
LIMIT=40
GW_UP_ARGS="--max-flows-per-host $LIMIT --timeout-udp 4"
test_init
topo_setup3
gw_setup
wait_reachable

sx nft add table inet hl &&
	sx nft add chain inet hl in '{ type filter hook input priority -300; }' &&
	sx nft add rule inet hl in udp dport 7000-7999 drop ||
	fail "server drop rule"
probe_server sx 9100

# the host's own TCP works before
tcp_probes cx "$SERVER4" 9100 1 "before"
[ "$PROBE_OK" -eq 1 ] || fail "a TCP connection before the test failed"
sleep 1

hl0=$(stat_get host_limit)
cx timeout 20 python3 - "$SERVER4" <<'PY' || fail "the UDP sender failed"
import socket, sys
for p in range(7000, 7100):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.sendto(b"x", (sys.argv[1], p))
    s.close()
PY
sleep 0.5
hl1=$(stat_get host_limit)
n=$(gw_flow_count)
log "100 unanswered UDP flows sent: $n flows in the table, host_limit +$((hl1 - hl0))"
[ "$((hl1 - hl0))" -ge $((100 - LIMIT - 2)) ] ||
	fail "host_limit rose by $((hl1 - hl0)), expected about $((100 - LIMIT)) refusals"
[ "$n" -le $((LIMIT + 3)) ] ||
	fail "$n flows in the table: more than the host's limit of $LIMIT (+ the probe's)"

# at its limit the host gets no new flow, TCP included
out=$(cx timeout 4 socat -u TCP4:"$SERVER4":9100,connect-timeout=2 - 2>&1 </dev/null)
case $out in
pong*) fail "a new TCP connection got through while the host was at its limit" ;;
esac
log "at the limit: a new TCP connection of the host is refused ($(stat_get host_limit) refusals in all)"

# unreplied UDP times out (4 s), the sweep recounts (every 2 s): room again
ok=0
for i in $(seq 20); do
	sleep 1
	out=$(cx timeout 4 socat -u TCP4:"$SERVER4":9100,connect-timeout=2 - 2>&1 </dev/null)
	case $out in pong*)
		ok=1
		break
		;;
	esac
done
[ "$ok" = 1 ] || fail "the host's TCP connection still refused 20 s after its unreplied flows timed out"
log "after the timeout and the sweep's recount: the host connects again (after ~$i s)"
exit 0
