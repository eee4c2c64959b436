#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# One benchmark round: build the 3-namespace topology of tests/netns/lib.sh,
# bring up ONE gateway, run the selected workloads, print one JSON object
# (the round's raw numbers) on the last stdout line, tear everything down.
# bench/run.sh calls this once per (gateway, round), interleaved.
#
#   BENCH_GW=plain|kernel|bpfalg-tc|bpfalg|ceiling   WORKLOADS="1 2 3 4 7"   DUR=<seconds>
#
# plain     = routing only: no gateway set-up, no NAT, no state; the server
#             gets a route back to the inside prefix.  The baseline.
# kernel    = lib.sh GW=kernel (nftables masquerade + ct helpers)
# bpfalg-tc = lib.sh GW=bpfalg (algctl daemon, XDP fast path off as on any
#             veth by default: established flows are forwarded by the TC
#             fast path, --tc-fast auto), what a veth (Kubernetes pod) or a
#             tap (VM guest) gets.  The headline.
# bpfalg    = lib.sh GW=bpfalg-xdp (--xdp-fast on: established flows
#             forwarded by XDP redirect), XDP native
# ceiling   = build/xdp_ceiling.bpf.o on gin and gout (redirect + MAC
#             rewrite, no NAT), and a route back to the inside prefix on the
#             server (the ceiling does not translate).
# xdp_pass on the client's and the server's veth (an XDP redirect into a
# veth delivers nothing unless the peer runs an XDP program):
# BENCH_XDP_PEERS=auto (default) only where an XDP redirect needs it
# (bpfalg, ceiling); =all on every gateway (the same endpoints everywhere,
# as workload 6 has them).  TX checksum offload is off on both endpoints
# for every gateway (lib.sh).

