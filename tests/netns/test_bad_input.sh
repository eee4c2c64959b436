#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Bad input to up/daemon (issue 8): each case must end in exactly one line
# on stderr naming the problem and the fix, the contract's exit status (1 at
# runtime, 2 for a bad configuration file), nothing on stdout, and nothing
# half-attached: no pin directory, no XDP program, tcx link or clsact filter
# of bpfalg's on the gateway's interfaces.
#   - an interface that does not exist (--inside for up, --outside for
#     daemon; -j: the same line as {"error": ...} on stdout)
#   - a configuration file with an unknown key (exit 2)
#   - no capabilities at all (up), and a daemon without CAP_NET_RAW: both
#     refused before anything is created
#   - a foreign XDP program on gout with --xdp-fast on: refused after the
#     TC programs were attached, which must be rolled back; the foreign
#     program stays; without --xdp-fast on (no XDP program on a veth) and
#     with the fix the message names (--xdp-mode off) up works and keeps it
#   - no kernel BTF (/sys/kernel/btf hidden in a private mount namespace)
#   - no bpffs on /sys/fs/bpf and no CAP_SYS_ADMIN to mount one; with
#     CAP_SYS_ADMIN (in a mount and PID namespace of its own, so there is no
#     other mount namespace to use) algctl mounts it itself
# bpfalg only: the kernel reference has no loader to give bad input to;
# the error paths do not depend on the fast-path mode (no bpfalg-xdp run).
# gateways: kernel bpfalg
# slow: 30 s or more; started first
. "$(dirname "$0")/lib.sh"
test_init
[ "$GW_KIND" = bpfalg ] || skip "bpfalg only: the kernel reference has no loader or configuration file"
require_cmds setpriv unshare mountpoint tc
TCX_TOOL=$BUILD/tests/tcx_tool
case $TCX_TOOL in /*) ;; *) TCX_TOOL=$OLDPWD/$TCX_TOOL ;; esac
[ -x "$TCX_TOOL" ] || fail "missing $TCX_TOOL (run make all)"
[ -r "$XDP_PASS_OBJ" ] || fail "missing $XDP_PASS_OBJ (run make all)"

topo_setup3
UP_ARGS="--inside gin --outside gout --masquerade --config /dev/null"
FOREIGN_XDP=""	# id of the foreign XDP program on gout, when there is one
# Teardown checks that bpfalg left nothing: the foreign program goes first.
trap 'rc=$?; ip -n "$NS_G" link set dev gout xdp off 2>/dev/null; (exit $rc); _on_exit' EXIT

xdp_prog_of() { # DEV: id of the XDP program on DEV, empty if none
	ip -n "$NS_G" -j -d link show dev "$1" | python3 -c '
import json, sys
x = json.load(sys.stdin)[0].get("xdp") or {}
ids = [x["prog"]["id"]] if "prog" in x else [a["prog"]["id"] for a in x.get("attached", []) if "prog" in a]
print(" ".join(map(str, ids)))'
}

# nothing_attached LABEL: no trace of bpfalg in the pins or on gin/gout.
nothing_attached() {
	local dev dir x
	[ -e "$PIN" ] && fail "$1: left $PIN behind ($(cd "$PIN" && find . | head -5 | tr '\n' ' '))"
	for dev in gin gout; do
		x=$(xdp_prog_of "$dev")
		if [ "$dev" = gout ] && [ -n "$FOREIGN_XDP" ]; then
			[ "$x" = "$FOREIGN_XDP" ] ||
				fail "$1: gout's XDP program is now [$x], expected the foreign one ($FOREIGN_XDP) untouched"
		else
			[ -z "$x" ] || fail "$1: XDP program $x left on $dev"
		fi
		for dir in ingress egress; do
			x=$(gx "$TCX_TOOL" query "$dev" "$dir" 2>&1) ||
				fail "$1: tcx_tool query $dev $dir: $x"
			[ -z "$x" ] || fail "$1: tcx program left on $dev $dir: $x"
			x=$(gx tc filter show dev "$dev" "$dir" 2>/dev/null)
			[ -z "$x" ] || fail "$1: tc filter left on $dev $dir: $x"
		done
	done
}

# expect_error LABEL RC PROBLEM-ERE FIX-ERE CMD...: CMD exits RC with one
# stderr line "algctl: ..." matching both expressions, prints nothing on
# stdout, and leaves nothing attached.
expect_error() {
	local label=$1 rc=$2 problem=$3 fix=$4 got n
	shift 4
	"$@" >"$label.out" 2>"$label.err"
	got=$?
	[ "$got" -eq "$rc" ] ||
		fail "$label: exit $got, expected $rc (stderr: $(head -c 400 "$label.err" | tr '\n' '|'))"
	n=$(wc -l <"$label.err")
	[ "$n" -eq 1 ] || fail "$label: $n lines on stderr, expected one: $(head -c 600 "$label.err" | tr '\n' '|')"
	grep -qE "^algctl: .*$problem" "$label.err" ||
		fail "$label: the error does not name the problem (/$problem/): $(cat "$label.err")"
	grep -qE "$fix" "$label.err" ||
		fail "$label: the error does not name the fix (/$fix/): $(cat "$label.err")"
	[ -s "$label.out" ] && fail "$label: printed on stdout: $(head -c 300 "$label.out")"
	nothing_attached "$label"
	log "$label: exit $rc: $(cat "$label.err")"
}

# 1. interface names
# shellcheck disable=SC2086 # UP_ARGS: options, word-split
expect_error "up, unknown inside" 1 "no such interface: nosuch0 \(--inside" "ip link" \
	algctl up --inside nosuch0 --outside gout --masquerade --config /dev/null
expect_error "daemon, unknown outside" 1 "no such interface: nosuch1 \(--outside" "ip link" \
	timeout 30 "$ALGCTL" --pin-path "$PIN" daemon --inside gin --outside nosuch1 --masquerade --config /dev/null
# the same in JSON mode: the line is the document's "error"
algctl -j up --inside nosuch0 --outside gout --masquerade --config /dev/null >json.out 2>json.err
rc=$?
[ $rc -eq 1 ] || fail "up -j, unknown inside: exit $rc"
python3 - json.out json.err <<-'EOF' || fail "up -j, unknown inside: stdout is not {\"error\": <the stderr line>}: $(cat json.out)"
	import json, sys
	doc = json.load(open(sys.argv[1]))
	line = open(sys.argv[2]).read().rstrip("\n")
	sys.exit(0 if doc == {"error": line[len("algctl: "):]} else 1)
EOF
nothing_attached "up -j, unknown inside"

# 2. a configuration file with an unknown key: a usage error (exit 2)
printf 'inside = gin\noutside = gout\nmasquerade = yes\ninsde = gin2\n' >bad.conf
expect_error "config, unknown key" 2 "bad.conf:4: key 'insde': unknown key" "algctl help" \
	algctl up --config "$TMPD/bad.conf"

# 3. capabilities: none at all; a daemon without CAP_NET_RAW (it would
# otherwise attach the datapath and fail only at its first raw socket)
expect_error "up, no capabilities" 1 \
	"insufficient capabilities: CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN missing" "run it as root" \
	gx setpriv --inh-caps=-all --ambient-caps=-all --bounding-set=-all \
	"$ALGCTL" --pin-path "$PIN" up $UP_ARGS
expect_error "daemon, no CAP_NET_RAW" 1 "insufficient capabilities: CAP_NET_RAW missing" "run it as root" \
	gx setpriv --inh-caps=-all --ambient-caps=-all --bounding-set=-all,+bpf,+perfmon,+net_admin,+sys_admin \
	timeout 30 "$ALGCTL" --pin-path "$PIN" daemon $UP_ARGS

# 4. a foreign XDP program in gout's XDP slot, with the XDP fast path asked
# for (--xdp-fast on: on a veth, auto takes no XDP slot).  gin comes
# first, so its TC and XDP programs and gout's TC ones are attached when
# gout's XDP attach fails: all of it must be rolled back.
ip -n "$NS_G" link set dev gout xdpdrv obj "$XDP_PASS_OBJ" sec xdp || fail "attach the foreign XDP program"
FOREIGN_XDP=$(xdp_prog_of gout)
[ -n "$FOREIGN_XDP" ] || fail "the foreign XDP program is not on gout"
expect_error "up, foreign XDP program" 1 \
	"XDP attach on gout: another XDP program \(id $FOREIGN_XDP, native\) is attached" \
	"ip link set dev gout xdp off.*--xdp-mode off" \
	algctl up --inside gin --outside gout --masquerade --config /dev/null --xdp-fast on
# without the XDP fast path a veth gets no XDP program of ours: up works
# next to the foreign one and leaves it alone
algctl up $UP_ARGS >xdpauto.out 2>&1 ||
	fail "up (xdp-fast auto, veth) next to the foreign XDP program: $(head -c 300 xdpauto.out)"
[ "$(xdp_prog_of gout)" = "$FOREIGN_XDP" ] || fail "up (xdp-fast auto) replaced the foreign XDP program"
[ -z "$(xdp_prog_of gin)" ] || fail "up (xdp-fast auto) attached an XDP program on the veth gin"
algctl down >down0.out 2>&1 || fail "down after up (xdp-fast auto): $(head -c 300 down0.out)"
nothing_attached "down after up (xdp-fast auto)"
# the named fix works and keeps the foreign program
algctl up $UP_ARGS --xdp-mode off >xdpoff.out 2>&1 ||
	fail "up --xdp-mode off next to the foreign XDP program: $(head -c 300 xdpoff.out)"
[ "$(xdp_prog_of gout)" = "$FOREIGN_XDP" ] || fail "up --xdp-mode off replaced the foreign XDP program"
[ -n "$(gx "$TCX_TOOL" query gout egress)" ] || fail "up --xdp-mode off attached no tcx program on gout egress"
algctl down >down.out 2>&1 || fail "down after up --xdp-mode off: $(head -c 300 down.out)"
nothing_attached "down after up --xdp-mode off"
log "up --xdp-mode off works next to the foreign XDP program, down leaves it alone"
ip -n "$NS_G" link set dev gout xdp off || fail "remove the foreign XDP program"
FOREIGN_XDP=""

# 5. no kernel BTF: hidden under a tmpfs in a private mount namespace
# (/sys/fs/bpf stays the host's bpffs there, so algctl stays in it)
nobtf() {
	unshare -m --propagation private sh -c 'mount -t tmpfs none /sys/kernel/btf && exec "$@"' sh "$@"
}
if nobtf nsenter --net="/run/netns/$NS_G" sh -c 'test ! -e /sys/kernel/btf/vmlinux'; then
	expect_error "up, no kernel BTF" 1 "no kernel BTF \(/sys/kernel/btf/vmlinux" "CONFIG_DEBUG_INFO_BTF=y" \
		nobtf nsenter --net="/run/netns/$NS_G" "$ALGCTL" --pin-path "$PIN" up $UP_ARGS
else
	fail "cannot hide /sys/kernel/btf in a private mount namespace"
fi

# 6. no bpffs on /sys/fs/bpf (a tmpfs over it, privately) and no
# CAP_SYS_ADMIN to mount one (nor to move to another mount namespace)
nobpffs() {
	unshare -m --propagation private sh -c 'mount -t tmpfs none /sys/fs/bpf && exec "$@"' sh "$@"
}
expect_error "up, no bpffs" 1 "no bpffs on /sys/fs/bpf and cannot mount one" "mount -t bpf bpffs /sys/fs/bpf" \
	nobpffs nsenter --net="/run/netns/$NS_G" \
	setpriv --inh-caps=-all --ambient-caps=-all --bounding-set=-all,+bpf,+perfmon,+net_admin,+net_raw \
	"$ALGCTL" --pin-path "$PIN" up $UP_ARGS
# With CAP_SYS_ADMIN algctl mounts it.  Own PID namespace: no ancestor in
# another mount namespace, so it cannot use the host's bpffs instead.  Its
# pins (and links) vanish with the namespace; down is run inside anyway.
unshare -m -p -f --mount-proc --propagation private sh -c '
	mount -t tmpfs none /sys/fs/bpf || exit 10
	nsenter --net="/run/netns/$1" "$2" --pin-path "$3" up $4 || exit 11
	[ "$(stat -f -c %T /sys/fs/bpf)" = bpf_fs ] || exit 12
	[ -e "$3/links" ] || exit 13
	nsenter --net="/run/netns/$1" "$2" --pin-path "$3" down || exit 14
' sh "$NS_G" "$ALGCTL" "$PIN" "$UP_ARGS" >mount.out 2>&1
rc=$?
case $rc in
0) log "no bpffs, with CAP_SYS_ADMIN: algctl mounted one on /sys/fs/bpf and came up" ;;
10) fail "cannot put a tmpfs over /sys/fs/bpf in a private mount namespace" ;;
11) fail "no bpffs, with CAP_SYS_ADMIN: up failed: $(tr '\n' '|' <mount.out | head -c 400)" ;;
12) fail "no bpffs, with CAP_SYS_ADMIN: up succeeded but /sys/fs/bpf is not a bpffs" ;;
13) fail "no bpffs, with CAP_SYS_ADMIN: no pins under the bpffs algctl mounted" ;;
*) fail "no bpffs, with CAP_SYS_ADMIN: exit $rc: $(tr '\n' '|' <mount.out | head -c 400)" ;;
esac
nothing_attached "after the private bpffs went away"
exit 0
