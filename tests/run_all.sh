#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# `make check` runner: userspace unit tests, BPF tests, netns integration
# tests.  Prints each suite's output, reads each suite's closing line
# ("N passed, N failed[, N skipped]", or cmocka's [  PASSED  ]/[  FAILED  ]
# summary), and ends with one combined line "N passed, N failed, N skipped".
# A suite that exits non-zero without reporting a failure, prints no
# closing line, or times out counts as one failure.  Exit non-zero if
# anything failed.
set -u
cd "$(dirname "$0")/.."
export BUILD=${BUILD:-build}
export ALGCTL=${ALGCTL:-$BUILD/algctl}

total_p=0 total_f=0 total_s=0
summary=""

# run_suite NAME TIMEOUT CMD...
run_suite() {
	local name=$1 tmo=$2; shift 2
	local out rc p f s line t0
	out=$(mktemp)
	echo "=== $name: $*"
	t0=$(date +%s)
	timeout -k 10 "$tmo" "$@" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	line=$(grep -E '^([A-Za-z_-]+: )?[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$' "$out" | tail -n1)
	if [ -n "$line" ]; then
		p=$(echo "$line" | sed -E 's/^([A-Za-z_-]+: )?([0-9]+) passed.*/\2/')
		f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
		s=$(echo "$line" | sed -nE 's/.* ([0-9]+) skipped$/\1/p')
	elif grep -qE '^\[  PASSED  \] [0-9]+ test' "$out"; then
		p=$(grep -E '^\[  PASSED  \] [0-9]+ test' "$out" | awk '{s += $4} END {print s}')
		f=$(grep -E '^\[  FAILED  \] [0-9]+ test' "$out" | awk '{s += $4} END {print s+0}')
		s=$(grep -E '^\[  SKIPPED \] [0-9]+ test' "$out" | awk '{s += $4} END {print s+0}')
	else
		p=0 f=0 s=0
	fi
	s=${s:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		case $rc in
		124|137) echo "!!! $name: timed out after ${tmo}s" ;;
		*) echo "!!! $name: exited $rc without reporting a failure" ;;
		esac
	elif [ -z "$line" ] && [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "!!! $name: no closing 'N passed, N failed' line"
	fi
	echo "=== $name: $p passed, $f failed, $s skipped ($(( $(date +%s) - t0 ))s, exit $rc)"
	echo
	total_p=$((total_p + p)) total_f=$((total_f + f)) total_s=$((total_s + s))
	summary="$summary$(printf '  %-8s %4d passed, %d failed, %d skipped' "$name" "$p" "$f" "$s")
"
	rm -f "$out"
}

for suite in unit_tests:unit bpf_tests:bpf; do
	bin=$BUILD/tests/${suite%%:*}
	name=${suite#*:}
	if [ -x "$bin" ]; then
		run_suite "$name" 300 "$bin"
	else
		echo "=== $name: $bin not built, not run"
		echo
	fi
done
# packaging: man page and completion against `algctl help`, make install,
# systemd-analyze verify of the unit, the unit's capabilities
run_suite pkg 120 tests/pkg/run.sh
# deploy/k8s: yamllint, manifest and Containerfile checks, entrypoint cases
run_suite k8s 120 tests/k8s/check_k8s.py
# deploy/prometheus rules (promtool check and unit tests), the Grafana
# dashboard (JSON, every metric it names exported by algctl)
run_suite deploy 60 tests/deploy/check_monitoring.sh
run_suite netns 900 tests/netns/run.sh
# the benchmark's own smoke test (one tiny round per gateway, the output
# format checked), so `make bench` cannot rot
run_suite bench 300 bench/smoke.sh

echo "=== summary"
printf '%s' "$summary"
echo "$total_p passed, $total_f failed, $total_s skipped"
[ "$total_f" -eq 0 ]
