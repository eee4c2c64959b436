#!/bin/bash
# TFTP through the gateway.  tftpd-hpa answers each request from a new port
# (RFC 1350 transfer IDs), so the transfers below work only if the gateway
# opens a pinhole for the answer: a 300 KiB get over IPv4 (NAT) and IPv6
# (routed, unsolicited inbound dropped), and a put, each checked by sha256.
# GW=kernel: nf_conntrack_tftp (lib.sh assigns the helper); bpfalg: the
# datapath's TFTP ALG (bpf/lib/tftp.h), which punts nothing.  bpfalg also:
# the counters say pinholes were opened and consumed, the request flow is
# no control flow, and `algctl pinholes` shows a pinhole nothing answered
# (a request to a second TFTP port where no server listens) with alg tftp,
# the server as remote with any port, and the request flow as owner.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tftp_lib.sh"
test_init
topo_setup3
gw_setup
wait_reachable

tftp_file big.bin 307200
tftp_server_start sx "$SERVER4"
tftp_server_start sx "$SERVER6"
head -c 65536 /dev/urandom >up.bin

[ "$GW_KIND" = bpfalg ] && before=$(tftp_stats) && log "tftp counters: $before"

tftp_get cx "$SERVER4" big.bin || fail "IPv4 get: $TFTP_WHY"
log "IPv4 get big.bin: 307200 bytes, sha256 ok"
tftp_put cx "$SERVER4" up.bin up4.bin || fail "IPv4 put: $TFTP_WHY"
log "IPv4 put up.bin: 65536 bytes, sha256 ok"
tftp_get cx "$SERVER6" big.bin || fail "IPv6 get: $TFTP_WHY"
log "IPv6 get big.bin: sha256 ok"

[ "$GW_KIND" = bpfalg ] || exit 0

after=$(tftp_stats)
log "tftp counters: $after"
# three requests, each answered from a new port
for c in tftp_dp_pinholes_opened tftp_pinhole_hits pinhole_hit; do
	d=$(tftp_delta $c "$before" "$after")
	[ "$d" -ge 3 ] || fail "$c rose by $d, expected >= 3 (before: $before; now: $after)"
done
for c in tftp_bad_requests tftp_pinholes_full tftp_pinhole_conflicts tftp_punted; do
	d=$(tftp_delta $c "$before" "$after")
	[ "$d" -eq 0 ] || fail "$c rose by $d, expected 0 (before: $before; now: $after)"
done

# The request flows: to port 69, never marked as ALG control flows.
algctl flows -j >flows.json 2>flows.err || fail "algctl flows -j: exit $? ($(head -c 200 flows.err))"
why=$(python3 -c '
import json, sys
flows = json.load(open(sys.argv[1]))["flows"]
req = [f for f in flows if f["proto"] == "udp" and f["orig_dst"] == {"addr": sys.argv[2], "port": 69}]
if not req:
    sys.exit("no UDP flow to %s:69" % sys.argv[2])
bad = [f for f in req if "control" in f["flags"]]
if bad:
    sys.exit("request flow marked control: %s" % json.dumps(bad[0]))
' flows.json "$SERVER4" 2>&1) || fail "request flows: $why"

# A pinhole left open: the request goes to a TFTP port nobody serves.
algctl alg tftp on --ports 69,6969 >alg.out 2>&1 || fail "algctl alg tftp on --ports 69,6969: exit $? ($(head -c 200 alg.out))"
cx timeout 5 python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 46969))
s.sendto(b"\0\1nothing.bin\0octet\0", (sys.argv[1], 6969))
' "$SERVER4" || fail "sending an RRQ to $SERVER4:6969"
ftp_pinholes alg=tftp proto=udp "remote=$SERVER4:*" "inside=$CLIENT4:46969" \
	"owner=udp $CLIENT4:46969->$SERVER4:6969"
[ "$PH_N" -eq 1 ] || fail "algctl pinholes: want one tftp pinhole for $CLIENT4:46969, got $PH_N: $PH_JSON"
algctl pinholes >pinholes.txt 2>&1 || fail "algctl pinholes: exit $?"
grep -E "^udp +$SERVER4:\* +[0-9]+ +$CLIENT4:46969 +tftp +udp $CLIENT4:46969->$SERVER4:6969 " pinholes.txt >/dev/null ||
	fail "algctl pinholes table: no tftp row for $CLIENT4:46969: $(tr '\n' ';' <pinholes.txt | head -c 400)"
log "algctl pinholes: $(grep tftp pinholes.txt | head -n1)"
exit 0
