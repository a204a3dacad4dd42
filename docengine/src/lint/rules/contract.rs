//! `missing-contract` and `invalid-contract`: one check of a site's `.wip-contract.md`, two
//! rules (no file at all, or a file naming no usable contact); they share this file because
//! one parse decides between them.

use super::prelude::*;

/// What `missing-contract` catches, why, an example and the fix (`netstack lint --explain`).
pub(crate) const MISSING_CONTRACT: RuleInfo = RuleInfo {
    rule: Rule::MissingContract,
    id: "missing-contract",
    name: "MissingContract",
    default_severity: Severity::Warning,
    scope: Scope::Sites,
    summary: "The site repo has no `.wip-contract.md`.",
    description: "Action recommendations go through contracts: without \
`.wip-contract.md` at the repo root nobody knows who receives them for this site, or how.",
    example: "A site repo with `docs/` but no `.wip-contract.md` at its root.",
    fix: "Add `.wip-contract.md` at the repo root with a contact section:\n\n```markdown\n## Contact Method\n\n- **Action recommendations:** Email to admin@example.org with netstack pattern link\n```\n\n`netstack new contract --site SITE --email ADDR` writes one.",
};

/// The contact section of a contract written by hand (the end of both fixes).
const HAND_WRITTEN: &str = "\n\n```markdown\n## Contact Method\n\n- **Action recommendations:** Email to admin@example.org with netstack pattern link\n```";

/// What `invalid-contract` catches, why, an example and the fix (`netstack lint --explain`).
pub(crate) const INVALID_CONTRACT: RuleInfo = RuleInfo {
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
};

pub(crate) fn contract(kb: &KnowledgeBase, site: &str) -> Option<Finding> {
    let repo = kb.site_repo(site)?;
    let status = kb.contract(site)?;
    let mut f = match status {
        ContractStatus::Valid(_) => return None,
        ContractStatus::Missing => Finding::new(
            Rule::MissingContract,
            Some(site),
            site,
            CONTRACT_FILE,
            1,
            1,
            format!(
                "site `{site}` has no {CONTRACT_FILE}: nobody is named to receive action recommendations"
            ),
            format!(
                "Run `{}` to write one (`--cc ADDR` copies someone, `--structured` writes front matter contacts), or add it by hand with a contact section:{HAND_WRITTEN}",
                crate::contract::new_command(site),
            ),
            String::new(),
        ),
        ContractStatus::Invalid { line, reason } => {
            let mut f = Finding::new(
                Rule::InvalidContract,
                Some(site),
                site,
                CONTRACT_FILE,
                *line,
                *line,
                format!(
                    "{CONTRACT_FILE} names no usable contact for action recommendations: {reason}"
                ),
                Rule::InvalidContract.info().fix,
                reason.clone(),
            );
            f.abs_path = Some(repo.root.join(CONTRACT_FILE));
            f
        }
    };
    // Where the contract is (or belongs), so paths show relative to the working folder.
    f.abs_path = Some(repo.root.join(CONTRACT_FILE));
    Some(f)
}
