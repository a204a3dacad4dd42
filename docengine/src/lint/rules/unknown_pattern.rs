//! `unknown-pattern`: a reference to the pattern repo that names no pattern (and, for a
//! resolved reference, an anchor the pattern does not have, reported as `broken-link`).

use super::prelude::*;

/// What `unknown-pattern` catches, why, an example and the fix (`netstack lint --explain`).
pub(crate) const INFO: RuleInfo = RuleInfo {
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
};

pub(crate) fn references(kb: &KnowledgeBase, id: DocId) -> Vec<Finding> {
    let doc = kb.doc(id);
    let repo_name = &kb.pattern_repo().name;
    let mut out = Vec::new();
    for r in kb.references_from(id) {
        if !is_unknown_pattern(doc, r) {
            // A resolved reference with a bad anchor (front matter and prose have none).
            if let (Some(to), Some(anchor)) = (r.doc(), r.anchor.as_deref())
                && r.form != RefForm::RelativePath
                && !r.raw.starts_with('#')
                && !kb.doc(to).has_anchor(anchor)
                && !doc
                    .links
                    .iter()
                    .any(|l| l.line == r.line && l.target.trim() == r.raw)
            {
                let p = pattern_ref(kb, to);
                let mut f = new(
                    Rule::BrokenLink,
                    doc,
                    r.line,
                    r.line,
                    format!(
                        "`{}` links `#{anchor}`, but {} has no such heading",
                        r.raw, p.path
                    ),
                    anchor_fix(kb.doc(to)),
                    r.raw.clone(),
                );
                f.pattern = Some(p);
                out.push(f);
            }
            continue;
        }
        let wanted = r.wanted_id();
        let suggestions: Vec<PatternRef> = kb
            .suggest_patterns(&wanted, 3)
            .into_iter()
            .filter_map(|s| kb.pattern(s))
            .map(|d| pattern_ref(kb, d))
            .collect();
        let what = if wanted.ends_with("-pattern")
            || r.form == RefForm::Prose
            || r.form == RefForm::FrontMatter
        {
            format!("pattern `{wanted}`")
        } else {
            format!("page `{}`", r.wanted)
        };
        let hint = match suggestions.as_slice() {
            [] => String::new(),
            s => format!(
                " (did you mean {}?)",
                s.iter()
                    .map(|p| format!("`{}`", p.id))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        let fix = match suggestions.first() {
            Some(p) => format!(
                "Link the existing pattern `{}` ({}) if that is what you meant; otherwise write the \
                 pattern in {repo_name} first, then link it.",
                p.id,
                shown(p)
            ),
            None => format!(
                "No similar pattern exists: write the pattern in {repo_name} first (never solve a \
                 problem without a pattern doc), then link it here."
            ),
        };
        let mut f = new(
            Rule::UnknownPattern,
            doc,
            r.line,
            r.line,
            format!(
                "`{}` refers to {what}, which does not exist in {repo_name}{hint}",
                r.raw
            ),
            fix,
            r.raw.clone(),
        );
        f.suggestions = suggestions;
        out.push(f);
    }
    out
}
