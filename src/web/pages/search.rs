//! Search over HTTP: the search page (results with highlighted snippets and section links,
//! filters by kind, site and category, pagination, "did you mean"), `GET /api/search` (the
//! same JSON as `netstack search --json`), and the hits the 404 page offers. The index is
//! docengine's [`SearchIndex`], opened in the background at start and kept in sync on reload.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, Response, StatusCode, Uri, header};
use docengine::index::{Hit, QueryError, SearchQuery, SearchResults};
use docengine::{KnowledgeBase, SearchIndex};
use docengine::{limits, routes};
use serde::Deserialize;

use crate::web::cache::CachedPage;
use crate::web::pages::{Html, NeedsLint, cached, layout, render_template};
use crate::web::state::{AppState, Snapshot};
use crate::web::views::{Chip, SearchHitView, SearchPage};

/// Hits per search page.
const PAGE: usize = 20;
/// The last page the search page shows: no page starts past [`limits::MAX_SEARCH_OFFSET`].
const LAST_PAGE: usize = limits::MAX_SEARCH_OFFSET / PAGE + 1;

/// The query string of the search page and the API. Numbers are taken as text and parsed
/// by [`docengine::index::parse_count`], so a bad one is a `400` naming it, as the CLI would.
#[derive(Debug, Default, Deserialize)]
pub struct SearchParams {
    #[serde(default)]
    q: String,
    kind: Option<String>,
    site: Option<String>,
    category: Option<String>,
    tag: Option<String>,
    limit: Option<String>,
    offset: Option<String>,
    page: Option<String>,
}

fn nonempty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// A count parameter: absent or empty is `None`.
fn count(
    name: &'static str,
    value: &Option<String>,
    max: usize,
) -> Result<Option<usize>, QueryError> {
    nonempty(value)
        .map(|v| docengine::index::parse_count(name, v, max))
        .transpose()
}

impl SearchParams {
    /// The query, refused as the library would refuse it (bounds, no searchable word,
    /// unknown kind); unknown sites are checked against the index.
    fn query(&self, limit: usize, offset: usize) -> Result<SearchQuery, QueryError> {
        let q = SearchQuery {
            text: self.q.trim().to_string(),
            kinds: nonempty(&self.kind)
                .map(docengine::index::parse_kind)
                .transpose()?
                .into_iter()
                .collect(),
            sites: nonempty(&self.site)
                .map(str::to_string)
                .into_iter()
                .collect(),
            categories: nonempty(&self.category)
                .map(str::to_string)
                .into_iter()
                .collect(),
            tags: nonempty(&self.tag)
                .map(str::to_string)
                .into_iter()
                .collect(),
            limit,
            offset,
        };
        q.check()?;
        Ok(q)
    }
}

/// Run a search against the snapshot's KB; `None` while the index is still being built.
fn run(
    state: &AppState,
    snap: &Snapshot,
    q: &SearchQuery,
) -> Option<Result<SearchResults, docengine::Error>> {
    let index: Arc<SearchIndex> = state.search_index()?;
    Some(index.search(&snap.kb, q))
}

/// Is this a refusal of what the client asked (a `400`), not a failure of the server?
fn client_error(e: &docengine::Error) -> bool {
    matches!(e, docengine::Error::Query(_) | docengine::Error::Invalid(_))
}

/// The in-app URL of a hit (its section anchor included).
pub fn hit_url(kb: &KnowledgeBase, hit: &Hit) -> String {
    let base = match kb.find(&hit.repo, &hit.path) {
        Some(d) => routes::doc_url(kb, d),
        None => match &hit.site {
            Some(site) => format!(
                "{}/{}",
                routes::site_url(site).trim_end_matches('/'),
                routes::encode_path(&hit.path)
            ),
            None => format!("{}{}", routes::REPO_PREFIX, routes::encode_path(&hit.path)),
        },
    };
    match &hit.section {
        Some(s) if !s.anchor.is_empty() => format!("{base}#{}", routes::encode_path(&s.anchor)),
        _ => base,
    }
}

