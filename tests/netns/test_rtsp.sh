#!/bin/bash
# RTSP over UDP through the NAT: GStreamer's RTSP server outside
# (192.0.2.2:8554, /test: a live L16 tone as RTP over UDP only, see
# rtsp_server.py) and `gst-launch-1.0 rtspsrc protocols=udp` inside,
# receiving on 10.0.1.2:5000-5001.  rtspsrc runs with nat-method=none: it
# sends nothing from its RTP port before media arrives, so only a gateway
# that reads the SETUP can let the server's RTP in.
#
# Port preservation must not make it work by accident:
#   kernel  the masquerade rule becomes `masquerade random`.  The kernel has
#           no RTSP conntrack helper (TESTING-NOTES), so the reference run is
#           expected to FAIL: recorded, not judged.  Should it pass, the
#           setup is wrong and the test fails.
#   bpfalg  its masquerade keeps a free source port (like Linux without
#           `random`) and the ALG asks for the inside ports first; so the
#           public ports 5000/5001 are taken by a UDP port-forward and
#           --port-range 20000-29999 is given: the ALG must pick another pair
#           and rewrite client_port.  First with `algctl alg rtsp off`: the
#           client must receive nothing (the control case); then `on
#           --ports 8554`: it must receive its buffers, the server must have
#           been told a public pair P/P+1 (P even, in the range), the client
#           the reply with its own ports back, and the counters say so.
#           Mid-stream `algctl flows -j` holds the RTP binding 10.0.1.2:5000
#           <-> public P; after the client's TEARDOWN it is gone.  Last,
#           `--deny SET_PARAMETER`: a raw client's SET_PARAMETER (with a
#           body) between two OPTIONS gets the gateway's 403 with its CSeq,
#           the server never sees it, both OPTIONS are answered by the server
#           on the same connection.
HERE=$(cd "$(dirname "$0")" && pwd)
# gateways: kernel bpfalg
. "$HERE/lib.sh"
test_init
require_cmds gst-launch-1.0 gst-inspect-1.0
/usr/bin/python3 -c 'import gi; gi.require_version("GstRtspServer", "1.0")' 2>/dev/null ||
	skip "python3-gi with gir1.2-gst-rtsp-server-1.0 not installed (scripts/deps.sh)"
gst-inspect-1.0 rtspsrc >/dev/null 2>&1 || skip "rtspsrc (gstreamer1.0-plugins-good) not installed"

RTSP_PORT=8554
CPORT=5000 # the client's RTP port; RTCP on 5001
URL="rtsp://$SERVER4:$RTSP_PORT/test"
[ "$GW_KIND" = bpfalg ] && GW_UP_ARGS="${GW_UP_ARGS:+$GW_UP_ARGS }--port-range 20000-29999"
topo_setup3
gw_setup
wait_reachable
case $GW_KIND in
kernel)
	gx nft flush chain inet bpfalg_ref post_snat &&
		gx nft add rule inet bpfalg_ref post_snat meta nfproto ipv4 \
			oifname gout masquerade random ||
		fail "nft: masquerade random"
	;;
bpfalg)
	# the public ports the ALG would ask for first are somebody else's
	gw_forward_add udp $CPORT "$CLIENT4" 9
	gw_forward_add udp $((CPORT + 1)) "$CLIENT4" 9
	;;
esac

sx /usr/bin/python3 "$HERE/rtsp_server.py" "$SERVER4" $RTSP_PORT >server.log 2>server.err &
bg_track $!
wait_listen sx $RTSP_PORT

# play N: receive N RTP buffers (20 ms of audio each) or fail within 8 s;
# rtspsrc gives up 2 s after the last SETUP reply when no UDP arrives.
# Success is the EOS fakesink sends after its N buffers, not the exit
# status: on the way down rtspsrc sometimes sends a PAUSE after its
# TEARDOWN, finds the connection closed and exits 1 (gstreamer 1.22).
play() {
	cx timeout 8 gst-launch-1.0 rtspsrc location="$URL" protocols=udp \
		nat-method=none port-range=$CPORT-$((CPORT + 1)) timeout=2000000 \
		! fakesink num-buffers="$1" >client.log 2>&1
	grep -q 'Got EOS from element "pipeline0"' client.log
}
# the last Transport the server received / sent
srv_setup() { sed -n 's/^SETUP Transport: //p' server.log | tail -n1; }
srv_reply() { sed -n 's/^REPLY Transport: //p' server.log | tail -n1; }
why() {
	printf '%s [server got: %s; answered: %s]' \
		"$(grep -E 'ERROR|Could not|debug info|gstrtspsrc' client.log | tr '\n' ' ' | head -c 600)" "$(srv_setup)" "$(srv_reply)"
}

