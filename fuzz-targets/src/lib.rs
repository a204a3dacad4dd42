//! Fuzz targets: one function per parser that reads untrusted input (front matter, markdown →
//! doc model, rendering to HTML, contracts, references, search queries, `netstack.toml`),
//! shared by the cargo-fuzz driver in `fuzz/` and the stable harness (`tests/harness.rs`) that
//! `cargo test` runs, so both drivers exercise exactly the same code. See `FUZZING.md`.
//!
//! Every target takes raw bytes (decoded lossily, as the loader decodes files), must never
//! panic, and returns the *work* it produced: the size of the model, HTML, hits or message it
//! built. The harness bounds that work, the time and the peak allocation by a linear function
//! of the input size.

mod fixture;
mod known_open;

use std::path::Path;

use docengine::contract::{self, ContractStatus};
use docengine::doc::{Contents, Origin};
use docengine::front_matter;
use docengine::{Doc, DocKind, Severity};
use serde_json::Value;

pub use fixture::cleanup;
pub use known_open::{KNOWN_OPEN, KnownOpen, known_open};

/// One fuzz target. The corpus of a target lives in `fuzz/corpus/<name>/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    /// `front_matter::split`: YAML / TOML front matter.
    FrontMatter,
    /// `Doc::build`: markdown → the doc model, as a pattern and as a site doc.
    Doc,
    /// `render::render_doc` on a doc of a real KB after a live-reload refresh, plus
    /// `markdown_to_html` and `prose_html`.
    Render,
    /// `contract::parse` on a `.wip-contract.md`.
    Contract,
    /// `refs::extract` (references in a doc) and `KnowledgeBase::resolve_link` (every line
    /// as a link target).
    Refs,
    /// `SearchIndex::search`: query text plus `offset=`, `limit=`, `kind=`, `site=`,
    /// `category=`, `tag=` lines, as the CLI and `/api/search` pass them.
    Query,
    /// `Config::parse`: `netstack.toml`.
    Config,
}

impl Target {
    pub const ALL: [Target; 7] = [
        Target::FrontMatter,
        Target::Doc,
        Target::Render,
        Target::Contract,
        Target::Refs,
        Target::Query,
        Target::Config,
    ];

    /// The name of the cargo-fuzz target and of its corpus folder.
    pub fn name(self) -> &'static str {
        match self {
            Target::FrontMatter => "front_matter",
            Target::Doc => "doc",
            Target::Render => "render",
            Target::Contract => "contract",
            Target::Refs => "refs",
            Target::Query => "query",
            Target::Config => "config",
        }
    }

    pub fn from_name(name: &str) -> Option<Target> {
        Target::ALL.into_iter().find(|t| t.name() == name)
    }
}

/// Run `target` on `data`: the one entry point of both drivers. Returns the work done, or
/// `None` when `data` is a [`KNOWN_OPEN`] case (skipped until its fix is merged).
pub fn run(target: Target, data: &[u8]) -> Option<usize> {
    if known_open(target, data).is_some() {
        return None;
    }
    Some(match target {
        Target::FrontMatter => front_matter(data),
        Target::Doc => doc(data),
        Target::Render => render(data),
        Target::Contract => contract(data),
        Target::Refs => refs(data),
        Target::Query => query(data),
        Target::Config => config(data),
    })
}

/// Build the shared fixture (a copy of `content/` loaded as a KB, with its search index) and
/// run every target once on a small input, so one-time costs (loading, compiling regexes)
/// are not charged to the first fuzz input.
pub fn warm_up() {
    let sample = b"---\ntitle: t\nfollows: [backup-pattern]\n---\n# T\n\nPer the backup pattern, see [b](../x.md#a) <https://netstack.org/ops/>.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n- contact: ops@example.org\n";
    for t in Target::ALL {
        run(t, sample);
    }
}

fn text(data: &[u8]) -> String {
    String::from_utf8_lossy(data).into_owned()
}

fn contents(text: &str) -> Contents {
    Contents {
        text: text.to_string(),
        hash: 0,
        bytes: text.len() as u64,
        truncated: false,
    }
}