/// A snippet as HTML: escaped text with the highlighted byte ranges in `<mark>`.
pub fn highlight(text: &str, ranges: &[(usize, usize)]) -> String {
    let mut ranges: Vec<(usize, usize)> = ranges.to_vec();
    ranges.sort_unstable();
    let mut out = String::with_capacity(text.len() + ranges.len() * 13);
    let mut pos = 0;
    for (s, e) in ranges {
        if s < pos || e <= s || text.get(s..e).is_none() || text.get(pos..s).is_none() {
            continue;
        }
        out.push_str(&docengine::render::escape(&text[pos..s]));
        out.push_str("<mark>");
        out.push_str(&docengine::render::escape(&text[s..e]));
        out.push_str("</mark>");
        pos = e;
    }
    out.push_str(&docengine::render::escape(text.get(pos..).unwrap_or("")));
    out
}

/// Hits as the search page and the 404 page show them.
pub fn hit_views(kb: &KnowledgeBase, hits: &[Hit]) -> Vec<SearchHitView> {
    hits.iter()
        .map(|h| SearchHitView {
            url: hit_url(kb, h),
            title: h.title.clone(),
            kind: h.kind.as_str(),
            site: h.site.clone(),
            category: h.category.clone(),
            path: h.path.clone(),
            section: h.section.as_ref().map(|s| s.heading.clone()),
            snippet: highlight(&h.snippet, &h.highlights),
        })
        .collect()
}

/// Top hits for the words of a missing path (the 404 page).
pub fn for_missing_path(state: &AppState, snap: &Snapshot, words: &str) -> Vec<SearchHitView> {
    // A path may hold more words than a query may: search for the first ones.
    let mut text = String::new();
    for w in words.split_whitespace().take(limits::MAX_QUERY_WORDS) {
        if text.len() + w.len() + 1 > limits::MAX_QUERY_BYTES {
            break;
        }
        text.push_str(w);
        text.push(' ');
    }
    if text.trim().is_empty() {
        return Vec::new();
    }
    let q = SearchQuery {
        text: text.trim_end().to_string(),
        limit: 5,
        ..SearchQuery::default()
    };
    match run(state, snap, &q) {
        Some(Ok(r)) => hit_views(&snap.kb, &r.hits),
        _ => Vec::new(),
    }
}

/// The query with every correction applied (for "did you mean").
fn corrected(text: &str, results: &SearchResults) -> Option<String> {
    if results.corrections.is_empty() {
        return None;
    }
    let mut words: Vec<String> = text.split_whitespace().map(str::to_string).collect();
    for c in &results.corrections {
        for w in words.iter_mut() {
            if w.eq_ignore_ascii_case(&c.from) {
                *w = c.to.clone();
            }
        }
    }
    let fixed = words.join(" ");
    (fixed != text).then_some(fixed)
}

fn search_url(params: &[(&str, &str)]) -> String {
    let qs: Vec<String> = params
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", routes::encode_query(v)))
        .collect();
    if qs.is_empty() {
        "/search".into()
    } else {
        format!("/search?{}", qs.join("&"))
    }
}

