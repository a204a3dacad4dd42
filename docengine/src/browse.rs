//! The data behind the browsable KB's pages, independent of HTTP and HTML: the site docs
//! that follow a pattern with the values each declares, per-site overviews (docs, patterns
//! followed, unresolved references, load problems), categories, and the KB's problems
//! ordered by how recently their files changed.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::time::SystemTime;

use serde::Serialize;

use crate::contract::ContractStatus;
use crate::coverage::UNCATEGORIZED;
use crate::doc::DocKind;
use crate::kb::{DocId, KnowledgeBase, Repo, Used};
use crate::problem::{Problem, Severity};
use crate::refs::{RefForm, Reference};
use crate::values::{self, SiteValue};

/// A value a follower declares for a pattern.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FollowerValue {
    /// The name as the pattern (or, when it declares none, the site doc) writes it.
    pub name: String,
    /// `None` when the pattern asks for it and the site doc does not supply it.
    pub value: Option<String>,
    /// Line in the doc that supplies it.
    pub line: Option<u32>,
    /// The site's other doc that supplies it, when this follower does not.
    pub from: Option<DocId>,
}

/// A site doc that follows a pattern.
#[derive(Debug, Clone, Serialize)]
pub struct Follower {
    pub doc: DocId,
    pub site: String,
    /// Line of the first reference to the pattern.
    pub line: u32,
    pub form: RefForm,
    /// The pattern's declared values with what the doc supplies, or every value of the doc
    /// when the pattern declares none.
    pub values: Vec<FollowerValue>,
}

impl Follower {
    /// Names of declared values the doc does not supply.
    pub fn missing(&self) -> impl Iterator<Item = &str> {
        self.values
            .iter()
            .filter(|v| v.value.is_none())
            .map(|v| v.name.as_str())
    }
}

