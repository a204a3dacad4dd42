//! The knowledge base as data: the repos, the docs, the pattern ids, the contracts, the
//! reference graph and the load problems of one immutable snapshot, with the lookups every
//! consumer uses. Building a snapshot lives in `load`, link resolution in `links`, "did you
//! mean" in `suggest`.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::SystemTime;

use crate::config::Config;
use crate::contract::ContractStatus;
use crate::doc::{Doc, DocKind};
use crate::problem::Problem;
use crate::refs::{Candidate, Reference, Target};
use crate::source;

/// Index of a doc in [`KnowledgeBase::docs`] (valid within one KB snapshot).
pub type DocId = usize;

/// Something of the pattern repo a site doc uses without following a pattern: a guide or
/// index page, or a folder without one.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Used {
    /// A doc of the pattern repo that is not a pattern.
    Doc(DocId),
    /// A folder of the pattern repo (repo path) without a README or index page.
    Folder(String),
}

/// One repo of the KB and the files it holds.
#[derive(Debug, Clone)]
pub struct Repo {
    pub name: String,
    /// `None` for the pattern repo.
    pub site: Option<String>,
    pub root: PathBuf,
    /// False when the folder does not exist.
    pub loaded: bool,
    /// Every file relative to the root.
    pub files: BTreeSet<String>,
    /// Every folder relative to the root.
    pub dirs: BTreeSet<String>,
    pub(super) docs: HashMap<String, DocId>,
    /// Ids of this repo's docs, in path order.
    pub(super) doc_ids: Vec<DocId>,
}

impl Repo {
    /// The doc at a repo-relative path.
    pub fn doc(&self, path: &str) -> Option<DocId> {
        self.docs.get(path).copied()
    }

    /// Is there a file or folder at this repo-relative path?
    pub fn exists(&self, path: &str) -> bool {
        let p = path.trim_matches('/');
        p.is_empty() || self.files.contains(p) || self.dirs.contains(p)
    }
}

/// The loaded knowledge base.
#[derive(Debug, Clone)]
pub struct KnowledgeBase {
    pub config: Arc<Config>,
    /// `repos[0]` is the pattern repo; the rest are the sites in config order.
    pub repos: Vec<Repo>,
    pub docs: Vec<Arc<Doc>>,
    pub(super) patterns: BTreeMap<String, DocId>,
    pub(super) contracts: BTreeMap<String, ContractStatus>,
    pub(super) refs: Vec<Reference>,
    pub(super) refs_from: Vec<Vec<usize>>,
    pub(super) refs_to: HashMap<DocId, Vec<usize>>,
    pub(super) problems: Vec<Problem>,
    pub(super) cache: HashMap<PathBuf, LoadedFile>,
    /// The walk of each repo (`None`: folder missing), reused by [`KnowledgeBase::refresh_changed`].
    pub(super) walks: Walks,
    /// References found in each doc, reused while the doc and the set of pattern ids stay the same.
    pub(super) ref_cache: RefCache,
    pub(super) suggest_index: std::sync::OnceLock<SuggestIndex>,
    pub(super) roots: std::sync::OnceLock<HashMap<PathBuf, usize>>,
    pub(super) repo_names: std::sync::OnceLock<HashMap<String, usize>>,
    pub(super) timings: LoadTimings,
}

/// How long each loading phase took (for `check -v` and benchmarks).
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct LoadTimings {
    pub walk_ms: f64,
    pub read_parse_ms: f64,
    pub index_ms: f64,
    pub refs_ms: f64,
    /// Files actually re-read (the rest were reused from the previous snapshot).
    pub files_read: usize,
    pub files_reused: usize,
}

impl KnowledgeBase {
    // ---- lookups -------------------------------------------------------------------------

    /// How long the phases of building this snapshot took.
    pub fn timings(&self) -> LoadTimings {
        self.timings
    }

    pub fn doc(&self, id: DocId) -> &Doc {
        &self.docs[id]
    }

    /// The pattern repo.
    pub fn pattern_repo(&self) -> &Repo {
        &self.repos[0]
    }

    /// A site repo by name.
    pub fn site_repo(&self, site: &str) -> Option<&Repo> {
        self.site_index(site).map(|i| &self.repos[i])
    }

