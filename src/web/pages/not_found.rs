//! The 404 page: patterns with a similar name and search hits for the words of the path.

use axum::body::Body;
use axum::http::{HeaderMap, Response, StatusCode};

use crate::web::cache::CachedPage;
use crate::web::pages::parts::*;
use crate::web::pages::{layout, render_template};
use crate::web::state::{AppState, Snapshot};
use crate::web::views::*;

/// The 404 page: what might have been meant.
pub async fn not_found(state: &AppState, path: &str, headers: HeaderMap) -> Response<Body> {
    let st = state.clone();
    let path = path.to_string();
    let snap = state.snapshot();
    let html = tokio::task::spawn_blocking(move || page(&st, &snap, &path))
        .await
        .unwrap_or_default();
    let page = CachedPage::new(StatusCode::NOT_FOUND, "text/html; charset=utf-8", html);
    page.respond(&headers)
}

/// The 404 page for `path` (empty: the static build's `404.html`, for any path).
pub fn page(st: &AppState, snap: &Snapshot, path: &str) -> String {
    let kb = &snap.kb;
    let shown = decoded(path);
    let words = words_of(&shown);
    let mut suggestions: Vec<Link> = Vec::new();
    let last = shown
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or("")
        .trim_end_matches(".md");
    for id in kb.suggest_patterns(last, 5) {
        if let Some(d) = kb.pattern(id) {
            suggestions.push(pattern_link(kb, d));
        }
    }
    let mut l = layout(st, snap, "Not found", "");
    l.query = words;
    let hits = crate::web::pages::search::for_missing_path(st, snap, &l.query);
    render_template(&NotFoundPage {
        layout: l,
        new_pattern: docengine::scaffold::new_pattern_command_for_path(kb, &shown),
        path: shown,
        suggestions,
        hits,
    })
}

/// Search words from a path: `/docs/ops/backup/backup-corn-pattern/` → "backup corn pattern".
pub fn words_of(path: &str) -> String {
    let last = path
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or("")
        .trim_end_matches(".md");
    last.replace(['-', '_', '.'], " ").trim().to_string()
}

pub fn decoded(p: &str) -> String {
    percent_encoding::percent_decode_str(p)
        .decode_utf8_lossy()
        .into_owned()
}