/// Size of a JSON-like value, walked without recursion (nesting depth is attacker-chosen).
fn value_size(v: &Value) -> usize {
    let mut stack = vec![v];
    let mut size = 0;
    while let Some(v) = stack.pop() {
        size += 1;
        match v {
            Value::String(s) => size += s.len(),
            Value::Array(items) => stack.extend(items),
            Value::Object(map) => {
                for (k, v) in map {
                    size += k.len();
                    stack.push(v);
                }
            }
            _ => {}
        }
    }
    size
}

/// Front matter: split, parse, and read keys the way docs use them.
pub fn front_matter(data: &[u8]) -> usize {
    let text = text(data);
    let split = front_matter::split(&text);
    assert!(
        text.is_char_boundary(split.body_offset),
        "body offset {} is not a char boundary",
        split.body_offset
    );
    // YAML also breaks lines at a lone `\r` (found by fuzzing: an error line then counts
    // those, beyond the file's `\n` lines; reported, not yet fixed).
    let lines = (text.lines().count() + text.matches('\r').count()) as u32 + 1;
    match split.front_matter {
        None => 0,
        Some(Err(e)) => {
            assert!(
                (1..=lines).contains(&e.line),
                "error line {} outside the file",
                e.line
            );
            e.message.len()
        }
        Some(Ok(fm)) => {
            for key in ["title", "kind", "tags", "category", "summary", "follows"] {
                let _ = fm.str(key);
                let _ = fm.list(key);
            }
            fm.data.iter().map(|(k, v)| k.len() + value_size(v)).sum()
        }
    }
}

fn build(text: &str, repo: &str, site: Option<&str>, rel: &str) -> Doc {
    let abs = Path::new("/fuzz").join(rel);
    let origin = Origin {
        repo,
        site,
        rel,
        abs: &abs,
        docs_dir: "docs",
    };
    Doc::build(origin, contents(text)).0
}

/// Everything the doc model holds, touched through its public accessors.
fn doc_size(doc: &Doc) -> usize {
    let mut size = doc.text.len() + doc.title.len() + doc.summary.as_ref().map_or(0, |s| s.len());
    for (i, _) in doc.sections.iter().enumerate() {
        size += doc.section_text(i).len() + 8;
        let _ = doc.section_heading(i);
    }
    for b in &doc.blocks {
        size += doc.block_text(b).len() + 8;
    }
    for h in &doc.headings {
        size += h.text.len() + h.anchor.len();
    }
    // Lookups cost O(doc) each: a few, so the target itself stays linear.
    for h in doc.headings.iter().take(8) {
        let _ = doc.section_at_line(h.line);
        let _ = doc.has_anchor(&h.anchor);
    }
    for l in &doc.links {
        size += l.target.len() + l.text.len();
    }
    for t in &doc.tables {
        size += t.header.iter().map(String::len).sum::<usize>();
        size += t
            .rows
            .iter()
            .flat_map(|(_, cells)| cells)
            .map(String::len)
            .sum::<usize>();
    }
    size += doc.items.iter().map(|i| i.text.len() + 8).sum::<usize>();
    size += doc.tags.iter().map(String::len).sum::<usize>();
    size += doc.values.len() * 16 + doc.declared_values.len() * 16;
    let lines = doc.line_count();
    size += doc.source_lines(1, lines).len();
    let _ = doc.line_map.line_at(doc.text.len());
    let _ = doc.body();
    size
}

/// Markdown → the doc model, as a pattern of the pattern repo and as a site doc.
pub fn doc(data: &[u8]) -> usize {
    let text = text(data);
    let pattern = build(&text, "netstack", None, "docs/ops/fuzz/fuzz-pattern.md");
    let site = build(&text, "cf", Some("cf"), "docs/fuzz.md");
    doc_size(&pattern) + doc_size(&site)
}

/// A site's `.wip-contract.md`, free form or structured.
pub fn contract(data: &[u8]) -> usize {
    let text = text(data);
    let doc = build(&text, "cf", Some("cf"), docengine::source::CONTRACT_FILE);
    assert_eq!(doc.kind, DocKind::Contract);
    match contract::parse(&doc) {
        Ok(c) => {
            let status = ContractStatus::Valid(c);
            let c = status.contract().expect("a valid contract");
            let mut size = c.contacts.len() + c.routes.len() + c.default.len();
            for severity in [Severity::Info, Severity::Warning, Severity::Error] {
                for category in [None, Some("ops"), Some("ops/backup")] {
                    let _ = c.route_index(category, severity);
                    size += c.route(category, severity).len();
                }
            }
            size + c.default_contacts().len()
        }
        Err(e) => e.message.len(),
    }
}

