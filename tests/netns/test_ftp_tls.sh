#!/bin/bash
# AUTH TLS: once the control connection is encrypted the ALG can read
# nothing and must step aside, passing it through untouched.  vsftpd with
# ssl_enable (self-signed certificate, TLS required for the anonymous login
# and data), an inside client downloads passively with curl --ssl-reqd -k
# (EPSV, then PASV): passive data connections go outward, so they work
# through any NAT; active FTP cannot work through any ALG once encrypted.
# bpfalg: ftp_tls rises, ftp_rewritten does not.
# gateways: kernel bpfalg
. "$(dirname "$0")/lib.sh"
test_init
topo_setup3
gw_setup
wait_reachable

ftp_file tls-epsv.bin 1M
ftp_file tls-pasv.bin 1M
ftp_server_start sx "$SERVER4" tls

ftp_stats_mark
ftp_log_mark "$FTP_LOG"
ftp_fetch cx tls-epsv "ftp://$SERVER4/tls-epsv.bin" --ssl-reqd -k
ftp_fetch cx tls-pasv "ftp://$SERVER4/tls-pasv.bin" --ssl-reqd -k --disable-epsv
new=$(ftp_log_new "$FTP_LOG")
n=$(printf '%s\n' "$new" | grep -cE '^response: 234 ')
[ "$n" -eq 2 ] || fail "the server accepted AUTH TLS $n times, expected 2: $(printf '%s\n' "$new" | head -n 6 | tr '\n' ';')"
printf '%s\n' "$new" | grep -q '^command: PROT P' || fail "curl --ssl-reqd did not protect the data connection (no PROT P)"
log "two TLS sessions (AUTH TLS, PROT P), passive downloads ok"
ftp_check_rose ftp_tls 2 "AUTH TLS sessions"
ftp_check_same ftp_rewritten "AUTH TLS sessions"

# The server really requires TLS: a plain login is refused.
ftp_curl cx plain "ftp://$SERVER4/tls-epsv.bin"
rc=$?
[ $rc -ne 0 ] || fail "a plain (non-TLS) anonymous download worked: the TLS case proves nothing"
log "plain login refused (curl exit $rc)"
exit 0
