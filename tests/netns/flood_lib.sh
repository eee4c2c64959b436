# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# shellcheck shell=bash
#
# Helpers for the flood scenarios (test_flood_inside.sh, test_ack_flood.sh,
# test_flood_daemon_kill.sh).  Sourced after lib.sh, after test_init.
#
#   flood_exit_hook            chain flood_lib's cleanup in front of lib.sh's
#                              EXIT trap (restores nf_conntrack_max)
#   ct_max_hold N              kernel mode: host-wide nf_conntrack_max = N for
#                              this test (read-only inside a namespace); the
#                              previous value comes back on every exit path
#   flood_table_size           the table size both gateways get (see there)
#   mac NS DEV                 an interface's MAC address
#   flood_start NAME SECS CFG [TRAFGEN-ARGS...]
#                              trafgen from the client's (FLOOD_FROM=sx: the
#                              server's) eth0 in the background
#                              (FLOOD_PID), CFG is a trafgen configuration
#   flood_wait                 wait for it; FLOOD_SENT = packets it sent
#   flood_stop                 end it now (SIGINT) and flood_wait
#   ct_stats                   kernel: conntrack -S of the gateway, summed
#   flood_udp_cfg              trafgen config: client -> server UDP, random
#                              source and destination port (a new flow each)
#   gw_flow_count              entries in the gateway's table (kernel:
#                              conntrack -C in the gateway namespace; bpfalg:
#                              in_use of the original-half maps, flows4 +
#                              flows4_new + flows6 + flows6_new, algctl
#                              stats -j)
#   gw_tables, gw_table_pct, gw_table_full
#                              the tables for the log; how full the flood's
#                              table is (percent; full: >= 90 %)
#   gw_flow_live               entries alive (kernel: listed by conntrack -L)
#   flood_sink                 the server drops all UDP at its first hook
#   probe_server NSFUNC PORT   TCP service answering "pong <peer>" on PORT
#   tcp_probes NSFUNC HOST PORT N WHAT
#                              N new TCP connections, each in timeout; sets
#                              PROBE_OK, logs each failure

# ---------------------------------------------------------------- exit hook

_CT_HELD=""
_CT_DIR=/run/bpfalg-netns-ctmax

_flood_on_exit() {
	local rc=$?
	_ct_max_release
	(exit "$rc")
	_on_exit
}

flood_exit_hook() {
	trap _flood_on_exit EXIT
}

