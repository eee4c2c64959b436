#!/bin/bash
# The controller is killed (SIGKILL) and restarted during a running TCP
# transfer: the pinned datapath keeps forwarding, the transfer completes
# byte-exact.  `algctl status` exits 0 with the daemon running, non-zero
# while it is dead, 0 again after the restart; `algctl flows -j` shows the
# running flow with the public address.  Kernel mode: nothing to restart,
# the same transfer is checked.
. "$(dirname "$0")/lib.sh"
test_init
topo_setup3
gw_setup
wait_reachable

# ~6 s transfer: the client's egress is shaped to 32 Mbit/s.
make_file up.bin 24
cx tc qdisc add dev eth0 root tbf rate 32mbit burst 64kb latency 200ms ||
	fail "tc tbf on the client"
sx timeout 90 socat -u TCP4-LISTEN:5001,reuseaddr OPEN:up.rcv,creat,trunc 2>rcv.err &
rcv=$!
bg_track $rcv
wait_listen sx 5001
cx timeout 60 socat -u OPEN:up.bin TCP4:"$SERVER4":5001,sourceport=41001 2>snd.err &
snd=$!
bg_track $snd
sleep 1
kill -0 $snd 2>/dev/null || fail "transfer finished before the restart could happen (too fast)"

if [ "$GW_KIND" = bpfalg ]; then
	algctl status >status1.out 2>&1 || fail "algctl status exit $? with the daemon running"
	flows_has "$CLIENT4" "$GW_OUT4" "$SERVER4" 41001 5001 ||
		fail "algctl flows -j during the transfer has no entry with $CLIENT4:41001 via $GW_OUT4 to $SERVER4:5001: $(algctl flows -j 2>&1 | head -c 600)"
	old=$DAEMON_PID
	kill -KILL "$DAEMON_PID"
	wait "$DAEMON_PID" 2>/dev/null
	DAEMON_PID=""
	log "daemon $old killed (SIGKILL) mid-transfer"
	if algctl status >status2.out 2>&1; then
		fail "algctl status exits 0 while the daemon is dead: $(head -c 300 status2.out)"
	fi
	log "status with daemon dead: exit non-zero"
	sleep 1
	kill -0 $snd 2>/dev/null || log "(transfer already finished while the daemon was down)"
	daemon_start
	log "daemon restarted (pid $DAEMON_PID), status exit 0"
	if kill -0 $snd 2>/dev/null &&
		! flows_has "$CLIENT4" "$GW_OUT4" "$SERVER4" 41001 5001; then
		fail "after the restart algctl flows -j lost the running flow"
	fi
fi

wait $snd || fail "sender failed (rc=$?): $(head -c 300 snd.err)"
wait $rcv || fail "receiver failed: $(head -c 300 rcv.err)"
[ "$(sha up.bin)" = "$(sha up.rcv)" ] ||
	fail "content differs after the restart ($(stat -c %s up.rcv) of $(stat -c %s up.bin) bytes)"
log "24 MB transfer across the controller restart intact"
[ "$GW_KIND" = bpfalg ] && { algctl status >/dev/null 2>&1 || fail "algctl status non-zero after the restart"; }
exit 0
