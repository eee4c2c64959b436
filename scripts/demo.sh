#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# `make demo`: a fresh client -- gateway -- server topology in network
# namespaces of its own, bpfalg on the gateway (algctl up + daemon), real
# traffic through it, then what algctl shows.  Everything is torn down on
# exit (trap), whatever happens.  Run as root.
#
#   client ns  10.0.1.2  --  gin 10.0.1.1 [gateway: bpfalg] gout 192.0.2.1  --  192.0.2.2  server ns
#
# The server has no route to 10.0.1.0/24: whatever reaches the client back
# went through the NAT.
set -u
cd "$(dirname "$0")/.."
# bpfalg with its XDP fast path on (the endpoints' veths send complete
# checksums here, see tests/netns/README.md); GW=bpfalg shows the TC path only.
export GW=${GW:-bpfalg-xdp}
export BUILD=${BUILD:-build}
export ALGCTL=${ALGCTL:-$BUILD/algctl}
. tests/netns/lib.sh

bold="" norm=""
if [ -t 1 ]; then
	bold=$(tput bold 2>/dev/null || true) norm=$(tput sgr0 2>/dev/null || true)
fi
step() { printf '\n%s== %s ==%s\n' "$bold" "$*" "$norm"; }
# show CMD...: print the command as typed (with where it runs), then run it.
show() {
	local where="" shown="" a skip=0
	case $1 in
	cx) where="(client) " skip=1 ;;
	sx) where="(server) " skip=1 ;;
	algctl) where="(gateway) " ;;
	esac
	for a in "${@:$((skip + 1))}"; do
		case $a in *[\ \(\)\\]*) a="'$a'" ;; esac
		shown="$shown${shown:+ }$a"
	done
	printf '%s%s$ %s%s\n' "$bold" "$where" "$shown" "$norm"
	"$@"
}

test_init
step "Topology (namespaces $NS_C, $NS_G, $NS_S)"
topo_setup3
cat <<TOPO
  client                  gateway (bpfalg)                     server
  eth0 $CLIENT4/24 --- gin $GW_IN4   gout $GW_OUT4 --- eth0 $SERVER4/24
       $CLIENT6/64        $GW_IN6     $GW_OUT6        $SERVER6/64
  The server has no IPv4 route to $INSIDE_PREFIX4: replies come back only through the NAT.
TOPO

step "bpfalg up on the gateway"
printf '(gateway) $ nsenter --net=/run/netns/%s algctl up --inside gin --outside gout --masquerade --pin-path %s\n' "$NS_G" "$PIN"
printf '(gateway) $ nsenter --net=/run/netns/%s algctl daemon --inside gin --outside gout --masquerade --pin-path %s &\n' "$NS_G" "$PIN"
gw_setup
echo "daemon running (pid $DAEMON_PID), pins under $PIN:"
ls "$PIN" | sed 's/^/  /'

step "Ping through the NAT (IPv4) and routed (IPv6)"
show cx ping -c 3 -i 0.3 "$SERVER4" || fail "IPv4 ping"
show cx ping -c 2 -i 0.3 "$SERVER6" || fail "IPv6 ping"

step "TCP: an HTTP download with curl (8 MB), checked byte for byte"
mkdir -p www && make_file www/blob.bin 8
(cd www && exec ip netns exec "$NS_S" timeout 120 python3 -m http.server 8000 --bind "$SERVER4") 2>http.log &
bg_track $!
wait_listen sx 8000
show cx timeout 30 curl -sS -o blob.rcv -w 'curl: %{size_download} bytes in %{time_total}s (%{speed_download} B/s)\n' \
	"http://$SERVER4:8000/blob.bin" || fail "curl download"
echo "sha256 sent     $(sha www/blob.bin)"
echo "sha256 received $(sha blob.rcv)"
[ "$(sha www/blob.bin)" = "$(sha blob.rcv)" ] || fail "download differs"
echo "server's access log (the client appears as the gateway's public address):"
grep 'GET /blob.bin' http.log | sed 's/^/  /'

step "UDP request/response (the server echoes the source address it saw)"
sx timeout 60 socat UDP4-RECVFROM:5353,reuseaddr,fork SYSTEM:'read l; echo "$SOCAT_PEERADDR $l"' 2>/dev/null &
bg_track $!
wait_listen sx 5353 udp
printf '%s(client) $ send "hello over udp" to %s:5353%s\n' "$bold" "$SERVER4" "$norm"
reply=$(udp_req cx "$SERVER4" 5353 "hello over udp") || fail "no UDP reply"
echo "reply: $reply"

step "Port-forward: public $GW_OUT4:8080 -> inside $CLIENT4:80"
cx timeout 60 socat TCP4-LISTEN:80,reuseaddr,fork \
	SYSTEM:'echo "hello from the inside service, you are $SOCAT_PEERADDR"' 2>/dev/null &
bg_track $!
wait_listen cx 80
show algctl forward add tcp 8080 "$CLIENT4:80" || fail "algctl forward add"
printf '%s(server) $ socat - TCP:%s:8080%s\n' "$bold" "$GW_OUT4" "$norm"
sx timeout 10 socat -u TCP4:"$GW_OUT4":8080 - || fail "forwarded connection"

step "Active FTP through the ALG: vsftpd outside, curl inside sends PORT with its private address"
ftp_file demo.bin 2M
ftp_server_start sx "$SERVER4"
show cx timeout 30 curl -sS -P - --disable-eprt -o demo.rcv \
	-w 'curl: %{size_download} bytes in %{time_total}s\n' "ftp://$SERVER4/demo.bin" ||
	fail "active FTP download"
[ "$(sha "$FTP_ROOT/demo.bin")" = "$(sha demo.rcv)" ] || fail "FTP download differs"
echo "sha256 matches; the PORT as vsftpd received it (rewritten to the public address):"
grep -E '"PORT ' "$FTP_LOG" | sed 's/^/  /'
echo "what the controller did (its log):"
grep -E '\[ftp#' "$TMPD/daemon.log" | sed 's/^/  /'

step "A long-running flow, so that the tables below have something live"
sx timeout 30 socat -u TCP4-LISTEN:5001,reuseaddr OPEN:/dev/null 2>/dev/null &
bg_track $!
wait_listen sx 5001
( for i in $(seq 100); do echo "tick $i"; sleep 0.1; done ) |
	cx timeout 30 socat -u - TCP4:"$SERVER4":5001 2>/dev/null &
bg_track $!
sleep 0.5

step "algctl status"
show algctl status || fail "algctl status exit $?"
step "algctl flows"
show algctl flows || fail "algctl flows"
step "algctl stats"
show algctl stats || fail "algctl stats"

step "Teardown"
printf '%s(gateway) $ kill -TERM %s   # the controller stops; the datapath would keep forwarding%s\n' "$bold" "$DAEMON_PID" "$norm"
daemon_stop TERM || fail "daemon ignored SIGTERM"
show algctl down || fail "algctl down"
_GW_UP=""
left=$(gw_leftovers)
[ -z "$left" ] || fail "algctl down left something behind:$left"
echo "nothing left: no programs, maps, links or pins from this demo"
echo "namespaces $NS_C $NS_G $NS_S are removed on exit"
exit 0