# nf_conntrack_max is one value for the whole host.  Several tests (or
# copies of one) may hold it at the same time: the first holder saves the
# original value, the last one restores it; holders are pid files (a dead
# holder, e.g. SIGKILLed, is dropped by the next one).
_ct_lock() {
	mkdir -p "$_CT_DIR" || return 1
	exec {_CT_FD}>"$_CT_DIR/lock" || return 1
	flock -w 10 "$_CT_FD"
}
_ct_unlock() { exec {_CT_FD}>&-; }
_ct_prune() {
	local f p
	for f in "$_CT_DIR"/holder.*; do
		[ -e "$f" ] || continue
		p=${f##*.}
		kill -0 "$p" 2>/dev/null || rm -f "$f"
	done
}
_ct_holders() { find "$_CT_DIR" -maxdepth 1 -name 'holder.*' 2>/dev/null | wc -l; }

ct_max_hold() {
	local n=$1 cur
	_ct_lock || fail "lock $_CT_DIR/lock"
	_ct_prune
	cur=$(cat /proc/sys/net/netfilter/nf_conntrack_max) || { _ct_unlock; fail "read nf_conntrack_max"; }
	if [ "$(_ct_holders)" -eq 0 ] || [ ! -s "$_CT_DIR/orig" ]; then
		echo "$cur" >"$_CT_DIR/orig"
	fi
	: >"$_CT_DIR/holder.$$"
	_CT_HELD=1
	if ! sysctl -qw net.netfilter.nf_conntrack_max="$n"; then
		_ct_unlock
		fail "sysctl net.netfilter.nf_conntrack_max=$n"
	fi
	_ct_unlock
	log "host nf_conntrack_max $cur -> $n for this test (original $(cat "$_CT_DIR/orig") restored on exit)"
}

_ct_max_release() {
	[ -n "$_CT_HELD" ] || return 0
	_CT_HELD=""
	_ct_lock || return 0
	rm -f "$_CT_DIR/holder.$$"
	_ct_prune
	if [ "$(_ct_holders)" -eq 0 ] && [ -s "$_CT_DIR/orig" ]; then
		sysctl -qw net.netfilter.nf_conntrack_max="$(cat "$_CT_DIR/orig")" &&
			printf '# host nf_conntrack_max restored to %s\n' "$(cat "$_CT_DIR/orig")"
		rm -f "$_CT_DIR/orig"
	fi
	_ct_unlock
}

# flood_table_size: the table size both gateways get, half the host's
# conntrack hash buckets (262,144 here: 131,072).  The kernel's early drop
# looks for an unreplied entry of the namespace to evict only in the 8
# buckets from the new tuple's on (NF_CT_EVICTION_RANGE), and every entry
# sits in 2 buckets (both directions) of the host-wide hash
# (nf_conntrack_buckets, read-only in a namespace): with N entries in B
# buckets it finds none with probability exp(-16 N / B), and then the new
# connection is dropped, its retransmissions too (same tuple).  At N = B/4
# that is 1.8 % per connection (measured: 1 failed connection in 3 runs of
# 5 probes); at N = B/2, 0.03 %.
flood_table_size() {
	local b
	b=$(cat /proc/sys/net/netfilter/nf_conntrack_buckets 2>/dev/null)
	[ -n "$b" ] && [ "$b" -ge 8192 ] || b=262144
	echo $((b / 2))
}

# ---------------------------------------------------------------- traffic

mac() { ip -n "$1" link show dev "$2" | awk '/link\/ether/ { print $2; exit }'; }

# Client -> server UDP, every packet a new 5-tuple (never answered).
flood_udp_cfg() {
	cat <<-EOF
	{
	  eth(da=$(mac "$NS_G" gin), sa=$(mac "$NS_C" eth0)),
	  ipv4(saddr=$CLIENT4, daddr=$SERVER4, ttl=64, df),
	  udp(sport=drnd(), dport=drnd()),
	  fill(0x42, 18)
	}
	EOF
}

FLOOD_PID=""
FLOOD_NAME=""
# flood_start NAME SECONDS CFG-FILE [TRAFGEN-ARGS...]: trafgen on one CPU
# from eth0 of the client namespace (FLOOD_FROM=sx: the server's), ended by
# SIGINT after SECONDS; returns at once.  Its output: NAME.trafgen.log.
flood_start() {
	local name=$1 secs=$2 cfg=$3
	shift 3
	FLOOD_NAME=$name
	${FLOOD_FROM:-cx} timeout -s INT -k 3 "$secs" trafgen --no-sock-mem --notouch-irq --no-cpu-stats \
		-P 1 -o eth0 -i "$cfg" "$@" >"$name.trafgen.log" 2>&1 &
	FLOOD_PID=$!
	bg_track $FLOOD_PID
}

# flood_stop: end the running flood now (SIGINT, so trafgen prints its count).
flood_stop() {
	[ -n "$FLOOD_PID" ] || return 0
	_flood_sig_tree INT "$FLOOD_PID"
	flood_wait
}
_flood_sig_tree() {
	local c
	for c in $(ps -o pid= --ppid "$2" 2>/dev/null); do _flood_sig_tree "$1" "$c"; done
	[ "$(ps -o comm= -p "$2" 2>/dev/null)" = trafgen ] && kill "-$1" "$2" 2>/dev/null
	return 0
}

# flood_wait: wait for the flood to end; FLOOD_SENT = packets trafgen sent.
flood_wait() {
	[ -n "$FLOOD_PID" ] || return 0
	wait "$FLOOD_PID" 2>/dev/null
	FLOOD_PID=""
	FLOOD_SENT=$(tr '\r' '\n' <"$FLOOD_NAME.trafgen.log" | sed -nE 's/^ *([0-9]+) packets outgoing.*/\1/p' | tail -n1)
	[ -n "$FLOOD_SENT" ] ||
		log "$FLOOD_NAME: no packet count from trafgen: $(tr '\r\n' '  ' <"$FLOOD_NAME.trafgen.log" | head -c 300)"
	log "$FLOOD_NAME: trafgen sent ${FLOOD_SENT:-?} packets"
	FLOOD_SENT=${FLOOD_SENT:-0}
}

# veth_tx_dropped: frames the client's eth0 dropped on transmit (a full veth
# ring: lost before the gateway saw them).
veth_tx_dropped() {
	ip -n "$NS_C" -s -j link show dev eth0 | python3 -c '
import json, sys
print(json.load(sys.stdin)[0]["stats64"]["tx"]["dropped"])'
}

# Entries in the gateway's state table (printed; empty when unknown).
# bpfalg: the original-half maps algctl stats -j lists, both families
# (layout 10: "flows4" and "flows6", answered, plus "flows4_new" and
# "flows6_new", unreplied), reply halves not counted.
gw_flow_count() {
	case $GW_KIND in
	kernel)
		gx conntrack -C 2>/dev/null || gx cat /proc/sys/net/netfilter/nf_conntrack_count
		;;
	bpfalg)
		algctl stats -j 2>/dev/null | python3 -c '
import json, sys
try:
    t = json.load(sys.stdin)["tables"]
    print(sum(t[k]["in_use"] for k in ("flows4", "flows4_new", "flows6", "flows6_new")))
except (ValueError, KeyError, TypeError):
    print("")'
		;;
	esac
}

# gw_tables: the gateway's tables as "name in_use/max ..." (for the log;
# bpfalg: the IPv4 original-half maps, where the floods' flows land).
gw_tables() {
	case $GW_KIND in
	kernel) echo "conntrack $(gw_flow_count)/$(gw_flow_max)" ;;
	bpfalg)
		algctl stats -j 2>/dev/null | python3 -c '
