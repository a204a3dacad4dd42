//! What the server shares between requests: the current KB snapshot behind an `ArcSwap`
//! (a request sees the old or the new KB, never a half-built one), the rendered pages of
//! that snapshot, and the channels that tell browsers and streams about reloads and
//! shutdown.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use arc_swap::ArcSwap;
use docengine::KnowledgeBase;
use tokio::sync::watch;

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
}

impl Snapshot {
    pub fn new(kb: Arc<KnowledgeBase>, generation: u64, reload_error: Option<String>) -> Self {
        let problem_count = kb.problems().len() + kb.unresolved().count();
        Snapshot {
            kb,
            generation,
            reload_error,
            pages: PageCache::new(),
            problem_count,
        }
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
    /// Bumped after every reload: the generation of the snapshot now served.
    changes: watch::Sender<u64>,
    /// Becomes true when the server shuts down (ends event streams).
    shutdown: watch::Sender<bool>,
    next_generation: AtomicU64,
}

impl AppState {
    pub fn new(kb: KnowledgeBase, kb_dir: PathBuf, live: bool) -> Self {
        let (changes, _) = watch::channel(1);
        let (shutdown, _) = watch::channel(false);
        AppState(Arc::new(Inner {
            snapshot: ArcSwap::from_pointee(Snapshot::new(Arc::new(kb), 1, None)),
            kb_dir,
            live,
            changes,
            shutdown,
            next_generation: AtomicU64::new(2),
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

    /// After a new snapshot is served: tell open browsers.
    pub async fn after_reload(&self, generation: u64) {
        self.notify(generation);
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
