//! Search queries: what a user typed (words, `"phrases"`, `-exclusions`, `+required`) and
//! the filters, turned into a tantivy query: English stemming, weighted fields, prefix
//! expansion of the last word, typo correction of words the index does not know.
//!
//! `words` reads the text (stop words, synonyms, operators); `compile` builds the tantivy
//! query (stems, weights, prefix expansion, proximity, typo correction).

mod compile;
mod words;

pub(crate) use compile::*;
pub(crate) use words::*;

pub use crate::error::QueryError;

use serde::{Deserialize, Serialize};

use super::schema::{self};
use crate::doc::DocKind;
use crate::limits::{MAX_QUERY_BYTES, MAX_QUERY_WORDS, MAX_SEARCH_LIMIT, MAX_SEARCH_OFFSET};

/// What to search for. `text` may be empty when filters are given (browse).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchQuery {
    pub text: String,
    /// Any of these kinds (empty: all).
    pub kinds: Vec<DocKind>,
    /// Any of these repos: site names, or the pattern repo's name (empty: all).
    pub sites: Vec<String>,
    /// Any of these categories; a category matches itself and everything below it
    /// (`ops` matches `ops/backup`).
    pub categories: Vec<String>,
    /// All of these tags.
    pub tags: Vec<String>,
    pub limit: usize,
    pub offset: usize,
}

/// Default number of hits.
pub const DEFAULT_LIMIT: usize = 10;

/// Parse a count given as text (`limit`, `offset`, `page`): digits only, at most `max`. One
/// function for the CLI and the HTTP API, so both accept and refuse the same values.
pub fn parse_count(param: &'static str, text: &str, max: usize) -> Result<usize, QueryError> {
    let text = text.trim();
    let too_large = || {
        QueryError::new(
            param,
            Some(max),
            format!("{param} {text} is too large: at most {max}"),
        )
    };
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(QueryError::new(
            param,
            Some(max),
            format!(
                "{param} `{}` is not a number: give a whole number from 0 to {max}",
                text.chars().take(40).collect::<String>()
            ),
        ));
    }
    match text.parse::<usize>() {
        Ok(n) if n <= max => Ok(n),
        _ => Err(too_large()),
    }
}

/// Parse a doc kind as the CLI (`--kind`) and the HTTP API (`kind=`) take it: `pattern`,
/// `guide`, `site-doc` (or `site`), `contract`.
pub fn parse_kind(text: &str) -> Result<DocKind, QueryError> {
    DocKind::parse(text.trim()).ok_or_else(|| {
        QueryError::new(
            "kind",
            None,
            format!(
                "unknown kind `{}`: use pattern, guide, site-doc (or site) or contract",
                text.chars().take(40).collect::<String>()
            ),
        )
    })
}

impl Default for SearchQuery {
    fn default() -> Self {
        SearchQuery {
            text: String::new(),
            kinds: Vec::new(),
            sites: Vec::new(),
            categories: Vec::new(),
            tags: Vec::new(),
            limit: DEFAULT_LIMIT,
            offset: 0,
        }
    }
}

impl SearchQuery {
    /// A query for some text with no filters and the default limit.
    pub fn new(text: impl Into<String>) -> Self {
        SearchQuery {
            text: text.into(),
            ..Default::default()
        }
    }

    /// Are any filters set?
    pub fn has_filters(&self) -> bool {
        !(self.kinds.is_empty()
            && self.sites.is_empty()
            && self.categories.is_empty()
            && self.tags.is_empty())
    }

    /// Refuse what no search should cost or cannot answer: `limit` over [`MAX_SEARCH_LIMIT`],
    /// `offset` over [`MAX_SEARCH_OFFSET`], a query longer than [`MAX_QUERY_BYTES`] or with
    /// more than [`MAX_QUERY_WORDS`] words, and text without one searchable word. [`crate::SearchIndex::query`] calls this before anything
    /// reaches tantivy; callers may call it first to report errors their own way.
    pub fn check(&self) -> Result<(), QueryError> {
        if self.limit > MAX_SEARCH_LIMIT {
            return Err(QueryError::new(
                "limit",
                Some(MAX_SEARCH_LIMIT),
                format!(
                    "limit {} is too large: at most {MAX_SEARCH_LIMIT} results per search (page with offset)",
                    self.limit
                ),
            ));
        }
        if self.offset > MAX_SEARCH_OFFSET {
            return Err(QueryError::new(
                "offset",
                Some(MAX_SEARCH_OFFSET),
                format!(
                    "offset {} is too large: at most {MAX_SEARCH_OFFSET} results can be skipped (narrow the search with more words or a filter instead)",
                    self.offset
                ),
            ));
        }
        if self.text.len() > MAX_QUERY_BYTES {
            return Err(QueryError::new(
                "q",
                Some(MAX_QUERY_BYTES),
                format!(
                    "the query is too long ({} bytes): at most {MAX_QUERY_BYTES} bytes; search for a few distinctive words",
                    self.text.len()
                ),
            ));
        }
        let words = self.text.split_whitespace().count();
        if words > MAX_QUERY_WORDS {
            return Err(QueryError::new(
                "q",
                Some(MAX_QUERY_WORDS),
                format!(
                    "the query has too many words ({words}): at most {MAX_QUERY_WORDS}; search for a few distinctive words"
                ),
            ));
        }
        searchable(
            &self.text,
            &parse(&self.text, &mut schema::plain_analyzer()),
        )
    }
}

