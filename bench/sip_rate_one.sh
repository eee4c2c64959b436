#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Workload 6 (SIP part), ONE gateway: fresh 3-namespace topology
# (tests/netns/lib.sh), SIPp's built-in UAS on the server, SIPp's built-in
# UAC inside calling it at a fixed rate for a fixed time (each call:
# INVITE with SDP, 100, 180, 200 with SDP, ACK, BYE, 200; no media), then
# one JSON object on the last stdout line.  bench/sip_rate.sh runs it per
# gateway, interleaved.
#
#   BENCH_GW=kernel|bpfalg
#   SIP_RATE=N   calls per second offered (default 2000)
#   SIP_DUR=S    seconds of calls (default 60; QUICK 10)
#
# kernel = lib.sh GW=kernel (nftables masquerade + ct helper sip on udp
#          5060); bpfalg = lib.sh GW=bpfalg, `algctl alg sip on`.
# Reported: calls attempted, successful and failed (SIPp's own statistics
# file), the rate achieved, and the CPU time over the call window of the
# gateway's own work: bpfalg's daemon process (user+system, from
# /proc/PID/stat), and for both the host's softirq time (/proc/stat), where
# the datapath (TC, XDP, nftables, conntrack) runs.

BENCH_GW=${BENCH_GW:-bpfalg}
case $BENCH_GW in
kernel | bpfalg) GW=$BENCH_GW ;;
*) echo "FAIL: unknown BENCH_GW=$BENCH_GW (kernel|bpfalg)" && exit 1 ;;
esac
export GW
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/.." && pwd)
BUILD=${BUILD:-$TOP/build}
case $BUILD in /*) ;; *) BUILD=$TOP/$BUILD ;; esac
ALGCTL=${ALGCTL:-$BUILD/algctl}
case $ALGCTL in /*) ;; *) ALGCTL=$TOP/$ALGCTL ;; esac
XDP_PASS_OBJ=${XDP_PASS_OBJ:-$BUILD/xdp_pass.bpf.o}
if [ -n "${QUICK:-}" ] && [ "${QUICK}" != 0 ]; then
	SIP_DUR=${SIP_DUR:-10}
else
	SIP_DUR=${SIP_DUR:-60}
fi
SIP_RATE=${SIP_RATE:-2000}

# shellcheck source=../tests/netns/lib.sh
. "$TOP/tests/netns/lib.sh"

test_init
require_cmds sipp
topo_setup3
gw_setup
wait_reachable
if [ "$GW_KIND" = bpfalg ]; then
	algctl alg sip on >/dev/null || fail "algctl alg sip on"
fi

calls=$((SIP_RATE * SIP_DUR))
sx timeout $((SIP_DUR + 60)) sipp -sn uas -i "$SERVER4" -p 5060 \
	-nostdin -trace_err >uas.out 2>&1 </dev/null &
bg_track $!
wait_listen sx 5060 udp

# CPU: the daemon's ticks, the host's softirq ticks (USER_HZ)
hz=$(getconf CLK_TCK)
cpu_daemon() {
	[ -n "${DAEMON_PID:-}" ] && awk '{print $14 + $15}' "/proc/$DAEMON_PID/stat" 2>/dev/null || echo 0
}
softirq() { awk '/^cpu /{print $8}' /proc/stat; }
d0=$(cpu_daemon) s0=$(softirq) t0=$(date +%s.%N)
# -l: at most 3 s of calls in progress; -max_socket irrelevant for u1;
# the statistics file every second, its last line is the total
cx timeout $((SIP_DUR + 60)) sipp -sn uac "$SERVER4:5060" -i "$CLIENT4" -p 5060 \
	-r "$SIP_RATE" -m "$calls" -l $((SIP_RATE * 3)) -d 0 \
	-trace_stat -stf stat.csv -fd 1 -nostdin -trace_err \
	>uac.out 2>&1 </dev/null
rc=$?
t1=$(date +%s.%N) d1=$(cpu_daemon) s1=$(softirq)
extra="{}"
if [ "$GW_KIND" = bpfalg ]; then
	extra=$(algctl stats -j | python3 -c '
import json, sys
d = json.load(sys.stdin)
a, c = d.get("alg_counters", {}), d.get("counters", {})
keys = ["sip_punted", "sip_fail_policy_drop", "sip_parsed", "sip_rewritten",
        "sip_bad_input", "sip_refused", "sip_pinholes_opened", "sip_reinject_failed"]
out = {k: a.get(k) for k in keys}
out["punt_failed"] = c.get("punt_failed")
print(json.dumps(out))')
fi
[ -s stat.csv ] || fail "SIPp wrote no statistics (exit $rc): $(tail -n 3 uac.out | tr '\n' ' ')"
python3 - stat.csv "$BENCH_GW" "$SIP_RATE" "$SIP_DUR" "$rc" "$t0" "$t1" \
	"$d0" "$d1" "$s0" "$s1" "$hz" "$extra" <<-'PY'
import csv, json, sys
f, gw, rate, dur, rc, t0, t1, d0, d1, s0, s1, hz, extra = sys.argv[1:]
rows = list(csv.reader(open(f), delimiter=";"))
head, last = rows[0], rows[-1]
col = lambda name: int(last[head.index(name)])
wall = float(t1) - float(t0)
ok, failed = col("SuccessfulCall(C)"), col("FailedCall(C)")
print(json.dumps({
    "gw": gw, "rate_offered": int(rate), "duration_s": int(dur),
    "sipp_exit": int(rc), "wall_s": round(wall, 2),
    "calls_created": col("TotalCallCreated"), "calls_ok": ok,
    "calls_failed": failed,
    # completed calls per second of the offered window (SIPp creates them
    # at the rate, open loop); wall_s is longer when failed calls wait out
    # their retransmission timers
    "calls_per_s": round(ok / int(dur), 1),
    "daemon_cpu_share": round((int(d1) - int(d0)) / int(hz) / wall, 3),
    "softirq_cpu_share": round((int(s1) - int(s0)) / int(hz) / wall, 3),
    "bpfalg": json.loads(extra),
}))
PY
