//! Full-text search over the whole federation: a persistent tantivy index kept beside the KB
//! (default `<kb>/.netstack/index`), updated incrementally from content hashes, repaired by
//! rebuilding when it is unusable, shared safely by several processes, and answering ranked
//! queries with section-level hits and highlighted snippets.
//!
//! Two ways in: [`SearchIndex::open`] with a loaded [`KnowledgeBase`] (the server, which then
//! calls [`SearchIndex::sync`] on every reload), and [`SearchIndex::open_disk`] with only a
//! [`Config`] (the CLI: it stats the repos and parses only changed files, so a warm search
//! never loads the KB).

mod directory;
mod feed;
mod guard;
pub mod hit;
mod manifest;
mod memory;
pub mod query;
mod record;
pub mod remote;
mod schema;
mod search;
mod sections;
mod snippet;
mod store;
#[cfg(test)]
mod tests;
mod update;

use std::path::Path;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use tantivy::collector::{Count, TopDocs};
use tantivy::query::{
    Bm25StatisticsProvider, BooleanQuery, ConstScoreQuery, Occur, Query, TermQuery,
};
use tantivy::schema::{Facet, IndexRecordOption, Value};
use tantivy::{DocAddress, DocId, Score, Searcher, SegmentReader, TantivyDocument, Term};

pub use hit::{Hit, SearchResults, SectionHit};
pub use query::{Correction, DEFAULT_LIMIT, QueryError, SearchQuery, parse_count, parse_kind};
pub use store::LOCK_FILE;

use crate::config::Config;
use crate::doc::DocKind;
use crate::error::{Error, Result};
use crate::kb::KnowledgeBase;
use feed::{DiskFeed, Feed, KbFeed};
use manifest::Manifest;
use query::Compiled;
use schema::Fields;
use store::{Live, State, Store};

/// Longest snippet, in bytes (about two terminal lines).
pub const SNIPPET_LEN: usize = 180;
/// How long to wait for another process that is updating a usable index.
const WAIT_FOR_UPDATE: Duration = Duration::from_secs(5);
/// How long to wait for another process that is building the index from scratch.
const WAIT_FOR_BUILD: Duration = Duration::from_secs(600);

/// What opening or syncing the index did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndexReport {
    /// Docs added to the index.
    pub added: usize,
    /// Docs whose content changed and were re-indexed.
    pub updated: usize,
    /// Docs removed from the index.
    pub removed: usize,
    /// Why the index was rebuilt from scratch: schema version change, corrupt or
    /// half-written index, configuration change, or an explicit request.
    pub rebuilt: Option<String>,
    /// The index did not exist and was built.
    pub created: bool,
    /// Something the user should know (another process is writing the index).
    pub notice: Option<String>,
    /// The index folder cannot be written: what is searched instead (an index in memory, or
    /// the folder's stale index) and what to do. Also [`SearchIndex::degraded`].
    pub degraded: Option<String>,
    /// Docs in the index now.
    pub docs: usize,
    pub elapsed: Duration,
}

impl IndexReport {
    /// Did anything change in the index?
    pub fn changed(&self) -> bool {
        self.added + self.updated + self.removed > 0 || self.rebuilt.is_some() || self.created
    }
}

/// Options of [`SearchIndex::open_with`] and [`SearchIndex::open_disk`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OpenOptions {
    /// Rebuild from scratch even when the index is fine.
    pub rebuild: bool,
    /// How long to wait for another process that holds the writer lock. Default: 5 s when
    /// the index is usable (then it is used as it is, with a notice), 10 min when it must be
    /// built first.
    pub lock_wait: Option<Duration>,
    /// When the folder cannot be written but holds a usable index, search that index as it
    /// is (stale, with [`IndexReport::degraded`] saying so) rather than building one in
    /// memory. Right for one query (the CLI); a server, which must follow edits, keeps the
    /// default: an index in memory, updated there on every sync.
    pub prefer_stale: bool,
}

/// The index as of its last open or sync.
struct Current {
    live: Arc<Live>,
    /// Repo names (pattern repo first), for validating site filters.
    repos: Vec<String>,
}

/// A persistent search index over a KB. `Send + Sync`; share it behind an `Arc`.
pub struct SearchIndex {
    store: Store,
    fields: Fields,
    current: RwLock<Arc<Current>>,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex")
            .field("dir", &self.store.dir)
            .finish_non_exhaustive()
    }
}

