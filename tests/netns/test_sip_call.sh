#!/bin/bash
# SIP over UDP through the NAT, with media both ways.  SIPp UAC inside
# (10.0.1.2:5060, media 7000) calls a strict SIPp UAS outside
# (192.0.2.2:5060, media 6000, -rtp_echo).  The UAS scenario fails the
# call if the INVITE, ACK or BYE names an inside address anywhere (Via,
# Contact, From, o=, c=) or its SDP does not announce the public address;
# the UAC plays g711a.pcap as RTP to the UAS's SDP address for 3 s and
# the UAS echoes every packet to where it came from.  Checked: the call
# completes on both sides, the UAS received RTP from the public address,
# the UAC received the echo on its own media port (the return path exists
# only through the gateway's media binding / the kernel's expectation),
# and under bpfalg the sip counters say what was rewritten.
HERE=$(cd "$(dirname "$0")" && pwd)
# gateways: kernel bpfalg
. "$HERE/lib.sh"
test_init
require_cmds sipp
topo_setup3
gw_setup
wait_reachable
[ "$GW_KIND" = bpfalg ] && { algctl alg sip on >/dev/null || fail "algctl alg sip on"; }

cp "$HERE"/sip/*.xml . || fail "scenarios"
cp /usr/share/sip-tester/g711a.pcap . || fail "g711a.pcap (sip-tester)"
# lib.sh's counter helpers, on the SIP counters
FTP_COUNTERS="sip_punted sip_parsed sip_rewritten sip_pinholes_opened sip_bad_input sip_refused"
ftp_stats_mark

sx timeout 30 sipp -sf uas_strict.xml -i "$SERVER4" -p 5060 -mp 6000 \
	-rtp_echo -m 1 -trace_err -nostdin >uas.out 2>&1 </dev/null &
UAS=$!
bg_track $UAS
wait_listen sx 5060 udp
cap_start cx cli.cap -i eth0 "udp and src host $SERVER4 and dst port 7000"
CLI_CAP=$CAP_PID
cap_start sx srv.cap -i eth0 "udp and dst port 6000"
SRV_CAP=$CAP_PID

cx timeout 20 sipp -sf uac_rtp.xml "$SERVER4:5060" -i "$CLIENT4" -p 5060 \
	-mp 7000 -m 1 -cid_str "%u-%p@call.bpfalg.test" -trace_err -nostdin >uac.out 2>&1 </dev/null &
UAC=$!
bg_track $UAC
if [ "$GW_KIND" = bpfalg ]; then
	# mid-call (RTP flows for 3 s after the ACK): the call and its media
	sleep 2.2
	algctl calls -j >calls.json 2>&1 || fail "algctl calls -j: $(head -c 200 calls.json)"
	algctl calls >calls.txt 2>&1 || fail "algctl calls"
	log "algctl calls: $(tr '\n' ' ' <calls.txt | head -c 400)"
	python3 - calls.json <<-'PY' || fail "algctl calls -j: $(head -c 600 calls.json)"
	import json, sys
	d = json.load(open(sys.argv[1]))
	assert d["count"] == 1 and len(d["calls"]) == 1, "one call"
	c = d["calls"][0]
	assert c["call_id"].endswith("@call.bpfalg.test"), c["call_id"]
	assert c["state"] == "confirmed" and c["direction"] == "outbound", c
	assert c["inside"] == "10.0.1.2", c
	m = c["media"][0]
	assert m["type"] == "audio", m
	r = m["rtp"]
	assert r["inside_port"] == 7000 and r["peer"] == {"addr": "192.0.2.2", "port": 6000}, r
	assert r["packets"]["out"] > 10 and r["packets"]["in"] > 10, r
	assert r["status"] == "ok", r
	assert m["rtcp"]["inside_port"] == 7001 and m["rtcp"]["peer"] == {"addr": "192.0.2.2", "port": 6001}, m
	PY
fi
wait "$UAC"
rc=$?
wait "$UAS"
uas_rc=$?
sleep 0.5
kill "$CLI_CAP" "$SRV_CAP" 2>/dev/null
wait "$CLI_CAP" "$SRV_CAP" 2>/dev/null

for f in *_errors.log; do [ -f "$f" ] && log "$f: $(tr '\n' ' ' <"$f" | head -c 2000)"; done
[ $rc -eq 0 ] || fail "UAC: call failed (sipp exit $rc): $(tail -n 5 uac.out | tr '\n' ' ' | head -c 300)"
[ $uas_rc -eq 0 ] || fail "UAS: call failed (sipp exit $uas_rc): an inside address reached it, or the SDP was not rewritten (see the errors log above)"
! grep -qs "Regexp" ./*_errors.log || fail "a scenario check failed: $(grep -h -m1 -o "Regexp[^:]*" ./*_errors.log)"
from_srv=$(grep -c "IP $SERVER4\.6000 > $CLIENT4\.7000" cli.cap)
at_srv=$(grep -c "IP $GW_OUT4\.[0-9]* > $SERVER4\.6000" srv.cap)
leaked=$(grep -c "IP 10\.0\.1\." srv.cap)
log "RTP: UAS received $at_srv packets from $GW_OUT4, UAC received $from_srv echoed back"
[ "$leaked" -eq 0 ] || fail "the UAS saw $leaked packets from an inside address"
[ "$at_srv" -ge 20 ] || fail "RTP UAC -> UAS: only $at_srv packets arrived from the public address"
[ "$from_srv" -ge 20 ] || fail "RTP UAS -> UAC (the return path): only $from_srv packets arrived (one-way audio)"

if [ "$GW_KIND" = bpfalg ]; then
	ftp_check_rose sip_rewritten 3 "sip"
	ftp_check_rose sip_pinholes_opened 1 "sip media binding"
	ftp_check_same sip_bad_input "sip"
	# the BYE ended the call
	[ "$(algctl calls -j | python3 -c 'import json,sys; print(json.load(sys.stdin)["count"])')" = 0 ] ||
		fail "the call is still listed after the BYE: $(algctl calls 2>&1 | tr '\n' ' ')"
fi
exit 0
