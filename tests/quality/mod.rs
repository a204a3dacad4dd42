//! The search quality query set (`tests/search-queries.toml`) and its metrics, shared by the
//! quality test and the search benchmark.

use std::path::{Path, PathBuf};

use docengine::{Config, KnowledgeBase, SearchIndex, SearchQuery};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct QuerySet {
    pub query: Vec<Case>,
}

#[derive(Debug, Deserialize)]
pub struct Case {
    pub q: String,
    /// `<repo>/<path>`.
    pub expect: String,
    pub style: String,
}

/// The outcome of one query: the 1-based rank of the expected doc in the top 10.
#[derive(Debug)]
pub struct Outcome<'a> {
    pub case: &'a Case,
    pub rank: Option<usize>,
    pub top: Vec<String>,
    pub corrections: Vec<String>,
}

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

pub fn load_set() -> QuerySet {
    let path = root().join("tests/search-queries.toml");
    let text = std::fs::read_to_string(&path).expect("read the query set");
    toml::from_str(&text).expect("parse the query set")
}

/// The bundled KB with its index in `index_dir`.
pub fn bundled_kb(index_dir: &Path) -> KnowledgeBase {
    let mut config = Config::load(&root().join("content")).expect("bundled config");
    config.index.path = index_dir.to_path_buf();
    KnowledgeBase::load(config).expect("bundled KB")
}

pub fn evaluate<'a>(
    index: &SearchIndex,
    kb: &KnowledgeBase,
    set: &'a QuerySet,
) -> Vec<Outcome<'a>> {
    set.query
        .iter()
        .map(|case| {
            let r = index
                .search(kb, &SearchQuery::new(case.q.clone()))
                .expect("search");
            let top: Vec<String> = r
                .hits
                .iter()
                .map(|h| format!("{}/{}", h.repo, h.path))
                .collect();
            Outcome {
                case,
                rank: top.iter().position(|t| *t == case.expect).map(|i| i + 1),
                top,
                corrections: r
                    .corrections
                    .iter()
                    .map(|c| format!("{}→{}", c.from, c.to))
                    .collect(),
            }
        })
        .collect()
}

/// Share of queries whose expected doc is in the top `k`.
pub fn success_at(outcomes: &[Outcome<'_>], k: usize) -> f64 {
    let hits = outcomes
        .iter()
        .filter(|o| o.rank.is_some_and(|r| r <= k))
        .count();
    hits as f64 / outcomes.len().max(1) as f64
}

/// Mean reciprocal rank over the top 10.
pub fn mrr_at_10(outcomes: &[Outcome<'_>]) -> f64 {
    let sum: f64 = outcomes
        .iter()
        .filter_map(|o| o.rank.filter(|&r| r <= 10))
        .map(|r| 1.0 / r as f64)
        .sum();
    sum / outcomes.len().max(1) as f64
}

/// A table of every query, its rank and what came first (for failures and tuning).
pub fn report(outcomes: &[Outcome<'_>]) -> String {
    let mut s = String::new();
    for o in outcomes {
        let rank = o.rank.map(|r| r.to_string()).unwrap_or_else(|| "-".into());
        s.push_str(&format!("{rank:>3}  {:<8} {}", o.case.style, o.case.q));
        if !o.corrections.is_empty() {
            s.push_str(&format!("  [{}]", o.corrections.join(", ")));
        }
        if o.rank != Some(1) {
            s.push_str(&format!(
                "\n       want {}\n       got  {}",
                o.case.expect,
                o.top
                    .iter()
                    .take(3)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(" | ")
            ));
        }
        s.push('\n');
    }
    s
}
