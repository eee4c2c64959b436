#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Workload 6, the ALG control path, for ONE gateway: fresh 3-namespace
# topology (tests/netns/lib.sh), vsftpd on the server, bench/ftp_rtt.py on
# the client; prints one JSON object (the round's raw numbers) on the last
# stdout line.  bench/run.sh calls it once per gateway (plain, kernel,
# bpfalg) when WORKLOADS has 6.  See bench/README.md.
#
#   BENCH_GW=plain|kernel|bpfalg
#   W6_NOOPS=N    NOOP commands, back to back (default 2000; QUICK 1000)
#   W6_PORTS=N    PORT commands, every one rewritten (default 1000; QUICK 128)
#   W6_BATCH=N    PORTs per batch = bpfalg's --pinholes-per-flow (64, its max)
#   W6_PAUSE=S    idle time between batches (3.2: --pinhole-timeout 1 plus the
#                 daemon's 2 s expiry period, so the batch's pinholes are gone)
#   W6_MIB=N      download size for the throughput part (200)
#   W6_REPS=N     downloads of each kind (3; QUICK 1), the median is reported
#   W6_PIN=CPU    the latency part runs with the client, vsftpd and the
#                 daemon on this one CPU (default 0; W6_PIN= leaves them to
#                 the scheduler: on this 2-vCPU VM cross-CPU wake-ups then
#                 add tens to hundreds of microseconds at random, more than
#                 any gateway does)
#   W6_TRACE=...  diagnosis of the daemon during the latency part (below)
#
# plain  = routing only: no gateway setup, the server gets a route back to
#          the inside prefix (this workload only)
# kernel = lib.sh GW=kernel (nftables masquerade, forward policy, ct helper
#          ftp); the server sees 192.0.2.1
# bpfalg = lib.sh GW=bpfalg (algctl up + algctl daemon, no XDP fast path);
#          the daemon is restarted with --pinholes-per-flow $W6_BATCH
#          --pinhole-timeout 1 (lib.sh's daemon_start takes no extra flags)
# Every gateway gets build/xdp_pass.bpf.o on the client's and the server's
# veth (lib.sh does that for bpfalg; the same endpoints everywhere).

BENCH_GW=${BENCH_GW:-plain}
case $BENCH_GW in
plain) GW=kernel ;; # lib.sh's bookkeeping only; gw_setup is never called
kernel) GW=kernel ;;
bpfalg) GW=bpfalg ;;
*) echo "FAIL: unknown BENCH_GW=$BENCH_GW (plain|kernel|bpfalg)" && exit 1 ;;
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
	W6_NOOPS=${W6_NOOPS:-1000} W6_PORTS=${W6_PORTS:-128} W6_REPS=${W6_REPS:-1}
else
	W6_NOOPS=${W6_NOOPS:-2000} W6_PORTS=${W6_PORTS:-1000} W6_REPS=${W6_REPS:-3}
fi
W6_BATCH=${W6_BATCH:-64}
W6_PAUSE=${W6_PAUSE:-3.2}
W6_PIN=${W6_PIN-0}
W6_MIB=${W6_MIB:-200}

# shellcheck source=../tests/netns/lib.sh
. "$TOP/tests/netns/lib.sh"

test_init
require_cmds vsftpd curl iperf3
cd "$TMPD" || fail "cd"
log "scratch $TMPD, gateway $BENCH_GW"
topo_setup3

# lib.sh's daemon_start with the pinhole flags added (same wait for the
# daemon; "controller running (pid N" is its start-up line).
bench_daemon_restart() {
	daemon_stop TERM || fail "daemon ignored SIGTERM"
	nsenter --net="/run/netns/$NS_G" "$ALGCTL" daemon --inside gin \
		--outside gout --masquerade --pin-path "$PIN" \
		--pinholes-per-flow "$W6_BATCH" --pinhole-timeout 1 \
		>>"$TMPD/daemon.log" 2>&1 &
	DAEMON_PID=$!
	local i
	# 15 s, as lib.sh's daemon_start: loading and verifying the programs
	# takes seconds on a busy machine
	for i in $(seq 150); do
		grep -q "controller running (pid $DAEMON_PID" "$TMPD/daemon.log" 2>/dev/null &&
			algctl status >/dev/null 2>&1 && return 0
		kill -0 "$DAEMON_PID" 2>/dev/null ||
			fail "algctl daemon exited: $(tail -n3 "$TMPD/daemon.log" | tr '\n' ' ')"
		sleep 0.1
	done
	fail "the restarted daemon did not come up within 15 s"
}

