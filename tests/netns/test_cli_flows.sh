#!/bin/bash
# The operator's CLI on a live datapath (issue 16 item 4): flows made by
# real traffic (UDP from three client ports, one of them never answered,
# a TCP connection held open, a ping, IPv6 UDP), then
#  - filters: `algctl flows --proto/--src/--dst/--sport/--dport/--state`
#    give exactly what the same filter applied to the whole `flows -j`
#    listing gives, and the counts the traffic implies (-c too);
#    GW=kernel: `conntrack -L` with the same filters is the reference
#  - delete: `flows delete --proto udp --sport 40001` deletes that flow
#    (1 flow deleted; conntrack -D for the kernel): a datagram the server
#    sends to the client's public port no longer arrives, the client's
#    next datagram makes the flow anew (new, age 0) and the server's
#    next one arrives again
#  - `pinholes delete` of a TFTP request's pinhole (bpfalg), `flows flush`
#    (conntrack -F): nothing left
#  - every -j output validated by tests/schema/<command>.json; a failed
#    command's -j output is exactly one {"error"} object; `CMD --help`
#    prints that command's usage; `events --type/--proto` keep only those
# gateways: kernel bpfalg (the CLI reads the same maps in bpfalg-xdp)
. "$(dirname "$0")/lib.sh"
test_init
topo_setup3
gw_setup
wait_reachable
[ "$GW_KIND" = kernel ] && require_cmds conntrack

# A UDP peer that talks when told: the server answers every datagram and
# remembers each client by the name it sends; a line NAME in push.req
# makes it send "push NAME N" to that client's last address.  A client
# (NAME, source port) logs what it receives and sends again on a line in
# send-NAME.req.
cat >peer.py <<'EOF'
import os, select, socket, sys, time
mode, d = sys.argv[1], os.path.dirname(os.path.abspath(sys.argv[0]))
def drain(path):
    try:
        os.rename(path, path + ".taken")
    except OSError:
        return []
    with open(path + ".taken") as f:
        return [l.strip() for l in f if l.strip()]
if mode == "server":
    socks = []
    for port in map(int, sys.argv[2:]):
        s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        s.bind(("::", port))
        socks.append(s)
    peers, n = {}, 0
    while True:
        r, _, _ = select.select(socks, [], [], 0.05)
        for s in r:
            data, addr = s.recvfrom(2048)
            name = data.decode(errors="replace").split()[-1]
            peers[name] = (s, addr)
            s.sendto(b"pong " + name.encode(), addr)
        for name in drain(os.path.join(d, "push.req")):
            if name in peers:
                n += 1
                s, addr = peers[name]
                s.sendto(("push %s %d" % (name, n)).encode(), addr)
else:
    name, src, dst, port = sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
    fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.bind((src.split(":")[0] if fam == socket.AF_INET else src.rsplit(":", 1)[0],
            int(src.rsplit(":", 1)[1])))
    log = open(os.path.join(d, "cli-%s.log" % name), "a", buffering=1)
    s.sendto(("hello " + name).encode(), (dst, port))
    while True:
        r, _, _ = select.select([s], [], [], 0.05)
        if r:
            try:
                log.write(s.recv(2048).decode(errors="replace") + "\n")
            except OSError as e:
                log.write("error %s\n" % e)
        for _ in drain(os.path.join(d, "send-%s.req" % name)):
            s.sendto(("again " + name).encode(), (dst, port))
EOF

sx timeout 40 python3 peer.py server 5353 5354 2>server.err &
bg_track $!
wait_listen sx 5353 udp
cx timeout 40 python3 peer.py client A "$CLIENT4:40001" "$SERVER4" 5353 2>cliA.err &
bg_track $!
cx timeout 40 python3 peer.py client B "$CLIENT4:40002" "$SERVER4" 5354 2>cliB.err &
bg_track $!
# nobody listens on 5399: this flow stays unreplied
cx timeout 40 python3 peer.py client C "$CLIENT4:40003" "$SERVER4" 5399 2>cliC.err &
bg_track $!
cx timeout 40 python3 peer.py client D "$CLIENT6:40004" "$SERVER6" 5353 2>cliD.err &
bg_track $!
sx timeout 40 socat TCP4-LISTEN:8080,reuseaddr SYSTEM:'sleep 38' 2>tcps.err &
bg_track $!
wait_listen sx 8080
cx timeout 40 socat -u TCP4:"$SERVER4":8080,sourceport=40010 SYSTEM:'sleep 38' 2>tcpc.err &
bg_track $!
cx ping -c 1 -W 2 "$SERVER4" >/dev/null || fail "ping $SERVER4"

