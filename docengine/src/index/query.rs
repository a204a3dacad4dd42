//! Search queries: what a user typed (words, `"phrases"`, `-exclusions`, `+required`) and
//! the filters, turned into a tantivy query: English stemming, weighted fields, prefix
//! expansion of the last word, typo correction of words the index does not know.

pub use crate::error::QueryError;
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use levenshtein_automata::{DFA, Distance, LevenshteinAutomatonBuilder};
use serde::Serialize;
use tantivy::query::{
    BooleanQuery, BoostQuery, ConstScoreQuery, DisjunctionMaxQuery, Occur, PhraseQuery, Query,
    TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{Searcher, Term};
use tantivy_fst::Automaton;

use super::schema::{self, Fields};
use crate::doc::DocKind;
use crate::limits::{MAX_QUERY_BYTES, MAX_QUERY_WORDS, MAX_SEARCH_LIMIT, MAX_SEARCH_OFFSET};

/// What to search for. `text` may be empty when filters are given (browse).
#[derive(Debug, Clone, PartialEq, Eq)]
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

/// `text` for a message: at most 40 characters, control characters escaped.
fn shown(text: &str) -> String {
    let mut s: String = text.chars().take(40).collect();
    if s.len() < text.len() {
        s.push('…');
    }
    s.chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Correction {
    pub from: String,
    pub to: String,
}

/// Words that carry no meaning in a query ("how do I restore a backup", "users keep asking
/// if the server is down"): pronouns, auxiliaries, quantifiers and the remains of
/// contractions (`doesn't` → `doesn`). Sorted.
const STOP_WORDS: &[&str] = &[
    "a",
    "about",
    "after",
    "all",
    "also",
    "am",
    "an",
    "and",
    "any",
    "anyone",
    "anything",
    "are",
    "aren",
    "as",
    "at",
    "be",
    "been",
    "being",
    "but",
    "by",
    "can",
    "could",
    "couldn",
    "did",
    "didn",
    "do",
    "does",
    "doesn",
    "doing",
    "don",
    "each",
    "every",
    "for",
    "from",
    "get",
    "gets",
    "got",
    "had",
    "has",
    "have",
    "he",
    "her",
    "him",
    "his",
    "how",
    "i",
    "if",
    "in",
    "into",
    "is",
    "isn",
    "it",
    "its",
    "just",
    "me",
    "my",
    "need",
    "needs",
    "no",
    "not",
    "now",
    "of",
    "on",
    "or",
    "our",
    "she",
    "should",
    "shouldn",
    "so",
    "some",
    "someone",
    "something",
    "still",
    "than",
    "that",
    "the",
    "their",
    "them",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "to",
    "too",
    "up",
    "us",
    "very",
    "want",
    "wants",
    "was",
    "wasn",
    "we",
    "went",
    "were",
    "what",
    "when",
    "where",
    "which",
    "while",
    "who",
    "whom",
    "whose",
    "why",
    "will",
    "with",
    "won",
    "would",
    "wouldn",
    "you",
    "your",
];

/// Words an admin uses for the same thing (abbreviations, tool names for their category).
/// A query word also matches its group's other words, a little weaker.
const SYNONYMS: &[&[&str]] = &[
    &["2fa", "mfa", "totp", "otp"],
    &["cert", "certificate"],
    &["ssl", "tls"],
    &["ip", "address"],
    &["vpn", "wireguard"],
    &["password", "credential", "secret", "passphrase"],
    &["disk", "drive", "filesystem", "volume"],
    &["reboot", "restart"],
    &["outage", "down", "downtime"],
    &["leaver", "leaving", "departure", "offboarding"],
    &["hire", "newcomer", "joiner", "onboarding"],
    &["employee", "staff"],
    &["uplink", "isp", "wan"],
    &["firewall", "nftables", "iptables"],
    &["hypervisor", "proxmox", "pve"],
    &["samba", "smb", "cifs"],
    &["patch", "update", "upgrade"],
    &["log", "syslog", "journald"],
    &["dns", "resolver", "nameserver"],
    &["gpu", "graphics"],
    &["delete", "remove", "erase"],
    &["restore", "recover", "recovery"],
    &["portal", "dashboard"],
    &["email", "mail"],
    &["laptop", "notebook", "desktop", "workstation", "pc"],
];

/// Weight of a synonym relative to the word as typed.
const SYNONYM_WEIGHT: f32 = 0.6;

fn synonyms(word: &str) -> &'static [&'static str] {
    SYNONYMS
        .iter()
        .find(|g| g.contains(&word))
        .copied()
        .unwrap_or(&[])
}

/// One thing the user typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Part {
    /// A single word (lowercased, ASCII-folded).
    Word {
        text: String,
        required: bool,
        negated: bool,
        /// The last word, still being typed: also match words that start with it.
        prefix: bool,
    },
    /// Words in this order: `"status page"` (quoted: must match), or a word with inner
    /// punctuation such as `ip-address` or `10.0.0.5` (counts like a word).
    Phrase {
        words: Vec<String>,
        negated: bool,
        quoted: bool,
    },
}

