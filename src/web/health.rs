//! `GET /healthz`: the server's state as JSON (search index, KB, generation, reload error).

use axum::body::Body;
use axum::extract::State;
use axum::http::{Response, header};

use crate::web::state::AppState;

/// `GET /healthz`
pub async fn healthz(State(state): State<AppState>) -> Response<Body> {
    let snap = state.snapshot();
    let search = state.search_degraded();
    let body = serde_json::json!({
        "status": if search.is_some() { "degraded" } else { "ok" },
        "search": match &search {
            Some(why) => serde_json::json!({ "status": "degraded", "reason": why }),
            None if state.search_index().is_none() => serde_json::json!({ "status": "building" }),
            None => serde_json::json!({ "status": "ok" }),
        },
        "kb": state.inner().kb_dir.display().to_string(),
        "generation": snap.generation,
        "docs": snap.kb.docs.len(),
        "patterns": snap.kb.pattern_count(),
        "sites": snap.kb.sites().count(),
        "live": state.inner().live,
        "reload_error": snap.reload_error,
    });
    Response::builder()
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CACHE_CONTROL, "no-store")
        .body(Body::from(body.to_string()))
        .expect("valid response")
}