# wait_line FILE REGEX SECONDS WHAT [N]: until FILE has N (1) such lines
wait_line() {
	local i n
	for i in $(seq $(($3 * 20))); do
		n=$(grep -cE "$2" "$1" 2>/dev/null)
		[ "${n:-0}" -ge "${5:-1}" ] && return 0
		sleep 0.05
	done
	fail "$4 within $3 s: $(tail -n 3 "$1" 2>/dev/null | tr '\n' '|')"
}
wait_line cli-A.log '^pong A$' 3 "client A got no answer"
wait_line cli-B.log '^pong B$' 3 "client B got no answer"
wait_line cli-D.log '^pong D$' 3 "client D (IPv6) got no answer"
# the TCP handshake is done once the server side runs its child
for i in $(seq 40); do
	sx ss -tnH state established "sport = :8080" | grep -q . && break
	sleep 0.05
done
log "traffic: UDP A (40001) B (40002) answered, C (40003) not, IPv6 D, TCP 40010 -> 8080 held, one ping"

# ------------------------------------------------------------ kernel
if [ "$GW_KIND" = kernel ]; then
	# ct_n ARGS: how many entries conntrack -L lists with these filters
	ct_n() { gx conntrack -L "$@" 2>/dev/null | grep -c .; }
	ct_is() {
		local want=$1 got
		shift
		got=$(ct_n "$@")
		[ "$got" = "$want" ] || fail "conntrack -L $*: $got entries, expected $want: $(gx conntrack -L "$@" 2>&1 | head -c 600)"
		log "conntrack -L $*: $got"
	}
	ct_is 3 -p udp -s "$INSIDE_PREFIX4"
	ct_is 1 -p udp -s "$CLIENT4" --sport 40001
	ct_is 1 -p udp --dport 5354
	ct_is 1 -p udp -u UNREPLIED -s "$INSIDE_PREFIX4"
	ct_is 1 -p tcp --state ESTABLISHED --dport 8080
	n=$(ct_n -p icmp -d "$SERVER4")
	[ "$n" -ge 1 ] || fail "conntrack -L -p icmp -d $SERVER4: $n entries"
	ct_is 1 -f ipv6 -p udp -s "$INSIDE_PREFIX6"
	ct_is 0 -p udp -s "$SERVER4"
	echo A >push.req
	wait_line cli-A.log '^push A 1$' 3 "client A: the server's push did not arrive before the delete"
	out=$(gx conntrack -D -p udp --sport 40001 2>&1 >/dev/null)
	printf '%s' "$out" | grep -q "1 flow entries have been deleted" || fail "conntrack -D: $out"
	echo A >push.req
	sleep 1
	grep -q '^push A 2$' cli-A.log && fail "client A got a push after its entry was deleted"
	echo x >send-A.req
	wait_line cli-A.log '^pong A$' 3 "client A: no answer after the delete" 2
	echo A >push.req
	wait_line cli-A.log '^push A 3$' 3 "client A: no push once the entry was made anew"
	log "conntrack -D: the deleted entry no longer translated, made anew by the next datagram"
	gx conntrack -F 2>/dev/null || fail "conntrack -F"
	n=$(ct_n)
	[ "$n" -le 1 ] || fail "after conntrack -F: $n entries"
	log "conntrack -F: $n left"
	exit 0
fi

# ------------------------------------------------------------ bpfalg
# Every -j document is checked against its schema at the end, in one
# batch (tests/schema/check.py; with python3-jsonschema too if installed);
# flowsel.py checks the flows listings it compares as it goes.
NDOC=0 FLOWSEL=0
export SCHEMA_QUICK=1 # flowsel.py: without the jsonschema cross-check
# keep_doc SCHEMA FILE [lines]: checked at the end (a python start costs
# 0.2 s here: one for all of them); docs.txt says which command wrote it
keep_doc() {
	NDOC=$((NDOC + 1))
	cp "$2" "doc-$NDOC.json"
	echo "$SCHEMA_DIR/$1.json $PWD/doc-$NDOC.json${3:+ lines}" >>schema.list
	echo "doc-$NDOC.json: ${DOC_CMD:-$2}" >>docs.txt
}

