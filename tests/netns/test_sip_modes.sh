#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# gateways: kernel bpfalg
# `algctl alg sip off|observe|on`, switched live on one signalling flow
# (10.0.1.2:5060 <-> 192.0.2.2:5060): the same call from a SIPp UAC inside
# (sip/uac_rtp.xml) to the strict SIPp UAS outside (sip/uas_strict.xml,
# which fails a call whose INVITE names an inside address), once per mode:
#   off      the INVITE reaches the UAS untouched: it fails the call on the
#            inside address (SIPp's UAS logs the failed check and counts
#            the call failed, but plays the rest of its scenario, so the
#            UAC's side completes); nothing was punted or parsed;
#   observe  the same failure, but the controller saw a copy: sip_observed
#            rose, sip_rewritten did not;
#   on       the call completes with RTP echoed both ways, sip_rewritten
#            rose.
# GW=kernel: skipped, the kernel's nf_conntrack_sip has no observe mode
# (and "off" is a ruleset without the ct helper rule, which
# test_sip_call's reference run does not need to show twice).
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
. "$HERE/sip_lib.sh"
test_init
log "scratch $TMPD"
[ "$GW_KIND" = bpfalg ] || skip "kernel: nf_conntrack_sip has no off/observe/on switch (no observe mode at all)"
topo_setup3
gw_setup
wait_reachable
sip_init

# call MODE: one call with the ALG in MODE; sets UAC_RC, UAS_RC
call() {
	algctl alg sip "$1" >/dev/null || fail "algctl alg sip $1"
	rm -f ./*_errors.log
	# the controller writes its counters to the map once a second: what
	# the previous call made must be in before this one's mark
	sleep 1.2
	ftp_stats_mark
	sipp_bg sx "uas-$1" 10 -sf uas_strict.xml -i "$SERVER4" -p 5060 -mp 6000 -rtp_echo -m 1
	local uas=$SIPP_PID
	wait_listen sx 5060 udp
	sipp_run cx "uac-$1" 10 -sf uac_rtp.xml "$SERVER4:5060" -i "$CLIENT4" -p 5060 \
		-mp 7000 -m 1 -recv_timeout 2000 -cid_str "%u-%p@modes.bpfalg.test"
	UAC_RC=$?
	[ $UAC_RC -eq 0 ] || kill "$uas" 2>/dev/null # it waits for a BYE
	wait "$uas"
	UAS_RC=$?
	log "$1: UAC exit $UAC_RC, UAS exit $UAS_RC"
}

# inside_seen: the UAS's check on the inside address failed on the INVITE
# (SIPp logs "Regexp matched but should not: looking in 'INVITE ...
# ', with regexp '10\.0\.1\.[0-9]'", the message spanning lines)
inside_seen() {
	grep -qs "Regexp matched but should not: looking in 'INVITE " ./uas_strict_*_errors.log &&
		grep -qsF "with regexp '10\.0\.1\.[0-9]'" ./uas_strict_*_errors.log
}

call off
[ $UAS_RC -ne 0 ] && inside_seen ||
	fail "off: the strict UAS did not see the inside address (UAS exit $UAS_RC): $(sip_errors uas-off)"
ftp_check_same sip_punted "off"
ftp_check_same sip_parsed "off"
ftp_check_same sip_rewritten "off"

call observe
[ $UAS_RC -ne 0 ] && inside_seen ||
	fail "observe: the strict UAS did not see the inside address (UAS exit $UAS_RC): $(sip_errors uas-observe)"
ftp_check_rose sip_observed 1 "observe"
ftp_check_rose sip_parsed 1 "observe"
ftp_check_same sip_rewritten "observe"
ftp_check_same sip_pinholes_opened "observe"
grep -q "observe: would rewrite" daemon.log || fail "observe: no 'would rewrite' line in the daemon log"

call on
[ $UAC_RC -eq 0 ] || fail "on: the call failed (UAC exit $UAC_RC): $(sip_errors uac-on)"
[ $UAS_RC -eq 0 ] || fail "on: the strict UAS failed the call (exit $UAS_RC): $(sip_errors uas-on)"
sip_check_scenarios
ftp_check_rose sip_rewritten 3 "on"
ftp_check_rose sip_pinholes_opened 1 "on"
ftp_check_same sip_observed "on"
exit 0
