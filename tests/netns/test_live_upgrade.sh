#!/bin/bash
# Upgrade and resize under traffic, without a `down` (migrate.h).
#
# bpfalg: the gateway starts with the previous layout's algctl, built here
# from the newest commit whose BPFALG_LAYOUT_VERSION differs from this
# tree's.  While traffic runs the controller is restarted with this tree's
# algctl (a package upgrade: stop, start), which migrates the pinned maps
# to the new layout and swaps the programs.  Then `algctl up --flows`
# doubles the table under the running controller, which follows the new
# maps by itself.  The kernel reference reloads its whole nftables ruleset
# at the same moment (conntrack and its expectations live on; it has no
# table resize per namespace, so that part is bpfalg's only).
#
# Traffic across each swap, all checked:
#   * a UDP stream (echoed, 1 datagram per 2 ms): no datagram lost;
#   * an active FTP session (lftp): a rate-limited download after a PORT
#     whose rewrite changed the control connection's length, intact, then
#     a second PORT + download on the same control connection (its
#     sequence correction carried over);
#   * a SIP call whose RTP echo keeps arriving after the swap;
#   * `algctl flows`: every established TCP flow keeps its public port.
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
# gateways: kernel bpfalg
# slow: 30 s or more (it builds the previous layout's algctl); started first
. "$HERE/lib.sh"
. "$HERE/sip_lib.sh"
test_init
require_cmds lftp sipp git make

# ---- the previous layout's algctl (bpfalg only)
if [ "$GW_KIND" = bpfalg ]; then
	layout_of() { sed -n 's/^#define BPFALG_LAYOUT_VERSION \([0-9]*\).*/\1/p'; }
	cur=$(layout_of <"$REPO/include/bpfalg.h")
	git -C "$REPO" rev-parse --git-dir >/dev/null 2>&1 ||
		skip "not a git checkout: no previous layout to upgrade from"
	prev=""
	for c in $(git -C "$REPO" log --format=%H -n 400 -- include/bpfalg.h); do
		v=$(git -C "$REPO" show "$c:include/bpfalg.h" | layout_of)
		[ -n "$v" ] && [ "$v" != "$cur" ] && { prev=$c; break; }
	done
	[ -n "$prev" ] || skip "no commit with another layout than v$cur in the last 400"
	mkdir old && git -C "$REPO" archive "$prev" | tar -x -C old ||
		fail "git archive $prev"
	make -s -C old -j2 OUTPUT="$TMPD/old/build" "$TMPD/old/build/algctl" \
		>old.log 2>&1 || fail "building $prev's algctl: $(tail -n 3 old.log | tr '\n' ' ')"
	OLD_ALGCTL=$TMPD/old/build/algctl
	log "previous layout: $("$OLD_ALGCTL" -V) from ${prev:0:12}, upgrading to $("$ALGCTL" -V)"
fi

topo_setup3
if [ "$GW_KIND" = bpfalg ]; then
	NEW_ALGCTL=$ALGCTL
	ALGCTL=$OLD_ALGCTL
fi
gw_setup
wait_reachable
[ "$GW_KIND" = kernel ] && gx nft list ruleset >ruleset.nft

# swap_now: the moment under test.  Kernel: the ruleset reloaded in one
# transaction.  bpfalg: the controller restarted with the new algctl.
swap_now() {
	if [ "$GW_KIND" = kernel ]; then
		{ echo "flush ruleset"; cat ruleset.nft; } | gx nft -f - ||
			fail "nft -f (reload)"
		return
	fi
	daemon_stop TERM || fail "the old controller ignored SIGTERM"
	ALGCTL=$NEW_ALGCTL
	daemon_start
	grep -q "migrating the running datapath (layout v" "$TMPD/daemon.log" ||
		fail "the new controller did not migrate: $(tail -n 4 "$TMPD/daemon.log" | tr '\n' ' ')"
	log "$(grep -h 'migration: ' "$TMPD/daemon.log" | tail -n1)"
}

# TCP flows as "orig-src orig-dst public" lines: established ones (before
# a swap), or in any state (after it: a transfer may have ended meanwhile)
tcp_flows() { # established|any
	algctl flows -j | python3 -c '
import json, sys
for f in json.load(sys.stdin)["flows"]:
    if f["proto"] == "tcp" and sys.argv[1] in ("any", f["state"]):
        a = lambda e: "%s:%s" % (e["addr"], e["port"])
        print(a(f["orig_src"]), a(f["orig_dst"]), a(f["public"]))' "$1" | sort
}

