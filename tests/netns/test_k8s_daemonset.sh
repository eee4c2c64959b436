#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# The DaemonSet's container, without a cluster: deploy/k8s/entrypoint.sh
# runs on a Calico-style node (topo_setup_pods: pods on cali* veths, the
# cluster's pod CIDR 10.244.0.0/16, a default route out of gout) with
# exactly the capabilities daemonset.yaml grants (setpriv bounding set), the
# environment it sets (status.hostIP: an internal address 172.16.0.10 on the
# node's lo; the service account and the API server: a fake one on
# 127.0.0.1 that answers for the DaemonSet as the test says) and the
# ConfigMap's bpfalg.conf (inside-prefix pointed at this cluster's IPv4 and
# IPv6 pod CIDR, fail-open-after shortened to 4 s, outside left empty: the
# default route's device).  Then what the kubelet does:
#   * start: readiness (algctl status) and liveness pass; the resolved file
#     says outside = gout; bpfalg's hooks are on gout only; pods are NATed,
#     FTP PORT rewritten; /metrics answers on 172.16.0.10:9464 and the
#     daemon listens nowhere else (not on the public 192.0.2.1);
#   * 17 more pods (20 in all, more than the old 16-interface limit)
#     created while it runs: each NATed from its first packet, no rescan;
#   * restart / rolling update: the preStop hook asks the API, the
#     DaemonSet is there: the datapath stays; SIGTERM stops the controller
#     only, NAT keeps working, the next container takes the datapath over;
#   * the API does not answer: preStop keeps the datapath, SIGTERM; once
#     the heartbeat is older than fail-open-after, `status -j` says
#     fail_open and a pod's PORT reaches vsftpd unrewritten (500), i.e.
#     control packets pass instead of being dropped; a container takes it
#     back over;
#   * DaemonSet deletion (the API answers 404 NotFound): preStop runs
#     `algctl down`, which stops the controller (the container exits) and
#     leaves no program, map, link, pin or hook (lib.sh's teardown check,
#     run here).
# Kernel reference: skipped (nothing of the kernel's NAT is deployed this
# way).  The ConfigMap says xdp-mode off, so bpfalg-xdp would be the same
# run again.
# gateways: kernel bpfalg
# slow: 60 s or more; started first
K8S=$(cd "$(dirname "$0")/../../deploy/k8s" && pwd)
. "$(dirname "$0")/lib.sh"
test_init
[ "$GW_KIND" = bpfalg ] || skip "deploys algctl; the kernel reference has no container"
require_cmds setpriv curl vsftpd
[ -r "$K8S/entrypoint.sh" ] || fail "deploy/k8s/entrypoint.sh not found"

# What the manifest says: capabilities, env, probes, the preStop hook, the
# ConfigMap.
python3 - "$K8S" "$POD_CIDR4,$POD_CIDR6" >manifest.env <<'EOF' || fail "reading daemonset.yaml/configmap.yaml: $(cat manifest.env)"
import os, re, shlex, sys, yaml
d, cidrs = sys.argv[1], sys.argv[2]
ds = yaml.safe_load(open(os.path.join(d, "daemonset.yaml")))
cm = yaml.safe_load(open(os.path.join(d, "configmap.yaml")))
spec = ds["spec"]["template"]["spec"]
c = spec["containers"][0]
def out(k, v): print("%s=%s" % (k, shlex.quote(str(v))))
out("CAPS", ",".join("+" + x.lower() for x in c["securityContext"]["capabilities"]["add"]))
env = {e["name"]: e for e in c["env"]}
ma = env["BPFALG_METRICS_ADDR"]
if ma.get("valueFrom", {}).get("fieldRef", {}).get("fieldPath") == "status.hostIP":
    out("MAN_METRICS_ADDR", "hostIP")
elif ma.get("value") == "127.0.0.1":
    out("MAN_METRICS_ADDR", "127.0.0.1")
else:
    sys.exit("BPFALG_METRICS_ADDR is neither status.hostIP nor 127.0.0.1: %r" % ma)
