#!/bin/bash
# PMTU discovery through the NAT: client -- gw -- router -- server, the
# router<->server link has MTU 1280.  A large upload with DF (Linux TCP's
# default) makes the router send ICMP fragmentation-needed to the public
# address; the gateway must translate it back to the client (inner header
# included) or the upload stalls.  Byte-exact, then the client's route cache
# must hold the learned MTU.  IPv6 (routed): packet-too-big must reach the
# client through the gateway's stateful filter.
. "$(dirname "$0")/lib.sh"
test_init
topo_setup4
gw_setup
wait_reachable

cx sysctl -qw net.ipv4.ip_no_pmtu_disc=0 net.ipv4.tcp_mtu_probing=0
icmp0=""
[ "$GW_KIND" = bpfalg ] && icmp0=$(stat_get icmp_error_translated)
make_file up.bin 4

# A DF ping larger than the path MTU gets the error back to the client.
out=$(cx ping -c 2 -i 0.3 -W 1 -M do -s 1400 "$SERVER4" 2>&1)
echo "$out" | grep -Eq 'mtu ?= ?1280|Frag needed.*1280|message too long, mtu=1280' ||
	fail "IPv4 DF ping 1428 bytes: no frag-needed with mtu 1280 came back: $(echo "$out" | tail -n3 | tr '\n' ' ')"

log "IPv4: DF ping got frag-needed (mtu 1280) back through the gateway"
# Forget the learned MTU so that TCP has to discover it itself.
cx ip route flush cache
cx ip route get "$SERVER4" | grep -q 'mtu 1280' && fail "cannot flush the client's PMTU cache"

sx timeout 60 socat -u TCP4-LISTEN:5001,reuseaddr OPEN:up.rcv,creat,trunc 2>rcv.err &
rcv=$!
bg_track $rcv
wait_listen sx 5001
cx timeout 30 socat -u OPEN:up.bin TCP4:"$SERVER4":5001 2>snd.err ||
	fail "IPv4 upload across the 1280-MTU link failed: $(head -c 300 snd.err)"
wait $rcv || fail "IPv4 upload: receiver failed: $(head -c 300 rcv.err)"
[ "$(sha up.bin)" = "$(sha up.rcv)" ] ||
	fail "IPv4 upload differs ($(stat -c %s up.rcv) of $(stat -c %s up.bin) bytes)"
cx ip route get "$SERVER4" >route4.out
grep -q 'mtu 1280' route4.out ||
	fail "client's route to $SERVER4 has no learned mtu 1280: $(tr '\n' ' ' <route4.out)"
log "IPv4: 4 MB upload intact, client learned: $(grep -o 'mtu [0-9]*' route4.out)"

sx timeout 60 socat -u TCP6-LISTEN:5002,reuseaddr OPEN:up6.rcv,creat,trunc 2>rcv6.err &
rcv=$!
bg_track $rcv
wait_listen sx 5002
cx timeout 30 socat -u OPEN:up.bin "TCP6:[$SERVER6]:5002" 2>snd6.err ||
	fail "IPv6 upload across the 1280-MTU link failed: $(head -c 300 snd6.err)"
wait $rcv || fail "IPv6 upload: receiver failed"
[ "$(sha up.bin)" = "$(sha up6.rcv)" ] || fail "IPv6 upload differs"
cx ip -6 route get "$SERVER6" >route6.out
grep -q 'mtu 1280' route6.out ||
	fail "client's route to $SERVER6 has no learned mtu 1280: $(tr '\n' ' ' <route6.out)"
log "IPv6: 4 MB upload intact, client learned: $(grep -o 'mtu [0-9]*' route6.out)"
if [ "$GW_KIND" = bpfalg ]; then
	icmp1=$(stat_get icmp_error_translated)
	log "icmp_error_translated: $icmp0 -> $icmp1"
	[ -n "$icmp1" ] && [ "$icmp1" -gt "${icmp0:-0}" ] ||
		fail "icmp_error_translated did not rise ($icmp0 -> $icmp1)"
fi
exit 0
