# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# shellcheck shell=bash
#
# bpfalg network-namespace test library.  Sourced by tests/netns/test_*.sh
# (each scenario is one bash script, run by tests/netns/run.sh once per
# gateway mode) and by scripts/demo.sh.
#
# Topology (topo_setup3):
#
#   client ns                gateway ns                       server ns
#   eth0 10.0.1.2/24  ----  gin  10.0.1.1/24   gout 192.0.2.1/24  ----  eth0 192.0.2.2/24
#        fd00:1::2/64            fd00:1::1/64       2001:db8:2::1/64         2001:db8:2::2/64
#
#   The server has NO IPv4 route to 10.0.1.0/24: only NATed traffic can come
#   back.  IPv6 is routed without NAT, so the server has a route to
#   fd00:1::/64 via the gateway.
#
# Topology (topo_setup4, PMTU): client -- gw -- router -- server, where the
# router<->server link has MTU 1280.  gout 192.0.2.1/24, router r0
# 192.0.2.254/24 | r1 198.51.100.1/24 (mtu 1280), server 198.51.100.2/24;
# IPv6 2001:db8:2::/64 and 2001:db8:3::/64 likewise.  The router has no
# route to the inside IPv4 prefix.
#
# Gateway modes (GW=kernel|bpfalg|bpfalg-xdp):
#   kernel  nftables masquerade on gout, port-forwards via dnat, a forward
#           policy that admits only established/related and dnat'ed traffic
#           from outside; conntrack helpers (ftp, sip, tftp) assigned
#           explicitly for the ALG tests.  The reference.
#   bpfalg  `algctl up` + `algctl daemon` in the gateway namespace, run with
#           `nsenter --net=` (not `ip netns exec`, whose private /sys hides
#           the bpffs) and a pin path unique to the test.
#   bpfalg-xdp  the same with `--xdp-fast on`: established flows forwarded by
#           XDP redirect on the veths (the default leaves that off on veth).
#
# Test-environment settings (not product behaviour):
#   * In bpfalg mode build/xdp_pass.bpf.o is attached to every veth end that
#     the gateway's XDP program may redirect into (client eth0, server eth0
#     or router r0): XDP_REDIRECT into a veth delivers nothing unless the
#     receiving peer runs an XDP program.
#   * TX checksum offload is turned off (ethtool -K eth0 tx off) on the
#     client and server veths in both modes (VETH_TX_CSUM=on keeps it).
#     Locally generated TCP/UDP on a veth is CHECKSUM_PARTIAL: the checksum
#     field holds only the pseudo-header sum, which a frame that leaves the
#     skb world through XDP_REDIRECT cannot carry.  A real NIC never hands
#     such a packet to a gateway, so the test endpoints compute full checksums.
#
# Conventions: every helper that can fail calls fail "reason"; fail/skip exit
# the script and the EXIT trap tears everything down (namespaces, daemon,
# pins) and, in bpfalg mode, verifies that `algctl down` left nothing behind.
# Exit codes: 0 pass, 1 fail, 4 skip (kselftest's KSFT_SKIP).

GW=${GW:-kernel}
# bpfalg-xdp: bpfalg with the XDP fast path forced on for the veths
# (--xdp-fast on; the default "auto" leaves it off on veth ingress).
case $GW in
bpfalg-xdp) GW_KIND=bpfalg XDP_FAST=on ;;
*) GW_KIND=$GW XDP_FAST=${XDP_FAST:-} ;;
esac
BUILD=${BUILD:-build}
ALGCTL=${ALGCTL:-$BUILD/algctl}
XDP_PASS_OBJ=${XDP_PASS_OBJ:-$BUILD/xdp_pass.bpf.o}
# Extra options for `algctl up` and `algctl daemon` (bpfalg modes), e.g.
# bench's "--flows 1048576 --timeout-udp 300"; both get the same ones.
GW_UP_ARGS=${GW_UP_ARGS:-}
# The host's /etc/bpfalg/bpfalg.conf (read by up/daemon when it exists) is
# never part of a test: the gateway is what the test says.
case " $GW_UP_ARGS " in
*" --config"*) ;;
*) GW_UP_ARGS="--config /dev/null${GW_UP_ARGS:+ $GW_UP_ARGS}" ;;
esac
VETH_TX_CSUM=${VETH_TX_CSUM:-off}
# How the gateway knows its inside: algctl's flags, and the kernel
# reference's forward-rule match and extra masquerade condition
# (topo_setup_pods sets all three to the pod prefix).
GW_INSIDE_ARGS=${GW_INSIDE_ARGS:---inside gin}
# the outside interface(s): algctl's --outside, nftables' oifname set
GW_OUTSIDE=${GW_OUTSIDE:-gout}
KREF_FROM_INSIDE=${KREF_FROM_INSIDE:-iifname \"gin\"}
KREF_MASQ_MATCH=${KREF_MASQ_MATCH:-}
KSFT_SKIP=4

# Absolute paths: the tests cd into their scratch directory.
case $ALGCTL in /*) ;; *) ALGCTL=$PWD/$ALGCTL ;; esac
case $XDP_PASS_OBJ in /*) ;; *) XDP_PASS_OBJ=$PWD/$XDP_PASS_OBJ ;; esac

# Unique per test process: pid plus random bits (several sessions may run
# tests on one machine at the same time).
ID=$$$(od -An -N2 -tx1 /dev/urandom | tr -d ' \n')
NS_C=ba-c-$ID
NS_G=ba-g-$ID
NS_S=ba-s-$ID
NS_R=ba-r-$ID
PIN=/sys/fs/bpf/bpfalg-t$ID

CLIENT4=10.0.1.2   CLIENT6=fd00:1::2
GW_IN4=10.0.1.1    GW_IN6=fd00:1::1
GW_OUT4=192.0.2.1  GW_OUT6=2001:db8:2::1
SERVER4=192.0.2.2  SERVER6=2001:db8:2::2   # topo_setup4 changes these
INSIDE_PREFIX4=10.0.1.0/24
INSIDE_PREFIX6=fd00:1::/64

TOPO=""
_GW_UP=""
_XDP_PEERS=""
DAEMON_PID=""
TMPD=""
FTP_ROOT=""	# set by ftp_root_init (anonymous root of the test FTP servers)
_NAMESPACES=""
_BG_PIDS=""
_TEARDOWN_ERR=""
_BPF_IDS_PROGS="" _BPF_IDS_MAPS="" _BPF_IDS_LINKS=""

log()  { printf '# %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*"; exit 1; }
skip() { printf 'SKIP: %s\n' "$*"; exit $KSFT_SKIP; }

# Namespaced execution.  Client/server/router need nothing but their
# network namespace; `ip netns exec` is fine there.  The gateway uses
# nsenter so that algctl and bpftool see the host's bpffs.
cx() { ip netns exec "$NS_C" "$@"; }
sx() { ip netns exec "$NS_S" "$@"; }
rx() { ip netns exec "$NS_R" "$@"; }
gx() { nsenter --net="/run/netns/$NS_G" "$@"; }
algctl() { gx "$ALGCTL" --pin-path "$PIN" "$@"; }

require_root() {
	[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces, BPF)"
}

require_cmds() {
	local c missing=""
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || missing="$missing $c"
	done
	# deps.sh installs these: a missing one is a broken setup, not a skip.
	[ -z "$missing" ] || fail "missing tools:$missing (run scripts/deps.sh)"
}

# ---------------------------------------------------------------- lifecycle

_on_exit() {
	local rc=$?
	set +e
	trap - EXIT INT TERM
	[ "$rc" -ne 0 ] && [ "$rc" -ne "$KSFT_SKIP" ] && _evidence
	gw_teardown
	local p
	for p in $_BG_PIDS; do _kill_tree "$p"; done
	# Whatever still runs inside our namespaces was started by this test
	# (e.g. orphaned by a signal that killed its wrapper subshell).
	_kill_ns_pids TERM
	_kill_ns_pids KILL
	for p in $_NAMESPACES; do ip netns del "$p" 2>/dev/null; done
	[ -n "$TMPD" ] && [ -z "${KEEP_TMP:-}" ] && rm -rf "$TMPD"
	if [ -n "$_TEARDOWN_ERR" ]; then
		printf '# teardown: %s\n' "$_TEARDOWN_ERR"
		if [ "$rc" -eq 0 ] || [ "$rc" -eq "$KSFT_SKIP" ]; then
			printf 'FAIL: teardown: %s\n' "$_TEARDOWN_ERR"
			rc=1
		fi
	fi
	exit "$rc"
}

test_init() {
	require_root
	require_cmds ip nft nsenter timeout socat sha256sum python3 ping ethtool tcpdump ss
	case $GW in
	kernel|bpfalg|bpfalg-xdp) ;;
	*) fail "unknown GW=$GW (kernel|bpfalg|bpfalg-xdp)" ;;
	esac
	TMPD=$(mktemp -d "/tmp/bpfalg-netns-$ID.XXXXXX") || fail "mktemp"
	cd "$TMPD" || fail "cd $TMPD"
	trap _on_exit EXIT
	trap 'printf "FAIL: interrupted by signal\n"; exit 1' INT TERM
}

# On failure: the gateway's view, into the log (run.sh shows its tail,
# NETNS_LOGDIR keeps all of it).
_evidence() {
	[ -n "$NS_G" ] && [ -e "/run/netns/$NS_G" ] || return 0
	printf '# ---- evidence (gateway %s, GW=%s)\n' "$NS_G" "$GW"
	if [ "$GW_KIND" = bpfalg ] && [ -n "$_GW_UP" ]; then
		echo "# algctl status (exit $(algctl status >/dev/null 2>&1; echo $?)):"
		algctl status 2>&1 | head -n 20 | sed 's/^/#   /'
		printf '# algctl flows -j: %s\n' "$(algctl flows -j 2>&1 | tr -d '\n' | head -c 1500)"
		printf '# algctl stats -j: %s\n' "$(algctl stats -j 2>&1 | tr -d '\n' | head -c 1500)"
		[ -n "$FTP_ROOT" ] &&
			printf '# algctl pinholes -j: %s\n' "$(algctl pinholes -j 2>&1 | tr -d '\n' | head -c 800)"
		[ -s "$TMPD/daemon.log" ] && tail -n 10 "$TMPD/daemon.log" | sed 's/^/# daemon: /'
	elif [ "$GW_KIND" = kernel ]; then
		gx nft list ruleset 2>&1 | grep -E 'counter|dnat' | sed 's/^/# nft: /'
		if [ -n "$FTP_ROOT" ]; then
			gx conntrack -L 2>/dev/null | grep -E 'port=(20|21) ' | head -n 8 | sed 's/^/# ct: /'
			gx conntrack -L expect 2>/dev/null | head -n 8 | sed 's/^/# ct expect: /'
		fi
	fi
	# FTP servers: the commands they received (log_ftp_protocol) and the
	# replies they gave.
	local f
	for f in "$TMPD"/vsftpd-*.log "$TMPD"/ftp-*.log; do
		[ -s "$f" ] || continue
		printf '# ---- %s (last lines)\n' "${f##*/}"
		tail -n 14 "$f" | sed 's/^/#   /'
	done
	ip -n "$NS_G" -s -j link show 2>/dev/null | python3 -c '
