//! The rules other than `duplicate-content`: references and links, front matter, contracts,
//! values, procedures without a pattern, and site values inside patterns. Each check turns
//! facts the KB already holds into [`Finding`]s with exact lines and a fix.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use regex::Regex;

use super::finding::{Columns, Finding, PatternRef};
use super::rule::Rule;
use crate::config::normalize;
use crate::contract::ContractStatus;
use crate::doc::{BlockKind, Doc, DocKind};
use crate::kb::{DocId, KnowledgeBase, LinkTarget};
use crate::refs::{RefForm, Reference};
use crate::source::CONTRACT_FILE;

fn new(
    rule: Rule,
    doc: &Doc,
    line: u32,
    end: u32,
    msg: String,
    fix: String,
    key: String,
) -> Finding {
    let mut f = Finding::new(
        rule,
        doc.site.as_deref(),
        &doc.repo,
        &doc.path,
        line,
        end,
        msg,
        fix,
        key,
    );
    f.abs_path = Some(doc.abs_path.clone());
    // Findings about a link target or a pattern id point at it on the line.
    if matches!(rule, Rule::BrokenLink | Rule::UnknownPattern) && line == end {
        f.columns = doc
            .source
            .lines()
            .nth(line.saturating_sub(1) as usize)
            .and_then(|l| Columns::find(l, &f.key));
    }
    f
}

/// A reference to a pattern-repo doc.
pub(crate) fn pattern_ref(kb: &KnowledgeBase, id: DocId) -> PatternRef {
    let d = kb.doc(id);
    let stem = d.path.rsplit('/').next().unwrap_or(&d.path);
    let stem = stem.rsplit_once('.').map(|(s, _)| s).unwrap_or(stem);
    PatternRef {
        id: d.pattern_id.clone().unwrap_or_else(|| stem.to_string()),
        path: d.path.clone(),
        url: kb.published_url(d),
        line: None,
        end_line: None,
    }
}

/// How to show a pattern to a reader: its published URL, else its path.
fn shown(p: &PatternRef) -> String {
    p.url.clone().unwrap_or_else(|| p.path.clone())
}

// ---- front-matter ------------------------------------------------------------------------

pub(crate) fn front_matter(doc: &Doc) -> Option<Finding> {
    let split = crate::front_matter::split(&doc.source);
    let Some(Err(e)) = split.front_matter else {
        return None;
    };
    let end = doc.body_line.saturating_sub(1).max(e.line);
    Some(new(
        Rule::FrontMatter,
        doc,
        e.line,
        end.min(e.line + 20),
        format!("front matter does not parse: {}", e.message),
        "Correct the syntax at this line (or remove the block): until it parses, its keys \
         (`follows`, `values`, `kind`, `title`) are ignored."
            .into(),
        e.message.clone(),
    ))
}

// ---- unknown-pattern and broken-link -----------------------------------------------------

/// Is this missing reference reported as `unknown-pattern` (rather than `broken-link`)?
fn is_unknown_pattern(doc: &Doc, r: &Reference) -> bool {
    r.is_missing() && !(doc.site.is_none() && r.form == RefForm::RelativePath)
}

