//! Section-level hits: the best-matching section of every hit on a page. The candidate
//! section entries come straight from the postings of the hits' keys (a few dozen entries),
//! and each query element is scored only at those entries by seeking its scorer — no pass
//! over the (large) postings of common words.

use std::collections::HashMap;

use tantivy::query::{Bm25StatisticsProvider, EnableScoring, Query};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocAddress, DocId, DocSet, Score, Searcher, TERMINATED, Term};

/// For each key, the best-scoring entry carrying that key whose score under the `scoring`
/// queries (summed) is positive. Entries without the scored fields (the doc-level entry)
/// never score.
pub(crate) fn best(
    searcher: &Searcher,
    stats: &dyn Bm25StatisticsProvider,
    key_field: Field,
    keys: &[String],
    scoring: &[Box<dyn Query>],
) -> tantivy::Result<HashMap<String, (Score, DocAddress)>> {
    let mut out: HashMap<String, (Score, DocAddress)> = HashMap::new();
    if scoring.is_empty() || keys.is_empty() {
        return Ok(out);
    }
    let enable = EnableScoring::enabled_from_statistics_provider(stats, searcher);
    let weights = scoring
        .iter()
        .map(|q| q.weight(enable))
        .collect::<tantivy::Result<Vec<_>>>()?;
    for (ord, reader) in searcher.segment_readers().iter().enumerate() {
        // Candidate entries of this segment, in doc order, with their key.
        let inverted = reader.inverted_index(key_field)?;
        let mut candidates: Vec<(DocId, usize)> = Vec::new();
        for (k, key) in keys.iter().enumerate() {
            let term = Term::from_field_text(key_field, key);
            let Some(mut postings) = inverted.read_postings(&term, IndexRecordOption::Basic)?
            else {
                continue;
            };
            let mut doc = postings.doc();
            while doc != TERMINATED {
                if reader.alive_bitset().is_none_or(|a| a.is_alive(doc)) {
                    candidates.push((doc, k));
                }
                doc = postings.advance();
            }
        }
        if candidates.is_empty() {
            continue;
        }
        candidates.sort_unstable();
        let mut scorers = weights
            .iter()
            .map(|w| w.scorer(reader, 1.0))
            .collect::<tantivy::Result<Vec<_>>>()?;
        for (doc, k) in candidates {
            let mut score = 0.0;
            for s in scorers.iter_mut() {
                if s.doc() < doc {
                    s.seek(doc);
                }
                if s.doc() == doc {
                    score += s.score();
                }
            }
            if score <= 0.0 {
                continue;
            }
            let addr = DocAddress::new(ord as u32, doc);
            match out.get(&keys[k]) {
                Some(have) if have.0 >= score => {}
                _ => {
                    out.insert(keys[k].clone(), (score, addr));
                }
            }
        }
    }
    Ok(out)
}
