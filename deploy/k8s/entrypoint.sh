#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# entrypoint.sh - the bpfalg DaemonSet's container entrypoint.
#
# The ConfigMap holds a bpfalg configuration file (docs/config.md) in
# prefix mode: `inside-prefix` is the cluster's pod CIDR (every pod of the
# node is inside by its address, whatever interface the CNI gives it, from
# its first packet; pod to pod is neither translated nor filtered), and
# `outside` names the node's uplink, as a shell pattern that must match
# exactly one interface (`eth0`, `ens*`), or empty: the device of the
# node's default route.  At start this script resolves `outside` once
# (waiting up to BPFALG_WAIT seconds for it to appear), writes the file
# with the name in its place, line for line (algctl's FILE:LINE errors
# point at the ConfigMap's own lines), and execs `algctl daemon --config
# FILE`: nothing to rescan, the datapath's hooks sit on the uplink only.
# An `inside` key (interfaces) is refused: per-pod interfaces come and go
# and would need rescans (docs: deploy/README.md).
#
#   entrypoint.sh [run]   resolve, then exec the daemon (the container command)
#   entrypoint.sh resolve print the resolved file on stdout (a dry run)
#   entrypoint.sh live    liveness: exit 0 while a controller is alive
#   entrypoint.sh prestop the preStop hook: `algctl down` when the
#                         DaemonSet itself is being deleted, nothing when
#                         the pod is only restarted or replaced
#
# Why prestop decides as it does: a pod's termination looks the same to it
# whether the DaemonSet is being deleted, updated (rolling update), the pod
# deleted by hand, its liveness probe failed or the node shuts down.  Only
# deletion should remove the datapath: in every other case a new pod takes
# the pinned datapath over ("already up") and established flows keep
# forwarding, while `algctl down` would drop the NAT state of every
# connection of the node.  So with BPFALG_ON_STOP=auto it asks the API
# server for its DaemonSet (a Role allowing `get` on that one object):
# gone (404) or marked for deletion -> down; present, or no answer ->
# keep.  A datapath left behind anyway (API unreachable, `kubectl delete
# namespace` racing the Role away) is harmless: once the controller's
# heartbeat is older than fail-open-after (ConfigMap; default 60 s) control
# packets pass unmodified, and `algctl down` on the node removes it.
#   BPFALG_ON_STOP=keep  never down;  =down  always down (an uninstall
#   without API access: set it, let the rollout finish, delete).
#
# Environment (defaults in brackets):
#   BPFALG_TEMPLATE  [/etc/bpfalg/k8s/bpfalg.conf]  the ConfigMap's file
#   BPFALG_CONFIG    [/run/bpfalg/bpfalg.conf]      the resolved file
#   BPFALG_PIN_PATH  [/sys/fs/bpf/bpfalg]           algctl --pin-path
#   BPFALG_METRICS_ADDR []  address for `algctl daemon --metrics` (the
#                           node's internal address, status.hostIP; IPv6
#                           bare), empty: no metrics
#   BPFALG_METRICS_PORT [9464]
#   BPFALG_WAIT      [60]   seconds to wait for the outside interface
#   BPFALG_ON_STOP   [auto] auto|keep|down (prestop)
#   BPFALG_DAEMONSET [bpfalg]  BPFALG_NAMESPACE [the service account's]
#   BPFALG_K8S_API   [https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT]
#   BPFALG_SA_DIR    [/var/run/secrets/kubernetes.io/serviceaccount]
#   ALGCTL           [algctl]
#   BPFALG_SYS_NET   [/sys/class/net]   where interfaces are listed (tests)
#   BPFALG_PROC_NET  [/proc/net]        route tables, for the default route
#   BPFALG_PRESTOP_LOG [/proc/1/fd/2]   where prestop's lines also go (the
#                                       container's log); empty: nowhere
# Errors: one line on stderr naming the problem and the fix, exit 1.
set -u

TEMPLATE=${BPFALG_TEMPLATE:-/etc/bpfalg/k8s/bpfalg.conf}
CONFIG=${BPFALG_CONFIG:-/run/bpfalg/bpfalg.conf}
PIN_PATH=${BPFALG_PIN_PATH:-/sys/fs/bpf/bpfalg}
METRICS_ADDR=${BPFALG_METRICS_ADDR:-}
METRICS_PORT=${BPFALG_METRICS_PORT:-9464}
WAIT=${BPFALG_WAIT:-60}
ON_STOP=${BPFALG_ON_STOP:-auto}
ALGCTL=${ALGCTL:-algctl}
SYS_NET=${BPFALG_SYS_NET:-/sys/class/net}
PROC_NET=${BPFALG_PROC_NET:-/proc/net}
SA_DIR=${BPFALG_SA_DIR:-/var/run/secrets/kubernetes.io/serviceaccount}
PRESTOP_LOG=${BPFALG_PRESTOP_LOG-/proc/1/fd/2}

die() {
	printf 'bpfalg-entrypoint: %s\n' "$*" >&2
	exit 1
}
say() { printf 'bpfalg-entrypoint: %s\n' "$*" >&2; }

