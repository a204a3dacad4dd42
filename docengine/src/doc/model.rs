//! The document model: what a loaded doc is (`Doc`, `DocKind`) and the questions every
//! consumer asks of it (anchors, sections, lines).

use std::path::PathBuf;

use serde::Serialize;

use super::markdown::{Block, Heading, LineMap, Link, ListItem, Section, Table};
use crate::front_matter::FrontMatter;
use crate::values::{SiteValue, ValueSpec};

/// What a document is for.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum DocKind {
    /// A reusable pattern in the pattern repo (WHY + HOW).
    Pattern,
    /// Any other doc of the pattern repo (guides, architecture, README index pages).
    Guide,
    /// A doc of a site repo (WHAT).
    SiteDoc,
    /// A site's `.wip-contract.md`.
    Contract,
}

impl DocKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DocKind::Pattern => "pattern",
            DocKind::Guide => "guide",
            DocKind::SiteDoc => "site-doc",
            DocKind::Contract => "contract",
        }
    }

    /// Parse the names used on the command line and in URLs (`site` is accepted for
    /// `site-doc`).
    pub fn parse(s: &str) -> Option<DocKind> {
        match s.to_ascii_lowercase().as_str() {
            "pattern" | "patterns" => Some(DocKind::Pattern),
            "guide" | "guides" => Some(DocKind::Guide),
            "site-doc" | "site" | "sitedoc" | "site_doc" => Some(DocKind::SiteDoc),
            "contract" | "contracts" => Some(DocKind::Contract),
            _ => None,
        }
    }
}

impl std::fmt::Display for DocKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A heading with its anchor (GitHub style, unique within the doc).
/// A loaded document.
#[derive(Debug, Clone)]
pub struct Doc {
    /// The repo it belongs to: the pattern repo's name or the site's name.
    pub repo: String,
    /// The site, `None` for pattern repo docs.
    pub site: Option<String>,
    /// Path relative to the repo root, with `/` separators.
    pub path: String,
    pub abs_path: PathBuf,
    pub kind: DocKind,
    /// Pattern id (the file stem), for patterns.
    pub pattern_id: Option<String>,
    pub title: String,
    /// Folder below the docs folder (`ops/backup`), or from front matter.
    pub category: Option<String>,
    pub tags: Vec<String>,
    pub summary: Option<String>,
    pub front_matter: Option<FrontMatter>,
    /// The file text (lossily decoded, possibly truncated).
    pub source: String,
    /// 1-based line where the markdown body starts (after front matter).
    pub body_line: u32,
    pub headings: Vec<Heading>,
    pub sections: Vec<Section>,
    pub blocks: Vec<Block>,
    pub links: Vec<Link>,
    pub tables: Vec<Table>,
    pub items: Vec<ListItem>,
    /// Plain text of the body (no markup), blocks separated by blank lines.
    pub text: String,
    pub line_map: LineMap,
    /// Values a pattern declares that following sites must supply.
    pub declared_values: Vec<ValueSpec>,
    /// Values a site doc supplies.
    pub values: Vec<SiteValue>,
    /// xxh3 hash of the file bytes.
    pub hash: u64,
    /// Size of the file on disk.
    pub bytes: u64,
    /// The file was larger than the limit and only its head was loaded.
    pub truncated: bool,
    /// Every anchor a link may name, collected on the first [`Doc::has_anchor`], so a doc
    /// with thousands of links to its own sections is scanned once, not once per link
    /// (found by fuzzing: rendering such a doc was quadratic).
    pub(super) anchors: std::sync::OnceLock<Anchors>,
}

/// The anchors of a doc, for [`Doc::has_anchor`].
#[derive(Debug, Clone, Default)]
pub(super) struct Anchors {
    /// Heading anchors, ASCII-lowercased (they match case-insensitively).
    headings: std::collections::HashSet<String>,
    /// Every value of `id="…"` and `name="…"` in the source (they match exactly).
    html: std::collections::HashSet<String>,
}

impl Anchors {
    fn of(doc: &Doc) -> Anchors {
        let headings = doc
            .headings
            .iter()
            .map(|h| h.anchor.to_ascii_lowercase())
            .collect();
        let mut html = std::collections::HashSet::new();
        for attr in ["id=\"", "name=\""] {
            for (at, _) in doc.source.match_indices(attr) {
                let value = &doc.source[at + attr.len()..];
                if let Some(end) = value.find('"') {
                    html.insert(value[..end].to_string());
                }
            }
        }
        Anchors { headings, html }
    }
}

impl Doc {
    /// Plain text of a section.
    pub fn section_text(&self, section: usize) -> &str {
        self.sections
            .get(section)
            .map(|s| &self.text[s.text.clone()])
            .unwrap_or("")
    }

    /// Plain text of a block.
    pub fn block_text(&self, block: &Block) -> &str {
        &self.text[block.text.clone()]
    }

    /// The heading of a section, if it has one.
    pub fn section_heading(&self, section: usize) -> Option<&Heading> {
        self.sections
            .get(section)
            .and_then(|s| s.heading)
            .and_then(|h| self.headings.get(h))
    }

    /// The index of the section that contains a source line.
    pub fn section_at_line(&self, line: u32) -> usize {
        self.sections
            .iter()
            .rposition(|s| s.start_line <= line)
            .unwrap_or(0)
    }

    /// Does the doc have a heading with this anchor (case-insensitive), or an HTML element
    /// with this `id="…"` or `name="…"`? Constant time after the first call.
    pub fn has_anchor(&self, anchor: &str) -> bool {
        let a = anchor.trim_start_matches('#');
        let anchors = self.anchors.get_or_init(|| Anchors::of(self));
        anchors.headings.contains(&a.to_ascii_lowercase()) || anchors.html.contains(a)
    }

    /// Source lines `start..=end` (1-based, clamped).
    pub fn source_lines(&self, start: u32, end: u32) -> Vec<&str> {
        self.source
            .lines()
            .skip(start.saturating_sub(1) as usize)
            .take((end.saturating_sub(start) + 1) as usize)
            .collect()
    }

    /// Number of lines in the source.
    pub fn line_count(&self) -> u32 {
        self.source.lines().count() as u32
    }

    /// The markdown body (source without front matter).
    pub fn body(&self) -> &str {
        let skip = self.body_line.saturating_sub(1) as usize;
        if skip == 0 {
            return &self.source;
        }
        let mut offset = 0;
        for (i, line) in self.source.split_inclusive('\n').enumerate() {
            if i == skip {
                break;
            }
            offset += line.len();
        }
        &self.source[offset.min(self.source.len())..]
    }
}
