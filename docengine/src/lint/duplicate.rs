//! `duplicate-content`: which blocks of a site doc copy a doc of the pattern repo.
//!
//! Every pattern-repo doc is fingerprinted once (winnowed k-grams per top-level block, see
//! [`super::fingerprint`]) into one sorted table of `(hash, doc, offset)`; fingerprints that
//! occur in many pattern docs are boilerplate and dropped. A site doc's blocks are
//! fingerprinted the same way and looked up by binary search, so the cost is linear in the
//! size of the corpus (no pairwise comparison of docs). Consecutive blocks that match the same
//! pattern doc (allowing one unmatched block between them) form a region; a region is reported
//! when it is long enough and enough of its fingerprints occur in that pattern doc.

use std::collections::HashMap;

use rayon::prelude::*;

use super::fingerprint::{self, Print};
use crate::doc::{BlockKind, Doc};
use crate::kb::{DocId, KnowledgeBase};

/// Tuning of the detector.
#[derive(Debug, Clone, Copy)]
pub struct Params {
    /// Minimum share (0..1) of a region's fingerprints found in the pattern doc.
    pub threshold: f64,
    /// Minimum words in a region.
    pub min_words: usize,
}

/// A block must share at least this share of its fingerprints to join a region.
const BLOCK_MIN: f64 = 0.2;
/// A region needs at least this many shared fingerprints.
const MIN_HITS: usize = 3;
/// Upper bound of the document frequency above which a fingerprint is boilerplate.
const MAX_DF: usize = 32;
/// Unmatched blocks allowed between two matched blocks of one region.
const MAX_GAP: usize = 1;

/// The fingerprints of every pattern-repo doc.
#[derive(Debug, Default)]
pub struct PatternIndex {
    /// `(hash, doc number, byte offset in the doc's text)`, sorted.
    entries: Vec<(u64, u32, u32)>,
    /// `buckets[b]..buckets[b + 1]` are the entries whose hash has top 16 bits `b`.
    buckets: Vec<u32>,
    /// Doc number → KB doc id.
    docs: Vec<DocId>,
    /// Fingerprints found in more than this many docs are boilerplate.
    pub max_df: usize,
}

fn block_prints(doc: &Doc) -> Vec<(usize, Vec<Print>, usize)> {
    doc.blocks
        .iter()
        .enumerate()
        .filter(|(_, b)| !matches!(b.kind, BlockKind::Heading | BlockKind::Html))
        .map(|(i, b)| {
            let (p, words) = fingerprint::prints(doc.block_text(b), b.text.start);
            (i, p, words)
        })
        .collect()
}

impl PatternIndex {
    /// Fingerprint these docs (in parallel).
    pub fn build(kb: &KnowledgeBase, docs: &[DocId]) -> PatternIndex {
        let mut entries: Vec<(u64, u32, u32)> = docs
            .par_iter()
            .enumerate()
            .flat_map_iter(|(n, &id)| {
                block_prints(kb.doc(id))
                    .into_iter()
                    .flat_map(|(_, prints, _)| prints)
                    .map(move |p| (p.hash, n as u32, p.offset))
            })
            .collect();
        entries.par_sort_unstable();
        // Bounded, so a lookup costs the same whatever the size of the KB (linear growth).
        let max_df = (docs.len() / 200).clamp(4, MAX_DF);
        // Drop boilerplate: hashes present in more than `max_df` docs.
        let mut keep = Vec::with_capacity(entries.len());
        let mut i = 0;
        while i < entries.len() {
            let h = entries[i].0;
            let mut j = i;
            let mut df = 0;
            let mut last_doc = u32::MAX;
            while j < entries.len() && entries[j].0 == h {
                if entries[j].1 != last_doc {
                    df += 1;
                    last_doc = entries[j].1;
                }
                j += 1;
            }
            if df <= max_df {
                keep.extend_from_slice(&entries[i..j]);
            }
            i = j;
        }
        keep.shrink_to_fit();
        let mut buckets = vec![0u32; (1 << 16) + 1];
        for e in &keep {
            buckets[(e.0 >> 48) as usize + 1] += 1;
        }
        for b in 1..buckets.len() {
            buckets[b] += buckets[b - 1];
        }
        PatternIndex {
            buckets,
            entries: keep,
            docs: docs.to_vec(),
            max_df,
        }
    }

    fn lookup(&self, hash: u64) -> &[(u64, u32, u32)] {
        let b = (hash >> 48) as usize;
        let bucket = &self.entries[self.buckets[b] as usize..self.buckets[b + 1] as usize];
        let start = bucket.partition_point(|e| e.0 < hash);
        let end = start + bucket[start..].partition_point(|e| e.0 == hash);
        &bucket[start..end]
    }

    /// Number of fingerprints held.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// A copied region of a site doc.
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    /// The pattern-repo doc it copies.
    pub pattern: DocId,
    /// Lines of the region in the site doc.
    pub start_line: u32,
    pub end_line: u32,
    /// Lines of the matched part of the pattern doc.
    pub pattern_lines: (u32, u32),
    /// Share of the region's fingerprints found in the pattern doc.
    pub similarity: f64,
    /// Words in the region.
    pub words: usize,
    /// Byte range of the region in the site doc's text.
    pub text: std::ops::Range<usize>,
}