case $WAIT in '' | *[!0-9]*) die "BPFALG_WAIT='$WAIT' is not a number of seconds" ;; esac
case $METRICS_PORT in '' | *[!0-9]*) die "BPFALG_METRICS_PORT='$METRICS_PORT' is not a port number" ;; esac
case $ON_STOP in auto | keep | down) ;; *) die "BPFALG_ON_STOP='$ON_STOP' is not one of auto, keep, down" ;; esac

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

# top_key KEY: the first `KEY = ...` line before the first [section]
top_key() {
	sed -n "/^[[:space:]]*\\[/q;/^[[:space:]]*$1[[:space:]]*=/p" "$TEMPLATE" | head -n1
}

# matches PATTERN: the node's interfaces PATTERN matches, one a line
# (never lo)
matches() {
	for d in "$SYS_NET"/*; do
		n=${d##*/}
		[ "$n" = lo ] && continue
		[ -e "$d" ] || continue
		# shellcheck disable=SC2254 # PATTERN is a pattern on purpose
		case $n in $1) printf '%s\n' "$n" ;; esac
	done
}

# default_dev: the device of the IPv4 default route with the lowest
# metric, else of the first IPv6 one (nothing when there is none yet)
default_dev() {
	d=$(awk 'NR > 1 && $2 == "00000000" && $8 == "00000000" {
			if (best == "" || $7 + 0 < m) { best = $1; m = $7 + 0 } }
		END { if (best != "") print best }' "$PROC_NET/route" 2>/dev/null)
	if [ -z "$d" ]; then
		# (not lo: the kernel's unreachable routes)
		d=$(awk '$1 == "00000000000000000000000000000000" && $2 == "00" &&
			$10 != "lo" { print $10; exit }' "$PROC_NET/ipv6_route" 2>/dev/null)
	fi
	printf '%s' "$d"
}

# resolve: read the template, set OUTSIDE, write RESOLVED (the file text).
# Returns 1 with REASON set while the outside interface is missing.
resolve() {
	[ -r "$TEMPLATE" ] || die "cannot read $TEMPLATE: mount the ConfigMap there (key bpfalg.conf) or set BPFALG_TEMPLATE"
	REASON=""
	[ -z "$(top_key inside)" ] ||
		die "$TEMPLATE: 'inside' (interfaces) is not supported here: pods' interfaces come and go; set inside-prefix to the cluster's pod CIDR instead"
	pre=$(top_key inside-prefix)
	[ -n "$(value_of "${pre:-x=}")" ] ||
		die "$TEMPLATE: no 'inside-prefix = CIDR[,CIDR]' line before the first [section]: set the cluster's pod CIDR (kubectl cluster-info dump | grep -m1 cluster-cidr)"
	out_line=$(top_key outside)
	[ -n "$out_line" ] ||
		die "$TEMPLATE: no 'outside =' line before the first [section] (an interface or pattern; empty: the default route's device)"
	out_pat=$(value_of "$out_line")

	if [ -z "$out_pat" ]; then
		OUTSIDE=$(default_dev)
		if [ -z "$OUTSIDE" ]; then
			REASON="outside is empty and this node has no default route yet"
			return 1
		fi
	else
		case $out_pat in *,*) die "$TEMPLATE: outside '$out_pat': one interface or pattern" ;; esac
		m=$(matches "$out_pat")
		if [ -z "$m" ]; then
			REASON="outside pattern '$out_pat' matches no interface on this node"
			return 1
		fi
		case $m in
		*"
"*) die "$TEMPLATE: outside '$out_pat' matches several interfaces ($(printf '%s' "$m" | tr '\n' ',')): name exactly one" ;;
		esac
		OUTSIDE=$m
	fi

	# line for line: the outside line replaced, everything else kept
	RESOLVED=$(awk -v outs="$OUTSIDE" '
		/^[[:space:]]*\[/ { sect = 1 }
		!sect && /^[[:space:]]*outside[[:space:]]*=/ && !done { print "outside = " outs; done = 1; next }
		{ print }' "$TEMPLATE")
	INSIDE_PREFIX=$(value_of "$pre")
	return 0
}

# resolve_wait: resolve, waiting up to WAIT seconds for the outside
# interface (or the default route) to appear
resolve_wait() {
	i=0
	while ! resolve; do
		[ "$i" -ge "$WAIT" ] && die "$REASON (waited ${WAIT}s): fix 'outside' in the ConfigMap"
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
	say "inside-prefix $INSIDE_PREFIX, outside $OUTSIDE (from $TEMPLATE)"
	# SIGTERM goes to algctl itself: it stops the controller only, the
	# datapath stays for the next pod (the preStop hook decides on down)
	if [ -n "$METRICS_ADDR" ]; then
		case $METRICS_ADDR in
		*:*) m="[$METRICS_ADDR]:$METRICS_PORT" ;;
		*) m="$METRICS_ADDR:$METRICS_PORT" ;;
		esac
		exec "$ALGCTL" --pin-path "$PIN_PATH" daemon --config "$CONFIG" --metrics "$m"
	fi
	exec "$ALGCTL" --pin-path "$PIN_PATH" daemon --config "$CONFIG"
}