out("MAN_PORT", env["BPFALG_METRICS_PORT"]["value"])
if [p["containerPort"] for p in c["ports"] if p["name"] == "metrics"] != [int(env["BPFALG_METRICS_PORT"]["value"])]:
    sys.exit("the metrics container port is not BPFALG_METRICS_PORT")
out("MAN_ON_STOP", env["BPFALG_ON_STOP"]["value"])
out("MAN_DS", env["BPFALG_DAEMONSET"]["value"])
if env["BPFALG_DAEMONSET"]["value"] != ds["metadata"]["name"]:
    sys.exit("BPFALG_DAEMONSET is not the DaemonSet's name")
if env["BPFALG_NAMESPACE"].get("valueFrom", {}).get("fieldRef", {}).get("fieldPath") != "metadata.namespace":
    sys.exit("BPFALG_NAMESPACE is not the pod's namespace (fieldRef)")
out("MAN_NS", ds["metadata"]["namespace"])
out("READY", " ".join(c["readinessProbe"]["exec"]["command"]))
out("PRESTOP", " ".join(c["lifecycle"]["preStop"]["exec"]["command"]))
out("GRACE", spec["terminationGracePeriodSeconds"])
conf = cm["data"]["bpfalg.conf"]
if re.search(r"(?m)^\s*inside\s*=", conf):
    sys.exit("the ConfigMap names inside interfaces")
if not re.search(r"(?m)^outside =\s*$", conf):
    sys.exit("the ConfigMap's outside is not empty (the default route's device)")
conf, n = re.subn(r"(?m)^inside-prefix = .*$", "inside-prefix = " + cidrs, conf)
if n != 1:
    sys.exit("no 'inside-prefix = ' line in the ConfigMap")
conf, n = re.subn(r"(?m)^fail-open-after = .*$", "fail-open-after = 4", conf)
if n != 1:
    sys.exit("no 'fail-open-after = ' line in the ConfigMap")
open("template.conf", "w").write(conf)
EOF
. ./manifest.env
log "capabilities $CAPS, metrics on $MAN_METRICS_ADDR:$MAN_PORT, readiness: $READY, preStop: $PRESTOP (on-stop $MAN_ON_STOP, grace ${GRACE}s)"
[ "$MAN_ON_STOP" = auto ] || fail "the manifest's BPFALG_ON_STOP is '$MAN_ON_STOP', expected auto"
[ "$GRACE" -ge 30 ] || fail "terminationGracePeriodSeconds $GRACE: too short for the preStop hook"
case $PRESTOP in */bpfalg-entrypoint\ prestop) ;; *) fail "preStop is '$PRESTOP'" ;; esac

topo_setup_pods 3
_ensure_bpffs
# the node's internal address (status.hostIP)
NODE_IP=172.16.0.10
[ "$MAN_METRICS_ADDR" = hostIP ] || NODE_IP=127.0.0.1
ip -n "$NS_G" addr add "$NODE_IP/32" dev lo 2>/dev/null
# the pod's /sys: a sysfs of the node's (here: the gateway's) namespace
mkdir -p gwsys && gx mount -t sysfs sysfs "$TMPD/gwsys" || fail "mount sysfs for the gateway namespace"
trap 'rc=$?; umount "$TMPD/gwsys" 2>/dev/null; (exit $rc); _on_exit' EXIT

