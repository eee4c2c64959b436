#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Coexistence with a CNI's own TC programs.  Before the gateway comes up,
# "foreign" programs (tests/netns/tc_count.bpf.c: count IPv4 packets per
# address pair, hand every packet on) are attached the two ways CNIs do:
# tcx links on gin ingress, gout ingress and gout egress (as Cilium on
# kernels >= 6.6), clsact filters on gin ingress and egress (as Calico).
# Then NATed TCP must work and every foreign program must have counted
# the transfer's packets, with the addresses of its place in the chain:
# bpfalg's tcx links go to the head of the chain and hand what they
# translated on (TCX_NEXT), so a foreign tcx program on gout sees the
# translated packets: the public source on egress (as under the kernel's
# NAT, which runs in postrouting), the inside destination of replies on
# ingress (the kernel translates those after TC, in prerouting).  In the
# clsact round the foreign tcx programs run before bpfalg's filter (tcx
# before clsact) and see the packets untranslated.  `algctl down` must remove only
# bpfalg's programs: the foreign tcx programs are alone in their chains,
# the foreign filters and the clsact qdisc are still there, and they still
# count.  bpfalg runs a second round with --tc-mode clsact: its filters
# share the qdisc with the foreign ones, and down removes only its own.
#
# Not in bpfalg-xdp: the XDP fast path forwards established flows before
# any TC hook by design, so TC programs (bpfalg's and a CNI's) see only
# their first packets; where a CNI's TC programs must see every packet,
# run bpfalg with xdp-fast off (deploy/README.md).
. "$(dirname "$0")/lib.sh"
test_init
[ "$GW" = bpfalg-xdp ] && skip "XDP fast path: established flows bypass every TC program by design (use xdp-fast off next to a CNI)"
require_cmds tc bpftool
COUNT_OBJ=$BUILD/tests/tc_count.bpf.o
TCX_TOOL=$BUILD/tests/tcx_tool
case $COUNT_OBJ in /*) ;; *) COUNT_OBJ=$OLDPWD/$COUNT_OBJ ;; esac
case $TCX_TOOL in /*) ;; *) TCX_TOOL=$OLDPWD/$TCX_TOOL ;; esac
[ -r "$COUNT_OBJ" ] && [ -x "$TCX_TOOL" ] || fail "missing $COUNT_OBJ or $TCX_TOOL (run make all)"

topo_setup3
FPIN=$PIN-foreign
mountpoint -q /sys/fs/bpf || mount -t bpf bpffs /sys/fs/bpf || fail "no bpffs on /sys/fs/bpf"
mkdir -p "$FPIN" || fail "mkdir $FPIN"
# The foreign programs go before the EXIT trap's teardown checks that
# nothing of bpfalg's is left: remove them first (and their pins always).
_foreign_cleanup() {
	gx tc qdisc del dev gin clsact 2>/dev/null
	rm -rf "$FPIN"
}
trap 'rc=$?; _foreign_cleanup; (exit $rc); _on_exit' EXIT

# ------------------------------------------------------------ foreign programs
declare -A FID # hook -> foreign program id
for h in gin:ingress gout:ingress gout:egress; do
	dev=${h%%:*} dir=${h#*:}
	FID[tcx:$h]=$(gx "$TCX_TOOL" attach "$COUNT_OBJ" tc_count "$dev" "$dir" "$FPIN/$dev-$dir" 2>tcx.err) ||
		fail "foreign tcx attach on $dev $dir: $(cat tcx.err)"
done
gx tc qdisc add dev gin clsact || fail "tc qdisc add dev gin clsact"
for dir in ingress egress; do
	gx tc filter add dev gin "$dir" pref 100 bpf da obj "$COUNT_OBJ" sec tc 2>tc.err ||
		fail "foreign clsact filter on gin $dir: $(cat tc.err)"
	FID[clsact:gin:$dir]=$(gx tc filter show dev gin "$dir" | sed -nE 's/.* id ([0-9]+) name tc_count .*/\1/p' | head -n1)
	[ -n "${FID[clsact:gin:$dir]}" ] || fail "foreign clsact filter on gin $dir not listed: $(gx tc filter show dev gin $dir)"
