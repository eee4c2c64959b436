#!/bin/bash
# The controller dies during an active FTP download.  curl -P - (EPRT,
# rewritten, so the control connection carries a sequence offset) fetches
# 8 MiB through the server's egress shaped to 20 Mbit/s (~3.5 s; curl's own
# --limit-rate lets the first megabytes through at full speed into the
# socket buffers, too bursty to kill anything mid-transfer); once data flows the daemon is SIGKILLed: the
# data connection (an established NAT flow by then) keeps flowing while it
# is dead, the daemon is restarted a second later and must take over the
# control connection it never saw begin (its "226" arrives after the
# restart, under the recorded offset), and the download completes
# byte-exact.  A second active download after the restart works.
# Kernel mode: nothing to kill, the same transfer proves the harness.
# gateways: kernel bpfalg
. "$(dirname "$0")/lib.sh"
test_init
topo_setup3
gw_setup
wait_reachable

ftp_file big.bin 8M
ftp_file after.bin 256K
ftp_server_start sx "$SERVER4"
TOTAL=$(stat -c %s "$FTP_ROOT/big.bin")

size() { stat -c %s "$1" 2>/dev/null || echo 0; }

sx tc qdisc add dev eth0 root tbf rate 20mbit burst 32kb latency 300ms ||
	fail "tc tbf on the server"
ftp_log_mark "$FTP_LOG"
t0=$(date +%s.%N)
ftp_curl cx big "ftp://$SERVER4/big.bin" -P - &
dl=$!
bg_track $dl
for _ in $(seq 100); do
	[ "$(size big.out)" -ge 524288 ] && break
	kill -0 $dl 2>/dev/null || break
	sleep 0.05
done
s0=$(size big.out)
[ "$s0" -ge 524288 ] || { wait $dl; fail "the download did not start: curl exit $? ($(tr '\n' ' ' <big.err | head -c 200)); server: $(ftp_log_new "$FTP_LOG" | grep -E '^(command: (EPRT|PORT|RETR)|response: [45])' | tr '\n' ';')"; }
[ "$s0" -lt "$TOTAL" ] || fail "the download finished before the daemon could be killed (too fast)"

if [ "$GW_KIND" = bpfalg ]; then
	old=$DAEMON_PID
	daemon_stop KILL
	log "daemon $old SIGKILLed at $s0 of $TOTAL bytes"
	sleep 1
	s1=$(size big.out)
	log "while the daemon was dead: $s0 -> $s1 bytes"
	[ "$s1" -gt "$s0" ] || [ "$s1" -ge "$TOTAL" ] ||
		fail "the data connection stalled while the daemon was dead ($s0 -> $s1 bytes in 1 s): the fast path must keep forwarding established flows"
	[ "$s1" -lt "$TOTAL" ] || log "(the data had all arrived before the restart)"
	daemon_start
	log "daemon restarted (pid $DAEMON_PID)"
fi

wait $dl
rc=$?
[ $rc -eq 0 ] ||
	fail "download across the daemon kill: curl exit $rc ($(_curl_why $rc)), $(size big.out) of $TOTAL bytes: $(tr '\n' ' ' <big.err | head -c 200); server: $(ftp_log_new "$FTP_LOG" | grep -E '^(command: (EPRT|PORT|RETR|QUIT)|response: [2345]2[0-9] )' | tr '\n' ';')"
ftp_same "download across the daemon kill" big.out big.bin
log "8 MiB active download across the daemon kill intact ($(awk "BEGIN{printf \"%.1f\", $(date +%s.%N) - $t0}") s)"

ftp_stats_mark
ftp_fetch cx after "ftp://$SERVER4/after.bin" -P -
ftp_check_rose ftp_rewritten 1 "active download after the restart"
exit 0