import json, sys
for l in json.load(sys.stdin):
    st = l.get("stats64", {})
    r, t = st.get("rx", {}), st.get("tx", {})
    print("# gw %-5s rx %s pkts (%s dropped)  tx %s pkts (%s dropped)" % (l["ifname"],
          r.get("packets"), r.get("dropped"), t.get("packets"), t.get("dropped")))
' 2>/dev/null
}

# Remember a background process started by this test, for cleanup.
bg_track() { _BG_PIDS="$_BG_PIDS $1"; }

_kill_ns_pids() {
	local ns pids i
	for ns in $_NAMESPACES; do
		pids=$(ip netns pids "$ns" 2>/dev/null)
		[ -n "$pids" ] || continue
		# shellcheck disable=SC2086
		kill "-$1" $pids 2>/dev/null
	done
	[ "$1" = TERM ] || return 0
	for i in $(seq 20); do
		pids=""
		for ns in $_NAMESPACES; do pids="$pids$(ip netns pids "$ns" 2>/dev/null)"; done
		[ -z "$pids" ] && return 0
		sleep 0.1
	done
}

# Kill a process this test started and its descendants (`cx cmd &` is a
# subshell around `ip netns exec cmd`), children first.
_kill_tree() {
	local c
	for c in $(ps -o pid= --ppid "$1" 2>/dev/null); do _kill_tree "$c"; done
	kill "$1" 2>/dev/null
}

_ns_add() {
	ip netns add "$1" || fail "ip netns add $1"
	_NAMESPACES="$_NAMESPACES $1"
	ip -n "$1" link set lo up
	# No duplicate address detection: link-local addresses usable at once
	# (otherwise the first IPv6 packets wait ~1 s for DAD).
	ip netns exec "$1" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
		net.ipv6.conf.default.accept_dad=0 >/dev/null
}

# ---------------------------------------------------------------- topology

_common_gw_client() {
	_ns_add "$NS_C"
	_ns_add "$NS_G"
	ip -n "$NS_G" link add gin type veth peer name eth0 netns "$NS_C" ||
		fail "veth gin"
	ip -n "$NS_G" addr add "$GW_IN4/24" dev gin
	ip -n "$NS_G" addr add "$GW_IN6/64" dev gin nodad
	ip -n "$NS_G" link set gin up
	ip -n "$NS_C" addr add "$CLIENT4/24" dev eth0
	ip -n "$NS_C" addr add "$CLIENT6/64" dev eth0 nodad
	ip -n "$NS_C" link set eth0 up
	ip -n "$NS_C" route add default via "$GW_IN4"
	ip -n "$NS_C" -6 route add default via "$GW_IN6"
	gx sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 ||
		fail "gateway forwarding sysctl"
}

