//! The lint rules by name: a stable id and a default severity (all that settings and
//! suppressions need), and the shape of a rule's explanation (`RuleInfo`: what it catches, an
//! example, the fix), whose text lives beside each rule's check in `lint/rules/`.

use serde::{Serialize, Serializer};

use crate::problem::Severity;

/// One lint rule. The ids (`duplicate-content`, …) are stable: configs, inline suppressions
/// and baselines name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    DuplicateContent,
    UnknownPattern,
    BrokenLink,
    FrontMatter,
    MissingContract,
    InvalidContract,
    MissingValues,
    UnlinkedProcedure,
    SiteValuesInPattern,
    BadSuppression,
}

/// Which repos a rule checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    /// Site repos only.
    Sites,
    /// The pattern repo only.
    Patterns,
    /// Both.
    All,
}

/// Everything there is to say about a rule.
#[derive(Debug, Clone, Copy)]
pub struct RuleInfo {
    pub rule: Rule,
    /// Stable kebab-case id.
    pub id: &'static str,
    /// CamelCase name (SARIF `name`).
    pub name: &'static str,
    pub default_severity: Severity,
    pub scope: Scope,
    /// One sentence.
    pub summary: &'static str,
    /// What it catches and why it matters (markdown, a paragraph or two).
    pub description: &'static str,
    /// An example that triggers it (markdown).
    pub example: &'static str,
    /// How to fix it (markdown).
    pub fix: &'static str,
}

impl Rule {
    /// Every rule, in documentation order.
    pub const ALL: [Rule; 10] = [
        Rule::DuplicateContent,
        Rule::UnknownPattern,
        Rule::BrokenLink,
        Rule::FrontMatter,
        Rule::MissingContract,
        Rule::InvalidContract,
        Rule::MissingValues,
        Rule::UnlinkedProcedure,
        Rule::SiteValuesInPattern,
        Rule::BadSuppression,
    ];

    /// The stable id.
    pub fn id(self) -> &'static str {
        match self {
            Rule::DuplicateContent => "duplicate-content",
            Rule::UnknownPattern => "unknown-pattern",
            Rule::BrokenLink => "broken-link",
            Rule::FrontMatter => "front-matter",
            Rule::MissingContract => "missing-contract",
            Rule::InvalidContract => "invalid-contract",
            Rule::MissingValues => "missing-values",
            Rule::UnlinkedProcedure => "unlinked-procedure",
            Rule::SiteValuesInPattern => "site-values-in-pattern",
            Rule::BadSuppression => "bad-suppression",
        }
    }

    /// Look a rule up by id (case-insensitive; `_` accepted for `-`).
    pub fn from_id(id: &str) -> Option<Rule> {
        let id = id.trim().to_ascii_lowercase().replace('_', "-");
        Rule::ALL.into_iter().find(|r| r.id() == id)
    }

    /// The severity a rule reports at unless `[lint.rules]` says otherwise.
    pub fn default_severity(self) -> Severity {
        match self {
            Rule::DuplicateContent
            | Rule::UnknownPattern
            | Rule::BrokenLink
            | Rule::FrontMatter
            | Rule::InvalidContract => Severity::Error,
            Rule::MissingContract
            | Rule::MissingValues
            | Rule::UnlinkedProcedure
            | Rule::BadSuppression => Severity::Warning,
            Rule::SiteValuesInPattern => Severity::Info,
        }
    }

    /// Position in [`Rule::ALL`] (SARIF `ruleIndex`).
    pub fn index(self) -> usize {
        Rule::ALL.iter().position(|&r| r == self).unwrap_or(0)
    }
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

impl Serialize for Rule {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.id())
    }
}

impl std::str::FromStr for Rule {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Rule::from_id(s).ok_or_else(|| unknown_rule_message(s))
    }
}

/// "unknown rule `x`: did you mean …? (rules: …)".
pub fn unknown_rule_message(id: &str) -> String {
    let best = Rule::ALL
        .iter()
        .map(|r| (strsim::normalized_levenshtein(id, r.id()), r.id()))
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .filter(|(s, _)| *s >= 0.5)
        .map(|(_, id)| format!(" (did you mean `{id}`?)"))
        .unwrap_or_default();
    let all: Vec<&str> = Rule::ALL.iter().map(|r| r.id()).collect();
    format!(
        "unknown lint rule `{id}`{best}; the rules are: {}",
        all.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_table_is_in_enum_order() {
        for (i, r) in Rule::ALL.iter().enumerate() {
            assert_eq!(r.info().rule, *r);
            assert_eq!(r.info().id, r.id());
            assert_eq!(r.info().default_severity, r.default_severity());
            assert_eq!(r.index(), i);
            assert_eq!(Rule::from_id(r.id()), Some(*r));
            assert!(r.explain().contains("## Fix"));
        }
        assert_eq!(Rule::from_id("Broken_Link"), Some(Rule::BrokenLink));
        assert!(Rule::from_id("nope").is_none());
    }

    #[test]
    fn unknown_rule_suggests_the_closest() {
        let m = unknown_rule_message("duplicate-contnet");
        assert!(m.contains("did you mean `duplicate-content`"), "{m}");
    }
}
