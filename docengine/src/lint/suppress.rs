//! Inline suppression in markdown, so a repo can silence one deliberate exception without
//! turning a rule off everywhere:
//!
//! ```markdown
//! <!-- netstack-disable duplicate-content -->
//! …lines where the rule is off…
//! <!-- netstack-enable duplicate-content -->
//!
//! <!-- netstack-disable-next-block unlinked-procedure -->
//! 1. the next block (a heading takes the block after it along)
//!
//! <!-- netstack-disable-next-line broken-link -->
//! <!-- netstack-disable-file missing-values -->
//! ```
//!
//! Several rules may be named (space or comma separated); none means every rule. A
//! `disable` without `enable` lasts to the end of the file. Comments inside code blocks are
//! examples, not directives. Unknown rule ids are reported as `bad-suppression`.

use regex::Regex;

use super::finding::Finding;
use super::rule::{Rule, unknown_rule_message};
use crate::doc::{BlockKind, Doc};

/// The suppressed line ranges of one doc.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Suppressions {
    /// `(rule or None for every rule, first line, last line)`, inclusive.
    ranges: Vec<(Option<Rule>, u32, u32)>,
}

impl Suppressions {
    /// Is this rule suppressed on this line?
    pub fn covers(&self, rule: Rule, line: u32) -> bool {
        self.ranges
            .iter()
            .any(|&(r, a, b)| r.is_none_or(|r| r == rule) && a <= line && line <= b)
    }

    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }
}

static DIRECTIVE: std::sync::LazyLock<Regex> = std::sync::LazyLock::new(|| {
    Regex::new(
        r"<!--\s*netstack-(disable-next-block|disable-next-line|disable-file|disable|enable)\b([^>]*?)-->",
    )
    .unwrap()
});

/// Read a doc's directives. Returns the suppressions and `bad-suppression` findings (without
/// fingerprints) for unknown rule ids.
pub fn parse(doc: &Doc) -> (Suppressions, Vec<Finding>) {
    let mut out = Suppressions::default();
    let mut bad = Vec::new();
    if !doc.source.contains("netstack-") {
        return (out, bad);
    }
    let last_line = doc.line_count().max(1);
    let in_code = |line: u32| {
        doc.blocks.iter().any(|b| {
            matches!(b.kind, BlockKind::Code { .. }) && b.start_line <= line && line <= b.end_line
        })
    };
    let mut open: Vec<(Option<Rule>, u32)> = Vec::new();
    for (i, text) in doc.source.lines().enumerate() {
        let line = i as u32 + 1;
        if !text.contains("netstack-") || in_code(line) {
            continue;
        }
        for cap in DIRECTIVE.captures_iter(text) {
            let kind = cap.get(1).map(|m| m.as_str()).unwrap_or("");
            let mut rules: Vec<Option<Rule>> = Vec::new();
            for word in cap[2]
                .split(|c: char| c.is_whitespace() || c == ',')
                .map(|w| w.trim_end_matches("--").trim())
                .filter(|w| !w.is_empty())
            {
                match Rule::from_id(word) {
                    Some(r) => rules.push(Some(r)),
                    None => {
                        let mut f = Finding::new(
                            Rule::BadSuppression,
                            doc.site.as_deref(),
                            &doc.repo,
                            &doc.path,
                            line,
                            line,
                            format!(
                                "`netstack-{kind}` names no rule: {}",
                                unknown_rule_message(word)
                            ),
                            Rule::BadSuppression.info().fix,
                            word.to_string(),
                        );
                        f.abs_path = Some(doc.abs_path.clone());
                        bad.push(f);
                    }
                }
            }
            let named_any = !rules.is_empty();
            if rules.is_empty() {
                if !cap[2].trim().is_empty() {
                    // Only unknown ids: suppress nothing rather than everything.
                    continue;
                }
                rules.push(None);
            }
            match kind {
                "disable" => {
                    for r in rules {
                        if !open.iter().any(|&(o, _)| o == r) {
                            open.push((r, line));
                        }
                    }
                }
                "enable" => {
                    if named_any {
                        open.retain(|&(r, start)| {
                            if rules.contains(&r) {
                                out.ranges.push((r, start, line));
                                false
                            } else {
                                true
                            }
                        });
                    } else {
                        for (r, start) in open.drain(..) {
                            out.ranges.push((r, start, line));
                        }
                    }
                }
                "disable-file" => {
                    for r in rules {
                        out.ranges.push((r, 1, last_line));
                    }
                }
                "disable-next-line" => {
                    let next = doc
                        .source
                        .lines()
                        .enumerate()
                        .skip(i + 1)
                        .find(|(_, l)| !l.trim().is_empty())
                        .map(|(j, _)| j as u32 + 1)
                        .unwrap_or(line);
                    for r in rules {
                        out.ranges.push((r, line, next));
                    }
                }
                _ => {
                    // disable-next-block
                    let mut next = doc.blocks.iter().filter(|b| b.start_line > line);
                    let end = match next.next() {
                        Some(b) if b.kind == BlockKind::Heading => {
                            next.next().map(|n| n.end_line).unwrap_or(b.end_line)
                        }
                        Some(b) => b.end_line,
                        None => line,
                    };
                    for r in rules {
                        out.ranges.push((r, line, end));
                    }
                }
            }
        }
    }
    for (r, start) in open {
        out.ranges.push((r, start, last_line));
    }
    (out, bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> Doc {
        crate::testkit::doc(Some("cf"), "docs/a.md", text)
    }

    #[test]
    fn ranges_next_block_and_unknown_ids() {
        let d = doc("# T\n\n\
<!-- netstack-disable duplicate-content, broken-link -->\n\
para\n\
<!-- netstack-enable broken-link -->\n\n\
text\n\n\
<!-- netstack-disable-next-block unlinked-procedure -->\n\
1. a\n\
2. b\n\n\
after\n\n\
<!-- netstack-disable duplicate-contnet -->\n\
```\n<!-- netstack-disable -->\n```\n");
        let (s, bad) = parse(&d);
        assert!(s.covers(Rule::BrokenLink, 4));
        assert!(!s.covers(Rule::BrokenLink, 7));
        assert!(s.covers(Rule::DuplicateContent, 7));
        assert!(s.covers(Rule::DuplicateContent, 18));
        assert!(s.covers(Rule::UnlinkedProcedure, 11));
        assert!(!s.covers(Rule::UnlinkedProcedure, 13));
        assert!(
            !s.covers(Rule::MissingValues, 18),
            "code example is no directive"
        );
        assert_eq!(bad.len(), 1);
        assert_eq!(bad[0].line, 15);
        assert!(bad[0].message.contains("duplicate-content"));
    }

    #[test]
    fn bare_disable_covers_every_rule_and_file_form() {
        let d = doc("a\n\n<!-- netstack-disable -->\n\nb\n\n<!-- netstack-enable -->\n\nc\n");
        let (s, _) = parse(&d);
        assert!(s.covers(Rule::BrokenLink, 5));
        assert!(!s.covers(Rule::BrokenLink, 9));
        let d = doc("<!-- netstack-disable-file missing-values -->\n\nx\n\ny\n");
        let (s, _) = parse(&d);
        assert!(s.covers(Rule::MissingValues, 5));
        assert!(!s.covers(Rule::BrokenLink, 5));
    }
}
