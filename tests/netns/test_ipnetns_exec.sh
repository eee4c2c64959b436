#!/bin/bash
# algctl run through `ip netns exec` (a fresh mount namespace with its own
# /sys, where the bpffs holding the pins is not visible): it must still find
# the pins, and an `up` from there must not leave a datapath that vanishes
# with the command.  bpfalg only.
# gateways: kernel bpfalg (not bpfalg-xdp: algctl under ip netns exec; the XDP fast path adds nothing here)
. "$(dirname "$0")/lib.sh"
test_init
[ "$GW_KIND" = bpfalg ] || skip "algctl behaviour; the kernel reference has no pins"
topo_setup3
gw_setup
wait_reachable

ipx() { ip netns exec "$NS_G" "$ALGCTL" --pin-path "$PIN" "$@"; }

ipx status >status.out 2>&1 || fail "status through ip netns exec: $(tail -n2 status.out)"
log "status through ip netns exec: $(head -n1 status.out)"
ipx up --inside gin --outside gout --masquerade ${XDP_FAST:+--xdp-fast "$XDP_FAST"} \
	>up.out 2>&1 || fail "up through ip netns exec: $(cat up.out)"
grep -q "already up" up.out || fail "second up did not see the first: $(cat up.out)"
# the command has exited: the datapath must still be there
cx ping -q -c2 -W1 "$SERVER4" >/dev/null || fail "no ping after up through ip netns exec"
ipx flows -j | python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(0 if d["flows"] else 1)' ||
	fail "flows through ip netns exec: none listed"
exit 0
