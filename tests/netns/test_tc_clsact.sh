#!/bin/bash
# `--tc-mode clsact`: the TC programs attached as clsact filters through
# netlink (what algctl falls back to on kernels without tcx) forward NAT
# traffic like the tcx links do, status reports them, and `algctl down`
# removes exactly those filters.  bpfalg only.
# gateways: kernel bpfalg (not bpfalg-xdp: the clsact attach mode; XDP is covered by the other XDP scenarios)
. "$(dirname "$0")/lib.sh"
test_init
[ "$GW_KIND" = bpfalg ] || skip "algctl attach mode; the kernel reference has no TC programs"
topo_setup3
gw_setup
wait_reachable

daemon_stop TERM
algctl down >/dev/null || fail "down after the tcx setup"
algctl up --inside gin --outside gout --masquerade --tc-mode clsact \
	${XDP_FAST:+--xdp-fast "$XDP_FAST"} >up.out 2>&1 || fail "up --tc-mode clsact: $(cat up.out)"
for dev in gin gout; do
	for dir in ingress egress; do
		gx tc filter show dev "$dev" "$dir" | grep -q "tc_$dir" ||
			fail "no clsact $dir filter on $dev: $(gx tc filter show dev $dev $dir)"
	done
done
algctl status -j >status.json 2>/dev/null # no controller: exit 1 expected
python3 - status.json <<'PY' || fail "status does not report clsact: $(cat status.json)"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["attached"], d
for i in d["interfaces"]:
    assert i["tc_ingress"] == "clsact" and i["tc_egress"] == "clsact", i
PY

make_file blob 2
sx timeout 20 socat -u TCP-LISTEN:5001,reuseaddr OPEN:blob.rcv,creat,trunc 2>srv.err &
srv=$!
bg_track $srv
wait_listen sx 5001
cx timeout 20 socat -u OPEN:blob TCP:"$SERVER4":5001 || fail "upload through clsact"
wait $srv
[ "$(sha blob)" = "$(sha blob.rcv)" ] || fail "upload corrupted"
flows_has "$CLIENT4" "$SERVER4" 5001 || fail "flow not in algctl flows"

# a migration that fails after the first interface's filters were
# replaced (BPFALG_TEST_FAIL_MIGRATION, a loader test hook) puts the old
# programs back on them: migrate.c must find loader.c's filters
filter_prog() { gx tc filter show dev "$1" ingress | sed -n 's/.* id \([0-9]*\).*/\1/p' | head -n1; }
before=$(filter_prog gin)
[ -n "$before" ] || fail "no clsact filter program on gin"
if BPFALG_TEST_FAIL_MIGRATION=1 algctl up --inside gin --outside gout --masquerade \
	--tc-mode clsact --flows 131072 >mig.out 2>&1; then
	fail "a failed migration exited 0: $(tr '\n' ' ' <mig.out)"
fi
grep -q "the running datapath is unchanged" mig.out || fail "failed migration: $(tr '\n' ' ' <mig.out)"
[ "$(filter_prog gin)" = "$before" ] ||
	fail "after a failed migration gin's clsact filter runs program $(filter_prog gin), not the old $before"
cx ping -q -c 1 -W 1 "$SERVER4" >/dev/null || fail "ping after the failed migration"
log "a failed migration put the old clsact programs back"

algctl down >/dev/null || fail "down in clsact mode"
for dev in gin gout; do
	for dir in ingress egress; do
		gx tc filter show dev "$dev" "$dir" | grep -q "tc_" &&
			fail "clsact filter left on $dev $dir after down"
	done
done
log "clsact filters attached, forwarded, reported and removed"
exit 0
