//! `broken-link`: a relative link or image whose target is not in the repo, or an anchor the
//! target does not have.

use super::prelude::*;

/// What `broken-link` catches, why, an example and the fix (`netstack lint --explain`).
pub(crate) const INFO: RuleInfo = RuleInfo {
    rule: Rule::BrokenLink,
    id: "broken-link",
    name: "BrokenLink",
    default_severity: Severity::Error,
    scope: Scope::All,
    summary: "A relative link to a file or heading anchor that does not exist.",
    description: "Relative links (`./dns.md`, `../images/rack.png`, `#firewall`) are checked \
against the files of the repo (including files outside the docs such as scripts and images) \
and against the headings of the target doc (GitHub-style anchors). Links to an existing \
pattern with an anchor that names no heading of it are reported too. Links to other web sites \
are never fetched.",
    example: "```markdown\nSee [the VLAN plan](./vlans.md#guest-vlan).\n```\n\nwhen `vlans.md` does \
not exist, or has no heading \"Guest VLAN\".",
    fix: "Correct the path or the anchor (anchors are the heading text in lowercase, spaces as \
`-`, punctuation dropped), or restore the missing file.",
};

fn looks_templated(target: &str) -> bool {
    target.contains("{{")
        || target.contains('<')
        || target.contains("${")
        || target.contains('%') && target.contains('{')
}

pub(crate) fn links(kb: &KnowledgeBase, id: DocId) -> Vec<Finding> {
    let doc = kb.doc(id);
    let mut out = Vec::new();
    let refs: Vec<&Reference> = kb.references_from(id).collect();
    for link in &doc.links {
        let target = link.target.trim();
        if target.is_empty() || looks_templated(target) {
            continue;
        }
        match kb.resolve_link(id, target) {
            LinkTarget::SameDoc { anchor, ok: false } => out.push(new(
                Rule::BrokenLink,
                doc,
                link.line,
                link.line,
                format!("`{target}` links a heading this doc does not have (`#{anchor}`)"),
                anchor_fix(doc),
                target.to_string(),
            )),
            LinkTarget::Doc {
                id: to,
                anchor: Some(anchor),
                anchor_ok: false,
            } => {
                let t = kb.doc(to);
                let mut f = new(
                    Rule::BrokenLink,
                    doc,
                    link.line,
                    link.line,
                    format!(
                        "`{target}` links `#{anchor}`, but {} has no such heading",
                        t.path
                    ),
                    anchor_fix(t),
                    target.to_string(),
                );
                if t.site.is_none() {
                    f.pattern = Some(pattern_ref(kb, to));
                }
                out.push(f);
            }
            LinkTarget::Missing { .. } => {
                // References into the pattern repo are `unknown-pattern` findings.
                if refs
                    .iter()
                    .any(|r| r.line == link.line && r.raw == target && is_unknown_pattern(doc, r))
                {
                    continue;
                }
                let Some(abs) = link_path(kb, doc, target) else {
                    continue;
                };
                // Outside every repo of the KB: nothing to check it against.
                let Some(root) = kb.repo_containing(&abs).map(|i| kb.repos[i].root.clone()) else {
                    continue;
                };
                if abs.exists() {
                    continue; // ignored or dot files the walker skipped
                }
                let rel = abs
                    .strip_prefix(&root)
                    .map(|p| p.to_string_lossy().replace('\\', "/"))
                    .unwrap_or_default();
                let what = if link.kind == crate::doc::LinkKind::Image {
                    "image"
                } else {
                    "file"
                };
                out.push(new(
                    Rule::BrokenLink,
                    doc,
                    link.line,
                    link.line,
                    format!("`{target}` links the {what} `{rel}`, which does not exist"),
                    closest_file(kb, &root, &rel),
                    target.to_string(),
                ));
            }
            _ => {}
        }
    }
    out
}

/// The absolute path a relative link leads to (`None` for URLs and pure anchors).
fn link_path(kb: &KnowledgeBase, doc: &Doc, target: &str) -> Option<PathBuf> {
    let is_url = target.split_once(':').is_some_and(|(s, _)| {
        s.len() > 1
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    });
    if is_url || target.starts_with('#') || target.starts_with("//") {
        return None;
    }
    let path = target.split(['#', '?']).next().unwrap_or(target);
    let path = crate::publication::percent_decode(path);
    if path.is_empty() {
        return None;
    }
    if let Some(rest) = path.strip_prefix('/') {
        Some(kb.repo_of(doc).root.join(rest))
    } else {
        Some(normalize(&doc.abs_path.parent()?.join(path)))
    }
}

fn closest_file(kb: &KnowledgeBase, root: &Path, rel: &str) -> String {
    let repo = kb.repos.iter().find(|r| r.root == root);
    let best = repo.and_then(|r| {
        r.files
            .iter()
            .map(|f| (strsim::normalized_levenshtein(f, rel), f))
            .filter(|(s, _)| *s >= 0.6)
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, f)| f.clone())
    });
    match best {
        Some(f) => format!(
            "Did you mean `{f}`? Correct the path (relative to this file) or restore the missing file."
        ),
        None => "Correct the path (relative to this file) or restore the missing file.".into(),
    }
}