# Three namespaces: client -- gw -- server.
topo_setup3() {
	TOPO=3
	_common_gw_client
	_ns_add "$NS_S"
	ip -n "$NS_G" link add gout type veth peer name eth0 netns "$NS_S" ||
		fail "veth gout"
	ip -n "$NS_G" addr add "$GW_OUT4/24" dev gout
	ip -n "$NS_G" addr add "$GW_OUT6/64" dev gout nodad
	ip -n "$NS_G" link set gout up
	ip -n "$NS_S" addr add "$SERVER4/24" dev eth0
	ip -n "$NS_S" addr add "$SERVER6/64" dev eth0 nodad
	ip -n "$NS_S" link set eth0 up
	# No IPv4 route to the inside prefix; IPv6 is routed.
	ip -n "$NS_S" -6 route add "$INSIDE_PREFIX6" via "$GW_OUT6"
	_endpoint_tweaks "$NS_C" eth0
	_endpoint_tweaks "$NS_S" eth0
	_XDP_PEERS="$NS_C:eth0 $NS_S:eth0"
}

# Four namespaces for PMTU: client -- gw -- router -- server (MTU 1280).
topo_setup4() {
	TOPO=4
	SERVER4=198.51.100.2 SERVER6=2001:db8:3::2
	ROUTER_OUT4=192.0.2.254 ROUTER_OUT6=2001:db8:2::fe
	_common_gw_client
	_ns_add "$NS_R"
	_ns_add "$NS_S"
	ip -n "$NS_G" link add gout type veth peer name r0 netns "$NS_R" ||
		fail "veth gout"
	ip -n "$NS_R" link add r1 type veth peer name eth0 netns "$NS_S" ||
		fail "veth r1"
	ip -n "$NS_G" addr add "$GW_OUT4/24" dev gout
	ip -n "$NS_G" addr add "$GW_OUT6/64" dev gout nodad
	ip -n "$NS_G" link set gout up
	ip -n "$NS_G" route add default via "$ROUTER_OUT4"
	ip -n "$NS_G" -6 route add default via "$ROUTER_OUT6"
	ip -n "$NS_R" addr add "$ROUTER_OUT4/24" dev r0
	ip -n "$NS_R" addr add "$ROUTER_OUT6/64" dev r0 nodad
	ip -n "$NS_R" link set r0 up
	ip -n "$NS_R" link set r1 mtu 1280
	ip -n "$NS_R" addr add 198.51.100.1/24 dev r1
	ip -n "$NS_R" addr add 2001:db8:3::1/64 dev r1 nodad
	ip -n "$NS_R" link set r1 up
	ip -n "$NS_R" -6 route add "$INSIDE_PREFIX6" via "$GW_OUT6"
	rx sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
	ip -n "$NS_S" link set eth0 mtu 1280
	ip -n "$NS_S" addr add "$SERVER4/24" dev eth0
	ip -n "$NS_S" addr add "$SERVER6/64" dev eth0 nodad
	ip -n "$NS_S" link set eth0 up
	# Only the public side is reachable from the server, no default route.
	# advmss as if the small-MTU link were further away: the server's SYN-ACK
	# must not clamp the client's MSS, or PMTU discovery is never needed.
	ip -n "$NS_S" route add 192.0.2.0/24 via 198.51.100.1 advmss 1460
	ip -n "$NS_S" -6 route add default via 2001:db8:3::1 advmss 1440
	_endpoint_tweaks "$NS_C" eth0
	_endpoint_tweaks "$NS_S" eth0
	_XDP_PEERS="$NS_C:eth0 $NS_R:r0"
}

# topo_setup_pods N: a Kubernetes node as the gateway, Calico's way.  N pod
# namespaces (the first is NS_C, so cx and CLIENT4 are pod 1), each on a
# veth cali<i> of the node without an address: proxy ARP answers for the
# pods' gateway 169.254.1.1, a /32 route per pod (IPv6: fe80::1 and a /128).
# Pods 10.244.1.<10+i> and fd00:10:244:1::<10+i>; the cluster's pod CIDR
# 10.244.0.0/16 (fd00:10:244::/48) is the inside (GW_INSIDE_ARGS).  The
# outside link gout reaches a bridge in NS_S: the server 192.0.2.2 and a
# second node NS_N2 (192.0.2.3) whose pod 10.244.2.5 (on its lo) is routed
# natively, both ways, as Calico's BGP mode does.
POD_CIDR4=10.244.0.0/16 POD_CIDR6=fd00:10:244::/48
NODE2_IP4=192.0.2.3 NODE2_POD4=10.244.2.5
topo_setup_pods() {
	local n=$1 i
	TOPO=pods
	NS_N2=ba-n-$ID
	CLIENT4=10.244.1.11 CLIENT6=fd00:10:244:1::b
	GW_INSIDE_ARGS="--inside-prefix $POD_CIDR4,$POD_CIDR6"
	KREF_FROM_INSIDE='iifname "cali*"'
	KREF_MASQ_MATCH="ip daddr != $POD_CIDR4"
	_ns_add "$NS_G"
	_ns_add "$NS_S"
	_ns_add "$NS_N2"
	gx sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 ||
		fail "node forwarding sysctl"
	ip -n "$NS_G" link add gout type veth peer name eth0 netns "$NS_S" ||
		fail "veth gout"
	ip -n "$NS_G" addr add "$GW_OUT4/24" dev gout
	ip -n "$NS_G" addr add "$GW_OUT6/64" dev gout nodad
	ip -n "$NS_G" link set gout up
	ip -n "$NS_S" link add br0 type bridge
	ip -n "$NS_S" link set eth0 master br0
	ip -n "$NS_S" link add n2 type veth peer name eth0 netns "$NS_N2" ||
		fail "veth n2"
	ip -n "$NS_S" link set n2 master br0
	ip -n "$NS_S" addr add "$SERVER4/24" dev br0
	ip -n "$NS_S" addr add "$SERVER6/64" dev br0 nodad
	ip -n "$NS_S" link set eth0 up
	ip -n "$NS_S" link set n2 up
	ip -n "$NS_S" link set br0 up
	ip -n "$NS_S" -6 route add "$POD_CIDR6" via "$GW_OUT6"
	ip -n "$NS_N2" addr add "$NODE2_IP4/24" dev eth0
	ip -n "$NS_N2" link set eth0 up
	ip -n "$NS_N2" addr add "$NODE2_POD4/32" dev lo
	ip -n "$NS_N2" route add 10.244.1.0/24 via "$GW_OUT4"
	ip -n "$NS_G" route add 10.244.2.0/24 via "$NODE2_IP4"
	# proxy ARP answers for what the node routes elsewhere: a default
	# route, as every node has, covers the pods' 169.254.1.1
	ip -n "$NS_G" route add default via "$SERVER4"
	for i in $(seq "$n"); do
		pod_add "$i"
	done
	_endpoint_tweaks "$NS_S" eth0
	_XDP_PEERS="$NS_S:eth0"
}

