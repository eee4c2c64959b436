#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Checks of deploy/k8s (a `make check` suite, no cluster needed).

yamllint over the manifests with deploy/k8s/.yamllint; then what a
DaemonSet for bpfalg must say (hostNetwork, the host mounts, probes on
algctl, capabilities, the metrics port on the node's internal address,
the preStop hook and its grace period, spc_t, a versioned image) and that
the files agree with one another (ConfigMap names and keys, the entrypoint
path the Containerfile installs, the pin path, the metrics port, the
service account and its Role on this DaemonSet only, the PodMonitor); the
ConfigMap's bpfalg.conf is in prefix mode and uses only keys algctl knows;
shellcheck on the scripts; the entrypoint's resolution of `outside`
against a fake /sys/class/net and route table, and its preStop decision
against a fake API server and a stub algctl.  Prints one line per case
and closes with "N passed, N failed".
"""
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading

import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
K8S = os.path.join(ROOT, "deploy", "k8s")
ALGCTL = os.environ.get("ALGCTL", os.path.join(ROOT, "build", "algctl"))
if not os.path.isabs(ALGCTL):
    ALGCTL = os.path.join(ROOT, ALGCTL)

passed = failed = 0


def report(name, problems):
    global passed, failed
    if problems:
        failed += 1
        print("FAIL %s: %s" % (name, "; ".join(problems)))
    else:
        passed += 1
        print("PASS %s" % name)


def load(name):
    with open(os.path.join(K8S, name)) as f:
        return yaml.safe_load(f)


def load_all(name):
    with open(os.path.join(K8S, name)) as f:
        return [d for d in yaml.safe_load_all(f) if d]


def algctl_version():
    """The release's version: `algctl --version`, else ALGCTL_VERSION."""
    if os.access(ALGCTL, os.X_OK):
        r = subprocess.run([ALGCTL, "--version"], capture_output=True, text=True)
        m = re.match(r"algctl (\S+)", r.stdout)
        if m:
            return m.group(1)
    with open(os.path.join(ROOT, "user", "algctl.c")) as f:
        m = re.search(r'#define ALGCTL_VERSION "([^"]+)"', f.read())
    return m.group(1) if m else None


def lint():
    files = sorted(f for f in os.listdir(K8S) if f.endswith(".yaml"))
    r = subprocess.run(["yamllint", "-f", "parsable", "-c", os.path.join(K8S, ".yamllint")]
                       + [os.path.join(K8S, f) for f in files],
                       capture_output=True, text=True)
    out = (r.stdout + r.stderr).strip()
    report("yamllint %s" % " ".join(files),
           [] if r.returncode == 0 and not out else [out.replace(ROOT + "/", "")[:600]])


def get(o, path, default=None):
    for p in path.split("."):
        if not isinstance(o, dict) or p not in o:
            return default
        o = o[p]
    return o


