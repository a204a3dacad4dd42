//! The knowledge base: every loaded doc of the pattern repo and the site repos, the pattern
//! ids, the contracts, the reference graph (which site docs follow which pattern) and every
//! load problem. Immutable once built; [`KnowledgeBase::refresh`] builds a new one that
//! re-reads only files whose size or modification time changed, and
//! [`KnowledgeBase::refresh_changed`] one that looks only at the paths a file watcher named.
//!
//! A facade: the data and its lookups live in `model`, building in `load`, link resolution
//! in `links`, pattern-id suggestions in `suggest`.

mod links;
mod load;
mod model;
mod suggest;

pub use links::LinkTarget;
pub use model::{DocId, KnowledgeBase, LoadTimings, Repo, Used};