/// `someone's` → `someone`, `doesn't` → `doesn` (then a stop word).
fn strip_contraction(word: &str) -> &str {
    for (i, c) in word.char_indices() {
        if c == '\'' || c == '\u{2019}' {
            let rest = &word[i + c.len_utf8()..];
            if ["s", "t", "re", "ve", "ll", "d", "m"].contains(&rest.to_lowercase().as_str()) {
                return &word[..i];
            }
            break;
        }
    }
    word
}

/// Split what the user typed into words and phrases.
pub(crate) fn parse(text: &str, plain: &mut TextAnalyzer) -> Vec<Part> {
    let mut raw: Vec<(String, bool, bool, bool)> = Vec::new(); // text, quoted, negated, required
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_whitespace() {
            i += 1;
            continue;
        }
        let mut negated = false;
        let mut required = false;
        if (chars[i] == '-' || chars[i] == '+')
            && chars.get(i + 1).is_some_and(|c| !c.is_whitespace())
        {
            negated = chars[i] == '-';
            required = chars[i] == '+';
            i += 1;
        }
        if chars[i] == '"' {
            i += 1;
            let start = i;
            while i < chars.len() && chars[i] != '"' {
                i += 1;
            }
            raw.push((chars[start..i].iter().collect(), true, negated, required));
            i += 1; // closing quote (or past the end)
        } else {
            let start = i;
            while i < chars.len() && !chars[i].is_whitespace() {
                i += 1;
            }
            raw.push((chars[start..i].iter().collect(), false, negated, required));
        }
    }
    let ends_open = text
        .chars()
        .last()
        .is_some_and(|c| !c.is_whitespace() && c != '"');
    let count = raw.len();
    let mut parts = Vec::new();
    for (n, (s, quoted, negated, required)) in raw.into_iter().enumerate() {
        let s = if quoted {
            s.as_str()
        } else {
            strip_contraction(&s)
        };
        let words: Vec<String> = schema::tokens(plain, s).into_iter().map(|t| t.2).collect();
        match words.len() {
            0 => {}
            1 => parts.push(Part::Word {
                prefix: !quoted && !negated && n + 1 == count && ends_open,
                text: words.into_iter().next().unwrap_or_default(),
                required,
                negated,
            }),
            _ => parts.push(Part::Phrase {
                words,
                negated,
                quoted: quoted || required,
            }),
        }
    }
    // Drop stop words, unless nothing else is left.
    let meaningful = parts.iter().any(|p| match p {
        Part::Word { text, negated, .. } => !negated && !is_stop(text),
        Part::Phrase { negated, .. } => !negated,
    });
    if meaningful {
        parts.retain(|p| !matches!(p, Part::Word { text, required: false, .. } if is_stop(text)));
    }
    parts
}