BENCH_GW=${BENCH_GW:-kernel}
# BPFALG: a bpfalg gateway (stats, flow counts, the daemon); FAST_CTR: the
# counter of its fast path
BPFALG="" FAST_CTR=""
case $BENCH_GW in
kernel) GW=kernel ;;
bpfalg) GW=bpfalg-xdp BPFALG=1 FAST_CTR=xdp_forwarded ;;
bpfalg-tc) GW=bpfalg BPFALG=1 FAST_CTR=tc_redirected ;;
# lib.sh knows no "ceiling" or "plain": run them as "kernel" for lib.sh's
# bookkeeping (teardown of namespaces) but never call gw_setup (no
# nftables ruleset).
ceiling | plain) GW=kernel ;;
*) echo "FAIL: unknown BENCH_GW=$BENCH_GW (plain|kernel|bpfalg-tc|bpfalg|ceiling)" && exit 1 ;;
esac
BENCH_XDP_PEERS=${BENCH_XDP_PEERS:-auto}
case $BENCH_XDP_PEERS in
auto | all) ;;
*) echo "FAIL: unknown BENCH_XDP_PEERS=$BENCH_XDP_PEERS (auto|all)" && exit 1 ;;
esac
export GW
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/.." && pwd)
BUILD=${BUILD:-$TOP/build}
case $BUILD in /*) ;; *) BUILD=$TOP/$BUILD ;; esac
ALGCTL=${ALGCTL:-$BUILD/algctl}
case $ALGCTL in /*) ;; *) ALGCTL=$TOP/$ALGCTL ;; esac
CEIL_OBJ=$BUILD/xdp_ceiling.bpf.o
WORKLOADS=${WORKLOADS:-1 2 4 7}
DUR=${DUR:-3}           # measuring window per workload, seconds
WARM=${WARM:-0.5}       # traffic runs this long before the window opens
TRAFGEN_CPUS=${TRAFGEN_CPUS:-1}

# shellcheck source=../tests/netns/lib.sh
. "$TOP/tests/netns/lib.sh"

CEIL_PIN=""
STATS_WAS=""
_bench_exit() {
	local rc=$?
	set +e
	[ -n "$STATS_WAS" ] && sysctl -qw kernel.bpf_stats_enabled="$STATS_WAS"
	[ -n "$CT_MAX_WAS" ] && sysctl -qw net.netfilter.nf_conntrack_max="$CT_MAX_WAS"
	if [ -n "$CEIL_PIN" ]; then
		ip -n "$NS_G" link set dev gin xdpdrv off 2>/dev/null
		ip -n "$NS_G" link set dev gout xdpdrv off 2>/dev/null
		rm -rf "$CEIL_PIN"
	fi
	(exit "$rc")
	_on_exit
}

# lib.sh attaches xdp_pass to the endpoints in every bpfalg mode; the TC
# path never redirects by XDP (--xdp-fast stays off on veth), so with
# BENCH_XDP_PEERS=auto its endpoints stay bare, like plain's and the
# kernel's: what a pod's or a guest's interface is.
if [ "$BENCH_GW" = bpfalg-tc ] && [ "$BENCH_XDP_PEERS" = auto ]; then
	_attach_xdp_peers() { log "endpoints without xdp_pass (BENCH_XDP_PEERS=auto)"; }
fi

test_init
require_cmds trafgen iperf3 bpftool
trap _bench_exit EXIT
cd "$TMPD" || fail "cd"

log "scratch $TMPD"
topo_setup3

mac() { ip -n "$1" -j link show dev "$2" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["address"])'; }
ifidx() { ip -n "$1" -j link show dev "$2" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["ifindex"])'; }
# bytes of a MAC / u32 for `bpftool map update ... hex`
machex() { echo "$1" | tr ':' ' '; }
u32hex() { printf '%08x' "$1" | sed -E 's/(..)(..)(..)(..)/\4 \3 \2 \1/'; }

ceiling_up() {
	[ -r "$CEIL_OBJ" ] || fail "missing $CEIL_OBJ (make $CEIL_OBJ)"
	_ensure_bpffs
	CEIL_PIN=$PIN-ceil
	mkdir -p "$CEIL_PIN"
	_attach_xdp_peers
	bpftool prog load "$CEIL_OBJ" "$CEIL_PIN/prog" type xdp pinmaps "$CEIL_PIN" ||
		fail "bpftool prog load xdp_ceiling"
	local gin gout cmac smac ginmac goutmac
	gin=$(ifidx "$NS_G" gin) gout=$(ifidx "$NS_G" gout)
	cmac=$(mac "$NS_C" eth0) smac=$(mac "$NS_S" eth0)
	ginmac=$(mac "$NS_G" gin) goutmac=$(mac "$NS_G" gout)
	# key ingress ifindex -> {out ifindex, dmac, smac}
	# shellcheck disable=SC2046
	bpftool map update pinned "$CEIL_PIN/ceil_ports" key hex $(u32hex "$gin") \
		value hex $(u32hex "$gout") $(machex "$smac") $(machex "$goutmac") || fail "map update gin"
	# shellcheck disable=SC2046
	bpftool map update pinned "$CEIL_PIN/ceil_ports" key hex $(u32hex "$gout") \
		value hex $(u32hex "$gin") $(machex "$cmac") $(machex "$ginmac") || fail "map update gout"
	gx bpftool net attach xdpdrv pinned "$CEIL_PIN/prog" dev gin || fail "attach ceiling gin"
	gx bpftool net attach xdpdrv pinned "$CEIL_PIN/prog" dev gout || fail "attach ceiling gout"
	route_back
}
# No NAT (plain, ceiling): the server needs a route back to the inside
# prefix (as workload 6's plain in bench/ftp_latency.sh).
route_back() {
	ip -n "$NS_S" route add "$INSIDE_PREFIX4" via "$GW_OUT4" || fail "server route back"
}

case " $WORKLOADS " in *" 7 "*)
	STATS_WAS=$(sysctl -n kernel.bpf_stats_enabled)
	sysctl -qw kernel.bpf_stats_enabled=1 ;;
esac

# Flow table limit, the same on both sides: bpfalg `--flows`, the kernel's
# nf_conntrack_max.  262,144 (bpfalg's default, and this host's
# nf_conntrack_max) unless workload 5 asks for more flows: then the next
# power of two above its largest step (1,048,576 for 1,000,000).  In a
# network namespace nf_conntrack_max is read-only (the host's value
# applies), so a larger kernel table raises the host's limit for this round
# (restored on exit; a limit only, nothing is allocated), and the conntrack
# hash (nf_conntrack_buckets, host-wide, read-only in a namespace) stays as
# it is: reported as w5_ct_buckets.  Workload 5 also keeps unreplied UDP
# entries W5_UDP_TIMEOUT (300) s on both sides (default 30 s: the first
# flows would expire while the last are created).
W5_FLOWS=${W5_FLOWS:-1000 100000 1000000}
BENCH_FLOWS=262144
case " $WORKLOADS " in *" 5 "*)
	for n in $W5_FLOWS; do
		while [ "$BENCH_FLOWS" -lt $((n + 1000)) ]; do BENCH_FLOWS=$((BENCH_FLOWS * 2)); done
	done
	W5_UDP_TIMEOUT=${W5_UDP_TIMEOUT:-300}
	GW_UP_ARGS="${GW_UP_ARGS:+$GW_UP_ARGS }--timeout-udp $W5_UDP_TIMEOUT" ;;
esac
[ "$BENCH_FLOWS" -ne 262144 ] && GW_UP_ARGS="${GW_UP_ARGS:+$GW_UP_ARGS }--flows $BENCH_FLOWS"
CT_MAX_WAS=""
if [ "$BENCH_GW" = kernel ] && [ "$(cat /proc/sys/net/netfilter/nf_conntrack_max)" -lt "$BENCH_FLOWS" ]; then
	CT_MAX_WAS=$(cat /proc/sys/net/netfilter/nf_conntrack_max)
	sysctl -qw net.netfilter.nf_conntrack_max="$BENCH_FLOWS" || fail "host nf_conntrack_max=$BENCH_FLOWS"
	log "host nf_conntrack_max $CT_MAX_WAS -> $BENCH_FLOWS for this round"
fi

case $BENCH_GW in
ceiling) ceiling_up ;;
plain)
	[ "$BENCH_XDP_PEERS" = all ] && _attach_xdp_peers
	route_back
	;;
kernel)
	[ "$BENCH_XDP_PEERS" = all ] && _attach_xdp_peers
	gw_setup
	;;
*) gw_setup ;; # the bpfalg modes (lib.sh attaches xdp_pass: above)
esac
if [ "$BENCH_GW" = kernel ] && [ -n "${W5_UDP_TIMEOUT:-}" ]; then
	gx sysctl -qw net.netfilter.nf_conntrack_udp_timeout="$W5_UDP_TIMEOUT" ||
		fail "nf_conntrack_udp_timeout in the gateway namespace"
fi
wait_reachable

# Server side: count and drop the measured UDP streams at the earliest hook
# (no socket, no ICMP port-unreachable back through the gateway).
sx nft -f - <<-EOF || fail "server nft"
table inet bench {
	counter w1 { }
	counter w2 { }
	chain pre {
		type filter hook prerouting priority raw; policy accept;
	}
}
EOF
# Added after workload 1 primed its flow (the priming reply needs port 5001).
DROPS_ON=""
server_drops() {
	[ -n "$DROPS_ON" ] && return 0
	DROPS_ON=1
	sx nft add rule inet bench pre udp dport 5001 counter name w1 drop &&
		sx nft add rule inet bench pre udp dport 5002-5033 counter name w2 drop ||
		fail "server nft rules"
}
cnt() { sx nft list counter inet bench "$1" | sed -nE 's/.*packets ([0-9]+).*/\1/p'; }
now() { date +%s.%N; }

