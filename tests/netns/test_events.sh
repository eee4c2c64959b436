#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The live event stream during one active FTP download (curl PORT).
# kernel (the reference, `conntrack -E` and `conntrack -E expect` in the
# gateway): the control connection's flow is created and destroyed, the
# helper's expectation is created and destroyed (used by the data
# connection), the data connection's flow is created.
# bpfalg: `algctl events -j` and `algctl events` (text) subscribed at the
# same time show the same story: flow-new of the control connection (with
# its public address), pinhole-open, the rewrite with its before and after
# text ("PORT 10,0,1,2,..." -> "PORT 192,0,2,1,..." naming the pinhole's
# port), pinhole-used, flow-new of the data connection from the pinhole,
# flow-end of the control connection once expired (--timeout-tcp-fin 2);
# then a command policy refusal (STOR denied).  The daemon's stop ends the
# stream with a one-line error; without a daemon algctl events says so in
# one line, exit 1.
# gateways: kernel bpfalg
. "$(dirname "$0")/lib.sh"
test_init
require_cmds curl lftp conntrack
[ "$GW_KIND" = bpfalg ] && GW_UP_ARGS="$GW_UP_ARGS --timeout-tcp-fin 2"
topo_setup3
gw_setup
wait_reachable
ftp_file ev.bin 128K
ftp_server_start sx "$SERVER4"
PUB_C=${GW_OUT4//./,}

# wait_for FILE PATTERN SECONDS WHAT
wait_for() {
	local i
	for i in $(seq $(($3 * 10))); do
		grep -qE "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	fail "$4 within $3 s: $(tail -n 5 "$1" 2>/dev/null | tr '\n' '|' | head -c 600)"
}

if [ "$GW_KIND" = kernel ]; then
	gx sysctl -qw net.netfilter.nf_conntrack_tcp_timeout_time_wait=2 \
		net.netfilter.nf_conntrack_tcp_timeout_fin_wait=2 \
		net.netfilter.nf_conntrack_tcp_timeout_close_wait=2 \
		net.netfilter.nf_conntrack_tcp_timeout_last_ack=2 ||
		fail "conntrack timeouts sysctl"
	gx timeout 40 conntrack -E -p tcp >ct.log 2>ct.err &
	bg_track $!
	gx timeout 40 conntrack -E expect >ctx.log 2>ctx.err &
	bg_track $!
	sleep 0.5
	ftp_fetch cx ev "ftp://$SERVER4/ev.bin" -P - --disable-eprt
	wait_for ct.log "\[NEW\] tcp .*src=$CLIENT4 dst=$SERVER4 sport=[0-9]+ dport=21 " 5 "conntrack -E: no NEW for the control connection"
	wait_for ct.log "\[NEW\] tcp .*src=$SERVER4 dst=$GW_OUT4 sport=20 " 5 "conntrack -E: no NEW for the data connection"
	wait_for ctx.log "\[NEW\] .*proto=6 src=$SERVER4 dst=$GW_OUT4" 5 "conntrack -E expect: no NEW expectation"
	wait_for ctx.log "\[DESTROY\] .*proto=6 src=$SERVER4 dst=$GW_OUT4" 5 "conntrack -E expect: expectation not destroyed (used)"
	# expired entries go when the table is walked (its periodic GC may
	# take a minute in a quiet namespace): a dump evicts them
	for i in $(seq 15); do
		grep -qE "\[DESTROY\] tcp .*src=$CLIENT4 dst=$SERVER4 sport=[0-9]+ dport=21 " ct.log && break
		gx conntrack -L >/dev/null 2>&1
		sleep 1
	done
	wait_for ct.log "\[DESTROY\] tcp .*src=$CLIENT4 dst=$SERVER4 sport=[0-9]+ dport=21 " 1 "conntrack -E: control connection not destroyed"
	log "kernel: conntrack -E saw the flows and the expectation come and go"
	exit 0
fi

# nsenter directly: $! must be algctl itself (signalled below)
nsenter --net="/run/netns/$NS_G" "$ALGCTL" --pin-path "$PIN" events -j >ev.json 2>ev.err &
EV_J=$!
bg_track $EV_J
nsenter --net="/run/netns/$NS_G" "$ALGCTL" --pin-path "$PIN" events >ev.txt 2>evt.err &
EV_T=$!
bg_track $EV_T
wait_for ev.err "^algctl: listening" 5 "algctl events -j did not subscribe"
wait_for evt.err "^algctl: listening" 5 "algctl events did not subscribe"

ftp_fetch cx ev "ftp://$SERVER4/ev.bin" -P - --disable-eprt
wait_for ev.json '"event":"pinhole-used"' 5 "no pinhole-used event"
wait_for ev.json "\"event\":\"flow-end\".*\"dst\":\{\"addr\":\"$SERVER4\",\"port\":21}" 15 "no flow-end of the control connection"

r=$(schema_check events lines <ev.json 2>&1) || fail "algctl events -j: $r"
python3 - "$CLIENT4" "$SERVER4" "$GW_OUT4" ev.json <<-'EOF' || fail "algctl events -j: $(tr '\n' '|' <ev.json | head -c 1500)"
	import json, re, sys
	client, server, public, path = sys.argv[1:]
	evs = []
	for n, line in enumerate(open(path), 1):
	    try:
	        evs.append(json.loads(line))
	    except ValueError:
	        sys.exit("line %d is not JSON: %r" % (n, line))
	# endpoints are {"addr", "port"} (tests/schema/events.json checked
	# them): compared here as the text line shows them
	for e in evs:
	    for k in ("src", "dst", "public", "inside", "remote"):
	        if isinstance(e.get(k), dict):
	            e[k] = "%s:%s" % (e[k]["addr"], e[k]["port"] or "*")
	    if isinstance(e.get("flags"), list):
	        e["flags"] = ",".join(e["flags"])
	def first(kind, **want):
	    for e in evs:
	        if e["event"] == kind and all(
	                (v(e.get(k)) if callable(v) else e.get(k) == v) for k, v in want.items()):
	            return e
	    sys.exit("no %s event with %r" % (kind, want))
	for e in evs:
	    assert isinstance(e["ts"], float) and e["ts"] > 1e9, e
	ctl = first("flow-new", proto="tcp", dst=server + ":21",
	            src=lambda s: s and s.startswith(client + ":"),
	            public=lambda s: s and s.startswith(public + ":"), nat="snat")
	ph = first("pinhole-open", proto="tcp", alg="ftp",
	           tag=lambda t: t and re.fullmatch(r"ftp#\d+", t))
	tag, port = ph["tag"], ph["public_port"]
	assert ph["session"] == int(tag.split("#")[1]), ph
	assert ph["remote"].startswith(server + ":"), ph
	assert ph["inside"].startswith(client + ":"), ph
	assert 1 <= ph["timeout_s"] <= 60, ph
	rw = first("rewrite", tag=tag)
	pc, pp = client.replace(".", ","), public.replace(".", ",")
	assert rw["before"].startswith("PORT %s," % pc), rw
	assert rw["after"] == "PORT %s,%d,%d" % (pp, port >> 8, port & 255), (rw, port)
	first("pinhole-used", tag=tag, public_port=port)
	data = first("flow-new", proto="tcp", src=server + ":20",
	             dst="%s:%d" % (public, port), nat="dnat",
	             flags=lambda f: f and "pinhole" in f.split(","))
	end = first("flow-end", proto="tcp", dst=server + ":21", reason="expired",
	            src=ctl["src"])
	assert end["packets"] > 0, end
	order = [evs.index(e) for e in (ctl, ph, rw, data, end)]
	assert order == sorted(order), ("out of order", order)
	print("# events: %d, %s pinhole %d, %s -> %s" % (len(evs), tag, port, rw["before"], rw["after"]))
EOF
grep -qE "^[0-9:.]{15} \[rewrite\] +ftp#[0-9]+ +before=\"PORT ${CLIENT4//./,},[0-9,]+\" after=\"PORT $PUB_C,[0-9,]+\"$" ev.txt ||
	fail "text stream has no aligned rewrite line: $(grep rewrite ev.txt | head -c 300)"
grep -qE "^[0-9:.]{15} \[flow-new\] +- +proto=tcp src=$CLIENT4:[0-9]+ dst=$SERVER4:21 " ev.txt ||
	fail "text stream has no flow-new line of the control connection: $(grep flow-new ev.txt | head -c 300)"
log "text: $(grep -m1 '\[rewrite\]' ev.txt)"

# a command policy refusal
algctl alg ftp on --deny STOR >alg.out 2>&1 || fail "algctl alg ftp on --deny STOR: $(head -c 200 alg.out)"
sleep 1.2 # the daemon re-reads the policy once a second
head -c 1000 /dev/urandom >up.bin
cx timeout 20 lftp -e "set net:max-retries 1; set net:timeout 5; set cmd:fail-exit no; put up.bin; quit" \
	"ftp://anonymous:x@$SERVER4" >put.out 2>&1
wait_for ev.json '"event":"policy-refused".*"line":"STOR up.bin"' 5 "no policy-refused event for STOR"
log "policy: $(grep -m1 'policy-refused' ev.json)"

# the subscriber that leaves is forgotten; the daemon's stop ends the rest
kill -INT "$EV_T"
wait "$EV_T" || fail "algctl events (text) exit $? after SIGINT, expected 0"
daemon_stop || fail "the daemon did not stop"
for i in $(seq 30); do kill -0 "$EV_J" 2>/dev/null || break; sleep 0.1; done
kill -0 "$EV_J" 2>/dev/null && fail "algctl events still runs after the daemon stopped"
wait "$EV_J"
rc=$?
[ $rc -eq 1 ] || fail "algctl events after the daemon stopped: exit $rc, expected 1"
grep -q "^algctl: the controller stopped" ev.err || fail "no one-line reason at the end: $(tail -c 300 ev.err)"
out=$(algctl events 2>&1 >/dev/null)
rc=$?
[ $rc -eq 1 ] && [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] && printf '%s' "$out" | grep -q "no controller running" ||
	fail "algctl events without a daemon: exit $rc, '$out'"
log "no daemon: $out"
exit 0
