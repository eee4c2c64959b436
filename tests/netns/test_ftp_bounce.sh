#!/bin/bash
# FTP bounce / NAT-pinning attempts.  The inside client sends PORT and EPRT
# commands naming endpoints it must not get opened: another inside host
# (10.0.1.99:2121), the FTP server's own address (192.0.2.2:2122, the
# classic bounce), and its own address at port 80 (a privileged service).
# The server is what an attacker runs: it honours every PORT/EPRT, connecting
# to the endpoint it was given and to the gateway's public address at the
# given port.  Listeners on 10.0.1.99:2121, 10.0.1.2:2122 and 10.0.1.2:80
# record any connection that gets in: there must be none.
# bpfalg: `algctl pinholes -j` count stays 0 (read while the control
# connection is open), ftp_refused rises by one per command,
# ftp_pinholes_opened does not rise.  The kernel's nf_conntrack_ftp refuses
# a third-party address but accepts the client's own port < 1024: in
# GW=kernel that case is recorded, not failed.
# gateways: kernel bpfalg
. "$(dirname "$0")/lib.sh"
test_init
topo_setup3
gw_setup
wait_reachable
FTP_ROOT=$TMPD	# (no vsftpd here; makes _evidence show the pinholes and FTP logs)

THIRD=10.0.1.99
ip -n "$NS_C" addr add "$THIRD/24" dev eth0 || fail "add $THIRD to the client"
ftp_tool cx listen --log "$TMPD/ftp-listen.log" "$THIRD:2121" "$CLIENT4:2122" "$CLIENT4:80" &
bg_track $!
sx timeout 60 python3 "$FTP_TOOL" evil-server --addr "$SERVER4" --log "$TMPD/ftp-evil.log" &
bg_track $!
wait_listen cx 2121
wait_listen cx 80
wait_listen sx 21

ftp_stats_mark
ftp_tool cx bounce --host "$SERVER4" --pause "$TMPD/b" >bounce.log 2>bounce.err &
cl=$!
bg_track $cl
ftp_wait_file "$TMPD/b.ready" 25 ||
	{ wait $cl; fail "bounce client: $(tail -n1 bounce.err)"; }
if [ "$GW_KIND" = bpfalg ]; then
	ftp_pinholes
	[ "$PH_N" -eq 0 ] ||
		fail "refused PORT/EPRT opened pinholes: algctl pinholes -j: $(printf '%s' "$PH_JSON" | head -c 600)"
fi
: >"$TMPD/b.go"
wait $cl || fail "bounce client: $(tail -n1 bounce.err)"
sed 's/^/# client: /' bounce.log
grep '^ATTEMPT' "$TMPD/ftp-evil.log" | sed 's/^/# server: /'
n=$(grep -c '^ATTEMPT' "$TMPD/ftp-evil.log")
[ "$n" -eq 5 ] || fail "the attacking server handled $n PORT/EPRT commands, expected 5"

sleep 0.2	# the listener logs an accept asynchronously
known=""
while read -r line; do
	case $line in
	"ACCEPT $CLIENT4:80 "*)
		if [ "$GW_KIND" = kernel ]; then
			known="$known ${line#ACCEPT }"
			continue
		fi
		;;
	ACCEPT*) ;;
	*) continue ;;
	esac
	fail "the attacking server got through to the inside: $line (server: $(grep '^ATTEMPT' "$TMPD/ftp-evil.log" | tr '\n' ';'))"
done <"$TMPD/ftp-listen.log"
if [ -n "$known" ]; then
	log "kernel reference: PORT/EPRT naming the client's own port 80 opened a path to it (accepted:${known}) (known nf_conntrack_ftp behaviour); bpfalg must refuse it"
	log "nothing reached $THIRD:2121 or $CLIENT4:2122"
else
	log "nothing reached $THIRD:2121, $CLIENT4:2122 or $CLIENT4:80"
fi
ftp_check_rose ftp_refused 5 "5 refused PORT/EPRT"
ftp_check_same ftp_pinholes_opened "refused PORT/EPRT"
exit 0
