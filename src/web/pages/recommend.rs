//! Recommendation previews: a pattern to a site (a form until both are chosen), and the
//! recommendation a lint finding becomes.

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, Response, StatusCode, Uri};
use docengine::KnowledgeBase;
use docengine::recommend;
use docengine::routes;
use serde::Deserialize;

use crate::web::pages::parts::*;
use crate::web::pages::{Html, Mode, NeedsLint, cache_key, cached, layout, render_template};
use crate::web::state::{AppState, Snapshot};
use crate::web::views::*;

#[derive(Debug, Default, Deserialize)]
pub struct RecommendQuery {
    site: Option<String>,
    pattern: Option<String>,
    doc: Option<String>,
    severity: Option<String>,
    note: Option<String>,
    due: Option<String>,
}

/// Above this many patterns the pattern chooser is a text box without suggestions.
const CHOOSER_MAX: usize = 3000;

fn recommend_page_base(
    st: &AppState,
    snap: &Snapshot,
    site: &str,
    pattern: &str,
    severity: &str,
) -> RecommendPage {
    let kb = &snap.kb;
    RecommendPage {
        layout: layout(st, snap, "Recommendation", "sites"),
        sites: kb.sites().map(|s| (s.to_string(), s == site)).collect(),
        patterns: if kb.pattern_count() <= CHOOSER_MAX {
            kb.patterns()
                .map(|(id, d)| (id.to_string(), kb.doc(d).title.clone()))
                .collect()
        } else {
            Vec::new()
        },
        pattern: pattern.to_string(),
        note: String::new(),
        due: String::new(),
        severity: severity.to_string(),
        error: None,
        preview: None,
        finding: Vec::new(),
    }
}

fn preview_view(kb: &KnowledgeBase, p: &recommend::Preview) -> PreviewView {
    let r = &p.recommendation;
    let pattern_doc = r.pattern.as_ref().and_then(|pl| kb.pattern(&pl.id));
    let contract_url = kb
        .site_repo(&r.site.name)
        .and_then(|repo| repo.doc(docengine::source::CONTRACT_FILE))
        .map(|d| routes::doc_url(kb, d));
    PreviewView {
        title: r.title.clone(),
        site: link(
            routes::site_url(&r.site.name),
            r.site.display(),
            r.site.name.clone(),
        ),
        severity: r.severity.as_str(),
        reason: r.reason.clone(),
        route: r.route.clone(),
        contract: r.contract.clone(),
        contract_url,
        recipients: r
            .recipients
            .iter()
            .map(|k| ContactRow {
                name: k.contact.clone(),
                method: k.method.to_string(),
                address: k.address.clone(),
                cc: k.cc.join(", "),
            })
            .collect(),
        pattern: pattern_doc.map(|d| pattern_link(kb, d)),
        published: r
            .pattern
            .as_ref()
            .filter(|pl| pl.is_web())
            .map(|pl| pl.url.clone()),
        missing: r.missing_values().count(),
        values: r
            .values
            .iter()
            .map(|v| ValueView {
                name: v.name.clone(),
                value: v.value.clone(),
                source: v.source.clone(),
                description: v.description.clone(),
            })
            .collect(),
        detected: r.detected.clone(),
        location: r.location.as_ref().map(|l| {
            let url = kb
                .find(&r.site.name, &l.path)
                .map(|d| routes::doc_url(kb, d))
                .unwrap_or_else(|| routes::site_url(&r.site.name));
            link(url, l.display(), "")
        }),
        note: r.note.clone(),
        risk: r.risk.clone(),
        action: r.action.clone(),
        verification: r.verification.clone(),
        due: r.due.clone(),
        messages: p
            .messages
            .iter()
            .map(|m| RenderingView {
                label: m
                    .recipient
                    .as_ref()
                    .map(|k| format!("to {} ({})", k.address, k.contact))
                    .unwrap_or_else(|| "the model".into()),
                format: m.format.as_str(),
                mime: m.format.mime_type(),
                text: Ok(m.text.clone()),
            })
            .collect(),
        formats: p
            .formats
            .iter()
            .map(|f| RenderingView {
                label: String::new(),
                format: f.format.as_str(),
                mime: f.mime_type,
                text: f.text.clone(),
            })
            .collect(),
    }
}

