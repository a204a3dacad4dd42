//! Live reload: a debounced file watcher over the KB's repos and its `netstack.toml`.
//! A changed doc, contract or asset → [`KnowledgeBase::refresh_changed`] (looks at only the changed
//! files) → swap the snapshot → tell browsers over server-sent events. A changed config →
//! full reload; when the new config is invalid the old KB stays and every page shows why.

use std::convert::Infallible;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use docengine::config::CONFIG_FILE;
use docengine::{Config, KnowledgeBase};
use futures_util::Stream;
use notify_debouncer_full::notify::RecursiveMode;
use notify_debouncer_full::{DebounceEventResult, new_debouncer};
use tokio::sync::mpsc;

use super::state::{AppState, Snapshot};

/// How long the watcher waits for a burst of writes (an editor saving, `git checkout`) to
/// settle before reloading.
const DEBOUNCE: Duration = Duration::from_millis(120);

/// `GET /events`: one `reload` event (data: the generation) per new snapshot, a `lint` event
/// when that snapshot's lint findings are ready, and the current generation right away so a
/// browser that missed a reload catches up.
pub async fn events(
    State(state): State<AppState>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let changes = state.changes();
    let mut linted = state.linted();
    linted.mark_unchanged();
    let shutdown = state.shutdown_signal();
    let first = state.snapshot().generation;
    let stream = futures_util::stream::unfold(
        (changes, linted, shutdown, Some(first)),
        |(mut changes, mut linted, mut shutdown, first)| async move {
            if let Some(g) = first {
                let ev = Event::default().event("hello").data(g.to_string());
                return Some((Ok(ev), (changes, linted, shutdown, None)));
            }
            if *shutdown.borrow() {
                return None;
            }
            let ev = tokio::select! {
                r = changes.changed() => {
                    r.ok()?;
                    let g = *changes.borrow_and_update();
                    Event::default().event("reload").data(g.to_string())
                }
                r = linted.changed() => {
                    r.ok()?;
                    let g = *linted.borrow_and_update();
                    Event::default().event("lint").data(g.to_string())
                }
                _ = shutdown.changed() => return None,
            };
            Some((Ok(ev), (changes, linted, shutdown, None)))
        },
    );
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}

/// Folders to watch: the KB folder and every repo outside it.
fn watch_roots(config: &Config) -> Vec<PathBuf> {
    let mut roots = vec![config.root.clone()];
    let repos = std::iter::once(&config.patterns.path).chain(config.sites.iter().map(|s| &s.path));
    for p in repos {
        if !roots.iter().any(|r| p.starts_with(r)) && p.is_dir() {
            roots.push(p.clone());
        }
    }
    roots
}

/// Does a changed path matter? Dot folders (`.git`, the search index in `.netstack`,
/// editor state) do not; `.wip-contract.md` and `.gitignore` files do.
fn relevant(path: &Path, config: &Config) -> bool {
    if path.starts_with(&config.index.path) {
        return false;
    }
    let rel = path.strip_prefix(&config.root).unwrap_or(path);
    let mut comps = rel.components().peekable();
    while let Some(c) = comps.next() {
        let name = c.as_os_str().to_string_lossy();
        let last = comps.peek().is_none();
        if name.starts_with('.') && name.len() > 1 && name != ".." {
            let keep = last && (name == ".wip-contract.md" || name == ".gitignore");
            if !keep {
                return false;
            }
        }
    }
    true
}

