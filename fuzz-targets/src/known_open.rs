//! Inputs known to break a target on this branch whose fix lives on another branch of
//! issue 15. Both drivers skip them so fuzzing keeps finding *new* failures meanwhile.
//!
//! Delete an entry (and its matcher) as soon as its fix is merged: the list must end empty,
//! and the corpus keeps the hostile seeds, so from then on both drivers run them.

use crate::Target;

/// A class of inputs that is a known, open failure of some targets.
pub struct KnownOpen {
    pub targets: &'static [Target],
    /// The issue row and the branch that fixes it.
    pub reason: &'static str,
    /// Does an input belong to the class? Matches on content, so that libFuzzer's mutants
    /// of a hostile seed are skipped too.
    pub matches: fn(&[u8]) -> bool,
}

const DOC_TARGETS: &[Target] = &[
    Target::FrontMatter,
    Target::Doc,
    Target::Render,
    Target::Contract,
    Target::Refs,
];

/// Known open failures. Delete each entry once its fix is merged.
pub const KNOWN_OPEN: &[KnownOpen] = &[
    KnownOpen {
        targets: DOC_TARGETS,
        reason: "issue 15 row 3 (YAML alias bomb: aliases expand without limit), fixed on h-parse",
        matches: yaml_anchor_and_alias,
    },
    KnownOpen {
        targets: DOC_TARGETS,
        reason: "issue 15 row 4 (deeply nested markdown renders in superlinear time; the doc model's list items hold their descendants' text, so `1. ` x5000 (15 KB) builds an 8.7 MB model), nesting depth cap on h-parse",
        matches: deep_nesting,
    },
    KnownOpen {
        targets: &[Target::Query],
        reason: "issue 15 row 1 (huge offset/limit: allocation abort, capacity overflow), fixed on h-search",
        matches: huge_offset_or_limit,
    },
    KnownOpen {
        targets: &[Target::Query],
        reason: "issue 15 item 2 (search query bounds): every word costs ~1.5 ms in a debug build and ~20 KB of memory per query byte (a 17 KB query: 31 s, 320 MB), bounds added on h-search; verify",
        matches: many_words,
    },
    KnownOpen {
        targets: &[Target::Query],
        reason: "found by cargo-fuzz, not yet fixed: `copy` + U+FFFD x40 + `is not a` + U+FFFD x8 + `ent backup` makes tantivy panic (`target (566) should be greater than or equal to doc (582)`), caught and reported as a damaged index; for h-search",
        matches: replacement_chars,
    },
    KnownOpen {
        targets: &[Target::Config],
        reason: "issue 15 row 9 (config load is quadratic in the number of sites and of base_urls), fixed on h-fs",
        matches: many_sites,
    },
];

/// Why `data` is skipped for `target`, if it is a known open failure.
pub fn known_open(target: Target, data: &[u8]) -> Option<&'static str> {
    KNOWN_OPEN
        .iter()
        .find(|k| k.targets.contains(&target) && (k.matches)(data))
        .map(|k| k.reason)
}

/// YAML front matter (from a first `---` line to the next `---`/`...` line, or the end)
/// holding both an anchor (`&`) and an alias (`*`).
fn yaml_anchor_and_alias(data: &[u8]) -> bool {
    let text = String::from_utf8_lossy(data);
    let text = text.trim_start_matches('\u{feff}');
    let mut lines = text.lines();
    if lines.next().map(str::trim_end) != Some("---") {
        return false;
    }
    let (mut anchor, mut alias) = (false, false);
    for line in lines {
        if matches!(line.trim_end(), "---" | "...") {
            break;
        }
        anchor |= line.contains('&');
        alias |= line.contains('*');
    }
    anchor && alias
}

/// A line opening with more than 256 bytes of block container markers (quotes, list
/// markers, indentation): 100 KB of `>`, thousands of nested list items.
fn deep_nesting(data: &[u8]) -> bool {
    data.split(|&b| b == b'\n').any(|line| {
        line.iter()
            .take_while(|b| b" \t>-*+.)0123456789".contains(b))
            .count()
            > 256
    })
}

/// A query with `offset=` or `limit=` above a million.
fn huge_offset_or_limit(data: &[u8]) -> bool {
    let q = crate::search_query(&String::from_utf8_lossy(data));
    q.offset > 1_000_000 || q.limit > 1_000_000
}

/// A query of more than 64 words.
fn many_words(data: &[u8]) -> bool {
    crate::search_query(&String::from_utf8_lossy(data))
        .text
        .split_whitespace()
        .count()
        > 64
}

/// A query holding U+FFFD (what invalid UTF-8 decodes to).
fn replacement_chars(data: &[u8]) -> bool {
    String::from_utf8_lossy(data).contains('\u{fffd}')
}

/// A config with more than 100 `[[sites]]` or more than 100 URLs.
fn many_sites(data: &[u8]) -> bool {
    let text = String::from_utf8_lossy(data);
    text.matches("[[sites]]").count() > 100 || text.matches("://").count() > 100
}
