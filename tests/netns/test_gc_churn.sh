#!/bin/bash
# The controller's expiry GC at a million flows (bpfalg only).  The gateway
# runs with --flows 1048576; tests/netns/gc_fill (built by make) writes flows
# straight into the pinned answered IPv4 pair (flows4 / flow_rev4, both halves with
# one cookie, in batches: no packets), so the table fills in seconds:
#   (A) 500,000 expired flows (TCP TIME_WAIT and replied UDP, idle for an
#       hour) and 500,000 live ones (established TCP), with the daemon
#       stopped; then `algctl daemon` starts while gc_fill churns the live
#       set (5,000 flows replaced, both halves with a new cookie, and 5,000
#       refreshed a second).  Every expired half must be gone within
#       DEL_BOUND seconds and no live original half may be deleted;
#       `algctl status` must exit 0 at every poll (once a second);
#   (B) 500,000 more live flows (1,000,000 live), churned; over STEADY
#       seconds the daemon's CPU (utime+stime from /proc/PID/stat) is logged
#       as gc_cpu_fraction= (a number for reports; only a sanity bound here);
#   (C) SIGTERM while the daemon is running (state R: a GC slice) must end
#       it within 1 s; (D) the same while the GC deletes 300,000 flows that
#       went idle (live tuples rewritten as expired, daemon restarted).
# Then, with the churn stopped: no expired flow left, every live original
# half still there with a reply half naming it with its cookie.
# GC_FILL_ORDER=rev-first writes (B)'s batches reply halves first (each
# batch's reply halves then wait milliseconds for their original halves):
# a reproduction of the sweep deleting such a reply half as an orphan.
# Progress is read from the daemon's "expired: N flows" lines; the table is
# walked (gc_fill count, ~2 s for 2M entries) only to confirm, so that the
# test's own load stays small next to the daemon's.
# gateways: bpfalg
# Heavy: about 1.3 GB of kernel memory for the maps, both cores busy while
# filling; run.sh runs it next to another case (NETNS_JOBS).
METRICS_PORT=9468
GW_UP_ARGS="${GW_UP_ARGS:+$GW_UP_ARGS }--flows 1048576 --metrics 127.0.0.1:$METRICS_PORT"
# slow: 30 s or more; started first
. "$(dirname "$0")/lib.sh"
case $BUILD in /*) ;; *) BUILD=$PWD/$BUILD ;; esac
GC_FILL=${GC_FILL:-$BUILD/tests/gc_fill}
test_init
if [ "$GW_KIND" != bpfalg ]; then
	log "kernel reference: conntrack's expiry runs inside the kernel (per-entry timers, gc worker); there is no controller process to load, time or signal"
	skip "bpfalg only: the kernel has no userspace GC controller"
fi
[ -x "$GC_FILL" ] || fail "missing $GC_FILL (run make)"

N_EXP=500000
N_LIVE=500000
DEL_BOUND=45	# s: two full sweeps of the original halves at 65,536 a tick
STEADY=${GC_STEADY_S:-8}	# s of steady state with 1,000,000 live flows
CHURN_RATE=5000	# flows replaced (and as many refreshed) a second
HZ=$(getconf CLK_TCK)

topo_setup3
gw_setup
max=$(algctl stats -j | python3 -c 'import json,sys; print(json.load(sys.stdin)["tables"]["flows"]["max"])') ||
	fail "algctl stats -j: no tables.flows.max"
[ "$max" -eq 1048576 ] || fail "flows table holds $max entries, expected 1048576 (--flows)"
grep -q algctl "/proc/$DAEMON_PID/comm" 2>/dev/null ||
	fail "pid $DAEMON_PID is $(cat "/proc/$DAEMON_PID/comm" 2>/dev/null), not the daemon"
daemon_stop TERM || fail "the daemon (empty table) ignored SIGTERM"

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# count: gc_fill's census of the answered pair into C_* variables.
count() {
	local out
	out=$("$GC_FILL" count "$PIN" "$@") || fail "gc_fill count: $out"
	C_LINE=$out
	eval "$(printf '%s\n' "$out" | tr ' ' '\n' | sed -n 's/^\([a-z_]*\)=\([0-9]*\)$/C_\1=\2/p')"
}

# status_ok WHAT: `algctl status` exits 0 (the daemon beats and runs);
# the slowest one is remembered.
STATUS_MAX_MS=0 STATUS_N=0
status_ok() {
	local t0 rc dt
	t0=$(now_ms)
	algctl status >/dev/null 2>status.err
	rc=$?
	dt=$(($(now_ms) - t0))
	[ $dt -gt $STATUS_MAX_MS ] && STATUS_MAX_MS=$dt
	STATUS_N=$((STATUS_N + 1))
	[ $rc -eq 0 ] || fail "$1: algctl status exited $rc after $dt ms: $(head -c 300 status.err); daemon: $(tail -n 3 "$TMPD/daemon.log" | tr '\n' ' ')"
}

# cpu_ticks: utime+stime of the daemon (all its threads), in clock ticks.
cpu_ticks() {
	awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$DAEMON_PID/stat" 2>/dev/null ||
		fail "no /proc/$DAEMON_PID/stat: the daemon is gone ($(tail -n 3 "$TMPD/daemon.log" | tr '\n' ' '))"
}

# gc_metric NAME: one bpfalg_gc_* sample of the daemon's /metrics (a scrape
# walks the tables: never inside a CPU measurement).
gc_metrics() {
	gx curl -s --max-time 10 "http://127.0.0.1:$METRICS_PORT/metrics" 2>/dev/null |
		grep '^bpfalg_gc_' >metrics.txt
	[ -s metrics.txt ] || fail "no bpfalg_gc_* lines from /metrics"
}
gc_metric() { awk -v n="$1" '$1 == n { print $2 }' metrics.txt; }

CHURN_PID=""
churn_start() { # LIVE_COUNT LABEL
	"$GC_FILL" churn "$PIN" "$1" 600 "$CHURN_RATE" "$GW_OUT4" >"churn-$2.log" 2>&1 &
	CHURN_PID=$!
	bg_track $CHURN_PID
}
churn_stop() {
	[ -n "$CHURN_PID" ] || return 0
	kill -TERM "$CHURN_PID" 2>/dev/null
	wait "$CHURN_PID"
	local rc=$?
	CHURN_PID=""
	log "$(cat churn-"$1".log)"
	[ $rc -eq 0 ] || fail "gc_fill churn ($1) failed: $(cat churn-"$1".log)"
}

# sigterm_measure WHAT: wait (up to 20 s) until the daemon is running on a
# CPU (state R: a GC slice, it is otherwise asleep in epoll), send SIGTERM,
# print how many ms until it exited (state Z: it is our child); 5 s at most.
sigterm_measure() {
	python3 - "$DAEMON_PID" <<-'EOF'
	import os, signal, sys, time
	pid = int(sys.argv[1])
	def state():
	    try:
	        with open("/proc/%d/stat" % pid) as f:
	            return f.read().rsplit(")", 1)[1].split()[0]
	    except OSError:
	        return "gone"
	end = time.monotonic() + 20
	hit = False
	while time.monotonic() < end:
	    s = state()
	    if s in ("Z", "X", "gone"):
	        sys.exit("the daemon exited before the signal")
	    if s == "R":
	        hit = True
	        break
	    time.sleep(0.002)
	t0 = time.monotonic()
	os.kill(pid, signal.SIGTERM)
	while time.monotonic() - t0 < 5:
	    if state() in ("Z", "X", "gone"):
	        break
	    time.sleep(0.001)
	print("%d %s" % ((time.monotonic() - t0) * 1000, "running" if hit else "idle"))
	EOF
}

# sigterm_check WHAT: sigterm_measure, reap, require < 1 s.
sigterm_check() {
	local r ms
	r=$(sigterm_measure) || fail "$1: $r"
	ms=${r%% *}
	wait "$DAEMON_PID" 2>/dev/null
	DAEMON_PID=""
	log "$1: SIGTERM sent while the daemon was ${r#* }: exited after $ms ms"
	[ "$ms" -lt 1000 ] || fail "$1: the daemon took $ms ms to exit after SIGTERM (bound 1000 ms); daemon: $(tail -n 3 "$TMPD/daemon.log" | tr '\n' ' ')"
	SIGTERM_MS="$SIGTERM_MS $ms"
}
SIGTERM_MS=""

# ---------------------------------------------------------------- (A)
t0=$(now_ms)
"$GC_FILL" fill "$PIN" expired 0 $N_EXP "$GW_OUT4" >fill.log 2>&1 || fail "gc_fill: $(tail -n1 fill.log)"
"$GC_FILL" fill "$PIN" live 0 $N_LIVE "$GW_OUT4" >>fill.log 2>&1 || fail "gc_fill: $(tail -n1 fill.log)"
log "$(tr '\n' ';' <fill.log)"
count
log "filled in $(($(now_ms) - t0)) ms: $C_LINE"
[ "$C_expired_orig" -eq $N_EXP ] && [ "$C_expired_rev" -eq $N_EXP ] &&
	[ "$C_live_orig" -eq $N_LIVE ] && [ "$C_live_rev" -eq $N_LIVE ] ||
	fail "the table does not hold what was written (LRU evictions?): $C_LINE"

# expired_logged: flows the daemon reported expired (its log is appended
# over restarts; give the line count to start from).
expired_logged() {
	tail -n +$((${1:-0} + 1)) "$TMPD/daemon.log" |
		awk '$2 == "expired:" { s += $3 } END { print s + 0 }'
}

churn_start $N_LIVE a
daemon_start
t_start=$(now_ms)
log "daemon started (pid $DAEMON_PID) over $N_EXP expired + $N_LIVE live flows"
first_del=""
while :; do
	status_ok "while the GC deletes $N_EXP expired flows"
	el=$(($(now_ms) - t_start))
	n=$(expired_logged)
	[ -z "$first_del" ] && [ "$n" -gt 0 ] && first_del=$el
	# (a census also after 25 s, should a log line have been rate-limited)
	if [ "$n" -ge $N_EXP ] || [ $el -gt 25000 ]; then
		T_DEL=$el
		count
		[ "$C_expired_orig" -eq 0 ] && [ "$C_expired_rev" -eq 0 ] && break
		log "the daemon reported $n expired, the table still has: $C_LINE"
	fi
	[ $el -lt $((DEL_BOUND * 1000)) ] ||
		fail "expired flows not all deleted within $DEL_BOUND s: the daemon reported $n; $("$GC_FILL" count "$PIN")"
	sleep 1
done
# churn replaces at most CHURN_RATE/10 flows at a time: a census may catch
# that many between their delete and their insert
[ "$C_live_orig" -ge $((N_LIVE - CHURN_RATE / 10)) ] ||
	fail "live flows deleted: $C_LINE; daemon: $(tail -n 3 "$TMPD/daemon.log" | tr '\n' ' ')"
log "all $N_EXP expired flows (both halves) deleted within $T_DEL ms of the daemon's start (first deletions by $first_del ms; polled once a second): $C_LINE"
gc_metrics
log "daemon's GC: $(tr '\n' ' ' <metrics.txt)"

# ---------------------------------------------------------------- (B)
churn_stop a
"$GC_FILL" fill "$PIN" live $N_LIVE $N_LIVE "$GW_OUT4" ${GC_FILL_ORDER:-} >fill2.log 2>&1 || fail "gc_fill: $(tail -n1 fill2.log)"
log "$(cat fill2.log)"
N_ALL=$((2 * N_LIVE))
churn_start $N_ALL b
count
[ "$C_live_orig" -ge $((N_ALL - CHURN_RATE / 10)) ] || fail "after the second fill: $C_LINE"
log "steady state: $C_LINE"
status_ok "1,000,000 live flows"
gc_metrics
b0=$(gc_metric bpfalg_gc_busy_seconds_total) r0=$(gc_metric bpfalg_gc_entries_read_total)
c0=$(cpu_ticks) w0=$(now_ms)
while [ $(($(now_ms) - w0)) -lt $((STEADY * 1000)) ]; do
	sleep 1
	status_ok "steady state, 1,000,000 live flows"
done
c1=$(cpu_ticks) w1=$(now_ms)
gc_metrics
b1=$(gc_metric bpfalg_gc_busy_seconds_total) r1=$(gc_metric bpfalg_gc_entries_read_total)
log "GC over the window: busy $(awk -v a="$b0" -v b="$b1" 'BEGIN { printf "%.3f", b - a }') s, $(awk -v a="$r0" -v b="$r1" 'BEGIN { printf "%d", b - a }') entries read; last sweep $(gc_metric bpfalg_gc_last_sweep_seconds) s, sweeps $(gc_metric bpfalg_gc_sweeps_total)"
frac=$(awk -v c=$((c1 - c0)) -v hz="$HZ" -v ms=$((w1 - w0)) 'BEGIN { printf "%.4f", c / hz / (ms / 1000) }')
log "gc_cpu_fraction=$frac ($((c1 - c0)) ticks at $HZ Hz over $((w1 - w0)) ms, 1,000,000 live flows, churn $CHURN_RATE/s)"
awk -v f="$frac" 'BEGIN { exit !(f < 0.5) }' ||
	fail "the daemon used $frac of a CPU with 1,000,000 idle-path flows (sanity bound 0.5)"

# ---------------------------------------------------------------- (C)
sigterm_check "steady state, 1,000,000 live flows"

# ---------------------------------------------------------------- (D)
churn_stop b
N_AGED=300000
"$GC_FILL" fill "$PIN" aged 0 $N_AGED "$GW_OUT4" >fill3.log 2>&1 || fail "gc_fill: $(tail -n1 fill3.log)"
log "$(cat fill3.log) (live flows 0..$((N_AGED - 1)) went idle)"
lines=$(wc -l <"$TMPD/daemon.log")
daemon_start
w0=$(now_ms)
while [ "$(expired_logged "$lines")" -eq 0 ]; do
	[ $(($(now_ms) - w0)) -lt 20000 ] ||
		fail "the restarted daemon deleted none of $N_AGED idle flows within 20 s"
	sleep 0.1
done
log "the GC is deleting idle flows ($(expired_logged "$lines") so far, $(($(now_ms) - w0)) ms after the restart)"
sigterm_check "GC deleting $N_AGED idle flows"
count --pairs
log "after the stop: $C_LINE"
[ "$C_expired_orig" -eq 0 ] && [ "$C_expired_rev" -eq 0 ] || fail "expired flows came back: $C_LINE"
gone=$(expired_logged "$lines")
[ "$C_live_orig" -eq $((N_ALL - gone)) ] ||
	fail "live flows: $C_live_orig, expected $N_ALL less the $gone the daemon reported expired ($C_LINE)"
[ "$C_live_pairs" -eq "$C_live_orig" ] ||
	fail "$((C_live_orig - C_live_pairs)) live flows lost their reply half: $C_LINE"
log "status polls: $STATUS_N, all exit 0, slowest $STATUS_MAX_MS ms"
log "summary: gc_delete_ms=$T_DEL gc_cpu_fraction=$frac sigterm_ms=${SIGTERM_MS# }"
exit 0