/// A misspelt word and the word searched for instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Correction {
    pub from: String,
    pub to: String,
}

/// Words that carry no meaning in a query ("how do I restore a backup", "users keep asking
/// if the server is down"): pronouns, auxiliaries, quantifiers and the remains of
/// contractions (`doesn't` → `doesn`). Sorted.
#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Vec<Part> {
        parse(text, &mut schema::plain_analyzer())
    }

    fn word(text: &str, prefix: bool) -> Part {
        Part::Word {
            text: text.into(),
            required: false,
            negated: false,
            prefix,
        }
    }

    #[test]
    fn stop_words_sorted() {
        let mut s = STOP_WORDS.to_vec();
        s.sort_unstable();
        assert_eq!(s, STOP_WORDS);
    }

    #[test]
    fn words_phrases_and_operators() {
        assert_eq!(
            p("How do I restore a Backup"),
            vec![word("restore", false), word("backup", true)]
        );
        assert_eq!(p("backup "), vec![word("backup", false)]);
        assert_eq!(
            p("\"Status Page\" -grafana +uptime"),
            vec![
                Part::Phrase {
                    words: vec!["status".into(), "page".into()],
                    negated: false,
                    quoted: true
                },
                Part::Word {
                    text: "grafana".into(),
                    required: false,
                    negated: true,
                    prefix: false
                },
                Part::Word {
                    text: "uptime".into(),
                    required: true,
                    negated: false,
                    prefix: true
                },
            ]
        );
        // A word with inner punctuation is a phrase; an unclosed quote runs to the end.
        assert_eq!(
            p("ip-address \"split horizon"),
            vec![
                Part::Phrase {
                    words: vec!["ip".into(), "address".into()],
                    negated: false,
                    quoted: false
                },
                Part::Phrase {
                    words: vec!["split".into(), "horizon".into()],
                    negated: false,
                    quoted: true
                },
            ]
        );
        // Only stop words: kept.
        assert_eq!(p("how to").len(), 2);
        assert!(p("  \"\" - + ").is_empty());
        assert_eq!(p("Café"), vec![word("cafe", true)]);
        assert_eq!(
            p("someone's scripts don't run"),
            vec![word("scripts", false), word("run", true)]
        );
    }

    #[test]
    fn minimum_match() {
        assert_eq!(minimum_should_match(0), 0);
        assert_eq!(minimum_should_match(1), 1);
        assert_eq!(minimum_should_match(2), 2);
        assert_eq!(minimum_should_match(3), 2);
        assert_eq!(minimum_should_match(4), 3);
        assert_eq!(minimum_should_match(6), 4);
    }

    #[test]
    fn operators_apply_only_where_plainly_meant() {
        // Pasted text: quotes, a lone flag and a long option are words.
        let pasted = r#"remote command fails with "unknown option: -x" and says see tool --help"#;
        assert!(looks_pasted(pasted));
        assert!(looks_pasted("rsync --bwlimit=1000 fails"));
        assert!(looks_pasted(
            "error: cannot open /var/lib/restic: permission denied"
        ));
        let parts = p(pasted);
        assert!(parts.iter().all(|part| match part {
            Part::Word {
                required, negated, ..
            } => !required && !negated,
            Part::Phrase {
                negated, quoted, ..
            } => !negated && !quoted,
        }));
        assert!(
            parts.contains(&word("help", false))
                || parts
                    .iter()
                    .any(|p| matches!(p, Part::Word { text, .. } if text == "help"))
        );
        // Typed queries keep their operators.
        for typed in [
            "backup -restic",
            "\"status page\" -grafana",
            "how do I restore a backup",
        ] {
            assert!(!looks_pasted(typed), "{typed}");
        }
        assert!(matches!(
            &p("backup -restic")[1],
            Part::Word { negated: true, .. }
        ));
        // A lone `-x` flag or a `--long` option is never an exclusion.
        assert!(
            p("rsync -a --delete")
                .iter()
                .all(|part| !matches!(part, Part::Word { negated: true, .. }))
        );
    }

    #[test]
    fn loosening_turns_phrases_into_words_and_keeps_exclusions() {
        let parts = p("\"status page\" +uptime -grafana");
        let loose = loosen(&parts).unwrap();
        assert!(loose.iter().all(|part| !matches!(
            part,
            Part::Phrase { quoted: true, .. } | Part::Word { required: true, .. }
        )));
        assert!(loose.iter().any(
            |part| matches!(part, Part::Word { text, negated: true, .. } if text == "grafana")
        ));
        assert_eq!(
            loose
                .iter()
                .filter(|p| matches!(p, Part::Word { negated: false, .. }))
                .count(),
            3
        );
        assert!(loosen(&p("status page")).is_none());
    }
}
