//! Findings: what lint reports, with exact lines, the pattern involved and a stable content
//! fingerprint (not line based) that baselines and `netstack recommend` key on.

use std::path::PathBuf;

use serde::Serialize;

use super::rule::Rule;
use crate::problem::Severity;

/// A doc of the pattern repo a finding is about: the copied pattern, the pattern a site
/// follows, or a "did you mean" suggestion.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PatternRef {
    /// The pattern id (file stem, `backup-cron-pattern`); for a non-pattern doc of the
    /// pattern repo (a guide) its file stem too.
    pub id: String,
    /// Path relative to the pattern repo root (`docs/ops/backup/backup-cron-pattern.md`).
    pub path: String,
    /// The published URL, when the pattern repo's base URL is known.
    pub url: Option<String>,
    /// First line of the matched part of the pattern doc (duplicate-content only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// Last line of the matched part of the pattern doc (duplicate-content only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_line: Option<u32>,
}

/// One lint finding.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// The rule (serialized as its id, e.g. `duplicate-content`).
    pub rule: Rule,
    /// The severity after configuration (`[lint.rules]`).
    pub severity: Severity,
    /// The site whose repo holds the file; `None` for the pattern repo.
    pub site: Option<String>,
    /// The repo's name (the site name, or the pattern repo's name).
    pub repo: String,
    /// Path relative to the repo root, `/`-separated (`docs/backup.md`, `.wip-contract.md`).
    pub path: String,
    /// First line (1-based, front matter included). 1 for file-level findings.
    pub line: u32,
    /// Last line (inclusive; equal to `line` for one-line findings).
    pub end_line: u32,
    /// Where on the line a one-line finding points, when it is about a piece of text there
    /// (a link target, a pattern id): serialized as `column` and `end_column`.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub columns: Option<Columns>,
    /// What is wrong, in one or two sentences.
    pub message: String,
    /// The pattern-repo doc involved (copied, followed, or linked), if any.
    pub pattern: Option<PatternRef>,
    /// Similarity 0..1 of a copied block (duplicate-content only).
    pub similarity: Option<f64>,
    /// Closest existing patterns (unknown-pattern only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub suggestions: Vec<PatternRef>,
    /// How to fix it.
    pub fix: String,
    /// Stable content fingerprint (32 hex digits): rule, repo-relative path and the content
    /// the finding is about (copied text, link target, missing keys…) plus an occurrence
    /// counter. It does not change when lines move or the site folder is renamed.
    pub fingerprint: String,
    /// Absolute path of the file (for code frames); not serialized.
    #[serde(skip)]
    pub abs_path: Option<PathBuf>,
    /// The content the fingerprint is computed from (set by rules, consumed by the linter).
    #[serde(skip)]
    pub(crate) key: String,
}

/// The columns of a piece of text on one line, in the units each output needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Columns {
    /// 1-based column of the first character (counted in characters).
    #[serde(rename = "column")]
    pub start: u32,
    /// 1-based column of the last character (inclusive).
    #[serde(rename = "end_column")]
    pub end: u32,
    /// 1-based start and exclusive end in UTF-16 code units (SARIF's default column kind).
    #[serde(skip)]
    pub utf16: (u32, u32),
    /// Byte offsets within the line (start inclusive, end exclusive).
    #[serde(skip)]
    pub bytes: (usize, usize),
}

impl Columns {
    /// The first occurrence of `needle` on `line`, or `None` when it is not there verbatim.
    pub fn find(line: &str, needle: &str) -> Option<Columns> {
        let needle = needle.trim();
        if needle.is_empty() {
            return None;
        }
        let at = line.find(needle)?;
        let before = &line[..at];
        let text = &line[at..at + needle.len()];
        let start = before.chars().count() as u32 + 1;
        let u16_start = before.encode_utf16().count() as u32 + 1;
        Some(Columns {
            start,
            end: start + text.chars().count() as u32 - 1,
            utf16: (u16_start, u16_start + text.encode_utf16().count() as u32),
            bytes: (at, at + needle.len()),
        })
    }
}

impl Finding {
    /// A finding with the rule's default severity; `key` is the content the fingerprint is
    /// made from.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        rule: Rule,
        site: Option<&str>,
        repo: &str,
        path: &str,
        line: u32,
        end_line: u32,
        message: impl Into<String>,
        fix: impl Into<String>,
        key: impl Into<String>,
    ) -> Finding {
        Finding {
            rule,
            severity: rule.default_severity(),
            site: site.map(str::to_string),
            repo: repo.to_string(),
            path: path.to_string(),
            line: line.max(1),
            end_line: end_line.max(line).max(1),
            columns: None,
            message: message.into(),
            pattern: None,
            similarity: None,
            suggestions: Vec::new(),
            fix: fix.into(),
            fingerprint: String::new(),
            abs_path: None,
            key: key.into(),
        }
    }

    /// The location as `path:line` (or `path:line-end`).
    pub fn location(&self) -> String {
        if self.end_line > self.line {
            format!("{}:{}-{}", self.path, self.line, self.end_line)
        } else {
            format!("{}:{}", self.path, self.line)
        }
    }
}

/// Give every finding its fingerprint: xxh3-128 of rule, path and key, plus the occurrence
/// number among findings with the same (rule, repo, path, key), counted in line order.
pub(crate) fn assign_fingerprints(findings: &mut [Finding]) {
    use std::collections::HashMap;
    let mut seen: HashMap<(Rule, String, String, String), u32> = HashMap::new();
    for f in findings.iter_mut() {
        let n = seen
            .entry((f.rule, f.repo.clone(), f.path.clone(), f.key.clone()))
            .or_insert(0);
        let material = format!("{}\0{}\0{}\0{}", f.rule.id(), f.path, f.key, n);
        *n += 1;
        f.fingerprint = format!("{:032x}", xxhash_rust::xxh3::xxh3_128(material.as_bytes()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_serialize_as_column_and_end_column_only_when_known() {
        let mut x = f(3, "k");
        let v = serde_json::to_value(&x).unwrap();
        assert!(v.get("column").is_none() && v.get("end_column").is_none());
        x.columns = Columns::find("see [it](./gone.md) now", "./gone.md");
        let v = serde_json::to_value(&x).unwrap();
        assert_eq!(
            (v["column"].as_u64(), v["end_column"].as_u64()),
            (Some(10), Some(18))
        );
        assert_eq!(x.columns.unwrap().bytes, (9, 18));
        assert!(Columns::find("nothing here", "./gone.md").is_none());
        assert!(Columns::find("anything", "  ").is_none());
    }

    fn f(line: u32, key: &str) -> Finding {
        Finding::new(
            Rule::BrokenLink,
            Some("cf"),
            "cf",
            "docs/a.md",
            line,
            line,
            "m",
            "x",
            key,
        )
    }

    #[test]
    fn fingerprints_ignore_lines_and_count_occurrences() {
        let mut a = vec![f(3, "./x.md"), f(9, "./x.md"), f(12, "./y.md")];
        let mut b = vec![f(30, "./x.md"), f(90, "./x.md"), f(1, "./y.md")];
        assign_fingerprints(&mut a);
        assign_fingerprints(&mut b);
        assert_eq!(a[0].fingerprint, b[0].fingerprint);
        assert_eq!(a[1].fingerprint, b[1].fingerprint);
        assert_ne!(a[0].fingerprint, a[1].fingerprint);
        assert_eq!(a[2].fingerprint, b[2].fingerprint);
        assert_eq!(a[0].fingerprint.len(), 32);
    }
}
