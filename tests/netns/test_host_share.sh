#!/bin/bash
# One inside host whose peers answer everything must not evict the other
# hosts' established connections.  Both gateways get the same table size
# (flood_table_size).  The victim (the client's own address) opens 5 TCP
# connections and leaves them idle.  Then a greedy host (a second address of
# the client) sends UDP from every port 1024-65535 to 2 server ports (129,024
# flows, just under the table), and the server answers each one (trafgen
# mirrors the flood; the source port is kept by both gateways, so the
# answers meet their flows); twice, with 2 other server ports (258,048
# answered flows, twice the table).  Last, the server speaks first on each idle
# connection: all 5 messages must arrive, and the greedy host must still get
# a new TCP connection through.
# Kernel: UDP flows with one answer are never ASSURED, so early drop evicts
# them and not the victim's connections.  bpfalg: both pairs of its table are
# LRU, and only --max-flows-per-host (default a quarter of --flows) keeps
# one host from owning the answered pair: its flows beyond the share stay in
# the unreplied pair (host_limit counts them), where floods evict them first.
# The test checks the share holds (answered flows <= share) and costs nobody
# a connection.  Measured without it (HOST_SHARE_ARGS="--max-flows-per-host
# 0"): the greedy host owned 130,950 of the 131,072 answered entries, and
# the 5 idle connections still survived (the kernel's LRU lists keep
# entries that were looked up again); the share bounds what one host owns
# rather than fixing a loss this scenario can show.
# gateways: kernel bpfalg
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/flood_lib.sh"
FLOWS=$(flood_table_size)
GREEDY4=10.0.1.3
SHARE=$((FLOWS / 4))
test_init
flood_exit_hook
require_cmds trafgen conntrack
GW_UP_ARGS="$GW_UP_ARGS --flows $FLOWS ${HOST_SHARE_ARGS:-}"
[ "$GW_KIND" = kernel ] && ct_max_hold $FLOWS
topo_setup3
ip -n "$NS_C" addr add "$GREEDY4/24" dev eth0 || fail "greedy address"
gw_setup
wait_reachable
# the answers end at the client's first hook (no socket, no ICMP back)
cx nft -f - <<-EOF || fail "client nft (drop the answers)"
table inet sink {
	chain pre_sink {
		type filter hook prerouting priority raw; policy accept;
		ip daddr $GREEDY4 meta l4proto udp counter drop
	}
}
EOF
probe_server sx 5001

# victim: 5 idle connections; the server speaks first once told to
sx timeout 120 python3 - "$PWD/late.go" >victim-server.log 2>&1 <<'PY' &
import os, socket, sys, time
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("0.0.0.0", 9200))
ls.listen(8)
conns = []
for _ in range(5):
    c, _ = ls.accept()
    c.recv(16)
    c.sendall(b"hi\n")
    conns.append(c)
print("5 connections", flush=True)
while not os.path.exists(sys.argv[1]):
    time.sleep(0.05)
for c in conns:
    c.sendall(b"late\n")
time.sleep(30)
PY
bg_track $!
wait_listen sx 9200
cx timeout 120 python3 - "$SERVER4" "$PWD/late.go" >victim.log 2>&1 <<'PY' &
import os, socket, sys, time
socks = []
for _ in range(5):
    s = socket.create_connection((sys.argv[1], 9200), timeout=5)
    s.sendall(b"hi\n")
    if not s.recv(16).startswith(b"hi"):
        sys.exit("no echo")
    socks.append(s)
print("ready", flush=True)
while not os.path.exists(sys.argv[2]):
    time.sleep(0.05)
ok = 0
for s in socks:
    s.settimeout(8)
    try:
        ok += s.recv(16).startswith(b"late")
    except OSError:
        pass
print("late", ok, flush=True)
PY
VICTIM=$!
bg_track $VICTIM
for i in $(seq 50); do
	grep -q ready victim.log && break
	sleep 0.1
done
grep -q ready victim.log || fail "the victim's connections did not open: $(cat victim.log)"

# the greedy host's flows: 2 server ports x every keepable source port
# (129,024 flows, just under the table), then the answers, the same tuples
# the other way in the same order; twice, to 4 ports in all
greedy_round() { # FIRST-PORT
	local p
	for p in $1 $(($1 + 1)); do cat <<-P
	{
	  eth(da=$(mac "$NS_G" gin), sa=$(mac "$NS_C" eth0)),
	  ipv4(saddr=$GREEDY4, daddr=$SERVER4, ttl=64, df),
	  udp(sport=dinc(1024, 65535), dport=$p),
	  fill(0x42, 18)
	}
	P
	done >"greedy$1.cfg"
	for p in $1 $(($1 + 1)); do cat <<-P
	{
	  eth(da=$(mac "$NS_G" gout), sa=$(mac "$NS_S" eth0)),
	  ipv4(saddr=$SERVER4, daddr=$GW_OUT4, ttl=64, df),
	  udp(sport=$p, dport=dinc(1024, 65535)),
	  fill(0x43, 18)
	}
	P
	done >"answers$1.cfg"
	flood_start "greedy$1" 15 "greedy$1.cfg" -b 150000pps -n $N
	flood_wait
	[ "$FLOOD_SENT" -ge $N ] || fail "the greedy host sent $FLOOD_SENT of $N datagrams"
	FLOOD_FROM=sx flood_start "answers$1" 15 "answers$1.cfg" -b 150000pps -n $N
	flood_wait
	[ "$FLOOD_SENT" -ge $N ] || fail "the server sent $FLOOD_SENT of $N answers"
}
N=$((2 * 64512))
greedy_round 7001
greedy_round 7003
sleep 1
log "after the answers: $(gw_tables)"
[ "$GW_KIND" = kernel ] && log "conntrack -S: $(ct_stats)"
if [ "$GW_KIND" = bpfalg ]; then
	answered=$(algctl stats -j | python3 -c '
import json, sys
print(json.load(sys.stdin)["tables"]["flows4"]["in_use"])')
	log "bpfalg: $answered answered flows, host_limit $(stat_get host_limit), share $SHARE ($(flood_counters))"
fi

touch late.go
wait $VICTIM
late=$(sed -n 's/^late //p' victim.log)
log "the server's first words on the 5 idle connections: ${late:-0}/5 arrived"
[ "${late:-0}" -eq 5 ] ||
	fail "only ${late:-0}/5 idle connections of another host survived the greedy host's answered flows ($(gw_tables))"

# the greedy host itself still gets through
out=$(cx timeout 6 socat -u TCP4:"$SERVER4":5001,bind=$GREEDY4,connect-timeout=5 - 2>&1 </dev/null)
case $out in
pong*) log "the greedy host's new TCP connection: $out" ;;
*) fail "the greedy host got no new TCP connection: $out" ;;
esac
if [ "$GW_KIND" = bpfalg ] && [ -z "${HOST_SHARE_ARGS:-}" ]; then
	hl=$(stat_get host_limit)
	[ "$hl" -gt 0 ] || fail "host_limit did not count the flows beyond the share"
	[ "$answered" -le $((SHARE + 64)) ] ||
		fail "$answered answered flows: the greedy host went past its share of $SHARE"
fi
exit 0
