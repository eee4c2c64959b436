#!/bin/bash
# gateways: kernel bpfalg
# PMTU discovery for traffic the gateway itself originates: client -- gw --
# router -- server, the router<->server link has MTU 1280 (as test_pmtu.sh),
# the gateway's side 1500.  A 4 MB upload from the gateway's own address to
# the server (Linux TCP sets DF) makes the router send ICMP fragmentation-
# needed (IPv4) / packet too big (IPv6) to the gateway's public address.
# That error matches no NAT flow: it is for the gateway's own stack, which
# must get it or the upload stalls (a PMTU black hole).  Byte-exact within
# 30 s, then the gateway's route cache must hold the learned mtu 1280.
. "$(dirname "$0")/lib.sh"
test_init
topo_setup4
gw_setup
wait_reachable

# No MTU probing (it would route around the black hole, slowly).
gx sysctl -qw net.ipv4.ip_no_pmtu_disc=0 net.ipv4.tcp_mtu_probing=0 ||
	fail "gateway PMTU sysctls"
make_file up.bin 4

# gw_why: bpfalg's ICMP-related counters (for failure reasons).
gw_why() {
	[ "$GW_KIND" = bpfalg ] || return 0
	printf '; algctl stats: icmp_error_translated %s, icmp_error_dropped %s, local_pass %s, inbound_drop %s' \
		"$(stat_get icmp_error_translated)" "$(stat_get icmp_error_dropped)" \
		"$(stat_get local_pass)" "$(stat_get inbound_drop)"
}

# upload FAMILY PORT TARGET: a short exchange first (the gateway's own
# connections work at all), then 4 MB from the gateway to the server.
upload() {
	local fam=$1 port=$2 target=$3 rcv out
	sx timeout 10 socat "TCP$fam-LISTEN:$((port + 100)),reuseaddr" SYSTEM:'echo small-ok' 2>/dev/null &
	bg_track $!
	wait_listen sx $((port + 100))
	out=$(gx timeout 5 socat -u "${target/:$port,/:$((port + 100)),}" - 2>&1)
	[ "$out" = small-ok ] ||
		fail "IPv$fam: a short connection from the gateway to the server failed: ${out:0:200}$(gw_why)"
	gx ip "-$fam" route flush cache >/dev/null 2>&1
	sx timeout 40 socat -u "TCP$fam-LISTEN:$port,reuseaddr" OPEN:up$fam.rcv,creat,trunc 2>rcv$fam.err &
	rcv=$!
	bg_track $rcv
	wait_listen sx "$port"
	gx timeout 20 socat -u OPEN:up.bin "$target" 2>snd$fam.err ||
		fail "IPv$fam upload from the gateway's own address stalled or failed (exit $?; $(stat -c %s up$fam.rcv 2>/dev/null || echo 0) of $(stat -c %s up.bin) bytes arrived$([ -s snd$fam.err ] && echo "; $(head -c 200 snd$fam.err)"))$(gw_why)"
	wait $rcv || fail "IPv$fam upload: receiver failed: $(head -c 300 rcv$fam.err)"
	[ "$(sha up.bin)" = "$(sha up$fam.rcv)" ] ||
		fail "IPv$fam upload differs ($(stat -c %s up$fam.rcv) of $(stat -c %s up.bin) bytes)"
}

upload 4 5001 "TCP4:$SERVER4:5001,bind=$GW_OUT4"
gx ip route get "$SERVER4" >route4.out
grep -q 'mtu 1280' route4.out ||
	fail "gateway's route to $SERVER4 has no learned mtu 1280: $(tr '\n' ' ' <route4.out)"
log "IPv4: 4 MB upload from $GW_OUT4 intact, gateway learned: $(grep -o 'mtu [0-9]*' route4.out)"

upload 6 5002 "TCP6:[$SERVER6]:5002,bind=[$GW_OUT6]"
gx ip -6 route get "$SERVER6" >route6.out
grep -q 'mtu 1280' route6.out ||
	fail "gateway's route to $SERVER6 has no learned mtu 1280: $(tr '\n' ' ' <route6.out)"
log "IPv6: 4 MB upload from $GW_OUT6 intact, gateway learned: $(grep -o 'mtu [0-9]*' route6.out)"

if [ "$GW_KIND" = bpfalg ]; then
	why=$(gw_why)
	log "${why#; }"
fi
exit 0
