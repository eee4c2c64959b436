#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# One benchmark round: build the 3-namespace topology of tests/netns/lib.sh,
# bring up ONE gateway, run the selected workloads, print one JSON object
# (the round's raw numbers) on the last stdout line, tear everything down.
# bench/run.sh calls this once per (gateway, round), interleaved.
#
#   BENCH_GW=kernel|bpfalg|ceiling   WORKLOADS="1 2 4 7"   DUR=<seconds>
#
# kernel  = lib.sh GW=kernel (nftables masquerade + ct helpers)
# bpfalg  = lib.sh GW=bpfalg-xdp (algctl up/daemon --xdp-fast on, xdp_pass
#           on the endpoint veths, TX checksum offload off on them)
# ceiling = build/xdp_ceiling.bpf.o on gin and gout (redirect + MAC rewrite,
#           no NAT), xdp_pass on the endpoint veths, and a route back to the
#           inside prefix on the server (the ceiling does not translate).

BENCH_GW=${BENCH_GW:-kernel}
case $BENCH_GW in
kernel) GW=kernel ;;
bpfalg) GW=bpfalg-xdp ;;
# lib.sh knows no "ceiling": run it as "kernel" for lib.sh's bookkeeping
# (teardown of namespaces) but never call gw_setup (no nftables ruleset).
ceiling) GW=kernel ;;
*) echo "FAIL: unknown BENCH_GW=$BENCH_GW" && exit 1 ;;
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
	if [ -n "$CEIL_PIN" ]; then
		ip -n "$NS_G" link set dev gin xdpdrv off 2>/dev/null
		ip -n "$NS_G" link set dev gout xdpdrv off 2>/dev/null
		rm -rf "$CEIL_PIN"
	fi
	(exit "$rc")
	_on_exit
}

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
	# No NAT: the server needs a route back to the inside prefix.
	ip -n "$NS_S" route add "$INSIDE_PREFIX4" via "$GW_OUT4" || fail "server route back"
}

case " $WORKLOADS " in *" 7 "*)
	STATS_WAS=$(sysctl -n kernel.bpf_stats_enabled)
	sysctl -qw kernel.bpf_stats_enabled=1 ;;
esac

if [ "$BENCH_GW" = ceiling ]; then
	ceiling_up
else
	gw_setup
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
		sx nft add rule inet bench pre udp dport 5002-5009 counter name w2 drop ||
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
	sleep "$DUR"
	c1=$(cnt "$name") t1=$(now)
	[ -n "${HOOK_END:-}" ] && $HOOK_END
	_kill_tree $tp
	wait $tp 2>/dev/null
	PPS=$(python3 -c "print(round(($c1 - $c0) / ($t1 - $t0)))")
	log "w$name $BENCH_GW: $((c1 - c0)) packets in $(python3 -c "print(round($t1-$t0,3))") s = $PPS pps"
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

w7_start() {
	W7_ID=$(xdp_prog_id gin)
	[ -n "$W7_ID" ] && W7_0=$(prog_rt "$W7_ID")
}
w7_end() {
	[ -n "$W7_ID" ] && W7_1=$(prog_rt "$W7_ID")
}

for w in $WORKLOADS; do
	case $w in
	1)
		prime_flow
		server_drops
		mk_trafgen_cfg 40000 5001 >"$TMPD/w1.cfg"
		W7_ID="" W7_0="" W7_1=""
		HOOK_START="" HOOK_END=""
		case " $WORKLOADS " in *" 7 "*)
			[ "$BENCH_GW" != kernel ] && HOOK_START=w7_start HOOK_END=w7_end ;;
		esac
		[ "$GW_KIND" = bpfalg ] && [ "$BENCH_GW" = bpfalg ] && x0=$(stat_get xdp_forwarded)
		trafgen_window w1 "$TMPD/w1.cfg"
		add w1_pps "$PPS"
		if [ "$BENCH_GW" = bpfalg ]; then
			x1=$(stat_get xdp_forwarded)
			add w1_xdp_forwarded "$((x1 - x0))"
		fi
		if [ -n "$W7_1" ]; then
			set -- $W7_0 $W7_1
			if [ "$4" -gt "$2" ]; then
				add w7_xdp_ns_per_pkt "$(python3 -c "print(round(($3 - $1) / ($4 - $2), 1))")"
				add w7_xdp_runs "$(($4 - $2))"
			fi
		fi
		HOOK_START="" HOOK_END=""
		;;
	2)
		W2_RAN=1
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
			if [ "$BENCH_GW" = bpfalg ]; then
				algctl stats -j | python3 -c '
