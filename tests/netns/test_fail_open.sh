#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Fail-open after the controller's heartbeat expires (issue 15 item 4):
# `algctl daemon --fail-open-after 8` (fail policy drop, the default), vsftpd
# outside, raw FTP control connections from the client that send
# "PORT 10,0,1,2,4,1" (the client's own address): answered 200 when the ALG
# rewrote it to the public address, "500 Illegal PORT command" when it
# reached vsftpd unrewritten.
#   1. controller alive: 200, vsftpd saw 192,0,2,1.
#   2. daemon SIGKILLed (a controller gone without cleanup) on a logged-in
#      connection; 4 s later (past the 3 s in which TC still punts) the
#      PORT goes out: within the 8 s since the last heartbeat it is
#      dropped (no answer, ftp_fail_policy_drop rises, fail_open does not,
#      `status -j` says no fail-open), then the client's TCP retransmission
#      passes unrewritten: 500, vsftpd saw 10,0,1,2, ftp_fail_open rose,
#      `status -j` controller.fail_open is true; a new connection's PORT
#      gets its 500 at once.
#   3. the daemon restarted: 200 again, fail_open false.
#   4. SIGTERM (a pod of a deleted DaemonSet): the daemon writes pid 0 and
#      keeps its last heartbeat, so the same window applies: a new
#      connection's banner and login are held (dropped) until 8 s after
#      it, then everything passes unmodified.
# Kernel reference: skipped (conntrack helpers have no controller).
# gateways: kernel bpfalg (not bpfalg-xdp: control-flow state, which XDP never carries)
# slow: 35 s or more; started first
FOA=8
GW_UP_ARGS="${GW_UP_ARGS:+$GW_UP_ARGS }--fail-open-after $FOA"
. "$(dirname "$0")/lib.sh"
test_init
[ "$GW_KIND" = bpfalg ] || skip "fail-open is about bpfalg's controller; the kernel's helpers have none"
topo_setup3
gw_setup
wait_reachable
ftp_server_start sx "$SERVER4"
FTP_COUNTERS="ftp_fail_policy_drop ftp_fail_policy_pass ftp_fail_open ftp_rewritten"

# portclient.py HOST SYNC: log in, SYNC.ready, wait for SYNC.go, send the
# PORT; prints "SECONDS-SINCE-GO REPLY" (or "login SECONDS" lines first)
cat >portclient.py <<'EOF'
import os, socket, sys, time
host, sync = sys.argv[1], sys.argv[2]
t_start = time.time()
s = socket.create_connection((host, 21), timeout=5)
s.settimeout(40)
f = s.makefile("rb")
def reply():
    while True:
        line = f.readline().decode(errors="replace")
        if not line:
            sys.exit("connection closed")
        if len(line) >= 4 and line[:3].isdigit() and line[3] == " ":
            return line.strip()
r = reply()
s.sendall(b"USER anonymous\r\n")
r = reply()
if r.startswith("331"):
    s.sendall(b"PASS x@\r\n")
    r = reply()
if not r.startswith("230"):
    sys.exit("login: " + r)
print("login %.2f" % (time.time() - t_start), flush=True)
open(sync + ".ready", "w").close()
for _ in range(1200):
    if os.path.exists(sync + ".go"):
        break
    time.sleep(0.05)
t0 = time.time()
s.sendall(b"PORT 10,0,1,2,4,1\r\n")
print("%.2f %s" % (time.time() - t0, reply()), flush=True)
s.sendall(b"QUIT\r\n")
EOF

now() { date +%s.%N; }
# sleep_until T: until the epoch time T (fractional)
sleep_until() {
	local d
	d=$(awk "BEGIN { d = $1 - $(now); printf \"%.3f\", (d > 0 ? d : 0) }")
	sleep "$d"
}
since() { awk "BEGIN { printf \"%.2f\", $(now) - $1 }"; }
# session NAME: a client logged in (or logging in) in the background
session() {
	rm -f "$1".ready "$1".go "$1".out
	cx timeout 60 python3 portclient.py "$SERVER4" "$TMPD/$1" >"$1.out" 2>"$1.err" &
	eval "PID_$1=$!"
	bg_track $!
}
# ready NAME SECONDS: logged in within SECONDS
ready() {
	ftp_wait_file "$1.ready" "$2" ||
		fail "$1: not logged in within $2 s: $(cat "$1.err" "$1.out" 2>/dev/null | tr '\n' ' ')"
}
# answer NAME: wait for the client; r is its PORT answer line (not in
# $(...): wait needs the client to be this shell's child)
answer() {
	local pid
	eval "pid=\$PID_$1"
	wait "$pid" || fail "$1: client failed: $(tr '\n' ' ' <"$1.err")"
	r=$(grep -v '^login' "$1.out")
}
status_ctl() {
	algctl status -j 2>/dev/null | python3 -c '
import json, sys
c = json.load(sys.stdin)["controller"]
print("running=%s pid=%s fail_open=%s after=%s" % (c["running"], c["pid"], c.get("fail_open"), c.get("fail_open_after")))'
}
server_port_text() {
	ftp_log_new | sed -n 's/^command: \(PORT .*\)/\1/p' | tail -n 1
}