import json, sys
try: t = json.load(sys.stdin)["tables"]
except (ValueError, KeyError, TypeError): sys.exit(0)
print(" ".join("%s %s/%s" % (k, t[k]["in_use"], t[k]["max"]) for k in ("flows4", "flows4_new") if k in t))'
		;;
	esac
}

# gw_table_pct: how full (percent) the table a flood of unreplied flows
# lands in is (kernel: conntrack; bpfalg: "flows4_new", the floods are
# IPv4).  gw_table_full: at least 90 %.
gw_table_pct() {
	case $GW_KIND in
	kernel)
		local n m
		n=$(gw_flow_count) m=$(gw_flow_max)
		[ -n "$n" ] && [ -n "$m" ] && echo $((n * 100 / m))
		;;
	bpfalg)
		algctl stats -j 2>/dev/null | python3 -c '
import json, sys
try: t = json.load(sys.stdin)["tables"]["flows4_new"]
except (ValueError, KeyError, TypeError): sys.exit(0)
print(t["in_use"] * 100 // t["max"])'
		;;
	esac
}
gw_table_full() {
	local p
	p=$(gw_table_pct)
	[ -n "$p" ] && [ "$p" -ge 90 ]
}

# ct_stats: the gateway namespace's conntrack statistics summed over CPUs
# (insert, drop, early_drop, insert_failed, invalid).
ct_stats() {
	gx conntrack -S 2>/dev/null | python3 -c '
import re, sys
t = {}
for k, v in re.findall(r"(\w+)=(\d+)", sys.stdin.read()):
    t[k] = t.get(k, 0) + int(v)
print(" ".join("%s=%d" % (k, t[k]) for k in ("insert", "drop", "early_drop", "insert_failed", "invalid") if k in t))'
}

# gw_flow_live: entries still alive.  Kernel: what `conntrack -L` lists
# (the dump also reaps expired entries; conntrack -C counts expired ones
# until the GC worker, whose interval grows up to 60 s, reaches them, and
# those take no room: a lookup or early drop reclaims them).  bpfalg: the
# same as gw_flow_count (the controller removes expired flows).
gw_flow_live() {
	case $GW_KIND in
	kernel) gx conntrack -L 2>/dev/null | wc -l ;;
	bpfalg) gw_flow_count ;;
	esac
}

# The table's size as the gateway reports it (bpfalg: the IPv4 answered
# map, --flows).
gw_flow_max() {
	case $GW_KIND in
	kernel) cat /proc/sys/net/netfilter/nf_conntrack_max ;;
	bpfalg)
		algctl stats -j 2>/dev/null | python3 -c '
import json, sys
try:
    print(json.load(sys.stdin)["tables"]["flows4"]["max"])
except (ValueError, KeyError, TypeError):
    print("")'
		;;
	esac
}

# bpfalg counters worth seeing after a flood, one line.
flood_counters() {
	[ "$GW_KIND" = bpfalg ] || return 0
	algctl stats -j 2>/dev/null | python3 -c '
import json, sys
try: j = json.load(sys.stdin)
except ValueError: sys.exit(0)
c = j.get("counters", {})
keys = [k for k in sorted(c) if any(w in k for w in ("flow_new", "full", "evict", "expire", "reclaim", "midstream", "not_syn", "promoted", "drop", "fail", "forward_hit"))]
print(" ".join("%s=%s" % (k, c[k]) for k in keys))'
}

# flood_sink: the server drops every UDP datagram at its first hook (no
# socket, no ICMP back): a flood's flows are never answered.
flood_sink() {
	sx nft -f - <<-EOF || fail "server nft (drop the flood)"
	table inet sink {
		chain pre_sink {
			type filter hook prerouting priority raw; policy accept;
			meta l4proto udp counter drop
		}
	}
	EOF
}

# probe_server NSFUNC PORT: "pong <peer address>" to every connection.
probe_server() {
	$1 timeout 120 socat TCP-LISTEN:"$2",reuseaddr,fork,backlog=64 \
		SYSTEM:'echo pong $SOCAT_PEERADDR' 2>"probe-$2.err" &
	bg_track $!
	wait_listen "$1" "$2"
}

# tcp_probes NSFUNC HOST PORT N WHAT: N new connections one after another
# (each 6 s at most); PROBE_OK = how many got "pong".
tcp_probes() {
	local x=$1 host=$2 port=$3 n=$4 what=$5 i out t0 ms
	PROBE_OK=0
	for i in $(seq "$n"); do
		t0=$(date +%s%N)
		out=$($x timeout 6 socat -u TCP4:"$host":"$port",connect-timeout=5 - 2>&1 </dev/null)
		ms=$((($(date +%s%N) - t0) / 1000000))
		case $out in
		pong*) PROBE_OK=$((PROBE_OK + 1)) ;;
		*) log "$what: connection $i to $host:$port failed after $ms ms: $(printf '%s' "$out" | tr '\n' ' ' | head -c 200)" ;;
		esac
	done
	log "$what: $PROBE_OK/$n new TCP connections to $host:$port"
}
