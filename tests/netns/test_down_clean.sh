#!/bin/bash
# `algctl down` leaves no programs, links, maps or pins behind (bpfalg
# only).  After traffic (so flows exist) and with the daemon stopped, `down`
# runs; every BPF object ID recorded after `up` must be gone, no XDP or tc
# program may remain on the gateway's interfaces and the pin directory must
# be gone.  Also: a second `up` is harmless (same programs).  `down` a second time says so and exits 0; then a fresh `up`
# works again on the same interfaces.
. "$(dirname "$0")/lib.sh"
test_init
[ "$GW" = bpfalg ] || skip "bpfalg only: the kernel reference has no BPF objects to remove"
topo_setup3
gw_setup
wait_reachable
cx ping -q -c 2 -i 0.2 -W 1 "$SERVER4" >/dev/null || fail "ping through the gateway"

# `up` is idempotent: a second one succeeds and attaches nothing twice.
before=$(_bpf_ids_now | head -n1)
algctl up --inside gin --outside gout --masquerade >up1b.out 2>&1 ||
	fail "second algctl up failed (rc=$?): $(head -c 300 up1b.out)"
after=$(_bpf_ids_now | head -n1)
[ "$before" = "$after" ] ||
	fail "second algctl up changed the attached programs: [$before] -> [$after]"
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
exit 0
