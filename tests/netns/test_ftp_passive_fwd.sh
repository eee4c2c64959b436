#!/bin/bash
# Passive FTP to an inside server behind a port-forward: vsftpd on
# 10.0.1.2:21 (no pasv_address: its 227 names 10.0.1.2), tcp/21 on the
# public address forwarded to it, an outside client (192.0.2.2) downloads
# with PASV (curl --disable-epsv) and with EPSV.  The 227 text the client
# receives (curl --trace-ascii) must name the public address 192.0.2.1, not
# 10.0.1.2 (curl ignores the 227 address by default, so the text is what
# proves the rewrite); a third download with --no-ftp-skip-pasv-ip makes
# curl connect where the 227 points.  Every data connection needs the
# gateway to let the outside client in to the passive port.
# bpfalg: ftp_rewritten rises for the 227s, pinhole_hit for every transfer.
# gateways: kernel bpfalg (not bpfalg-xdp: the forward's control flow, which XDP never carries (ftp_active covers XDP data flows))
. "$(dirname "$0")/lib.sh"
test_init
topo_setup3
gw_setup
wait_reachable

ftp_file pasv.bin 1M
ftp_file epsv.bin 1M
ftp_file follow.bin 1M
ftp_server_start cx "$CLIENT4"
gw_forward_add tcp 21 "$CLIENT4" 21
GW_C=${GW_OUT4//./,}
IN_C=${CLIENT4//./,}

# check_227 LABEL: the 227 in LABEL.trace names the public address, and
# the server did send the private one.
check_227() {
	local got srv
	got=$(grep -aE '^[0-9a-f]{4}: 227 ' "$1.trace" | head -n1 | cut -d' ' -f2- | tr -d '\r')
	srv=$(ftp_log_new "$FTP_LOG" | grep -E '^response: 227 ' | tail -n1)
	[ -n "$got" ] || fail "$1: no 227 reply in curl's trace (server sent: ${srv:-nothing})"
	case $got in
	*"($GW_C,"*) ;;
	*"$IN_C,"*) fail "$1: the 227 reached the outside client unrewritten: '$got' (server sent '$srv')" ;;
	*) fail "$1: 227 names neither $GW_OUT4 nor $CLIENT4: '$got' (server sent '$srv')" ;;
	esac
	case $srv in
	*"($IN_C,"*) ;;
	*) fail "$1: vsftpd was expected to advertise $CLIENT4, its 227 was '$srv'" ;;
	esac
	log "$1: server sent '${srv#response: }', client got '$got'"
}

# PASV, curl ignoring the 227 address (its default).
ftp_stats_mark
ftp_log_mark "$FTP_LOG"
ftp_fetch sx pasv "ftp://$GW_OUT4/pasv.bin" --disable-epsv --trace-ascii pasv.trace
check_227 pasv
ftp_check_rose ftp_rewritten 1 "PASV (227 rewritten)"
ftp_check_rose pinhole_hit 1 "PASV data connection"

# EPSV: nothing but a port in the 229, the data connection still needs in.
ftp_stats_mark
ftp_log_mark "$FTP_LOG"
ftp_fetch sx epsv "ftp://$GW_OUT4/epsv.bin" --trace-ascii epsv.trace
grep -aqE '^[0-9a-f]{4}: 229 ' epsv.trace ||
	fail "EPSV: curl did not get a 229 (server: $(ftp_log_new "$FTP_LOG" | grep -E '^(command: E?PASV|response: 2[29]9)' | tr '\n' ';'))"
log "EPSV: $(grep -aE '^[0-9a-f]{4}: 229 ' epsv.trace | head -n1 | cut -d' ' -f2- | tr -d '\r')"
ftp_check_rose ftp_pinholes_used 1 "EPSV data connection"
ftp_check_rose pinhole_hit 1 "EPSV data connection"

# PASV with curl connecting to the address the 227 names.
ftp_stats_mark
ftp_log_mark "$FTP_LOG"
ftp_fetch sx follow "ftp://$GW_OUT4/follow.bin" --disable-epsv --no-ftp-skip-pasv-ip --trace-ascii follow.trace
check_227 follow
ftp_check_rose ftp_rewritten 1 "PASV, 227 address used"
ftp_check_rose pinhole_hit 1 "PASV, 227 address used"
exit 0