/// Today, for cache keys of pages that carry dates.
fn day() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() / 86_400)
        .unwrap_or(0)
}

/// `GET /recommend?site=&pattern=`: preview a recommendation of a pattern to a site (a form
/// when either is missing).
pub async fn recommend_page(
    State(state): State<AppState>,
    Query(q): Query<RecommendQuery>,
    uri: Uri,
    headers: HeaderMap,
) -> Response<Body> {
    let key = format!("{}\0{}", cache_key(&uri), day());
    cached(&state, &key, &headers, NeedsLint::No, move |st, snap, _| {
        let kb = &snap.kb;
        let site = q.site.unwrap_or_default().trim().to_string();
        let pattern = q.pattern.unwrap_or_default().trim().to_string();
        let severity = q
            .severity
            .as_deref()
            .and_then(|s| s.parse::<docengine::Severity>().ok())
            .unwrap_or(docengine::Severity::Warning);
        let mut page = recommend_page_base(st, snap, &site, &pattern, severity.as_str());
        page.note = q.note.clone().unwrap_or_default();
        page.due = q.due.clone().unwrap_or_default();
        if !site.is_empty() && !pattern.is_empty() {
            let mut req = recommend::ManualRequest::new(&site, &pattern);
            req.severity = severity;
            req.doc = q.doc.filter(|d| !d.trim().is_empty());
            req.note = q.note.filter(|n| !n.trim().is_empty());
            req.due = q.due.filter(|d| !d.trim().is_empty());
            match recommend::preview(kb, &req, &recommend::SystemClock) {
                Ok(p) => page.preview = Some(preview_view(kb, &p)),
                Err(e) => page.error = Some(e.to_string()),
            }
        }
        Html(StatusCode::OK, render_template(&page))
    })
    .await
}

#[derive(Debug, Deserialize)]
pub struct FindingQuery {
    fp: String,
}

/// `GET /recommend/finding?fp=<fingerprint>`: the recommendation a lint finding becomes.
pub async fn recommend_finding(
    State(state): State<AppState>,
    Query(q): Query<FindingQuery>,
    uri: Uri,
    headers: HeaderMap,
) -> Response<Body> {
    let key = format!("{}\0{}", cache_key(&uri), day());
    cached(&state, &key, &headers, NeedsLint::Yes, move |st, snap, outcome| {
        let kb = &snap.kb;
        let finding = outcome
            .and_then(|o| o.report.as_ref().ok())
            .and_then(|r| r.findings.iter().find(|f| f.fingerprint == q.fp));
        let Some(f) = finding else {
            let mut page = recommend_page_base(st, snap, "", "", "warning");
            page.error = Some(
                "No such lint finding in the current knowledge base: it was fixed, or the link is from an older version. See the lint report.".into(),
            );
            return Html(StatusCode::NOT_FOUND, render_template(&page));
        };
        let site = f.site.clone().unwrap_or_default();
        let pattern = f.pattern.as_ref().map(|p| p.id.clone()).unwrap_or_default();
        let mut page = recommend_page_base(st, snap, &site, &pattern, f.severity.as_str());
        page.finding = vec![FindingRow {
            recommend: None,
            ..finding_row(kb, Mode::of(st), f)
        }];
        match recommend::FindingInput::from_lint(f) {
            None => {
                page.error = Some(
                    "Findings in the pattern repo are fixed there: they are not sent to a site."
                        .into(),
                )
            }
            Some(input) => {
                match recommend::preview_finding(kb, &input, &recommend::SystemClock) {
                    Ok(p) => page.preview = Some(preview_view(kb, &p)),
                    Err(e) => page.error = Some(e.to_string()),
                }
            }
        }
        Html(StatusCode::OK, render_template(&page))
    })
    .await
}
