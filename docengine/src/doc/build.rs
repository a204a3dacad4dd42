//! Building a `Doc` from a file's text: front matter, the markdown pass, classification
//! (pattern / guide / site doc / contract), the title, and the values a doc declares or
//! supplies.

use super::markdown::{Heading, ParsedFile, parse_source};
use super::model::{Doc, DocKind};
use crate::front_matter::{self, FrontMatter};

/// Words that are not a real title.
fn is_junk_title(t: &str) -> bool {
    let t = t
        .trim()
        .trim_matches(|c: char| !c.is_alphanumeric())
        .to_ascii_lowercase();
    t.is_empty()
        || matches!(
            t.as_str(),
            "todo"
                | "tbd"
                | "untitled"
                | "title"
                | "draft"
                | "wip"
                | "new page"
                | "readme"
                | "index"
                | "notes"
                | "fixme"
                | "xxx"
                | "test"
        )
}

/// Choose a title: front matter `title`, else the first `# ` heading near the top (not junk),
/// else a name made from the file name.
pub(crate) fn choose_title(
    fm: Option<&FrontMatter>,
    headings: &[Heading],
    body_line: u32,
    path: &str,
    repo_name: &str,
) -> String {
    if let Some(t) = fm.and_then(|f| f.str("title")) {
        return t.to_string();
    }
    if let Some(h1) = headings.iter().find(|h| h.level == 1) {
        let first = headings
            .first()
            .map(|h| std::ptr::eq(h, h1))
            .unwrap_or(false);
        if (first || h1.line <= body_line + 40) && !is_junk_title(&h1.text) {
            return h1.text.clone();
        }
    }
    title_from_path(path, repo_name)
}

/// `docs/ops/backup/backup-cron-pattern.md` → "Backup cron pattern"; a README takes its
/// folder's name.
pub fn title_from_path(path: &str, repo_name: &str) -> String {
    let mut parts: Vec<&str> = path.split('/').collect();
    let file = parts.pop().unwrap_or(path);
    let stem = file.rsplit_once('.').map(|(s, _)| s).unwrap_or(file);
    let name = if stem.eq_ignore_ascii_case("readme") || stem.eq_ignore_ascii_case("index") {
        parts.pop().unwrap_or(repo_name)
    } else {
        stem
    };
    let words = name.trim_start_matches('.').replace(['-', '_'], " ");
    let mut chars = words.trim().chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => repo_name.to_string(),
    }
}

/// Where a doc comes from, for [`Doc::build`].
#[derive(Debug, Clone, Copy)]
pub struct Origin<'a> {
    /// Repo name (pattern repo name or site name).
    pub repo: &'a str,
    /// Site name, `None` for the pattern repo.
    pub site: Option<&'a str>,
    /// Path relative to the repo root.
    pub rel: &'a str,
    pub abs: &'a std::path::Path,
    /// The pattern repo's docs folder (categories are folders below it).
    pub docs_dir: &'a str,
}

/// File contents and facts for [`Doc::build`].
#[derive(Debug, Clone)]
pub struct Contents {
    pub text: String,
    pub hash: u64,
    pub bytes: u64,
    pub truncated: bool,
}

