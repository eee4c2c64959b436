#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# make bench: bpfalg against plain routing, nftables masquerade (+ ct
# helpers) and an XDP redirect "ceiling", on the 3-namespace topology of
# tests/netns/lib.sh.  See bench/README.md.
#
#   QUICK=1           about 2.5-3 minutes (3 rounds per gateway, 1 s windows,
#                     workloads 1 2 7)
#   ROUNDS=N DUR=S    rounds per gateway, measuring window per workload
#                     (default 3 rounds, 5 s)
#   GWS="plain kernel bpfalg-tc bpfalg ceiling"   WORKLOADS="1 2 3 4 6 7"
#                     bpfalg-tc: the TC fast path on veth (the headline),
#                     bpfalg: the XDP fast path (bench/round.sh)
#   BENCH_XDP_PEERS=auto|all   xdp_pass on the endpoints only where an XDP
#                     redirect needs it (default) or for every gateway
#   (opt-in: 5, W5_FLOWS="1000 100000 1000000", alone: WORKLOADS="1 5")
#   Workload 6 (ALG control path, bench/ftp_latency.sh) has its own gateways
#   and rounds: W6_GWS="plain kernel bpfalg" W6_ROUNDS=1, W6_* (see there)
#   BENCH_OUT=DIR     where the JSON goes (default bench/results)
#   BENCH_ROUND_TIMEOUT=S   one round's limit (default 120)
#
# Rounds are interleaved: plain, kernel, bpfalg-tc, bpfalg, ceiling, plain,
# ...; each round is a fresh topology (bench/round.sh), so no state carries
# over.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/.." && pwd)
export BUILD=${BUILD:-$TOP/build}
case $BUILD in /*) ;; *) BUILD=$TOP/$BUILD ;; esac
export ALGCTL=${ALGCTL:-$BUILD/algctl}
case $ALGCTL in /*) ;; *) ALGCTL=$TOP/$ALGCTL ;; esac

if [ -n "${QUICK:-}" ] && [ "${QUICK}" != 0 ]; then
	ROUNDS=${ROUNDS:-3} DUR=${DUR:-1} MODE=quick
	# about 1.5 minutes: a round's topology and daemon set-up is most of
	# it, so quick keeps the packet-rate workloads (3 and 6 on request)
	WORKLOADS=${WORKLOADS:-1 2 7}
	export WARM=${WARM:-0.3}
else
	# 5 gateways x 3 rounds x 5 s: ~9 min, a minute more than 3 x 4 x 6 s
	ROUNDS=${ROUNDS:-3} DUR=${DUR:-5} MODE=full
	WORKLOADS=${WORKLOADS:-1 2 3 4 6 7}
fi
GWS=${GWS:-plain kernel bpfalg-tc bpfalg ceiling}
export BENCH_XDP_PEERS=${BENCH_XDP_PEERS:-auto}
BENCH_OUT=${BENCH_OUT:-$HERE/results}
BENCH_ROUND_TIMEOUT=${BENCH_ROUND_TIMEOUT:-120}
# workload 6 runs apart (bench/ftp_latency.sh); round.sh gets the others
ALL_WORKLOADS=$WORKLOADS
W6=""
RWORKLOADS=""
for w in $WORKLOADS; do
	if [ "$w" = 6 ]; then W6=1; else RWORKLOADS="$RWORKLOADS $w"; fi
done
RWORKLOADS=${RWORKLOADS# }
W6_GWS=${W6_GWS:-plain kernel bpfalg}
W6_ROUNDS=${W6_ROUNDS:-1}
W6_ROUND_TIMEOUT=${W6_ROUND_TIMEOUT:-300}
export W6_PIN=${W6_PIN-0}
export W6_BATCH=${W6_BATCH:-64}
export DUR QUICK
[ -n "$RWORKLOADS" ] || GWS=""

[ "$(id -u)" -eq 0 ] || { echo "bench: needs root (namespaces, BPF)" >&2; exit 1; }
need="$ALGCTL $BUILD/xdp_pass.bpf.o"
case " $GWS " in *" ceiling "*) need="$need $BUILD/xdp_ceiling.bpf.o" ;; esac
for gw in $GWS; do
	case $gw in plain | kernel | bpfalg-tc | bpfalg | ceiling) ;;
	*) echo "bench: unknown gateway $gw in GWS (plain kernel bpfalg-tc bpfalg ceiling)" >&2; exit 1 ;;
	esac
done
case " $RWORKLOADS " in *" 3 "*) need="$need $BUILD/bench/tcp_crr" ;; esac
for f in $need; do
	[ -e "$f" ] || { echo "bench: missing $f (make all $BUILD/xdp_ceiling.bpf.o $BUILD/bench/tcp_crr)" >&2; exit 1; }
done
cmds="iperf3 bpftool python3"
[ -n "$GWS" ] && cmds="$cmds trafgen perf"
[ -n "$W6" ] && cmds="$cmds vsftpd curl taskset"
for c in $cmds; do
	command -v "$c" >/dev/null || { echo "bench: missing $c (scripts/deps.sh)" >&2; exit 1; }
done

mkdir -p "$BENCH_OUT"
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
WORK=$(mktemp -d /tmp/bpfalg-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
ROUNDS_F=$WORK/rounds.jsonl
: >"$ROUNDS_F"
failed=0

[ -n "$GWS" ] &&
	echo "bench: $MODE mode, $ROUNDS rounds x [$GWS], workloads [$RWORKLOADS], ${DUR}s windows"
[ -n "$W6" ] &&
	echo "bench: workload 6 (ALG control path): $W6_ROUNDS round(s) x [$W6_GWS]"
echo "bench: the sender and receiver share the $(nproc) CPUs with the gateway (veth testbed)"
t_start=$(date +%s)
# one_round SCRIPT TIMEOUT ROUND GW: run it, keep its last line (JSON)
one_round() {
	local script=$1 tmo=$2 r=$3 gw=$4 log rc line
	log=$WORK/round-$r-$gw-${script%.sh}.log
	BENCH_GW=$gw timeout -k 10 "$tmo" "$HERE/$script" >"$log" 2>&1
	rc=$?
	line=$(tail -n 1 "$log")
	if [ "$rc" -eq 0 ] && printf '%s' "$line" | python3 -c 'import json,sys; json.loads(sys.stdin.read())' 2>/dev/null; then
		printf '%s\n' "$line" | python3 -c '
import json, sys
d = json.loads(sys.stdin.read()); d["round"] = int(sys.argv[1]); print(json.dumps(d))' "$r" >>"$ROUNDS_F"
		printf 'bench: round %d %-9s %s\n' "$r" "$gw" "$(printf '%s' "$line" | cut -c1-150)"
	else
		failed=$((failed + 1))
		echo "bench: round $r $gw ($script) FAILED (rc=$rc):"
		tail -n 15 "$log" | sed 's/^/    /'
	fi
}
export WORKLOADS=$RWORKLOADS
for r in $(seq "$ROUNDS"); do
	for gw in $GWS; do
		one_round round.sh "$BENCH_ROUND_TIMEOUT" "$r" "$gw"
	done
done
# Workload 6: its gateways interleaved the same way (plain, kernel, bpfalg, ...)
if [ -n "$W6" ]; then
	for r in $(seq "$W6_ROUNDS"); do
		for gw in $W6_GWS; do
			one_round ftp_latency.sh "$W6_ROUND_TIMEOUT" "$r" "$gw"
		done
	done
fi

# Workload 7, offline: bpf_prog_test_run_opts on crafted packets (one run).
BPFT=$WORK/bpf_tests_bench.txt
case " $WORKLOADS " in *" 7 "*)
	if [ -x "$BUILD/tests/bpf_tests" ]; then
		timeout 120 "$BUILD/tests/bpf_tests" --bench >"$BPFT" 2>&1 ||
			echo "bench: bpf_tests --bench failed (rc=$?)"
	else
		echo "bench: $BUILD/tests/bpf_tests not built (make $BUILD/tests/bpf_tests): no test_run numbers"
	fi ;;
esac
: >>"$BPFT"

python3 - "$WORK/meta.json" <<-EOF
import json, sys, platform, os
json.dump({"timestamp": "$STAMP", "mode": "$MODE", "rounds": $ROUNDS, "dur_s": $DUR,
           "gateways": "$GWS".split(), "workloads": "$ALL_WORKLOADS".split(),
           "xdp_peers": "$BENCH_XDP_PEERS",
           "gateway_modes": {"plain": "routing only, route back on the server",
                             "kernel": "lib.sh GW=kernel (nftables masquerade, ct helpers)",
                             "bpfalg-tc": "lib.sh GW=bpfalg (TC fast path, --tc-fast auto)",
                             "bpfalg": "lib.sh GW=bpfalg-xdp (--xdp-fast on)",
                             "ceiling": "xdp_ceiling.bpf.o (XDP redirect, no NAT)"},
           "kernel": platform.release(), "cpus": os.cpu_count(),
           "cpu_model": next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo")
                              if l.startswith("model name")), "?"),
           "git": os.popen("git -C $TOP describe --always --dirty 2>/dev/null").read().strip(),
           "failed_rounds": $failed, "elapsed_s": $(($(date +%s) - t_start)),
           "w6_gateways": "$([ -n "$W6" ] && echo "$W6_GWS")".split(), "w6_rounds": $W6_ROUNDS,
           "w6_batch": $W6_BATCH, "w6_pin": "$W6_PIN",
           "sender": "trafgen (netsniff-ng) 1 process, 64-byte frames (60 B + FCS); iperf3 1 TCP stream;"
                     " tcp_crr (bench/tcp_crr.c) 64-byte request, 256-byte response, RST close",
           "w3_conc": int("${W3_CONC:-8}"),
           "perf_method": "perf record -a -g -e cpu-clock (timer sampling; no hardware counters)",
           "note": "sender, gateway and receiver share the CPUs of one host"},
          open(sys.argv[1], "w"))
EOF
OUT=$BENCH_OUT/$STAMP.json
echo
python3 "$HERE/report.py" "$ROUNDS_F" "$BPFT" "$WORK/meta.json" "$OUT" "$WORK/chart.dat" || exit 1

# The chart: the ratios (report.py writes one column per gateway pair
# present, headline first), every one "higher is better".
if [ -z "${BENCH_NO_CHART:-}" ] && command -v gnuplot >/dev/null && [ -s "$WORK/chart.dat" ]; then
	PNG=$BENCH_OUT/$STAMP.png
	ncol=$(awk 'NR == 1 { print NF; exit }' "$WORK/chart.dat")
	gnuplot <<-EOF 2>"$WORK/gnuplot.err" && echo "chart: $PNG" || echo "bench: gnuplot failed: $(head -c 200 "$WORK/gnuplot.err")"
	set terminal pngcairo size 1200,560 noenhanced
	set output "$PNG"
	set title "bpfalg ratios of medians ($MODE, $STAMP): higher is better everywhere\nrates: gateway/reference; costs (ns, us, CPU-s; marked ref/gw): reference/gateway; axis capped at 4"
	set bmargin 8
	set style data histogram
	set style histogram clustered gap 1
	set style fill solid 0.8 border -1
	set yrange [0:*<4]
	set xtics rotate by -20
	set ylabel "ratio of medians (higher is better)"
	set key outside right top
	set arrow from graph 0, first 1 to graph 1, first 1 nohead dt 2
	plot for [i=3:$ncol] "$WORK/chart.dat" using i:xtic(2) title columnheader(i)
	EOF
fi
# Workload 6, SIP: SIPp call rate, kernel and bpfalg interleaved
# (bench/sip_rate.sh; its own table and results/sip-*.json).  30 s of
# calls per round here (QUICK: 10 s); bench/sip_rate.sh alone runs the
# issue's 60 s.
if [ -n "$W6" ] && command -v sipp >/dev/null; then
	echo
	if [ "$MODE" = quick ]; then sd=${SIP_DUR:-10}; else sd=${SIP_DUR:-30}; fi
	SIP_ROUNDS=${SIP_ROUNDS:-$W6_ROUNDS} SIP_DUR=$sd "$HERE/sip_rate.sh" ||
		failed=$((failed + 1))
fi
[ "$failed" -eq 0 ] || { echo "bench: $failed round(s) failed"; exit 1; }
