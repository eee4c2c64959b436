#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# algctl doctor: two ALG layers on the same traffic, and other programs on
# the gateway's interfaces.
#
# kernel: the reference gateway has no bpfalg, only nftables with the
#   kernel's conntrack helpers.  `doctor --iface gin,gout` must report each
#   helper rule of that ruleset (ftp tcp/21, sip udp+tcp/5060, tftp udp/69,
#   with table and chain) as information and exit 0: the kernel-helper
#   detection proven on the real reference setup.
# bpfalg: a healthy gateway has no problem (exit 0).  An nft `ct helper set`
#   ftp rule for port 21 while the FTP ALG is on is a problem (exit 1) whose
#   action names the rule's exact delete command; with the ALG off the same
#   rule is information (exit 0); after running that delete command the
#   rule is no longer reported and doctor exits 0 again.
# both: a foreign TC classifier (tc_pass.bpf.o, clsact) on gin ingress is
#   listed with its position in the chain (bpfalg: after bpfalg's tcx one).
# GW=bpfalg runs with --xdp-mode off, so that a foreign XDP program
#   (xdp_pass.bpf.o) can go on gin: it runs before bpfalg's TC programs and
#   must be a warning (bpfalg-xdp keeps its own XDP program, and skips this).
# The host's settings (issue 16): kernel: the reference's masquerade on
#   gout is information naming its delete command, forwarding and the
#   kernel ok.  bpfalg: kernel ok (BTF, tcx); ip_forward 0 is a problem,
#   strict rp_filter on gin with a policy routing rule (asymmetric) a
#   warning, strict on gout fine, an nft masquerade on gout a double-NAT
#   warning; each action's command, run, makes its finding go (ok again).
# gateways: kernel bpfalg
. "$(dirname "$0")/lib.sh"

