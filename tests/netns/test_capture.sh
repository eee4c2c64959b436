#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Packet capture of the ALG's work during one active FTP download (curl
# PORT), read back with tshark.
# kernel (the reference): tcpdump on the gateway's two interfaces; tshark
# finds "PORT 10,0,1,2,..." on the inside one and the helper's rewritten
# "PORT 192,0,2,1,..." on the outside one.
# bpfalg: `algctl capture --proto ftp -w cap.pcap` holds both in one file:
# the punted original (Linux cooked capture, packet type 0 "to us") and
# the reinjected rewrite (packet type 4 "sent by us"), with the same port.
# Beside it `--flow 1` (the first control flow: tag ftp#1) gets the PORT
# too, `--flow 2` nothing, and `-c 3` stops by itself after 3 packets.
# gateways: kernel bpfalg
. "$(dirname "$0")/lib.sh"
test_init
require_cmds curl tshark
topo_setup3
gw_setup
wait_reachable
ftp_file cap.bin 128K
ftp_server_start sx "$SERVER4"
IN_C=${CLIENT4//./,} PUB_C=${GW_OUT4//./,}

# ports FILE: "PKTTYPE ARG" of each PORT command tshark decodes.  Each
# segment is in the file twice (as punted, as reinjected): TCP sequence
# analysis would call the second a retransmission and not decode it.
ports() {
	tshark -o tcp.analyze_sequence_numbers:FALSE -r "$1" \
		-Y 'ftp.request.command == "PORT"' -T fields \
		-e sll.pkttype -e ftp.request.arg 2>"$1.err"
}
wait_line() { # FILE PATTERN WHAT
	local i
	for i in $(seq 50); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	fail "$3: $(head -c 300 "$1")"
}

if [ "$GW_KIND" = kernel ]; then
	gx timeout 30 tcpdump -i gin -U --immediate-mode -w in.pcap 'tcp port 21' 2>in.err &
	TD_IN=$!
	bg_track $TD_IN
	gx timeout 30 tcpdump -i gout -U --immediate-mode -w out.pcap 'tcp port 21' 2>out.err &
	TD_OUT=$!
	bg_track $TD_OUT
	wait_line in.err "listening on" "tcpdump on gin did not start"
	wait_line out.err "listening on" "tcpdump on gout did not start"
	ftp_fetch cx cap "ftp://$SERVER4/cap.bin" -P - --disable-eprt
	# stop the captures (SIGTERM: tcpdump closes its file cleanly)
	sleep 0.5
	for p in $TD_IN $TD_OUT; do
		_kill_tree "$p"
		wait "$p" 2>/dev/null
	done
	tshark -o tcp.analyze_sequence_numbers:FALSE -r in.pcap -Y 'ftp.request.command == "PORT"' \
		-T fields -e ftp.request.arg 2>/dev/null |
		grep -q "^$IN_C," || fail "inside capture has no PORT $IN_C,... ($(grep -c . in.err) tcpdump lines: $(tail -n 2 in.err | tr '\n' ' '))"
	tshark -o tcp.analyze_sequence_numbers:FALSE -r out.pcap -Y 'ftp.request.command == "PORT"' \
		-T fields -e ftp.request.arg 2>/dev/null |
		grep -q "^$PUB_C," || fail "outside capture has no PORT $PUB_C,... (the helper did not rewrite)"
	log "kernel: PORT $IN_C,... inside, PORT $PUB_C,... outside"
	exit 0
fi

start_capture() { # NAME ARGS...
	local n=$1
	shift
	# nsenter directly: $! must be algctl itself, which SIGINT stops
	nsenter --net="/run/netns/$NS_G" "$ALGCTL" --pin-path "$PIN" capture "$@" \
		-w "$n.pcap" >"$n.out" 2>"$n.err" &
	eval "CAP_$n=\$!"
	bg_track $!
	wait_line "$n.err" "^algctl: capturing" "algctl capture $* did not start"
}
start_capture all --proto ftp
start_capture one --flow 1
start_capture other --flow ftp#2
start_capture three -c 3

ftp_fetch cx cap "ftp://$SERVER4/cap.bin" -P - --disable-eprt
sleep 0.5
for n in all one other; do
	eval "pid=\$CAP_$n"
	kill -INT "$pid"
	wait "$pid" || fail "algctl capture ($n) exit $? after SIGINT: $(tail -c 300 "$n.err")"
	grep -qE "^algctl: [0-9]+ packets written to $n.pcap \(0 lost" "$n.err" ||
		fail "algctl capture ($n): no summary: $(tail -c 300 "$n.err")"
done
wait "$CAP_three" || fail "algctl capture -c 3: exit $?: $(tail -c 300 three.err)"
grep -q "^algctl: 3 packets written" three.err || fail "algctl capture -c 3: $(tail -c 300 three.err)"

ports all.pcap >all.ports || fail "tshark cannot read all.pcap: $(head -c 300 all.pcap.err)"
log "tshark: $(tr '\t\n' ' ;' <all.ports)"
orig=$(awk -F'\t' -v c="$IN_C," '$1 == 0 && index($2, c) == 1 { print $2; exit }' all.ports)
new=$(awk -F'\t' -v c="$PUB_C," '$1 == 4 && index($2, c) == 1 { print $2; exit }' all.ports)
[ -n "$orig" ] || fail "capture has no punted (packet type 0) PORT $IN_C,...: $(tr '\n' ';' <all.ports)"
[ -n "$new" ] || fail "capture has no reinjected (packet type 4) PORT $PUB_C,...: $(tr '\n' ';' <all.ports)"
[ "${orig#"$IN_C"}" = "${new#"$PUB_C"}" ] ||
	fail "the rewritten PORT names another port: $orig -> $new"
n=$(tshark -r all.pcap 2>/dev/null | wc -l)
[ "$n" -ge 4 ] || fail "all.pcap holds $n packets, expected the control channel's both ways"
ports one.pcap | grep -q "^4	$PUB_C," || fail "--flow 1 did not capture the rewritten PORT: $(ports one.pcap | tr '\n' ';')"
m=$(tshark -r other.pcap 2>/dev/null | wc -l)
[ "$m" -eq 0 ] || fail "--flow ftp#2 captured $m packets of another flow"
log "punted PORT $orig, reinjected PORT $new ($n packets); --flow 1 has it, --flow ftp#2 nothing"

out=$(algctl capture --flow nope -w x.pcap 2>&1)
rc=$?
[ $rc -eq 2 ] && printf '%s' "$out" | grep -q "is not a session number" ||
	fail "capture --flow nope: exit $rc: $out"
exit 0
