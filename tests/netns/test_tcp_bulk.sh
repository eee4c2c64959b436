#!/bin/bash
# TCP bulk transfer through the NAT, byte-exact, both directions, plus a
# smaller IPv6 (routed) transfer.  In bpfalg mode `algctl flows -j` must show
# the running flow with the public address.
. "$(dirname "$0")/lib.sh"
test_init
topo_setup3
gw_setup
wait_reachable

SIZE_MB=${BULK_MB:-20}
make_file up.bin "$SIZE_MB"
make_file down.bin "$SIZE_MB"

xdp0=""
[ "$GW_KIND" = bpfalg ] && xdp0=$(stat_get xdp_forwarded)

tcp_copy up up.bin 5001
log "upload ${SIZE_MB} MB client->server ok in $TCP_COPY_S s"
tcp_copy down down.bin 5002
log "download ${SIZE_MB} MB server->client ok"

if [ "$XDP_FAST" = on ]; then
	xdp1=$(stat_get xdp_forwarded)
	log "xdp_forwarded: $xdp0 -> $xdp1"
	[ -n "$xdp1" ] && [ "$xdp1" -gt $(( ${xdp0:-0} + 1000 )) ] ||
		fail "--xdp-fast on: the bulk transfers did not go through the XDP fast path (xdp_forwarded $xdp0 -> $xdp1)"
fi

# IPv6, routed (4 MB up).
head -c 4194304 up.bin >up6.bin
sx timeout 60 socat -u TCP6-LISTEN:5003,reuseaddr OPEN:up6.rcv,creat,trunc 2>sock3.err &
rcv=$!
bg_track $rcv
wait_listen sx 5003
cx timeout 60 socat -u OPEN:up6.bin "TCP6:[$SERVER6]:5003" 2>send3.err ||
	fail "IPv6 upload: client socat failed: $(head -c 300 send3.err)"
wait $rcv || fail "IPv6 upload: server socat failed"
[ "$(sha up6.bin)" = "$(sha up6.rcv)" ] || fail "IPv6 upload: content differs"
log "IPv6 upload 4 MB ok"

# The flow table during a running transfer (bpfalg): a slow sender keeps
# the connection open while we look.
if [ "$GW_KIND" = bpfalg ]; then
	sx timeout 30 socat -u TCP-LISTEN:5004,reuseaddr OPEN:/dev/null 2>/dev/null &
	bg_track $!
	wait_listen sx 5004
	( for i in $(seq 40); do echo "line $i"; sleep 0.1; done ) |
		cx timeout 30 socat -u - TCP:"$SERVER4":5004,sourceport=40404 &
	slow=$!
	bg_track $slow
	sleep 1
	algctl flows -j >flows.json 2>flows.err ||
		fail "algctl flows -j failed (rc=$?): $(head -c 200 flows.err)"
	python3 -m json.tool flows.json >/dev/null 2>&1 || fail "algctl flows -j is not valid JSON"
	flows_has "$CLIENT4" "$GW_OUT4" "$SERVER4" 40404 5004 ||
		fail "algctl flows -j has no entry with $CLIENT4:40404, public $GW_OUT4 and $SERVER4:5004: $(head -c 600 flows.json)"
	algctl flows >flows.txt 2>&1 || fail "algctl flows (table) failed"
	grep -q "$GW_OUT4" flows.txt || fail "algctl flows table does not show the public address $GW_OUT4"
	wait $slow || fail "slow transfer failed"
fi
exit 0
