//! Advice wording: what a recommendation says about risk, the action and how resolution is
//! verified, per lint rule and per pattern category. Only the framing lives here; the HOW
//! always stays in the pattern, which recommendations link and never re-explain.

use crate::problem::Severity;

/// How bad it is if nothing is done, by severity (first words of every risk line).
pub fn severity_lead(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "High",
        Severity::Warning => "Medium",
        Severity::Info => "Low",
    }
}

/// What goes wrong at a site that does not follow a pattern of this category.
pub fn category_risk(category: Option<&str>) -> &'static str {
    let c = category.unwrap_or("").trim_matches('/');
    let top2: String = c.split('/').take(2).collect::<Vec<_>>().join("/");
    match top2.as_str() {
        "ops/backup" => {
            "without it, data lost to a failed disk, ransomware or a mistake may not be restorable"
        }
        "ops/security" => {
            "without it, the site stays exposed to known attacks and expired or leaked credentials"
        }
        "ops/monitor" => "without it, failures go unnoticed until users report them",
        "ops/users" => "without it, accounts and access drift: leavers keep access, newcomers wait",
        "ops/deployments" => {
            "without it, changes are made by hand and cannot be repeated or rolled back"
        }
        "ops/tools" => {
            "without it, everyday admin work is done differently each time and mistakes repeat"
        }
        "ops/storage-index" => "without it, nobody knows where data lives or how full storage is",
        "lan/network" => {
            "without it, the local network is configured ad hoc and outages take longer to fix"
        }
        "lan/storage" => {
            "without it, storage is set up without snapshots or redundancy the federation relies on"
        }
        "lan/compute" => {
            "without it, hosts and VMs are built by hand and cannot be rebuilt the same way"
        }
        _ if c.starts_with("wan") => {
            "without it, the link between sites is fragile and outages last longer"
        }
        _ if c.starts_with("portals") => {
            "without it, the site's web portals are set up inconsistently and drift"
        }
        _ => {
            "without it, the site deviates from the agreed way of working and problems take longer to fix"
        }
    }
}

/// The risk line of a recommendation.
pub fn risk(rule: Option<&str>, severity: Severity, category: Option<&str>) -> String {
    let lead = severity_lead(severity);
    let specific = match rule {
        Some("duplicate-content") => {
            "a copy of a pattern inside a site doc goes stale as soon as the pattern is improved, and admins then follow outdated steps"
        }
        Some("unknown-pattern") => {
            "the doc points at a pattern that does not exist, so whoever follows it has no procedure to follow"
        }
        Some("broken-link") => {
            "readers of the doc hit a dead end exactly when they need the linked information"
        }
        Some("front-matter") => {
            "netstack cannot read this doc's metadata, so its pattern links and values are invisible to the federation"
        }
        Some("missing-contract") | Some("invalid-contract") => {
            "recommendations for this site cannot be delivered, so problems found by the federation are not acted on"
        }
        Some("missing-values") => {
            "the pattern cannot be applied or checked at this site without its values"
        }
        Some("unlinked-procedure") => {
            "a procedure that lives only in a site doc is not reviewed, not reused and silently diverges between sites"
        }
        Some("site-values-in-pattern") => {
            "site-specific values inside a pattern leak one site's details and mislead other sites"
        }
        _ => category_risk(category),
    };
    format!("{lead}: {specific}.")
}

/// What to do, in a sentence or two, for a lint rule (the pattern link is shown separately).
pub fn action(rule: &str, path: Option<&str>, lines: Option<(u32, u32)>, message: &str) -> String {
    let at = match (path, lines) {
        (Some(p), Some((a, b))) if b > a => format!("{p} (lines {a}-{b})"),
        (Some(p), Some((a, _))) => format!("{p} (line {a})"),
        (Some(p), None) => p.to_string(),
        _ => "the site repo".to_string(),
    };
    match rule {
        "duplicate-content" => format!(
            "Replace the copied text in {at} with a link to the pattern and keep only this site's values there."
        ),
        "missing-values" => format!(
            "Record the values marked \"to be filled\" in {at} (front matter `values:` or a \"Values\" table)."
        ),
        "unknown-pattern" => format!("Fix the pattern reference in {at}: {message}"),
        "broken-link" => format!("Fix the link in {at}: {message}"),
        "front-matter" => format!("Fix the front matter of {at}: {message}"),
        "missing-contract" | "invalid-contract" => format!("Fix the site contract: {message}"),
        "unlinked-procedure" => format!(
            "The procedure in {at} links no pattern. Check the pattern repo first; if no pattern covers it, write one there, then link it from {at} and keep only the site values."
        ),
        _ => format!("In {at}: {message}"),
    }
}

/// How resolution of a lint finding is verified.
pub fn verification_for_finding(
    site: &str,
    rule: &str,
    path: Option<&str>,
    pattern_check: Option<&str>,
) -> String {
    let at = path.map(|p| format!(" at {p}")).unwrap_or_default();
    let mut s = format!(
        "`netstack lint {site}` no longer reports `{rule}`{at}; the next `netstack lint --recommend` run then marks this recommendation resolved."
    );
    if let Some(url) = pattern_check {
        s.push_str(&format!(" The pattern's own checks: {url}"));
    }
    s
}

/// How resolution of a hand-made recommendation is verified.
pub fn verification_manual(
    site: &str,
    pattern_id: &str,
    pattern_check: Option<&str>,
    has_values: bool,
) -> String {
    let checks = match pattern_check {
        Some(url) => {
            format!("the checks in the pattern's verification section ({url}) pass at the site")
        }
        None => "the checks the pattern describes pass at the site".to_string(),
    };
    let values = if has_values {
        " with the values above"
    } else {
        ""
    };
    format!(
        "Done when {checks}, and a doc of site {site} links {pattern_id}{values} (`netstack lint {site}` reports nothing for it)."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn risk_by_rule_then_category() {
        let r = risk(
            Some("duplicate-content"),
            Severity::Warning,
            Some("ops/backup"),
        );
        assert!(r.starts_with("Medium: a copy of a pattern"), "{r}");
        let r = risk(None, Severity::Error, Some("ops/backup/offsite"));
        assert!(r.starts_with("High: without it, data lost"), "{r}");
        let r = risk(Some("some-new-rule"), Severity::Info, Some("wan"));
        assert!(r.contains("link between sites"), "{r}");
        let r = risk(None, Severity::Info, None);
        assert!(r.contains("agreed way of working"), "{r}");
    }

    #[test]
    fn actions_name_the_place() {
        let a = action(
            "duplicate-content",
            Some("docs/backup.md"),
            Some((12, 30)),
            "",
        );
        assert!(a.contains("docs/backup.md (lines 12-30)"), "{a}");
        let a = action(
            "broken-link",
            Some("docs/x.md"),
            Some((3, 3)),
            "`./y.md` does not exist",
        );
        assert_eq!(
            a,
            "Fix the link in docs/x.md (line 3): `./y.md` does not exist"
        );
    }
}
