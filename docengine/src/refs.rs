//! References from docs to the pattern repo, in every form site docs use: published URLs
//! (with or without trailing slash, folder URLs), forge `blob`/`tree` URLs on any branch,
//! relative paths into a checkout, front matter `follows:`, and prose such as
//! "per netstack cli-helper-pattern". Extraction is per doc; resolution needs the KB.

use std::collections::HashSet;
use std::path::Path;

use regex::Regex;
use serde::Serialize;

use crate::doc::{BlockKind, Doc, LinkKind};
use crate::paths::normalize;
use crate::publication::{Publication, UrlTarget, percent_decode};

/// How a reference was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RefForm {
    /// `https://netstack.org/docs/…/x-pattern/`
    PublishedUrl,
    /// `https://github.com/ORG/netstack/blob/BRANCH/docs/…`
    ForgeUrl,
    /// `../../netstack/docs/…/x-pattern.md`
    RelativePath,
    /// `follows: [x-pattern]`
    FrontMatter,
    /// "per netstack x-pattern"
    Prose,
}

impl RefForm {
    pub fn as_str(self) -> &'static str {
        match self {
            RefForm::PublishedUrl => "published-url",
            RefForm::ForgeUrl => "forge-url",
            RefForm::RelativePath => "relative-path",
            RefForm::FrontMatter => "front-matter",
            RefForm::Prose => "prose",
        }
    }
}

/// What a reference asks for, before resolution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Want {
    /// Candidate repo paths, most likely first.
    Paths(Vec<String>),
    /// A pattern id.
    Id(String),
}

/// A reference found in a doc, not yet resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub line: u32,
    pub form: RefForm,
    /// The text as written (URL, path, id).
    pub raw: String,
    pub want: Want,
    pub anchor: Option<String>,
}

/// Where a reference leads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Target {
    /// A loaded doc of the pattern repo.
    Doc { id: usize },
    /// A file of the pattern repo that is not a doc (a script, an image).
    File { path: String },
    /// A folder of the pattern repo without a README or index page (a folder URL).
    Folder { path: String },
    /// Nothing: the reference is broken.
    Missing,
}

/// A resolved reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reference {
    /// The doc it was found in.
    pub from: usize,
    pub line: u32,
    pub form: RefForm,
    pub raw: String,
    /// What it asked for: a repo path (`docs/ops/x-pattern.md`) or a pattern id.
    pub wanted: String,
    pub anchor: Option<String>,
    pub target: Target,
}

impl Reference {
    /// The doc it resolves to, if any.
    pub fn doc(&self) -> Option<usize> {
        match self.target {
            Target::Doc { id } => Some(id),
            _ => None,
        }
    }

    pub fn is_missing(&self) -> bool {
        self.target == Target::Missing
    }

    /// The pattern id this reference most likely meant (for "did you mean").
    pub fn wanted_id(&self) -> String {
        let last = self
            .wanted
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or(&self.wanted);
        let last = last.strip_suffix(".md").unwrap_or(last);
        if last.eq_ignore_ascii_case("readme") || last.eq_ignore_ascii_case("index") {
            let mut parts: Vec<&str> = self.wanted.trim_end_matches('/').split('/').collect();
            parts.pop();
            return parts.pop().unwrap_or(last).to_ascii_lowercase();
        }
        last.to_ascii_lowercase()
    }
}

/// What extraction needs to know about the pattern repo.
pub struct RefContext<'a> {
    pub publication: &'a Publication,
    /// Absolute, normalized root of the pattern repo checkout.
    pub pattern_root: &'a Path,
    /// Ids of all patterns (lowercase), so prose can name patterns without `-pattern`.
    pub known_ids: &'a HashSet<String>,
    /// The prose-reference pattern, compiled on first use: link resolution builds contexts
    /// often and never needs it.
    prose_pattern: String,
    prose: std::sync::OnceLock<Regex>,
}

