#!/usr/bin/env python3
"""Regenerate the planted copies of the lint quality set (sites/copies/docs/*.md) and their
labels in manifest.toml.

Each copy takes one section of a pattern-repo doc and applies one kind of edit, the way people
really paste and adapt documentation:

  verbatim  the section as is
  values    IPs, numbers and host names changed to the site's
  words     values + about one word in six swapped for a synonym or an extra word
  reorder   values + sentences of each paragraph and list items shuffled
  drop      values + about a third of the sentences and list items dropped
  mixed     reorder + drop + words + values
  partial   only the first half of the section, with values and word swaps, wrapped in the
            site's own text

The copies are embedded in a site doc with its own title, intro, values table and notes, so
the detector has to find the copied block inside genuine site text. Deterministic (fixed
seed): run `python3 tests/lint-quality/make_copies.py` after changing the pattern snapshot.
"""
import os
import random
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PATTERNS = os.path.join(HERE, "..", "..", "content", "netstack")
OUT = os.path.join(HERE, "sites", "copies", "docs")
KINDS = ["verbatim", "values", "words", "reorder", "drop", "mixed", "partial"]

SYNONYMS = {
    "run": "execute", "runs": "executes", "use": "employ", "uses": "employs",
    "host": "machine", "hosts": "machines", "server": "box", "servers": "boxes",
    "check": "verify", "checks": "verifies", "create": "make", "keep": "retain",
    "keeps": "retains", "delete": "remove", "install": "set up", "ensure": "make sure",
    "because": "since", "after": "once", "before": "prior to", "every": "each",
    "small": "little", "large": "big", "fast": "quick", "need": "require",
    "needs": "requires", "start": "begin", "starts": "begins", "show": "display",
    "shows": "displays", "send": "ship", "sends": "ships", "change": "modify",
    "simple": "plain", "old": "stale", "new": "fresh", "problem": "issue",
    "important": "crucial", "often": "frequently", "usually": "typically",
    "get": "obtain", "fix": "repair", "allow": "permit", "allows": "permits",
    "disk": "drive", "disks": "drives", "folder": "directory", "copy": "duplicate",
    "fails": "breaks", "failed": "broken", "write": "record", "writes": "records",
    "read": "inspect", "reads": "inspects", "alert": "alarm", "alerts": "alarms",
    "quickly": "rapidly", "later": "afterwards", "whole": "entire", "only": "just",
    "never": "not ever", "always": "at all times", "machine": "node", "box": "system",
    "make": "produce", "makes": "produces", "set": "configure", "sets": "configures",
    "first": "initial", "last": "final", "one": "a single", "two": "a pair of",
    "enough": "sufficient", "many": "numerous", "big": "large", "cheap": "inexpensive",
}
FILLERS = ["really", "basically", "in practice", "here", "at our site", "as a rule", "simply"]
SITE_NAMES = ["ridge", "harbor", "mill", "quarry", "orchard", "delta"]


def sections(path):
    """(heading, body) of every `## ` section with at least 80 words of prose or lists."""
    text = open(path, encoding="utf-8").read()
    text = re.sub(r"\A---\n.*?\n---\n", "", text, flags=re.S)
    parts = re.split(r"(?m)^(## .*)$", text)
    out = []
    for i in range(1, len(parts) - 1, 2):
        head, body = parts[i].strip(), parts[i + 1].strip()
        words = len(re.findall(r"[A-Za-z]+", body))
        if words >= 80 and "values a site must supply" not in head.lower():
            out.append((head, body))
    return out


def change_values(text, rng):
    def ip(m):
        return "%d.%d.%d.%d" % (rng.choice([10, 172, 192]), rng.randint(0, 255), rng.randint(0, 255), rng.randint(1, 254))
    text = re.sub(r"\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b", ip, text)
    text = re.sub(r"\b[a-z0-9-]+\.(?:example\.org|example\.com|lan|internal)\b",
                  lambda m: "%s%02d.%s.lan" % (rng.choice(["nas", "srv", "fw", "mon"]), rng.randint(1, 9), rng.choice(SITE_NAMES)), text)
    text = re.sub(r"(?<![\w.])\d+(?![\w.])", lambda m: str(max(1, int(m.group(0)) + rng.randint(1, 9))) if len(m.group(0)) < 6 else m.group(0), text)
    return text


def blocks(body):
    """Split a section body into markdown blocks (code fences kept whole)."""
    out, cur, fence = [], [], False
    for line in body.split("\n"):
        if line.strip().startswith("```"):
            fence = not fence
            cur.append(line)
            continue
        if not fence and not line.strip():
            if cur:
                out.append("\n".join(cur))
                cur = []
            continue
        cur.append(line)
    if cur:
        out.append("\n".join(cur))
    return out


def kind_of(block):
    first = block.lstrip()
    if first.startswith("```"):
        return "code"
    if first.startswith("|"):
        return "table"
    if re.match(r"([-*]|\d+\.)\s", first):
        return "list"
    if first.startswith("#"):
        return "heading"
    return "para"


def split_items(block):
    items, cur = [], []
    for line in block.split("\n"):
        if re.match(r"([-*]|\d+\.)\s", line) and cur:
            items.append("\n".join(cur))
            cur = []
        cur.append(line)
    if cur:
        items.append("\n".join(cur))
    return items


