//! Every path the router does not name: pattern repo pages at their published paths, site
//! repos under `/sites/`, raw files and folders, each sent to its area (or to the 404 page).

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, Response, StatusCode, header};
use axum::response::{IntoResponse, Redirect};
use docengine::routes::{self, Route};

use crate::web::files;
use crate::web::pages::not_found::{decoded, not_found};
use crate::web::pages::{Html, NeedsLint, cache_key, cache_key_str, cached};
use crate::web::pages::{docs, sites};
use crate::web::state::{AppState, LintOutcome, Snapshot};

/// Everything else: pattern repo pages at their published paths, site repos under
/// `/sites/`, raw files, folder listings, and the helpful 404.
pub async fn fallback(State(state): State<AppState>, req: Request) -> Response<Body> {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return (
            StatusCode::METHOD_NOT_ALLOWED,
            [(header::ALLOW, "GET, HEAD")],
            "only GET and HEAD",
        )
            .into_response();
    }
    let snap = state.snapshot();
    // The hot path: a page this snapshot already rendered.
    if let Some(page) = snap.pages.get(cache_key_str(req.uri())) {
        return page.respond(req.headers());
    }
    let path = req.uri().path().to_string();
    let route = routes::locate(&snap.kb, &path);
    match route {
        Some(Route::File { repo, path: rel }) => {
            let root = snap.kb.repos[repo].root.clone();
            match files::serve(&root, &rel, req).await {
                Some(r) => r,
                None => not_found(&state, &path, HeaderMap::new()).await,
            }
        }
        Some(Route::Doc(id)) if req.uri().query() == Some("raw") => {
            // The markdown source of a doc, as plain text.
            let doc = snap.kb.doc(id);
            let root = snap.kb.repo_of(doc).root.clone();
            let rel = doc.path.clone();
            match files::serve(&root, &rel, req).await {
                Some(r) => r,
                None => not_found(&state, &path, HeaderMap::new()).await,
            }
        }
        Some(route) => {
            let canonical = routes::url(&snap.kb, &route);
            if decoded(&canonical) != decoded(&path) {
                let mut to = canonical;
                if let Some(q) = req.uri().query() {
                    to.push('?');
                    to.push_str(q);
                }
                return Redirect::permanent(&to).into_response();
            }
            let headers = req.headers().clone();
            let lint = if matches!(route, Route::Doc(_) | Route::Site(_)) {
                NeedsLint::IfReady
            } else {
                NeedsLint::No
            };
            let source = req.uri().query() == Some("source");
            cached(
                &state,
                &cache_key(req.uri()),
                &headers,
                lint,
                move |st, snap, findings| render_route(st, snap, &route, findings, source),
            )
            .await
        }
        None => {
            let headers = req.headers().clone();
            not_found(&state, &path, headers).await
        }
    }
}

pub fn render_route(
    st: &AppState,
    snap: &Snapshot,
    route: &Route,
    lint: Option<&LintOutcome>,
    source: bool,
) -> Html {
    match route {
        Route::Doc(id) if source => docs::source_page(st, snap, *id, lint),
        Route::Doc(id) => docs::doc_page(st, snap, *id, lint),
        Route::Dir { repo, path } => docs::dir_page(st, snap, *repo, path),
        Route::Site(site) => sites::site_page(st, snap, site, lint),
        Route::File { .. } => Html(StatusCode::NOT_FOUND, String::new()),
    }
}