def check_daemonset(ds, cm, ns, containerfile):
    p = []
    if ds.get("apiVersion") != "apps/v1" or ds.get("kind") != "DaemonSet":
        p.append("not an apps/v1 DaemonSet")
    namespace = get(ds, "metadata.namespace")
    if namespace != get(ns, "metadata.name"):
        p.append("namespace %r is not the one namespace.yaml creates" % namespace)
    if get(cm, "metadata.namespace") != namespace:
        p.append("the ConfigMap is in namespace %r, the DaemonSet in %r"
                 % (get(cm, "metadata.namespace"), namespace))
    sel = get(ds, "spec.selector.matchLabels", {})
    labels = get(ds, "spec.template.metadata.labels", {})
    if not sel or any(labels.get(k) != v for k, v in sel.items()):
        p.append("selector %r does not match the pod labels %r" % (sel, labels))
    if get(ds, "spec.updateStrategy.type") != "RollingUpdate":
        p.append("updateStrategy is not RollingUpdate")
    spec = get(ds, "spec.template.spec", {})
    if spec.get("hostNetwork") is not True:
        p.append("hostNetwork is not true (algctl must see the node's interfaces)")
    if spec.get("hostNetwork") and spec.get("dnsPolicy") != "ClusterFirstWithHostNet":
        p.append("hostNetwork without dnsPolicy ClusterFirstWithHostNet")
    # every node: a toleration without key and operator Exists tolerates all
    if not any(t.get("operator") == "Exists" and not t.get("key") and not t.get("effect")
               for t in spec.get("tolerations", [])):
        p.append("no toleration of every taint (operator: Exists without key/effect)")
    cs = [c for c in spec.get("containers", []) if c.get("name") == "bpfalg"]
    if len(cs) != 1:
        p.append("no container named bpfalg")
        return p
    c = cs[0]
    env = {e["name"]: e for e in c.get("env", [])}
    pin = get(env.get("BPFALG_PIN_PATH", {}), "value", "/sys/fs/bpf/bpfalg")
    if not pin.startswith("/sys/fs/bpf/"):
        p.append("BPFALG_PIN_PATH %r is not under the mounted /sys/fs/bpf" % pin)

    # the entrypoint the Containerfile installs
    m = re.search(r"^COPY deploy/k8s/entrypoint\.sh (\S+)$", containerfile, re.M)
    ep = m.group(1) if m else None
    if not ep:
        p.append("Containerfile does not install deploy/k8s/entrypoint.sh")
    elif c.get("command") != [ep]:
        p.append("command %r is not the entrypoint the Containerfile installs (%s)"
                 % (c.get("command"), ep))

    # probes: readiness is `algctl status` on the same pins
    rp = get(c, "readinessProbe.exec.command")
    if not rp or os.path.basename(rp[0]) != "algctl" or "status" not in rp:
        p.append("readinessProbe is not an exec of algctl status: %r" % rp)
    elif "--pin-path" in rp and rp[rp.index("--pin-path") + 1] != pin:
        p.append("readinessProbe pin path %r, daemon's %r" % (rp[rp.index("--pin-path") + 1], pin))
    for probe in ("livenessProbe", "startupProbe"):
        cmd = get(c, probe + ".exec.command")
        if not cmd:
            p.append("no %s exec command" % probe)
        elif cmd[0] != ep or cmd[1:] != ["live"]:
            p.append("%s %r is not '%s live'" % (probe, cmd, ep))

    # metrics: on the node's internal address (status.hostIP) or loopback,
    # never every address (hostNetwork: the public uplink's too); the port
    # is a container port named metrics and the scrape annotation's
    if "BPFALG_METRICS" in env:
        p.append("BPFALG_METRICS is gone: BPFALG_METRICS_ADDR and BPFALG_METRICS_PORT")
    maddr = env.get("BPFALG_METRICS_ADDR", {})
    if not (get(maddr, "valueFrom.fieldRef.fieldPath") == "status.hostIP"
            or maddr.get("value") in ("127.0.0.1", "::1")):
        p.append("BPFALG_METRICS_ADDR %r is neither status.hostIP nor loopback" % maddr)
    mport = str(get(env.get("BPFALG_METRICS_PORT", {}), "value", ""))
    ports = {str(x.get("containerPort")): x for x in c.get("ports", [])}
    if mport != "9464":
        p.append("BPFALG_METRICS_PORT %r is not 9464" % mport)
    if mport not in ports or ports[mport].get("name") != "metrics":
        p.append("metrics port %s is not a container port named metrics" % mport)
    ann = get(ds, "spec.template.metadata.annotations", {})
    if ann.get("prometheus.io/port") != mport:
        p.append("prometheus.io/port %r, metrics on %r" % (ann.get("prometheus.io/port"), mport))
    if "BPFALG_RESCAN" in env:
        p.append("BPFALG_RESCAN: prefix mode has nothing to rescan")

    # the image: a release's version, never latest
    image = c.get("image", "")
    tag = image.rsplit(":", 1)[1] if ":" in image.rsplit("/", 1)[-1] else ""
    ver = algctl_version()
    if tag in ("", "latest") or tag != ver:
        p.append("image %r: tag it with the release's version (%s)" % (image, ver))
    if c.get("imagePullPolicy") != "IfNotPresent":
        p.append("imagePullPolicy %r, expected IfNotPresent with a versioned tag"
                 % c.get("imagePullPolicy"))

    # the preStop hook: down on deletion only; time for it
    pre = get(c, "lifecycle.preStop.exec.command")
    if not pre or pre[0] != ep or pre[1:] != ["prestop"]:
        p.append("preStop %r is not '%s prestop'" % (pre, ep))
    if (spec.get("terminationGracePeriodSeconds") or 30) < 30:
        p.append("terminationGracePeriodSeconds %r: the preStop hook needs 30 s or more"
                 % spec.get("terminationGracePeriodSeconds"))
    on_stop = get(env.get("BPFALG_ON_STOP", {}), "value", "auto")
    if on_stop not in ("auto", "keep", "down"):
        p.append("BPFALG_ON_STOP %r is not auto, keep or down" % on_stop)
    if on_stop == "auto":
        if get(env.get("BPFALG_DAEMONSET", {}), "value") != get(ds, "metadata.name"):
            p.append("BPFALG_DAEMONSET %r is not this DaemonSet (%r): the hook would ask for another"
                     % (get(env.get("BPFALG_DAEMONSET", {}), "value"), get(ds, "metadata.name")))
        if get(env.get("BPFALG_NAMESPACE", {}), "valueFrom.fieldRef.fieldPath") != "metadata.namespace":
            p.append("BPFALG_NAMESPACE is not the pod's namespace (fieldRef metadata.namespace)")
        if spec.get("automountServiceAccountToken") is False:
            p.append("BPFALG_ON_STOP auto without a service account token")

    res = c.get("resources", {})
    if not get(res, "requests.cpu") or not get(res, "requests.memory"):
        p.append("no cpu and memory requests")

    sc = c.get("securityContext", {})
    caps = set(get(sc, "capabilities.add", []) or [])
    if sc.get("privileged"):
        pass  # allowed, if the manifest says why (deploy/README.md)
    else:
        for need in ("BPF", "PERFMON", "NET_ADMIN", "NET_RAW"):
            if need not in caps:
                p.append("capability %s missing (algctl needs it, deploy/README.md)" % need)
        if "SYS_ADMIN" in caps:
            p.append("SYS_ADMIN added although the entrypoint requires a mounted bpffs")
        if "ALL" not in (get(sc, "capabilities.drop", []) or []):
            p.append("capabilities not dropped to the added ones (drop: [ALL])")
    if get(sc, "seLinuxOptions.type") != "spc_t":
        p.append("seLinuxOptions.type %r, expected spc_t (bpf(2) on the node's pins)"
                 % get(sc, "seLinuxOptions.type"))

    # host mounts
    vols = {v["name"]: v for v in spec.get("volumes", [])}
    mounts = {m["mountPath"]: m for m in c.get("volumeMounts", [])}

    def host_mount(path, ro):
        m = mounts.get(path)
        if not m:
            p.append("no mount at %s" % path)
            return None
        hp = get(vols.get(m["name"], {}), "hostPath.path")
        if hp != path:
            p.append("%s is not the host's %s (hostPath %r)" % (path, path, hp))
        if ro and not m.get("readOnly"):
            p.append("%s not read-only" % path)
        return m

    bpf = host_mount("/sys/fs/bpf", False)
    if bpf and bpf.get("mountPropagation") == "Bidirectional" and not sc.get("privileged"):
        p.append("Bidirectional mount propagation needs a privileged container")
    host_mount("/sys/kernel/btf", True)

    # the ConfigMap: volume and env references exist
    cmname = get(cm, "metadata.name")
    data = cm.get("data", {})
    tmpl = get(env.get("BPFALG_TEMPLATE", {}), "value", "/etc/bpfalg/k8s/bpfalg.conf")
    tm = mounts.get(os.path.dirname(tmpl))
    tv = vols.get(tm["name"], {}) if tm else {}
    if get(tv, "configMap.name") != cmname:
        p.append("%s is not a mount of ConfigMap %s" % (os.path.dirname(tmpl), cmname))
    else:
        items = {i["path"]: i["key"] for i in get(tv, "configMap.items", [])}
        key = items.get(os.path.basename(tmpl), os.path.basename(tmpl))
        if key not in data:
            p.append("ConfigMap %s has no key %s for %s" % (cmname, key, tmpl))
    for e in env.values():
        ref = get(e, "valueFrom.configMapKeyRef")
        if ref and (ref.get("name") != cmname or ref.get("key") not in data):
            p.append("env %s refers to %s/%s, which does not exist" % (e["name"], ref.get("name"), ref.get("key")))
    cfg = get(env.get("BPFALG_CONFIG", {}), "value", "/run/bpfalg/bpfalg.conf")
    if sc.get("readOnlyRootFilesystem") and not any(cfg.startswith(mp + "/") for mp in mounts):
        p.append("read-only root but %s is on no writable mount" % cfg)
    return p


