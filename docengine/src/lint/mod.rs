//! Lint: the CI gate that keeps site repos to values and links. Rules ([`Rule`]) turn the
//! loaded [`KnowledgeBase`] into [`Finding`]s; inline suppressions, per-rule levels from
//! `[lint]` and a baseline decide which of them count. Renderings (JSON, SARIF, GitHub
//! annotations, a markdown summary) are in [`render`]; nothing here prints.
//!
//! ```no_run
//! # use docengine::{Config, KnowledgeBase, lint};
//! let kb = KnowledgeBase::load(Config::load("content".as_ref())?)?;
//! let settings = lint::Settings::from_config(&kb.config.lint)?;
//! let report = lint::lint(&kb, &settings, &lint::Target::Everything, None);
//! println!("{}", lint::render::json(&report.findings));
//! # Ok::<(), docengine::Error>(())
//! ```

pub mod baseline;
pub mod duplicate;
pub mod facets;
pub mod finding;
pub mod fingerprint;
pub mod render;
pub mod rule;
mod rules;
pub mod settings;
pub mod suppress;

use std::collections::BTreeMap;
use std::path::PathBuf;

use rayon::prelude::*;
use serde::Serialize;

pub use baseline::Baseline;
pub use finding::{Columns, Finding, PatternRef};
pub use rule::{Rule, RuleInfo, Scope};
pub use settings::{
    DEFAULT_MIN_BLOCK_WORDS, DEFAULT_PROCEDURE_MIN_STEPS, DEFAULT_SIMILARITY_THRESHOLD, LintConfig,
    RuleLevel, Settings,
};

use crate::doc::DocKind;
use crate::kb::{DocId, KnowledgeBase};
use crate::problem::Severity;

/// What to lint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Every site and the pattern repo.
    Everything,
    /// These sites (by name).
    Sites(Vec<String>),
    /// Only the pattern repo.
    PatternRepo,
}

/// A linted repo.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LintedRepo {
    pub name: String,
    /// `None` for the pattern repo.
    pub site: Option<String>,
    pub root: PathBuf,
    pub docs: usize,
}

/// The outcome of a lint run.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Findings that count, sorted by repo, path, line.
    pub findings: Vec<Finding>,
    /// Findings silenced by the baseline.
    pub baselined: Vec<Finding>,
    /// Findings silenced by inline comments.
    pub suppressed: usize,
    /// Baseline entries that no longer match anything (fixed since).
    pub stale_baseline: usize,
    /// The repos linted.
    pub repos: Vec<LintedRepo>,
    /// Docs checked.
    pub docs: usize,
    /// Fingerprints in the pattern-repo index (0 when duplicate-content did not run).
    pub indexed_prints: usize,
}

impl Report {
    /// Findings per severity: (errors, warnings, infos).
    pub fn counts(&self) -> (usize, usize, usize) {
        let n = |s| self.findings.iter().filter(|f| f.severity == s).count();
        (n(Severity::Error), n(Severity::Warning), n(Severity::Info))
    }

    /// Does anything reach `fail_on`?
    pub fn fails(&self, fail_on: Severity) -> bool {
        self.findings.iter().any(|f| f.severity >= fail_on)
    }

    /// Findings per rule id, in rule order.
    pub fn per_rule(&self) -> Vec<(Rule, usize)> {
        Rule::ALL
            .iter()
            .map(|&r| (r, self.findings.iter().filter(|f| f.rule == r).count()))
            .filter(|(_, n)| *n > 0)
            .collect()
    }
}

