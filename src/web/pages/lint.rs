//! The lint page (findings with site, rule and severity filters) and one page per rule.

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Response, StatusCode, Uri};
use docengine::Severity;
use docengine::lint;
use docengine::render;
use docengine::routes;
use serde::Deserialize;

use crate::web::pages::not_found::not_found;
use crate::web::pages::parts::*;
use crate::web::pages::{Html, Mode, NeedsLint, cache_key, cached, layout, render_template};
use crate::web::state::{AppState, LintOutcome, Snapshot};
use crate::web::views::*;

#[derive(Debug, Default, Deserialize)]
pub struct LintQuery {
    site: Option<String>,
    rule: Option<String>,
    severity: Option<String>,
}

/// Findings listed on one lint page at most (filters narrow it down).
const LINT_PAGE_MAX: usize = 2000;

/// `GET /lint`
pub async fn lint_page(
    State(state): State<AppState>,
    Query(q): Query<LintQuery>,
    uri: Uri,
    headers: HeaderMap,
) -> Response<Body> {
    cached(
        &state,
        &cache_key(&uri),
        &headers,
        NeedsLint::Yes,
        move |st, snap, outcome| page(st, snap, outcome, q),
    )
    .await
}

/// `GET /lint/rules/{id}`: what a rule catches, an example, the fix.
pub async fn lint_rule(
    State(state): State<AppState>,
    Path(id): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Response<Body> {
    let Some(rule) = lint::Rule::from_id(&id) else {
        return not_found(&state, uri.path(), headers).await;
    };
    cached(
        &state,
        &cache_key(&uri),
        &headers,
        NeedsLint::IfReady,
        move |st, snap, outcome| rule_page(st, snap, outcome, rule),
    )
    .await
}

/// The lint report with the filters of `q`.
pub fn page(st: &AppState, snap: &Snapshot, outcome: Option<&LintOutcome>, q: LintQuery) -> Html {
    let kb = &snap.kb;
    let rule_docs = lint::Rule::ALL
        .iter()
        .map(|r| {
            let i = r.info();
            link(format!("/lint/rules/{}", i.id), i.id, i.summary)
        })
        .collect();
    let mut page = LintPage {
        layout: layout(st, snap, "Lint", "lint"),
        error: None,
        errors: 0,
        warnings: 0,
        infos: 0,
        fail_on: "error",
        fails: false,
        shown: 0,
        total: 0,
        sites: Vec::new(),
        rules: Vec::new(),
        severities: Vec::new(),
        groups: Vec::new(),
        clear: None,
        rule_docs,
    };
    let Some(outcome) = outcome else {
        return Html(StatusCode::OK, render_template(&page));
    };
    page.fail_on = outcome.fail_on.as_str();
    let report = match &outcome.report {
        Ok(r) => r,
        Err(e) => {
            page.error = Some(e.clone());
            return Html(StatusCode::OK, render_template(&page));
        }
    };
    let (e, w, i) = report.counts();
    page.errors = e;
    page.warnings = w;
    page.infos = i;
    page.fails = report.fails(outcome.fail_on);
    let filter = lint::facets::Filter {
        site: q.site.filter(|s| !s.is_empty()),
        rule: q.rule.as_deref().and_then(lint::Rule::from_id),
        severity: q.severity.as_deref().and_then(|s| s.parse().ok()),
    };
    let (site, rule, severity) = (filter.site.clone(), filter.rule, filter.severity);
    let url_with = |s: Option<&str>, r: Option<lint::Rule>, v: Option<Severity>| {
        let mut parts = Vec::new();
        if let Some(s) = s {
            parts.push(format!("site={}", routes::encode_query(s)));
        }
        if let Some(r) = r {
            parts.push(format!("rule={}", r.id()));
        }
        if let Some(v) = v {
            parts.push(format!("severity={}", v.as_str()));
        }
        if parts.is_empty() {
            "/lint".to_string()
        } else {
            format!("/lint?{}", parts.join("&"))
        }
    };
    let facets = report.facets(kb, &filter);
    page.sites = facets
        .sites
        .into_iter()
        .map(|c| Chip {
            url: url_with((!c.chosen).then_some(c.value.as_str()), rule, severity),
            label: c.value,
            count: c.count,
            on: c.chosen,
        })
        .collect();
    page.rules = facets
        .rules
        .into_iter()
        .map(|c| Chip {
            label: c.value.id().to_string(),
            count: c.count,
            url: url_with(site.as_deref(), (!c.chosen).then_some(c.value), severity),
            on: c.chosen,
        })
        .collect();
    page.severities = facets
        .severities
        .into_iter()
        .map(|c| Chip {
            label: c.value.as_str().to_string(),
            count: c.count,
            url: url_with(site.as_deref(), rule, (!c.chosen).then_some(c.value)),
            on: c.chosen,
        })
        .collect();
    if filter.any() {
        page.clear = Some("/lint".into());
    }
    let chosen = facets.findings;
    page.total = chosen.len();
    let mut groups: Vec<FindingGroup> = Vec::new();
    for f in chosen.iter().take(LINT_PAGE_MAX) {
        if groups
            .last()
            .is_none_or(|g| g.repo != f.repo || g.path != f.path)
        {
            groups.push(FindingGroup {
                repo: f.repo.clone(),
                path: f.path.clone(),
                url: kb.find(&f.repo, &f.path).map(|d| routes::doc_url(kb, d)),
                rows: Vec::new(),
            });
        }
        groups
            .last_mut()
            .expect("pushed above")
            .rows
            .push(finding_row(kb, Mode::of(st), f));
    }
    page.shown = page.total.min(LINT_PAGE_MAX);
    page.groups = groups;
    Html(StatusCode::OK, render_template(&page))
}

/// What a rule checks, with the number of its findings.
pub fn rule_page(
    st: &AppState,
    snap: &Snapshot,
    outcome: Option<&LintOutcome>,
    rule: lint::Rule,
) -> Html {
    let info = rule.info();
    let count = outcome
        .and_then(|o| o.report.as_ref().ok())
        .map(|r| r.findings.iter().filter(|f| f.rule == rule).count())
        .unwrap_or(0);
    let page = RulePage {
        layout: layout(st, snap, info.id, "lint"),
        id: info.id.to_string(),
        name: info.name.to_string(),
        html: render::markdown_to_html(&rule.explain()),
        count,
    };
    Html(StatusCode::OK, render_template(&page))
}
