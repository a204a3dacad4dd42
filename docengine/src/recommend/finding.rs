//! From lint findings to recommendations. [`FindingInput`] is the narrow view of a lint
//! finding that recommendations need; the lint module converts its findings into it, so the
//! two evolve independently.

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::kb::KnowledgeBase;
use crate::problem::Severity;
use crate::values::ValueSpec;

use super::advice;
use super::key;
use super::recommendation::{
    Location, PatternLink, Recommendation, find_site_doc, pattern_link, route, site_ref, value_rows,
};

/// What a recommendation needs to know about one lint finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FindingInput {
    /// Rule id (`duplicate-content`, `missing-values`, …).
    pub rule: String,
    pub severity: Severity,
    /// The site the finding is in.
    pub site: String,
    /// Repo-relative path of the doc (`docs/backup.md`; `.wip-contract.md` for contracts).
    pub path: String,
    /// 1-based first line (0 or absent when the finding is about the whole file).
    pub line: u32,
    pub end_line: u32,
    /// The finding's message.
    pub message: String,
    /// The pattern the finding is about, if any.
    pub pattern: Option<FindingPattern>,
    /// Similarity 0..1 (duplicate content).
    pub similarity: Option<f64>,
    /// Stable content fingerprint (independent of line numbers).
    pub fingerprint: String,
    /// How to fix it, as lint words it; the suggested action when given (else wording per
    /// rule from [`super::advice`]).
    #[serde(default)]
    pub fix: Option<String>,
}

/// The pattern a finding names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingPattern {
    pub id: String,
    /// Path in the pattern repo.
    pub path: Option<String>,
    /// Published URL.
    pub url: Option<String>,
}

impl FindingInput {
    /// A lint finding as recommendation input; `None` for findings in the pattern repo (no
    /// site, so no contract to route to).
    pub fn from_lint(f: &crate::lint::Finding) -> Option<FindingInput> {
        let site = f.site.clone()?;
        Some(FindingInput {
            rule: f.rule.id().to_string(),
            severity: f.severity,
            site,
            path: f.path.clone(),
            line: f.line,
            end_line: f.end_line,
            message: f.message.clone(),
            pattern: f.pattern.as_ref().map(|p| FindingPattern {
                id: p.id.clone(),
                path: Some(p.path.clone()).filter(|p| !p.is_empty()),
                url: p.url.clone(),
            }),
            similarity: f.similarity,
            fingerprint: f.fingerprint.clone(),
            fix: Some(f.fix.clone()).filter(|x| !x.trim().is_empty()),
        })
    }
}

/// The dedup key a finding's recommendation gets (the same as [`from_finding`] gives it),
/// without routing it.
pub fn finding_key(kb: &KnowledgeBase, f: &FindingInput) -> String {
    let pattern = f.pattern.as_ref().map(|p| {
        kb.pattern(&p.id)
            .and_then(|id| kb.doc(id).pattern_id.clone())
            .unwrap_or_else(|| p.id.clone())
    });
    let path = (!f.path.is_empty()).then_some(f.path.as_str());
    let fp = key::location_fingerprint(path, &f.fingerprint);
    key::dedup_key(&f.site, &f.rule, pattern.as_deref(), fp)
}

