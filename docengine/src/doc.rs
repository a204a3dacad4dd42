//! One markdown document: front matter and markdown parsed into the model everything else
//! uses — title, headings with anchors, flat sections, top-level blocks, links, tables, list
//! items and plain text with a line map (lint and search need exact lines).

use std::ops::Range;
use std::path::PathBuf;

use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, LinkType, Options, Parser, Tag, TagEnd};
use regex::Regex;
use serde::Serialize;

use crate::front_matter::{self, FrontMatter};
use crate::values::{SiteValue, ValueSpec};

/// What a document is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Heading {
    pub level: u8,
    pub text: String,
    pub anchor: String,
    pub line: u32,
}

/// A flat section: the text from one heading to the next (section 0 is what comes before
/// the first heading). `heading` indexes [`Doc::headings`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Section {
    pub heading: Option<usize>,
    pub start_line: u32,
    pub end_line: u32,
    /// Byte range in [`Doc::text`].
    pub text: Range<usize>,
}

/// The kind of a top-level block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BlockKind {
    Paragraph,
    Heading,
    List { ordered: bool },
    Table,
    Code { lang: Option<String> },
    Quote,
    Html,
    Other,
}

/// A top-level block (paragraph, list, table, code, …) with its lines and plain text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Block {
    pub kind: BlockKind,
    pub start_line: u32,
    pub end_line: u32,
    /// Byte range in [`Doc::text`].
    pub text: Range<usize>,
    /// Index in [`Doc::sections`].
    pub section: usize,
}

/// How a link was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LinkKind {
    /// `[text](target)` or a reference-style link.
    Inline,
    /// `<https://…>`.
    Autolink,
    /// `![alt](src)`.
    Image,
    /// A bare URL in text.
    Bare,
    /// `<a href>` / `<img src>` in raw HTML.
    Html,
}

/// A link with its line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Link {
    pub target: String,
    pub text: String,
    pub line: u32,
    pub kind: LinkKind,
}

/// A markdown table: header cells, rows with their lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<(u32, Vec<String>)>,
    pub line: u32,
    pub section: usize,
}

/// A list item: its first line of plain text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListItem {
    pub text: String,
    pub line: u32,
    pub ordered: bool,
    pub depth: u8,
    pub section: usize,
}

/// Maps byte offsets of [`Doc::text`] back to source lines.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineMap {
    /// `(text offset, source line)`, sorted by offset; an entry starts a run of text that
    /// comes from that line.
    entries: Vec<(u32, u32)>,
}

impl LineMap {
    /// The 1-based source line of a byte offset in the plain text.
    pub fn line_at(&self, text_offset: usize) -> u32 {
        let i = self
            .entries
            .partition_point(|&(o, _)| o as usize <= text_offset);
        if i == 0 {
            self.entries.first().map(|e| e.1).unwrap_or(1)
        } else {
            self.entries[i - 1].1
        }
    }

    fn push(&mut self, offset: usize, line: u32) {
        if let Some(&(o, l)) = self.entries.last() {
            if l == line {
                return;
            }
            if o as usize == offset {
                self.entries.pop();
            }
        }
        self.entries.push((offset as u32, line));
    }
}

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
    anchors: std::sync::OnceLock<Anchors>,
}

