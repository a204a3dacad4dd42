//! Rendering a doc's markdown to HTML for the browsable KB: heading anchors that match
//! [`Doc::headings`] (GitHub slugs), a table of contents, links rewritten to in-app routes
//! (published URLs, forge URLs and relative paths alike), links to missing pages and anchors
//! visibly marked, and the result sanitized: docs from site repos are untrusted, so raw HTML
//! loses scripts, event handlers, styles and `javascript:` URLs.

use std::sync::LazyLock;

use pulldown_cmark::{CowStr, Event, LinkType, Options, Parser, Tag, TagEnd};
use regex::Regex;
use serde::Serialize;

use crate::doc::Doc;
use crate::kb::{DocId, KnowledgeBase, LinkTarget};
use crate::routes;

/// One entry of a table of contents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TocEntry {
    pub level: u8,
    pub text: String,
    pub anchor: String,
}

/// A link that leads nowhere.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BrokenLink {
    /// 1-based line of the file.
    pub line: u32,
    /// The link as written.
    pub target: String,
    /// Why it is broken, for people.
    pub reason: String,
}

/// A rendered doc.
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    /// Sanitized HTML of the body (front matter left out).
    pub html: String,
    /// Level 2 and 3 headings, in order.
    pub toc: Vec<TocEntry>,
    /// Links to missing docs, files or anchors, in order.
    pub broken: Vec<BrokenLink>,
    /// The body has its own level-1 heading (so the page need not print the title).
    pub has_h1: bool,
    /// When the body starts with a level-1 heading: its sanitized inner HTML and anchor,
    /// left out of [`Rendered::html`] so the page can show it as the title.
    pub lead_title: Option<(String, String)>,
}

/// CSS classes the renderer puts on elements; everything else is stripped from doc HTML.
pub mod class {
    /// A link to a doc, file or folder that does not exist.
    pub const MISSING: &str = "ns-missing";
    /// A link to a doc that exists, to an anchor that does not.
    pub const BAD_ANCHOR: &str = "ns-bad-anchor";
    /// A link to another web site.
    pub const EXTERNAL: &str = "ns-ext";
    /// A link into the KB.
    pub const INTERNAL: &str = "ns-int";
    /// The `#` link beside a heading.
    pub const ANCHOR: &str = "ns-anchor";
    /// The scroll wrapper around a table.
    pub const TABLE: &str = "ns-table";
    /// A task list checkbox (`- [x]`).
    pub const TASK: &str = "ns-task";
    pub const TASK_DONE: &str = "ns-task-done";
    /// An image from another web site, shown as a link (the page loads nothing external).
    pub const EXTERNAL_IMAGE: &str = "ns-ext-img";

    pub(crate) const ALL: &[&str] = &[
        MISSING,
        BAD_ANCHOR,
        EXTERNAL,
        INTERNAL,
        ANCHOR,
        TABLE,
        TASK,
        TASK_DONE,
        EXTERNAL_IMAGE,
        "footnote-definition",
        "footnote-definition-label",
        "footnote-reference",
    ];
}

const OPTIONS: Options = Options::ENABLE_TABLES
    .union(Options::ENABLE_FOOTNOTES)
    .union(Options::ENABLE_STRIKETHROUGH)
    .union(Options::ENABLE_TASKLISTS)
    .union(Options::ENABLE_HEADING_ATTRIBUTES)
    .union(Options::ENABLE_GFM);

static BARE_URL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"https?://[^\s<>()\[\]"'`]+"#).unwrap());
/// Byte ranges of the bare http(s) URLs in `text`, without trailing punctuation.
fn bare_urls(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    BARE_URL.find_iter(text).map(|m| {
        let url = m
            .as_str()
            .trim_end_matches(['.', ',', ';', ':', '!', '?', '*', '_']);
        (m.start(), m.start() + url.len())
    })
}

static HTML_URL_ATTR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)(\s(?:href|src)\s*=\s*)(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))"#).unwrap()
});

static CLEANER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut b = ammonia::Builder::default();
    b.add_tags(["kbd", "details", "summary", "mark", "picture", "figure"])
        .add_tag_attributes("h1", ["id"])
        .add_tag_attributes("h2", ["id"])
        .add_tag_attributes("h3", ["id"])
        .add_tag_attributes("h4", ["id"])
        .add_tag_attributes("h5", ["id"])
        .add_tag_attributes("h6", ["id"])
        .add_tag_attributes("div", ["id", "tabindex", "role", "aria-label"])
        .add_tag_attributes("sup", ["id"])
        .add_tag_attributes("li", ["id"])
        .add_tag_attributes("a", ["id", "name", "aria-label"])
        .add_tag_attributes("img", ["title", "loading"])
        .add_tag_attributes("details", ["open"])
        .add_generic_attributes(["class"])
        .strip_comments(true)
        .link_rel(Some("noopener noreferrer"))
        .attribute_filter(|element, attribute, value| {
            // A div may be a focusable region (the table wrapper), and nothing more.
            match (element, attribute) {
                ("div", "tabindex") => return (value == "0").then(|| value.into()),
                ("div", "role") => return (value == "region").then(|| value.into()),
                (_, "class") => {}
                _ => return Some(value.into()),
            }
            let kept: Vec<&str> = value
                .split_whitespace()
                .filter(|c| {
                    class::ALL.contains(c)
                        || c.strip_prefix("language-").is_some_and(|l| {
                            !l.is_empty()
                                && l.len() <= 32
                                && l.chars()
                                    .all(|ch| ch.is_ascii_alphanumeric() || "+#-_.".contains(ch))
                        })
                })
                .collect();
            (!kept.is_empty()).then(|| kept.join(" ").into())
        });
    b
});