# pod_add I: pod I (namespace, veth cali<I>, addresses, routes); POD_NS is
# its namespace.  Pod 1 is NS_C.
pod_add() {
	local i=$1 a4=10.244.1.$((10 + $1)) a6
	[ "$i" -ge 1 ] && [ "$i" -le 245 ] || fail "pod_add $i: pods 1-245 (one /24)"
	a6=fd00:10:244:1::$(printf '%x' $((10 + $1)))
	if [ "$i" = 1 ]; then POD_NS=$NS_C; else POD_NS=ba-p$i-$ID; fi
	_ns_add "$POD_NS"
	ip -n "$NS_G" link add "cali$i" type veth peer name eth0 netns "$POD_NS" ||
		fail "veth cali$i"
	gx sysctl -qw "net.ipv4.conf.cali$i.proxy_arp=1" \
		"net.ipv4.neigh.cali$i.proxy_delay=0" ||
		fail "proxy_arp on cali$i"
	ip -n "$NS_G" addr add fe80::1/64 dev "cali$i" nodad
	ip -n "$NS_G" link set "cali$i" up
	ip -n "$NS_G" route add "$a4/32" dev "cali$i"
	ip -n "$NS_G" -6 route add "$a6/128" dev "cali$i"
	ip -n "$POD_NS" addr add "$a4/32" dev eth0
	ip -n "$POD_NS" addr add "$a6/128" dev eth0 nodad
	ip -n "$POD_NS" link set eth0 up
	ip -n "$POD_NS" route add 169.254.1.1 dev eth0 scope link
	ip -n "$POD_NS" route add default via 169.254.1.1 dev eth0
	ip -n "$POD_NS" -6 route add default via fe80::1 dev eth0
	_endpoint_tweaks "$POD_NS" eth0
}

_endpoint_tweaks() {
	if [ "$VETH_TX_CSUM" = off ]; then
		ip netns exec "$1" ethtool -K "$2" tx off >/dev/null 2>&1 ||
			fail "ethtool -K $2 tx off in $1"
	fi
}

_attach_xdp_peers() {
	local p ns dev
	[ -r "$XDP_PASS_OBJ" ] || fail "missing $XDP_PASS_OBJ (run make)"
	for p in $_XDP_PEERS; do
		ns=${p%%:*} dev=${p#*:}
		ip -n "$ns" link set dev "$dev" xdpdrv obj "$XDP_PASS_OBJ" sec xdp ||
			fail "attach xdp_pass to $dev in $ns"
	done
}

# Wait until the client can reach the server over IPv4 and IPv6 (neighbour
# resolution, routes).  Used by tests whose subject is not ping itself.
wait_reachable() {
	local i
	for i in 1 2 3 4 5; do
		cx ping -q -c1 -W1 "$SERVER4" >/dev/null 2>&1 && return 0
	done
	fail "client cannot ping $SERVER4 through the gateway ($GW)"
}

# ---------------------------------------------------------------- gateway

gw_setup() {
	case $GW_KIND in
	kernel) _gw_kernel_up ;;
	bpfalg) _gw_bpfalg_up ;;
	esac
}

_gw_kernel_up() {
	gx nft -f - <<-EOF || fail "nft ruleset (kernel reference)"
	table inet bpfalg_ref {
		ct helper ftp-std { type "ftp" protocol tcp; }
		ct helper sip-udp { type "sip" protocol udp; }
		ct helper sip-tcp { type "sip" protocol tcp; }
		ct helper tftp-std { type "tftp" protocol udp; }
		chain pre_helpers {
			type filter hook prerouting priority filter; policy accept;
			tcp dport 21 ct helper set "ftp-std"
			udp dport 5060 ct helper set "sip-udp"
			tcp dport 5060 ct helper set "sip-tcp"
			udp dport 69 ct helper set "tftp-std"
		}
		chain pre_dnat {
			type nat hook prerouting priority dstnat; policy accept;
		}
		chain post_snat {
			type nat hook postrouting priority srcnat; policy accept;
			meta nfproto ipv4 oifname { $GW_OUTSIDE } $KREF_MASQ_MATCH masquerade
		}
		chain forward_policy {
			type filter hook forward priority filter; policy drop;
			ct state established,related accept
			ct status dnat accept
			$KREF_FROM_INSIDE accept
			counter comment "inbound_drop"
		}
	}
	EOF
}

# Port-forward PROTO PUBLICPORT INSIDEADDR INSIDEPORT on the outside address.
gw_forward_add() {
	local proto=$1 port=$2 addr=$3 iport=$4
	case $GW_KIND in
	kernel)
		gx nft add rule inet bpfalg_ref pre_dnat iifname gout \
			"$proto" dport "$port" dnat ip to "$addr:$iport" ||
			fail "nft dnat rule"
		;;
	bpfalg)
		algctl forward add "$proto" "$port" "$addr:$iport" ||
			fail "algctl forward add $proto $port $addr:$iport (rc=$?)"
		;;
	esac
}

gw_forward_del() {
	local proto=$1 port=$2 addr=$3 iport=$4 h
	case $GW_KIND in
	kernel)
		h=$(gx nft -a list chain inet bpfalg_ref pre_dnat |
			sed -nE "s/.* $proto dport $port .*# handle ([0-9]+)$/\1/p")
		[ -n "$h" ] || fail "no nft dnat rule for $proto $port"
		gx nft delete rule inet bpfalg_ref pre_dnat handle "$h" || fail "nft delete rule"
		;;
	bpfalg)
		algctl forward del "$proto" "$port" "$addr:$iport" ||
			fail "algctl forward del $proto $port $addr:$iport (rc=$?)"
		;;
	esac
}

