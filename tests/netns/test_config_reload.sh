#!/bin/bash
# Configuration that survives (issue 15 item 3): port-forwards in the
# configuration file, a reboot, a live reload, a broken file.
# Inside services on 10.0.1.2: tcp/80 answers "web80 <peer>", tcp/81
# "web81 <peer>", udp/5004 echoes; every check is a real connection from
# the server namespace to the public address under `timeout`.
#  - bpfalg: `daemon --config F` (F: forward = tcp 8080 10.0.1.2:80 and
#    udp 5000 10.0.1.2:5004, [ftp] mode = on; flag --pinhole-timeout 40):
#    both forwards serve, `forward -j` says source config, `config show`
#    prints them as forward lines.  A forward added by hand (tcp 9090).
#  - Reboot simulation: daemon stopped, `algctl down` (no pin left),
#    `daemon --config F` again (sent a SIGHUP while it loads: it survives
#    and reloads once running, nothing changed): both file forwards serve
#    again (the hand one, which lived only in the pins, is gone).
#  - SIGHUP with a changed file (tcp 8080 now to :81, tcp 8081 added, udp
#    5000 removed, ftp observe, timeout-udp 45, sip deny MESSAGE,
#    pinhole-timeout 20, flows 16384): each change logged as it was
#    applied, 8080 answers web81, 8081 web80, 5000 nothing, the hand-added
#    9090 still serves; alg/config show say observe, 45, MESSAGE; the flag
#    keeps pinhole-timeout at 40; flows needs a restart (logged) and stays.
#  - SIGHUP with a broken file (a bad port on line 6, other changes beside
#    it): one warning naming FILE:6 and the reason, nothing changed: the
#    old forwards still serve, ftp still observe, the controller runs.
#  - `up --config` over the running pins with a file without tcp 8081:
#    8081 no longer forwarded, the hand-added 9090 kept.
#  - Kernel reference: the same forwards as an nftables file loaded with
#    `nft -f` (one transaction): boot, reload with the changed file, a
#    broken file refused with nothing changed; the ALG modes, timeouts and
#    the daemon's log are bpfalg's alone (skipped there, logged).
# gateways: kernel bpfalg
. "$(dirname "$0")/lib.sh"
test_init
topo_setup3

# Inside services: one python process, three sockets.
cx timeout 120 python3 -c '
import selectors, socket, threading
sel = selectors.DefaultSelector()
def tcp(port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("10.0.1.2", port))
    s.listen(16)
    sel.register(s, selectors.EVENT_READ, ("tcp", port))
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("10.0.1.2", 5004))
sel.register(u, selectors.EVENT_READ, ("udp", 5004))
tcp(80)
tcp(81)
while True:
    for key, _ in sel.select():
        kind, port = key.data
        if kind == "udp":
            data, peer = key.fileobj.recvfrom(2048)
            key.fileobj.sendto(b"echo " + data, peer)
        else:
            c, peer = key.fileobj.accept()
            c.sendall(("web%d %s\n" % (port, peer[0])).encode())
            c.close()
' 2>svc.err &
bg_track $!
wait_listen cx 80
wait_listen cx 81
wait_listen cx 5004 udp

# expect_tcp PORT WANT: a connection to the public address PORT answers
# "WANT <server address>" (the inside saw the real remote address).
expect_tcp() {
	local got
	got=$(sx timeout 8 socat -T 4 -u TCP4:"$GW_OUT4":"$1",connect-timeout=3 - 2>tcp$1.err) ||
		fail "$2: connection to $GW_OUT4:$1 failed: $(head -c 200 tcp$1.err)"
	[ "$got" = "$2 $SERVER4" ] ||
		fail "connection to $GW_OUT4:$1 answered '$got', expected '$2 $SERVER4'"
	log "tcp $1: $got"
}

# expect_no_tcp PORT WHY: nothing inside answers on PORT.
expect_no_tcp() {
	local got
	got=$(sx timeout 5 socat -T 2 -u TCP4:"$GW_OUT4":"$1",connect-timeout=2 - 2>/dev/null)
	[ -z "$got" ] || fail "$2: $GW_OUT4:$1 still answered '$got'"
	log "tcp $1: not forwarded ($2)"
}

expect_udp() {
	local got
	got=$(udp_req sx "$GW_OUT4" 5000 ping) || fail "udp 5000: no answer through the forward"
	[ "$got" = "echo ping" ] || fail "udp 5000: answer '$got', expected 'echo ping'"
	log "udp 5000: $got"
}

