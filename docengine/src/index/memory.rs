//! The index kept in memory when its folder cannot be written (a read-only checkout, an
//! index path under a file, no permission): built from the feed like a fresh index on disk,
//! updated in place on every sync, never written anywhere. Search keeps answering, with
//! [`super::IndexReport::degraded`] saying why and what to do, instead of failing.

use std::sync::Arc;
use std::time::Instant;

use tantivy::Index;

use super::feed::Feed;
use super::manifest::Manifest;
use super::schema::{self, Fields};
use super::store::{Live, Store};
use super::{IndexReport, update};
use crate::error::{Error, Result};

fn error(store: &Store, e: tantivy::TantivyError) -> Error {
    Error::Index {
        path: store.dir.clone(),
        message: format!("cannot build it in memory either: {e}"),
    }
}

/// Build an index of everything `feed` has, in memory. `why`: why the folder was not used.
pub(crate) fn build(
    store: &Store,
    fields: &Fields,
    config: &str,
    feed: &dyn Feed,
    why: String,
    started: Instant,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<(Arc<Live>, IndexReport)> {
    let err = |e| error(store, e);
    let index = Index::create_in_ram(fields.schema.clone());
    schema::register(&index);
    let empty = Manifest::default();
    let diff = feed.diff(&empty);
    let (manifest, counts, payload) = update::apply(
        None, &index, fields, config, &empty, &diff, feed, true, progress,
    )
    .map_err(err)?;
    let payload = payload.ok_or_else(|| {
        err(tantivy::TantivyError::InternalError(
            "a new index was not committed".into(),
        ))
    })?;
    let mut live = store.live(fields, index, payload, manifest).map_err(err)?;
    let degraded = format!(
        "{why}: searching an index kept in memory instead (built again at every start); make the folder writable, or point `[index] path` in netstack.toml at one that is"
    );
    live.memory = true;
    live.degraded = Some(degraded.clone());
    let report = IndexReport {
        added: counts.added,
        docs: live.payload.docs,
        degraded: Some(degraded),
        elapsed: started.elapsed(),
        ..IndexReport::default()
    };
    Ok((Arc::new(live), report))
}

/// Bring the in-memory index `current` up to date with `feed`.
pub(crate) fn update(
    store: &Store,
    fields: &Fields,
    config: &str,
    feed: &dyn Feed,
    current: &Arc<Live>,
    started: Instant,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<(Arc<Live>, IndexReport)> {
    let mut report = IndexReport {
        degraded: current.degraded.clone(),
        ..IndexReport::default()
    };
    let diff = feed.diff(&current.manifest);
    let live = if diff.is_empty() {
        Arc::clone(current)
    } else {
        let err = |e| error(store, e);
        let (manifest, counts, payload) = update::apply(
            None,
            &current.index,
            fields,
            config,
            &current.manifest,
            &diff,
            feed,
            false,
            progress,
        )
        .map_err(err)?;
        report.added = counts.added;
        report.updated = counts.updated;
        report.removed = counts.removed;
        let mut next = store
            .live(
                fields,
                current.index.clone(),
                payload.unwrap_or_else(|| current.payload.clone()),
                manifest,
            )
            .map_err(err)?;
        next.memory = true;
        next.degraded = current.degraded.clone();
        Arc::new(next)
    };
    report.docs = live.payload.docs;
    report.elapsed = started.elapsed();
    Ok((live, report))
}
