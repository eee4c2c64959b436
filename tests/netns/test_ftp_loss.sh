#!/bin/bash
# FTP with length-changing rewrites on a lossy control connection.  The
# client's namespace drops N % of the control connection's segments that
# carry data (PSH), in both directions (nftables `numgen random mod 100 <
# N drop`: this kernel has no netem), for N = 5, 10 and 20.  (Losing the
# handshake's segments too makes TCP take its RTT from a retransmitted
# SYN-ACK's timestamp, and either gateway then sits out retransmission
# timeouts of 30 s and more: the test is about the stream, not about
# TCP's backoff.)  At each level one python ftplib
# session runs 6 cycles of active PORT+LIST and PORT+RETR (every PORT
# "10,0,1,2,..." is rewritten one byte longer, so every later byte of the
# control connection is shifted), then a zero-padded PORT (rewritten six
# bytes shorter) + RETR, sha256 checked.  Lost rewritten segments,
# lost acknowledgements and retransmissions of rewritten lines all happen;
# the session must end intact, every file whole.
# bpfalg: the server received every PORT naming the public address; with
# loss, its retransmissions were answered (ftp_retransmissions rises).
# slow: 30 s or more; started first
# gateways: kernel bpfalg (not bpfalg-xdp: control-flow state, which XDP never carries)
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
test_init
topo_setup3
gw_setup
wait_reachable

N=6
ftp_file small.txt 3K
ftp_file mid.bin 64K
ftp_server_start sx "$SERVER4"
FTP_COUNTERS="ftp_rewritten ftp_retransmissions ftp_retrans_whole_lines ftp_dropped"

for pct in 5 10 20; do
	loss_set cx "$pct" "tcp sport 21 tcp flags & psh == psh" "tcp dport 21 tcp flags & psh == psh"
	ftp_stats_mark
	ftp_log_mark "$FTP_LOG"
	t0=$(date +%s)
	cx timeout 180 python3 "$FTP_TOOL" cycles --timeout 60 --host "$SERVER4" --n $N \
		--small small.txt --small-local "$FTP_ROOT/small.txt" \
		--big mid.bin --out "cycles$pct.out" >"cycles$pct.log" 2>"cycles$pct.err" ||
		fail "$pct % loss: $N active LIST/RETR cycles: $(tail -n1 "cycles$pct.err") (server's last replies: $(ftp_log_new "$FTP_LOG" | grep -E '^response: [1-5]' | tail -n 4 | tr '\n' ';'))"
	ftp_same "$pct % loss: RETR mid.bin after $N cycles" "cycles$pct.out" mid.bin
	cx timeout 180 python3 "$FTP_TOOL" shrink --timeout 60 --host "$SERVER4" \
		--small small.txt --small-local "$FTP_ROOT/small.txt" \
		--big mid.bin --out "shrink$pct.out" >"shrink$pct.log" 2>"shrink$pct.err" ||
		fail "$pct % loss: shorter/longer rewrites: $(tail -n1 "shrink$pct.err")"
	ftp_same "$pct % loss: RETR mid.bin after a shorter and a longer rewrite" "shrink$pct.out" mid.bin
	dropped=$(loss_dropped cx)
	total=$((${total:-0} + dropped))
	n=$(ftp_log_new "$FTP_LOG" | grep -cE "^command: PORT ${GW_OUT4//./,},")
	[ "$n" -eq $((2 * N + 4)) ] ||
		fail "$pct % loss: the server received $n PORTs naming $GW_OUT4, expected $((2 * N + 4))"
	log "$pct % loss: $dropped control segments dropped, 2 sessions intact ($n PORTs rewritten) in $(($(date +%s) - t0)) s; retransmissions answered: $(ftp_stat_delta ftp_retransmissions), whole lines: $(ftp_stat_delta ftp_retrans_whole_lines), engine drops: $(ftp_stat_delta ftp_dropped)"
	ftp_check_rose ftp_rewritten $((2 * N + 4)) "$pct % loss"
done
# a level may drop nothing by chance (5 % of a few dozen segments); all
# three together drop something, or the loss was never applied
[ "$total" -gt 0 ] || fail "the client's namespace dropped nothing at any level"
cx nft delete table inet bpfalg_loss
exit 0
