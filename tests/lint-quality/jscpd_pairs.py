#!/usr/bin/env python3
"""Score jscpd on the lint quality set at file-pair level, as tests/lint_quality.rs scores
`duplicate-content` (see BENCHMARKS.md, "Lint"). Usage:

    jscpd --format markdown --reporters json --output OUT [jscpd options] \
        $PWD/content $PWD/tests/lint-quality/sites
    python3 tests/lint-quality/jscpd_pairs.py OUT/jscpd-report.json

jscpd names files relative to the root they were found under: `netstack/docs/…` is the
pattern repo (from `content/`), `SITE/…` a site doc (bundled sites from `content/`, `indep`
and `copies` from `sites/`).
"""
import json
import os
import sys
import tomllib

here = os.path.dirname(os.path.abspath(__file__))
man = tomllib.load(open(os.path.join(here, "manifest.toml"), "rb"))["doc"]
expected = {(d["site"], d["path"], d["source"]) for d in man if d["label"] == "copy"}
edit = {(d["site"], d["path"]): d.get("edit", "") for d in man}
sites = {d["site"] for d in man}
report = json.load(open(sys.argv[1]))
pred = set()
for dup in report["duplicates"]:
    a, b = dup["firstFile"]["name"], dup["secondFile"]["name"]
    for pat, site in ((a, b), (b, a)):
        if pat.startswith("netstack/docs/"):
            s, _, p = site.partition("/")
            if s in sites:
                pred.add((s, p, pat[len("netstack/"):]))
tp = pred & expected
by = {}
for d in man:
    if d["label"] == "copy":
        k = d.get("edit", "")
        hit = (d["site"], d["path"], d["source"]) in pred
        by.setdefault(k, [0, 0])
        by[k][0] += hit
        by[k][1] += 1
edited = [v for k, v in by.items() if k != "verbatim"]
print("pairs predicted %d, expected %d, true %d: precision %.2f, recall %.2f, edited copies %d/%d"
      % (len(pred), len(expected), len(tp), len(tp) / max(1, len(pred)), len(tp) / len(expected),
         sum(v[0] for v in edited), sum(v[1] for v in edited)))
print("per edit:", {k: "%d/%d" % tuple(v) for k, v in sorted(by.items())})