def check_rbac(ds, rbac):
    """The pod's service account may get its own DaemonSet, nothing else."""
    p = []
    ns = get(ds, "metadata.namespace")
    sa = get(ds, "spec.template.spec.serviceAccountName")
    by_kind = {}
    for d in rbac:
        by_kind.setdefault(d.get("kind"), []).append(d)
        if get(d, "metadata.namespace") != ns:
            p.append("%s %s is in namespace %r, not %r" % (d.get("kind"), get(d, "metadata.name"),
                                                         get(d, "metadata.namespace"), ns))
    if not sa or sa not in [get(d, "metadata.name") for d in by_kind.get("ServiceAccount", [])]:
        p.append("serviceAccountName %r is not a ServiceAccount of rbac.yaml" % sa)
    roles = {get(d, "metadata.name"): d for d in by_kind.get("Role", [])}
    if by_kind.get("ClusterRole") or by_kind.get("ClusterRoleBinding"):
        p.append("cluster-wide RBAC: the hook needs one namespaced object")
    bound = False
    for b in by_kind.get("RoleBinding", []):
        subj = [(s.get("kind"), s.get("name")) for s in b.get("subjects", [])]
        role = roles.get(get(b, "roleRef.name"))
        if ("ServiceAccount", sa) in subj and role:
            bound = True
            rules = role.get("rules", [])
            want = [{"apiGroups": ["apps"], "resources": ["daemonsets"],
                     "resourceNames": [get(ds, "metadata.name")], "verbs": ["get"]}]
            if rules != want:
                p.append("Role %s grants %r, expected exactly %r" % (get(role, "metadata.name"), rules, want))
    if not bound:
        p.append("no RoleBinding of %r to a Role of rbac.yaml" % sa)
    return p


