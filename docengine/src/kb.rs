//! The knowledge base: every loaded doc of the pattern repo and the site repos, the pattern
//! ids, the contracts, the reference graph (which site docs follow which pattern) and every
//! load problem. Immutable once built; [`KnowledgeBase::refresh`] builds a new one that
//! re-reads only files whose size or modification time changed, and
//! [`KnowledgeBase::refresh_changed`] one that looks only at the paths a file watcher named.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use rayon::prelude::*;

use crate::config::Config;
use crate::contract::{self, ContractStatus};
use crate::doc::{Contents, Doc, DocKind, Origin};
use crate::error::{Error, Result};
use crate::problem::{Problem, ProblemKind, Severity};
use crate::refs::{self, Candidate, RefContext, Reference, Target, Want};
use crate::source::{self, CONTRACT_FILE};

/// Index of a doc in [`KnowledgeBase::docs`] (valid within one KB snapshot).
pub type DocId = usize;

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
    docs: HashMap<String, DocId>,
    /// Ids of this repo's docs, in path order.
    doc_ids: Vec<DocId>,
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

/// name, site, root, config line, configured path
type RepoSpec = (String, Option<String>, PathBuf, Option<usize>, String);

#[derive(Debug, Clone)]
struct LoadedFile {
    len: u64,
    modified: Option<SystemTime>,
    /// Status change time and inode: a `chmod` or a file renamed over this one changes them
    /// without touching size or mtime.
    changed: source::Changed,
    doc: Option<Arc<Doc>>,
    problems: Vec<Problem>,
}

/// Where a link in a doc leads (for rendering and for lint).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkTarget {
    /// A doc of the KB, with an optional anchor; `anchor_ok` is false when the anchor names no
    /// heading of that doc.
    Doc {
        id: DocId,
        anchor: Option<String>,
        anchor_ok: bool,
    },
    /// A non-doc file of one of the repos (image, script): repo index and relative path.
    File { repo: usize, path: String },
    /// A folder of one of the repos without a README.
    Dir { repo: usize, path: String },
    /// An anchor in the same doc; `ok` is false when no heading has it.
    SameDoc { anchor: String, ok: bool },
    /// Outside the KB (another web site, `mailto:`).
    External,
    /// A link into a KB repo (or a relative path) that leads nowhere.
    Missing { wanted: String },
}

/// The loaded knowledge base.
#[derive(Debug, Clone)]
pub struct KnowledgeBase {
    pub config: Arc<Config>,
    /// `repos[0]` is the pattern repo; the rest are the sites in config order.
    pub repos: Vec<Repo>,
    pub docs: Vec<Arc<Doc>>,
    patterns: BTreeMap<String, DocId>,
    contracts: BTreeMap<String, ContractStatus>,
    refs: Vec<Reference>,
    refs_from: Vec<Vec<usize>>,
    refs_to: HashMap<DocId, Vec<usize>>,
    problems: Vec<Problem>,
    cache: HashMap<PathBuf, LoadedFile>,
    /// The walk of each repo (`None`: folder missing), reused by [`KnowledgeBase::refresh_changed`].
    walks: Walks,
    /// References found in each doc, reused while the doc and the set of pattern ids stay the same.
    ref_cache: RefCache,
    suggest_index: std::sync::OnceLock<SuggestIndex>,
    roots: std::sync::OnceLock<HashMap<PathBuf, usize>>,
    repo_names: std::sync::OnceLock<HashMap<String, usize>>,
    timings: LoadTimings,
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

/// The walk of every repo of a snapshot, in config order (`None`: the folder is missing).
type Walks = Arc<Vec<Option<source::Walk>>>;

/// The unresolved references of each doc, keyed by file, with the doc they were found in
/// (reused only for that very doc) and the pattern ids they were extracted against.
#[derive(Debug, Clone, Default)]
struct RefCache {
    ids: Arc<Vec<String>>,
    by_path: HashMap<PathBuf, (Arc<Doc>, Arc<Vec<Candidate>>)>,
}

/// What a rebuild may take over from the snapshot before it.
struct Previous<'a> {
    files: &'a HashMap<PathBuf, LoadedFile>,
    refs: Option<&'a RefCache>,
    /// The previous walks, when only these files changed in place (no file added, removed or
    /// renamed, no ignore rule touched): the walk is skipped and only these files are stat'ed.
    walks: Option<(&'a Walks, &'a HashSet<PathBuf>)>,
}

/// Trigram index over pattern ids for "did you mean".
#[derive(Debug, Clone, Default)]
struct SuggestIndex {
    ids: Vec<String>,
    grams: HashMap<[u8; 3], Vec<u32>>,
}

impl SuggestIndex {
    fn new<'a>(ids: impl Iterator<Item = &'a String>) -> Self {
        let mut idx = SuggestIndex::default();
        for (i, id) in ids.enumerate() {
            for g in trigrams(id.trim_end_matches("-pattern")) {
                let list = idx.grams.entry(g).or_default();
                if list.last() != Some(&(i as u32)) {
                    list.push(i as u32);
                }
            }
            idx.ids.push(id.clone());
        }
        idx
    }

    /// Ids sharing the most trigrams with `core`, best first.
    fn candidates(&self, core: &str, max: usize) -> Vec<usize> {
        let mut counts: HashMap<u32, u32> = HashMap::new();
        for g in trigrams(core) {
            if let Some(list) = self.grams.get(&g) {
                for &i in list {
                    *counts.entry(i).or_default() += 1;
                }
            }
        }
        let mut v: Vec<(u32, u32)> = counts.into_iter().collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        v.into_iter().take(max).map(|(i, _)| i as usize).collect()
    }
}

