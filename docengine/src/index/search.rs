//! Answering a query: filters, the two-level (doc, section) tantivy search with per-level
//! BM25 statistics, hits with their best sections and snippets.

use super::*;

/// BM25 statistics of one level of entries. Docs and sections share one index, so the
/// searcher's own document count (both levels) would skew average field lengths and idf.
struct LevelStats<'a> {
    searcher: &'a Searcher,
    /// Live entries of the level, plus every deleted entry (an upper bound that keeps
    /// `docs >= doc_freq`, which counts deleted entries until a merge).
    docs: u64,
}

impl<'a> LevelStats<'a> {
    fn new(searcher: &'a Searcher, live: u64) -> Self {
        let deleted: u64 = searcher
            .segment_readers()
            .iter()
            .map(|s| u64::from(s.max_doc() - s.num_docs()))
            .sum();
        LevelStats {
            searcher,
            docs: (live + deleted).max(1),
        }
    }
}

impl Bm25StatisticsProvider for LevelStats<'_> {
    fn total_num_tokens(&self, field: tantivy::schema::Field) -> tantivy::Result<u64> {
        Bm25StatisticsProvider::total_num_tokens(self.searcher, field)
    }

    fn total_num_docs(&self) -> tantivy::Result<u64> {
        Ok(self.docs)
    }

    fn doc_freq(&self, term: &Term) -> tantivy::Result<u64> {
        self.searcher.doc_freq(term)
    }
}

fn const0(q: Box<dyn Query>) -> Box<dyn Query> {
    Box::new(ConstScoreQuery::new(q, 0.0))
}

fn term_query(term: Term) -> Box<dyn Query> {
    Box::new(TermQuery::new(term, IndexRecordOption::Basic))
}

fn any_of(queries: Vec<Box<dyn Query>>) -> Box<dyn Query> {
    const0(Box::new(BooleanQuery::union(queries)))
}

impl SearchIndex {
    /// Search, keeping only hits whose doc is in `kb` (the index may run ahead of or behind
    /// a KB snapshot for a moment during live reload).
    pub fn search(&self, kb: &KnowledgeBase, q: &SearchQuery) -> Result<SearchResults> {
        let mut r = self.query(q)?;
        let before = r.hits.len();
        r.hits.retain(|h| kb.find(&h.repo, &h.path).is_some());
        if r.hits.len() != before {
            r.total = r.total.saturating_sub(before - r.hits.len());
            for (i, h) in r.hits.iter_mut().enumerate() {
                h.rank = q.offset + i + 1;
            }
        }
        Ok(r)
    }

    /// Search the index alone (no KB needed: everything a hit shows is stored). A damaged
    /// index is an [`Error::Index`]; reopen with [`OpenOptions::rebuild`] to repair it.
    ///
    /// The query's bounds ([`SearchQuery::check`]) are checked first, so a bad argument is an
    /// [`Error::Query`], never a tantivy panic taken for a damaged index; an unknown site is
    /// an [`Error::Invalid`].
    pub fn query(&self, q: &SearchQuery) -> Result<SearchResults> {
        q.check()?;
        self.check_sites(q).map_err(|e| Error::Invalid(e.message))?;
        let parts = query::parse(&q.text, &mut schema::plain_analyzer());
        let mut results = self.query_parts(q, &parts)?;
        // A strict reading that rules every doc out falls back to the words themselves.
        if results.total == 0
            && let Some(loose) = query::loosen(&parts)
        {
            let looser = self.query_parts(q, &loose)?;
            if looser.total > 0 {
                let mut looser = looser;
                for h in &mut looser.hits {
                    h.loosened = true;
                }
                results = SearchResults {
                    no_exact_match: Some(q.text.trim().to_string()),
                    ..looser
                };
            }
        }
        Ok(results)
    }

    /// One reading of a query, a panic on damaged data turned into an error.
    fn query_parts(&self, q: &SearchQuery, parts: &[query::Part]) -> Result<SearchResults> {
        guard::catch(|| self.query_unguarded(q, parts)).unwrap_or_else(|panic| {
            Err(Error::Index {
                path: self.store.dir.clone(),
                message: format!(
                    "it is damaged ({panic}); rebuild it (`netstack search --reindex`) or delete the folder"
                ),
            })
        })
    }

    /// Would [`SearchIndex::query`] refuse `q`? Its bounds ([`SearchQuery::check`]) and its
    /// site filters, with the parameter at fault (the HTTP API answers `400` with it).
    pub fn check(&self, q: &SearchQuery) -> Result<(), QueryError> {
        q.check()?;
        self.check_sites(q)
    }