/// Refuse a query that has text but not one word the index could hold (`"`, `*`, `🙂`, a
/// word longer than any indexed word): searching it would list every doc as if no query
/// had been given.
fn searchable(text: &str, parts: &[Part]) -> Result<(), QueryError> {
    if parts.is_empty() && !text.trim().is_empty() {
        return Err(QueryError::new(
            "q",
            None,
            format!(
                "the query `{}` has no searchable words: search for words of letters or digits (each under {} characters), or give no query and a filter such as kind to list docs",
                shown(text.trim()),
                schema::MAX_TOKEN_LEN
            ),
        ));
    }
    Ok(())
}

fn is_stop(w: &str) -> bool {
    STOP_WORDS.binary_search(&w).is_ok()
}

/// A positive element of a compiled query, as stems.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Element {
    /// These stems with weights: the word, its synonyms and the words its prefix expands
    /// to (a doc's matches among them add up).
    Terms(Vec<(String, f32)>),
    /// These stems in this order.
    Phrase(Vec<String>),
}

/// A query ready to run.
pub(crate) struct Compiled {
    /// Matches doc-level entries (filters not included).
    pub query: Box<dyn Query>,
    /// Docs that match some words but not enough for `query`, when more than one word was
    /// required: the second tier of results.
    pub relaxed: Option<Box<dyn Query>>,
    /// Positive elements, for section scoring.
    pub elements: Vec<Element>,
    /// Every stem a match may have, for highlighting.
    pub stems: HashSet<String>,
    pub corrections: Vec<Correction>,
    /// The query as searched, when a correction changed it.
    pub corrected_text: Option<String>,
}

/// How many of `n` optional words a doc must match.
fn minimum_should_match(n: usize) -> usize {
    if n <= 2 { n } else { n - n / 3 }
}

/// The stems of a word (normally one).
fn stems(analyzer: &mut TextAnalyzer, word: &str) -> Vec<String> {
    schema::tokens(analyzer, word)
        .into_iter()
        .map(|t| t.2)
        .collect()
}

/// Weight of words a prefix expands to, relative to the word as typed.
const PREFIX_WEIGHT: f32 = 0.8;
/// How many words a prefix expands to at most (the most frequent ones).
const PREFIX_EXPANSIONS: usize = 8;
/// Terms scanned per segment when expanding a prefix.
const PREFIX_SCAN: usize = 20_000;

/// Weight of a proximity clause (two query words next to each other in the doc).
const PROXIMITY_WEIGHT: f32 = 0.5;
/// How far apart two words may be for a proximity match.
const PROXIMITY_SLOP: u32 = 2;

