#!/bin/bash
# Two outside interfaces (--outside gout,gout2) with --masquerade, the
# inside by prefix (a node with pods, topo_setup_pods): each outside
# interface translates to its own address.  gout (192.0.2.1) reaches the
# server 192.0.2.2; gout2 (198.51.100.1) reaches a second server
# 198.51.100.2 in its own namespace.  Checked, against the kernel's
# `oifname { gout, gout2 } masquerade`:
#   1. a pod seen as 192.0.2.1 by the first server, as 198.51.100.1 by the
#      second;
#   2. active FTP to the second server: PORT names 198.51.100.1 (vsftpd
#      refuses a PORT that is not the control connection's peer);
#   3. gout2's address changes to 198.51.100.9: a new connection is seen
#      from the new address (masquerade follows each interface).
# bpfalg: status -j gives each outside interface its public address.
HERE=$(cd "$(dirname "$0")" && pwd)
# gateways: kernel bpfalg
. "$HERE/lib.sh"
test_init
require_cmds curl
topo_setup_pods 3
NS_S2=ba-s2-$ID
SERVER2=198.51.100.2 GW_OUT2=198.51.100.1
_ns_add "$NS_S2"
ip -n "$NS_G" link add gout2 type veth peer name eth0 netns "$NS_S2" || fail "veth gout2"
ip -n "$NS_G" addr add "$GW_OUT2/24" dev gout2
ip -n "$NS_G" link set gout2 up
ip -n "$NS_S2" addr add "$SERVER2/24" dev eth0
ip -n "$NS_S2" link set eth0 up
_endpoint_tweaks "$NS_S2" eth0
s2x() { ip netns exec "$NS_S2" "$@"; }
GW_OUTSIDE=gout,gout2
gw_setup
wait_reachable

cat >whoami.py <<'PY'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1])))
s.listen(16)
while True:
    c, a = s.accept()
    c.sendall((a[0] + "\n").encode())
    c.close()
PY
sx timeout 60 python3 whoami.py 8000 &
bg_track $!
s2x timeout 60 python3 whoami.py 8000 &
bg_track $!
wait_listen sx 8000
wait_listen s2x 8000
whoami() { cx timeout 5 socat -T3 - "TCP:$1:8000,connect-timeout=3" </dev/null 2>&1; }

# 1. each outside interface, its own address
seen=$(whoami "$SERVER4")
[ "$seen" = "$GW_OUT4" ] || fail "via gout: the server saw '$seen', expected $GW_OUT4"
seen=$(whoami "$SERVER2")
[ "$seen" = "$GW_OUT2" ] || fail "via gout2: the second server saw '$seen', expected $GW_OUT2"
log "a pod is $GW_OUT4 via gout and $GW_OUT2 via gout2"
if [ "$GW_KIND" = bpfalg ]; then
	algctl status -j | python3 -c '
import json, sys
d = json.load(sys.stdin)
pub = {i["name"]: i.get("public_address") for i in d["interfaces"]}
assert pub == {"gout": sys.argv[1], "gout2": sys.argv[2]}, pub' "$GW_OUT4" "$GW_OUT2" ||
		fail "status -j: $(algctl status -j | tr -d '\n' | head -c 600)"
fi

# 2. active FTP through the second interface
ftp_file port.bin 512K
ftp_server_start s2x "$SERVER2"
ftp_log_mark "$FTP_LOG"
ftp_fetch cx "curl-port2" "ftp://$SERVER2/port.bin" -P - --disable-eprt
ftp_log_new "$FTP_LOG" | grep -qE "^command: PORT ${GW_OUT2//./,},[0-9]+,[0-9]+$" ||
	fail "PORT via gout2 did not name $GW_OUT2: $(ftp_log_new "$FTP_LOG" | grep -E '^command: (EPRT|PORT)' | tr '\n' ';')"
log "active FTP via gout2: PORT named $GW_OUT2"

# 3. the second interface's address changes
# (the secondary becomes primary when the old one goes)
gx sysctl -qw net.ipv4.conf.gout2.promote_secondaries=1 || fail "promote_secondaries"
ip -n "$NS_G" addr add 198.51.100.9/24 dev gout2 || fail "new address"
ip -n "$NS_G" addr del "$GW_OUT2/24" dev gout2 || fail "old address"
for i in $(seq 30); do
	seen=$(whoami "$SERVER2")
	[ "$seen" = 198.51.100.9 ] && break
	sleep 0.1
done
[ "$seen" = 198.51.100.9 ] ||
	fail "after gout2's address changed the second server saw '$seen', expected 198.51.100.9"
seen=$(whoami "$SERVER4")
[ "$seen" = "$GW_OUT4" ] || fail "via gout after gout2's change: '$seen', expected $GW_OUT4"
log "gout2's new address 198.51.100.9 used at once; gout kept $GW_OUT4"
exit 0
