#!/bin/bash
# Many rewrites on one control connection, and rewrites that change the
# payload length both ways.  (1) python ftplib, active: 20 cycles of
# PORT+LIST and PORT+RETR in one session, then a 2 MiB RETR in the same
# session, sha256 checked: every PORT "10,0,1,2,..." becomes the one byte
# longer "192,0,2,1,...", so the sequence-number offset keeps growing.
# (2) a session that sends "PORT 010,000,001,002,p1,p2" (the rewrite is six
# bytes shorter) and then a normal PORT (one byte longer), a RETR after each,
# then a 2 MiB RETR, sha256 checked.  (3) a session of 20 x (PORT+RETR)
# with the client's data listener bound to the same port every time
# (SO_REUSEADDR, a fixed active port range): each data connection from the
# server's port 20 reuses the 4-tuple of the previous one, which is still in
# TIME_WAIT (issue 12), sha256 checked per file.
# bpfalg: ftp_rewritten rises by one per data connection, pinhole_hit too:
# every data connection is admitted by its pinhole, none may be missed.
# gateways: kernel bpfalg (not bpfalg-xdp: control-flow state, which XDP never carries (ftp_active covers XDP data flows))
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
# Every data connection is admitted by its pinhole, also when the client's
# new data port repeats one whose connection is still in TIME_WAIT (the
# server's SYN from port 20 on a TIME_WAIT tuple starts a new flow and
# consumes the waiting pinhole): no misses allowed (issue 12).
ftp_check_rose pinhole_hit $((2 * N + 1)) "$N cycles"

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

# (3) one fixed data port for every cycle (issue 12): each data connection
# server:20 -> public:P reuses the tuple of the previous one.
FIXED_PORT=40123
# bpfalg: the counters that say what became of a reused tuple
reuse_counters() {
	[ "$GW_KIND" = bpfalg ] || return 0
	printf 'tuple_reused=%s flow_reclaimed=%s pinhole_hit=%s' "$(stat_get tuple_reused)" \
		"$(stat_get flow_reclaimed)" "$(stat_get pinhole_hit)"
}
ftp_stats_mark
ftp_log_mark "$FTP_LOG"
rc0=$(reuse_counters)
ftp_tool cx fixedport --host "$SERVER4" --port $FIXED_PORT --n $N --small small.txt \
	--small-local "$FTP_ROOT/small.txt" >fixed.log 2>fixed.err || {
	[ "$GW_KIND" = bpfalg ] && log "fixed port: before: $rc0; now: $(reuse_counters)"
	sed 's/^/# client: /' fixed.log | tail -n 4
	fail "$N PORT+RETR cycles on one fixed data port $FIXED_PORT: $(tail -n1 fixed.err) (server's last replies: $(ftp_log_new "$FTP_LOG" | grep -E '^response: [1-5]' | tail -n 4 | tr '\n' ';'))"
}
new=$(ftp_log_new "$FTP_LOG")
n=$(printf '%s\n' "$new" | grep -cE "^command: PORT ${GW_OUT4//./,},")
[ "$n" -eq "$N" ] ||
	fail "fixed port: the server received $n PORTs naming $GW_OUT4, expected $N"
ports=$(printf '%s\n' "$new" | sed -nE "s/^command: PORT ${GW_OUT4//./,},([0-9]+),([0-9]+).*/\1 \2/p" |
	while read -r a b; do echo $((a * 256 + b)); done | sort -u | tr '\n' ' ')
log "fixed port: $N x (PORT+RETR) from $CLIENT4:$FIXED_PORT ok, public port(s) named: $ports"
# The server closed each data connection first, so its side of the last
# one is in TIME_WAIT: the state every new SYN from port 20 had to reuse
# (connect() from a bound port takes over a TIME_WAIT tuple that had
# timestamps).  Without it this part would not test issue 12.
tw=$(sx ss -tanH state time-wait "( sport = :20 and dport = :$FIXED_PORT )" | wc -l)
[ "$tw" -ge 1 ] ||
	fail "fixed port: no TIME_WAIT from the server's port 20 to :$FIXED_PORT: the cycles did not reuse a tuple"
log "fixed port: server's last data connection to :$FIXED_PORT in TIME_WAIT ($tw)"
[ "$GW_KIND" = bpfalg ] && log "fixed port: before: $rc0; after: $(reuse_counters)"
ftp_check_rose ftp_rewritten "$N" "fixed port"
ftp_check_rose pinhole_hit "$N" "fixed port"
exit 0