GWMAC=$(mac "$NS_G" gin)
CMAC=$(mac "$NS_C" eth0)
mk_trafgen_cfg() { # SPORT-EXPR DPORT
	cat <<-EOF
	{
	  eth(da=$GWMAC, sa=$CMAC),
	  ipv4(saddr=$CLIENT4, daddr=$SERVER4, ttl=64, df),
	  udp(sport=$1, dport=$2),
	  fill(0x42, 18)
	}
	EOF
}

# xdp program ids on the gateway interfaces: "gin=ID gout=ID"
xdp_prog_id() {
	ip -n "$NS_G" -j -d link show dev "$1" | python3 -c '
import json, sys
x = json.load(sys.stdin)[0].get("xdp") or {}
p = x.get("prog") or next((a["prog"] for a in x.get("attached", []) if "prog" in a), None)
print(p["id"] if p else "")'
}
prog_rt() { # ID -> "run_time_ns run_cnt"
	bpftool prog show id "$1" -j | python3 -c '
import json, sys
j = json.load(sys.stdin); print(j.get("run_time_ns", 0), j.get("run_cnt", 0))'
}

# trafgen_window NAME CFG: run trafgen, measure the counter over DUR seconds.
# Sets PPS, SENT (trafgen's own count is not used: only delivered counts).
trafgen_window() {
	local name=$1 cfg=$2 c0 c1 t0 t1 tp
	cx timeout -s INT $((${DUR%.*} + 6)) trafgen --no-sock-mem --notouch-irq --no-cpu-stats -P "$TRAFGEN_CPUS" \
		-o eth0 -i "$cfg" >"$TMPD/trafgen-$name.log" 2>&1 &
	tp=$!
	bg_track $tp
	sleep "$WARM"
	[ -n "${HOOK_START:-}" ] && $HOOK_START
	c0=$(cnt "$name") t0=$(now)
	read -r _ _ _ _ _ _ _ sq0 _ </proc/stat
	sleep "$DUR"
	read -r _ _ _ _ _ _ _ sq1 _ </proc/stat
	c1=$(cnt "$name") t1=$(now)
	[ -n "${HOOK_END:-}" ] && $HOOK_END
	_kill_tree $tp
	wait $tp 2>/dev/null
	PPS=$(python3 -c "print(round(($c1 - $c0) / ($t1 - $t0)))")
	# Host softirq time (all CPUs, tick-sampled: this kernel has no
	# IRQ_TIME_ACCOUNTING) per delivered packet: the gateway's forwarding
	# and the server's receive up to its drop run there, the sender's
	# sendto() does not.
	SIRQ_NS=$(python3 -c "print(round(($sq1 - $sq0) * 1e9 / $(getconf CLK_TCK) / max(1, $c1 - $c0), 1))")
	log "$name $BENCH_GW: $((c1 - c0)) packets in $(python3 -c "print(round($t1-$t0,3))") s = $PPS pps, softirq $SIRQ_NS ns/pkt"
}

