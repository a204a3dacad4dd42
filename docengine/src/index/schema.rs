//! The search index schema: which fields a doc (and each of its sections) is indexed under,
//! the text analyzers (English stemming; a plain-word field for typo correction and prefix
//! expansion), and the schema version that forces a rebuild when any of it changes.

use tantivy::Index;
use tantivy::schema::{
    FAST, FacetOptions, Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing,
    TextOptions,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
    TextAnalyzer,
};

/// Bump whenever the schema, the analyzers or what goes into a field changes: an index
/// written with another version is rebuilt.
pub const SCHEMA_VERSION: u32 = 1;

/// Analyzer of the stemmed text fields.
pub const STEMMED: &str = "netstack_en";
/// Analyzer of the plain-word field (lowercased, ASCII-folded, not stemmed).
pub const PLAIN: &str = "netstack_plain";

/// Tokens longer than this (base64 blobs, hashes) are dropped.
pub(crate) const MAX_TOKEN_LEN: usize = 40;

/// `level` of a document-level entry.
pub const LEVEL_DOC: &str = "doc";
/// `level` of a section-level entry.
pub const LEVEL_SECTION: &str = "sec";

/// The fields of the index. Every doc is one `level = doc` entry (ranked by the main
/// query) plus one `level = sec` entry per section (used to find the best section of a hit).
/// Both carry the doc's `key`, so one delete removes a doc and all its sections.
#[derive(Debug, Clone)]
pub struct Fields {
    pub schema: Schema,
    /// `repo \u{1f} path`: unique per doc.
    pub key: Field,
    /// `doc` or `sec`.
    pub level: Field,
    // ---- doc level -------------------------------------------------------------------
    pub repo: Field,
    pub site: Field,
    pub path: Field,
    pub url: Field,
    pub title: Field,
    pub kind: Field,
    /// Ranking multiplier of the doc (fast field; see [`doc_boost`]).
    pub boost: Field,
    pub category: Field,
    /// Raw category string as written (for display).
    pub category_name: Field,
    pub tag: Field,
    pub pattern_id: Field,
    /// Summary or the opening text: the snippet when no section matched.
    pub lead: Field,
    /// Searchable: title (stemmed).
    pub title_text: Field,
    /// Searchable: every heading plus the front matter summary.
    pub headings_text: Field,
    /// Searchable: tags.
    pub tags_text: Field,
    /// Searchable: path and category.
    pub path_text: Field,
    /// Searchable: the site's name and title ("wf Westford workshop"), so naming a site
    /// favours its docs.
    pub site_text: Field,
    /// Searchable: the whole plain text.
    pub body_text: Field,
    /// Every word of title, headings, tags and body, unstemmed: the dictionary for typo
    /// correction and prefix expansion.
    pub words: Field,
    // ---- section level ---------------------------------------------------------------
    pub sec_heading: Field,
    pub sec_anchor: Field,
    pub sec_line: Field,
    pub sec_body: Field,
    /// Stored section text (cut at 32 KiB) for snippets.
    pub sec_text: Field,
}

fn text(analyzer: &str, positions: bool, stored: bool) -> TextOptions {
    let record = if positions {
        IndexRecordOption::WithFreqsAndPositions
    } else {
        IndexRecordOption::WithFreqs
    };
    let opts = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(analyzer)
            .set_index_option(record),
    );
    if stored { opts.set_stored() } else { opts }
}

