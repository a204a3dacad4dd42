//! `unlinked-procedure`: a site doc that spells out a procedure (shell steps) without linking
//! the pattern it follows.

use super::prelude::*;

/// What `unlinked-procedure` catches, why, an example and the fix (`netstack lint --explain`).
pub(crate) const INFO: RuleInfo = RuleInfo {
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
};

const SHELLS: &[&str] = &[
    "sh",
    "bash",
    "shell",
    "console",
    "zsh",
    "fish",
    "shellsession",
    "powershell",
    "ps1",
    "pwsh",
    "bat",
    "cmd",
    "batch",
];

pub(crate) fn unlinked_procedure(
    kb: &KnowledgeBase,
    id: DocId,
    min_steps: usize,
) -> Option<Finding> {
    let doc = kb.doc(id);
    if doc.kind != DocKind::SiteDoc || kb.references_from(id).next().is_some() {
        return None;
    }
    // Longest numbered list.
    let mut best_list: Option<(usize, u32, u32)> = None;
    let mut commands = 0usize;
    let mut first_shell: Option<(u32, u32)> = None;
    for b in &doc.blocks {
        match &b.kind {
            BlockKind::List { ordered: true } => {
                let n = doc
                    .items
                    .iter()
                    .filter(|i| {
                        i.ordered && i.depth == 0 && b.start_line <= i.line && i.line <= b.end_line
                    })
                    .count();
                if best_list.is_none_or(|(m, _, _)| n > m) {
                    best_list = Some((n, b.start_line, b.end_line));
                }
            }
            BlockKind::Code { lang } => {
                let text = doc.block_text(b);
                let is_shell = match lang {
                    Some(l) => SHELLS.contains(&l.as_str()),
                    None => text.lines().any(|l| {
                        l.trim_start().starts_with("$ ") || l.trim_start().starts_with("sudo ")
                    }),
                };
                if !is_shell {
                    continue;
                }
                let n = text
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with("//"))
                    .filter(|l| lang.is_some() || l.starts_with("$ ") || l.starts_with("sudo "))
                    .count();
                if n > 0 {
                    commands += n;
                    first_shell.get_or_insert((b.start_line, b.end_line));
                }
            }
            _ => {}
        }
    }
    let steps = best_list.map(|b| b.0).unwrap_or(0);
    let (what, start, end) = if steps >= min_steps {
        let (_, s, e) = best_list?;
        (format!("{steps} numbered steps"), s, e)
    } else if commands >= min_steps {
        let (s, e) = first_shell?;
        (format!("{commands} shell commands"), s, e)
    } else {
        return None;
    };
    let repo = &kb.pattern_repo().name;
    Some(new(
        Rule::UnlinkedProcedure,
        doc,
        start,
        end,
        format!(
            "this doc describes a procedure ({what}) but links no pattern of {repo}: document the pattern first"
        ),
        format!(
            "Move the HOW into a pattern doc in {repo} (so every site can reuse it), link it here \
             (e.g. `Follows netstack [x-pattern](https://…/x-pattern/)`), and keep only this site's \
             values in this doc."
        ),
        String::new(),
    ))
}