/// Turn one lint finding into a recommendation routed per the site's contract.
/// `Error::NoContact` when the site's contract names nobody (the caller reports it per site).
pub fn from_finding(kb: &KnowledgeBase, f: &FindingInput) -> Result<Recommendation> {
    let site = site_ref(kb, &f.site)?;
    // The pattern: from the KB when it exists there, else as the finding gives it.
    let kb_pattern = f.pattern.as_ref().and_then(|p| kb.pattern(&p.id));
    let link: Option<PatternLink> = match (kb_pattern, &f.pattern) {
        (Some(id), _) => Some(pattern_link(kb, id)),
        (None, Some(p)) => p
            .url
            .clone()
            .or_else(|| p.path.clone())
            .map(|url| PatternLink {
                id: p.id.clone(),
                title: p.id.clone(),
                url,
                path: p.path.clone().unwrap_or_default(),
                category: p.path.as_deref().and_then(|path| {
                    let docs = kb.config.patterns.docs_dir.trim_matches('/');
                    let under = if docs.is_empty() {
                        Some(path)
                    } else {
                        path.strip_prefix(docs).and_then(|r| r.strip_prefix('/'))
                    };
                    under
                        .and_then(|r| r.rsplit_once('/'))
                        .map(|(d, _)| d.to_string())
                }),
                verification_url: None,
            }),
        (None, None) => None,
    };
    let declared: &[ValueSpec] = kb_pattern
        .map(|id| kb.doc(id).declared_values.as_slice())
        .unwrap_or(&[]);
    let doc = find_site_doc(kb, &site.name, &f.path).ok();
    // The finding's doc first, then the site's other docs following the pattern (the docs
    // `missing-values` pooled), so the message agrees with the finding.
    let docs: Vec<&crate::Doc> = match kb_pattern {
        Some(p) => kb
            .supplying_docs(&site.name, p, doc)
            .into_iter()
            .map(|d| kb.doc(d))
            .collect(),
        None => doc.map(|d| vec![kb.doc(d)]).unwrap_or_default(),
    };
    let values = if link.is_some() {
        value_rows(declared, &docs, &[])?
    } else {
        Vec::new()
    };
    let category = link.as_ref().and_then(|l| l.category.clone());
    let (recipients, route_why, contract) = route(kb, &site.name, category.as_deref(), f.severity)?;

    let path = (!f.path.is_empty()).then(|| f.path.clone());
    let lines = (f.line > 0).then(|| (f.line, f.end_line.max(f.line)));
    let location = path.as_ref().map(|p| Location {
        path: p.clone(),
        line: lines.map(|l| l.0),
        end_line: lines.map(|l| l.1),
    });
    let fp = key::location_fingerprint(path.as_deref(), &f.fingerprint);
    let key = key::dedup_key(
        &site.name,
        &f.rule,
        link.as_ref().map(|l| l.id.as_str()),
        fp,
    );
    let mut detected = format!("`{}` ({}): {}", f.rule, f.severity, f.message.trim());
    if let Some(s) = f.similarity {
        detected.push_str(&format!(" (similarity {:.0}%)", s * 100.0));
    }
    let where_ = location
        .as_ref()
        .map(|l| format!(" in {}", l.path))
        .unwrap_or_default();
    let title = match (&f.rule[..], &link) {
        ("duplicate-content", Some(l)) => format!("Link {} instead of copying it{where_}", l.id),
        ("missing-values", Some(l)) => format!("Record the values {} needs{where_}", l.id),
        ("unknown-pattern", _) => {
            format!("Fix a reference to a pattern that does not exist{where_}")
        }
        ("broken-link", _) => format!("Fix a broken link{where_}"),
        ("front-matter", _) => format!("Fix unreadable front matter{where_}"),
        ("unlinked-procedure", _) => format!("Document the procedure as a pattern{where_}"),
        (_, Some(l)) => format!("{}: follow {}{where_}", f.rule, l.id),
        (_, None) => format!("{}{where_}", f.rule),
    };
    let pattern_check = link
        .as_ref()
        .and_then(|l| l.verification_url.clone().or_else(|| Some(l.url.clone())));
    Ok(Recommendation {
        key,
        title,
        risk: advice::risk(Some(&f.rule), f.severity, category.as_deref()),
        action: match f.fix.as_deref().map(str::trim) {
            Some(fix) if !fix.is_empty() => fix.to_string(),
            _ => advice::action(&f.rule, path.as_deref(), lines, f.message.trim()),
        },
        verification: advice::verification_for_finding(
            &site.name,
            &f.rule,
            path.as_deref(),
            pattern_check.as_deref(),
        ),
        site,
        reason: f.rule.clone(),
        category,
        severity: f.severity,
        recipients,
        route: route_why,
        contract,
        pattern: link,
        values,
        detected,
        location,
        note: None,
        due: None,
    })
}
