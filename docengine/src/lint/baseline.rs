//! Baselines: the findings a repo already had when it adopted lint, keyed on content
//! fingerprints (not line numbers), so CI fails only on new findings while old ones are
//! cleaned up. `netstack lint --write-baseline FILE` writes one; `--baseline FILE` reads it.

use std::collections::{BTreeSet, HashSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::finding::Finding;
use crate::error::{Error, Result};

/// Current file format version.
pub const VERSION: u32 = 1;

/// A baseline file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub version: u32,
    /// Informational: which tool wrote it.
    #[serde(default)]
    pub tool: String,
    pub findings: Vec<BaselineEntry>,
}

/// One baselined finding. Only `fingerprint` (and `site`, see [`Baseline::contains`]) is
/// used for matching; the rest helps humans reading the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaselineEntry {
    pub fingerprint: String,
    pub rule: String,
    #[serde(default)]
    pub site: Option<String>,
    pub path: String,
    #[serde(default)]
    pub line: u32,
    #[serde(default)]
    pub message: String,
}

impl Baseline {
    /// A baseline holding these findings.
    pub fn from_findings<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> Baseline {
        let mut entries: Vec<BaselineEntry> = findings
            .into_iter()
            .map(|f| BaselineEntry {
                fingerprint: f.fingerprint.clone(),
                rule: f.rule.id().to_string(),
                site: f.site.clone(),
                path: f.path.clone(),
                line: f.line,
                message: f.message.clone(),
            })
            .collect();
        entries.sort_by(|a, b| {
            (&a.site, &a.path, a.line, &a.rule).cmp(&(&b.site, &b.path, b.line, &b.rule))
        });
        Baseline {
            version: VERSION,
            tool: format!("netstack lint {}", env!("CARGO_PKG_VERSION")),
            findings: entries,
        }
    }

    /// The file text (pretty JSON, stable order, so diffs of it are readable).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }

    /// Parse a baseline file's text; `path` is used in messages.
    pub fn parse(text: &str, path: &Path) -> Result<Baseline> {
        let b: Baseline = serde_json::from_str(text).map_err(|e| Error::Config {
            path: path.to_path_buf(),
            line: Some(e.line()),
            message: format!(
                "not a netstack lint baseline ({e}); write one with `netstack lint --write-baseline {}`",
                path.display()
            ),
        })?;
        if b.version != VERSION {
            return Err(Error::Config {
                path: path.to_path_buf(),
                line: None,
                message: format!(
                    "baseline version {} is not supported (this netstack writes version {VERSION}): write it again with --write-baseline",
                    b.version
                ),
            });
        }
        Ok(b)
    }

    /// Read a baseline file.
    pub fn load(path: &Path) -> Result<Baseline> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::Config {
            path: path.to_path_buf(),
            line: None,
            message: format!(
                "cannot read the baseline ({e}); create it with `netstack lint --write-baseline {}`",
                path.display()
            ),
        })?;
        Self::parse(&text, path)
    }

    /// A matcher for this baseline.
    pub fn matcher(&self) -> Matcher<'_> {
        Matcher {
            sites: self
                .findings
                .iter()
                .filter_map(|e| e.site.as_deref())
                .collect(),
            keys: self
                .findings
                .iter()
                .map(|e| (e.fingerprint.as_str(), e.site.as_deref()))
                .collect(),
            fingerprints: self
                .findings
                .iter()
                .map(|e| e.fingerprint.as_str())
                .collect(),
        }
    }
}

/// Decides whether a finding is baselined. A finding of a site the baseline knows must match
/// fingerprint and site; a finding of a site the baseline does not know (a CI checkout whose
/// folder name differs from the KB's site name) matches on the fingerprint alone.
#[derive(Debug)]
pub struct Matcher<'a> {
    sites: BTreeSet<&'a str>,
    keys: HashSet<(&'a str, Option<&'a str>)>,
    fingerprints: HashSet<&'a str>,
}

impl Matcher<'_> {
    pub fn contains(&self, f: &Finding) -> bool {
        match f.site.as_deref() {
            Some(s) if self.sites.contains(s) => {
                self.keys.contains(&(f.fingerprint.as_str(), Some(s)))
            }
            None => self.keys.contains(&(f.fingerprint.as_str(), None)),
            Some(_) => self.fingerprints.contains(f.fingerprint.as_str()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::rule::Rule;

    fn finding(site: &str, fp: &str) -> Finding {
        let mut f = Finding::new(
            Rule::BrokenLink,
            Some(site),
            site,
            "docs/a.md",
            3,
            3,
            "m",
            "x",
            "k",
        );
        f.fingerprint = fp.into();
        f
    }

    #[test]
    fn round_trip_and_matching() {
        let a = finding("cf", "aa");
        let b = Baseline::from_findings([&a]);
        let text = b.to_json();
        let back = Baseline::parse(&text, Path::new("b.json")).unwrap();
        assert_eq!(back, b);
        let m = back.matcher();
        assert!(m.contains(&a));
        assert!(!m.contains(&finding("cf", "bb")));
        // Same content in another known site is not baselined…
        let mut other = Baseline::from_findings([&a, &finding("sl", "zz")]);
        other.version = VERSION;
        assert!(!other.matcher().contains(&finding("sl", "aa")));
        // …but a CI checkout with an unknown site name matches on the fingerprint.
        assert!(m.contains(&finding("workspace", "aa")));
    }

    #[test]
    fn bad_files_are_config_errors_naming_the_file() {
        let e = Baseline::parse("{\"nope\": 1}", Path::new("lint-baseline.json"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("lint-baseline.json"), "{e}");
        let e = Baseline::load(Path::new("/nonexistent/b.json"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("--write-baseline"), "{e}");
    }
}