    /// Index in [`KnowledgeBase::repos`] of a site repo (a map lookup: callers do this per
    /// link, and KBs have hundreds of sites).
    fn site_index(&self, site: &str) -> Option<usize> {
        let names = self.repo_names.get_or_init(|| {
            let mut m = HashMap::new();
            for (i, r) in self.repos.iter().enumerate().skip(1) {
                m.entry(r.name.clone()).or_insert(i);
            }
            m
        });
        names.get(site).copied()
    }

    /// The repo a doc belongs to.
    pub fn repo_of(&self, doc: &Doc) -> &Repo {
        match &doc.site {
            None => &self.repos[0],
            Some(s) => self.site_repo(s).unwrap_or(&self.repos[0]),
        }
    }

    /// Index of the repo a doc belongs to.
    pub fn repo_index(&self, doc: &Doc) -> usize {
        match &doc.site {
            None => 0,
            Some(s) => self.site_index(s).unwrap_or(0),
        }
    }

    /// Find a doc by repo name (pattern repo or site) and repo-relative path.
    pub fn find(&self, repo: &str, path: &str) -> Option<DocId> {
        self.repos.iter().find(|r| r.name == repo)?.doc(path)
    }

    /// A pattern by id (case-insensitive).
    pub fn pattern(&self, id: &str) -> Option<DocId> {
        self.patterns.get(&id.to_ascii_lowercase()).copied()
    }

    /// All patterns, by id.
    pub fn patterns(&self) -> impl Iterator<Item = (&str, DocId)> {
        self.patterns.iter().map(|(k, v)| (k.as_str(), *v))
    }

    pub fn pattern_count(&self) -> usize {
        self.patterns.len()
    }

    /// Site names in config order.
    pub fn sites(&self) -> impl Iterator<Item = &str> {
        self.repos.iter().skip(1).map(|r| r.name.as_str())
    }