/// `GET /search`
pub async fn page(
    State(state): State<AppState>,
    Query(p): Query<SearchParams>,
    uri: Uri,
    headers: HeaderMap,
) -> Response<Body> {
    let key = format!(
        "{}\0s{}",
        uri.path_and_query()
            .map(|x| x.as_str())
            .unwrap_or("/search"),
        state.search_generation()
    );
    cached(&state, &key, &headers, NeedsLint::No, move |st, snap, _| {
        let kb = &snap.kb;
        let text = p.q.trim().to_string();
        let page_no = count("page", &p.page, LAST_PAGE);
        let kind = nonempty(&p.kind).unwrap_or("").to_string();
        let site = nonempty(&p.site).unwrap_or("").to_string();
        let category = nonempty(&p.category).unwrap_or("").to_string();
        let mut l = layout(
            st,
            snap,
            if text.is_empty() { "Search" } else { &text },
            "search",
        );
        l.query = text.clone();
        let mut view = SearchPage {
            layout: l,
            text: text.clone(),
            kinds: [
                ("", "all kinds"),
                ("pattern", "patterns"),
                ("guide", "guides"),
                ("site-doc", "site docs"),
                ("contract", "contracts"),
            ]
            .iter()
            .map(|(v, label)| (v.to_string(), label.to_string(), *v == kind))
            .collect(),
            sites: std::iter::once(kb.pattern_repo().name.as_str())
                .chain(kb.sites())
                .map(|s| (s.to_string(), s == site))
                .collect(),
            categories: docengine::browse::categories(kb)
                .into_iter()
                .map(|(c, _)| {
                    let on = c == category;
                    (c, on)
                })
                .collect(),
            hits: Vec::new(),
            total: 0,
            first: 0,
            error: None,
            pending: false,
            did_you_mean: None,
            no_exact_match: None,
            prev: None,
            next: None,
            suggestions: Vec::new(),
            new_pattern: None,
            clear: Vec::new(),
        };
        if text.is_empty() {
            return Html(StatusCode::OK, render_template(&view));
        }
        let refused = |mut view: SearchPage, e: &dyn std::fmt::Display| {
            view.error = Some(e.to_string());
            Html(StatusCode::BAD_REQUEST, render_template(&view))
        };
        let page_no = match page_no {
            Ok(n) => n.unwrap_or(1).max(1),
            Err(e) => return refused(view, &e),
        };
        let offset = (page_no - 1) * PAGE;
        let q = match p.query(PAGE, offset) {
            Ok(q) => q,
            Err(e) => return refused(view, &e),
        };
        match run(st, snap, &q) {
            None => match st.search_failed() {
                Some(e) => view.error = Some(format!("search is unavailable: {e}")),
                None => view.pending = true,
            },
            Some(Err(e)) if client_error(&e) => return refused(view, &e),
            Some(Err(e)) => view.error = Some(e.to_string()),
            Some(Ok(r)) => {
                view.total = r.total;
                view.first = offset + 1;
                view.hits = hit_views(kb, &r.hits);
                view.no_exact_match = r.no_exact_match.clone();
                let base = [
                    ("q", text.as_str()),
                    ("kind", kind.as_str()),
                    ("site", site.as_str()),
                    ("category", category.as_str()),
                ];
                if let Some(fixed) = corrected(&text, &r) {
                    let mut params = base;
                    params[0].1 = &fixed;
                    view.did_you_mean = Some((fixed.clone(), search_url(&params)));
                }
                let page_url = |n: usize| {
                    let n = n.to_string();
                    let mut params: Vec<(&str, &str)> = base.to_vec();
                    params.push(("page", &n));
                    search_url(&params)
                };
                if page_no > 1 {
                    view.prev = Some(page_url(page_no - 1));
                }
                if offset + PAGE < r.total && page_no < LAST_PAGE {
                    view.next = Some(page_url(page_no + 1));
                }
                // No good result: no pattern matching every word on the first page.
                if page_no == 1
                    && !r
                        .hits
                        .iter()
                        .any(|h| h.kind == docengine::DocKind::Pattern && !h.partial)
                {
                    view.new_pattern = docengine::scaffold::new_pattern_command(
                        Some(category.as_str()).filter(|c| !c.is_empty()),
                        r.corrected_query.as_deref().unwrap_or(&text),
                    );
                }
                if r.hits.is_empty() {
                    let guess = text.replace(' ', "-");
                    view.suggestions = kb
                        .suggest_patterns(&guess, 5)
                        .into_iter()
                        .filter_map(|id| kb.pattern(id))
                        .map(|d| crate::web::views::Link {
                            url: routes::doc_url(kb, d),
                            title: kb.doc(d).title.clone(),
                            note: kb.doc(d).pattern_id.clone().unwrap_or_default(),
                        })
                        .collect();
                }
                for (name, value) in [("kind", &kind), ("site", &site), ("category", &category)] {
                    if !value.is_empty() {
                        let params: Vec<(&str, &str)> =
                            base.iter().copied().filter(|(k, _)| *k != name).collect();
                        view.clear.push(Chip {
                            label: format!("{name}: {value}"),
                            count: 0,
                            url: search_url(&params),
                            on: true,
                        });
                    }
                }
            }
        }
        Html(StatusCode::OK, render_template(&view))
    })
    .await
}