    /// Every site filter names a repo of the KB.
    fn check_sites(&self, q: &SearchQuery) -> Result<(), QueryError> {
        let cur = self.current();
        for s in &q.sites {
            if !cur.repos.iter().any(|r| r == s) {
                let (patterns, sites) = match cur.repos.split_first() {
                    Some((p, s)) => (p.as_str(), s),
                    None => ("", &[][..]),
                };
                let sites = if sites.is_empty() {
                    "it has no sites".to_string()
                } else {
                    format!("the sites are {}", sites.join(", "))
                };
                return Err(QueryError {
                    param: "site",
                    max: None,
                    message: format!(
                        "no site `{s}` in this knowledge base: {sites} (`{patterns}` selects the pattern repo)"
                    ),
                });
            }
        }
        Ok(())
    }

    fn query_unguarded(&self, q: &SearchQuery, parts: &[query::Part]) -> Result<SearchResults> {
        let cur = self.current();
        let searcher = cur.live.reader.searcher();
        let err = |e: tantivy::TantivyError| self.error(e);
        let mut stem = schema::stemmed_analyzer();
        let compiled = query::compile(&searcher, &self.fields, parts, &mut stem).map_err(err)?;
        let doc_stats = LevelStats::new(&searcher, cur.live.payload.docs as u64);
        let sec_stats = LevelStats::new(&searcher, cur.live.sections);
        let (top, mut total) = self
            .run(&searcher, &doc_stats, &*compiled.query, q)
            .map_err(err)?;
        let mut ranked: Vec<(Score, DocAddress, bool)> =
            top.into_iter().map(|(s, a)| (s, a, false)).collect();
        // Second tier: docs that match only some words, after all that match enough.
        if ranked.len() < q.limit
            && let Some(rq) = &compiled.relaxed
        {
            let page = SearchQuery {
                limit: q.limit - ranked.len(),
                offset: q.offset.saturating_sub(total),
                ..q.clone()
            };
            let (more, more_total) = self.run(&searcher, &doc_stats, &**rq, &page).map_err(err)?;
            total += more_total;
            ranked.extend(more.into_iter().map(|(s, a)| (s, a, true)));
        }
        let relaxed = ranked.iter().any(|r| r.2);
        let docs: Vec<TantivyDocument> = ranked
            .iter()
            .map(|r| searcher.doc(r.1))
            .collect::<tantivy::Result<_>>()
            .map_err(err)?;
        let keys: Vec<String> = docs
            .iter()
            .map(|d| {
                d.get_first(self.fields.key)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_string()
            })
            .collect();
        let best = self
            .best_sections(&searcher, &sec_stats, &compiled, &keys)
            .map_err(err)?;
        let mut matcher = snippet::Matcher::new(&compiled.stems);
        let mut hits = Vec::with_capacity(ranked.len());
        for (i, ((score, _, partial), d)) in ranked.into_iter().zip(docs).enumerate() {
            let section = best.get(&keys[i]).map(|b| b.1);
            let mut hit = self
                .hit(
                    &searcher,
                    &d,
                    section,
                    q.offset + i + 1,
                    score,
                    &mut matcher,
                )
                .map_err(err)?;
            hit.partial = partial;
            hits.push(hit);
        }
        Ok(SearchResults {
            hits,
            total,
            corrections: compiled.corrections,
            corrected_query: compiled.corrected_text,
            relaxed,
            no_exact_match: None,
        })
    }

    fn error(&self, e: tantivy::TantivyError) -> Error {
        Error::Index {
            path: self.store.dir.clone(),
            message: format!(
                "{e}; if this persists, rebuild it (`netstack search --reindex`) or delete the folder"
            ),
        }
    }

