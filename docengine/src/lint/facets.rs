//! Narrowing a lint report by site, rule and severity, with the count behind every choice
//! (each facet counts what the *other* chosen filters leave), for the web lint page and any
//! other front end; they only format what this decides.

use super::{Finding, Report, Rule};
use crate::kb::KnowledgeBase;
use crate::problem::Severity;

/// The chosen filters; `None` is "any".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// A site name, or the pattern repo's name.
    pub site: Option<String>,
    pub rule: Option<Rule>,
    pub severity: Option<Severity>,
}

/// One choice of a facet: its value, how many findings it would show, whether it is chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice<T> {
    pub value: T,
    pub count: usize,
    pub chosen: bool,
}

/// The findings a filter keeps and the choices of each facet. A choice appears when it
/// would show something or is chosen.
#[derive(Debug)]
pub struct Facets<'r> {
    pub findings: Vec<&'r Finding>,
    /// Repos in KB order (the pattern repo, then sites in config order).
    pub sites: Vec<Choice<String>>,
    /// Rules in rule order.
    pub rules: Vec<Choice<Rule>>,
    /// Error, warning, info.
    pub severities: Vec<Choice<Severity>>,
}

/// The repo a finding is about, as the site facet names it.
pub fn repo_name(f: &Finding) -> &str {
    f.site.as_deref().unwrap_or(&f.repo)
}

impl Filter {
    fn keeps(&self, f: &Finding, site: bool, rule: bool, severity: bool) -> bool {
        (!site || self.site.as_deref().is_none_or(|x| repo_name(f) == x))
            && (!rule || self.rule.is_none_or(|x| f.rule == x))
            && (!severity || self.severity.is_none_or(|x| f.severity == x))
    }

    /// Is any filter chosen?
    pub fn any(&self) -> bool {
        self.site.is_some() || self.rule.is_some() || self.severity.is_some()
    }
}

impl Report {
    /// The findings `filter` keeps and, per facet, what each choice would leave.
    pub fn facets<'r>(&'r self, kb: &KnowledgeBase, filter: &Filter) -> Facets<'r> {
        let count = |pick: &dyn Fn(&Finding) -> bool, s: bool, r: bool, v: bool| {
            self.findings
                .iter()
                .filter(|f| pick(f) && filter.keeps(f, s, r, v))
                .count()
        };
        let sites = std::iter::once(kb.pattern_repo().name.as_str())
            .chain(kb.sites())
            .filter_map(|name| {
                let n = count(&|f| repo_name(f) == name, false, true, true);
                let chosen = filter.site.as_deref() == Some(name);
                (n > 0 || chosen).then(|| Choice {
                    value: name.to_string(),
                    count: n,
                    chosen,
                })
            })
            .collect();
        let rules = Rule::ALL
            .iter()
            .filter_map(|&r| {
                let n = count(&|f| f.rule == r, true, false, true);
                let chosen = filter.rule == Some(r);
                (n > 0 || chosen).then_some(Choice {
                    value: r,
                    count: n,
                    chosen,
                })
            })
            .collect();
        let severities = [Severity::Error, Severity::Warning, Severity::Info]
            .into_iter()
            .filter_map(|v| {
                let n = count(&|f| f.severity == v, true, true, false);
                let chosen = filter.severity == Some(v);
                (n > 0 || chosen).then_some(Choice {
                    value: v,
                    count: n,
                    chosen,
                })
            })
            .collect();
        Facets {
            findings: self
                .findings
                .iter()
                .filter(|f| filter.keeps(f, true, true, true))
                .collect(),
            sites,
            rules,
            severities,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::{Settings, Target, lint};

    #[test]
    fn each_facet_counts_what_the_other_filters_leave() {
        let files: &[(&str, &str)] = &[
            ("netstack/docs/ops/x-pattern.md", "# X\n\nWhy.\n"),
            (
                "cf/docs/a.md",
                "# A\n\n[gone](missing.md) and [also](nope.md)\n",
            ),
            ("wf/docs/b.md", "# B\n\n[gone](missing.md)\n"),
        ];
        let (_d, kb) = crate::testkit::kb_from(
            files,
            "[patterns]\npath = \"netstack\"\n\n[[sites]]\nname = \"cf\"\npath = \"cf\"\n\n[[sites]]\nname = \"wf\"\npath = \"wf\"\n",
        );
        let report = lint(&kb, &Settings::default(), &Target::Everything, None);
        let all = report.facets(&kb, &Filter::default());
        assert_eq!(all.findings.len(), report.findings.len());
        let broken = |f: &Facets| {
            f.rules
                .iter()
                .find(|c| c.value == Rule::BrokenLink)
                .map(|c| c.count)
        };
        assert_eq!(broken(&all), Some(3), "{:?}", report.findings);

        let cf = Filter {
            site: Some("cf".into()),
            ..Filter::default()
        };
        let f = report.facets(&kb, &cf);
        assert!(f.findings.iter().all(|x| repo_name(x) == "cf"));
        // The rule facet counts cf's findings; the site facet still offers wf.
        assert_eq!(broken(&f), Some(2));
        let wf = f.sites.iter().find(|c| c.value == "wf").unwrap();
        assert!(!wf.chosen && wf.count >= 1);
        assert!(f.sites.iter().any(|c| c.value == "cf" && c.chosen));
        assert!(cf.any() && !Filter::default().any());
    }
}