/// The anchors of a doc, for [`Doc::has_anchor`].
#[derive(Debug, Clone, Default)]
struct Anchors {
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

/// Everything the markdown pass produces (before classification).
#[derive(Debug, Default)]
pub(crate) struct Parsed {
    pub headings: Vec<Heading>,
    pub sections: Vec<Section>,
    pub blocks: Vec<Block>,
    pub links: Vec<Link>,
    pub tables: Vec<Table>,
    pub items: Vec<ListItem>,
    pub text: String,
    pub line_map: LineMap,
}

/// The outcome of splitting and parsing a file's text.
pub(crate) struct ParsedFile {
    pub front_matter: Option<Result<FrontMatter, front_matter::FrontMatterError>>,
    pub body_line: u32,
    pub parsed: Parsed,
}

/// Split front matter and parse the markdown body of a source text.
pub(crate) fn parse_source(source: &str) -> ParsedFile {
    let split = front_matter::split(source);
    let starts = line_starts(source);
    let body_line = line_index(&starts, split.body_offset);
    let parsed = parse_markdown(source, split.body_offset, &starts);
    ParsedFile {
        front_matter: split.front_matter,
        body_line,
        parsed,
    }
}

fn line_starts(s: &str) -> Vec<usize> {
    let mut v = vec![0];
    v.extend(
        s.bytes()
            .enumerate()
            .filter(|&(_, b)| b == b'\n')
            .map(|(i, _)| i + 1),
    );
    v
}

fn line_index(starts: &[usize], offset: usize) -> u32 {
    starts.partition_point(|&s| s <= offset) as u32
}

fn is_block(tag: &Tag) -> bool {
    matches!(
        tag,
        Tag::Paragraph
            | Tag::Heading { .. }
            | Tag::BlockQuote(_)
            | Tag::CodeBlock(_)
            | Tag::HtmlBlock
            | Tag::List(_)
            | Tag::Table(_)
            | Tag::FootnoteDefinition(_)
            | Tag::DefinitionList
            | Tag::MetadataBlock(_)
    )
}

fn is_block_end(tag: &TagEnd) -> bool {
    matches!(
        tag,
        TagEnd::Paragraph
            | TagEnd::Heading(_)
            | TagEnd::BlockQuote(_)
            | TagEnd::CodeBlock
            | TagEnd::HtmlBlock
            | TagEnd::List(_)
            | TagEnd::Table
            | TagEnd::FootnoteDefinition
            | TagEnd::DefinitionList
            | TagEnd::MetadataBlock(_)
    )
}

fn block_kind(tag: &Tag) -> BlockKind {
    match tag {
        Tag::Paragraph => BlockKind::Paragraph,
        Tag::Heading { .. } => BlockKind::Heading,
        Tag::BlockQuote(_) => BlockKind::Quote,
        Tag::CodeBlock(CodeBlockKind::Fenced(lang)) => BlockKind::Code {
            lang: lang
                .split_whitespace()
                .next()
                .map(|l| {
                    l.trim_matches(|c| c == '{' || c == '}' || c == '.')
                        .to_ascii_lowercase()
                })
                .filter(|l| !l.is_empty()),
        },
        Tag::CodeBlock(CodeBlockKind::Indented) => BlockKind::Code { lang: None },
        Tag::HtmlBlock => BlockKind::Html,
        Tag::List(start) => BlockKind::List {
            ordered: start.is_some(),
        },
        Tag::Table(_) => BlockKind::Table,
        _ => BlockKind::Other,
    }
}

fn heading_level(l: HeadingLevel) -> u8 {
    match l {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

static BARE_URL: std::sync::LazyLock<Regex> =
    std::sync::LazyLock::new(|| Regex::new(r#"https?://[^\s<>()\[\]"'`]+"#).unwrap());
static HTML_HREF: std::sync::LazyLock<Regex> = std::sync::LazyLock::new(|| {
    Regex::new(r#"(?i)<(?:a|img)\b[^>]*?\b(?:href|src)\s*=\s*["']([^"']+)["']"#).unwrap()
});

/// `html` with every comment (`<!-- … -->`) and tag (`<…>`) replaced by a space, in one
/// linear pass. (The regex `<!--.*?-->|<[^>]*>` it replaces was quadratic: without a `-->`
/// in the text, every `<!--` searched to the end again, so 140 KB took 97 s.)
fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    // Where the next `-->` / `>` at or after the cursor is, once looked up (None: there is none).
    let mut comment_end: Option<Option<usize>> = None;
    let mut tag_end: Option<Option<usize>> = None;
    let mut last = 0;
    let mut at = 0;
    while let Some(i) = html[at..].find('<') {
        let lt = at + i;
        let end = if html[lt..].starts_with("<!--") {
            if comment_end.is_none_or(|e| e.is_some_and(|e| e < lt + 4)) {
                comment_end = Some(html[lt + 4..].find("-->").map(|e| lt + 4 + e));
            }
            comment_end.flatten().map(|e| e + 3)
        } else {
            None
        };
        let end = end.or_else(|| {
            if tag_end.is_none_or(|e| e.is_some_and(|e| e < lt)) {
                tag_end = Some(html[lt..].find('>').map(|e| lt + e));
            }
            tag_end.flatten().map(|e| e + 1)
        });
        match end {
            Some(end) => {
                out.push_str(&html[last..lt]);
                out.push(' ');
                last = end;
                at = end;
            }
            // No `>` after this `<`: nothing later is a tag either.
            None => break,
        }
    }
    out.push_str(&html[last..]);
    out
}

struct Builder<'a> {
    src: &'a str,
    base: usize,
    starts: &'a [usize],
    out: Parsed,
    depth: usize,
    block: Option<(BlockKind, u32, usize)>,
    heading: Option<(u8, Option<String>, usize, u32)>,
    links: Vec<(String, u32, usize, LinkKind)>,
    table: Option<Table>,
    row: Option<(u32, Vec<String>)>,
    cell_start: usize,
    lists: Vec<bool>,
    items: Vec<(u32, usize, bool)>,
    in_code: bool,
    anchors: std::collections::HashMap<String, usize>,
}

impl<'a> Builder<'a> {
    fn line(&self, offset: usize) -> u32 {
        line_index(self.starts, self.base + offset)
    }

    fn push_text(&mut self, s: &str, offset: usize) {
        let first = self.line(offset);
        if self.in_code {
            // Code text is verbatim: each of its lines comes from the next source line.
            for (i, part) in s.split_inclusive('\n').enumerate() {
                self.out
                    .line_map
                    .push(self.out.text.len(), first + i as u32);
                self.out.text.push_str(part);
            }
        } else {
            self.out.line_map.push(self.out.text.len(), first);
            self.out.text.push_str(s);
        }
    }

    fn push_sep(&mut self, sep: &str) {
        if !self.out.text.is_empty() && !self.out.text.ends_with(sep) {
            let trimmed = self.out.text.trim_end_matches([' ', '\n']).len();
            self.out.text.truncate(trimmed);
            self.out.text.push_str(sep);
        }
    }

    fn section(&self) -> usize {
        self.out.sections.len() - 1
    }

    fn bare_urls(&mut self, text: &str, offset: usize) {
        if !self.links.is_empty() || self.in_code {
            return;
        }
        for m in BARE_URL.find_iter(text) {
            let url = m
                .as_str()
                .trim_end_matches(['.', ',', ';', ':', '!', '?', '*', '_']);
            let line = self.line(offset + m.start());
            self.out.links.push(Link {
                target: url.to_string(),
                text: url.to_string(),
                line,
                kind: LinkKind::Bare,
            });
        }
    }

    fn html(&mut self, html: &str, offset: usize) {
        for cap in HTML_HREF.captures_iter(html) {
            let m = cap.get(1).unwrap();
            let line = self.line(offset + m.start());
            self.out.links.push(Link {
                target: m.as_str().to_string(),
                text: String::new(),
                line,
                kind: LinkKind::Html,
            });
        }
        let stripped = strip_tags(html);
        let stripped = stripped.trim();
        if !stripped.is_empty() {
            self.push_text(&decode_entities(stripped), offset);
            self.out.text.push(' ');
        }
    }

    fn anchor_for(&mut self, text: &str, explicit: Option<String>) -> String {
        let base = explicit.unwrap_or_else(|| slug(text));
        let n = self.anchors.entry(base.clone()).or_insert(0);
        let anchor = if *n == 0 {
            base.clone()
        } else {
            format!("{base}-{n}")
        };
        *n += 1;
        anchor
    }
}

/// The GitHub-style anchor of a heading text: lowercase, punctuation dropped, spaces to
/// hyphens.
pub fn slug(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.trim().chars() {
        if c.is_alphanumeric() || c == '_' || c == '-' {
            out.extend(c.to_lowercase());
        } else if c == ' ' {
            out.push('-');
        }
    }
    out
}

fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    s.replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// Parse the markdown body `source[body_offset..]`; line numbers are lines of `source`.
pub(crate) fn parse_markdown(source: &str, body_offset: usize, starts: &[usize]) -> Parsed {
    let body = &source[body_offset..];
    let opts = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_GFM;
    let mut b = Builder {
        src: source,
        base: body_offset,
        starts,
        out: Parsed::default(),
        depth: 0,
        block: None,
        heading: None,
        links: Vec::new(),
        table: None,
        row: None,
        cell_start: 0,
        lists: Vec::new(),
        items: Vec::new(),
        in_code: false,
        anchors: Default::default(),
    };
    let body_line = line_index(starts, body_offset);
    b.out.sections.push(Section {
        heading: None,
        start_line: body_line,
        end_line: body_line,
        text: 0..0,
    });

    for (event, range) in Parser::new_ext(body, opts).into_offset_iter() {
        match event {
            Event::Start(tag) => {
                if is_block(&tag) {
                    if b.depth == 0 {
                        if matches!(tag, Tag::Heading { .. }) {
                            // Headings open a new section before their block starts.
                            let line = b.line(range.start);
                            let len = b.out.text.len();
                            if let Some(last) = b.out.sections.last_mut() {
                                last.end_line = line.saturating_sub(1).max(last.start_line);
                                last.text.end = len;
                            }
                        }
                        b.block = Some((block_kind(&tag), b.line(range.start), b.out.text.len()));
                    }
                    b.depth += 1;
                }
                match tag {
                    Tag::Heading { level, id, .. } => {
                        if b.depth > 1 {
                            // A heading nested in a quote/list still opens a section.
                            let line = b.line(range.start);
                            let len = b.out.text.len();
                            if let Some(last) = b.out.sections.last_mut() {
                                last.end_line = line.saturating_sub(1).max(last.start_line);
                                last.text.end = len;
                            }
                        }
                        let line = b.line(range.start);
                        b.heading = Some((
                            heading_level(level),
                            id.map(|i| i.to_string()),
                            b.out.text.len(),
                            line,
                        ));
                        let idx = b.out.headings.len();
                        b.out.sections.push(Section {
                            heading: Some(idx),
                            start_line: line,
                            end_line: line,
                            text: b.out.text.len()..b.out.text.len(),
                        });
                    }
                    Tag::Link {
                        link_type,
                        dest_url,
                        ..
                    } => {
                        let kind = match link_type {
                            LinkType::Autolink | LinkType::Email => LinkKind::Autolink,
                            _ => LinkKind::Inline,
                        };
                        let line = b.line(range.start);
                        b.links
                            .push((dest_url.to_string(), line, b.out.text.len(), kind));
                    }
                    Tag::Image { dest_url, .. } => {
                        let line = b.line(range.start);
                        b.links.push((
                            dest_url.to_string(),
                            line,
                            b.out.text.len(),
                            LinkKind::Image,
                        ));
                    }
                    Tag::CodeBlock(_) => b.in_code = true,
                    Tag::Table(_) => {
                        b.table = Some(Table {
                            header: Vec::new(),
                            rows: Vec::new(),
                            line: b.line(range.start),
                            section: b.section(),
                        });
                    }
                    Tag::TableHead | Tag::TableRow => {
                        b.row = Some((b.line(range.start), Vec::new()));
                    }
                    Tag::TableCell => b.cell_start = b.out.text.len(),
                    Tag::List(start) => b.lists.push(start.is_some()),
                    Tag::Item => {
                        let ordered = b.lists.last().copied().unwrap_or(false);
                        b.items
                            .push((b.line(range.start), b.out.text.len(), ordered));
                    }
                    _ => {}
                }
            }
            Event::End(tag) => {
                match tag {
                    TagEnd::Heading(_) => {
                        if let Some((level, id, start, line)) = b.heading.take() {
                            let text = b.out.text[start..].trim().to_string();
                            let anchor = b.anchor_for(&text, id);
                            b.out.headings.push(Heading {
                                level,
                                text,
                                anchor,
                                line,
                            });
                        }
                        b.push_sep("\n\n");
                    }
                    TagEnd::Link | TagEnd::Image => {
                        if let Some((target, line, start, kind)) = b.links.pop() {
                            let text = b.out.text[start..].trim().to_string();
                            b.out.links.push(Link {
                                target,
                                text,
                                line,
                                kind,
                            });
                        }
                    }
                    TagEnd::CodeBlock => {
                        b.in_code = false;
                        b.push_sep("\n\n");
                    }
                    TagEnd::TableCell => {
                        let cell = b.out.text[b.cell_start..].trim().to_string();
                        if let Some((_, row)) = b.row.as_mut() {
                            row.push(cell);
                        }
                        b.out.text.push_str(" | ");
                    }
                    TagEnd::TableHead => {
                        if let (Some((_, row)), Some(t)) = (b.row.take(), b.table.as_mut()) {
                            t.header = row;
                        }
                        b.push_sep("\n");
                    }
                    TagEnd::TableRow => {
                        if let (Some(row), Some(t)) = (b.row.take(), b.table.as_mut()) {
                            t.rows.push(row);
                        }
                        b.push_sep("\n");
                    }
                    TagEnd::Table => {
                        if let Some(t) = b.table.take() {
                            b.out.tables.push(t);
                        }
                    }
                    TagEnd::List(_) => {
                        b.lists.pop();
                    }
                    TagEnd::Item => {
                        if let Some((line, start, ordered)) = b.items.pop() {
                            let text = b.out.text[start..].trim();
                            let first = text.lines().next().unwrap_or("").trim().to_string();
                            let depth = b.lists.len().saturating_sub(1) as u8;
                            let section = b.section();
                            b.out.items.push(ListItem {
                                text: first,
                                line,
                                ordered,
                                depth,
                                section,
                            });
                        }
                        b.push_sep("\n");
                    }
                    TagEnd::Paragraph | TagEnd::BlockQuote(_) | TagEnd::HtmlBlock => {
                        b.push_sep("\n\n")
                    }
                    _ => {}
                }
                if is_block_end(&tag) {
                    b.depth = b.depth.saturating_sub(1);
                    if b.depth == 0
                        && let Some((kind, start_line, text_start)) = b.block.take()
                    {
                        let end = range.end.max(range.start + 1) - 1;
                        let mut end_line = b.line(end);
                        // A fenced block's range ends after its newline.
                        if b.src.as_bytes().get(b.base + end) == Some(&b'\n')
                            && end_line > start_line
                        {
                            end_line = b.line(end.saturating_sub(1)).max(start_line);
                        }
                        let text_end = b.out.text.trim_end().len().max(text_start);
                        let section = b.section();
                        b.out.blocks.push(Block {
                            kind,
                            start_line,
                            end_line,
                            text: text_start..text_end,
                            section,
                        });
                    }
                }
            }
            Event::Text(t) => {
                b.bare_urls(&t, range.start);
                b.push_text(&t, range.start);
            }
            Event::Code(t) => {
                b.push_text(&t, range.start);
            }
            Event::InlineMath(t) | Event::DisplayMath(t) => b.push_text(&t, range.start),
            Event::Html(h) | Event::InlineHtml(h) => b.html(&h, range.start),
            Event::SoftBreak => b.out.text.push('\n'),
            Event::HardBreak => b.out.text.push('\n'),
            Event::Rule => b.push_sep("\n\n"),
            Event::FootnoteReference(_) | Event::TaskListMarker(_) => {}
        }
    }
    let last_line = line_index(starts, source.len().saturating_sub(1)).max(body_line);
    let len = b.out.text.len();
    if let Some(last) = b.out.sections.last_mut() {
        last.end_line = last_line.max(last.start_line);
        last.text.end = len;
    }
    b.out.links.sort_by_key(|l| l.line);
    b.out
}

/// Words that are not a real title.
fn is_junk_title(t: &str) -> bool {
    let t = t
        .trim()
        .trim_matches(|c: char| !c.is_alphanumeric())
        .to_ascii_lowercase();
    t.is_empty()
        || matches!(
            t.as_str(),
            "todo"
                | "tbd"
                | "untitled"
                | "title"
                | "draft"
                | "wip"
                | "new page"
                | "readme"
                | "index"
                | "notes"
                | "fixme"
                | "xxx"
                | "test"
        )
}

/// Choose a title: front matter `title`, else the first `# ` heading near the top (not junk),
/// else a name made from the file name.
pub(crate) fn choose_title(
    fm: Option<&FrontMatter>,
    headings: &[Heading],
    body_line: u32,
    path: &str,
    repo_name: &str,
) -> String {
    if let Some(t) = fm.and_then(|f| f.str("title")) {
        return t.to_string();
    }
    if let Some(h1) = headings.iter().find(|h| h.level == 1) {
        let first = headings
            .first()
            .map(|h| std::ptr::eq(h, h1))
            .unwrap_or(false);
        if (first || h1.line <= body_line + 40) && !is_junk_title(&h1.text) {
            return h1.text.clone();
        }
    }
    title_from_path(path, repo_name)
}

/// `docs/ops/backup/backup-cron-pattern.md` → "Backup cron pattern"; a README takes its
/// folder's name.
pub fn title_from_path(path: &str, repo_name: &str) -> String {
    let mut parts: Vec<&str> = path.split('/').collect();
    let file = parts.pop().unwrap_or(path);
    let stem = file.rsplit_once('.').map(|(s, _)| s).unwrap_or(file);
    let name = if stem.eq_ignore_ascii_case("readme") || stem.eq_ignore_ascii_case("index") {
        parts.pop().unwrap_or(repo_name)
    } else {
        stem
    };
    let words = name.trim_start_matches('.').replace(['-', '_'], " ");
    let mut chars = words.trim().chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => repo_name.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(src: &str) -> ParsedFile {
        parse_source(src)
    }

    #[test]
    fn strip_tags_matches_the_old_regex() {
        let old = Regex::new(r"(?s)<!--.*?-->|<[^>]*>").unwrap();
        for html in [
            "<p>a <b>b</b> <!-- c > d --> e</p>",
            "<!-- never closed > x <y> z",
            "<!---->a<!-->b-->c",
            "a < b and c > d < e",
            "<div\nclass=x>multi\nline</div><",
            "no tags at all",
            "<<<>>> <!--<!-- -->-->",
        ] {
            assert_eq!(strip_tags(html), old.replace_all(html, " "), "{html:?}");
        }
    }

    #[test]
    fn html_heavy_docs_build_in_linear_time() {
        // issue 15 row 4: 140 KB of `<!-- a>` in an HTML block took 97 s to build the model.
        let src = format!("# h\n\n<div>\n{}\n", "<!-- a>".repeat(20_000));
        let started = std::time::Instant::now();
        let p = parse(&src).parsed;
        assert!(started.elapsed().as_secs() < 5, "{:?}", started.elapsed());
        assert_eq!(p.headings.len(), 1);
    }

    #[test]
    fn headings_sections_and_anchors() {
        let src = "[edit](https://x/edit)\n\n# Backup cron\n\nIntro text.\n\n## Steps\n\n1. one\n2. two\n\n## Steps\n\nagain\n";
        let p = parse(src).parsed;
        assert_eq!(p.headings.len(), 3);
        assert_eq!(p.headings[0].line, 3);
        assert_eq!(p.headings[0].anchor, "backup-cron");
        assert_eq!(p.headings[1].anchor, "steps");
        assert_eq!(p.headings[2].anchor, "steps-1");
        assert_eq!(p.sections.len(), 4);
        assert_eq!(p.sections[0].start_line, 1);
        assert_eq!(p.sections[0].end_line, 2);
        assert_eq!(p.sections[2].start_line, 7);
        assert_eq!(p.sections[2].end_line, 11);
        assert_eq!(p.sections[3].end_line, 14);
    }

    #[test]
    fn slugs_match_github() {
        assert_eq!(
            slug("Values a site must supply"),
            "values-a-site-must-supply"
        );
        assert_eq!(slug("Pitfalls & gotchas!"), "pitfalls--gotchas");
        assert_eq!(slug("🚀 Deploy (v2)"), "-deploy-v2");
        assert_eq!(slug("Über Straße"), "über-straße");
    }

    #[test]
    fn links_with_lines_and_kinds() {
        let src = "# T\n\nsee [pattern](https://netstack.org/docs/x/) and\nhttps://netstack.org/docs/y/.\n\n![img](a.png)\n\n<a href=\"../z.md\">z</a>\n\n<https://auto.example/>\n";
        let p = parse(src).parsed;
        let l: Vec<(&str, u32, LinkKind)> = p
            .links
            .iter()
            .map(|l| (l.target.as_str(), l.line, l.kind))
            .collect();
        assert!(
            l.contains(&("https://netstack.org/docs/x/", 3, LinkKind::Inline)),
            "{l:?}"
        );
        assert!(
            l.contains(&("https://netstack.org/docs/y/", 4, LinkKind::Bare)),
            "{l:?}"
        );
        assert!(l.contains(&("a.png", 6, LinkKind::Image)), "{l:?}");
        assert!(l.contains(&("../z.md", 8, LinkKind::Html)), "{l:?}");
        assert!(
            l.contains(&("https://auto.example/", 10, LinkKind::Autolink)),
            "{l:?}"
        );
        assert_eq!(
            p.links
                .iter()
                .find(|l| l.kind == LinkKind::Inline)
                .unwrap()
                .text,
            "pattern"
        );
    }

    #[test]
    fn blocks_and_line_map_are_exact() {
        let src = "---\ntitle: x\n---\n# Title\n\nPara one\ncontinues here.\n\n```bash\necho a\necho b\n```\n\n| k | v |\n|---|---|\n| a | 1 |\n";
        let f = parse(src);
        assert_eq!(f.body_line, 4);
        let p = f.parsed;
        let kinds: Vec<_> = p
            .blocks
            .iter()
            .map(|b| (b.start_line, b.end_line))
            .collect();
        assert_eq!(kinds, vec![(4, 4), (6, 7), (9, 12), (14, 16)]);
        let para = &p.blocks[1];
        let text = &p.text[para.text.clone()];
        assert_eq!(text, "Para one\ncontinues here.");
        let off = p.text.find("continues").unwrap();
        assert_eq!(p.line_map.line_at(off), 7);
        let off = p.text.find("echo b").unwrap();
        assert_eq!(p.line_map.line_at(off), 11);
        assert_eq!(p.tables.len(), 1);
        assert_eq!(p.tables[0].header, vec!["k", "v"]);
        assert_eq!(
            p.tables[0].rows,
            vec![(16, vec!["a".to_string(), "1".to_string()])]
        );
    }

    #[test]
    fn list_items_keep_first_line_and_order() {
        let src = "## Values\n\n- **target:** 10.0.0.5\n- schedule: 02:00\n\n1. first\n2. second\n";
        let p = parse(src).parsed;
        assert_eq!(p.items.len(), 4);
        assert_eq!(p.items[0].text, "target: 10.0.0.5");
        assert_eq!(p.items[0].line, 3);
        assert!(!p.items[0].ordered);
        assert!(p.items[2].ordered);
        assert_eq!(p.items[0].section, 1);
    }

    #[test]
    fn html_is_stripped_from_text_but_links_kept() {
        let src = "<details><summary>More</summary>\n\nHidden <kbd>Ctrl</kbd> text\n\n</details>\n";
        let p = parse(src).parsed;
        assert!(p.text.contains("More"));
        assert!(p.text.contains("Ctrl"));
        assert!(!p.text.contains("<kbd>"));
    }

    #[test]
    fn titles() {
        let f = parse("[edit](x)\n\n# Real title\n");
        assert_eq!(
            choose_title(None, &f.parsed.headings, f.body_line, "a/b.md", "r"),
            "Real title"
        );
        let f = parse("# TODO\n\ntext\n");
        assert_eq!(
            choose_title(
                None,
                &f.parsed.headings,
                f.body_line,
                "docs/x/dns-split-pattern.md",
                "r"
            ),
            "Dns split pattern"
        );
        let f = parse("## Only h2\n");
        assert_eq!(
            choose_title(
                None,
                &f.parsed.headings,
                f.body_line,
                "docs/lan/README.md",
                "r"
            ),
            "Lan"
        );
        assert_eq!(title_from_path("README.md", "netstack"), "Netstack");
    }

    #[test]
    fn empty_and_weird_input_do_not_panic() {
        for src in [
            "",
            "\n",
            "---",
            "---\n",
            "+++\n+++",
            "# ",
            "|a|\n|-|\n",
            "```\nunclosed",
            "\u{feff}# BOM",
            "[x]: <>",
        ] {
            let f = parse(src);
            let _ = f.parsed.line_map.line_at(0);
        }
    }
}

/// Where a doc comes from, for [`Doc::build`].
#[derive(Debug, Clone, Copy)]
pub struct Origin<'a> {
    /// Repo name (pattern repo name or site name).
    pub repo: &'a str,
    /// Site name, `None` for the pattern repo.
    pub site: Option<&'a str>,
    /// Path relative to the repo root.
    pub rel: &'a str,
    pub abs: &'a std::path::Path,
    /// The pattern repo's docs folder (categories are folders below it).
    pub docs_dir: &'a str,
}

/// File contents and facts for [`Doc::build`].
#[derive(Debug, Clone)]
pub struct Contents {
    pub text: String,
    pub hash: u64,
    pub bytes: u64,
    pub truncated: bool,
}

impl Doc {
    /// Parse and classify a document. A front matter error is returned beside the doc,
    /// which is still built from the rest of the file.
    pub fn build(
        origin: Origin<'_>,
        contents: Contents,
    ) -> (Doc, Option<front_matter::FrontMatterError>) {
        let ParsedFile {
            front_matter,
            body_line,
            parsed,
        } = parse_source(&contents.text);
        let (fm, fm_error) = match front_matter {
            Some(Ok(fm)) => (Some(fm), None),
            Some(Err(e)) => (None, Some(e)),
            None => (None, None),
        };
        let title = choose_title(
            fm.as_ref(),
            &parsed.headings,
            body_line,
            origin.rel,
            origin.repo,
        );
        let file = origin.rel.rsplit('/').next().unwrap_or(origin.rel);
        let stem = file.rsplit_once('.').map(|(s, _)| s).unwrap_or(file);

        let fm_kind = fm
            .as_ref()
            .and_then(|f| f.str("kind"))
            .map(str::to_ascii_lowercase);
        let kind = match origin.site {
            Some(_) if origin.rel == crate::source::CONTRACT_FILE => DocKind::Contract,
            Some(_) => DocKind::SiteDoc,
            None => {
                let named = stem.to_ascii_lowercase().ends_with("-pattern");
                let titled = title
                    .trim_start()
                    .to_ascii_lowercase()
                    .starts_with("pattern:")
                    || parsed
                        .headings
                        .iter()
                        .find(|h| h.level == 1)
                        .is_some_and(|h| h.text.to_ascii_lowercase().starts_with("pattern:"));
                match fm_kind.as_deref() {
                    Some("pattern") => DocKind::Pattern,
                    Some(_) => DocKind::Guide,
                    None if named || titled => DocKind::Pattern,
                    None => DocKind::Guide,
                }
            }
        };
        let pattern_id = (kind == DocKind::Pattern).then(|| stem.to_ascii_lowercase());

        let category = fm
            .as_ref()
            .and_then(|f| f.str("category"))
            .map(|c| c.trim_matches('/').to_string())
            .or_else(|| {
                if origin.site.is_some() {
                    return None;
                }
                let under = if origin.docs_dir.is_empty() {
                    Some(origin.rel)
                } else {
                    origin
                        .rel
                        .strip_prefix(origin.docs_dir.trim_matches('/'))
                        .and_then(|r| r.strip_prefix('/'))
                };
                under
                    .and_then(|r| r.rsplit_once('/'))
                    .map(|(dir, _)| dir.to_string())
            });
        let tags = fm.as_ref().map(|f| f.list("tags")).unwrap_or_default();
        let summary = fm
            .as_ref()
            .and_then(|f| f.str("summary").or_else(|| f.str("description")))
            .map(str::to_string);
        let declared_values = if kind == DocKind::Pattern {
            crate::values::declared(fm.as_ref())
        } else {
            Vec::new()
        };
        let values = if kind == DocKind::SiteDoc {
            let heading = |i: usize| {
                parsed
                    .sections
                    .get(i)
                    .and_then(|s| s.heading)
                    .map(|h| parsed.headings[h].text.as_str())
            };
            let mut values =
                crate::values::supplied(fm.as_ref(), &parsed.tables, &parsed.items, heading);
            // Front matter values: point at the line of their key.
            if let Some(fm) = &fm {
                // The first front matter line of each key, in one pass (linear in values).
                let mut key_lines: rustc_hash::FxHashMap<&str, u32> = Default::default();
                for (i, l) in contents.text.lines().take(fm.end_line as usize).enumerate() {
                    let l = l.trim_start().trim_start_matches(['"', '\'']);
                    if let Some(at) = l.find([':', '=']) {
                        let key = l[..at].trim_end().trim_end_matches(['"', '\'']);
                        key_lines.entry(key).or_insert(i as u32 + 1);
                    }
                }
                for v in values
                    .iter_mut()
                    .filter(|v| v.source == crate::values::ValueSource::FrontMatter)
                {
                    if let Some(&line) = key_lines.get(v.name.as_str()) {
                        v.line = line;
                    }
                }
            }
            values
        } else {
            Vec::new()
        };
        let doc = Doc {
            repo: origin.repo.to_string(),
            site: origin.site.map(str::to_string),
            path: origin.rel.to_string(),
            abs_path: origin.abs.to_path_buf(),
            kind,
            pattern_id,
            title,
            category,
            tags,
            summary,
            front_matter: fm,
            source: contents.text,
            body_line,
            headings: parsed.headings,
            sections: parsed.sections,
            blocks: parsed.blocks,
            links: parsed.links,
            tables: parsed.tables,
            items: parsed.items,
            text: parsed.text,
            line_map: parsed.line_map,
            declared_values,
            values,
            hash: contents.hash,
            bytes: contents.bytes,
            truncated: contents.truncated,
            anchors: std::sync::OnceLock::new(),
        };
        (doc, fm_error)
    }
}

#[cfg(test)]
mod build_tests {
    use super::*;

    fn build(site: Option<&str>, rel: &str, text: &str) -> Doc {
        crate::testkit::doc(site, rel, text)
    }

    #[test]
    fn many_values_build_in_linear_time() {
        // Every value used to be checked against every earlier one, and every front matter
        // value searched the front matter lines again: quadratic in the number of values.
        let n = 20_000;
        let mut src = String::from("---\nvalues:\n");
        for i in 0..n {
            src.push_str(&format!("  key{i}: v{i}\n"));
        }
        src.push_str("---\n# Site\n\n## Values\n\n| key | value |\n|---|---|\n");
        for i in 0..n {
            src.push_str(&format!("| row{i} | v{i} |\n"));
        }
        let started = std::time::Instant::now();
        let d = build(Some("wf"), "docs/values.md", &src);
        assert!(started.elapsed().as_secs() < 5, "{:?}", started.elapsed());
        assert_eq!(d.values.len(), 2 * n);
        let key7 = d.values.iter().find(|v| v.name == "key7").unwrap();
        assert_eq!(key7.line, 10);
        let p = build(None, "docs/ops/x-pattern.md", &src);
        assert_eq!(p.declared_values.len(), n);
    }

    #[test]
    fn anchors_of_headings_and_html() {
        let d = build(
            Some("cf"),
            "docs/a.md",
            "# Backup Cron\n\n## Steps\n\n## Steps\n\n<a name=\"old-name\"></a>\n<div id=\"Exact\"></div>\n<p data-id=\"\">\n",
        );
        for yes in [
            "backup-cron",
            "#steps",
            "STEPS-1",
            "Backup-Cron",
            "old-name",
            "Exact",
            "",
        ] {
            assert!(d.has_anchor(yes), "{yes:?}");
        }
        // HTML ids match exactly; an anchor never spans a quote.
        for no in ["steps-2", "exact", "old", "old-name\" x=\"", "nope"] {
            assert!(!d.has_anchor(no), "{no:?}");
        }
    }

    /// Found by fuzzing: every link to a section rescanned the whole doc, so rendering (and
    /// linting) a doc of many `[x](#a)` links took time quadratic in its size.
    #[test]
    fn anchor_lookups_do_not_rescan_the_doc() {
        let src = format!("## Top\n\n{}\n", "text ".repeat(200_000));
        let d = build(Some("cf"), "docs/big.md", &src);
        let start = std::time::Instant::now();
        for i in 0..100_000 {
            assert_eq!(
                d.has_anchor(if i % 2 == 0 { "top" } else { "nope" }),
                i % 2 == 0
            );
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(5),
            "100k anchor lookups in a 1 MB doc took {:?}",
            start.elapsed()
        );
    }

    #[test]
    fn classification() {
        let d = build(
            None,
            "docs/ops/backup/backup-cron-pattern.md",
            "# Backups\n",
        );
        assert_eq!(d.kind, DocKind::Pattern);
        assert_eq!(d.pattern_id.as_deref(), Some("backup-cron-pattern"));
        assert_eq!(d.category.as_deref(), Some("ops/backup"));
        let d = build(
            None,
            "docs/ops/users/offboarding.md",
            "[edit](x)\n\n# Pattern: User offboarding\n",
        );
        assert_eq!(d.kind, DocKind::Pattern);
        assert_eq!(d.pattern_id.as_deref(), Some("offboarding"));
        let d = build(
            None,
            "docs/ops/security/incident-response.md",
            "---\nkind: pattern\n---\n# IR\n",
        );
        assert_eq!(d.kind, DocKind::Pattern);
        let d = build(None, "docs/lan/README.md", "# LAN\n");
        assert_eq!(d.kind, DocKind::Guide);
        assert_eq!(d.category.as_deref(), Some("lan"));
        let d = build(Some("cf"), "docs/backup-pattern.md", "# x\n");
        assert_eq!(d.kind, DocKind::SiteDoc);
        let d = build(Some("cf"), ".wip-contract.md", "# c\n");
        assert_eq!(d.kind, DocKind::Contract);
    }
}

#[cfg(test)]
mod invariant_tests {
    use super::*;

    /// Random documents stitched from tricky fragments: every position the parser reports
    /// must exist in the file, and nothing may panic.
    #[test]
    fn random_documents_keep_positions_inside_the_file() {
        const FRAGMENTS: &[&str] = &[
            "# Title\n",
            "## Sub *emph* `code`\n",
            "Setext\n===\n",
            "para text with [link](../x.md#a) and https://bare.example/x.\n",
            "\n",
            "- item\n  - nested [l](y)\n",
            "1. step\n2. step\n",
            "```sh\necho $HOME\n",
            "```\n",
            "    indented code\n",
            "| a | b |\n|---|---|\n| 1 | 2 |\n",
            "<details><summary>x</summary>\n",
            "</details>\n",
            "> quote\n> more\n",
            "---\n",
            "+++\n",
            "title: x\n",
            "![img](a.png)\n",
            "[ref]: https://ref.example\n",
            "[ref]\n",
            "Ünïcödé 🚀 text\n",
            "<a href=\"javascript:alert(1)\">x</a>\n",
            "\t\ttabs\n",
            "***\n",
            "[^1]\n\n[^1]: note\n",
            "<!-- comment -->\n",
            "\u{feff}",
        ];
        let mut seed: u64 = 0x5eed;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..3000 {
            let n = (next() % 25) as usize;
            let mut src = String::new();
            for _ in 0..n {
                src.push_str(FRAGMENTS[(next() % FRAGMENTS.len() as u64) as usize]);
            }
            let f = parse_source(&src);
            let lines = src.lines().count().max(1) as u32 + 1;
            let p = &f.parsed;
            for h in &p.headings {
                assert!(h.line >= 1 && h.line <= lines, "{src:?}");
            }
            for b in &p.blocks {
                assert!(
                    b.start_line <= b.end_line && b.end_line <= lines,
                    "{src:?} {b:?}"
                );
                assert!(p.text.get(b.text.clone()).is_some(), "{src:?}");
            }
            for s in &p.sections {
                assert!(
                    s.start_line <= s.end_line && s.end_line <= lines,
                    "{src:?} {s:?}"
                );
                assert!(p.text.get(s.text.clone()).is_some(), "{src:?}");
            }
            for l in &p.links {
                assert!(l.line >= 1 && l.line <= lines, "{src:?} {l:?}");
            }
            for i in 0..p.text.len() {
                assert!(p.line_map.line_at(i) <= lines);
            }
        }
    }
}
