//! Where the index learns what changed: a loaded [`KnowledgeBase`] (the server, which has
//! every doc parsed already), or the repos on disk (the CLI, which must not parse 20 000
//! files to answer one query: it compares sizes and modification times with the manifest
//! and reads only what changed).

use rustc_hash::{FxHashMap, FxHashSet};
use std::path::PathBuf;

use rayon::prelude::*;
use tantivy::TantivyDocument;

use super::manifest::{Entry, Manifest, mtime_ns};
use super::record::{self, Context};
use super::schema::Fields;
use crate::config::Config;
use crate::doc::{Contents, Doc, Origin};
use crate::kb::KnowledgeBase;
use crate::source;

/// `(repo, path)`.
pub(crate) type Key = (String, String);

/// What differs between the docs and the manifest.
#[derive(Debug, Default)]
pub(crate) struct Diff {
    /// New or possibly changed files.
    pub changed: Vec<Key>,
    /// Files the manifest knows that are gone.
    pub removed: Vec<Key>,
}

impl Diff {
    pub fn is_empty(&self) -> bool {
        self.changed.is_empty() && self.removed.is_empty()
    }
}

/// What became of a changed file.
pub(crate) enum Loaded {
    /// (Re)index it with these entries.
    Docs(Entry, Vec<TantivyDocument>),
    /// Not a doc (binary, unreadable): out of the index, remembered in the manifest.
    Skipped(Entry),
    /// Same content after all (touched): only the manifest changes.
    Same(Entry),
    /// Vanished since the diff.
    Gone,
}

/// A source of docs.
pub(crate) trait Feed: Sync {
    fn diff(&self, manifest: &Manifest) -> Diff;
    fn load(&self, key: &Key, old: Option<&Entry>) -> Loaded;
}

fn site_title<'a>(config: &'a Config, site: Option<&str>) -> Option<&'a str> {
    site.and_then(|s| config.site(s))
        .and_then(|s| s.title.as_deref())
}

/// The docs of a loaded KB.
pub(crate) struct KbFeed<'a> {
    pub kb: &'a KnowledgeBase,
    pub fields: &'a Fields,
}

impl Feed for KbFeed<'_> {
    fn diff(&self, manifest: &Manifest) -> Diff {
        let mut diff = Diff::default();
        // Borrowed per-repo view of the manifest: lookups without building owned keys.
        let mut known: FxHashMap<&str, FxHashMap<&str, &Entry>> = FxHashMap::default();
        for ((repo, path), e) in &manifest.entries {
            known.entry(repo).or_default().insert(path, e);
        }
        let mut present: FxHashSet<(&str, &str)> = FxHashSet::default();
        for doc in &self.kb.docs {
            present.insert((&doc.repo, &doc.path));
            match known
                .get(doc.repo.as_str())
                .and_then(|r| r.get(doc.path.as_str()))
            {
                Some(e) if e.indexed && e.hash == doc.hash => {}
                _ => diff.changed.push((doc.repo.clone(), doc.path.clone())),
            }
        }
        for (key, e) in &manifest.entries {
            if present.contains(&(key.0.as_str(), key.1.as_str())) {
                continue;
            }
            // A file that is not a doc (binary) stays known while it exists.
            let still_there = !e.indexed
                && self
                    .kb
                    .repos
                    .iter()
                    .any(|r| r.name == key.0 && r.files.contains(&key.1));
            if !still_there {
                diff.removed.push(key.clone());
            }
        }
        diff.changed.sort();
        diff.removed.sort();
        diff
    }

    fn load(&self, key: &Key, old: Option<&Entry>) -> Loaded {
        let Some(id) = self.kb.find(&key.0, &key.1) else {
            return Loaded::Gone;
        };
        let doc = self.kb.doc(id);
        let meta = std::fs::metadata(&doc.abs_path).ok();
        // Record the time only when the file on disk is still the one that was read.
        let mtime = match &meta {
            Some(m) if m.len() == doc.bytes => mtime_ns(m.modified().ok()),
            _ => 0,
        };
        let entry = Entry {
            size: doc.bytes,
            mtime,
            hash: doc.hash,
            indexed: true,
        };
        if old.is_some_and(|o| o.indexed && o.hash == doc.hash) {
            return Loaded::Same(entry);
        }
        let url = self.kb.published_url(doc);
        let cx = Context {
            url: url.as_deref(),
            site_title: site_title(&self.kb.config, doc.site.as_deref()),
        };
        Loaded::Docs(entry, record::entries(self.fields, doc, cx))
    }
}