impl<'a> RefContext<'a> {
    pub fn new(
        publication: &'a Publication,
        pattern_root: &'a Path,
        known_ids: &'a HashSet<String>,
    ) -> Self {
        let mut cues = vec![
            "per".to_string(),
            "follows?".into(),
            "following".into(),
            "followed".into(),
            "see".into(),
            "using".into(),
            "uses".into(),
            "implements?".into(),
            "via".into(),
        ];
        // The repo's own names, and "netstack", which federations use for their pattern repo
        // in prose whatever its folder is called.
        let mut names: Vec<String> = vec!["netstack".into()];
        for n in publication.names() {
            let n = regex::escape(n);
            if !names.contains(&n) {
                names.push(n);
            }
        }
        cues.extend(names.iter().cloned());
        let names = names.join("|");
        let pattern = format!(
            r"(?i)\b(?:{})\s+(?:the\s+)?(?:(?:{names})(?:'s)?\s+)?(?:pattern:?\s+)?[`'\x22*_]*([a-z0-9][a-z0-9_-]*[a-z0-9])",
            cues.join("|")
        );
        RefContext {
            publication,
            pattern_root,
            known_ids,
            prose_pattern: pattern,
            prose: std::sync::OnceLock::new(),
        }
    }
}

impl RefContext<'_> {
    fn prose(&self) -> &Regex {
        self.prose
            .get_or_init(|| Regex::new(&self.prose_pattern).expect("prose reference regex"))
    }
}

/// Candidate repo paths for a path inside the pattern repo (a folder may mean its README).
pub fn path_candidates(path: &str) -> Vec<String> {
    let p = path.trim_matches('/');
    let file = p.rsplit('/').next().unwrap_or(p);
    if p.is_empty() {
        return vec!["README.md".into(), "index.md".into()];
    }
    if file.contains('.') {
        return vec![p.to_string()];
    }
    vec![
        format!("{p}.md"),
        format!("{p}/README.md"),
        format!("{p}/index.md"),
        format!("{p}/readme.md"),
        p.to_string(),
    ]
}

/// Find every reference a doc makes to the pattern repo.
pub fn extract(doc: &Doc, ctx: &RefContext<'_>) -> Vec<Candidate> {
    let mut out = Vec::new();

    if let Some(fm) = &doc.front_matter {
        for key in ["follows", "patterns", "follow"] {
            for id in fm.list(key) {
                let id = id.trim().trim_end_matches(".md");
                if id.is_empty() {
                    continue;
                }
                // `follows:` may also hold a URL or a path.
                if let Some(c) = classify_link(doc, id, ctx) {
                    out.push(Candidate {
                        form: RefForm::FrontMatter,
                        line: front_matter_line(doc, id),
                        ..c
                    });
                } else {
                    out.push(Candidate {
                        line: front_matter_line(doc, id),
                        form: RefForm::FrontMatter,
                        raw: id.to_string(),
                        want: Want::Id(id.to_ascii_lowercase()),
                        anchor: None,
                    });
                }
            }
        }
    }

    for link in &doc.links {
        if link.kind == LinkKind::Image {
            continue;
        }
        if let Some(mut c) = classify_link(doc, &link.target, ctx) {
            c.line = link.line;
            out.push(c);
        }
    }

    for block in &doc.blocks {
        if matches!(block.kind, BlockKind::Code { .. }) {
            continue;
        }
        let text = doc.block_text(block);
        for cap in ctx.prose().captures_iter(text) {
            let m = cap.get(1).expect("group 1");
            let id = m.as_str().to_ascii_lowercase();
            if !(id.ends_with("-pattern") || ctx.known_ids.contains(&id)) {
                continue;
            }
            // Part of a URL or path: that form is handled as a link.
            let before = &text[..m.start()];
            if before.ends_with('/')
                || text[m.end()..].starts_with(".md")
                || text[m.end()..].starts_with('/')
            {
                continue;
            }
            let line = doc.line_map.line_at(block.text.start + m.start());
            out.push(Candidate {
                line,
                form: RefForm::Prose,
                raw: m.as_str().to_string(),
                want: Want::Id(id),
                anchor: None,
            });
        }
    }
    out
}

