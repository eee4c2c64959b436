# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# shellcheck shell=bash
#
# SIP peers for the test_sip_*.sh scenarios (sourced after lib.sh): SIPp
# (sip-tester) with the scenarios of tests/netns/sip/, RTP counted from
# tcpdump captures, `algctl calls -j` checked with python asserts.
#
# SIPp exits 0 only when every call of its run succeeded; a scenario's
# <ereg check_it> / check_it_inverse failing, an unexpected message or a
# receive timeout make it exit non-zero and write the reason to its
# *_errors.log (-trace_err), which sip_errors prints.  Every SIPp runs
# with -cid_str so that the Call-ID carries no inside address (its
# default "%u-%p@%s" has the local IP, which the strict scenarios
# would rightly reject).

SIP_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/sip
# lib.sh's counter helpers (ftp_stats_mark, ftp_check_rose, ...) on these
SIP_COUNTERS="sip_punted sip_parsed sip_rewritten sip_pinholes_opened sip_bad_input
sip_refused sip_observed sip_policy_denied sip_already_public"

sip_init() {
	require_cmds sipp
	cp "$SIP_DIR"/*.xml . || fail "SIPp scenarios from $SIP_DIR"
	cp /usr/share/sip-tester/g711a.pcap . || fail "g711a.pcap (sip-tester)"
	# its first 1.8 s (60 packets, 30 ms apart; the whole file lasts 7 s),
	# for scenarios whose media must stop before their next step
	tcpdump -r g711a.pcap -c 60 -w g711a_2s.pcap 2>/dev/null && [ -s g711a_2s.pcap ] ||
		fail "cutting g711a.pcap"
	FTP_COUNTERS=$SIP_COUNTERS
}

# sipp_bg NSFUNC LABEL SECONDS SIPP-ARGS...: SIPp in the background, at
# most SECONDS, output in LABEL.out; SIPP_PID is its process.
sipp_bg() {
	local x=$1 label=$2 t=$3
	shift 3
	$x timeout "$t" sipp "$@" -trace_err -nostdin >"$label.out" 2>&1 </dev/null &
	SIPP_PID=$!
	bg_track $SIPP_PID
}

# sipp_run NSFUNC LABEL SECONDS SIPP-ARGS...: the same in the foreground;
# returns SIPp's exit status.
sipp_run() {
	local x=$1 label=$2 t=$3
	shift 3
	$x timeout "$t" sipp "$@" -trace_err -nostdin >"$label.out" 2>&1 </dev/null
}

# SIPp's error logs and the tail of a run's output, for failure reasons.
sip_errors() {
	local f
	for f in ./*_errors.log; do
		[ -s "$f" ] && printf '%s: %s; ' "${f#./}" "$(grep -v '^ *$' "$f" | tail -n 6 | tr '\n' ' ' | head -c 600)"
	done
	[ -n "${1:-}" ] && [ -f "$1.out" ] && printf '%s.out: %s' "$1" "$(tail -n 4 "$1.out" | tr '\n' ' ' | head -c 300)"
}

# sip_check_scenarios: no scenario check (ereg) failed in any SIPp run.
sip_check_scenarios() {
	! grep -qs "Regexp" ./*_errors.log ||
		fail "a scenario check failed: $(grep -h -m1 "Regexp" ./*_errors.log | head -c 300)"
}

# sip_calls_py LABEL PYTHON: `algctl calls -j` into LABEL.json, then the
# python snippet with d = the document must not raise (bpfalg only).
sip_calls_py() {
	local label=$1 py=$2
	algctl calls -j >"$label.json" 2>&1 || fail "algctl calls -j: $(head -c 200 "$label.json")"
	python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
assert d['count'] == len(d['calls']), 'count %d, %d calls' % (d['count'], len(d['calls']))
$py
" "$label.json" 2>"$label.err" ||
		fail "$label: algctl calls -j: $(tail -n 1 "$label.err" | head -c 300): $(head -c 900 "$label.json")"
}

# sip_calls_count: how many calls `algctl calls -j` lists.
sip_calls_count() {
	algctl calls -j 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["count"])'
}

# sip_wait_calls N SECONDS: poll until `algctl calls -j` lists N calls.
sip_wait_calls() {
	local i
	for i in $(seq $(($2 * 10))); do
		[ "$(sip_calls_count)" = "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# cap_count FILE SRC DST: packets "IP SRC > DST:" in a tcpdump capture
# (SRC/DST as tcpdump prints them, addr.port; a regex).  What follows
# depends on the port (tcpdump decodes 7000 as AFS "rx", 5060 as SIP).
cap_count() {
	grep -cE "IP $2 > $3: " "$1"
}

# rtp_probe NSFUNC LADDR LPORT DADDR DPORT COUNT: COUNT RTP-sized datagrams
# from LADDR:LPORT to DADDR:DPORT, one every 20 ms, counting those that
# come back from DADDR:DPORT (an -rtp_echo peer) within 1 s of the last;
# prints "sent N received M".  For media on a port SIPp does not play on.
rtp_probe() {
	$1 timeout 15 python3 -c '
import socket, sys, time
la, lp, da, dp, n = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((la, lp))
s.setblocking(False)
got = 0
def drain():
    global got
    while True:
        try:
            data, src = s.recvfrom(2048)
        except BlockingIOError:
            return
        if src == (da, dp):
            got += 1
for i in range(n):
    # RTP header: version 2, PCMA, sequence i, timestamp, SSRC
    pkt = bytes([0x80, 8, i >> 8 & 255, i & 255]) + (160 * i).to_bytes(4, "big") + b"bpfa" + bytes(160)
    s.sendto(pkt, (da, dp))
    time.sleep(0.02)
    drain()
end = time.time() + 1
while time.time() < end and got < n:
    time.sleep(0.02)
    drain()
print("sent %d received %d" % (n, got))
' "$2" "$3" "$4" "$5" "$6"
}

# sip_all_calls_bound N TENTHS BAD_STATUS: (bpfalg) `algctl calls -j` must
# list all N calls at once within TENTHS tenths of a second, each confirmed
# with its RTP stream toward the UAS's 192.0.2.2:6000 on a distinct public
# port and its status none of BAD_STATUS (python tuple text).
sip_all_calls_bound() {
	local n_want=$1 tenths=$2 bad=$3 max=0 n i
	for i in $(seq "$tenths"); do
		n=$(sip_calls_count)
		[ "${n:-0}" -gt "$max" ] && max=$n
		[ "$n" = "$n_want" ] && break
		sleep 0.1
	done
	log "algctl calls: at most $max listed at once"
	[ "$max" = "$n_want" ] || fail "algctl calls -j never listed all $n_want concurrent calls (at most $max)"
	sleep 0.5
	sip_calls_py calls "
assert d['count'] == $n_want, 'count %d' % d['count']
ports = set()
for c in d['calls']:
    assert c['state'] == 'confirmed', c
    r = c['media'][0]['rtp']
    assert r['peer'] == {'addr': '192.0.2.2', 'port': 6000}, r
    assert r['status'] not in $bad, r
    ports.add(r['public_port'])
assert len(ports) == $n_want, 'public media ports: %d distinct' % len(ports)
"
	log "all $n_want calls confirmed with a bound stream on distinct public ports"
}

# sipp_calls LABEL: SIP_OK and SIP_BAD, the successful and failed calls of
# SIPp's final statistics in LABEL.out.
sipp_calls() {
	SIP_OK=$(sed -nE 's/^ *Successful call +\| +[0-9]+ +\| +([0-9]+).*/\1/p' "$1.out" | tail -n1)
	SIP_BAD=$(sed -nE 's/^ *Failed call +\| +[0-9]+ +\| +([0-9]+).*/\1/p' "$1.out" | tail -n1)
}