if [ "$GW_KIND" = kernel ]; then
	if play 25; then
		fail "kernel reference: RTSP over UDP passed through masquerade random without an RTSP helper (expected to fail: the setup lets media in by accident). server got: $(srv_setup)"
	fi
	log "kernel reference: fails as expected (no RTSP conntrack helper): $(why)"
	grep -q "client_port=$CPORT-$((CPORT + 1))" <<<"$(srv_setup)" ||
		fail "kernel: the server did not receive the client's own ports: $(srv_setup)"
	exit 0
fi

FTP_COUNTERS="rtsp_punted rtsp_parsed rtsp_rewritten rtsp_pinholes_opened rtsp_refused rtsp_bad_input
rtsp_policy_denied"

# the control case: no ALG, no media
algctl alg rtsp off --ports $RTSP_PORT >/dev/null || fail "algctl alg rtsp off --ports $RTSP_PORT"
ftp_stats_mark
if play 25; then
	fail "rtsp off: the client received media without the ALG (port preservation by accident?): server got $(srv_setup)"
fi
log "rtsp off: no media, as expected: $(why)"
ftp_check_same rtsp_punted "rtsp off"

algctl alg rtsp on --ports $RTSP_PORT >/dev/null || fail "algctl alg rtsp on --ports $RTSP_PORT"
ftp_stats_mark
play 100 &
CLIENT=$!
bg_track $CLIENT
# binding PUB: `algctl flows -j` holds the UDP flow $CLIENT4:$CPORT <->
# $SERVER4 through public port PUB (saved in flows.json)
binding() {
	algctl flows -j >flows.json 2>flows.err
	python3 - "$CLIENT4" "$CPORT" "$SERVER4" "$1" flows.json <<-'PY'
	import json, sys
	ins, port, srv, pub, path = sys.argv[1:]
	try: flows = json.load(open(path))["flows"]
	except (ValueError, KeyError): sys.exit(2)
	sys.exit(0 if any(f["proto"] == "udp" and f["orig_src"] == {"addr": ins, "port": int(port)}
	                  and f["reply_src"]["addr"] == srv and f["public"]["port"] == int(pub)
	                  for f in flows) else 1)
	PY
}
# mid-stream (100 buffers: 2 s): the binding of the RTP port
bound=""
for i in $(seq 30); do
	pub=$(srv_setup | sed -nE 's/.*client_port=([0-9]+)-([0-9]+).*/\1/p')
	[ -n "$pub" ] && binding "$pub" && bound=$pub && break
	sleep 0.1
done
wait $CLIENT || fail "rtsp on: the client did not get its 100 buffers: $(why)"
log "rtsp on: 100 RTP buffers received; server got \"$(srv_setup)\", answered \"$(srv_reply)\""

# what the server was told: a public pair in the range, not the inside one
read -r p1 p2 <<<"$(srv_setup | sed -nE 's/.*client_port=([0-9]+)-([0-9]+).*/\1 \2/p')"
[ -n "$p2" ] || fail "rtsp on: no client_port pair in the SETUP the server received: $(srv_setup)"
[ "$p1" -ne $CPORT ] || fail "rtsp on: the server was told the inside port $CPORT, which is taken on the public side"
if [ "$p2" -ne $((p1 + 1)) ] || [ $((p1 % 2)) -ne 0 ] || [ "$p1" -lt 20000 ] || [ "$p2" -gt 29999 ]; then
	fail "rtsp on: the server was told client_port=$p1-$p2: not an even pair P/P+1 in 20000-29999"
