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
VETH_TX_CSUM=${VETH_TX_CSUM:-off}
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
		[ -s "$TMPD/daemon.log" ] && tail -n 10 "$TMPD/daemon.log" | sed 's/^/# daemon: /'
	elif [ "$GW_KIND" = kernel ]; then
		gx nft list ruleset 2>&1 | grep -E 'counter|dnat' | sed 's/^/# nft: /'
	fi
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
			meta nfproto ipv4 oifname "gout" masquerade
		}
		chain forward_policy {
			type filter hook forward priority filter; policy drop;
			ct state established,related accept
			ct status dnat accept
			iifname "gin" accept
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
	log "algctl up --inside gin --outside gout --masquerade ${XDP_FAST:+--xdp-fast $XDP_FAST }--pin-path $PIN"
	_GW_UP=1	# from here on teardown runs down and removes the pins
	algctl up --inside gin --outside gout --masquerade ${XDP_FAST:+--xdp-fast "$XDP_FAST"} \
		>"$TMPD/up.log" 2>&1 ||
		fail "algctl up failed (rc=$?): $(tail -n3 "$TMPD/up.log" | tr '\n' ' ')"
	_record_bpf_ids
	daemon_start
}

daemon_start() {
	# nsenter directly, not through gx: $! must be the daemon itself (a
	# backgrounded shell function would be a subshell around it).
	nsenter --net="/run/netns/$NS_G" "$ALGCTL" daemon --inside gin \
		--outside gout --masquerade ${XDP_FAST:+--xdp-fast "$XDP_FAST"} --pin-path "$PIN" \
		>>"$TMPD/daemon.log" 2>&1 &
	DAEMON_PID=$!
	local i
	for i in $(seq 50); do
		if algctl status >/dev/null 2>&1; then
			return 0
		fi
		kill -0 "$DAEMON_PID" 2>/dev/null ||
			fail "algctl daemon exited: $(tail -n3 "$TMPD/daemon.log" | tr '\n' ' ')"
		sleep 0.1
	done
	fail "algctl status did not exit 0 within 5 s of starting the daemon"
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
