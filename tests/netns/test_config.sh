#!/bin/bash
# The configuration file and `algctl config show` (bpfalg only).
#  - A bad file (`up` and `daemon`): exit 2, exactly one line
#    "FILE:LINE: key 'x': reason" (also as {"error"} with -j), nothing
#    attached (`algctl status` not OK, no pin directory); an unreadable
#    file likewise.
#  - `daemon --config F` (which brings the datapath up): it runs what F
#    says (status/alg -j), and `config show` prints exactly F's values in
#    the file format, every option written out.
#  - Live: `algctl alg ftp on --ports 21,2121 --deny STOR` shows in
#    `config show` (and -j); bad live values are usage errors.
#  - The daemon restarted with a file that does not mention the FTP ports
#    or deny list keeps the live ones; `up --config F` (which gives them)
#    puts F's back.
#  - Round trip: `config show` saved, `algctl down` (nothing left behind,
#    the settings pin included), `up --config saved` on the fresh datapath:
#    the same `config show`.
# gateways: kernel bpfalg
# slow: 30 s or more; started first
. "$(dirname "$0")/lib.sh"
test_init
[ "$GW_KIND" = bpfalg ] || skip "the configuration file and config show are bpfalg features (the kernel reference is set up by nft rules)"
topo_setup3
_ensure_bpffs
_attach_xdp_peers
XF=${XDP_FAST:-auto}

# body: a config show output without its header (comments, blank line).
body() { sed '/^#/d' | sed '1{/^$/d}'; }
show_body() { algctl config show | body; }

# expect_usage_line LABEL WANT CMD...: exit 2 and stderr exactly WANT.
expect_usage_line() {
	local label=$1 want=$2 rc=0
	shift 2
	"$@" >"$label.out" 2>"$label.err" || rc=$?
	[ $rc -eq 2 ] || fail "$label: exit $rc, expected 2 (usage): $(head -c 300 "$label.err")"
	[ "$(wc -l <"$label.err")" -eq 1 ] ||
		fail "$label: expected one line on stderr, got: $(head -c 400 "$label.err")"
	[ "$(cat "$label.err")" = "$want" ] ||
		fail "$label: stderr '$(cat "$label.err")', expected '$want'"
	log "$label: exit 2, '$want'"
}

# nothing_attached LABEL: no pins, status not OK, no program on the veths.
nothing_attached() {
	local rc=0
	algctl status >"$1.status" 2>&1 || rc=$?
	[ $rc -ne 0 ] || fail "$1: algctl status exit 0 after a refused configuration"
	grep -q "not running" "$1.status" ||
		fail "$1: algctl status does not say bpfalg is not running: $(head -c 300 "$1.status")"
	[ ! -e "$PIN" ] || fail "$1: pin path $PIN exists after a refused configuration"
	local left
	left=$(gw_leftovers)
	[ -z "$left" ] || fail "$1: $left"
}

cat >bad.conf <<-EOF
	# bpfalg test gateway
	inside = gin
	outside = gout
	masquerade = yes

	[ftp]
	flows = 12x
EOF
expect_usage_line bad-up "algctl: $TMPD/bad.conf:7: key 'flows': not a setting of [ftp] (mode, ports, deny)" \
	algctl up --config "$TMPD/bad.conf"
nothing_attached bad-up
printf 'inside = gin\noutside = gout\nmasquerade = yes\nflows = 12x\n' >bad2.conf
expect_usage_line bad-daemon "algctl: $TMPD/bad2.conf:4: key 'flows': '12x' is not a number in 1024..16777216" \
	gx timeout 10 "$ALGCTL" --pin-path "$PIN" daemon --config "$TMPD/bad2.conf"
nothing_attached bad-daemon
expect_usage_line missing-file "algctl: $TMPD/none.conf: cannot read: No such file or directory" \
	algctl up --config "$TMPD/none.conf"
nothing_attached missing-file
# -j: the same line as {"error": ...} on stdout
rc=0
algctl -j up --config "$TMPD/bad2.conf" >badj.out 2>/dev/null || rc=$?
[ $rc -eq 2 ] || fail "up -j with a bad file: exit $rc, expected 2"
python3 -c '
import json, sys
d = json.load(open("badj.out"))
want = sys.argv[1]
sys.exit(0 if d == {"error": want} else "got %r, want {\"error\": %r}" % (d, want))
' "$TMPD/bad2.conf:4: key 'flows': '12x' is not a number in 1024..16777216" ||
	fail "up -j with a bad file: $(head -c 300 badj.out)"
rc=0
algctl config show >noup.out 2>&1 || rc=$?
[ $rc -eq 1 ] && grep -q "not running" noup.out ||
	fail "config show with nothing up: exit $rc, $(head -c 200 noup.out) (expected exit 1, not running)"