def check_podmonitor(pm, ds):
    p = []
    if pm.get("apiVersion") != "monitoring.coreos.com/v1" or pm.get("kind") != "PodMonitor":
        p.append("not a monitoring.coreos.com/v1 PodMonitor")
    if get(pm, "metadata.namespace") != get(ds, "metadata.namespace"):
        p.append("namespace %r, the DaemonSet's is %r" % (get(pm, "metadata.namespace"),
                                                        get(ds, "metadata.namespace")))
    labels = get(ds, "spec.template.metadata.labels", {})
    sel = get(pm, "spec.selector.matchLabels", {})
    if not sel or any(labels.get(k) != v for k, v in sel.items()):
        p.append("selector %r does not match the pods %r" % (sel, labels))
    names = [x.get("name") for c in get(ds, "spec.template.spec.containers", [])
             for x in c.get("ports", [])]
    eps = get(pm, "spec.podMetricsEndpoints", [])
    if not eps or any(e.get("port") not in names or e.get("path", "/metrics") != "/metrics" for e in eps):
        p.append("podMetricsEndpoints %r: a named container port (%r), path /metrics" % (eps, names))
    return p


def algctl_options():
    """Long options of up/daemon from `algctl help` (the config keys)."""
    r = subprocess.run([ALGCTL, "help"], capture_output=True, text=True)
    return set(re.findall(r"^\s+--([a-z][a-z0-9-]*)", r.stdout + r.stderr, re.M))