# ------------------------------------------------ 1. controller alive
log "controller: $(status_ctl)"
status_ctl | grep -q "after=$FOA\$" || fail "status -j does not show fail_open_after $FOA: $(status_ctl)"
ftp_log_mark "$FTP_LOG"
session a
ready a 10
touch a.go
answer a
case $r in *" 200 "*) ;; *) fail "controller alive: PORT answered '$r', expected 200 (rewritten)" ;; esac
case $(server_port_text) in "PORT 192,0,2,1,"*) ;; *) fail "controller alive: vsftpd saw '$(server_port_text)'" ;; esac
log "controller alive: PORT rewritten ($r; vsftpd saw $(server_port_text))"

# ------------------------------------------------ 2. SIGKILL
session b
ready b 10
ftp_stats_mark
ftp_log_mark "$FTP_LOG"
t_kill=$(now)
daemon_stop KILL
algctl status >/dev/null 2>&1 && fail "status exits 0 with the daemon killed"
sleep_until "$(awk "BEGIN { printf \"%.3f\", $t_kill + 4 }")"
touch b.go
log "PORT sent $(since "$t_kill") s after the SIGKILL"
# checked before kill + 7 s: the last heartbeat may be up to a second
# older than the kill
sleep_until "$(awk "BEGIN { printf \"%.3f\", $t_kill + 5 }")"
status_ctl | grep -q "fail_open=False" || fail "within the window: $(status_ctl)"
grep -qv '^login' b.out &&
	fail "within $FOA s of the last heartbeat the PORT was answered: $(cat b.out)"
[ -n "$(server_port_text)" ] && fail "within the window vsftpd got '$(server_port_text)'"
ftp_check_same ftp_fail_open "within the window"
ftp_check_rose ftp_fail_policy_drop 1 "within the window"
log "$(since "$t_kill") s after the kill: PORT still held (dropped), $(status_ctl)"
answer b
t_b=$(since "$t_kill")
case $r in *" 500 "*) ;; *) fail "after the window: PORT answered '$r', expected vsftpd's 500 (unrewritten)" ;; esac
case $(server_port_text) in "PORT 10,0,1,2,4,1") ;; *) fail "after the window: vsftpd saw '$(server_port_text)'" ;; esac
awk "BEGIN { exit !($t_b >= $FOA - 1.5) }" ||
	fail "the PORT passed $t_b s after the kill, before $FOA s without a heartbeat"
ftp_check_rose ftp_fail_open 1 "after the window"
ftp_check_rose ftp_fail_policy_pass 1 "after the window"
ftp_check_same ftp_rewritten "after the window"
status_ctl | grep -q "fail_open=True" || fail "after the window: $(status_ctl)"
log "PORT passed unrewritten $t_b s after the kill ($r); $(status_ctl)"
session c
ready c 10
touch c.go
answer c
case $r in 0.*" 500 "* | 1.*" 500 "*) ;; *) fail "fail-open: a new connection's PORT answered '$r', expected a 500 at once" ;; esac
log "fail-open: a new connection's PORT passes at once ($r)"

# ------------------------------------------------ 3. the controller back
daemon_start
status_ctl | grep -q "fail_open=False" || fail "controller back: $(status_ctl)"
ftp_log_mark "$FTP_LOG"
session d
ready d 10
touch d.go
answer d
case $r in *" 200 "*) ;; *) fail "controller back: PORT answered '$r', expected 200" ;; esac
case $(server_port_text) in "PORT 192,0,2,1,"*) ;; *) fail "controller back: vsftpd saw '$(server_port_text)'" ;; esac
log "controller back: PORT rewritten again ($r)"

# ------------------------------------------------ 4. SIGTERM
ftp_stats_mark
t_term=$(now)
daemon_stop TERM || fail "the daemon ignored SIGTERM"
status_ctl | grep -q "pid=0 " || fail "after SIGTERM: $(status_ctl)"
session e
sleep 4
[ -e e.ready ] && fail "SIGTERM: a new connection logged in $(since "$t_term") s later, within the window"
ftp_check_rose ftp_fail_policy_drop 1 "SIGTERM, within the window"
ftp_check_same ftp_fail_open "SIGTERM, within the window"
ready e 30
t_e=$(since "$t_term")
awk "BEGIN { exit !($t_e >= $FOA - 1.5) }" || fail "SIGTERM: logged in $t_e s later, before $FOA s"
touch e.go
answer e
case $r in 0.*" 500 "* | 1.*" 500 "*) ;; *) fail "SIGTERM, after the window: PORT answered '$r', expected a 500 at once" ;; esac
ftp_check_rose ftp_fail_open 1 "SIGTERM, after the window"
status_ctl | grep -q "fail_open=True" || fail "SIGTERM, after the window: $(status_ctl)"
log "SIGTERM: login held until $t_e s, then control traffic passes unmodified ($r)"
exit 0
