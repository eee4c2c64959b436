#!/bin/bash
# SIP over TCP through the NAT (sip_tcp_tool.py): on one connection the
# inside UA sends two OPTIONS in one TCP segment, a CRLF keep-alive, then
# an INVITE with SDP split in two segments in the middle of its Contact
# line.  The server outside logs every message it receives whole.
# Checked: three messages arrive intact (Content-Length matching the
# body), none names the inside address, the INVITE's SDP names the public
# one, and all three get their 200 OK back through the gateway.
#
# The kernel's helper (sip-tcp, assigned by lib.sh) left these messages
# unrewritten on this kernel; the test records which and requires only
# that they arrive intact and are answered.  bpfalg must rewrite all of
# them, holding the split INVITE until its end arrives.
HERE=$(cd "$(dirname "$0")" && pwd)
# gateways: kernel bpfalg
. "$HERE/lib.sh"
test_init
topo_setup3
gw_setup
wait_reachable
[ "$GW_KIND" = bpfalg ] && { algctl alg sip on >/dev/null || fail "algctl alg sip on"; }
FTP_COUNTERS="sip_parsed sip_rewritten sip_bad_input sip_held"
ftp_stats_mark

sx timeout 20 python3 "$HERE/sip_tcp_tool.py" server "$SERVER4" 5060 srv.log \
	>srv.out 2>&1 &
SRV=$!
bg_track $SRV
wait_listen sx 5060
cx timeout 15 python3 "$HERE/sip_tcp_tool.py" client "$SERVER4" 5060 "$CLIENT4" \
	>cli.out 2>&1
rc=$?
wait "$SRV"
log "client: $(tr '\n' ' ' <cli.out | head -c 300)"
log "server saw: $(cut -c1-160 srv.log | tr '\n' '|' | head -c 600)"

[ "$(grep -c "OPTIONS sip:" srv.log)" -eq 2 ] ||
	fail "the server did not get both OPTIONS of the one segment: $(head -c 300 srv.log)"
inv=$(grep "INVITE sip:" srv.log)
[ -n "$inv" ] || fail "the server got no INVITE"
python3 - srv.log <<-'PY' || fail "a message arrived malformed (Content-Length vs body)"
import ast, sys
for line in open(sys.argv[1]):
    m = ast.literal_eval(line)
    head, body = m.split(b"\r\n\r\n", 1)
    cl = [int(h.split(b":", 1)[1]) for h in head.split(b"\r\n")
          if h.lower().startswith(b"content-length:")]
    assert cl and cl[0] == len(body), (cl, len(body))
PY
# which messages still name the inside address
leaks=$(python3 - srv.log <<-'PY'
import ast, sys
out = []
for line in open(sys.argv[1]):
    m = ast.literal_eval(line)
    if b"10.0.1." in m:
        out.append(m.split(b" ", 1)[0].decode() + "#" +
                   m.split(b"CSeq: ", 1)[1].split(b" ", 1)[0].decode())
print(" ".join(out))
PY
)
if [ -n "$leaks" ]; then
	if [ "$GW_KIND" = kernel ]; then
		# the reference fails here: recorded, the test still required
		# every message to arrive intact and be answered
		log "kernel reference: unrewritten (inside address left) in: $leaks (nf_conntrack_sip over TCP); known limit, not a test failure"
		[ $rc -eq 0 ] || fail "client: $(tail -n 2 cli.out)"
		exit 0
	fi
	fail "an inside address reached the server in: $leaks"
fi
printf '%s' "$inv" | grep -q "c=IN IP4 $GW_OUT4" || fail "the INVITE's SDP does not name the public address"
[ $rc -eq 0 ] || fail "client did not get its three 200 OK: $(tail -n 2 cli.out)"
if [ "$GW_KIND" = bpfalg ]; then
	ftp_check_rose sip_rewritten 3 "sip/tcp"
	ftp_check_rose sip_held 1 "sip/tcp split INVITE"
	ftp_check_same sip_bad_input "sip/tcp"
	# SIP over TLS (5061): passed untouched, counted per flow
	FTP_COUNTERS="sip_tls_flows sip_punted"
	ftp_stats_mark
	sx timeout 10 socat -u TCP-LISTEN:5061,bind="$SERVER4",reuseaddr OPEN:tls.got,creat >/dev/null 2>&1 &
	bg_track $!
	wait_listen sx 5061
	printf '\026\003\001 not really TLS, never parsed\n' >tls.sent
	cx timeout 5 socat -u OPEN:tls.sent TCP:"$SERVER4":5061 || fail "connection to 5061"
	sleep 0.3
	cmp -s tls.sent tls.got || fail "the 5061 bytes did not arrive unchanged"
	ftp_check_rose sip_tls_flows 1 "sips"
	ftp_check_same sip_punted "sips"
fi
exit 0
