#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# gateways: kernel bpfalg
# A SIP trunk: 1,500 concurrent calls on one signalling flow (a hosted PBX
# and its provider).  SIPp UAC inside (10.0.1.2:5060; sip/uac_trunk.xml)
# places 1,500 calls at 300/s, each announcing its own media port
# ([auto_media_port] from 7000) and staying up 7 s, so all overlap; the
# strict SIPp UAS outside (sip/uas_strict.xml) fails a call whose INVITE,
# ACK or BYE names an inside address or whose SDP does not announce the
# public one.  Checked: 1,500 successful calls and none failed; bpfalg:
# `algctl calls -j` lists all 1,500 at once, each confirmed with its RTP
# stream bound to the peer on a distinct public port (3,000 media
# bindings on one control flow; the controller once stopped at 512 calls
# and 2,048 bindings per flow), no call refused, none left after the BYEs.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
. "$HERE/sip_lib.sh"
test_init
topo_setup3
gw_setup
wait_reachable
sip_init
[ "$GW_KIND" = bpfalg ] && { algctl alg sip on >/dev/null || fail "algctl alg sip on"; }
ftp_stats_mark
# the controller's CPU (utime + stime, ticks) before the calls: its own
# start (the verifier, ~5 s) is not the trunk's
cpu0=0
if [ "$GW_KIND" = bpfalg ] && read -r -a st <"/proc/$DAEMON_PID/stat"; then
	cpu0=$((st[13] + st[14]))
fi
# (SIP_TRUNK_CALLS=10000 SIP_TRUNK_RATE=1000 SIP_TRUNK_HOLD_MS=20000 for
# the trunk-scale number in README.md)
N=${SIP_TRUNK_CALLS:-1500}
RATE=${SIP_TRUNK_RATE:-300}
HOLD=${SIP_TRUNK_HOLD_MS:-7000}
T=$((N / RATE + HOLD / 1000 + 40)) # SIPp's time limit

sipp_bg sx uas $T -sf uas_strict.xml -i "$SERVER4" -p 5060 -mp 6000 -m $N
UAS=$SIPP_PID
wait_listen sx 5060 udp
sipp_bg cx uac $T -sf uac_trunk.xml "$SERVER4:5060" -i "$CLIENT4" -p 5060 -mp 7000 \
	-r $RATE -l $N -m $N -d $HOLD -cid_str "%u-%p@trunk.bpfalg.test"
UAC=$SIPP_PID

[ "$GW_KIND" = bpfalg ] && sip_all_calls_bound $N $((N / RATE * 10 + 100)) "('not-bound', 'ended')"
wait $UAC
rc=$?
wait $UAS
uas_rc=$?
sipp_calls uac
ok=$SIP_OK bad=$SIP_BAD
log "UAC: $ok successful, $bad failed calls"
[ $rc -eq 0 ] || fail "UAC: sipp exit $rc ($ok successful, $bad failed): $(sip_errors uac)"
[ $uas_rc -eq 0 ] || fail "UAS: sipp exit $uas_rc: an inside address reached it or the SDP was not rewritten: $(sip_errors uas)"
sip_check_scenarios
[ "$ok" = $N ] && [ "$bad" = 0 ] || fail "UAC: $ok successful and $bad failed calls, expected $N and 0"
if [ "$GW_KIND" = bpfalg ]; then
	ftp_check_rose sip_pinholes_opened $N "sip media bindings"
	ftp_check_same sip_refused "sip (no call or binding refused)"
	sip_wait_calls 0 5 || fail "$(sip_calls_count) calls still listed after the BYEs"
	# the controller's CPU for the whole run (a number for reports)
	read -r -a st <"/proc/$DAEMON_PID/stat" 2>/dev/null &&
		log "controller CPU: $(( (st[13] + st[14] - cpu0) * 1000 / $(getconf CLK_TCK) )) ms for $N calls (about 6 messages each)"
fi
exit 0