/// A markdown file found on disk.
struct Found {
    repo: usize,
    abs: PathBuf,
    /// The canonical repo root: reads are confined to it.
    root: std::sync::Arc<std::path::Path>,
    size: u64,
    mtime: u64,
}

/// A repo as the disk feed sees it.
struct RepoInfo {
    name: String,
    site: Option<String>,
}

/// The repos on disk, walked the way [`KnowledgeBase::load`] walks them.
pub(crate) struct DiskFeed<'a> {
    config: &'a Config,
    fields: &'a Fields,
    repos: Vec<RepoInfo>,
    files: FxHashMap<Key, Found>,
}

impl<'a> DiskFeed<'a> {
    /// Walk the repos (in parallel) and stat every markdown file (no file is read).
    pub fn scan(config: &'a Config, fields: &'a Fields) -> DiskFeed<'a> {
        let mut specs: Vec<(RepoInfo, PathBuf)> = vec![(
            RepoInfo {
                name: config.patterns.name.clone(),
                site: None,
            },
            config.patterns.path.clone(),
        )];
        for s in &config.sites {
            specs.push((
                RepoInfo {
                    name: s.name.clone(),
                    site: Some(s.name.clone()),
                },
                s.path.clone(),
            ));
        }
        let roots: Vec<PathBuf> = specs.iter().map(|(_, r)| r.clone()).collect();
        let nested = source::nested_roots_all(&roots);
        let found: Vec<Vec<(Key, Found)>> = specs
            .par_iter()
            .enumerate()
            .map(|(i, (info, root))| {
                if !root.is_dir() {
                    return Vec::new();
                }
                source::markdown_files(root, &nested[i])
                    .into_iter()
                    .map(|f| {
                        (
                            (info.name.clone(), f.rel),
                            Found {
                                repo: i,
                                size: f.len,
                                mtime: mtime_ns(f.modified),
                                abs: f.abs,
                                root: f.root,
                            },
                        )
                    })
                    .collect()
            })
            .collect();
        DiskFeed {
            config,
            fields,
            repos: specs.into_iter().map(|(info, _)| info).collect(),
            files: found.into_iter().flatten().collect(),
        }
    }
}

impl Feed for DiskFeed<'_> {
    fn diff(&self, manifest: &Manifest) -> Diff {
        let mut diff = Diff::default();
        for (key, f) in &self.files {
            match manifest.entries.get(key) {
                Some(e) if e.size == f.size && e.mtime == f.mtime && e.mtime != 0 => {}
                _ => diff.changed.push(key.clone()),
            }
        }
        for key in manifest.entries.keys() {
            if !self.files.contains_key(key) {
                diff.removed.push(key.clone());
            }
        }
        diff.changed.sort();
        diff.removed.sort();
        diff
    }

    fn load(&self, key: &Key, old: Option<&Entry>) -> Loaded {
        let Some(f) = self.files.get(key) else {
            return Loaded::Gone;
        };
        let text = match source::read_text(&f.abs, &f.root, self.config.load.max_file_bytes) {
            Ok(t) => t,
            Err(_) if !f.abs.exists() => return Loaded::Gone,
            Err(_) => {
                return Loaded::Skipped(Entry {
                    size: f.size,
                    mtime: f.mtime,
                    hash: 0,
                    indexed: false,
                });
            }
        };
        let entry = Entry {
            size: f.size,
            mtime: f.mtime,
            hash: text.hash,
            indexed: true,
        };
        if old.is_some_and(|o| o.indexed && o.hash == text.hash) {
            return Loaded::Same(entry);
        }
        let repo = &self.repos[f.repo];
        let (doc, _) = Doc::build(
            Origin {
                repo: &repo.name,
                site: repo.site.as_deref(),
                rel: &key.1,
                abs: &f.abs,
                docs_dir: &self.config.patterns.docs_dir,
            },
            Contents {
                text: text.text,
                hash: text.hash,
                bytes: text.bytes,
                truncated: text.truncated,
            },
        );
        let url = if doc.site.is_none() {
            self.config.patterns.publication.published_url(&doc.path)
        } else {
            None
        };
        let cx = Context {
            url: url.as_deref(),
            site_title: site_title(self.config, doc.site.as_deref()),
        };
        Loaded::Docs(entry, record::entries(self.fields, &doc, cx))
    }
}