TC_PASS_OBJ=${TC_PASS_OBJ:-$BUILD/tc_pass.bpf.o}
case $TC_PASS_OBJ in /*) ;; *) TC_PASS_OBJ=$PWD/$TC_PASS_OBJ ;; esac

# shellcheck disable=SC2034 # read by lib.sh's gw_setup
[ "$GW" = bpfalg ] && GW_UP_ARGS="--xdp-mode off"
test_init
[ -r "$TC_PASS_OBJ" ] || fail "no $TC_PASS_OBJ (make all builds it)"
topo_setup3
gw_setup
wait_reachable

# doctor_run [ARGS]: algctl doctor -j ARGS; DOC_RC, DOC_JSON (checked to
# be {"findings":[{check,severity,finding,action}...]}).
doctor_run() {
	DOC_JSON=$(algctl doctor -j "$@" 2>"$TMPD/doctor.err")
	DOC_RC=$?
	printf '%s' "$DOC_JSON" | python3 -c '
import json, sys
try: d = json.load(sys.stdin)
except ValueError as e: sys.exit("not JSON: %s" % e)
f = d.get("findings") if isinstance(d, dict) else None
if not isinstance(f, list) or not f: sys.exit("no findings list")
for x in f:
    if sorted(x) != ["action", "check", "finding", "severity"] or \
       x["severity"] not in ("ok", "info", "warn", "problem") or \
       not all(isinstance(v, str) and v for v in x.values()):
        sys.exit("bad finding %s" % json.dumps(x))
' || fail "algctl doctor -j $* (exit $DOC_RC): $(printf '%s' "$DOC_JSON" | head -c 400) $(head -c 200 "$TMPD/doctor.err")"
}

# finding CHECK SEVERITY TEXT...: print the action of the first finding of
# CHECK with SEVERITY whose text holds every TEXT; exit 1 when none.
finding() {
	printf '%s' "$DOC_JSON" | python3 -c '
import json, sys
check, sev, want = sys.argv[1], sys.argv[2], sys.argv[3:]
for x in json.load(sys.stdin)["findings"]:
    if x["check"] == check and x["severity"] == sev and all(w in x["finding"] for w in want):
        print(x["action"]); sys.exit(0)
sys.exit(1)' "$@"
}

# problems: the problem findings, one line each (for failure reasons).
problems() {
	printf '%s' "$DOC_JSON" | python3 -c '
import json, sys
print("; ".join("%s: %s" % (x["check"], x["finding"]) for x in json.load(sys.stdin)["findings"]
                if x["severity"] == "problem")[:600])'
}

# A foreign classifier that hands every packet on, first in the clsact
# chain of gin ingress.
gx tc qdisc add dev gin clsact || fail "clsact on gin"
gx tc filter add dev gin ingress pref 49000 bpf da obj "$TC_PASS_OBJ" sec tc ||
	fail "tc filter add dev gin ingress bpf obj $TC_PASS_OBJ"
wait_reachable

case $GW_KIND in
kernel)
	doctor_run --iface gin,gout
	[ "$DOC_RC" -eq 0 ] || fail "doctor on the kernel gateway: exit $DOC_RC, expected 0 ($(problems))"
	finding attach info "not attached" >/dev/null || fail "no 'bpfalg is not attached' finding"
	for want in "ftp helper to tcp port 21" "sip helper to udp port 5060" \
		"sip helper to tcp port 5060" "tftp helper to udp port 69"; do
		a=$(finding kernel_helpers info "table inet bpfalg_ref, chain pre_helpers (prerouting)" "$want") ||
			fail "doctor does not report the reference's '$want' rule: $(printf '%s' "$DOC_JSON" | head -c 800)"
	done
	case $a in *"nft delete rule inet bpfalg_ref pre_helpers handle "*) ;;
	*) fail "action for the tftp rule names no delete command: $a" ;; esac
	log "kernel helpers reported: ftp/21, sip/5060 udp+tcp, tftp/69"
	finding programs info "gin ingress runs 1. clsact bpf tc_pass" "pref 49000" >/dev/null ||
		fail "foreign classifier on gin ingress not listed first: $(printf '%s' "$DOC_JSON" | grep -o '"gin ingress[^"]*"')"
	a=$(finding nat info "nftables table inet bpfalg_ref" "does masquerade" 'oifname "gout"') ||
		fail "the reference's masquerade not reported: $(printf '%s' "$DOC_JSON" | grep -o '"nat"[^}]*' | head -3)"
	case $a in *"nft delete rule inet bpfalg_ref "*" handle "*) ;;
	*) fail "masquerade action names no delete command: $a" ;; esac
	finding forwarding ok "net.ipv4.ip_forward = 1" >/dev/null || fail "no ok ip_forward finding"
	finding kernel ok "BTF" >/dev/null || fail "no ok kernel finding"
	log "kernel's masquerade reported (information), forwarding and kernel ok"
	;;
bpfalg)
	algctl alg ftp on >/dev/null || fail "algctl alg ftp on (rc=$?)"
	doctor_run
	[ "$DOC_RC" -eq 0 ] || fail "doctor on a healthy bpfalg gateway: exit $DOC_RC, expected 0 ($(problems))"
	finding controller ok "controller running" >/dev/null || fail "no 'controller running' finding"
	finding attach ok "gin: inside, tc ingress tcx, tc egress tcx" >/dev/null ||
		fail "no ok attach finding for gin: $(printf '%s' "$DOC_JSON" | head -c 600)"
	finding programs info "gin ingress runs 1. tcx tc_ingress (id" ", bpfalg), 2. clsact bpf tc_pass" \
		"bpfalg's is first" >/dev/null ||
		fail "gin ingress order not reported as bpfalg first, tc_pass second: $(printf '%s' "$DOC_JSON" | grep -o '"gin ingress[^"]*"')"
	log "gin ingress: bpfalg's tcx program first, tc_pass second"

	gx nft -f - <<-'EOF' || fail "nft ct helper rule"
	table inet doctor_t {
		ct helper ftp-std { type "ftp" protocol tcp; }
		chain pre {
			type filter hook prerouting priority filter; policy accept;
			tcp dport 21 ct helper set "ftp-std"
		}
	}
	EOF
	handle=$(gx nft -a list chain inet doctor_t pre | sed -nE 's/.*ct helper set "ftp-std" # handle ([0-9]+)$/\1/p')
	[ -n "$handle" ] || fail "no handle for the nft rule"
	doctor_run
	[ "$DOC_RC" -eq 1 ] || fail "doctor with a kernel ftp helper on port 21 and the FTP ALG on: exit $DOC_RC, expected 1"
	a=$(finding kernel_helpers problem "table inet doctor_t, chain pre" "ftp helper to tcp port 21" \
		"bpfalg's ftp ALG is on for port 21") ||
		fail "conflict not reported as a problem: $(printf '%s' "$DOC_JSON" | head -c 900)"
	want="remove the nft rule (nft delete rule inet doctor_t pre handle $handle) or set algctl alg ftp off"
	[ "$a" = "$want" ] || fail "action: '$a', expected '$want'"
	log "conflict: problem, action: $a"
	out=$(algctl doctor 2>&1)
	rc=$?
	[ $rc -eq 1 ] || fail "text mode: exit $rc, expected 1"
	printf '%s\n' "$out" | grep -qE '^problem +kernel_helpers +nftables table inet doctor_t' ||
		fail "text mode: no problem line: $(printf '%s' "$out" | head -c 500)"

	algctl alg ftp off >/dev/null || fail "algctl alg ftp off"
	doctor_run
	[ "$DOC_RC" -eq 0 ] || fail "FTP ALG off: exit $DOC_RC, expected 0 ($(problems))"
	finding kernel_helpers info "table inet doctor_t, chain pre" "bpfalg's ftp ALG is off" >/dev/null ||
		fail "with the FTP ALG off the rule is not reported as information"
	algctl alg ftp on >/dev/null || fail "algctl alg ftp on"

	# do what the action said
	cmd=${want#remove the nft rule (}
	cmd=${cmd%%)*}
	gx $cmd || fail "the suggested '$cmd' failed"
	doctor_run
	[ "$DOC_RC" -eq 0 ] || fail "after '$cmd': exit $DOC_RC, expected 0 ($(problems))"
	! finding kernel_helpers problem "ftp helper" >/dev/null &&
		! finding kernel_helpers info "ftp helper to tcp port 21" >/dev/null ||
		fail "after '$cmd' the rule is still reported"
	log "after '$cmd': no conflict, exit 0"

	# the host's settings: each action's command, as printed, fixes it
	finding kernel ok "BTF, tcx" >/dev/null || fail "no ok kernel finding (BTF, tcx)"
	run_action() { # ACTION: its command (up to " (" or the end), run
		local c=${1%% (*}
		gx $c >/dev/null || fail "the suggested '$c' failed"
		log "ran: $c"
	}
	gx sysctl -qw net.ipv4.ip_forward=0
	doctor_run
	[ "$DOC_RC" -eq 1 ] || fail "ip_forward 0: exit $DOC_RC, expected 1"
	a=$(finding forwarding problem "net.ipv4.ip_forward = 0") ||
		fail "ip_forward 0 not a problem: $(problems)"
	case $a in "sysctl -w net.ipv4.ip_forward=1 "*) ;; *) fail "ip_forward action: $a" ;; esac
	run_action "$a"
	gx sysctl -qw net.ipv4.conf.gin.rp_filter=1 net.ipv4.conf.gout.rp_filter=1
	gx ip rule add from 10.0.1.99 table 100 priority 1000
	doctor_run
	[ "$DOC_RC" -eq 0 ] || fail "strict rp_filter: exit $DOC_RC, expected 0 ($(problems))"
	finding forwarding ok "net.ipv4.ip_forward = 1" >/dev/null || fail "ip_forward still reported after the fix"
	finding rp_filter ok "gout (outside): rp_filter strict" >/dev/null ||
		fail "strict rp_filter on the outside not ok: $(printf '%s' "$DOC_JSON" | grep -o '"gout (outside)[^"]*"')"
	a=$(finding rp_filter warn "gin (inside): strict rp_filter" "policy routing rule 1000") ||
		fail "strict rp_filter on gin with a policy rule not a warning: $(printf '%s' "$DOC_JSON" | grep -o '"gin (inside)[^"]*"')"
	[ "${a%% (*}" = "sysctl -w net.ipv4.conf.gin.rp_filter=2" ] || fail "rp_filter action: $a"
	run_action "$a"
	gx ip rule del priority 1000
	gx nft -f - <<-'EOF' || fail "nft masquerade rule"
	table ip doctor_nat {
		chain post {
			type nat hook postrouting priority srcnat; policy accept;
			oifname "gout" masquerade
		}
	}
	EOF
	doctor_run
	[ "$DOC_RC" -eq 0 ] || fail "masquerade on gout: exit $DOC_RC, expected 0 ($(problems))"
	finding rp_filter ok "gin (inside): rp_filter loose" >/dev/null || fail "rp_filter still reported after the fix"
	a=$(finding nat warn "nftables table ip doctor_nat, chain post does masquerade on gout" "double NAT") ||
		fail "masquerade on gout not a double-NAT warning: $(printf '%s' "$DOC_JSON" | grep -o '"nat"[^}]*' | head -3)"
	case $a in "nft delete rule ip doctor_nat post handle "*) ;; *) fail "masquerade action: $a" ;; esac
	run_action "$a"
	doctor_run
	finding nat ok "no masquerade or snat rules" >/dev/null || fail "masquerade still reported after '$a'"
	gx nft delete table ip doctor_nat
	log "forwarding, rp_filter (policy rule) and double NAT: reported, fixed by their actions"

	if [ "$GW" = bpfalg ]; then
		gx ip link set dev gin xdpgeneric obj "$XDP_PASS_OBJ" sec xdp ||
			fail "attach xdp_pass on gin"
		doctor_run
		[ "$DOC_RC" -eq 0 ] || fail "a foreign XDP program: exit $DOC_RC, expected 0 (a warning) ($(problems))"
		a=$(finding programs warn "gin: XDP runs xdp_pass id" "(generic), not bpfalg's" \
			"before bpfalg's TC programs") ||
			fail "foreign XDP program on gin not a warning: $(printf '%s' "$DOC_JSON" | grep -o '"gin: XDP[^"]*"')"
		case $a in *"bpftool prog show id "*"ip link set dev gin xdp off"*) ;;
		*) fail "action for the foreign XDP program: $a" ;; esac
		log "foreign XDP program on gin: warning"
		gx ip link set dev gin xdpgeneric off || fail "detach xdp_pass from gin"
	fi
	;;
esac
gx tc qdisc del dev gin clsact || fail "removing the test's clsact qdisc"
exit 0