/// Sanitize HTML from an untrusted source (doc HTML after rendering). Code blocks scroll
/// sideways, so every `<pre>` becomes a named keyboard region. The attributes are written
/// here, after ammonia (which keeps no `pre` attribute of a doc's own but `class`), in a fixed
/// order: ammonia's own attribute setting iterates a hash map, so pages would differ from one
/// process to the next. In sanitized HTML `<pre` only ever starts a tag (text is escaped).
pub fn sanitize(html: &str) -> String {
    const PRE: &str = "<pre tabindex=\"0\" role=\"region\" aria-label=\"Code\"";
    CLEANER
        .clean(html)
        .to_string()
        .replace("<pre ", &format!("{PRE} "))
        .replace("<pre>", &format!("{PRE}>"))
}

/// Short prose (a message, a fix, a note) as HTML: escaped, `code spans` as `<code>` (a run
/// of backticks pairs with the next run of the same length, as in markdown, so a ```` ``` ````
/// fence or an unpaired backtick stays as written and never becomes an empty `<code>`), and
/// with `link_urls` http(s) URLs as links.
pub fn prose_html(text: &str, link_urls: bool) -> String {
    // Backtick runs: (start, len).
    let mut runs: Vec<(usize, usize)> = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'`' {
            let start = i;
            while i < bytes.len() && bytes[i] == b'`' {
                i += 1;
            }
            runs.push((start, i - start));
        } else {
            i += 1;
        }
    }
    // Pair each run with the next one of the same length (linear: runs by length, in order).
    let mut by_len: rustc_hash::FxHashMap<usize, std::collections::VecDeque<usize>> =
        Default::default();
    for (k, &(_, len)) in runs.iter().enumerate() {
        by_len.entry(len).or_default().push_back(k);
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut last = 0;
    let mut k = 0;
    while k < runs.len() {
        let (start, len) = runs[k];
        let queue = by_len.get_mut(&len).expect("every run is queued");
        while queue.front().is_some_and(|&q| q <= k) {
            queue.pop_front();
        }
        let Some(&close) = queue.front() else {
            k += 1;
            continue;
        };
        let inner = &text[start + len..runs[close].0];
        if len >= 3 && inner.trim().is_empty() {
            // ```` ``` ```` fences around nothing: not code.
            k += 1;
            continue;
        }
        push_prose(&mut out, &text[last..start], link_urls);
        let code = if inner.starts_with(' ') && inner.ends_with(' ') && inner.trim() != "" {
            &inner[1..inner.len() - 1]
        } else {
            inner
        };
        out.push_str("<code>");
        out.push_str(&escape(code));
        out.push_str("</code>");
        last = runs[close].0 + len;
        k = close + 1;
    }
    push_prose(&mut out, &text[last..], link_urls);
    out
}

/// Escaped text with, if `link_urls`, its http(s) URLs as links.
fn push_prose(out: &mut String, part: &str, link_urls: bool) {
    let mut last = 0;
    if link_urls {
        for (start, end) in bare_urls(part) {
            out.push_str(&escape(&part[last..start]));
            let url = escape(&part[start..end]);
            out.push_str(&format!("<a href=\"{url}\">{url}</a>"));
            last = end;
        }
    }
    out.push_str(&escape(&part[last..]));
}

/// Escape text for HTML (element content and quoted attribute values).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Render plain markdown (no KB, no link rewriting) to sanitized HTML, e.g. for previews.
pub fn markdown_to_html(md: &str) -> String {
    let mut out = String::new();
    pulldown_cmark::html::push_html(&mut out, events(md).map(|(e, _)| e));
    sanitize(&out)
}

/// The markdown events of `md`, with their byte ranges, nesting bounded by [`Bounded`].
fn events(
    md: &str,
) -> Bounded<'_, pulldown_cmark::OffsetIter<'_, pulldown_cmark::DefaultBrokenLinkCallback>> {
    Bounded::new(Parser::new_ext(md, OPTIONS).into_offset_iter())
}

/// How one open markdown tag went through [`Bounded`].
#[derive(Clone, Copy)]
enum Open {
    Kept { nests: bool },
    Flattened,
}

/// Bounds the nesting of a markdown event stream so rendering and sanitizing stay linear:
/// containers deeper than [`limits::MAX_MARKDOWN_NESTING`] lose their start and end (their
/// content joins the parent; a flattened list item starts on a new line), and raw HTML that
/// would hold more than [`limits::MAX_RAW_HTML_NESTING`] elements open is shown as text.
///
/// [`limits::MAX_MARKDOWN_NESTING`]: crate::limits::MAX_MARKDOWN_NESTING
/// [`limits::MAX_RAW_HTML_NESTING`]: crate::limits::MAX_RAW_HTML_NESTING
struct Bounded<'a, I: Iterator<Item = (Event<'a>, std::ops::Range<usize>)>> {
    inner: I,
    open: Vec<Open>,
    depth: usize,
    raw_depth: usize,
}

impl<'a, I: Iterator<Item = (Event<'a>, std::ops::Range<usize>)>> Bounded<'a, I> {
    fn new(inner: I) -> Self {
        Bounded {
            inner,
            open: Vec::new(),
            depth: 0,
            raw_depth: 0,
        }
    }
}

/// Tags that can hold themselves, so a short input can nest them deeply.
fn nests(tag: &Tag) -> bool {
    matches!(
        tag,
        Tag::BlockQuote(_)
            | Tag::List(_)
            | Tag::Item
            | Tag::FootnoteDefinition(_)
            | Tag::DefinitionList
            | Tag::DefinitionListTitle
            | Tag::DefinitionListDefinition
            | Tag::Emphasis
            | Tag::Strong
            | Tag::Strikethrough
            | Tag::Superscript
            | Tag::Subscript
    )
}

static HTML_TAG: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"<(/?)([A-Za-z][A-Za-z0-9-]*)[^<>]*?(/?)>").unwrap());

/// Elements the HTML parser never holds open (void) or closes on the next one of their kind.
const NOT_NESTING: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr", "p", "li", "dt", "dd", "option", "optgroup", "rb", "rp", "rt", "rtc", "tr",
    "td", "th", "tbody", "thead", "tfoot",
];