RESULT="{\"gw\": \"$BENCH_GW\""
add() { RESULT="$RESULT, \"$1\": $2"; }

# Ensure the measured 5-tuple exists as an established (replied) flow before
# workload 1: one request and one reply, client port 40000 <-> server 5001.
prime_flow() {
	sx timeout 5 python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("0.0.0.0", 5001)); s.settimeout(4)
d, a = s.recvfrom(100); s.sendto(d, a)' &
	local sp=$!
	wait_listen sx 5001 udp
	cx timeout 5 python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("0.0.0.0", 40000)); s.settimeout(3)
s.sendto(b"hi", (sys.argv[1], 5001)); s.recv(100)' "$SERVER4" || fail "priming UDP flow got no reply"
	wait $sp 2>/dev/null
}

# bpfalg's TC ingress program on a gateway interface, from its pinned tcx
# link (this bpftool lists no tcx attachments under `net show`); "" if none
tc_in_prog_id() {
	bpftool -j link show pinned "$PIN/links/$1:tc_ingress" 2>/dev/null | python3 -c '
import json, sys
try:
    print(json.load(sys.stdin).get("prog_id", ""))
except ValueError:
    print("")'
}

# Program run time (bpf_stats_enabled) over a window: the XDP program on gin
# (bpfalg's xdp_alg: under bpfalg-tc only its pass-through; the ceiling's
# program) and, for the TC path, the TC ingress program on gin.
w7_start() {
	W7_ID=$(xdp_prog_id gin) W7_0="" W7_1=""
	[ -n "$W7_ID" ] && W7_0=$(prog_rt "$W7_ID")
	W7T_ID="" W7T_0="" W7T_1=""
	[ "$BENCH_GW" = bpfalg-tc ] && W7T_ID=$(tc_in_prog_id gin)
	[ -n "$W7T_ID" ] && W7T_0=$(prog_rt "$W7T_ID")
}
w7_end() {
	[ -n "$W7_ID" ] && W7_1=$(prog_rt "$W7_ID")
	[ -n "$W7T_ID" ] && W7T_1=$(prog_rt "$W7T_ID")
}
# w7_add PREFIX: PREFIX_xdp_ns_per_pkt, PREFIX_xdp_runs (and _tc_) of the
# last window
w7_add() {
	# shellcheck disable=SC2086
	if [ -n "$W7_1" ] && set -- "$1" $W7_0 $W7_1 && [ "$5" -gt "$3" ]; then
		add "$1_xdp_ns_per_pkt" "$(python3 -c "print(round(($4 - $2) / ($5 - $3), 1))")"
		add "$1_xdp_runs" "$(($5 - $3))"
	fi
	# shellcheck disable=SC2086
	if [ -n "$W7T_1" ] && set -- "$1" $W7T_0 $W7T_1 && [ "$5" -gt "$3" ]; then
		add "$1_tc_ns_per_pkt" "$(python3 -c "print(round(($4 - $2) / ($5 - $3), 1))")"
		add "$1_tc_runs" "$(($5 - $3))"
	fi
}

# The gateway's CPU per packet (bench/perf_cost.py): a timer-sampled
# system-wide profile over a trafgen window (no hardware counters on this
# VM), W1_PERF_HZ samples/s per CPU: the same small overhead in every
# round.  W1_PERF=0 turns it off.
PERF_ON=""
[ "${W1_PERF:-1}" != 0 ] && command -v perf >/dev/null && PERF_ON=1
perf_start() { # FILE
	[ -n "$PERF_ON" ] || return 0
	# the sender's processes (trafgen runs by now): only their samples and
	# ksoftirqd's count (bench/perf_cost.py), not other work on the host
	PERF_PIDS=$(ip netns pids "$NS_C" | tr '\n' ',')
	perf record -a -g -e cpu-clock -F "${W1_PERF_HZ:-999}" -o "$1" \
		-- sleep "$DUR" >"$1.log" 2>&1 &
	PERF_PID=$!
}
perf_end() {
	[ -n "$PERF_ON" ] && wait "$PERF_PID"
}
# perf_add PREFIX FILE [KEY...]: PREFIX_<key> fields (all, or the KEYs) of
# the profile; packets over perf's own window: its sleep, at the rate the
# counter saw.
perf_add() {
	local pre=$1 f=$2 pc
	shift 2
	[ -n "$PERF_ON" ] || return 0
	if pc=$(python3 "$HERE/perf_cost.py" "$f" "$(python3 -c "print(round($PPS * $DUR))")" "$PERF_PIDS" 2>&1); then
		log "$pre $BENCH_GW: $pc"
		RESULT="$RESULT, $(printf '%s' "$pc" | python3 -c '
import json, sys
d = json.load(sys.stdin); keep = sys.argv[2:] or list(d)
print(", ".join("\"%s_%s\": %s" % (sys.argv[1], k, json.dumps(d[k])) for k in keep))' "$pre" "$@")"
	else
		log "$pre $BENCH_GW: no perf result: $pc $(tail -c 200 "$f.log")"
	fi
}