live() {
	out=$("$ALGCTL" --pin-path "$PIN_PATH" status -j 2>/dev/null)
	printf '%s' "$out" | grep -Eq '"controller": *\{ *"running": *true' && exit 0
	printf 'controller not running: %s\n' "$(printf '%s' "$out" | head -c 300)"
	exit 1
}

# The hook's lines also go to the container's log, through the stderr of
# the container's PID 1 (a hook's own output only reaches an event, and
# only when it fails).
note() {
	say "$*"
	[ -n "$PRESTOP_LOG" ] &&
		{ printf 'bpfalg-entrypoint: prestop: %s\n' "$*" >>"$PRESTOP_LOG"; } 2>/dev/null
	return 0
}

# ds_state: ST = gone | deleting | present | unknown, WHY the detail, from
# the API server: this pod's own DaemonSet
ds_state() {
	ns=${BPFALG_NAMESPACE:-}
	[ -n "$ns" ] || ns=$(cat "$SA_DIR/namespace" 2>/dev/null)
	ds=${BPFALG_DAEMONSET:-bpfalg}
	api=${BPFALG_K8S_API:-}
	if [ -z "$api" ]; then
		[ -n "${KUBERNETES_SERVICE_HOST:-}" ] || {
			WHY="no KUBERNETES_SERVICE_HOST"
			ST=unknown
			return
		}
		case $KUBERNETES_SERVICE_HOST in
		*:*) api="https://[$KUBERNETES_SERVICE_HOST]:${KUBERNETES_SERVICE_PORT:-443}" ;;
		*) api="https://$KUBERNETES_SERVICE_HOST:${KUBERNETES_SERVICE_PORT:-443}" ;;
		esac
	fi
	token=$(cat "$SA_DIR/token" 2>/dev/null) || token=""
	if [ -z "$token" ] || [ -z "$ns" ]; then
		WHY="no service account token or namespace under $SA_DIR"
		ST=unknown
		return
	fi
	command -v curl >/dev/null 2>&1 || {
		WHY="no curl in the image"
		ST=unknown
		return
	}
	# the root filesystem is read-only: next to the resolved file
	body=${CONFIG%/*}/prestop.json
	mkdir -p "${CONFIG%/*}" 2>/dev/null
	set -- --cacert "$SA_DIR/ca.crt"
	case $api in http://*) set -- ;; esac
	code=$(curl -sS --max-time 10 "$@" -o "$body" -w '%{http_code}' \
		-H "Authorization: Bearer $token" -H 'Accept: application/json' \
		"$api/apis/apps/v1/namespaces/$ns/daemonsets/$ds" 2>"$body.err")
	case $code in
	404)
		# the object's NotFound, not a proxy's or a wrong path's 404 (the
		# Role grants `get` on this one name: a misspelt one is a 403)
		if grep -q '"reason": *"NotFound"' "$body"; then
			WHY="$ns/$ds: not found"
			ST=gone
		else
			WHY="GET $ns/$ds: 404 without NotFound: $(head -c 200 "$body" | tr '\n' ' ')"
			ST=unknown
		fi
		;;
	200)
		if grep -q '"deletionTimestamp"' "$body"; then
			WHY="$ns/$ds: marked for deletion"
			ST=deleting
		else
			WHY="$ns/$ds exists"
			ST=present
		fi
		;;
	*)
		WHY="GET $ns/$ds: HTTP ${code:-none} $(cat "$body.err" "$body" 2>/dev/null | head -c 200 | tr '\n' ' ')"
		ST=unknown
		;;
	esac
	rm -f "$body" "$body.err"
}

down() {
	if out=$("$ALGCTL" --pin-path "$PIN_PATH" down 2>&1); then
		note "algctl down: $out"
	else
		note "algctl down failed: $out"
		exit 1
	fi
}

prestop() {
	case $ON_STOP in
	keep)
		note "BPFALG_ON_STOP=keep: the datapath stays for the next pod"
		;;
	down)
		note "BPFALG_ON_STOP=down: removing the datapath"
		down
		;;
	auto)
		ST=unknown WHY=""
		ds_state
		case $ST in
		gone | deleting)
			note "DaemonSet deleted ($WHY): removing the datapath"
			down
			;;
		present)
			note "$WHY (a restart or a rolling update): the datapath stays for the next pod"
			;;
		*)
			note "cannot tell whether the DaemonSet is being deleted ($WHY): the datapath stays (control packets fail open once the heartbeat is older than fail-open-after; algctl down removes it)"
			;;
		esac
		;;
	esac
}

case ${1:-run} in
run) run ;;
resolve)
	resolve_wait
	printf '%s\n' "$RESOLVED"
	;;
live) live ;;
prestop) prestop ;;
*) die "usage: entrypoint.sh [run|resolve|live|prestop]" ;;
esac
