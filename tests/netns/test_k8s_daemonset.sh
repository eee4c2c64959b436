#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# The DaemonSet's container, without a cluster: deploy/k8s/entrypoint.sh
# runs in the gateway namespace (a hostNetwork pod sees the node's
# namespace and bpffs the same way) with exactly the capabilities
# daemonset.yaml grants (setpriv bounding set), the environment it sets,
# and the ConfigMap's bpfalg.conf with its interface patterns pointed at
# this topology (inside `gi*`, outside `go*`).  Then what the kubelet
# does: the readiness probe (algctl status) and liveness probe
# (entrypoint live) pass, NATed traffic flows, /metrics answers on the
# manifest's port; a new interface matching the pattern (a pod's veth) is
# attached by the rescan and detached once it is deleted; SIGTERM (pod
# deletion, rolling update) stops the controller only, the datapath keeps
# translating, and a new container takes it over.
# Kernel reference: skipped (nothing of the kernel's NAT is deployed this
# way).  The ConfigMap says xdp-mode off, so bpfalg-xdp would be the same
# run again.
# gateways: kernel bpfalg
K8S=$(cd "$(dirname "$0")/../../deploy/k8s" && pwd)
# slow: 30 s or more; started first
. "$(dirname "$0")/lib.sh"
test_init
[ "$GW_KIND" = bpfalg ] || skip "deploys algctl; the kernel reference has no container"
require_cmds setpriv curl
[ -r "$K8S/entrypoint.sh" ] || fail "deploy/k8s/entrypoint.sh not found"

# What the manifest says: capabilities, env, metrics port, the ConfigMap.
python3 - "$K8S" >manifest.env <<'EOF' || fail "reading daemonset.yaml/configmap.yaml"
import os, re, shlex, sys, yaml
d = sys.argv[1]
ds = yaml.safe_load(open(os.path.join(d, "daemonset.yaml")))
cm = yaml.safe_load(open(os.path.join(d, "configmap.yaml")))
c = ds["spec"]["template"]["spec"]["containers"][0]
caps = c["securityContext"]["capabilities"]["add"]
print("CAPS=%s" % shlex.quote(",".join("+" + x.lower() for x in caps)))
env = {e["name"]: e.get("value") for e in c["env"]}
print("MAN_METRICS=%s" % shlex.quote(env["BPFALG_METRICS"]))
print("MAN_PORT=%s" % [p["containerPort"] for p in c["ports"] if p["name"] == "metrics"][0])
print("READY=%s" % shlex.quote(" ".join(c["readinessProbe"]["exec"]["command"])))
conf = cm["data"]["bpfalg.conf"]
conf = re.sub(r"(?m)^inside = .*$", "inside = gi*", conf)
conf = re.sub(r"(?m)^outside = .*$", "outside = go*", conf)
open("template.conf", "w").write(conf)
EOF
. ./manifest.env
log "capabilities $CAPS, metrics $MAN_METRICS, readiness: $READY"
grep -qx 'inside = gi\*' template.conf && grep -qx 'outside = go\*' template.conf ||
	fail "the ConfigMap's bpfalg.conf has no 'inside = '/'outside = ' lines to point at the test"

topo_setup3
_ensure_bpffs
# the pod's /sys: a sysfs of the node's (here: the gateway's) namespace
mkdir -p gwsys && gx mount -t sysfs sysfs "$TMPD/gwsys" || fail "mount sysfs for the gateway namespace"
trap 'rc=$?; umount "$TMPD/gwsys" 2>/dev/null; (exit $rc); _on_exit' EXIT