# jcheck NAME ARGS...: `algctl ARGS -j` must exit 0; its output, left in
# NAME.out, must match tests/schema/NAME.json (NAME up to a dot)
jcheck() {
	local name=$1
	shift
	algctl "$@" -j >"$name.out" 2>"$name.err" ||
		fail "algctl $* -j: exit $? ($(head -c 300 "$name.err"))"
	DOC_CMD="algctl $* -j" keep_doc "${name%%.*}" "$name.out"
}

# flowsel.py SCHEMA_DIR ALL SUB ARGS...: ALL (`algctl flows -j`) and SUB
# (`algctl flows ARGS -j`) match the schema, and SUB lists exactly the
# flows of ALL that the same filter keeps, computed here; prints how many
# (one python start instead of three: a start costs 0.2 s here)
cat >flowsel.py <<'EOF'
import ipaddress, json, sys
sys.path.insert(0, sys.argv[1])
import check
schema = json.load(open(sys.argv[1] + "/flows.json"))
docs = [json.load(open(f)) for f in sys.argv[2:4]]
errs = check.check(schema, [(None, d) for d in docs])
if errs:
    sys.exit("not as tests/schema/flows.json says: %s" % "; ".join(errs[:3]))
every, sub = docs[0]["flows"], docs[1]
args, want = sys.argv[4:], every
def key(f):
    return json.dumps([f["proto"], f["orig_src"], f["orig_dst"]])
for opt, val in zip(args[::2], args[1::2]):
    if opt in ("--src", "--dst"):
        net = ipaddress.ip_network(val)
        side = "orig_src" if opt == "--src" else "orig_dst"
        want = [f for f in want if ipaddress.ip_address(f[side]["addr"]) in net]
    elif opt in ("--sport", "--dport"):
        side = "orig_src" if opt == "--sport" else "orig_dst"
        want = [f for f in want if f["proto"] in ("tcp", "udp") and f[side]["port"] == int(val)]
    else:
        want = [f for f in want if f[opt[2:]] == val]
got = sorted(map(key, sub["flows"]))
if sub["count"] != len(sub["flows"]):
    sys.exit("count %d, %d flows" % (sub["count"], len(sub["flows"])))
if got != sorted(map(key, want)):
    sys.exit("filtered %s, expected %s" % (got, sorted(map(key, want))))
print(len(got))
EOF

# flows_same ARGS...: flowsel.py on the whole listing read just before;
# FLOWS_N is how many
flows_same() {
	algctl flows -j >flows.all.out 2>&1 || fail "algctl flows -j: exit $? ($(head -c 300 flows.all.out))"
	algctl flows "$@" -j >flows.sub.out 2>flows.sub.err ||
		fail "algctl flows $* -j: exit $? ($(head -c 300 flows.sub.err))"
	FLOWS_N=$(python3 flowsel.py "$SCHEMA_DIR" flows.all.out flows.sub.out "$@" 2>&1) ||
		fail "algctl flows $*: $FLOWS_N: $(head -c 800 flows.sub.out)"
	FLOWSEL=$((FLOWSEL + 1))
}

# flows_n N ARGS...: flows_same, and N flows
flows_n() {
	local want=$1
	shift
	flows_same "$@"
	[ "$FLOWS_N" = "$want" ] || fail "algctl flows $*: $FLOWS_N flows, expected $want: $(head -c 800 flows.sub.out)"
	log "algctl flows $*: $FLOWS_N"
}

flows_n 3 --proto udp --src "$INSIDE_PREFIX4"
flows_n 1 --proto udp --src "$CLIENT4" --sport 40001
flows_n 1 --proto udp --dport 5354
flows_n 1 --proto udp --state unreplied --src "$INSIDE_PREFIX4"
flows_n 2 --proto udp --state replied --dst "$SERVER4"
flows_n 1 --proto tcp --state established --dport 8080
flows_same --proto icmp --dst "$SERVER4"
flows_n 1 --proto udp --src "$INSIDE_PREFIX6"
flows_n 0 --proto udp --src "$SERVER4"
flows_same --alg tftp
flows_same --state replied
jcheck flows.count flows --proto udp --src "$INSIDE_PREFIX4" -c
[ "$(cat flows.count.out)" = '{"count":3}' ] || fail "flows -c -j: $(cat flows.count.out)"
[ "$(algctl flows --proto udp -c --src "$INSIDE_PREFIX4")" = 3 ] || fail "flows -c: $(algctl flows --proto udp -c --src "$INSIDE_PREFIX4" 2>&1)"
algctl flows --sport 40001 >flows.txt 2>&1 || fail "algctl flows --sport 40001: exit $?"
grep -qE "^PROTO +SRC +DST +NAT +TRANSLATED +STATE " flows.txt &&
	grep -qE "^udp +$CLIENT4:40001 +$SERVER4:5353 +snat +$GW_OUT4:[0-9]+ +replied " flows.txt &&
	[ "$(tail -n 1 flows.txt)" = "1 flow" ] || fail "algctl flows --sport 40001 (text): $(tr '\n' '|' <flows.txt)"