# ---- the API server, as far as the preStop hook asks it: GET of this
# DaemonSet; api.state says present, deleting, gone or broken
mkdir -p sa
printf 'token-%s' "$ID" >sa/token
printf '%s' "$MAN_NS" >sa/namespace
: >sa/ca.crt
echo present >api.state
cat >fake_api.py <<'EOF'
import http.server, json, sys
state, token, log = sys.argv[1], sys.argv[2], sys.argv[3]
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        st = open(state).read().strip()
        auth = self.headers.get("Authorization", "")
        open(log, "a").write("%s %s %s\n" % (self.path, "token-ok" if auth == "Bearer " + open(token).read() else "bad-token", st))
        meta = {"name": self.path.rsplit("/", 1)[-1], "namespace": self.path.split("/")[5]}
        if auth != "Bearer " + open(token).read():
            code, body = 401, {"kind": "Status", "reason": "Unauthorized", "code": 401}
        elif st == "gone":
            code, body = 404, {"kind": "Status", "status": "Failure", "reason": "NotFound", "code": 404,
                               "details": {"name": meta["name"], "group": "apps", "kind": "daemonsets"}}
        elif st == "broken":
            code, body = 503, {"kind": "Status", "reason": "ServiceUnavailable", "code": 503}
        else:
            if st == "deleting":
                meta["deletionTimestamp"] = "2026-12-08T00:00:00Z"
            code, body = 200, {"kind": "DaemonSet", "apiVersion": "apps/v1", "metadata": meta}
        b = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(b)))
        self.end_headers()
        self.wfile.write(b)
    def log_message(self, *a):
        pass
http.server.HTTPServer(("127.0.0.1", 6443), H).serve_forever()
EOF
gx timeout 300 python3 fake_api.py "$TMPD/api.state" "$TMPD/sa/token" "$TMPD/api.log" 2>api.err &
bg_track $!
wait_listen gx 6443

# the pod runs in the node's network namespace with the manifest's caps
pod() {
	nsenter --net="/run/netns/$NS_G" setpriv --inh-caps=-all --ambient-caps=-all \
		--bounding-set=-all,"$CAPS" env BPFALG_TEMPLATE="$TMPD/template.conf" \
		BPFALG_CONFIG="$TMPD/run/bpfalg.conf" BPFALG_PIN_PATH="$PIN" \
		BPFALG_METRICS_ADDR="$NODE_IP" BPFALG_METRICS_PORT="$MAN_PORT" BPFALG_WAIT=5 \
		BPFALG_ON_STOP="$MAN_ON_STOP" BPFALG_DAEMONSET="$MAN_DS" BPFALG_NAMESPACE="$MAN_NS" \
		BPFALG_K8S_API=http://127.0.0.1:6443 BPFALG_SA_DIR="$TMPD/sa" \
		BPFALG_PRESTOP_LOG="$TMPD/container-log-prestop" BPFALG_SYS_NET="$TMPD/gwsys/class/net" ALGCTL="$ALGCTL" "$@"
}
N_CONTAINER=0
container_start() {
	N_CONTAINER=$((N_CONTAINER + 1))
	# nsenter itself, not through pod(): $! must be the container's
	# process (a backgrounded function is a subshell around it); the
	# entrypoint execs algctl, so this is the daemon's pid too
	nsenter --net="/run/netns/$NS_G" setpriv --inh-caps=-all --ambient-caps=-all \
		--bounding-set=-all,"$CAPS" env BPFALG_TEMPLATE="$TMPD/template.conf" \
		BPFALG_CONFIG="$TMPD/run/bpfalg.conf" BPFALG_PIN_PATH="$PIN" \
		BPFALG_METRICS_ADDR="$NODE_IP" BPFALG_METRICS_PORT="$MAN_PORT" BPFALG_WAIT=5 \
		BPFALG_SYS_NET="$TMPD/gwsys/class/net" ALGCTL="$ALGCTL" \
		sh "$K8S/entrypoint.sh" >>"container$N_CONTAINER.log" 2>&1 &
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
		kill -0 "$DAEMON_PID" 2>/dev/null || fail "$1: the container exited: $(tail -n 3 "container$N_CONTAINER.log" | tr '\n' ' ')"
		sleep 0.1
	done
	fail "$1: readiness probe failing: $(pod $cmd 2>&1 | head -n 2 | tr '\n' ' ')"
}
live() { pod sh "$K8S/entrypoint.sh" live; }
# prestop WHAT: the hook as the kubelet runs it, in the container
prestop() {
	log "preStop ($1, API: $(cat api.state))"
	pod sh "$K8S/entrypoint.sh" prestop >>prestop.log 2>&1 || fail "$1: the preStop hook exited $?: $(tail -n 2 prestop.log)"
	tail -n 1 prestop.log | sed 's/^/#   /'
}
# stop WHAT: the kubelet's SIGTERM after the hook; the container exits
stop() {
	kill -TERM "$DAEMON_PID" 2>/dev/null
	container_gone "$1"
}
container_gone() {
	local i
	for i in $(seq 100); do kill -0 "$DAEMON_PID" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$DAEMON_PID" 2>/dev/null && fail "$1: the container still runs after 10 s"
	wait "$DAEMON_PID" 2>/dev/null
	DAEMON_PID=""
}
attached() { algctl status -j 2>/dev/null | grep -Eq '"attached": *true'; }
nat_ok() {
	"${2:-cx}" ping -q -c1 -W2 "$SERVER4" >/dev/null 2>&1 ||
		fail "$1: a pod cannot reach the server (no route back: NAT missing)"
}
p20x() { ip netns exec "ba-p20-$ID" "$@"; }
status_ctl() {
	algctl status -j 2>/dev/null | python3 -c '
import json, sys
c = json.load(sys.stdin)["controller"]
print("running=%s fail_open=%s" % (c["running"], c.get("fail_open")))'
}
# ftp_port NSFUNC: a control connection from that pod, PORT naming its own
# address; prints vsftpd's answer code (200: rewritten by the ALG, 500:
# arrived unrewritten)
ftp_port() {
	$1 timeout 20 python3 -c '
import socket, sys
s = socket.create_connection((sys.argv[1], 21), timeout=8)
f = s.makefile("rb")
def reply():
    while True:
        l = f.readline().decode()
        if not l: sys.exit("closed")
        if l[:3].isdigit() and l[3:4] == " ": return l[:3]
reply()
s.sendall(b"USER anonymous\r\n")
if reply() == "331":
    s.sendall(b"PASS x@\r\n"); reply()
a = s.getsockname()[0].replace(".", ",")
s.sendall(("PORT %s,4,1\r\n" % a).encode())
print(reply())
s.sendall(b"QUIT\r\n")
' "$SERVER4"
}

