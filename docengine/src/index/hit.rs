//! Search results: ranked hits with the section a reader should land on and a highlighted
//! snippet. This is the `netstack search --json` schema and the web API's.

use serde::{Deserialize, Serialize};

use super::query::Correction;
use crate::doc::DocKind;

/// The section of a doc that matched best.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SectionHit {
    pub heading: String,
    /// Anchor of the heading (GitHub style), without `#`.
    pub anchor: String,
    /// 1-based line of the heading in the file.
    pub line: u32,
}

/// One search result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hit {
    /// 1-based rank (offset included).
    pub rank: usize,
    pub score: f32,
    pub title: String,
    pub kind: DocKind,
    /// The site, `null` for the pattern repo.
    pub site: Option<String>,
    /// Path relative to its repo root, `/`-separated.
    pub path: String,
    /// Published URL (pattern repo docs), else `null`.
    pub url: Option<String>,
    /// The best-matching section, `null` when the match is in the title, tags or path only,
    /// or in the text before the first heading.
    pub section: Option<SectionHit>,
    /// Plain text around the matches.
    pub snippet: String,
    /// Byte ranges `[start, end)` of matched words in `snippet`.
    pub highlights: Vec<(usize, usize)>,
    /// Byte ranges of matched words in `title`.
    pub title_highlights: Vec<(usize, usize)>,
    /// Category (folder below the docs folder, e.g. `ops/backup`).
    pub category: Option<String>,
    /// The repo: the pattern repo's name or the site.
    pub repo: String,
    /// Pattern id, for patterns.
    pub pattern_id: Option<String>,
    pub tags: Vec<String>,
    /// The doc matches only some of the query's words (it ranks after every doc that
    /// matches enough of them).
    pub partial: bool,
    /// Found by the looser reading after the strict one (a `"phrase"`, `+word`) found nothing:
    /// see [`SearchResults::no_exact_match`].
    pub loosened: bool,
}

/// The answer to a [`super::SearchQuery`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchResults {
    pub hits: Vec<Hit>,
    /// Number of docs that matched (all pages). When fewer than a page of docs match
    /// enough of the words, docs matching some of them fill the page (`partial`) and count.
    pub total: usize,
    /// Misspelt words and the words searched for instead ("showing results for …").
    pub corrections: Vec<Correction>,
    /// The query as searched, when corrections changed it.
    pub corrected_query: Option<String>,
    /// Some hits match only some of the words.
    pub relaxed: bool,
    /// The strict reading found nothing (a `"phrase"`, `+required` or `-excluded` word ruled
    /// every doc out), so these hits match the query's words read as plain text: the strict
    /// query as typed ("no exact match for …; showing matches for the words").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub no_exact_match: Option<String>,
}
