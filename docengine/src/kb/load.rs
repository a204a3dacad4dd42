//! Building a [`KnowledgeBase`] snapshot: walking the repos, reading and parsing docs in
//! parallel (reusing unchanged files of the previous snapshot), resolving references and
//! collecting load problems; full loads, [`KnowledgeBase::refresh`] and
//! [`KnowledgeBase::refresh_changed`].
//! One concern (building a snapshot), hence its length; a third of it is its tests.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use rayon::prelude::*;

use crate::config::Config;
use crate::contract::{self, ContractStatus};
use crate::doc::{Contents, Doc, Origin};
use crate::error::{Error, Result};
use crate::problem::{Problem, ProblemKind, Severity};
use crate::refs::{self, Candidate, RefContext, Reference, Target, Want};
use crate::source::{self, CONTRACT_FILE};

use super::model::{DocId, KnowledgeBase, LoadTimings, LoadedFile, RefCache, Repo, Walks};

/// name, site, root, config line, configured path
type RepoSpec = (String, Option<String>, PathBuf, Option<usize>, String);

/// What a rebuild may take over from the snapshot before it.
struct Previous<'a> {
    files: &'a HashMap<PathBuf, LoadedFile>,
    refs: Option<&'a RefCache>,
    /// The previous walks, when only these files changed in place (no file added, removed or
    /// renamed, no ignore rule touched): the walk is skipped and only these files are stat'ed.
    walks: Option<(&'a Walks, &'a HashSet<PathBuf>)>,
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
                if patterns_repo.files.contains(c.as_str()) {
                    return (Target::File { path: c.clone() }, c.clone());
                }
                if patterns_repo.dirs.contains(c.as_str()) {
                    return (Target::Folder { path: c.clone() }, c.clone());
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
}
