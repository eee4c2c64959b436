#!/bin/bash
# ICMP errors for NATed flows come back to the inside host (traceroute-style
# and port-unreachable), on the 4-namespace topology (client -- gw -- router
# -- server):
#   * ICMP echo with TTL 2: the router's time-exceeded (sent to the public
#     address) reaches the client, naming the router;
#   * UDP with TTL 2: the time-exceeded lands in the client socket's error
#     queue (IP_RECVERR): inner UDP header translated back, or the kernel
#     would not match it to the socket;
#   * UDP to a closed server port: port-unreachable reaches the socket;
#   * IPv6 (routed) hop-limit exceeded and port unreachable likewise.
. "$(dirname "$0")/lib.sh"
test_init
topo_setup4
gw_setup
wait_reachable

# recverr HOST PORT TTL: send one UDP datagram from a connected socket, print
# "type code offender" of the first ICMP error queued on it (or "none").
recverr() {
	cx timeout 6 python3 - "$@" <<-'PY'
	import socket, struct, sys, time, select
	host, port, ttl = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
	v6 = ":" in host
	fam = socket.AF_INET6 if v6 else socket.AF_INET
	s = socket.socket(fam, socket.SOCK_DGRAM)
	if v6:
	    s.setsockopt(socket.IPPROTO_IPV6, 25, 1)              # IPV6_RECVERR
	    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, ttl)
	else:
	    s.setsockopt(socket.IPPROTO_IP, 11, 1)                # IP_RECVERR
	    s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, ttl)
	s.connect((host, port))
	s.setblocking(False)
	end = time.time() + 4
	while time.time() < end:
	    try:
	        s.send(b"probe")
	    except OSError:
	        pass
	    select.select([], [], [s], 0.5)
	    try:
	        data, anc, flags, addr = s.recvmsg(512, 512, socket.MSG_ERRQUEUE)
	    except BlockingIOError:
	        continue
	    for lvl, typ, d in anc:
	        errno_, origin, etype, ecode, pad, info, edata = struct.unpack_from("=IBBBBII", d)
	        off = d[16:]
	        if v6:
	            a = socket.inet_ntop(socket.AF_INET6, off[8:24])
	        else:
	            a = socket.inet_ntop(socket.AF_INET, off[4:8])
	        print(etype, ecode, a)
	        sys.exit(0)
	print("none")
	PY
}

icmp0=""
[ "$GW_KIND" = bpfalg ] && icmp0=$(stat_get icmp_error_translated)

out=$(cx ping -c 1 -t 2 -W 2 "$SERVER4" 2>&1)
echo "$out" | grep -q "From $ROUTER_OUT4 .*Time to live exceeded" ||
	fail "ICMP echo TTL 2: no time-exceeded from $ROUTER_OUT4: $(echo "$out" | sed -n 2p)"
log "ICMP echo TTL 2: time exceeded from $ROUTER_OUT4"

out=$(recverr "$SERVER4" 33434 2)
[ "$out" = "11 0 $ROUTER_OUT4" ] ||
	fail "UDP TTL 2: expected time-exceeded (11 0) from $ROUTER_OUT4 in the socket error queue, got '$out'"
log "UDP TTL 2: time exceeded from $ROUTER_OUT4 reached the socket"

out=$(recverr "$SERVER4" 33435 64)
[ "$out" = "3 3 $SERVER4" ] ||
	fail "UDP to a closed port: expected port-unreachable (3 3) from $SERVER4, got '$out'"
log "UDP closed port: port unreachable from $SERVER4 reached the socket"

out=$(cx ping -6 -c 1 -t 2 -W 2 "$SERVER6" 2>&1)
echo "$out" | grep -qi "From $ROUTER_OUT6 .*Time exceeded" ||
	fail "ICMPv6 echo hop limit 2: no time-exceeded from $ROUTER_OUT6: $(echo "$out" | sed -n 2p)"
out=$(recverr "$SERVER6" 33436 64)
[ "$out" = "1 4 $SERVER6" ] ||
	fail "UDP6 to a closed port: expected port-unreachable (1 4) from $SERVER6, got '$out'"
log "IPv6: hop limit exceeded and port unreachable reached the client"

if [ "$GW_KIND" = bpfalg ]; then
	icmp1=$(stat_get icmp_error_translated)
	log "icmp_error_translated: $icmp0 -> $icmp1"
	[ -n "$icmp1" ] && [ "$icmp1" -ge $(( ${icmp0:-0} + 3 )) ] ||
		fail "icmp_error_translated did not rise by >= 3 ($icmp0 -> $icmp1)"
fi
exit 0
