//! Turning parsed words into a tantivy query: English stems, weighted fields, prefix
//! expansion of the last word, proximity of neighbouring words, typo correction of words the
//! index does not know.

use super::Correction;
use super::words::{Part, SYNONYM_WEIGHT, synonyms};

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use levenshtein_automata::{DFA, Distance, LevenshteinAutomatonBuilder};
use tantivy::query::{
    BooleanQuery, BoostQuery, ConstScoreQuery, DisjunctionMaxQuery, Occur, PhraseQuery, Query,
    TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{Searcher, Term};
use tantivy_fst::Automaton;

use crate::index::schema::{self, Fields};

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
pub(crate) fn minimum_should_match(n: usize) -> usize {
    if n <= 2 { n } else { n - n / 3 }
}

/// The stems of a word (normally one).
pub(crate) fn stems(analyzer: &mut TextAnalyzer, word: &str) -> Vec<String> {
    schema::tokens(analyzer, word)
        .into_iter()
        .map(|t| t.2)
        .collect()
}

/// Weight of words a prefix expands to, relative to the word as typed.
pub(crate) const PREFIX_WEIGHT: f32 = 0.8;
/// How many words a prefix expands to at most (the most frequent ones).
pub(crate) const PREFIX_EXPANSIONS: usize = 8;
/// Terms scanned per segment when expanding a prefix.
pub(crate) const PREFIX_SCAN: usize = 20_000;

/// Weight of a proximity clause (two query words next to each other in the doc).
pub(crate) const PROXIMITY_WEIGHT: f32 = 0.5;
/// How far apart two words may be for a proximity match.
pub(crate) const PROXIMITY_SLOP: u32 = 2;

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
pub(crate) fn proximity_query(fields: &[(Field, f32)], a: &str, b: &str) -> Box<dyn Query> {
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
pub(crate) fn doc_freq(searcher: &Searcher, fields: &[(Field, f32)], stem: &str) -> u64 {
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
pub(crate) fn expand_prefix(
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

pub(crate) fn lev_builder(distance: u8) -> &'static LevenshteinAutomatonBuilder {
    static D1: OnceLock<LevenshteinAutomatonBuilder> = OnceLock::new();
    static D2: OnceLock<LevenshteinAutomatonBuilder> = OnceLock::new();
    let cell = if distance == 1 { &D1 } else { &D2 };
    cell.get_or_init(|| LevenshteinAutomatonBuilder::new(distance, true))
}

/// A Levenshtein DFA as an automaton over the term dictionary.
pub(crate) struct Lev<'a>(&'a DFA);

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
pub(crate) fn correct(
    searcher: &Searcher,
    words: Field,
    word: &str,
) -> tantivy::Result<Option<String>> {
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