pub(crate) fn compile(
    searcher: &Searcher,
    f: &Fields,
    parts: &[Part],
    stemmer: &mut TextAnalyzer,
) -> tantivy::Result<Compiled> {
    let weighted = f.weighted();
    let mut corrections = Vec::new();
    let mut should: Vec<Box<dyn Query>> = Vec::new();
    let mut must: Vec<Box<dyn Query>> = Vec::new();
    let mut must_not: Vec<Box<dyn Query>> = Vec::new();
    let mut elements = Vec::new();
    let mut stems_seen = HashSet::new();
    let mut rendered: Vec<String> = Vec::new();
    // Main stems of consecutive positive words, for proximity clauses.
    let mut chain: Vec<Option<String>> = Vec::new();

    for part in parts {
        match part {
            Part::Word {
                text,
                required,
                negated,
                prefix,
            } => {
                let mut word = text.clone();
                let mut terms: Vec<(String, f32)> = stems(stemmer, &word)
                    .into_iter()
                    .map(|s| (s, 1.0))
                    .collect();
                if !negated {
                    let known = terms
                        .iter()
                        .any(|(s, _)| doc_freq(searcher, &weighted, s) > 0);
                    let mut expansions = Vec::new();
                    if *prefix && word.chars().count() >= 2 {
                        for (w, _) in expand_prefix(searcher, f.words, &word)? {
                            for s in stems(stemmer, &w) {
                                if !terms.iter().any(|(t, _)| *t == s)
                                    && !expansions.iter().any(|(t, _)| *t == s)
                                {
                                    expansions.push((s, PREFIX_WEIGHT));
                                }
                            }
                        }
                    }
                    if !known
                        && expansions.is_empty()
                        && let Some(better) = correct(searcher, f.words, &word)?
                    {
                        corrections.push(Correction {
                            from: word.clone(),
                            to: better.clone(),
                        });
                        word = better;
                        terms = stems(stemmer, &word)
                            .into_iter()
                            .map(|s| (s, 1.0))
                            .collect();
                    }
                    for syn in synonyms(&word) {
                        for s in stems(stemmer, syn) {
                            if !terms.iter().any(|(t, _)| *t == s) {
                                terms.push((s, SYNONYM_WEIGHT));
                            }
                        }
                    }
                    for (s, w) in expansions {
                        if !terms.iter().any(|(t, _)| *t == s) {
                            terms.push((s, w));
                        }
                    }
                }
                rendered.push(format!(
                    "{}{}",
                    if *negated {
                        "-"
                    } else if *required {
                        "+"
                    } else {
                        ""
                    },
                    word
                ));
                if terms.is_empty() {
                    chain.push(None);
                    continue;
                }
                chain.push((!negated).then(|| terms[0].0.clone()));
                let el = Element::Terms(terms);
                let q = element_query(&weighted, &el);
                if *negated {
                    must_not.push(q);
                    continue;
                }
                if let Element::Terms(ts) = &el {
                    stems_seen.extend(ts.iter().map(|(s, _)| s.clone()));
                }
                if *required {
                    must.push(q);
                } else {
                    should.push(q);
                }
                elements.push(el);
            }
            Part::Phrase {
                words,
                negated,
                quoted,
            } => {
                chain.push(None);
                rendered.push(if *quoted {
                    format!("{}\"{}\"", if *negated { "-" } else { "" }, words.join(" "))
                } else {
                    format!("{}{}", if *negated { "-" } else { "" }, words.join("-"))
                });
                let st: Vec<String> = words.iter().flat_map(|w| stems(stemmer, w)).collect();
                let el = match st.len() {
                    0 => continue,
                    1 => Element::Terms(vec![(st[0].clone(), 1.0)]),
                    _ => Element::Phrase(st),
                };
                let q = element_query(&weighted, &el);
                if *negated {
                    must_not.push(q);
                    continue;
                }
                match &el {
                    Element::Terms(ts) => stems_seen.extend(ts.iter().map(|(s, _)| s.clone())),
                    Element::Phrase(ps) => stems_seen.extend(ps.iter().cloned()),
                }
                if *quoted {
                    must.push(q);
                } else {
                    should.push(q);
                }
                elements.push(el);
            }
        }
    }

    // Docs whose title or headings have two query words close together rank higher
    // ("certificate renewal"). Not the body: positions of common words there are costly.
    let proximity_fields = [
        (f.title_text, 3.0 * PROXIMITY_WEIGHT),
        (f.headings_text, 1.8 * PROXIMITY_WEIGHT),
    ];
    let proximity: Vec<Box<dyn Query>> = chain
        .windows(2)
        .filter_map(|w| match w {
            [Some(a), Some(b)] if a != b => Some(proximity_query(&proximity_fields, a, b)),
            _ => None,
        })
        .collect();

    let browse = should.is_empty() && must.is_empty();
    let build = |min: usize| -> Box<dyn Query> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        if browse {
            clauses.push((
                Occur::Must,
                Box::new(ConstScoreQuery::new(
                    Box::new(TermQuery::new(
                        Term::from_field_text(f.level, schema::LEVEL_DOC),
                        IndexRecordOption::Basic,
                    )),
                    1.0,
                )),
            ));
        }
        clauses.extend(should.iter().map(|q| (Occur::Should, q.box_clone())));
        clauses.extend(must.iter().map(|q| (Occur::Must, q.box_clone())));
        clauses.extend(must_not.iter().map(|q| (Occur::MustNot, q.box_clone())));
        let core: Box<dyn Query> =
            Box::new(BooleanQuery::with_minimum_required_clauses(clauses, min));
        if proximity.is_empty() {
            return core;
        }
        let mut outer: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, core)];
        outer.extend(proximity.iter().map(|q| (Occur::Should, q.box_clone())));
        Box::new(BooleanQuery::new(outer))
    };
    let min = minimum_should_match(should.len());
    let query = build(min);
    let relaxed = (min > 1).then(|| -> Box<dyn Query> {
        Box::new(BooleanQuery::new(vec![
            (Occur::Must, build(1)),
            (Occur::MustNot, build(min)),
        ]))
    });
    let corrected_text = (!corrections.is_empty()).then(|| rendered.join(" "));
    Ok(Compiled {
        query,
        relaxed,
        elements,
        stems: stems_seen,
        corrections,
        corrected_text,
    })
}