expect_no_udp() {
	local got
	if got=$(udp_req sx "$GW_OUT4" 5000 ping 2>/dev/null); then
		fail "$1: udp 5000 still answered '$got'"
	fi
	log "udp 5000: not forwarded ($1)"
}

if [ "$GW_KIND" = kernel ]; then
	gw_setup
	wait_reachable
	# nft_file FILE RULE...: the forwards as one nftables file, replacing
	# the table it had (one transaction, as `nft -f` runs it).
	nft_file() {
		local f=$1 r
		shift
		{
			printf 'table ip fwdconf\ndelete table ip fwdconf\n'
			printf 'table ip fwdconf {\n\tchain pre_fwd {\n'
			printf '\t\ttype nat hook prerouting priority dstnat; policy accept;\n'
			for r in "$@"; do printf '\t\tiifname "gout" %s\n' "$r"; done
			printf '\t}\n}\n'
		} >"$f"
	}
	nft_file fwd1.nft "tcp dport 8080 dnat to 10.0.1.2:80" "udp dport 5000 dnat to 10.0.1.2:5004"
	gx nft -f fwd1.nft || fail "nft -f fwd1.nft"
	expect_tcp 8080 web80
	expect_udp
	# a forward added by hand, outside the file's table
	gw_forward_add tcp 9090 "$CLIENT4" 81
	expect_tcp 9090 web81
	# reboot: the state gone, the file loaded at boot
	gx nft delete table ip fwdconf || fail "nft delete table"
	expect_no_tcp 8080 "table deleted"
	gx nft -f fwd1.nft || fail "nft -f fwd1.nft after the reboot"
	expect_tcp 8080 web80
	expect_udp
	# reload with the changed file
	nft_file fwd2.nft "tcp dport 8080 dnat to 10.0.1.2:81" "tcp dport 8081 dnat to 10.0.1.2:80"
	gx nft -f fwd2.nft || fail "nft -f fwd2.nft"
	expect_tcp 8080 web81
	expect_tcp 8081 web80
	expect_no_udp "removed from the file"
	expect_tcp 9090 web81
	# a broken file: refused whole, nothing changed
	nft_file bad.nft "tcp dport 8080 dnat to 10.0.1.2:80" "tcp dport 70000 dnat to 10.0.1.2:80"
	if gx nft -f bad.nft 2>bad.err; then
		fail "nft accepted a port 70000"
	fi
	log "nft -f bad.nft refused: $(head -n1 bad.err)"
	expect_tcp 8080 web81
	expect_tcp 8081 web80
	log "kernel reference: ALG modes, timeouts and the reload log are bpfalg's (not checked here)"
	exit 0
fi

_ensure_bpffs
_attach_xdp_peers
XF=${XDP_FAST:-auto}

# config_daemon FILE [FLAGS...]: the controller from FILE (it brings the
# datapath up when nothing is), once `algctl status` is OK.  EARLY_HUP=1:
# a SIGHUP 0.3 s after the start, while the programs load (what a
# `systemctl reload` right after `start` does): it must not end the daemon.
config_daemon() {
	local f=$1 i
	shift
	nsenter --net="/run/netns/$NS_G" "$ALGCTL" daemon --config "$f" "$@" \
		--pin-path "$PIN" >>"$TMPD/daemon.log" 2>&1 &
	DAEMON_PID=$!
	if [ -n "${EARLY_HUP:-}" ]; then
		sleep 0.3
		kill -HUP "$DAEMON_PID"
	fi
	for i in $(seq 150); do
		algctl status >/dev/null 2>&1 && return 0
		kill -0 "$DAEMON_PID" 2>/dev/null ||
			fail "algctl daemon --config $f exited: $(tail -n3 "$TMPD/daemon.log" | tr '\n' ' ')"
		sleep 0.1
	done
	fail "algctl status not OK within 15 s of daemon --config $f: $(tail -n3 "$TMPD/daemon.log" | tr '\n' ' ')"
}

# hup PATTERN: SIGHUP the daemon, wait for one more log line with PATTERN;
# HUP_FROM: the log's line count before the signal.
hup() {
	local before i
	before=$(grep -c -F -- "$1" daemon.log)
	HUP_FROM=$(wc -l <daemon.log)
	kill -HUP "$DAEMON_PID" || fail "kill -HUP $DAEMON_PID"
	for i in $(seq 50); do
		[ "$(grep -c -F -- "$1" daemon.log)" -gt "$before" ] && return 0
		sleep 0.1
	done
	fail "no '$1' in the daemon's log within 5 s of SIGHUP: $(tail -n 6 daemon.log | tr '\n' '|')"
}