fn trigrams(s: &str) -> Vec<[u8; 3]> {
    let padded: Vec<u8> = std::iter::once(b' ')
        .chain(s.bytes())
        .chain(std::iter::once(b' '))
        .collect();
    let mut out: Vec<[u8; 3]> = padded.windows(3).map(|w| [w[0], w[1], w[2]]).collect();
    out.sort_unstable();
    out.dedup();
    out
}

impl KnowledgeBase {
    /// Load everything the config names. Fails only when the pattern repo is missing;
    /// every other problem is recorded in [`KnowledgeBase::problems`].
    pub fn load(config: Config) -> Result<Self> {
        let files = HashMap::new();
        let previous = Previous {
            files: &files,
            refs: None,
            walks: None,
        };
        Self::build(Arc::new(config), previous)
    }

    /// Build a fresh KB from disk, re-reading only files whose size or modification time
    /// changed since this one was built (new and deleted files are picked up too).
    pub fn refresh(&self) -> Result<Self> {
        let previous = Previous {
            files: &self.cache,
            refs: Some(&self.ref_cache),
            walks: None,
        };
        Self::build(Arc::clone(&self.config), previous)
    }

    /// Like [`KnowledgeBase::refresh`], for a caller that knows exactly which paths changed
    /// (a file watcher): when every one of them is a file this snapshot already holds and
    /// still exists as a regular file (not a symlink), and none is an ignore file, the repos
    /// are not walked again and only those files are looked at. Anything else (a new, deleted
    /// or renamed file, a symlink, a folder, a `.gitignore`) falls back to a full refresh, so the result is always what `refresh`
    /// would build.
    pub fn refresh_changed(&self, changed: &[PathBuf]) -> Result<Self> {
        let in_place = !changed.is_empty()
            && changed.iter().all(|p| {
                let ignore_file = p
                    .file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n == ".gitignore" || n == ".ignore");
                // A path that became a symlink (or anything but a regular file) is the
                // walk's business: `ln -sf`, or `git checkout` renaming a link over a doc.
                let regular = std::fs::symlink_metadata(p).is_ok_and(|m| m.is_file());
                !ignore_file && regular && self.holds_file(p)
            });
        if !in_place {
            return self.refresh();
        }
        let changed: HashSet<PathBuf> = changed.iter().cloned().collect();
        let previous = Previous {
            files: &self.cache,
            refs: Some(&self.ref_cache),
            walks: Some((&self.walks, &changed)),
        };
        Self::build(Arc::clone(&self.config), previous)
    }

    /// Did this snapshot's walk see a file (markdown or not) at this absolute path?
    fn holds_file(&self, abs: &Path) -> bool {
        if self.cache.contains_key(abs) {
            return true;
        }
        self.repos.iter().any(|r| {
            abs.strip_prefix(&r.root).is_ok_and(|rel| {
                rel.to_str()
                    .is_some_and(|rel| r.files.contains(&rel.replace('\\', "/")))
            })
        })
    }

    fn build(config: Arc<Config>, previous: Previous<'_>) -> Result<Self> {
        if !config.patterns.path.is_dir() {
            return Err(Error::PatternRepoMissing {
                config: config.file.clone().unwrap_or_else(|| config.root.clone()),
                configured: config.patterns.configured_path.clone(),
                resolved: config.patterns.path.clone(),
            });
        }
        let display = |p: &Path| config.display_path(p);
        let mut problems = Vec::new();
        let mut timings = LoadTimings::default();
        let mut clock = std::time::Instant::now();
        let mut lap = |slot: &mut f64| {
            *slot = clock.elapsed().as_secs_f64() * 1000.0;
            clock = std::time::Instant::now();
        };

        // Walk the repos (cheap, sequential per repo, repos in parallel).
        let mut specs: Vec<RepoSpec> = vec![(
            config.patterns.name.clone(),
            None,
            config.patterns.path.clone(),
            None,
            config.patterns.configured_path.clone(),
        )];
        for s in &config.sites {
            specs.push((
                s.name.clone(),
                Some(s.name.clone()),
                s.path.clone(),
                s.line,
                s.configured_path.clone(),
            ));
        }
        let walks: Walks = match previous.walks {
            Some((walks, _)) if walks.len() == specs.len() => Arc::clone(walks),
            _ => {
                let roots: Vec<PathBuf> = specs.iter().map(|s| s.2.clone()).collect();
                let nested = source::nested_roots_all(&roots);
                Arc::new(
                    specs
                        .par_iter()
                        .zip(nested.par_iter())
                        .map(|((_, _, root, _, _), nested)| {
                            root.is_dir().then(|| source::walk(root, nested, &display))
                        })
                        .collect(),
                )
            }
        };
        // With a known change set, files outside it are taken over without a look at the disk
        // (except files reached through a symlink: their edits are reported under the target).
        let only_changed = previous
            .walks
            .filter(|(w, _)| w.len() == specs.len())
            .map(|(_, changed)| changed);
        let linked: HashSet<&PathBuf> = walks
            .iter()
            .flatten()
            .flat_map(|w| w.linked.iter())
            .collect();

        let mut repos = Vec::new();
        let mut files: Vec<(usize, PathBuf, String)> = Vec::new();
        for (i, ((name, site, root, line, configured), walk)) in
            specs.into_iter().zip(walks.iter()).enumerate()
        {
            match walk {
                Some(w) => {
                    problems.extend(w.problems.iter().cloned());
                    files.extend(
                        w.markdown
                            .iter()
                            .map(|(abs, rel)| (i, abs.clone(), rel.clone())),
                    );
                    repos.push(Repo {
                        name,
                        site,
                        root,
                        loaded: true,
                        files: w.files.clone(),
                        dirs: w.dirs.clone(),
                        docs: HashMap::new(),
                        doc_ids: Vec::new(),
                    });
                }
                None => {
                    problems.push(Problem::new(
                        ProblemKind::MissingRepo,
                        Severity::Error,
                        config.file.as_deref().map(&display).unwrap_or_else(|| configured.clone()),
                        line.map(|l| l as u32),
                        format!(
                            "site `{name}`: folder `{configured}` does not exist (resolved to {}); clone the site repo there or fix its `path` in netstack.toml",
                            root.display()
                        ),
                    ));
                    repos.push(Repo {
                        name,
                        site,
                        root,
                        loaded: false,
                        files: BTreeSet::new(),
                        dirs: BTreeSet::new(),
                        docs: HashMap::new(),
                        doc_ids: Vec::new(),
                    });
                }
            }
        }

        lap(&mut timings.walk_ms);
        // Read and parse in parallel, reusing unchanged files.
        let docs_dir = config.patterns.docs_dir.clone();
        let max = config.load.max_file_bytes;
        let loaded: Vec<(usize, PathBuf, LoadedFile, bool)> = files
            .into_par_iter()
            .map(|(repo_idx, abs, rel)| {
                if let Some(changed) = only_changed
                    && !changed.contains(&abs)
                    && !linked.contains(&abs)
                    && let Some(prev) = previous.files.get(&abs)
                {
                    return (repo_idx, abs, prev.clone(), true);
                }
                let meta = std::fs::metadata(&abs).ok();
                let len = meta.as_ref().map(|m| m.len()).unwrap_or(0);
                let modified = meta.as_ref().and_then(|m| m.modified().ok());
                let changed = meta.as_ref().map(source::Changed::of).unwrap_or_default();
                if let Some(prev) = previous.files.get(&abs)
                    && prev.len == len
                    && prev.modified == modified
                    && prev.changed == changed
                    && modified.is_some()
                {
                    return (repo_idx, abs, prev.clone(), true);
                }
                let repo = &repos[repo_idx];
                let stamp = (len, modified, changed);
                let canonical_root = walks[repo_idx].as_ref().map(|w| w.root.as_path());
                let file = load_file(
                    repo,
                    &abs,
                    &rel,
                    &docs_dir,
                    max,
                    &display,
                    stamp,
                    canonical_root.unwrap_or(Path::new("")),
                );
                (repo_idx, abs, file, false)
            })
            .collect();
        lap(&mut timings.read_parse_ms);

        let mut docs: Vec<Arc<Doc>> = Vec::with_capacity(loaded.len());
        let mut cache = HashMap::with_capacity(loaded.len());
        for (repo_idx, abs, file, reused) in loaded {
            if reused {
                timings.files_reused += 1;
            } else {
                timings.files_read += 1;
            }
            problems.extend(file.problems.iter().cloned());
            if let Some(doc) = &file.doc {
                repos[repo_idx].docs.insert(doc.path.clone(), docs.len());
                repos[repo_idx].doc_ids.push(docs.len());
                docs.push(Arc::clone(doc));
            }
            cache.insert(abs, file);
        }

        // Pattern ids.
        let mut patterns: BTreeMap<String, DocId> = BTreeMap::new();
        for (id, doc) in docs.iter().enumerate() {
            if let Some(pid) = &doc.pattern_id {
                if let Some(&first) = patterns.get(pid) {
                    problems.push(Problem::new(
                        ProblemKind::DuplicatePattern,
                        Severity::Error,
                        display(&doc.abs_path),
                        Some(1),
                        format!(
                            "pattern id `{pid}` is already used by {}; references to `{pid}` resolve to that one: rename one of the files",
                            display(&docs[first].abs_path)
                        ),
                    ));
                } else {
                    patterns.insert(pid.clone(), id);
                }
            }
        }

        // Contracts.
        let mut contracts = BTreeMap::new();
        for repo in repos.iter().skip(1) {
            let site = repo.name.clone();
            if !repo.loaded {
                continue;
            }
            let status = match repo.doc(CONTRACT_FILE) {
                None => ContractStatus::Missing,
                Some(id) => match contract::parse(&docs[id]) {
                    Ok(c) => ContractStatus::Valid(c),
                    Err(e) => ContractStatus::Invalid {
                        line: e.line,
                        reason: e.message,
                    },
                },
            };
            contracts.insert(site, status);
        }

        lap(&mut timings.index_ms);
        // References.
        let known_ids: HashSet<String> = patterns.keys().cloned().collect();
        let pattern_root = config.patterns.path.clone();
        let ctx = RefContext::new(&config.patterns.publication, &pattern_root, &known_ids);
        // Extraction depends on the set of pattern ids: reuse only while it is the same.
        let reusable = previous.refs.filter(|r| r.ids.iter().eq(patterns.keys()));
        let ids = match reusable {
            Some(r) => Arc::clone(&r.ids),
            None => Arc::new(patterns.keys().cloned().collect()),
        };
        let candidates: Vec<(DocId, Arc<Vec<Candidate>>)> = docs
            .par_iter()
            .enumerate()
            .map(|(id, doc)| {
                if let Some((d, c)) = reusable.and_then(|r| r.by_path.get(&doc.abs_path))
                    && Arc::ptr_eq(d, doc)
                {
                    return (id, Arc::clone(c));
                }
                (id, Arc::new(refs::extract(doc, &ctx)))
            })
            .collect();
        let mut ref_cache = RefCache {
            ids,
            by_path: HashMap::with_capacity(candidates.len()),
        };
        let mut all_refs = Vec::new();
        for (from, cands) in candidates {
            ref_cache.by_path.insert(
                docs[from].abs_path.clone(),
                (Arc::clone(&docs[from]), Arc::clone(&cands)),
            );
            for c in cands.iter().cloned() {
                let (target, wanted) = resolve(&repos[0], &patterns, &c.want);
                // A pattern repo doc linking itself (edit links) is not a reference.
                if target == (Target::Doc { id: from }) {
                    continue;
                }
                all_refs.push(Reference {
                    from,
                    line: c.line,
                    form: c.form,
                    raw: c.raw,
                    wanted,
                    anchor: c.anchor,
                    target,
                });
            }
        }
        refs::dedup(&mut all_refs);
        let mut refs_from = vec![Vec::new(); docs.len()];
        let mut refs_to: HashMap<DocId, Vec<usize>> = HashMap::new();
        for (i, r) in all_refs.iter().enumerate() {
            refs_from[r.from].push(i);
            if let Some(to) = r.doc() {
                refs_to.entry(to).or_default().push(i);
            }
        }

        problems.sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
        lap(&mut timings.refs_ms);
        Ok(KnowledgeBase {
            config,
            repos,
            docs,
            patterns,
            contracts,
            refs: all_refs,
            refs_from,
            refs_to,
            problems,
            cache,
            walks,
            ref_cache,
            suggest_index: std::sync::OnceLock::new(),
            roots: std::sync::OnceLock::new(),
            repo_names: std::sync::OnceLock::new(),
            timings,
        })
    }

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

    /// Pattern ids closest to a wanted id (for "did you mean"): close spellings, or ids that
    /// share a significant word. A trigram index keeps this fast on large KBs.
    pub fn suggest_patterns(&self, wanted: &str, limit: usize) -> Vec<&str> {
        let wanted = wanted.to_ascii_lowercase();
        let core = wanted.trim_end_matches("-pattern");
        let words: HashSet<&str> = core.split('-').filter(|w| w.len() > 3).collect();
        let index = self
            .suggest_index
            .get_or_init(|| SuggestIndex::new(self.patterns.keys()));
        let mut scored: Vec<(f64, &str)> = index
            .candidates(core, 200)
            .into_iter()
            .filter_map(|i| {
                let id = index.ids[i].as_str();
                let id_core = id.trim_end_matches("-pattern");
                let close = strsim::normalized_damerau_levenshtein(core, id_core);
                let shared = id_core.split('-').filter(|w| words.contains(w)).count();
                (close >= 0.6 || shared > 0).then_some((close + 0.2 * shared as f64, id))
            })
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
        scored.into_iter().take(limit).map(|(_, id)| id).collect()
    }

    /// The repo whose root holds this absolute path (the innermost one when checkouts are
    /// nested). Walks up the path's ancestors, so the cost does not grow with the number of
    /// repos.
    ///
    /// Only ancestors no deeper than the deepest root are looked up: hashing every ancestor
    /// of a path of thousands of segments (a link in a doc) would cost quadratic time.
    pub fn repo_containing(&self, abs: &Path) -> Option<usize> {
        let roots = self.roots.get_or_init(|| {
            let mut m = HashMap::new();
            for (i, r) in self.repos.iter().enumerate() {
                m.entry(r.root.clone()).or_insert(i);
            }
            m
        });
        let deepest = roots.keys().map(|r| r.components().count()).max()?;
        // Rebuilt from its components (no `.`, no `//`), each ancestor is one component up.
        let abs: PathBuf = abs.components().collect();
        let too_deep = abs.components().count().saturating_sub(deepest);
        abs.ancestors()
            .skip(too_deep)
            .find_map(|a| roots.get(a).copied())
    }

    /// Where a link written in a doc leads.
    pub fn resolve_link(&self, from: DocId, target: &str) -> LinkTarget {
        let doc = &self.docs[from];
        let target = target.trim();
        if let Some(anchor) = target.strip_prefix('#') {
            let anchor = crate::publication::percent_decode(anchor);
            let ok = anchor.is_empty() || doc.has_anchor(&anchor);
            return LinkTarget::SameDoc { anchor, ok };
        }
        let ctx_ids = HashSet::new();
        let ctx = RefContext::new(
            &self.config.patterns.publication,
            &self.config.patterns.path,
            &ctx_ids,
        );
        let is_url = target.split_once(':').is_some_and(|(s, _)| {
            s.len() > 1
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        });
        if is_url {
            return match refs::classify_link(doc, target, &ctx) {
                Some(c) => self.resolve_in(0, &c.want, c.anchor),
                None => LinkTarget::External,
            };
        }
        let (path, anchor) = match target.split_once('#') {
            Some((p, a)) => (
                p,
                Some(crate::publication::percent_decode(a)).filter(|a| !a.is_empty()),
            ),
            None => (target, None),
        };
        let path = crate::publication::percent_decode(path.split('?').next().unwrap_or(path));
        if path.is_empty() {
            return LinkTarget::External;
        }
        let own = self.repo_index(doc);
        let abs = if path.starts_with('/') {
            self.repos[own].root.join(path.trim_start_matches('/'))
        } else {
            match doc.abs_path.parent() {
                Some(dir) => crate::config::normalize(&dir.join(&path)),
                None => return LinkTarget::Missing { wanted: path },
            }
        };
        // Which repo is it in? (Innermost root, so nested checkouts work.)
        if let Some(i) = self.repo_containing(&abs)
            && let Ok(rel) = abs.strip_prefix(&self.repos[i].root)
        {
            let rel = rel.to_string_lossy().replace('\\', "/");
            return self.resolve_in(i, &Want::Paths(refs::path_candidates(&rel)), anchor);
        }
        // A checkout laid out differently: `../../netstack/docs/x.md`.
        if let Some(c) = refs::classify_link(doc, target, &ctx) {
            return self.resolve_in(0, &c.want, c.anchor);
        }
        LinkTarget::Missing {
            wanted: self.config.display_path(&abs),
        }
    }

    fn resolve_in(&self, repo: usize, want: &Want, anchor: Option<String>) -> LinkTarget {
        let r = &self.repos[repo];
        match want {
            Want::Id(id) => match self.pattern(id) {
                Some(d) => self.doc_target(d, anchor),
                None => LinkTarget::Missing { wanted: id.clone() },
            },
            Want::Paths(cands) => {
                for c in cands {
                    if let Some(d) = r.doc(c) {
                        return self.doc_target(d, anchor);
                    }
                }
                for c in cands {
                    if r.files.contains(c.as_str()) {
                        return LinkTarget::File {
                            repo,
                            path: c.clone(),
                        };
                    }
                    if r.dirs.contains(c.as_str()) || c.is_empty() {
                        return LinkTarget::Dir {
                            repo,
                            path: c.clone(),
                        };
                    }
                }
                LinkTarget::Missing {
                    wanted: cands.first().cloned().unwrap_or_default(),
                }
            }
        }
    }

    fn doc_target(&self, id: DocId, anchor: Option<String>) -> LinkTarget {
        let anchor_ok = anchor
            .as_deref()
            .is_none_or(|a| self.docs[id].has_anchor(a));
        LinkTarget::Doc {
            id,
            anchor,
            anchor_ok,
        }
    }
}

