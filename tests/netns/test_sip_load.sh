#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# gateways: kernel bpfalg
# 100 concurrent calls through the gateway on one signalling flow.  SIPp
# UAC inside (10.0.1.2:5060; sip/uac_load.xml) places 100 calls at
# 50/s, each announcing its own media port ([auto_media_port] from 7000),
# playing 1.8 s of RTP and staying up 4 s, so that all of them overlap;
# the strict SIPp UAS outside (sip/uas_strict.xml, -rtp_echo on 6000)
# fails a call whose INVITE, ACK or BYE names an inside address or whose
# SDP does not announce the public one.  Checked: 0 failed calls on both
# sides (100 successful), RTP echoed back to every one of the 100 inside
# media ports; bpfalg: `algctl calls -j` reaches 100 while they overlap,
# each with its stream bound (200 media bindings), `sip_bad_input`
# unchanged, no call left after the BYEs.
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
N=100

sipp_bg sx uas 40 -sf uas_strict.xml -i "$SERVER4" -p 5060 -mp 6000 -rtp_echo -m $N
UAS=$SIPP_PID
wait_listen sx 5060 udp
cap_start cx cli.cap -i eth0 "udp and src host $SERVER4 and src port 6000"
CLI_CAP=$CAP_PID
sipp_bg cx uac 40 -sf uac_load.xml "$SERVER4:5060" -i "$CLIENT4" -p 5060 -mp 7000 \
	-r 50 -l $N -m $N -cid_str "%u-%p@load.bpfalg.test"
UAC=$SIPP_PID

[ "$GW_KIND" = bpfalg ] && sip_all_calls_bound $N 60 "('not-bound', 'waiting', 'ended')"
wait $UAC
rc=$?
wait $UAS
uas_rc=$?
kill "$CLI_CAP" 2>/dev/null
wait "$CLI_CAP" 2>/dev/null
sipp_calls uac
ok=$SIP_OK bad=$SIP_BAD
log "UAC: $ok successful, $bad failed calls"
[ $rc -eq 0 ] || fail "UAC: sipp exit $rc ($ok successful, $bad failed): $(sip_errors uac)"
[ $uas_rc -eq 0 ] || fail "UAS: sipp exit $uas_rc: an inside address reached it or the SDP was not rewritten: $(sip_errors uas)"
sip_check_scenarios
[ "$ok" = $N ] && [ "$bad" = 0 ] || fail "UAC: $ok successful and $bad failed calls, expected $N and 0"
ports=$(sed -nE "s/.* > ${CLIENT4//./\\.}\.([0-9]+): .*/\1/p" cli.cap | sort -u | wc -l)
log "RTP echoed back to $ports distinct inside media ports ($(wc -l <cli.cap) packets)"
[ "$ports" -ge $N ] || fail "RTP came back to only $ports of the $N calls' media ports"
if [ "$GW_KIND" = bpfalg ]; then
	ftp_check_rose sip_pinholes_opened $N "sip media bindings"
	ftp_check_same sip_bad_input "sip"
	ftp_check_same sip_refused "sip (no call or binding refused)"
	sip_wait_calls 0 3 || fail "$(sip_calls_count) calls still listed after the BYEs"
fi
exit 0