/// Find the regions of `doc` that copy an indexed doc.
pub fn find(kb: &KnowledgeBase, index: &PatternIndex, doc: &Doc, params: Params) -> Vec<Match> {
    if index.is_empty() {
        return Vec::new();
    }
    let blocks = block_prints(doc);
    // Per pattern doc: (position in `blocks`, pattern offset) for every shared fingerprint.
    let mut per_doc: HashMap<u32, Vec<(usize, u32)>> = HashMap::new();
    let mut fps: Vec<usize> = Vec::with_capacity(blocks.len());
    for (bi, (_, prints, _)) in blocks.iter().enumerate() {
        let mut seen: Vec<u64> = prints.iter().map(|p| p.hash).collect();
        seen.sort_unstable();
        seen.dedup();
        fps.push(seen.len());
        for h in seen {
            let mut last = u32::MAX;
            for &(_, d, off) in index.lookup(h) {
                if d != last {
                    per_doc.entry(d).or_default().push((bi, off));
                    last = d;
                }
            }
        }
    }

    // Regions per candidate pattern doc.
    let mut regions: Vec<(usize, f64, u32, usize, usize)> = Vec::new(); // hits, sim, doc, first, last
    for (&d, hits) in &per_doc {
        if hits.len() < MIN_HITS {
            continue;
        }
        let mut per_block = vec![0usize; blocks.len()];
        for &(bi, _) in hits {
            per_block[bi] += 1;
        }
        let matched: Vec<usize> = (0..blocks.len())
            .filter(|&bi| fps[bi] > 0 && per_block[bi] as f64 / fps[bi] as f64 >= BLOCK_MIN)
            .collect();
        let mut runs: Vec<(usize, usize)> = Vec::new();
        for &bi in &matched {
            if let Some(last) = runs.last_mut() {
                let gap = (last.1 + 1..bi).filter(|&x| fps[x] > 0).count();
                if gap <= MAX_GAP {
                    last.1 = bi;
                    continue;
                }
            }
            runs.push((bi, bi));
        }
        for (first, last) in runs {
            let (mut h, mut n, mut words) = (0usize, 0usize, 0usize);
            for bi in first..=last {
                h += per_block[bi];
                n += fps[bi];
                words += blocks[bi].2;
            }
            let sim = if n == 0 { 0.0 } else { h as f64 / n as f64 };
            if h >= MIN_HITS && words >= params.min_words && sim >= params.threshold {
                regions.push((h, sim, d, first, last));
            }
        }
    }
    // Best first; a stretch of the site doc is reported against one pattern doc only.
    regions.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then(b.1.total_cmp(&a.1))
            .then(index.docs[a.2 as usize].cmp(&index.docs[b.2 as usize]))
    });
    let mut taken: Vec<(usize, usize)> = Vec::new();
    let mut out = Vec::new();
    for (_, sim, d, first, last) in regions {
        if taken.iter().any(|&(a, b)| first <= b && a <= last) {
            continue;
        }
        taken.push((first, last));
        let pattern = index.docs[d as usize];
        let pdoc = kb.doc(pattern);
        let mut offs: Vec<u32> = per_doc[&d]
            .iter()
            .filter(|(bi, _)| (first..=last).contains(bi))
            .map(|&(_, o)| o)
            .collect();
        offs.sort_unstable();
        let (lo, hi) = if offs.len() >= 10 {
            (offs[offs.len() / 10], offs[offs.len() * 9 / 10])
        } else {
            (offs[0], offs[offs.len() - 1])
        };
        let pattern_lines = (block_line(pdoc, lo, true), block_line(pdoc, hi, false));
        let fb = &doc.blocks[blocks[first].0];
        let lb = &doc.blocks[blocks[last].0];
        out.push(Match {
            pattern,
            start_line: fb.start_line,
            end_line: lb.end_line,
            pattern_lines,
            similarity: (sim * 100.0).round() / 100.0,
            words: (first..=last).map(|bi| blocks[bi].2).sum(),
            text: fb.text.start..lb.text.end,
        });
    }
    out.sort_by_key(|m| m.start_line);
    out
}

/// The start (or end) line of the block holding a text offset.
fn block_line(doc: &Doc, offset: u32, start: bool) -> u32 {
    let off = offset as usize;
    match doc
        .blocks
        .iter()
        .find(|b| b.text.start <= off && off <= b.text.end)
    {
        Some(b) if start => b.start_line,
        Some(b) => b.end_line,
        None => doc.line_map.line_at(off),
    }
}

impl super::Settings {
    /// The detector parameters for `duplicate-content`.
    pub fn duplicate_params(&self) -> Params {
        Params {
            threshold: self.similarity_threshold,
            min_words: self.min_block_words,
        }
    }
}