/// Start watching. The returned guard stops the watcher when dropped.
pub fn spawn(state: AppState, config_file: PathBuf) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let (tx, mut rx) = mpsc::unbounded_channel::<DebounceEventResult>();
    let mut debouncer = new_debouncer(DEBOUNCE, None, move |res: DebounceEventResult| {
        let _ = tx.send(res);
    })?;
    let mut config = (*state.snapshot().kb.config).clone();
    let mut watched = watch_roots(&config);
    for r in &watched {
        debouncer.watch(r, RecursiveMode::Recursive)?;
    }
    tracing::info!(roots = ?watched, "watching for changes");
    // Reloads run on their own thread at normal priority: everyone waits for them, but one
    // core stays free for the requests served meanwhile (lint runs afterwards, on the
    // low-priority background thread).
    let pool = Arc::new(
        rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .thread_name(|_| "netstack-reload".into())
            .build()?,
    );

    Ok(tokio::spawn(async move {
        let mut config_error: Option<String> = None;
        let mut shutdown = state.shutdown_signal();
        loop {
            let first = tokio::select! {
                ev = rx.recv() => match ev { Some(e) => e, None => break },
                _ = shutdown.changed() => break,
            };
            let mut paths: Vec<PathBuf> = Vec::new();
            let mut batch = vec![first];
            while let Ok(more) = rx.try_recv() {
                batch.push(more);
            }
            for res in batch {
                match res {
                    Ok(events) => {
                        for e in events {
                            use notify_debouncer_full::notify::EventKind;
                            use notify_debouncer_full::notify::event::{MetadataKind, ModifyKind};
                            // Reading files (ours included) is not a change.
                            let ignored = matches!(
                                e.event.kind,
                                EventKind::Access(_)
                                    | EventKind::Modify(ModifyKind::Metadata(
                                        MetadataKind::AccessTime
                                    ))
                            );
                            if !ignored {
                                paths.extend(e.event.paths.iter().cloned());
                            }
                        }
                    }
                    Err(errors) => {
                        for e in errors {
                            tracing::warn!("file watcher: {e}");
                        }
                    }
                }
            }
            paths.retain(|p| relevant(p, &config));
            paths.sort();
            paths.dedup();
            if paths.is_empty() {
                continue;
            }
            let config_changed = paths.iter().any(|p| p == &config_file) || config_error.is_some();
            let started = Instant::now();
            let current = state.snapshot().kb.clone();
            let dir = config.root.clone();
            let reload_pool = Arc::clone(&pool);
            let changed_count = paths.len();
            let outcome = tokio::task::spawn_blocking(move || {
                reload_pool.install(|| reload(&current, &dir, config_changed, &paths))
            })
            .await;
            let Ok((kb, error)) = outcome else {
                tracing::error!("reload task failed");
                continue;
            };
            config_error = error.clone().filter(|_| config_changed);
            let generation = match (kb, error) {
                (Some(kb), error) => {
                    let new_config = (*kb.config).clone();
                    let docs = kb.docs.len();
                    let (g, old) = state.publish_with(Arc::new(kb), error.clone());
                    retire(old);
                    let roots = watch_roots(&new_config);
                    if roots != watched {
                        for r in &watched {
                            let _ = debouncer.unwatch(r);
                        }
                        for r in &roots {
                            if let Err(e) = debouncer.watch(r, RecursiveMode::Recursive) {
                                tracing::warn!("cannot watch {}: {e}", r.display());
                            }
                        }
                        watched = roots;
                    }
                    config = new_config;
                    tracing::info!(
                        changed = changed_count,
                        docs,
                        ms = started.elapsed().as_millis() as u64,
                        "reloaded"
                    );
                    g
                }
                (None, error) => {
                    let msg = error.unwrap_or_else(|| "reload failed".into());
                    tracing::warn!("reload failed, still serving the previous version: {msg}");
                    let (g, old) = state.publish_error(msg);
                    retire(old);
                    g
                }
            };
            state.after_reload(generation).await;
        }
        drop(debouncer);
    }))
}

/// Drop a replaced snapshot on the reload thread once the requests still using it are done,
/// so no request thread pays for freeing a big KB.
fn retire(old: Arc<Snapshot>) {
    tokio::task::spawn_blocking(move || {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Arc::strong_count(&old) > 1 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        drop(old);
    });
}

/// Build the next KB: a refresh of the current one that looks only at the changed paths, or
/// (after a config change) a full load. Returns the KB to serve (if any) and the error to show
/// (if any).
pub(super) fn reload(
    current: &KnowledgeBase,
    dir: &Path,
    config_changed: bool,
    changed: &[PathBuf],
) -> (Option<KnowledgeBase>, Option<String>) {
    let mut config_error = None;
    if config_changed {
        match Config::load(dir) {
            Ok(config) => match KnowledgeBase::load(config) {
                Ok(kb) => return (Some(kb), None),
                Err(e) => config_error = Some(e.to_string()),
            },
            Err(e) => config_error = Some(e.to_string()),
        }
    }
    // Keep the docs current even while the config is broken.
    let refreshed = if config_changed {
        current.refresh()
    } else {
        current.refresh_changed(changed)
    };
    match refreshed {
        Ok(kb) => (Some(kb), config_error),
        Err(e) => (None, Some(config_error.unwrap_or_else(|| e.to_string()))),
    }
}

/// The path of the config file a KB folder is loaded from.
pub fn config_file(dir: &Path) -> PathBuf {
    dir.join(CONFIG_FILE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_folders_and_the_index_are_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let r = dir.path();
        std::fs::create_dir_all(r.join("netstack")).unwrap();
        std::fs::write(r.join("netstack.toml"), "[patterns]\npath = \"netstack\"\n").unwrap();
        let config = Config::load(r).unwrap();
        assert!(relevant(&r.join("netstack/docs/a.md"), &config));
        assert!(relevant(&r.join("wf/.wip-contract.md"), &config));
        assert!(relevant(&r.join("wf/.gitignore"), &config));
        assert!(relevant(&r.join("netstack.toml"), &config));
        assert!(!relevant(&r.join(".netstack/index/meta.json"), &config));
        assert!(!relevant(&r.join("wf/.git/index"), &config));
        assert!(!relevant(&r.join("wf/docs/.a.md.swp"), &config));
    }
}