cx ping -q -c1 -W1 "$SERVER4" >/dev/null 2>&1 && fail "the server answers without NAT (test setup broken)"
ftp_server_start sx "$SERVER4"

# ------------------------------------------------ first container
container_start
ready "first start"
_record_bpf_ids
live >live.out || fail "liveness probe failing: $(cat live.out)"
grep -qx 'outside = gout' run/bpfalg.conf && grep -qx "inside-prefix = $POD_CIDR4,$POD_CIDR6" run/bpfalg.conf ||
	fail "resolved config: $(grep -E '^(inside|outside)' run/bpfalg.conf | tr '\n' ' ')"
ifs=$(algctl status -j | python3 -c 'import json,sys; print(",".join(sorted(i["name"] for i in json.load(sys.stdin)["interfaces"])))')
[ "$ifs" = gout ] || fail "bpfalg's hooks are on '$ifs', expected the uplink gout only"
nat_ok "first start"
wait_reachable
[ "$(ftp_port cx)" = 200 ] || fail "first start: a pod's PORT was not rewritten"
m=$(gx timeout 5 curl -sS "http://$NODE_IP:$MAN_PORT/metrics" 2>&1) || fail "GET http://$NODE_IP:$MAN_PORT/metrics: $m"
printf '%s\n' "$m" | grep -q '^bpfalg_fail_open_total' || fail "/metrics has no bpfalg_fail_open_total: $(printf '%s' "$m" | head -c 200)"
lst=$(gx ss -ltnH "sport = :$MAN_PORT" | awk '{print $4}' | tr '\n' ' ')
[ "$lst" = "$NODE_IP:$MAN_PORT " ] || fail "metrics listen on '$lst', expected $NODE_IP:$MAN_PORT only"
sx timeout 3 curl -sS "http://$GW_OUT4:$MAN_PORT/metrics" >/dev/null 2>&1 &&
	fail "/metrics answers on the public address $GW_OUT4"