fn json(status: StatusCode, body: String) -> Response<Body> {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CACHE_CONTROL, "no-cache")
        .body(Body::from(body))
        .expect("valid response")
}

fn json_error(status: StatusCode, message: &str) -> Response<Body> {
    json(status, serde_json::json!({ "error": message }).to_string())
}

/// `400` for a refused query: the message, the parameter at fault and its bound.
fn refused(e: &QueryError) -> Response<Body> {
    let mut body = serde_json::json!({ "error": e.message, "parameter": e.param });
    if let Some(max) = e.max {
        body["max"] = max.into();
    }
    json(StatusCode::BAD_REQUEST, body.to_string())
}

/// `GET /api/search?q=…[&kind=&site=&category=&tag=&limit=&offset=]`: the hits as
/// `netstack search --json` prints them (a JSON array of hits). Every refusal is a `400`
/// with a JSON body: `{"error": …, "parameter": …, "max": …}`.
pub async fn api(
    State(state): State<AppState>,
    params: Result<Query<SearchParams>, QueryRejection>,
    uri: Uri,
    headers: HeaderMap,
) -> Response<Body> {
    let p = match params {
        Ok(Query(p)) => p,
        Err(e) => {
            return json_error(
                StatusCode::BAD_REQUEST,
                &format!("unusable query string: {}", e.body_text()),
            );
        }
    };
    if p.q.trim().is_empty() {
        return json_error(
            StatusCode::BAD_REQUEST,
            "missing query: pass ?q=words (and optionally kind, site, category, tag, limit, offset)",
        );
    }
    let limit = match count("limit", &p.limit, limits::MAX_API_LIMIT) {
        Ok(l) => l.unwrap_or(docengine::index::DEFAULT_LIMIT).max(1),
        Err(e) => return refused(&e),
    };
    let offset = match count("offset", &p.offset, limits::MAX_SEARCH_OFFSET) {
        Ok(o) => o.unwrap_or(0),
        Err(e) => return refused(&e),
    };
    let q = match p.query(limit, offset) {
        Ok(q) => q,
        Err(e) => return refused(&e),
    };
    let Some(index) = state.search_index() else {
        if let Some(e) = state.search_failed() {
            return json_error(
                StatusCode::SERVICE_UNAVAILABLE,
                &format!("search is unavailable: {e}"),
            );
        }
        let mut r = json_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "the search index is still being built; try again in a moment",
        );
        r.headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from_static("2"));
        return r;
    };
    if let Err(e) = index.check(&q) {
        return refused(&e);
    }
    let snap = state.snapshot();
    let key = format!(
        "{}\0s{}",
        uri.path_and_query()
            .map(|x| x.as_str())
            .unwrap_or("/api/search"),
        state.search_generation()
    );
    let guard = match snap.pages.get_or_guard(&key).await {
        Ok(page) => return page.respond(&headers),
        Err(guard) => guard,
    };
    let for_search = Arc::clone(&snap);
    let result = tokio::task::spawn_blocking(move || index.search(&for_search.kb, &q)).await;
    match result {
        Ok(Ok(r)) => {
            let body = serde_json::to_string(&r.hits).unwrap_or_else(|_| "[]".into());
            let page = Arc::new(CachedPage::new(StatusCode::OK, "application/json", body));
            let _ = guard.insert(Arc::clone(&page));
            page.respond(&headers)
        }
        Ok(Err(docengine::Error::Query(e))) => refused(&e),
        Ok(Err(e)) if client_error(&e) => json_error(StatusCode::BAD_REQUEST, &e.to_string()),
        Ok(Err(e)) => json_error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
        Err(e) => json_error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn highlights_are_escaped_and_marked() {
        assert_eq!(
            highlight("a <b> backup & restore", &[(6, 12), (15, 22)]),
            "a &lt;b&gt; <mark>backup</mark> &amp; <mark>restore</mark>"
        );
        // Out of range, overlapping and mid-character ranges are ignored.
        assert_eq!(
            highlight("héllo", &[(2, 3), (0, 1), (0, 99)]),
            "<mark>h</mark>éllo"
        );
    }
}
