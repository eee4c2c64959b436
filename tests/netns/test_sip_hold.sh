#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# gateways: kernel bpfalg
# A call put on hold and resumed on a new media port.  SIPp UAC inside
# (10.0.1.2:5060, media 7000; sip/uac_hold.xml) calls a strict SIPp UAS
# outside (192.0.2.2:5060, media 6000, -rtp_echo; sip/uas_hold.xml):
#   call    INVITE/200/ACK, RTP from 7000 (g711a.pcap) echoed back;
#   hold    re-INVITE a=sendonly, answered a=recvonly;
#   resume  re-INVITE a=sendrecv moving the inside media to port 7010.
# The UAS fails the call if any INVITE names an inside address or its SDP
# does not announce the public one.  After the resume, RTP from
# 10.0.1.2:7010 to the UAS's 6000 must be answered (the echo comes back
# through the gateway to the new port: the return path of the moved
# stream exists; the inside end sends first there, as a UA does, so a
# port-preserving NAT passes this part even without an ALG: what makes it
# the ALG's is the re-INVITE's rewrite the UAS checks and, for bpfalg, the
# binding `algctl calls` shows on the new port).  bpfalg: `algctl calls -j` shows the stream ok on 7000,
# then on hold, then ok on inside port 7010 with packets both ways, and
# the binding of the old public port gone from `algctl flows -j`.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
. "$HERE/sip_lib.sh"
test_init
log "scratch $TMPD"
topo_setup3
gw_setup
wait_reachable
sip_init
[ "$GW_KIND" = bpfalg ] && { algctl alg sip on >/dev/null || fail "algctl alg sip on"; }
ftp_stats_mark

sipp_bg sx uas 20 -sf uas_hold.xml -i "$SERVER4" -p 5060 -mp 6000 -rtp_echo -m 1
UAS=$SIPP_PID
wait_listen sx 5060 udp
cap_start cx cli.cap -i eth0 "udp and src host $SERVER4 and src port 6000"
CLI_CAP=$CAP_PID
sipp_bg cx uac 20 -sf uac_hold.xml "$SERVER4:5060" -i "$CLIENT4" -p 5060 -mp 7000 \
	-key newport 7010 -m 1 -cid_str "%u-%p@hold.bpfalg.test"
UAC=$SIPP_PID

# wait_phase NAME: the UAC created NAME.ready (its phase began)
wait_phase() {
	ftp_wait_file "$1.ready" 10 || { wait $UAC; fail "the UAC never reached '$1' (sipp exit $?): $(sip_errors uac)"; }
}

wait_phase call
if [ "$GW_KIND" = bpfalg ]; then
	sleep 1
	sip_calls_py call '
assert d["count"] == 1, "one call"
c = d["calls"][0]
assert c["state"] == "confirmed" and c["direction"] == "outbound", c
r = c["media"][0]["rtp"]
assert r["inside_port"] == 7000 and r["peer"] == {"addr": "192.0.2.2", "port": 6000}, r
assert r["status"] == "ok", r
'
	pub_old=$(python3 -c 'import json; print(json.load(open("call.json"))["calls"][0]["media"][0]["rtp"]["public_port"])')
	log "call: rtp 7000 -> public $pub_old ok"
fi
wait_phase hold
if [ "$GW_KIND" = bpfalg ]; then
	sip_calls_py hold '
r = d["calls"][0]["media"][0]["rtp"]
assert r["status"] == "hold", r
assert r["inside_port"] == 7000, r
'
	log "hold: $(algctl calls 2>&1 | sed -n 2p)"
fi
wait_phase resume
probe=$(rtp_probe cx "$CLIENT4" 7010 "$SERVER4" 6000 40)
log "RTP on the new port 7010: $probe"
if [ "$GW_KIND" = bpfalg ]; then
	sip_calls_py resume '
r = d["calls"][0]["media"][0]["rtp"]
assert r["inside_port"] == 7010 and r["peer"] == {"addr": "192.0.2.2", "port": 6000}, r
assert r["status"] == "ok", r
assert r["packets"]["out"] >= 30 and r["packets"]["in"] >= 30, r
'
	pub_new=$(python3 -c 'import json; print(json.load(open("resume.json"))["calls"][0]["media"][0]["rtp"]["public_port"])')
	log "resume: rtp 7010 -> public $pub_new ok"
	! flows_has "$CLIENT4" 7000 "$SERVER4" 6000 ||
		fail "the binding of the old media port (10.0.1.2:7000 -> 192.0.2.2:6000) is still in algctl flows -j after the media moved"
fi
wait $UAC
rc=$?
wait $UAS
uas_rc=$?
kill "$CLI_CAP" 2>/dev/null
wait "$CLI_CAP" 2>/dev/null
[ $rc -eq 0 ] || fail "UAC: call failed (sipp exit $rc): $(sip_errors uac)"
[ $uas_rc -eq 0 ] || fail "UAS: call failed (sipp exit $uas_rc): an inside address reached it, or a hold/resume SDP was wrong: $(sip_errors uas)"
sip_check_scenarios
before=$(cap_count cli.cap "${SERVER4//./\\.}\.6000" "${CLIENT4//./\\.}\.7000")
log "RTP before the hold: $before packets echoed back to 7000"
[ "$before" -ge 20 ] || fail "RTP before the hold: only $before packets came back to 7000 (one-way audio)"
got=${probe##* }
[ "${probe%% received*}" = "sent 40" ] && [ "$got" -ge 30 ] ||
	fail "RTP after the resume: $probe from $CLIENT4:7010 (the moved stream has no return path)"
if [ "$GW_KIND" = bpfalg ]; then
	ftp_check_rose sip_pinholes_opened 2 "sip media bindings (call, resume)"
	ftp_check_same sip_bad_input "sip"
	[ "$(sip_calls_count)" = 0 ] || fail "the call is still listed after the BYE"
fi
exit 0