# events of new flows, filtered, while the client makes one anew below
nsenter --net="/run/netns/$NS_G" "$ALGCTL" --pin-path "$PIN" events -j --type flow-new --proto udp >ev.json 2>ev.err &
EV_J=$!
bg_track $EV_J
nsenter --net="/run/netns/$NS_G" "$ALGCTL" --pin-path "$PIN" events --type flow --proto tcp >ev.txt 2>evt.err &
EV_T=$!
bg_track $EV_T
for f in ev.err evt.err; do
	wait_line $f "^algctl: listening" 5 "algctl events did not subscribe ($f)"
done

# delete: the flow of client A goes, both halves
echo A >push.req
wait_line cli-A.log '^push A 1$' 3 "client A: the server's push did not arrive before the delete"
jcheck flows.del flows delete --proto udp --sport 40001
python3 -c '
import json, sys
d = json.load(open("flows.del.out"))
assert d["deleted"] == 1 and len(d["flows"]) == 1, d
f = d["flows"][0]
assert f["orig_src"] == {"addr": sys.argv[1], "port": 40001} and f["proto"] == "udp", f
' "$CLIENT4" || fail "flows delete: $(cat flows.del.out)"
flows_n 0 --proto udp --sport 40001
echo A >push.req
sleep 1
grep -q '^push A 2$' cli-A.log && fail "client A got a push after its flow was deleted"
log "flows delete: 1 flow deleted, the server's next datagram not translated back"
echo x >send-A.req
wait_line cli-A.log '^pong A$' 3 "client A: no answer after the delete" 2
echo A >push.req
wait_line cli-A.log '^push A 3$' 3 "client A: no push once the flow was made anew"
flows_n 1 --proto udp --sport 40001
python3 -c '
import json
f = json.load(open("flows.sub.out"))["flows"][0]
assert f["age_s"] <= 2 and f["packets"]["orig"] <= 2, f
' || fail "the flow made anew is not new: $(head -c 600 flows.sub.out)"
log "the next datagram made the flow anew: $(head -c 300 flows.sub.out)"
out=$(algctl flows delete --proto udp --dport 5354 2>&1) && [ "$(printf '%s\n' "$out" | tail -n 1)" = "1 flow deleted" ] ||
	fail "flows delete (text): $out"
out=$(algctl flows delete --proto udp --dport 5999 2>&1) && [ "$out" = "0 flows deleted" ] ||
	fail "flows delete matching nothing: $out"

# the filtered events: new UDP flows only (client A's, made anew), and in
# text only TCP flow events (none was made meanwhile)
sleep 0.3
kill -INT "$EV_J" "$EV_T"
wait "$EV_J" || fail "events -j: exit $?"
wait "$EV_T" || fail "events: exit $?"
DOC_CMD="algctl events -j --type flow-new --proto udp" keep_doc events ev.json lines
python3 - "$CLIENT4" ev.json <<-'EOF' || fail "events --type flow-new --proto udp: $(head -c 800 ev.json)"
	import json, sys
	evs = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
	assert evs, "no event"
	assert all(e["event"] == "flow-new" and e["proto"] == "udp" for e in evs), evs
	assert any(e["src"] == {"addr": sys.argv[1], "port": 40001} for e in evs), evs
EOF
[ ! -s ev.txt ] || ! grep -v '\[flow-[a-z]*\] .* proto=tcp ' ev.txt | grep -q . ||
	fail "events --type flow --proto tcp printed other events: $(head -c 400 ev.txt)"
log "events --type flow-new --proto udp: $(wc -l <ev.json) lines, all new UDP flows"

