//! The HTML pages: each handler picks the snapshot, answers from the page cache when it
//! can, and otherwise turns docengine's data into a view (`views.rs`) and renders it.

use std::collections::HashMap;
use std::sync::Arc;

use askama::Template;
use axum::body::Body;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, Method, Response, StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect};
use docengine::browse::{self, ProblemEntry};
use docengine::contract::{ContractStatus, Form};
use docengine::coverage::Coverage;
use docengine::lint;
use docengine::recommend;
use docengine::render;
use docengine::routes::{self, Route};
use docengine::{DocId, DocKind, KnowledgeBase, Severity};
use serde::Deserialize;

use super::assets;
use super::cache::CachedPage;
use super::files;
use super::state::{AppState, LintOutcome, Snapshot};
use super::usage;
use super::views::*;

/// Patterns listed per category card on the home page.
const HOME_ITEMS: usize = 6;
/// Above this many matrix cells the coverage page shows one category at a time.
const MATRIX_CELLS: usize = 6000;

/// A rendered page before caching.
pub struct Html(pub StatusCode, pub String);

pub fn render_template(t: &impl Template) -> String {
    t.render()
        .unwrap_or_else(|e| format!("<!doctype html><p>template error: {e}</p>"))
}

/// Answer from the snapshot's page cache, or render (on the blocking pool) and cache.
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

fn cache_key(uri: &Uri) -> String {
    cache_key_str(uri).to_string()
}

fn cache_key_str(uri: &Uri) -> &str {
    uri.path_and_query()
        .map(|p| p.as_str())
        .unwrap_or_else(|| uri.path())
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
        lint_pending: false,
    }
}

fn link(url: String, title: impl Into<String>, note: impl Into<String>) -> Link {
    Link {
        url,
        title: title.into(),
        note: note.into(),
    }
}

fn doc_link(kb: &KnowledgeBase, id: DocId) -> Link {
    let d = kb.doc(id);
    link(routes::doc_url(kb, id), d.title.clone(), d.path.clone())
}

fn pattern_link(kb: &KnowledgeBase, id: DocId) -> Link {
    let d = kb.doc(id);
    link(
        routes::doc_url(kb, id),
        d.title.clone(),
        d.pattern_id.clone().unwrap_or_default(),
    )
}

fn problem_row(kb: &KnowledgeBase, p: &ProblemEntry) -> ProblemRow {
    ProblemRow {
        severity: p.severity.as_str(),
        kind: p.kind.clone(),
        location: match p.line {
            Some(l) => format!("{}:{l}", p.path),
            None => p.path.clone(),
        },
        // At its line of the source when it has one.
        url: p.doc.map(|d| match p.line {
            Some(l) => format!("{}?source#L{l}", routes::doc_url(kb, d)),
            None => routes::doc_url(kb, d),
        }),
        message: p.message_with_hint(kb),
        site: p.site.clone(),
    }
}

fn finding_row(kb: &KnowledgeBase, f: &lint::Finding) -> FindingRow {
    let pattern_of = |p: &lint::PatternRef| {
        kb.pattern(&p.id)
            .or_else(|| kb.find(&kb.pattern_repo().name, &p.path))
    };
    FindingRow {
        severity: f.severity.as_str(),
        rule: f.rule.id(),
        rule_url: format!("/lint/rules/{}", f.rule.id()),
        location: f.location(),
        line: f.line,
        url: kb.find(&f.repo, &f.path).map(|d| routes::doc_url(kb, d)),
        message: f.message.clone(),
        fix: f.fix.clone(),
        pattern: f
            .pattern
            .as_ref()
            .and_then(pattern_of)
            .map(|d| pattern_link(kb, d)),
        similarity: f.similarity.map(|s| (s * 100.0).round() as u32),
        recommend: f
            .site
            .as_ref()
            .map(|_| format!("/recommend/finding?fp={}", f.fingerprint)),
        source_url: kb
            .find(&f.repo, &f.path)
            .map(|d| format!("{}?source#L{}", routes::doc_url(kb, d), f.line)),
        suggestions: f
            .suggestions
            .iter()
            .filter_map(pattern_of)
            .map(|d| pattern_link(kb, d))
            .collect(),
    }
}

