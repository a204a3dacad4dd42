//! The sites list and one site's overview (contract, docs, followed patterns, findings).

use std::collections::HashMap;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, Response, StatusCode, Uri};
use docengine::browse::{self, ProblemEntry};
use docengine::lint;
use docengine::routes;
use docengine::{DocId, KnowledgeBase};

use crate::web::pages::parts::*;
use crate::web::pages::{Html, Mode, NeedsLint, cache_key, cached, layout, render_template};
use crate::web::state::{AppState, LintOutcome, Snapshot};
use crate::web::usage;
use crate::web::views::*;

/// `GET /sites/`
pub async fn sites(State(state): State<AppState>, uri: Uri, headers: HeaderMap) -> Response<Body> {
    cached(&state, &cache_key(&uri), &headers, NeedsLint::No, list_page).await
}

pub fn site_cards(kb: &KnowledgeBase, problems: &[ProblemEntry]) -> Vec<SiteCard> {
    let mut per_site: HashMap<&str, usize> = HashMap::new();
    for p in problems {
        if let Some(s) = &p.site {
            *per_site.entry(s.as_str()).or_default() += 1;
        }
    }
    // One pass over the docs: per site, its docs and the patterns they follow.
    let mut docs: HashMap<&str, usize> = HashMap::new();
    let mut followed: HashMap<&str, std::collections::HashSet<DocId>> = HashMap::new();
    for (id, d) in kb.docs.iter().enumerate() {
        if let Some(site) = d.site.as_deref() {
            *docs.entry(site).or_default() += 1;
            followed
                .entry(site)
                .or_default()
                .extend(kb.followed_by_doc(id));
        }
    }
    let linked = usage::linked_counts(kb);
    kb.repos
        .iter()
        .skip(1)
        .map(|r| {
            let title = kb
                .config
                .sites
                .iter()
                .find(|s| s.name == r.name)
                .and_then(|s| s.title.clone())
                .unwrap_or_default();
            SiteCard {
                url: routes::site_url(&r.name),
                title,
                loaded: r.loaded,
                docs: docs.get(r.name.as_str()).copied().unwrap_or(0),
                patterns: followed.get(r.name.as_str()).map_or(0, |f| f.len()),
                linked: linked.get(&r.name).copied().unwrap_or(0),
                contract: contract_status(kb.contract(&r.name)),
                problems: per_site.get(r.name.as_str()).copied().unwrap_or(0),
                name: r.name.clone(),
            }
        })
        .collect()
}

pub fn site_page(st: &AppState, snap: &Snapshot, site: &str, lint: Option<&LintOutcome>) -> Html {
    let kb = &snap.kb;
    let Some(o) = browse::site_overview(kb, site) else {
        return Html(StatusCode::NOT_FOUND, String::new());
    };
    let all = browse::problems(kb);
    let mine: Vec<&ProblemEntry> = all
        .iter()
        .filter(|p| p.site.as_deref() == Some(site))
        .collect();
    const SITE_FINDINGS: usize = 100;
    let site_findings: Vec<&lint::Finding> = lint
        .and_then(|l| l.report.as_ref().ok())
        .map(|r| {
            r.findings
                .iter()
                .filter(|f| f.site.as_deref() == Some(site))
                .collect()
        })
        .unwrap_or_default();
    let page = SitePage {
        findings_total: site_findings.len(),
        findings: site_findings
            .iter()
            .take(SITE_FINDINGS)
            .map(|f| finding_row(kb, Mode::of(st), f))
            .collect(),
        lint_url: Mode::of(st)
            .server_only(format!("/lint?site={}", routes::encode_query(site)))
            .unwrap_or_else(|| "/lint".into()),
        layout: {
            let mut l = layout(st, snap, site, "sites");
            l.lint_pending = lint.is_none();
            l
        },
        name: site.to_string(),
        title: o.title.clone().unwrap_or_default(),
        path: o.path.clone(),
        loaded: o.repo.loaded,
        contract: contract_view(kb, site),
        readme: o.readme.map(|d| routes::doc_url(kb, d)),
        folders: {
            let repo = kb.repos.iter().position(|r| r.name == site).unwrap_or(0);
            folder_entries(kb, repo, "", None)
                .into_iter()
                .filter(|l| l.title.ends_with('/'))
                .collect()
        },
        docs: o
            .docs
            .iter()
            .map(|e| SiteDocRow {
                url: routes::doc_url(kb, e.doc),
                title: kb.doc(e.doc).title.clone(),
                path: kb.doc(e.doc).path.clone(),
                follows: e.follows.iter().map(|&p| pattern_link(kb, p)).collect(),
                uses: usage::used_links(kb, &e.uses),
            })
            .collect(),
        patterns: o.patterns.iter().map(|&p| pattern_link(kb, p)).collect(),
        uses: usage::used_links(kb, &o.uses),
        total_patterns: kb.pattern_count(),
        unresolved: mine
            .iter()
            .filter(|p| p.kind == "unresolved-reference")
            .map(|p| problem_row(kb, Mode::of(st), p))
            .collect(),
        problems: mine
            .iter()
            .filter(|p| p.kind != "unresolved-reference")
            .map(|p| problem_row(kb, Mode::of(st), p))
            .collect(),
    };
    Html(StatusCode::OK, render_template(&page))
}

/// The sites list.
pub fn list_page(st: &AppState, snap: &Snapshot, _: Option<&LintOutcome>) -> Html {
    let kb = &snap.kb;
    let page = SitesPage {
        layout: layout(st, snap, "Sites", "sites"),
        sites: site_cards(kb, &browse::problems(kb)),
    };
    Html(StatusCode::OK, render_template(&page))
}