def check_conf(cm):
    p = []
    text = cm.get("data", {}).get("bpfalg.conf", "")
    opts = algctl_options()
    if not opts:
        return ["algctl help lists no options (%s)" % ALGCTL]
    section = None
    for n, line in enumerate(text.splitlines(), 1):
        s = re.sub(r"(^|\s)#.*", "", line).strip()
        if not s:
            continue
        m = re.fullmatch(r"\[(\w+)\]", s)
        if m:
            section = m.group(1)
            continue
        m = re.fullmatch(r"([a-z0-9-]+)\s*=\s*(.*)", s)
        if not m:
            p.append("line %d: not 'key = value': %r" % (n, line))
            continue
        key = m.group(1) if section is None else "%s-%s" % (section, m.group(1))
        if key not in opts:
            p.append("line %d: key %r is no algctl option" % (n, key))
    for k in ("inside-prefix", "outside"):
        if not re.search(r"^\s*%s\s*=" % k, text, re.M):
            p.append("no %s key" % k)
    if re.search(r"^\s*inside\s*=", text, re.M):
        p.append("an inside key: the DaemonSet runs in prefix mode (inside-prefix)")
    return p


def check_containerfile(cf):
    p = []
    froms = re.findall(r"^FROM\s+(\S+)(?:\s+AS\s+(\S+))?", cf, re.M)
    base = re.search(r"^ARG DEBIAN_IMAGE=(\S+)", cf, re.M)
    if len(froms) != 2:
        p.append("expected two stages (build, runtime), got %d" % len(froms))
    if not base or not re.fullmatch(r"debian:(12|bookworm)(-slim)?", base.group(1)):
        p.append("base image is not Debian 12: %r" % (base and base.group(1)))
    for img, _ in froms:
        if img != "${DEBIAN_IMAGE}":
            p.append("stage FROM %s is not the Debian base" % img)
    if "make OUTPUT=" not in cf:
        p.append("the build stage does not run make")
    runtime = cf.split("\nFROM ")[-1]
    for tool in ("gcc", "clang", "make ", "build-packages", "libbpf-dev"):
        if tool in runtime:
            p.append("runtime stage mentions %r (build tools belong in the build stage)" % tool.strip())
    if "runtime-packages" not in runtime:
        p.append("runtime stage does not install the derived runtime-packages")
    if "COPY --from=build /out/algctl /usr/local/sbin/algctl" not in runtime:
        p.append("runtime stage does not copy algctl from the build stage to /usr/local/sbin")
    for p_ in re.findall(r"apt-get install[^\n]*", cf):
        if "--no-install-recommends" not in p_:
            p.append("apt-get install without --no-install-recommends")
    # the build packages are Debian's and installed here (the same release)
    for pkg in open(os.path.join(K8S, "build-packages")).read().split("\n"):
        pkg = pkg.split("#")[0].strip()
        if pkg:
            r = subprocess.run(["dpkg-query", "-W", "-f=${Status}", pkg], capture_output=True, text=True)
            if "ok installed" not in r.stdout:
                p.append("build package %s is not installed on this Debian 12 host" % pkg)
    return p


