#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# algctl daemon under systemd's eyes, without systemd (bpfalg.service is
# Type=notify with WatchdogSec=): what the service manager would receive
# and read.
#   - sd_notify: $NOTIFY_SOCKET an abstract name ("@...", the listener in
#     the gateway's network namespace, where abstract names live) with
#     $WATCHDOG_USEC: READY=1 once `algctl status` is OK, WATCHDOG=1 on
#     the 1 s tick, RELOADING=1 (with MONOTONIC_USEC) then READY=1 around
#     a SIGHUP, STOPPING=1 on SIGTERM; a path socket with $WATCHDOG_PID
#     naming another process: READY=1, no WATCHDOG=1
#   - journald priorities: with $JOURNAL_STREAM naming stderr's dev:ino
#     every line starts "<N>" (warnings <4>, info <6>, debug <7>); with
#     another JOURNAL_STREAM none does
#   - log level: `log-level = warn` in the configuration file (config
#     show says so, no info line), `algctl log-level debug` live (the
#     daemon says the change), a reload sets the file's warn again (an
#     info line, shown at debug); a bad level is a usage error
# gateways: bpfalg (the controller's own behaviour)
. "$(dirname "$0")/lib.sh"
test_init
[ "$GW_KIND" = bpfalg ] || skip "the controller's notifications and log: nothing of it runs in the kernel reference"
topo_setup3

# listen NAME OUT [gw]: record each datagram to NAME in OUT, one a line
# ("|" for newlines); "gw": in the gateway's network namespace
listen() {
	local name=$1 out=$2 pre=()
	[ "${3:-}" = gw ] && pre=(nsenter --net="/run/netns/$NS_G")
	"${pre[@]}" python3 -c '
import socket, sys
name, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("\0" + name[1:] if name.startswith("@") else name)
open(out, "w").close()
while True:
    d = s.recv(4096).decode(errors="replace")
    with open(out, "a") as f:
        f.write(d.replace("\n", "|") + "\n")
' "$name" "$out" &
	bg_track $!
	for _ in $(seq 50); do [ -e "$out" ] && return 0; sleep 0.1; done
	fail "the notification listener on $name did not start"
}

# got OUT PATTERN [N]: OUT has at least N (1) lines matching PATTERN within 5 s
got() {
	local n=${3:-1}
	for _ in $(seq 50); do
		[ "$(grep -cE -- "$2" "$1")" -ge "$n" ] && return 0
		sleep 0.1
	done
	fail "fewer than $n notifications matching '$2' within 5 s: $(tr '\n' ' ' <"$1" | head -c 400)"
}

# 1. abstract socket, watchdog, reload, stop; stderr as the journal stream
sock="@bpfalg-test-$$"
listen "$sock" notify.log gw
printf 'log-level = warn\n' >gw.conf
: >"$TMPD/daemon.log"
export NOTIFY_SOCKET=$sock WATCHDOG_USEC=3000000
JOURNAL_STREAM=$(stat -c '%d:%i' "$TMPD/daemon.log")
export JOURNAL_STREAM
GW_UP_ARGS="--config $TMPD/gw.conf" gw_setup
got notify.log '^READY=1\|STATUS=controller running'
[ "$(grep -c '^READY=1' notify.log)" -eq 1 ] || fail "READY=1 more than once before any reload: $(tr '\n' ' ' <notify.log)"
log "READY=1 after algctl status said running"
got notify.log '^WATCHDOG=1$' 3
log "WATCHDOG=1 on the tick ($(grep -c '^WATCHDOG=1$' notify.log) so far)"
kill -HUP "$DAEMON_PID"
got notify.log '^RELOADING=1\|MONOTONIC_USEC=[0-9]+$'
got notify.log '^READY=1' 2
awk '/^RELOADING=1/ { r = NR } /^READY=1/ { last = NR } END { exit !(r && last > r) }' notify.log ||
	fail "no READY=1 after RELOADING=1: $(tr '\n' ' ' <notify.log)"
log "SIGHUP: RELOADING=1, then READY=1"

# the journal's priority prefix on every line; warn level: no info lines
grep -q '^<4>\[daemon\] controller running' daemon.log ||
	fail "no '<4>[daemon] controller running' line with JOURNAL_STREAM set: $(head -n 3 daemon.log | tr '\n' '|')"
bad=$(grep -v '^<[3-7]>' daemon.log | head -n 3)
[ -z "$bad" ] || fail "lines without a priority prefix: $bad"
grep -q '^<6>' daemon.log && fail "info lines at log-level = warn: $(grep '^<6>' daemon.log | head -n 2)"
algctl config show | grep -qx 'log-level = warn' || fail "config show: $(algctl config show | grep log-level)"

# live: debug, then warn again
out=$(algctl log-level debug) || fail "algctl log-level debug: exit $?"
log "algctl log-level debug: $out"
[ "$(algctl log-level)" = debug ] || fail "algctl log-level (no argument) says '$(algctl log-level)', expected debug"
[ "$(algctl -j log-level)" = '{"log_level":"debug"}' ] || fail "algctl -j log-level: $(algctl -j log-level)"
for _ in $(seq 50); do grep -q '^<4>\[daemon\] log level warn -> debug$' daemon.log && break; sleep 0.1; done
grep -q '^<4>\[daemon\] log level warn -> debug$' daemon.log ||
	fail "the daemon did not say '<4>[daemon] log level warn -> debug' within 5 s: $(tail -n 3 daemon.log | tr '\n' '|')"
# a reload with the file's warn sets it back (the file wins on reload),
# said at info level, which debug shows
kill -HUP "$DAEMON_PID"
got notify.log '^READY=1' 3
for _ in $(seq 30); do [ "$(algctl log-level)" = warn ] && break; sleep 0.1; done
[ "$(algctl log-level)" = warn ] || fail "after a reload of a file saying warn: $(algctl log-level)"
grep -q '^<6>\[daemon\] reload: log-level debug -> warn$' daemon.log ||
	fail "no '<6>[daemon] reload: log-level debug -> warn' line: $(tail -n 4 daemon.log | tr '\n' '|')"
algctl log-level loud >bad.out 2>&1
rc=$?
[ $rc -eq 2 ] && grep -q 'warn|info|debug' bad.out || fail "algctl log-level loud: exit $rc: $(cat bad.out)"
log "log-level live: the daemon says warn -> debug, a reload takes the file's warn again, a bad level is a usage error"

daemon_stop TERM || fail "the daemon did not stop on SIGTERM"
got notify.log '^STOPPING=1$'
log "SIGTERM: STOPPING=1"

# 2. a path socket; WATCHDOG_PID names another process: no watchdog pings
listen "$TMPD/notify.sock" notify2.log
: >"$TMPD/daemon.log"
JOURNAL_STREAM=0:0
NOTIFY_SOCKET=$TMPD/notify.sock WATCHDOG_PID=1 daemon_start
got notify2.log '^READY=1'
sleep 2.5
grep -q WATCHDOG notify2.log && fail "WATCHDOG=1 sent although WATCHDOG_PID names another process"
grep -q '^<[0-9]>' daemon.log && fail "priority prefixes although stderr is not the journal stream: $(head -n 2 daemon.log)"
daemon_stop TERM || fail "the daemon did not stop on SIGTERM"
unset NOTIFY_SOCKET WATCHDOG_USEC JOURNAL_STREAM
log "path socket: READY=1, no watchdog for another pid; no prefixes on a plain file"
exit 0
