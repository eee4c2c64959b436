#!/bin/bash
# The TC fast path (--tc-fast): packets of established, answered flows are
# translated at TC ingress and sent straight to their egress device (both
# ways: from inside at gin ingress, replies at gout ingress), skipping the
# routing stack.  With bpfalg's program alone in the chains (auto), 200
# pings and a 16 MiB TCP upload with its 4 MiB download must arrive intact,
# and tc_redirected must count the pings both ways (requests and replies,
# all but the first exchange, which takes the stack while the flow is
# unanswered) and the transfers' packets; the pinged host must see the
# public address (its own capture), as on the slow path.  Then `up
# --tc-fast off`: the same traffic, tc_redirected does not move.  Kernel:
# the same traffic through nftables masquerade, the reference.
# gateways: kernel bpfalg
. "$(dirname "$0")/lib.sh"
test_init
[ "$GW" = bpfalg-xdp ] && skip "XDP forwards the established packets before TC sees them"
require_cmds socat
topo_setup3
gw_setup
wait_reachable

make_file up.bin 16
make_file down.bin 4

# traffic LABEL: pings both ways and TCP both ways, all checked
traffic() {
	local out
	out=$(cx ping -q -c 200 -i 0.005 -W 1 "$SERVER4" 2>&1) ||
		fail "$1: ping through the gateway: $(printf '%s' "$out" | tail -2 | tr '\n' ' ')"
	printf '%s' "$out" | grep -q " 0% packet loss" ||
		fail "$1: ping lost packets: $(printf '%s' "$out" | grep loss)"
	sx timeout 60 socat -u TCP-LISTEN:5001,reuseaddr OPEN:up.rcv,creat,trunc 2>s1.err &
	local rcv=$!
	bg_track $rcv
	wait_listen sx 5001
	cx timeout 60 socat -u OPEN:up.bin TCP:"$SERVER4":5001 2>c1.err ||
		fail "$1: upload: $(head -c 300 c1.err)"
	wait $rcv || fail "$1: upload receiver: $(head -c 300 s1.err)"
	[ "$(sha up.bin)" = "$(sha up.rcv)" ] || fail "$1: upload corrupted"
	sx timeout 60 socat -u OPEN:down.bin TCP-LISTEN:5002,reuseaddr 2>s2.err &
	bg_track $!
	wait_listen sx 5002
	cx timeout 60 socat -u TCP:"$SERVER4":5002 OPEN:down.rcv,creat,trunc 2>c2.err ||
		fail "$1: download: $(head -c 300 c2.err)"
	[ "$(sha down.bin)" = "$(sha down.rcv)" ] || fail "$1: download corrupted"
}

[ "$GW_KIND" = bpfalg ] || { traffic "kernel"; log "kernel: pings and transfers through masquerade"; exit 0; }

# the server sees the public source (what the slow path would send)
cap_start sx srv.cap -i eth0 "icmp[icmptype] = icmp-echo"
r0=$(stat_get tc_redirected)
traffic "tc-fast auto"
r1=$(stat_get tc_redirected)
sleep 0.5
n_pub=$(grep -c "$GW_OUT4 > $SERVER4: ICMP echo request" srv.cap)
[ "$n_pub" -ge 200 ] || fail "the server saw $n_pub echo requests from the public address $GW_OUT4, expected 200"
grep -q "$CLIENT4" srv.cap && fail "the server saw the inside address: $(grep -m1 "$CLIENT4" srv.cap)"
[ $((r1 - r0)) -ge 396 ] ||
	fail "tc_redirected rose by $((r1 - r0)) over 200 pings and two transfers, expected at least 396 (the pings both ways but the first exchange)"
log "tc-fast auto: tc_redirected +$((r1 - r0)); the server saw $n_pub requests from $GW_OUT4"

algctl up --inside gin --outside gout --masquerade --tc-fast off $GW_UP_ARGS >up2.out 2>&1 ||
	fail "up --tc-fast off: $(cat up2.out)"
r2=$(stat_get tc_redirected)
traffic "tc-fast off"
r3=$(stat_get tc_redirected)
[ "$r3" = "$r2" ] || fail "tc_redirected rose by $((r3 - r2)) with --tc-fast off"
log "tc-fast off: the same traffic through the stack, tc_redirected unchanged"