def shellcheck(path):
    r = subprocess.run(["shellcheck", "-s", "sh", path], capture_output=True, text=True)
    return [] if r.returncode == 0 else [(r.stdout + r.stderr).strip()[:600]]


ROUTE_HDR = "Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\tMTU\tWindow\tIRTT\n"


def route(dev, metric, dest="00000000", mask="00000000"):
    return "%s\t%s\t0102A8C0\t0003\t0\t0\t%d\t%s\t0\t0\t0\n" % (dev, dest, metric, mask)


def entrypoint_cases():
    """The entrypoint's resolve against fake interface lists and routes."""
    ep = os.path.join(K8S, "entrypoint.sh")
    d = tempfile.mkdtemp(prefix="bpfalg-k8s-")
    try:
        def run(ifaces, conf, routes="", routes6="", wait="0"):
            net = os.path.join(d, "net")
            pnet = os.path.join(d, "pnet")
            for x in (net, pnet):
                shutil.rmtree(x, ignore_errors=True)
                os.makedirs(x)
            for i in ifaces:
                os.makedirs(os.path.join(net, i))
            with open(os.path.join(pnet, "route"), "w") as f:
                f.write(ROUTE_HDR + routes)
            with open(os.path.join(pnet, "ipv6_route"), "w") as f:
                f.write(routes6)
            with open(os.path.join(d, "t.conf"), "w") as f:
                f.write(conf)
            env = dict(os.environ, BPFALG_TEMPLATE=os.path.join(d, "t.conf"),
                       BPFALG_SYS_NET=net, BPFALG_PROC_NET=pnet, BPFALG_WAIT=wait)
            r = subprocess.run(["sh", ep, "resolve"], capture_output=True, text=True, env=env)
            return r.returncode, r.stdout, r.stderr.strip()

        conf = ("# c\ninside-prefix = 10.244.0.0/16 # pods\noutside = eth* # uplink\n"
                "masquerade = yes\n[ftp]\noutside = x\n")
        rc, out, err = run(["lo", "eth0", "cali1", "cali2", "tunl0"], conf)
        want = "# c\ninside-prefix = 10.244.0.0/16 # pods\noutside = eth0\nmasquerade = yes\n[ftp]\noutside = x\n"
        report("entrypoint: an outside pattern resolved line for line, sections untouched",
               [] if rc == 0 and out == want else ["rc %d, got %r (%s)" % (rc, out, err)])

        rc, out, err = run(["eth0", "eth1", "cali1"], "inside-prefix = 10.0.0.0/8\noutside = eth*\n")
        report("entrypoint: an outside pattern matching two interfaces is refused",
               [] if rc == 1 and "matches several interfaces (eth0,eth1)" in err and err.count("\n") == 0
               else ["rc %d: %r" % (rc, err)])

        rc, out, err = run(["eth0"], "inside-prefix = 10.0.0.0/8\noutside = ens*\n")
        report("entrypoint: an outside pattern matching nothing is refused after the wait",
               [] if rc == 1 and "outside pattern 'ens*' matches no interface" in err
               else ["rc %d: %r" % (rc, err)])

        routes = route("ens5", 100) + route("eth0", 0, "0000000A", "000000FF") + route("ens4", 50)
        rc, out, err = run(["ens4", "ens5", "eth0"], "inside-prefix = 10.0.0.0/8\noutside =\n", routes)
        report("entrypoint: an empty outside is the default route's device (lowest metric)",
               [] if rc == 0 and out == "inside-prefix = 10.0.0.0/8\noutside = ens4\n"
               else ["rc %d, got %r (%s)" % (rc, out, err)])

        r6 = ("00000000000000000000000000000000 00 00000000000000000000000000000000 00 "
              "00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo\n"
              "00000000000000000000000000000000 00 00000000000000000000000000000000 00 "
              "fd000000000000000000000000000001 00000400 00000003 00000000 00000003     ens6\n")
        rc, out, err = run(["ens6"], "inside-prefix = fd00:10::/56\noutside =\n", "", r6)
        report("entrypoint: an empty outside on an IPv6-only node: the IPv6 default route's device",
               [] if rc == 0 and out == "inside-prefix = fd00:10::/56\noutside = ens6\n"
               else ["rc %d, got %r (%s)" % (rc, out, err)])

        rc, out, err = run(["eth0"], "inside-prefix = 10.0.0.0/8\noutside =\n", route("eth0", 0, "0000000A", "000000FF"))
        report("entrypoint: an empty outside without a default route is refused after the wait",
               [] if rc == 1 and "no default route" in err else ["rc %d: %r" % (rc, err)])

        rc, out, err = run(["eth0", "cali1"], "inside = cali*\ninside-prefix = 10.0.0.0/8\noutside = eth0\n")
        report("entrypoint: inside interfaces are refused, naming inside-prefix",
               [] if rc == 1 and "inside-prefix" in err and err.count("\n") == 0
               else ["rc %d: %r" % (rc, err)])

        rc, out, err = run(["eth0"], "outside = eth0\n")
        report("entrypoint: a template without inside-prefix is refused",
               [] if rc == 1 and "no 'inside-prefix = " in err else ["rc %d: %r" % (rc, err)])

        cm = load("configmap.yaml")
        cali = ["cali%05x" % i for i in range(40)]
        rc, out, err = run(["lo", "eth0", "ens3", "vxlan.calico"] + cali, cm["data"]["bpfalg.conf"],
                           route("ens3", 0) + route("eth0", 0, "0001A8C0", "00FFFFFF"))
        report("entrypoint: the shipped ConfigMap resolves on a Calico node with 40 pods",
               [] if rc == 0 and "\noutside = ens3\n" in out and "\ninside-prefix = " in out
               else ["rc %d: %r" % (rc, err)])
    finally:
        shutil.rmtree(d, ignore_errors=True)