# the pod runs in the node's network namespace with the manifest's caps
pod() {
	nsenter --net="/run/netns/$NS_G" setpriv --inh-caps=-all --ambient-caps=-all \
		--bounding-set=-all,"$CAPS" "$@"
}
# the manifest's metrics address on the gateway's loopback: one port per
# network namespace, so parallel tests do not collide
METRICS=127.0.0.1:$MAN_PORT
container_start() {
	# nsenter itself, not through pod(): $! must be the container's
	# process (a backgrounded function is a subshell around it)
	nsenter --net="/run/netns/$NS_G" setpriv --inh-caps=-all --ambient-caps=-all \
		--bounding-set=-all,"$CAPS" env BPFALG_TEMPLATE="$TMPD/template.conf" BPFALG_CONFIG="$TMPD/run/bpfalg.conf" \
		BPFALG_PIN_PATH="$PIN" BPFALG_METRICS="$METRICS" BPFALG_RESCAN=1 BPFALG_WAIT=5 \
		BPFALG_SYS_NET="$TMPD/gwsys/class/net" ALGCTL="$ALGCTL" \
		sh "$K8S/entrypoint.sh" >>"container$1.log" 2>&1 &
	DAEMON_PID=$!
	_GW_UP=1
}
# ready WHAT: the readiness probe as the kubelet runs it (the manifest's
# command, algctl on PATH meaning our build), within 20 s
ready() {
	local i cmd=${READY/algctl/$ALGCTL}
	cmd=${cmd//\/sys\/fs\/bpf\/bpfalg/$PIN}
	for i in $(seq 200); do
		# shellcheck disable=SC2086 # the probe's words
		pod $cmd >/dev/null 2>&1 && return 0
		kill -0 "$DAEMON_PID" 2>/dev/null || fail "$1: the container exited: $(tail -n 3 container*.log | tr '\n' ' ')"
		sleep 0.1
	done
	fail "$1: readiness probe failing: $(pod $cmd 2>&1 | head -n 2 | tr '\n' ' ')"
}
live() {
	pod env BPFALG_PIN_PATH="$PIN" ALGCTL="$ALGCTL" sh "$K8S/entrypoint.sh" live
}
inside_now() {
	algctl status -j 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(",".join(sorted(i["name"] for i in d.get("interfaces", []) if i.get("role") == "inside")))'
}
nat_ok() {
	cx ping -q -c1 -W2 "$SERVER4" >/dev/null 2>&1 ||
		fail "$1: the client cannot reach the server (no route back: NAT missing)"
}

cx ping -q -c1 -W1 "$SERVER4" >/dev/null 2>&1 && fail "the server answers without NAT (test setup broken)"
container_start 1
ready "first start"
_record_bpf_ids
live >live.out || fail "liveness probe failing: $(cat live.out)"
grep -qx 'inside = gin' run/bpfalg.conf && grep -qx 'outside = gout' run/bpfalg.conf ||
	fail "resolved config: $(grep -E '^(inside|outside)' run/bpfalg.conf | tr '\n' ' ')"
nat_ok "first start"
wait_reachable
make_file blob 1
sx timeout 20 socat -u TCP-LISTEN:5001,reuseaddr OPEN:blob.rcv,creat,trunc &
srv=$!
bg_track $srv
wait_listen sx 5001
cx timeout 20 socat -u OPEN:blob TCP:"$SERVER4":5001 || fail "TCP through the container's gateway"
wait $srv
[ "$(sha blob)" = "$(sha blob.rcv)" ] || fail "upload corrupted"
m=$(gx timeout 5 curl -sS "http://$METRICS/metrics" 2>&1) || fail "GET http://$METRICS/metrics: $m"
printf '%s\n' "$m" | grep -q '^bpfalg_' || fail "/metrics has no bpfalg_ samples: $(printf '%s' "$m" | head -c 200)"
log "ready, live, NATed, /metrics answers ($(printf '%s\n' "$m" | grep -c '^bpfalg_') samples)"

# a pod's interface appears: the rescan attaches it, ready again
ip -n "$NS_G" link add gin2 type veth peer name pod2 || fail "veth gin2"
ip -n "$NS_G" link set gin2 up
ip -n "$NS_G" link set pod2 up
for i in $(seq 100); do
	[ "$(inside_now)" = "gin,gin2" ] && break
	sleep 0.1
done
[ "$(inside_now)" = "gin,gin2" ] || fail "gin2 (matches gi*) not attached by the rescan: inside '$(inside_now)'"
ready "after gin2 appeared"
ip -n "$NS_G" link del gin2
for i in $(seq 100); do
	[ "$(inside_now)" = "gin" ] && break
	sleep 0.1
done
[ "$(inside_now)" = "gin" ] || fail "gin2 deleted, but inside is '$(inside_now)'"
ready "after gin2 went"
grep -q 'interfaces changed: inside gin,gin2' container1.log && grep -q 'interfaces changed: inside gin,' container1.log ||
	fail "the container did not log the changes: $(tail -n 4 container1.log | tr '\n' ' ')"
log "rescan: gin2 attached when it appeared, detached when it went"

# pod deletion / rolling update: SIGTERM stops the controller only
kill -TERM "$DAEMON_PID"
for i in $(seq 100); do kill -0 "$DAEMON_PID" 2>/dev/null || break; sleep 0.1; done
kill -0 "$DAEMON_PID" 2>/dev/null && fail "the container ignored SIGTERM for 10 s"
wait "$DAEMON_PID" 2>/dev/null
st=$(algctl status -j 2>/dev/null)
printf '%s' "$st" | grep -Eq '"attached": *true' || fail "SIGTERM detached the datapath: $st"
live >/dev/null 2>&1 && fail "liveness passes with no controller"
nat_ok "between two containers"
container_start 2
ready "the next container"
# the daemon says ", datapath attached" only when it attached it itself
grep -q 'controller running' container2.log && ! grep -q 'datapath attached' container2.log ||
	fail "the next container did not take the pinned datapath over: $(tail -n 3 container2.log | tr '\n' ' ')"
nat_ok "the next container"
log "SIGTERM kept the datapath; the next container took it over"
exit 0
