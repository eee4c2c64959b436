#!/bin/bash
# NAT slipstreaming over the FTP ALG: a web page makes the inside browser
# POST to an attacker's server on port 21; the server greets with 220 and
# the POST body, placed in a TCP segment of its own, reads "PORT <the
# client's address>,<a port it listens on>".  The attacker's server then
# connects to the gateway's public address at that port.
# bpfalg: the headers before it are no FTP commands, so the flow is not
# FTP (not_protocol +1): no pinhole, nothing reaches the listener.
# Kernel reference: nf_conntrack_ftp looks for "PORT" at the start of each
# segment and opens the expectation; what happens is reported, not failed
# (bpfalg does better).
# gateways: kernel bpfalg
. "$(dirname "$0")/lib.sh"
test_init
topo_setup3
gw_setup
wait_reachable
FTP_ROOT=$TMPD	# (no vsftpd here; makes _evidence show the pinholes and FTP logs)

sx timeout 60 python3 "$FTP_TOOL" evil-server --addr "$SERVER4" --log "$TMPD/ftp-evil.log" &
bg_track $!
wait_listen sx 21

FTP_COUNTERS="$FTP_COUNTERS ftp_not_protocol"
ftp_stats_mark
ftp_tool cx slipstream --host "$SERVER4" >slip.log 2>slip.err ||
	fail "slipstream client: $(tail -n1 slip.err)"
sed 's/^/# client: /' slip.log
sed 's/^/# server: /' "$TMPD/ftp-evil.log"
grep -q '^ATTEMPT' "$TMPD/ftp-evil.log" ||
	fail "the attacker's server never saw the PORT line (nothing was tested)"
if [ "$GW_KIND" = kernel ]; then
	if grep -q '^REACHED' slip.log; then
		log "kernel reference: the PORT line in an HTTP body opened a path to the inside listener ($(grep -m1 '^REACHED' slip.log)) (known nf_conntrack_ftp behaviour: NAT slipstreaming); bpfalg must not"
	else
		log "kernel reference: nothing reached the listener"
	fi
	exit 0
fi
grep -q '^not reached' slip.log || fail "NAT slipstreaming: $(grep -m1 REACHED slip.log)"
ftp_pinholes
[ "$PH_N" -eq 0 ] || fail "a pinhole for the HTTP body's PORT line: $(printf '%s' "$PH_JSON" | head -c 400)"
ftp_check_rose ftp_not_protocol 1 "the HTTP request to port 21"
ftp_check_same ftp_pinholes_opened "the HTTP request to port 21"
exit 0