_ensure_bpffs() {
	local d=${PIN%/*}
	mountpoint -q "$d" 2>/dev/null && return 0
	mkdir -p "$d" && mount -t bpf bpffs "$d" || fail "cannot mount bpffs on $d"
}

_gw_bpfalg_up() {
	[ -x "$ALGCTL" ] || fail "algctl not found at $ALGCTL (run make)"
	_ensure_bpffs
	_attach_xdp_peers
	# `algctl daemon` brings the datapath up itself when nothing is
	# attached (DESIGN.md), one program load instead of two; `algctl up`
	# on its own is exercised by test_down_clean, test_config and others
	log "algctl daemon (up first) $GW_INSIDE_ARGS --outside $GW_OUTSIDE --masquerade ${XDP_FAST:+--xdp-fast $XDP_FAST }${GW_UP_ARGS:+$GW_UP_ARGS }--pin-path $PIN"
	_GW_UP=1	# from here on teardown runs down and removes the pins
	daemon_start
	_record_bpf_ids
}

daemon_start() {
	# nsenter directly, not through gx: $! must be the daemon itself (a
	# backgrounded shell function would be a subshell around it).
	# shellcheck disable=SC2086
	nsenter --net="/run/netns/$NS_G" "$ALGCTL" daemon $GW_INSIDE_ARGS \
		--outside "$GW_OUTSIDE" --masquerade ${XDP_FAST:+--xdp-fast "$XDP_FAST"} $GW_UP_ARGS --pin-path "$PIN" \
		>>"$TMPD/daemon.log" 2>&1 &
	DAEMON_PID=$!
	local i
	# loading and verifying the programs takes about a second here, and
	# several times that on a busy machine: wait up to 15 s
	for i in $(seq 150); do
		if algctl status >/dev/null 2>&1; then
			return 0
		fi
		kill -0 "$DAEMON_PID" 2>/dev/null ||
			fail "algctl daemon exited: $(tail -n3 "$TMPD/daemon.log" | tr '\n' ' ')"
		sleep 0.1
	done
	fail "algctl status did not exit 0 within 15 s of starting the daemon"
}

# Kill the daemon with SIG (default TERM) and wait for it to go.
daemon_stop() {
	local sig=${1:-TERM} i
	[ -n "$DAEMON_PID" ] || return 0
	kill "-$sig" "$DAEMON_PID" 2>/dev/null
	for i in $(seq 50); do
		kill -0 "$DAEMON_PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$DAEMON_PID" 2>/dev/null; then
		kill -KILL "$DAEMON_PID" 2>/dev/null
		wait "$DAEMON_PID" 2>/dev/null
		DAEMON_PID=""
		return 1
	fi
	wait "$DAEMON_PID" 2>/dev/null
	DAEMON_PID=""
	return 0
}

# IDs of every BPF object reachable from the pins and the gateway's
# interfaces, so teardown can prove they are gone.
_bpf_ids_now() {
	python3 - "$PIN" "$NS_G" <<-'EOF'
	import json, os, subprocess, sys
	pin, ns = sys.argv[1], sys.argv[2]
	progs, maps, links = set(), set(), set()
	def bt(*a):
	    r = subprocess.run(["nsenter", "--net=/run/netns/" + ns, "bpftool", "-j"] + list(a),
	                       capture_output=True, text=True)
	    if r.returncode: return None
	    try: return json.loads(r.stdout)
	    except ValueError: return None
	for root, dirs, files in os.walk(pin):
	    for f in files:
	        p = os.path.join(root, f)
	        for kind, s in (("link", links), ("map", maps), ("prog", progs)):
	            j = bt(kind, "show", "pinned", p)
	            if isinstance(j, dict) and "id" in j:
	                s.add(j["id"])
	                if kind == "link" and "prog_id" in j: progs.add(j["prog_id"])
	                break
	# XDP programs on the gateway's interfaces
	r = subprocess.run(["ip", "-n", ns, "-j", "-d", "link", "show"], capture_output=True, text=True)
	try:
	    for l in json.loads(r.stdout):
	        x = l.get("xdp") or {}
	        if "prog" in x: progs.add(x["prog"]["id"])
	        for a in x.get("attached", []):
	            if "prog" in a: progs.add(a["prog"]["id"])
	except ValueError:
	    pass
	for pid in list(progs):
	    j = bt("prog", "show", "id", str(pid))
	    if isinstance(j, dict): maps.update(j.get("map_ids", []))
	print(" ".join(map(str, sorted(progs))))
	print(" ".join(map(str, sorted(maps))))
	print(" ".join(map(str, sorted(links))))
	EOF
}

_record_bpf_ids() {
	local out
	out=$(_bpf_ids_now)
	_BPF_IDS_PROGS=$(printf '%s\n' "$out" | sed -n 1p)
	_BPF_IDS_MAPS=$(printf '%s\n' "$out" | sed -n 2p)
	_BPF_IDS_LINKS=$(printf '%s\n' "$out" | sed -n 3p)
	log "bpf objects after up: progs [$_BPF_IDS_PROGS] maps [$_BPF_IDS_MAPS] links [$_BPF_IDS_LINKS]"
	[ -n "$_BPF_IDS_PROGS" ] || fail "algctl up attached no BPF program (none pinned, none on the interfaces)"
}

# Which of the recorded IDs still exist (prints "progs: .. maps: .. links: ..",
# empty when all are gone).
_bpf_leftovers() {
	local kind ids id left out=""
	for kind in prog map link; do
		case $kind in
		prog) ids=$_BPF_IDS_PROGS ;;
		map) ids=$_BPF_IDS_MAPS ;;
		link) ids=$_BPF_IDS_LINKS ;;
		esac
		left=""
		for id in $ids; do
			bpftool "$kind" show id "$id" >/dev/null 2>&1 && left="$left $id"
		done
		[ -n "$left" ] && out="$out ${kind}s:$left"
	done
	printf '%s' "$out"
}

# Everything `algctl down` must have removed, checked after it ran.
# Prints what is left (empty: clean).
gw_leftovers() {
	local left="" i l
	[ -e "$PIN" ] && left="$left pin path $PIN still exists ($(cd "$PIN" && find . | head -5 | tr '\n' ' '));"
	local dev
	for dev in gin gout; do
		ip -n "$NS_G" -d link show dev "$dev" 2>/dev/null | grep -q 'prog/xdp' &&
			left="$left XDP program still on $dev;"
		for dir in ingress egress; do
			[ -n "$(ip netns exec "$NS_G" tc filter show dev "$dev" "$dir" 2>/dev/null)" ] &&
				left="$left tc filter still on $dev $dir;"
		done
	done
	# Freed objects disappear after an RCU grace period: poll a little.
	for i in $(seq 30); do
		l=$(_bpf_leftovers)
		[ -z "$l" ] && break
		sleep 0.1
	done
	[ -n "$l" ] && left="$left objects still loaded:$l;"
	printf '%s' "$left"
}

gw_teardown() {
	[ "$GW_KIND" = bpfalg ] || return 0
	[ -n "$_GW_UP" ] || return 0
	_GW_UP=""
	daemon_stop TERM || _TEARDOWN_ERR="$_TEARDOWN_ERR daemon ignored SIGTERM for 5 s;"
	if ! algctl down >"$TMPD/down.log" 2>&1; then
		_TEARDOWN_ERR="$_TEARDOWN_ERR algctl down failed: $(tail -n2 "$TMPD/down.log" | tr '\n' ' ');"
	fi
	local left
	left=$(gw_leftovers)
	[ -n "$left" ] && _TEARDOWN_ERR="$_TEARDOWN_ERR after algctl down:$left"
	# Whatever happened, leave nothing: the pins outlive the namespaces.
	rm -rf "$PIN" 2>/dev/null
}

# ---------------------------------------------------------------- helpers

# make_file NAME MIB: random content.
make_file() {
	head -c "$(($2 * 1048576))" /dev/urandom >"$1" || fail "make_file $1"
}

sha() { sha256sum "$1" | cut -d' ' -f1; }

# tcp_copy up|down FILE PORT: FILE over one TCP connection to the server
# (IPv4, through the NAT), client to server (up) or server to client (down,
# the server sends as soon as the client connects); fails unless the bytes
# arrive intact.  TCP_COPY_S: how long it took, seconds.
tcp_copy() {
	local dir=$1 f=$2 port=$3 pid t0
	if [ "$dir" = up ]; then
		sx timeout 60 socat -u TCP-LISTEN:"$port",reuseaddr OPEN:"$f.rcv",creat,trunc 2>"$f.srv.err" &
	else
		sx timeout 60 socat -u OPEN:"$f" TCP-LISTEN:"$port",reuseaddr 2>"$f.srv.err" &
	fi
	pid=$!
	bg_track $pid
	wait_listen sx "$port"
	t0=$(date +%s.%N)
	if [ "$dir" = up ]; then
		cx timeout 60 socat -u OPEN:"$f" TCP:"$SERVER4":"$port" 2>"$f.cli.err"
	else
		cx timeout 60 socat -u TCP:"$SERVER4":"$port" OPEN:"$f.rcv",creat,trunc 2>"$f.cli.err"
	fi || fail "$dir $f: client socat failed: $(head -c 300 "$f.cli.err")"
	wait $pid || fail "$dir $f: server socat failed: $(head -c 300 "$f.srv.err")"
	TCP_COPY_S=$(awk "BEGIN{printf \"%.2f\", $(date +%s.%N) - $t0}")
	[ "$(sha "$f")" = "$(sha "$f.rcv")" ] ||
		fail "$dir $f: content differs ($(stat -c %s "$f.rcv") of $(stat -c %s "$f") bytes received)"
}

# wait_listen NSFUNC PORT [tcp|udp]: a listener is up on PORT.
wait_listen() {
	local x=$1 port=$2 proto=${3:-tcp} i flag=-ltnH
	[ "$proto" = udp ] && flag=-lunH
	for i in $(seq 50); do
		$x ss $flag "sport = :$port" 2>/dev/null | grep -q . && return 0
		sleep 0.1
	done
	fail "no $proto listener on port $port"
}

# cap_start NSFUNC OUTFILE TCPDUMP-ARGS...: capture in the background (8 s
# at most), return once tcpdump is listening; CAP_PID is its process.
cap_start() {
	local x=$1 out=$2 i
	shift 2
	$x timeout 8 tcpdump -l -n "$@" >"$out" 2>"$out.err" &
	CAP_PID=$!
	bg_track $CAP_PID
	for i in $(seq 50); do
		grep -q 'listening on' "$out.err" 2>/dev/null && return 0
		sleep 0.1
	done
	fail "tcpdump did not start: $(head -c 200 "$out.err")"
}

# Value of a counter in `algctl stats -j` (searched anywhere in the JSON).
stat_get() {
	algctl stats -j 2>/dev/null | python3 -c '
import json, sys
name = sys.argv[1]
def walk(o):
    if isinstance(o, dict):
        for k, v in o.items():
            if k == name and isinstance(v, (int, float)): return v
            if isinstance(v, dict) and v.get("name") == name:
                for vk in ("value", "count", "packets"):
                    if isinstance(v.get(vk), (int, float)): return v[vk]
        for v in o.values():
            r = walk(v)
            if r is not None: return r
    elif isinstance(o, list):
        for v in o:
            if isinstance(v, dict) and v.get("name") == name:
                for vk in ("value", "count", "packets"):
                    if isinstance(v.get(vk), (int, float)): return v[vk]
            r = walk(v)
            if r is not None: return r
    return None
try: r = walk(json.load(sys.stdin))
except ValueError: r = None
print("" if r is None else int(r))
' "$1"
}

# flows_has VALUE...: `algctl flows -j` has one flow entry (the innermost
# object) whose values include every given address and port, as separate
# fields or as "addr:port" strings.
flows_has() {
	algctl flows -j 2>/dev/null | python3 -c '
import json, sys
want = set(sys.argv[1:])
import re
def vals(o):
    # scalars, and the tokens of "addr:port" / "a -> b" style strings
    if isinstance(o, dict):
        for v in o.values(): yield from vals(v)
    elif isinstance(o, list):
        for v in o: yield from vals(v)
    else:
        s = str(o)
        yield s
        if isinstance(o, str):
            yield from (t for t in re.split(r"[\s,>\[\]]+|:(?=\d+$)|-(?=>)|:(?=\d+\s)", s) if t)
def entries(o):
    if isinstance(o, dict):
        if want <= set(vals(o)): yield o
        for v in o.values(): yield from entries(v)
    elif isinstance(o, list):
        for v in o: yield from entries(v)
try: doc = json.load(sys.stdin)
except ValueError: sys.exit(2)
# innermost objects that contain all wanted values = flow entries
hits = [e for e in entries(doc) if not any(
    isinstance(v, (dict, list)) and want <= set(vals(v)) for v in e.values())]
sys.exit(0 if hits else 1)
' "$@"
}

# schema_check NAME [lines]: standard input (`algctl NAME -j`; with
# "lines", JSON lines as events -j writes) against tests/schema/NAME.json
# (tests/schema/check.py; SCHEMA_QUICK=1 leaves out its cross-check by
# python3-jsonschema, which costs a third of a second per call).
SCHEMA_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../schema" && pwd)
schema_check() {
	python3 "$SCHEMA_DIR/check.py" ${2:+--lines} "$SCHEMA_DIR/$1.json" -
}

# udp_req NSFUNC HOST PORT MSG: send one datagram, print the first reply
# (3 s timeout, non-zero exit when none came).
udp_req() {
	$1 timeout 5 python3 -c '
import socket, sys
host, port, msg = sys.argv[1], int(sys.argv[2]), sys.argv[3]
fam = socket.AF_INET6 if ":" in host else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
s.settimeout(3)
s.sendto((msg + "\n").encode(), (host, port))
try:
    data = s.recv(65535)
except socket.timeout:
    sys.exit("no reply")
sys.stdout.write(data.decode(errors="replace").rstrip("\n"))
' "$2" "$3" "$4"
}

# ---------------------------------------------------------------- FTP
#
# vsftpd is the real server.  Every instance serves the same anonymous root
# ($FTP_ROOT, files made with ftp_file), logs each command it receives and
# each reply it sends to its $FTP_LOG (log_ftp_protocol: the text after the
# gateway's rewrite, printed by _evidence on failure), makes active data
# connections from port 20 (connect_from_port_20), and offers passive ports
# FTP_PASV_MIN..FTP_PASV_MAX.  ftp_tool.py holds the scripted peers.

FTP_PASV_MIN=30000 FTP_PASV_MAX=30049
FTP_TOOL=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/ftp_tool.py
FTP_LOG=""
_FTP_N=0
_FTP_MARK=""
# Counters the FTP scenarios read (algctl stats -j, flat names).
FTP_COUNTERS="ftp_punted ftp_parsed ftp_rewritten ftp_pinholes_opened ftp_pinholes_used ftp_pinholes_closed
ftp_pinholes_expired ftp_refused ftp_bad_input ftp_tls ftp_fail_policy ftp_observed pinhole_hit"

ftp_root_init() {
	[ -n "$FTP_ROOT" ] && return 0
	require_cmds vsftpd curl openssl
	getent passwd ftp >/dev/null ||
		fail "no 'ftp' user (vsftpd's Debian package creates it; run scripts/deps.sh)"
	FTP_ROOT=$TMPD/ftproot
	# vsftpd chroots into anon_root and serves it as "ftp": the root and
	# its files world-readable (anon_world_readable_only), not writable.
	mkdir -p "$FTP_ROOT" "$TMPD/vsftpd-empty" &&
		chmod 755 "$FTP_ROOT" "$TMPD/vsftpd-empty" || fail "FTP root in $TMPD"
}

# ftp_file NAME SIZE: random content in the FTP root; SIZE in bytes or with
# a K or M suffix.
ftp_file() {
	local n=$2
	ftp_root_init
	case $n in
	*M) n=$((${n%M} * 1048576)) ;;
	*K) n=$((${n%K} * 1024)) ;;
	esac
	head -c "$n" /dev/urandom >"$FTP_ROOT/$1" && chmod 644 "$FTP_ROOT/$1" ||
		fail "ftp_file $1"
}

_ftp_cert() {
	[ -s "$TMPD/ftp-cert.pem" ] && return 0
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-days 2 -subj /CN=ftp.test -keyout "$TMPD/ftp-key.pem" \
		-out "$TMPD/ftp-cert.pem" >"$TMPD/openssl.log" 2>&1 ||
		fail "openssl: self-signed certificate: $(tail -n2 "$TMPD/openssl.log" | tr '\n' ' ')"
}

# ftp_server_start NSFUNC ADDR [tls]: vsftpd on ADDR:21 (IPv4 or IPv6) in
# that namespace, anonymous, returns once it listens; FTP_LOG is its log.
# tls: ssl_enable with a self-signed certificate, TLS required for the
# anonymous login and the data connections.
ftp_server_start() {
	local x=$1 addr=$2 tls=${3:-} n conf i pid
	ftp_root_init
	_FTP_N=$((_FTP_N + 1))
	n=$_FTP_N
	conf=$TMPD/vsftpd-$n.conf
	FTP_LOG=$TMPD/vsftpd-$n.log
	{
		case $addr in
		*:*) printf 'listen=NO\nlisten_ipv6=YES\nlisten_address6=%s\n' "$addr" ;;
		*) printf 'listen=YES\nlisten_ipv6=NO\nlisten_address=%s\n' "$addr" ;;
		esac
		cat <<-EOC
		listen_port=${FTP_LISTEN_PORT:-21}
		background=NO
		seccomp_sandbox=NO
		anonymous_enable=YES
		no_anon_password=YES
		anon_root=$FTP_ROOT
		local_enable=NO
		write_enable=NO
		secure_chroot_dir=$TMPD/vsftpd-empty
		connect_from_port_20=YES
		port_enable=YES
		pasv_enable=YES
		pasv_min_port=$FTP_PASV_MIN
		pasv_max_port=$FTP_PASV_MAX
		dirmessage_enable=NO
		hide_ids=YES
		connect_timeout=6
		accept_timeout=8
		data_connection_timeout=30
		idle_session_timeout=60
		xferlog_enable=YES
		xferlog_std_format=NO
		log_ftp_protocol=YES
		vsftpd_log_file=$FTP_LOG
		ftpd_banner=bpfalg test server $n
		EOC
		# e.g. anon_max_rate=600000: a transfer that lasts
		[ -n "${FTP_SERVER_EXTRA:-}" ] && printf '%s\n' "$FTP_SERVER_EXTRA"
		if [ "$tls" = tls ]; then
			_ftp_cert
			cat <<-EOC
			ssl_enable=YES
			allow_anon_ssl=YES
			force_anon_logins_ssl=YES
			force_anon_data_ssl=YES
			require_ssl_reuse=NO
			ssl_request_cert=NO
			rsa_cert_file=$TMPD/ftp-cert.pem
			rsa_private_key_file=$TMPD/ftp-key.pem
			EOC
		fi
	} >"$conf"
	$x timeout 300 vsftpd "$conf" >"$TMPD/vsftpd-$n.out" 2>&1 &
	pid=$!
	bg_track $pid
	local lp=${FTP_LISTEN_PORT:-21}
	for i in $(seq 50); do
		$x ss -ltnH "sport = :$lp" 2>/dev/null | grep -qF -e " $addr:$lp " -e "[$addr]:$lp " &&
			return 0
		kill -0 "$pid" 2>/dev/null ||
			fail "vsftpd on $addr exited: $(head -c 300 "$TMPD/vsftpd-$n.out")"
		sleep 0.1
	done
	fail "vsftpd does not listen on $addr:$lp: $(head -c 300 "$TMPD/vsftpd-$n.out")"
}

# What a curl exit status means for FTP (for failure reasons).
_curl_why() {
	case $1 in
	7) echo "could not connect" ;;
	8) echo "weird server reply" ;;
	9) echo "access denied" ;;
	10) echo "active data connection not accepted" ;;
	12) echo "server's active data connection never came (accept timeout)" ;;
	13) echo "bad PASV/EPSV reply" ;;
	19) echo "RETR failed" ;;
	28) echo "timed out" ;;
	30) echo "PORT/EPRT refused by the server" ;;
	35) echo "TLS handshake failed" ;;
	56) echo "receive failure" ;;
	64) echo "TLS required but not done" ;;
	67) echo "login denied" ;;
	124) echo "killed by timeout" ;;
	*) echo "see curl(1)" ;;
	esac
}

# ftp_same WHAT GOT NAME: GOT has the content of the FTP root's NAME.
ftp_same() {
	[ -f "$2" ] || fail "$1: nothing downloaded ($2 missing)"
	[ "$(sha "$2")" = "$(sha "$FTP_ROOT/$3")" ] ||
		fail "$1: content differs ($(stat -c %s "$2") of $(stat -c %s "$FTP_ROOT/$3") bytes)"
}

# ftp_curl NSFUNC LABEL URL [CURL-ARGS...]: curl URL to LABEL.out (20 s at
# most, stderr in LABEL.err); returns curl's exit status.
ftp_curl() {
	local x=$1 label=$2 url=$3
	shift 3
	rm -f "$label.out"
	$x timeout 25 curl -sS --connect-timeout 5 --max-time 20 \
		"$@" -o "$label.out" "$url" 2>"$label.err"
}

# ftp_fetch NSFUNC LABEL URL [CURL-ARGS...]: ftp_curl, then the download
# must equal the FTP root's file of the URL's last path element.
ftp_fetch() {
	local x=$1 label=$2 url=$3 rc
	shift 3
	ftp_curl "$x" "$label" "$url" "$@"
	rc=$?
	[ $rc -eq 0 ] ||
		fail "$label: curl $* $url: exit $rc ($(_curl_why $rc)): $(tr '\n' ' ' <"$label.err" | head -c 300)$(_ftp_server_saw)"
	ftp_same "$label" "$label.out" "${url##*/}"
	log "$label: ${url##*/} ($(stat -c %s "$label.out") bytes) ok"
}

