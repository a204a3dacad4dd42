//! What the index stores for one doc: a doc-level entry (title, headings, tags, path, body,
//! filters and the fields a hit shows) and one entry per section (heading, anchor, line,
//! text) for section-level hits.

use tantivy::TantivyDocument;
use tantivy::schema::Facet;

use super::schema::{Fields, LEVEL_DOC, LEVEL_SECTION, doc_boost};
use crate::doc::Doc;

/// Stored section text is cut here (the whole text is still searchable).
const MAX_STORED_SECTION: usize = 32 * 1024;
/// Length of the stored opening text.
const LEAD_LEN: usize = 400;

/// The unique key of a doc in the index.
pub fn key(repo: &str, path: &str) -> String {
    format!("{repo}\u{1f}{path}")
}

/// Everything that shapes a doc's index entries besides the doc itself.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// Published URL (pattern repo docs).
    pub url: Option<&'a str>,
    /// The site's title from the config ("Westford workshop"), searchable with the path.
    pub site_title: Option<&'a str>,
}

/// The largest char boundary at or below `i`.
pub fn floor_char(s: &str, i: usize) -> usize {
    let mut i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Cut text at a char boundary (and preferably a word boundary) at most `max` bytes long.
fn cut(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let end = floor_char(s, max);
    let head = &s[..end];
    match head.rfind(char::is_whitespace) {
        Some(ws) if ws > max / 2 => &head[..ws],
        _ => head,
    }
}

/// The opening text of a doc: its summary, else its first real paragraph (not an "edit"
/// link line before the title), else whatever text comes first.
fn lead(doc: &Doc) -> String {
    if let Some(s) = doc.summary.as_deref().filter(|s| !s.trim().is_empty()) {
        return cut(s.trim(), LEAD_LEN).to_string();
    }
    let mut first = None;
    for (i, _) in doc.sections.iter().enumerate() {
        let mut text = doc.section_text(i).trim();
        if let Some(h) = doc.section_heading(i) {
            text = text.strip_prefix(h.text.as_str()).unwrap_or(text).trim();
        }
        if text.split_whitespace().nth(3).is_some() {
            return cut(text, LEAD_LEN).to_string();
        }
        if first.is_none() && !text.is_empty() {
            first = Some(text);
        }
    }
    first
        .map(|t| cut(t, LEAD_LEN).to_string())
        .unwrap_or_default()
}

/// The index entries of a doc: the doc-level entry first, then its sections.
pub fn entries(f: &Fields, doc: &Doc, cx: Context<'_>) -> Vec<TantivyDocument> {
    let key = key(&doc.repo, &doc.path);
    let mut out = Vec::with_capacity(doc.sections.len() + 1);

    let mut d = TantivyDocument::new();
    d.add_text(f.key, &key);
    d.add_text(f.level, LEVEL_DOC);
    d.add_text(f.repo, &doc.repo);
    if let Some(site) = &doc.site {
        d.add_text(f.site, site);
    }
    d.add_text(f.path, &doc.path);
    if let Some(url) = cx.url {
        d.add_text(f.url, url);
    }
    d.add_text(f.title, &doc.title);
    d.add_text(f.kind, doc.kind.as_str());
    d.add_f64(f.boost, doc_boost(doc));
    if let Some(cat) = doc.category.as_deref() {
        let parts: Vec<String> = cat
            .split('/')
            .filter(|p| !p.is_empty())
            .map(str::to_lowercase)
            .collect();
        if !parts.is_empty() {
            d.add_facet(f.category, Facet::from_path(parts));
            d.add_text(f.category_name, cat);
        }
    }
    for tag in &doc.tags {
        d.add_text(f.tag, tag.to_lowercase());
    }
    if let Some(pid) = &doc.pattern_id {
        d.add_text(f.pattern_id, pid);
    }
    d.add_text(f.lead, lead(doc));

    d.add_text(f.title_text, &doc.title);
    let mut headings = String::new();
    for h in &doc.headings {
        headings.push_str(&h.text);
        headings.push('\n');
    }
    if let Some(s) = &doc.summary {
        headings.push_str(s);
    }
    d.add_text(f.headings_text, &headings);
    let tags = doc.tags.join(" ");
    d.add_text(f.tags_text, &tags);
    if let Some(site) = &doc.site {
        let site_text = format!("{site} {}", cx.site_title.unwrap_or_default());
        d.add_text(f.site_text, &site_text);
        d.add_text(f.words, &site_text);
    }
    let mut path_text = doc.path.clone();
    if let Some(cat) = &doc.category {
        path_text.push(' ');
        path_text.push_str(cat);
    }
    d.add_text(f.path_text, &path_text);
    d.add_text(f.body_text, &doc.text);
    d.add_text(f.words, &doc.title);
    d.add_text(f.words, &headings);
    d.add_text(f.words, &tags);
    d.add_text(f.words, &doc.text);
    out.push(d);

    for (i, section) in doc.sections.iter().enumerate() {
        let heading = doc.section_heading(i);
        // The section text starts with its heading; the heading is indexed on its own.
        let mut text = doc.section_text(i);
        if let Some(h) = heading {
            text = text.strip_prefix(h.text.as_str()).unwrap_or(text);
        }
        let text = text.trim();
        if text.is_empty() {
            // A heading with nothing under it is no place to land a reader.
            continue;
        }
        let mut s = TantivyDocument::new();
        s.add_text(f.key, &key);
        s.add_text(f.level, LEVEL_SECTION);
        if let Some(h) = heading {
            s.add_text(f.sec_heading, &h.text);
            s.add_text(f.sec_anchor, &h.anchor);
            s.add_u64(f.sec_line, u64::from(h.line));
        } else {
            s.add_u64(f.sec_line, u64::from(section.start_line));
        }
        s.add_text(f.sec_body, text);
        s.add_text(f.sec_text, cut(text, MAX_STORED_SECTION));
        out.push(s);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(rel: &str, text: &str) -> Doc {
        crate::testkit::doc(None, rel, text)
    }

    #[test]
    fn doc_and_section_entries() {
        let f = Fields::new();
        let d = doc(
            "docs/ops/backup/backup-cron-pattern.md",
            "[edit](x)\n\n# Pattern: Backup cron\n\nNightly dumps of every host.\n\n## Schedule\n\nRun at 02:00.\n",
        );
        let e = entries(
            &f,
            &d,
            Context {
                url: Some("https://netstack.org/docs/ops/backup/backup-cron-pattern/"),
                site_title: None,
            },
        );
        // doc + preamble ("edit") + the H1 section + "Schedule"
        assert_eq!(e.len(), 4, "{:?}", d.sections);
        let lead = e[0].get_first(f.lead).and_then(|v| {
            use tantivy::schema::Value;
            v.as_str().map(str::to_string)
        });
        assert_eq!(lead.as_deref(), Some("Nightly dumps of every host."));
    }

    #[test]
    fn cut_respects_chars_and_words() {
        assert_eq!(cut("héllo wörld again", 9), "héllo");
        assert_eq!(cut("short", 10), "short");
        let s = "é".repeat(10);
        assert!(cut(&s, 5).len() <= 5);
    }
}
