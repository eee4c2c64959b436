#!/bin/bash
# The inside by address (--inside-prefix): a Kubernetes node with 40 pods
# on Calico-style veths (topo_setup_pods), bpfalg's hooks on the outside
# device only.  The kernel reference masquerades what leaves gout for
# outside the pod CIDR and admits new forwarded flows from cali*.
#   1. every pod reaches the server, which sees the public address;
#   2. a pod created while the gateway runs works at once;
#   3. active FTP (curl EPRT and PORT) and a SIP call with RTP both ways
#      from pod 1, as test_ftp_active and test_sip_call check them;
#   4. traffic between pods of two nodes (natively routed) is neither
#      translated nor filtered, both ways;
#   5. from outside, a new flow to a pod is dropped, and so is a packet
#      that claims another pod's address (the kernel: rp_filter strict on
#      gout; bpfalg: the reverse-path check, counted inside_spoofed).
# bpfalg: one interface attached (gout), status lists the prefixes.
HERE=$(cd "$(dirname "$0")" && pwd)
# gateways: kernel bpfalg
. "$HERE/lib.sh"
. "$HERE/sip_lib.sh"
test_init
require_cmds curl sipp
PODS=40
topo_setup_pods $PODS
gw_setup
if [ "$GW_KIND" = kernel ]; then
	# another node's pods reach ours untranslated; spoofed sources die
	gx nft insert rule inet bpfalg_ref forward_policy iifname gout \
		ip saddr "$POD_CIDR4" accept || fail "nft: pod-to-pod rule"
	gx sysctl -qw net.ipv4.conf.gout.rp_filter=1 || fail "rp_filter"
fi
wait_reachable

# A TCP service that answers with the address it sees.
cat >whoami.py <<'PY'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1])))
s.listen(128)
while True:
    c, a = s.accept()
    c.sendall((a[0] + "\n").encode())
    c.close()
PY
sx timeout 120 python3 whoami.py 8000 &
bg_track $!
wait_listen sx 8000
ip netns exec "$NS_N2" timeout 120 python3 whoami.py 8000 &
bg_track $!
wait_listen "ip netns exec $NS_N2" 8000

# whoami NS ADDR: what the service at ADDR:8000 saw of NS's connection.
whoami() {
	ip netns exec "$1" timeout 5 socat -T3 - "TCP:$2:8000,connect-timeout=3" </dev/null 2>&1
}

# 1. every pod, through the NAT
bad=""
for i in $(seq $PODS); do
	if [ "$i" = 1 ]; then ns=$NS_C; else ns=ba-p$i-$ID; fi
	seen=$(whoami "$ns" "$SERVER4")
	[ "$seen" = "$GW_OUT4" ] || bad="$bad pod$i:'$seen'"
done
[ -z "$bad" ] || fail "pods that did not reach $SERVER4 as $GW_OUT4:$bad"
log "$PODS pods reached the server as $GW_OUT4"

# 2. a pod that did not exist when the gateway started
pod_add $((PODS + 1))
seen=$(whoami "$POD_NS" "$SERVER4")
[ "$seen" = "$GW_OUT4" ] ||
	fail "a pod added after start: the server saw '$seen', expected $GW_OUT4"
log "pod $((PODS + 1)), created after start: ok at once"

if [ "$GW_KIND" = bpfalg ]; then
	algctl status -j >status.json || fail "algctl status -j: $(head -c 300 status.json)"
	python3 - status.json "$POD_CIDR4" "$POD_CIDR6" <<-'PY' || fail "algctl status -j: $(head -c 800 status.json)"
	import json, sys
	d = json.load(open(sys.argv[1]))
	assert d["inside_prefixes"] == sys.argv[2:4], d["inside_prefixes"]
	names = [i["name"] for i in d["interfaces"]]
	assert names == ["gout"], names
	assert d["interfaces"][0]["role"] == "outside", d["interfaces"][0]
	PY
	for i in 1 2 $((PODS + 1)); do
		[ -z "$(gx tc filter show dev "cali$i" ingress 2>/dev/null)$(gx bpftool net show dev "cali$i" 2>/dev/null | grep -E 'tc|xdp' | grep -v '^xdp:$\|^tc:$')" ] ||
			fail "cali$i carries a BPF program: prefix mode hooks the outside device only"
	done
	algctl status | grep -q "^inside: *$POD_CIDR4,$POD_CIDR6 (by address)" ||
		fail "algctl status does not show the inside prefixes: $(algctl status 2>&1 | tr '\n' ' ')"
fi

# 3a. active FTP from pod 1
ftp_file eprt.bin 1M
ftp_file port.bin 1M
ftp_server_start sx "$SERVER4"
ftp_stats_mark
ftp_log_mark "$FTP_LOG"
ftp_fetch cx "curl-eprt" "ftp://$SERVER4/eprt.bin" -P -
ftp_log_new "$FTP_LOG" | grep -qE "^command: EPRT \|1\|$GW_OUT4\|[0-9]+\|" ||
	fail "EPRT: the server did not receive the public address: $(ftp_log_new "$FTP_LOG" | grep -E '^command: (EPRT|PORT)' | tr '\n' ';')"