/// Start tags and end tags of elements that nest, in a piece of raw HTML.
fn html_nesting(html: &str) -> (usize, usize) {
    let (mut opens, mut closes) = (0, 0);
    for c in HTML_TAG.captures_iter(html) {
        let name = c[2].to_ascii_lowercase();
        if NOT_NESTING.contains(&name.as_str()) {
            continue;
        }
        if !c[1].is_empty() {
            closes += 1;
        } else if c[3].is_empty() {
            opens += 1;
        }
    }
    (opens, closes)
}

impl<'a, I: Iterator<Item = (Event<'a>, std::ops::Range<usize>)>> Iterator for Bounded<'a, I> {
    type Item = (Event<'a>, std::ops::Range<usize>);

    fn next(&mut self) -> Option<Self::Item> {
        use crate::limits::{MAX_MARKDOWN_NESTING, MAX_RAW_HTML_NESTING};
        loop {
            let (event, range) = self.inner.next()?;
            match event {
                Event::Start(tag) => {
                    if !nests(&tag) {
                        self.open.push(Open::Kept { nests: false });
                    } else if self.depth >= MAX_MARKDOWN_NESTING {
                        self.open.push(Open::Flattened);
                        if matches!(tag, Tag::Item) {
                            return Some((Event::HardBreak, range));
                        }
                        continue;
                    } else {
                        self.depth += 1;
                        self.open.push(Open::Kept { nests: true });
                    }
                    return Some((Event::Start(tag), range));
                }
                Event::End(tag) => {
                    match self.open.pop() {
                        Some(Open::Flattened) => continue,
                        Some(Open::Kept { nests: true }) => self.depth -= 1,
                        _ => {}
                    }
                    return Some((Event::End(tag), range));
                }
                Event::Html(h) | Event::InlineHtml(h)
                    if {
                        let (opens, closes) = html_nesting(&h);
                        let over = self.raw_depth + opens > MAX_RAW_HTML_NESTING;
                        if !over {
                            self.raw_depth = (self.raw_depth + opens).saturating_sub(closes);
                        }
                        over
                    } =>
                {
                    return Some((Event::Text(h), range));
                }
                other => return Some((other, range)),
            }
        }
    }
}

/// How a link written in a doc is shown.
struct Shown {
    href: String,
    class: &'static str,
    tip: Option<String>,
    broken: Option<String>,
}

/// Where a doc's links may lead: to the server's search page (`serve`), or only to files
/// (`netstack build`): a broken link or an unknown pattern is then marked but leads nowhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Links {
    Server,
    Static,
}

impl Links {
    /// The search for what a broken link wanted (`None` without a server: no link at all).
    fn search(self, wanted: &str) -> Option<String> {
        (self == Links::Server).then(|| search_url(wanted))
    }

    /// What a reader can do about a missing target.
    fn hint(self) -> &'static str {
        match self {
            Links::Server => " Click to search for it.",
            Links::Static => "",
        }
    }
}

fn search_url(wanted: &str) -> String {
    let last = wanted
        .trim_end_matches('/')
        .rsplit(['/', '#'])
        .next()
        .unwrap_or(wanted);
    let stem = last
        .strip_suffix(".md")
        .or_else(|| last.strip_suffix(".markdown"))
        .unwrap_or(last);
    let words = stem.replace(['-', '_', '.'], " ");
    format!("/search?q={}", routes::encode_query(words.trim()))
}

fn show_link(
    kb: &KnowledgeBase,
    links: Links,
    from: DocId,
    target: &str,
    link_type: LinkType,
) -> Shown {
    if link_type == LinkType::Email {
        return Shown {
            href: format!("mailto:{target}"),
            class: class::EXTERNAL,
            tip: None,
            broken: None,
        };
    }
    let resolved = kb.resolve_link(from, target);
    match &resolved {
        LinkTarget::External => Shown {
            href: target.to_string(),
            class: class::EXTERNAL,
            tip: None,
            broken: None,
        },
        LinkTarget::Missing { wanted } => {
            let reason = format!("{wanted} does not exist in the knowledge base");
            Shown {
                href: links.search(wanted).unwrap_or_default(),
                class: class::MISSING,
                tip: Some(format!("Broken link: {reason}.{}", links.hint())),
                broken: Some(reason),
            }
        }
        LinkTarget::Doc {
            id,
            anchor: Some(a),
            anchor_ok: false,
        } => {
            let reason = format!("{} has no section #{a}", kb.doc(*id).path);
            Shown {
                href: routes::link_url(kb, &resolved).unwrap_or_default(),
                class: class::BAD_ANCHOR,
                tip: Some(format!("Broken anchor: {reason}")),
                broken: Some(reason),
            }
        }
        LinkTarget::SameDoc { anchor, ok: false } => {
            let reason = format!("this page has no section #{anchor}");
            Shown {
                href: routes::link_url(kb, &resolved).unwrap_or_default(),
                class: class::BAD_ANCHOR,
                tip: Some(format!("Broken anchor: {reason}")),
                broken: Some(reason),
            }
        }
        LinkTarget::Doc { id, .. } => Shown {
            href: routes::link_url(kb, &resolved).unwrap_or_default(),
            class: class::INTERNAL,
            tip: Some(kb.doc(*id).title.clone()),
            broken: None,
        },
        _ => Shown {
            href: routes::link_url(kb, &resolved).unwrap_or_default(),
            class: class::INTERNAL,
            tip: None,
            broken: None,
        },
    }
}

/// The opening tag of a link; without an `href` when it leads nowhere (a static build's
/// broken link: marked, not a link to a missing file).
fn open_a(s: &Shown) -> String {
    let mut a = if s.href.is_empty() && s.class == class::MISSING {
        format!("<a class=\"{}\"", s.class)
    } else {
        format!("<a href=\"{}\" class=\"{}\"", escape(&s.href), s.class)
    };
    if let Some(t) = &s.tip {
        a.push_str(&format!(" title=\"{}\"", escape(t)));
    }
    a.push('>');
    a
}

struct Lines {
    starts: Vec<usize>,
    first: u32,
}

