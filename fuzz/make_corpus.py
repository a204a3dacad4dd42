#!/usr/bin/env python3
"""Regenerate the checked-in seed corpus `fuzz/corpus/<target>/` (see FUZZING.md).

Seeds are real files from `content/` (docs, contracts, netstack.toml, queries from
tests/search-queries.toml) plus the hostile inputs of issue 15, named `hostile-*`.
Run from the repo root: `python3 fuzz/make_corpus.py`. Existing seeds are overwritten,
files this script does not write are kept (e.g. minimized crash inputs).
"""
import os
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parent.parent
CORPUS = ROOT / "fuzz" / "corpus"
CONTENT = ROOT / "content"


def put(target, name, data):
    d = CORPUS / target
    d.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogateescape")
    (d / name).write_bytes(data)


def content_files(pattern):
    return sorted(p for p in CONTENT.rglob(pattern) if p.is_file())


def seed_name(p):
    return str(p.relative_to(CONTENT)).replace("/", "__")


# ---- hostile documents (issue 15 and friends) -----------------------------------------------

def alias_bomb(levels=9, width=9):
    lines = ["---", "title: bomb", 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    prev = "a"
    for i in range(levels - 1):
        name = chr(ord("b") + i)
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * width) + "]")
        prev = name
    lines += ["---", "# Bomb", ""]
    return "\n".join(lines)


HOSTILE_DOCS = {
    # row 3: nine levels of `b: &b [*a,*a,…]`
    "hostile-yaml-alias-bomb.md": alias_bomb(),
    # row 4: 100 KB of `>` and 30k nested list items
    "hostile-100k-quote-markers.md": "# q\n\n" + ">" * 100000 + "\n",
    "hostile-30k-nested-list.md": "# l\n\n" + "- " * 30000 + "x\n",
    "hostile-nested-ordered-list.md": "# o\n\n" + "1. " * 5000 + "x\n",
    "hostile-control-chars.md": '---\ntitle: "\x1b]0;PWNED\x07 \x1b[2J"\ntags: ["\x1b]8;;http://evil\x1b\\\\x\x1b]8;;\x1b\\\\"]\n---\n# \x1b[31mred\x1b[0m \x07\x00\x7f\n\nText \x1b]0;t\x07 with \x0c form feed\r\n',
    "hostile-emoji-and-quotes.md": '# 🙂 "*" `\'`\n\n🙂🙂🙂 "a" *b* _c_ \\\n\n[🙂](🙂.md#🙂)\n',
    "hostile-raw-html.md": '# h\n\n<script>alert(1)</script>\n<img src=x onerror=alert(1)>\n<a href="javascript:alert(1)">j</a>\n<iframe src="/etc/passwd"></iframe>\n<style>*{}</style>\n[x](javascript:alert(1)) ![i](data:text/html,<script>)\n<svg><foreignObject><script>1</script></foreignObject></svg>\n',
    "hostile-link-paths.md": "# p\n\n[a](../../../../etc/passwd) [b](/etc/shadow) [c](%2e%2e/%2e%2e/x.md) [d](file:///etc/passwd)\n[e](https://netstack.org/../../x) [f](https://github.com/example-fed/netstack/blob/main/../../../../x)\n[g](\\\\server\\share) [h](C:\\Windows) [i](.#) [j](#%ZZ) [k](#\u0000)\n",
    "hostile-long-line.md": "# w\n\n" + "a" * 60000 + "\n",
    "hostile-many-headings.md": "".join(f"## h\n" for _ in range(3000)),
    "hostile-unclosed-fences.md": "```\n" * 2000,
    "hostile-nested-brackets.md": "# b\n\n" + "[" * 10000 + "x" + "](y)" * 10000 + "\n",
    "hostile-nested-emphasis.md": "# e\n\n" + "*_" * 10000 + "x" + "_*" * 10000 + "\n",
    "hostile-table-wide.md": "# t\n\n" + "|a" * 5000 + "|\n" + "|-" * 5000 + "|\n" + "|1" * 5000 + "|\n",
    # found by fuzzing: every link to a section rescanned the doc (quadratic render and lint)
    "hostile-same-doc-anchors.md": "# a\n\n<a name=\"n\"></a>\n\n" + "[a](#a) [n](#n) [x](#x)\n" * 2000,
    # a prose mention per paragraph (render looks mentions up per text run)
    "hostile-many-mentions.md": "# m\n\n" + "Per the backup-cron pattern.\n\n" * 2000,
    "hostile-link-ref-reuse.md": "# r\n\n[r]: " + "u" * 2000 + ' "' + "t" * 2000 + '"\n\n' + "[r] " * 2000 + "\n",
    "hostile-bom-crlf.md": "\ufeff---\r\ntitle: crlf\r\n---\r\n# Title\r\n\r\ntext\r\n",
    "hostile-unterminated-front-matter.md": "---\ntitle: open\nkind: pattern\n# no closing delimiter\n",
    "hostile-toml-front-matter.md": '+++\ntitle = "t"\ntags = ["a", "b"]\n[values]\nx = 1\n+++\n# T\n',
    "hostile-yaml-deep-nesting.md": "---\na: " + "[" * 5000 + "]" * 5000 + "\n---\n# d\n",
    "hostile-yaml-deep-maps.md": "---\na: " + "{b: " * 3000 + "c" + "}" * 3000 + "\n---\n# d\n",
    "hostile-toml-deep-nesting.md": "+++\na = " + "[" * 5000 + "]" * 5000 + "\n+++\n# d\n",
    "hostile-yaml-tags-and-types.md": '---\ntitle: !!binary aGVsbG8=\ntags: !!set {a, b}\ndate: 2001-12-14t21:59:43.10-05:00\nn: .nan\nbig: 123456789012345678901234567890\nkey: ? complex\n---\n# t\n',
    "hostile-front-matter-lists.md": "---\nfollows: [" + ", ".join(["backup-cron-pattern"] * 2000) + "]\ntags: " + ",".join(["t"] * 2000) + "\n---\n# f\n",
    "hostile-empty.md": "",
    "hostile-only-delimiter.md": "---",
    "hostile-nul-bytes.md": "# n\x00ul\n\n\x00\x00\x00\n",
    "hostile-invalid-utf8.md": b"# bad \xff\xfe utf8 \xc3\x28 \xed\xa0\x80\n".decode("utf-8", "surrogateescape"),
}

