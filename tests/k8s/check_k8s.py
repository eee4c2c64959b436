#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Checks of deploy/k8s (a `make check` suite, no cluster needed).

yamllint over the manifests with deploy/k8s/.yamllint; then what a
DaemonSet for bpfalg must say (hostNetwork, the host mounts, probes on
algctl, capabilities, the metrics port) and that the files agree with one
another (ConfigMap names and keys, the entrypoint path the Containerfile
installs, the pin path, the metrics port); the ConfigMap's bpfalg.conf
uses only keys algctl knows; shellcheck on the scripts; the entrypoint's
pattern resolution against a fake /sys/class/net.  Prints one line per
case and closes with "N passed, N failed".
"""
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

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

    # metrics: --metrics ADDR:PORT, the container port, the scrape annotation
    metrics = get(env.get("BPFALG_METRICS", {}), "value", "")
    mport = metrics.rsplit(":", 1)[-1] if ":" in metrics else None
    ports = {str(x.get("containerPort")): x for x in c.get("ports", [])}
    if mport != "9464":
        p.append("BPFALG_METRICS %r does not listen on port 9464" % metrics)
    if mport not in ports or ports[mport].get("name") != "metrics":
        p.append("metrics port %s is not a container port named metrics" % mport)
    ann = get(ds, "spec.template.metadata.annotations", {})
    if ann.get("prometheus.io/port") != mport:
        p.append("prometheus.io/port %r, metrics on %r" % (ann.get("prometheus.io/port"), mport))

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
    for k in ("inside", "outside"):
        if not re.search(r"^\s*%s\s*=" % k, text, re.M):
            p.append("no %s key" % k)
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


def entrypoint_cases():
    """The entrypoint's resolve against fake interface lists."""
    ep = os.path.join(K8S, "entrypoint.sh")
    d = tempfile.mkdtemp(prefix="bpfalg-k8s-")
    try:
        def run(ifaces, conf, wait="0"):
            net = os.path.join(d, "net")
            shutil.rmtree(net, ignore_errors=True)
            for i in ifaces:
                os.makedirs(os.path.join(net, i))
            with open(os.path.join(d, "t.conf"), "w") as f:
                f.write(conf)
            env = dict(os.environ, BPFALG_TEMPLATE=os.path.join(d, "t.conf"),
                       BPFALG_SYS_NET=net, BPFALG_WAIT=wait)
            r = subprocess.run(["sh", ep, "resolve"], capture_output=True, text=True, env=env)
            return r.returncode, r.stdout, r.stderr.strip()

        conf = "# c\ninside = cali*, ens4 # pods\noutside = eth*\nmasquerade = yes\n[ftp]\ninside = x\n"
        rc, out, err = run(["lo", "eth0", "ens4", "cali1", "cali2", "tunl0"], conf)
        want = "# c\ninside = cali1,cali2,ens4\noutside = eth0\nmasquerade = yes\n[ftp]\ninside = x\n"
        report("entrypoint: patterns resolved line for line, sections untouched",
               [] if rc == 0 and out == want else ["rc %d, got %r (%s)" % (rc, out, err)])

        rc, out, err = run(["eth0", "eth1", "cali1"], "inside = cali*\noutside = eth*\n")
        report("entrypoint: an outside pattern matching two interfaces is refused",
               [] if rc == 1 and "matches several interfaces (eth0,eth1)" in err and err.count("\n") == 0
               else ["rc %d: %r" % (rc, err)])

        rc, out, err = run(["eth0"], "inside = cali*\noutside = eth0\n")
        report("entrypoint: an inside pattern matching nothing is refused after the wait",
               [] if rc == 1 and "inside pattern 'cali*' matches no interface" in err
               else ["rc %d: %r" % (rc, err)])

        rc, out, err = run(["eth0"] + ["cali%d" % i for i in range(17)], "inside = cali*\noutside = eth0\n")
        report("entrypoint: more than 16 inside interfaces are refused",
               [] if rc == 1 and "matches 17 interfaces, algctl takes at most 16" in err
               else ["rc %d: %r" % (rc, err)])

        rc, out, err = run(["eth0", "br0"], "inside = e*,br0\noutside = eth0\n")
        report("entrypoint: the outside interface is never also inside",
               [] if rc == 0 and "inside = br0\n" in out else ["rc %d: %r %r" % (rc, out, err)])

        rc, out, err = run(["eth0"], "outside = eth0\n")
        report("entrypoint: a template without inside is refused",
               [] if rc == 1 and "no 'inside = " in err else ["rc %d: %r" % (rc, err)])

        cm = load("configmap.yaml")
        rc, out, err = run(["lo", "eth0", "cali7f3", "caliab1"], cm["data"]["bpfalg.conf"])
        report("entrypoint: the shipped ConfigMap resolves on a Calico-like node",
               [] if rc == 0 and "\ninside = cali7f3,caliab1\n" in "\n" + out and "\noutside = eth0\n" in out
               else ["rc %d: %r" % (rc, err)])
    finally:
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
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
