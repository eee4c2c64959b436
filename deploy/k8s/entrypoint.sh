#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# entrypoint.sh - the bpfalg DaemonSet's container entrypoint.
#
# The ConfigMap holds a bpfalg configuration file (docs/config.md) whose
# `inside` and `outside` values may be shell patterns (`cali*`, `ens*`,
# `eth0`): interface names differ from node to node.  At start this script
# resolves them against the node's interfaces (the pod runs with
# hostNetwork), writes the file with the names in their place, line for
# line (algctl's FILE:LINE errors point at the ConfigMap's own lines), and
# execs `algctl daemon --config FILE`.  With BPFALG_RESCAN=N it stays the
# daemon's parent instead and resolves again every N seconds, running
# `algctl up` when the set changed (pods come and go; up detaches what is
# no longer listed).
#
#   entrypoint.sh [run]   resolve, then run the daemon (the container command)
#   entrypoint.sh resolve print the resolved file on stdout (a dry run)
#   entrypoint.sh live    liveness: exit 0 while a controller is alive
#
# Environment (defaults in brackets):
#   BPFALG_TEMPLATE  [/etc/bpfalg/k8s/bpfalg.conf]  the ConfigMap's file
#   BPFALG_CONFIG    [/run/bpfalg/bpfalg.conf]      the resolved file
#   BPFALG_PIN_PATH  [/sys/fs/bpf/bpfalg]           algctl --pin-path
#   BPFALG_METRICS   []     ADDR:PORT for `algctl daemon --metrics` (empty: none)
#   BPFALG_WAIT      [60]   seconds to wait for every pattern to match
#   BPFALG_RESCAN    [0]    seconds between re-resolutions (0: once)
#   ALGCTL           [algctl]
#   BPFALG_SYS_NET   [/sys/class/net]  where interfaces are listed (tests)
# Errors: one line on stderr naming the problem and the fix, exit 1.
set -u

TEMPLATE=${BPFALG_TEMPLATE:-/etc/bpfalg/k8s/bpfalg.conf}
CONFIG=${BPFALG_CONFIG:-/run/bpfalg/bpfalg.conf}
PIN_PATH=${BPFALG_PIN_PATH:-/sys/fs/bpf/bpfalg}
METRICS=${BPFALG_METRICS:-}
WAIT=${BPFALG_WAIT:-60}
RESCAN=${BPFALG_RESCAN:-0}
ALGCTL=${ALGCTL:-algctl}
SYS_NET=${BPFALG_SYS_NET:-/sys/class/net}
MAX_INSIDE=16 # algctl's limit (docs/config.md, key inside)

die() {
	printf 'bpfalg-entrypoint: %s\n' "$*" >&2
	exit 1
}
say() { printf 'bpfalg-entrypoint: %s\n' "$*" >&2; }

case $WAIT in '' | *[!0-9]*) die "BPFALG_WAIT='$WAIT' is not a number of seconds" ;; esac
case $RESCAN in '' | *[!0-9]*) die "BPFALG_RESCAN='$RESCAN' is not a number of seconds" ;; esac

# trim STRING: without leading and trailing blanks
trim() {
	printf '%s' "$1" | sed 's/^[[:space:]]*//;s/[[:space:]]*$//'
}

# value_of LINE: the value of a `key = value` line, without a comment
# (a '#' first in the value or after a blank starts one, docs/config.md)
value_of() {
	v=${1#*=}
	v=$(printf '%s' "$v" | sed 's/^[[:space:]]*#.*//;s/[[:space:]]#.*//')
	trim "$v"
}

# matches PATTERN: the node's interfaces PATTERN matches, one a line
# (never lo: it is no gateway interface)
matches() {
	for d in "$SYS_NET"/*; do
		n=${d##*/}
		[ "$n" = lo ] && continue
		[ -e "$d" ] || continue
		# shellcheck disable=SC2254 # PATTERN is a pattern on purpose
		case $n in $1) printf '%s\n' "$n" ;; esac
	done
}

