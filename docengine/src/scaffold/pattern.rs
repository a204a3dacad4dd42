//! `netstack new pattern` (the workflow's "no pattern exists: document it first" step): the
//! existing patterns closest to what is about to be written ("check the pattern repo
//! first"), and a new `docs/<category>/<name>-pattern.md` with the section structure most
//! patterns of this repo share (their most common level-2 headings, in their usual order)
//! and a `values:` declaration when the repo's patterns use them. Refuses an existing id and
//! a category outside the docs folder; knows the URL the pattern will be published at.

use std::collections::{HashMap, HashSet};
use std::path::{Component, Path};

use crate::doc::DocKind;
use crate::error::{Error, Result};
use crate::kb::{DocId, KnowledgeBase};

use super::Skeleton;

/// What `netstack new pattern` was told.
#[derive(Debug, Clone, Default)]
pub struct PatternOptions {
    /// Category below the docs folder (`ops/backup`).
    pub category: String,
    /// The name, with or without `-pattern` (`backup-rotation`).
    pub name: String,
    /// The title; derived from the name when absent.
    pub title: Option<String>,
}

/// A new pattern, ready to write.
#[derive(Debug, Clone)]
pub struct NewPattern {
    pub skeleton: Skeleton,
    /// Its id (`backup-rotation-pattern`).
    pub id: String,
    /// Repo-relative path (`docs/ops/backup/backup-rotation-pattern.md`).
    pub path: String,
    /// Where it will be published, when the KB knows a base URL.
    pub url: Option<String>,
    /// Existing patterns closest to it, best first.
    pub similar: Vec<DocId>,
}

/// Patterns listed as "closest" at most.
pub const SIMILAR: usize = 5;
/// Headings shared by fewer patterns than this share are not part of the skeleton.
const SHARED: f64 = 0.4;
/// Sections used when the repo's patterns share none.
const DEFAULT_SECTIONS: &[&str] = &["Problem", "Solution", "Steps", "Verification"];

/// The command that writes a pattern named by `words` (a search, a missing page's path) in
/// `category` (`CATEGORY` when unknown), as the search page and the 404 page print it.
pub fn new_pattern_command(category: Option<&str>, words: &str) -> Option<String> {
    let name = slug(words);
    let name = name.strip_suffix("-pattern").unwrap_or(&name);
    if name.is_empty() {
        return None;
    }
    let category = category
        .map(|c| c.trim_matches('/'))
        .filter(|c| !c.is_empty() && valid_category(c))
        .unwrap_or("CATEGORY");
    Some(format!("netstack new pattern {category} {name}"))
}

/// The command that writes the pattern a missing page of the pattern repo names
/// (`/docs/ops/backup/backup-rotation-pattern/` → `netstack new pattern ops/backup
/// backup-rotation`); `None` for paths outside the docs folder, site paths and files.
pub fn new_pattern_command_for_path(kb: &KnowledgeBase, url_path: &str) -> Option<String> {
    let path = url_path.trim_matches('/');
    let first = path.split('/').next().unwrap_or_default();
    if first == "sites" || first == "repo" {
        return None;
    }
    let root = kb.config.patterns.publication.url_root();
    let rel = if root.is_empty() {
        path.to_string()
    } else {
        format!("{}/{path}", root.trim_matches('/'))
    };
    let docs_dir = kb.config.patterns.docs_dir.trim_matches('/');
    let below = if docs_dir.is_empty() {
        rel.as_str()
    } else {
        rel.strip_prefix(docs_dir)?.strip_prefix('/')?
    };
    let (category, last) = below.rsplit_once('/')?;
    let last = last.strip_suffix(".md").unwrap_or(last);
    if last.contains('.') || !valid_category(category) {
        return None;
    }
    new_pattern_command(Some(category), last)
}

