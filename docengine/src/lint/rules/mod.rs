//! The lint rules, one file each: the check that finds its findings and the explanation
//! (`INFO`) shown by `netstack lint --explain`, in SARIF and in `docs/lint.md`. This file holds
//! the rule table (`Rule::info`, `Rule::explain`); what the rules share is in `prelude`.

pub(crate) mod bad_suppression;
pub(crate) mod broken_link;
pub(crate) mod contract;
pub(crate) mod duplicate_content;
pub(crate) mod front_matter;
pub(crate) mod missing_values;
mod prelude;
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

pub(crate) use prelude::pattern_ref;

use crate::lint::rule::{Rule, RuleInfo, Scope};

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
