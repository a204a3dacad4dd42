//! The lint rules: a stable id, a default severity, which repos a rule looks at, and the
//! explanation (what it catches, an example, the fix) shown by `netstack lint --explain`, in
//! SARIF rule metadata and in `docs/lint.md`.

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
        self.info().id
    }

    /// Look a rule up by id (case-insensitive; `_` accepted for `-`).
    pub fn from_id(id: &str) -> Option<Rule> {
        let id = id.trim().to_ascii_lowercase().replace('_', "-");
        Rule::ALL.into_iter().find(|r| r.id() == id)
    }

    pub fn default_severity(self) -> Severity {
        self.info().default_severity
    }

    /// Position in [`Rule::ALL`] (SARIF `ruleIndex`).
    pub fn index(self) -> usize {
        Rule::ALL.iter().position(|&r| r == self).unwrap_or(0)
    }

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
        &RULES[self as usize]
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

/// Metadata of every rule, indexed by `Rule as usize`.
static RULES: [RuleInfo; 10] = [
    RuleInfo {
        rule: Rule::DuplicateContent,
        id: "duplicate-content",
        name: "DuplicateContent",
        default_severity: Severity::Error,
        scope: Scope::Sites,
        summary: "A block of a site doc copies content of the pattern repo instead of linking it.",
        description: "Site repos hold the WHAT (values); the pattern repo holds the WHY and HOW. A \
site doc that re-explains a pattern drifts from it the day the pattern changes. This rule finds \
paragraphs, lists, tables and code blocks of a site doc that copy a pattern (or any other doc of \
the pattern repo) verbatim or lightly edited: sentences reordered or dropped, words swapped, IPs, \
host names and numbers changed. Matching uses winnowed fingerprints of normalized word sequences, \
so its cost grows linearly with the size of the KB. The similarity is the share of the site \
block's fingerprints that also occur in the pattern doc. Blocks shorter than \
`min_block_words` (default 30) and phrases that occur in many pattern docs (shared table \
headers, licence lines) never count.",
        example: "`wf/docs/backup.md` pastes the \"How it works\" section of \
`backup-cron-pattern`, sentences reworded and the NAS address and times changed to the \
site's:\n\n```text\nerror[duplicate-content]: lines 15-80 copy netstack docs/ops/backup/backup-cron-pattern.md:24-123 (similarity 0.62, 472 words)\n  --> wf/docs/backup.md:15:1\n```",
        fix: "Delete the copied text, link the pattern (`Follows netstack \
[backup-cron-pattern](https://netstack.org/docs/ops/backup/backup-cron-pattern/)`) and keep only \
this site's values (a `## Values` table). If the pattern is missing something the site needed, \
improve the pattern instead.",
    },
    RuleInfo {
        rule: Rule::UnknownPattern,
        id: "unknown-pattern",
        name: "UnknownPattern",
        default_severity: Severity::Error,
        scope: Scope::All,
        summary: "A reference to a pattern page that does not exist.",
        description: "Every form of reference the engine understands is checked: published URLs \
(`https://netstack.org/docs/…/x-pattern/`), forge URLs (`…/blob/master/docs/…`), relative paths \
into a pattern repo checkout, front matter `follows:` and prose such as \"per netstack \
x-pattern\". A reference that resolves to nothing is usually a renamed or never-written \
pattern; the message suggests the closest existing ids.",
        example: "```markdown\nUptime checks follow netstack uptime-probe-pattern.\n```\n\nwhen the \
pattern repo has no `uptime-probe-pattern` (did you mean `uptime-monitor-pattern`?).",
        fix: "Point the reference at the existing pattern the message suggests, or write the \
pattern first (\"never solve a problem without a pattern doc\") and then link it.",
    },
    RuleInfo {
        rule: Rule::BrokenLink,
        id: "broken-link",
        name: "BrokenLink",
        default_severity: Severity::Error,
        scope: Scope::All,
        summary: "A relative link to a file or heading anchor that does not exist.",
        description: "Relative links (`./dns.md`, `../images/rack.png`, `#firewall`) are checked \
against the files of the repo (including files outside the docs such as scripts and images) \
and against the headings of the target doc (GitHub-style anchors). Links to an existing \
pattern with an anchor that names no heading of it are reported too. Links to other web sites \
are never fetched.",
        example: "```markdown\nSee [the VLAN plan](./vlans.md#guest-vlan).\n```\n\nwhen `vlans.md` does \
not exist, or has no heading \"Guest VLAN\".",
        fix: "Correct the path or the anchor (anchors are the heading text in lowercase, spaces as \
`-`, punctuation dropped), or restore the missing file.",
    },
    RuleInfo {
        rule: Rule::FrontMatter,
        id: "front-matter",
        name: "FrontMatter",
        default_severity: Severity::Error,
        scope: Scope::All,
        summary: "Front matter that does not parse.",
        description: "A YAML (`---`) or TOML (`+++`) block at the top of a doc that is malformed or \
never closed. Its keys (`follows`, `values`, `kind`, `title`) are then ignored, which silently \
changes what the doc follows and supplies. The finding points at the exact line and quotes the \
parser's message.",
        example: "```markdown\n---\nfollows: [backup-cron-pattern\nvalues:\n  target: 10.0.0.5\n---\n```",
        fix: "Correct the syntax at the reported line (a missing `]`, a tab used for indentation, \
an unquoted `:` in a value), or remove the block.",
    },
    RuleInfo {
        rule: Rule::MissingContract,
        id: "missing-contract",
        name: "MissingContract",
        default_severity: Severity::Warning,
        scope: Scope::Sites,
        summary: "The site repo has no `.wip-contract.md`.",
        description: "Action recommendations go through contracts: without \
`.wip-contract.md` at the repo root nobody knows who receives them for this site, or how.",
        example: "A site repo with `docs/` but no `.wip-contract.md` at its root.",
        fix: "Add `.wip-contract.md` at the repo root with a contact section:\n\n```markdown\n## Contact Method\n\n- **Action recommendations:** Email to admin@example.org with netstack pattern link\n```",
    },
    RuleInfo {
        rule: Rule::InvalidContract,
        id: "invalid-contract",
        name: "InvalidContract",
        default_severity: Severity::Error,
        scope: Scope::Sites,
        summary: "The site's contract names no usable contact for action recommendations.",
        description: "`.wip-contract.md` exists but no contact for action recommendations can be \
read from it: no `## Contact Method` section with an `Action recommendations` line, or a line \
without an address, or structured front matter whose contacts or routes are incomplete.",
        example: "```markdown\n## Contact Method\n\n- **Admin actions:** ask in the chat\n```",
        fix: "Add `- **Action recommendations:** Email to admin@example.org with netstack pattern \
link` to the contact section, or give structured `contacts:` in front matter (method `email`, \
`issue`, `matrix`, `slack` or `webhook`, and an address).",
    },
    RuleInfo {
        rule: Rule::MissingValues,
        id: "missing-values",
        name: "MissingValues",
        default_severity: Severity::Warning,
        scope: Scope::Sites,
        summary: "A site follows a pattern but does not supply the values the pattern declares.",
        description: "A pattern's front matter `values:` lists what every site that follows it \
must supply (a backup target, a schedule, an ACME contact). The site's docs that follow the \
pattern must give each of them, as front matter `values:` or in a \"Values\" section (a \
`| Key | Value |` table or `- key: value` bullets). Values given by any doc of the site that \
follows the same pattern count; the finding is reported on the doc that follows the pattern \
most specifically.",
        example: "`cf/docs/certificates.md` follows `acme-certificates-pattern`, which declares \
`acme_contact`, and its Values table has no `acme_contact` row.",
        fix: "Add the missing keys to the doc's Values section (`| acme_contact | \
hostmaster@example.org |`).",
    },
    RuleInfo {
        rule: Rule::UnlinkedProcedure,
        id: "unlinked-procedure",
        name: "UnlinkedProcedure",
        default_severity: Severity::Warning,
        scope: Scope::Sites,
        summary: "A site doc describes a procedure but links no pattern.",
        description: "Numbered steps or shell command blocks (at least `procedure_min_steps` \
steps or commands, default 4) in a site doc that references nothing in the pattern repo: the \
HOW was written at the site instead of in a pattern, where every site could reuse it.",
        example: "```markdown\n# Printer setup\n\n1. Unpack the printer\n2. Connect it to VLAN 30\n3. Add it in CUPS\n4. Print a test page\n```",
        fix: "Document the pattern first: move the steps into a pattern doc in the pattern repo \
(`docs/lan/…/printer-setup-pattern.md`), then link it here and keep only this site's values \
(printer model, IP, queue name).",
    },
    RuleInfo {
        rule: Rule::SiteValuesInPattern,
        id: "site-values-in-pattern",
        name: "SiteValuesInPattern",
        default_severity: Severity::Info,
        scope: Scope::Patterns,
        summary: "A pattern doc contains concrete private IPs or internal host names.",
        description: "Patterns are reusable: a concrete private address (`10.20.0.53`, \
`192.168.1.10`) or an internal host name (`ns1.cf.lan`, `nas01.internal`) is usually one site's \
value that leaked into the pattern. Network addresses (`10.0.0.0/8`), documentation ranges \
(`192.0.2.0/24`), placeholders (`10.0.0.x`, `<ip>`) and `example.org` names are not reported.",
        example: "```markdown\nPoint the internal view at 10.20.0.53 (ns1.cf.lan).\n```",
        fix: "Replace the value with a placeholder or a documentation address (`192.0.2.10`, \
`ns1.example.org`), declare it in the pattern's front matter `values:`, and move the concrete \
value to the site's doc.",
    },
    RuleInfo {
        rule: Rule::BadSuppression,
        id: "bad-suppression",
        name: "BadSuppression",
        default_severity: Severity::Warning,
        scope: Scope::All,
        summary: "An inline `netstack-disable` comment names a rule that does not exist.",
        description: "A suppression with a misspelled rule id suppresses nothing, so the finding \
it was meant to silence still fails the build, or, worse, a later real finding is silenced by \
an over-broad comment. Unknown ids are reported so the comment can be corrected.",
        example: "```markdown\n<!-- netstack-disable duplicate-contnet -->\n```",
        fix: "Use one of the rule ids from `netstack lint --list-rules`.",
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_table_is_in_enum_order() {
        for (i, r) in Rule::ALL.iter().enumerate() {
            assert_eq!(r.info().rule, *r);
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
