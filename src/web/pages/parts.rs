//! Pieces that several page areas show: links to docs and patterns, problem and finding rows,
//! category cards, breadcrumbs, folder listings and a site's contract.

use docengine::browse::{self, ProblemEntry};
use docengine::contract::{ContractStatus, Form};
use docengine::lint;
use docengine::routes;
use docengine::{DocId, KnowledgeBase};

use crate::web::pages::Mode;
use crate::web::state::LintOutcome;
use crate::web::views::*;

pub fn link(url: String, title: impl Into<String>, note: impl Into<String>) -> Link {
    Link {
        url,
        title: title.into(),
        note: note.into(),
    }
}

pub fn doc_link(kb: &KnowledgeBase, id: DocId) -> Link {
    let d = kb.doc(id);
    link(routes::doc_url(kb, id), d.title.clone(), d.path.clone())
}

pub fn pattern_link(kb: &KnowledgeBase, id: DocId) -> Link {
    let d = kb.doc(id);
    link(
        routes::doc_url(kb, id),
        d.title.clone(),
        d.pattern_id.clone().unwrap_or_default(),
    )
}

pub fn problem_row(kb: &KnowledgeBase, mode: Mode, p: &ProblemEntry) -> ProblemRow {
    ProblemRow {
        severity: p.severity.as_str(),
        kind: p.kind.clone(),
        location: match p.line {
            Some(l) => format!("{}:{l}", p.path),
            None => p.path.clone(),
        },
        // At its line of the source when it has one.
        url: p.doc.map(|d| match (p.line, mode) {
            (Some(l), Mode::Serve) => format!("{}?source#L{l}", routes::doc_url(kb, d)),
            _ => routes::doc_url(kb, d),
        }),
        message: p.message_with_hint(kb),
        site: p.site.clone(),
    }
}

pub fn finding_row(kb: &KnowledgeBase, mode: Mode, f: &lint::Finding) -> FindingRow {
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
            .and_then(|_| mode.server_only(format!("/recommend/finding?fp={}", f.fingerprint))),
        source_url: kb.find(&f.repo, &f.path).and_then(|d| {
            mode.server_only(format!("{}?source#L{}", routes::doc_url(kb, d), f.line))
        }),
        suggestions: f
            .suggestions
            .iter()
            .filter_map(pattern_of)
            .map(|d| pattern_link(kb, d))
            .collect(),
    }
}

/// The lint findings of one doc (by repo and repo-relative path).
pub fn findings_of<'a>(
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
pub fn doc_findings(
    kb: &KnowledgeBase,
    mode: Mode,
    lint: Option<&LintOutcome>,
    repo: &str,
    path: &str,
) -> Vec<FindingRow> {
    findings_of(lint, repo, path)
        .map(|f| finding_row(kb, mode, f))
        .collect()
}

pub fn category_url(kb: &KnowledgeBase, category: &str) -> String {
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

pub fn category_cards(kb: &KnowledgeBase, limit: usize) -> Vec<CategoryCard> {
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

pub fn contract_status(c: Option<&ContractStatus>) -> &'static str {
    match c {
        Some(ContractStatus::Valid(_)) => "ok",
        Some(ContractStatus::Invalid { .. }) => "invalid",
        _ => "missing",
    }
}

pub fn contract_view(kb: &KnowledgeBase, site: &str) -> ContractView {
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

/// Breadcrumbs for a repo path: the repo, then each folder above `path`.
pub fn crumbs(kb: &KnowledgeBase, repo: usize, path: &str, include_last: bool) -> Vec<Link> {
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

/// Sub-folders and docs directly in a folder (for listings and README pages).
pub fn folder_entries(
    kb: &KnowledgeBase,
    repo: usize,
    dir: &str,
    skip: Option<DocId>,
) -> Vec<Link> {
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
