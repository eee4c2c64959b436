#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# gateways: kernel bpfalg
# A UA inside registers with a registrar outside, and the registrar's
# INVITE to the Contact it got reaches it.  All SIPp, one port each side
# (10.0.1.2:5060 inside, 192.0.2.2:5060 outside), run one after the other
# so that every message uses the one signalling flow the REGISTER made.
# Another inside host (10.0.1.3:5060) talks to the registrar's port first,
# so public port 5060 is taken and the REGISTER's flow gets another one:
# the Contact must carry that port, not the inside one.
#   1. REGISTER (Expires 60) -> 401 digest challenge -> REGISTER with
#      credentials -> 200.  The strict registrar (sip/registrar.xml) fails
#      the registration if an inside address is anywhere in either
#      REGISTER or the Contact is not the gateway's public address; the
#      Contact's port must be the public source port the REGISTER came
#      from (seen in a capture on the registrar's side).
#   2. From the registrar's address and port, an INVITE to that Contact
#      (sip/uac_inbound.xml: strict on the 180/200, plays RTP 3 s) must
#      reach the inside UA (sip/uas_inside.xml, -rtp_echo): the call
#      completes, RTP arrives inside from the caller and the echo comes
#      back to the caller from the public address.  bpfalg: mid-call,
#      `algctl calls -j` lists it as an inbound confirmed call with both
#      streams bound.
#   3. REGISTER with Expires 0 (challenged again): bpfalg's daemon log
#      says the registration was removed.  The kernel's helper logs
#      nothing; there the unregistration only has to complete.
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

# --- 1. registration, from a remapped public port
ip -n "$NS_C" addr add 10.0.1.3/24 dev eth0 || fail "second inside address"
cx timeout 5 python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.0.1.3", 5060))
s.sendto(b"\r\n\r\n", ("192.0.2.2", 5060))
' || fail "datagram from 10.0.1.3:5060"
cap_start sx reg.cap -i eth0 --immediate-mode "udp and dst host $SERVER4 and dst port 5060"
sipp_bg sx registrar 10 -sf registrar.xml -i "$SERVER4" -p 5060 -m 1 \
	-key expires 60 -trace_logs -log_file registrar.log
REG=$SIPP_PID
wait_listen sx 5060 udp
sipp_run cx reg 8 -sf reg_uac.xml "$SERVER4:5060" -i "$CLIENT4" -p 5060 -m 1 \
	-key expires 60 -cid_str "%u-%p@reg.bpfalg.test" ||
	fail "REGISTER (Expires 60) failed (sipp exit $?): $(sip_errors reg)"
wait $REG || fail "registrar: registration failed (exit $?): $(sip_errors registrar)"
contact=$(sed -nE 's/.*contact (192\.0\.2\.1:[0-9]+).*/\1/p' registrar.log | tail -n1)
[ -n "$contact" ] || fail "the registrar logged no Contact: $(head -c 300 registrar.log)"
src=$(sed -nE "s/.*IP ${GW_OUT4//./\\.}\.([0-9]+) > ${SERVER4//./\\.}\.5060: .*/\1/p" reg.cap | sort -u)
log "registered Contact $contact; REGISTERs came from $GW_OUT4 port(s) $(echo $src)"
[ "$(echo $src | wc -w)" = 1 ] || fail "the REGISTERs came from ports '$src', expected one public source port"
[ "$src" != 5060 ] || fail "the REGISTERs kept public port 5060, which 10.0.1.3 holds (no remapping to test)"
[ "$contact" = "$GW_OUT4:$src" ] ||
	fail "registered Contact $contact is not the public address and port the REGISTER came from ($GW_OUT4:$src)"
if [ "$GW_KIND" = bpfalg ]; then
	grep -q "registration accepted (60s)" daemon.log ||
		fail "daemon log: no 'registration accepted (60s)': $(grep -i regist daemon.log | tail -n 3)"
fi