impl Lines {
    fn new(body: &str, first: u32) -> Self {
        let mut starts = vec![0];
        starts.extend(body.match_indices('\n').map(|(i, _)| i + 1));
        Lines { starts, first }
    }
    fn at(&self, offset: usize) -> u32 {
        self.first + self.starts.partition_point(|&s| s <= offset) as u32 - 1
    }
}

/// Render one doc of the KB for the server.
pub fn render_doc(kb: &KnowledgeBase, id: DocId) -> Rendered {
    render_doc_for(kb, id, Links::Server)
}

/// Render one doc of the KB, its links leading where `links` allows.
pub fn render_doc_for(kb: &KnowledgeBase, id: DocId, links: Links) -> Rendered {
    let doc: &Doc = kb.doc(id);
    let body = doc.body();
    let lines = Lines::new(body, doc.body_line.max(1));
    let mut out: Vec<Event> = Vec::new();
    let mut broken = Vec::new();
    let mut heading_no = 0usize;
    let mut anchors: Vec<String> = Vec::new();
    // Open links: did we replace the opening tag?
    let mut in_link = 0usize;
    let mut in_code = false;
    // An image being collected: shown link, title, alt text, nesting depth.
    let mut image: Option<(Shown, String, String, usize)> = None;
    // The leading level-1 heading: where its events start in `out`, and whether it is open.
    let mut lead: Option<(usize, bool)> = None;
    let mut lead_events: Vec<Event> = Vec::new();
    let mut first = true;
    // Sorted by line, so each text run finds its own in O(log n) (linear rendering).
    let mut mentions: Vec<Mention> = kb
        .references_from(id)
        .filter(|r| r.form == crate::refs::RefForm::Prose)
        .map(|r| Mention {
            line: r.line,
            raw: r.raw.clone(),
            target: r.doc(),
        })
        .collect();
    mentions.sort_by_key(|m| m.line);

    for (event, range) in events(body) {
        if first {
            first = false;
            if matches!(
                event,
                Event::Start(Tag::Heading {
                    level: pulldown_cmark::HeadingLevel::H1,
                    ..
                })
            ) {
                lead = Some((out.len(), true));
            }
        }
        if let Some((start, true)) = lead
            && matches!(event, Event::End(TagEnd::Heading(_)))
            && anchors.len() == 1
        {
            // Keep the heading's inline content only (no `<h1>` and no `#` link).
            lead_events = out.split_off(start + 1);
            anchors.pop();
            lead = Some((start, false));
            out.truncate(start);
            continue;
        }
        if let Some((_, _, alt, depth)) = image.as_mut() {
            match &event {
                Event::Start(Tag::Image { .. }) => *depth += 1,
                Event::End(TagEnd::Image) if *depth > 0 => *depth -= 1,
                Event::End(TagEnd::Image) => {
                    let (shown, title, alt, _) = image.take().unwrap();
                    out.push(Event::InlineHtml(image_html(&shown, &title, &alt).into()));
                }
                Event::Text(t) | Event::Code(t) => alt.push_str(t),
                _ => {}
            }
            continue;
        }
        match event {
            Event::Start(Tag::Heading {
                level,
                id: _,
                classes: _,
                attrs: _,
            }) => {
                let anchor = doc
                    .headings
                    .get(heading_no)
                    .map(|h| h.anchor.clone())
                    .unwrap_or_else(|| format!("section-{heading_no}"));
                heading_no += 1;
                anchors.push(anchor.clone());
                out.push(Event::Start(Tag::Heading {
                    level,
                    id: Some(CowStr::from(anchor)),
                    classes: Vec::new(),
                    attrs: Vec::new(),
                }));
            }
            Event::End(TagEnd::Heading(level)) => {
                if let Some(a) = anchors.pop() {
                    let a = escape(&a);
                    out.push(Event::InlineHtml(
                        format!(
                            " <a class=\"{}\" href=\"#{a}\" aria-label=\"Link to this section\">#</a>",
                            class::ANCHOR
                        )
                        .into(),
                    ));
                }
                out.push(Event::End(TagEnd::Heading(level)));
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                ..
            }) => {
                let mut shown = show_link(kb, links, id, &dest_url, link_type);
                // The author's title wins; a broken link still says why.
                if !title.trim().is_empty() {
                    shown.tip = Some(match (&shown.broken, shown.tip.take()) {
                        (Some(_), Some(tip)) => format!("{title} ({tip})"),
                        _ => title.to_string(),
                    });
                }
                if let Some(reason) = &shown.broken {
                    broken.push(BrokenLink {
                        line: lines.at(range.start),
                        target: dest_url.to_string(),
                        reason: reason.clone(),
                    });
                }
                in_link += 1;
                out.push(Event::InlineHtml(open_a(&shown).into()));
            }
            Event::End(TagEnd::Link) => {
                in_link = in_link.saturating_sub(1);
                out.push(Event::InlineHtml("</a>".into()));
            }
            Event::Start(Tag::Image {
                dest_url, title, ..
            }) => {
                let shown = show_link(kb, links, id, &dest_url, LinkType::Inline);
                if let Some(reason) = &shown.broken {
                    broken.push(BrokenLink {
                        line: lines.at(range.start),
                        target: dest_url.to_string(),
                        reason: reason.clone(),
                    });
                }
                image = Some((shown, title.to_string(), String::new(), 0));
            }
            Event::Start(Tag::CodeBlock(k)) => {
                in_code = true;
                out.push(Event::Start(Tag::CodeBlock(k)));
            }
            Event::End(TagEnd::CodeBlock) => {
                in_code = false;
                out.push(Event::End(TagEnd::CodeBlock));
            }
            Event::Start(Tag::Table(a)) => {
                out.push(Event::Html(
                    format!(
                        "<div class=\"{}\" tabindex=\"0\" role=\"region\" aria-label=\"Table\">",
                        class::TABLE
                    )
                    .into(),
                ));
                out.push(Event::Start(Tag::Table(a)));
            }
            Event::End(TagEnd::Table) => {
                out.push(Event::End(TagEnd::Table));
                out.push(Event::Html("</div>\n".into()));
            }
            Event::TaskListMarker(done) => {
                let (c, mark) = if done {
                    (format!("{} {}", class::TASK, class::TASK_DONE), "☑")
                } else {
                    (class::TASK.to_string(), "☐")
                };
                out.push(Event::InlineHtml(
                    format!("<span class=\"{c}\">{mark}</span> ").into(),
                ));
            }
            Event::Text(t) if !in_code && in_link == 0 => {
                let span = (
                    lines.at(range.start),
                    lines.at(range.end.max(range.start + 1) - 1),
                );
                let near = mentions_on(&mentions, span);
                let mentioned = near.iter().any(|m| t.contains(m.raw.as_str()));
                if t.contains("://") || mentioned {
                    out.push(Event::InlineHtml(
                        linkify(kb, links, id, &t, span, near, &mut broken).into(),
                    ));
                } else {
                    out.push(Event::Text(t));
                }
            }
            Event::Html(h) => {
                out.push(Event::Html(rewrite_html(kb, links, id, &h).into()));
            }
            Event::InlineHtml(h) => {
                out.push(Event::InlineHtml(rewrite_html(kb, links, id, &h).into()));
            }
            other => out.push(other),
        }
    }

    let mut html = String::with_capacity(body.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, out.into_iter());
    let toc = doc
        .headings
        .iter()
        .filter(|h| h.level == 2 || h.level == 3)
        .map(|h| TocEntry {
            level: h.level,
            text: h.text.clone(),
            anchor: h.anchor.clone(),
        })
        .collect();
    broken.sort_by_key(|b| b.line);
    let lead_title = lead.map(|_| {
        let mut inner = String::new();
        pulldown_cmark::html::push_html(&mut inner, lead_events.into_iter());
        let anchor = doc
            .headings
            .first()
            .map(|h| h.anchor.clone())
            .unwrap_or_default();
        (sanitize(inner.trim()), anchor)
    });
    Rendered {
        html: sanitize(&html),
        toc,
        broken,
        has_h1: doc.headings.iter().any(|h| h.level == 1),
        lead_title,
    }
}