# pinholes: a TFTP request nobody answers leaves one; delete it
cx timeout 5 python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 46969))
s.sendto(b"\0\1nothing.bin\0octet\0", (sys.argv[1], 69))
' "$SERVER4" || fail "sending an RRQ to $SERVER4:69"
jcheck pinholes pinholes
port=$(python3 -c '
import json, sys
ph = [p for p in json.load(open("pinholes.out"))["pinholes"]
      if p["alg"] == "tftp" and p["inside"] == {"addr": sys.argv[1], "port": 46969}]
assert len(ph) == 1 and ph[0]["remote"] == {"addr": sys.argv[2], "port": 0}, ph
assert ph[0]["owner"]["dst"] == {"addr": sys.argv[2], "port": 69}, ph
print(ph[0]["public_port"])
' "$CLIENT4" "$SERVER4") || fail "no tftp pinhole: $(head -c 600 pinholes.out)"
jcheck pinholes.del pinholes delete udp "$port" "$SERVER4"
[ "$(cat pinholes.del.out)" = '{"deleted":1}' ] || fail "pinholes delete: $(cat pinholes.del.out)"
jcheck pinholes pinholes
python3 -c '
import json, sys
assert not [p for p in json.load(open("pinholes.out"))["pinholes"] if p["public_port"] == int(sys.argv[1])]
' "$port" || fail "the pinhole is still listed: $(head -c 600 pinholes.out)"
log "pinholes delete udp $port $SERVER4: deleted"

# -j errors: one JSON object on stdout and nothing else, exit 2 or 1
jerr() {
	local want=$1 rc r
	shift
	algctl "$@" >err.out 2>err.err
	rc=$?
	[ $rc -eq "$want" ] || fail "algctl $*: exit $rc, expected $want ($(head -c 300 err.err))"
	[ "$(wc -l <err.out)" -eq 1 ] && [ "$(wc -l <err.err)" -eq 1 ] ||
		fail "algctl $*: not one line on stdout and one on stderr: $(head -c 300 err.out) / $(head -c 300 err.err)"
	grep -q '^{"error":"[^"]' err.out || fail "algctl $*: $(cat err.out)"
	DOC_CMD="algctl $*" keep_doc error err.out
}
jerr 2 -j flows --sport 0
jerr 2 flows -j delete
jerr 2 -j flows --src 10.0.0.0/33 --src 10.0.0.0/8
jerr 1 pinholes delete udp "$port" -j
jerr 2 events --type nothing -j
log "-j errors: one {\"error\"} object each"
algctl flows --help >help.out 2>&1 || fail "algctl flows --help: exit $?"
head -n 1 help.out | grep -q "^Usage: algctl \[GLOBAL OPTIONS\] flows " && grep -q -- "--state STATE" help.out &&
	! grep -q "^Commands:" help.out || fail "algctl flows --help: $(head -c 300 help.out)"
algctl -h pinholes >help.out 2>&1 && head -n 1 help.out | grep -q "pinholes" || fail "algctl -h pinholes: $(head -c 300 help.out)"

# the other commands' -j against their schemas
jcheck stats stats
jcheck status status
jcheck calls calls
jcheck alg alg
jcheck alg.set alg tftp on
jcheck forward.add forward add udp 7000 "$CLIENT4:7000"
jcheck forward forward
python3 -c '
import json, sys
assert {"proto": "udp", "public_port": 7000, "inside": {"addr": sys.argv[1], "port": 7000},
        "source": "manual"} in json.load(open("forward.out"))["forwards"]' "$CLIENT4" ||
	fail "forward -j: $(head -c 400 forward.out)"
jcheck forward.del forward del udp 7000 "$CLIENT4:7000"
jcheck config config show
log "stats, status, calls, alg, forward, config show: -j written (their schemas: at the end)"

# flush: every flow
before=$(algctl flows -c)
jcheck flows.flush flows flush
n=$(python3 -c 'import json; print(json.load(open("flows.flush.out"))["deleted"])')
# (a flow may expire in between)
[ "$n" -ge 4 ] && [ "$n" -ge $((before - 1)) ] || fail "flows flush deleted $n flows, $before were listed"
jcheck flows.count flows -c
left=$(python3 -c 'import json; print(json.load(open("flows.count.out"))["count"])')
[ "$left" -le 1 ] || fail "after flows flush: $left flows: $(algctl flows 2>&1 | head -c 600)"
log "flows flush: $n flows deleted, $left left"

r=$(SCHEMA_QUICK=0 python3 "$SCHEMA_DIR/check.py" --batch schema.list 2>&1) ||
	fail "-j output not as its schema says: $r (written by: $(tr '\n' ';' <docs.txt))"
log "$NDOC -j documents match their schemas (and flowsel.py checked $((FLOWSEL * 2)) flows -j)"
exit 0