# sip_tcp_bulk TAG COUNT [BODY [SIZES]]: sip_tcp_tool.py's server outside
# and its "bulk" UA inside, one SIP/TCP connection, COUNT INVITEs of about
# 3.4 KB (three segments each; SIZES: their SDP lengths, a comma list taken
# in turn, default 3000), each naming the inside address, each answered
# with a 200 OK (carrying an SDP body of BODY bytes when given).  Fails
# unless every INVITE reaches the server whole (Content-Length matches its
# body) and the UA gets every answer.  Leaves the server's log in TAG.srv, the UA's last line in
# TAG.cli, and SIP_LEAKS: how many still named the inside address.
sip_tcp_bulk() {
	local tag=$1 count=$2 srv n
	sx timeout 200 python3 "$SIP_DIR/../sip_tcp_tool.py" server "$SERVER4" 5060 "$tag.srv" "$count" ${3:-0} \
		>"$tag.srvout" 2>&1 &
	srv=$!
	bg_track $srv
	wait_listen sx 5060
	cx timeout 200 python3 "$SIP_DIR/../sip_tcp_tool.py" bulk "$SERVER4" 5060 "$CLIENT4" "$count" "${4:-3000}" \
		>"$tag.cli" 2>&1 ||
		fail "$tag: the UA did not get its $count answers: $(tail -n 1 "$tag.cli") (server got $(wc -l <"$tag.srv") messages)"
	wait "$srv"
	n=$(grep -c "INVITE sip:" "$tag.srv")
	[ "$n" -eq "$count" ] || fail "$tag: the server got $n of $count INVITEs"
	python3 - "$tag.srv" <<-'PY' || fail "$tag: a message arrived malformed (Content-Length vs body)"
	import ast, sys
	for line in open(sys.argv[1]):
	    m = ast.literal_eval(line)
	    head, body = m.split(b"\r\n\r\n", 1)
	    cl = [int(h.split(b":", 1)[1]) for h in head.split(b"\r\n")
	          if h.lower().startswith(b"content-length:")]
	    assert cl and cl[0] == len(body) and len(m) > 3000, (cl, len(body))
	PY
	SIP_LEAKS=$(grep -c "10\.0\.1\." "$tag.srv")
}