/// Plan a new pattern (nothing is written): refuses a name that is no id, a category
/// outside the docs folder, and an id or file that exists.
pub fn new_pattern(kb: &KnowledgeBase, opts: &PatternOptions) -> Result<NewPattern> {
    let name = opts
        .name
        .trim()
        .trim_end_matches(".md")
        .to_ascii_lowercase();
    let stem = name.strip_suffix("-pattern").unwrap_or(&name);
    if stem.is_empty() || slug(stem) != stem {
        return Err(Error::Invalid(format!(
            "NAME `{}` is not a pattern name: use lowercase words joined by `-`, like backup-rotation",
            opts.name
        )));
    }
    let id = format!("{stem}-pattern");
    let raw = opts.category.trim();
    let category = raw.trim_end_matches('/');
    if raw.starts_with('/') || !valid_category(category) {
        return Err(Error::Invalid(format!(
            "CATEGORY `{}` is not a folder below the docs folder: give a path like ops/backup (no `..`, no leading `/`)",
            opts.category
        )));
    }
    if let Some(d) = kb.pattern(&id) {
        return Err(Error::Invalid(format!(
            "pattern `{id}` already exists ({}): follow it, or pick another NAME",
            kb.display_path(kb.doc(d))
        )));
    }
    let docs_dir = kb.config.patterns.docs_dir.trim_matches('/');
    let path = [docs_dir, category, &format!("{id}.md")]
        .iter()
        .filter(|p| !p.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join("/");
    let abs = kb.pattern_repo().root.join(&path);
    if abs.exists() || abs.is_symlink() {
        return Err(Error::Invalid(format!(
            "{} already exists: netstack never overwrites a file",
            abs.display()
        )));
    }
    let title = opts
        .title
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .unwrap_or_else(|| title_of(stem));
    if title.contains('\n') {
        return Err(Error::Invalid("--title must be one line".into()));
    }
    let patterns: Vec<DocId> = kb.patterns().map(|(_, d)| d).collect();
    let sections = common_sections(kb, &patterns);
    let with_values = uses_values(kb, &patterns);
    let mut text = String::new();
    if with_values {
        text.push_str("---\nvalues: [VALUE_NAME]\n---\n\n");
    }
    text.push_str(&format!("# {title}\n\n"));
    text.push_str("One paragraph: the problem this pattern solves and when a site needs it.\n");
    for s in &sections {
        text.push_str(&format!("\n## {s}\n\nTODO\n"));
    }
    let words = format!("{stem} {title}");
    Ok(NewPattern {
        skeleton: Skeleton { path: abs, text },
        url: kb.config.patterns.publication.published_url(&path),
        similar: similar_patterns(kb, &words, SIMILAR),
        id,
        path,
    })
}

/// Existing patterns that share the most words (of their id, title and category) with
/// `words`, best first; none when nothing is shared.
pub fn similar_patterns(kb: &KnowledgeBase, words: &str, limit: usize) -> Vec<DocId> {
    let wanted = word_set(words);
    if wanted.is_empty() {
        return Vec::new();
    }
    let mut scored: Vec<(usize, &str, DocId)> = kb
        .patterns()
        .filter_map(|(id, d)| {
            let doc = kb.doc(d);
            let theirs = word_set(&format!(
                "{id} {} {}",
                doc.title,
                doc.category.as_deref().unwrap_or_default()
            ));
            let shared = wanted.intersection(&theirs).count();
            (shared > 0).then_some((shared, id, d))
        })
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
    scored.into_iter().take(limit).map(|(_, _, d)| d).collect()
}

/// The level-2 headings at least [`SHARED`] of the patterns have, in their usual order (mean
/// relative position), written as most patterns write them.
fn common_sections(kb: &KnowledgeBase, patterns: &[DocId]) -> Vec<String> {
    struct Seen {
        docs: usize,
        position: f64,
        spellings: HashMap<String, usize>,
    }
    let mut seen: HashMap<String, Seen> = HashMap::new();
    for &p in patterns {
        let doc = kb.doc(p);
        let h2: Vec<&str> = doc
            .headings
            .iter()
            .filter(|h| h.level == 2)
            .map(|h| h.text.trim())
            .collect();
        let mut once = HashSet::new();
        for (i, h) in h2.iter().enumerate() {
            let key = h.to_lowercase();
            if key.is_empty() || !once.insert(key.clone()) {
                continue;
            }
            let e = seen.entry(key).or_insert(Seen {
                docs: 0,
                position: 0.0,
                spellings: HashMap::new(),
            });
            e.docs += 1;
            e.position += i as f64 / h2.len() as f64;
            *e.spellings.entry(h.to_string()).or_default() += 1;
        }
    }
    let need = ((patterns.len() as f64) * SHARED).ceil().max(2.0) as usize;
    let mut shared: Vec<(f64, String)> = seen
        .into_values()
        .filter(|s| s.docs >= need)
        .map(|s| {
            let mut spellings: Vec<(String, usize)> = s.spellings.into_iter().collect();
            spellings.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            (s.position / s.docs as f64, spellings.swap_remove(0).0)
        })
        .collect();
    if shared.is_empty() {
        return DEFAULT_SECTIONS.iter().map(|s| s.to_string()).collect();
    }
    shared.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    shared.into_iter().map(|(_, h)| h).collect()
}

/// Does this repo use `values:` declarations (does any pattern declare site values)? A
/// convention a repo has adopted is one every new pattern should follow.
fn uses_values(kb: &KnowledgeBase, patterns: &[DocId]) -> bool {
    patterns
        .iter()
        .any(|&p| kb.doc(p).kind == DocKind::Pattern && !kb.doc(p).declared_values.is_empty())
}

fn valid_category(c: &str) -> bool {
    !c.is_empty()
        && !c.contains('\\')
        && !c.contains(':')
        && !c.split('/').any(|s| s.is_empty() || s.starts_with('.'))
        && Path::new(c)
            .components()
            .all(|p| matches!(p, Component::Normal(_)))
}

/// Lowercase words joined by `-`.
fn slug(words: &str) -> String {
    words
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect::<Vec<_>>()
        .join("-")
}

/// `backup-rotation` → "Backup rotation pattern".
fn title_of(stem: &str) -> String {
    let words = stem.replace('-', " ");
    let mut c = words.chars();
    match c.next() {
        Some(f) => format!("{}{} pattern", f.to_ascii_uppercase(), c.as_str()),
        None => "New pattern".into(),
    }
}

/// Words that say something (lowercase, a trailing plural `s` dropped), without "pattern"
/// and short glue words.
fn word_set(text: &str) -> HashSet<String> {
    const STOP: &[&str] = &[
        "pattern", "the", "and", "for", "with", "from", "into", "how", "new", "per",
    ];
    text.split(|c: char| !c.is_alphanumeric())
        .map(str::to_lowercase)
        .filter(|w| w.len() > 2 && !STOP.contains(&w.as_str()))
        .map(|w| match w.strip_suffix('s') {
            Some(s) if s.len() > 2 && !s.ends_with('s') => s.to_string(),
            _ => w,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = "[patterns]\npath = \"netstack\"\nbase_urls = [\"https://n.org/\"]\n";

    fn pattern(values: bool, headings: &[&str]) -> String {
        let mut t = String::new();
        if values {
            t.push_str("---\nvalues: [target]\n---\n");
        }
        t.push_str("# P\n\n");
        for h in headings {
            t.push_str(&format!("## {h}\n\ntext\n\n"));
        }
        t
    }

    fn kb() -> (tempfile::TempDir, KnowledgeBase) {
        let a = pattern(
            true,
            &[
                "Problem",
                "Steps",
                "Values a site must supply",
                "Verification",
            ],
        );
        let b = pattern(
            true,
            &[
                "Problem",
                "How it works",
                "Steps",
                "Verification",
                "Pitfalls",
            ],
        );
        let c = pattern(false, &["problem", "Steps", "Verification"]);
        let d = pattern(false, &["Background", "Steps"]);
        crate::testkit::kb_from(
            &[
                (
                    "netstack/docs/ops/backup/backup-cron-pattern.md",
                    a.as_str(),
                ),
                (
                    "netstack/docs/ops/backup/restore-drill-pattern.md",
                    b.as_str(),
                ),
                ("netstack/docs/wan/dynamic-dns-pattern.md", c.as_str()),
                ("netstack/docs/lan/vlan-segmentation-pattern.md", d.as_str()),
                (
                    "netstack/docs/guides/howto.md",
                    "# How to\n\n## Unrelated\n",
                ),
            ],
            CONFIG,
        )
    }

    #[test]
    fn the_skeleton_has_the_sections_most_patterns_share_in_order_and_values() {
        let (_d, kb) = kb();
        let p = new_pattern(
            &kb,
            &PatternOptions {
                category: "ops/backup/".into(),
                name: "backup-rotation".into(),
                title: None,
            },
        )
        .unwrap();
        assert_eq!(p.id, "backup-rotation-pattern");
        assert_eq!(p.path, "docs/ops/backup/backup-rotation-pattern.md");
        assert!(
            p.skeleton
                .path
                .ends_with("netstack/docs/ops/backup/backup-rotation-pattern.md")
        );
        assert_eq!(
            p.url.as_deref(),
            Some("https://n.org/docs/ops/backup/backup-rotation-pattern/")
        );
        let h2: Vec<&str> = p
            .skeleton
            .text
            .lines()
            .filter_map(|l| l.strip_prefix("## "))
            .collect();
        // "Problem" in 3 of 4, Steps 4, Verification 3; the rest in fewer than 40 %.
        assert_eq!(
            h2,
            ["Problem", "Steps", "Verification"],
            "{}",
            p.skeleton.text
        );
        assert!(
            p.skeleton
                .text
                .starts_with("---\nvalues: [VALUE_NAME]\n---\n\n# Backup rotation pattern\n")
        );
        // The closest existing patterns: the two that share "backup".
        let similar: Vec<&str> = p
            .similar
            .iter()
            .map(|&d| kb.doc(d).pattern_id.as_deref().unwrap())
            .collect();
        assert_eq!(similar, ["backup-cron-pattern", "restore-drill-pattern"]);
        // The skeleton is a pattern the KB reads with its values declared.
        let doc = crate::testkit::doc(None, &p.path, &p.skeleton.text);
        assert_eq!(doc.kind, DocKind::Pattern);
        assert_eq!(doc.declared_values.len(), 1);
    }

    #[test]
    fn existing_ids_and_categories_outside_the_docs_folder_are_refused() {
        let (_d, kb) = kb();
        let plan = |category: &str, name: &str| {
            new_pattern(
                &kb,
                &PatternOptions {
                    category: category.into(),
                    name: name.into(),
                    title: Some("T".into()),
                },
            )
        };
        let e = plan("wan", "dynamic-dns-pattern").unwrap_err().to_string();
        assert!(
            e.contains("`dynamic-dns-pattern` already exists")
                && e.contains("dynamic-dns-pattern.md"),
            "{e}"
        );
        assert!(
            plan("lan", "Dynamic-DNS")
                .unwrap_err()
                .to_string()
                .contains("already exists")
        );
        for bad in ["../etc", "/abs", "ops/../../x", "", ".git", "a\\b", "c:/x"] {
            let e = plan(bad, "fresh").unwrap_err().to_string();
            assert!(
                e.contains("is not a folder below the docs folder"),
                "{bad}: {e}"
            );
        }
        assert!(
            plan("ops", "not a name")
                .unwrap_err()
                .to_string()
                .contains("is not a pattern name")
        );
        let fresh = plan("new/area", "fresh").unwrap();
        assert!(fresh.skeleton.text.contains("# T\n"));
        assert!(
            fresh.similar.is_empty(),
            "nothing shares a word with `fresh T`"
        );
    }

    #[test]
    fn repos_whose_patterns_share_nothing_get_default_sections_and_no_values() {
        let (_d, kb) = crate::testkit::kb_from(
            &[("netstack/docs/a/x-pattern.md", "# X\n\n## Only here\n")],
            CONFIG,
        );
        let p = new_pattern(
            &kb,
            &PatternOptions {
                category: "a".into(),
                name: "y".into(),
                title: None,
            },
        )
        .unwrap();
        assert!(!p.skeleton.text.contains("values:"));
        assert!(
            p.skeleton.text.contains("## Problem\n")
                && p.skeleton.text.contains("## Verification\n")
        );
    }

    #[test]
    fn the_command_for_a_missing_page_of_the_pattern_repo() {
        let (_d, kb) = kb();
        let cmd = |p: &str| new_pattern_command_for_path(&kb, p);
        assert_eq!(
            cmd("/docs/ops/backup/backup-rotation-pattern/").as_deref(),
            Some("netstack new pattern ops/backup backup-rotation")
        );
        assert_eq!(
            cmd("/docs/lan/printers.md").as_deref(),
            Some("netstack new pattern lan printers")
        );
        for none in [
            "/sites/cf/docs/x.md",
            "/docs/x-pattern/",
            "/docs/ops/run.sh",
            "/other/a/b/",
        ] {
            assert_eq!(cmd(none), None, "{none}");
        }
    }

    #[test]
    fn the_command_for_a_search_or_a_missing_page() {
        assert_eq!(
            new_pattern_command(Some("ops/backup"), "backup-rotation-pattern").as_deref(),
            Some("netstack new pattern ops/backup backup-rotation")
        );
        assert_eq!(
            new_pattern_command(None, "Printer queues").as_deref(),
            Some("netstack new pattern CATEGORY printer-queues")
        );
        assert_eq!(
            new_pattern_command(Some("../x"), "a b").as_deref(),
            Some("netstack new pattern CATEGORY a-b")
        );
        assert_eq!(new_pattern_command(None, "  !! "), None);
    }
}