class FakeAPI(http.server.BaseHTTPRequestHandler):
    """GET of a DaemonSet, answered as FakeAPI.answer says."""
    answer = (200, {})
    seen = []

    def do_GET(self):
        FakeAPI.seen.append((self.path, self.headers.get("Authorization", "")))
        code, body = FakeAPI.answer
        b = json.dumps(body).encode() if isinstance(body, dict) else body.encode()
        self.send_response(code)
        self.send_header("Content-Length", str(len(b)))
        self.end_headers()
        self.wfile.write(b)

    def log_message(self, *a):
        pass


def prestop_cases():
    """The preStop decision: algctl down (a stub) only on deletion."""
    ep = os.path.join(K8S, "entrypoint.sh")
    d = tempfile.mkdtemp(prefix="bpfalg-k8s-")
    srv = http.server.HTTPServer(("127.0.0.1", 0), FakeAPI)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        sa = os.path.join(d, "sa")
        os.makedirs(sa)
        for n, v in (("token", "tok"), ("namespace", "bpfalg"), ("ca.crt", "")):
            with open(os.path.join(sa, n), "w") as f:
                f.write(v)
        stub = os.path.join(d, "algctl")
        calls = os.path.join(d, "calls")
        with open(stub, "w") as f:
            f.write('#!/bin/sh\necho "$*" >>"%s"\necho "bpfalg is down"\n' % calls)
        os.chmod(stub, 0o755)
        ds_path = "/apis/apps/v1/namespaces/bpfalg/daemonsets/bpfalg"
        notfound = {"kind": "Status", "status": "Failure", "reason": "NotFound", "code": 404}

        def case(name, answer, want_down, on_stop="auto", sa_dir=sa, extra=None):
            FakeAPI.answer, FakeAPI.seen = answer, []
            if os.path.exists(calls):
                os.unlink(calls)
            env = dict(os.environ, ALGCTL=stub, BPFALG_ON_STOP=on_stop, BPFALG_SA_DIR=sa_dir,
                       BPFALG_K8S_API="http://127.0.0.1:%d" % srv.server_port,
                       BPFALG_CONFIG=os.path.join(d, "run", "bpfalg.conf"), BPFALG_PIN_PATH="/x/bpfalg",
                       BPFALG_PRESTOP_LOG=os.path.join(d, "log"), BPFALG_DAEMONSET="bpfalg")
            env.pop("BPFALG_NAMESPACE", None)
            env.update(extra or {})
            r = subprocess.run(["sh", ep, "prestop"], capture_output=True, text=True, env=env, timeout=30)
            down = os.path.exists(calls) and open(calls).read() == "--pin-path /x/bpfalg down\n"
            p = []
            if r.returncode != 0:
                p.append("exit %d: %s" % (r.returncode, r.stderr.strip()))
            if down != want_down:
                p.append("algctl down %s: %s" % ("run" if down else "not run", r.stderr.strip()))
            if on_stop == "auto" and sa_dir == sa and FakeAPI.seen != [(ds_path, "Bearer tok")]:
                p.append("requests %r, expected one GET of %s with the token" % (FakeAPI.seen, ds_path))
            report("entrypoint prestop: " + name, p)

        case("DaemonSet gone (404 NotFound): down", (404, notfound), True)
        case("DaemonSet marked for deletion (foreground): down",
             (200, {"kind": "DaemonSet", "metadata": {"name": "bpfalg", "deletionTimestamp": "2026-01-01T00:00:00Z"}}),
             True)
        case("DaemonSet there (restart, rolling update): kept",
             (200, {"kind": "DaemonSet", "metadata": {"name": "bpfalg"}}), False)
        case("API unavailable (503): kept", (503, {"kind": "Status", "code": 503}), False)
        case("a 404 that is no NotFound (wrong path, proxy): kept", (404, "404 page not found"), False)
        case("forbidden (403, RBAC missing): kept", (403, {"kind": "Status", "reason": "Forbidden"}), False)
        case("BPFALG_ON_STOP=keep with the DaemonSet gone: kept", (404, notfound), False, on_stop="keep")
        case("BPFALG_ON_STOP=down: down without asking", (200, {}), True, on_stop="down")
        case("no service account token: kept", (404, notfound), False, sa_dir=os.path.join(d, "none"))
    finally:
        srv.shutdown()
        shutil.rmtree(d, ignore_errors=True)