fn resolve(
    patterns_repo: &Repo,
    patterns: &BTreeMap<String, DocId>,
    want: &Want,
) -> (Target, String) {
    match want {
        Want::Id(id) => match patterns.get(id) {
            Some(&d) => (Target::Doc { id: d }, id.clone()),
            None => (Target::Missing, id.clone()),
        },
        Want::Paths(cands) => {
            for c in cands {
                if let Some(d) = patterns_repo.doc(c) {
                    return (Target::Doc { id: d }, c.clone());
                }
            }
            for c in cands {
                if patterns_repo.files.contains(c.as_str())
                    || patterns_repo.dirs.contains(c.as_str())
                {
                    return (Target::File { path: c.clone() }, c.clone());
                }
            }
            (Target::Missing, cands.first().cloned().unwrap_or_default())
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn load_file(
    repo: &Repo,
    abs: &Path,
    rel: &str,
    docs_dir: &str,
    max: u64,
    display: &(dyn Fn(&Path) -> String + Sync),
    (len, modified, changed): (u64, Option<SystemTime>, source::Changed),
    canonical_root: &Path,
) -> LoadedFile {
    let shown = display(abs);
    let mut problems = Vec::new();
    let text = match source::read_text(abs, canonical_root, max) {
        Ok(t) => t,
        Err(skipped) => {
            problems.push(Problem::new(
                skipped.kind,
                Severity::Warning,
                shown,
                None,
                skipped.message,
            ));
            return LoadedFile {
                len,
                modified,
                changed,
                doc: None,
                problems,
            };
        }
    };
    for (kind, severity, line, message) in text.problems {
        problems.push(Problem::new(kind, severity, shown.clone(), line, message));
    }
    let (doc, fm_error) = Doc::build(
        Origin {
            repo: &repo.name,
            site: repo.site.as_deref(),
            rel,
            abs,
            docs_dir,
        },
        Contents {
            text: text.text,
            hash: text.hash,
            bytes: text.bytes,
            truncated: text.truncated,
        },
    );
    if let Some(e) = fm_error {
        problems.push(Problem::new(
            ProblemKind::FrontMatter,
            Severity::Error,
            shown,
            Some(e.line),
            e.message,
        ));
    }
    LoadedFile {
        len,
        modified,
        changed,
        doc: Some(Arc::new(doc)),
        problems,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_are_close_or_share_a_word() {
        let dir = tempfile::tempdir().unwrap();
        let r = dir.path();
        for p in [
            "docs/ops/monitor/uptime-monitor-pattern.md",
            "docs/ops/backup/backup-cron-pattern.md",
            "docs/ops/security/secrets-vault-pattern.md",
        ] {
            std::fs::create_dir_all(r.join("netstack").join(p).parent().unwrap()).unwrap();
            std::fs::write(r.join("netstack").join(p), "# x\n").unwrap();
        }
        std::fs::write(r.join("netstack.toml"), "[patterns]\npath = \"netstack\"\n").unwrap();
        let kb = KnowledgeBase::load(Config::load(r).unwrap()).unwrap();
        assert_eq!(
            kb.suggest_patterns("backup-corn-pattern", 3),
            vec!["backup-cron-pattern"]
        );
        assert_eq!(
            kb.suggest_patterns("uptime-probe-pattern", 3),
            vec!["uptime-monitor-pattern"]
        );
        assert!(kb.suggest_patterns("service-portal-pattern", 3).is_empty());
    }
}

#[cfg(test)]
mod refresh_tests {
    use super::*;

    fn write(root: &Path, rel: &str, text: &str) {
        crate::testkit::write_files(root, &[(rel, text)]);
    }

    /// A KB with the pattern repo `netstack` published at n.org and one site `cf`.
    const ONE_SITE: &str = "[patterns]\npath = \"netstack\"\nbase_urls = [\"https://n.org/\"]\n[[sites]]\nname = \"cf\"\npath = \"cf\"\n";

    #[test]
    fn refresh_rereads_only_changed_files_and_sees_adds_and_deletes() {
        let d = tempfile::tempdir().unwrap();
        let r = d.path();
        write(r, "netstack.toml", ONE_SITE);
        write(r, "netstack/docs/a-pattern.md", "# A\n");
        write(r, "netstack/docs/b-pattern.md", "# B\n");
        write(r, "cf/docs/x.md", "# X\n\nper netstack a-pattern\n");
        write(
            r,
            "cf/.wip-contract.md",
            "## Contact Method\n\n- **Action recommendations:** Email to a@cf.org\n",
        );
        let kb = KnowledgeBase::load(Config::load(r).unwrap()).unwrap();
        assert_eq!(kb.followers(kb.pattern("a-pattern").unwrap()).len(), 1);

        // Change a site doc (size changes, so the change is seen even within one mtime tick).
        write(
            r,
            "cf/docs/x.md",
            "# X\n\nper netstack b-pattern, now with more words\n",
        );
        write(r, "netstack/docs/c-pattern.md", "# C\n");
        std::fs::remove_file(r.join("netstack/docs/a-pattern.md")).unwrap();
        let kb2 = kb.refresh().unwrap();
        let t = kb2.timings();
        assert_eq!(t.files_read, 2, "{t:?}");
        assert_eq!(t.files_reused, 2, "{t:?}");
        assert!(kb2.pattern("a-pattern").is_none());
        assert!(kb2.pattern("c-pattern").is_some());
        assert_eq!(kb2.followers(kb2.pattern("b-pattern").unwrap()).len(), 1);
        // The old snapshot is untouched.
        assert_eq!(kb.followers(kb.pattern("a-pattern").unwrap()).len(), 1);
        assert!(kb2.contract("cf").unwrap().contract().is_some());
    }

    /// The full text of every doc of a KB and every problem message, for "is it anywhere".
    fn everything(kb: &KnowledgeBase) -> String {
        let mut all: Vec<String> = kb.docs.iter().map(|d| d.text.clone()).collect();
        all.extend(kb.problems().iter().map(|p| p.to_string()));
        all.join("\n")
    }

    #[cfg(unix)]
    #[test]
    fn live_reload_never_reads_through_a_doc_swapped_for_a_symlink_out_of_the_repo() {
        let d = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let secret = outside.path().join("passwd");
        std::fs::write(&secret, "root:x:0:0:root:/root:/bin/bash\n").unwrap();
        let r = d.path();
        write(r, "netstack.toml", ONE_SITE);
        write(r, "netstack/docs/a-pattern.md", "# A\n");
        write(r, "cf/docs/x.md", "# X\n\nper netstack a-pattern\n");
        write(r, "cf/docs/y.md", "# Y\n");
        let kb = KnowledgeBase::load(Config::load(r).unwrap()).unwrap();
        let x = r.join("cf/docs/x.md");
        let y = r.join("cf/docs/y.md");

        // `ln -sf /etc/passwd x.md`, then the watcher reports x.md.
        std::fs::remove_file(&x).unwrap();
        std::os::unix::fs::symlink(&secret, &x).unwrap();
        let kb2 = kb.refresh_changed(std::slice::from_ref(&x)).unwrap();
        assert!(
            !everything(&kb2).contains("root:x:0:0"),
            "the target leaked"
        );
        assert!(kb2.find("cf", "docs/x.md").is_none());
        assert!(
            kb2.problems()
                .iter()
                .any(|p| p.kind == ProblemKind::Symlink && p.path.ends_with("docs/x.md")),
            "{:?}",
            kb2.problems()
        );
        // The same as a full walk makes of it.
        assert_eq!(observable(&kb2), observable(&kb.refresh().unwrap()));

        // `git checkout` style: a link renamed over a doc.
        let tmp = r.join("cf/docs/.y.md.tmp");
        std::os::unix::fs::symlink(&secret, &tmp).unwrap();
        std::fs::rename(&tmp, &y).unwrap();
        let kb3 = kb2.refresh_changed(&[tmp, y.clone()]).unwrap();
        assert!(
            !everything(&kb3).contains("root:x:0:0"),
            "the target leaked"
        );
        assert!(kb3.find("cf", "docs/y.md").is_none());
    }

    #[test]
    fn thousands_of_sites_load_in_linear_time() {
        let d = tempfile::tempdir().unwrap();
        let r = d.path();
        let n = 3000;
        let mut toml = String::from("[patterns]\npath = \"netstack\"\n");
        write(r, "netstack/docs/a-pattern.md", "# A\n");
        for i in 0..n {
            std::fs::create_dir_all(r.join(format!("sites/s{i}"))).unwrap();
            toml.push_str(&format!(
                "[[sites]]\nname = \"s{i}\"\npath = \"sites/s{i}\"\n"
            ));
        }
        // One site holding another: still found as nested.
        write(r, "sites/s1/docs/x.md", "# X\n");
        toml.push_str("[[sites]]\nname = \"inner\"\npath = \"sites/s1/docs\"\n");
        write(r, "netstack.toml", &toml);
        let started = std::time::Instant::now();
        let kb = KnowledgeBase::load(Config::load(r).unwrap()).unwrap();
        let took = started.elapsed();
        assert_eq!(kb.sites().count(), n + 1);
        assert!(kb.find("inner", "x.md").is_some());
        assert!(kb.find("s1", "docs/x.md").is_none());
        // Every repo against every other (n² canonicalizations) took minutes here.
        assert!(took < std::time::Duration::from_secs(20), "{took:?}");
        eprintln!("{n} sites: {took:?}");
    }

    #[cfg(unix)]
    #[test]
    fn a_permission_change_is_seen_by_live_reload() {
        let d = tempfile::tempdir().unwrap();
        let r = d.path();
        write(r, "netstack.toml", ONE_SITE);
        write(r, "netstack/docs/a-pattern.md", "# A\n");
        write(r, "cf/docs/x.md", "# X\n\nper netstack a-pattern\n");
        let kb = KnowledgeBase::load(Config::load(r).unwrap()).unwrap();
        let x = r.join("cf/docs/x.md");
        // Past the file system's timestamp granularity, so the chmod gets its own ctime.
        std::thread::sleep(std::time::Duration::from_millis(50));
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&x, std::fs::Permissions::from_mode(0o000)).unwrap();
        let kb2 = kb.refresh_changed(std::slice::from_ref(&x)).unwrap();
        let t = kb2.timings();
        // Size and mtime are unchanged: only the status change time tells.
        assert_eq!(t.files_read, 1, "the chmod went unnoticed: {t:?}");
        if unsafe { libc::geteuid() } == 0 {
            eprintln!(
                "SKIPPED (running as root, who reads chmod-000 files): the doc becoming a `cannot read` problem"
            );
        } else {
            assert!(kb2.find("cf", "docs/x.md").is_none());
            assert!(
                kb2.problems()
                    .iter()
                    .any(|p| p.kind == ProblemKind::Unreadable
                        && p.message.contains("cannot read: permission denied")),
                "{:?}",
                kb2.problems()
            );
        }
        std::fs::set_permissions(&x, std::fs::Permissions::from_mode(0o644)).unwrap();
    }

    /// Everything a reader of the KB can observe, for comparing two builds.
    fn observable(kb: &KnowledgeBase) -> String {
        let docs: Vec<String> = kb
            .docs
            .iter()
            .map(|d| format!("{} {:?} {}", d.abs_path.display(), d.pattern_id, d.title))
            .collect();
        let refs: Vec<String> = kb
            .refs
            .iter()
            .map(|r| {
                format!(
                    "{}:{} {} {:?}",
                    kb.docs[r.from].abs_path.display(),
                    r.line,
                    r.raw,
                    r.doc().map(|d| kb.docs[d].abs_path.clone())
                )
            })
            .collect();
        let files: Vec<_> = kb.repos.iter().map(|r| (&r.files, &r.dirs)).collect();
        format!("{docs:#?}\n{refs:#?}\n{files:?}\n{:?}", kb.problems)
    }

    #[test]
    fn refresh_changed_looks_only_at_the_changed_files_and_builds_what_refresh_builds() {
        let d = tempfile::tempdir().unwrap();
        let r = d.path();
        write(r, "netstack.toml", ONE_SITE);
        write(r, "netstack/docs/a-pattern.md", "# A\n");
        write(r, "netstack/docs/b-pattern.md", "# B\n");
        write(r, "netstack/docs/run.sh", "echo\n");
        write(r, "cf/docs/x.md", "# X\n\nper netstack a-pattern\n");
        write(
            r,
            "cf/docs/y.md",
            "# Y\n\nSee <https://n.org/docs/b-pattern/>.\n",
        );
        let kb = KnowledgeBase::load(Config::load(r).unwrap()).unwrap();
        let x = kb.docs[kb.find("cf", "docs/x.md").unwrap()]
            .abs_path
            .clone();

        // An edit in place: one file read, no walk, the same KB a full refresh builds.
        write(r, "cf/docs/x.md", "# X\n\nper netstack b-pattern, edited\n");
        let fast = kb.refresh_changed(std::slice::from_ref(&x)).unwrap();
        let t = fast.timings();
        assert_eq!((t.files_read, t.files_reused), (1, 3), "{t:?}");
        assert_eq!(observable(&fast), observable(&kb.refresh().unwrap()));
        assert_eq!(fast.followers(fast.pattern("b-pattern").unwrap()).len(), 2);
        // References of the unchanged docs were reused, not extracted again.
        let y = fast.find("cf", "docs/y.md").unwrap();
        assert!(Arc::ptr_eq(
            &fast.ref_cache.by_path[&fast.docs[y].abs_path].1,
            &kb.ref_cache.by_path[&kb.docs[y].abs_path].1
        ));

        // A new file is not something the old walk saw: full refresh, and it is found.
        write(r, "netstack/docs/c-pattern.md", "# C\n");
        let added = fast
            .refresh_changed(&[r.join("netstack/docs/c-pattern.md")])
            .unwrap();
        assert!(added.pattern("c-pattern").is_some());
        assert_eq!(observable(&added), observable(&fast.refresh().unwrap()));

        // A deleted file, likewise.
        std::fs::remove_file(r.join("netstack/docs/a-pattern.md")).unwrap();
        let removed = added
            .refresh_changed(&[r.join("netstack/docs/a-pattern.md")])
            .unwrap();
        assert!(removed.pattern("a-pattern").is_none());
        assert_eq!(observable(&removed), observable(&added.refresh().unwrap()));

        // A new ignore rule changes what the walk sees: full refresh.
        write(r, "cf/.gitignore", "docs/y.md\n");
        let ignored = removed.refresh_changed(&[r.join("cf/.gitignore")]).unwrap();
        assert!(ignored.find("cf", "docs/y.md").is_none());

        // A changed non-markdown file the walk knew: no walk, nothing re-read.
        write(r, "netstack/docs/run.sh", "echo changed\n");
        let script = ignored
            .refresh_changed(&[r.join("netstack/docs/run.sh")])
            .unwrap();
        assert_eq!(script.timings().files_read, 0);
        assert_eq!(observable(&script), observable(&ignored.refresh().unwrap()));

        // A doc reached through a symlink: the watcher reports the target, and the link's
        // doc follows too.
        #[cfg(unix)]
        {
            write(r, "cf/shared/real.md", "# Real\n\nfirst\n");
            std::os::unix::fs::symlink(r.join("cf/shared"), r.join("cf/docs/linked")).unwrap();
            let kb = script.refresh().unwrap();
            let title = |kb: &KnowledgeBase| {
                kb.doc(kb.find("cf", "docs/linked/real.md").unwrap())
                    .title
                    .clone()
            };
            assert_eq!(title(&kb), "Real");
            write(r, "cf/shared/real.md", "# Renamed\n\nsecond, longer\n");
            let next = kb.refresh_changed(&[r.join("cf/shared/real.md")]).unwrap();
            assert_eq!(title(&next), "Renamed");
            assert_eq!(observable(&next), observable(&kb.refresh().unwrap()));
        }
    }

    /// Found by fuzzing: finding the repo of a linked path hashed every ancestor of the path,
    /// so one link of thousands of segments took quadratic time to resolve (and to render).
    #[test]
    fn deep_link_paths_resolve_in_linear_time() {
        let d = tempfile::tempdir().unwrap();
        let r = d.path();
        write(r, "netstack.toml", ONE_SITE);
        write(r, "netstack/docs/lan/README.md", "# LAN\n");
        write(r, "cf/docs/x.md", "# X\n");
        write(r, "cf/docs/y.md", "# Y\n");
        let kb = KnowledgeBase::load(Config::load(r).unwrap()).unwrap();
        let x = kb.find("cf", "docs/x.md").unwrap();
        let y = kb.find("cf", "docs/y.md").unwrap();
        let start = std::time::Instant::now();
        let deep = format!("{}y.md", "a/".repeat(100_000));
        assert!(matches!(
            kb.resolve_link(x, &deep),
            LinkTarget::Missing { .. }
        ));
        let back = format!("./{}y.md", "a/../".repeat(50_000));
        assert!(matches!(kb.resolve_link(x, &back), LinkTarget::Doc { id, .. } if id == y));
        assert!(
            start.elapsed() < std::time::Duration::from_secs(5),
            "{:?}",
            start.elapsed()
        );
        // Paths not in normal form still find their repo.
        let cf = kb.repo_containing(&r.join("cf/./docs//x.md")).unwrap();
        assert_eq!(kb.repos[cf].root, kb.repos[kb.repo_index(kb.doc(x))].root);
        assert_eq!(kb.repo_containing(std::path::Path::new("/")), None);
    }

    #[test]
    fn resolve_link_covers_every_target_kind() {
        let d = tempfile::tempdir().unwrap();
        let r = d.path();
        write(r, "netstack.toml", ONE_SITE);
        write(r, "netstack/docs/lan/README.md", "# LAN\n\n## Steps\n");
        write(r, "netstack/docs/lan/v-pattern.md", "# V\n\n## Steps\n");
        write(r, "netstack/docs/tools/run.sh", "echo\n");
        write(r, "cf/docs/x.md", "# X\n\n## Here\n");
        write(r, "cf/docs/y.md", "# Y\n");
        let kb = KnowledgeBase::load(Config::load(r).unwrap()).unwrap();
        let x = kb.find("cf", "docs/x.md").unwrap();
        let v = kb.find("netstack", "docs/lan/v-pattern.md").unwrap();
        let lan = kb.find("netstack", "docs/lan/README.md").unwrap();
        let y = kb.find("cf", "docs/y.md").unwrap();
        assert_eq!(
            kb.resolve_link(x, "./y.md"),
            LinkTarget::Doc {
                id: y,
                anchor: None,
                anchor_ok: true
            }
        );
        assert_eq!(
            kb.resolve_link(x, "y.md#nope"),
            LinkTarget::Doc {
                id: y,
                anchor: Some("nope".into()),
                anchor_ok: false
            }
        );
        assert!(matches!(
            kb.resolve_link(x, "./missing.md"),
            LinkTarget::Missing { .. }
        ));
        assert_eq!(
            kb.resolve_link(x, "#here"),
            LinkTarget::SameDoc {
                anchor: "here".into(),
                ok: true
            }
        );
        assert_eq!(
            kb.resolve_link(x, "#gone"),
            LinkTarget::SameDoc {
                anchor: "gone".into(),
                ok: false
            }
        );
        assert_eq!(
            kb.resolve_link(x, "https://example.org/"),
            LinkTarget::External
        );
        assert_eq!(kb.resolve_link(x, "mailto:a@b.org"), LinkTarget::External);
        assert_eq!(
            kb.resolve_link(x, "https://n.org/docs/lan/v-pattern/#steps"),
            LinkTarget::Doc {
                id: v,
                anchor: Some("steps".into()),
                anchor_ok: true
            }
        );
        assert_eq!(
            kb.resolve_link(x, "https://n.org/docs/lan/"),
            LinkTarget::Doc {
                id: lan,
                anchor: None,
                anchor_ok: true
            }
        );
        assert_eq!(
            kb.resolve_link(x, "../../netstack/docs/lan"),
            LinkTarget::Doc {
                id: lan,
                anchor: None,
                anchor_ok: true
            }
        );
        assert_eq!(
            kb.resolve_link(x, "../../netstack/docs/tools/run.sh"),
            LinkTarget::File {
                repo: 0,
                path: "docs/tools/run.sh".into()
            }
        );
        assert!(matches!(
            kb.resolve_link(x, "https://n.org/docs/lan/w-pattern/"),
            LinkTarget::Missing { .. }
        ));
    }
}
