#!/bin/bash
# The controller is SIGKILLed and restarted in the middle of a new-flow
# flood, while a long TCP transfer runs.  Both gateways get the same table
# size (flood_table_size: 131,072 here; kernel: host-wide nf_conntrack_max,
# restored on exit; bpfalg: --flows N) and a 10 s timeout for unreplied UDP
# (kernel: nf_conntrack_udp_timeout in the gateway namespace; bpfalg:
# --timeout-udp 10).
# A 12 MiB upload shaped to 10 Mbit/s (~10 s) starts first; 1 s later the
# client floods new UDP flows (trafgen, random ports, never answered:
# twice the table, paced at 100,000/s, 14 s at most; the table must get at
# least half full, or the test proves nothing: with the controller
# reloading on the same 2 CPUs bpfalg takes only ~11,000 new flows/s here
# in parallel runs); 1 s into the flood the daemon is killed (SIGKILL),
# `algctl status` must exit non-zero, and 1 s later it is started again
# (daemon_start: status exits 0).  Required: the upload arrives byte-exact,
# 5 of 5 new TCP connections work right after the flood, the table goes back
# below EXPIRED_BOUND live entries within 30 s of the flood's end (its flows
# expire; kernel: entries `conntrack -L` lists, see gw_flow_live in
# flood_lib.sh), `algctl status` exits 0 at the end.
# Kernel: the same traffic and checks, no daemon to kill (the reference).
# gateways: kernel bpfalg
# slow: 30 s or more; started first
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/flood_lib.sh"
FLOWS=$(flood_table_size)
UDP_TIMEOUT=10
EXPIRED_BOUND=1000
test_init
flood_exit_hook
require_cmds trafgen conntrack
GW_UP_ARGS="$GW_UP_ARGS --flows $FLOWS --timeout-udp $UDP_TIMEOUT"
[ "$GW_KIND" = kernel ] && ct_max_hold $FLOWS
topo_setup3
gw_setup
wait_reachable
if [ "$GW_KIND" = kernel ]; then
	gx sysctl -qw net.netfilter.nf_conntrack_udp_timeout=$UDP_TIMEOUT ||
		fail "nf_conntrack_udp_timeout in the gateway namespace"
fi

flood_sink
probe_server sx 5001

# the long transfer: ~10 s (trafgen bypasses the client's qdisc, so the
# shaper paces only the upload)
make_file up.bin 12
cx tc qdisc add dev eth0 root tbf rate 10mbit burst 64kb latency 400ms ||
	fail "tc tbf on the client"
sx timeout 60 socat -u TCP4-LISTEN:5002,reuseaddr OPEN:up.rcv,creat,trunc 2>rcv.err &
rcv=$!
bg_track $rcv
wait_listen sx 5002
t0=$(date +%s)
cx timeout 50 socat -u OPEN:up.bin TCP4:"$SERVER4":5002,sourceport=41002 2>snd.err &
snd=$!
bg_track $snd
sleep 1
kill -0 $snd 2>/dev/null || fail "the upload finished before the flood started (too fast)"

flood_udp_cfg >flood.cfg
flood_start flood 14 flood.cfg -b 100000pps -n $((FLOWS * 2))
sleep 1
if [ "$GW_KIND" = bpfalg ]; then
	old=$DAEMON_PID
	kill -KILL "$DAEMON_PID"
	wait "$DAEMON_PID" 2>/dev/null
	DAEMON_PID=""
	log "daemon $old killed (SIGKILL) 1 s into the flood; $(gw_tables)"
	if algctl status >status-dead.out 2>&1; then
		fail "algctl status exits 0 while the daemon is dead: $(head -c 300 status-dead.out)"
	fi
	sleep 1
	daemon_start
	log "daemon restarted (pid $DAEMON_PID) during the flood, algctl status exit 0"
else
	log "kernel reference: nothing to kill, the same flood and transfer"
	sleep 1
fi
if [ "$GW_KIND" = bpfalg ]; then
	if kill -0 "$FLOOD_PID" 2>/dev/null; then
		log "the flood still runs after the restart"
	else
		log "(the flood ended before the restart was complete)"
	fi
fi
# how full the table gets while the flood runs
peak=0
while kill -0 "$FLOOD_PID" 2>/dev/null; do
	p=$(gw_table_pct)
	[ -n "$p" ] && [ "$p" -gt "$peak" ] && peak=$p
	sleep 0.5
done
flood_wait
t_end=$(date +%s)
p=$(gw_table_pct)
[ -n "$p" ] && [ "$p" -gt "$peak" ] && peak=$p
n=$(gw_flow_count)
log "table right after the flood: ${n:-?} entries ($GW: $(gw_tables))"
[ "$GW_KIND" = kernel ] && log "conntrack -S: $(ct_stats)"
[ "$GW_KIND" = bpfalg ] && log "bpfalg counters: $(flood_counters)"
log "the flood filled the table to $peak % at most"
[ "$peak" -ge 50 ] ||
	fail "the flood ($FLOOD_SENT packets) filled the table to $peak % at most, less than half ($(gw_tables)): the test proves nothing"

tcp_probes cx "$SERVER4" 5001 5 "right after the flood"
probes=$PROBE_OK

wait $snd || fail "the upload failed across the flood and the restart (rc=$?): $(head -c 300 snd.err)"
wait $rcv || fail "the upload's receiver failed: $(head -c 300 rcv.err)"
[ "$(sha up.bin)" = "$(sha up.rcv)" ] ||
	fail "the upload differs ($(stat -c %s up.rcv) of $(stat -c %s up.bin) bytes)"
log "12 MiB upload intact after $(($(date +%s) - t0)) s"
[ "$probes" -eq 5 ] ||
	fail "right after the flood only $probes/5 new TCP connections got through ($(flood_counters))"

# The flood's flows expire (5 s unreplied) and leave the table.
for _ in $(seq 60); do
	n=$(gw_flow_live)
	[ -n "$n" ] && [ "$n" -lt $EXPIRED_BOUND ] && break
	sleep 0.5
done
log "table $(($(date +%s) - t_end)) s after the flood: ${n:-?} entries alive$([ "$GW_KIND" = kernel ] && echo " (conntrack -C now: $(gw_flow_count))")"
[ -n "$n" ] && [ "$n" -lt $EXPIRED_BOUND ] ||
	fail "30 s after the flood the table still holds ${n:-?} entries (bound $EXPIRED_BOUND; udp timeout ${UDP_TIMEOUT} s; $(flood_counters))"

tcp_probes cx "$SERVER4" 5001 2 "after the flood's flows expired"
[ "$PROBE_OK" -eq 2 ] || fail "after the flood's flows expired only $PROBE_OK/2 new TCP connections"
if [ "$GW_KIND" = bpfalg ]; then
	algctl status >status-end.out 2>&1 || fail "algctl status exit $? at the end: $(head -c 300 status-end.out)"
	log "algctl status exit 0 at the end"
fi
exit 0