# ---- traffic
ftp_file big.bin 3M
ftp_file small.bin 200K
# 3 MB at 1 MB/s: the first download spans the swap
FTP_SERVER_EXTRA=anon_max_rate=1000000 ftp_server_start sx "$SERVER4"
sip_init

start_traffic() { # SECONDS-of-UDP-stream PORT
	sx timeout $(($1 + 4)) python3 "$HERE/udp_stream.py" echo "$2" $(($1 + 3)) &
	bg_track $!
	wait_listen sx "$2" udp
	cx timeout $(($1 + 4)) python3 "$HERE/udp_stream.py" send "$SERVER4" "$2" "$1" 2 >udp.out &
	UDP_PID=$!
	bg_track $UDP_PID
}

check_udp() { # LABEL
	wait "$UDP_PID"
	read -r _ sent _ echoed _ missing first <udp.out ||
		fail "$1: no result from the UDP stream"
	log "$1: UDP stream: $sent sent, $echoed echoed, $missing missing"
	[ "$sent" -gt 1000 ] || fail "$1: only $sent datagrams sent"
	[ "$missing" -eq 0 ] ||
		fail "$1: $missing of $sent datagrams of an established flow lost (first: $first)"
}

start_traffic 9 9998
# FTP: the first PORT changes the control connection's length (10,0,1,2
# becomes 192,0,2,1); the download runs through the swap; the second PORT
# comes after it on the same control connection.
cx timeout 60 lftp -c "set ftp:passive-mode off; set net:max-retries 1;
	set net:timeout 10; set ftp:ssl-allow no; set cmd:fail-exit yes;
	open ftp://$SERVER4; get big.bin -o big.out; get small.bin -o small.out" \
	>lftp.out 2>lftp.err &
LFTP=$!
bg_track $LFTP
# SIP: RTP (g711a.pcap, echoed by the UAS) from 0.5 s to 6.5 s: the call
# of uac_rtp.xml held 6 s instead of 3
sed 's/<pause milliseconds="3000"\/>/<pause milliseconds="6000"\/>/' uac_rtp.xml >uac_long.xml
grep -q 'milliseconds="6000"' uac_long.xml || fail "uac_long.xml"
sx timeout 30 sipp -sf uas_strict.xml -i "$SERVER4" -p 5060 -mp 6000 \
	-rtp_echo -m 1 -trace_err -nostdin >uas.out 2>&1 </dev/null &
UAS=$!
bg_track $UAS
wait_listen sx 5060 udp
cx timeout 20 tcpdump -l -n -tt -i eth0 "udp and src host $SERVER4 and dst port 7000" \
	>rtp.cap 2>rtp.err &
bg_track $!
sleep 0.5
cx timeout 20 sipp -sf uac_long.xml "$SERVER4:5060" -i "$CLIENT4" -p 5060 \
	-mp 7000 -m 1 -cid_str "%u-%p@call.bpfalg.test" -trace_err -nostdin >uac.out 2>&1 </dev/null &
UAC=$!
bg_track $UAC
sleep 1.5
[ "$GW_KIND" = bpfalg ] && tcp_flows established >flows.before
swap_now
t_swap=$(date +%s.%N)
log "swapped at $t_swap"
[ "$GW_KIND" = bpfalg ] && tcp_flows any >flows.after

wait "$UAC" || fail "SIP UAC: the call failed across the swap: $(sip_errors uac)"
wait "$UAS" || fail "SIP UAS: the call failed across the swap: $(sip_errors uas)"
after=$(awk -v t="$t_swap" '$1 > t' rtp.cap | wc -l)
log "SIP: $after RTP echoes reached the client after the swap"
[ "$after" -ge 20 ] || fail "SIP: only $after RTP packets reached the client after the swap (media stopped)"
wait "$LFTP" || fail "lftp: $(tr '\n' ' ' <lftp.err | head -c 300)"
ftp_same "FTP download across the swap" big.out big.bin
ftp_same "FTP download after the swap, same control connection" small.out small.bin
log "FTP: both downloads intact"
check_udp "upgrade"
if [ "$GW_KIND" = bpfalg ]; then
	[ -s flows.before ] || fail "no established TCP flow listed before the swap"
	missing=$(comm -23 flows.before flows.after)
	[ -z "$missing" ] ||
		fail "flows lost or renumbered by the upgrade: $(echo "$missing" | tr '\n' ';') (after: $(tr '\n' ';' <flows.after))"
	log "flows: $(wc -l <flows.before) established TCP flows kept their public ports"
fi

[ "$GW_KIND" = bpfalg ] || exit 0