impl Doc {
    /// Parse and classify a document. A front matter error is returned beside the doc,
    /// which is still built from the rest of the file.
    pub fn build(
        origin: Origin<'_>,
        contents: Contents,
    ) -> (Doc, Option<front_matter::FrontMatterError>) {
        let ParsedFile {
            front_matter,
            body_line,
            parsed,
        } = parse_source(&contents.text);
        let (fm, fm_error) = match front_matter {
            Some(Ok(fm)) => (Some(fm), None),
            Some(Err(e)) => (None, Some(e)),
            None => (None, None),
        };
        let title = choose_title(
            fm.as_ref(),
            &parsed.headings,
            body_line,
            origin.rel,
            origin.repo,
        );
        let file = origin.rel.rsplit('/').next().unwrap_or(origin.rel);
        let stem = file.rsplit_once('.').map(|(s, _)| s).unwrap_or(file);

        let fm_kind = fm
            .as_ref()
            .and_then(|f| f.str("kind"))
            .map(str::to_ascii_lowercase);
        let kind = match origin.site {
            Some(_) if origin.rel == crate::source::CONTRACT_FILE => DocKind::Contract,
            Some(_) => DocKind::SiteDoc,
            None => {
                let named = stem.to_ascii_lowercase().ends_with("-pattern");
                let titled = title
                    .trim_start()
                    .to_ascii_lowercase()
                    .starts_with("pattern:")
                    || parsed
                        .headings
                        .iter()
                        .find(|h| h.level == 1)
                        .is_some_and(|h| h.text.to_ascii_lowercase().starts_with("pattern:"));
                match fm_kind.as_deref() {
                    Some("pattern") => DocKind::Pattern,
                    Some(_) => DocKind::Guide,
                    None if named || titled => DocKind::Pattern,
                    None => DocKind::Guide,
                }
            }
        };
        let pattern_id = (kind == DocKind::Pattern).then(|| stem.to_ascii_lowercase());

        let category = fm
            .as_ref()
            .and_then(|f| f.str("category"))
            .map(|c| c.trim_matches('/').to_string())
            .or_else(|| {
                if origin.site.is_some() {
                    return None;
                }
                let under = if origin.docs_dir.is_empty() {
                    Some(origin.rel)
                } else {
                    origin
                        .rel
                        .strip_prefix(origin.docs_dir.trim_matches('/'))
                        .and_then(|r| r.strip_prefix('/'))
                };
                under
                    .and_then(|r| r.rsplit_once('/'))
                    .map(|(dir, _)| dir.to_string())
            });
        let tags = fm.as_ref().map(|f| f.list("tags")).unwrap_or_default();
        let summary = fm
            .as_ref()
            .and_then(|f| f.str("summary").or_else(|| f.str("description")))
            .map(str::to_string);
        let declared_values = if kind == DocKind::Pattern {
            crate::values::declared(fm.as_ref())
        } else {
            Vec::new()
        };
        let values = if kind == DocKind::SiteDoc {
            let heading = |i: usize| {
                parsed
                    .sections
                    .get(i)
                    .and_then(|s| s.heading)
                    .map(|h| parsed.headings[h].text.as_str())
            };
            let mut values =
                crate::values::supplied(fm.as_ref(), &parsed.tables, &parsed.items, heading);
            // Front matter values: point at the line of their key.
            if let Some(fm) = &fm {
                // The first front matter line of each key, in one pass (linear in values).
                let mut key_lines: rustc_hash::FxHashMap<&str, u32> = Default::default();
                for (i, l) in contents.text.lines().take(fm.end_line as usize).enumerate() {
                    let l = l.trim_start().trim_start_matches(['"', '\'']);
                    if let Some(at) = l.find([':', '=']) {
                        let key = l[..at].trim_end().trim_end_matches(['"', '\'']);
                        key_lines.entry(key).or_insert(i as u32 + 1);
                    }
                }
                for v in values
                    .iter_mut()
                    .filter(|v| v.source == crate::values::ValueSource::FrontMatter)
                {
                    if let Some(&line) = key_lines.get(v.name.as_str()) {
                        v.line = line;
                    }
                }
            }
            values
        } else {
            Vec::new()
        };
        let doc = Doc {
            repo: origin.repo.to_string(),
            site: origin.site.map(str::to_string),
            path: origin.rel.to_string(),
            abs_path: origin.abs.to_path_buf(),
            kind,
            pattern_id,
            title,
            category,
            tags,
            summary,
            front_matter: fm,
            source: contents.text,
            body_line,
            headings: parsed.headings,
            sections: parsed.sections,
            blocks: parsed.blocks,
            links: parsed.links,
            tables: parsed.tables,
            items: parsed.items,
            text: parsed.text,
            line_map: parsed.line_map,
            declared_values,
            values,
            hash: contents.hash,
            bytes: contents.bytes,
            truncated: contents.truncated,
            anchors: std::sync::OnceLock::new(),
        };
        (doc, fm_error)
    }
}

