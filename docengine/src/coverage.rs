//! Coverage: which site follows which pattern. The matrix behind the web UI's coverage page
//! (patterns × sites), the guides, index pages and folders of the pattern repo each site
//! uses, the patterns no site follows, and the site docs that link nothing in the pattern
//! repo (the likeliest places where a pattern is re-explained or missing).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::doc::DocKind;
use crate::kb::{DocId, KnowledgeBase, Used};

/// One pattern's row: for each site (in [`Coverage::sites`] order) the site docs that follow
/// it.
#[derive(Debug, Clone, Serialize)]
pub struct CoverageRow {
    pub pattern: DocId,
    pub id: String,
    pub category: String,
    pub cells: Vec<Vec<DocId>>,
}

impl CoverageRow {
    /// Number of sites that follow the pattern.
    pub fn site_count(&self) -> usize {
        self.cells.iter().filter(|c| !c.is_empty()).count()
    }
}

/// A guide, index page or folder of the pattern repo that some site uses: for each site (in
/// [`Coverage::sites`] order) the site docs that link it.
#[derive(Debug, Clone, Serialize)]
pub struct UsedRow {
    #[serde(skip)]
    pub used: Used,
    /// Its repo path (`docs/guides/vpn.md`, `docs/lan/storage`).
    pub path: String,
    pub cells: Vec<Vec<DocId>>,
}

impl UsedRow {
    /// Number of sites that use it.
    pub fn site_count(&self) -> usize {
        self.cells.iter().filter(|c| !c.is_empty()).count()
    }
}

/// Per category: how many of its patterns each site follows.
#[derive(Debug, Clone, Serialize)]
pub struct CategoryCoverage {
    pub category: String,
    pub patterns: usize,
    /// Per site (in [`Coverage::sites`] order): patterns of this category it follows.
    pub followed: Vec<usize>,
}

/// The coverage of the whole KB.
#[derive(Debug, Clone, Serialize)]
pub struct Coverage {
    /// Site names in config order (loaded sites only).
    pub sites: Vec<String>,
    /// Every pattern, by category then id.
    pub rows: Vec<CoverageRow>,
    pub categories: Vec<CategoryCoverage>,
    /// Guides, index pages and folders of the pattern repo used by at least one site, by path.
    pub used: Vec<UsedRow>,
    /// Patterns no site follows.
    pub unfollowed: Vec<DocId>,
    /// Per site: its docs (not the contract) that link nothing in the pattern repo (no
    /// pattern, guide, folder or file).
    pub orphans: Vec<(String, Vec<DocId>)>,
}

/// The category shown for patterns without one.
pub const UNCATEGORIZED: &str = "(uncategorized)";

impl Coverage {
    /// Compute the coverage of a KB.
    pub fn of(kb: &KnowledgeBase) -> Coverage {
        let sites: Vec<String> = kb
            .repos
            .iter()
            .skip(1)
            .filter(|r| r.loaded)
            .map(|r| r.name.clone())
            .collect();
        let column: BTreeMap<&str, usize> = sites
            .iter()
            .enumerate()
            .map(|(i, s)| (s.as_str(), i))
            .collect();
        let mut rows: Vec<CoverageRow> = kb
            .patterns()
            .map(|(pid, pattern)| {
                let mut cells = vec![Vec::new(); sites.len()];
                for (doc, _) in kb.followers(pattern) {
                    if let Some(&col) = kb.doc(doc).site.as_deref().and_then(|s| column.get(s)) {
                        cells[col].push(doc);
                    }
                }
                for c in &mut cells {
                    c.sort_by(|&a, &b| kb.doc(a).path.cmp(&kb.doc(b).path));
                }
                CoverageRow {
                    pattern,
                    id: pid.to_string(),
                    category: kb
                        .doc(pattern)
                        .category
                        .clone()
                        .unwrap_or_else(|| UNCATEGORIZED.to_string()),
                    cells,
                }
            })
            .collect();
        rows.sort_by(|a, b| (&a.category, &a.id).cmp(&(&b.category, &b.id)));

        let mut categories: Vec<CategoryCoverage> = Vec::new();
        for row in &rows {
            if categories.last().is_none_or(|c| c.category != row.category) {
                categories.push(CategoryCoverage {
                    category: row.category.clone(),
                    patterns: 0,
                    followed: vec![0; sites.len()],
                });
            }
            let cat = categories.last_mut().expect("pushed above");
            cat.patterns += 1;
            for (i, cell) in row.cells.iter().enumerate() {
                if !cell.is_empty() {
                    cat.followed[i] += 1;
                }
            }
        }

        // Every use of the pattern repo, in one pass over the site docs.
        let mut used: BTreeMap<String, UsedRow> = BTreeMap::new();
        for (site, &col) in &column {
            for d in kb.site_docs(site) {
                for u in kb.used_by_doc(d) {
                    let path = kb.used_path(&u).to_string();
                    let row = used.entry(path.clone()).or_insert_with(|| UsedRow {
                        used: u,
                        path,
                        cells: vec![Vec::new(); sites.len()],
                    });
                    row.cells[col].push(d);
                }
            }
        }
        let used: Vec<UsedRow> = used
            .into_values()
            .map(|mut r| {
                for c in &mut r.cells {
                    c.sort_by(|&a, &b| kb.doc(a).path.cmp(&kb.doc(b).path));
                }
                r
            })
            .collect();

        let unfollowed = rows
            .iter()
            .filter(|r| r.site_count() == 0)
            .map(|r| r.pattern)
            .collect();
        let orphans = sites
            .iter()
            .map(|s| {
                let mut docs: Vec<DocId> = kb
                    .site_docs(s)
                    .filter(|&d| kb.doc(d).kind == DocKind::SiteDoc)
                    .filter(|&d| !kb.links_pattern_repo(d))
                    .collect();
                docs.sort_by(|&a, &b| kb.doc(a).path.cmp(&kb.doc(b).path));
                (s.clone(), docs)
            })
            .collect();
        Coverage {
            sites,
            rows,
            categories,
            used,
            unfollowed,
            orphans,
        }
    }