/// Lint a KB. Never fails: every defect of the input is a finding.
pub fn lint(
    kb: &KnowledgeBase,
    settings: &Settings,
    target: &Target,
    baseline: Option<&Baseline>,
) -> Report {
    let repo_idx: Vec<usize> = match target {
        Target::Everything => (0..kb.repos.len()).collect(),
        Target::PatternRepo => vec![0],
        Target::Sites(names) => (1..kb.repos.len())
            .filter(|&i| names.contains(&kb.repos[i].name))
            .collect(),
    };
    let mut by_repo: std::collections::HashMap<&str, Vec<DocId>> = Default::default();
    for (id, d) in kb.docs.iter().enumerate() {
        if !settings.excluded(&d.path) {
            by_repo.entry(d.repo.as_str()).or_default().push(id);
        }
    }
    let linted: Vec<(usize, Vec<DocId>)> = repo_idx
        .iter()
        .filter(|&&i| kb.repos[i].loaded)
        .map(|&i| {
            let docs = by_repo
                .get(kb.repos[i].name.as_str())
                .cloned()
                .unwrap_or_default();
            (i, docs)
        })
        .collect();

    let any_site = linted.iter().any(|(i, _)| *i > 0);
    let index = if any_site && settings.enabled(Rule::DuplicateContent) {
        let pattern_docs: Vec<DocId> = kb
            .docs
            .iter()
            .enumerate()
            .filter(|(_, d)| d.site.is_none())
            .map(|(id, _)| id)
            .collect();
        Some(duplicate::PatternIndex::build(kb, &pattern_docs))
    } else {
        None
    };

    let all_docs: Vec<DocId> = linted.iter().flat_map(|(_, d)| d.iter().copied()).collect();
    let per_doc: Vec<(Vec<Finding>, suppress::Suppressions)> = all_docs
        .par_iter()
        .map(|&id| {
            let doc = kb.doc(id);
            let on = |r| settings.enabled(r);
            let (supp, bad) = suppress::parse(doc);
            let mut out = bad;
            if on(Rule::FrontMatter) {
                out.extend(rules::front_matter(doc));
            }
            if on(Rule::UnknownPattern) || on(Rule::BrokenLink) {
                out.extend(rules::references(kb, id));
            }
            if on(Rule::BrokenLink) {
                out.extend(rules::links(kb, id));
            }
            if doc.site.is_some() {
                if on(Rule::UnlinkedProcedure) {
                    out.extend(rules::unlinked_procedure(
                        kb,
                        id,
                        settings.procedure_min_steps,
                    ));
                }
                if doc.kind == DocKind::SiteDoc
                    && let Some(index) = &index
                {
                    out.extend(duplicates(kb, index, id, settings));
                }
            } else if on(Rule::SiteValuesInPattern) {
                out.extend(rules::site_values_in_pattern(kb, id));
            }
            (out, supp)
        })
        .collect();

    let mut supps: BTreeMap<(String, String), suppress::Suppressions> = BTreeMap::new();
    let mut findings = Vec::new();
    for ((out, supp), &id) in per_doc.into_iter().zip(&all_docs) {
        let d = kb.doc(id);
        if !supp.is_empty() {
            supps.insert((d.repo.clone(), d.path.clone()), supp);
        }
        findings.extend(out);
    }
    for (i, docs) in &linted {
        if *i == 0 {
            continue;
        }
        let site = &kb.repos[*i].name;
        findings.extend(rules::contract(kb, site));
        if settings.enabled(Rule::MissingValues) {
            findings.extend(rules::missing_values(kb, docs));
        }
    }

    // Levels from config; rules that are off vanish before anything else.
    findings.retain_mut(|f| match settings.severity(f.rule) {
        Some(s) => {
            f.severity = s;
            true
        }
        None => false,
    });
    let order: BTreeMap<&str, usize> = kb
        .repos
        .iter()
        .enumerate()
        .map(|(i, r)| (r.name.as_str(), i))
        .collect();
    findings.sort_by(|a, b| {
        (
            order.get(a.repo.as_str()),
            &a.path,
            a.line,
            a.rule,
            &a.message,
        )
            .cmp(&(
                order.get(b.repo.as_str()),
                &b.path,
                b.line,
                b.rule,
                &b.message,
            ))
    });
    finding::assign_fingerprints(&mut findings);

    let before = findings.len();
    findings.retain(|f| {
        supps
            .get(&(f.repo.clone(), f.path.clone()))
            .is_none_or(|s| !s.covers(f.rule, f.line))
    });
    let suppressed = before - findings.len();

    let (mut baselined, mut stale_baseline) = (Vec::new(), 0);
    if let Some(b) = baseline {
        let m = b.matcher();
        let (old, new): (Vec<Finding>, Vec<Finding>) =
            findings.into_iter().partition(|f| m.contains(f));
        findings = new;
        let matched: std::collections::HashSet<&str> =
            old.iter().map(|f| f.fingerprint.as_str()).collect();
        stale_baseline = b
            .findings
            .iter()
            .filter(|e| !matched.contains(e.fingerprint.as_str()))
            .count();
        baselined = old;
    }

    Report {
        findings,
        baselined,
        suppressed,
        stale_baseline,
        repos: linted
            .iter()
            .map(|(i, docs)| LintedRepo {
                name: kb.repos[*i].name.clone(),
                site: kb.repos[*i].site.clone(),
                root: kb.repos[*i].root.clone(),
                docs: docs.len(),
            })
            .collect(),
        docs: all_docs.len(),
        indexed_prints: index.as_ref().map(|i| i.len()).unwrap_or(0),
    }
}

fn duplicates(
    kb: &KnowledgeBase,
    index: &duplicate::PatternIndex,
    id: DocId,
    settings: &Settings,
) -> Vec<Finding> {
    let doc = kb.doc(id);
    duplicate::find(kb, index, doc, settings.duplicate_params())
        .into_iter()
        .map(|m| {
            let mut p = rules::pattern_ref(kb, m.pattern);
            p.line = Some(m.pattern_lines.0);
            p.end_line = Some(m.pattern_lines.1);
            let shown = p.url.clone().unwrap_or_else(|| p.path.clone());
            let copied = normalized_words(&doc.text[m.text.clone()]);
            let mut f = Finding::new(
                Rule::DuplicateContent,
                doc.site.as_deref(),
                &doc.repo,
                &doc.path,
                m.start_line,
                m.end_line,
                format!(
                    "lines {}-{} copy {} {}:{}-{} (similarity {:.2}, {} words)",
                    m.start_line,
                    m.end_line,
                    kb.pattern_repo().name,
                    p.path,
                    m.pattern_lines.0,
                    m.pattern_lines.1,
                    m.similarity,
                    m.words
                ),
                format!(
                    "Delete the copied text and link the pattern instead (`Follows {} [{}]({})`); keep only this site's values here, e.g. in a `## Values` table. If the pattern lacks something this site needed, improve the pattern.",
                    kb.pattern_repo().name,
                    p.id,
                    shown
                ),
                format!("{}\0{}", p.path, copied),
            );
            f.similarity = Some(m.similarity);
            f.pattern = Some(p);
            f.abs_path = Some(doc.abs_path.clone());
            f
        })
        .collect()
}

/// Lowercase words joined by single spaces (fingerprint material that ignores layout).
fn normalized_words(text: &str) -> String {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}
