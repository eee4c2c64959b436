#!/bin/bash
# --reinject-mark VALUE/MASK: the controller marks what it reinjects with
# the configured bits and the TC programs let exactly those packets
# through.  Active FTP must work with a mark under a mask that leaves other
# bits to somebody else (as a CNI's own marks would be): over IPv4 (PORT
# rewritten and reinjected) and over IPv6, where the reinjected control
# packets carry the flow's own tuple (no NAT), so only the mark keeps TC
# from punting them again.  `config show` lists the mark.  Then the IPv6
# transfer again with the mark changed by a second `up` under the running
# daemon, which must follow it (else every control packet it sends comes
# back to it and the transfer stalls).  Kernel: the same transfers through
# nf_conntrack_ftp, the reference.
# gateways: kernel bpfalg
. "$(dirname "$0")/lib.sh"
test_init
MARK1=0x00a00000/0x00f00000
MARK2=0x00000040/0x000000c0
[ "$GW_KIND" = bpfalg ] && GW_UP_ARGS="$GW_UP_ARGS --reinject-mark $MARK1"
topo_setup3
gw_setup
wait_reachable

ftp_file one.bin 1M
ftp_file six1.bin 512K
ftp_file six2.bin 512K
ftp_server_start sx "$SERVER4"
ftp_server_start sx "$SERVER6"

ftp_stats_mark
ftp_fetch cx "curl-port-1" "ftp://$SERVER4/one.bin" -P - --disable-eprt
ftp_fetch cx "curl-eprt6-1" "ftp://[$SERVER6]/six1.bin" -g -P -
[ "$GW_KIND" = bpfalg ] || { log "kernel: active FTP through nf_conntrack_ftp"; exit 0; }
ftp_check_rose ftp_rewritten 1 "PORT with reinject mark $MARK1"
ftp_check_rose ftp_pinholes_used 2 "PORT and EPRT (IPv6) with reinject mark $MARK1"
algctl config show >cfg.out 2>&1 || fail "algctl config show: $(head -c 300 cfg.out)"
grep -qx "reinject-mark = 0x00a00000/0x00f00000" cfg.out ||
	fail "config show does not list the mark: $(grep -i mark cfg.out)"

algctl up --inside gin --outside gout --masquerade ${XDP_FAST:+--xdp-fast $XDP_FAST} \
	${GW_UP_ARGS/--reinject-mark $MARK1/--reinject-mark $MARK2} >up2.out 2>&1 ||
	fail "second up with another mark: $(cat up2.out)"
sleep 1.5 # the daemon picks the datapath's mark up on its next tick
ftp_stats_mark
ftp_fetch cx "curl-eprt6-2" "ftp://[$SERVER6]/six2.bin" -g -P -
ftp_check_rose ftp_pinholes_used 1 "EPRT (IPv6) after the mark changed to $MARK2"
log "reinjected packets carried $MARK1, then $MARK2: every transfer complete"