# ---- docs -------------------------------------------------------------------------------------
docs = content_files("*.md")
for target in ("doc", "render", "refs"):
    for p in docs:
        put(target, seed_name(p), p.read_bytes())
    for name, data in HOSTILE_DOCS.items():
        put(target, name, data)

for p in docs:
    if p.read_bytes().startswith((b"---", b"+++")):
        put("front_matter", seed_name(p), p.read_bytes())
for name, data in HOSTILE_DOCS.items():
    if data.lstrip("\ufeff").startswith(("---", "+++")) or "front" in name or "yaml" in name:
        put("front_matter", name, data)

# ---- contracts --------------------------------------------------------------------------------
for p in content_files(".wip-contract.md"):
    put("contract", seed_name(p), p.read_bytes())
put("contract", "structured-minimal.md", "---\ncontacts:\n  - name: a\n    method: email\n    address: a@example.org\ndefault: a\n---\n")
put("contract", "structured-routes.md", "---\ncontact:\n  method: matrix\n  address: \"#room:example.org\"\nroutes:\n  - category: ops\n    severity: [warning, error]\n    to: [x, y]\n  - severity: info\n    to: nobody\n---\n# c\n")
put("contract", "free-form.md", "# Contract\n\n## Contact Method\n\n- Email: ops@example.org\n- Matrix: #ops:example.org\n- Issues: https://github.com/example-fed/cf/issues\n")
for name in ("hostile-yaml-alias-bomb.md", "hostile-control-chars.md", "hostile-emoji-and-quotes.md",
             "hostile-yaml-deep-nesting.md", "hostile-unterminated-front-matter.md", "hostile-empty.md",
             "hostile-100k-quote-markers.md", "hostile-invalid-utf8.md"):
    put("contract", name, HOSTILE_DOCS[name])
put("contract", "hostile-many-contacts.md", "---\ncontacts:\n" + "".join(
    f"  - name: c{i}\n    method: email\n    address: c{i}@example.org\n" for i in range(2000)) + "routes:\n" + "".join(
    f"  - category: ops/c{i}\n    severity: [error]\n    to: [c{i}]\n" for i in range(2000)) + "---\n")
put("contract", "hostile-route-to-unknown.md", "---\ncontacts: [{name: a, method: carrier-pigeon, address: ''}]\nroutes: [{to: [zz], severity: [apocalyptic]}]\ndefault: [q]\n---\n")

# ---- refs: link targets, one per line ---------------------------------------------------------
put("refs", "link-targets.txt", "\n".join([
    "https://netstack.org/ops/backup/backup-cron-pattern/",
    "https://netstack.org/ops/backup/backup-cron-pattern/#how",
    "https://github.com/example-fed/netstack/blob/main/docs/ops/backup/backup-cron-pattern.md",
    "https://github.com/example-fed/netstack/tree/some/branch/docs/ops",
    "https://gitlab.example.org/g/sub/netstack/-/blob/main/docs/x.md",
    "../docs/backup.md", "./backup.md#restore", "/docs/backup.md", "backup", "#", "#%20",
    "mailto:ops@example.org", "ftp://x", "//evil.example/x", "https://netstack.org/%2e%2e/%2e%2e/etc/passwd",
    "../../../../../../etc/passwd", "..", ".", "", "?", "?raw", "%", "%%%", "%ff%fe",
    "https://[::1]:99999/", "https://netstack.org:0/", "http://user:pass@netstack.org/ops/",
    "🙂", "a" * 5000, "../" * 3000,
]) + "\n")
put("refs", "prose-references.md", "# r\n\nPer the backup-cron pattern, follows netstack's disk-space-alert, see `zfs-snapshot`, using netstack pattern: status-page.\n")

