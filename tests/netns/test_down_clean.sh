#!/bin/bash
# `algctl down` leaves no programs, links, maps or pins behind (bpfalg
# only).  After traffic (so flows exist) and with the daemon stopped, `down`
# runs; every BPF object ID recorded after `up` must be gone, no XDP or tc
# program may remain on the gateway's interfaces and the pin directory must
# be gone.  Also: a second `up` is harmless (same programs).  `down` a second time says so and exits 0; then a fresh `up`
# works again on the same interfaces, and so does `daemon` alone.
# slow: 30 s or more; started first
. "$(dirname "$0")/lib.sh"
test_init
[ "$GW_KIND" = bpfalg ] || skip "bpfalg only: the kernel reference has no BPF objects to remove"
topo_setup3
gw_setup
wait_reachable
cx ping -q -c 2 -i 0.2 -W 1 "$SERVER4" >/dev/null || fail "ping through the gateway"

# `up` is idempotent: a second one with the same options succeeds, attaches
# nothing twice and keeps the state (same maps and links; the programs may
# be replaced through the links, but the old ones must then be freed, not
# leaked).  The same options include the fast-path mode: `up` describes
# the attachments in full, and without --xdp-fast on a veth gets no XDP
# program.
ids1=$(_bpf_ids_now)
flows_has "$CLIENT4" "$GW_OUT4" "$SERVER4" || fail "no ICMP flow listed after the ping"
algctl up --inside gin --outside gout --masquerade ${XDP_FAST:+--xdp-fast $XDP_FAST} $GW_UP_ARGS >up1b.out 2>&1 ||
	fail "second algctl up failed (rc=$?): $(head -c 300 up1b.out)"
ids2=$(_bpf_ids_now)
p1=$(sed -n 1p <<<"$ids1") p2=$(sed -n 1p <<<"$ids2")
[ "$(wc -w <<<"$p1")" = "$(wc -w <<<"$p2")" ] ||
	fail "second up changed the number of attached programs: [$p1] -> [$p2]"
[ "$(sed -n 2p <<<"$ids1")" = "$(sed -n 2p <<<"$ids2")" ] ||
	fail "second up changed the maps: [$(sed -n 2p <<<"$ids1")] -> [$(sed -n 2p <<<"$ids2")]"
[ "$(sed -n 3p <<<"$ids1")" = "$(sed -n 3p <<<"$ids2")" ] ||
	fail "second up changed the links: [$(sed -n 3p <<<"$ids1")] -> [$(sed -n 3p <<<"$ids2")]"
flows_has "$CLIENT4" "$GW_OUT4" "$SERVER4" || fail "second up lost the flow table"
for id in $p1; do
	case " $p2 " in *" $id "*) continue ;; esac
	for i in $(seq 30); do bpftool prog show id "$id" >/dev/null 2>&1 || break; sleep 0.1; done
	bpftool prog show id "$id" >/dev/null 2>&1 && fail "second up replaced program $id but it is still loaded (leak)"
done
log "second up: programs [$p1] -> [$p2], maps and links unchanged, flows kept"
_record_bpf_ids
cx ping -q -c 2 -i 0.2 -W 1 "$SERVER4" >/dev/null || fail "ping after the second up"

daemon_stop TERM || fail "daemon ignored SIGTERM for 5 s"
algctl status >/dev/null 2>&1 && fail "algctl status exits 0 after the daemon stopped"
algctl down >down1.out 2>&1 || fail "algctl down failed (rc=$?): $(head -c 300 down1.out)"
_GW_UP=""
left=$(gw_leftovers)
[ -z "$left" ] || fail "after algctl down:$left"
log "down removed every program, map, link and pin"

algctl down >down2.out 2>&1 || fail "second algctl down exit $? (must be 0)"
[ -s down2.out ] || fail "second algctl down printed nothing (should say nothing is up)"
log "second down: $(head -n1 down2.out)"

# The interfaces are reusable: up again (teardown checks that one too).
algctl up --inside gin --outside gout --masquerade >up2.out 2>&1 ||
	fail "algctl up after down failed: $(head -c 300 up2.out)"
_GW_UP=1
_record_bpf_ids
cx ping -q -c 2 -i 0.2 -W 1 "$SERVER4" >/dev/null || fail "ping after down + up"

# `daemon` alone brings the datapath up when nothing is attached.
algctl down >down3.out 2>&1 || fail "third algctl down failed: $(head -c 300 down3.out)"
_GW_UP=""
left=$(gw_leftovers)
[ -z "$left" ] || fail "after the third algctl down:$left"
_GW_UP=1
daemon_start
_record_bpf_ids
cx ping -q -c 2 -i 0.2 -W 1 "$SERVER4" >/dev/null || fail "ping with the datapath brought up by algctl daemon alone"
log "algctl daemon alone (nothing attached) brought the datapath up"
exit 0