/// The lint findings of one doc (by repo and repo-relative path).
fn findings_of<'a>(
    lint: Option<&'a LintOutcome>,
    repo: &'a str,
    path: &'a str,
) -> impl Iterator<Item = &'a lint::Finding> + 'a {
    lint.and_then(|l| l.report.as_ref().ok())
        .into_iter()
        .flat_map(|r| r.findings.iter())
        .filter(move |f| f.repo == repo && f.path == path)
}

/// Findings of one doc, as rows.
fn doc_findings(
    kb: &KnowledgeBase,
    lint: Option<&LintOutcome>,
    repo: &str,
    path: &str,
) -> Vec<FindingRow> {
    findings_of(lint, repo, path)
        .map(|f| finding_row(kb, f))
        .collect()
}

fn category_url(kb: &KnowledgeBase, category: &str) -> String {
    let docs_dir = &kb.config.patterns.docs_dir;
    let dir = if docs_dir.is_empty() {
        category.to_string()
    } else {
        format!("{docs_dir}/{category}")
    };
    let repo = kb.pattern_repo();
    if repo.dirs.contains(&dir) {
        routes::dir_url(kb, 0, &dir)
    } else {
        format!("/patterns/#cat-{}", routes::encode_path(category))
    }
}

fn category_cards(kb: &KnowledgeBase, limit: usize) -> Vec<CategoryCard> {
    browse::categories(kb)
        .into_iter()
        .map(|(name, ids)| CategoryCard {
            url: category_url(kb, &name),
            count: ids.len(),
            more: ids.len().saturating_sub(limit),
            items: ids
                .iter()
                .take(limit)
                .map(|&id| pattern_link(kb, id))
                .collect(),
            name,
        })
        .collect()
}

fn site_cards(kb: &KnowledgeBase, problems: &[ProblemEntry]) -> Vec<SiteCard> {
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

fn contract_status(c: Option<&ContractStatus>) -> &'static str {
    match c {
        Some(ContractStatus::Valid(_)) => "ok",
        Some(ContractStatus::Invalid { .. }) => "invalid",
        _ => "missing",
    }
}

fn contract_view(kb: &KnowledgeBase, site: &str) -> ContractView {
    let status = kb.contract(site);
    let url = kb
        .site_repo(site)
        .and_then(|r| r.doc(docengine::source::CONTRACT_FILE))
        .map(|d| routes::doc_url(kb, d));
    let mut v = ContractView {
        status: contract_status(status),
        message: None,
        form: "",
        contacts: Vec::new(),
        other: Vec::new(),
        routes: Vec::new(),
        url,
    };
    match status {
        Some(ContractStatus::Valid(c)) => {
            v.form = match c.form {
                Form::FreeForm => "free-form",
                Form::Structured => "structured",
            };
            v.contacts = c
                .contacts
                .iter()
                .map(|k| ContactRow {
                    name: k.name.clone(),
                    method: k.method.to_string(),
                    address: k.address.clone(),
                    cc: k.cc.join(", "),
                })
                .collect();
            v.other = c.other.clone();
            v.routes = c.route_lines();
        }
        Some(ContractStatus::Invalid { line, reason }) => {
            v.message = Some(format!(
                "{}:{line}: {reason}",
                docengine::source::CONTRACT_FILE
            ));
        }
        Some(ContractStatus::Missing) => {
            v.message = Some(format!(
                "No {} at the repo root: write one with `{}` (or add a `## Contact Method` section by hand) so recommendations reach someone.",
                docengine::source::CONTRACT_FILE,
                docengine::contract::new_command(site)
            ));
        }
        None => v.message = Some("The site folder is not loaded.".into()),
    }
    v
}

// ---- handlers ---------------------------------------------------------------------------

/// `GET /`
pub async fn home(State(state): State<AppState>, uri: Uri, headers: HeaderMap) -> Response<Body> {
    cached(
        &state,
        &cache_key(&uri),
        &headers,
        NeedsLint::IfReady,
        |st, snap, lint| {
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
                    .map(|p| problem_row(kb, p))
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
        },
    )
    .await
}

/// `GET /sites/`
pub async fn sites(State(state): State<AppState>, uri: Uri, headers: HeaderMap) -> Response<Body> {
    cached(
        &state,
        &cache_key(&uri),
        &headers,
        NeedsLint::No,
        |st, snap, _| {
            let kb = &snap.kb;
            let page = SitesPage {
                layout: layout(st, snap, "Sites", "sites"),
                sites: site_cards(kb, &browse::problems(kb)),
            };
            Html(StatusCode::OK, render_template(&page))
        },
    )
    .await
}