def sentences(para):
    para = " ".join(l.strip() for l in para.split("\n"))
    return [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z`*\[])", para) if s]


def swap_words(text, rng, rate):
    def sub(m):
        w = m.group(0)
        low = w.lower()
        if low in SYNONYMS and rng.random() < rate * 2.5:
            rep = SYNONYMS[low]
            return rep.capitalize() if w[0].isupper() else rep
        if rng.random() < rate / 6:
            return w + " " + rng.choice(FILLERS)
        return w
    # Leave code spans and links alone.
    parts = re.split(r"(`[^`]*`|\[[^\]]*\]\([^)]*\))", text)
    return "".join(p if i % 2 else re.sub(r"[A-Za-z]+", sub, p) for i, p in enumerate(parts))


def wrap(text, width=92):
    words, lines, cur = text.split(" "), [], ""
    for w in words:
        if cur and len(cur) + len(w) + 1 > width:
            lines.append(cur)
            cur = w
        else:
            cur = (cur + " " + w) if cur else w
    if cur:
        lines.append(cur)
    return "\n".join(lines)


def edit(body, kind, rng):
    if kind == "verbatim":
        return body
    out = []
    bl = blocks(body)
    if kind == "partial":
        bl = bl[: max(1, (len(bl) + 1) // 2)]
    for b in bl:
        k = kind_of(b)
        if k == "para" and kind in ("reorder", "drop", "mixed"):
            s = sentences(b)
            if kind in ("reorder", "mixed"):
                rng.shuffle(s)
            if kind in ("drop", "mixed") and len(s) > 1:
                s = [x for x in s if rng.random() > (0.33 if kind == "drop" else 0.2)] or s[:1]
            b = wrap(" ".join(s))
        elif k == "list" and kind in ("reorder", "drop", "mixed"):
            items = split_items(b)
            ordered = re.match(r"\d+\.", items[0].lstrip()) is not None
            if kind in ("reorder", "mixed") and not ordered:
                rng.shuffle(items)
            if kind in ("drop", "mixed") and len(items) > 2:
                items = [x for x in items if rng.random() > 0.25] or items[:1]
            b = "\n".join(items)
        if kind in ("words", "mixed", "partial") and k in ("para", "list"):
            b = swap_words(b, rng, 0.18)
        out.append(change_values(b, rng))
    return "\n\n".join(out)


def frame(site, topic, pattern_url, link, copied, heading, rng):
    host = "%s%02d.%s.lan" % (rng.choice(["nas", "srv", "fw", "mon", "pve"]), rng.randint(1, 9), site)
    ip = "10.%d.%d.%d" % (rng.randint(30, 90), rng.randint(0, 20), rng.randint(2, 250))
    intro = rng.choice([
        "Notes for the %s setup at %s. Keep this page current when hardware changes." % (topic, site.capitalize()),
        "How %s is done at %s. Questions go to the site admin." % (topic, site.capitalize()),
        "%s: what we run at %s and where it lives." % (topic.capitalize(), site.capitalize()),
    ])
    follow = "\n\nThis follows the [%s](%s) from netstack." % (topic, pattern_url) if link else ""
    values = "| Key | Value |\n|---|---|\n| host | %s |\n| address | %s |\n| owner | admin@%s.example.org |" % (host, ip, site)
    notes = rng.choice([
        "Last reviewed during the spring maintenance window.",
        "The previous setup was retired when the old rack was emptied.",
        "Ask before changing anything here during business hours.",
    ])
    return "# %s at %s\n\n%s%s\n\n## Values\n\n%s\n\n%s\n\n%s\n\n## Notes\n\n%s\n" % (
        topic.capitalize(), site.capitalize(), intro, follow, values, heading, copied, notes)


def main():
    rng = random.Random(20261122)
    docs = []
    for root, _, files in os.walk(os.path.join(PATTERNS, "docs")):
        for f in sorted(files):
            if f.endswith(".md") and f != "README.md":
                docs.append(os.path.join(root, f))
    docs.sort()
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        os.remove(os.path.join(OUT, f))
    entries = []
    n = 0
    for path in docs:
        secs = sections(path)
        if not secs:
            continue
        rel = os.path.relpath(path, PATTERNS)
        stem = os.path.splitext(os.path.basename(path))[0]
        topic = stem.replace("-pattern", "").replace("-", " ")
        url = "https://netstack.org/" + rel[:-3] + "/"
        # One or two copies per doc, different sections and kinds.
        for j, (head, body) in enumerate(secs[:2]):
            kind = KINDS[n % len(KINDS)]
            n += 1
            site = SITE_NAMES[n % len(SITE_NAMES)]
            copied = edit(body, kind, rng)
            for _ in range(20):
                # A label needs a real copy: at least 45 words must survive the edits.
                if len(re.findall(r"[A-Za-z]+", copied)) >= 45:
                    break
                copied = edit(body, kind, rng)
            heading = head if rng.random() < 0.5 else "## " + rng.choice(["How we do it", "Setup", "Details", "Procedure"])
            text = frame(site, topic, url, rng.random() < 0.5, copied, heading, rng)
            name = "%02d-%s-%s.md" % (n, stem, kind)
            with open(os.path.join(OUT, name), "w", encoding="utf-8") as fh:
                fh.write(text)
            entries.append((name, rel, kind))
    man = os.path.join(HERE, "manifest.toml")
    keep = []
    if os.path.exists(man):
        skip = False
        for block in open(man, encoding="utf-8").read().split("\n\n"):
            if 'site = "copies"' in block:
                continue
            keep.append(block.strip("\n"))
    with open(man, "w", encoding="utf-8") as fh:
        fh.write("\n\n".join(b for b in keep if b))
        for name, rel, kind in entries:
            fh.write('\n\n[[doc]]\nsite = "copies"\npath = "docs/%s"\nlabel = "copy"\nsource = "%s"\nedit = "%s"' % (name, rel, kind))
        fh.write("\n")
    print("wrote %d copies" % len(entries), file=sys.stderr)


if __name__ == "__main__":
    main()