# Workload 2 leaves the flow table at its limit, so it runs after the
# others (a TCP connection rate measured on a full table is a different
# workload: bpfalg refuses new flows there, conntrack evicts unreplied
# entries); workload 5 needs a fresh table and is skipped next to 2.
ORDERED=""
for w in $WORKLOADS; do [ "$w" = 2 ] || ORDERED="$ORDERED $w"; done
case " $WORKLOADS " in *" 2 "*) ORDERED="$ORDERED 2" ;; esac
for w in $ORDERED; do
	case $w in
	1)
		prime_flow
		server_drops
		mk_trafgen_cfg 40000 5001 >"$TMPD/w1.cfg"
		W7_ID="" W7_0="" W7_1="" W7T_ID="" W7T_0="" W7T_1=""
		W1_W7=""
		case " $WORKLOADS " in *" 7 "*)
			case $BENCH_GW in bpfalg | bpfalg-tc | ceiling) W1_W7=1 ;; esac ;;
		esac
		w1_start() { perf_start "$TMPD/w1.perf"; [ -n "$W1_W7" ] && w7_start; }
		w1_end() { [ -n "$W1_W7" ] && w7_end; perf_end; }
		HOOK_START=w1_start HOOK_END=w1_end
		# bpfalg's fast path (xdp_forwarded / tc_redirected) over the
		# whole trafgen run, warm-up included: the packets it took
		[ -n "$FAST_CTR" ] && x0=$(stat_get "$FAST_CTR")
		trafgen_window w1 "$TMPD/w1.cfg"
		add w1_pps "$PPS"
		add w1_softirq_ns_per_pkt "$SIRQ_NS"
		perf_add w1_perf "$TMPD/w1.perf"
		if [ -n "$FAST_CTR" ]; then
			x1=$(stat_get "$FAST_CTR")
			add "w1_$FAST_CTR" "$((x1 - x0))"
			log "w1 $BENCH_GW: $FAST_CTR +$((x1 - x0))"
		fi
		[ -n "$W1_W7" ] && w7_add w7
		HOOK_START="" HOOK_END=""
		;;
	2)
		# plain routing keeps no state: a new flow per packet is just
		# workload 1 with other addresses
		if [ "$BENCH_GW" = plain ]; then log "w2: not applicable to plain routing (no NAT, no flow table)"; continue; fi
		server_drops
		# Every packet a new 5-tuple: source port counts up through
		# 1024-65535 and the source address is random in 10.0.0.0/16
		# (the inside interface accepts any source; replies never come);
		# destination port random in 5002-5009, so the public ports toward
		# one server address:port (64,512 of them) do not run out first.
		W2_FILL_S=${W2_FILL_S:-1}
		cat >"$TMPD/w2.cfg" <<-EOF
		{
		  eth(da=$GWMAC, sa=$CMAC),
		  ipv4(saddr=10.0.0.0, saddr[2:2]=drnd(), daddr=$SERVER4, ttl=64, df),
		  udp(sport=dinc(1024, 65535), dport=drnd(5002, 5009)),
		  fill(0x42, 18)
		}
		EOF
		w2_snap() { # -> "t_counter counter t_stats flow_new flow_table_full in_use"
			local c t; c=$(cnt w2) t=$(now)
			if [ -n "$BPFALG" ]; then
				algctl stats -j | python3 -c '
import json, sys, time
t = time.time(); j = json.load(sys.stdin); c = j["counters"]
tb = j["tables"]
print(sys.argv[1], sys.argv[2], t, c.get("flow_new", 0), c.get("flow_table_full", 0),
      tb["flows4"]["in_use"] + tb["flows4_new"]["in_use"])' "$t" "$c"
			elif [ "$BENCH_GW" = kernel ]; then
				echo "$t $c $t 0 0 $(gx cat /proc/sys/net/netfilter/nf_conntrack_count)"
			else
				echo "$t $c $t 0 0 0"
			fi
		}
		cx timeout -s INT $((W2_FILL_S + ${DUR%.*} + 6)) trafgen --no-sock-mem --notouch-irq \
			--no-cpu-stats -P "$TRAFGEN_CPUS" -o eth0 -i "$TMPD/w2.cfg" >"$TMPD/trafgen-w2.log" 2>&1 &
		tp=$!
		bg_track $tp
		sleep 0.2
		a=$(w2_snap)
		sleep "$W2_FILL_S"
		b=$(w2_snap)
		sleep "$DUR"
		c=$(w2_snap)
		_kill_tree $tp
		wait $tp 2>/dev/null
		# shellcheck disable=SC2086
		set -- $a $b $c
		# $1 t $2 count $3 t_stats $4 flow_new $5 full $6 in_use; +6 for b, +12 for c
		add w2_pps "$(python3 -c "print(round((${8} - ${2}) / (${7} - ${1})))")"
		add w2_full_pps "$(python3 -c "print(round((${14} - ${8}) / (${13} - ${7})))")"
		log "w2 $BENCH_GW: fresh-table window $((${8} - ${2})) packets, then $((${14} - ${8})) (flows in use at end ${18})"
		add w2_flows_in_use "${18}"
		if [ -n "$BPFALG" ]; then
			add w2_flow_new_per_s "$(python3 -c "print(round((${10} - ${4}) / (${9} - ${3})))")"
			add w2_flow_table_full "$((${17} - ${5}))"
			add w2_flows_max "$(algctl stats -j | python3 -c 'import json,sys; print(json.load(sys.stdin)["tables"]["flows4"]["max"])')"
		elif [ "$BENCH_GW" = kernel ]; then
			add w2_flows_max "$(gx cat /proc/sys/net/netfilter/nf_conntrack_max)"
		fi
		;;
	3)
		# TCP connection rate (bench/tcp_crr.c): transactions of connect,
		# a 64-byte request, a 256-byte response, close with RST
		# (SO_LINGER 0: no TIME_WAIT on the client, so its port supply
		# does not cap the rate; every gateway sees SYN, SYN-ACK, ACK,
		# request, response, RST and keeps the entry 10 s in its CLOSE
		# state, kernel and bpfalg alike).  The client's connect() takes
		# the even ports of its default range 32768-60999 (14,116) first,
		# so a 5-tuple comes back after ~1.3 s at 11,000/s: both gateways
		# restart a closed entry on a new SYN.
		# Rate: W3_CONC (8: the rate saturates at 4-8 here) in flight for
		# W3_DUR seconds; latency: one at a time for W3_LAT_DUR seconds
		# (in flight, a transaction mostly waits for the others).
		crr=$BUILD/bench/tcp_crr
		[ -x "$crr" ] || fail "missing $crr (make $crr)"
		sx "$crr" server -b "$SERVER4" -p 8000 -r 256 >"$TMPD/crr-server.json" 2>"$TMPD/crr-server.err" &
		crr_sp=$!
		bg_track $crr_sp
		wait_listen sx 8000
		crr_client() { # CONC SECONDS OUT
			cx timeout $((${2%.*} + 20)) "$crr" client -s "$SERVER4" -p 8000 -c "$1" \
				-q 64 -r 256 -d "$2" -w "$WARM" >"$3" 2>"$3.err" ||
				fail "tcp_crr client -c $1 (rc=$?): $(head -c 300 "$3.err")"
			log "w3 $BENCH_GW: client $(cat "$3")"
		}
		read -r _ _ _ _ _ _ _ sq0 _ </proc/stat
		crr_client "${W3_CONC:-8}" "${W3_DUR:-$(python3 -c "print(min($DUR, 3))")}" "$TMPD/crr.json"
		read -r _ _ _ _ _ _ _ sq1 _ </proc/stat
		case $BENCH_GW in
		bpfalg | bpfalg-tc) inuse=$(algctl stats -j | python3 -c 'import json,sys; print(json.load(sys.stdin)["tables"]["flows4"]["in_use"])') ;;
		kernel) inuse=$(gx cat /proc/sys/net/netfilter/nf_conntrack_count) ;;
		*) inuse=0 ;;
		esac
		crr_client 1 "${W3_LAT_DUR:-$(python3 -c "print(min($DUR, 1))")}" "$TMPD/crr-c1.json"
		_kill_tree $crr_sp
		wait $crr_sp 2>/dev/null
		log "w3 $BENCH_GW: server $(cat "$TMPD/crr-server.json")"
		w3=$(python3 - "$TMPD/crr.json" "$TMPD/crr-c1.json" "$TMPD/crr-server.json" \
			"$((sq1 - sq0))" "$(getconf CLK_TCK)" <<-'PY'
		import json, sys
		c = json.load(open(sys.argv[1]))
		c1 = json.load(open(sys.argv[2]))
		s = json.load(open(sys.argv[3]))
		# the server answered at least what the client counted as done
		if s["served"] < c["completed"] + c1["completed"]:
		    sys.exit("server served %d < client completed %d" %
		             (s["served"], c["completed"] + c1["completed"]))
		sirq = int(sys.argv[4]) / int(sys.argv[5])
		out = {"w3_cps": c["cps"], "w3_lat_p50_us": c["lat_p50_us"],
		       "w3_lat_p99_us": c["lat_p99_us"], "w3_failed": c["failed"],
		       "w3_completed": c["completed"], "w3_conc": c["conc"],
		       # host softirq time (rate run) per completed transaction
		       "w3_softirq_us_per_conn": round(sirq * 1e6 / max(1, c["completed"]), 2),
		       "w3_c1_cps": c1["cps"], "w3_c1_lat_p50_us": c1["lat_p50_us"],
		       "w3_c1_lat_p99_us": c1["lat_p99_us"], "w3_c1_failed": c1["failed"]}
		for run, pre in ((c, "w3_"), (c1, "w3_c1_")):
		    out.update({pre + k: v for k, v in run.items() if k.startswith("fail_") and v})
		print(", ".join('"%s": %s' % (k, json.dumps(v)) for k, v in out.items()))
		PY
		) || fail "w3 results: $w3"
		RESULT="$RESULT, $w3"
		add w3_flows_in_use "$inuse"
		;;
	4)
		sx iperf3 -s -1 -p 5201 >"$TMPD/iperf3-s.log" 2>&1 &
		bg_track $!
		wait_listen sx 5201
		# /proc/stat: host-wide (all namespaces share the CPUs), jiffies.
		read -r _ u0 n0 s0 i0 w0 q0 sq0 _ </proc/stat
		t0=$(now)
		cx timeout $((DUR + 20)) iperf3 -c "$SERVER4" -p 5201 -t "$DUR" -J >"$TMPD/iperf3.json" 2>&1 ||
			fail "iperf3 client: $(tail -c 300 "$TMPD/iperf3.json")"
		t1=$(now)
		read -r _ u1 n1 s1 i1 w1 q1 sq1 _ </proc/stat
		bps=$(python3 -c 'import json,sys; print(round(json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"]))' "$TMPD/iperf3.json")
		hz=$(getconf CLK_TCK)
		busy=$(((u1 - u0) + (n1 - n0) + (s1 - s0) + (q1 - q0) + (sq1 - sq0)))
		add w4_gbps "$(python3 -c "print(round($bps / 1e9, 3))")"
		add w4_cpu_s_per_gbit "$(python3 -c "