fn front_matter_line(doc: &Doc, needle: &str) -> u32 {
    doc.source
        .lines()
        .take(doc.body_line as usize)
        .position(|l| l.contains(needle))
        .map(|i| i as u32 + 1)
        .unwrap_or(1)
}

/// Classify one link target as a reference to the pattern repo (or not).
pub fn classify_link(doc: &Doc, target: &str, ctx: &RefContext<'_>) -> Option<Candidate> {
    let target = target.trim();
    if target.is_empty() || target.starts_with('#') {
        return None;
    }
    if let Some((scheme, _)) = target.split_once(':')
        && !scheme.is_empty()
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '-' || c == '.')
        && scheme.len() > 1
    {
        // An absolute URL (http, https, mailto, …).
        return match ctx.publication.classify(target)? {
            UrlTarget::Page { page, anchor } => Some(Candidate {
                line: 0,
                form: RefForm::PublishedUrl,
                raw: target.to_string(),
                want: Want::Paths(ctx.publication.candidates_for_page(&page)),
                anchor,
            }),
            UrlTarget::Forge { candidates, anchor } => Some(Candidate {
                line: 0,
                form: RefForm::ForgeUrl,
                raw: target.to_string(),
                want: Want::Paths(candidates.iter().flat_map(|c| path_candidates(c)).collect()),
                anchor,
            }),
        };
    }
    let (path, anchor) = match target.split_once('#') {
        Some((p, a)) => (p, Some(percent_decode(a)).filter(|a| !a.is_empty())),
        None => (target, None),
    };
    let path = path.split('?').next().unwrap_or(path);
    if path.is_empty() {
        return None;
    }
    let path = percent_decode(path);
    let in_pattern_repo = doc.site.is_none();
    let rel = if path.starts_with('/') {
        // Root-relative: only meaningful inside the pattern repo.
        if !in_pattern_repo {
            return None;
        }
        path.trim_start_matches('/').to_string()
    } else {
        let dir = doc.abs_path.parent()?;
        let resolved = normalize(&dir.join(&path));
        if let Ok(r) = resolved.strip_prefix(ctx.pattern_root) {
            r.to_string_lossy().replace('\\', "/")
        } else {
            // `../../netstack/docs/x.md` from a checkout laid out differently.
            after_repo_name(&path, ctx.publication.names())?
        }
    };
    Some(Candidate {
        line: 0,
        form: RefForm::RelativePath,
        raw: target.to_string(),
        want: Want::Paths(path_candidates(&rel)),
        anchor,
    })
}

fn after_repo_name(path: &str, names: &[String]) -> Option<String> {
    let parts: Vec<&str> = path.split('/').collect();
    let i = parts
        .iter()
        .position(|p| names.iter().any(|n| n.eq_ignore_ascii_case(p)))?;
    // Only when it is reached by going up (`../`), i.e. a sibling checkout.
    if !parts[..i].iter().all(|p| *p == ".." || *p == ".") || i == 0 {
        return None;
    }
    let rest = parts[i + 1..].join("/");
    (!rest.is_empty()).then_some(rest)
}

