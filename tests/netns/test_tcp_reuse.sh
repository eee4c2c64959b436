#!/bin/bash
# The same TCP 4-tuple used again right after a close: the client connects
# from a fixed source port, exchanges data, closes (FIN, then RST via
# SO_LINGER 0), and reconnects from the same port at once, several times.
# Each connection must be translated and answered (kernel conntrack reopens
# a TIME_WAIT/CLOSE entry on a new SYN; the datapath must do the same).
. "$(dirname "$0")/lib.sh"
test_init
topo_setup3
gw_setup
wait_reachable

sx timeout 60 socat TCP4-LISTEN:5007,reuseaddr,fork \
	SYSTEM:'read l; echo "$SOCAT_PEERADDR:$SOCAT_PEERPORT $l"' 2>srv.err &
bg_track $!
wait_listen sx 5007

cx timeout 40 python3 - "$SERVER4" >reuse.out 2>reuse.err <<-'PY'
import socket, struct, sys, time
srv = sys.argv[1]
PORT = 45000
ok = 0
for i in range(6):
    mode = "rst" if i % 2 else "fin"
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", PORT))
    s.settimeout(4)
    try:
        s.connect((srv, 5007))
        s.sendall(b"round-%d\n" % i)
        data = s.recv(1000).decode().strip()
    except OSError as e:
        print("round", i, mode, "ERROR", e, flush=True)
        sys.exit(1)
    print("round", i, mode, data, flush=True)
    if mode == "rst":
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
    time.sleep(0.2)
PY
rc=$?
sed 's/^/# /' reuse.out
[ $rc -eq 0 ] || fail "reconnecting from the same source port failed: $(tail -n1 reuse.out) $(head -c 200 reuse.err)"
n=$(grep -c "^round [0-9] [a-z]* $GW_OUT4:[0-9]* round-[0-9]$" reuse.out)
[ "$n" -eq 6 ] || fail "expected 6 answered rounds from $GW_OUT4, got $n"
exit 0
