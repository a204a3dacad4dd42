//! `bad-suppression`: an inline `netstack-disable` comment naming no rule. The comments are
//! parsed in `lint::suppress`; this file owns the rule's explanation.

use super::prelude::*;

/// What `bad-suppression` catches, why, an example and the fix (`netstack lint --explain`).
pub(crate) const INFO: RuleInfo = RuleInfo {
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
};
