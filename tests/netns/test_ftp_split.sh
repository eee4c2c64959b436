#!/bin/bash
# PORT commands that do not arrive as one segment holding one command.  A
# raw client (TCP_NODELAY, explicit sends) listens on the port it names and
# must get the server's data connection and a complete RETR:
#   plain  one PORT per segment (the control case: proves the harness;
#          bpfalg: `algctl pinholes -j` lists the pinhole between the PORT
#          and the RETR, with the port the server was given, and not after)
#   split  "PORT 10,0,1" and ",2,p1,p2\r\n" in two segments 0.3 s apart
#   batch  "TYPE I\r\nPORT ...\r\n" in one segment
# The kernel's nf_conntrack_ftp stalls on split (it drops the partial
# command and waits for a retransmission that never completes it) and
# misses the PORT in batch (it only parses a command at a segment's
# start): in GW=kernel those two are run and their result recorded, only
# plain must pass.  bpfalg must pass all three.
# gateways: kernel bpfalg
. "$(dirname "$0")/lib.sh"
test_init
topo_setup3
gw_setup
wait_reachable

ftp_file data.bin 256K
ftp_server_start sx "$SERVER4"
SUM=$(sha "$FTP_ROOT/data.bin")

# run_case MODE TIMEOUT [--pause PATH]: the raw client.
run_case() {
	local mode=$1 t=$2
	shift 2
	ftp_tool cx raw --host "$SERVER4" --file data.bin --sha "$SUM" --mode "$mode" \
		--timeout "$t" "$@" >"raw-$mode.log" 2>"raw-$mode.err"
}
# why MODE: the client's failure reason and what the server saw.
why() {
	printf '%s [server saw: %s]' "$(tail -n1 "raw-$1.err")" "$(ftp_log_new |
		grep -E '^(command: (TYPE|PORT|RETR)|response: (200|150|226|425|500))' | tr '\n' ';' | head -c 400)"
}

# plain, paused after the PORT's 200 so the gateway's state can be read.
ftp_stats_mark
ftp_log_mark "$FTP_LOG"
run_case plain 8 --pause "$TMPD/ph" &
raw=$!
bg_track $raw
ftp_wait_file "$TMPD/ph.ready" 15 || { wait $raw; fail "plain PORT (the control case): $(why plain)"; }
inside_port=$(sed -nE 's/.*listening on [0-9.]+:([0-9]+).*/\1/p' "$TMPD/ph.ready")
srv_port=$(ftp_log_new "$FTP_LOG" | sed -nE "s/^command: PORT ${GW_OUT4//./,},([0-9]+),([0-9]+)$/\1 \2/p" | tail -n1)
if [ "$GW_KIND" = bpfalg ]; then
	[ -n "$srv_port" ] || fail "plain PORT: the server did not receive a PORT naming $GW_OUT4: $(ftp_log_new "$FTP_LOG" | grep PORT)"
	pub=$(( ${srv_port% *} * 256 + ${srv_port#* } ))
	ftp_pinholes alg=ftp proto=tcp remote="$SERVER4" inside="$CLIENT4:$inside_port" public_port=$pub
	[ "$PH_N" -eq 1 ] ||
		fail "plain PORT: algctl pinholes -j has no ftp pinhole from $SERVER4 to public port $pub -> $CLIENT4:$inside_port: $(printf '%s' "$PH_JSON" | head -c 500)"
	log "pinhole listed: public $pub -> $CLIENT4:$inside_port, remote $SERVER4"
else
	log "kernel expectations: $(gx conntrack -L expect 2>/dev/null | tr '\n' ';')"
fi
: >"$TMPD/ph.go"
wait $raw || fail "plain PORT (the control case): $(why plain)"
log "$(cat raw-plain.log)"
ftp_check_rose pinhole_hit 1 "plain PORT"
ftp_check_rose ftp_pinholes_used 1 "plain PORT"
if [ "$GW_KIND" = bpfalg ]; then
	ftp_pinholes inside="$CLIENT4:$inside_port"
	[ "$PH_N" -eq 0 ] ||
		fail "plain PORT: the pinhole to $CLIENT4:$inside_port is still listed after the data connection used it: $(printf '%s' "$PH_JSON" | head -c 500)"
fi

for mode in split batch; do
	case $mode in
	split) what="PORT split across two segments" ;;
	batch) what="TYPE I + PORT in one segment" ;;
	esac
	ftp_stats_mark
	ftp_log_mark "$FTP_LOG"
	if [ "$GW_KIND" = kernel ]; then
		if run_case $mode 3; then
			log "kernel reference: $what passes (TESTING-NOTES says it fails): $(cat raw-$mode.log)"
		else
			log "kernel reference: $what fails (known nf_conntrack_ftp limitation); bpfalg must pass: $(why $mode)"
		fi
		continue
	fi
	run_case $mode 10 || fail "$what: $(why $mode)"
	log "$(cat raw-$mode.log)"
	ftp_check_rose ftp_rewritten 1 "$what"
	ftp_check_rose pinhole_hit 1 "$what"
done
exit 0