/// The site docs that follow a pattern, by site (config order) then path.
pub fn followers(kb: &KnowledgeBase, pattern: DocId) -> Vec<Follower> {
    let declared = &kb.doc(pattern).declared_values;
    let site_order: HashMap<&str, usize> = kb.sites().enumerate().map(|(i, s)| (s, i)).collect();
    let mut out: Vec<Follower> = kb
        .followers(pattern)
        .into_iter()
        .map(|(doc, r)| {
            let d = kb.doc(doc);
            let values = if declared.is_empty() {
                d.values
                    .iter()
                    .map(|v| FollowerValue {
                        name: v.name.clone(),
                        value: Some(v.value.clone()),
                        line: Some(v.line),
                        from: None,
                    })
                    .collect()
            } else {
                // The same answer lint and recommendations give: this doc first, then the
                // site's other docs that follow the pattern; placeholders supply nothing.
                let site = d.site.as_deref().unwrap_or_default();
                let supplying = kb.supplying_docs(site, pattern, Some(doc));
                let slices: Vec<&[SiteValue]> = supplying
                    .iter()
                    .map(|&s| kb.doc(s).values.as_slice())
                    .collect();
                declared
                    .iter()
                    .map(|spec| {
                        let got = values::answer(spec, &slices);
                        FollowerValue {
                            name: spec.name.clone(),
                            value: got.map(|(_, v)| v.value.clone()),
                            line: got.map(|(_, v)| v.line),
                            from: got.map(|(i, _)| supplying[i]).filter(|&s| s != doc),
                        }
                    })
                    .collect()
            };
            Follower {
                doc,
                site: d.site.clone().unwrap_or_default(),
                line: r.line,
                form: r.form,
                values,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        let sa = site_order
            .get(a.site.as_str())
            .copied()
            .unwrap_or(usize::MAX);
        let sb = site_order
            .get(b.site.as_str())
            .copied()
            .unwrap_or(usize::MAX);
        (sa, &kb.doc(a.doc).path).cmp(&(sb, &kb.doc(b.doc).path))
    });
    out
}

/// A pattern a site doc follows, with the declared values its site does not supply.
#[derive(Debug, Clone, Serialize)]
pub struct Followed {
    pub pattern: DocId,
    /// Names (as the pattern writes them) of declared values nobody at the site supplies.
    pub missing: Vec<String>,
}

/// The patterns a site doc follows and what each still needs from the site (the answer of
/// `values::answer`, as lint gives it).
pub fn follows(kb: &KnowledgeBase, doc: DocId) -> Vec<Followed> {
    let site = kb.doc(doc).site.as_deref().unwrap_or_default();
    kb.followed_by_doc(doc)
        .into_iter()
        .map(|p| {
            let supplying = kb.supplying_docs(site, p, Some(doc));
            let slices: Vec<&[SiteValue]> = supplying
                .iter()
                .map(|&s| kb.doc(s).values.as_slice())
                .collect();
            Followed {
                pattern: p,
                missing: values::missing(&kb.doc(p).declared_values, &slices)
                    .into_iter()
                    .map(|spec| spec.name.clone())
                    .collect(),
            }
        })
        .collect()
}

/// Patterns grouped by category (sorted; patterns by title within a category).
pub fn categories(kb: &KnowledgeBase) -> Vec<(String, Vec<DocId>)> {
    let mut map: BTreeMap<String, Vec<DocId>> = BTreeMap::new();
    for (_, id) in kb.patterns() {
        let cat = kb
            .doc(id)
            .category
            .clone()
            .unwrap_or_else(|| UNCATEGORIZED.to_string());
        map.entry(cat).or_default().push(id);
    }
    let mut out: Vec<(String, Vec<DocId>)> = map.into_iter().collect();
    for (_, ids) in &mut out {
        ids.sort_by(|&a, &b| {
            kb.doc(a)
                .title
                .to_lowercase()
                .cmp(&kb.doc(b).title.to_lowercase())
        });
    }
    out
}

/// Guides and index pages of the pattern repo (everything that is not a pattern), by path.
pub fn guides(kb: &KnowledgeBase) -> Vec<DocId> {
    let mut out: Vec<DocId> = (0..kb.docs.len())
        .filter(|&d| kb.doc(d).site.is_none() && kb.doc(d).kind == DocKind::Guide)
        .collect();
    out.sort_by(|&a, &b| kb.doc(a).path.cmp(&kb.doc(b).path));
    out
}

/// One site doc, the patterns it follows and what else of the pattern repo it uses.
#[derive(Debug, Clone)]
pub struct SiteDocEntry {
    pub doc: DocId,
    pub follows: Vec<DocId>,
    /// Guides, index pages and folders it links, by path.
    pub uses: Vec<Used>,
}

/// Everything the overview page of a site shows.
#[derive(Debug, Clone)]
pub struct SiteOverview<'a> {
    pub repo: &'a Repo,
    pub title: Option<String>,
    /// The site folder as shown to users (relative to the KB folder).
    pub path: String,
    pub contract: Option<&'a ContractStatus>,
    pub contract_doc: Option<DocId>,
    /// The repo's root README, if any.
    pub readme: Option<DocId>,
    /// Docs (not the contract), by path.
    pub docs: Vec<SiteDocEntry>,
    /// Patterns followed by any doc, by id.
    pub patterns: Vec<DocId>,
    /// Guides, index pages and folders of the pattern repo any doc links, by path.
    pub uses: Vec<Used>,
    /// References from this site's docs that lead nowhere.
    pub unresolved: Vec<&'a Reference>,
    /// Load problems of the site's files.
    pub problems: Vec<&'a Problem>,
}