/// A dedup pass: a prose mention on the same line as a link to the same place adds nothing.
pub fn dedup(refs: &mut Vec<Reference>) {
    let mut seen: HashSet<(usize, u32, String)> = HashSet::new();
    // Non-prose first so they win.
    refs.sort_by_key(|r| (r.from, r.line, r.form == RefForm::Prose));
    refs.retain(|r| {
        let key = match r.target {
            Target::Doc { id } => format!("doc:{id}"),
            _ => format!("want:{}", r.wanted_id()),
        };
        seen.insert((r.from, r.line, key))
    });
    refs.sort_by_key(|r| (r.from, r.line));
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn ctx_parts() -> (Publication, PathBuf, HashSet<String>) {
        let mut p = Publication::new(
            vec!["https://netstack.org/".into()],
            vec!["https://github.com/example-fed/netstack".into()],
            String::new(),
        );
        p.add_name("netstack");
        let ids: HashSet<String> =
            ["offboarding".to_string(), "backup-cron-pattern".to_string()].into();
        (p, PathBuf::from("/kb/netstack"), ids)
    }

    fn site_doc(text: &str) -> Doc {
        crate::testkit::doc(Some("cf"), "docs/backup.md", text)
    }

    #[test]
    fn every_form_is_found() {
        let (p, root, ids) = ctx_parts();
        let ctx = RefContext::new(&p, &root, &ids);
        let doc = site_doc(
            "---\nfollows: [restore-drill-pattern]\n---\n# Backup\n\nBackups run per netstack backup-cron-pattern.\n\n\
             - [a](https://netstack.org/docs/ops/monitor/x-pattern/)\n\
             - [b](https://github.com/example-fed/netstack/blob/master/docs/wan/w-pattern.md)\n\
             - [c](../../netstack/docs/lan/v-pattern.md#steps)\n\
             - we follow netstack offboarding too\n\n```\nper netstack not-a-ref-pattern\n```\n",
        );
        let c = extract(&doc, &ctx);
        let forms: Vec<(RefForm, u32)> = c.iter().map(|c| (c.form, c.line)).collect();
        assert!(forms.contains(&(RefForm::FrontMatter, 2)), "{forms:?}");
        assert!(forms.contains(&(RefForm::Prose, 6)), "{forms:?}");
        assert!(forms.contains(&(RefForm::PublishedUrl, 8)), "{forms:?}");
        assert!(forms.contains(&(RefForm::ForgeUrl, 9)), "{forms:?}");
        assert!(forms.contains(&(RefForm::RelativePath, 10)), "{forms:?}");
        assert!(forms.contains(&(RefForm::Prose, 11)), "{forms:?}");
        assert!(!c.iter().any(|c| c.raw.contains("not-a-ref")));
        let rel = c.iter().find(|c| c.form == RefForm::RelativePath).unwrap();
        assert_eq!(rel.want, Want::Paths(vec!["docs/lan/v-pattern.md".into()]));
        assert_eq!(rel.anchor.as_deref(), Some("steps"));
    }

    #[test]
    fn prose_without_cue_or_suffix_is_ignored() {
        let (p, root, ids) = ctx_parts();
        let ctx = RefContext::new(&p, &root, &ids);
        let doc = site_doc(
            "# X\n\nEmail with netstack pattern link. An anti-pattern here. See the docs.\n",
        );
        assert!(extract(&doc, &ctx).is_empty());
    }

    #[test]
    fn site_internal_links_are_not_references() {
        let (p, root, ids) = ctx_parts();
        let ctx = RefContext::new(&p, &root, &ids);
        let doc = site_doc("# X\n\n[dns](./dns.md) [home](../README.md) [mail](mailto:a@b.org)\n");
        assert!(extract(&doc, &ctx).is_empty());
    }

    #[test]
    fn wanted_id_from_paths() {
        let r = Reference {
            from: 0,
            line: 1,
            form: RefForm::PublishedUrl,
            raw: String::new(),
            wanted: "docs/ops/monitor/uptime-probe-pattern.md".into(),
            anchor: None,
            target: Target::Missing,
        };
        assert_eq!(r.wanted_id(), "uptime-probe-pattern");
    }
}

#[cfg(test)]
mod name_tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn prose_says_netstack_even_when_the_repo_folder_is_named_otherwise() {
        let mut p = Publication::new(vec![], vec![], String::new());
        p.add_name("patterns");
        let root = PathBuf::from("/kb/patterns");
        let ids = HashSet::new();
        let ctx = RefContext::new(&p, &root, &ids);
        let doc = crate::testkit::doc(
            Some("cf"),
            "docs/a.md",
            "# A\n\nRuns per netstack backup-cron-pattern and per patterns dns-pattern.\n",
        );
        let ids: Vec<String> = extract(&doc, &ctx).into_iter().map(|c| c.raw).collect();
        assert_eq!(ids, vec!["backup-cron-pattern", "dns-pattern"]);
    }
}
