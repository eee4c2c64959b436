#!/bin/bash
# FTP on a non-standard control port (2121).  Before the port is made an
# FTP control port the gateway must leave the flow alone (kernel: no helper
# assigned; bpfalg: not a control flow), so vsftpd refuses the private
# address in PORT and the active download fails; after it (kernel: a
# `ct helper set` rule for 2121; bpfalg: `algctl alg ftp on --ports
# 21,2121`) the same download works, and bpfalg lists both ports.
# gateways: kernel bpfalg
. "$(dirname "$0")/lib.sh"
test_init
topo_setup3
gw_setup
wait_reachable

ftp_file p.bin 256K
FTP_LISTEN_PORT=2121 ftp_server_start sx "$SERVER4"

ftp_curl cx before "ftp://$SERVER4:2121/p.bin" -P - --disable-eprt
rc=$?
[ $rc -ne 0 ] ||
	fail "active FTP on 2121 worked before 2121 was an FTP control port: the test proves nothing"
log "before: curl exit $rc ($(_curl_why $rc)), as expected"

case $GW_KIND in
kernel)
	gx nft add rule inet bpfalg_ref pre_helpers tcp dport 2121 ct helper set '"ftp-std"' ||
		fail "nft helper rule for 2121"
	;;
bpfalg)
	algctl alg ftp on --ports 21,2121 >/dev/null || fail "algctl alg ftp on --ports 21,2121 (rc=$?)"
	algctl alg -j | python3 -c '
import json, sys
a = {x["alg"]: x for x in json.load(sys.stdin)["algs"]}
sys.exit(0 if a["ftp"]["ports"] == [21, 2121] and a["ftp"]["mode"] == "on" else 1)' ||
		fail "algctl alg -j does not show ftp on with ports 21,2121: $(algctl alg -j)"
	rc=0
	algctl alg ftp on --ports 21,x >/dev/null 2>&1 || rc=$?
	[ $rc -eq 2 ] || fail "algctl alg ftp on --ports 21,x: exit $rc, expected 2 (usage)"
	;;
esac
ftp_stats_mark
ftp_fetch cx after "ftp://$SERVER4:2121/p.bin" -P - --disable-eprt
ftp_check_rose ftp_rewritten 1 "PORT on 2121"
exit 0
