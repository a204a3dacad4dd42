//! What the server shares between requests: the current KB snapshot behind an `ArcSwap`
//! (a request sees the old or the new KB, never a half-built one), the rendered pages of
//! that snapshot, and the channels that tell browsers and streams about reloads and
//! shutdown.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use arc_swap::ArcSwap;
use docengine::lint;
use docengine::{KnowledgeBase, SearchIndex};
use tokio::sync::{OnceCell, watch};

use super::cache::PageCache;

/// One immutable view of the KB and everything derived from it.
pub struct Snapshot {
    pub kb: Arc<KnowledgeBase>,
    /// Increases with every reload (also failed ones, so banners appear and disappear).
    pub generation: u64,
    /// Why the last reload failed (the previous KB is still served), if it did.
    pub reload_error: Option<String>,
    /// Rendered pages of this snapshot.
    pub pages: PageCache,
    /// Number of problems (load problems + unresolved references), for the navigation bar.
    pub problem_count: usize,
    /// The lint report of this KB, computed once on the background thread when first needed
    /// (right after each reload); the error when `[lint]` in netstack.toml is unusable.
    lint: OnceCell<Arc<LintOutcome>>,
}

/// A lint run as the web shows it.
pub struct LintOutcome {
    pub report: Result<lint::Report, String>,
    pub fail_on: docengine::Severity,
}

impl Snapshot {
    /// The lint report, if the run has finished.
    pub fn lint_ready(&self) -> Option<Arc<LintOutcome>> {
        self.lint.get().cloned()
    }

    pub fn new(kb: Arc<KnowledgeBase>, generation: u64, reload_error: Option<String>) -> Self {
        let problem_count = kb.problems().len() + kb.unresolved().count();
        Snapshot {
            kb,
            generation,
            reload_error,
            pages: PageCache::new(),
            problem_count,
            lint: OnceCell::new(),
        }
    }
}

/// Run lint over a KB with its configured settings (no baseline: the web shows everything).
pub fn run_lint(kb: &KnowledgeBase) -> LintOutcome {
    match lint::Settings::from_config(&kb.config.lint) {
        Ok(settings) => LintOutcome {
            report: Ok(lint::lint(kb, &settings, &lint::Target::Everything, None)),
            fail_on: settings.fail_on,
        },
        Err(e) => LintOutcome {
            report: Err(e.to_string()),
            fail_on: docengine::Severity::Error,
        },
    }
}

/// Make the calling thread yield to request threads (Linux: niceness is per thread).
fn lower_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: setpriority only reads its integer arguments; `0` names the calling thread.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, 0, 10);
    }
}

/// Shared server state (cheap to clone).
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    snapshot: ArcSwap<Snapshot>,
    /// The KB folder (for messages).
    pub kb_dir: PathBuf,
    /// Is the file watcher on?
    pub live: bool,
    /// Rendering for `netstack build`: pages leave out what needs a server (live reload, search
    /// over `/api`, pages answering a query string, raw and source views).
    pub static_site: bool,
    /// Pages ask search engines not to index them (an internal build).
    pub noindex: bool,
    /// Bumped after every reload: the generation of the snapshot now served.
    changes: watch::Sender<u64>,
    /// The generation whose lint run finished last.
    linted: watch::Sender<u64>,
    /// One low-priority thread for lint runs: on a big KB a run is seconds of CPU, and the
    /// cores belong to the requests being served (and to reloads) meanwhile.
    pub background: Arc<rayon::ThreadPool>,
    /// Becomes true when the server shuts down (ends event streams).
    shutdown: watch::Sender<bool>,
    next_generation: AtomicU64,
    /// The search index, once opened (in the background at start).
    search: std::sync::OnceLock<Arc<SearchIndex>>,
    /// Why the search index could not be opened at all (search answers `503` with it and
    /// `/healthz` says `degraded`).
    search_failed: std::sync::OnceLock<String>,
    /// One low-priority thread for index updates (they run after every reload and, on a
    /// big KB, take a few hundred milliseconds of CPU that requests need more).
    index_pool: Arc<rayon::ThreadPool>,
    /// Bumped whenever the index changes: part of the cache key of search results.
    search_generation: AtomicU64,
}

impl AppState {
    pub fn new(kb: KnowledgeBase, kb_dir: PathBuf, live: bool) -> Self {
        Self::with_mode(kb, kb_dir, live, false, false)
    }

