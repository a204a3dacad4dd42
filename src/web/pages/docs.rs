//! Repo pages: a rendered doc, its source with line anchors, a folder listing, and the
//! patterns list (every pattern by category).

use std::collections::HashMap;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Response, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect};
use docengine::browse;
use docengine::lint;
use docengine::render;
use docengine::routes;
use docengine::{DocId, DocKind, Severity};

use crate::web::pages::parts::*;
use crate::web::pages::{Html, Mode, NeedsLint, cache_key, cached, layout, render_template};
use crate::web::state::{AppState, LintOutcome, Snapshot};
use crate::web::usage;
use crate::web::views::*;

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
        patterns_page,
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

fn is_index(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    file == "readme.md" || file == "index.md"
}

/// `<doc>?source`: the markdown source with line numbers (`#L12` anchors) and the lines lint
/// flags marked, so a finding's "line 12" lands on line 12.
pub fn source_page(st: &AppState, snap: &Snapshot, id: DocId, lint: Option<&LintOutcome>) -> Html {
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
    let findings = mine
        .iter()
        .map(|f| finding_row(kb, Mode::of(st), f))
        .collect();
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

pub fn doc_page(st: &AppState, snap: &Snapshot, id: DocId, lint: Option<&LintOutcome>) -> Html {
    let kb = &snap.kb;
    let doc = kb.doc(id);
    let repo = kb.repo_index(doc);
    let rendered = render::render_doc_for(kb, id, Mode::of(st).links());
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
        site_repos: kb.sites().count(),
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
        findings: doc_findings(kb, Mode::of(st), lint, &doc.repo, &doc.path),
    };
    Html(StatusCode::OK, render_template(&page))
}

fn human_size(n: u64) -> String {
    match n {
        n if n < 1024 => format!("{n} B"),
        n if n < 1024 * 1024 => format!("{:.1} KiB", n as f64 / 1024.0),
        n => format!("{:.1} MiB", n as f64 / (1024.0 * 1024.0)),
    }
}

pub fn dir_page(st: &AppState, snap: &Snapshot, repo: usize, path: &str) -> Html {
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

/// Every pattern by category, and the guides.
pub fn patterns_page(st: &AppState, snap: &Snapshot, _: Option<&LintOutcome>) -> Html {
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
}
