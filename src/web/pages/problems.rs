//! The problems page: load problems and unresolved references, by site.

use std::collections::HashMap;

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, Response, StatusCode, Uri};
use docengine::browse;
use docengine::routes;
use serde::Deserialize;

use crate::web::pages::parts::*;
use crate::web::pages::{Html, Mode, NeedsLint, cache_key, cached, layout, render_template};
use crate::web::state::{AppState, Snapshot};
use crate::web::views::*;

#[derive(Debug, Default, Deserialize)]
pub struct ProblemsQuery {
    site: Option<String>,
}

/// `GET /problems`
pub async fn problems(
    State(state): State<AppState>,
    Query(q): Query<ProblemsQuery>,
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

/// The problems page, for one site or all.
pub fn page(st: &AppState, snap: &Snapshot, q: ProblemsQuery) -> Html {
    let kb = &snap.kb;
    let all = browse::problems(kb);
    let site = q.site.filter(|s| !s.is_empty());
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for p in &all {
        *counts
            .entry(p.site.as_deref().unwrap_or(kb.pattern_repo().name.as_str()))
            .or_default() += 1;
    }
    let mut sites = vec![];
    for name in std::iter::once(kb.pattern_repo().name.as_str()).chain(kb.sites()) {
        if let Some(n) = counts.get(name) {
            sites.push(link(
                format!("/problems?site={}", routes::encode_query(name)),
                name,
                n.to_string(),
            ));
        }
    }
    let rows: Vec<ProblemRow> = all
        .iter()
        .filter(|p| match &site {
            None => true,
            Some(s) => p.site.as_deref().unwrap_or(kb.pattern_repo().name.as_str()) == s,
        })
        .map(|p| problem_row(kb, Mode::of(st), p))
        .collect();
    let page = ProblemsPage {
        layout: layout(st, snap, "Problems", "problems"),
        errors: rows.iter().filter(|r| r.severity == "error").count(),
        warnings: rows.iter().filter(|r| r.severity == "warning").count(),
        site,
        sites,
        rows,
    };
    Html(StatusCode::OK, render_template(&page))
}