fn image_html(shown: &Shown, title: &str, alt: &str) -> String {
    if shown.class == class::EXTERNAL {
        // The page loads nothing from other sites: show external images as links.
        let label = if alt.is_empty() { "image" } else { alt };
        return format!(
            "<a href=\"{}\" class=\"{} {}\">{}</a>",
            escape(&shown.href),
            class::EXTERNAL,
            class::EXTERNAL_IMAGE,
            escape(label)
        );
    }
    if shown.class == class::MISSING {
        let label = if alt.is_empty() { "image" } else { alt };
        return format!("{}missing image: {}</a>", open_a(shown), escape(label));
    }
    let mut s = format!(
        "<img src=\"{}\" alt=\"{}\" loading=\"lazy\"",
        escape(&shown.href),
        escape(alt)
    );
    if !title.is_empty() {
        s.push_str(&format!(" title=\"{}\"", escape(title)));
    }
    s.push('>');
    s
}

/// A pattern named in prose ("per netstack backup-cron-pattern"), to be shown as a link.
struct Mention {
    line: u32,
    raw: String,
    target: Option<DocId>,
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '-' || c == '_'
}

/// The mentions on the lines `span` (inclusive), from mentions sorted by line.
fn mentions_on(mentions: &[Mention], span: (u32, u32)) -> &[Mention] {
    let start = mentions.partition_point(|m| m.line < span.0);
    let end = mentions.partition_point(|m| m.line <= span.1);
    &mentions[start..end.max(start)]
}

/// Turn bare URLs (GitHub does; pulldown-cmark does not) and pattern mentions in a text run
/// into links. `lines` are the source lines the run spans; `mentions` are the ones on them.
#[allow(clippy::too_many_arguments)]
fn linkify(
    kb: &KnowledgeBase,
    links: Links,
    from: DocId,
    text: &str,
    lines: (u32, u32),
    mentions: &[Mention],
    broken: &mut Vec<BrokenLink>,
) -> String {
    // (start, end, how to show it)
    let mut found: Vec<(usize, usize, Shown)> = Vec::new();
    for (start, end) in bare_urls(text) {
        let url = &text[start..end];
        let shown = show_link(kb, links, from, url, LinkType::Autolink);
        if let Some(reason) = &shown.broken {
            broken.push(BrokenLink {
                line: lines.0,
                target: url.to_string(),
                reason: reason.clone(),
            });
        }
        found.push((start, end, shown));
    }
    // URLs win over mentions inside them; `urls` is sorted and without overlaps.
    let urls: Vec<(usize, usize)> = found.iter().map(|(s, e, _)| (*s, *e)).collect();
    let in_url = |at: usize, end: usize| {
        let i = urls.partition_point(|&(_, e)| e <= at);
        urls.get(i).is_some_and(|&(s, _)| s < end)
    };
    // Each distinct mention once: the same pattern named many times on a line is one search.
    let mut seen: rustc_hash::FxHashSet<&str> = Default::default();
    for mention in mentions.iter().filter(|m| seen.insert(m.raw.as_str())) {
        for (at, _) in text.match_indices(mention.raw.as_str()) {
            let end = at + mention.raw.len();
            let bounded = !text[..at].chars().next_back().is_some_and(is_word)
                && !text[end..].chars().next().is_some_and(is_word);
            if !bounded || in_url(at, end) {
                continue;
            }
            let shown = match mention.target {
                Some(doc) => Shown {
                    href: routes::doc_url(kb, doc),
                    class: class::INTERNAL,
                    tip: Some(kb.doc(doc).title.clone()),
                    broken: None,
                },
                None => Shown {
                    href: links.search(&mention.raw).unwrap_or_default(),
                    class: class::MISSING,
                    tip: Some(format!(
                        "No pattern `{}` in the pattern repo.{}",
                        mention.raw,
                        links.hint()
                    )),
                    broken: None,
                },
            };
            found.push((at, end, shown));
        }
    }
    found.sort_by_key(|(s, _, _)| *s);
    let mut out = String::with_capacity(text.len() + 64);
    let mut last = 0;
    for (start, end, shown) in found {
        if start < last {
            continue;
        }
        out.push_str(&escape(&text[last..start]));
        out.push_str(&open_a(&shown));
        out.push_str(&escape(&text[start..end]));
        out.push_str("</a>");
        last = end;
    }
    out.push_str(&escape(&text[last..]));
    out
}