    /// Filter clauses. No `level` clause is needed: the searchable and filter fields exist on
    /// doc-level entries only (and browsing matches `level:doc` itself).
    fn filters(&self, q: &SearchQuery) -> Vec<Box<dyn Query>> {
        let f = &self.fields;
        let mut out = Vec::new();
        if !q.kinds.is_empty() {
            out.push(any_of(
                q.kinds
                    .iter()
                    .map(|k| term_query(Term::from_field_text(f.kind, k.as_str())))
                    .collect(),
            ));
        }
        if !q.sites.is_empty() {
            out.push(any_of(
                q.sites
                    .iter()
                    .map(|s| term_query(Term::from_field_text(f.repo, s)))
                    .collect(),
            ));
        }
        let cats: Vec<Box<dyn Query>> = q
            .categories
            .iter()
            .filter_map(|c| {
                let parts: Vec<String> = c
                    .split('/')
                    .filter(|p| !p.trim().is_empty())
                    .map(|p| p.trim().to_lowercase())
                    .collect();
                (!parts.is_empty())
                    .then(|| term_query(Term::from_facet(f.category, &Facet::from_path(parts))))
            })
            .collect();
        if !cats.is_empty() {
            out.push(any_of(cats));
        }
        for t in &q.tags {
            out.push(const0(term_query(Term::from_field_text(
                f.tag,
                &t.trim().to_lowercase(),
            ))));
        }
        out
    }

    /// Top docs (kind-boosted) and the total count of a main query under the filters.
    fn run(
        &self,
        searcher: &Searcher,
        stats: &LevelStats<'_>,
        main: &dyn Query,
        q: &SearchQuery,
    ) -> tantivy::Result<(Vec<(Score, DocAddress)>, usize)> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, main.box_clone())];
        clauses.extend(self.filters(q).into_iter().map(|f| (Occur::Must, f)));
        let query = BooleanQuery::new(clauses);
        if q.limit == 0 {
            return Ok((Vec::new(), searcher.search(&query, &Count)?));
        }
        let top = TopDocs::with_limit(q.limit)
            .and_offset(q.offset)
            .tweak_score(|seg: &SegmentReader| {
                let col = seg
                    .fast_fields()
                    .f64("boost")
                    .ok()
                    .map(|c| c.first_or_default_col(1.0));
                move |doc: DocId, score: Score| {
                    let boost = col.as_ref().map(|c| c.get_val(doc)).unwrap_or(1.0);
                    score * boost as Score
                }
            });
        searcher.search_with_statistics_provider(&query, &(top, Count), stats)
    }

    /// Build a hit from its stored doc entry and its best section entry.
    fn hit(
        &self,
        searcher: &Searcher,
        d: &TantivyDocument,
        section: Option<DocAddress>,
        rank: usize,
        score: Score,
        matcher: &mut snippet::Matcher,
    ) -> tantivy::Result<Hit> {
        let f = &self.fields;
        let text = |field| {
            d.get_first(field)
                .and_then(|v| v.as_str())
                .map(str::to_string)
        };
        let title = text(f.title).unwrap_or_default();
        let (section, body) = match section {
            Some(addr) => {
                let s: TantivyDocument = searcher.doc(addr)?;
                let stext = |field| s.get_first(field).and_then(|v| v.as_str()).unwrap_or("");
                let heading = stext(f.sec_heading);
                let hit = (!heading.is_empty()).then(|| SectionHit {
                    heading: heading.to_string(),
                    anchor: stext(f.sec_anchor).to_string(),
                    line: s
                        .get_first(f.sec_line)
                        .and_then(|v| v.as_u64())
                        .unwrap_or(1) as u32,
                });
                (hit, stext(f.sec_text).to_string())
            }
            None => (None, text(f.lead).unwrap_or_default()),
        };
        let (snippet, highlights) = matcher.snippet(&body, SNIPPET_LEN);
        let title_highlights = matcher.highlights(&title);
        Ok(Hit {
            rank,
            score,
            kind: text(f.kind)
                .and_then(|k| DocKind::parse(&k))
                .unwrap_or(DocKind::Guide),
            site: text(f.site),
            path: text(f.path).unwrap_or_default(),
            url: text(f.url),
            section,
            snippet,
            highlights,
            title_highlights,
            category: text(f.category_name),
            repo: text(f.repo).unwrap_or_default(),
            pattern_id: text(f.pattern_id),
            tags: d
                .get_all(f.tag)
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            partial: false,
            loosened: false,
            title,
        })
    }

    /// The best-matching section entry of each of these docs, by key.
    fn best_sections(
        &self,
        searcher: &Searcher,
        stats: &LevelStats<'_>,
        compiled: &Compiled,
        keys: &[String],
    ) -> tantivy::Result<std::collections::HashMap<String, (Score, DocAddress)>> {
        let weighted = self.fields.section_weighted();
        let scoring: Vec<Box<dyn Query>> = compiled
            .elements
            .iter()
            .map(|el| query::element_query(&weighted, el))
            .collect();
        sections::best(searcher, stats, self.fields.key, keys, &scoring)
    }
}
