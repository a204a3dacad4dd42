//! `docengine`: the netstack engine. It loads a federation's pattern repo, site repos and
//! contracts into one [`KnowledgeBase`] that search, lint, the web UI and recommendations
//! stand on. It never prints and never speaks HTTP: callers decide how to show results.
//!
//! Start with [`Config::load`] (a KB folder with `netstack.toml`) or [`Config::ad_hoc`]
//! (checkouts without one), then [`KnowledgeBase::load`].

pub mod browse;
pub mod config;
pub mod contract;
pub mod coverage;
pub mod doc;
pub mod error;
pub mod front_matter;
pub mod index;
pub mod kb;
pub mod limits;
pub mod lint;
pub mod paths;
pub mod problem;
pub mod publication;
pub mod publish;
pub mod recommend;
pub mod refs;
pub mod render;
pub mod routes;
pub mod scaffold;
pub mod source;
pub mod summary;
#[cfg(test)]
mod testkit;
pub mod values;

pub use config::Config;
pub use doc::{Doc, DocKind};
pub use error::{Error, Result};
pub use index::{
    Correction, Hit, IndexReport, SearchIndex, SearchQuery, SearchResults, SectionHit,
};
pub use kb::{DocId, KnowledgeBase};
pub use problem::{Problem, Severity};