done
log "foreign programs: $(for k in "${!FID[@]}"; do printf '%s=%s ' "$k" "${FID[$k]}"; done)"

# fc HOOK SRC DST: packets the foreign program at HOOK counted for SRC->DST.
fc() {
	python3 - "${FID[$1]}" "$2" "$3" <<-'EOF'
	import json, socket, subprocess, sys
	pid, src, dst = sys.argv[1:]
	bt = lambda *a: json.loads(subprocess.run(["bpftool", "-j"] + list(a), check=True,
	                                          capture_output=True, text=True).stdout)
	mid = [m for m in bt("prog", "show", "id", pid)["map_ids"]
	       if bt("map", "show", "id", str(m)).get("name") == "pair_packets"]
	if not mid: sys.exit("program %s has no pair_packets map" % pid)
	want = socket.inet_aton(src) + socket.inet_aton(dst)
	n = 0
	for e in bt("map", "dump", "id", str(mid[0])):
	    if bytes(int(b, 16) for b in e["key"]) == want:
	        n = int.from_bytes(bytes(int(b, 16) for b in e["value"]), "little")
	print(n)
	EOF
}

# tcx_chain DEV DIR: the names in DEV's tcx chain, first to run first.
tcx_chain() { gx "$TCX_TOOL" query "$1" "$2" | awk '{printf("%s%s", (NR > 1 ? "," : ""), $2)} END {print ""}'; }
tcx_ids() { gx "$TCX_TOOL" query "$1" "$2" | awk '{print $1}' | tr '\n' ' '; }

# upload LABEL: 2 MiB client -> server port 5001 (the server has no route
# back to the inside: only NAT makes it work).
make_file blob 2
upload() {
	sx timeout 20 socat -u TCP-LISTEN:5001,reuseaddr OPEN:blob.rcv,creat,trunc 2>srv.err &
	local srv=$!
	bg_track $srv
	wait_listen sx 5001
	cx timeout 20 socat -u OPEN:blob TCP:"$SERVER4":5001 2>cli.err ||
		fail "$1: upload through the gateway failed: $(head -c 200 cli.err)"
	wait $srv
	[ "$(sha blob)" = "$(sha blob.rcv)" ] || fail "$1: upload corrupted"
}

# check_counts LABEL MIN [before]: every foreign program counted at least
# MIN data packets (and MIN/10 replies) of the transfer since its last
# check.  "before": the foreign tcx programs on gout run before bpfalg's
# (its clsact round), so they see untranslated packets.
declare -A SEEN
check_counts() {
	local label=$1 min=$2 k n out_src=$GW_OUT4 in_dst=$GW_OUT4
	# gout: after bpfalg's translation (its link heads the chain); the
	# kernel's source NAT runs in postrouting (before tc egress), its
	# reply translation in prerouting (after tc ingress)
	if [ "$GW_KIND" = bpfalg ] && [ "${3:-}" = before ]; then
		out_src=$CLIENT4
	elif [ "$GW_KIND" = bpfalg ]; then
		in_dst=$CLIENT4
	fi
	for k in "tcx:gin:ingress $CLIENT4 $SERVER4 $min" \
		"clsact:gin:ingress $CLIENT4 $SERVER4 $min" \
		"tcx:gout:egress $out_src $SERVER4 $min" \
		"tcx:gout:ingress $SERVER4 $in_dst $((min / 10))" \
		"clsact:gin:egress $SERVER4 $CLIENT4 $((min / 10))"; do
		set -- $k
		n=$(fc "$1" "$2" "$3") || fail "$label: reading the foreign counter at $1"
		[ $((n - ${SEEN[$1:$2:$3]:-0})) -ge "$4" ] ||
			fail "$label: foreign program at $1 counted $((n - ${SEEN[$1:$2:$3]:-0})) packets $2->$3, expected >= $4"
		log "$label: foreign $1 saw $((n - ${SEEN[$1:$2:$3]:-0})) packets $2->$3"
		SEEN[$1:$2:$3]=$n
	done
}

