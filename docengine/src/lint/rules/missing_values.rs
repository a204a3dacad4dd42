//! `missing-values`: a site follows a pattern but does not supply a value the pattern declares
//! (the answer of `values::answer`, the same one pages and recommendations give).

use super::prelude::*;

/// What `missing-values` catches, why, an example and the fix (`netstack lint --explain`).
pub(crate) const INFO: RuleInfo = RuleInfo {
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
};

/// `missing-values` for one site: the values every followed pattern declares must be
/// supplied by the site's docs that follow it. `docs` are the site docs being linted.
pub(crate) fn missing_values(kb: &KnowledgeBase, docs: &[DocId]) -> Vec<Finding> {
    // pattern → docs of this site that follow it
    let mut followers: BTreeMap<DocId, Vec<DocId>> = BTreeMap::new();
    let mut specificity: BTreeMap<DocId, usize> = BTreeMap::new();
    for &d in docs {
        if kb.doc(d).kind != DocKind::SiteDoc {
            continue;
        }
        let followed = kb.followed_by_doc(d);
        specificity.insert(d, followed.len());
        for p in followed {
            if !kb.doc(p).declared_values.is_empty() {
                followers.entry(p).or_default().push(d);
            }
        }
    }
    let mut out = Vec::new();
    for (p, fdocs) in followers {
        let pattern = kb.doc(p);
        let supplying: Vec<&[crate::values::SiteValue]> =
            fdocs.iter().map(|&d| kb.doc(d).values.as_slice()).collect();
        let missing = crate::values::missing(&pattern.declared_values, &supplying);
        if missing.is_empty() {
            continue;
        }
        // Report on the follower that is most about this pattern.
        let doc_id = *fdocs
            .iter()
            .min_by_key(|&&d| {
                let doc = kb.doc(d);
                let fm = doc
                    .front_matter
                    .as_ref()
                    .is_some_and(|f| !f.list("follows").is_empty());
                (
                    std::cmp::Reverse(doc.values.len().min(1)),
                    !fm,
                    specificity.get(&d).copied().unwrap_or(0),
                    doc.path.clone(),
                )
            })
            .expect("followers are non-empty");
        let doc = kb.doc(doc_id);
        let line = kb
            .references_from(doc_id)
            .filter(|r| r.doc() == Some(p))
            .map(|r| r.line)
            .min()
            .unwrap_or(1);
        let pref = pattern_ref(kb, p);
        let names: Vec<String> = missing.iter().map(|s| format!("`{}`", s.key)).collect();
        let rows: Vec<String> = missing
            .iter()
            .map(|s| {
                format!(
                    "| {} | {} |",
                    s.key,
                    s.description.as_deref().unwrap_or("…")
                )
            })
            .collect();
        let mut f = new(
            Rule::MissingValues,
            doc,
            line,
            line,
            format!(
                "follows `{}` but does not supply {} {} the pattern declares",
                pref.id,
                if missing.len() == 1 {
                    "the value"
                } else {
                    "the values"
                },
                names.join(", ")
            ),
            format!(
                "Add them to this doc's `## Values` section (or front matter `values:`):\n\n| Key | Value |\n|---|---|\n{}",
                rows.join("\n")
            ),
            format!(
                "{}:{}",
                pref.id,
                missing
                    .iter()
                    .map(|s| s.key.as_str())
                    .collect::<Vec<_>>()
                    .join(",")
            ),
        );
        f.pattern = Some(pref);
        out.push(f);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn key_matching_is_by_whole_words() {
        assert!(crate::values::key_answers("acme_contact", "acme_contact"));
        assert!(crate::values::key_answers(
            "acme_contact",
            "acme_contact_email"
        ));
        assert!(!crate::values::key_answers("acme_contact", "acme_server"));
        assert!(!crate::values::key_answers("contact", "contacts"));
        assert!(crate::values::is_placeholder("TODO"));
        assert!(!crate::values::is_placeholder("02:00"));
    }
}