# resolve_list KEY VALUE: the comma-separated patterns of VALUE as names,
# comma-separated, in LIST; MISSING: the patterns that matched nothing
# (no subshell: die must end the script)
resolve_list() {
	LIST="" MISSING="" key=$1 val=$2
	old_ifs=$IFS
	IFS=,
	# shellcheck disable=SC2086 # split on commas
	set -- $2
	IFS=$old_ifs
	for p in "$@"; do
		p=$(trim "$p")
		[ -n "$p" ] || die "$TEMPLATE: key '$key': empty entry in '$val'"
		m=$(matches "$p")
		[ -n "$m" ] || MISSING="$MISSING${MISSING:+, }$p"
		for n in $m; do
			[ "$key" = inside ] && [ "$n" = "$OUTSIDE" ] && continue
			case ",$LIST," in *",$n,"*) continue ;; esac
			LIST="$LIST${LIST:+,}$n"
		done
	done
}

# resolve: read the template, set OUTSIDE and INSIDE, write RESOLVED (the
# file text).  Returns 1 with REASON set when a pattern matches nothing.
resolve() {
	[ -r "$TEMPLATE" ] || die "cannot read $TEMPLATE: mount the ConfigMap there (key bpfalg.conf) or set BPFALG_TEMPLATE"
	in_pat="" out_pat="" REASON=""
	# the top-level keys only: a [section] ends them
	in_pat=$(sed -n '/^[[:space:]]*\[/q;s/^[[:space:]]*inside[[:space:]]*=/&/p' "$TEMPLATE" | head -n1)
	out_pat=$(sed -n '/^[[:space:]]*\[/q;s/^[[:space:]]*outside[[:space:]]*=/&/p' "$TEMPLATE" | head -n1)
	[ -n "$out_pat" ] || die "$TEMPLATE: no 'outside = IF-OR-PATTERN' line before the first [section]"
	[ -n "$in_pat" ] || die "$TEMPLATE: no 'inside = IF-OR-PATTERN,...' line before the first [section]"
	in_pat=$(value_of "$in_pat")
	out_pat=$(value_of "$out_pat")

	OUTSIDE=""
	resolve_list outside "$out_pat"
	OUTSIDE=$LIST
	if [ -n "$MISSING" ]; then
		REASON="outside pattern '$MISSING' matches no interface on this node"
		return 1
	fi
	case $OUTSIDE in
	*,*) die "$TEMPLATE: outside '$out_pat' matches several interfaces ($OUTSIDE): name exactly one" ;;
	esac
	resolve_list inside "$in_pat"
	INSIDE=$LIST
	if [ -n "$MISSING" ]; then
		REASON="inside pattern '$MISSING' matches no interface on this node"
		return 1
	fi
	[ -n "$INSIDE" ] || die "$TEMPLATE: inside '$in_pat' matches only the outside interface $OUTSIDE"
	count=$(printf '%s\n' "$INSIDE" | tr ',' '\n' | wc -l)
	[ "$count" -le "$MAX_INSIDE" ] ||
		die "$TEMPLATE: inside '$in_pat' matches $count interfaces, algctl takes at most $MAX_INSIDE: narrow the pattern"

	# line for line: the two keys' lines replaced, everything else kept
	RESOLVED=$(awk -v ins="$INSIDE" -v outs="$OUTSIDE" '
		/^[[:space:]]*\[/ { sect = 1 }
		!sect && /^[[:space:]]*inside[[:space:]]*=/ && !di { print "inside = " ins; di = 1; next }
		!sect && /^[[:space:]]*outside[[:space:]]*=/ && !do_ { print "outside = " outs; do_ = 1; next }
		{ print }' "$TEMPLATE")
	return 0
}

# resolve_wait: resolve, waiting up to WAIT seconds for the interfaces
# (the CNI may create them after this pod starts)
resolve_wait() {
	i=0
	while ! resolve; do
		[ "$i" -ge "$WAIT" ] && die "$REASON (waited ${WAIT}s): fix the pattern in the ConfigMap"
		[ "$i" -eq 0 ] && say "$REASON; waiting up to ${WAIT}s"
		sleep 1
		i=$((i + 1))
	done
}

write_config() {
	mkdir -p "${CONFIG%/*}" || die "cannot create ${CONFIG%/*}"
	{ printf '%s\n' "$RESOLVED" >"$CONFIG.tmp" && mv "$CONFIG.tmp" "$CONFIG"; } ||
		die "cannot write $CONFIG"
}

# The pins must live on the node's bpffs: pins on a bpffs that algctl
# mounted inside the container would vanish with it (and every restart
# would load a second datapath).
check_node() {
	parent=${PIN_PATH%/*}
	[ -n "$parent" ] || parent=/
	fs=$(stat -f -c %T "$parent" 2>/dev/null)
	[ "$fs" = bpf_fs ] ||
		die "$parent is not a bpffs (${fs:-missing}): mount bpffs on the node (mount -t bpf bpffs /sys/fs/bpf) and the hostPath /sys/fs/bpf into the pod"
	[ -r /sys/kernel/btf/vmlinux ] ||
		die "no /sys/kernel/btf/vmlinux: the node's kernel needs CONFIG_DEBUG_INFO_BTF (and the hostPath /sys/kernel/btf mount)"
}

run() {
	check_node
	resolve_wait
	write_config
	say "inside $INSIDE, outside $OUTSIDE (from $TEMPLATE)"
	if [ "$RESCAN" -eq 0 ]; then
		if [ -n "$METRICS" ]; then
			exec "$ALGCTL" --pin-path "$PIN_PATH" daemon --config "$CONFIG" --metrics "$METRICS"
		fi
		exec "$ALGCTL" --pin-path "$PIN_PATH" daemon --config "$CONFIG"
	fi

	# Rescan: this shell stays PID 1's job, passes SIGTERM/SIGINT on (the
	# daemon stops the controller only; the datapath keeps forwarding).
	if [ -n "$METRICS" ]; then
		"$ALGCTL" --pin-path "$PIN_PATH" daemon --config "$CONFIG" --metrics "$METRICS" &
	else
		"$ALGCTL" --pin-path "$PIN_PATH" daemon --config "$CONFIG" &
	fi
	dpid=$!
	trap 'kill -TERM "$dpid" 2>/dev/null' TERM INT
	last="$INSIDE|$OUTSIDE"
	while kill -0 "$dpid" 2>/dev/null; do
		sleep "$RESCAN" &
		wait $! 2>/dev/null
		kill -0 "$dpid" 2>/dev/null || break
		if ! resolve; then
			say "$REASON: keeping inside $INSIDE"
			continue
		fi
		[ "$INSIDE|$OUTSIDE" = "$last" ] && continue
		write_config
		if "$ALGCTL" --pin-path "$PIN_PATH" up --config "$CONFIG" >/dev/null; then
			say "interfaces changed: inside $INSIDE, outside $OUTSIDE"
			last="$INSIDE|$OUTSIDE"
		else
			say "algctl up with inside $INSIDE failed; will retry"
		fi
	done
	wait "$dpid"
	rc=$?
	say "algctl daemon exited ($rc)"
	exit "$rc"
}

live() {
	out=$("$ALGCTL" --pin-path "$PIN_PATH" status -j 2>/dev/null)
	printf '%s' "$out" | grep -Eq '"controller": *\{ *"running": *true' && exit 0
	printf 'controller not running: %s\n' "$(printf '%s' "$out" | head -c 300)"
	exit 1
}

case ${1:-run} in
run) run ;;
resolve)
	resolve_wait
	printf '%s\n' "$RESOLVED"
	;;
live) live ;;
*) die "usage: entrypoint.sh [run|resolve|live]" ;;
esac
