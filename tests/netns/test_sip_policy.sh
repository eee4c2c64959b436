#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# gateways: kernel bpfalg
# SIP method policy, enforced by the gateway with its own 403.
#   deny MESSAGE  (algctl alg sip on --deny MESSAGE): a MESSAGE from the
#                 UA inside (SIPp, sip/uac_message_403.xml) is answered
#                 "403 Forbidden" by the gateway (Server: bpfalg) and never
#                 reaches the UAS outside (sip/uas_options.xml; a capture
#                 on its side sees no MESSAGE); an OPTIONS still passes and
#                 is answered by the UAS itself.
#   invite-from   (--invite-from 192.0.2.99, with a port-forward of udp
#                 5060 to the inside UA 10.0.1.2:5060): an INVITE from the
#                 outside peer 192.0.2.2 (port 5070) to the public address
#                 is answered 403 by the gateway (sip/uac_invite_403.xml)
#                 and never reaches the inside UA, nor does the ACK of
#                 that 403 (capture inside);
#                 sip_policy_denied rose for each refusal.
# GW=kernel: skipped, nf_conntrack_sip has no method or caller policy.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
. "$HERE/sip_lib.sh"
test_init
log "scratch $TMPD"
[ "$GW_KIND" = bpfalg ] || skip "kernel: nf_conntrack_sip has no SIP method or INVITE-source policy"
topo_setup3
gw_setup
wait_reachable
sip_init

# wait_log TEXT: the daemon logged TEXT (it reads the settings once a second)
wait_log() {
	local i
	for i in $(seq 30); do
		grep -qF "$1" daemon.log && return 0
		sleep 0.1
	done
	fail "daemon log: no '$1' within 3 s: $(grep -F '[daemon]' daemon.log | tail -n 2 | tr '\n' ' ')"
}

# --- deny MESSAGE
algctl alg sip on --deny MESSAGE >/dev/null || fail "algctl alg sip on --deny MESSAGE"
wait_log "sip policy: deny MESSAGE"
ftp_stats_mark
cap_start sx srv.cap -i eth0 --immediate-mode "udp and dst host $SERVER4 and dst port 5060"
SRV_CAP=$CAP_PID
sipp_bg sx uas 10 -sf uas_options.xml -i "$SERVER4" -p 5060 -m 1
UAS=$SIPP_PID
wait_listen sx 5060 udp
sipp_run cx msg 6 -sf uac_message_403.xml "$SERVER4:5060" -i "$CLIENT4" -p 5060 -m 1 \
	-s bob -cid_str "%u-%p@msg.bpfalg.test" ||
	fail "MESSAGE: no 403 from the gateway (sipp exit $?): $(sip_errors msg)"
ftp_check_rose sip_policy_denied 1 "MESSAGE refused"
grep -q "refused with 403.*MESSAGE" daemon.log || fail "daemon log: no 'refused with 403' for the MESSAGE"
sipp_run cx opt 6 -sf uac_options.xml "$SERVER4:5060" -i "$CLIENT4" -p 5060 -m 1 \
	-s bob -cid_str "%u-%p@opt.bpfalg.test" ||
	fail "OPTIONS: not answered by the UAS outside (sipp exit $?): $(sip_errors opt)"
wait $UAS || fail "UAS: the OPTIONS failed there, or it got an unexpected request (exit $?): $(sip_errors uas)"
sleep 0.2
kill "$SRV_CAP" 2>/dev/null
wait "$SRV_CAP" 2>/dev/null
grep -q "OPTIONS sip:" srv.cap || fail "the capture outside saw no OPTIONS (the capture is broken): $(head -c 300 srv.cap)"
! grep -q "MESSAGE sip:" srv.cap || fail "the denied MESSAGE reached the UAS outside: $(grep 'MESSAGE' srv.cap | head -n 2)"
ftp_check_rose sip_policy_denied 1 "deny MESSAGE (the OPTIONS not refused)"
[ "$(ftp_stat_delta sip_policy_denied)" = 1 ] ||
	fail "sip_policy_denied rose by $(ftp_stat_delta sip_policy_denied), expected exactly 1 (the OPTIONS refused too?)"
log "MESSAGE refused with the gateway's 403, OPTIONS answered by the UAS"

# --- INVITEs from outside only from 192.0.2.99
algctl alg sip on --deny "" --invite-from 192.0.2.99 >/dev/null || fail "algctl alg sip on --invite-from 192.0.2.99"
wait_log "INVITE from outside only from 192.0.2.99"
gw_forward_add udp 5060 "$CLIENT4" 5060
ftp_stats_mark
cap_start cx cli.cap -i eth0 --immediate-mode "udp and dst host $CLIENT4 and dst port 5060"
CLI_CAP=$CAP_PID
sipp_bg cx uas-in 8 -sf uas_inside.xml -i "$CLIENT4" -p 5060 -mp 7000 -m 1
UAS=$SIPP_PID
wait_listen cx 5060 udp
sipp_run sx inv 6 -sf uac_invite_403.xml "$GW_OUT4:5060" -s alice -i "$SERVER4" -p 5070 \
	-mp 6000 -m 1 -cid_str "%u-%p@invite.bpfalg.test" ||
	fail "INVITE from $SERVER4: no 403 from the gateway (sipp exit $?): $(sip_errors inv)"
ftp_check_rose sip_policy_denied 1 "INVITE from outside refused"
grep -q "refused with 403.*INVITE.*invite-from" daemon.log ||
	fail "daemon log: no 'refused with 403' naming the invite-from list: $(grep 'refused' daemon.log | tail -n 2)"
sleep 0.3
kill "$CLI_CAP" 2>/dev/null
wait "$CLI_CAP" 2>/dev/null
kill "$UAS" 2>/dev/null
# nothing of that transaction: neither the INVITE nor the ACK of the
# gateway's 403, which ends at the gateway (RFC 3261 17.2.1)
[ ! -s cli.cap ] || fail "the refused INVITE's transaction reached the inside UA: $(head -n 2 cli.cap | tr '\n' ' ')"
log "INVITE from $SERVER4 refused with the gateway's 403, the inside UA saw nothing of it"
exit 0
