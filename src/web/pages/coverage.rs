//! The coverage page: patterns × sites, per category when the matrix would be too big.

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, Response, StatusCode, Uri};
use docengine::coverage::Coverage;
use docengine::routes;
use serde::Deserialize;

use crate::web::pages::parts::*;
use crate::web::pages::{Html, NeedsLint, cache_key, cached, layout, render_template};
use crate::web::state::{AppState, Snapshot};
use crate::web::usage;
use crate::web::views::*;

/// Above this many matrix cells the coverage page shows one category at a time.
const MATRIX_CELLS: usize = 6000;

#[derive(Debug, Default, Deserialize)]
pub struct CoverageQuery {
    category: Option<String>,
}

/// `GET /coverage`
pub async fn coverage(
    State(state): State<AppState>,
    Query(q): Query<CoverageQuery>,
    uri: Uri,
    headers: HeaderMap,
) -> Response<Body> {
    cached(
        &state,
        &cache_key(&uri),
        &headers,
        NeedsLint::No,
        move |st, snap, _| page(st, snap, q),
    )
    .await
}

/// The coverage page, for one category or all.
pub fn page(st: &AppState, snap: &Snapshot, q: CoverageQuery) -> Html {
    let kb = &snap.kb;
    let cov = Coverage::of(kb);
    let selected = q
        .category
        .map(|c| c.trim_matches('/').to_string())
        .filter(|c| !c.is_empty());
    let site_links: Vec<Link> = cov
        .sites
        .iter()
        .map(|s| link(routes::site_url(s), s.clone(), ""))
        .collect();
    let categories = cov
        .categories
        .iter()
        .map(|c| CoverageCategory {
            url: format!("/coverage?category={}", routes::encode_query(&c.category)),
            patterns: c.patterns,
            cells: c
                .followed
                .iter()
                .map(|&n| (n, (n * 100 / c.patterns.max(1)) as u32))
                .collect(),
            selected: selected.as_deref() == Some(c.category.as_str()),
            name: c.category.clone(),
        })
        .collect();
    let chosen: Vec<_> = match &selected {
        Some(c) => cov.rows_in(c).collect(),
        None => cov.rows.iter().collect(),
    };
    let too_big = selected.is_none() && chosen.len() * cov.sites.len().max(1) > MATRIX_CELLS;
    let rows = if too_big {
        Vec::new()
    } else {
        chosen
            .iter()
            .map(|r| CoverageRowView {
                url: routes::doc_url(kb, r.pattern),
                title: kb.doc(r.pattern).title.clone(),
                id: r.id.clone(),
                category: r.category.clone(),
                count: r.site_count(),
                cells: r
                    .cells
                    .iter()
                    .map(|docs| docs.iter().map(|&d| doc_link(kb, d)).collect())
                    .collect(),
            })
            .collect()
    };
    let page = CoveragePage {
        layout: layout(st, snap, "Coverage", "coverage"),
        sites: site_links,
        categories,
        selected: selected.clone(),
        hidden_rows: if too_big { chosen.len() } else { 0 },
        rows,
        unfollowed: cov
            .unfollowed
            .iter()
            .map(|&d| pattern_link(kb, d))
            .collect(),
        used: usage::coverage_rows(kb, &cov),
        orphans: cov
            .orphans
            .iter()
            .map(|(s, docs)| {
                (
                    link(routes::site_url(s), s.clone(), ""),
                    docs.iter().map(|&d| doc_link(kb, d)).collect(),
                )
            })
            .collect(),
        total_patterns: kb.pattern_count(),
    };
    Html(StatusCode::OK, render_template(&page))
}
