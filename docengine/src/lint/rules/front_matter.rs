//! `front-matter`: a doc whose front matter does not parse.

use super::prelude::*;

/// What `front-matter` catches, why, an example and the fix (`netstack lint --explain`).
pub(crate) const INFO: RuleInfo = RuleInfo {
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
};

pub(crate) fn front_matter(doc: &Doc) -> Option<Finding> {
    let split = crate::front_matter::split(&doc.source);
    let Some(Err(e)) = split.front_matter else {
        return None;
    };
    let end = doc.body_line.saturating_sub(1).max(e.line);
    Some(new(
        Rule::FrontMatter,
        doc,
        e.line,
        end.min(e.line + 20),
        format!("front matter does not parse: {}", e.message),
        "Correct the syntax at this line (or remove the block): until it parses, its keys \
         (`follows`, `values`, `kind`, `title`) are ignored."
            .into(),
        e.message.clone(),
    ))
}
