#!/bin/bash
# A new-flow flood from inside must not lock out new connections.  Both
# gateways get the same table size, half the host's conntrack hash buckets
# (131,072 here; flood_table_size in flood_lib.sh says why; kernel: the
# host-wide nf_conntrack_max, restored on exit; bpfalg: --flows N).  The client
# floods UDP with a random source and destination port per packet (trafgen,
# every packet a new flow, never answered: the server drops them before any
# socket): 3 times the table size (393,216 packets, paced at 150,000/s, 3-5 s
# here); the table must be (nearly) full afterwards, or the test proves
# nothing.  Then, right after the flood and again while a second flood runs:
# 5 of 5 new TCP connections to the server and an active FTP download (curl -P -, whose data connection needs a
# new flow and a pinhole/expectation) must succeed.  Kernel: conntrack drops
# unreplied entries early to make room (early_drop).
# gateways: kernel bpfalg
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/flood_lib.sh"
FLOWS=$(flood_table_size)
test_init
flood_exit_hook
require_cmds trafgen conntrack
GW_UP_ARGS="$GW_UP_ARGS --flows $FLOWS"
[ "$GW_KIND" = kernel ] && ct_max_hold $FLOWS
topo_setup3
gw_setup
wait_reachable

# The flood ends at the server's first hook: no socket, no ICMP back.
flood_sink
probe_server sx 5001
ftp_file act.bin 512K
ftp_server_start sx "$SERVER4"

tcp_probes cx "$SERVER4" 5001 1 "before the flood"
[ "$PROBE_OK" -eq 1 ] || fail "no TCP connection through the gateway even before the flood"
max=$(gw_flow_max)
log "table: $(gw_flow_count) of ${max:-?} entries before the flood"
[ "$max" = "$FLOWS" ] || fail "the gateway's table holds ${max:-?} entries, expected $FLOWS"

flood_udp_cfg >flood.cfg
flood_start flood1 15 flood.cfg -b 150000pps -n $((FLOWS * 3))
flood_wait
n=$(gw_flow_count)
log "table after the flood: ${n:-?} entries ($GW: $(gw_tables))"
[ "$GW_KIND" = kernel ] && log "conntrack -S: $(ct_stats)"
[ "$GW_KIND" = bpfalg ] && log "bpfalg counters: $(flood_counters)"
[ "${FLOOD_SENT:-0}" -ge $((FLOWS * 3 / 2)) ] ||
	fail "the flood sent ${FLOOD_SENT:-0} packets, fewer than 1.5 times the table ($FLOWS): it proves nothing ($(tr '\r\n' '  ' <flood1.trafgen.log | tail -c 200))"
gw_table_full ||
	fail "the flood left the table less than 90 % full ($(gw_tables)): the test proves nothing"

# 1. right after the flood (its entries are all still there)
tcp_probes cx "$SERVER4" 5001 5 "right after the flood"
[ "$PROBE_OK" -eq 5 ] ||
	fail "right after the flood only $PROBE_OK/5 new TCP connections got through ($(gw_tables); $(flood_counters))"
ftp_fetch cx ftp-after "ftp://$SERVER4/act.bin" -P -

# 2. while a second flood runs, paced to 50,000 new flows/s (still a full
# table's worth every 2.6 s): at full speed trafgen fills the client veth's
# 256-frame ring (bpfalg mode puts an XDP program on the client's eth0, see
# README) and the probes' own SYNs would be lost before the gateway.
flood_start flood2 12 flood.cfg -b 50000pps
sleep 1
kill -0 "$FLOOD_PID" 2>/dev/null || fail "the second flood ended early: $(head -c 300 flood2.trafgen.log)"
drop0=$(veth_tx_dropped)
tcp_probes cx "$SERVER4" 5001 5 "during a second flood"
log "client eth0 tx_dropped during the probes: $(($(veth_tx_dropped) - drop0)) (frames lost before the gateway)"
ok_during=$PROBE_OK
ftp_curl cx ftp-during "ftp://$SERVER4/act.bin" -P -
ftp_rc=$?
still=no
kill -0 "$FLOOD_PID" 2>/dev/null && still=yes
flood_stop
log "table during/after the second flood: $(gw_tables); flood still running at the end of the checks: $still"
[ "$ok_during" -eq 5 ] ||
	fail "during a second flood only $ok_during/5 new TCP connections got through ($(flood_counters))"
[ "$ftp_rc" -eq 0 ] ||
	fail "active FTP during a second flood: curl exit $ftp_rc ($(_curl_why $ftp_rc)): $(tr '\n' ' ' <ftp-during.err | head -c 300)"
ftp_same "active FTP during a second flood" ftp-during.out act.bin
log "active FTP during a second flood ok"
[ "$still" = yes ] || fail "the second flood ended before the checks did: they did not run under load"
exit 0