/// Rewrite `href`/`src` in raw HTML to in-app routes (the sanitizer runs afterwards).
fn rewrite_html(kb: &KnowledgeBase, links: Links, from: DocId, html: &str) -> String {
    if !html.contains('=') {
        return html.to_string();
    }
    HTML_URL_ATTR
        .replace_all(html, |c: &regex::Captures| {
            let raw = c
                .get(2)
                .or(c.get(3))
                .or(c.get(4))
                .map(|m| m.as_str())
                .unwrap_or("");
            let decoded = raw.replace("&amp;", "&");
            let shown = show_link(kb, links, from, &decoded, LinkType::Inline);
            // An image that is not there stays unresolved (the browser shows its alt text):
            // a search page is no image.
            let is_src = c[1].trim_start().to_ascii_lowercase().starts_with("src");
            // Without a server, a missing target is no link and no image: the attribute is
            // emptied rather than left pointing at a file the build does not have.
            let href = if shown.class == class::MISSING && links == Links::Static {
                ""
            } else if is_src && shown.class == class::MISSING {
                &decoded
            } else {
                &shown.href
            };
            format!("{}\"{}\"", &c[1], escape(href))
        })
        .into_owned()
}

#[cfg(test)]
mod tests {
    #[test]
    fn link_titles_are_kept() {
        // issue 15 row 14: markdown link titles were dropped.
        let r = render(
            "# t\n\n[a](https://example.com/x \"Example site\") \
             [b](../../netstack/docs/ops/backup/backup-cron-pattern.md 'The pattern') \
             [c](nope.md \"Gone\") <a href=\"https://example.com/\" title=\"raw\">d</a>\n",
        );
        assert!(r.html.contains("title=\"Example site\""), "{}", r.html);
        assert!(r.html.contains("title=\"The pattern\""), "{}", r.html);
        assert!(r.html.contains("title=\"Gone (Broken link:"), "{}", r.html);
        assert!(r.html.contains("title=\"raw\""), "{}", r.html);
        assert!(markdown_to_html("[a](https://x.org/ \"T\")").contains("title=\"T\""));
    }

    #[test]
    fn without_a_server_broken_links_are_marked_and_lead_nowhere() {
        let doc = "# i\n\n[gone](nope.md), ![pic](gone.png), per netstack no-such-pattern, \
                   <a href=\"nope2.md\">raw</a> <img src=\"gone2.png\"> and \
                   [ok](../../netstack/docs/ops/backup/backup-cron-pattern.md)\n";
        let (_d, kb) = kb_with(doc);
        let id = kb.find("wf", "docs/backup.md").unwrap();
        let served = render_doc(&kb, id);
        let r = render_doc_for(&kb, id, Links::Static);
        assert!(served.html.contains("/search?q=nope"), "{}", served.html);
        assert!(!r.html.contains("/search"), "{}", r.html);
        assert!(!r.html.contains("search for it"), "{}", r.html);
        assert!(!r.html.contains("nope2.md\""), "{}", r.html);
        assert!(!r.html.contains("gone2.png\""), "{}", r.html);
        // Marked as in `serve`, and the same broken links are reported.
        assert_eq!(
            r.html.matches(class::MISSING).count(),
            served.html.matches(class::MISSING).count()
        );
        assert!(
            r.html.contains(&format!("<a class=\"{}\"", class::MISSING)),
            "{}",
            r.html
        );
        assert_eq!(r.broken.len(), served.broken.len());
        // Links that lead somewhere are the same.
        assert!(
            r.html
                .contains("href=\"/docs/ops/backup/backup-cron-pattern/\""),
            "{}",
            r.html
        );
    }

    #[test]
    fn a_raw_image_that_is_not_there_is_not_a_search_link() {
        // issue 15 row 14: `<img src=x>` became `<img src="/search?q=x">`.
        let r = render("# i\n\n<img src=x alt=\"a diagram\"> and <img src=\"rack.svg\">\n");
        assert!(!r.html.contains("/search"), "{}", r.html);
        assert!(r.html.contains("src=\"x\""), "{}", r.html);
        assert!(
            r.html.contains("src=\"/sites/wf/docs/rack.svg\""),
            "{}",
            r.html
        );
        // A raw link to a missing doc still offers the search.
        let r = render("# i\n\n<a href=\"nope.md\">n</a>\n");
        assert!(r.html.contains("href=\"/search?q=nope\""), "{}", r.html);
    }

    #[test]
    fn prose_html_pairs_backtick_runs_like_markdown() {
        // issue 15 row 14: a fence in a fix became an empty `<code>`.
        let h = super::prose_html("```markdown", false);
        assert_eq!(h, "```markdown");
        assert!(!super::prose_html("a ``` b ``` c", false).contains("<code></code>"));
        assert_eq!(
            super::prose_html("``a ` b`` and `c`", false),
            "<code>a ` b</code> and <code>c</code>"
        );
        assert_eq!(super::prose_html("`` ` ``", false), "<code>`</code>");
        assert_eq!(super::prose_html("x ```` y", false), "x ```` y");
    }

