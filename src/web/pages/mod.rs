//! The page frame shared by every HTML page: the layout around each page, the page cache in
//! front of rendering (`cached`), and the rendered-page type. One module per page area below;
//! each uses this frame and `parts`, and none imports a sibling back.

pub mod coverage;
pub mod docs;
pub mod fallback;
pub mod home;
pub mod lint;
pub mod not_found;
pub mod parts;
pub mod problems;
pub mod recommend;
pub mod search;
pub mod sites;

use std::sync::Arc;

use askama::Template;
use axum::body::Body;
use axum::http::{HeaderMap, Response, StatusCode, Uri};
use axum::response::IntoResponse;

use crate::web::assets;
use crate::web::cache::CachedPage;
use crate::web::state::{AppState, LintOutcome, Snapshot};
use crate::web::views::*;

/// A rendered page before caching.
pub struct Html(pub StatusCode, pub String);

pub fn render_template(t: &impl Template) -> String {
    t.render()
        .unwrap_or_else(|e| format!("<!doctype html><p>template error: {e}</p>"))
}

/// Does a page show lint findings?
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NeedsLint {
    No,
    /// Shows findings when the run is done; rendered (and cached separately) without them
    /// while it runs, and open browsers refresh when it finishes (SSE `lint`).
    IfReady,
    /// Is the findings (the lint page): waits for the run.
    Yes,
}

/// Answer from the snapshot's page cache, or render (on the blocking pool) and cache.
pub async fn cached(
    state: &AppState,
    key: &str,
    headers: &HeaderMap,
    needs: NeedsLint,
    render: impl FnOnce(&AppState, &Snapshot, Option<&LintOutcome>) -> Html + Send + 'static,
) -> Response<Body> {
    let snap = state.snapshot();
    let (findings, key) = match needs {
        NeedsLint::No => (None, std::borrow::Cow::Borrowed(key)),
        NeedsLint::Yes => (Some(state.lint(&snap).await), key.into()),
        NeedsLint::IfReady => match snap.lint_ready() {
            Some(l) => (Some(l), key.into()),
            None => (None, format!("{key}\0lint-pending").into()),
        },
    };
    let guard = match snap.pages.get_or_guard(&key).await {
        Ok(page) => return page.respond(headers),
        Err(guard) => guard,
    };
    let st = state.clone();
    let for_render = Arc::clone(&snap);
    let started = std::time::Instant::now();
    let Html(status, html) =
        match tokio::task::spawn_blocking(move || render(&st, &for_render, findings.as_deref()))
            .await
        {
            Ok(h) => h,
            Err(e) => {
                tracing::error!("rendering {key} failed: {e}");
                return (StatusCode::INTERNAL_SERVER_ERROR, "rendering failed").into_response();
            }
        };
    let page = Arc::new(CachedPage::new(status, "text/html; charset=utf-8", html));
    tracing::debug!(
        page = %key.replace('\0', " "),
        ms = format_args!("{:.1}", started.elapsed().as_secs_f64() * 1000.0),
        bytes = page.body.len(),
        "rendered"
    );
    if status == StatusCode::OK {
        let _ = guard.insert(Arc::clone(&page));
    }
    page.respond(headers)
}

pub fn cache_key(uri: &Uri) -> String {
    cache_key_str(uri).to_string()
}

pub fn cache_key_str(uri: &Uri) -> &str {
    uri.path_and_query()
        .map(|p| p.as_str())
        .unwrap_or_else(|| uri.path())
}

/// Who a page is rendered for: the server (every link), or `netstack build`'s static files,
/// where a link to a view only a server answers (a query string, `?source`, `?raw`,
/// recommendation previews) is left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Serve,
    Static,
}

impl Mode {
    pub fn of(state: &AppState) -> Mode {
        if state.inner().static_site {
            Mode::Static
        } else {
            Mode::Serve
        }
    }

    /// Where the links of a rendered doc may lead.
    pub fn links(self) -> docengine::render::Links {
        match self {
            Mode::Serve => docengine::render::Links::Server,
            Mode::Static => docengine::render::Links::Static,
        }
    }

    /// `url` when a server answers the page; `None` in a static build.
    pub fn server_only(self, url: String) -> Option<String> {
        (self == Mode::Serve).then_some(url)
    }
}

/// The frame of every page.
pub fn layout(state: &AppState, snap: &Snapshot, title: &str, nav: &'static str) -> Layout {
    Layout {
        title: title.to_string(),
        kb_name: snap.kb.pattern_repo().name.clone(),
        nav,
        query: String::new(),
        reload_error: snap.reload_error.clone(),
        generation: snap.generation,
        css: assets::url("app.css"),
        js: assets::url("app.js"),
        problem_count: snap.problem_count,
        live: state.inner().live,
        static_site: state.inner().static_site,
        noindex: state.inner().noindex,
        lint_pending: false,
    }
}