# "; server saw: ..." (the data-connection commands and replies in the
# server log since ftp_log_mark), for failure reasons.
_ftp_server_saw() {
	[ -n "${_FTP_LOGFILE:-}" ] || return 0
	printf '; server saw: %s' "$(ftp_log_new | grep -E '^(command: (PORT|EPRT|PASV|EPSV|RETR|LIST|AUTH)|response: (227|229|150|226|425|426|500|501|530))' |
		tail -n 8 | tr '\n' ';' | head -c 400)"
}

# ftp_tool NSFUNC SUBCOMMAND ARGS...: tests/netns/ftp_tool.py in a namespace
# (30 s at most).
ftp_tool() {
	local x=$1
	shift
	$x timeout 30 python3 "$FTP_TOOL" "$@"
}

# All FTP counters as "name=value ..." (value "?" when algctl does not
# report the counter).
_ftp_stats_now() {
	algctl stats -j 2>/dev/null | python3 -c '
import json, sys
def walk(o, name):
    if isinstance(o, dict):
        v = o.get(name)
        if isinstance(v, (int, float)) and not isinstance(v, bool): return v
        if o.get("name") == name:
            for vk in ("value", "count", "packets"):
                if isinstance(o.get(vk), (int, float)): return o[vk]
        for v in o.values():
            r = walk(v, name)
            if r is not None: return r
    elif isinstance(o, list):
        for v in o:
            r = walk(v, name)
            if r is not None: return r
    return None
try: doc = json.load(sys.stdin)
except ValueError: doc = None
out = []
for n in sys.argv[1:]:
    r = walk(doc, n)
    out.append("%s=%s" % (n, "?" if r is None else int(r)))
print(" ".join(out))
' $FTP_COUNTERS
}