#[cfg(test)]
mod build_tests {
    use super::*;

    fn parse(src: &str) -> ParsedFile {
        parse_source(src)
    }

    #[test]
    fn titles() {
        let f = parse("[edit](x)\n\n# Real title\n");
        assert_eq!(
            choose_title(None, &f.parsed.headings, f.body_line, "a/b.md", "r"),
            "Real title"
        );
        let f = parse("# TODO\n\ntext\n");
        assert_eq!(
            choose_title(
                None,
                &f.parsed.headings,
                f.body_line,
                "docs/x/dns-split-pattern.md",
                "r"
            ),
            "Dns split pattern"
        );
        let f = parse("## Only h2\n");
        assert_eq!(
            choose_title(
                None,
                &f.parsed.headings,
                f.body_line,
                "docs/lan/README.md",
                "r"
            ),
            "Lan"
        );
        assert_eq!(title_from_path("README.md", "netstack"), "Netstack");
    }

    fn build(site: Option<&str>, rel: &str, text: &str) -> Doc {
        crate::testkit::doc(site, rel, text)
    }

    #[test]
    fn many_values_build_in_linear_time() {
        // Every value used to be checked against every earlier one, and every front matter
        // value searched the front matter lines again: quadratic in the number of values.
        let n = 20_000;
        let mut src = String::from("---\nvalues:\n");
        for i in 0..n {
            src.push_str(&format!("  key{i}: v{i}\n"));
        }
        src.push_str("---\n# Site\n\n## Values\n\n| key | value |\n|---|---|\n");
        for i in 0..n {
            src.push_str(&format!("| row{i} | v{i} |\n"));
        }
        let started = std::time::Instant::now();
        let d = build(Some("wf"), "docs/values.md", &src);
        assert!(started.elapsed().as_secs() < 5, "{:?}", started.elapsed());
        assert_eq!(d.values.len(), 2 * n);
        let key7 = d.values.iter().find(|v| v.name == "key7").unwrap();
        assert_eq!(key7.line, 10);
        let p = build(None, "docs/ops/x-pattern.md", &src);
        assert_eq!(p.declared_values.len(), n);
    }

    #[test]
    fn anchors_of_headings_and_html() {
        let d = build(
            Some("cf"),
            "docs/a.md",
            "# Backup Cron\n\n## Steps\n\n## Steps\n\n<a name=\"old-name\"></a>\n<div id=\"Exact\"></div>\n<p data-id=\"\">\n",
        );
        for yes in [
            "backup-cron",
            "#steps",
            "STEPS-1",
            "Backup-Cron",
            "old-name",
            "Exact",
            "",
        ] {
            assert!(d.has_anchor(yes), "{yes:?}");
        }
        // HTML ids match exactly; an anchor never spans a quote.
        for no in ["steps-2", "exact", "old", "old-name\" x=\"", "nope"] {
            assert!(!d.has_anchor(no), "{no:?}");
        }
    }

    /// Found by fuzzing: every link to a section rescanned the whole doc, so rendering (and
    /// linting) a doc of many `[x](#a)` links took time quadratic in its size.
    #[test]
    fn anchor_lookups_do_not_rescan_the_doc() {
        let src = format!("## Top\n\n{}\n", "text ".repeat(200_000));
        let d = build(Some("cf"), "docs/big.md", &src);
        let start = std::time::Instant::now();
        for i in 0..100_000 {
            assert_eq!(
                d.has_anchor(if i % 2 == 0 { "top" } else { "nope" }),
                i % 2 == 0
            );
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(5),
            "100k anchor lookups in a 1 MB doc took {:?}",
            start.elapsed()
        );
    }

