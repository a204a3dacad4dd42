//! One markdown document: front matter and markdown parsed into the model everything else
//! uses — title, headings with anchors, flat sections, top-level blocks, links, tables, list
//! items and plain text with a line map (lint and search need exact lines).
//!
//! A facade: parsing lives in `markdown`, the model in `model`, building in `build`.

mod build;
pub mod markdown;
mod model;

pub use build::{Contents, Origin, title_from_path};
pub use markdown::{
    Block, BlockKind, Heading, LineMap, Link, LinkKind, ListItem, Section, Table, slug,
};
pub use model::{Doc, DocKind};