log "ready, live, hooks on gout only, NATed, PORT rewritten, /metrics on $NODE_IP:$MAN_PORT only"

# ------------------------------------------------ pods created while it runs
for i in $(seq 4 20); do
	pod_add "$i"
	ip netns exec "$POD_NS" ping -q -c1 -W2 "$SERVER4" >/dev/null 2>&1 ||
		fail "pod $i (cali$i), created while bpfalg runs: not NATed at once"
done
[ "$(ftp_port cx)" = 200 ] || fail "20 pods: PORT not rewritten"
ready "20 pods"
log "17 more pods (20 in all): each NATed from its first packet"

# ------------------------------------------------ restart / rolling update
prestop "rolling update"
grep -q 'the datapath stays for the next pod' prestop.log || fail "rolling update: the hook did not see the DaemonSet: $(tail -n 2 prestop.log)"
attached || fail "rolling update: the preStop hook detached the datapath"
stop "rolling update"
attached || fail "SIGTERM detached the datapath"
live >/dev/null 2>&1 && fail "liveness passes with no controller"
nat_ok "between two containers" p20x
container_start
ready "the next container"
# the daemon says ", datapath attached" only when it attached it itself
grep -q 'controller running' "container$N_CONTAINER.log" && ! grep -q 'datapath attached' "container$N_CONTAINER.log" ||
	fail "the next container did not take the pinned datapath over: $(tail -n 3 "container$N_CONTAINER.log" | tr '\n' ' ')"
nat_ok "the next container"
[ "$(ftp_port cx)" = 200 ] || fail "the next container: PORT not rewritten"
log "rolling update: the hook kept the datapath, the next container took it over"

# ------------------------------------------------ orphaned: fail-open
echo broken >api.state
prestop "API unreachable"
grep -q 'cannot tell' prestop.log || fail "API broken: $(tail -n 2 prestop.log)"
attached || fail "API broken: the preStop hook detached the datapath"
stop "API broken"
t0=$(date +%s)
for i in $(seq 100); do
	status_ctl | grep -q 'fail_open=True' && break
	sleep 0.1
done
status_ctl | grep -q 'fail_open=True' || fail "no controller for 10 s with fail-open-after 4: $(status_ctl)"
log "fail-open $(($(date +%s) - t0)) s after the controller went: $(status_ctl)"
r=$(ftp_port cx)
[ "$r" = 500 ] || fail "orphaned datapath past fail-open-after: PORT answered '$r', expected vsftpd's 500 (passed unrewritten)"
nat_ok "orphaned datapath"
log "orphaned datapath: control packets pass unmodified (PORT reached vsftpd as sent)"
echo present >api.state
container_start
ready "a container after the orphaned time"
[ "$(ftp_port cx)" = 200 ] || fail "back: PORT not rewritten"
status_ctl | grep -q 'fail_open=False' || fail "controller back: $(status_ctl)"

# ------------------------------------------------ DaemonSet deleted
echo gone >api.state
prestop "DaemonSet deleted"
grep -q 'DaemonSet deleted' prestop.log || fail "deletion: $(tail -n 2 prestop.log)"
container_gone "deletion: algctl down stops the controller"
grep -q "^/apis/apps/v1/namespaces/$MAN_NS/daemonsets/$MAN_DS token-ok gone" api.log ||
	fail "the hook's request: $(tail -n 1 api.log)"
left=$(gw_leftovers)
[ -z "$left" ] || fail "DaemonSet deleted, the preStop hook left:$left"
cx ping -q -c1 -W1 "$SERVER4" >/dev/null 2>&1 && fail "DaemonSet deleted, pods still NATed"
log "DaemonSet deleted: the preStop hook ran algctl down, nothing left"
exit 0