/// The overview of one site (`None` for unknown names).
pub fn site_overview<'a>(kb: &'a KnowledgeBase, site: &str) -> Option<SiteOverview<'a>> {
    let repo = kb.site_repo(site)?;
    let mut docs: Vec<SiteDocEntry> = kb
        .site_docs(site)
        .filter(|&d| kb.doc(d).kind != DocKind::Contract)
        .map(|d| SiteDocEntry {
            doc: d,
            follows: kb.followed_by_doc(d),
            uses: kb.used_by_doc(d),
        })
        .collect();
    docs.sort_by(|a, b| kb.doc(a.doc).path.cmp(&kb.doc(b.doc).path));
    let mut patterns: Vec<DocId> = kb.followed_by_site(site).into_iter().collect();
    patterns.sort_by(|&a, &b| kb.doc(a).pattern_id.cmp(&kb.doc(b).pattern_id));
    let unresolved = kb
        .unresolved()
        .filter(|r| kb.doc(r.from).site.as_deref() == Some(site))
        .collect();
    let shown_root = kb.config.display_path(&repo.root);
    let prefix = format!("{}/", shown_root.trim_end_matches('/'));
    let problems = kb
        .problems()
        .iter()
        .filter(|p| p.path.starts_with(&prefix) || p.path == shown_root)
        .collect();
    Some(SiteOverview {
        repo,
        title: kb
            .config
            .sites
            .iter()
            .find(|s| s.name == site)
            .and_then(|s| s.title.clone()),
        path: shown_root,
        contract: kb.contract(site),
        contract_doc: repo.doc(crate::source::CONTRACT_FILE),
        readme: repo.doc("README.md").or_else(|| repo.doc("readme.md")),
        docs,
        patterns,
        uses: kb.used_by_site(site),
        unresolved,
        problems,
    })
}

/// A problem of the KB as the web UI lists it: a load problem or an unresolved reference.
#[derive(Debug, Clone, Serialize)]
pub struct ProblemEntry {
    /// The site the file belongs to (`None` for the pattern repo and the config).
    pub site: Option<String>,
    /// Path relative to the KB folder.
    pub path: String,
    pub line: Option<u32>,
    pub severity: Severity,
    /// `unresolved-reference` or the load problem's kind.
    pub kind: String,
    pub message: String,
    /// The doc the problem is in, when it is a loaded doc.
    pub doc: Option<DocId>,
    /// When the file last changed.
    #[serde(skip)]
    pub modified: Option<SystemTime>,
    /// For unresolved references: the pattern id it most likely meant (see
    /// [`ProblemEntry::message_with_hint`]).
    #[serde(skip)]
    pub wanted: Option<String>,
}

impl ProblemEntry {
    /// The message, with "did you mean" for unresolved references (computed here, on
    /// demand: it compares against every pattern id).
    pub fn message_with_hint(&self, kb: &KnowledgeBase) -> String {
        let Some(wanted) = &self.wanted else {
            return self.message.clone();
        };
        let suggestions = kb.suggest_patterns(wanted, 3);
        if suggestions.is_empty() {
            self.message.clone()
        } else {
            format!(
                "{} (did you mean {}?)",
                self.message,
                suggestions.join(", ")
            )
        }
    }
}

