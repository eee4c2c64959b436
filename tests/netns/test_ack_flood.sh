#!/bin/bash
# Bare TCP ACKs from outside must not fill the gateway's table.  tcp/8080 on
# the public address is forwarded to a service on the inside client
# (10.0.1.2:80).  From the server namespace trafgen sends, for 4 s, TCP
# segments with only ACK set (no SYN: no connection was ever opened) from
# random sources (198.18.x.y) and random ports, random sequence and
# acknowledgement numbers, to 192.0.2.1:8080.  Afterwards the table must hold
# fewer than ACK_BOUND entries, and 5 of 5 real connections from outside
# through the forward, and 5 of 5 new connections from the inside to the
# server, must work.  The gateway has a default route toward the server side
# (as a real one has toward its uplink), so answers to the random sources
# have somewhere to go.
# Kernel reference: lib.sh's ruleset, conntrack defaults.  Measured here:
# with nf_conntrack_tcp_loose=1 (default) conntrack picks each ACK up as a
# connection and forwards it, the inside host answers RST and that RST ends
# the entry at once (2-3 entries at any time); KERNEL_TCP_LOOSE=0 (set in
# the gateway namespace) makes every ACK invalid, no entry at all.
# gateways: kernel bpfalg
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/flood_lib.sh"
ACK_BOUND=1000
test_init
flood_exit_hook
require_cmds trafgen conntrack
topo_setup3
gw_setup
wait_reachable
ip -n "$NS_G" route add default via "$SERVER4" || fail "gateway default route"

# The inside service behind the forward, and a server for the inside's
# own connections.
probe_server cx 80
probe_server sx 5001
gw_forward_add tcp 8080 "$CLIENT4" 80

if [ "$GW_KIND" = kernel ]; then
	if [ -n "${KERNEL_TCP_LOOSE:-}" ]; then
		gx sysctl -qw net.netfilter.nf_conntrack_tcp_loose="$KERNEL_TCP_LOOSE" ||
			fail "nf_conntrack_tcp_loose in the gateway namespace"
	fi
	log "kernel reference: nf_conntrack_tcp_loose=$(gx cat /proc/sys/net/netfilter/nf_conntrack_tcp_loose) (gateway namespace)"
fi

tcp_probes sx "$GW_OUT4" 8080 1 "forward, before the flood"
[ "$PROBE_OK" -eq 1 ] || fail "the forward does not work even before the flood"
n0=$(gw_flow_count)
log "table: $n0 entries before the flood"
[ "$GW_KIND" = bpfalg ] && c0=$(flood_counters) && log "bpfalg counters: $c0"

cat >ack.cfg <<-EOF
{
  eth(da=$(mac "$NS_G" gout), sa=$(mac "$NS_S" eth0)),
  ipv4(saddr=198.18.0.0, saddr[2:2]=drnd(), daddr=$GW_OUT4, ttl=64),
  tcp(sp=drnd(), dp=8080, seq=drnd(), aseq=drnd(), ack, win=512),
}
EOF
# paced: at full speed trafgen overruns the server veth's ring in bpfalg
# mode (an XDP program on the server's eth0) and gives up (EAGAIN)
FLOOD_FROM=sx flood_start ackflood 4 ack.cfg -b 100000pps
sleep 2
mid=$(gw_flow_count)
flood_wait
n1=$(gw_flow_count)
log "table: $mid entries 2 s into the ACK flood, $n1 right after it ($GW)"
[ "$GW_KIND" = kernel ] && log "conntrack -S: $(ct_stats)"
[ "$GW_KIND" = bpfalg ] && log "bpfalg counters: $(flood_counters)"
[ "${FLOOD_SENT:-0}" -ge $((ACK_BOUND * 20)) ] ||
	fail "the ACK flood sent ${FLOOD_SENT:-0} packets (expected >= $((ACK_BOUND * 20))): it proves nothing"

tcp_probes sx "$GW_OUT4" 8080 5 "from outside through the forward, after the ACK flood"
fwd_ok=$PROBE_OK
tcp_probes cx "$SERVER4" 5001 5 "from inside, after the ACK flood"
in_ok=$PROBE_OK

max=0
for v in "$mid" "$n1"; do [ -n "$v" ] && [ "$v" -gt "$max" ] && max=$v; done
[ -n "$mid" ] && [ -n "$n1" ] || fail "could not read the gateway's entry count ($mid, $n1)"
[ "$max" -lt $ACK_BOUND ] ||
	fail "$FLOOD_SENT bare ACKs left $max entries in the gateway's table (bound $ACK_BOUND; before: $n0)"
[ "$fwd_ok" -eq 5 ] || fail "after the ACK flood only $fwd_ok/5 connections from outside reached the forward"
[ "$in_ok" -eq 5 ] || fail "after the ACK flood only $in_ok/5 new connections from inside worked"
exit 0