    /// The state `netstack build` renders pages from: the same pages, in static mode.
    pub fn for_build(kb: KnowledgeBase, kb_dir: PathBuf, noindex: bool) -> Self {
        Self::with_mode(kb, kb_dir, false, true, noindex)
    }

    fn with_mode(
        kb: KnowledgeBase,
        kb_dir: PathBuf,
        live: bool,
        static_site: bool,
        noindex: bool,
    ) -> Self {
        let (changes, _) = watch::channel(1);
        let (linted, _) = watch::channel(0);
        let (shutdown, _) = watch::channel(false);
        let background = Arc::new(
            rayon::ThreadPoolBuilder::new()
                .num_threads(1)
                .thread_name(|_| "netstack-background".into())
                .start_handler(|_| lower_priority())
                .build()
                .expect("one thread"),
        );
        AppState(Arc::new(Inner {
            background,
            snapshot: ArcSwap::from_pointee(Snapshot::new(Arc::new(kb), 1, None)),
            kb_dir,
            live,
            static_site,
            noindex,
            changes,
            linted,
            shutdown,
            next_generation: AtomicU64::new(2),
            search: std::sync::OnceLock::new(),
            search_failed: std::sync::OnceLock::new(),
            index_pool: Arc::new(
                rayon::ThreadPoolBuilder::new()
                    .num_threads(1)
                    .thread_name(|_| "netstack-index".into())
                    .start_handler(|_| lower_priority())
                    .build()
                    .expect("one thread"),
            ),
            search_generation: AtomicU64::new(0),
        }))
    }