ftp_log_mark "$FTP_LOG"
ftp_fetch cx "curl-port" "ftp://$SERVER4/port.bin" -P - --disable-eprt
ftp_log_new "$FTP_LOG" | grep -qE "^command: PORT ${GW_OUT4//./,},[0-9]+,[0-9]+$" ||
	fail "PORT: the server did not receive the public address: $(ftp_log_new "$FTP_LOG" | grep -E '^command: (EPRT|PORT)' | tr '\n' ';')"
if [ "$GW_KIND" = bpfalg ]; then
	ftp_check_rose ftp_rewritten 2 "active FTP from a pod"
	ftp_check_rose pinhole_hit 2 "active FTP from a pod"
fi

# 3b. a SIP call with RTP both ways from pod 1
sip_init
ftp_stats_mark
sx timeout 30 sipp -sf uas_strict.xml -i "$SERVER4" -p 5060 -mp 6000 \
	-rtp_echo -m 1 -trace_err -nostdin >uas.out 2>&1 </dev/null &
UAS=$!
bg_track $UAS
wait_listen sx 5060 udp
cap_start cx cli.cap -i eth0 "udp and src host $SERVER4 and dst port 7000"
CLI_CAP=$CAP_PID
cap_start sx srv.cap -i br0 "udp and dst port 6000"
SRV_CAP=$CAP_PID
cx timeout 20 sipp -sf uac_rtp.xml "$SERVER4:5060" -i "$CLIENT4" -p 5060 \
	-mp 7000 -m 1 -cid_str "%u-%p@call.bpfalg.test" -trace_err -nostdin >uac.out 2>&1 </dev/null
rc=$?
wait "$UAS"
uas_rc=$?
sleep 0.5
kill "$CLI_CAP" "$SRV_CAP" 2>/dev/null
wait "$CLI_CAP" "$SRV_CAP" 2>/dev/null
[ $rc -eq 0 ] || fail "SIP UAC in a pod: call failed (sipp exit $rc): $(sip_errors uac)"
[ $uas_rc -eq 0 ] || fail "SIP UAS: call failed (sipp exit $uas_rc): an inside address reached it, or the SDP was not rewritten: $(sip_errors uas)"
from_srv=$(grep -c "IP $SERVER4\.6000 > $CLIENT4\.7000" cli.cap)
at_srv=$(grep -c "IP $GW_OUT4\.[0-9]* > $SERVER4\.6000" srv.cap)
leaked=$(grep -c "IP 10\.244\." srv.cap)
log "SIP RTP: the UAS received $at_srv packets from $GW_OUT4, the pod $from_srv echoed back"
[ "$leaked" -eq 0 ] || fail "the UAS saw $leaked RTP packets from a pod address"
[ "$at_srv" -ge 20 ] || fail "RTP pod -> UAS: only $at_srv packets arrived from the public address"
[ "$from_srv" -ge 20 ] || fail "RTP UAS -> pod (the return path): only $from_srv packets arrived (one-way audio)"
[ "$GW_KIND" = bpfalg ] && ftp_check_rose sip_rewritten 3 "SIP from a pod"

# 4. pod to pod across nodes: untranslated, both ways
seen=$(whoami "$NS_C" "$NODE2_POD4")
[ "$seen" = "$CLIENT4" ] ||
	fail "pod 1 -> node 2's pod $NODE2_POD4: it saw '$seen', expected the pod's own $CLIENT4 (pod-to-pod traffic must not be translated)"
cx timeout 20 python3 "$TMPD/whoami.py" 8000 &
bg_track $!
wait_listen cx 8000
seen=$(ip netns exec "$NS_N2" timeout 5 socat -T3 - "TCP:$CLIENT4:8000,connect-timeout=3,bind=$NODE2_POD4" </dev/null 2>&1)
[ "$seen" = "$NODE2_POD4" ] ||
	fail "node 2's pod -> pod 1: got '$seen', expected $NODE2_POD4 (a natively routed pod must reach ours)"
log "pod to pod across nodes: untranslated both ways"
[ "$GW_KIND" = bpfalg ] && { [ "$(stat_get inside_routed)" -gt 0 ] || fail "inside_routed did not count the pod-to-pod packets"; }

# 5. from outside: a new flow to a pod, and a spoofed pod source
cx timeout 8 socat -u UDP-RECV:9000 OPEN:udp.rcv,creat,append 2>/dev/null &
bg_track $!
wait_listen cx 9000 udp
sx ip route add "$CLIENT4/32" via "$GW_OUT4" || fail "server route to pod 1"
spoof_before=$([ "$GW_KIND" = bpfalg ] && stat_get inside_spoofed || echo 0)
for i in 1 2 3; do
	echo "unsolicited $i" | sx timeout 2 socat -u - "UDP:$CLIENT4:9000,sourceport=4000" 2>/dev/null
	echo "spoofed $i" | sx timeout 2 socat -u - "UDP:$CLIENT4:9000,bind=10.244.1.12:4001,transparent" 2>/dev/null
done
sleep 1
[ ! -s udp.rcv ] || fail "from outside, pod 1 received: $(tr '\n' ';' <udp.rcv | head -c 200)"
if [ "$GW_KIND" = bpfalg ]; then
	spoofed=$(($(stat_get inside_spoofed) - spoof_before))
	[ "$spoofed" -ge 3 ] || fail "inside_spoofed rose by $spoofed, expected 3"
fi
log "from outside: unsolicited and spoofed datagrams to a pod dropped"
exit 0