# ftp_stats_mark: remember the FTP counters (bpfalg mode; no-op otherwise).
ftp_stats_mark() {
	[ "$GW_KIND" = bpfalg ] || return 0
	_FTP_MARK=$(_ftp_stats_now)
	log "ftp counters: $_FTP_MARK"
}

_ftp_val() { # NAME "name=v ..."
	printf '%s\n' $2 | sed -n "s/^$1=//p"
}

# ftp_stat_delta NAME: how much NAME rose since ftp_stats_mark ("?" if absent).
ftp_stat_delta() {
	local now a b
	now=$(_ftp_stats_now)
	a=$(_ftp_val "$1" "$_FTP_MARK") b=$(_ftp_val "$1" "$now")
	case "$a$b" in
	*\?* | "") echo "?" ;;
	*) echo $((b - a)) ;;
	esac
}

# ftp_check_rose NAME MIN WHAT: (bpfalg) NAME rose by at least MIN since
# ftp_stats_mark.  ftp_check_same NAME WHAT: NAME did not change.
# A counter the daemon updates asynchronously (e.g. a pinhole's use, seen
# by its timer) gets 2 s to catch up.
ftp_check_rose() {
	[ "$GW_KIND" = bpfalg ] || return 0
	local now a b i
	a=$(_ftp_val "$1" "$_FTP_MARK")
	[ "$a" != "?" ] && [ -n "$a" ] || a=0
	for i in $(seq 20); do
		now=$(_ftp_stats_now)
		b=$(_ftp_val "$1" "$now")
		[ "$b" != "?" ] && [ -n "$b" ] || fail "$3: counter $1 missing from algctl stats -j"
		[ $((b - a)) -ge "$2" ] && break
		sleep 0.1
	done
	[ $((b - a)) -ge "$2" ] ||
		fail "$3: $1 rose by $((b - a)), expected >= $2 (before: $_FTP_MARK; now: $now)"
	log "$3: $1 +$((b - a))${i:+$([ "$i" -gt 1 ] && echo " (after $(( (i - 1) * 100 )) ms)")}"
}