# logged LINE: the daemon's log has exactly this line.
logged() {
	grep -q -x -F -- "$1" daemon.log ||
		fail "the daemon did not log '$1': $(tail -n 12 daemon.log | tr '\n' '|')"
}

# forwards_are "tcp 8080 10.0.1.2:80 config" ...: `algctl forward -j`, exactly.
forwards_are() {
	algctl forward -j >fwd.json 2>&1 || fail "algctl forward -j: $(head -c 200 fwd.json)"
	python3 -c '
import json, sys
got = sorted("%s %d %s:%d %s" % (f["proto"], f["public_port"], f["inside"]["addr"],
                                  f["inside"]["port"], f["source"])
             for f in json.load(open("fwd.json"))["forwards"])
want = sorted(sys.argv[1:])
sys.exit(0 if got == want else "forward -j: %s, expected %s" % (got, want))' "$@" ||
		fail "forwards differ: $(head -c 400 fwd.json)"
	log "forwards: $*"
}

# show_has LINE...: `algctl config show` has each line.
show_has() {
	algctl config show >show.out 2>&1 || fail "algctl config show: $(head -c 200 show.out)"
	local l
	for l in "$@"; do
		grep -q -x -F -- "$l" show.out ||
			fail "config show lacks '$l': $(grep -v '^#' show.out | tr '\n' '|' | head -c 900)"
	done
}

cat >gw.conf <<-EOF
	# written by test_config_reload.sh
	inside = gin
	outside = gout
	masquerade = yes
	xdp-fast = $XF
	flows = 8192
	forward = tcp 8080 $CLIENT4:80   # web
	forward = udp 5000 $CLIENT4:5004

	[ftp]
	mode = on
EOF
_GW_UP=1 # from here on teardown runs down and checks for leftovers
config_daemon "$TMPD/gw.conf" --pinhole-timeout 40
_record_bpf_ids
wait_reachable
expect_tcp 8080 web80
expect_udp
forwards_are "tcp 8080 $CLIENT4:80 config" "udp 5000 $CLIENT4:5004 config"
show_has "forward = tcp 8080 $CLIENT4:80" "forward = udp 5000 $CLIENT4:5004" "pinhole-timeout = 40"
logged "[daemon] forward add tcp 8080 $CLIENT4:80 ($TMPD/gw.conf)"
gw_forward_add tcp 9090 "$CLIENT4" 81
expect_tcp 9090 web81
forwards_are "tcp 8080 $CLIENT4:80 config" "udp 5000 $CLIENT4:5004 config" "tcp 9090 $CLIENT4:81 manual"

# Reboot simulation: everything pinned is gone, the daemon starts from
# the file alone.
daemon_stop TERM || fail "daemon ignored SIGTERM"
algctl down >down.out 2>&1 || fail "algctl down: $(head -c 300 down.out)"
_GW_UP=""
left=$(gw_leftovers)
[ -z "$left" ] || fail "after algctl down:$left"
[ ! -e "$PIN" ] || fail "pins left after algctl down"
expect_no_tcp 8080 "gateway down"
_GW_UP=1
EARLY_HUP=1 config_daemon "$TMPD/gw.conf" --pinhole-timeout 40
_record_bpf_ids
for i in $(seq 30); do
	[ "$(grep -c -F "reload of $TMPD/gw.conf: nothing changed" daemon.log)" -ge 1 ] && break
	sleep 0.1
done
logged "[daemon] reload of $TMPD/gw.conf: nothing changed"
log "a SIGHUP while the programs loaded: held, then a reload that changed nothing"
expect_tcp 8080 web80
expect_udp
forwards_are "tcp 8080 $CLIENT4:80 config" "udp 5000 $CLIENT4:5004 config"
log "reboot simulation: the file's forwards are back"
gw_forward_add tcp 9090 "$CLIENT4" 81
expect_tcp 9090 web81

# SIGHUP with a changed file: applied live.
cat >gw.conf <<-EOF
	# written by test_config_reload.sh, changed
	inside = gin
	outside = gout
	masquerade = yes
	xdp-fast = $XF
	flows = 16384
	timeout-udp = 45
	pinhole-timeout = 20
	forward = tcp 8080 $CLIENT4:81
	forward = tcp 8081 $CLIENT4:80

	[ftp]
	mode = observe

	[sip]
	deny = MESSAGE