# --- 2. the registrar calls the Contact
sipp_bg cx uas 15 -sf uas_inside.xml -i "$CLIENT4" -p 5060 -mp 7000 -rtp_echo -m 1
UAS=$SIPP_PID
wait_listen cx 5060 udp
cap_start cx cli.cap -i eth0 "udp and dst host $CLIENT4 and dst port 7000"
CLI_CAP=$CAP_PID
cap_start sx srv.cap -i eth0 "udp and dst port 6000"
SRV_CAP=$CAP_PID
sipp_bg sx uac 15 -sf uac_inbound.xml "$contact" -s alice -i "$SERVER4" -p 5060 \
	-mp 6000 -m 1 -cid_str "%u-%p@inbound.bpfalg.test"
UAC=$SIPP_PID
if [ "$GW_KIND" = bpfalg ]; then
	# mid-call: RTP flows for 3 s after the ACK
	sleep 2.2
	sip_calls_py calls '
assert d["count"] == 1, "one call"
c = d["calls"][0]
assert c["call_id"].endswith("@inbound.bpfalg.test"), c["call_id"]
assert c["direction"] == "inbound", c
assert c["state"] == "confirmed", c
assert c["inside"] == "10.0.1.2", c
r = c["media"][0]["rtp"]
assert r["inside_port"] == 7000 and r["peer"] == {"addr": "192.0.2.2", "port": 6000}, r
assert r["status"] == "ok", r
assert r["packets"]["in"] > 10 and r["packets"]["out"] > 10, r
'
	log "algctl calls: $(algctl calls 2>&1 | tr '\n' ' ' | head -c 300)"
fi
wait $UAC
rc=$?
wait $UAS
uas_rc=$?
sleep 0.3
kill "$CLI_CAP" "$SRV_CAP" 2>/dev/null
wait "$CLI_CAP" "$SRV_CAP" 2>/dev/null
[ $rc -eq 0 ] || fail "the INVITE from the registrar to $contact failed (sipp exit $rc): $(sip_errors uac)"
[ $uas_rc -eq 0 ] || fail "the inside UA did not complete the call (sipp exit $uas_rc): $(sip_errors uas)"
sip_check_scenarios
at_cli=$(cap_count cli.cap "${SERVER4//./\\.}\.6000" "${CLIENT4//./\\.}\.7000")
at_srv=$(cap_count srv.cap "${GW_OUT4//./\\.}\.[0-9]+" "${SERVER4//./\\.}\.6000")
log "RTP: the inside UA received $at_cli packets from the caller, the caller $at_srv echoed from $GW_OUT4"
[ "$at_cli" -ge 20 ] || fail "RTP caller -> inside UA: only $at_cli packets arrived"
[ "$at_srv" -ge 20 ] || fail "RTP inside UA -> caller (echo): only $at_srv packets arrived from the public address"
[ "$(grep -c 'IP 10\.0\.1\.' srv.cap)" -eq 0 ] || fail "the caller saw packets from an inside address"

# --- 3. unregister
sipp_bg sx registrar0 10 -sf registrar.xml -i "$SERVER4" -p 5060 -m 1 \
	-key expires 0 -trace_logs -log_file registrar0.log
REG=$SIPP_PID
wait_listen sx 5060 udp
sipp_run cx reg0 8 -sf reg_uac.xml "$SERVER4:5060" -i "$CLIENT4" -p 5060 -m 1 \
	-key expires 0 -cid_str "%u-%p@reg.bpfalg.test" ||
	fail "REGISTER (Expires 0) failed (sipp exit $?): $(sip_errors reg0)"
wait $REG || fail "registrar: unregistration failed (exit $?): $(sip_errors registrar0)"
if [ "$GW_KIND" = bpfalg ]; then
	grep -q "registration removed (0s)" daemon.log ||
		fail "daemon log: no 'registration removed (0s)' after Expires 0: $(grep -i regist daemon.log | tail -n 3)"
	log "daemon: $(grep -o 'registration removed.*' daemon.log | tail -n1)"
	ftp_check_rose sip_rewritten 8 "sip"
	ftp_check_rose sip_pinholes_opened 1 "sip media binding"
	ftp_check_same sip_bad_input "sip"
	[ "$(sip_calls_count)" = 0 ] || fail "the call is still listed after the BYE: $(algctl calls 2>&1 | tr '\n' ' ')"
else
	log "kernel reference: unregistration completed (nf_conntrack_sip drops the Contact's expectation, nothing to read back)"
fi
exit 0