    #[test]
    fn classification() {
        let d = build(
            None,
            "docs/ops/backup/backup-cron-pattern.md",
            "# Backups\n",
        );
        assert_eq!(d.kind, DocKind::Pattern);
        assert_eq!(d.pattern_id.as_deref(), Some("backup-cron-pattern"));
        assert_eq!(d.category.as_deref(), Some("ops/backup"));
        let d = build(
            None,
            "docs/ops/users/offboarding.md",
            "[edit](x)\n\n# Pattern: User offboarding\n",
        );
        assert_eq!(d.kind, DocKind::Pattern);
        assert_eq!(d.pattern_id.as_deref(), Some("offboarding"));
        let d = build(
            None,
            "docs/ops/security/incident-response.md",
            "---\nkind: pattern\n---\n# IR\n",
        );
        assert_eq!(d.kind, DocKind::Pattern);
        let d = build(None, "docs/lan/README.md", "# LAN\n");
        assert_eq!(d.kind, DocKind::Guide);
        assert_eq!(d.category.as_deref(), Some("lan"));
        let d = build(Some("cf"), "docs/backup-pattern.md", "# x\n");
        assert_eq!(d.kind, DocKind::SiteDoc);
        let d = build(Some("cf"), ".wip-contract.md", "# c\n");
        assert_eq!(d.kind, DocKind::Contract);
    }
}

#[cfg(test)]
mod invariant_tests {
    use super::*;

    /// Random documents stitched from tricky fragments: every position the parser reports
    /// must exist in the file, and nothing may panic.
    #[test]
    fn random_documents_keep_positions_inside_the_file() {
        const FRAGMENTS: &[&str] = &[
            "# Title\n",
            "## Sub *emph* `code`\n",
            "Setext\n===\n",
            "para text with [link](../x.md#a) and https://bare.example/x.\n",
            "\n",
            "- item\n  - nested [l](y)\n",
            "1. step\n2. step\n",
            "```sh\necho $HOME\n",
            "```\n",
            "    indented code\n",
            "| a | b |\n|---|---|\n| 1 | 2 |\n",
            "<details><summary>x</summary>\n",
            "</details>\n",
            "> quote\n> more\n",
            "---\n",
            "+++\n",
            "title: x\n",
            "![img](a.png)\n",
            "[ref]: https://ref.example\n",
            "[ref]\n",
            "Ünïcödé 🚀 text\n",
            "<a href=\"javascript:alert(1)\">x</a>\n",
            "\t\ttabs\n",
            "***\n",
            "[^1]\n\n[^1]: note\n",
            "<!-- comment -->\n",
            "\u{feff}",
        ];
        let mut seed: u64 = 0x5eed;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..3000 {
            let n = (next() % 25) as usize;
            let mut src = String::new();
            for _ in 0..n {
                src.push_str(FRAGMENTS[(next() % FRAGMENTS.len() as u64) as usize]);
            }
            let f = parse_source(&src);
            let lines = src.lines().count().max(1) as u32 + 1;
            let p = &f.parsed;
            for h in &p.headings {
                assert!(h.line >= 1 && h.line <= lines, "{src:?}");
            }
            for b in &p.blocks {
                assert!(
                    b.start_line <= b.end_line && b.end_line <= lines,
                    "{src:?} {b:?}"
                );
                assert!(p.text.get(b.text.clone()).is_some(), "{src:?}");
            }
            for s in &p.sections {
                assert!(
                    s.start_line <= s.end_line && s.end_line <= lines,
                    "{src:?} {s:?}"
                );
                assert!(p.text.get(s.text.clone()).is_some(), "{src:?}");
            }
            for l in &p.links {
                assert!(l.line >= 1 && l.line <= lines, "{src:?} {l:?}");
            }
            for i in 0..p.text.len() {
                assert!(p.line_map.line_at(i) <= lines);
            }
        }
    }
}