/// Two stems within [`PROXIMITY_SLOP`] positions of each other, in order, in any field.
fn proximity_query(fields: &[(Field, f32)], a: &str, b: &str) -> Box<dyn Query> {
    let per_field: Vec<Box<dyn Query>> = fields
        .iter()
        .map(|&(field, weight)| -> Box<dyn Query> {
            let mut q = PhraseQuery::new(vec![
                Term::from_field_text(field, a),
                Term::from_field_text(field, b),
            ]);
            q.set_slop(PROXIMITY_SLOP);
            Box::new(BoostQuery::new(Box::new(q), weight))
        })
        .collect();
    Box::new(DisjunctionMaxQuery::new(per_field))
}

/// The query of one element over weighted fields: the best field counts fully, the others a
/// little (a word in title and body beats a word in the title only).
pub(crate) fn element_query(fields: &[(Field, f32)], el: &Element) -> Box<dyn Query> {
    let per_field: Vec<Box<dyn Query>> = fields
        .iter()
        .map(|&(field, weight)| -> Box<dyn Query> {
            match el {
                Element::Terms(terms) => {
                    let alts: Vec<Box<dyn Query>> = terms
                        .iter()
                        .map(|(s, w)| -> Box<dyn Query> {
                            Box::new(BoostQuery::new(
                                Box::new(TermQuery::new(
                                    Term::from_field_text(field, s),
                                    IndexRecordOption::WithFreqs,
                                )),
                                weight * w,
                            ))
                        })
                        .collect();
                    // A doc with the word and a synonym of it counts both.
                    if alts.len() == 1 {
                        alts.into_iter().next().unwrap_or_else(|| unreachable!())
                    } else {
                        Box::new(BooleanQuery::union(alts))
                    }
                }
                Element::Phrase(stems) => Box::new(BoostQuery::new(
                    Box::new(PhraseQuery::new(
                        stems
                            .iter()
                            .map(|s| Term::from_field_text(field, s))
                            .collect(),
                    )),
                    weight,
                )),
            }
        })
        .collect();
    Box::new(DisjunctionMaxQuery::with_tie_breaker(per_field, 0.2))
}

/// Docs that have this stem in any of the fields (summed; an upper bound is enough).
fn doc_freq(searcher: &Searcher, fields: &[(Field, f32)], stem: &str) -> u64 {
    fields
        .iter()
        .map(|&(field, _)| {
            searcher
                .doc_freq(&Term::from_field_text(field, stem))
                .unwrap_or(0)
        })
        .sum()
}