EOF
hup "[daemon] reload of $TMPD/gw.conf: "
for l in "[daemon] reload: timeout-udp 30 -> 45" \
	"[daemon] reload: ftp mode on -> observe" \
	"[daemon] reload: sip deny none -> MESSAGE" \
	"[daemon] reload: flows 8192 -> 16384 needs a restart (keeping 8192)" \
	"[daemon] reload: forward del udp 5000 $CLIENT4:5004" \
	"[daemon] reload: forward tcp 8080 $CLIENT4:80 -> $CLIENT4:81" \
	"[daemon] reload: forward add tcp 8081 $CLIENT4:80" \
	"[daemon] reload of $TMPD/gw.conf: 6 applied, 1 need a restart"; do
	logged "$l"
done
grep -q "reload: pinhole-timeout" daemon.log &&
	fail "the reload changed pinhole-timeout, which the daemon's flag gives: $(grep pinhole-timeout daemon.log)"
log "SIGHUP: each change logged, pinhole-timeout left to the flag"
expect_tcp 8080 web81
expect_tcp 8081 web80
expect_no_udp "removed from the file"
expect_tcp 9090 web81
forwards_are "tcp 8080 $CLIENT4:81 config" "tcp 8081 $CLIENT4:80 config" "tcp 9090 $CLIENT4:81 manual"
show_has "timeout-udp = 45" "pinhole-timeout = 40" "flows = 8192" "deny = MESSAGE" \
	"forward = tcp 8080 $CLIENT4:81" "forward = tcp 8081 $CLIENT4:80" "forward = tcp 9090 $CLIENT4:81"
algctl status -j | python3 -c '
import json, sys
d = json.load(sys.stdin)
sys.exit(0 if d["algs"]["ftp"] == "observe" and d["flows"]["max"] == 8192 else "status -j: %s" % json.dumps(d)[:300])' ||
	fail "after SIGHUP: ftp not observe or the table resized"
algctl alg -j | python3 -c '
import json, sys
a = {x["alg"]: x for x in json.load(sys.stdin)["algs"]}
sys.exit(0 if a["sip"]["deny"] == ["MESSAGE"] and a["ftp"]["mode"] == "observe" else "alg -j: %r" % a)' ||
	fail "after SIGHUP: algctl alg -j does not show the new ALG settings"

# SIGHUP with a broken file: nothing changes.
cat >bad.conf <<-EOF
	inside = gin
	outside = gout
	masquerade = yes
	xdp-fast = $XF
	flows = 8192
	forward = tcp 8080 $CLIENT4:70000
	[ftp]
	mode = on
EOF
cp bad.conf gw.conf
hup "nothing changed"
logged "[daemon] reload: $TMPD/gw.conf:6: key 'forward': invalid inside address '$CLIENT4:70000' (IPV4:PORT): nothing changed"
n=$(tail -n +$((HUP_FROM + 1)) daemon.log | grep -c -F "reload")
[ "$n" -eq 1 ] ||
	fail "$n reload lines for the broken file, expected one: $(tail -n +$((HUP_FROM + 1)) daemon.log | tr '\n' '|')"
kill -0 "$DAEMON_PID" 2>/dev/null || fail "the daemon exited on a broken file"
algctl status >/dev/null 2>&1 || fail "algctl status not OK after the broken file"
expect_tcp 8080 web81
expect_tcp 8081 web80
expect_tcp 9090 web81
algctl status -j | python3 -c '
import json, sys
sys.exit(0 if json.load(sys.stdin)["algs"]["ftp"] == "observe" else 1)' ||
	fail "the broken file changed the ftp mode"
show_has "timeout-udp = 45" "flows = 8192"
log "broken file: one warning, nothing changed"

# `up --config` over the running pins: the file's forward it no longer
# gives goes, the hand-added one stays.
cat >gw3.conf <<-EOF
	inside = gin
	outside = gout
	masquerade = yes
	xdp-fast = $XF
	flows = 8192
	timeout-udp = 45
	forward = tcp 8080 $CLIENT4:81
	[ftp]
	mode = observe
EOF
algctl up --config "$TMPD/gw3.conf" >up3.out 2>&1 || fail "up --config gw3.conf: $(head -c 300 up3.out)"
expect_no_tcp 8081 "gone from the file given to up"
expect_tcp 8080 web81
expect_tcp 9090 web81
forwards_are "tcp 8080 $CLIENT4:81 config" "tcp 9090 $CLIENT4:81 manual"
exit 0
