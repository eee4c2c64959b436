#!/bin/bash
# SIP over TCP with rewritten messages larger than one segment, on a lossy
# link.  The server's namespace drops N % of the SIP connection's segments
# that carry data (longer than 100 bytes: pure ACKs and the handshake are
# spared, see test_ftp_loss.sh), in both directions, for N = 5, 10 and 20
# (nftables `numgen random`: this kernel has no netem).  At each level the
# inside UA sends 10 INVITEs one after the other on one TCP connection,
# each about 3.4 KB (three segments, an SDP padded with attributes), each
# naming the inside address in Via, Contact, o= and c=.
# Checked: every INVITE reaches the server whole (Content-Length matches
# its body) and is answered; with bpfalg none names the inside address:
# each went out rewritten, in chunks, some lost and retransmitted from
# inside a rewritten message (ftp-style counters retrans_whole_lines).
# The kernel's helper left SIP over TCP unrewritten on this kernel (see
# test_sip_tcp.sh): recorded, and only delivery is required of it.
# slow: 30 s or more; started first
# gateways: kernel bpfalg (not bpfalg-xdp: control-flow state, which XDP never carries)
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
. "$HERE/sip_lib.sh"
test_init
topo_setup3
gw_setup
wait_reachable
[ "$GW_KIND" = bpfalg ] && { algctl alg sip on >/dev/null || fail "algctl alg sip on"; }
FTP_COUNTERS="sip_rewritten sip_retransmissions sip_retrans_whole_lines sip_dropped sip_held"
COUNT=10

for pct in 5 10 20; do
	loss_set sx "$pct" "tcp dport 5060 meta length > 100" "tcp sport 5060 meta length > 100"
	ftp_stats_mark
	t0=$(date +%s)
	sip_tcp_bulk "loss$pct" $COUNT
	leaks=$SIP_LEAKS
	dropped=$(loss_dropped sx)
	total=$((${total:-0} + dropped))
	log "$pct % loss: $dropped segments dropped, $COUNT INVITEs of $(sed -n 's/.* of \([0-9]*\) bytes.*/\1/p' "loss$pct.cli") bytes intact and answered in $(($(date +%s) - t0)) s; retransmissions answered: $(ftp_stat_delta sip_retransmissions), whole messages: $(ftp_stat_delta sip_retrans_whole_lines), engine drops: $(ftp_stat_delta sip_dropped)"
	if [ "$GW_KIND" = kernel ]; then
		[ "$leaks" -eq 0 ] ||
			log "kernel reference: $leaks of $COUNT INVITEs left unrewritten (nf_conntrack_sip over TCP); known limit, not a test failure"
	else
		[ "$leaks" -eq 0 ] || fail "$pct % loss: $leaks INVITEs reached the server naming the inside address"
		grep -q "c=IN IP4 $GW_OUT4" "loss$pct.srv" || fail "$pct % loss: the SDP does not name the public address"
		ftp_check_rose sip_rewritten $COUNT "$pct % loss"
	fi
done
# a level may drop nothing by chance (5 % of a few dozen segments); all
# three together drop something, or the loss was never applied
[ "$total" -gt 0 ] || fail "the server's namespace dropped nothing at any level"
sx nft delete table inet bpfalg_loss
exit 0
