#!/bin/bash
# A controller restart while a rewritten line is in flight.  The inside
# client sends PORT (rewritten to the public address, one byte longer);
# the server's namespace drops that first PORT segment, so the client
# retransmits it; with bpfalg the daemon is SIGKILLed and restarted while
# it does.  The restarted daemon must answer the retransmission with the
# bytes the first one sent (kept in the pinned map ctl_replay), not parse
# it again: parsing it again opens a second pinhole, and a rewrite of
# another length would shift every later byte of the connection.
# Checked: the PORT reaches the server once, naming the public address,
# RETR over it works (sha256); with bpfalg the daemons' log shows one
# rewrite in all and no FTP pinhole is left pending after the RETR.  The kernel reference (no daemon to restart) proves the
# drop and the client's retransmission.
# gateways: kernel bpfalg (not bpfalg-xdp: control-flow state, which XDP never carries)
. "$(dirname "$0")/lib.sh"
test_init
topo_setup3
gw_setup
wait_reachable

ftp_file r.bin 64K
ftp_server_start sx "$SERVER4"
FTP_COUNTERS="ftp_rewritten ftp_pinholes_opened ftp_retransmissions ftp_connections_reset"
# the first segment starting "PORT" that reaches the server is dropped
sx nft -f - <<-'NFT' || fail "server nft (drop the first PORT)"
	table inet bpfalg_loss {
		chain in {
			type filter hook input priority 0;
			tcp dport 21 @ih,0,32 0x504f5254 quota until 100 bytes counter drop
		}
	}
	NFT
dropped() { sx nft list table inet bpfalg_loss | sed -n 's/.*counter packets \([0-9]*\) .*/\1/p'; }

ftp_stats_mark
ftp_log_mark "$FTP_LOG"
cx timeout 60 python3 "$FTP_TOOL" raw --host "$SERVER4" --file r.bin \
	--sha "$(sha "$FTP_ROOT/r.bin")" --timeout 30 >raw.out 2>raw.err &
cli=$!
bg_track $cli
for _ in $(seq 100); do
	[ "$(dropped)" = 1 ] && break
	sleep 0.05
done
[ "$(dropped)" = 1 ] || fail "the server's namespace did not drop the first PORT (client: $(tail -n1 raw.err))"
if [ "$GW_KIND" = bpfalg ]; then
	daemon_stop KILL
	log "the rewritten PORT was lost; daemon SIGKILLed while the client retransmits"
	daemon_start
	log "daemon restarted (pid $DAEMON_PID)"
fi
wait $cli || fail "PORT + RETR across the restart: $(tail -n1 raw.err)"
log "client: $(tail -n1 raw.out)"
new=$(ftp_log_new "$FTP_LOG")
n=$(printf '%s\n' "$new" | grep -cE "^command: PORT ${GW_OUT4//./,},")
[ "$n" -eq 1 ] || fail "the server received $n PORTs naming $GW_OUT4: $(printf '%s\n' "$new" | grep '^command: PORT' | tr '\n' ';')"
if [ "$GW_KIND" = bpfalg ]; then
	# counters: the SIGKILLed daemon may not have stored its last ones,
	# so its log and the pinhole table are the record
	r=$(grep -c 'rewrote "PORT' "$TMPD/daemon.log")
	log "daemon log: $r rewrites of PORT in all; connections reset +$(ftp_stat_delta ftp_connections_reset)"
	[ "$r" -eq 1 ] ||
		fail "the PORT was rewritten $r times: the restarted daemon parsed the retransmission again"
	ftp_pinholes alg=ftp
	[ "$PH_N" -eq 0 ] ||
		fail "$PH_N FTP pinholes still pending after the one RETR (a second one was opened): $(printf '%s' "$PH_JSON" | head -c 300)"
	ftp_check_same ftp_connections_reset "restart replay"
fi
exit 0
