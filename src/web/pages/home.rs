//! The home page: categories, sites, recent problems, guides and the lint summary.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, Response, StatusCode, Uri};
use docengine::DocKind;
use docengine::browse;
use docengine::routes;

use crate::web::pages::parts::*;
use crate::web::pages::sites::site_cards;
use crate::web::pages::{Html, Mode, NeedsLint, cache_key, cached, layout, render_template};
use crate::web::state::{AppState, LintOutcome, Snapshot};
use crate::web::views::*;

/// Patterns listed per category card on the home page.
const HOME_ITEMS: usize = 6;

/// `GET /`
pub async fn home(State(state): State<AppState>, uri: Uri, headers: HeaderMap) -> Response<Body> {
    cached(&state, &cache_key(&uri), &headers, NeedsLint::IfReady, page).await
}

/// The home page.
pub fn page(st: &AppState, snap: &Snapshot, lint: Option<&LintOutcome>) -> Html {
    let kb = &snap.kb;
    let problems = browse::problems(kb);
    let mut home_layout = layout(st, snap, "Home", "home");
    home_layout.lint_pending = lint.is_none();
    let page = HomePage {
        layout: home_layout,
        patterns: kb.pattern_count(),
        guides_count: browse::guides(kb).len(),
        site_docs: kb
            .docs
            .iter()
            .filter(|d| d.kind == DocKind::SiteDoc)
            .count(),
        references: kb.references().iter().filter(|r| !r.is_missing()).count(),
        readme: kb
            .pattern_repo()
            .doc("README.md")
            .map(|d| routes::doc_url(kb, d)),
        published: kb
            .config
            .patterns
            .publication
            .base_urls()
            .next()
            .map(str::to_string),
        categories: category_cards(kb, HOME_ITEMS),
        sites: site_cards(kb, &problems),
        problems: problems
            .iter()
            .take(8)
            .map(|p| problem_row(kb, Mode::of(st), p))
            .collect(),
        guides: browse::guides(kb)
            .into_iter()
            .filter(|&d| {
                let p = &kb.doc(d).path;
                !p.ends_with("README.md") && !p.ends_with("index.md")
            })
            .take(12)
            .map(|d| doc_link(kb, d))
            .collect(),
        lint: lint
            .and_then(|l| l.report.as_ref().ok())
            .map(|r| r.counts())
            .unwrap_or_default(),
    };
    Html(StatusCode::OK, render_template(&page))
}
