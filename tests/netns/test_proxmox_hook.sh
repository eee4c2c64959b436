#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# deploy/proxmox/bpfalg-hook.sh with Proxmox VE's interface names in
# namespaces.  The gateway namespace is the Proxmox host:
#
#   VM 100 (routed)   eth0 10.0.1.2 ---- tap100i0 10.0.1.1
#   VM 101 (bridged, firewall on)
#                     eth0 10.0.2.2 ---- tap101i0 in fwbr101i0,
#                                        fwln101i0 ~ fwpr101p0 in vmbr1 10.0.2.1
#   server            eth0 192.0.2.2 --- uplink in vmbr0 192.0.2.1 (outside)
#
# The server has no route to either private prefix: only NAT answers.
# `100 post-start` attaches tap100i0, `101 post-start` vmbr1 (the bridge
# the firewall bridge leads to); traffic of both guests is NATed.
# `100 pre-stop`/`post-stop` detach tap100i0 (no bpfalg program left on it)
# while VM 101 keeps working; VM 100 restarted on a new tap100i0 (as qemu
# creates it) is attached anew; once both have stopped nothing is left
# (algctl down).  The daemon runs from the hook's effective file, as the
# systemd drop-in makes it, and stays ready through the changes.
# Then prefix mode (the base configuration says inside-prefix = both
# guests' subnets): `sync` brings bpfalg up on vmbr0 alone, a guest's
# post-start attaches nothing and both guests are NATed, VM 100 on a
# re-created tap100i0 at once; the last guest's post-stop leaves the
# datapath up.
# Kernel reference: skipped (the hook drives algctl; nftables has nothing
# to attach).  In bpfalg-xdp the fast path is forced on: from tap100i0
# (native XDP) it must not redirect into vmbr0, a bridge that takes no XDP
# frames (the stack forwards those), while vmbr0 and vmbr1 (generic XDP)
# may redirect anywhere.
HOOK=$(cd "$(dirname "$0")/../../deploy/proxmox" && pwd)/bpfalg-hook.sh
# gateways: kernel bpfalg (not bpfalg-xdp: the hookscript's attach and detach; the XDP fast path adds nothing here)
# slow: 30 s or more; started first
. "$(dirname "$0")/lib.sh"
TCX_TOOL=$BUILD/tests/tcx_tool
case $TCX_TOOL in /*) ;; *) TCX_TOOL=$PWD/$TCX_TOOL ;; esac
test_init
[ "$GW_KIND" = bpfalg ] || skip "the hookscript drives algctl; the kernel reference has nothing to attach"
require_cmds bpftool shellcheck
[ -r "$HOOK" ] || fail "deploy/proxmox/bpfalg-hook.sh not found"
[ -x "$TCX_TOOL" ] || fail "missing $TCX_TOOL (run make all)"
shellcheck -s sh "$HOOK" >sc.out 2>&1 || fail "shellcheck $HOOK: $(head -c 400 sc.out)"

# ------------------------------------------------------------ topology
NS_C2=ba-c2-$ID
_ns_add "$NS_C"
_ns_add "$NS_C2"
_ns_add "$NS_G"
_ns_add "$NS_S"
c2x() { ip netns exec "$NS_C2" "$@"; }
g() { ip -n "$NS_G" "$@"; }
# VM 100: routed tap
g link add tap100i0 type veth peer name eth0 netns "$NS_C" || fail "veth tap100i0"
g addr add 10.0.1.1/24 dev tap100i0
g link set tap100i0 up
ip -n "$NS_C" addr add "$CLIENT4/24" dev eth0
ip -n "$NS_C" link set eth0 up
ip -n "$NS_C" route add default via 10.0.1.1
# VM 101: tap in the firewall bridge, fwln/fwpr pair into vmbr1
g link add vmbr1 type bridge && g link add fwbr101i0 type bridge || fail "bridges"
g link add tap101i0 type veth peer name eth0 netns "$NS_C2" || fail "veth tap101i0"
g link add fwln101i0 type veth peer name fwpr101p0 || fail "veth fwln/fwpr"
g link set tap101i0 master fwbr101i0 && g link set fwln101i0 master fwbr101i0 &&
	g link set fwpr101p0 master vmbr1 || fail "bridge ports"
for d in vmbr1 fwbr101i0 tap101i0 fwln101i0 fwpr101p0; do g link set "$d" up; done
g addr add 10.0.2.1/24 dev vmbr1
ip -n "$NS_C2" addr add 10.0.2.2/24 dev eth0
ip -n "$NS_C2" link set eth0 up
ip -n "$NS_C2" route add default via 10.0.2.1
# outside: vmbr0 with the uplink as its port
g link add vmbr0 type bridge || fail "vmbr0"
g link add uplink type veth peer name eth0 netns "$NS_S" || fail "veth uplink"
g link set uplink master vmbr0
g link set uplink up
g link set vmbr0 up
g addr add "$GW_OUT4/24" dev vmbr0
ip -n "$NS_S" addr add "$SERVER4/24" dev eth0
ip -n "$NS_S" link set eth0 up
gx sysctl -qw net.ipv4.ip_forward=1 || fail "forwarding"
_endpoint_tweaks "$NS_C" eth0
_endpoint_tweaks "$NS_C2" eth0
_endpoint_tweaks "$NS_S" eth0
# XDP redirect into a veth needs a program on the receiving end
_XDP_PEERS="$NS_C:eth0 $NS_S:eth0"
_attach_xdp_peers

# ------------------------------------------------------------ hook config
_ensure_bpffs
# The hook lists interfaces under /sys/class/net.  nsenter --net keeps the
# host's /sys, whose class/net is the host namespace's: a sysfs mounted
# from inside the gateway namespace shows the gateway's interfaces (on a
# Proxmox host the hook simply runs in the host namespace).
mkdir -p gwsys && gx mount -t sysfs sysfs "$TMPD/gwsys" || fail "mount sysfs for the gateway namespace"
trap 'rc=$?; umount "$TMPD/gwsys" 2>/dev/null; (exit $rc); _on_exit' EXIT
cat >bpfalg.conf <<EOF
# base configuration: the hook replaces inside/outside
inside = placeholder0
outside = placeholder1
masquerade = yes
${XDP_FAST:+xdp-fast = $XDP_FAST}
EOF
cat >proxmox.conf <<EOF
OUTSIDE=vmbr0
INSIDE=""
BASE_CONFIG=$TMPD/bpfalg.conf
EFFECTIVE=$TMPD/run/bpfalg.conf
STATE_DIR=$TMPD/run/guests
PIN_PATH=$PIN
ALGCTL=$ALGCTL
SERVICE=
SYS_NET=$TMPD/gwsys/class/net
EOF
hook() {
	log "bpfalg-hook.sh $*"
	BPFALG_PROXMOX_CONF=$TMPD/proxmox.conf gx sh "$HOOK" "$@" >>hook.log 2>&1
	local rc=$?
	sed -n "$((${HOOK_SEEN:-0} + 1)),\$p" hook.log | sed 's/^/#   /'
	HOOK_SEEN=$(wc -l <hook.log)
	return $rc
}

# through CLIENTFN LABEL: a 256 KiB upload to the server (no route back:
# only NAT makes it work)
head -c 262144 /dev/urandom >blob
through() {
	sx timeout 10 socat -u TCP-LISTEN:5001,reuseaddr OPEN:blob.rcv,creat,trunc 2>/dev/null &
	local srv=$!
	bg_track $srv
	wait_listen sx 5001
	if ! $1 timeout 6 socat -u OPEN:blob TCP:"$SERVER4":5001,connect-timeout=2 2>cli.err; then
		kill $srv 2>/dev/null
		wait $srv 2>/dev/null
		return 1
	fi
	wait $srv
	[ "$(sha blob)" = "$(sha blob.rcv)" ]
}

# bpfalg_on IF: bpfalg's TC programs are in IF's tcx chain
bpfalg_on() {
	gx "$TCX_TOOL" query "$1" ingress 2>/dev/null | grep -q ' tc_ingress$' &&
		gx "$TCX_TOOL" query "$1" egress 2>/dev/null | grep -q ' tc_egress$'
}
status_inside() {
	algctl status -j 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(",".join(sorted(i["name"] for i in d.get("interfaces", []) if i.get("role") == "inside")))'
}
wait_ready() {
	local i
	for i in $(seq 50); do
		algctl status >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	fail "$1: algctl status not ok: $(algctl status 2>&1 | head -n 3 | tr '\n' ' ')"
}

through cx "no gateway yet" && fail "VM 100 reached the server before any NAT (test setup broken)"

# ------------------------------------------------------------ VM 100 starts
hook 100 pre-start || fail "100 pre-start exited $?"
[ -e "$PIN" ] && fail "pre-start attached something"
hook 100 post-start || fail "100 post-start exited $?"
_GW_UP=1 # from here the EXIT trap runs down and checks for leftovers
_record_bpf_ids
bpfalg_on tap100i0 || fail "post-start: bpfalg not on tap100i0: $(gx "$TCX_TOOL" query tap100i0 ingress)"
grep -qx 'inside = tap100i0' run/bpfalg.conf && grep -qx 'outside = vmbr0' run/bpfalg.conf ||
	fail "effective config: $(grep -E '^(inside|outside)' run/bpfalg.conf | tr '\n' ' ')"
# the daemon as the drop-in runs it: from the effective file
nsenter --net="/run/netns/$NS_G" "$ALGCTL" --pin-path "$PIN" daemon --config "$TMPD/run/bpfalg.conf" \
	>>daemon.log 2>&1 &
DAEMON_PID=$!
for i in $(seq 150); do
	algctl status >/dev/null 2>&1 && break
	kill -0 $DAEMON_PID 2>/dev/null || fail "daemon exited: $(tail -n 3 daemon.log)"
	sleep 0.1
done
wait_ready "VM 100 up"
through cx "VM 100" || fail "VM 100 (routed tap100i0) not NATed after post-start: $(head -c 200 cli.err)"
flows_has "$CLIENT4" "$SERVER4" 5001 || fail "VM 100's transfer not in algctl flows"
log "VM 100: NATed through tap100i0"
if [ "${XDP_FAST:-}" = on ]; then
	# replies: vmbr0 (generic XDP) redirects into tap100i0; the upload:
	# tap100i0 (native) leaves vmbr0, no XDP target, to the stack
	fwd=$(stat_get xdp_forwarded) nonh=$(stat_get xdp_pass_no_nexthop)
	[ "${fwd:-0}" -gt 0 ] && [ "${nonh:-0}" -gt 0 ] ||
		fail "XDP fast path: xdp_forwarded ${fwd:-?}, xdp_pass_no_nexthop ${nonh:-?}; expected both > 0"
	log "XDP: $fwd forwarded (vmbr0 -> tap100i0), $nonh left to the stack (tap100i0 -> vmbr0, a bridge)"
fi
through c2x "VM 101 before its start" && fail "VM 101 NATed before its post-start (vmbr1 not inside yet)"

# ------------------------------------------------------------ VM 101 starts
hook 101 post-start || fail "101 post-start exited $?"
[ "$(status_inside)" = "fwbr101i0,tap100i0,vmbr1" ] ||
	fail "inside after 101 post-start: '$(status_inside)', expected fwbr101i0,tap100i0,vmbr1"
for d in vmbr1 fwbr101i0; do bpfalg_on $d || fail "bpfalg not on $d"; done
for d in tap101i0 fwln101i0 fwpr101p0; do
	bpfalg_on $d && fail "bpfalg on $d: a bridge port, its traffic is routed from a bridge"
done
wait_ready "VM 101 up"
through c2x "VM 101" || fail "VM 101 (tap101i0 in fwbr101i0 -> fwpr101p0 in vmbr1) not NATed: $(head -c 200 cli.err)"
through cx "VM 100 again" || fail "VM 100 lost its NAT when VM 101 started"
log "VM 101: NATed through its bridges"

# ------------------------------------------------------------ VM 100 stops
hook 100 pre-stop || fail "100 pre-stop exited $?"
bpfalg_on tap100i0 && fail "pre-stop: bpfalg still on tap100i0"
[ "$(status_inside)" = "fwbr101i0,vmbr1" ] || fail "inside after 100 pre-stop: '$(status_inside)'"
hook 100 post-stop || fail "100 post-stop exited $?"
bpfalg_on tap100i0 && fail "post-stop: bpfalg on tap100i0"
wait_ready "VM 100 stopped"
through c2x "VM 101 after VM 100 stopped" || fail "VM 101 lost its NAT when VM 100 stopped"
through cx "VM 100 stopped" && fail "VM 100's traffic still NATed after it stopped"
log "VM 100 stopped: detached from tap100i0, VM 101 unaffected"

# ------------------------------------------------------------ VM 100 restarts
# qemu creates a new tap100i0 (new ifindex, same name)
g link del tap100i0
g link add tap100i0 type veth peer name eth0 netns "$NS_C" || fail "veth tap100i0 (restart)"
g addr add 10.0.1.1/24 dev tap100i0
g link set tap100i0 up
ip -n "$NS_C" addr add "$CLIENT4/24" dev eth0
ip -n "$NS_C" link set eth0 up
ip -n "$NS_C" route add default via 10.0.1.1
_endpoint_tweaks "$NS_C" eth0
ip -n "$NS_C" link set dev eth0 xdpdrv obj "$XDP_PASS_OBJ" sec xdp || fail "xdp_pass on the new eth0"
hook 100 post-start || fail "100 post-start (restart) exited $?"
bpfalg_on tap100i0 || fail "restart: bpfalg not on the new tap100i0"
wait_ready "VM 100 restarted"
through cx "VM 100 restarted" || fail "VM 100 not NATed after its restart: $(head -c 200 cli.err)"
log "VM 100 restarted on a new tap100i0: attached again"

# ------------------------------------------------------------ all stop
hook 101 post-stop || fail "101 post-stop exited $?"
bpfalg_on vmbr1 && fail "101 post-stop: bpfalg still on vmbr1"
bpfalg_on fwbr101i0 && fail "101 post-stop: bpfalg still on fwbr101i0"
hook 100 post-stop || fail "100 post-stop (last guest) exited $?"
[ -e "$PIN" ] && fail "no guest left, but the pins are still there: $(ls "$PIN")"
for d in tap100i0 vmbr1 fwbr101i0 vmbr0; do
	bpfalg_on "$d" && fail "no guest left, bpfalg still on $d"
done
grep -q 'no inside interface left: algctl down' hook.log || fail "the hook did not say why it took bpfalg down"
log "no guest left: bpfalg down"

# a bad phase or VMID never fails a guest's start
hook 100 migrate || fail "an unknown phase made the hook fail"
hook abc post-start || fail "a bad VMID made the hook fail"
BPFALG_PROXMOX_CONF=$TMPD/proxmox.conf gx sh "$HOOK" >/dev/null 2>&1 && fail "no arguments: exit 0"

# ------------------------------------------------------------ prefix mode
cat >bpfalg.conf <<EOF
# base configuration, prefix mode: the guests' subnets
inside-prefix = 10.0.1.0/24, 10.0.2.0/24
outside = placeholder1
masquerade = yes
${XDP_FAST:+xdp-fast = $XDP_FAST}
EOF
hook sync || fail "prefix mode: sync exited $?"
_record_bpf_ids
grep -qx 'outside = vmbr0' run/bpfalg.conf && ! grep -q '^inside =' run/bpfalg.conf ||
	fail "prefix mode: effective config: $(grep -E '^(# ?inside|inside|outside)' run/bpfalg.conf | tr '\n' ' ')"
ifs=$(algctl status -j | python3 -c 'import json,sys; print(",".join(sorted(i["name"] for i in json.load(sys.stdin)["interfaces"])))')
[ "$ifs" = vmbr0 ] || fail "prefix mode: bpfalg on '$ifs', expected vmbr0 only"
hook 100 post-start || fail "prefix mode: 100 post-start exited $?"
hook 101 post-start || fail "prefix mode: 101 post-start exited $?"
for d in tap100i0 vmbr1 fwbr101i0; do
	bpfalg_on "$d" && fail "prefix mode: post-start attached bpfalg to $d"
done
through cx "prefix mode, VM 100" || fail "prefix mode: VM 100 (routed tap100i0) not NATed: $(head -c 200 cli.err)"
through c2x "prefix mode, VM 101" || fail "prefix mode: VM 101 (bridged, firewall) not NATed: $(head -c 200 cli.err)"
# VM 100 restarted on a new tap: NATed from its first packet, no hook ran
g link del tap100i0
g link add tap100i0 type veth peer name eth0 netns "$NS_C" || fail "veth tap100i0 (prefix mode)"
g addr add 10.0.1.1/24 dev tap100i0
g link set tap100i0 up
ip -n "$NS_C" addr add "$CLIENT4/24" dev eth0
ip -n "$NS_C" link set eth0 up
ip -n "$NS_C" route add default via 10.0.1.1
_endpoint_tweaks "$NS_C" eth0
ip -n "$NS_C" link set dev eth0 xdpdrv obj "$XDP_PASS_OBJ" sec xdp || fail "xdp_pass on the new eth0"
through cx "prefix mode, VM 100 on a new tap" || fail "prefix mode: VM 100 on a new tap100i0 not NATed before any hook ran"
hook 100 post-stop || fail "prefix mode: 100 post-stop exited $?"
hook 101 post-stop || fail "prefix mode: 101 post-stop exited $?"
bpfalg_on vmbr0 || fail "prefix mode: the last guest's post-stop took bpfalg off vmbr0"
through c2x "prefix mode, after the post-stops" || fail "prefix mode: NAT gone after the guests' post-stop"
log "prefix mode: bpfalg on vmbr0 only, both guests NATed whatever their interface, nothing attached or detached per guest"
exit 0