# ---- resize under the running controller
start_traffic 6 9999
cx timeout 60 lftp -c "set ftp:passive-mode off; set net:max-retries 1;
	set net:timeout 10; set ftp:ssl-allow no; set cmd:fail-exit yes;
	open ftp://$SERVER4; get big.bin -o big2.out; get small.bin -o small2.out" \
	>lftp2.out 2>lftp2.err &
LFTP=$!
bg_track $LFTP
sleep 1.5
tcp_flows established >flows.before
pid_before=$DAEMON_PID
algctl up --inside gin --outside gout --masquerade $GW_UP_ARGS --flows 131072 >up.out 2>&1 ||
	fail "algctl up --flows 131072: $(tr '\n' ' ' <up.out)"
grep -q "flow table of [0-9]* to 131072 entries" up.out ||
	fail "up --flows 131072 did not migrate: $(tr '\n' ' ' <up.out)"
log "$(grep -h 'migration: ' up.out)"
tcp_flows any >flows.after
for i in $(seq 50); do
	grep -q "restarting the controller on them" "$TMPD/daemon.log" &&
		algctl status >/dev/null 2>&1 && break
	sleep 0.1
done
grep -q "restarting the controller on them" "$TMPD/daemon.log" ||
	fail "the controller did not follow the resized maps: $(tail -n 3 "$TMPD/daemon.log" | tr '\n' ' ')"
kill -0 "$pid_before" 2>/dev/null || fail "the controller died instead of restarting: $(tail -n 3 "$TMPD/daemon.log" | tr '\n' ' ')"
algctl status >/dev/null || fail "algctl status after the resize: $(algctl status 2>&1 | head -n 2 | tr '\n' ' ')"
max=$(algctl status -j | python3 -c 'import json,sys; print(json.load(sys.stdin)["flows"]["max"])')
[ "$max" = 131072 ] || fail "after the resize the table holds $max entries, not 131072"
wait "$LFTP" || fail "lftp across the resize: $(tr '\n' ' ' <lftp2.err | head -c 300)"
ftp_same "FTP download across the resize" big2.out big.bin
ftp_same "FTP PORT after the resize (the restarted controller rewrote it)" small2.out small.bin
check_udp "resize"
missing=$(comm -23 flows.before flows.after)
[ -z "$missing" ] || fail "flows lost by the resize: $(echo "$missing" | tr '\n' ';')"
log "resize to 131072 entries: traffic and flows kept, controller restarted on the new maps"

# ---- a migration that fails after the first interface was swapped: the
# old programs go back, the pins and the table stay, the controller resumes
pin_id() { bpftool map show pinned "$PIN/$1" | sed -n 's/^\([0-9]*\):.*/\1/p'; }
before=$(pin_id flows4)
start_traffic 4 9997
sleep 1
if BPFALG_TEST_FAIL_MIGRATION=1 algctl up --inside gin --outside gout --masquerade $GW_UP_ARGS --flows 65536 >fail.out 2>&1; then
	fail "a failed migration exited 0: $(tr '\n' ' ' <fail.out)"
fi
grep -q "migration failed on purpose.*: the running datapath is unchanged" fail.out ||
	fail "the failed migration does not say why and what remains: $(tr '\n' ' ' <fail.out)"
[ "$(pin_id flows4)" = "$before" ] || fail "a failed migration replaced the pinned flow table"
# every hook runs a program on the pinned table again (the way back)
for l in "$PIN"/links/*; do
	prog=$(bpftool link show pinned "$l" | sed -n 's/.* prog \([0-9]*\).*/\1/p')
	bpftool prog show id "$prog" | grep -q "map_ids.*\b$before\b" ||
		fail "after a failed migration ${l##*/} runs program $prog, not on the pinned table $before"
done
[ ! -e "$PIN-next" ] || fail "a failed migration left its staging directory $PIN-next"
max=$(algctl status -j | python3 -c 'import json,sys; print(json.load(sys.stdin)["flows"]["max"])')
[ "$max" = 131072 ] || fail "after a failed migration the table holds $max entries, not 131072"
check_udp "failed migration"
for i in $(seq 30); do
	grep -q "resumed: the maps were not replaced" "$TMPD/daemon.log" && break
	sleep 0.1
done
grep -q "resumed: the maps were not replaced" "$TMPD/daemon.log" ||
	fail "the controller did not resume after the failed migration: $(tail -n 3 "$TMPD/daemon.log" | tr '\n' ' ')"
ftp_fetch cx "port-after-failed" "ftp://$SERVER4/small.bin" -P - --disable-eprt
log "failed migration: $(head -n1 fail.out | cut -c1-120); old datapath kept, controller resumed"
exit 0
