//! The summary `netstack check` reports: counts, categories, sites with their contracts,
//! references and load problems. Serializes to the documented `check --json` schema.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::contract::{ContractStatus, Form, Method};
use crate::doc::DocKind;
use crate::kb::KnowledgeBase;
use crate::problem::{Problem, ProblemKind, Severity};
use crate::refs::RefForm;

/// The whole `check --json` object.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// The KB folder.
    pub kb: String,
    /// The pattern repo's name and path.
    pub pattern_repo: RepoSummary,
    /// Number of patterns.
    pub patterns: usize,
    /// Number of docs (all kinds).
    pub docs: usize,
    /// Docs by kind.
    pub kinds: BTreeMap<String, usize>,
    /// Patterns per category (categories without patterns are left out).
    pub categories: Vec<CategoryCount>,
    pub sites: Vec<SiteSummary>,
    pub references: ReferenceCounts,
    pub unresolved_references: Vec<UnresolvedReference>,
    pub problems: Vec<ProblemEntry>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RepoSummary {
    pub name: String,
    pub path: String,
    pub docs: usize,
    pub base_urls: Vec<String>,
    pub forge_urls: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CategoryCount {
    pub category: String,
    pub patterns: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct SiteSummary {
    pub name: String,
    pub path: String,
    /// False when the site folder does not exist.
    pub loaded: bool,
    pub docs: usize,
    /// Patterns this site follows.
    pub patterns_followed: usize,
    /// Other pattern-repo docs (guides, index pages) and folders without one this site's
    /// docs link: what it uses without following a pattern.
    pub docs_linked: usize,
    /// `null` unless a usable contract was found.
    pub contract: Option<ContractSummary>,
    /// `ok`, `missing` or `invalid`.
    pub contract_status: &'static str,
    /// Why the contract is missing or unusable.
    pub contract_problem: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ContractSummary {
    pub form: Form,
    pub contacts: Vec<ContactSummary>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ContactSummary {
    pub name: String,
    pub method: Method,
    pub address: String,
    pub cc: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReferenceCounts {
    pub resolved: usize,
    pub unresolved: usize,
    /// Resolved references by the form they were written in.
    pub by_form: BTreeMap<String, usize>,
}

#[derive(Debug, Clone, Serialize)]
pub struct UnresolvedReference {
    /// `null` for references inside the pattern repo.
    pub site: Option<String>,
    /// Path relative to the repo root.
    pub path: String,
    pub line: u32,
    /// What it points at, as written.
    pub target: String,
    pub form: RefForm,
    /// Closest existing pattern ids.
    pub suggestions: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProblemEntry {
    pub path: String,
    pub line: Option<u32>,
    pub severity: Severity,
    pub kind: ProblemKind,
    pub message: String,
}

impl From<&Problem> for ProblemEntry {
    fn from(p: &Problem) -> Self {
        ProblemEntry {
            path: p.path.clone(),
            line: p.line,
            severity: p.severity,
            kind: p.kind,
            message: p.message.clone(),
        }
    }
}

impl Summary {
    /// Summarize a loaded KB.
    pub fn of(kb: &KnowledgeBase) -> Summary {
        let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
        let mut cats: BTreeMap<String, usize> = BTreeMap::new();
        for d in &kb.docs {
            *kinds.entry(d.kind.as_str().to_string()).or_default() += 1;
        }
        for (_, id) in kb.patterns() {
            let cat = kb
                .doc(id)
                .category
                .clone()
                .unwrap_or_else(|| "(none)".into());
            *cats.entry(cat).or_default() += 1;
        }
        let pattern_repo = kb.pattern_repo();
        let sites = kb
            .repos
            .iter()
            .skip(1)
            .map(|r| {
                let (contract, status, problem) = match kb.contract(&r.name) {
                    Some(ContractStatus::Valid(c)) => (
                        Some(ContractSummary {
                            form: c.form,
                            contacts: c
                                .contacts
                                .iter()
                                .map(|c| ContactSummary {
                                    name: c.name.clone(),
                                    method: c.method,
                                    address: c.address.clone(),
                                    cc: c.cc.clone(),
                                })
                                .collect(),
                        }),
                        "ok",
                        None,
                    ),
                    Some(ContractStatus::Invalid { line, reason }) => {
                        (None, "invalid", Some(format!(".wip-contract.md:{line}: {reason}")))
                    }
                    Some(ContractStatus::Missing) => (
                        None,
                        "missing",
                        Some("no .wip-contract.md at the repo root: add one with a `## Contact Method` section".into()),
                    ),
                    None => (None, "missing", Some("site folder not loaded".into())),
                };
                SiteSummary {
                    name: r.name.clone(),
                    path: kb.config.display_path(&r.root),
                    loaded: r.loaded,
                    docs: kb.site_docs(&r.name).count(),
                    patterns_followed: kb.followed_by_site(&r.name).len(),
                    docs_linked: kb.used_by_site(&r.name).len(),
                    contract,
                    contract_status: status,
                    contract_problem: problem,
                }
            })
            .collect();
        let mut by_form: BTreeMap<String, usize> = BTreeMap::new();
        let mut resolved = 0;
        for r in kb.references() {
            if !r.is_missing() {
                resolved += 1;
                *by_form.entry(r.form.as_str().to_string()).or_default() += 1;
            }
        }
        let unresolved_references: Vec<UnresolvedReference> = kb
            .unresolved()
            .map(|r| {
                let doc = kb.doc(r.from);
                UnresolvedReference {
                    site: doc.site.clone(),
                    path: doc.path.clone(),
                    line: r.line,
                    target: r.raw.clone(),
                    form: r.form,
                    suggestions: if r.form == RefForm::FrontMatter
                        || r.form == RefForm::Prose
                        || r.wanted_id().ends_with("-pattern")
                    {
                        kb.suggest_patterns(&r.wanted_id(), 3)
                            .into_iter()
                            .map(str::to_string)
                            .collect()
                    } else {
                        Vec::new()
                    },
                }
            })
            .collect();
        Summary {
            kb: kb.config.root.display().to_string(),
            pattern_repo: RepoSummary {
                name: pattern_repo.name.clone(),
                path: kb.config.display_path(&pattern_repo.root),
                docs: kb.docs.iter().filter(|d| d.site.is_none()).count(),
                base_urls: kb
                    .config
                    .patterns
                    .publication
                    .base_urls()
                    .map(str::to_string)
                    .collect(),
                forge_urls: kb
                    .config
                    .patterns
                    .publication
                    .forge_urls()
                    .map(str::to_string)
                    .collect(),
            },
            patterns: kb.pattern_count(),
            docs: kb.docs.len(),
            kinds,
            categories: cats
                .into_iter()
                .map(|(category, patterns)| CategoryCount { category, patterns })
                .collect(),
            sites,
            references: ReferenceCounts {
                resolved,
                unresolved: unresolved_references.len(),
                by_form,
            },
            unresolved_references,
            problems: kb.problems().iter().map(ProblemEntry::from).collect(),
        }
    }

    /// Number of docs of a kind.
    pub fn count(&self, kind: DocKind) -> usize {
        self.kinds.get(kind.as_str()).copied().unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sites_count_the_pattern_repo_docs_they_link_next_to_patterns_followed() {
        let (_dir, kb) = crate::testkit::older_federation();
        let s = Summary::of(&kb);
        let by_name = |n: &str| s.sites.iter().find(|x| x.name == n).unwrap();
        assert_eq!(by_name("hq").patterns_followed, 0);
        assert_eq!(by_name("hq").docs_linked, 3);
        assert_eq!(by_name("lab").patterns_followed, 1);
        assert_eq!(by_name("lab").docs_linked, 1);
        let v = serde_json::to_value(&s).unwrap();
        assert_eq!(v["sites"][0]["docs_linked"], 3, "{v:#}");
        assert_eq!(v["sites"][0]["patterns_followed"], 0, "{v:#}");
    }
}
