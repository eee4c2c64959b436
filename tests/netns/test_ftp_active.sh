#!/bin/bash
# Active FTP, client inside, vsftpd outside (192.0.2.2).  curl -P - (EPRT),
# curl -P - --disable-eprt (PORT), lftp active (LIST, get), each download
# sha256-checked.  vsftpd refuses a PORT/EPRT that does not name the
# control connection's peer (the public address 192.0.2.1), so each transfer
# proves the rewrite (its log shows the command as it arrived), and the
# server's data connection (from port 20, to the public address) proves the
# pinhole.  IPv6 (routed, no NAT): curl -P - to [2001:db8:2::2] sends
# EPRT |2|fd00:1::2|p|: nothing to rewrite, but the server's inbound data
# connection must be admitted (kernel: related; bpfalg: a pinhole) while an
# unsolicited inbound IPv6 connection is not.
# bpfalg: IPv4 transfers raise ftp_rewritten and pinhole_hit; the IPv6 one
# raises ftp_pinholes_used and leaves ftp_rewritten alone.
. "$(dirname "$0")/lib.sh"
test_init
topo_setup3
gw_setup
wait_reachable
require_cmds lftp

ftp_file eprt.bin 1M
ftp_file port.bin 1M
ftp_file lftp.bin 1M
ftp_file six.bin 512K
ftp_server_start sx "$SERVER4"
LOG4=$FTP_LOG
ftp_server_start sx "$SERVER6"
LOG6=$FTP_LOG

# the server's log since the mark must show CMD with the public address
# (and it must have accepted it).
server_saw() { # WHAT PATTERN-OF-ACCEPTED-CMD REPLY-PATTERN
	local new
	new=$(ftp_log_new "$LOG4")
	printf '%s\n' "$new" | grep -qE "^command: $2" ||
		fail "$1: the server never received $2 (it saw: $(printf '%s' "$new" | grep -E '^command: (PORT|EPRT)' | tr '\n' ';' | head -c 300))"
	printf '%s\n' "$new" | grep -qE "^response: $3" ||
		fail "$1: the server did not accept it (its replies: $(printf '%s' "$new" | grep -E '^response: (200|500|425)' | tr '\n' ';' | head -c 300))"
}

# 1. curl EPRT
ftp_stats_mark
ftp_log_mark "$LOG4"
ftp_fetch cx "curl-eprt" "ftp://$SERVER4/eprt.bin" -P -
server_saw "curl -P - (EPRT)" "EPRT \|1\|$GW_OUT4\|[0-9]+\|" "200 EPRT"
ftp_log_new "$LOG4" | grep -q '^command: PORT' &&
	fail "curl -P - (EPRT): curl fell back to PORT, so EPRT was not accepted ($(ftp_log_new "$LOG4" | grep -E '^(command: (EPRT|PORT)|response: 5)' | tr '\n' ';'))"
ftp_check_rose ftp_rewritten 1 "curl EPRT"
ftp_check_rose pinhole_hit 1 "curl EPRT"

# 2. curl PORT
ftp_stats_mark
ftp_log_mark "$LOG4"
ftp_fetch cx "curl-port" "ftp://$SERVER4/port.bin" -P - --disable-eprt
server_saw "curl -P - --disable-eprt (PORT)" "PORT ${GW_OUT4//./,},[0-9]+,[0-9]+$" "200 PORT"
ftp_check_rose ftp_rewritten 1 "curl PORT"
ftp_check_rose pinhole_hit 1 "curl PORT"

# 3. lftp active: LIST and get in one session
ftp_stats_mark
ftp_log_mark "$LOG4"
cx timeout 30 lftp -c "set ftp:passive-mode off; set net:max-retries 1; set net:timeout 5;
	set net:reconnect-interval-base 1; set ftp:ssl-allow no; set cmd:fail-exit yes;
	open ftp://$SERVER4; ls; get lftp.bin -o lftp.out" >lftp.list 2>lftp.err ||
	fail "lftp active LIST + get: exit $? ($(tr '\n' ' ' <lftp.err | head -c 300)); server saw: $(ftp_log_new "$LOG4" | grep -E '^(command: (EPRT|PORT|LIST|RETR)|response: [45])' | tr '\n' ';' | head -c 300)"
grep -q ' lftp.bin$' lftp.list || fail "lftp active LIST: lftp.bin not listed: $(head -c 300 lftp.list)"
ftp_same "lftp active get" lftp.out lftp.bin
n=$(ftp_log_new "$LOG4" | grep -cE "^command: (PORT ${GW_OUT4//./,},|EPRT \|1\|$GW_OUT4\|)")
[ "$n" -ge 2 ] || fail "lftp active: the server received $n PORT/EPRT naming $GW_OUT4, expected 2 (LIST, RETR): $(ftp_log_new "$LOG4" | grep -E '^command: (PORT|EPRT)' | tr '\n' ';')"
log "lftp active: LIST and get ok ($n data connections)"
ftp_check_rose ftp_rewritten 2 "lftp LIST + get"
ftp_check_rose pinhole_hit 2 "lftp LIST + get"

# 4. IPv6: an inbound connection that is not FTP data is not admitted ...
cx timeout 20 socat TCP6-LISTEN:2100,bind="[$CLIENT6]",reuseaddr OPEN:/dev/null,wronly 2>/dev/null &
bg_track $!
wait_listen cx 2100
if sx timeout 4 socat -u OPEN:/dev/null "TCP6:[$CLIENT6]:2100,connect-timeout=2" 2>/dev/null; then
	fail "IPv6: an unsolicited connection from the server to [$CLIENT6]:2100 got through: the active-FTP check below would prove nothing"
fi
# ... but the server's active data connection is.
ftp_stats_mark
ftp_log_mark "$LOG6"
ftp_fetch cx "curl-eprt6" "ftp://[$SERVER6]/six.bin" -g -P -
new=$(ftp_log_new "$LOG6")
printf '%s\n' "$new" | grep -qE "^command: EPRT \|2\|$CLIENT6\|[0-9]+\|" ||
	fail "IPv6: the server did not receive EPRT |2|$CLIENT6|p| unchanged: $(printf '%s' "$new" | grep -E '^command: (EPRT|PORT)' | tr '\n' ';')"
ftp_check_rose ftp_pinholes_used 1 "IPv6 EPRT"
ftp_check_same ftp_rewritten "IPv6 EPRT (no NAT: nothing to rewrite)"
exit 0