import json, sys, time
t = time.time(); j = json.load(sys.stdin); c = j["counters"]
print(sys.argv[1], sys.argv[2], t, c.get("flow_new", 0), c.get("flow_table_full", 0), j["tables"]["flows"]["in_use"])' "$t" "$c"
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
		if [ "$BENCH_GW" = bpfalg ]; then
			add w2_flow_new_per_s "$(python3 -c "print(round((${10} - ${4}) / (${9} - ${3})))")"
			add w2_flow_table_full "$((${17} - ${5}))"
			add w2_flows_max "$(algctl stats -j | python3 -c 'import json,sys; print(json.load(sys.stdin)["tables"]["flows"]["max"])')"
		elif [ "$BENCH_GW" = kernel ]; then
			add w2_flows_max "$(gx cat /proc/sys/net/netfilter/nf_conntrack_max)"
		fi
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
		# flows are created by trafgen -n (same generator as workload 2:
		# fresh 5-tuple per packet, to ports 5002-5009), then the
		# established 5-tuple of workload 1 is measured again.
		# After workload 2 the table is already full: measure 5 alone.
		if [ -n "${W2_RAN:-}" ]; then log "w5 skipped: run it without workload 2 (WORKLOADS=\"1 5\")"; continue; fi
		if [ -z "$DROPS_ON" ]; then prime_flow; server_drops; fi
		mk_trafgen_cfg 40000 5001 >"$TMPD/w1.cfg"
		cat >"$TMPD/w5.cfg" <<-EOF
		{
		  eth(da=$GWMAC, sa=$CMAC),
		  ipv4(saddr=10.0.0.0, saddr[2:2]=drnd(), daddr=$SERVER4, ttl=64, df),
		  udp(sport=dinc(1024, 65535), dport=drnd(5002, 5009)),
		  fill(0x42, 18)
		}
		EOF
		have=0
		for n in ${W5_FLOWS:-1000 100000}; do
			# paced well below the new-flow rate so that (nearly) every
			# packet becomes a flow
			cx timeout 60 trafgen --no-sock-mem --notouch-irq --no-cpu-stats -P 1 \
				-b 50000pps -n $((n - have)) -o eth0 -i "$TMPD/w5.cfg" \
				>"$TMPD/trafgen-w5-$n.log" 2>&1 || fail "trafgen w5 ($n flows)"
			have=$n
			case $BENCH_GW in
			bpfalg) inuse=$(algctl stats -j | python3 -c 'import json,sys; print(json.load(sys.stdin)["tables"]["flows"]["in_use"])') ;;
			kernel) inuse=$(gx cat /proc/sys/net/netfilter/nf_conntrack_count) ;;
			*) inuse=0 ;;
			esac
			trafgen_window w1 "$TMPD/w1.cfg"
			add "w5_${n}_pps" "$PPS"
			add "w5_${n}_in_use" "$inuse"
		done
		;;
	7) ;; # measured inside workload 1 (bpf_stats_enabled)
	esac
done

# 1-minute load average at the end of the round: other work on the host
# (another session's tests) shows up here and in the spread.
add loadavg1 "$(cut -d' ' -f1 /proc/loadavg)"
printf '%s}\n' "$RESULT"
