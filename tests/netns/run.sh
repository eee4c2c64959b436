#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Run every tests/netns/test_*.sh scenario for each gateway mode and print
#   PASS name [gw]
#   FAIL name [gw]: reason
#   SKIP name [gw]: reason
# then exactly one closing line "N passed, N failed, N skipped".
# Exit status: non-zero when anything failed.
#
# Environment:
#   GW=kernel|bpfalg|bpfalg-xdp|"kernel bpfalg"  modes (default all three)
#   TESTS="ping tcp_bulk"              subset (default all test_*.sh)
#   BUILD, ALGCTL                      as in the Makefile
#   TEST_TIMEOUT=seconds               per case (default 180)
#   NETNS_LOGDIR=dir                   keep per-case logs there
#   VERBOSE=1                          print every case's log
#   NETNS_JOBS=n                       cases run at the same time (default 2)
#
# A scenario may name the modes it is meant for in a line
#   # gateways: kernel bpfalg [(why)]
# among its first 40 lines (ALG scenarios: the XDP fast path never carries
# a control flow, so bpfalg-xdp would repeat bpfalg); it is not run in the
# others (not counted, not a skip).  A line "# slow: why" there makes it
# start before the others.
set -u
here=$(cd "$(dirname "$0")" && pwd)
modes=${GW:-kernel bpfalg bpfalg-xdp}
timeout_s=${TEST_TIMEOUT:-180}
export BUILD=${BUILD:-build}
export ALGCTL=${ALGCTL:-$BUILD/algctl}
case $ALGCTL in /*) ;; *) ALGCTL=$PWD/$ALGCTL ;; esac
case $BUILD in /*) ;; *) BUILD=$PWD/$BUILD ;; esac

logdir=${NETNS_LOGDIR:-$(mktemp -d /tmp/bpfalg-netns-logs.XXXXXX)}
mkdir -p "$logdir"

if [ -n "${TESTS:-}" ]; then
	files=""
	for t in $TESTS; do files="$files $here/test_${t#test_}"; files=${files%.sh}.sh; done
else
	files=$(ls "$here"/test_*.sh)
fi

# One case: its log, a result line "RC SECONDS NAME GW" in $logdir/results.
run_case() {
	local gw=$1 f=$2 name log t0 pid watchdog rc
	name=$(basename "$f" .sh)
	name=${name#test_}
	log="$logdir/$name.$gw.log"
	t0=$(date +%s)
	# Own session and process group: on a timeout the whole group
	# goes, not only the scenario's shell (a foreground child such
	# as a runaway writer would otherwise outlive it).
	GW=$gw setsid bash "$f" >"$log" 2>&1 </dev/null &
	pid=$!
	(
		trap 'kill $s 2>/dev/null; exit 0' TERM
		sleep "$timeout_s" &
		s=$!
		wait $s
		: >"$log.timedout"
		kill -TERM -- -"$pid" 2>/dev/null
		sleep 15 &
		s=$!
		wait $s
		kill -KILL -- -"$pid" 2>/dev/null
	) &
	watchdog=$!
	wait "$pid"
	rc=$?
	kill "$watchdog" 2>/dev/null
	wait "$watchdog" 2>/dev/null
	if [ -e "$log.timedout" ]; then
		rm -f "$log.timedout"
		rc=124
	fi
	report "$rc" "$(($(date +%s) - t0))" "$name" "$gw" "$log"
}

# Print one case's verdict (under a lock: cases finish concurrently).
report() {
	local rc=$1 dt=$2 name=$3 gw=$4 log=$5 reason
	reason=$(grep -E '^(FAIL|SKIP): ' "$log" | tail -n1 | sed -E 's/^(FAIL|SKIP): //')
	{
		flock 9
		echo "$rc $dt $name $gw" >>"$logdir/results"
		case $rc in
		0) echo "PASS $name [$gw]" ;;
		4) echo "SKIP $name [$gw]: ${reason:-no reason given}" ;;
		*)
			[ "$rc" -eq 124 ] || [ "$rc" -eq 137 ] && reason="timed out after ${timeout_s}s${reason:+ ($reason)}"
			echo "FAIL $name [$gw]: ${reason:-exit status $rc}"
			# The end of the log is the evidence.
			grep -v -E '^(FAIL|SKIP): ' "$log" | tail -n 25 | sed 's/^/    | /'
			;;
		esac
		[ -n "${VERBOSE:-}" ] && sed 's/^/    | /' "$log"
	} 9>>"$logdir/results.lock"
}

# NETNS_JOBS cases at a time (default 2): the scenarios mostly wait (for
# handshakes, timers, the daemon), each has its own namespaces, bpffs pins
# and scratch directory, so they do not see each other.
jobs_max=${NETNS_JOBS:-2}
: >"$logdir/results"
start=$(date +%s)
running=0
# The cases, those marked "# slow:" (among the first 40 lines) first: the
# longest start early, so no long case is left running alone at the end.
cases=""
for pass in slow rest; do
	for gw in $modes; do
		for f in $files; do
			want=$(head -n 40 "$f" | sed -n 's/^# gateways: *\([^(]*\).*/\1/p' | head -n 1)
			if [ -n "$want" ] && ! printf ' %s ' "$want" | grep -q " $gw "; then
				continue
			fi
			if head -n 40 "$f" | grep -q '^# slow:'; then
				[ $pass = slow ] || continue
			else
				[ $pass = rest ] || continue
			fi
			cases="$cases $gw:$f"
		done
	done
done
for c in $cases; do
	if [ "$running" -ge "$jobs_max" ]; then
		wait -n
		running=$((running - 1))
	fi
	run_case "${c%%:*}" "${c#*:}" &
	running=$((running + 1))
done
wait
pass=$(awk '$1 == 0' "$logdir/results" | wc -l)
skipn=$(awk '$1 == 4' "$logdir/results" | wc -l)
failn=$(awk '$1 != 0 && $1 != 4' "$logdir/results" | wc -l)
times=$(awk '{print $2, $3 "[" $4 "]"}' "$logdir/results")
echo "# slowest cases: $(printf '%s' "$times" | sort -rn | head -n 12 | awk '{printf("%s%s %ss", (NR > 1 ? ", " : ""), $2, $1)}')"
if [ $failn -eq 0 ] && [ -z "${NETNS_LOGDIR:-}" ]; then
	rm -rf "$logdir"
	echo "# netns suite: $(( $(date +%s) - start ))s"
else
	echo "# netns suite: $(( $(date +%s) - start ))s, logs in $logdir"
fi
echo "$pass passed, $failn failed, $skipn skipped"
[ $failn -eq 0 ]
