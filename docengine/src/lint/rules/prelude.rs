//! What every rule file uses: the imports, making a finding from a doc, naming a pattern,
//! and the few decisions two rules share (which missing reference is whose, anchor fixes).

pub(crate) use crate::contract::ContractStatus;
pub(crate) use crate::doc::{BlockKind, Doc, DocKind};
pub(crate) use crate::kb::{DocId, KnowledgeBase, LinkTarget};
pub(crate) use crate::lint::finding::{Finding, PatternRef};
pub(crate) use crate::lint::rule::Rule;
pub(crate) use crate::lint::rule::{RuleInfo, Scope};
pub(crate) use crate::paths::normalize;
pub(crate) use crate::problem::Severity;
pub(crate) use crate::refs::{RefForm, Reference};
pub(crate) use crate::source::CONTRACT_FILE;
pub(crate) use regex::Regex;
pub(crate) use std::collections::{BTreeMap, BTreeSet};
pub(crate) use std::path::{Path, PathBuf};

use crate::lint::finding::Columns;

pub(crate) fn new(
    rule: Rule,
    doc: &Doc,
    line: u32,
    end: u32,
    msg: String,
    fix: String,
    key: String,
) -> Finding {
    let mut f = Finding::new(
        rule,
        doc.site.as_deref(),
        &doc.repo,
        &doc.path,
        line,
        end,
        msg,
        fix,
        key,
    );
    f.abs_path = Some(doc.abs_path.clone());
    // Findings about a link target or a pattern id point at it on the line.
    if matches!(rule, Rule::BrokenLink | Rule::UnknownPattern) && line == end {
        f.columns = doc
            .source
            .lines()
            .nth(line.saturating_sub(1) as usize)
            .and_then(|l| Columns::find(l, &f.key));
    }
    f
}

/// A reference to a pattern-repo doc.
pub(crate) fn pattern_ref(kb: &KnowledgeBase, id: DocId) -> PatternRef {
    let d = kb.doc(id);
    let stem = d.path.rsplit('/').next().unwrap_or(&d.path);
    let stem = stem.rsplit_once('.').map(|(s, _)| s).unwrap_or(stem);
    PatternRef {
        id: d.pattern_id.clone().unwrap_or_else(|| stem.to_string()),
        path: d.path.clone(),
        url: kb.published_url(d),
        line: None,
        end_line: None,
    }
}

/// How to show a pattern to a reader: its published URL, else its path.
pub(crate) fn shown(p: &PatternRef) -> String {
    p.url.clone().unwrap_or_else(|| p.path.clone())
}

/// Is this missing reference reported as `unknown-pattern` (rather than `broken-link`)?
pub(crate) fn is_unknown_pattern(doc: &Doc, r: &Reference) -> bool {
    r.is_missing() && !(doc.site.is_none() && r.form == RefForm::RelativePath)
}

/// The fix for a link to a missing anchor: the target's anchors (broken-link, unknown-pattern).
pub(crate) fn anchor_fix(target: &Doc) -> String {
    let anchors: Vec<String> = target
        .headings
        .iter()
        .take(12)
        .map(|h| format!("`#{}`", h.anchor))
        .collect();
    if anchors.is_empty() {
        "The target has no headings: drop the `#…` part of the link.".into()
    } else {
        format!("Use one of the target's anchors: {}.", anchors.join(", "))
    }
}