def main():
    for tool in ("yamllint", "shellcheck"):
        if not shutil.which(tool):
            print("FAIL %s not installed (run scripts/deps.sh)" % tool)
            print("0 passed, 1 failed")
            return 1
    lint()
    ds, cm, ns = load("daemonset.yaml"), load("configmap.yaml"), load("namespace.yaml")
    cf = open(os.path.join(K8S, "Containerfile")).read()
    report("daemonset.yaml: fields, probes, capabilities, mounts, references",
           check_daemonset(ds, cm, ns, cf))
    report("rbac.yaml: the service account may get this DaemonSet, nothing else",
           check_rbac(ds, load_all("rbac.yaml")))
    report("podmonitor.yaml: selects the pods, scrapes the metrics port",
           check_podmonitor(load("podmonitor.yaml"), ds))
    if os.access(ALGCTL, os.X_OK):
        report("configmap.yaml: bpfalg.conf keys are algctl options", check_conf(cm))
    else:
        report("configmap.yaml: bpfalg.conf keys are algctl options",
               ["%s not built (run make)" % ALGCTL])
    report("Containerfile: Debian 12 stages, make in build, runtime libraries only",
           check_containerfile(cf))
    for s in ("entrypoint.sh", "runtime-packages.sh", "build-rootfs.sh"):
        report("shellcheck deploy/k8s/%s" % s, shellcheck(os.path.join(K8S, s)))
    entrypoint_cases()
    prestop_cases()
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
