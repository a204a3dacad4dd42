//! A doc's markdown → HTML for the browsable KB: heading anchors matching `Doc::headings`,
//! a table of contents, links rewritten to in-app routes (published URLs, forge URLs and
//! relative paths alike), missing pages and anchors visibly marked, pattern mentions linked.

use std::sync::LazyLock;

use pulldown_cmark::{CowStr, Event, LinkType, Tag, TagEnd};
use regex::Regex;
use serde::Serialize;

use crate::doc::Doc;
use crate::kb::{DocId, KnowledgeBase, LinkTarget};
use crate::routes;

use super::events::*;
use super::prose::*;
use super::sanitize::*;

pub(super) static HTML_URL_ATTR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)(\s(?:href|src)\s*=\s*)(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))"#).unwrap()
});

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

/// How a link written in a doc is shown.
pub(super) struct Shown {
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

pub(super) fn search_url(wanted: &str) -> String {
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

pub(super) fn show_link(
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
pub(super) fn open_a(s: &Shown) -> String {
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

pub(super) struct Lines {
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

pub(super) fn image_html(shown: &Shown, title: &str, alt: &str) -> String {
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
pub(super) struct Mention {
    line: u32,
    raw: String,
    target: Option<DocId>,
}

pub(super) fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '-' || c == '_'
}

/// The mentions on the lines `span` (inclusive), from mentions sorted by line.
pub(super) fn mentions_on(mentions: &[Mention], span: (u32, u32)) -> &[Mention] {
    let start = mentions.partition_point(|m| m.line < span.0);
    let end = mentions.partition_point(|m| m.line <= span.1);
    &mentions[start..end.max(start)]
}

/// Turn bare URLs (GitHub does; pulldown-cmark does not) and pattern mentions in a text run
/// into links. `lines` are the source lines the run spans; `mentions` are the ones on them.
#[allow(clippy::too_many_arguments)]
pub(super) fn linkify(
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
pub(super) fn rewrite_html(kb: &KnowledgeBase, links: Links, from: DocId, html: &str) -> String {
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
