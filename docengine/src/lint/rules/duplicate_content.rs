//! `duplicate-content`: a block of a site doc that copies the pattern repo. The matching
//! (winnowed fingerprints, one sorted table) lives in `lint::duplicate`; this file owns the
//! rule's explanation.

use super::prelude::*;

/// What `duplicate-content` catches, why, an example and the fix (`netstack lint --explain`).
pub(crate) const INFO: RuleInfo = RuleInfo {
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
};