ftp_check_same() {
	[ "$GW_KIND" = bpfalg ] || return 0
	local now a b
	now=$(_ftp_stats_now)
	a=$(_ftp_val "$1" "$_FTP_MARK") b=$(_ftp_val "$1" "$now")
	[ "$b" != "?" ] && [ -n "$b" ] || fail "$2: counter $1 missing from algctl stats -j"
	[ "$a" = "$b" ] || fail "$2: $1 changed $a -> $b, expected no change (before: $_FTP_MARK; now: $now)"
}

# ftp_pinholes [FIELD=VALUE...]: check `algctl pinholes -j` against its
# schema (tests/schema/pinholes.json) and set PH_N to the number of
# entries matching every given FIELD=VALUE (substring, case-insensitive,
# endpoints read as the table shows them: inside=10.0.1.2:4000 matches
# {"addr": "10.0.1.2", "port": 4000}, remote=192.0.2.2:* one of port 0;
# public_port exact), PH_JSON to the whole answer.
# Call it directly, not in $(...): it fails the test on a schema error.
ftp_pinholes() {
	local r
	PH_JSON=$(algctl pinholes -j 2>&1) ||
		fail "algctl pinholes -j failed (rc=$?): $(printf '%s' "$PH_JSON" | head -c 300)"
	r=$(printf '%s' "$PH_JSON" | schema_check pinholes 2>&1) || fail "algctl pinholes -j: $r"
	r=$(printf '%s' "$PH_JSON" | python3 -c '
import json, sys
try: d = json.load(sys.stdin)
except ValueError as e: sys.exit("algctl pinholes -j: not JSON: %s" % e)
if not isinstance(d, dict) or not isinstance(d.get("pinholes"), list) or not isinstance(d.get("count"), int):
    sys.exit("algctl pinholes -j: expected {\"pinholes\": [...], \"count\": n}, got %s" % json.dumps(d)[:300])
if d["count"] != len(d["pinholes"]):
    sys.exit("algctl pinholes -j: count %d but %d entries" % (d["count"], len(d["pinholes"])))
keys = ("proto", "remote", "public_port", "inside", "alg", "owner", "expires_s")
for e in d["pinholes"]:
    miss = [k for k in keys if k not in e]
    if miss: sys.exit("algctl pinholes -j: entry without %s: %s" % (",".join(miss), json.dumps(e)))
want = [a.split("=", 1) for a in sys.argv[1:]]
def flat(o):
    # {"addr": "10.0.1.2", "port": 4000} reads as "10.0.1.2:4000" (port 0,
    # any port of the remote: "10.0.1.2:*"), the owner {"proto", "src",
    # "dst"} as "udp 10.0.1.2:46969->192.0.2.2:6969": as the table says
    if isinstance(o, dict) and set(o) == {"addr", "port"}:
        return "%s:%s" % (o["addr"], o["port"] or "*")
    if isinstance(o, dict) and set(o) == {"proto", "src", "dst"}:
        return "%s %s->%s" % (o["proto"], flat(o["src"]), flat(o["dst"]))
    if isinstance(o, dict): return ":".join(flat(v) for v in o.values())
    if isinstance(o, list): return ",".join(flat(v) for v in o)
    return str(o)
def has(e, k, v):
    s = flat(e.get(k, ""))
    return s == v if k == "public_port" else v.lower() in s.lower()
print(sum(1 for e in d["pinholes"] if all(has(e, k, v) for k, v in want)))
' "$@" 2>&1) || fail "$r"
	PH_N=$r
}

# ftp_wait_file PATH SECONDS: poll until PATH exists.
ftp_wait_file() {
	local i
	for i in $(seq $(($2 * 20))); do
		[ -e "$1" ] && return 0
		sleep 0.05
	done
	return 1
}

# ftp_log_mark LOG: remember how far LOG (a vsftpd log) is; ftp_log_new LOG
# prints what the server logged since (commands as it received them,
# i.e. after the gateway's rewrite, and its replies).
ftp_log_mark() {
	_FTP_LOGFILE=$1
	_FTP_LOGPOS=$(cat "$1" 2>/dev/null | wc -l)
}
ftp_log_new() {
	tail -n +$((${_FTP_LOGPOS:-0} + 1)) "${1:-$_FTP_LOGFILE}" 2>/dev/null |
		sed -nE 's/.*FTP (command|response): Client "[^"]*", "(.*)"$/\1: \2/p'
}

# loss_set NSFUNC PCT MATCH-IN MATCH-OUT: in NSFUNC's namespace, drop PCT %
# of the packets that match the nftables expression MATCH-IN (input hook)
# or MATCH-OUT (output hook): this kernel has no netem.  A new call
# replaces the rules and their counters.  loss_dropped NSFUNC: how many
# were dropped since.
loss_set() {
	$1 nft delete table inet bpfalg_loss 2>/dev/null
	$1 nft -f - <<-EOF || fail "nft: $2 % loss ($1)"
		table inet bpfalg_loss {
			chain in {
				type filter hook input priority 0;
				$3 numgen random mod 100 < $2 counter drop
			}
			chain out {
				type filter hook output priority 0;
				$4 numgen random mod 100 < $2 counter drop
			}
		}
	EOF
}

loss_dropped() {
	$1 nft list table inet bpfalg_loss | sed -n 's/.*counter packets \([0-9]*\) .*/\1/p' |
		awk '{ s += $1 } END { print s + 0 }'
}
