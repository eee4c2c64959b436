#!/bin/bash
# Frames from a local stack or a guest (veth, tap, bridge ports) can be
# CHECKSUM_PARTIAL: the TCP/UDP checksum field holds only the pseudo-header
# sum, for the stack or the NIC to finish.  XDP cannot see that, and a frame
# it redirects leaves as it is: the receiver drops it.  Here the endpoints
# keep TX checksum offload on (every TCP/UDP frame they send is partial) and
# the gateway runs the XDP fast path forced on (--xdp-fast on), in generic
# mode (the Proxmox bridge/tap case) and in native mode: 8 MB each way over
# TCP and 50 UDP datagrams of 1,200 bytes must arrive intact, and the
# gateway must have left the partial frames to TC (xdp_pass_csum), which
# keeps them right.  Before the checksum check, native mode failed (the
# upload stalled at its first XDP-forwarded segment).  Generic mode's
# mistake cannot be seen between veths: its redirect transmits the skb
# still marked partial, with the pseudo-header sum updated the wrong way,
# and the veth peer trusts a partial checksum; a NIC would finish it with
# that wrong seed.  There the test holds the check to its counter.
# Kernel: the same transfers, no XDP (the reference).
# gateways: kernel bpfalg-xdp
. "$(dirname "$0")/lib.sh"
if [ "$GW_KIND" = bpfalg ] && [ -z "${CSUM_XDP_MODE:-}" ]; then
	for m in generic native; do
		log "---- --xdp-mode $m"
		CSUM_XDP_MODE=$m bash "$0" || exit $?
	done
	exit 0
fi
VETH_TX_CSUM=on
[ -n "${CSUM_XDP_MODE:-}" ] && GW_UP_ARGS="$GW_UP_ARGS --xdp-mode $CSUM_XDP_MODE"
test_init
topo_setup3
gw_setup
wait_reachable
for ns in "$NS_C" "$NS_S"; do
	ip netns exec "$ns" ethtool -k eth0 | grep -q '^tx-checksumming: on' ||
		fail "TX checksum offload is not on in $ns: the test proves nothing"
done

make_file up.bin 8
make_file down.bin 8
p0=""
[ "$GW_KIND" = bpfalg ] && p0=$(stat_get xdp_pass_csum)

tcp_copy up up.bin 5001
log "upload 8 MB ok"
tcp_copy down down.bin 5002
log "download 8 MB ok"

# UDP: 50 datagrams of 1,200 bytes, each echoed; the first one makes the
# flow, the rest are established-flow packets the XDP fast path would take
sx timeout 30 python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 5003))
for _ in range(50):
    d, a = s.recvfrom(2048)
    s.sendto(d, a)
' &
bg_track $!
sleep 0.3
got=$(cx timeout 20 python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
ok = 0
for i in range(50):
    m = bytes([i]) * 1200
    s.sendto(m, (sys.argv[1], 5003))
    try:
        ok += s.recv(2048) == m
    except OSError:
        pass
print(ok)
' "$SERVER4")
log "UDP: ${got:-0}/50 datagrams of 1,200 bytes echoed intact"
[ "${got:-0}" -eq 50 ] || fail "UDP: only ${got:-0}/50 datagrams came back intact"

if [ "$GW_KIND" = bpfalg ]; then
	p1=$(stat_get xdp_pass_csum)
	log "xdp_pass_csum: $p0 -> $p1 (partial-checksum frames left to TC)"
	[ -n "$p1" ] && [ "$p1" -gt $((${p0:-0} + 100)) ] ||
		fail "xdp_pass_csum $p0 -> $p1: the partial frames did not reach the XDP check"
fi
exit 0