secs = $busy / $hz; wall = $t1 - $t0; gbit = $bps * wall / 1e9
print(round(secs / gbit, 4))")"
		add w4_softirq_share "$(python3 -c "print(round(($sq1 - $sq0) / max(1, $busy), 3))")"
		;;
	5)
		# Scale: the workload-1 rate with N other flows present.  The
		# flows are created by trafgen -n (fresh 5-tuple per packet as
		# in workload 2, but to ports 5002-5033: toward 8 ports only
		# 8 x 64,512 = 516,096 public bindings exist, fewer than
		# 1,000,000), then the established 5-tuple of workload 1 is
		# measured again.  After workload 2 the table is already full:
		# measure 5 alone.  The ceiling and plain routing keep no table:
		# not applicable.
		case $BENCH_GW in ceiling | plain)
			log "w5: not applicable to $BENCH_GW (no flow table)"
			continue ;;
		esac
		case " $WORKLOADS " in *" 2 "*) log "w5 skipped: run it without workload 2 (WORKLOADS=\"1 5\")"; continue ;; esac
		if [ -z "$DROPS_ON" ]; then prime_flow; server_drops; fi
		mk_trafgen_cfg 40000 5001 >"$TMPD/w1.cfg"
		cat >"$TMPD/w5.cfg" <<-EOF
		{
		  eth(da=$GWMAC, sa=$CMAC),
		  ipv4(saddr=10.0.0.0, saddr[2:2]=drnd(), daddr=$SERVER4, ttl=64, df),
		  udp(sport=dinc(1024, 65535), dport=drnd(5002, 5033)),
		  fill(0x42, 18)
		}
		EOF
		# State memory.  Kernel: slab bytes of all caches (/proc/meminfo
		# Slab: nf_conn and its extensions) and the nf_conntrack cache's
		# object size; the delta over the flows created is per flow
		# (other work on the host adds noise, small against 1M flows).
		# bpfalg: the eight flow maps are preallocated at `up` (both
		# IPv4 pairs of --flows entries, both IPv6 pairs a quarter of
		# that, all LRU): their bytes_memlock per --flows entry.
		slab_kb() { sed -nE 's/^Slab: +([0-9]+) kB/\1/p' /proc/meminfo; }
		in_use() {
			case $BENCH_GW in
			bpfalg | bpfalg-tc) algctl stats -j | python3 -c 'import json,sys; t = json.load(sys.stdin)["tables"]; print(t["flows4"]["in_use"] + t["flows4_new"]["in_use"])' ;;
			kernel) gx cat /proc/sys/net/netfilter/nf_conntrack_count ;;
			esac
		}
		add w5_table_max "$BENCH_FLOWS"
		if [ "$BENCH_GW" = kernel ]; then
			add w5_ct_buckets "$(gx cat /proc/sys/net/netfilter/nf_conntrack_buckets)"
			add w5_ct_objsize "$(awk '$1 == "nf_conntrack" { print $4 }' /proc/slabinfo)"
		else
			add w5_map_bytes_per_entry "$(python3 - "$PIN" <<-'PY'
			import json, subprocess, sys
			tot = ents = 0
			for m in ("flows4", "flow_rev4", "flows4_new", "flow_rev4_new",
			          "flows6", "flow_rev6", "flows6_new", "flow_rev6_new"):
			    j = json.loads(subprocess.check_output(["bpftool", "-j", "map", "show", "pinned",
			                                            sys.argv[1] + "/" + m]))
			    tot += int(j["bytes_memlock"])
			    ents = max(ents, int(j["max_entries"]))
			print(round(tot / ents, 1))
			PY
			)"
		fi
		# bpfalg: the daemon's CPU during each measuring window (its
		# expiry sweep reads the tables in batches on its own thread).
		cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$DAEMON_PID/stat" 2>/dev/null || echo 0; }
		# With workload 7 also the XDP program's run time per packet
		# (bpf_stats_enabled) at each step.
		# And the gateway's CPU per packet (perf) at each step, both sides.
		W5_BPF=""
		[ -n "$BPFALG" ] && [ -n "$DAEMON_PID" ] && W5_BPF=1
		w5_start() {
			perf_start "$TMPD/w5.perf"
			[ -n "$W5_BPF" ] || return 0
			W5_C0=$(cpu_ticks) W5_T0=$(now)
			[ -n "$STATS_WAS" ] && w7_start
		}
		w5_end() {
			if [ -n "$W5_BPF" ]; then
				W5_C1=$(cpu_ticks) W5_T1=$(now)
				[ -n "$STATS_WAS" ] && w7_end
			fi
			perf_end
		}
		HOOK_START=w5_start HOOK_END=w5_end
		have=0 inuse0=$(in_use) slab0=$(slab_kb)
		for n in $W5_FLOWS; do
			# paced well below the new-flow rate so that (nearly) every
			# packet becomes a flow
			t5=$(now)
			cx timeout $(((n - have) / 40000 + 30)) trafgen --no-sock-mem --notouch-irq --no-cpu-stats -P 1 \
				-b 50000pps -n $((n - have)) -o eth0 -i "$TMPD/w5.cfg" \
				>"$TMPD/trafgen-w5-$n.log" 2>&1 || fail "trafgen w5 ($n flows)"
			log "w5 $BENCH_GW: $((n - have)) new flows sent in $(python3 -c "print(round($(now) - $t5, 1))") s"
			have=$n
			inuse=$(in_use)
			slab1=$(slab_kb)
			trafgen_window w1 "$TMPD/w1.cfg"
			add "w5_${n}_pps" "$PPS"
			add "w5_${n}_in_use" "$inuse"
			add "w5_${n}_softirq_ns_per_pkt" "$SIRQ_NS"
			perf_add "w5_${n}_perf" "$TMPD/w5.perf" gw_ns_per_pkt nf_ns_per_pkt bpf_ns_per_pkt
			[ -n "$W5_BPF" ] && add "w5_${n}_daemon_cpu" \
				"$(python3 -c "print(round(($W5_C1 - $W5_C0) / $(getconf CLK_TCK) / ($W5_T1 - $W5_T0), 3))")"
			[ -n "$W5_BPF" ] && [ -n "$STATS_WAS" ] && w7_add "w5_${n}"
		done
		HOOK_START="" HOOK_END=""
		if [ "$BENCH_GW" = kernel ] && [ "$inuse" -gt "$inuse0" ]; then
			add w5_slab_bytes_per_flow "$(python3 -c "print(round(($slab1 - $slab0) * 1024 / ($inuse - $inuse0), 1))")"
		fi
		;;
	7) ;; # measured inside workload 1 (bpf_stats_enabled)
	esac
done

# With a large table (workload 2: 262,144 entries; 5: up to 1M) the bpfalg
# daemon may be inside a GC pass over the whole table (several seconds on a
# busy machine, one bpf() call per entry and step) and lib.sh's teardown
# gives it 5 s to exit on SIGTERM: stop it here with more patience and
# report the time (the round's numbers stand; the exit time is one more).
if [ -n "$BPFALG" ] && [ -n "$DAEMON_PID" ]; then
	t5=$(now)
	kill -TERM "$DAEMON_PID" 2>/dev/null
	for _ in $(seq 600); do
		kill -0 "$DAEMON_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$DAEMON_PID" 2>/dev/null && fail "algctl daemon still running 60 s after SIGTERM"
	wait "$DAEMON_PID" 2>/dev/null
	DAEMON_PID=""
	add daemon_stop_s "$(python3 -c "print(round($(now) - $t5, 2))")"
fi

# 1-minute load average at the end of the round: other work on the host
# (another session's tests) shows up here and in the spread.
add loadavg1 "$(cut -d' ' -f1 /proc/loadavg)"
printf '%s}\n' "$RESULT"