case $BENCH_GW in
plain)
	_attach_xdp_peers
	ip -n "$NS_S" route add "$INSIDE_PREFIX4" via "$GW_OUT4" || fail "server route back"
	;;
kernel)
	_attach_xdp_peers
	gw_setup
	;;
bpfalg)
	gw_setup # attaches the xdp_pass peers itself
	bench_daemon_restart
	;;
esac
wait_reachable

ftp_file big.bin "${W6_MIB}M"
ftp_server_start sx "$SERVER4"

RESULT="{\"gw\": \"$BENCH_GW\", \"set\": \"w6\""
add() { RESULT="$RESULT, \"$1\": $2"; }

# ---- latency: NOOP and PORT round trips on one control connection
# W6_PIN=CPU: the client, vsftpd and the daemon all on that CPU during the
# latency part (softirq follows the sender), restored for the throughput.
pin_set() { # CPULIST
	local p
	for p in $(ip netns pids "$NS_S") ${DAEMON_PID:+$DAEMON_PID}; do
		taskset -a -p -c "$1" "$p" >/dev/null 2>&1
	done
}
PIN_CMD=""
if [ -n "${W6_PIN:-}" ]; then
	pin_set "$W6_PIN"
	PIN_CMD="taskset -c $W6_PIN"
fi
[ "$BENCH_GW" = bpfalg ] && ftp_stats_mark
# W6_TRACE="CMD ARGS" (diagnosis, bpfalg): "CMD ARGS <daemon pid>" runs
# during the latency part and gets SIGINT after it, e.g.
#   W6_TRACE="strace -c -f -o /tmp/st.txt -p"
#   W6_TRACE="perf stat -e task-clock,context-switches -o /tmp/ps.txt -p"
# A tracer slows the daemon: such a round's RTTs are marked "traced".
TR_PID=""
if [ -n "${W6_TRACE:-}" ] && [ -n "$DAEMON_PID" ]; then
	# shellcheck disable=SC2086
	$W6_TRACE "$DAEMON_PID" 2>"$TMPD/trace.err" &
	TR_PID=$!
	sleep 0.5
fi
# shellcheck disable=SC2086 # PIN_CMD: empty or "taskset -c CPU"
cx timeout $((60 + W6_PORTS * 5 / W6_BATCH)) $PIN_CMD python3 "$HERE/ftp_rtt.py" "$SERVER4" \
	--noops "$W6_NOOPS" --ports "$W6_PORTS" --batch "$W6_BATCH" --pause "$W6_PAUSE" \
	--port-addr "$CLIENT4" --dump "$TMPD/rtt-samples.json" >"$TMPD/rtt.json" 2>"$TMPD/rtt.err"
rc=$?
if [ -n "$TR_PID" ]; then
	kill -INT "$TR_PID"
	wait "$TR_PID"
	add w6_traced true
fi
[ -s "$TMPD/rtt.json" ] || fail "ftp_rtt.py (rc=$rc): $(head -c 300 "$TMPD/rtt.err")"
[ "$rc" -eq 0 ] || fail "ftp_rtt.py: replies other than 200: $(head -c 400 "$TMPD/rtt.json")"
log "rtt: $(cat "$TMPD/rtt.json")"
[ -n "${W6_SAMPLES_DIR:-}" ] && cp "$TMPD/rtt-samples.json" "$W6_SAMPLES_DIR/w6-$BENCH_GW-$$.json"
# R_<series>_<stat>, R_sent, R_port_series_s:
# shellcheck disable=SC2046,SC2154
eval $(python3 - "$TMPD/rtt.json" <<-'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
for s in ("noop", "port"):
    for k in ("n", "p50_us", "p90_us", "p99_us", "p999_us", "min_us", "max_us", "mean_us"):
        print("R_%s_%s=%s" % (s, k, d[s].get(k, "null")))
for s in ("port_first8", "port_last8"):
    print("R_%s_p50_us=%s" % (s, d[s].get("p50_us", "null")))
print("R_sent=%d" % d["commands_sent"])
print("R_port_series_s=%s" % d["port_series_s"])
EOF
)
for s in noop port; do
	for k in n p50_us p90_us p99_us p999_us max_us mean_us; do
		v=R_${s}_$k
		add "w6_${s}_$k" "${!v}"
	done