    /// Rows of one category (a category and everything below it: `ops` takes `ops/backup`).
    pub fn rows_in<'a>(&'a self, category: &'a str) -> impl Iterator<Item = &'a CoverageRow> {
        let prefix = format!("{}/", category.trim_matches('/'));
        self.rows.iter().filter(move |r| {
            r.category == category.trim_matches('/') || r.category.starts_with(&prefix)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matrix_unfollowed_and_orphans() {
        let files: &[(&str, &str)] = &[
            ("netstack/docs/ops/backup/backup-cron-pattern.md", "# B\n"),
            ("netstack/docs/ops/backup/restore-drill-pattern.md", "# R\n"),
            ("netstack/docs/wan/dynamic-dns-pattern.md", "# D\n"),
            (
                "cf/docs/backup.md",
                "# Backup\n\nper netstack backup-cron-pattern\n",
            ),
            (
                "wf/docs/backup.md",
                "---\nfollows: [backup-cron-pattern, dynamic-dns-pattern]\n---\n# B\n",
            ),
            ("wf/docs/printers.md", "# Printers\n"),
            ("wf/.wip-contract.md", "# Contract\n"),
        ];
        let (_dir, kb) = crate::testkit::kb_from(
            files,
            "[patterns]\npath = \"netstack\"\n\n[[sites]]\nname = \"cf\"\npath = \"cf\"\n\n[[sites]]\nname = \"wf\"\npath = \"wf\"\n\n[[sites]]\nname = \"gone\"\npath = \"gone\"\n",
        );
        let c = Coverage::of(&kb);
        assert_eq!(c.sites, vec!["cf", "wf"]);
        let ids: Vec<&str> = c.rows.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(
            ids,
            vec![
                "backup-cron-pattern",
                "restore-drill-pattern",
                "dynamic-dns-pattern"
            ]
        );
        let counts: Vec<usize> = c.rows.iter().map(|r| r.site_count()).collect();
        assert_eq!(counts, vec![2, 0, 1]);
        assert_eq!(
            c.unfollowed,
            vec![kb.pattern("restore-drill-pattern").unwrap()]
        );
        let wf_orphans: Vec<&str> = c.orphans[1]
            .1
            .iter()
            .map(|&d| kb.doc(d).path.as_str())
            .collect();
        assert_eq!(wf_orphans, vec!["docs/printers.md"]);
        assert_eq!(c.categories[0].category, "ops/backup");
        assert_eq!(c.categories[0].followed, vec![1, 1]);
        assert_eq!(c.rows_in("ops").count(), 2);
        assert_eq!(c.rows_in("op").count(), 0);
    }

    #[test]
    fn guides_and_folders_sites_use_have_a_section_and_using_them_is_no_orphan() {
        let (_dir, kb) = crate::testkit::older_federation();
        let c = Coverage::of(&kb);
        assert_eq!(c.sites, vec!["hq", "lab"]);
        let rows: Vec<(&str, Vec<usize>)> = c
            .used
            .iter()
            .map(|r| (r.path.as_str(), r.cells.iter().map(Vec::len).collect()))
            .collect();
        assert_eq!(
            rows,
            vec![
                ("docs/guides/vpn.md", vec![2, 1]),
                ("docs/lan/README.md", vec![1, 0]),
                ("docs/lan/storage", vec![1, 0]),
            ]
        );
        assert_eq!(c.used[0].site_count(), 2);
        assert_eq!(c.used[2].used, Used::Folder("docs/lan/storage".into()));
        let hq: Vec<&str> = c.orphans[0]
            .1
            .iter()
            .map(|&d| kb.doc(d).path.as_str())
            .collect();
        assert_eq!(
            hq,
            vec!["docs/notes.md"],
            "only the doc that links nothing there"
        );
        assert!(c.orphans[1].1.is_empty());
    }
}