# ---- query ------------------------------------------------------------------------------------
queries = re.findall(r'^q = "(.*)"$', (ROOT / "tests" / "search-queries.toml").read_text(), re.M)
for i, q in enumerate(queries[:25]):
    put("query", f"quality-{i:02}.txt", q)
put("query", "filters.txt", "backup\nkind=pattern\nsite=cf\ncategory=ops\ntag=backup\nlimit=5\noffset=2")
put("query", "operators.txt", '"disk space" -zfs +backup restor')
put("query", "typo.txt", "certficate renwal wiregaurd")
put("query", "unknown-site.txt", "backup\nsite=nope")
put("query", "bogus-kind.txt", "backup\nkind=bogus")
put("query", "limit-zero.txt", "backup\nlimit=0")
put("query", "offset-past-end.txt", "backup\noffset=500")
# row 1
put("query", "hostile-offset-1e10.txt", "backup\noffset=10000000000")
put("query", "hostile-offset-2pow32.txt", "backup\noffset=4294967296")
put("query", "hostile-limit-u64-max.txt", "backup\nlimit=18446744073709551615")
# row 8
for name, q in {"quote": '"', "star": "*", "emoji": "🙂", "a-10000": "a" * 10000}.items():
    put("query", f"hostile-{name}.txt", q)
put("query", "hostile-control-chars.txt", "\x1b]0;PWNED\x07 backup \x00 \x7f")
put("query", "hostile-operators-only.txt", '- + "" "- +" -"" +-+-')
put("query", "hostile-long-word.txt", "x" * 5000)
put("query", "hostile-many-words.txt", " ".join(["backup", "disk", "certificate", "wireguard"] * 500))
put("query", "hostile-many-phrases.txt", ' '.join(['"backup disk"'] * 300))
put("query", "hostile-many-filters.txt", "backup\n" + "\n".join(f"tag=t{i}\nsite=s{i}\ncategory=c{i}" for i in range(300)))
put("query", "hostile-prefix.txt", "b")

# ---- config -----------------------------------------------------------------------------------
put("config", "content-netstack.toml", (CONTENT / "netstack.toml").read_bytes())
put("config", "minimal.toml", '[patterns]\npath = "netstack"\n')
put("config", "full.toml", '[patterns]\npath = "netstack"\nname = "np"\ndocs_dir = "docs"\nurl_root = "/kb"\nbase_urls = ["https://netstack.org/"]\nforge_urls = ["https://github.com/example-fed/netstack"]\n\n[[sites]]\nname = "cf"\npath = "cf"\ntitle = "Cedar Falls"\n\n[lint]\nfail_on = "warning"\n\n[index]\npath = ".netstack/index"\n\n[load]\nmax_file_bytes = 1000\n\n[recommend]\nfrom = "n <n@example.org>"\n')
put("config", "hostile-2000-sites.toml", '[patterns]\npath = "netstack"\n' + "".join(
    f'\n[[sites]]\nname = "s{i}"\npath = "s{i}"\n' for i in range(2000)))
put("config", "hostile-root-path.toml", '[patterns]\npath = "/"\n\n[[sites]]\nname = "home"\npath = "~"\n')
put("config", "hostile-unknown-keys.toml", '[patterns]\npath = "netstack"\nbogus = 1\n[surprise]\n')
put("config", "hostile-deep-nesting.toml", "x = " + "[" * 5000 + "]" * 5000 + "\n")
put("config", "hostile-deep-tables.toml", "x = " + "{a = " * 3000 + "1" + "}" * 3000 + "\n")
put("config", "hostile-many-base-urls.toml", '[patterns]\npath = "netstack"\nbase_urls = [' + ", ".join(
    f'"https://h{i}.example.org/"' for i in range(2000)) + "]\n")
put("config", "hostile-control-chars.toml", '[patterns]\npath = "netstack\\u001b]0;x\\u0007"\n[[sites]]\nname = "\\u0000"\npath = "cf"\n')
put("config", "hostile-duplicate-sites.toml", '[patterns]\npath = "netstack"\n[[sites]]\nname = "a"\npath = "cf"\n[[sites]]\nname = "a"\npath = "./cf/"\n[[sites]]\nname = "b"\npath = "netstack/docs"\n')
put("config", "hostile-huge-numbers.toml", '[patterns]\npath = "netstack"\n[load]\nmax_file_bytes = 18446744073709551615\n')
put("config", "hostile-bad-urls.toml", '[patterns]\npath = "netstack"\nbase_urls = ["javascript:alert(1)", "https://", "🙂", "https://[::1"]\n')
print("ok")
