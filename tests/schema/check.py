#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Validate algctl's -j output against tests/schema/<command>.json.

    check.py SCHEMA [FILE]          one JSON document (FILE or stdin)
    check.py --lines SCHEMA [FILE]  JSON lines (algctl events -j)
    check.py --batch LIST           each line of LIST: SCHEMA FILE [lines]
    check.py --self-test            the validator against its own cases

The schemas are JSON Schema draft 2020-12.  This validator needs only the
standard library and implements the part of the draft the schemas use:
type, enum, const, properties, required, additionalProperties,
patternProperties, propertyNames, items, minItems, maxItems, minimum,
maximum, pattern, minLength, oneOf, anyOf, allOf, $ref to "#/$defs/...".
A keyword it does not know is an error, so a schema cannot silently ask
for more than is checked.  When the jsonschema module is installed
(python3-jsonschema), the document is checked by it as well, unless
SCHEMA_QUICK=1 is set (its import alone takes a third of a second: a test
that checks many documents checks them quickly as it goes, then all of
them with --batch once).

Exit 0 when valid; else 1 with one line per error ("PATH: reason").
"""
import json
import os
import re
import sys

KNOWN = {
    "$schema", "$id", "$defs", "$ref", "$comment", "title", "description",
    "type", "enum", "const", "properties", "required",
    "additionalProperties", "patternProperties", "propertyNames", "items",
    "minItems", "maxItems", "minimum", "maximum", "pattern", "minLength",
    "oneOf", "anyOf", "allOf",
}

TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


class Validator:
    def __init__(self, root):
        self.root = root

    def resolve(self, ref):
        if not ref.startswith("#/"):
            raise ValueError("only local $ref is supported: %s" % ref)
        node = self.root
        for part in ref[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        return node

    def errors(self, v, s, path="$"):
        """Every error of value v against schema s, as "path: reason"."""
        if s is True:
            return []
        if s is False:
            return ["%s: not allowed" % path]
        unknown = set(s) - KNOWN
        if unknown:
            raise ValueError("schema keyword(s) not supported: %s" % ", ".join(sorted(unknown)))
        out = []
        if "$ref" in s:
            out += self.errors(v, self.resolve(s["$ref"]), path)
        if "type" in s:
            types = s["type"] if isinstance(s["type"], list) else [s["type"]]
            if not any(TYPES[t](v) for t in types):
                return out + ["%s: %s is not of type %s" % (path, json.dumps(v)[:80], "|".join(types))]
        if "const" in s and v != s["const"]:
            out.append("%s: %s is not %s" % (path, json.dumps(v)[:80], json.dumps(s["const"])))
        if "enum" in s and v not in s["enum"]:
            out.append("%s: %s is not one of %s" % (path, json.dumps(v)[:80], json.dumps(s["enum"])[:200]))
        if isinstance(v, str):
            if "pattern" in s and not re.search(s["pattern"], v):
                out.append("%s: %r does not match %s" % (path, v[:80], s["pattern"]))
            if "minLength" in s and len(v) < s["minLength"]:
                out.append("%s: %r is shorter than %d" % (path, v, s["minLength"]))
        if TYPES["number"](v):
            if "minimum" in s and v < s["minimum"]:
                out.append("%s: %s < %s" % (path, v, s["minimum"]))
            if "maximum" in s and v > s["maximum"]:
                out.append("%s: %s > %s" % (path, v, s["maximum"]))
        if isinstance(v, dict):
            for k in s.get("required", []):
                if k not in v:
                    out.append("%s: no %r" % (path, k))
            props = s.get("properties", {})
            pats = s.get("patternProperties", {})
            for k, x in v.items():
                kp = "%s.%s" % (path, k)
                if "propertyNames" in s:
                    out += self.errors(k, s["propertyNames"], kp + " (key)")
                matched = False
                if k in props:
                    out += self.errors(x, props[k], kp)
                    matched = True
                for p, ps in pats.items():
                    if re.search(p, k):
                        out += self.errors(x, ps, kp)
                        matched = True
                if not matched and "additionalProperties" in s:
                    out += self.errors(x, s["additionalProperties"], kp)
        if isinstance(v, list):
            if "minItems" in s and len(v) < s["minItems"]:
                out.append("%s: %d items, at least %d" % (path, len(v), s["minItems"]))
            if "maxItems" in s and len(v) > s["maxItems"]:
                out.append("%s: %d items, at most %d" % (path, len(v), s["maxItems"]))
            if "items" in s:
                for i, x in enumerate(v):
                    out += self.errors(x, s["items"], "%s[%d]" % (path, i))
        for sub in s.get("allOf", []):
            out += self.errors(v, sub, path)
        if "anyOf" in s:
            if not any(not self.errors(v, sub, path) for sub in s["anyOf"]):
                out.append("%s: matches none of anyOf (%s)" % (
                    path, "; ".join(self.best(v, s["anyOf"], path))))
        if "oneOf" in s:
            ok = [sub for sub in s["oneOf"] if not self.errors(v, sub, path)]
            if len(ok) != 1:
                why = "; ".join(self.best(v, s["oneOf"], path)) if not ok else "%d match" % len(ok)
                out.append("%s: must match exactly one of oneOf (%s)" % (path, why))
        return out

    def best(self, v, subs, path):
        """The errors of the alternative that came closest."""
        errs = sorted((self.errors(v, sub, path) for sub in subs), key=len)
        return errs[0][:3] if errs else []


def check(schema, docs):
    """Errors of every document in docs against schema (a parsed schema)."""
    val = Validator(schema)
    out = []
    for n, d in docs:
        pre = "" if n is None else "line %d: " % n
        out += [pre + e for e in val.errors(d, schema)]
    if os.environ.get("SCHEMA_QUICK") == "1":
        return out
    try:
        import jsonschema  # optional cross-check
    except ImportError:
        return out
    cls = getattr(jsonschema, "Draft202012Validator", None)
    if cls is None:
        return out
    cls.check_schema(schema)
    js = cls(schema)
    for n, d in docs:
        pre = "" if n is None else "line %d: " % n
        for e in js.iter_errors(d):
            out.append("%sjsonschema: %s: %s" % (pre, "/".join(map(str, e.absolute_path)) or "$", e.message[:200]))
    return out


def self_test():
    s = {
        "$defs": {"ep": {"type": "object", "required": ["addr", "port"],
                         "properties": {"addr": {"type": "string"},
                                        "port": {"type": "integer", "minimum": 0, "maximum": 65535}},
                         "additionalProperties": False}},
        "type": "object",
        "propertyNames": {"pattern": "^[a-z][a-z0-9_]*$"},
        "required": ["a"],
        "properties": {"a": {"$ref": "#/$defs/ep"},
                       "b": {"type": "array", "items": {"enum": ["x", "y"]}},
                       "c": {"oneOf": [{"type": "null"}, {"type": "integer"}]}},
        "additionalProperties": False,
    }
    v = Validator(s)
    cases = [
        ({"a": {"addr": "1.2.3.4", "port": 1}}, 0),
        ({"a": {"addr": "1.2.3.4", "port": 70000}}, 1),
        ({"a": "1.2.3.4:1"}, 1),
        ({"a": {"addr": "1.2.3.4", "port": 1}, "b": ["x", "z"]}, 1),
        ({"a": {"addr": "1.2.3.4", "port": 1}, "bad-key": 1}, 2),
        ({"a": {"addr": "1.2.3.4", "port": True}}, 1),
        ({"a": {"addr": "1.2.3.4", "port": 1}, "c": None}, 0),
        ({"a": {"addr": "1.2.3.4", "port": 1}, "c": "1"}, 1),
        ({}, 1),
    ]
    bad = 0
    for doc, want in cases:
        got = len(v.errors(doc, s))
        if got != want:
            print("self-test: %s: %d errors, expected %d: %s" % (json.dumps(doc), got, want, v.errors(doc, s)))
            bad += 1
    try:
        Validator({"format": "ipv4"}).errors("x", {"format": "ipv4"})
        print("self-test: an unknown keyword was accepted")
        bad += 1
    except ValueError:
        pass
    print("schema self-test: %d cases, %d bad" % (len(cases) + 1, bad))
    return 1 if bad else 0


def load(path, lines):
    """[(line number or None, document)] of a file ("-": stdin)."""
    text = sys.stdin.read() if path == "-" else open(path).read()
    if not lines:
        return [(None, json.loads(text))]
    return [(n, json.loads(l)) for n, l in enumerate(text.splitlines(), 1) if l.strip()]


def batch(listfile):
    """Every "SCHEMA FILE [lines]" line of listfile; the errors of each."""
    bad = 0
    for entry in open(listfile):
        f = entry.split()
        if not f:
            continue
        with open(f[0]) as sf:
            schema = json.load(sf)
        try:
            errs = check(schema, load(f[1], len(f) > 2))
        except ValueError as e:
            errs = ["not JSON: %s" % e]
        for e in errs[:5]:
            print("%s (%s): %s" % (f[1], os.path.basename(f[0]), e))
        bad += bool(errs)
    return 1 if bad else 0


def main(argv):
    if argv[1:] == ["--self-test"]:
        return self_test()
    if len(argv) == 3 and argv[1] == "--batch":
        return batch(argv[2])
    lines = len(argv) > 1 and argv[1] == "--lines"
    args = argv[2:] if lines else argv[1:]
    if not 1 <= len(args) <= 2:
        print(__doc__.strip().split("\n\n")[1], file=sys.stderr)
        return 2
    with open(args[0]) as f:
        schema = json.load(f)
    try:
        docs = load(args[1] if len(args) == 2 else "-", lines)
    except ValueError as e:
        print("not JSON: %s" % e)
        return 1
    errs = check(schema, docs)
    for e in errs[:20]:
        print(e)
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