/// Every load problem and unresolved reference, most recently changed files first (then
/// by path and line).
pub fn problems(kb: &KnowledgeBase) -> Vec<ProblemEntry> {
    // Repo roots as problems show them, longest first (nested checkouts).
    let mut roots: Vec<(String, usize)> = kb
        .repos
        .iter()
        .enumerate()
        .map(|(i, r)| (kb.config.display_path(&r.root), i))
        .collect();
    roots.sort_by_key(|(root, _)| std::cmp::Reverse(root.len()));
    let locate = |shown: &str| -> (Option<String>, Option<DocId>) {
        for (root, i) in &roots {
            if let Some(rel) = shown
                .strip_prefix(root.as_str())
                .and_then(|r| r.strip_prefix('/'))
            {
                let repo = &kb.repos[*i];
                return (repo.site.clone(), repo.doc(rel));
            }
        }
        (None, None)
    };
    let mtime = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let mut out: Vec<ProblemEntry> = kb
        .unresolved()
        .map(|r| {
            let doc = kb.doc(r.from);
            ProblemEntry {
                site: doc.site.clone(),
                path: kb.display_path(doc),
                line: Some(r.line),
                severity: Severity::Error,
                kind: "unresolved-reference".into(),
                message: format!(
                    "{} `{}` leads to nothing in the pattern repo",
                    form_label(r.form),
                    r.raw
                ),
                doc: Some(r.from),
                modified: mtime(&doc.abs_path),
                wanted: Some(r.wanted_id()),
            }
        })
        .collect();
    for p in kb.problems() {
        let (site, doc) = locate(&p.path);
        out.push(ProblemEntry {
            site,
            path: p.path.clone(),
            line: p.line,
            severity: p.severity,
            kind: serde_json::to_value(p.kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            message: p.message.clone(),
            doc,
            modified: mtime(&kb.config.root.join(&p.path)),
            wanted: None,
        });
    }
    out.sort_by(|a, b| {
        b.modified
            .cmp(&a.modified)
            .then_with(|| (&a.path, a.line).cmp(&(&b.path, b.line)))
    });
    out
}

/// How a reference form reads in a sentence.
pub fn form_label(form: RefForm) -> &'static str {
    match form {
        RefForm::PublishedUrl => "published URL",
        RefForm::ForgeUrl => "forge URL",
        RefForm::RelativePath => "relative path",
        RefForm::FrontMatter => "front matter follows",
        RefForm::Prose => "mention",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kb() -> (tempfile::TempDir, KnowledgeBase) {
        let files: &[(&str, &str)] = &[
            (
                "netstack/docs/ops/backup/backup-cron-pattern.md",
                "---\nvalues: [backup_target, schedule, retention_days]\n---\n# Backup cron pattern\n",
            ),
            ("netstack/docs/guides/writing.md", "# Writing\n"),
            (
                "wf/docs/backup.md",
                "# Backup\n\nper netstack backup-cron-pattern\n\n## Site values\n\n- backup_target: nas01\n- Schedule: 23:15\n",
            ),
            (
                "cf/docs/backup.md",
                "# Backup\n\nsee https://netstack.org/docs/ops/backup/backup-cron-pattern/ and \
                 https://netstack.org/docs/ops/backup/backup-corn-pattern/\n",
            ),
            ("cf/docs/bad.md", "---\ntitle: [unclosed\n---\n# Bad\n"),
        ];
        let (dir, kb) = crate::testkit::kb_from(
            files,
            "[patterns]\npath = \"netstack\"\nbase_urls = [\"https://netstack.org/\"]\n\n[[sites]]\nname = \"wf\"\npath = \"wf\"\ntitle = \"Westford\"\n\n[[sites]]\nname = \"cf\"\npath = \"cf\"\n",
        );
        (dir, kb)
    }

    #[test]
    fn followers_show_declared_values_and_what_is_missing() {
        let (_d, kb) = kb();
        let p = kb.pattern("backup-cron-pattern").unwrap();
        let f = followers(&kb, p);
        let sites: Vec<&str> = f.iter().map(|f| f.site.as_str()).collect();
        assert_eq!(sites, vec!["wf", "cf"]);
        let wf = &f[0];
        assert_eq!(wf.values.len(), 3);
        assert_eq!(wf.values[0].value.as_deref(), Some("nas01"));
        assert_eq!(wf.values[1].value.as_deref(), Some("23:15"));
        assert_eq!(wf.missing().collect::<Vec<_>>(), vec!["retention_days"]);
        assert_eq!(f[1].missing().count(), 3);
    }

    /// "Does this site supply the value a pattern needs?" gets one answer from lint, the
    /// pattern page's Followed-by panel, the site doc's Follows list and a recommendation:
    /// a placeholder supplies nothing, a whole-word key answers, and values are pooled over
    /// the site's docs that follow the pattern.
    #[test]
    fn lint_pages_and_recommendations_agree_on_missing_values() {
        let files: &[(&str, &str)] = &[
            (
                "netstack/docs/ops/backup/backup-cron-pattern.md",
                "---\nvalues: [backup_target, schedule, retention_days, offsite_host]\n---\n# Backup cron\n\nWhy and how.\n",
            ),
            (
                "wf/docs/backup.md",
                "---\nfollows: [backup-cron-pattern]\nvalues:\n  backup_target: nas01\n  retention_days: TODO\n---\n# Backup\n",
            ),
            (
                "wf/docs/backup-schedule.md",
                "# Schedule\n\nPer netstack backup-cron-pattern.\n\n## Values\n\n| Key | Value |\n|---|---|\n| schedule | 02:00 |\n| offsite_host_name | vault.example.org |\n",
            ),
            (
                "wf/.wip-contract.md",
                "# Contract\n\n## Contact Method\n\n- **Action recommendations:** Email to ops@wf.example.org with netstack pattern link\n",
            ),
        ];
        let (_d, kb) = crate::testkit::kb_from(
            files,
            "[patterns]\npath = \"netstack\"\n\n[[sites]]\nname = \"wf\"\npath = \"wf\"\n",
        );
        let p = kb.pattern("backup-cron-pattern").unwrap();
        let expected = vec!["retention_days".to_string()];

        // lint
        let report = crate::lint::lint(
            &kb,
            &crate::lint::Settings::default(),
            &crate::lint::Target::Everything,
            None,
        );
        let lint_missing: Vec<String> = report
            .findings
            .iter()
            .filter(|f| f.rule == crate::lint::Rule::MissingValues)
            .flat_map(|f| {
                f.message
                    .split('`')
                    .skip(3)
                    .step_by(2)
                    .map(str::to_string)
                    .collect::<Vec<_>>()
            })
            .collect();
        assert_eq!(lint_missing, expected, "{:?}", report.findings);

        // the pattern page's Followed-by panel, for each follower
        let f = followers(&kb, p);
        assert_eq!(f.len(), 2);
        for follower in &f {
            assert_eq!(
                follower.missing().map(str::to_string).collect::<Vec<_>>(),
                expected,
                "{}",
                kb.doc(follower.doc).path
            );
        }

        // each site doc's Follows list
        for follower in &f {
            let follows = follows(&kb, follower.doc);
            assert_eq!(follows.len(), 1);
            assert_eq!(follows[0].missing, expected);
        }

        // a recommendation
        let r = crate::recommend::manual(
            &kb,
            &crate::recommend::ManualRequest::new("wf", "backup-cron-pattern"),
        )
        .unwrap();
        let rec_missing: Vec<String> = r.missing_values().map(|v| v.key.clone()).collect();
        assert_eq!(rec_missing, expected);
    }

    #[test]
    fn site_overview_collects_docs_patterns_and_problems() {
        let (_d, kb) = kb();
        let cf = site_overview(&kb, "cf").unwrap();
        assert_eq!(cf.docs.len(), 2);
        assert_eq!(cf.patterns.len(), 1);
        assert_eq!(cf.unresolved.len(), 1);
        assert_eq!(cf.problems.len(), 1, "{:?}", cf.problems);
        assert!(site_overview(&kb, "nope").is_none());
        assert_eq!(
            site_overview(&kb, "wf").unwrap().title.as_deref(),
            Some("Westford")
        );
    }

    #[test]
    fn site_overview_shows_what_a_site_uses_beside_what_it_follows() {
        let (_d, kb) = crate::testkit::older_federation();
        let hq = site_overview(&kb, "hq").unwrap();
        assert!(hq.patterns.is_empty());
        let used: Vec<&str> = hq.uses.iter().map(|u| kb.used_path(u)).collect();
        assert_eq!(
            used,
            [
                "docs/guides/vpn.md",
                "docs/lan/README.md",
                "docs/lan/storage"
            ]
        );
        let vpn = hq
            .docs
            .iter()
            .find(|e| kb.doc(e.doc).path == "docs/vpn.md")
            .unwrap();
        assert_eq!(
            vpn.uses,
            vec![Used::Doc(
                kb.find("netstack", "docs/guides/vpn.md").unwrap()
            )]
        );
        assert!(vpn.follows.is_empty());
    }

    #[test]
    fn problems_combine_references_and_load_problems() {
        let (_d, kb) = kb();
        let all = problems(&kb);
        assert_eq!(all.len(), 2, "{all:?}");
        let unresolved = all
            .iter()
            .find(|p| p.kind == "unresolved-reference")
            .unwrap();
        assert_eq!(unresolved.site.as_deref(), Some("cf"));
        assert!(
            unresolved
                .message_with_hint(&kb)
                .contains("did you mean backup-cron-pattern")
        );
        let fm = all.iter().find(|p| p.kind == "front-matter").unwrap();
        assert_eq!(fm.doc, kb.find("cf", "docs/bad.md"));
        assert_eq!(categories(&kb)[0].0, "ops/backup");
        assert_eq!(guides(&kb).len(), 1);
    }
}