/// `GET /patterns/`
pub async fn patterns(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
) -> Response<Body> {
    cached(
        &state,
        &cache_key(&uri),
        &headers,
        NeedsLint::No,
        |st, snap, _| {
            let kb = &snap.kb;
            let page = PatternsPage {
                layout: layout(st, snap, "Patterns", "patterns"),
                total: kb.pattern_count(),
                categories: category_cards(kb, usize::MAX),
                guides: browse::guides(kb)
                    .into_iter()
                    .map(|d| doc_link(kb, d))
                    .collect(),
            };
            Html(StatusCode::OK, render_template(&page))
        },
    )
    .await
}

/// `GET /patterns/{id}`: the pattern page, by id.
pub async fn pattern_by_id(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Response<Body> {
    let snap = state.snapshot();
    let id = id.trim_end_matches(".md");
    match snap.kb.pattern(id) {
        Some(d) => Redirect::to(&routes::doc_url(&snap.kb, d)).into_response(),
        None => Redirect::to(&format!("/search?q={}", routes::encode_query(id))).into_response(),
    }
}

#[derive(Debug, Deserialize)]
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
        move |st, snap, _| {
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
            let too_big =
                selected.is_none() && chosen.len() * cov.sites.len().max(1) > MATRIX_CELLS;
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
        },
    )
    .await
}

#[derive(Debug, Deserialize)]
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
        move |st, snap, _| {
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
                .map(|p| problem_row(kb, p))
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
        },
    )
    .await
}

#[derive(Debug, Deserialize)]
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
        move |st, snap, outcome| {
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
                    .push(finding_row(kb, f));
            }
            page.shown = page.total.min(LINT_PAGE_MAX);
            page.groups = groups;
            Html(StatusCode::OK, render_template(&page))
        },
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
        move |st, snap, outcome| {
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
        },
    )
    .await
}

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
            ..finding_row(kb, f)
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

fn decoded(p: &str) -> String {
    percent_encoding::percent_decode_str(p)
        .decode_utf8_lossy()
        .into_owned()
}