pub(crate) fn references(kb: &KnowledgeBase, id: DocId) -> Vec<Finding> {
    let doc = kb.doc(id);
    let repo_name = &kb.pattern_repo().name;
    let mut out = Vec::new();
    for r in kb.references_from(id) {
        if !is_unknown_pattern(doc, r) {
            // A resolved reference with a bad anchor (front matter and prose have none).
            if let (Some(to), Some(anchor)) = (r.doc(), r.anchor.as_deref())
                && r.form != RefForm::RelativePath
                && !r.raw.starts_with('#')
                && !kb.doc(to).has_anchor(anchor)
                && !doc
                    .links
                    .iter()
                    .any(|l| l.line == r.line && l.target.trim() == r.raw)
            {
                let p = pattern_ref(kb, to);
                let mut f = new(
                    Rule::BrokenLink,
                    doc,
                    r.line,
                    r.line,
                    format!(
                        "`{}` links `#{anchor}`, but {} has no such heading",
                        r.raw, p.path
                    ),
                    anchor_fix(kb.doc(to)),
                    r.raw.clone(),
                );
                f.pattern = Some(p);
                out.push(f);
            }
            continue;
        }
        let wanted = r.wanted_id();
        let suggestions: Vec<PatternRef> = kb
            .suggest_patterns(&wanted, 3)
            .into_iter()
            .filter_map(|s| kb.pattern(s))
            .map(|d| pattern_ref(kb, d))
            .collect();
        let what = if wanted.ends_with("-pattern")
            || r.form == RefForm::Prose
            || r.form == RefForm::FrontMatter
        {
            format!("pattern `{wanted}`")
        } else {
            format!("page `{}`", r.wanted)
        };
        let hint = match suggestions.as_slice() {
            [] => String::new(),
            s => format!(
                " (did you mean {}?)",
                s.iter()
                    .map(|p| format!("`{}`", p.id))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        let fix = match suggestions.first() {
            Some(p) => format!(
                "Link the existing pattern `{}` ({}) if that is what you meant; otherwise write the \
                 pattern in {repo_name} first, then link it.",
                p.id,
                shown(p)
            ),
            None => format!(
                "No similar pattern exists: write the pattern in {repo_name} first (never solve a \
                 problem without a pattern doc), then link it here."
            ),
        };
        let mut f = new(
            Rule::UnknownPattern,
            doc,
            r.line,
            r.line,
            format!(
                "`{}` refers to {what}, which does not exist in {repo_name}{hint}",
                r.raw
            ),
            fix,
            r.raw.clone(),
        );
        f.suggestions = suggestions;
        out.push(f);
    }
    out
}

fn anchor_fix(target: &Doc) -> String {
    let anchors: Vec<String> = target
        .headings
        .iter()
        .take(12)
        .map(|h| format!("`#{}`", h.anchor))
        .collect();
    if anchors.is_empty() {
        "The target has no headings: drop the `#…` part of the link.".into()
    } else {
        format!("Use one of the target's anchors: {}.", anchors.join(", "))
    }
}

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

// ---- unlinked-procedure ------------------------------------------------------------------

const SHELLS: &[&str] = &[
    "sh",
    "bash",
    "shell",
    "console",
    "zsh",
    "fish",
    "shellsession",
    "powershell",
    "ps1",
    "pwsh",
    "bat",
    "cmd",
    "batch",
];

pub(crate) fn unlinked_procedure(
    kb: &KnowledgeBase,
    id: DocId,
    min_steps: usize,
) -> Option<Finding> {
    let doc = kb.doc(id);
    if doc.kind != DocKind::SiteDoc || kb.references_from(id).next().is_some() {
        return None;
    }
    // Longest numbered list.
    let mut best_list: Option<(usize, u32, u32)> = None;
    let mut commands = 0usize;
    let mut first_shell: Option<(u32, u32)> = None;
    for b in &doc.blocks {
        match &b.kind {
            BlockKind::List { ordered: true } => {
                let n = doc
                    .items
                    .iter()
                    .filter(|i| {
                        i.ordered && i.depth == 0 && b.start_line <= i.line && i.line <= b.end_line
                    })
                    .count();
                if best_list.is_none_or(|(m, _, _)| n > m) {
                    best_list = Some((n, b.start_line, b.end_line));
                }
            }
            BlockKind::Code { lang } => {
                let text = doc.block_text(b);
                let is_shell = match lang {
                    Some(l) => SHELLS.contains(&l.as_str()),
                    None => text.lines().any(|l| {
                        l.trim_start().starts_with("$ ") || l.trim_start().starts_with("sudo ")
                    }),
                };
                if !is_shell {
                    continue;
                }
                let n = text
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with("//"))
                    .filter(|l| lang.is_some() || l.starts_with("$ ") || l.starts_with("sudo "))
                    .count();
                if n > 0 {
                    commands += n;
                    first_shell.get_or_insert((b.start_line, b.end_line));
                }
            }
            _ => {}
        }
    }
    let steps = best_list.map(|b| b.0).unwrap_or(0);
    let (what, start, end) = if steps >= min_steps {
        let (_, s, e) = best_list?;
        (format!("{steps} numbered steps"), s, e)
    } else if commands >= min_steps {
        let (s, e) = first_shell?;
        (format!("{commands} shell commands"), s, e)
    } else {
        return None;
    };
    let repo = &kb.pattern_repo().name;
    Some(new(
        Rule::UnlinkedProcedure,
        doc,
        start,
        end,
        format!(
            "this doc describes a procedure ({what}) but links no pattern of {repo}: document the pattern first"
        ),
        format!(
            "Move the HOW into a pattern doc in {repo} (so every site can reuse it), link it here \
             (e.g. `Follows netstack [x-pattern](https://…/x-pattern/)`), and keep only this site's \
             values in this doc."
        ),
        String::new(),
    ))
}

// ---- site-values-in-pattern --------------------------------------------------------------

static IPV4: std::sync::LazyLock<Regex> = std::sync::LazyLock::new(|| {
    Regex::new(r"(?:^|[^\w.])((\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3}))(/\d{1,2})?(?:[^\w.]|\.(?:\s|$)|$)").unwrap()
});
static INTERNAL_HOST: std::sync::LazyLock<Regex> = std::sync::LazyLock::new(|| {
    Regex::new(r"(?i)\b((?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:lan|local|internal|intranet|corp|localdomain|home\.arpa|int|priv|private))\b")
        .unwrap()
});
static HOSTNAME: std::sync::LazyLock<Regex> = std::sync::LazyLock::new(|| {
    Regex::new(r"(?i)\b((?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.){2,}[a-z]{2,})\b").unwrap()
});

/// A concrete private IPv4 host address (not a network, broadcast or placeholder).
fn private_host_ip(o: [u32; 4], prefix: Option<u32>) -> bool {
    if o.iter().any(|&x| x > 255) {
        return false;
    }
    let private = o[0] == 10
        || (o[0] == 172 && (16..=31).contains(&o[1]))
        || (o[0] == 192 && o[1] == 168)
        || (o[0] == 100 && (64..=127).contains(&o[1]));
    if !private || o[3] == 255 {
        return false;
    }
    let ip = (o[0] << 24) | (o[1] << 16) | (o[2] << 8) | o[3];
    match prefix {
        // A network (`10.20.0.0/16`) is a design choice, not a host.
        Some(p) if p <= 32 => {
            let host_bits = if p == 0 {
                u32::MAX
            } else {
                (!0u32).checked_shr(p).unwrap_or(0)
            };
            ip & host_bits != 0
        }
        _ => o[3] != 0,
    }
}

pub(crate) fn site_values_in_pattern(kb: &KnowledgeBase, id: DocId) -> Vec<Finding> {
    let doc = kb.doc(id);
    if doc.kind != DocKind::Pattern {
        return Vec::new();
    }
    let sites: BTreeSet<String> = kb.sites().map(|s| s.to_ascii_lowercase()).collect();
    let mut out = Vec::new();
    for b in &doc.blocks {
        let text = doc.block_text(b);
        let mut found: BTreeSet<String> = BTreeSet::new();
        let mut first_line: Option<u32> = None;
        let mut note = |value: &str, offset: usize, found: &mut BTreeSet<String>| {
            if found.insert(value.to_string()) {
                let line = doc.line_map.line_at(b.text.start + offset);
                first_line = Some(first_line.map_or(line, |l: u32| l.min(line)));
            }
        };
        for cap in IPV4.captures_iter(text) {
            let o = [2, 3, 4, 5].map(|i| cap[i].parse::<u32>().unwrap_or(999));
            let prefix = cap.get(6).and_then(|m| m.as_str()[1..].parse::<u32>().ok());
            if private_host_ip(o, prefix) {
                let m = cap.get(1).unwrap();
                note(m.as_str(), m.start(), &mut found);
            }
        }
        for cap in INTERNAL_HOST.captures_iter(text) {
            let m = cap.get(1).unwrap();
            let h = m.as_str().to_ascii_lowercase();
            if h.split('.').any(|l| l == "example") {
                continue;
            }
            note(m.as_str(), m.start(), &mut found);
        }
        for cap in HOSTNAME.captures_iter(text) {
            let m = cap.get(1).unwrap();
            let h = m.as_str().to_ascii_lowercase();
            let labels: Vec<&str> = h.split('.').collect();
            if labels.contains(&"example") || labels.len() < 3 {
                continue;
            }
            // `nas01.wf.example-fed.org`: a label naming one of the sites.
            if labels[..labels.len() - 1]
                .iter()
                .skip(1)
                .any(|l| sites.contains(*l))
            {
                note(m.as_str(), m.start(), &mut found);
            }
        }
        if found.is_empty() {
            continue;
        }
        let line = first_line.unwrap_or(b.start_line);
        let values: Vec<String> = found.iter().map(|v| format!("`{v}`")).collect();
        out.push(new(
            Rule::SiteValuesInPattern,
            doc,
            line.max(b.start_line),
            b.end_line,
            format!(
                "pattern contains concrete site values ({}): patterns should stay reusable",
                values.join(", ")
            ),
            "Replace them with placeholders or documentation values (`192.0.2.10`, \
             `ns1.example.org`), declare them in front matter `values:`, and move the concrete \
             values to the site's doc."
                .into(),
            found.into_iter().collect::<Vec<_>>().join(","),
        ));
    }
    out
}

// ---- contracts ---------------------------------------------------------------------------

pub(crate) fn contract(kb: &KnowledgeBase, site: &str) -> Option<Finding> {
    let repo = kb.site_repo(site)?;
    let status = kb.contract(site)?;
    let mut f = match status {
        ContractStatus::Valid(_) => return None,
        ContractStatus::Missing => Finding::new(
            Rule::MissingContract,
            Some(site),
            site,
            CONTRACT_FILE,
            1,
            1,
            format!(
                "site `{site}` has no {CONTRACT_FILE}: nobody is named to receive action recommendations"
            ),
            Rule::MissingContract.info().fix,
            String::new(),
        ),
        ContractStatus::Invalid { line, reason } => {
            let mut f = Finding::new(
                Rule::InvalidContract,
                Some(site),
                site,
                CONTRACT_FILE,
                *line,
                *line,
                format!(
                    "{CONTRACT_FILE} names no usable contact for action recommendations: {reason}"
                ),
                Rule::InvalidContract.info().fix,
                reason.clone(),
            );
            f.abs_path = Some(repo.root.join(CONTRACT_FILE));
            f
        }
    };
    // Where the contract is (or belongs), so paths show relative to the working folder.
    f.abs_path = Some(repo.root.join(CONTRACT_FILE));
    Some(f)
}

// ---- missing-values ----------------------------------------------------------------------

/// `missing-values` for one site: the values every followed pattern declares must be
/// supplied by the site's docs that follow it. `docs` are the site docs being linted.
pub(crate) fn missing_values(kb: &KnowledgeBase, docs: &[DocId]) -> Vec<Finding> {
    // pattern → docs of this site that follow it
    let mut followers: BTreeMap<DocId, Vec<DocId>> = BTreeMap::new();
    let mut specificity: BTreeMap<DocId, usize> = BTreeMap::new();
    for &d in docs {
        if kb.doc(d).kind != DocKind::SiteDoc {
            continue;
        }
        let followed = kb.followed_by_doc(d);
        specificity.insert(d, followed.len());
        for p in followed {
            if !kb.doc(p).declared_values.is_empty() {
                followers.entry(p).or_default().push(d);
            }
        }
    }
    let mut out = Vec::new();
    for (p, fdocs) in followers {
        let pattern = kb.doc(p);
        let supplying: Vec<&[crate::values::SiteValue]> =
            fdocs.iter().map(|&d| kb.doc(d).values.as_slice()).collect();
        let missing = crate::values::missing(&pattern.declared_values, &supplying);
        if missing.is_empty() {
            continue;
        }
        // Report on the follower that is most about this pattern.
        let doc_id = *fdocs
            .iter()
            .min_by_key(|&&d| {
                let doc = kb.doc(d);
                let fm = doc
                    .front_matter
                    .as_ref()
                    .is_some_and(|f| !f.list("follows").is_empty());
                (
                    std::cmp::Reverse(doc.values.len().min(1)),
                    !fm,
                    specificity.get(&d).copied().unwrap_or(0),
                    doc.path.clone(),
                )
            })
            .expect("followers are non-empty");
        let doc = kb.doc(doc_id);
        let line = kb
            .references_from(doc_id)
            .filter(|r| r.doc() == Some(p))
            .map(|r| r.line)
            .min()
            .unwrap_or(1);
        let pref = pattern_ref(kb, p);
        let names: Vec<String> = missing.iter().map(|s| format!("`{}`", s.key)).collect();
        let rows: Vec<String> = missing
            .iter()
            .map(|s| {
                format!(
                    "| {} | {} |",
                    s.key,
                    s.description.as_deref().unwrap_or("…")
                )
            })
            .collect();
        let mut f = new(
            Rule::MissingValues,
            doc,
            line,
            line,
            format!(
                "follows `{}` but does not supply {} {} the pattern declares",
                pref.id,
                if missing.len() == 1 {
                    "the value"
                } else {
                    "the values"
                },
                names.join(", ")
            ),
            format!(
                "Add them to this doc's `## Values` section (or front matter `values:`):\n\n| Key | Value |\n|---|---|\n{}",
                rows.join("\n")
            ),
            format!(
                "{}:{}",
                pref.id,
                missing
                    .iter()
                    .map(|s| s.key.as_str())
                    .collect::<Vec<_>>()
                    .join(",")
            ),
        );
        f.pattern = Some(pref);
        out.push(f);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_hosts_not_networks() {
        assert!(private_host_ip([10, 20, 0, 53], None));
        assert!(private_host_ip([192, 168, 1, 10], None));
        assert!(!private_host_ip([10, 0, 0, 0], Some(8)));
        assert!(!private_host_ip([192, 168, 10, 0], Some(24)));
        assert!(private_host_ip([10, 99, 0, 1], Some(24)));
        assert!(!private_host_ip([192, 0, 2, 10], None));
        assert!(!private_host_ip([8, 8, 8, 8], None));
        assert!(!private_host_ip([172, 32, 0, 1], None));
    }

    #[test]
    fn key_matching_is_by_whole_words() {
        assert!(crate::values::key_answers("acme_contact", "acme_contact"));
        assert!(crate::values::key_answers(
            "acme_contact",
            "acme_contact_email"
        ));
        assert!(!crate::values::key_answers("acme_contact", "acme_server"));
        assert!(!crate::values::key_answers("contact", "contacts"));
        assert!(crate::values::is_placeholder("TODO"));
        assert!(!crate::values::is_placeholder("02:00"));
    }
}
