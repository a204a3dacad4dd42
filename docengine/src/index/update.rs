//! Applying a [`Diff`] to the index: load the changed docs in parallel, delete and re-add
//! their entries, and commit together with the new manifest (written first, named by the
//! commit, referenced from the commit payload) so a crash at any point leaves either the old
//! or the new state, never a mix.

use rayon::prelude::*;
use tantivy::indexer::LogMergePolicy;
use tantivy::{Index, IndexWriter, TantivyDocument, Term};

use super::feed::{Diff, Feed, Key, Loaded};
use super::manifest::{Manifest, Payload};
use super::schema::{Fields, SCHEMA_VERSION};
use super::store::Store;

/// Changed files are loaded this many at a time (bounds memory on big builds).
const CHUNK: usize = 256;

/// Counts of an update.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Counts {
    pub added: usize,
    pub updated: usize,
    pub removed: usize,
}

fn writer(index: &Index, full: bool) -> tantivy::Result<IndexWriter<TantivyDocument>> {
    let w = if full {
        let threads = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .clamp(1, 4);
        index.writer_with_num_threads(threads, threads * 64_000_000)?
    } else {
        index.writer_with_num_threads(1, 20_000_000)?
    };
    let mut policy = LogMergePolicy::default();
    policy.set_del_docs_ratio_before_merge(0.3);
    w.set_merge_policy(Box::new(policy));
    Ok(w)
}

/// Apply `diff` from `feed` to `index` whose current manifest is `old`; `full` for a new
/// (empty) index. `store` is the folder the manifests go to; `None` for an index kept in
/// memory (its manifest lives only in the returned value). Returns the new manifest, what changed, and the payload of the commit
/// (`None` when nothing in the index changed, only file times in the manifest).
#[allow(clippy::too_many_arguments)]
pub(crate) fn apply(
    store: Option<&Store>,
    index: &Index,
    fields: &Fields,
    config: &str,
    old: &Manifest,
    diff: &Diff,
    feed: &dyn Feed,
    full: bool,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> tantivy::Result<(Manifest, Counts, Option<Payload>)> {
    let mut manifest = old.clone();
    let mut counts = Counts::default();
    // A new index is committed even when empty, so it carries a payload.
    let mut w: Option<IndexWriter<TantivyDocument>> = if full {
        Some(writer(index, true)?)
    } else {
        None
    };
    let key_term = |k: &Key| Term::from_field_text(fields.key, &super::record::key(&k.0, &k.1));
    let total = diff.changed.len();
    let mut done = 0;
    if total > 0 {
        progress(0, total);
    }

    for chunk in diff.changed.chunks(CHUNK) {
        let loaded: Vec<Loaded> = chunk
            .par_iter()
            .map(|k| feed.load(k, old.entries.get(k)))
            .collect();
        for (k, l) in chunk.iter().zip(loaded) {
            let was_indexed = old.entries.get(k).is_some_and(|e| e.indexed);
            match l {
                Loaded::Docs(entry, docs) => {
                    let w = match &mut w {
                        Some(w) => w,
                        None => w.insert(writer(index, full)?),
                    };
                    if was_indexed {
                        w.delete_term(key_term(k));
                        counts.updated += 1;
                    } else {
                        counts.added += 1;
                    }
                    for d in docs {
                        w.add_document(d)?;
                    }
                    manifest.entries.insert(k.clone(), entry);
                }
                Loaded::Skipped(_) | Loaded::Gone if was_indexed => {
                    let w = match &mut w {
                        Some(w) => w,
                        None => w.insert(writer(index, full)?),
                    };
                    w.delete_term(key_term(k));
                    counts.removed += 1;
                    match l {
                        Loaded::Skipped(entry) => manifest.entries.insert(k.clone(), entry),
                        _ => manifest.entries.remove(k),
                    };
                }
                Loaded::Skipped(entry) | Loaded::Same(entry) => {
                    manifest.entries.insert(k.clone(), entry);
                }
                Loaded::Gone => {
                    manifest.entries.remove(k);
                }
            }
        }
        done += chunk.len();
        progress(done, total);
    }
    for k in &diff.removed {
        if let Some(e) = manifest.entries.remove(k)
            && e.indexed
        {
            let w = match &mut w {
                Some(w) => w,
                None => w.insert(writer(index, full)?),
            };
            w.delete_term(key_term(k));
            counts.removed += 1;
        }
    }

    let mut committed = None;
    match w {
        Some(mut w) => {
            let mut prepared = w.prepare_commit()?;
            let name = format!("manifest-{}.tsv", prepared.opstamp());
            if let Some(store) = store {
                manifest.write(&store.dir.join(&name))?;
            }
            let payload = Payload {
                schema_version: SCHEMA_VERSION,
                config: config.to_string(),
                manifest: name.clone(),
                docs: manifest.indexed(),
            };
            prepared.set_payload(
                &serde_json::to_string(&payload)
                    .map_err(|e| tantivy::TantivyError::InternalError(e.to_string()))?,
            );
            prepared.commit()?;
            committed = Some(payload);
            if full {
                // One segment answers queries fastest; a build leaves one per indexing thread.
                let ids = index.searchable_segment_ids()?;
                if ids.len() > 1 {
                    w.merge(&ids).wait()?;
                }
            }
            w.wait_merging_threads()?;
            if let Some(store) = store {
                store.prune_manifests(&name);
            }
        }
        None if manifest != *old && store.is_some() => {
            // Only sizes and times changed: rewrite the current manifest in place.
            let metas = index.load_metas()?;
            let current: Option<Payload> = metas
                .payload
                .as_deref()
                .and_then(|p| serde_json::from_str(p).ok());
            if let (Some(p), Some(store)) = (current, store) {
                manifest.write(&store.dir.join(&p.manifest))?;
            }
        }
        None => {}
    }
    Ok((manifest, counts, committed))
}