# ------------------------------------------------------------ gateway up
gw_setup
wait_reachable
upload "tcx round"
check_counts "tcx round" 100
if [ "$GW_KIND" = bpfalg ]; then
	flows_has "$CLIENT4" "$SERVER4" 5001 || fail "the transfer is not in algctl flows"
	# the order the kernel runs them: bpfalg's at the head, ahead of the
	# CNI's that were there first
	for h in gin:ingress gin:egress gout:ingress gout:egress; do
		c=$(tcx_chain "${h%%:*}" "${h#*:}")
		case $h in
		gin:egress) want=tc_egress ;;
		*) want=tc_${h#*:},tc_count ;;
		esac
		[ "$c" = "$want" ] || fail "tcx chain on ${h/:/ } is '$c', expected '$want'"
	done
	log "tcx chains: bpfalg's program first, the foreign one after it"
	BPF_TC_IDS="$(tcx_ids gin ingress)$(tcx_ids gout egress)"
else
	_foreign_cleanup
	log "kernel NAT with the foreign programs: every one counted the transfer"
	exit 0
fi

# ------------------------------------------------------------ down: only ours
daemon_stop TERM
algctl down >down.out 2>&1 || fail "algctl down: $(cat down.out)"
for h in gin:ingress gout:ingress gout:egress; do
	ids=$(tcx_ids "${h%%:*}" "${h#*:}")
	[ "$ids" = "${FID[tcx:$h]} " ] ||
		fail "after down, tcx chain on ${h/:/ } holds [$ids], expected only the foreign program ${FID[tcx:$h]}"
done
[ -z "$(tcx_ids gin egress)" ] || fail "after down, gin egress still has tcx programs: $(tcx_chain gin egress)"
for dir in ingress egress; do
	gx tc filter show dev gin "$dir" | grep -q " id ${FID[clsact:gin:$dir]} " ||
		fail "after down, the foreign clsact filter on gin $dir is gone: $(gx tc filter show dev gin $dir)"
done
for id in $BPF_TC_IDS; do
	case " ${FID[*]} " in *" $id "*) continue ;; esac
	for i in $(seq 30); do
		bpftool prog show id "$id" >/dev/null 2>&1 || break
		sleep 0.1
	done
	bpftool prog show id "$id" >/dev/null 2>&1 && fail "bpfalg's program $id still loaded after down"
done
# and they still run: the client pings the gateway's inside address
before=$(fc tcx:gin:ingress "$CLIENT4" "$GW_IN4")
cx ping -q -c3 -i0.2 -W1 "$GW_IN4" >/dev/null || fail "ping of the gateway after down"
after=$(fc tcx:gin:ingress "$CLIENT4" "$GW_IN4")
[ $((after - before)) -ge 3 ] || fail "after down, the foreign tcx program on gin ingress counted $((after - before)) of 3 pings"
a2=$(fc clsact:gin:ingress "$CLIENT4" "$GW_IN4")
[ "$a2" -ge 3 ] || fail "after down, the foreign clsact filter on gin ingress counted $a2 pings"
log "down removed bpfalg's programs only; the foreign ones are attached and counting"

# ------------------------------------------------------------ clsact round
algctl up --inside gin --outside gout --masquerade --tc-mode clsact $GW_UP_ARGS >up2.out 2>&1 ||
	fail "up --tc-mode clsact next to foreign filters: $(cat up2.out)"
for dir in ingress egress; do
	f=$(gx tc filter show dev gin "$dir")
	echo "$f" | grep -q "tc_$dir" || fail "no bpfalg clsact filter on gin $dir: $f"
	echo "$f" | grep -q " id ${FID[clsact:gin:$dir]} " || fail "foreign filter on gin $dir gone after up: $f"
done
upload "clsact round"
check_counts "clsact round" 100 before
algctl down >down2.out 2>&1 || fail "algctl down (clsact): $(cat down2.out)"
for dir in ingress egress; do
	f=$(gx tc filter show dev gin "$dir")
	echo "$f" | grep -q "tc_$dir" && fail "bpfalg's clsact filter on gin $dir left after down: $f"
	echo "$f" | grep -q " id ${FID[clsact:gin:$dir]} " ||
		fail "down (clsact) removed the foreign filter on gin $dir: $f"
done
gx tc qdisc show dev gin | grep -q clsact || fail "down (clsact) removed the clsact qdisc the foreign filters hang on"
log "clsact round: shared qdisc, down removed bpfalg's filters only"

_foreign_cleanup
exit 0