/// Words of the index that start with `prefix` (not `prefix` itself), most frequent first.
fn expand_prefix(
    searcher: &Searcher,
    words: Field,
    prefix: &str,
) -> tantivy::Result<Vec<(String, u64)>> {
    let mut found: HashMap<String, u64> = HashMap::new();
    for seg in searcher.segment_readers() {
        let inv = seg.inverted_index(words)?;
        let mut stream = inv.terms().range().ge(prefix.as_bytes()).into_stream()?;
        let mut scanned = 0;
        while stream.advance() {
            let key = stream.key();
            if !key.starts_with(prefix.as_bytes()) || scanned >= PREFIX_SCAN {
                break;
            }
            scanned += 1;
            if key.len() == prefix.len() {
                continue;
            }
            if let Ok(w) = std::str::from_utf8(key) {
                *found.entry(w.to_string()).or_default() += u64::from(stream.value().doc_freq);
            }
        }
    }
    let mut v: Vec<(String, u64)> = found.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v.truncate(PREFIX_EXPANSIONS);
    Ok(v)
}

fn lev_builder(distance: u8) -> &'static LevenshteinAutomatonBuilder {
    static D1: OnceLock<LevenshteinAutomatonBuilder> = OnceLock::new();
    static D2: OnceLock<LevenshteinAutomatonBuilder> = OnceLock::new();
    let cell = if distance == 1 { &D1 } else { &D2 };
    cell.get_or_init(|| LevenshteinAutomatonBuilder::new(distance, true))
}

/// A Levenshtein DFA as an automaton over the term dictionary.
struct Lev<'a>(&'a DFA);

impl Automaton for Lev<'_> {
    type State = u32;

    fn start(&self) -> u32 {
        self.0.initial_state()
    }

    fn is_match(&self, state: &u32) -> bool {
        matches!(self.0.distance(*state), Distance::Exact(_))
    }

    fn can_match(&self, state: &u32) -> bool {
        *state != levenshtein_automata::SINK_STATE
    }

    fn accept(&self, state: &u32, byte: u8) -> u32 {
        self.0.transition(*state, byte)
    }
}

/// The word of the index closest to a word it does not know: fewest edits (one for words of
/// 4+ letters, two for 7+), then the most frequent. Numbers are never corrected.
fn correct(searcher: &Searcher, words: Field, word: &str) -> tantivy::Result<Option<String>> {
    let len = word.chars().count();
    if len < 4 || word.chars().any(|c| c.is_ascii_digit()) {
        return Ok(None);
    }
    for distance in [1u8, 2] {
        if distance == 2 && len < 7 {
            break;
        }
        let dfa = lev_builder(distance).build_dfa(word);
        let mut found: HashMap<String, (u8, u64)> = HashMap::new();
        for seg in searcher.segment_readers() {
            let inv = seg.inverted_index(words)?;
            let mut stream = inv.terms().search(Lev(&dfa)).into_stream()?;
            while stream.advance() {
                let Ok(w) = std::str::from_utf8(stream.key()) else {
                    continue;
                };
                if w == word || w.chars().count() < 3 {
                    continue;
                }
                let d = match dfa.eval(w.as_bytes()) {
                    Distance::Exact(d) => d,
                    Distance::AtLeast(_) => continue,
                };
                let e = found.entry(w.to_string()).or_insert((d, 0));
                e.1 += u64::from(stream.value().doc_freq);
            }
        }
        // Prefer candidates that keep the first letter (typos rarely hit it).
        let first = word.chars().next();
        let best = found.into_iter().min_by(|a, b| {
            let ka = (a.1.0, a.0.chars().next() != first);
            let kb = (b.1.0, b.0.chars().next() != first);
            ka.cmp(&kb)
                .then_with(|| b.1.1.cmp(&a.1.1))
                .then_with(|| a.0.cmp(&b.0))
        });
        if let Some((w, _)) = best {
            return Ok(Some(w));
        }
    }
    Ok(None)
}

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
}
