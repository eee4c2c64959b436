#!/bin/bash
# FTP command policy (bpfalg only: the kernel's helper has no command
# policy).  `algctl alg ftp on --deny STOR,DELE`, then ONE lftp session to
# vsftpd: `put` (STOR) is answered "550 STOR refused by gateway policy."
# by the gateway and never reaches the server (its protocol log has no
# STOR), then `get` (RETR) on the same control connection still works:
# the refused command and the injected answer left both directions'
# sequence numbers consistent.  A second session after `--deny ""`
# reaches the server again (vsftpd itself refuses the upload: anonymous,
# write_enable=NO, with its own 550).
# gateways: kernel bpfalg
. "$(dirname "$0")/lib.sh"
test_init
[ "$GW_KIND" = bpfalg ] || skip "command policy is a bpfalg feature (nf_conntrack_ftp has none)"
require_cmds lftp
topo_setup3
gw_setup
wait_reachable

ftp_file pol.bin 300K
ftp_server_start sx "$SERVER4"
head -c 20000 /dev/urandom >up.bin || fail "up.bin"
FTP_COUNTERS="ftp_policy_denied ftp_parsed"
algctl alg ftp on --deny STOR,DELE >alg.out 2>&1 || fail "algctl alg ftp on --deny: $(head -c 200 alg.out)"
# the daemon reads the policy once a second
sleep 1.2
ftp_stats_mark
ftp_log_mark "$FTP_LOG"

session() {
	cx timeout 30 lftp -e "set net:max-retries 1; set net:timeout 5; set cmd:fail-exit no; \
		set xfer:clobber yes; put up.bin; get pol.bin -o got.bin; quit" \
		"ftp://anonymous:x@$SERVER4" >"$1.out" 2>&1
}
session deny
new=$(ftp_log_new "$FTP_LOG")
log "lftp: $(tr '\n' ' ' <deny.out | head -c 300)"
grep -q "550 STOR refused by gateway policy" deny.out ||
	fail "the client did not get the gateway's 550 for STOR: $(tr '\n' ' ' <deny.out | head -c 300)"
! printf '%s\n' "$new" | grep -q '^command: STOR' ||
	fail "the STOR reached the server: $(printf '%s\n' "$new" | grep -m1 'STOR')"
[ -f got.bin ] && [ "$(sha got.bin)" = "$(sha "$FTP_ROOT/pol.bin")" ] ||
	fail "RETR after the refused STOR, same control connection, failed: $(tr '\n' ' ' <deny.out | head -c 300)"
log "STOR refused by the gateway, RETR on the same connection ok"
ftp_check_rose ftp_policy_denied 1 "ftp policy"

# the same command split over two TCP segments ("STO" + "R x"): still
# refused (the partial command is held until its line ends)
cx timeout 15 python3 - "$SERVER4" >split.out 2>&1 <<-'PY'
import socket, sys, time
s = socket.create_connection((sys.argv[1], 21), timeout=5)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
f = s.makefile("rb")
def reply():
    line = f.readline().decode(errors="replace").rstrip()
    while len(line) > 3 and line[3] == "-":
        line = f.readline().decode(errors="replace").rstrip()
    return line
print(reply())
for c in (b"USER anonymous\r\n", b"PASS x\r\n"):
    s.sendall(c)
    print(reply())
s.sendall(b"STO")
time.sleep(0.3)
s.sendall(b"R split.bin\r\n")
print(reply())
s.sendall(b"NOOP\r\n")
print(reply())
PY
log "split STOR: $(tr '\n' '|' <split.out)"
grep -q "^550 STOR refused by gateway policy" split.out ||
	fail "a STOR split over two segments was not refused: $(tr '\n' '|' <split.out)"
grep -q "^200" split.out || fail "the control connection did not go on after the split refusal"
new=$(ftp_log_new "$FTP_LOG")
! printf '%s\n' "$new" | grep -q '^command: STOR' || fail "the split STOR reached the server"

algctl alg ftp on --deny "" >alg2.out 2>&1 || fail "algctl alg ftp on --deny '': $(head -c 200 alg2.out)"
sleep 1.2
ftp_log_mark "$FTP_LOG"
rm -f got.bin
session allow
new=$(ftp_log_new "$FTP_LOG")
printf '%s\n' "$new" | grep -q '^command: STOR' ||
	fail "with the deny list cleared the STOR did not reach the server: $(tr '\n' ' ' <allow.out | head -c 300)"
! grep -q "refused by gateway policy" allow.out || fail "still refused by the gateway"
exit 0