done
add w6_port_first8_p50_us "$R_port_first8_p50_us"
add w6_port_last8_p50_us "$R_port_last8_p50_us"
add w6_port_series_s "$R_port_series_s"
add w6_commands "$R_sent"
if [ "$BENCH_GW" = bpfalg ]; then
	# Every command and every reply is punted; every PORT rewritten once.
	# The controller's counters reach the map on its 1 s tick.
	sleep 1.5
	for c in ftp_punted ftp_rewritten ftp_pinholes_opened ftp_refused; do
		add "w6_$c" "$(ftp_stat_delta "$c")"
	done
	rw=$(ftp_stat_delta ftp_rewritten)
	[ "$rw" = "$R_port_n" ] || fail "ftp_rewritten rose by $rw, but $R_port_n PORTs were sent"
fi

[ -n "${W6_PIN:-}" ] && pin_set "0-$(($(nproc) - 1))"

# ---- throughput: 200 MiB downloads
# curl's data rate excludes the login and the data connection's set-up:
# size / (time_total - time_starttransfer).  Both helpers set V (Gbit/s).
fetch() { # LABEL CURL-ARGS...
	local label=$1 rc
	shift
	cx timeout 60 curl -sS --connect-timeout 5 --max-time 50 "$@" -o /dev/null \
		-w '%{size_download} %{time_starttransfer} %{time_total}\n' \
		"ftp://$SERVER4/big.bin" >"$TMPD/$label.w" 2>"$TMPD/$label.err"
	rc=$?
	[ $rc -eq 0 ] || fail "$label: curl $*: exit $rc ($(_curl_why $rc)): $(head -c 300 "$TMPD/$label.err")"
	V=$(python3 - "$TMPD/$label.w" "$((W6_MIB * 1048576))" <<-'EOF'
	import sys
	size, ts, tt = open(sys.argv[1]).read().split()
	size, ts, tt = int(size), float(ts), float(tt)
	if size != int(sys.argv[2]):
	    sys.exit(1)
	print(round(size * 8 / (tt - ts) / 1e9, 3))
	EOF
	) || fail "$label: short download: $(cat "$TMPD/$label.w")"
}
iperf_rev() {
	sx iperf3 -s -1 -p 5201 >"$TMPD/iperf3-s.log" 2>&1 &
	bg_track $!
	wait_listen sx 5201
	cx timeout 40 iperf3 -c "$SERVER4" -p 5201 -R -n "${W6_MIB}M" -J >"$TMPD/iperf3.json" 2>&1 ||
		fail "iperf3 -R: $(tail -c 300 "$TMPD/iperf3.json")"
	V=$(python3 -c 'import json,sys; print(round(json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"] / 1e9, 3))' \
		"$TMPD/iperf3.json") || fail "iperf3 -R: no result"
}
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
act="" pas="" ipf=""
[ "$BENCH_GW" = bpfalg ] && ftp_stats_mark
for i in $(seq "$W6_REPS"); do
	# active (the server connects to the client through the pinhole /
	# ct expectation / route), passive (an ordinary outbound NAT flow to
	# the same server, same programs at both ends), iperf3 -R (same
	# direction of data, another program)
	fetch "active-$i" -P - --disable-eprt
	act="$act $V"
	fetch "passive-$i" --disable-epsv
	pas="$pas $V"
	iperf_rev
	ipf="$ipf $V"
done
log "Gbit/s active [$act ] passive [$pas ] iperf3 -R [$ipf ]"
# shellcheck disable=SC2086
add w6_ftp_active_gbps "$(median $act)"
# shellcheck disable=SC2086
add w6_ftp_passive_gbps "$(median $pas)"
# shellcheck disable=SC2086
add w6_iperf3_rev_gbps "$(median $ipf)"
if [ "$BENCH_GW" = bpfalg ]; then
	add w6_xfer_pinhole_hit "$(ftp_stat_delta pinhole_hit)"
fi
add w6_mib "$W6_MIB"
add loadavg1 "$(cut -d' ' -f1 /proc/loadavg)"
printf '%s}\n' "$RESULT"
