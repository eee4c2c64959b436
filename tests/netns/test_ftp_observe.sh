#!/bin/bash
# ALG modes switched live (bpfalg only).  `algctl alg ftp observe`: an
# active curl download with PORT goes through unrewritten, so vsftpd
# refuses "PORT 10,0,1,2,..." (500, curl exit 30): that refusal is the
# proof; ftp_observed rises, ftp_rewritten does not.  `algctl alg ftp off`:
# the same, and nothing is counted as observed.  `algctl alg ftp on`: the
# same download works.
# gateways: kernel bpfalg
. "$(dirname "$0")/lib.sh"
test_init
[ "$GW_KIND" = bpfalg ] || skip "ALG modes are a bpfalg feature (the kernel helper has no observe mode)"
topo_setup3
gw_setup
wait_reachable

ftp_file obs.bin 256K
ftp_server_start sx "$SERVER4"
IN_C=${CLIENT4//./,}

# unrewritten MODE: in MODE the PORT reaches the server as the client wrote it.
unrewritten() {
	local mode=$1 rc new
	algctl alg ftp "$mode" >"alg-$mode.out" 2>&1 || fail "algctl alg ftp $mode: exit $? ($(head -c 200 "alg-$mode.out"))"
	log "algctl alg ftp $mode; algctl alg: $(algctl alg 2>&1 | tr '\n' ' ' | head -c 200)"
	ftp_stats_mark
	ftp_log_mark "$FTP_LOG"
	ftp_curl cx "$mode" "ftp://$SERVER4/obs.bin" -P - --disable-eprt
	rc=$?
	new=$(ftp_log_new "$FTP_LOG")
	[ $rc -ne 0 ] ||
		fail "ftp $mode: the active download worked, so the PORT was rewritten (server saw: $(printf '%s\n' "$new" | grep '^command: PORT'))"
	printf '%s\n' "$new" | grep -qE "^command: PORT $IN_C,[0-9]+,[0-9]+$" ||
		fail "ftp $mode: the server did not receive the PORT unchanged ($IN_C,...): curl exit $rc ($(_curl_why $rc)); server saw: $(printf '%s\n' "$new" | grep -E '^(command|response): ' | tail -n 6 | tr '\n' ';')"
	[ $rc -eq 30 ] || fail "ftp $mode: curl exit $rc ($(_curl_why $rc)), expected 30 (PORT refused by the server): $(tr '\n' ' ' <"$mode.err" | head -c 200)"
	log "ftp $mode: server got 'PORT $IN_C,...' and refused it (curl exit 30), as expected"
	ftp_check_same ftp_rewritten "ftp $mode"
}

unrewritten observe
ftp_check_rose ftp_observed 1 "ftp observe"
unrewritten off
ftp_check_same ftp_observed "ftp off"

algctl alg ftp on >alg-on.out 2>&1 || fail "algctl alg ftp on: exit $? ($(head -c 200 alg-on.out))"
ftp_stats_mark
ftp_fetch cx on "ftp://$SERVER4/obs.bin" -P - --disable-eprt
ftp_check_rose ftp_rewritten 1 "ftp on again"
exit 0