impl Fields {
    pub fn new() -> Fields {
        let mut b = Schema::builder();
        let key = b.add_text_field("key", STRING | STORED);
        let level = b.add_text_field("level", STRING);
        let repo = b.add_text_field("repo", STRING | STORED);
        let site = b.add_text_field("site", STORED);
        let path = b.add_text_field("path", STORED);
        let url = b.add_text_field("url", STORED);
        let title = b.add_text_field("title", STORED);
        let kind = b.add_text_field("kind", STRING | STORED);
        let boost = b.add_f64_field("boost", FAST);
        let category = b.add_facet_field("category", FacetOptions::default());
        let category_name = b.add_text_field("category_name", STORED);
        let tag = b.add_text_field("tag", STRING | STORED);
        let pattern_id = b.add_text_field("pattern_id", STORED);
        let lead = b.add_text_field("lead", STORED);
        let title_text = b.add_text_field("title_text", text(STEMMED, true, false));
        let headings_text = b.add_text_field("headings_text", text(STEMMED, true, false));
        let tags_text = b.add_text_field("tags_text", text(STEMMED, true, false));
        let path_text = b.add_text_field("path_text", text(STEMMED, true, false));
        let site_text = b.add_text_field("site_text", text(STEMMED, true, false));
        let body_text = b.add_text_field("body_text", text(STEMMED, true, false));
        let words = b.add_text_field(
            "words",
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(PLAIN)
                    .set_index_option(IndexRecordOption::Basic),
            ),
        );
        let sec_heading = b.add_text_field("sec_heading", text(STEMMED, true, true));
        let sec_anchor = b.add_text_field("sec_anchor", STORED);
        let sec_line = b.add_u64_field("sec_line", STORED);
        let sec_body = b.add_text_field("sec_body", text(STEMMED, true, false));
        let sec_text = b.add_text_field("sec_text", STORED);
        Fields {
            schema: b.build(),
            key,
            level,
            repo,
            site,
            path,
            url,
            title,
            kind,
            boost,
            category,
            category_name,
            tag,
            pattern_id,
            lead,
            title_text,
            headings_text,
            tags_text,
            path_text,
            site_text,
            body_text,
            words,
            sec_heading,
            sec_anchor,
            sec_line,
            sec_body,
            sec_text,
        }
    }

    /// The searchable doc-level fields with their weights: title and heading matches weigh
    /// more than body matches.
    pub fn weighted(&self) -> [(Field, f32); 6] {
        [
            (self.title_text, 3.0),
            (self.headings_text, 1.8),
            (self.tags_text, 2.0),
            (self.site_text, 2.5),
            (self.path_text, 1.3),
            (self.body_text, 1.0),
        ]
    }

    /// The searchable section-level fields with their weights.
    pub fn section_weighted(&self) -> [(Field, f32); 2] {
        [(self.sec_heading, 2.0), (self.sec_body, 1.0)]
    }
}

impl Default for Fields {
    fn default() -> Self {
        Fields::new()
    }
}

/// The stemming analyzer (also used to highlight snippets exactly as the index matched).
pub fn stemmed_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_LEN))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(Stemmer::new(Language::English))
        .build()
}

/// The plain-word analyzer.
pub fn plain_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_LEN))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

/// Register the analyzers on an index (needed after every open).
pub fn register(index: &Index) {
    index.tokenizers().register(STEMMED, stemmed_analyzer());
    index.tokenizers().register(PLAIN, plain_analyzer());
}

/// Tokens of a text through an analyzer: `(offset_from, offset_to, term)`.
pub fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<(usize, usize, String)> {
    let mut out = Vec::new();
    let mut stream = analyzer.token_stream(text);
    while stream.advance() {
        let t = stream.token();
        out.push((t.offset_from, t.offset_to, t.text.clone()));
    }
    out
}

/// Ranking multiplier of a doc: patterns above guides above site docs for equal relevance
/// ("check the pattern repo first"), and index pages (`README.md`), which mostly list links
/// to the docs that hold the answer, below the docs they list.
pub fn doc_boost(doc: &crate::Doc) -> f64 {
    let kind = match doc.kind {
        crate::DocKind::Pattern => 1.4,
        crate::DocKind::Guide => 1.0,
        crate::DocKind::SiteDoc => 0.8,
        crate::DocKind::Contract => 0.8,
    };
    let file = doc.path.rsplit('/').next().unwrap_or(&doc.path);
    let index_page =
        file.eq_ignore_ascii_case("readme.md") || file.eq_ignore_ascii_case("index.md");
    if index_page { kind * 0.6 } else { kind }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stemming_and_folding() {
        let mut a = stemmed_analyzer();
        let t: Vec<String> = tokens(&mut a, "Backups Rotating Café WireGuard")
            .into_iter()
            .map(|t| t.2)
            .collect();
        assert_eq!(t, ["backup", "rotat", "cafe", "wireguard"]);
        let mut p = plain_analyzer();
        let t: Vec<String> = tokens(&mut p, "Backups x-y")
            .into_iter()
            .map(|t| t.2)
            .collect();
        assert_eq!(t, ["backups", "x", "y"]);
    }
}
