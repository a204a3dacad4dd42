//! Short prose to HTML (lint messages, fixes, notes, recommendation bodies): escaped text with
//! code spans and bare URLs as links, shared by web pages and Matrix bodies; and small markdown
//! snippets to sanitized HTML.

use std::sync::LazyLock;

use regex::Regex;

use super::events::*;
use super::sanitize::*;

pub(super) static BARE_URL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"https?://[^\s<>()\[\]"'`]+"#).unwrap());

/// Byte ranges of the bare http(s) URLs in `text`, without trailing punctuation.
pub(super) fn bare_urls(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    BARE_URL.find_iter(text).map(|m| {
        let url = m
            .as_str()
            .trim_end_matches(['.', ',', ';', ':', '!', '?', '*', '_']);
        (m.start(), m.start() + url.len())
    })
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
pub(super) fn push_prose(out: &mut String, part: &str, link_urls: bool) {
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
