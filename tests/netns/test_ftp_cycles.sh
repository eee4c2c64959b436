#!/bin/bash
# Many rewrites on one control connection, and rewrites that change the
# payload length both ways.  (1) python ftplib, active: 20 cycles of
# PORT+LIST and PORT+RETR in one session, then a 2 MiB RETR in the same
# session, sha256 checked: every PORT "10,0,1,2,..." becomes the one byte
# longer "192,0,2,1,...", so the sequence-number offset keeps growing.
# (2) a session that sends "PORT 010,000,001,002,p1,p2" (the rewrite is six
# bytes shorter) and then a normal PORT (one byte longer), a RETR after each,
# then a 2 MiB RETR, sha256 checked.
# bpfalg: ftp_rewritten rises by one per data connection, pinhole_hit too
# (less a data connection that reopened a TIME_WAIT flow).
. "$(dirname "$0")/lib.sh"
test_init
topo_setup3
gw_setup
wait_reachable

N=20
ftp_file small.txt 3K
ftp_file big.bin 2M
ftp_server_start sx "$SERVER4"

ftp_stats_mark
ftp_log_mark "$FTP_LOG"
ftp_tool cx cycles --host "$SERVER4" --n $N --small small.txt --small-local "$FTP_ROOT/small.txt" \
	--big big.bin --out cycles.out >cycles.log 2>cycles.err ||
	fail "$N active LIST/RETR cycles: $(tail -n1 cycles.err) (server's last replies: $(ftp_log_new "$FTP_LOG" | grep -E '^response: [1-5]' | tail -n 4 | tr '\n' ';'))"
ftp_same "RETR big.bin after $N cycles" cycles.out big.bin
n=$(ftp_log_new "$FTP_LOG" | grep -cE "^command: PORT ${GW_OUT4//./,},")
[ "$n" -eq $((2 * N + 1)) ] ||
	fail "the server received $n PORTs naming $GW_OUT4, expected $((2 * N + 1))"
log "$N cycles + 2 MiB RETR in one session ok ($n PORTs rewritten)"
ftp_check_rose ftp_rewritten $((2 * N + 1)) "$N cycles"
# Nearly every data connection is admitted by its pinhole.  When the
# client's new data port repeats one whose connection is still in
# TIME_WAIT, the server's SYN from port 20 reopens that flow instead (as
# conntrack does) and the pinhole expires unused: a couple of those in 41
# are allowed; every transfer itself was checked above.
ftp_check_rose pinhole_hit $((2 * N - 1)) "$N cycles"

ftp_stats_mark
ftp_log_mark "$FTP_LOG"
ftp_tool cx shrink --host "$SERVER4" --small small.txt --small-local "$FTP_ROOT/small.txt" \
	--big big.bin --out shrink.out >shrink.log 2>shrink.err ||
	fail "shorter/longer rewrite: $(tail -n1 shrink.err) (server saw: $(ftp_log_new "$FTP_LOG" | grep -E '^(command: PORT|response: [2345]0[0-9] )' | tail -n 4 | tr '\n' ';'))"
ftp_same "RETR big.bin after a shorter and a longer rewrite" shrink.out big.bin
new=$(ftp_log_new "$FTP_LOG")
n=$(printf '%s\n' "$new" | grep -cE "^command: PORT ${GW_OUT4//./,},")
[ "$n" -eq 3 ] || fail "shrink session: the server received $n PORTs naming $GW_OUT4, expected 3: $(printf '%s\n' "$new" | grep '^command: PORT' | tr '\n' ';')"
log "zero-padded PORT (shorter rewrite), normal PORT (longer), 2 MiB RETR: ok"
ftp_check_rose ftp_rewritten 3 "shorter/longer rewrites"
ftp_check_rose pinhole_hit 3 "shorter/longer rewrites"
exit 0