    /// The snapshot to answer one request from.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.0.snapshot.load_full()
    }

    /// Serve a new KB from now on, with the reload error to show (if any). Returns the new
    /// generation and the snapshot it replaced (drop that off the request threads: freeing
    /// a big KB takes a while).
    pub fn publish_with(
        &self,
        kb: Arc<KnowledgeBase>,
        error: Option<String>,
    ) -> (u64, Arc<Snapshot>) {
        self.swap(kb, error)
    }

    /// Keep serving the current KB but show why the reload failed.
    pub fn publish_error(&self, error: String) -> (u64, Arc<Snapshot>) {
        let kb = Arc::clone(&self.snapshot().kb);
        self.swap(kb, Some(error))
    }

    fn swap(&self, kb: Arc<KnowledgeBase>, error: Option<String>) -> (u64, Arc<Snapshot>) {
        let generation = self.0.next_generation.fetch_add(1, Ordering::SeqCst);
        let old = self
            .0
            .snapshot
            .swap(Arc::new(Snapshot::new(kb, generation, error)));
        (generation, old)
    }

    /// After a new snapshot is served: tell open browsers, start its lint run, bring the
    /// search index up to date with it (search results follow a moment later: their cache
    /// key carries the index generation).
    pub async fn after_reload(&self, generation: u64) {
        self.notify(generation);
        self.prepare();
        if let Some(index) = self.search_index() {
            let kb = Arc::clone(&self.snapshot().kb);
            let started = std::time::Instant::now();
            let pool = Arc::clone(&self.0.index_pool);
            match tokio::task::spawn_blocking(move || pool.install(|| index.sync(&kb))).await {
                Ok(Ok(report)) => {
                    self.0.search_generation.fetch_add(1, Ordering::SeqCst);
                    tracing::debug!(
                        added = report.added,
                        updated = report.updated,
                        removed = report.removed,
                        ms = started.elapsed().as_millis() as u64,
                        "search index synced"
                    );
                }
                Ok(Err(e)) => tracing::warn!("search index not updated: {e}"),
                Err(e) => tracing::warn!("search index not updated: {e}"),
            }
        }
    }

    /// The search index, when it is open.
    pub fn search_index(&self) -> Option<Arc<SearchIndex>> {
        self.0.search.get().cloned()
    }

    /// Why search is unavailable for good (the index could not be opened, not even in
    /// memory), if it is.
    pub fn search_failed(&self) -> Option<&str> {
        self.0.search_failed.get().map(String::as_str)
    }

    /// Search as `/healthz` reports it: `None` when all is well, else why it is degraded
    /// (an index in memory or a stale one because the folder cannot be written, or none).
    pub fn search_degraded(&self) -> Option<String> {
        match self.search_index() {
            Some(index) => index.degraded(),
            None => self
                .search_failed()
                .map(|e| format!("search is unavailable: {e}")),
        }
    }

    /// Changes whenever the search index does.
    pub fn search_generation(&self) -> u64 {
        self.0.search_generation.load(Ordering::SeqCst)
    }

    /// Open (create, repair, update) the search index in the background; search answers
    /// "still being built" until it is ready.
    pub fn open_search(&self) {
        let st = self.clone();
        tokio::task::spawn_blocking(move || {
            let kb = Arc::clone(&st.snapshot().kb);
            let started = std::time::Instant::now();
            let last = std::sync::atomic::AtomicUsize::new(0);
            let progress = |done: usize, total: usize| {
                if total == 0 {
                    tracing::info!("waiting for another netstack holding the search index lock");
                    return;
                }
                let decile = done * 10 / total.max(1);
                if decile > last.swap(decile, Ordering::SeqCst) {
                    tracing::info!("indexing for search: {done} of {total} docs");
                }
            };
            match SearchIndex::open(&kb, &progress) {
                Ok((index, report)) => {
                    if let Some(why) = &report.rebuilt {
                        tracing::info!("search index rebuilt: {why}");
                    }
                    if let Some(why) = &report.degraded {
                        tracing::warn!("{why}");
                    }
                    let index = Arc::new(index);
                    // The KB may have changed while the index was being built.
                    let now = Arc::clone(&st.snapshot().kb);
                    if !Arc::ptr_eq(&now, &kb)
                        && let Err(e) = index.sync(&now)
                    {
                        tracing::warn!("search index not updated: {e}");
                    }
                    let _ = st.0.search.set(index);
                    st.0.search_generation.fetch_add(1, Ordering::SeqCst);
                    tracing::info!(
                        docs = report.docs,
                        ms = started.elapsed().as_millis() as u64,
                        "search index ready"
                    );
                }
                Err(e) => {
                    tracing::error!("search is unavailable: {e}");
                    let _ = st.0.search_failed.set(e.to_string());
                }
            }
        });
    }

    /// The lint report of a snapshot (computed on first use, once).
    pub async fn lint(&self, snap: &Snapshot) -> Arc<LintOutcome> {
        loop {
            if let Some(l) = self.lint_run(snap, false).await {
                return l;
            }
        }
    }

    /// Run (or join) the lint run of a snapshot; with `only_if_current`, give up (`None`)
    /// when a newer snapshot replaced it before the background thread got to it.
    async fn lint_run(&self, snap: &Snapshot, only_if_current: bool) -> Option<Arc<LintOutcome>> {
        snap.lint
            .get_or_try_init(|| async {
                let kb = Arc::clone(&snap.kb);
                let pool = Arc::clone(&self.0.background);
                let st = self.clone();
                let generation = snap.generation;
                let started = std::time::Instant::now();
                let outcome = tokio::task::spawn_blocking(move || {
                    pool.install(|| {
                        if only_if_current && st.snapshot().generation != generation {
                            return None;
                        }
                        Some(run_lint(&kb))
                    })
                })
                .await
                .unwrap_or_else(|e| {
                    Some(LintOutcome {
                        report: Err(format!("lint failed: {e}")),
                        fail_on: docengine::Severity::Error,
                    })
                });
                match outcome {
                    Some(o) => {
                        tracing::debug!(ms = started.elapsed().as_millis() as u64, "lint run");
                        Ok(Arc::new(o))
                    }
                    None => Err(()),
                }
            })
            .await
            .ok()
            .cloned()
    }

    /// Start the lint run of the current snapshot in the background (skipped if a newer
    /// snapshot arrives first); when it is done, tell browsers whose page was rendered
    /// without findings.
    pub fn prepare(&self) {
        let st = self.clone();
        tokio::spawn(async move {
            let snap = st.snapshot();
            if st.lint_run(&snap, true).await.is_some() {
                st.0.linted.send_replace(snap.generation);
            }
        });
    }

    /// Follow finished lint runs (the generation linted).
    pub fn linted(&self) -> watch::Receiver<u64> {
        self.0.linted.subscribe()
    }

    /// Tell open browsers that a new snapshot is served.
    pub fn notify(&self, generation: u64) {
        self.0.changes.send_replace(generation);
    }

    /// Follow reload notifications.
    pub fn changes(&self) -> watch::Receiver<u64> {
        self.0.changes.subscribe()
    }

    /// Follow the shutdown flag.
    pub fn shutdown_signal(&self) -> watch::Receiver<bool> {
        self.0.shutdown.subscribe()
    }

    /// Ask long-lived streams to end (graceful shutdown).
    pub fn begin_shutdown(&self) {
        self.0.shutdown.send_replace(true);
    }

    pub fn inner(&self) -> &Inner {
        &self.0
    }
}
