#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# gateways: kernel bpfalg
# A call cancelled before the answer.  SIPp UAC inside (10.0.1.2:5060,
# media 7000; sip/uac_cancel.xml) INVITEs a strict SIPp UAS outside
# (192.0.2.2:5060, media 6000; sip/uas_cancel.xml), which answers 183 with
# its SDP: both media ends are known, so the gateway opens the media path
# (bpfalg: a binding 10.0.1.2:7000 <-> 192.0.2.2:6000 through the public
# port announced, listed by `algctl flows -j`, and the call by `algctl
# calls -j` as early; kernel: nf_conntrack_sip's RTP expectations).  Then
# CANCEL, 200, 487, ACK: the call must disappear from `algctl calls` and no
# flow may be left on the announced media port (kernel: no expectation
# left for it).
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
. "$HERE/sip_lib.sh"
test_init
log "scratch $TMPD"
require_cmds conntrack
topo_setup3
gw_setup
wait_reachable
sip_init
[ "$GW_KIND" = bpfalg ] && { algctl alg sip on >/dev/null || fail "algctl alg sip on"; }
ftp_stats_mark

# kernel: expectations naming port $1 (the helper's, for the media)
ct_expect() {
	gx conntrack -L expect 2>/dev/null | grep -E "proto=17 .*dport=$1 .*helper=sip"
}

sipp_bg sx uas 12 -sf uas_cancel.xml -i "$SERVER4" -p 5060 -mp 6000 -m 1
UAS=$SIPP_PID
wait_listen sx 5060 udp
sipp_bg cx uac 12 -sf uac_cancel.xml "$SERVER4:5060" -i "$CLIENT4" -p 5060 -mp 7000 \
	-m 1 -cid_str "%u-%p@cancel.bpfalg.test"
UAC=$SIPP_PID
ftp_wait_file early.ready 8 || { wait $UAC; fail "no 183 reached the UAC (sipp exit $?): $(sip_errors uac)"; }

if [ "$GW_KIND" = bpfalg ]; then
	sip_calls_py early '
assert d["count"] == 1, "one call"
c = d["calls"][0]
assert c["call_id"].endswith("@cancel.bpfalg.test"), c
assert c["state"] == "early" and c["direction"] == "outbound", c
r = c["media"][0]["rtp"]
assert r["inside_port"] == 7000 and r["peer"] == {"addr": "192.0.2.2", "port": 6000}, r
assert r["status"] not in ("waiting", "not-bound", "ended"), r
'
	pub=$(python3 -c 'import json; print(json.load(open("early.json"))["calls"][0]["media"][0]["rtp"]["public_port"])')
	flows_has "$CLIENT4" 7000 "$SERVER4" 6000 ||
		fail "early media: no binding 10.0.1.2:7000 <-> 192.0.2.2:6000 in algctl flows -j: $(algctl flows -j | head -c 600)"
	flows_has "$GW_OUT4" "$pub" ||
		fail "early media: no flow on the announced public port $pub"
	log "early: call listed, binding 7000 -> public $pub -> 192.0.2.2:6000"
else
	exp=$(ct_expect 7000)
	log "kernel expectations while early: $(gx conntrack -L expect 2>/dev/null | tr '\n' ';')"
	[ -n "$exp" ] || fail "kernel reference: no RTP expectation for port 7000 after the 183 with SDP"
	pub=7000
fi

wait $UAC
rc=$?
wait $UAS
uas_rc=$?
[ $rc -eq 0 ] || fail "UAC: CANCEL/487 did not complete (sipp exit $rc): $(sip_errors uac)"
[ $uas_rc -eq 0 ] || fail "UAS: an inside address reached it, or the CANCEL did not arrive (sipp exit $uas_rc): $(sip_errors uas)"
sip_check_scenarios

if [ "$GW_KIND" = bpfalg ]; then
	sip_wait_calls 0 2 || fail "the call is still listed after the CANCEL/487: $(algctl calls 2>&1 | tr '\n' ' ')"
	! flows_has "$CLIENT4" 7000 ||
		fail "a flow on the inside media port 7000 is left after the CANCEL: $(algctl flows -j | head -c 800)"
	! flows_has "$GW_OUT4" "$pub" ||
		fail "a flow on the announced public media port $pub is left after the CANCEL: $(algctl flows -j | head -c 800)"
	grep -q "ended (CANCEL), media released" daemon.log ||
		fail "daemon log: no 'ended (CANCEL)': $(grep 'call ' daemon.log | tail -n 3)"
	ftp_check_rose sip_pinholes_opened 1 "sip early media binding"
	ftp_check_same sip_bad_input "sip"
	log "after the CANCEL: no call, no flow on 7000 / public $pub"
else
	left=$(ct_expect "$pub")
	[ -z "$left" ] || fail "kernel reference: RTP expectations left after the 487: $left"
	log "kernel: the 487 flushed the RTP expectations"
fi
exit 0
