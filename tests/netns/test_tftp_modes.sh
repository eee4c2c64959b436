#!/bin/bash
# TFTP ALG modes switched live.  The same 200 KiB get, checked by sha256:
#   bpfalg: `algctl alg tftp off` -> it fails (the answer from the server's
#   new port is unsolicited) and nothing is counted; `observe` -> it fails,
#   tftp_dp_observed rises and no pinhole opens; `on` -> it works.
#   kernel: the reference for the part it has: without the tftp helper rule
#   the get fails, with it the get works (no observe mode there).
# A failing get is cut off after 3 s (tftp-hpa retransmits after 5 s).
# gateways: kernel bpfalg
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tftp_lib.sh"
test_init
topo_setup3
gw_setup
wait_reachable

tftp_file m.bin 204800
tftp_server_start sx "$SERVER4"

must_fail() { # WHAT
	if tftp_get cx "$SERVER4" m.bin 3; then
		fail "$1: the get worked, so the server's answer was let in"
	fi
	log "$1: get failed as expected ($TFTP_WHY)"
}

if [ "$GW_KIND" = kernel ]; then
	h=$(gx nft -a list chain inet bpfalg_ref pre_helpers |
		sed -nE 's/.*udp dport 69 ct helper set "tftp-std".*# handle ([0-9]+)$/\1/p')
	[ -n "$h" ] || fail "no tftp helper rule in the kernel reference ruleset"
	gx nft delete rule inet bpfalg_ref pre_helpers handle "$h" || fail "nft delete rule"
	must_fail "kernel without the tftp helper"
	gx nft add rule inet bpfalg_ref pre_helpers udp dport 69 ct helper set '"tftp-std"' ||
		fail "nft add rule (tftp helper)"
	tftp_get cx "$SERVER4" m.bin || fail "kernel with the tftp helper: $TFTP_WHY"
	log "kernel with the tftp helper: get ok"
	exit 0
fi

mode() {
	algctl alg tftp "$1" >"alg-$1.out" 2>&1 || fail "algctl alg tftp $1: exit $? ($(head -c 200 "alg-$1.out"))"
	log "algctl alg tftp $1: $(algctl alg 2>&1 | grep tftp | tr -s ' ')"
}

mode off
s0=$(tftp_stats)
must_fail "tftp off"
s1=$(tftp_stats)
for c in tftp_dp_observed tftp_dp_pinholes_opened tftp_bad_requests tftp_pinhole_hits; do
	[ "$(tftp_delta $c "$s0" "$s1")" -eq 0 ] || fail "tftp off: $c moved ($s0 -> $s1)"
done

mode observe
must_fail "tftp observe"
s2=$(tftp_stats)
[ "$(tftp_delta tftp_dp_observed "$s1" "$s2")" -ge 1 ] ||
	fail "tftp observe: tftp_dp_observed did not rise ($s1 -> $s2)"
for c in tftp_dp_pinholes_opened tftp_pinhole_hits tftp_bad_requests; do
	[ "$(tftp_delta $c "$s1" "$s2")" -eq 0 ] || fail "tftp observe: $c moved ($s1 -> $s2)"
done
log "tftp observe: $s2"

mode on
tftp_get cx "$SERVER4" m.bin || fail "tftp on: $TFTP_WHY"
s3=$(tftp_stats)
[ "$(tftp_delta tftp_dp_pinholes_opened "$s2" "$s3")" -ge 1 ] &&
	[ "$(tftp_delta tftp_pinhole_hits "$s2" "$s3")" -ge 1 ] ||
	fail "tftp on: the get worked but no pinhole was counted ($s2 -> $s3)"
[ "$(tftp_delta tftp_dp_observed "$s2" "$s3")" -eq 0 ] || fail "tftp on: tftp_dp_observed moved ($s2 -> $s3)"
log "tftp on: get ok, $s3"
exit 0