cat >gw.conf <<-EOF
	# bpfalg test gateway, written by test_config.sh
	inside = gin
	outside = gout
	masquerade = yes
	xdp-fast = $XF
	flows = 8192
	timeout-udp = 45
	pinhole-timeout = 30   # seconds

	[ftp]
	mode = on
	ports = 21
	deny = site

	[sip]
	deny = MESSAGE, SUBSCRIBE
	invite-from = 192.0.2.0/24

	[tftp]
	mode = observe
EOF
# config_daemon FILE [FLAGS...]: the controller from FILE, like daemon_start.
config_daemon() {
	local f=$1 i
	shift
	nsenter --net="/run/netns/$NS_G" "$ALGCTL" daemon --config "$f" "$@" \
		--pin-path "$PIN" >>"$TMPD/daemon.log" 2>&1 &
	DAEMON_PID=$!
	# the daemon loads the programs again first (the verifier takes
	# seconds on a busy machine)
	for i in $(seq 150); do
		algctl status >/dev/null 2>&1 && return 0
		kill -0 "$DAEMON_PID" 2>/dev/null ||
			fail "algctl daemon --config $f exited: $(tail -n3 "$TMPD/daemon.log" | tr '\n' ' ')"
		sleep 0.1
	done
	fail "algctl status not OK within 15 s of daemon --config $f: $(tail -n3 "$TMPD/daemon.log" | tr '\n' ' ')"
}
# `daemon --config` alone brings the datapath up (`up --config` is the
# round trip's, below: one program load less)
_GW_UP=1 # from here on teardown runs down and checks for leftovers
config_daemon "$TMPD/gw.conf"
_record_bpf_ids
wait_reachable

# expected_show FTP-PORTS FTP-DENY UDP PINHOLE: config show's body.
expected_show() {
	cat <<-EOF
		inside = gin
		outside = gout
		masquerade = yes
		xdp-mode = native
		xdp-fast = $XF
		tc-fast = auto
		tc-mode = auto
		flows = 8192
		max-flows-per-host = 2048
		port-range = 1024-65535
		reinject-mark = 0x0a1e0001/0xffffffff
		fail-policy = drop
		fail-open-after = 60
		timeout-tcp-syn = 120
		timeout-tcp-established = 432000
		timeout-tcp-fin = 120
		timeout-tcp-close = 10
		timeout-udp = $3
		timeout-udp-stream = 120
		timeout-icmp = 30
		pinhole-timeout = $4
		pinholes-per-flow = 8
		ftp-pinholes = 1
		max-sessions = 8192
		sessions-per-source = 256
		session-idle = 600
		min-data-port = 1024
		metrics =
		log-level = info

		[ftp]
		mode = on
		ports = $1
		deny = $2

		[sip]
		mode = on
		ports = 5060
		deny = MESSAGE,SUBSCRIBE
		invite-from = 192.0.2.0/24

		[rtsp]
		mode = on
		ports = 554
		deny =

		[tftp]
		mode = observe
		ports = 69
	EOF
}

# check_show LABEL FTP-PORTS FTP-DENY UDP PINHOLE
check_show() {
	local label=$1
	shift
	show_body >"$label.show" || fail "$label: algctl config show: exit $?"
	expected_show "$@" >"$label.want"
	diff -u "$label.want" "$label.show" >"$label.diff" ||
		fail "$label: config show differs from what is running: $(tr '\n' '|' <"$label.diff" | head -c 900)"
	log "$label: config show as expected (ftp ports $1, deny ${2:-none})"
}

check_show from-file 21 SITE 45 30
# ... and that is what the datapath and the controller run
algctl status -j | python3 -c '
import json, sys
d = json.load(sys.stdin)
sys.exit(0 if d["algs"]["tftp"] == "observe" and d["algs"]["ftp"] == "on"
         and d["flows"]["max"] == 8192 else "status -j: %s" % json.dumps(d)[:400])' ||
	fail "the datapath does not run gw.conf's values"
algctl config show -j | python3 -c '
import json, sys
d = json.load(sys.stdin)
c = d["config"]
ok = (d["config_file"] == sys.argv[1] and c["inside"] == ["gin"] and c["masquerade"] is True
      and c["snat"] is None and c["flows"] == 8192 and c["timeout_udp"] == 45
      and c["ftp"] == {"mode": "on", "ports": [21], "deny": ["SITE"]}
      and c["sip"]["invite_from"] == ["192.0.2.0/24"] and c["tftp"] == {"mode": "observe", "ports": [69]})
