//! The lint rules, one file each: the check that finds its findings and the explanation
//! (`INFO`) shown by `netstack lint --explain`, in SARIF and in `docs/lint.md`. This file holds
//! what every rule shares: making a finding from a doc and naming a pattern.

pub(crate) mod bad_suppression;
pub(crate) mod broken_link;
pub(crate) mod contract;
pub(crate) mod duplicate_content;
pub(crate) mod front_matter;
pub(crate) mod missing_values;
pub(crate) mod site_values_in_pattern;
pub(crate) mod unknown_pattern;
pub(crate) mod unlinked_procedure;

pub(crate) use broken_link::links;
pub(crate) use contract::contract;
pub(crate) use front_matter::front_matter;
pub(crate) use missing_values::missing_values;
pub(crate) use site_values_in_pattern::site_values_in_pattern;
pub(crate) use unknown_pattern::references;
pub(crate) use unlinked_procedure::unlinked_procedure;

impl Rule {
    /// The full explanation as markdown: summary, description, example and fix.
    pub fn explain(self) -> String {
        let i = self.info();
        format!(
            "# {id}\n\nDefault severity: {sev}. Checks: {scope}.\n\n{summary}\n\n{desc}\n\n## Example\n\n{ex}\n\n## Fix\n\n{fix}\n\n## Turning it off\n\nIn `netstack.toml`: `[lint.rules]` `{id} = \"off\"` (or `error`, `warning`, `info`).\nFor one place: `<!-- netstack-disable-next-block {id} -->` before the block, or\n`<!-- netstack-disable {id} -->` … `<!-- netstack-enable {id} -->` around it.\n",
            id = i.id,
            sev = i.default_severity,
            scope = match i.scope {
                Scope::Sites => "site repos",
                Scope::Patterns => "the pattern repo",
                Scope::All => "site repos and the pattern repo",
            },
            summary = i.summary,
            desc = i.description,
            ex = i.example,
            fix = i.fix,
        )
    }

    /// The rule's metadata.
    pub fn info(self) -> &'static RuleInfo {
        info_of(self)
    }
}

/// The rule's metadata, kept beside its check in `lint/rules/`.
fn info_of(rule: Rule) -> &'static RuleInfo {
    match rule {
        Rule::DuplicateContent => &duplicate_content::INFO,
        Rule::UnknownPattern => &unknown_pattern::INFO,
        Rule::BrokenLink => &broken_link::INFO,
        Rule::FrontMatter => &front_matter::INFO,
        Rule::MissingContract => &contract::MISSING_CONTRACT,
        Rule::InvalidContract => &contract::INVALID_CONTRACT,
        Rule::MissingValues => &missing_values::INFO,
        Rule::UnlinkedProcedure => &unlinked_procedure::INFO,
        Rule::SiteValuesInPattern => &site_values_in_pattern::INFO,
        Rule::BadSuppression => &bad_suppression::INFO,
    }
}

/// What the rule files use.
mod prelude {
    pub(crate) use super::{new, pattern_ref, shown};
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
}

use crate::doc::Doc;
use crate::kb::{DocId, KnowledgeBase};
use crate::lint::finding::{Columns, Finding, PatternRef};
use crate::lint::rule::{Rule, RuleInfo, Scope};

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
