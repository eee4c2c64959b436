#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# deploy/prometheus and deploy/grafana: the alert rules pass `promtool check
# rules` and their unit tests (`promtool test rules`: each alert fires on
# the series that should raise it, none on a healthy gateway); the
# dashboard is JSON (json.load) with unique panel ids and a query in every
# panel; and every metric that rules and dashboard name is one algctl
# exports (the HELP/TYPE names in user/metrics.c), so a renamed series
# cannot leave an alert that never fires.  Prints "N passed, N failed".
cd "$(dirname "$0")/../.." || exit 1
pass=0 failed=0
ok() { echo "PASS $1"; pass=$((pass + 1)); }
ko() { echo "FAIL $1: $2"; failed=$((failed + 1)); }
RULES=deploy/prometheus/bpfalg-rules.yml
DASH=deploy/grafana/bpfalg-dashboard.json

if ! command -v promtool >/dev/null; then
	ko promtool "not installed (scripts/deps.sh installs prometheus)"
else
	out=$(promtool check rules "$RULES" 2>&1) && ok "promtool_check_rules" ||
		ko promtool_check_rules "$out"
	out=$(cd deploy/prometheus && promtool test rules bpfalg-rules.test.yml 2>&1) &&
		ok "promtool_test_rules" || ko promtool_test_rules "$(printf '%s' "$out" | head -c 3000)"
fi

out=$(python3 - "$DASH" "$RULES" user/metrics.c 2>&1 <<'PY'
import json, re, sys
dash = json.load(open(sys.argv[1]))
ids, exprs = set(), []
for p in dash["panels"]:
    assert p["id"] not in ids, "panel id %d twice" % p["id"]
    ids.add(p["id"])
    if p["type"] == "row":
        continue
    assert p.get("targets"), "panel %r has no query" % p["title"]
    for t in p["targets"]:
        assert t["expr"].strip(), "panel %r: empty expr" % p["title"]
        exprs.append(t["expr"])
rules = open(sys.argv[2]).read()
exprs += re.findall(r"expr: (?:>-\n)?((?:.|\n)*?)\n\s+(?:for|labels):", rules)
known = set(re.findall(r'head\(f, "([a-z_]+)"', open(sys.argv[3]).read()))
known |= {n + s for n in list(known) for s in ("_bucket", "_sum", "_count")}
known.add("up")
used = set()
for e in exprs:
    e = re.sub(r'"[^"]*"', '""', e)   # label values
    e = re.sub(r"\{[^}]*\}", "", e)   # selectors
    used |= set(re.findall(r"\b((?:bpfalg|process)_[a-z_]+|up)\b", e))
unknown = sorted(used - known)
assert not unknown, "not exported by algctl: %s" % ", ".join(unknown)
print("%d panels, %d queries, %d metric names checked" % (len(ids), len(exprs), len(used)))
PY
) && ok "dashboard_and_names ($out)" || ko dashboard_and_names "$out"

echo "$pass passed, $failed failed"
[ "$failed" -eq 0 ]
