//! The markdown event stream every renderer reads: pulldown-cmark with netstack's options,
//! nesting bounded (markdown and raw HTML alike) so a hostile doc cannot make rendering
//! quadratic or blow the stack.

use std::sync::LazyLock;

use pulldown_cmark::{Event, Options, Parser, Tag};
use regex::Regex;

pub(super) const OPTIONS: Options = Options::ENABLE_TABLES
    .union(Options::ENABLE_FOOTNOTES)
    .union(Options::ENABLE_STRIKETHROUGH)
    .union(Options::ENABLE_TASKLISTS)
    .union(Options::ENABLE_HEADING_ATTRIBUTES)
    .union(Options::ENABLE_GFM);

/// The markdown events of `md`, with their byte ranges, nesting bounded by [`Bounded`].
pub(super) fn events(
    md: &str,
) -> Bounded<'_, pulldown_cmark::OffsetIter<'_, pulldown_cmark::DefaultBrokenLinkCallback>> {
    Bounded::new(Parser::new_ext(md, OPTIONS).into_offset_iter())
}

/// How one open markdown tag went through [`Bounded`].
#[derive(Clone, Copy)]
pub(super) enum Open {
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
pub(super) struct Bounded<'a, I: Iterator<Item = (Event<'a>, std::ops::Range<usize>)>> {
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
pub(super) fn nests(tag: &Tag) -> bool {
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

pub(super) static HTML_TAG: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"<(/?)([A-Za-z][A-Za-z0-9-]*)[^<>]*?(/?)>").unwrap());

/// Elements the HTML parser never holds open (void) or closes on the next one of their kind.
pub(super) const NOT_NESTING: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr", "p", "li", "dt", "dd", "option", "optgroup", "rb", "rp", "rt", "rtc", "tr",
    "td", "th", "tbody", "thead", "tfoot",
];

/// Start tags and end tags of elements that nest, in a piece of raw HTML.
pub(super) fn html_nesting(html: &str) -> (usize, usize) {
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