    #[test]
    fn prose_html_escapes_and_marks_code_and_links() {
        assert_eq!(
            super::prose_html("a `<b>` c `d", false),
            "a <code>&lt;b&gt;</code> c `d"
        );
        assert_eq!(
            super::prose_html("see https://x.org/a?b=1&c=2. javascript:alert(1)", true),
            "see <a href=\"https://x.org/a?b=1&amp;c=2\">https://x.org/a?b=1&amp;c=2</a>. javascript:alert(1)"
        );
        assert_eq!(
            super::prose_html("see https://x.org/", false),
            "see https://x.org/"
        );
    }

    use super::*;

    /// Code blocks are named keyboard regions with their attributes in one fixed order (ammonia's
    /// own attribute setting followed hash-map order, so pages differed between processes), and
    /// a doc's own `pre` attributes never pose as a control.
    #[test]
    fn code_blocks_are_regions_in_a_fixed_order() {
        let want = "<pre tabindex=\"0\" role=\"region\" aria-label=\"Code\"><code>a</code></pre>";
        for _ in 0..3 {
            assert_eq!(sanitize("<pre><code>a</code></pre>"), want);
        }
        let own = sanitize("<pre tabindex=\"5\" role=\"button\"><code>a</code></pre>");
        assert_eq!(own, want);
        assert_eq!(sanitize("&lt;pre&gt; text"), "&lt;pre&gt; text");
    }

    fn kb_with(site_doc: &str) -> (tempfile::TempDir, KnowledgeBase) {
        let files: &[(&str, &str)] = &[
            (
                "netstack/docs/ops/backup/backup-cron-pattern.md",
                "# Backup cron pattern\n\n## How it works\n\ntext\n\n## Steps\n\n- [x] done\n- [ ] todo\n",
            ),
            ("netstack/docs/ops/tools/nsh.sh", "echo hi\n"),
            ("wf/docs/rack.svg", "<svg/>"),
            ("wf/docs/backup.md", site_doc),
        ];
        let (dir, kb) = crate::testkit::kb_from(
            files,
            "[patterns]\npath = \"netstack\"\nbase_urls = [\"https://netstack.org/\"]\nforge_urls = [\"https://github.com/example-fed/netstack\"]\n\n[[sites]]\nname = \"wf\"\npath = \"wf\"\n",
        );
        (dir, kb)
    }

    fn render(site_doc: &str) -> Rendered {
        let (_d, kb) = kb_with(site_doc);
        let id = kb.find("wf", "docs/backup.md").unwrap();
        render_doc(&kb, id)
    }

    /// Render a hostile doc, with a generous time budget (the old renderer took minutes).
    fn render_within_budget(doc: &str) -> Rendered {
        let (_d, kb) = kb_with(doc);
        let id = kb.find("wf", "docs/backup.md").unwrap();
        let started = std::time::Instant::now();
        let r = render_doc(&kb, id);
        let took = started.elapsed();
        assert!(took.as_secs() < 5, "rendering took {took:?}");
        r
    }

    #[test]
    fn deep_block_quotes_render_in_linear_time() {
        // issue 15 row 4: 100 KB of `>` did not finish in 60 s.
        let r = render_within_budget(&format!("# q\n\n{}x\n", ">".repeat(100_000)));
        let quotes = r.html.matches("<blockquote>").count();
        assert_eq!(
            quotes,
            crate::limits::MAX_MARKDOWN_NESTING,
            "{}",
            &r.html[..200]
        );
        assert_eq!(quotes, r.html.matches("</blockquote>").count());
        assert!(
            r.html.contains("<p>x</p>"),
            "{}",
            &r.html[r.html.len() - 400..]
        );
    }

    #[test]
    fn deep_lists_and_emphasis_render_in_linear_time() {
        // 30k nested list items took 26 s.
        let r = render_within_budget(&format!("# l\n\n{}x\n", "- ".repeat(30_000)));
        assert_eq!(
            r.html.matches("<ul>").count(),
            crate::limits::MAX_MARKDOWN_NESTING / 2
        );
        assert_eq!(
            r.html.matches("<ul>").count(),
            r.html.matches("</ul>").count()
        );
        assert!(r.html.contains('x'));
        let r = render_within_budget(&format!("# l\n\n{}x\n", "> 1. ".repeat(15_000)));
        assert!(r.html.matches("<ol>").count() <= crate::limits::MAX_MARKDOWN_NESTING);
        let stars = "*".repeat(30_000);
        let r = render_within_budget(&format!("# e\n\n{stars}x{stars}\n"));
        assert!(r.html.matches("<em>").count() + r.html.matches("<strong>").count() <= 64);
        assert!(r.html.contains('x'));
    }

    #[test]
    fn deep_raw_html_is_shown_as_text_past_the_bound() {
        let r = render_within_budget(&format!(
            "# h\n\n<details><summary>ok</summary>kept</details>\n\ntext {}x\n",
            "<span>".repeat(2_000)
        ));
        assert!(
            r.html
                .contains("<details><summary>ok</summary>kept</details>"),
            "{}",
            &r.html[..300]
        );
        assert!(r.html.contains("&lt;span&gt;"));
        assert!(r.html.matches("<span>").count() <= crate::limits::MAX_RAW_HTML_NESTING);
        let r = render_within_budget(&format!("# h\n\n{}\n", "<div>".repeat(2_000)));
        assert!(r.html.contains("&lt;div&gt;"));
    }

    #[test]
    fn many_pattern_mentions_render_in_linear_time() {
        // Every text run used to scan every mention of the doc: 200k short lines after 4k
        // mentions was 800 million comparisons.
        let line = "Runs per netstack backup-cron-pattern and backup-cron-pattern again.\n";
        let doc = format!("# m\n\n{}\n{}", line.repeat(2_000), "x\n".repeat(200_000));
        let (_d, kb) = kb_with(&doc);
        let id = kb.find("wf", "docs/backup.md").unwrap();
        let started = std::time::Instant::now();
        let r = render_doc(&kb, id);
        assert!(started.elapsed().as_secs() < 5, "{:?}", started.elapsed());
        assert_eq!(
            r.html
                .matches("href=\"/docs/ops/backup/backup-cron-pattern/\"")
                .count(),
            4_000
        );
    }