fi
pub=$p1
# the server's reply echoes the public pair (the ALG turns it back into the
# client's own ports: counted as the second rewrite below)
grep -q "client_port=$pub-$((pub + 1))" <<<"$(srv_reply)" ||
	fail "rtsp on: the server's reply does not echo client_port=$pub-$((pub + 1)): $(srv_reply)"
[ "$bound" = "$pub" ] ||
	fail "rtsp on: mid-stream, no UDP flow $CLIENT4:$CPORT <-> $SERVER4 through public port $pub: $(head -c 800 flows.json)"
log "mid-stream: $CLIENT4:$CPORT bound to $SERVER4 through public port $pub"
ftp_check_rose rtsp_parsed 2 "rtsp on (SETUP and its reply)"
ftp_check_rose rtsp_rewritten 2 "rtsp on (SETUP to the public pair, the reply back)"
ftp_check_rose rtsp_pinholes_opened 4 "rtsp on (2 pinholes, then 2 bindings)"
ftp_check_same rtsp_bad_input "rtsp on"
grep -q '^TEARDOWN' server.log || fail "rtsp on: the server saw no TEARDOWN"
# TEARDOWN released the bindings
for i in $(seq 20); do
	binding "$pub" || break
	sleep 0.1
done
binding "$pub" &&
	fail "rtsp on: the binding $CLIENT4:$CPORT <-> public $pub is still there after TEARDOWN: $(head -c 800 flows.json)"
log "TEARDOWN released the binding $CLIENT4:$CPORT <-> public $pub"

# command policy: a denied SET_PARAMETER (headers and body) is answered 403
# by the gateway with its CSeq and never reaches the server; the requests
# around it on the same connection are the server's to answer
algctl alg rtsp on --ports $RTSP_PORT --deny SET_PARAMETER >/dev/null ||
	fail "algctl alg rtsp on --deny SET_PARAMETER"
# the daemon takes a changed deny list on its next tick (1 s)
for i in $(seq 30); do
	grep -q 'rtsp policy: deny SET_PARAMETER' "$TMPD/daemon.log" && break
	sleep 0.1
done
grep -q 'rtsp policy: deny SET_PARAMETER' "$TMPD/daemon.log" ||
	fail "rtsp policy: the daemon did not log the new deny list within 3 s"
ftp_stats_mark
cx timeout 8 python3 - "$SERVER4" $RTSP_PORT >policy.log 2>&1 <<-'PY' || fail "rtsp policy: $(tail -n 3 policy.log | tr '\n' ' ')"
	import socket, sys
	host, port = sys.argv[1], int(sys.argv[2])
	url = "rtsp://%s:%d/test" % (host, port)
	s = socket.create_connection((host, port), timeout=3)
	buf = b""
	def reply():
	    global buf
	    while b"\r\n\r\n" not in buf:
	        d = s.recv(4096)
	        if not d: sys.exit("connection closed; got %r" % buf)
	        buf += d
	    head, buf = buf.split(b"\r\n\r\n", 1)
	    print(head.decode(errors="replace").replace("\r\n", " | "))
	    return head.decode(errors="replace")
	def check(head, status, cseq):
	    if not head.startswith("RTSP/1.0 %s" % status) or ("CSeq: %d" % cseq) not in head:
	        sys.exit("expected %s with CSeq %d, got %r" % (status, cseq, head))
	s.sendall(("OPTIONS %s RTSP/1.0\r\nCSeq: 1\r\n\r\n" % url).encode())
	check(reply(), "200", 1)
	s.sendall(("SET_PARAMETER %s RTSP/1.0\r\nCSeq: 2\r\nContent-Type: text/parameters\r\n"
	           "Content-Length: 12\r\n\r\nvolume: 10\r\n" % url).encode())
	check(reply(), "403 Forbidden", 2)
	s.sendall(("OPTIONS %s RTSP/1.0\r\nCSeq: 3\r\n\r\n" % url).encode())
	check(reply(), "200", 3)
	PY
log "rtsp policy: $(tr '\n' ';' <policy.log | head -c 400)"
! grep -q '^SET_PARAMETER' server.log || fail "rtsp policy: the server received the denied SET_PARAMETER"
ftp_check_rose rtsp_policy_denied 1 "rtsp policy (SET_PARAMETER)"
exit 0
