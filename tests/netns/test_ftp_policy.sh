#!/bin/bash
# FTP command policy (bpfalg only: the kernel's helper has no command
# policy).  `algctl alg ftp on --deny STOR,DELE`, then ONE lftp session to
# vsftpd: `put` (STOR) is answered "550 STOR refused by gateway policy."
# by the gateway and never reaches the server (its protocol log has no
# STOR), then `get` (RETR) on the same control connection still works:
# the refused command and the injected answer left both directions'
# sequence numbers consistent.  A second session after `--deny ""`
# reaches the server again (vsftpd itself refuses the upload: anonymous,
# write_enable=NO, with its own 550).  In between, on raw connections:
# STOR split over two segments, with a 3 s pause inside (refused), parked
# for 12 s (the connection is reset, counted connections_reset), and refused
# with the gateway's 550 dropped once on its way (the client's
# retransmission gets it again, counted answers_resent).
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
FTP_COUNTERS="ftp_policy_denied ftp_parsed ftp_connections_reset ftp_answers_resent"
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

# raw_stor NAME PAUSE: one control connection sends "STO", waits PAUSE
# seconds, then "R NAME.bin" and NOOP; prints each reply, or "RESET"/"EOF"
# when the gateway closed the connection instead.
raw_stor() {
	cx timeout 40 python3 - "$SERVER4" "$1" "$2" >"$1.out" 2>&1 <<-'PY'
	import socket, sys, time
	s = socket.create_connection((sys.argv[1], 21), timeout=8)
	s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
	f = s.makefile("rb")
	def reply():
	    try:
	        line = f.readline().decode(errors="replace").rstrip()
	        while len(line) > 3 and line[3] == "-":
	            line = f.readline().decode(errors="replace").rstrip()
	    except ConnectionResetError:
	        return "RESET"
	    except socket.timeout:
	        return "TIMEOUT"
	    return line or "EOF"
	print(reply())
	for c in (b"USER anonymous\r\n", b"PASS x\r\n"):
	    s.sendall(c)
	    print(reply())
	s.sendall(b"STO")
	time.sleep(float(sys.argv[3]))
	try:
	    s.sendall(b"R " + sys.argv[2].encode() + b".bin\r\n")
	    print(reply())
	    s.sendall(b"NOOP\r\n")
	    print(reply())
	except (ConnectionResetError, BrokenPipeError):
	    print("RESET")
	PY
	log "$1: $(tr '\n' '|' <"$1.out")"
}

# the same command split over two TCP segments ("STO" + "R x"): still
# refused (the partial command is held until its line ends)
raw_stor split 0.3
grep -q "^550 STOR refused by gateway policy" split.out ||
	fail "a STOR split over two segments was not refused: $(tr '\n' '|' <split.out)"
grep -q "^200" split.out || fail "the control connection did not go on after the split refusal"

# ... with a 3 s pause in between (a hold used to be released unchecked
# after 2 s, and "R split.bin" then reached the server as STOR)
raw_stor pause 3
grep -q "^550 STOR refused by gateway policy" pause.out ||
	fail "a STOR with a 3 s pause inside was not refused: $(tr '\n' '|' <pause.out)"
grep -q "^200" pause.out || fail "the control connection did not go on after the paused refusal"

# ... and parked for longer than the gateway holds a line (10 s): the
# connection is reset, the line never goes out unchecked
ftp_stats_mark
raw_stor park 12
grep -q "^RESET\|^EOF" park.out ||
	fail "a STOR parked for 12 s did not end its connection: $(tr '\n' '|' <park.out)"
! grep -q "^550\|^553\|^150" park.out || fail "the parked STOR was answered: $(tr '\n' '|' <park.out)"
ftp_check_rose ftp_connections_reset 1 "parked line"
new=$(ftp_log_new "$FTP_LOG")
! printf '%s\n' "$new" | grep -q '^command: STOR' ||
	fail "a split or parked STOR reached the server: $(printf '%s\n' "$new" | grep '^command: STOR' | head -3 | tr '\n' '|')"

# the gateway's 550 is lost on the way to the client (dropped once in the
# client's namespace): the client's retransmission of STOR gets it again
cx nft -f - <<-'NFT' || fail "client nft (drop the first 550)"
	table inet bpfalg_loss {
		chain in {
			type filter hook input priority 0;
			tcp sport 21 @ih,0,32 0x35353020 quota until 100 bytes counter drop
		}
	}
	NFT
ftp_stats_mark
raw_stor lost 0
cx nft list table inet bpfalg_loss | grep -q "counter packets 1 " ||
	fail "the client's namespace did not drop the first 550: $(cx nft list table inet bpfalg_loss | tr -s '\n\t ' ' ')"
grep -q "^550 STOR refused by gateway policy" lost.out ||
	fail "the refusal was lost for good: $(tr '\n' '|' <lost.out)"
grep -q "^200" lost.out || fail "the control connection did not go on after the lost refusal"
ftp_check_rose ftp_answers_resent 1 "lost refusal"
cx nft delete table inet bpfalg_loss
new=$(ftp_log_new "$FTP_LOG")
! printf '%s\n' "$new" | grep -q '^command: STOR' || fail "the STOR reached the server"

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