    #[test]
    fn ordinary_nesting_is_untouched() {
        let md = "# n\n\n> quote\n> > inner\n\n- a\n  - b\n    - c *em **strong***\n\n<div><b>raw</b></div>\n";
        let r = render(md);
        let plain = markdown_to_html(md);
        assert!(
            r.html
                .contains("<ul>\n<li>b\n<ul>\n<li>c <em>em <strong>strong</strong></em></li>"),
            "{}",
            r.html
        );
        assert_eq!(r.html.matches("<blockquote>").count(), 2);
        assert!(r.html.contains("<div><b>raw</b></div>"), "{}", r.html);
        assert!(plain.contains("<div><b>raw</b></div>"), "{plain}");
    }

    #[test]
    fn links_are_rewritten_to_in_app_routes() {
        let r = render(
            "# Backup\n\n[a](https://netstack.org/docs/ops/backup/backup-cron-pattern/#steps) \
             [b](https://github.com/example-fed/netstack/blob/main/docs/ops/backup/backup-cron-pattern.md) \
             [c](../../netstack/docs/ops/backup/backup-cron-pattern.md) [d](rack.svg) \
             [e](https://example.com/x) [f](#backup)\n\nsee https://netstack.org/docs/ops/tools/nsh.sh.\n",
        );
        let h = &r.html;
        assert!(
            h.contains("href=\"/docs/ops/backup/backup-cron-pattern/#steps\""),
            "{h}"
        );
        assert_eq!(
            h.matches("href=\"/docs/ops/backup/backup-cron-pattern/\"")
                .count(),
            2,
            "{h}"
        );
        assert!(h.contains("href=\"/sites/wf/docs/rack.svg\""), "{h}");
        assert!(h.contains("href=\"https://example.com/x\""), "{h}");
        assert!(h.contains("href=\"#backup\""), "{h}");
        assert!(h.contains("href=\"/docs/ops/tools/nsh.sh\""), "{h}");
        assert!(r.broken.is_empty(), "{:?}", r.broken);
    }

    #[test]
    fn missing_targets_are_marked_and_listed() {
        let r = render(
            "# Backup\n\nsee [x](https://netstack.org/docs/ops/backup/backup-corn-pattern/)\n\n\
             and [y](../../netstack/docs/ops/backup/backup-cron-pattern.md#nope) and [z](#gone)\n",
        );
        assert!(r.html.contains("class=\"ns-missing\""), "{}", r.html);
        assert!(
            r.html
                .contains("href=\"/search?q=backup%20corn%20pattern\""),
            "{}",
            r.html
        );
        assert_eq!(r.html.matches("class=\"ns-bad-anchor\"").count(), 2);
        let lines: Vec<u32> = r.broken.iter().map(|b| b.line).collect();
        assert_eq!(lines, vec![3, 5, 5]);
        assert!(r.broken[0].reason.contains("backup-corn-pattern"));
    }

    #[test]
    fn headings_get_github_anchors_and_a_toc() {
        let (_d, kb) = kb_with("x");
        let id = kb
            .find("netstack", "docs/ops/backup/backup-cron-pattern.md")
            .unwrap();
        let r = render_doc(&kb, id);
        assert!(r.html.contains("<h2 id=\"how-it-works\">"), "{}", r.html);
        assert!(r.has_h1);
        assert_eq!(
            r.lead_title,
            Some((
                "Backup cron pattern".to_string(),
                "backup-cron-pattern".to_string()
            ))
        );
        assert!(!r.html.contains("<h1"), "{}", r.html);
        let toc: Vec<&str> = r.toc.iter().map(|t| t.anchor.as_str()).collect();
        assert_eq!(toc, vec!["how-it-works", "steps"]);
        assert!(r.html.contains("ns-task-done"), "{}", r.html);
        assert!(!r.html.contains("<input"), "{}", r.html);
    }

    #[test]
    fn hostile_html_is_neutralized() {
        let r = render(
            "# Hostile\n\n<script>alert(1)</script>\n\n<img src=x onerror=\"alert(2)\">\n\n\
             [click](javascript:alert(3))\n\n<a href=\"javascript:alert(4)\">x</a>\n\n\
             <div style=\"position:fixed\" onclick=\"alert(5)\">y</div>\n\n\
             <iframe src=\"https://evil.example/\"></iframe>\n\n<svg onload=alert(6)></svg>\n\n\
             ![t](https://tracker.example/pixel.gif)\n\n<a href=\"x\" class=\"ns-int evil\">q</a>\n\n\
             <form action=\"/x\"><input name=a></form><style>body{}</style>\n",
        );
        let h = r.html.to_ascii_lowercase();
        for bad in [
            "<script",
            "onerror",
            "javascript:",
            "onclick",
            "style=",
            "<iframe",
            "<svg",
            "onload",
            "<img src=\"https://tracker",
            "evil\"",
            "<form",
            "<input",
            "<style",
        ] {
            assert!(!h.contains(bad), "{bad} survived in {h}");
        }
        assert!(h.contains("ns-ext-img"), "{h}");
    }

    #[test]
    fn pattern_mentions_in_prose_become_links() {
        let r = render(
            "# Backup\n\nBackups here run per netstack backup-cron-pattern, and `backup-cron-pattern`\nin code stays code. Also per netstack grafana-dashboard-pattern.\n",
        );
        assert_eq!(
            r.html
                .matches("href=\"/docs/ops/backup/backup-cron-pattern/\"")
                .count(),
            1,
            "{}",
            r.html
        );
        assert!(
            r.html.contains("<code>backup-cron-pattern</code>"),
            "{}",
            r.html
        );
        assert!(
            r.html.contains("class=\"ns-missing\"")
                && r.html.contains(">grafana-dashboard-pattern</a>"),
            "{}",
            r.html
        );
    }

    #[test]
    fn escape_is_complete() {
        assert_eq!(
            escape("<a href='x'>&\""),
            "&lt;a href=&#39;x&#39;&gt;&amp;&quot;"
        );
    }
}