sys.exit(0 if ok else "config show -j: %s" % json.dumps(d)[:900])' "$TMPD/gw.conf" ||
	fail "config show -j does not match gw.conf"
log "config show -j matches gw.conf"

# Live changes show in config show.
algctl alg ftp on --ports 21,2121 --deny STOR >live.out 2>&1 ||
	fail "algctl alg ftp on --ports 21,2121 --deny STOR: exit $? ($(head -c 300 live.out))"
grep -q "^ftp: on, ports 21,2121, deny STOR$" live.out ||
	fail "algctl alg ftp ... printed '$(head -c 200 live.out)'"
check_show live 21,2121 STOR 45 30
algctl alg -j | python3 -c '
import json, sys
a = {x["alg"]: x for x in json.load(sys.stdin)["algs"]}
sys.exit(0 if a["ftp"]["deny"] == ["STOR"] and a["ftp"]["ports"] == [21, 2121]
         and a["sip"]["invite_from"] == ["192.0.2.0/24"] else "alg -j: %r" % a)' ||
	fail "algctl alg -j does not show the live ftp settings"
expect_usage_line live-bad-deny "algctl: --deny: bad command name \"ST0R\" (letters, '-' and '_' only) (see algctl help)" \
	algctl alg ftp --deny ST0R
expect_usage_line live-tftp-deny "algctl: --deny: not a setting of tftp (mode, ports) (see algctl help)" \
	algctl alg tftp --deny RRQ
expect_usage_line live-nothing "algctl: nothing to change for ftp: give a mode (off, observe, on) or a setting (mode, ports, deny) (see algctl help)" \
	algctl alg ftp
check_show live-unchanged 21,2121 STOR 45 30

# A daemon restart with a file that gives neither the FTP ports nor its
# deny list keeps the live ones (options it does give, or leaves to their
# defaults, are its own: timeout-udp and pinhole-timeout go back to 30/60).
daemon_stop TERM || fail "daemon ignored SIGTERM"
printf 'inside = gin\noutside = gout\nmasquerade = yes\nxdp-fast = %s\nflows = 8192\n[tftp]\nmode = observe\n' "$XF" >base.conf
config_daemon "$TMPD/base.conf"
check_show restart-keeps-live 21,2121 STOR 30 60
# `up` with the file that gives them is authoritative for them.
algctl up --config "$TMPD/gw.conf" >up2.out 2>&1 || fail "second up --config gw.conf: exit $? ($(head -c 300 up2.out))"
show_body | grep -A3 '^\[ftp\]' | tr '\n' ' ' | grep -q "ports = 21 deny = SITE" ||
	fail "up --config gw.conf did not put gw.conf's ftp ports/deny back: $(show_body | grep -A3 '^\[ftp\]' | tr '\n' ' ')"
log "up --config gw.conf: ftp ports 21, deny SITE again (the file gives them)"
algctl alg ftp --ports 21,2121 --deny STOR,DELE >/dev/null || fail "algctl alg ftp --ports 21,2121 --deny STOR,DELE"

# Round trip: the shown configuration, as a file, on a fresh datapath.
algctl config show >saved.conf || fail "config show > saved.conf"
daemon_stop TERM || fail "daemon ignored SIGTERM"
algctl down >down.out 2>&1 || fail "algctl down: $(head -c 300 down.out)"
_GW_UP=""
left=$(gw_leftovers)
[ -z "$left" ] || fail "after algctl down:$left"
_GW_UP=1
algctl up --config "$TMPD/saved.conf" >up3.out 2>&1 ||
	fail "algctl up --config saved.conf (config show's output): exit $? ($(head -c 300 up3.out))"
_record_bpf_ids
grep -q "^# brought up with --config $TMPD/saved.conf$" <(algctl config show) ||
	fail "config show does not name the file it was brought up with: $(algctl config show | head -n 3 | tr '\n' '|')"
diff -u <(body <saved.conf) <(show_body) >rt.diff ||
	fail "round trip: config show after up --config saved.conf differs: $(tr '\n' '|' <rt.diff | head -c 900)"
# the live deny list, up's timeout-udp, and the running daemon's pinhole
# timeout (an `up` does not change a running controller's options)
grep -q "^deny = STOR,DELE$" saved.conf && grep -q "^timeout-udp = 45$" saved.conf &&
	grep -q "^pinhole-timeout = 60$" saved.conf ||
	fail "saved.conf lacks the running values: $(tr '\n' '|' <saved.conf | head -c 600)"
log "round trip: up --config (config show's output) on a fresh datapath gives the same config show"
cx ping -q -c 2 -i 0.2 -W 1 "$SERVER4" >/dev/null || fail "ping through the gateway brought up from saved.conf"
exit 0