    /// Docs of a site (including its contract).
    pub fn site_docs(&self, site: &str) -> impl Iterator<Item = DocId> + '_ {
        self.site_repo(site)
            .map(|r| r.doc_ids.as_slice())
            .unwrap_or(&[])
            .iter()
            .copied()
    }

    /// Docs of a repo (by index in [`KnowledgeBase::repos`]), in path order.
    pub fn repo_docs(&self, repo: usize) -> &[DocId] {
        self.repos
            .get(repo)
            .map(|r| r.doc_ids.as_slice())
            .unwrap_or(&[])
    }

    /// The contract status of a site (`None` when the site is unknown or not loaded).
    pub fn contract(&self, site: &str) -> Option<&ContractStatus> {
        self.contracts.get(site)
    }

    /// Every load problem, sorted by path and line.
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    /// Every reference to the pattern repo.
    pub fn references(&self) -> &[Reference] {
        &self.refs
    }

    /// References made by one doc.
    pub fn references_from(&self, doc: DocId) -> impl Iterator<Item = &Reference> {
        self.refs_from
            .get(doc)
            .into_iter()
            .flatten()
            .map(|&i| &self.refs[i])
    }

    /// References that lead to one doc.
    pub fn references_to(&self, doc: DocId) -> impl Iterator<Item = &Reference> {
        self.refs_to
            .get(&doc)
            .into_iter()
            .flatten()
            .map(|&i| &self.refs[i])
    }

    /// References that resolve to nothing.
    pub fn unresolved(&self) -> impl Iterator<Item = &Reference> {
        self.refs.iter().filter(|r| r.is_missing())
    }

    /// Site docs that follow a pattern (one entry per doc, first reference line).
    pub fn followers(&self, pattern: DocId) -> Vec<(DocId, &Reference)> {
        let mut seen = HashSet::new();
        self.references_to(pattern)
            .filter(|r| self.docs[r.from].site.is_some())
            .filter(|r| seen.insert(r.from))
            .map(|r| (r.from, r))
            .collect()
    }

    /// The docs of `site` that speak for its values of `pattern`: `first` (the doc at hand,
    /// when there is one), then the site's other docs following the pattern, by path. Lint,
    /// pages and recommendations hand this list to `values::answer`, so a site gets one
    /// answer everywhere.
    pub fn supplying_docs(&self, site: &str, pattern: DocId, first: Option<DocId>) -> Vec<DocId> {
        let mut others: Vec<DocId> = self
            .followers(pattern)
            .into_iter()
            .map(|(d, _)| d)
            .filter(|&d| Some(d) != first)
            .filter(|&d| {
                let doc = &self.docs[d];
                doc.kind == DocKind::SiteDoc && doc.site.as_deref() == Some(site)
            })
            .collect();
        others.sort_by(|&a, &b| self.docs[a].path.cmp(&self.docs[b].path));
        first.into_iter().chain(others).collect()
    }

    /// Patterns a site doc follows.
    pub fn followed_by_doc(&self, doc: DocId) -> Vec<DocId> {
        let mut out: Vec<DocId> = self
            .references_from(doc)
            .filter_map(Reference::doc)
            .filter(|&d| self.docs[d].kind == DocKind::Pattern)
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Patterns a site follows (through any of its docs).
    pub fn followed_by_site(&self, site: &str) -> BTreeSet<DocId> {
        self.site_docs(site)
            .flat_map(|d| self.followed_by_doc(d))
            .collect()
    }

    /// What a site doc uses in the pattern repo without following a pattern: the guides and
    /// index pages it links (a folder URL means the folder's README/index), and the folders
    /// without one it links; by repo path, each once. Patterns are followed, not used:
    /// [`KnowledgeBase::followed_by_doc`].
    pub fn used_by_doc(&self, doc: DocId) -> Vec<Used> {
        let mut out: Vec<Used> = self
            .references_from(doc)
            .filter_map(|r| self.used_target(r))
            .collect();
        out.sort_by(|a, b| self.used_path(a).cmp(self.used_path(b)));
        out.dedup();
        out
    }

    /// What a site uses in the pattern repo (through any of its docs), by repo path.
    pub fn used_by_site(&self, site: &str) -> Vec<Used> {
        let mut out: Vec<Used> = self
            .site_docs(site)
            .flat_map(|d| self.used_by_doc(d))
            .collect();
        out.sort_by(|a, b| self.used_path(a).cmp(self.used_path(b)));
        out.dedup();
        out
    }

    /// Site docs that use a guide, index page or folder (one entry per doc, first reference
    /// line), in doc order.
    pub fn users(&self, used: &Used) -> Vec<(DocId, &Reference)> {
        let mut seen = HashSet::new();
        let refs: Box<dyn Iterator<Item = &Reference>> = match used {
            Used::Doc(d) => Box::new(self.references_to(*d)),
            Used::Folder(path) => Box::new(
                self.refs
                    .iter()
                    .filter(move |r| matches!(&r.target, Target::Folder { path: p } if p == path)),
            ),
        };
        let mut out: Vec<(DocId, &Reference)> = refs
            .filter(|r| self.docs[r.from].site.is_some())
            .filter(|r| seen.insert(r.from))
            .map(|r| (r.from, r))
            .collect();
        out.sort_by_key(|(d, _)| *d);
        out
    }

    /// Does a doc link anything in the pattern repo that exists (a pattern, a guide, a
    /// folder, a file)? Docs that link nothing there get the "links no pattern" hint.
    pub fn links_pattern_repo(&self, doc: DocId) -> bool {
        self.references_from(doc).any(|r| !r.is_missing())
    }

    /// The repo path of what a doc uses (`docs/lan/README.md`, `docs/lan/storage`).
    pub fn used_path<'a>(&'a self, used: &'a Used) -> &'a str {
        match used {
            Used::Doc(d) => &self.docs[*d].path,
            Used::Folder(p) => p,
        }
    }

    fn used_target(&self, r: &Reference) -> Option<Used> {
        match &r.target {
            Target::Doc { id } if self.docs[*id].kind != DocKind::Pattern => Some(Used::Doc(*id)),
            Target::Folder { path } => Some(Used::Folder(path.clone())),
            _ => None,
        }
    }

    /// Other patterns a pattern links to or is linked from (pattern repo docs only).
    pub fn related_patterns(&self, pattern: DocId) -> Vec<DocId> {
        let mut out: Vec<DocId> = self
            .references_from(pattern)
            .filter_map(Reference::doc)
            .chain(
                self.references_to(pattern)
                    .filter(|r| self.docs[r.from].site.is_none())
                    .map(|r| r.from),
            )
            .filter(|&d| d != pattern && self.docs[d].kind == DocKind::Pattern)
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The published URL of a pattern repo doc.
    pub fn published_url(&self, doc: &Doc) -> Option<String> {
        if doc.site.is_some() {
            return None;
        }
        self.config.patterns.publication.published_url(&doc.path)
    }

    /// The path of a doc as shown to users (relative to the KB folder).
    pub fn display_path(&self, doc: &Doc) -> String {
        self.config.display_path(&doc.abs_path)
    }
}

#[derive(Debug, Clone)]
pub(super) struct LoadedFile {
    pub(super) len: u64,
    pub(super) modified: Option<SystemTime>,
    /// Status change time and inode: a `chmod` or a file renamed over this one changes them
    /// without touching size or mtime.
    pub(super) changed: source::Changed,
    pub(super) doc: Option<Arc<Doc>>,
    pub(super) problems: Vec<Problem>,
}

/// The walk of every repo of a snapshot, in config order (`None`: the folder is missing).
pub(super) type Walks = Arc<Vec<Option<source::Walk>>>;

/// The unresolved references of each doc, keyed by file, with the doc they were found in
/// (reused only for that very doc) and the pattern ids they were extracted against.
#[derive(Debug, Clone, Default)]
pub(super) struct RefCache {
    pub(super) ids: Arc<Vec<String>>,
    pub(super) by_path: HashMap<PathBuf, (Arc<Doc>, Arc<Vec<Candidate>>)>,
}

/// Trigram index over pattern ids for "did you mean" (filled by `suggest`).
#[derive(Debug, Clone, Default)]
pub(super) struct SuggestIndex {
    pub(super) ids: Vec<String>,
    pub(super) grams: HashMap<[u8; 3], Vec<u32>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linking_guides_index_pages_and_folders_is_using_them() {
        let (_dir, kb) = crate::testkit::older_federation();
        let d = |repo: &str, path: &str| kb.find(repo, path).unwrap();
        let paths = |u: Vec<Used>| -> Vec<String> {
            u.iter().map(|u| kb.used_path(u).to_string()).collect()
        };
        let readme = d("hq", "README.md");
        assert_eq!(
            paths(kb.used_by_doc(readme)),
            [
                "docs/guides/vpn.md",
                "docs/lan/README.md",
                "docs/lan/storage"
            ],
            "a folder URL is its README, or the folder itself when it has none"
        );
        assert_eq!(
            paths(kb.used_by_site("hq")),
            [
                "docs/guides/vpn.md",
                "docs/lan/README.md",
                "docs/lan/storage"
            ]
        );
        assert!(
            kb.followed_by_site("hq").is_empty(),
            "guides are used, not followed"
        );
        let lab = d("lab", "docs/backup.md");
        assert_eq!(paths(kb.used_by_doc(lab)), ["docs/guides/vpn.md"]);
        assert_eq!(
            kb.followed_by_doc(lab),
            vec![kb.pattern("backup-cron-pattern").unwrap()]
        );

        let vpn = Used::Doc(d("netstack", "docs/guides/vpn.md"));
        let users: Vec<DocId> = kb.users(&vpn).into_iter().map(|(u, _)| u).collect();
        let mut want = vec![readme, d("hq", "docs/vpn.md"), lab];
        want.sort_unstable();
        assert_eq!(users, want);
        let storage = Used::Folder("docs/lan/storage".into());
        let users: Vec<DocId> = kb.users(&storage).into_iter().map(|(u, _)| u).collect();
        assert_eq!(users, vec![readme]);
        assert!(kb.users(&Used::Folder("docs/ops".into())).is_empty());

        assert!(!kb.links_pattern_repo(d("hq", "docs/notes.md")));
        assert!(
            kb.links_pattern_repo(d("hq", "docs/tools.md")),
            "a script counts as a link"
        );
        assert!(
            kb.used_by_doc(d("hq", "docs/tools.md")).is_empty(),
            "but is no doc"
        );
        assert!(kb.links_pattern_repo(d("hq", "docs/vpn.md")));
        assert_eq!(kb.unresolved().count(), 0);
    }
}