/// Fingerprint of the configuration parts that shape indexed docs: a change rebuilds.
fn fingerprint(config: &Config) -> String {
    let mut s = format!(
        "{}\n{}\n{:?}\n{}\n",
        config.patterns.name,
        config.patterns.docs_dir,
        config.patterns.publication,
        config.load.max_file_bytes
    );
    for site in &config.sites {
        s.push_str(&format!("{}\t{:?}\n", site.name, site.title));
    }
    format!("{:016x}", xxhash_rust::xxh3::xxh3_64(s.as_bytes()))
}

fn repo_names(config: &Config) -> Vec<String> {
    std::iter::once(config.patterns.name.clone())
        .chain(config.sites.iter().map(|s| s.name.clone()))
        .collect()
}

impl SearchIndex {
    /// Open the index at `kb.config.index.path`, creating it, or repairing it by rebuilding
    /// (schema version change, corrupt or half-written index: the reason is in
    /// [`IndexReport::rebuilt`]), and bring it up to date with `kb`, touching only added,
    /// changed and removed docs. `progress(done, total)` is called while docs are indexed;
    /// `progress(0, 0)` means waiting for another process that holds the index lock.
    pub fn open(
        kb: &KnowledgeBase,
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> Result<(SearchIndex, IndexReport)> {
        Self::open_with(kb, OpenOptions::default(), progress)
    }

    /// [`SearchIndex::open`] with options.
    pub fn open_with(
        kb: &KnowledgeBase,
        opts: OpenOptions,
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> Result<(SearchIndex, IndexReport)> {
        let fields = Fields::new();
        let feed = KbFeed {
            kb,
            fields: &fields,
        };
        Self::open_feed(&kb.config, &fields, &feed, opts, progress)
    }

    /// Open the index of the KB `config` describes without loading the KB: the repos are
    /// walked and stat'ed, and only files whose size or modification time differ from the
    /// manifest are read (and re-indexed when their content changed). This is what makes a
    /// warm `netstack search` fast.
    pub fn open_disk(
        config: &Config,
        opts: OpenOptions,
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> Result<(SearchIndex, IndexReport)> {
        let fields = Fields::new();
        let feed = DiskFeed::scan(config, &fields);
        Self::open_feed(config, &fields, &feed, opts, progress)
    }

    /// Open (create, repair) the index of `config` and bring it up to date with `feed`.
    fn open_feed(
        config: &Config,
        fields: &Fields,
        feed: &dyn Feed,
        opts: OpenOptions,
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> Result<(SearchIndex, IndexReport)> {
        let store = Store::new(config.index.path.clone());
        let (live, report) = ensure(
            &store,
            fields,
            &fingerprint(config),
            feed,
            None,
            opts,
            progress,
        )?;
        Ok((
            SearchIndex {
                current: RwLock::new(Arc::new(Current {
                    live,
                    repos: repo_names(config),
                })),
                store,
                fields: fields.clone(),
            },
            report,
        ))
    }

    /// Bring the index up to date with a refreshed KB (live reload calls this). Cheap when
    /// nothing changed; searches running meanwhile see the old state until it is done.
    pub fn sync(&self, kb: &KnowledgeBase) -> Result<IndexReport> {
        self.sync_with(kb, &|_, _| {})
    }

    /// [`SearchIndex::sync`] with a progress callback.
    pub fn sync_with(
        &self,
        kb: &KnowledgeBase,
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> Result<IndexReport> {
        let store = if kb.config.index.path == self.store.dir {
            self.store.clone()
        } else {
            return Err(Error::Invalid(format!(
                "the search index at {} belongs to another KB configuration (this one keeps its index at {}): open a new SearchIndex",
                self.store.dir.display(),
                kb.config.index.path.display()
            )));
        };
        let current = self.current();
        let feed = KbFeed {
            kb,
            fields: &self.fields,
        };
        let (live, report) = ensure(
            &store,
            &self.fields,
            &fingerprint(&kb.config),
            &feed,
            Some(&current.live),
            OpenOptions::default(),
            progress,
        )?;
        let next = Arc::new(Current {
            live,
            repos: repo_names(&kb.config),
        });
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = next;
        Ok(report)
    }

    fn current(&self) -> Arc<Current> {
        Arc::clone(&self.current.read().unwrap_or_else(|e| e.into_inner()))
    }

    /// The index folder.
    pub fn dir(&self) -> &Path {
        &self.store.dir
    }

    /// Number of docs in the index.
    pub fn len(&self) -> usize {
        self.current().live.payload.docs
    }

    /// Why this index is not the folder's brought up to date, when the folder cannot be
    /// written: searching an index in memory, or the folder's stale index.
    pub fn degraded(&self) -> Option<String> {
        self.current().live.degraded.clone()
    }

    /// Is the index empty?
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What a look at the index folder found.
enum Look {
    Missing,
    Broken(String),
    Ready(Arc<Live>),
}

/// The commit payload on disk now (another process may have committed since `index` was
/// opened).
fn payload_on_disk(index: &tantivy::Index) -> Option<manifest::Payload> {
    index
        .load_metas()
        .ok()
        .and_then(|m| m.payload)
        .and_then(|p| serde_json::from_str(&p).ok())
}

/// Look at the index, reusing `current` when nobody committed since it was opened.
fn look(store: &Store, fields: &Fields, config: &str, current: Option<&Arc<Live>>) -> Look {
    if let Some(cur) = current
        && cur.payload.config == config
        && payload_on_disk(&cur.index).as_ref() == Some(&cur.payload)
    {
        return Look::Ready(Arc::clone(cur));
    }
    match open_guarded(store, fields, config) {
        State::Missing => Look::Missing,
        State::Broken(why) => Look::Broken(why),
        State::Ready(live) => Look::Ready(Arc::from(live)),
    }
}

/// [`Store::open`], with a panic on damaged data as a broken index.
fn open_guarded(store: &Store, fields: &Fields, config: &str) -> State {
    guard::catch(|| store.open(fields, config))
        .unwrap_or_else(|panic| State::Broken(format!("it is damaged ({panic})")))
}

/// Why [`ensure_disk`] gave up.
enum Failure {
    /// An error to report as it is.
    Fatal(Error),
    /// The folder cannot be written (read-only, not creatable, no permission); with the
    /// usable but stale index it holds, if any.
    Unwritable {
        why: String,
        stale: Option<Arc<Live>>,
    },
}

/// Make the index at `store` match `feed`: the one place that decides between nothing to
/// do, an incremental update, a rebuild, and what to search when the folder cannot be
/// written (an index in memory, or with [`OpenOptions::prefer_stale`] the stale one).
fn ensure(
    store: &Store,
    fields: &Fields,
    config: &str,
    feed: &dyn Feed,
    current: Option<&Arc<Live>>,
    opts: OpenOptions,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<(Arc<Live>, IndexReport)> {
    let started = Instant::now();
    // An index this process keeps in memory is updated there.
    if let Some(cur) = current
        && cur.memory
        && cur.payload.config == config
        && !opts.rebuild
    {
        return memory::update(store, fields, config, feed, cur, started, progress);
    }
    match ensure_disk(store, fields, config, feed, current, opts, progress) {
        Ok(done) => Ok(done),
        Err(Failure::Fatal(e)) => Err(e),
        Err(Failure::Unwritable { why, stale }) => {
            let why = format!(
                "the search index at {} cannot be written ({why})",
                store.dir.display()
            );
            match stale {
                Some(live) if opts.prefer_stale => {
                    let degraded = format!(
                        "{why}: searching it as it was last updated, so results may miss recent changes; make the folder writable (or point `[index] path` at one that is) to bring it up to date"
                    );
                    let next = live.degraded_copy(degraded.clone());
                    let report = IndexReport {
                        docs: next.payload.docs,
                        degraded: Some(degraded),
                        elapsed: started.elapsed(),
                        ..IndexReport::default()
                    };
                    Ok((Arc::new(next), report))
                }
                _ => memory::build(store, fields, config, feed, why, started, progress),
            }
        }
    }
}

/// [`ensure`] on the folder.
fn ensure_disk(
    store: &Store,
    fields: &Fields,
    config: &str,
    feed: &dyn Feed,
    current: Option<&Arc<Live>>,
    opts: OpenOptions,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<(Arc<Live>, IndexReport), Failure> {
    let started = Instant::now();
    let err = |message: String| {
        Failure::Fatal(Error::Index {
            path: store.dir.clone(),
            message,
        })
    };
    let mut report = IndexReport::default();
    let done = |mut report: IndexReport, live: Arc<Live>| {
        report.docs = live.payload.docs;
        report.elapsed = started.elapsed();
        Ok((live, report))
    };

    // Without the lock: most of the time the index is up to date.
    let mut first = (!opts.rebuild).then(|| look(store, fields, config, current));
    let mut first_diff = None;
    let stale = match &first {
        Some(Look::Ready(live)) => Some(Arc::clone(live)),
        _ => None,
    };
    let unwritable = |why: String| Failure::Unwritable {
        why,
        stale: stale.clone(),
    };
    let tan = |e: tantivy::TantivyError| unwritable(e.to_string());
    if let Some(Look::Ready(live)) = &first {
        let diff = feed.diff(&live.manifest);
        if diff.is_empty() {
            return done(report, Arc::clone(live));
        }
        first_diff = Some(diff);
    }

    store.check_dedicated().map_err(err)?;
    let usable = matches!(first, Some(Look::Ready(_)));
    let lock = match store
        .try_lock()
        .map_err(|e| unwritable(format!("cannot take the writer lock: {e}")))?
    {
        Some(l) => Some(l),
        None => {
            progress(0, 0);
            let wait = opts.lock_wait.unwrap_or(if usable {
                WAIT_FOR_UPDATE
            } else {
                WAIT_FOR_BUILD
            });
            store
                .lock(wait)
                .map_err(|e| unwritable(format!("cannot take the writer lock: {e}")))?
        }
    };
    let Some(_lock) = lock else {
        let who = store
            .holder()
            .map(|p| format!(" (pid {p})"))
            .unwrap_or_default();
        if let Some(Look::Ready(live)) = first {
            report.notice = Some(format!(
                "another netstack process{who} is updating the search index; results may miss the latest changes"
            ));
            return done(report, live);
        }
        return Err(err(format!(
            "another netstack process{who} is building it and did not finish within {}s; wait for it to finish, or stop it and try again",
            opts.lock_wait.unwrap_or(WAIT_FOR_BUILD).as_secs()
        )));
    };

    // Under the lock: what was seen is still valid unless another process committed.
    let now = match first.take() {
        _ if opts.rebuild => Look::Broken("a rebuild was requested".into()),
        Some(Look::Ready(live)) if payload_on_disk(&live.index).as_ref() == Some(&live.payload) => {
            Look::Ready(live)
        }
        _ => {
            first_diff = None;
            look(store, fields, config, current)
        }
    };
    match now {
        Look::Ready(live) => {
            let diff = match first_diff {
                Some(d) => d,
                None => feed.diff(&live.manifest),
            };
            if diff.is_empty() {
                return done(report, live);
            }
            let (manifest, counts, payload) = update::apply(
                Some(store),
                &live.index,
                fields,
                config,
                &live.manifest,
                &diff,
                feed,
                false,
                progress,
            )
            .map_err(tan)?;
            report.added = counts.added;
            report.updated = counts.updated;
            report.removed = counts.removed;
            // The same index, a fresh reader on the new commit.
            let next = store
                .live(
                    fields,
                    live.index.clone(),
                    payload.unwrap_or_else(|| live.payload.clone()),
                    manifest,
                )
                .map_err(tan)?;
            done(report, Arc::new(next))
        }
        Look::Missing | Look::Broken(_) => {
            match now {
                Look::Broken(why) => report.rebuilt = Some(why),
                _ => report.created = true,
            }
            store
                .wipe()
                .map_err(|e| unwritable(format!("cannot clear it for a rebuild: {e}")))?;
            let index = store.create(fields).map_err(tan)?;
            let empty = Manifest::default();
            let diff = feed.diff(&empty);
            let (_, counts, _) = update::apply(
                Some(store),
                &index,
                fields,
                config,
                &empty,
                &diff,
                feed,
                true,
                progress,
            )
            .map_err(tan)?;
            report.added = counts.added;
            drop(index);
            // Validate what was written, as any later open will.
            match open_guarded(store, fields, config) {
                State::Ready(live) => done(report, Arc::from(live)),
                State::Broken(why) => Err(err(format!(
                    "it is unusable right after writing it ({why}); delete the folder and try again"
                ))),
                State::Missing => Err(err(
                    "it vanished right after writing it; is another program deleting it?".into(),
                )),
            }
        }
    }
}