/// Rendering: the input becomes `cf/docs/fuzz.md` of a real KB (a copy of `content/`),
/// reloaded the way live reload does, then rendered.
pub fn render(data: &[u8]) -> usize {
    let text = text(data);
    let mut size = 0;
    fixture::with_doc(&text, |kb, id| {
        let r = docengine::render::render_doc(kb, id);
        size += r.html.len();
        size += r.toc.iter().map(|t| t.text.len()).sum::<usize>();
        size += r.broken.iter().map(|b| b.target.len()).sum::<usize>();
    });
    size += docengine::render::markdown_to_html(&text).len();
    size + docengine::render::prose_html(&text, true).len()
}

/// References: those a site doc makes to the pattern repo, and every line of the input
/// resolved as a link target from a site doc.
pub fn refs(data: &[u8]) -> usize {
    let text = text(data);
    let fx = fixture::get();
    let kb = &fx.kb;
    let doc = build(&text, "cf", Some("cf"), "docs/fuzz.md");
    let ctx = docengine::refs::RefContext::new(
        &kb.config.patterns.publication,
        &kb.config.patterns.path,
        &fx.known_ids,
    );
    let mut size = 0;
    for c in docengine::refs::extract(&doc, &ctx) {
        size += c.raw.len() + c.anchor.map_or(0, |a| a.len());
    }
    let from = fx.fuzz_doc;
    for target in text
        .lines()
        .chain(doc.links.iter().map(|l| l.target.as_str()))
    {
        let resolved = kb.resolve_link(from, target);
        size += docengine::routes::link_url(kb, &resolved).map_or(0, |u| u.len());
        let _ = kb.config.patterns.publication.classify(target);
    }
    size
}

/// A search as `/api/search` and `netstack search` run it.
pub fn query(data: &[u8]) -> usize {
    let q = search_query(&text(data));
    let fx = fixture::get();
    match fx.index().search(&fx.kb, &q) {
        Ok(r) => {
            assert!(
                r.hits.len() <= q.limit,
                "{} hits for limit {}",
                r.hits.len(),
                q.limit
            );
            serde_json::to_string(&r).map_or(0, |s| s.len())
        }
        // The index is sound: "damaged" here means a panic inside the search was caught.
        Err(docengine::Error::Index { message, .. }) => {
            panic!("a search of a sound index failed as if it were damaged: {message}")
        }
        Err(e) => e.to_string().len(),
    }
}

/// The search query a fuzz input describes: `offset=`, `limit=`, `kind=`, `site=`,
/// `category=` and `tag=` lines set those fields (numbers as the interfaces parse them);
/// every other line is query text.
pub fn search_query(text: &str) -> docengine::SearchQuery {
    let mut q = docengine::SearchQuery::default();
    let mut words = Vec::new();
    for line in text.split('\n') {
        match line.split_once('=') {
            Some(("offset", v)) => q.offset = v.trim().parse().unwrap_or(q.offset),
            Some(("limit", v)) => q.limit = v.trim().parse().unwrap_or(q.limit),
            Some(("kind", v)) => q.kinds.extend(DocKind::parse(v.trim())),
            Some(("site", v)) => q.sites.push(v.trim().to_string()),
            Some(("category", v)) => q.categories.push(v.trim().to_string()),
            Some(("tag", v)) => q.tags.push(v.trim().to_string()),
            _ => words.push(line),
        }
    }
    q.text = words.join("\n");
    q
}

/// `netstack.toml`, with paths relative to a copy of `content/`.
pub fn config(data: &[u8]) -> usize {
    let text = text(data);
    let root = &fixture::get().root;
    match docengine::Config::parse(&text, &root.join("netstack.toml"), root) {
        Ok(c) => {
            let mut size = c.patterns.name.len() + c.patterns.docs_dir.len();
            for s in &c.sites {
                size += s.name.len() + s.title.as_ref().map_or(0, |t| t.len());
                let _ = c.display_path(&s.path);
            }
            size
        }
        Err(e) => e.to_string().len(),
    }
}