/// The 404 page: what might have been meant.
pub async fn not_found(state: &AppState, path: &str, headers: HeaderMap) -> Response<Body> {
    let st = state.clone();
    let path = path.to_string();
    let snap = state.snapshot();
    let html = tokio::task::spawn_blocking(move || {
        let kb = &snap.kb;
        let shown = decoded(&path);
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
        let mut l = layout(&st, &snap, "Not found", "");
        l.query = words;
        let hits = super::search::for_missing_path(&st, &snap, &l.query);
        render_template(&NotFoundPage {
            layout: l,
            new_pattern: docengine::scaffold::new_pattern_command_for_path(kb, &shown),
            path: shown,
            suggestions,
            hits,
        })
    })
    .await
    .unwrap_or_default();
    let page = CachedPage::new(StatusCode::NOT_FOUND, "text/html; charset=utf-8", html);
    page.respond(&headers)
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

fn render_route(
    st: &AppState,
    snap: &Snapshot,
    route: &Route,
    lint: Option<&LintOutcome>,
    source: bool,
) -> Html {
    match route {
        Route::Doc(id) if source => source_page(st, snap, *id, lint),
        Route::Doc(id) => doc_page(st, snap, *id, lint),
        Route::Dir { repo, path } => dir_page(st, snap, *repo, path),
        Route::Site(site) => site_page(st, snap, site, lint),
        Route::File { .. } => Html(StatusCode::NOT_FOUND, String::new()),
    }
}

/// Breadcrumbs for a repo path: the repo, then each folder above `path`.
fn crumbs(kb: &KnowledgeBase, repo: usize, path: &str, include_last: bool) -> Vec<Link> {
    let r = &kb.repos[repo];
    let mut out = Vec::new();
    if r.site.is_some() {
        out.push(link("/sites/".into(), "Sites", ""));
        out.push(link(routes::site_url(&r.name), r.name.clone(), ""));
    } else {
        out.push(link(routes::dir_url(kb, 0, ""), r.name.clone(), ""));
    }
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    let upto = if include_last {
        parts.len()
    } else {
        parts.len().saturating_sub(1)
    };
    for i in 0..upto {
        let prefix = parts[..=i].join("/");
        out.push(link(
            routes::dir_url(kb, repo, &prefix),
            parts[i].to_string(),
            "",
        ));
    }
    out
}

fn is_index(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    file == "readme.md" || file == "index.md"
}

/// `<doc>?source`: the markdown source with line numbers (`#L12` anchors) and the lines lint
/// flags marked, so a finding's "line 12" lands on line 12.
fn source_page(st: &AppState, snap: &Snapshot, id: DocId, lint: Option<&LintOutcome>) -> Html {
    let kb = &snap.kb;
    let doc = kb.doc(id);
    let repo = kb.repo_index(doc);
    let mine: Vec<&lint::Finding> = findings_of(lint, &doc.repo, &doc.path).collect();
    // Per flagged line: the most severe finding's severity and the rules covering it.
    let mut flags: HashMap<u32, (Severity, Vec<&'static str>)> = HashMap::new();
    for f in &mine {
        for n in f.line..=f.end_line {
            let e = flags.entry(n).or_insert((f.severity, Vec::new()));
            e.0 = e.0.max(f.severity);
            if !e.1.contains(&f.rule.id()) {
                e.1.push(f.rule.id());
            }
        }
    }
    let findings = mine.iter().map(|f| finding_row(kb, f)).collect();
    let lines = doc
        .source
        .lines()
        .enumerate()
        .map(|(i, text)| {
            let n = i as u32 + 1;
            let flag = flags.get(&n);
            SourceLine {
                n,
                text: text.to_string(),
                flag: flag.map(|f| f.0.as_str()),
                note: flag.map(|f| f.1.join(", ")).unwrap_or_default(),
            }
        })
        .collect();
    let doc_url = routes::doc_url(kb, id);
    let nav = if doc.site.is_some() {
        "sites"
    } else {
        "patterns"
    };
    let mut page_layout = layout(st, snap, &format!("{} (source)", doc.title), nav);
    page_layout.lint_pending = lint.is_none();
    let page = SourcePage {
        layout: page_layout,
        title: doc.title.clone(),
        crumbs: crumbs(kb, repo, &doc.path, false),
        raw_url: format!("{doc_url}?raw"),
        doc_url,
        path: kb.display_path(doc),
        lines,
        findings,
        truncated: doc.truncated,
    };
    Html(StatusCode::OK, render_template(&page))
}

fn doc_page(st: &AppState, snap: &Snapshot, id: DocId, lint: Option<&LintOutcome>) -> Html {
    let kb = &snap.kb;
    let doc = kb.doc(id);
    let repo = kb.repo_index(doc);
    let rendered = render::render_doc(kb, id);
    let shown_path = kb.display_path(doc);
    let mut doc_crumbs = crumbs(kb, repo, &doc.path, false);
    if is_index(&doc.path) && doc_crumbs.len() > 1 {
        // The README is its folder's page: the folder's crumb would point at this page.
        doc_crumbs.pop();
    }

    let followers = if doc.site.is_none() {
        browse::followers(kb, id)
    } else {
        Vec::new()
    };
    let follower_sites = {
        let mut s: Vec<&str> = followers.iter().map(|f| f.site.as_str()).collect();
        s.dedup();
        s.len()
    };
    let follows = if doc.site.is_some() {
        browse::follows(kb, id)
            .into_iter()
            .map(|f| {
                let pd = kb.doc(f.pattern);
                FollowsRow {
                    url: routes::doc_url(kb, f.pattern),
                    title: pd.title.clone(),
                    id: pd.pattern_id.clone().unwrap_or_default(),
                    missing: f.missing,
                }
            })
            .collect()
    } else {
        Vec::new()
    };

    let mut problems: Vec<ProblemRow> = kb
        .problems()
        .iter()
        .filter(|p| p.path == shown_path)
        .map(|p| ProblemRow {
            severity: p.severity.as_str(),
            kind: String::new(),
            location: match p.line {
                Some(l) => format!("line {l}"),
                None => String::new(),
            },
            url: None,
            message: p.message.clone(),
            site: None,
        })
        .collect();
    // Unresolved references that are not links (links are listed as broken links).
    for r in kb.references_from(id).filter(|r| r.is_missing()) {
        use docengine::refs::RefForm;
        if matches!(r.form, RefForm::Prose | RefForm::FrontMatter) {
            let suggestions = kb.suggest_patterns(&r.wanted_id(), 3);
            let hint = if suggestions.is_empty() {
                String::new()
            } else {
                format!(" Did you mean {}?", suggestions.join(", "))
            };
            problems.push(ProblemRow {
                severity: "error",
                kind: String::new(),
                location: format!("line {}", r.line),
                url: None,
                message: format!("`{}` names no pattern.{hint}", r.raw),
                site: None,
            });
        }
    }

    let in_folder = if is_index(&doc.path) {
        folder_entries(
            kb,
            repo,
            doc.path.rsplit_once('/').map_or("", |(d, _)| d),
            Some(id),
        )
    } else {
        Vec::new()
    };

    let site = doc
        .site
        .as_ref()
        .map(|s| link(routes::site_url(s), s.clone(), ""));
    let (kind, kind_label) = match doc.kind {
        DocKind::Pattern => ("pattern", "Pattern"),
        DocKind::Guide => ("guide", "Guide"),
        DocKind::SiteDoc => ("site-doc", "Site doc"),
        DocKind::Contract => ("contract", "Contract"),
    };
    let mut page_layout = layout(
        st,
        snap,
        &doc.title,
        if doc.site.is_some() {
            "sites"
        } else {
            "patterns"
        },
    );
    page_layout.lint_pending = lint.is_none();
    // One title everywhere: when front matter names the doc differently from its leading
    // `# heading`, the front matter title (used in lists, search, the breadcrumb and
    // <title>) is the page's h1 too, and the heading shows under it.
    let (lead_title, alt_heading) = match rendered.lead_title {
        Some((html, anchor))
            if doc.headings.first().map(|h| h.text.trim()) != Some(doc.title.trim()) =>
        {
            (Some((render::escape(&doc.title), anchor)), Some(html))
        }
        lead => (lead, None),
    };
    let page = DocPage {
        layout: page_layout,
        kind,
        kind_label,
        title: doc.title.clone(),
        show_title: !rendered.has_h1,
        lead_title,
        alt_heading,
        html: rendered.html,
        toc: rendered.toc,
        crumbs: doc_crumbs,
        pattern_id: doc.pattern_id.clone(),
        category: doc
            .category
            .as_ref()
            .filter(|_| doc.site.is_none())
            .map(|c| link(category_url(kb, c), c.clone(), "")),
        tags: doc.tags.clone(),
        summary: doc.summary.clone(),
        source: shown_path,
        raw_url: format!("{}?raw", routes::doc_url(kb, id)),
        source_url: format!("{}?source", routes::doc_url(kb, id)),
        published: kb.published_url(doc),
        forge: doc
            .site
            .is_none()
            .then(|| kb.config.patterns.publication.forge_file_url(&doc.path))
            .flatten(),
        follower_sites,
        followers: followers
            .iter()
            .map(|f| {
                let fd = kb.doc(f.doc);
                FollowerRow {
                    site_url: routes::site_url(&f.site),
                    site: f.site.clone(),
                    url: routes::doc_url(kb, f.doc),
                    title: fd.title.clone(),
                    path: fd.path.clone(),
                    line: f.line,
                    form: browse::form_label(f.form),
                    missing: f.missing().count(),
                    recommend: format!(
                        "/recommend?site={}&pattern={}",
                        routes::encode_query(&f.site),
                        routes::encode_query(doc.pattern_id.as_deref().unwrap_or(""))
                    ),
                    values: f
                        .values
                        .iter()
                        .map(|v| ValueCell {
                            name: v.name.clone(),
                            value: v.value.clone(),
                        })
                        .collect(),
                }
            })
            .collect(),
        declared: doc.declared_values.iter().map(|v| v.name.clone()).collect(),
        related: if doc.site.is_none() {
            kb.related_patterns(id)
                .into_iter()
                .map(|d| pattern_link(kb, d))
                .collect()
        } else {
            Vec::new()
        },
        follows,
        uses: if doc.site.is_some() {
            usage::used_links(kb, &kb.used_by_doc(id))
        } else {
            Vec::new()
        },
        links_pattern_repo: kb.links_pattern_repo(id),
        broken: rendered.broken,
        problems,
        site,
        in_folder,
        contract: (doc.kind == DocKind::Contract)
            .then(|| doc.site.as_deref().map(|s| contract_view(kb, s)))
            .flatten(),
        truncated: doc.truncated,
        lines: doc.line_count(),
        findings: doc_findings(kb, lint, &doc.repo, &doc.path),
    };
    Html(StatusCode::OK, render_template(&page))
}

/// Sub-folders and docs directly in a folder (for listings and README pages).
fn folder_entries(kb: &KnowledgeBase, repo: usize, dir: &str, skip: Option<DocId>) -> Vec<Link> {
    let r = &kb.repos[repo];
    let prefix = if dir.is_empty() {
        String::new()
    } else {
        format!("{dir}/")
    };
    let mut out = Vec::new();
    for d in r.dirs.range(prefix.clone()..) {
        let Some(rest) = d.strip_prefix(&prefix) else {
            break;
        };
        if rest.is_empty() || rest.contains('/') {
            continue;
        }
        let inner = format!("{d}/");
        let count = r
            .files
            .range(inner.clone()..)
            .take_while(|f| f.starts_with(&inner))
            .filter(|f| f.ends_with(".md"))
            .count();
        out.push(link(
            routes::dir_url(kb, repo, d),
            format!("{rest}/"),
            format!("{count} docs"),
        ));
    }
    for f in r.files.range(prefix.clone()..) {
        let Some(rest) = f.strip_prefix(&prefix) else {
            break;
        };
        if rest.contains('/') {
            continue;
        }
        if let Some(id) = r.doc(f)
            && Some(id) != skip
        {
            let d = kb.doc(id);
            let note = d.pattern_id.clone().unwrap_or_else(|| rest.to_string());
            out.push(link(routes::doc_url(kb, id), d.title.clone(), note));
        }
    }
    out
}

fn human_size(n: u64) -> String {
    match n {
        n if n < 1024 => format!("{n} B"),
        n if n < 1024 * 1024 => format!("{:.1} KiB", n as f64 / 1024.0),
        n => format!("{:.1} MiB", n as f64 / (1024.0 * 1024.0)),
    }
}

fn dir_page(st: &AppState, snap: &Snapshot, repo: usize, path: &str) -> Html {
    let kb = &snap.kb;
    let r = &kb.repos[repo];
    let entries = folder_entries(kb, repo, path, None);
    let (dirs, docs): (Vec<Link>, Vec<Link>) =
        entries.into_iter().partition(|l| l.title.ends_with('/'));
    let dirs = dirs
        .into_iter()
        .map(|mut l| {
            l.title.pop();
            l
        })
        .collect();
    let prefix = if path.is_empty() {
        String::new()
    } else {
        format!("{path}/")
    };
    let files = r
        .files
        .range(prefix.clone()..)
        .take_while(|f| f.starts_with(&prefix))
        .filter(|f| !f[prefix.len()..].contains('/') && r.doc(f).is_none())
        .map(|f| FileRow {
            url: routes::file_url(kb, repo, f),
            name: f[prefix.len()..].to_string(),
            size: std::fs::metadata(r.root.join(f))
                .map(|m| human_size(m.len()))
                .unwrap_or_default(),
        })
        .collect();
    let title = if path.is_empty() {
        r.name.clone()
    } else {
        path.rsplit('/').next().unwrap_or(path).to_string()
    };
    let mut c = crumbs(kb, repo, path, false);
    if path.is_empty() && r.site.is_none() {
        c.clear();
    }
    let page = DirPage {
        layout: layout(
            st,
            snap,
            &title,
            if r.site.is_some() {
                "sites"
            } else {
                "patterns"
            },
        ),
        title,
        crumbs: c,
        dirs,
        docs,
        files,
        used_by: if repo == 0 {
            usage::folder_users(kb, path)
        } else {
            Vec::new()
        },
    };
    Html(StatusCode::OK, render_template(&page))
}

fn site_page(st: &AppState, snap: &Snapshot, site: &str, lint: Option<&LintOutcome>) -> Html {
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
            .map(|f| finding_row(kb, f))
            .collect(),
        lint_url: format!("/lint?site={}", routes::encode_query(site)),
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
            .map(|p| problem_row(kb, p))
            .collect(),
        problems: mine
            .iter()
            .filter(|p| p.kind != "unresolved-reference")
            .map(|p| problem_row(kb, p))
            .collect(),
    };
    Html(StatusCode::OK, render_template(&page))
}
